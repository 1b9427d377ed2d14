//! The composer's Gmail calls against the emulator: a draft created, updated and sent arrives once with the
//! bytes of its last version; a sent draft cannot be sent again; a large message goes through the upload
//! endpoint; a 503 on send leaves the draft in place; the send-as addresses.

use base64::Engine as _;
use gmux_core::messages::{Cause, IntentError};
use gmux_gmail::compose::{delete_draft, save_draft, send_as_list, send_draft};

use crate::support::{engine, kit};

fn raw(from: &str, to: &str, subject: &str, body: &str) -> Vec<u8> {
    format!(
        "From: {from}\r\nTo: {to}\r\nSubject: {subject}\r\nDate: Mon, 7 Dec 2026 09:00:00 +0000\r\n\
         Message-ID: <{subject}@gmux.test>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=\"UTF-8\"\r\n\r\n{body}\r\n"
    )
    .into_bytes()
}

fn decode(raw: &serde_json::Value) -> Vec<u8> {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(raw.as_str().unwrap_or_default().trim_end_matches('='))
        .expect("base64url")
}

#[tokio::test]
async fn a_draft_saved_twice_and_sent_arrives_once_as_last_saved() {
    let kit = kit(2, 1).await;
    let engine = engine(&kit);
    let inboxes = kit.inboxes();
    let (me, other) = (&inboxes[0].account, &inboxes[1].account);
    let client = engine.client(&me.id);

    let first = raw(&me.email, &other.email, "draft-one", "first words");
    let draft = save_draft(&client, None, &first, None).await.unwrap();
    let second = raw(
        &me.email,
        &other.email,
        "draft-one",
        "first words, then more",
    );
    let updated = save_draft(&client, Some(&draft.id), &second, None)
        .await
        .unwrap();
    assert_eq!(updated.id, draft.id, "an update keeps the draft's id");
    let sent = send_draft(&client, &draft.id).await.unwrap();
    assert!(!sent.id.is_empty());

    let list = kit.control.sent(&me.email).await.unwrap();
    let list = list["sent"].as_array().cloned().unwrap_or_default();
    assert_eq!(list.len(), 1);
    assert_eq!(decode(&list[0]["raw"]), second);

    // The draft is gone: sending it again finds nothing, and nothing is sent twice.
    let again = send_draft(&client, &draft.id).await.unwrap_err();
    assert_eq!(again.intent_error(), IntentError::NotFound);
    assert_eq!(again.cause(), Cause::NotFound);
    let list = kit.control.sent(&me.email).await.unwrap();
    assert_eq!(list["sent"].as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn a_large_message_goes_through_the_upload_endpoint() {
    let kit = kit(2, 1).await;
    let engine = engine(&kit);
    let inboxes = kit.inboxes();
    let (me, other) = (&inboxes[0].account, &inboxes[1].account);
    let client = engine.client(&me.id);
    // 6 MB of text lines: over the JSON limit and the emulator's default body cap.
    let body =
        "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\r\n".repeat(96 * 1024);
    let big = raw(&me.email, &other.email, "big-one", &body);
    assert!(big.len() > gmux_gmail::compose::MAX_RAW_JSON_BYTES);
    let draft = save_draft(&client, None, &big, None).await.unwrap();
    send_draft(&client, &draft.id).await.unwrap();
    let list = kit.control.sent(&me.email).await.unwrap();
    assert_eq!(decode(&list["sent"][0]["raw"]).len(), big.len());
}

#[tokio::test]
async fn a_send_gmail_refuses_leaves_the_draft() {
    let kit = kit(2, 1).await;
    let engine = engine(&kit);
    let inboxes = kit.inboxes();
    let (me, other) = (&inboxes[0].account, &inboxes[1].account);
    let client = engine.client(&me.id);
    let message = raw(&me.email, &other.email, "outage", "still here");
    let draft = save_draft(&client, None, &message, None).await.unwrap();
    kit.control
        .faults(serde_json::json!({"method": "gmail.users.drafts.send", "status": 503}))
        .await
        .unwrap();
    let e = send_draft(&client, &draft.id).await.unwrap_err();
    assert_eq!(e.intent_error(), IntentError::GmailBusy);
    assert!(matches!(e.cause(), Cause::Busy { .. }), "{e:?}");
    kit.control.clear_faults().await.unwrap();
    let list = kit.control.sent(&me.email).await.unwrap();
    assert_eq!(list["sent"].as_array().map(Vec::len), Some(0));
    // Still a draft: it sends once Gmail is back, and a deleted one is gone for good.
    send_draft(&client, &draft.id).await.unwrap();
    let other_draft = save_draft(&client, None, &message, None).await.unwrap();
    delete_draft(&client, &other_draft.id).await.unwrap();
    delete_draft(&client, &other_draft.id).await.unwrap();
}

#[tokio::test]
async fn send_as_lists_the_accounts_own_address_as_default() {
    let kit = kit(1, 1).await;
    let engine = engine(&kit);
    let me = kit.inboxes()[0].account.clone();
    let list = send_as_list(&engine.client(&me.id)).await.unwrap();
    assert_eq!(list[0].send_as_email, me.email);
    assert!(list[0].is_default && list[0].is_primary);
}
