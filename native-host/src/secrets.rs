//! The OS keyring: one entry per account (service `gmux`, user = the account's `sub`) holding the refresh
//! token and the latest access token with its expiry. There is no other place a token is written, and no
//! plaintext fallback when the keyring is locked or missing.

use keyring_core::{CredentialStore, Error as KeyringError};
use serde::{Deserialize, Serialize};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The keyring service name. Tests set `GMUX_KEYRING_SERVICE` so parallel tests never share entries.
pub fn service_name() -> String {
    std::env::var("GMUX_KEYRING_SERVICE").unwrap_or_else(|_| "gmux".to_string())
}

/// A keyring call that takes longer than this is treated as unavailable: a locked collection can wait
/// forever on an unlock prompt nobody will see.
pub const KEYRING_TIMEOUT: Duration = Duration::from_secs(10);

/// What one account's keyring entry holds.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredGrant {
    pub refresh_token: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_token: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at_ms: Option<u64>,
    /// When Google issued the refresh token: a death exactly 7 days later points at a "Testing" project.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_issued_at_ms: Option<u64>,
}

// Never print a token, even in a debug log.
impl std::fmt::Debug for StoredGrant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoredGrant")
            .field(
                "refresh_token",
                &crate::logging::fingerprint(&self.refresh_token),
            )
            .field(
                "access_token",
                &self
                    .access_token
                    .as_deref()
                    .map(crate::logging::fingerprint),
            )
            .field("expires_at_ms", &self.expires_at_ms)
            .field("refresh_issued_at_ms", &self.refresh_issued_at_ms)
            .finish()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    /// The keyring cannot be used right now; the message says why and what to do.
    #[error("{0}")]
    Unavailable(String),
    /// The entry exists but is not ours or is damaged.
    #[error("the keyring entry for this account is damaged: {0}")]
    Damaged(String),
}

fn unavailable(detail: impl std::fmt::Display) -> SecretError {
    SecretError::Unavailable(format!(
        "the OS keyring is locked or unavailable ({detail}); unlock your keyring (on Linux: start and unlock \
         gnome-keyring or KWallet, on macOS: unlock the login keychain) and try again"
    ))
}

fn map_error(e: KeyringError) -> SecretError {
    match e {
        KeyringError::BadEncoding(_) | KeyringError::BadDataFormat(..) => {
            SecretError::Damaged(e.to_string())
        }
        other => unavailable(other),
    }
}

/// Creates the platform store: Secret Service on Linux, Keychain on macOS, Credential Manager on Windows.
fn platform_store() -> Result<Arc<CredentialStore>, SecretError> {
    #[cfg(target_os = "linux")]
    {
        let store = zbus_secret_service_keyring_store::Store::new().map_err(map_error)?;
        Ok(store)
    }
    #[cfg(target_os = "macos")]
    {
        let store = apple_native_keyring_store::keychain::Store::new().map_err(map_error)?;
        Ok(store)
    }
    #[cfg(target_os = "windows")]
    {
        let store = windows_native_keyring_store::Store::new().map_err(map_error)?;
        Ok(store)
    }
    #[cfg(not(any(target_os = "linux", target_os = "macos", target_os = "windows")))]
    {
        Err(unavailable("no supported keyring on this operating system"))
    }
}

/// Access to the keyring. The store is connected on first use (not at start, so `hello` stays fast), and
/// reconnected after a failure so unlocking the keyring fixes things without restarting the browser.
pub struct Secrets {
    service: String,
    store: Mutex<Option<Arc<CredentialStore>>>,
    /// Unit tests pass a mock store; the real host never does.
    fixed: bool,
}

impl Secrets {
    pub fn platform() -> Self {
        Secrets {
            service: service_name(),
            store: Mutex::new(None),
            fixed: false,
        }
    }

    pub fn with_store(store: Arc<CredentialStore>) -> Self {
        Secrets {
            service: service_name(),
            store: Mutex::new(Some(store)),
            fixed: true,
        }
    }

    fn store(&self) -> Result<Arc<CredentialStore>, SecretError> {
        let mut guard = self
            .store
            .lock()
            .map_err(|_| unavailable("internal lock poisoned"))?;
        if let Some(s) = guard.as_ref() {
            return Ok(s.clone());
        }
        let s = platform_store()?;
        *guard = Some(s.clone());
        Ok(s)
    }

    fn forget_store(&self) {
        if !self.fixed {
            if let Ok(mut guard) = self.store.lock() {
                *guard = None;
            }
        }
    }

    fn entry(&self, sub: &str) -> Result<keyring_core::Entry, SecretError> {
        self.store()?
            .build(&self.service, sub, None)
            .map_err(map_error)
    }

    fn after<T>(&self, r: Result<T, SecretError>) -> Result<T, SecretError> {
        if matches!(r, Err(SecretError::Unavailable(_))) {
            self.forget_store();
        }
        r
    }

    /// Blocking: the account's entry, or `None` when there is none.
    pub fn get_blocking(&self, sub: &str) -> Result<Option<StoredGrant>, SecretError> {
        let r = (|| {
            let entry = self.entry(sub)?;
            match entry.get_password() {
                Ok(text) => serde_json::from_str(&text)
                    .map(Some)
                    .map_err(|e| SecretError::Damaged(e.to_string())),
                Err(KeyringError::NoEntry) => Ok(None),
                Err(e) => Err(map_error(e)),
            }
        })();
        self.after(r)
    }

    pub fn set_blocking(&self, sub: &str, grant: &StoredGrant) -> Result<(), SecretError> {
        let r = (|| {
            let text =
                serde_json::to_string(grant).map_err(|e| SecretError::Damaged(e.to_string()))?;
            self.entry(sub)?.set_password(&text).map_err(map_error)
        })();
        self.after(r)
    }

    /// Deletes the entry; `Ok(false)` when there was none.
    pub fn delete_blocking(&self, sub: &str) -> Result<bool, SecretError> {
        let r = (|| match self.entry(sub)?.delete_credential() {
            Ok(()) => Ok(true),
            Err(KeyringError::NoEntry) => Ok(false),
            Err(e) => Err(map_error(e)),
        })();
        self.after(r)
    }

    /// Checks that the keyring answers, for `doctor`: reads an entry that does not exist.
    pub fn probe_blocking(&self) -> Result<(), SecretError> {
        self.get_blocking("gmux-doctor-probe").map(|_| ())
    }
}

/// Runs a blocking keyring call off the async threads, with [`KEYRING_TIMEOUT`].
pub async fn run<T: Send + 'static>(
    secrets: Arc<Secrets>,
    f: impl FnOnce(&Secrets) -> Result<T, SecretError> + Send + 'static,
) -> Result<T, SecretError> {
    let task = tokio::task::spawn_blocking(move || f(&secrets));
    match tokio::time::timeout(KEYRING_TIMEOUT, task).await {
        Ok(Ok(r)) => r,
        Ok(Err(e)) => Err(unavailable(format!("keyring call failed: {e}"))),
        Err(_) => Err(unavailable(
            "it did not answer within 10 seconds, perhaps waiting for an unlock prompt",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mock() -> Secrets {
        Secrets::with_store(keyring_core::mock::Store::new().unwrap())
    }

    #[test]
    fn round_trip_and_delete() {
        let s = mock();
        assert_eq!(s.get_blocking("sub1").unwrap(), None);
        let g = StoredGrant {
            refresh_token: "1//r".into(),
            access_token: Some("ya29".into()),
            expires_at_ms: Some(5),
            refresh_issued_at_ms: Some(1),
        };
        s.set_blocking("sub1", &g).unwrap();
        assert_eq!(s.get_blocking("sub1").unwrap(), Some(g));
        assert!(s.delete_blocking("sub1").unwrap());
        assert!(!s.delete_blocking("sub1").unwrap());
        assert_eq!(s.get_blocking("sub1").unwrap(), None);
    }

    #[test]
    fn debug_output_hides_tokens() {
        let g = StoredGrant {
            refresh_token: "1//secret-refresh".into(),
            access_token: Some("ya29.secret-access".into()),
            expires_at_ms: None,
            refresh_issued_at_ms: None,
        };
        let text = format!("{g:?}");
        assert!(!text.contains("secret"), "{text}");
    }

    #[test]
    fn unavailable_errors_say_what_to_do() {
        let e = map_error(KeyringError::NoStorageAccess(Box::new(
            std::io::Error::other("locked"),
        )));
        assert!(matches!(&e, SecretError::Unavailable(m) if m.contains("unlock")));
    }
}
