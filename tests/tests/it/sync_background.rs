//! The background keeps every account in sync, in real Chromium and Firefox: the real gmux-host (accounts added
//! through the real OAuth flow, tokens in the real Secret Service), gmux-emulator with its demo mailboxes, and
//! the built extension. One browser session per browser walks through the whole story, because each launch
//! costs seconds on two shared cores.

use std::time::Duration;

use gmux_core::head::{screen_key, store_head, HEAD_ROWS};
use gmux_core::inbox::InboxStore;

use gmux_e2e::{all_synced, ok, stored_account_by_email, stored_accounts, sync_now};
use gmux_e2e::{
    configure_host_with_accounts, Browser, EmulatorProcess, ExtensionBrowser, HostSetup,
};
use serde_json::{json, Value};

/// First syncs of three accounts, a host start and a wasm start, on a loaded machine.
const SYNC_DEADLINE: Duration = Duration::from_secs(60);

fn store_unread(local: &Value) -> u64 {
    stored_accounts(local)
        .iter()
        .map(|a| {
            a["account"]["counts"]["threads_unread"]
                .as_u64()
                .unwrap_or(0)
        })
        .sum()
}

fn thread_with_subject(local: &Value, subject: &str) -> Option<Value> {
    stored_accounts(local)
        .iter()
        .flat_map(|a| a["threads"].as_array().cloned().unwrap_or_default())
        .find(|t| t["subject"] == subject)
}

fn check_background_sync(browser: Browser) {
    let mut emulator = ok(EmulatorProcess::start_demo());
    let emails = ok(emulator.account_emails());
    assert_eq!(emails.len(), 3, "the demo has three accounts: {emails:?}");
    // Every test gets its own keyring entries: the demo accounts' ids are the same in every emulator.
    let host_env = [emulator.private_keyring("e2e", browser.name())];
    let instance = ok(ExtensionBrowser::launch_prepared(
        browser,
        HostSetup::Installed,
        &host_env,
        |wrapper| {
            configure_host_with_accounts(wrapper, emulator.base_url(), &emails)?;
            // The browser's first gmux-host starts 3 s late, so the popup below is in view before the handshake:
            // its faster poll and the handshake's own sync must make one first sync, not two.
            let script = std::fs::read_to_string(wrapper).expect("reading the host wrapper");
            let late = "[ -e \"$0.started\" ] || { touch \"$0.started\"; sleep 3; }\nexec ";
            std::fs::write(wrapper, script.replacen("exec ", late, 1))
                .expect("writing the host wrapper");
            Ok(())
        },
    ));
    let started = std::time::Instant::now();
    ok(instance.open_extension_page("popup.html"));

    // The background syncs every account on start: the store holds the merged inbox and the exact counts.
    let local = ok(
        instance.wait_for_storage("three synced accounts", SYNC_DEADLINE, |local| {
            all_synced(local, 3)
        }),
    );
    eprintln!(
        "{}: three accounts synced {} ms after the browser started",
        browser.name(),
        started.elapsed().as_millis()
    );
    let expected_total = ok(emulator.total_threads_unread());
    assert!(expected_total > 0, "the demo has unread mail");
    assert_eq!(store_unread(&local), expected_total);
    for (email, unread) in ok(emulator.threads_unread()) {
        let account = stored_account_by_email(&local, &email);
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

    // Each account was synced once: the popup's poll, asked for while gmux-host was starting, waited for the
    // handshake's sync instead of following it with a second (a history.list per account).
    let local = ok(
        instance.wait_for_storage("the first sync over", SYNC_DEADLINE, |local| {
            local["status"]["syncing"] == false
        }),
    );
    assert!(
        local["status"]["syncing_accounts"].is_null(),
        "{}",
        local["status"]
    );
    let counters = ok(emulator.get("/_emulator/counters"));
    for email in &emails {
        let requests = &counters["accounts"][email.as_str()]["requests"];
        assert_eq!(
            requests["gmail.users.threads.list"], 1,
            "{email}: one first sync, one inbox page: {counters}"
        );
        assert!(
            requests.get("gmail.users.history.list").is_none(),
            "{email} was polled again right after its first sync: {counters}"
        );
    }

    // An idle poll costs each account one request (history.list) and two quota units, by the emulator's counters.
    ok(emulator.post("/_emulator/counters/reset", json!({})));
    sync_now(&instance);
    let counters = ok(emulator.get("/_emulator/counters"));
    for email in &emails {
        let account = &counters["accounts"][email.as_str()];
        assert_eq!(
            account["requests"],
            json!({"gmail.users.history.list": 1}),
            "{email}: {counters}"
        );
        assert_eq!(account["quota_units"], 2, "{email}: {counters}");
    }

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
    // Each write of the inbox carries the head a page draws first, cut from that same inbox.
    let parse = |v: &Value| -> InboxStore {
        serde_json::from_value(v.clone()).unwrap_or_else(|e| panic!("{e}: {v}"))
    };
    let settings = serde_json::from_value(local["settings"].clone()).unwrap_or_default();
    assert_eq!(
        parse(&local["inbox_head"]),
        store_head(&parse(&local["inbox"]), &settings, HEAD_ROWS),
        "the head written with the inbox"
    );
    // And the key of what a page's first screen is drawn from: that head, the settings and the status.
    let status = serde_json::from_value(local["status"].clone()).unwrap_or_default();
    assert_eq!(
        local["screen_key"],
        json!(screen_key(parse(&local["inbox_head"]), &settings, &status)),
        "the first screen's key written with the inbox"
    );
    // Firefox's background, a page, also keeps it in localStorage for the pages to read at once; Chrome's, a
    // worker, has no localStorage.
    let mirror = || {
        ok(instance.session.execute(
            "const api = globalThis.browser ?? globalThis.chrome;
             return api.storage.local.get('screen_key')
               .then((s) => [s.screen_key, localStorage.getItem('gmux.screenKey')]);",
            &[],
        ))
    };
    match browser {
        // Read together, the two agree once no write is under way.
        Browser::Firefox => gmux_e2e::wait_until(
            "Firefox's background to mirror the first screen's key into localStorage",
            SYNC_DEADLINE,
            || {
                let both = mirror();
                both[0].is_string() && both[0] == both[1]
            },
        ),
        Browser::Chromium => assert_eq!(mirror()[1], Value::Null, "a worker has no localStorage"),
    }
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
    let kept_rows = stored_account_by_email(&local, revoked)["threads"].clone();
    ok(emulator.post("/_emulator/revoke", json!({"account": revoked})));
    let second = format!("gmux e2e {} after revoke", browser.name());
    ok(emulator.post(
        "/_emulator/deliver",
        json!({"account": emails[1], "from": "Zed Zimmer <zed@example.com>", "subject": second, "text": "hi"}),
    ));
    sync_now(&instance);
    let local = ok(instance.storage("local"));
    let account = stored_account_by_email(&local, revoked);
    assert_eq!(account["account"]["health"], "reauth_required", "{account}");
    assert_eq!(account["threads"], kept_rows, "the last good inbox is kept");
    assert!(
        thread_with_subject(&local, &second).is_some(),
        "the other accounts kept syncing"
    );
    for email in &emails[..2] {
        assert_eq!(
            stored_account_by_email(&local, email)["account"]["health"],
            "ok",
            "{email}"
        );
    }
    ok(instance.wait_for_badge("!"));

    // A refused action is rolled back and reported; the emulator's mailbox is as it was.
    let first = stored_account_by_email(&local, &emails[0]);
    let unread_row = first["threads"]
        .as_array()
        .and_then(|rows| rows.iter().find(|t| t["unread"] == true).cloned())
        .unwrap_or_else(|| panic!("{} has no unread row", emails[0]));
    ok(emulator.post(
        "/_emulator/faults",
        json!({"method": "gmail.users.threads.modify", "status": 404, "count": 1}),
    ));
    let unread_before = ok(emulator.total_threads_unread());
    let reply = ok(instance.send_intent(json!({
        "type": "action", "account": unread_row["account_id"], "thread": unread_row["thread_id"], "action": "mark_read"
    })));
    assert_eq!(
        (reply["ok"].clone(), reply["code"].clone()),
        (json!(false), json!("not_found")),
        "{reply}"
    );
    assert!(
        reply["error"]
            .as_str()
            .is_some_and(|e| e.contains("could not be marked read")),
        "{reply}"
    );
    assert_eq!(ok(emulator.total_threads_unread()), unread_before);
    let local = ok(instance.storage("local"));
    let first_after = stored_account_by_email(&local, &emails[0]);
    assert_eq!(
        first_after["account"]["counts"], first["account"]["counts"],
        "the counts were rolled back"
    );
    assert_eq!(
        first_after["threads"], first["threads"],
        "the row was rolled back"
    );

    // Reconnecting the revoked account runs the consent flow in a tab (the emulator consents at once); the
    // host's accounts.added event brings the account back and it syncs at once.
    let revoked_id = account["account"]["id"].clone();
    let reply = ok(instance.send_intent(json!({"type": "reconnect", "account": revoked_id})));
    assert_eq!(reply, json!({"ok": true}));
    ok(
        instance.wait_for_storage("the reconnected account to sync", SYNC_DEADLINE, |local| {
            all_synced(local, 3)
        }),
    );
    ok(instance.wait_for_badge(&ok(emulator.total_threads_unread()).to_string()));

    // The polling interval is a setting, and the alarm follows it: every 30 s by default in both browsers.
    assert_eq!(ok(instance.alarm_period("poll")), Some(0.5));
    let reply = ok(instance.send_intent(json!({"type": "set_poll", "seconds": 300})));
    assert_eq!(reply, json!({"ok": true}));
    assert_eq!(
        ok(instance.storage("local"))["settings"]["poll_seconds"],
        json!(300)
    );
    assert_eq!(ok(instance.alarm_period("poll")), Some(5.0));

    // Chrome stops idle background workers. The next message wakes it (its listeners exist before the wasm is
    // ready); it starts from the stored inbox, reconnects, and its first sync is incremental.
    if browser == Browser::Chromium {
        let third = "gmux e2e chromium after a worker restart";
        ok(instance.stop_background_worker());
        ok(emulator.post(
            "/_emulator/deliver",
            json!({"account": emails[2], "from": "Zed Zimmer <zed@example.com>", "subject": third, "text": "yo"}),
        ));
        ok(emulator.post("/_emulator/counters/reset", json!({})));
        sync_now(&instance);
        assert!(ok(instance.background_worker_running()));
        let local = ok(instance.storage("local"));
        assert!(
            thread_with_subject(&local, third).is_some(),
            "the restarted worker synced"
        );
        assert!(all_synced(&local, 3), "{}", local["inbox"]);
        let counters = ok(emulator.get("/_emulator/counters"));
        for email in &emails {
            let requests = &counters["accounts"][email.as_str()]["requests"];
            assert!(
                requests["gmail.users.history.list"].as_u64() >= Some(1),
                "{email} was not polled: {counters}"
            );
            let lists = &requests["gmail.users.threads.list"];
            assert!(
                lists.is_null() || lists == 0,
                "{email} was read afresh: {counters}"
            );
        }
        ok(instance.wait_for_badge(&ok(emulator.total_threads_unread()).to_string()));
        assert_eq!(
            ok(instance.alarm_period("poll")),
            Some(5.0),
            "the alarm survives a restart"
        );
    }

    // Accounts sync concurrently: the first account being slow does not hold up saving the second.
    let fast = "gmux e2e while another account is slow";
    ok(emulator.post(
        "/_emulator/faults",
        json!({"method": "gmail.users.history.list", "account": emails[0], "latency_ms": 8000, "count": 1}),
    ));
    ok(emulator.post(
        "/_emulator/deliver",
        json!({"account": emails[1], "from": "Zed Zimmer <zed@example.com>", "subject": fast, "text": "quick"}),
    ));
    let slow_synced_before = stored_account_by_email(&ok(instance.storage("local")), &emails[0])
        ["account"]["last_good_sync_ms"]
        .clone();
    ok(instance.post_intent(json!({"type": "sync_now"})));
    let local = ok(instance.wait_for_storage(
        "the fast account's new mail",
        SYNC_DEADLINE,
        |local| thread_with_subject(local, fast).is_some(),
    ));
    assert_eq!(
        stored_account_by_email(&local, &emails[0])["account"]["last_good_sync_ms"],
        slow_synced_before,
        "the fast account was saved only after the slow one finished"
    );
    ok(
        instance.wait_for_storage("the slow account's sync to end", SYNC_DEADLINE, |local| {
            local["status"]["syncing"] == false
        }),
    );

    let after = ok(instance.storage("local"));
    assert_ne!(
        stored_account_by_email(&after, &emails[0])["account"]["last_good_sync_ms"],
        slow_synced_before,
        "the slow account synced in the end"
    );

    // Gmail refusing a token (401) gets one fresh token from the host (token.get with force_refresh: the
    // host's own copy has not expired) and one retry; the account stays healthy.
    ok(emulator.post("/_emulator/counters/reset", json!({})));
    ok(emulator.post(
        "/_emulator/faults",
        json!({"method": "gmail.users.history.list", "account": emails[1], "status": 401, "count": 1}),
    ));
    sync_now(&instance);
    let local = ok(instance.storage("local"));
    assert_eq!(
        stored_account_by_email(&local, &emails[1])["account"]["health"],
        "ok"
    );
    let counters = ok(emulator.get("/_emulator/counters"));
    let refused = &counters["accounts"][emails[1].as_str()];
    assert_eq!(refused["token_refreshes"], 1, "{counters}");
    assert_eq!(
        refused["requests"]["gmail.users.history.list"], 2,
        "{counters}"
    );
    assert_eq!(
        counters["accounts"][emails[0].as_str()]["token_refreshes"],
        0,
        "{counters}"
    );

    // A colour and a removal go through the host; the status, the store and the badge follow.
    let reply = ok(instance
        .send_intent(json!({"type": "set_color", "account": revoked_id, "color": "#00897b"})));
    assert_eq!(reply, json!({"ok": true}));
    let local = ok(instance.storage("local"));
    let colors: Vec<Value> = local["status"]["accounts"]
        .as_array()
        .map(|all| {
            all.iter()
                .filter(|a| a["id"] == revoked_id)
                .map(|a| a["color"].clone())
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(colors, [json!("#00897b")]);
    let reply = ok(instance.send_intent(json!({"type": "remove_account", "account": revoked_id})));
    assert_eq!(reply, json!({"ok": true}));
    let local = ok(instance.storage("local"));
    assert_eq!(stored_accounts(&local).len(), 2);
    assert_eq!(
        local["status"]["accounts"].as_array().map(Vec::len),
        Some(2)
    );
    let remaining: u64 = ok(emulator.threads_unread())
        .iter()
        .filter(|(email, _)| email != revoked)
        .map(|(_, n)| n)
        .sum();
    assert_eq!(store_unread(&local), remaining);
    ok(instance.wait_for_badge(&remaining.to_string()));

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

    // Offline: the cached inboxes stay, marked stale with the time of their last good sync.
    let before = ok(instance.storage("local"));
    emulator.stop();
    sync_now(&instance);
    let local = ok(instance.storage("local"));
    for email in &emails[..2] {
        let (was, now) = (
            stored_account_by_email(&before, email),
            stored_account_by_email(&local, email),
        );
        assert_eq!(now["account"]["health"], "offline", "{email}: {now}");
        assert_eq!(
            now["threads"], was["threads"],
            "{email}: the cached inbox is kept"
        );
        assert_eq!(
            now["account"]["last_good_sync_ms"], was["account"]["last_good_sync_ms"],
            "{email}"
        );
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
