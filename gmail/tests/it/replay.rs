//! The offline queue replayed against the emulator: batched, in order, nothing twice, the conflict and
//! refusal rules of `gmux_core::offline`.

use crate::support::{engine, kit};
use gmux_core::offline::{Enqueued, Failure, OfflineQueue, QueuedAction};
use gmux_gmail::{GmailClient, ThreadAction};
use serde_json::json;

fn act(a: ThreadAction) -> QueuedAction {
    a.into()
}

async fn labels_at_gmail(client: &GmailClient, thread: &str) -> Vec<String> {
    let t = client
        .get_thread_metadata(thread)
        .await
        .expect("the thread at gmail");
    let mut labels: Vec<String> = t
        .messages
        .iter()
        .flat_map(|m| m.label_ids.iter().cloned())
        .collect();
    labels.sort();
    labels.dedup();
    labels
}

#[tokio::test]
async fn queued_actions_reach_gmail_in_one_batch_and_an_archive_outlives_a_new_message() {
    let kit = kit(1, 10).await;
    let email = kit.emails[0].clone();
    let engine = engine(&kit);
    let mut inbox = kit.inboxes().remove(0);
    engine.sync_account(&mut inbox).await.unwrap();
    let rows = inbox.threads.clone();
    let (a, b, c) = (&rows[0], &rows[1], &rows[2]);

    // Offline: archive a, read b, star and unstar c (which cancels).
    let mut queue = OfflineQueue::default();
    queue
        .enqueue(
            &email,
            &a.thread_id,
            &act(ThreadAction::Archive),
            &a.label_ids,
            1,
        )
        .unwrap();
    let mut b_shown = b.label_ids.clone();
    b_shown.push("UNREAD".into());
    queue
        .enqueue(
            &email,
            &b.thread_id,
            &act(ThreadAction::MarkRead),
            &b_shown,
            2,
        )
        .unwrap();
    queue
        .enqueue(
            &email,
            &c.thread_id,
            &act(ThreadAction::Star),
            &c.label_ids,
            3,
        )
        .unwrap();
    let mut c_starred = c.label_ids.clone();
    c_starred.push("STARRED".into());
    assert_eq!(
        queue
            .enqueue(
                &email,
                &c.thread_id,
                &act(ThreadAction::Unstar),
                &c_starred,
                4
            )
            .unwrap(),
        Enqueued::Cancelled
    );
    // Meanwhile a reply arrives in a's thread.
    kit.control
        .deliver(json!({"account": email, "from": "x@example.org", "subject": "Re", "text": "new", "thread_id": a.thread_id}))
        .await
        .unwrap();
    // The store is stored and read back (the worker restarted) before Gmail is reachable again.
    let mut queue = OfflineQueue::from_json(serde_json::to_value(&queue).unwrap());
    kit.control.reset_counters().await.unwrap();

    let report = engine.replay(&mut queue, &email).await;

    let usage = kit.control.usage(None).await.unwrap();
    assert_eq!(
        (report.confirmed, report.dropped.len()),
        (2, 0),
        "{report:?}"
    );
    assert_eq!(report.requests, 1);
    assert_eq!(usage.batch_sizes, [2], "{usage:?}");
    assert_eq!(usage.calls_of("gmail.users.threads.modify"), 2);
    assert_eq!(queue.pending_count(), 0);
    let client = engine.client(&email);
    // Archived with its new message, as Gmail's own offline mode would have it.
    assert!(!labels_at_gmail(&client, &a.thread_id)
        .await
        .contains(&"INBOX".to_string()));
    assert!(!labels_at_gmail(&client, &b.thread_id)
        .await
        .contains(&"UNREAD".to_string()));
    assert!(!labels_at_gmail(&client, &c.thread_id)
        .await
        .contains(&"STARRED".to_string()));

    // Nothing is sent twice: the next replay costs nothing.
    kit.control.reset_counters().await.unwrap();
    let again = engine.replay(&mut queue, &email).await;
    assert_eq!((again.confirmed, again.requests), (0, 0));
    assert_eq!(kit.control.usage(None).await.unwrap().http_requests, 0);
}

#[tokio::test]
async fn a_refused_change_is_dropped_and_an_unreachable_gmail_keeps_the_rest() {
    let kit = kit(1, 5).await;
    let email = kit.emails[0].clone();
    let engine = engine(&kit);
    let mut inbox = kit.inboxes().remove(0);
    engine.sync_account(&mut inbox).await.unwrap();
    let row = inbox.threads[0].clone();
    let mut queue = OfflineQueue::default();
    queue
        .enqueue(
            &email,
            "ffffffffffffffff",
            &act(ThreadAction::Archive),
            &["INBOX".into()],
            1,
        )
        .unwrap();
    queue
        .enqueue(
            &email,
            &row.thread_id,
            &act(ThreadAction::Trash),
            &row.label_ids,
            2,
        )
        .unwrap();
    // Gmail keeps failing threads.trash for now.
    kit.control
        .faults(json!({"method": "gmail.users.threads.trash", "status": 503, "count": 100}))
        .await
        .unwrap();

    let report = engine.replay(&mut queue, &email).await;

    // The unknown thread is refused for good: dropped with the labels to restore.
    assert_eq!(report.dropped.len(), 1, "{report:?}");
    assert_eq!(report.dropped[0].0.thread_id, "ffffffffffffffff");
    assert_eq!(report.dropped[0].0.before, ["INBOX"]);
    assert!(matches!(
        report.dropped[0].1,
        Failure::Http { status: 404, .. }
    ));
    // The trash waits.
    assert!(report.retry_at_ms.is_some());
    assert_eq!(queue.pending_count(), 1);
    assert!(queue.is_pending(&email, &row.thread_id));

    // Gmail is back (a sync succeeded): the trash goes through, once.
    kit.control.clear_faults().await.unwrap();
    queue.gmail_answered(&email);
    let report = engine.replay(&mut queue, &email).await;
    assert_eq!(report.confirmed, 1, "{report:?}");
    assert_eq!(queue.pending_count(), 0);
    let labels = labels_at_gmail(&engine.client(&email), &row.thread_id).await;
    assert!(labels.contains(&"TRASH".to_string()), "{labels:?}");
}
