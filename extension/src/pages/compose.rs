//! The composer: New message (`c`), and Reply, Reply all, Forward (`r`, `a`, `f`) from an open conversation, in
//! the popup (over the list) and the new tab (a card at the side), or popped out into a tab of its own
//! (`newtab.html#compose=<id>`).
//!
//! The message lives in the background (a composer session): every change is sent at once with
//! `Intent::ComposeUpdate`, so a popup closed mid-sentence loses nothing, and the background saves it as a Gmail
//! draft. Send hands it to the background, which waits the undo window; the page shows a toast with Undo (and
//! `z`) and then what became of it. Mail text reaches the DOM only as text (inputs' values, `textContent`).

use std::cell::RefCell;

use gmux_core::compose::{
    self as decide, ComposeKey, ComposeKind, ComposeReply, ComposerState, Fields, Identity, Phase,
};
use gmux_core::messages::Intent;
use js_sys::{Function, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::spawn_local;
use web_sys::{
    Document, Element, HtmlElement, HtmlInputElement, HtmlSelectElement, HtmlTextAreaElement,
    KeyboardEvent,
};

use super::{log_error, reader_module, PAGE};
use crate::browser;
use crate::dom::{self, el, icon_button, Icon};
use crate::i18n::{t, t_with};
use crate::timers::sleep;

/// The composer open in this page.
struct Open {
    state: ComposerState,
    identities: Vec<Identity>,
}

thread_local! {
    static OPEN: RefCell<Option<Open>> = const { RefCell::new(None) };
    /// The undo window the options page's choices were drawn for.
    static UNDO_CHOICES_DRAWN: RefCell<String> = const { RefCell::new(String::new()) };
    /// The send waiting for its undo window: `(id, until)`.
    static PENDING: RefCell<Option<(String, u64)>> = const { RefCell::new(None) };
}

async fn ask(intent: Intent) -> ComposeReply {
    match browser::send_message::<_, ComposeReply>(&intent).await {
        Ok(reply) => reply,
        Err(e) => ComposeReply::failed(
            gmux_core::messages::IntentError::Internal,
            t_with("backgroundNoAnswer", &[&e.to_string()]),
        ),
    }
}

fn document() -> Option<Document> {
    dom::document().ok()
}

/// The options page's Sending section: the undo window.
pub(super) fn draw_options(document: &Document, page: &super::Page) -> Result<(), JsValue> {
    let current = page.settings.compose.undo_seconds();
    let drawn = &UNDO_CHOICES_DRAWN;
    if let Some(select) =
        dom::clear_if_changed(document, "undo-seconds", drawn, current.to_string())?
    {
        for (seconds, _) in decide::undo_choices(current) {
            let words = match seconds {
                0 => t("undoNone"),
                1 => t("oneSecond"),
                s => t_with("seconds", &[&s.to_string()]),
            };
            let option = el(document, "option", "", Some(&words))?;
            option.set_attribute("value", &seconds.to_string())?;
            if seconds == current {
                option.set_attribute("selected", "")?;
            }
            select.append_child(&option)?;
        }
    }
    Ok(())
}

/// Whether a composer is open in this page.
pub(super) fn is_open() -> bool {
    OPEN.with(|o| o.borrow().is_some())
}

/// Starts a composer: a new message from the filtered account (or the first), or an answer to the open
/// conversation's last message.
pub(super) fn start(kind: ComposeKind) {
    let (account, thread) = PAGE.with(|p| {
        let page = p.borrow();
        let Some(page) = page.as_ref() else {
            return (None, None);
        };
        match (&page.reading, kind) {
            (Some(r), k) if k != ComposeKind::New => {
                (Some(r.account.clone()), Some(r.thread.clone()))
            }
            (reading, _) => (
                page.views
                    .session
                    .only()
                    .map(str::to_string)
                    .or_else(|| reading.as_ref().map(|r| r.account.clone()))
                    .or_else(|| page.status.accounts.first().map(|a| a.id.clone())),
                None,
            ),
        }
    });
    let Some(account) = account else {
        return super::update(|page| page.message = Some(t("addAccountToWrite")));
    };
    spawn_local(async move {
        let source = match (&thread, kind) {
            (Some(_), k) if k != ComposeKind::New => reply_source().await,
            _ => None,
        };
        if thread.is_some() && source.is_none() && kind != ComposeKind::New {
            return super::update(|page| page.message = Some(t("waitForConversation")));
        }
        let reply = ask(Intent::ComposeStart {
            kind,
            account,
            thread,
            source,
        })
        .await;
        show(reply).await;
    });
}

/// The open conversation's last message as the reader module reads it.
async fn reply_source() -> Option<gmux_core::compose::ReplySource> {
    let module = reader_module::load().await.ok()?;
    let function = Reflect::get(&module, &JsValue::from_str("reader_reply_source"))
        .ok()?
        .dyn_into::<Function>()
        .ok()?;
    let value = function
        .call1(&JsValue::NULL, &JsValue::from_str(""))
        .ok()?;
    if value.is_undefined() {
        return None;
    }
    browser::from_js(value).ok()
}

/// Opens the composer of a reply from the background, or says why not.
async fn show(reply: ComposeReply) {
    let Some(state) = reply.state.filter(|_| reply.ok) else {
        let error = reply.error.unwrap_or_else(|| t("composerNotOpened"));
        return super::update(|page| page.message = Some(error));
    };
    let identities = ask(Intent::ComposeIdentities).await.identities;
    let (note, kind) = if state.resumed {
        (Some(t("unsentAsLeft")), "note")
    } else {
        (state.failed.clone(), "error")
    };
    OPEN.with(|o| *o.borrow_mut() = Some(Open { state, identities }));
    if let Some(offer) = document().and_then(|d| d.get_element_by_id("compose-unsent")) {
        offer.remove();
    }
    if let Err(e) = draw(None) {
        log_error("drawing the composer", e);
    }
    show_text(note.as_deref(), kind);
}

/// Offers the message left unsent in the conversation just opened: a line at the top of the conversation whose
/// button brings the composer back as it was left.
pub(super) fn offer_unsent(account: &str, thread: &str) {
    let (account, thread) = (account.to_string(), thread.to_string());
    spawn_local(async move {
        let reply = ask(Intent::ComposeFind {
            account: account.clone(),
            thread: thread.clone(),
        })
        .await;
        let Some(state) = reply.state else { return };
        let still = PAGE.with(|p| {
            p.borrow()
                .as_ref()
                .and_then(|p| p.reading.as_ref())
                .is_some_and(|r| r.account == account && r.thread == thread)
        });
        let Some(document) = document().filter(|_| still) else {
            return;
        };
        let Some(head) = document.get_element_by_id("reader-head") else {
            return;
        };
        if document.get_element_by_id("compose-unsent").is_some() {
            return;
        }
        let action = match state.kind {
            ComposeKind::ReplyAll => "reply-all",
            ComposeKind::Forward => "forward",
            _ => "reply",
        };
        let words = match state.kind {
            ComposeKind::New => t("unsentNewKept"),
            ComposeKind::Reply | ComposeKind::ReplyAll => t("unsentReplyKept"),
            ComposeKind::Forward => t("unsentForwardKept"),
        };
        let Ok(line) = el(&document, "div", "compose-unsent", Some(&words)) else {
            return;
        };
        line.set_id("compose-unsent");
        if let Ok(button) = dom::text_button(&document, "link", &t("continueWriting"), action) {
            let _ = line.append_child(&button);
        }
        let _ = head.append_child(&line);
    });
}

/// `#compose=<id>`: a composer popped out into this tab.
pub(super) fn open_from_fragment() {
    let hash = web_sys::window()
        .and_then(|w| w.location().hash().ok())
        .unwrap_or_default();
    let Some(id) = hash.strip_prefix("#compose=") else {
        return;
    };
    let id = id.to_string();
    spawn_local(async move { show(ask(Intent::ComposeResume { id }).await).await });
}

fn input(document: &Document, id: &str) -> Option<HtmlInputElement> {
    document
        .get_element_by_id(id)
        .and_then(|e| e.dyn_into::<HtmlInputElement>().ok())
}

/// The fields as the user has them now.
fn fields(document: &Document) -> Option<Fields> {
    let value = |id: &str| input(document, id).map(|i| i.value()).unwrap_or_default();
    Some(Fields {
        from: document
            .get_element_by_id("compose-from")?
            .dyn_into::<HtmlSelectElement>()
            .ok()?
            .value(),
        to: value("compose-to"),
        cc: value("compose-cc"),
        bcc: value("compose-bcc"),
        subject: value("compose-subject"),
        body: document
            .get_element_by_id("compose-body")?
            .dyn_into::<HtmlTextAreaElement>()
            .ok()?
            .value(),
    })
}

fn id() -> Option<String> {
    OPEN.with(|o| o.borrow().as_ref().map(|o| o.state.id.clone()))
}

/// The composer's DOM, drawn whole when it opens (and after Undo); typing never redraws it.
fn draw(note: Option<&str>) -> Result<(), JsValue> {
    let document = dom::document()?;
    if let Some(old) = document.get_element_by_id("composer") {
        old.remove();
    }
    let Some((state, identities)) = OPEN.with(|o| {
        o.borrow()
            .as_ref()
            .map(|o| (o.state.clone(), o.identities.clone()))
    }) else {
        return Ok(());
    };
    let popped = web_sys::window()
        .and_then(|w| w.location().hash().ok())
        .is_some_and(|h| h.starts_with("#compose="));
    let root = el(&document, "section", "composer", None)?;
    root.set_id("composer");
    root.set_attribute("role", "dialog")?;
    root.set_attribute("aria-label", &kind_title(state.kind))?;
    root.set_attribute("data-compose-id", &state.id)?;
    if popped {
        root.set_attribute("data-popped", "")?;
    }
    let head = el(&document, "header", "composer-head", None)?;
    dom::append(
        &head,
        el(
            &document,
            "h2",
            "composer-title",
            Some(&kind_title(state.kind)),
        )?,
    )?;
    let saved = el(&document, "span", "composer-saved", None)?;
    saved.set_id("compose-saved");
    head.append_child(&saved)?;
    if !popped {
        let pop = icon_button(&document, Icon::Open, &t("popOut"), "compose-pop")?;
        pop.set_attribute("tabindex", "0")?;
        head.append_child(&pop)?;
    }
    let close = icon_button(
        &document,
        Icon::Close,
        &t("closeKeepDraft"),
        "compose-close",
    )?;
    close.set_attribute("tabindex", "0")?;
    head.append_child(&close)?;
    root.append_child(&head)?;

    let from_row = el(&document, "label", "composer-row", None)?;
    dom::append(
        &from_row,
        el(&document, "span", "composer-label", Some(&t("from")))?,
    )?;
    let select = el(&document, "select", "composer-from", None)?;
    select.set_id("compose-from");
    // Addresses, subjects and the text are mail: each field takes its own direction from what it holds, so an
    // address stays whole in a right-to-left page.
    select.set_attribute("dir", "auto")?;
    for identity in &identities {
        let option = el(&document, "option", "", Some(&identity.label()))?;
        option.set_attribute("value", &identity.email)?;
        if identity.email.eq_ignore_ascii_case(&state.fields.from) {
            option.set_attribute("selected", "")?;
        }
        select.append_child(&option)?;
    }
    if !identities
        .iter()
        .any(|i| i.email.eq_ignore_ascii_case(&state.fields.from))
    {
        let option = el(&document, "option", "", Some(&state.fields.from))?;
        option.set_attribute("value", &state.fields.from)?;
        option.set_attribute("selected", "")?;
        select.append_child(&option)?;
    }
    from_row.append_child(&select)?;
    root.append_child(&from_row)?;

    for (id, label, value) in [
        ("compose-to", t("to"), &state.fields.to),
        ("compose-cc", t("cc"), &state.fields.cc),
        ("compose-bcc", t("bcc"), &state.fields.bcc),
    ] {
        let row = el(&document, "label", "composer-row", None)?;
        dom::append(&row, el(&document, "span", "composer-label", Some(&label))?)?;
        let field = document
            .create_element("input")?
            .dyn_into::<HtmlInputElement>()?;
        field.set_id(id);
        field.set_class_name("composer-input composer-address");
        field.set_type("text");
        field.set_attribute("autocomplete", "off")?;
        field.set_attribute("spellcheck", "false")?;
        field.set_attribute("aria-autocomplete", "list")?;
        field.set_attribute("dir", "auto")?;
        field.set_value(value);
        row.append_child(&field)?;
        root.append_child(&row)?;
    }
    let suggest = el(&document, "ul", "composer-suggest", None)?;
    suggest.set_id("compose-suggest");
    suggest.set_attribute("role", "listbox")?;
    suggest.set_attribute("hidden", "")?;
    root.append_child(&suggest)?;

    let subject = document
        .create_element("input")?
        .dyn_into::<HtmlInputElement>()?;
    subject.set_id("compose-subject");
    subject.set_class_name("composer-input composer-subject");
    subject.set_type("text");
    subject.set_placeholder(&t("subject"));
    subject.set_attribute("aria-label", &t("subject"))?;
    subject.set_attribute("dir", "auto")?;
    subject.set_value(&state.fields.subject);
    root.append_child(&subject)?;

    let body = document
        .create_element("textarea")?
        .dyn_into::<HtmlTextAreaElement>()?;
    body.set_id("compose-body");
    body.set_class_name("composer-body");
    body.set_attribute("aria-label", &t("message"))?;
    body.set_attribute("dir", "auto")?;
    body.set_value(&state.fields.body);
    root.append_child(&body)?;

    if !state.quote.is_empty() {
        let details = el(&document, "details", "composer-quote", None)?;
        let summary = if state.kind == ComposeKind::Forward {
            t("forwardedMessage")
        } else {
            t("quotedText")
        };
        dom::append(&details, el(&document, "summary", "", Some(&summary))?)?;
        dom::append(
            &details,
            el(&document, "pre", "composer-quote-text", Some(&state.quote))?,
        )?;
        root.append_child(&details)?;
    }

    let files = el(&document, "div", "composer-files", None)?;
    files.set_id("compose-files");
    root.append_child(&files)?;

    let message = el(&document, "p", "composer-message", None)?;
    message.set_id("compose-message");
    message.set_attribute("role", "alert")?;
    root.append_child(&message)?;

    let foot = el(&document, "footer", "composer-foot", None)?;
    let send = dom::text_button(
        &document,
        "primary composer-send",
        &t("send"),
        "compose-send",
    )?;
    send.set_attribute("title", &t("sendKey"))?;
    foot.append_child(&send)?;
    let attach = el(&document, "label", "composer-attach", None)?;
    attach.set_attribute("title", &t("attachTitle"))?;
    dom::append(&attach, dom::icon(&document, Icon::Attachment)?)?;
    dom::append(&attach, el(&document, "span", "", Some(&t("attach")))?)?;
    let picker = document
        .create_element("input")?
        .dyn_into::<HtmlInputElement>()?;
    picker.set_id("compose-file");
    picker.set_type("file");
    picker.set_multiple(true);
    picker.set_class_name("composer-file");
    attach.append_child(&picker)?;
    foot.append_child(&attach)?;
    let discard = icon_button(
        &document,
        Icon::Trash,
        &t("discardDraft"),
        "compose-discard",
    )?;
    discard.set_attribute("tabindex", "0")?;
    foot.append_child(&discard)?;
    root.append_child(&foot)?;

    let host = document
        .query_selector("main.inbox-area")?
        .or_else(|| document.body().map(Into::into));
    if let Some(host) = host {
        host.append_child(&root)?;
    }
    if let Some(body) = document.body() {
        body.class_list().add_1("composing")?;
    }
    draw_files(&document)?;
    show_message(note);
    draw_saved();
    // Where the user types first: the recipients of a new message or forward, else the text.
    let focus = if state.fields.to.is_empty() {
        "compose-to"
    } else {
        "compose-body"
    };
    if let Some(field) = document
        .get_element_by_id(focus)
        .and_then(|e| e.dyn_into::<HtmlElement>().ok())
    {
        let _ = field.focus();
    }
    Ok(())
}

fn draw_files(document: &Document) -> Result<(), JsValue> {
    let Some(files) = dom::clear(document, "compose-files")? else {
        return Ok(());
    };
    let attachments = OPEN.with(|o| {
        o.borrow()
            .as_ref()
            .map(|o| o.state.attachments.clone())
            .unwrap_or_default()
    });
    if attachments.is_empty() {
        files.set_attribute("hidden", "")?;
        return Ok(());
    }
    files.remove_attribute("hidden")?;
    let total: u64 = attachments.iter().map(|a| a.size).sum();
    for (i, a) in attachments.iter().enumerate() {
        let chip = el(document, "span", "composer-file-chip", None)?;
        dom::append(
            &chip,
            dom::mail_el(document, "span", "composer-file-name", &a.file_name)?,
        )?;
        dom::append(
            &chip,
            el(
                document,
                "span",
                "composer-file-size",
                Some(&crate::i18n::size(a.size)),
            )?,
        )?;
        let remove = icon_button(
            document,
            Icon::Close,
            &t_with("removeFile", &[&a.file_name]),
            "compose-detach",
        )?;
        remove.set_attribute("data-index", &i.to_string())?;
        remove.set_attribute("tabindex", "0")?;
        chip.append_child(&remove)?;
        files.append_child(&chip)?;
    }
    dom::append(
        &files,
        el(
            document,
            "span",
            "composer-total",
            Some(&decide::attachments_label(total)),
        )?,
    )?;
    Ok(())
}

fn show_message(text: Option<&str>) {
    show_text(text, "error");
}

/// A line above the buttons: an error (the default) or a note (`kind`).
fn show_text(text: Option<&str>, kind: &str) {
    if let Some(message) = document().and_then(|d| d.get_element_by_id("compose-message")) {
        let _ = message.set_attribute("data-kind", kind);
        message.set_text_content(text);
        if text.is_some() {
            let _ = message.remove_attribute("hidden");
        } else {
            let _ = message.set_attribute("hidden", "");
        }
    }
}

/// "Saved" once Gmail has the draft; the save error when it has not.
fn draw_saved() {
    let Some(saved) = document().and_then(|d| d.get_element_by_id("compose-saved")) else {
        return;
    };
    let (text, error) = OPEN.with(|o| match o.borrow().as_ref() {
        Some(o) if o.state.save_error.is_some() => (t("notSavedYet"), o.state.save_error.clone()),
        Some(o) if o.state.saved => (t("savedToDrafts"), None),
        _ => (String::new(), None),
    });
    saved.set_text_content(Some(&text));
    match error {
        Some(e) => {
            let _ = saved.set_attribute("title", &e);
        }
        None => {
            let _ = saved.remove_attribute("title");
        }
    }
}

/// The fields changed: to the background at once (it holds them and saves the draft), the saved mark off,
/// suggestions for an address field.
pub(super) fn on_input(target: &Element) -> bool {
    if target.closest("#composer").ok().flatten().is_none() {
        return false;
    }
    let Some(document) = document() else {
        return true;
    };
    let Some(id) = id() else { return true };
    let Some(fields) = fields(&document) else {
        return true;
    };
    OPEN.with(|o| {
        if let Some(o) = o.borrow_mut().as_mut() {
            o.state.fields = fields.clone();
            o.state.saved = false;
        }
    });
    if let Some(saved) = document.get_element_by_id("compose-saved") {
        saved.set_text_content(Some(""));
    }
    let typed = target.class_list().contains("composer-address").then(|| {
        (
            target.id(),
            target.dyn_ref::<HtmlInputElement>().map(|i| i.value()),
        )
    });
    spawn_local(async move {
        let reply = ask(Intent::ComposeUpdate { id, fields }).await;
        if !reply.ok {
            show_message(reply.error.as_deref());
        }
        if let Some((field, Some(value))) = typed {
            let found = ask(Intent::ComposeSuggest { typed: value })
                .await
                .suggestions;
            if let Err(e) = draw_suggestions(&field, &found) {
                log_error("drawing suggestions", e);
            }
        }
    });
    true
}

fn draw_suggestions(field: &str, found: &[String]) -> Result<(), JsValue> {
    let document = dom::document()?;
    let Some(list) = dom::clear(&document, "compose-suggest")? else {
        return Ok(());
    };
    if found.is_empty() {
        list.set_attribute("hidden", "")?;
        return Ok(());
    }
    list.set_attribute("data-field", field)?;
    for s in found {
        let item = el(&document, "li", "", None)?;
        let button = dom::text_button(&document, "composer-suggestion", s, "compose-suggestion")?;
        button.set_attribute("data-value", s)?;
        button.set_attribute("role", "option")?;
        item.append_child(&button)?;
        list.append_child(&item)?;
    }
    // Under the field it completes.
    if let Some(input) = document
        .get_element_by_id(field)
        .and_then(|e| e.dyn_into::<HtmlElement>().ok())
    {
        list.set_attribute(
            "style",
            &format!("top: {}px", input.offset_top() + input.offset_height()),
        )?;
    }
    list.remove_attribute("hidden")?;
    Ok(())
}

/// A file chosen or the From changed (`change` events inside the composer).
pub(super) fn on_change(target: &Element) -> bool {
    if target.closest("#composer").ok().flatten().is_none() {
        return false;
    }
    if target.id() == "compose-file" {
        if let Some(picker) = target.dyn_ref::<HtmlInputElement>() {
            attach_files(picker);
        }
    } else {
        on_input(target);
    }
    true
}

fn attach_files(picker: &HtmlInputElement) {
    let Some(files) = picker.files() else { return };
    let Some(id) = id() else { return };
    let mut chosen = Vec::new();
    for i in 0..files.length() {
        if let Some(file) = files.get(i) {
            chosen.push(file);
        }
    }
    picker.set_value("");
    spawn_local(async move {
        for file in chosen {
            let current = OPEN.with(|o| {
                o.borrow()
                    .as_ref()
                    .map_or(0, |o| o.state.attachment_bytes())
            });
            let size = file.size() as u64;
            // Gmail's limit, before any byte leaves the page.
            if !decide::fits_limit(current, size) {
                show_message(Some(&t_with(
                    "composeFileTooBig",
                    &[
                        &file.name(),
                        &crate::i18n::size(size),
                        &crate::i18n::size(current),
                    ],
                )));
                continue;
            }
            let data = match read_base64(&file).await {
                Ok(data) => data,
                Err(e) => {
                    show_message(Some(&format!("{} could not be read: {e:?}", file.name())));
                    continue;
                }
            };
            let reply = ask(Intent::ComposeAttach {
                id: id.clone(),
                file_name: file.name(),
                mime_type: file.type_(),
                data,
            })
            .await;
            apply_state(&reply);
        }
    });
}

/// A file's bytes as standard base64, read by the browser (`FileReader.readAsDataURL`).
async fn read_base64(file: &web_sys::File) -> Result<String, JsValue> {
    let reader = web_sys::FileReader::new()?;
    let promise = js_sys::Promise::new(&mut |resolve, reject| {
        let done = reader.clone();
        let onload = Closure::once_into_js(move || {
            let _ = resolve.call1(&JsValue::NULL, &done.result().unwrap_or(JsValue::NULL));
        });
        let onerror = Closure::once_into_js(move || {
            let _ = reject.call1(
                &JsValue::NULL,
                &JsValue::from_str("the file could not be read"),
            );
        });
        reader.set_onload(Some(onload.unchecked_ref()));
        reader.set_onerror(Some(onerror.unchecked_ref()));
    });
    reader.read_as_data_url(file)?;
    let url = wasm_bindgen_futures::JsFuture::from(promise)
        .await?
        .as_string()
        .unwrap_or_default();
    Ok(url
        .split_once(',')
        .map(|(_, data)| data.to_string())
        .unwrap_or_default())
}

/// Takes the background's state (attachments, saved, errors) without redrawing the fields.
fn apply_state(reply: &ComposeReply) {
    if !reply.ok {
        show_message(reply.error.as_deref());
        return;
    }
    if let Some(state) = &reply.state {
        OPEN.with(|o| {
            if let Some(o) = o.borrow_mut().as_mut() {
                o.state.attachments = state.attachments.clone();
                o.state.saved = state.saved;
                o.state.save_error = state.save_error.clone();
            }
        });
    }
    show_message(None);
    if let Some(document) = document() {
        let _ = draw_files(&document);
    }
    draw_saved();
}

/// Clicks on the composer's buttons, the reader's answer buttons and the toast's Undo.
pub(super) fn on_click(target: &Element) -> bool {
    let Some(button) = target.closest("[data-action]").ok().flatten() else {
        return false;
    };
    let action = button.get_attribute("data-action").unwrap_or_default();
    match action.as_str() {
        "compose" => start(ComposeKind::New),
        "reply" => start(ComposeKind::Reply),
        "reply-all" => start(ComposeKind::ReplyAll),
        "forward" => start(ComposeKind::Forward),
        "compose-send" => send(),
        "compose-close" => close(true),
        "compose-discard" => discard(),
        "compose-pop" => pop_out(),
        "compose-undo" => undo(),
        "compose-detach" => {
            let index = button
                .get_attribute("data-index")
                .and_then(|i| i.parse().ok());
            if let (Some(id), Some(index)) = (id(), index) {
                spawn_local(
                    async move { apply_state(&ask(Intent::ComposeDetach { id, index }).await) },
                );
            }
        }
        "compose-suggestion" => {
            let Some(document) = document() else {
                return true;
            };
            let field = document
                .get_element_by_id("compose-suggest")
                .and_then(|l| l.get_attribute("data-field"));
            let value = button.get_attribute("data-value").unwrap_or_default();
            if let Some(input) = field.and_then(|f| input(&document, &f)) {
                input.set_value(&decide::complete_entry(&input.value(), &value));
                let _ = input.focus();
                on_input(&input.into());
            }
            let _ = draw_suggestions("", &[]);
        }
        _ => return false,
    }
    true
}

/// Keys: `c` anywhere outside a field, `r`/`a`/`f` while reading, `z` while a send waits, and in the composer
/// Ctrl/Cmd+Enter to send and Escape to close.
pub(super) fn on_key(event: &KeyboardEvent, in_field: bool, reading: bool) -> bool {
    let options = PAGE.with(|p| {
        p.borrow()
            .as_ref()
            .is_some_and(|p| p.kind == super::PageKind::Options)
    });
    if options {
        return false;
    }
    let command = event.ctrl_key() || event.meta_key();
    let in_composer = event
        .target()
        .and_then(|t| t.dyn_into::<Element>().ok())
        .and_then(|t| t.closest("#composer").ok().flatten())
        .is_some();
    if is_open() && (in_composer || !in_field) {
        if let Some(key) = decide::compose_key(&event.key(), command, in_field) {
            match key {
                ComposeKey::Send => send(),
                ComposeKey::Close => close(true),
                ComposeKey::Undo => return false,
            }
            event.prevent_default();
            return true;
        }
    }
    if in_field || command || event.alt_key() {
        return false;
    }
    if PENDING.with(|p| p.borrow().is_some())
        && decide::compose_key(&event.key(), false, false) == Some(ComposeKey::Undo)
    {
        event.prevent_default();
        undo();
        return true;
    }
    if is_open() {
        return false;
    }
    let Some(kind) = decide::start_key(&event.key(), reading) else {
        return false;
    };
    event.prevent_default();
    start(kind);
    true
}

fn remove_composer() {
    OPEN.with(|o| *o.borrow_mut() = None);
    if let Some(document) = document() {
        if let Some(old) = document.get_element_by_id("composer") {
            old.remove();
        }
        if let Some(body) = document.body() {
            let _ = body.class_list().remove_1("composing");
        }
    }
}

/// Closes the composer: the background saves the draft now (and keeps the message for this conversation).
fn close(save: bool) {
    let Some(id) = id() else { return };
    let fields = document().and_then(|d| fields(&d));
    remove_composer();
    if save {
        spawn_local(async move {
            if let Some(fields) = fields {
                ask(Intent::ComposeUpdate {
                    id: id.clone(),
                    fields,
                })
                .await;
            }
            let reply = ask(Intent::ComposeClose { id }).await;
            if let Some(state) = reply.state.filter(|s| s.saved) {
                say(&t("draftSaved"), &state.id);
            }
        });
    }
}

fn discard() {
    let Some(id) = id() else { return };
    remove_composer();
    spawn_local(async move {
        let reply = ask(Intent::ComposeDiscard { id: id.clone() }).await;
        if reply.ok {
            say(&t("draftDiscarded"), &id);
        }
    });
}

fn pop_out() {
    let Some(id) = id() else { return };
    let fields = document().and_then(|d| fields(&d));
    remove_composer();
    spawn_local(async move {
        if let Some(fields) = fields {
            ask(Intent::ComposeUpdate {
                id: id.clone(),
                fields,
            })
            .await;
        }
        if let Err(e) = browser::open_extension_page(&format!("newtab.html#compose={id}")).await {
            super::update(|page| {
                page.message = Some(t_with("composerNotInTab", &[&e.to_string()]))
            });
        }
    });
}

/// Send: the fields go first, then the background checks and builds the message (a refusal keeps the composer
/// open with the reason) and holds it for the undo window while the toast offers Undo.
fn send() {
    let Some(id) = id() else { return };
    let Some(fields) = document().and_then(|d| fields(&d)) else {
        return;
    };
    if let Some(button) = document().and_then(|d| d.get_element_by_id("composer")) {
        let _ = button.set_attribute("data-busy", "");
    }
    spawn_local(async move {
        let updated = ask(Intent::ComposeUpdate {
            id: id.clone(),
            fields,
        })
        .await;
        let reply = if updated.ok {
            ask(Intent::ComposeSend { id: id.clone() }).await
        } else {
            updated
        };
        if let Some(root) = document().and_then(|d| d.get_element_by_id("composer")) {
            let _ = root.remove_attribute("data-busy");
        }
        let Some(state) = reply.state.clone().filter(|_| reply.ok) else {
            show_message(reply.error.as_deref());
            if let (Some(root), Some(code)) = (
                document().and_then(|d| d.get_element_by_id("composer")),
                reply.compose_code.as_deref(),
            ) {
                let _ = root.set_attribute("data-refused", code);
            }
            return;
        };
        remove_composer();
        let until = match state.phase {
            Phase::Waiting { until_ms } => until_ms,
            _ => 0,
        };
        PENDING.with(|p| *p.borrow_mut() = Some((id.clone(), until)));
        toast(&t("sending"), Some(&id));
        let done = ask(Intent::ComposeWait { id: id.clone() }).await;
        // Its own Undo is over either way (when another send waits, that one keeps its own).
        let owns_toast = owns_toast(&id);
        if owns_toast {
            PENDING.with(|p| *p.borrow_mut() = None);
        }
        match done.state {
            // A later send's Undo stays on screen; the outcome is still said.
            Some(state) if state.phase == Phase::Sent => {
                if owns_toast {
                    toast(&t("messageSent"), None);
                } else {
                    dom::announce(&t("messageSent"));
                }
            }
            Some(state) if state.failed.is_some() => {
                if owns_toast {
                    hide_toast();
                }
                let failed = state.failed.clone();
                let identities = ask(Intent::ComposeIdentities).await.identities;
                OPEN.with(|o| *o.borrow_mut() = Some(Open { state, identities }));
                let _ = draw(failed.as_deref());
                if let Some(root) = document().and_then(|d| d.get_element_by_id("composer")) {
                    let _ = root.set_attribute("data-failed", "");
                }
            }
            // Undone: the composer is back already.
            Some(_) => {}
            // The background lost it (restarted): say so rather than leave "Sending…" up.
            None => {
                let text = done.error.unwrap_or_else(|| t("lostTrack"));
                if owns_toast {
                    toast(&text, None);
                } else {
                    super::update(|page| page.message = Some(text));
                }
            }
        }
    });
}

/// Undo a waiting send: the composer comes back exactly as it was.
fn undo() {
    let Some((id, _)) = PENDING.with(|p| p.borrow_mut().take()) else {
        return;
    };
    spawn_local(async move {
        let reply = ask(Intent::ComposeUndo { id }).await;
        if reply.ok {
            hide_toast();
            show(reply).await;
        } else {
            toast(&reply.error.unwrap_or_else(|| t("tooLateToUndo")), None);
        }
    });
}

/// What became of composer `id` (a draft saved or discarded): in the toast, unless a send waits out its undo
/// window there, whose Undo stays; the words then go to the live region alone.
fn say(text: &str, id: &str) {
    if owns_toast(id) {
        toast(text, None);
    } else {
        dom::announce(text);
    }
}

/// Whether what became of composer `id` may take the toast (`outcome_owns_toast` with the send waiting here).
fn owns_toast(id: &str) -> bool {
    PENDING.with(|p| decide::outcome_owns_toast(p.borrow().as_ref().map(|(p, _)| p.as_str()), id))
}

fn hide_toast() {
    if let Some(old) = document().and_then(|d| d.get_element_by_id("compose-toast")) {
        old.remove();
    }
}

/// The toast at the bottom: what became of a message, with Undo while a send waits.
fn toast(text: &str, undo_for: Option<&str>) {
    let Some(document) = document() else { return };
    hide_toast();
    let Ok(toast) = el(&document, "div", "compose-toast", Some(text)) else {
        return;
    };
    toast.set_id("compose-toast");
    // The toast comes with its words, too late for a live region of its own: the page's region says them.
    dom::announce(text);
    if let Some(id) = undo_for {
        let _ = toast.set_attribute("data-compose-id", id);
        if let Ok(button) = dom::text_button(&document, "compose-undo", &t("undo"), "compose-undo")
        {
            let _ = button.set_attribute("title", &t("undoKey"));
            let _ = toast.append_child(&button);
        }
    }
    // In the page's footer landmark (it shows fixed at the bottom wherever it sits), so nothing is outside one.
    let parent = document
        .query_selector("footer")
        .ok()
        .flatten()
        .or_else(|| document.body().map(Into::into));
    if let Some(parent) = parent {
        let _ = parent.append_child(&toast);
    }
    if undo_for.is_none() {
        let shown = toast.clone();
        spawn_local(async move {
            sleep(4_000).await;
            if shown.is_connected() {
                shown.remove();
            }
        });
    }
}

/// The composer's title in the browser's language (core's `ComposeKind::title` is its English).
fn kind_title(kind: ComposeKind) -> String {
    match kind {
        ComposeKind::New => t("composeNew"),
        ComposeKind::Reply => t("composeReply"),
        ComposeKind::ReplyAll => t("composeReplyAll"),
        ComposeKind::Forward => t("composeForward"),
    }
}
