//! The options page's Reading section: when a conversation counts as read, plain text first, and the senders
//! whose images always show (per account), each with a way to take it back. Every change is an
//! `Intent::SetReader` to the background.

use gmux_core::reader::MarkRead;
use wasm_bindgen::JsValue;
use web_sys::Document;

use super::Page;
use crate::dom::{self, el, text_button};

pub(super) fn draw(document: &Document, page: &Page) -> Result<(), JsValue> {
    let reader = &page.settings.reader;
    if let Some(select) = dom::clear(document, "mark-read")? {
        for choice in MarkRead::choices(reader.mark_read) {
            let option = el(document, "option", "", Some(&choice.label()))?;
            option.set_attribute("value", &choice.choice())?;
            if choice == reader.mark_read {
                option.set_attribute("selected", "")?;
            }
            select.append_child(&option)?;
        }
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
    if senders.is_empty() {
        dom::append(
            &area,
            el(
                document,
                "p",
                "hint",
                Some("Remote images show only after you click Show images in a message; choose Always there to trust a sender."),
            )?,
        )?;
        return Ok(());
    }
    dom::append(
        &area,
        el(
            document,
            "p",
            "hint",
            Some("Images always show from these senders:"),
        )?,
    )?;
    let list = el(document, "ul", "sender-list", None)?;
    for (account, email, sender) in senders {
        let item = el(document, "li", "sender-item", None)?;
        dom::append(&item, el(document, "span", "sender-address", Some(sender))?)?;
        dom::append(
            &item,
            el(
                document,
                "span",
                "sender-account",
                Some(&format!("in {email}")),
            )?,
        )?;
        let forget = text_button(document, "quiet", "Ask again", "forget-images")?;
        forget.set_attribute("data-account", &account)?;
        forget.set_attribute("data-sender", sender)?;
        forget.set_attribute(
            "aria-label",
            &format!("Ask again before showing images from {sender}"),
        )?;
        item.append_child(&forget)?;
        list.append_child(&item)?;
    }
    area.append_child(&list)?;
    Ok(())
}
