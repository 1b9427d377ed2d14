//! Google's OAuth endpoints for installed apps, as plain form posts: code exchange with PKCE, refresh,
//! revoke, userinfo. ARCHITECTURE.md says why these are not the `oauth2` crate.

use crate::logging::redact;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use gmux_core::protocol::MAX_GOOGLE_RESPONSE;
use rand::distributions::Alphanumeric;
use rand::Rng;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::time::Duration;

pub const SCOPE_GMAIL_MODIFY: &str = "https://www.googleapis.com/auth/gmail.modify";
/// What gmux asks for: identity to key the account on, and Gmail read/label/trash. Never `gmail.metadata`:
/// with it granted, Gmail rejects `q` searches even when `gmail.modify` is granted too.
pub const SCOPES: &[&str] = &["openid", "email", SCOPE_GMAIL_MODIFY];

/// The scopes without which gmux cannot work.
pub const REQUIRED_SCOPES: &[&str] = &[SCOPE_GMAIL_MODIFY];

pub fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        // A redirect from a token endpoint is never legitimate: do not follow one with a secret in the body.
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(Duration::from_secs(10))
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap_or_else(|_| reqwest::Client::new())
}

pub fn random_string(len: usize) -> String {
    rand::thread_rng()
        .sample_iter(&Alphanumeric)
        .take(len)
        .map(char::from)
        .collect()
}

/// A PKCE verifier (RFC 7636: 43 to 128 characters) and its S256 challenge.
pub fn pkce_pair() -> (String, String) {
    let verifier = random_string(64);
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    (verifier, challenge)
}

#[derive(Clone, Deserialize)]
pub struct TokenResponse {
    pub access_token: String,
    pub expires_in: Option<u64>,
    #[serde(default)]
    pub refresh_token: Option<String>,
    #[serde(default)]
    pub scope: Option<String>,
    #[serde(default)]
    pub id_token: Option<String>,
}

impl std::fmt::Debug for TokenResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenResponse")
            .field(
                "access_token",
                &crate::logging::fingerprint(&self.access_token),
            )
            .field("expires_in", &self.expires_in)
            .field(
                "refresh_token",
                &self
                    .refresh_token
                    .as_deref()
                    .map(crate::logging::fingerprint),
            )
            .field("scope", &self.scope)
            .finish()
    }
}

impl TokenResponse {
    /// Unix milliseconds at which the access token stops working. Google's `expires_in` is never assumed.
    pub fn expires_at_ms(&self, now_ms: u64) -> u64 {
        now_ms + self.expires_in.unwrap_or(0) * 1000
    }
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum TokenError {
    /// The grant (refresh token or code) is dead; Google's description is kept for the user.
    #[error("invalid_grant: {0}")]
    InvalidGrant(String),
    /// The OAuth client itself was refused.
    #[error("invalid_client: {0}")]
    InvalidClient(String),
    /// Unreachable, timed out, 429 or 5xx: worth retrying, never a reason to drop a refresh token.
    #[error("{0}")]
    Transient(String),
    #[error("{0}")]
    Other(String),
}

/// Describes a reqwest error with its source chain: reqwest alone often says only "error sending request".
pub fn describe(e: &reqwest::Error) -> String {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// Why a body was not read whole.
enum BodyError {
    /// Larger than [`MAX_GOOGLE_RESPONSE`].
    TooLarge,
    Transport(String),
}

/// Reads a body of at most [`MAX_GOOGLE_RESPONSE`] bytes. A real answer from Google is a few KiB; anything
/// bigger (a misconfigured endpoint, a hostile one) is refused before it is buffered.
async fn read_capped(mut response: reqwest::Response) -> Result<Vec<u8>, BodyError> {
    if response
        .content_length()
        .is_some_and(|n| n > MAX_GOOGLE_RESPONSE as u64)
    {
        return Err(BodyError::TooLarge);
    }
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| BodyError::Transport(describe(&e)))?
    {
        if body.len() + chunk.len() > MAX_GOOGLE_RESPONSE {
            return Err(BodyError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

fn too_large(endpoint: &str) -> String {
    format!(
        "the {endpoint} endpoint sent an answer over {} KiB, far more than Google ever sends; check the endpoint \
         gmux-host is configured with",
        MAX_GOOGLE_RESPONSE / 1024
    )
}

async fn token_call(
    http: &reqwest::Client,
    url: &str,
    form: &[(&str, &str)],
) -> Result<TokenResponse, TokenError> {
    let response = http
        .post(url)
        .form(form)
        .send()
        .await
        .map_err(|e| TokenError::Transient(describe(&e)))?;
    let status = response.status();
    let body = match read_capped(response).await {
        Ok(body) => body,
        Err(BodyError::Transport(e)) => return Err(TokenError::Transient(e)),
        Err(BodyError::TooLarge) => return Err(TokenError::Other(too_large("token"))),
    };
    if status.is_success() {
        return serde_json::from_slice(&body).map_err(|e| {
            TokenError::Other(format!("the token endpoint sent an unreadable answer: {e}"))
        });
    }
    if status.is_server_error() || status.as_u16() == 429 {
        return Err(TokenError::Transient(format!(
            "the token endpoint answered {status}"
        )));
    }
    #[derive(Deserialize)]
    struct ErrorBody {
        error: Option<String>,
        error_description: Option<String>,
    }
    let parsed: Option<ErrorBody> = serde_json::from_slice(&body).ok();
    // Google's words reach the extension and the account index: nothing token-shaped may ride along.
    let (error, description) = match parsed {
        Some(b) => (
            redact(&b.error.unwrap_or_default()).into_owned(),
            redact(&b.error_description.unwrap_or_default()).into_owned(),
        ),
        None => (String::new(), String::new()),
    };
    match error.as_str() {
        "invalid_grant" => Err(TokenError::InvalidGrant(description)),
        "invalid_client" | "unauthorized_client" => Err(TokenError::InvalidClient(description)),
        _ => Err(TokenError::Other(format!(
            "the token endpoint answered {status}: {error} {description}"
        ))),
    }
}

pub async fn exchange_code(
    http: &reqwest::Client,
    config: &crate::config::Config,
    code: &str,
    redirect_uri: &str,
    verifier: &str,
) -> Result<TokenResponse, TokenError> {
    token_call(
        http,
        &config.endpoints.token,
        &[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("client_id", &config.client_id),
            ("client_secret", &config.client_secret),
            ("redirect_uri", redirect_uri),
            ("code_verifier", verifier),
        ],
    )
    .await
}

pub async fn refresh(
    http: &reqwest::Client,
    config: &crate::config::Config,
    refresh_token: &str,
) -> Result<TokenResponse, TokenError> {
    token_call(
        http,
        &config.endpoints.token,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
            ("client_id", &config.client_id),
            ("client_secret", &config.client_secret),
        ],
    )
    .await
}

/// Which kind of token is revoked (RFC 7009's `token_type_hint`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    Refresh,
    Access,
}

/// Google's own revocation endpoints. Google documents them as a form post of `token` alone, no client
/// authentication (developers.google.com/identity/protocols/oauth2/native-app, "Revoking a token").
fn is_google_revoke(url: &str) -> bool {
    url::Url::parse(url).is_ok_and(|u| {
        u.scheme() == "https"
            && matches!(
                u.host_str(),
                Some("oauth2.googleapis.com") | Some("accounts.google.com")
            )
    })
}

/// What a revocation request carries.
pub struct RevokeRequest {
    pub form: Vec<(&'static str, String)>,
    /// The client credentials for HTTP Basic authentication (id, secret), each form-urlencoded first as
    /// RFC 6749 2.3.1 says.
    pub basic: Option<(String, String)>,
}

pub fn revoke_request(
    config: &crate::config::Config,
    token: &str,
    kind: TokenKind,
) -> RevokeRequest {
    if is_google_revoke(&config.endpoints.revoke) {
        return RevokeRequest {
            form: vec![("token", token.to_string())],
            basic: None,
        };
    }
    // Any other server follows RFC 7009, which requires the client to authenticate: a request with the
    // token alone is refused there and the grant stays alive. HTTP Basic is the method every RFC 6749
    // server must support.
    let encode = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    let hint = match kind {
        TokenKind::Refresh => "refresh_token",
        TokenKind::Access => "access_token",
    };
    RevokeRequest {
        form: vec![
            ("token", token.to_string()),
            ("token_type_hint", hint.to_string()),
        ],
        basic: Some((encode(&config.client_id), encode(&config.client_secret))),
    }
}

/// Revokes a token; revoking the refresh token ends the whole grant.
pub async fn revoke(
    http: &reqwest::Client,
    config: &crate::config::Config,
    token: &str,
    kind: TokenKind,
) -> Result<(), String> {
    let RevokeRequest { form, basic } = revoke_request(config, token, kind);
    let mut request = http.post(&config.endpoints.revoke).form(&form);
    if let Some((id, secret)) = basic {
        request = request.basic_auth(id, Some(secret));
    }
    let response = request.send().await.map_err(|e| describe(&e))?;
    let status = response.status();
    if status.is_success() {
        return Ok(());
    }
    let body = match read_capped(response).await {
        Ok(body) => body,
        Err(BodyError::TooLarge) => return Err(too_large("revoke")),
        Err(BodyError::Transport(e)) => e.into_bytes(),
    };
    Err(format!(
        "the revoke endpoint answered {status}: {}",
        redact(
            &String::from_utf8_lossy(&body)
                .chars()
                .take(200)
                .collect::<String>()
        )
    ))
}

#[derive(Debug, Clone, Deserialize)]
pub struct Identity {
    pub sub: String,
    pub email: String,
}

/// Reads `sub` and `email` from the id_token's claims, after checking that it was issued to this client
/// (`aud`, and `azp` when there are several audiences) by the configured issuer (`iss`), as OpenID Connect Core
/// 3.1.3.7 asks. The token came straight from the token endpoint over the TLS connection gmux opened, so its
/// signature adds nothing (the same section says so). `Ok(None)`: the token names no email, ask userinfo.
pub fn identity_from_id_token(
    id_token: &str,
    client_id: &str,
    issuer: &str,
) -> Result<Option<Identity>, String> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Audience {
        One(String),
        Many(Vec<String>),
    }
    #[derive(Deserialize)]
    struct Claims {
        iss: Option<String>,
        aud: Option<Audience>,
        azp: Option<String>,
        #[serde(default)]
        sub: String,
        #[serde(default)]
        email: String,
    }
    let unreadable = || "the id_token Google sent cannot be read".to_string();
    let claims = id_token.split('.').nth(1).ok_or_else(unreadable)?;
    let bytes = URL_SAFE_NO_PAD
        .decode(claims.trim_end_matches('='))
        .map_err(|_| unreadable())?;
    let claims: Claims = serde_json::from_slice(&bytes).map_err(|_| unreadable())?;
    let audiences = match claims.aud {
        Some(Audience::One(a)) => vec![a],
        Some(Audience::Many(list)) => list,
        None => Vec::new(),
    };
    let for_us = audiences.iter().any(|a| a == client_id)
        && (audiences.len() == 1 || claims.azp.as_deref() == Some(client_id));
    if !for_us {
        let audiences: Vec<String> = audiences.iter().map(|a| redact(a).into_owned()).collect();
        return Err(format!(
            "the id_token was issued to another OAuth client ({audiences:?}, not {client_id}); check the token \
             endpoint and the client gmux-host is configured with"
        ));
    }
    let iss = redact(&claims.iss.unwrap_or_default()).into_owned();
    let google_short = issuer == crate::config::GOOGLE_ISSUER && iss == "accounts.google.com";
    if iss != issuer && !google_short {
        return Err(format!(
            "the id_token was issued by {iss:?}, not by {issuer}; check the token endpoint gmux-host is configured \
             with"
        ));
    }
    if claims.sub.is_empty() || claims.email.is_empty() {
        return Ok(None);
    }
    Ok(Some(Identity {
        sub: claims.sub,
        email: claims.email,
    }))
}

pub async fn userinfo(
    http: &reqwest::Client,
    url: &str,
    access_token: &str,
) -> Result<Identity, String> {
    let response = http
        .get(url)
        .bearer_auth(access_token)
        .send()
        .await
        .map_err(|e| describe(&e))?;
    let status = response.status();
    if !status.is_success() {
        return Err(format!("the userinfo endpoint answered {status}"));
    }
    let body = match read_capped(response).await {
        Ok(body) => body,
        Err(BodyError::TooLarge) => return Err(too_large("userinfo")),
        Err(BodyError::Transport(e)) => return Err(e),
    };
    serde_json::from_slice(&body)
        .map_err(|e| format!("the userinfo endpoint sent an unreadable answer: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkce_challenge_is_s256_of_the_verifier() {
        let (v, c) = pkce_pair();
        assert_eq!(v.len(), 64);
        assert_eq!(c, URL_SAFE_NO_PAD.encode(Sha256::digest(v.as_bytes())));
        assert!(!c.contains('='));
    }

    #[test]
    fn the_id_token_must_be_for_this_client_from_the_configured_issuer() {
        fn check(claims: &str, expected: Result<Option<(&str, &str)>, &str>) {
            let token = format!("e30.{}.sig", URL_SAFE_NO_PAD.encode(claims));
            let got = identity_from_id_token(&token, "me.apps", "https://accounts.google.com");
            match (got, expected) {
                (Ok(Some(id)), Ok(Some((sub, email)))) => {
                    assert_eq!(
                        (id.sub.as_str(), id.email.as_str()),
                        (sub, email),
                        "{claims}"
                    )
                }
                (Ok(None), Ok(None)) => {}
                (Err(got), Err(want)) => assert!(got.contains(want), "{claims}: {got}"),
                (got, want) => panic!("{claims}: got {got:?}, want {want:?}"),
            }
        }
        let google = r#""iss":"https://accounts.google.com""#;
        check(
            &format!(r#"{{{google},"aud":"me.apps","sub":"1","email":"a@b.c"}}"#),
            Ok(Some(("1", "a@b.c"))),
        );
        check(
            r#"{"iss":"accounts.google.com","aud":"me.apps","sub":"1","email":"a@b.c"}"#,
            Ok(Some(("1", "a@b.c"))),
        );
        check(
            &format!(r#"{{{google},"aud":["me.apps"],"sub":"1","email":"a@b.c"}}"#),
            Ok(Some(("1", "a@b.c"))),
        );
        check(
            &format!(
                r#"{{{google},"aud":["me.apps","other"],"azp":"me.apps","sub":"1","email":"a@b.c"}}"#
            ),
            Ok(Some(("1", "a@b.c"))),
        );
        check(
            &format!(r#"{{{google},"aud":"me.apps","sub":"1"}}"#),
            Ok(None),
        );
        check(
            &format!(r#"{{{google},"aud":"other.apps","sub":"1","email":"a@b.c"}}"#),
            Err("another OAuth client"),
        );
        check(
            &format!(r#"{{{google},"sub":"1","email":"a@b.c"}}"#),
            Err("another OAuth client"),
        );
        check(
            &format!(
                r#"{{{google},"aud":["me.apps","other"],"azp":"other","sub":"1","email":"a@b.c"}}"#
            ),
            Err("another OAuth client"),
        );
        check(
            r#"{"iss":"https://evil.example","aud":"me.apps","sub":"1","email":"a@b.c"}"#,
            Err("issued by"),
        );
        check(
            r#"{"aud":"me.apps","sub":"1","email":"a@b.c"}"#,
            Err("issued by"),
        );
        check("not json", Err("cannot be read"));
        assert!(
            identity_from_id_token("garbage", "me.apps", "https://accounts.google.com").is_err()
        );
        // Another configured issuer is matched exactly.
        let token = format!(
            "e30.{}.sig",
            URL_SAFE_NO_PAD
                .encode(r#"{"iss":"accounts.google.com","aud":"me.apps","sub":"1","email":"a"}"#)
        );
        assert!(identity_from_id_token(&token, "me.apps", "https://idp.example").is_err());
    }

    /// Serves `response` (raw HTTP) to every connection, after reading the request's head and body.
    pub(crate) async fn raw_server(response: Vec<u8>) -> String {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let response = std::sync::Arc::new(response);
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                let response = response.clone();
                tokio::spawn(async move {
                    let mut buf = Vec::new();
                    let mut chunk = [0u8; 4096];
                    loop {
                        let n = stream.read(&mut chunk).await.unwrap_or(0);
                        if n == 0 {
                            break;
                        }
                        buf.extend_from_slice(&chunk[..n]);
                        let text = String::from_utf8_lossy(&buf).to_ascii_lowercase();
                        if let Some(end) = text.find("\r\n\r\n") {
                            let len = text
                                .lines()
                                .find_map(|l| l.strip_prefix("content-length:"))
                                .and_then(|v| v.trim().parse::<usize>().ok())
                                .unwrap_or(0);
                            if buf.len() >= end + 4 + len {
                                break;
                            }
                        }
                    }
                    // The client may hang up once it has read enough: that is the point of some tests.
                    let _ = stream.write_all(&response).await;
                    let _ = stream.shutdown().await;
                });
            }
        });
        url
    }

    /// A valid JSON answer padded with whitespace to `size` bytes, with or without a Content-Length.
    fn padded(status: &str, json: &str, size: usize, content_length: bool) -> Vec<u8> {
        let body = format!("{json}{}", " ".repeat(size.saturating_sub(json.len())));
        let length = if content_length {
            format!("Content-Length: {}\r\n", body.len())
        } else {
            String::new()
        };
        format!("HTTP/1.1 {status}\r\nContent-Type: application/json\r\n{length}Connection: close\r\n\r\n{body}")
            .into_bytes()
    }

    fn config(base: &str) -> crate::config::Config {
        crate::config::Config {
            client_id: "id".into(),
            client_secret: "secret".into(),
            endpoints: gmux_core::protocol::Endpoints::emulator(base),
            issuer: crate::config::GOOGLE_ISSUER.into(),
        }
    }

    #[tokio::test]
    async fn answers_from_google_are_read_up_to_the_cap_and_refused_past_it() {
        let http = http_client();
        let token = r#"{"access_token":"ya29.x","expires_in":3599}"#;
        let who = r#"{"sub":"1","email":"a@example.com"}"#;
        for content_length in [true, false] {
            // Within the cap: read as before.
            let url =
                raw_server(padded("200 OK", token, MAX_GOOGLE_RESPONSE, content_length)).await;
            assert_eq!(
                refresh(&http, &config(&url), "1//r")
                    .await
                    .unwrap()
                    .access_token,
                "ya29.x"
            );
            let url = raw_server(padded("200 OK", who, MAX_GOOGLE_RESPONSE, content_length)).await;
            assert_eq!(
                userinfo(&http, &format!("{url}/v1/userinfo"), "ya29.x")
                    .await
                    .unwrap()
                    .sub,
                "1"
            );
            // Past it: a clear error, whatever the body would have said.
            let huge = 8 * 1024 * 1024;
            let url = raw_server(padded("200 OK", token, huge, content_length)).await;
            let err = refresh(&http, &config(&url), "1//r").await.unwrap_err();
            assert!(
                matches!(&err, TokenError::Other(m) if m.contains("over 64 KiB")),
                "{err:?}"
            );
            let url = raw_server(padded("200 OK", who, huge, content_length)).await;
            let err = userinfo(&http, &format!("{url}/v1/userinfo"), "ya29.x")
                .await
                .unwrap_err();
            assert!(
                err.contains("userinfo endpoint sent an answer over 64 KiB"),
                "{err}"
            );
            let url = raw_server(padded(
                "400 Bad Request",
                r#"{"error":"invalid_token"}"#,
                huge,
                content_length,
            ))
            .await;
            let err = revoke(&http, &config(&url), "1//r", TokenKind::Refresh)
                .await
                .unwrap_err();
            assert!(
                err.contains("revoke endpoint sent an answer over 64 KiB"),
                "{err}"
            );
        }
    }

    #[test]
    fn google_gets_its_documented_revoke_form_and_any_other_server_client_authentication() {
        fn check(url: &str, kind: TokenKind, form: &[(&str, &str)], basic: Option<(&str, &str)>) {
            let mut c = config("http://127.0.0.1:9");
            c.client_id = "id.apps".into();
            c.client_secret = "s:e&c/ret".into();
            c.endpoints.revoke = url.into();
            let got = revoke_request(&c, "1//r", kind);
            let got_form: Vec<(&str, &str)> =
                got.form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            assert_eq!(got_form, form, "{url}");
            let got_basic = got.basic.as_ref().map(|(i, s)| (i.as_str(), s.as_str()));
            assert_eq!(got_basic, basic, "{url}");
        }
        check(
            "https://oauth2.googleapis.com/revoke",
            TokenKind::Refresh,
            &[("token", "1//r")],
            None,
        );
        check(
            "https://accounts.google.com/o/oauth2/revoke",
            TokenKind::Access,
            &[("token", "1//r")],
            None,
        );
        let other = Some(("id.apps", "s%3Ae%26c%2Fret"));
        check(
            "https://idp.example/oauth/revoke",
            TokenKind::Refresh,
            &[("token", "1//r"), ("token_type_hint", "refresh_token")],
            other,
        );
        check(
            "http://127.0.0.1:9/revoke",
            TokenKind::Access,
            &[("token", "1//r"), ("token_type_hint", "access_token")],
            other,
        );
        // A look-alike host is another server.
        check(
            "https://oauth2.googleapis.com.evil.example/revoke",
            TokenKind::Refresh,
            &[("token", "1//r"), ("token_type_hint", "refresh_token")],
            other,
        );
    }

    #[test]
    fn scopes_never_include_metadata() {
        assert!(!SCOPES.iter().any(|s| s.contains("metadata")));
    }
}
