//! Request dispatch: one method per protocol call, each returning a result value or a stable error.

use crate::config;
use crate::errors::{account_unknown, internal, keyring_error, malformed};
use crate::flow::{self, FlowDeps};
use crate::oauth;
use crate::outbox::Outbox;
use crate::paths::Paths;
use crate::secrets::{self, Secrets};
use crate::tokens::Tokens;
use gmux_core::protocol::{
    method, Account, AccountsAddFailed, AccountsAddParams, AccountsAddResult, AccountsAdded,
    AccountsListParams, AccountsListResult, AccountsRemoveParams, AccountsRemoveResult,
    AccountsUpdateParams, AccountsUpdateResult, Endpoints, ErrorBody, ErrorCode, Event, Hello,
    HelloParams, Method, TokenGetParams, CAPABILITIES, PROTOCOL_VERSION,
};
use serde_json::Value;
use std::future::Future;
use std::sync::Arc;

pub struct App {
    pub paths: Paths,
    outbox: Outbox,
    pub secrets: Arc<Secrets>,
    pub http: reqwest::Client,
    pub tokens: Arc<Tokens>,
    consent_slots: Arc<tokio::sync::Semaphore>,
}

pub type MethodResult = Result<Value, ErrorBody>;

/// Runs one method: its params parsed into `M::Params` (a bad shape is `request_malformed`), its result
/// written from `M::Result`.
async fn call<M, F, Fut>(params: Value, handler: F) -> MethodResult
where
    M: Method,
    F: FnOnce(M::Params) -> Fut,
    Fut: Future<Output = Result<M::Result, ErrorBody>>,
{
    let params =
        M::params(params).map_err(|e| malformed(format!("invalid params for {}: {e}", M::NAME)))?;
    let result = handler(params).await?;
    serde_json::to_value(result).map_err(internal)
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
            consent_slots: flow::consent_slots(),
        }
    }

    pub fn flow_deps(&self) -> FlowDeps {
        FlowDeps {
            paths: self.paths.clone(),
            secrets: self.secrets.clone(),
            http: self.http.clone(),
            tokens: self.tokens.clone(),
            consent_slots: self.consent_slots.clone(),
        }
    }

    pub fn outbox(&self) -> &Outbox {
        &self.outbox
    }

    pub async fn handle(&self, name: &str, params: Value) -> MethodResult {
        tracing::debug!(method = name, "request");
        match name {
            method::Hello::NAME => call::<method::Hello, _, _>(params, |p| self.hello(p)).await,
            method::AccountsList::NAME => {
                call::<method::AccountsList, _, _>(params, |p| self.accounts_list(p)).await
            }
            method::AccountsAdd::NAME => {
                call::<method::AccountsAdd, _, _>(params, |p| self.accounts_add(p)).await
            }
            method::AccountsRemove::NAME => {
                call::<method::AccountsRemove, _, _>(params, |p| self.accounts_remove(p)).await
            }
            method::AccountsUpdate::NAME => {
                call::<method::AccountsUpdate, _, _>(params, |p| self.accounts_update(p)).await
            }
            method::TokenGet::NAME => {
                call::<method::TokenGet, _, _>(params, |p| self.token_get(p)).await
            }
            other => Err(ErrorBody::new(
                ErrorCode::MethodUnknown,
                format!(
                    "gmux-host {} has no method {other:?}; update gmux-host",
                    env!("CARGO_PKG_VERSION")
                ),
            )),
        }
    }

    async fn hello(&self, p: HelloParams) -> Result<Hello, ErrorBody> {
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
        Ok(Hello {
            protocol: PROTOCOL_VERSION,
            host_version: env!("CARGO_PKG_VERSION").to_string(),
            capabilities: CAPABILITIES.iter().map(|c| c.to_string()).collect(),
            configured: config.is_some(),
            endpoints: config
                .map(|c| c.endpoints)
                .unwrap_or_else(Endpoints::google),
        })
    }

    async fn accounts_list(&self, _: AccountsListParams) -> Result<AccountsListResult, ErrorBody> {
        let accounts = config::load_accounts(&self.paths).map_err(internal)?;
        Ok(AccountsListResult { accounts })
    }

    async fn accounts_add(&self, p: AccountsAddParams) -> Result<AccountsAddResult, ErrorBody> {
        let config = config::configured(&self.paths)?;
        let started = flow::start(self.flow_deps(), config, p.login_hint).await?;
        let outbox = self.outbox.clone();
        let flow_id = started.flow_id.clone();
        // The reply goes out now; the event follows when the browser tab comes back (or the flow fails).
        tokio::spawn(async move {
            let event = match started.finish.await {
                Ok(account) => Event::new(&AccountsAdded { flow_id, account }),
                Err(e) => {
                    tracing::warn!(
                        flow_id,
                        code = e.code.as_str(),
                        "consent flow failed: {}",
                        e.message
                    );
                    Event::new(&AccountsAddFailed {
                        flow_id,
                        code: e.code,
                        message: e.message,
                    })
                }
            };
            outbox.send(&event, None).await;
        });
        Ok(AccountsAddResult {
            consent_url: started.consent_url,
            flow_id: started.flow_id,
        })
    }

    async fn accounts_remove(
        &self,
        p: AccountsRemoveParams,
    ) -> Result<AccountsRemoveResult, ErrorBody> {
        remove_account(self, &p.account).await
    }

    async fn accounts_update(
        &self,
        p: AccountsUpdateParams,
    ) -> Result<AccountsUpdateResult, ErrorBody> {
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
        let updated =
            tokio::task::spawn_blocking(move || -> Result<Option<Account>, config::ConfigError> {
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
            })
            .await
            .map_err(internal)?
            .map_err(internal)?;
        match updated {
            Some(account) => Ok(AccountsUpdateResult { account }),
            None => Err(account_unknown(&requested)),
        }
    }

    async fn token_get(
        &self,
        p: TokenGetParams,
    ) -> Result<gmux_core::protocol::AccessToken, ErrorBody> {
        self.tokens.get_with(&p.account, p.force_refresh).await
    }
}

/// Revokes at Google, deletes the keyring entry and drops the account from the index. A failed revoke is
/// reported but does not stop the local removal: the user asked for gmux to forget the account.
pub async fn remove_account(app: &App, account: &str) -> Result<AccountsRemoveResult, ErrorBody> {
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
    let (revoked, revoke_error) = match (&stored, config::configured(&app.paths)) {
        (Some(grant), Ok(config)) => {
            match oauth::revoke(
                &app.http,
                &config,
                &grant.refresh_token,
                oauth::TokenKind::Refresh,
            )
            .await
            {
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
    Ok(AccountsRemoveResult {
        removed: true,
        revoked,
        revoke_error,
    })
}
