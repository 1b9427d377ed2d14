//! The user's settings, under `storage.local["settings"]`. The background alone writes them (a page sends an
//! intent); every page reads them. Each feature owns one part, and a part missing from what storage holds (an
//! older version's settings) reads as its defaults, so adding a field never loses the others.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::notify::NotifySettings;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    pub poll_minutes: u32,
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

impl Default for Settings {
    fn default() -> Self {
        Settings {
            poll_minutes: 1,
            accounts: BTreeMap::new(),
            notify: NotifySettings::default(),
            reader: ReaderSettings::default(),
            compose: ComposeSettings::default(),
        }
    }
}

impl Settings {
    /// One account's settings, its defaults when it has none of its own.
    pub fn account(&self, account_id: &str) -> AccountSettings {
        self.accounts.get(account_id).copied().unwrap_or_default()
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn settings_missing_parts_read_as_their_defaults() {
        let cases = [
            (json!({"poll_minutes": 5}), 5),
            (json!({"poll_minutes": 2, "accounts": {}}), 2),
        ];
        for (wire, poll) in cases {
            let settings: Settings = serde_json::from_value(wire.clone()).unwrap();
            assert_eq!(settings.poll_minutes, poll, "{wire}");
            assert_eq!(settings.account("any"), AccountSettings::default());
        }
        let mut settings = Settings::default();
        settings.accounts.insert(
            "a".into(),
            AccountSettings {
                notifications: false,
                primary_only: true,
            },
        );
        let back: Settings =
            serde_json::from_value(serde_json::to_value(&settings).unwrap()).unwrap();
        assert_eq!(back, settings);
        assert!(back.account("a").primary_only && back.account("b").notifications);
    }
}
