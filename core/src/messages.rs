//! What the pages and the background say to each other. Pages read the inbox from `storage.local`
//! ([`STORE_KEY`], an [`crate::inbox::InboxStore`]) and the background's view of the world from
//! [`STATUS_KEY`] (a [`crate::status::Status`]); they never talk to the host or to Gmail. They send
//! [`Intent`]s with `runtime.sendMessage` and get an [`IntentReply`] back (the `Status` for
//! [`Intent::Status`]).

use serde::{Deserialize, Serialize};

use crate::notify::{OpenIn, PauseChoice, QuietHours};
use crate::settings::AccountSettings;

/// `storage.local` key of the inbox store.
pub const STORE_KEY: &str = "inbox";
/// `storage.local` key of the store's head (an [`crate::inbox::InboxStore`] cut by [`crate::head::store_head`]):
/// written with [`STORE_KEY`] in every write of it, read by a page before the whole store.
pub const HEAD_KEY: &str = "inbox_head";
/// `storage.local` key of [`crate::head::screen_key`], written with every write: what a page's first screen is
/// drawn from.
pub const SCREEN_KEY: &str = "screen_key";
/// `storage.local` key of the background's status.
pub const STATUS_KEY: &str = "status";
/// `storage.local` key of the user's settings.
pub const SETTINGS_KEY: &str = "settings";
/// `storage.local` key of the recent searches (a [`crate::listing::RecentSearches`]); written by the background,
/// read by a page when its search box is focused (never on the first draw's path).
pub const RECENT_SEARCHES_KEY: &str = "recent_searches";
/// `storage.local` key of the snoozed conversations (a [`crate::triage::Snoozes`]); written by the background.
pub const SNOOZES_KEY: &str = "snoozes";
/// `storage.local` key of the store's revision: every write of the background carries a new, larger one, so a
/// page can tell a change it has not seen from one it has (see [`is_newer`]).
pub const REVISION_KEY: &str = "revision";
/// `storage.local` key of the ids of the messages already notified (a [`crate::notify::NotifiedLog`]): ids only,
/// nothing from the mail itself.
pub const NOTIFIED_KEY: &str = "notified";
/// `storage.local` key of the actions waiting for Gmail (a [`crate::offline::OfflineQueue`]): account, thread and
/// label ids and times only; written by the background.
pub const OFFLINE_KEY: &str = "offline_queue";

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

/// A page's request to the background (`runtime.sendMessage`), tagged by `type`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Intent {
    /// The background's status (answered with a [`crate::status::Status`], not an [`IntentReply`]).
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
    /// Change how often the background polls Gmail while no gmux page is open: every `seconds` (kept within what
    /// the browser allows, see [`crate::notify::poll_plan`]), or the default (30 s) for `None`.
    SetPoll { seconds: Option<u32> },
    /// Change one account's switches: its notifications, and Primary only.
    SetAccountSettings {
        account: String,
        settings: AccountSettings,
    },
    /// A daily range of local time without notifications, or none.
    SetQuietHours { quiet_hours: Option<QuietHours> },
    /// The notification sound on or off.
    SetNotificationSound { sound: bool },
    /// Where a click on a notification opens the conversation.
    SetOpenIn { open_in: OpenIn },
    /// Pause notifications (for an hour, until tomorrow morning), or resume them with `None`.
    PauseNotifications { pause: Option<PauseChoice> },
    /// An open page showed these messages of `account` to the user: they are not announced again.
    MessagesSeen {
        account: String,
        messages: Vec<String>,
    },
    /// Test and demo builds only: what a click on notification `id` runs, or a click on its button `button`
    /// (OS notifications cannot be clicked from a headless browser). A release build refuses it.
    TestNotificationClick { id: String, button: Option<u32> },
    /// Test and demo builds only: every notification the background showed since it started, as
    /// [`crate::notify::ShownNotification`]s.
    TestNotificationsShown,
    /// Test and demo builds only: the toolbar icon the background set last, as a [`crate::icon::IconShown`].
    TestToolbarIcon,
    /// One page of a view of one account (answered with a [`crate::views::PageReply`], not an
    /// [`IntentReply`]): `page_token` for the pages after the first, `fresh` past the background's memory.
    ListPage {
        account: String,
        view: crate::listing::View,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        page_token: Option<String>,
        #[serde(default)]
        fresh: bool,
    },
    /// The label picker's lines for every account (answered with a [`crate::views::LabelsReply`]).
    Labels {
        #[serde(default)]
        fresh: bool,
    },
    /// Keep a search among the recent ones.
    RememberSearch { query: String },
    /// Forget every recent search.
    ClearRecentSearches,
    /// A conversation's messages with their bodies: `threads.get format=full`, answered with a
    /// [`crate::reader::BodyReply`] carrying Gmail's JSON (from the background's memory when it has it).
    ReadThread { account: String, thread: String },
    /// An attachment's bytes (`messages.attachments.get`), answered with a [`crate::reader::BodyReply`]
    /// carrying its base64url data.
    ReadAttachment {
        account: String,
        message: String,
        attachment: String,
    },
    /// Mark these messages of a thread unread ("mark unread from here"); the thread's row becomes unread at
    /// once and is rolled back if Gmail refuses.
    MarkUnreadFrom {
        account: String,
        thread: String,
        messages: Vec<String>,
    },
    /// Change how conversations are read.
    SetReader { change: crate::reader::ReaderChange },
    /// Triage (issue 18): an action on one row or a selection across accounts, answered with a
    /// [`crate::triage::TriageReply`]. The rows are the page's (the stored inbox's or a view's): the background
    /// shows the change in the store at once, reads each thread's messages' labels for an exact undo, sends the
    /// action in one HTTP batch per account and keeps the undo of what Gmail did.
    Triage {
        action: crate::triage::TriageAction,
        rows: Vec<crate::inbox::ThreadRow>,
    },
    /// Undo the last triage the background made (answered with a [`crate::triage::TriageReply`]).
    Undo,
    /// Mark every unread conversation of a view read at Gmail (the whole label, not only the rows loaded), in one
    /// account or all (answered with a [`crate::triage::TriageReply`]; unconfirmed, one that would change more
    /// than 50 conversations is answered with the question instead).
    MarkAllRead {
        view: crate::listing::View,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        account: Option<String>,
        #[serde(default)]
        confirmed: bool,
    },
    /// Snooze rows: out of the inbox into the account's `gmux/Snoozed` label until the time chosen, when a
    /// browser alarm brings them back (answered with a [`crate::triage::TriageReply`]).
    Snooze {
        rows: Vec<crate::inbox::ThreadRow>,
        choice: crate::triage::SnoozeChoice,
        /// The page's offset from UTC in minutes (east positive), for "tomorrow morning" in its time zone.
        utc_offset_minutes: i32,
    },
    /// Bring a snoozed conversation back now (answered with a [`crate::triage::TriageReply`]).
    Unsnooze { account: String, thread: String },
    /// The addresses mail can be sent from: every account and its send-as aliases, answered with a
    /// [`crate::compose::ComposeReply`] (as are all the compose intents below).
    ComposeIdentities,
    /// Start writing: a new message from `account`, or a reply, reply all or forward of `source` in `thread`.
    /// A reply to a conversation that already has an unsent message being written resumes that one.
    ComposeStart {
        kind: crate::compose::ComposeKind,
        account: String,
        #[serde(default)]
        thread: Option<String>,
        #[serde(default)]
        source: Option<crate::compose::ReplySource>,
    },
    /// A message being written, by its id (a popped-out composer, a page opened again).
    ComposeResume { id: String },
    /// The user changed the fields: held by the background at once, saved to Gmail shortly after.
    ComposeUpdate {
        id: String,
        fields: crate::compose::Fields,
    },
    /// Attach a file (its bytes in standard base64).
    ComposeAttach {
        id: String,
        file_name: String,
        mime_type: String,
        data: String,
    },
    /// Remove the attachment at `index`.
    ComposeDetach { id: String, index: usize },
    /// The composer closed: its text is saved to Gmail now, and it stays open in the background.
    ComposeClose { id: String },
    /// Throw the message away, its Gmail draft included.
    ComposeDiscard { id: String },
    /// Send after the undo window.
    ComposeSend { id: String },
    /// Undo a send still waiting: answered with the composer as it was.
    ComposeUndo { id: String },
    /// Answered when the send is over: sent, undone, or failed (kept as a draft, and why).
    ComposeWait { id: String },
    /// Addresses seen in synced mail that match what is being typed.
    ComposeSuggest { typed: String },
    /// Change the undo window (0 to 30 seconds).
    SetUndoSeconds { seconds: u32 },
    /// The unsent message being written in this conversation, if there is one (answered with its state).
    ComposeFind { account: String, thread: String },
    /// Clear the notice of queued actions Gmail refused.
    DismissOfflineRefusals,
}

pub use crate::reply::{Cause, IntentError, IntentReply, ThreadAction};
pub use crate::settings::Settings;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::ErrorCode;
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
    fn notification_intents_on_the_wire() {
        let cases = [
            (
                json!({"type": "set_poll", "seconds": null}),
                Intent::SetPoll { seconds: None },
            ),
            (
                json!({"type": "set_account_settings", "account": "1",
                       "settings": {"notifications": false, "primary_only": true}}),
                Intent::SetAccountSettings {
                    account: "1".into(),
                    settings: AccountSettings {
                        notifications: false,
                        primary_only: true,
                    },
                },
            ),
            (
                json!({"type": "set_quiet_hours", "quiet_hours": {"start_minute": 1320, "end_minute": 420}}),
                Intent::SetQuietHours {
                    quiet_hours: Some(QuietHours {
                        start_minute: 1320,
                        end_minute: 420,
                    }),
                },
            ),
            (
                json!({"type": "set_open_in", "open_in": "gmail"}),
                Intent::SetOpenIn {
                    open_in: OpenIn::Gmail,
                },
            ),
            (
                json!({"type": "pause_notifications", "pause": "until_tomorrow"}),
                Intent::PauseNotifications {
                    pause: Some(PauseChoice::UntilTomorrow),
                },
            ),
            (
                json!({"type": "test_notification_click", "id": "gmux/m/a/t/m", "button": 1}),
                Intent::TestNotificationClick {
                    id: "gmux/m/a/t/m".into(),
                    button: Some(1),
                },
            ),
        ];
        for (wire, intent) in cases {
            assert_eq!(serde_json::to_value(&intent).unwrap(), wire);
            assert_eq!(serde_json::from_value::<Intent>(wire).unwrap(), intent);
        }
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
            assert_eq!(
                is_newer(applied, incoming),
                newer,
                "{applied:?} {incoming:?}"
            );
        }
    }

    #[test]
    fn intent_errors_are_one_snake_case_name_each_and_host_codes_pass_through() {
        for own in IntentError::OWN {
            let wire = serde_json::to_value(own).unwrap();
            assert_eq!(wire, json!(own.as_str()));
            assert_eq!(serde_json::from_value::<IntentError>(wire).unwrap(), own);
        }
        let cases = [
            (ErrorCode::KeyringUnavailable, "keyring_unavailable"),
            (ErrorCode::ReauthRequired, "reauth_required"),
            (ErrorCode::AccountUnknown, "account_unknown"),
            (ErrorCode::ConsentDenied, "consent_denied"),
        ];
        for (code, wire) in cases {
            let error = IntentError::from(code);
            assert_eq!(error.as_str(), wire);
            assert_eq!(IntentError::parse(wire), Some(error));
        }
        assert_eq!(
            serde_json::from_value::<IntentError>(json!("from_the_future")).unwrap(),
            IntentError::Internal
        );
    }

    #[test]
    fn replies_say_why_in_a_code_and_a_sentence() {
        let reply = IntentReply::host_refused(
            ErrorCode::OauthClientNotConfigured,
            "run gmux-host configure",
        );
        assert_eq!(
            serde_json::to_value(&reply).unwrap(),
            json!({"ok": false, "error": "run gmux-host configure", "code": "oauth_client_not_configured"})
        );
        let reply = IntentReply::host_unavailable("gmux-host is not connected");
        assert_eq!(reply.code, Some(IntentError::HostUnavailable));
        assert_eq!(reply.error.as_deref(), Some("gmux-host is not connected"));
        assert_eq!(
            serde_json::to_value(IntentReply::ok()).unwrap(),
            json!({"ok": true})
        );
    }
}
