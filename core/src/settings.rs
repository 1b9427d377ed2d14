//! The user's settings, under `storage.local["settings"]`. The background alone writes them (a page sends an
//! intent); every page reads them. Each feature owns one part, and a part missing from what storage holds (an
//! older version's settings) reads as its defaults, so adding a field never loses the others.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(from = "StoredSettings")]
pub struct Settings {
    /// How often to check Gmail while no gmux page is open, in seconds; `None` is the default
    /// ([`crate::notify::DEFAULT_POLL_MS`], 30 s). [`crate::notify::poll_plan`] keeps it within what the
    /// browser allows and polls faster while a page is open.
    #[serde(default)]
    pub poll_seconds: Option<u32>,
    /// Per account id; an account not listed has [`AccountSettings::default`].
    #[serde(default)]
    pub accounts: BTreeMap<String, AccountSettings>,
    #[serde(default)]
    pub notify: NotifySettings,
    #[serde(default)]
    pub reader: ReaderSettings,
    #[serde(default)]
    pub compose: ComposeSettings,
}

/// What storage may hold: today's settings, or an older version's with `poll_minutes` (every 1 to 30 minutes,
/// default 1) instead of `poll_seconds`.
#[derive(Deserialize)]
struct StoredSettings {
    #[serde(default)]
    poll_seconds: Option<u32>,
    #[serde(default)]
    poll_minutes: Option<u32>,
    #[serde(default)]
    accounts: BTreeMap<String, AccountSettings>,
    #[serde(default)]
    notify: NotifySettings,
    #[serde(default)]
    reader: ReaderSettings,
    #[serde(default)]
    compose: ComposeSettings,
}

impl From<StoredSettings> for Settings {
    fn from(stored: StoredSettings) -> Self {
        // The old default, every minute, becomes the new default (30 s): it was what the options page showed
        // selected, not a choice to check less often. A slower period someone chose stays.
        let old = stored
            .poll_minutes
            .filter(|m| *m > 1)
            .map(|m| m.saturating_mul(60));
        Settings {
            poll_seconds: stored.poll_seconds.or(old),
            accounts: stored.accounts,
            notify: stored.notify,
            reader: stored.reader,
            compose: stored.compose,
        }
    }
}

impl Settings {
    /// One account's settings, its defaults when it has none of its own.
    pub fn account(&self, account_id: &str) -> AccountSettings {
        self.accounts.get(account_id).copied().unwrap_or_default()
    }

    /// The poll period the user chose, in ms (`None`: the default).
    pub fn poll_period_ms(&self) -> Option<u64> {
        self.poll_seconds.map(|s| u64::from(s) * 1_000)
    }
}

/// What the user chose for one account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AccountSettings {
    /// Desktop notifications for its new mail.
    pub notifications: bool,
    /// Only its Primary category counts: in the list, its badge, the toolbar total and notifications.
    pub primary_only: bool,
}

impl Default for AccountSettings {
    fn default() -> Self {
        AccountSettings {
            notifications: true,
            primary_only: false,
        }
    }
}

/// How conversations are read (the reader's part): see [`crate::reader`].
pub use crate::reader::ReaderSettings;

/// How mail is written and sent (the composer's part): see [`crate::compose`].
pub use crate::compose::ComposeSettings;

// The notification settings' data, here beside the other parts so that the settings need nothing from the
// features that read them; what they mean (quiet hours' minutes, silenced) is in `notify`, which re-exports them.

/// A daily range of local time without notifications, in minutes after midnight: from `start_minute`
/// (included) to `end_minute` (excluded). A start after the end crosses midnight (22:00 to 07:00); equal start
/// and end is an empty range, no quiet hours.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuietHours {
    pub start_minute: u16,
    pub end_minute: u16,
}

/// The notification settings shared by every account, serde-ready for `storage.local` (absent fields take their
/// defaults). Each account's own switches (notifications on or off, Primary only) are in
/// [`crate::settings::Settings::accounts`], which the list and the badge read too.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct NotifySettings {
    pub quiet_hours: Option<QuietHours>,
    /// Notifications are paused until this unix ms.
    pub paused_until_ms: Option<u64>,
    /// Play the system's notification sound (Chromium; Firefox leaves the sound to the system).
    pub sound: bool,
    /// Where a click on a notification opens the conversation.
    pub open_in: OpenIn,
}

impl Default for NotifySettings {
    fn default() -> Self {
        NotifySettings {
            quiet_hours: None,
            paused_until_ms: None,
            sound: true,
            open_in: OpenIn::default(),
        }
    }
}

/// Where a click on a notification opens the conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OpenIn {
    /// gmux's own reader, in the new-tab page (`newtab.html#open=<account>:<thread>`).
    #[default]
    Gmux,
    /// Gmail in a tab, in the message's account.
    Gmail,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::notify::OpenIn;
    use serde_json::json;

    #[test]
    fn settings_missing_parts_read_as_their_defaults() {
        let cases = [
            (json!({}), None),
            (json!(null), None),
            (json!({"poll_seconds": 120}), Some(120)),
            (json!({"poll_seconds": null}), None),
            // An older version's setting: a chosen period stays, the old default becomes the new one.
            (json!({"poll_minutes": 5}), Some(300)),
            (json!({"poll_minutes": 2, "accounts": {}}), Some(120)),
            (json!({"poll_minutes": 1}), None),
            (json!({"poll_minutes": 0}), None),
            (json!({"poll_minutes": 15, "poll_seconds": 60}), Some(60)),
        ];
        for (wire, poll) in cases {
            let settings: Settings = serde_json::from_value(wire.clone()).unwrap_or_default();
            assert_eq!(settings.poll_seconds, poll, "{wire}");
            assert_eq!(settings.account("any"), AccountSettings::default());
            assert_eq!(settings.notify, NotifySettings::default(), "{wire}");
        }
        let mut settings = Settings::default();
        settings.accounts.insert(
            "a".into(),
            AccountSettings {
                notifications: false,
                primary_only: true,
            },
        );
        settings.poll_seconds = Some(600);
        settings.notify.open_in = OpenIn::Gmail;
        let wire = serde_json::to_value(&settings).unwrap();
        assert!(wire.get("poll_minutes").is_none(), "{wire}");
        let back: Settings = serde_json::from_value(wire).unwrap();
        assert_eq!(back, settings);
        assert!(back.account("a").primary_only && back.account("b").notifications);
        assert_eq!(back.poll_period_ms(), Some(600_000));
    }
}
