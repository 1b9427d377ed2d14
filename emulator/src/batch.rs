//! `POST /batch/gmail/v1`: multipart/mixed in and out, as Google documents it.

use std::sync::Arc;

use futures::StreamExt as _;

use crate::gmail::{self, ApiRequest};
use crate::oauth::random_token;
use crate::respond::{reason_phrase, ApiResponse, GoogleError};
use crate::state::Shared;

pub const MAX_PARTS: usize = 100;

struct Part {
    content_id: Option<String>,
    method: String,
    target: String,
    authorization: Option<String>,
    body: Vec<u8>,
}

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if needle.is_empty() || hay.len() < needle.len() {
        return None;
    }
    (from..=hay.len() - needle.len()).find(|&i| &hay[i..i + needle.len()] == needle)
}

/// Splits head and body at the first blank line (CRLF or LF).
fn split_head(data: &[u8]) -> (&[u8], &[u8]) {
    let crlf = find(data, b"\r\n\r\n", 0).map(|i| (i, 4));
    let lf = find(data, b"\n\n", 0).map(|i| (i, 2));
    let best = match (crlf, lf) {
        (Some(a), Some(b)) => Some(if a.0 <= b.0 { a } else { b }),
        (a, b) => a.or(b),
    };
    match best {
        Some((i, n)) => (&data[..i], &data[i + n..]),
        None => (data, &[]),
    }
}

fn header_lines(head: &[u8]) -> Vec<(String, String)> {
    String::from_utf8_lossy(head)
        .lines()
        .filter_map(|l| {
            l.split_once(':')
                .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        })
        .collect()
}

pub fn boundary_of(content_type: &str) -> Option<String> {
    let (mime, rest) = content_type.split_once(';')?;
    if !mime.trim().eq_ignore_ascii_case("multipart/mixed") {
        return None;
    }
    rest.split(';')
        .find_map(|p| {
            let (k, v) = p.trim().split_once('=')?;
            k.trim()
                .eq_ignore_ascii_case("boundary")
                .then(|| v.trim().trim_matches('"').to_string())
        })
        .filter(|b| !b.is_empty() && b.len() <= 200)
}

fn parse_parts(body: &[u8], boundary: &str) -> Result<Vec<Part>, String> {
    let delim = format!("--{boundary}");
    let d = delim.as_bytes();
    let mut positions = Vec::new();
    let mut from = 0;
    while let Some(i) = find(body, d, from) {
        positions.push(i);
        from = i + d.len();
    }
    if positions.is_empty() {
        return Err("no multipart boundary found in the body".into());
    }
    let mut parts = Vec::new();
    let mut closed = false;
    for w in 0..positions.len() {
        let start = positions[w] + d.len();
        if body[start..].starts_with(b"--") {
            closed = true;
            break;
        }
        let end = positions.get(w + 1).copied().unwrap_or(body.len());
        let mut chunk = &body[start..end];
        // Drop the line break after the delimiter and the one that belongs to the next delimiter.
        chunk = chunk
            .strip_prefix(b"\r\n")
            .or_else(|| chunk.strip_prefix(b"\n"))
            .unwrap_or(chunk);
        chunk = chunk
            .strip_suffix(b"\r\n")
            .or_else(|| chunk.strip_suffix(b"\n"))
            .unwrap_or(chunk);
        let (outer_head, inner) = split_head(chunk);
        let outer = header_lines(outer_head);
        let ct = outer
            .iter()
            .find(|(k, _)| k == "content-type")
            .map(|(_, v)| v.as_str())
            .unwrap_or("");
        if !ct.to_ascii_lowercase().starts_with("application/http") {
            return Err(format!("part {} is not application/http", parts.len() + 1));
        }
        let content_id = outer
            .iter()
            .find(|(k, _)| k == "content-id")
            .map(|(_, v)| v.clone());
        let (inner_head, inner_body) = split_head(inner);
        let inner_text = String::from_utf8_lossy(inner_head);
        let mut lines = inner_text.lines();
        let request_line = lines.next().unwrap_or("").trim();
        let mut words = request_line.split_whitespace();
        let (Some(method), Some(target)) = (words.next(), words.next()) else {
            return Err(format!("part {} has no request line", parts.len() + 1));
        };
        let headers: Vec<(String, String)> = lines
            .filter_map(|l| {
                l.split_once(':')
                    .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
            })
            .collect();
        parts.push(Part {
            content_id,
            method: method.to_ascii_uppercase(),
            target: target.to_string(),
            authorization: headers
                .iter()
                .find(|(k, _)| k == "authorization")
                .map(|(_, v)| v.clone()),
            body: inner_body.to_vec(),
        });
    }
    if !closed {
        return Err("the multipart body has no closing delimiter".into());
    }
    Ok(parts)
}

/// Serves a batch request; the outer `Authorization` applies to every part that names none.
pub async fn handle(
    shared: &Arc<Shared>,
    content_type: &str,
    authorization: Option<&str>,
    body: &[u8],
) -> ApiResponse {
    let fail = |m: String| GoogleError::bad_request(m).to_response(true);
    let Some(boundary) = boundary_of(content_type) else {
        return fail("Failed to parse batch request, error: the Content-Type must be multipart/mixed with a boundary".into());
    };
    let parts = match parse_parts(body, &boundary) {
        Ok(p) => p,
        Err(e) => return fail(format!("Failed to parse batch request, error: {e}")),
    };
    if parts.is_empty() {
        return fail("Failed to parse batch request, error: the batch has no parts".into());
    }
    if parts.len() > MAX_PARTS {
        return fail(format!(
            "Too many requests in batch: {} (the limit is {MAX_PARTS})",
            parts.len()
        ));
    }
    let account = {
        let st = shared.lock();
        authorization
            .and_then(|h| h.trim().get(7..))
            .and_then(|t| st.access_tokens.get(t.trim()))
            .map(|t| t.email.clone())
    };
    let fault = {
        let mut st = shared.lock();
        st.counters.batch_sizes.push(parts.len());
        if let Some(a) = &account {
            *st.counters
                .account(a)
                .requests
                .entry("batch".into())
                .or_default() += 1;
        }
        st.take_fault("batch", account.as_deref())
    };
    let mut malformed = false;
    if let Some(f) = &fault {
        if let Some(ms) = f.latency_ms {
            tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
        }
        if let Some(status) = f.status.filter(|_| !f.malformed) {
            let mut r = crate::respond::fault_error(status).to_response(true);
            if let Some(s) = f.retry_after {
                r = r.header("Retry-After", s.to_string());
            }
            return r;
        }
        malformed = f.malformed;
    }
    let out_boundary = random_token("batch_", 20);
    let parallel = shared.lock().settings.batch_concurrency.max(1);
    let mut calls = Vec::with_capacity(parts.len());
    for part in &parts {
        let target = part
            .target
            .strip_prefix("https://gmail.googleapis.com")
            .or_else(|| part.target.strip_prefix("https://www.googleapis.com"))
            .unwrap_or(&part.target);
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        calls.push(gmail::handle(
            shared,
            ApiRequest {
                method: &part.method,
                path,
                query,
                authorization: part.authorization.as_deref().or(authorization),
                content_type: None,
                body: &part.body,
            },
        ));
    }
    // `buffered` keeps the answers in request order whatever order they finish in.
    let responses: Vec<ApiResponse> = futures::stream::iter(calls)
        .buffered(parallel)
        .collect()
        .await;
    let mut out = Vec::new();
    for (part, resp) in parts.iter().zip(responses) {
        out.extend_from_slice(
            format!("--{out_boundary}\r\nContent-Type: application/http\r\n").as_bytes(),
        );
        if let Some(id) = &part.content_id {
            let inner = id.trim().trim_start_matches('<').trim_end_matches('>');
            out.extend_from_slice(format!("Content-ID: <response-{inner}>\r\n").as_bytes());
        }
        out.extend_from_slice(
            format!(
                "\r\nHTTP/1.1 {} {}\r\n",
                resp.status,
                reason_phrase(resp.status)
            )
            .as_bytes(),
        );
        for (k, v) in &resp.headers {
            out.extend_from_slice(format!("{k}: {v}\r\n").as_bytes());
        }
        out.extend_from_slice(b"Vary: Origin\r\nVary: X-Origin\r\nVary: Referer\r\n");
        out.extend_from_slice(format!("Content-Length: {}\r\n\r\n", resp.body.len()).as_bytes());
        out.extend_from_slice(&resp.body);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(format!("--{out_boundary}--\r\n").as_bytes());
    if malformed {
        // Cut the body in the middle of a part: no closing delimiter, half a JSON document.
        out.truncate(out.len() / 2);
    }
    ApiResponse {
        status: 200,
        headers: vec![(
            "Content-Type".into(),
            format!("multipart/mixed; boundary={out_boundary}"),
        )],
        body: out,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_parts_with_crlf_and_lf() {
        let body = "--B\r\nContent-Type: application/http\r\nContent-ID: <item1>\r\n\r\nGET /gmail/v1/users/me/profile\r\n\r\n--B\nContent-Type: application/http\n\nPOST /gmail/v1/users/me/messages/1/modify HTTP/1.1\nContent-Type: application/json\n\n{\"addLabelIds\":[\"STARRED\"]}\n--B--\r\n";
        let parts = parse_parts(body.as_bytes(), "B").unwrap();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].content_id.as_deref(), Some("<item1>"));
        assert_eq!(parts[0].method, "GET");
        assert_eq!(parts[1].body, b"{\"addLabelIds\":[\"STARRED\"]}");
    }

    #[test]
    fn rejects_broken_multipart() {
        for body in [
            "",
            "--B\r\n\r\nGET /x\r\n",
            "--B\r\nContent-Type: text/plain\r\n\r\nGET /x\r\n--B--",
            "--B\r\nContent-Type: application/http\r\n\r\n\r\n--B--",
        ] {
            assert!(parse_parts(body.as_bytes(), "B").is_err(), "{body:?}");
        }
        assert_eq!(
            boundary_of("multipart/mixed; boundary=\"abc\"").as_deref(),
            Some("abc")
        );
        assert_eq!(boundary_of("application/json"), None);
    }
}
