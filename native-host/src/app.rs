//! Request dispatch: one method per protocol call, each returning a result value or a stable error.

use crate::config;
use crate::paths::Paths;
use crate::serve::Outbox;
use gmux_core::protocol::{Endpoints, ErrorBody, ErrorCode, Hello, PROTOCOL_VERSION};
use serde::Deserialize;
use serde_json::{json, Value};

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
        App { paths, outbox }
    }

    pub fn outbox(&self) -> &Outbox {
        &self.outbox
    }

    pub async fn handle(&self, method: &str, params: Value) -> MethodResult {
        tracing::debug!(method, "request");
        match method {
            "hello" => self.hello(params),
            "accounts.list" => self.accounts_list().await,
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
}
