//! Actions while Gmail cannot be reached (issue 22), end to end: three accounts behind a loopback forwarder
//! that the test cuts. Actions taken while it is cut show at once, with the quiet marker on their rows and the
//! count in the notice area, and an undone one cancels in the queue; the queue (ids and labels only) survives a
//! background restart; once Gmail answers, the next sync replays it in order, each change once. An archive of a
//! thread that got a new message meanwhile stays archived with both messages; an action on a thread deleted
//! meanwhile (404) is dropped with a message, and is not sent again. One browser session per browser.

use std::time::Duration;

use gmux_e2e::faults::{point_token_endpoint_at, Forwarder};
use gmux_e2e::views::GmailTruth;
use gmux_e2e::{
    all_synced, configure_host_with_accounts, ok, Browser, EmulatorProcess, ExtensionBrowser,
    HostSetup, InboxView,
};
use serde_json::{json, Value};

/// The popup without the port that asks for the 10 s poll of a page in view: the test says when to sync.
const AWAY_POPUP: &str = "popup.html?gmux-test-away";
const DEADLINE: Duration = Duration::from_secs(90);
/// Inbox threads per account.
const INBOX: usize = 5;

fn wait_until(what: &str, done: impl Fn() -> bool) {
    gmux_e2e::wait_until(what, DEADLINE, done);
}

/// Three accounts of five inbox threads, "Thread k-i", the even ones unread.
fn seed(emails: &[String]) -> Value {
    let accounts: Vec<Value> = emails
        .iter()
        .enumerate()
        .map(|(k, email)| {
            let threads: Vec<Value> = (0..INBOX)
                .map(|i| {
                    let mut labels = vec!["INBOX"];
                    if i % 2 == 0 {
                        labels.push("UNREAD");
                    }
                    json!({"messages": [{
                        "from": format!("Sender {i} <sender{i}@example.com>"),
                        "to": email,
                        "subject": format!("Thread {k}-{i}"),
                        "date": format!("2025-03-{:02}T{:02}:00:00Z", 1 + i, 8 + k),
                        "text": format!("Message {i} for account {k}."),
                        "labels": labels,
                    }]})
                })
                .collect();
            json!({"email": email, "name": format!("Account {k}"), "threads": threads})
        })
        .collect();
    json!({ "accounts": accounts })
}

fn focus_row(instance: &ExtensionBrowser, thread: &str) {
    assert!(ok(instance.focus_row(thread)), "no row {thread}");
}

/// The toast's words, when it shows.
fn toast(instance: &ExtensionBrowser) -> Option<String> {
    ok(instance.session.execute(
        "const t = document.getElementById('toast');
         return t && !t.hidden ? (t.querySelector('.toast-text')?.textContent || '') : null;",
        &[],
    ))
    .as_str()
    .map(str::to_string)
}

fn notice<'a>(view: &'a InboxView, kind: &str) -> Option<&'a str> {
    view.notices
        .iter()
        .find(|(k, _)| k == kind)
        .map(|(_, t)| t.as_str())
}

fn row<'a>(view: &'a InboxView, thread: &str) -> Option<&'a gmux_e2e::RowView> {
    view.rows.iter().find(|r| r.thread == thread)
}

fn queue_entries(instance: &ExtensionBrowser) -> Vec<Value> {
    ok(instance.storage("local"))["offline_queue"]["entries"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// The labels of each message of a thread at the emulator, sorted.
fn message_labels(truth: &GmailTruth, email: &str, thread: &str) -> Vec<Vec<String>> {
    let t = ok(truth.get(
        email,
        &format!("/gmail/v1/users/me/threads/{thread}?format=minimal"),
    ));
    t["messages"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|m| {
            let mut labels: Vec<String> = m["labelIds"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|l| l.as_str().map(str::to_string))
                .collect();
            labels.sort();
            labels
        })
        .collect()
}

/// Per account: the calls that change threads, as the emulator counted them (batch parts included).
fn changes_sent(emulator: &EmulatorProcess, email: &str) -> (u64, u64) {
    let counters = ok(emulator.get("/_emulator/counters"));
    let requests = &counters["accounts"][email]["requests"];
    let n = |m: &str| requests[m].as_u64().unwrap_or(0);
    (
        n("gmail.users.threads.modify"),
        n("gmail.users.threads.trash"),
    )
}

/// The threads whose labels changed in the account's history since `start`, in Gmail's order, each once.
fn changed_in_order(truth: &GmailTruth, email: &str, start: &str) -> Vec<String> {
    let history = ok(truth.get(
        email,
        &format!("/gmail/v1/users/me/history?startHistoryId={start}"),
    ));
    let mut out: Vec<String> = Vec::new();
    for record in history["history"].as_array().into_iter().flatten() {
        for change in ["labelsAdded", "labelsRemoved"] {
            for c in record[change].as_array().into_iter().flatten() {
                if let Some(t) = c["message"]["threadId"].as_str() {
                    if !out.iter().any(|o| o == t) {
                        out.push(t.to_string());
                    }
                }
            }
        }
    }
    out
}

fn check_offline(browser: Browser) {
    let emails: Vec<String> = ["ann", "bob", "cy"]
        .iter()
        .map(|n| format!("{n}@offline.test"))
        .collect();
    let emulator = ok(EmulatorProcess::start_seeded(&seed(&emails)));
    // Gmail behind a forwarder the test can cut; tokens straight from the emulator, so only Gmail goes away.
    let google = ok(Forwarder::start(emulator.base_url()));
    let host_env = [emulator.private_keyring("offline", browser.name())];
    let mut instance = ok(ExtensionBrowser::launch_prepared(
        browser,
        HostSetup::Installed,
        &host_env,
        |wrapper| {
            configure_host_with_accounts(wrapper, &google.base_url(), &emails)?;
            point_token_endpoint_at(wrapper, emulator.base_url())
        },
    ));
    ok(instance.open_extension_page(AWAY_POPUP));
    ok(
        instance.wait_for_storage("three synced accounts", DEADLINE, |local| {
            all_synced(local, 3)
        }),
    );
    let reply = ok(instance.send_intent(json!({"type": "set_poll", "seconds": 3600})));
    assert_eq!(reply["ok"], true, "{reply}");
    let truth = ok(GmailTruth::new(&emulator, &emails));
    let view = ok(instance.open_inbox_page(AWAY_POPUP, |v| {
        v.rows.len() == 3 * INBOX && v.status_state == "connected"
    }));
    let thread = |subject: &str| -> String {
        view.rows
            .iter()
            .find(|r| r.subject == subject)
            .map(|r| r.thread.clone())
            .unwrap_or_else(|| panic!("no row {subject}"))
    };
    let (ann, bob, cy) = (&emails[0], &emails[1], &emails[2]);
    // ann: archived, then a new message arrives in it; starred; archived, then deleted at Gmail (404).
    let archived = thread("Thread 0-0");
    let starred = thread("Thread 0-1");
    let deleted = thread("Thread 0-2");
    // bob: trashed. cy: marked read; archived and undone (nothing is sent).
    let trashed = thread("Thread 1-0");
    let read = thread("Thread 2-0");
    let undone = thread("Thread 2-1");

    // Gmail goes away. Each action shows at once; its reply comes once Gmail was found unreachable.
    google.down();
    let act = |thread: &str, key: &str, shown: &dyn Fn(&InboxView) -> bool, what: &str| {
        focus_row(&instance, thread);
        ok(instance.session.press_keys(&[key], false));
        ok(instance.wait_for_inbox(&format!("{what} shown"), shown));
        wait_until(&format!("the toast of {what}"), || {
            toast(&instance).is_some_and(|t| t.contains("Waiting for Gmail"))
        });
    };
    act(&archived, "e", &|v| row(v, &archived).is_none(), "archive");
    act(
        &starred,
        "s",
        &|v| row(v, &starred).is_some_and(|r| r.starred && r.pending),
        "star",
    );
    act(&deleted, "e", &|v| row(v, &deleted).is_none(), "archive");
    act(&trashed, "#", &|v| row(v, &trashed).is_none(), "trash");
    act(
        &read,
        "u",
        &|v| row(v, &read).is_some_and(|r| !r.unread && r.pending),
        "mark read",
    );
    act(&undone, "e", &|v| row(v, &undone).is_none(), "archive");
    ok(instance.session.press_keys(&["z"], false));
    let view = ok(
        instance.wait_for_inbox("the undone archive back, five waiting", |v| {
            row(v, &undone).is_some_and(|r| !r.pending)
                && notice(v, "offline_waiting").is_some_and(|t| t.starts_with("5 actions waiting"))
        }),
    );
    assert!(row(&view, &thread("Thread 0-3")).is_some_and(|r| !r.pending));
    ok(instance.screenshot("offline-waiting"));
    ok(instance.use_dark_scheme());
    ok(instance.screenshot("offline-waiting-dark"));
    ok(instance.use_light_scheme());

    // The queue keeps ids, labels and times, nothing else.
    let entries = queue_entries(&instance);
    assert_eq!(entries.len(), 5, "{entries:?}");
    for e in &entries {
        let mut keys: Vec<&str> = e
            .as_object()
            .map(|o| o.keys().map(String::as_str).collect())
            .unwrap_or_default();
        keys.sort_unstable();
        assert_eq!(
            keys,
            [
                "account_id",
                "before",
                "labels",
                "queued_ms",
                "seq",
                "thread_id"
            ],
            "{e}"
        );
    }

    // Meanwhile at Gmail: a reply arrives in the archived thread, and another device deletes a thread.
    ok(emulator.post(
        "/_emulator/deliver",
        json!({"account": ann, "from": "Sender 0 <sender0@example.com>", "subject": "Re: Thread 0-0",
               "text": "One more thing.", "thread_id": archived}),
    ));
    let gone = ok(truth.get(
        ann,
        &format!("/gmail/v1/users/me/threads/{deleted}?format=minimal"),
    ));
    for m in gone["messages"].as_array().into_iter().flatten() {
        ok(emulator.post("/_emulator/delete", json!({"account": ann, "id": m["id"]})));
    }
    let profile = ok(truth.get(ann, "/gmail/v1/users/me/profile"));
    let start = match &profile["historyId"] {
        Value::String(h) => h.clone(),
        other => other.to_string(),
    };

    // The background restarts while Gmail is still away: the queue and the rows it changed are still shown.
    ok(instance.stop_background_worker());
    let view = ok(instance.open_inbox_page(AWAY_POPUP, |v| {
        notice(v, "offline_waiting").is_some_and(|t| t.starts_with("5 actions waiting"))
            && row(v, &starred).is_some_and(|r| r.pending)
    }));
    assert!(row(&view, &archived).is_none() && row(&view, &trashed).is_none());
    assert_eq!(queue_entries(&instance).len(), 5);
    assert_eq!(
        changes_sent(&emulator, ann),
        (0, 0),
        "nothing reached Gmail"
    );

    // Gmail answers again: the next sync replays the queue.
    ok(emulator.post("/_emulator/counters/reset", json!({})));
    ok(google.up());
    let reply = ok(instance.send_intent(json!({"type": "sync_now"})));
    assert_eq!(reply["ok"], true, "{reply}");
    wait_until("the queue drained", || queue_entries(&instance).is_empty());
    let view = ok(
        instance.wait_for_inbox("the refusal said, nothing waiting", |v| {
            notice(v, "offline_waiting").is_none()
                && notice(v, "offline_refused").is_some_and(|t| t.contains("no longer exists"))
                && v.rows.iter().all(|r| !r.pending)
        }),
    );
    ok(instance.screenshot("offline-refused"));
    // The archive stands, for both messages; the rest landed; the cancelled one sent nothing.
    let both = message_labels(&truth, ann, &archived);
    assert_eq!(both.len(), 2, "{both:?}");
    assert!(
        both.iter().all(|m| !m.iter().any(|l| l == "INBOX")),
        "the archived thread is back in the inbox: {both:?}"
    );
    assert!(
        row(&view, &archived).is_none(),
        "the archived row came back"
    );
    assert!(message_labels(&truth, ann, &starred)[0]
        .iter()
        .any(|l| l == "STARRED"));
    assert!(message_labels(&truth, bob, &trashed)[0]
        .iter()
        .any(|l| l == "TRASH"));
    assert!(!message_labels(&truth, cy, &read)[0]
        .iter()
        .any(|l| l == "UNREAD"));
    assert!(message_labels(&truth, cy, &undone)[0]
        .iter()
        .any(|l| l == "INBOX"));
    // In the order they were taken.
    assert_eq!(
        changed_in_order(&truth, ann, &start),
        [archived.clone(), starred.clone()]
    );
    // Each change sent once (the deleted thread's refused), and not again at the next sync.
    let sent = [
        changes_sent(&emulator, ann),
        changes_sent(&emulator, bob),
        changes_sent(&emulator, cy),
    ];
    assert_eq!(sent, [(3, 0), (0, 1), (1, 0)]);
    let reply = ok(instance.send_intent(json!({"type": "sync_now"})));
    assert_eq!(reply["ok"], true, "{reply}");
    assert_eq!(
        [
            changes_sent(&emulator, ann),
            changes_sent(&emulator, bob),
            changes_sent(&emulator, cy)
        ],
        sent,
        "something was replayed twice"
    );

    // Dismissed, the refusal goes.
    ok(instance
        .click_css(".notice[data-notice=\"offline_refused\"] [data-action=\"dismiss-offline\"]"));
    ok(instance.wait_for_inbox("the refusal dismissed", |v| {
        notice(v, "offline_refused").is_none()
    }));
}

#[test]
fn chromium_actions_wait_for_gmail() {
    check_offline(Browser::Chromium);
}

#[test]
fn firefox_actions_wait_for_gmail() {
    check_offline(Browser::Firefox);
}
