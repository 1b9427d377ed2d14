//! Messages walked into views: the recorded-shape thread in `tests/fixtures/messages/thread-full.json`, raw
//! RFC 822 files, and hostile shapes built here (deep nesting, huge parts, unknown charsets, cut-off parts).

use super::EncodingRs;
use gmux_mail::charset::BuiltIn;
use gmux_mail::mime::headers::Mailbox;
use gmux_mail::mime::{
    read_message_json, read_raw, read_thread_json, Body, MessageView, Notice, NoticeKind,
    ReadOptions,
};
use gmux_mail::sanitize::inert::check_inert;
use serde_json::json;
use std::collections::BTreeMap;

fn mb(name: &str, address: &str) -> Mailbox {
    Mailbox {
        name: name.into(),
        address: address.into(),
    }
}

fn b64url(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn document(view: &MessageView) -> &str {
    match &view.body {
        Body::Html { document, .. } => {
            if let Err(e) = check_inert(document, false) {
                panic!("not inert: {e}\n{document}");
            }
            document
        }
        other => panic!("not HTML: {other:?}"),
    }
}

fn text(view: &MessageView) -> Vec<(String, bool)> {
    match &view.body {
        Body::Text { segments } => segments
            .iter()
            .map(|s| (s.text.clone(), s.quoted))
            .collect(),
        other => panic!("not text: {other:?}"),
    }
}

fn thread() -> String {
    String::from_utf8(super::fixture("messages/thread-full.json")).unwrap_or_default()
}

#[test]
fn a_reply_shows_its_headers_and_html_with_the_quote_folded() {
    let view = read_thread_json(&thread(), &EncodingRs, &ReadOptions::default())
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(view.thread_id, "t1");
    assert_eq!(view.messages.len(), 2);
    let m = &view.messages[0];
    assert_eq!((m.id.as_str(), m.thread_id.as_str()), ("m2", "t1"));
    assert_eq!(m.label_ids, vec!["INBOX", "UNREAD"]);
    assert_eq!(m.date_ms, Some(1_751_359_957_000));
    assert_eq!(m.from, Some(mb("Ann Example", "ann@x.test")));
    assert_eq!(
        m.to,
        vec![mb("", "bob@x.test"), mb("Doe, Jane", "jane@x.test")]
    );
    assert_eq!(m.cc, vec![mb("José", "jose@x.test")]);
    assert_eq!(m.subject, "Re: Lunch 🍕");
    assert_eq!(m.snippet, "Sure, noon works & I'll bring cake");
    assert_eq!(
        (m.message_id.as_str(), m.in_reply_to.as_str()),
        ("<m2@x.test>", "<m1@x.test>")
    );
    assert!(m.has_alternative);
    let doc = document(m);
    assert!(
        doc.contains("Sure, noon works &amp; I'll bring cake</div><details class=\"gmux-quote\">"),
        "{doc}"
    );
    assert!(!doc.contains("alert"));
    assert!(matches!(
        m.body,
        Body::Html {
            has_quote: true,
            remote_blocked: 0,
            ..
        }
    ));
    assert!(m.attachments.is_empty() && m.notices.is_empty(), "{m:?}");

    // The same message with plain text preferred: the attribution and `>` lines fold.
    let plain = ReadOptions {
        prefer_plain: true,
        ..ReadOptions::default()
    };
    let view = read_thread_json(&thread(), &EncodingRs, &plain).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        text(&view.messages[0]),
        vec![
            ("Sure, noon works & I'll bring cake\n\n".to_string(), false),
            ("On Mon, Bob wrote:\n> Lunch?\n".to_string(), true)
        ]
    );
}

#[test]
fn related_images_attachments_and_a_forwarded_message() {
    let view = read_thread_json(&thread(), &EncodingRs, &ReadOptions::default())
        .unwrap_or_else(|e| panic!("{e}"));
    let m = &view.messages[1];
    let doc = document(m);
    // ISO-8859-1 body, the inline PNG from the payload, the big image waiting for its attachment.
    assert!(
        doc.contains("<p>Café photo: <img src=\"data:image/png;base64,iVBORw0KGgoAAAANSUhEUg==\">"),
        "{doc}"
    );
    let Body::Html {
        missing_cids,
        remote_blocked,
        ..
    } = &m.body
    else {
        unreachable!()
    };
    assert_eq!(missing_cids, &vec!["big@x".to_string()]);
    assert_eq!(*remote_blocked, 1);
    let cids: Vec<(&str, Option<&str>)> = m
        .inline_images
        .iter()
        .map(|i| (i.content_id.as_str(), i.attachment_id.as_deref()))
        .collect();
    assert_eq!(
        cids,
        vec![
            ("photo@x", None),
            ("big@x", Some("ATT-big")),
            ("unused@x", Some("ATT-unused"))
        ]
    );
    // The unused inline image is a file like the PDF, whose hostile name is made safe.
    let files: Vec<(&str, &str, u64, Option<&str>, &str)> = m
        .attachments
        .iter()
        .map(|a| {
            (
                a.file_name.as_str(),
                a.mime_type.as_str(),
                a.size,
                a.attachment_id.as_deref(),
                a.part_id.as_str(),
            )
        })
        .collect();
    assert_eq!(
        files,
        vec![
            (
                "_evil_fdp.exe",
                "application/pdf",
                12345,
                Some("ATT-pdf"),
                "1"
            ),
            ("unused.gif", "image/gif", 10, Some("ATT-unused"), "0.3"),
        ]
    );
    assert_eq!(m.forwarded.len(), 1);
    let inner = &m.forwarded[0];
    assert_eq!(inner.from, Some(mb("Carol", "carol@x.test")));
    assert_eq!(inner.subject, "Original");
    assert_eq!(inner.date_ms, Some(1_751_270_400_000));
    assert_eq!(text(inner), vec![("Привет".to_string(), false)]);

    // Once the page has fetched the big image, reading again with it shows it.
    let options = ReadOptions {
        cid_images: BTreeMap::from([(
            "big@x".to_string(),
            "data:image/jpeg;base64,/9j/".to_string(),
        )]),
        ..ReadOptions::default()
    };
    let view = read_thread_json(&thread(), &EncodingRs, &options).unwrap_or_else(|e| panic!("{e}"));
    let m = &view.messages[1];
    assert!(document(m).contains("<img src=\"data:image/jpeg;base64,/9j/\">"));
    assert!(matches!(&m.body, Body::Html { missing_cids, .. } if missing_cids.is_empty()));
    // With remote content allowed, the pixel is shown and nothing is counted.
    let remote = ReadOptions {
        allow_remote: true,
        ..ReadOptions::default()
    };
    let view = read_thread_json(&thread(), &EncodingRs, &remote).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        matches!(&view.messages[1].body, Body::Html { remote_blocked: 0, document, .. } if document.contains("https://t.test/pixel.gif"))
    );
}

#[test]
fn raw_mail_is_read_like_gmail_json() {
    let view = read_raw(
        &super::fixture("messages/raw-mixed.eml"),
        &EncodingRs,
        &ReadOptions::default(),
    );
    assert_eq!(view.from, Some(mb("André", "andre@x.test")));
    assert_eq!(view.subject, "Café menu");
    assert_eq!(view.date_ms, Some(1_751_446_800_000));
    // Quoted-printable, ISO-8859-1 and format=flowed undone.
    assert_eq!(
        text(&view),
        vec![("Le menu du café est joint. Merci".to_string(), false)]
    );
    assert_eq!(view.attachments.len(), 1);
    let pdf = &view.attachments[0];
    assert_eq!(
        (pdf.file_name.as_str(), pdf.mime_type.as_str(), pdf.size),
        ("menu €.pdf", "application/pdf", 15)
    );
    assert_eq!(pdf.content_base64.as_deref(), Some("JVBERi0xLjQKJSVFT0YK"));
    assert_eq!(view.forwarded.len(), 1);
    assert_eq!(view.forwarded[0].subject, "Inner");
    let doc = document(&view.forwarded[0]);
    assert!(doc.contains("<p>inner <b>html</b></p>"), "{doc}");
    assert!(view.notices.is_empty(), "{:?}", view.notices);

    // A format=raw answer goes the same way.
    let json = json!({"id": "r1", "threadId": "t9", "labelIds": ["INBOX"], "raw": b64url(&super::fixture("messages/raw-mixed.eml"))});
    let from_json = read_message_json(&json.to_string(), &EncodingRs, &ReadOptions::default())
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        (from_json.id.as_str(), from_json.subject.as_str()),
        ("r1", "Café menu")
    );
    assert_eq!(from_json.body, view.body);
}

#[test]
fn a_cut_off_message_shows_what_arrived() {
    let view = read_raw(
        &super::fixture("messages/raw-cut-off.eml"),
        &BuiltIn,
        &ReadOptions::default(),
    );
    let doc = document(&view);
    assert!(doc.contains("<p>html part</p>"), "{doc}");
    assert!(
        view.notices
            .iter()
            .any(|n| n.kind() == NoticeKind::Unreadable),
        "{:?}",
        view.notices
    );
}

fn leaf(mime: &str, headers: serde_json::Value, data: &[u8]) -> serde_json::Value {
    json!({"mimeType": mime, "headers": headers, "body": {"size": data.len(), "data": b64url(data)}})
}

fn message(payload: serde_json::Value) -> String {
    json!({"id": "h1", "threadId": "h1", "payload": payload}).to_string()
}

#[test]
fn hundred_deep_nesting_shows_the_top_and_a_notice() {
    let mut part = leaf("text/plain", json!([]), b"deepest");
    for _ in 0..100 {
        part = json!({"mimeType": "multipart/mixed", "parts": [part, leaf("text/plain", json!([]), b"level")]});
    }
    let view = read_message_json(&message(part), &BuiltIn, &ReadOptions::default())
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        view.notices
            .iter()
            .any(|n| n.kind() == NoticeKind::TooComplex),
        "{:?}",
        view.notices
    );
    let shown: String = text(&view).into_iter().map(|(t, _)| t).collect();
    assert!(shown.starts_with("level\n\nlevel"), "{shown}");
    assert!(!shown.contains("deepest"));

    // The same nesting as raw mail, and as forwarded messages inside forwarded messages.
    let mut raw = b"Content-Type: text/plain\r\n\r\ndeepest".to_vec();
    for i in 0..100 {
        let mut outer =
            format!("Content-Type: multipart/mixed; boundary=b{i}\r\n\r\n--b{i}\r\n").into_bytes();
        outer.extend_from_slice(&raw);
        outer.extend_from_slice(format!("\r\n--b{i}--\r\n").as_bytes());
        raw = outer;
    }
    let view = read_raw(&raw, &BuiltIn, &ReadOptions::default());
    assert!(view
        .notices
        .iter()
        .any(|n| n.kind() == NoticeKind::TooComplex));
    let mut fwd = b"Subject: 0\r\n\r\nbottom".to_vec();
    for i in 1..100 {
        let mut outer =
            format!("Subject: {i}\r\nContent-Type: message/rfc822\r\n\r\n").into_bytes();
        outer.extend_from_slice(&fwd);
        fwd = outer;
    }
    let view = read_raw(&fwd, &BuiltIn, &ReadOptions::default());
    let mut depth = 0;
    let mut v = &view;
    while let Some(inner) = v.forwarded.first() {
        v = inner;
        depth += 1;
    }
    assert!(depth < 40, "{depth}");
    let mut any_notice = view.notices.clone();
    let mut v = &view;
    while let Some(inner) = v.forwarded.first() {
        any_notice.extend(inner.notices.clone());
        v = inner;
    }
    assert!(any_notice
        .iter()
        .any(|n| n.kind() == NoticeKind::TooComplex));
}

#[test]
fn a_20_mb_html_part_shows_its_start() {
    let mut html = b"<p>start</p>".to_vec();
    html.extend(std::iter::repeat_n(b'x', 20 << 20));
    let payload = leaf(
        "text/html",
        json!([{"name": "Content-Type", "value": "text/html; charset=utf-8"}]),
        &html,
    );
    let view = read_message_json(&message(payload), &BuiltIn, &ReadOptions::default())
        .unwrap_or_else(|e| panic!("{e}"));
    let doc = document(&view);
    assert!(doc.contains("<p>start</p>"));
    assert!(doc.len() < 3 << 20, "{}", doc.len());
    // Cut at the HTML cap, and said once with the size shown.
    assert_eq!(
        view.notices,
        vec![Notice::TextCut {
            shown_bytes: gmux_mail::sanitize::MAX_HTML_BYTES as u64
        }]
    );
}

#[test]
fn unknown_charsets_and_bad_parts_get_plain_notices() {
    let payload = json!({"mimeType": "multipart/mixed", "parts": [
        leaf("text/plain", json!([{"name": "Content-Type", "value": "text/plain; charset=x-martian"}]), b"hello"),
        {"mimeType": "multipart/alternative", "parts": []},
        {"mimeType": "multipart/encrypted", "parts": [leaf("application/pgp-encrypted", json!([]), b"Version: 1")]},
        {"mimeType": 42, "body": "nonsense", "headers": {"x": 1}},
        null
    ]});
    let view = read_message_json(&message(payload), &BuiltIn, &ReadOptions::default())
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(text(&view), vec![("hello".to_string(), false)]);
    // Each notice names its reason, and the charset as the mail named it, for the reader to word.
    assert_eq!(
        view.notices,
        vec![
            Notice::PartEmpty,
            Notice::Encrypted,
            Notice::UnknownCharset {
                charset: "x-martian".into()
            }
        ]
    );
    // Not JSON at all is an error the page can show; JSON of the wrong shape reads as an empty message.
    assert!(read_message_json("<html>", &BuiltIn, &ReadOptions::default()).is_err());
    let empty = read_message_json("[1,2]", &BuiltIn, &ReadOptions::default())
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(empty.body, Body::Empty);
}

#[test]
fn charsets_through_the_callers_decoder() {
    let cases: [(&str, &[u8], &str); 5] = [
        (
            "Shift_JIS",
            b"\x82\xb1\x82\xf1\x82\xc9\x82\xbf\x82\xcd",
            "こんにちは",
        ),
        ("EUC-KR", b"\xbe\xc8\xb3\xe7", "안녕"),
        ("GB18030", b"\xc4\xe3\xba\xc3", "你好"),
        ("KOI8-R", b"\xf0\xd2\xc9\xd7\xc5\xd4", "Привет"),
        ("ISO-2022-JP", b"\x1b$B$3$s$K$A$O\x1b(B", "こんにちは"),
    ];
    for (label, bytes, want) in cases {
        let payload = leaf(
            "text/plain",
            json!([{"name": "Content-Type", "value": format!("text/plain; charset={label}")}]),
            bytes,
        );
        let view = read_message_json(&message(payload), &EncodingRs, &ReadOptions::default())
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(text(&view), vec![(want.to_string(), false)], "{label}");
        assert!(view.notices.is_empty());
    }
}

#[test]
fn the_view_is_serialisable_for_the_page() {
    let view = read_thread_json(&thread(), &EncodingRs, &ReadOptions::default())
        .unwrap_or_else(|e| panic!("{e}"));
    let json = serde_json::to_string(&view).unwrap_or_else(|e| panic!("{e}"));
    assert!(json.contains("\"kind\":\"html\""));
    let back: gmux_mail::mime::ConversationView =
        serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(back, view);
}
