//! The MIME tree of a raw message, as Gmail's `format=full` answers it.
//!
//! Every entity becomes a part: `partId` `""` for the message itself, `"0"`, `"1"`, ... for its children and
//! `"1.0"` below them; `mimeType` lower-case; `filename` from `Content-Disposition` (or `Content-Type`'s `name`),
//! RFC 2231 and RFC 2047 decoded; `headers` the part's own, decoded as `rfc822` decodes them. A leaf's content is
//! kept with its transfer encoding (base64, quoted-printable) undone and its charset bytes as they are.
//! A `message/rfc822` part has one child: the enclosed message's root part, whose headers are that message's.
//!
//! Gmail does not say what it does with broken MIME; this degrades the way it is seen to, without failing:
//! - a multipart without a boundary, or whose boundary never occurs, is one opaque part with its body as content;
//! - a missing closing delimiter ends the last part at the end of the body;
//! - base64 is decoded leniently: characters outside the alphabet are skipped and a dangling last character
//!   dropped;
//! - an unknown charset changes nothing here (content is kept as bytes);
//! - nesting deeper than [`MAX_DEPTH`] and parts beyond [`MAX_PARTS`] are not split further: the entity at the
//!   limit is one opaque part.

use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64::Engine as _;

use crate::decode::{
    decode_encoded_words, decode_quoted_printable, parse_headers, split_head_body,
};

/// How deep multiparts and enclosed messages nest before the rest is one opaque part. Gmail publishes no limit;
/// 50 keeps the JSON of the deepest tree (two JSON levels per MIME level) within the 128 levels that common JSON
/// readers (serde_json's default) accept.
pub const MAX_DEPTH: usize = 50;
/// How many parts one message may have before the rest is left unsplit.
pub const MAX_PARTS: usize = 1000;

/// Base64 as mail writes it, decoded leniently (see the module comment).
const LENIENT_BASE64: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    pub part_id: String,
    /// `type/subtype`, lower-case, without parameters.
    pub mime_type: String,
    pub filename: String,
    /// The part's own headers, decoded; for the root (and an enclosed message's root), the message's headers.
    pub headers: Vec<(String, String)>,
    /// A leaf's content with its transfer encoding undone; for `message/rfc822`, the enclosed message's bytes;
    /// empty for a multipart.
    pub content: Vec<u8>,
    pub children: Vec<Part>,
}

impl Part {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn is_multipart(&self) -> bool {
        self.mime_type.starts_with("multipart/")
    }

    /// Parts with a filename are attachments (inline images with a `Content-ID` carry one too): Gmail answers
    /// their content through `messages.attachments.get`, not inline.
    pub fn is_attachment(&self) -> bool {
        !self.filename.is_empty()
    }

    /// The `charset` parameter of the part's `Content-Type`.
    pub fn charset(&self) -> Option<String> {
        self.header("content-type")
            .and_then(|ct| parameter(ct, "charset"))
    }

    /// Every part, depth first, the part itself first.
    pub fn walk(&self) -> Vec<&Part> {
        let mut out = Vec::new();
        let mut stack = vec![self];
        while let Some(p) = stack.pop() {
            out.push(p);
            stack.extend(p.children.iter().rev());
        }
        out
    }
}

/// The part tree of a whole message.
pub fn parse_message(bytes: &[u8]) -> Part {
    let mut budget = MAX_PARTS;
    parse_entity(bytes, String::new(), "text/plain", 0, &mut budget)
}

fn child_id(parent: &str, n: usize) -> String {
    if parent.is_empty() {
        n.to_string()
    } else {
        format!("{parent}.{n}")
    }
}

fn parse_entity(
    bytes: &[u8],
    part_id: String,
    default_type: &str,
    depth: usize,
    budget: &mut usize,
) -> Part {
    let (head, body) = split_head_body(bytes);
    let headers = parse_headers(head);
    let content_type = find(&headers, "content-type")
        .unwrap_or(default_type)
        .to_string();
    let content_type = content_type.as_str();
    let mime_type = mime_type_of(content_type);
    let filename = filename_of(&headers);
    let mut part = Part {
        part_id,
        mime_type,
        filename,
        headers,
        content: Vec::new(),
        children: Vec::new(),
    };
    let may_split = depth < MAX_DEPTH && *budget > 0;
    if part.is_multipart() && may_split {
        let boundary = parameter(content_type, "boundary").filter(|b| !b.is_empty());
        let pieces = boundary
            .map(|b| split_multipart(body, &b))
            .unwrap_or_default();
        if !pieces.is_empty() {
            // In a multipart/digest a part without a Content-Type is a message (RFC 2046 5.1.5).
            let child_default = if part.mime_type == "multipart/digest" {
                "message/rfc822"
            } else {
                "text/plain"
            };
            for (n, piece) in pieces.into_iter().enumerate() {
                if *budget == 0 {
                    break;
                }
                *budget -= 1;
                let id = child_id(&part.part_id, n);
                part.children
                    .push(parse_entity(piece, id, child_default, depth + 1, budget));
            }
            return part;
        }
    }
    part.content = decode_transfer(find(&part.headers, "content-transfer-encoding"), body);
    if part.is_multipart() {
        // A multipart that cannot be split is one opaque part: Gmail shows it as text.
        part.mime_type = "text/plain".into();
    }
    if is_message(&part.mime_type) && may_split && *budget > 0 {
        *budget -= 1;
        let id = child_id(&part.part_id, 0);
        let inner = parse_entity(&part.content, id, "text/plain", depth + 1, budget);
        part.children.push(inner);
    }
    part
}

fn is_message(mime_type: &str) -> bool {
    matches!(mime_type, "message/rfc822" | "message/global")
}

fn find<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// `type/subtype` in lower case; anything that is not of that shape reads as text/plain (RFC 2045 5.2).
pub fn mime_type_of(content_type: &str) -> String {
    let t = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    match t.split_once('/') {
        Some((a, b)) if !a.is_empty() && !b.is_empty() && !t.contains(char::is_whitespace) => t,
        _ => "text/plain".into(),
    }
}

fn decode_transfer(encoding: Option<&str>, body: &[u8]) -> Vec<u8> {
    match encoding.map(|e| e.trim().to_ascii_lowercase()).as_deref() {
        Some("base64") => lenient_base64(body),
        Some("quoted-printable") => decode_quoted_printable(body),
        _ => body.to_vec(),
    }
}

/// Base64 that skips what is not in the alphabet and stops at padding, as mail readers do.
pub fn lenient_base64(body: &[u8]) -> Vec<u8> {
    let mut compact: Vec<u8> = Vec::with_capacity(body.len());
    for b in body {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'+' | b'/' => compact.push(*b),
            b'=' => break,
            _ => {}
        }
    }
    if compact.len() % 4 == 1 {
        compact.pop();
    }
    LENIENT_BASE64.decode(&compact).unwrap_or_default()
}

/// The parts between `--boundary` lines, without the preamble and the epilogue. Without a closing delimiter the
/// last part runs to the end of the body.
pub fn split_multipart<'a>(body: &'a [u8], boundary: &str) -> Vec<&'a [u8]> {
    let delimiter = format!("--{boundary}");
    let delimiter = delimiter.as_bytes();
    let mut starts = Vec::new();
    let mut i = 0;
    while i + delimiter.len() <= body.len() {
        let at_line_start = i == 0 || body[i - 1] == b'\n';
        if at_line_start
            && body[i..].starts_with(delimiter)
            && ends_delimiter_line(&body[i + delimiter.len()..])
        {
            starts.push(i);
            i += delimiter.len();
        } else {
            // Delimiters only start lines: skip to the next one.
            match body[i..].iter().position(|b| *b == b'\n') {
                Some(nl) => i += nl + 1,
                None => break,
            }
        }
    }
    let mut parts = Vec::new();
    for (n, start) in starts.iter().enumerate() {
        let after = &body[start + delimiter.len()..];
        if after.starts_with(b"--") {
            break;
        }
        let Some(line_end) = after.iter().position(|b| *b == b'\n') else {
            break;
        };
        let content_start = start + delimiter.len() + line_end + 1;
        let content_end = starts.get(n + 1).copied().unwrap_or(body.len());
        if content_start <= content_end {
            let part = &body[content_start..content_end];
            let part = part.strip_suffix(b"\n").unwrap_or(part);
            parts.push(part.strip_suffix(b"\r").unwrap_or(part));
        }
    }
    parts
}

/// After `--boundary` a delimiter line has only `--` (the closing one) and whitespace: `--b1` is not `--b10`.
fn ends_delimiter_line(rest: &[u8]) -> bool {
    let rest = rest.strip_prefix(b"--").unwrap_or(rest);
    rest.iter()
        .take_while(|b| **b != b'\n')
        .all(|b| b.is_ascii_whitespace())
}

/// The parameters of a structured header value (`type/sub; a=1; b="x;y"`), names lower-case, values unquoted.
fn parameters(value: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = match value.find(';') {
        Some(i) => &value[i + 1..],
        None => return out,
    };
    loop {
        rest = rest.trim_start_matches([' ', '\t', ';']);
        if rest.is_empty() {
            break;
        }
        let Some(eq) = rest.find('=') else { break };
        let name = rest[..eq].trim().to_ascii_lowercase();
        let after = rest[eq + 1..].trim_start();
        let (v, consumed) = if let Some(q) = after.strip_prefix('"') {
            let mut v = String::new();
            let mut escaped = false;
            let mut end = q.len();
            for (i, c) in q.char_indices() {
                if escaped {
                    v.push(c);
                    escaped = false;
                } else if c == '\\' {
                    escaped = true;
                } else if c == '"' {
                    end = i + 1;
                    break;
                } else {
                    v.push(c);
                }
            }
            (v, 1 + end.min(q.len()))
        } else {
            let end = after.find(';').unwrap_or(after.len());
            (after[..end].trim().to_string(), end)
        };
        out.push((name, v));
        rest = &after[consumed.min(after.len())..];
    }
    out
}

/// One parameter, with RFC 2231 extended (`name*=utf-8''x%20y`) and continued (`name*0*=`, `name*1=`) values
/// joined and decoded, and RFC 2047 encoded-words (which mailers put in filenames) decoded.
pub fn parameter(value: &str, name: &str) -> Option<String> {
    let params = parameters(value);
    if let Some((_, v)) = params.iter().find(|(k, _)| *k == format!("{name}*")) {
        return Some(rfc2231_value(v, true));
    }
    let mut pieces: Vec<(usize, bool, &str)> = params
        .iter()
        .filter_map(|(k, v)| {
            let rest = k.strip_prefix(name)?.strip_prefix('*')?;
            let (n, extended) = match rest.strip_suffix('*') {
                Some(n) => (n, true),
                None => (rest, false),
            };
            Some((n.parse().ok()?, extended, v.as_str()))
        })
        .collect();
    if !pieces.is_empty() {
        pieces.sort_by_key(|p| p.0);
        let mut bytes = Vec::new();
        let mut charset = None;
        for (i, (_, extended, v)) in pieces.iter().enumerate() {
            if *extended {
                let v = if i == 0 {
                    let (cs, text) = split_2231(v);
                    charset = cs;
                    text
                } else {
                    v
                };
                bytes.extend(percent_decode(v));
            } else {
                bytes.extend_from_slice(v.as_bytes());
            }
        }
        return Some(decode_text(&bytes, charset.as_deref()));
    }
    params
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| decode_encoded_words(&v))
}

/// `charset'language'text` of an RFC 2231 value: the charset (when given) and the text.
fn split_2231(v: &str) -> (Option<String>, &str) {
    let mut it = v.splitn(3, '\'');
    match (it.next(), it.next(), it.next()) {
        (Some(cs), Some(_lang), Some(text)) => {
            (Some(cs.to_string()).filter(|c| !c.is_empty()), text)
        }
        _ => (None, v),
    }
}

fn rfc2231_value(v: &str, extended: bool) -> String {
    if !extended {
        return v.to_string();
    }
    let (charset, text) = split_2231(v);
    decode_text(&percent_decode(text), charset.as_deref())
}

fn percent_decode(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = |c: u8| char::from(c).to_digit(16);
            if let (Some(hi), Some(lo)) = (
                b.get(i + 1).and_then(|c| hex(*c)),
                b.get(i + 2).and_then(|c| hex(*c)),
            ) {
                out.push((hi * 16 + lo) as u8);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    out
}

fn decode_text(bytes: &[u8], charset: Option<&str>) -> String {
    charset
        .and_then(|c| crate::decode::decode_charset(bytes, c))
        .unwrap_or_else(|| String::from_utf8_lossy(bytes).into_owned())
}

fn filename_of(headers: &[(String, String)]) -> String {
    find(headers, "content-disposition")
        .and_then(|d| parameter(d, "filename"))
        .or_else(|| find(headers, "content-type").and_then(|t| parameter(t, "name")))
        .map(|f| f.trim().to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(p: &Part) -> String {
        let mut s = format!("{}={}", p.part_id, p.mime_type);
        if !p.filename.is_empty() {
            s.push_str(&format!("[{}]", p.filename));
        }
        if !p.children.is_empty() {
            let kids: Vec<String> = p.children.iter().map(shape).collect();
            s.push_str(&format!("({})", kids.join(",")));
        }
        s
    }

    fn check(raw: &[u8], want: &str) {
        assert_eq!(
            shape(&parse_message(raw)),
            want,
            "{}",
            String::from_utf8_lossy(raw)
        );
    }

    #[test]
    fn trees_have_gmail_part_ids() {
        check(b"Subject: x\r\n\r\nhi", "=text/plain");
        check(
            b"Content-Type: multipart/mixed; boundary=a\r\n\r\n--a\r\nContent-Type: multipart/alternative; boundary=\"b\"\r\n\r\n--b\r\n\r\nplain\r\n--b\r\nContent-Type: text/html\r\n\r\n<p>x</p>\r\n--b--\r\n--a\r\nContent-Type: application/pdf; name=\"r.pdf\"\r\nContent-Disposition: attachment\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERg==\r\n--a--\r\n",
            "=multipart/mixed(0=multipart/alternative(0.0=text/plain,0.1=text/html),1=application/pdf[r.pdf])",
        );
        check(
            b"Content-Type: multipart/mixed; boundary=a\r\n\r\n--a\r\n\r\nsee below\r\n--a\r\nContent-Type: message/rfc822\r\n\r\nSubject: inner\r\nContent-Type: multipart/alternative; boundary=c\r\n\r\n--c\r\n\r\nx\r\n--c\r\nContent-Type: text/html\r\n\r\ny\r\n--c--\r\n\r\n--a--\r\n",
            "=multipart/mixed(0=text/plain,1=message/rfc822(1.0=multipart/alternative(1.0.0=text/plain,1.0.1=text/html)))",
        );
    }

    #[test]
    fn broken_mime_degrades_without_failing() {
        // No closing delimiter: the last part runs to the end.
        check(
            b"Content-Type: multipart/mixed; boundary=a\r\n\r\n--a\r\n\r\none\r\n--a\r\n\r\ntwo, cut off",
            "=multipart/mixed(0=text/plain,1=text/plain)",
        );
        // No boundary, or a boundary that never occurs: one opaque part.
        check(b"Content-Type: multipart/mixed\r\n\r\nbody", "=text/plain");
        check(
            b"Content-Type: multipart/mixed; boundary=zz\r\n\r\nno delimiter here",
            "=text/plain",
        );
        // A garbage type reads as text/plain.
        check(b"Content-Type: garbage\r\n\r\nx", "=text/plain");
        // Deep nesting stops at the cap.
        let mut raw = Vec::new();
        for level in 0..MAX_DEPTH + 50 {
            raw.extend_from_slice(
                format!("Content-Type: multipart/mixed; boundary=q{level}\r\n\r\n--q{level}\r\n")
                    .as_bytes(),
            );
        }
        raw.extend_from_slice(b"\r\nleaf");
        let root = parse_message(&raw);
        let depth = {
            let mut d = 0;
            let mut p = &root;
            while let Some(c) = p.children.first() {
                d += 1;
                p = c;
            }
            d
        };
        assert_eq!(depth, MAX_DEPTH);
        // Too many parts: the budget stops the split.
        let mut many = b"Content-Type: multipart/mixed; boundary=m\r\n\r\n".to_vec();
        for _ in 0..MAX_PARTS + 10 {
            many.extend_from_slice(b"--m\r\n\r\nx\r\n");
        }
        assert_eq!(parse_message(&many).children.len(), MAX_PARTS);
    }

    #[test]
    fn content_is_transfer_decoded_and_charset_bytes_kept() {
        let p = parse_message(b"Content-Type: text/plain; charset=koi8-r\r\nContent-Transfer-Encoding: base64\r\n\r\n8NLJ\r\n18XU\r\n");
        assert_eq!(p.content, b"\xf0\xd2\xc9\xd7\xc5\xd4");
        assert_eq!(p.charset().as_deref(), Some("koi8-r"));
        let qp = parse_message(b"Content-Transfer-Encoding: quoted-printable\r\n\r\ncaf=E9=\r\n!");
        assert_eq!(qp.content, b"caf\xe9!");
        // Broken base64: junk skipped, a dangling character dropped.
        assert_eq!(lenient_base64(b"aGV*sbG8h\r\nx"), b"hello!");
        assert_eq!(lenient_base64(b"!!!"), b"");
    }

    #[test]
    fn filenames_decode_rfc2231_and_encoded_words() {
        let cases: &[(&str, &str)] = &[
            ("attachment; filename=\"a; b.pdf\"", "a; b.pdf"),
            (
                "attachment; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf",
                "résumé.pdf",
            ),
            (
                "attachment; filename*0*=UTF-8''%E2%82%AC; filename*1=\"-rate.txt\"",
                "€-rate.txt",
            ),
            (
                "attachment; filename=\"=?UTF-8?B?0L7RgtGH0ZHRgi5wZGY=?=\"",
                "отчёт.pdf",
            ),
            ("inline", ""),
        ];
        for (disposition, want) in cases {
            let headers = vec![("Content-Disposition".to_string(), disposition.to_string())];
            assert_eq!(filename_of(&headers), *want, "{disposition}");
        }
        let by_name = vec![(
            "Content-Type".to_string(),
            "image/png; name=\"logo.png\"".to_string(),
        )];
        assert_eq!(filename_of(&by_name), "logo.png");
    }
}
