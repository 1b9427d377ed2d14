//! gmux-emulator: a faithful local Gmail API v1 and Google OAuth, for tests and the demo.
//!
//! Every endpoint lives on one base URL (see `gmux_core::protocol::Endpoints::emulator`):
//! Gmail under `/gmail/v1/users/{userId}/...`, batch at `/batch/gmail/v1`, OAuth at `/o/oauth2/v2/auth`,
//! `/token`, `/revoke`, `/v1/userinfo`, and the control API under `/_emulator/` (`CONTROL.md`).

// Google-shaped errors carry a message, reason, location and headers; they are built once per failed call,
// so their size on the error path costs nothing worth boxing for.
#![allow(clippy::result_large_err)]

mod assets;
mod batch;
mod control;
mod decode;
pub mod demo;
mod demo_mail;
mod fields;
mod generate;
mod gmail;
mod labels;
mod mime;
mod model;
mod oauth;
mod query;
mod respond;
pub mod rfc822;
pub mod seed;
mod send;
mod state;
mod time;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::extract::{Request, State as AxState};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;
use tokio::sync::oneshot;

pub use model::derive_sub;
pub use oauth::ID_TOKEN_SIGNATURE;
pub use seed::{
    Seed, SeedAccount, SeedAttachment, SeedClient, SeedGenerate, SeedLabel, SeedMessage,
    SeedSendAs, SeedThread,
};
pub use state::Settings;

use respond::{ApiResponse, GoogleError};
use state::Shared;

/// The demo OAuth client, present in the demo data and added to any seed that names no client.
pub const DEMO_CLIENT_ID: &str = "gmux-demo.apps.googleusercontent.com";
pub const DEMO_CLIENT_SECRET: &str = "gmux-demo-secret";

/// How to start an emulator.
#[derive(Debug, Clone, Default)]
pub struct EmulatorConfig {
    /// Where to listen; `None` means 127.0.0.1 on an ephemeral port.
    pub addr: Option<SocketAddr>,
    /// Load the built-in demo accounts and mail.
    pub demo: bool,
    /// Accounts and mail to load (after the demo data, when both are given).
    pub seed: Option<Seed>,
    /// The authorize endpoint approves at once instead of showing the consent page.
    pub auto_consent: bool,
    pub settings: Settings,
}

/// A running emulator. Dropping it (or `shutdown`) stops the server.
pub struct Emulator {
    base_url: String,
    shared: Arc<Shared>,
    stop: Mutex<Option<oneshot::Sender<()>>>,
    task: Option<tokio::task::JoinHandle<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

#[derive(Clone)]
struct AppState {
    shared: Arc<Shared>,
    base_url: Arc<str>,
}

/// The seed an emulator with this config starts from, serving on `base_url`.
pub fn initial_seed(config: &EmulatorConfig, base_url: &str) -> Seed {
    let mut seed = if config.demo {
        demo::demo_seed(base_url)
    } else {
        Seed::default()
    };
    if let Some(extra) = &config.seed {
        for c in &extra.clients {
            if !seed.clients.iter().any(|x| x.client_id == c.client_id) {
                seed.clients.push(c.clone());
            }
        }
        seed.accounts.extend(extra.accounts.iter().cloned());
        seed.send_as
            .extend(extra.send_as.iter().map(|(k, v)| (k.clone(), v.clone())));
        seed.generate
            .extend(extra.generate.iter().map(|(k, v)| (k.clone(), v.clone())));
    }
    if seed.clients.is_empty() {
        seed.clients.push(demo::demo_client());
    }
    seed
}

impl Emulator {
    /// Binds and starts serving in a background task of the current tokio runtime.
    pub async fn start(config: EmulatorConfig) -> anyhow::Result<Emulator> {
        let addr = config
            .addr
            .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 0)));
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let local = listener.local_addr()?;
        let base_url = format!("http://{local}");
        let seed = initial_seed(&config, &base_url);
        seed.check()
            .map_err(|e| anyhow::anyhow!("invalid seed: {e}"))?;
        let mut settings = config.settings.clone();
        settings.auto_consent |= config.auto_consent;
        let shared = Arc::new(Shared {
            state: Mutex::new(state::State::new(&seed, settings.clone())),
            initial_seed: seed,
            initial_settings: settings,
        });
        let app = router(AppState {
            shared: shared.clone(),
            base_url: base_url.clone().into(),
        });
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let serve = axum::serve(listener, app).with_graceful_shutdown(async move {
                let _ = rx.await;
            });
            if let Err(e) = serve.await {
                tracing::error!("emulator server stopped: {e}");
            }
        });
        Ok(Emulator {
            base_url,
            shared,
            stop: Mutex::new(Some(tx)),
            task: Some(task),
            thread: None,
        })
    }

    /// Starts an emulator on its own thread and runtime, for tests that are not async.
    pub fn start_blocking(config: EmulatorConfig) -> anyhow::Result<Emulator> {
        let (tx, rx) = std::sync::mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("gmux-emulator".into())
            .spawn(move || {
                let rt = match tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .enable_all()
                    .build()
                {
                    Ok(rt) => rt,
                    Err(e) => {
                        let _ = tx.send(Err(anyhow::Error::from(e)));
                        return;
                    }
                };
                rt.block_on(async move {
                    match Emulator::start(config).await {
                        Ok(mut emu) => {
                            let task = emu.task.take();
                            let _ = tx.send(Ok(emu));
                            if let Some(task) = task {
                                let _ = task.await;
                            }
                        }
                        Err(e) => {
                            let _ = tx.send(Err(e));
                        }
                    }
                });
            })?;
        let mut emu = rx
            .recv()
            .map_err(|_| anyhow::anyhow!("the emulator thread ended before starting"))??;
        emu.thread = Some(thread);
        Ok(emu)
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn base_url(&self) -> String {
        self.base_url.clone()
    }

    /// Stops serving and waits for the server to finish.
    pub async fn shutdown(mut self) {
        self.signal_stop();
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }

    fn signal_stop(&self) {
        if let Some(tx) = self.stop.lock().unwrap_or_else(|e| e.into_inner()).take() {
            let _ = tx.send(());
        }
    }

    /// Every access and refresh token ever issued (also at `GET /_emulator/issued_tokens`).
    pub fn issued_tokens(&self) -> (Vec<String>, Vec<String>) {
        let st = self.shared.lock();
        (st.issued_access.clone(), st.issued_refresh.clone())
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        self.signal_stop();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn router(state: AppState) -> Router {
    Router::new()
        .fallback(dispatch)
        .layer(middleware::from_fn(cors))
        .with_state(state)
}

async fn read_body(body: Body, limit: usize) -> Result<Vec<u8>, ApiResponse> {
    match axum::body::to_bytes(body, limit).await {
        Ok(b) => Ok(b.to_vec()),
        Err(_) => Err(GoogleError::new(
            413,
            format!("Request payload size exceeds the limit: {limit} bytes."),
            "badRequest",
        )
        .to_response(true)),
    }
}

/// The largest upload body: Gmail's 36,700,160-byte message plus room for the multipart framing and metadata.
const MAX_UPLOAD_BYTES: usize = 36_700_160 + 64 * 1024;

/// One handler for everything: routes are few, and batch parts need the same code path as real requests.
async fn dispatch(AxState(app): AxState<AppState>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let method = parts.method.as_str().to_string();
    let path = parts.uri.path().to_string();
    let query = parts.uri.query().unwrap_or("").to_string();
    let headers = parts.headers;
    let limit = app.shared.lock().settings.max_body_bytes;
    // The upload endpoints take a message of up to 35 MB (`mediaUpload.maxSize` of messages.send and the
    // drafts methods), plus its multipart framing and metadata.
    let limit = if path.starts_with("/upload/") {
        limit.max(MAX_UPLOAD_BYTES)
    } else {
        limit
    };
    let body = match read_body(body, limit).await {
        Ok(b) => b,
        Err(r) => return r.into_response(),
    };
    let header = |h: &HeaderMap, k: &str| h.get(k).and_then(|v| v.to_str().ok()).map(String::from);
    let auth = header(&headers, "authorization");
    let shared = &app.shared;
    let resp = match (method.as_str(), path.as_str()) {
        (_, p) if p.starts_with("/gmail/v1/") || p.starts_with("/upload/gmail/v1/") => {
            let content_type = header(&headers, "content-type");
            gmail::handle(
                shared,
                gmail::ApiRequest {
                    method: &method,
                    path: &path,
                    query: &query,
                    authorization: auth.as_deref(),
                    content_type: content_type.as_deref(),
                    body: &body,
                },
            )
            .await
        }
        ("POST", "/batch/gmail/v1") | ("POST", "/batch") => {
            let ct = header(&headers, "content-type").unwrap_or_default();
            batch::handle(shared, &ct, auth.as_deref(), &body).await
        }
        ("GET", "/o/oauth2/v2/auth") => oauth::authorize(shared, &query),
        ("POST", "/o/oauth2/v2/auth/consent") => oauth::consent(shared, &body),
        ("POST", "/token") => oauth::token(shared, auth.as_deref(), &body).await,
        ("POST", "/revoke") => oauth::revoke(shared, &query, &body).await,
        ("GET", "/v1/userinfo") | ("POST", "/v1/userinfo") => {
            oauth::userinfo(shared, auth.as_deref(), &query).await
        }
        (m, p) if p.starts_with("/_emulator/") => control::handle(
            shared,
            m,
            &p["/_emulator/".len()..],
            &query,
            &app.base_url,
            &body,
        ),
        _ => GoogleError::new(
            404,
            format!("The requested URL {path} was not found on this server."),
            "notFound",
        )
        .to_response(true),
    };
    resp.into_response()
}

/// CORS like Google's APIs: preflights answered for any origin, every response names the caller's origin.
async fn cors(req: Request, next: Next) -> Response {
    let origin = req.headers().get("origin").cloned();
    if req.method() == Method::OPTIONS {
        let mut resp = StatusCode::OK.into_response();
        let h = resp.headers_mut();
        h.insert(
            "access-control-allow-origin",
            origin.clone().unwrap_or(HeaderValue::from_static("*")),
        );
        h.insert(
            "access-control-allow-methods",
            HeaderValue::from_static("GET, POST, PUT, PATCH, DELETE"),
        );
        let requested = req
            .headers()
            .get("access-control-request-headers")
            .cloned()
            .unwrap_or(HeaderValue::from_static("authorization, content-type"));
        h.insert("access-control-allow-headers", requested);
        h.insert("access-control-max-age", HeaderValue::from_static("3600"));
        h.insert("vary", HeaderValue::from_static("Origin"));
        h.append(
            "vary",
            HeaderValue::from_static("Access-Control-Request-Method"),
        );
        h.append(
            "vary",
            HeaderValue::from_static("Access-Control-Request-Headers"),
        );
        return resp;
    }
    let mut resp = next.run(req).await;
    if let Some(o) = origin {
        let h = resp.headers_mut();
        h.insert("access-control-allow-origin", o);
        h.insert(
            "access-control-expose-headers",
            HeaderValue::from_static("Content-Type, Retry-After, WWW-Authenticate, Date, Vary"),
        );
        h.append("vary", HeaderValue::from_static("Origin"));
    }
    resp
}
