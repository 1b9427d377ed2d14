//! Access tokens for the sync engine, from gmux-host's `token.get`. Kept in memory only (never in
//! `storage.local` or `storage.session`) until shortly before they expire.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use futures::future::LocalBoxFuture;
use gmux_core::protocol::{method, AccessToken, ErrorCode, TokenGetParams};
use gmux_gmail::env::{TokenError, TokenSource};

use super::host::HostPort;
use crate::host_client::RequestError;

/// A cached token is used while it has more than this left; the host itself refreshes 5 minutes before expiry,
/// so this only keeps the background from using a token that dies in flight.
const EXPIRY_MARGIN_MS: u64 = 60_000;

/// Tokens by account id, with their expiry (unix ms).
#[derive(Default)]
pub struct TokenCache {
    tokens: HashMap<String, AccessToken>,
}

impl TokenCache {
    /// A cached token still good at `now_ms`.
    pub fn fresh(&self, account: &str, now_ms: u64) -> Option<String> {
        self.tokens
            .get(account)
            .filter(|t| t.expires_at_ms > now_ms + EXPIRY_MARGIN_MS)
            .map(|t| t.access_token.clone())
    }

    pub fn put(&mut self, account: &str, token: AccessToken) {
        self.tokens.insert(account.to_string(), token);
    }

    pub fn forget(&mut self, account: &str) {
        self.tokens.remove(account);
    }
}

/// What a failed `token.get` means to the sync engine.
pub fn token_error(e: RequestError) -> TokenError {
    match e {
        RequestError::Host { body, .. } if body.code == ErrorCode::ReauthRequired => {
            TokenError::ReauthRequired(body.message)
        }
        other => TokenError::Unavailable(other.to_string()),
    }
}

/// The sync engine's [`TokenSource`]: gmux-host's `token.get` over the port, with a memory cache.
pub struct HostTokens {
    port: Rc<HostPort>,
    cache: RefCell<TokenCache>,
}

impl HostTokens {
    pub fn new(port: Rc<HostPort>) -> HostTokens {
        HostTokens {
            port,
            cache: RefCell::new(TokenCache::default()),
        }
    }
}

impl TokenSource for HostTokens {
    fn token<'a>(
        &'a self,
        account: &'a str,
        force_fresh: bool,
    ) -> LocalBoxFuture<'a, Result<String, TokenError>> {
        Box::pin(async move {
            let now = js_sys::Date::now() as u64;
            if force_fresh {
                self.cache.borrow_mut().forget(account);
            } else if let Some(token) = self.cache.borrow().fresh(account, now) {
                return Ok(token);
            }
            // force_refresh: Gmail refused the token the host handed out, so the host must mint a new one even
            // though its copy has not expired yet.
            let params = TokenGetParams {
                account: account.to_string(),
                force_refresh: force_fresh,
            };
            let token = self
                .port
                .call::<method::TokenGet>(&params)
                .await
                .map_err(token_error)?;
            let access = token.access_token.clone();
            self.cache.borrow_mut().put(account, token);
            Ok(access)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gmux_core::protocol::ErrorBody;

    #[test]
    fn cached_tokens_are_used_until_a_minute_before_expiry() {
        let mut cache = TokenCache::default();
        cache.put(
            "a",
            AccessToken {
                access_token: "ya29.x".into(),
                expires_at_ms: 1_000_000,
            },
        );
        assert_eq!(cache.fresh("a", 900_000).as_deref(), Some("ya29.x"));
        assert_eq!(cache.fresh("a", 940_000), None);
        assert_eq!(cache.fresh("b", 0), None);
        cache.forget("a");
        assert_eq!(cache.fresh("a", 0), None);
    }

    #[test]
    fn only_the_hosts_reauth_code_means_reauthorise() {
        let host = |code| RequestError::Host {
            method: "token.get".into(),
            body: ErrorBody::new(code, "words"),
        };
        assert_eq!(
            token_error(host(ErrorCode::ReauthRequired)),
            TokenError::ReauthRequired("words".into())
        );
        assert!(matches!(
            token_error(host(ErrorCode::TokenEndpointUnreachable)),
            TokenError::Unavailable(_)
        ));
        assert!(matches!(
            token_error(RequestError::Disconnected("gone".into())),
            TokenError::Unavailable(_)
        ));
    }
}
