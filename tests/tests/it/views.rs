//! Beyond the first 50 (issue 17), end to end: three accounts seeded with categories, nested coloured labels and
//! 320 generated threads each, the real background and host. The category tabs and the Primary-only counts are
//! the emulator's; every label view, the category tabs, the inbox and All Mail scroll to exactly the emulator's
//! threads, each once, in true order across accounts; a search with each operator shows the emulator's answer
//! merged across accounts; a failing account is named while the others show; a refused search shows Gmail's
//! reason; typing sends one search per pause and a late answer never replaces a newer search; an expired page
//! token, a label deleted while shown and an account removed mid-search recover; Refresh and Shift+R sync with
//! progress; recent searches are kept and cleared. Screenshots light and dark. One browser session per browser.

use std::collections::BTreeSet;
use std::time::Duration;

use gmux_core::listing::{Category, NOT_IN_OTHER_CATEGORIES};
use gmux_core::view;
use gmux_e2e::views::{
    picker_entries, q_param, row_keys, views_seed, GmailTruth, RowKey, ViewsView,
};
use gmux_e2e::{
    all_synced, configure_host_with_accounts, ok, Browser, EmulatorProcess, ExtensionBrowser,
    HostSetup, InboxView,
};
use serde_json::{json, Value};

/// Pages of three accounts through a debug host and emulator, on a loaded machine.
const DEADLINE: Duration = Duration::from_secs(90);

/// Generated threads per account (issue 17 asks for 300+).
const THREADS: usize = 320;

/// The seed's user labels by name, with their ids (the seed gives them in this order in every account).
const LABEL_IDS: [(&str, &str); 5] = [
    ("Travel", "Label_1"),
    ("Work", "Label_2"),
    ("Work/Clients", "Label_3"),
    ("Receipts", "Label_4"),
    ("Receipts/2024", "Label_5"),
];

fn wait_until(what: &str, done: impl Fn() -> bool) {
    gmux_e2e::wait_until(what, DEADLINE, done);
}

/// Two lists of rows are the same, or where they first differ.
fn assert_same(what: &str, got: &[RowKey], want: &[RowKey]) {
    if got == want {
        return;
    }
    let first = got
        .iter()
        .zip(want)
        .position(|(g, w)| g != w)
        .unwrap_or(got.len().min(want.len()));
    let unique: BTreeSet<&RowKey> = got.iter().collect();
    panic!(
        "{what}: {} rows shown ({} distinct), {} expected; first difference at {first}: shown {:?}, expected {:?}",
        got.len(),
        unique.len(),
        want.len(),
        got.get(first),
        want.get(first)
    );
}

/// The view is drawn and its first pages are in.
fn settled(views: &ViewsView, _: &InboxView) -> bool {
    views.foot == "more" || views.foot == "end"
}

/// Scrolls the list to its end and checks it shows exactly `want`, each once, in that order.
fn scrolled_list_is(instance: &ExtensionBrowser, what: &str, want: &[RowKey]) {
    ok(instance.wait_for_views(what, DEADLINE, settled));
    let (view, _) = ok(instance.scroll_to_the_end(DEADLINE));
    assert_same(what, &row_keys(&view), want);
}

/// What the emulator says about each account's inbox: the categories its inbox mail is in, and its unread
/// Primary conversations (inbox mail in no other category), from every inbox message's own labels.
fn inbox_truth(truth: &GmailTruth, email: &str) -> (BTreeSet<Category>, u64) {
    let mut categories = BTreeSet::new();
    let mut primary_unread = BTreeSet::new();
    for (id, thread) in ok(truth.message_refs(email, "labelIds=INBOX")) {
        let labels = ok(truth.message_labels(email, &id));
        let mut any = false;
        for category in Category::ALL {
            if labels.iter().any(|l| l == category.label_id()) && category != Category::Primary {
                categories.insert(category);
                any = true;
            }
        }
        if !any {
            categories.insert(Category::Primary);
            if labels.iter().any(|l| l == "UNREAD") {
                primary_unread.insert(thread);
            }
        }
    }
    (categories, primary_unread.len() as u64)
}

fn params_for_category(category: Category) -> String {
    match category {
        Category::Primary => format!("labelIds=INBOX&{}", q_param(NOT_IN_OTHER_CATEGORIES)),
        c => format!("labelIds=INBOX&labelIds={}", c.label_id()),
    }
}

fn emulator_calls(emulator: &EmulatorProcess, email: &str, method: &str) -> u64 {
    ok(emulator.get("/_emulator/counters"))["accounts"][email]["requests"][method]
        .as_u64()
        .unwrap_or(0)
}

fn fault(emulator: &EmulatorProcess, fault: Value) {
    ok(emulator.post("/_emulator/faults", fault));
}

fn clear_faults(emulator: &EmulatorProcess) {
    ureq::delete(&format!("{}/_emulator/faults", emulator.base_url()))
        .call()
        .expect("clearing the faults");
}

fn notice_text(view: &InboxView, kind: &str) -> Option<String> {
    view.notices
        .iter()
        .find(|(k, _)| k == kind)
        .map(|(_, t)| t.clone())
}

fn check_views(browser: Browser) {
    let emails: Vec<String> = ["ann", "bob", "cy"]
        .iter()
        .map(|n| format!("{n}@views.test"))
        .collect();
    let emulator = ok(EmulatorProcess::start_seeded(&views_seed(&emails, THREADS)));
    // Paging three mailboxes to their ends many times over is more than Gmail's 15,000 units a minute.
    ok(emulator.post(
        "/_emulator/settings",
        json!({"quota_units_per_minute": 100_000_000}),
    ));
    let host_env = [emulator.private_keyring("views", browser.name())];
    let mut instance = ok(ExtensionBrowser::launch_prepared(
        browser,
        HostSetup::Installed,
        &host_env,
        |wrapper| configure_host_with_accounts(wrapper, emulator.base_url(), &emails),
    ));
    ok(instance.session.set_window_size(1100, 900));
    ok(instance.open_extension_page("popup.html"));
    ok(
        instance.wait_for_storage("three synced accounts", DEADLINE, |local| {
            all_synced(local, 3)
        }),
    );
    ok(instance.open_inbox_page("popup.html", |v| {
        v.badges.len() == 3 && !v.rows.is_empty() && v.status_state == "connected"
    }));
    let truth = ok(GmailTruth::new(&emulator, &emails));
    let ids: Vec<String> = emails.iter().map(|e| truth.id_of(e)).collect();

    // Category tabs: those any account's inbox uses, in Gmail's order; the Primary tab's count is the emulator's.
    let mut used = BTreeSet::new();
    let mut primary_unread = Vec::new();
    for email in &emails {
        let (categories, primary) = inbox_truth(&truth, email);
        used.extend(categories);
        primary_unread.push(primary);
    }
    let mut want_tabs = vec!["inbox".to_string()];
    want_tabs.extend(
        Category::ALL
            .iter()
            .filter(|c| used.contains(c))
            .map(|c| c.search_word().to_string()),
    );
    assert_eq!(want_tabs.len(), 6, "the seed uses every category");
    let primary_total: u64 = primary_unread.iter().sum();
    let (tabs, _) = ok(
        instance.wait_for_views("the category tabs", DEADLINE, |v, _| {
            v.tabs == want_tabs
                && v.primary_count.as_deref() == Some(&view::unread_label(primary_total))
        }),
    );
    assert_eq!(tabs.selected_tab.as_deref(), Some("inbox"));
    ok(instance.screenshot("views-tabs"));

    // Primary only for ann, from the options page: her badge, the toolbar total and her rows in the list.
    let inbox_unread: Vec<u64> = ok(emulator.threads_unread())
        .into_iter()
        .filter(|(e, _)| emails.contains(e))
        .map(|(_, n)| n)
        .collect();
    ok(instance.open_page("options.html"));
    let checkbox = format!(
        "#account-list input[data-switch=\"primary_only\"][data-account=\"{}\"]",
        ids[0]
    );
    wait_until("the Primary only box", || {
        instance.session.find_css(&checkbox).is_ok()
    });
    ok(instance.click_css(&checkbox));
    ok(
        instance.wait_for_storage("Primary only saved", DEADLINE, |local| {
            local["settings"]["accounts"][&ids[0]]["primary_only"] == true
        }),
    );
    let want_total = primary_unread[0] + inbox_unread[1] + inbox_unread[2];
    ok(instance.wait_for_badge(&want_total.to_string()));
    let view = ok(instance.open_inbox_page("popup.html", |v| {
        v.badges.len() == 3
            && v.badges[0].count == view::unread_label(primary_unread[0])
            && v.badges[1].count == view::unread_label(inbox_unread[1])
    }));
    let other_categories: Vec<&str> = Category::ALL[1..].iter().map(|c| c.label_id()).collect();
    for row in view.rows.iter().filter(|r| r.account == ids[0]) {
        let labels = ok(truth.thread_labels(&emails[0], &row.thread));
        assert!(
            !labels
                .iter()
                .any(|l| other_categories.contains(&l.as_str())),
            "ann is Primary only, yet {} ({labels:?}) is listed",
            row.thread
        );
    }
    ok(instance.open_page("options.html"));
    wait_until("the Primary only box", || {
        instance.session.find_css(&checkbox).is_ok()
    });
    ok(instance.click_css(&checkbox));
    ok(
        instance.wait_for_storage("Primary only off", DEADLINE, |local| {
            local["settings"]["accounts"][&ids[0]]["primary_only"] == false
        }),
    );
    ok(instance.wait_for_badge(&inbox_unread.iter().sum::<u64>().to_string()));
    ok(instance.open_inbox_page("popup.html", |v| v.badges.len() == 3 && !v.rows.is_empty()));
    ok(instance.wait_for_views("the tabs", DEADLINE, |v, _| v.tabs == want_tabs));

    // Each category tab lists exactly the emulator's threads of it, across accounts, in true order.
    for category in Category::ALL {
        ok(instance.click_css(&format!(
            "#tabs button[data-tab=\"{}\"]",
            category.search_word()
        )));
        ok(
            instance.wait_for_views("the tab selected", DEADLINE, |v, _| {
                v.selected_tab.as_deref() == Some(category.search_word())
            }),
        );
        let want = ok(truth.merged(&emails, |_| Some(params_for_category(category))));
        scrolled_list_is(&instance, &format!("the {category:?} tab"), &want);
    }

    // The label picker: system labels, All Mail, then the user labels as a tree with their colours.
    ok(instance.click_css("#labels-button"));
    wait_until("the picker's labels", || {
        ok(picker_entries(&instance))
            .iter()
            .any(|e| e.0 == "Work/Clients")
    });
    let entries = ok(picker_entries(&instance));
    let expected = [
        ("INBOX", "system", 0, false),
        ("STARRED", "system", 0, false),
        ("IMPORTANT", "system", 0, false),
        ("SENT", "system", 0, false),
        ("DRAFT", "system", 0, false),
        ("SPAM", "system", 0, false),
        ("TRASH", "system", 0, false),
        ("ALL_MAIL", "all", 0, false),
        ("Receipts", "user", 0, false),
        ("Receipts/2024", "user", 1, true),
        ("Travel", "user", 0, false),
        ("Work", "user", 0, true),
        ("Work/Clients", "user", 1, true),
    ];
    let got: Vec<(&str, &str, u32, bool)> = entries
        .iter()
        .map(|(p, k, d, c)| (p.as_str(), k.as_str(), *d, *c))
        .collect();
    assert_eq!(got, expected);
    ok(instance.screenshot("views-picker"));

    // Each label lists exactly the emulator's threads carrying it, merged across accounts.
    let mut labels: Vec<(String, String)> =
        ["STARRED", "IMPORTANT", "SENT", "DRAFT", "SPAM", "TRASH"]
            .iter()
            .map(|id| (id.to_string(), id.to_string()))
            .collect();
    labels.extend(
        LABEL_IDS
            .iter()
            .map(|(p, id)| (p.to_string(), id.to_string())),
    );
    for (path, id) in &labels {
        if !ok(instance.session.execute(
            "return !document.getElementById('label-picker').hidden;",
            &[],
        ))
        .as_bool()
        .unwrap_or(false)
        {
            ok(instance.click_css("#labels-button"));
        }
        let entry = format!("#picker-list .picker-entry[data-path=\"{path}\"]");
        wait_until("the picker entry", || {
            instance.session.find_css(&entry).is_ok()
        });
        ok(instance.click_css(&entry));
        let want = ok(truth.merged(&emails, |_| Some(format!("labelIds={id}"))));
        scrolled_list_is(&instance, &format!("the label {path}"), &want);
        if path == "Work/Clients" {
            ok(instance.screenshot("views-label"));
        }
    }

    // One account alone: its own picker and its own list.
    ok(instance.click_css(&format!(
        "#accounts .acct-filter[data-account=\"{}\"]",
        ids[1]
    )));
    ok(instance.click_css("#labels-button"));
    let travel = "#picker-list .picker-entry[data-path=\"Travel\"]";
    wait_until("bob's picker", || instance.session.find_css(travel).is_ok());
    ok(instance.click_css(travel));
    let want = ok(truth.merged(&emails[1..2], |_| Some("labelIds=Label_1".into())));
    scrolled_list_is(&instance, "bob's Travel label", &want);
    ok(instance.click_css(&format!(
        "#accounts .acct-filter[data-account=\"{}\"]",
        ids[1]
    )));
    let want = ok(truth.merged(&emails, |_| Some("labelIds=Label_1".into())));
    scrolled_list_is(&instance, "Travel in every account again", &want);

    // The inbox scrolled to its end: the stored rows, then older mail, every thread once in true order.
    ok(instance.click_css("button.back"));
    ok(instance.wait_for_views("the inbox", DEADLINE, |v, _| {
        v.selected_tab.as_deref() == Some("inbox")
    }));
    let want = ok(truth.merged(&emails, |_| Some("labelIds=INBOX".into())));
    assert!(want.len() > 3 * 200, "{} inbox threads", want.len());
    scrolled_list_is(&instance, "the inbox with its older mail", &want);

    // A search with each operator shows the emulator's answer, merged across accounts.
    let days_ago = |days: u64| gmux_e2e::unix_now_ms() / 1000 - days * 86_400;
    let searches = vec![
        "from:marek".to_string(),
        "to:deals@shopright.example".into(),
        "subject:invoice".into(),
        "label:work-clients".into(),
        "is:unread".into(),
        "is:starred".into(),
        "is:important".into(),
        "has:attachment".into(),
        "in:sent".into(),
        "category:promotions".into(),
        "before:2025/03/01".into(),
        format!("after:{}", days_ago(5)),
        "older_than:60d".into(),
        "newer_than:3d".into(),
        "\"blue lighthouse\"".into(),
        "from:ines OR from:hana".into(),
        "subject:invoice -has:attachment".into(),
        "(from:marek OR from:club) is:starred".into(),
    ];
    for (i, query) in searches.iter().enumerate() {
        if i == 0 {
            // As a person does: `/`, the query, Enter.
            ok(instance.type_search(query, true));
        } else {
            ok(instance.search_for(query));
        }
        let title = format!("Results for \u{201c}{query}\u{201d}");
        ok(instance.wait_for_views("the search", DEADLINE, |v, _| {
            v.title.as_deref() == Some(&title)
        }));
        let want = ok(truth.merged(&emails, |_| Some(q_param(query))));
        scrolled_list_is(&instance, &format!("search {query}"), &want);
        if query == "is:starred" {
            ok(instance.screenshot("views-search"));
        }
    }

    // A failing account is named while the others' results show.
    fault(
        &emulator,
        json!({"method": "gmail.users.threads.list", "status": 500, "account": emails[1]}),
    );
    ok(instance.search_for("is:starred OR has:attachment"));
    let (views, view) = ok(
        instance.wait_for_views("bob's failure named", DEADLINE, |v, _| {
            v.progress.get(&ids[1]).map(String::as_str) == Some("failed") && v.foot != "loading"
        }),
    );
    let named = notice_text(&view, "account_failed").expect("a failure notice");
    assert!(named.contains(&emails[1]), "{named}");
    assert!(!views.progress.contains_key(&ids[0]));
    let want = ok(truth.merged(&emails, |e| {
        (e != emails[1]).then(|| q_param("is:starred OR has:attachment"))
    }));
    scrolled_list_is(&instance, "a search with bob failing", &want);
    ok(instance.screenshot("views-search-failed"));
    clear_faults(&emulator);

    // A search Gmail refuses: its reason, under the box.
    let refused = json!({"error": {"code": 400, "message": "Invalid search query: unbalanced parenthesis",
        "errors": [{"reason": "invalidArgument"}], "status": "INVALID_ARGUMENT"}});
    fault(
        &emulator,
        json!({"method": "gmail.users.threads.list", "status": 400, "count": 3, "body": refused}),
    );
    ok(instance.search_for("from:(marek"));
    let view = ok(instance.wait_for_inbox("Gmail's reason", |v| {
        notice_text(v, "search_error").is_some()
    }));
    let reason = notice_text(&view, "search_error").unwrap_or_default();
    assert!(
        reason.contains("Invalid search query: unbalanced parenthesis"),
        "{reason}"
    );
    assert!(
        notice_text(&view, "account_failed").is_none(),
        "said once, not per account"
    );
    clear_faults(&emulator);

    // Typing fast sends one search per pause.
    ok(emulator.post("/_emulator/counters/reset", json!({})));
    ok(instance.type_search("from:hana", false));
    let title = "Results for \u{201c}from:hana\u{201d}";
    ok(
        instance.wait_for_views("the typed search", DEADLINE, |v, i| {
            v.title.as_deref() == Some(title) && settled(v, i)
        }),
    );
    std::thread::sleep(Duration::from_millis(600));
    for email in &emails {
        assert_eq!(
            emulator_calls(&emulator, email, "gmail.users.threads.list"),
            1,
            "one search for {email} while typing nine characters"
        );
    }
    // A slow answer to an older search never replaces the newer one.
    fault(
        &emulator,
        json!({"method": "gmail.users.threads.list", "latency_ms": 2500, "count": 1, "account": emails[0]}),
    );
    ok(instance.type_search("is:starred", false));
    std::thread::sleep(Duration::from_millis(700));
    ok(instance.type_search("subject:invoice", false));
    let title = "Results for \u{201c}subject:invoice\u{201d}";
    ok(
        instance.wait_for_views("the newer search", DEADLINE, |v, _| {
            v.title.as_deref() == Some(title)
        }),
    );
    let want = ok(truth.merged(&emails, |_| Some(q_param("subject:invoice"))));
    scrolled_list_is(&instance, "the newer search", &want);
    std::thread::sleep(Duration::from_millis(3000));
    let view = ok(instance.inbox_view());
    assert_same(
        "the newer search after the late answer",
        &row_keys(&view),
        &want,
    );
    clear_faults(&emulator);

    // All Mail, with a page token Gmail no longer takes on the way: that account starts over, nothing lost.
    ok(instance.click_css("#labels-button"));
    let all_mail = "#picker-list .picker-entry[data-path=\"ALL_MAIL\"]";
    wait_until("All Mail in the picker", || {
        instance.session.find_css(all_mail).is_ok()
    });
    ok(instance.click_css(all_mail));
    ok(instance.wait_for_views("All Mail's first pages", DEADLINE, |v, _| v.foot == "more"));
    // The emulator's answer first: the fault below is for the page's next call.
    let want = ok(truth.merged(&emails, |_| Some(String::new())));
    let expired = json!({"error": {"code": 400, "message": "Invalid pageToken",
        "errors": [{"reason": "invalidArgument"}], "status": "INVALID_ARGUMENT"}});
    fault(
        &emulator,
        json!({"method": "gmail.users.threads.list", "status": 400, "count": 1, "body": expired}),
    );
    scrolled_list_is(&instance, "All Mail across an expired token", &want);
    clear_faults(&emulator);

    // A label deleted in one account is named there; deleted everywhere while shown, back to the inbox.
    ok(truth.delete_label(&emails[0], "Label_4"));
    ok(instance.click_css("#refresh"));
    ok(instance.click_css("#labels-button"));
    let receipts = "#picker-list .picker-entry[data-path=\"Receipts\"]";
    wait_until("Receipts in the picker", || {
        instance.session.find_css(receipts).is_ok()
    });
    ok(instance.click_css(receipts));
    let want = ok(truth.merged(&emails[1..], |_| Some("labelIds=Label_4".into())));
    scrolled_list_is(&instance, "Receipts where it still exists", &want);
    ok(instance.click_css("#labels-button"));
    let travel = "#picker-list .picker-entry[data-path=\"Travel\"]";
    wait_until("Travel in the picker", || {
        instance.session.find_css(travel).is_ok()
    });
    ok(instance.click_css(travel));
    ok(instance.wait_for_views("Travel", DEADLINE, settled));
    for email in &emails {
        ok(truth.delete_label(email, "Label_1"));
    }
    ok(instance.click_css("#refresh"));
    let view = ok(instance.wait_for_inbox("back to the inbox", |v| {
        notice_text(v, "view_changed").is_some()
    }));
    assert_eq!(
        notice_text(&view, "view_changed").as_deref(),
        Some("The label \u{201c}Travel\u{201d} no longer exists in Gmail: showing the inbox.")
    );
    ok(instance.wait_for_views("the inbox tab", DEADLINE, |v, _| {
        v.selected_tab.as_deref() == Some("inbox")
    }));
    ok(instance.click_css("#labels-button"));
    wait_until("the picker without Travel", || {
        let entries = ok(picker_entries(&instance));
        entries.iter().any(|e| e.0 == "Work") && !entries.iter().any(|e| e.0 == "Travel")
    });
    ok(instance.session.press_keys(&["\u{E00C}"], false));

    // Refresh and Shift+R sync every account now, with a spinner while they run.
    let synced_at = |instance: &ExtensionBrowser| {
        ok(instance.storage("local"))["status"]["last_sync_ms"]
            .as_u64()
            .unwrap_or(0)
    };
    fault(
        &emulator,
        json!({"method": "gmail.users.history.list", "latency_ms": 800}),
    );
    for by_key in [false, true] {
        let before = synced_at(&instance);
        if by_key {
            ok(instance
                .session
                .execute("document.activeElement.blur(); return true;", &[]));
            ok(instance.session.press_keys(&["R"], true));
        } else {
            ok(instance.click_css("#refresh"));
        }
        ok(instance.wait_for_views("the spinners", DEADLINE, |v, _| {
            v.progress.values().filter(|p| *p == "loading").count() == 3
        }));
        let busy = ok(instance.session.execute(
            "return document.getElementById('refresh').getAttribute('aria-busy');",
            &[],
        ));
        assert_eq!(busy, json!("true"));
        wait_until("the sync to finish", || synced_at(&instance) > before);
        ok(instance.wait_for_views("the spinners gone", DEADLINE, |v, _| v.progress.is_empty()));
    }
    clear_faults(&emulator);

    // Recent searches: kept (the newest ten), offered under the empty box, cleared from the options page.
    let recent = ok(instance.storage("local"))["recent_searches"]["items"].clone();
    let kept = "is:starred OR has:attachment";
    assert_eq!(
        recent.as_array().map(Vec::len),
        Some(gmux_core::listing::MAX_RECENT_SEARCHES),
        "{recent}"
    );
    assert_eq!(recent[0], "from:(marek", "{recent}");
    assert!(
        recent
            .as_array()
            .is_some_and(|r| r.iter().any(|q| q == kept)),
        "{recent}"
    );
    // The recent searches open on the box's focusin, which a window without the system focus never sends.
    ok(instance.focus_window());
    ok(instance.session.execute(
        "const s = document.getElementById('search'); s.value = ''; s.focus(); return true;",
        &[],
    ));
    let suggestion = format!("#search-suggestions:not([hidden]) button[data-query=\"{kept}\"]");
    wait_until("the recent searches", || {
        instance.session.find_css(&suggestion).is_ok()
    });
    ok(instance.click_css(&suggestion));
    ok(
        instance.wait_for_views("the recent search run", DEADLINE, |v, _| {
            v.title.as_deref() == Some(&format!("Results for \u{201c}{kept}\u{201d}"))
        }),
    );

    // Light and dark, popup and new tab: the tabs, a label, search results.
    // (The dark scheme, once asked for, stays: light first for both pages.)
    for dark in [false, true] {
        if dark {
            ok(instance.use_dark_scheme());
        }
        for page in ["popup.html", "newtab.html"] {
            // The new tab as the window shows it; the popup's body is the popup.
            let shot = |instance: &ExtensionBrowser, name: &str| {
                if page == "newtab.html" {
                    ok(instance.viewport_screenshot(name));
                } else {
                    ok(instance.screenshot(name));
                }
            };
            let suffix = format!(
                "{}{}",
                page.trim_end_matches(".html"),
                if dark { "-dark" } else { "" }
            );
            ok(instance.open_inbox_page(page, |v| v.badges.len() == 3 && !v.rows.is_empty()));
            ok(instance.wait_for_views("the tabs", DEADLINE, |v, _| v.tabs == want_tabs));
            shot(&instance, &format!("views-tabs-{suffix}"));
            ok(instance.click_css("#labels-button"));
            let work = "#picker-list .picker-entry[data-path=\"Work/Clients\"]";
            wait_until("the picker", || instance.session.find_css(work).is_ok());
            shot(&instance, &format!("views-picker-{suffix}"));
            ok(instance.click_css(work));
            ok(instance.wait_for_views("the label", DEADLINE, settled));
            shot(&instance, &format!("views-label-{suffix}"));
            ok(instance.search_for("is:starred"));
            ok(instance.wait_for_views("the search", DEADLINE, |v, i| {
                v.title.as_deref() == Some("Results for \u{201c}is:starred\u{201d}")
                    && settled(v, i)
            }));
            shot(&instance, &format!("views-search-{suffix}"));
        }
    }

    ok(instance.open_page("options.html"));
    wait_until("the clear button", || {
        instance.session.find_css("#clear-searches").is_ok()
    });
    ok(instance.click_css("#clear-searches"));
    ok(
        instance.wait_for_storage("the recent searches cleared", DEADLINE, |local| {
            local["recent_searches"]["items"]
                .as_array()
                .is_some_and(|r| r.is_empty())
        }),
    );
    wait_until("the confirmation", || {
        instance
            .session
            .find_css("#notices .notice[data-notice=\"done\"]")
            .is_ok()
    });

    // An account removed while a search waits for it: the search ends with the others, nobody named.
    ok(instance.open_inbox_page("popup.html", |v| v.badges.len() == 3));
    fault(
        &emulator,
        json!({"method": "gmail.users.threads.list", "latency_ms": 3000, "count": 1, "account": emails[2]}),
    );
    ok(instance.search_for("is:unread"));
    ok(
        instance.wait_for_views("cy still searching", DEADLINE, |v, _| {
            v.progress.get(&ids[2]).map(String::as_str) == Some("loading")
                && !v.progress.contains_key(&ids[0])
        }),
    );
    instance
        .post_intent(json!({"type": "remove_account", "account": ids[2]}))
        .expect("remove cy");
    let want = ok(truth.merged(&emails[..2], |_| Some(q_param("is:unread"))));
    ok(instance.wait_for_inbox("cy gone", |v| v.badges.len() == 2));
    scrolled_list_is(&instance, "the search without cy", &want);
    std::thread::sleep(Duration::from_millis(3000));
    let view = ok(instance.inbox_view());
    assert_same("the search after cy's late answer", &row_keys(&view), &want);
    assert!(
        notice_text(&view, "account_failed").is_none(),
        "{:?}",
        view.notices
    );
}

#[test]
fn chromium_views_beyond_the_first_50() {
    check_views(Browser::Chromium);
}

#[test]
fn firefox_views_beyond_the_first_50() {
    check_views(Browser::Firefox);
}
