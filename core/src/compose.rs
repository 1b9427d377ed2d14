//! Writing mail: what a page and the background say about a message being written, the send state machine
//! with its undo window, when a draft is worth saving, and address suggestions from mail already synced.
//!
//! The message itself (recipients of a reply, the quote, the forwarded block, the RFC 5322 bytes) is
//! gmux-mail's; this module holds what gmux-core can decide without it, so the pages can use it too.
//!
//! A message being written lives in the background's memory (a composer session, keyed by an id the background
//! gives it), not only in the page: the page sends every change at once, and the background saves it as a Gmail
//! draft [`SAVE_AFTER_MS`] after the last change and when the composer closes. A popup closed mid-sentence loses
//! at most what was typed in the instant before it closed.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::reply::IntentError;

/// A draft is saved to Gmail this long after the last change.
pub const SAVE_AFTER_MS: u32 = 2_000;
/// The undo window when the user has not chosen one.
pub const DEFAULT_UNDO_SECONDS: u32 = 5;
/// The longest undo window (Gmail's own longest is 30 s).
pub const MAX_UNDO_SECONDS: u32 = 30;
/// Gmail's limit on the attachments of one message ("up to 25 MB"), read as 25 MiB of file bytes; gmux-mail's
/// builder enforces the same number.
pub const MAX_ATTACHMENT_BYTES: u64 = 25 * 1024 * 1024;
/// Suggestions shown under an address field.
pub const MAX_SUGGESTIONS: usize = 6;

/// What the composer starts from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ComposeKind {
    #[default]
    New,
    Reply,
    ReplyAll,
    Forward,
}

impl ComposeKind {
    /// The composer's title.
    pub fn title(self) -> &'static str {
        match self {
            ComposeKind::New => "New message",
            ComposeKind::Reply => "Reply",
            ComposeKind::ReplyAll => "Reply all",
            ComposeKind::Forward => "Forward",
        }
    }
}

/// An address mail can be sent from: an account's own or one of its send-as aliases (`settings.sendAs.list`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identity {
    /// The gmux account (host id) that sends it.
    pub account: String,
    pub email: String,
    /// The display name Gmail sends with it (may be empty).
    #[serde(default)]
    pub name: String,
    /// Gmail's default send-as address of the account.
    #[serde(default)]
    pub default: bool,
}

impl Identity {
    /// How the From picker shows it.
    pub fn label(&self) -> String {
        if self.name.trim().is_empty() {
            self.email.clone()
        } else {
            format!("{} <{}>", self.name.trim(), self.email)
        }
    }
}

/// The identity a composer starts with: the account's default send-as address, else its own address, else the
/// first identity of any account.
pub fn default_identity<'a>(identities: &'a [Identity], account: &str) -> Option<&'a Identity> {
    identities
        .iter()
        .find(|i| i.account == account && i.default)
        .or_else(|| identities.iter().find(|i| i.account == account))
        .or_else(|| identities.first())
}

/// An attachment of the original, forwarded with it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceAttachment {
    pub message: String,
    pub attachment: String,
    pub file_name: String,
    #[serde(default)]
    pub mime_type: String,
    #[serde(default)]
    pub size: u64,
}

/// The message answered or forwarded, as the page's reader read it from Gmail (header values decoded, the text
/// body chosen). Mail is hostile input: the background takes only well-formed ids from it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplySource {
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub message_id: String,
    #[serde(default)]
    pub references: String,
    #[serde(default)]
    pub in_reply_to: String,
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
    #[serde(default)]
    pub date_ms: Option<i64>,
    #[serde(default)]
    pub text: String,
    #[serde(default)]
    pub attachments: Vec<SourceAttachment>,
}

/// What the user edits, as typed: address fields are comma-separated text, read by gmux-mail when the message
/// is built.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Fields {
    /// The chosen identity's address.
    pub from: String,
    pub to: String,
    pub cc: String,
    pub bcc: String,
    pub subject: String,
    pub body: String,
}

/// An attached file as the page shows it (the bytes stay in the background).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttachmentInfo {
    pub file_name: String,
    #[serde(default)]
    pub mime_type: String,
    pub size: u64,
}

/// Whether there is anything to keep: a composer nobody typed into (a reply's quote alone) makes no draft.
pub fn worth_saving(fields: &Fields, attachments: usize) -> bool {
    attachments > 0
        || [
            &fields.to,
            &fields.cc,
            &fields.bcc,
            &fields.subject,
            &fields.body,
        ]
        .iter()
        .any(|f| !f.trim().is_empty())
}

/// Where a message is between the composer and Gmail.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "phase", rename_all = "snake_case")]
pub enum Phase {
    /// Being written (or back after Undo, or after a failed send: then `failed` says why).
    #[default]
    Editing,
    /// Send was pressed: it goes at `until_ms` unless undone.
    Waiting {
        until_ms: u64,
    },
    /// Handed to Gmail; no undo any more.
    Sending,
    Sent,
}

/// Why a send or undo was refused by the state machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Send was pressed again while it waits or goes: a message is never sent twice.
    AlreadySending,
    AlreadySent,
    /// Undo after the window closed.
    TooLate,
}

impl Phase {
    /// Send pressed at `now_ms` with an undo window of `undo_seconds` (clamped to [`MAX_UNDO_SECONDS`]).
    pub fn send(&self, now_ms: u64, undo_seconds: u32) -> Result<Phase, Refusal> {
        match self {
            Phase::Editing => Ok(Phase::Waiting {
                until_ms: now_ms + u64::from(undo_seconds.min(MAX_UNDO_SECONDS)) * 1_000,
            }),
            Phase::Waiting { .. } | Phase::Sending => Err(Refusal::AlreadySending),
            Phase::Sent => Err(Refusal::AlreadySent),
        }
    }

    /// Undo pressed at `now_ms`: back to editing while the window is open.
    pub fn undo(&self, now_ms: u64) -> Result<Phase, Refusal> {
        match self {
            Phase::Waiting { until_ms } if now_ms < *until_ms => Ok(Phase::Editing),
            Phase::Editing => Ok(Phase::Editing),
            Phase::Waiting { .. } | Phase::Sending | Phase::Sent => Err(Refusal::TooLate),
        }
    }

    /// The window's end reached at `now_ms`: whether to hand the message to Gmail now.
    pub fn due(&self, now_ms: u64) -> bool {
        matches!(self, Phase::Waiting { until_ms } if now_ms >= *until_ms)
    }

    /// Gmail's answer to the send: sent, or back to editing (the draft kept, the reason shown).
    pub fn finished(&self, sent: bool) -> Phase {
        match (self, sent) {
            (_, true) => Phase::Sent,
            (Phase::Sent, false) => Phase::Sent,
            (_, false) => Phase::Editing,
        }
    }

    /// Whether the page should keep the composer's fields editable.
    pub fn editable(&self) -> bool {
        matches!(self, Phase::Editing)
    }
}

/// A message being written, as the background holds it and a page draws it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComposerState {
    pub id: String,
    /// The account it started from (the conversation's); the From identity may be another account's.
    pub account: String,
    pub kind: ComposeKind,
    /// The conversation a reply or forward started from.
    #[serde(default)]
    pub thread: Option<String>,
    pub fields: Fields,
    /// The quoted original or forwarded block, shown read-only below the body and sent with it.
    #[serde(default)]
    pub quote: String,
    #[serde(default)]
    pub attachments: Vec<AttachmentInfo>,
    #[serde(flatten)]
    pub phase: Phase,
    /// Why the last send failed (the message is kept as a draft), until the next send.
    #[serde(default)]
    pub failed: Option<String>,
    /// Whether Gmail has the latest text as a draft.
    #[serde(default)]
    pub saved: bool,
    /// Why the last draft save failed, until one succeeds (the text is still in the background).
    #[serde(default)]
    pub save_error: Option<String>,
    /// It was found already open for this conversation (a draft the user left), not started now.
    #[serde(default)]
    pub resumed: bool,
}

impl ComposerState {
    pub fn attachment_bytes(&self) -> u64 {
        self.attachments.iter().map(|a| a.size).sum()
    }
}

/// The background's answer to the compose intents.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComposeReply {
    pub ok: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<IntentError>,
    /// Why a message could not be built (gmux-mail's code: `line_break`, `bad_address`, `no_recipients`...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compose_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<ComposerState>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub identities: Vec<Identity>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub suggestions: Vec<String>,
}

impl ComposeReply {
    pub fn with_state(state: ComposerState) -> ComposeReply {
        ComposeReply {
            ok: true,
            state: Some(state),
            ..ComposeReply::default()
        }
    }

    pub fn failed(code: IntentError, error: impl Into<String>) -> ComposeReply {
        ComposeReply {
            ok: false,
            error: Some(error.into()),
            code: Some(code),
            ..ComposeReply::default()
        }
    }

    /// The message cannot be built: nothing was sent, and `words` (the caller's, in the browser's language)
    /// say why.
    pub fn refused(compose_code: &str, words: impl Into<String>) -> ComposeReply {
        ComposeReply {
            compose_code: Some(compose_code.to_string()),
            ..ComposeReply::failed(IntentError::Internal, words)
        }
    }

    pub fn from_intent(reply: crate::reply::IntentReply) -> ComposeReply {
        ComposeReply {
            ok: reply.ok,
            error: reply.error,
            code: reply.code,
            ..ComposeReply::default()
        }
    }
}

/// The size shown beside the attachments: "1.2 MB of 25 MB".
pub fn attachments_label(bytes: u64) -> String {
    format!(
        "{} of {}",
        crate::reader::size_label(bytes),
        crate::reader::size_label(MAX_ATTACHMENT_BYTES)
    )
}

/// Whether adding files of `adding` bytes to `current` stays within Gmail's limit.
pub fn fits_limit(current: u64, adding: u64) -> bool {
    current.saturating_add(adding) <= MAX_ATTACHMENT_BYTES
}

/// The address being typed in an address field: the text after the last comma, trimmed.
pub fn typing_entry(field: &str) -> &str {
    field.rsplit(',').next().unwrap_or("").trim()
}

/// `field` with the entry being typed replaced by `chosen` and a separator after it, ready for the next.
pub fn complete_entry(field: &str, chosen: &str) -> String {
    let kept = match field.rfind(',') {
        Some(i) => format!("{}, ", field[..i].trim_end()),
        None => String::new(),
    };
    format!("{kept}{chosen}, ")
}

/// Addresses seen in the mail gmux has synced or read, for suggestions in the address fields. Computed and
/// kept in the background's memory, never sent anywhere.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AddressBook {
    /// Lower-case address → (the name last seen with it, times seen).
    entries: BTreeMap<String, (String, u32)>,
}

/// Addresses a book keeps at most (the least seen go first).
pub const MAX_BOOK_ENTRIES: usize = 5_000;

impl AddressBook {
    /// Learns one address with its display name (may be empty).
    pub fn learn(&mut self, name: &str, address: &str) {
        let address = address.trim();
        if address.is_empty() || !address.contains('@') || address.chars().any(char::is_control) {
            return;
        }
        let entry = self
            .entries
            .entry(address.to_lowercase())
            .or_insert_with(|| (String::new(), 0));
        let name = crate::text::display_text(name.trim());
        if !name.is_empty() {
            entry.0 = name;
        }
        entry.1 = entry.1.saturating_add(1);
        if self.entries.len() > MAX_BOOK_ENTRIES {
            let least = self
                .entries
                .iter()
                .min_by_key(|(_, (_, seen))| *seen)
                .map(|(k, _)| k.clone());
            if let Some(least) = least {
                self.entries.remove(&least);
            }
        }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Up to `limit` entries whose address or a word of whose name starts with `typed` (case ignored), the most
    /// seen first, written as `Name <address>` (or the address alone).
    pub fn suggest(&self, typed: &str, limit: usize) -> Vec<String> {
        let typed = typed.trim().to_lowercase();
        if typed.is_empty() {
            return Vec::new();
        }
        let mut found: Vec<(&String, &(String, u32))> = self
            .entries
            .iter()
            .filter(|(address, (name, _))| {
                address.starts_with(&typed)
                    || name
                        .to_lowercase()
                        .split(|c: char| c.is_whitespace() || c == '.' || c == '-')
                        .any(|w| w.starts_with(&typed))
                    || name.to_lowercase().starts_with(&typed)
            })
            .collect();
        found.sort_by(|a, b| b.1 .1.cmp(&a.1 .1).then(a.0.cmp(b.0)));
        found
            .into_iter()
            .take(limit)
            .map(|(address, (name, _))| mailbox_text(name, address))
            .collect()
    }
}

/// `Name <address>` as typed in an address field, the name quoted when it holds characters an address list
/// gives meaning to (so a comma in a name does not split it in two); the address alone without a name.
pub fn mailbox_text(name: &str, address: &str) -> String {
    if name.is_empty() {
        return address.to_string();
    }
    if name.contains([',', ';', '<', '>', '"', '(', ')', ':', '@', '[', ']', '\\']) {
        let escaped = name.replace('\\', "\\\\").replace('"', "\\\"");
        format!("\"{escaped}\" <{address}>")
    } else {
        format!("{name} <{address}>")
    }
}

/// The composer's settings (`Settings.compose`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ComposeSettings {
    /// Seconds a sent message waits for Undo, 0 to 30.
    pub undo_seconds: u32,
}

impl Default for ComposeSettings {
    fn default() -> Self {
        ComposeSettings {
            undo_seconds: DEFAULT_UNDO_SECONDS,
        }
    }
}

impl ComposeSettings {
    /// The undo window in use: what the user chose, within 0 to 30 seconds.
    pub fn undo_seconds(&self) -> u32 {
        self.undo_seconds.min(MAX_UNDO_SECONDS)
    }
}

/// The undo windows the options page offers (the current one among them), each with its words.
pub fn undo_choices(current: u32) -> Vec<(u32, String)> {
    let mut seconds = vec![0, 5, 10, 20, 30];
    let current = current.min(MAX_UNDO_SECONDS);
    if !seconds.contains(&current) {
        seconds.push(current);
        seconds.sort_unstable();
    }
    seconds
        .into_iter()
        .map(|s| {
            let words = match s {
                0 => "No undo: send at once".to_string(),
                1 => "1 second".to_string(),
                s => format!("{s} seconds"),
            };
            (s, words)
        })
        .collect()
}

/// The keys of the composer (an input field keeps its own typing; these come with Ctrl or Cmd there).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ComposeKey {
    /// `z` outside a field while a sent message waits: undo it.
    Undo,
    /// Ctrl/Cmd+Enter: send.
    Send,
    /// Escape: close the composer (the draft is kept).
    Close,
}

/// The composer's key for `key` with Ctrl or Cmd held (`command`) while focus is in a field (`in_field`).
pub fn compose_key(key: &str, command: bool, in_field: bool) -> Option<ComposeKey> {
    match (key, command, in_field) {
        ("Enter", true, _) => Some(ComposeKey::Send),
        ("Escape", _, _) => Some(ComposeKey::Close),
        ("z", false, false) => Some(ComposeKey::Undo),
        _ => None,
    }
}

/// The key that starts a composer from the list (`c`) or from an open conversation (`r`, `a`, `f`).
pub fn start_key(key: &str, reading: bool) -> Option<ComposeKind> {
    match (key, reading) {
        ("c", _) => Some(ComposeKind::New),
        ("r", true) => Some(ComposeKind::Reply),
        ("a", true) => Some(ComposeKind::ReplyAll),
        ("f", true) => Some(ComposeKind::Forward),
        _ => None,
    }
}

/// Whether what became of send `id` (sent, failed, lost) may change the page's toast, given the send whose Undo
/// the page holds (`waiting`): not while a later send waits out its undo window. That send's toast offers its
/// Undo, and an earlier message's "sent" in its place would hide the button and say the wrong thing.
pub fn outcome_owns_toast(waiting: Option<&str>, id: &str) -> bool {
    waiting.is_none_or(|waiting| waiting == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sends_outcome_leaves_a_later_sends_undo_on_screen() {
        // (the send the page holds Undo for, the send whose outcome came, whether it takes the toast)
        let cases = [
            (Some("a"), "a", true),
            (None, "a", true),
            (Some("b"), "a", false),
        ];
        for (waiting, id, expected) in cases {
            assert_eq!(
                outcome_owns_toast(waiting, id),
                expected,
                "{waiting:?} {id}"
            );
        }
    }

    #[test]
    fn the_send_state_machine_never_sends_twice_and_undo_has_a_window() {
        let waiting = Phase::Waiting { until_ms: 6_000 };
        // (phase, operation, now, expected)
        type Op = fn(&Phase, u64) -> Result<Phase, Refusal>;
        let send: Op = |p, now| p.send(now, 5);
        let undo: Op = |p, now| p.undo(now);
        let cases: [(Phase, Op, u64, Result<Phase, Refusal>); 9] = [
            (Phase::Editing, send, 1_000, Ok(waiting.clone())),
            (waiting.clone(), send, 2_000, Err(Refusal::AlreadySending)),
            (Phase::Sending, send, 2_000, Err(Refusal::AlreadySending)),
            (Phase::Sent, send, 2_000, Err(Refusal::AlreadySent)),
            (waiting.clone(), undo, 5_999, Ok(Phase::Editing)),
            (waiting.clone(), undo, 6_000, Err(Refusal::TooLate)),
            (Phase::Sending, undo, 1, Err(Refusal::TooLate)),
            (Phase::Sent, undo, 1, Err(Refusal::TooLate)),
            (Phase::Editing, undo, 1, Ok(Phase::Editing)),
        ];
        for (i, (phase, op, now, expected)) in cases.into_iter().enumerate() {
            assert_eq!(op(&phase, now), expected, "case {i}: {phase:?} at {now}");
        }
        assert_eq!(
            Phase::Editing.send(0, 0),
            Ok(Phase::Waiting { until_ms: 0 }),
            "undo 0 goes at once"
        );
        assert_eq!(
            Phase::Editing.send(0, 300),
            Ok(Phase::Waiting { until_ms: 30_000 }),
            "at most 30 s"
        );
        assert!(!waiting.due(5_999) && waiting.due(6_000));
        assert!(!Phase::Editing.due(u64::MAX) && !Phase::Sending.due(u64::MAX));
        assert_eq!(Phase::Sending.finished(true), Phase::Sent);
        assert_eq!(Phase::Sending.finished(false), Phase::Editing);
        assert_eq!(Phase::Sent.finished(false), Phase::Sent);
    }

    #[test]
    fn a_composer_nobody_typed_into_makes_no_draft() {
        let typed = |f: fn(&mut Fields)| {
            let mut fields = Fields {
                from: "me@example.com".into(),
                ..Fields::default()
            };
            f(&mut fields);
            fields
        };
        let cases = [
            (typed(|_| {}), 0, false),
            (typed(|f| f.body = "  \n".into()), 0, false),
            (typed(|_| {}), 1, true),
            (typed(|f| f.to = "ann@example.com".into()), 0, true),
            (typed(|f| f.subject = "Hi".into()), 0, true),
            (typed(|f| f.body = "x".into()), 0, true),
        ];
        for (fields, attachments, expected) in cases {
            assert_eq!(worth_saving(&fields, attachments), expected, "{fields:?}");
        }
    }

    #[test]
    fn suggestions_come_from_addresses_seen_most_first() {
        let mut book = AddressBook::default();
        book.learn("Ann Lee", "ann@example.com");
        book.learn("", "ann@example.com");
        book.learn("Bob, the builder", "bob@example.org");
        book.learn("Anneli Öberg", "anneli@example.se");
        book.learn("x", "not an address");
        book.learn("Evil", "evil@example.com\r\nBcc: x@y");
        let cases = [
            (
                "ann",
                vec![
                    "Ann Lee <ann@example.com>",
                    "Anneli Öberg <anneli@example.se>",
                ],
            ),
            ("LEE", vec!["Ann Lee <ann@example.com>"]),
            ("öb", vec!["Anneli Öberg <anneli@example.se>"]),
            ("bob", vec!["\"Bob, the builder\" <bob@example.org>"]),
            ("builder", vec!["\"Bob, the builder\" <bob@example.org>"]),
            ("", vec![]),
            ("zed", vec![]),
        ];
        for (typed, expected) in cases {
            assert_eq!(book.suggest(typed, MAX_SUGGESTIONS), expected, "{typed}");
        }
        assert_eq!(book.len(), 3);
        assert_eq!(mailbox_text("", "a@x.com"), "a@x.com");
        assert_eq!(
            mailbox_text("Ann \"A\" Lee", "a@x.com"),
            "\"Ann \\\"A\\\" Lee\" <a@x.com>"
        );
    }

    #[test]
    fn address_fields_complete_the_entry_being_typed() {
        let cases = [
            ("an", "Ann <ann@x.com>", "Ann <ann@x.com>, "),
            (
                "bob@y.com, an",
                "Ann <ann@x.com>",
                "bob@y.com, Ann <ann@x.com>, ",
            ),
            ("bob@y.com,an", "ann@x.com", "bob@y.com, ann@x.com, "),
        ];
        for (field, chosen, expected) in cases {
            assert_eq!(complete_entry(field, chosen), expected);
        }
        assert_eq!(typing_entry("bob@y.com,  an "), "an");
        assert_eq!(typing_entry(""), "");
    }

    #[test]
    fn keys_start_compose_and_undo_a_send() {
        let cases = [
            ("c", false, Some(ComposeKind::New)),
            ("c", true, Some(ComposeKind::New)),
            ("r", true, Some(ComposeKind::Reply)),
            ("r", false, None),
            ("a", true, Some(ComposeKind::ReplyAll)),
            ("f", true, Some(ComposeKind::Forward)),
            ("x", true, None),
        ];
        for (key, reading, expected) in cases {
            assert_eq!(start_key(key, reading), expected, "{key} {reading}");
        }
        assert_eq!(compose_key("z", false, false), Some(ComposeKey::Undo));
        assert_eq!(compose_key("z", false, true), None, "z typed in a field");
        assert_eq!(compose_key("Enter", true, true), Some(ComposeKey::Send));
        assert_eq!(compose_key("Enter", false, true), None);
        assert_eq!(compose_key("Escape", false, true), Some(ComposeKey::Close));
    }

    #[test]
    fn identities_default_to_the_accounts_default_send_as() {
        let id = |account: &str, email: &str, default: bool| Identity {
            account: account.into(),
            email: email.into(),
            name: String::new(),
            default,
        };
        let all = [
            id("1", "a@x.com", false),
            id("1", "alias@x.com", true),
            id("2", "b@y.com", true),
        ];
        let cases = [("1", "alias@x.com"), ("2", "b@y.com"), ("3", "a@x.com")];
        for (account, expected) in cases {
            assert_eq!(
                default_identity(&all, account).map(|i| i.email.as_str()),
                Some(expected)
            );
        }
        assert_eq!(default_identity(&[], "1"), None);
        let named = Identity {
            name: "Ann Lee".into(),
            ..id("1", "a@x.com", true)
        };
        assert_eq!(named.label(), "Ann Lee <a@x.com>");
    }

    #[test]
    fn settings_and_limits() {
        let settings: ComposeSettings = serde_json::from_str("{}").unwrap();
        assert_eq!(settings.undo_seconds(), 5);
        let settings: ComposeSettings = serde_json::from_str(r#"{"undo_seconds": 99}"#).unwrap();
        assert_eq!(settings.undo_seconds(), 30);
        assert!(fits_limit(MAX_ATTACHMENT_BYTES - 1, 1));
        assert!(!fits_limit(MAX_ATTACHMENT_BYTES, 1));
        assert!(!fits_limit(u64::MAX, 1));
        assert_eq!(attachments_label(0), "0 bytes of 25 MB");
    }

    #[test]
    fn undo_choices_hold_the_current_window() {
        let seconds = |current| {
            undo_choices(current)
                .into_iter()
                .map(|(s, _)| s)
                .collect::<Vec<_>>()
        };
        assert_eq!(seconds(5), [0, 5, 10, 20, 30]);
        assert_eq!(seconds(7), [0, 5, 7, 10, 20, 30]);
        assert_eq!(seconds(99), [0, 5, 10, 20, 30]);
        assert_eq!(undo_choices(1)[1].1, "1 second");
        assert_eq!(undo_choices(5)[0].1, "No undo: send at once");
    }

    #[test]
    fn the_state_crosses_as_flat_json() {
        let state = ComposerState {
            id: "c1".into(),
            phase: Phase::Waiting { until_ms: 9 },
            ..ComposerState::default()
        };
        let wire = serde_json::to_value(&state).unwrap();
        assert_eq!(wire["phase"], "waiting");
        assert_eq!(wire["until_ms"], 9);
        let back: ComposerState = serde_json::from_value(wire).unwrap();
        assert_eq!(back, state);
    }
}
