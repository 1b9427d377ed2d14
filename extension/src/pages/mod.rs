//! The popup, new-tab and options pages. Each reads the inbox's head (`gmux_core::head`) and the background's
//! status from `storage.local`, draws at once, reads the whole inbox after that first draw, and redraws on every
//! `storage.onChanged`; it asks the background for the host's status
//! (which also wakes a stopped background) and sends user actions as `Intent`s. Every string from mail reaches
//! the DOM through `textContent`.

mod compose;
mod first_screen;
mod gmail_tabs;
mod inbox;
mod notifications;
mod offline;
mod options;
mod presence;
mod reader_module;
mod reading;
mod reading_options;
mod triage;
mod views;

use std::cell::RefCell;

use gmux_core::inbox::{InboxStore, ThreadRow};
use gmux_core::messages::{
    is_newer, Intent, IntentReply, Settings, ThreadAction, HEAD_KEY, REVISION_KEY, SCREEN_KEY,
    SETTINGS_KEY, STATUS_KEY, STORE_KEY,
};
use gmux_core::status::{self, HostState, Status};
use gmux_core::view::{self, InboxKey};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::spawn_local;
use web_sys::{Element, HtmlElement, KeyboardEvent};

use crate::browser::{self, BrowserError};
use crate::dom;
use crate::i18n::{t, t_with};
use crate::timers::sleep;

/// Rows the list holds after the first draw, and how many more come each time a scroll nears its end
/// (`views::load_more_if_near_end`). Twenty accounts store 2,000 rows: Firefox took about a second to insert and
/// lay them out, and leaving such a page held up the next one. 200 rows are tens of milliseconds and fill any
/// screen many times over.
const ROWS_AHEAD: usize = 200;

/// The background may still be starting when a page opens (a Chrome worker being restarted, a Firefox event
/// page waking); a few short retries cover that without hiding a background that really is broken.
const STATUS_ATTEMPTS: u32 = 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PageKind {
    Popup,
    NewTab,
    Options,
}

/// Everything a page draws from.
struct Page {
    kind: PageKind,
    store: InboxStore,
    /// Whether `store` is only the head the page drew first: until the whole store is read, the list shows no
    /// more than its first screen and asks Gmail for no older mail.
    partial: bool,
    status: Status,
    /// Whether the background has answered (or written) a settled status since the page opened: until then the
    /// status line says "connecting" rather than repeat what an older page saw.
    status_settled: bool,
    settings: Settings,
    /// The revision of the newest storage write the page has applied (see `gmux_core::messages::is_newer`).
    revision: Option<u64>,
    /// The list shown (the inbox, a tab, a label, a search), the search box, the label picker.
    views: views::ViewsUi,
    /// The selection, the toast with Undo, moving to a label.
    triage: triage::TriageUi,
    /// The rows in the list's DOM, in order, with what each shows: a redraw builds only the rows that changed.
    drawn: Vec<gmux_core::view::DrawnRow>,
    /// Counts the list's draws that built or removed a row (what the selection's marks follow).
    list_generation: u64,
    /// How many rows the list should hold: it grows by `ROWS_AHEAD` as a scroll nears the list's end.
    rows_wanted: usize,
    /// How many rows the view has, drawn or not.
    rows_available: usize,
    /// The time zone the list's dates were drawn in: a change draws every row again.
    drawn_tz: Option<i32>,
    /// `(account, thread)` of the focused row, kept across redraws.
    focused: Option<(String, String)>,
    /// The last failed action's sentence, shown until the next action.
    message: Option<String>,
    /// What the last request that says so did ("Recent searches cleared."), until the next one.
    confirmation: Option<String>,
    first_row_painted: bool,
    /// The conversation open in the reader, if one is.
    reading: Option<reading::Reading>,
    /// What the page's first screen is drawn from (`gmux_core::head::screen_key`, from storage), and the key
    /// whose first screen the page saved last or is about to save (`first_screen`).
    screen_key: Option<String>,
    first_screen_saved: Option<String>,
}

thread_local! {
    static PAGE: RefCell<Option<Page>> = const { RefCell::new(None) };
    static LISTENERS: RefCell<Vec<Box<dyn std::any::Any>>> = RefCell::new(Vec::new());
}

fn log_error(what: &str, error: impl std::fmt::Debug) {
    web_sys::console::error_1(&JsValue::from_str(&format!("gmux: {what}: {error:?}")));
}

fn page_kind() -> PageKind {
    let class = dom::document()
        .ok()
        .and_then(|d| d.body())
        .map(|b| b.class_name())
        .unwrap_or_default();
    match class.as_str() {
        "newtab" => PageKind::NewTab,
        "options" => PageKind::Options,
        _ => PageKind::Popup,
    }
}

pub fn start() {
    // Where the time to the first row goes, for the bench: the wasm running, the store read.
    stamp_root("data-wasm-ready-ms");
    // Every change to storage from here on (from early.js's start, where it ran) is kept until the page takes it
    // over below, so a write between the first read and the page's listening is never lost.
    let feed = browser::storage_feed();
    spawn_local(async move {
        hold_start_for_tests().await;
        let kind = page_kind();
        let stored = read_cached_storage().await.unwrap_or_else(|e| {
            log_error("reading the cached inbox", e);
            JsValue::UNDEFINED
        });
        let field = |key: &str| {
            js_sys::Reflect::get(&stored, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
        };
        // The head, when the background wrote one (a store from an older gmux has none: then the whole store is
        // read before the first draw, as before).
        let head = field(HEAD_KEY);
        let partial = !head.is_undefined() && !head.is_null();
        let store = if partial {
            parse_store(head)
        } else {
            read_whole_store().await.unwrap_or_default()
        };
        stamp_root("data-store-read-ms");
        let page = Page {
            kind,
            store,
            partial,
            status: parse_status(field(STATUS_KEY)),
            status_settled: false,
            settings: browser::from_js(field(SETTINGS_KEY)).unwrap_or_default(),
            revision: revision_of(&field(REVISION_KEY)),
            views: views::ViewsUi::default(),
            triage: triage::TriageUi::default(),
            drawn: Vec::new(),
            rows_wanted: 0,
            rows_available: 0,
            drawn_tz: None,
            list_generation: 0,
            focused: None,
            message: None,
            confirmation: None,
            first_row_painted: false,
            reading: None,
            screen_key: field(SCREEN_KEY).as_string(),
            first_screen_saved: None,
        };
        PAGE.with(|p| *p.borrow_mut() = Some(page));
        redraw();
        // Clicks and keys work from the first draw on: a person (or a test) acting on the rows as soon as they
        // show is never ignored while the page reads the rest.
        if let Err(e) = listen() {
            log_error("listening", e);
        }
        // The first draw is in and the page listens: a first screen early.js showed is the wasm's now.
        first_screen::release();
        if partial {
            // After the first rows are painted (the whole store's structured clone would hold that frame), and
            // before the page follows the storage changes: a write since the first read waits for it in the feed
            // and applies after this (its revision is newer than the page's), so the whole store read here is
            // never older than what the page ends up showing.
            crate::timers::after_next_paint(100).await;
            // Storage changes apply only once the page follows them, below: nothing took the whole store yet.
            if let Some(whole) = read_whole_store().await {
                update(|page| take_whole_store(page, whole));
            }
            views::load_more_if_near_end();
        }
        hold_for_tests().await;
        match feed {
            Ok(feed) => follow(feed),
            Err(e) => log_error("listening to storage", e),
        }
        presence::start();
        if kind != PageKind::Options {
            // `#open=<account>:<thread>`: a link (a notification, another page) that opens a conversation.
            reading::open_from_fragment();
            // `#compose=<id>`: a composer popped out into this tab.
            compose::open_from_fragment();
            match reading::listen_to_fragment() {
                Ok(listener) => LISTENERS.with(|l| l.borrow_mut().push(listener)),
                Err(e) => log_error("listening to the fragment", e),
            }
        }
        catch_up().await;
        triage::load_snoozes();
        let answer = match query_status().await {
            Ok(answer) => answer,
            Err(e) => Status {
                host: HostState::Failed,
                host_problem: Some(gmux_core::status::HostProblem::BackgroundNoAnswer {
                    error: e.to_string(),
                }),
                ..Status::default()
            },
        };
        update(|page| {
            if status::takes_answer(page.revision, &page.status, &answer) {
                page.status = answer;
            }
            // The background has answered: from now on the status shown is its own, not an older page's.
            page.status_settled = page.status.host.is_settled();
        });
    });
}

/// A revision from storage (a number), if there is one.
fn revision_of(value: &JsValue) -> Option<u64> {
    value.as_f64().filter(|r| *r >= 0.0).map(|r| r as u64)
}

/// Takes over the storage changes: those that came while the page loaded are applied at once (the latest of
/// them wins), and every later one as it comes.
fn follow(feed: browser::StorageFeed) {
    let (missed, guard) = feed.follow(|change| update(|page| apply_change(page, change)));
    if !missed.is_empty() {
        update(|page| {
            for change in missed {
                apply_change(page, change);
            }
        });
    }
    LISTENERS.with(|l| l.borrow_mut().push(Box::new(guard)));
}

/// One `storage.onChanged` event into the page's state, unless the page has already drawn that revision or a
/// newer one.
fn apply_change(page: &mut Page, change: browser::StorageChange) {
    let revision = change
        .iter()
        .find(|(key, _)| key == REVISION_KEY)
        .and_then(|(_, value)| revision_of(value));
    if !is_newer(page.revision, revision) {
        return;
    }
    if revision.is_some() {
        page.revision = revision;
    }
    for (key, value) in change {
        match key.as_str() {
            STORE_KEY => {
                let store = parse_store(value);
                if page.partial {
                    // The whole store is here before the page read it: nothing in it is new mail.
                    take_whole_store(page, store);
                    continue;
                }
                if let Some(new) = view::new_mail(&page.store, &store) {
                    dom::announce(&match new {
                        view::NewMail::One { from, subject } => crate::i18n::t_with(
                            "newMailFrom",
                            &[
                                &from,
                                &subject.unwrap_or_else(|| crate::i18n::t("noSubject")),
                            ],
                        ),
                        view::NewMail::Many(n) => {
                            crate::i18n::t_with("newMailMany", &[&crate::i18n::number(n as u64)])
                        }
                    });
                }
                page.store = store;
                views::follow_store(page);
            }
            STATUS_KEY => {
                page.status = parse_status(value);
                page.status_settled |= page.status.host.is_settled();
            }
            SETTINGS_KEY => page.settings = browser::from_js(value).unwrap_or_default(),
            SCREEN_KEY => page.screen_key = value.as_string(),
            gmux_core::messages::SNOOZES_KEY => triage::snoozes_changed(page, value),
            _ => {}
        }
    }
}

/// The second wall against a missed write: once the page listens, it asks storage for its revision, and reads
/// everything again if storage holds one the page has not applied. A browser that registered the early listener
/// only after a write it raced with is caught here; otherwise this costs one small read off the first row's path.
async fn catch_up() {
    let stored = match browser::storage_get_js(&[REVISION_KEY]).await {
        Ok(stored) => stored,
        Err(e) => return log_error("reading the store's revision", e),
    };
    let revision = js_sys::Reflect::get(&stored, &JsValue::from_str(REVISION_KEY))
        .ok()
        .and_then(|r| revision_of(&r));
    let applied = PAGE.with(|p| p.borrow().as_ref().and_then(|p| p.revision));
    if revision.is_none() || !is_newer(applied, revision) {
        return;
    }
    let keys = [
        STORE_KEY,
        STATUS_KEY,
        SETTINGS_KEY,
        REVISION_KEY,
        SCREEN_KEY,
    ];
    match browser::storage_get_js(&keys).await {
        Ok(all) => {
            let change = keys
                .iter()
                .map(|key| {
                    let value = js_sys::Reflect::get(&all, &JsValue::from_str(key))
                        .unwrap_or(JsValue::UNDEFINED);
                    (key.to_string(), value)
                })
                .collect();
            update(|page| apply_change(page, change));
        }
        Err(e) => log_error("reading the store again", e),
    }
}

/// Test and demo builds only: `?gmux-test-hold-ms=N` holds the page for up to 10 s between its first draw and
/// taking over the storage changes, so a browser test can write the store exactly in that window (the race of a
/// page opened during a sync) rather than hope to hit it. A release build ignores the parameter.
async fn hold_for_tests() {
    test_hold("gmux-test-hold-ms=", "data-test-held").await;
}

/// Test and demo builds only: `?gmux-test-start-hold-ms=N` holds the wasm for up to 10 s before its first draw,
/// so a browser test can see, and act on, the first screen early.js showed (`first_screen`).
async fn hold_start_for_tests() {
    test_hold("gmux-test-start-hold-ms=", "data-test-start-held").await;
}

async fn test_hold(parameter: &str, marker: &str) {
    let search = web_sys::window()
        .and_then(|w| w.location().search().ok())
        .unwrap_or_default();
    let Some(ms) = search
        .trim_start_matches('?')
        .split('&')
        .find_map(|p| p.strip_prefix(parameter))
        .and_then(|v| v.parse::<i32>().ok())
    else {
        return;
    };
    if !browser::is_test_build() {
        return;
    }
    let root = dom::document().ok().and_then(|d| d.document_element());
    if let Some(root) = &root {
        let _ = root.set_attribute(marker, "");
    }
    sleep(ms.clamp(0, 10_000)).await;
    if let Some(root) = &root {
        let _ = root.remove_attribute(marker);
    }
}

/// The stored inbox, or an empty one when it is missing or from another version. It is most of the bytes a page
/// reads, so it is parsed straight into its type, without a JSON tree in between.
fn parse_store(value: JsValue) -> InboxStore {
    browser::from_js::<InboxStore>(value)
        .ok()
        .filter(|s| s.version == gmux_core::inbox::STORE_VERSION)
        .unwrap_or_default()
}

/// The whole stored inbox, or `None` when storage cannot be read (the page keeps what it has and logs why).
async fn read_whole_store() -> Option<InboxStore> {
    match browser::storage_get_js(&[STORE_KEY]).await {
        Ok(stored) => Some(parse_store(
            js_sys::Reflect::get(&stored, &JsValue::from_str(STORE_KEY))
                .unwrap_or(JsValue::UNDEFINED),
        )),
        Err(e) => {
            log_error("reading the whole inbox", e);
            None
        }
    }
}

/// The whole store in place of the head the page drew first.
fn take_whole_store(page: &mut Page, store: InboxStore) {
    page.store = store;
    page.partial = false;
    views::follow_store(page);
}

/// The stored or answered status; anything unreadable counts as "still connecting".
fn parse_status(value: JsValue) -> Status {
    browser::from_js(value).unwrap_or_default()
}

/// The page's loader starts reading `storage.local` before the wasm has loaded and leaves the promise in
/// `globalThis.gmuxCachedStorage`; without it, the store is read now.
async fn read_cached_storage() -> Result<JsValue, BrowserError> {
    let started = js_sys::Reflect::get(&js_sys::global(), &JsValue::from_str("gmuxCachedStorage"))
        .ok()
        .and_then(|p| p.dyn_into::<js_sys::Promise>().ok());
    match started {
        Some(promise) => Ok(wasm_bindgen_futures::JsFuture::from(promise).await?),
        None => {
            browser::storage_get_js(&[HEAD_KEY, STATUS_KEY, SETTINGS_KEY, REVISION_KEY, SCREEN_KEY])
                .await
        }
    }
}

async fn query_status() -> Result<Status, BrowserError> {
    let mut attempt = 1;
    loop {
        match browser::send_message::<_, Status>(&Intent::Status).await {
            Ok(answer) if answer.host.is_settled() || attempt >= STATUS_ATTEMPTS => {
                return Ok(answer)
            }
            Ok(_) => {}
            Err(e) if attempt >= STATUS_ATTEMPTS => return Err(e),
            Err(e) => web_sys::console::warn_1(&JsValue::from_str(&format!(
                "gmux: asking the background again: {e}"
            ))),
        }
        attempt += 1;
        sleep(150).await;
    }
}

/// Changes the page's state and redraws.
fn update(change: impl FnOnce(&mut Page)) {
    PAGE.with(|p| {
        if let Some(page) = p.borrow_mut().as_mut() {
            change(page);
        }
    });
    redraw();
}

/// Runs `f` on the page's state, if the page has started and nothing else holds it. One function for every
/// caller (not one per closure), which keeps the pages' wasm small.
fn with_page(f: &mut dyn FnMut(&mut Page)) {
    PAGE.with(|p| {
        if let Ok(mut page) = p.try_borrow_mut() {
            if let Some(page) = page.as_mut() {
                f(page);
            }
        }
    });
}

/// Reads something off the page's state (`None` before it started).
fn read_page<R>(f: impl FnOnce(&Page) -> R) -> Option<R> {
    let mut f = Some(f);
    let mut out = None;
    with_page(&mut |page| {
        if let Some(f) = f.take() {
            out = Some(f(page));
        }
    });
    out
}

pub(super) fn redraw() {
    PAGE.with(|p| {
        let mut borrow = p.borrow_mut();
        let Some(page) = borrow.as_mut() else { return };
        let drawn = match page.kind {
            PageKind::Popup | PageKind::NewTab => inbox::draw(page),
            PageKind::Options => options::draw(page),
        };
        if drawn.is_ok() {
            first_screen::save_after_draw(page);
        }
        let reading = page.reading.is_some();
        drop(borrow);
        let drawn = drawn.and_then(|()| {
            if reading {
                reading::draw_head(&dom::document()?, false)
            } else {
                Ok(())
            }
        });
        if let Err(e) = drawn {
            log_error("the page could not be drawn", e);
        }
    });
}

fn listen() -> Result<(), JsValue> {
    let document = dom::document()?;
    let click = Closure::<dyn FnMut(web_sys::Event)>::new(on_click);
    document.add_event_listener_with_callback("click", click.as_ref().unchecked_ref())?;
    let change = Closure::<dyn FnMut(web_sys::Event)>::new(on_change);
    document.add_event_listener_with_callback("change", change.as_ref().unchecked_ref())?;
    // Redraws put focus back on the row that had it, whether a key, a click or a script put it there.
    let focus = Closure::<dyn FnMut(web_sys::Event)>::new(|event: web_sys::Event| {
        if let Some(key) = target_element(&event).as_ref().and_then(row_of) {
            // A redraw focusing the row itself holds the page already, and already knows the row.
            PAGE.with(|p| {
                if let Ok(mut page) = p.try_borrow_mut() {
                    if let Some(page) = page.as_mut() {
                        page.focused = Some(key);
                    }
                }
            });
        }
    });
    document.add_event_listener_with_callback("focusin", focus.as_ref().unchecked_ref())?;
    let key = Closure::<dyn FnMut(KeyboardEvent)>::new(on_key);
    document.add_event_listener_with_callback("keydown", key.as_ref().unchecked_ref())?;
    let input = Closure::<dyn FnMut(web_sys::Event)>::new(on_input);
    document.add_event_listener_with_callback("input", input.as_ref().unchecked_ref())?;
    let search_focus = Closure::<dyn FnMut(web_sys::Event)>::new(|event: web_sys::Event| {
        if target_element(&event).is_some_and(|t| t.id() == "search") {
            views::on_search_focus();
        }
    });
    document.add_event_listener_with_callback("focusin", search_focus.as_ref().unchecked_ref())?;
    let search_blur = Closure::<dyn FnMut(web_sys::Event)>::new(|event: web_sys::Event| {
        if target_element(&event).is_some_and(|t| t.id() == "search") {
            views::on_search_blur();
        }
    });
    document.add_event_listener_with_callback("focusout", search_blur.as_ref().unchecked_ref())?;
    // A suggestion is clicked before the box loses focus (which would hide it).
    let keep_focus = Closure::<dyn FnMut(web_sys::Event)>::new(|event: web_sys::Event| {
        if target_element(&event)
            .and_then(|t| t.closest("#search-suggestions").ok().flatten())
            .is_some()
        {
            event.prevent_default();
        }
    });
    document.add_event_listener_with_callback("mousedown", keep_focus.as_ref().unchecked_ref())?;
    // Scroll events do not bubble; captured on the document they come from the list's scroller or the page.
    let scroll = Closure::<dyn FnMut(web_sys::Event)>::new(|_: web_sys::Event| {
        views::load_more_if_near_end();
    });
    document.add_event_listener_with_callback_and_bool(
        "scroll",
        scroll.as_ref().unchecked_ref(),
        true,
    )?;
    LISTENERS.with(|l| {
        let mut l = l.borrow_mut();
        l.push(Box::new(click));
        l.push(Box::new(change));
        l.push(Box::new(key));
        l.push(Box::new(focus));
        l.push(Box::new(input));
        l.push(Box::new(search_focus));
        l.push(Box::new(search_blur));
        l.push(Box::new(keep_focus));
        l.push(Box::new(scroll));
    });
    Ok(())
}

fn target_element(event: &web_sys::Event) -> Option<Element> {
    event.target()?.dyn_into::<Element>().ok()
}

/// The row an element sits in: `(account, thread)`.
fn row_of(element: &Element) -> Option<(String, String)> {
    let row = element.closest(".row").ok()??;
    Some((
        row.get_attribute("data-account")?,
        row.get_attribute("data-thread")?,
    ))
}

fn find_row(page: &Page, account: &str, thread: &str) -> Option<ThreadRow> {
    page.views.session.row(&page.store, account, thread)
}

/// The value of an input element.
pub(super) fn value_of(element: &Element) -> String {
    js_sys::Reflect::get(element, &JsValue::from_str("value"))
        .ok()
        .and_then(|v| v.as_string())
        .unwrap_or_default()
}

fn on_input(event: web_sys::Event) {
    let Some(target) = target_element(&event) else {
        return;
    };
    match target.id().as_str() {
        "search" => views::on_search_input(value_of(&target)),
        "picker-filter" => views::on_picker_filter(value_of(&target)),
        // Typing in the composer goes to the background at once (it holds the text until Gmail has the draft).
        _ => {
            compose::on_input(&target);
        }
    }
}

fn on_click(event: web_sys::Event) {
    let Some(target) = target_element(&event) else {
        return;
    };
    if compose::on_click(&target) {
        return;
    }
    if reading::on_click(&target) {
        return;
    }
    let button = target.closest("[data-action]").ok().flatten();
    let action = button.as_ref().and_then(|b| b.get_attribute("data-action"));
    let row = row_of(&target);
    let account_of_button = button
        .as_ref()
        .and_then(|b| b.get_attribute("data-account"));
    if action.as_deref().is_some_and(notifications::on_click) {
        return;
    }
    if action.as_deref().is_some_and(gmail_tabs::on_click) {
        return;
    }
    // A click anywhere else closes the notifications menu.
    if notifications::close_menu() {
        redraw();
    }
    // A click anywhere outside the open label picker closes it.
    if views::picker_is_open()
        && target
            .closest("#label-picker, #labels-button")
            .ok()
            .flatten()
            .is_none()
    {
        views::close_picker();
    }
    match (action.as_deref(), row) {
        (Some("filter"), _) => {
            let current = read_page(|p| p.views.session.only().map(str::to_string)).flatten();
            let only = match (current, account_of_button) {
                (Some(current), Some(clicked)) if current == clicked => None,
                (_, clicked) => clicked,
            };
            views::set_only(only);
        }
        (Some("tab"), _) => {
            if let Some(name) = button.as_ref().and_then(|b| b.get_attribute("data-tab")) {
                views::choose_tab(&name);
            }
        }
        (Some("back"), _) => views::open(gmux_core::listing::View::Inbox, false),
        (Some("labels"), _) => views::toggle_picker(),
        (Some("label"), _) => {
            if let Some(index) = button
                .as_ref()
                .and_then(|b| b.get_attribute("data-index"))
                .and_then(|i| i.parse().ok())
            {
                choose_label(index);
            }
        }
        (Some("recent"), _) => {
            if let Some(query) = button.as_ref().and_then(|b| b.get_attribute("data-query")) {
                views::run_recent(query);
            }
        }
        (Some("refresh"), _) => views::refresh(),
        (Some("clear-searches"), _) => {
            send_then_say(Intent::ClearRecentSearches, t("recentSearchesCleared"))
        }
        (Some("reconnect"), _) => {
            if let Some(account) = account_of_button {
                send(Intent::Reconnect { account });
            }
        }
        (Some("remove"), _) => {
            if let Some(account) = account_of_button {
                first_screen::forget();
                send(Intent::RemoveAccount { account });
            }
        }
        (Some("add-account"), _) => send(Intent::AddAccount),
        (Some("sync-now"), _) => views::refresh(),
        (Some("forget-images"), _) => {
            let sender = button.as_ref().and_then(|b| b.get_attribute("data-sender"));
            if let (Some(account), Some(sender)) = (account_of_button, sender) {
                send(Intent::SetReader {
                    change: gmux_core::reader::ReaderChange::ImagesFrom {
                        account,
                        sender,
                        allow: false,
                    },
                });
            }
        }
        (Some("dismiss"), _) => update(|page| page.message = None),
        (Some("dismiss-offline"), _) => offline::dismiss(),
        (Some("undo"), _) => triage::undo(),
        (Some("mark-all-read"), _) => triage::mark_all_read(),
        (Some("unsnooze"), Some(key)) => {
            event.prevent_default();
            triage::unsnooze(key);
        }
        (Some("select"), Some(key)) => {
            event.prevent_default();
            triage::toggle(key, triage::shift_held(&event));
        }
        (Some(name), _) if name.starts_with("bulk-") => {
            triage::on_selection(name.trim_start_matches("bulk-"))
        }
        (Some(name), Some((account, thread))) => {
            if let Some(command) = row_command(name) {
                event.prevent_default();
                act_on_row(command, &account, &thread);
            }
        }
        (None, Some((account, thread))) => act_on_row(InboxKey::Open, &account, &thread),
        _ => {}
    }
}

/// A label picker entry chosen: the label's view opens, or the rows the picker moves go there.
fn choose_label(index: usize) {
    if let Some(to) = views::choose_label(index) {
        triage::move_to(to);
    }
}

fn row_command(action: &str) -> Option<InboxKey> {
    match action {
        "open" => Some(InboxKey::OpenInGmail),
        "archive" => Some(InboxKey::Archive),
        "trash" => Some(InboxKey::Trash),
        "read" => Some(InboxKey::ToggleRead),
        "star" => Some(InboxKey::ToggleStar),
        _ => None,
    }
}

fn on_change(event: web_sys::Event) {
    let Some(target) = target_element(&event) else {
        return;
    };
    if compose::on_change(&target) {
        return;
    }
    let value = js_sys::Reflect::get(&target, &JsValue::from_str("value"))
        .ok()
        .and_then(|v| v.as_string())
        .unwrap_or_default();
    let setting = target.get_attribute("data-setting").unwrap_or_default();
    let settings = PAGE.with(|p| {
        p.borrow()
            .as_ref()
            .map(|p| p.settings.clone())
            .unwrap_or_default()
    });
    if notifications::on_change(&setting, &target, settings) {
        return;
    }
    match setting.as_str() {
        "color" => {
            if let Some(account) = target.get_attribute("data-account") {
                if view::is_hex_color(&value) {
                    send(Intent::SetColor {
                        account,
                        color: value,
                    });
                }
            }
        }
        "mark-read" => {
            if let Some(mark_read) = gmux_core::reader::MarkRead::from_choice(&value) {
                send(Intent::SetReader {
                    change: gmux_core::reader::ReaderChange::MarkRead { mark_read },
                });
            }
        }
        "undo-seconds" => {
            if let Ok(seconds) = value.parse::<u32>() {
                send(Intent::SetUndoSeconds { seconds });
            }
        }
        "prefer-plain" => {
            let checked = js_sys::Reflect::get(&target, &JsValue::from_str("checked"))
                .ok()
                .and_then(|v| v.as_bool())
                .unwrap_or(false);
            send(Intent::SetReader {
                change: gmux_core::reader::ReaderChange::PreferPlain {
                    prefer_plain: checked,
                },
            });
        }
        _ => {}
    }
}

fn on_key(event: KeyboardEvent) {
    let Some(target) = target_element(&event) else {
        return;
    };
    let key = event.key();
    let in_field = matches!(target.tag_name().as_str(), "INPUT" | "SELECT" | "TEXTAREA");
    let reading = PAGE.with(|p| p.borrow().as_ref().is_some_and(|p| p.reading.is_some()));
    if compose::on_key(&event, in_field, reading) {
        return;
    }
    if event.ctrl_key() || event.alt_key() || event.meta_key() {
        return;
    }
    if target.id() == "search" {
        if views::on_search_key(&key, value_of(&target)) {
            event.prevent_default();
        }
        return;
    }
    if key == "Escape" && views::picker_is_open() {
        event.prevent_default();
        views::close_picker();
        return;
    }
    if target.id() == "picker-filter" && key == "Enter" {
        event.prevent_default();
        choose_label(0);
        return;
    }
    // Escape closes the snooze menu or mark all read's question, from any of their controls.
    if key == "Escape" && triage::cancel_bar() {
        event.prevent_default();
        return;
    }
    if in_field {
        return;
    }
    // The list's keys wait while the composer covers it.
    if compose::is_open() {
        return;
    }
    if event.key() == "Escape" && notifications::close_menu() {
        redraw();
        return;
    }
    match key.as_str() {
        "/" => {
            event.prevent_default();
            views::focus_search();
            return;
        }
        "R" if event.shift_key() => {
            event.prevent_default();
            views::refresh();
            return;
        }
        _ => {}
    }
    // Enter on a button is the button's own click.
    if event.key() == "Enter" && target.tag_name() == "BUTTON" {
        return;
    }
    if reading && reading::on_key(&event) {
        return;
    }
    // Triage keys (select, undo, spam, move, snooze) act on the focused row, also the conversation open.
    let focused = row_of(&target)
        .or_else(|| PAGE.with(|p| p.borrow().as_ref().and_then(|p| p.focused.clone())));
    if triage::on_key(&key, focused) {
        event.prevent_default();
        return;
    }
    // Where the conversation replaced the list, the list's keys wait until it is back.
    if reading && target.closest(".inbox").ok().flatten().is_none() {
        return;
    }
    let Some(command) = view::inbox_key(&event.key()) else {
        return;
    };
    let rows = rows_in_list();
    if rows.is_empty() {
        return;
    }
    let current = row_of(&target)
        .or_else(|| PAGE.with(|p| p.borrow().as_ref().and_then(|p| p.focused.clone())));
    let index = current.as_ref().and_then(|(a, t)| {
        rows.iter().position(|r| {
            r.get_attribute("data-account").as_deref() == Some(a)
                && r.get_attribute("data-thread").as_deref() == Some(t)
        })
    });
    event.prevent_default();
    match (command, index) {
        (InboxKey::Next, None) => focus_row(&rows[0]),
        (InboxKey::Next, Some(i)) => focus_row(&rows[(i + 1).min(rows.len() - 1)]),
        (InboxKey::Previous, None) => focus_row(&rows[0]),
        (InboxKey::Previous, Some(i)) => focus_row(&rows[i.saturating_sub(1)]),
        (command, Some(_)) => {
            if let Some((account, thread)) = current {
                act_on_row(command, &account, &thread);
            }
        }
        (_, None) => {}
    }
}

fn rows_in_list() -> Vec<Element> {
    let Ok(document) = dom::document() else {
        return Vec::new();
    };
    let Ok(list) = document.query_selector_all("#inbox .row") else {
        return Vec::new();
    };
    (0..list.length())
        .filter_map(|i| list.item(i)?.dyn_into::<Element>().ok())
        .collect()
}

fn focus_row(row: &Element) {
    if let Some(key) = row_of(row) {
        PAGE.with(|p| {
            if let Some(page) = p.borrow_mut().as_mut() {
                page.focused = Some(key);
            }
        });
    }
    if let Some(row) = row.dyn_ref::<HtmlElement>() {
        let _ = row.focus();
    }
}

/// Runs a row command: open in Gmail, or an action sent to the background.
fn act_on_row(command: InboxKey, account: &str, thread: &str) {
    let found = PAGE.with(|p| {
        let borrow = p.borrow();
        let page = borrow.as_ref()?;
        let row = find_row(page, account, thread)?;
        let email = page.store.account(account)?.account.email.clone();
        Some((row, email))
    });
    let Some((row, email)) = found else { return };
    if command != InboxKey::Next && command != InboxKey::Previous {
        views::remember_current_search();
    }
    let (action, selection_command) = match command {
        InboxKey::Open => {
            reading::open(account, thread);
            return;
        }
        InboxKey::OpenInGmail => {
            gmail_tabs::open_thread(email, thread.to_string(), row.label_ids.clone());
            return;
        }
        InboxKey::Archive => (ThreadAction::Archive, "archive"),
        InboxKey::Trash => (ThreadAction::Trash, "trash"),
        InboxKey::ToggleRead => (view::read_toggle(row.unread), "read"),
        InboxKey::ToggleStar => (view::star_toggle(row.starred), "star"),
        InboxKey::Next | InboxKey::Previous => return,
    };
    // With rows selected, the shortcuts act on them; else on this row. Either way through the background's
    // triage, which keeps the undo.
    if triage::has_selection() {
        triage::on_selection(selection_command);
    } else {
        triage::act(
            action.into(),
            vec![(account.to_string(), thread.to_string())],
        );
    }
}

/// Opens the thread in Gmail, in its account: in its open Gmail tab when gmux may see it, else in a new tab.
fn open_in_gmail(account: &str, thread: &str) {
    let found = PAGE.with(|p| {
        p.borrow().as_ref().and_then(|p| {
            let email = p.store.account(account)?.account.email.clone();
            let labels = find_row(p, account, thread)
                .map(|r| r.label_ids)
                .unwrap_or_default();
            Some((email, labels))
        })
    });
    match found {
        Some((email, labels)) => gmail_tabs::open_thread(email, thread.to_string(), labels),
        None => update(|page| page.message = Some(crate::i18n::t("unknownAccountReload"))),
    }
}

/// Sends an intent; a refusal becomes the page's message (the background has already restored the row).
fn send(intent: Intent) {
    send_then(intent, || {});
}

/// [`send`], then `done` as the page's confirmation once the background says it worked.
fn send_then_say(intent: Intent, done: String) {
    update(|page| {
        page.message = None;
        page.confirmation = None;
    });
    spawn_local(async move {
        let failure = match browser::send_message::<_, IntentReply>(&intent).await {
            Ok(reply) if reply.ok => None,
            Ok(reply) => Some(reply.error.unwrap_or_else(|| t("didNotWork"))),
            Err(e) => Some(t_with("backgroundNoAnswer", &[&e.to_string()])),
        };
        update(|page| match failure {
            Some(failure) => page.message = Some(failure),
            None => page.confirmation = Some(done),
        });
    });
}

/// [`send`], calling `on_refusal` when the background says it did not work.
fn send_then(intent: Intent, on_refusal: impl FnOnce() + 'static) {
    update(|page| {
        page.message = None;
        page.confirmation = None;
    });
    spawn_local(async move {
        let failure = match browser::send_message::<_, IntentReply>(&intent).await {
            Ok(reply) if reply.ok => None,
            Ok(reply) => Some(reply.error.unwrap_or_else(|| t("didNotWork"))),
            Err(BrowserError::Conversion(_)) => Some(t("backgroundNotUnderstood")),
            Err(e) => Some(t_with("backgroundNoAnswer", &[&e.to_string()])),
        };
        if let Some(message) = failure {
            on_refusal();
            update(|page| page.message = Some(message));
        }
    });
}

/// The local time zone's offset from UTC in minutes, east positive.
pub(super) fn tz_offset_minutes() -> i32 {
    -(js_sys::Date::new_0().get_timezone_offset() as i32)
}

/// Records `performance.now()` in an attribute of `<html>`.
fn stamp_root(attribute: &str) {
    if let Some(root) = dom::document().ok().and_then(|d| d.document_element()) {
        let _ = root.set_attribute(attribute, &stamp_now());
    }
}

fn stamp_now() -> String {
    crate::timers::stamp_now()
}
