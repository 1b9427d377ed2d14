//! The options page: the host's status, the accounts (colour, email, state, notifications and Primary only,
//! Reconnect, Remove), Add account, notifications and how often to check for mail (`notifications.rs`), reading
//! (`reading_options.rs`) and clearing the recent searches. Every change is an `Intent` to the background.

use std::cell::RefCell;

use gmux_core::inbox::SyncHealth;
use gmux_core::protocol::AccountStatus;
use gmux_core::view;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::Document;

use super::Page;
use crate::dom::{self, el, text_button};
use crate::i18n::{t, t_with};

thread_local! {
    /// What the account list was drawn from last (see [`draw_accounts`]).
    static ACCOUNTS_DRAWN: RefCell<String> = const { RefCell::new(String::new()) };
}

/// One account as the options page lists it.
#[derive(Debug)]
struct AccountLine {
    id: String,
    email: String,
    color: String,
    needs_reconnect: bool,
    state: String,
}

fn account_lines(page: &Page) -> Vec<AccountLine> {
    let mut lines: Vec<AccountLine> = page
        .status
        .accounts
        .iter()
        .enumerate()
        .map(|(order, host)| {
            let stored = page.store.account(&host.id).map(|a| &a.account);
            let health = stored.map(|a| a.health).unwrap_or_default();
            let needs_reconnect = host.status == AccountStatus::ReauthRequired
                || health == SyncHealth::ReauthRequired;
            AccountLine {
                id: host.id.clone(),
                email: host.email.clone(),
                color: view::account_color(&page.status.accounts, &host.id, order),
                needs_reconnect,
                state: state_text(
                    needs_reconnect,
                    health,
                    stored.and_then(|a| a.health_cause.as_ref()),
                    stored.map(|a| a.unread()),
                ),
            }
        })
        .collect();
    // Accounts the store knows but the host's list (not yet read) does not.
    for (order, inbox) in page.store.accounts.iter().enumerate() {
        let account = &inbox.account;
        if lines.iter().any(|l| l.id == account.id) {
            continue;
        }
        let needs_reconnect = account.health == SyncHealth::ReauthRequired;
        lines.push(AccountLine {
            id: account.id.clone(),
            email: account.email.clone(),
            color: view::account_color(&page.status.accounts, &account.id, order),
            needs_reconnect,
            state: state_text(
                needs_reconnect,
                account.health,
                account.health_cause.as_ref(),
                Some(account.unread()),
            ),
        });
    }
    lines
}

fn state_text(
    needs_reconnect: bool,
    health: SyncHealth,
    cause: Option<&gmux_core::messages::Cause>,
    unread: Option<u64>,
) -> String {
    if needs_reconnect {
        return t("accountNeedsReconnecting");
    }
    match (health, unread) {
        (SyncHealth::Offline, _) => t("accountOffline"),
        (SyncHealth::Failing, _) => match cause {
            Some(cause) => t_with("accountRetrying", &[&crate::i18n::cause_words(cause, true)]),
            None => t("accountGmailNotAnswering"),
        },
        (_, Some(1)) => t("accountConnectedOne"),
        (_, Some(n)) => t_with("accountConnectedUnread", &[&n.to_string()]),
        (_, None) => t("accountNotSynced"),
    }
}

pub(super) fn draw(page: &mut Page) -> Result<(), JsValue> {
    let document = dom::document()?;
    super::inbox::draw_status(&document, page)?;
    draw_accounts(&document, page)?;
    super::notifications::draw_options(&document, page)?;
    super::reading_options::draw(&document, page)?;
    super::compose::draw_options(&document, page)?;
    super::gmail_tabs::draw_options(&document)?;
    if let Some(area) = dom::clear(&document, "notices")? {
        if let Some(failed) = super::inbox::add_failed_notice(&document, page)? {
            area.append_child(&failed)?;
        }
        if let Some(done) = &page.confirmation {
            let notice = el(&document, "div", "notice", None)?;
            notice.set_attribute("data-notice", "done")?;
            notice.set_attribute("role", "status")?;
            dom::append(&notice, el(&document, "span", "notice-text", Some(done))?)?;
            area.append_child(&notice)?;
        }
        if let Some(message) = &page.message {
            let failed = el(&document, "div", "notice", None)?;
            failed.set_attribute("data-notice", "failed")?;
            failed.set_attribute("role", "alert")?;
            dom::append(
                &failed,
                el(&document, "span", "notice-text", Some(message))?,
            )?;
            dom::append(
                &failed,
                text_button(&document, "link", &t("dismiss"), "dismiss")?,
            )?;
            area.append_child(&failed)?;
        }
    }
    Ok(())
}

/// The account list, drawn again only when what it shows changes: every sync writes the status, and a list
/// drawn anew each time would close a colour picker left open and take the focus from its controls. When it does
/// change, the focus goes back to the same control of the same account.
fn draw_accounts(document: &Document, page: &Page) -> Result<(), JsValue> {
    let lines = account_lines(page);
    let focused = document
        .active_element()
        .filter(|a| a.closest("#account-list").ok().flatten().is_some())
        .map(|a| control_of(&a));
    let from = format!("{lines:?}|{:?}", page.settings.accounts);
    let Some(list) = dom::clear_if_changed(document, "account-list", &ACCOUNTS_DRAWN, from)? else {
        return Ok(());
    };
    if lines.is_empty() {
        let empty = el(document, "li", "acct-empty", Some(&t("noAccountsOptions")))?;
        list.append_child(&empty)?;
    }
    for line in lines {
        let item = el(document, "li", "acct-item", None)?;
        item.set_attribute("data-account", &line.id)?;
        item.set_attribute("style", &format!("--acct: {}", line.color))?;
        if line.needs_reconnect {
            item.set_attribute("data-health", "reauth_required")?;
        }
        let color = el(document, "input", "acct-color", None)?;
        color.set_attribute("type", "color")?;
        color.set_attribute("value", &line.color)?;
        color.set_attribute("data-setting", "color")?;
        color.set_attribute("data-account", &line.id)?;
        color.set_attribute("aria-label", &t_with("colourOf", &[&line.email]))?;
        item.append_child(&color)?;
        let who = el(document, "div", "acct-who", None)?;
        dom::append(
            &who,
            dom::mail_el(document, "div", "acct-email", &line.email)?,
        )?;
        dom::append(&who, el(document, "div", "acct-state", Some(&line.state))?)?;
        dom::append(
            &who,
            super::notifications::account_switches(
                document,
                &page.settings,
                &line.id,
                &line.email,
            )?,
        )?;
        item.append_child(&who)?;
        if line.needs_reconnect {
            let reconnect = text_button(document, "reconnect", &t("reconnect"), "reconnect")?;
            reconnect.set_attribute("data-account", &line.id)?;
            item.append_child(&reconnect)?;
        }
        let remove = text_button(document, "quiet", &t("remove"), "remove")?;
        remove.set_attribute("data-account", &line.id)?;
        remove.set_attribute("aria-label", &t_with("removeAccount", &[&line.email]))?;
        item.append_child(&remove)?;
        list.append_child(&item)?;
    }
    if let Some(control) = focused {
        let controls = list.query_selector_all("input, button")?;
        let again = (0..controls.length())
            .filter_map(|i| controls.item(i)?.dyn_into::<web_sys::HtmlElement>().ok())
            .find(|e| control_of(e) == control);
        if let Some(again) = again {
            again.focus()?;
        }
    }
    Ok(())
}

/// Which control of which account an element of the list is: the same in the list drawn again.
fn control_of(element: &web_sys::Element) -> [Option<String>; 4] {
    ["data-account", "data-setting", "data-switch", "data-action"].map(|a| element.get_attribute(a))
}
