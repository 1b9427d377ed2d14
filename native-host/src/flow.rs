//! Adding an account: the authorisation-code flow with PKCE and a loopback redirect (RFC 8252).
//! The host listens on 127.0.0.1:<ephemeral>, the browser tab comes back there, and the host answers it.

use crate::config::{self, Config};
use crate::errors::keyring_error;
use crate::oauth::{self, TokenError, REQUIRED_SCOPES, SCOPES};
use crate::paths::Paths;
use crate::secrets::{self, Secrets, StoredGrant};
use crate::tokens::{now_ms, Tokens};
use gmux_core::protocol::{Account, ErrorBody, ErrorCode, MAX_CONSENT_FLOWS};
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;

pub const DEFAULT_CONSENT_TIMEOUT: Duration = Duration::from_secs(300);

pub fn consent_timeout() -> Duration {
    std::env::var("GMUX_CONSENT_TIMEOUT_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .map(Duration::from_secs)
        .unwrap_or(DEFAULT_CONSENT_TIMEOUT)
}

/// What the flow needs from the host.
#[derive(Clone)]
pub struct FlowDeps {
    pub paths: Paths,
    pub secrets: Arc<Secrets>,
    pub http: reqwest::Client,
    pub tokens: Arc<Tokens>,
    /// One permit per consent flow that may wait at once ([`MAX_CONSENT_FLOWS`]), shared by the process.
    pub consent_slots: Arc<Semaphore>,
}

/// The permits for [`FlowDeps::consent_slots`]: a new set per host process.
pub fn consent_slots() -> Arc<Semaphore> {
    Arc::new(Semaphore::new(MAX_CONSENT_FLOWS))
}

/// A started flow: the URL to open, and the work that finishes it.
pub struct Started {
    pub flow_id: String,
    pub consent_url: String,
    pub finish:
        std::pin::Pin<Box<dyn std::future::Future<Output = Result<Account, ErrorBody>> + Send>>,
}

pub async fn start(
    deps: FlowDeps,
    config: Config,
    login_hint: Option<String>,
) -> Result<Started, ErrorBody> {
    // Each waiting flow holds a listening port and a task for up to the timeout: a caller starting flows in a
    // loop must not pile them up. The permit lives as long as the flow.
    let permit = deps.consent_slots.clone().try_acquire_owned().map_err(|_| {
        ErrorBody::new(
            ErrorCode::TooManyConsentFlows,
            format!(
                "{MAX_CONSENT_FLOWS} accounts are already waiting for consent in the browser; finish or close \
                 one of those tabs (they give up after {} seconds), then add this account",
                consent_timeout().as_secs()
            ),
        )
    })?;
    let listener = TcpListener::bind("127.0.0.1:0").await.map_err(|e| {
        ErrorBody::new(
            ErrorCode::Internal,
            format!("could not listen on 127.0.0.1 for the consent redirect: {e}"),
        )
    })?;
    let port = listener
        .local_addr()
        .map_err(|e| ErrorBody::new(ErrorCode::Internal, e.to_string()))?
        .port();
    let redirect_uri = format!("http://127.0.0.1:{port}");
    let state = oauth::random_string(32);
    let (verifier, challenge) = oauth::pkce_pair();
    let mut url = url::Url::parse(&config.endpoints.authorize).map_err(|e| {
        ErrorBody::new(
            ErrorCode::OauthClientNotConfigured,
            format!("the authorize URL is not valid ({e}); run gmux-host configure again"),
        )
    })?;
    {
        let mut q = url.query_pairs_mut();
        q.append_pair("client_id", &config.client_id)
            .append_pair("redirect_uri", &redirect_uri)
            .append_pair("response_type", "code")
            .append_pair("scope", &SCOPES.join(" "))
            .append_pair("state", &state)
            .append_pair("code_challenge", &challenge)
            .append_pair("code_challenge_method", "S256")
            .append_pair("access_type", "offline")
            // Without it Google sends no refresh token when the account was added before.
            .append_pair("prompt", "consent");
        if let Some(hint) = login_hint.as_deref().filter(|h| !h.is_empty()) {
            q.append_pair("login_hint", hint);
        }
    }
    let flow_id = oauth::random_string(16);
    tracing::info!(flow_id, port, "consent flow started");
    let wrong_state = Arc::new(AtomicUsize::new(0));
    let flow = Flow {
        deps,
        config,
        redirect_uri,
        state,
        verifier,
        wrong_state: wrong_state.clone(),
    };
    let timeout = consent_timeout();
    let finish = Box::pin(async move {
        let _permit = permit;
        match tokio::time::timeout(timeout, flow.run(listener)).await {
            Ok(result) => result,
            Err(_) if wrong_state.load(Ordering::Relaxed) > 0 => Err(ErrorBody::new(
                ErrorCode::StateMismatch,
                format!(
                    "the consent was not finished within {} seconds, and an answer from another consent came \
                     meanwhile (an old tab, or a request that did not come from Google); add the account again and \
                     finish it in the newest tab",
                    timeout.as_secs()
                ),
            )),
            Err(_) => Err(ErrorBody::new(
                ErrorCode::ConsentTimedOut,
                format!("the consent was not finished within {} seconds; start adding the account again", timeout.as_secs()),
            )),
        }
    });
    Ok(Started {
        flow_id,
        consent_url: url.to_string(),
        finish,
    })
}

struct Flow {
    deps: FlowDeps,
    config: Config,
    redirect_uri: String,
    state: String,
    verifier: String,
    /// Requests that came without this flow's `state`: refused, counted for the timeout's message.
    wrong_state: Arc<AtomicUsize>,
}

/// The parts of a loopback request the flow reads.
struct Redirect {
    path: String,
    query: HashMap<String, String>,
}

async fn read_request(stream: &mut TcpStream) -> Option<Redirect> {
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    // A request line and headers fit in 16 KiB; a slow or silent client gets 10 seconds.
    let read = async {
        while !buf.windows(4).any(|w| w == b"\r\n\r\n") && buf.len() < 16 * 1024 {
            let n = stream.read(&mut chunk).await.ok()?;
            if n == 0 {
                break;
            }
            buf.extend_from_slice(&chunk[..n]);
        }
        Some(())
    };
    tokio::time::timeout(Duration::from_secs(10), read)
        .await
        .ok()??;
    let text = String::from_utf8_lossy(&buf);
    let line = text.lines().next()?;
    let mut parts = line.split_whitespace();
    let method = parts.next()?;
    let target = parts.next()?;
    if method != "GET" {
        return None;
    }
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let query = url::form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    Some(Redirect {
        path: path.to_string(),
        query,
    })
}

async fn respond(stream: &mut TcpStream, status: &str, title: &str, body: &str) {
    let html = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>gmux: {title}</title></head>\
         <body style=\"font-family:sans-serif;max-width:40em;margin:4em auto\"><h1 id=\"title\">{title}</h1>\
         <p id=\"message\">{body}</p></body></html>",
        title = html_escape(title),
        body = html_escape(body)
    );
    let response = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\
         Cache-Control: no-store\r\nReferrer-Policy: no-referrer\r\n\r\n{html}",
        html.len()
    );
    let _ = stream.write_all(response.as_bytes()).await;
    let _ = stream.shutdown().await;
}

/// Stops the loopback listener when the flow ends, also when it is dropped on timeout.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

impl Flow {
    async fn run(self, listener: TcpListener) -> Result<Account, ErrorBody> {
        // Connections are read concurrently: a browser's speculative connection that never sends a request
        // must not hold up the real redirect behind it.
        let (tx, mut rx) = tokio::sync::mpsc::channel::<(TcpStream, Option<Redirect>)>(16);
        let acceptor = tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                let tx = tx.clone();
                tokio::spawn(async move {
                    let request = read_request(&mut stream).await;
                    let _ = tx.send((stream, request)).await;
                });
            }
        });
        let _stop_accepting = AbortOnDrop(acceptor);
        loop {
            let Some((mut stream, request)) = rx.recv().await else {
                return Err(ErrorBody::new(
                    ErrorCode::Internal,
                    "the consent listener stopped",
                ));
            };
            let Some(request) = request else {
                respond(
                    &mut stream,
                    "400 Bad Request",
                    "Not a consent redirect",
                    "This address only receives Google's consent redirect.",
                )
                .await;
                continue;
            };
            // Browsers also ask for /favicon.ico and the like: answer and keep waiting for the redirect.
            if request.path != "/" {
                respond(
                    &mut stream,
                    "404 Not Found",
                    "Not found",
                    "This address only receives Google's consent redirect.",
                )
                .await;
                continue;
            }
            // Only the redirect carrying this flow's state may end it: anything else (an old tab, another
            // program guessing the port) is refused and the flow keeps waiting for the real one.
            if request.query.get("state") != Some(&self.state) {
                self.wrong_state.fetch_add(1, Ordering::Relaxed);
                tracing::warn!(
                    "a request to the consent listener without this flow's state; still waiting"
                );
                respond(
                    &mut stream,
                    "400 Bad Request",
                    "Not this consent",
                    "This answer does not belong to the account gmux is adding now (perhaps it comes from an \
                     older tab). Finish the consent in the newest tab gmux opened.",
                )
                .await;
                continue;
            }
            let result = self.finish(&request.query).await;
            match &result {
                Ok(account) => {
                    respond(
                        &mut stream,
                        "200 OK",
                        "Account added",
                        &format!(
                            "gmux can now read {}. You can close this tab.",
                            account.email
                        ),
                    )
                    .await
                }
                Err(e) => {
                    respond(
                        &mut stream,
                        "400 Bad Request",
                        "The account was not added",
                        &e.message,
                    )
                    .await
                }
            }
            return result;
        }
    }

    async fn finish(&self, query: &HashMap<String, String>) -> Result<Account, ErrorBody> {
        if let Some(error) = query.get("error") {
            if error == "access_denied" {
                return Err(ErrorBody::new(
                    ErrorCode::ConsentDenied,
                    "the consent was denied in the browser; add the account again and choose Allow",
                ));
            }
            return Err(ErrorBody::new(
                ErrorCode::Internal,
                format!(
                    "Google answered the consent with an error: {}",
                    crate::logging::redact(error)
                ),
            ));
        }
        let Some(code) = query.get("code") else {
            return Err(ErrorBody::new(
                ErrorCode::Internal,
                "the consent redirect carried no code; add the account again",
            ));
        };
        let tokens = oauth::exchange_code(
            &self.deps.http,
            &self.config,
            code,
            &self.redirect_uri,
            &self.verifier,
        )
        .await
        .map_err(exchange_error)?;
        // What the token endpoint says was granted, nothing else: the redirect's `scope` is only what the
        // browser tab carried back, and an answer without `scope` grants nothing gmux can count on.
        let granted: Vec<String> = tokens
            .scope
            .as_deref()
            .unwrap_or("")
            .split_whitespace()
            .map(String::from)
            .collect();
        let missing: Vec<&str> = REQUIRED_SCOPES
            .iter()
            .copied()
            .filter(|s| !granted.iter().any(|g| g == s))
            .collect();
        if !missing.is_empty() {
            // Do not keep a grant gmux cannot use.
            let (token, kind) = match tokens.refresh_token.as_deref() {
                Some(t) => (t, oauth::TokenKind::Refresh),
                None => (tokens.access_token.as_str(), oauth::TokenKind::Access),
            };
            let _ = oauth::revoke(&self.deps.http, &self.config, token, kind).await;
            return Err(ErrorBody::new(
                ErrorCode::ScopesNotGranted,
                format!(
                    "Google did not grant {}; add the account again and tick every box on the consent page",
                    missing.join(", ")
                ),
            ));
        }
        let Some(refresh_token) = tokens.refresh_token.clone() else {
            return Err(ErrorBody::new(
                ErrorCode::NoRefreshToken,
                "Google sent no refresh token; remove gmux at https://myaccount.google.com/permissions and add the \
                 account again",
            ));
        };
        let from_id_token = match tokens.id_token.as_deref() {
            Some(t) => {
                oauth::identity_from_id_token(t, &self.config.client_id, &self.config.issuer)
                    .map_err(|e| {
                        tracing::warn!("id_token refused: {e}");
                        ErrorBody::new(ErrorCode::Internal, e)
                    })?
            }
            None => None,
        };
        let identity = match from_id_token {
            Some(id) => id,
            None => oauth::userinfo(
                &self.deps.http,
                &self.config.endpoints.userinfo,
                &tokens.access_token,
            )
            .await
            .map_err(|e| {
                ErrorBody::new(
                    ErrorCode::Internal,
                    format!("could not read the account's identity: {e}"),
                )
            })?,
        };
        let expires_at_ms = tokens.expires_at_ms(now_ms());
        let grant = StoredGrant {
            refresh_token,
            access_token: Some(tokens.access_token.clone()),
            expires_at_ms: Some(expires_at_ms),
            refresh_issued_at_ms: Some(now_ms()),
        };
        let sub = identity.sub.clone();
        secrets::run(self.deps.secrets.clone(), move |s| {
            s.set_blocking(&sub, &grant)
        })
        .await
        .map_err(keyring_error)?;
        let paths = self.deps.paths.clone();
        let (sub, email) = (identity.sub.clone(), identity.email.clone());
        let account =
            tokio::task::spawn_blocking(move || -> Result<Account, config::ConfigError> {
                let mut index = config::lock_accounts(&paths)?;
                let account = index.upsert(&sub, &email, granted);
                index.save()?;
                Ok(account)
            })
            .await
            .map_err(|e| ErrorBody::new(ErrorCode::Internal, e.to_string()))?
            .map_err(|e| ErrorBody::new(ErrorCode::Internal, e.to_string()))?;
        self.deps
            .tokens
            .prime(&account.id, tokens.access_token, expires_at_ms)
            .await;
        tracing::info!(sub = account.id, "account added");
        Ok(account)
    }
}

fn exchange_error(e: TokenError) -> ErrorBody {
    match e {
        TokenError::InvalidClient(d) => ErrorBody::new(
            ErrorCode::OauthClientRejected,
            format!("Google rejected the OAuth client ({d}); run gmux-host configure --client-secrets FILE with a Desktop-app client"),
        ),
        TokenError::Transient(d) => ErrorBody::new(
            ErrorCode::TokenEndpointUnreachable,
            format!("Google's token endpoint could not be reached ({d}); add the account again in a minute"),
        ),
        TokenError::InvalidGrant(d) => {
            ErrorBody::new(ErrorCode::Internal, format!("Google refused the consent code ({d}); add the account again"))
        }
        TokenError::Other(d) => ErrorBody::new(ErrorCode::Internal, d),
    }
}
