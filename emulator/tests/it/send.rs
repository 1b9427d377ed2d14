//! Sending and drafts: messages.send (JSON and both upload forms), drafts.*, settings.sendAs.list, Gmail's
//! threading rule for sent mail, delivery to other emulator accounts without Bcc, history, counters, errors.

use base64::engine::general_purpose::URL_SAFE;
use base64::Engine as _;
use gmux_emulator::EmulatorConfig;
use serde_json::{json, Value};

use crate::common::*;

const TOMAS: &str = "tomas.novak@example.net";

fn b64(raw: &str) -> String {
    URL_SAFE.encode(raw)
}

fn header<'a>(m: &'a Value, name: &str) -> Option<&'a str> {
    m["payload"]["headers"]
        .as_array()?
        .iter()
        .find(|h| h["name"].as_str().unwrap().eq_ignore_ascii_case(name))
        .map(|h| h["value"].as_str().unwrap())
}

async fn raw_of(env: &Env, at: &str, id: &str) -> String {
    let (s, m) = env
        .gmail_get(at, &format!("/gmail/v1/users/me/messages/{id}?format=raw"))
        .await;
    assert_eq!(s, 200, "{m}");
    String::from_utf8(URL_SAFE.decode(m["raw"].as_str().unwrap()).unwrap()).unwrap()
}

async fn history_since(env: &Env, at: &str, start: &str) -> Value {
    let (s, h) = env
        .gmail_get(
            at,
            &format!("/gmail/v1/users/me/history?startHistoryId={start}"),
        )
        .await;
    assert_eq!(s, 200, "{h}");
    h
}

async fn history_id(env: &Env, at: &str) -> String {
    let (_, p) = env.gmail_get(at, "/gmail/v1/users/me/profile").await;
    p["historyId"].as_str().unwrap().to_string()
}

/// The message that arrived last since the history id `start` (from history.list, as a sync finds it).
async fn arrived_since(env: &Env, at: &str, start: &str) -> Value {
    let h = history_since(env, at, start).await;
    let added: Vec<&Value> = h["history"]
        .as_array()
        .unwrap_or_else(|| panic!("no history in {h}"))
        .iter()
        .filter_map(|r| r["messagesAdded"].as_array())
        .flatten()
        .collect();
    let id = added.last().unwrap()["message"]["id"].as_str().unwrap();
    let (_, m) = env
        .gmail_get(
            at,
            &format!("/gmail/v1/users/me/messages/{id}?format=metadata"),
        )
        .await;
    m
}

#[tokio::test]
async fn a_sent_message_reaches_recipient_accounts_without_bcc_and_shows_in_history() {
    let env = demo().await;
    let (ada, grace, tomas) = (
        env.login(ADA).await,
        env.login(GRACE).await,
        env.login(TOMAS).await,
    );
    let (ada_start, grace_start, tomas_start) = (
        history_id(&env, &ada).await,
        history_id(&env, &grace).await,
        history_id(&env, &tomas).await,
    );
    env.control("POST", "counters/reset", json!({})).await;
    let raw = format!(
        "From: Ada Lovelace <{ADA}>\r\nTo: Grace <{GRACE}>, someone@example.org\r\nBcc: {TOMAS}\r\nSubject: The engine notes\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\nNote G is attached in spirit.\r\n"
    );
    let (s, sent) = env
        .gmail_post(
            &ada,
            "/gmail/v1/users/me/messages/send",
            json!({"raw": b64(&raw)}),
        )
        .await;
    assert_eq!(s, 200, "{sent}");
    assert_eq!(sent.as_object().unwrap().len(), 3, "{sent}");
    assert_eq!(sent["labelIds"], json!(["SENT"]));
    let id = sent["id"].as_str().unwrap();
    assert_eq!(sent["threadId"], id, "no threadId: a new thread");
    // Counted under its method id at Google's 100 units.
    let c = env.counters().await;
    assert_eq!(
        c["accounts"][ADA]["requests"]["gmail.users.messages.send"],
        1
    );
    assert_eq!(c["accounts"][ADA]["quota_units"], 100);

    // The sender's copy keeps the Bcc and gains Date and Message-ID.
    let own = raw_of(&env, &ada, id).await;
    assert!(own.contains(&format!("Bcc: {TOMAS}")), "{own}");
    assert!(
        own.contains("Message-ID: <") && own.contains("Date: "),
        "{own}"
    );

    // Both recipients that are accounts get it unread in the inbox, without the Bcc header.
    for (at, start) in [(&grace, &grace_start), (&tomas, &tomas_start)] {
        let m = arrived_since(&env, at, start).await;
        assert_eq!(header(&m, "Subject"), Some("The engine notes"));
        assert_eq!(header(&m, "Bcc"), None, "{m}");
        let labels = m["labelIds"].as_array().unwrap();
        for l in ["INBOX", "UNREAD"] {
            assert!(labels.contains(&json!(l)), "{m}");
        }
        assert!(!raw_of(&env, at, m["id"].as_str().unwrap())
            .await
            .contains("Bcc:"));
    }

    // History records it on both sides, so an incremental sync sees it.
    let h = history_since(&env, &ada, &ada_start).await;
    assert_eq!(
        h["history"][0]["messagesAdded"][0]["message"]["id"], id,
        "{h}"
    );
    assert_eq!(
        h["history"][0]["messagesAdded"][0]["message"]["labelIds"],
        json!(["SENT"])
    );
    let h = history_since(&env, &grace, &grace_start).await;
    assert!(h["history"][0]["messagesAdded"].is_array(), "{h}");

    // The control API reads back what was sent, raw, Bcc included.
    let log = env
        .control("GET", &format!("sent?account={ADA}"), json!({}))
        .await;
    assert_eq!(log["sent"].as_array().unwrap().len(), 1);
    let logged = String::from_utf8(
        URL_SAFE
            .decode(log["sent"][0]["raw"].as_str().unwrap())
            .unwrap(),
    )
    .unwrap();
    assert!(logged.contains("Bcc: "), "{logged}");
    assert_eq!(
        log["sent"][0]["recipients"],
        json!([GRACE, "someone@example.org", TOMAS])
    );
}

#[tokio::test]
async fn replies_join_a_thread_only_by_gmail_s_rule() {
    let env = demo().await;
    let (ada, grace) = (env.login(ADA).await, env.login(GRACE).await);
    let grace_start = history_id(&env, &grace).await;
    let first = format!("To: {GRACE}\r\nSubject: Punch cards\r\nMessage-ID: <cards-1@example.com>\r\n\r\nHow many?\r\n");
    let (_, sent) = env
        .gmail_post(
            &ada,
            "/gmail/v1/users/me/messages/send",
            json!({"raw": b64(&first)}),
        )
        .await;
    let ada_thread = sent["threadId"].as_str().unwrap().to_string();
    let received = arrived_since(&env, &grace, &grace_start).await;
    let grace_thread = received["threadId"].as_str().unwrap().to_string();

    // Grace replies in her thread with In-Reply-To and a matching subject: it joins, and Ada's copy joins Ada's.
    let reply = format!("To: {ADA}\r\nSubject: Re: Punch cards\r\nIn-Reply-To: <cards-1@example.com>\r\nReferences: <cards-1@example.com>\r\n\r\nAbout forty.\r\n");
    let (s, r) = env
        .gmail_post(
            &grace,
            "/gmail/v1/users/me/messages/send",
            json!({"raw": b64(&reply), "threadId": grace_thread}),
        )
        .await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(r["threadId"], grace_thread.as_str());
    let (_, t) = env
        .gmail_get(&ada, &format!("/gmail/v1/users/me/threads/{ada_thread}"))
        .await;
    assert_eq!(t["messages"].as_array().unwrap().len(), 2, "{t}");
    assert_eq!(
        t["messages"][1]["labelIds"],
        json!(["CATEGORY_PERSONAL", "INBOX", "UNREAD"])
    );

    // A threadId without the headers, or with another subject, starts a new thread.
    for raw in [
        format!("To: {ADA}\r\nSubject: Re: Punch cards\r\n\r\nno references\r\n"),
        format!("To: {ADA}\r\nSubject: Something else\r\nIn-Reply-To: <cards-1@example.com>\r\n\r\nx\r\n"),
    ] {
        let (s, r) = env
            .gmail_post(
                &grace,
                "/gmail/v1/users/me/messages/send",
                json!({"raw": b64(&raw), "threadId": grace_thread}),
            )
            .await;
        assert_eq!(s, 200, "{r}");
        assert_ne!(r["threadId"], grace_thread.as_str(), "{raw}");
        assert_eq!(r["threadId"], r["id"]);
    }
    // An unknown thread is 404, a malformed one 400.
    for (thread, status) in [("00000000000000aa", 404), ("not-hex", 400)] {
        let (s, body) = env
            .gmail_post(
                &grace,
                "/gmail/v1/users/me/messages/send",
                json!({"raw": b64(&reply), "threadId": thread}),
            )
            .await;
        assert_eq!(s, status, "{body}");
        error_reason(&body, status);
    }
}

#[tokio::test]
async fn bad_messages_are_refused_as_google_refuses_them() {
    let env = demo().await;
    let at = env.login(ADA).await;
    let cases = [
        (
            json!({}),
            "'raw' RFC822 payload message string or uploading message via /upload/* URL required",
        ),
        (
            json!({"raw": b64("Subject: nobody\r\n\r\nx")}),
            "Recipient address required",
        ),
        (
            json!({"raw": b64("To: not an address\r\nSubject: s\r\n\r\nx")}),
            "Invalid To header",
        ),
        (
            json!({"raw": b64("To: a@b.example\r\nCc: x@\r\n\r\nx")}),
            "Invalid Cc header",
        ),
        (
            json!({"raw": "a+b/"}),
            "Invalid value at 'raw' (TYPE_BYTES), Base64 decoding failed",
        ),
    ];
    for (body, message) in cases {
        let (s, e) = env
            .gmail_post(&at, "/gmail/v1/users/me/messages/send", body.clone())
            .await;
        assert_eq!(s, 400, "{body}: {e}");
        error_reason(&e, 400);
        assert_eq!(e["error"]["message"], message, "{body}");
    }
    let log = env.control("GET", "sent", json!({})).await;
    assert_eq!(log["sent"], json!([]), "nothing refused was sent");
}

#[tokio::test]
async fn from_is_completed_and_sending_to_oneself_lands_in_the_inbox() {
    let env = demo().await;
    let at = env.login(ADA).await;
    for raw in [
        format!("To: {ADA}\r\nSubject: Note to self\r\n\r\nx\r\n"),
        format!("From: Mallory <mallory@evil.example>\r\nTo: {ADA}\r\nSubject: Note to self\r\n\r\nx\r\n"),
    ] {
        let (s, sent) = env
            .gmail_post(&at, "/gmail/v1/users/me/messages/send", json!({"raw": b64(&raw)}))
            .await;
        assert_eq!(s, 200, "{sent}");
        assert_eq!(sent["labelIds"], json!(["INBOX", "SENT", "UNREAD"]));
        let (_, m) = env
            .gmail_get(
                &at,
                &format!("/gmail/v1/users/me/messages/{}?format=metadata", sent["id"].as_str().unwrap()),
            )
            .await;
        assert_eq!(header(&m, "From"), Some(format!("\"Ada Lovelace\" <{ADA}>").as_str()));
    }
}

#[tokio::test]
async fn uploads_take_media_and_multipart_bodies() {
    let env = demo().await;
    let at = env.login(ADA).await;
    let raw = format!(
        "To: {GRACE}\r\nSubject: Uploaded\r\nMessage-ID: <up-1@example.com>\r\n\r\nvia media\r\n"
    );
    let url = |q: &str| env.url(&format!("/upload/gmail/v1/users/me/messages/send?{q}"));
    let r = env
        .http
        .post(url("uploadType=media"))
        .bearer_auth(&at)
        .header("Content-Type", "message/rfc822")
        .body(raw.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let sent: Value = r.json().await.unwrap();
    let thread = sent["threadId"].as_str().unwrap();

    // Multipart: JSON metadata (here a threadId) and the message.
    let reply = format!("To: {GRACE}\r\nSubject: Re: Uploaded\r\nIn-Reply-To: <up-1@example.com>\r\n\r\nvia multipart\r\n");
    let body = format!(
        "--xyz\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n{{\"threadId\": \"{thread}\"}}\r\n--xyz\r\nContent-Type: message/rfc822\r\n\r\n{reply}\r\n--xyz--\r\n"
    );
    let r = env
        .http
        .post(url("uploadType=multipart"))
        .bearer_auth(&at)
        .header("Content-Type", "multipart/related; boundary=xyz")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["threadId"], thread, "{v}");
    let (_, m) = env
        .gmail_get(
            &at,
            &format!(
                "/gmail/v1/users/me/messages/{}?format=full",
                v["id"].as_str().unwrap()
            ),
        )
        .await;
    assert_eq!(
        URL_SAFE
            .decode(m["payload"]["body"]["data"].as_str().unwrap())
            .unwrap(),
        b"via multipart\r\n"
    );

    // A non-message media type, a missing uploadType, and an upload path for a method without one.
    for (path, ct, status) in [
        (url("uploadType=media"), "text/plain", 400),
        (url(""), "message/rfc822", 400),
        (
            env.url("/upload/gmail/v1/users/me/messages?uploadType=media"),
            "message/rfc822",
            404,
        ),
    ] {
        let r = env
            .http
            .post(&path)
            .bearer_auth(&at)
            .header("Content-Type", ct)
            .body(raw.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), status, "{path} {ct}");
        error_reason(&r.json().await.unwrap(), status);
    }
}

#[tokio::test]
async fn drafts_are_created_listed_updated_sent_and_deleted() {
    let env = demo().await;
    let (ada, grace) = (env.login(ADA).await, env.login(GRACE).await);
    let grace_start = history_id(&env, &grace).await;
    let draft_raw = |subject: &str, to: &str| {
        b64(&format!(
            "To: {to}\r\nSubject: {subject}\r\n\r\nbody of {subject}\r\n"
        ))
    };
    let (s, d) = env
        .gmail_post(
            &ada,
            "/gmail/v1/users/me/drafts",
            json!({"message": {"raw": draft_raw("Plan v1", GRACE)}}),
        )
        .await;
    assert_eq!(s, 200, "{d}");
    let id = d["id"].as_str().unwrap().to_string();
    assert!(id.starts_with('r'), "{d}");
    assert_eq!(d["message"]["labelIds"], json!(["DRAFT"]));
    let first_message = d["message"]["id"].as_str().unwrap().to_string();

    let (s, list) = env.gmail_get(&ada, "/gmail/v1/users/me/drafts").await;
    assert_eq!(s, 200);
    assert_eq!(list["drafts"][0]["id"], id.as_str(), "{list}");
    assert_eq!(list["drafts"][0]["message"]["id"], first_message.as_str());
    let (_, got) = env
        .gmail_get(
            &ada,
            &format!("/gmail/v1/users/me/drafts/{id}?format=metadata"),
        )
        .await;
    assert_eq!(header(&got["message"], "Subject"), Some("Plan v1"));

    // Update: same draft id, a new message.
    let r = env
        .http
        .put(env.url(&format!("/gmail/v1/users/me/drafts/{id}")))
        .bearer_auth(&ada)
        .json(&json!({"id": id, "message": {"raw": draft_raw("Plan v2", GRACE)}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let updated: Value = r.json().await.unwrap();
    assert_eq!(updated["id"], id.as_str());
    assert_ne!(updated["message"]["id"], first_message.as_str());
    let (s, _) = env
        .gmail_get(
            &ada,
            &format!("/gmail/v1/users/me/messages/{first_message}"),
        )
        .await;
    assert_eq!(s, 404, "the old draft message is gone");

    // Send: the draft goes, the message is SENT and Grace receives it.
    let (s, sent) = env
        .gmail_post(&ada, "/gmail/v1/users/me/drafts/send", json!({"id": id}))
        .await;
    assert_eq!(s, 200, "{sent}");
    assert_eq!(sent["labelIds"], json!(["SENT"]));
    let (s, _) = env
        .gmail_get(&ada, &format!("/gmail/v1/users/me/drafts/{id}"))
        .await;
    assert_eq!(s, 404);
    assert_eq!(
        header(&arrived_since(&env, &grace, &grace_start).await, "Subject"),
        Some("Plan v2")
    );

    // A draft without recipients can be kept but not sent (it stays a draft); delete removes it.
    let (_, lonely) = env
        .gmail_post(
            &ada,
            "/gmail/v1/users/me/drafts",
            json!({"message": {"raw": b64("Subject: nobody yet\r\n\r\nx")}}),
        )
        .await;
    let lonely_id = lonely["id"].as_str().unwrap();
    let (s, e) = env
        .gmail_post(
            &ada,
            "/gmail/v1/users/me/drafts/send",
            json!({"id": lonely_id}),
        )
        .await;
    assert_eq!(
        (s, e["error"]["message"].as_str()),
        (400, Some("Recipient address required"))
    );
    let del = |id: String| {
        env.http
            .delete(env.url(&format!("/gmail/v1/users/me/drafts/{id}")))
            .bearer_auth(&ada)
            .send()
    };
    let r = del(lonely_id.to_string()).await.unwrap();
    assert_eq!(r.status(), 204);
    assert!(r.text().await.unwrap().is_empty());
    assert_eq!(del(lonely_id.to_string()).await.unwrap().status(), 404);

    // Errors: no message, an unknown draft, a draft created by media upload.
    let (s, e) = env
        .gmail_post(&ada, "/gmail/v1/users/me/drafts", json!({}))
        .await;
    assert_eq!(s, 400, "{e}");
    let (s, _) = env.gmail_get(&ada, "/gmail/v1/users/me/drafts/r123").await;
    assert_eq!(s, 404);
    let r = env
        .http
        .post(env.url("/upload/gmail/v1/users/me/drafts?uploadType=media"))
        .bearer_auth(&ada)
        .header("Content-Type", "message/rfc822")
        .body("Subject: uploaded draft\r\n\r\nx\r\n")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let c = env.counters().await;
    assert_eq!(
        c["accounts"][ADA]["requests"]["gmail.users.drafts.create"],
        4
    );
}

#[tokio::test]
async fn send_as_lists_the_primary_address_and_seeded_aliases() {
    let mut seed = example_seed();
    let email = seed.accounts[0].email.clone();
    seed.send_as = serde_json::from_value(json!({
        email.clone(): [{"email": "team@example.com", "name": "The Team", "reply_to": "help@example.com"}]
    }))
    .unwrap();
    let env = start_with(EmulatorConfig {
        seed: Some(seed),
        auto_consent: true,
        ..Default::default()
    })
    .await;
    let at = env.login(&email).await;
    let (s, v) = env
        .gmail_get(&at, "/gmail/v1/users/me/settings/sendAs")
        .await;
    assert_eq!(s, 200, "{v}");
    let list = v["sendAs"].as_array().unwrap();
    assert_eq!(list[0]["sendAsEmail"], email.as_str());
    assert_eq!(
        (
            list[0]["isPrimary"].as_bool(),
            list[0]["isDefault"].as_bool()
        ),
        (Some(true), Some(true))
    );
    assert_eq!(list[1]["sendAsEmail"], "team@example.com");
    assert_eq!(list[1]["displayName"], "The Team");
    assert_eq!(list[1]["verificationStatus"], "accepted");
    assert!(list[1].get("isPrimary").is_none());
    // Sending as the alias keeps it as From.
    let raw =
        b64("From: The Team <team@example.com>\r\nTo: x@example.org\r\nSubject: s\r\n\r\nx\r\n");
    let (_, sent) = env
        .gmail_post(&at, "/gmail/v1/users/me/messages/send", json!({"raw": raw}))
        .await;
    let (_, m) = env
        .gmail_get(
            &at,
            &format!(
                "/gmail/v1/users/me/messages/{}?format=metadata",
                sent["id"].as_str().unwrap()
            ),
        )
        .await;
    assert_eq!(header(&m, "From"), Some("The Team <team@example.com>"));
}

#[tokio::test]
async fn scopes_decide_who_may_send() {
    let env = demo().await;
    let send_only = env
        .login_scopes(ADA, "https://www.googleapis.com/auth/gmail.send")
        .await["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    let readonly = env.login_scopes(ADA, READONLY).await["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    let raw = b64(&format!("To: {GRACE}\r\nSubject: s\r\n\r\nx\r\n"));
    let (s, _) = env
        .gmail_post(
            &send_only,
            "/gmail/v1/users/me/messages/send",
            json!({"raw": raw}),
        )
        .await;
    assert_eq!(s, 200);
    let (s, e) = env
        .gmail_get(&send_only, "/gmail/v1/users/me/messages")
        .await;
    assert_eq!(
        (s, error_reason(&e, 403)),
        (403, "insufficientPermissions".into())
    );
    let (s, e) = env
        .gmail_post(
            &readonly,
            "/gmail/v1/users/me/messages/send",
            json!({"raw": raw}),
        )
        .await;
    assert_eq!(
        (s, error_reason(&e, 403)),
        (403, "insufficientPermissions".into())
    );
    let (s, _) = env
        .gmail_get(&readonly, "/gmail/v1/users/me/settings/sendAs")
        .await;
    assert_eq!(s, 200);
}
