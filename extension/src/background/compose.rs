//! Writing and sending mail for the pages. Each message being written is a session in this module's memory
//! (its fields, its attachments' bytes, its Gmail draft id), so the text is held by the background, not only by
//! the page: a page sends every change at once ([`Intent::ComposeUpdate`]), and the session is saved as a Gmail
//! draft `SAVE_AFTER_MS` after the last change and when the composer closes (`drafts.create`, then
//! `drafts.update`). Nothing of it goes to `storage.*`.
//!
//! Send waits the undo window here, then saves the final text into the draft and sends the draft
//! (`drafts.send`): a send Gmail refuses leaves the draft in Drafts, and the session goes back to editing with
//! the reason; a send is never made twice (see `gmux_gmail::compose`). The message is built by gmux-mail
//! (RFC 5322, encoded-words, CR/LF in a header refused); the state machine and the words are gmux-core's.

// A refusal is a whole `ComposeReply`, made once per user action: its size in a `Result` costs nothing here.
#![allow(clippy::result_large_err)]

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;

use base64::Engine as _;
use futures::channel::oneshot;
use futures::lock::Mutex as AsyncMutex;
use gmux_core::compose::{
    self as decide, AttachmentInfo, ComposeKind, ComposeReply, ComposerState, Fields, Identity,
    Phase, ReplySource,
};
use gmux_core::messages::{IntentError, IntentReply};
use gmux_gmail::compose as gmail;
use gmux_gmail::GmailClient;
use gmux_mail::address::{parse_list_lenient, Mailbox};
use gmux_mail::compose::{
    self as mail, Attachment, ComposeError, DateStyle, Draft, Original, Quote, ReplyContext,
};
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::spawn_local;

use super::reader::Reader;
use super::store::Store;
use super::sync::Syncer;
use crate::i18n::{t, t_with};
use crate::timers::sleep;

/// One message being written.
struct Session {
    state: ComposerState,
    files: Vec<Attachment>,
    reply: Option<ReplyContext>,
    quote: Option<Quote>,
    /// The Gmail draft and the account it is in.
    draft: Option<(String, String)>,
    /// Bumped by every change; `saved_edits` is the change Gmail has.
    edits: u64,
    saved_edits: u64,
    /// Bumped by every Send, so a timer of an undone send does nothing.
    send_generation: u64,
    /// One save at a time.
    saving: Rc<AsyncMutex<()>>,
    /// Pages waiting for the send to end.
    waiters: Vec<oneshot::Sender<()>>,
    /// Why Gmail did not take the last save, in its words (for a send that could not save first).
    save_why: Option<String>,
}

pub struct Composer {
    store: Rc<Store>,
    syncer: Rc<Syncer>,
    reader: Rc<Reader>,
    sessions: RefCell<BTreeMap<String, Session>>,
    /// Each account's send-as addresses, read once per background start.
    identities: RefCell<HashMap<String, Vec<Identity>>>,
    book: RefCell<decide::AddressBook>,
    next_id: Cell<u64>,
}

fn log(text: &str) {
    web_sys::console::warn_1(&JsValue::from_str(text));
}

/// Unix milliseconds (the undo window is compared with the clock the page shows it by).
fn now() -> u64 {
    js_sys::Date::now().max(0.0) as u64
}

fn tz_offset_minutes() -> i32 {
    -(js_sys::Date::new_0().get_timezone_offset() as i32)
}

fn not_found() -> ComposeReply {
    ComposeReply::failed(IntentError::NotFound, t("composeNoLongerOpen"))
}

/// Why Gmail did not take a draft or a send, in the browser's language.
fn send_words(cause: &gmux_core::messages::Cause) -> String {
    use gmux_core::messages::Cause;
    match cause {
        // After the client's retries a draft gone may mean an earlier try sent it.
        Cause::NotFound => t("composeDraftGone"),
        Cause::ScopeMissing => t("composeNotAllowedToSend"),
        other => crate::i18n::cause_words(other, false),
    }
}

/// A send that failed: why, and where the message is now.
fn not_sent_words(why: &str, kept_in_drafts: bool) -> String {
    if kept_in_drafts {
        t_with("composeNotSentInDrafts", &[why.trim()])
    } else {
        t_with("composeNotSentKeptHere", &[why.trim()])
    }
}

/// Why gmux-mail could not build the message, in the browser's language: gmux-mail gives the data (the
/// field, the recipient's number, the sizes), the catalogue the words.
fn compose_error_words(error: &ComposeError) -> String {
    let n = |n: usize| crate::i18n::number(n as u64);
    let size = |bytes: usize| crate::i18n::size(bytes as u64);
    match error {
        ComposeError::LineBreak { field } => {
            t_with("composeProblemLineBreak", &[&field_words(*field)])
        }
        ComposeError::ControlCharacter { field, code } => t_with(
            "composeProblemControl",
            &[&field_words(*field), &format!("U+{code:04X}")],
        ),
        ComposeError::Address { field, error } => t_with(
            "composeProblemAddress",
            &[
                &field_words(*field),
                // Isolated (FSI ... PDI), so a typed address stays whole inside a right-to-left sentence.
                &format!("\u{2068}{}\u{2069}", error.entry),
                &address_problem_words(error.problem),
            ],
        ),
        ComposeError::EmptyFileName { number } => {
            t_with("composeProblemNoFileName", &[&n(*number)])
        }
        ComposeError::FileNameTooLong { number, limit } => {
            t_with("composeProblemFileNameTooLong", &[&n(*number), &n(*limit)])
        }
        ComposeError::AttachmentsTooLarge { total, limit } => t_with(
            "composeProblemAttachmentsTooLarge",
            &[&size(*total), &size(*limit)],
        ),
        ComposeError::MessageTooLarge { size: bytes, limit } => t_with(
            "composeProblemMessageTooLarge",
            &[&size(*bytes), &size(*limit)],
        ),
        ComposeError::TimeOutOfRange { ms } => t_with("composeProblemBadTime", &[&ms.to_string()]),
        ComposeError::OffsetOutOfRange { minutes } => {
            t_with("composeProblemBadOffset", &[&minutes.to_string()])
        }
        ComposeError::NoRecipients => t("composeProblemNoRecipients"),
    }
}

/// The value a refusal is about, as a phrase of the browser's language.
fn field_words(field: mail::Field) -> String {
    use mail::{Field, Header, Part};
    let header = |h: Header| match h {
        Header::To => t("to"),
        Header::Cc => t("cc"),
        Header::Bcc => t("bcc"),
    };
    match field {
        Field::Sender { part: Part::Whole } => t("composeFieldSender"),
        Field::Sender { part: Part::Name } => t("composeFieldSenderName"),
        Field::Sender {
            part: Part::Address,
        } => t("composeFieldSenderAddress"),
        Field::Recipient {
            header: h,
            number,
            part,
        } => {
            let number = crate::i18n::number(number as u64);
            let values: [&str; 2] = [&number, &header(h)];
            match part {
                Part::Whole => t_with("composeFieldRecipient", &values),
                Part::Name => t_with("composeFieldRecipientName", &values),
                Part::Address => t_with("composeFieldRecipientAddress", &values),
            }
        }
        Field::Typed { header: h } => t_with("composeFieldTyped", &[&header(h)]),
        Field::Subject => t("composeFieldSubject"),
        Field::OriginalMessageId => t("composeFieldOriginalId"),
        Field::AttachmentName { number } => t_with(
            "composeFieldAttachmentName",
            &[&crate::i18n::number(number as u64)],
        ),
        Field::AttachmentType { number } => t_with(
            "composeFieldAttachmentType",
            &[&crate::i18n::number(number as u64)],
        ),
    }
}

/// Why a typed entry is not an email address, in the browser's language.
fn address_problem_words(problem: gmux_mail::address::Problem) -> String {
    use gmux_mail::address::Problem;
    match problem {
        Problem::NoAt => t("addressNoAt"),
        Problem::EmptyLocalPart => t("addressEmptyLocalPart"),
        Problem::LocalPartTooLong => t("addressLocalPartTooLong"),
        Problem::BadLocalPart => t("addressBadLocalPart"),
        Problem::NoDomain => t("addressNoDomain"),
        Problem::DomainWithoutDot => t("addressDomainWithoutDot"),
        Problem::BadDomain => t("addressBadDomain"),
        Problem::TooLong => t("addressTooLong"),
        Problem::NonAscii => t("addressNonAscii"),
        Problem::Space => t("addressSpace"),
        Problem::LineBreak => t("addressLineBreak"),
        Problem::ControlCharacter => t("addressControl"),
        Problem::UnclosedQuote => t("addressUnclosedQuote"),
        Problem::UnclosedAngle => t("addressUnclosedAngle"),
        Problem::TextAfterAddress => t("addressTextAfter"),
        Problem::NameWithoutAddress => t("addressNameOnly"),
    }
}

/// Why Send or Undo did nothing.
fn refusal_words(refusal: decide::Refusal) -> String {
    match refusal {
        decide::Refusal::AlreadySending => t("composeAlreadySending"),
        decide::Refusal::AlreadySent => t("composeAlreadySent"),
        decide::Refusal::TooLate => t("composeTooLateToUndo"),
    }
}

/// An address field's mailboxes as the user sees them in the field.
fn field_text(list: &[Mailbox]) -> String {
    list.iter()
        .map(|m| decide::mailbox_text(m.shown_name().unwrap_or(""), &m.address))
        .collect::<Vec<_>>()
        .join(", ")
}

impl Composer {
    pub fn new(store: Rc<Store>, syncer: Rc<Syncer>, reader: Rc<Reader>) -> Composer {
        Composer {
            store,
            syncer,
            reader,
            sessions: RefCell::new(BTreeMap::new()),
            identities: RefCell::new(HashMap::new()),
            book: RefCell::new(decide::AddressBook::default()),
            next_id: Cell::new(1),
        }
    }

    async fn client(&self, account: &str) -> Result<Rc<GmailClient>, IntentReply> {
        self.store.loaded().await;
        let known = self.store.inbox(|inbox| inbox.account(account).is_some());
        match self.syncer.engine().filter(|_| known) {
            Some(engine) => Ok(engine.client(account)),
            None => Err(crate::i18n::not_started(known)),
        }
    }

    /// One account's identities: its send-as addresses, or its own address when Gmail cannot list them.
    async fn identities_of(&self, account: &str) -> Vec<Identity> {
        if let Some(found) = self.identities.borrow().get(account) {
            return found.clone();
        }
        let email = self.store.status(|s| {
            s.accounts
                .iter()
                .find(|a| a.id == account)
                .map(|a| a.email.clone())
        });
        let own = || {
            email
                .iter()
                .map(|email| Identity {
                    account: account.to_string(),
                    email: email.clone(),
                    name: String::new(),
                    default: true,
                })
                .collect::<Vec<_>>()
        };
        let Ok(client) = self.client(account).await else {
            return own();
        };
        match gmail::send_as_list(&client).await {
            Ok(list) if !list.is_empty() => {
                let found: Vec<Identity> = list
                    .into_iter()
                    .map(|s| Identity {
                        account: account.to_string(),
                        email: s.send_as_email,
                        name: s.display_name,
                        default: s.is_default,
                    })
                    .collect();
                self.identities
                    .borrow_mut()
                    .insert(account.to_string(), found.clone());
                found
            }
            Ok(_) => own(),
            Err(e) => {
                log(&format!(
                    "gmux: the send-as addresses could not be read: {e}"
                ));
                own()
            }
        }
    }

    /// Every account's identities, in the accounts' order.
    pub async fn all_identities(&self) -> ComposeReply {
        self.store.loaded().await;
        let accounts: Vec<String> = self
            .store
            .status(|s| s.accounts.iter().map(|a| a.id.clone()).collect());
        let mut identities = Vec::new();
        for account in accounts {
            identities.extend(self.identities_of(&account).await);
        }
        ComposeReply {
            ok: true,
            identities,
            ..ComposeReply::default()
        }
    }

    /// The identity with this address (any account's).
    async fn identity(&self, email: &str) -> Option<Identity> {
        let all = self.all_identities().await.identities;
        all.into_iter()
            .find(|i| i.email.eq_ignore_ascii_case(email.trim()))
    }

    /// Learns the address headers of a thread read for the reader, for suggestions.
    pub fn learn_thread(&self, json: &str) {
        let values = gmail::header_values(json, &["From", "To", "Cc", "Reply-To"]);
        let mut book = self.book.borrow_mut();
        for value in values {
            for m in parse_list_lenient(&value) {
                book.learn(m.shown_name().unwrap_or(""), &m.address);
            }
        }
    }

    fn learn_text(&self, text: &str) {
        let mut book = self.book.borrow_mut();
        for m in parse_list_lenient(text) {
            book.learn(m.shown_name().unwrap_or(""), &m.address);
        }
    }

    pub fn suggest(&self, typed: &str) -> ComposeReply {
        ComposeReply {
            ok: true,
            suggestions: self
                .book
                .borrow()
                .suggest(decide::typing_entry(typed), decide::MAX_SUGGESTIONS),
            ..ComposeReply::default()
        }
    }

    /// Starts a composer (or finds the one left open for this conversation).
    pub async fn start(
        self: &Rc<Self>,
        kind: ComposeKind,
        account: String,
        thread: Option<String>,
        source: Option<ReplySource>,
    ) -> ComposeReply {
        if kind != ComposeKind::New {
            let open = self.sessions.borrow().values().find_map(|s| {
                (s.state.account == account
                    && s.state.thread == thread
                    && s.state.phase == Phase::Editing)
                    .then(|| s.state.clone())
            });
            if let Some(mut state) = open {
                state.resumed = true;
                return ComposeReply::with_state(state);
            }
        }
        let identities = self.identities_of(&account).await;
        let Some(identity) = decide::default_identity(&identities, &account).cloned() else {
            return ComposeReply::from_intent(crate::i18n::not_started(false));
        };
        let from = Mailbox {
            name: (!identity.name.trim().is_empty()).then(|| identity.name.clone()),
            address: identity.email.clone(),
        };
        let own: Vec<String> = identities.iter().map(|i| i.email.clone()).collect();
        let offset = tz_offset_minutes();
        let original = source.as_ref().map(|s| Original {
            message_id: s.message_id.clone(),
            references: s.references.clone(),
            in_reply_to: s.in_reply_to.clone(),
            thread_id: thread.clone(),
            subject: s.subject.clone(),
            from: s.from.clone(),
            reply_to: s.reply_to.clone(),
            to: s.to.clone(),
            cc: s.cc.clone(),
            date_ms: s.date_ms,
            date_offset_minutes: offset,
            text: s.text.clone(),
        });
        if let Some(s) = &source {
            for text in [&s.from, &s.to, &s.cc, &s.reply_to] {
                self.learn_text(text);
            }
        }
        let draft = match (kind, &original) {
            (ComposeKind::Reply | ComposeKind::ReplyAll, Some(o)) => Draft::reply(
                from,
                o,
                &own,
                kind == ComposeKind::ReplyAll,
                DateStyle::default(),
            ),
            (ComposeKind::Forward, Some(o)) => Draft::forward(from, o, DateStyle::default()),
            _ => Draft::new(from),
        };
        let mut files = Vec::new();
        if kind == ComposeKind::Forward {
            for a in source.iter().flat_map(|s| &s.attachments) {
                match self.fetch_attachment(&account, a).await {
                    Ok(file) => files.push(file),
                    Err(reply) => return reply,
                }
            }
        }
        let quote = draft.full_text();
        let id = format!("c{}-{}", self.next_id.get(), now());
        self.next_id.set(self.next_id.get() + 1);
        let state = ComposerState {
            id: id.clone(),
            account,
            kind,
            thread,
            fields: Fields {
                from: identity.email.clone(),
                to: field_text(&draft.to),
                cc: field_text(&draft.cc),
                bcc: String::new(),
                subject: draft.subject.clone(),
                body: String::new(),
            },
            quote,
            attachments: files.iter().map(info).collect(),
            ..ComposerState::default()
        };
        self.sessions.borrow_mut().insert(
            id,
            Session {
                state: state.clone(),
                edits: u64::from(!files.is_empty()),
                files,
                reply: draft.reply,
                quote: draft.quote,
                draft: None,
                saved_edits: 0,
                send_generation: 0,
                saving: Rc::new(AsyncMutex::new(())),
                waiters: Vec::new(),
                save_why: None,
            },
        );
        ComposeReply::with_state(state)
    }

    /// An attachment of the original, for a forward: its bytes from Gmail (or the reader's memory).
    async fn fetch_attachment(
        &self,
        account: &str,
        a: &decide::SourceAttachment,
    ) -> Result<Attachment, ComposeReply> {
        let reply = self
            .reader
            .attachment(account, &a.message, &a.attachment)
            .await;
        let failed = |why: &str| {
            ComposeReply::failed(
                IntentError::GmailError,
                t_with("composeAttachmentNotForwarded", &[&a.file_name, why]),
            )
        };
        let Some(data) = reply.body.as_deref() else {
            return Err(failed(
                &reply
                    .reply
                    .error
                    .clone()
                    .unwrap_or_else(|| t("composeGmailGaveNothing")),
            ));
        };
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(data.trim_end_matches('=').as_bytes())
            .map_err(|_| failed(&t("composeGmailDataUnreadable")))?;
        Ok(Attachment {
            file_name: mail::sanitize_file_name(&a.file_name),
            mime_type: a.mime_type.clone(),
            data: bytes,
        })
    }

    /// The unsent answer being written in a conversation (ok without a state when there is none).
    pub fn find(&self, account: &str, thread: &str) -> ComposeReply {
        let found = self.sessions.borrow().values().find_map(|s| {
            (s.state.account == account
                && s.state.thread.as_deref() == Some(thread)
                && s.state.phase == Phase::Editing
                && decide::worth_saving(&s.state.fields, s.files.len()))
            .then(|| s.state.clone())
        });
        match found {
            Some(state) => ComposeReply::with_state(state),
            None => ComposeReply {
                ok: true,
                ..ComposeReply::default()
            },
        }
    }

    pub fn resume(&self, id: &str) -> ComposeReply {
        match self.sessions.borrow().get(id) {
            Some(s) => ComposeReply::with_state(s.state.clone()),
            None => not_found(),
        }
    }

    /// Changes held at once; saved to Gmail after the typing stops.
    pub fn update(self: &Rc<Self>, id: &str, fields: Fields) -> ComposeReply {
        let edits = {
            let mut sessions = self.sessions.borrow_mut();
            let Some(s) = sessions.get_mut(id) else {
                return not_found();
            };
            if !s.state.phase.editable() {
                return ComposeReply::failed(IntentError::Internal, t("composeBeingSent"));
            }
            if s.state.fields == fields {
                return ComposeReply {
                    ok: true,
                    ..ComposeReply::default()
                };
            }
            s.state.fields = fields;
            s.state.saved = false;
            s.edits += 1;
            s.edits
        };
        self.save_later(id, edits);
        ComposeReply {
            ok: true,
            ..ComposeReply::default()
        }
    }

    fn save_later(self: &Rc<Self>, id: &str, edits: u64) {
        let this = self.clone();
        let id = id.to_string();
        spawn_local(async move {
            sleep(decide::SAVE_AFTER_MS as i32).await;
            let still = this
                .sessions
                .borrow()
                .get(&id)
                .is_some_and(|s| s.edits == edits && s.state.phase.editable());
            if still {
                this.save(&id).await;
            }
        });
    }

    pub fn attach(
        self: &Rc<Self>,
        id: &str,
        file_name: String,
        mime_type: String,
        data: &str,
    ) -> ComposeReply {
        let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(data.as_bytes()) else {
            return ComposeReply::failed(IntentError::Internal, t("composeFileUnreadable"));
        };
        let edits = {
            let mut sessions = self.sessions.borrow_mut();
            let Some(s) = sessions.get_mut(id) else {
                return not_found();
            };
            let current = s.state.attachment_bytes();
            if !decide::fits_limit(current, bytes.len() as u64) {
                return ComposeReply::failed(
                    IntentError::Internal,
                    crate::i18n::t_with(
                        "composeFileTooBigShort",
                        &[&file_name, &crate::i18n::size(current)],
                    ),
                );
            }
            let file = Attachment {
                file_name: mail::sanitize_file_name(&file_name),
                mime_type,
                data: bytes,
            };
            s.state.attachments.push(info(&file));
            s.files.push(file);
            s.state.saved = false;
            s.edits += 1;
            s.edits
        };
        self.save_later(id, edits);
        self.resume(id)
    }

    pub fn detach(self: &Rc<Self>, id: &str, index: usize) -> ComposeReply {
        let edits = {
            let mut sessions = self.sessions.borrow_mut();
            let Some(s) = sessions.get_mut(id) else {
                return not_found();
            };
            if index < s.files.len() {
                s.files.remove(index);
                s.state.attachments.remove(index);
            }
            s.state.saved = false;
            s.edits += 1;
            s.edits
        };
        self.save_later(id, edits);
        self.resume(id)
    }

    /// The composer closed: saved to Gmail now (when there is anything to keep).
    pub async fn close(self: &Rc<Self>, id: &str) -> ComposeReply {
        if !self.sessions.borrow().contains_key(id) {
            return not_found();
        }
        self.save(id).await;
        let reply = self.resume(id);
        // A composer closed with nothing in it leaves nothing behind.
        let empty = self.sessions.borrow().get(id).is_some_and(|s| {
            s.draft.is_none() && !decide::worth_saving(&s.state.fields, s.files.len())
        });
        if empty {
            self.sessions.borrow_mut().remove(id);
        }
        reply
    }

    /// Throws the message and its draft away.
    pub async fn discard(&self, id: &str) -> ComposeReply {
        let Some(session) = self.sessions.borrow_mut().remove(id) else {
            return not_found();
        };
        if let Some((draft, account)) = session.draft {
            if let Ok(client) = self.client(&account).await {
                if let Err(e) = gmail::delete_draft(&client, &draft).await {
                    log(&format!(
                        "gmux: a discarded draft could not be deleted: {e}"
                    ));
                }
            }
        }
        ComposeReply {
            ok: true,
            ..ComposeReply::default()
        }
    }

    /// The message as gmux-mail builds it from the session, and the account that sends it.
    async fn message(&self, id: &str) -> Result<(Draft, Identity), ComposeReply> {
        let (fields, reply, quote) = {
            let sessions = self.sessions.borrow();
            let s = sessions.get(id).ok_or_else(not_found)?;
            (s.state.fields.clone(), s.reply.clone(), s.quote.clone())
        };
        let identity = self.identity(&fields.from).await.ok_or_else(|| {
            ComposeReply::refused("bad_from", t_with("composeNotAnAccount", &[&fields.from]))
        })?;
        let list = |header: mail::Header, text: &str| {
            mail::typed_list(header, text).map_err(|e| {
                ComposeReply::refused(
                    e.code(),
                    t_with("composeNotSentBecause", &[&compose_error_words(&e)]),
                )
            })
        };
        let mut draft = Draft {
            from: Mailbox {
                name: (!identity.name.trim().is_empty()).then(|| identity.name.clone()),
                address: identity.email.clone(),
            },
            to: list(mail::Header::To, &fields.to)?,
            cc: list(mail::Header::Cc, &fields.cc)?,
            bcc: list(mail::Header::Bcc, &fields.bcc)?,
            subject: fields.subject,
            body: fields.body,
            attachments: Vec::new(),
            reply,
            quote,
        };
        // A reply sent from another account is not in that account's conversation.
        if let Some(reply) = draft.reply.as_mut() {
            let account = self
                .sessions
                .borrow()
                .get(id)
                .map(|s| s.state.account.clone());
            if account.as_deref() != Some(identity.account.as_str()) {
                reply.thread_id = None;
            }
        }
        Ok((draft, identity))
    }

    /// Builds the session's message with its attachments: the RFC 5322 bytes.
    fn build(
        &self,
        id: &str,
        draft: &mut Draft,
        client: &GmailClient,
    ) -> Result<Vec<u8>, ComposeError> {
        draft.attachments = self
            .sessions
            .borrow()
            .get(id)
            .map(|s| s.files.clone())
            .unwrap_or_default();
        let mut random = [0u8; 16];
        random[..8].copy_from_slice(&client.env().random_u64().to_le_bytes());
        random[8..].copy_from_slice(&client.env().random_u64().to_le_bytes());
        let built = mail::build(draft, now() as i64, tz_offset_minutes(), random);
        draft.attachments = Vec::new();
        built
    }

    /// Saves the session to its Gmail draft if Gmail does not have the latest; one save at a time. Returns
    /// whether Gmail has it now.
    async fn save(self: &Rc<Self>, id: &str) -> bool {
        let lock = match self.sessions.borrow().get(id) {
            Some(s) => s.saving.clone(),
            None => return false,
        };
        let _held = lock.lock().await;
        let (edits, saved_edits, worth, old_draft) = {
            let sessions = self.sessions.borrow();
            let Some(s) = sessions.get(id) else {
                return false;
            };
            (
                s.edits,
                s.saved_edits,
                decide::worth_saving(&s.state.fields, s.files.len()),
                s.draft.clone(),
            )
        };
        if edits == saved_edits {
            return true;
        }
        if !worth && old_draft.is_none() {
            return false;
        }
        let (mut draft, identity) = match self.message(id).await {
            Ok(found) => found,
            Err(reply) => {
                self.set_save_error(id, reply.error);
                return false;
            }
        };
        let client = match self.client(&identity.account).await {
            Ok(client) => client,
            Err(reply) => {
                self.set_save_error(id, reply.error);
                return false;
            }
        };
        let raw = match self.build(id, &mut draft, &client) {
            Ok(raw) => raw,
            Err(e) => {
                self.set_save_error(
                    id,
                    Some(t_with(
                        "composeNotSavedBecause",
                        &[&compose_error_words(&e)],
                    )),
                );
                return false;
            }
        };
        // A draft in another account (the From was changed) moves to the sending account.
        let mut existing = old_draft
            .as_ref()
            .filter(|(_, account)| *account == identity.account)
            .map(|(draft, _)| draft.clone());
        if let Some((moved, account)) = old_draft.filter(|(_, a)| *a != identity.account) {
            if let Ok(old) = self.client(&account).await {
                let _ = gmail::delete_draft(&old, &moved).await;
            }
        }
        let mut saved =
            gmail::save_draft(&client, existing.as_deref(), &raw, draft.thread_id()).await;
        if existing.take().is_some() && saved.as_ref().is_err_and(|e| e.is_not_found()) {
            // Deleted in Gmail meanwhile: a new one keeps the text.
            saved = gmail::save_draft(&client, None, &raw, draft.thread_id()).await;
        }
        match saved {
            Ok(found) => {
                if let Some(s) = self.sessions.borrow_mut().get_mut(id) {
                    s.draft = Some((found.id, identity.account.clone()));
                    s.saved_edits = edits;
                    s.state.saved = s.edits == edits;
                    s.state.save_error = None;
                    s.save_why = None;
                }
                true
            }
            Err(e) => {
                let why = send_words(&e.cause());
                if let Some(s) = self.sessions.borrow_mut().get_mut(id) {
                    s.save_why = Some(why.clone());
                }
                self.set_save_error(id, Some(t_with("composeNotSavedYet", &[&why])));
                self.retry_save_later(id);
                false
            }
        }
    }

    fn set_save_error(&self, id: &str, error: Option<String>) {
        if let Some(s) = self.sessions.borrow_mut().get_mut(id) {
            s.state.save_error = error;
        }
    }

    /// A draft Gmail did not take is tried again a while later (the text stays here meanwhile).
    fn retry_save_later(self: &Rc<Self>, id: &str) {
        let edits = self.sessions.borrow().get(id).map(|s| s.edits);
        let Some(edits) = edits else { return };
        let this = self.clone();
        let id = id.to_string();
        spawn_local(async move {
            sleep(30_000).await;
            let still = this.sessions.borrow().get(&id).is_some_and(|s| {
                s.edits == edits && s.saved_edits != edits && s.state.phase.editable()
            });
            if still {
                this.save(&id).await;
            }
        });
    }

    /// Send: checked and built now (a message that cannot be built is refused with its reason and nothing is
    /// sent), then held for the undo window.
    pub async fn send(self: &Rc<Self>, id: &str) -> ComposeReply {
        let (mut draft, identity) = match self.message(id).await {
            Ok(found) => found,
            Err(reply) => return reply,
        };
        if let Err(e) = mail::check_sendable(&draft) {
            return ComposeReply::refused(
                e.code(),
                t_with("composeNotSentBecause", &[&compose_error_words(&e)]),
            );
        }
        let client = match self.client(&identity.account).await {
            Ok(client) => client,
            Err(reply) => return ComposeReply::from_intent(reply),
        };
        if let Err(e) = self.build(id, &mut draft, &client) {
            return ComposeReply::refused(
                e.code(),
                t_with("composeNotSentBecause", &[&compose_error_words(&e)]),
            );
        }
        let undo = self.store.settings().compose.undo_seconds();
        let (generation, until) = {
            let mut sessions = self.sessions.borrow_mut();
            let Some(s) = sessions.get_mut(id) else {
                return not_found();
            };
            match s.state.phase.send(now(), undo) {
                Ok(phase) => {
                    let until = match phase {
                        Phase::Waiting { until_ms } => until_ms,
                        _ => now(),
                    };
                    s.state.phase = phase;
                    s.state.failed = None;
                    s.send_generation += 1;
                    (s.send_generation, until)
                }
                Err(refusal) => {
                    return ComposeReply::failed(IntentError::Internal, refusal_words(refusal))
                }
            }
        };
        let this = self.clone();
        let id_owned = id.to_string();
        spawn_local(async move {
            let wait = until.saturating_sub(now());
            if wait > 0 {
                sleep(i32::try_from(wait).unwrap_or(i32::MAX)).await;
            }
            this.send_when_due(&id_owned, generation).await;
        });
        self.resume(id)
    }

    /// The undo window is over: the final text into the draft, then the draft sent.
    async fn send_when_due(self: &Rc<Self>, id: &str, generation: u64) {
        {
            let mut sessions = self.sessions.borrow_mut();
            let Some(s) = sessions.get_mut(id) else {
                return;
            };
            // An undone send (a newer generation) does nothing; a timer may fire a little early.
            let due = match s.state.phase {
                Phase::Waiting { until_ms } => s.state.phase.due(now().max(until_ms)),
                _ => false,
            };
            if s.send_generation != generation || !due {
                return;
            }
            s.state.phase = Phase::Sending;
            // The draft must hold exactly what is sent, attachments included.
            s.edits += 1;
        }
        let saved = self.save(id).await;
        let draft = self.sessions.borrow().get(id).and_then(|s| s.draft.clone());
        let outcome = match (saved, draft) {
            (true, Some((draft, account))) => match self.client(&account).await {
                Ok(client) => gmail::send_draft(&client, &draft)
                    .await
                    .map(|_| account)
                    .map_err(|e| not_sent_words(&send_words(&e.cause()), true)),
                Err(reply) => Err(not_sent_words(
                    &reply.error.unwrap_or_else(|| t("composeAccountCannotSend")),
                    true,
                )),
            },
            _ => {
                let why = self
                    .sessions
                    .borrow()
                    .get(id)
                    .and_then(|s| s.save_why.clone().or_else(|| s.state.save_error.clone()))
                    .unwrap_or_else(|| t("composeGmailDidNotTake"));
                Err(not_sent_words(&why, false))
            }
        };
        let waiters = {
            let mut sessions = self.sessions.borrow_mut();
            let Some(s) = sessions.get_mut(id) else {
                return;
            };
            s.state.phase = s.state.phase.finished(outcome.is_ok());
            match &outcome {
                Ok(_) => {
                    s.files.clear();
                    s.draft = None;
                    s.state.saved = true;
                }
                Err(why) => s.state.failed = Some(why.clone()),
            }
            std::mem::take(&mut s.waiters)
        };
        if let Ok(account) = outcome {
            let fields = self
                .sessions
                .borrow()
                .get(id)
                .map(|s| s.state.fields.clone());
            for text in fields
                .iter()
                .flat_map(|f| [f.to.clone(), f.cc.clone(), f.bcc.clone()])
            {
                self.learn_text(&text);
            }
            let syncer = self.syncer.clone();
            spawn_local(async move { syncer.sync_account(&account).await });
        }
        for waiter in waiters {
            let _ = waiter.send(());
        }
    }

    /// Undo while the window is open: the composer back as it was.
    pub fn undo(&self, id: &str) -> ComposeReply {
        let waiters = {
            let mut sessions = self.sessions.borrow_mut();
            let Some(s) = sessions.get_mut(id) else {
                return not_found();
            };
            match s.state.phase.undo(now()) {
                Ok(phase) => {
                    s.state.phase = phase;
                    s.send_generation += 1;
                    std::mem::take(&mut s.waiters)
                }
                Err(refusal) => {
                    return ComposeReply::failed(IntentError::Internal, refusal_words(refusal))
                }
            }
        };
        for waiter in waiters {
            let _ = waiter.send(());
        }
        self.resume(id)
    }

    /// Answers when the send is over (sent, undone or failed), with the composer's state.
    pub async fn wait(&self, id: &str) -> ComposeReply {
        let receiver = {
            let mut sessions = self.sessions.borrow_mut();
            let Some(s) = sessions.get_mut(id) else {
                return not_found();
            };
            match s.state.phase {
                Phase::Waiting { .. } | Phase::Sending => {
                    let (sender, receiver) = oneshot::channel();
                    s.waiters.push(sender);
                    Some(receiver)
                }
                Phase::Editing | Phase::Sent => None,
            }
        };
        if let Some(receiver) = receiver {
            let _ = receiver.await;
        }
        self.resume(id)
    }

    /// Changes the undo window.
    pub async fn set_undo_seconds(&self, seconds: u32) -> IntentReply {
        self.store.loaded().await;
        let mut settings = self.store.settings();
        settings.compose.undo_seconds = seconds.min(decide::MAX_UNDO_SECONDS);
        match self.store.set_settings(settings).await {
            Ok(()) => IntentReply::ok(),
            Err(e) => IntentReply::failed(
                IntentError::StorageFailed,
                t_with("settingNotSaved", &[&e.to_string()]),
            ),
        }
    }

    /// Forgets a removed account's identities.
    pub fn forget_account(&self, account: &str) {
        self.identities.borrow_mut().remove(account);
    }
}

fn info(file: &Attachment) -> AttachmentInfo {
    AttachmentInfo {
        file_name: file.file_name.clone(),
        mime_type: file.mime_type.clone(),
        size: file.data.len() as u64,
    }
}
