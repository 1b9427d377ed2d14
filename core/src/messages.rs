//! What the pages and the background say to each other. Pages read the inbox from `storage.local`
//! ([`STORE_KEY`], an [`crate::inbox::InboxStore`]) and the background's view of the world from
//! [`STATUS_KEY`] (a [`BackgroundStatus`]); they never talk to the host or to Gmail. They send
//! [`Intent`]s with `runtime.sendMessage` and get an [`IntentReply`] back.

use serde::{Deserialize, Serialize};

use crate::protocol::Account as HostAccount;

/// `storage.local` key of the inbox store.
pub const STORE_KEY: &str = "inbox";
/// `storage.local` key of the background's status.
pub const STATUS_KEY: &str = "status";
/// `storage.local` key of the user's settings.
pub const SETTINGS_KEY: &str = "settings";
/// `storage.local` key of the store's revision: every write of the background carries a new, larger one, so a
/// page can tell a change it has not seen from one it has (see [`is_newer`]).
pub const REVISION_KEY: &str = "revision";

/// The revision for the next write after `last`: larger than every earlier one, and (taken from the clock when
/// that is larger) larger than any a page may hold from before `storage.local` was cleared.
pub fn next_revision(last: u64, now_ms: u64) -> u64 {
    last.saturating_add(1).max(now_ms)
}

/// Whether a change with revision `incoming` is one a page that has applied `applied` has not seen yet. A change
/// without a revision did not come from the background (a test seeding storage, an older version): it applies.
pub fn is_newer(applied: Option<u64>, incoming: Option<u64>) -> bool {
    match (applied, incoming) {
        (Some(applied), Some(incoming)) => incoming > applied,
        _ => true,
    }
}

/// A change to one thread that the user asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ThreadAction {
    MarkRead,
    MarkUnread,
    Archive,
    Trash,
    Star,
    Unstar,
}

impl ThreadAction {
    /// The labels Gmail's `threads.modify` adds and removes for it (trash uses `threads.trash`).
    pub fn label_change(self) -> (&'static [&'static str], &'static [&'static str]) {
        match self {
            ThreadAction::MarkRead => (&[], &["UNREAD"]),
            ThreadAction::MarkUnread => (&["UNREAD"], &[]),
            ThreadAction::Archive => (&[], &["INBOX"]),
            ThreadAction::Trash => (&["TRASH"], &["INBOX"]),
            ThreadAction::Star => (&["STARRED"], &[]),
            ThreadAction::Unstar => (&[], &["STARRED"]),
        }
    }
}

/// A page's request to the background (`runtime.sendMessage`), tagged by `type`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Intent {
    /// The host's state (answered with a [`BackgroundStatus`]).
    Status,
    /// Sync every account now.
    SyncNow,
    /// Change one thread; applied to the store at once, rolled back if Gmail refuses.
    Action {
        account: String,
        thread: String,
        action: ThreadAction,
    },
    /// Start adding an account: the background asks the host and opens Google's consent page in a tab.
    AddAccount,
    /// Add the account again after Google refused its token (the same consent flow, with a login hint).
    Reconnect { account: String },
    /// Revoke and forget an account.
    RemoveAccount { account: String },
    /// Change an account's colour.
    SetColor { account: String, color: String },
    /// Change how often the background polls Gmail.
    SetPollMinutes { minutes: u32 },
}

/// The background's answer to an [`Intent`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IntentReply {
    pub ok: bool,
    /// A sentence for the user when `ok` is false.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// A stable code when `ok` is false (a host error code, or `gmail_refused`, `offline`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
}

impl IntentReply {
    pub fn ok() -> Self {
        IntentReply {
            ok: true,
            error: None,
            code: None,
        }
    }

    pub fn failed(code: impl Into<String>, error: impl Into<String>) -> Self {
        IntentReply {
            ok: false,
            error: Some(error.into()),
            code: Some(code.into()),
        }
    }
}

/// The host as the background sees it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HostState {
    /// The port is open and the handshake is under way.
    #[default]
    Connecting,
    /// The handshake succeeded.
    Connected,
    /// The browser could not start gmux-host (no host manifest).
    Missing,
    /// gmux-host runs but has no OAuth client: `gmux-host configure --client-secrets FILE`.
    NotConfigured,
    /// gmux-host stopped or failed after the handshake; the background reconnects.
    Failed,
}

/// What the background writes under [`STATUS_KEY`] for the pages.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct BackgroundStatus {
    pub host: HostState,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host_version: Option<String>,
    /// The browser's or the host's words when `host` is not `Connected`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host_error: Option<String>,
    /// The accounts the host knows, in the user's order, with colours and health.
    #[serde(default)]
    pub accounts: Vec<HostAccount>,
    /// Unix ms when a sync last finished (any outcome).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_sync_ms: Option<u64>,
    /// True while a sync runs, so pages can show quiet progress.
    #[serde(default)]
    pub syncing: bool,
    /// Why the last "Add account" or "Reconnect" did not finish (the host's sentence), until the next attempt
    /// starts or one succeeds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub add_error: Option<String>,
}

/// The user's settings, under [`SETTINGS_KEY`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settings {
    pub poll_minutes: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Settings { poll_minutes: 1 }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn intents_are_tagged_by_type() {
        let i = Intent::Action {
            account: "1".into(),
            thread: "abc".into(),
            action: ThreadAction::MarkRead,
        };
        assert_eq!(
            serde_json::to_value(&i).unwrap(),
            json!({"type": "action", "account": "1", "thread": "abc", "action": "mark_read"})
        );
        let back: Intent = serde_json::from_value(json!({"type": "sync_now"})).unwrap();
        assert_eq!(back, Intent::SyncNow);
    }

    #[test]
    fn actions_map_to_label_changes() {
        assert_eq!(
            ThreadAction::MarkRead.label_change(),
            (&[][..], &["UNREAD"][..])
        );
        assert_eq!(ThreadAction::Archive.label_change().1, &["INBOX"]);
    }

    #[test]
    fn revisions_only_grow_and_pages_skip_what_they_have_seen() {
        assert_eq!(next_revision(0, 1_000), 1_000);
        assert_eq!(next_revision(1_000, 1_000), 1_001);
        assert_eq!(next_revision(5_000, 1_000), 5_001, "a clock that went back");
        assert_eq!(next_revision(u64::MAX, 0), u64::MAX);
        let cases = [
            (None, None, true),
            (None, Some(7), true),
            (Some(7), None, true),
            (Some(7), Some(7), false),
            (Some(7), Some(6), false),
            (Some(7), Some(8), true),
        ];
        for (applied, incoming, newer) in cases {
            assert_eq!(is_newer(applied, incoming), newer, "{applied:?} {incoming:?}");
        }
    }

    #[test]
    fn status_reads_with_missing_fields() {
        let s: BackgroundStatus = serde_json::from_value(json!({"host": "missing"})).unwrap();
        assert_eq!(s.host, HostState::Missing);
        assert!(s.accounts.is_empty());
    }
}
