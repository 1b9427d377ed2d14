//! Actions on threads: one Gmail call each, the row and the counts updated, the emulator agreeing.

use crate::support::{engine, kit};
use gmux_core::messages::IntentError;
use gmux_gmail::{optimistic_row, GmailError, SyncKind, ThreadAction};

#[tokio::test]
async fn actions_change_the_row_and_both_counts() {
    let kit = kit(1, 20).await;
    let email = kit.emails[0].clone();
    let engine = engine(&kit);
    let mut inbox = kit.inboxes().remove(0);
    engine.sync_account(&mut inbox).await.unwrap();
    let unread = |inbox: &gmux_core::inbox::AccountInbox| {
        inbox.threads.iter().filter(|r| r.unread).count() as u64
    };
    assert_eq!(inbox.account.counts.threads_unread, unread(&inbox));

    let first_unread = inbox
        .threads
        .iter()
        .find(|r| r.unread)
        .unwrap()
        .thread_id
        .clone();
    let first_read = inbox
        .threads
        .iter()
        .find(|r| !r.unread)
        .unwrap()
        .thread_id
        .clone();
    let other = inbox
        .threads
        .iter()
        .rev()
        .find(|r| r.thread_id != first_unread && r.thread_id != first_read)
        .unwrap()
        .thread_id
        .clone();
    let another = inbox.threads.iter().rev().nth(1).unwrap().thread_id.clone();
    // (thread, action, still in the inbox, unread after, starred after)
    let cases = [
        (&first_unread, ThreadAction::MarkRead, true, false, None),
        (&first_unread, ThreadAction::MarkUnread, true, true, None),
        (&first_read, ThreadAction::Star, true, false, Some(true)),
        (&first_read, ThreadAction::Unstar, true, false, Some(false)),
        (&other, ThreadAction::Archive, false, false, None),
        (&another, ThreadAction::Trash, false, false, None),
    ];
    for (thread, action, in_inbox, unread_after, starred_after) in cases {
        let before = inbox
            .threads
            .iter()
            .find(|r| &r.thread_id == thread)
            .unwrap()
            .clone();
        let was_unread = before.unread;
        let predicted = optimistic_row(&before, action);
        kit.control.reset_counters().await.unwrap();

        let row = engine.apply(&mut inbox, thread, action).await.unwrap();

        // What the pages showed at once is what Gmail did.
        assert_eq!(
            (predicted.in_inbox(), predicted.unread, predicted.starred),
            (row.in_inbox(), row.unread, row.starred),
            "{action:?}"
        );

        assert_eq!(row.in_inbox(), in_inbox, "{action:?}");
        if in_inbox {
            assert_eq!(row.unread, unread_after, "{action:?}");
        }
        if let Some(starred) = starred_after {
            assert_eq!(row.starred, starred, "{action:?}");
        }
        assert_eq!(
            inbox.threads.iter().any(|r| &r.thread_id == thread),
            in_inbox,
            "{action:?}"
        );
        let emulator_unread = kit.control.threads_unread(&email).await.unwrap();
        assert_eq!(
            inbox.account.counts.threads_unread, emulator_unread,
            "{action:?}"
        );
        assert_eq!(
            inbox.account.counts.threads_unread,
            unread(&inbox),
            "{action:?} (was unread: {was_unread})"
        );
        // One modify or trash call, one labels.get.
        let usage = kit.control.usage(None).await.unwrap();
        assert_eq!(usage.http_requests, 2, "{action:?}: {usage:?}");
    }

    // The next poll sees the actions in history; the rows it builds agree with those the actions left.
    let after_actions = inbox.threads.clone();
    let outcome = engine.sync_account(&mut inbox).await.unwrap();
    assert_eq!(outcome.kind, SyncKind::Incremental);
    assert_eq!(inbox.threads, after_actions);
}

#[tokio::test]
async fn an_action_on_an_unknown_thread_is_a_typed_not_found() {
    let kit = kit(1, 3).await;
    let engine = engine(&kit);
    let mut inbox = kit.inboxes().remove(0);
    engine.sync_account(&mut inbox).await.unwrap();
    let before = inbox.clone();

    let result = engine
        .apply(&mut inbox, "0123456789abcdef", ThreadAction::Archive)
        .await;

    let error = result.unwrap_err();
    assert!(
        matches!(&error, GmailError::Api(e) if e.status == 404),
        "{error:?}"
    );
    assert_eq!(error.intent_error(), IntentError::NotFound);
    assert_eq!(inbox, before);
}

#[tokio::test]
async fn an_optimistic_change_is_rolled_back_when_gmail_refuses() {
    let kit = kit(1, 6).await;
    let engine = engine(&kit);
    let mut inbox = kit.inboxes().remove(0);
    engine.sync_account(&mut inbox).await.unwrap();
    let original = inbox.clone();
    let thread = inbox.threads.iter().find(|r| r.unread).unwrap().clone();
    let refused = serde_json::json!({"error": {"code": 403, "message": "Request had insufficient authentication scopes.",
        "errors": [{"reason": "insufficientPermissions"}], "status": "PERMISSION_DENIED"}});
    kit.control
        .faults(serde_json::json!({"method": "gmail.users.threads.modify", "status": 403, "count": 1, "body": refused}))
        .await
        .unwrap();

    // What the background does: show the change at once, send it, undo it on failure.
    let shown = optimistic_row(&thread, ThreadAction::MarkRead);
    let previous = inbox.replace_thread(shown.clone()).unwrap();
    assert_eq!(
        inbox.account.counts.threads_unread,
        original.account.counts.threads_unread - 1
    );
    let result = engine
        .apply(&mut inbox, &thread.thread_id, ThreadAction::MarkRead)
        .await;
    let error = result.unwrap_err();
    assert_eq!(error.intent_error(), IntentError::ScopeMissing);
    inbox.restore_thread(&shown, previous);

    assert_eq!(inbox, original);
    assert_eq!(
        inbox.account.counts.threads_unread,
        kit.control.threads_unread(&kit.emails[0]).await.unwrap()
    );
}
