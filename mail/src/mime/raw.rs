//! A raw RFC 822 message (what `format=raw` gives, or a `message/rfc822` attachment that arrived as bytes)
//! read into the same part tree Gmail's `format=full` JSON gives: headers unfolded, multipart bodies split at
//! their boundaries, base64 and quoted-printable undone. Lenient like Gmail: a missing closing boundary ends the
//! part at the end of the input, a bad base64 line is skipped, bytes that are not UTF-8 in a header are read as
//! Windows-1252. Every scan is linear in the bytes of its level, and levels are capped, so the whole read is
//! linear.

use super::headers::{base64_lenient, parse_params};
use super::{Budget, Part, PartBody};
use crate::bytes::hex_pair;
use crate::charset::{self, BuiltIn};

/// The most header lines read from one part, and the most bytes of them: a message of a million headers keeps
/// the first thousand, which hold everything a reader shows.
const MAX_HEADERS: usize = 1_000;
const MAX_HEADER_BYTES: usize = 256 * 1024;

/// Reads one entity (a message or a part of one). `id` is its Gmail-style part id (`""` for a message root,
/// then `0`, `1`, `0.1`).
pub(crate) fn parse_entity(bytes: &[u8], id: &str, depth: usize, budget: &mut Budget) -> Part {
    budget.parts += 1;
    let (head, body) = split_head(bytes);
    let headers = parse_headers(head);
    let header = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    };
    let content_type = parse_params(header("content-type").unwrap_or(""), &BuiltIn);
    let mut mime_type = content_type.value.clone();
    if !mime_type.contains('/') {
        mime_type = if budget.digest_default {
            "message/rfc822".into()
        } else {
            "text/plain".into()
        };
    }
    let disposition = parse_params(header("content-disposition").unwrap_or(""), &BuiltIn);
    let filename = disposition
        .get("filename")
        .or_else(|| content_type.get("name"))
        .unwrap_or("")
        .to_string();
    let encoding = header("content-transfer-encoding")
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let mut part = Part {
        part_id: id.to_string(),
        mime_type: mime_type.clone(),
        filename,
        headers: headers.clone(),
        body: PartBody::default(),
        parts: Vec::new(),
        cut: false,
    };
    let child_id = |i: usize| {
        if id.is_empty() {
            i.to_string()
        } else {
            format!("{id}.{i}")
        }
    };
    if mime_type.starts_with("multipart/") {
        if depth >= super::MAX_DEPTH || budget.parts >= super::MAX_PARTS {
            budget.cut = true;
            part.cut = true;
            return part;
        }
        let Some(boundary) = content_type.get("boundary").filter(|b| !b.is_empty()) else {
            // A multipart without a boundary cannot be split; what it holds is shown as text.
            part.mime_type = "text/plain".into();
            part.body = PartBody::data(decode_transfer(body, &encoding));
            return part;
        };
        let (pieces, closed) = split_multipart(body, boundary.as_bytes());
        if !closed {
            part.cut = true;
        }
        let saved = budget.digest_default;
        budget.digest_default = mime_type == "multipart/digest";
        for (i, piece) in pieces.into_iter().enumerate() {
            if budget.parts >= super::MAX_PARTS {
                budget.cut = true;
                break;
            }
            part.parts
                .push(parse_entity(piece, &child_id(i), depth + 1, budget));
        }
        budget.digest_default = saved;
        return part;
    }
    let decoded = decode_transfer(body, &encoding);
    if mime_type == "message/rfc822" || mime_type == "message/global" {
        if depth >= super::MAX_DEPTH || budget.parts >= super::MAX_PARTS {
            budget.cut = true;
            part.cut = true;
            part.body = PartBody::data(decoded);
            return part;
        }
        let saved = budget.digest_default;
        budget.digest_default = false;
        let inner = parse_entity(&decoded, &child_id(0), depth + 1, budget);
        budget.digest_default = saved;
        part.body.size = decoded.len() as u64;
        part.parts.push(inner);
        return part;
    }
    part.body = PartBody::data(decoded);
    part
}

/// Splits at the first empty line. A message with none is all header (cut off before its body).
fn split_head(bytes: &[u8]) -> (&[u8], &[u8]) {
    let mut i = 0;
    // A message that starts with an empty line has no headers.
    if bytes.starts_with(b"\r\n") {
        return (&[], &bytes[2..]);
    }
    if bytes.starts_with(b"\n") {
        return (&[], &bytes[1..]);
    }
    while let Some(nl) = bytes[i..].iter().position(|&b| b == b'\n') {
        let next = i + nl + 1;
        let rest = &bytes[next..];
        if rest.starts_with(b"\r\n") {
            return (&bytes[..next], &bytes[next + 2..]);
        }
        if rest.starts_with(b"\n") {
            return (&bytes[..next], &bytes[next + 1..]);
        }
        i = next;
    }
    (bytes, &[])
}

/// Unfolds header lines into (name, value) pairs; lines without a colon are skipped.
pub(crate) fn parse_headers(head: &[u8]) -> Vec<(String, String)> {
    let head = &head[..head.len().min(MAX_HEADER_BYTES)];
    let mut out: Vec<(String, String)> = Vec::new();
    for line in head.split(|&b| b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() {
            continue;
        }
        let text = header_text(line);
        if line[0] == b' ' || line[0] == b'\t' {
            if let Some((_, value)) = out.last_mut() {
                value.push(' ');
                value.push_str(text.trim());
            }
            continue;
        }
        if out.len() >= MAX_HEADERS {
            break;
        }
        if let Some((name, value)) = text.split_once(':') {
            let name = name.trim();
            if !name.is_empty() && !name.contains(' ') {
                out.push((name.to_string(), value.trim().to_string()));
            }
        }
    }
    out
}

/// Header bytes as text: UTF-8 (RFC 6532) when they are, else Windows-1252, as Gmail reads 8-bit headers.
fn header_text(line: &[u8]) -> String {
    match std::str::from_utf8(line) {
        Ok(s) => s.to_string(),
        Err(_) => charset::windows_1252(line),
    }
}

/// The bodies between `--boundary` lines, and whether the closing `--boundary--` was there. The preamble and
/// epilogue are dropped.
fn split_multipart<'a>(body: &'a [u8], boundary: &[u8]) -> (Vec<&'a [u8]>, bool) {
    let mut pieces = Vec::new();
    let mut start: Option<usize> = None;
    let mut pos = 0;
    while pos <= body.len() {
        let end = body[pos..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(body.len(), |i| pos + i);
        let line = &body[pos..end];
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if let Some(rest) = line
            .strip_prefix(b"--")
            .and_then(|l| l.strip_prefix(boundary))
        {
            let rest = trim_end_ws(rest);
            if rest.is_empty() || rest == b"--" {
                if let Some(s) = start {
                    // The line break before a delimiter belongs to the delimiter.
                    let mut e = pos;
                    if e > s && body[e - 1] == b'\n' {
                        e -= 1;
                        if e > s && body[e - 1] == b'\r' {
                            e -= 1;
                        }
                    }
                    pieces.push(&body[s..e.max(s)]);
                }
                if rest == b"--" {
                    return (pieces, true);
                }
                start = Some((end + 1).min(body.len()));
            }
        }
        pos = end + 1;
    }
    if let Some(s) = start {
        pieces.push(&body[s.min(body.len())..]);
    }
    (pieces, false)
}

fn trim_end_ws(mut s: &[u8]) -> &[u8] {
    while let [rest @ .., b' ' | b'\t'] = s {
        s = rest;
    }
    s
}

/// Undoes a Content-Transfer-Encoding; 7bit, 8bit, binary and unknown ones pass through.
pub(crate) fn decode_transfer(body: &[u8], encoding: &str) -> Vec<u8> {
    match encoding {
        "base64" => base64_lenient(body).unwrap_or_default(),
        "quoted-printable" => quoted_printable(body),
        _ => body.to_vec(),
    }
}

/// Quoted-printable, leniently: `=XX` in either case, soft line breaks (`=` at the end of a line, spaces after
/// it allowed), and a lone `=` kept as it is.
pub(crate) fn quoted_printable(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len());
    let mut i = 0;
    while i < body.len() {
        let b = body[i];
        if b != b'=' {
            out.push(b);
            i += 1;
            continue;
        }
        if let (Some(&h), Some(&l)) = (body.get(i + 1), body.get(i + 2)) {
            if let Some(v) = hex_pair(h, l) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        // A soft line break: `=`, optional white space, then CRLF or LF.
        let mut j = i + 1;
        while j < body.len() && (body[j] == b' ' || body[j] == b'\t') {
            j += 1;
        }
        if body.get(j) == Some(&b'\r') && body.get(j + 1) == Some(&b'\n') {
            i = j + 2;
            continue;
        }
        if body.get(j) == Some(&b'\n') {
            i = j + 1;
            continue;
        }
        if j == body.len() {
            break;
        }
        out.push(b'=');
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_printable_is_read_leniently() {
        let check = |input: &str, want: &[u8]| assert_eq!(quoted_printable(input.as_bytes()), want);
        check("caf=C3=A9", "café".as_bytes());
        check("caf=c3=a9", "café".as_bytes());
        check("soft=\r\nbreak", b"softbreak");
        check("soft= \nbreak", b"softbreak");
        check("a = b", b"a = b");
        check("end=", b"end");
        check("=3D=", b"=");
    }

    #[test]
    fn multipart_bodies_split_at_their_boundaries() {
        let body = b"preamble\r\n--b\r\none\r\n--b \r\n\r\ntwo\r\n--b--\r\nepilogue";
        let (pieces, closed) = split_multipart(body, b"b");
        assert!(closed);
        assert_eq!(pieces, vec![&b"one"[..], &b"\r\ntwo"[..]]);
        let (pieces, closed) = split_multipart(b"--b\nonly\n--bx\nstill", b"b");
        assert!(!closed);
        assert_eq!(pieces, vec![&b"only\n--bx\nstill"[..]]);
    }

    #[test]
    fn headers_unfold_and_survive_8bit() {
        let headers = parse_headers(b"Subject: a\r\n  b\r\nX-8bit: caf\xe9\r\nbogus line\r\n");
        assert_eq!(
            headers,
            vec![
                ("Subject".to_string(), "a b".to_string()),
                ("X-8bit".to_string(), "caf\u{e9}".to_string())
            ]
        );
    }
}
