//! The background's state as the pages see it: one model, [`Status`], which the background writes under
//! `storage.local["status"]` and answers `Intent::Status` with, and the words a page shows for it
//! ([`StatusView`]). Also the decisions about the host's state that the background's port makes: what a `hello`
//! reply, a closed port and a failed connection mean, and how long to wait before reconnecting.

use serde::{Deserialize, Serialize};

use crate::protocol::{Account as HostAccount, Hello, PROTOCOL_VERSION};

/// The command that registers an unpacked gmux-host with the user's browsers (the .deb does it by itself).
pub const INSTALL_COMMAND: &str = "gmux-host install";

/// The command that builds and installs everything from a gmux source checkout.
pub const CHECKOUT_INSTALL_COMMAND: &str = "cargo xtask install";

/// The command that checks gmux-host's configuration.
pub const DOCTOR_COMMAND: &str = "gmux-host doctor";

/// The command that gives gmux-host an OAuth client.
pub const CONFIGURE_COMMAND: &str =
    "gmux-host configure --client-secrets ~/Downloads/client_secret.json";

/// gmux-host as the background sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HostState {
    /// A port is open and the handshake is under way (also: nothing is known yet).
    #[default]
    Connecting,
    /// The handshake succeeded and gmux-host has an OAuth client.
    Connected,
    /// The browser could not start gmux-host: no host manifest, or the host went away before saying hello.
    Missing,
    /// gmux-host runs but has no OAuth client: `gmux-host configure --client-secrets FILE`.
    NotConfigured,
    /// gmux-host started but the handshake failed, or it stopped after a successful one; the background
    /// reconnects.
    Failed,
    /// gmux-host answered, but names a Gmail address this build does not send tokens to (see
    /// `crate::trust::gmail_base`); nothing is synced until its configuration is fixed.
    Untrusted,
}

impl HostState {
    /// Whether requests can be sent: the host answered `hello`, configured or not.
    pub fn is_up(self) -> bool {
        matches!(self, HostState::Connected | HostState::NotConfigured)
    }

    /// Whether a handshake is still under way, so a page asking for the status waits for it.
    pub fn is_settled(self) -> bool {
        self != HostState::Connecting
    }
}

/// What the background knows and the pages draw: the host, its accounts, syncing.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Status {
    #[serde(default)]
    pub host: HostState,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host_version: Option<String>,
    /// What went wrong when `host` is not `Connected`, as data the pages word (the browser's or the host's own
    /// reason inside, as it came). An older stored English `host_error` is ignored: the next connection says it
    /// again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host_problem: Option<HostProblem>,
    /// The accounts the host knows, in the user's order, with colours and health.
    #[serde(default)]
    pub accounts: Vec<HostAccount>,
    /// Unix ms when a sync last finished (any outcome).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_sync_ms: Option<u64>,
    /// True while a sync runs, so pages can show quiet progress.
    #[serde(default)]
    pub syncing: bool,
    /// The accounts a sync of every account has not finished yet (each leaves as its result is saved), for a
    /// spinner on its badge.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub syncing_accounts: Vec<String>,
    /// Why the last "Add account" or "Reconnect" did not finish (the host's sentence), until the next attempt
    /// starts or one succeeds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub add_error: Option<String>,
    /// Actions waiting for Gmail and the ones it refused ([`crate::offline::OfflineShown`]).
    #[serde(
        default,
        skip_serializing_if = "crate::offline::OfflineShown::is_empty"
    )]
    pub offline: crate::offline::OfflineShown,
    /// Only in an answer to `Intent::Status`: the background's storage revision when it answered, so a page
    /// that already drew a newer status from storage keeps it (see `crate::messages::is_newer`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revision: Option<u64>,
}

impl Status {
    /// Reads a stored or answered status; anything unreadable counts as "still connecting".
    pub fn from_json(value: serde_json::Value) -> Status {
        serde_json::from_value(value).unwrap_or_default()
    }

    pub fn is_connected(&self) -> bool {
        self.host == HostState::Connected
    }

    /// How a page shows the host's state.
    pub fn view(&self) -> StatusView {
        let error = self
            .host_problem
            .as_ref()
            .map(HostProblem::english)
            .unwrap_or_else(|| "gmux-host stopped".to_string());
        match self.host {
            HostState::Connecting => StatusView {
                state: "connecting",
                headline: "connecting to gmux-host…".to_string(),
                detail: None,
                command: None,
                hint: None,
            },
            HostState::Connected => StatusView {
                state: "connected",
                headline: format!(
                    "connected to gmux-host {}",
                    self.host_version.as_deref().unwrap_or_default()
                ),
                detail: Some(
                    "Your accounts' keys stay in the system keyring; gmux-host hands the browser short-lived \
                     access only."
                        .to_string(),
                ),
                command: None,
                hint: None,
            },
            // The browser's raw wording ("No such native application …") is for the log, not for the person
            // reading the popup.
            HostState::Missing => StatusView {
                state: "missing",
                headline: "gmux-host is not installed".to_string(),
                detail: Some(
                    "gmux needs its companion program, gmux-host, which keeps your Google sign-ins in the system \
                     keyring. Get the gmux-host package for your system from where you got gmux: on Debian or \
                     Ubuntu install the .deb, and that is all; on other systems unpack the archive and run once:"
                        .to_string(),
                ),
                command: Some(INSTALL_COMMAND),
                hint: Some(format!(
                    "Then open gmux again. (From a gmux source checkout: {CHECKOUT_INSTALL_COMMAND}.)"
                )),
            },
            HostState::NotConfigured => StatusView {
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
            HostState::Untrusted => StatusView {
                state: "untrusted",
                headline: "gmux-host points gmux somewhere it does not trust".to_string(),
                detail: Some(format!(
                    "{}. gmux syncs nothing until this is fixed; this command shows what gmux-host is configured with:",
                    error.trim_end_matches('.')
                )),
                command: Some(DOCTOR_COMMAND),
                hint: None,
            },
            HostState::Failed => StatusView {
                state: "error",
                headline: "gmux-host is not answering".to_string(),
                // Browser reasons end with a period ("Native host has exited."), ours do not.
                detail: Some(format!(
                    "{}. If this keeps happening, this command says what is wrong with it:",
                    error.trim_end_matches('.')
                )),
                command: Some(DOCTOR_COMMAND),
                hint: Some("Then open gmux again.".to_string()),
            },
        }
    }
}

/// Whether a page that shows `shown` (drawn from storage up to revision `applied`) takes the background's
/// `answer` to `Intent::Status`. The background writes every change to storage, so an answer at the revision the
/// page has drawn brings nothing newer, and storage may even hold what the background's memory does not (its
/// account list before a restarted background read it again). The answer wins when it is newer, when it has no
/// revision (the page's own "the background did not answer"), or when it settles a page still showing a
/// handshake under way.
pub fn takes_answer(applied: Option<u64>, shown: &Status, answer: &Status) -> bool {
    match (applied, answer.revision) {
        (Some(applied), Some(answered)) => {
            answered > applied || (!shown.host.is_settled() && answer.host.is_settled())
        }
        _ => true,
    }
}

/// How a page shows the host's state: a tone for styling, a one-line headline, an optional explanation and an
/// optional command the user can copy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusView {
    /// `data-state` on the status element; the tests and the stylesheet key on it.
    pub state: &'static str,
    pub headline: String,
    pub detail: Option<String>,
    pub command: Option<&'static str>,
    pub hint: Option<String>,
}

/// What went wrong with gmux-host, as data: the pages say it in the browser's language; the browser's and the
/// host's own reasons ride inside as they came.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum HostProblem {
    /// The port closed before the handshake (to the user: not installed); `reason` is the browser's, for logs.
    NotFound { reason: String },
    /// The port closed after the handshake; `reason` is the browser's, empty when it gave none.
    Stopped { reason: String },
    /// The handshake never came back.
    TimedOut { seconds: u32 },
    /// The host speaks another protocol version.
    OtherProtocol { host_version: String, protocol: u32 },
    /// The host's answer to `hello` could not be read; `error` is the reader's.
    UnreadableHello { error: String },
    /// The host refused `hello`: its code and its own words.
    HelloRefused { code: String, message: String },
    /// The host has no OAuth client yet.
    NoOAuthClient,
    /// The host named `base` as Gmail's address, which this build does not send tokens to.
    Untrusted { base: String },
    /// The page's own: the background did not answer (its error).
    BackgroundNoAnswer { error: String },
}

impl HostProblem {
    /// The English of it, for logs and core's own view (the pages word it from the catalogues).
    pub fn english(&self) -> String {
        match self {
            HostProblem::NotFound { reason } => reason.clone(),
            HostProblem::Stopped { reason } if reason.is_empty() => {
                "gmux-host stopped: the port to gmux-host closed".to_string()
            }
            HostProblem::Stopped { reason } => format!("gmux-host stopped: {reason}"),
            HostProblem::TimedOut { seconds } => {
                format!("gmux-host did not answer within {seconds} seconds")
            }
            HostProblem::OtherProtocol {
                host_version,
                protocol,
            } => format!(
                "gmux-host {host_version} speaks protocol {protocol}, this extension speaks {PROTOCOL_VERSION}: update both"
            ),
            HostProblem::UnreadableHello { error } => {
                format!("gmux-host answered hello with something unreadable: {error}")
            }
            HostProblem::HelloRefused { code, message } => {
                format!("gmux-host refused hello: {message} ({code})")
            }
            HostProblem::NoOAuthClient => {
                "gmux-host has no OAuth client yet: run gmux-host configure --client-secrets FILE".to_string()
            }
            HostProblem::Untrusted { base } => format!("gmux-host named {base} as Gmail's address"),
            HostProblem::BackgroundNoAnswer { error } => {
                format!("the gmux background did not answer: {error}")
            }
        }
    }
}

/// The host's state after a connection attempt settled: the state, the host's version when it said one, and
/// what went wrong when it is not connected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settled {
    pub state: HostState,
    pub version: Option<String>,
    pub error: Option<HostProblem>,
}

/// What a `hello` reply means: connected, connected without an OAuth client, or a host this extension cannot
/// talk to.
pub fn after_hello(reply: Result<Hello, String>) -> Settled {
    match reply {
        Ok(hello) if hello.protocol == PROTOCOL_VERSION && hello.configured => Settled {
            state: HostState::Connected,
            version: Some(hello.host_version),
            error: None,
        },
        Ok(hello) if hello.protocol == PROTOCOL_VERSION => Settled {
            state: HostState::NotConfigured,
            version: Some(hello.host_version),
            error: Some(HostProblem::NoOAuthClient),
        },
        Ok(hello) => Settled {
            state: HostState::Failed,
            error: Some(HostProblem::OtherProtocol {
                host_version: hello.host_version.clone(),
                protocol: hello.protocol,
            }),
            version: Some(hello.host_version),
        },
        Err(e) => Settled {
            state: HostState::Failed,
            version: None,
            error: Some(HostProblem::UnreadableHello { error: e }),
        },
    }
}

/// What a port closing means, given the state before and the browser's reason.
///
/// Browsers do not say "not installed" consistently (Chrome: "Specified native messaging host not found.",
/// Firefox: "No such native application dev.gmux.host", and sometimes only "Native host has exited."), so a
/// port that closes before the handshake finished counts as a missing host: to the user the remedy is the same.
pub fn after_disconnect(before: HostState, reason: &str) -> Settled {
    // Firefox gives no reason when the host process dies; the page still says a sentence.
    let reason = reason.trim().to_string();
    match before {
        HostState::Connecting | HostState::Missing => Settled {
            state: HostState::Missing,
            version: None,
            error: Some(HostProblem::NotFound { reason }),
        },
        HostState::Connected
        | HostState::NotConfigured
        | HostState::Failed
        | HostState::Untrusted => Settled {
            state: HostState::Failed,
            version: None,
            error: Some(HostProblem::Stopped { reason }),
        },
    }
}

/// A handshake that never came back.
pub fn hello_timed_out(seconds: u32) -> Settled {
    Settled {
        state: HostState::Failed,
        version: None,
        error: Some(HostProblem::TimedOut { seconds }),
    }
}

/// The first reconnect waits this long, doubling per failure up to [`RECONNECT_MAX_MS`].
pub const RECONNECT_FIRST_MS: u32 = 1_000;
pub const RECONNECT_MAX_MS: u32 = 60_000;

/// The wait before reconnect attempt `failed + 1`.
pub fn reconnect_delay_ms(failed: u32) -> u32 {
    RECONNECT_FIRST_MS
        .saturating_mul(1 << failed.min(16))
        .min(RECONNECT_MAX_MS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::Endpoints;
    use serde_json::json;

    fn hello(protocol: u32, configured: bool) -> Hello {
        Hello {
            protocol,
            host_version: "0.1.0".into(),
            capabilities: vec![],
            configured,
            endpoints: Endpoints::google(),
        }
    }

    #[test]
    fn hello_decides_the_host_state() {
        let cases = [
            (Ok(hello(PROTOCOL_VERSION, true)), HostState::Connected, ""),
            (
                Ok(hello(PROTOCOL_VERSION, false)),
                HostState::NotConfigured,
                "gmux-host configure",
            ),
            (
                Ok(hello(PROTOCOL_VERSION + 1, true)),
                HostState::Failed,
                "update both",
            ),
            (Err("missing field".into()), HostState::Failed, "unreadable"),
        ];
        for (reply, state, words) in cases {
            let settled = after_hello(reply.clone());
            assert_eq!(settled.state, state, "{reply:?}");
            let error = settled
                .error
                .as_ref()
                .map(HostProblem::english)
                .unwrap_or_default();
            assert!(error.contains(words), "{reply:?}: {error}");
        }
        assert_eq!(
            after_hello(Ok(hello(PROTOCOL_VERSION + 1, true))).error,
            Some(HostProblem::OtherProtocol {
                host_version: "0.1.0".into(),
                protocol: PROTOCOL_VERSION + 1
            })
        );
        assert_eq!(
            after_hello(Ok(hello(PROTOCOL_VERSION, false))).error,
            Some(HostProblem::NoOAuthClient)
        );
        assert_eq!(
            after_hello(Err("missing field".into())).error,
            Some(HostProblem::UnreadableHello {
                error: "missing field".into()
            })
        );
        assert_eq!(
            after_hello(Ok(hello(PROTOCOL_VERSION, true)))
                .version
                .as_deref(),
            Some("0.1.0")
        );
    }

    #[test]
    fn a_port_closing_before_hello_means_the_host_is_missing() {
        let not_found = |reason: &str| HostProblem::NotFound {
            reason: reason.into(),
        };
        let stopped = |reason: &str| HostProblem::Stopped {
            reason: reason.into(),
        };
        let cases = [
            (
                HostState::Connecting,
                "Specified native messaging host not found.",
                HostState::Missing,
                not_found("Specified native messaging host not found."),
            ),
            (
                HostState::Connecting,
                "No such native application dev.gmux.host",
                HostState::Missing,
                not_found("No such native application dev.gmux.host"),
            ),
            (HostState::Missing, "", HostState::Missing, not_found("")),
            (
                HostState::Connected,
                "Native host has exited.",
                HostState::Failed,
                stopped("Native host has exited."),
            ),
            (
                HostState::NotConfigured,
                " ",
                HostState::Failed,
                stopped(""),
            ),
        ];
        for (before, reason, state, error) in cases {
            let settled = after_disconnect(before, reason);
            assert_eq!(
                (settled.state, settled.error),
                (state, Some(error)),
                "{before:?} {reason:?}"
            );
        }
        assert_eq!(
            hello_timed_out(10).error,
            Some(HostProblem::TimedOut { seconds: 10 })
        );
        assert_eq!(
            stopped("").english(),
            "gmux-host stopped: the port to gmux-host closed"
        );
    }

    #[test]
    fn reconnects_back_off_from_one_second_to_a_minute() {
        let delays: Vec<u32> = (0..9).map(reconnect_delay_ms).collect();
        assert_eq!(
            delays,
            [1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000, 60_000]
        );
        assert_eq!(reconnect_delay_ms(u32::MAX), 60_000);
    }

    #[test]
    fn only_a_handshake_under_way_is_unsettled_and_only_a_host_that_answered_is_up() {
        let cases = [
            (HostState::Connecting, false, false),
            (HostState::Connected, true, true),
            (HostState::NotConfigured, true, true),
            (HostState::Missing, true, false),
            (HostState::Failed, true, false),
            (HostState::Untrusted, true, false),
        ];
        for (state, settled, up) in cases {
            assert_eq!(
                (state.is_settled(), state.is_up()),
                (settled, up),
                "{state:?}"
            );
        }
    }

    #[test]
    fn views_say_what_happened_and_what_to_do() {
        let status = |wire| Status::from_json(wire);
        let cases = [
            (
                json!({"host": "connected", "host_version": "0.2.0", "accounts": [], "syncing": true}),
                "connected",
                "connected to gmux-host 0.2.0",
                None,
            ),
            (
                json!({"host": "missing", "host_problem": {"kind": "not_found", "reason": "No such native application dev.gmux.host"}}),
                "missing",
                "gmux-host is not installed",
                Some(INSTALL_COMMAND),
            ),
            (
                json!({"host": "failed", "host_problem": {"kind": "stopped", "reason": "Native host has exited."}}),
                "error",
                "gmux-host is not answering",
                Some(DOCTOR_COMMAND),
            ),
            (
                json!({"host": "not_configured"}),
                "not_configured",
                "gmux-host has no Google sign-in client yet",
                Some(CONFIGURE_COMMAND),
            ),
            (
                json!({"host": "connecting"}),
                "connecting",
                "connecting to gmux-host…",
                None,
            ),
            (
                json!("garbage"),
                "connecting",
                "connecting to gmux-host…",
                None,
            ),
        ];
        for (wire, state, headline, command) in cases {
            let view = status(wire.clone()).view();
            assert_eq!(
                (view.state, view.headline.as_str(), view.command),
                (state, headline, command),
                "{wire}"
            );
            // The browser's raw wording is for logs, not for the person reading the popup.
            assert!(!format!("{view:?}").contains("No such native application"));
        }
        let stopped = status(
            json!({"host": "failed", "host_problem": {"kind": "stopped", "reason": "Native host has exited."}}),
        )
        .view();
        // An older status with an English sentence still reads, without it.
        let older = status(json!({"host": "failed", "host_error": "gmux-host stopped"}));
        assert_eq!((older.host, older.host_problem), (HostState::Failed, None));
        assert_eq!(
            stopped.detail.as_deref(),
            Some("gmux-host stopped: Native host has exited. If this keeps happening, this command says what is wrong with it:")
        );
    }

    #[test]
    fn a_page_takes_the_answer_only_when_it_brings_something_new() {
        let status = |host: HostState, revision: Option<u64>| Status {
            host,
            revision,
            ..Status::default()
        };
        let connected = HostState::Connected;
        let connecting = HostState::Connecting;
        // (revision the page drew, what it shows, the answer, taken)
        let cases = [
            (
                Some(5),
                status(connected, None),
                status(connected, Some(6)),
                true,
            ),
            (
                Some(5),
                status(connected, None),
                status(connected, Some(5)),
                false,
            ),
            (
                Some(5),
                status(connected, None),
                status(HostState::Missing, Some(4)),
                false,
            ),
            (
                Some(5),
                status(connecting, None),
                status(connected, Some(5)),
                true,
            ),
            (
                Some(5),
                status(connecting, None),
                status(connecting, Some(5)),
                false,
            ),
            (
                None,
                status(connected, None),
                status(connected, Some(1)),
                true,
            ),
            (
                Some(5),
                status(connected, None),
                status(HostState::Failed, None),
                true,
            ),
        ];
        for (applied, shown, answer, taken) in cases {
            assert_eq!(
                takes_answer(applied, &shown, &answer),
                taken,
                "{applied:?} {:?} {:?}",
                shown.host,
                answer
            );
        }
    }

    #[test]
    fn the_status_round_trips_and_reads_with_missing_fields() {
        let s = Status::from_json(json!({"host": "missing"}));
        assert_eq!(s.host, HostState::Missing);
        assert!(s.accounts.is_empty() && s.revision.is_none());
        let full = Status {
            host: HostState::Connected,
            host_version: Some("0.1.0".into()),
            last_sync_ms: Some(5),
            syncing: true,
            syncing_accounts: vec!["a".into()],
            revision: Some(9),
            ..Status::default()
        };
        let wire = serde_json::to_value(&full).unwrap();
        assert_eq!(wire["host"], json!("connected"));
        assert_eq!(Status::from_json(wire), full);
    }
}
