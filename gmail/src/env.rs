//! What the caller provides: HTTP, sleeping, the time, and access tokens. The extension implements these
//! with `fetch`, `setTimeout` and the native host; [`crate::native`] implements them with reqwest and tokio.
//!
//! Futures are `LocalBoxFuture` (no `Send`) because a browser's service worker is single-threaded and its
//! futures are not `Send`.

use futures::future::LocalBoxFuture;
use thiserror::Error;

/// One HTTP request. Header names are compared case-insensitively.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HttpRequest {
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// The largest answer from Gmail an [`Env`] reads. A thread read whole fits (a 20 MB HTML part is 27 MB in
/// base64); an answer past it is refused rather than held in memory.
pub const MAX_ANSWER_BYTES: usize = 48 * 1024 * 1024;

/// The header an [`Env`] adds to a response it stopped reading at [`MAX_ANSWER_BYTES`] (its body is then
/// empty); the client turns it into an error that says so.
pub const ANSWER_TOO_LARGE: &str = "x-gmux-answer-too-large";

/// One HTTP response.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HttpResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl HttpResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        header(&self.headers, name)
    }

    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// The first value of a header, by case-insensitive name.
pub fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// The request never got an HTTP answer (offline, DNS, connection refused, CORS refusal).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("network error: {0}")]
pub struct TransportError(pub String);

/// HTTP, timers and the clock. `std::time` panics on wasm, so time always comes from here.
pub trait Env {
    fn send(
        &self,
        request: HttpRequest,
    ) -> LocalBoxFuture<'_, Result<HttpResponse, TransportError>>;

    fn sleep(&self, ms: u64) -> LocalBoxFuture<'_, ()>;

    /// Unix time in milliseconds.
    fn now_ms(&self) -> u64;

    /// A random number for backoff jitter. The default mixes the clock, which is enough to spread
    /// retries of different accounts and workers apart; implementations may use a real RNG.
    fn random_u64(&self) -> u64 {
        splitmix64(self.now_ms())
    }
}

/// A well-mixed 64-bit hash of a seed (SplitMix64's finaliser).
pub fn splitmix64(seed: u64) -> u64 {
    let mut z = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Why no access token could be had.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TokenError {
    /// Google refused the refresh token: the user must add the account again.
    #[error("re-authorisation required: {0}")]
    ReauthRequired(String),
    /// The host or the token endpoint could not be reached; try later.
    #[error("no access token: {0}")]
    Unavailable(String),
}

/// Access tokens per account. The background implements it with the native host (`token.get`).
pub trait TokenSource {
    /// A valid access token for `account`. With `force_fresh`, the cached token was refused by Gmail
    /// and a new one must be minted.
    fn token<'a>(
        &'a self,
        account: &'a str,
        force_fresh: bool,
    ) -> LocalBoxFuture<'a, Result<String, TokenError>>;
}
