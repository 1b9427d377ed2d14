//! What a poll reports as added to INBOX, for notifications: at no extra request, and what
//! `gmux_core::notify::decide` makes of it.

use crate::support::{engine, kit};
use gmux_core::notify::{decide, AccountPoll, NotifiedLog, PollKind};
use gmux_core::settings::Settings;
use gmux_gmail::{SyncKind, SyncReport};
use serde_json::json;

fn poll(email: &str, report: &SyncReport) -> AccountPoll {
    AccountPoll {
        account_id: email.to_string(),
        email: email.to_string(),
        aliases: Vec::new(),
        kind: Some(report.poll_kind()),
        added: report.added.clone(),
    }
}

#[tokio::test]
async fn a_poll_reports_new_inbox_mail_with_its_text_at_no_extra_cost() {
    let kit = kit(1, 10).await;
    let email = kit.emails[0].clone();
    let engine = engine(&kit);
    let mut inbox = kit.inboxes().remove(0);
    let first = engine.sync_account_report(&mut inbox).await.unwrap();
    // A first sync finds the inbox as it was: nothing is new.
    assert_eq!(first.poll_kind(), PollKind::FirstSync);
    assert!(first.added.is_empty());

    let ada = kit
        .control
        .deliver(json!({"account": email, "from": "\"Ada Lovelace\" <ada@example.org>", "subject": "Engines & more", "text": "The <analytical> engine"}))
        .await
        .unwrap();
    // Mail the user sent from Gmail's web app, and mail filed away by a filter: not added to INBOX.
    kit.control
        .deliver(json!({"account": email, "from": email, "to": "bo@example.org", "subject": "sent", "text": "x", "labels": ["SENT"]}))
        .await
        .unwrap();
    kit.control
        .deliver(json!({"account": email, "from": "list@example.org", "subject": "filed", "text": "x", "labels": ["UNREAD"]}))
        .await
        .unwrap();
    // A reply in the thread that just arrived, already read elsewhere.
    kit.control
        .deliver(json!({"account": email, "from": "Ada Lovelace <ada@example.org>", "subject": "Re: Engines & more", "text": "PS", "thread_id": ada["threadId"], "labels": ["INBOX"]}))
        .await
        .unwrap();
    kit.control.reset_counters().await.unwrap();

    let report = engine.sync_account_report(&mut inbox).await.unwrap();

    let usage = kit.control.usage(None).await.unwrap();
    assert_eq!(report.outcome.kind, SyncKind::Incremental);
    // The same three requests as a poll without notifications: history, the batch, the counts (one batch).
    assert!(usage.http_requests <= 3, "{usage:?}");
    assert_eq!(usage.batch_sizes, [1, 6], "{usage:?}");
    let added: Vec<(&str, &str, &str, &str, bool)> = report
        .added
        .iter()
        .map(|m| {
            (
                m.sender_name.as_str(),
                m.sender_address.as_str(),
                m.subject.as_str(),
                m.snippet.as_str(),
                m.label_ids.iter().any(|l| l == "UNREAD"),
            )
        })
        .collect();
    assert_eq!(
        added,
        [
            (
                "Ada Lovelace",
                "ada@example.org",
                "Engines & more",
                "The <analytical> engine",
                true
            ),
            (
                "Ada Lovelace",
                "ada@example.org",
                "Re: Engines & more",
                "PS",
                false
            ),
        ]
    );
    assert_eq!(report.added[0].id, ada["id"].as_str().unwrap());
    assert_eq!(report.added[0].thread_id, ada["threadId"].as_str().unwrap());

    // The decision: one notification, for the unread message.
    let mut log = NotifiedLog::default();
    let shown = decide(
        &[poll(&email, &report)],
        &Settings::default(),
        &[],
        &mut log,
        1_795_442_700_000,
        0,
    );
    assert_eq!(shown.len(), 1);
    assert_eq!(
        (shown[0].title.as_str(), shown[0].body.as_str()),
        ("Ada Lovelace", "Engines & more\nThe <analytical> engine")
    );

    // An idle poll adds nothing and still costs one request.
    kit.control.reset_counters().await.unwrap();
    let idle = engine.sync_account_report(&mut inbox).await.unwrap();
    assert_eq!(idle.outcome.kind, SyncKind::NoChange);
    assert!(idle.added.is_empty());
    assert_eq!(kit.control.usage(None).await.unwrap().http_requests, 1);
}

#[tokio::test]
async fn a_burst_too_large_to_fetch_is_still_reported_as_new() {
    let kit = kit(1, 5).await;
    let email = kit.emails[0].clone();
    let engine = engine(&kit);
    let mut inbox = kit.inboxes().remove(0);
    engine.sync_account(&mut inbox).await.unwrap();
    for i in 0..120 {
        kit.control
            .deliver(json!({"account": email, "from": format!("Sender {i} <s{i}@example.org>"), "subject": format!("burst {i}"), "text": "x"}))
            .await
            .unwrap();
    }

    let report = engine.sync_account_report(&mut inbox).await.unwrap();

    assert_eq!(report.outcome.kind, SyncKind::FullAfterBurst);
    assert_eq!(report.poll_kind(), PollKind::Incremental);
    assert_eq!(report.added.len(), 120);
    // The newest 50 threads were fetched by the full sync: their senders are known.
    let named = report
        .added
        .iter()
        .filter(|m| !m.sender_name.is_empty())
        .count();
    assert_eq!(named, 50);
    let shown = decide(
        &[poll(&email, &report)],
        &Settings::default(),
        &[],
        &mut NotifiedLog::default(),
        1_795_442_700_000,
        0,
    );
    assert_eq!(shown.len(), 1);
    assert_eq!(shown[0].title, "120 new messages");
    assert!(
        shown[0]
            .body
            .starts_with("Sender 119, Sender 118, Sender 117"),
        "{}",
        shown[0].body
    );
}

#[tokio::test]
async fn a_resync_after_expired_history_reports_nothing_new() {
    let kit = kit(1, 5).await;
    let email = kit.emails[0].clone();
    let engine = engine(&kit);
    let mut inbox = kit.inboxes().remove(0);
    engine.sync_account(&mut inbox).await.unwrap();
    kit.control
        .deliver(json!({"account": email, "from": "a@example.org", "subject": "while away", "text": "x"}))
        .await
        .unwrap();
    kit.control
        .settings(json!({"history_retention_secs": 60}))
        .await
        .unwrap();
    kit.control.advance_clock(120).await.unwrap();

    let report = engine.sync_account_report(&mut inbox).await.unwrap();

    assert_eq!(report.outcome.kind, SyncKind::FullAfterHistoryExpired);
    assert_eq!(report.poll_kind(), PollKind::FullResync);
    assert!(report.added.is_empty());
}

#[tokio::test]
async fn own_addresses_are_the_send_as_list_at_one_unit_and_their_mail_is_not_announced() {
    let mut seed = gmux_gmail::testkit::seed(1, 3);
    let email = seed.accounts[0].email.clone();
    seed.send_as.insert(
        email.clone(),
        vec![
            serde_json::from_value(json!({"email": "Team@Example.com", "name": "The Team"}))
                .unwrap(),
        ],
    );
    let kit = gmux_gmail::testkit::Kit::start(seed).await.unwrap();
    let engine = engine(&kit);
    let mut inbox = kit.inboxes().remove(0);
    engine.sync_account(&mut inbox).await.unwrap();
    kit.control.reset_counters().await.unwrap();
    let own = gmux_gmail::added::own_addresses(&engine.client(&inbox.account.id))
        .await
        .unwrap();
    assert_eq!(
        own,
        [email.to_ascii_lowercase(), "team@example.com".to_string()]
    );
    let usage = kit.control.usage(None).await.unwrap();
    assert_eq!(usage.http_requests, 1, "{usage:?}");

    // Mail from the alias (a list echoing the user's own post) and from a stranger: only the stranger's.
    for from in ["The Team <team@example.com>", "Ada <ada@example.org>"] {
        kit.control
            .deliver(json!({"account": email, "from": from, "subject": "hello", "text": "x"}))
            .await
            .unwrap();
    }
    let report = engine.sync_account_report(&mut inbox).await.unwrap();
    let mut poll = poll(&email, &report);
    poll.aliases = own;
    let shown = decide(
        &[poll],
        &Settings::default(),
        &[],
        &mut NotifiedLog::default(),
        1_795_442_700_000,
        0,
    );
    let titles: Vec<&str> = shown.iter().map(|n| n.title.as_str()).collect();
    assert_eq!(titles, ["Ada"]);
}
