//! Triage on the page (issue 18): the selection (`x`, a row's box, Shift-click for a range, `*a`/`*n`), the bar
//! of actions on it, report spam (`!`), move to a label (`v`, the label picker in its move mode), the toast
//! with Undo and `z`. The decisions are `gmux_core::triage`'s; the background does the work
//! (`Intent::Triage`, `Intent::Undo`) and changes the stored inbox; this file shows the change at once in a view
//! beyond it and puts back what the background says did not happen.

use gmux_core::inbox::ThreadRow;
use gmux_core::listing::{AccountLabelIds, View};
use gmux_core::messages::{Intent, SNOOZES_KEY};
use gmux_core::triage::{
    read_toggle_of, relabel_row, snooze_menu, star_toggle_of, ActionOrder, ActionRows, Selection,
    SnoozeChoice, Snoozes, TriageAction, TriageKey, TriageReply, SNOOZED_LABEL_NAME, UNDO_TOAST_MS,
};
use gmux_core::views::{MarkAllQuestion, Undo as ViewUndo};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::spawn_local;
use web_sys::{Document, Element};

use super::dom::{self, el, text_button};
use super::{find_row, read_page, row_of, rows_in_list, update, Page};
use crate::browser;
use crate::i18n::{t, t_with};
use crate::timers::sleep;

type Key = (String, String);

/// The page's part for triage.
#[derive(Default)]
pub(super) struct TriageUi {
    pub selection: Selection,
    /// `*` was the last key: `a` or `n` finish the chord.
    chord: bool,
    /// The toast shown: its words, whether it offers Undo, its number (a toast's timer hides only its own).
    toast: Option<(String, bool, u32)>,
    toast_seq: u32,
    /// The actions started here, in order: only the last one's answer shows its toast.
    order: ActionOrder,
    /// Rows of each action as a view beyond the stored inbox showed them before: its answer, or its undo's,
    /// puts them back.
    rows: ActionRows<ViewUndo>,
    /// Mark all read's question, waiting for the person's answer, and the list it is about.
    confirm: Option<MarkAllQuestion>,
    /// Actions sent to the background and not yet answered. While Gmail is changing many conversations, a page
    /// of a view fetched meanwhile would show some changed and some not, and keep that after an undo: the view
    /// asks for its next pages only once none is pending (`views::load_more_if_near_end`).
    pub in_flight: u32,
    /// The rows the snooze menu is open for.
    snoozing: Option<Vec<Key>>,
    /// Every account's snoozed conversations, as stored.
    snoozes: Snoozes,
    /// What the rows' boxes, the bar and the toast show, as drawn last.
    drawn: Drawn,
}

#[derive(Default)]
struct Drawn {
    rows: String,
    bar: String,
    toast: String,
}

/// The list's rows in order, as drawn.
fn order(page: &Page) -> Vec<Key> {
    page.drawn
        .iter()
        .map(|r| (r.row.account_id.clone(), r.row.thread_id.clone()))
        .collect()
}

/// What a triage key does; `true` when the page used it. `focused` is the row with focus.
pub(super) fn on_key(key: &str, focused: Option<Key>) -> bool {
    let after_star = read_page(|p| p.triage.chord).unwrap_or(false);
    let command = gmux_core::triage::triage_key(key, after_star);
    if after_star {
        update(|page| page.triage.chord = false);
    }
    let Some(command) = command else {
        return false;
    };
    match command {
        TriageKey::Chord => update(|page| page.triage.chord = true),
        TriageKey::SelectAll => update(|page| {
            let order = order(page);
            page.triage.selection.all(&order);
        }),
        TriageKey::SelectNone => update(|page| page.triage.selection.clear()),
        TriageKey::Undo => undo(),
        TriageKey::Select => {
            if let Some(key) = focused {
                toggle(key, false);
            }
        }
        TriageKey::Spam => act_on_targets(TriageAction::Spam, focused),
        TriageKey::Snooze => {
            let targets = targets(focused);
            if !targets.is_empty() {
                update(|page| page.triage.snoozing = Some(targets));
            }
        }
        TriageKey::Move => {
            let targets = targets(focused);
            if !targets.is_empty() {
                open_move(targets);
            }
        }
    }
    true
}

/// The selection, or else the focused row.
fn targets(focused: Option<Key>) -> Vec<Key> {
    let selected = read_page(|p| p.triage.selection.in_order(&order(p))).unwrap_or_default();
    if selected.is_empty() {
        focused.into_iter().collect()
    } else {
        selected
    }
}

fn act_on_targets(action: TriageAction, focused: Option<Key>) {
    let targets = targets(focused);
    if !targets.is_empty() {
        act(action, targets);
    }
}

/// Closes the snooze menu or mark all read's question (Escape, or Cancel); `true` when one was open. The focus
/// goes back to the row it was opened from.
pub(super) fn cancel_bar() -> bool {
    let open =
        read_page(|p| p.triage.confirm.is_some() || p.triage.snoozing.is_some()).unwrap_or(false);
    if open {
        leave_bar();
        update(|page| {
            page.triage.confirm = None;
            // The row `b` was pressed on is the one to go back to.
            if let Some([row]) = page.triage.snoozing.as_deref() {
                page.focused = Some(row.clone());
            }
            page.triage.snoozing = None;
        });
    }
    open
}

/// The bar above the list is about to change under the focus (an action taken from it, or its menu closed):
/// the focus leaves it, so the redraw gives it to the focused row (never lost to the page's body).
fn leave_bar() {
    let Some(active) = dom::document().ok().and_then(|d| d.active_element()) else {
        return;
    };
    if active.closest("#bulk").ok().flatten().is_some() {
        if let Some(active) = active.dyn_ref::<web_sys::HtmlElement>() {
            let _ = active.blur();
        }
    }
}

/// Whether rows are selected (the row shortcuts then act on them).
pub(super) fn has_selection() -> bool {
    read_page(|p| !p.triage.selection.is_empty()).unwrap_or(false)
}

/// `e`, `#`, `u`, `s` or the bar's buttons on the selection.
pub(super) fn on_selection(command: &str) {
    match command {
        "confirm-read" => return confirm_mark_all_read(),
        "cancel" => {
            cancel_bar();
            return;
        }
        "snooze-at" => {
            let ms = dom::document()
                .ok()
                .and_then(|d| d.get_element_by_id("snooze-at"))
                .map(|i| super::value_of(&i))
                .and_then(|v| parse_local_time(&v, super::tz_offset_minutes()));
            return match ms {
                Some(ms) => snooze(SnoozeChoice::At { ms }),
                None => update(|page| page.message = Some(t("chooseSnoozeTime"))),
            };
        }
        c if c.starts_with("snooze-") => {
            let menu = snooze_menu(js_sys::Date::now() as u64, super::tz_offset_minutes());
            if let Some((choice, _)) = c
                .trim_start_matches("snooze-")
                .parse::<usize>()
                .ok()
                .and_then(|i| menu.get(i))
            {
                snooze(*choice);
            }
            return;
        }
        _ => {}
    }
    let keys = read_page(|p| p.triage.selection.in_order(&order(p))).unwrap_or_default();
    if keys.is_empty() {
        return;
    }
    let rows: Vec<ThreadRow> =
        read_page(|p| keys.iter().filter_map(|(a, t)| find_row(p, a, t)).collect())
            .unwrap_or_default();
    let action = match command {
        "archive" => TriageAction::Archive,
        "trash" => TriageAction::Trash,
        "read" => read_toggle_of(&rows),
        "mark-read" => TriageAction::MarkRead,
        "mark-unread" => TriageAction::MarkUnread,
        "star" => star_toggle_of(&rows),
        "spam" => TriageAction::Spam,
        "move" => return open_move(keys),
        "snooze" => return update(|page| page.triage.snoozing = Some(keys)),
        "all" => {
            return update(|page| {
                let order = order(page);
                page.triage.selection.all(&order);
            })
        }
        "none" => return update(|page| page.triage.selection.clear()),
        _ => return,
    };
    act(action, keys);
}

/// A row's box, or `x`: selects or unselects it; with Shift, the rows from the last one chosen to it.
pub(super) fn toggle(key: Key, range: bool) {
    update(|page| {
        if range {
            let order = order(page);
            page.triage.selection.range(&order, key);
        } else {
            page.triage.selection.toggle(key);
        }
    });
}

/// Whether a click had Shift held.
pub(super) fn shift_held(event: &web_sys::Event) -> bool {
    js_sys::Reflect::get(event, &JsValue::from_str("shiftKey"))
        .ok()
        .and_then(|v| v.as_bool())
        .unwrap_or(false)
}

/// Runs an action on rows: shown at once (the background changes the stored inbox; a view beyond it changes
/// here), sent to the background, and the toast with Undo when it is done.
pub(super) fn act(action: TriageAction, keys: Vec<Key>) {
    act_as(action, keys, None);
}

/// [`act`]; with a snooze choice, the rows are snoozed (shown at once as archived: out of the inbox).
fn act_as(action: TriageAction, keys: Vec<Key>, snooze: Option<SnoozeChoice>) {
    let mut rows = Vec::new();
    let removes = matches!(
        action,
        TriageAction::Archive
            | TriageAction::Trash
            | TriageAction::Spam
            | TriageAction::Move { .. }
            | TriageAction::Snooze { .. }
    );
    leave_bar();
    // Focus moves on to the row after the last one acted on when they leave the list.
    if removes {
        let shown: Vec<Key> = rows_in_list().iter().filter_map(row_of).collect();
        let next = shown
            .iter()
            .skip_while(|k| !keys.contains(k))
            .find(|k| !keys.contains(k))
            .or_else(|| shown.iter().rev().find(|k| !keys.contains(k)))
            .cloned();
        update(|page| page.focused = next);
    }
    let mut handles = Vec::new();
    update(|page| {
        page.message = None;
        page.confirmation = None;
        for (a, t) in &keys {
            let Some(row) = find_row(page, a, t) else {
                continue;
            };
            if let Ok(step) = action.step(a) {
                let after = relabel_row(&row, &step.predict(&row.label_ids));
                if let Some(h) = page.views.session.show_row(&page.store, after) {
                    handles.push(h);
                }
            }
            rows.push(row);
        }
        page.triage.selection.clear();
        page.views.picker_moves = None;
        page.triage.snoozing = None;
    });
    if rows.is_empty() {
        return;
    }
    let snoozing = snooze.is_some();
    let intent = match snooze {
        Some(choice) => Intent::Snooze {
            rows,
            choice,
            utc_offset_minutes: super::tz_offset_minutes(),
        },
        None => Intent::Triage { action, rows },
    };
    let mut number = 0;
    update(|page| {
        page.triage.in_flight += 1;
        // The last action's toast goes: its Undo would now undo this action (the background undoes the latest),
        // not the one it names. This action's toast comes with its answer.
        page.triage.toast = None;
        number = page.triage.order.start();
        page.triage.rows.started(number, handles);
    });
    spawn_local(async move {
        let reply = match browser::send_message::<_, TriageReply>(&intent).await {
            Ok(reply) => reply,
            Err(e) => TriageReply {
                restore: keys.clone(),
                ..TriageReply::refused(t_with("backgroundNoAnswer", &[&e.to_string()]))
            },
        };
        if snoozing && reply.undo {
            // The first snooze makes the account's gmux/Snoozed label: the picker must offer it.
            update(super::views::forget_labels);
        }
        settle(reply, false, number);
    });
}

/// `z` or the toast's Undo: the last action put back, at Gmail and on the page.
pub(super) fn undo() {
    let mut number = 0;
    update(|page| {
        page.message = None;
        if let Some(t) = page.triage.toast.as_mut() {
            t.0 = crate::i18n::t("undoing");
            t.1 = false;
        }
        page.triage.in_flight += 1;
        number = page.triage.order.start();
    });
    spawn_local(async move {
        let reply = match browser::send_message::<_, TriageReply>(&Intent::Undo).await {
            Ok(reply) => reply,
            Err(e) => TriageReply::refused(t_with("backgroundNoAnswer", &[&e.to_string()])),
        };
        settle(reply, true, number);
    });
}

/// The background's answer to action `number`: rows it names go back as they were, failures become the page's
/// message, and the toast says what happened (with Undo when there is one), unless an action started after this
/// one (that one's toast comes with its own answer).
fn settle(reply: TriageReply, undoing: bool, number: u32) {
    let mut seq = 0;
    update(|page| {
        page.triage.in_flight = page.triage.in_flight.saturating_sub(1);
        let handles = page.triage.rows.answered(number, undoing);
        let mut kept = Vec::new();
        // An undo that fully worked puts back every row the action changed here (mark all read's undo names no
        // rows: it changes messages); otherwise only the rows the background names.
        let all = undoing && reply.ok;
        for h in handles {
            if all || reply.restore.contains(&h.key()) {
                page.views.session.undo(h);
            } else {
                kept.push(h);
            }
        }
        if !undoing {
            page.triage.rows.done(kept);
        }
        if !reply.failures.is_empty() {
            page.message = Some(reply.failures.join(" "));
        }
        if page.triage.order.is_latest(number) {
            page.triage.toast_seq += 1;
            seq = page.triage.toast_seq;
            page.triage.toast =
                (!reply.sentence.is_empty()).then(|| (reply.sentence.clone(), reply.undo, seq));
        }
    });
    // The pages a scroll asked for while the action was under way.
    super::views::load_more_if_near_end();
    // An answer a later action superseded set no toast, so it has none to hide.
    if seq == 0 {
        return;
    }
    spawn_local(async move {
        sleep(UNDO_TOAST_MS as i32).await;
        update(|page| {
            if page.triage.toast.as_ref().is_some_and(|t| t.2 == seq) {
                page.triage.toast = None;
            }
        });
    });
}

/// "Mark all read": every unread conversation of the list shown (one account when the list shows one alone)
/// at Gmail, the whole label and not only the rows loaded; above 50 conversations the background asks first.
pub(super) fn mark_all_read() {
    let Some((view, only)) = read_page(|p| {
        (
            p.views.session.view(),
            p.views.session.only().map(str::to_string),
        )
    }) else {
        return;
    };
    mark_all_read_of(view, only, false);
}

/// "Mark as read", the answer to mark all read's question: the list the question named.
fn confirm_mark_all_read() {
    let Some(Some(question)) = read_page(|p| p.triage.confirm.clone()) else {
        return;
    };
    mark_all_read_of(question.view, question.only, true);
}

fn mark_all_read_of(view: View, only: Option<String>, confirmed: bool) {
    let mut number = 0;
    update(|page| {
        page.message = None;
        page.triage.confirm = None;
        page.triage.toast_seq += 1;
        let seq = page.triage.toast_seq;
        page.triage.toast = Some((t("markingRead"), false, seq));
        page.triage.in_flight += 1;
        number = page.triage.order.start();
    });
    spawn_local(async move {
        let intent = Intent::MarkAllRead {
            view: view.clone(),
            account: only.clone(),
            confirmed,
        };
        let reply = match browser::send_message::<_, TriageReply>(&intent).await {
            Ok(reply) => reply,
            Err(e) => TriageReply::refused(t_with("backgroundNoAnswer", &[&e.to_string()])),
        };
        if let Some(question) = reply.confirm {
            update(|page| {
                page.triage.in_flight = page.triage.in_flight.saturating_sub(1);
                if page.triage.order.is_latest(number) {
                    page.triage.toast = None;
                }
                let question = MarkAllQuestion {
                    question,
                    view,
                    only,
                };
                // Asked after the person moved to another list: not shown (the draw drops it).
                page.triage.confirm = Some(question);
            });
            return super::views::load_more_if_near_end();
        }
        // A list beyond the stored inbox shows it here (the background reads the stored inbox again).
        if reply.undo {
            update(|page| {
                let session = &page.views.session;
                // Another list shown by now fetches its rows as they are.
                if session.is_inbox() || session.view() != view || session.only() != only.as_deref()
                {
                    return;
                }
                let rows = page.views.session.rows(&page.store, &page.settings);
                let mut handles = Vec::new();
                for row in rows.iter().filter(|r| r.unread) {
                    if only.as_deref().is_some_and(|o| o != row.account_id) {
                        continue;
                    }
                    let labels: Vec<String> = row
                        .label_ids
                        .iter()
                        .filter(|l| *l != "UNREAD")
                        .cloned()
                        .collect();
                    if let Some(h) = page
                        .views
                        .session
                        .show_row(&page.store, relabel_row(row, &labels))
                    {
                        handles.push(h);
                    }
                }
                page.triage.rows.started(number, handles);
            });
        }
        settle(reply, false, number);
    });
}

/// The snooze menu's choice: the rows it was opened for leave the list until then.
fn snooze(choice: SnoozeChoice) {
    let Some(keys) = read_page(|p| p.triage.snoozing.clone()).flatten() else {
        return;
    };
    act_as(TriageAction::Archive, keys, Some(choice));
}

/// A `datetime-local` input's value (`2026-03-05T18:30`) as Unix ms in the page's time zone.
fn parse_local_time(value: &str, utc_offset_minutes: i32) -> Option<u64> {
    let (date, time) = value.split_once('T')?;
    let mut d = date.split('-').map(|p| p.parse::<i64>().ok());
    let mut t = time.split(':').map(|p| p.parse::<i64>().ok());
    gmux_core::triage::from_local_time(
        d.next()??,
        d.next()??,
        d.next()??,
        t.next()??,
        t.next()??,
        utc_offset_minutes,
    )
}

/// A snoozed row's Unsnooze: back in the inbox now.
pub(super) fn unsnooze(key: Key) {
    let mut number = 0;
    update(|page| {
        page.message = None;
        page.triage.in_flight += 1;
        number = page.triage.order.start();
    });
    spawn_local(async move {
        let intent = Intent::Unsnooze {
            account: key.0.clone(),
            thread: key.1.clone(),
        };
        let reply = match browser::send_message::<_, TriageReply>(&intent).await {
            Ok(reply) => reply,
            Err(e) => TriageReply::refused(t_with("backgroundNoAnswer", &[&e.to_string()])),
        };
        if reply.ok {
            // It leaves the Snoozed view shown.
            update(|page| {
                let View::Label { ids, .. } = page.views.session.view() else {
                    return;
                };
                let Some(row) = find_row(page, &key.0, &key.1) else {
                    return;
                };
                let mut labels: Vec<String> = row
                    .label_ids
                    .iter()
                    .filter(|l| ids.get(&key.0) != Some(*l))
                    .cloned()
                    .collect();
                labels.push("INBOX".into());
                let _ = page
                    .views
                    .session
                    .show_row(&page.store, relabel_row(&row, &labels));
            });
        }
        settle(
            TriageReply {
                restore: Vec::new(),
                ..reply
            },
            false,
            number,
        );
    });
}

/// The snoozed conversations from storage (off the first row's path; then on every change).
pub(super) fn load_snoozes() {
    spawn_local(async {
        if let Ok(stored) = browser::storage_get_js(&[SNOOZES_KEY]).await {
            let value = browser::field(&stored, SNOOZES_KEY);
            update(|page| page.triage.snoozes = browser::from_js(value).unwrap_or_default());
        }
    });
}

/// A change of the stored snoozes.
pub(super) fn snoozes_changed(page: &mut Page, value: JsValue) {
    page.triage.snoozes = browser::from_js(value).unwrap_or_default();
}

/// Whether the list shown is the Snoozed label.
fn is_snoozed_view(page: &Page) -> bool {
    matches!(page.views.session.view(), View::Label { name, .. } if name.eq_ignore_ascii_case(SNOOZED_LABEL_NAME))
}

/// `v` or the bar's Move: the label picker opens to choose where the rows go.
fn open_move(keys: Vec<Key>) {
    super::views::open_picker_to_move(keys);
}

/// The picker's line chosen while moving: the rows go to that label, out of the view's label (or the inbox).
pub(super) fn move_to(to: AccountLabelIds) {
    let Some((keys, from)) = read_page(|p| {
        let from = match p.views.session.view() {
            View::Label { ids, .. } => Some(ids),
            _ => None,
        };
        p.views.picker_moves.clone().map(|k| (k, from))
    })
    .flatten() else {
        return;
    };
    // The picker's filter had focus: the list takes it back, so the keys go on working there.
    if let Some(active) = dom::document()
        .ok()
        .and_then(|d| d.active_element())
        .and_then(|a| a.dyn_into::<web_sys::HtmlElement>().ok())
    {
        let _ = active.blur();
    }
    super::views::close_picker();
    act(TriageAction::Move { to, from }, keys);
}

/// The rows' boxes, the bar of actions on the selection, the toast.
pub(super) fn draw(document: &Document, page: &mut Page) -> Result<(), JsValue> {
    let order = order(page);
    if page.first_row_painted {
        page.triage.selection.retain_shown(&order);
    }
    let selected = page.triage.selection.in_order(&order);
    // Each part is drawn again only when what it shows changes, so a click is never lost to a redraw that
    // replaced its button between press and release.
    let snoozed_view = is_snoozed_view(page);
    let rows_signature = format!(
        "{}|{}|{}|{}",
        page.list_generation,
        snoozed_view,
        page.triage.snoozes.next_alarm().unwrap_or_default(),
        selected
            .iter()
            .map(|(a, t)| format!("{a}/{t}"))
            .collect::<Vec<_>>()
            .join(",")
    );
    if page.triage.drawn.rows != rows_signature {
        page.triage.drawn.rows = rows_signature;
        for row in rows_in_list() {
            let on = row_of(&row).is_some_and(|k| selected.contains(&k));
            if on {
                row.set_attribute("data-selected", "")?;
            } else {
                row.remove_attribute("data-selected")?;
            }
            if let Ok(Some(b)) = row.query_selector(".select") {
                b.set_attribute("aria-checked", if on { "true" } else { "false" })?;
            }
            if snoozed_view {
                mark_snoozed(document, page, &row)?;
            }
        }
        if let Some(list) = document.get_element_by_id("inbox") {
            if selected.is_empty() {
                list.remove_attribute("data-selecting")?;
            } else {
                list.set_attribute("data-selecting", "")?;
            }
        }
    }
    // The question goes when the page shows another list: its answer would mark the one it names.
    let (view, only) = (page.views.session.view(), page.views.session.only());
    if page
        .triage
        .confirm
        .as_ref()
        .is_some_and(|q| !q.is_about(&view, only))
    {
        page.triage.confirm = None;
    }
    let mode = if let Some(question) = &page.triage.confirm {
        Bar::Confirm(question.question.clone())
    } else if let Some(keys) = &page.triage.snoozing {
        Bar::Snooze(keys.len())
    } else if !selected.is_empty() {
        Bar::Selection(selected.len())
    } else if snoozed_view {
        Bar::Note(t("snoozeNote"))
    } else {
        Bar::Hidden
    };
    let bar_signature = format!("{mode:?}");
    if page.triage.drawn.bar != bar_signature {
        page.triage.drawn.bar = bar_signature;
        draw_bulk(document, &mode)?;
        // The snooze menu and the question take the focus when they open, so the keyboard is where the choice is
        // (Escape closes them and gives it back).
        if matches!(mode, Bar::Snooze(_) | Bar::Confirm(_)) {
            if let Some(first) = document
                .query_selector("#bulk .bulk-button")?
                .and_then(|b| b.dyn_into::<web_sys::HtmlElement>().ok())
            {
                first.focus()?;
            }
        }
    }
    let toast = page.triage.toast.clone();
    let toast_signature = format!("{toast:?}");
    if page.triage.drawn.toast != toast_signature {
        page.triage.drawn.toast = toast_signature;
        draw_toast(document, toast.as_ref())?;
    }
    Ok(())
}

/// What the bar above the list shows.
#[derive(Debug)]
enum Bar {
    Hidden,
    Selection(usize),
    Confirm(String),
    /// The snooze menu, for this many rows.
    Snooze(usize),
    Note(String),
}

fn draw_bulk(document: &Document, mode: &Bar) -> Result<(), JsValue> {
    let Some(bar) = dom::clear(document, "bulk")? else {
        return Ok(());
    };
    bar.remove_attribute("data-mode")?;
    let n = match mode {
        Bar::Hidden => {
            bar.set_attribute("hidden", "")?;
            return Ok(());
        }
        Bar::Note(text) => {
            bar.remove_attribute("hidden")?;
            bar.set_attribute("data-mode", "note")?;
            dom::append(&bar, el(document, "span", "bulk-note", Some(text))?)?;
            return Ok(());
        }
        Bar::Confirm(question) => {
            bar.remove_attribute("hidden")?;
            bar.set_attribute("data-mode", "confirm")?;
            let q = el(document, "span", "bulk-count", Some(question))?;
            q.set_id("confirm-question");
            bar.append_child(&q)?;
            let yes = text_button(
                document,
                "bulk-button primary",
                &t("markAsRead"),
                "bulk-confirm-read",
            )?;
            yes.set_id("confirm-read");
            bar.append_child(&yes)?;
            dom::append(
                &bar,
                text_button(document, "bulk-button", &t("cancel"), "bulk-cancel")?,
            )?;
            return Ok(());
        }
        Bar::Snooze(n) => {
            bar.remove_attribute("hidden")?;
            bar.set_attribute("data-mode", "snooze")?;
            let what = if *n == 1 {
                t("snoozeUntil")
            } else {
                t_with("snoozeNUntil", &[&n.to_string()])
            };
            dom::append(&bar, el(document, "span", "bulk-count", Some(&what))?)?;
            let now = js_sys::Date::now() as u64;
            let tz = super::tz_offset_minutes();
            for (i, (choice, at)) in snooze_menu(now, tz).iter().enumerate() {
                let name = match choice {
                    SnoozeChoice::LaterToday => t("snoozeLaterToday"),
                    SnoozeChoice::TomorrowMorning => t("snoozeTomorrowMorning"),
                    SnoozeChoice::NextWeek => t("snoozeNextWeek"),
                    SnoozeChoice::At { .. } => t("snoozePickTime"),
                };
                let label = format!(
                    "{name} \u{b7} {}",
                    crate::i18n::snooze_menu_time(*at, now, tz)
                );
                let b = text_button(document, "bulk-button", &label, &format!("bulk-snooze-{i}"))?;
                b.set_id(&format!("snooze-{i}"));
                bar.append_child(&b)?;
            }
            let at = el(document, "input", "snooze-at", None)?;
            at.set_id("snooze-at");
            at.set_attribute("type", "datetime-local")?;
            at.set_attribute("aria-label", &t("snoozeUntilDateTime"))?;
            bar.append_child(&at)?;
            dom::append(
                &bar,
                text_button(document, "bulk-button", &t("snooze"), "bulk-snooze-at")?,
            )?;
            dom::append(
                &bar,
                text_button(document, "bulk-button", &t("cancel"), "bulk-cancel")?,
            )?;
            dom::append(
                &bar,
                el(document, "span", "bulk-note", Some(&t("snoozeNote")))?,
            )?;
            return Ok(());
        }
        Bar::Selection(n) => *n,
    };
    bar.remove_attribute("hidden")?;
    let count = el(
        document,
        "span",
        "bulk-count",
        Some(&t_with("nSelected", &[&n.to_string()])),
    )?;
    count.set_id("bulk-count");
    bar.append_child(&count)?;
    let buttons = [
        ("archive", t("bulkArchive"), "e"),
        ("trash", t("bulkDelete"), "#"),
        ("mark-read", t("bulkRead"), "Shift+I"),
        ("mark-unread", t("bulkUnread"), "Shift+U"),
        ("star", t("bulkStar"), "s"),
        ("spam", t("bulkSpam"), "!"),
        ("move", t("bulkMove"), "v"),
        ("snooze", t("bulkSnooze"), "b"),
        ("all", t("bulkAll"), "*a"),
        ("none", t("bulkNone"), "*n"),
    ];
    for (name, label, key) in buttons {
        let b = text_button(document, "bulk-button", &label, &format!("bulk-{name}"))?;
        b.set_attribute("title", &t_with("withKey", &[&label, key]))?;
        bar.append_child(&b)?;
    }
    Ok(())
}

fn draw_toast(document: &Document, toast: Option<&(String, bool, u32)>) -> Result<(), JsValue> {
    let Some(area) = dom::clear(document, "toast")? else {
        return Ok(());
    };
    // The area stays in the page, empty and out of sight (CSS `.toast:empty`), never `hidden`: it is the live
    // region that screen readers follow, and a region shown together with its words is not announced.
    area.remove_attribute("hidden")?;
    let Some((text, offers_undo, _)) = toast else {
        return Ok(());
    };
    dom::append(&area, el(document, "span", "toast-text", Some(text))?)?;
    if *offers_undo {
        let b = text_button(document, "toast-undo", &t("undo"), "undo")?;
        b.set_attribute("title", &t("undoKey"))?;
        b.set_id("undo");
        area.append_child(&b)?;
    }
    Ok(())
}

/// In the Snoozed view: when the row comes back, and Unsnooze.
fn mark_snoozed(document: &Document, page: &Page, row: &Element) -> Result<(), JsValue> {
    if let Ok(Some(old)) = row.query_selector(".snooze") {
        old.remove();
    }
    let Some((account, thread)) = row_of(row) else {
        return Ok(());
    };
    let Some(until) = page.triage.snoozes.until(&account, &thread) else {
        return Ok(());
    };
    let now = js_sys::Date::now() as u64;
    let tz = super::tz_offset_minutes();
    let line = el(document, "span", "snooze", None)?;
    dom::append(
        &line,
        el(
            document,
            "span",
            "snooze-until",
            Some(&t_with(
                "backAt",
                &[&crate::i18n::snooze_time(until, now, tz)],
            )),
        )?,
    )?;
    let b = text_button(document, "snooze-undo", &t("unsnooze"), "unsnooze")?;
    b.set_attribute("tabindex", "-1")?;
    line.append_child(&b)?;
    row.append_child(&line)?;
    Ok(())
}

/// A row's selection box: drawn with the row, its state set by [`draw`].
pub(super) fn select_box(document: &Document) -> Result<Element, JsValue> {
    let b = el(document, "span", "select", None)?;
    b.set_attribute("role", "checkbox")?;
    b.set_attribute("aria-checked", "false")?;
    b.set_attribute("aria-label", &t("selectKey"))?;
    b.set_attribute("title", &t("selectTitle"))?;
    b.set_attribute("data-action", "select")?;
    Ok(b)
}
