//! What a message's reader says it could not show: one variant per reason, with the values its sentence needs
//! (a size, a charset's name). gmux-mail says no words: the reader words each variant in the browser's language
//! (issue 20), so a variant is data, and the tests check which one a message gets.

use serde::{Deserialize, Serialize};

/// Something that could not be shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "notice", rename_all = "snake_case")]
pub enum Notice {
    /// Parts nested too deeply or too many were left out.
    PartsLeftOut,
    /// A part was cut off or malformed; what could be read is shown.
    PartCutOff,
    /// A multipart part without parts, which could not be shown.
    PartEmpty,
    /// An encrypted message: gmux has no key.
    Encrypted,
    /// The text was written in a charset nobody could decode (its label as the mail named it, clipped); it was
    /// read as UTF-8.
    UnknownCharset { charset: String },
    /// The body was longer than the caps: only its first `shown_bytes` are shown.
    TextCut { shown_bytes: u64 },
    /// Part of the text was too large for Gmail to include in the message; it is listed as an attachment.
    TextAsAttachment,
    /// An inline image was too large to put in the document; it is listed as an attachment.
    ImageAsAttachment,
    /// An attachment was too large to carry here; Gmail can save it.
    AttachmentInGmail,
    /// The document's styles or images went past their caps; the rest was left out.
    DocumentCut,
    /// The formatting was nested too deeply or was too large, and was simplified.
    FormattingSimplified,
}

/// A notice's broad reason, for callers that group them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeKind {
    /// A part was malformed or cut off.
    Unreadable,
    /// A charset nobody could decode; the text was read as UTF-8.
    UnknownCharset,
    /// A body or image larger than the caps; the start is shown.
    TooLarge,
    /// Parts nested or numbered past the caps were left out.
    TooComplex,
    /// An encrypted message.
    Encrypted,
}

impl Notice {
    /// The broad reason of this notice.
    pub fn kind(&self) -> NoticeKind {
        match self {
            Notice::PartCutOff | Notice::PartEmpty => NoticeKind::Unreadable,
            Notice::UnknownCharset { .. } => NoticeKind::UnknownCharset,
            Notice::TextCut { .. }
            | Notice::TextAsAttachment
            | Notice::ImageAsAttachment
            | Notice::AttachmentInGmail
            | Notice::DocumentCut => NoticeKind::TooLarge,
            Notice::PartsLeftOut | Notice::FormattingSimplified => NoticeKind::TooComplex,
            Notice::Encrypted => NoticeKind::Encrypted,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(notice: Notice, kind: NoticeKind, json: &str) {
        assert_eq!(notice.kind(), kind, "{notice:?}");
        assert_eq!(
            serde_json::to_string(&notice).unwrap_or_default(),
            json,
            "{notice:?}"
        );
        let back: Result<Notice, _> = serde_json::from_str(json);
        assert_eq!(back.ok(), Some(notice));
    }

    #[test]
    fn each_notice_has_its_kind_and_crosses_json_with_its_values() {
        check(
            Notice::PartsLeftOut,
            NoticeKind::TooComplex,
            r#"{"notice":"parts_left_out"}"#,
        );
        check(
            Notice::PartCutOff,
            NoticeKind::Unreadable,
            r#"{"notice":"part_cut_off"}"#,
        );
        check(
            Notice::PartEmpty,
            NoticeKind::Unreadable,
            r#"{"notice":"part_empty"}"#,
        );
        check(
            Notice::Encrypted,
            NoticeKind::Encrypted,
            r#"{"notice":"encrypted"}"#,
        );
        check(
            Notice::UnknownCharset {
                charset: "x-martian".into(),
            },
            NoticeKind::UnknownCharset,
            r#"{"notice":"unknown_charset","charset":"x-martian"}"#,
        );
        check(
            Notice::TextCut {
                shown_bytes: 1 << 20,
            },
            NoticeKind::TooLarge,
            r#"{"notice":"text_cut","shown_bytes":1048576}"#,
        );
        check(
            Notice::TextAsAttachment,
            NoticeKind::TooLarge,
            r#"{"notice":"text_as_attachment"}"#,
        );
        check(
            Notice::ImageAsAttachment,
            NoticeKind::TooLarge,
            r#"{"notice":"image_as_attachment"}"#,
        );
        check(
            Notice::AttachmentInGmail,
            NoticeKind::TooLarge,
            r#"{"notice":"attachment_in_gmail"}"#,
        );
        check(
            Notice::DocumentCut,
            NoticeKind::TooLarge,
            r#"{"notice":"document_cut"}"#,
        );
        check(
            Notice::FormattingSimplified,
            NoticeKind::TooComplex,
            r#"{"notice":"formatting_simplified"}"#,
        );
    }
}
