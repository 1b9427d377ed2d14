//! "Open in Gmail" in the Gmail tab the person already has (issue 18). With the optional host permission for
//! `https://mail.google.com/*`, granted from the settings page's "Gmail tabs" card, gmux sees the addresses and
//! titles of Gmail's tabs (and of no other tab: it has no `tabs` permission, whose prompt reads "Read your browsing
//! history"), finds the account's tab with `gmux_core::triage::gmail_tab_for`, and changes only that tab's
//! fragment to the thread, so Gmail switches views without reloading. Without the permission, or without such a
//! tab, the thread opens in a new tab as before. gmux never injects anything into Gmail's pages.

use std::cell::Cell;

use gmux_core::triage::{gmail_tab_for, thread_url_in_tab, GMAIL_TABS_PATTERN};
use gmux_core::view;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::spawn_local;
use web_sys::Document;

use super::{log_error, redraw, update};
use crate::browser;
use crate::dom::{self, el, text_button};
use crate::i18n::{t, t_with};

thread_local! {
    /// Whether the permission is held, once known (the settings card draws from it).
    static ALLOWED: Cell<Option<bool>> = const { Cell::new(None) };
    /// Whether access was allowed when the options page's card was drawn last.
    static CARD_DRAWN: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
}

/// Opens `thread` of the account `email` in Gmail: in its open Gmail tab when gmux may see one, else in a new tab.
pub(super) fn open_thread(email: String, thread: String, label_ids: Vec<String>) {
    spawn_local(async move {
        let reused = match in_open_tab(&email, &thread, &label_ids).await {
            Ok(reused) => reused,
            Err(e) => {
                // Looking for the tab failed (the browser refused the query): a new tab still shows the thread.
                log_error("looking for the Gmail tab", &e);
                false
            }
        };
        if reused {
            return;
        }
        if let Err(e) = browser::open_tab(&view::gmail_thread_url(&email, &thread)).await {
            update(|page| page.message = Some(t_with("gmailNotOpened", &[&e.to_string()])));
        }
    });
}

/// Shows the thread in the account's open Gmail tab; `false` when there is none gmux may see.
async fn in_open_tab(
    email: &str,
    thread: &str,
    label_ids: &[String],
) -> Result<bool, browser::BrowserError> {
    if !browser::has_origin(GMAIL_TABS_PATTERN).await? {
        return Ok(false);
    }
    let tabs = browser::tabs_matching(GMAIL_TABS_PATTERN).await?;
    let Some(tab) = gmail_tab_for(&tabs, email) else {
        return Ok(false);
    };
    let Some(url) = thread_url_in_tab(&tab.url, thread, label_ids) else {
        return Ok(false);
    };
    browser::show_in_tab(tab.id, tab.window_id, &url).await?;
    Ok(true)
}

/// The settings card's buttons; `true` when `action` was one of them.
pub(super) fn on_click(action: &str) -> bool {
    match action {
        "gmail-tabs-allow" => {
            // The browser asks only from within the click's handler: the request starts now.
            match browser::request_origin(GMAIL_TABS_PATTERN) {
                Ok(answer) => spawn_local(async move {
                    match answer.await {
                        Ok(granted) => {
                            ALLOWED.with(|a| a.set(Some(granted)));
                            if !granted {
                                update(|page| page.message = Some(t("gmailTabsRefused")));
                                return;
                            }
                            redraw();
                        }
                        Err(e) => update(|page| {
                            page.message = Some(t_with("browserDidNotAllow", &[&e.to_string()]))
                        }),
                    }
                }),
                Err(e) => update(|page| {
                    page.message = Some(t_with("browserDidNotAllow", &[&e.to_string()]))
                }),
            }
            true
        }
        "gmail-tabs-off" => {
            spawn_local(async {
                match browser::remove_origin(GMAIL_TABS_PATTERN).await {
                    Ok(_) => {
                        ALLOWED.with(|a| a.set(Some(false)));
                        redraw();
                    }
                    Err(e) => update(|page| {
                        page.message = Some(t_with("browserKeptPermission", &[&e.to_string()]))
                    }),
                }
            });
            true
        }
        _ => false,
    }
}

/// Fills the settings page's "Gmail tabs" card from what the browser says now.
pub(super) fn draw_options(document: &Document) -> Result<(), JsValue> {
    let Some(allowed) = ALLOWED.with(Cell::get) else {
        spawn_local(async {
            let allowed = browser::has_origin(GMAIL_TABS_PATTERN)
                .await
                .unwrap_or(false);
            ALLOWED.with(|a| a.set(Some(allowed)));
            redraw();
        });
        return Ok(());
    };
    let Some(card) =
        dom::clear_if_changed(document, "gmail-tabs", &CARD_DRAWN, allowed.to_string())?
    else {
        return Ok(());
    };
    card.set_attribute("data-allowed", if allowed { "true" } else { "false" })?;
    let words = el(document, "div", "field-text", None)?;
    let (line, hint, button) = if allowed {
        (
            t("gmailTabsOn"),
            t("gmailTabsOnHint"),
            text_button(document, "quiet", &t("turnOff"), "gmail-tabs-off")?,
        )
    } else {
        (
            t("gmailTabsOff"),
            t("gmailTabsOffHint"),
            text_button(document, "quiet", &t("allow"), "gmail-tabs-allow")?,
        )
    };
    dom::append(&words, el(document, "p", "gmail-tabs-line", Some(&line))?)?;
    dom::append(&words, el(document, "p", "field-hint", Some(&hint))?)?;
    card.append_child(&words)?;
    button.set_id("gmail-tabs-button");
    card.append_child(&button)?;
    Ok(())
}
