//! The reader module (`pkg/reader.js`): a conversation's messages drawn into the page's `#reader-messages`. It
//! carries gmux-mail (the MIME walker, the HTML sanitiser, html5ever), so it is its own wasm module, loaded by a
//! page when a conversation is first opened.
//!
//! The flow: the background answers `Intent::ReadThread` with Gmail's `format=full` JSON (the page never holds a
//! token); gmux-mail reads it with the browser's `TextDecoder` for charsets into views; each message becomes a
//! card (read ones collapsed to a line except the last); plain text is drawn as text, HTML as the sanitiser's
//! document in a sandboxed frame without scripts or same-origin. `cid:` images are fetched as attachments and
//! the thread read again with them; "Show images" reads a message again with remote images allowed. The JSON
//! and the views live in this module's memory until the conversation is closed, never in storage.
//!
//! What the page hears back (`on_event(kind, detail)`): `loaded` once the first message is shown, `failed` with
//! the reason when the conversation could not be shown, `marked_unread` after "mark unread from here", `error`
//! with a sentence for a failed attachment or setting.

mod charsets;
mod draw;
mod files;
pub mod source;

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

use gmux_core::messages::{Intent, IntentReply};
use gmux_core::reader::{BodyReply, ReaderChange, ReaderSettings};
use gmux_mail::mime::{self, Body, ConversationView, MessageView, ReadOptions};
use js_sys::Function;
use serde::Deserialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::spawn_local;

use crate::browser::{self, BrowserError};
use crate::dom;
use crate::i18n::{t, t_with};

/// What the page asks the reader to open.
#[derive(Debug, Deserialize)]
pub struct OpenRequest {
    pub account: String,
    pub thread: String,
    #[serde(default)]
    pub settings: ReaderSettings,
    #[serde(default)]
    pub tz_offset_minutes: i32,
    /// The inbox row's labels, newer than a body the background kept; none for a thread outside the inbox.
    #[serde(default)]
    pub row_labels: Option<Vec<String>>,
    /// The inbox row's message count: a conversation kept in the page is shown again only while it is the same.
    #[serde(default)]
    pub message_count: Option<u32>,
}

/// How many conversations the page keeps drawn (hidden) after they were closed, so going back to one (Back then
/// the row again, or j and k) shows it at once, frames loaded, without asking the background or reading the
/// MIME again. Each holds its JSON and its drawn cards; the page's lifetime is theirs.
const KEPT_MAX: usize = 6;

/// The conversation open in the page.
pub(crate) struct Conversation {
    pub generation: u64,
    pub request: OpenRequest,
    on_event: Function,
    /// Gmail's JSON, read again when images or options change.
    json: Option<Rc<str>>,
    pub label_names: BTreeMap<String, String>,
    /// `cid:` images fetched so far (Content-ID to `data:` URI).
    cid_images: BTreeMap<String, String>,
    /// Content-IDs already asked for (fetched or failed), so none is asked twice.
    cids_asked: BTreeSet<String>,
    /// Messages (Gmail ids) whose remote images show.
    pub images: BTreeSet<String>,
    /// Per message, whether it is expanded.
    pub expanded: Vec<bool>,
    /// Per message, whether it is unread (see `gmux_core::reader::unread_flags`).
    pub unread: Vec<bool>,
    pub view: Option<ConversationView>,
    /// What each download button saves, by the button's key.
    pub downloads: BTreeMap<String, files::Download>,
    /// Whether `#reader` has its first-text stamp for this conversation.
    pub first_text: bool,
}

type EventListener = Closure<dyn FnMut(web_sys::Event)>;

thread_local! {
    static OPEN: RefCell<Option<Conversation>> = const { RefCell::new(None) };
    static GENERATION: Cell<u64> = const { Cell::new(0) };
    static LISTENER: RefCell<Option<EventListener>> = const { RefCell::new(None) };
    /// Conversations closed in this page, newest last, each with the element its cards are drawn in (hidden).
    static KEPT: RefCell<Vec<(Conversation, web_sys::Element)>> = const { RefCell::new(Vec::new()) };
}

fn log_error(what: &str, error: impl std::fmt::Debug) {
    web_sys::console::error_1(&JsValue::from_str(&format!(
        "gmux reader: {what}: {error:?}"
    )));
}

/// Runs `f` on the open conversation if it is still the one of `generation`.
pub(crate) fn with_current<R>(
    generation: u64,
    f: impl FnOnce(&mut Conversation) -> R,
) -> Option<R> {
    OPEN.with(|o| {
        let mut open = o.borrow_mut();
        let conversation = open.as_mut().filter(|c| c.generation == generation)?;
        Some(f(conversation))
    })
}

/// The open conversation's generation.
pub(crate) fn current_generation() -> Option<u64> {
    OPEN.with(|o| o.borrow().as_ref().map(|c| c.generation))
}

pub fn open(request: JsValue, on_event: Function) {
    stamp("data-module-ms");
    let request: OpenRequest = match browser::from_js(request) {
        Ok(request) => request,
        Err(e) => return log_error("the page's request", e),
    };
    let generation = GENERATION.with(|g| {
        g.set(g.get() + 1);
        g.get()
    });
    if let Err(e) = listen() {
        log_error("listening to clicks", e);
    }
    // Whatever is open now is kept before its place is taken.
    shelve();
    if let Some(kept) = take_kept(&request) {
        return show_kept(kept, generation, request, on_event);
    }
    OPEN.with(|o| {
        *o.borrow_mut() = Some(Conversation {
            generation,
            request,
            on_event,
            json: None,
            label_names: BTreeMap::new(),
            cid_images: BTreeMap::new(),
            cids_asked: BTreeSet::new(),
            images: BTreeSet::new(),
            expanded: Vec::new(),
            unread: Vec::new(),
            view: None,
            downloads: BTreeMap::new(),
            first_text: false,
        })
    });
    draw::loading();
    draw::keep_sandbox_warm();
    spawn_local(load(generation));
}

pub fn close() {
    GENERATION.with(|g| g.set(g.get() + 1));
    shelve();
    OPEN.with(|o| *o.borrow_mut() = None);
}

/// Keeps the open conversation, if it was shown whole, drawn in its element, hidden; a fresh `#reader-messages`
/// takes the element's place for what opens next. The oldest kept one goes when there are too many.
fn shelve() {
    let Some(open) = OPEN.with(|o| o.borrow_mut().take()) else {
        return;
    };
    if open.view.is_none() || open.json.is_none() {
        return;
    }
    let Ok(document) = dom::document() else {
        return;
    };
    let Some(area) = document.get_element_by_id("reader-messages") else {
        return;
    };
    let fresh = (|| -> Result<web_sys::Element, JsValue> {
        let fresh = document.create_element("div")?;
        fresh.set_attribute("class", &area.get_attribute("class").unwrap_or_default())?;
        if let Some(live) = area.get_attribute("aria-live") {
            fresh.set_attribute("aria-live", &live)?;
        }
        area.remove_attribute("id")?;
        area.set_attribute("hidden", "")?;
        area.set_attribute("aria-hidden", "true")?;
        area.after_with_node_1(&fresh)?;
        fresh.set_id("reader-messages");
        LISTENER.with(|l| {
            if let Some(listener) = l.borrow().as_ref() {
                let _ = fresh
                    .add_event_listener_with_callback("click", listener.as_ref().unchecked_ref());
            }
        });
        Ok(fresh)
    })();
    if let Err(e) = fresh {
        return log_error("keeping the conversation", e);
    }
    KEPT.with(|k| {
        let mut kept = k.borrow_mut();
        kept.push((open, area));
        while kept.len() > KEPT_MAX {
            let (_, element) = kept.remove(0);
            element.remove();
        }
    });
}

/// The kept conversation `request` asks for, if it is still what the inbox row says: no new message, read with
/// the same options, and not unread at the row while every kept message is read (marked unread from here or
/// elsewhere: which messages are unread is then read afresh).
fn take_kept(request: &OpenRequest) -> Option<(Conversation, web_sys::Element)> {
    KEPT.with(|k| {
        let mut kept = k.borrow_mut();
        let index = kept.iter().position(|(c, _)| {
            c.request.account == request.account && c.request.thread == request.thread
        })?;
        let (conversation, element) = kept.remove(index);
        let same_count = match (request.message_count, &conversation.view) {
            (Some(count), Some(view)) => view.messages.len() == count as usize,
            _ => false,
        };
        let row_unread = request
            .row_labels
            .as_ref()
            .is_some_and(|labels| labels.iter().any(|l| l == "UNREAD"));
        let unread_known = !row_unread || conversation.unread.iter().any(|u| *u);
        if same_count
            && unread_known
            && conversation.request.settings.prefer_plain == request.settings.prefer_plain
        {
            Some((conversation, element))
        } else {
            element.remove();
            None
        }
    })
}

/// Shows a kept conversation again in place of the empty `#reader-messages`: its cards as they were (frames
/// loaded, messages expanded, images shown), its header and unread marks from the row as it is now.
fn show_kept(
    (mut conversation, element): (Conversation, web_sys::Element),
    generation: u64,
    request: OpenRequest,
    on_event: Function,
) {
    if let Ok(document) = dom::document() {
        if let Some(empty) = document.get_element_by_id("reader-messages") {
            empty.remove();
        }
    }
    element.set_id("reader-messages");
    let _ = element.remove_attribute("hidden");
    let _ = element.remove_attribute("aria-hidden");
    // A row read now (opened before, or read elsewhere) has every message read.
    let row_read = request
        .row_labels
        .as_ref()
        .is_some_and(|labels| !labels.iter().any(|l| l == "UNREAD"));
    if row_read {
        conversation.unread.iter_mut().for_each(|u| *u = false);
    }
    conversation.generation = generation;
    conversation.request = request;
    conversation.on_event = on_event;
    conversation.first_text = false;
    OPEN.with(|o| *o.borrow_mut() = Some(conversation));
    draw::shown_again(generation);
    emit(generation, "loaded", "");
}

/// Tells the page something (`loaded`, `failed`, `marked_unread`, `error`).
pub(crate) fn emit(generation: u64, kind: &str, detail: &str) {
    let callback = with_current(generation, |c| c.on_event.clone());
    if let Some(callback) = callback {
        let _ = callback.call2(
            &JsValue::NULL,
            &JsValue::from_str(kind),
            &JsValue::from_str(detail),
        );
    }
}

/// Records `performance.now()` in an attribute of `#reader`: where the time to the first text goes, for the bench.
fn stamp(attribute: &str) {
    if let Some(reader) = dom::document()
        .ok()
        .and_then(|d| d.get_element_by_id("reader"))
    {
        let _ = reader.set_attribute(attribute, &crate::timers::stamp_now());
    }
}

/// Asks the background for the thread and shows it.
async fn load(generation: u64) {
    let Some((account, thread)) = with_current(generation, |c| {
        (c.request.account.clone(), c.request.thread.clone())
    }) else {
        return;
    };
    let reply =
        browser::send_message::<_, BodyReply>(&Intent::ReadThread { account, thread }).await;
    let failure = match reply {
        Ok(BodyReply {
            reply: IntentReply { ok: true, .. },
            body: Some(json),
            label_names,
        }) => {
            stamp("data-body-ms");
            let shown = with_current(generation, |c| {
                c.json = Some(json.into());
                c.label_names = label_names;
                read(c)
            });
            stamp("data-read-ms");
            match shown {
                None => return,
                Some(Ok(())) => None,
                Some(Err(e)) => Some(t_with("conversationUnreadable", &[&e.to_string()])),
            }
        }
        // The refusals gmux itself makes are said in the browser's language; Gmail's own reasons as they came.
        Ok(reply) => Some(match reply.reply.code {
            Some(gmux_core::messages::IntentError::AccountUnknown) => t("unknownAccountReload"),
            Some(gmux_core::messages::IntentError::HostUnavailable) => t("toastHostNotConnected"),
            _ => reply
                .reply
                .error
                .unwrap_or_else(|| t("conversationNotLoaded")),
        }),
        Err(BrowserError::Conversion(e)) => Some(t_with("backgroundUnreadable", &[&e.to_string()])),
        Err(e) => Some(t_with("backgroundNoAnswer", &[&e.to_string()])),
    };
    if let Some(text) = failure {
        // Another conversation opened meanwhile: the failure is not drawn over it.
        if current_generation() != Some(generation) {
            return;
        }
        draw::failure(&text);
        emit(generation, "failed", &text);
        return;
    }
    draw::conversation(generation);
    emit(generation, "loaded", "");
    fetch_cids(generation).await;
}

/// Reads the thread's JSON into views with the conversation's options. The first read also decides what starts
/// expanded and which senders' images show by the user's choice.
fn read(c: &mut Conversation) -> Result<(), String> {
    let Some(json) = c.json.clone() else {
        return Err("nothing was fetched".into());
    };
    let first = c.view.is_none();
    let view = read_with(c, &json)?;
    if first {
        let labelled: Vec<bool> = view
            .messages
            .iter()
            .map(|m| m.label_ids.iter().any(|l| l == "UNREAD"))
            .collect();
        let row_unread = c
            .request
            .row_labels
            .as_ref()
            .map(|labels| labels.iter().any(|l| l == "UNREAD"));
        c.unread = gmux_core::reader::unread_flags(&labelled, row_unread);
        c.expanded = gmux_core::reader::expanded_on_open(&c.unread);
        // Senders the user always shows images from, in this account: read again with them allowed.
        let allowed: Vec<String> = view
            .messages
            .iter()
            .filter(|m| blocks_remote(&m.body))
            .filter(|m| {
                m.from.as_ref().is_some_and(|f| {
                    c.request
                        .settings
                        .shows_images(&c.request.account, &f.address)
                })
            })
            .map(|m| m.id.clone())
            .collect();
        if !allowed.is_empty() {
            c.images.extend(allowed);
            c.view = Some(read_with(c, &json)?);
            return Ok(());
        }
    }
    c.view = Some(view);
    Ok(())
}

fn read_with(c: &Conversation, json: &str) -> Result<ConversationView, String> {
    let prefer_plain = c.request.settings.prefer_plain;
    let images = &c.images;
    let cids = &c.cid_images;
    let options = |id: &str| ReadOptions {
        prefer_plain,
        allow_remote: images.contains(id),
        cid_images: cids.clone(),
    };
    mime::read_thread_json_each(json, &charsets::TextDecoders, &options).map_err(|e| e.to_string())
}

/// The height of a message's frame: the sanitiser's guess at the reader's width, at most most of the window (the
/// frame scrolls the rest); see `gmux_mail::sanitize::height` for why it cannot be measured.
pub(crate) fn frame_height(document: &str) -> u32 {
    let page = dom::document().ok();
    let width = page
        .as_ref()
        .and_then(|d| d.get_element_by_id("reader-messages"))
        .map(|a| a.client_width())
        .filter(|w| *w > 0)
        .unwrap_or(400);
    let window = web_sys::window()
        .and_then(|w| w.inner_height().ok())
        .and_then(|h| h.as_f64())
        .unwrap_or(600.0);
    let most = (window - 150.0).max(240.0) as u32;
    gmux_mail::sanitize::height::estimated_height(document, u32::try_from(width).unwrap_or(400))
        .clamp(60, most)
}

pub(crate) fn blocks_remote(body: &Body) -> bool {
    matches!(body, Body::Html { remote_blocked, .. } if *remote_blocked > 0)
}

/// A `cid:` image to fetch: its Content-ID, the Gmail message and attachment that hold it, its type.
struct CidFetch {
    cid: String,
    message: String,
    attachment: String,
    mime_type: String,
}

/// The `cid:` images the views refer to and lack, with where to fetch them (forwarded messages' parts belong
/// to the Gmail message that carries them).
fn missing_cids(
    view: &MessageView,
    gmail_id: &str,
    asked: &BTreeSet<String>,
    out: &mut Vec<CidFetch>,
) {
    if let Body::Html { missing_cids, .. } = &view.body {
        for cid in missing_cids {
            if asked.contains(cid) || out.iter().any(|f| &f.cid == cid) {
                continue;
            }
            if let Some(image) = view
                .inline_images
                .iter()
                .find(|i| &i.content_id == cid && i.attachment_id.is_some())
            {
                out.push(CidFetch {
                    cid: cid.clone(),
                    message: gmail_id.to_string(),
                    attachment: image.attachment_id.clone().unwrap_or_default(),
                    mime_type: image.mime_type.clone(),
                });
            }
        }
    }
    for forwarded in &view.forwarded {
        missing_cids(forwarded, gmail_id, asked, out);
    }
}

/// Fetches the conversation's `cid:` images, then reads and draws again the messages that show them.
async fn fetch_cids(generation: u64) {
    let wanted = with_current(generation, |c| {
        let mut out = Vec::new();
        if let Some(view) = &c.view {
            for message in &view.messages {
                missing_cids(message, &message.id, &c.cids_asked, &mut out);
            }
        }
        for fetch in &out {
            c.cids_asked.insert(fetch.cid.clone());
        }
        (c.request.account.clone(), out)
    });
    let Some((account, wanted)) = wanted else {
        return;
    };
    if wanted.is_empty() {
        return;
    }
    let fetched = futures::future::join_all(wanted.into_iter().map(|fetch| {
        let account = account.clone();
        async move {
            let data = files::attachment_bytes(&account, &fetch.message, &fetch.attachment).await;
            (fetch, data)
        }
    }))
    .await;
    let changed = with_current(generation, |c| {
        let mut any = false;
        for (fetch, data) in fetched {
            match data
                .ok()
                .and_then(|bytes| mime::data_uri(&fetch.mime_type, &bytes))
            {
                Some(uri) => {
                    c.cid_images.insert(fetch.cid, uri);
                    any = true;
                }
                None => log_error("an inline image", &fetch.cid),
            }
        }
        if !any || read(c).is_err() {
            return Vec::new();
        }
        // Only the cards whose images arrived are drawn again; the others keep their frames as they are.
        c.view
            .as_ref()
            .map(|v| {
                v.messages
                    .iter()
                    .enumerate()
                    .filter(|(_, m)| shows_any_cid(m, &c.cid_images))
                    .map(|(i, _)| i)
                    .collect()
            })
            .unwrap_or_default()
    });
    for index in changed.unwrap_or_default() {
        draw::redraw_card(generation, index);
    }
}

/// Whether a message (or one it forwards) shows one of the fetched `cid:` images.
fn shows_any_cid(view: &MessageView, fetched: &BTreeMap<String, String>) -> bool {
    view.inline_images
        .iter()
        .any(|i| fetched.contains_key(&i.content_id))
        || view.forwarded.iter().any(|f| shows_any_cid(f, fetched))
}

/// One listener on the reader's area for every button in it.
fn listen() -> Result<(), JsValue> {
    if LISTENER.with(|l| l.borrow().is_some()) {
        return Ok(());
    }
    let document = dom::document()?;
    let Some(area) = document.get_element_by_id("reader-messages") else {
        return Err(JsValue::from_str("the page has no #reader-messages"));
    };
    let listener = Closure::<dyn FnMut(web_sys::Event)>::new(on_click);
    area.add_event_listener_with_callback("click", listener.as_ref().unchecked_ref())?;
    LISTENER.with(|l| *l.borrow_mut() = Some(listener));
    Ok(())
}

fn on_click(event: web_sys::Event) {
    let Some(target) = event
        .target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
    else {
        return;
    };
    let Some(button) = target.closest("[data-reader-action]").ok().flatten() else {
        return;
    };
    let Some(generation) = current_generation() else {
        return;
    };
    let attr = |name: &str| button.get_attribute(name).unwrap_or_default();
    let index = attr("data-index").parse::<usize>().ok();
    match attr("data-reader-action").as_str() {
        "toggle" => {
            if let Some(i) = index {
                with_current(generation, |c| {
                    if let Some(open) = c.expanded.get_mut(i) {
                        *open = !*open;
                    }
                });
                draw::redraw_card_focus(generation, i, true);
            }
        }
        "quote" => draw::toggle_quote(&button),
        "show-images" => show_images(generation, &attr("data-message")),
        "always-images" => {
            let (message, sender) = (attr("data-message"), attr("data-sender"));
            spawn_local(always_images(generation, message, sender));
        }
        "download" => {
            let download = with_current(generation, |c| {
                (
                    c.request.account.clone(),
                    c.downloads.get(&attr("data-download")).cloned(),
                )
            });
            if let Some((account, Some(download))) = download {
                spawn_local(async move {
                    if let Err(text) = files::download(&account, &download).await {
                        emit(generation, "error", &text);
                    }
                });
            }
        }
        "unread-from" => {
            if let Some(i) = index {
                spawn_local(unread_from(generation, i));
            }
        }
        "retry" => {
            draw::loading();
            spawn_local(load(generation));
        }
        _ => {}
    }
}

/// "Show images" for one message: read again with its remote images allowed.
fn show_images(generation: u64, message: &str) {
    let index = with_current(generation, |c| {
        c.images.insert(message.to_string());
        read(c).ok()?;
        c.view
            .as_ref()?
            .messages
            .iter()
            .position(|m| m.id == message)
    });
    if let Some(Some(i)) = index {
        draw::redraw_card(generation, i);
    }
}

/// "Always show images from this sender" in this account: saved by the background, then shown here.
async fn always_images(generation: u64, message: String, sender: String) {
    let Some(account) = with_current(generation, |c| c.request.account.clone()) else {
        return;
    };
    let change = ReaderChange::ImagesFrom {
        account: account.clone(),
        sender: sender.clone(),
        allow: true,
    };
    match browser::send_message::<_, IntentReply>(&Intent::SetReader {
        change: change.clone(),
    })
    .await
    {
        Ok(reply) if reply.ok => {
            with_current(generation, |c| c.request.settings.apply(change));
            show_images(generation, &message);
        }
        Ok(reply) => emit(
            generation,
            "error",
            &reply.error.unwrap_or_else(|| t("choiceNotSaved")),
        ),
        Err(e) => emit(
            generation,
            "error",
            &t_with("backgroundNoAnswer", &[&e.to_string()]),
        ),
    }
}

/// "Mark unread from here": this message and every later one.
async fn unread_from(generation: u64, index: usize) {
    let Some((account, thread, messages)) = with_current(generation, |c| {
        let ids: Vec<String> = c
            .view
            .as_ref()
            .map(|v| {
                v.messages
                    .iter()
                    .skip(index)
                    .map(|m| m.id.clone())
                    .collect()
            })
            .unwrap_or_default();
        (c.request.account.clone(), c.request.thread.clone(), ids)
    }) else {
        return;
    };
    let reply = browser::send_message::<_, IntentReply>(&Intent::MarkUnreadFrom {
        account,
        thread,
        messages,
    })
    .await;
    match reply {
        Ok(reply) if reply.ok => emit(generation, "marked_unread", ""),
        Ok(reply) => emit(
            generation,
            "error",
            &reply.error.unwrap_or_else(|| t("notMarkedUnread")),
        ),
        Err(e) => emit(
            generation,
            "error",
            &t_with("backgroundNoAnswer", &[&e.to_string()]),
        ),
    }
}
