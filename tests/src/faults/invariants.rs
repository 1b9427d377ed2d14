//! The one checker every fault ends with: [`check_invariants`].

use std::collections::BTreeSet;
use std::time::Duration;

use serde_json::{json, Value};

use super::{host_wrapper, keyring_grants, keyring_service, refresh_at_emulator, HostProbe};
use crate::browser::ExtensionBrowser;
use crate::sync::EmulatorProcess;
use crate::{HarnessError, Result};

/// How long the store may take to settle after a sync on a loaded machine.
const SETTLE_DEADLINE: Duration = Duration::from_secs(30);

/// What [`check_invariants`] found, for the test's log.
#[derive(Debug, Clone)]
pub struct Checked {
    /// `(email, inbox rows, unread)` of every account with a working refresh token.
    pub accounts: Vec<(String, usize, u64)>,
    pub badge: String,
}

/// The inbox thread ids of one account at the emulator, read with `access_token` (every page).
fn emulator_inbox_ids(emulator: &EmulatorProcess, access_token: &str) -> Result<Vec<String>> {
    let mut ids = Vec::new();
    let mut page: Option<String> = None;
    loop {
        let mut url = format!(
            "{}/gmail/v1/users/me/threads?labelIds=INBOX&maxResults=500",
            emulator.base_url()
        );
        if let Some(token) = &page {
            url.push_str(&format!("&pageToken={token}"));
        }
        let answer: Value = ureq::get(&url)
            .set("Authorization", &format!("Bearer {access_token}"))
            .call()
            .map_err(|e| HarnessError::Unexpected(format!("GET {url}: {e}")))?
            .into_json()
            .map_err(HarnessError::io(format!("reading GET {url}")))?;
        ids.extend(
            answer["threads"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|t| t["id"].as_str().map(str::to_string)),
        );
        match answer["nextPageToken"].as_str() {
            Some(next) => page = Some(next.to_string()),
            None => return Ok(ids),
        }
    }
}

/// What one account should look like in the store: its emulator inbox and unread count.
struct Expected {
    id: String,
    email: String,
    thread_ids: Vec<String>,
    unread: u64,
}

/// The store's rows and health for one account, compared with what the emulator holds. `None` when they agree.
/// The threads a full sync reads: the first page of the inbox (`gmux_gmail::sync::DEFAULT_PAGE_SIZE`).
const FIRST_PAGE: usize = 50;

fn store_disagrees(local: &Value, expected: &Expected) -> Option<String> {
    let accounts = local["inbox"]["accounts"].as_array()?;
    let Some(inbox) = accounts
        .iter()
        .find(|a| a["account"]["id"] == expected.id.as_str())
    else {
        return Some(format!("{} is not in the store", expected.email));
    };
    if inbox["account"]["health"] != "ok" {
        return Some(format!(
            "{} is {}",
            expected.email, inbox["account"]["health"]
        ));
    }
    let rows: Vec<String> = inbox["threads"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|t| t["thread_id"].as_str().map(str::to_string))
        .collect();
    let distinct: BTreeSet<&String> = rows.iter().collect();
    if distinct.len() != rows.len() {
        return Some(format!("{} has duplicated rows: {rows:?}", expected.email));
    }
    // A full sync keeps the first page of the inbox and a poll may add to it, so the store holds at least the
    // newest page's threads and nothing that is not in the inbox.
    let newest: BTreeSet<&String> = expected.thread_ids.iter().take(FIRST_PAGE).collect();
    let in_gmail: BTreeSet<&String> = expected.thread_ids.iter().collect();
    let lost: Vec<&&String> = newest.difference(&distinct).collect();
    let extra: Vec<&&String> = distinct.difference(&in_gmail).collect();
    if !lost.is_empty() || !extra.is_empty() {
        return Some(format!(
            "{} rows differ: missing {lost:?}, not in Gmail {extra:?}",
            expected.email
        ));
    }
    let unread = inbox["account"]["counts"]["threads_unread"].as_u64();
    if unread != Some(expected.unread) {
        return Some(format!(
            "{} shows {unread:?} unread, Gmail says {}",
            expected.email, expected.unread
        ));
    }
    None
}

/// The invariants after every fault, once it is cleared and a sync has run:
/// - every account the host lists (asked through a second gmux-host with the same config) is `ok` and its
///   refresh token, read from the keyring, still refreshes at the emulator (the refresh is made here, so the
///   host's own token state is untouched); except the accounts in `reauth`, which must be marked
///   `reauth_required` by the host and in the store (a real refusal, by design);
/// - the store holds exactly the host's accounts, and each working account's rows are the emulator's inbox
///   threads (same ids, none twice) with the emulator's `threadsUnread`;
/// - the badge shows the total unread (or `!` while an account needs reconnecting).
pub fn check_invariants(
    instance: &ExtensionBrowser,
    emulator: &EmulatorProcess,
    reauth: &[&str],
) -> Result<Checked> {
    let mut probe = HostProbe::start(&host_wrapper(instance))?;
    let listed = probe
        .request("accounts.list", json!({}))?
        .map_err(|e| HarnessError::Unexpected(format!("accounts.list: {e}")))?;
    let accounts = listed["accounts"].as_array().cloned().unwrap_or_default();
    if accounts.is_empty() {
        return Err(HarnessError::Unexpected(
            "the host lists no accounts".into(),
        ));
    }
    let unread_by_email = emulator.threads_unread()?;
    let grants = keyring_grants(&keyring_service(&host_wrapper(instance))?)?;
    let mut expected = Vec::new();
    let mut reauth_ids = Vec::new();
    for account in &accounts {
        let id = account["id"].as_str().unwrap_or_default().to_string();
        let email = account["email"].as_str().unwrap_or_default().to_string();
        if reauth.contains(&email.as_str()) {
            if account["status"] != "reauth_required" {
                return Err(HarnessError::Unexpected(format!(
                    "{email} should need reconnecting at the host: {account}"
                )));
            }
            reauth_ids.push(id);
            continue;
        }
        if account["status"] != "ok" {
            return Err(HarnessError::Unexpected(format!(
                "the host lost {email}'s refresh token: {account}"
            )));
        }
        let Some(refresh) = grants
            .iter()
            .find(|g| g.account == id)
            .map(|g| g.refresh_token.clone())
        else {
            return Err(HarnessError::Unexpected(format!(
                "{email}'s refresh token is gone from the keyring"
            )));
        };
        let access = refresh_at_emulator(emulator, &refresh).map_err(|e| {
            HarnessError::Unexpected(format!("{email}'s refresh token no longer works: {e}"))
        })?;
        let thread_ids = emulator_inbox_ids(emulator, &access)?;
        let unread = unread_by_email
            .iter()
            .find(|(e, _)| *e == email)
            .map(|(_, n)| *n)
            .unwrap_or(0);
        expected.push(Expected {
            id,
            email,
            thread_ids,
            unread,
        });
    }
    drop(probe);

    let host_ids: BTreeSet<String> = accounts
        .iter()
        .filter_map(|a| a["id"].as_str().map(str::to_string))
        .collect();
    let settled = instance.wait_for_storage(
        "the store to match the emulator",
        SETTLE_DEADLINE,
        |local| {
            let store_ids: BTreeSet<String> = local["inbox"]["accounts"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|a| a["account"]["id"].as_str().map(str::to_string))
                .collect();
            store_ids == host_ids
                && local["status"]["syncing"] == false
                && expected.iter().all(|e| store_disagrees(local, e).is_none())
                && reauth_ids.iter().all(|id| {
                    local["inbox"]["accounts"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .any(|a| {
                            a["account"]["id"] == id.as_str()
                                && a["account"]["health"] == "reauth_required"
                        })
                })
        },
    );
    if let Err(timeout) = settled {
        let now = instance.storage("local").unwrap_or(Value::Null);
        let why: Vec<String> = expected
            .iter()
            .filter_map(|e| store_disagrees(&now, e))
            .collect();
        return Err(HarnessError::Unexpected(format!(
            "{timeout}; disagreements: {why:?}"
        )));
    }
    let total: u64 = expected.iter().map(|e| e.unread).sum();
    let badge = if reauth_ids.is_empty() {
        total.to_string()
    } else {
        "!".to_string()
    };
    instance.wait_for_badge(if total == 0 && reauth_ids.is_empty() {
        ""
    } else {
        &badge
    })?;
    Ok(Checked {
        accounts: expected
            .iter()
            .map(|e| (e.email.clone(), e.thread_ids.len(), e.unread))
            .collect(),
        badge,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_store_check_names_lost_duplicated_and_miscounted_rows() {
        let expected = Expected {
            id: "1".into(),
            email: "a@x".into(),
            thread_ids: vec!["t1".into(), "t2".into()],
            unread: 1,
        };
        let store = |rows: &[&str], unread: u64, health: &str| {
            let threads: Vec<Value> = rows.iter().map(|r| json!({"thread_id": r})).collect();
            json!({"inbox": {"accounts": [{"account": {"id": "1", "health": health,
                "counts": {"threads_unread": unread}}, "threads": threads}]}})
        };
        assert_eq!(
            store_disagrees(&store(&["t2", "t1"], 1, "ok"), &expected),
            None
        );
        for (local, says) in [
            (store(&["t1"], 1, "ok"), "missing"),
            (store(&["t1", "t2", "t2"], 1, "ok"), "duplicated"),
            (store(&["t1", "t2"], 2, "ok"), "unread"),
            (store(&["t1", "t2"], 1, "failing"), "failing"),
            (store(&["t1", "t2", "t9"], 1, "ok"), "not in Gmail [\"t9\"]"),
        ] {
            let why = store_disagrees(&local, &expected).unwrap();
            assert!(why.contains(says), "{why}");
        }
        // Past the first page, the store needs only the newest page's threads.
        let long = Expected {
            thread_ids: (0..60).map(|n| format!("t{n}")).collect(),
            ..expected
        };
        let newest: Vec<String> = (0..FIRST_PAGE).map(|n| format!("t{n}")).collect();
        let newest: Vec<&str> = newest.iter().map(String::as_str).collect();
        assert_eq!(store_disagrees(&store(&newest, 1, "ok"), &long), None);
        let why = store_disagrees(&store(&newest[1..], 1, "ok"), &long).unwrap();
        assert!(why.contains("missing [\"t0\"]"), "{why}");
    }
}
