//! Reading a conversation from the popup and the new tab. The page owns the frame around it: the reading mode
//! (in the popup the conversation replaces the list; on the new tab it opens beside it), the header with the
//! subject and the conversation's actions, the keys, marking read, and going back to the same place in the list.
//! The messages themselves are drawn by the reader module (`pkg/reader.js`, the MIME walker and the HTML
//! sanitiser), which the page loads the first time a conversation is opened, so the first row never waits for it.
//!
//! `#open=<account id>:<thread id>` on `popup.html` or `newtab.html` opens that conversation when the page loads
//! (and when the fragment changes).

use gmux_core::messages::{Intent, ThreadAction};
use gmux_core::reader::{self, ReaderKey};
use gmux_core::{text, view};
use js_sys::{Function, Reflect};
use serde::Serialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::spawn_local;
use web_sys::{Document, Element, HtmlElement, KeyboardEvent};

use super::reader_module;
use super::{find_row, log_error, row_of, rows_in_list, send, stamp_now, update, PAGE};
use crate::browser;
use crate::dom::{self, el, icon_button, Icon};
use crate::i18n::t;
use crate::timers::sleep;

/// The conversation open in the page.
pub(super) struct Reading {
    pub account: String,
    pub thread: String,
    /// Counts opens, so a late answer or timer for an earlier conversation is ignored.
    pub generation: u64,
    /// Where the list was scrolled when the first conversation was opened.
    list_scroll: f64,
    /// Whether the reader module said the conversation is shown.
    loaded: bool,
}

/// The callback the reader module calls with what happened (`kind`, `detail`).
type ReaderEvents = Closure<dyn FnMut(String, JsValue)>;

thread_local! {
    static GENERATION: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
    /// The reader module's `on_event` callback, alive while the page is.
    static ON_EVENT: std::cell::RefCell<Option<ReaderEvents>> = const { std::cell::RefCell::new(None) };
}

/// What the reader module is asked to open (`reader::OpenRequest` on its side).
#[derive(Serialize)]
struct OpenRequest<'a> {
    account: &'a str,
    thread: &'a str,
    settings: &'a gmux_core::reader::ReaderSettings,
    tz_offset_minutes: i32,
    row_labels: Option<Vec<String>>,
    message_count: Option<u32>,
}

fn body() -> Option<HtmlElement> {
    dom::document().ok()?.body()
}

fn list_area() -> Option<Element> {
    dom::document()
        .ok()?
        .query_selector(".inbox-area")
        .ok()
        .flatten()
}

fn is_popup() -> bool {
    body().is_some_and(|b| b.class_list().contains("popup"))
}

/// How far the list is scrolled: the popup's list box, the new tab's window.
fn list_scroll() -> f64 {
    if is_popup() {
        list_area().map_or(0.0, |a| f64::from(a.scroll_top()))
    } else {
        web_sys::window()
            .and_then(|w| w.scroll_y().ok())
            .unwrap_or(0.0)
    }
}

fn set_list_scroll(to: f64) {
    if is_popup() {
        if let Some(area) = list_area() {
            area.set_scroll_top(to as i32);
        }
    } else if let Some(window) = web_sys::window() {
        window.scroll_to_with_x_and_y(0.0, to);
    }
}

/// Opens `thread` of `account` in the reader: the frame at once, the messages when the reader module has them.
pub(super) fn open(account: &str, thread: &str) {
    let generation = GENERATION.with(|g| {
        g.set(g.get() + 1);
        g.get()
    });
    let opened_at = stamp_now();
    let list_scroll = list_scroll();
    let settings = PAGE.with(|p| {
        let mut borrow = p.borrow_mut();
        let page = borrow.as_mut()?;
        // The list's place is the one before the first conversation; j and k keep it.
        let keep = page.reading.as_ref().map(|r| r.list_scroll);
        page.reading = Some(Reading {
            account: account.to_string(),
            thread: thread.to_string(),
            generation,
            list_scroll: keep.unwrap_or(list_scroll),
            loaded: false,
        });
        page.focused = Some((account.to_string(), thread.to_string()));
        let row = find_row(page, account, thread);
        let count = row.as_ref().map(|r| r.message_count);
        Some((
            page.settings.reader.clone(),
            row.map(|r| r.label_ids),
            count,
        ))
    });
    let Some((settings, row_labels, message_count)) = settings else {
        return;
    };
    // The conversation open now (j and k) is handed back to the reader module, which keeps it drawn, before
    // its place is cleared below.
    close_module();
    if let Some(body) = body() {
        let _ = body.class_list().add_1("reading");
    }
    if let Ok(document) = dom::document() {
        if let Some(reader) = document.get_element_by_id("reader") {
            let _ = reader.remove_attribute("hidden");
            let _ = reader.set_attribute("data-open-ms", &opened_at);
            for stamp in [
                "data-first-text-ms",
                "data-body-ms",
                "data-read-ms",
                "data-module-ms",
            ] {
                let _ = reader.remove_attribute(stamp);
            }
            let _ = reader.set_attribute("data-thread", thread);
            let _ = reader.set_attribute("data-account", account);
            // The new tab's reading pane starts at its top for each conversation.
            reader.set_scroll_top(0);
        }
        if let Err(e) = draw_head(&document, true) {
            log_error("drawing the conversation's header", e);
        }
        if let Some(messages) = document.get_element_by_id("reader-messages") {
            // Until the reader module draws, a quiet line says what is coming.
            messages.set_text_content(None);
            if let Ok(line) = el(
                &document,
                "p",
                "reader-loading",
                Some(&t("loadingConversation")),
            ) {
                let _ = messages.append_child(&line);
            }
        }
        if page_is_popup_like() {
            // The list and the conversation share one scroll box (the popup's, or a narrow window): the
            // conversation starts at its top.
            set_list_scroll(0.0);
            // The list, and the row that had the focus, are hidden now: the focus moves to the conversation's
            // subject, so a screen reader says where the person is (WCAG 2.4.3); the keys go on working there.
            if let Some(subject) = document
                .get_element_by_id("reader-subject")
                .and_then(|s| s.dyn_into::<HtmlElement>().ok())
            {
                let options = web_sys::FocusOptions::new();
                options.set_prevent_scroll(true);
                let _ = subject.focus_with_options(&options);
            }
        } else if let Some(row) = rows_in_list()
            .into_iter()
            .find(|r| row_of(r).is_some_and(|(a, t)| a == account && t == thread))
        {
            // Beside the conversation, the list keeps the opened row in view.
            let _ = draw_head(&document, false);
            scroll_into_view_if_hidden(&row);
        }
    }
    let request = OpenRequest {
        account,
        thread,
        settings: &settings,
        tz_offset_minutes: super::tz_offset_minutes(),
        row_labels,
        message_count,
    };
    let request = match browser::to_js(&request) {
        Ok(request) => request,
        Err(e) => return log_error("the reader's request", e),
    };
    spawn_local(async move {
        let module = match reader_module::load().await {
            Ok(module) => module,
            Err(e) => {
                log_error("loading the reader", &e);
                return update(|page| page.message = Some(t("readerNotLoaded")));
            }
        };
        if !is_current(generation) {
            return;
        }
        let Some(open) = Reflect::get(&module, &JsValue::from_str("reader_open"))
            .ok()
            .and_then(|f| f.dyn_into::<Function>().ok())
        else {
            return log_error("the reader module", "it has no reader_open");
        };
        let callback = ON_EVENT.with(|cell| {
            let mut cell = cell.borrow_mut();
            let closure =
                cell.get_or_insert_with(|| Closure::<dyn FnMut(String, JsValue)>::new(on_event));
            closure.as_ref().unchecked_ref::<Function>().clone()
        });
        if let Err(e) = open.call2(&JsValue::NULL, &request, &callback) {
            log_error("opening the conversation", e);
        }
    });
}

/// Tells the reader module, if loaded, that its conversation closes (it keeps it drawn for a while).
fn close_module() {
    if let Some(module) = reader_module::loaded() {
        if let Some(close) = Reflect::get(&module, &JsValue::from_str("reader_close"))
            .ok()
            .and_then(|f| f.dyn_into::<Function>().ok())
        {
            let _ = close.call0(&JsValue::NULL);
        }
    }
}

/// Whether the reader replaces the list (the popup, and a narrow new tab) rather than standing beside it.
fn page_is_popup_like() -> bool {
    let side_by_side = web_sys::window()
        .and_then(|w| w.match_media("(min-width: 900px)").ok().flatten())
        .is_some_and(|m| m.matches());
    is_popup() || !side_by_side
}

fn is_current(generation: u64) -> bool {
    PAGE.with(|p| {
        p.borrow()
            .as_ref()
            .and_then(|p| p.reading.as_ref())
            .is_some_and(|r| r.generation == generation)
    })
}

/// What the reader module tells the page.
fn on_event(kind: String, detail: JsValue) {
    match kind.as_str() {
        "loaded" => loaded(),
        // As in Gmail, marking unread from a message leaves the conversation for later.
        "marked_unread" => close(),
        "error" => {
            let text = detail.as_string().unwrap_or_default();
            update(|page| page.message = Some(text));
        }
        _ => {}
    }
}

/// The conversation is shown: mark it read as the settings say.
fn loaded() {
    let found = PAGE.with(|p| {
        let mut borrow = p.borrow_mut();
        let page = borrow.as_mut()?;
        let setting = page.settings.reader.mark_read;
        let reading = page.reading.as_mut()?;
        if reading.loaded {
            return None;
        }
        reading.loaded = true;
        let (account, thread, generation) = (
            reading.account.clone(),
            reading.thread.clone(),
            reading.generation,
        );
        let unread = find_row(page, &account, &thread).is_some_and(|r| r.unread);
        Some((
            account,
            thread,
            generation,
            reader::mark_read_delay_ms(setting, unread),
        ))
    });
    // A message left unsent in this conversation is offered back.
    if let Some((account, thread, _, _)) = &found {
        super::compose::offer_unsent(account, thread);
    }
    let Some((account, thread, generation, Some(delay))) = found else {
        return;
    };
    spawn_local(async move {
        if delay > 0 {
            sleep(i32::try_from(delay).unwrap_or(i32::MAX)).await;
        }
        // Still open, not marked unread meanwhile, and still unread.
        let still = PAGE.with(|p| {
            p.borrow().as_ref().is_some_and(|page| {
                page.reading
                    .as_ref()
                    .is_some_and(|r| r.generation == generation)
                    && find_row(page, &account, &thread).is_some_and(|r| r.unread)
            })
        });
        if still {
            send(Intent::Action {
                account,
                thread,
                action: ThreadAction::MarkRead,
            });
        }
    });
}

/// Back to the list, at the place it was, with the conversation's row selected.
pub(super) fn close() {
    let closing = PAGE.with(|p| {
        let borrow = p.borrow();
        let reading = borrow.as_ref()?.reading.as_ref()?;
        Some((
            reading.account.clone(),
            reading.thread.clone(),
            reading.list_scroll,
        ))
    });
    let Some((account, thread, list_scroll)) = closing else {
        return;
    };
    GENERATION.with(|g| g.set(g.get() + 1));
    close_module();
    if let Some(body) = body() {
        let _ = body.class_list().remove_1("reading");
    }
    if let Ok(document) = dom::document() {
        if let Some(reader) = document.get_element_by_id("reader") {
            let _ = reader.set_attribute("hidden", "");
        }
        for id in ["reader-head", "reader-messages"] {
            let _ = dom::clear(&document, id);
        }
    }
    // A conversation opened from a link: going back leaves a page that would not open it again on reload.
    if let Some(window) = web_sys::window() {
        let hash = window.location().hash().unwrap_or_default();
        if reader::parse_open_fragment(&hash).is_some() {
            let path = window.location().pathname().unwrap_or_default();
            let search = window.location().search().unwrap_or_default();
            if let Ok(history) = window.history() {
                let _ = history.replace_state_with_url(
                    &JsValue::NULL,
                    "",
                    Some(&format!("{path}{search}")),
                );
            }
        }
    }
    // The list is drawn while the page still counts as reading, so the redraw does not move the focus (a
    // browser may scroll to a focused row later than the scroll set here); then the page leaves reading.
    PAGE.with(|p| {
        if let Some(page) = p.borrow_mut().as_mut() {
            page.focused = Some((account.clone(), thread.clone()));
        }
    });
    super::redraw();
    PAGE.with(|p| {
        if let Some(page) = p.borrow_mut().as_mut() {
            page.reading = None;
        }
    });
    set_list_scroll(list_scroll);
    let rows = rows_in_list();
    let Some(row) = rows
        .iter()
        .find(|r| row_of(r).is_some_and(|(a, t)| a == account && t == thread))
        .or_else(|| rows.first())
    else {
        return;
    };
    for other in &rows {
        let _ = other.set_attribute("tabindex", "-1");
        let _ = other.remove_attribute("aria-current");
    }
    let _ = row.set_attribute("tabindex", "0");
    if let Some(row) = row.dyn_ref::<HtmlElement>() {
        let options = web_sys::FocusOptions::new();
        options.set_prevent_scroll(true);
        let _ = row.focus_with_options(&options);
    }
    if let Some(key) = row_of(row) {
        PAGE.with(|p| {
            if let Some(page) = p.borrow_mut().as_mut() {
                page.focused = Some(key);
            }
        });
    }
    // A row that j or k took out of view is brought back into it, no further.
    scroll_into_view_if_hidden(row);
}

/// Scrolls the least that shows `row`, if its list does not show it now.
fn scroll_into_view_if_hidden(row: &Element) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let viewport = window
        .inner_height()
        .ok()
        .and_then(|h| h.as_f64())
        .unwrap_or(0.0);
    let (top, bottom) = match list_area().filter(|_| is_popup()) {
        Some(area) => {
            let a = area.get_bounding_client_rect();
            (a.top(), a.bottom())
        }
        None => {
            // The new tab beside a conversation scrolls the list itself; otherwise the window does.
            let list = dom::document()
                .ok()
                .and_then(|d| d.get_element_by_id("inbox"))
                .map(|l| l.get_bounding_client_rect());
            match list {
                Some(l) => (l.top().max(0.0), l.bottom().min(viewport)),
                None => (0.0, viewport),
            }
        }
    };
    let r = row.get_bounding_client_rect();
    if r.top() < top || r.bottom() > bottom {
        let into = web_sys::ScrollIntoViewOptions::new();
        into.set_block(web_sys::ScrollLogicalPosition::Nearest);
        row.scroll_into_view_with_scroll_into_view_options(&into);
    }
}

/// The conversation next to the open one in the list (`forward`: older, below it).
fn neighbour(forward: bool) -> Option<(String, String)> {
    let (account, thread) = PAGE.with(|p| {
        let borrow = p.borrow();
        let reading = borrow.as_ref()?.reading.as_ref()?;
        Some((reading.account.clone(), reading.thread.clone()))
    })?;
    let keys: Vec<(String, String)> = rows_in_list().iter().filter_map(row_of).collect();
    let index = keys
        .iter()
        .position(|(a, t)| *a == account && *t == thread)?;
    let next = if forward {
        index.checked_add(1)
    } else {
        index.checked_sub(1)
    }?;
    keys.get(next).cloned()
}

/// A key pressed while a conversation is open; true when it was the reader's.
pub(super) fn on_key(event: &KeyboardEvent) -> bool {
    let reading = PAGE.with(|p| {
        p.borrow()
            .as_ref()
            .and_then(|p| p.reading.as_ref())
            .map(|r| (r.account.clone(), r.thread.clone()))
    });
    let Some((account, thread)) = reading else {
        return false;
    };
    let Some(key) = reader::reader_key(&event.key()) else {
        return false;
    };
    event.prevent_default();
    act(key, &account, &thread);
    true
}

/// Runs a conversation command, from a key or the header's buttons.
fn act(key: ReaderKey, account: &str, thread: &str) {
    let row = PAGE.with(|p| {
        p.borrow()
            .as_ref()
            .and_then(|p| find_row(p, account, thread))
    });
    match key {
        ReaderKey::Back => close(),
        ReaderKey::Next | ReaderKey::Previous => {
            if let Some((a, t)) = neighbour(key == ReaderKey::Next) {
                open(&a, &t);
            }
        }
        ReaderKey::OpenInGmail => super::open_in_gmail(account, thread),
        ReaderKey::Archive | ReaderKey::Trash => {
            let action = if key == ReaderKey::Archive {
                ThreadAction::Archive
            } else {
                ThreadAction::Trash
            };
            // The conversation leaves the inbox: back to the list, where the next row takes its place.
            close();
            super::act_on_row(
                if action == ThreadAction::Archive {
                    view::InboxKey::Archive
                } else {
                    view::InboxKey::Trash
                },
                account,
                thread,
            );
        }
        ReaderKey::MarkRead => send_action(account, thread, ThreadAction::MarkRead),
        ReaderKey::MarkUnread => {
            // As in Gmail: marked unread, the conversation is left for later.
            close();
            send_action(account, thread, ThreadAction::MarkUnread);
        }
        ReaderKey::ToggleStar => {
            let starred = row.is_some_and(|r| r.starred);
            send_action(account, thread, view::star_toggle(starred));
        }
    }
}

fn send_action(account: &str, thread: &str, action: ThreadAction) {
    send(Intent::Action {
        account: account.to_string(),
        thread: thread.to_string(),
        action,
    });
}

/// A click on the header's buttons (`data-action` inside `#reader-head`); true when it was one.
pub(super) fn on_click(target: &Element) -> bool {
    if target.closest("#reader-head").ok().flatten().is_none() {
        return false;
    }
    let Some(action) = target
        .closest("[data-action]")
        .ok()
        .flatten()
        .and_then(|b| b.get_attribute("data-action"))
    else {
        return true;
    };
    let reading = PAGE.with(|p| {
        let borrow = p.borrow();
        let page = borrow.as_ref()?;
        let r = page.reading.as_ref()?;
        let row = find_row(page, &r.account, &r.thread);
        Some((r.account.clone(), r.thread.clone(), row))
    });
    let Some((account, thread, row)) = reading else {
        return true;
    };
    let key = match action.as_str() {
        "back" => ReaderKey::Back,
        "archive" => ReaderKey::Archive,
        "trash" => ReaderKey::Trash,
        "read" => {
            if row.as_ref().is_some_and(|r| r.unread) {
                ReaderKey::MarkRead
            } else {
                ReaderKey::MarkUnread
            }
        }
        "star" => ReaderKey::ToggleStar,
        "open-gmail" => ReaderKey::OpenInGmail,
        "older" => ReaderKey::Next,
        "newer" => ReaderKey::Previous,
        _ => return true,
    };
    act(key, &account, &thread);
    true
}

/// The header: Back, the subject, the conversation's actions (their state from the inbox row), and a place for
/// the labels the reader module fills in. `fresh` draws it for a newly opened conversation; otherwise only the
/// buttons follow the row (a redraw after a storage change).
pub(super) fn draw_head(document: &Document, fresh: bool) -> Result<(), JsValue> {
    let found = PAGE.with(|p| {
        let borrow = p.borrow();
        let page = borrow.as_ref()?;
        let r = page.reading.as_ref()?;
        Some((
            r.account.clone(),
            r.thread.clone(),
            find_row(page, &r.account, &r.thread),
            page.store
                .account(&r.account)
                .map(|a| a.account.email.clone()),
        ))
    });
    let Some((account, thread, row, email)) = found else {
        return Ok(());
    };
    let Some(head) = document.get_element_by_id("reader-head") else {
        return Ok(());
    };
    let (unread, starred) = row
        .as_ref()
        .map_or((false, false), |r| (r.unread, r.starred));
    if fresh || head.first_child().is_none() {
        head.set_text_content(None);
        let top = el(document, "div", "reader-bar", None)?;
        let back = icon_button(document, Icon::Back, &t("backToListKey"), "back")?;
        back.set_attribute("tabindex", "0")?;
        top.append_child(&back)?;
        let tools = el(document, "div", "reader-tools", None)?;
        tools.set_id("reader-tools");
        top.append_child(&tools)?;
        head.append_child(&top)?;
        let subject = row
            .as_ref()
            .map(|r| r.subject.clone())
            .filter(|s| !text::is_blank_text(s));
        let title = dom::mail_el(
            document,
            "h2",
            "reader-subject",
            &subject.map_or(String::new(), |s| text::display_text(&s)),
        )?;
        title.set_id("reader-subject");
        // Focusable by script only: opening a conversation in place of the list puts the focus here.
        title.set_attribute("tabindex", "-1")?;
        head.append_child(&title)?;
        let meta = el(document, "div", "reader-meta", None)?;
        if let Some(email) = &email {
            let who = dom::mail_el(
                document,
                "span",
                "reader-account",
                &view::account_short_name(email),
            )?;
            who.set_attribute("title", email)?;
            let position = PAGE.with(|p| {
                p.borrow().as_ref().map(|page| {
                    let order = page
                        .store
                        .accounts
                        .iter()
                        .position(|a| a.account.id == account)
                        .unwrap_or(0);
                    view::account_color(&page.status.accounts, &account, order)
                })
            });
            if let Some(color) = position {
                who.set_attribute("style", &format!("--acct: {color}"))?;
            }
            meta.append_child(&who)?;
        }
        let labels = el(document, "span", "reader-labels", None)?;
        labels.set_id("reader-labels");
        meta.append_child(&labels)?;
        head.append_child(&meta)?;
    }
    let Some(tools) = document.get_element_by_id("reader-tools") else {
        return Ok(());
    };
    tools.set_text_content(None);
    // Answering (the composer's, see `compose.rs`).
    for (icon, label, action) in [
        (Icon::Reply, t("replyKey"), "reply"),
        (Icon::ReplyAll, t("replyAllKey"), "reply-all"),
        (Icon::Forward, t("forwardKey"), "forward"),
    ] {
        dom::append(&tools, icon_button(document, icon, &label, action)?)?;
    }
    dom::append(
        &tools,
        icon_button(document, Icon::Archive, &t("archiveKey"), "archive")?,
    )?;
    dom::append(
        &tools,
        icon_button(document, Icon::Trash, &t("deleteKey"), "trash")?,
    )?;
    let (icon, label) = if unread {
        (Icon::MarkRead, t("markReadShiftKey"))
    } else {
        (Icon::MarkUnread, t("markUnreadShiftKey"))
    };
    dom::append(&tools, icon_button(document, icon, &label, "read")?)?;
    let (icon, label) = if starred {
        (Icon::Star, t("unstarKey"))
    } else {
        (Icon::StarOutline, t("starKey"))
    };
    let star = icon_button(document, icon, &label, "star")?;
    star.set_attribute("aria-pressed", if starred { "true" } else { "false" })?;
    tools.append_child(&star)?;
    dom::append(
        &tools,
        icon_button(document, Icon::Newer, &t("newerKey"), "newer")?,
    )?;
    dom::append(
        &tools,
        icon_button(document, Icon::Older, &t("olderKey"), "older")?,
    )?;
    dom::append(
        &tools,
        icon_button(document, Icon::Open, &t("openInGmailKey"), "open-gmail")?,
    )?;
    // The header's buttons are reached with Tab, unlike a row's, which its keys reach.
    let buttons = tools.query_selector_all("button")?;
    for i in 0..buttons.length() {
        if let Some(button) = buttons.item(i).and_then(|b| b.dyn_into::<Element>().ok()) {
            button.set_attribute("tabindex", "0")?;
        }
    }
    if starred {
        head.set_attribute("data-starred", "")?;
    } else {
        head.remove_attribute("data-starred")?;
    }
    // The list beside the conversation (the wide new tab) marks the open row.
    for row in rows_in_list() {
        if row_of(&row).is_some_and(|(a, t)| a == account && t == thread) {
            row.set_attribute("aria-current", "true")?;
        } else {
            row.remove_attribute("aria-current")?;
        }
    }
    Ok(())
}

/// Opens the conversation `location.hash` names (`#open=<account>:<thread>`), if it names one that is not open.
pub(super) fn open_from_fragment() {
    let Some(hash) = web_sys::window().and_then(|w| w.location().hash().ok()) else {
        return;
    };
    let Some((account, thread)) = reader::parse_open_fragment(&hash) else {
        return;
    };
    let already = PAGE.with(|p| {
        p.borrow()
            .as_ref()
            .and_then(|p| p.reading.as_ref())
            .is_some_and(|r| r.account == account && r.thread == thread)
    });
    if !already {
        open(&account, &thread);
    }
}

/// Listens for a changed fragment: a notification may point an open page at another conversation.
pub(super) fn listen_to_fragment() -> Result<Box<dyn std::any::Any>, JsValue> {
    let window = web_sys::window().ok_or_else(|| JsValue::from_str("no window"))?;
    let listener = Closure::<dyn FnMut(web_sys::Event)>::new(|_| open_from_fragment());
    window.add_event_listener_with_callback("hashchange", listener.as_ref().unchecked_ref())?;
    Ok(Box::new(listener))
}
