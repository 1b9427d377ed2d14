//! Gmail API methods against the demo data.

use serde_json::json;

use crate::common::*;

#[tokio::test]
async fn profile_and_inbox_need_a_valid_bearer() {
    let env = demo().await;
    let r = env
        .http
        .get(env.url("/gmail/v1/users/me/profile"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert!(r.headers().contains_key("www-authenticate"));
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(error_reason(&body, 401), "required");
    let (s, body) = env
        .gmail_get("ya29.bogus", "/gmail/v1/users/me/profile")
        .await;
    assert_eq!((s, error_reason(&body, 401).as_str()), (401, "authError"));

    let at = env.login(ADA).await;
    let (s, p) = env.gmail_get(&at, "/gmail/v1/users/me/profile").await;
    assert_eq!(s, 200);
    assert_eq!(p["emailAddress"], ADA);
    assert!(p["historyId"].is_string());
    assert!(p["messagesTotal"].as_u64().unwrap() > 40);
    let (s, p2) = env
        .gmail_get(&at, &format!("/gmail/v1/users/{ADA}/profile"))
        .await;
    assert_eq!((s, &p2), (200, &p));
    let (s, body) = env
        .gmail_get(&at, &format!("/gmail/v1/users/{GRACE}/profile"))
        .await;
    assert_eq!((s, error_reason(&body, 403).as_str()), (403, "forbidden"));

    let (s, inbox) = env.gmail_get(&at, "/gmail/v1/users/me/labels/INBOX").await;
    assert_eq!(s, 200);
    assert_eq!(inbox["id"], "INBOX");
    assert_eq!(inbox["type"], "system");
    let accounts = env.control("GET", "accounts", json!({})).await;
    assert_eq!(
        inbox["threadsUnread"],
        accounts["accounts"][0]["threadsUnread"]
    );
    assert!(inbox["threadsUnread"].as_u64().unwrap() >= 8);
    assert!(inbox["threadsTotal"].as_u64().unwrap() >= 40);
    for k in [
        "messagesTotal",
        "messagesUnread",
        "threadsTotal",
        "threadsUnread",
    ] {
        assert!(inbox[k].is_u64(), "{k}");
    }
    let (s, body) = env
        .gmail_get(&at, "/gmail/v1/users/me/labels/Label_999")
        .await;
    assert_eq!((s, error_reason(&body, 404).as_str()), (404, "notFound"));
}

#[tokio::test]
async fn modify_marks_read_and_updates_counts() {
    let env = demo().await;
    let at = env.login(ADA).await;
    let (_, before) = env.gmail_get(&at, "/gmail/v1/users/me/labels/INBOX").await;
    let (_, unread) = env
        .gmail_get(
            &at,
            "/gmail/v1/users/me/threads?labelIds=INBOX&labelIds=UNREAD&maxResults=1",
        )
        .await;
    let tid = unread["threads"][0]["id"].as_str().unwrap();
    let (s, t) = env
        .gmail_post(
            &at,
            &format!("/gmail/v1/users/me/threads/{tid}/modify"),
            json!({"removeLabelIds": ["UNREAD"]}),
        )
        .await;
    assert_eq!(s, 200, "{t}");
    assert!(t["messages"]
        .as_array()
        .unwrap()
        .iter()
        .all(|m| !m["labelIds"].as_array().unwrap().contains(&json!("UNREAD"))));
    let (_, after) = env.gmail_get(&at, "/gmail/v1/users/me/labels/INBOX").await;
    assert_eq!(
        after["threadsUnread"].as_u64().unwrap() + 1,
        before["threadsUnread"].as_u64().unwrap()
    );
}
