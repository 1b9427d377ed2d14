//! What a message's reader says it could not show: a kind and a sentence.

use serde::{Deserialize, Serialize};

/// Something that could not be shown, said plainly.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notice {
    pub kind: NoticeKind,
    pub text: String,
}

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
    pub(crate) fn new(kind: NoticeKind, text: impl Into<String>) -> Notice {
        Notice {
            kind,
            text: text.into(),
        }
    }
}
