//! The control API: deliver, faults, counters, reset, settings validation.

use serde_json::json;

use crate::common::*;

#[tokio::test]
async fn deliver_threads_counts_and_reset() {
    let env = demo().await;
    let at = env.login(GRACE).await;
    let (_, before) = env.gmail_get(&at, "/gmail/v1/users/me/labels/INBOX").await;
    let first = env.control("POST", "deliver", json!({"account": GRACE, "from": "Łukasz <l@example.pl>", "subject": "Zażółć", "html": "<p>gęślą</p>", "labels": ["INBOX", "UNREAD", "Family"]})).await;
    assert_eq!(first["id"], first["threadId"]);
    let reply = env.control("POST", "deliver", json!({"account": GRACE, "from": "Łukasz <l@example.pl>", "subject": "Re: Zażółć", "text": "jaźń", "thread_id": first["threadId"]})).await;
    assert_eq!(reply["threadId"], first["threadId"]);
    assert!(
        reply["historyId"].as_str().unwrap().parse::<u64>().unwrap()
            > first["historyId"].as_str().unwrap().parse::<u64>().unwrap()
    );
    let (_, after) = env.gmail_get(&at, "/gmail/v1/users/me/labels/INBOX").await;
    assert_eq!(
        after["threadsUnread"].as_u64().unwrap(),
        before["threadsUnread"].as_u64().unwrap() + 1
    );
    assert_eq!(
        after["messagesTotal"].as_u64().unwrap(),
        before["messagesTotal"].as_u64().unwrap() + 2
    );
    let (_, top) = env
        .gmail_get(
            &at,
            "/gmail/v1/users/me/threads?labelIds=INBOX&maxResults=1",
        )
        .await;
    assert_eq!(
        top["threads"][0]["id"], first["threadId"],
        "new mail sorts first"
    );
    assert_eq!(top["threads"][0]["snippet"], "jaźń");

    env.control("POST", "reset", json!({})).await;
    let (_, reset) = env.gmail_get(&at, "/gmail/v1/users/me/labels/INBOX").await;
    assert_eq!(reset["messagesTotal"], before["messagesTotal"]);

    for (path, body) in [
        (
            "deliver",
            json!({"account": "nobody@example.com", "from": "a@b", "text": "x"}),
        ),
        ("deliver", json!({"account": GRACE, "from": "a@b"})),
        ("faults", json!({"method": "x"})),
        ("settings", json!({"no_such_setting": 1})),
        ("clock/advance", json!({"seconds": "soon"})),
    ] {
        let r = env
            .http
            .post(env.url(&format!("/_emulator/{path}")))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400, "{path} {body}");
        assert!(r.json::<serde_json::Value>().await.unwrap()["error"].is_string());
    }
}

#[tokio::test]
async fn faults_hit_count_times_then_clear() {
    let env = demo().await;
    let at = env.login(ADA).await;
    env.fault(json!({"method": "gmail.users.threads.list", "status": 500, "count": 2}))
        .await;
    let statuses: Vec<u16> =
        futures::future::join_all((0..3).map(|_| env.gmail_get(&at, "/gmail/v1/users/me/threads")))
            .await
            .iter()
            .map(|r| r.0)
            .collect();
    let mut sorted = statuses.clone();
    sorted.sort();
    assert_eq!(sorted, [200, 500, 500]);
    env.fault(json!({"method": "*", "status": 503, "retry_after": 7, "body": {"error": {"code": 503, "message": "custom"}}})).await;
    let r = env
        .http
        .get(env.url("/gmail/v1/users/me/profile"))
        .bearer_auth(&at)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 503);
    assert_eq!(r.headers()["retry-after"], "7");
    assert_eq!(
        r.json::<serde_json::Value>().await.unwrap()["error"]["message"],
        "custom"
    );
    env.control("DELETE", "faults", json!({})).await;
    assert_eq!(
        env.gmail_get(&at, "/gmail/v1/users/me/profile").await.0,
        200
    );
    env.control("POST", "counters/reset", json!({})).await;
    assert_eq!(
        env.counters().await,
        json!({"accounts": {}, "batch_sizes": []})
    );
}
