//! Request dispatch: one method per protocol call, each returning a result value or a stable error.

use crate::config;
use crate::flow::{self, FlowDeps};
use crate::oauth;
use crate::paths::Paths;
use crate::secrets::{self, Secrets};
use crate::serve::Outbox;
use crate::tokens::{account_unknown, keyring_error, load_config, Tokens};
use gmux_core::protocol::{Endpoints, ErrorBody, ErrorCode, Event, Hello, PROTOCOL_VERSION};
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::Arc;

/// What the host can do, reported by `hello` so the extension can adapt without a protocol bump.
pub const CAPABILITIES: &[&str] = &[
    "accounts.list",
    "accounts.add",
    "accounts.remove",
    "accounts.update",
    "token.get",
];

pub struct App {
    pub paths: Paths,
    outbox: Outbox,
    pub secrets: Arc<Secrets>,
    pub http: reqwest::Client,
    pub tokens: Arc<Tokens>,
}

pub type MethodResult = Result<Value, ErrorBody>;

pub fn malformed(message: impl Into<String>) -> ErrorBody {
    ErrorBody::new(ErrorCode::RequestMalformed, message)
}

pub fn internal(message: impl std::fmt::Display) -> ErrorBody {
    ErrorBody::new(ErrorCode::Internal, message.to_string())
}

/// Parses `params` into a method's parameter type; a missing `params` counts as `{}`.
pub fn params<T: for<'de> Deserialize<'de>>(params: Value) -> Result<T, ErrorBody> {
    let params = if params.is_null() { json!({}) } else { params };
    serde_json::from_value(params).map_err(|e| malformed(format!("invalid params: {e}")))
}

impl App {
    pub fn new(paths: Paths, outbox: Outbox) -> Self {
        Self::with_secrets(paths, outbox, Arc::new(Secrets::platform()))
    }

    pub fn with_secrets(paths: Paths, outbox: Outbox, secrets: Arc<Secrets>) -> Self {
        let http = oauth::http_client();
        let tokens = Arc::new(Tokens::new(paths.clone(), secrets.clone(), http.clone()));
        App {
            paths,
            outbox,
            secrets,
            http,
            tokens,
        }
    }

    pub fn flow_deps(&self) -> FlowDeps {
        FlowDeps {
            paths: self.paths.clone(),
            secrets: self.secrets.clone(),
            http: self.http.clone(),
            tokens: self.tokens.clone(),
        }
    }

    pub fn outbox(&self) -> &Outbox {
        &self.outbox
    }

    pub async fn handle(&self, method: &str, params: Value) -> MethodResult {
        tracing::debug!(method, "request");
        match method {
            "hello" => self.hello(params),
            "accounts.list" => self.accounts_list().await,
            "accounts.add" => self.accounts_add(params).await,
            "accounts.remove" => self.accounts_remove(params).await,
            "accounts.update" => self.accounts_update(params).await,
            "token.get" => self.token_get(params).await,
            other => Err(ErrorBody::new(
                ErrorCode::MethodUnknown,
                format!(
                    "gmux-host {} has no method {other:?}; update gmux-host",
                    env!("CARGO_PKG_VERSION")
                ),
            )),
        }
    }

    fn hello(&self, params: Value) -> MethodResult {
        #[derive(Deserialize)]
        struct P {
            protocol: Option<u32>,
        }
        let p: P = self::params(params)?;
        if let Some(theirs) = p.protocol {
            if theirs > PROTOCOL_VERSION {
                return Err(ErrorBody::new(
                    ErrorCode::UnsupportedProtocolVersion,
                    format!(
                        "the extension speaks protocol {theirs} but gmux-host {} speaks {PROTOCOL_VERSION}; update \
                         gmux-host",
                        env!("CARGO_PKG_VERSION")
                    ),
                ));
            }
        }
        // A broken config file must not break the handshake: the extension still learns the host is there.
        let config = config::load_config(&self.paths).ok().flatten();
        let hello = Hello {
            protocol: PROTOCOL_VERSION,
            host_version: env!("CARGO_PKG_VERSION").to_string(),
            capabilities: CAPABILITIES.iter().map(|c| c.to_string()).collect(),
            configured: config.is_some(),
            endpoints: config
                .map(|c| c.endpoints)
                .unwrap_or_else(Endpoints::google),
        };
        serde_json::to_value(hello).map_err(internal)
    }

    async fn accounts_list(&self) -> MethodResult {
        let accounts = config::load_accounts(&self.paths).map_err(internal)?;
        Ok(json!({ "accounts": accounts }))
    }

    async fn accounts_add(&self, params: Value) -> MethodResult {
        #[derive(Deserialize)]
        struct P {
            login_hint: Option<String>,
        }
        let p: P = self::params(params)?;
        let config = load_config(&self.paths)?;
        let started = flow::start(self.flow_deps(), config, p.login_hint).await?;
        let outbox = self.outbox.clone();
        let flow_id = started.flow_id.clone();
        // The reply goes out now; the event follows when the browser tab comes back (or the flow fails).
        tokio::spawn(async move {
            let event = match started.finish.await {
                Ok(account) => Event {
                    event: gmux_core::protocol::events::ACCOUNTS_ADDED.into(),
                    data: json!({ "flow_id": flow_id, "account": account }),
                },
                Err(e) => {
                    tracing::warn!(
                        flow_id,
                        code = e.code.as_str(),
                        "consent flow failed: {}",
                        e.message
                    );
                    Event {
                        event: gmux_core::protocol::events::ACCOUNTS_ADD_FAILED.into(),
                        data: json!({ "flow_id": flow_id, "code": e.code, "message": e.message }),
                    }
                }
            };
            outbox.send(&event, None);
        });
        Ok(json!({ "consent_url": started.consent_url, "flow_id": started.flow_id }))
    }

    async fn accounts_remove(&self, params: Value) -> MethodResult {
        #[derive(Deserialize)]
        struct P {
            account: String,
        }
        let p: P = self::params(params)?;
        remove_account(self, &p.account).await
    }

    async fn accounts_update(&self, params: Value) -> MethodResult {
        #[derive(Deserialize)]
        struct P {
            account: String,
            color: Option<String>,
            order: Option<u32>,
        }
        let p: P = self::params(params)?;
        if let Some(c) = &p.color {
            let valid = c.len() == 7
                && c.starts_with('#')
                && c[1..].chars().all(|ch| ch.is_ascii_hexdigit());
            if !valid {
                return Err(malformed("color must look like #rrggbb"));
            }
        }
        let paths = self.paths.clone();
        let requested = p.account.clone();
        let updated = tokio::task::spawn_blocking(
            move || -> Result<Option<gmux_core::protocol::Account>, config::ConfigError> {
                let mut index = config::lock_accounts(&paths)?;
                let Some(account) = index.get_mut(&p.account) else {
                    return Ok(None);
                };
                if let Some(c) = p.color {
                    account.color = c.to_ascii_lowercase();
                }
                if let Some(o) = p.order {
                    account.order = o;
                }
                let account = account.clone();
                index.save()?;
                Ok(Some(account))
            },
        )
        .await
        .map_err(internal)?
        .map_err(internal)?;
        match updated {
            Some(account) => Ok(json!({ "account": account })),
            None => Err(account_unknown(&requested)),
        }
    }

    async fn token_get(&self, params: Value) -> MethodResult {
        #[derive(Deserialize)]
        struct P {
            account: String,
            #[serde(default)]
            force_refresh: bool,
        }
        let p: P = self::params(params)?;
        let token = self.tokens.get_with(&p.account, p.force_refresh).await?;
        serde_json::to_value(token).map_err(internal)
    }
}

/// Revokes at Google, deletes the keyring entry and drops the account from the index. A failed revoke is
/// reported but does not stop the local removal: the user asked for gmux to forget the account.
pub async fn remove_account(app: &App, account: &str) -> MethodResult {
    let accounts = config::load_accounts(&app.paths).map_err(internal)?;
    let Some(found) = accounts
        .iter()
        .find(|a| a.id == account || a.email.eq_ignore_ascii_case(account))
    else {
        return Err(account_unknown(account));
    };
    let sub = found.id.clone();
    let sub_for_get = sub.clone();
    let stored = secrets::run(app.secrets.clone(), move |s| s.get_blocking(&sub_for_get))
        .await
        .map_err(keyring_error)?;
    let (revoked, revoke_error) = match (&stored, load_config(&app.paths)) {
        (Some(grant), Ok(config)) => {
            match oauth::revoke(&app.http, &config.endpoints.revoke, &grant.refresh_token).await {
                Ok(()) => (true, None),
                Err(e) => (false, Some(e)),
            }
        }
        (None, _) => (
            false,
            Some("no token was stored for this account".to_string()),
        ),
        (_, Err(e)) => (false, Some(e.message)),
    };
    if let Some(e) = &revoke_error {
        tracing::warn!(sub, "revoke failed: {e}");
    }
    let sub_for_delete = sub.clone();
    secrets::run(app.secrets.clone(), move |s| {
        s.delete_blocking(&sub_for_delete)
    })
    .await
    .map_err(keyring_error)?;
    let paths = app.paths.clone();
    let sub_for_index = sub.clone();
    tokio::task::spawn_blocking(move || -> Result<(), config::ConfigError> {
        let mut index = config::lock_accounts(&paths)?;
        index.remove(&sub_for_index);
        index.save()
    })
    .await
    .map_err(internal)?
    .map_err(internal)?;
    app.tokens.forget(&sub).await;
    tracing::info!(sub, revoked, "account removed");
    let mut result = json!({ "removed": true, "revoked": revoked });
    if let Some(e) = revoke_error {
        result["revoke_error"] = json!(e);
    }
    Ok(result)
}
