//! Header values as people read them: RFC 2047 encoded-words, MIME parameters (with RFC 2231 charsets and
//! continuations), address lists and dates. Every reader here is linear in its input and gives up gracefully:
//! a value it cannot read is shown as written.

use base64::Engine as _;
use serde::{Deserialize, Serialize};

use crate::bytes::hex_pair;
use crate::charset::{self, Charsets};

/// A mailbox as shown: the display name (may be empty) and the address (may be empty when the header held
/// only a name).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mailbox {
    pub name: String,
    pub address: String,
}

/// The most addresses read from one header: a list of a million recipients shows the first thousand.
pub const MAX_ADDRESSES: usize = 1_000;
/// The most parameters read from one Content-Type or Content-Disposition, and sections of one RFC 2231 value.
const MAX_PARAMS: usize = 64;

/// Decodes RFC 2047 encoded-words (`=?charset?B?...?=`, `=?charset?Q?...?=`) in a header value. White space
/// between two encoded-words is dropped, and adjacent words in one charset are decoded together, so a
/// character split across two words (as some mailers split UTF-8) comes out whole. Control characters
/// (line breaks of a folded header included) become spaces.
pub fn decode_words(value: &str, charsets: &dyn Charsets) -> String {
    let mut out = String::with_capacity(value.len());
    // Bytes of consecutive encoded-words in one charset, not yet decoded.
    let mut pending: Option<(String, Vec<u8>)> = None;
    let mut gap = String::new();
    let mut rest = value;
    while !rest.is_empty() {
        if let Some((label, bytes, used)) = encoded_word(rest) {
            match &mut pending {
                Some((pending_label, pending_bytes)) if *pending_label == label => {
                    pending_bytes.extend_from_slice(&bytes);
                }
                _ => {
                    flush(&mut out, &mut pending, charsets);
                    pending = Some((label, bytes));
                }
            }
            gap.clear();
            rest = &rest[used..];
            continue;
        }
        let c = rest.chars().next().unwrap_or(' ');
        rest = &rest[c.len_utf8()..];
        if pending.is_some() && c.is_whitespace() {
            // Held back until we know whether another encoded-word follows.
            gap.push(c);
            continue;
        }
        flush(&mut out, &mut pending, charsets);
        out.push_str(&gap);
        gap.clear();
        out.push(if c.is_control() { ' ' } else { c });
    }
    flush(&mut out, &mut pending, charsets);
    out.push_str(&gap);
    out
}

fn flush(out: &mut String, pending: &mut Option<(String, Vec<u8>)>, charsets: &dyn Charsets) {
    if let Some((label, bytes)) = pending.take() {
        let text = charset::decode(charsets, &label, &bytes).text;
        out.extend(text.chars().map(|c| if c.is_control() { ' ' } else { c }));
    }
}

/// The longest encoded-word read. RFC 2047 allows 75 characters; mailers write longer ones, but a bound keeps
/// a value full of `=?` linear to scan.
const MAX_WORD: usize = 2_048;

/// One encoded-word at the start of `s`: its charset (language tag dropped), bytes, and length.
fn encoded_word(s: &str) -> Option<(String, Vec<u8>, usize)> {
    let b = s.as_bytes();
    if !b.starts_with(b"=?") {
        return None;
    }
    let window = &b[..b.len().min(MAX_WORD)];
    let q1 = 2 + window[2..].iter().position(|&c| c == b'?')?;
    let label = &s[2..q1];
    if label.is_empty() || label.len() > 64 || label.contains(|c: char| c.is_whitespace()) {
        return None;
    }
    let encoding = window.get(q1 + 1)?.to_ascii_uppercase();
    if *window.get(q1 + 2)? != b'?' {
        return None;
    }
    let text_start = q1 + 3;
    let end = text_start
        + window
            .get(text_start..)?
            .windows(2)
            .position(|w| w == b"?=")?;
    let text = &s[text_start..end];
    if text.contains(|c: char| c.is_whitespace()) {
        return None;
    }
    let bytes = match encoding {
        b'B' => base64_lenient(text.as_bytes())?,
        b'Q' => q_decode(text),
        _ => return None,
    };
    let label = label.split('*').next().unwrap_or(label).to_string();
    Some((label, bytes, end + 2))
}

fn q_decode(text: &str) -> Vec<u8> {
    let b = text.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'_' => out.push(b' '),
            b'=' if i + 2 < b.len() && hex_pair(b[i + 1], b[i + 2]).is_some() => {
                out.push(hex_pair(b[i + 1], b[i + 2]).unwrap_or(b'='));
                i += 2;
            }
            c => out.push(c),
        }
        i += 1;
    }
    out
}

/// Base64 as mail writes it: the standard or URL-safe alphabet, padded or not, with line breaks or other
/// characters outside the alphabet skipped. `None` only when what is left cannot be base64 at all.
pub fn base64_lenient(input: &[u8]) -> Option<Vec<u8>> {
    let mut clean: Vec<u8> = input
        .iter()
        .filter_map(|&c| match c {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'+' | b'/' => Some(c),
            b'-' => Some(b'+'),
            b'_' => Some(b'/'),
            _ => None,
        })
        .collect();
    // A lone last character carries no whole byte; mailers that cut a line short leave one.
    if clean.len() % 4 == 1 {
        clean.pop();
    }
    base64::engine::general_purpose::STANDARD_NO_PAD
        .decode(&clean)
        .ok()
        .or_else(|| {
            // Trailing bits that are not zero make a strict decoder refuse; drop the last group.
            let whole = clean.len() / 4 * 4;
            base64::engine::general_purpose::STANDARD_NO_PAD
                .decode(&clean[..whole])
                .ok()
        })
}

/// A Content-Type or Content-Disposition value: the lower-cased value before the first `;` and its parameters
/// (names lower-cased, values unquoted, RFC 2231 sections joined and decoded).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Params {
    pub value: String,
    pub params: Vec<(String, String)>,
}

impl Params {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Reads `type/subtype; name="value"; name*=utf-8''%E2%82%AC; name*0="a"; name*1="b"`.
pub fn parse_params(header: &str, charsets: &dyn Charsets) -> Params {
    let mut pieces = split_outside_quotes(header, ';').into_iter();
    let value = pieces
        .next()
        .map(|v| v.trim().to_ascii_lowercase())
        .unwrap_or_default();
    // (name, section, extended, raw value)
    let mut raw: Vec<(String, Option<u32>, bool, String)> = Vec::new();
    for piece in pieces.take(MAX_PARAMS * 4) {
        let Some((name, val)) = piece.split_once('=') else {
            continue;
        };
        let name = name.trim().to_ascii_lowercase();
        let val = unquote(val.trim());
        let (base, extended) = match name.strip_suffix('*') {
            Some(b) => (b.to_string(), true),
            None => (name.clone(), false),
        };
        let (base, section) = match base.rsplit_once('*') {
            Some((b, n)) if !n.is_empty() && n.bytes().all(|c| c.is_ascii_digit()) => {
                (b.to_string(), n.parse::<u32>().ok())
            }
            _ => (base, None),
        };
        if base.is_empty() {
            continue;
        }
        raw.push((base, section, extended, val));
    }
    let mut params: Vec<(String, String)> = Vec::new();
    let mut names: Vec<String> = Vec::new();
    for (name, ..) in &raw {
        if !names.contains(name) && names.len() < MAX_PARAMS {
            names.push(name.clone());
        }
    }
    for name in names {
        // An RFC 2231 value wins over a plain one of the same name, as it is the one meant for readers.
        let mut sections: Vec<&(String, Option<u32>, bool, String)> = raw
            .iter()
            .filter(|(n, s, e, _)| *n == name && (s.is_some() || *e))
            .take(MAX_PARAMS)
            .collect();
        let value = if sections.is_empty() {
            raw.iter()
                .find(|(n, ..)| *n == name)
                .map(|(_, _, _, v)| decode_words(v, charsets))
                .unwrap_or_default()
        } else {
            sections.sort_by_key(|(_, s, _, _)| s.unwrap_or(0));
            let mut label = String::new();
            let mut bytes = Vec::new();
            for (i, (_, _, extended, v)) in sections.iter().enumerate() {
                if *extended {
                    let mut v = v.as_str();
                    if i == 0 {
                        // charset'language'value
                        let mut parts = v.splitn(3, '\'');
                        if let (Some(cs), Some(_lang), Some(rest)) =
                            (parts.next(), parts.next(), parts.next())
                        {
                            label = cs.to_string();
                            v = rest;
                        }
                    }
                    bytes.extend(percent_decode(v));
                } else {
                    bytes.extend_from_slice(v.as_bytes());
                }
            }
            charset::decode(charsets, &label, &bytes).text
        };
        params.push((name, value));
    }
    Params { value, params }
}

fn percent_decode(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            if let Some(v) = hex_pair(b[i + 1], b[i + 2]) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    out
}

/// Splits at `sep` outside double quotes (a backslash escapes the next character inside them).
fn split_outside_quotes(s: &str, sep: char) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut quoted = false;
    let mut escaped = false;
    for (i, c) in s.char_indices() {
        if escaped {
            escaped = false;
        } else if quoted && c == '\\' {
            escaped = true;
        } else if c == '"' {
            quoted = !quoted;
        } else if c == sep && !quoted {
            out.push(&s[start..i]);
            start = i + c.len_utf8();
        }
    }
    out.push(&s[start..]);
    out
}

/// A quoted-string's content with its backslash escapes undone; anything else as it is.
fn unquote(s: &str) -> String {
    let Some(inner) = s.strip_prefix('"') else {
        return s.to_string();
    };
    let inner = inner.strip_suffix('"').unwrap_or(inner);
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(next) = chars.next() {
                out.push(next);
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Reads an address list (`To`, `Cc`, `From`): `Name <a@b>`, `"Last, First" <a@b>`, bare `a@b`, `a@b (Name)`,
/// and groups (`Team: a@b, c@d;`). Names are decoded; at most [`MAX_ADDRESSES`] are kept.
pub fn parse_addresses(value: &str, charsets: &dyn Charsets) -> Vec<Mailbox> {
    let mut out = Vec::new();
    for piece in split_addresses(value) {
        if out.len() >= MAX_ADDRESSES {
            break;
        }
        if let Some(mailbox) = parse_mailbox(piece, charsets) {
            out.push(mailbox);
        }
    }
    out
}

/// Splits at commas (and group-ending `;`) outside quotes, angle brackets and comments, and drops a group's
/// `Name:` prefix.
fn split_addresses(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut quoted = false;
    let mut escaped = false;
    let mut angle = false;
    let mut comment = 0u32;
    for (i, c) in s.char_indices() {
        if escaped {
            escaped = false;
            continue;
        }
        match c {
            '\\' if quoted || comment > 0 => escaped = true,
            '"' if comment == 0 => quoted = !quoted,
            _ if quoted => {}
            '(' => comment = comment.saturating_add(1).min(64),
            ')' if comment > 0 => comment -= 1,
            _ if comment > 0 => {}
            '<' => angle = true,
            '>' => angle = false,
            ':' if !angle => start = i + 1,
            ',' | ';' if !angle => {
                out.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&s[start..]);
    out
}

fn parse_mailbox(piece: &str, charsets: &dyn Charsets) -> Option<Mailbox> {
    let piece = piece.trim();
    if piece.is_empty() {
        return None;
    }
    if let (Some(open), Some(close)) = (piece.rfind('<'), piece.rfind('>')) {
        if open < close {
            let address = piece[open + 1..close].trim().to_string();
            let name = display_name(&piece[..open], charsets);
            return Some(Mailbox { name, address });
        }
    }
    // `a@b (Name)`, or a bare address.
    let (address, comment) = match (piece.find('('), piece.rfind(')')) {
        (Some(o), Some(c)) if o < c => (piece[..o].trim(), &piece[o + 1..c]),
        _ => (piece, ""),
    };
    let address = address.trim_matches('"').trim();
    if address.contains('@') {
        Some(Mailbox {
            name: display_name(comment, charsets),
            address: address.to_string(),
        })
    } else {
        // Some senders write only a name; keep it as one.
        Some(Mailbox {
            name: display_name(piece, charsets),
            address: String::new(),
        })
    }
}

fn display_name(raw: &str, charsets: &dyn Charsets) -> String {
    let trimmed = raw.trim();
    let unquoted = if trimmed.starts_with('"') {
        unquote(trimmed)
    } else {
        trimmed.to_string()
    };
    decode_words(&unquoted, charsets).trim().to_string()
}

/// An RFC 5322 date (`Tue, 1 Jul 2025 10:52:37 +0200`, with the obsolete zones and a missing weekday or
/// seconds) as milliseconds since the Unix epoch; `None` when it is not one.
pub fn parse_date(value: &str) -> Option<i64> {
    // Comments such as `(CEST)` and the weekday carry nothing the numbers do not.
    let value = match value.find('(') {
        Some(i) => &value[..i],
        None => value,
    };
    let value = match value.find(',') {
        Some(i) => &value[i + 1..],
        None => value,
    };
    let mut words = value.split_whitespace();
    let day: i64 = words.next()?.parse().ok()?;
    let month = match words.next()?.get(..3)?.to_ascii_lowercase().as_str() {
        "jan" => 1,
        "feb" => 2,
        "mar" => 3,
        "apr" => 4,
        "may" => 5,
        "jun" => 6,
        "jul" => 7,
        "aug" => 8,
        "sep" => 9,
        "oct" => 10,
        "nov" => 11,
        "dec" => 12,
        _ => return None,
    };
    let year_word = words.next()?;
    if year_word.len() > 6 {
        return None;
    }
    let mut year: i64 = year_word.parse().ok()?;
    // Two- and three-digit years, as RFC 5322 section 4.3 reads them.
    if year_word.len() <= 2 {
        year += if year < 50 { 2000 } else { 1900 };
    } else if year_word.len() == 3 {
        year += 1900;
    }
    let mut time = words.next()?.split(':');
    let hour: i64 = time.next()?.parse().ok()?;
    let minute: i64 = time.next()?.parse().ok()?;
    let second: i64 = time.next().map(|s| s.parse().ok()).unwrap_or(Some(0))?;
    // Negative fields too: `09:-9223372036854775808` must not reach the arithmetic below.
    if !(1..=31).contains(&day)
        || !(0..=23).contains(&hour)
        || !(0..=59).contains(&minute)
        || !(0..=60).contains(&second)
    {
        return None;
    }
    let offset_minutes = match words.next() {
        None => 0,
        Some(zone) => zone_offset(zone)?,
    };
    let days = gmux_core::calendar::days_from_civil(year, month, day);
    let seconds = days * 86_400 + hour * 3_600 + minute * 60 + second - offset_minutes * 60;
    seconds.checked_mul(1_000)
}

fn zone_offset(zone: &str) -> Option<i64> {
    let (sign, digits) = match zone.as_bytes().first()? {
        b'+' => (1, &zone[1..]),
        b'-' => (-1, &zone[1..]),
        _ => {
            return Some(match zone.to_ascii_uppercase().as_str() {
                "EDT" => -4 * 60,
                "EST" | "CDT" => -5 * 60,
                "CST" | "MDT" => -6 * 60,
                "MST" | "PDT" => -7 * 60,
                "PST" => -8 * 60,
                // UT, GMT, Z and the military zones (which RFC 5322 says to read as +0000).
                _ => 0,
            });
        }
    };
    if digits.len() != 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: i64 = digits.parse().ok()?;
    Some(sign * ((n / 100) * 60 + n % 100))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::charset::BuiltIn;

    struct EncodingRs;
    impl Charsets for EncodingRs {
        fn decode(&self, label: &str, bytes: &[u8]) -> Option<String> {
            let encoding = encoding_rs::Encoding::for_label(label.as_bytes())?;
            Some(encoding.decode_without_bom_handling(bytes).0.into_owned())
        }
    }

    fn check_words(input: &str, want: &str) {
        assert_eq!(decode_words(input, &EncodingRs), want, "{input}");
    }

    #[test]
    fn encoded_words() {
        check_words("plain", "plain");
        check_words("=?UTF-8?B?Y2Fmw6k=?=", "café");
        check_words("=?utf-8?q?caf=C3=A9_au_lait?=", "café au lait");
        check_words("=?ISO-8859-1?Q?Andr=E9?= Pirard", "André Pirard");
        check_words("=?UTF-8?B?w6k=?= =?UTF-8?B?w6k=?=", "éé");
        // A character split across two words comes out whole.
        check_words("=?UTF-8?B?4oI=?= =?UTF-8?B?rA==?=", "€");
        check_words("a =?UTF-8?Q?b?= c", "a b c");
        check_words("=?iso-2022-jp?B?GyRCJDMkcyRLJEEkTxsoQg==?=", "こんにちは");
        check_words("=?UTF-8*en?Q?x?=", "x");
        check_words("=?UTF-8?X?x?=", "=?UTF-8?X?x?=");
        check_words("=?UTF-8?Q?unterminated", "=?UTF-8?Q?unterminated");
        check_words("=?x-unknown?Q?ok?=", "ok");
        check_words("line\r\n folded", "line   folded");
        check_words("=?UTF-8?Q?a=0Ab?=", "a b");
    }

    #[test]
    fn params() {
        let p = parse_params("Text/HTML; charset=\"UTF-8\"; format=flowed", &BuiltIn);
        assert_eq!(p.value, "text/html");
        assert_eq!(p.get("charset"), Some("UTF-8"));
        assert_eq!(p.get("format"), Some("flowed"));
        let p = parse_params(
            "attachment; filename*=UTF-8''%E2%82%AC%20rates.pdf; filename=\"rates.pdf\"",
            &BuiltIn,
        );
        assert_eq!(p.get("filename"), Some("€ rates.pdf"));
        let p = parse_params(
            "attachment; filename*0*=iso-8859-1''caf%E9; filename*1=\" menu.txt\"",
            &BuiltIn,
        );
        assert_eq!(p.get("filename"), Some("café menu.txt"));
        let p = parse_params("multipart/mixed; boundary=\"a;b\\\"c\"", &BuiltIn);
        assert_eq!(p.get("boundary"), Some("a;b\"c"));
        let p = parse_params("image/png; name==?UTF-8?Q?caf=C3=A9.png?=", &BuiltIn);
        assert_eq!(p.get("name"), Some("café.png"));
    }

    fn mb(name: &str, address: &str) -> Mailbox {
        Mailbox {
            name: name.into(),
            address: address.into(),
        }
    }

    #[test]
    fn addresses() {
        let check = |input: &str, want: Vec<Mailbox>| {
            assert_eq!(parse_addresses(input, &BuiltIn), want, "{input}");
        };
        check("Ann <ann@x.test>", vec![mb("Ann", "ann@x.test")]);
        check(
            "\"Doe, Jane\" <jane@x.test>, bob@x.test",
            vec![mb("Doe, Jane", "jane@x.test"), mb("", "bob@x.test")],
        );
        check(
            "bob@x.test (Bob Smith)",
            vec![mb("Bob Smith", "bob@x.test")],
        );
        check(
            "Team: a@x.test, B <b@x.test>;, c@x.test",
            vec![mb("", "a@x.test"), mb("B", "b@x.test"), mb("", "c@x.test")],
        );
        check(
            "=?UTF-8?Q?Jos=C3=A9?= <jose@x.test>",
            vec![mb("José", "jose@x.test")],
        );
        check("undisclosed-recipients:;", vec![]);
        check("", vec![]);
        assert_eq!(
            parse_addresses(&"a@x.test,".repeat(5_000), &BuiltIn).len(),
            MAX_ADDRESSES
        );
    }

    #[test]
    fn dates() {
        let check = |input: &str, want: Option<i64>| assert_eq!(parse_date(input), want, "{input}");
        check("Thu, 1 Jan 1970 00:00:00 +0000", Some(0));
        check(
            "Tue, 1 Jul 2025 10:52:37 +0200 (CEST)",
            Some(1_751_359_957_000),
        );
        check("1 Jul 2025 08:52 GMT", Some(1_751_359_920_000));
        check(
            "Fri, 02 Jan 70 00:00:00 EST",
            Some((86_400 + 5 * 3_600) * 1_000),
        );
        check("not a date", None);
        check("32 Jan 2025 00:00:00 +0000", None);
        check("1 Jan 99999999999 00:00:00 +0000", None);
        // Found by the fuzzer: a minute of i64::MIN overflowed.
        check("Wed, 2 Jul 2025 09:-9223372036854775808:00 +0000", None);
        check("2 Jul 2025 -1:00:00 +0000", None);
    }
}
