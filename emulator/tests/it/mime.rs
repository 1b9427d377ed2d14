//! Real MIME: raw mail answers `format=full` with its true part tree (transfer encodings undone, charset bytes
//! kept), attachments through `messages.attachments.get`, enclosed messages as `message/rfc822` parts; the demo's
//! realistic mail; broken MIME degrading without an error.

use base64::engine::general_purpose::URL_SAFE;
use base64::Engine as _;
use gmux_emulator::{EmulatorConfig, Seed};
use serde_json::{json, Value};

use crate::common::*;

/// A compact picture of a part tree: `partId=mimeType[filename](children)`.
fn shape(p: &Value) -> String {
    let mut s = format!(
        "{}={}",
        p["partId"].as_str().unwrap(),
        p["mimeType"].as_str().unwrap()
    );
    let f = p["filename"].as_str().unwrap();
    if !f.is_empty() {
        s.push_str(&format!("[{f}]"));
    }
    if let Some(parts) = p["parts"].as_array() {
        let kids: Vec<String> = parts.iter().map(shape).collect();
        s.push_str(&format!("({})", kids.join(",")));
    }
    s
}

fn data(part: &Value) -> Vec<u8> {
    URL_SAFE
        .decode(
            part["body"]["data"]
                .as_str()
                .unwrap_or_else(|| panic!("no data in {part}")),
        )
        .unwrap()
}

fn header<'a>(part: &'a Value, name: &str) -> &'a str {
    part["headers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["name"].as_str().unwrap().eq_ignore_ascii_case(name))
        .unwrap_or_else(|| panic!("no {name} in {part}"))["value"]
        .as_str()
        .unwrap()
}

/// The one demo message of Ada's whose Subject is exactly `subject` (found by a word of it), in format=full.
async fn demo_message(env: &Env, at: &str, word: &str, subject: &str) -> Value {
    let (s, list) = env
        .gmail_get(
            at,
            &format!("/gmail/v1/users/me/messages?includeSpamTrash=true&q={word}"),
        )
        .await;
    assert_eq!(s, 200, "{list}");
    for m in list["messages"].as_array().into_iter().flatten() {
        let id = m["id"].as_str().unwrap();
        let (_, full) = env
            .gmail_get(at, &format!("/gmail/v1/users/me/messages/{id}?format=full"))
            .await;
        if header(&full["payload"], "Subject") == subject {
            return full;
        }
    }
    panic!("no message {subject:?} among {list}");
}

/// Every part (depth first).
fn parts(p: &Value) -> Vec<&Value> {
    let mut out = vec![p];
    for c in p["parts"].as_array().into_iter().flatten() {
        out.extend(parts(c));
    }
    out
}

#[tokio::test]
async fn an_invoice_answers_its_tree_and_its_attachments() {
    let env = demo().await;
    let at = env.login(ADA).await;
    let m = demo_message(&env, &at, "1204", "Invoice #2026-1204 and our new logo").await;
    let p = &m["payload"];
    assert_eq!(
        shape(p),
        "=multipart/mixed(0=multipart/related(0.0=multipart/alternative(0.0.0=text/plain,0.0.1=text/html),0.1=image/png[logo.png]),1=application/pdf[invoice-2026-1204.pdf])"
    );
    assert_eq!(p["body"], json!({"size": 0}), "a multipart has no body");
    assert_eq!(
        header(p, "From"),
        "Noor & Partners <hello@noor-partners.example>"
    );
    let html = &p["parts"][0]["parts"][0]["parts"][1];
    assert!(String::from_utf8(data(html))
        .unwrap()
        .contains("src=\"cid:logo-1204@noor-partners.example\""));
    let logo = &p["parts"][0]["parts"][1];
    assert_eq!(
        header(logo, "Content-ID"),
        "<logo-1204@noor-partners.example>"
    );
    assert!(
        logo["body"].get("data").is_none(),
        "attachments carry no data"
    );
    let id = m["id"].as_str().unwrap();
    for (part, magic) in [(logo, b"\x89PNG".as_slice()), (&p["parts"][1], b"%PDF-1.4")] {
        let aid = part["body"]["attachmentId"].as_str().unwrap();
        let (s, a) = env
            .gmail_get(
                &at,
                &format!("/gmail/v1/users/me/messages/{id}/attachments/{aid}"),
            )
            .await;
        assert_eq!(s, 200, "{a}");
        let bytes = URL_SAFE.decode(a["data"].as_str().unwrap()).unwrap();
        assert!(bytes.starts_with(magic));
        assert_eq!(a["size"], bytes.len());
        assert_eq!(part["body"]["size"], bytes.len());
    }
    // Errors: an unknown attachment or message is 404, a malformed message id 400.
    for (path, status) in [
        (
            format!("/gmail/v1/users/me/messages/{id}/attachments/ANGjdJnope"),
            404,
        ),
        (
            "/gmail/v1/users/me/messages/00000000000000aa/attachments/x".to_string(),
            404,
        ),
        (
            "/gmail/v1/users/me/messages/xyz/attachments/x".to_string(),
            400,
        ),
    ] {
        let (s, body) = env.gmail_get(&at, &path).await;
        assert_eq!(s, status, "{path}: {body}");
        error_reason(&body, status);
    }
    // Every call is counted under its discovery id, the failed ones too.
    let c = env.counters().await;
    assert_eq!(
        c["accounts"][ADA]["requests"]["gmail.users.messages.attachments.get"],
        5
    );
}

#[tokio::test]
async fn a_forwarded_message_is_a_message_rfc822_part_around_the_inner_root() {
    let env = demo().await;
    let at = env.login(ADA).await;
    let m = demo_message(&env, &at, "Venue", "Fwd: Venue confirmation").await;
    let p = &m["payload"];
    assert_eq!(
        shape(p),
        "=multipart/mixed(0=text/plain,1=message/rfc822(1.0=multipart/alternative(1.0.0=text/plain,1.0.1=text/html)))"
    );
    let enclosed = &p["parts"][1];
    assert!(enclosed["body"]["size"].as_u64().unwrap() > 100);
    assert!(enclosed["body"].get("data").is_none());
    let inner = &enclosed["parts"][0];
    assert_eq!(
        header(inner, "Subject"),
        "Venue confirmation – booking #7781"
    );
    assert_eq!(
        header(inner, "From"),
        "Harbour Hall Bookings <bookings@venue.example>"
    );
    // Quoted-printable undone: the en dash is its UTF-8 bytes.
    let text = String::from_utf8(data(&inner["parts"][0])).unwrap();
    assert!(text.contains("Harbour Hall – Bookings"), "{text}");
    assert!(m["snippet"]
        .as_str()
        .unwrap()
        .starts_with("FYI, the venue confirmed."));
}

#[tokio::test]
async fn charset_bytes_are_kept_and_headers_and_snippets_decoded() {
    let env = demo().await;
    let at = env.login(ADA).await;
    let cases: [(&str, &str, &str, &[u8], &str); 3] = [
        (
            "bonjour",
            "Le « menu d’hiver » est arrivé – 12 €",
            "Café Société <bonjour@cafe.example.fr>",
            b"pour 12 \x80", // the euro sign in Windows-1252
            "Chère cliente",
        ),
        (
            "ivan.petrov",
            "Отчёт за квартал",
            "Иван Петров <ivan.petrov@example.ru>",
            b"\xe4\xcf\xc2\xd2\xd9\xca", // "Добрый" in KOI8-R
            "Добрый день!",
        ),
        (
            "taro.yamada",
            "打ち合わせの日程について",
            "山田太郎 <taro.yamada@example.jp>",
            b"\x1b$B", // ISO-2022-JP's switch to JIS X 0208
            "いつもお世話になっております。",
        ),
    ];
    for (word, subject, from, raw_bytes, snippet) in cases {
        // Found by the sender's address, which is ASCII whatever the charset.
        let m = demo_message(&env, &at, word, subject).await;
        let p = &m["payload"];
        assert_eq!(header(p, "From"), from);
        let body = data(p);
        assert!(
            body.windows(raw_bytes.len()).any(|w| w == raw_bytes),
            "{subject}: {body:?}"
        );
        assert!(m["snippet"].as_str().unwrap().starts_with(snippet), "{m}");
    }
}

#[tokio::test]
async fn the_newsletter_shows_images_the_emulator_serves() {
    let env = demo().await;
    let at = env.login(ADA).await;
    let m = demo_message(&env, &at, "digest", "The Monthly Digest: November picks").await;
    assert_eq!(
        shape(&m["payload"]),
        "=multipart/alternative(0=text/plain,1=text/html)"
    );
    assert!(m["labelIds"]
        .as_array()
        .unwrap()
        .contains(&json!("CATEGORY_PROMOTIONS")));
    let html = String::from_utf8(data(&m["payload"]["parts"][1])).unwrap();
    let banner = format!("{}/_emulator/assets/banner.png", env.base);
    assert!(html.contains(&format!("<img src=\"{banner}\"")), "{html}");
    let r = env.http.get(&banner).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "image/png");
    assert!(r.bytes().await.unwrap().starts_with(b"\x89PNG"));
    let missing = env
        .http
        .get(env.url("/_emulator/assets/nope.png"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
}

#[tokio::test]
async fn the_offsite_thread_quotes_like_gmail() {
    let env = demo().await;
    let at = env.login(ADA).await;
    let first = demo_message(&env, &at, "offsite", "Offsite agenda").await;
    let tid = first["threadId"].as_str().unwrap();
    let (s, thread) = env
        .gmail_get(
            &at,
            &format!("/gmail/v1/users/me/threads/{tid}?format=full"),
        )
        .await;
    assert_eq!(s, 200);
    let msgs = thread["messages"].as_array().unwrap();
    assert_eq!(msgs.len(), 3);
    assert_eq!(msgs[1]["labelIds"], json!(["SENT"]));
    let last = String::from_utf8(data(&msgs[2]["payload"])).unwrap();
    assert!(last.starts_with("Sure, swapped."), "{last}");
    assert!(last.contains(" wrote:\r\n> Looks good."), "{last}");
    assert!(last.contains("\r\n>> 1. Roadmap review"), "{last}");
    assert_eq!(
        header(&msgs[2]["payload"], "In-Reply-To"),
        "<offsite-2@mail.gmux.test>"
    );
}

/// Broken MIME never breaks a call: each case is seeded raw and read in every format.
#[tokio::test]
async fn broken_mime_degrades_without_an_error() {
    let mut deep = String::from("Subject: deep\r\n");
    for level in 0..150 {
        deep.push_str(&format!(
            "Content-Type: multipart/mixed; boundary=\"d{level}x\"\r\n\r\n--d{level}x\r\n"
        ));
    }
    deep.push_str("Content-Type: text/plain\r\n\r\nbottom\r\n");
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (
            b"Subject: no end\r\nContent-Type: multipart/mixed; boundary=a\r\n\r\n--a\r\nContent-Type: text/plain\r\n\r\nfirst\r\n--a\r\nContent-Type: text/html\r\n\r\n<p>cut".to_vec(),
            "=multipart/mixed(0=text/plain,1=text/html)",
        ),
        (
            b"Subject: no boundary\r\nContent-Type: multipart/alternative\r\n\r\nopaque body".to_vec(),
            "=text/plain",
        ),
        (
            b"Subject: bad base64\r\nContent-Type: application/pdf; name=x.pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n%%%% not base64 !!!\r\n".to_vec(),
            "=application/pdf[x.pdf]",
        ),
        (
            b"Subject: unknown charset\r\nContent-Type: text/plain; charset=x-martian\r\n\r\n\xff\xfe odd bytes".to_vec(),
            "=text/plain",
        ),
        (deep.into_bytes(), ""),
    ];
    let threads: Vec<Value> = cases
        .iter()
        .map(|(raw, _)| json!({"messages": [{"raw": URL_SAFE.encode(raw), "labels": ["INBOX"]}]}))
        .collect();
    let seed: Seed = serde_json::from_value(
        json!({"accounts": [{"email": "broken@example.com", "threads": threads}]}),
    )
    .unwrap();
    let env = start_with(EmulatorConfig {
        seed: Some(seed),
        auto_consent: true,
        ..Default::default()
    })
    .await;
    let at = env.login("broken@example.com").await;
    let (_, list) = env.gmail_get(&at, "/gmail/v1/users/me/messages").await;
    let ids: Vec<&str> = list["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), cases.len());
    for id in ids {
        for format in ["full", "raw", "metadata", "minimal"] {
            let (s, m) = env
                .gmail_get(
                    &at,
                    &format!("/gmail/v1/users/me/messages/{id}?format={format}"),
                )
                .await;
            assert_eq!(s, 200, "{id} {format}: {m}");
        }
        let (_, m) = env
            .gmail_get(
                &at,
                &format!("/gmail/v1/users/me/messages/{id}?format=full"),
            )
            .await;
        let subject = header(&m["payload"], "Subject").to_string();
        let want = cases
            .iter()
            .find(|(raw, _)| raw.starts_with(format!("Subject: {subject}").as_bytes()))
            .map(|c| c.1)
            .unwrap();
        if want.is_empty() {
            // The deep one: split down to the cap (50 levels), the rest one opaque part.
            assert_eq!(parts(&m["payload"]).len(), 51, "{m}");
        } else {
            assert_eq!(shape(&m["payload"]), want, "{subject}");
        }
    }
}

#[tokio::test]
async fn built_mail_keeps_its_simple_parts_and_attachments_answer_too() {
    let env = start_with(EmulatorConfig {
        seed: Some(example_seed()),
        auto_consent: true,
        ..Default::default()
    })
    .await;
    let email = example_seed().accounts[0].email.clone();
    let at = env.login(&email).await;
    let (_, list) = env
        .gmail_get(&at, "/gmail/v1/users/me/messages?q=has:attachment")
        .await;
    let id = list["messages"][0]["id"].as_str().unwrap();
    let (_, m) = env
        .gmail_get(&at, &format!("/gmail/v1/users/me/messages/{id}"))
        .await;
    let att = parts(&m["payload"])
        .into_iter()
        .find(|p| p["body"]["attachmentId"].is_string())
        .unwrap()
        .clone();
    let (s, a) = env
        .gmail_get(
            &at,
            &format!(
                "/gmail/v1/users/me/messages/{id}/attachments/{}",
                att["body"]["attachmentId"].as_str().unwrap()
            ),
        )
        .await;
    assert_eq!(s, 200, "{a}");
    assert_eq!(a["size"], att["body"]["size"]);
    assert!(!URL_SAFE
        .decode(a["data"].as_str().unwrap())
        .unwrap()
        .is_empty());
}
