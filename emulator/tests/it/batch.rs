//! Batch: multipart/mixed in and out, Content-ID echo, order, per-part errors, limits, faults.

use serde_json::{json, Value};

use crate::common::*;

/// Parses a batch response into (Content-ID, status, JSON body) per part, in order.
pub fn parse_batch(content_type: &str, body: &str) -> Vec<(Option<String>, u16, Value)> {
    let boundary = content_type
        .split("boundary=")
        .nth(1)
        .unwrap()
        .trim_matches('"');
    let close = format!("--{boundary}--");
    assert!(body.trim_end().ends_with(&close), "closing delimiter");
    body.split(&format!("--{boundary}"))
        .skip(1)
        .filter(|p| !p.starts_with("--"))
        .map(|part| {
            let (outer, inner) = part.split_once("\r\n\r\n").unwrap();
            assert!(outer.contains("Content-Type: application/http"));
            let cid = outer
                .lines()
                .find_map(|l| l.strip_prefix("Content-ID: "))
                .map(String::from);
            let (head, json_body) = inner.split_once("\r\n\r\n").unwrap();
            let status: u16 = head
                .lines()
                .next()
                .unwrap()
                .split(' ')
                .nth(1)
                .unwrap()
                .parse()
                .unwrap();
            (
                cid,
                status,
                serde_json::from_str(json_body.trim()).unwrap_or(Value::Null),
            )
        })
        .collect()
}

pub fn batch_body(boundary: &str, parts: &[(&str, &str, Option<&str>)]) -> String {
    let mut out = String::new();
    for (i, (method, path, body)) in parts.iter().enumerate() {
        out.push_str(&format!("--{boundary}\r\nContent-Type: application/http\r\nContent-ID: <item{}>\r\n\r\n{method} {path}\r\n", i + 1));
        match body {
            Some(b) => out.push_str(&format!("Content-Type: application/json\r\n\r\n{b}\r\n")),
            None => out.push_str("\r\n"),
        }
    }
    out.push_str(&format!("--{boundary}--\r\n"));
    out
}

async fn post_batch(env: &Env, token: &str, body: String) -> reqwest::Response {
    env.http
        .post(env.url("/batch/gmail/v1"))
        .bearer_auth(token)
        .header("Content-Type", "multipart/mixed; boundary=\"batch_abc\"")
        .body(body)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn batch_round_trip_with_an_error_part() {
    let env = demo().await;
    let at = env.login(ADA).await;
    let (_, list) = env
        .gmail_get(
            &at,
            "/gmail/v1/users/me/threads?labelIds=INBOX&maxResults=3",
        )
        .await;
    let ids: Vec<String> = list["threads"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap().to_string())
        .collect();
    let paths: Vec<String> = ids.iter().map(|id| format!("/gmail/v1/users/me/threads/{id}?format=metadata&metadataHeaders=From&metadataHeaders=Subject")).collect();
    let parts = vec![
        ("GET", paths[0].as_str(), None),
        (
            "GET",
            "/gmail/v1/users/me/threads/00000000000000ff?format=metadata",
            None,
        ),
        ("GET", paths[1].as_str(), None),
        (
            "POST",
            "/gmail/v1/users/me/messages/batchModify",
            Some("{\"ids\":[]}"),
        ),
        ("GET", paths[2].as_str(), None),
        ("GET", "/gmail/v1/users/me/labels/INBOX", None),
    ];
    let r = post_batch(&env, &at, batch_body("batch_abc", &parts)).await;
    assert_eq!(r.status(), 200);
    let ct = r.headers()["content-type"].to_str().unwrap().to_string();
    assert!(ct.starts_with("multipart/mixed; boundary="));
    let out = parse_batch(&ct, &r.text().await.unwrap());
    assert_eq!(out.len(), 6);
    for (i, (cid, _, _)) in out.iter().enumerate() {
        assert_eq!(
            cid.as_deref(),
            Some(format!("<response-item{}>", i + 1).as_str())
        );
    }
    let statuses: Vec<u16> = out.iter().map(|p| p.1).collect();
    assert_eq!(statuses, [200, 404, 200, 400, 200, 200]);
    assert_eq!(out[0].2["id"], ids[0]);
    assert_eq!(out[2].2["id"], ids[1]);
    assert_eq!(out[4].2["id"], ids[2]);
    assert_eq!(error_reason(&out[1].2, 404), "notFound");
    assert!(out[5].2["threadsUnread"].is_u64());

    let c = env.counters().await;
    let reqs = &c["accounts"][ADA]["requests"];
    assert_eq!(reqs["batch"], 1);
    assert_eq!(reqs["gmail.users.threads.get"], 4);
    assert_eq!(reqs["gmail.users.labels.get"], 1);
    assert_eq!(c["batch_sizes"], json!([6]));
}

#[tokio::test]
async fn batch_limits_auth_and_faults() {
    let env = demo().await;
    let at = env.login(ADA).await;
    let one = [("GET", "/gmail/v1/users/me/profile", None)];
    // Without a token every part answers 401 on its own; the outer status stays 200.
    let r = env
        .http
        .post(env.url("/batch/gmail/v1"))
        .header("Content-Type", "multipart/mixed; boundary=batch_abc")
        .body(batch_body("batch_abc", &one))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let ct = r.headers()["content-type"].to_str().unwrap().to_string();
    assert_eq!(parse_batch(&ct, &r.text().await.unwrap())[0].1, 401);

    let many: Vec<(&str, &str, Option<&str>)> = (0..101)
        .map(|_| ("GET", "/gmail/v1/users/me/profile", None))
        .collect();
    let r = post_batch(&env, &at, batch_body("batch_abc", &many)).await;
    assert_eq!(r.status(), 400);
    let r = post_batch(&env, &at, batch_body("batch_abc", &many[..100])).await;
    assert_eq!(r.status(), 200);

    env.fault(json!({"method": "gmail.users.getProfile", "status": 429, "count": 1}))
        .await;
    let r = post_batch(&env, &at, batch_body("batch_abc", &many[..2])).await;
    let ct = r.headers()["content-type"].to_str().unwrap().to_string();
    let statuses: Vec<u16> = parse_batch(&ct, &r.text().await.unwrap())
        .iter()
        .map(|p| p.1)
        .collect();
    assert_eq!(statuses, [429, 200]);

    env.fault(json!({"method": "batch", "malformed": true, "count": 1}))
        .await;
    let r = post_batch(&env, &at, batch_body("batch_abc", &many[..3])).await;
    assert_eq!(r.status(), 200);
    let ct = r.headers()["content-type"].to_str().unwrap().to_string();
    let boundary = ct.split("boundary=").nth(1).unwrap().to_string();
    assert!(
        !r.text().await.unwrap().contains(&format!("--{boundary}--")),
        "truncated: no closing delimiter"
    );
    env.fault(json!({"method": "batch", "status": 503, "count": 1}))
        .await;
    assert_eq!(
        post_batch(&env, &at, batch_body("batch_abc", &many[..3]))
            .await
            .status(),
        503
    );
}

#[tokio::test]
async fn parallel_batch_parts_meet_the_concurrency_cap() {
    let env = demo().await;
    let at = env.login(ADA).await;
    env.settings(json!({"batch_concurrency": 20, "concurrency_cap": 2}))
        .await;
    env.fault(json!({"method": "gmail.users.getProfile", "latency_ms": 500}))
        .await;
    let parts: Vec<(&str, &str, Option<&str>)> = (0..5)
        .map(|_| ("GET", "/gmail/v1/users/me/profile", None))
        .collect();
    let r = post_batch(&env, &at, batch_body("batch_abc", &parts)).await;
    let ct = r.headers()["content-type"].to_str().unwrap().to_string();
    let out = parse_batch(&ct, &r.text().await.unwrap());
    let ok = out.iter().filter(|p| p.1 == 200).count();
    let limited: Vec<_> = out.iter().filter(|p| p.1 == 429).collect();
    assert_eq!((ok, limited.len()), (2, 3), "{out:?}");
    assert_eq!(error_reason(&limited[0].2, 429), "rateLimitExceeded");
    for (i, (cid, _, _)) in out.iter().enumerate() {
        assert_eq!(
            cid.as_deref(),
            Some(format!("<response-item{}>", i + 1).as_str()),
            "order kept"
        );
    }
}
