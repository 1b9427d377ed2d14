//! Beyond the stored inbox, on the popup and the new tab: the search box (`/` focuses it; recent searches under
//! it), the category tabs, the label picker, Refresh (`Shift+R`), loading more as the list's end comes into
//! view, and each account's progress. The list itself is `gmux_core::views::ViewSession`; this file runs its
//! fetches (one runtime message per account and page, see `background/views.rs`) and draws the controls.
//!
//! None of it is on the first draw's path: the controls are static HTML with their space kept, and the wasm
//! fills them in the redraw after the first rows are painted.

use gmux_core::inbox::InboxStore;
use gmux_core::listing::{
    category_tabs, lines_of_account, store_categories, AccountLabelIds, Category, Debounce,
    LabelColor, NodeKind, PickerEntry, RecentSearches, View,
};
use gmux_core::messages::{Intent, IntentError, IntentReply, RECENT_SEARCHES_KEY};
use gmux_core::views::{
    self as core_views, Fetch, LabelsFailure, LabelsReply, PageReply, Progress, ViewNotice,
    ViewSession,
};
use gmux_core::{text, view};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::spawn_local;
use web_sys::{Document, Element, HtmlElement};

use super::dom::{self, el, text_button};
use super::{update, with_page, Page};
use crate::browser;
use crate::i18n::{t, t_with};
use crate::timers::sleep;

/// A row: (account id, thread id).
type Key = (String, String);

/// How close to the list's end (in pixels) the next pages are asked for.
const LOAD_AHEAD_PX: f64 = 600.0;

/// The page's part for views.
#[derive(Default)]
pub(super) struct ViewsUi {
    pub session: ViewSession,
    debounce: Debounce,
    labels: Option<LabelsReply>,
    labels_loading: bool,
    /// A label changed in Gmail (one shown was gone): the next picker asks past the background's memory.
    labels_stale: bool,
    picker_open: bool,
    /// The rows the picker moves (triage's Move to), while it is open to choose where; `None` when it opens
    /// a label's view.
    pub picker_moves: Option<Vec<Key>>,
    picker_filter: String,
    /// The views of the picker's entries as drawn, by index.
    picker_views: Vec<View>,
    recent: RecentSearches,
    suggestions_open: bool,
    /// What the view bar and the picker show, as drawn last: each is drawn again only when it changes, so a
    /// click is never lost to a redraw that replaced its button between press and release.
    viewbar_drawn: String,
    picker_drawn: String,
    suggestions_drawn: String,
    /// Counts the label lists received, for the picker's signature.
    labels_version: u32,
}

fn now() -> u64 {
    js_sys::Date::now() as u64
}

/// A [`PageReply`] read field by field (see `browser::send_message_js`); its rows through serde, as the
/// stored inbox's are.
fn read_page_reply(value: &JsValue) -> PageReply {
    let ok = browser::field(value, "ok").as_bool().unwrap_or(false);
    if !ok {
        let code = browser::string_field(value, "code").and_then(|c| IntentError::parse(&c));
        return PageReply::failed(
            code.unwrap_or(IntentError::Internal),
            browser::string_field(value, "error").unwrap_or_else(|| t("didNotWork")),
        );
    }
    PageReply::page(
        browser::from_js(browser::field(value, "rows")).unwrap_or_default(),
        browser::string_field(value, "next_page_token"),
    )
}

/// A [`LabelsReply`] read field by field.
fn read_labels_reply(value: &JsValue) -> LabelsReply {
    let kind = |k: Option<String>| match k.as_deref() {
        Some("system") => NodeKind::System,
        Some("all_mail") => NodeKind::AllMail,
        Some("user") => NodeKind::User,
        _ => NodeKind::Heading,
    };
    let entries = browser::array_field(value, "entries")
        .iter()
        .map(|e| {
            let color = browser::field(e, "color");
            PickerEntry {
                depth: browser::field(e, "depth").as_f64().unwrap_or(0.0) as u32,
                name: browser::string_field(e, "name").unwrap_or_default(),
                path: browser::string_field(e, "path").unwrap_or_default(),
                kind: kind(browser::string_field(e, "kind")),
                color: LabelColor::checked(
                    &browser::string_field(&color, "text").unwrap_or_default(),
                    &browser::string_field(&color, "background").unwrap_or_default(),
                ),
                ids: browser::string_entries(&browser::field(e, "ids"))
                    .into_iter()
                    .collect(),
                key: browser::string_field(e, "key").unwrap_or_default(),
            }
        })
        .collect();
    let failures = browser::array_field(value, "failures")
        .iter()
        .map(|f| LabelsFailure {
            email: browser::string_field(f, "email").unwrap_or_default(),
            sentence: browser::string_field(f, "sentence").unwrap_or_default(),
        })
        .collect();
    LabelsReply {
        entries,
        failures,
        error: browser::string_field(value, "error"),
    }
}

/// Asks the background for each page, and takes each answer as it comes.
pub(super) fn run(fetches: Vec<Fetch>) {
    for fetch in fetches {
        spawn_local(async move {
            let reply = match browser::send_message_js(&fetch.intent()).await {
                Ok(reply) => read_page_reply(&reply),
                Err(e) => PageReply::failed(
                    IntentError::Internal,
                    t_with("backgroundNoAnswer", &[&e.to_string()]),
                ),
            };
            let mut next = Vec::new();
            let mut reply = Some(reply);
            with_page(&mut |page| {
                let Some(reply) = reply.take() else { return };
                next = page.views.session.answer(&fetch, reply);
                // A label that is gone: the picker must not offer it any more.
                if page.views.session.is_inbox() && page.views.session.notice().is_some() {
                    page.views.labels = None;
                    page.views.labels_stale = true;
                }
            });
            run(next);
            draw_answers_next_frame();
        });
    }
}

thread_local! {
    /// Whether a frame is already asked for to draw the answers in.
    static ANSWERS_TO_DRAW: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Draws every answer that came in since the last frame, once, in the next animation frame. Twenty accounts
/// answer a search within a few milliseconds of each other, and a draw of the growing list takes tens of
/// milliseconds: drawn one by one, each answer waited for the draws of all before it.
fn draw_answers_next_frame() {
    if ANSWERS_TO_DRAW.with(|asked| asked.replace(true)) {
        return;
    }
    spawn_local(async {
        crate::timers::next_frame(ANSWERS_DRAWN_WITHIN_MS).await;
        ANSWERS_TO_DRAW.with(|asked| asked.set(false));
        super::redraw();
        load_more_if_near_end();
    });
}

/// The longest an answer waits for its frame: a page in a background tab gets none, and still draws.
const ANSWERS_DRAWN_WITHIN_MS: i32 = 100;

/// Shows `view` (the inbox, a tab, a label, a search).
pub(super) fn open(view: View, fresh: bool) {
    let mut fetches = Vec::new();
    update(|page| {
        page.views.picker_open = false;
        page.views.suggestions_open = false;
        fetches = page.views.session.open(view, &page.store, fresh);
        page.focused = None;
    });
    scroll_to_top();
    run(fetches);
    load_more_if_near_end();
}

/// One account alone (an account badge), or all again, in the view shown.
pub(super) fn set_only(account: Option<String>) {
    let mut fetches = Vec::new();
    update(|page| {
        fetches = page.views.session.set_only(account, &page.store);
        page.views.picker_open = false;
    });
    run(fetches);
    load_more_if_near_end();
}

/// Refresh: every account synced now (the status shows its progress) and the view asked again.
pub(super) fn refresh() {
    let mut fetches = Vec::new();
    update(|page| {
        page.message = None;
        page.status.syncing = true;
        fetches = page.views.session.refresh(&page.store);
        if page.views.picker_open {
            page.views.labels = None;
        }
    });
    run(fetches);
    if picker_is_open() {
        load_labels(true);
    }
    super::send(Intent::SyncNow);
    load_more_if_near_end();
}

/// Asks for the next pages when the list's end is within [`LOAD_AHEAD_PX`] of the screen (scrolled there, or a
/// list too short to fill it).
pub(super) fn load_more_if_near_end() {
    // The foot says whether there is more to load (drawn from the list's progress): at the list's end,
    // scrolling costs nothing, not even a layout read.
    let foot = dom::document()
        .ok()
        .and_then(|d| d.get_element_by_id("list-foot"))
        .filter(|f| f.get_attribute("data-state").as_deref() != Some("end"));
    let near = foot.as_ref().is_some_and(|foot| {
        let top = foot.get_bounding_client_rect().top();
        let height = web_sys::window()
            .and_then(|w| w.inner_height().ok())
            .and_then(|h| h.as_f64())
            .unwrap_or(600.0);
        top < height + LOAD_AHEAD_PX
    });
    if !near {
        return;
    }
    // First the rows the page has and has not put in the list yet, then Gmail's older pages.
    let mut drawn_before = None;
    super::with_page(&mut |page| {
        if page.first_row_painted && !page.partial && page.drawn.len() < page.rows_available {
            page.rows_wanted = page.drawn.len() + super::ROWS_AHEAD;
            drawn_before = Some(page.drawn.len());
        }
    });
    if let Some(before) = drawn_before {
        super::redraw();
        let mut drawn = before;
        super::with_page(&mut |page| drawn = page.drawn.len());
        if drawn > before {
            // A screen taller than what came in asks again.
            return load_more_if_near_end();
        }
    }
    if foot.and_then(|f| f.get_attribute("data-state")).as_deref() != Some("more") {
        return;
    }
    let mut fetches = Vec::new();
    // The head's accounts look as if they had older mail beyond their few rows: ask only of the whole store. And
    // not while a triage action is changing conversations at Gmail (it asks again when it is done).
    super::with_page(&mut |page| {
        if !page.partial && page.triage.in_flight == 0 {
            fetches = page.views.session.more(&page.store);
        }
    });
    if !fetches.is_empty() {
        super::redraw();
        run(fetches);
    }
}

fn scroll_to_top() {
    if let Ok(document) = dom::document() {
        if let Ok(Some(area)) = document.query_selector(".inbox-area") {
            area.set_scroll_top(0);
        }
        if let Some(root) = document.document_element() {
            root.set_scroll_top(0);
        }
    }
}

/// The search box's text changed: the search runs once typing pauses, or the inbox comes back when it is
/// emptied.
pub(super) fn on_search_input(text: String) {
    let started = now();
    let mut back_to_inbox = false;
    update(|page| {
        page.views.debounce.input(&text, started);
        page.views.suggestions_open = text.trim().is_empty() || !page.views.recent.items.is_empty();
        back_to_inbox = text.trim().is_empty() && !page.views.session.is_inbox();
    });
    if back_to_inbox {
        update(|page| {
            page.views.debounce.flush();
        });
        open(View::Inbox, false);
        return;
    }
    spawn_local(async move {
        sleep(gmux_core::listing::SEARCH_DEBOUNCE_MS as i32 + 10).await;
        let mut due = None;
        super::with_page(&mut |page| due = page.views.debounce.poll(now()));
        if let Some(query) = due {
            open(View::Search { query }, false);
        }
    });
}

/// Enter in the search box: now, and kept among the recent searches. Escape: back to the inbox.
pub(super) fn on_search_key(key: &str, text: String) -> bool {
    match key {
        "Enter" => {
            let mut due = None;
            update(|page| {
                page.views.debounce.input(&text, now());
                due = page.views.debounce.flush();
                page.views.suggestions_open = false;
            });
            let query = text.trim().to_string();
            if query.is_empty() {
                return true;
            }
            remember(&query);
            // The same search again (Enter after the pause already ran it) is asked afresh.
            let fresh = due.is_none();
            open(View::Search { query }, fresh);
            true
        }
        "Escape" => {
            set_search_text("");
            update(|page| {
                page.views.debounce.input("", now());
                page.views.debounce.flush();
                page.views.suggestions_open = false;
            });
            open(View::Inbox, false);
            blur_search();
            true
        }
        _ => false,
    }
}

/// Runs a recent search chosen under the box.
pub(super) fn run_recent(query: String) {
    set_search_text(&query);
    update(|page| {
        page.views.debounce.input(&query, now());
        page.views.debounce.flush();
    });
    remember(&query);
    open(View::Search { query }, false);
}

/// Keeps a search among the recent ones (the background writes them; the box reads them again when focused).
fn remember(query: &str) {
    let query = query.to_string();
    spawn_local(async move {
        // Keeping a search is a nicety: a refusal is not worth a message.
        let _ = browser::send_message::<_, IntentReply>(&Intent::RememberSearch { query }).await;
    });
}

/// A row of a search was opened or acted on: the search was worth keeping.
pub(super) fn remember_current_search() {
    let query = super::read_page(|p| match p.views.session.view() {
        View::Search { query } => Some(query),
        _ => None,
    })
    .flatten();
    if let Some(query) = query {
        remember(&query);
    }
}

fn set_search_text(text: &str) {
    if let Some(input) = search_input() {
        let _ = js_sys::Reflect::set(
            &input,
            &JsValue::from_str("value"),
            &JsValue::from_str(text),
        );
    }
}

fn search_input() -> Option<Element> {
    dom::document().ok()?.get_element_by_id("search")
}

/// `/`: focus the search box.
pub(super) fn focus_search() {
    if let Some(input) = search_input().and_then(|i| i.dyn_into::<HtmlElement>().ok()) {
        let _ = input.focus();
    }
}

fn blur_search() {
    if let Some(input) = search_input().and_then(|i| i.dyn_into::<HtmlElement>().ok()) {
        let _ = input.blur();
    }
}

/// The search box got focus: the recent searches (read from storage now, off the first draw's path).
pub(super) fn on_search_focus() {
    update(|page| page.views.suggestions_open = true);
    spawn_local(async {
        if let Ok(stored) = browser::storage_get_js(&[RECENT_SEARCHES_KEY]).await {
            let recent = RecentSearches {
                items: browser::array_field(&browser::field(&stored, RECENT_SEARCHES_KEY), "items")
                    .iter()
                    .filter_map(JsValue::as_string)
                    .collect(),
            };
            update(|page| page.views.recent = recent);
        }
    });
}

pub(super) fn on_search_blur() {
    // Drawn once the focus has arrived where it is going: during `focusout` the focus is on the page's body,
    // which a redraw takes for a row that left the list and would give the focus to the last row focused (Tab
    // from the search box then jumped into the list).
    spawn_local(async {
        sleep(0).await;
        update(|page| page.views.suggestions_open = false);
    });
}

/// Opens or closes the label picker; its labels are asked for when it opens.
pub(super) fn toggle_picker() {
    let mut load = false;
    update(|page| {
        page.views.picker_open = !page.views.picker_open;
        page.views.picker_filter.clear();
        page.views.picker_moves = None;
        load = page.views.picker_open && page.views.labels.is_none();
    });
    if load {
        load_labels(false);
    }
    focus_picker_filter();
}

pub(super) fn close_picker() {
    // With the focus inside the picker (Escape from its filter), hiding it would drop the focus to the page's
    // start; it goes back to the button that opened the picker instead (WCAG 2.4.3). A click elsewhere keeps the
    // focus where the click put it.
    let document = dom::document().ok();
    let within = document.as_ref().is_some_and(|d| {
        d.active_element()
            .and_then(|a| a.closest("#label-picker").ok().flatten())
            .is_some()
    });
    let moving = is_moving();
    if within && moving {
        // Opened by `v` on a row: the focus goes back to that row (the redraw gives it to the focused row).
        if let Some(active) = document
            .as_ref()
            .and_then(|d| d.active_element())
            .and_then(|a| a.dyn_into::<HtmlElement>().ok())
        {
            let _ = active.blur();
        }
    }
    update(|page| {
        page.views.picker_open = false;
        // The row `v` was pressed on is the one to go back to.
        if let Some([row]) = page.views.picker_moves.as_deref() {
            page.focused = Some(row.clone());
        }
        page.views.picker_moves = None;
    });
    if within && !moving {
        if let Some(button) = document
            .and_then(|d| d.get_element_by_id("labels-button"))
            .and_then(|b| b.dyn_into::<HtmlElement>().ok())
        {
            let _ = button.focus();
        }
    }
}

/// Opens the label picker (the triage's Move to uses it to choose where).
pub(super) fn open_picker() {
    let mut load = false;
    update(|page| {
        page.views.picker_open = true;
        page.views.picker_filter.clear();
        page.views.picker_drawn.clear();
        load = page.views.labels.is_none();
    });
    if load {
        load_labels(false);
    }
    focus_picker_filter();
}

pub(super) fn picker_is_open() -> bool {
    super::read_page(|p| p.views.picker_open).unwrap_or(false)
}

fn focus_picker_filter() {
    spawn_local(async {
        sleep(0).await;
        if let Some(input) = dom::document()
            .ok()
            .and_then(|d| d.get_element_by_id("picker-filter"))
            .and_then(|i| i.dyn_into::<HtmlElement>().ok())
        {
            let _ = input.focus();
        }
    });
}

fn load_labels(fresh: bool) {
    let mut stale = false;
    update(|page| {
        page.views.labels_loading = true;
        stale = page.views.labels_stale;
    });
    let fresh = fresh || stale;
    spawn_local(async move {
        let reply = match browser::send_message_js(&Intent::Labels { fresh }).await {
            Ok(reply) => read_labels_reply(&reply),
            Err(e) => LabelsReply {
                error: Some(t_with("backgroundNoAnswer", &[&e.to_string()])),
                ..Default::default()
            },
        };
        update(|page| {
            page.views.labels = Some(reply);
            page.views.labels_version += 1;
            page.views.labels_stale = false;
            page.views.labels_loading = false;
        });
    });
}

/// Labels changed in Gmail (the snooze label made): the next picker reads them afresh.
pub(super) fn forget_labels(page: &mut Page) {
    page.views.labels = None;
    page.views.labels_stale = true;
}

pub(super) fn on_picker_filter(text: String) {
    update(|page| page.views.picker_filter = text);
}

/// A picker entry, by its index as drawn: its label's view opens, or, while the picker moves rows, the label's
/// ids are returned for triage to move them there.
pub(super) fn choose_label(index: usize) -> Option<AccountLabelIds> {
    let view = super::read_page(|p| p.views.picker_views.get(index).cloned()).flatten();
    if is_moving() {
        return match view {
            Some(View::Label { ids, .. }) => Some(ids),
            _ => None,
        };
    }
    if let Some(view) = view {
        open(view, false);
    }
    None
}

/// Whether the picker is choosing where to move rows.
fn is_moving() -> bool {
    super::read_page(|p| p.views.picker_moves.is_some()).unwrap_or(false)
}

/// Opens the label picker to choose where `keys` go.
pub(super) fn open_picker_to_move(keys: Vec<Key>) {
    update(|page| page.views.picker_moves = Some(keys));
    open_picker();
}

/// A category tab (`inbox` for the whole inbox).
pub(super) fn choose_tab(name: &str) {
    let view = Category::ALL
        .into_iter()
        .find(|c| c.search_word() == name)
        .map_or(View::Inbox, |category| View::Category { category });
    open(view, false);
}

/// Each account's progress in the view shown: the sync's for the inbox, the view's pages otherwise.
pub(super) fn account_progress(page: &Page, account: &str) -> Option<Progress> {
    if page.views.session.is_inbox() && page.status.syncing_accounts.iter().any(|a| a == account) {
        return Some(Progress::Loading);
    }
    page.views
        .session
        .progress(&page.store)
        .into_iter()
        .find(|(a, _)| a == account)
        .map(|(_, p)| p)
}

/// The controls, drawn once the first rows are painted.
pub(super) fn draw(document: &Document, page: &mut Page) -> Result<(), JsValue> {
    draw_refresh(document, page)?;
    draw_viewbar(document, page)?;
    draw_picker(document, page)?;
    draw_suggestions(document, page)?;
    draw_foot(document, page)?;
    Ok(())
}

fn draw_refresh(document: &Document, page: &Page) -> Result<(), JsValue> {
    if let Some(button) = document.get_element_by_id("refresh") {
        let busy = page.status.syncing || page.views.session.is_loading(&page.store);
        button.set_attribute("aria-busy", if busy { "true" } else { "false" })?;
    }
    Ok(())
}

fn tab(document: &Document, name: &str, label: &str, selected: bool) -> Result<Element, JsValue> {
    let button = text_button(document, "tab", label, "tab")?;
    button.set_attribute("role", "tab")?;
    button.set_attribute("data-tab", name)?;
    button.set_attribute("aria-selected", if selected { "true" } else { "false" })?;
    Ok(button)
}

fn draw_viewbar(document: &Document, page: &mut Page) -> Result<(), JsValue> {
    if let Some(button) = document.get_element_by_id("labels-button") {
        button.set_attribute(
            "aria-expanded",
            if page.views.picker_open {
                "true"
            } else {
                "false"
            },
        )?;
    }
    let shown = page.views.session.view();
    let tabs = category_tabs(&store_categories(&page.store));
    let accounts = &page.store.accounts;
    let primary_known =
        !accounts.is_empty() && accounts.iter().all(|a| a.account.primary_unread.is_some());
    let primary_unread: u64 = accounts
        .iter()
        .filter_map(|a| a.account.primary_unread)
        .sum();
    let color = match &shown {
        View::Label { ids, .. } => label_color(page, ids),
        _ => None,
    };
    // Drawn again only when it changes, so a click is never lost to a redraw between press and release.
    let words: Vec<&str> = tabs.iter().map(|c| c.search_word()).collect();
    let signature = format!(
        "{}|{}|{}|{}|{}",
        core_views::view_title(&shown),
        words.join(","),
        primary_known,
        primary_unread,
        color.as_deref().unwrap_or_default()
    );
    if page.views.viewbar_drawn == signature {
        return Ok(());
    }
    page.views.viewbar_drawn = signature;
    // The tab with the focus (Enter on it changed the view, which draws the bar again) keeps it in the new bar.
    let focused_tab = document
        .active_element()
        .filter(|a| a.closest("#tabs").ok().flatten().is_some())
        .map(|a| a.get_attribute("data-tab").unwrap_or_default());
    let Some(bar) = dom::clear(document, "tabs")? else {
        return Ok(());
    };
    match core_views::tab_of(&shown) {
        Some(selected) => {
            bar.set_attribute("role", "tablist")?;
            bar.set_attribute("data-mode", "tabs")?;
            let inbox = tab(document, "inbox", &t("inbox"), selected.is_none())?;
            bar.append_child(&inbox)?;
            for category in tabs {
                let button = tab(
                    document,
                    category.search_word(),
                    &category_words(category),
                    selected == Some(category),
                )?;
                if category == Category::Primary && primary_known {
                    let unread: u64 = accounts
                        .iter()
                        .filter_map(|a| a.account.primary_unread)
                        .sum();
                    if unread > 0 {
                        let count = el(
                            document,
                            "span",
                            "tab-count",
                            Some(&view::unread_label(unread)),
                        )?;
                        button.append_child(&count)?;
                    }
                }
                bar.append_child(&button)?;
            }
        }
        None => {
            bar.remove_attribute("role")?;
            bar.set_attribute("data-mode", "title")?;
            let back = text_button(document, "back", &t("backInbox"), "back")?;
            back.set_attribute("aria-label", &t("backToInbox"))?;
            bar.append_child(&back)?;
            let title = el(document, "span", "view-title", Some(&view_words(&shown)))?;
            title.set_attribute("title", &view_words(&shown))?;
            if let Some(color) = &color {
                title.set_attribute("style", &format!("--label: {color}"))?;
                title.set_attribute("data-colour", "")?;
            }
            bar.append_child(&title)?;
        }
    }
    if let Some(name) = focused_tab {
        let buttons = bar.query_selector_all("button")?;
        let same = (0..buttons.length())
            .filter_map(|i| buttons.item(i)?.dyn_into::<HtmlElement>().ok())
            .find(|b| b.get_attribute("data-tab").unwrap_or_default() == name);
        let first = bar
            .query_selector("button")?
            .and_then(|b| b.dyn_into::<HtmlElement>().ok());
        if let Some(button) = same.or(first) {
            button.focus()?;
        }
    }
    Ok(())
}

/// The background colour of a label shown, from the labels read for the picker.
fn label_color(page: &Page, ids: &AccountLabelIds) -> Option<String> {
    let labels = page.views.labels.as_ref()?;
    labels
        .entries
        .iter()
        .find(|e| e.ids.iter().any(|(a, id)| ids.get(a) == Some(id)))
        .and_then(|e| e.color.as_ref())
        .map(|c| c.background.clone())
}

fn draw_picker(document: &Document, page: &mut Page) -> Result<(), JsValue> {
    let Some(panel) = document.get_element_by_id("label-picker") else {
        return Ok(());
    };
    if !page.views.picker_open {
        panel.set_attribute("hidden", "")?;
        page.views.picker_views.clear();
        page.views.picker_drawn.clear();
        return Ok(());
    }
    panel.remove_attribute("hidden")?;
    let moving = page.views.picker_moves.is_some();
    let signature = format!(
        "{}|{}|{}|{}|{}|{moving}",
        page.views.labels.is_some(),
        page.views.labels_version,
        page.views.picker_filter,
        page.views.session.only().unwrap_or_default(),
        core_views::view_title(&page.views.session.view())
    );
    if page.views.picker_drawn == signature {
        return Ok(());
    }
    page.views.picker_drawn = signature;
    // The filter box is kept across redraws so typing in it is not interrupted.
    if document.get_element_by_id("picker-filter").is_none() {
        let filter = el(document, "input", "picker-filter", None)?;
        filter.set_id("picker-filter");
        filter.set_attribute("type", "search")?;
        filter.set_attribute("placeholder", &t("filterLabels"))?;
        filter.set_attribute("aria-label", &t("filterLabels"))?;
        filter.set_attribute("autocomplete", "off")?;
        panel.append_child(&filter)?;
    }
    let list = match document.get_element_by_id("picker-list") {
        Some(list) => {
            list.set_text_content(None);
            list
        }
        None => {
            let list = el(document, "ul", "picker-list", None)?;
            list.set_id("picker-list");
            list.set_attribute("role", "menu")?;
            panel.append_child(&list)?;
            list
        }
    };
    page.views.picker_views.clear();
    let Some(labels) = &page.views.labels else {
        dom::append(&list, picker_note(document, Some(&t("loadingLabels")))?)?;
        return Ok(());
    };
    if let Some(error) = &labels.error {
        dom::append(&list, picker_note(document, Some(error))?)?;
        return Ok(());
    }
    let typed = page.views.picker_filter.trim().to_string();
    let filtering = !typed.is_empty();
    let current = page.views.session.view();
    let accounts = page.store.accounts.len();
    let alone = page.views.session.only().is_some();
    let mut drawn = 0;
    let mut user_heading = false;
    if moving {
        // A named separator, as the Labels heading: the one such thing a menu may hold.
        let section = el(document, "li", "picker-section", Some(&t("moveTo")))?;
        section.set_attribute("role", "separator")?;
        section.set_attribute("aria-label", &t("moveTo"))?;
        dom::append(&list, section)?;
    }
    // With one account shown alone, its own labels (each still naming every account's, so the view chosen can
    // show all accounts again).
    let lines = lines_of_account(&labels.entries, page.views.session.only());
    for entry in lines.into_iter().map(|i| &labels.entries[i]) {
        // Without a filter the tree is drawn whole (headings included); with one, the matches flat.
        if filtering && !entry.matches(&typed) {
            continue;
        }
        // Moving: only labels a conversation can be put in (not All Mail, Sent, Drafts, Trash or Spam, which
        // have their own actions).
        if moving
            && (entry.kind == NodeKind::AllMail
                || (entry.kind == NodeKind::System && entry.path != "INBOX"))
        {
            continue;
        }
        drawn += 1;
        let system = matches!(entry.kind, NodeKind::System | NodeKind::AllMail);
        if !system && !user_heading && !filtering {
            user_heading = true;
            // A heading inside a menu: a named separator is the one such thing a menu may hold.
            let section = el(document, "li", "picker-section", Some(&t("labels")))?;
            section.set_attribute("role", "separator")?;
            section.set_attribute("aria-label", &t("labels"))?;
            dom::append(&list, section)?;
        }
        let item = el(document, "li", "picker-item", None)?;
        item.set_attribute("role", "none")?;
        let button = el(document, "button", "picker-entry", None)?;
        button.set_attribute("type", "button")?;
        button.set_attribute("role", "menuitem")?;
        let depth = if filtering { 0 } else { entry.depth };
        button.set_attribute("style", &format!("--depth: {depth}"))?;
        button.set_attribute("data-depth", &entry.depth.to_string())?;
        button.set_attribute("data-kind", kind_name(entry.kind))?;
        button.set_attribute("data-path", &entry.path)?;
        match entry.view() {
            Some(v) => {
                button.set_attribute("data-action", "label")?;
                button.set_attribute("data-index", &page.views.picker_views.len().to_string())?;
                if v == current {
                    button.set_attribute("aria-current", "true")?;
                }
                page.views.picker_views.push(v);
            }
            None => button.set_attribute("disabled", "")?,
        }
        let swatch = el(document, "span", "swatch", None)?;
        swatch.set_attribute("aria-hidden", "true")?;
        if let Some(color) = &entry.color {
            swatch.set_attribute("style", &format!("--label: {}", color.background))?;
            swatch.set_attribute("data-colour", "")?;
        }
        button.append_child(&swatch)?;
        let name = if filtering && entry.kind == NodeKind::User {
            entry.path.replace('/', " \u{203a} ")
        } else {
            entry.name.clone()
        };
        dom::append(
            &button,
            el(
                document,
                "span",
                "picker-name",
                Some(&text::display_text(&name)),
            )?,
        )?;
        // A label only some accounts have says which.
        if !alone && entry.kind == NodeKind::User && entry.ids.len() < accounts {
            let which: Vec<String> = entry
                .ids
                .keys()
                .filter_map(|a| page.store.account(a))
                .map(|a| view::account_short_name(&a.account.email))
                .collect();
            dom::append(
                &button,
                el(document, "span", "picker-accounts", Some(&which.join(", ")))?,
            )?;
        }
        item.append_child(&button)?;
        list.append_child(&item)?;
    }
    if drawn == 0 {
        dom::append(&list, picker_note(document, Some(&t("noLabelMatches")))?)?;
    }
    for failure in &labels.failures {
        let text = format!("{}: {}", failure.email, failure.sentence);
        dom::append(&list, picker_note(document, Some(&text))?)?;
    }
    Ok(())
}

fn kind_name(kind: NodeKind) -> &'static str {
    match kind {
        NodeKind::System => "system",
        NodeKind::AllMail => "all",
        NodeKind::User => "user",
        NodeKind::Heading => "heading",
    }
}

fn draw_suggestions(document: &Document, page: &mut Page) -> Result<(), JsValue> {
    let typed = search_input()
        .and_then(|i| js_sys::Reflect::get(&i, &JsValue::from_str("value")).ok())
        .and_then(|v| v.as_string())
        .unwrap_or_default();
    let matching: Vec<&str> = page
        .views
        .recent
        .matching(&typed)
        .into_iter()
        .filter(|q| q.trim() != typed.trim())
        .take(6)
        .collect();
    let open = page.views.suggestions_open && !matching.is_empty();
    let signature = if open {
        matching.join("\n")
    } else {
        String::new()
    };
    if page.views.suggestions_drawn == signature {
        return Ok(());
    }
    page.views.suggestions_drawn = signature;
    let Some(list) = dom::clear(document, "search-suggestions")? else {
        return Ok(());
    };
    if !open {
        list.set_attribute("hidden", "")?;
        return Ok(());
    }
    list.remove_attribute("hidden")?;
    dom::append(
        &list,
        el(
            document,
            "li",
            "suggestion-title",
            Some(&t("recentSearches")),
        )?,
    )?;
    for query in matching {
        let item = el(document, "li", "", None)?;
        let button = text_button(document, "suggestion", query, "recent")?;
        button.set_attribute("data-query", query)?;
        item.append_child(&button)?;
        list.append_child(&item)?;
    }
    Ok(())
}

/// Under the list: a spinner while pages load, else whether there is more.
fn draw_foot(document: &Document, page: &Page) -> Result<(), JsValue> {
    let Some(foot) = dom::clear(document, "list-foot")? else {
        return Ok(());
    };
    let session = &page.views.session;
    let loading = session.is_loading(&page.store);
    let state = if loading {
        "loading"
    } else if session.has_more(&page.store) || page.drawn.len() < page.rows_available {
        // More to load from Gmail, or rows the page has and has not put in the list yet.
        "more"
    } else {
        "end"
    };
    foot.set_attribute("data-state", state)?;
    if loading {
        let spinner = el(document, "span", "spinner", None)?;
        spinner.set_attribute("aria-hidden", "true")?;
        foot.append_child(&spinner)?;
        let words = if session.is_inbox() || !page.drawn.is_empty() {
            t("loadingMore")
        } else {
            t("loading")
        };
        dom::append(&foot, el(document, "span", "", Some(&words))?)?;
    }
    Ok(())
}

/// An account's failure in the view shown, in the browser's language: a refused search inside the page's own
/// sentence (the reason is Gmail's), the background's words otherwise, "that did not work" when it gave none.
pub(super) fn failure_words(page: &Page, sentence: &str) -> String {
    match page.views.session.notice() {
        Some(ViewNotice::SearchRefused { reason }) if reason == sentence => {
            t_with("searchRefused", &[reason.trim()])
        }
        _ if sentence.is_empty() => t("didNotWork"),
        _ => sentence.to_string(),
    }
}

/// The sentences the view adds to the notices: why it changed by itself or Gmail refused a search, and each
/// account that failed in it, named.
pub(super) fn notices(page: &Page) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    let session = &page.views.session;
    let refused = match session.notice() {
        Some(ViewNotice::SearchRefused { reason }) => {
            out.push(("search_error", t_with("searchRefused", &[reason.trim()])));
            Some(reason.as_str())
        }
        Some(ViewNotice::LabelGone { name }) => {
            out.push(("view_changed", t_with("labelGoneShowingInbox", &[name])));
            None
        }
        None => None,
    };
    if session.is_inbox() {
        return out;
    }
    for (account, progress) in session.progress(&page.store) {
        if let Progress::Failed { sentence } = progress {
            // A refused search is said once, under the box, not per account.
            if refused == Some(sentence.as_str()) {
                continue;
            }
            let sentence = if sentence.is_empty() {
                t("didNotWork")
            } else {
                sentence
            };
            let email = page
                .store
                .account(&account)
                .map(|a| a.account.email.clone())
                .unwrap_or(account);
            out.push(("account_failed", format!("{email}: {sentence}")));
        }
    }
    out
}

/// What an empty list says for the view shown, `None` for the inbox (which says its own).
pub(super) fn empty_text(page: &Page) -> Option<String> {
    let session = &page.views.session;
    if session.is_inbox() {
        return None;
    }
    if session.is_loading(&page.store) {
        return Some(String::new());
    }
    let view = session.view();
    Some(match &view {
        View::Search { query } => t_with("noMatch", &[query.trim()]),
        View::Category { category } => t_with("nothingIn", &[&category_words(*category)]),
        other => t_with("noConversationsIn", &[&view_words(other)]),
    })
}

/// A Gmail category's name in the browser's language.
pub(super) fn category_words(category: Category) -> String {
    match category {
        Category::Primary => t("categoryPrimary"),
        Category::Social => t("categorySocial"),
        Category::Promotions => t("categoryPromotions"),
        Category::Updates => t("categoryUpdates"),
        Category::Forums => t("categoryForums"),
    }
}

/// A view's title in the browser's language (core's `view_title` is its English); a label is its own name.
pub(super) fn view_words(view: &View) -> String {
    match view {
        View::Inbox => t("inbox"),
        View::Category { category } => category_words(*category),
        View::AllMail => t("allMail"),
        View::Search { query } => t_with("resultsFor", &[query.trim()]),
        View::Label { .. } => core_views::view_title(view),
    }
}

/// The store changed: accounts removed leave every list.
pub(super) fn follow_store(page: &mut Page) {
    let store: &InboxStore = &page.store;
    page.views.session.follow_accounts(store);
}

/// A line of the label picker that is not a label (loading, an error, no match): a disabled item, so a person
/// moving through the menu with a screen reader hears it, and the menu holds only what a menu may.
fn picker_note(document: &Document, text: Option<&str>) -> Result<Element, JsValue> {
    let note = el(document, "li", "picker-note", text)?;
    note.set_attribute("role", "menuitem")?;
    note.set_attribute("aria-disabled", "true")?;
    Ok(note)
}
