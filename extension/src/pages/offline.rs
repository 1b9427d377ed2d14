//! What the pages show of the actions waiting for Gmail (issue 22): a quiet clock on each row whose change
//! has not reached Gmail yet, the count in the notice area, and the waiting actions Gmail refused, until
//! dismissed. The background decides all of it (`status.offline`); this only draws.

use gmux_core::messages::Intent;
use gmux_core::offline::OfflineShown;
use wasm_bindgen::JsValue;
use web_sys::{Document, Element};

use crate::dom::{self, el, text_button, Icon};
use crate::i18n::{t, t_with};

/// Marks a row whose thread has a change waiting for Gmail.
pub(super) fn mark_pending(document: &Document, row: &Element) -> Result<(), JsValue> {
    row.set_attribute("data-pending", "")?;
    if let Some(label) = row.get_attribute("aria-label") {
        row.set_attribute("aria-label", &t_with("waitingForGmailRow", &[&label]))?;
    }
    let mark = el(document, "span", "pending-mark", None)?;
    mark.set_attribute("title", &t("waitingForGmail"))?;
    mark.set_attribute("aria-hidden", "true")?;
    dom::append(&mark, dom::icon(document, Icon::Pending)?)?;
    // Inside the date's cell, before the date: the row's grid stays as it is.
    match row.query_selector(".date")? {
        Some(date) => {
            date.insert_before(&mark, date.first_child().as_ref())?;
        }
        None => {
            row.append_child(&mark)?;
        }
    }
    Ok(())
}

/// The refusals (each with Dismiss) and the count of actions waiting, in the notice area.
pub(super) fn draw_notices(
    document: &Document,
    area: &Element,
    shown: &OfflineShown,
) -> Result<(), JsValue> {
    for sentence in &shown.refused {
        let refused = dom::notice(document, "offline_refused", sentence)?;
        refused.set_attribute("role", "alert")?;
        dom::append(
            &refused,
            text_button(document, "link", &t("dismiss"), "dismiss-offline")?,
        )?;
        area.append_child(&refused)?;
    }
    let waiting_words = match shown.waiting {
        0 => None,
        1 => Some(t("offlineWaitingOne")),
        n => Some(t_with(
            "offlineWaitingMany",
            &[&crate::i18n::number(n as u64)],
        )),
    };
    if let Some(sentence) = waiting_words {
        let waiting = dom::notice(document, "offline_waiting", &sentence)?;
        waiting.set_attribute("role", "status")?;
        waiting.insert_before(
            &dom::icon(document, Icon::Pending)?.into(),
            waiting.first_child().as_ref(),
        )?;
        area.append_child(&waiting)?;
    }
    Ok(())
}

/// Dismiss on the refusals' notice: the background forgets them, and every page follows the status.
pub(super) fn dismiss() {
    super::send(Intent::DismissOfflineRefusals);
}
