//! Full sync, idle polls, new mail, changes made elsewhere, expired history: the costs the issue sets.

use crate::support::{engine, kit};
use gmux_core::inbox::{AccountInbox, InboxStore, SyncHealth};
use gmux_gmail::api::ModifyRequest;
use gmux_gmail::batch::BatchCall;
use gmux_gmail::testkit::Kit;
use gmux_gmail::{GmailClient, SyncKind};
use serde_json::json;

async fn unread_in_emulator(kit: &Kit, email: &str) -> u64 {
    kit.control
        .threads_unread(email)
        .await
        .expect("emulator accounts")
}

fn assert_newest_first(inbox: &AccountInbox) {
    assert!(
        inbox
            .threads
            .windows(2)
            .all(|w| w[0].date_ms >= w[1].date_ms),
        "rows not newest first"
    );
}

#[tokio::test]
async fn first_sync_of_a_50_thread_inbox_costs_at_most_3_requests() {
    let kit = kit(1, 60).await;
    let email = &kit.emails[0];
    let engine = engine(&kit);
    let mut inbox = AccountInbox::new(email, email);

    let outcome = engine.sync_account(&mut inbox).await.unwrap();

    let usage = kit.control.usage(None).await.unwrap();
    assert_eq!(outcome.kind, SyncKind::Full);
    assert!(usage.http_requests <= 3, "{usage:?}");
    assert_eq!(outcome.requests, usage.http_requests);
    // getProfile and the counts in one batch (labels.get INBOX, the Primary-only count, the four category
    // probes), threads.list, the threads in another.
    assert_eq!(usage.batch_sizes, [7, 50]);
    assert_eq!(usage.calls_of("gmail.users.threads.list"), 1);
    assert_eq!(usage.calls_of("gmail.users.labels.get"), 1);
    assert_eq!(usage.calls_of("gmail.users.getProfile"), 1);
    assert_eq!(usage.quota_units, 1 + 1 + 5 + 4 * 5 + 10 + 50 * 10);
    assert_eq!(inbox.threads.len(), 50);
    assert_newest_first(&inbox);
    assert!(inbox.history_id.is_some());
    assert_eq!(inbox.account.health, SyncHealth::Ok);
    assert!(inbox.account.last_good_sync_ms.is_some());
    assert_eq!(
        inbox.account.counts.threads_unread,
        unread_in_emulator(&kit, email).await
    );
    assert_eq!(inbox.account.counts.threads_total, 60);

    // Rows carry text: senders' names, subjects, snippets unescaped from Gmail's HTML escaping.
    let row = inbox
        .threads
        .iter()
        .find(|r| r.subject == "Thread 1 for account 0")
        .expect("thread 1 listed");
    assert_eq!(row.senders, ["Sender 1"]);
    assert!(
        row.snippet.contains("Tom & Jerry's <tag> \"quoted\""),
        "{:?}",
        row.snippet
    );
    assert_eq!(row.message_count, 1);
    let reply = inbox
        .threads
        .iter()
        .find(|r| r.subject == "Thread 5 for account 0")
        .expect("thread 5 listed");
    assert_eq!(reply.senders, ["Sender 5", "Replier 5"]);
    assert_eq!(reply.message_count, 2);
}

#[tokio::test]
async fn an_idle_poll_costs_one_request_and_at_most_two_quota_units() {
    let kit = kit(1, 20).await;
    let engine = engine(&kit);
    let mut inbox = kit.inboxes().remove(0);
    engine.sync_account(&mut inbox).await.unwrap();
    let before = inbox.clone();
    kit.control.reset_counters().await.unwrap();

    let outcome = engine.sync_account(&mut inbox).await.unwrap();

    let usage = kit.control.usage(None).await.unwrap();
    assert_eq!(outcome.kind, SyncKind::NoChange);
    assert_eq!(usage.http_requests, 1, "{usage:?}");
    assert!(usage.quota_units <= 2, "{usage:?}");
    assert_eq!(usage.calls_of("gmail.users.history.list"), 1);
    assert_eq!(inbox.threads, before.threads);
    assert_eq!(inbox.account.counts, before.account.counts);
}

#[tokio::test]
async fn one_new_message_costs_at_most_3_requests_and_is_listed_first() {
    let kit = kit(1, 50).await;
    let email = kit.emails[0].clone();
    let engine = engine(&kit);
    let mut inbox = kit.inboxes().remove(0);
    engine.sync_account(&mut inbox).await.unwrap();
    let unread_before = inbox.account.counts.threads_unread;
    kit.control
        .deliver(json!({"account": email, "from": "\"New Person\" <new@example.com>", "subject": "Fresh & new", "text": "a <b> c"}))
        .await
        .unwrap();
    kit.control.reset_counters().await.unwrap();

    let outcome = engine.sync_account(&mut inbox).await.unwrap();

    let usage = kit.control.usage(None).await.unwrap();
    assert_eq!(outcome.kind, SyncKind::Incremental);
    assert_eq!(outcome.changed_threads, 1);
    assert!(usage.http_requests <= 3, "{usage:?}");
    // The changed thread, then the counts (INBOX, Primary, the four category probes) in one batch.
    assert_eq!(usage.batch_sizes, [1, 6]);
    assert_eq!(usage.quota_units, 2 + 10 + 1 + 5 + 4 * 5, "{usage:?}");
    let newest = &inbox.threads[0];
    assert_eq!(
        (newest.subject.as_str(), newest.senders.as_slice()),
        ("Fresh & new", ["New Person".to_string()].as_slice())
    );
    assert_eq!(newest.snippet, "a <b> c");
    assert!(newest.unread);
    assert_eq!(inbox.account.counts.threads_unread, unread_before + 1);
    assert_eq!(
        inbox.account.counts.threads_unread,
        unread_in_emulator(&kit, &email).await
    );
    assert_newest_first(&inbox);

    // And the poll after that is idle again.
    kit.control.reset_counters().await.unwrap();
    assert_eq!(
        engine.sync_account(&mut inbox).await.unwrap().kind,
        SyncKind::NoChange
    );
    assert_eq!(kit.control.usage(None).await.unwrap().http_requests, 1);
}

#[tokio::test]
async fn archive_and_read_made_elsewhere_reach_the_inbox_at_the_next_poll() {
    let kit = kit(1, 20).await;
    let email = kit.emails[0].clone();
    let engine = engine(&kit);
    let mut inbox = kit.inboxes().remove(0);
    engine.sync_account(&mut inbox).await.unwrap();
    let unread = inbox
        .threads
        .iter()
        .find(|r| r.unread)
        .unwrap()
        .thread_id
        .clone();
    let archived = inbox
        .threads
        .iter()
        .find(|r| r.thread_id != unread)
        .unwrap()
        .thread_id
        .clone();

    // Another device (Gmail's web app) reads one thread and archives another.
    let other_device = GmailClient::new(kit.env.clone(), kit.tokens.clone(), &kit.base, &email);
    let read = ModifyRequest {
        remove_label_ids: vec!["UNREAD".into()],
        ..Default::default()
    };
    other_device.modify_thread(&unread, &read).await.unwrap();
    let archive = ModifyRequest {
        remove_label_ids: vec!["INBOX".into()],
        ..Default::default()
    };
    other_device
        .modify_thread(&archived, &archive)
        .await
        .unwrap();
    kit.control.reset_counters().await.unwrap();

    let outcome = engine.sync_account(&mut inbox).await.unwrap();

    let usage = kit.control.usage(None).await.unwrap();
    assert_eq!(outcome.kind, SyncKind::Incremental);
    assert_eq!(outcome.changed_threads, 2);
    assert!(usage.http_requests <= 3, "{usage:?}");
    assert!(
        !inbox
            .threads
            .iter()
            .find(|r| r.thread_id == unread)
            .unwrap()
            .unread
    );
    assert!(inbox.threads.iter().all(|r| r.thread_id != archived));
    assert_eq!(inbox.threads.len(), 19);
    assert_eq!(
        inbox.account.counts.threads_unread,
        unread_in_emulator(&kit, &email).await
    );
    assert_eq!(inbox.account.counts.threads_total, 19);
}

#[tokio::test]
async fn an_expired_history_id_triggers_exactly_one_full_sync() {
    let kit = kit(1, 30).await;
    let engine = engine(&kit);
    let mut inbox = kit.inboxes().remove(0);
    engine.sync_account(&mut inbox).await.unwrap();
    kit.control
        .settings(json!({"history_retention_secs": 60}))
        .await
        .unwrap();
    kit.control.advance_clock(120).await.unwrap();
    kit.control.reset_counters().await.unwrap();

    let outcome = engine.sync_account(&mut inbox).await.unwrap();

    let usage = kit.control.usage(None).await.unwrap();
    assert_eq!(outcome.kind, SyncKind::FullAfterHistoryExpired);
    assert_eq!(usage.calls_of("gmail.users.history.list"), 1, "{usage:?}");
    assert_eq!(usage.calls_of("gmail.users.threads.list"), 1, "{usage:?}");
    assert_eq!(usage.calls_of("batch"), 2, "{usage:?}");
    assert_eq!(usage.calls_of("gmail.users.labels.get"), 1, "{usage:?}");
    assert_eq!(usage.http_requests, 4);
    assert_eq!(inbox.threads.len(), 30);
    assert_eq!(inbox.account.health, SyncHealth::Ok);

    // The fresh history id works: the next poll is idle.
    kit.control.reset_counters().await.unwrap();
    assert_eq!(
        engine.sync_account(&mut inbox).await.unwrap().kind,
        SyncKind::NoChange
    );
    assert_eq!(kit.control.usage(None).await.unwrap().http_requests, 1);
}

#[tokio::test]
async fn accounts_sync_concurrently_into_one_merged_store() {
    let kit = kit(3, 20).await;
    let engine = engine(&kit);
    let mut inboxes = kit.inboxes();

    let outcomes = engine.sync_all(&mut inboxes).await;

    assert!(
        outcomes
            .iter()
            .all(|o| o.as_ref().is_ok_and(|o| o.kind == SyncKind::Full)),
        "{outcomes:?}"
    );
    let usage = kit.control.usage(None).await.unwrap();
    assert!(usage.http_requests <= 9, "{usage:?}");
    let mut store = InboxStore::default();
    for inbox in inboxes {
        store.put_account(inbox);
    }
    let merged = store.merged();
    assert_eq!(merged.len(), 60);
    assert!(merged.windows(2).all(|w| w[0].date_ms >= w[1].date_ms));
    let mut emulator_total = 0;
    for email in &kit.emails {
        emulator_total += unread_in_emulator(&kit, email).await;
    }
    assert_eq!(store.total_unread(), emulator_total);
}

#[tokio::test]
async fn mail_outside_the_inbox_costs_no_fetch() {
    let kit = kit(1, 10).await;
    let email = kit.emails[0].clone();
    let engine = engine(&kit);
    let mut inbox = kit.inboxes().remove(0);
    engine.sync_account(&mut inbox).await.unwrap();
    let before = inbox.clone();
    // The user sends a new message from Gmail's web app: history reports it, the inbox is untouched.
    kit.control
        .deliver(json!({"account": email, "from": email, "to": "someone@example.com", "subject": "sent", "text": "x", "labels": ["SENT"]}))
        .await
        .unwrap();
    kit.control.reset_counters().await.unwrap();

    let outcome = engine.sync_account(&mut inbox).await.unwrap();

    assert_eq!(
        (outcome.kind, outcome.changed_threads),
        (SyncKind::Incremental, 0)
    );
    assert_eq!(kit.control.usage(None).await.unwrap().http_requests, 1);
    assert_eq!(inbox.threads, before.threads);
    assert_eq!(inbox.account.counts, before.account.counts);
    assert_ne!(inbox.history_id, before.history_id);
}

#[tokio::test]
async fn batches_are_split_at_50_calls() {
    let kit = kit(1, 120).await;
    let engine = engine(&kit);
    let client = engine.client(&kit.emails[0]);
    let list = client.list_threads("INBOX", 500, None).await.unwrap();
    assert_eq!(list.threads.len(), 120);
    let calls: Vec<_> = list
        .threads
        .iter()
        .map(|t| BatchCall::get(GmailClient::thread_metadata_path(&t.id)))
        .collect();
    kit.control.reset_counters().await.unwrap();

    let parts = client.batch(&calls).await.unwrap();

    assert_eq!(
        kit.control.usage(None).await.unwrap().batch_sizes,
        [50, 50, 20]
    );
    // Answers come back in call order.
    for (thread, part) in list.threads.iter().zip(&parts) {
        assert_eq!(part.status, 200);
        let got: gmux_gmail::api::Thread = serde_json::from_slice(&part.body).unwrap();
        assert_eq!(got.id, thread.id);
    }
}
