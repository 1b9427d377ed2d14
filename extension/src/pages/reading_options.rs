//! The options page's Reading section: when a conversation counts as read, plain text first, and the senders
//! whose images always show (per account), each with a way to take it back. Every change is an
//! `Intent::SetReader` to the background.

use std::cell::RefCell;

use gmux_core::reader::MarkRead;
use wasm_bindgen::JsValue;
use web_sys::Document;

use super::Page;
use crate::dom::{self, el, text_button};
use crate::i18n::{t, t_with};

thread_local! {
    /// What the Reading section was drawn from last.
    static DRAWN: RefCell<String> = const { RefCell::new(String::new()) };
}

pub(super) fn draw(document: &Document, page: &Page) -> Result<(), JsValue> {
    let reader = &page.settings.reader;
    let senders: Vec<(String, String, &String)> = reader
        .images_from
        .iter()
        .flat_map(|(account, senders)| {
            let email = page
                .store
                .account(account)
                .map(|a| a.account.email.clone())
                .unwrap_or_else(|| account.clone());
            senders
                .iter()
                .map(move |s| (account.clone(), email.clone(), s))
        })
        .collect();
    let from = format!("{reader:?}|{senders:?}");
    let Some(select) = dom::clear_if_changed(document, "mark-read", &DRAWN, from)? else {
        return Ok(());
    };
    for choice in MarkRead::choices(reader.mark_read) {
        let option = el(document, "option", "", Some(&mark_read_words(choice)))?;
        option.set_attribute("value", &choice.choice())?;
        if choice == reader.mark_read {
            option.set_attribute("selected", "")?;
        }
        select.append_child(&option)?;
    }
    if let Some(check) = document.get_element_by_id("prefer-plain") {
        let _ = js_sys::Reflect::set(
            &check,
            &JsValue::from_str("checked"),
            &JsValue::from_bool(reader.prefer_plain),
        );
    }
    let Some(area) = dom::clear(document, "image-senders")? else {
        return Ok(());
    };
    if senders.is_empty() {
        dom::append(&area, el(document, "p", "hint", Some(&t("imagesHint")))?)?;
        return Ok(());
    }
    dom::append(
        &area,
        el(document, "p", "hint", Some(&t("imagesAlwaysFrom")))?,
    )?;
    let list = el(document, "ul", "sender-list", None)?;
    for (account, email, sender) in senders {
        let item = el(document, "li", "sender-item", None)?;
        dom::append(
            &item,
            dom::mail_el(document, "span", "sender-address", sender)?,
        )?;
        dom::append(
            &item,
            el(
                document,
                "span",
                "sender-account",
                Some(&t_with("inAccount", &[&email])),
            )?,
        )?;
        let forget = text_button(document, "quiet", &t("askAgain"), "forget-images")?;
        forget.set_attribute("data-account", &account)?;
        forget.set_attribute("data-sender", sender)?;
        forget.set_attribute("aria-label", &t_with("askAgainFrom", &[sender]))?;
        item.append_child(&forget)?;
        list.append_child(&item)?;
    }
    area.append_child(&list)?;
    Ok(())
}

/// A mark-read choice in the browser's language (core's `MarkRead::label` is its English).
fn mark_read_words(choice: MarkRead) -> String {
    match choice {
        MarkRead::OnOpen => t("markReadOnOpen"),
        MarkRead::AfterSeconds(1) => t("markReadAfterOneSecond"),
        MarkRead::AfterSeconds(s) => t_with("markReadAfterSeconds", &[&s.to_string()]),
        MarkRead::Never => t("markReadNever"),
    }
}
