//! Malformed input gets Google-shaped 4xx answers: never a 500, never a hang.

use std::time::Duration;

use serde_json::Value;

use crate::batch::batch_body;
use crate::common::*;

fn timed_client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

#[tokio::test]
async fn malformed_requests_get_google_shaped_4xx() {
    let env = demo().await;
    let at = env.login(ADA).await;
    let http = timed_client();
    let big = "x".repeat(5 * 1024 * 1024);
    let m = "/gmail/v1/users/me/messages";
    // (method, path, (content type, body), expected status)
    type Case<'a> = (&'a str, String, Option<(&'a str, String)>, u16);
    let cases: Vec<Case> =
        vec![
        ("GET", format!("{m}/not-hex"), None, 400),
        ("GET", format!("{m}/{}", "a".repeat(200)), None, 400),
        ("GET", format!("{m}/%ZZ"), None, 400),
        ("GET", format!("{m}?pageToken=garbage"), None, 400),
        ("GET", format!("{m}?pageToken=%00%01"), None, 400),
        ("GET", format!("{m}?maxResults=-3"), None, 400),
        ("GET", format!("{m}?maxResults=lots"), None, 400),
        ("GET", format!("{m}?includeSpamTrash=perhaps"), None, 400),
        ("GET", format!("{m}?fields=messages(id"), None, 400),
        ("GET", format!("{m}?fields=)("), None, 400),
        ("GET", format!("{m}?alt=proto"), None, 400),
        (
            "GET",
            "/gmail/v1/users/me/threads?q=((((%22unbalanced".to_string(),
            None,
            200,
        ),
        (
            "GET",
            "/gmail/v1/users/me/history?startHistoryId=abc".to_string(),
            None,
            400,
        ),
        (
            "GET",
            "/gmail/v1/users/me/history?startHistoryId=1&historyTypes=bogus".to_string(),
            None,
            400,
        ),
        (
            "GET",
            "/gmail/v1/users/me/history?startHistoryId=99999999999999999999999".to_string(),
            None,
            400,
        ),
        ("GET", "/gmail/v1/users/me/unknown".to_string(), None, 404),
        ("GET", format!("{m}?q=after:99999999999999999+before:99999/99/99+after:-5"), None, 200),
        ("GET", format!("{m}?q={}x", "-".repeat(50_000)), None, 200),
        ("GET", format!("{m}?fields={}id{}", "a(".repeat(5_000), ")".repeat(5_000)), None, 400),
        ("GET", format!("{m}?fields={}id", "a/".repeat(10_000)), None, 400),
        ("DELETE", format!("{m}/00000000000000aa"), None, 404),
        (
            "POST",
            format!("{m}/00000000000000aa/modify"),
            Some(("application/json", "{not json".into())),
            400,
        ),
        (
            "POST",
            format!("{m}/00000000000000aa/modify"),
            Some(("application/json", "[1,2]".into())),
            400,
        ),
        (
            "POST",
            format!("{m}/batchModify"),
            Some((
                "application/json",
                "{\"ids\":[\"zz\"],\"addLabelIds\":[\"STARRED\"]}".into(),
            )),
            400,
        ),
        (
            "POST",
            format!("{m}/batchModify"),
            Some(("application/json", "{\"ids\":\"x\"}".into())),
            400,
        ),
        (
            "POST",
            format!("{m}/batchModify"),
            Some(("application/json", big.clone())),
            413,
        ),
        (
            "POST",
            "/batch/gmail/v1".into(),
            Some(("text/plain", "hello".into())),
            400,
        ),
        (
            "POST",
            "/batch/gmail/v1".into(),
            Some(("multipart/mixed; boundary=b", "no parts here".into())),
            400,
        ),
        (
            "POST",
            "/batch/gmail/v1".into(),
            Some((
                "multipart/mixed; boundary=b",
                "--b\r\nContent-Type: application/http\r\n\r\nGET /gmail/v1/users/me/profile\r\n"
                    .into(),
            )),
            400,
        ),
        (
            "POST",
            "/batch/gmail/v1".into(),
            Some((
                "multipart/mixed; boundary=b",
                "--b\r\nContent-Type: application/http\r\n\r\n\r\n--b--".into(),
            )),
            400,
        ),
        (
            "POST",
            "/batch/gmail/v1".into(),
            Some(("multipart/mixed; boundary=", "--\r\n".into())),
            400,
        ),
        (
            "POST",
            "/batch/gmail/v1".into(),
            Some(("multipart/mixed; boundary=b", big.clone())),
            413,
        ),
        (
            "POST",
            "/token".into(),
            Some(("application/x-www-form-urlencoded", "%%%&&&==".into())),
            400,
        ),
        (
            "POST",
            "/token".into(),
            Some(("application/x-www-form-urlencoded", big.clone())),
            413,
        ),
        (
            "POST",
            "/revoke".into(),
            Some(("application/x-www-form-urlencoded", "".into())),
            400,
        ),
        ("GET", "/o/oauth2/v2/auth?%FF%FE=1".into(), None, 400),
        (
            "POST",
            "/o/oauth2/v2/auth/consent".into(),
            Some(("application/x-www-form-urlencoded", "request=nope".into())),
            400,
        ),
        (
            "POST",
            "/_emulator/deliver".into(),
            Some(("application/json", "{".into())),
            400,
        ),
        ("GET", "/nothing/here".into(), None, 404),
    ];
    for (method, path, body, want) in cases {
        let mut req = http
            .request(method.parse().unwrap(), env.url(&path))
            .bearer_auth(&at);
        if let Some((ct, b)) = body {
            req = req.header("Content-Type", ct).body(b);
        }
        let r = req
            .send()
            .await
            .unwrap_or_else(|e| panic!("{method} {path}: {e}"));
        let status = r.status().as_u16();
        let text = r.text().await.unwrap();
        assert_eq!(
            status,
            want,
            "{method} {}: {}",
            &path[..path.len().min(80)],
            &text[..text.len().min(300)]
        );
        if want >= 400 && (path.starts_with("/gmail/") || path.starts_with("/batch/")) {
            let v: Value = serde_json::from_str(&text).unwrap();
            assert_eq!(v["error"]["code"], want, "{path}");
        }
    }
    // The batch's inner parts are just as strict.
    let body = batch_body(
        "b",
        &[
            ("GET", "/gmail/v1/users/me/messages/zz", None),
            ("PUT", "/elsewhere", None),
        ],
    );
    let r = http
        .post(env.url("/batch/gmail/v1"))
        .bearer_auth(&at)
        .header("Content-Type", "multipart/mixed; boundary=b")
        .body(body)
        .send()
        .await
        .unwrap();
    let text = r.text().await.unwrap();
    assert!(
        text.contains("HTTP/1.1 400 Bad Request") && text.contains("HTTP/1.1 404 Not Found"),
        "{text}"
    );
}

/// Deterministic garbage in paths, queries and bodies: every answer is below 500 and arrives.
#[tokio::test]
async fn random_garbage_never_gets_a_500() {
    let env = demo().await;
    let at = env.login(ADA).await;
    let http = timed_client();
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let alphabet: Vec<char> = "abcdefXYZ0189%/?&=(),*:-_ \"'<>{}[]\\.~é中\u{0}"
        .chars()
        .collect();
    let prefixes = [
        "/gmail/v1/users/me/",
        "/gmail/v1/users/me/messages/",
        "/gmail/v1/users/me/threads?",
        "/gmail/v1/users/me/history?startHistoryId=1&",
        "/batch/gmail/v1",
        "/token",
        "/_emulator/",
        "/o/oauth2/v2/auth?",
    ];
    for i in 0..300 {
        let len = (next() % 40) as usize;
        let junk: String = (0..len)
            .map(|_| alphabet[(next() % alphabet.len() as u64) as usize])
            .collect();
        let encoded: String = url::form_urlencoded::byte_serialize(junk.as_bytes()).collect();
        let prefix = prefixes[i % prefixes.len()];
        let path = if i % 3 == 0 {
            format!("{prefix}{encoded}")
        } else {
            format!("{prefix}fields={encoded}&q={encoded}&pageToken={encoded}")
        };
        let post = i % 2 == 0;
        let req = if post {
            http.post(env.url(&path))
                .header(
                    "Content-Type",
                    if i % 4 == 0 {
                        "multipart/mixed; boundary=a"
                    } else {
                        "application/json"
                    },
                )
                .body(junk.clone())
        } else {
            http.get(env.url(&path))
        };
        let r = req
            .bearer_auth(&at)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{path}: {e}"));
        assert!(r.status().as_u16() < 500, "{} {path} {junk:?}", r.status());
    }
    // And the emulator still works afterwards.
    assert_eq!(
        env.gmail_get(&at, "/gmail/v1/users/me/profile").await.0,
        200
    );
}
