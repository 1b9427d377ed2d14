//! The combined inbox pages (issue 6) drawn from a store seeded into `storage.local` the way the background writes
//! it: order, badges, filter, live updates, hostile mail shown as text, keyboard, every designed state, the
//! options page, and screenshots in light and dark. One browser session per browser keeps the runs lean.

use gmux_core::inbox::{InboxStore, SyncHealth, ThreadRow};
use gmux_core::view;
use gmux_e2e::{
    connected_status, demo_store, unix_now_ms, Browser, ExtensionBrowser, HostSetup, InboxView,
};
use gmux_e2e::{ok, wait_until};
use serde_json::json;

const ARROW_DOWN: &str = "\u{E015}";
const DEADLINE: std::time::Duration = std::time::Duration::from_secs(10);

const HOSTILE_SUBJECT: &str =
    "<img src=x onerror=\"window.__gmuxPwned=1\">Quarterly <b>numbers</b>";
const HOSTILE_SENDER: &str = "<script>window.__gmuxPwned=2</script>";
const HOSTILE_SNIPPET: &str =
    "javascript:window.__gmuxPwned=3 <a href=\"javascript:alert(1)\">click</a> &amp; more";

/// The demo store plus one thread whose subject, sender and snippet are markup and script, newest of all.
fn store_with_hostile_thread(now: u64) -> InboxStore {
    let mut store = demo_store(3, 5, now - 60_000);
    let account = &mut store.accounts[1];
    account.threads.insert(
        0,
        ThreadRow {
            account_id: account.account.id.clone(),
            thread_id: "18cfffffffffffff".into(),
            senders: vec![HOSTILE_SENDER.into()],
            subject: HOSTILE_SUBJECT.into(),
            snippet: HOSTILE_SNIPPET.into(),
            date_ms: now,
            unread: true,
            starred: false,
            message_count: 2,
            label_ids: vec!["INBOX".into()],
        },
    );
    account.account.counts.threads_unread += 1;
    store
}

fn threads(view: &InboxView) -> Vec<String> {
    view.rows.iter().map(|r| r.thread.clone()).collect()
}

fn check_list_matches_store(view: &InboxView, store: &InboxStore) {
    let merged = store.merged();
    assert_eq!(
        threads(view),
        merged
            .iter()
            .map(|r| r.thread_id.clone())
            .collect::<Vec<_>>(),
        "rows are not the merged store, newest first"
    );
    for (row, want) in view.rows.iter().zip(&merged) {
        assert_eq!(row.unread, want.unread, "{}", want.thread_id);
        assert_eq!(row.starred, want.starred, "{}", want.thread_id);
        assert_eq!(row.subject, want.subject, "{}", want.thread_id);
        assert_eq!(
            row.senders,
            view::senders_line(&want.senders),
            "{}",
            want.thread_id
        );
        assert_eq!(
            row.count,
            view::message_count_label(want.message_count).unwrap_or_default()
        );
        assert!(!row.date.is_empty(), "{} has no date", want.thread_id);
    }
    let badges: Vec<_> = view
        .badges
        .iter()
        .map(|b| (b.account.clone(), b.name.clone(), b.count.clone()))
        .collect();
    let want: Vec<_> = store
        .accounts
        .iter()
        .map(|a| {
            (
                a.account.id.clone(),
                view::account_short_name(&a.account.email),
                a.account.unread().to_string(),
            )
        })
        .collect();
    assert_eq!(badges, want, "one badge per account with its unread count");
}

/// Every row but `changed` is the element drawn before the last update (`window.__gmuxRowsBefore`): a redraw
/// builds only the rows that changed, so the rest keep their focus, hover and selection, and the draw is short.
fn check_rows_kept(instance: &ExtensionBrowser, changed: &[&str]) {
    let rows = ok(instance.session.execute(
        "return [...document.querySelectorAll('#inbox .row')]\
           .map(r => [r.dataset.thread, window.__gmuxRowsBefore.has(r)]);",
        &[],
    ));
    let rows = rows.as_array().cloned().unwrap_or_default();
    assert!(!rows.is_empty(), "no rows");
    for row in rows {
        let thread = row[0].as_str().unwrap_or_default();
        let kept = row[1].as_bool().unwrap_or(false);
        assert_eq!(
            kept,
            !changed.contains(&thread),
            "row {thread}: kept {kept}, but it {} (changed: {changed:?})",
            if changed.contains(&thread) {
                "changed"
            } else {
                "did not change"
            }
        );
    }
}

/// A selected row that changes (starred from another device) is built again, and the new row is marked selected
/// like the one it replaces, box checked.
fn check_selection_survives_a_changed_row(
    instance: &ExtensionBrowser,
    store: &InboxStore,
    thread: &str,
    now: u64,
) {
    let row = format!("#inbox .row[data-thread=\"{thread}\"]");
    let marks = || {
        ok(instance.session.execute(
            "const r = document.querySelector(arguments[0]);
             return r ? [r.hasAttribute('data-selected'), r.querySelector('.select').getAttribute('aria-checked')]
                      : null;",
            &[json!(row)],
        ))
    };
    let starred_in = |store: &InboxStore| {
        store
            .merged()
            .iter()
            .find(|r| r.thread_id == thread)
            .is_some_and(|r| r.starred)
    };
    let seed_and_wait = |store: &InboxStore| {
        ok(instance.seed_inbox(store, &connected_status(store, now)));
        let want = starred_in(store);
        ok(instance.wait_for_inbox("the row's star as stored", |v| {
            v.rows
                .iter()
                .any(|r| r.thread == thread && r.starred == want)
        }));
    };
    ok(instance.click_select_box(thread, false));
    wait_until("the row selected", DEADLINE, || {
        marks() == json!([true, "true"])
    });
    let mut changed = store.clone();
    for account in &mut changed.accounts {
        for row in &mut account.threads {
            if row.thread_id == thread {
                row.starred = !row.starred;
            }
        }
    }
    seed_and_wait(&changed);
    assert_eq!(
        marks(),
        json!([true, "true"]),
        "the selected row lost its mark when it was drawn again"
    );
    ok(instance.click_select_box(thread, false));
    wait_until("the row unselected", DEADLINE, || {
        marks() == json!([false, "false"])
    });
    seed_and_wait(store);
}

fn check_hostile_text_is_literal(instance: &ExtensionBrowser, view: &InboxView) {
    let row = view
        .rows
        .iter()
        .find(|r| r.thread == "18cfffffffffffff")
        .expect("the hostile thread is listed");
    assert_eq!(
        (
            row.subject.as_str(),
            row.senders.as_str(),
            row.snippet.as_str()
        ),
        (HOSTILE_SUBJECT, HOSTILE_SENDER, HOSTILE_SNIPPET)
    );
    let found = ok(instance.session.execute(
        "return { elements: document.querySelectorAll('#inbox img, #inbox script, #inbox a, #inbox b').length,
                  pwned: typeof window.__gmuxPwned };",
        &[],
    ));
    assert_eq!(
        found,
        json!({"elements": 0, "pwned": "undefined"}),
        "mail was parsed as HTML"
    );
}

fn check_filter(instance: &ExtensionBrowser, store: &InboxStore) {
    let account = store.accounts[2].account.id.clone();
    let selector = format!(".acct-badge[data-account=\"{account}\"] .acct-filter");
    ok(instance.click_css(&selector));
    let view = ok(
        instance.wait_for_inbox("the list filtered to one account", |v| {
            !v.rows.is_empty() && v.rows.iter().all(|r| r.account == account)
        }),
    );
    assert_eq!(view.rows.len(), store.accounts[2].threads.len());
    let pressed: Vec<bool> = view.badges.iter().map(|b| b.pressed).collect();
    assert_eq!(pressed, [false, false, true]);
    ok(instance.click_css(&selector));
    let all = store.merged().len();
    ok(instance.wait_for_inbox("the filter cleared", |v| {
        v.rows.len() == all && v.badges.iter().all(|b| !b.pressed)
    }));
}

fn check_keyboard(instance: &ExtensionBrowser, store: &InboxStore) {
    let merged = store.merged();
    ok(instance.session.execute(
        "document.activeElement && document.activeElement.blur(); return true;",
        &[],
    ));
    // The first j focuses the first row; then j, ArrowDown and k move.
    let steps = [("j", 0), ("j", 1), (ARROW_DOWN, 2), ("k", 1)];
    for (key, index) in steps {
        ok(instance.session.press_keys(&[key], false));
        assert_eq!(
            ok(instance.focused_thread()).as_deref(),
            Some(merged[index].thread_id.as_str()),
            "after {key:?}"
        );
    }
    // g opens the focused thread in Gmail, in its own account (Enter reads it in gmux: tests/it/reader.rs).
    let focused = &merged[1];
    let email = &store
        .account(&focused.account_id)
        .expect("account")
        .account
        .email;
    let url = view::gmail_thread_url(email, &focused.thread_id);
    ok(instance.session.press_keys(&["g"], false));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let urls = ok(instance.tab_urls());
        if urls.contains(&url) {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no tab on {url}: {urls:?}"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

/// Every designed state, reached by writing what the background would write, checked by its words.
fn check_states(instance: &ExtensionBrowser, store: &InboxStore, now: u64) {
    let status = connected_status(store, now);

    let mut reauth = store.clone();
    reauth.accounts[2].account.health = SyncHealth::ReauthRequired;
    ok(instance.seed_inbox(&reauth, &status));
    let email = reauth.accounts[2].account.email.clone();
    let view = ok(instance.wait_for_inbox("the reconnect state", |v| {
        v.notices.iter().any(|(k, _)| k == "reauth")
    }));
    ok(instance.screenshot("popup-reauth"));
    let badge = &view.badges[2];
    assert_eq!(
        (badge.health.as_str(), badge.has_reconnect),
        ("reauth_required", true)
    );
    assert!(
        view.text
            .contains(&format!("{email} needs to be reconnected")),
        "{}",
        view.text
    );
    // The last good inbox stays listed.
    assert_eq!(view.rows.len(), store.merged().len());

    let mut offline = store.clone();
    offline.accounts[0].account.health = SyncHealth::Offline;
    offline.accounts[0].account.last_good_sync_ms = Some(now - 5 * 60_000);
    ok(instance.seed_inbox(&offline, &status));
    let view = ok(instance.wait_for_inbox("the offline banner", |v| {
        v.notices.iter().any(|(k, _)| k == "stale")
    }));
    ok(instance.screenshot("popup-offline"));
    let banner = &view
        .notices
        .iter()
        .find(|(k, _)| k == "stale")
        .expect("stale")
        .1;
    assert!(
        banner.starts_with("Offline for user0@gmux.test: showing mail as of "),
        "{banner}"
    );

    let mut empty = store.clone();
    for account in &mut empty.accounts {
        account.threads.clear();
        account.account.counts = Default::default();
    }
    ok(instance.seed_inbox(&empty, &status));
    let view = ok(instance.wait_for_inbox("the empty inbox", |v| {
        v.empty_state.as_deref() == Some("empty")
    }));
    ok(instance.screenshot("popup-empty"));
    assert!(
        view.text.contains("Inbox zero: nothing in any inbox."),
        "{}",
        view.text
    );
    assert!(view.rows.is_empty());

    ok(instance.seed_inbox(
        &InboxStore::default(),
        &json!({"host": "connected", "host_version": "0.1.0"}),
    ));
    let view = ok(instance.wait_for_inbox("no accounts yet", |v| {
        v.empty_state.as_deref() == Some("no_accounts")
    }));
    ok(instance.screenshot("popup-no-accounts"));
    assert!(
        view.text.contains("No accounts yet") && view.text.contains("Add account"),
        "{}",
        view.text
    );

    ok(instance.seed_storage(&json!({"status": {"host": "not_configured"}})));
    let view = ok(instance.wait_for_inbox("the not-configured state", |v| {
        v.status_state == "not_configured"
    }));
    ok(instance.screenshot("popup-not-configured"));
    assert!(
        view.text
            .contains("gmux-host has no Google sign-in client yet"),
        "{}",
        view.text
    );
    assert!(
        view.text.contains("gmux-host configure --client-secrets"),
        "{}",
        view.text
    );

    ok(instance.seed_storage(&json!({"status": {"host": "missing", "host_problem": {"kind": "not_found", "reason": "not found"}}})));
    let view =
        ok(instance.wait_for_inbox("the host-missing state", |v| v.status_state == "missing"));
    ok(instance.screenshot("popup-host-missing"));
    assert!(
        view.text.contains("gmux-host is not installed"),
        "{}",
        view.text
    );
    assert!(view.text.contains("cargo xtask install"), "{}", view.text);
}

fn check_options(instance: &mut ExtensionBrowser, store: &InboxStore, now: u64) {
    let mut status = connected_status(store, now);
    status["accounts"][1]["status"] = json!("reauth_required");
    status["accounts"][0]["color"] = json!("#00aa88");
    ok(instance.seed_inbox(store, &status));
    ok(instance.open_page("options.html"));
    let items = ok(instance.session.execute(
        "return [...document.querySelectorAll('#account-list .acct-item')].map(i => ({
            email: i.querySelector('.acct-email').textContent,
            color: i.querySelector('input[type=color]').value,
            reconnect: !!i.querySelector('.reconnect'),
            remove: !!i.querySelector('[data-action=remove]') }));",
        &[],
    ));
    assert_eq!(
        items,
        json!([
            {"email": "user0@gmux.test", "color": "#00aa88", "reconnect": false, "remove": true},
            {"email": "user1@gmux.test", "color": view::ACCOUNT_PALETTE[1], "reconnect": true, "remove": true},
            {"email": "user2@gmux.test", "color": view::ACCOUNT_PALETTE[2], "reconnect": false, "remove": true},
        ])
    );
    check_account_list_kept(instance, store, &status);
    let poll = ok(instance
        .session
        .execute("return document.getElementById('poll-every').value;", &[]));
    // The default, every 30 seconds, is the choice without a value.
    assert_eq!(poll, json!(""));
    let add = ok(instance.session.find_css("#add-account"));
    assert_eq!(ok(instance.session.element_text(&add)), "Add account");
    ok(instance.screenshot("options"));
}

/// Every sync writes the status. One that changes nothing the account list shows leaves the list as it is (a
/// colour picker left open stays open, the focus stays); one that changes it draws it again with the focus
/// back on the same control.
fn check_account_list_kept(
    instance: &ExtensionBrowser,
    store: &InboxStore,
    status: &serde_json::Value,
) {
    let color = "#account-list .acct-item:nth-child(1) input[type=color]";
    // The other sections' controls too: the undo window's and mark read's choices, the Gmail tabs' button.
    let others = "#undo-seconds option, #mark-read option, #gmail-tabs button";
    ok(instance.session.execute(
        "const c = document.querySelector(arguments[0]); c.focus(); c.gmuxMark = true;
         for (const e of document.querySelectorAll(arguments[1])) e.gmuxMark = true;
         return true;",
        &[json!(color), json!(others)],
    ));
    let others_kept = || {
        ok(instance.session.execute(
            "const all = [...document.querySelectorAll(arguments[0])];
             return all.length > 0 && all.every((e) => e.gmuxMark === true);",
            &[json!(others)],
        ))
    };
    let shown = |text: &str| {
        let text = text.to_string();
        wait_until(&format!("{text:?} on the options page"), DEADLINE, || {
            ok(instance.session.execute(
                "return document.body.textContent.includes(arguments[0]);",
                &[json!(text)],
            )) == json!(true)
        });
    };
    let focus = || {
        ok(instance.session.execute(
            "const c = document.querySelector(arguments[0]);
             return [c.gmuxMark === true, document.activeElement === c];",
            &[json!(color)],
        ))
    };
    let mut written = status.clone();
    written["host_version"] = json!("0.1.1");
    ok(instance.seed_inbox(store, &written));
    shown("gmux-host 0.1.1");
    assert_eq!(
        focus(),
        json!([true, true]),
        "the same colour input, focused"
    );
    assert_eq!(
        others_kept(),
        json!(true),
        "the other sections' controls kept"
    );
    written["accounts"][2]["status"] = json!("reauth_required");
    ok(instance.seed_inbox(store, &written));
    wait_until("the third account's Reconnect", DEADLINE, || {
        instance
            .session
            .find_css("#account-list .acct-item:nth-child(3) .reconnect")
            .is_ok()
    });
    assert_eq!(
        focus(),
        json!([false, true]),
        "drawn again, the focus on the same control"
    );
    ok(instance.seed_inbox(store, status));
    shown("gmux-host 0.1.0");
}

fn shoot(instance: &mut ExtensionBrowser, store: &InboxStore, suffix: &str) {
    let count = store.merged().len();
    ok(instance.open_inbox_page("popup.html", |v| v.rows.len() == count));
    instance.assert_search_placeholder_fits("popup");
    ok(instance.screenshot(&format!("popup-inbox{suffix}")));
    ok(instance.open_inbox_page("newtab.html", |v| v.rows.len() == count));
    instance.assert_search_placeholder_fits("new tab");
    ok(instance.screenshot(&format!("newtab-inbox{suffix}")));
}

fn check_inbox_pages(browser: Browser) {
    let mut instance = ok(ExtensionBrowser::launch(browser, HostSetup::Installed));
    // Tall enough for the whole popup (a real one may be up to 600 px) and a new tab's first rows.
    ok(instance.session.set_window_size(1000, 800));
    // An extension page first: storage is reachable from there, and the background is up.
    ok(instance.open_page("options.html"));
    let now = unix_now_ms();
    let store = store_with_hostile_thread(now);
    ok(instance.seed_inbox(&store, &connected_status(&store, now)));

    let count = store.merged().len();
    let view = ok(instance.open_inbox_page("popup.html", |v| v.rows.len() == count));
    assert!(
        view.first_row_ms.is_some_and(|ms| ms > 0.0),
        "no first-row stamp: {view:?}"
    );
    check_list_matches_store(&view, &store);
    check_hostile_text_is_literal(&instance, &view);
    check_filter(&instance, &store);

    // The page follows the store without a reload.
    let mut updated = store.clone();
    let mut newest = updated.accounts[0].threads[0].clone();
    newest.thread_id = "18d0000000000000".into();
    newest.subject = "Just arrived".into();
    newest.date_ms = now + 1_000;
    newest.unread = true;
    updated.accounts[0].threads.insert(0, newest);
    updated.accounts[0].account.counts.threads_unread += 1;
    // And one conversation starred elsewhere: its row changes in place.
    let starred = &mut updated.accounts[2].threads[1];
    starred.starred = !starred.starred;
    let starred = starred.thread_id.clone();
    ok(instance.session.execute(
        "window.__gmuxRowsBefore = new WeakSet(document.querySelectorAll('#inbox .row'));",
        &[],
    ));
    ok(instance.seed_inbox(&updated, &connected_status(&updated, now)));
    let view = ok(instance.wait_for_inbox("the new thread on top", |v| {
        v.rows.first().is_some_and(|r| r.subject == "Just arrived")
    }));
    check_list_matches_store(&view, &updated);
    check_rows_kept(&instance, &["18d0000000000000", &starred]);
    check_selection_survives_a_changed_row(&instance, &updated, &starred, now);

    check_keyboard(&instance, &updated);
    ok(instance.open_inbox_page("popup.html", |v| v.rows.len() == count + 1));
    check_states(&instance, &updated, now);

    ok(instance.open_page("newtab.html"));
    ok(instance.seed_inbox(&updated, &connected_status(&updated, now)));
    let view = ok(instance.open_inbox_page("newtab.html", |v| v.rows.len() == count + 1));
    check_list_matches_store(&view, &updated);
    check_hostile_text_is_literal(&instance, &view);

    check_options(&mut instance, &updated, now);
    ok(instance.seed_inbox(&store, &connected_status(&store, now)));
    shoot(&mut instance, &store, "");
    let light = ok(instance.body_background());
    ok(instance.use_dark_scheme());
    shoot(&mut instance, &store, "-dark");
    let dark = ok(instance.body_background());
    assert_eq!(
        (light.as_str(), dark.as_str()),
        ("rgb(247, 247, 251)", "rgb(21, 21, 28)")
    );
}

#[test]
fn chromium_inbox_pages() {
    check_inbox_pages(Browser::Chromium);
}

#[test]
fn firefox_inbox_pages() {
    check_inbox_pages(Browser::Firefox);
}
