//! Small DOM helpers for the pages and the reader module. Every string reaches the page through `textContent` or
//! an attribute, never as markup.

use wasm_bindgen::JsValue;
use web_sys::{Document, Element};

const SVG_NS: &str = "http://www.w3.org/2000/svg";

/// The icons the row and account buttons use (Material Design paths, 24x24).
#[derive(Debug, Clone, Copy)]
pub enum Icon {
    Archive,
    Trash,
    MarkRead,
    MarkUnread,
    Star,
    StarOutline,
    Open,
    Back,
    Newer,
    Older,
    Attachment,
    Download,
    Bell,
    BellPaused,
    Reply,
    ReplyAll,
    Forward,
    Compose,
    Close,
    /// A clock: a change waiting for Gmail (issue 22).
    Pending,
}

impl Icon {
    fn path(self) -> &'static str {
        match self {
            Icon::Archive => "M20.54 5.23l-1.39-1.68C18.88 3.21 18.47 3 18 3H6c-.47 0-.88.21-1.16.55L3.46 5.23C3.17 5.57 3 6.02 3 6.5V19c0 1.1.9 2 2 2h14c1.1 0 2-.9 2-2V6.5c0-.48-.17-.93-.46-1.27zM12 17.5L6.5 12H10v-2h4v2h3.5L12 17.5zM5.12 5l.81-1h12l.94 1H5.12z",
            Icon::Trash => "M6 19c0 1.1.9 2 2 2h8c1.1 0 2-.9 2-2V7H6v12zM19 4h-3.5l-1-1h-5l-1 1H5v2h14V4z",
            Icon::MarkRead => "M21.99 8c0-.72-.37-1.35-.94-1.7L12 1 2.95 6.3C2.38 6.65 2 7.28 2 8v10c0 1.1.9 2 2 2h16c1.1 0 2-.9 2-2l-.01-10zM12 13L3.74 7.84 12 3l8.26 4.84L12 13z",
            Icon::MarkUnread => "M20 4H4c-1.1 0-1.99.9-1.99 2L2 18c0 1.1.9 2 2 2h16c1.1 0 2-.9 2-2V6c0-1.1-.9-2-2-2zm0 4l-8 5-8-5V6l8 5 8-5v2z",
            Icon::Star => "M12 17.27L18.18 21l-1.64-7.03L22 9.24l-7.19-.61L12 2 9.19 8.63 2 9.24l5.46 4.73L5.82 21z",
            Icon::StarOutline => "M22 9.24l-7.19-.62L12 2 9.19 8.63 2 9.24l5.46 4.73L5.82 21 12 17.27 18.18 21l-1.63-7.03L22 9.24zM12 15.4l-3.76 2.27 1-4.28-3.32-2.88 4.38-.38L12 6.1l1.71 4.04 4.38.38-3.32 2.88 1 4.28L12 15.4z",
            Icon::Open => "M19 19H5V5h7V3H5c-1.11 0-2 .9-2 2v14c0 1.1.89 2 2 2h14c1.1 0 2-.9 2-2v-7h-2v7zM14 3v2h3.59l-9.83 9.83 1.41 1.41L19 6.41V10h2V3h-7z",
            Icon::Back => "M20 11H7.83l5.59-5.59L12 4l-8 8 8 8 1.41-1.41L7.83 13H20v-2z",
            Icon::Newer => "M7.41 15.41L12 10.83l4.59 4.58L18 14l-6-6-6 6z",
            Icon::Older => "M7.41 8.59L12 13.17l4.59-4.58L18 10l-6 6-6-6 1.41-1.41z",
            Icon::Attachment => "M16.5 6v11.5c0 2.21-1.79 4-4 4s-4-1.79-4-4V5c0-1.38 1.12-2.5 2.5-2.5s2.5 1.12 2.5 2.5v10.5c0 .55-.45 1-1 1s-1-.45-1-1V6H10v9.5c0 1.38 1.12 2.5 2.5 2.5s2.5-1.12 2.5-2.5V5c0-2.21-1.79-4-4-4S7 2.79 7 5v12.5c0 3.04 2.46 5.5 5.5 5.5s5.5-2.46 5.5-5.5V6h-1.5z",
            Icon::Download => "M19 9h-4V3H9v6H5l7 7 7-7zM5 18v2h14v-2H5z",
            Icon::Bell => "M12 22c1.1 0 2-.9 2-2h-4c0 1.1.89 2 2 2zm6-6v-5c0-3.07-1.64-5.64-4.5-6.32V4c0-.83-.67-1.5-1.5-1.5s-1.5.67-1.5 1.5v.68C7.63 5.36 6 7.92 6 11v5l-2 2v1h16v-1l-2-2z",
            Icon::BellPaused => "M12 22c1.1 0 2-.9 2-2h-4c0 1.1.9 2 2 2zm6-6v-5c0-3.07-1.64-5.64-4.5-6.32V4c0-.83-.67-1.5-1.5-1.5s-1.5.67-1.5 1.5v.68C7.63 5.36 6 7.92 6 11v5l-2 2v1h16v-1l-2-2zm-3.5-6.2l-2.8 3.4h2.8V15h-5v-1.8l2.8-3.4H9.5V8h5v1.8z",
            Icon::Reply => "M10 9V5l-7 7 7 7v-4.1c5 0 8.5 1.6 11 5.1-1-5-4-10-11-11z",
            Icon::ReplyAll => "M7 8V5l-7 7 7 7v-3l-4-4 4-4zm6 1V5l-7 7 7 7v-4.1c5 0 8.5 1.6 11 5.1-1-5-4-10-11-11z",
            Icon::Forward => "M14 8V4l8 8-8 8v-4.1c-5 0-8.5 1.6-11 5.1 1-5 4-10 11-11z",
            Icon::Compose => "M3 17.25V21h3.75L17.81 9.94l-3.75-3.75L3 17.25zM20.71 7.04c.39-.39.39-1.02 0-1.41l-2.34-2.34a.996.996 0 0 0-1.41 0l-1.83 1.83 3.75 3.75 1.83-1.83z",
            Icon::Close => "M19 6.41L17.59 5 12 10.59 6.41 5 5 6.41 10.59 12 5 17.59 6.41 19 12 13.41 17.59 19 19 17.59 13.41 12z",
            Icon::Pending => "M11.99 2C6.47 2 2 6.48 2 12s4.47 10 9.99 10C17.52 22 22 17.52 22 12S17.52 2 11.99 2zM12 20c-4.42 0-8-3.58-8-8s3.58-8 8-8 8 3.58 8 8-3.58 8-8 8zm.5-13H11v6l5.25 3.15.75-1.23-4.5-2.67z",
        }
    }
}

pub fn document() -> Result<Document, JsValue> {
    web_sys::window()
        .and_then(|w| w.document())
        .ok_or_else(|| JsValue::from_str("no document"))
}

/// A new element with a class and, optionally, text.
pub fn el(
    document: &Document,
    tag: &str,
    class: &str,
    text: Option<&str>,
) -> Result<Element, JsValue> {
    let element = document.create_element(tag)?;
    if !class.is_empty() {
        element.set_class_name(class);
    }
    if let Some(text) = text {
        element.set_text_content(Some(text));
    }
    Ok(element)
}

/// A new element holding mail (a sender, a subject, a snippet, an address): its text keeps its own direction
/// whatever the page's (an English subject in a right-to-left page still ends with its question mark), and
/// `dir="auto"` tells the languages test that this text is mail, which no catalogue translates.
pub fn mail_el(
    document: &Document,
    tag: &str,
    class: &str,
    text: &str,
) -> Result<Element, JsValue> {
    let element = el(document, tag, class, Some(text))?;
    element.set_attribute("dir", "auto")?;
    Ok(element)
}

/// An icon-only button: the label is for screen readers and the tooltip, `action` for the page's click handler.
pub fn icon_button(
    document: &Document,
    icon: Icon,
    label: &str,
    action: &str,
) -> Result<Element, JsValue> {
    let button = el(document, "button", "icon", None)?;
    button.set_attribute("type", "button")?;
    button.set_attribute("data-action", action)?;
    button.set_attribute("aria-label", label)?;
    button.set_attribute("title", label)?;
    // Buttons inside a row are reached with the row's shortcuts; keeping them out of the tab order keeps Tab fast.
    button.set_attribute("tabindex", "-1")?;
    let svg = document.create_element_ns(Some(SVG_NS), "svg")?;
    svg.set_attribute("viewBox", "0 0 24 24")?;
    svg.set_attribute("aria-hidden", "true")?;
    let path = document.create_element_ns(Some(SVG_NS), "path")?;
    path.set_attribute("d", icon.path())?;
    svg.append_child(&path)?;
    button.append_child(&svg)?;
    Ok(button)
}

/// An icon alone (an `<svg>`), for a mark beside text.
pub fn icon(document: &Document, icon: Icon) -> Result<Element, JsValue> {
    let svg = document.create_element_ns(Some(SVG_NS), "svg")?;
    svg.set_attribute("viewBox", "0 0 24 24")?;
    svg.set_attribute("aria-hidden", "true")?;
    let path = document.create_element_ns(Some(SVG_NS), "path")?;
    path.set_attribute("d", icon.path())?;
    svg.append_child(&path)?;
    Ok(svg)
}

/// A text button.
pub fn text_button(
    document: &Document,
    class: &str,
    text: &str,
    action: &str,
) -> Result<Element, JsValue> {
    let button = el(document, "button", class, Some(text))?;
    button.set_attribute("type", "button")?;
    button.set_attribute("data-action", action)?;
    Ok(button)
}

/// Empties the element with `id` and returns it.
pub fn clear(document: &Document, id: &str) -> Result<Option<Element>, JsValue> {
    let Some(element) = document.get_element_by_id(id) else {
        return Ok(None);
    };
    element.set_text_content(None);
    Ok(Some(element))
}

/// Appends `child` to `parent`.
pub fn append(parent: &Element, child: Element) -> Result<(), JsValue> {
    parent.append_child(&child)?;
    Ok(())
}

/// [`clear`], only when the part is to be drawn again: the first time, and whenever what it is drawn from (`from`)
/// differs from last time (kept in `drawn`). A part with controls is left alone when nothing it shows changed, so
/// the page's other redraws (every sync writes the status) close no picker and take no focus from it.
pub fn clear_if_changed(
    document: &Document,
    id: &str,
    drawn: &'static std::thread::LocalKey<std::cell::RefCell<String>>,
    from: String,
) -> Result<Option<Element>, JsValue> {
    if document.get_element_by_id(id).is_none() || drawn.with(|d| *d.borrow() == from) {
        return Ok(None);
    }
    drawn.with(|d| *d.borrow_mut() = from);
    clear(document, id)
}

/// Says `text` through the page's live region (`#announce`, in the page's HTML from its first paint, so screen
/// readers already follow it: a region added together with its text is not announced). Nothing moves the focus.
pub fn announce(text: &str) {
    if let Some(region) = document()
        .ok()
        .and_then(|d| d.get_element_by_id("announce"))
    {
        region.set_text_content(Some(text));
    }
}

/// A notice of the pages' notice area (`#notices`): its kind (`data-notice`) and its sentence, as text.
pub fn notice(document: &Document, kind: &str, text: &str) -> Result<Element, JsValue> {
    let box_ = el(document, "div", "notice", None)?;
    box_.set_attribute("data-notice", kind)?;
    append(&box_, el(document, "span", "notice-text", Some(text))?)?;
    Ok(box_)
}
