//! Writing mail: the Gmail calls behind the composer. The send-as addresses of an account
//! (`settings.sendAs.list`), a draft saved (`drafts.create`, then `drafts.update` with the same id), a draft
//! sent (`drafts.send`) or thrown away (`drafts.delete`).
//!
//! Why gmux sends through a draft and not `messages.send`: the message is a Gmail draft before it is sent, so a
//! send Gmail refuses (offline, 401, 429, 5xx after the client's retries) leaves it in Drafts with every word,
//! and a send is never made twice: `drafts.send` consumes the draft, so a retry of one that went through (its
//! answer lost) finds no draft (404) instead of sending again. A message larger than gmux-mail's
//! `MAX_RAW_JSON_MESSAGE_BYTES` goes through the upload endpoint as `message/rfc822` (a `multipart/related`
//! body of the JSON metadata and the message), which has no base64url third and is held to Gmail's 35 MB.

use base64::Engine as _;
use serde::Deserialize;
use serde_json::json;

use crate::client::{decode_json, encode_component, GmailClient};
use crate::error::GmailError;

/// Messages up to this size are saved as JSON `raw`; larger ones through the upload endpoint (gmux-mail's
/// `MAX_RAW_JSON_MESSAGE_BYTES`, repeated here: gmux-gmail does not depend on gmux-mail).
pub const MAX_RAW_JSON_BYTES: usize = 3 * 1024 * 1024;

/// One `settings.sendAs` resource (the fields gmux uses).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SendAs {
    pub send_as_email: String,
    #[serde(default)]
    pub display_name: String,
    #[serde(default)]
    pub is_default: bool,
    #[serde(default)]
    pub is_primary: bool,
    /// `accepted` for an alias that may be used; absent for the primary address.
    #[serde(default)]
    pub verification_status: Option<String>,
}

impl SendAs {
    /// Whether Gmail lets the account send from it: the primary address, or an alias it has verified.
    pub fn usable(&self) -> bool {
        self.is_primary
            || self
                .verification_status
                .as_deref()
                .is_none_or(|s| s == "accepted")
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SendAsList {
    #[serde(default)]
    send_as: Vec<SendAs>,
}

/// The account's send-as addresses Gmail lets it use (1 unit).
pub async fn send_as_list(client: &GmailClient) -> Result<Vec<SendAs>, GmailError> {
    let response = client
        .send(
            "GET",
            &GmailClient::user_path("settings/sendAs"),
            None,
            Vec::new(),
        )
        .await?;
    let list: SendAsList = decode_json(&response.body)?;
    Ok(list.send_as.into_iter().filter(SendAs::usable).collect())
}

/// A message Gmail has: its id and thread.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MessageRef {
    pub id: String,
    #[serde(default)]
    pub thread_id: String,
}

/// A draft Gmail has.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct DraftRef {
    pub id: String,
    #[serde(default)]
    pub message: MessageRef,
}

/// The body of a draft call: JSON with `raw`, or the upload endpoint's `multipart/related` of the metadata and
/// the message. Returns `(path prefix, content type, body)`.
fn draft_body(
    draft_id: Option<&str>,
    raw: &[u8],
    thread_id: Option<&str>,
) -> (&'static str, String, Vec<u8>) {
    let mut message = json!({});
    if let Some(thread) = thread_id {
        message["threadId"] = json!(thread);
    }
    let mut draft = json!({ "message": message });
    if let Some(id) = draft_id {
        draft["id"] = json!(id);
    }
    if raw.len() <= MAX_RAW_JSON_BYTES {
        draft["message"]["raw"] =
            json!(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw));
        return (
            "/gmail/v1",
            "application/json".to_string(),
            draft.to_string().into_bytes(),
        );
    }
    let boundary = upload_boundary(raw);
    let mut body = Vec::with_capacity(raw.len() + 512);
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n{draft}\r\n--{boundary}\r\nContent-Type: message/rfc822\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(raw);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (
        "/upload/gmail/v1",
        format!("multipart/related; boundary={boundary}"),
        body,
    )
}

/// A boundary that does not occur in the message.
fn upload_boundary(raw: &[u8]) -> String {
    let mut n = 0u32;
    loop {
        let boundary = format!("gmux_upload_{n}");
        if !raw
            .windows(boundary.len())
            .any(|w| w == boundary.as_bytes())
        {
            return boundary;
        }
        n += 1;
    }
}

/// Saves the message `raw` (RFC 5322 bytes) as a draft: `drafts.create` without an id, else `drafts.update` of
/// that draft (10 units each). `thread_id` puts a reply's draft in its conversation.
pub async fn save_draft(
    client: &GmailClient,
    draft_id: Option<&str>,
    raw: &[u8],
    thread_id: Option<&str>,
) -> Result<DraftRef, GmailError> {
    let (prefix, content_type, body) = draft_body(draft_id, raw, thread_id);
    let upload = if prefix.starts_with("/upload") {
        "?uploadType=multipart"
    } else {
        ""
    };
    let (method, path) = match draft_id {
        None => ("POST", format!("{prefix}/users/me/drafts{upload}")),
        Some(id) => (
            "PUT",
            format!("{prefix}/users/me/drafts/{}{upload}", encode_component(id)),
        ),
    };
    let response = client
        .send(method, &path, Some(&content_type), body)
        .await?;
    decode_json(&response.body)
}

/// Sends a saved draft (`drafts.send`, 100 units): Gmail sends the draft's message as it is and deletes the
/// draft. Retried by the client on 429 and 5xx; a retry of a send that went through finds no draft (404), so
/// nothing is sent twice.
pub async fn send_draft(client: &GmailClient, draft_id: &str) -> Result<MessageRef, GmailError> {
    let body = json!({ "id": draft_id }).to_string().into_bytes();
    let response = client
        .send(
            "POST",
            &GmailClient::user_path("drafts/send"),
            Some("application/json"),
            body,
        )
        .await?;
    decode_json(&response.body)
}

/// Throws a draft away (`drafts.delete`); one that is gone already counts as deleted.
pub async fn delete_draft(client: &GmailClient, draft_id: &str) -> Result<(), GmailError> {
    let path = GmailClient::user_path(&format!("drafts/{}", encode_component(draft_id)));
    match client.send("DELETE", &path, None, Vec::new()).await {
        Ok(_) => Ok(()),
        Err(e) if e.is_not_found() => Ok(()),
        Err(e) => Err(e),
    }
}

/// The values of the headers named `names` (case ignored) anywhere in a Gmail message or thread resource, read
/// from its JSON text without parsing it whole: a thread can be megabytes and nested deeper than a parser's
/// recursion limit, and only the address headers are wanted (for suggestions). A header is an object whose
/// `"name"` is followed by its `"value"`, as Gmail writes it.
pub fn header_values(json: &str, names: &[&str]) -> Vec<String> {
    const KEY: &str = "\"name\"";
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(found) = json[from..].find(KEY) {
        from += found + KEY.len();
        let rest = &json[from..];
        let Some((name, rest)) = colon_then_string(rest) else {
            continue;
        };
        if !names.iter().any(|n| n.eq_ignore_ascii_case(&name)) {
            continue;
        }
        let Some(rest) = rest.trim_start().strip_prefix(',') else {
            continue;
        };
        let Some(rest) = rest.trim_start().strip_prefix("\"value\"") else {
            continue;
        };
        if let Some((value, _)) = colon_then_string(rest) {
            out.push(value);
        }
    }
    out
}

/// `: "text"` at the start of `rest` (white space allowed): the string unescaped, and what follows it.
fn colon_then_string(rest: &str) -> Option<(String, &str)> {
    let rest = rest.trim_start().strip_prefix(':')?.trim_start();
    if !rest.starts_with('"') {
        return None;
    }
    let bytes = rest.as_bytes();
    let mut i = 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => {
                let value: String = serde_json::from_str(&rest[..=i]).ok()?;
                return Some((value, &rest[i + 1..]));
            }
            _ => i += 1,
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn address_headers_are_found_in_a_thread_without_parsing_it() {
        let cases: [(&str, Vec<&str>); 6] = [
            (
                r#"{"headers":[{"name":"From","value":"Ann <a@x.com>"},{"name":"Subject","value":"hi"}]}"#,
                vec!["Ann <a@x.com>"],
            ),
            (
                "{\"name\" : \"to\",\n \"value\": \"b@y.com, \\\"C, D\\\" <c@z.com>\"}",
                vec!["b@y.com, \"C, D\" <c@z.com>"],
            ),
            (
                r#"{"name":"Cc","value":"\u00c5sa <a@x.se>"}"#,
                vec!["Åsa <a@x.se>"],
            ),
            (r#"{"name":"From","value":"cut"#, vec![]),
            (r#"{"name":"From","size":3}"#, vec![]),
            (
                r#"{"subject":"\"name\":\"From\",\"value\":\"x@y\""}"#,
                vec![],
            ), // a subject cannot pose as a header
        ];
        for (json, expected) in cases {
            assert_eq!(
                header_values(json, &["From", "To", "Cc"]),
                expected,
                "{json}"
            );
        }
    }

    #[test]
    fn small_drafts_go_as_json_and_large_ones_as_an_upload() {
        let (prefix, ct, body) = draft_body(Some("r1"), b"Subject: x\r\n\r\nhi", Some("t1"));
        assert_eq!((prefix, ct.as_str()), ("/gmail/v1", "application/json"));
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(v["id"], "r1");
        assert_eq!(v["message"]["threadId"], "t1");
        assert_eq!(v["message"]["raw"], "U3ViamVjdDogeA0KDQpoaQ");

        let mut raw = b"Subject: big\r\n\r\ngmux_upload_0 ".to_vec();
        raw.resize(MAX_RAW_JSON_BYTES + 1, b'a');
        let (prefix, ct, body) = draft_body(None, &raw, None);
        assert_eq!(prefix, "/upload/gmail/v1");
        assert_eq!(ct, "multipart/related; boundary=gmux_upload_1");
        let text = String::from_utf8_lossy(&body[..200]);
        assert!(text.starts_with("--gmux_upload_1\r\nContent-Type: application/json"));
        assert!(body.ends_with(b"\r\n--gmux_upload_1--\r\n"));
    }

    #[test]
    fn only_usable_send_as_addresses_are_offered() {
        let list: SendAsList = serde_json::from_str(
            r#"{"sendAs":[
                {"sendAsEmail":"a@x.com","isPrimary":true,"isDefault":true},
                {"sendAsEmail":"b@x.com","verificationStatus":"accepted","displayName":"B"},
                {"sendAsEmail":"c@x.com","verificationStatus":"pending"}]}"#,
        )
        .unwrap();
        let usable: Vec<&str> = list
            .send_as
            .iter()
            .filter(|s| s.usable())
            .map(|s| s.send_as_email.as_str())
            .collect();
        assert_eq!(usable, ["a@x.com", "b@x.com"]);
    }
}
