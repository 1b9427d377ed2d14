//! The host's error replies: a stable code and a sentence a person can act on. Every module builds its
//! errors here, so one failure reads the same wherever it happens.

use crate::secrets::SecretError;
use gmux_core::protocol::{ErrorBody, ErrorCode, ReauthData};

pub fn malformed(message: impl Into<String>) -> ErrorBody {
    ErrorBody::new(ErrorCode::RequestMalformed, message)
}

pub fn internal(message: impl std::fmt::Display) -> ErrorBody {
    ErrorBody::new(ErrorCode::Internal, message.to_string())
}

pub fn keyring_error(e: SecretError) -> ErrorBody {
    match e {
        SecretError::Unavailable(m) => ErrorBody::new(ErrorCode::KeyringUnavailable, m),
        SecretError::Damaged(m) => ErrorBody::new(
            ErrorCode::Internal,
            format!("{m}; remove the account and add it again"),
        ),
    }
}

pub fn not_configured() -> ErrorBody {
    ErrorBody::new(
        ErrorCode::OauthClientNotConfigured,
        "no OAuth client is configured; create a \"Desktop app\" OAuth client in the Google Cloud console, download \
         its JSON and run: gmux-host configure --client-secrets FILE",
    )
}

pub fn reauth_error(email: &str, detail: Option<&str>) -> ErrorBody {
    let mut body = ErrorBody::new(
        ErrorCode::ReauthRequired,
        format!(
            "Google no longer accepts gmux's access to {email}{}; add the account again to re-authorise it",
            detail.map(|d| format!(" ({d})")).unwrap_or_default()
        ),
    );
    body.data = serde_json::to_value(ReauthData {
        description: detail.map(String::from),
        testing_status_suspected: false,
    })
    .ok();
    body
}

pub fn account_unknown(sub: &str) -> ErrorBody {
    ErrorBody::new(
        ErrorCode::AccountUnknown,
        format!("gmux-host knows no account {sub:?}; reload the account list or add the account"),
    )
}
