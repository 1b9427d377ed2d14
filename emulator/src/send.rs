//! Sending and drafts: the message a call carries (JSON `raw` or an upload), Gmail's checks on it, where it
//! threads, and delivery to recipients who are emulator accounts.
//!
//! Rules (Google's documentation, "Managing threads" and the `messages.send` reference, and what its API is seen
//! to answer):
//! - A sent message or draft joins the thread `threadId` names only when its `In-Reply-To` or `References` names
//!   the `Message-ID` of a message of that thread and its Subject matches that thread's (ignoring `Re:`/`Fwd:`
//!   prefixes and case). A `threadId` that does not qualify starts a new thread silently; an unknown well-formed
//!   `threadId` is 404; without `threadId` the message starts a new thread.
//! - A recipient's copy joins the recipient's thread whose message its `In-Reply-To`/`References` names, when the
//!   Subject matches too (how Gmail threads received mail); else it starts one.
//! - The sender's copy has SENT (plus INBOX and UNREAD when the sender is among the recipients). Each recipient
//!   that is an emulator account gets a copy with INBOX, UNREAD and CATEGORY_PERSONAL, without the `Bcc` header.
//! - Gmail completes what is missing: `From` (the default send-as address; a `From` that is not one of the
//!   account's send-as addresses is replaced by it), `Date`, `Message-ID`.
//! - Refused with 400: no `raw` (`'raw' RFC822 payload message string or uploading message via /upload/* URL
//!   required`), `raw` that is not base64url, no recipient at all (`Recipient address required`), an address
//!   that does not parse (`Invalid To header`, `Invalid Cc header`, `Invalid Bcc header`). Drafts need no
//!   recipient until they are sent.

use base64::Engine as _;
use serde_json::{json, Value};

use crate::decode;
use crate::mime;
use crate::model::{Mailbox, NewMessage};
use crate::respond::GoogleError;
use crate::rfc822::{self, RawMail};
use crate::state::{SentRecord, State};

/// What a send or draft call carries.
#[derive(Debug, Default)]
pub struct Outgoing {
    /// The RFC 822 bytes, when the call carries a message.
    pub raw: Option<Vec<u8>>,
    pub thread_id: Option<String>,
    /// A Draft body's `id`.
    pub draft_id: Option<String>,
}

/// How the request body came: plain JSON, or one of the upload protocols on `/upload/...`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Upload {
    None,
    Media,
    Multipart,
}

fn invalid(message: impl Into<String>) -> GoogleError {
    GoogleError::new(400, message, "invalidArgument")
}

pub fn raw_required() -> GoogleError {
    invalid("'raw' RFC822 payload message string or uploading message via /upload/* URL required")
}

/// Which upload protocol an `/upload/...` call uses; other `uploadType`s are refused.
pub fn upload_kind(upload_type: Option<&str>) -> Result<Upload, GoogleError> {
    match upload_type {
        Some("media") => Ok(Upload::Media),
        Some("multipart") => Ok(Upload::Multipart),
        Some("resumable") => Err(GoogleError::bad_request(
            "Resumable uploads are not served by the emulator: use uploadType=media or multipart",
        )),
        Some(other) => Err(GoogleError::invalid_param(
            format!("Invalid value '{other}' for uploadType"),
            "uploadType",
        )),
        None => Err(GoogleError::bad_request(
            "Upload requests must include an uploadType URL parameter and a URL path beginning with /upload/",
        )),
    }
}

/// Reads the message of a call. `draft` says the JSON is a Draft (`{id, message: {raw, threadId}}`) rather than
/// a Message (`{raw, threadId}`).
pub fn outgoing(
    body: &[u8],
    content_type: Option<&str>,
    upload: Upload,
    draft: bool,
) -> Result<Outgoing, GoogleError> {
    match upload {
        Upload::None => from_json(&json_body(body)?, draft),
        Upload::Media => {
            let ct = content_type.unwrap_or_default();
            if !mime::mime_type_of(ct).starts_with("message/") || ct.trim().is_empty() {
                return Err(media_type_error(ct));
            }
            Ok(Outgoing {
                raw: Some(body.to_vec()),
                ..Default::default()
            })
        }
        Upload::Multipart => multipart_upload(body, content_type.unwrap_or_default(), draft),
    }
}

fn media_type_error(ct: &str) -> GoogleError {
    GoogleError::bad_request(format!(
        "Media type '{}' is not supported. Valid media types: [message/*]",
        mime::mime_type_of(ct)
    ))
}

fn json_body(body: &[u8]) -> Result<Value, GoogleError> {
    if body.iter().all(|b| b.is_ascii_whitespace()) {
        return Ok(json!({}));
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(v) if v.is_object() => Ok(v),
        Ok(_) => Err(GoogleError::new(
            400,
            "Invalid JSON payload received. Expected an object.",
            "invalid",
        )),
        Err(e) => Err(GoogleError::new(
            400,
            format!("Invalid JSON payload received. {e}"),
            "invalid",
        )),
    }
}

fn from_json(v: &Value, draft: bool) -> Result<Outgoing, GoogleError> {
    let message = if draft { &v["message"] } else { v };
    let field = |m: &Value, k: &str| -> Result<Option<String>, GoogleError> {
        match m.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(GoogleError::new(
                400,
                format!("Invalid value at '{k}', expected a string"),
                "invalid",
            )),
        }
    };
    let raw = match field(message, "raw")? {
        Some(r) => Some(decode::decode_raw_field(&r).map_err(|_| {
            GoogleError::new(
                400,
                "Invalid value at 'raw' (TYPE_BYTES), Base64 decoding failed",
                "invalid",
            )
        })?),
        None => None,
    };
    Ok(Outgoing {
        raw: raw.filter(|r| !r.is_empty()),
        thread_id: field(message, "threadId")?.filter(|t| !t.is_empty()),
        draft_id: if draft { field(v, "id")? } else { None },
    })
}

/// `uploadType=multipart`: a `multipart/related` body of JSON metadata, then the message.
fn multipart_upload(body: &[u8], content_type: &str, draft: bool) -> Result<Outgoing, GoogleError> {
    let bad = || GoogleError::bad_request("Invalid multipart request with 0 mime parts.");
    let boundary = mime::parameter(content_type, "boundary").ok_or_else(bad)?;
    let parts = mime::split_multipart(body, &boundary);
    let [meta, media, ..] = parts.as_slice() else {
        return Err(bad());
    };
    let (_, meta_body) = decode::split_head_body(meta);
    let mut out = from_json(&json_body(meta_body)?, draft)?;
    let (media_head, media_body) = decode::split_head_body(media);
    let media_headers = decode::parse_headers(media_head);
    let ct = media_headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-type"))
        .map(|(_, v)| v.as_str())
        .unwrap_or("message/rfc822");
    if !mime::mime_type_of(ct).starts_with("message/") {
        return Err(media_type_error(ct));
    }
    out.raw = Some(media_body.to_vec()).filter(|r| !r.is_empty());
    Ok(out)
}

/// The addresses of one address header, or `None` when one of them does not parse.
pub fn addresses(value: &str) -> Option<Vec<String>> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let (mut quoted, mut angle) = (false, false);
    let mut pieces = Vec::new();
    for c in value.chars() {
        match c {
            '"' => quoted = !quoted,
            '<' if !quoted => angle = true,
            '>' if !quoted => angle = false,
            ',' | ';' if !quoted && !angle => {
                pieces.push(std::mem::take(&mut cur));
                continue;
            }
            _ => {}
        }
        cur.push(c);
    }
    pieces.push(cur);
    for piece in pieces {
        let piece = piece.trim();
        if piece.is_empty() {
            continue;
        }
        let addr = match (piece.rfind('<'), piece.rfind('>')) {
            (Some(a), Some(b)) if a < b => &piece[a + 1..b],
            (None, None) => piece,
            _ => return None,
        };
        let addr = addr.trim();
        let (local, domain) = addr.rsplit_once('@')?;
        let ok = !local.is_empty()
            && !domain.is_empty()
            && domain.contains('.')
            && !addr
                .chars()
                .any(|c| c.is_whitespace() || c == '<' || c == '>' || c == ',')
            && !domain.starts_with('.')
            && !domain.ends_with('.');
        if !ok {
            return None;
        }
        out.push(addr.to_ascii_lowercase());
    }
    Some(out)
}

/// The message's header fields as written (unfolded, encoded-words left encoded): an address list is parsed
/// before its encoded-words are decoded (RFC 2047 section 6.2), so a display name such as `=?UTF-8?Q?Doe=2C_Zo=C3=AB?=`
/// does not split at its decoded comma.
fn raw_fields(bytes: &[u8]) -> Vec<(String, String)> {
    let (head, _) = crate::decode::split_head_body(bytes);
    let text = String::from_utf8_lossy(head);
    let mut out: Vec<(String, String)> = Vec::new();
    for line in text.split('\n').map(|l| l.trim_end_matches('\r')) {
        if line.starts_with([' ', '\t']) {
            if let Some((_, value)) = out.last_mut() {
                value.push(' ');
                value.push_str(line.trim());
            }
        } else if let Some((name, value)) = line.split_once(':') {
            out.push((name.trim().to_string(), value.trim().to_string()));
        }
    }
    out
}

/// Every recipient of a message (To, Cc, Bcc), lower-case and once each; 400 for a header that does not parse.
pub fn recipients(mail: &RawMail) -> Result<Vec<String>, GoogleError> {
    let mut all: Vec<String> = Vec::new();
    let fields = raw_fields(&mail.bytes);
    for name in ["To", "Cc", "Bcc"] {
        for (k, v) in &fields {
            if !k.eq_ignore_ascii_case(name) {
                continue;
            }
            let list = addresses(v).ok_or_else(|| invalid(format!("Invalid {name} header")))?;
            for a in list {
                if !all.contains(&a) {
                    all.push(a);
                }
            }
        }
    }
    Ok(all)
}

/// The subject a thread is matched by: without `Re:`/`Fwd:`-style prefixes, case and surrounding space.
pub fn thread_subject(subject: &str) -> String {
    const PREFIXES: &[&str] = &["re", "fwd", "fw", "aw", "wg", "sv", "vs", "tr", "rv", "ref"];
    let mut s = subject.trim();
    loop {
        let lower = s.to_ascii_lowercase();
        let stripped = PREFIXES.iter().find_map(|p| {
            let rest = lower.strip_prefix(p)?;
            // `Re[2]:` counts as `Re:`.
            let rest = match rest.strip_prefix('[') {
                Some(r) => r
                    .trim_start_matches(|c: char| c.is_ascii_digit())
                    .strip_prefix(']')?,
                None => rest,
            };
            let rest = rest.trim_start().strip_prefix(':')?;
            Some(s.len() - rest.len())
        });
        match stripped {
            Some(n) => s = s[n..].trim_start(),
            None => break,
        }
    }
    s.to_lowercase()
}

/// The `Message-ID`s a message names in `In-Reply-To` and `References`.
fn referenced_ids(mail: &RawMail) -> Vec<String> {
    let mut ids = Vec::new();
    for name in ["In-Reply-To", "References"] {
        for (k, v) in &mail.headers {
            if k.eq_ignore_ascii_case(name) {
                let mut rest = v.as_str();
                while let Some(a) = rest.find('<') {
                    let Some(b) = rest[a..].find('>') else { break };
                    ids.push(rest[a..a + b + 1].to_string());
                    rest = &rest[a + b + 1..];
                }
            }
        }
    }
    ids
}

/// Whether `mail` may join `thread_id` of `mb`: it names one of the thread's messages and the subjects match.
fn qualifies(mb: &Mailbox, thread_id: &str, mail: &RawMail) -> bool {
    let refs = referenced_ids(mail);
    let subject = thread_subject(mail.header("Subject").unwrap_or_default());
    let msgs = mb.thread_messages(thread_id);
    let named = msgs
        .iter()
        .any(|m| refs.iter().any(|r| *r == m.rfc_message_id()));
    let same_subject = msgs.iter().any(|m| thread_subject(&m.subject) == subject);
    named && same_subject
}

/// The thread a message given `thread_id` joins in the sender's mailbox: that thread when it qualifies.
pub fn sender_thread(
    mb: &Mailbox,
    thread_id: Option<&str>,
    mail: &RawMail,
) -> Result<Option<String>, GoogleError> {
    let Some(t) = thread_id else { return Ok(None) };
    if !crate::model::is_valid_id(t) {
        return Err(invalid("Invalid thread_id value"));
    }
    if mb.thread_messages(t).is_empty() {
        return Err(GoogleError::not_found());
    }
    Ok(qualifies(mb, t, mail).then(|| t.to_string()))
}

/// The thread a received copy joins in a recipient's mailbox, found from its references.
fn recipient_thread(mb: &Mailbox, mail: &RawMail) -> Option<String> {
    let refs = referenced_ids(mail);
    let thread = mb
        .messages
        .values()
        .find(|m| refs.iter().any(|r| *r == m.rfc_message_id()))
        .map(|m| m.thread_id.clone())?;
    qualifies(mb, &thread, mail).then_some(thread)
}

/// Headers Gmail fills in or corrects before it stores an outgoing message: `From` (the default send-as when
/// missing or not one of the account's addresses), `Date`, `Message-ID`.
pub fn complete_headers(mb: &Mailbox, raw: &[u8], now_ms: i64, seq: &str) -> Vec<u8> {
    let mail = rfc822::parse(raw);
    let default = mb
        .send_as
        .iter()
        .find(|s| s.is_default)
        .or(mb.send_as.first());
    let from_ok = mail.header("From").and_then(addresses).is_some_and(|list| {
        list.len() == 1
            && mb
                .send_as
                .iter()
                .any(|s| s.email.eq_ignore_ascii_case(&list[0]))
    });
    let mut head = String::new();
    let mut body = raw.to_vec();
    if !from_ok {
        if let Some(d) = default {
            body = remove_header(&body, "From");
            let from = if d.display_name.is_empty() {
                d.email.clone()
            } else if d.display_name.is_ascii() {
                format!("\"{}\" <{}>", d.display_name.replace('"', ""), d.email)
            } else {
                format!(
                    "=?UTF-8?B?{}?= <{}>",
                    base64::engine::general_purpose::STANDARD.encode(d.display_name.as_bytes()),
                    d.email
                )
            };
            head.push_str(&format!("From: {from}\r\n"));
        }
    }
    if mail.header("Date").is_none() {
        head.push_str(&format!(
            "Date: {}\r\n",
            crate::time::rfc2822(now_ms.div_euclid(1000))
        ));
    }
    if mail.header("Message-ID").is_none() {
        head.push_str(&format!("Message-ID: <{seq}@mail.gmux.test>\r\n"));
    }
    let mut out = head.into_bytes();
    out.extend_from_slice(&body);
    out
}

/// The message without every `name` header (folded continuation lines included), body untouched.
pub fn remove_header(raw: &[u8], name: &str) -> Vec<u8> {
    let (head, _) = decode::split_head_body(raw);
    let head_len = head.len();
    let mut out = Vec::with_capacity(raw.len());
    let mut dropping = false;
    for line in head.split_inclusive(|b| *b == b'\n') {
        let continuation = matches!(line.first(), Some(b' ' | b'\t'));
        if !continuation {
            dropping = line
                .iter()
                .position(|b| *b == b':')
                .is_some_and(|c| line[..c].trim_ascii().eq_ignore_ascii_case(name.as_bytes()));
        }
        if !dropping {
            out.extend_from_slice(line);
        }
    }
    out.extend_from_slice(&raw[head_len..]);
    out
}

/// Stores a sent message in the sender's mailbox and copies it to every recipient that is an emulator account.
/// Returns the sender's message id.
pub fn deliver_sent(
    st: &mut State,
    sender: &str,
    raw: Vec<u8>,
    thread_id: Option<String>,
    now: i64,
) -> Result<String, GoogleError> {
    let mail = rfc822::parse(&raw);
    let to = recipients(&mail)?;
    if to.is_empty() {
        return Err(invalid("Recipient address required"));
    }
    let mb = st
        .mailbox_mut(sender)
        .ok_or_else(|| GoogleError::new(400, "Mail service not enabled", "failedPrecondition"))?;
    let own = mb.email.to_ascii_lowercase();
    let mut labels = vec!["SENT".to_string()];
    if to.contains(&own) {
        labels.extend(["INBOX".to_string(), "UNREAD".to_string()]);
    }
    let id = mb.insert_message(NewMessage::from_raw(&raw, thread_id.clone(), now, labels));
    let thread = mb
        .messages
        .get(&id)
        .map(|m| m.thread_id.clone())
        .unwrap_or_default();
    let copy = remove_header(&raw, "Bcc");
    for r in to.iter().filter(|r| **r != own) {
        if let Some(rmb) = st.mailbox_mut(r) {
            let joined = recipient_thread(rmb, &rfc822::parse(&copy));
            let labels = vec![
                "INBOX".to_string(),
                "UNREAD".to_string(),
                "CATEGORY_PERSONAL".to_string(),
            ];
            rmb.insert_message(NewMessage::from_raw(&copy, joined, now, labels));
        }
    }
    st.sent.push(SentRecord {
        account: sender.to_string(),
        id: id.clone(),
        thread_id: thread,
        raw,
        recipients: to,
        at_ms: now,
    });
    Ok(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoded_names_with_commas_are_one_recipient() {
        let cases: &[(&str, &[&str])] = &[
            (
                "To: =?UTF-8?Q?Zo=C3=AB_=C3=85ngstr=C3=B6m=2C_Jr=2E?= <ada@example.com>\r\n",
                &["ada@example.com"],
            ),
            (
                "To: =?UTF-8?B?Wm/DqyDDhW5nc3Ryw7ZtLCBKci4=?=\r\n <ada@example.com>, b@c.de\r\n",
                &["ada@example.com", "b@c.de"],
            ),
            (
                "Cc: \"Doe, Jane\" <j@x.io>\r\nBcc: k@x.io\r\n",
                &["j@x.io", "k@x.io"],
            ),
        ];
        for (head, want) in cases {
            let raw = format!("From: a@b.c\r\n{head}Subject: s\r\n\r\nbody\r\n");
            let got = recipients(&rfc822::parse(raw.as_bytes())).map_err(|e| format!("{e:?}"));
            assert_eq!(
                got,
                Ok(want.iter().map(|s| s.to_string()).collect()),
                "{head}"
            );
        }
    }

    #[test]
    fn addresses_parse_like_a_mail_client() {
        let cases: &[(&str, Option<&[&str]>)] = &[
            ("a@b.c", Some(&["a@b.c"])),
            (
                "\"Doe, Jane\" <Jane@Example.org>, b@c.de",
                Some(&["jane@example.org", "b@c.de"]),
            ),
            ("Zoë <z@x.io>; y@x.io", Some(&["z@x.io", "y@x.io"])),
            ("", Some(&[])),
            ("not an address", None),
            ("a@b", None),
            ("<a@b.c", None),
            ("a b@c.d", None),
        ];
        for (input, want) in cases {
            let got = addresses(input);
            assert_eq!(
                got.as_deref()
                    .map(|v| v.iter().map(String::as_str).collect::<Vec<_>>()),
                want.map(|w| w.to_vec()),
                "{input}"
            );
        }
    }

    #[test]
    fn subjects_match_without_reply_prefixes() {
        for (a, b) in [
            ("Re: Lunch", "lunch"),
            ("RE: Fwd: Re[2]: Lunch ", "lunch"),
            ("AW: Treffen", "treffen"),
            ("Lunch: today", "lunch: today"),
            ("Reply all", "reply all"),
        ] {
            assert_eq!(thread_subject(a), b, "{a}");
        }
    }

    #[test]
    fn bcc_is_removed_with_its_folded_lines_and_nothing_else() {
        let raw =
            b"To: a@b.c\r\nBcc: x@y.z,\r\n w@y.z\r\nSubject: s\r\n\r\nBcc: in the body stays\r\n";
        assert_eq!(
            remove_header(raw, "bcc"),
            b"To: a@b.c\r\nSubject: s\r\n\r\nBcc: in the body stays\r\n"
        );
    }
}
