//! The popup and the new-tab page: account badges, notices, the merged inbox, the host's status line. The two
//! pages share this DOM; the stylesheet lays it out as a compact list or as full-width columns.

use gmux_core::inbox::{SyncHealth, ThreadRow};
use gmux_core::view::{DrawnRow, RowLook, RowSource};
use gmux_core::{text, view};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Document, Element, HtmlElement};

use super::{stamp_now, tz_offset_minutes, Page, PageKind};
use crate::dom::{self, el, icon_button, text_button, Icon};
use crate::i18n::{t, t_with};

/// Rows in the first draw when the window's height is unknown.
const FIRST_DRAW_ROWS: usize = 30;

/// The first draw puts in as many rows as the page could show, so the first paint is as full as the finished one
/// while costing a fraction of it. The heights come from gmux.css: the popup's list is 400 px tall and a row there
/// is at least 64 px (three lines: senders, subject, snippet); a new-tab row is at least 32 px (one line) in a list
/// no taller than the window. The
/// popup does not ask the window: a toolbar popup is still sizing itself to its content when this runs.
pub(super) fn first_draw_rows(kind: PageKind) -> usize {
    const POPUP_LIST_PX: f64 = 400.0;
    let (list_px, min_row_px) = match kind {
        PageKind::NewTab => (
            web_sys::window()
                .and_then(|w| w.inner_height().ok())
                .and_then(|h| h.as_f64())
                .filter(|h| *h > 0.0),
            32.0,
        ),
        _ => (Some(POPUP_LIST_PX), 64.0),
    };
    list_px.map_or(FIRST_DRAW_ROWS, |h| (h / min_row_px).ceil() as usize + 1)
}

pub(super) fn draw(page: &mut Page) -> Result<(), JsValue> {
    let document = dom::document()?;
    // The first draw puts in only what the first paint needs: the controls beyond the inbox come with the next.
    let painted_before = page.first_row_painted;
    // While a conversation is open the focus is the reader's: a redraw of the list must not take it. Beside the
    // conversation (a wide new tab) the opened row keeps it, also when the redraw replaces the row (marked read).
    let on_a_row = document
        .active_element()
        .is_some_and(|a| a.closest("#inbox").ok().flatten().is_some());
    let restore_focus = (page.reading.is_none() || on_a_row) && focus_is_in_list(&document);
    draw_badges(&document, page)?;
    draw_notices(&document, page)?;
    super::notifications::draw_page_control(&document, page)?;
    draw_list(&document, page)?;
    draw_status(&document, page)?;
    if painted_before {
        super::views::draw(&document, page)?;
        super::triage::draw(&document, page)?;
    }
    // Unless the draw gave the focus to something outside the list on purpose (a menu that opened).
    if restore_focus && focus_is_in_list(&document) {
        if let Some((account, thread)) = &page.focused {
            let selector = format!(
                "#inbox .row[data-account=\"{}\"][data-thread=\"{}\"]",
                css_escape(account),
                css_escape(thread)
            );
            if let Some(row) = document
                .query_selector(&selector)?
                .and_then(|r| r.dyn_into::<HtmlElement>().ok())
            {
                row.focus()?;
            }
        }
    }
    Ok(())
}

/// Ids come from Google and are alphanumeric, but a selector must not break on anything else.
fn css_escape(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '@' | '+'))
        .collect()
}

fn focus_is_in_list(document: &Document) -> bool {
    match document.active_element() {
        None => true,
        Some(active) => {
            active.tag_name() == "BODY" || active.closest("#inbox").ok().flatten().is_some()
        }
    }
}

fn account_email<'a>(page: &'a Page, id: &str) -> Option<&'a str> {
    page.store.account(id).map(|a| a.account.email.as_str())
}

fn draw_badges(document: &Document, page: &Page) -> Result<(), JsValue> {
    let Some(nav) = dom::clear(document, "accounts")? else {
        return Ok(());
    };
    for (order, inbox) in page.store.accounts.iter().enumerate() {
        let account = &inbox.account;
        let color = view::account_color(&page.status.accounts, &account.id, order);
        let badge = el(document, "span", "acct-badge", None)?;
        badge.set_attribute("style", &format!("--acct: {color}"))?;
        badge.set_attribute("data-account", &account.id)?;
        badge.set_attribute("data-health", health_name(account.health))?;

        let filter = el(document, "button", "acct-filter", None)?;
        filter.set_attribute("type", "button")?;
        filter.set_attribute("data-action", "filter")?;
        filter.set_attribute("data-account", &account.id)?;
        let pressed = page.views.session.only() == Some(account.id.as_str());
        filter.set_attribute("aria-pressed", if pressed { "true" } else { "false" })?;
        let primary_only = page.settings.account(&account.id).primary_only;
        let unread = account.shown_unread(primary_only);
        let words = [
            view::account_short_name(&account.email),
            view::unread_label(unread),
            account.email.clone(),
        ];
        let words = words.each_ref().map(String::as_str);
        let label = if primary_only && account.primary_unread.is_some() {
            t_with("accountChipPrimary", &words)
        } else {
            t_with("accountChip", &words)
        };
        filter.set_attribute("aria-label", &label)?;
        filter.set_attribute("title", &label)?;
        dom::append(&filter, el(document, "span", "acct-dot", None)?)?;
        dom::append(
            &filter,
            dom::mail_el(
                document,
                "span",
                "acct-name",
                &view::account_short_name(&account.email),
            )?,
        )?;
        // A space between name and count, which the flex layout does not draw, so the chip's text reads
        // "ada 15" as its accessible name begins, not "ada15".
        filter.append_child(&document.create_text_node(" "))?;
        let count = el(
            document,
            "span",
            "acct-count",
            Some(&view::unread_label(unread)),
        )?;
        if unread == 0 {
            count.set_attribute("data-zero", "")?;
        }
        filter.append_child(&count)?;
        // Its progress in what the list shows: a spinner while it syncs or loads, a mark when it failed (from the
        // second draw on: the first one is the first paint's).
        let progress = page
            .first_row_painted
            .then(|| super::views::account_progress(page, &account.id))
            .flatten();
        match progress {
            Some(gmux_core::views::Progress::Loading) => {
                badge.set_attribute("data-progress", "loading")?;
                let spinner = el(document, "span", "spinner", None)?;
                spinner.set_attribute("aria-hidden", "true")?;
                filter.append_child(&spinner)?;
            }
            Some(gmux_core::views::Progress::Failed { sentence }) => {
                badge.set_attribute("data-progress", "failed")?;
                filter.set_attribute(
                    "title",
                    &t_with(
                        "accountFailedTitle",
                        &[
                            &account.email,
                            &super::views::failure_words(page, &sentence),
                        ],
                    ),
                )?;
                let mark = el(document, "span", "acct-failed", Some("!"))?;
                mark.set_attribute("aria-hidden", "true")?;
                filter.append_child(&mark)?;
            }
            _ => {}
        }
        badge.append_child(&filter)?;
        if account.health == SyncHealth::ReauthRequired {
            let reconnect = text_button(document, "reconnect", &t("reconnect"), "reconnect")?;
            reconnect.set_attribute("data-account", &account.id)?;
            reconnect
                .set_attribute("aria-label", &t_with("reconnectAccount", &[&account.email]))?;
            badge.append_child(&reconnect)?;
        }
        nav.append_child(&badge)?;
    }
    Ok(())
}

fn health_name(health: SyncHealth) -> &'static str {
    match health {
        SyncHealth::Ok => "ok",
        SyncHealth::ReauthRequired => "reauth_required",
        SyncHealth::Offline => "offline",
        SyncHealth::Failing => "failing",
    }
}

/// "Add account" or "Reconnect" that did not finish (consent denied, the tab closed, Google refused): the
/// host's sentence and a way to try again.
pub(super) fn add_failed_notice(
    document: &Document,
    page: &Page,
) -> Result<Option<Element>, JsValue> {
    let Some(error) = &page.status.add_error else {
        return Ok(None);
    };
    let reason = if error.trim().is_empty() {
        t("signInDidNotFinish")
    } else {
        error.to_string()
    };
    let text = t_with("accountNotAdded", &[&reason]);
    let box_ = dom::notice(document, "add_failed", &text)?;
    box_.set_attribute("role", "alert")?;
    dom::append(
        &box_,
        text_button(document, "link", &t("tryAgain"), "add-account")?,
    )?;
    Ok(Some(box_))
}

fn draw_notices(document: &Document, page: &Page) -> Result<(), JsValue> {
    let Some(area) = dom::clear(document, "notices")? else {
        return Ok(());
    };
    if let Some(failed) = add_failed_notice(document, page)? {
        area.append_child(&failed)?;
    }
    for (kind, text) in super::views::notices(page) {
        let box_ = dom::notice(document, kind, &text)?;
        if kind != "view_changed" {
            box_.set_attribute("role", "alert")?;
        }
        area.append_child(&box_)?;
    }
    if let Some(message) = &page.message {
        let failed = dom::notice(document, "failed", message)?;
        failed.set_attribute("role", "alert")?;
        dom::append(
            &failed,
            text_button(document, "link", &t("dismiss"), "dismiss")?,
        )?;
        area.append_child(&failed)?;
    }
    super::offline::draw_notices(document, &area, &page.status.offline)?;
    let reauth: Vec<&gmux_core::inbox::Account> = page
        .store
        .accounts
        .iter()
        .map(|a| &a.account)
        .filter(|a| a.health == SyncHealth::ReauthRequired)
        .collect();
    let emails: Vec<&str> = reauth.iter().map(|a| a.email.as_str()).collect();
    let reauth_text = match emails.as_slice() {
        [] => None,
        [one] => Some(t_with("reauthOne", &[one])),
        many => Some(t_with("reauthMany", &[&many.join(", ")])),
    };
    if let Some(text) = reauth_text {
        let reauth_box = dom::notice(document, "reauth", &text)?;
        for account in &reauth {
            let button = text_button(document, "reconnect", &t("reconnect"), "reconnect")?;
            button.set_attribute("data-account", &account.id)?;
            if reauth.len() > 1 {
                button.set_text_content(Some(&t_with(
                    "reconnectAccount",
                    &[&view::account_short_name(&account.email)],
                )));
            }
            reauth_box.append_child(&button)?;
        }
        area.append_child(&reauth_box)?;
    }
    let accounts: Vec<gmux_core::inbox::Account> = page
        .store
        .accounts
        .iter()
        .map(|a| a.account.clone())
        .collect();
    if let Some(stale) = view::stale_state(&accounts) {
        let text = stale_words(&stale, js_sys::Date::now() as u64, tz_offset_minutes());
        dom::append(&area, dom::notice(document, "stale", &text)?)?;
    }
    Ok(())
}

fn draw_list(document: &Document, page: &mut Page) -> Result<(), JsValue> {
    let Some(list) = document.get_element_by_id("inbox") else {
        return Ok(());
    };
    let Some(empty) = dom::clear(document, "empty")? else {
        return Ok(());
    };
    empty.set_attribute("hidden", "")?;
    empty.remove_attribute("data-state")?;
    let clear = |page: &mut Page| {
        list.set_text_content(None);
        page.drawn.clear();
        page.list_generation += 1;
    };

    if page.store.accounts.is_empty() {
        clear(page);
        page.rows_available = 0;
        // Until the host has answered, the cached (empty) store says nothing for sure: keep the space quiet.
        if page.status.is_connected() && page.status.accounts.is_empty() {
            empty.remove_attribute("hidden")?;
            empty.set_attribute("data-state", "no_accounts")?;
            dom::append(
                &empty,
                el(document, "p", "empty-title", Some(&t("noAccountsYet")))?,
            )?;
            dom::append(
                &empty,
                el(document, "p", "empty-text", Some(&t("noAccountsYetText")))?,
            )?;
            dom::append(
                &empty,
                text_button(document, "primary", &t("addAccount"), "add-account")?,
            )?;
        } else if page.status.is_connected() {
            // The host knows accounts the store has not synced yet: the first sync is under way.
            empty.remove_attribute("hidden")?;
            empty.set_attribute("data-state", "loading")?;
            dom::append(
                &empty,
                el(document, "p", "empty-text", Some(&t("fetchingMail")))?,
            )?;
        }
        return Ok(());
    }

    let rows: Vec<ThreadRow> = page.views.session.rows(&page.store, &page.settings);
    page.rows_available = rows.len();
    if rows.is_empty() {
        clear(page);
        let text = match super::views::empty_text(page) {
            Some(text) => text,
            None => {
                let filtered_to = page
                    .views
                    .session
                    .only()
                    .and_then(|id| account_email(page, id));
                match filtered_to {
                    None => t("inboxZero"),
                    Some(email) => t_with("nothingInInbox", &[email]),
                }
            }
        };
        // A view still loading keeps the space quiet (its spinner is under the list).
        if !text.is_empty() {
            empty.remove_attribute("hidden")?;
            empty.set_attribute("data-state", "empty")?;
            dom::append(&empty, el(document, "p", "empty-title", Some(&text))?)?;
        }
        return Ok(());
    }

    let now = js_sys::Date::now() as u64;
    let tz = tz_offset_minutes();
    let order: Vec<String> = page
        .store
        .accounts
        .iter()
        .map(|a| a.account.id.clone())
        .collect();
    let focused_present = page
        .focused
        .as_ref()
        .is_some_and(|(a, t)| rows.iter().any(|r| &r.account_id == a && &r.thread_id == t));
    let focus_target = match &page.focused {
        Some(key) if focused_present => key.clone(),
        _ => (rows[0].account_id.clone(), rows[0].thread_id.clone()),
    };
    // The first draw puts only what fits on screen in the DOM so the browser paints it sooner; the rest follows
    // once the page has had a frame.
    // The same holds while the page has only the store's head, which is exact for the first screen alone. After
    // that the list holds the rows a person has come near, `super::ROWS_AHEAD` at a time.
    let limit = if page.first_row_painted && !page.partial {
        page.rows_wanted.max(super::ROWS_AHEAD)
    } else {
        first_draw_rows(page.kind)
    };

    let colors: Vec<String> = order
        .iter()
        .enumerate()
        .map(|(position, id)| view::account_color(&page.status.accounts, id, position))
        .collect();
    // A list drawn again keeps at least the rows it showed, so a reader scrolled far down stays put.
    let end = rows.len().min(limit).max(page.drawn.len().min(rows.len()));
    let wanted: Vec<DrawnRow> = rows[..end]
        .iter()
        .map(|row| {
            let position = order
                .iter()
                .position(|id| *id == row.account_id)
                .unwrap_or(0);
            DrawnRow {
                row: row.clone(),
                look: RowLook {
                    color: colors[position.min(colors.len().saturating_sub(1))].clone(),
                    pending: page
                        .status
                        .offline
                        .is_pending(&row.account_id, &row.thread_id),
                    date_form: view::date_form(row.date_ms, now, tz),
                },
            }
        })
        .collect();
    // The rows already drawn stay where their conversation and what its row shows are unchanged (moved if they
    // must be); only the others are built. Before the first paint the list may hold early.js's first screen, which
    // is replaced whole, as is a list something else changed.
    if !(page.first_row_painted
        && page.drawn_tz == Some(tz)
        && list.child_element_count() as usize == page.drawn.len())
    {
        clear(page);
    }
    let old: Vec<Element> =
        std::iter::successors(list.first_element_child(), |e| e.next_element_sibling()).collect();
    let sources = view::reuse_rows(&page.drawn, &wanted);
    let mut kept = vec![false; old.len()];
    for source in &sources {
        if let RowSource::Kept(index) = source {
            kept[*index] = true;
        }
    }
    let mut changed = false;
    for (element, kept) in old.iter().zip(&kept) {
        if !kept {
            element.remove();
            changed = true;
        }
    }
    let mut cursor = list.first_element_child();
    for (drawn, source) in wanted.iter().zip(&sources) {
        let row = &drawn.row;
        let is_focus_target = focus_target.0 == row.account_id && focus_target.1 == row.thread_id;
        let item = match source {
            RowSource::Kept(index) => {
                let item = old[*index].clone();
                // The row in the tab order moves without the rows being drawn again.
                let tabindex = if is_focus_target { "0" } else { "-1" };
                if item.get_attribute("tabindex").as_deref() != Some(tabindex) {
                    item.set_attribute("tabindex", tabindex)?;
                }
                item
            }
            RowSource::New => {
                changed = true;
                let email = account_email(page, &row.account_id).unwrap_or_default();
                let item = draw_row(
                    document,
                    row,
                    email,
                    &drawn.look.color,
                    now,
                    tz,
                    is_focus_target,
                )?;
                if drawn.look.pending {
                    super::offline::mark_pending(document, &item)?;
                }
                item
            }
        };
        if cursor.as_ref() == Some(&item) {
            cursor = item.next_element_sibling();
        } else {
            list.insert_before(&item, cursor.as_ref().map(|c| c.as_ref()))?;
        }
    }
    page.drawn = wanted;
    page.drawn_tz = Some(tz);
    if changed {
        page.list_generation += 1;
    }
    // For the bench: the page has the whole store and drew past its first screen (it waits for this before it
    // opens the next page).
    if !page.partial && page.first_row_painted && !list.has_attribute("data-rows-settled") {
        list.set_attribute("data-rows-settled", "")?;
    }
    if !page.first_row_painted {
        page.first_row_painted = true;
        // The stamps for the bench, unless early.js made them already for a first screen it showed (the rows
        // were in, and painted, before this draw).
        if !list.has_attribute("data-first-row-ms") {
            list.set_attribute("data-first-row-ms", &stamp_now())?;
            // When the first row is painted, not only inserted: Chromium's Element Timing reports the subject's
            // paint, and every browser stamps the next animation frame (the bench compares both with a blank
            // page).
            if let Some(subject) = list.query_selector(".row .subject")? {
                subject.set_attribute("elementtiming", "first-row")?;
            }
            stamp_next_frame("data-first-row-frame-ms");
        }
        // The rest of the rows, and the controls beyond the inbox, come once the first rows are painted.
        wasm_bindgen_futures::spawn_local(async {
            crate::timers::sleep(0).await;
            super::redraw();
            // A list too short to fill the screen asks for more at once.
            super::views::load_more_if_near_end();
        });
    }
    Ok(())
}

/// Stamps `data-<name>` on the document element in the next animation frame.
fn stamp_next_frame(name: &'static str) {
    let stamp = wasm_bindgen::closure::Closure::once_into_js(move || {
        if let Some(root) = dom::document().ok().and_then(|d| d.document_element()) {
            let _ = root.set_attribute(name, &stamp_now());
        }
    });
    if let Some(window) = web_sys::window() {
        let _ = window.request_animation_frame(stamp.unchecked_ref());
    }
}

fn draw_row(
    document: &Document,
    row: &ThreadRow,
    email: &str,
    color: &str,
    now: u64,
    tz: i32,
    focus_target: bool,
) -> Result<Element, JsValue> {
    let mut class = String::from("row");
    if row.unread {
        class.push_str(" unread");
    }
    if row.starred {
        class.push_str(" starred");
    }
    let item = el(document, "li", &class, None)?;
    item.set_attribute("data-account", &row.account_id)?;
    item.set_attribute("data-thread", &row.thread_id)?;
    item.set_attribute("style", &format!("--acct: {color}"))?;
    // One row is in the tab order at a time (a roving tabindex); arrows and j/k move between rows.
    item.set_attribute("tabindex", if focus_target { "0" } else { "-1" })?;
    let senders = text::display_text(&view::senders_line(&row.senders));
    let subject = if text::is_blank_text(&row.subject) {
        crate::i18n::t("noSubject")
    } else {
        text::display_text(&row.subject)
    };
    item.set_attribute(
        "aria-label",
        &if row.unread {
            t_with(
                "rowLabelUnread",
                &[&senders, &view::label_subject(&subject), email],
            )
        } else {
            t_with(
                "rowLabel",
                &[&senders, &view::label_subject(&subject), email],
            )
        },
    )?;

    dom::append(&item, super::triage::select_box(document)?)?;
    let chip = el(document, "span", "chip", None)?;
    chip.set_attribute("title", email)?;
    chip.set_attribute("aria-hidden", "true")?;
    item.append_child(&chip)?;
    dom::append(
        &item,
        dom::mail_el(
            document,
            "span",
            "acct-col",
            &view::account_short_name(email),
        )?,
    )?;

    let from = el(document, "span", "from", None)?;
    dom::append(&from, dom::mail_el(document, "span", "senders", &senders)?)?;
    if let Some(count) = view::message_count_label(row.message_count) {
        let count = el(document, "span", "count", Some(&count))?;
        count.set_attribute(
            "title",
            &t_with("nMessages", &[&row.message_count.to_string()]),
        )?;
        from.append_child(&count)?;
    }
    item.append_child(&from)?;

    let text = el(document, "span", "text", None)?;
    dom::append(&text, dom::mail_el(document, "span", "subject", &subject)?)?;
    dom::append(
        &text,
        dom::mail_el(
            document,
            "span",
            "snippet",
            // A snippet that shows nothing leaves the column empty, without the new tab's dash before it.
            &if text::is_blank_text(&row.snippet) {
                String::new()
            } else {
                text::display_text(&row.snippet)
            },
        )?,
    )?;
    item.append_child(&text)?;

    let date = el(
        document,
        "time",
        "date",
        Some(&crate::i18n::shown_date(row.date_ms, now, tz)),
    )?;
    date.set_attribute("title", &crate::i18n::full_date(row.date_ms, tz))?;
    item.append_child(&date)?;

    item.append_child(&row_actions(document, row.unread, row.starred)?)?;
    Ok(item)
}

thread_local! {
    /// The action buttons for each (unread, starred) row state, built once: a row clones its set, one call
    /// instead of some sixty, which is most of what drawing a row costs.
    static ACTION_TEMPLATES: std::cell::RefCell<[Option<Element>; 4]> = const { std::cell::RefCell::new([None, None, None, None]) };
}

/// A row's buttons: archive, trash, read or unread, star or unstar, open.
fn row_actions(document: &Document, unread: bool, starred: bool) -> Result<web_sys::Node, JsValue> {
    let slot = usize::from(unread) * 2 + usize::from(starred);
    let cached = ACTION_TEMPLATES.with(|t| t.borrow()[slot].clone());
    let template = match cached {
        Some(template) => template,
        None => {
            let built = build_row_actions(document, unread, starred)?;
            ACTION_TEMPLATES.with(|t| t.borrow_mut()[slot] = Some(built.clone()));
            built
        }
    };
    template.clone_node_with_deep(true)
}

fn build_row_actions(document: &Document, unread: bool, starred: bool) -> Result<Element, JsValue> {
    let actions = el(document, "span", "actions", None)?;
    dom::append(
        &actions,
        icon_button(document, Icon::Archive, &t("archiveKey"), "archive")?,
    )?;
    dom::append(
        &actions,
        icon_button(document, Icon::Trash, &t("deleteKey"), "trash")?,
    )?;
    let (icon, label) = if unread {
        (Icon::MarkRead, t("markReadKey"))
    } else {
        (Icon::MarkUnread, t("markUnreadKey"))
    };
    dom::append(&actions, icon_button(document, icon, &label, "read")?)?;
    let (icon, label) = if starred {
        (Icon::Star, t("unstarKey"))
    } else {
        (Icon::StarOutline, t("starKey"))
    };
    let star = icon_button(document, icon, &label, "star")?;
    star.set_attribute("aria-pressed", if starred { "true" } else { "false" })?;
    actions.append_child(&star)?;
    dom::append(
        &actions,
        icon_button(document, Icon::Open, &t("openInGmailKey"), "open")?,
    )?;
    Ok(actions)
}

/// The host's status: a quiet line under the inbox when all is well, a card that says what to do otherwise.
/// `#status` gets `data-painted-ms` only once the background has settled it.
pub(super) fn draw_status(document: &Document, page: &Page) -> Result<(), JsValue> {
    let Some(card) = dom::clear(document, "status-card")? else {
        return Ok(());
    };
    let unsettled;
    let status = if page.status_settled {
        &page.status
    } else {
        unsettled = gmux_core::status::Status::default();
        &unsettled
    };
    let view = status_words(status);
    card.set_attribute("data-state", view.state)?;
    let line = el(document, "div", "status-line", None)?;
    dom::append(&line, el(document, "span", "dot", None)?)?;
    let headline = el(document, "p", "headline", Some(&view.headline))?;
    headline.set_id("status");
    headline.set_attribute("data-state", view.state)?;
    line.append_child(&headline)?;
    if page.status.is_connected() {
        if let Some(ms) = page.status.last_sync_ms {
            let when = crate::i18n::shown_date(ms, js_sys::Date::now() as u64, tz_offset_minutes());
            let sync = if page.status.syncing {
                t("syncing")
            } else {
                t_with("syncedWhen", &[&when])
            };
            dom::append(&line, el(document, "span", "sync-line", Some(&sync))?)?;
        }
    }
    card.append_child(&line)?;
    if let Some(detail) = &view.detail {
        dom::append(&card, el(document, "p", "detail", Some(detail))?)?;
    }
    if let Some(command) = view.command {
        let block = el(document, "pre", "command", None)?;
        let code = el(document, "code", "", Some(command))?;
        code.set_id("install-command");
        block.append_child(&code)?;
        card.append_child(&block)?;
    }
    if let Some(hint) = &view.hint {
        dom::append(&card, el(document, "p", "hint", Some(hint))?)?;
    }
    if page.status_settled {
        headline.set_attribute("data-painted-ms", &stamp_now())?;
    }
    Ok(())
}

/// The status in the browser's language: core's `StatusView` says which state and command, the catalogue the words
/// (keyed by the state); the reason a host or browser gave stays as it came, a technical sentence.
fn status_words(status: &gmux_core::status::Status) -> gmux_core::status::StatusView {
    use gmux_core::status::HostState;
    let mut view = status.view();
    let reason = host_problem_words(status.host_problem.as_ref());
    let reason = reason.trim_end_matches('.');
    let (headline, detail, hint) = match status.host {
        HostState::Connecting => (t("statusConnecting"), None, None),
        HostState::Connected => (
            t_with(
                "statusConnected",
                &[status.host_version.as_deref().unwrap_or_default()],
            ),
            Some(t("statusConnectedDetail")),
            None,
        ),
        HostState::Missing => (
            t("statusMissing"),
            Some(t("statusMissingDetail")),
            Some(t_with(
                "statusMissingHint",
                &[gmux_core::status::CHECKOUT_INSTALL_COMMAND],
            )),
        ),
        HostState::NotConfigured => (
            t("statusNotConfigured"),
            Some(t("statusNotConfiguredDetail")),
            Some(t("statusNotConfiguredHint")),
        ),
        HostState::Untrusted => (
            t("statusUntrusted"),
            Some(t_with("statusUntrustedDetail", &[reason])),
            None,
        ),
        HostState::Failed => (
            t("statusFailed"),
            Some(t_with("statusFailedDetail", &[reason])),
            Some(t("statusFailedHint")),
        ),
    };
    view.headline = headline;
    view.detail = detail;
    view.hint = hint;
    view
}

/// What went wrong with gmux-host, in the browser's language; the browser's and the host's own reasons are
/// quoted as they came.
fn host_problem_words(problem: Option<&gmux_core::status::HostProblem>) -> String {
    use gmux_core::status::HostProblem;
    match problem {
        None => t("hostStopped"),
        Some(HostProblem::NotFound { .. }) => t("statusMissing"),
        Some(HostProblem::Stopped { reason }) if reason.trim().is_empty() => t("hostStopped"),
        Some(HostProblem::Stopped { reason }) => {
            t_with("hostStoppedBecause", &[reason.trim().trim_end_matches('.')])
        }
        Some(HostProblem::TimedOut { seconds }) => {
            t_with("hostTimedOut", &[&crate::i18n::number(u64::from(*seconds))])
        }
        Some(HostProblem::OtherProtocol {
            host_version,
            protocol,
        }) => t_with(
            "hostOtherProtocol",
            &[
                host_version,
                &protocol.to_string(),
                &gmux_core::protocol::PROTOCOL_VERSION.to_string(),
            ],
        ),
        Some(HostProblem::UnreadableHello { error }) => t_with("hostUnreadableHello", &[error]),
        Some(HostProblem::HelloRefused { code, message }) => t_with(
            "hostRefusedHello",
            &[message.trim().trim_end_matches('.'), code],
        ),
        Some(HostProblem::NoOAuthClient) => t("statusNotConfigured"),
        Some(HostProblem::Untrusted { base }) => t_with(
            "hostUntrustedBase",
            &[base, gmux_core::trust::GOOGLE_GMAIL_BASE],
        ),
        Some(HostProblem::BackgroundNoAnswer { error }) => {
            t_with("backgroundNoAnswer", &[error.trim_end_matches('.')])
        }
    }
}

/// The stale banner in the browser's language (core's `stale_notice` is its English).
fn stale_words(stale: &view::StaleState, now_ms: u64, tz: i32) -> String {
    let when = stale.as_of_ms.map(|ms| {
        if view::date_form(ms, now_ms, tz) == view::DateForm::Yesterday {
            t("yesterdayInSentence")
        } else {
            crate::i18n::shown_date(ms, now_ms, tz)
        }
    });
    let mut text = match (stale.offline, &stale.account, &when) {
        (true, None, Some(when)) => t_with("staleOffline", &[when]),
        (true, Some(email), Some(when)) => t_with("staleOfflineFor", &[email, when]),
        (true, None, None) => t("staleOfflineNothing"),
        (true, Some(email), None) => t_with("staleOfflineForNothing", &[email]),
        (false, None, Some(when)) => t_with("staleFailing", &[when]),
        (false, Some(email), Some(when)) => t_with("staleFailingFor", &[email, when]),
        (false, None, None) => t("staleFailingNothing"),
        (false, Some(email), None) => t_with("staleFailingForNothing", &[email]),
    };
    if let Some(cause) = &stale.detail {
        text.push(' ');
        text.push_str(&crate::i18n::cause_words(cause, true));
    }
    text
}
