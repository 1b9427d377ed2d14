//! Which new messages deserve a desktop notification, and what it says; how often to poll and what that costs.
//!
//! The background calls [`decide`] after every poll with what each account's sync found added to INBOX, and
//! shows the [`Notification`]s it returns. Everything here is pure: times come in as unix ms plus the local UTC
//! offset in minutes (east positive), which the background reads from the browser.
//!
//! # The rules
//!
//! A message added to INBOX by a poll is notified when all of these hold:
//!
//! 1. **The poll continued the account's history** ([`PollKind::Incremental`]). A first sync, a full resync after
//!    Gmail forgot the history id (404), and the first poll after the account was (re)connected notify nothing:
//!    what they find is the inbox as it already was, not mail that just arrived.
//! 2. **It is unread mail in INBOX that the account did not send**: it carries `INBOX` and `UNREAD`, not `SENT`,
//!    and its sender's address is none of the account's own (its address and send-as aliases, compared without
//!    regard to ASCII case).
//! 3. **The account's notifications are on**, and with "Primary only" the message is in Primary: it carries
//!    `CATEGORY_PERSONAL`, or no `CATEGORY_*` label at all (Gmail shows such mail in Primary too, and an inbox
//!    without tabs has no categories to go by).
//! 4. **The user has not seen it yet**: its id is not among the messages an open gmux page showed.
//! 5. **It was never notified before** ([`NotifiedLog`], which the background persists, so a restarted service
//!    worker or event page that replays a poll notifies nothing twice).
//! 6. **Notifications are not paused and it is not quiet hours** at the time of the poll.
//!
//! Mail that arrives during quiet hours or a pause is **not** notified afterwards. Quiet hours mean silence; a
//! burst of notifications at 07:00 for mail that came at 03:00 is exactly what they are set to avoid, and the badge
//! and the toolbar icon still show the unread mail. Such mail is recorded in the log like notified mail, so a
//! replayed poll after the quiet hours end stays quiet as well.
//!
//! More than [`SUMMARY_THRESHOLD`] notifiable messages of one account in one poll give one summary for that
//! account ("5 new messages", "Ada, Deutsche Bahn, …") instead of one each. The work is linear in the number of
//! messages (sets, not nested scans), so a burst of 500 costs one pass and one notification per account.
//!
//! Text follows the inbox rows' display rules ([`crate::text::display_text`]: bidi overrides and control
//! characters dropped; [`crate::text::is_blank_text`]: an empty or invisible subject reads "(no subject)", an
//! empty sender name shows the address), and every part is cut to a length a notification can show.
//!
//! # The poll interval and its cost
//!
//! Chrome's `alarms` fire at most every 30 s for a packed MV3 extension (shorter periods are raised to 30 s).
//! Firefox enforces no minimum: its `alarms.create` arms a timer of `periodInMinutes × 60,000` ms as given
//! (toolkit/components/extensions/parent/ext-alarms.js). gmux polls every 30 s by default in both, so both cost
//! the same, and every 10 s while a gmux page is open (by a timer in the background, since a Chrome alarm cannot
//! be that short; the open page keeps the worker alive). See [`poll_plan`] and [`quota_units_per_day`].

use crate::calendar::{civil_from_days, days_from_civil};
use crate::reply::ThreadAction;
use crate::settings::{AccountSettings, Settings};
pub use crate::settings::{NotifySettings, OpenIn, QuietHours};
use crate::text::{
    display_text, is_blank_text, percent_encode, sender_display_name, truncate_chars,
};
use serde::{Deserialize, Serialize};
use std::collections::{HashSet, VecDeque};

/// More notifiable messages than this in one poll of one account give one summary notification.
pub const SUMMARY_THRESHOLD: usize = 3;
/// The most message ids the [`NotifiedLog`] keeps, oldest dropped first. One poll of one account reports at
/// most a few hundred added messages, so this holds several full polls; at some 40 bytes an id it is about 40 KB
/// of `storage.local`.
pub const MAX_NOTIFIED: usize = 1_000;
/// How many sender names a summary lists before "…".
pub const SUMMARY_NAMES: usize = 3;
/// The longest title, in characters (notification centres cut at about one line).
pub const MAX_TITLE_CHARS: usize = 80;
/// The longest subject line in a body.
pub const MAX_SUBJECT_CHARS: usize = 120;
/// The longest snippet in a body.
pub const MAX_SNIPPET_CHARS: usize = 200;
/// The longest single sender name in a summary.
pub const MAX_SUMMARY_NAME_CHARS: usize = 40;

/// What kind of sync produced the poll's added messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PollKind {
    /// The account's first sync: no history id yet.
    FirstSync,
    /// history.list continued from the stored id: what it reports as added really is new.
    Incremental,
    /// Gmail no longer knew the stored history id (404), so the inbox was read afresh.
    FullResync,
    /// The first poll after the account was added again or reconnected.
    Reconnected,
}

impl PollKind {
    /// Whether a poll of this kind may notify at all.
    pub fn may_notify(self) -> bool {
        self == PollKind::Incremental
    }
}

/// A message a poll found added to INBOX, with what its notification needs. Text is as Gmail has it (the
/// snippet already unescaped to text); [`decide`] applies the display rules.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct NewMessage {
    pub id: String,
    pub thread_id: String,
    /// The message's own label ids now.
    pub label_ids: Vec<String>,
    /// The `From` header's display name; empty when it has none.
    pub sender_name: String,
    /// The `From` header's address; empty when it has none.
    pub sender_address: String,
    pub subject: String,
    pub snippet: String,
    /// `internalDate`, unix ms.
    pub internal_date_ms: u64,
}

/// The display name and address of a `From` header value: `"Ann Lee" <ann@x.org>` → (`Ann Lee`, `ann@x.org`),
/// `ann@x.org` → (``, `ann@x.org`), `Team` → (`Team`, ``). The name is read by
/// [`crate::text::sender_display_name`], the inbox rows' reader.
pub fn parse_from(header: &str) -> (String, String) {
    let header = header.trim();
    if let Some(open) = header.rfind('<') {
        let address = header[open + 1..]
            .split('>')
            .next()
            .unwrap_or_default()
            .trim()
            .to_string();
        let name_part = header[..open].trim().trim_matches('"');
        let name = if is_blank_text(name_part) {
            String::new()
        } else {
            sender_display_name(header)
        };
        return (name, address);
    }
    if header.contains('@') {
        return (String::new(), header.to_string());
    }
    (sender_display_name(header), String::new())
}

/// One account's poll, as the background hands it to [`decide`].
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct AccountPoll {
    pub account_id: String,
    /// The account's address: the notification's context line, and one of its own addresses.
    pub email: String,
    /// Its send-as aliases (settings.sendAs), also its own.
    #[serde(default)]
    pub aliases: Vec<String>,
    pub kind: Option<PollKind>,
    /// Messages the poll found added to INBOX, in any order.
    #[serde(default)]
    pub added: Vec<NewMessage>,
}

impl QuietHours {
    /// Whether the local minute of the day (0..1440) falls inside the range.
    pub fn contains_minute(self, minute: u16) -> bool {
        let (start, end) = (self.start_minute % 1440, self.end_minute % 1440);
        match start.cmp(&end) {
            std::cmp::Ordering::Less => start <= minute && minute < end,
            std::cmp::Ordering::Greater => minute >= start || minute < end,
            std::cmp::Ordering::Equal => false,
        }
    }

    /// Whether `now_ms` is inside the range in local time.
    pub fn contains(self, now_ms: u64, utc_offset_minutes: i32) -> bool {
        self.contains_minute(local_minute_of_day(now_ms, utc_offset_minutes))
    }
}

impl NotifySettings {
    /// Why nothing may be notified at `now_ms`, if anything: paused, or quiet hours.
    pub fn silenced(&self, now_ms: u64, utc_offset_minutes: i32) -> Option<Silence> {
        if self.paused_until_ms.is_some_and(|until| now_ms < until) {
            return Some(Silence::Paused);
        }
        if self
            .quiet_hours
            .is_some_and(|q| q.contains(now_ms, utc_offset_minutes))
        {
            return Some(Silence::QuietHours);
        }
        None
    }
}

/// Why notifications are held back right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Silence {
    Paused,
    QuietHours,
}

/// The message ids already notified (or deliberately not notified), newest last, at most [`MAX_NOTIFIED`].
/// The background persists it in `storage.local` (ids only, nothing from the mail itself) and passes it to every
/// [`decide`].
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct NotifiedLog {
    keys: VecDeque<String>,
}

impl NotifiedLog {
    /// Reads a stored log; anything unreadable is an empty log (the worst case is one repeated notification),
    /// and a log longer than the bound keeps its newest ids.
    pub fn from_json(value: serde_json::Value) -> Self {
        let mut log: NotifiedLog = serde_json::from_value(value).unwrap_or_default();
        log.trim();
        log
    }

    fn key(account_id: &str, message_id: &str) -> String {
        format!("{account_id}/{message_id}")
    }

    /// Whether the message was recorded. Linear in the log: [`decide`] builds a set once instead.
    pub fn contains(&self, account_id: &str, message_id: &str) -> bool {
        let key = Self::key(account_id, message_id);
        self.keys.iter().any(|k| *k == key)
    }

    /// Records a message, dropping the oldest past the bound.
    pub fn record(&mut self, account_id: &str, message_id: &str) {
        self.keys.push_back(Self::key(account_id, message_id));
        self.trim();
    }

    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    fn trim(&mut self) {
        while self.keys.len() > MAX_NOTIFIED {
            self.keys.pop_front();
        }
    }
}

/// A desktop notification to show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notification {
    /// Stable and parseable ([`NotificationTarget::parse`]): the same message always gets the same id, so
    /// clicks and buttons route to it even after the background restarted.
    pub id: String,
    pub account_id: String,
    pub title: String,
    /// The subject and the snippet on two lines, or a summary's sender names.
    pub body: String,
    /// The account's address (Chrome's `contextMessage`).
    pub context: String,
    /// The conversation a click opens; `None` for a summary, whose click opens the account's inbox.
    pub thread_id: Option<String>,
    /// The messages it stands for (one, or every message of a summary).
    pub message_ids: Vec<String>,
    /// Shown without sound.
    pub silent: bool,
    /// When the (newest) message arrived, unix ms: the time a notification centre shows.
    pub time_ms: u64,
    /// Which of gmux's own words `title` and `body` are, so the extension can say them in the browser's
    /// language (`title` and `body` hold the English).
    #[serde(default)]
    pub words: NotificationWords,
}

/// The words of a notification that are gmux's own rather than mail's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum NotificationWords {
    /// One message: the title and body are the mail's, except the title when the message names no sender
    /// (`no_sender`: the title is the unknown-sender placeholder) and the body's first line when it has no
    /// subject (`no_subject`: the no-subject placeholder).
    Mail { no_sender: bool, no_subject: bool },
    /// A summary of `count` messages; `named` is false when the body is the no-sender sentence rather than
    /// the senders' names.
    Summary { count: usize, named: bool },
    /// A button's action did not happen: the title names it; the body is the failure's sentence.
    Failed(ThreadAction),
}

impl Default for NotificationWords {
    fn default() -> Self {
        NotificationWords::Mail {
            no_sender: false,
            no_subject: false,
        }
    }
}

/// What a notification id points at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotificationTarget {
    /// One message: the click opens its thread; Mark as read and Archive act on the thread.
    Message {
        account_id: String,
        thread_id: String,
        message_id: String,
    },
    /// A summary: the click opens the account's inbox.
    Summary { account_id: String },
}

const ID_PREFIX: &str = "gmux";

impl NotificationTarget {
    /// The notification id: `gmux/m/<account>/<thread>/<message>` or `gmux/s/<account>/<newest message>`, each
    /// part percent-encoded so a `/` in an id cannot shift the others.
    pub fn id(&self, summary_key: &str) -> String {
        let enc = |s: &str| percent_encode(s, b"@.-_");
        match self {
            NotificationTarget::Message {
                account_id,
                thread_id,
                message_id,
            } => format!(
                "{ID_PREFIX}/m/{}/{}/{}",
                enc(account_id),
                enc(thread_id),
                enc(message_id)
            ),
            NotificationTarget::Summary { account_id } => {
                format!("{ID_PREFIX}/s/{}/{}", enc(account_id), enc(summary_key))
            }
        }
    }

    /// Reads a notification id made by [`NotificationTarget::id`]; `None` for anything else (another
    /// extension's id never reaches gmux, but a stale or malformed one must not act on the wrong thread).
    pub fn parse(id: &str) -> Option<NotificationTarget> {
        let mut parts = id.split('/');
        if parts.next()? != ID_PREFIX {
            return None;
        }
        let kind = parts.next()?;
        let fields: Vec<String> = parts.map(percent_decode).collect::<Option<_>>()?;
        if fields.iter().any(|f| f.is_empty()) {
            return None;
        }
        match (kind, fields.as_slice()) {
            ("m", [account, thread, message]) => Some(NotificationTarget::Message {
                account_id: account.clone(),
                thread_id: thread.clone(),
                message_id: message.clone(),
            }),
            ("s", [account, _]) => Some(NotificationTarget::Summary {
                account_id: account.clone(),
            }),
            _ => None,
        }
    }
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

/// The notifications for one round of polls, and the log updated with every message they considered.
///
/// `seen` holds the ids of messages an open gmux page already showed. `now_ms` and `utc_offset_minutes` are the
/// time of the poll. Per-message notifications of an account come oldest first (so the newest ends on top of
/// the notification centre); accounts in the order given.
pub fn decide(
    polls: &[AccountPoll],
    settings: &Settings,
    seen: &[String],
    log: &mut NotifiedLog,
    now_ms: u64,
    utc_offset_minutes: i32,
) -> Vec<Notification> {
    let sound = settings.notify.sound;
    let silenced = settings
        .notify
        .silenced(now_ms, utc_offset_minutes)
        .is_some();
    let seen: HashSet<&str> = seen.iter().map(String::as_str).collect();
    let mut logged: HashSet<String> = log.keys.iter().cloned().collect();
    let mut out = Vec::new();
    for poll in polls {
        if !poll.kind.is_some_and(PollKind::may_notify) {
            continue;
        }
        let account = settings.account(&poll.account_id);
        let own: HashSet<String> = std::iter::once(&poll.email)
            .chain(&poll.aliases)
            .map(|a| a.trim().to_ascii_lowercase())
            .filter(|a| !a.is_empty())
            .collect();
        let mut chosen: Vec<&NewMessage> = Vec::new();
        for message in &poll.added {
            // Each message once, also when a poll lists it twice.
            if !logged.insert(NotifiedLog::key(&poll.account_id, &message.id)) {
                continue;
            }
            if !deserves_notification(message, &own, account) || seen.contains(message.id.as_str())
            {
                continue;
            }
            // Recorded whether shown or silenced: a replayed poll must stay as quiet as the first.
            log.record(&poll.account_id, &message.id);
            if !silenced {
                chosen.push(message);
            }
        }
        if chosen.is_empty() {
            continue;
        }
        chosen.sort_by(|a, b| (a.internal_date_ms, &a.id).cmp(&(b.internal_date_ms, &b.id)));
        if chosen.len() > SUMMARY_THRESHOLD {
            out.push(summary(poll, &chosen, sound));
        } else {
            out.extend(chosen.iter().map(|m| single(poll, m, sound)));
        }
    }
    out
}

/// Rules 2 and 3: unread INBOX mail the account did not send, in Primary when the account wants only that.
fn deserves_notification(
    message: &NewMessage,
    own: &HashSet<String>,
    account: AccountSettings,
) -> bool {
    let has = |label: &str| message.label_ids.iter().any(|l| l == label);
    if !account.notifications || !has("INBOX") || !has("UNREAD") || has("SENT") {
        return false;
    }
    if own.contains(&message.sender_address.trim().to_ascii_lowercase()) {
        return false;
    }
    if account.primary_only {
        let has_category = message.label_ids.iter().any(|l| l.starts_with("CATEGORY_"));
        return has("CATEGORY_PERSONAL") || !has_category;
    }
    true
}

/// The sender as a notification names it: the display name, else the address, else a placeholder.
pub fn sender_text(message: &NewMessage) -> String {
    let text = if !is_blank_text(&message.sender_name) {
        display_text(&message.sender_name)
    } else if !is_blank_text(&message.sender_address) {
        display_text(&message.sender_address)
    } else {
        "(unknown sender)".to_string()
    };
    text.trim().to_string()
}

/// The subject as the inbox row shows it, "(no subject)" when it shows nothing.
pub fn subject_text(subject: &str) -> String {
    if is_blank_text(subject) {
        "(no subject)".to_string()
    } else {
        display_text(subject).trim().to_string()
    }
}

fn single(poll: &AccountPoll, message: &NewMessage, sound: bool) -> Notification {
    let target = NotificationTarget::Message {
        account_id: poll.account_id.clone(),
        thread_id: message.thread_id.clone(),
        message_id: message.id.clone(),
    };
    let subject = truncate_chars(&subject_text(&message.subject), MAX_SUBJECT_CHARS);
    let body = if is_blank_text(&message.snippet) {
        subject
    } else {
        let snippet = truncate_chars(display_text(&message.snippet).trim(), MAX_SNIPPET_CHARS);
        format!("{subject}\n{snippet}")
    };
    Notification {
        id: target.id(""),
        account_id: poll.account_id.clone(),
        title: truncate_chars(&sender_text(message), MAX_TITLE_CHARS),
        body,
        context: context_line(poll),
        thread_id: Some(message.thread_id.clone()),
        message_ids: vec![message.id.clone()],
        silent: !sound,
        time_ms: message.internal_date_ms,
        words: NotificationWords::Mail {
            no_sender: is_blank_text(&message.sender_name)
                && is_blank_text(&message.sender_address),
            no_subject: is_blank_text(&message.subject),
        },
    }
}

/// `chosen` is oldest first; the summary names the newest senders first, each once.
fn summary(poll: &AccountPoll, chosen: &[&NewMessage], sound: bool) -> Notification {
    let mut names: Vec<String> = Vec::with_capacity(SUMMARY_NAMES);
    let mut more = false;
    let mut named = HashSet::new();
    for message in chosen.iter().rev() {
        // Mail of a burst too large to fetch comes without a sender: it is counted, not named.
        if is_blank_text(&message.sender_name) && is_blank_text(&message.sender_address) {
            continue;
        }
        let name = truncate_chars(&sender_text(message), MAX_SUMMARY_NAME_CHARS);
        if !named.insert(name.clone()) {
            continue;
        }
        if names.len() == SUMMARY_NAMES {
            more = true;
            break;
        }
        names.push(name);
    }
    let named = !names.is_empty();
    let mut body = names.join(", ");
    if more {
        body.push_str(", …");
    }
    if body.is_empty() {
        body = "New mail in the inbox".to_string();
    }
    let newest = chosen.last().map(|m| m.id.as_str()).unwrap_or_default();
    let target = NotificationTarget::Summary {
        account_id: poll.account_id.clone(),
    };
    Notification {
        id: target.id(newest),
        account_id: poll.account_id.clone(),
        title: format!("{} new messages", chosen.len()),
        body,
        context: context_line(poll),
        thread_id: None,
        message_ids: chosen.iter().map(|m| m.id.clone()).collect(),
        silent: !sound,
        time_ms: chosen.last().map_or(0, |m| m.internal_date_ms),
        words: NotificationWords::Summary {
            count: chosen.len(),
            named,
        },
    }
}

fn context_line(poll: &AccountPoll) -> String {
    truncate_chars(display_text(&poll.email).trim(), MAX_TITLE_CHARS)
}

/// The buttons a Chromium notification of one message carries, in order: `notifications.onButtonClicked` gives
/// the index. Firefox's notifications have none (`buttons` is refused there), so a click only opens.
pub const BUTTONS: [(ThreadAction, &str); 2] = [
    (ThreadAction::MarkRead, "Mark as read"),
    (ThreadAction::Archive, "Archive"),
];

/// The action of the button at `index` of a notification shown in `browser`, if it has one: Firefox's have none.
pub fn button_action(browser: Browser, index: u32) -> Option<ThreadAction> {
    match browser {
        Browser::Chromium => BUTTONS.get(index as usize).map(|(action, _)| *action),
        Browser::Firefox => None,
    }
}

/// One button as `notifications.create` takes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationButton {
    pub title: String,
}

/// What `notifications.create` takes for one notification in one browser (`type: "basic"`), serialised as the
/// API's camelCase object. Each browser gets only what it accepts: Firefox refuses `buttons` and `silent`, and
/// shows no `contextMessage`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NotificationOptions {
    #[serde(rename = "type")]
    pub kind: String,
    pub icon_url: String,
    pub title: String,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context_message: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub buttons: Vec<NotificationButton>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub silent: Option<bool>,
    /// Unix ms as a JavaScript number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_time: Option<f64>,
}

impl Notification {
    /// How `browser` shows it, with `icon_url` (the account's icon, [`crate::icon::render_account`]).
    ///
    /// - Chromium: the account's address as the context line, Mark as read and Archive on a single message,
    ///   `silent` when the sound is off.
    /// - Firefox: the address becomes the body's first line, since Firefox shows no context line; no buttons
    ///   and no `silent` (the system decides the sound).
    pub fn options(&self, browser: Browser, icon_url: &str) -> NotificationOptions {
        let single = self.thread_id.is_some();
        let event_time = (self.time_ms > 0).then_some(self.time_ms as f64);
        match browser {
            Browser::Chromium => NotificationOptions {
                kind: "basic".into(),
                icon_url: icon_url.into(),
                title: self.title.clone(),
                message: self.body.clone(),
                context_message: Some(self.context.clone()).filter(|c| !c.is_empty()),
                buttons: if single {
                    BUTTONS
                        .iter()
                        .map(|(_, title)| NotificationButton {
                            title: title.to_string(),
                        })
                        .collect()
                } else {
                    Vec::new()
                },
                silent: Some(self.silent),
                event_time,
            },
            Browser::Firefox => NotificationOptions {
                kind: "basic".into(),
                icon_url: icon_url.into(),
                title: self.title.clone(),
                message: if self.context.is_empty() {
                    self.body.clone()
                } else {
                    format!("{}\n{}", self.context, self.body)
                },
                context_message: None,
                buttons: Vec::new(),
                silent: None,
                event_time,
            },
        }
    }
}

/// A notification as the background showed it: its id and what it gave `notifications.create`. Test builds
/// keep these for a test to read (Chromium's `notifications.getAll` returns ids only).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShownNotification {
    pub id: String,
    pub options: NotificationOptions,
}

/// What a click on a notification opens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OpenTarget {
    /// One of gmux's own pages, a path like `newtab.html#open=…` (the caller makes it a full URL).
    Page(String),
    /// A web address (Gmail).
    Web(String),
}

/// Where a click on the notification `target` goes: with [`OpenIn::Gmux`] the conversation in gmux's reader
/// (`newtab.html#open=<account id>:<thread id>`, the reader's contract) or, for a summary, gmux's inbox; with
/// [`OpenIn::Gmail`] the conversation or the inbox in Gmail, in the account `email`.
pub fn open_target(target: &NotificationTarget, open_in: OpenIn, email: &str) -> OpenTarget {
    let enc = |s: &str| percent_encode(s, b"@.-_");
    match (target, open_in) {
        (
            NotificationTarget::Message {
                account_id,
                thread_id,
                ..
            },
            OpenIn::Gmux,
        ) => OpenTarget::Page(format!(
            "newtab.html#open={}:{}",
            enc(account_id),
            enc(thread_id)
        )),
        (NotificationTarget::Summary { .. }, OpenIn::Gmux) => {
            OpenTarget::Page("newtab.html".to_string())
        }
        (NotificationTarget::Message { thread_id, .. }, OpenIn::Gmail) => {
            OpenTarget::Web(crate::view::gmail_thread_url(email, thread_id))
        }
        (NotificationTarget::Summary { .. }, OpenIn::Gmail) => OpenTarget::Web(format!(
            "https://mail.google.com/mail/u/?authuser={}#inbox",
            enc(email)
        )),
    }
}

/// The notification that says a button's action did not happen (Gmail refused, the account needs
/// reconnecting): nothing else would tell someone who acted from the notification centre. `sentence` is the
/// action's failure as the inbox shows it.
pub fn action_failed(
    account_id: &str,
    email: &str,
    action: ThreadAction,
    sentence: &str,
) -> Notification {
    let what = match action {
        ThreadAction::MarkRead => "Not marked as read",
        ThreadAction::Archive => "Not archived",
        ThreadAction::MarkUnread => "Not marked as unread",
        ThreadAction::Trash => "Not deleted",
        ThreadAction::Star => "Not starred",
        ThreadAction::Unstar => "Not unstarred",
    };
    let enc = |s: &str| percent_encode(s, b"@.-_");
    Notification {
        id: format!("{ID_PREFIX}/e/{}", enc(account_id)),
        account_id: account_id.to_string(),
        title: what.to_string(),
        body: truncate_chars(display_text(sentence).trim(), MAX_SNIPPET_CHARS),
        context: truncate_chars(display_text(email).trim(), MAX_TITLE_CHARS),
        thread_id: None,
        message_ids: Vec::new(),
        silent: true,
        time_ms: 0,
        words: NotificationWords::Failed(action),
    }
}

const MS_PER_MINUTE: i64 = 60_000;
const MS_PER_HOUR: u64 = 3_600_000;
const MINUTES_PER_DAY: i64 = 1_440;

/// The end of year 9999 in unix ms: a clock past it is read as this, so no arithmetic overflows.
const LAST_MS: u64 = 253_402_300_799_999;

fn local_ms(now_ms: u64, utc_offset_minutes: i32) -> i64 {
    now_ms.min(LAST_MS) as i64 + i64::from(utc_offset_minutes) * MS_PER_MINUTE
}

/// The local minute of the day, 0..1440.
pub fn local_minute_of_day(now_ms: u64, utc_offset_minutes: i32) -> u16 {
    let minutes = local_ms(now_ms, utc_offset_minutes).div_euclid(MS_PER_MINUTE);
    minutes.rem_euclid(MINUTES_PER_DAY) as u16
}

/// What the popup offers to pause notifications for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PauseChoice {
    OneHour,
    /// Until 08:00 local time tomorrow. Before 04:00 "tomorrow" is the coming morning (08:00 today): at 01:30
    /// a person saying "until tomorrow" means when they get up, not in 30 hours.
    UntilTomorrow,
}

/// The hour "until tomorrow" ends at, local time.
pub const MORNING_HOUR: i64 = 8;
/// Before this local hour, "tomorrow" still means the coming morning.
pub const NIGHT_ENDS_HOUR: i64 = 4;

/// The unix ms a pause chosen at `now_ms` ends. The offset is today's: across a change of daylight saving
/// time in the night, "08:00" is an hour off, which a pause can afford.
pub fn pause_until_ms(choice: PauseChoice, now_ms: u64, utc_offset_minutes: i32) -> u64 {
    match choice {
        PauseChoice::OneHour => now_ms.saturating_add(MS_PER_HOUR),
        PauseChoice::UntilTomorrow => {
            let local = local_ms(now_ms, utc_offset_minutes);
            let day = local.div_euclid(86_400_000);
            let hour = local.rem_euclid(86_400_000) / 3_600_000;
            let (y, m, d) = civil_from_days(day);
            let target_day = if hour < NIGHT_ENDS_HOUR {
                days_from_civil(y, m, d)
            } else {
                days_from_civil(y, m, d) + 1
            };
            let local_target = target_day * 86_400_000 + MORNING_HOUR * 3_600_000;
            let utc = local_target - i64::from(utc_offset_minutes) * MS_PER_MINUTE;
            u64::try_from(utc).unwrap_or(0).max(now_ms)
        }
    }
}

/// A minute of the day as a time input shows it: `22:00`.
pub fn minute_text(minute: u16) -> String {
    let minute = minute % 1_440;
    format!("{:02}:{:02}", minute / 60, minute % 60)
}

/// A time input's value (`HH:MM`, seconds ignored) as a minute of the day; `None` for anything else.
pub fn parse_minute(text: &str) -> Option<u16> {
    let mut parts = text.trim().split(':');
    let hours: u16 = parts.next()?.parse().ok()?;
    let minutes: u16 = parts.next()?.parse().ok()?;
    if hours > 23 || minutes > 59 || parts.next().is_some_and(|s| s.parse::<f32>().is_err()) {
        return None;
    }
    Some(hours * 60 + minutes)
}

/// The quiet hours offered when someone turns them on: 22:00 to 07:00.
pub const DEFAULT_QUIET_HOURS: QuietHours = QuietHours {
    start_minute: 22 * 60,
    end_minute: 7 * 60,
};

/// What the popup and the options page say about a pause: `None` when notifications are not paused at
/// `now_ms`, else "Notifications paused until 15:05" (today), "… until tomorrow, 08:00", or a date further
/// out.
pub fn paused_text(
    settings: &NotifySettings,
    now_ms: u64,
    utc_offset_minutes: i32,
) -> Option<String> {
    let until = settings.paused_until_ms.filter(|until| now_ms < *until)?;
    let day = |ms: u64| local_ms(ms, utc_offset_minutes).div_euclid(86_400_000);
    let time = minute_text(local_minute_of_day(until, utc_offset_minutes));
    let when = match day(until) - day(now_ms) {
        0 => time,
        1 => format!("tomorrow, {time}"),
        _ => {
            let (_, m, d) = civil_from_days(day(until));
            const MONTHS: [&str; 12] = [
                "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
            ];
            format!("{d} {}, {time}", MONTHS[(m.clamp(1, 12) - 1) as usize])
        }
    };
    Some(format!("Notifications paused until {when}"))
}

/// The browser the background runs in, as far as polling cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Browser {
    Chromium,
    Firefox,
}

/// Chrome's shortest alarm period for a packed MV3 extension (alarms_api_constants.h:
/// `kMV3ReleaseDelayMinimum = 30 s`; shorter periods are raised to it).
pub const CHROMIUM_MIN_ALARM_MS: u64 = 30_000;
/// Firefox enforces no minimum alarm period. gmux still polls no faster than [`PAGE_OPEN_POLL_MS`].
pub const FIREFOX_MIN_ALARM_MS: u64 = 0;
/// The default poll, in both browsers.
pub const DEFAULT_POLL_MS: u64 = 30_000;
/// The poll while a gmux page is open.
pub const PAGE_OPEN_POLL_MS: u64 = 10_000;
/// The slowest poll a user may choose.
pub const MAX_POLL_MS: u64 = 60 * 60_000;

/// How the background schedules polls.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PollPlan {
    /// `periodInMinutes` of the `poll` alarm.
    pub alarm_period_minutes: f64,
    /// The alarm's period in ms.
    pub alarm_period_ms: u64,
    /// While a gmux page is open: poll with a timer this often as well (an alarm cannot go below 30 s in
    /// Chrome). `None` when no page is open.
    pub page_timer_ms: Option<u64>,
}

/// The poll schedule: the user's period (or [`DEFAULT_POLL_MS`]), no shorter than the browser's alarm allows
/// nor than [`PAGE_OPEN_POLL_MS`], no longer than [`MAX_POLL_MS`]; and the faster page timer while a page is
/// open, unless the alarm is already that fast.
pub fn poll_plan(browser: Browser, user_period_ms: Option<u64>, page_open: bool) -> PollPlan {
    let floor = match browser {
        Browser::Chromium => CHROMIUM_MIN_ALARM_MS,
        Browser::Firefox => FIREFOX_MIN_ALARM_MS,
    }
    .max(PAGE_OPEN_POLL_MS);
    let period = user_period_ms
        .unwrap_or(DEFAULT_POLL_MS)
        .clamp(floor, MAX_POLL_MS);
    PollPlan {
        alarm_period_minutes: period as f64 / 60_000.0,
        alarm_period_ms: period,
        page_timer_ms: (page_open && period > PAGE_OPEN_POLL_MS).then_some(PAGE_OPEN_POLL_MS),
    }
}

/// Gmail quota units one idle account costs per day at a poll every `period_ms`.
///
/// An idle poll is one `history.list`, which costs 2 units. A day has 86,400 s, so:
/// - every 30 s (the default): 86,400 / 30 = 2,880 polls × 2 = **5,760 units a day**;
/// - every 10 s (a gmux page open all day): 8,640 polls × 2 = 17,280 units;
/// - every 60 s: 1,440 polls × 2 = 2,880 units.
///
/// Gmail's per-user limit is 15,000 units per minute (once 250 per second); a 30 s poll uses 4 units a minute,
/// under 0.03 % of it. New mail adds one batch of `threads.get` (10 units a thread) and one `labels.get` (1 unit)
/// to the poll that finds it. A period of 0 is read as 1 ms.
pub fn quota_units_per_day(period_ms: u64) -> u64 {
    const HISTORY_LIST_UNITS: u64 = 2;
    const MS_PER_DAY: u64 = 86_400_000;
    MS_PER_DAY.div_ceil(period_ms.max(1)) * HISTORY_LIST_UNITS
}

/// What the options page says under "Check Gmail": what an idle check costs an account at the chosen pace, and
/// the faster pace while a page is in view. `user_period_ms` as for [`poll_plan`].
pub fn poll_cost_text(browser: Browser, user_period_ms: Option<u64>) -> String {
    let plan = poll_plan(browser, user_period_ms, false);
    let units = quota_units_per_day(plan.alarm_period_ms).to_string();
    let mut grouped = String::new();
    for (i, c) in units.chars().enumerate() {
        if i > 0 && (units.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let mut text = format!(
        "An idle check is one request to Gmail, 2 quota units: {grouped} units a day per account at this pace, where Gmail allows 15,000 a minute."
    );
    if let Some(ms) = poll_plan(browser, user_period_ms, true).page_timer_ms {
        text.push_str(&format!(
            " While a gmux page is in view, every {} seconds.",
            ms / 1_000
        ));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    // 2026-11-23 14:05:00 UTC, a Monday.
    const NOW: u64 = 1_795_442_700_000;

    fn msg(id: &str, labels: &[&str], name: &str, address: &str, subject: &str) -> NewMessage {
        NewMessage {
            id: id.into(),
            thread_id: format!("t{id}"),
            label_ids: labels.iter().map(|s| s.to_string()).collect(),
            sender_name: name.into(),
            sender_address: address.into(),
            subject: subject.into(),
            snippet: format!("snippet of {id}"),
            internal_date_ms: NOW - 60_000 + id.len() as u64,
        }
    }

    fn unread(id: &str, name: &str) -> NewMessage {
        msg(
            id,
            &["INBOX", "UNREAD", "CATEGORY_PERSONAL"],
            name,
            &format!("{}@example.org", name.to_lowercase().replace(' ', ".")),
            &format!("about {id}"),
        )
    }

    fn poll(kind: PollKind, added: Vec<NewMessage>) -> AccountPoll {
        AccountPoll {
            account_id: "acct1".into(),
            email: "me@gmail.com".into(),
            aliases: vec!["Me@Work.example".into()],
            kind: Some(kind),
            added,
        }
    }

    /// What one notification says, for comparing: (title, body, thread to open, message count).
    type Shown = (String, String, Option<String>, usize);

    fn shown(n: &Notification) -> Shown {
        (
            n.title.clone(),
            n.body.clone(),
            n.thread_id.clone(),
            n.message_ids.len(),
        )
    }

    fn check(
        polls: &[AccountPoll],
        settings: &Settings,
        seen: &[&str],
        log: &mut NotifiedLog,
        now_ms: u64,
        expected: &[(&str, &str, Option<&str>, usize)],
    ) -> Vec<Notification> {
        let seen: Vec<String> = seen.iter().map(|s| s.to_string()).collect();
        let got = decide(polls, settings, &seen, log, now_ms, 60);
        let got_shown: Vec<Shown> = got.iter().map(shown).collect();
        let want: Vec<Shown> = expected
            .iter()
            .map(|(t, b, th, n)| (t.to_string(), b.to_string(), th.map(str::to_string), *n))
            .collect();
        assert_eq!(got_shown, want);
        got
    }

    #[test]
    fn what_deserves_a_notification() {
        let own = msg(
            "own",
            &["INBOX", "UNREAD"],
            "Me",
            "ME@gmail.com",
            "to myself",
        );
        let alias = msg(
            "alias",
            &["INBOX", "UNREAD"],
            "",
            "me@work.example",
            "from work",
        );
        let sent = msg("sent", &["INBOX", "UNREAD", "SENT"], "X", "x@y", "sent");
        let read = msg(
            "read",
            &["INBOX", "CATEGORY_PERSONAL"],
            "Ann",
            "ann@x",
            "read",
        );
        let archived = msg("arch", &["UNREAD"], "Ann", "ann@x", "archived");
        let promo = msg(
            "promo",
            &["INBOX", "UNREAD", "CATEGORY_PROMOTIONS"],
            "Shop",
            "s@x",
            "Sale",
        );
        let plain = msg("plain", &["INBOX", "UNREAD"], "Bo", "bo@x", "no tabs");
        let good = unread("good", "Ada");
        let all = vec![
            own,
            alias,
            sent,
            read,
            archived,
            promo.clone(),
            plain.clone(),
            good,
        ];
        let settings = Settings::default();
        let line = |id: &str| format!("about {id}\nsnippet of {id}");
        // Only these three: the rest are own, sent, read or archived.
        let n = check(
            &[poll(PollKind::Incremental, all.clone())],
            &settings,
            &[],
            &mut NotifiedLog::default(),
            NOW,
            // Oldest first: "good" is a millisecond older than the other two.
            &[
                ("Ada", &line("good"), Some("tgood"), 1),
                ("Bo", "no tabs\nsnippet of plain", Some("tplain"), 1),
                ("Shop", "Sale\nsnippet of promo", Some("tpromo"), 1),
            ],
        );
        assert_eq!(n[0].context, "me@gmail.com");
        assert!(!n[0].silent);
        assert_eq!(
            NotificationTarget::parse(&n[0].id),
            Some(NotificationTarget::Message {
                account_id: "acct1".into(),
                thread_id: "tgood".into(),
                message_id: "good".into()
            })
        );

        // Primary only: the promotion goes, mail without any category stays.
        let mut primary = Settings::default();
        primary.accounts.insert(
            "acct1".into(),
            AccountSettings {
                notifications: true,
                primary_only: true,
            },
        );
        check(
            &[poll(PollKind::Incremental, all.clone())],
            &primary,
            &[],
            &mut NotifiedLog::default(),
            NOW,
            &[
                ("Ada", &line("good"), Some("tgood"), 1),
                ("Bo", "no tabs\nsnippet of plain", Some("tplain"), 1),
            ],
        );

        // Seen in an open page: not notified.
        check(
            &[poll(PollKind::Incremental, all.clone())],
            &settings,
            &["promo", "plain"],
            &mut NotifiedLog::default(),
            NOW,
            &[("Ada", &line("good"), Some("tgood"), 1)],
        );

        // The account turned off.
        let mut off = Settings::default();
        off.accounts.insert(
            "acct1".into(),
            AccountSettings {
                notifications: false,
                primary_only: false,
            },
        );
        check(
            &[poll(PollKind::Incremental, all.clone())],
            &off,
            &[],
            &mut NotifiedLog::default(),
            NOW,
            &[],
        );

        // Sound off: silent.
        let mut quiet_sound = Settings::default();
        quiet_sound.notify.sound = false;
        let n = decide(
            &[poll(PollKind::Incremental, vec![unread("x", "Ann")])],
            &quiet_sound,
            &[],
            &mut NotifiedLog::default(),
            NOW,
            0,
        );
        assert!(n[0].silent);
    }

    #[test]
    fn only_a_continued_history_notifies() {
        for (kind, notifies) in [
            (PollKind::FirstSync, false),
            (PollKind::FullResync, false),
            (PollKind::Reconnected, false),
            (PollKind::Incremental, true),
        ] {
            let mut log = NotifiedLog::default();
            let n = decide(
                &[poll(kind, vec![unread("a", "Ada")])],
                &Settings::default(),
                &[],
                &mut log,
                NOW,
                0,
            );
            assert_eq!(n.len(), usize::from(notifies), "{kind:?}");
        }
        let mut no_kind = poll(PollKind::Incremental, vec![unread("a", "Ada")]);
        no_kind.kind = None;
        assert!(decide(
            &[no_kind],
            &Settings::default(),
            &[],
            &mut NotifiedLog::default(),
            NOW,
            0
        )
        .is_empty());
    }

    #[test]
    fn never_twice_also_across_a_restart() {
        let mut log = NotifiedLog::default();
        let first = vec![unread("a", "Ada"), unread("a", "Ada")];
        let settings = Settings::default();
        // A message listed twice in one poll notifies once.
        check(
            &[poll(PollKind::Incremental, first)],
            &settings,
            &[],
            &mut log,
            NOW,
            &[("Ada", "about a\nsnippet of a", Some("ta"), 1)],
        );
        // The background restarts: the log comes back from storage and the same poll is replayed.
        let mut log = NotifiedLog::from_json(serde_json::to_value(&log).unwrap());
        check(
            &[poll(
                PollKind::Incremental,
                vec![unread("a", "Ada"), unread("b", "Bo")],
            )],
            &settings,
            &[],
            &mut log,
            NOW,
            &[("Bo", "about b\nsnippet of b", Some("tb"), 1)],
        );
        // The same message id in another account is another message.
        let mut other = poll(PollKind::Incremental, vec![unread("a", "Ada")]);
        other.account_id = "acct2".into();
        assert_eq!(decide(&[other], &settings, &[], &mut log, NOW, 0).len(), 1);
    }

    #[test]
    fn the_log_is_bounded_oldest_out() {
        let mut log = NotifiedLog::default();
        for i in 0..MAX_NOTIFIED + 10 {
            log.record("a", &format!("m{i}"));
        }
        assert_eq!(log.len(), MAX_NOTIFIED);
        assert!(!log.contains("a", "m9"));
        assert!(log.contains("a", "m10"));
        assert!(log.contains("a", &format!("m{}", MAX_NOTIFIED + 9)));
        // A longer stored list keeps its newest; garbage is an empty log.
        let long: Vec<String> = (0..MAX_NOTIFIED + 5).map(|i| format!("a/m{i}")).collect();
        let log = NotifiedLog::from_json(serde_json::json!(long));
        assert_eq!(log.len(), MAX_NOTIFIED);
        assert!(log.contains("a", "m5") && !log.contains("a", "m4"));
        assert!(NotifiedLog::from_json(serde_json::json!({"x": 1})).is_empty());
    }

    #[test]
    fn quiet_hours_and_pauses_silence_and_are_not_made_up_later() {
        // 14:05 UTC is 15:05 at +01:00, the offset `check` uses.
        let with = |notify: NotifySettings| Settings {
            notify,
            ..Default::default()
        };
        let quiet = |start: u16, end: u16| {
            with(NotifySettings {
                quiet_hours: Some(QuietHours {
                    start_minute: start,
                    end_minute: end,
                }),
                ..Default::default()
            })
        };
        let cases = [
            (quiet(15 * 60, 16 * 60), true),
            (quiet(15 * 60 + 6, 16 * 60), false),
            (quiet(14 * 60, 15 * 60 + 5), false),
            // Across midnight: 22:00 to 07:00 is not 15:05; 15:00 to 03:00 is.
            (quiet(22 * 60, 7 * 60), false),
            (quiet(15 * 60, 3 * 60), true),
            (quiet(600, 600), false),
            (
                with(NotifySettings {
                    paused_until_ms: Some(NOW + 1),
                    ..Default::default()
                }),
                true,
            ),
            (
                with(NotifySettings {
                    paused_until_ms: Some(NOW),
                    ..Default::default()
                }),
                false,
            ),
        ];
        for (settings, silenced) in cases {
            let mut log = NotifiedLog::default();
            let n = decide(
                &[poll(PollKind::Incremental, vec![unread("a", "Ada")])],
                &settings,
                &[],
                &mut log,
                NOW,
                60,
            );
            assert_eq!(n.is_empty(), silenced, "{settings:?}");
            // Silenced mail is recorded too: the poll replayed after the quiet hours stays quiet.
            assert!(log.contains("acct1", "a"), "{settings:?}");
            let later = decide(
                &[poll(PollKind::Incremental, vec![unread("a", "Ada")])],
                &Settings::default(),
                &[],
                &mut log,
                NOW,
                60,
            );
            assert!(later.is_empty());
        }
    }

    #[test]
    fn quiet_hours_minutes() {
        let q = QuietHours {
            start_minute: 22 * 60,
            end_minute: 7 * 60,
        };
        for (minute, inside) in [
            (0, true),
            (22 * 60, true),
            (419, true),
            (420, false),
            (1319, false),
            (1439, true),
        ] {
            assert_eq!(q.contains_minute(minute), inside, "{minute}");
        }
        // Local time moves with the offset: 14:05 UTC is 23:05 at +09:00, 06:05 at -08:00.
        assert!(q.contains(NOW, 9 * 60));
        assert!(q.contains(NOW, -8 * 60));
        assert!(!q.contains(NOW, 0));
        assert_eq!(local_minute_of_day(NOW, 0), 14 * 60 + 5);
        assert_eq!(local_minute_of_day(NOW, -14 * 60 - 10), 23 * 60 + 55);
        assert_eq!(
            local_minute_of_day(u64::MAX, 14 * 60),
            local_minute_of_day(LAST_MS, 14 * 60)
        );
    }

    #[test]
    fn more_than_three_become_one_summary_per_account() {
        let names = ["Ada", "Deutsche Bahn", "Ada", "Cy", "Di"];
        let added: Vec<NewMessage> = names
            .iter()
            .enumerate()
            .map(|(i, name)| {
                let mut m = unread(&format!("m{i}"), name);
                m.internal_date_ms = NOW - 10_000 + i as u64;
                m
            })
            .collect();
        let mut second = poll(PollKind::Incremental, added[..3].to_vec());
        second.account_id = "acct2".into();
        second.email = "two@x".into();
        let n = check(
            &[poll(PollKind::Incremental, added.clone()), second],
            &Settings::default(),
            &[],
            &mut NotifiedLog::default(),
            NOW,
            &[
                // Newest sender first, each once, at most three, then "…".
                ("5 new messages", "Di, Cy, Ada, …", None, 5),
                ("Ada", "about m0\nsnippet of m0", Some("tm0"), 1),
                ("Deutsche Bahn", "about m1\nsnippet of m1", Some("tm1"), 1),
                ("Ada", "about m2\nsnippet of m2", Some("tm2"), 1),
            ],
        );
        assert_eq!(
            NotificationTarget::parse(&n[0].id),
            Some(NotificationTarget::Summary {
                account_id: "acct1".into()
            })
        );
        assert_eq!(n[1].context, "two@x");
        // Four with three names: no "…".
        check(
            &[poll(PollKind::Incremental, added[..4].to_vec())],
            &Settings::default(),
            &[],
            &mut NotifiedLog::default(),
            NOW,
            &[("4 new messages", "Cy, Ada, Deutsche Bahn", None, 4)],
        );
    }

    #[test]
    fn a_burst_of_500_is_one_summary_and_linear() {
        let added: Vec<NewMessage> = (0..500)
            .map(|i| unread(&format!("{i:05}"), &format!("Sender {}", i % 7)))
            .collect();
        let mut log = NotifiedLog::default();
        let n = decide(
            &[poll(PollKind::Incremental, added)],
            &Settings::default(),
            &[],
            &mut log,
            NOW,
            0,
        );
        assert_eq!(n.len(), 1);
        assert_eq!(n[0].title, "500 new messages");
        assert_eq!(n[0].message_ids.len(), 500);
        assert_eq!(log.len(), 500);
    }

    #[test]
    fn hostile_text_reads_like_an_inbox_row() {
        let long = "x".repeat(10_000);
        let cases = [
            // (name, address, subject, snippet) → (title, body, which of them are gmux's placeholders)
            (
                ("", "ann@x.org", "", ""),
                ("ann@x.org", "(no subject)", (false, true)),
            ),
            (
                ("\u{200B}\u{FEFF}", "", " \u{202E} ", "  "),
                ("(unknown sender)", "(no subject)", (true, true)),
            ),
            (
                ("", "", "Hi", "there"),
                ("(unknown sender)", "Hi\nthere", (true, false)),
            ),
            (
                (
                    "Invoice \u{202E}fdp.exe",
                    "a@b",
                    "Pay\u{7} now\r\nplease",
                    "line\tone",
                ),
                (
                    "Invoice fdp.exe",
                    "Pay now  please\nline one",
                    (false, false),
                ),
            ),
            (
                ("\u{1b}[31mred", "a@b", "ok", "\u{0}"),
                ("[31mred", "ok", (false, false)),
            ),
        ];
        for ((name, address, subject, snippet), (title, body, (no_sender, no_subject))) in cases {
            let mut m = msg("m", &["INBOX", "UNREAD"], name, address, subject);
            m.snippet = snippet.into();
            let n = decide(
                &[poll(PollKind::Incremental, vec![m])],
                &Settings::default(),
                &[],
                &mut NotifiedLog::default(),
                NOW,
                0,
            );
            assert_eq!(
                (n[0].title.as_str(), n[0].body.as_str(), n[0].words),
                (
                    title,
                    body,
                    NotificationWords::Mail {
                        no_sender,
                        no_subject
                    }
                ),
                "{name:?}"
            );
        }
        let mut m = msg("m", &["INBOX", "UNREAD"], &long, "a@b", &long);
        m.snippet = long.clone();
        let n = decide(
            &[poll(PollKind::Incremental, vec![m])],
            &Settings::default(),
            &[],
            &mut NotifiedLog::default(),
            NOW,
            0,
        );
        assert_eq!(n[0].title.chars().count(), MAX_TITLE_CHARS);
        assert_eq!(
            n[0].body.chars().count(),
            MAX_SUBJECT_CHARS + 1 + MAX_SNIPPET_CHARS
        );
        assert!(n[0].title.ends_with('…'));
    }

    #[test]
    fn from_headers_split_into_name_and_address() {
        let cases = [
            ("\"Ann Lee\" <ann@x.org>", ("Ann Lee", "ann@x.org")),
            ("Ann Lee <ann@x.org>", ("Ann Lee", "ann@x.org")),
            ("<ann@x.org>", ("", "ann@x.org")),
            ("\"\" <ann@x.org>", ("", "ann@x.org")),
            ("\u{200B} <ann@x.org>", ("", "ann@x.org")),
            ("ann@x.org", ("", "ann@x.org")),
            ("Team", ("Team", "")),
            ("", ("", "")),
            ("Bad <unclosed@x", ("Bad", "unclosed@x")),
        ];
        for (header, (name, address)) in cases {
            assert_eq!(
                parse_from(header),
                (name.to_string(), address.to_string()),
                "{header:?}"
            );
        }
    }

    #[test]
    fn notification_ids_round_trip_and_refuse_garbage() {
        let target = NotificationTarget::Message {
            account_id: "a/b c".into(),
            thread_id: "t%1".into(),
            message_id: "m".into(),
        };
        let id = target.id("");
        assert_eq!(id, "gmux/m/a%2Fb%20c/t%251/m");
        assert_eq!(NotificationTarget::parse(&id), Some(target));
        for bad in [
            "",
            "gmux",
            "gmux/m/a/b",
            "gmux/x/a/b",
            "other/m/a/b/c",
            "gmux/m/a//c",
            "gmux/m/a/%zz/c",
            "gmux/m/a/b/c/d",
            "gmux/s/%ff/x",
        ] {
            assert_eq!(NotificationTarget::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn pauses_end_an_hour_later_or_tomorrow_morning() {
        let hour = 3_600_000;
        // 14:05 UTC → one hour.
        assert_eq!(pause_until_ms(PauseChoice::OneHour, NOW, 0), NOW + hour);
        let day_start = NOW - (14 * 60 + 5) * 60_000;
        let cases = [
            // (offset, expected) at 14:05 UTC: tomorrow 08:00 local.
            (0, day_start + 86_400_000 + 8 * hour),
            // +01:00: 15:05 local → tomorrow 08:00 local = 07:00 UTC.
            (60, day_start + 86_400_000 + 7 * hour),
            // +12:00: 02:05 local on the 24th → 08:00 local on the 24th = 20:00 UTC on the 23rd.
            (12 * 60, day_start + 20 * hour),
            // -10:00: 04:05 local → 08:00 local on the 24th = 18:00 UTC on the 24th.
            (-10 * 60, day_start + 86_400_000 + 18 * hour),
        ];
        for (offset, want) in cases {
            assert_eq!(
                pause_until_ms(PauseChoice::UntilTomorrow, NOW, offset),
                want,
                "{offset}"
            );
        }
        assert_eq!(pause_until_ms(PauseChoice::OneHour, u64::MAX, 0), u64::MAX);
        assert_eq!(
            pause_until_ms(PauseChoice::UntilTomorrow, u64::MAX, 600),
            u64::MAX
        );
        // 2026-03-31 23:30 local → 2026-04-01 08:00 (a month's end).
        let march_31 =
            (days_from_civil(2026, 3, 31) * 86_400_000 + 23 * 3_600_000 + 30 * 60_000) as u64;
        assert_eq!(
            pause_until_ms(PauseChoice::UntilTomorrow, march_31, 0),
            (days_from_civil(2026, 4, 1) * 86_400_000) as u64 + 8 * hour
        );
    }

    #[test]
    fn poll_plans_follow_each_browsers_alarm_floor() {
        let cases = [
            ((Browser::Chromium, None, false), (30_000, None)),
            ((Browser::Chromium, None, true), (30_000, Some(10_000))),
            ((Browser::Chromium, Some(5_000), false), (30_000, None)),
            (
                (Browser::Chromium, Some(120_000), true),
                (120_000, Some(10_000)),
            ),
            ((Browser::Firefox, None, false), (30_000, None)),
            ((Browser::Firefox, Some(1_000), false), (10_000, None)),
            ((Browser::Firefox, Some(10_000), true), (10_000, None)),
            (
                (Browser::Firefox, Some(u64::MAX), false),
                (MAX_POLL_MS, None),
            ),
        ];
        for ((browser, user, open), (period, timer)) in cases {
            let plan = poll_plan(browser, user, open);
            assert_eq!(
                (plan.alarm_period_ms, plan.page_timer_ms),
                (period, timer),
                "{browser:?} {user:?} {open}"
            );
            assert!((plan.alarm_period_minutes * 60_000.0 - period as f64).abs() < 1e-6);
        }
    }

    #[test]
    fn quota_per_day() {
        assert_eq!(quota_units_per_day(30_000), 5_760);
        assert_eq!(quota_units_per_day(10_000), 17_280);
        assert_eq!(quota_units_per_day(60_000), 2_880);
        assert_eq!(quota_units_per_day(7_000), 12_343 * 2);
        assert_eq!(quota_units_per_day(0), 86_400_000 * 2);
    }

    #[test]
    fn settings_read_with_defaults() {
        let s: NotifySettings = serde_json::from_value(serde_json::json!({
            "quiet_hours": {"start_minute": 1320, "end_minute": 420}
        }))
        .unwrap();
        assert!(s.sound);
        assert_eq!(s.open_in, OpenIn::Gmux);
        assert_eq!(s.silenced(NOW, 9 * 60), Some(Silence::QuietHours));
        let back: NotifySettings =
            serde_json::from_value(serde_json::to_value(&s).unwrap()).unwrap();
        assert_eq!(back, s);
        let gmail: NotifySettings =
            serde_json::from_value(serde_json::json!({"open_in": "gmail", "sound": false}))
                .unwrap();
        assert_eq!((gmail.open_in, gmail.sound), (OpenIn::Gmail, false));
    }

    #[test]
    fn each_browser_gets_what_it_can_show() {
        let mut one = decide(
            &[poll(PollKind::Incremental, vec![unread("a", "Ada")])],
            &Settings::default(),
            &[],
            &mut NotifiedLog::default(),
            NOW,
            0,
        );
        let one = one.remove(0);
        let chromium = serde_json::to_value(one.options(Browser::Chromium, "data:x")).unwrap();
        assert_eq!(
            chromium,
            serde_json::json!({
                "type": "basic", "iconUrl": "data:x", "title": "Ada",
                "message": "about a\nsnippet of a", "contextMessage": "me@gmail.com",
                "buttons": [{"title": "Mark as read"}, {"title": "Archive"}],
                "silent": false, "eventTime": (NOW - 60_000 + 1) as f64,
            })
        );
        let firefox = serde_json::to_value(one.options(Browser::Firefox, "data:x")).unwrap();
        assert_eq!(
            firefox,
            serde_json::json!({
                "type": "basic", "iconUrl": "data:x", "title": "Ada",
                "message": "me@gmail.com\nabout a\nsnippet of a",
                "eventTime": (NOW - 60_000 + 1) as f64,
            })
        );
        // A summary has no buttons: they act on one conversation.
        let added: Vec<NewMessage> = (0..5).map(|i| unread(&format!("m{i}"), "Bo")).collect();
        let mut quiet = Settings::default();
        quiet.notify.sound = false;
        let summary = decide(
            &[poll(PollKind::Incremental, added)],
            &quiet,
            &[],
            &mut NotifiedLog::default(),
            NOW,
            0,
        )
        .remove(0);
        let options = summary.options(Browser::Chromium, "i");
        assert!(options.buttons.is_empty());
        assert_eq!(options.silent, Some(true));
        assert_eq!(summary.options(Browser::Firefox, "i").silent, None);
        for (index, action) in [
            (0, Some(ThreadAction::MarkRead)),
            (1, Some(ThreadAction::Archive)),
            (2, None),
            (u32::MAX, None),
        ] {
            assert_eq!(button_action(Browser::Chromium, index), action, "{index}");
            assert_eq!(button_action(Browser::Firefox, index), None, "{index}");
        }
    }

    #[test]
    fn a_click_opens_the_conversation_where_the_user_chose() {
        let message = NotificationTarget::Message {
            account_id: "1057".into(),
            thread_id: "18c0ffee".into(),
            message_id: "18c0fff0".into(),
        };
        let summary = NotificationTarget::Summary {
            account_id: "1057".into(),
        };
        let cases = [
            (
                &message,
                OpenIn::Gmux,
                OpenTarget::Page("newtab.html#open=1057:18c0ffee".into()),
            ),
            (
                &message,
                OpenIn::Gmail,
                OpenTarget::Web(
                    "https://mail.google.com/mail/u/?authuser=ann%2Bx@x.org#inbox/18c0ffee".into(),
                ),
            ),
            (
                &summary,
                OpenIn::Gmux,
                OpenTarget::Page("newtab.html".into()),
            ),
            (
                &summary,
                OpenIn::Gmail,
                OpenTarget::Web(
                    "https://mail.google.com/mail/u/?authuser=ann%2Bx@x.org#inbox".into(),
                ),
            ),
        ];
        for (target, open_in, want) in cases {
            assert_eq!(
                open_target(target, open_in, "ann+x@x.org"),
                want,
                "{target:?} {open_in:?}"
            );
        }
        // Ids that are not Google's still cannot break out of the fragment.
        let odd = NotificationTarget::Message {
            account_id: "a:b#c".into(),
            thread_id: "t/1".into(),
            message_id: "m".into(),
        };
        assert_eq!(
            open_target(&odd, OpenIn::Gmux, "x@y"),
            OpenTarget::Page("newtab.html#open=a%3Ab%23c:t%2F1".into())
        );
    }

    #[test]
    fn a_failed_button_says_what_did_not_happen() {
        let n = action_failed(
            "acct1",
            "me@gmail.com",
            ThreadAction::Archive,
            "The conversation could not be archived. Gmail could not be reached\u{202E}.",
        );
        assert_eq!(n.title, "Not archived");
        assert_eq!(
            n.body,
            "The conversation could not be archived. Gmail could not be reached."
        );
        assert_eq!(n.context, "me@gmail.com");
        assert_eq!(
            NotificationTarget::parse(&n.id),
            None,
            "a click on it acts on nothing"
        );
        assert!(n.silent);
    }

    #[test]
    fn a_summary_names_only_senders_it_knows() {
        // A burst too large to fetch: the oldest messages come from history alone, without a sender.
        let mut added: Vec<NewMessage> = (0..4)
            .map(|i| NewMessage {
                id: format!("h{i}"),
                thread_id: format!("th{i}"),
                label_ids: vec!["INBOX".into(), "UNREAD".into()],
                internal_date_ms: NOW - 100 + i,
                ..Default::default()
            })
            .collect();
        let mut named = unread("n", "Ada");
        named.internal_date_ms = NOW;
        added.push(named);
        check(
            &[poll(PollKind::Incremental, added.clone())],
            &Settings::default(),
            &[],
            &mut NotifiedLog::default(),
            NOW,
            &[("5 new messages", "Ada", None, 5)],
        );
        check(
            &[poll(PollKind::Incremental, added[..4].to_vec())],
            &Settings::default(),
            &[],
            &mut NotifiedLog::default(),
            NOW,
            &[("4 new messages", "New mail in the inbox", None, 4)],
        );
    }

    #[test]
    fn times_of_day_for_the_quiet_hours_inputs() {
        for (text, minute) in [
            ("00:00", Some(0)),
            ("07:30", Some(450)),
            ("23:59", Some(1439)),
            ("22:00:00", Some(1320)),
            ("7:05", Some(425)),
            ("24:00", None),
            ("12:60", None),
            ("", None),
            ("noon", None),
            ("12", None),
            ("12:00:xx", None),
        ] {
            assert_eq!(parse_minute(text), minute, "{text:?}");
        }
        assert_eq!(minute_text(0), "00:00");
        assert_eq!(minute_text(1439), "23:59");
        assert_eq!(minute_text(1440 + 61), "01:01");
    }

    #[test]
    fn a_pause_says_until_when() {
        let paused = |until: u64| NotifySettings {
            paused_until_ms: Some(until),
            ..Default::default()
        };
        let hour = 3_600_000;
        // NOW is 14:05 UTC, 15:05 at +01:00.
        let cases = [
            (NOW + hour, 60, Some("Notifications paused until 16:05")),
            (
                pause_until_ms(PauseChoice::UntilTomorrow, NOW, 60),
                60,
                Some("Notifications paused until tomorrow, 08:00"),
            ),
            (
                NOW + 3 * 86_400_000,
                0,
                Some("Notifications paused until 26 Nov, 14:05"),
            ),
            (NOW, 60, None),
            (NOW - 1, 60, None),
        ];
        for (until, offset, want) in cases {
            assert_eq!(
                paused_text(&paused(until), NOW, offset).as_deref(),
                want,
                "{until}"
            );
        }
        assert_eq!(paused_text(&NotifySettings::default(), NOW, 0), None);
    }

    #[test]
    fn the_poll_says_what_it_costs() {
        let cases = [
            (
                Browser::Chromium,
                None,
                "5,760 units a day",
                Some("every 10 seconds"),
            ),
            (
                Browser::Firefox,
                None,
                "5,760 units a day",
                Some("every 10 seconds"),
            ),
            (
                Browser::Chromium,
                Some(300_000),
                "576 units a day",
                Some("every 10 seconds"),
            ),
            (Browser::Firefox, Some(10_000), "17,280 units a day", None),
            (
                Browser::Chromium,
                Some(1_000),
                "5,760 units a day",
                Some("every 10 seconds"),
            ),
        ];
        for (browser, period, units, fast) in cases {
            let text = poll_cost_text(browser, period);
            assert!(text.contains(units), "{text}");
            assert_eq!(text.contains("in view"), fast.is_some(), "{text}");
            if let Some(fast) = fast {
                assert!(text.contains(fast), "{text}");
            }
        }
    }
}
