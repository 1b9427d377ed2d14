//! What the pages and the toolbar badge show, decided in plain Rust so it is tested natively:
//! relative dates, sender lines, account short names and colours, the badge's text and state.

/// Distinct account colours that read on both a light and a dark background, in the order accounts get them.
pub const ACCOUNT_PALETTE: [&str; 8] =
    ["#1a73e8", "#d93025", "#188038", "#e37400", "#9334e6", "#007b83", "#c5221f", "#5f6368"];

/// The colour of the account at `order` (0-based) when the user has not picked one.
pub fn default_account_color(order: usize) -> &'static str {
    ACCOUNT_PALETTE[order % ACCOUNT_PALETTE.len()]
}

/// A short label for an account's badge: the address's local part, shortened to fit a chip.
pub fn account_short_name(email: &str) -> String {
    let local = email.split('@').next().unwrap_or(email);
    let local = if local.is_empty() { email } else { local };
    truncate_chars(local, 14)
}

/// Cuts a string to at most `max` characters, ending it with an ellipsis when it was cut.
pub fn truncate_chars(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// The sender column: up to three names, oldest first, then how many more.
pub fn senders_line(senders: &[String]) -> String {
    match senders.len() {
        0 => "(no sender)".to_string(),
        1..=3 => senders.join(", "),
        n => format!("{} … {} (+{})", senders[0], senders[n - 1], n - 2),
    }
}

const MS_PER_MINUTE: i64 = 60_000;
const MS_PER_DAY: i64 = 86_400_000;
const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// A date as the inbox shows it, like Gmail: the time for today, "Yesterday", day and month within the
/// year, day month year before that. `tz_offset_minutes` is the local offset from UTC (east positive),
/// which the page reads from the browser so Rust needs no time-zone database.
pub fn relative_date(date_ms: u64, now_ms: u64, tz_offset_minutes: i32) -> String {
    let offset = i64::from(tz_offset_minutes) * MS_PER_MINUTE;
    let local = date_ms as i64 + offset;
    let now_local = now_ms as i64 + offset;
    let day = local.div_euclid(MS_PER_DAY);
    let today = now_local.div_euclid(MS_PER_DAY);
    let (y, m, d) = civil_from_days(day);
    let (now_y, _, _) = civil_from_days(today);
    if day == today {
        let minutes = local.rem_euclid(MS_PER_DAY) / MS_PER_MINUTE;
        format!("{:02}:{:02}", minutes / 60, minutes % 60)
    } else if day == today - 1 {
        "Yesterday".to_string()
    } else if y == now_y && day < today {
        format!("{} {}", d, MONTHS[(m - 1) as usize])
    } else {
        format!("{} {} {}", d, MONTHS[(m - 1) as usize], y)
    }
}

/// The full date for a tooltip: `2026-11-23 14:05`.
pub fn full_date(date_ms: u64, tz_offset_minutes: i32) -> String {
    let local = date_ms as i64 + i64::from(tz_offset_minutes) * MS_PER_MINUTE;
    let (y, m, d) = civil_from_days(local.div_euclid(MS_PER_DAY));
    let minutes = local.rem_euclid(MS_PER_DAY) / MS_PER_MINUTE;
    format!("{y:04}-{m:02}-{d:02} {:02}:{:02}", minutes / 60, minutes % 60)
}

/// Days since 1970-01-01 to (year, month 1-12, day 1-31), Howard Hinnant's algorithm.
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// What the toolbar badge shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Badge {
    pub text: String,
    /// `#rrggbb` background.
    pub color: &'static str,
    /// The toolbar button's tooltip.
    pub title: String,
}

pub const BADGE_UNREAD: &str = "#1a73e8";
pub const BADGE_ATTENTION: &str = "#d93025";
pub const BADGE_IDLE: &str = "#5f6368";

/// The badge for the whole extension. The host missing or an account needing re-authorisation outranks the
/// count, because either means the count may be wrong.
pub fn badge(total_unread: u64, accounts: usize, reauth_required: usize, host_missing: bool) -> Badge {
    if host_missing {
        return Badge {
            text: "!".into(),
            color: BADGE_ATTENTION,
            title: "gmux: gmux-host is not installed".into(),
        };
    }
    if reauth_required > 0 {
        let which = if reauth_required == 1 { "an account needs" } else { "accounts need" };
        return Badge {
            text: "!".into(),
            color: BADGE_ATTENTION,
            title: format!("gmux: {which} to be reconnected ({total_unread} unread)"),
        };
    }
    if accounts == 0 {
        return Badge { text: String::new(), color: BADGE_IDLE, title: "gmux: no accounts yet".into() };
    }
    let text = match total_unread {
        0 => String::new(),
        n if n > 999 => "999+".into(),
        n => n.to_string(),
    };
    let title = match total_unread {
        0 => "gmux: no unread mail".to_string(),
        1 => "gmux: 1 unread conversation".to_string(),
        n => format!("gmux: {n} unread conversations"),
    };
    Badge { text, color: BADGE_UNREAD, title }
}

/// The Gmail web address that opens one thread in the right account.
pub fn gmail_thread_url(email: &str, thread_id: &str) -> String {
    format!("https://mail.google.com/mail/u/?authuser={}#inbox/{}", percent_encode(email), percent_encode(thread_id))
}

fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'@' | b'.' | b'-' | b'_') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    // 2026-11-23 14:05:00 UTC
    const NOW: u64 = 1_795_442_700_000;

    fn check_date(date_ms: u64, offset: i32, expected: &str) {
        assert_eq!(relative_date(date_ms, NOW, offset), expected, "date {date_ms} offset {offset}");
    }

    #[test]
    fn full_date_is_iso_like() {
        assert_eq!(full_date(NOW, 0), "2026-11-23 14:05");
        assert_eq!(full_date(0, 0), "1970-01-01 00:00");
        assert_eq!(full_date(951_782_400_000, 0), "2000-02-29 00:00");
    }

    #[test]
    fn relative_dates_like_gmail() {
        check_date(NOW - 5 * 60_000, 0, "14:00");
        check_date(NOW - 86_400_000, 0, "Yesterday");
        check_date(NOW - 3 * 86_400_000, 0, "20 Nov");
        check_date(NOW - 400 * 86_400_000, 0, "19 Oct 2025");
        // Local midnight moves with the offset: 14:05 UTC is already tomorrow 00:05 at +10:00.
        check_date(NOW, 600, "00:05");
        check_date(NOW - 15 * 60 * 60_000, 600, "Yesterday");
        // A date in the future (clock skew) still shows a date, never a negative time.
        check_date(NOW + 3 * 86_400_000, 0, "26 Nov 2026");
    }

    #[test]
    fn senders_line_shortens_long_threads() {
        let s = |v: &[&str]| senders_line(&v.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(s(&[]), "(no sender)");
        assert_eq!(s(&["Ann"]), "Ann");
        assert_eq!(s(&["Ann", "Bo", "Cy"]), "Ann, Bo, Cy");
        assert_eq!(s(&["Ann", "Bo", "Cy", "Di"]), "Ann … Di (+2)");
    }

    #[test]
    fn short_names_fit_a_chip() {
        assert_eq!(account_short_name("ada@example.com"), "ada");
        assert_eq!(account_short_name("a.very.long.local.part@example.com"), "a.very.long.l…");
        assert_eq!(account_short_name("@odd"), "@odd");
        assert_eq!(truncate_chars("Zoë Ångström", 4), "Zoë…");
    }

    #[test]
    fn colours_cycle_through_the_palette() {
        assert_eq!(default_account_color(0), ACCOUNT_PALETTE[0]);
        assert_eq!(default_account_color(8), ACCOUNT_PALETTE[0]);
        assert_ne!(default_account_color(1), default_account_color(2));
    }

    #[test]
    fn badge_states() {
        assert_eq!(badge(12, 3, 0, false).text, "12");
        assert_eq!(badge(0, 3, 0, false).text, "");
        assert_eq!(badge(5000, 3, 0, false).text, "999+");
        let reauth = badge(7, 3, 1, false);
        assert_eq!((reauth.text.as_str(), reauth.color), ("!", BADGE_ATTENTION));
        assert!(reauth.title.contains("reconnected"));
        assert_eq!(badge(7, 3, 0, true).title, "gmux: gmux-host is not installed");
        assert_eq!(badge(0, 0, 0, false).title, "gmux: no accounts yet");
    }

    #[test]
    fn gmail_url_names_the_account() {
        assert_eq!(
            gmail_thread_url("ada+x@example.com", "18c2f0a1b2c3d4e5"),
            "https://mail.google.com/mail/u/?authuser=ada%2Bx@example.com#inbox/18c2f0a1b2c3d4e5"
        );
        assert_eq!(gmail_thread_url("a b@x", "1"), "https://mail.google.com/mail/u/?authuser=a%20b@x#inbox/1");
    }
}
