//! The messages between the extension's background and gmux-host. `native-host/PROTOCOL.md` is the
//! document; these types are its code. Error codes are append-only: never change or reuse a value.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Bumped only for incompatible changes; `hello` reports it and the extension refuses a mismatch.
pub const PROTOCOL_VERSION: u32 = 1;

/// Chrome refuses host-to-browser messages larger than this (1 MB); the host never sends one.
pub const MAX_HOST_TO_BROWSER: usize = 1024 * 1024;

/// The largest request the host accepts. Chrome allows 64 MiB, but no gmux request is near 1 MiB,
/// so anything bigger is garbage or an attack and is refused before it is buffered.
pub const MAX_BROWSER_TO_HOST: usize = 1024 * 1024;

/// A request from the extension. `id` is echoed in the reply; the host never interprets it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Request {
    pub id: Value,
    pub method: String,
    #[serde(default)]
    pub params: Value,
}

/// A reply to one request: exactly one of `result` and `error` is present.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reply {
    pub id: Value,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub result: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub error: Option<ErrorBody>,
}

impl Reply {
    pub fn ok(id: Value, result: Value) -> Self {
        Reply {
            id,
            result: Some(result),
            error: None,
        }
    }

    pub fn err(id: Value, error: ErrorBody) -> Self {
        Reply {
            id,
            result: None,
            error: Some(error),
        }
    }
}

/// An unsolicited message from the host (no `id`), for example when a browser-based consent finishes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub event: String,
    #[serde(default)]
    pub data: Value,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub code: ErrorCode,
    /// A sentence a person can act on.
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub data: Option<Value>,
}

impl ErrorBody {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ErrorBody {
            code,
            message: message.into(),
            data: None,
        }
    }
}

/// Stable error codes. Append only: the string of a code never changes and is never reused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The request could not be parsed or lacks a required field.
    RequestMalformed,
    /// The frame was larger than the host accepts.
    MessageTooLarge,
    /// No such method.
    MethodUnknown,
    /// The extension speaks a protocol version the host does not.
    UnsupportedProtocolVersion,
    /// The OS keyring (Secret Service, Keychain, Credential Manager) is locked or missing.
    KeyringUnavailable,
    /// `gmux-host configure --client-secrets FILE` has not been run.
    OauthClientNotConfigured,
    /// The account id is not known to the host.
    AccountUnknown,
    /// Google refused the refresh token (`invalid_grant`): the user must add the account again.
    ReauthRequired,
    /// The user denied consent in the browser.
    ConsentDenied,
    /// The consent flow was not finished in time.
    ConsentTimedOut,
    /// Google's token endpoint could not be reached or answered 5xx; retry later.
    TokenEndpointUnreachable,
    /// Anything else; the message says what.
    Internal,
    /// The consent finished but Google did not grant every scope gmux needs.
    ScopesNotGranted,
    /// The consent finished but no refresh token came back.
    NoRefreshToken,
    /// The redirect carried a `state` that does not match the flow.
    StateMismatch,
    /// Google rejected the OAuth client itself (`invalid_client`).
    OauthClientRejected,
}

impl ErrorCode {
    /// Every code, in the order they were added (new ones go at the end).
    pub const ALL: [ErrorCode; 16] = [
        ErrorCode::RequestMalformed,
        ErrorCode::MessageTooLarge,
        ErrorCode::MethodUnknown,
        ErrorCode::UnsupportedProtocolVersion,
        ErrorCode::KeyringUnavailable,
        ErrorCode::OauthClientNotConfigured,
        ErrorCode::AccountUnknown,
        ErrorCode::ReauthRequired,
        ErrorCode::ConsentDenied,
        ErrorCode::ConsentTimedOut,
        ErrorCode::TokenEndpointUnreachable,
        ErrorCode::Internal,
        ErrorCode::ScopesNotGranted,
        ErrorCode::NoRefreshToken,
        ErrorCode::StateMismatch,
        ErrorCode::OauthClientRejected,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::RequestMalformed => "request_malformed",
            ErrorCode::MessageTooLarge => "message_too_large",
            ErrorCode::MethodUnknown => "method_unknown",
            ErrorCode::UnsupportedProtocolVersion => "unsupported_protocol_version",
            ErrorCode::KeyringUnavailable => "keyring_unavailable",
            ErrorCode::OauthClientNotConfigured => "oauth_client_not_configured",
            ErrorCode::AccountUnknown => "account_unknown",
            ErrorCode::ReauthRequired => "reauth_required",
            ErrorCode::ConsentDenied => "consent_denied",
            ErrorCode::ConsentTimedOut => "consent_timed_out",
            ErrorCode::TokenEndpointUnreachable => "token_endpoint_unreachable",
            ErrorCode::Internal => "internal",
            ErrorCode::ScopesNotGranted => "scopes_not_granted",
            ErrorCode::NoRefreshToken => "no_refresh_token",
            ErrorCode::StateMismatch => "state_mismatch",
            ErrorCode::OauthClientRejected => "oauth_client_rejected",
        }
    }
}

/// Event names the host pushes (`Event::event`).
pub mod events {
    /// A consent finished: `data: {"flow_id", "account": Account}`.
    pub const ACCOUNTS_ADDED: &str = "accounts.added";
    /// A consent failed: `data: {"flow_id", "code": ErrorCode, "message"}`.
    pub const ACCOUNTS_ADD_FAILED: &str = "accounts.add_failed";
}

/// Google's API endpoints, or the emulator's in tests and the demo. `hello` reports them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Endpoints {
    pub authorize: String,
    pub token: String,
    pub revoke: String,
    pub userinfo: String,
    /// Base of the Gmail API, without a trailing slash: `{gmail}/gmail/v1/users/me/...`,
    /// `{gmail}/batch/gmail/v1`.
    pub gmail: String,
}

impl Endpoints {
    pub fn google() -> Self {
        Endpoints {
            authorize: "https://accounts.google.com/o/oauth2/v2/auth".into(),
            token: "https://oauth2.googleapis.com/token".into(),
            revoke: "https://oauth2.googleapis.com/revoke".into(),
            userinfo: "https://openidconnect.googleapis.com/v1/userinfo".into(),
            gmail: "https://gmail.googleapis.com".into(),
        }
    }

    /// Every endpoint on one base URL, as gmux-emulator serves them.
    pub fn emulator(base: &str) -> Self {
        let base = base.trim_end_matches('/');
        Endpoints {
            authorize: format!("{base}/o/oauth2/v2/auth"),
            token: format!("{base}/token"),
            revoke: format!("{base}/revoke"),
            userinfo: format!("{base}/v1/userinfo"),
            gmail: base.to_string(),
        }
    }
}

/// The `hello` result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Hello {
    pub protocol: u32,
    pub host_version: String,
    pub capabilities: Vec<String>,
    /// Whether an OAuth client is configured; without one, accounts cannot be added.
    pub configured: bool,
    pub endpoints: Endpoints,
}

/// An account's health as the host knows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountStatus {
    Ok,
    ReauthRequired,
}

/// One account in the host's index. Nothing secret.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Account {
    /// Google's stable `sub`.
    pub id: String,
    pub email: String,
    /// `#rrggbb`.
    pub color: String,
    pub order: u32,
    pub status: AccountStatus,
    pub scopes: Vec<String>,
    /// Google's own words when the account needs re-authorisation.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub status_detail: Option<String>,
}

/// The `token.get` result: a short-lived access token, never a refresh token.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccessToken {
    pub access_token: String,
    /// Unix time in milliseconds at which Google stops accepting it.
    pub expires_at_ms: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_codes_serialize_as_their_documented_strings() {
        for code in [
            ErrorCode::RequestMalformed,
            ErrorCode::MessageTooLarge,
            ErrorCode::ReauthRequired,
            ErrorCode::OauthClientRejected,
        ] {
            let v = serde_json::to_value(code).unwrap();
            assert_eq!(v, Value::String(code.as_str().to_string()));
        }
    }

    #[test]
    fn all_lists_every_code_once_and_each_serializes_as_its_string() {
        let mut seen = std::collections::HashSet::new();
        for code in ErrorCode::ALL {
            assert!(seen.insert(code.as_str()));
            assert_eq!(
                serde_json::to_value(code).unwrap(),
                Value::String(code.as_str().to_string())
            );
            let back: ErrorCode =
                serde_json::from_value(Value::String(code.as_str().to_string())).unwrap();
            assert_eq!(back, code);
        }
    }

    #[test]
    fn reply_has_either_result_or_error() {
        let r = Reply::ok(Value::from(1), serde_json::json!({"a": 1}));
        assert_eq!(
            serde_json::to_string(&r).unwrap(),
            r#"{"id":1,"result":{"a":1}}"#
        );
        let e = Reply::err(
            Value::from(2),
            ErrorBody::new(ErrorCode::AccountUnknown, "no such account"),
        );
        assert_eq!(
            serde_json::to_string(&e).unwrap(),
            r#"{"id":2,"error":{"code":"account_unknown","message":"no such account"}}"#
        );
    }

    #[test]
    fn request_params_default_to_null() {
        let r: Request = serde_json::from_str(r#"{"id":"a","method":"hello"}"#).unwrap();
        assert_eq!(r.params, Value::Null);
    }
}
