//! What every feature's answer to a page is made of, below the features: the change to a thread a person asks
//! for ([`ThreadAction`]), and the background's reply to an intent ([`IntentReply`], with an [`IntentError`] code).
//! `messages` names the intents themselves, which carry the features' types; the features build replies, so the
//! reply types live here, where a feature can use them without reaching up to the intents (`messages` re-exports
//! them).

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::protocol::ErrorCode;

/// A change to one thread that the user asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ThreadAction {
    MarkRead,
    MarkUnread,
    Archive,
    Trash,
    Star,
    Unstar,
}

impl ThreadAction {
    /// The labels Gmail's `threads.modify` adds and removes for it (trash uses `threads.trash`).
    pub fn label_change(self) -> (&'static [&'static str], &'static [&'static str]) {
        match self {
            ThreadAction::MarkRead => (&[], &["UNREAD"]),
            ThreadAction::MarkUnread => (&["UNREAD"], &[]),
            ThreadAction::Archive => (&[], &["INBOX"]),
            ThreadAction::Trash => (&["TRASH"], &["INBOX"]),
            ThreadAction::Star => (&["STARRED"], &[]),
            ThreadAction::Unstar => (&[], &["STARRED"]),
        }
    }
}

/// The background's answer to an [`Intent`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IntentReply {
    pub ok: bool,
    /// A sentence for the user when `ok` is false.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Why, when `ok` is false.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<IntentError>,
}

impl IntentReply {
    pub fn ok() -> Self {
        IntentReply {
            ok: true,
            error: None,
            code: None,
        }
    }

    pub fn failed(code: IntentError, error: impl Into<String>) -> Self {
        IntentReply {
            ok: false,
            error: Some(error.into()),
            code: Some(code),
        }
    }

    /// gmux-host refused: its own code (as the intent's, where one means the same) and its own words.
    pub fn host_refused(code: ErrorCode, message: impl Into<String>) -> Self {
        IntentReply::failed(IntentError::from(code), message)
    }

    /// gmux-host is not connected (with the browser's reason when there is one).
    pub fn host_unavailable(reason: Option<&str>) -> Self {
        let sentence = match reason {
            Some(reason) => format!(
                "gmux-host is not connected ({reason}): open the gmux popup to see what to do"
            ),
            None => "gmux-host is not connected: open the gmux popup to see what to do".to_string(),
        };
        IntentReply::failed(IntentError::HostUnavailable, sentence)
    }
}

/// Why an intent failed: a stable code pages and tests can key on, written as a snake_case string. gmux-host's
/// own codes pass through as they are ([`IntentError::Host`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntentError {
    /// gmux-host is not connected.
    HostUnavailable,
    /// No such account (removed meanwhile).
    AccountUnknown,
    /// `storage.local` refused a write.
    StorageFailed,
    /// The browser could not open a tab.
    TabFailed,
    /// The background failed in a way it did not foresee (the sentence says how).
    Internal,
    /// Gmail could not be reached.
    Offline,
    /// Google no longer accepts the account's sign-in: it must be added again.
    ReauthRequired,
    /// gmux-host gave no access token (a locked keyring, Google's token endpoint unreachable).
    TokenUnavailable,
    /// gmux's grant lacks a permission Gmail asks for.
    ScopeMissing,
    /// Gmail has no such thread or message (any more).
    NotFound,
    /// Gmail is busy or limiting the rate; later will work.
    GmailBusy,
    /// Gmail answered an error or something gmux cannot read.
    GmailError,
    /// Gmail refused a search (its reason is the sentence).
    BadQuery,
    /// Gmail no longer accepts a page token: the list starts again from its first page.
    PageTokenExpired,
    /// The label shown no longer exists.
    LabelGone,
    /// gmux-host refused with a code of its own.
    Host(ErrorCode),
}

impl IntentError {
    pub(crate) const OWN: [IntentError; 15] = [
        IntentError::HostUnavailable,
        IntentError::AccountUnknown,
        IntentError::StorageFailed,
        IntentError::TabFailed,
        IntentError::Internal,
        IntentError::Offline,
        IntentError::ReauthRequired,
        IntentError::TokenUnavailable,
        IntentError::ScopeMissing,
        IntentError::NotFound,
        IntentError::GmailBusy,
        IntentError::GmailError,
        IntentError::BadQuery,
        IntentError::PageTokenExpired,
        IntentError::LabelGone,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            IntentError::HostUnavailable => "host_unavailable",
            IntentError::AccountUnknown => "account_unknown",
            IntentError::StorageFailed => "storage_failed",
            IntentError::TabFailed => "tab_failed",
            IntentError::Internal => "internal",
            IntentError::Offline => "offline",
            IntentError::ReauthRequired => "reauth_required",
            IntentError::TokenUnavailable => "token_unavailable",
            IntentError::ScopeMissing => "scope_missing",
            IntentError::NotFound => "not_found",
            IntentError::GmailBusy => "gmail_busy",
            IntentError::GmailError => "gmail_error",
            IntentError::BadQuery => "bad_query",
            IntentError::PageTokenExpired => "page_token_expired",
            IntentError::LabelGone => "label_gone",
            IntentError::Host(code) => code.as_str(),
        }
    }

    /// The code for `text`: one of the intent's own, else one of gmux-host's.
    pub fn parse(text: &str) -> Option<IntentError> {
        IntentError::OWN
            .into_iter()
            .find(|e| e.as_str() == text)
            .or_else(|| {
                ErrorCode::ALL
                    .iter()
                    .find(|c| c.as_str() == text)
                    .map(|c| IntentError::from(*c))
            })
    }
}

impl From<ErrorCode> for IntentError {
    /// A host code that means what an intent code means becomes that one, so a page sees one name per reason.
    fn from(code: ErrorCode) -> Self {
        match code {
            ErrorCode::AccountUnknown => IntentError::AccountUnknown,
            ErrorCode::ReauthRequired => IntentError::ReauthRequired,
            ErrorCode::Internal => IntentError::Internal,
            other => IntentError::Host(other),
        }
    }
}

impl Serialize for IntentError {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for IntentError {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        // An unknown code (a newer background) still reads as a failure, with its sentence.
        Ok(IntentError::parse(&text).unwrap_or(IntentError::Internal))
    }
}
