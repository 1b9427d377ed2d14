//! Calendar arithmetic for the few date formats the emulator reads and writes, so no date crate is needed.

/// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm).
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The calendar date of a day number: (year, month, day).
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Parses `YYYY-MM-DDTHH:MM:SSZ` (or with a `+HH:MM`/`-HH:MM` offset, or a bare date) into epoch seconds.
pub fn parse_rfc3339(s: &str) -> Option<i64> {
    let s = s.trim();
    let (date, rest) = match s.find(['T', ' ']) {
        Some(i) => (&s[..i], &s[i + 1..]),
        None => (s, ""),
    };
    let (year, month, day) = year_month_day(&mut date.split('-'))?;
    let mut secs = days_from_civil(year, month, day) * 86_400;
    if !rest.is_empty() {
        let (clock, offset) = split_offset(rest)?;
        let mut hms = clock.split(':');
        let h: i64 = hms.next()?.parse().ok().filter(|h| (0..=24).contains(h))?;
        let m: i64 = hms.next()?.parse().ok().filter(|m| (0..=59).contains(m))?;
        let sec: f64 = hms
            .next()
            .unwrap_or("0")
            .parse()
            .ok()
            .filter(|s: &f64| (0.0..=61.0).contains(s))?;
        secs += h * 3600 + m * 60 + sec as i64 - offset;
    }
    Some(secs)
}

fn split_offset(rest: &str) -> Option<(&str, i64)> {
    if let Some(clock) = rest.strip_suffix('Z').or_else(|| rest.strip_suffix('z')) {
        return Some((clock, 0));
    }
    if let Some(i) = rest.rfind(['+', '-']) {
        let sign = if rest.as_bytes()[i] == b'-' { -1 } else { 1 };
        let mut hm = rest[i + 1..].split(':');
        let h: i64 = hm.next()?.parse().ok().filter(|h| (0..=24).contains(h))?;
        let m: i64 = hm
            .next()
            .unwrap_or("0")
            .parse()
            .ok()
            .filter(|m| (0..=59).contains(m))?;
        return Some((&rest[..i], sign * (h * 3600 + m * 60)));
    }
    Some((rest, 0))
}

/// The last second of year 9999: dates beyond it are nonsense, and refusing them keeps the arithmetic in range.
pub const MAX_EPOCH_SECS: i64 = 253_402_300_799;

/// The first three parts as a year (1 to 9999), a month and a day in range; what follows is the caller's.
fn year_month_day<'a>(parts: &mut impl Iterator<Item = &'a str>) -> Option<(i64, u32, u32)> {
    let year: i64 = parts
        .next()?
        .parse()
        .ok()
        .filter(|y| (1..=9999).contains(y))?;
    let month: u32 = parts
        .next()?
        .parse()
        .ok()
        .filter(|m| (1..=12).contains(m))?;
    let day: u32 = parts
        .next()?
        .parse()
        .ok()
        .filter(|d| (1..=31).contains(d))?;
    Some((year, month, day))
}

/// Formats epoch seconds as an RFC 5322 `Date:` header value in UTC.
pub fn rfc2822(secs: i64) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{}, {} {} {} {:02}:{:02}:{:02} +0000",
        DAYS[days.rem_euclid(7) as usize],
        d,
        MONTHS[(m - 1) as usize],
        y,
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_round_trip() {
        for days in [-1000, 0, 1, 59, 365, 20_000, 20_415] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
    }

    #[test]
    fn parses_and_formats() {
        assert_eq!(parse_rfc3339("1970-01-02T00:00:00Z"), Some(86_400));
        assert_eq!(parse_rfc3339("1970-01-01T01:00:00+01:00"), Some(0));
        assert_eq!(parse_rfc3339("99999999999-01-01T00:00:00Z"), None);
        assert_eq!(parse_rfc3339("2026-01-01T00:00:00+99999999999:00"), None);
        assert_eq!(rfc2822(0), "Thu, 1 Jan 1970 00:00:00 +0000");
    }
}
