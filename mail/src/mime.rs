//! A Gmail message (`format=full` JSON, or raw RFC 822 bytes) walked into a [`MessageView`]: the headers a
//! reader shows, the chosen body (plain text split into visible and quoted segments, or HTML made into an inert
//! document by [`crate::sanitize`]), inline images, attachments, forwarded messages as nested views, and a
//! short notice for everything that could not be shown.
//!
//! Caps, so hostile mail costs linear time and bounded memory: parts nest at most [`MAX_DEPTH`] deep and a
//! message has at most [`MAX_PARTS`] parts (deeper or further parts are left out with a notice); a text body
//! keeps its first [`MAX_TEXT_BYTES`], an HTML body its first [`crate::sanitize::MAX_HTML_BYTES`]; an inline
//! image is put in the document as a `data:` URI only up to [`MAX_INLINE_IMAGE_BYTES`].
//!
//! Everything in a view is text except [`Body::Html::document`], the sanitised document for a sandboxed
//! iframe's `srcdoc`.

mod gmail;
pub mod headers;
mod raw;

use crate::bytes::clip_bytes;
use crate::charset::{self, Charsets};
pub use crate::image::{data_uri, SAFE_IMAGE_TYPES};
pub use crate::notice::{Notice, NoticeKind};
use crate::quote::{self, TextSegment};
use crate::sanitize::{self, SanitizeOptions};
use base64::Engine as _;
use headers::{parse_addresses, parse_params, Mailbox};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Parts nest at most this deep (a message root is depth 0; a forwarded message's parts count on).
pub const MAX_DEPTH: usize = 32;
/// The most parts read from one message, forwarded messages included.
pub const MAX_PARTS: usize = 1_000;
/// The most bytes of plain text shown for one message.
pub const MAX_TEXT_BYTES: usize = 1 << 20;
/// The largest inline image put into the document as a `data:` URI.
pub const MAX_INLINE_IMAGE_BYTES: usize = 4 << 20;
/// The largest attachment whose bytes are carried in the view (only for parts Gmail gave no attachmentId, as
/// in raw mail); bigger ones are listed without bytes.
pub const MAX_CARRIED_ATTACHMENT_BYTES: usize = 8 << 20;
/// The longest subject or display name kept.
const MAX_HEADER_TEXT: usize = 2_000;

/// A conversation as the reader page draws it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConversationView {
    pub thread_id: String,
    /// Oldest first, as Gmail lists them.
    pub messages: Vec<MessageView>,
}

/// One message as a card.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct MessageView {
    pub id: String,
    pub thread_id: String,
    pub label_ids: Vec<String>,
    /// Milliseconds since the epoch: Gmail's `internalDate`, or the Date header for raw and forwarded mail.
    pub date_ms: Option<i64>,
    /// The Date header as written.
    pub date_header: String,
    pub from: Option<Mailbox>,
    pub reply_to: Vec<Mailbox>,
    pub to: Vec<Mailbox>,
    pub cc: Vec<Mailbox>,
    pub subject: String,
    /// Gmail's snippet, unescaped to text (empty for raw and forwarded mail).
    pub snippet: String,
    /// Message-ID, In-Reply-To and References, for building a reply.
    pub message_id: String,
    pub in_reply_to: String,
    pub references: String,
    pub body: Body,
    /// The message has the other form of its body too (plain beside HTML or HTML beside plain).
    pub has_alternative: bool,
    pub inline_images: Vec<InlineImage>,
    pub attachments: Vec<Attachment>,
    /// `message/rfc822` parts: forwarded or attached messages.
    pub forwarded: Vec<MessageView>,
    pub notices: Vec<Notice>,
}

/// The body chosen for display.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Body {
    /// No text at all.
    #[default]
    Empty,
    /// Plain text, split into what to show and quoted text to collapse.
    Text { segments: Vec<TextSegment> },
    /// The sanitised HTML document for a sandboxed iframe's `srcdoc`.
    Html {
        document: String,
        /// Remote images (and CSS backgrounds) left out because remote content is not allowed; when more
        /// than zero the page offers "Show images".
        remote_blocked: u32,
        /// `cid:` images the document refers to that had no data: fetch their attachments and read again
        /// with [`ReadOptions::cid_images`].
        missing_cids: Vec<String>,
        /// The document has quoted text collapsed behind a toggle.
        has_quote: bool,
    },
}

/// An image a `cid:` URL of the HTML body can point at.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InlineImage {
    /// The Content-ID without its angle brackets.
    pub content_id: String,
    pub part_id: String,
    pub mime_type: String,
    pub size: u64,
    /// Where its bytes are when Gmail did not include them (`messages.attachments.get`).
    pub attachment_id: Option<String>,
}

/// A file attached to the message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attachment {
    /// Safe to save under: no path separators, no control or bidi characters, never empty.
    pub file_name: String,
    pub mime_type: String,
    pub size: u64,
    pub attachment_id: Option<String>,
    pub part_id: String,
    /// Standard base64 of the bytes, only when there is no attachment id to fetch them by (raw mail) and
    /// they are at most [`MAX_CARRIED_ATTACHMENT_BYTES`].
    pub content_base64: Option<String>,
}

/// How to read a message.
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    /// Show the plain-text alternative when a message has both.
    pub prefer_plain: bool,
    /// Remote images and CSS were allowed for this message ("Show images").
    pub allow_remote: bool,
    /// Content-ID (without angle brackets) to a `data:` URI, for inline images the caller fetched.
    pub cid_images: BTreeMap<String, String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("the message is not Gmail JSON: {0}")]
    Json(#[from] serde_json::Error),
}

/// A part of the tree, from JSON or from raw bytes alike.
#[derive(Debug, Default, Clone)]
pub(crate) struct Part {
    pub part_id: String,
    /// Lower case; may be empty in hostile JSON.
    pub mime_type: String,
    pub filename: String,
    pub headers: Vec<(String, String)>,
    pub body: PartBody,
    pub parts: Vec<Part>,
    /// Children were left out or the part was cut off.
    pub cut: bool,
}

#[derive(Debug, Default, Clone)]
pub(crate) struct PartBody {
    pub size: u64,
    pub data: Option<Vec<u8>>,
    pub attachment_id: Option<String>,
}

impl PartBody {
    fn data(bytes: Vec<u8>) -> PartBody {
        PartBody {
            size: bytes.len() as u64,
            data: Some(bytes),
            attachment_id: None,
        }
    }
}

impl Part {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// The raw reader's running totals.
#[derive(Debug, Default)]
pub(crate) struct Budget {
    pub parts: usize,
    pub cut: bool,
    /// Inside multipart/digest, a part without a Content-Type is a message.
    pub digest_default: bool,
}

/// Reads a `threads.get format=full` answer.
pub fn read_thread_json(
    json: &str,
    charsets: &dyn Charsets,
    options: &ReadOptions,
) -> Result<ConversationView, ReadError> {
    read_thread_json_each(json, charsets, &|_| options.clone())
}

/// Reads a `threads.get format=full` answer with options per message (by message id): "Show images" is asked
/// for one message at a time.
pub fn read_thread_json_each(
    json: &str,
    charsets: &dyn Charsets,
    options: &dyn Fn(&str) -> ReadOptions,
) -> Result<ConversationView, ReadError> {
    let thread = gmail::thread_from_json(json)?;
    let messages = thread
        .messages
        .into_iter()
        .map(|m| {
            let options = options(&m.id);
            view_of_gmail(m, charsets, &options)
        })
        .collect();
    Ok(ConversationView {
        thread_id: thread.id,
        messages,
    })
}

/// Reads a `messages.get` answer (`format=full`, or `format=raw`).
pub fn read_message_json(
    json: &str,
    charsets: &dyn Charsets,
    options: &ReadOptions,
) -> Result<MessageView, ReadError> {
    Ok(view_of_gmail(
        gmail::message_from_json(json)?,
        charsets,
        options,
    ))
}

/// Reads raw RFC 822 bytes (a `format=raw` message decoded, or a `.eml` attachment).
pub fn read_raw(bytes: &[u8], charsets: &dyn Charsets, options: &ReadOptions) -> MessageView {
    let mut budget = Budget::default();
    let root = raw::parse_entity(bytes, "", 0, &mut budget);
    let mut view = Walker::new(charsets, options).message(&root, 0);
    if budget.cut {
        push_notice(&mut view.notices, too_complex());
    }
    view
}

fn view_of_gmail(
    message: gmail::GmailMessage,
    charsets: &dyn Charsets,
    options: &ReadOptions,
) -> MessageView {
    let mut view = match (&message.payload, &message.raw) {
        (_, Some(raw)) => read_raw(raw, charsets, options),
        (Some(root), None) => Walker::new(charsets, options).message(root, 0),
        (None, None) => MessageView::default(),
    };
    if message.cut {
        push_notice(&mut view.notices, too_complex());
    }
    view.id = message.id;
    view.thread_id = message.thread_id;
    view.label_ids = message.label_ids;
    view.snippet = gmux_core::inbox::unescape_snippet(&message.snippet);
    if message.internal_date.is_some() {
        view.date_ms = message.internal_date;
    }
    view
}

fn too_complex() -> Notice {
    Notice::PartsLeftOut
}

fn push_notice(notices: &mut Vec<Notice>, notice: Notice) {
    if !notices.contains(&notice) {
        notices.push(notice);
    }
}

/// A body part chosen for display, in order.
struct Piece<'a> {
    html: bool,
    part: &'a Part,
}

/// What the walk of one message collected.
#[derive(Default)]
struct Collected<'a> {
    pieces: Vec<Piece<'a>>,
    /// Images with a Content-ID: shown inline if the HTML refers to them, else listed as attachments.
    inline: Vec<&'a Part>,
    attachments: Vec<&'a Part>,
    forwarded: Vec<MessageView>,
    notices: Vec<Notice>,
    has_alternative: bool,
}

struct Walker<'a> {
    charsets: &'a dyn Charsets,
    options: &'a ReadOptions,
}

impl<'a> Walker<'a> {
    fn new(charsets: &'a dyn Charsets, options: &'a ReadOptions) -> Walker<'a> {
        Walker { charsets, options }
    }

    /// The view of the message whose root part is `root`.
    fn message(&self, root: &Part, depth: usize) -> MessageView {
        let mut view = MessageView::default();
        let header_text = |name: &str| {
            root.header(name)
                .map(|v| clip(&headers::decode_words(v, self.charsets), MAX_HEADER_TEXT))
                .unwrap_or_default()
        };
        let addresses = |name: &str| {
            root.header(name)
                .map(|v| parse_addresses(v, self.charsets))
                .unwrap_or_default()
                .into_iter()
                .map(|m| Mailbox {
                    name: clip(&m.name, MAX_HEADER_TEXT),
                    address: clip(&m.address, MAX_HEADER_TEXT),
                })
                .collect::<Vec<_>>()
        };
        view.subject = header_text("subject");
        view.from = addresses("from").into_iter().next();
        view.reply_to = addresses("reply-to");
        view.to = addresses("to");
        view.cc = addresses("cc");
        view.date_header = header_text("date");
        view.date_ms = headers::parse_date(&view.date_header);
        view.message_id = header_text("message-id");
        view.in_reply_to = header_text("in-reply-to");
        view.references = header_text("references");

        let mut found = Collected::default();
        self.walk(root, depth, &mut found);
        let body = self.body(&found.pieces, &mut found.notices);
        let (body, used_cids) = match body {
            Built::Text(text) => (
                Body::Text {
                    segments: quote::split_text(&text),
                },
                Vec::new(),
            ),
            Built::Html(html) => self.document(&html, &found.inline, &mut found.notices),
            Built::Empty => (Body::Empty, Vec::new()),
        };
        view.body = body;
        view.has_alternative = found.has_alternative;
        for image in &found.inline {
            let content_id = content_id(image).unwrap_or_default();
            view.inline_images.push(InlineImage {
                content_id: content_id.clone(),
                part_id: image.part_id.clone(),
                mime_type: image.mime_type.clone(),
                size: image.body.size,
                attachment_id: image.body.attachment_id.clone(),
            });
            // An image the body does not show is a file like any other, as Gmail lists it.
            if !used_cids.contains(&content_id) {
                found.attachments.push(image);
            }
        }
        for part in &found.attachments {
            view.attachments
                .push(attachment(part, self.charsets, &mut found.notices));
        }
        view.forwarded = found.forwarded;
        view.notices = found.notices;
        view
    }

    fn walk(&self, part: &'a Part, depth: usize, found: &mut Collected<'a>) {
        if part.cut {
            push_notice(
                &mut found.notices,
                if part.parts.is_empty() && !part.mime_type.starts_with("multipart/") {
                    too_complex()
                } else {
                    Notice::PartCutOff
                },
            );
        }
        let mime = part.mime_type.as_str();
        if let Some(sub) = mime.strip_prefix("multipart/") {
            if part.parts.is_empty() {
                if !part.cut {
                    push_notice(&mut found.notices, Notice::PartEmpty);
                }
                return;
            }
            match sub {
                "alternative" => self.alternative(part, depth, found),
                "related" => {
                    let start =
                        parse_params(part.header("content-type").unwrap_or(""), self.charsets)
                            .get("start")
                            .map(|s| strip_angles(s).to_string());
                    let root_index = start
                        .and_then(|s| {
                            part.parts
                                .iter()
                                .position(|p| content_id(p) == Some(s.clone()))
                        })
                        .unwrap_or(0);
                    for (i, child) in part.parts.iter().enumerate() {
                        if i == root_index {
                            self.walk(child, depth + 1, found);
                        } else if is_inline_image(child) {
                            found.inline.push(child);
                        } else {
                            self.walk(child, depth + 1, found);
                        }
                    }
                }
                "encrypted" => {
                    push_notice(&mut found.notices, Notice::Encrypted);
                }
                "signed" => {
                    // The signed content is the first part; the signature itself is not for reading.
                    if let Some(first) = part.parts.first() {
                        self.walk(first, depth + 1, found);
                    }
                }
                _ => {
                    for child in &part.parts {
                        self.walk(child, depth + 1, found);
                    }
                }
            }
            return;
        }
        if mime == "message/rfc822" || mime == "message/global" {
            self.forwarded(part, depth, found);
            return;
        }
        let disposition = part
            .header("content-disposition")
            .map(|d| parse_params(d, self.charsets).value)
            .unwrap_or_default();
        let attached = disposition == "attachment" || !part.filename.is_empty();
        if !attached && (mime == "text/plain" || mime == "text/html" || mime.is_empty()) {
            found.pieces.push(Piece {
                html: mime == "text/html",
                part,
            });
            return;
        }
        if is_inline_image(part) && disposition != "attachment" {
            found.inline.push(part);
            return;
        }
        if mime.starts_with("application/pgp-signature")
            || mime.starts_with("application/pkcs7-signature")
            || mime.starts_with("application/x-pkcs7-signature")
        {
            return;
        }
        if part.body.size > 0 || part.body.attachment_id.is_some() || !part.filename.is_empty() {
            found.attachments.push(part);
        }
    }

    /// Chooses one alternative: HTML unless plain is preferred, the last one of the preferred kind (RFC 2046
    /// puts the richest last), else the last one that can be shown at all.
    fn alternative(&self, part: &'a Part, depth: usize, found: &mut Collected<'a>) {
        let kinds: Vec<Option<bool>> = part.parts.iter().map(html_kind).collect();
        let wanted = !self.options.prefer_plain;
        let chosen = kinds
            .iter()
            .rposition(|k| *k == Some(wanted))
            .or_else(|| kinds.iter().rposition(|k| k.is_some()));
        found.has_alternative = kinds.contains(&Some(true)) && kinds.contains(&Some(false));
        match chosen {
            Some(i) => {
                self.walk(&part.parts[i], depth + 1, found);
                // Other alternatives that are files (a calendar invitation) are still offered.
                for (j, other) in part.parts.iter().enumerate() {
                    if j != i && (!other.filename.is_empty() || other.mime_type == "text/calendar")
                    {
                        found.attachments.push(other);
                    }
                }
            }
            None => {
                if let Some(last) = part.parts.last() {
                    self.walk(last, depth + 1, found);
                }
            }
        }
    }

    fn forwarded(&self, part: &'a Part, depth: usize, found: &mut Collected<'a>) {
        if let Some(inner) = part.parts.first() {
            found.forwarded.push(self.message(inner, depth + 1));
            return;
        }
        if let Some(data) = part.body.data.as_ref().filter(|d| !d.is_empty()) {
            if depth + 1 >= MAX_DEPTH {
                push_notice(&mut found.notices, too_complex());
                return;
            }
            let mut budget = Budget {
                // Parts already read count against the same cap, roughly: one per level.
                parts: depth,
                ..Budget::default()
            };
            let inner = raw::parse_entity(data, &part.part_id, depth + 1, &mut budget);
            let mut view = self.message(&inner, depth + 1);
            if budget.cut {
                push_notice(&mut view.notices, too_complex());
            }
            found.forwarded.push(view);
            return;
        }
        // Only an attachment id: offered as a file; the page can fetch it and call `read_raw`.
        found.attachments.push(part);
    }

    /// The text of the chosen pieces: plain text joined, or one HTML source when any piece is HTML.
    fn body(&self, pieces: &[Piece], notices: &mut Vec<Notice>) -> Built {
        let any_html = pieces.iter().any(|p| p.html);
        let mut text = String::new();
        for piece in pieces {
            let Some(decoded) = self.decode_piece(piece, notices) else {
                continue;
            };
            if any_html && !piece.html {
                text.push_str("<div style=\"white-space: pre-wrap\">");
                text.push_str(&escape_text(&decoded));
                text.push_str("</div>");
            } else {
                if !any_html && !text.is_empty() {
                    text.push_str("\n\n");
                }
                text.push_str(&decoded);
            }
        }
        let cap = if any_html {
            sanitize::MAX_HTML_BYTES
        } else {
            MAX_TEXT_BYTES
        };
        if text.len() > cap {
            text = clip_bytes(&text, cap).to_string();
            push_notice(
                notices,
                Notice::TextCut {
                    shown_bytes: cap as u64,
                },
            );
        }
        if pieces.is_empty() || (text.trim().is_empty() && !any_html) {
            Built::Empty
        } else if any_html {
            Built::Html(text)
        } else {
            Built::Text(text)
        }
    }

    /// A text part's bytes decoded from its charset (and un-flowed for `format=flowed`).
    fn decode_piece(&self, piece: &Piece, notices: &mut Vec<Notice>) -> Option<String> {
        let part = piece.part;
        let Some(data) = &part.body.data else {
            if part.body.attachment_id.is_some() {
                push_notice(notices, Notice::TextAsAttachment);
            }
            return None;
        };
        // Bytes past the cap are never decoded: a 20 MB part costs no more than the cap.
        let cap = if piece.html {
            sanitize::MAX_HTML_BYTES
        } else {
            MAX_TEXT_BYTES
        };
        let data = &data[..data.len().min(cap + 4)];
        let params = parse_params(part.header("content-type").unwrap_or(""), self.charsets);
        let mut label = params.get("charset").unwrap_or("").to_string();
        if label.is_empty() && piece.html {
            label = sniff_meta_charset(data).unwrap_or_default();
        }
        let decoded = charset::decode(self.charsets, &label, data);
        if let Some(unknown) = decoded.unknown {
            push_notice(notices, Notice::UnknownCharset { charset: unknown });
        }
        let mut text = decoded.text;
        if !piece.html
            && params
                .get("format")
                .is_some_and(|f| f.eq_ignore_ascii_case("flowed"))
        {
            let delsp = params
                .get("delsp")
                .is_some_and(|d| d.eq_ignore_ascii_case("yes"));
            text = quote::unflow(&text, delsp);
        }
        Some(text)
    }

    /// Sanitises an HTML source with the message's inline images; returns the body and the Content-IDs the
    /// document shows.
    fn document(
        &self,
        html: &str,
        inline: &[&Part],
        notices: &mut Vec<Notice>,
    ) -> (Body, Vec<String>) {
        let mut cid_images = self.options.cid_images.clone();
        for image in inline {
            let Some(cid) = content_id(image) else {
                continue;
            };
            if cid_images.contains_key(&cid) {
                continue;
            }
            if let Some(data) = &image.body.data {
                if data.len() <= MAX_INLINE_IMAGE_BYTES {
                    if let Some(uri) = data_uri(&image.mime_type, data) {
                        cid_images.insert(cid, uri);
                    }
                } else {
                    push_notice(notices, Notice::ImageAsAttachment);
                }
            }
        }
        let out = sanitize::sanitize(
            html,
            &SanitizeOptions {
                allow_remote: self.options.allow_remote,
                cid_images: &cid_images,
            },
        );
        for notice in out.notices {
            push_notice(notices, notice);
        }
        let mut used = out.used_cids;
        used.extend(out.missing_cids.iter().cloned());
        (
            Body::Html {
                document: out.document,
                remote_blocked: out.remote_blocked,
                missing_cids: out.missing_cids,
                has_quote: out.has_quote,
            },
            used,
        )
    }
}

enum Built {
    Empty,
    Text(String),
    Html(String),
}

/// Whether a part, as an alternative, is HTML (`Some(true)`), plain text (`Some(false)`) or neither.
fn html_kind(part: &Part) -> Option<bool> {
    match part.mime_type.as_str() {
        "text/html" => Some(true),
        "text/plain" => Some(false),
        m if m.starts_with("multipart/") => {
            // A related or mixed alternative is as rich as the richest thing in it.
            let kinds: Vec<Option<bool>> = part.parts.iter().map(html_kind).collect();
            if kinds.contains(&Some(true)) {
                Some(true)
            } else if kinds.contains(&Some(false)) {
                Some(false)
            } else {
                None
            }
        }
        _ => None,
    }
}

fn is_inline_image(part: &Part) -> bool {
    part.mime_type.starts_with("image/") && content_id(part).is_some()
}

fn content_id(part: &Part) -> Option<String> {
    let id = strip_angles(part.header("content-id")?.trim());
    (!id.is_empty()).then(|| id.to_string())
}

fn strip_angles(s: &str) -> &str {
    let s = s.trim();
    let s = s.strip_prefix('<').unwrap_or(s);
    s.strip_suffix('>').unwrap_or(s)
}

fn attachment(part: &Part, charsets: &dyn Charsets, notices: &mut Vec<Notice>) -> Attachment {
    let mut name = part.filename.clone();
    if name.is_empty() {
        let disposition = parse_params(part.header("content-disposition").unwrap_or(""), charsets);
        let content_type = parse_params(part.header("content-type").unwrap_or(""), charsets);
        name = disposition
            .get("filename")
            .or_else(|| content_type.get("name"))
            .unwrap_or("")
            .to_string();
    }
    let name = headers::decode_words(&name, charsets);
    let mime_type = if part.mime_type.is_empty() {
        "application/octet-stream".to_string()
    } else {
        clip(&part.mime_type, 200)
    };
    let content_base64 = match (&part.body.attachment_id, &part.body.data) {
        (None, Some(data)) if data.len() <= MAX_CARRIED_ATTACHMENT_BYTES => {
            Some(base64::engine::general_purpose::STANDARD.encode(data))
        }
        (None, Some(_)) => {
            push_notice(notices, Notice::AttachmentInGmail);
            None
        }
        _ => None,
    };
    Attachment {
        file_name: safe_file_name(&name, &mime_type),
        mime_type,
        size: part.body.size,
        attachment_id: part.body.attachment_id.clone(),
        part_id: part.part_id.clone(),
        content_base64,
    }
}

/// The most characters of a file name kept.
const MAX_FILE_NAME: usize = 150;

/// A file name safe to offer for saving: the last path segment only; control, bidi-override, zero-width and
/// characters Windows forbids replaced; no leading dots or trailing dots and spaces; not a Windows device name;
/// never empty (a name from the MIME type instead).
pub fn safe_file_name(name: &str, mime_type: &str) -> String {
    let last = name.rsplit(['/', '\\']).next().unwrap_or("").trim();
    let mut out: String = last
        .chars()
        .map(|c| {
            if c.is_control()
                || matches!(
                    c,
                    '\u{200b}'..='\u{200f}'
                        | '\u{202a}'..='\u{202e}'
                        | '\u{2066}'..='\u{2069}'
                        | '\u{061c}'
                        | '\u{feff}'
                        | '<' | '>' | ':' | '"' | '|' | '?' | '*'
                )
            {
                '_'
            } else {
                c
            }
        })
        .collect();
    out = out
        .trim_start_matches(['.', ' '])
        .trim_end_matches(['.', ' '])
        .to_string();
    if out.chars().count() > MAX_FILE_NAME {
        // Keep the extension: it says what opens the file.
        let ext: String = match out.rfind('.') {
            Some(i) if out.len() - i <= 10 => out[i..].to_string(),
            _ => String::new(),
        };
        let stem: String = out
            .chars()
            .take(MAX_FILE_NAME - ext.chars().count())
            .collect();
        out = format!("{stem}{ext}");
    }
    let stem = out.split('.').next().unwrap_or("").to_ascii_uppercase();
    let reserved = matches!(stem.as_str(), "CON" | "PRN" | "AUX" | "NUL")
        || ((stem.starts_with("COM") || stem.starts_with("LPT"))
            && stem.len() == 4
            && stem.as_bytes()[3].is_ascii_digit());
    if reserved {
        out.insert(0, '_');
    }
    if out.chars().all(|c| c == '_') {
        out.clear();
    }
    if out.is_empty() {
        out = format!("attachment{}", extension_for(mime_type));
    }
    out
}

fn extension_for(mime_type: &str) -> &'static str {
    match mime_type {
        "application/pdf" => ".pdf",
        "image/png" => ".png",
        "image/jpeg" | "image/jpg" => ".jpg",
        "image/gif" => ".gif",
        "text/plain" => ".txt",
        "text/html" => ".html",
        "text/calendar" => ".ics",
        "message/rfc822" => ".eml",
        "application/zip" => ".zip",
        _ => "",
    }
}

/// The start of a meta charset declaration in an HTML body without a charset parameter.
fn sniff_meta_charset(data: &[u8]) -> Option<String> {
    let head = &data[..data.len().min(1024)];
    let lower: Vec<u8> = head.iter().map(u8::to_ascii_lowercase).collect();
    let at = lower.windows(8).position(|w| w == b"charset=")?;
    let rest = &head[at + 8..];
    let rest = rest
        .strip_prefix(b"\"")
        .or_else(|| rest.strip_prefix(b"'"))
        .unwrap_or(rest);
    let end = rest
        .iter()
        .position(|b| !(b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b':' | b'.')))
        .unwrap_or(rest.len());
    let label = std::str::from_utf8(&rest[..end]).ok()?;
    (!label.is_empty()).then(|| label.to_string())
}

fn escape_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    out
}

/// At most `max` characters.
fn clip(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => s[..i].to_string(),
        None => s.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_made_safe() {
        let check = |name: &str, want: &str| {
            assert_eq!(safe_file_name(name, "application/pdf"), want, "{name}")
        };
        check("report.pdf", "report.pdf");
        check("../../etc/passwd", "passwd");
        check("C:\\Users\\x\\evil.exe", "evil.exe");
        check("invoice\u{202e}fdp.exe", "invoice_fdp.exe");
        check("a\u{0}b\nc.txt", "a_b_c.txt");
        check("", "attachment.pdf");
        check("...", "attachment.pdf");
        check("/", "attachment.pdf");
        check("\u{202e}", "attachment.pdf");
        check(".bashrc", "bashrc");
        check("con.txt", "_con.txt");
        check("COM1", "_COM1");
        check("what?.pdf", "what_.pdf");
        check("name. . .", "name");
        let long = format!("{}.pdf", "x".repeat(500));
        let got = safe_file_name(&long, "");
        assert_eq!(got.chars().count(), MAX_FILE_NAME);
        assert!(got.ends_with(".pdf"));
    }

    #[test]
    fn data_uris_only_for_raster_images() {
        assert_eq!(
            data_uri("image/PNG", b"x").as_deref(),
            Some("data:image/png;base64,eA==")
        );
        assert_eq!(data_uri("image/svg+xml", b"<svg/>"), None);
        assert_eq!(data_uri("text/html", b"x"), None);
    }

    #[test]
    fn meta_charset_is_sniffed() {
        assert_eq!(
            sniff_meta_charset(
                b"<meta http-equiv=Content-Type content=\"text/html; charset=ISO-8859-2\">"
            )
            .as_deref(),
            Some("ISO-8859-2")
        );
        assert_eq!(
            sniff_meta_charset(b"<meta charset='koi8-r'>").as_deref(),
            Some("koi8-r")
        );
        assert_eq!(sniff_meta_charset(b"<p>no charset</p>"), None);
    }
}
