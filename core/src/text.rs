//! Text as gmux shows it and puts it in addresses: what a row may show of text from mail, blankness that
//! `str::trim` does not see, cutting to a length, percent-encoding. Plain functions with no domain in them, so
//! both the inbox model and the views use them without depending on each other.

/// Text from mail as a row shows it. Bidirectional embeddings, overrides and isolates (U+202A..U+202E,
/// U+2066..U+2069) are dropped, so `Invoice <RLO>fdp.exe` cannot pose as `Invoice exe.pdf`; real right-to-left
/// script needs none of them. Control characters are dropped too, except that tabs and line breaks become
/// spaces: a bell or an escape sequence is not something to read.
pub fn display_text(s: &str) -> String {
    s.chars()
        .filter_map(|c| match c {
            '\t' | '\n' | '\r' | '\u{b}' | '\u{c}' => Some(' '),
            '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' => None,
            c if c.is_control() => None,
            c => Some(c),
        })
        .collect()
}

/// Whether text shows nothing: empty, white space, or only zero-width and invisible formatting characters
/// (zero-width space and joiners, word joiner, byte-order mark, bidi marks), which `str::trim` keeps.
pub fn is_blank_text(s: &str) -> bool {
    s.chars().all(|c| {
        c.is_whitespace()
            || c.is_control()
            || matches!(
                c,
                '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2069}' | '\u{FEFF}' | '\u{061C}'
            )
    })
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

/// Percent-encodes `s` for a URL: ASCII letters and digits and the bytes in `safe` pass, everything else is
/// `%XX`. The Gmail client passes RFC 3986's unreserved punctuation; links for people also keep `@` readable.
pub fn percent_encode(s: &str, safe: &[u8]) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || safe.contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The display name of a `From`/`To` header value: `"Ann Lee" <ann@x.org>` → `Ann Lee`,
/// `ann@x.org` → `ann`, `<ann@x.org>` → `ann`.
pub fn sender_display_name(header: &str) -> String {
    let header = header.trim();
    if let Some(open) = header.rfind('<') {
        let name = header[..open].trim();
        let name = name
            .strip_prefix('"')
            .and_then(|n| n.strip_suffix('"'))
            .unwrap_or(name)
            .trim();
        // A name of only zero-width or formatting characters would show as nothing: the address says more.
        if !is_blank_text(name) {
            return unquote(name);
        }
        let addr = header[open + 1..].trim_end_matches('>');
        return local_part(addr);
    }
    if header.contains('@') {
        return local_part(header);
    }
    unquote(
        header
            .strip_prefix('"')
            .and_then(|n| n.strip_suffix('"'))
            .unwrap_or(header),
    )
}

fn local_part(addr: &str) -> String {
    addr.split('@').next().unwrap_or(addr).trim().to_string()
}

fn unquote(name: &str) -> String {
    name.replace("\\\"", "\"").replace("\\\\", "\\")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_text_drops_bidi_controls_and_control_characters() {
        assert_eq!(display_text("Invoice \u{202E}fdp.exe"), "Invoice fdp.exe");
        assert_eq!(display_text("a\u{2067}b\u{2069}c"), "abc");
        assert_eq!(display_text("bell\u{7} esc\u{1b}[31m"), "bell esc[31m");
        assert_eq!(display_text("tab\there\r\nnext"), "tab here  next");
        assert_eq!(display_text("علي الحسن 漢字 😃"), "علي الحسن 漢字 😃");
        assert_eq!(display_text("\u{85}c1"), "c1");
    }

    #[test]
    fn blank_text_includes_zero_width_only() {
        for blank in [
            "",
            "  ",
            "\u{200B}\u{200C}\u{200D}\u{2060}\u{FEFF}",
            "\u{202E}",
            "\t\u{200E}",
        ] {
            assert!(is_blank_text(blank), "{blank:?}");
        }
        for shown in ["a", "\u{200B}x", "漢", "😃"] {
            assert!(!is_blank_text(shown), "{shown:?}");
        }
    }

    #[test]
    fn long_text_is_cut_with_an_ellipsis() {
        assert_eq!(truncate_chars("abc", 3), "abc");
        assert_eq!(truncate_chars("abcd", 3), "ab…");
        assert_eq!(truncate_chars("漢字漢字", 2), "漢…");
    }

    #[test]
    fn only_letters_digits_and_the_safe_bytes_pass_unencoded() {
        assert_eq!(percent_encode("a b/ü@x", b"@"), "a%20b%2F%C3%BC@x");
        assert_eq!(percent_encode("-_.~", b"-_.~"), "-_.~");
    }
}
