//! CSS from mail, filtered: style attributes declaration by declaration, `<style>` elements rule by rule.
//!
//! The text is tokenised as CSS Syntax Level 3 says (escapes, comments and `url(` included), checked on the
//! tokens, and written out again from the tokens in a canonical form (escapes only where needed, a comment
//! between tokens that would otherwise merge, no `<` anywhere), so what a browser reads back is what was
//! checked: `u\72l(`, `ur/**/l(` or `e\xpression` cannot hide.
//!
//! Kept: an allow-list of properties (colours, fonts, text, boxes, borders, backgrounds, tables, lists);
//! `position` only as `static` or `relative`; functions only colours, gradients, `calc`/`min`/`max`/`clamp`
//! and `url()`. `url()` keeps `data:image/*` of a raster type, a `cid:` the caller has data for, and http(s)
//! only when remote content is allowed (otherwise the declaration goes and is counted). Rules: qualified rules
//! and `@media` (nested at most 4 deep); every other at-rule (`@import`, `@font-face`, `@keyframes`,
//! `@namespace`...) is dropped.

use super::{Context, UrlUse, UrlVerdict};

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    Function(String),
    AtKeyword(String),
    Hash(String),
    Str(String),
    BadStr,
    Url(String),
    BadUrl,
    Delim(char),
    /// The number as written (digits, sign, point, exponent only).
    Number(String),
    Percentage(String),
    Dimension(String, String),
    Ws,
    Cdo,
    Cdc,
    Colon,
    Semicolon,
    Comma,
    Open(char),
    Close(char),
}

/// The most tokens read from one style attribute or `<style>` element.
const MAX_TOKENS: usize = 200_000;
/// `@media` inside `@media` at most this deep.
const MAX_RULE_DEPTH: usize = 4;

const PROPERTIES: &[&str] = &[
    "background",
    "background-attachment",
    "background-clip",
    "background-color",
    "background-image",
    "background-origin",
    "background-position",
    "background-position-x",
    "background-position-y",
    "background-repeat",
    "background-size",
    "border",
    "border-bottom",
    "border-bottom-color",
    "border-bottom-left-radius",
    "border-bottom-right-radius",
    "border-bottom-style",
    "border-bottom-width",
    "border-collapse",
    "border-color",
    "border-left",
    "border-left-color",
    "border-left-style",
    "border-left-width",
    "border-radius",
    "border-right",
    "border-right-color",
    "border-right-style",
    "border-right-width",
    "border-spacing",
    "border-style",
    "border-top",
    "border-top-color",
    "border-top-left-radius",
    "border-top-right-radius",
    "border-top-style",
    "border-top-width",
    "border-width",
    "bottom",
    "box-shadow",
    "box-sizing",
    "caption-side",
    "clear",
    "color",
    "column-gap",
    "direction",
    "display",
    "empty-cells",
    "float",
    "font",
    "font-family",
    "font-size",
    "font-stretch",
    "font-style",
    "font-variant",
    "font-weight",
    "gap",
    "height",
    "left",
    "letter-spacing",
    "line-height",
    "list-style",
    "list-style-image",
    "list-style-position",
    "list-style-type",
    "margin",
    "margin-bottom",
    "margin-left",
    "margin-right",
    "margin-top",
    "max-height",
    "max-width",
    "min-height",
    "min-width",
    "opacity",
    "outline",
    "outline-color",
    "outline-style",
    "outline-width",
    "overflow",
    "overflow-wrap",
    "overflow-x",
    "overflow-y",
    "padding",
    "padding-bottom",
    "padding-left",
    "padding-right",
    "padding-top",
    "position",
    "right",
    "row-gap",
    "table-layout",
    "text-align",
    "text-decoration",
    "text-decoration-color",
    "text-decoration-line",
    "text-decoration-style",
    "text-indent",
    "text-overflow",
    "text-shadow",
    "text-size-adjust",
    "text-transform",
    "top",
    "vertical-align",
    "visibility",
    "white-space",
    "width",
    "word-break",
    "word-spacing",
    "word-wrap",
    "-webkit-text-size-adjust",
    "-ms-text-size-adjust",
    "z-index",
];

/// Functions a value may call besides `url()`: colours, gradients and arithmetic, nothing that loads or
/// runs anything.
const FUNCTIONS: &[&str] = &[
    "rgb",
    "rgba",
    "hsl",
    "hsla",
    "hwb",
    "lab",
    "lch",
    "oklab",
    "oklch",
    "color",
    "calc",
    "min",
    "max",
    "clamp",
    "linear-gradient",
    "radial-gradient",
    "conic-gradient",
    "repeating-linear-gradient",
    "repeating-radial-gradient",
];

/// Functional pseudo-classes a selector may use.
const SELECTOR_FUNCTIONS: &[&str] = &[
    "not",
    "is",
    "where",
    "nth-child",
    "nth-last-child",
    "nth-of-type",
    "nth-last-of-type",
    "lang",
    "dir",
];

/// A style attribute's declarations, filtered; empty when nothing is left.
pub(crate) fn filter_declarations(css: &str, cx: &mut Context) -> String {
    let toks = tokenize(css);
    let mut out = String::new();
    declarations(&toks, cx, &mut out);
    out
}

/// A `<style>` element's rules, filtered.
pub(crate) fn filter_stylesheet(css: &str, cx: &mut Context) -> String {
    let toks = tokenize(css);
    let mut out = String::new();
    rules(&toks, cx, 0, &mut out);
    out
}

fn rules(toks: &[Tok], cx: &mut Context, depth: usize, out: &mut String) {
    let mut i = 0;
    while i < toks.len() {
        match &toks[i] {
            Tok::Ws | Tok::Cdo | Tok::Cdc => i += 1,
            Tok::AtKeyword(name) => {
                // An at-rule's prelude ends at `;` or at its block.
                let mut j = i + 1;
                while j < toks.len() && !matches!(toks[j], Tok::Semicolon | Tok::Open('{')) {
                    j = skip_block(toks, j);
                }
                if j < toks.len() && toks[j] == Tok::Open('{') {
                    let end = skip_block(toks, j);
                    let inner_end = if end > j + 1 && toks.get(end - 1) == Some(&Tok::Close('}')) {
                        end - 1
                    } else {
                        end
                    };
                    if name.eq_ignore_ascii_case("media") && depth < MAX_RULE_DEPTH {
                        if let Some(prelude) = plain_prelude(&toks[i + 1..j], false) {
                            let mut inner = String::new();
                            rules(&toks[j + 1..inner_end], cx, depth + 1, &mut inner);
                            if !inner.is_empty() {
                                out.push_str("@media ");
                                out.push_str(prelude.trim());
                                out.push('{');
                                out.push_str(&inner);
                                out.push('}');
                            }
                        }
                    }
                    i = end;
                } else {
                    i = j + 1;
                }
            }
            _ => {
                // A qualified rule: a selector, then a block of declarations.
                let mut j = i;
                while j < toks.len() && toks[j] != Tok::Open('{') {
                    j = skip_block(toks, j);
                }
                if j >= toks.len() {
                    return;
                }
                let end = skip_block(toks, j);
                let inner_end = if end > j + 1 && toks.get(end - 1) == Some(&Tok::Close('}')) {
                    end - 1
                } else {
                    end
                };
                if let Some(selector) = plain_prelude(&toks[i..j], true) {
                    let mut body = String::new();
                    declarations(&toks[j + 1..inner_end], cx, &mut body);
                    if !body.is_empty() && !selector.trim().is_empty() {
                        out.push_str(selector.trim());
                        out.push('{');
                        out.push_str(&body);
                        out.push('}');
                    }
                }
                i = end;
            }
        }
    }
}

/// The index after the token at `i`, or after its whole block when it opens one (unclosed blocks run to the
/// end, as CSS says).
fn skip_block(toks: &[Tok], i: usize) -> usize {
    let open = match toks.get(i) {
        Some(Tok::Open(c)) => *c,
        Some(Tok::Function(_)) => '(',
        _ => return i + 1,
    };
    let mut stack = vec![closer(open)];
    let mut j = i + 1;
    while j < toks.len() {
        match &toks[j] {
            Tok::Open(c) => stack.push(closer(*c)),
            Tok::Function(_) => stack.push(')'),
            Tok::Close(c) if stack.last() == Some(c) => {
                stack.pop();
                if stack.is_empty() {
                    return j + 1;
                }
            }
            _ => {}
        }
        j += 1;
    }
    toks.len()
}

fn closer(open: char) -> char {
    match open {
        '(' => ')',
        '[' => ']',
        _ => '}',
    }
}

/// A selector or media query written out, or `None` when it holds anything but plain selector tokens.
fn plain_prelude(toks: &[Tok], selector: bool) -> Option<String> {
    let mut out = String::new();
    let mut prev: Option<&Tok> = None;
    let mut depth = 0usize;
    for t in toks {
        match t {
            Tok::Function(name) => {
                let name = name.to_ascii_lowercase();
                if !selector || !SELECTOR_FUNCTIONS.contains(&name.as_str()) {
                    return None;
                }
                depth += 1;
            }
            Tok::Open('{') | Tok::Close('}') => return None,
            Tok::Open(_) => depth += 1,
            Tok::Close(_) => depth = depth.saturating_sub(1),
            Tok::Url(_) | Tok::BadUrl | Tok::BadStr | Tok::AtKeyword(_) | Tok::Cdo | Tok::Cdc => {
                return None
            }
            Tok::Delim('\\') | Tok::Delim('<') | Tok::Semicolon => return None,
            Tok::Str(s) if !plain_string(s) => return None,
            _ => {}
        }
        write_token(t, prev, &mut out);
        prev = Some(t);
    }
    let _ = depth;
    Some(out)
}

/// Declarations separated by `;` at the top level; each kept or dropped whole.
fn declarations(toks: &[Tok], cx: &mut Context, out: &mut String) {
    let mut i = 0;
    while i < toks.len() {
        let mut j = i;
        while j < toks.len() && toks[j] != Tok::Semicolon {
            j = skip_block(toks, j);
        }
        if let Some(decl) = declaration(&toks[i..j.min(toks.len())], cx) {
            out.push_str(&decl);
            out.push(';');
        }
        i = j + 1;
    }
}

fn declaration(toks: &[Tok], cx: &mut Context) -> Option<String> {
    let mut it = toks.iter().enumerate().filter(|(_, t)| **t != Tok::Ws);
    let (_, Tok::Ident(name)) = it.next()? else {
        return None;
    };
    let (colon, Tok::Colon) = it.next()? else {
        return None;
    };
    let name = name.to_ascii_lowercase();
    if !PROPERTIES.contains(&name.as_str()) {
        return None;
    }
    let mut value = &toks[colon + 1..];
    // `!important`, kept as written out by us.
    let mut important = false;
    let trimmed: Vec<usize> = value
        .iter()
        .enumerate()
        .filter(|(_, t)| **t != Tok::Ws)
        .map(|(i, _)| i)
        .collect();
    if trimmed.len() >= 2 {
        let (a, b) = (trimmed[trimmed.len() - 2], trimmed[trimmed.len() - 1]);
        if value[a] == Tok::Delim('!')
            && matches!(&value[b], Tok::Ident(s) if s.eq_ignore_ascii_case("important"))
        {
            important = true;
            value = &value[..a];
        }
    }
    if name == "position" {
        let words: Vec<&Tok> = value.iter().filter(|t| **t != Tok::Ws).collect();
        let ok = matches!(words.as_slice(), [Tok::Ident(v)] if v.eq_ignore_ascii_case("static") || v.eq_ignore_ascii_case("relative"));
        if !ok {
            return None;
        }
    }
    let mut written = String::new();
    let mut prev: Option<&Tok> = None;
    // Parentheses belong to functions (`rgb(`, `calc(` and the blocks inside them); a bare `(` block at the top
    // of a value is valid for no property mail uses, and text like `#888u\72l(` would read as a `url(` to a
    // reader less careful than a browser (found by fuzzing: `corpus/mail_sanitize/hash-then-escaped-url`).
    let mut depth = 0usize;
    let mut i = 0;
    while i < value.len() {
        let t = &value[i];
        match t {
            Tok::Open('(') if depth == 0 => return None,
            Tok::Open('(') | Tok::Function(_) => depth += 1,
            Tok::Close(')') => depth = depth.saturating_sub(1),
            _ => {}
        }
        match t {
            Tok::Url(url) => {
                written_url(url, cx, &mut written, prev)?;
                prev = Some(t);
                i += 1;
                continue;
            }
            Tok::Function(f) if f.eq_ignore_ascii_case("url") => {
                // `url("...")`: one string, white space around it, then `)`.
                let end = skip_block(value, i);
                let inner: Vec<&Tok> = value[i + 1..end]
                    .iter()
                    .filter(|t| **t != Tok::Ws)
                    .collect();
                let [Tok::Str(url), Tok::Close(')')] = inner.as_slice() else {
                    return None;
                };
                written_url(url, cx, &mut written, prev)?;
                prev = Some(&Tok::Close(')'));
                i = end;
                continue;
            }
            Tok::Function(f) if !FUNCTIONS.contains(&f.to_ascii_lowercase().as_str()) => {
                return None
            }
            Tok::AtKeyword(_)
            | Tok::BadStr
            | Tok::BadUrl
            | Tok::Cdo
            | Tok::Cdc
            | Tok::Open('{')
            | Tok::Close('}')
            | Tok::Colon
            | Tok::Delim('\\')
            | Tok::Delim('<')
            | Tok::Delim('!') => return None,
            Tok::Ident(v) if v.eq_ignore_ascii_case("expression") => return None,
            Tok::Str(s) if !plain_string(s) => return None,
            _ => {}
        }
        write_token(t, prev, &mut written);
        prev = Some(t);
        i += 1;
    }
    let written = written.trim().to_string();
    if written.is_empty() {
        return None;
    }
    Some(format!(
        "{name}:{written}{}",
        if important { "!important" } else { "" }
    ))
}

/// Strings in values and selectors are font names and attribute values: letters, digits, spaces and a little
/// punctuation. Anything else (a URL, markup, `@`, escapes) is not something mail needs in a string.
fn plain_string(s: &str) -> bool {
    s.chars()
        .all(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_' | '.' | ',' | '\'' | '&' | '+'))
}

/// Writes `url("...")` for a URL a stylesheet may load, or gives `None` (the declaration goes).
fn written_url(url: &str, cx: &mut Context, out: &mut String, prev: Option<&Tok>) -> Option<()> {
    match cx.check_url(url, UrlUse::Image) {
        UrlVerdict::Keep(url) => {
            if prev.is_some_and(|p| needs_comment(p, &Tok::Url(String::new()))) {
                out.push_str("/**/");
            }
            out.push_str("url(");
            write_string(&inert_url_text(&url), out);
            out.push(')');
            Some(())
        }
        UrlVerdict::Remote => {
            cx.remote_blocked += 1;
            None
        }
        UrlVerdict::Drop => None,
    }
}

/// A URL as a stylesheet may carry it: the characters that mean something to CSS or to an at-rule (white space,
/// quotes, parentheses, backslash, `;`, braces, angle brackets, `@`) percent-encoded, so that no text inside a
/// `url("...")` reads as CSS to anyone who scans the sheet without tokenising strings (the fuzzer found
/// `url("http://t/a@import url(x.css);b.png")`: harmless to a browser, but `@import` in the sheet's text). A
/// server reads `%40` as `@`, so `bg@2x.png` still loads; only a `user@host` in an image URL stops working. A
/// `data:` URL keeps its header (`image/png;base64,`) as written.
fn inert_url_text(url: &str) -> String {
    let body_start = if url
        .get(..5)
        .is_some_and(|s| s.eq_ignore_ascii_case("data:"))
    {
        url.find(',').map_or(url.len(), |i| i + 1)
    } else {
        0
    };
    let mut out = String::with_capacity(url.len());
    out.push_str(&url[..body_start]);
    for c in url[body_start..].chars() {
        match c {
            ' ' | '\t' | '\n' | '\r' | '\u{c}' | '"' | '\'' | '(' | ')' | '\\' | ';' | '{'
            | '}' | '<' | '>' | '@' => out.push_str(&format!("%{:02X}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

/// Whether two tokens written side by side would read back as something else, so a comment must go between
/// them (the pairs of CSS Syntax Level 3's serialisation table).
fn needs_comment(prev: &Tok, next: &Tok) -> bool {
    let wordy = |t: &Tok| {
        matches!(
            t,
            Tok::Ident(_)
                | Tok::Function(_)
                | Tok::Url(_)
                | Tok::BadUrl
                | Tok::Number(_)
                | Tok::Percentage(_)
                | Tok::Dimension(..)
                | Tok::Cdc
                | Tok::Delim('-')
        )
    };
    let numeric = |t: &Tok| matches!(t, Tok::Number(_) | Tok::Percentage(_) | Tok::Dimension(..));
    match prev {
        Tok::Ident(_) => wordy(next) || *next == Tok::Open('('),
        Tok::AtKeyword(_) | Tok::Hash(_) | Tok::Dimension(..) => wordy(next),
        Tok::Delim('#') | Tok::Delim('-') => {
            matches!(
                next,
                Tok::Ident(_) | Tok::Function(_) | Tok::Url(_) | Tok::BadUrl | Tok::Delim('-')
            ) || numeric(next)
        }
        Tok::Number(_) => {
            matches!(
                next,
                Tok::Ident(_) | Tok::Function(_) | Tok::Url(_) | Tok::BadUrl | Tok::Delim('%')
            ) || numeric(next)
        }
        Tok::Delim('@') => matches!(
            next,
            Tok::Ident(_) | Tok::Function(_) | Tok::Url(_) | Tok::BadUrl | Tok::Delim('-')
        ),
        Tok::Delim('.') | Tok::Delim('+') => numeric(next),
        Tok::Delim('/') => *next == Tok::Delim('*'),
        _ => false,
    }
}

fn write_token(t: &Tok, prev: Option<&Tok>, out: &mut String) {
    if prev.is_some_and(|p| needs_comment(p, t)) {
        out.push_str("/**/");
    }
    match t {
        Tok::Ident(s) => write_ident(s, out),
        Tok::Function(s) => {
            write_ident(s, out);
            out.push('(');
        }
        Tok::AtKeyword(s) => {
            out.push('@');
            write_ident(s, out);
        }
        Tok::Hash(s) => {
            out.push('#');
            for c in s.chars() {
                write_name_char(c, out);
            }
        }
        Tok::Str(s) => write_string(s, out),
        Tok::Url(s) => {
            out.push_str("url(");
            write_string(s, out);
            out.push(')');
        }
        Tok::Delim(c) => match c {
            // Delimiters that never start anything in the places we write them.
            '<' | '\\' => {}
            c => out.push(*c),
        },
        Tok::Number(n) => out.push_str(n),
        Tok::Percentage(n) => {
            out.push_str(n);
            out.push('%');
        }
        Tok::Dimension(n, unit) => {
            out.push_str(n);
            // A unit starting with `e` and a digit or sign would read back as an exponent.
            let mut chars = unit.chars();
            if let (Some('e' | 'E'), Some(second)) = (chars.next(), chars.next()) {
                if second.is_ascii_digit() || second == '-' || second == '+' {
                    out.push_str("\\65 ");
                    write_ident_rest(&unit[1..], out);
                    return;
                }
            }
            write_ident(unit, out);
        }
        Tok::Ws => out.push(' '),
        Tok::Colon => out.push(':'),
        Tok::Semicolon => out.push(';'),
        Tok::Comma => out.push(','),
        Tok::Open(c) | Tok::Close(c) => out.push(*c),
        Tok::BadStr | Tok::BadUrl | Tok::Cdo | Tok::Cdc => {}
    }
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-' || (c as u32) >= 0x80
}

fn write_hex(c: char, out: &mut String) {
    out.push_str(&format!("\\{:x} ", c as u32));
}

fn write_name_char(c: char, out: &mut String) {
    if is_name_char(c) && !is_unsafe_char(c) {
        out.push(c);
    } else {
        write_hex(c, out);
    }
}

/// Characters written as escapes even where they are allowed: controls, and the bidi and zero-width
/// formatting characters, which have no business in a stylesheet.
fn is_unsafe_char(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{feff}')
}

fn write_ident(s: &str, out: &mut String) {
    let mut chars = s.chars();
    match chars.next() {
        None => {}
        Some(c) if c.is_ascii_digit() => {
            write_hex(c, out);
            write_ident_rest(chars.as_str(), out);
        }
        Some('-') => {
            out.push('-');
            match chars.next() {
                None => out.push_str(""),
                Some(d) if d.is_ascii_digit() => {
                    write_hex(d, out);
                    write_ident_rest(chars.as_str(), out);
                }
                Some(d) => {
                    write_name_char(d, out);
                    write_ident_rest(chars.as_str(), out);
                }
            }
        }
        Some(c) => {
            write_name_char(c, out);
            write_ident_rest(chars.as_str(), out);
        }
    }
    if s == "-" {
        // A lone `-` is not an identifier; escape it so it reads back as one.
        out.pop();
        out.push_str("\\-");
    }
}

fn write_ident_rest(s: &str, out: &mut String) {
    for c in s.chars() {
        write_name_char(c, out);
    }
}

fn write_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '<' | '>' | '&' => write_hex(c, out),
            c if is_unsafe_char(c) => write_hex(c, out),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// CSS Syntax Level 3 tokenisation.
fn tokenize(css: &str) -> Vec<Tok> {
    let chars: Vec<char> = css
        .chars()
        .map(|c| match c {
            '\0' => '\u{fffd}',
            '\r' | '\x0c' => '\n',
            c => c,
        })
        .collect();
    let mut t = Tokenizer { c: &chars, i: 0 };
    let mut out = Vec::new();
    while t.i < chars.len() && out.len() < MAX_TOKENS {
        if let Some(tok) = t.next() {
            out.push(tok);
        }
    }
    out
}

struct Tokenizer<'a> {
    c: &'a [char],
    i: usize,
}

fn is_ws(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n')
}

fn is_name_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_' || (c as u32) >= 0x80
}

impl Tokenizer<'_> {
    fn at(&self, k: usize) -> Option<char> {
        self.c.get(self.i + k).copied()
    }

    fn valid_escape(&self, k: usize) -> bool {
        self.at(k) == Some('\\') && self.at(k + 1).is_some_and(|c| c != '\n')
    }

    fn starts_ident(&self, k: usize) -> bool {
        match self.at(k) {
            Some('-') => {
                self.at(k + 1).is_some_and(|c| is_name_start(c) || c == '-')
                    || self.valid_escape(k + 1)
            }
            Some(c) if is_name_start(c) => true,
            Some('\\') => self.valid_escape(k),
            _ => false,
        }
    }

    fn starts_number(&self, k: usize) -> bool {
        match self.at(k) {
            Some('+' | '-') => {
                self.at(k + 1).is_some_and(|c| c.is_ascii_digit())
                    || (self.at(k + 1) == Some('.')
                        && self.at(k + 2).is_some_and(|c| c.is_ascii_digit()))
            }
            Some('.') => self.at(k + 1).is_some_and(|c| c.is_ascii_digit()),
            Some(c) => c.is_ascii_digit(),
            None => false,
        }
    }

    /// One token; `None` for a comment.
    fn next(&mut self) -> Option<Tok> {
        let c = self.at(0)?;
        if c == '/' && self.at(1) == Some('*') {
            self.i += 2;
            while self.i < self.c.len() && !(self.at(0) == Some('*') && self.at(1) == Some('/')) {
                self.i += 1;
            }
            self.i = (self.i + 2).min(self.c.len());
            return None;
        }
        if is_ws(c) {
            while self.at(0).is_some_and(is_ws) {
                self.i += 1;
            }
            return Some(Tok::Ws);
        }
        match c {
            '"' | '\'' => {
                self.i += 1;
                return Some(self.string(c));
            }
            '#' if self.at(1).is_some_and(is_name_char) || self.valid_escape(1) => {
                self.i += 1;
                return Some(Tok::Hash(self.name()));
            }
            '(' | '[' | '{' => {
                self.i += 1;
                return Some(Tok::Open(c));
            }
            ')' | ']' | '}' => {
                self.i += 1;
                return Some(Tok::Close(c));
            }
            ',' => {
                self.i += 1;
                return Some(Tok::Comma);
            }
            ':' => {
                self.i += 1;
                return Some(Tok::Colon);
            }
            ';' => {
                self.i += 1;
                return Some(Tok::Semicolon);
            }
            '+' | '.' if self.starts_number(0) => return Some(self.numeric()),
            '-' => {
                if self.starts_number(0) {
                    return Some(self.numeric());
                }
                if self.at(1) == Some('-') && self.at(2) == Some('>') {
                    self.i += 3;
                    return Some(Tok::Cdc);
                }
                if self.starts_ident(0) {
                    return Some(self.ident_like());
                }
            }
            '<' if self.at(1) == Some('!')
                && self.at(2) == Some('-')
                && self.at(3) == Some('-') =>
            {
                self.i += 4;
                return Some(Tok::Cdo);
            }
            '@' if self.starts_ident(1) => {
                self.i += 1;
                return Some(Tok::AtKeyword(self.name()));
            }
            '\\' if self.valid_escape(0) => return Some(self.ident_like()),
            c if c.is_ascii_digit() => return Some(self.numeric()),
            c if is_name_start(c) => return Some(self.ident_like()),
            _ => {}
        }
        self.i += 1;
        Some(Tok::Delim(c))
    }

    fn escape(&mut self) -> char {
        // After the backslash.
        let Some(c) = self.at(0) else {
            return '\u{fffd}';
        };
        if c.is_ascii_hexdigit() {
            let mut value = 0u32;
            let mut n = 0;
            while n < 6 && self.at(0).is_some_and(|c| c.is_ascii_hexdigit()) {
                value = value * 16 + self.at(0).and_then(|c| c.to_digit(16)).unwrap_or(0);
                self.i += 1;
                n += 1;
            }
            if self.at(0).is_some_and(is_ws) {
                self.i += 1;
            }
            return match char::from_u32(value) {
                Some(c) if value != 0 => c,
                _ => '\u{fffd}',
            };
        }
        self.i += 1;
        c
    }

    fn name(&mut self) -> String {
        let mut out = String::new();
        loop {
            match self.at(0) {
                Some(c) if is_name_char(c) => {
                    out.push(c);
                    self.i += 1;
                }
                Some('\\') if self.valid_escape(0) => {
                    self.i += 1;
                    out.push(self.escape());
                }
                _ => return out,
            }
        }
    }

    fn string(&mut self, quote: char) -> Tok {
        let mut out = String::new();
        loop {
            match self.at(0) {
                None => return Tok::Str(out),
                Some(c) if c == quote => {
                    self.i += 1;
                    return Tok::Str(out);
                }
                Some('\n') => return Tok::BadStr,
                Some('\\') => {
                    self.i += 1;
                    match self.at(0) {
                        None => {}
                        Some('\n') => self.i += 1,
                        Some(_) => out.push(self.escape()),
                    }
                }
                Some(c) => {
                    out.push(c);
                    self.i += 1;
                }
            }
        }
    }

    fn numeric(&mut self) -> Tok {
        let mut repr = String::new();
        if let Some(c @ ('+' | '-')) = self.at(0) {
            repr.push(c);
            self.i += 1;
        }
        self.digits(&mut repr);
        if self.at(0) == Some('.') && self.at(1).is_some_and(|c| c.is_ascii_digit()) {
            repr.push('.');
            self.i += 1;
            self.digits(&mut repr);
        }
        if let Some(e @ ('e' | 'E')) = self.at(0) {
            let signed = matches!(self.at(1), Some('+' | '-'))
                && self.at(2).is_some_and(|c| c.is_ascii_digit());
            if signed || self.at(1).is_some_and(|c| c.is_ascii_digit()) {
                repr.push(e);
                self.i += 1;
                if signed {
                    repr.push(self.at(0).unwrap_or('+'));
                    self.i += 1;
                }
                self.digits(&mut repr);
            }
        }
        if self.starts_ident(0) {
            let unit = self.name();
            return Tok::Dimension(repr, unit);
        }
        if self.at(0) == Some('%') {
            self.i += 1;
            return Tok::Percentage(repr);
        }
        Tok::Number(repr)
    }

    fn digits(&mut self, out: &mut String) {
        while let Some(c) = self.at(0).filter(|c| c.is_ascii_digit()) {
            out.push(c);
            self.i += 1;
        }
    }

    fn ident_like(&mut self) -> Tok {
        let name = self.name();
        if self.at(0) != Some('(') {
            return Tok::Ident(name);
        }
        self.i += 1;
        if !name.eq_ignore_ascii_case("url") {
            return Tok::Function(name);
        }
        while self.at(0).is_some_and(is_ws) && self.at(1).is_some_and(is_ws) {
            self.i += 1;
        }
        let quoted = |c: Option<char>| matches!(c, Some('"' | '\''));
        if quoted(self.at(0)) || (self.at(0).is_some_and(is_ws) && quoted(self.at(1))) {
            return Tok::Function(name);
        }
        self.url()
    }

    fn url(&mut self) -> Tok {
        let mut out = String::new();
        while self.at(0).is_some_and(is_ws) {
            self.i += 1;
        }
        loop {
            match self.at(0) {
                None => return Tok::Url(out),
                Some(')') => {
                    self.i += 1;
                    return Tok::Url(out);
                }
                Some(c) if is_ws(c) => {
                    while self.at(0).is_some_and(is_ws) {
                        self.i += 1;
                    }
                    if self.at(0) == Some(')') || self.at(0).is_none() {
                        self.i = (self.i + 1).min(self.c.len());
                        return Tok::Url(out);
                    }
                    self.bad_url_rest();
                    return Tok::BadUrl;
                }
                Some('"' | '\'' | '(') => {
                    self.bad_url_rest();
                    return Tok::BadUrl;
                }
                Some(c) if c.is_control() && c != '\t' => {
                    self.bad_url_rest();
                    return Tok::BadUrl;
                }
                Some('\\') => {
                    if self.valid_escape(0) {
                        self.i += 1;
                        out.push(self.escape());
                    } else {
                        self.bad_url_rest();
                        return Tok::BadUrl;
                    }
                }
                Some(c) => {
                    out.push(c);
                    self.i += 1;
                }
            }
        }
    }

    fn bad_url_rest(&mut self) {
        loop {
            match self.at(0) {
                None => return,
                Some(')') => {
                    self.i += 1;
                    return;
                }
                Some('\\') if self.valid_escape(0) => {
                    self.i += 1;
                    self.escape();
                }
                Some(_) => self.i += 1,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn cx<'a>(allow_remote: bool, cids: &'a BTreeMap<String, String>) -> Context<'a> {
        Context::new(allow_remote, cids)
    }

    fn check_decl(input: &str, want: &str) {
        let cids = BTreeMap::from([("logo".to_string(), "data:image/png;base64,AA==".to_string())]);
        let mut c = cx(false, &cids);
        assert_eq!(filter_declarations(input, &mut c), want, "{input}");
    }

    #[test]
    fn urls_carry_no_text_that_reads_as_css() {
        let cids = BTreeMap::new();
        let mut c = cx(true, &cids);
        let cases = [
            (
                "background:url('https://t.test/a@import url(x.css);b.png')",
                "background:url(\"https://t.test/a%40import%20url%28x.css%29%3Bb.png\");",
            ),
            (
                "background:url(https://img.test/bg@2x.png)",
                "background:url(\"https://img.test/bg%402x.png\");",
            ),
        ];
        for (input, want) in cases {
            assert_eq!(filter_declarations(input, &mut c), want, "{input}");
        }
    }

    #[test]
    fn declarations_are_filtered() {
        check_decl(
            "color: red; font-weight: bold",
            "color:red;font-weight:bold;",
        );
        check_decl("COLOR:#FFF !important", "color:#FFF!important;");
        check_decl("position: fixed; top: 0", "top:0;");
        check_decl("position: relative", "position:relative;");
        check_decl("position: absolute", "");
        check_decl("position: sticky", "");
        check_decl("width: expression(alert(1))", "");
        check_decl("width: e\\xpression(alert(1))", "");
        check_decl("behavior: url(x.htc)", "");
        check_decl("-moz-binding: url(x.xml#a)", "");
        check_decl("background: url(https://t.test/p.gif)", "");
        check_decl("background: u\\72l(https://t.test/p.gif)", "");
        check_decl("background: ur/**/l(https://t.test/p.gif)", "");
        // URL text that would read as CSS to a scan (found by fuzzing), and a retina image name.
        check_decl(
            "background:url(\"data:image/png,@import url(x)\")",
            "background:url(\"data:image/png,%40import%20url%28x%29\");",
        );
        // A bare block, and a hash that reads as `#888url(` (found by fuzzing).
        check_decl("color: #888u\\72l(", "");
        check_decl("color: (red)", "");
        check_decl(
            "width: calc((1px + 2px) * 2)",
            "width:calc((1px + 2px) * 2);",
        );
        check_decl("color: rgb(1, 2, 3)", "color:rgb(1, 2, 3);");
        check_decl("background: url( 'javascript:alert(1)' )", "");
        check_decl(
            "background: url(cid:logo) no-repeat",
            "background:url(\"data:image/png;base64,AA==\") no-repeat;",
        );
        check_decl(
            "background-image: url(\"data:image/png;base64,AA==\")",
            "background-image:url(\"data:image/png;base64,AA==\");",
        );
        check_decl(
            "background-image: url(data:image/svg+xml,<svg onload=alert(1)>)",
            "",
        );
        check_decl("font-family: \"</style><script>\"", "");
        check_decl(
            "font-family: \"Segoe UI\", Arial",
            "font-family:\"Segoe UI\", Arial;",
        );
        check_decl(
            "margin: 0 auto; padding:1px 2px",
            "margin:0 auto;padding:1px 2px;",
        );
        check_decl("width: calc(100% - 2px)", "width:calc(100% - 2px);");
        check_decl("color: rgb(1,2,3)", "color:rgb(1,2,3);");
        check_decl("content: 'x'", "");
        check_decl(
            "color: red; }</style><script>alert(1)</script>",
            "color:red;",
        );
        check_decl("font-family: a/**/b", "font-family:a/**/b;");
        check_decl("width: 1e3px", "width:1e3px;");
        check_decl("color: var(--x)", "");
        check_decl("garbage", "");
        check_decl("", "");
    }

    fn check_sheet(input: &str, allow: bool, want: &str) {
        let cids = BTreeMap::new();
        let mut c = cx(allow, &cids);
        assert_eq!(filter_stylesheet(input, &mut c), want, "{input}");
    }

    #[test]
    fn stylesheets_are_filtered_rule_by_rule() {
        check_sheet("p { color: red }", false, "p{color:red;}");
        check_sheet(
            "@import url(https://x.test/a.css); p{color:red}",
            false,
            "p{color:red;}",
        );
        check_sheet(
            "@font-face { font-family: x; src: url(https://x.test/f.woff) } b{font-weight:bold}",
            false,
            "b{font-weight:bold;}",
        );
        check_sheet(
            "@media (max-width: 600px) { .col { width: 100% !important } }",
            false,
            "@media (max-width: 600px){.col{width:100%!important;}}",
        );
        check_sheet(
            "div { position: fixed; color: blue }",
            false,
            "div{color:blue;}",
        );
        check_sheet(".x { background: url(https://x.test/i.png) }", false, "");
        check_sheet(
            ".x { background: url(https://x.test/i.png) }",
            true,
            ".x{background:url(\"https://x.test/i.png\");}",
        );
        check_sheet(
            "a[href^=\"http\"]:not(.y) > b { color: red }",
            false,
            "a[href^=\"http\"]:not(.y) > b{color:red;}",
        );
        check_sheet("<!-- p { color: red } -->", false, "p{color:red;}");
        check_sheet("p { color: red", false, "p{color:red;}");
        check_sheet("@\\69mport 'x.css'; p{color:red}", false, "p{color:red;}");
        check_sheet("x{} @media print { @media screen { @media a { @media b { @media c { p{color:red} } } } } }", false, "");
        check_sheet(
            "@media print { @media screen { p{color:red} } }",
            false,
            "@media print{@media screen{p{color:red;}}}",
        );
    }
}
