//! Request/reply correlation over the native port. Plain Rust: the background owns the port and feeds this
//! type what the port delivers; this type knows nothing of the browser, so it is tested natively.

use std::collections::HashMap;

use futures::channel::oneshot;
use gmux_core::protocol::{ErrorBody, Event, Method, Reply};
use serde_json::Value;

/// Why a request got no result.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RequestError {
    /// The host answered with an error object.
    #[error("gmux-host refused `{method}`: {} ({})", .body.message, .body.code.as_str())]
    Host { method: String, body: ErrorBody },
    /// The port closed before the reply came; the browser's reason is kept.
    #[error("the port to gmux-host closed: {0}")]
    Disconnected(String),
    /// The host answered with a result this extension cannot read (a host of another version).
    #[error("gmux-host answered `{method}` unreadably: {error}")]
    Unreadable { method: String, error: String },
}

pub type ReplyReceiver = oneshot::Receiver<Result<Value, RequestError>>;

/// What one message from the host turned out to be.
#[derive(Debug, PartialEq)]
pub enum Incoming {
    /// A reply that completed a pending request.
    Reply,
    /// An unsolicited event (a message without `id`).
    Event(Event),
    /// A reply to no pending request, or something that is neither a reply nor an event. Logged and dropped:
    /// a confused host must not take the background down.
    Unexpected(Value),
}

struct Pending {
    method: String,
    reply: oneshot::Sender<Result<Value, RequestError>>,
}

/// Pending requests by id. Ids are numbers counting up from 1 for the life of the background.
#[derive(Default)]
pub struct HostClient {
    next_id: u64,
    pending: HashMap<u64, Pending>,
}

impl HostClient {
    pub fn new() -> Self {
        HostClient::default()
    }

    /// Registers a request and returns the frame to post on the port and where its reply will arrive.
    pub fn request<M: Method>(&mut self, params: &M::Params) -> (Value, ReplyReceiver) {
        self.next_id += 1;
        let id = self.next_id;
        let (reply, receiver) = oneshot::channel();
        self.pending.insert(
            id,
            Pending {
                method: M::NAME.to_string(),
                reply,
            },
        );
        let frame = serde_json::to_value(M::request(Value::from(id), params)).unwrap_or_default();
        (frame, receiver)
    }

    /// Takes back a request whose frame could not be posted, failing it with `reason`.
    pub fn abandon(&mut self, frame: &Value, reason: &str) {
        if let Some(pending) = frame
            .get("id")
            .and_then(Value::as_u64)
            .and_then(|id| self.pending.remove(&id))
        {
            // The receiver may already be gone; nobody is left to tell then.
            let _ = pending
                .reply
                .send(Err(RequestError::Disconnected(reason.to_string())));
        }
    }

    /// Routes one message from the host.
    pub fn handle(&mut self, message: Value) -> Incoming {
        if message.get("id").is_none() {
            return match serde_json::from_value::<Event>(message.clone()) {
                Ok(event) => Incoming::Event(event),
                Err(_) => Incoming::Unexpected(message),
            };
        }
        let Ok(reply) = serde_json::from_value::<Reply>(message.clone()) else {
            return Incoming::Unexpected(message);
        };
        let Some(pending) = reply.id.as_u64().and_then(|id| self.pending.remove(&id)) else {
            return Incoming::Unexpected(message);
        };
        let outcome = match (reply.result, reply.error) {
            (_, Some(body)) => Err(RequestError::Host {
                method: pending.method,
                body,
            }),
            (Some(result), None) => Ok(result),
            (None, None) => Ok(Value::Null),
        };
        let _ = pending.reply.send(outcome);
        Incoming::Reply
    }

    /// Fails every pending request: the port is gone and no reply will come, so nobody may wait forever.
    pub fn disconnected(&mut self, reason: &str) {
        for (_, pending) in self.pending.drain() {
            let _ = pending
                .reply
                .send(Err(RequestError::Disconnected(reason.to_string())));
        }
    }

    pub fn pending_count(&self) -> usize {
        self.pending.len()
    }
}

/// What the log says of a message from the host that nobody expected: its id, its method and its size, never its
/// contents, which may carry a token.
pub fn describe_unexpected(message: &Value) -> String {
    // A short id is shown as it is; anything longer than an id could be is not an id worth reading.
    let id = match message.get("id") {
        Some(id @ (Value::Number(_) | Value::Null)) => id.to_string(),
        Some(Value::String(id))
            if id.len() <= 20 && id.bytes().all(|b| b.is_ascii_alphanumeric()) =>
        {
            format!("\"{id}\"")
        }
        Some(_) => "(not a plain id)".to_string(),
        None => "none".to_string(),
    };
    let method = match message.get("method").and_then(Value::as_str) {
        Some(m)
            if m.len() <= 40
                && m.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'_') =>
        {
            m
        }
        Some(_) => "(not a plain method name)",
        None => "none",
    };
    format!(
        "id {id}, method {method}, {} bytes",
        message.to_string().len()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use gmux_core::protocol::{method, AccountsListParams, ErrorCode, HelloParams};
    use serde_json::json;

    fn hello(client: &mut HostClient) -> (Value, ReplyReceiver) {
        client.request::<method::Hello>(&HelloParams { protocol: Some(1) })
    }

    fn list(client: &mut HostClient) -> (Value, ReplyReceiver) {
        client.request::<method::AccountsList>(&AccountsListParams {})
    }

    fn outcome(mut receiver: ReplyReceiver) -> Option<Result<Value, RequestError>> {
        receiver
            .try_recv()
            .expect("sender dropped without an answer")
    }

    #[test]
    fn requests_get_increasing_ids_and_the_documented_shape() {
        let mut client = HostClient::new();
        let (first, _r1) = hello(&mut client);
        let (second, _r2) = list(&mut client);
        assert_eq!(
            first,
            json!({"id": 1, "method": "hello", "params": {"protocol": 1}})
        );
        assert_eq!(
            second,
            json!({"id": 2, "method": "accounts.list", "params": {}})
        );
        assert_eq!(client.pending_count(), 2);
    }

    #[test]
    fn replies_complete_the_request_with_the_same_id_in_any_order() {
        let mut client = HostClient::new();
        let (_, first) = hello(&mut client);
        let (_, second) = list(&mut client);
        assert_eq!(
            client.handle(json!({"id": 2, "result": "two"})),
            Incoming::Reply
        );
        assert_eq!(
            client.handle(json!({"id": 1, "result": {"n": 1}})),
            Incoming::Reply
        );
        assert_eq!(outcome(first), Some(Ok(json!({"n": 1}))));
        assert_eq!(outcome(second), Some(Ok(json!("two"))));
        assert_eq!(client.pending_count(), 0);
    }

    #[test]
    fn error_replies_carry_the_host_code_and_message() {
        let mut client = HostClient::new();
        let (_, receiver) = hello(&mut client);
        client.handle(json!({"id": 1, "error": {"code": "unsupported_protocol_version", "message": "update gmux"}}));
        let Some(Err(RequestError::Host { method, body })) = outcome(receiver) else {
            panic!("expected a host error")
        };
        assert_eq!(method, "hello");
        assert_eq!(body.code, ErrorCode::UnsupportedProtocolVersion);
        assert_eq!(body.message, "update gmux");
    }

    #[test]
    fn a_disconnect_rejects_every_pending_request() {
        let mut client = HostClient::new();
        let receivers: Vec<_> = (0..3).map(|_| list(&mut client).1).collect();
        client.disconnected("Native host has exited.");
        for receiver in receivers {
            assert_eq!(
                outcome(receiver),
                Some(Err(RequestError::Disconnected(
                    "Native host has exited.".into()
                )))
            );
        }
        assert_eq!(client.pending_count(), 0);
    }

    #[test]
    fn a_request_that_could_not_be_posted_is_failed_at_once() {
        let mut client = HostClient::new();
        let (frame, receiver) = hello(&mut client);
        client.abandon(&frame, "port closed");
        assert_eq!(
            outcome(receiver),
            Some(Err(RequestError::Disconnected("port closed".into())))
        );
    }

    #[test]
    fn a_stray_message_is_described_without_its_contents() {
        let token = "ya29.a0AfB_secret-token-value";
        let cases = [
            json!({"id": 99, "result": {"access_token": token}}),
            json!({"id": token, "result": 1}),
            json!({"id": 3, "method": token, "params": {}}),
            json!({"nonsense": token}),
            json!(token),
        ];
        for message in cases {
            let described = describe_unexpected(&message);
            assert!(!described.contains("ya29"), "{described}");
            assert!(described.contains("bytes"), "{described}");
        }
        assert_eq!(
            describe_unexpected(&json!({"id": 7, "method": "token.get"})),
            "id 7, method token.get, 29 bytes"
        );
    }

    #[test]
    fn messages_without_id_are_events_and_strays_are_reported() {
        let mut client = HostClient::new();
        let cases = [
            (
                json!({"event": "account.added", "data": {"email": "a@b"}}),
                Incoming::Event(Event {
                    event: "account.added".into(),
                    data: json!({"email": "a@b"}),
                }),
            ),
            (
                json!({"id": 99, "result": 1}),
                Incoming::Unexpected(json!({"id": 99, "result": 1})),
            ),
            (
                json!({"nonsense": true}),
                Incoming::Unexpected(json!({"nonsense": true})),
            ),
            (json!("text"), Incoming::Unexpected(json!("text"))),
        ];
        for (message, expected) in cases {
            assert_eq!(
                client.handle(message.clone()),
                expected,
                "message {message}"
            );
        }
    }
}
