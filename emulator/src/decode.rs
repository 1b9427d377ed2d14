//! Decoding raw mail the way the Gmail API reads it: header lines split and unfolded, encoded-words, charsets,
//! quoted-printable, and the base64url `raw` field. `rfc822` and `mime` both build on these.
//!
//! What Gmail does with broken mail is not documented; this follows what its API is seen to answer and what
//! RFC 2047 asks of a reader:
//! - folded header lines are unfolded (the line break goes, the whitespace after it stays);
//! - 8-bit bytes in a header (raw Latin-1, or raw UTF-8 without an encoded-word) are read as Windows-1252, even
//!   when they happen to be valid UTF-8: mail sent through the Gmail API with a raw UTF-8 subject shows up as
//!   mojibake (`ó` as `Ã³`, `🧘` as `ðŸ§˜`), as several projects that had to add RFC 2047 encoding report
//!   (badlogic/gmcli#10, simstudioai/sim#3526). Bytes Windows-1252 leaves unassigned map to the C1 controls, as
//!   WHATWG's decoder does;
//! - RFC 2047 encoded-words (`=?charset?B|Q?text?=`) are decoded wherever they stand, and the whitespace between
//!   two adjacent encoded-words is dropped;
//! - an encoded-word that cannot be decoded (an unknown charset, bad base64, a bad `=XX` escape, or one cut off
//!   before its `?=`) is left as written, as RFC 2047 section 6.3 says;
//! - decoded bytes that are invalid in their charset become U+FFFD.

use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64::Engine as _;

/// Base64 as mail writes it: padding optional, whitespace removed before decoding.
const MAIL_BASE64: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Base64url as Gmail's `raw` field carries it, with or without padding.
const RAW_BASE64URL: GeneralPurpose = GeneralPurpose::new(
    &alphabet::URL_SAFE,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Decodes a `raw` field (base64url, padded or not; standard base64's `+/` are refused as Gmail refuses them).
pub fn decode_raw_field(raw: &str) -> Result<Vec<u8>, base64::DecodeError> {
    RAW_BASE64URL.decode(raw.trim())
}

/// Splits at the first empty line (CRLF or bare LF); no empty line means headers only.
pub(crate) fn split_head_body(bytes: &[u8]) -> (&[u8], &[u8]) {
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\n' {
            let rest = &bytes[i + 1..];
            if rest.starts_with(b"\r\n") {
                return (&bytes[..i + 1], &rest[2..]);
            }
            if rest.starts_with(b"\n") {
                return (&bytes[..i + 1], &rest[1..]);
            }
        }
        i += 1;
    }
    (bytes, &[])
}

pub(crate) fn parse_headers(head: &[u8]) -> Vec<(String, String)> {
    let mut logical: Vec<Vec<u8>> = Vec::new();
    for line in head.split(|b| *b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() {
            continue;
        }
        match (line[0], logical.last_mut()) {
            // A folded line: unfolding removes the line break and keeps the whitespace.
            (b' ' | b'\t', Some(prev)) => prev.extend_from_slice(line),
            _ => logical.push(line.to_vec()),
        }
    }
    logical
        .iter()
        .filter_map(|line| {
            let colon = line.iter().position(|b| *b == b':')?;
            let name = windows_1252(&line[..colon]).trim().to_string();
            if name.is_empty() {
                return None;
            }
            let value = windows_1252(&line[colon + 1..]);
            Some((name, decode_encoded_words(value.trim())))
        })
        .collect()
}

enum Piece {
    Literal(String),
    Encoded(String),
}

/// Decodes the RFC 2047 encoded-words in a header value; undecodable ones stay as written.
pub fn decode_encoded_words(value: &str) -> String {
    let mut pieces: Vec<Piece> = Vec::new();
    let mut literal = String::new();
    let mut rest = value;
    while let Some(start) = rest.find("=?") {
        literal.push_str(&rest[..start]);
        let candidate = &rest[start..];
        match encoded_word(candidate) {
            Some((decoded, len)) => {
                pieces.push(Piece::Literal(std::mem::take(&mut literal)));
                pieces.push(Piece::Encoded(decoded));
                rest = &candidate[len..];
            }
            None => {
                literal.push_str("=?");
                rest = &candidate[2..];
            }
        }
    }
    literal.push_str(rest);
    pieces.push(Piece::Literal(literal));

    let mut out = String::with_capacity(value.len());
    for (i, piece) in pieces.iter().enumerate() {
        match piece {
            Piece::Encoded(text) => out.push_str(text),
            Piece::Literal(text) => {
                let between_words = i > 0
                    && matches!(pieces.get(i - 1), Some(Piece::Encoded(_)))
                    && matches!(pieces.get(i + 1), Some(Piece::Encoded(_)));
                if !(between_words && text.chars().all(|c| c == ' ' || c == '\t')) {
                    out.push_str(text);
                }
            }
        }
    }
    out
}

/// Reads one `=?charset?enc?text?=` at the start of `s`: its text and its length in bytes.
fn encoded_word(s: &str) -> Option<(String, usize)> {
    let inner = s.strip_prefix("=?")?;
    let q1 = inner.find('?')?;
    let charset = &inner[..q1];
    let after_charset = &inner[q1 + 1..];
    let q2 = after_charset.find('?')?;
    let encoding = &after_charset[..q2];
    let text_and_rest = &after_charset[q2 + 1..];
    let end = text_and_rest.find("?=")?;
    let text = &text_and_rest[..end];
    if charset.is_empty()
        || encoding.len() != 1
        || text.contains(|c: char| c.is_whitespace() || c == '?')
    {
        return None;
    }
    let bytes = match encoding {
        "B" | "b" => MAIL_BASE64.decode(text).ok()?,
        "Q" | "q" => decode_q(text)?,
        _ => return None,
    };
    let decoded = decode_charset(&bytes, charset)?;
    let len = 2 + q1 + 1 + q2 + 1 + end + 2;
    Some((decoded, len))
}

fn hex(b: u8) -> Option<u8> {
    char::from(b)
        .to_digit(16)
        .and_then(|d| u8::try_from(d).ok())
}

fn decode_q(text: &str) -> Option<Vec<u8>> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'_' => out.push(b' '),
            b'=' => {
                let hi = hex(*bytes.get(i + 1)?)?;
                let lo = hex(*bytes.get(i + 2)?)?;
                out.push(hi << 4 | lo);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    Some(out)
}

/// Windows-1252's 0x80..=0x9F; the rest is Latin-1. Unassigned bytes map to the C1 control of the same number,
/// as WHATWG's decoder maps them.
const CP1252_HIGH: [char; 32] = [
    '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8D}', 'Ž', '\u{8F}',
    '\u{90}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9D}', 'ž', 'Ÿ',
];

fn windows_1252(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| match b {
            0x80..=0x9F => CP1252_HIGH[usize::from(b - 0x80)],
            _ => char::from(*b),
        })
        .collect()
}

/// Bytes in a named charset as text; `None` for a charset the emulator does not know (left undecoded).
pub(crate) fn decode_charset(bytes: &[u8], charset: &str) -> Option<String> {
    // RFC 2231 lets a language follow the charset: `utf-8*en`.
    let name = charset
        .split('*')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    match name.as_str() {
        "utf-8" | "utf8" | "us-ascii" | "ascii" => {
            Some(String::from_utf8_lossy(bytes).into_owned())
        }
        "iso-8859-1" | "iso8859-1" | "iso_8859-1" | "latin1" | "latin-1" | "l1" => {
            Some(bytes.iter().map(|b| char::from(*b)).collect())
        }
        "windows-1252" | "cp1252" => Some(windows_1252(bytes)),
        // The rest as WHATWG names them (KOI8-R, ISO-2022-JP, Shift_JIS, GB18030, ...); unknown names stay
        // undecoded.
        other => encoding_rs::Encoding::for_label(other.as_bytes())
            .map(|e| e.decode_without_bom_handling(bytes).0.into_owned()),
    }
}

pub(crate) fn decode_quoted_printable(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len());
    let mut i = 0;
    while i < body.len() {
        if body[i] == b'=' {
            // A soft line break.
            if body[i + 1..].starts_with(b"\r\n") {
                i += 3;
                continue;
            }
            if body[i + 1..].starts_with(b"\n") {
                i += 2;
                continue;
            }
            if let (Some(hi), Some(lo)) = (
                body.get(i + 1).and_then(|b| hex(*b)),
                body.get(i + 2).and_then(|b| hex(*b)),
            ) {
                out.push(hi << 4 | lo);
                i += 3;
                continue;
            }
        }
        out.push(body[i]);
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoded_words_decode_like_a_mail_reader() {
        let cases: &[(&str, &str)] = &[
            ("plain", "plain"),
            ("=?UTF-8?B?SGVsbG8g8J+Ygw==?=", "Hello 😃"),
            ("=?utf-8?q?caf=C3=A9_au_lait?=", "café au lait"),
            ("=?ISO-8859-1?Q?Andr=E9?= Pirard", "André Pirard"),
            ("=?windows-1252?Q?=93quoted=94?=", "“quoted”"),
            // Adjacent encoded-words join without the space between them.
            ("=?UTF-8?Q?a?= =?UTF-8?Q?b?=", "ab"),
            ("=?UTF-8?Q?a?= x =?UTF-8?Q?b?=", "a x b"),
            // RFC 2231 language suffix.
            ("=?UTF-8*en?Q?hi?=", "hi"),
            // Unpadded base64 is accepted.
            ("=?UTF-8?B?SGk?=", "Hi"),
            // Undecodable: left exactly as written.
            ("=?x-unknown-charset?Q?abc?=", "=?x-unknown-charset?Q?abc?="),
            ("=?UTF-8?B?SGVsbG8", "=?UTF-8?B?SGVsbG8"),
            ("=?UTF-8?B?!!!!?=", "=?UTF-8?B?!!!!?="),
            ("=?UTF-8?Q?bad=ZZ?=", "=?UTF-8?Q?bad=ZZ?="),
            ("=?UTF-8?X?abc?=", "=?UTF-8?X?abc?="),
            // Bytes invalid in their charset become U+FFFD.
            ("=?UTF-8?B?/w==?=", "\u{FFFD}"),
        ];
        for (raw, want) in cases {
            assert_eq!(decode_encoded_words(raw), *want, "{raw}");
        }
    }

    #[test]
    fn raw_field_is_base64url_with_or_without_padding() {
        assert_eq!(
            decode_raw_field("U3ViamVjdDogaGk").ok(),
            Some(b"Subject: hi".to_vec())
        );
        assert_eq!(
            decode_raw_field("U3ViamVjdDogaGk=").ok(),
            Some(b"Subject: hi".to_vec())
        );
        assert!(decode_raw_field("a+b/").is_err());
    }
}
