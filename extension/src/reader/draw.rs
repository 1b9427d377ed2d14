//! The conversation's DOM: one card per message (sender, recipients, date; read ones collapsed to one line except
//! the last), the body (plain text as text with quoted runs folded behind a toggle, HTML as the sanitiser's
//! document in a sandboxed frame), "Show images", attachments, forwarded messages nested. Everything from mail
//! reaches gmux's page through `textContent` and attributes; the only markup from mail is the sanitised document
//! in the frame, which runs no script, has an opaque origin and loads nothing from the network until "Show
//! images" (its own Content-Security-Policy says so, and the sanitiser left nothing else in it).

use gmux_core::reader::{shown_labels, ShownLabel, SystemLabel};
use gmux_core::text;
use gmux_mail::mime::{Attachment, Body, MessageView, Notice};
use gmux_mail::quote::TextSegment;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Document, Element, HtmlIFrameElement};

use super::files::Download;
use super::{blocks_remote, log_error, with_current, Conversation};
use crate::dom::{self, el, Icon};
use crate::i18n::{t, t_with};

/// The sandbox of every mail frame: a link the user clicks may open a tab (which is not sandboxed, so the site
/// works); nothing else. Never `allow-scripts`, never `allow-same-origin`.
pub const FRAME_SANDBOX: &str = "allow-popups allow-popups-to-escape-sandbox";

/// Forwarded messages nest at most this deep in the page (gmux-mail caps the tree itself).
const MAX_NESTED: usize = 8;

fn area(document: &Document) -> Option<Element> {
    document.get_element_by_id("reader-messages")
}

/// "Loading…" while the background fetches.
pub fn loading() {
    let Ok(document) = dom::document() else {
        return;
    };
    let Some(area) = area(&document) else { return };
    area.set_text_content(None);
    if let Ok(line) = el(
        &document,
        "p",
        "reader-loading",
        Some(&t("loadingConversation")),
    ) {
        let _ = area.append_child(&line);
    }
}

/// Why the conversation is not shown, and a way to try again. The list is left as it was.
pub fn failure(text: &str) {
    let Ok(document) = dom::document() else {
        return;
    };
    let Some(area) = area(&document) else { return };
    area.set_text_content(None);
    let drawn = (|| -> Result<(), JsValue> {
        let box_ = el(&document, "div", "reader-failed", None)?;
        box_.set_attribute("role", "alert")?;
        dom::append(&box_, el(&document, "p", "reader-failed-text", Some(text))?)?;
        let retry = el(&document, "button", "quiet", Some(&t("tryAgain")))?;
        retry.set_attribute("type", "button")?;
        retry.set_attribute("data-reader-action", "retry")?;
        box_.append_child(&retry)?;
        area.append_child(&box_)?;
        Ok(())
    })();
    if let Err(e) = drawn {
        log_error("drawing the failure", e);
    }
}

/// Draws the whole conversation: the subject and labels in the page's header, then every card.
pub fn conversation(generation: u64) {
    let Ok(document) = dom::document() else {
        return;
    };
    let drawn = with_current(generation, |c| -> Result<(), JsValue> {
        let Some(area) = area(&document) else {
            return Ok(());
        };
        let Some(view) = &c.view else { return Ok(()) };
        head(&document, c)?;
        area.set_text_content(None);
        c.downloads.clear();
        let count = view.messages.len();
        if count == 0 {
            dom::append(
                &area,
                el(&document, "p", "reader-loading", Some(&t("noMessages")))?,
            )?;
        }
        for index in 0..count {
            let card = card(&document, c, index)?;
            area.append_child(&card)?;
        }
        fill_last_frame(&document, &area);
        Ok(())
    });
    if let Some(Err(e)) = drawn {
        log_error("drawing the conversation", e);
    }
    stamp_text_if_shown(generation);
}

/// A kept conversation shown again: its header from the row as it is now, each card's unread mark as it is now,
/// and its first text counted as shown (its cards and frames never left the page).
pub fn shown_again(generation: u64) {
    let Ok(document) = dom::document() else {
        return;
    };
    let drawn = with_current(generation, |c| -> Result<(), JsValue> {
        head(&document, c)?;
        if let Some(area) = area(&document) {
            let cards = area.query_selector_all(":scope > article.msg")?;
            for i in 0..cards.length() {
                let Some(card) = cards.item(i).and_then(|n| n.dyn_into::<Element>().ok()) else {
                    continue;
                };
                let index: Option<usize> = card
                    .get_attribute("data-index")
                    .and_then(|i| i.parse().ok());
                if index.and_then(|i| c.unread.get(i)) == Some(&false) {
                    card.remove_attribute("data-unread")?;
                }
            }
        }
        Ok(())
    });
    if let Some(Err(e)) = drawn {
        log_error("showing the conversation again", e);
    }
    stamp_first_text(generation);
}

/// Draws one card again (expanded or collapsed, images shown...).
pub fn redraw_card(generation: u64, index: usize) {
    redraw_card_focus(generation, index, false);
}

/// Draws one card again, and puts the focus on its header (after the user toggled it).
pub fn redraw_card_focus(generation: u64, index: usize, focus: bool) {
    let Ok(document) = dom::document() else {
        return;
    };
    let drawn = with_current(generation, |c| -> Result<(), JsValue> {
        let Some(area) = area(&document) else {
            return Ok(());
        };
        let selector = format!("article.msg[data-index=\"{index}\"]");
        let Some(old) = area.query_selector(&selector)? else {
            return Ok(());
        };
        let new = card(&document, c, index)?;
        old.replace_with_with_node_1(&new)?;
        // The card's header keeps the focus a key or click gave it.
        if focus {
            if let Some(head) = new
                .query_selector(".msg-head")?
                .and_then(|h| h.dyn_into::<web_sys::HtmlElement>().ok())
            {
                let _ = head.focus();
            }
        }
        fill_last_frame(&document, &area);
        Ok(())
    });
    if let Some(Err(e)) = drawn {
        log_error("drawing a message", e);
    }
}

/// The last message, when it is HTML, gets at least the room left below it in the window: a short guess leaves
/// no empty pane under a frame that scrolls.
fn fill_last_frame(document: &Document, area: &Element) {
    let Ok(Some(frame)) =
        area.query_selector(":scope > article.msg:last-child > .msg-body > iframe")
    else {
        return;
    };
    let Some(window) = web_sys::window() else {
        return;
    };
    let height = window
        .inner_height()
        .ok()
        .and_then(|h| h.as_f64())
        .unwrap_or(0.0);
    // The bottom of what shows the conversation: the popup's status line sits below it.
    let bottom = document
        .query_selector(".foot")
        .ok()
        .flatten()
        .filter(|_| {
            document
                .body()
                .is_some_and(|b| b.class_list().contains("popup"))
        })
        .map_or(height, |f| f.get_bounding_client_rect().top());
    let room = bottom - frame.get_bounding_client_rect().top() - 24.0;
    if room > 120.0 {
        let _ = frame.set_attribute(
            "style",
            &format!(
                "{}; min-height: {}px",
                frame.get_attribute("style").unwrap_or_default(),
                room as u32
            ),
        );
    }
}

/// The subject (from the first message when the inbox had none) and the labels.
fn head(document: &Document, c: &Conversation) -> Result<(), JsValue> {
    let Some(view) = &c.view else { return Ok(()) };
    if let Some(subject) = document.get_element_by_id("reader-subject") {
        let first = view
            .messages
            .iter()
            .map(|m| m.subject.as_str())
            .find(|s| !text::is_blank_text(s));
        let shown = first.map_or_else(|| t("noSubject"), text::display_text);
        subject.set_text_content(Some(&shown));
    }
    if let Some(labels) = document.get_element_by_id("reader-labels") {
        labels.set_text_content(None);
        // The row's labels follow every action; a kept body's are as they were when it was fetched.
        let mut ids: Vec<String> = match &c.request.row_labels {
            Some(labels) => labels.clone(),
            None => view
                .messages
                .iter()
                .flat_map(|m| m.label_ids.iter().cloned())
                .collect(),
        };
        ids.sort();
        ids.dedup();
        for label in shown_labels(&ids, &c.label_names) {
            let chip = match label {
                ShownLabel::System(system) => el(
                    document,
                    "span",
                    "label-chip",
                    Some(&system_label_words(system)),
                )?,
                // A user's label is their own words, shown as they wrote them.
                ShownLabel::User(name) => dom::mail_el(document, "span", "label-chip", &name)?,
            };
            dom::append(&labels, chip)?;
        }
    }
    Ok(())
}

/// A Gmail system label's name in the browser's language.
fn system_label_words(label: SystemLabel) -> String {
    match label {
        SystemLabel::Inbox => t("inbox"),
        SystemLabel::Important => t("labelImportant"),
        SystemLabel::Sent => t("labelSent"),
        SystemLabel::Draft => t("labelDraft"),
        SystemLabel::Spam => t("labelSpam"),
        SystemLabel::Bin => t("labelBin"),
        SystemLabel::Social => t("categorySocial"),
        SystemLabel::Promotions => t("categoryPromotions"),
        SystemLabel::Updates => t("categoryUpdates"),
        SystemLabel::Forums => t("categoryForums"),
    }
}

fn now_ms() -> u64 {
    js_sys::Date::now() as u64
}

/// A colour for a sender's initial, the same for the same address.
fn avatar_hue(address: &str) -> u32 {
    address
        .bytes()
        .fold(7u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)))
        % 360
}

fn sender_name(message: &MessageView) -> String {
    match &message.from {
        Some(from) if !text::is_blank_text(&from.name) => text::display_text(&from.name),
        Some(from) if !from.address.is_empty() => text::display_text(&from.address),
        _ => t("unknownSender"),
    }
}

/// One message's card.
fn card(document: &Document, c: &mut Conversation, index: usize) -> Result<Element, JsValue> {
    let Some(message) = c.view.as_ref().and_then(|v| v.messages.get(index)).cloned() else {
        return el(document, "article", "msg", None);
    };
    let expanded = c.expanded.get(index).copied().unwrap_or(true);
    let unread = c.unread.get(index).copied().unwrap_or(false);
    let card = el(document, "article", "msg", None)?;
    card.set_attribute("data-index", &index.to_string())?;
    card.set_attribute("data-message", &message.id)?;
    if unread {
        card.set_attribute("data-unread", "")?;
    }
    card.set_attribute("data-expanded", if expanded { "true" } else { "false" })?;
    dom::append(
        &card,
        card_head(
            document,
            &message,
            index,
            expanded,
            c.request.tz_offset_minutes,
        )?,
    )?;
    if !expanded {
        return Ok(card);
    }
    let detail = el(document, "div", "msg-detail", None)?;
    let recipients = recipients_line(&message);
    dom::append(
        &detail,
        el(document, "span", "msg-recipients", Some(&recipients))?,
    )?;
    let unread_from = el(
        document,
        "button",
        "msg-tool",
        Some(&t("markUnreadFromHere")),
    )?;
    unread_from.set_attribute("type", "button")?;
    unread_from.set_attribute("data-reader-action", "unread-from")?;
    unread_from.set_attribute("data-index", &index.to_string())?;
    detail.append_child(&unread_from)?;
    card.append_child(&detail)?;
    let key = format!("{index}");
    body_and_files(document, c, &message, &message.id, &key, &card, 0)?;
    Ok(card)
}

/// The one-line header, a button that expands or collapses the card.
fn card_head(
    document: &Document,
    message: &MessageView,
    index: usize,
    expanded: bool,
    tz: i32,
) -> Result<Element, JsValue> {
    let head = el(document, "button", "msg-head", None)?;
    head.set_attribute("type", "button")?;
    head.set_attribute("data-reader-action", "toggle")?;
    head.set_attribute("data-index", &index.to_string())?;
    head.set_attribute("aria-expanded", if expanded { "true" } else { "false" })?;
    let name = sender_name(message);
    let address = message
        .from
        .as_ref()
        .map(|f| text::display_text(&f.address))
        .unwrap_or_default();
    // The sender's initial is mail.
    let avatar = dom::mail_el(
        document,
        "span",
        "msg-avatar",
        &name
            .chars()
            .next()
            .map(|c| c.to_uppercase().to_string())
            .unwrap_or_default(),
    )?;
    avatar.set_attribute("aria-hidden", "true")?;
    avatar.set_attribute("style", &format!("--hue: {}", avatar_hue(&address)))?;
    head.append_child(&avatar)?;
    let who = el(document, "span", "msg-who", None)?;
    dom::append(&who, dom::mail_el(document, "span", "msg-name", &name)?)?;
    if expanded && !address.is_empty() && address != name {
        dom::append(
            &who,
            dom::mail_el(document, "span", "msg-addr", &format!("<{address}>"))?,
        )?;
    }
    head.append_child(&who)?;
    if !expanded {
        let snippet = if text::is_blank_text(&message.snippet) {
            String::new()
        } else {
            text::display_text(&message.snippet)
        };
        dom::append(&head, el(document, "span", "msg-snippet", Some(&snippet))?)?;
    }
    if !message.attachments.is_empty() {
        let clip = dom::icon(document, Icon::Attachment)?;
        clip.set_attribute("class", "msg-clip")?;
        head.append_child(&clip)?;
    }
    if let Some(ms) = message.date_ms.and_then(|ms| u64::try_from(ms).ok()) {
        let date = el(
            document,
            "time",
            "msg-date",
            Some(&crate::i18n::shown_date(ms, now_ms(), tz)),
        )?;
        date.set_attribute("title", &crate::i18n::full_date(ms, tz))?;
        head.append_child(&date)?;
    } else if !message.date_header.is_empty() {
        dom::append(
            &head,
            el(
                document,
                "span",
                "msg-date",
                Some(&text::display_text(&message.date_header)),
            )?,
        )?;
    }
    Ok(head)
}

/// "to Ann Lee, bob@example.com · cc Carl"
fn recipients_line(message: &MessageView) -> String {
    let names = |list: &[gmux_mail::mime::headers::Mailbox]| {
        list.iter()
            .map(|m| {
                if text::is_blank_text(&m.name) {
                    text::display_text(&m.address)
                } else {
                    text::display_text(&m.name)
                }
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut line = String::new();
    if !message.to.is_empty() {
        line.push_str(&t_with("recipientsTo", &[&names(&message.to)]));
    }
    if !message.cc.is_empty() {
        if !line.is_empty() {
            line.push_str(" · ");
        }
        line.push_str(&t_with("recipientsCc", &[&names(&message.cc)]));
    }
    text::truncate_chars(&line, 600)
}

/// What gmux-mail could not show of a message, in the browser's language.
fn notice_text(notice: &Notice) -> String {
    match notice {
        Notice::PartsLeftOut => t("noticePartsLeftOut"),
        Notice::PartCutOff => t("noticePartCutOff"),
        Notice::PartEmpty => t("noticePartEmpty"),
        Notice::Encrypted => t("noticeEncrypted"),
        Notice::UnknownCharset { charset } => t_with("noticeUnknownCharset", &[charset]),
        Notice::TextCut { shown_bytes } => {
            t_with("noticeTextCut", &[&crate::i18n::size(*shown_bytes)])
        }
        Notice::TextAsAttachment => t("noticeTextAsAttachment"),
        Notice::ImageAsAttachment => t("noticeImageAsAttachment"),
        Notice::AttachmentInGmail => t("noticeAttachmentInGmail"),
        Notice::DocumentCut => t("noticeDocumentCut"),
        Notice::FormattingSimplified => t("noticeFormattingSimplified"),
    }
}

/// The notices, the images bar, the body, the attachments and forwarded messages of one message.
fn body_and_files(
    document: &Document,
    c: &mut Conversation,
    message: &MessageView,
    gmail_id: &str,
    key: &str,
    into: &Element,
    depth: usize,
) -> Result<(), JsValue> {
    for notice in &message.notices {
        let line = el(document, "p", "msg-notice", Some(&notice_text(notice)))?;
        line.set_attribute("role", "note")?;
        into.append_child(&line)?;
    }
    if blocks_remote(&message.body) && !c.images.contains(gmail_id) {
        dom::append(into, images_bar(document, message, gmail_id)?)?;
    }
    let body = el(document, "div", "msg-body", None)?;
    match &message.body {
        Body::Empty => dom::append(&body, el(document, "p", "msg-empty", Some(&t("noText")))?)?,
        Body::Text { segments } => text_body(document, &body, segments)?,
        Body::Html { document: html, .. } => {
            dom::append(&body, frame(document, html, &sender_name(message))?)?;
        }
    }
    into.append_child(&body)?;
    if !message.attachments.is_empty() {
        let list = el(document, "ul", "msg-files", None)?;
        list.set_attribute("aria-label", &t("attachments"))?;
        for (n, attachment) in message.attachments.iter().enumerate() {
            let download_key = format!("{key}.a{n}");
            c.downloads.insert(
                download_key.clone(),
                Download {
                    message: gmail_id.to_string(),
                    attachment_id: attachment.attachment_id.clone(),
                    content_base64: attachment.content_base64.clone(),
                    file_name: attachment.file_name.clone(),
                },
            );
            dom::append(&list, file_item(document, attachment, &download_key)?)?;
        }
        into.append_child(&list)?;
    }
    for (n, forwarded) in message.forwarded.iter().enumerate() {
        if depth >= MAX_NESTED {
            break;
        }
        let section = el(document, "section", "msg-forwarded", None)?;
        dom::append(
            &section,
            el(
                document,
                "p",
                "msg-forwarded-label",
                Some(&t("forwardedMessage")),
            )?,
        )?;
        let nested = el(document, "article", "msg nested", None)?;
        nested.set_attribute("data-expanded", "true")?;
        let head = el(document, "div", "msg-head nested-head", None)?;
        let who = el(document, "span", "msg-who", None)?;
        dom::append(
            &who,
            el(document, "span", "msg-name", Some(&sender_name(forwarded)))?,
        )?;
        if let Some(from) = &forwarded.from {
            dom::append(
                &who,
                dom::mail_el(
                    document,
                    "span",
                    "msg-addr",
                    &format!("<{}>", text::display_text(&from.address)),
                )?,
            )?;
        }
        head.append_child(&who)?;
        if !forwarded.date_header.is_empty() {
            dom::append(
                &head,
                el(
                    document,
                    "span",
                    "msg-date",
                    Some(&text::display_text(&forwarded.date_header)),
                )?,
            )?;
        }
        nested.append_child(&head)?;
        if !text::is_blank_text(&forwarded.subject) {
            dom::append(
                &nested,
                el(
                    document,
                    "p",
                    "msg-nested-subject",
                    Some(&text::display_text(&forwarded.subject)),
                )?,
            )?;
        }
        let recipients = recipients_line(forwarded);
        if !recipients.is_empty() {
            dom::append(
                &nested,
                el(document, "p", "msg-recipients", Some(&recipients))?,
            )?;
        }
        body_and_files(
            document,
            c,
            forwarded,
            gmail_id,
            &format!("{key}.f{n}"),
            &nested,
            depth + 1,
        )?;
        section.append_child(&nested)?;
        into.append_child(&section)?;
    }
    Ok(())
}

/// "Images are hidden" with Show images and, for a sender with an address, Always.
fn images_bar(
    document: &Document,
    message: &MessageView,
    gmail_id: &str,
) -> Result<Element, JsValue> {
    let bar = el(document, "div", "msg-images", None)?;
    bar.set_attribute("role", "note")?;
    dom::append(
        &bar,
        el(
            document,
            "span",
            "msg-images-text",
            Some(&t("imagesHidden")),
        )?,
    )?;
    let show = el(document, "button", "quiet", Some(&t("showImages")))?;
    show.set_attribute("type", "button")?;
    show.set_attribute("data-reader-action", "show-images")?;
    show.set_attribute("data-message", gmail_id)?;
    bar.append_child(&show)?;
    if let Some(from) = message.from.as_ref().filter(|f| f.address.contains('@')) {
        let always = el(
            document,
            "button",
            "link",
            Some(&t_with("alwaysFrom", &[&text::display_text(&from.address)])),
        )?;
        always.set_attribute("type", "button")?;
        always.set_attribute("data-reader-action", "always-images")?;
        always.set_attribute("data-message", gmail_id)?;
        always.set_attribute("data-sender", &from.address)?;
        bar.append_child(&always)?;
    }
    Ok(bar)
}

/// Plain text: visible runs as text (web addresses as links), quoted runs folded behind a toggle.
fn text_body(document: &Document, into: &Element, segments: &[TextSegment]) -> Result<(), JsValue> {
    let mut pending_visible = String::new();
    let flush = |text: &mut String| -> Result<(), JsValue> {
        let trimmed = text.trim_end_matches(['\n', '\r', ' ']);
        if !trimmed.trim().is_empty() {
            let block = el(document, "div", "msg-text", None)?;
            linkify(document, &block, trimmed)?;
            into.append_child(&block)?;
        }
        text.clear();
        Ok(())
    };
    for segment in segments {
        if !segment.quoted {
            pending_visible.push_str(&segment.text);
            continue;
        }
        flush(&mut pending_visible)?;
        let toggle = el(document, "button", "quote-toggle", Some("•••"))?;
        toggle.set_attribute("type", "button")?;
        toggle.set_attribute("data-reader-action", "quote")?;
        toggle.set_attribute("aria-expanded", "false")?;
        toggle.set_attribute("aria-label", &t("showQuoted"))?;
        toggle.set_attribute("title", &t("showQuoted"))?;
        into.append_child(&toggle)?;
        let quoted = el(document, "div", "msg-text msg-quoted", None)?;
        quoted.set_attribute("hidden", "")?;
        linkify(
            document,
            &quoted,
            segment.text.trim_end_matches(['\n', '\r', ' ']),
        )?;
        into.append_child(&quoted)?;
    }
    flush(&mut pending_visible)
}

/// Shows or hides the quoted text after a toggle.
pub fn toggle_quote(button: &Element) {
    let Some(quoted) = button.next_element_sibling() else {
        return;
    };
    let open = quoted.has_attribute("hidden");
    let _ = if open {
        quoted.remove_attribute("hidden")
    } else {
        quoted.set_attribute("hidden", "")
    };
    let _ = button.set_attribute("aria-expanded", if open { "true" } else { "false" });
    let label = if open {
        t("hideQuoted")
    } else {
        t("showQuoted")
    };
    let _ = button.set_attribute("aria-label", &label);
    let _ = button.set_attribute("title", &label);
}

/// Text with `http(s)://` addresses as links that open in a new tab, showing where they go.
fn linkify(document: &Document, into: &Element, text: &str) -> Result<(), JsValue> {
    let mut rest = text;
    while let Some(start) = find_url(rest) {
        let (before, from) = rest.split_at(start);
        if !before.is_empty() {
            into.append_child(&document.create_text_node(before))?;
        }
        let end = from
            .find(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '"'))
            .unwrap_or(from.len());
        let mut url = &from[..end];
        url = url.trim_end_matches(['.', ',', ';', ':', '!', '?', ')', ']', '}', '\'']);
        let link = el(document, "a", "", Some(url))?;
        link.set_attribute("href", url)?;
        link.set_attribute("target", "_blank")?;
        link.set_attribute("rel", "noopener noreferrer")?;
        link.set_attribute("title", url)?;
        into.append_child(&link)?;
        rest = &from[url.len()..];
    }
    if !rest.is_empty() {
        into.append_child(&document.create_text_node(rest))?;
    }
    Ok(())
}

/// Where the next `http://` or `https://` address starts (at least one character after the scheme).
fn find_url(text: &str) -> Option<usize> {
    let mut offset = 0;
    while let Some(found) = text[offset..].find("http") {
        let at = offset + found;
        let rest = &text[at..];
        let after = rest
            .strip_prefix("https://")
            .or_else(|| rest.strip_prefix("http://"));
        let boundary = text[..at]
            .chars()
            .next_back()
            .is_none_or(|c| !c.is_alphanumeric());
        if let Some(after) = after {
            if boundary && after.chars().next().is_some_and(|c| c.is_alphanumeric()) {
                return Some(at);
            }
        }
        offset = at + 4;
    }
    None
}

/// Keeps one empty frame with the messages' sandbox in the page while it lives. A browser that isolates sandboxed
/// frames in a process of their own (Chromium does) then keeps that process, and a message's frame loads in it
/// at once, instead of waiting for a new process each time a conversation opens.
pub fn keep_sandbox_warm() {
    let Ok(document) = dom::document() else {
        return;
    };
    if document.get_element_by_id("reader-warm").is_some() {
        return;
    }
    let made = (|| -> Result<(), JsValue> {
        let frame: HtmlIFrameElement = document.create_element("iframe")?.dyn_into()?;
        frame.set_id("reader-warm");
        frame.set_attribute("sandbox", FRAME_SANDBOX)?;
        frame.set_attribute("aria-hidden", "true")?;
        frame.set_attribute("tabindex", "-1")?;
        frame.set_attribute("title", "")?;
        frame.set_attribute("class", "reader-warm")?;
        frame.set_srcdoc("<!doctype html><meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'\">");
        if let Some(body) = document.body() {
            body.append_child(&frame)?;
        }
        Ok(())
    })();
    if let Err(e) = made {
        log_error("keeping the reader's frame process", e);
    }
}

/// The sanitised document in a frame that runs nothing and reaches nothing.
fn frame(document: &Document, html: &str, from: &str) -> Result<Element, JsValue> {
    let frame: HtmlIFrameElement = document.create_element("iframe")?.dyn_into()?;
    frame.set_attribute("sandbox", FRAME_SANDBOX)?;
    frame.set_attribute("referrerpolicy", "no-referrer")?;
    frame.set_attribute("class", "msg-frame")?;
    frame.set_attribute("title", &t_with("messageFrom", &[from]))?;
    frame.set_attribute("style", &format!("height: {}px", super::frame_height(html)))?;
    let onload = Closure::once_into_js(move || {
        if let Some(generation) = super::current_generation() {
            stamp_first_text(generation);
        }
    });
    frame.set_onload(Some(onload.unchecked_ref()));
    frame.set_srcdoc(html);
    Ok(frame.into())
}

/// One attachment: an icon, the safe name, type and size; a click downloads it.
fn file_item(document: &Document, attachment: &Attachment, key: &str) -> Result<Element, JsValue> {
    let item = el(document, "li", "file", None)?;
    let button = el(document, "button", "file-button", None)?;
    button.set_attribute("type", "button")?;
    button.set_attribute("data-reader-action", "download")?;
    button.set_attribute("data-download", key)?;
    let name = text::display_text(&attachment.file_name);
    button.set_attribute("title", &t_with("downloadFile", &[&name]))?;
    let icon = dom::icon(document, Icon::Attachment)?;
    icon.set_attribute("class", "file-icon")?;
    button.append_child(&icon)?;
    let words = el(document, "span", "file-words", None)?;
    dom::append(&words, dom::mail_el(document, "span", "file-name", &name)?)?;
    dom::append(
        &words,
        el(
            document,
            "span",
            "file-meta",
            Some(&format!(
                "{} · {}",
                file_type_words(&attachment.mime_type, &attachment.file_name),
                crate::i18n::size(attachment.size)
            )),
        )?,
    )?;
    button.append_child(&words)?;
    let get = dom::icon(document, Icon::Download)?;
    get.set_attribute("class", "file-get")?;
    button.append_child(&get)?;
    item.append_child(&button)?;
    Ok(item)
}

/// Stamps `#reader` with the time the first message's text was shown (the bench reads it), unless it has one.
fn stamp_first_text(generation: u64) {
    let first = with_current(generation, |c| {
        let first = !c.first_text;
        c.first_text = true;
        first
    });
    if first != Some(true) {
        return;
    }
    if let Some(reader) = dom::document()
        .ok()
        .and_then(|d| d.get_element_by_id("reader"))
    {
        let _ = reader.set_attribute("data-first-text-ms", &crate::timers::stamp_now());
    }
}

/// A text body is shown once it is in the page; an HTML one when its frame has loaded.
fn stamp_text_if_shown(generation: u64) {
    let text_first = with_current(generation, |c| {
        let view = c.view.as_ref()?;
        let index = c.expanded.iter().position(|e| *e)?;
        Some(!matches!(view.messages.get(index)?.body, Body::Html { .. }))
    });
    if text_first == Some(Some(true)) {
        stamp_first_text(generation);
    }
}

/// A file's type in the browser's language (core's `type_label` in English).
fn file_type_words(mime_type: &str, file_name: &str) -> String {
    use gmux_core::reader::FileType;
    match gmux_core::reader::file_type(mime_type, file_name) {
        FileType::Pdf => t("filePdf"),
        FileType::Html => t("fileHtml"),
        FileType::Zip => t("fileZip"),
        FileType::Text => t("fileText"),
        FileType::Calendar => t("fileCalendar"),
        FileType::Email => t("fileEmail"),
        FileType::Word => t("fileWord"),
        FileType::Spreadsheet => t("fileSpreadsheet"),
        FileType::Image(None) => t("fileImage"),
        FileType::Image(Some(kind)) => t_with("fileImageOf", &[&kind]),
        FileType::Extension(ext) => t_with("fileOf", &[&ext]),
        FileType::File => t("fileFile"),
    }
}
