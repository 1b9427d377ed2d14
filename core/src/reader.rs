//! Reading a conversation inside gmux: the decisions the reader makes, as plain Rust.
//!
//! - Where a conversation is opened from outside the page: the `#open=<account id>:<thread id>` fragment of
//!   `newtab.html` and `popup.html` ([`open_fragment`], [`parse_open_fragment`]).
//! - When a conversation counts as read ([`MarkRead`], [`mark_read_delay_ms`]), which messages start expanded
//!   ([`expanded_on_open`]), which remote content a message may load ([`shows_images`]), the keys while reading
//!   ([`reader_key`]), which labels a conversation shows ([`shown_labels`]), sizes as people read them.
//! - The background's memory of bodies and attachments ([`BodyCache`]): a least-recently-used cache with a byte
//!   cap, keyed by account so an account's removal forgets everything of it. Bodies never go to `storage.*`.
//! - What the background answers a page asking for a body ([`BodyReply`]).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::{Deserialize, Serialize};

use crate::reply::{IntentError, IntentReply};

/// The fragment key that opens a conversation: `newtab.html#open=<account id>:<thread id>`.
pub const OPEN_FRAGMENT_KEY: &str = "open";

/// The fragment (with its `#`) that opens `thread` of `account` when a page loads with it.
pub fn open_fragment(account: &str, thread: &str) -> String {
    format!(
        "#{OPEN_FRAGMENT_KEY}={}:{}",
        crate::text::percent_encode(account, b"-_.~@+"),
        crate::text::percent_encode(thread, b"-_.~")
    )
}

/// The `(account, thread)` a page's `location.hash` asks to open, if it asks. Both ids are percent-decoded and
/// must be non-empty; the first `:` separates them (Google's account ids and thread ids have none).
pub fn parse_open_fragment(hash: &str) -> Option<(String, String)> {
    let hash = hash.strip_prefix('#').unwrap_or(hash);
    let value = hash
        .split('&')
        .find_map(|pair| pair.strip_prefix(OPEN_FRAGMENT_KEY)?.strip_prefix('='))?;
    let (account, thread) = value.split_once(':')?;
    let (account, thread) = (percent_decode(account)?, percent_decode(thread)?);
    let fine = |s: &str| !s.is_empty() && s.len() <= 256 && !s.chars().any(char::is_control);
    (fine(&account) && fine(&thread)).then_some((account, thread))
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// When opening a conversation marks it read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum MarkRead {
    /// At once, as Gmail does.
    #[default]
    OnOpen,
    /// After the conversation stayed open this many seconds.
    AfterSeconds(u32),
    /// Never; the user marks it read.
    Never,
}

/// The longest wait "after N seconds" may ask for.
pub const MAX_MARK_READ_SECONDS: u32 = 600;

/// How long after opening an unread conversation it is marked read; `None` when it is not (already read, or
/// the setting says never).
pub fn mark_read_delay_ms(setting: MarkRead, unread: bool) -> Option<u32> {
    if !unread {
        return None;
    }
    match setting {
        MarkRead::OnOpen => Some(0),
        MarkRead::AfterSeconds(s) => Some(s.min(MAX_MARK_READ_SECONDS) * 1_000),
        MarkRead::Never => None,
    }
}

impl MarkRead {
    /// The choice's value in the options page's list.
    pub fn choice(self) -> String {
        match self {
            MarkRead::OnOpen => "on_open".into(),
            MarkRead::AfterSeconds(s) => s.to_string(),
            MarkRead::Never => "never".into(),
        }
    }

    /// A value of the options page's list back into the setting.
    pub fn from_choice(value: &str) -> Option<MarkRead> {
        match value {
            "on_open" => Some(MarkRead::OnOpen),
            "never" => Some(MarkRead::Never),
            seconds => seconds
                .parse::<u32>()
                .ok()
                .map(|s| MarkRead::AfterSeconds(s.min(MAX_MARK_READ_SECONDS))),
        }
    }

    /// How the options page says it.
    pub fn label(self) -> String {
        match self {
            MarkRead::OnOpen => "when it is opened".into(),
            MarkRead::AfterSeconds(1) => "after it was open 1 second".into(),
            MarkRead::AfterSeconds(s) => format!("after it was open {s} seconds"),
            MarkRead::Never => "never (I mark it myself)".into(),
        }
    }

    /// The choices the options page offers (the current one added when it is not among them).
    pub fn choices(current: MarkRead) -> Vec<MarkRead> {
        let mut all = vec![
            MarkRead::OnOpen,
            MarkRead::AfterSeconds(3),
            MarkRead::AfterSeconds(10),
            MarkRead::Never,
        ];
        if !all.contains(&current) {
            all.insert(all.len() - 1, current);
        }
        all
    }
}

/// How conversations are read (the reader's part of [`crate::settings::Settings`]).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ReaderSettings {
    pub mark_read: MarkRead,
    /// Show the plain-text form of a message that has both.
    pub prefer_plain: bool,
    /// Per account id: the sender addresses (lower case) whose remote images show without asking.
    pub images_from: BTreeMap<String, BTreeSet<String>>,
}

/// The most senders remembered per account for "always show images".
pub const MAX_IMAGE_SENDERS: usize = 1_000;

/// A change to the reader's settings, as a page asks for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ReaderChange {
    MarkRead {
        mark_read: MarkRead,
    },
    PreferPlain {
        prefer_plain: bool,
    },
    /// "Always show images from this sender" (or no longer), for one account.
    ImagesFrom {
        account: String,
        sender: String,
        allow: bool,
    },
}

impl ReaderSettings {
    /// Whether remote images of mail from `sender` to `account` show without asking.
    pub fn shows_images(&self, account: &str, sender: &str) -> bool {
        let sender = sender.trim().to_ascii_lowercase();
        !sender.is_empty()
            && self
                .images_from
                .get(account)
                .is_some_and(|senders| senders.contains(&sender))
    }

    /// Applies a change; an address that is not one (empty, no `@`, too long) changes nothing.
    pub fn apply(&mut self, change: ReaderChange) {
        match change {
            ReaderChange::MarkRead { mark_read } => {
                self.mark_read = match mark_read {
                    MarkRead::AfterSeconds(s) => {
                        MarkRead::AfterSeconds(s.min(MAX_MARK_READ_SECONDS))
                    }
                    other => other,
                }
            }
            ReaderChange::PreferPlain { prefer_plain } => self.prefer_plain = prefer_plain,
            ReaderChange::ImagesFrom {
                account,
                sender,
                allow,
            } => {
                let sender = sender.trim().to_ascii_lowercase();
                if !sender.contains('@')
                    || sender.len() > 320
                    || sender.chars().any(char::is_control)
                {
                    return;
                }
                let senders = self.images_from.entry(account.clone()).or_default();
                if allow {
                    if senders.len() < MAX_IMAGE_SENDERS {
                        senders.insert(sender);
                    }
                } else {
                    senders.remove(&sender);
                }
                if senders.is_empty() {
                    self.images_from.remove(&account);
                }
            }
        }
    }

    /// Forgets what was chosen for an account that was removed.
    pub fn forget_account(&mut self, account: &str) {
        self.images_from.remove(account);
    }
}

/// Whether a message's remote images load: the user clicked "Show images" for it, or chose "always" for its
/// sender in this account.
pub fn shows_images(
    settings: &ReaderSettings,
    account: &str,
    sender: Option<&str>,
    clicked: bool,
) -> bool {
    clicked || sender.is_some_and(|s| settings.shows_images(account, s))
}

/// Which messages of a conversation start expanded, given whether each is unread (oldest first): the last
/// one and every unread one; the read ones before collapse to a line, as in Gmail.
pub fn expanded_on_open(unread: &[bool]) -> Vec<bool> {
    let last = unread.len().saturating_sub(1);
    unread
        .iter()
        .enumerate()
        .map(|(i, u)| *u || i == last)
        .collect()
}

/// Which messages are unread, from their own labels and the inbox row's newer word: a body kept in memory keeps
/// the labels it was fetched with, while the row follows every action and sync. A read row means every message is
/// read; an unread row whose messages all say read (marked unread elsewhere) has its last message unread.
pub fn unread_flags(messages: &[bool], row_unread: Option<bool>) -> Vec<bool> {
    match row_unread {
        Some(false) => vec![false; messages.len()],
        Some(true) if !messages.contains(&true) => {
            let last = messages.len().saturating_sub(1);
            (0..messages.len()).map(|i| i == last).collect()
        }
        _ => messages.to_vec(),
    }
}

/// What a key does while a conversation is open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReaderKey {
    /// Back to the list, at the same place.
    Back,
    /// The next conversation of the list (older), as Gmail's `j`.
    Next,
    /// The previous one (newer), as Gmail's `k`.
    Previous,
    Archive,
    Trash,
    MarkRead,
    MarkUnread,
    ToggleStar,
    OpenInGmail,
}

/// The key's meaning while reading (Gmail's keys where Gmail has one).
pub fn reader_key(key: &str) -> Option<ReaderKey> {
    match key {
        "u" | "Escape" => Some(ReaderKey::Back),
        "j" => Some(ReaderKey::Next),
        "k" => Some(ReaderKey::Previous),
        "e" => Some(ReaderKey::Archive),
        "#" | "Delete" => Some(ReaderKey::Trash),
        "I" => Some(ReaderKey::MarkRead),
        "U" => Some(ReaderKey::MarkUnread),
        "s" => Some(ReaderKey::ToggleStar),
        "g" => Some(ReaderKey::OpenInGmail),
        _ => None,
    }
}

/// A label as the reader shows it: one of Gmail's system labels, which the page words in the browser's language,
/// or a user label's own name (mail, never translated).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ShownLabel {
    System(SystemLabel),
    User(String),
}

/// The system labels people recognise, in the order Gmail's ids are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SystemLabel {
    Inbox,
    Important,
    Sent,
    Draft,
    Spam,
    Bin,
    Social,
    Promotions,
    Updates,
    Forums,
}

impl SystemLabel {
    /// Its English name, for the tests and the bench.
    pub fn english(self) -> &'static str {
        match self {
            SystemLabel::Inbox => "Inbox",
            SystemLabel::Important => "Important",
            SystemLabel::Sent => "Sent",
            SystemLabel::Draft => "Draft",
            SystemLabel::Spam => "Spam",
            SystemLabel::Bin => "Bin",
            SystemLabel::Social => "Social",
            SystemLabel::Promotions => "Promotions",
            SystemLabel::Updates => "Updates",
            SystemLabel::Forums => "Forums",
        }
    }
}

impl ShownLabel {
    /// The label's English words: a system label's name, a user label's own.
    pub fn english(&self) -> &str {
        match self {
            ShownLabel::System(label) => label.english(),
            ShownLabel::User(name) => name,
        }
    }
}

/// The labels a conversation shows: user labels by their names (`names`, id to name), after the system ones
/// people recognise; `UNREAD`, `STARRED` and Primary are shown otherwise or not at all.
pub fn shown_labels(label_ids: &[String], names: &BTreeMap<String, String>) -> Vec<ShownLabel> {
    let mut system = Vec::new();
    let mut user = Vec::new();
    for id in label_ids {
        let label = match id.as_str() {
            "INBOX" => SystemLabel::Inbox,
            "IMPORTANT" => SystemLabel::Important,
            "SENT" => SystemLabel::Sent,
            "DRAFT" => SystemLabel::Draft,
            "SPAM" => SystemLabel::Spam,
            "TRASH" => SystemLabel::Bin,
            "CATEGORY_SOCIAL" => SystemLabel::Social,
            "CATEGORY_PROMOTIONS" => SystemLabel::Promotions,
            "CATEGORY_UPDATES" => SystemLabel::Updates,
            "CATEGORY_FORUMS" => SystemLabel::Forums,
            "UNREAD" | "STARRED" | "CATEGORY_PERSONAL" | "CHAT" => continue,
            _ => {
                if let Some(name) = names.get(id).filter(|n| !n.trim().is_empty()) {
                    user.push(crate::text::display_text(name));
                }
                continue;
            }
        };
        system.push(ShownLabel::System(label));
    }
    user.sort();
    system.extend(user.into_iter().map(ShownLabel::User));
    system
}

/// A size as people read it: `512 bytes`, `12 KB`, `3.4 MB`.
pub fn size_label(bytes: u64) -> String {
    const KB: u64 = 1024;
    const MB: u64 = 1024 * 1024;
    match bytes {
        0..KB => format!("{bytes} bytes"),
        KB..MB => format!("{} KB", bytes.div_ceil(KB)),
        _ => {
            let tenths = (bytes * 10).div_ceil(MB);
            if tenths >= 100 {
                format!("{} MB", tenths.div_ceil(10))
            } else {
                format!("{}.{} MB", tenths / 10, tenths % 10)
            }
        }
    }
}

/// A file's type, for the words that name it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileType {
    Pdf,
    Zip,
    Text,
    Html,
    Calendar,
    Email,
    Word,
    Spreadsheet,
    /// An image, with its kind in capitals (`PNG`) when the type names one.
    Image(Option<String>),
    /// Only the file name's extension is known, in capitals (`CSV`).
    Extension(String),
    File,
}

/// What kind of file an attachment is, by its type, else its name's extension.
pub fn file_type(mime_type: &str, file_name: &str) -> FileType {
    let mime = mime_type.trim().to_ascii_lowercase();
    let named = match mime.as_str() {
        "application/pdf" => Some(FileType::Pdf),
        "application/zip" | "application/x-zip-compressed" => Some(FileType::Zip),
        "text/plain" => Some(FileType::Text),
        "text/html" => Some(FileType::Html),
        "text/calendar" => Some(FileType::Calendar),
        "message/rfc822" => Some(FileType::Email),
        "application/msword"
        | "application/vnd.openxmlformats-officedocument.wordprocessingml.document" => {
            Some(FileType::Word)
        }
        "application/vnd.ms-excel"
        | "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" => {
            Some(FileType::Spreadsheet)
        }
        _ => None,
    };
    if let Some(named) = named {
        return named;
    }
    if let Some(kind) = mime.strip_prefix("image/") {
        let kind: String = kind
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .take(8)
            .collect();
        return FileType::Image((!kind.is_empty()).then(|| kind.to_ascii_uppercase()));
    }
    match file_name.rsplit_once('.') {
        Some((stem, ext))
            if !stem.is_empty()
                && (1..=5).contains(&ext.len())
                && ext.chars().all(|c| c.is_ascii_alphanumeric()) =>
        {
            FileType::Extension(ext.to_ascii_uppercase())
        }
        _ => FileType::File,
    }
}

/// A file's type as people read it, in English: `PDF`, `PNG image`, `Text`, else its extension or "File".
pub fn type_label(mime_type: &str, file_name: &str) -> String {
    match file_type(mime_type, file_name) {
        FileType::Pdf => "PDF".into(),
        FileType::Zip => "ZIP archive".into(),
        FileType::Text => "Text".into(),
        FileType::Html => "HTML".into(),
        FileType::Calendar => "Calendar invitation".into(),
        FileType::Email => "Email message".into(),
        FileType::Word => "Word document".into(),
        FileType::Spreadsheet => "Spreadsheet".into(),
        FileType::Image(None) => "Image".into(),
        FileType::Image(Some(kind)) => format!("{kind} image"),
        FileType::Extension(ext) => format!("{ext} file"),
        FileType::File => "File".into(),
    }
}

/// The bytes of bodies and attachments the background keeps in memory.
pub const BODY_CACHE_BYTES: usize = 48 << 20;
/// The largest `threads.get format=full` answer a page is given (Gmail's own message limit is 25 MB of
/// attachments, which base64 and JSON make about 34 MB); a bigger one is refused with "open it in Gmail".
pub const MAX_THREAD_BYTES: usize = 40 << 20;

/// What a cached entry was fetched for, so a change in Gmail is fetched again: a thread's message count and
/// newest date as the inbox knew them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    pub message_count: u32,
    pub date_ms: u64,
}

/// A least-recently-used memory of bodies (a thread's JSON, an attachment's data), at most `cap` bytes in all,
/// keyed by `(account, key)`. An entry larger than half the cap is not kept, so one enormous mail cannot push
/// out everything else.
#[derive(Debug)]
pub struct BodyCache {
    cap: usize,
    used: usize,
    tick: u64,
    entries: HashMap<(String, String), CacheEntry>,
}

#[derive(Debug)]
struct CacheEntry {
    value: std::rc::Rc<str>,
    stamp: Option<Stamp>,
    used_at: u64,
}

impl Default for BodyCache {
    fn default() -> Self {
        BodyCache::new(BODY_CACHE_BYTES)
    }
}

impl BodyCache {
    pub fn new(cap: usize) -> BodyCache {
        BodyCache {
            cap,
            used: 0,
            tick: 0,
            entries: HashMap::new(),
        }
    }

    /// The cached value, if it was fetched for `stamp` (or either side has none: a thread outside the inbox,
    /// an attachment, which never changes).
    pub fn get(
        &mut self,
        account: &str,
        key: &str,
        stamp: Option<Stamp>,
    ) -> Option<std::rc::Rc<str>> {
        self.tick += 1;
        let tick = self.tick;
        let entry = self
            .entries
            .get_mut(&(account.to_string(), key.to_string()))?;
        if let (Some(kept), Some(now)) = (entry.stamp, stamp) {
            if kept != now {
                return None;
            }
        }
        entry.used_at = tick;
        Some(entry.value.clone())
    }

    /// Keeps `value`, evicting the least recently used entries until it fits.
    pub fn put(&mut self, account: &str, key: &str, value: std::rc::Rc<str>, stamp: Option<Stamp>) {
        let full_key = (account.to_string(), key.to_string());
        if let Some(old) = self.entries.remove(&full_key) {
            self.used -= old.value.len();
        }
        if value.len() > self.cap / 2 {
            return;
        }
        while self.used + value.len() > self.cap {
            let Some(oldest) = self
                .entries
                .iter()
                .min_by_key(|(_, e)| e.used_at)
                .map(|(k, _)| k.clone())
            else {
                break;
            };
            if let Some(gone) = self.entries.remove(&oldest) {
                self.used -= gone.value.len();
            }
        }
        self.tick += 1;
        self.used += value.len();
        self.entries.insert(
            full_key,
            CacheEntry {
                value,
                stamp,
                used_at: self.tick,
            },
        );
    }

    /// Forgets everything of an account (removed, or signed out).
    pub fn forget_account(&mut self, account: &str) {
        let used = &mut self.used;
        self.entries.retain(|(a, _), e| {
            let keep = a != account;
            if !keep {
                *used -= e.value.len();
            }
            keep
        });
    }

    /// Forgets one entry (a thread deleted meanwhile).
    pub fn forget(&mut self, account: &str, key: &str) {
        if let Some(gone) = self.entries.remove(&(account.to_string(), key.to_string())) {
            self.used -= gone.value.len();
        }
    }

    pub fn used_bytes(&self) -> usize {
        self.used
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// The cache key of a thread's `format=full` JSON.
pub fn thread_key(thread: &str) -> String {
    format!("t:{thread}")
}

/// The cache key of an attachment's data.
pub fn attachment_key(message: &str, attachment: &str) -> String {
    format!("a:{message}:{attachment}")
}

/// The background's answer to `Intent::ReadThread` and `Intent::ReadAttachment`: an [`IntentReply`] and, when
/// it is ok, the body (a thread's `format=full` JSON as Gmail sent it, or an attachment's base64url data).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BodyReply {
    #[serde(flatten)]
    pub reply: IntentReply,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// For a thread: the account's user label names by id, for the labels the conversation shows.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub label_names: BTreeMap<String, String>,
}

impl BodyReply {
    pub fn body(body: String, label_names: BTreeMap<String, String>) -> BodyReply {
        BodyReply {
            reply: IntentReply::ok(),
            body: Some(body),
            label_names,
        }
    }

    pub fn failed(reply: IntentReply) -> BodyReply {
        BodyReply {
            reply,
            body: None,
            label_names: BTreeMap::new(),
        }
    }

    /// A thread whose answer is larger than [`MAX_THREAD_BYTES`].
    pub fn too_large() -> BodyReply {
        BodyReply::failed(IntentReply::failed(
            IntentError::GmailError,
            "This conversation is too large to show in gmux; open it in Gmail.",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::rc::Rc;

    #[test]
    fn open_fragments_round_trip_and_refuse_what_is_not_one() {
        let cases: [(&str, Option<(&str, &str)>); 10] = [
            ("#open=1234:18c0ffee", Some(("1234", "18c0ffee"))),
            ("open=1234:18c0ffee", Some(("1234", "18c0ffee"))),
            ("#x=1&open=a%3Ab:t", Some(("a:b", "t"))),
            ("#open=1234:", None),
            ("#open=:t", None),
            ("#open=1234", None),
            ("#opened=1:2", None),
            ("#open=%zz:t", None),
            ("#open=%0a:t", None),
            ("", None),
        ];
        for (hash, want) in cases {
            let got = parse_open_fragment(hash);
            let want = want.map(|(a, t)| (a.to_string(), t.to_string()));
            assert_eq!(got, want, "{hash}");
        }
        for (account, thread) in [("1234", "18c0ffee"), ("me@x.org", "a b:c"), ("ü", "t")] {
            let fragment = open_fragment(account, thread);
            assert_eq!(
                parse_open_fragment(&fragment),
                Some((account.to_string(), thread.to_string())),
                "{fragment}"
            );
        }
        assert_eq!(open_fragment("1234", "18c0ffee"), "#open=1234:18c0ffee");
    }

    #[test]
    fn mark_read_timing_per_setting() {
        let cases = [
            (MarkRead::OnOpen, true, Some(0)),
            (MarkRead::OnOpen, false, None),
            (MarkRead::AfterSeconds(3), true, Some(3_000)),
            (MarkRead::AfterSeconds(0), true, Some(0)),
            (MarkRead::AfterSeconds(100_000), true, Some(600_000)),
            (MarkRead::Never, true, None),
        ];
        for (setting, unread, want) in cases {
            assert_eq!(
                mark_read_delay_ms(setting, unread),
                want,
                "{setting:?} {unread}"
            );
        }
        let wire = [
            (MarkRead::OnOpen, "\"on_open\""),
            (MarkRead::Never, "\"never\""),
            (MarkRead::AfterSeconds(5), "{\"after_seconds\":5}"),
        ];
        for (setting, json) in wire {
            assert_eq!(serde_json::to_string(&setting).unwrap(), json);
            assert_eq!(serde_json::from_str::<MarkRead>(json).unwrap(), setting);
        }
    }

    #[test]
    fn mark_read_choices_round_trip() {
        for choice in MarkRead::choices(MarkRead::AfterSeconds(7)) {
            assert_eq!(MarkRead::from_choice(&choice.choice()), Some(choice));
            assert!(!choice.label().is_empty());
        }
        assert_eq!(MarkRead::choices(MarkRead::OnOpen).len(), 4);
        assert_eq!(
            MarkRead::choices(MarkRead::AfterSeconds(7))[3],
            MarkRead::AfterSeconds(7)
        );
        assert_eq!(MarkRead::from_choice("later"), None);
        assert_eq!(
            MarkRead::from_choice("99999"),
            Some(MarkRead::AfterSeconds(MAX_MARK_READ_SECONDS))
        );
    }

    #[test]
    fn settings_changes_and_images_per_sender_per_account() {
        let mut s = ReaderSettings::default();
        assert_eq!(s.mark_read, MarkRead::OnOpen);
        s.apply(ReaderChange::ImagesFrom {
            account: "a".into(),
            sender: " News@Example.com ".into(),
            allow: true,
        });
        assert!(s.shows_images("a", "news@example.com"));
        assert!(s.shows_images("a", "NEWS@example.COM"));
        assert!(!s.shows_images("b", "news@example.com"), "per account");
        assert!(!s.shows_images("a", ""));
        for bad in ["", "no-at-sign", "a@\u{7}b"] {
            s.apply(ReaderChange::ImagesFrom {
                account: "a".into(),
                sender: bad.into(),
                allow: true,
            });
        }
        assert_eq!(s.images_from["a"].len(), 1);
        assert!(shows_images(&s, "a", Some("news@example.com"), false));
        assert!(shows_images(&s, "a", None, true));
        assert!(!shows_images(&s, "a", Some("x@y.z"), false));
        s.apply(ReaderChange::ImagesFrom {
            account: "a".into(),
            sender: "news@example.com".into(),
            allow: false,
        });
        assert!(s.images_from.is_empty());
        s.apply(ReaderChange::MarkRead {
            mark_read: MarkRead::AfterSeconds(9_999),
        });
        assert_eq!(s.mark_read, MarkRead::AfterSeconds(MAX_MARK_READ_SECONDS));
        s.apply(ReaderChange::PreferPlain { prefer_plain: true });
        assert!(s.prefer_plain);
        let back: ReaderSettings =
            serde_json::from_value(serde_json::to_value(&s).unwrap()).unwrap();
        assert_eq!(back, s);
        let empty: ReaderSettings = serde_json::from_str("{}").unwrap();
        assert_eq!(empty, ReaderSettings::default());
    }

    #[test]
    fn the_last_and_the_unread_messages_start_expanded() {
        let cases: [(&[bool], &[bool]); 5] = [
            (&[], &[]),
            (&[false], &[true]),
            (&[false, false, false], &[false, false, true]),
            (&[false, true, false], &[false, true, true]),
            (&[true, true], &[true, true]),
        ];
        for (unread, want) in cases {
            assert_eq!(expanded_on_open(unread), want, "{unread:?}");
        }
    }

    #[test]
    fn the_rows_word_on_unread_wins_over_a_kept_body() {
        let cases: [(&[bool], Option<bool>, &[bool]); 6] = [
            (&[true, true], Some(false), &[false, false]),
            (&[false, true], Some(true), &[false, true]),
            (&[false, false], Some(true), &[false, true]),
            (&[false, true], None, &[false, true]),
            (&[], Some(true), &[]),
            (&[true], None, &[true]),
        ];
        for (messages, row, want) in cases {
            assert_eq!(unread_flags(messages, row), want, "{messages:?} {row:?}");
        }
    }

    #[test]
    fn keys_while_reading() {
        let cases = [
            ("u", Some(ReaderKey::Back)),
            ("Escape", Some(ReaderKey::Back)),
            ("j", Some(ReaderKey::Next)),
            ("k", Some(ReaderKey::Previous)),
            ("e", Some(ReaderKey::Archive)),
            ("#", Some(ReaderKey::Trash)),
            ("I", Some(ReaderKey::MarkRead)),
            ("U", Some(ReaderKey::MarkUnread)),
            ("s", Some(ReaderKey::ToggleStar)),
            ("g", Some(ReaderKey::OpenInGmail)),
            ("ArrowDown", None),
            ("Enter", None),
        ];
        for (key, want) in cases {
            assert_eq!(reader_key(key), want, "{key}");
        }
    }

    #[test]
    fn labels_in_gmails_words() {
        let names: BTreeMap<String, String> = [
            ("Label_1".to_string(), "Travel".to_string()),
            ("Label_2".to_string(), "Bills\u{202e}".to_string()),
            ("Label_3".to_string(), " ".to_string()),
        ]
        .into();
        let ids: Vec<String> = [
            "UNREAD",
            "Label_2",
            "INBOX",
            "CATEGORY_PROMOTIONS",
            "STARRED",
            "Label_1",
            "Label_3",
            "Label_9",
            "CATEGORY_PERSONAL",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let shown = shown_labels(&ids, &names);
        assert_eq!(
            shown,
            [
                ShownLabel::System(SystemLabel::Inbox),
                ShownLabel::System(SystemLabel::Promotions),
                ShownLabel::User("Bills".into()),
                ShownLabel::User("Travel".into()),
            ]
        );
        let english: Vec<&str> = shown.iter().map(ShownLabel::english).collect();
        assert_eq!(english, ["Inbox", "Promotions", "Bills", "Travel"]);
    }

    #[test]
    fn sizes_as_people_read_them() {
        let cases = [
            (0, "0 bytes"),
            (512, "512 bytes"),
            (1024, "1 KB"),
            (1025, "2 KB"),
            (1_048_575, "1024 KB"),
            (1_048_576, "1.0 MB"),
            (3_565_158, "3.4 MB"),
            (25 * 1_048_576, "25 MB"),
        ];
        for (bytes, want) in cases {
            assert_eq!(size_label(bytes), want, "{bytes}");
        }
    }

    #[test]
    fn file_types_in_words() {
        let cases = [
            ("application/pdf", "x.pdf", "PDF"),
            ("APPLICATION/PDF", "x", "PDF"),
            ("image/png", "logo.png", "PNG image"),
            ("image/svg+xml", "a.svg", "SVG image"),
            ("image/", "a", "Image"),
            ("application/octet-stream", "notes.tar.gz", "GZ file"),
            ("application/octet-stream", "README", "File"),
            ("application/octet-stream", ".bashrc", "File"),
            ("application/octet-stream", "x.verylongext", "File"),
            ("text/plain", "a.txt", "Text"),
        ];
        for (mime, name, want) in cases {
            assert_eq!(type_label(mime, name), want, "{mime} {name}");
        }
    }

    fn body(n: usize) -> Rc<str> {
        "x".repeat(n).into()
    }

    #[test]
    fn the_cache_keeps_the_recently_used_within_its_cap() {
        let mut cache = BodyCache::new(100);
        cache.put("a", "t:1", body(40), None);
        cache.put("a", "t:2", body(40), None);
        assert!(cache.get("a", "t:1", None).is_some(), "touch t:1");
        cache.put("b", "t:3", body(40), None);
        assert!(
            cache.get("a", "t:2", None).is_none(),
            "least recently used went"
        );
        assert!(cache.get("a", "t:1", None).is_some());
        assert!(cache.get("b", "t:3", None).is_some());
        assert_eq!(cache.used_bytes(), 80);
        cache.put("a", "t:big", body(51), None);
        assert!(
            cache.get("a", "t:big", None).is_none(),
            "more than half the cap is not kept"
        );
        assert_eq!(cache.used_bytes(), 80);
        cache.put("a", "t:1", body(10), None);
        assert_eq!(cache.used_bytes(), 50, "replacing frees the old value");
        cache.forget_account("a");
        assert_eq!(cache.used_bytes(), 40);
        assert_eq!(cache.len(), 1);
        assert!(cache.get("b", "t:3", None).is_some());
        cache.forget("b", "t:3");
        assert!(cache.is_empty());
        assert_eq!(cache.used_bytes(), 0);
    }

    #[test]
    fn a_thread_that_changed_is_fetched_again() {
        let mut cache = BodyCache::new(1_000);
        let seen = Stamp {
            message_count: 2,
            date_ms: 10,
        };
        cache.put("a", &thread_key("t"), body(5), Some(seen));
        let cases = [
            (Some(seen), true),
            (None, true),
            (
                Some(Stamp {
                    message_count: 3,
                    date_ms: 20,
                }),
                false,
            ),
        ];
        for (stamp, hit) in cases {
            assert_eq!(
                cache.get("a", &thread_key("t"), stamp).is_some(),
                hit,
                "{stamp:?}"
            );
        }
        cache.put("a", &attachment_key("m", "x"), body(5), None);
        assert!(cache
            .get("a", &attachment_key("m", "x"), Some(seen))
            .is_some());
    }

    #[test]
    fn body_replies_carry_the_reply_and_the_body() {
        let ok = BodyReply::body("{}".into(), BTreeMap::new());
        assert_eq!(
            serde_json::to_value(&ok).unwrap(),
            serde_json::json!({"ok": true, "body": "{}"})
        );
        let failed = BodyReply::too_large();
        let wire = serde_json::to_value(&failed).unwrap();
        assert_eq!(wire["ok"], false);
        assert_eq!(wire["code"], "gmail_error");
        let back: BodyReply = serde_json::from_value(wire).unwrap();
        assert_eq!(back, failed);
    }
}
