//! The seed file format (documented in `emulator/SEED.md`): OAuth clients, accounts, labels and mail.

use serde::{Deserialize, Serialize};

/// Everything the emulator starts with.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Seed {
    #[serde(default)]
    pub clients: Vec<SeedClient>,
    #[serde(default)]
    pub accounts: Vec<SeedAccount>,
    /// Send-as aliases by account email, beside the account's own address (always the primary one).
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub send_as: std::collections::BTreeMap<String, Vec<SeedSendAs>>,
    /// Generated volume by account email, added after the account's own threads (see `POST /_emulator/generate`).
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub generate: std::collections::BTreeMap<String, SeedGenerate>,
}

/// The most threads one seed entry or control call may generate for an account.
pub const MAX_THREADS: usize = 5_000;

/// N deterministic threads for an account.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedGenerate {
    pub threads: usize,
    #[serde(default = "default_generate_seed")]
    pub seed: u64,
}

fn default_generate_seed() -> u64 {
    1
}

/// A send-as alias of an account (`settings.sendAs`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedSendAs {
    pub email: String,
    /// The display name mail sent as this address carries.
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub reply_to: Option<String>,
    #[serde(default)]
    pub signature: Option<String>,
    /// This alias, not the primary address, is the default `From`.
    #[serde(default)]
    pub default: bool,
}

impl Seed {
    /// The aliases given for an account (matched case-insensitively).
    pub fn send_as_of(&self, email: &str) -> &[SeedSendAs] {
        self.send_as
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(email))
            .map(|(_, v)| v.as_slice())
            .unwrap_or_default()
    }

    /// Checks what serde cannot: each message is either raw or built from fields, and raw mail decodes.
    pub fn check(&self) -> Result<(), String> {
        for account in &self.accounts {
            for (t, thread) in account.threads.iter().enumerate() {
                for (m, message) in thread.messages.iter().enumerate() {
                    message
                        .check()
                        .map_err(|e| format!("{}: thread {t}, message {m}: {e}", account.email))?;
                }
            }
        }
        for account in self.send_as.keys().chain(self.generate.keys()) {
            if !self
                .accounts
                .iter()
                .any(|a| a.email.eq_ignore_ascii_case(account))
            {
                return Err(format!(
                    "send_as or generate names {account}, which is not an account"
                ));
            }
        }
        for (account, g) in &self.generate {
            if g.threads > MAX_THREADS {
                return Err(format!(
                    "generate: {account}: at most {} threads",
                    MAX_THREADS
                ));
            }
        }
        Ok(())
    }
}

impl SeedMessage {
    fn check(&self) -> Result<(), String> {
        let Some(raw) = &self.raw else {
            return if self.from.is_empty() {
                Err("give from (or raw)".into())
            } else {
                Ok(())
            };
        };
        let built = !self.from.is_empty()
            || self.to.is_some()
            || self.cc.is_some()
            || !self.subject.is_empty()
            || self.text.is_some()
            || self.html.is_some()
            || !self.attachments.is_empty();
        if built {
            return Err("a raw message takes only raw, date and labels".into());
        }
        crate::decode::decode_raw_field(raw)
            .map(drop)
            .map_err(|e| format!("raw is not base64url: {e}"))
    }
}

/// An OAuth client as a Google Cloud project would hold it (a "Desktop app" client).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedClient {
    pub client_id: String,
    pub client_secret: String,
    #[serde(default = "default_project_id")]
    pub project_id: String,
}

fn default_project_id() -> String {
    "gmux-emulator".into()
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedAccount {
    pub email: String,
    /// Display name; used for `From` on mail the account sent.
    #[serde(default)]
    pub name: Option<String>,
    /// Google's stable account id (21 digits); derived from the email when absent.
    #[serde(default)]
    pub sub: Option<String>,
    /// User labels by name (`Travel`, `Work/Clients`), or `{name, text_color, background_color}`; they get ids
    /// `Label_1`, `Label_2`, ...
    #[serde(default)]
    pub labels: Vec<SeedLabel>,
    #[serde(default)]
    pub threads: Vec<SeedThread>,
}

/// A user label: its name alone, or with a color.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum SeedLabel {
    Name(String),
    Colored {
        name: String,
        text_color: String,
        background_color: String,
    },
}

impl SeedLabel {
    pub fn name(&self) -> &str {
        match self {
            SeedLabel::Name(n) | SeedLabel::Colored { name: n, .. } => n,
        }
    }
    /// `(textColor, backgroundColor)`.
    pub fn color(&self) -> Option<(String, String)> {
        match self {
            SeedLabel::Name(_) => None,
            SeedLabel::Colored {
                text_color,
                background_color,
                ..
            } => Some((text_color.clone(), background_color.clone())),
        }
    }
}

impl From<&str> for SeedLabel {
    fn from(name: &str) -> SeedLabel {
        SeedLabel::Name(name.to_string())
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedThread {
    pub messages: Vec<SeedMessage>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedMessage {
    /// The whole message as RFC 822 bytes in base64url, as Gmail's `messages.insert` takes it. Headers, subject
    /// and body then come from it (decoded as `rfc822` says), and `from`, `to`, `cc`, `subject`, `text`, `html`
    /// and `attachments` must be left out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raw: Option<String>,
    /// `Name <addr>` or a bare address. Required unless `raw` is given.
    #[serde(default)]
    pub from: String,
    /// Defaults to the account's own address.
    #[serde(default)]
    pub to: Option<String>,
    #[serde(default)]
    pub cc: Option<String>,
    #[serde(default)]
    pub subject: String,
    /// RFC 3339 (`2026-11-20T09:15:00Z`); defaults to an hour before the previous message of the seed.
    #[serde(default)]
    pub date: Option<String>,
    #[serde(default)]
    pub text: Option<String>,
    #[serde(default)]
    pub html: Option<String>,
    /// System label ids (`INBOX`, `UNREAD`, `STARRED`, `SENT`, ...) or user label names.
    #[serde(default)]
    pub labels: Vec<String>,
    #[serde(default)]
    pub attachments: Vec<SeedAttachment>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedAttachment {
    pub filename: String,
    #[serde(default = "default_attachment_type")]
    pub mime_type: String,
    /// The content as text (stored as UTF-8 bytes).
    pub content: String,
}

fn default_attachment_type() -> String {
    "application/octet-stream".into()
}
