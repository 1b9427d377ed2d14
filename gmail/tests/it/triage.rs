//! Triage against the emulator: bulk actions across accounts and what they cost, partial failures, every undo
//! restoring the emulator's labels exactly, mark all read over a whole label, snooze and wake.

use crate::support::{engine, kit, QUICK};
use gmux_core::listing::{ListQuery, View};
use gmux_core::triage::{
    mark_all_read_done, mark_all_read_needs_confirmation, next_snooze_alarm, plan, MessageLabels,
    SnoozeList, ThreadState, TriageAction,
};
use gmux_gmail::listing::{load_page, load_view_page};
use gmux_gmail::testkit::Kit;
use gmux_gmail::triage::{
    apply_plan, ensure_snooze_label, mark_all_read, read_states, triage, undo, wake_due,
};
use gmux_gmail::{Env, GmailClient, HttpRequest, SyncEngine};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::time::Duration;

async fn start(seed: Value) -> Kit {
    let seed: gmux_emulator::Seed = serde_json::from_value(seed).expect("seed");
    tokio::time::timeout(Duration::from_secs(60), Kit::start(seed))
        .await
        .expect("emulator start timed out")
        .expect("emulator start")
}

/// Each account's inbox threads as a selection (labels only, as the rows carry them).
async fn inbox_selection(engine: &SyncEngine, kit: &Kit) -> Vec<ThreadState> {
    let mut out = Vec::new();
    for a in &kit.emails {
        let page = load_page(&engine.client(a), &ListQuery::labels(&["INBOX"]), None, 500)
            .await
            .expect("inbox page");
        out.extend(page.rows.iter().map(ThreadState::from));
    }
    out
}

async fn inbox_total(kit: &Kit, email: &str) -> u64 {
    kit.control
        .accounts()
        .await
        .expect("accounts")
        .iter()
        .find(|a| a["email"] == email)
        .and_then(|a| a["threadsTotal"].as_u64())
        .expect("threadsTotal")
}

#[tokio::test]
async fn archiving_120_threads_across_3_accounts_costs_one_request_per_account_and_undo_one_more() {
    let kit = kit(3, 40).await;
    let engine = engine(&kit);
    let selection = inbox_selection(&engine, &kit).await;
    assert_eq!(selection.len(), 120);
    let p = plan(&TriageAction::Archive, &selection);
    kit.control.reset_counters().await.unwrap();

    let settled = apply_plan(&engine, &p).await;

    let usage = kit.control.usage(None).await.unwrap();
    assert_eq!(usage.http_requests, 3, "{usage:?}");
    assert_eq!(usage.batch_sizes, [40, 40, 40]);
    assert_eq!(usage.quota_units, 120 * 10);
    assert_eq!(usage.calls_of("gmail.users.threads.modify"), 120);
    assert!(settled.restore.is_empty() && settled.failures.is_empty());
    assert_eq!(settled.changed.len(), 120);
    assert!(settled
        .changed
        .iter()
        .all(|t| !t.label_ids.contains(&"INBOX".to_string())));
    for email in &kit.emails {
        assert_eq!(inbox_total(&kit, email).await, 0);
    }
    assert_eq!(settled.undo.sentence, "Archived 120 conversations.");

    kit.control.reset_counters().await.unwrap();
    let undone = undo(&engine, &settled.undo).await;
    let usage = kit.control.usage(None).await.unwrap();
    assert_eq!(usage.http_requests, 3, "{usage:?}");
    assert_eq!(undone.requests, 3);
    assert!(undone.failures.is_empty());
    assert_eq!(undone.restored.len(), 120);
    for email in &kit.emails {
        assert_eq!(inbox_total(&kit, email).await, 40);
    }
}

#[tokio::test]
async fn a_500_for_one_account_or_a_revoked_one_restores_only_its_rows() {
    let kit = kit(3, 40).await;
    let engine = engine(&kit);
    let selection = inbox_selection(&engine, &kit).await;
    let (broken, revoked) = (&kit.emails[1], &kit.emails[2]);
    kit.control
        .faults(json!({"method": "gmail.users.threads.modify", "status": 500, "account": broken}))
        .await
        .unwrap();
    kit.control.revoke(revoked).await.unwrap();

    let settled = apply_plan(&engine, &plan(&TriageAction::Archive, &selection)).await;

    assert_eq!(settled.changed.len(), 40);
    assert!(settled
        .changed
        .iter()
        .all(|t| t.account_id == kit.emails[0]));
    assert_eq!(settled.restore.len(), 80);
    assert!(settled.restore.iter().all(|(a, _)| a != &kit.emails[0]));
    let failures: Vec<(&str, usize, &str)> = settled
        .failures
        .iter()
        .map(|f| (f.account_id.as_str(), f.failed, f.code.as_str()))
        .collect();
    assert_eq!(
        failures,
        [
            (broken.as_str(), 40, "gmail_busy"),
            (revoked.as_str(), 40, "reauth_required")
        ]
    );
    assert_eq!(
        settled.failures[1].cause,
        Some(gmux_core::messages::Cause::ReauthRequired)
    );
    // The emulator agrees: only the first account's inbox is empty.
    kit.control.clear_faults().await.unwrap();
    assert_eq!(inbox_total(&kit, &kit.emails[0]).await, 0);
    assert_eq!(inbox_total(&kit, broken).await, 40);
    assert_eq!(inbox_total(&kit, revoked).await, 40);
    assert_eq!(settled.undo.threads.len(), 40);
}

#[tokio::test]
async fn a_thread_deleted_meanwhile_fails_alone() {
    let kit = kit(1, 10).await;
    let engine = engine(&kit);
    let client = engine.client(&kit.emails[0]);
    let rows = load_page(&client, &ListQuery::labels(&["INBOX"]), None, 50)
        .await
        .unwrap()
        .rows;
    let selection: Vec<ThreadState> = rows.iter().map(ThreadState::from).collect();
    let unread = selection
        .iter()
        .filter(|t| t.label_ids.contains(&"UNREAD".to_string()))
        .count();
    // An unread thread of one message: the emulator deletes it for good (its id is its message's).
    let gone = rows
        .iter()
        .find(|r| r.unread && r.message_count == 1)
        .unwrap()
        .thread_id
        .clone();
    let response = kit
        .env
        .send(HttpRequest {
            method: "POST".into(),
            url: format!("{}/_emulator/delete", kit.base),
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: json!({"account": kit.emails[0], "id": gone})
                .to_string()
                .into_bytes(),
        })
        .await
        .unwrap();
    assert!(response.is_success());

    let settled = apply_plan(&engine, &plan(&TriageAction::MarkRead, &selection)).await;

    assert_eq!(settled.restore, [(kit.emails[0].clone(), gone)]);
    assert_eq!(settled.failures[0].code, "not_found");
    assert_eq!(settled.failures[0].failed, 1);
    assert_eq!(
        settled.failures[0].cause,
        Some(gmux_core::messages::Cause::NotFound)
    );
    assert_eq!(settled.changed.len(), unread - 1);
}

/// A small mailbox where per-message labels differ: one's own reply (SENT only), a read first message with an
/// unread reply, spam, a labelled thread.
async fn mixed_kit() -> Kit {
    let msg = |t: usize, m: usize, labels: &[&str]| {
        json!({"from": format!("S{t} <s{t}@example.com>"), "subject": format!("Thread {t}"),
               "date": format!("2026-11-0{}T1{m}:00:00Z", 1 + t), "text": "x", "labels": labels})
    };
    let own = |t: usize, m: usize| {
        json!({"from": "Me <mix@list.example>", "to": "s@example.com", "subject": format!("Re: Thread {t}"),
               "date": format!("2026-11-0{}T1{m}:00:00Z", 1 + t), "text": "y", "labels": ["SENT"]})
    };
    start(
        json!({"accounts": [{"email": "mix@list.example", "labels": ["Work"], "threads": [
            {"messages": [msg(0, 0, &["INBOX", "UNREAD", "CATEGORY_PERSONAL"]), own(0, 1)]},
            {"messages": [msg(1, 0, &["INBOX", "STARRED"])]},
            {"messages": [msg(2, 0, &["INBOX"]), msg(2, 1, &["INBOX", "UNREAD"])]},
            {"messages": [msg(3, 0, &["SPAM", "UNREAD"])]},
            {"messages": [msg(4, 0, &["INBOX", "Work"]), own(4, 1)]},
            {"messages": [msg(5, 0, &[]), msg(5, 1, &["INBOX", "UNREAD", "STARRED"])]},
        ]}]}),
    )
    .await
}

/// Every thread's messages and their labels, as the emulator has them.
async fn snapshot(client: &GmailClient, ids: &[String]) -> BTreeMap<String, Vec<MessageLabels>> {
    let mut out = BTreeMap::new();
    for id in ids {
        let thread = client.get_thread_metadata(id).await.expect("thread");
        let mut messages = thread.message_labels();
        for m in &mut messages {
            m.label_ids.sort();
        }
        out.insert(id.clone(), messages);
    }
    out
}

fn unions(s: &BTreeMap<String, Vec<MessageLabels>>) -> BTreeMap<String, Vec<String>> {
    s.iter()
        .map(|(id, ms)| {
            let mut l: Vec<String> = ms.iter().flat_map(|m| m.label_ids.clone()).collect();
            l.sort();
            l.dedup();
            (id.clone(), l)
        })
        .collect()
}

#[tokio::test]
async fn every_undo_restores_the_emulators_labels_exactly() {
    let kit = mixed_kit().await;
    let engine = SyncEngine::new(kit.env.clone(), kit.tokens.clone(), &kit.base).with_policy(QUICK);
    let email = kit.emails[0].clone();
    let client = engine.client(&email);
    let all = client
        .list_threads_matching(
            &ListQuery {
                include_spam_trash: true,
                ..Default::default()
            },
            None,
            100,
        )
        .await
        .unwrap();
    let ids: Vec<String> = all.threads.iter().map(|t| t.id.clone()).collect();
    assert_eq!(ids.len(), 6);
    let snooze_label = ensure_snooze_label(&client).await.unwrap();
    let one = |id: &str| BTreeMap::from([(email.clone(), id.to_string())]);
    let actions = [
        TriageAction::Archive,
        TriageAction::Trash,
        TriageAction::MarkRead,
        TriageAction::MarkUnread,
        TriageAction::Star,
        TriageAction::Unstar,
        TriageAction::Spam,
        TriageAction::NotSpam,
        TriageAction::Move {
            to: one("Label_1"),
            from: None,
        },
        TriageAction::Snooze {
            label: one(&snooze_label),
        },
    ];
    for exact in [true, false] {
        for action in &actions {
            let before = snapshot(&client, &ids).await;
            let selection: Vec<ThreadState> = before
                .iter()
                .map(|(id, messages)| ThreadState {
                    account_id: email.clone(),
                    thread_id: id.clone(),
                    label_ids: unions(&before)[id].clone(),
                    messages: if exact { messages.clone() } else { Vec::new() },
                })
                .collect();
            let p = plan(action, &selection);
            assert!(!p.undo.threads.is_empty(), "{action:?} changes something");

            let settled = apply_plan(&engine, &p).await;
            assert!(
                settled.failures.is_empty(),
                "{action:?}: {:?}",
                settled.failures
            );
            let changed = snapshot(&client, &ids).await;
            assert_ne!(changed, before, "{action:?}");
            // What the pages showed at once is what Gmail did.
            for t in &settled.changed {
                let predicted = p
                    .predicted
                    .iter()
                    .find(|x| x.thread_id == t.thread_id)
                    .unwrap();
                assert_eq!(
                    predicted.label_ids,
                    unions(&changed)[&t.thread_id],
                    "{action:?}"
                );
            }

            let undone = undo(&engine, &settled.undo).await;
            assert!(
                undone.failures.is_empty(),
                "{action:?}: {:?}",
                undone.failures
            );
            let after = snapshot(&client, &ids).await;
            if exact {
                assert_eq!(after, before, "{action:?}: every message as it was");
            } else {
                assert_eq!(
                    unions(&after),
                    unions(&before),
                    "{action:?}: every thread as it was"
                );
            }
            // Leave the mailbox exactly as it started for the next action.
            if after != before {
                for (id, messages) in &before {
                    for (m, now) in messages.iter().zip(&after[id]) {
                        let add: Vec<String> = m
                            .label_ids
                            .iter()
                            .filter(|l| !now.label_ids.contains(l))
                            .cloned()
                            .collect();
                        let remove: Vec<String> = now
                            .label_ids
                            .iter()
                            .filter(|l| !m.label_ids.contains(l))
                            .cloned()
                            .collect();
                        if !add.is_empty() || !remove.is_empty() {
                            client
                                .modify_message(
                                    &m.id,
                                    &gmux_gmail::api::ModifyRequest {
                                        add_label_ids: add,
                                        remove_label_ids: remove,
                                    },
                                )
                                .await
                                .unwrap();
                        }
                    }
                }
                assert_eq!(snapshot(&client, &ids).await, before);
            }
        }
    }

    // Mark all read over the inbox, and its undo: UNREAD back on exactly the messages it changed.
    let before = snapshot(&client, &ids).await;
    let marked = mark_all_read(&client, &ListQuery::labels(&["INBOX"]))
        .await
        .unwrap();
    assert_eq!(marked.threads, 3);
    assert_eq!(marked.message_ids.len(), 3);
    let (sentence, record) =
        mark_all_read_done(&[(email.clone(), marked.message_ids)], marked.threads);
    assert_eq!(sentence, "Marked 3 conversations as read.");
    assert_ne!(snapshot(&client, &ids).await, before);
    let undone = undo(&engine, &record).await;
    assert!(undone.failures.is_empty());
    assert_eq!(snapshot(&client, &ids).await, before);
}

#[tokio::test]
async fn mark_all_read_covers_all_300_threads_of_a_label_in_two_requests() {
    let threads: Vec<Value> = (0..300)
        .map(|t| {
            json!({"messages": [{"from": format!("S <s{t}@example.com>"), "subject": format!("T{t}"),
                   "date": format!("2026-10-{:02}T{:02}:{:02}:00Z", 1 + t / 24 % 28, t % 24, t % 60),
                   "text": "x", "labels": ["Work", "UNREAD"]}]})
        })
        .collect();
    let kit = start(json!({"accounts": [{"email": "many@list.example", "labels": ["Work"], "threads": threads}]})).await;
    let engine = engine(&kit);
    let client = engine.client(&kit.emails[0]);
    let work = View::Label {
        name: "Work".into(),
        ids: BTreeMap::from([(kit.emails[0].clone(), "Label_1".to_string())]),
    };
    // Only 50 rows are loaded; the count that decides the question comes from Gmail.
    let first = load_view_page(&client, &work, None, 50).await.unwrap();
    assert_eq!(first.rows.len(), 50);
    let unread = client.get_label("Label_1").await.unwrap().threads_unread;
    assert_eq!(unread, 300);
    assert!(mark_all_read_needs_confirmation(unread));
    kit.control.reset_counters().await.unwrap();

    let marked = mark_all_read(&client, &work.query(&kit.emails[0]).unwrap())
        .await
        .unwrap();

    let usage = kit.control.usage(None).await.unwrap();
    assert_eq!(marked.threads, 300);
    assert!(marked.complete);
    assert_eq!(usage.http_requests, 2, "{usage:?}");
    assert_eq!(usage.quota_units, 5 + 50, "{usage:?}");
    assert_eq!(client.get_label("Label_1").await.unwrap().threads_unread, 0);
    let (sentence, record) =
        mark_all_read_done(&[(kit.emails[0].clone(), marked.message_ids)], 300);
    assert_eq!(sentence, "Marked 300 conversations as read.");
    kit.control.reset_counters().await.unwrap();
    assert!(undo(&engine, &record).await.failures.is_empty());
    assert_eq!(kit.control.usage(None).await.unwrap().http_requests, 1);
    assert_eq!(
        client.get_label("Label_1").await.unwrap().threads_unread,
        300
    );
}

#[tokio::test]
async fn a_snoozed_thread_comes_back_unread_in_the_inbox_even_after_its_time_passed_unseen() {
    let kit = kit(1, 6).await;
    let engine = engine(&kit);
    let email = kit.emails[0].clone();
    let client = engine.client(&email);
    let label = ensure_snooze_label(&client).await.unwrap();
    let selection = inbox_selection(&engine, &kit).await;
    let (read, other) = (
        selection
            .iter()
            .find(|t| !t.label_ids.contains(&"UNREAD".to_string()))
            .unwrap()
            .clone(),
        selection[0].clone(),
    );
    let action = TriageAction::Snooze {
        label: BTreeMap::from([(email.clone(), label.clone())]),
    };
    let settled = apply_plan(&engine, &plan(&action, &[read.clone(), other.clone()])).await;
    assert_eq!(settled.changed.len(), 2);
    let mut list = SnoozeList::new(&email);
    list.label_id = Some(label.clone());
    let now = 1_800_000_000_000u64;
    list.add(&read, now + 60_000).unwrap();
    list.add(&other, now + 3_600_000).unwrap();
    assert_eq!(
        next_snooze_alarm(std::slice::from_ref(&list)),
        Some(now + 60_000)
    );
    assert_eq!(inbox_total(&kit, &email).await, 4);

    // Not yet due: nothing is sent.
    kit.control.reset_counters().await.unwrap();
    assert_eq!(wake_due(&client, &mut list, now).await, Default::default());
    assert_eq!(kit.control.usage(None).await.unwrap().http_requests, 0);

    // The first one's time came; the second one's passed too while the browser was closed: one batch.
    let woken = wake_due(&client, &mut list, now + 7_200_000).await;
    assert_eq!(woken.woken.len(), 2);
    assert!(list.entries.is_empty());
    assert_eq!(kit.control.usage(None).await.unwrap().http_requests, 1);
    let back = client.get_thread_metadata(&read.thread_id).await.unwrap();
    let labels = back.label_ids();
    assert!(labels.contains(&"INBOX".to_string()) && labels.contains(&"UNREAD".to_string()));
    assert!(!labels.contains(&label));
    assert_eq!(inbox_total(&kit, &email).await, 6);

    // A snoozed thread deleted meanwhile leaves the list.
    list.add(
        &ThreadState {
            thread_id: "00000000000000aa".into(),
            ..read.clone()
        },
        now,
    )
    .unwrap();
    let woken = wake_due(&client, &mut list, now).await;
    assert_eq!(woken.gone, ["00000000000000aa"]);
    assert!(list.entries.is_empty());
}

#[tokio::test]
async fn states_read_at_action_time_make_each_undo_exact_from_labels_only_rows() {
    let kit = mixed_kit().await;
    let engine = SyncEngine::new(kit.env.clone(), kit.tokens.clone(), &kit.base).with_policy(QUICK);
    let email = kit.emails[0].clone();
    let client = engine.client(&email);
    let all = client
        .list_threads_matching(
            &ListQuery {
                include_spam_trash: true,
                ..Default::default()
            },
            None,
            100,
        )
        .await
        .unwrap();
    let ids: Vec<String> = all.threads.iter().map(|t| t.id.clone()).collect();
    let actions = [
        TriageAction::Archive,
        TriageAction::Trash,
        TriageAction::MarkRead,
        TriageAction::MarkUnread,
        TriageAction::Star,
        TriageAction::Spam,
        TriageAction::Move {
            to: BTreeMap::from([(email.clone(), "Label_1".to_string())]),
            from: None,
        },
    ];
    for action in &actions {
        let before = snapshot(&client, &ids).await;
        // The rows as a page holds them: labels only, and stale ones at that (nothing in any label).
        let hints: Vec<ThreadState> = ids
            .iter()
            .map(|id| ThreadState {
                account_id: email.clone(),
                thread_id: id.clone(),
                label_ids: vec!["INBOX".into()],
                messages: Vec::new(),
            })
            .collect();
        let read = read_states(&engine, &hints).await;
        for t in &read {
            assert_eq!(
                t.messages, before[&t.thread_id],
                "{action:?}: read as Gmail has it"
            );
        }
        kit.control.reset_counters().await.unwrap();
        let (_, settled) = triage(&engine, action, &hints).await;
        assert!(
            settled.failures.is_empty(),
            "{action:?}: {:?}",
            settled.failures
        );
        let usage = kit.control.usage(None).await.unwrap();
        assert_eq!(
            usage.http_requests, 2,
            "{action:?}: one batch to read, one to change"
        );
        let undone = undo(&engine, &settled.undo).await;
        assert!(
            undone.failures.is_empty(),
            "{action:?}: {:?}",
            undone.failures
        );
        assert_eq!(
            snapshot(&client, &ids).await,
            before,
            "{action:?}: every message as it was"
        );
    }
}
