//! The first screen (early.js shows it): what a popup or new tab freshly opened draws first, saved by the page
//! in `localStorage` after it draws, under the key of what it was drawn from (`gmux_core::head::screen_key`,
//! which the background writes with every write). The next page of the same kind shows it as soon as its body is
//! parsed and storage holds the same key, before its wasm has compiled; its first draw then draws the same over
//! it and takes over (`release`). A poll that changed nothing shown keeps the key, so a popup opened between
//! polls still finds its first screen.
//!
//! Only a page in its first state saves: the inbox of every account, nothing selected, no conversation open, no
//! failure or confirmation shown, the whole store read. It saves the parts the first draw fills (badges, notices,
//! the notifications control, the rows that fit the window, the empty-list panel) and the view's tabs, without
//! the stamps of its own draws. The status line is not saved: a page opens saying it is connecting until the background answers.
//!
//! What is saved is the DOM the page built with `textContent`, serialised by the browser: mail in it is escaped
//! text, and reading it back builds the same inert tree. It holds subjects, senders and snippets, as
//! `storage.local` does; never a body or a token.

use wasm_bindgen::{JsCast, JsValue};
use web_sys::Element;

use super::{inbox, Page, PageKind};
use crate::dom;

/// The parts early.js replaces, by id. The view's tabs are drawn only after the first paint (`views::draw`,
/// which draws them anew the first time): saved, they are in the first frame too.
const PARTS: [&str; 6] = [
    "accounts",
    "tabs",
    "notices",
    "notify-control",
    "inbox",
    "empty",
];

/// Attributes the saving page's draws left that a fresh page's first draw has not made.
const DROPPED: [&str; 5] = [
    "data-first-row-ms",
    "data-rows-settled",
    "data-selecting",
    "data-selected",
    "elementtiming",
];

fn key(kind: PageKind) -> Option<&'static str> {
    match kind {
        PageKind::Popup => Some("gmux.firstScreen.popup"),
        PageKind::NewTab => Some("gmux.firstScreen.newtab"),
        PageKind::Options => None,
    }
}

/// Whether the page shows what a page opened now would show first (beyond its rows' number).
fn is_first_state(page: &Page) -> bool {
    let session = &page.views.session;
    page.first_row_painted
        && !page.partial
        && session.is_inbox()
        && session.only().is_none()
        && session.notice().is_none()
        && page.triage.selection.is_empty()
        && page.reading.is_none()
        && page.message.is_none()
        && page.confirmation.is_none()
}

/// How long after a draw the first screen is saved: off the page's start, where serialising the rows and
/// Firefox's first write to `localStorage` held up the status line by tens of milliseconds.
const SAVE_AFTER_MS: i32 = 400;

/// Saves the first screen once per key, a moment after a draw, if the page is still in its first state and its
/// key the same then.
pub(super) fn save_after_draw(page: &mut Page) {
    let (Some(_), Some(screen)) = (key(page.kind), page.screen_key.clone()) else {
        return;
    };
    if page.first_screen_saved.as_ref() == Some(&screen) || !is_first_state(page) {
        return;
    }
    // Once per key: a draw while the save waits does not ask again.
    page.first_screen_saved = Some(screen.clone());
    wasm_bindgen_futures::spawn_local(async move {
        crate::timers::sleep(SAVE_AFTER_MS).await;
        super::with_page(&mut |page| {
            let Some(name) = key(page.kind) else { return };
            if page.screen_key.as_ref() != Some(&screen) || !is_first_state(page) {
                // The next draw in the first state saves it (unless a newer key's save is already waiting).
                if page.first_screen_saved.as_ref() == Some(&screen) {
                    page.first_screen_saved = None;
                }
                return;
            }
            if let Err(e) = save(name, &screen, inbox::first_draw_rows(page.kind)) {
                super::log_error("saving the first screen", e);
            }
        });
    });
}

fn save(name: &str, screen: &str, rows: usize) -> Result<(), JsValue> {
    let document = dom::document()?;
    let mut parts = serde_json::Map::new();
    for id in PARTS {
        let Some(part) = document.get_element_by_id(id) else {
            continue;
        };
        let copy: Element = if id == "inbox" {
            let list: Element = part.clone_node()?.unchecked_into();
            let mut row = part.first_element_child();
            for _ in 0..rows {
                let Some(shown) = row else { break };
                list.append_child(&shown.clone_node_with_deep(true)?)?;
                row = shown.next_element_sibling();
            }
            list
        } else {
            part.clone_node_with_deep(true)?.unchecked_into()
        };
        for name in DROPPED {
            copy.remove_attribute(name)?;
            let marked = copy.query_selector_all(&format!("[{name}]"))?;
            for i in 0..marked.length() {
                if let Some(element) = marked.item(i).and_then(|n| n.dyn_into::<Element>().ok()) {
                    element.remove_attribute(name)?;
                }
            }
        }
        parts.insert(id.to_string(), copy.outer_html().into());
    }
    let saved = serde_json::json!({
        "key": screen,
        "lang": crate::browser::ui_language(),
        "parts": parts,
    });
    local_storage()?.set_item(name, &saved.to_string())
}

fn local_storage() -> Result<web_sys::Storage, JsValue> {
    web_sys::window()
        .ok_or_else(|| JsValue::from_str("no window"))?
        .local_storage()?
        .ok_or_else(|| JsValue::from_str("no localStorage"))
}

/// Drops every saved first screen: when an account is removed, its subjects and senders should not stay behind in
/// `localStorage` until the next popup or new tab draws (they would never be shown, their key no longer matching,
/// but a person who removed an account expects its mail gone). The next page in its first state saves anew.
pub(super) fn forget() {
    let forgotten = local_storage().and_then(|storage| {
        for kind in [PageKind::Popup, PageKind::NewTab] {
            if let Some(name) = key(kind) {
                storage.remove_item(name)?;
            }
        }
        Ok(())
    });
    if let Err(e) = forgotten {
        super::log_error("forgetting the first screen", e);
    }
}

/// Hands the page from the first screen to the wasm, once the first draw is in and the page listens: early.js
/// stops holding clicks and keys and replays those it held. Called whether or not a first screen was shown.
pub(super) fn release() {
    let Ok(screen) = js_sys::Reflect::get(&js_sys::global(), &JsValue::from_str("gmuxFirstScreen"))
    else {
        return;
    };
    let release = js_sys::Reflect::get(&screen, &JsValue::from_str("release")).ok();
    if let Some(release) = release.and_then(|r| r.dyn_into::<js_sys::Function>().ok()) {
        if let Err(e) = release.call0(&screen) {
            super::log_error("taking over from the first screen", e);
        }
    }
}
