//! Mail seeded from raw RFC 822 bytes (`raw`, as messages.insert takes it): the API answers decoded headers, an
//! HTML-escaped snippet and the source byte for byte, as Gmail does; broken encodings stay readable, and 8-bit
//! header bytes read as Windows-1252.

use base64::engine::general_purpose::{URL_SAFE, URL_SAFE_NO_PAD};
use base64::Engine as _;
use gmux_emulator::{EmulatorConfig, Seed};
use serde_json::{json, Value};

use crate::common::*;

const OWNER: &str = "raw.owner@example.com";

/// Each case: the raw source, and the Subject and From the API must answer, and the snippet.
const CASES: &[(&[u8], &str, &str, &str)] = &[
    (
        b"From: =?UTF-8?Q?J=C3=B6rg_<b>Bold</b>?= <jorg@example.org>\r\nTo: raw.owner@example.com\r\nSubject: =?UTF-8?B?8J+YgyA8c2NyaXB0PmFsZXJ0KDEpPC9zY3JpcHQ+?=\r\n =?UTF-8?Q?_&_more?=\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHi <img src=x onerror=alert(1)> & 'bye'\r\n",
        "😃 <script>alert(1)</script> & more",
        "Jörg <b>Bold</b> <jorg@example.org>",
        "Hi &lt;img src=x onerror=alert(1)&gt; &amp; &#39;bye&#39;",
    ),
    (
        b"From: =?x-klingon?Q?Qapla=27?= <k@example.org>\r\nSubject: =?UTF-8?B?dHJ1bmNhdGVk\r\nContent-Type: text/plain\r\n\r\nunknown charset and a cut-off word\r\n",
        "=?UTF-8?B?dHJ1bmNhdGVk",
        "=?x-klingon?Q?Qapla=27?= <k@example.org>",
        "unknown charset and a cut-off word",
    ),
    (
        b"From: Fran\xe7ois <f@example.org>\r\nSubject: caf\xe9 cr\xe8me\r\nContent-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nd=E9j=E0 vu\r\n",
        "café crème",
        "François <f@example.org>",
        "déjà vu",
    ),
];

fn raw_seed() -> Seed {
    let threads: Vec<Value> = CASES
        .iter()
        .enumerate()
        .map(|(i, (raw, ..))| {
            // Both paddings are accepted, as Gmail accepts both.
            let raw = if i % 2 == 0 {
                URL_SAFE.encode(raw)
            } else {
                URL_SAFE_NO_PAD.encode(raw)
            };
            json!({"messages": [{"raw": raw, "date": format!("2026-11-2{i}T10:00:00Z"), "labels": ["INBOX", "UNREAD"]}]})
        })
        .collect();
    serde_json::from_value(json!({"accounts": [{"email": OWNER, "threads": threads}]})).unwrap()
}

fn header<'a>(message: &'a Value, name: &str) -> &'a str {
    message["payload"]["headers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["name"] == name)
        .unwrap_or_else(|| panic!("no {name} in {message}"))["value"]
        .as_str()
        .unwrap()
}

#[tokio::test]
async fn raw_mail_answers_decoded_headers_escaped_snippets_and_its_own_bytes() {
    let env = start_with(EmulatorConfig {
        seed: Some(raw_seed()),
        auto_consent: true,
        ..Default::default()
    })
    .await;
    let at = env.login(OWNER).await;
    let (s, list) = env
        .gmail_get(&at, "/gmail/v1/users/me/messages?labelIds=INBOX")
        .await;
    assert_eq!(s, 200, "{list}");
    let ids: Vec<String> = list["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids.len(), CASES.len());
    // Newest first: the cases were seeded on increasing dates.
    for (id, (raw, subject, from, snippet)) in ids.iter().rev().zip(CASES) {
        let (s, m) = env
            .gmail_get(
                &at,
                &format!("/gmail/v1/users/me/messages/{id}?format=metadata&metadataHeaders=Subject&metadataHeaders=From"),
            )
            .await;
        assert_eq!(s, 200, "{m}");
        assert_eq!(header(&m, "Subject"), *subject);
        assert_eq!(header(&m, "From"), *from);
        assert_eq!(m["snippet"], *snippet);
        assert_eq!(m["payload"]["mimeType"], "text/plain");
        assert_eq!(m["sizeEstimate"], raw.len());

        let (s, full) = env
            .gmail_get(
                &at,
                &format!("/gmail/v1/users/me/messages/{id}?format=full"),
            )
            .await;
        assert_eq!(s, 200, "{full}");
        assert_eq!(header(&full, "Subject"), *subject);

        let (s, source) = env
            .gmail_get(&at, &format!("/gmail/v1/users/me/messages/{id}?format=raw"))
            .await;
        assert_eq!(s, 200, "{source}");
        let bytes = URL_SAFE.decode(source["raw"].as_str().unwrap()).unwrap();
        assert_eq!(bytes, *raw, "format=raw answers the bytes as given");
    }

    // Search reads the decoded headers.
    let (s, found) = env
        .gmail_get(&at, "/gmail/v1/users/me/messages?q=subject:more")
        .await;
    assert_eq!(s, 200);
    assert_eq!(
        found["messages"].as_array().map(Vec::len),
        Some(1),
        "{found}"
    );
}

#[tokio::test]
async fn a_raw_message_that_is_not_base64url_or_also_has_fields_is_refused() {
    for message in [
        json!({"raw": "U3ViamVjdDogaGk+/w=="}),
        json!({"raw": "U3ViamVjdDogaGk", "subject": "two subjects"}),
        json!({"subject": "no sender"}),
    ] {
        let seed: Seed = serde_json::from_value(
            json!({"accounts": [{"email": OWNER, "threads": [{"messages": [message.clone()]}]}]}),
        )
        .unwrap();
        let err = gmux_emulator::Emulator::start(EmulatorConfig {
            seed: Some(seed),
            ..Default::default()
        })
        .await
        .err()
        .unwrap_or_else(|| panic!("{message} was accepted"));
        assert!(err.to_string().starts_with("invalid seed: "), "{err}");
    }
}

#[tokio::test]
async fn raw_mail_can_be_delivered_and_arrives_in_history() {
    let env = start_with(EmulatorConfig {
        seed: Some(raw_seed()),
        auto_consent: true,
        ..Default::default()
    })
    .await;
    let at = env.login(OWNER).await;
    let (_, profile) = env.gmail_get(&at, "/gmail/v1/users/me/profile").await;
    let start = profile["historyId"].as_str().unwrap().to_string();
    let (raw, subject, from, snippet) = CASES[0];
    let delivered = env
        .control(
            "POST",
            "deliver",
            json!({"account": OWNER, "raw": URL_SAFE.encode(raw)}),
        )
        .await;
    let id = delivered["id"].as_str().unwrap();
    let (s, history) = env
        .gmail_get(
            &at,
            &format!("/gmail/v1/users/me/history?startHistoryId={start}"),
        )
        .await;
    assert_eq!(s, 200, "{history}");
    assert_eq!(
        history["history"][0]["messagesAdded"][0]["message"]["id"], id,
        "{history}"
    );
    let (_, m) = env
        .gmail_get(
            &at,
            &format!("/gmail/v1/users/me/messages/{id}?format=metadata"),
        )
        .await;
    assert_eq!(header(&m, "Subject"), subject);
    assert_eq!(header(&m, "From"), from);
    assert_eq!(m["snippet"], snippet);
    assert_eq!(m["labelIds"], json!(["INBOX", "UNREAD"]));

    // Raw and built fields together, or raw that is not base64url, are refused.
    for body in [
        json!({"account": OWNER, "raw": URL_SAFE.encode(raw), "subject": "two"}),
        json!({"account": OWNER, "raw": "a+b/"}),
    ] {
        let r = env
            .http
            .post(env.url("/_emulator/deliver"))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400, "{body}");
    }
}
