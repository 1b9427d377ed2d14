//! Gmail's batch endpoint: many calls in one `multipart/mixed` HTTP request (`POST {base}/batch/gmail/v1`).
//!
//! Each part is `application/http` with `Content-ID: <item-N>`; the response's parts carry
//! `Content-ID: <response-item-N>` and a whole inner HTTP response. The parser is liberal in spelling (LF or
//! CRLF, `response-item-N` with or without angle brackets, `response-<item-N>`) and strict in structure: a
//! delimiter counts only at the start of a line (RFC 2046), so `--boundary` inside a body is text, and a part
//! is placed only by a Content-ID naming one of the calls. A part without one, or naming no call, or naming a
//! call already answered, is dropped: placing it by position could hand one call another call's answer.

use crate::env::header;

/// The most calls Gmail accepts in one batch.
pub const MAX_BATCH_PARTS: usize = 100;
/// Google recommends no more than 50 calls per batch; gmux keeps to that.
pub const PREFERRED_BATCH_PARTS: usize = 50;

/// One call inside a batch. `path` is everything after the host: `/gmail/v1/users/me/threads/ID?format=..`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchCall {
    pub method: String,
    pub path: String,
    /// A JSON body, for POST calls.
    pub body: Option<Vec<u8>>,
}

impl BatchCall {
    pub fn get(path: impl Into<String>) -> Self {
        BatchCall {
            method: "GET".into(),
            path: path.into(),
            body: None,
        }
    }
}

/// One call's answer.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BatchPart {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// Builds a batch request body and its `Content-Type`.
pub fn encode(calls: &[BatchCall], boundary: &str) -> (String, Vec<u8>) {
    let mut out = String::new();
    for (i, call) in calls.iter().enumerate() {
        out.push_str(&format!("--{boundary}\r\n"));
        out.push_str("Content-Type: application/http\r\n");
        out.push_str(&format!("Content-ID: <item-{}>\r\n\r\n", i + 1));
        out.push_str(&format!("{} {}\r\n", call.method, call.path));
        match &call.body {
            Some(body) => {
                out.push_str("Content-Type: application/json\r\n");
                out.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
                out.push_str(&String::from_utf8_lossy(body));
                out.push_str("\r\n");
            }
            None => out.push_str("\r\n"),
        }
    }
    out.push_str(&format!("--{boundary}--\r\n"));
    (
        format!("multipart/mixed; boundary={boundary}"),
        out.into_bytes(),
    )
}

/// Why a batch response could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BatchDecodeError {
    #[error("batch response has no multipart boundary")]
    NoBoundary,
    #[error("batch response part {0} is not an HTTP response")]
    BadPart(usize),
    #[error("batch response ends before its closing delimiter")]
    Truncated,
}

/// The boundary parameter of a `multipart/*` Content-Type.
pub fn boundary_of(content_type: &str) -> Option<String> {
    content_type.split(';').skip(1).find_map(|param| {
        let (k, v) = param.split_once('=')?;
        if k.trim().eq_ignore_ascii_case("boundary") {
            let v = v.trim().trim_matches('"');
            (!v.is_empty()).then(|| v.to_string())
        } else {
            None
        }
    })
}

/// Parses a batch response into one answer per call, in call order. A call with no answer gets `None`.
pub fn decode(
    content_type: &str,
    body: &[u8],
    calls: usize,
) -> Result<Vec<Option<BatchPart>>, BatchDecodeError> {
    let boundary = boundary_of(content_type).ok_or(BatchDecodeError::NoBoundary)?;
    let text = String::from_utf8_lossy(body);
    let (chunks, closed) = split_parts(&text, &format!("--{boundary}"));
    // Without the closing delimiter the answer was cut off, and its last part may be too.
    if !closed {
        return Err(BatchDecodeError::Truncated);
    }
    let mut answers: Vec<Option<BatchPart>> = vec![None; calls];
    for (i, chunk) in chunks.into_iter().enumerate() {
        let n = i + 1;
        let (part_headers, inner) = split_head(chunk).ok_or(BatchDecodeError::BadPart(n))?;
        let part_headers = parse_headers(part_headers);
        let part = parse_http_response(inner).ok_or(BatchDecodeError::BadPart(n))?;
        match header(&part_headers, "content-id").and_then(content_id_index) {
            Some(i) if i >= 1 && i <= calls && answers[i - 1].is_none() => {
                answers[i - 1] = Some(part)
            }
            _ => {}
        }
    }
    Ok(answers)
}

/// Whether `line` (without its line break) is a delimiter line: the delimiter, then only transport padding
/// (spaces and tabs); `Some(true)` for the closing one, which is followed by `--`.
fn delimiter_line(line: &str, delimiter: &str) -> Option<bool> {
    let rest = line.strip_prefix(delimiter)?;
    if rest.starts_with("--") {
        return Some(true);
    }
    rest.trim_matches([' ', '\t', '\r'])
        .is_empty()
        .then_some(false)
}

/// The text of each part between delimiter lines (the preamble and epilogue dropped, the line break before a
/// delimiter given to the delimiter), and whether the closing delimiter came.
fn split_parts<'a>(text: &'a str, delimiter: &str) -> (Vec<&'a str>, bool) {
    let mut parts = Vec::new();
    let mut part_start: Option<usize> = None;
    let mut pos = 0;
    for line in text.split_inclusive('\n') {
        let line_start = pos;
        pos += line.len();
        let Some(closing) = delimiter_line(line.trim_end_matches(['\r', '\n']), delimiter) else {
            continue;
        };
        if let Some(start) = part_start {
            let chunk = &text[start..line_start];
            let chunk = chunk
                .strip_suffix("\r\n")
                .or_else(|| chunk.strip_suffix('\n'))
                .unwrap_or(chunk);
            parts.push(chunk);
        }
        if closing {
            return (parts, true);
        }
        part_start = Some(pos);
    }
    (parts, false)
}

/// `N` from `<response-item-N>`, `response-item-N`, `response-<item-N>` or `<item-N>`.
fn content_id_index(id: &str) -> Option<usize> {
    let id = id.trim().trim_start_matches('<').trim_end_matches('>');
    let id = id.strip_prefix("response-").unwrap_or(id);
    let id = id.trim_start_matches('<').trim_end_matches('>');
    let digits = id
        .strip_prefix("item-")
        .or_else(|| id.strip_prefix("item"))?;
    digits.trim().parse().ok()
}

/// Splits at the first blank line (CRLF CRLF or LF LF).
fn split_head(s: &str) -> Option<(&str, &str)> {
    let crlf = s.find("\r\n\r\n").map(|i| (i, 4));
    let lf = s.find("\n\n").map(|i| (i, 2));
    let (i, len) = match (crlf, lf) {
        (Some(a), Some(b)) => {
            if a.0 <= b.0 {
                a
            } else {
                b
            }
        }
        (a, b) => a.or(b)?,
    };
    Some((&s[..i], &s[i + len..]))
}

fn parse_headers(block: &str) -> Vec<(String, String)> {
    block
        .lines()
        .filter_map(|line| {
            let (k, v) = line.split_once(':')?;
            Some((k.trim().to_string(), v.trim().to_string()))
        })
        .collect()
}

fn parse_http_response(inner: &str) -> Option<BatchPart> {
    let inner = inner.trim_start_matches(['\r', '\n']);
    let (head, body) = match split_head(inner) {
        Some(parts) => parts,
        None => (inner.trim_end(), ""),
    };
    let mut lines = head.lines();
    let status_line = lines.next()?;
    let mut words = status_line.split_whitespace();
    if !words.next()?.starts_with("HTTP/") {
        return None;
    }
    let status: u16 = words.next()?.parse().ok()?;
    let headers = parse_headers(&lines.collect::<Vec<_>>().join("\n"));
    // The part's body runs to the next delimiter; the line break before it belongs to the delimiter.
    let body = body.trim_end_matches(['\r', '\n']);
    Some(BatchPart {
        status,
        headers,
        body: body.as_bytes().to_vec(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_parts_with_content_ids_and_bodies() {
        let calls = [
            BatchCall::get("/gmail/v1/users/me/threads/abc?format=metadata"),
            BatchCall {
                method: "POST".into(),
                path: "/gmail/v1/users/me/threads/abc/modify".into(),
                body: Some(br#"{"removeLabelIds":["UNREAD"]}"#.to_vec()),
            },
        ];
        let (ct, body) = encode(&calls, "b0");
        assert_eq!(ct, "multipart/mixed; boundary=b0");
        let body = String::from_utf8(body).unwrap();
        assert_eq!(
            body,
            include_str!("../tests/fixtures/batch-request.txt").replace('\n', "\r\n")
        );
    }

    #[test]
    fn decodes_a_recorded_crlf_response_with_per_part_status() {
        let raw = include_str!("../tests/fixtures/batch-response.txt").replace('\n', "\r\n");
        let parts = decode("multipart/mixed; boundary=batch_XyZ", raw.as_bytes(), 3).unwrap();
        let parts: Vec<BatchPart> = parts.into_iter().map(Option::unwrap).collect();
        assert_eq!(
            parts.iter().map(|p| p.status).collect::<Vec<_>>(),
            [200, 404, 429]
        );
        let v: serde_json::Value = serde_json::from_slice(&parts[0].body).unwrap();
        assert_eq!(v["id"], "aaa0000000000001");
        assert_eq!(header(&parts[2].headers, "retry-after"), Some("2"));
    }

    #[test]
    fn decodes_lf_only_and_every_content_id_spelling_out_of_order() {
        let raw = "preamble\n--b\nContent-Type: application/http\nContent-ID: response-<item-2>\n\nHTTP/1.1 200 OK\nContent-Type: application/json\n\n{\"n\":2}\n--b\nContent-Type: application/http\nContent-ID: response-item-1\n\nHTTP/1.1 200 OK\n\n{\"n\":1}\n--b\nContent-Type: application/http\n\nHTTP/1.1 204 No Content\n\n--b--\nepilogue";
        let parts = decode("multipart/mixed; boundary=\"b\"", raw.as_bytes(), 4).unwrap();
        assert_eq!(parts[0].as_ref().unwrap().body, b"{\"n\":1}");
        assert_eq!(parts[1].as_ref().unwrap().body, b"{\"n\":2}");
        // The unlabelled part is dropped, never given to a call by its position.
        assert!(parts[2].is_none());
        assert!(parts[3].is_none());
    }

    /// One part per call, each labelled `ids[k]`, with `body` as the first one's body.
    fn response(ids: &[&str], first_body: &str) -> String {
        let mut out = String::new();
        for (k, id) in ids.iter().enumerate() {
            let body = if k == 0 {
                first_body.to_string()
            } else {
                format!("{{\"k\":{k}}}")
            };
            out.push_str(&format!(
                "--b\r\nContent-Type: application/http\r\nContent-ID: {id}\r\n\r\nHTTP/1.1 200 OK\r\n\r\n{body}\r\n"
            ));
        }
        out.push_str("--b--\r\n");
        out
    }

    #[test]
    fn a_delimiter_counts_only_at_the_start_of_a_line() {
        let body = "{\"snippet\":\"see --b and --b-- here\"}\r\n--bb not ours\r\n  --b indented";
        let raw = response(&["<response-item-1>", "<response-item-2>"], body);
        let parts = decode("multipart/mixed; boundary=b", raw.as_bytes(), 2).unwrap();
        assert_eq!(parts[0].as_ref().unwrap().body, body.as_bytes());
        assert_eq!(parts[1].as_ref().unwrap().body, b"{\"k\":1}");
        // Transport padding after a delimiter is allowed.
        let padded = raw.replace("--b\r\n", "--b \t\r\n");
        assert_eq!(
            decode("multipart/mixed; boundary=b", padded.as_bytes(), 2).unwrap(),
            parts
        );
        // A closing delimiter only mid-line is no closing delimiter.
        let cut = "--b\r\nContent-ID: <response-item-1>\r\n\r\nHTTP/1.1 200 OK\r\n\r\nx --b--\r\n";
        assert_eq!(
            decode("multipart/mixed; boundary=b", cut.as_bytes(), 1),
            Err(BatchDecodeError::Truncated)
        );
    }

    #[test]
    fn a_part_whose_content_id_names_no_call_is_dropped() {
        fn check(ids: &[&str], calls: usize, placed: &[Option<usize>]) {
            let raw = response(ids, "{\"k\":0}");
            let parts = decode("multipart/mixed; boundary=b", raw.as_bytes(), calls).unwrap();
            let got: Vec<Option<usize>> = parts
                .iter()
                .map(|p| {
                    p.as_ref().map(|p| {
                        let v: serde_json::Value = serde_json::from_slice(&p.body).unwrap();
                        v["k"].as_u64().unwrap() as usize
                    })
                })
                .collect();
            assert_eq!(got, placed, "{ids:?}");
        }
        // Out of range, zero, unknown spelling, missing: never placed by position.
        check(
            &["<response-item-3>", "<response-item-1>"],
            2,
            &[Some(1), None],
        );
        check(
            &["<response-item-0>", "<response-item-2>"],
            2,
            &[None, Some(1)],
        );
        check(&["<response-foo>", "whatever"], 2, &[None, None]);
        check(&["", "<response-item-2>"], 2, &[None, Some(1)]);
        // A second answer for the same call does not displace the first or land elsewhere.
        check(
            &["<response-item-1>", "<response-item-1>"],
            2,
            &[Some(0), None],
        );
    }

    #[test]
    fn a_response_cut_off_before_its_closing_delimiter_is_an_error() {
        let raw = include_str!("../tests/fixtures/batch-response.txt");
        let cut = &raw[..raw.len() / 2];
        assert_eq!(
            decode("multipart/mixed; boundary=batch_XyZ", cut.as_bytes(), 3),
            Err(BatchDecodeError::Truncated)
        );
    }

    #[test]
    fn content_id_spellings() {
        for (id, want) in [
            ("<response-item-7>", Some(7)),
            ("response-item-7", Some(7)),
            ("response-<item-7>", Some(7)),
            ("<response-item7>", Some(7)),
            ("<item-3>", Some(3)),
            ("whatever", None),
        ] {
            assert_eq!(content_id_index(id), want, "{id}");
        }
    }

    #[test]
    fn rejects_responses_without_boundary_or_http() {
        assert_eq!(
            decode("application/json", b"{}", 1),
            Err(BatchDecodeError::NoBoundary)
        );
        let raw = "--b\r\nContent-ID: <response-item-1>\r\n\r\nnot http\r\n--b--";
        assert_eq!(
            decode("multipart/mixed; boundary=b", raw.as_bytes(), 1),
            Err(BatchDecodeError::BadPart(1))
        );
    }

    #[test]
    fn encode_then_decode_is_consistent_for_a_full_batch() {
        // A fake server answers each encoded part in order; the decoder must map them back.
        let calls: Vec<_> = (0..PREFERRED_BATCH_PARTS)
            .map(|i| BatchCall::get(format!("/t/{i}")))
            .collect();
        let (_, body) = encode(&calls, "x");
        let body = String::from_utf8(body).unwrap();
        assert_eq!(
            body.matches("Content-ID: <item-").count(),
            PREFERRED_BATCH_PARTS
        );
        let mut resp = String::new();
        for i in (0..calls.len()).rev() {
            resp.push_str(&format!(
                "--r\r\nContent-Type: application/http\r\nContent-ID: <response-item-{}>\r\n\r\nHTTP/1.1 200 OK\r\n\r\n{i}\r\n",
                i + 1
            ));
        }
        resp.push_str("--r--\r\n");
        let parts = decode("multipart/mixed; boundary=r", resp.as_bytes(), calls.len()).unwrap();
        for (i, p) in parts.iter().enumerate() {
            assert_eq!(p.as_ref().unwrap().body, i.to_string().as_bytes());
        }
    }
}
