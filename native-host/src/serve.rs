//! The native-messaging loop: read frames, handle each request concurrently, write replies and events in
//! one writer task. On end of input every in-flight request finishes and its reply is flushed before exit.

use crate::app::App;
use crate::framing::{parse_request, read_frame, FrameError};
use crate::outbox::Out;
use gmux_core::protocol::{ErrorBody, ErrorCode, Reply, MAX_BROWSER_TO_HOST};
use serde_json::Value;
use std::sync::Arc;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio::sync::mpsc;
use tokio::task::JoinSet;

async fn write_all<W: AsyncWrite + Unpin>(mut output: W, mut rx: mpsc::UnboundedReceiver<Out>) {
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
pub async fn serve<R, W>(mut input: R, output: W, app: Arc<App>, rx: mpsc::UnboundedReceiver<Out>)
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin + Send + 'static,
{
    let writer = tokio::spawn(write_all(output, rx));
    let outbox = app.outbox().clone();
    let mut in_flight = JoinSet::new();
    loop {
        let payload = match read_frame(&mut input, MAX_BROWSER_TO_HOST).await {
            Ok(p) => p,
            Err(FrameError::Eof) => {
                tracing::info!("input closed; finishing {} request(s)", in_flight.len());
                break;
            }
            Err(FrameError::TooLargeSkipped(len)) => {
                tracing::warn!("refused a frame of {len} bytes");
                outbox.send(&too_large(len), Some(&Value::Null));
                continue;
            }
            Err(FrameError::TooLargeFatal(len)) => {
                tracing::warn!("frame length {len} cannot come from a browser; closing");
                outbox.send(&too_large(len), Some(&Value::Null));
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
                    app.outbox().send(&reply, Some(&id));
                });
            }
            Err(reply) => {
                tracing::warn!("malformed request of {} bytes", payload.len());
                outbox.send(&reply, Some(&reply.id));
            }
        }
    }
    while let Some(result) = in_flight.join_next().await {
        if let Err(e) = result {
            // A handler panicked: its caller gets no reply, but every other reply still goes out.
            tracing::error!("a request handler failed: {e}");
        }
    }
    outbox.close();
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
