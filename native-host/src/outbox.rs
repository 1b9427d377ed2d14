//! The host's way out to the browser: replies and events go through one queue to one writer task, so
//! frames never interleave. `app` sends into it, `serve` drains it; neither needs the other for that.
//! The queue holds at most [`MAX_QUEUED_REPLIES`] frames: when the browser stops reading, senders wait, and
//! with them the reading of new requests, so the host's memory stays bounded whatever the caller does.

use crate::framing::encode_frame;
use gmux_core::protocol::{ErrorBody, ErrorCode, Reply, MAX_QUEUED_REPLIES};
use serde_json::Value;
use tokio::sync::mpsc;

/// Everything the writer task sends, in order.
pub enum Out {
    Frame(Vec<u8>),
    /// Flush and stop: sent after the last reply.
    Close,
}

/// A handle for sending replies and events to the browser. Sending after the port closed is a no-op.
#[derive(Clone)]
pub struct Outbox(mpsc::Sender<Out>);

impl Outbox {
    pub fn channel() -> (Outbox, mpsc::Receiver<Out>) {
        let (tx, rx) = mpsc::channel(MAX_QUEUED_REPLIES);
        (Outbox(tx), rx)
    }

    /// Sends a reply or event. One that would be too large for the browser becomes an error reply (for a
    /// reply) or is dropped with a log line (for an event), so the port never dies of it. Waits while the
    /// queue is full.
    pub async fn send(&self, message: &impl serde::Serialize, id: Option<&Value>) {
        let frame = match encode_frame(message) {
            Ok(f) => f,
            Err(e) => {
                tracing::error!("outgoing message dropped: {e}");
                let Some(id) = id else { return };
                let reply = Reply::err(
                    id.clone(),
                    ErrorBody::new(
                        ErrorCode::Internal,
                        format!("the reply could not be sent: {e}"),
                    ),
                );
                match encode_frame(&reply) {
                    Ok(f) => f,
                    Err(_) => return,
                }
            }
        };
        let _ = self.0.send(Out::Frame(frame)).await;
    }

    /// Tells the writer that nothing follows: it flushes and stops.
    pub(crate) async fn close(&self) {
        let _ = self.0.send(Out::Close).await;
    }
}
