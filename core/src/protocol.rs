//! The messages between the extension's background and gmux-host. `native-host/PROTOCOL.md` is the
//! document; these types are its code. Error codes are append-only: never change or reuse a value.

use serde::de::DeserializeOwned;
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
    /// As many consent flows as the host allows ([`MAX_CONSENT_FLOWS`]) are already waiting for a browser tab.
    TooManyConsentFlows,
}

impl ErrorCode {
    /// Every code, in the order they were added (new ones go at the end).
    pub const ALL: [ErrorCode; 17] = [
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
        ErrorCode::TooManyConsentFlows,
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
            ErrorCode::TooManyConsentFlows => "too_many_consent_flows",
        }
    }
}

/// Event names the host pushes (`Event::event`); each has a data type implementing [`EventData`].
pub mod events {
    /// A consent finished: data [`AccountsAdded`](super::AccountsAdded).
    pub const ACCOUNTS_ADDED: &str = "accounts.added";
    /// A consent failed: data [`AccountsAddFailed`](super::AccountsAddFailed).
    pub const ACCOUNTS_ADD_FAILED: &str = "accounts.add_failed";
}

/// The most requests one host process works on at once. The host reads no further request while this many
/// are unanswered, so a caller that floods it waits for its own replies instead of growing the host's memory.
pub const MAX_REQUESTS_IN_FLIGHT: usize = 64;

/// The most replies and events queued for the browser. When the browser does not read them, handlers wait,
/// and with them the reading of new requests.
pub const MAX_QUEUED_REPLIES: usize = 32;

/// The most consent flows waiting for a browser tab at once, per host process; a third `accounts.add` is
/// answered `too_many_consent_flows`.
pub const MAX_CONSENT_FLOWS: usize = 2;

/// The largest answer the host reads from Google's token, revoke and userinfo endpoints. Real answers are a
/// few KiB; a bigger one is refused with a clear error instead of being buffered.
pub const MAX_GOOGLE_RESPONSE: usize = 64 * 1024;

/// One method of the protocol: its name on the wire and the shapes of its params and result. The host
/// dispatches on [`Method::NAME`]; a client builds requests and reads results through the same types:
///
/// ```
/// use gmux_core::protocol::{method, Method, TokenGetParams};
/// let request = method::TokenGet::request(
///     7.into(),
///     &TokenGetParams { account: "110248495921238986420".into(), force_refresh: false },
/// );
/// assert_eq!(request.method, "token.get");
/// let token = method::TokenGet::result(serde_json::json!({"access_token": "ya29.x", "expires_at_ms": 1})).unwrap();
/// assert_eq!(token.expires_at_ms, 1);
/// ```
pub trait Method {
    /// The `method` string of a request.
    const NAME: &'static str;
    type Params: Serialize + DeserializeOwned;
    type Result: Serialize + DeserializeOwned;

    /// A request for this method.
    fn request(id: Value, params: &Self::Params) -> Request {
        Request {
            id,
            method: Self::NAME.to_string(),
            // Cannot fail: params are plain structs of strings, numbers and booleans.
            params: serde_json::to_value(params).unwrap_or(Value::Null),
        }
    }

    /// Reads this method's params; missing or `null` params count as `{}`, unknown fields are ignored.
    fn params(params: Value) -> Result<Self::Params, serde_json::Error> {
        let params = if params.is_null() {
            Value::Object(Default::default())
        } else {
            params
        };
        serde_json::from_value(params)
    }

    /// Reads this method's result.
    fn result(result: Value) -> Result<Self::Result, serde_json::Error> {
        serde_json::from_value(result)
    }
}

/// The methods, one marker type each (see [`Method`]).
pub mod method {
    use super::*;

    /// The handshake: `hello`.
    pub struct Hello;
    impl Method for Hello {
        const NAME: &'static str = "hello";
        type Params = HelloParams;
        type Result = super::Hello;
    }

    /// `accounts.list`.
    pub struct AccountsList;
    impl Method for AccountsList {
        const NAME: &'static str = "accounts.list";
        type Params = AccountsListParams;
        type Result = AccountsListResult;
    }

    /// `accounts.add`: starts a consent; the outcome comes later as an event.
    pub struct AccountsAdd;
    impl Method for AccountsAdd {
        const NAME: &'static str = "accounts.add";
        type Params = AccountsAddParams;
        type Result = AccountsAddResult;
    }

    /// `accounts.remove`.
    pub struct AccountsRemove;
    impl Method for AccountsRemove {
        const NAME: &'static str = "accounts.remove";
        type Params = AccountsRemoveParams;
        type Result = AccountsRemoveResult;
    }

    /// `accounts.update`.
    pub struct AccountsUpdate;
    impl Method for AccountsUpdate {
        const NAME: &'static str = "accounts.update";
        type Params = AccountsUpdateParams;
        type Result = AccountsUpdateResult;
    }

    /// `token.get`.
    pub struct TokenGet;
    impl Method for TokenGet {
        const NAME: &'static str = "token.get";
        type Params = TokenGetParams;
        type Result = AccessToken;
    }
}

/// What `hello.capabilities` lists: every method but `hello` itself.
pub const CAPABILITIES: [&str; 5] = [
    method::AccountsList::NAME,
    method::AccountsAdd::NAME,
    method::AccountsRemove::NAME,
    method::AccountsUpdate::NAME,
    method::TokenGet::NAME,
];

/// `hello` params.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct HelloParams {
    /// The protocol the extension speaks; a higher one than the host's is refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<u32>,
}

/// `accounts.list` params: none.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AccountsListParams {}

/// `accounts.list` result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountsListResult {
    pub accounts: Vec<Account>,
}

/// `accounts.add` params.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AccountsAddParams {
    /// Pre-fills the account on Google's consent page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub login_hint: Option<String>,
}

/// `accounts.add` result, at once; the outcome follows as an [`AccountsAdded`] or [`AccountsAddFailed`]
/// event with the same `flow_id`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountsAddResult {
    /// The page to open in a tab.
    pub consent_url: String,
    pub flow_id: String,
}

/// `accounts.remove` params.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountsRemoveParams {
    /// The account's `id` (an email also works).
    pub account: String,
}

/// `accounts.remove` result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountsRemoveResult {
    /// Always true: the account is forgotten even when revoking failed.
    pub removed: bool,
    /// Whether Google accepted the revocation.
    pub revoked: bool,
    /// Why revoking failed, when it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoke_error: Option<String>,
}

/// `accounts.update` params: the fields given are changed, the rest kept.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountsUpdateParams {
    pub account: String,
    /// `#rrggbb`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order: Option<u32>,
}

/// `accounts.update` result: the account as it is now.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountsUpdateResult {
    pub account: Account,
}

/// `token.get` params.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TokenGetParams {
    pub account: String,
    /// Gmail refused the token the caller had (401): do not hand it out again.
    #[serde(default)]
    pub force_refresh: bool,
}

/// The `data` of a `reauth_required` error.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ReauthData {
    /// Google's own words (`error_description`), when it gave any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The refresh token died 7 days after it was issued: the Google Cloud project is probably in "Testing".
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub testing_status_suspected: bool,
}

/// The data of one kind of [`Event`].
pub trait EventData: Serialize + DeserializeOwned {
    /// The `event` string.
    const NAME: &'static str;
}

/// A consent finished and the account is stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountsAdded {
    pub flow_id: String,
    pub account: Account,
}

impl EventData for AccountsAdded {
    const NAME: &'static str = events::ACCOUNTS_ADDED;
}

/// A consent failed; nothing was stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountsAddFailed {
    pub flow_id: String,
    pub code: ErrorCode,
    /// A sentence a person can act on.
    pub message: String,
}

impl EventData for AccountsAddFailed {
    const NAME: &'static str = events::ACCOUNTS_ADD_FAILED;
}

impl Event {
    /// An event carrying `data`.
    pub fn new<E: EventData>(data: &E) -> Event {
        Event {
            event: E::NAME.to_string(),
            // Cannot fail: event data are plain structs.
            data: serde_json::to_value(data).unwrap_or(Value::Null),
        }
    }

    /// The event's data as `E`, or `None` when it is another event.
    pub fn data<E: EventData>(&self) -> Option<Result<E, serde_json::Error>> {
        (self.event == E::NAME).then(|| serde_json::from_value(self.data.clone()))
    }
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
    fn a_method_builds_its_request_and_reads_missing_params_as_empty() {
        let request = method::AccountsUpdate::request(
            Value::from(3),
            &AccountsUpdateParams {
                account: "1".into(),
                color: Some("#abcdef".into()),
                order: None,
            },
        );
        assert_eq!(
            serde_json::to_value(&request).unwrap(),
            serde_json::json!({"id": 3, "method": "accounts.update", "params": {"account": "1", "color": "#abcdef"}})
        );
        assert_eq!(
            method::AccountsAdd::params(Value::Null).unwrap(),
            AccountsAddParams::default()
        );
        assert!(
            !method::TokenGet::params(serde_json::json!({"account": "1"}))
                .unwrap()
                .force_refresh
        );
        assert!(method::TokenGet::params(Value::Null).is_err());
    }

    #[test]
    fn events_carry_their_typed_data_under_their_name() {
        let failed = AccountsAddFailed {
            flow_id: "f".into(),
            code: ErrorCode::ConsentDenied,
            message: "denied".into(),
        };
        let event = Event::new(&failed);
        assert_eq!(event.event, "accounts.add_failed");
        assert_eq!(event.data::<AccountsAddFailed>().unwrap().unwrap(), failed);
        assert!(event.data::<AccountsAdded>().is_none());
    }

    #[test]
    fn request_params_default_to_null() {
        let r: Request = serde_json::from_str(r#"{"id":"a","method":"hello"}"#).unwrap();
        assert_eq!(r.params, Value::Null);
    }
}
