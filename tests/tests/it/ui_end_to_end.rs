//! The inbox pages end to end (issue 6): the real background syncing gmux-emulator's demo accounts through the
//! real gmux-host. Badges show the emulator's unread counts, keyboard actions change the emulator's mailboxes and
//! the page, a refused action is reported with the row restored, g opens the thread in Gmail in its account,
//! Add account on the options page runs the consent flow, a revoked account shows Reconnect and reconnecting
//! restores it. Screenshots of real mail in light and dark. One browser session per browser.

use std::time::Duration;

use gmux_core::inbox::InboxStore;
use gmux_core::view;
use gmux_e2e::ok;
use gmux_e2e::{
    configure_host_with_accounts, Browser, EmulatorProcess, ExtensionBrowser, HostSetup, InboxView,
};
use serde_json::json;

/// Syncs of several accounts, a host start and a wasm start, on a loaded machine.
const DEADLINE: Duration = Duration::from_secs(60);

/// The emulator's INBOX counters per account: `email -> (sub, threadsUnread, threadsTotal)`.
fn emulator_accounts(emulator: &EmulatorProcess) -> Vec<(String, String, u64, u64)> {
    let accounts = ok(emulator.get("/_emulator/accounts"));
    accounts["accounts"]
        .as_array()
        .map(|all| {
            all.iter()
                .map(|a| {
                    (
                        a["email"].as_str().unwrap_or_default().to_string(),
                        a["sub"].as_str().unwrap_or_default().to_string(),
                        a["threadsUnread"].as_u64().unwrap_or(0),
                        a["threadsTotal"].as_u64().unwrap_or(0),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

fn counts_of(emulator: &EmulatorProcess, sub: &str) -> (u64, u64) {
    emulator_accounts(emulator)
        .into_iter()
        .find(|(_, s, _, _)| s == sub)
        .map(|(_, _, unread, total)| (unread, total))
        .unwrap_or_else(|| panic!("no account {sub} in the emulator"))
}

fn wait_until(what: &str, done: impl Fn() -> bool) {
    gmux_e2e::wait_until(what, DEADLINE, done);
}

fn store_of(instance: &ExtensionBrowser) -> InboxStore {
    InboxStore::from_json(ok(instance.storage("local"))["inbox"].clone())
}

/// Every badge shows its account's unread count as the emulator reports it.
fn badges_match_emulator(view: &InboxView, emulator: &EmulatorProcess) -> bool {
    let accounts = emulator_accounts(emulator);
    !view.badges.is_empty()
        && view.badges.iter().all(|badge| {
            accounts
                .iter()
                .find(|(_, sub, _, _)| *sub == badge.account)
                .is_some_and(|(_, _, unread, _)| badge.count == view::unread_label(*unread))
        })
}

fn focus_row(instance: &ExtensionBrowser, thread: &str) {
    assert!(ok(instance.focus_row(thread)), "no row {thread}");
}

fn row_listed(view: &InboxView, thread: &str) -> bool {
    view.rows.iter().any(|r| r.thread == thread)
}

fn check_end_to_end(browser: Browser) {
    let emulator = ok(EmulatorProcess::start_demo());
    let emails = ok(emulator.account_emails());
    assert_eq!(emails.len(), 3, "the demo has three accounts: {emails:?}");
    let host_env = [emulator.private_keyring("e2e-ui", browser.name())];
    // Two accounts to start with; the first demo account is added from the options page below (the emulator's
    // consent page approves the first account when no login hint names another).
    let mut instance = ok(ExtensionBrowser::launch_prepared(
        browser,
        HostSetup::Installed,
        &host_env,
        |wrapper| configure_host_with_accounts(wrapper, emulator.base_url(), &emails[1..]),
    ));
    ok(instance.session.set_window_size(1000, 800));

    // The popup lists the synced inbox newest first, with the emulator's unread count on every badge.
    ok(instance.open_extension_page("popup.html"));
    let view = ok(instance.wait_for_inbox("two synced accounts", |v| {
        v.badges.len() == 2 && !v.rows.is_empty() && badges_match_emulator(v, &emulator)
    }));
    let store = store_of(&instance);
    // Newest first in true order: an account with more inbox mail than it stores shows only the rows above its
    // oldest stored one until the list is scrolled (issue 17).
    let merged: Vec<String> = gmux_core::views::ViewSession::default()
        .rows(&store, &gmux_core::settings::Settings::default())
        .iter()
        .map(|r| r.thread_id.clone())
        .collect();
    assert!(merged.len() <= store.merged().len());
    assert_eq!(
        view.rows
            .iter()
            .map(|r| r.thread.clone())
            .collect::<Vec<_>>(),
        merged
    );
    assert_eq!(view.status_state, "connected");

    // u: an unread thread is marked read in Gmail; the row and the badge follow.
    let unread = view
        .rows
        .iter()
        .find(|r| r.unread)
        .expect("an unread row")
        .clone();
    let (unread_before, _) = counts_of(&emulator, &unread.account);
    focus_row(&instance, &unread.thread);
    ok(instance.session.press_keys(&["u"], false));
    wait_until("the emulator to count the thread read", || {
        counts_of(&emulator, &unread.account).0 == unread_before - 1
    });
    ok(
        instance.wait_for_inbox("the row read and the badge lowered", |v| {
            v.rows
                .iter()
                .any(|r| r.thread == unread.thread && !r.unread)
                && badges_match_emulator(v, &emulator)
        }),
    );
    // Shift+I toggles it back.
    focus_row(&instance, &unread.thread);
    ok(instance.session.press_keys(&["I"], true));
    wait_until("the emulator to count the thread unread again", || {
        counts_of(&emulator, &unread.account).0 == unread_before
    });

    // s: star, confirmed by a fresh sync from the emulator.
    let target = view
        .rows
        .iter()
        .find(|r| !r.starred)
        .expect("an unstarred row")
        .clone();
    focus_row(&instance, &target.thread);
    ok(instance.session.press_keys(&["s"], false));
    ok(instance.wait_for_inbox("the star", |v| {
        v.rows
            .iter()
            .any(|r| r.thread == target.thread && r.starred)
    }));
    let reply = ok(instance.send_intent(json!({"type": "sync_now"})));
    assert_eq!(reply["ok"], true, "{reply}");
    let synced = store_of(&instance);
    let row = synced
        .merged()
        .into_iter()
        .find(|r| r.thread_id == target.thread)
        .expect("starred row");
    assert!(row.starred, "Gmail does not have the star");

    // e and #: archive and trash leave the inbox in Gmail and on the page.
    for key in ["e", "#"] {
        let view = ok(instance.inbox_view());
        let row = view.rows[0].clone();
        let (_, total_before) = counts_of(&emulator, &row.account);
        focus_row(&instance, &row.thread);
        ok(instance.session.press_keys(&[key], false));
        wait_until(
            &format!("{key} to take the thread out of the emulator's inbox"),
            || counts_of(&emulator, &row.account).1 == total_before - 1,
        );
        let view = ok(instance.wait_for_inbox("the row gone", |v| !row_listed(v, &row.thread)));
        // Focus moves on to the next row, so the keys can go on.
        assert!(
            ok(instance.focused_thread()).is_some(),
            "no row has focus after {key}"
        );
        assert!(!view.rows.is_empty());
    }

    // A refused action: a short message, and the row back where it was.
    let view = ok(instance.inbox_view());
    let row = view.rows[0].clone();
    ok(emulator.post(
        "/_emulator/faults",
        json!({"method": "gmail.users.threads.modify", "status": 404, "count": 1}),
    ));
    focus_row(&instance, &row.thread);
    ok(instance.session.press_keys(&["e"], false));
    let view = ok(instance.wait_for_inbox("the failure message", |v| {
        v.notices.iter().any(|(kind, _)| kind == "failed") && row_listed(v, &row.thread)
    }));
    let message = &view
        .notices
        .iter()
        .find(|(k, _)| k == "failed")
        .expect("failed")
        .1;
    assert!(!message.trim().is_empty());
    ok(instance.screenshot("popup-action-failed"));

    // g opens the thread in Gmail, in its own account (Enter reads it inside gmux: tests/it/reader.rs).
    let email = synced
        .account(&row.account)
        .expect("account")
        .account
        .email
        .clone();
    let url = view::gmail_thread_url(&email, &row.thread);
    focus_row(&instance, &row.thread);
    ok(instance.session.press_keys(&["g"], false));
    wait_until("the Gmail tab", || ok(instance.tab_urls()).contains(&url));

    // Add account from the options page: Google's consent page opens in a tab, the person clicks Allow for the
    // account, and the new account is listed, then synced.
    ok(instance.open_page("options.html"));
    let added = emails[0].clone();
    ok(emulator.post("/_emulator/settings", json!({"auto_consent": false})));
    let options_window = ok(instance.session.window_handle());
    // Clicks `selector` on the options page and switches to the consent tab it opens.
    let open_consent = |selector: &str| {
        let before = ok(instance.session.window_handles());
        ok(instance.click_css(selector));
        wait_until("the consent tab", || {
            ok(instance.session.window_handles()).len() > before.len()
        });
        let consent_tab = ok(instance.session.window_handles())
            .into_iter()
            .find(|h| !before.contains(h))
            .expect("a new tab");
        ok(instance.session.switch_to_window(&consent_tab));
    };
    let page_says = |what: &str, text: &str| {
        wait_until(what, || {
            ok(instance
                .session
                .execute("return document.body.textContent;", &[]))
            .as_str()
            .is_some_and(|t| t.contains(text))
        });
    };
    // First the person says no: the options page says the account was not added and offers to try again.
    open_consent("#add-account");
    wait_until("the Deny button on the consent page", || {
        instance.session.find_css("#deny").is_ok()
    });
    ok(instance.click_css("#deny"));
    page_says("the host's page after a denied consent", "was not added");
    ok(instance.session.switch_to_window(&options_window));
    wait_until("the add-failed notice", || {
        ok(instance.session.execute(
            "const n = document.querySelector('#notices [data-notice=add_failed]'); return n ? n.textContent : '';",
            &[],
        ))
        .as_str()
        .is_some_and(|t| t.contains("The account was not added") && t.contains("denied"))
    });
    // Then tries again and allows.
    open_consent("#notices [data-notice=add_failed] button[data-action=add-account]");
    let allow = format!("button[data-account=\"{added}\"]");
    wait_until("the Allow button on the consent page", || {
        instance.session.find_css(&allow).is_ok()
    });
    ok(instance.click_css(&allow));
    page_says("the host's page after consent", "close this tab");
    ok(instance.session.switch_to_window(&options_window));
    ok(emulator.post("/_emulator/settings", json!({"auto_consent": true})));
    wait_until("the added account on the options page", || {
        let text = ok(instance.session.execute(
            "return document.getElementById('account-list').textContent;",
            &[],
        ));
        text.as_str().is_some_and(|t| t.contains(added.as_str()))
    });
    assert!(
        instance
            .session
            .find_css("#notices [data-notice=add_failed]")
            .is_err(),
        "the add-failed notice is gone once an account was added"
    );
    // The polling interval and an account's colour are chosen on the options page too.
    let choose = |selector: &str, value: &str| {
        ok(instance.session.execute(
            "const e = document.querySelector(arguments[0]); e.value = arguments[1];
             e.dispatchEvent(new Event('change', {bubbles: true})); return true;",
            &[json!(selector), json!(value)],
        ));
    };
    choose("#poll-every", "300");
    wait_until("the poll alarm at 5 minutes", || {
        ok(instance.alarm_period("poll")) == Some(5.0)
    });
    let recoloured = emulator_accounts(&emulator)
        .into_iter()
        .find(|(e, _, _, _)| *e == emails[2])
        .map(|(_, sub, _, _)| sub)
        .expect("account");
    choose(
        &format!("#account-list input[data-account=\"{recoloured}\"]"),
        "#00897b",
    );
    wait_until("the new colour in the status", || {
        ok(instance.storage("local"))["status"]["accounts"]
            .as_array()
            .is_some_and(|all| {
                all.iter()
                    .any(|a| a["id"] == recoloured.as_str() && a["color"] == "#00897b")
            })
    });
    ok(instance.screenshot("options-demo"));

    ok(instance.open_extension_page("popup.html"));
    ok(instance.wait_for_inbox("three accounts on the popup", |v| {
        v.badges.len() == 3 && badges_match_emulator(v, &emulator)
    }));

    // A revoked account shows Reconnect on its badge and in a notice; reconnecting restores it.
    let revoked = emulator_accounts(&emulator)
        .into_iter()
        .find(|(e, _, _, _)| *e == emails[1])
        .map(|(_, sub, _, _)| sub)
        .expect("revoked account");
    ok(emulator.post("/_emulator/revoke", json!({"account": emails[1]})));
    let reply = ok(instance.send_intent(json!({"type": "sync_now"})));
    assert!(reply.is_object(), "{reply}");
    let view = ok(instance.wait_for_inbox("Reconnect", |v| {
        v.badges
            .iter()
            .any(|b| b.account == revoked && b.has_reconnect)
            && v.notices.iter().any(|(k, _)| k == "reauth")
    }));
    assert!(
        view.text
            .contains(&format!("{} needs to be reconnected", emails[1])),
        "{}",
        view.text
    );
    ok(instance.screenshot("popup-reconnect"));
    ok(instance.click_css(".notice[data-notice=\"reauth\"] .reconnect"));
    ok(instance.wait_for_inbox("the account reconnected", |v| {
        v.badges
            .iter()
            .any(|b| b.account == revoked && !b.has_reconnect && b.health == "ok")
            && !v.notices.iter().any(|(k, _)| k == "reauth")
    }));

    // Real mail in light and dark, popup and new tab.
    let rows = |v: &InboxView| v.rows.len() > 5 && v.status_state == "connected";
    for suffix in ["", "-dark"] {
        if suffix == "-dark" {
            ok(instance.use_dark_scheme());
        }
        ok(instance.open_inbox_page("popup.html", rows));
        ok(instance.screenshot(&format!("popup-demo{suffix}")));
        ok(instance.open_inbox_page("newtab.html", rows));
        ok(instance.screenshot(&format!("newtab-demo{suffix}")));
    }

    // Remove on the options page forgets the account; the popup keeps the others. The first screen the popup
    // saved (pages/first_screen.rs) holds the account's rows; removing it drops that from localStorage too.
    ok(instance.open_inbox_page("popup.html", rows));
    ok(instance.wait_for_first_screen_saved("popup.html"));
    ok(instance.open_page("options.html"));
    const SAVED_SCREENS: &str =
        "return ['popup', 'newtab'].map(k => localStorage.getItem('gmux.firstScreen.' + k) || '');";
    let saved_with_removed = || {
        ok(instance.session.execute(SAVED_SCREENS, &[]))
            .as_array()
            .is_some_and(|saved| {
                saved
                    .iter()
                    .any(|s| s.as_str().unwrap_or_default().contains(recoloured.as_str()))
            })
    };
    assert!(
        saved_with_removed(),
        "the popup's first screen holds the account's rows"
    );
    ok(instance.click_css(&format!(
        "#account-list button[data-action=\"remove\"][data-account=\"{recoloured}\"]"
    )));
    wait_until("the removed account gone from the options page", || {
        let ids = ok(instance.session.execute(
            "return [...document.querySelectorAll('#account-list .acct-item')].map(i => i.dataset.account);",
            &[],
        ));
        ids.as_array()
            .is_some_and(|ids| ids.len() == 2 && !ids.contains(&json!(recoloured)))
    });
    assert!(
        !saved_with_removed(),
        "a saved first screen still holds the removed account's rows"
    );
    ok(instance.open_extension_page("popup.html"));
    ok(instance.wait_for_inbox("two accounts left", |v| {
        v.badges.len() == 2 && v.rows.iter().all(|r| r.account != recoloured)
    }));
}

#[test]
fn chromium_inbox_end_to_end() {
    check_end_to_end(Browser::Chromium);
}

#[test]
fn firefox_inbox_end_to_end() {
    check_end_to_end(Browser::Firefox);
}
