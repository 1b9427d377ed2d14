//! What the extension knows about gmux-host, and the words the pages show for it. Plain Rust: no browser here.

use gmux_core::protocol::{Hello, PROTOCOL_VERSION};
use serde::{Deserialize, Serialize};

/// The command that installs gmux-host, run in the gmux checkout.
pub const INSTALL_COMMAND: &str = "cargo xtask install";

/// The host's state as the background reports it to the pages (`{"type":"status"}` is answered with this).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "host", rename_all = "snake_case")]
pub enum HostStatus {
    /// A port is open and `hello` has not been answered yet.
    Connecting,
    /// `hello` succeeded.
    Connected { version: String },
    /// The browser could not start gmux-host: no host manifest, or the host went away before saying hello.
    Missing { error: String },
    /// gmux-host started but the handshake failed, or it stopped after a successful handshake.
    Error { error: String },
}

impl HostStatus {
    /// Whether a status request must wait for a handshake that is still under way.
    pub fn is_settled(&self) -> bool {
        !matches!(self, HostStatus::Connecting)
    }

    /// The status after gmux-host answered `hello` with `result`.
    pub fn from_hello(result: serde_json::Value) -> HostStatus {
        match serde_json::from_value::<Hello>(result) {
            Ok(hello) if hello.protocol == PROTOCOL_VERSION => HostStatus::Connected {
                version: hello.host_version,
            },
            Ok(hello) => HostStatus::Error {
                error: format!(
                    "gmux-host {} speaks protocol {}, this extension speaks {PROTOCOL_VERSION}: update both",
                    hello.host_version, hello.protocol
                ),
            },
            Err(e) => HostStatus::Error {
                error: format!("gmux-host answered hello with something unreadable: {e}"),
            },
        }
    }

    /// The status after the port closed with the browser's `error`, given the status before.
    ///
    /// Browsers do not say "not installed" consistently (Chrome: "Specified native messaging host not found.",
    /// Firefox: "No such native application dev.gmux.host", and sometimes only "Native host has exited."), so a
    /// port that closes before the handshake finished counts as a missing host: to the user the remedy is the same.
    pub fn after_disconnect(before: &HostStatus, error: &str) -> HostStatus {
        let error = if error.is_empty() {
            "the port to gmux-host closed".to_string()
        } else {
            error.to_string()
        };
        match before {
            HostStatus::Connecting | HostStatus::Missing { .. } => HostStatus::Missing { error },
            HostStatus::Connected { .. } | HostStatus::Error { .. } => HostStatus::Error {
                error: format!("gmux-host stopped: {error}"),
            },
        }
    }
}

/// How a status is shown: a tone for styling, a one-line headline, an optional explanation and an optional
/// command the user can copy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusView {
    /// `data-state` on the status element; the tests and the stylesheet key on it.
    pub state: &'static str,
    pub headline: String,
    pub detail: Option<String>,
    pub command: Option<&'static str>,
    pub hint: Option<String>,
}

impl StatusView {
    pub fn of(status: &HostStatus) -> StatusView {
        match status {
            HostStatus::Connecting => StatusView {
                state: "connecting",
                headline: "connecting to gmux-host…".to_string(),
                detail: None,
                command: None,
                hint: None,
            },
            HostStatus::Connected { version } => StatusView {
                state: "connected",
                headline: format!("connected to gmux-host {version}"),
                detail: Some("Your accounts' keys stay in the system keyring; gmux-host hands the browser short-lived access only.".to_string()),
                command: None,
                hint: None,
            },
            HostStatus::Missing { .. } => StatusView {
                state: "missing",
                headline: "gmux-host is not installed".to_string(),
                detail: Some(
                    "gmux needs its companion program, gmux-host, which keeps your Google sign-ins in the system \
                     keyring. Install it by running this command in your gmux checkout:"
                        .to_string(),
                ),
                command: Some(INSTALL_COMMAND),
                hint: Some("Then open gmux again.".to_string()),
            },
            HostStatus::Error { error } => StatusView {
                state: "error",
                headline: "gmux-host is not answering".to_string(),
                // Browser reasons end with a period ("Native host has exited."), ours do not.
                detail: Some(format!(
                    "{}. If this keeps happening, reinstalling it usually helps:",
                    error.trim_end_matches('.')
                )),
                command: Some(INSTALL_COMMAND),
                hint: Some("Then open gmux again.".to_string()),
            },
        }
    }
}

/// The command that gives gmux-host an OAuth client.
pub const CONFIGURE_COMMAND: &str =
    "gmux-host configure --client-secrets ~/Downloads/client_secret.json";

/// The background's answer to `{"type":"status"}` as the pages read it: either [`HostStatus`] (`version`, `error`)
/// or `gmux_core::messages::BackgroundStatus` (`host_version`, `host_error`, accounts, sync times), which is also
/// what `storage.local["status"]` holds. Reading both keeps the pages working across a background upgrade.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
pub struct StatusAnswer {
    /// `connecting`, `connected`, `missing`, `not_configured`, `failed` or `error`.
    #[serde(default)]
    pub host: String,
    #[serde(default)]
    pub version: Option<String>,
    #[serde(default)]
    pub host_version: Option<String>,
    #[serde(default)]
    pub error: Option<String>,
    #[serde(default)]
    pub host_error: Option<String>,
    #[serde(default)]
    pub accounts: Vec<gmux_core::protocol::Account>,
    #[serde(default)]
    pub last_sync_ms: Option<u64>,
    #[serde(default)]
    pub syncing: bool,
    #[serde(default)]
    pub add_error: Option<String>,
    /// The background's storage revision when it answered (absent in what storage holds).
    #[serde(default)]
    pub revision: Option<u64>,
}

impl StatusAnswer {
    /// Reads a stored or answered status; anything unreadable counts as "still connecting".
    pub fn from_json(value: serde_json::Value) -> StatusAnswer {
        let mut answer: StatusAnswer = serde_json::from_value(value).unwrap_or_default();
        // Either shape, or both at once (a background that answers old pages too), ends up in one field.
        answer.version = answer.host_version.take().or(answer.version);
        answer.error = answer.host_error.take().or(answer.error);
        answer
    }

    pub fn is_connected(&self) -> bool {
        self.host == "connected"
    }

    /// Whether the answer settles the page's status line (a handshake still under way does not).
    pub fn is_settled(&self) -> bool {
        !matches!(self.host.as_str(), "" | "connecting")
    }

    /// How the pages show it: the same words as [`StatusView::of`], plus the not-configured state.
    pub fn view(&self) -> StatusView {
        let error = self
            .error
            .clone()
            .unwrap_or_else(|| "gmux-host stopped".to_string());
        match self.host.as_str() {
            "connected" => StatusView::of(&HostStatus::Connected {
                version: self.version.clone().unwrap_or_default(),
            }),
            "missing" => StatusView::of(&HostStatus::Missing { error }),
            "not_configured" => StatusView {
                state: "not_configured",
                headline: "gmux-host has no Google sign-in client yet".to_string(),
                detail: Some(
                    "gmux-host signs in to Google with an OAuth client that you create once in the Google Cloud \
                     console (a Desktop app client). Download its JSON file and give it to gmux-host:"
                        .to_string(),
                ),
                command: Some(CONFIGURE_COMMAND),
                hint: Some("Then open gmux again and add your accounts.".to_string()),
            },
            "failed" | "error" => StatusView::of(&HostStatus::Error { error }),
            _ => StatusView::of(&HostStatus::Connecting),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn check_disconnect(before: HostStatus, error: &str, expected: HostStatus) {
        assert_eq!(
            HostStatus::after_disconnect(&before, error),
            expected,
            "before {before:?}, error {error:?}"
        );
    }

    #[test]
    fn a_port_closing_before_hello_means_the_host_is_missing() {
        let missing = |e: &str| HostStatus::Missing {
            error: e.to_string(),
        };
        check_disconnect(
            HostStatus::Connecting,
            "Specified native messaging host not found.",
            missing("Specified native messaging host not found."),
        );
        check_disconnect(
            HostStatus::Connecting,
            "No such native application dev.gmux.host",
            missing("No such native application dev.gmux.host"),
        );
        check_disconnect(
            HostStatus::Connecting,
            "Native host has exited.",
            missing("Native host has exited."),
        );
        check_disconnect(
            HostStatus::Connecting,
            "",
            missing("the port to gmux-host closed"),
        );
    }

    #[test]
    fn a_port_closing_after_hello_is_an_error_not_a_missing_host() {
        check_disconnect(
            HostStatus::Connected {
                version: "0.1.0".into(),
            },
            "Native host has exited.",
            HostStatus::Error {
                error: "gmux-host stopped: Native host has exited.".into(),
            },
        );
    }

    #[test]
    fn hello_results_decide_between_connected_and_error() {
        let hello = |protocol: u32| {
            serde_json::to_value(Hello {
                protocol,
                host_version: "0.1.0".into(),
                capabilities: vec![],
                configured: false,
                endpoints: gmux_core::protocol::Endpoints::google(),
            })
            .unwrap()
        };
        assert_eq!(
            HostStatus::from_hello(hello(PROTOCOL_VERSION)),
            HostStatus::Connected {
                version: "0.1.0".into()
            }
        );
        let HostStatus::Error { error } = HostStatus::from_hello(hello(PROTOCOL_VERSION + 1))
        else {
            panic!("a newer protocol must not count as connected")
        };
        assert!(error.contains("update both"), "{error}");
        let HostStatus::Error { error } = HostStatus::from_hello(json!({"version": "0.1.0"}))
        else {
            panic!("an unreadable hello must not count as connected")
        };
        assert!(error.contains("unreadable"), "{error}");
    }

    #[test]
    fn status_has_the_wire_shape_the_pages_read() {
        let cases = [
            (
                HostStatus::Connected {
                    version: "0.1.0".into(),
                },
                json!({"host": "connected", "version": "0.1.0"}),
            ),
            (
                HostStatus::Missing { error: "x".into() },
                json!({"host": "missing", "error": "x"}),
            ),
            (
                HostStatus::Error { error: "y".into() },
                json!({"host": "error", "error": "y"}),
            ),
            (HostStatus::Connecting, json!({"host": "connecting"})),
        ];
        for (status, wire) in cases {
            assert_eq!(serde_json::to_value(&status).unwrap(), wire);
            assert_eq!(serde_json::from_value::<HostStatus>(wire).unwrap(), status);
        }
    }

    #[test]
    fn views_say_what_happened_and_what_to_do() {
        let connected = StatusView::of(&HostStatus::Connected {
            version: "0.1.0".into(),
        });
        assert_eq!(connected.headline, "connected to gmux-host 0.1.0");
        assert_eq!(connected.command, None);

        let missing = StatusView::of(&HostStatus::Missing {
            error: "No such native application dev.gmux.host".into(),
        });
        assert_eq!(missing.state, "missing");
        assert_eq!(missing.headline, "gmux-host is not installed");
        assert_eq!(missing.command, Some("cargo xtask install"));
        let stopped = StatusView::of(&HostStatus::Error {
            error: "gmux-host stopped: Native host has exited.".into(),
        });
        assert_eq!(
            stopped.detail.as_deref(),
            Some("gmux-host stopped: Native host has exited. If this keeps happening, reinstalling it usually helps:")
        );

        // The browser's raw wording is for logs, not for the person reading the popup.
        assert!(!format!("{missing:?}").contains("No such native application"));
    }

    #[test]
    fn status_answers_of_both_shapes_read_the_same() {
        let cases = [
            (
                json!({"host": "connected", "version": "0.1.0"}),
                "connected",
                "connected to gmux-host 0.1.0",
            ),
            (
                json!({"host": "connected", "host_version": "0.2.0", "accounts": [], "syncing": true}),
                "connected",
                "connected to gmux-host 0.2.0",
            ),
            (
                json!({"host": "missing", "error": "x"}),
                "missing",
                "gmux-host is not installed",
            ),
            (
                json!({"host": "missing", "host_error": "x"}),
                "missing",
                "gmux-host is not installed",
            ),
            (
                json!({"host": "connected", "host_version": "0.3.0", "version": "0.3.0", "error": null}),
                "connected",
                "connected to gmux-host 0.3.0",
            ),
            (
                json!({"host": "failed", "host_error": "gone"}),
                "error",
                "gmux-host is not answering",
            ),
            (
                json!({"host": "not_configured"}),
                "not_configured",
                "gmux-host has no Google sign-in client yet",
            ),
            (
                json!({"host": "connecting"}),
                "connecting",
                "connecting to gmux-host…",
            ),
            (json!("garbage"), "connecting", "connecting to gmux-host…"),
        ];
        for (wire, state, headline) in cases {
            let answer = StatusAnswer::from_json(wire.clone());
            let view = answer.view();
            assert_eq!(
                (view.state, view.headline.as_str()),
                (state, headline),
                "{wire}"
            );
            assert_eq!(answer.is_settled(), state != "connecting", "{wire}");
        }
        let configure = StatusAnswer::from_json(json!({"host": "not_configured"})).view();
        assert_eq!(configure.command, Some(CONFIGURE_COMMAND));
    }
}
