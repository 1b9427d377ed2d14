//! What the pages and the toolbar badge show, decided in plain Rust so it is tested natively:
//! relative dates, sender lines, account short names and colours, the badge's text and state, keyboard shortcuts
//! and the notices the pages show.

use crate::calendar::civil_from_days;
use crate::inbox::{Account as InboxAccount, InboxStore, SyncHealth, ThreadRow};
use crate::protocol::Account as HostAccount;
use crate::reply::ThreadAction;
use crate::status::HostState;
use crate::text::{percent_encode, truncate_chars};

/// Distinct account colours that read on both a light and a dark background, in the order accounts get them.
pub const ACCOUNT_PALETTE: [&str; 8] = [
    "#1a73e8", "#d93025", "#188038", "#e37400", "#9334e6", "#007b83", "#c5221f", "#5f6368",
];

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

/// The sender column: up to three names, oldest first, then how many more.
/// A row's accessible name: screen readers get the subject cut to a sentence's length, not a 20,000-character
/// subject in full.
pub fn row_label(unread: bool, senders: &str, subject: &str, email: &str) -> String {
    let state = if unread { "unread, " } else { "" };
    format!("{state}{senders}: {}, {email}", label_subject(subject))
}

/// A subject as a row's accessible name holds it: cut to a sentence's length.
pub fn label_subject(subject: &str) -> String {
    const MAX_SUBJECT_CHARS: usize = 200;
    let mut chars = subject.chars();
    let mut cut: String = chars.by_ref().take(MAX_SUBJECT_CHARS).collect();
    if chars.next().is_some() {
        cut.push('…');
    }
    cut
}

pub fn senders_line(senders: &[String]) -> String {
    match senders.len() {
        0 => "(no sender)".to_string(),
        1..=3 => senders.join(", "),
        n => format!("{} … {} (+{})", senders[0], senders[n - 1], n - 2),
    }
}

const MS_PER_MINUTE: i64 = 60_000;
const MS_PER_DAY: i64 = 86_400_000;
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Which form a date takes in the list, like Gmail: the time for today, "Yesterday", day and month within the
/// year, day month year before that. The page writes it in the browser's language (`Intl`); this decides which.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateForm {
    Time,
    Yesterday,
    DayMonth,
    DayMonthYear,
}

/// The form `date_ms` takes when it is `now_ms`. `tz_offset_minutes` is the local offset from UTC (east
/// positive), which the page reads from the browser so Rust needs no time-zone database.
pub fn date_form(date_ms: u64, now_ms: u64, tz_offset_minutes: i32) -> DateForm {
    let offset = i64::from(tz_offset_minutes) * MS_PER_MINUTE;
    let day = (clamp_date_ms(date_ms) + offset).div_euclid(MS_PER_DAY);
    let today = (clamp_date_ms(now_ms) + offset).div_euclid(MS_PER_DAY);
    let (y, _, _) = civil_from_days(day);
    let (now_y, _, _) = civil_from_days(today);
    if day == today {
        DateForm::Time
    } else if day == today - 1 {
        DateForm::Yesterday
    } else if y == now_y && day < today {
        DateForm::DayMonth
    } else {
        DateForm::DayMonthYear
    }
}

/// What a row of the list shows beyond its conversation: its account's colour, whether a change of it waits for
/// Gmail, the form of its date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowLook {
    pub color: String,
    pub pending: bool,
    pub date_form: DateForm,
}

/// One row of the list as the page drew it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DrawnRow {
    pub row: ThreadRow,
    pub look: RowLook,
}

/// Where a row of a list drawn again comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowSource {
    /// The element drawn before at this index of `drawn`, moved if it must be.
    Kept(usize),
    /// A new element.
    New,
}

/// Which of the rows drawn before a redraw keeps, for each row of `wanted`: the element of the same conversation
/// when what it shows is unchanged, each at most once. A list whose rows interleave with new ones (a search's
/// next account, a sync's new mail, the next page) then builds only the new rows; the rest stay, with their focus,
/// selection and hover.
pub fn reuse_rows(drawn: &[DrawnRow], wanted: &[DrawnRow]) -> Vec<RowSource> {
    let mut used = vec![false; drawn.len()];
    // Rows mostly keep their order: the row after the last one kept is tried first, then every other.
    let mut next = 0;
    wanted
        .iter()
        .map(|new| {
            let same = |index: &usize| {
                let old = &drawn[*index].row;
                !used[*index]
                    && old.thread_id == new.row.thread_id
                    && old.account_id == new.row.account_id
            };
            let found = Some(next)
                .filter(|i| *i < drawn.len() && same(i))
                .or_else(|| (0..drawn.len()).find(same));
            match found {
                Some(index) => {
                    used[index] = true;
                    next = index + 1;
                    if drawn[index] == *new {
                        RowSource::Kept(index)
                    } else {
                        RowSource::New
                    }
                }
                None => RowSource::New,
            }
        })
        .collect()
}

/// A date as the inbox shows it in English, in the form [`date_form`] decides (the pages write it in the
/// browser's language instead; this is the English the tests and the bench read).
pub fn relative_date(date_ms: u64, now_ms: u64, tz_offset_minutes: i32) -> String {
    let local = clamp_date_ms(date_ms) + i64::from(tz_offset_minutes) * MS_PER_MINUTE;
    let (y, m, d) = civil_from_days(local.div_euclid(MS_PER_DAY));
    match date_form(date_ms, now_ms, tz_offset_minutes) {
        DateForm::Time => {
            let minutes = local.rem_euclid(MS_PER_DAY) / MS_PER_MINUTE;
            format!("{:02}:{:02}", minutes / 60, minutes % 60)
        }
        DateForm::Yesterday => "Yesterday".to_string(),
        DateForm::DayMonth => format!("{} {}", d, MONTHS[(m - 1) as usize]),
        DateForm::DayMonthYear => format!("{} {} {}", d, MONTHS[(m - 1) as usize], y),
    }
}

/// The full date for a tooltip: `2026-11-23 14:05`.
pub fn full_date(date_ms: u64, tz_offset_minutes: i32) -> String {
    let local = clamp_date_ms(date_ms) + i64::from(tz_offset_minutes) * MS_PER_MINUTE;
    let (y, m, d) = civil_from_days(local.div_euclid(MS_PER_DAY));
    let minutes = local.rem_euclid(MS_PER_DAY) / MS_PER_MINUTE;
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}",
        minutes / 60,
        minutes % 60
    )
}

/// The end of year 9999 in Unix ms. `internalDate` comes from a server: a date past this (a hostile or broken
/// answer) is shown as this, instead of overflowing the arithmetic below.
const LAST_DATE_MS: u64 = 253_402_300_799_999;

fn clamp_date_ms(ms: u64) -> i64 {
    ms.min(LAST_DATE_MS) as i64
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

/// The badge for the whole extension. A host problem (its sentence for the tooltip) or an account needing
/// re-authorisation outranks the count, because either means the count may be wrong.
pub fn badge(
    total_unread: u64,
    accounts: usize,
    reauth_required: usize,
    host_problem: Option<&str>,
) -> Badge {
    if let Some(problem) = host_problem {
        return Badge {
            text: "!".into(),
            color: BADGE_ATTENTION,
            title: format!("gmux: {problem}"),
        };
    }
    if reauth_required > 0 {
        let which = if reauth_required == 1 {
            "an account needs"
        } else {
            "accounts need"
        };
        return Badge {
            text: "!".into(),
            color: BADGE_ATTENTION,
            title: format!("gmux: {which} to be reconnected ({total_unread} unread)"),
        };
    }
    if accounts == 0 {
        return Badge {
            text: String::new(),
            color: BADGE_IDLE,
            title: "gmux: no accounts yet".into(),
        };
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
    Badge {
        text,
        color: BADGE_UNREAD,
        title,
    }
}

/// The badge for the whole store and gmux-host's state; an account set to Primary only counts its Primary tab.
pub fn store_badge(
    store: &InboxStore,
    host: HostState,
    settings: &crate::settings::Settings,
) -> Badge {
    let reauth = store
        .accounts
        .iter()
        .filter(|a| a.account.health == SyncHealth::ReauthRequired)
        .count();
    let host_problem = match host {
        HostState::Missing => Some("gmux-host is not installed"),
        HostState::Failed => Some("gmux-host is not answering"),
        HostState::Untrusted => Some("gmux-host's configuration needs attention"),
        HostState::Connecting | HostState::Connected | HostState::NotConfigured => None,
    };
    badge(
        store.shown_unread(settings),
        store.accounts.len(),
        reauth,
        host_problem,
    )
}

/// The Gmail web address that opens one thread in the right account.
pub fn gmail_thread_url(email: &str, thread_id: &str) -> String {
    format!(
        "https://mail.google.com/mail/u/?authuser={}#inbox/{}",
        percent_encode(email, b"@.-_"),
        percent_encode(thread_id, b"@.-_")
    )
}

/// What a key pressed in the inbox list asks for, like Gmail's shortcuts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InboxKey {
    Next,
    Previous,
    /// Read the conversation inside gmux.
    Open,
    /// Open the conversation in Gmail, in its account.
    OpenInGmail,
    Archive,
    Trash,
    ToggleRead,
    ToggleStar,
}

/// The inbox shortcut for a `KeyboardEvent.key`; `None` for keys the page leaves to the browser. Keys pressed
/// with Ctrl, Alt or Meta are the browser's and must not reach this.
pub fn inbox_key(key: &str) -> Option<InboxKey> {
    match key {
        "ArrowDown" | "j" => Some(InboxKey::Next),
        "ArrowUp" | "k" => Some(InboxKey::Previous),
        "Enter" | "o" => Some(InboxKey::Open),
        "g" => Some(InboxKey::OpenInGmail),
        "e" => Some(InboxKey::Archive),
        "#" | "Delete" => Some(InboxKey::Trash),
        // Gmail: `Shift+I` marks read, `Shift+U` unread; here both toggle, as does a plain `u`.
        "u" | "U" | "I" => Some(InboxKey::ToggleRead),
        "s" => Some(InboxKey::ToggleStar),
        _ => None,
    }
}

/// The action that flips a thread's read state.
pub fn read_toggle(unread: bool) -> ThreadAction {
    if unread {
        ThreadAction::MarkRead
    } else {
        ThreadAction::MarkUnread
    }
}

/// The action that flips a thread's star.
pub fn star_toggle(starred: bool) -> ThreadAction {
    if starred {
        ThreadAction::Unstar
    } else {
        ThreadAction::Star
    }
}

/// An account's colour: the one the user picked (the host's account list), else the palette's by position.
pub fn account_color(host_accounts: &[HostAccount], id: &str, order: usize) -> String {
    host_accounts
        .iter()
        .find(|a| a.id == id && is_hex_color(&a.color))
        .map(|a| a.color.clone())
        .unwrap_or_else(|| default_account_color(order).to_string())
}

/// Whether `s` is `#rrggbb`: only such a value reaches a style attribute.
pub fn is_hex_color(s: &str) -> bool {
    s.len() == 7 && s.starts_with('#') && s[1..].bytes().all(|b| b.is_ascii_hexdigit())
}

/// A badge's unread count, short enough for a chip.
pub fn unread_label(unread: u64) -> String {
    if unread > 999 {
        "999+".to_string()
    } else {
        unread.to_string()
    }
}

/// An account chip's accessible name (and tooltip). It begins with the chip's visible text, the short name and
/// the count as drawn, so a person using voice control can say what they see (WCAG 2.5.3, label in name); the
/// full address follows to tell apart accounts whose short names match. Whether the chip is pressed is
/// `aria-pressed`'s to say.
pub fn account_chip_label(email: &str, unread: u64, in_primary: bool) -> String {
    format!(
        "{} {} unread{}, {email}",
        account_short_name(email),
        unread_label(unread),
        if in_primary { " in Primary" } else { "" }
    )
}

/// The quiet banner over a cached inbox when Gmail could not be reached (or kept failing) for some account, with
/// the time of the last good sync; `None` when every account synced. (The pages add the shared cause,
/// [`StaleState::detail`], in the browser's language.)
pub fn stale_notice(
    accounts: &[InboxAccount],
    now_ms: u64,
    tz_offset_minutes: i32,
) -> Option<String> {
    let stale = stale_state(accounts)?;
    let what = if stale.offline {
        "Offline"
    } else {
        "Gmail is not answering"
    };
    let whose = stale
        .account
        .map(|email| format!(" for {email}"))
        .unwrap_or_default();
    let text = match stale.as_of_ms {
        Some(ms) => {
            let when = relative_date(ms, now_ms, tz_offset_minutes);
            let when = if when == "Yesterday" {
                "yesterday".to_string()
            } else {
                when
            };
            format!("{what}{whose}: showing mail as of {when}.")
        }
        None => format!("{what}{whose}: no mail has been fetched yet."),
    };
    Some(text)
}

/// What the stale banner says, as data (the pages put it in words in the browser's language).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaleState {
    /// Offline, rather than Gmail not answering.
    pub offline: bool,
    /// The one account concerned, when there are others.
    pub account: Option<String>,
    /// The oldest last good sync of the accounts concerned.
    pub as_of_ms: Option<u64>,
    /// The one reason all share, when Gmail itself is fine but something before it is not (a locked keyring, the
    /// token endpoint, the grant): the one sentence that says so is worth the space.
    pub detail: Option<crate::reply::Cause>,
}

/// The stale banner's facts; `None` when every account synced.
pub fn stale_state(accounts: &[InboxAccount]) -> Option<StaleState> {
    let stale: Vec<&InboxAccount> = accounts
        .iter()
        .filter(|a| matches!(a.health, SyncHealth::Offline | SyncHealth::Failing))
        .collect();
    let first = stale.first()?;
    let offline = stale.iter().any(|a| a.health == SyncHealth::Offline);
    let mut detail = None;
    if !offline {
        let mut causes = stale.iter().filter_map(|a| a.health_cause.as_ref());
        if let Some(first_cause) = causes.next() {
            if causes.all(|c| c == first_cause) && first_cause.is_before_gmail() {
                detail = Some(first_cause.clone());
            }
        }
    }
    Some(StaleState {
        offline,
        account: (stale.len() == 1 && accounts.len() > 1).then(|| first.email.clone()),
        as_of_ms: stale.iter().filter_map(|a| a.last_good_sync_ms).min(),
        detail,
    })
}

/// The banner naming the accounts Google stopped accepting; `None` when there are none.
pub fn reauth_notice(emails: &[&str]) -> Option<String> {
    match emails {
        [] => None,
        [one] => Some(format!(
            "{one} needs to be reconnected: Google stopped accepting its sign-in."
        )),
        many => Some(format!(
            "{} need to be reconnected: Google stopped accepting their sign-ins.",
            many.join(", ")
        )),
    }
}

/// What an empty list says: for every account, or for the one the list is filtered to.
pub fn empty_inbox_text(filtered_to: Option<&str>) -> String {
    match filtered_to {
        None => "Inbox zero: nothing in any inbox.".to_string(),
        Some(email) => format!("Nothing in {email}'s inbox."),
    }
}

/// The small count next to the senders when a thread holds several messages.
pub fn message_count_label(message_count: u32) -> Option<String> {
    (message_count > 1).then(|| message_count.to_string())
}

/// What the page's live region says when a write of the stored inbox brought new mail while the page is open
/// (screen readers announce it; sighted people see the new rows): the unread conversations newer than every
/// conversation the account had before. An account not synced before (just added, or a first sync) is not news,
/// and a row put back by an undo is older than the newest row, so neither is announced.
pub fn new_mail_sentence(before: &InboxStore, after: &InboxStore) -> Option<String> {
    Some(match new_mail(before, after)? {
        NewMail::One { from, subject } => format!(
            "New mail from {from}: {}",
            subject.unwrap_or_else(|| "(no subject)".to_string())
        ),
        NewMail::Many(n) => format!("{n} new conversations"),
    })
}

/// New mail worth announcing: one conversation (its senders, and its subject unless it has none) or how many.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NewMail {
    One {
        from: String,
        subject: Option<String>,
    },
    Many(usize),
}

/// The facts of [`new_mail_sentence`], for the extension to say in the browser's language.
pub fn new_mail(before: &InboxStore, after: &InboxStore) -> Option<NewMail> {
    let mut new: Vec<&crate::inbox::ThreadRow> = Vec::new();
    for inbox in &after.accounts {
        let Some(old) = before
            .accounts
            .iter()
            .find(|a| a.account.id == inbox.account.id)
        else {
            continue;
        };
        if old.history_id.is_none() {
            continue;
        }
        let newest = old.threads.iter().map(|t| t.date_ms).max().unwrap_or(0);
        new.extend(inbox.threads.iter().filter(|t| {
            t.unread
                && t.date_ms > newest
                && !old.threads.iter().any(|o| o.thread_id == t.thread_id)
        }));
    }
    match new.as_slice() {
        [] => None,
        [one] => Some(NewMail::One {
            from: senders_line(&one.senders),
            subject: (!one.subject.trim().is_empty())
                .then(|| truncate_chars(one.subject.trim(), 120)),
        }),
        many => Some(NewMail::Many(many.len())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reply::Cause;

    // 2026-11-23 14:05:00 UTC
    const NOW: u64 = 1_795_442_700_000;

    /// A drawn row from a short spec: `"a:t1"` is account `a`'s thread `t1`; a `*` after it marks it unread,
    /// a `!` pending, a `~` drawn with another colour, a `^` dated yesterday.
    fn drawn(spec: &str) -> DrawnRow {
        let core = spec.trim_end_matches(['*', '!', '~', '^']);
        let (account, thread) = core.split_once(':').unwrap();
        let mark = |c: char| spec[core.len()..].contains(c);
        DrawnRow {
            row: ThreadRow {
                account_id: account.into(),
                thread_id: thread.into(),
                unread: mark('*'),
                ..Default::default()
            },
            look: RowLook {
                color: if mark('~') { "#d93025" } else { "#1a73e8" }.into(),
                pending: mark('!'),
                date_form: if mark('^') {
                    DateForm::Yesterday
                } else {
                    DateForm::Time
                },
            },
        }
    }

    #[test]
    fn a_redraw_keeps_every_row_whose_conversation_and_look_are_unchanged() {
        use RowSource::{Kept, New};
        let table: &[(&[&str], &[&str], &[RowSource])] = &[
            // Nothing drawn yet: every row is new.
            (&[], &["a:1", "a:2"], &[New, New]),
            // The next page: the rows shown stay, the new ones follow.
            (
                &["a:1", "a:2"],
                &["a:1", "a:2", "a:3"],
                &[Kept(0), Kept(1), New],
            ),
            // A second account's answer interleaves by date: only its rows are built.
            (
                &["a:1", "a:2", "a:3"],
                &["a:1", "b:1", "a:2", "b:2", "a:3"],
                &[Kept(0), New, Kept(1), New, Kept(2)],
            ),
            // New mail moves a conversation to the top: it is drawn again (it changed), the rest stay.
            (
                &["a:1", "a:2", "a:3"],
                &["a:3*", "a:1", "a:2"],
                &[New, Kept(0), Kept(1)],
            ),
            // A row only moved keeps its element.
            (
                &["a:1", "a:2", "a:3"],
                &["a:3", "a:1", "a:2"],
                &[Kept(2), Kept(0), Kept(1)],
            ),
            // Archived: the row goes, the others stay.
            (&["a:1", "a:2", "a:3"], &["a:1", "a:3"], &[Kept(0), Kept(2)]),
            // Marked read, waiting for Gmail, recoloured, a day older: that row is drawn again.
            (
                &["a:1*", "a:2", "a:3", "a:4"],
                &["a:1", "a:2!", "a:3~", "a:4^"],
                &[New, New, New, New],
            ),
            // The same conversation in two accounts is two rows.
            (&["a:1", "b:1"], &["b:1", "a:1"], &[Kept(1), Kept(0)]),
            // A key twice (never meant to happen): each element is kept once, never twice.
            (&["a:1", "a:1"], &["a:1", "a:1"], &[Kept(0), Kept(1)]),
            (&["a:1"], &["a:1", "a:1"], &[Kept(0), New]),
        ];
        for (before, after, expected) in table {
            let before: Vec<DrawnRow> = before.iter().map(|s| drawn(s)).collect();
            let after: Vec<DrawnRow> = after.iter().map(|s| drawn(s)).collect();
            assert_eq!(
                reuse_rows(&before, &after),
                *expected,
                "{before:?} -> {after:?}"
            );
        }
    }

    fn check_date(date_ms: u64, offset: i32, expected: &str) {
        assert_eq!(
            relative_date(date_ms, NOW, offset),
            expected,
            "date {date_ms} offset {offset}"
        );
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
    fn a_date_takes_the_form_its_day_asks_for() {
        let check = |date_ms: u64, offset: i32, expected: DateForm| {
            assert_eq!(
                date_form(date_ms, NOW, offset),
                expected,
                "{date_ms} at {offset}"
            );
        };
        check(NOW - 5 * 60_000, 0, DateForm::Time);
        check(NOW - 86_400_000, 0, DateForm::Yesterday);
        check(NOW - 3 * 86_400_000, 0, DateForm::DayMonth);
        check(NOW - 400 * 86_400_000, 0, DateForm::DayMonthYear);
        check(NOW, 600, DateForm::Time);
        check(NOW - 15 * 60 * 60_000, 600, DateForm::Yesterday);
        check(NOW + 3 * 86_400_000, 0, DateForm::DayMonthYear);
        check(u64::MAX, 0, DateForm::DayMonthYear);
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
        assert_eq!(
            account_short_name("a.very.long.local.part@example.com"),
            "a.very.long.l…"
        );
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
        assert_eq!(badge(12, 3, 0, None).text, "12");
        assert_eq!(badge(0, 3, 0, None).text, "");
        assert_eq!(badge(5000, 3, 0, None).text, "999+");
        let reauth = badge(7, 3, 1, None);
        assert_eq!((reauth.text.as_str(), reauth.color), ("!", BADGE_ATTENTION));
        assert!(reauth.title.contains("reconnected"));
        assert_eq!(
            badge(7, 3, 0, Some("gmux-host is not installed")).title,
            "gmux: gmux-host is not installed"
        );
        assert_eq!(badge(0, 0, 0, None).title, "gmux: no accounts yet");
    }

    #[test]
    fn gmail_url_names_the_account() {
        assert_eq!(
            gmail_thread_url("ada+x@example.com", "18c2f0a1b2c3d4e5"),
            "https://mail.google.com/mail/u/?authuser=ada%2Bx@example.com#inbox/18c2f0a1b2c3d4e5"
        );
        assert_eq!(
            gmail_thread_url("a b@x", "1"),
            "https://mail.google.com/mail/u/?authuser=a%20b@x#inbox/1"
        );
    }

    #[test]
    fn keys_map_to_inbox_commands() {
        let cases = [
            ("ArrowDown", Some(InboxKey::Next)),
            ("j", Some(InboxKey::Next)),
            ("k", Some(InboxKey::Previous)),
            ("ArrowUp", Some(InboxKey::Previous)),
            ("Enter", Some(InboxKey::Open)),
            ("o", Some(InboxKey::Open)),
            ("g", Some(InboxKey::OpenInGmail)),
            ("e", Some(InboxKey::Archive)),
            ("#", Some(InboxKey::Trash)),
            ("u", Some(InboxKey::ToggleRead)),
            ("I", Some(InboxKey::ToggleRead)),
            ("i", None),
            ("s", Some(InboxKey::ToggleStar)),
            ("x", None),
            ("Tab", None),
        ];
        for (key, want) in cases {
            assert_eq!(inbox_key(key), want, "key {key:?}");
        }
        assert_eq!(read_toggle(true), ThreadAction::MarkRead);
        assert_eq!(read_toggle(false), ThreadAction::MarkUnread);
        assert_eq!(star_toggle(false), ThreadAction::Star);
        assert_eq!(star_toggle(true), ThreadAction::Unstar);
    }

    #[test]
    fn account_colours_are_the_users_or_the_palettes() {
        let host = |id: &str, color: &str| HostAccount {
            id: id.into(),
            email: format!("{id}@x"),
            color: color.into(),
            order: 0,
            status: crate::protocol::AccountStatus::Ok,
            scopes: vec![],
            status_detail: None,
        };
        let accounts = [host("a", "#00ff00"), host("b", "red;background:url(x)")];
        assert_eq!(account_color(&accounts, "a", 3), "#00ff00");
        assert_eq!(account_color(&accounts, "b", 1), ACCOUNT_PALETTE[1]);
        assert_eq!(account_color(&accounts, "zz", 2), ACCOUNT_PALETTE[2]);
        assert!(!is_hex_color("#12345g"));
    }

    #[test]
    fn stale_and_reauth_notices() {
        let account = |email: &str, health: SyncHealth, last: Option<u64>| InboxAccount {
            id: email.into(),
            email: email.into(),
            health,
            last_good_sync_ms: last,
            ..Default::default()
        };
        let ok = account("a@x", SyncHealth::Ok, Some(NOW));
        let off = account("b@x", SyncHealth::Offline, Some(NOW - 5 * 60_000));
        let failing = account("c@x", SyncHealth::Failing, Some(NOW - 86_400_000));
        assert_eq!(stale_notice(std::slice::from_ref(&ok), NOW, 0), None);
        assert_eq!(
            stale_notice(&[ok.clone(), off.clone()], NOW, 0).as_deref(),
            Some("Offline for b@x: showing mail as of 14:00.")
        );
        assert_eq!(
            stale_notice(&[off.clone(), failing.clone()], NOW, 0).as_deref(),
            Some("Offline: showing mail as of yesterday.")
        );
        assert_eq!(
            stale_notice(std::slice::from_ref(&failing), NOW, 0).as_deref(),
            Some("Gmail is not answering: showing mail as of yesterday.")
        );
        // The cause is kept when it is not Gmail's own error and every failing account shares it.
        let no_token = Cause::NoToken {
            reason: "the keyring is locked".into(),
        };
        let mut locked = failing.clone();
        locked.health_cause = Some(no_token.clone());
        let shared = stale_state(&[ok.clone(), locked.clone()]);
        assert_eq!(
            shared.as_ref().and_then(|s| s.detail.clone()),
            Some(no_token.clone())
        );
        assert_eq!(shared.and_then(|s| s.account), Some("c@x".to_string()));
        let mut other = locked.clone();
        other.health_cause = Some(Cause::ScopeMissing);
        assert_eq!(
            stale_state(&[locked.clone(), other]).and_then(|s| s.detail),
            None
        );
        let mut gmail_error = failing.clone();
        gmail_error.health_cause = Some(Cause::GmailError {
            status: 500,
            reason: "backendError".into(),
        });
        assert_eq!(stale_state(&[gmail_error]).and_then(|s| s.detail), None);
        assert_eq!(
            stale_notice(&[account("d@x", SyncHealth::Offline, None)], NOW, 0).as_deref(),
            Some("Offline: no mail has been fetched yet.")
        );
        assert_eq!(reauth_notice(&[]), None);
        assert_eq!(
            reauth_notice(&["a@x"]).as_deref(),
            Some("a@x needs to be reconnected: Google stopped accepting its sign-in.")
        );
        assert!(reauth_notice(&["a@x", "b@x"])
            .unwrap_or_default()
            .starts_with("a@x, b@x need"));
    }

    #[test]
    fn small_labels() {
        assert_eq!(unread_label(7), "7");
        assert_eq!(unread_label(1000), "999+");
        assert_eq!(message_count_label(1), None);
        assert_eq!(message_count_label(4).as_deref(), Some("4"));
        assert_eq!(empty_inbox_text(None), "Inbox zero: nothing in any inbox.");
        assert_eq!(empty_inbox_text(Some("a@x")), "Nothing in a@x's inbox.");
    }

    #[test]
    fn account_chip_labels_start_with_what_the_chip_shows() {
        let check = |email: &str, unread: u64, in_primary: bool, expected: &str| {
            let label = account_chip_label(email, unread, in_primary);
            assert_eq!(label, expected);
            let shown = format!("{} {}", account_short_name(email), unread_label(unread));
            assert!(
                label.starts_with(&shown),
                "{label} does not start with {shown}"
            );
        };
        check(
            "ada.lovelace@gmail.com",
            15,
            false,
            "ada.lovelace 15 unread, ada.lovelace@gmail.com",
        );
        check("bo@x.org", 0, false, "bo 0 unread, bo@x.org");
        check("cy@z.org", 3, true, "cy 3 unread in Primary, cy@z.org");
        check(
            "a.very.long.local.part@x.org",
            1200,
            false,
            "a.very.long.l… 999+ unread, a.very.long.local.part@x.org",
        );
    }

    #[test]
    fn row_label_cuts_long_subjects() {
        assert_eq!(
            row_label(true, "Ann", "Hi", "a@x.org"),
            "unread, Ann: Hi, a@x.org"
        );
        let long = "x".repeat(20_000);
        let label = row_label(false, "Ann", &long, "a@x.org");
        assert_eq!(
            label.chars().count(),
            "Ann: ".len() + 200 + 1 + ", a@x.org".len()
        );
        assert!(label.contains("x…, a@x.org"));
        let exact = "y".repeat(200);
        assert!(!row_label(false, "Ann", &exact, "a@x.org").contains('…'));
    }

    #[test]
    fn absurd_dates_do_not_overflow() {
        for date in [
            u64::MAX,
            i64::MAX as u64,
            (i64::MAX as u64) + 1,
            LAST_DATE_MS + 1,
        ] {
            assert_eq!(full_date(date, 0), "9999-12-31 23:59");
            assert_eq!(full_date(date, -12 * 60), "9999-12-31 11:59");
            assert!(!full_date(date, 14 * 60).is_empty());
            assert!(!relative_date(date, 1_700_000_000_000, 60).is_empty());
            assert!(!relative_date(1_700_000_000_000, date, -60).is_empty());
        }
    }

    #[test]
    fn the_store_badge_sums_unread_and_flags_reauth_and_a_missing_host() {
        let account = |id: &str, unread: u64, health: SyncHealth| {
            let mut inbox = crate::inbox::AccountInbox::new(id, &format!("{id}@x.org"));
            inbox.account.counts.threads_unread = unread;
            inbox.account.health = health;
            inbox
        };
        let mut store = InboxStore::default();
        store.put_account(account("a", 3, SyncHealth::Ok));
        store.put_account(account("b", 4, SyncHealth::Offline));
        let mut reauth = store.clone();
        reauth.put_account(account("b", 4, SyncHealth::ReauthRequired));
        // (store, host, text, words in the title)
        let cases = [
            (&store, HostState::Connected, "7", "7 unread"),
            (&store, HostState::Connecting, "7", "7 unread"),
            (&store, HostState::NotConfigured, "7", "7 unread"),
            (&store, HostState::Missing, "!", "not installed"),
            (&store, HostState::Failed, "!", "not answering"),
            (
                &store,
                HostState::Untrusted,
                "!",
                "configuration needs attention",
            ),
            (&reauth, HostState::Connected, "!", "reconnected"),
        ];
        let settings = crate::settings::Settings::default();
        for (store, host, text, words) in cases {
            let b = store_badge(store, host, &settings);
            assert_eq!(b.text, text, "{host:?}");
            assert!(b.title.contains(words), "{host:?}: {}", b.title);
        }
        assert_eq!(
            store_badge(&InboxStore::default(), HostState::Connected, &settings).text,
            ""
        );
        // Primary only on b: its Primary count (once a sync has read it) in place of its inbox's.
        let mut settings = settings;
        settings.accounts.insert(
            "b".into(),
            crate::settings::AccountSettings {
                primary_only: true,
                ..Default::default()
            },
        );
        assert_eq!(
            store_badge(&store, HostState::Connected, &settings).text,
            "7"
        );
        store.account_mut("b").unwrap().account.primary_unread = Some(1);
        let b = store_badge(&store, HostState::Connected, &settings);
        assert_eq!((b.text.as_str(), b.title.contains("4 unread")), ("4", true));
    }
    #[test]
    fn new_mail_is_announced_only_when_it_is_news() {
        use crate::inbox::{AccountInbox, ThreadRow};
        let row = |thread: &str, date_ms: u64, unread: bool| ThreadRow {
            account_id: "a".into(),
            thread_id: thread.into(),
            senders: vec!["Ada".into()],
            subject: format!("About {thread}"),
            date_ms,
            unread,
            ..Default::default()
        };
        let store = |history: Option<&str>, rows: Vec<ThreadRow>| {
            let mut inbox = AccountInbox::default();
            inbox.account.id = "a".into();
            inbox.history_id = history.map(str::to_string);
            inbox.threads = rows;
            InboxStore {
                accounts: vec![inbox],
                ..Default::default()
            }
        };
        let before = store(Some("5"), vec![row("t1", 100, true), row("t2", 50, false)]);
        let check = |after: &InboxStore, before: &InboxStore, expected: Option<&str>| {
            assert_eq!(
                new_mail_sentence(before, after).as_deref(),
                expected,
                "{after:?}"
            );
        };
        // One new unread conversation, newest of all.
        let one = store(Some("6"), vec![row("t3", 200, true), row("t1", 100, true)]);
        check(&one, &before, Some("New mail from Ada: About t3"));
        // Two.
        let two = store(
            Some("7"),
            vec![
                row("t4", 300, true),
                row("t3", 200, true),
                row("t1", 100, true),
            ],
        );
        check(&two, &before, Some("2 new conversations"));
        // Read already (sent from another device, say): not announced.
        check(
            &store(Some("6"), vec![row("t3", 200, false)]),
            &before,
            None,
        );
        // A row back from an undo is older than the newest: not news.
        let undone = store(Some("6"), vec![row("t1", 100, true), row("t0", 80, true)]);
        check(&undone, &before, None);
        // The first sync of an account, or an account not there before: not news.
        check(&one, &store(None, vec![]), None);
        check(&one, &InboxStore::default(), None);
        // Nothing changed.
        check(&before, &before, None);
    }
}
