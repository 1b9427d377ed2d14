//! Mailboxes: messages, threads, labels and history, and how they render as Gmail API resources.

use std::collections::{BTreeMap, BTreeSet};

use base64::engine::general_purpose::URL_SAFE;
use base64::Engine as _;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::decode;
use crate::mime::Part;
use crate::rfc822::{self, RawMail};
use crate::seed::{SeedAccount, SeedAttachment};
use crate::time;

/// System labels every mailbox has, with the visibility Gmail reports for them.
pub const SYSTEM_LABELS: &[&str] = &[
    "CHAT",
    "SENT",
    "INBOX",
    "IMPORTANT",
    "TRASH",
    "DRAFT",
    "SPAM",
    "CATEGORY_FORUMS",
    "CATEGORY_UPDATES",
    "CATEGORY_PERSONAL",
    "CATEGORY_PROMOTIONS",
    "CATEGORY_SOCIAL",
    "STARRED",
    "UNREAD",
];

/// Labels a client may not add or remove.
pub const IMMUTABLE_LABELS: &[&str] = &["SENT", "DRAFT", "CHAT"];

#[derive(Debug, Clone)]
pub struct Attachment {
    pub id: String,
    pub filename: String,
    pub mime_type: String,
    pub data: Vec<u8>,
}

#[derive(Debug, Clone)]
pub struct Message {
    pub id: String,
    pub thread_id: String,
    pub labels: BTreeSet<String>,
    pub internal_date_ms: i64,
    pub from: String,
    pub to: String,
    pub cc: Option<String>,
    pub subject: String,
    pub text: Option<String>,
    pub html: Option<String>,
    pub attachments: Vec<Attachment>,
    pub history_id: u64,
    pub message_id_header: String,
    /// Labels that `trash` removed, restored by `untrash`.
    pub removed_by_trash: Vec<String>,
    /// Mail given as raw RFC 822 bytes: its headers and source are answered as given (decoded).
    pub source: Option<RawMail>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HistoryKind {
    MessageAdded,
    MessageDeleted,
    Labels,
}

#[derive(Debug, Clone)]
pub struct HistoryRecord {
    pub id: u64,
    pub at_ms: i64,
    pub kind: HistoryKind,
    pub message_id: String,
    pub thread_id: String,
    /// The message's labels right after the change.
    pub labels_after: Vec<String>,
    pub added: Vec<String>,
    pub removed: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct UserLabel {
    pub id: String,
    pub name: String,
    /// `(textColor, backgroundColor)`.
    pub color: Option<(String, String)>,
    pub message_list_visibility: String,
    pub label_list_visibility: String,
}

impl UserLabel {
    pub fn new(id: String, name: String, color: Option<(String, String)>) -> UserLabel {
        UserLabel {
            id,
            name,
            color,
            message_list_visibility: "show".into(),
            label_list_visibility: "labelShow".into(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Mailbox {
    pub email: String,
    pub name: String,
    pub sub: String,
    pub user_labels: Vec<UserLabel>,
    pub messages: BTreeMap<String, Message>,
    pub history: Vec<HistoryRecord>,
    pub history_id: u64,
    /// The oldest `startHistoryId` history.list still accepts; older ones get 404.
    pub history_floor: u64,
    /// Emulator-clock time of the newest change, for the retention of ids when nothing happens.
    pub last_change_ms: i64,
    /// Draft id to the id of the draft's message (a message with the DRAFT label).
    pub drafts: BTreeMap<String, String>,
    /// The addresses the account may send as; the first is the primary address.
    pub send_as: Vec<SendAs>,
    next_seq: u64,
}

/// One `settings.sendAs` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendAs {
    pub email: String,
    pub display_name: String,
    pub reply_to: String,
    pub signature: String,
    pub is_primary: bool,
    pub is_default: bool,
}

impl SendAs {
    /// The `SendAs` resource: the primary address has no verification status; an alias is `treatAsAlias` and
    /// `accepted`. False booleans are left out, as Google leaves them out.
    pub fn to_json(&self) -> Value {
        let mut v = json!({
            "sendAsEmail": self.email,
            "displayName": self.display_name,
            "replyToAddress": self.reply_to,
            "signature": self.signature,
        });
        if self.is_primary {
            v["isPrimary"] = json!(true);
        } else {
            v["treatAsAlias"] = json!(true);
            v["verificationStatus"] = json!("accepted");
        }
        if self.is_default {
            v["isDefault"] = json!(true);
        }
        v
    }
}

/// A stable 21-digit account id derived from the email, like Google's `sub`.
pub fn derive_sub(email: &str) -> String {
    let digest = Sha256::digest(email.to_ascii_lowercase().as_bytes());
    let mut n = 0u128;
    for b in &digest[..16] {
        n = (n << 8) | u128::from(*b);
    }
    format!("1{:020}", n % 100_000_000_000_000_000_000)
}

pub fn b64url(data: &[u8]) -> String {
    URL_SAFE.encode(data)
}

/// Gmail's snippets are HTML-escaped: clients must unescape them.
pub fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

fn strip_tags(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    let mut in_head = false;
    let lower = html.to_ascii_lowercase();
    let mut i = 0;
    for (pos, c) in html.char_indices() {
        if pos < i {
            continue;
        }
        if c == '<' {
            in_tag = true;
            // What a reader never sees (styles, the head, scripts) is not in the snippet either.
            let rest = &lower[pos..];
            if ["<style", "<head", "<script"]
                .iter()
                .any(|t| rest.starts_with(t))
            {
                in_head = true;
            }
            if ["</style", "</head", "</script"]
                .iter()
                .any(|t| rest.starts_with(t))
            {
                in_head = false;
            }
            out.push(' ');
            continue;
        }
        if c == '>' {
            in_tag = false;
            continue;
        }
        if !in_tag && !in_head {
            out.push(c);
        }
        i = pos;
    }
    out.replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

impl Message {
    pub fn plain_text(&self) -> String {
        match (&self.text, &self.html) {
            (Some(t), _) => t.clone(),
            (None, Some(h)) => strip_tags(h),
            (None, None) => String::new(),
        }
    }

    pub fn snippet(&self) -> String {
        let text = self.plain_text();
        let words: Vec<&str> = text.split_whitespace().collect();
        let mut s = String::new();
        for w in words {
            if s.chars().count() + w.chars().count() + 1 > 200 {
                break;
            }
            if !s.is_empty() {
                s.push(' ');
            }
            s.push_str(w);
        }
        html_escape(&s)
    }

    /// The RFC 5322 `Message-ID` (with its angle brackets), which replies name in `In-Reply-To`/`References`.
    pub fn rfc_message_id(&self) -> String {
        match &self.source {
            Some(source) => source
                .header("Message-ID")
                .unwrap_or_default()
                .trim()
                .to_string(),
            None => self.message_id_header.clone(),
        }
    }

    pub fn is_unread(&self) -> bool {
        self.labels.contains("UNREAD")
    }

    pub fn date_header(&self) -> String {
        time::rfc2822(self.internal_date_ms.div_euclid(1000))
    }

    pub fn headers(&self) -> Vec<(String, String)> {
        if let Some(source) = &self.source {
            return source.headers.clone();
        }
        let mut h = vec![
            ("MIME-Version".to_string(), "1.0".to_string()),
            ("Date".to_string(), self.date_header()),
            ("Message-ID".to_string(), self.message_id_header.clone()),
            ("Subject".to_string(), self.subject.clone()),
            ("From".to_string(), self.from.clone()),
            ("To".to_string(), self.to.clone()),
        ];
        if let Some(cc) = &self.cc {
            h.push(("Cc".to_string(), cc.clone()));
        }
        h.push(("Content-Type".to_string(), self.top_content_type()));
        h
    }

    fn top_content_type(&self) -> String {
        if let Some(source) = &self.source {
            return source.content_type.clone();
        }
        if !self.attachments.is_empty() {
            format!("multipart/mixed; boundary=\"{}\"", self.boundary("mixed"))
        } else if self.text.is_some() && self.html.is_some() {
            format!(
                "multipart/alternative; boundary=\"{}\"",
                self.boundary("alt")
            )
        } else if self.html.is_some() {
            "text/html; charset=\"UTF-8\"".to_string()
        } else {
            "text/plain; charset=\"UTF-8\"".to_string()
        }
    }

    fn boundary(&self, kind: &str) -> String {
        format!("000000000000{}{}", &self.id[..8.min(self.id.len())], kind)
    }

    fn leaf(part_id: &str, mime: &str, body: &str, headers: Vec<(String, String)>) -> Value {
        json!({
            "partId": part_id,
            "mimeType": mime,
            "filename": "",
            "headers": header_json(&headers),
            "body": {"size": body.len(), "data": b64url(body.as_bytes())},
        })
    }

    fn body_part(&self, part_id: &str) -> Value {
        let text_headers = |mime: &str| {
            vec![
                (
                    "Content-Type".to_string(),
                    format!("{mime}; charset=\"UTF-8\""),
                ),
                (
                    "Content-Transfer-Encoding".to_string(),
                    "quoted-printable".to_string(),
                ),
            ]
        };
        let child = |n: usize| {
            if part_id.is_empty() {
                n.to_string()
            } else {
                format!("{part_id}.{n}")
            }
        };
        match (&self.text, &self.html) {
            (Some(t), Some(h)) => json!({
                "partId": part_id,
                "mimeType": "multipart/alternative",
                "filename": "",
                "headers": header_json(&[("Content-Type".to_string(), format!("multipart/alternative; boundary=\"{}\"", self.boundary("alt")))]),
                "body": {"size": 0},
                "parts": [
                    Self::leaf(&child(0), "text/plain", t, text_headers("text/plain")),
                    Self::leaf(&child(1), "text/html", h, text_headers("text/html")),
                ],
            }),
            (None, Some(h)) => Self::leaf(part_id, "text/html", h, text_headers("text/html")),
            (Some(t), None) => Self::leaf(part_id, "text/plain", t, text_headers("text/plain")),
            (None, None) => Self::leaf(part_id, "text/plain", "", text_headers("text/plain")),
        }
    }

    /// The `payload` of format=full: raw mail's true MIME tree, or the parts built mail is made of.
    pub fn full_payload(&self) -> Value {
        if let Some(source) = &self.source {
            return part_json(&source.root, &self.id);
        }
        let mut payload = if self.attachments.is_empty() {
            self.body_part("")
        } else {
            let mut parts = vec![self.body_part("0")];
            for (i, a) in self.attachments.iter().enumerate() {
                parts.push(json!({
                    "partId": (i + 1).to_string(),
                    "mimeType": a.mime_type,
                    "filename": a.filename,
                    "headers": header_json(&[
                        ("Content-Type".to_string(), format!("{}; name=\"{}\"", a.mime_type, a.filename)),
                        ("Content-Disposition".to_string(), format!("attachment; filename=\"{}\"", a.filename)),
                        ("Content-Transfer-Encoding".to_string(), "base64".to_string()),
                    ]),
                    "body": {"attachmentId": a.id, "size": a.data.len()},
                }));
            }
            json!({"partId": "", "mimeType": "multipart/mixed", "filename": "", "body": {"size": 0}, "parts": parts})
        };
        payload["headers"] = header_json(&self.headers());
        payload
    }

    /// The RFC 5322 source of format=raw.
    pub fn raw(&self) -> String {
        let mut out = String::new();
        for (k, v) in self.headers() {
            out.push_str(&format!("{k}: {v}\r\n"));
        }
        out.push_str("\r\n");
        let text_part = |mime: &str, body: &str| {
            format!("Content-Type: {mime}; charset=\"UTF-8\"\r\n\r\n{body}\r\n")
        };
        let alt = |out: &mut String| match (&self.text, &self.html) {
            (Some(t), Some(h)) => {
                let b = self.boundary("alt");
                out.push_str(&format!(
                    "--{b}\r\n{}--{b}\r\n{}--{b}--\r\n",
                    text_part("text/plain", t),
                    text_part("text/html", h)
                ));
            }
            (None, Some(h)) => out.push_str(&format!("{h}\r\n")),
            (Some(t), None) => out.push_str(&format!("{t}\r\n")),
            (None, None) => {}
        };
        if self.attachments.is_empty() {
            alt(&mut out);
        } else {
            let b = self.boundary("mixed");
            out.push_str(&format!("--{b}\r\n"));
            if self.text.is_some() && self.html.is_some() {
                out.push_str(&format!(
                    "Content-Type: multipart/alternative; boundary=\"{}\"\r\n\r\n",
                    self.boundary("alt")
                ));
            } else {
                let mime = if self.html.is_some() {
                    "text/html"
                } else {
                    "text/plain"
                };
                out.push_str(&format!("Content-Type: {mime}; charset=\"UTF-8\"\r\n\r\n"));
            }
            alt(&mut out);
            for a in &self.attachments {
                let encoded = base64::engine::general_purpose::STANDARD.encode(&a.data);
                out.push_str(&format!(
                    "--{b}\r\nContent-Type: {}; name=\"{}\"\r\nContent-Disposition: attachment; filename=\"{}\"\r\nContent-Transfer-Encoding: base64\r\n\r\n{encoded}\r\n",
                    a.mime_type, a.filename, a.filename
                ));
            }
            out.push_str(&format!("--{b}--\r\n"));
        }
        out
    }

    /// The bytes of format=raw: the source as given for raw mail, else the message built from its fields.
    pub fn raw_bytes(&self) -> Vec<u8> {
        match &self.source {
            Some(source) => source.bytes.clone(),
            None => self.raw().into_bytes(),
        }
    }

    pub fn size_estimate(&self) -> usize {
        match &self.source {
            Some(source) => source.bytes.len(),
            None => self.raw().len(),
        }
    }

    pub fn label_ids(&self) -> Vec<String> {
        self.labels.iter().cloned().collect()
    }

    /// Renders the Message resource in a `format` (already validated).
    pub fn render(&self, format: &str, metadata_headers: &[String]) -> Value {
        let mut v = json!({
            "id": self.id,
            "threadId": self.thread_id,
            "labelIds": self.label_ids(),
            "snippet": self.snippet(),
            "sizeEstimate": self.size_estimate(),
            "historyId": self.history_id.to_string(),
            "internalDate": self.internal_date_ms.to_string(),
        });
        match format {
            "metadata" => {
                let headers: Vec<(String, String)> = self
                    .headers()
                    .into_iter()
                    .filter(|(k, _)| {
                        metadata_headers.is_empty()
                            || metadata_headers.iter().any(|m| m.eq_ignore_ascii_case(k))
                    })
                    .collect();
                let mime = self.top_content_type();
                let mime = mime.split(';').next().unwrap_or_default().to_string();
                v["payload"] = json!({"mimeType": mime, "headers": header_json(&headers)});
            }
            "full" => v["payload"] = self.full_payload(),
            "raw" => {
                v["raw"] = Value::String(b64url(&self.raw_bytes()));
            }
            _ => {}
        }
        v
    }

    pub fn minimal_ref(&self) -> Value {
        json!({"id": self.id, "threadId": self.thread_id})
    }

    pub fn with_labels_ref(&self) -> Value {
        json!({"id": self.id, "threadId": self.thread_id, "labelIds": self.label_ids()})
    }
}

/// The id under which `messages.attachments.get` answers a part of raw mail.
pub fn attachment_id(message_id: &str, part_id: &str) -> String {
    format!("ANGjdJ{message_id}p{}", part_id.replace('.', "_"))
}

/// One part of raw mail as a `MessagePart`: `body` is `{size}` for a multipart, `{size, attachmentId}` for a
/// part with a filename, `{size, data}` for any other leaf (`data` absent when empty); a `message/rfc822` part's
/// `body.size` is the enclosed message's length and its one child that message's root part.
pub fn part_json(part: &Part, message_id: &str) -> Value {
    let mut body = json!({"size": part.content.len()});
    if part.is_attachment() {
        body["attachmentId"] = json!(attachment_id(message_id, &part.part_id));
    } else if part.children.is_empty() && !part.content.is_empty() {
        body["data"] = json!(b64url(&part.content));
    }
    let mut v = json!({
        "partId": part.part_id,
        "mimeType": part.mime_type,
        "filename": part.filename,
        "headers": header_json(&part.headers),
        "body": body,
    });
    if !part.children.is_empty() {
        v["parts"] = Value::Array(
            part.children
                .iter()
                .map(|c| part_json(c, message_id))
                .collect(),
        );
    }
    v
}

pub fn header_json(headers: &[(String, String)]) -> Value {
    Value::Array(
        headers
            .iter()
            .map(|(k, v)| json!({"name": k, "value": v}))
            .collect(),
    )
}

/// Checks Gmail's id shape: hex digits only (400 `Invalid id value` otherwise).
pub fn is_valid_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 32 && id.chars().all(|c| c.is_ascii_hexdigit())
}

/// A label's counts as labels.get reports them.
#[derive(Debug, Default, Clone, Copy)]
pub struct LabelCounts {
    pub messages_total: usize,
    pub messages_unread: usize,
    pub threads_total: usize,
    pub threads_unread: usize,
}

impl Mailbox {
    pub fn from_seed(seed: &SeedAccount, start_ms: i64, history_start: u64) -> Mailbox {
        let mut mb = Mailbox {
            email: seed.email.clone(),
            name: seed.name.clone().unwrap_or_else(|| seed.email.clone()),
            sub: seed.sub.clone().unwrap_or_else(|| derive_sub(&seed.email)),
            user_labels: seed
                .labels
                .iter()
                .enumerate()
                .map(|(i, l)| {
                    UserLabel::new(format!("Label_{}", i + 1), l.name().to_string(), l.color())
                })
                .collect(),
            messages: BTreeMap::new(),
            history: Vec::new(),
            history_id: history_start,
            history_floor: history_start,
            last_change_ms: start_ms,
            drafts: BTreeMap::new(),
            send_as: vec![SendAs {
                email: seed.email.clone(),
                display_name: seed.name.clone().unwrap_or_default(),
                reply_to: String::new(),
                signature: String::new(),
                is_primary: true,
                is_default: true,
            }],
            next_seq: 0,
        };
        let mut default_date = start_ms;
        for thread in &seed.threads {
            let mut thread_id: Option<String> = None;
            for sm in &thread.messages {
                let date_ms = sm
                    .date
                    .as_deref()
                    .and_then(time::parse_rfc3339)
                    .map(|s| s * 1000)
                    .unwrap_or(default_date);
                default_date = date_ms - 3_600_000;
                let labels: Vec<String> =
                    sm.labels.iter().map(|l| mb.resolve_label_name(l)).collect();
                // `Seed::check` refused raw that does not decode before any mailbox is built.
                let raw = sm
                    .raw
                    .as_deref()
                    .and_then(|r| decode::decode_raw_field(r).ok());
                let message = match raw {
                    Some(bytes) => NewMessage::from_raw(&bytes, thread_id.clone(), date_ms, labels),
                    None => NewMessage {
                        thread_id: thread_id.clone(),
                        date_ms,
                        from: sm.from.clone(),
                        to: sm.to.clone().unwrap_or_else(|| mb.email.clone()),
                        cc: sm.cc.clone(),
                        subject: sm.subject.clone(),
                        text: sm.text.clone(),
                        html: sm.html.clone(),
                        labels,
                        attachments: sm.attachments.clone(),
                        source: None,
                    },
                };
                let id = mb.insert_message(message);
                thread_id.get_or_insert(id);
            }
        }
        // Seeded mail is the starting state, not news: no history for it.
        mb.history.clear();
        mb.history_id += 1;
        mb.history_floor = mb.history_id;
        mb.last_change_ms = start_ms;
        mb
    }

    /// Maps a seed's label (system id, user label name or user label id) to a label id.
    pub fn resolve_label_name(&self, name: &str) -> String {
        if SYSTEM_LABELS.contains(&name) {
            return name.to_string();
        }
        if let Some(l) = self
            .user_labels
            .iter()
            .find(|l| l.name == name || l.id == name)
        {
            return l.id.clone();
        }
        name.to_string()
    }

    pub fn label_exists(&self, id: &str) -> bool {
        SYSTEM_LABELS.contains(&id) || self.user_labels.iter().any(|l| l.id == id)
    }

    /// Adds a seed's send-as aliases after the primary address; one marked default takes that from the primary.
    pub fn add_send_as(&mut self, aliases: &[crate::seed::SeedSendAs]) {
        for a in aliases {
            if a.default {
                for s in &mut self.send_as {
                    s.is_default = false;
                }
            }
            self.send_as.push(SendAs {
                email: a.email.clone(),
                display_name: a.name.clone().unwrap_or_default(),
                reply_to: a.reply_to.clone().unwrap_or_default(),
                signature: a.signature.clone().unwrap_or_default(),
                is_primary: false,
                is_default: a.default,
            });
        }
    }

    /// A new draft id, `r` and digits as Gmail's are.
    pub fn new_draft_id(&mut self) -> String {
        self.next_seq += 1;
        format!("r{}", 5_000_000_000_000_000_000u64 + self.next_seq * 7_919)
    }

    /// Next history id: increasing, with gaps as Google's are.
    pub fn next_history_id(&mut self) -> u64 {
        self.next_seq += 1;
        self.history_id += 1 + (self.next_seq * 7) % 5;
        self.history_id
    }

    fn new_message_id(&mut self, date_ms: i64) -> String {
        loop {
            self.next_seq += 1;
            let id = format!(
                "{:016x}",
                ((date_ms.max(0) as u64) << 20 | (self.next_seq & 0xfffff)) & 0x7fff_ffff_ffff_ffff
            );
            if !self.messages.contains_key(&id) {
                return id;
            }
        }
    }

    /// Adds a message (as arriving or seeded mail) and records `messagesAdded`. Returns its id.
    pub fn insert_message(&mut self, m: NewMessage) -> String {
        let id = self.new_message_id(m.date_ms);
        let thread_id = match m.thread_id {
            Some(t) if self.messages.values().any(|x| x.thread_id == t) => t,
            _ => id.clone(),
        };
        let hid = self.next_history_id();
        let attachments = match &m.source {
            Some(source) => raw_attachments(&source.root, &id),
            None => m
                .attachments
                .iter()
                .enumerate()
                .map(|(i, a)| Attachment {
                    id: format!("ANGjdJ{}{}", id, i),
                    filename: a.filename.clone(),
                    mime_type: a.mime_type.clone(),
                    data: a.content.as_bytes().to_vec(),
                })
                .collect(),
        };
        let mut labels: BTreeSet<String> = m.labels.into_iter().collect();
        labels.retain(|l| !l.is_empty());
        let msg = Message {
            id: id.clone(),
            thread_id: thread_id.clone(),
            labels,
            internal_date_ms: m.date_ms,
            from: m.from,
            to: m.to,
            cc: m.cc,
            subject: m.subject,
            text: m.text,
            html: m.html,
            attachments,
            history_id: hid,
            message_id_header: format!("<{}.{}@mail.gmux.test>", id, self.next_seq),
            removed_by_trash: Vec::new(),
            source: m.source,
        };
        self.history.push(HistoryRecord {
            id: hid,
            at_ms: m.date_ms,
            kind: HistoryKind::MessageAdded,
            message_id: id.clone(),
            thread_id,
            labels_after: msg.label_ids(),
            added: Vec::new(),
            removed: Vec::new(),
        });
        self.messages.insert(id.clone(), msg);
        self.last_change_ms = self.last_change_ms.max(m.date_ms);
        id
    }

    /// Applies a label change to one message; records history when something changed. Returns whether it did.
    pub fn change_labels(
        &mut self,
        id: &str,
        add: &[String],
        remove: &[String],
        now_ms: i64,
    ) -> bool {
        let Some(msg) = self.messages.get(id) else {
            return false;
        };
        let added: Vec<String> = add
            .iter()
            .filter(|l| !msg.labels.contains(*l))
            .cloned()
            .collect();
        let removed: Vec<String> = remove
            .iter()
            .filter(|l| msg.labels.contains(*l) && !add.contains(l))
            .cloned()
            .collect();
        if added.is_empty() && removed.is_empty() {
            return false;
        }
        let hid = self.next_history_id();
        let Some(msg) = self.messages.get_mut(id) else {
            return false;
        };
        for l in &added {
            msg.labels.insert(l.clone());
        }
        for l in &removed {
            msg.labels.remove(l);
        }
        msg.history_id = hid;
        let rec = HistoryRecord {
            id: hid,
            at_ms: now_ms,
            kind: HistoryKind::Labels,
            message_id: msg.id.clone(),
            thread_id: msg.thread_id.clone(),
            labels_after: msg.label_ids(),
            added,
            removed,
        };
        self.history.push(rec);
        self.last_change_ms = now_ms;
        true
    }

    /// Deletes a message for good (`messagesDeleted` in history), as the Gmail UI's "delete forever" does.
    pub fn delete_message(&mut self, id: &str, now_ms: i64) -> bool {
        let Some(msg) = self.messages.remove(id) else {
            return false;
        };
        let hid = self.next_history_id();
        self.history.push(HistoryRecord {
            id: hid,
            at_ms: now_ms,
            kind: HistoryKind::MessageDeleted,
            message_id: msg.id.clone(),
            thread_id: msg.thread_id.clone(),
            labels_after: msg.label_ids(),
            added: Vec::new(),
            removed: Vec::new(),
        });
        self.last_change_ms = now_ms;
        true
    }

    pub fn trash(&mut self, id: &str, now_ms: i64) {
        let removed: Vec<String> = match self.messages.get(id) {
            Some(m) if !m.labels.contains("TRASH") => ["INBOX", "SPAM"]
                .iter()
                .filter(|l| m.labels.contains(**l))
                .map(|l| l.to_string())
                .collect(),
            _ => return,
        };
        self.change_labels(id, &["TRASH".to_string()], &removed, now_ms);
        if let Some(m) = self.messages.get_mut(id) {
            m.removed_by_trash = removed;
        }
    }

    pub fn untrash(&mut self, id: &str, now_ms: i64) {
        let restore = match self.messages.get(id) {
            Some(m) if m.labels.contains("TRASH") => m.removed_by_trash.clone(),
            _ => return,
        };
        self.change_labels(id, &restore, &["TRASH".to_string()], now_ms);
        if let Some(m) = self.messages.get_mut(id) {
            m.removed_by_trash.clear();
        }
    }

    /// Message ids of a thread, oldest first.
    pub fn thread_messages(&self, thread_id: &str) -> Vec<&Message> {
        let mut v: Vec<&Message> = self
            .messages
            .values()
            .filter(|m| m.thread_id == thread_id)
            .collect();
        v.sort_by_key(|m| (m.internal_date_ms, m.id.clone()));
        v
    }

    pub fn thread_history_id(&self, thread_id: &str) -> u64 {
        self.thread_messages(thread_id)
            .iter()
            .map(|m| m.history_id)
            .max()
            .unwrap_or(0)
    }

    pub fn label_counts(&self, label: &str) -> LabelCounts {
        let mut c = LabelCounts::default();
        let mut threads: BTreeMap<&str, bool> = BTreeMap::new();
        for m in self.messages.values().filter(|m| m.labels.contains(label)) {
            c.messages_total += 1;
            if m.is_unread() {
                c.messages_unread += 1;
            }
            let unread = threads.entry(&m.thread_id).or_insert(false);
            *unread |= m.is_unread();
        }
        c.threads_total = threads.len();
        c.threads_unread = threads.values().filter(|u| **u).count();
        c
    }

    pub fn label_json(&self, id: &str, with_counts: bool) -> Option<Value> {
        let mut v = if SYSTEM_LABELS.contains(&id) {
            let hidden = matches!(
                id,
                "CHAT" | "SPAM" | "TRASH" | "DRAFT" | "SENT" | "IMPORTANT" | "STARRED" | "UNREAD"
            ) || id.starts_with("CATEGORY_");
            let mut v = json!({"id": id, "name": id, "type": "system"});
            if !hidden {
                v["messageListVisibility"] = json!("hide");
                v["labelListVisibility"] = json!("labelShow");
            }
            v
        } else {
            let l = self.user_labels.iter().find(|l| l.id == id)?;
            let mut v = json!({"id": l.id, "name": l.name, "messageListVisibility": l.message_list_visibility,
                               "labelListVisibility": l.label_list_visibility, "type": "user"});
            if let Some((text, background)) = &l.color {
                v["color"] = json!({"textColor": text, "backgroundColor": background});
            }
            v
        };
        if with_counts {
            let c = self.label_counts(id);
            v["messagesTotal"] = json!(c.messages_total);
            v["messagesUnread"] = json!(c.messages_unread);
            v["threadsTotal"] = json!(c.threads_total);
            v["threadsUnread"] = json!(c.threads_unread);
        }
        Some(v)
    }

    pub fn all_label_ids(&self) -> Vec<String> {
        SYSTEM_LABELS
            .iter()
            .map(|s| s.to_string())
            .chain(self.user_labels.iter().map(|l| l.id.clone()))
            .collect()
    }

    /// Forgets history older than the retention; start ids before what is left get 404.
    pub fn prune_history(&mut self, now_ms: i64, retention_secs: u64) {
        let cutoff = now_ms.saturating_sub(
            i64::try_from(retention_secs)
                .unwrap_or(i64::MAX)
                .saturating_mul(1000),
        );
        let keep_from = self
            .history
            .iter()
            .position(|r| r.at_ms >= cutoff)
            .unwrap_or(self.history.len());
        if keep_from > 0 {
            let last_dropped = self.history[keep_from - 1].id;
            self.history.drain(..keep_from);
            self.history_floor = self.history_floor.max(last_dropped);
        }
        // Nothing changed for longer than the retention: ids handed out back then are stale too. Move the
        // current id on (a gap) so that a fresh getProfile answer stays valid while the old one gets 404.
        if self.last_change_ms < cutoff {
            self.history_id += 1;
            self.history_floor = self.history_id;
            self.last_change_ms = now_ms;
        }
    }
}

/// The parts of raw mail with a filename, under the ids `format=full` names them by.
fn raw_attachments(root: &Part, message_id: &str) -> Vec<Attachment> {
    root.walk()
        .into_iter()
        .filter(|p| p.is_attachment())
        .map(|p| Attachment {
            id: attachment_id(message_id, &p.part_id),
            filename: p.filename.clone(),
            mime_type: p.mime_type.clone(),
            data: p.content.clone(),
        })
        .collect()
}

/// What `insert_message` needs.
pub struct NewMessage {
    pub thread_id: Option<String>,
    pub date_ms: i64,
    pub from: String,
    pub to: String,
    pub cc: Option<String>,
    pub subject: String,
    pub text: Option<String>,
    pub html: Option<String>,
    pub labels: Vec<String>,
    pub attachments: Vec<SeedAttachment>,
    pub source: Option<RawMail>,
}

impl NewMessage {
    /// A message from raw RFC 822 bytes: the fields search and snippets use come from its decoded headers and
    /// text body.
    pub fn from_raw(
        bytes: &[u8],
        thread_id: Option<String>,
        date_ms: i64,
        labels: Vec<String>,
    ) -> NewMessage {
        let source = rfc822::parse(bytes);
        let header = |name: &str| source.header(name).map(str::to_string);
        NewMessage {
            thread_id,
            date_ms,
            from: header("From").unwrap_or_default(),
            to: header("To").unwrap_or_default(),
            cc: header("Cc"),
            subject: header("Subject").unwrap_or_default(),
            text: source.text.clone(),
            html: source.html.clone(),
            labels,
            attachments: Vec::new(),
            source: Some(source),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sub_is_21_digits_and_stable() {
        let s = derive_sub("a@b.c");
        assert_eq!(s.len(), 21);
        assert!(s.chars().all(|c| c.is_ascii_digit()));
        assert_eq!(s, derive_sub("A@b.c"));
        assert_ne!(s, derive_sub("x@b.c"));
    }

    #[test]
    fn snippet_is_html_escaped() {
        assert_eq!(html_escape("a<b> & 'c'"), "a&lt;b&gt; &amp; &#39;c&#39;");
        assert_eq!(
            strip_tags("<p>Hi &amp; <b>you</b></p>")
                .split_whitespace()
                .collect::<Vec<_>>(),
            ["Hi", "&", "you"]
        );
        assert_eq!(
            strip_tags("<p>a<script>alert(1)</script>b<style>p{}</style>c</p>")
                .split_whitespace()
                .collect::<Vec<_>>(),
            ["a", "b", "c"]
        );
    }
}
