//! Attachments: their bytes from the background (`messages.attachments.get`, base64url) or carried in the view
//! (raw mail), handed to the browser as a download under the sender's file name made safe. The page saves a
//! `Blob` typed `application/octet-stream`, so the browser saves it rather than showing it: nothing from an
//! attachment runs or renders in gmux's pages.

use gmux_core::messages::Intent;
use gmux_core::reader::BodyReply;
use gmux_mail::mime::headers::base64_lenient;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Blob, BlobPropertyBag, HtmlAnchorElement, Url};

use crate::browser;
use crate::dom;
use crate::i18n::{t, t_with};

/// What a download button saves.
#[derive(Debug, Clone)]
pub struct Download {
    /// The Gmail message that holds the part (for a forwarded message, the one that carries it).
    pub message: String,
    pub attachment_id: Option<String>,
    /// Standard base64 of the bytes, when the view carries them (no attachment id).
    pub content_base64: Option<String>,
    /// Already made safe by gmux-mail.
    pub file_name: String,
}

/// An attachment's bytes, from the background.
pub async fn attachment_bytes(
    account: &str,
    message: &str,
    attachment: &str,
) -> Result<Vec<u8>, String> {
    let (reply, body) = browser::send_message_taking::<_, BodyReply>(
        &Intent::ReadAttachment {
            account: account.to_string(),
            message: message.to_string(),
            attachment: attachment.to_string(),
        },
        "body",
    )
    .await
    .map_err(|e| t_with("backgroundNoAnswer", &[&e.to_string()]))?;
    match body {
        Some(data) if reply.reply.ok => {
            base64_lenient(data.as_bytes()).ok_or_else(|| t("attachmentUnreadable"))
        }
        _ => Err(reply
            .reply
            .error
            .unwrap_or_else(|| t("attachmentNotDownloaded"))),
    }
}

/// Fetches (if needed) and saves one attachment.
pub async fn download(account: &str, download: &Download) -> Result<(), String> {
    let bytes = match (&download.attachment_id, &download.content_base64) {
        (Some(id), _) => attachment_bytes(account, &download.message, id).await?,
        (None, Some(data)) => {
            base64_lenient(data.as_bytes()).ok_or_else(|| t("attachmentCannotBeRead"))?
        }
        (None, None) => return Err(t("attachmentNoData")),
    };
    save(&bytes, &download.file_name).map_err(|e| {
        t_with(
            "browserDidNotSave",
            &[
                &download.file_name,
                &browser::BrowserError::from(e).to_string(),
            ],
        )
    })
}

/// Hands bytes to the browser as a download named `file_name`.
fn save(bytes: &[u8], file_name: &str) -> Result<(), JsValue> {
    let array = js_sys::Uint8Array::from(bytes);
    let parts = js_sys::Array::of1(&array);
    let options = BlobPropertyBag::new();
    options.set_type("application/octet-stream");
    let blob = Blob::new_with_u8_array_sequence_and_options(&parts, &options)?;
    let url = Url::create_object_url_with_blob(&blob)?;
    let document = dom::document()?;
    let link: HtmlAnchorElement = document.create_element("a")?.dyn_into()?;
    link.set_href(&url);
    link.set_download(file_name);
    link.set_attribute("hidden", "")?;
    let body = document
        .body()
        .ok_or_else(|| JsValue::from_str("no body"))?;
    body.append_child(&link)?;
    link.click();
    link.remove();
    // The browser reads the Blob when the download starts; the URL is freed a while later.
    wasm_bindgen_futures::spawn_local(async move {
        crate::timers::sleep(60_000).await;
        let _ = Url::revoke_object_url(&url);
    });
    Ok(())
}
