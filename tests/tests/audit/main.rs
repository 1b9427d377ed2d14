//! The secret-leak audit. It is run last, on its own, by `cargo xtask test` (`cargo test -p gmux-e2e --test audit`).
//!
//! A full life in each browser (configure, three accounts added through the real consent, syncs, forced token
//! refreshes, actions, gmux-host killed and restarted, an account removed, the browser closed), then every
//! refresh and access token the emulator ever issued is searched for, as raw bytes and encoded, in:
//! the extension's `storage.local` and `storage.session`, every file of the browser profile, the host's log and
//! config folders (everything in the test's scratch folder, in fact), and every byte gmux-host sent the browser.
//! Refresh tokens: nowhere. Access tokens: in the host's messages (that is how the extension gets them), never
//! on disk or in storage.

use std::time::Duration;

use gmux_e2e::faults::{
    capture_host_messages, close_browser, inject, issued_tokens, profile_dir, search_tree,
    TokenSearch,
};
use gmux_e2e::{all_synced, ok, stored_accounts, sync_now};
use gmux_e2e::{
    configure_host_with_accounts, Browser, EmulatorProcess, ExtensionBrowser, HostSetup,
};
use serde_json::{json, Value};

const SYNC_DEADLINE: Duration = Duration::from_secs(60);

/// How many rounds of forced token refreshes (each refreshes every account once).
const REFRESH_ROUNDS: usize = 3;

/// Gmail refuses each account's token once, so the background asks the host for a fresh one and the host
/// refreshes at the token endpoint.
fn force_refreshes(instance: &ExtensionBrowser, emulator: &EmulatorProcess, emails: &[String]) {
    let faults: Vec<Value> = emails
        .iter()
        .map(|e| json!({"method": "gmail.users.history.list", "status": 401, "account": e, "count": 1}))
        .collect();
    ok(inject(emulator, json!(faults)));
    sync_now(instance);
}

fn first_row(local: &Value, account: usize, unread: bool) -> Value {
    stored_accounts(local)[account]["threads"]
        .as_array()
        .and_then(|rows| rows.iter().find(|t| t["unread"] == unread).cloned())
        .unwrap_or_else(|| panic!("account {account} has no row with unread = {unread}"))
}

fn act(instance: &ExtensionBrowser, row: &Value, action: &str) {
    let reply = ok(instance.send_intent(json!({
        "type": "action", "account": row["account_id"], "thread": row["thread_id"], "action": action
    })));
    assert_eq!(reply, json!({"ok": true}), "{action}");
}

fn audit(browser: Browser) {
    let emulator = ok(EmulatorProcess::start_demo());
    let emails = ok(emulator.account_emails());
    assert_eq!(emails.len(), 3, "the demo has three accounts: {emails:?}");
    // The host logs everything it is allowed to, so the search covers the most log text there can be.
    let host_env = [
        emulator.private_keyring("e2e-audit", browser.name()),
        ("GMUX_LOG".to_string(), "trace".to_string()),
    ];
    let capture = tempfile::Builder::new()
        .prefix("gmux-audit-host-messages-")
        .tempdir()
        .unwrap_or_else(|e| panic!("a folder for the host's messages: {e}"));
    let instance = ok(ExtensionBrowser::launch_prepared(
        browser,
        HostSetup::Installed,
        &host_env,
        |wrapper| {
            configure_host_with_accounts(wrapper, emulator.base_url(), &emails)?;
            capture_host_messages(wrapper, capture.path())
        },
    ));
    ok(instance.open_extension_page("popup.html"));
    let local = ok(
        instance.wait_for_storage("three synced accounts", SYNC_DEADLINE, |local| {
            all_synced(local, 3)
        }),
    );

    // Several refreshes per account, an action of each kind, the host killed and a new one started (which
    // reads its tokens from the keyring), and a round of refreshes through the new host.
    for _ in 0..REFRESH_ROUNDS {
        force_refreshes(&instance, &emulator, &emails);
    }
    act(&instance, &first_row(&local, 0, true), "mark_read");
    act(&instance, &first_row(&local, 1, false), "archive");
    ok(instance.kill_host());
    sync_now(&instance);
    ok(
        instance.wait_for_storage("a sync through the new host", SYNC_DEADLINE, |local| {
            all_synced(local, 3) && local["status"]["host"] == "connected"
        }),
    );
    force_refreshes(&instance, &emulator, &emails);
    let counters = ok(emulator.get("/_emulator/counters"));
    for email in &emails {
        let refreshes = counters["accounts"][email.as_str()]["token_refreshes"]
            .as_u64()
            .unwrap_or(0);
        assert!(
            refreshes >= REFRESH_ROUNDS as u64,
            "{email} was refreshed {refreshes} times: {counters}"
        );
    }

    // One account removed (the host revokes it at Google).
    let removed = stored_accounts(&ok(instance.storage("local")))[2]["account"]["id"].clone();
    let reply = ok(instance.send_intent(json!({"type": "remove_account", "account": removed})));
    assert_eq!(reply, json!({"ok": true}));
    sync_now(&instance);

    let (refresh_tokens, access_tokens) = ok(issued_tokens(&emulator));
    assert!(
        refresh_tokens.len() >= emails.len(),
        "one refresh token per account at least: {}",
        refresh_tokens.len()
    );
    assert!(
        access_tokens.len() >= emails.len() * (REFRESH_ROUNDS + 1),
        "several access tokens per account: {}",
        access_tokens.len()
    );
    let every_token: Vec<String> = refresh_tokens
        .iter()
        .chain(&access_tokens)
        .cloned()
        .collect();
    let any_token = ok(TokenSearch::new(&every_token));
    let refresh_only = ok(TokenSearch::new(&refresh_tokens));
    let access_only = ok(TokenSearch::new(&access_tokens));

    // The extension's storage, read while the browser runs.
    for area in ["local", "session"] {
        let stored = ok(instance.storage(area)).to_string();
        let found = any_token.find(stored.as_bytes());
        assert!(
            found.is_empty(),
            "storage.{area} holds {} token(s)",
            found.len()
        );
        eprintln!(
            "{}: storage.{area}: {} bytes, no token",
            browser.name(),
            stored.len()
        );
    }

    // A canary in storage.local, unlike any token but stored the same way: the search below must find it in
    // the profile, or it could not have found a token there either (a store that compressed or encrypted its
    // values would hide both).
    let canary = format!(
        "gmux-audit-canary-{}-{}",
        std::process::id(),
        emulator.base_url().rsplit(':').next().unwrap_or("0")
    );
    ok(instance.seed_storage(&json!({ "gmux_audit_canary": canary })));

    // The browser closed as a desktop does it, so its profile is written out; then every file the test made:
    // the browser profile, the host's config and state folders (its log), the wrapper, the drivers' logs.
    ok(close_browser(&instance));
    let scratch = instance.scratch_dir().to_path_buf();
    let profile = profile_dir(&instance);
    let searching = std::time::Instant::now();
    let on_disk = ok(search_tree(&scratch, &[], &any_token));
    let in_profile = on_disk.under(&profile);
    let host_config = on_disk.under(&scratch.join("host-config"));
    let host_state = on_disk.under(&scratch.join("host-state"));
    eprintln!(
        "{}: searched {} tokens ({} refresh, {} access) in {} files, {} bytes on disk in {} ms \
         (browser profile: {} files, {} bytes; host config: {} files, {} bytes; host state and log: {} files, \
         {} bytes)",
        browser.name(),
        every_token.len(),
        refresh_tokens.len(),
        access_tokens.len(),
        on_disk.files,
        on_disk.bytes,
        searching.elapsed().as_millis(),
        in_profile.0,
        in_profile.1,
        host_config.0,
        host_config.1,
        host_state.0,
        host_state.1,
    );
    assert!(
        in_profile.0 > 10 && in_profile.1 > 10_000,
        "the browser profile was not found or is empty: {in_profile:?}"
    );
    assert!(host_config.0 > 0, "the host's config folder is empty");
    // The log at trace level holds at least the start, the requests and the refreshes.
    assert!(
        host_state.1 > 1000,
        "the host's log in {} is nearly empty",
        scratch.join("host-state").display()
    );
    let canaries = ok(search_tree(&profile, &[], &ok(TokenSearch::new(&[canary]))));
    assert!(
        !canaries.hits.is_empty(),
        "the canary written to storage.local is not found in the profile, so the search is blind there"
    );
    eprintln!(
        "{}: the storage.local canary was found in {:?}",
        browser.name(),
        canaries
            .hits
            .iter()
            .map(|(file, _)| file
                .strip_prefix(&profile)
                .unwrap_or(file)
                .display()
                .to_string())
            .collect::<Vec<_>>()
    );
    assert!(
        on_disk.hits.is_empty(),
        "tokens on disk: {:?}",
        on_disk
            .hits
            .iter()
            .map(|(file, token)| (file.display().to_string(), &token[..8.min(token.len())]))
            .collect::<Vec<_>>()
    );

    // What the host sent the browser: access tokens (so the capture is real), never a refresh token.
    let sent = ok(search_tree(capture.path(), &[], &refresh_only));
    let carried_access = ok(search_tree(capture.path(), &[], &access_only));
    let hosts = std::fs::read_dir(capture.path())
        .map(|d| d.count())
        .unwrap_or(0);
    eprintln!(
        "{}: the host's messages: {} processes, {} bytes, {} access token(s), {} refresh token(s)",
        browser.name(),
        hosts,
        sent.bytes,
        carried_access.hits.len(),
        sent.hits.len()
    );
    assert!(
        hosts >= 2,
        "the first host and the one after the kill wrote {hosts} capture(s)"
    );
    assert!(
        !carried_access.hits.is_empty(),
        "the capture holds no access token, so it did not capture token.get replies"
    );
    assert!(
        sent.hits.is_empty(),
        "gmux-host sent a refresh token to the browser"
    );
    drop(instance);
}

#[test]
fn chromium_leaves_no_token_behind() {
    audit(Browser::Chromium);
}

#[test]
fn firefox_leaves_no_token_behind() {
    audit(Browser::Firefox);
}
