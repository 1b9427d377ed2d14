//! New mail as it arrives (issue 15): desktop notifications in real Chromium and Firefox ESR, with gmux-emulator
//! delivering mail through its control API, the real gmux-host and the three demo accounts. What must appear is
//! read from the browser's own list (`notifications.getAll()`; Chromium gives ids only, so the text comes from
//! the test build's record of what was shown), and so is what must not: nothing at the first sync, for the
//! account's own mail, for mail already read, in quiet hours, while paused, for an account switched off,
//! outside Primary with Primary only, after reconnecting an account, or after Gmail forgot the history. Chromium's Mark as read and Archive change the emulator's mailbox (and a
//! refused one says so), a click opens the conversation in gmux or in Gmail, Firefox's notifications have no
//! buttons, a restarted background notifies nothing twice, and a burst of 500 is one summary. One browser
//! session per browser.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use gmux_core::notify::NotificationTarget;
use gmux_core::view;
use gmux_e2e::{all_synced, ok, stored_account_by_email, sync_now};
use gmux_e2e::{
    configure_host_with_accounts, Browser, EmulatorProcess, ExtensionBrowser, HostSetup,
};
use serde_json::{json, Value};

/// First syncs of three accounts, a host start and a wasm start, on a loaded machine.
const DEADLINE: Duration = Duration::from_secs(60);

/// The popup, without the port that makes the background poll every 10 s while it is in view (test builds).
const AWAY_POPUP: &str = "popup.html?gmux-test-away";

fn wait_until(what: &str, done: impl Fn() -> bool) {
    gmux_e2e::wait_until(what, DEADLINE, done);
}

/// The ids in the browser's own list of gmux's notifications.
fn listed(instance: &ExtensionBrowser) -> BTreeSet<String> {
    let all = ok(instance.session.execute(
        "const api = globalThis.browser ?? globalThis.chrome; return api.notifications.getAll();",
        &[],
    ));
    all.as_object()
        .map(|all| all.keys().cloned().collect())
        .unwrap_or_default()
}

/// What the browser's list holds for one notification: Firefox gives the options it was created with,
/// Chromium only `true`.
fn listed_options(instance: &ExtensionBrowser, id: &str) -> Value {
    ok(instance.session.execute(
        "const api = globalThis.browser ?? globalThis.chrome;
         return api.notifications.getAll().then((all) => all[arguments[0]] ?? null);",
        &[json!(id)],
    ))
}

/// Closes every notification, so a round of deliveries starts from an empty list.
fn clear_all(instance: &ExtensionBrowser) {
    ok(instance.session.execute(
        "const api = globalThis.browser ?? globalThis.chrome;
         return api.notifications.getAll()
           .then((all) => Promise.all(Object.keys(all).map((id) => api.notifications.clear(id))))
           .then(() => true);",
        &[],
    ));
    assert!(listed(instance).is_empty());
}

/// The test build's record: every notification shown since the background started, `{id, options}`.
fn shown(instance: &ExtensionBrowser) -> Vec<Value> {
    let reply = ok(instance.send_intent(json!({"type": "test_notifications_shown"})));
    reply
        .as_array()
        .cloned()
        .unwrap_or_else(|| panic!("test_notifications_shown: {reply}"))
}

fn shown_options(instance: &ExtensionBrowser, id: &str) -> Value {
    shown(instance)
        .into_iter()
        .rev()
        .find(|n| n["id"] == id)
        .map(|n| n["options"].clone())
        .unwrap_or_else(|| panic!("{id} was not shown"))
}

/// Delivers one message and returns (message id, thread id).
fn deliver(emulator: &EmulatorProcess, message: Value) -> (String, String) {
    let answer = ok(emulator.post("/_emulator/deliver", message));
    (
        answer["id"].as_str().unwrap_or_default().to_string(),
        answer["threadId"].as_str().unwrap_or_default().to_string(),
    )
}

fn message_id(account: &str, thread: &str, message: &str) -> String {
    NotificationTarget::Message {
        account_id: account.into(),
        thread_id: thread.into(),
        message_id: message.into(),
    }
    .id("")
}

fn intent_ok(instance: &ExtensionBrowser, intent: Value) {
    let reply = ok(instance.send_intent(intent.clone()));
    assert_eq!(reply["ok"], true, "{intent}: {reply}");
}

/// The emulator's INBOX counters of one account: (unread threads, threads).
fn counts(emulator: &EmulatorProcess, email: &str) -> (u64, u64) {
    let accounts = ok(emulator.get("/_emulator/accounts"));
    accounts["accounts"]
        .as_array()
        .and_then(|all| all.iter().find(|a| a["email"] == email))
        .map(|a| {
            (
                a["threadsUnread"].as_u64().unwrap_or(0),
                a["threadsTotal"].as_u64().unwrap_or(0),
            )
        })
        .unwrap_or_else(|| panic!("no {email} in the emulator"))
}

/// The browser's local minute of the day (the pages and the background read the same clock and zone).
fn local_minute(instance: &ExtensionBrowser) -> u16 {
    let minute = ok(instance.session.execute(
        "const d = new Date(); return d.getHours() * 60 + d.getMinutes();",
        &[],
    ));
    minute.as_u64().unwrap_or(0) as u16
}

/// Brings the options page's Notifications card into view for a screenshot (a headless Firefox window stays
/// shorter than the page).
fn show_notification_card(instance: &ExtensionBrowser) {
    ok(instance.session.execute(
        "document.getElementById('account-list').scrollIntoView(); return true;",
        &[],
    ));
}

fn check_notifications(browser: Browser) {
    let emulator = ok(EmulatorProcess::start_demo());
    let emails = ok(emulator.account_emails());
    assert_eq!(emails.len(), 3, "the demo has three accounts: {emails:?}");
    let subs: Vec<String> = ok(emulator.get("/_emulator/accounts"))["accounts"]
        .as_array()
        .map(|all| {
            all.iter()
                .map(|a| a["sub"].as_str().unwrap_or_default().to_string())
                .collect()
        })
        .unwrap_or_default();
    let (a, b, c) = (&emails[0], &emails[1], &emails[2]);
    let (a_id, b_id, c_id) = (&subs[0], &subs[1], &subs[2]);
    let host_env = [emulator.private_keyring("e2e-notify", browser.name())];
    let mut instance = ok(ExtensionBrowser::launch_prepared(
        browser,
        HostSetup::Installed,
        &host_env,
        |wrapper| configure_host_with_accounts(wrapper, emulator.base_url(), &emails),
    ));
    // The test polls when it has delivered what it wants (sync_now): its pages do not ask for the faster poll
    // of a page in view, and the alarm is set an hour off.
    ok(instance.open_extension_page(AWAY_POPUP));
    ok(
        instance.wait_for_storage("three synced accounts", DEADLINE, |local| {
            all_synced(local, 3)
        }),
    );
    intent_ok(&instance, json!({"type": "set_poll", "seconds": 3600}));

    // The first sync found the demo's unread mail: the inbox as it was, not new mail. Nothing is shown.
    sync_now(&instance);
    assert_eq!(listed(&instance), BTreeSet::new());
    assert!(shown(&instance).is_empty());

    // New mail: one notification with the sender, the subject, the snippet and the account.
    let (ada, ada_thread) = deliver(
        &emulator,
        json!({"account": a, "from": "Ada Lovelace <ada@example.org>", "subject": "Engines",
               "text": "The analytical engine weaves algebraic patterns"}),
    );
    sync_now(&instance);
    let ada_id = message_id(a_id, &ada_thread, &ada);
    assert_eq!(listed(&instance), BTreeSet::from([ada_id.clone()]));
    let options = shown_options(&instance, &ada_id);
    assert_eq!(options["title"], "Ada Lovelace");
    assert!(
        options["iconUrl"]
            .as_str()
            .is_some_and(|u| u.starts_with("data:image/png;base64,")),
        "{options}"
    );
    match browser {
        Browser::Chromium => {
            assert_eq!(
                options["message"],
                "Engines\nThe analytical engine weaves algebraic patterns"
            );
            assert_eq!(options["contextMessage"], a.as_str());
            assert_eq!(
                options["buttons"],
                json!([{"title": "Mark as read"}, {"title": "Archive"}])
            );
        }
        Browser::Firefox => {
            // Firefox shows no context line and takes no buttons: the account leads the body, and the
            // browser's own list says the same.
            let body = format!("{a}\nEngines\nThe analytical engine weaves algebraic patterns");
            assert_eq!(options["message"], body.as_str());
            assert!(options.get("buttons").is_none(), "{options}");
            let listed = listed_options(&instance, &ada_id);
            assert_eq!(listed["title"], "Ada Lovelace");
            assert_eq!(listed["message"], body.as_str());
            assert!(listed["buttons"].is_null(), "{listed}");
        }
    }

    // What must not appear, beside one that must (so the round surely ran): the account's own mail, mail
    // already read, an account switched off, and with Primary only, mail outside Primary.
    intent_ok(
        &instance,
        json!({"type": "set_account_settings", "account": b_id,
               "settings": {"notifications": false, "primary_only": false}}),
    );
    intent_ok(
        &instance,
        json!({"type": "set_account_settings", "account": c_id,
               "settings": {"notifications": true, "primary_only": true}}),
    );
    clear_all(&instance);
    deliver(
        &emulator,
        json!({"account": a, "from": a, "to": a, "subject": "a note to myself", "text": "x"}),
    );
    deliver(
        &emulator,
        json!({"account": a, "from": "Bo <bo@example.org>", "subject": "read on the phone", "text": "x",
               "labels": ["INBOX"]}),
    );
    deliver(
        &emulator,
        json!({"account": b, "from": "Bo <bo@example.org>", "subject": "to an account switched off", "text": "x"}),
    );
    deliver(
        &emulator,
        json!({"account": c, "from": "Shop <deals@shop.example>", "subject": "50% off", "text": "x",
               "labels": ["INBOX", "UNREAD", "CATEGORY_PROMOTIONS"]}),
    );
    let (primary, primary_thread) = deliver(
        &emulator,
        json!({"account": c, "from": "Cy <cy@example.org>", "subject": "lunch?", "text": "at one",
               "labels": ["INBOX", "UNREAD", "CATEGORY_PERSONAL"]}),
    );
    sync_now(&instance);
    assert_eq!(
        listed(&instance),
        BTreeSet::from([message_id(c_id, &primary_thread, &primary)])
    );
    ok(instance.open_page("options.html?gmux-test-away"));
    wait_until("the switches on the options page", || {
        let switches = ok(instance.session.execute(
            "return [...document.querySelectorAll('input[data-setting=account-switch]')]
               .map((i) => `${i.dataset.account}:${i.dataset.switch}:${i.checked}`);",
            &[],
        ));
        let has = |s: String| {
            switches
                .as_array()
                .is_some_and(|all| all.contains(&json!(s)))
        };
        has(format!("{b_id}:notifications:false")) && has(format!("{c_id}:primary_only:true"))
    });
    ok(instance.session.set_window_size(900, 1700));
    show_notification_card(&instance);
    ok(instance.screenshot("options-notifications"));
    ok(instance.session.set_window_size(800, 600));
    // The switches work from the page too: B's notifications back on.
    ok(instance.click_css(&format!(
        "input[data-account=\"{b_id}\"][data-switch=notifications]"
    )));
    ok(
        instance.wait_for_storage("B's notifications on", DEADLINE, |local| {
            local["settings"]["accounts"][b_id.as_str()]["notifications"] == true
        }),
    );

    // Quiet hours around now (in the browser's own time zone): silence. Mail that came then is not announced
    // after they end; the next mail is.
    let now = local_minute(&instance);
    intent_ok(
        &instance,
        json!({"type": "set_quiet_hours", "quiet_hours":
               {"start_minute": (now + 1440 - 60) % 1440, "end_minute": (now + 60) % 1440}}),
    );
    clear_all(&instance);
    deliver(
        &emulator,
        json!({"account": a, "from": "Di <di@example.org>", "subject": "at night", "text": "x"}),
    );
    sync_now(&instance);
    assert_eq!(listed(&instance), BTreeSet::new(), "quiet hours");
    intent_ok(
        &instance,
        json!({"type": "set_quiet_hours", "quiet_hours": null}),
    );
    sync_now(&instance);
    assert_eq!(
        listed(&instance),
        BTreeSet::new(),
        "made up after quiet hours"
    );

    // Pause for an hour from the popup's bell: silence, and the popup says so until Resume.
    ok(instance.open_extension_page(AWAY_POPUP));
    ok(instance.wait_for_inbox("the popup", |v| !v.rows.is_empty()));
    ok(instance.click_css("#notify-control button[data-action=notify-menu]"));
    wait_until("the notifications menu", || {
        instance
            .session
            .find_css("button[data-action=notify-pause-hour]")
            .is_ok()
    });
    ok(instance.screenshot("popup-notification-menu"));
    ok(instance.click_css("button[data-action=notify-pause-hour]"));
    let paused = ok(instance.wait_for_inbox("the paused notice", |v| {
        v.notices.iter().any(|(kind, _)| kind == "paused")
    }));
    assert!(
        paused.text.contains("Notifications paused until"),
        "{}",
        paused.text
    );
    ok(instance.screenshot("popup-paused"));
    deliver(
        &emulator,
        json!({"account": a, "from": "Eve <eve@example.org>", "subject": "while paused", "text": "x"}),
    );
    sync_now(&instance);
    assert_eq!(listed(&instance), BTreeSet::new(), "paused");
    ok(instance.click_css(".notice[data-notice=paused] button[data-action=notify-resume]"));
    ok(
        instance.wait_for_storage("the pause lifted", DEADLINE, |local| {
            local["settings"]["notify"]["paused_until_ms"].is_null()
        }),
    );

    // More than three at once: one summary for the account, newest senders first.
    for (i, from) in ["Fay", "Gus", "Hal", "Ivy", "Jo"].iter().enumerate() {
        deliver(
            &emulator,
            json!({"account": a, "from": format!("{from} <{}@example.org>", from.to_lowercase()),
                   "subject": format!("news {i}"), "text": "x"}),
        );
    }
    sync_now(&instance);
    let ids = listed(&instance);
    assert_eq!(ids.len(), 1, "{ids:?}");
    let summary = ids.into_iter().next().unwrap_or_default();
    assert_eq!(
        NotificationTarget::parse(&summary),
        Some(NotificationTarget::Summary {
            account_id: a_id.clone()
        })
    );
    let options = shown_options(&instance, &summary);
    assert_eq!(options["title"], "5 new messages");
    assert!(
        options["message"]
            .as_str()
            .is_some_and(|m| m.ends_with("Jo, Ivy, Hal, …")),
        "{options}"
    );
    assert!(options.get("buttons").is_none(), "{options}");

    // A click opens the conversation: in gmux's reader by default, in Gmail in its account once chosen.
    clear_all(&instance);
    let (gus, gus_thread) = deliver(
        &emulator,
        json!({"account": a, "from": "Gus <gus@example.org>", "subject": "open me", "text": "x"}),
    );
    sync_now(&instance);
    let gus_id = message_id(a_id, &gus_thread, &gus);
    intent_ok(
        &instance,
        json!({"type": "test_notification_click", "id": gus_id, "button": null}),
    );
    let reader = browser.extension_url(&format!("newtab.html#open={a_id}:{gus_thread}"));
    wait_until("the conversation in gmux", || {
        ok(instance.tab_urls()).contains(&reader)
    });
    assert!(
        !listed(&instance).contains(&gus_id),
        "a clicked notification goes away"
    );
    intent_ok(
        &instance,
        json!({"type": "set_open_in", "open_in": "gmail"}),
    );
    let (hal, hal_thread) = deliver(
        &emulator,
        json!({"account": a, "from": "Hal <hal@example.org>", "subject": "open me in Gmail", "text": "x"}),
    );
    sync_now(&instance);
    intent_ok(
        &instance,
        json!({"type": "test_notification_click", "id": message_id(a_id, &hal_thread, &hal), "button": null}),
    );
    let gmail = view::gmail_thread_url(a, &hal_thread);
    wait_until("the conversation in Gmail", || {
        ok(instance.tab_urls()).contains(&gmail)
    });
    ok(instance.open_extension_page(AWAY_POPUP));

    // Chromium's buttons act at the emulator through the inbox's path; a refused one is told and rolled back.
    // Firefox has no buttons (its notifications above carry none), and a button index there acts on nothing.
    clear_all(&instance);
    let mut pending = Vec::new();
    for subject in ["mark me read", "archive me", "refuse me"] {
        let (m, t) = deliver(
            &emulator,
            json!({"account": a, "from": "Ivy <ivy@example.org>", "subject": subject, "text": "x"}),
        );
        pending.push(message_id(a_id, &t, &m));
    }
    sync_now(&instance);
    assert_eq!(listed(&instance).len(), 3);
    if browser == Browser::Chromium {
        let (unread, total) = counts(&emulator, a);
        intent_ok(
            &instance,
            json!({"type": "test_notification_click", "id": pending[0], "button": 0}),
        );
        assert_eq!(counts(&emulator, a), (unread - 1, total), "mark as read");
        intent_ok(
            &instance,
            json!({"type": "test_notification_click", "id": pending[1], "button": 1}),
        );
        assert_eq!(counts(&emulator, a), (unread - 2, total - 1), "archive");
        let gone = listed(&instance);
        assert!(
            !gone.contains(&pending[0]) && !gone.contains(&pending[1]),
            "{gone:?}"
        );
        ok(emulator.post(
            "/_emulator/faults",
            json!({"method": "gmail.users.threads.modify", "status": 404, "count": 1}),
        ));
        intent_ok(
            &instance,
            json!({"type": "test_notification_click", "id": pending[2], "button": 1}),
        );
        assert_eq!(counts(&emulator, a), (unread - 2, total - 1), "refused");
        let failed = format!("gmux/e/{a_id}");
        assert!(listed(&instance).contains(&failed));
        let options = shown_options(&instance, &failed);
        assert_eq!(options["title"], "Not archived");
        assert!(
            options["message"]
                .as_str()
                .is_some_and(|m| m.contains("could not be archived")),
            "{options}"
        );
        let local = ok(instance.storage("local"));
        let thread = NotificationTarget::parse(&pending[2]);
        let Some(NotificationTarget::Message { thread_id, .. }) = thread else {
            panic!("{:?}", pending[2]);
        };
        assert!(
            stored_account_by_email(&local, a)["threads"]
                .as_array()
                .is_some_and(|rows| rows.iter().any(|r| r["thread_id"] == thread_id.as_str())),
            "the refused archive was rolled back"
        );
    } else {
        let before = counts(&emulator, a);
        intent_ok(
            &instance,
            json!({"type": "test_notification_click", "id": pending[0], "button": 0}),
        );
        assert_eq!(counts(&emulator, a), before);
    }

    // A background that stops after recording what it notified but before saving the inbox polls the same
    // history again when it restarts: the record keeps it from notifying twice. The test writes the older
    // history id back while the background cannot overwrite it (the poll just ended, no page asks for the
    // faster poll and the alarm is an hour off), then stops the background (Chrome's worker, Firefox's event
    // page).
    {
        let before = ok(instance.storage("local"));
        let (jo, jo_thread) = deliver(
            &emulator,
            json!({"account": a, "from": "Jo <jo@example.org>", "subject": "only once", "text": "x"}),
        );
        clear_all(&instance);
        sync_now(&instance);
        let jo_id = message_id(a_id, &jo_thread, &jo);
        assert_eq!(listed(&instance), BTreeSet::from([jo_id.clone()]));
        clear_all(&instance);
        let mut local = ok(instance.storage("local"));
        let old_history = stored_account_by_email(&before, a)["history_id"].clone();
        if let Some(accounts) = local["inbox"]["accounts"].as_array_mut() {
            for account in accounts
                .iter_mut()
                .filter(|x| x["account"]["email"] == a.as_str())
            {
                account["history_id"] = old_history.clone();
            }
        }
        ok(instance.seed_storage(&json!({"inbox": local["inbox"]})));
        ok(instance.stop_background_worker());
        let (kit, kit_thread) = deliver(
            &emulator,
            json!({"account": a, "from": "Kit <kit@example.org>", "subject": "after the restart", "text": "x"}),
        );
        ok(emulator.post("/_emulator/counters/reset", json!({})));
        sync_now(&instance);
        // The poll did go over Jo's message again (it fetched its thread), and showed only Kit's.
        let counters = ok(emulator.get("/_emulator/counters"));
        assert!(
            counters["accounts"][a.as_str()]["requests"]["gmail.users.threads.get"].as_u64()
                >= Some(2),
            "the restarted background did not replay the poll: {counters}"
        );
        assert_eq!(
            listed(&instance),
            BTreeSet::from([message_id(a_id, &kit_thread, &kit)])
        );
    }

    // Mail that came while an account was disconnected is not "new mail as it arrives": Google refuses B's
    // token, mail arrives, B is reconnected (the consent flow, approved by the emulator) and synced: nothing.
    clear_all(&instance);
    ok(emulator.post("/_emulator/revoke", json!({"account": b})));
    sync_now(&instance);
    assert_eq!(
        stored_account_by_email(&ok(instance.storage("local")), b)["account"]["health"],
        "reauth_required"
    );
    deliver(
        &emulator,
        json!({"account": b, "from": "Lu <lu@example.org>", "subject": "while you were away", "text": "x"}),
    );
    intent_ok(&instance, json!({"type": "reconnect", "account": b_id}));
    ok(
        instance.wait_for_storage("B reconnected and synced", DEADLINE, |local| {
            all_synced(local, 3)
                && stored_account_by_email(local, b)["threads"]
                    .as_array()
                    .is_some_and(|rows| rows.iter().any(|r| r["subject"] == "while you were away"))
        }),
    );
    sync_now(&instance);
    assert_eq!(listed(&instance), BTreeSet::new(), "after reconnecting");

    // Gmail forgot the history (404): the inbox is read afresh, and what it holds is not announced.
    ok(emulator.post("/_emulator/settings", json!({"history_retention_secs": 60})));
    deliver(
        &emulator,
        json!({"account": a, "from": "Mo <mo@example.org>", "subject": "before the gap", "text": "x"}),
    );
    ok(emulator.post("/_emulator/clock/advance", json!({"seconds": 120})));
    sync_now(&instance);
    assert_eq!(listed(&instance), BTreeSet::new(), "after a full resync");
    ok(emulator.post(
        "/_emulator/settings",
        json!({"history_retention_secs": 604_800}),
    ));
    // And the next mail of both accounts is announced again.
    let (after_b, after_b_thread) = deliver(
        &emulator,
        json!({"account": b, "from": "Lu <lu@example.org>", "subject": "back", "text": "x"}),
    );
    let (after_a, after_a_thread) = deliver(
        &emulator,
        json!({"account": a, "from": "Mo <mo@example.org>", "subject": "after the gap", "text": "x"}),
    );
    sync_now(&instance);
    assert_eq!(
        listed(&instance),
        BTreeSet::from([
            message_id(b_id, &after_b_thread, &after_b),
            message_id(a_id, &after_a_thread, &after_a)
        ])
    );

    // A burst of 500 in one poll: one summary for the account, and the poll stays quick.
    intent_ok(
        &instance,
        json!({"type": "set_account_settings", "account": c_id,
               "settings": {"notifications": true, "primary_only": false}}),
    );
    clear_all(&instance);
    ok(emulator.post(
        "/_emulator/generate",
        json!({"account": c, "threads": 500, "seed": 3}),
    ));
    let started = Instant::now();
    sync_now(&instance);
    let took = started.elapsed();
    let ids = listed(&instance);
    assert_eq!(ids.len(), 1, "{ids:?}");
    let summary = ids.into_iter().next().unwrap_or_default();
    assert_eq!(
        NotificationTarget::parse(&summary),
        Some(NotificationTarget::Summary {
            account_id: c_id.clone()
        })
    );
    eprintln!(
        "{}: a poll that found 500 new threads took {} ms",
        browser.name(),
        took.as_millis()
    );
    let local = ok(instance.storage("local"));
    assert!(
        local["notified"]
            .as_array()
            .is_some_and(|ids| ids.len() <= 1_000),
        "the record of notified messages is bounded"
    );
    assert!(
        !local["notified"].to_string().contains("analytical"),
        "the record holds ids, not mail"
    );

    // The settings and the bell in the dark.
    ok(instance.use_dark_scheme());
    ok(instance.open_page("options.html?gmux-test-away"));
    ok(instance.session.set_window_size(900, 1700));
    show_notification_card(&instance);
    ok(instance.screenshot("options-notifications-dark"));
    ok(instance.session.set_window_size(800, 600));
    ok(instance.open_extension_page(AWAY_POPUP));
    ok(instance.wait_for_inbox("the popup", |v| !v.rows.is_empty()));
    ok(instance.click_css("#notify-control button[data-action=notify-menu]"));
    wait_until("the notifications menu", || {
        instance
            .session
            .find_css("button[data-action=notify-pause-tomorrow]")
            .is_ok()
    });
    ok(instance.screenshot("popup-notification-menu-dark"));
}

#[test]
fn chromium_notifies_new_mail() {
    check_notifications(Browser::Chromium);
}

#[test]
fn firefox_notifies_new_mail() {
    check_notifications(Browser::Firefox);
}
