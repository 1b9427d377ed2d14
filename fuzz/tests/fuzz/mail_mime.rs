//! The MIME walker (`gmux_mail::mime`): a Gmail `format=full` message, or raw RFC 822 bytes, into the view the
//! reader page draws.
//!
//! A corpus file is either Gmail JSON (it starts with `{`: read as a message and as a thread) or raw RFC 822
//! bytes (read with `read_raw`). Charsets go through `encoding_rs`, as the browser's `TextDecoder` would.
//! Properties:
//! - never panics, never hangs (depth, part count and sizes are capped);
//! - every HTML body, in every forwarded message too, passes the independent inertness checker;
//! - every attachment's file name is safe: not empty, no `/` or `\`, no control, bidi or zero-width
//!   characters, not starting with a dot;
//! - forwarded messages nest at most `MAX_DEPTH` deep, and plain text bodies keep at most `MAX_TEXT_BYTES`
//!   (plus the separators of several parts);
//! - the view serialises to JSON and reads back equal.

use base64::Engine as _;
use gmux_fuzz::{signature, Target, Verdict};
use gmux_mail::charset::Charsets;
use gmux_mail::mime::{
    read_message_json, read_raw, read_thread_json, Body, MessageView, ReadOptions, MAX_DEPTH,
    MAX_TEXT_BYTES,
};
use gmux_mail::sanitize::inert::check_inert;
use rand::rngs::StdRng;
use rand::Rng;

struct EncodingRs;

impl Charsets for EncodingRs {
    fn decode(&self, label: &str, bytes: &[u8]) -> Option<String> {
        let encoding = encoding_rs::Encoding::for_label(label.as_bytes())?;
        Some(encoding.decode_without_bom_handling(bytes).0.into_owned())
    }
}

const DICTIONARY: &[&[u8]] = &[
    b"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n",
    b"Content-Type: multipart/alternative; boundary=\"a\"\r\n",
    b"Content-Type: multipart/related; boundary=r; start=\"<x>\"\r\n",
    b"Content-Type: message/rfc822\r\n\r\n",
    b"Content-Type: text/html; charset=iso-2022-jp\r\n",
    b"Content-Type: text/plain; charset=utf-8; format=flowed; delsp=yes\r\n",
    b"Content-Transfer-Encoding: base64\r\n",
    b"Content-Transfer-Encoding: quoted-printable\r\n",
    b"Content-Disposition: attachment; filename*0*=utf-8''%E2%80%AE; filename*1=\"../x.exe\"\r\n",
    b"Content-ID: <x>\r\n",
    b"Subject: =?utf-8?B?w6k=?= =?utf-8?Q?=C3=A9?=\r\n",
    b"From: \"a, b\" <a@b>, (c) d@e, g: h@i;\r\n",
    b"Date: Tue, 1 Jul 2025 10:52:37 +0200\r\n",
    b"\r\n--b--\r\n",
    b"=\r\n",
    b"=C3=A9",
    b"<img src=\"cid:x\"><script>alert(1)</script>",
    b"\"mimeType\":\"multipart/mixed\",\"parts\":[",
    b"\"mimeType\":\"message/rfc822\"",
    b"\"mimeType\":\"text/html\",\"body\":{\"data\":\"PGltZyBzcmM9eCBvbmVycm9yPWFsZXJ0KDEpPg\"}",
    b"\"headers\":[{\"name\":\"Content-ID\",\"value\":\"<x>\"}]",
    b"\"filename\":\"..\\\\\\u202e.exe\"",
    b"\"body\":{\"attachmentId\":\"A\",\"size\":99}",
    b"\"raw\":\"RnJvbTogYUBiCgpoaQ\"",
];

pub const TARGET: Target = Target {
    name: "mail_mime",
    check,
    dictionary: DICTIONARY,
    structured: Some(structured),
    generate: Some(generate),
    max_len: 1 << 17,
};

#[test]
fn mail_mime() {
    super::fuzz(TARGET);
}

fn structured(rng: &mut StdRng, input: &[u8]) -> Option<Vec<u8>> {
    if input.first() == Some(&b'{') {
        gmux_fuzz::json::mutate(rng, input)
    } else {
        None
    }
}

fn check(input: &[u8]) -> Verdict {
    let options = ReadOptions::default();
    let mut views = Vec::new();
    if input.first() == Some(&b'{') {
        let text = String::from_utf8_lossy(input);
        if let Ok(view) = read_message_json(&text, &EncodingRs, &options) {
            views.push(view);
        }
        if let Ok(thread) = read_thread_json(&text, &EncodingRs, &options) {
            views.extend(thread.messages);
        }
    } else {
        views.push(read_raw(input, &EncodingRs, &options));
    }
    let mut shape = Vec::new();
    for view in &views {
        check_view(view, 0)?;
        let json = serde_json::to_string(view).map_err(|e| format!("serialising: {e}"))?;
        let back: MessageView =
            serde_json::from_str(&json).map_err(|e| format!("reading back: {e}"))?;
        if &back != view {
            return Err("the view changed through JSON".into());
        }
        shape.push((
            std::mem::discriminant(&view.body),
            view.attachments.len().min(4),
            view.inline_images.len().min(4),
            view.forwarded.len().min(3),
            view.notices.iter().map(|n| n.kind()).collect::<Vec<_>>(),
        ));
    }
    Ok(signature(format!("{shape:?}")))
}

fn check_view(view: &MessageView, depth: usize) -> Result<(), String> {
    if depth > MAX_DEPTH {
        return Err(format!("forwarded messages nested {depth} deep"));
    }
    match &view.body {
        Body::Html { document, .. } => {
            check_inert(document, false).map_err(|e| format!("not inert: {e}\n{document}"))?;
        }
        Body::Text { segments } => {
            let len: usize = segments.iter().map(|s| s.text.len()).sum();
            if len > MAX_TEXT_BYTES + 4 {
                return Err(format!("{len} bytes of text"));
            }
        }
        Body::Empty => {}
    }
    for a in &view.attachments {
        let name = &a.file_name;
        let bad = name.is_empty()
            || name.starts_with('.')
            || name.chars().any(|c| {
                c == '/' || c == '\\' || c.is_control()
                    || matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
            });
        if bad {
            return Err(format!("unsafe file name {name:?}"));
        }
    }
    for inner in &view.forwarded {
        check_view(inner, depth + 1)?;
    }
    Ok(())
}

/// A fresh message: a random tree of parts with hostile leaves, as raw RFC 822 or as Gmail JSON.
fn generate(rng: &mut StdRng) -> Vec<u8> {
    let leaves: [(&str, &[u8]); 6] = [
        (
            "text/plain; charset=utf-8",
            b"Hi\n\nOn Mon, Ann wrote:\n> quoted\n",
        ),
        (
            "text/html; charset=utf-8",
            b"<p onclick=x()>hi<script>alert(1)</script><img src=\"cid:x\"></p>",
        ),
        ("text/plain; charset=shift_jis", b"\x82\xb1\x82\xf1"),
        (
            "text/html; charset=x-unknown",
            b"<div class=gmail_quote>q</div>",
        ),
        ("image/png", b"\x89PNG\r\n\x1a\n"),
        ("application/pdf; name=\"../a\u{202e}.pdf\"", b"%PDF-1.4"),
    ];
    fn part(rng: &mut StdRng, leaves: &[(&str, &[u8]); 6], depth: usize, json: bool) -> String {
        let kinds = ["mixed", "alternative", "related", "rfc822"];
        if depth < 4 && rng.gen_bool(0.5) {
            let kind = kinds[rng.gen_range(0..kinds.len())];
            let n = rng.gen_range(1..4);
            let children: Vec<String> =
                (0..n).map(|_| part(rng, leaves, depth + 1, json)).collect();
            if json {
                let mime = if kind == "rfc822" {
                    "message/rfc822".to_string()
                } else {
                    format!("multipart/{kind}")
                };
                return format!("{{\"mimeType\":\"{mime}\",\"headers\":[{{\"name\":\"Subject\",\"value\":\"s{depth}\"}}],\"parts\":[{}]}}", children.join(","));
            }
            if kind == "rfc822" {
                return format!(
                    "Content-Type: message/rfc822\r\n\r\nSubject: inner\r\n{}",
                    children[0]
                );
            }
            let b = format!("b{depth}{}", rng.gen_range(0..1000));
            let mut out = format!("Content-Type: multipart/{kind}; boundary=\"{b}\"\r\n\r\n");
            for c in children {
                out.push_str(&format!("--{b}\r\n{c}\r\n"));
            }
            if rng.gen_bool(0.8) {
                out.push_str(&format!("--{b}--\r\n"));
            }
            return out;
        }
        let (ct, body) = leaves[rng.gen_range(0..leaves.len())];
        let cid = if rng.gen_bool(0.3) {
            "Content-ID: <x>\r\n"
        } else {
            ""
        };
        if json {
            let mime = ct.split(';').next().unwrap_or(ct);
            let data = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(body);
            return format!("{{\"mimeType\":\"{mime}\",\"headers\":[{{\"name\":\"Content-Type\",\"value\":{}}}{}],\"body\":{{\"size\":{},\"data\":\"{data}\"}}}}",
                serde_json::Value::String(ct.to_string()),
                if cid.is_empty() { "" } else { ",{\"name\":\"Content-ID\",\"value\":\"<x>\"}" },
                body.len());
        }
        if rng.gen_bool(0.5) {
            let data = base64::engine::general_purpose::STANDARD.encode(body);
            format!("Content-Type: {ct}\r\n{cid}Content-Transfer-Encoding: base64\r\n\r\n{data}")
        } else {
            format!(
                "Content-Type: {ct}\r\n{cid}\r\n{}",
                String::from_utf8_lossy(body)
            )
        }
    }
    let json = rng.gen_bool(0.5);
    let root = part(rng, &leaves, 0, json);
    if json {
        format!("{{\"id\":\"g\",\"threadId\":\"g\",\"payload\":{root}}}").into_bytes()
    } else {
        format!("From: A <a@b>\r\nSubject: gen\r\n{root}").into_bytes()
    }
}
