//! Triage on the page (issue 18): the selection (`x`, a row's box, Shift-click for a range, `*a`/`*n`), the bar
//! of actions on it, report spam (`!`), move to a label (`v`, the label picker in its move mode), the toast
//! with Undo and `z`. The decisions are `gmux_core::triage`'s; the background does the work
//! (`Intent::Triage`, `Intent::Undo`) and changes the stored inbox; this file shows the change at once in a view
//! beyond it and puts back what the background says did not happen.

use gmux_core::inbox::ThreadRow;
use gmux_core::listing::{AccountLabelIds, View};
use gmux_core::messages::Intent;
use gmux_core::triage::{
    read_toggle_of, relabel_row, star_toggle_of, Selection, TriageAction, TriageKey, TriageReply,
    UNDO_TOAST_MS,
};
use gmux_core::views::Undo as ViewUndo;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::spawn_local;
use web_sys::{Document, Element};

use super::dom::{self, el, text_button};
use super::{find_row, read_page, row_of, rows_in_list, update, Page};
use crate::browser;
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
    /// Rows of the last action as a view beyond the stored inbox showed them before: its undo puts them back.
    handles: Vec<ViewUndo>,
    /// The rows the label picker moves, while it is open to choose where.
    pub moving: Option<Vec<Key>>,
    /// Mark all read's question, waiting for the person's answer.
    confirm: Option<String>,
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
        .map(|r| (r.account_id.clone(), r.thread_id.clone()))
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

/// Whether rows are selected (the row shortcuts then act on them).
pub(super) fn has_selection() -> bool {
    read_page(|p| !p.triage.selection.is_empty()).unwrap_or(false)
}

/// `e`, `#`, `u`, `s` or the bar's buttons on the selection.
pub(super) fn on_selection(command: &str) {
    match command {
        "confirm-read" => return mark_all_read(true),
        "cancel" => return update(|page| page.triage.confirm = None),
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
    let mut rows = Vec::new();
    let removes = matches!(
        action,
        TriageAction::Archive
            | TriageAction::Trash
            | TriageAction::Spam
            | TriageAction::Move { .. }
            | TriageAction::Snooze { .. }
    );
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
    update(|page| {
        page.message = None;
        page.confirmation = None;
        let mut handles = Vec::new();
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
        page.triage.handles = handles;
        page.triage.selection.clear();
        page.triage.moving = None;
    });
    if rows.is_empty() {
        return;
    }
    spawn_local(async move {
        let reply =
            match browser::send_message::<_, TriageReply>(&Intent::Triage { action, rows }).await {
                Ok(reply) => reply,
                Err(e) => TriageReply {
                    restore: keys.clone(),
                    ..TriageReply::refused(format!("The gmux background did not answer: {e}."))
                },
            };
        settle(reply, false);
    });
}

/// `z` or the toast's Undo: the last action put back, at Gmail and on the page.
pub(super) fn undo() {
    update(|page| {
        page.message = None;
        if let Some(t) = page.triage.toast.as_mut() {
            t.0 = "Undoing…".to_string();
            t.1 = false;
        }
    });
    spawn_local(async move {
        let reply = match browser::send_message::<_, TriageReply>(&Intent::Undo).await {
            Ok(reply) => reply,
            Err(e) => TriageReply::refused(format!("The gmux background did not answer: {e}.")),
        };
        settle(reply, true);
    });
}

/// The background's answer: rows it names go back as they were, failures become the page's message, and the
/// toast says what happened (with Undo when there is one).
fn settle(reply: TriageReply, undoing: bool) {
    let mut seq = 0;
    update(|page| {
        let handles = std::mem::take(&mut page.triage.handles);
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
        page.triage.handles = if undoing { Vec::new() } else { kept };
        if !reply.failures.is_empty() {
            page.message = Some(reply.failures.join(" "));
        }
        page.triage.toast_seq += 1;
        seq = page.triage.toast_seq;
        page.triage.toast =
            (!reply.sentence.is_empty()).then(|| (reply.sentence.clone(), reply.undo, seq));
    });
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
pub(super) fn mark_all_read(confirmed: bool) {
    let Some((view, only)) = read_page(|p| {
        (
            p.views.session.view(),
            p.views.session.only().map(str::to_string),
        )
    }) else {
        return;
    };
    update(|page| {
        page.message = None;
        page.triage.confirm = None;
        page.triage.toast_seq += 1;
        let seq = page.triage.toast_seq;
        page.triage.toast = Some(("Marking as read…".to_string(), false, seq));
    });
    spawn_local(async move {
        let intent = Intent::MarkAllRead {
            view,
            account: only.clone(),
            confirmed,
        };
        let reply = match browser::send_message::<_, TriageReply>(&intent).await {
            Ok(reply) => reply,
            Err(e) => TriageReply::refused(format!("The gmux background did not answer: {e}.")),
        };
        if let Some(question) = reply.confirm {
            return update(|page| {
                page.triage.toast = None;
                page.triage.confirm = Some(question);
            });
        }
        // A list beyond the stored inbox shows it here (the background reads the stored inbox again).
        if reply.undo {
            update(|page| {
                if page.views.session.is_inbox() {
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
                page.triage.handles = handles;
            });
        }
        settle(reply, false);
    });
}

/// `v` or the bar's Move: the label picker opens to choose where the rows go.
fn open_move(keys: Vec<Key>) {
    update(|page| page.triage.moving = Some(keys));
    super::views::open_picker();
}

/// The picker's line chosen while moving: the rows go to that label, out of the view's label (or the inbox).
pub(super) fn move_to(to: AccountLabelIds) {
    let Some((keys, from)) = read_page(|p| {
        let from = match p.views.session.view() {
            View::Label { ids, .. } => Some(ids),
            _ => None,
        };
        p.triage.moving.clone().map(|k| (k, from))
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

/// Whether the picker is choosing where to move.
pub(super) fn is_moving() -> bool {
    read_page(|p| p.triage.moving.is_some()).unwrap_or(false)
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
    let rows_signature = format!(
        "{}|{}|{}",
        page.drawn_rows,
        page.drawn_signature,
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
        }
        if let Some(list) = document.get_element_by_id("inbox") {
            if selected.is_empty() {
                list.remove_attribute("data-selecting")?;
            } else {
                list.set_attribute("data-selecting", "")?;
            }
        }
    }
    let bar_signature = format!("{}|{:?}", selected.len(), page.triage.confirm);
    if page.triage.drawn.bar != bar_signature {
        page.triage.drawn.bar = bar_signature;
        draw_bulk(document, selected.len(), page.triage.confirm.as_deref())?;
    }
    let toast = page.triage.toast.clone();
    let toast_signature = format!("{toast:?}");
    if page.triage.drawn.toast != toast_signature {
        page.triage.drawn.toast = toast_signature;
        draw_toast(document, toast.as_ref())?;
    }
    Ok(())
}

fn draw_bulk(document: &Document, n: usize, confirm: Option<&str>) -> Result<(), JsValue> {
    let Some(bar) = dom::clear(document, "bulk")? else {
        return Ok(());
    };
    if let Some(question) = confirm {
        bar.remove_attribute("hidden")?;
        bar.set_attribute("data-mode", "confirm")?;
        let q = el(document, "span", "bulk-count", Some(question))?;
        q.set_id("confirm-question");
        bar.append_child(&q)?;
        let yes = text_button(
            document,
            "bulk-button primary",
            "Mark as read",
            "bulk-confirm-read",
        )?;
        yes.set_id("confirm-read");
        bar.append_child(&yes)?;
        dom::append(
            &bar,
            text_button(document, "bulk-button", "Cancel", "bulk-cancel")?,
        )?;
        return Ok(());
    }
    bar.remove_attribute("data-mode")?;
    if n == 0 {
        bar.set_attribute("hidden", "")?;
        return Ok(());
    }
    bar.remove_attribute("hidden")?;
    let count = el(
        document,
        "span",
        "bulk-count",
        Some(&format!("{n} selected")),
    )?;
    count.set_id("bulk-count");
    bar.append_child(&count)?;
    let buttons = [
        ("archive", "Archive", "e"),
        ("trash", "Delete", "#"),
        ("mark-read", "Read", "Shift+I"),
        ("mark-unread", "Unread", "Shift+U"),
        ("star", "Star", "s"),
        ("spam", "Spam", "!"),
        ("move", "Move to…", "v"),
        ("all", "All", "*a"),
        ("none", "None", "*n"),
    ];
    for (name, label, key) in buttons {
        let b = text_button(document, "bulk-button", label, &format!("bulk-{name}"))?;
        b.set_attribute("title", &format!("{label} ({key})"))?;
        bar.append_child(&b)?;
    }
    Ok(())
}

fn draw_toast(document: &Document, toast: Option<&(String, bool, u32)>) -> Result<(), JsValue> {
    let Some(area) = dom::clear(document, "toast")? else {
        return Ok(());
    };
    let Some((text, offers_undo, _)) = toast else {
        area.set_attribute("hidden", "")?;
        return Ok(());
    };
    area.remove_attribute("hidden")?;
    dom::append(&area, el(document, "span", "toast-text", Some(text))?)?;
    if *offers_undo {
        let b = text_button(document, "toast-undo", "Undo", "undo")?;
        b.set_attribute("title", "Undo (z)")?;
        b.set_id("undo");
        area.append_child(&b)?;
    }
    Ok(())
}

/// A row's selection box: drawn with the row, its state set by [`draw`].
pub(super) fn select_box(document: &Document) -> Result<Element, JsValue> {
    let b = el(document, "span", "select", None)?;
    b.set_attribute("role", "checkbox")?;
    b.set_attribute("aria-checked", "false")?;
    b.set_attribute("aria-label", "Select (x)")?;
    b.set_attribute("title", "Select (x); Shift-click selects a range")?;
    b.set_attribute("data-action", "select")?;
    Ok(b)
}
