//! Access tokens on demand. From memory while valid for more than the margin; otherwise, under a per-account
//! lock in this process and an advisory file lock shared with other host processes (Chrome's and Firefox's),
//! re-read the keyring entry (another process may just have refreshed) and refresh only if still needed.

use crate::config::{self, Config};
use crate::errors::{account_unknown, keyring_error, reauth_error};
use crate::oauth::{self, TokenError};
use crate::paths::Paths;
use crate::secrets::{self, Secrets, StoredGrant};
use gmux_core::protocol::{AccessToken, AccountStatus, ErrorBody, ErrorCode, ReauthData};
use std::collections::HashMap;
use std::fs::File;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// An access token is refreshed when it has less than this left: callers then always get one that lasts
/// through a sync round. Tests shorten it with `GMUX_REFRESH_MARGIN_SECS`.
pub const DEFAULT_REFRESH_MARGIN: Duration = Duration::from_secs(300);

/// Retries of a refresh on transient failures, with exponential backoff from this base.
const TRANSIENT_RETRIES: u32 = 3;
const BACKOFF_BASE: Duration = Duration::from_millis(200);

pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

#[derive(Clone)]
struct Cached {
    access_token: String,
    expires_at_ms: u64,
    /// When this process got it: a forced refresh is satisfied by a token got after the caller asked.
    obtained_at_ms: u64,
}

pub struct Tokens {
    paths: Paths,
    secrets: Arc<Secrets>,
    http: reqwest::Client,
    margin_ms: u64,
    slots: Mutex<HashMap<String, Arc<tokio::sync::Mutex<Option<Cached>>>>>,
}

fn margin_from_env() -> Duration {
    std::env::var("GMUX_REFRESH_MARGIN_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .map(Duration::from_secs)
        .unwrap_or(DEFAULT_REFRESH_MARGIN)
}

impl Tokens {
    pub fn new(paths: Paths, secrets: Arc<Secrets>, http: reqwest::Client) -> Self {
        Tokens {
            paths,
            secrets,
            http,
            margin_ms: margin_from_env().as_millis() as u64,
            slots: Mutex::new(HashMap::new()),
        }
    }

    fn slot(&self, sub: &str) -> Arc<tokio::sync::Mutex<Option<Cached>>> {
        let mut slots = self.slots.lock().unwrap_or_else(|p| p.into_inner());
        slots.entry(sub.to_string()).or_default().clone()
    }

    fn existing_slot(&self, sub: &str) -> Option<Arc<tokio::sync::Mutex<Option<Cached>>>> {
        let slots = self.slots.lock().unwrap_or_else(|p| p.into_inner());
        slots.get(sub).cloned()
    }

    /// How many accounts this process keeps a slot for (tests: unknown ids must leave none).
    pub fn slot_count(&self) -> usize {
        self.slots.lock().unwrap_or_else(|p| p.into_inner()).len()
    }

    fn fresh(&self, expires_at_ms: u64) -> bool {
        expires_at_ms > now_ms() + self.margin_ms
    }

    /// Forgets the in-memory token (account removed or re-added).
    pub async fn forget(&self, sub: &str) {
        let slot = self
            .slots
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(sub);
        if let Some(slot) = slot {
            *slot.lock().await = None;
        }
    }

    /// Puts a just-minted token in memory (after a consent).
    pub async fn prime(&self, sub: &str, access_token: String, expires_at_ms: u64) {
        *self.slot(sub).lock().await = Some(Cached {
            access_token,
            expires_at_ms,
            obtained_at_ms: now_ms(),
        });
    }

    pub async fn get(&self, sub: &str) -> Result<AccessToken, ErrorBody> {
        self.get_with(sub, false).await
    }

    /// `force_refresh`: Gmail refused the token the caller had, so a token this process already held when the
    /// caller asked is not good enough. Callers forcing at the same moment still share one refresh: whoever
    /// waited behind it takes the token it produced, and another process's newer token is taken from the keyring.
    pub async fn get_with(&self, sub: &str, force_refresh: bool) -> Result<AccessToken, ErrorBody> {
        let asked_at_ms = now_ms();
        // Only an account in the index gets a slot: ids a caller makes up must leave nothing behind, or a
        // loop of them would grow this map without end.
        let slot = match self.existing_slot(sub) {
            Some(slot) => slot,
            None => {
                config::configured(&self.paths)?;
                let accounts = config::load_accounts(&self.paths)
                    .map_err(|e| ErrorBody::new(ErrorCode::Internal, e.to_string()))?;
                if !accounts.iter().any(|a| a.id == sub) {
                    return Err(account_unknown(sub));
                }
                self.slot(sub)
            }
        };
        let mut cached = slot.lock().await;
        let mut rejected: Option<String> = None;
        if let Some(c) = cached.as_ref() {
            if self.fresh(c.expires_at_ms) && (!force_refresh || c.obtained_at_ms >= asked_at_ms) {
                return Ok(AccessToken {
                    access_token: c.access_token.clone(),
                    expires_at_ms: c.expires_at_ms,
                });
            }
            if force_refresh {
                rejected = Some(c.access_token.clone());
            }
        }
        *cached = None;
        let config = config::configured(&self.paths)?;
        let accounts = config::load_accounts(&self.paths)
            .map_err(|e| ErrorBody::new(ErrorCode::Internal, e.to_string()))?;
        let Some(account) = accounts.into_iter().find(|a| a.id == sub) else {
            return Err(account_unknown(sub));
        };
        if account.status == AccountStatus::ReauthRequired {
            return Err(reauth_error(
                &account.email,
                account.status_detail.as_deref(),
            ));
        }
        let _file_lock = self.lock_file(sub).await?;
        let sub_owned = sub.to_string();
        let stored = secrets::run(self.secrets.clone(), move |s| s.get_blocking(&sub_owned))
            .await
            .map_err(keyring_error)?;
        let Some(stored) = stored else {
            let detail = "the refresh token is missing from the OS keyring";
            self.mark_reauth(sub, detail).await;
            return Err(reauth_error(&account.email, Some(detail)));
        };
        if let (Some(token), Some(expires)) = (&stored.access_token, stored.expires_at_ms) {
            // When forced, only a token other than the refused one will do; without knowing which one was
            // refused (this process never handed one out), refresh.
            let acceptable = !force_refresh || rejected.as_deref().is_some_and(|r| r != token);
            if self.fresh(expires) && acceptable {
                tracing::debug!(
                    sub,
                    "access token from the keyring (refreshed by another process)"
                );
                *cached = Some(Cached {
                    access_token: token.clone(),
                    expires_at_ms: expires,
                    obtained_at_ms: now_ms(),
                });
                return Ok(AccessToken {
                    access_token: token.clone(),
                    expires_at_ms: expires,
                });
            }
        }
        let response = self
            .refresh_with_retries(&config, &stored.refresh_token, sub)
            .await;
        match response {
            Ok(r) => {
                let expires_at_ms = r.expires_at_ms(now_ms());
                if r.refresh_token.is_some() {
                    tracing::info!(sub, "Google sent a new refresh token; storing it");
                }
                let rotated = r.refresh_token.is_some();
                let grant = StoredGrant {
                    refresh_token: r.refresh_token.clone().unwrap_or(stored.refresh_token),
                    access_token: Some(r.access_token.clone()),
                    expires_at_ms: Some(expires_at_ms),
                    refresh_issued_at_ms: if rotated { Some(now_ms()) } else { stored.refresh_issued_at_ms },
                };
                let sub_owned = sub.to_string();
                secrets::run(self.secrets.clone(), move |s| s.set_blocking(&sub_owned, &grant))
                    .await
                    .map_err(keyring_error)?;
                tracing::info!(sub, token = %crate::logging::fingerprint(&r.access_token), "refreshed");
                *cached = Some(Cached {
                    access_token: r.access_token.clone(),
                    expires_at_ms,
                    obtained_at_ms: now_ms(),
                });
                Ok(AccessToken { access_token: r.access_token, expires_at_ms })
            }
            Err(TokenError::InvalidGrant(description)) => {
                tracing::warn!(sub, "refresh refused: invalid_grant: {description}");
                self.mark_reauth(sub, &description).await;
                let mut error = reauth_error(&account.email, Some(&description));
                if stored.refresh_issued_at_ms.is_some_and(|issued| looks_like_testing_expiry(issued, now_ms())) {
                    error.message.push_str(
                        ". It died 7 days after it was issued, which is what Google does to projects in \"Testing\" \
                         status: in the Google Cloud console set the OAuth consent screen's publishing status to \
                         \"In production\", then add the account again",
                    );
                    error.data = serde_json::to_value(ReauthData {
                        description: Some(description),
                        testing_status_suspected: true,
                    })
                    .ok();
                }
                Err(error)
            }
            Err(TokenError::InvalidClient(description)) => Err(ErrorBody::new(
                ErrorCode::OauthClientRejected,
                format!(
                    "Google rejected the OAuth client ({description}); check the client in the Google Cloud console \
                     and run gmux-host configure --client-secrets FILE again"
                ),
            )),
            Err(TokenError::Transient(detail)) => Err(ErrorBody::new(
                ErrorCode::TokenEndpointUnreachable,
                format!("Google's token endpoint could not be reached ({detail}); check the network and retry in a minute"),
            )),
            Err(TokenError::Other(detail)) => Err(ErrorBody::new(ErrorCode::Internal, detail)),
        }
    }

    async fn refresh_with_retries(
        &self,
        config: &Config,
        refresh_token: &str,
        sub: &str,
    ) -> Result<oauth::TokenResponse, TokenError> {
        let mut attempt = 0;
        loop {
            match oauth::refresh(&self.http, config, refresh_token).await {
                Err(TokenError::Transient(detail)) if attempt < TRANSIENT_RETRIES => {
                    let jitter = rand::random::<u64>() % 100;
                    let wait = BACKOFF_BASE * 2u32.pow(attempt) + Duration::from_millis(jitter);
                    tracing::warn!(
                        sub,
                        attempt,
                        "refresh failed ({detail}); retrying in {wait:?}"
                    );
                    tokio::time::sleep(wait).await;
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    /// The cross-process lock for one account's refresh. Held until the returned file is dropped.
    async fn lock_file(&self, sub: &str) -> Result<File, ErrorBody> {
        use sha2::Digest;
        let digest = sha2::Sha256::digest(sub.as_bytes());
        let name: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
        let dir = self.paths.locks_dir();
        let path = dir.join(format!("token-{name}.lock"));
        let task = tokio::task::spawn_blocking(move || -> std::io::Result<File> {
            crate::private::create_dir(&dir)?;
            let file = crate::private::open_lock(&path)?;
            file.lock()?;
            Ok(file)
        });
        match tokio::time::timeout(Duration::from_secs(60), task).await {
            Ok(Ok(Ok(f))) => Ok(f),
            Ok(Ok(Err(e))) => Err(ErrorBody::new(ErrorCode::Internal, format!("locking the token refresh: {e}"))),
            Ok(Err(e)) => Err(ErrorBody::new(ErrorCode::Internal, format!("locking the token refresh: {e}"))),
            Err(_) => Err(ErrorBody::new(
                ErrorCode::Internal,
                "another gmux-host process has held the token lock for a minute; retry, or restart the browser",
            )),
        }
    }

    async fn mark_reauth(&self, sub: &str, detail: &str) {
        let paths = self.paths.clone();
        let sub = sub.to_string();
        let detail = detail.to_string();
        let result = tokio::task::spawn_blocking(move || -> Result<(), config::ConfigError> {
            let mut index = config::lock_accounts(&paths)?;
            if let Some(a) = index.get_mut(&sub) {
                a.status = AccountStatus::ReauthRequired;
                a.status_detail = Some(detail);
            }
            index.save()
        })
        .await;
        if !matches!(result, Ok(Ok(()))) {
            tracing::error!("could not mark the account for re-authorisation");
        }
    }
}

/// Google kills refresh tokens of "Testing" projects 7 days after issue; the host notices at the first refresh
/// after that, which may be a while later if the machine was off.
pub fn looks_like_testing_expiry(issued_at_ms: u64, now_ms: u64) -> bool {
    const HOUR_MS: u64 = 3600 * 1000;
    let age = now_ms.saturating_sub(issued_at_ms);
    (7 * 24 * HOUR_MS - HOUR_MS..8 * 24 * HOUR_MS).contains(&age)
}

#[cfg(test)]
mod tests {
    use super::*;
    use gmux_core::protocol::Endpoints;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// A one-route fake token endpoint (unit tests only; the integration tests use gmux-emulator). Answers
    /// every request with `body` and counts requests.
    async fn fake_token_endpoint(
        body: &'static str,
    ) -> (String, Arc<std::sync::atomic::AtomicUsize>) {
        fake_endpoint("200 OK", body).await
    }

    async fn fake_endpoint(
        status: &'static str,
        body: &'static str,
    ) -> (String, Arc<std::sync::atomic::AtomicUsize>) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/token", listener.local_addr().unwrap());
        let count = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let seen = count.clone();
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                // Headers, then as much body as Content-Length says.
                loop {
                    let n = stream.read(&mut chunk).await.unwrap_or(0);
                    if n == 0 {
                        break;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                    let text = String::from_utf8_lossy(&buf).to_string();
                    if let Some(end) = text.find("\r\n\r\n") {
                        let len = text
                            .lines()
                            .find_map(|l| {
                                l.to_ascii_lowercase()
                                    .strip_prefix("content-length:")
                                    .map(|v| v.trim().to_string())
                            })
                            .and_then(|v| v.parse::<usize>().ok())
                            .unwrap_or(0);
                        if buf.len() >= end + 4 + len {
                            break;
                        }
                    }
                }
                let response = format!(
                    "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = stream.write_all(response.as_bytes()).await;
            }
        });
        (url, count)
    }

    /// A host core with one account `sub1` whose stored access token is stale, refreshing at `token_url`.
    fn one_stale_account(
        token_url: String,
        refresh_issued_at_ms: Option<u64>,
    ) -> (tempfile::TempDir, Paths, Arc<Secrets>) {
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths {
            config_dir: dir.path().join("c"),
            state_dir: dir.path().join("s"),
        };
        let mut endpoints = Endpoints::google();
        endpoints.token = token_url;
        config::save_config(
            &paths,
            &Config {
                client_id: "id".into(),
                client_secret: "s".into(),
                endpoints,
                issuer: config::GOOGLE_ISSUER.into(),
            },
        )
        .unwrap();
        let mut index = config::lock_accounts(&paths).unwrap();
        index.upsert("sub1", "a@example.com", vec![]);
        index.save().unwrap();
        drop(index);
        let secrets = Arc::new(Secrets::with_store(
            keyring_core::mock::Store::new().unwrap(),
        ));
        let stale = StoredGrant {
            refresh_token: "1//old".into(),
            access_token: Some("ya29.old".into()),
            expires_at_ms: Some(1),
            refresh_issued_at_ms,
        };
        secrets.set_blocking("sub1", &stale).unwrap();
        (dir, paths, secrets)
    }

    #[tokio::test]
    async fn a_refresh_token_google_sends_replaces_the_stored_one() {
        let (token_url, calls) = fake_token_endpoint(
            r#"{"access_token":"ya29.new","expires_in":3599,"refresh_token":"1//rotated","token_type":"Bearer"}"#,
        )
        .await;
        let (_dir, paths, secrets) = one_stale_account(token_url, Some(1));
        let tokens = Tokens::new(paths, secrets.clone(), oauth::http_client());
        let got = tokens.get("sub1").await.unwrap();
        assert_eq!(got.access_token, "ya29.new");
        let stored = secrets.get_blocking("sub1").unwrap().unwrap();
        assert_eq!(stored.refresh_token, "1//rotated");
        assert_eq!(stored.access_token.as_deref(), Some("ya29.new"));
        assert!(stored.refresh_issued_at_ms.unwrap() > 1);
        // Served from memory now.
        assert_eq!(tokens.get("sub1").await.unwrap(), got);
        assert_eq!(calls.load(std::sync::atomic::Ordering::SeqCst), 1);
        assert!(
            matches!(tokens.get("nobody").await, Err(e) if e.code == ErrorCode::AccountUnknown)
        );
    }

    #[tokio::test]
    async fn token_get_for_unknown_accounts_leaves_nothing_behind() {
        let (token_url, calls) =
            fake_token_endpoint(r#"{"access_token":"ya29.new","expires_in":3599}"#).await;
        let (_dir, paths, secrets) = one_stale_account(token_url, None);
        let tokens = Tokens::new(paths.clone(), secrets, oauth::http_client());
        for n in 0..1000 {
            let err = tokens
                .get_with(&format!("made-up-{n}"), n % 2 == 0)
                .await
                .unwrap_err();
            assert_eq!(err.code, ErrorCode::AccountUnknown);
        }
        assert_eq!(tokens.slot_count(), 0);
        let locks: Vec<_> = std::fs::read_dir(paths.locks_dir())
            .unwrap()
            .flatten()
            .map(|e| e.file_name())
            .filter(|n| n.to_string_lossy().starts_with("token-"))
            .collect();
        assert!(locks.is_empty(), "{locks:?}");
        assert_eq!(calls.load(std::sync::atomic::Ordering::SeqCst), 0);
        // A known account gets its slot, and removing it drops the slot again.
        tokens.get("sub1").await.unwrap();
        assert_eq!(tokens.slot_count(), 1);
        tokens.forget("sub1").await;
        assert_eq!(tokens.slot_count(), 0);
    }

    #[tokio::test]
    async fn a_refresh_token_dead_after_seven_days_points_at_a_testing_project() {
        let body =
            r#"{"error":"invalid_grant","error_description":"Token has been expired or revoked."}"#;
        let day = 24 * 3600 * 1000;
        for (age, suspected) in [
            (7 * day + 60_000, true),
            (2 * day, false),
            (30 * day, false),
        ] {
            let (url, _) = fake_endpoint("400 Bad Request", body).await;
            let (_dir, paths, secrets) = one_stale_account(url, Some(now_ms() - age));
            let tokens = Tokens::new(paths.clone(), secrets, oauth::http_client());
            let err = tokens.get("sub1").await.unwrap_err();
            assert_eq!(err.code, ErrorCode::ReauthRequired);
            assert_eq!(
                err.message.contains("In production"),
                suspected,
                "{}",
                err.message
            );
            let data = err.data.unwrap();
            assert_eq!(data["description"], "Token has been expired or revoked.");
            assert_eq!(data.get("testing_status_suspected").is_some(), suspected);
            let account = config::load_accounts(&paths).unwrap().remove(0);
            assert_eq!(account.status, AccountStatus::ReauthRequired);
            assert_eq!(
                account.status_detail.as_deref(),
                Some("Token has been expired or revoked.")
            );
        }
    }

    #[test]
    fn testing_expiry_window() {
        let day = 24 * 3600 * 1000;
        assert!(looks_like_testing_expiry(0, 7 * day));
        assert!(!looks_like_testing_expiry(0, 6 * day));
        assert!(!looks_like_testing_expiry(0, 9 * day));
        assert!(!looks_like_testing_expiry(10 * day, 0));
    }
}
