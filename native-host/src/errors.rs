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

/// What the extension is told about a keyring entry gmux cannot read, whatever the reason.
pub const KEYRING_ENTRY_UNREADABLE: &str =
    "the OS keyring holds something gmux cannot read for this account; remove the account and add it again";

pub fn keyring_error(e: SecretError) -> ErrorBody {
    match e {
        SecretError::Unavailable(m) => ErrorBody::new(ErrorCode::KeyringUnavailable, m),
        // The reader's own words may quote what it could not read, which is the stored secret: they go to
        // the log (scrubbed there), the extension gets fixed wording.
        SecretError::Damaged(m) => {
            tracing::warn!("a keyring entry could not be read: {m}");
            ErrorBody::new(ErrorCode::Internal, KEYRING_ENTRY_UNREADABLE)
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secrets::Secrets;
    use keyring_core::CredentialStore;

    #[test]
    fn an_unreadable_keyring_entry_is_reported_in_fixed_words() {
        let store: std::sync::Arc<CredentialStore> = keyring_core::mock::Store::new().unwrap();
        // What an older version or another program might have left: the bare refresh token, not gmux's JSON.
        store
            .build(&crate::secrets::service_name(), "sub1", None)
            .unwrap()
            .set_password("1//0raw-refresh-token-secret")
            .unwrap();
        let secrets = Secrets::with_store(store);
        let e = secrets.get_blocking("sub1").unwrap_err();
        assert!(
            matches!(e, crate::secrets::SecretError::Damaged(_)),
            "{e:?}"
        );
        let body = keyring_error(e);
        assert_eq!(body.code, ErrorCode::Internal);
        assert_eq!(body.message, KEYRING_ENTRY_UNREADABLE);
        assert!(body.data.is_none());
    }
}
