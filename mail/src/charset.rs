//! Bytes in a part's charset into text.
//!
//! The caller brings the decoders ([`Charsets`]: the browser's `TextDecoder` in the extension, `encoding_rs`
//! in tests and fuzzers), so the wasm module carries no encoding tables. UTF-8, US-ASCII and ISO-8859-1 /
//! Windows-1252 are built in, because most mail is one of them and the crate must read it with no decoder at
//! all. Built-in results are the ones the Encoding Standard (and so `TextDecoder`) gives: invalid UTF-8 becomes
//! U+FFFD, and `us-ascii` and `iso-8859-1` are read as Windows-1252, as every browser reads them.

/// Decodes bytes written in a named charset. `label` is the charset as the mail names it (any case, maybe with
/// spaces around it); `None` means this decoder does not know the label.
pub trait Charsets {
    fn decode(&self, label: &str, bytes: &[u8]) -> Option<String>;
}

/// No decoder beyond the built-in ones.
#[derive(Debug, Default, Clone, Copy)]
pub struct BuiltIn;

impl Charsets for BuiltIn {
    fn decode(&self, _label: &str, _bytes: &[u8]) -> Option<String> {
        None
    }
}

/// What came out of decoding, and whether the charset was understood.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    pub text: String,
    /// The label nobody could decode (the text is then read as UTF-8 with U+FFFD for what is not).
    pub unknown: Option<String>,
}

/// The longest label kept in a notice: labels come from the mail and can be anything.
const MAX_LABEL: usize = 40;

/// Decodes `bytes` named `label` (empty when the mail names none, read as UTF-8): built-in charsets first,
/// then the caller's decoder, then UTF-8 with replacement characters and the unknown label reported.
pub fn decode(charsets: &dyn Charsets, label: &str, bytes: &[u8]) -> Decoded {
    let clean = clean_label(label);
    if clean.is_empty() {
        return Decoded {
            text: utf8(bytes),
            unknown: None,
        };
    }
    if let Some(text) = built_in(&clean, bytes) {
        return Decoded {
            text,
            unknown: None,
        };
    }
    if let Some(text) = charsets.decode(&clean, bytes) {
        return Decoded {
            text,
            unknown: None,
        };
    }
    Decoded {
        text: utf8(bytes),
        unknown: Some(clean.chars().take(MAX_LABEL).collect()),
    }
}

/// A label as decoders expect it: lower case, without quotes or surrounding white space.
pub fn clean_label(label: &str) -> String {
    label
        .trim()
        .trim_matches(|c| c == '"' || c == '\'')
        .trim()
        .to_ascii_lowercase()
}

/// The labels read without a decoder, as the Encoding Standard names them.
fn built_in(label: &str, bytes: &[u8]) -> Option<String> {
    match label {
        "utf-8" | "utf8" | "unicode-1-1-utf-8" | "unicode11utf8" | "unicode20utf8"
        | "x-unicode20utf8" => Some(utf8(bytes)),
        // The Encoding Standard reads all of these as Windows-1252; ASCII text is the same in every one.
        "us-ascii" | "ascii" | "ansi_x3.4-1968" | "iso-ir-100" | "iso-8859-1" | "iso8859-1"
        | "iso_8859-1" | "iso88591" | "iso_8859-1:1987" | "latin1" | "l1" | "cp819" | "ibm819"
        | "csisolatin1" | "cp1252" | "windows-1252" | "x-cp1252" => Some(windows_1252(bytes)),
        _ => None,
    }
}

/// UTF-8 with U+FFFD for every invalid sequence, and a leading byte-order mark dropped.
pub fn utf8(bytes: &[u8]) -> String {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    String::from_utf8_lossy(bytes).into_owned()
}

/// Windows-1252: Latin-1 with printable characters where ISO-8859-1 has C1 controls (0x80 to 0x9F). The five
/// bytes Windows-1252 leaves undefined map to the C1 controls of the same value, as the Encoding Standard says.
pub fn windows_1252(bytes: &[u8]) -> String {
    const HIGH: [char; 32] = [
        '\u{20ac}', '\u{81}', '\u{201a}', '\u{192}', '\u{201e}', '\u{2026}', '\u{2020}',
        '\u{2021}', '\u{2c6}', '\u{2030}', '\u{160}', '\u{2039}', '\u{152}', '\u{8d}', '\u{17d}',
        '\u{8f}', '\u{90}', '\u{2018}', '\u{2019}', '\u{201c}', '\u{201d}', '\u{2022}', '\u{2013}',
        '\u{2014}', '\u{2dc}', '\u{2122}', '\u{161}', '\u{203a}', '\u{153}', '\u{9d}', '\u{17e}',
        '\u{178}',
    ];
    bytes
        .iter()
        .map(|&b| match b {
            0x80..=0x9f => HIGH[usize::from(b - 0x80)],
            _ => char::from(b),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `encoding_rs`, as tests and fuzzers use it: the same decoders the browser's `TextDecoder` has.
    struct EncodingRs;

    impl Charsets for EncodingRs {
        fn decode(&self, label: &str, bytes: &[u8]) -> Option<String> {
            let encoding = encoding_rs::Encoding::for_label(label.as_bytes())?;
            Some(encoding.decode_without_bom_handling(bytes).0.into_owned())
        }
    }

    fn check(label: &str, bytes: &[u8], want: &str) {
        let got = decode(&EncodingRs, label, bytes);
        assert_eq!(got.unknown, None, "{label}");
        assert_eq!(got.text, want, "{label}");
    }

    #[test]
    fn every_charset_mail_is_written_in() {
        check("", "caf\u{e9}".as_bytes(), "caf\u{e9}");
        check("UTF-8", b"caf\xc3\xa9 \xff", "caf\u{e9} \u{fffd}");
        check(" \"utf-8\" ", "\u{feff}x".as_bytes(), "x");
        check("us-ascii", b"plain \x80", "plain \u{20ac}");
        check("ISO-8859-1", b"caf\xe9", "caf\u{e9}");
        check(
            "windows-1252",
            b"\x93quoted\x94 \x80",
            "\u{201c}quoted\u{201d} \u{20ac}",
        );
        check("iso-8859-2", b"\xb1", "\u{105}");
        check("ISO-8859-15", b"\xa4", "\u{20ac}");
        check(
            "iso-8859-5",
            b"\xbf\xe0\xd8\xd2\xd5\xe2",
            "\u{41f}\u{440}\u{438}\u{432}\u{435}\u{442}",
        );
        check("iso-8859-7", b"\xe1", "\u{3b1}");
        check("windows-1251", b"\xcf\xf0\xe8\xe2\xe5\xf2", "Привет");
        check("windows-1250", b"\x9a", "\u{161}");
        check("KOI8-R", b"\xf0\xd2\xc9\xd7\xc5\xd4", "Привет");
        check(
            "Shift_JIS",
            b"\x82\xb1\x82\xf1\x82\xc9\x82\xbf\x82\xcd",
            "こんにちは",
        );
        check("EUC-KR", b"\xbe\xc8\xb3\xe7", "안녕");
        check("GB18030", b"\xc4\xe3\xba\xc3", "你好");
        check("gb2312", b"\xc4\xe3\xba\xc3", "你好");
        check("Big5", b"\xa7\x41", "你");
        check("ISO-2022-JP", b"\x1b$B$3$s$K$A$O\x1b(B", "こんにちは");
    }

    #[test]
    fn built_in_charsets_need_no_decoder() {
        let got = decode(&BuiltIn, "latin1", b"\xe9\x9f");
        assert_eq!(got.text, "\u{e9}\u{178}");
        assert_eq!(got.unknown, None);
    }

    #[test]
    fn an_unknown_charset_is_read_as_utf8_and_named() {
        let got = decode(&BuiltIn, "x-klingon", "Qapla\u{2019} \u{fffd}".as_bytes());
        assert_eq!(got.text, "Qapla\u{2019} \u{fffd}");
        assert_eq!(got.unknown.as_deref(), Some("x-klingon"));
        let got = decode(&EncodingRs, &"x".repeat(500), b"a");
        assert_eq!(got.unknown.map(|l| l.len()), Some(MAX_LABEL));
    }
}
