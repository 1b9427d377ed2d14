//! gmux-host's frame decoder and request parser (`gmux_host::framing`), and the protocol loop they feed
//! (`gmux_host::serve::serve`, the code `gmux-host serve` runs), driven in-process through the library.
//!
//! A corpus file is what the browser writes to the host's stdin: frames of a 4-byte length in native byte
//! order (little-endian on every machine gmux runs on) and a JSON payload. Properties:
//! - decoding ends (end of input, truncation or a fatal length) after at most one frame per 4 bytes, never
//!   panics, never buffers more than the 1 MiB limit;
//! - a payload parses into a request whose `id` and `method` are the JSON's, or into a `request_malformed`
//!   reply carrying the request's `id` when the payload is a JSON object that has one;
//! - the real loop, with an unconfigured host in a temporary folder, answers every frame it read exactly
//!   once (one reply per request, per malformed frame and per oversized frame), with ids matching, and only
//!   with well-formed frames under the browser's 1 MiB limit, and then exits.

use gmux_core::protocol::{ErrorCode, Reply, MAX_BROWSER_TO_HOST, MAX_HOST_TO_BROWSER};
use gmux_fuzz::{signature, Target, Verdict};
use gmux_host::framing::{parse_request, read_frame, FrameError};
use gmux_host::paths::Paths;
use rand::rngs::StdRng;
use rand::Rng;
use serde_json::Value;
use std::sync::Arc;
use tokio::io::AsyncReadExt;

const DICTIONARY: &[&[u8]] = &[
    b"{\"id\":1,\"method\":\"hello\",\"params\":{\"protocol\":1}}",
    b"\"method\":\"accounts.list\"",
    b"\"method\":\"accounts.update\",\"params\":{\"account\":\"x\",\"color\":\"#a1b2c3\",\"order\":4294967295}",
    b"\"method\":\"accounts.remove\",\"params\":{\"account\":\"a@b\"}",
    b"\"method\":\"accounts.add\",\"params\":{\"login_hint\":\"a@b\"}",
    b"\"method\":\"token.get\",\"params\":{\"account\":\"1\",\"force_refresh\":true}",
    b"\"protocol\":4294967296",
    b"\"id\":null",
    b"\"id\":{\"nested\":[1,2]}",
    b"\"params\":null",
    b"\"params\":[]",
    b"\x00\x00\x00\x00",
    b"\xff\xff\xff\xff",
    b"\x00\x00\x10\x00",
    b"\x01\x00\x10\x00",
    b"\x00\x00\x00\x04",
    b"\x01\x00\x00\x04",
];

pub const TARGET: Target = Target {
    name: "host_frames",
    check,
    dictionary: DICTIONARY,
    structured: Some(reframe),
    generate: None,
    max_len: (2 << 20) + 64,
};

#[test]
fn host_frames() {
    super::fuzz(TARGET);
}

/// The frame, as the browser writes it.
pub fn frame(payload: &[u8]) -> Vec<u8> {
    let mut v = (payload.len() as u32).to_ne_bytes().to_vec();
    v.extend_from_slice(payload);
    v
}

/// Splits a stream into its frames' payloads as far as it is well framed; the rest is returned as is.
fn split_frames(input: &[u8]) -> (Vec<Vec<u8>>, Vec<u8>) {
    let mut frames = Vec::new();
    let mut rest = input;
    while rest.len() >= 4 {
        let len = u32::from_ne_bytes([rest[0], rest[1], rest[2], rest[3]]) as usize;
        if len > rest.len() - 4 {
            break;
        }
        frames.push(rest[4..4 + len].to_vec());
        rest = &rest[4 + len..];
    }
    (frames, rest.to_vec())
}

/// Mutates inside the frames and writes correct lengths again, so the request parser and the methods see
/// hostile payloads rather than only broken framing; sometimes breaks one length on purpose.
fn reframe(rng: &mut StdRng, input: &[u8]) -> Option<Vec<u8>> {
    let (mut frames, tail) = split_frames(input);
    if frames.is_empty() {
        return None;
    }
    let i = rng.gen_range(0..frames.len());
    match rng.gen_range(0..40) {
        0..=19 => {
            frames[i] = gmux_fuzz::json::mutate(rng, &frames[i])?;
        }
        20..=29 => {
            let copy = frames[i].clone();
            let times = rng
                .gen_range(1..50)
                .min((4 << 20) / (copy.len() + 4))
                .max(1);
            for _ in 0..times {
                frames.push(copy.clone());
            }
        }
        30..=34 => {
            frames.remove(i);
        }
        // A payload right at or over the limit: rare, as each costs milliseconds to read.
        35 => {
            let len = [MAX_BROWSER_TO_HOST, MAX_BROWSER_TO_HOST + 1][rng.gen_range(0..2)];
            let mut big = frames[i].clone();
            big.resize(len, b' ');
            frames[i] = big;
        }
        _ => {
            let mut out: Vec<u8> = frames.iter().flat_map(|f| frame(f)).collect();
            let lengths = [
                0u32,
                1,
                3,
                MAX_BROWSER_TO_HOST as u32 + 1,
                64 << 20,
                (64 << 20) + 1,
                u32::MAX,
            ];
            let len = lengths[rng.gen_range(0..lengths.len())];
            out.extend_from_slice(&len.to_ne_bytes());
            out.extend_from_slice(&tail);
            return Some(out);
        }
    }
    let mut out: Vec<u8> = frames.iter().flat_map(|f| frame(f)).collect();
    out.extend_from_slice(&tail);
    Some(out)
}

/// What reading the stream gave, in order: the id each answer must carry.
#[derive(Debug, Default)]
struct Expected {
    ids: Vec<Value>,
    ends_fatal: bool,
}

fn check(input: &[u8]) -> Verdict {
    run(input)
}

/// An id as the comparison sees it: exactly as written. Found by this fuzzer and fixed (serde_json's
/// `float_roundtrip` in the host): a float id like `1.0000000000036102e100` was answered as a neighbouring
/// float, so the extension would never have matched the reply.
fn id_key(id: &Value) -> String {
    id.to_string()
}

fn run(input: &[u8]) -> Verdict {
    RUNTIME.with(|rt| {
        let expected = rt.block_on(decode_stream(input))?;
        let replies = rt.block_on(serve_stream(input))?;
        if replies.len() != expected.ids.len() {
            return Err(format!(
                "the loop sent {} replies for {} frames: {replies:?}",
                replies.len(),
                expected.ids.len()
            ));
        }
        let mut want: Vec<String> = expected.ids.iter().map(id_key).collect();
        let mut got: Vec<String> = replies.iter().map(|r| id_key(&r.id)).collect();
        want.sort();
        got.sort();
        if want != got {
            return Err(format!("reply ids {got:?}, requests {want:?}"));
        }
        let codes: Vec<Option<ErrorCode>> = replies
            .iter()
            .map(|r| r.error.as_ref().map(|e| e.code))
            .collect();
        Ok(signature((
            expected.ids.len().min(8),
            expected.ends_fatal,
            codes.iter().map(|c| format!("{c:?}")).collect::<Vec<_>>(),
        )))
    })
}

thread_local! {
    static RUNTIME: tokio::runtime::Runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("a tokio runtime");
    static HOME: tempfile::TempDir = tempfile::tempdir().expect("a temporary folder");
}

/// Reads the stream with the decoder alone and checks each frame's parse.
async fn decode_stream(input: &[u8]) -> Result<Expected, String> {
    let mut rest = input;
    let mut expected = Expected::default();
    let mut frames = 0usize;
    loop {
        frames += 1;
        if frames > input.len() / 4 + 1 {
            return Err(format!("{frames} frames from {} bytes", input.len()));
        }
        match read_frame(&mut rest, MAX_BROWSER_TO_HOST).await {
            Ok(payload) => {
                if payload.len() > MAX_BROWSER_TO_HOST {
                    return Err(format!(
                        "a payload of {} bytes passed the limit",
                        payload.len()
                    ));
                }
                expected.ids.push(parsed_id(&payload)?);
            }
            Err(FrameError::TooLargeSkipped(len)) => {
                if len <= MAX_BROWSER_TO_HOST {
                    return Err(format!("a frame of {len} bytes was refused as too large"));
                }
                expected.ids.push(Value::Null);
            }
            Err(FrameError::TooLargeFatal(_)) => {
                expected.ids.push(Value::Null);
                expected.ends_fatal = true;
                return Ok(expected);
            }
            Err(FrameError::Eof | FrameError::Truncated) => return Ok(expected),
            Err(FrameError::Io(e)) => return Err(format!("reading a byte slice failed: {e}")),
        }
    }
}

/// Parses one payload and checks the result against the JSON; returns the id its reply must carry.
fn parsed_id(payload: &[u8]) -> Result<Value, String> {
    let json: Option<Value> = std::str::from_utf8(payload)
        .ok()
        .and_then(|t| serde_json::from_str(t).ok());
    match parse_request(payload) {
        Ok(request) => {
            let Some(Value::Object(map)) = &json else {
                return Err(format!(
                    "a request from a payload that is not a JSON object: {request:?}"
                ));
            };
            if map.get("id") != Some(&request.id)
                || map.get("method").and_then(Value::as_str) != Some(request.method.as_str())
            {
                return Err(format!(
                    "request {request:?} does not match its JSON {map:?}"
                ));
            }
            Ok(request.id)
        }
        Err(reply) => {
            let code = reply.error.as_ref().map(|e| e.code);
            if code != Some(ErrorCode::RequestMalformed) || reply.result.is_some() {
                return Err(format!("a malformed payload got {reply:?}"));
            }
            let want = match &json {
                Some(Value::Object(map)) => map.get("id").cloned().unwrap_or(Value::Null),
                _ => Value::Null,
            };
            if reply.id != want {
                return Err(format!(
                    "the error reply's id is {}, the payload's {want}",
                    reply.id
                ));
            }
            Ok(reply.id)
        }
    }
}

/// Runs the real protocol loop over the stream and returns every reply it wrote.
async fn serve_stream(input: &[u8]) -> Result<Vec<Reply>, String> {
    let paths = HOME.with(|home| Paths {
        config_dir: home.path().join("config"),
        state_dir: home.path().join("state"),
    });
    let (outbox, rx) = gmux_host::outbox::Outbox::channel();
    let app = Arc::new(gmux_host::app::App::new(paths, outbox));
    let (writer, mut reader) = tokio::io::duplex(64 * 1024);
    let collect = tokio::spawn(async move {
        let mut out = Vec::new();
        let _ = reader.read_to_end(&mut out).await;
        out
    });
    gmux_host::serve::serve(input, writer, app, rx).await;
    let out = collect
        .await
        .map_err(|e| format!("collecting the output: {e}"))?;
    let (frames, tail) = split_frames(&out);
    if !tail.is_empty() {
        return Err(format!(
            "the host wrote {} bytes that are not a whole frame",
            tail.len()
        ));
    }
    frames
        .iter()
        .map(|f| {
            if f.len() > MAX_HOST_TO_BROWSER {
                return Err(format!(
                    "a frame of {} bytes, over the browser's limit",
                    f.len()
                ));
            }
            let value: Value =
                serde_json::from_slice(f).map_err(|e| format!("a frame that is not JSON: {e}"))?;
            if value.get("event").is_some() {
                return Err(format!("an unconfigured host sent an event: {value}"));
            }
            let reply: Reply = serde_json::from_value(value.clone())
                .map_err(|e| format!("a frame that is not a reply ({e}): {value}"))?;
            if reply.result.is_some() == reply.error.is_some() {
                return Err(format!(
                    "a reply needs exactly one of result and error: {value}"
                ));
            }
            Ok(reply)
        })
        .collect()
}
