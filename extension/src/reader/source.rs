//! What the composer needs from the open conversation: the message answered or forwarded as a
//! [`ReplySource`] (its headers as Gmail decoded them, its text, its attachments), read from the JSON the reader
//! already holds. The text is the plain body when the message has one; an HTML-only message gives the text of
//! its sanitised document.

use gmux_core::compose::{mailbox_text, ReplySource, SourceAttachment};
use gmux_mail::mime::headers::Mailbox;
use gmux_mail::mime::{self, Body, MessageView, ReadOptions};

use super::{charsets, OPEN};

fn list_text(list: &[Mailbox]) -> String {
    list.iter()
        .map(|m| mailbox_text(m.name.trim(), &m.address))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The source for `message` (a Gmail id) of the open conversation, or its last message that is not a draft.
pub fn reply_source(message: Option<&str>) -> Option<ReplySource> {
    let json = OPEN.with(|o| o.borrow().as_ref().and_then(|c| c.json.clone()))?;
    let options = |_: &str| ReadOptions {
        prefer_plain: true,
        allow_remote: false,
        cid_images: Default::default(),
    };
    let view = mime::read_thread_json_each(&json, &charsets::TextDecoders, &options).ok()?;
    let chosen = match message {
        Some(id) => view.messages.iter().find(|m| m.id == id),
        None => view
            .messages
            .iter()
            .rev()
            .find(|m| !m.label_ids.iter().any(|l| l == "DRAFT")),
    }?;
    Some(source_of(chosen))
}

fn source_of(m: &MessageView) -> ReplySource {
    let text = match &m.body {
        Body::Text { segments } => segments
            .iter()
            .map(|s| s.text.as_str())
            .collect::<Vec<_>>()
            .join(""),
        Body::Html { document, .. } => html_text(document),
        _ => m.snippet.clone(),
    };
    ReplySource {
        message: m.id.clone(),
        message_id: m.message_id.clone(),
        references: m.references.clone(),
        in_reply_to: m.in_reply_to.clone(),
        subject: m.subject.clone(),
        from: m
            .from
            .as_ref()
            .map(|f| list_text(std::slice::from_ref(f)))
            .unwrap_or_default(),
        reply_to: list_text(&m.reply_to),
        to: list_text(&m.to),
        cc: list_text(&m.cc),
        date_ms: m.date_ms,
        text,
        attachments: m
            .attachments
            .iter()
            .filter_map(|a| {
                Some(SourceAttachment {
                    message: m.id.clone(),
                    attachment: a.attachment_id.clone()?,
                    file_name: a.file_name.clone(),
                    mime_type: a.mime_type.clone(),
                    size: a.size,
                })
            })
            .collect(),
    }
}

/// The text of a sanitised HTML document: its body's text with line breaks where blocks end. The document is
/// the sanitiser's (no script, no comments that matter), so a tag walk is enough.
pub fn html_text(document: &str) -> String {
    let body = document
        .find("<body")
        .map(|i| &document[i..])
        .unwrap_or(document);
    let mut out = String::with_capacity(body.len() / 2);
    let mut rest = body;
    let mut skip_until: Option<&str> = None;
    while let Some(open) = rest.find('<') {
        if skip_until.is_none() {
            out.push_str(&unescape(&rest[..open]));
        }
        let Some(close) = rest[open..].find('>') else {
            break;
        };
        let tag = rest[open + 1..open + close].to_ascii_lowercase();
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        if let Some(end) = skip_until {
            if tag.starts_with('/') && name == end {
                skip_until = None;
            }
        } else if !tag.starts_with('/') && matches!(name.as_str(), "style" | "head" | "title") {
            skip_until = Some(match name.as_str() {
                "style" => "style",
                "head" => "head",
                _ => "title",
            });
        } else if name == "br"
            || matches!(
                name.as_str(),
                "p" | "div" | "tr" | "li" | "h1" | "h2" | "h3" | "h4" | "blockquote" | "table"
            )
        {
            out.push('\n');
        }
        rest = &rest[open + close + 1..];
    }
    if skip_until.is_none() {
        out.push_str(&unescape(rest));
    }
    let mut text = String::with_capacity(out.len());
    let mut blank = 0;
    for line in out.lines().map(str::trim_end) {
        if line.trim().is_empty() {
            blank += 1;
            if blank > 1 || text.is_empty() {
                continue;
            }
        } else {
            blank = 0;
        }
        text.push_str(line.trim_start());
        text.push('\n');
    }
    text.trim_end().to_string()
}

fn unescape(text: &str) -> String {
    text.replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_mail_quotes_as_its_text() {
        let cases = [
            (
                "<html><head><style>p{}</style></head><body><p>Hello&nbsp;<b>Ann</b></p><p>A &amp; B</p></body></html>",
                "Hello Ann\n\nA & B",
            ),
            ("<body>one<br>two<div>three</div></body>", "one\ntwo\nthree"),
            ("<body><p>a</p>\n\n\n<p>b</p></body>", "a\n\nb"),
            ("plain", "plain"),
            ("<body>&lt;script&gt;</body>", "<script>"),
        ];
        for (html, text) in cases {
            assert_eq!(html_text(html), text, "{html}");
        }
    }
}
