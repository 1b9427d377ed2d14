//! The popup, new-tab and options pages. Each asks the background for the host's status and renders it.
//! Every string reaches the DOM through `textContent`.

use serde_json::json;
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::spawn_local;
use web_sys::{Document, Element};

use crate::browser::{self, BrowserError};
use crate::status::{HostStatus, StatusView};
use crate::timers::{now_ms, sleep};

/// The background may still be starting when a page opens (a Chrome worker being restarted, a Firefox event
/// page waking); a few short retries cover that without hiding a background that really is broken.
const STATUS_ATTEMPTS: u32 = 20;

pub fn start() {
    spawn_local(async {
        let status = match query_status().await {
            Ok(status) => status,
            Err(e) => HostStatus::Error {
                error: format!("the gmux background did not answer: {e}"),
            },
        };
        if let Err(e) = render_status(&status) {
            web_sys::console::error_1(&JsValue::from_str(&format!(
                "gmux: the page could not be drawn: {e:?}"
            )));
        }
    });
}

async fn query_status() -> Result<HostStatus, BrowserError> {
    let mut attempt = 1;
    loop {
        match browser::send_message::<_, HostStatus>(&json!({"type": "status"})).await {
            Ok(status) => return Ok(status),
            Err(e) if attempt < STATUS_ATTEMPTS => {
                web_sys::console::warn_1(&JsValue::from_str(&format!(
                    "gmux: asking the background again: {e}"
                )));
                attempt += 1;
                sleep(150).await;
            }
            Err(e) => return Err(e),
        }
    }
}

fn element(
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

/// Fills `#status-card` and stamps `#status` with `data-painted-ms` (ms since navigation start) last, so the
/// stamp means "the whole status is in the DOM".
fn render_status(status: &HostStatus) -> Result<(), JsValue> {
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or("no document")?;
    let card = document
        .get_element_by_id("status-card")
        .ok_or("the page has no #status-card")?;
    let view = StatusView::of(status);

    card.set_text_content(None);
    card.set_attribute("data-state", view.state)?;

    let line = element(&document, "div", "status-line", None)?;
    let dot = element(&document, "span", "dot", None)?;
    line.append_child(&dot)?;
    let headline = element(&document, "p", "headline", Some(&view.headline))?;
    headline.set_id("status");
    headline.set_attribute("data-state", view.state)?;
    line.append_child(&headline)?;
    card.append_child(&line)?;

    if let Some(detail) = &view.detail {
        let detail = element(&document, "p", "detail", Some(detail))?;
        card.append_child(&detail)?;
    }
    if let Some(command) = view.command {
        let block = element(&document, "pre", "command", None)?;
        let code = element(&document, "code", "", Some(command))?;
        code.set_id("install-command");
        block.append_child(&code)?;
        card.append_child(&block)?;
    }
    if let Some(hint) = &view.hint {
        let hint = element(&document, "p", "hint", Some(hint))?;
        card.append_child(&hint)?;
    }
    headline.set_attribute("data-painted-ms", &format!("{:.1}", now_ms()))?;
    Ok(())
}
