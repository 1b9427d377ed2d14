//! The client's multipart batch parser (`gmux_gmail::batch::decode`).
//!
//! A corpus file is the response as the client sees it: the first line is the `Content-Type` header, the
//! second the number of calls the batch carried, the rest the body. Properties:
//! - it returns answers or a typed error, never panics or hangs;
//! - `NoBoundary` exactly when the Content-Type has no boundary; `BadPart(n)` names a part that exists;
//! - an answer list has one slot per call and no more parts than the body has delimiter lines, and only
//!   comes from a body with its closing delimiter line (a delimiter counts only at the start of a line);
//! - no part's body holds a delimiter line or ends in a line break (the break belongs to the delimiter);
//! - re-encoding the answers the way Google does and parsing again gives the same answers;
//! - the encoder's requests read back, byte for byte, as the calls they carry (ids with markup, unicode,
//!   bodies with line breaks and boundary-like text), and `Content-Length` is the body's length;
//! - a response generated from known parts (any Content-ID spelling, LF or CRLF, preamble, epilogue,
//!   quoted boundary, parts out of order, the delimiter inside a body's line) parses back to exactly those
//!   parts, and parts without a Content-ID naming a call are dropped, never placed by position.

use gmux_fuzz::{signature, Settings, Target, Verdict};
use gmux_gmail::batch::{
    boundary_of, decode, encode, BatchCall, BatchDecodeError, BatchPart, MAX_BATCH_PARTS,
};
use gmux_gmail::client::encode_component;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const DICTIONARY: &[&[u8]] = &[
    b"--",
    b"\r\n",
    b"\n",
    b"\r\n\r\n",
    b"\n\n",
    b"--batch_XyZ",
    b"--batch_XyZ--",
    b"Content-Type: application/http\r\n",
    b"Content-ID: <response-item-1>\r\n",
    b"Content-ID: response-<item-2>\n",
    b"Content-ID: <response-item-0>\r\n",
    b"Content-ID: <response-item-18446744073709551616>\r\n",
    b"Content-ID: <item-99>\r\n",
    b"HTTP/1.1 200 OK\r\n",
    b"HTTP/1.1 429 Too Many Requests\r\nRetry-After: 2\r\n",
    b"HTTP/1.1 99999 Big\r\n",
    b"HTTP/1.1 -1 Neg\r\n",
    b"HTTP/2 204\n",
    b"HTTP/",
    b"multipart/mixed; boundary=",
    b"; boundary=\"\"",
    b"; boundary=\"q\"",
    b"; BOUNDARY=b",
    b"Content-Length: 99999999999\r\n",
    b"{\"error\":{\"code\":404,\"message\":\"Requested entity was not found.\"}}",
];

pub const TARGET: Target = Target {
    name: "batch",
    check,
    dictionary: DICTIONARY,
    structured: None,
    generate: Some(|rng| generate(rng).input),
    max_len: 1 << 20,
};

#[test]
fn batch() {
    generated_responses_parse_to_their_parts();
    encoded_requests_read_back_as_their_calls();
    super::fuzz(TARGET);
}

/// Splits a corpus input into the Content-Type, the number of calls and the body. The call count is
/// capped: the client never batches more than Gmail allows, so a huge one is not a case worth allocating.
fn split_input(input: &[u8]) -> (String, usize, &[u8]) {
    let (ct, rest) = split_line(input);
    let (calls, body) = split_line(rest);
    let calls = String::from_utf8_lossy(calls)
        .trim()
        .parse::<usize>()
        .unwrap_or(3)
        .min(2 * MAX_BATCH_PARTS);
    (String::from_utf8_lossy(ct).into_owned(), calls, body)
}

fn split_line(input: &[u8]) -> (&[u8], &[u8]) {
    match input.iter().position(|&b| b == b'\n') {
        Some(i) => (&input[..i], &input[i + 1..]),
        None => (input, &[]),
    }
}

fn check(input: &[u8]) -> Verdict {
    let (content_type, calls, body) = split_input(input);
    let result = decode(&content_type, body, calls);
    let Some(boundary) = boundary_of(&content_type) else {
        return match result {
            Err(BatchDecodeError::NoBoundary) => Ok(signature("no boundary")),
            other => Err(format!(
                "no boundary in {content_type:?} but decode gave {other:?}"
            )),
        };
    };
    let text = String::from_utf8_lossy(body);
    let delimiter = format!("--{boundary}");
    let (delimiters, closing) = delimiter_lines(&text, &delimiter);
    match result {
        Err(BatchDecodeError::NoBoundary) => Err(format!(
            "decode says no boundary but the Content-Type has {boundary:?}"
        )),
        Err(BatchDecodeError::BadPart(n)) if n == 0 || n > delimiters => Err(format!(
            "BadPart({n}) but the body has {delimiters} delimiters"
        )),
        Err(BatchDecodeError::BadPart(n)) => Ok(signature(("bad part", n.min(4)))),
        Err(BatchDecodeError::Truncated) => Ok(signature(("truncated", delimiters.min(4)))),
        Ok(answers) => {
            if answers.len() != calls {
                return Err(format!("{} answers for {calls} calls", answers.len()));
            }
            if !closing {
                return Err("answers from a body without its closing delimiter line".into());
            }
            let placed = answers.iter().flatten().count();
            if placed + 1 > delimiters {
                return Err(format!(
                    "{placed} parts from a body with {delimiters} delimiters"
                ));
            }
            for part in answers.iter().flatten() {
                let body = String::from_utf8_lossy(&part.body);
                if delimiter_lines(&body, &delimiter).0 > 0 {
                    return Err(format!("a part's body holds a delimiter line: {body:?}"));
                }
                if body.ends_with(['\r', '\n']) {
                    return Err(format!("a part's body ends in a line break: {body:?}"));
                }
            }
            if let Some(why) = reencoded_differs(&boundary, &answers) {
                return Err(why);
            }
            let statuses: Vec<u16> = answers.iter().flatten().map(|p| p.status).collect();
            Ok(signature((
                "ok",
                placed.min(8),
                calls.min(8),
                statuses.iter().map(|s| s / 100).collect::<Vec<_>>(),
                answers.iter().map(Option::is_some).collect::<Vec<_>>(),
            )))
        }
    }
}

/// How many lines of `text` are delimiter lines (RFC 2046: the delimiter at the start of a line, then only
/// spaces and tabs, or `--` for the closing one), and whether a closing one is among them. Read here on its
/// own, not with the decoder's code.
fn delimiter_lines(text: &str, delimiter: &str) -> (usize, bool) {
    let mut count = 0;
    let mut closing = false;
    for line in text.split('\n') {
        let line = line.strip_suffix('\r').unwrap_or(line);
        let Some(rest) = line.strip_prefix(delimiter) else {
            continue;
        };
        if rest.starts_with("--") {
            count += 1;
            closing = true;
        } else if rest.chars().all(|c| c == ' ' || c == '\t' || c == '\r') {
            count += 1;
        }
    }
    (count, closing)
}

/// Writes the answers as Google would (CRLF, `<response-item-N>`), parses that, and says how the two
/// readings differ, if they do.
fn reencoded_differs(boundary: &str, answers: &[Option<BatchPart>]) -> Option<String> {
    if boundary.contains(['\r', '\n']) {
        return None;
    }
    let mut out = String::new();
    for (i, part) in answers.iter().enumerate() {
        let Some(part) = part else { continue };
        out.push_str(&format!(
            "--{boundary}\r\nContent-Type: application/http\r\nContent-ID: <response-item-{}>\r\n\r\nHTTP/1.1 {} X\r\n",
            i + 1,
            part.status
        ));
        for (k, v) in &part.headers {
            out.push_str(&format!("{k}:{v}\r\n"));
        }
        out.push_str("\r\n");
        out.push_str(&String::from_utf8_lossy(&part.body));
        out.push_str("\r\n");
    }
    out.push_str(&format!("--{boundary}--\r\n"));
    // A boundary that also occurs inside a header or a status line makes this writing ambiguous; that is
    // this encoder's limit, not the decoder's.
    let delimiter = format!("--{boundary}");
    if delimiter_lines(&out, &delimiter).0 != answers.iter().flatten().count() + 1 {
        return None;
    }
    let again = decode(
        &format!("multipart/mixed; boundary=\"{boundary}\""),
        out.as_bytes(),
        answers.len(),
    );
    match again {
        Ok(again) if again == answers => None,
        other => Some(format!(
            "re-encoded answers read differently: first {answers:?}, then {other:?}"
        )),
    }
}

/// A response built from known parts, and what decoding it must give.
pub struct Generated {
    pub input: Vec<u8>,
    pub calls: usize,
    pub expected: Vec<Option<BatchPart>>,
}

const BOUNDARY_CHARS: &[u8] = b"abcXYZ0189_-.+=/:' ";

/// Builds a response the decoder must read exactly: parts answer a random subset of the calls, in a
/// shuffled order, labelled with any Content-ID spelling Google or a proxy uses; among them parts the
/// decoder must drop (no Content-ID, one naming no call, a second answer to a call already answered).
pub fn generate(rng: &mut StdRng) -> Generated {
    let boundary: String = {
        let len = rng.gen_range(1..40);
        let mut b: String = (0..len)
            .map(|_| BOUNDARY_CHARS[rng.gen_range(0..BOUNDARY_CHARS.len())] as char)
            .collect();
        // Whitespace at the ends is trimmed from the header, so a real boundary does not have it.
        b = b.trim().to_string();
        if b.is_empty() {
            b.push('b');
        }
        b
    };
    let nl = if rng.gen_bool(0.5) { "\r\n" } else { "\n" };
    let calls = rng.gen_range(0..=12usize);
    let mut slots: Vec<usize> = (0..calls).filter(|_| rng.gen_bool(0.8)).collect();
    for i in (1..slots.len()).rev() {
        slots.swap(i, rng.gen_range(0..=i));
    }
    let mut expected: Vec<Option<BatchPart>> = vec![None; calls];
    let mut out = String::new();
    if rng.gen_bool(0.3) {
        out.push_str(&format!("This is a preamble.{nl}"));
    }
    let spell = |rng: &mut StdRng, n: usize| {
        [
            format!("<response-item-{n}>"),
            format!("response-item-{n}"),
            format!("response-<item-{n}>"),
            format!("<response-item{n}>"),
            format!("<item-{n}>"),
        ][rng.gen_range(0..5)]
        .clone()
    };
    // (slot it answers, Content-ID, part); a slot of None is a part the decoder must drop.
    let mut parts: Vec<(Option<usize>, Option<String>, BatchPart)> = Vec::new();
    for &slot in &slots {
        let id = spell(rng, slot + 1);
        parts.push((Some(slot), Some(id), random_part(rng, &boundary)));
    }
    for _ in 0..rng.gen_range(0..=3usize) {
        let id = match rng.gen_range(0..4) {
            0 => None,
            1 => {
                let beyond = calls + 1 + rng.gen_range(0..5);
                Some(spell(rng, beyond))
            }
            2 => Some(spell(rng, 0)),
            _ => Some("<unrelated@example.com>".to_string()),
        };
        let at = rng.gen_range(0..=parts.len());
        parts.insert(at, (None, id, random_part(rng, &boundary)));
    }
    // A second answer to a call already answered comes after the first and is dropped.
    if let Some(&slot) = slots.first() {
        if rng.gen_bool(0.2) {
            parts.push((
                None,
                Some(spell(rng, slot + 1)),
                random_part(rng, &boundary),
            ));
        }
    }
    for (slot, id, part) in &parts {
        if let Some(at) = slot {
            expected[*at] = Some(part.clone());
        }
        out.push_str(&format!(
            "--{boundary}{nl}Content-Type: application/http{nl}"
        ));
        if let Some(id) = id {
            out.push_str(&format!("Content-ID: {id}{nl}"));
        }
        out.push_str(&format!("{nl}HTTP/1.1 {} Reason{nl}", part.status));
        for (k, v) in &part.headers {
            out.push_str(&format!("{k}: {v}{nl}"));
        }
        out.push_str(nl);
        out.push_str(&String::from_utf8_lossy(&part.body));
        out.push_str(nl);
    }
    out.push_str(&format!("--{boundary}--{nl}"));
    if rng.gen_bool(0.3) {
        out.push_str(&format!("epilogue --{boundary} ignored{nl}"));
    }
    let quoted = if rng.gen_bool(0.5) {
        format!("\"{boundary}\"")
    } else {
        boundary.clone()
    };
    let content_type = format!("multipart/mixed; boundary={quoted}");
    let input = format!("{content_type}\n{calls}\n{out}").into_bytes();
    Generated {
        input,
        calls,
        expected,
    }
}

fn random_part(rng: &mut StdRng, boundary: &str) -> BatchPart {
    let status = [200, 204, 400, 401, 403, 404, 429, 500, 503][rng.gen_range(0..9)];
    let mut headers = vec![(
        "Content-Type".to_string(),
        "application/json; charset=UTF-8".to_string(),
    )];
    if rng.gen_bool(0.3) {
        headers.push(("Retry-After".into(), rng.gen_range(0..100).to_string()));
    }
    if rng.gen_bool(0.3) {
        headers.push(("Vary".into(), "Origin".into()));
    }
    const PIECES: &[&str] = &[
        "{\"id\":\"18c1f2a3b4c5d6e7\"}",
        "{\n  \"historyId\": \"1300\"\n}",
        "\n\nblank lines inside\n\n",
        "--not-the-boundary",
        "HTTP/1.1 200 OK",
        "Content-ID: <response-item-3>",
        "é😀",
        "&lt;script&gt;",
        " ",
        "\r\n",
    ];
    let mut body = String::new();
    for _ in 0..rng.gen_range(0..5) {
        body.push_str(PIECES[rng.gen_range(0..PIECES.len())]);
    }
    // The decoder gives a part's body without the line break before the next delimiter, and a body never
    // holds its own boundary at a line start (the sender picks one that does not occur); inside a line it is
    // plain text.
    let delimiter = format!("--{boundary}");
    while body.contains(&delimiter) {
        body = body.replace(&delimiter, "");
    }
    if rng.gen_bool(0.2) {
        body.push_str(&format!(
            "{{\"snippet\":\"mid-line {delimiter} and {delimiter}-- are text\"}}"
        ));
    }
    let body = body.trim_end_matches(['\r', '\n']).to_string();
    BatchPart {
        status,
        headers,
        body: body.into_bytes(),
    }
}

/// Known parts in, the same parts out: an oracle the mutation loop cannot give.
fn generated_responses_parse_to_their_parts() {
    let settings = Settings::from_env();
    let mut rng = StdRng::seed_from_u64(settings.seed ^ 0xba7c);
    for case in 0..3000 {
        let g = generate(&mut rng);
        let (content_type, calls, body) = split_input(&g.input);
        assert_eq!(calls, g.calls);
        let got = decode(&content_type, body, calls);
        assert_eq!(
            got.as_ref(),
            Ok(&g.expected),
            "case {case} (GMUX_FUZZ_SEED={}): {}",
            settings.seed,
            String::from_utf8_lossy(&g.input)
        );
    }
}

/// The request side of the codec: what `encode` writes must carry exactly the calls it was given. Read
/// strictly, the way Google documents the format, not with the liberal response reader.
fn encoded_requests_read_back_as_their_calls() {
    let settings = Settings::from_env();
    let mut rng = StdRng::seed_from_u64(settings.seed ^ 0xe4c0);
    const IDS: &[&str] = &[
        "18c1f2a3b4c5d6e7",
        "<b>x</b>",
        "a b&c=d",
        "é😀",
        "--gmux",
        "\r\n",
        "%2F",
        "",
    ];
    const BODIES: &[&str] = &[
        r#"{"removeLabelIds":["UNREAD"]}"#,
        r#"{"addLabelIds":["STARRED"],"removeLabelIds":[]}"#,
        "{\n  \"pretty\": true\r\n}\r\n\r\n",
        "--gmux_batch_0000000000000000",
        "",
        "é😀",
    ];
    for case in 0..2000 {
        let boundary = format!("gmux_batch_{:016x}", rng.gen::<u64>());
        let calls: Vec<BatchCall> = (0..rng.gen_range(0..=MAX_BATCH_PARTS))
            .map(|_| {
                let id = encode_component(IDS[rng.gen_range(0..IDS.len())]);
                if rng.gen_bool(0.5) {
                    BatchCall::get(format!("/gmail/v1/users/me/threads/{id}?format=metadata"))
                } else {
                    BatchCall {
                        method: "POST".into(),
                        path: format!("/gmail/v1/users/me/threads/{id}/modify"),
                        body: Some(BODIES[rng.gen_range(0..BODIES.len())].as_bytes().to_vec()),
                    }
                }
            })
            .collect();
        let (content_type, body) = encode(&calls, &boundary);
        assert_eq!(
            boundary_of(&content_type).as_deref(),
            Some(boundary.as_str())
        );
        let read = read_request(&body, &boundary)
            .unwrap_or_else(|why| panic!("case {case} (GMUX_FUZZ_SEED={}): {why}", settings.seed));
        assert_eq!(
            read, calls,
            "case {case} (GMUX_FUZZ_SEED={})",
            settings.seed
        );
    }
}

/// Reads a batch request strictly: each part's headers, its request line, and a body of exactly
/// `Content-Length` bytes.
pub fn read_request(body: &[u8], boundary: &str) -> Result<Vec<BatchCall>, String> {
    let mut rest = body;
    let mut calls = Vec::new();
    let take = |rest: &mut &[u8], want: &[u8]| -> Result<(), String> {
        match rest.strip_prefix(want) {
            Some(r) => {
                *rest = r;
                Ok(())
            }
            None => Err(format!(
                "expected {:?} at {:?}",
                String::from_utf8_lossy(want),
                String::from_utf8_lossy(&rest[..rest.len().min(80)])
            )),
        }
    };
    let line = |rest: &mut &[u8]| -> Result<String, String> {
        let end = rest
            .windows(2)
            .position(|w| w == b"\r\n")
            .ok_or("a line without CRLF")?;
        let text = String::from_utf8(rest[..end].to_vec()).map_err(|e| e.to_string())?;
        *rest = &rest[end + 2..];
        Ok(text)
    };
    loop {
        if rest == format!("--{boundary}--\r\n").as_bytes() {
            return Ok(calls);
        }
        take(&mut rest, format!("--{boundary}\r\n").as_bytes())?;
        take(&mut rest, b"Content-Type: application/http\r\n")?;
        take(
            &mut rest,
            format!("Content-ID: <item-{}>\r\n\r\n", calls.len() + 1).as_bytes(),
        )?;
        let request_line = line(&mut rest)?;
        let (method, path) = request_line
            .split_once(' ')
            .ok_or("a request line without a space")?;
        let header = line(&mut rest)?;
        let body = if header.is_empty() {
            None
        } else {
            if header != "Content-Type: application/json" {
                return Err(format!("unexpected header {header:?}"));
            }
            let length: usize = line(&mut rest)?
                .strip_prefix("Content-Length: ")
                .and_then(|n| n.parse().ok())
                .ok_or("no Content-Length")?;
            take(&mut rest, b"\r\n")?;
            if rest.len() < length {
                return Err(format!("Content-Length {length} runs past the end"));
            }
            let body = rest[..length].to_vec();
            rest = &rest[length..];
            take(&mut rest, b"\r\n")?;
            Some(body)
        };
        calls.push(BatchCall {
            method: method.to_string(),
            path: path.to_string(),
            body,
        });
    }
}
