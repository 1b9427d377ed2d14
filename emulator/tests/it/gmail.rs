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

#[tokio::test]
async fn lists_page_filter_and_search() {
    let env = demo().await;
    let at = env.login(ADA).await;
    // Paging walks every inbox thread exactly once.
    let mut seen = std::collections::BTreeSet::new();
    let mut token: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut path = "/gmail/v1/users/me/threads?labelIds=INBOX&maxResults=7".to_string();
        if let Some(t) = &token {
            path.push_str(&format!("&pageToken={t}"));
        }
        let (s, page) = env.gmail_get(&at, &path).await;
        assert_eq!(s, 200, "{page}");
        pages += 1;
        for t in page["threads"].as_array().unwrap() {
            assert_eq!(t["id"].as_str().unwrap().len(), 16);
            assert!(t["historyId"].is_string() && t["snippet"].is_string());
            assert!(
                seen.insert(t["id"].as_str().unwrap().to_string()),
                "duplicate across pages"
            );
        }
        match page["nextPageToken"].as_str() {
            Some(t) => token = Some(t.to_string()),
            None => break,
        }
    }
    let (_, inbox) = env.gmail_get(&at, "/gmail/v1/users/me/labels/INBOX").await;
    assert_eq!(seen.len() as u64, inbox["threadsTotal"].as_u64().unwrap());
    assert!(pages > 5);

    let count = |v: &serde_json::Value, k: &str| v[k].as_array().map(|a| a.len()).unwrap_or(0);
    // (query, fewest, most) messages expected.
    let cases: Vec<(&str, usize, usize)> = vec![
        ("q=is:unread", 8, usize::MAX),
        ("q=is:starred", 1, usize::MAX),
        ("q=from:github.com", 1, usize::MAX),
        ("q=subject:%22train+ticket%22", 1, usize::MAX),
        ("q=ramen", 1, usize::MAX),
        ("q=%E5%91%A8%E6%9C%AB", 1, usize::MAX),
        ("q=in:spam", 1, 1),
        ("q=in:trash", 1, 1),
        ("q=label:work-projects", 1, usize::MAX),
        ("q=has:attachment", 1, usize::MAX),
        ("q=nosuchwordanywhere", 0, 0),
        ("q=from:github.com+OR+from:bahn.de", 2, usize::MAX),
        ("q=after:2000/01/01+before:2100/01/01", 45, usize::MAX),
        ("q=before:2000/01/01", 0, 0),
        ("labelIds=SPAM", 1, 1),
        ("includeSpamTrash=true&maxResults=500", 47, usize::MAX),
    ];
    for (query, fewest, most) in cases {
        let (s, v) = env
            .gmail_get(&at, &format!("/gmail/v1/users/me/messages?{query}"))
            .await;
        assert_eq!(s, 200, "{query}: {v}");
        assert!(
            (fewest..=most).contains(&count(&v, "messages")),
            "{query}: {}",
            count(&v, "messages")
        );
        assert!(v["resultSizeEstimate"].is_u64());
    }
    // -term excludes; empty results have no `messages` key at all.
    let (_, all) = env
        .gmail_get(&at, "/gmail/v1/users/me/messages?maxResults=500")
        .await;
    let (_, unread) = env
        .gmail_get(
            &at,
            "/gmail/v1/users/me/messages?maxResults=500&q=is:unread",
        )
        .await;
    let (_, read) = env
        .gmail_get(
            &at,
            "/gmail/v1/users/me/messages?maxResults=500&q=-is:unread",
        )
        .await;
    assert_eq!(
        count(&unread, "messages") + count(&read, "messages"),
        count(&all, "messages")
    );
    let (_, none) = env
        .gmail_get(&at, "/gmail/v1/users/me/messages?q=nosuchwordanywhere")
        .await;
    assert_eq!(none, json!({"resultSizeEstimate": 0}));
}

#[tokio::test]
async fn get_formats_and_metadata_headers() {
    let env = demo().await;
    let at = env.login(ADA).await;
    let (_, list) = env
        .gmail_get(&at, "/gmail/v1/users/me/messages?maxResults=20")
        .await;
    let id = list["messages"][0]["id"].as_str().unwrap();
    let (_, minimal) = env
        .gmail_get(
            &at,
            &format!("/gmail/v1/users/me/messages/{id}?format=minimal"),
        )
        .await;
    assert!(minimal.get("payload").is_none());
    assert!(
        minimal["internalDate"].is_string()
            && minimal["historyId"].is_string()
            && minimal["sizeEstimate"].is_u64()
    );
    let (_, meta) = env.gmail_get(&at, &format!("/gmail/v1/users/me/messages/{id}?format=metadata&metadataHeaders=From&metadataHeaders=Subject")).await;
    let names: Vec<&str> = meta["payload"]["headers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Subject", "From"]);
    let (_, raw) = env
        .gmail_get(&at, &format!("/gmail/v1/users/me/messages/{id}?format=raw"))
        .await;
    let bytes = base64::Engine::decode(
        &base64::engine::general_purpose::URL_SAFE,
        raw["raw"].as_str().unwrap(),
    )
    .unwrap();
    assert!(String::from_utf8(bytes).unwrap().contains("\r\nFrom: "));
    let (_, full) = env
        .gmail_get(&at, &format!("/gmail/v1/users/me/messages/{id}"))
        .await;
    assert!(full["payload"]["headers"].as_array().unwrap().len() >= 5);
    let (_, thread) = env
        .gmail_get(
            &at,
            &format!(
                "/gmail/v1/users/me/threads/{}?format=metadata&metadataHeaders=Subject",
                full["threadId"].as_str().unwrap()
            ),
        )
        .await;
    assert!(thread["messages"]
        .as_array()
        .unwrap()
        .iter()
        .any(|m| m["id"] == id));
    for (path, status, reason) in [
        ("/gmail/v1/users/me/messages/zzzz", 400, "invalidParameter"),
        (
            "/gmail/v1/users/me/messages/00000000000000ff",
            404,
            "notFound",
        ),
        (
            "/gmail/v1/users/me/threads/00000000000000ff",
            404,
            "notFound",
        ),
        (
            "/gmail/v1/users/me/threads/00000000000000ff?format=raw",
            400,
            "invalidParameter",
        ),
    ] {
        let (s, body) = env.gmail_get(&at, path).await;
        assert_eq!(
            (s, error_reason(&body, status)),
            (status, reason.to_string()),
            "{path}"
        );
    }
}

#[tokio::test]
async fn trash_untrash_batch_modify_and_label_rules() {
    let env = demo().await;
    let at = env.login(ADA).await;
    let (_, list) = env
        .gmail_get(
            &at,
            "/gmail/v1/users/me/messages?labelIds=INBOX&maxResults=3",
        )
        .await;
    let ids: Vec<String> = list["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap().to_string())
        .collect();
    let (s, m) = env
        .gmail_post(
            &at,
            &format!("/gmail/v1/users/me/messages/{}/trash", ids[0]),
            json!(null),
        )
        .await;
    assert_eq!(s, 200);
    assert!(m["labelIds"].as_array().unwrap().contains(&json!("TRASH")));
    assert!(!m["labelIds"].as_array().unwrap().contains(&json!("INBOX")));
    let (_, m) = env
        .gmail_post(
            &at,
            &format!("/gmail/v1/users/me/messages/{}/untrash", ids[0]),
            json!(null),
        )
        .await;
    assert!(m["labelIds"].as_array().unwrap().contains(&json!("INBOX")));
    assert!(!m["labelIds"].as_array().unwrap().contains(&json!("TRASH")));

    let r = env.http.post(env.url("/gmail/v1/users/me/messages/batchModify")).bearer_auth(&at)
        .json(&json!({"ids": ids, "addLabelIds": ["STARRED", "Label_1"], "removeLabelIds": ["UNREAD"]})).send().await.unwrap();
    assert_eq!(r.status(), 204);
    assert!(r.bytes().await.unwrap().is_empty());
    for id in &ids {
        let (_, m) = env
            .gmail_get(
                &at,
                &format!("/gmail/v1/users/me/messages/{id}?format=minimal"),
            )
            .await;
        let labels = m["labelIds"].as_array().unwrap();
        assert!(
            labels.contains(&json!("STARRED"))
                && labels.contains(&json!("Label_1"))
                && !labels.contains(&json!("UNREAD"))
        );
    }
    for (body, message) in [
        (json!({}), "No label add or removes specified"),
        (json!({"addLabelIds": ["SENT"]}), "Invalid label: SENT"),
        (
            json!({"addLabelIds": ["Label_404"]}),
            "Invalid label: Label_404",
        ),
    ] {
        let (s, e) = env
            .gmail_post(
                &at,
                &format!("/gmail/v1/users/me/messages/{}/modify", ids[1]),
                body,
            )
            .await;
        assert_eq!((s, e["error"]["message"].as_str().unwrap()), (400, message));
    }
    let (_, labels) = env.gmail_get(&at, "/gmail/v1/users/me/labels").await;
    let all = labels["labels"].as_array().unwrap();
    assert!(all
        .iter()
        .any(|l| l["id"] == "Label_1" && l["type"] == "user" && l["name"] == "Travel"));
    assert!(
        all.iter().all(|l| l.get("messagesTotal").is_none()),
        "labels.list carries no counts"
    );
}

#[tokio::test]
async fn history_after_modify_trash_and_new_mail_then_404_when_stale() {
    let env = demo().await;
    let at = env.login(ADA).await;
    let (_, profile) = env.gmail_get(&at, "/gmail/v1/users/me/profile").await;
    let start = profile["historyId"].as_str().unwrap().to_string();
    let (_, h) = env
        .gmail_get(
            &at,
            &format!("/gmail/v1/users/me/history?startHistoryId={start}"),
        )
        .await;
    assert_eq!(h, json!({"historyId": start}), "no changes: just the id");

    let (_, list) = env
        .gmail_get(&at, "/gmail/v1/users/me/messages?q=is:unread&maxResults=2")
        .await;
    let a = list["messages"][0]["id"].as_str().unwrap();
    let b = list["messages"][1]["id"].as_str().unwrap();
    env.gmail_post(
        &at,
        &format!("/gmail/v1/users/me/messages/{a}/modify"),
        json!({"removeLabelIds": ["UNREAD"]}),
    )
    .await;
    env.gmail_post(
        &at,
        &format!("/gmail/v1/users/me/messages/{b}/trash"),
        json!(null),
    )
    .await;
    let new = env.control("POST", "deliver", json!({"account": ADA, "from": "Zoë <z@example.de>", "subject": "Fresh", "text": "new <mail>"})).await;
    env.control("POST", "delete", json!({"account": ADA, "id": b}))
        .await;

    let (s, h) = env
        .gmail_get(
            &at,
            &format!("/gmail/v1/users/me/history?startHistoryId={start}"),
        )
        .await;
    assert_eq!(s, 200, "{h}");
    let recs = h["history"].as_array().unwrap();
    let ids: Vec<u64> = recs
        .iter()
        .map(|r| r["id"].as_str().unwrap().parse().unwrap())
        .collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "increasing ids");
    assert!(ids[0] > start.parse::<u64>().unwrap());
    assert_eq!(recs[0]["labelsRemoved"][0]["labelIds"], json!(["UNREAD"]));
    assert_eq!(recs[0]["labelsRemoved"][0]["message"]["id"], a);
    assert_eq!(recs[1]["labelsAdded"][0]["labelIds"], json!(["TRASH"]));
    assert_eq!(recs[2]["messagesAdded"][0]["message"]["id"], new["id"]);
    assert!(recs[2]["messagesAdded"][0]["message"]["labelIds"]
        .as_array()
        .unwrap()
        .contains(&json!("UNREAD")));
    assert_eq!(recs[3]["messagesDeleted"][0]["message"]["id"], b);
    assert_eq!(h["historyId"], new_history(&env, &at).await);

    let (_, only_added) = env
        .gmail_get(
            &at,
            &format!("/gmail/v1/users/me/history?startHistoryId={start}&historyTypes=messageAdded"),
        )
        .await;
    assert_eq!(only_added["history"].as_array().unwrap().len(), 1);
    let (_, paged) = env
        .gmail_get(
            &at,
            &format!("/gmail/v1/users/me/history?startHistoryId={start}&maxResults=2"),
        )
        .await;
    assert_eq!(paged["history"].as_array().unwrap().len(), 2);
    let tok = paged["nextPageToken"].as_str().unwrap();
    let (_, rest) = env
        .gmail_get(
            &at,
            &format!(
                "/gmail/v1/users/me/history?startHistoryId={start}&maxResults=2&pageToken={tok}"
            ),
        )
        .await;
    assert_eq!(rest["history"].as_array().unwrap().len(), 2);

    // Beyond the retention: 404, and a fresh profile id works again.
    env.control("POST", "clock/advance", json!({"seconds": 8 * 86400}))
        .await;
    let at = env.login(ADA).await;
    let (s, body) = env
        .gmail_get(
            &at,
            &format!("/gmail/v1/users/me/history?startHistoryId={start}"),
        )
        .await;
    assert_eq!((s, error_reason(&body, 404).as_str()), (404, "notFound"));
    assert_eq!(body["error"]["message"], "Requested entity was not found.");
    let fresh = new_history(&env, &at).await;
    let (s, _) = env
        .gmail_get(
            &at,
            &format!(
                "/gmail/v1/users/me/history?startHistoryId={}",
                fresh.as_str().unwrap()
            ),
        )
        .await;
    assert_eq!(s, 200);
    let (s, _) = env.gmail_get(&at, "/gmail/v1/users/me/history").await;
    assert_eq!(s, 400, "startHistoryId is required");
}

async fn new_history(env: &Env, at: &str) -> serde_json::Value {
    env.gmail_get(at, "/gmail/v1/users/me/profile").await.1["historyId"].clone()
}

#[tokio::test]
async fn fields_and_pretty_print() {
    let env = demo().await;
    let at = env.login(ADA).await;
    let r = env.http.get(env.url("/gmail/v1/users/me/messages?maxResults=2&fields=messages(id),nextPageToken&prettyPrint=false")).bearer_auth(&at).send().await.unwrap();
    let text = r.text().await.unwrap();
    assert!(!text.contains('\n'), "{text}");
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v.as_object().unwrap().len(), 2);
    assert!(v["messages"][0]
        .as_object()
        .unwrap()
        .keys()
        .eq(["id"].iter()));
    let pretty = env
        .http
        .get(env.url("/gmail/v1/users/me/profile"))
        .bearer_auth(&at)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(pretty.contains("\n  \"emailAddress\""), "{pretty}");
    let (s, body) = env
        .gmail_get(&at, "/gmail/v1/users/me/profile?fields=a(b")
        .await;
    assert_eq!(
        (s, error_reason(&body, 400).as_str()),
        (400, "invalidParameter")
    );
}

#[tokio::test]
async fn scopes_quota_and_concurrency_are_enforced() {
    let env = demo().await;
    let ro = env.login_scopes(ADA, READONLY).await["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    let (s, _) = env.gmail_get(&ro, "/gmail/v1/users/me/threads").await;
    assert_eq!(s, 200);
    let (_, list) = env
        .gmail_get(&ro, "/gmail/v1/users/me/messages?maxResults=1")
        .await;
    let id = list["messages"][0]["id"].as_str().unwrap();
    let (s, body) = env
        .gmail_post(
            &ro,
            &format!("/gmail/v1/users/me/messages/{id}/modify"),
            json!({"addLabelIds": ["STARRED"]}),
        )
        .await;
    assert_eq!(
        (s, error_reason(&body, 403).as_str()),
        (403, "insufficientPermissions")
    );
    let meta = env
        .login_scopes(ADA, "https://www.googleapis.com/auth/gmail.metadata")
        .await["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    let (s, _) = env
        .gmail_get(&meta, "/gmail/v1/users/me/messages?q=ramen")
        .await;
    assert_eq!(s, 403, "gmail.metadata refuses q");
    let (s, _) = env
        .gmail_get(
            &meta,
            &format!("/gmail/v1/users/me/messages/{id}?format=metadata"),
        )
        .await;
    assert_eq!(s, 200);

    // Quota: 100 units per minute = 10 threads.list calls; the 11th is refused until the minute turns.
    // Land just after a minute boundary of the emulator clock so the window cannot turn mid-loop.
    let at = env.login(GRACE).await;
    env.settings(json!({"quota_units_per_minute": 100})).await;
    let now = env.control("GET", "clock", json!({})).await["now_ms"]
        .as_i64()
        .unwrap();
    let to_boundary = (60_000 - now.rem_euclid(60_000) + 50) as f64 / 1000.0;
    env.control("POST", "clock/advance", json!({"seconds": to_boundary}))
        .await;
    for i in 0..10 {
        assert_eq!(
            env.gmail_get(&at, "/gmail/v1/users/me/threads?maxResults=1")
                .await
                .0,
            200,
            "call {i}"
        );
    }
    let (s, body) = env
        .gmail_get(&at, "/gmail/v1/users/me/threads?maxResults=1")
        .await;
    assert_eq!(
        (s, error_reason(&body, 403).as_str()),
        (403, "rateLimitExceeded")
    );
    assert_eq!(body["error"]["errors"][0]["domain"], "usageLimits");
    assert_eq!(
        env.gmail_get(&at, "/gmail/v1/users/me/labels/INBOX")
            .await
            .0,
        403,
        "every method shares the budget"
    );
    env.control("POST", "clock/advance", json!({"seconds": 60}))
        .await;
    assert_eq!(
        env.gmail_get(&at, "/gmail/v1/users/me/threads?maxResults=1")
            .await
            .0,
        200
    );
    let c = env.counters().await;
    assert!(c["accounts"][GRACE]["quota_units"].as_u64().unwrap() >= 100);
    assert!(
        c["accounts"][GRACE]["requests"]["gmail.users.threads.list"]
            .as_u64()
            .unwrap()
            >= 12
    );
    env.settings(json!({"quota_units_per_minute": 15000, "concurrency_cap": 2}))
        .await;

    // Concurrency: with every call held 3 s (long enough to overlap on a loaded machine), the third of three
    // simultaneous calls gets 429.
    env.fault(json!({"method": "gmail.users.getProfile", "latency_ms": 3000, "count": 2}))
        .await;
    let calls = (0..3).map(|_| env.gmail_get(&at, "/gmail/v1/users/me/profile"));
    let results = futures::future::join_all(calls).await;
    let mut statuses: Vec<u16> = results.iter().map(|r| r.0).collect();
    statuses.sort();
    assert_eq!(statuses, [200, 200, 429], "{results:?}");
    let limited = results.iter().find(|r| r.0 == 429).unwrap();
    assert_eq!(
        limited.1["error"]["message"],
        "Too many concurrent requests for user"
    );
}

#[tokio::test]
async fn cors_preflight_and_headers_for_extension_origins() {
    let env = demo().await;
    let at = env.login(ADA).await;
    for origin in [
        "chrome-extension://obfbmoncncibmhjgfmnifnffmljlbjmg",
        "moz-extension://1b4e6b5a-8c1d-4f1e-9a51-2c0e3f7d9b10",
    ] {
        let pre = env
            .http
            .request(
                reqwest::Method::OPTIONS,
                env.url("/gmail/v1/users/me/threads"),
            )
            .header("Origin", origin)
            .header("Access-Control-Request-Method", "GET")
            .header("Access-Control-Request-Headers", "authorization")
            .send()
            .await
            .unwrap();
        assert_eq!(pre.status(), 200);
        assert_eq!(pre.headers()["access-control-allow-origin"], origin);
        assert!(pre.headers()["access-control-allow-methods"]
            .to_str()
            .unwrap()
            .contains("POST"));
        assert_eq!(
            pre.headers()["access-control-allow-headers"],
            "authorization"
        );
        let r = env
            .http
            .get(env.url("/gmail/v1/users/me/profile"))
            .bearer_auth(&at)
            .header("Origin", origin)
            .send()
            .await
            .unwrap();
        assert_eq!(r.headers()["access-control-allow-origin"], origin);
        assert!(r.headers().get_all("vary").iter().any(|v| v == "Origin"));
        let r = env
            .http
            .get(env.url("/gmail/v1/users/me/profile"))
            .header("Origin", origin)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401);
        assert_eq!(
            r.headers()["access-control-allow-origin"],
            origin,
            "errors carry CORS headers too"
        );
    }
}

/// The demo data has what issue item 7 asks for, in every account.
#[tokio::test]
async fn demo_data_is_varied_in_every_account() {
    let env = demo().await;
    let accounts = env.control("GET", "accounts", json!({})).await;
    let emails: Vec<String> = accounts["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["email"].as_str().unwrap().to_string())
        .collect();
    assert!(emails.len() >= 3);
    for email in emails {
        let at = env.login(&email).await;
        let count = |q: &str| {
            let env = &env;
            let at = at.clone();
            let q = q.to_string();
            async move {
                env.gmail_get(
                    &at,
                    &format!("/gmail/v1/users/me/messages?maxResults=500&{q}"),
                )
                .await
                .1["resultSizeEstimate"]
                    .as_u64()
                    .unwrap()
            }
        };
        let (_, inbox_threads) = env
            .gmail_get(&at, "/gmail/v1/users/me/threads?maxResults=500")
            .await;
        let threads = inbox_threads["threads"].as_array().unwrap();
        assert!(threads.len() >= 40, "{email}: {} threads", threads.len());
        assert!(
            count("q=is:unread").await > 0 && count("q=-is:unread").await > 0,
            "{email}: read and unread"
        );
        assert!(count("q=is:starred").await > 0, "{email}: starred");
        assert!(
            count("labelIds=Label_1").await + count("labelIds=Label_2").await > 0,
            "{email}: user labels"
        );
        assert!(
            count("q=has:attachment").await > 0,
            "{email}: an attachment"
        );
        let (_, list) = env
            .gmail_get(&at, "/gmail/v1/users/me/messages?maxResults=500")
            .await;
        let (mut multi, mut html, mut plain, mut non_ascii, mut long) =
            (false, false, false, false, false);
        let mut per_thread = std::collections::BTreeMap::new();
        for m in list["messages"].as_array().unwrap() {
            *per_thread
                .entry(m["threadId"].as_str().unwrap().to_string())
                .or_insert(0) += 1;
        }
        multi |= per_thread.values().any(|n| *n > 1);
        for m in list["messages"].as_array().unwrap().iter().take(60) {
            let (_, full) = env
                .gmail_get(
                    &at,
                    &format!("/gmail/v1/users/me/messages/{}", m["id"].as_str().unwrap()),
                )
                .await;
            let p = &full["payload"];
            html |= p["mimeType"] == "text/html" || p["mimeType"] == "multipart/alternative";
            plain |= p["mimeType"] == "text/plain";
            for h in p["headers"].as_array().unwrap() {
                let v = h["value"].as_str().unwrap();
                if h["name"] == "From" || h["name"] == "Subject" {
                    non_ascii |= !v.is_ascii();
                }
                if h["name"] == "Subject" {
                    long |= v.chars().count() > 100;
                }
            }
        }
        assert!(
            multi && html && plain && non_ascii && long,
            "{email}: multi {multi} html {html} plain {plain} non-ascii {non_ascii} long {long}"
        );
    }
}
