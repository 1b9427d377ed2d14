//! The native-messaging loop: read frames, handle each request concurrently, write replies and events in
//! one writer task. On end of input every in-flight request finishes and its reply is flushed before exit.

use crate::app::App;
use crate::framing::{parse_request, read_frame, FrameError};
use crate::outbox::Out;
use gmux_core::protocol::{
    ErrorBody, ErrorCode, Reply, MAX_BROWSER_TO_HOST, MAX_REQUESTS_IN_FLIGHT,
};
use serde_json::Value;
use std::sync::Arc;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio::sync::{mpsc, Semaphore};
use tokio::task::JoinSet;

async fn write_all<W: AsyncWrite + Unpin>(mut output: W, mut rx: mpsc::Receiver<Out>) {
    while let Some(out) = rx.recv().await {
        match out {
            Out::Frame(frame) => {
                if output.write_all(&frame).await.is_err() {
                    return;
                }
                // Flush only when nothing else is queued: replies still go out promptly, bursts in one write.
                if rx.is_empty() && output.flush().await.is_err() {
                    return;
                }
            }
            Out::Close => break,
        }
    }
    let _ = output.flush().await;
}

/// Serves one port until its input ends. `app` is built around `outbox`, whose receiver is `rx`.
pub async fn serve<R, W>(mut input: R, output: W, app: Arc<App>, rx: mpsc::Receiver<Out>)
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin + Send + 'static,
{
    let writer = tokio::spawn(write_all(output, rx));
    let outbox = app.outbox().clone();
    let mut in_flight = JoinSet::new();
    // A request is read only when one of these is free: a caller flooding the host waits for its own replies.
    let slots = Arc::new(Semaphore::new(MAX_REQUESTS_IN_FLIGHT));
    loop {
        let Ok(slot) = slots.clone().acquire_owned().await else {
            break;
        };
        let payload = match read_frame(&mut input, MAX_BROWSER_TO_HOST).await {
            Ok(p) => p,
            Err(FrameError::Eof) => {
                tracing::info!("input closed; finishing {} request(s)", in_flight.len());
                break;
            }
            Err(FrameError::TooLargeSkipped(len)) => {
                tracing::warn!("refused a frame of {len} bytes");
                outbox.send(&too_large(len), Some(&Value::Null)).await;
                continue;
            }
            Err(FrameError::TooLargeFatal(len)) => {
                tracing::warn!("frame length {len} cannot come from a browser; closing");
                outbox.send(&too_large(len), Some(&Value::Null)).await;
                break;
            }
            Err(e @ (FrameError::Truncated | FrameError::Io(_))) => {
                tracing::warn!("input ended badly: {e}");
                break;
            }
        };
        // Reap finished tasks so a long session does not accumulate them.
        while in_flight.try_join_next().is_some() {}
        match parse_request(&payload) {
            Ok(request) => {
                let app = app.clone();
                in_flight.spawn(async move {
                    let _slot = slot;
                    let id = request.id.clone();
                    let handled = std::panic::AssertUnwindSafe(app.handle(&request.method, request.params));
                    let reply = match futures::FutureExt::catch_unwind(handled).await {
                        Ok(Ok(result)) => Reply::ok(id.clone(), result),
                        Ok(Err(error)) => Reply::err(id.clone(), error),
                        // A bug in one handler must not leave its caller waiting or take the port down.
                        Err(_) => {
                            tracing::error!(method = request.method, "request handler panicked");
                            Reply::err(
                                id.clone(),
                                ErrorBody::new(
                                    ErrorCode::Internal,
                                    "gmux-host hit a bug handling this request; see the log in its state folder",
                                ),
                            )
                        }
                    };
                    app.outbox().send(&reply, Some(&id)).await;
                });
            }
            Err(reply) => {
                tracing::warn!("malformed request of {} bytes", payload.len());
                outbox.send(&reply, Some(&reply.id)).await;
            }
        }
    }
    while let Some(result) = in_flight.join_next().await {
        if let Err(e) = result {
            // A handler panicked: its caller gets no reply, but every other reply still goes out.
            tracing::error!("a request handler failed: {e}");
        }
    }
    outbox.close().await;
    let _ = writer.await;
}

fn too_large(len: usize) -> Reply {
    Reply::err(
        Value::Null,
        ErrorBody::new(
            ErrorCode::MessageTooLarge,
            format!("a request of {len} bytes is larger than the {MAX_BROWSER_TO_HOST} bytes gmux-host accepts"),
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outbox::Outbox;
    use crate::paths::Paths;
    use gmux_core::protocol::MAX_QUEUED_REPLIES;
    use std::time::Duration;
    use tokio::io::AsyncReadExt;

    fn hello_frame(id: usize) -> Vec<u8> {
        let json = format!(r#"{{"id":{id},"method":"hello"}}"#);
        let mut frame = (json.len() as u32).to_ne_bytes().to_vec();
        frame.extend_from_slice(json.as_bytes());
        frame
    }

    /// A caller that writes requests as fast as it can and reads no reply: the host must stop reading its
    /// requests after a bounded number (in flight, queued, and what the pipes hold), not buffer them all.
    /// Once the caller reads again, every request it wrote whole gets its reply.
    #[tokio::test]
    async fn a_caller_that_floods_requests_without_reading_replies_is_made_to_wait() {
        const PIPE: usize = 4096;
        const FLOOD: usize = 5000;
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths {
            config_dir: dir.path().join("c"),
            state_dir: dir.path().join("s"),
        };
        let (outbox, rx) = Outbox::channel();
        let app = Arc::new(App::new(paths, outbox));
        let (mut to_host, host_in) = tokio::io::duplex(PIPE);
        let (host_out, mut from_host) = tokio::io::duplex(PIPE);
        let server = tokio::spawn(serve(host_in, host_out, app, rx));
        let mut written = 0;
        while written < FLOOD {
            let frame = hello_frame(written);
            match tokio::time::timeout(Duration::from_secs(2), to_host.write_all(&frame)).await {
                Ok(done) => {
                    done.unwrap();
                    written += 1;
                }
                // The host stopped reading: what this write got through is a cut-off frame.
                Err(_) => break,
            }
        }
        // Bounded by the limits, not by the caller: the pipes hold at most PIPE bytes each, so at most
        // PIPE / (smallest request) frames wait unread and PIPE / (smallest reply) replies wait in the pipe.
        let bound = MAX_REQUESTS_IN_FLIGHT
            + MAX_QUEUED_REPLIES
            + PIPE / hello_frame(0).len()
            + PIPE / 100
            + 2;
        assert!(
            written <= bound,
            "the host read {written} requests while nobody read a reply (bound {bound})"
        );
        drop(to_host);
        let mut out = Vec::new();
        tokio::time::timeout(Duration::from_secs(30), from_host.read_to_end(&mut out))
            .await
            .unwrap()
            .unwrap();
        server.await.unwrap();
        let mut replies = 0;
        let mut rest = &out[..];
        while rest.len() >= 4 {
            let len = u32::from_ne_bytes([rest[0], rest[1], rest[2], rest[3]]) as usize;
            let reply: Reply = serde_json::from_slice(&rest[4..4 + len]).unwrap();
            assert!(reply.result.is_some(), "{reply:?}");
            replies += 1;
            rest = &rest[4 + len..];
        }
        assert_eq!(replies, written, "every whole request is answered");
    }
}
