//! Dates in the two forms a message needs: RFC 5322 for the `Date` header, and the English forms Gmail
//! writes in a reply's attribution line and a forwarded block. Pure arithmetic on unix milliseconds and a
//! UTC offset in minutes: the caller knows the local time zone, gmux-mail does not.

use serde::{Deserialize, Serialize};

/// How the date reads in a reply's attribution line and a forwarded block: Gmail writes the date in the
/// user's display language, and these are its two English forms.
///
/// - `EnUs` (Gmail's default, English (US)): `On Mon, Dec 7, 2026 at 9:14 AM Ada Lovelace
///   <ada@example.com> wrote:`, with U+202F (narrow no-break space) before AM/PM: English time formats
///   have had it since CLDR 42 (2022), and mail Gmail sent in 2024 and 2025 shows `5:19=E2=80=AFPM` in its
///   quoted-printable text. No comma before the name: Gmail wrote one until about 2018 (`On Fri, May 14,
///   2010 at 9:14 AM, Name`), not since (`On Wed, Sep 25, 2019 at 9:14 AM Name <addr> wrote:`).
/// - `EnGb` (English (UK)): `On Mon, 7 Dec 2026 at 09:14, Ada Lovelace <ada@example.com> wrote:`,
///   24-hour time, a comma before the name. This form is the one gmux's design names; no recorded en-GB
///   Gmail message was at hand to check it against.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum DateStyle {
    #[default]
    EnUs,
    EnGb,
}

/// The widest local offset in use (Kiribati, +14:00; the lowest is -12:00).
pub const MAX_OFFSET_MINUTES: i32 = 14 * 60;

/// 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z in unix milliseconds: the years a date can be
/// written in with four digits.
const MIN_MS: i64 = -62_135_596_800_000;
const MAX_MS: i64 = 253_402_300_799_999;

const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// A local date and time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Civil {
    pub year: i64,
    /// 1 to 12.
    pub month: u32,
    /// 1 to 31.
    pub day: u32,
    /// 0 is Monday.
    pub weekday: usize,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
}

/// The local time `offset_minutes` east of UTC at `ms`; `None` outside the years 1 to 9999 or for an
/// offset beyond +-14:00.
pub fn civil(ms: i64, offset_minutes: i32) -> Option<Civil> {
    if !(MIN_MS..=MAX_MS).contains(&ms)
        || offset_minutes.unsigned_abs() > MAX_OFFSET_MINUTES.unsigned_abs()
    {
        return None;
    }
    let secs = ms.div_euclid(1000) + i64::from(offset_minutes) * 60;
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    Some(Civil {
        year,
        month,
        day,
        // 1970-01-01 was a Thursday.
        weekday: (days + 3).rem_euclid(7) as usize,
        hour: (rem / 3600) as u32,
        minute: (rem / 60 % 60) as u32,
        second: (rem % 60) as u32,
    })
}

/// `Mon, 7 Dec 2026 09:14:05 +0100`: RFC 5322's date-time.
pub fn rfc5322(ms: i64, offset_minutes: i32) -> Option<String> {
    let c = civil(ms, offset_minutes)?;
    let sign = if offset_minutes < 0 { '-' } else { '+' };
    let off = offset_minutes.unsigned_abs();
    Some(format!(
        "{}, {} {} {:04} {:02}:{:02}:{:02} {sign}{:02}{:02}",
        WEEKDAYS[c.weekday],
        c.day,
        MONTHS[(c.month - 1) as usize],
        c.year,
        c.hour,
        c.minute,
        c.second,
        off / 60,
        off % 60
    ))
}

/// The date as Gmail writes it in quotes: `Mon, Dec 7, 2026 at 9:14 AM` (with U+202F before AM) or
/// `Mon, 7 Dec 2026 at 09:14`.
pub fn gmail_date(ms: i64, offset_minutes: i32, style: DateStyle) -> Option<String> {
    let c = civil(ms, offset_minutes)?;
    let weekday = WEEKDAYS[c.weekday];
    let month = MONTHS[(c.month - 1) as usize];
    Some(match style {
        DateStyle::EnUs => {
            let (hour, half) = match c.hour {
                0 => (12, "AM"),
                h @ 1..=11 => (h, "AM"),
                12 => (12, "PM"),
                h => (h - 12, "PM"),
            };
            format!(
                "{weekday}, {month} {}, {} at {hour}:{:02}\u{202f}{half}",
                c.day, c.year, c.minute
            )
        }
        DateStyle::EnGb => format!(
            "{weekday}, {} {month} {} at {:02}:{:02}",
            c.day, c.year, c.hour, c.minute
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2026-12-07T08:14:05Z, a Monday.
    const T: i64 = 1_796_631_245_000;

    #[test]
    fn rfc5322_dates() {
        let check = |ms, off, expected: Option<&str>| {
            assert_eq!(rfc5322(ms, off).as_deref(), expected, "{ms} {off}")
        };
        check(0, 0, Some("Thu, 1 Jan 1970 00:00:00 +0000"));
        check(T, 60, Some("Mon, 7 Dec 2026 09:14:05 +0100"));
        check(T, -300, Some("Mon, 7 Dec 2026 03:14:05 -0500"));
        check(T, -510, Some("Sun, 6 Dec 2026 23:44:05 -0830"));
        check(T, 330, Some("Mon, 7 Dec 2026 13:44:05 +0530"));
        check(951_782_400_000, 0, Some("Tue, 29 Feb 2000 00:00:00 +0000"));
        check(-1, 0, Some("Wed, 31 Dec 1969 23:59:59 +0000"));
        check(MAX_MS, 0, Some("Fri, 31 Dec 9999 23:59:59 +0000"));
        check(MAX_MS + 1, 0, None);
        check(i64::MIN, 0, None);
        check(T, 14 * 60 + 1, None);
        check(T, i32::MIN, None);
        check(T, i32::MAX, None);
    }

    #[test]
    fn gmail_dates() {
        let check = |ms, off, style, expected: &str| {
            assert_eq!(gmail_date(ms, off, style).as_deref(), Some(expected))
        };
        check(T, 60, DateStyle::EnUs, "Mon, Dec 7, 2026 at 9:14\u{202f}AM");
        check(T, 60, DateStyle::EnGb, "Mon, 7 Dec 2026 at 09:14");
        check(T, 0, DateStyle::EnUs, "Mon, Dec 7, 2026 at 8:14\u{202f}AM");
        check(
            T + 4 * 3_600_000,
            0,
            DateStyle::EnUs,
            "Mon, Dec 7, 2026 at 12:14\u{202f}PM",
        );
        check(
            T + 10 * 3_600_000,
            0,
            DateStyle::EnUs,
            "Mon, Dec 7, 2026 at 6:14\u{202f}PM",
        );
        check(
            T - 8 * 3_600_000,
            0,
            DateStyle::EnUs,
            "Mon, Dec 7, 2026 at 12:14\u{202f}AM",
        );
        check(
            T + 10 * 3_600_000,
            0,
            DateStyle::EnGb,
            "Mon, 7 Dec 2026 at 18:14",
        );
    }
}
