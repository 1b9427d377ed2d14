//! The host's keyring entries read over the Secret Service, and the test keyring locked and unlocked.

use std::path::Path;

use serde_json::Value;

use crate::{HarnessError, Result};

/// The `GMUX_KEYRING_SERVICE` the host wrapper exports (`gmux` when it sets none).
pub fn keyring_service(wrapper: &Path) -> Result<String> {
    let script = std::fs::read_to_string(wrapper)
        .map_err(HarnessError::io(format!("reading {}", wrapper.display())))?;
    Ok(script
        .lines()
        .find_map(|l| l.strip_prefix("export GMUX_KEYRING_SERVICE="))
        .map(|v| v.trim_matches('\'').replace(r"'\''", "'"))
        .unwrap_or_else(|| "gmux".to_string()))
}

/// One account's entry in the Secret Service, as gmux-host wrote it.
#[derive(Debug, Clone)]
pub struct KeyringGrant {
    /// The attribute naming the account (its `sub`).
    pub account: String,
    pub refresh_token: String,
    pub access_token: Option<String>,
}

/// The session bus and a plain (unencrypted) Secret Service session on it, as libsecret opens one: secrets
/// travel as bytes, which is fine on the test's own throwaway bus.
fn plain_secret_session() -> Result<(zbus::blocking::Connection, zbus::zvariant::OwnedObjectPath)> {
    use zbus::zvariant::{OwnedObjectPath, OwnedValue, Value as DbusValue};
    let bus = zbus::blocking::Connection::session().map_err(dbus_error("the session bus"))?;
    let opened = bus
        .call_method(
            Some(SECRETS),
            SECRETS_PATH,
            Some("org.freedesktop.Secret.Service"),
            "OpenSession",
            &("plain", DbusValue::from("")),
        )
        .map_err(dbus_error("opening a Secret Service session"))?;
    let (_, session): (OwnedValue, OwnedObjectPath) = opened
        .body()
        .deserialize()
        .map_err(dbus_error("reading the session"))?;
    Ok((bus, session))
}

/// Every gmux-host keyring entry of `service` in the session's Secret Service (the test's throwaway keyring),
/// read over D-Bus the way libsecret does: a plain session, a search by attributes, each item's secret.
pub fn keyring_grants(service: &str) -> Result<Vec<KeyringGrant>> {
    use std::collections::HashMap;
    use zbus::zvariant::{OwnedObjectPath, OwnedValue};
    let (bus, session) = plain_secret_session()?;
    let attributes: HashMap<&str, &str> = HashMap::from([("service", service)]);
    let found = bus
        .call_method(
            Some(SECRETS),
            SECRETS_PATH,
            Some("org.freedesktop.Secret.Service"),
            "SearchItems",
            &(attributes,),
        )
        .map_err(dbus_error("reading the keyring"))?;
    let (unlocked, locked): (Vec<OwnedObjectPath>, Vec<OwnedObjectPath>) = found
        .body()
        .deserialize()
        .map_err(dbus_error("reading the search"))?;
    if !locked.is_empty() {
        return Err(HarnessError::Unexpected(format!(
            "{} keyring item(s) of {service} are locked",
            locked.len()
        )));
    }
    let mut grants = Vec::new();
    for item in unlocked {
        let reply = bus
            .call_method(
                Some(SECRETS),
                item.as_str(),
                Some("org.freedesktop.DBus.Properties"),
                "Get",
                &("org.freedesktop.Secret.Item", "Attributes"),
            )
            .map_err(dbus_error("reading the keyring"))?;
        let value: OwnedValue = reply
            .body()
            .deserialize()
            .map_err(dbus_error("reading an item's attributes"))?;
        let attributes = HashMap::<String, String>::try_from(value)
            .map_err(|e| HarnessError::Unexpected(format!("attributes: {e}")))?;
        let reply = bus
            .call_method(
                Some(SECRETS),
                item.as_str(),
                Some("org.freedesktop.Secret.Item"),
                "GetSecret",
                &(&session,),
            )
            .map_err(dbus_error("reading the keyring"))?;
        let (_, _, secret, _): (OwnedObjectPath, Vec<u8>, Vec<u8>, String) = reply
            .body()
            .deserialize()
            .map_err(dbus_error("reading an item's secret"))?;
        if let Some(grant) = grant_from(&attributes, &secret) {
            grants.push(grant);
        }
    }
    Ok(grants)
}

/// One keyring item as gmux-host writes it: the account's `sub` as the user attribute, a JSON grant as the secret.
fn grant_from(
    attributes: &std::collections::HashMap<String, String>,
    secret: &[u8],
) -> Option<KeyringGrant> {
    let account = ["username", "user", "account"]
        .iter()
        .find_map(|name| attributes.get(*name))?
        .clone();
    let secret: Value = serde_json::from_slice(secret).ok()?;
    Some(KeyringGrant {
        account,
        refresh_token: secret["refresh_token"].as_str()?.to_string(),
        access_token: secret["access_token"].as_str().map(str::to_string),
    })
}

/// The password tests/with-secret-service.sh gives the throwaway login keyring.
const TEST_KEYRING_PASSWORD: &str = "gmux-test-password";

const SECRETS: &str = "org.freedesktop.secrets";
const SECRETS_PATH: &str = "/org/freedesktop/secrets";
const LOGIN_COLLECTION: &str = "/org/freedesktop/secrets/collection/login";

fn dbus_error(what: &str) -> impl FnOnce(zbus::Error) -> HarnessError + '_ {
    move |e| HarnessError::Unexpected(format!("{what}: {e}"))
}

/// Locks the login collection of the session's Secret Service, as a screen lock or `secret-tool lock` does.
/// Only for tests run under tests/with-secret-service.sh: it is that script's throwaway keyring.
pub fn lock_keyring() -> Result<()> {
    let bus = zbus::blocking::Connection::session().map_err(dbus_error("the session bus"))?;
    let collection = zbus::zvariant::ObjectPath::try_from(LOGIN_COLLECTION)
        .map_err(|e| HarnessError::Unexpected(e.to_string()))?;
    bus.call_method(
        Some(SECRETS),
        SECRETS_PATH,
        Some("org.freedesktop.Secret.Service"),
        "Lock",
        &(vec![collection],),
    )
    .map_err(dbus_error("locking the keyring"))?;
    if !keyring_locked()? {
        return Err(HarnessError::Unexpected("the keyring did not lock".into()));
    }
    Ok(())
}

/// Whether the login collection is locked.
pub fn keyring_locked() -> Result<bool> {
    let bus = zbus::blocking::Connection::session().map_err(dbus_error("the session bus"))?;
    let reply = bus
        .call_method(
            Some(SECRETS),
            LOGIN_COLLECTION,
            Some("org.freedesktop.DBus.Properties"),
            "Get",
            &("org.freedesktop.Secret.Collection", "Locked"),
        )
        .map_err(dbus_error("reading the keyring's state"))?;
    let value: zbus::zvariant::OwnedValue = reply
        .body()
        .deserialize()
        .map_err(dbus_error("reading the keyring's state"))?;
    bool::try_from(value).map_err(|e| HarnessError::Unexpected(format!("Locked: {e}")))
}

/// Unlocks the login collection with its password, as logging in does. gnome-keyring would otherwise show a
/// password prompt, which has no display here; its own unlock-with-password call takes the password through a
/// plain Secret Service session instead.
pub fn unlock_keyring() -> Result<()> {
    use zbus::zvariant::ObjectPath;
    let (bus, session) = plain_secret_session()?;
    let collection = ObjectPath::try_from(LOGIN_COLLECTION)
        .map_err(|e| HarnessError::Unexpected(e.to_string()))?;
    let secret = (
        session,
        Vec::<u8>::new(),
        TEST_KEYRING_PASSWORD.as_bytes().to_vec(),
        "text/plain",
    );
    bus.call_method(
        Some(SECRETS),
        SECRETS_PATH,
        Some("org.gnome.keyring.InternalUnsupportedGuiltRiddenInterface"),
        "UnlockWithMasterPassword",
        &(collection, secret),
    )
    .map_err(dbus_error("unlocking the keyring"))?;
    if keyring_locked()? {
        return Err(HarnessError::Unexpected(
            "the keyring is still locked".into(),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_keyring_item_is_read_as_the_hosts_grant() {
        let attributes = std::collections::HashMap::from([
            ("service".to_string(), "s".to_string()),
            ("username".to_string(), "123".to_string()),
        ]);
        let grant = grant_from(
            &attributes,
            br#"{"refresh_token":"1//0a","access_token":"ya29.a"}"#,
        )
        .unwrap();
        assert_eq!(
            (
                grant.account.as_str(),
                grant.refresh_token.as_str(),
                grant.access_token.as_deref()
            ),
            ("123", "1//0a", Some("ya29.a"))
        );
        assert!(grant_from(&attributes, b"not json").is_none());
        assert!(grant_from(
            &std::collections::HashMap::new(),
            br#"{"refresh_token":"x"}"#
        )
        .is_none());
    }
}
