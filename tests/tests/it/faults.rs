//! Fault injection across the stack, in real browsers: Google's token endpoint failing, slow and refusing,
//! Gmail answering 401, 403 rateLimitExceeded, 429, 500, history 404, a truncated and a malformed batch,
//! gmux-host killed in the middle of a token refresh, and Google going off the network and back. One browser
//! session per browser walks through every fault in turn. After each one: what a user sees (the account's health,
//! the banner, the cached rows still there), then the fault is cleared, a sync runs, and
//! `gmux_e2e::faults::check_invariants` proves no refresh token was lost (except on a real refusal), no inbox row
//! was lost or doubled, and the counts and the badge are right again.

use std::time::{Duration, Instant};

use gmux_e2e::faults::{
    check_invariants, clear_faults, inject, lock_keyring, point_token_endpoint_at, request_count,
    unlock_keyring, Forwarder,
};
use gmux_e2e::{
    add_account_through_consent, configure_host_for_emulator, Browser, EmulatorProcess,
    ExtensionBrowser, HostSetup, InboxView,
};
use gmux_e2e::{all_synced, ok, stored_account_by_email, stored_accounts, sync_now};
use serde_json::{json, Value};

/// First syncs of three accounts, a host start and a wasm start, on a loaded machine.
const SYNC_DEADLINE: Duration = Duration::from_secs(60);

fn has_subject(local: &Value, email: &str, subject: &str) -> bool {
    stored_account_by_email(local, email)["threads"]
        .as_array()
        .is_some_and(|rows| rows.iter().any(|t| t["subject"] == subject))
}

fn deliver(emulator: &EmulatorProcess, account: &str, subject: &str) {
    ok(emulator.post(
        "/_emulator/deliver",
        json!({"account": account, "from": "Fay Fault <fay@example.com>", "subject": subject, "text": "hi"}),
    ));
}

/// The open page's account badge for `email`'s account.
fn badge_health(view: &InboxView, account_id: &str) -> String {
    view.badges
        .iter()
        .find(|b| b.account == account_id)
        .map(|b| b.health.clone())
        .unwrap_or_default()
}

/// One fault under test: the emulator's fault list, and the health the faulted account must show.
struct GmailFault {
    name: &'static str,
    faults: Value,
    health: &'static str,
    /// Words the page's banner must show for the faulted account.
    notice: &'static str,
}

/// Clears the fault, syncs, and checks the invariants; logs what was checked.
fn recover(instance: &ExtensionBrowser, emulator: &EmulatorProcess, name: &str, reauth: &[&str]) {
    ok(clear_faults(emulator));
    sync_now(instance);
    let checked = check_invariants(instance, emulator, reauth)
        .unwrap_or_else(|e| panic!("{}: after {name}: {e}", instance.browser.name()));
    eprintln!(
        "{}: after {name}: invariants hold {:?} badge {:?}",
        instance.browser.name(),
        checked.accounts,
        checked.badge
    );
}

fn check_faults(browser: Browser) {
    let mut emulator = ok(EmulatorProcess::start_demo());
    let google = ok(Forwarder::start(emulator.base_url()));
    // The token endpoint gets a forwarder of its own, so it can refuse connections while Gmail answers.
    let token_endpoint = ok(Forwarder::start(emulator.base_url()));
    let emails = ok(emulator.account_emails());
    assert_eq!(emails.len(), 3, "the demo has three accounts: {emails:?}");
    let (a, b) = (emails[0].as_str(), emails[1].as_str());
    let host_env = [emulator.private_keyring("e2e-faults", browser.name())];
    let mut instance = ok(ExtensionBrowser::launch_prepared(
        browser,
        HostSetup::Installed,
        &host_env,
        |wrapper| {
            configure_host_for_emulator(wrapper, &google.base_url())?;
            point_token_endpoint_at(wrapper, &token_endpoint.base_url())?;
            for email in &emails {
                add_account_through_consent(wrapper, email)?;
            }
            Ok(())
        },
    ));
    ok(instance.open_extension_page("popup.html"));
    let local = ok(
        instance.wait_for_storage("three synced accounts", SYNC_DEADLINE, |local| {
            all_synced(local, 3)
        }),
    );
    let a_id = stored_account_by_email(&local, a)["account"]["id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    ok(check_invariants(&instance, &emulator, &[]));

    // Gmail failing for one account: it keeps its cached rows and says so, the others keep syncing, and the
    // next sync after the fault is gone brings in what arrived meanwhile.
    let gmail_faults = [
        GmailFault {
            name: "Gmail 500",
            faults: json!({"method": "*", "status": 500, "account": a}),
            health: "failing",
            notice: "Gmail is not answering",
        },
        GmailFault {
            name: "Gmail 403 rateLimitExceeded",
            faults: json!({"method": "*", "status": 403, "account": a}),
            health: "failing",
            notice: "Gmail is not answering",
        },
        GmailFault {
            name: "Gmail 429",
            faults: json!({"method": "*", "status": 429, "account": a}),
            health: "failing",
            notice: "Gmail is not answering",
        },
        GmailFault {
            name: "Gmail 401 on every token",
            faults: json!({"method": "*", "status": 401, "account": a}),
            health: "reauth_required",
            notice: "needs to be reconnected",
        },
        GmailFault {
            name: "a truncated batch",
            faults: json!({"method": "batch", "malformed": true, "account": a}),
            health: "failing",
            notice: "Gmail is not answering",
        },
        GmailFault {
            name: "a batch answered with JSON instead of multipart",
            faults: json!({"method": "batch", "status": 200, "account": a}),
            health: "failing",
            notice: "Gmail is not answering",
        },
    ];
    for fault in &gmail_faults {
        let (for_a, for_b) = (
            format!("{} for a", fault.name),
            format!("{} for b", fault.name),
        );
        deliver(&emulator, a, &for_a);
        deliver(&emulator, b, &for_b);
        let before = ok(instance.storage("local"));
        ok(inject(&emulator, fault.faults.clone()));
        sync_now(&instance);
        let local = ok(instance.storage("local"));
        let faulted = stored_account_by_email(&local, a);
        assert_eq!(
            faulted["account"]["health"], fault.health,
            "{}: {faulted}",
            fault.name
        );
        assert_eq!(
            faulted["threads"],
            stored_account_by_email(&before, a)["threads"],
            "{}: the cached rows are kept",
            fault.name
        );
        assert!(
            has_subject(&local, b, &for_b),
            "{}: the other account kept syncing",
            fault.name
        );
        let view = ok(
            instance.wait_for_inbox(&format!("the page to show {}", fault.name), |v| {
                badge_health(v, &a_id) == fault.health
                    && v.notices
                        .iter()
                        .any(|(_, text)| text.contains(fault.notice))
            }),
        );
        assert!(
            !view.rows.is_empty(),
            "{}: the cached rows are shown",
            fault.name
        );
        if fault.health == "reauth_required" {
            ok(instance.wait_for_badge("!"));
        }
        recover(&instance, &emulator, fault.name, &[]);
        assert!(has_subject(&ok(instance.storage("local")), a, &for_a));
    }

    // A history id Gmail no longer keeps (404): one full sync, nothing lost or doubled.
    deliver(&emulator, a, "after a history 404");
    ok(emulator.post("/_emulator/counters/reset", json!({})));
    ok(inject(
        &emulator,
        json!({"method": "gmail.users.history.list", "status": 404, "account": a, "count": 1}),
    ));
    sync_now(&instance);
    assert_eq!(
        ok(request_count(&emulator, a, "gmail.users.threads.list")),
        1,
        "a 404 from history.list reads the inbox afresh"
    );
    recover(&instance, &emulator, "history 404", &[]);

    // Google's token endpoint. Each step makes Gmail refuse the account's token once, so the background asks
    // the host for a fresh one (token.get with force_refresh) and the host has to reach the token endpoint.
    let refused_once =
        json!({"method": "gmail.users.history.list", "status": 401, "account": a, "count": 1});

    // Two 500s: the host's own retries ride them out; the user sees nothing.
    ok(emulator.post("/_emulator/counters/reset", json!({})));
    ok(inject(
        &emulator,
        json!([{"method": "oauth2.token", "status": 500, "account": a, "count": 2}, refused_once]),
    ));
    sync_now(&instance);
    assert_eq!(
        stored_account_by_email(&ok(instance.storage("local")), a)["account"]["health"],
        "ok"
    );
    assert_eq!(ok(request_count(&emulator, a, "oauth2.token")), 3);
    recover(&instance, &emulator, "token endpoint 500 twice", &[]);

    // Down (503 on every call): the account says it cannot get a token, keeps its rows; the others sync.
    deliver(&emulator, b, "while the token endpoint is down");
    ok(inject(
        &emulator,
        json!([{"method": "oauth2.token", "status": 503, "account": a}, refused_once]),
    ));
    sync_now(&instance);
    let local = ok(instance.storage("local"));
    let faulted = stored_account_by_email(&local, a);
    assert_eq!(faulted["account"]["health"], "failing", "{faulted}");
    let cause = &faulted["account"]["health_cause"];
    assert_eq!(cause["kind"], "no_token", "{faulted}");
    let detail = cause["reason"].as_str().unwrap_or_default();
    assert!(
        detail.contains("token endpoint"),
        "the account says why: {detail}"
    );
    eprintln!(
        "{}: token endpoint down: {a} says {detail:?}",
        browser.name()
    );
    assert!(has_subject(&local, b, "while the token endpoint is down"));
    recover(&instance, &emulator, "token endpoint down", &[]);

    // Unreachable (connections refused): the same, and back once it listens again.
    ok(emulator.post("/_emulator/counters/reset", json!({})));
    ok(inject(&emulator, refused_once.clone()));
    token_endpoint.down();
    sync_now(&instance);
    let faulted = stored_account_by_email(&ok(instance.storage("local")), a);
    assert_eq!(faulted["account"]["health"], "failing", "{faulted}");
    assert_eq!(
        ok(request_count(&emulator, a, "oauth2.token")),
        0,
        "nothing reached the token endpoint"
    );
    ok(token_endpoint.up());
    recover(
        &instance,
        &emulator,
        "token endpoint refusing connections",
        &[],
    );

    // Slower than gmux-host's 30 s limit on a token request: the host gives up on that call and its retry
    // gets a token. Meanwhile the other accounts' syncs are not held up and the page keeps the cached inbox.
    ok(emulator.post("/_emulator/counters/reset", json!({})));
    deliver(&emulator, b, "while the token endpoint is slow");
    ok(inject(
        &emulator,
        json!([{"method": "oauth2.token", "latency_ms": 31_000, "account": a, "count": 1}, refused_once]),
    ));
    let started = Instant::now();
    ok(instance.post_intent(json!({"type": "sync_now"})));
    ok(instance.wait_for_storage(
        "the other account's mail while the token endpoint is slow",
        SYNC_DEADLINE,
        |local| has_subject(local, b, "while the token endpoint is slow"),
    ));
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "the other accounts waited for the slow one"
    );
    let view = ok(instance.inbox_view());
    assert!(
        view.rows.iter().any(|r| r.account == a_id),
        "the slow account's cached rows are shown"
    );
    let local = ok(instance.wait_for_storage(
        "the slow account's sync to end",
        SYNC_DEADLINE,
        |local| local["status"]["syncing"] == false,
    ));
    assert!(
        started.elapsed() >= Duration::from_secs(30),
        "the sync waited for the host's token request to time out"
    );
    assert_eq!(
        stored_account_by_email(&local, a)["account"]["health"],
        "ok"
    );
    assert_eq!(
        ok(request_count(&emulator, a, "oauth2.token")),
        2,
        "one token request timed out and one retry succeeded"
    );
    recover(&instance, &emulator, "a slow token endpoint", &[]);

    // invalid_grant: Google refuses the refresh token. That account (only) must be reconnected, keeps its last
    // good inbox, and the others keep working. Reconnecting runs the consent again.
    deliver(&emulator, b, "while a is refused");
    ok(inject(
        &emulator,
        json!([{"method": "oauth2.token", "status": 400, "account": a,
                "body": {"error": "invalid_grant", "error_description": "Token has been expired or revoked."}},
               refused_once]),
    ));
    let before = ok(instance.storage("local"));
    sync_now(&instance);
    let local = ok(instance.storage("local"));
    let faulted = stored_account_by_email(&local, a);
    assert_eq!(faulted["account"]["health"], "reauth_required", "{faulted}");
    assert_eq!(
        faulted["threads"],
        stored_account_by_email(&before, a)["threads"]
    );
    assert!(has_subject(&local, b, "while a is refused"));
    ok(instance.wait_for_badge("!"));
    ok(instance.wait_for_inbox("the reconnect banner", |v| {
        v.notices
            .iter()
            .any(|(kind, text)| kind == "reauth" && text.contains(a))
            && v.badges
                .iter()
                .any(|b| b.account == a_id && b.has_reconnect)
    }));
    ok(clear_faults(&emulator));
    sync_now(&instance);
    ok(check_invariants(&instance, &emulator, &[a]));
    let reply = ok(instance.send_intent(json!({"type": "reconnect", "account": a_id})));
    assert_eq!(reply, json!({"ok": true}));
    ok(instance.open_extension_page("popup.html"));
    ok(
        instance.wait_for_storage("the reconnected account to sync", SYNC_DEADLINE, |local| {
            all_synced(local, 3)
        }),
    );
    recover(&instance, &emulator, "invalid_grant and a reconnect", &[]);

    // gmux-host killed while a token refresh is in flight (the token endpoint takes 8 s): the pending call
    // fails at once with a clear status instead of hanging, a new host starts, and the next sync is whole.
    ok(emulator.post("/_emulator/counters/reset", json!({})));
    deliver(&emulator, a, "after the host was killed");
    ok(inject(
        &emulator,
        json!([{"method": "oauth2.token", "latency_ms": 8000, "account": a, "count": 1}, refused_once]),
    ));
    let first_host = ok(instance.wait_for_host_processes("one gmux-host", |pids| pids.len() == 1));
    ok(instance.post_intent(json!({"type": "sync_now"})));
    let until = Instant::now() + SYNC_DEADLINE;
    while ok(request_count(&emulator, a, "oauth2.token")) == 0 {
        assert!(
            Instant::now() < until,
            "the token refresh never reached the emulator"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    ok(instance.kill_host());
    let killed = Instant::now();
    let local = ok(instance.wait_for_storage(
        "the pending token.get to fail",
        Duration::from_secs(30),
        |local| stored_account_by_email(local, a)["account"]["health"] == "failing",
    ));
    assert!(
        killed.elapsed() < Duration::from_secs(6),
        "the pending call waited for the dead host ({:?})",
        killed.elapsed()
    );
    let detail = stored_account_by_email(&local, a)["account"]["health_cause"].clone();
    assert_eq!(
        detail["kind"], "no_token",
        "the account says gmux-host gave no token: {detail}"
    );
    eprintln!(
        "{}: host killed: the pending sync ended {} ms after the kill; {a} says {detail}",
        browser.name(),
        killed.elapsed().as_millis()
    );
    ok(instance.wait_for_host_processes("a new gmux-host", |pids| {
        !pids.is_empty() && !pids.contains(&first_host[0])
    }));
    ok(
        instance.wait_for_storage("the host to be connected again", SYNC_DEADLINE, |local| {
            local["status"]["host"] == "connected"
        }),
    );
    recover(&instance, &emulator, "the host killed mid-refresh", &[]);

    // The keyring locked (a screen lock, a keyring that did not unlock at log-in): the account that needs its
    // keyring entry says so and keeps its rows, the others keep syncing on the tokens the background holds,
    // and after unlocking everything is whole; the host must not take "locked" for "no refresh token".
    deliver(&emulator, a, "after the keyring was unlocked");
    deliver(&emulator, b, "while the keyring is locked");
    ok(inject(&emulator, refused_once.clone()));
    let before = ok(instance.storage("local"));
    {
        let _unlock_at_the_end = KeyringUnlocker;
        ok(lock_keyring());
        sync_now(&instance);
        let local = ok(instance.storage("local"));
        let faulted = stored_account_by_email(&local, a);
        assert_eq!(faulted["account"]["health"], "failing", "{faulted}");
        let cause = &faulted["account"]["health_cause"];
        assert_eq!(cause["kind"], "no_token", "{faulted}");
        let detail = cause["reason"].as_str().unwrap_or_default();
        assert!(detail.contains("keyring"), "the account says why: {detail}");
        eprintln!("{}: keyring locked: {a} says {detail:?}", browser.name());
        assert_eq!(
            faulted["threads"],
            stored_account_by_email(&before, a)["threads"]
        );
        assert!(has_subject(&local, b, "while the keyring is locked"));
        ok(
            instance.wait_for_inbox("the page to show the account failing", |v| {
                badge_health(v, &a_id) == "failing" && !v.rows.is_empty()
            }),
        );
        ok(unlock_keyring());
    }
    recover(&instance, &emulator, "the keyring locked", &[]);

    // Google off the network (connections refused, open ones cut): every account is offline, the cached inbox
    // stays with the offline banner, and the badge keeps the cached count. Back on the same port: all is whole.
    deliver(&emulator, a, "while offline");
    let before = ok(instance.storage("local"));
    google.down();
    sync_now(&instance);
    let local = ok(instance.storage("local"));
    for email in &emails {
        let (was, now) = (
            stored_account_by_email(&before, email),
            stored_account_by_email(&local, email),
        );
        assert_eq!(now["account"]["health"], "offline", "{email}: {now}");
        assert_eq!(
            now["threads"], was["threads"],
            "{email}: the cached inbox is kept"
        );
    }
    let view = ok(instance.wait_for_inbox("the offline banner", |v| {
        v.notices
            .iter()
            .any(|(kind, text)| kind == "stale" && text.starts_with("Offline"))
    }));
    assert!(!view.rows.is_empty(), "the cached rows are shown offline");
    let cached_total: u64 = stored_accounts(&local)
        .iter()
        .map(|a| {
            a["account"]["counts"]["threads_unread"]
                .as_u64()
                .unwrap_or(0)
        })
        .sum();
    ok(instance.wait_for_badge(&cached_total.to_string()));
    ok(google.up());
    recover(&instance, &emulator, "Google offline and back", &[]);

    // Nothing the emulator issued ever reached the extension's storage through all of that.
    let tokens = ok(emulator.issued_tokens());
    for area in ["local", "session"] {
        let stored = ok(instance.storage(area)).to_string();
        assert!(
            tokens.iter().all(|t| !stored.contains(t.as_str())),
            "a token is in storage.{area}"
        );
    }
    // The page still opens on the inbox after everything.
    let view = ok(instance.open_inbox_page("popup.html", |v| !v.rows.is_empty()));
    assert!(view.notices.is_empty(), "{:?}", view.notices);

    // The emulator process itself stopped, then started again on the same port. Stopped, it is offline as
    // above. Restarted, it is a wiped Google: its state lived in memory, so it knows none of the tokens it
    // issued (as after a password change, every grant is gone) and none of the old message ids. Every
    // account must turn to "reconnect" (the one case where the host dropping its refresh tokens is right),
    // keep its last good inbox, and the badge says something needs doing.
    let before = ok(instance.storage("local"));
    emulator.stop();
    sync_now(&instance);
    let local = ok(instance.storage("local"));
    for email in &emails {
        assert_eq!(
            stored_account_by_email(&local, email)["account"]["health"],
            "offline",
            "{email}"
        );
    }
    ok(emulator.restart_on_same_port());
    sync_now(&instance);
    let local = ok(instance.storage("local"));
    for email in &emails {
        let (was, now) = (
            stored_account_by_email(&before, email),
            stored_account_by_email(&local, email),
        );
        assert_eq!(
            now["account"]["health"], "reauth_required",
            "{email}: {now}"
        );
        assert_eq!(
            now["threads"], was["threads"],
            "{email}: the last good inbox is kept"
        );
    }
    let all: Vec<&str> = emails.iter().map(String::as_str).collect();
    let checked = check_invariants(&instance, &emulator, &all)
        .unwrap_or_else(|e| panic!("{}: after the emulator restarted: {e}", browser.name()));
    assert_eq!(checked.badge, "!");
    ok(instance.open_extension_page("popup.html"));
    ok(
        instance.wait_for_inbox("the reconnect banner for every account", |v| {
            v.notices.iter().any(|(kind, text)| {
                kind == "reauth" && all.iter().all(|email| text.contains(email))
            })
        }),
    );
}

/// Unlocks the session's keyring when dropped, so a failed assertion cannot leave it locked for the tests
/// that run after this one.
struct KeyringUnlocker;

impl Drop for KeyringUnlocker {
    fn drop(&mut self) {
        let _ = unlock_keyring();
    }
}

#[test]
fn chromium_recovers_from_every_fault() {
    check_faults(Browser::Chromium);
}

#[test]
fn firefox_recovers_from_every_fault() {
    check_faults(Browser::Firefox);
}
