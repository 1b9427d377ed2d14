//! The background keeps every account in sync, in real Chromium and Firefox: the real gmux-host (accounts added
//! through the real OAuth flow, tokens in the real Secret Service), gmux-emulator with its demo mailboxes, and
//! the built extension. One browser session per browser walks through the whole story, because each launch
//! costs seconds on two shared cores.

use std::time::Duration;

use gmux_e2e::{
    add_account_through_consent, configure_host_for_emulator, Browser, EmulatorProcess,
    ExtensionBrowser, HostSetup,
};
use serde_json::{json, Value};

/// First syncs of three accounts, a host start and a wasm start, on a loaded machine.
const SYNC_DEADLINE: Duration = Duration::from_secs(60);

/// The harness's errors say what to do; show them as written, not as Debug.
fn ok<T>(result: gmux_e2e::Result<T>) -> T {
    result.unwrap_or_else(|e| panic!("{e}"))
}

fn accounts(local: &Value) -> Vec<Value> {
    local["inbox"]["accounts"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn account_by_email(local: &Value, email: &str) -> Value {
    accounts(local)
        .into_iter()
        .find(|a| a["account"]["email"] == email)
        .unwrap_or_else(|| panic!("no {email} in the store"))
}

fn store_unread(local: &Value) -> u64 {
    accounts(local)
        .iter()
        .map(|a| {
            a["account"]["counts"]["threads_unread"]
                .as_u64()
                .unwrap_or(0)
        })
        .sum()
}

fn all_synced(local: &Value, n: usize) -> bool {
    let all = accounts(local);
    all.len() == n
        && all
            .iter()
            .all(|a| a["account"]["health"] == "ok" && a["history_id"].is_string())
}

fn thread_with_subject(local: &Value, subject: &str) -> Option<Value> {
    accounts(local)
        .iter()
        .flat_map(|a| a["threads"].as_array().cloned().unwrap_or_default())
        .find(|t| t["subject"] == subject)
}

fn sync_now(instance: &ExtensionBrowser) {
    let reply = ok(instance.send_intent(json!({"type": "sync_now"})));
    assert_eq!(reply["ok"], true, "sync_now: {reply}");
}

fn check_background_sync(browser: Browser) {
    let emulator = ok(EmulatorProcess::start_demo());
    let emails = ok(emulator.account_emails());
    assert_eq!(emails.len(), 3, "the demo has three accounts: {emails:?}");
    // Every test gets its own keyring entries: the demo accounts' ids are the same in every emulator.
    let keyring = format!(
        "gmux-e2e-{}-{}-{}",
        browser.name(),
        std::process::id(),
        emulator.base_url().rsplit(':').next().unwrap_or("0")
    );
    let host_env = [("GMUX_KEYRING_SERVICE".to_string(), keyring)];
    let instance = ok(ExtensionBrowser::launch_prepared(
        browser,
        HostSetup::Installed,
        &host_env,
        |wrapper| {
            configure_host_for_emulator(wrapper, emulator.base_url())?;
            for email in &emails {
                add_account_through_consent(wrapper, email)?;
            }
            Ok(())
        },
    ));
    ok(instance.open_extension_page("popup.html"));

    // The background syncs every account on start: the store holds the merged inbox and the exact counts.
    let local = ok(
        instance.wait_for_storage("three synced accounts", SYNC_DEADLINE, |local| {
            all_synced(local, 3)
        }),
    );
    let expected_total = ok(emulator.total_threads_unread());
    assert!(expected_total > 0, "the demo has unread mail");
    assert_eq!(store_unread(&local), expected_total);
    for (email, unread) in ok(emulator.threads_unread()) {
        let account = account_by_email(&local, &email);
        assert_eq!(
            account["account"]["counts"]["threads_unread"], unread,
            "{email}"
        );
        assert!(
            !account["threads"]
                .as_array()
                .map(Vec::is_empty)
                .unwrap_or(true),
            "{email} has no rows"
        );
    }
    assert_eq!(local["status"]["host"], "connected", "{}", local["status"]);
    assert_eq!(
        local["status"]["accounts"].as_array().map(Vec::len),
        Some(3)
    );
    ok(instance.wait_for_badge(&expected_total.to_string()));

    // A delivered message appears after the next poll, and the badge counts it.
    let subject = format!("gmux e2e {} delivery", browser.name());
    ok(emulator.post(
        "/_emulator/deliver",
        json!({"account": emails[0], "from": "Zed Zimmer <zed@example.com>", "subject": subject, "text": "hello"}),
    ));
    sync_now(&instance);
    let local = ok(instance.storage("local"));
    let row = thread_with_subject(&local, &subject)
        .unwrap_or_else(|| panic!("the delivered thread is not in the store"));
    assert_eq!(row["unread"], true);
    let after_delivery = ok(emulator.total_threads_unread());
    assert_eq!(after_delivery, expected_total + 1);
    assert_eq!(store_unread(&local), after_delivery);
    ok(instance.wait_for_badge(&after_delivery.to_string()));

    // Marking it read lowers the emulator's count and the badge.
    let reply = ok(instance.send_intent(json!({
        "type": "action", "account": row["account_id"], "thread": row["thread_id"], "action": "mark_read"
    })));
    assert_eq!(reply, json!({"ok": true}));
    assert_eq!(ok(emulator.total_threads_unread()), expected_total);
    let local = ok(instance.storage("local"));
    assert_eq!(
        thread_with_subject(&local, &subject).map(|t| t["unread"].clone()),
        Some(json!(false))
    );
    assert_eq!(store_unread(&local), expected_total);
    ok(instance.wait_for_badge(&expected_total.to_string()));

    // A revoked account turns to re-authorise and keeps its last good inbox; the others keep syncing.
    let revoked = &emails[2];
    let kept_rows = account_by_email(&local, revoked)["threads"].clone();
    ok(emulator.post("/_emulator/revoke", json!({"account": revoked})));
    let second = format!("gmux e2e {} after revoke", browser.name());
    ok(emulator.post(
        "/_emulator/deliver",
        json!({"account": emails[1], "from": "Zed Zimmer <zed@example.com>", "subject": second, "text": "hi"}),
    ));
    sync_now(&instance);
    let local = ok(instance.storage("local"));
    let account = account_by_email(&local, revoked);
    assert_eq!(account["account"]["health"], "reauth_required", "{account}");
    assert_eq!(account["threads"], kept_rows, "the last good inbox is kept");
    assert!(
        thread_with_subject(&local, &second).is_some(),
        "the other accounts kept syncing"
    );
    for email in &emails[..2] {
        assert_eq!(
            account_by_email(&local, email)["account"]["health"],
            "ok",
            "{email}"
        );
    }
    ok(instance.wait_for_badge("!"));

    // No access or refresh token ever reached the extension's storage.
    let tokens = ok(emulator.issued_tokens());
    assert!(
        tokens.len() >= 6,
        "three accounts' tokens were issued: {}",
        tokens.len()
    );
    for area in ["local", "session"] {
        let stored = ok(instance.storage(area)).to_string();
        for token in &tokens {
            assert!(
                !stored.contains(token.as_str()),
                "a token is in storage.{area}"
            );
        }
    }
}

#[test]
fn chromium_background_syncs_every_account() {
    check_background_sync(Browser::Chromium);
}

#[test]
fn firefox_background_syncs_every_account() {
    check_background_sync(Browser::Firefox);
}
