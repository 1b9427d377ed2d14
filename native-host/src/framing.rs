//! Native-messaging frames: a 4-byte length in native byte order, then that many bytes of UTF-8 JSON.
//! Decoding never buffers more than the limit it is given, so a hostile length cannot exhaust memory.

use gmux_core::protocol::{ErrorBody, ErrorCode, Reply, Request, MAX_HOST_TO_BROWSER};
use serde_json::Value;
use tokio::io::{AsyncRead, AsyncReadExt};

/// Lengths above this cannot come from a browser (Chrome's own cap is 64 MiB), so the stream is garbage and
/// skipping the announced bytes to resynchronise would only mean reading garbage for a long time.
pub const MAX_SKIPPABLE: usize = 64 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum FrameError {
    /// Stdin closed on a frame boundary: the port was closed.
    #[error("end of input")]
    Eof,
    /// Stdin closed inside a frame.
    #[error("input ended inside a frame")]
    Truncated,
    /// The frame was larger than the limit; its bytes were skipped and the next frame can be read.
    #[error("frame of {0} bytes is larger than the limit")]
    TooLargeSkipped(usize),
    /// The frame was larger than any browser sends; the stream cannot be trusted any more.
    #[error("frame of {0} bytes is larger than any browser sends")]
    TooLargeFatal(usize),
    #[error("reading input: {0}")]
    Io(#[from] std::io::Error),
}

/// Reads one frame's payload. Frames over `max` are skipped (when a browser could have sent them) so the
/// caller can answer `message_too_large` and keep serving.
pub async fn read_frame<R: AsyncRead + Unpin>(
    input: &mut R,
    max: usize,
) -> Result<Vec<u8>, FrameError> {
    let mut len_bytes = [0u8; 4];
    let mut got = 0;
    while got < 4 {
        let n = input.read(&mut len_bytes[got..]).await?;
        if n == 0 {
            return Err(if got == 0 {
                FrameError::Eof
            } else {
                FrameError::Truncated
            });
        }
        got += n;
    }
    let len = u32::from_ne_bytes(len_bytes) as usize;
    if len > max {
        if len > MAX_SKIPPABLE {
            return Err(FrameError::TooLargeFatal(len));
        }
        let skipped =
            tokio::io::copy(&mut (&mut *input).take(len as u64), &mut tokio::io::sink()).await?;
        if (skipped as usize) < len {
            return Err(FrameError::Truncated);
        }
        return Err(FrameError::TooLargeSkipped(len));
    }
    let mut payload = vec![0u8; len];
    match input.read_exact(&mut payload).await {
        Ok(_) => Ok(payload),
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => Err(FrameError::Truncated),
        Err(e) => Err(FrameError::Io(e)),
    }
}

/// Frames a JSON value. A payload the browser would refuse is an error rather than a frame that kills the port.
pub fn encode_frame(value: &impl serde::Serialize) -> Result<Vec<u8>, EncodeError> {
    let json = serde_json::to_vec(value).map_err(|e| EncodeError::Json(e.to_string()))?;
    if json.len() > MAX_HOST_TO_BROWSER {
        return Err(EncodeError::TooLarge(json.len()));
    }
    let mut frame = Vec::with_capacity(json.len() + 4);
    frame.extend_from_slice(&(json.len() as u32).to_ne_bytes());
    frame.extend_from_slice(&json);
    Ok(frame)
}

#[derive(Debug, thiserror::Error)]
pub enum EncodeError {
    #[error("message of {0} bytes is larger than a browser accepts")]
    TooLarge(usize),
    #[error("message could not be serialised: {0}")]
    Json(String),
}

/// Parses a frame's payload into a request. On failure the reply to send is returned, carrying the request's
/// `id` when one can be recovered so the caller is not left waiting.
#[allow(clippy::result_large_err)] // Only on the error path, once per malformed frame.
pub fn parse_request(payload: &[u8]) -> Result<Request, Reply> {
    let malformed = |id: Value, message: String| {
        Reply::err(id, ErrorBody::new(ErrorCode::RequestMalformed, message))
    };
    let text = std::str::from_utf8(payload)
        .map_err(|_| malformed(Value::Null, "the request is not valid UTF-8".into()))?;
    let value: Value = serde_json::from_str(text)
        .map_err(|e| malformed(Value::Null, format!("the request is not valid JSON: {e}")))?;
    let id = value.get("id").cloned().unwrap_or(Value::Null);
    if !value.is_object() {
        return Err(malformed(
            Value::Null,
            "the request must be a JSON object".into(),
        ));
    }
    serde_json::from_value::<Request>(value).map_err(|e| {
        malformed(
            id,
            format!("the request needs \"id\", \"method\" (a string) and optional \"params\": {e}"),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn frame(payload: &[u8]) -> Vec<u8> {
        let mut v = (payload.len() as u32).to_ne_bytes().to_vec();
        v.extend_from_slice(payload);
        v
    }

    async fn decode_all(bytes: &[u8], max: usize) -> (Vec<Result<Request, Reply>>, FrameError) {
        let mut input = bytes;
        let mut out = Vec::new();
        loop {
            match read_frame(&mut input, max).await {
                Ok(p) => out.push(parse_request(&p)),
                Err(FrameError::TooLargeSkipped(_)) => continue,
                Err(e) => return (out, e),
            }
        }
    }

    #[tokio::test]
    async fn reads_frames_and_reports_boundaries() {
        let mut bytes = frame(br#"{"id":1,"method":"hello"}"#);
        bytes.extend(frame(b"{\"id\":2,\"method\":\"x\",\"params\":{}}"));
        let (reqs, end) = decode_all(&bytes, 1024).await;
        assert_eq!(reqs.len(), 2);
        assert!(matches!(end, FrameError::Eof));
        let (_, end) = decode_all(&bytes[..bytes.len() - 1], 1024).await;
        assert!(matches!(end, FrameError::Truncated));
        let (_, end) = decode_all(&[1, 0], 1024).await;
        assert!(matches!(end, FrameError::Truncated));
    }

    #[tokio::test]
    async fn oversized_frames_are_skipped_or_fatal() {
        let mut bytes = frame(&[b' '; 100]);
        bytes.extend(frame(br#"{"id":1,"method":"hello"}"#));
        let mut input = &bytes[..];
        assert!(matches!(
            read_frame(&mut input, 10).await,
            Err(FrameError::TooLargeSkipped(100))
        ));
        assert!(read_frame(&mut input, 1024).await.is_ok());
        let mut input = &[0xff, 0xff, 0xff, 0xff, 1, 2][..];
        assert!(matches!(
            read_frame(&mut input, 10).await,
            Err(FrameError::TooLargeFatal(_))
        ));
    }

    #[test]
    fn parse_errors_keep_the_id_when_there_is_one() {
        for (payload, id) in [
            (&b"\xff\xfe"[..], Value::Null),
            (b"{not json", Value::Null),
            (b"[1,2]", Value::Null),
            (br#"{"id":7}"#, Value::from(7)),
            (br#"{"id":"a","method":3}"#, Value::from("a")),
        ] {
            let reply = parse_request(payload).unwrap_err();
            assert_eq!(reply.id, id);
            assert_eq!(reply.error.unwrap().code, ErrorCode::RequestMalformed);
        }
    }

    #[test]
    fn encode_refuses_what_a_browser_would_refuse() {
        let big = "x".repeat(MAX_HOST_TO_BROWSER);
        assert!(matches!(encode_frame(&big), Err(EncodeError::TooLarge(_))));
        let f = encode_frame(&serde_json::json!({"a":1})).unwrap();
        assert_eq!(&f[4..], br#"{"a":1}"#);
        assert_eq!(
            u32::from_ne_bytes([f[0], f[1], f[2], f[3]]) as usize,
            f.len() - 4
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]
        /// Arbitrary bytes never panic or hang the decoder: every frame becomes a request or an error reply
        /// and the stream ends in a clean end, a truncation, or a fatal size.
        #[test]
        fn arbitrary_bytes_decode_without_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048), max in 0usize..4096) {
            let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
            let (results, _end) = rt.block_on(decode_all(&bytes, max));
            for r in results {
                if let Err(reply) = r {
                    prop_assert!(reply.error.is_some());
                }
            }
        }

        /// Well-formed frames around arbitrary payloads: each payload yields exactly one outcome.
        #[test]
        fn framed_arbitrary_payloads_yield_one_outcome_each(payloads in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..256), 0..8)) {
            let mut bytes = Vec::new();
            for p in &payloads { bytes.extend(frame(p)); }
            let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
            let (results, end) = rt.block_on(decode_all(&bytes, 1024));
            prop_assert_eq!(results.len(), payloads.len());
            prop_assert!(matches!(end, FrameError::Eof));
        }
    }
}
