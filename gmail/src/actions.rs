//! A user's action on one thread as the background runs it: shown at once (optimistic), sent to Gmail, then kept
//! with Gmail's answer or rolled back, with a sentence for the user when Gmail refused. Plain Rust over the store,
//! so every outcome is table-tested natively; the background only adds the browser around it.

use gmux_core::inbox::{AccountInbox, InboxStore, SyncHealth, ThreadRow};
use gmux_core::messages::{Cause, IntentReply, ThreadAction};

use crate::error::GmailError;
use crate::sync::optimistic_row;

/// An action shown in the store and not yet answered by Gmail.
#[derive(Debug, Clone, PartialEq)]
#[must_use = "a pending action must be settled, or the store keeps a change Gmail never confirmed"]
pub struct Pending {
    account: String,
    action: ThreadAction,
    /// The row as shown and the row it replaced; `None` when the thread was not in the store (the action is
    /// still sent, and Gmail's answer decides).
    shown: Option<(ThreadRow, ThreadRow)>,
}

impl Pending {
    /// Whether the store changed, so it must be written before Gmail answers.
    pub fn changed_store(&self) -> bool {
        self.shown.is_some()
    }
}

/// Shows `action` on `thread` in the store at once: labels, unread and starred as Gmail will have them, the row
/// gone from the inbox for archive and trash, the counters moved.
pub fn begin(store: &mut InboxStore, account: &str, thread: &str, action: ThreadAction) -> Pending {
    let shown = store.account_mut(account).and_then(|inbox| {
        let row = inbox
            .threads
            .iter()
            .find(|r| r.thread_id == thread)?
            .clone();
        let optimistic = optimistic_row(&row, action);
        let previous = inbox.replace_thread(optimistic.clone())?;
        Some((optimistic, previous))
    });
    Pending {
        account: account.to_string(),
        action,
        shown,
    }
}

/// Settles a pending action with Gmail's outcome: on success the account's inbox becomes `answered` (the
/// engine's copy with Gmail's labels and counts); on failure the row and counters go back to what they were, and
/// an account Google no longer accepts is marked so. An account removed meanwhile is left alone. Returns the
/// reply for the page that asked, a refusal said by `words` (the caller's, in the browser's language).
pub fn settle(
    store: &mut InboxStore,
    pending: Pending,
    outcome: Result<AccountInbox, &GmailError>,
    words: &dyn Fn(ThreadAction, &Cause) -> String,
) -> IntentReply {
    let Some(slot) = store.account_mut(&pending.account) else {
        return match outcome {
            Ok(_) => IntentReply::ok(),
            Err(e) => failure(pending.action, e, words),
        };
    };
    match outcome {
        Ok(answered) => {
            *slot = answered;
            IntentReply::ok()
        }
        Err(e) => {
            if let Some((current, previous)) = pending.shown {
                slot.restore_thread(&current, previous);
            }
            if matches!(e, GmailError::ReauthRequired(_)) {
                slot.account.health = SyncHealth::ReauthRequired;
                slot.account.health_cause = Some(e.cause());
            }
            failure(pending.action, e, words)
        }
    }
}

/// What a page is told when Gmail refused `action`: its code, and what did not happen and why in `words`.
pub fn failure(
    action: ThreadAction,
    e: &GmailError,
    words: &dyn Fn(ThreadAction, &Cause) -> String,
) -> IntentReply {
    IntentReply::failed(e.intent_error(), words(action, &e.cause()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::env::TransportError;
    use crate::error::ApiError;
    use gmux_core::messages::IntentError;

    fn words(action: ThreadAction, cause: &Cause) -> String {
        format!("{action:?}: {cause:?}")
    }

    fn row(id: &str, date: u64, labels: &[&str]) -> ThreadRow {
        let label_ids: Vec<String> = labels.iter().map(|l| l.to_string()).collect();
        ThreadRow {
            account_id: "a".into(),
            thread_id: id.into(),
            date_ms: date,
            unread: label_ids.iter().any(|l| l == "UNREAD"),
            starred: label_ids.iter().any(|l| l == "STARRED"),
            label_ids,
            ..Default::default()
        }
    }

    /// Account `a` with an unread thread `t1` and a read one `t2`, counts to match.
    fn store() -> InboxStore {
        let mut inbox = AccountInbox::new("a", "a@example.com");
        inbox.threads = vec![row("t1", 2, &["INBOX", "UNREAD"]), row("t2", 1, &["INBOX"])];
        inbox.account.counts.threads_total = 2;
        inbox.account.counts.threads_unread = 1;
        let mut store = InboxStore::default();
        store.put_account(inbox);
        store
    }

    fn offline() -> GmailError {
        GmailError::Offline(TransportError("connection refused".into()))
    }

    fn shown(store: &InboxStore) -> (Vec<String>, u64, u64) {
        let inbox = store.account("a").unwrap();
        (
            inbox.threads.iter().map(|t| t.thread_id.clone()).collect(),
            inbox.account.counts.threads_total,
            inbox.account.counts.threads_unread,
        )
    }

    fn ids(ids: &[&str]) -> Vec<String> {
        ids.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn an_action_shows_at_once_and_a_refusal_puts_everything_back() {
        // (action, thread, shown at once, after a refusal)
        let cases = [
            (ThreadAction::MarkRead, "t1", (ids(&["t1", "t2"]), 2, 0)),
            (ThreadAction::MarkUnread, "t2", (ids(&["t1", "t2"]), 2, 2)),
            (ThreadAction::Archive, "t1", (ids(&["t2"]), 1, 0)),
            (ThreadAction::Trash, "t2", (ids(&["t1"]), 1, 1)),
            (ThreadAction::Star, "t2", (ids(&["t1", "t2"]), 2, 1)),
        ];
        for (action, thread, at_once) in cases {
            let mut s = store();
            let before = s.clone();
            let pending = begin(&mut s, "a", thread, action);
            assert!(pending.changed_store(), "{action:?}");
            assert_eq!(shown(&s), at_once, "{action:?} shown at once");
            let reply = settle(&mut s, pending, Err(&offline()), &words);
            assert_eq!(s, before, "{action:?} rolled back");
            assert!(!reply.ok);
            assert_eq!(reply.code, Some(IntentError::Offline));
        }
    }

    #[test]
    fn gmails_answer_replaces_the_account_and_the_reply_is_ok() {
        let mut s = store();
        let pending = begin(&mut s, "a", "t1", ThreadAction::Archive);
        let mut answered = s.account("a").unwrap().clone();
        answered.account.counts.threads_total = 7;
        let reply = settle(&mut s, pending, Ok(answered.clone()), &words);
        assert_eq!(reply, IntentReply::ok());
        assert_eq!(s.account("a"), Some(&answered));
    }

    #[test]
    fn a_thread_not_in_the_store_changes_nothing_until_gmail_answers() {
        let mut s = store();
        let before = s.clone();
        let pending = begin(&mut s, "a", "elsewhere", ThreadAction::Trash);
        assert!(!pending.changed_store());
        assert_eq!(s, before);
        let not_found = GmailError::Api(ApiError::from_parts(404, &[], b"{}"));
        let reply = settle(&mut s, pending, Err(&not_found), &words);
        assert_eq!((s, reply.code), (before, Some(IntentError::NotFound)));
    }

    #[test]
    fn a_refusal_for_a_lost_sign_in_marks_the_account() {
        let mut s = store();
        let pending = begin(&mut s, "a", "t1", ThreadAction::MarkRead);
        let reauth = GmailError::ReauthRequired("invalid_grant".into());
        let reply = settle(&mut s, pending, Err(&reauth), &words);
        let account = &s.account("a").unwrap().account;
        assert_eq!(account.health, SyncHealth::ReauthRequired);
        assert_eq!(
            account.health_cause,
            Some(gmux_core::messages::Cause::ReauthRequired)
        );
        assert_eq!(reply.code, Some(IntentError::ReauthRequired));
        assert_eq!(shown(&s), (ids(&["t1", "t2"]), 2, 1), "the row is back");
    }

    #[test]
    fn an_account_removed_while_gmail_answered_stays_removed() {
        let mut s = store();
        let pending = begin(&mut s, "a", "t1", ThreadAction::Archive);
        let answered = s.account("a").unwrap().clone();
        s.remove_account("a");
        assert_eq!(
            settle(&mut s, pending, Ok(answered), &words),
            IntentReply::ok()
        );
        assert!(s.account("a").is_none());
    }

    #[test]
    fn a_failed_action_says_what_did_not_happen_and_why() {
        let reply = failure(ThreadAction::Star, &offline(), &words);
        assert_eq!(reply.code, Some(IntentError::Offline));
        assert_eq!(reply.error.as_deref(), Some("Star: Offline"));
    }
}
