//! The reader's Gmail calls against the emulator's demo mail: a thread's whole MIME tree as text, an attachment's
//! bytes, label names, "mark unread from here", and what a deleted thread answers.

use std::time::Duration;

use base64::Engine as _;
use gmux_core::messages::IntentError;
use gmux_gmail::reader::{attachment_data, label_names, mark_unread_from, thread_json, ReadError};
use gmux_gmail::testkit::Kit;
use serde_json::{json, Value};

use crate::support::engine;

async fn demo_kit() -> Kit {
    let seed = gmux_emulator::demo::demo_seed("http://127.0.0.1:9");
    tokio::time::timeout(Duration::from_secs(60), Kit::start(seed))
        .await
        .expect("emulator start timed out")
        .expect("emulator start")
}

/// The id of the inbox thread whose subject is `subject`.
fn thread_with_subject(inbox: &gmux_core::inbox::AccountInbox, subject: &str) -> String {
    inbox
        .threads
        .iter()
        .find(|r| r.subject == subject)
        .unwrap_or_else(|| panic!("no thread {subject:?}"))
        .thread_id
        .clone()
}

/// Every part of a message payload, depth first.
fn parts(part: &Value, out: &mut Vec<Value>) {
    out.push(part.clone());
    for child in part["parts"].as_array().into_iter().flatten() {
        parts(child, out);
    }
}

#[tokio::test]
async fn a_thread_comes_whole_and_its_attachment_byte_for_byte() {
    let kit = demo_kit().await;
    let engine = engine(&kit);
    let mut inbox = kit.inboxes().remove(0);
    engine.sync_account(&mut inbox).await.unwrap();
    let client = engine.client(&inbox.account.id);
    let thread = thread_with_subject(&inbox, "Invoice #2026-1204 and our new logo");

    kit.control.reset_counters().await.unwrap();
    let text = thread_json(&client, &thread).await.unwrap();
    let usage = kit.control.usage(None).await.unwrap();
    assert_eq!(
        (usage.http_requests, usage.quota_units),
        (1, 10),
        "one threads.get"
    );
    let value: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(value["id"], json!(thread));
    let message = &value["messages"][0];
    let mut all = Vec::new();
    parts(&message["payload"], &mut all);
    let pdf = all
        .iter()
        .find(|p| p["filename"] == "invoice-2026-1204.pdf")
        .expect("the PDF part");
    assert_eq!(pdf["mimeType"], "application/pdf");
    let attachment = pdf["body"]["attachmentId"].as_str().unwrap();
    let size = pdf["body"]["size"].as_u64().unwrap();
    let message_id = message["id"].as_str().unwrap();

    let data = attachment_data(&client, message_id, attachment)
        .await
        .unwrap();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(data.trim_end_matches('='))
        .unwrap();
    assert_eq!(bytes.len() as u64, size);
    assert!(bytes.starts_with(b"%PDF-"), "a PDF");
    let logo = all
        .iter()
        .find(|p| p["filename"] == "logo.png")
        .expect("the inline logo");
    assert!(logo["body"]["attachmentId"].is_string());
}

#[tokio::test]
async fn a_deleted_thread_is_not_found_and_unknown_attachments_too() {
    let kit = demo_kit().await;
    let engine = engine(&kit);
    let inbox = kit.inboxes().remove(0);
    let client = engine.client(&inbox.account.id);
    match thread_json(&client, "ffffffffffffffff").await {
        Err(ReadError::Gmail(e)) => assert_eq!(e.intent_error(), IntentError::NotFound, "{e}"),
        other => panic!("expected a 404, got {other:?}"),
    }
    let e = attachment_data(&client, "ffffffffffffffff", "nope")
        .await
        .unwrap_err();
    assert_eq!(e.intent_error(), IntentError::NotFound, "{e}");
}

#[tokio::test]
async fn marking_unread_from_a_message_on_marks_those_and_the_row() {
    let kit = demo_kit().await;
    let engine = engine(&kit);
    let mut inbox = kit.inboxes().remove(0);
    engine.sync_account(&mut inbox).await.unwrap();
    let client = engine.client(&inbox.account.id);
    let thread = thread_with_subject(&inbox, "Offsite agenda");
    engine
        .apply(
            &mut inbox,
            &thread,
            gmux_core::messages::ThreadAction::MarkRead,
        )
        .await
        .unwrap();
    let unread_before = inbox.account.counts.threads_unread;
    let value: Value = serde_json::from_str(&thread_json(&client, &thread).await.unwrap()).unwrap();
    let ids: Vec<String> = value["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids.len(), 3);

    let row = mark_unread_from(&engine, &mut inbox, &thread, &ids[1..])
        .await
        .unwrap()
        .expect("the row");
    assert!(row.unread);
    assert_eq!(inbox.account.counts.threads_unread, unread_before + 1);
    let after: Value = serde_json::from_str(&thread_json(&client, &thread).await.unwrap()).unwrap();
    let unread: Vec<bool> = after["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            m["labelIds"]
                .as_array()
                .unwrap()
                .iter()
                .any(|l| l == "UNREAD")
        })
        .collect();
    assert_eq!(unread, [false, true, true]);
    assert_eq!(
        mark_unread_from(&engine, &mut inbox, &thread, &[])
            .await
            .unwrap(),
        None
    );
}

#[tokio::test]
async fn label_names_are_the_users_own() {
    let kit = demo_kit().await;
    let engine = engine(&kit);
    let inbox = kit.inboxes().remove(0);
    let client = engine.client(&inbox.account.id);
    let created = client
        .create_label(&gmux_gmail::api::NewLabel {
            name: "Travel/Trains".into(),
            label_list_visibility: None,
            message_list_visibility: None,
            color: None,
        })
        .await
        .unwrap();
    let names = label_names(&client).await.unwrap();
    assert_eq!(
        names.get(&created.id).map(String::as_str),
        Some("Travel/Trains")
    );
    assert!(
        !names.contains_key("INBOX"),
        "system labels are named by gmux"
    );
}
