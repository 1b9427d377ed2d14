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

/// What went wrong between gmux and Gmail for one account, as data: the pages and the background say it in the
/// browser's language, in words that fit what the person was doing (a sync retries by itself; a click is tried
/// again by hand). Gmail's and gmux-host's own reasons ride inside as they came, untranslated. It is stored with
/// an account's health in `storage.local["inbox"]`, so its shape only grows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Cause {
    /// Google no longer accepts the account's sign-in: it must be added again.
    ReauthRequired,
    /// Gmail could not be reached.
    Offline,
    /// gmux-host gave no access token; `reason` is the host's own (a locked keyring, Google unreachable).
    NoToken { reason: String },
    /// gmux's grant lacks a permission Gmail asks for.
    ScopeMissing,
    /// Gmail no longer has what was asked for (404).
    NotFound,
    /// Gmail is busy or limiting the rate, after the client's retries (`status`, Gmail's `reason`).
    Busy { status: u16, reason: String },
    /// Gmail refused the request (400); `message` is Gmail's own.
    Refused { status: u16, message: String },
    /// Gmail answered another error (`status`, Gmail's `reason`).
    GmailError { status: u16, reason: String },
    /// Gmail answered something gmux cannot read.
    Unreadable,
}

impl Cause {
    /// Whether the trouble is before Gmail (gmux-host, the grant), so a banner that says "Gmail is not
    /// answering" is worth the sentence that says what really is wrong.
    pub fn is_before_gmail(&self) -> bool {
        matches!(self, Cause::NoToken { .. } | Cause::ScopeMissing)
    }

    /// Gmail's status and reason as one short technical token (`503 backendError`), for the sentences that
    /// quote it; empty for the causes without one.
    pub fn gmail_code(&self) -> String {
        match self {
            Cause::Busy { status, reason } | Cause::GmailError { status, reason } => {
                format!("{status} {reason}").trim().to_string()
            }
            Cause::Refused { status, .. } => status.to_string(),
            Cause::NotFound => "404".to_string(),
            _ => String::new(),
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

    /// gmux-host is not connected: `words` say so in the browser's language (with the browser's reason when
    /// there is one).
    pub fn host_unavailable(words: impl Into<String>) -> Self {
        IntentReply::failed(IntentError::HostUnavailable, words)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inbox::Account;

    #[test]
    fn a_cause_is_stored_as_data_and_an_older_english_detail_still_reads() {
        let check = |json: &str, expected: Option<Cause>| {
            let account: Account = serde_json::from_str(json).unwrap();
            assert_eq!(account.health_cause, expected, "{json}");
            let again: Account =
                serde_json::from_str(&serde_json::to_string(&account).unwrap()).unwrap();
            assert_eq!(again, account);
        };
        let base = r#""id":"a","email":"a@x","counts":{"threads_total":0,"threads_unread":0,"messages_total":0,"messages_unread":0},"health":"failing""#;
        check(
            &format!(r#"{{{base},"health_detail":"Gmail answered an error (500 backendError)"}}"#),
            None,
        );
        check(
            &format!(
                r#"{{{base},"health_cause":{{"kind":"no_token","reason":"the keyring is locked"}}}}"#
            ),
            Some(Cause::NoToken {
                reason: "the keyring is locked".into(),
            }),
        );
        check(
            &format!(
                r#"{{{base},"health_cause":{{"kind":"busy","status":503,"reason":"backendError"}}}}"#
            ),
            Some(Cause::Busy {
                status: 503,
                reason: "backendError".into(),
            }),
        );
    }

    #[test]
    fn gmail_code_and_before_gmail() {
        let check = |cause: Cause, code: &str, before: bool| {
            assert_eq!(cause.gmail_code(), code, "{cause:?}");
            assert_eq!(cause.is_before_gmail(), before, "{cause:?}");
        };
        check(Cause::ReauthRequired, "", false);
        check(Cause::Offline, "", false);
        check(Cause::NoToken { reason: "x".into() }, "", true);
        check(Cause::ScopeMissing, "", true);
        check(Cause::NotFound, "404", false);
        check(
            Cause::Busy {
                status: 429,
                reason: "rateLimitExceeded".into(),
            },
            "429 rateLimitExceeded",
            false,
        );
        check(
            Cause::Refused {
                status: 400,
                message: "Invalid".into(),
            },
            "400",
            false,
        );
        check(
            Cause::GmailError {
                status: 500,
                reason: String::new(),
            },
            "500",
            false,
        );
        check(Cause::Unreadable, "", false);
    }
}
