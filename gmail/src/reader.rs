//! Reading a conversation: the Gmail calls behind the reader. A thread's whole `format=full` JSON (kept as text:
//! gmux-mail walks it in the page), an attachment's data, the account's label names, and "mark unread from
//! here" on some messages of a thread with the row and the counts following, as [`crate::SyncEngine::apply`]
//! does for a whole thread.

use std::collections::BTreeMap;

use gmux_core::inbox::{AccountInbox, ThreadRow};
use gmux_core::listing::LabelKind;
use gmux_core::messages::ThreadAction;
use gmux_core::reader::MAX_THREAD_BYTES;

use crate::api::ModifyRequest;
use crate::error::GmailError;
use crate::sync::optimistic_row;
use crate::{GmailClient, SyncEngine};

/// What reading a thread can end in besides Gmail's own errors.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error(transparent)]
    Gmail(#[from] GmailError),
    /// Gmail's answer is larger than [`MAX_THREAD_BYTES`].
    #[error("the conversation is {0} bytes, more than gmux shows")]
    TooLarge(usize),
}

/// The longest inline part data (base64url characters) passed on to a page: 4.5 MB decoded, more than any part
/// the reader shows whole (2 MB of HTML, 1 MB of text, a 4 MB inline image; see gmux-mail's caps).
pub const MAX_INLINE_DATA_CHARS: usize = 6 << 20;

/// `threads.get format=full` as text, each part's inline data cut to [`MAX_INLINE_DATA_CHARS`]: a 20 MB body
/// costs the page what it can show, not what Gmail sent.
pub async fn thread_json(client: &GmailClient, thread_id: &str) -> Result<String, ReadError> {
    let body = client.get_thread_full(thread_id).await?;
    let text = String::from_utf8(body).map_err(|e| {
        ReadError::Gmail(GmailError::Decode(format!(
            "the thread is not UTF-8 JSON: {e}"
        )))
    })?;
    let text = match trim_inline_data(&text, MAX_INLINE_DATA_CHARS) {
        std::borrow::Cow::Borrowed(_) => text,
        std::borrow::Cow::Owned(trimmed) => trimmed,
    };
    if text.len() > MAX_THREAD_BYTES {
        return Err(ReadError::TooLarge(text.len()));
    }
    Ok(text)
}

/// Cuts every `"data": "..."` value of a Gmail resource longer than `max` characters to a multiple of four at
/// most `max` (base64url decodes whole groups), leaving the rest of the JSON as it is. The text is not parsed:
/// a hostile part tree nests deeper than a parser's recursion limit, and a `"data"` key can only be a key here
/// (inside a string its quotes would be escaped). A value holding a quote escape is left alone.
pub fn trim_inline_data(json: &str, max: usize) -> std::borrow::Cow<'_, str> {
    const KEY: &str = "\"data\"";
    let keep = max / 4 * 4;
    let mut out: Option<String> = None;
    let mut copied = 0;
    let mut from = 0;
    while let Some(found) = json[from..].find(KEY) {
        let key_end = from + found + KEY.len();
        from = key_end;
        let rest = &json[key_end..];
        let after_colon = rest.trim_start();
        let Some(after_colon) = after_colon.strip_prefix(':') else {
            continue;
        };
        let value = after_colon.trim_start();
        let Some(value) = value.strip_prefix('"') else {
            continue;
        };
        let start = json.len() - value.len();
        let Some(len) = value.find('"') else { break };
        if len <= keep || value[..len].contains('\\') {
            from = start + len;
            continue;
        }
        let out = out.get_or_insert_with(|| String::with_capacity(json.len().min(keep * 4)));
        out.push_str(&json[copied..start + keep]);
        copied = start + len;
        from = copied;
    }
    match out {
        None => std::borrow::Cow::Borrowed(json),
        Some(mut out) => {
            out.push_str(&json[copied..]);
            std::borrow::Cow::Owned(out)
        }
    }
}

/// One attachment's data as base64url text (`messages.attachments.get`).
pub async fn attachment_data(
    client: &GmailClient,
    message_id: &str,
    attachment_id: &str,
) -> Result<String, GmailError> {
    Ok(client.get_attachment(message_id, attachment_id).await?.data)
}

/// The account's user labels, id to name (`labels.list`, 1 unit).
pub async fn label_names(client: &GmailClient) -> Result<BTreeMap<String, String>, GmailError> {
    Ok(crate::listing::list_labels(client)
        .await?
        .into_iter()
        .filter(|l| l.kind == LabelKind::User)
        .map(|l| (l.id, l.name))
        .collect())
}

/// Marks `message_ids` of `thread_id` unread (`messages.batchModify`), updates the thread's row (unread, as
/// the caller showed it at once with `optimistic_row(row, MarkUnread)`) and the account's counts, and returns
/// the row.
pub async fn mark_unread_from(
    engine: &SyncEngine,
    inbox: &mut AccountInbox,
    thread_id: &str,
    message_ids: &[String],
) -> Result<Option<ThreadRow>, GmailError> {
    if message_ids.is_empty() {
        return Ok(None);
    }
    let client = engine.client(&inbox.account.id);
    let change = ModifyRequest {
        add_label_ids: vec!["UNREAD".to_string()],
        remove_label_ids: Vec::new(),
    };
    client
        .batch_modify_messages(message_ids, &change)
        .await
        .map_err(|e| e.error)?;
    let row = inbox
        .threads
        .iter()
        .find(|r| r.thread_id == thread_id)
        .map(|r| optimistic_row(r, ThreadAction::MarkUnread));
    if let Some(row) = &row {
        inbox.replace_thread(row.clone());
    }
    // The exact counters; if only this read fails, the change stands and the next sync corrects the counts.
    if let Ok(label) = client.get_label("INBOX").await {
        inbox.account.counts = label.counts();
    }
    Ok(row)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_inline_data_is_cut_to_whole_groups_and_nothing_else_changes() {
        let cases = [
            (r#"{"data":"abcdefghij"}"#, r#"{"data":"abcdefgh"}"#),
            (
                r#"{"data" : "abcdefghij","size":10}"#,
                r#"{"data" : "abcdefgh","size":10}"#,
            ),
            (r#"{"data":"abcd"}"#, r#"{"data":"abcd"}"#),
            (r#"{"data":"abcdefgh"}"#, r#"{"data":"abcdefgh"}"#),
            (
                r#"{"name":"data","value":"abcdefghijkl"}"#,
                r#"{"name":"data","value":"abcdefghijkl"}"#,
            ),
            (
                r#"{"subject":"\"data\":\"abcdefghijkl"}"#,
                r#"{"subject":"\"data\":\"abcdefghijkl"}"#,
            ),
            (
                r#"{"data":"abcdefg\"hijkl"}"#,
                r#"{"data":"abcdefg\"hijkl"}"#,
            ),
            (
                r#"[{"data":"0123456789"},{"data":"abcdefghij"}]"#,
                r#"[{"data":"01234567"},{"data":"abcdefgh"}]"#,
            ),
            (r#"{"data":"abcdefghij"#, r#"{"data":"abcdefghij"#),
            (r#"{"data":1234567890}"#, r#"{"data":1234567890}"#),
            ("", ""),
        ];
        for (input, want) in cases {
            assert_eq!(trim_inline_data(input, 9), want, "{input}");
        }
        assert!(matches!(
            trim_inline_data(r#"{"data":"ab"}"#, 9),
            std::borrow::Cow::Borrowed(_)
        ));
    }
}
