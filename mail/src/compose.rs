//! Building the RFC 5322 message gmux hands to Gmail's `messages.send` (as base64url `raw`, or through the
//! upload endpoint when large; see [`Transport`]) or to `drafts.create`.
//!
//! [`build`] takes a [`Draft`], the time (unix milliseconds and the local UTC offset) and 16 random bytes,
//! and returns the message: no clock, no randomness, no IO here, so the same input gives the same bytes.
//!
//! The message is 7-bit ASCII with CRLF line ends and lines of at most 76 characters where gmux can choose
//! (never more than 998): headers are folded, non-ASCII header text is RFC 2047 encoded, attachment names
//! are RFC 2231 encoded (with a `name=` fallback in the RFC 2047 form Gmail and Outlook write themselves),
//! and bodies are quoted-printable or base64. The body is `text/plain; charset="UTF-8"` without
//! `format=flowed`: the user's lines are sent exactly as typed (quoted-printable soft breaks keep long
//! lines whole), which is what Gmail's own plain-text mode shows; flowed text would need space-stuffing
//! and is read inconsistently. With attachments the message is `multipart/mixed`: the text, then each
//! attachment in base64 with its type, `Content-Disposition: attachment` and file name.
//!
//! Header values come from people and from hostile mail: a line break (CR or LF) in any of them (subject,
//! names, addresses, file names, types) is refused with [`ComposeError::LineBreak`], never written, so no
//! value can start a header of its own. Other control characters are refused too, except tab.

mod date;
mod text;

pub use date::{civil, gmail_date, rfc5322, Civil, DateStyle, MAX_OFFSET_MINUTES};
pub use text::{
    forward_block, forward_subject, header_text, quote_reply, reply_subject, QuoteSource,
};

use crate::address::{reply_recipients, write_list, AddressError, Mailbox, OriginalAddresses};
use crate::encode::{
    base64_lines_len, plain_quotable, quoted_printable, rfc2231_parameter, Counter, HeaderLine,
    Sink,
};
use serde::{Deserialize, Serialize};
use std::fmt;
use thiserror::Error;

/// Gmail's limit on the attachments of one message: "up to 25 MB in attachments" (Gmail Help), read here
/// as 25 MiB of file bytes. In base64 that is about 35 MB, which still fits [`MAX_MESSAGE_BYTES`].
pub const MAX_ATTACHMENT_BYTES: usize = 25 * 1024 * 1024;

/// The largest message `messages.send` and `drafts.create` take: `mediaUpload.maxSize` of both methods
/// in Gmail's discovery document (36,700,160 bytes, 35 MiB), counted on the encoded message.
pub const MAX_MESSAGE_BYTES: usize = 36_700_160;

/// The largest message gmux sends as JSON `raw`: 3 MiB of message is about 4 MiB of base64url. Google's
/// upload guide puts single-request transfers at "5 MB or less", and `raw` JSON bodies have been refused
/// with `Request payload size exceeds the limit` well under 35 MB (at 1 MiB for some accounts, in 2016),
/// so larger messages go through the upload endpoint as `message/rfc822`, which is held to the 35 MiB of
/// [`MAX_MESSAGE_BYTES`] and sends the bytes without the base64url third.
pub const MAX_RAW_JSON_MESSAGE_BYTES: usize = 3 * 1024 * 1024;

/// Up to this size an upload is one `uploadType=multipart` request (JSON metadata such as `threadId`,
/// then the message); above it Google advises `uploadType=resumable`.
pub const MAX_MULTIPART_UPLOAD_BYTES: usize = 5 * 1024 * 1024;

/// References kept in a reply: the thread's first message and the most recent ones, as RFC 5322 section
/// 3.6.4 allows a client to trim them. Twenty ids are about 1,400 characters of header, and Gmail
/// threads by the most recent ones and the subject.
const MAX_REFERENCES: usize = 20;

/// A message being written.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Draft {
    /// The sending identity: the account or one of its send-as aliases, with its display name.
    pub from: Mailbox,
    #[serde(default)]
    pub to: Vec<Mailbox>,
    #[serde(default)]
    pub cc: Vec<Mailbox>,
    /// Written into the message given to Gmail: `messages.send` delivers to the Bcc addresses and strips
    /// the header from what every recipient receives, keeping it only in the sender's Sent copy (and a
    /// draft needs it to remember its Bcc recipients).
    #[serde(default)]
    pub bcc: Vec<Mailbox>,
    #[serde(default)]
    pub subject: String,
    /// What the user wrote, plain text.
    #[serde(default)]
    pub body: String,
    #[serde(default)]
    pub attachments: Vec<Attachment>,
    /// Set for a reply: the threading headers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply: Option<ReplyContext>,
    /// The original quoted below the body (a reply's `> ` quote or a forwarded block), when the caller
    /// has not put it into `body` itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quote: Option<Quote>,
}

/// One attached file.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    /// The file name shown to recipients: not empty, at most 255 bytes of UTF-8, no control characters
    /// (see [`sanitize_file_name`] for names taken from received mail).
    pub file_name: String,
    /// `type/subtype`; anything else (empty, parameters, odd characters) is sent as
    /// `application/octet-stream`. A line break in it is refused like any header value.
    pub mime_type: String,
    pub data: Vec<u8>,
}

impl std::fmt::Debug for Attachment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Attachment")
            .field("file_name", &self.file_name)
            .field("mime_type", &self.mime_type)
            .field("bytes", &self.data.len())
            .finish()
    }
}

/// What a reply needs to thread: the original's ids as Gmail gives its headers.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplyContext {
    /// The original's `Message-ID` header value (`<id@host>`).
    pub message_id: String,
    /// The original's `References` header value, or its `In-Reply-To` when it had no References.
    #[serde(default)]
    pub references: String,
    /// The Gmail thread id, for the JSON of `messages.send` (`threadId`); not part of the message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thread_id: Option<String>,
}

/// Quote the original as a reply (attribution line and `> `) or as a forward (Gmail's block).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum QuoteKind {
    #[default]
    Reply,
    Forward,
}

/// The original shown below the user's text.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quote {
    pub kind: QuoteKind,
    #[serde(default)]
    pub style: DateStyle,
    pub original: Original,
}

/// The message being answered or forwarded, as the background reads it from Gmail (`format=full`: header
/// values decoded, the text body chosen by the MIME reader).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Original {
    #[serde(default)]
    pub message_id: String,
    #[serde(default)]
    pub references: String,
    #[serde(default)]
    pub in_reply_to: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thread_id: Option<String>,
    #[serde(default)]
    pub subject: String,
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub reply_to: String,
    #[serde(default)]
    pub to: String,
    #[serde(default)]
    pub cc: String,
    /// When it was sent (its `internalDate`), for the attribution line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_ms: Option<i64>,
    /// The user's UTC offset at that time (it may differ from now's across a daylight-saving change).
    #[serde(default)]
    pub date_offset_minutes: i32,
    /// Its plain text.
    #[serde(default)]
    pub text: String,
}

impl Draft {
    /// A new message from `from`, with nothing else yet.
    pub fn new(from: Mailbox) -> Draft {
        Draft {
            from,
            ..Draft::default()
        }
    }

    /// A reply (or a reply to all) to `original` from `from`: recipients as [`reply_recipients`] chooses
    /// them (`own` is the account's address and its aliases), `Re: ` subject, threading headers, and the
    /// original quoted in Gmail's form below an empty body.
    pub fn reply(
        from: Mailbox,
        original: &Original,
        own: &[String],
        all: bool,
        style: DateStyle,
    ) -> Draft {
        let addresses = OriginalAddresses {
            from: original.from.clone(),
            reply_to: original.reply_to.clone(),
            to: original.to.clone(),
            cc: original.cc.clone(),
        };
        let recipients = reply_recipients(&addresses, own, all);
        // Only well-formed ids are carried over: a hostile original's header text cannot make the
        // user's reply fail (or reach the reply).
        let references = if message_ids(&original.references).is_empty() {
            message_ids(&original.in_reply_to)
        } else {
            message_ids(&original.references)
        };
        Draft {
            from,
            to: recipients.to,
            cc: recipients.cc,
            subject: reply_subject(&original.subject),
            reply: Some(ReplyContext {
                message_id: message_ids(&original.message_id)
                    .into_iter()
                    .next()
                    .unwrap_or_default(),
                references: references.join(" "),
                thread_id: original.thread_id.clone(),
            }),
            quote: Some(Quote {
                kind: QuoteKind::Reply,
                style,
                original: original.clone(),
            }),
            ..Draft::default()
        }
    }

    /// A forward of `original` from `from`: no recipients yet, `Fwd: ` subject, Gmail's forwarded block.
    /// The original's attachments are the caller's to add (it fetches their bytes).
    pub fn forward(from: Mailbox, original: &Original, style: DateStyle) -> Draft {
        Draft {
            from,
            subject: forward_subject(&original.subject),
            quote: Some(Quote {
                kind: QuoteKind::Forward,
                style,
                original: original.clone(),
            }),
            ..Draft::default()
        }
    }

    /// The Gmail thread a reply belongs in: the `threadId` to send with the message.
    pub fn thread_id(&self) -> Option<&str> {
        self.reply.as_ref().and_then(|r| r.thread_id.as_deref())
    }

    /// Whether anyone would receive it: `messages.send` refuses a message without recipients, a draft
    /// may have none.
    pub fn has_recipients(&self) -> bool {
        !(self.to.is_empty() && self.cc.is_empty() && self.bcc.is_empty())
    }

    /// The text of the body: what the user wrote, then the quote, with LF line ends.
    pub fn full_text(&self) -> String {
        let body = text::lf_lines(&self.body);
        let Some(quote) = &self.quote else {
            return body;
        };
        let o = &quote.original;
        let source = QuoteSource {
            from: &o.from,
            to: &o.to,
            cc: &o.cc,
            subject: &o.subject,
            date_ms: o.date_ms,
            date_offset_minutes: o.date_offset_minutes,
            text: &o.text,
            style: quote.style,
        };
        let quoted = match quote.kind {
            QuoteKind::Reply => quote_reply(&source),
            QuoteKind::Forward => forward_block(&source),
        };
        let body = body.trim_end_matches('\n');
        if body.is_empty() {
            quoted
        } else {
            format!("{body}\n\n{quoted}")
        }
    }

    /// The file bytes of all attachments.
    pub fn attachment_bytes(&self) -> usize {
        self.attachments.iter().map(|a| a.data.len()).sum()
    }
}

/// Which address field a recipient or a typed list is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Header {
    To,
    Cc,
    Bcc,
}

impl Header {
    /// The header's name as it is written in a message (not a word for people).
    pub fn name(self) -> &'static str {
        match self {
            Header::To => "To",
            Header::Cc => "Cc",
            Header::Bcc => "Bcc",
        }
    }
}

/// Which part of a mailbox a refusal is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Part {
    /// The mailbox as a whole (an address that is not one).
    Whole,
    Name,
    Address,
}

/// The value a refusal is about, as data: the page words it in the browser's language. Numbers count from 1
/// as people do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "field", rename_all = "snake_case")]
pub enum Field {
    Sender {
        part: Part,
    },
    Recipient {
        header: Header,
        number: usize,
        part: Part,
    },
    /// A whole address field as the user typed it.
    Typed {
        header: Header,
    },
    Subject,
    OriginalMessageId,
    AttachmentName {
        number: usize,
    },
    AttachmentType {
        number: usize,
    },
}

/// An English rendering for tests and logs only; people see the extension's catalogue words.
impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let part = |part: Part| match part {
            Part::Whole => "",
            Part::Name => "the name of ",
            Part::Address => "the address of ",
        };
        match self {
            Field::Sender { part: p } => write!(f, "{}the sender", part(*p)),
            Field::Recipient {
                header,
                number,
                part: p,
            } => write!(f, "{}recipient {number} in {}", part(*p), header.name()),
            Field::Typed { header } => write!(f, "the {} field", header.name()),
            Field::Subject => f.write_str("the subject"),
            Field::OriginalMessageId => f.write_str("the original's Message-ID"),
            Field::AttachmentName { number } => write!(f, "the file name of attachment {number}"),
            Field::AttachmentType { number } => write!(f, "the type of attachment {number}"),
        }
    }
}

/// Why a message could not be built, as data (the field, the recipient's number, the sizes), so the
/// extension words it in the browser's language. `code()` gives a stable code for the page; the `Display`
/// text is English for tests and logs only.
#[derive(Debug, Clone, PartialEq, Eq, Error, Serialize, Deserialize)]
#[serde(tag = "problem", rename_all = "snake_case")]
pub enum ComposeError {
    #[error("{field} has a line break in it, which a header cannot hold")]
    LineBreak { field: Field },
    #[error("{field} has the control character U+{code:04X} in it")]
    ControlCharacter { field: Field, code: u32 },
    #[error("{field}: {error}")]
    Address { field: Field, error: AddressError },
    #[error("attachment {number} has no file name")]
    EmptyFileName { number: usize },
    #[error("the file name of attachment {number} is longer than {limit} bytes")]
    FileNameTooLong { number: usize, limit: usize },
    #[error(
        "the attachments add up to {total} bytes, more than the {limit} bytes (25 MB) Gmail sends"
    )]
    AttachmentsTooLarge { total: usize, limit: usize },
    #[error("the message is {size} bytes once encoded, more than the {limit} bytes Gmail accepts")]
    MessageTooLarge { size: usize, limit: usize },
    #[error("the time {ms} ms is not between the years 1970 and 9999")]
    TimeOutOfRange { ms: i64 },
    #[error("the UTC offset of {minutes} minutes is not between -14:00 and +14:00")]
    OffsetOutOfRange { minutes: i32 },
    #[error("the message has no recipient")]
    NoRecipients,
}

/// The longest file name, in bytes, a message gmux writes may carry.
pub const MAX_FILE_NAME_BYTES: usize = 255;

impl ComposeError {
    /// A stable, snake_case code for the page to choose its sentence or field by.
    pub fn code(&self) -> &'static str {
        match self {
            ComposeError::LineBreak { .. } => "line_break",
            ComposeError::ControlCharacter { .. } => "control_character",
            ComposeError::Address { .. } => "bad_address",
            ComposeError::EmptyFileName { .. } => "empty_file_name",
            ComposeError::FileNameTooLong { .. } => "file_name_too_long",
            ComposeError::AttachmentsTooLarge { .. } => "attachments_too_large",
            ComposeError::MessageTooLarge { .. } => "message_too_large",
            ComposeError::TimeOutOfRange { .. } => "bad_time",
            ComposeError::OffsetOutOfRange { .. } => "bad_offset",
            ComposeError::NoRecipients => "no_recipients",
        }
    }
}

/// How the background should hand a message of this size to Gmail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// `POST .../messages/send` (or `drafts`) with JSON `{"raw": base64url, "threadId": ...}`.
    RawJson,
    /// `POST /upload/gmail/v1/users/me/messages/send?uploadType=multipart`: a `multipart/related` body of
    /// the JSON metadata (`threadId`) and the message as `message/rfc822`.
    MultipartUpload,
    /// `uploadType=resumable`: start a session with the metadata, then PUT the message.
    ResumableUpload,
}

/// The size of a built message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MessageSize {
    /// The whole message, encoded, as [`build`] returns it.
    pub message_bytes: usize,
    /// The attachments' file bytes, before encoding.
    pub attachment_bytes: usize,
}

impl MessageSize {
    /// The length of the message in base64url without padding (Gmail's `raw`).
    pub fn raw_bytes(&self) -> usize {
        (self.message_bytes * 4).div_ceil(3)
    }

    /// Raw JSON up to [`MAX_RAW_JSON_MESSAGE_BYTES`], one multipart upload up to
    /// [`MAX_MULTIPART_UPLOAD_BYTES`], a resumable upload above.
    pub fn transport(&self) -> Transport {
        if self.message_bytes <= MAX_RAW_JSON_MESSAGE_BYTES {
            Transport::RawJson
        } else if self.message_bytes <= MAX_MULTIPART_UPLOAD_BYTES {
            Transport::MultipartUpload
        } else {
            Transport::ResumableUpload
        }
    }
}

/// The message `draft` becomes at `now_ms` (unix milliseconds) in a zone `utc_offset_minutes` east of UTC,
/// with a Message-ID made of `random`. Checks every value first (see [`ComposeError`]), then the
/// attachments against [`MAX_ATTACHMENT_BYTES`] and the encoded message against [`MAX_MESSAGE_BYTES`]
/// (before writing it). Recipients are not required (a draft may have none): see
/// [`check_sendable`].
pub fn build(
    draft: &Draft,
    now_ms: i64,
    utc_offset_minutes: i32,
    random: [u8; 16],
) -> Result<Vec<u8>, ComposeError> {
    let total = draft.attachment_bytes();
    if total > MAX_ATTACHMENT_BYTES {
        return Err(ComposeError::AttachmentsTooLarge {
            total,
            limit: MAX_ATTACHMENT_BYTES,
        });
    }
    let prepared = prepare(draft, now_ms, utc_offset_minutes, random)?;
    let mut counter = Counter::default();
    prepared.write(draft, &mut counter);
    if counter.0 > MAX_MESSAGE_BYTES {
        return Err(ComposeError::MessageTooLarge {
            size: counter.0,
            limit: MAX_MESSAGE_BYTES,
        });
    }
    let mut out = Vec::with_capacity(counter.0);
    prepared.write(draft, &mut out);
    Ok(out)
}

/// The size [`build`] would give the same arguments, without building it (attachments are counted, not
/// encoded), and without the size limits: so the page can show the sizes next to the limits.
pub fn measure(
    draft: &Draft,
    now_ms: i64,
    utc_offset_minutes: i32,
    random: [u8; 16],
) -> Result<MessageSize, ComposeError> {
    let prepared = prepare(draft, now_ms, utc_offset_minutes, random)?;
    let mut counter = Counter::default();
    prepared.write(draft, &mut counter);
    Ok(MessageSize {
        message_bytes: counter.0,
        attachment_bytes: draft.attachment_bytes(),
    })
}

/// What `messages.send` needs beyond [`build`]: at least one recipient.
pub fn check_sendable(draft: &Draft) -> Result<(), ComposeError> {
    if draft.has_recipients() {
        Ok(())
    } else {
        Err(ComposeError::NoRecipients)
    }
}

/// Makes a file name from received mail fit to send: control characters (line breaks included) become
/// spaces, spaces around it go, it is cut to 255 bytes (keeping whole characters and, when it can, the
/// extension), and an empty name becomes `attachment`.
pub fn sanitize_file_name(name: &str) -> String {
    let clean = header_text(name);
    let clean = clean.trim();
    if clean.is_empty() {
        return "attachment".to_string();
    }
    if clean.len() <= 255 {
        return clean.to_string();
    }
    let ext = clean
        .rfind('.')
        .map(|i| &clean[i..])
        .filter(|e| e.len() <= 16)
        .unwrap_or("");
    let mut stem_end = 255 - ext.len();
    while !clean.is_char_boundary(stem_end) {
        stem_end -= 1;
    }
    format!("{}{ext}", clean[..stem_end].trim_end())
}

/// The headers and text part, encoded; the attachments are written from the draft.
struct Prepared {
    /// The message's headers, ending with the blank line.
    head: String,
    /// Single part: the encoded text. Multipart: the first boundary, the text part and its delimiter.
    text: String,
    /// For each attachment, its part headers (with the blank line).
    parts: Vec<String>,
    boundary: Option<String>,
}

impl Prepared {
    fn write(&self, draft: &Draft, out: &mut impl Sink) {
        out.put(self.head.as_bytes());
        out.put(self.text.as_bytes());
        let Some(boundary) = &self.boundary else {
            return;
        };
        for (part, attachment) in self.parts.iter().zip(&draft.attachments) {
            out.put(b"--");
            out.put(boundary.as_bytes());
            out.put(b"\r\n");
            out.put(part.as_bytes());
            out.put_base64(&attachment.data);
        }
        out.put(b"--");
        out.put(boundary.as_bytes());
        out.put(b"--\r\n");
    }
}

/// Reads an address field as the user typed it (`header` is its name: `To`, `Cc`, `Bcc`). A line break or a
/// control character in it is refused like one in any header value, before the list is read: the address
/// reader would take a line break for white space, and what looked like a header of its own (`Bcc: ...`)
/// would become recipients nobody meant.
pub fn typed_list(header: Header, text: &str) -> Result<Vec<Mailbox>, ComposeError> {
    let field = Field::Typed { header };
    check_header_text(field, text)?;
    crate::address::parse_list(text).map_err(|error| ComposeError::Address { field, error })
}

/// Refuses a line break or a control character (other than tab) in a header value.
fn check_header_text(field: Field, value: &str) -> Result<(), ComposeError> {
    if value.contains(['\r', '\n']) {
        return Err(ComposeError::LineBreak { field });
    }
    if let Some(c) = value.chars().find(|c| c.is_ascii_control() && *c != '\t') {
        return Err(ComposeError::ControlCharacter {
            field,
            code: u32::from(c),
        });
    }
    Ok(())
}

/// Checks one mailbox; `field` names it with the part it is about.
fn check_mailbox(field: impl Fn(Part) -> Field, m: &Mailbox) -> Result<(), ComposeError> {
    if let Some(name) = &m.name {
        check_header_text(field(Part::Name), name)?;
    }
    check_header_text(field(Part::Address), &m.address)?;
    m.check().map_err(|error| ComposeError::Address {
        field: field(Part::Whole),
        error,
    })
}

fn check_list(header: Header, list: &[Mailbox]) -> Result<(), ComposeError> {
    for (i, m) in list.iter().enumerate() {
        let number = i + 1;
        check_mailbox(
            |part| Field::Recipient {
                header,
                number,
                part,
            },
            m,
        )?;
    }
    Ok(())
}

/// Every message id (`<left@right>`) in a header value, in order; anything else (comments, stray words,
/// ids with spaces or controls, ids longer than 250 characters) is skipped. Ids are copied, never the
/// text around them, so a line break in a received header cannot reach the reply.
pub fn message_ids(value: &str) -> Vec<String> {
    let mut ids = Vec::new();
    let mut rest = value;
    while let Some(open) = rest.find('<') {
        let after = &rest[open + 1..];
        let Some(close) = after.find(['>', '<']) else {
            break;
        };
        if after.as_bytes()[close] == b'<' {
            rest = &after[close..];
            continue;
        }
        let inner = &after[..close];
        let ok = inner.len() + 2 <= 250
            && inner.bytes().all(|b| (0x21..=0x7e).contains(&b))
            && inner
                .split_once('@')
                .is_some_and(|(l, r)| !l.is_empty() && !r.is_empty() && !r.contains('@'));
        if ok {
            ids.push(format!("<{inner}>"));
        }
        rest = &after[close + 1..];
    }
    ids
}

/// The References of a reply: the original's references and then its own id, each once, trimmed to the
/// first and the most recent ones.
fn reply_references(ctx: &ReplyContext, parent: &str) -> Vec<String> {
    // The parent comes last even when a hostile original also lists it among its references.
    let mut ids: Vec<String> = Vec::new();
    for id in message_ids(&ctx.references) {
        if id != parent && !ids.contains(&id) {
            ids.push(id);
        }
    }
    ids.push(parent.to_string());
    if ids.len() > MAX_REFERENCES {
        let tail = ids.split_off(ids.len() - (MAX_REFERENCES - 1));
        ids.truncate(1);
        ids.extend(tail);
    }
    ids
}

/// `type/subtype` when `mime` is one (RFC 2045 tokens), lower-cased; `application/octet-stream` otherwise.
fn content_type(mime: &str) -> String {
    let token = |s: &str| {
        !s.is_empty()
            && s.len() <= 127
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
    };
    match mime.trim().split_once('/') {
        Some((t, s)) if token(t) && token(s) => format!("{t}/{s}").to_ascii_lowercase(),
        _ => "application/octet-stream".to_string(),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// How the text travels: 7bit when every line is short printable ASCII without `=` (so a boundary, which
/// starts with `=_`, can never occur in it), otherwise the shorter of quoted-printable and base64.
fn encode_text(text: &str) -> (&'static str, String) {
    let seven_bit = text.split("\r\n").all(|line| {
        line.len() <= 76
            && !line.ends_with([' ', '\t'])
            && line
                .bytes()
                .all(|b| (0x20..=0x7e).contains(&b) && b != b'=')
    });
    if seven_bit {
        return ("7bit", text.to_string());
    }
    let qp = quoted_printable(text);
    if qp.len() <= base64_lines_len(text.len()) {
        ("quoted-printable", qp)
    } else {
        let mut out = Vec::new();
        crate::encode::base64_lines(text.as_bytes(), &mut out);
        let mut b = String::from_utf8(out).unwrap_or_default();
        // The lines end in CRLF; the part's own line end comes from the delimiter or the message end.
        b.truncate(b.trim_end().len());
        ("base64", b)
    }
}

fn prepare(
    draft: &Draft,
    now_ms: i64,
    utc_offset_minutes: i32,
    random: [u8; 16],
) -> Result<Prepared, ComposeError> {
    if utc_offset_minutes.unsigned_abs() > MAX_OFFSET_MINUTES.unsigned_abs() {
        return Err(ComposeError::OffsetOutOfRange {
            minutes: utc_offset_minutes,
        });
    }
    let date = rfc5322(now_ms, utc_offset_minutes)
        .filter(|_| now_ms >= 0)
        .ok_or(ComposeError::TimeOutOfRange { ms: now_ms })?;

    check_mailbox(|part| Field::Sender { part }, &draft.from)?;
    check_list(Header::To, &draft.to)?;
    check_list(Header::Cc, &draft.cc)?;
    check_list(Header::Bcc, &draft.bcc)?;
    check_header_text(Field::Subject, &draft.subject)?;
    if let Some(ctx) = &draft.reply {
        check_header_text(Field::OriginalMessageId, &ctx.message_id)?;
    }
    for (i, a) in draft.attachments.iter().enumerate() {
        let number = i + 1;
        check_header_text(Field::AttachmentName { number }, &a.file_name)?;
        check_header_text(Field::AttachmentType { number }, &a.mime_type)?;
        if a.file_name.trim().is_empty() {
            return Err(ComposeError::EmptyFileName { number });
        }
        if a.file_name.len() > MAX_FILE_NAME_BYTES {
            return Err(ComposeError::FileNameTooLong {
                number,
                limit: MAX_FILE_NAME_BYTES,
            });
        }
    }

    let mut head = String::new();
    let mut from = HeaderLine::new("From");
    draft.from.write(&mut from, false);
    head.push_str(&from.finish());
    for (name, list) in [("To", &draft.to), ("Cc", &draft.cc), ("Bcc", &draft.bcc)] {
        if !list.is_empty() {
            let mut h = HeaderLine::new(name);
            write_list(&mut h, list);
            head.push_str(&h.finish());
        }
    }
    if !draft.subject.is_empty() {
        let mut h = HeaderLine::new("Subject");
        h.unstructured(&draft.subject);
        head.push_str(&h.finish());
    }
    head.push_str(&format!("Date: {date}\r\n"));
    head.push_str(&format!(
        "Message-ID: <{}@{}>\r\n",
        hex(&random),
        draft.from.domain()
    ));
    if let Some(ctx) = &draft.reply {
        if let Some(parent) = message_ids(&ctx.message_id).into_iter().next() {
            head.push_str(&format!("In-Reply-To: {parent}\r\n"));
            let mut h = HeaderLine::new("References");
            for id in reply_references(ctx, &parent) {
                h.token(&id);
            }
            head.push_str(&h.finish());
        }
    }
    head.push_str("MIME-Version: 1.0\r\n");

    let mut body = text::lf_lines(&draft.full_text());
    if !body.ends_with('\n') {
        body.push('\n');
    }
    let body = body.replace('\n', "\r\n");
    let (cte, encoded) = encode_text(&body);
    let text_headers = format!(
        "Content-Type: text/plain; charset=\"UTF-8\"\r\nContent-Transfer-Encoding: {cte}\r\n\r\n"
    );
    // 7bit and quoted-printable text keep the body's final CRLF; base64 lines get one back here.
    let encoded = if cte == "base64" {
        encoded + "\r\n"
    } else {
        encoded
    };

    if draft.attachments.is_empty() {
        head.push_str(&text_headers);
        return Ok(Prepared {
            head,
            text: encoded,
            parts: Vec::new(),
            boundary: None,
        });
    }
    // `=_` cannot occur in quoted-printable or base64 output, nor in 7bit text (chosen only without `=`):
    // no part can contain the boundary, whatever the user wrote.
    let mut reversed = random;
    reversed.reverse();
    let boundary = format!("=_gmux_{}", hex(&reversed));
    let mut ct = HeaderLine::new("Content-Type");
    ct.token("multipart/mixed;");
    ct.token(&format!("boundary=\"{boundary}\""));
    head.push_str(&ct.finish());
    head.push_str("\r\n");
    // The CRLF before a delimiter belongs to the delimiter: 7bit and quoted-printable text, which end
    // in the body's own final line break, get one more so that line break stays in the text.
    let delimiter_crlf = if cte == "base64" { "" } else { "\r\n" };
    let text = format!("--{boundary}\r\n{text_headers}{encoded}{delimiter_crlf}");
    let parts = draft.attachments.iter().map(attachment_headers).collect();
    Ok(Prepared {
        head,
        text,
        parts,
        boundary: Some(boundary),
    })
}

/// An attachment's part headers: its type with a `name=` (plain, or RFC 2047 words inside the quotes,
/// the form Gmail itself writes and other clients read), `Content-Disposition: attachment` with
/// `filename=` (plain) or `filename*=` (RFC 2231), and base64.
fn attachment_headers(a: &Attachment) -> String {
    let name = a.file_name.trim();
    let plain = plain_quotable(name);
    let mut ct = HeaderLine::new("Content-Type");
    ct.token(&format!("{};", content_type(&a.mime_type)));
    if plain {
        ct.token(&format!("name=\"{name}\""));
    } else {
        let words = crate::encode::encoded_words(name, 48);
        let last = words.len() - 1;
        // One word a line: inside quotes a reader may keep a space between words on one line as text
        // (mail-parser does), while every reader drops a folding line break.
        for (i, w) in words.iter().enumerate() {
            let close = if i == last { "\"" } else { "" };
            if i == 0 {
                ct.token(&format!("name=\"{w}{close}"));
            } else {
                ct.token_on_new_line(&format!("{w}{close}"));
            }
        }
    }
    let mut cd = HeaderLine::new("Content-Disposition");
    cd.token("attachment;");
    if plain {
        cd.token(&format!("filename=\"{name}\""));
    } else {
        let pieces = rfc2231_parameter("filename", name);
        let last = pieces.len() - 1;
        for (i, p) in pieces.iter().enumerate() {
            cd.token(&format!("{p}{}", if i == last { "" } else { ";" }));
        }
    }
    let mut out = ct.finish();
    out.push_str(&cd.finish());
    out.push_str("Content-Transfer-Encoding: base64\r\n\r\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_address_fields_refuse_line_breaks_before_reading_them() {
        let cases: [(&str, Result<usize, &str>); 6] = [
            ("ann@example.com", Ok(1)),
            ("\"Doe, Jane\" <j@x.io>, b@c.de", Ok(2)),
            ("", Ok(0)),
            (
                "ann@example.com\r\nBcc: thief@evil.example",
                Err("line_break"),
            ),
            ("ann@example.com\nX-Injected: yes", Err("line_break")),
            ("ann@example.com\u{7}", Err("control_character")),
        ];
        for (text, expected) in cases {
            let got = typed_list(Header::To, text)
                .map(|l| l.len())
                .map_err(|e| e.code());
            assert_eq!(got, expected, "{text:?}");
        }
        let e = typed_list(Header::Cc, "a@b.c\r\nBcc: x@y.z").unwrap_err();
        assert_eq!(
            e,
            ComposeError::LineBreak {
                field: Field::Typed { header: Header::Cc }
            }
        );
        assert_eq!(
            e.to_string(),
            "the Cc field has a line break in it, which a header cannot hold"
        );
    }

    #[test]
    fn message_ids_are_read_not_copied() {
        assert_eq!(
            message_ids("<a@b> junk <c@d>\r\n <e@f> <no-at> <x y@z> <<g@h>"),
            ["<a@b>", "<c@d>", "<e@f>", "<g@h>"]
        );
        assert!(message_ids("").is_empty());
        assert!(message_ids(&format!("<{}@x>", "a".repeat(250))).is_empty());
    }

    #[test]
    fn references_are_trimmed_to_the_first_and_the_latest() {
        let refs: Vec<String> = (0..30).map(|i| format!("<{i}@x>")).collect();
        let ctx = ReplyContext {
            message_id: "<30@x>".into(),
            references: refs.join(" "),
            thread_id: None,
        };
        let out = reply_references(&ctx, "<30@x>");
        assert_eq!(out.len(), MAX_REFERENCES);
        assert_eq!(out[0], "<0@x>");
        assert_eq!(out[1], "<12@x>");
        assert_eq!(out[19], "<30@x>");
        // A parent already among the references is not repeated, and still comes last.
        let ctx = ReplyContext {
            message_id: "<b@x>".into(),
            references: "<b@x> <a@x> <a@x> <b@x> <c@x>".into(),
            thread_id: None,
        };
        assert_eq!(reply_references(&ctx, "<b@x>"), ["<a@x>", "<c@x>", "<b@x>"]);
    }

    #[test]
    fn content_types() {
        assert_eq!(content_type("application/PDF"), "application/pdf");
        assert_eq!(content_type(""), "application/octet-stream");
        assert_eq!(
            content_type("text/html; charset=x"),
            "application/octet-stream"
        );
        assert_eq!(content_type("image/svg+xml"), "image/svg+xml");
        assert_eq!(content_type("a/b/c"), "application/octet-stream");
    }

    #[test]
    fn sanitized_file_names() {
        assert_eq!(sanitize_file_name("a\r\nb.pdf"), "a  b.pdf");
        assert_eq!(sanitize_file_name("  "), "attachment");
        let long = format!("{}.pdf", "é".repeat(200));
        let s = sanitize_file_name(&long);
        assert!(s.len() <= 255 && s.ends_with(".pdf"), "{s}");
    }

    #[test]
    fn transports_by_size() {
        let size = |n| MessageSize {
            message_bytes: n,
            attachment_bytes: 0,
        };
        assert_eq!(size(1000).transport(), Transport::RawJson);
        assert_eq!(
            size(MAX_RAW_JSON_MESSAGE_BYTES).transport(),
            Transport::RawJson
        );
        assert_eq!(
            size(MAX_RAW_JSON_MESSAGE_BYTES + 1).transport(),
            Transport::MultipartUpload
        );
        assert_eq!(size(6 << 20).transport(), Transport::ResumableUpload);
        assert_eq!(size(3).raw_bytes(), 4);
        assert_eq!(size(4).raw_bytes(), 6);
    }
}
