//! Views beyond the inbox against the emulator: every view pages through exactly the emulator's threads, the
//! merge across accounts shows each once in true order, search errors and expired page tokens, labels, and the
//! exact Primary-only unread count over every combination of place, category and read state.

use crate::support::{engine, QUICK};
use gmux_core::inbox::{sort_newest_first, ThreadRow};
use gmux_core::listing::{
    label_tree, Category, FirstPages, LabelKind, ListQuery, MergedList, NodeKind, View,
};
use gmux_gmail::listing::{
    count_threads, list_labels, load_page, load_view_page, primary_unread, primary_unread_call,
    primary_unread_from_part, ListError,
};
use gmux_gmail::testkit::Kit;
use gmux_gmail::{GmailClient, SyncEngine};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::time::Duration;

async fn start(seed: Value) -> Kit {
    let seed: gmux_emulator::Seed = serde_json::from_value(seed).expect("seed");
    tokio::time::timeout(Duration::from_secs(60), Kit::start(seed))
        .await
        .expect("emulator start timed out")
        .expect("emulator start")
}

/// Three accounts with nested, coloured labels and 320 generated threads each (categories, labels, read state,
/// spam and trash, replies).
async fn volume_kit() -> Kit {
    let emails = ["ann@list.example", "bob@list.example", "cy@list.example"];
    let accounts: Vec<Value> = emails
        .iter()
        .map(|e| {
            json!({"email": e, "labels": ["Travel", {"name": "Work/Clients", "text_color": "#ffffff", "background_color": "#fb4c2f"}, "Work"]})
        })
        .collect();
    let generate: serde_json::Map<String, Value> = emails
        .iter()
        .enumerate()
        .map(|(i, e)| (e.to_string(), json!({"threads": 320, "seed": i + 1})))
        .collect();
    let kit = start(json!({"accounts": accounts, "generate": generate})).await;
    // Paging through every view of 320 threads is more than Gmail's 15,000 units a minute per user.
    kit.control
        .settings(json!({"quota_units_per_minute": 10_000_000}))
        .await
        .expect("settings");
    kit
}

/// Every thread id of a query, in Gmail's order, read in pages of 500: the emulator's own answer.
async fn truth(client: &GmailClient, query: &ListQuery) -> Vec<String> {
    let mut out = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page = client
            .list_threads_matching(query, token.as_deref(), 500)
            .await
            .expect("threads.list");
        out.extend(page.threads.into_iter().map(|t| t.id));
        token = page.next_page_token;
        if token.is_none() {
            return out;
        }
    }
}

/// Pages a view of one account through to the end, 50 at a time, as "load more" does.
async fn page_through(client: &GmailClient, view: &View) -> (Vec<ThreadRow>, usize) {
    let mut rows = Vec::new();
    let mut token: Option<String> = None;
    let mut pages = 0;
    loop {
        let page = load_view_page(client, view, token.as_deref(), 50)
            .await
            .expect("a page");
        pages += 1;
        assert!(page.rows.len() <= 50);
        rows.extend(page.rows);
        token = page.next_page_token;
        if token.is_none() {
            return (rows, pages);
        }
    }
}

fn label_view(name: &str, id: &str, accounts: &[String]) -> View {
    View::Label {
        name: name.into(),
        ids: accounts
            .iter()
            .map(|a| (a.clone(), id.to_string()))
            .collect(),
    }
}

#[tokio::test]
async fn every_view_pages_through_exactly_the_emulators_threads() {
    let kit = volume_kit().await;
    let engine = engine(&kit);
    let client = engine.client(&kit.emails[0]);
    let mut views = vec![View::Inbox, View::AllMail];
    views.extend(
        Category::ALL
            .into_iter()
            .map(|category| View::Category { category }),
    );
    for (name, id) in [
        ("Starred", "STARRED"),
        ("Important", "IMPORTANT"),
        ("Sent", "SENT"),
        ("Spam", "SPAM"),
        ("Trash", "TRASH"),
        ("Travel", "Label_1"),
        ("Work/Clients", "Label_2"),
    ] {
        views.push(label_view(name, id, &kit.emails));
    }
    for query in [
        "is:unread",
        "category:promotions has:nouserlabels",
        "\"Weekend plans\" OR subject:invoice",
        "-in:inbox -in:sent",
        "in:anywhere build",
    ] {
        views.push(View::Search {
            query: query.into(),
        });
    }
    for view in &views {
        let query = view.query(&kit.emails[0]).unwrap();
        let want = truth(&client, &query).await;
        let (rows, pages) = page_through(&client, view).await;
        let got: Vec<String> = rows.iter().map(|r| r.thread_id.clone()).collect();
        assert_eq!(got, want, "{view:?}");
        // A last full page may or may not come with a token to an empty one.
        let full_pages = want.len().div_ceil(50).max(1);
        assert!(
            pages == full_pages || (want.len() % 50 == 0 && pages == full_pages + 1),
            "{view:?}: {pages} pages for {}",
            want.len()
        );
        assert!(rows.iter().all(|r| r.account_id == kit.emails[0]));
        assert!(
            rows.windows(2).all(|w| w[0].date_ms >= w[1].date_ms),
            "{view:?}"
        );
    }
    // The views of labels nothing else hides hold what the emulator's own label counters say (a user label's
    // counters also count its mail in spam and trash, which its view leaves out, as Gmail's does).
    for id in ["INBOX", "SPAM", "TRASH"] {
        let label = client.get_label(id).await.unwrap();
        let view = label_view(id, id, &kit.emails);
        let (rows, _) = page_through(&client, &view).await;
        assert_eq!(rows.len() as u64, label.threads_total, "{id}");
    }
    // A view of a label the account lacks lists nothing, without a request.
    kit.control.reset_counters().await.unwrap();
    let missing = View::Label {
        name: "Elsewhere".into(),
        ids: BTreeMap::from([("someone else".to_string(), "Label_1".to_string())]),
    };
    let page = load_view_page(&client, &missing, None, 50).await.unwrap();
    assert!(page.rows.is_empty() && page.next_page_token.is_none());
    assert_eq!(kit.control.usage(None).await.unwrap().http_requests, 0);
}

#[tokio::test]
async fn a_page_costs_two_requests_and_load_more_across_accounts_shows_every_thread_once_in_true_order(
) {
    let kit = volume_kit().await;
    let engine = engine(&kit);
    let accounts: Vec<&str> = kit.emails.iter().map(String::as_str).collect();

    kit.control.reset_counters().await.unwrap();
    let first = load_page(
        &engine.client(accounts[0]),
        &ListQuery::labels(&["INBOX"]),
        None,
        50,
    )
    .await
    .unwrap();
    let usage = kit.control.usage(None).await.unwrap();
    assert_eq!(first.rows.len(), 50);
    assert_eq!(usage.http_requests, 2, "{usage:?}");
    assert_eq!(usage.quota_units, 10 + 50 * 10, "{usage:?}");
    assert_eq!(usage.batch_sizes, [50]);

    for view in [
        View::Inbox,
        View::Search {
            query: "is:unread".into(),
        },
    ] {
        let mut want: Vec<ThreadRow> = Vec::new();
        for a in &accounts {
            let client = engine.client(a);
            for id in truth(&client, &view.query(a).unwrap()).await {
                want.push(ThreadRow {
                    account_id: a.to_string(),
                    thread_id: id,
                    ..Default::default()
                });
            }
        }
        let load = |account: String, token: Option<String>| {
            let client = engine.client(&account);
            let view = view.clone();
            async move {
                let page = load_view_page(&client, &view, token.as_deref(), 50)
                    .await
                    .unwrap();
                (account, page)
            }
        };
        let mut list = MergedList::new(&accounts, FirstPages::Wait);
        let firsts =
            futures::future::join_all(accounts.iter().map(|a| load(a.to_string(), None))).await;
        for (account, page) in firsts {
            list.add_page(&account, page.rows, page.next_page_token);
        }
        let mut shown_before: Vec<(String, String)> = Vec::new();
        let mut rounds = 0;
        loop {
            let shown: Vec<(String, String)> = list
                .visible_rows()
                .iter()
                .map(|r| (r.account_id.clone(), r.thread_id.clone()))
                .collect();
            // Rows only ever join below what was shown: nothing shown moves.
            assert_eq!(shown[..shown_before.len()], shown_before[..], "{view:?}");
            shown_before = shown;
            let next: Vec<String> = list
                .accounts_to_load(10)
                .into_iter()
                .map(str::to_string)
                .collect();
            if next.is_empty() {
                break;
            }
            let mut pending = Vec::new();
            for a in &next {
                let token = list.begin_next_page(a);
                pending.push(load(a.clone(), token));
            }
            for (account, page) in futures::future::join_all(pending).await {
                list.add_page(&account, page.rows, page.next_page_token);
            }
            rounds += 1;
            assert!(rounds < 100);
        }
        assert!(list.is_complete());
        let rows: Vec<ThreadRow> = list.visible_rows().into_iter().cloned().collect();
        let mut sorted = rows.clone();
        sort_newest_first(&mut sorted);
        assert_eq!(rows, sorted, "{view:?}: true date order");
        let mut got: Vec<(String, String)> = rows
            .iter()
            .map(|r| (r.account_id.clone(), r.thread_id.clone()))
            .collect();
        let mut want: Vec<(String, String)> = want
            .iter()
            .map(|r| (r.account_id.clone(), r.thread_id.clone()))
            .collect();
        assert!(got.len() > 200, "{view:?}: {}", got.len());
        got.sort();
        want.sort();
        assert_eq!(got, want, "{view:?}: every thread exactly once");
    }
}

#[tokio::test]
async fn gmails_reason_for_a_refused_search_and_an_expired_page_token_reach_the_page() {
    let kit = crate::support::kit(1, 60).await;
    let engine = engine(&kit);
    let client = engine.client(&kit.emails[0]);
    let search = ListQuery {
        q: Some("from:(".into()),
        ..Default::default()
    };
    let refused = json!({"error": {"code": 400, "message": "Invalid search query: unbalanced parenthesis",
        "errors": [{"reason": "invalidArgument"}], "status": "INVALID_ARGUMENT"}});
    kit.control
        .faults(json!({"method": "gmail.users.threads.list", "status": 400, "count": 1, "body": refused}))
        .await
        .unwrap();
    let error = load_page(&client, &search, None, 50).await.unwrap_err();
    assert_eq!(
        error,
        ListError::BadQuery("Invalid search query: unbalanced parenthesis".into())
    );
    assert_eq!(
        error.cause(),
        None,
        "the page words a refused search itself"
    );

    let inbox = ListQuery::labels(&["INBOX"]);
    let first = load_page(&client, &inbox, None, 50).await.unwrap();
    assert!(first.next_page_token.is_some());
    let error = load_page(&client, &inbox, Some("no-longer-valid"), 50)
        .await
        .unwrap_err();
    assert!(matches!(error, ListError::PageTokenExpired(_)), "{error:?}");
    assert_eq!(error.code(), "page_token_expired");
    // The account starts over from its first page and pages to the end with nothing lost.
    let mut list = MergedList::new(&[kit.emails[0].as_str()], FirstPages::Wait);
    list.add_page(&kit.emails[0], first.rows, first.next_page_token);
    list.restart(&kit.emails[0]);
    let again = load_page(&client, &inbox, None, 50).await.unwrap();
    list.add_page(&kit.emails[0], again.rows, again.next_page_token);
    let token = list.begin_next_page(&kit.emails[0]);
    let rest = load_page(&client, &inbox, token.as_deref(), 50)
        .await
        .unwrap();
    list.add_page(&kit.emails[0], rest.rows, rest.next_page_token);
    assert_eq!(list.visible_rows().len(), 60);

    // A label view whose label was deleted meanwhile: Gmail refuses the id, read as the label gone.
    let gone = View::Label {
        name: "Gone".into(),
        ids: [(kit.emails[0].clone(), "Label_404".to_string())].into(),
    };
    let error = load_view_page(&client, &gone, None, 50).await.unwrap_err();
    assert!(matches!(error, ListError::LabelGone(_)), "{error:?}");
    assert_eq!(error.cause(), None, "the page words a label gone itself");
}

#[tokio::test]
async fn labels_come_with_colours_nesting_and_the_snooze_label_is_made_once() {
    let kit = volume_kit().await;
    let engine = engine(&kit);
    let mut per_account = Vec::new();
    kit.control.reset_counters().await.unwrap();
    for a in &kit.emails {
        per_account.push((a.clone(), list_labels(&engine.client(a)).await.unwrap()));
    }
    let usage = kit.control.usage(None).await.unwrap();
    assert_eq!(usage.http_requests, 3);
    assert_eq!(usage.quota_units, 3);
    let labels = &per_account[0].1;
    let clients = labels.iter().find(|l| l.name == "Work/Clients").unwrap();
    assert_eq!(clients.kind, LabelKind::User);
    assert_eq!(
        clients.color.as_ref().map(|c| c.background.as_str()),
        Some("#fb4c2f")
    );
    assert!(labels
        .iter()
        .any(|l| l.id == "INBOX" && l.kind == LabelKind::System));

    let refs: Vec<(&str, &[gmux_core::listing::LabelInfo])> = per_account
        .iter()
        .map(|(a, l)| (a.as_str(), l.as_slice()))
        .collect();
    let tree = label_tree(&refs);
    let names: Vec<&str> = tree.iter().map(|n| n.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "Inbox",
            "Starred",
            "Important",
            "Sent",
            "Drafts",
            "Spam",
            "Trash",
            "All Mail",
            "Travel",
            "Work"
        ]
    );
    let work = tree.last().unwrap();
    assert_eq!(work.ids.len(), 3);
    assert_eq!(work.children[0].name, "Clients");
    assert_eq!(work.children[0].kind, NodeKind::User);

    // The snooze label: made on first use, found afterwards, in every account separately.
    let client = engine.client(&kit.emails[0]);
    kit.control.reset_counters().await.unwrap();
    let id = gmux_gmail::triage::ensure_snooze_label(&client)
        .await
        .unwrap();
    let usage = kit.control.usage(None).await.unwrap();
    assert_eq!(usage.calls_of("gmail.users.labels.create"), 1, "{usage:?}");
    assert_eq!(usage.http_requests, 2);
    kit.control.reset_counters().await.unwrap();
    assert_eq!(
        gmux_gmail::triage::ensure_snooze_label(&client)
            .await
            .unwrap(),
        id
    );
    assert_eq!(kit.control.usage(None).await.unwrap().http_requests, 1);
    let with_snooze = list_labels(&client).await.unwrap();
    let tree = label_tree(&[(kit.emails[0].as_str(), &with_snooze)]);
    let gmux = tree.iter().find(|n| n.name == "gmux").unwrap();
    assert_eq!(gmux.kind, NodeKind::Heading);
    assert_eq!(gmux.children[0].ids[&kit.emails[0]], id);
}

/// Where a seeded message is.
#[derive(Clone, Copy, Debug)]
enum Place {
    Inbox,
    Archived,
    Spam,
    Trash,
}

const CATEGORIES: [Option<&str>; 6] = [
    None,
    Some("CATEGORY_PERSONAL"),
    Some("CATEGORY_SOCIAL"),
    Some("CATEGORY_PROMOTIONS"),
    Some("CATEGORY_UPDATES"),
    Some("CATEGORY_FORUMS"),
];

fn labels_of(place: Place, category: Option<&str>, unread: bool) -> Vec<String> {
    let mut l: Vec<String> = match place {
        Place::Inbox => vec!["INBOX".into()],
        Place::Archived => vec![],
        Place::Spam => vec!["SPAM".into()],
        Place::Trash => vec!["TRASH".into()],
    };
    l.extend(category.map(str::to_string));
    if unread {
        l.push("UNREAD".into());
    }
    l
}

/// Gmail's Primary tab, per message: in the inbox and in no other category.
fn primary(labels: &[String]) -> bool {
    let has = |x: &str| labels.iter().any(|l| l == x);
    has("INBOX") && !CATEGORIES[2..].iter().flatten().any(|c| has(c))
}

#[tokio::test]
async fn the_primary_only_unread_count_is_exact_over_every_combination_and_costs_one_request() {
    // Every combination of place, category and read state, one single-message thread each; then threads that
    // mix: two unread Primary messages (one conversation), Social then Primary, read Primary then unread Social.
    let mut threads: Vec<Vec<Vec<String>>> = Vec::new();
    for place in [Place::Inbox, Place::Archived, Place::Spam, Place::Trash] {
        for category in CATEGORIES {
            for unread in [false, true] {
                threads.push(vec![labels_of(place, category, unread)]);
            }
        }
    }
    let inbox = |c: Option<&str>, u: bool| labels_of(Place::Inbox, c, u);
    threads.push(vec![
        inbox(Some("CATEGORY_PERSONAL"), true),
        inbox(Some("CATEGORY_PERSONAL"), true),
    ]);
    threads.push(vec![
        inbox(Some("CATEGORY_SOCIAL"), true),
        inbox(Some("CATEGORY_PERSONAL"), true),
    ]);
    threads.push(vec![
        inbox(Some("CATEGORY_PERSONAL"), false),
        inbox(Some("CATEGORY_SOCIAL"), true),
    ]);
    threads.push(vec![
        labels_of(Place::Archived, Some("CATEGORY_PERSONAL"), true),
        inbox(None, false),
    ]);
    let seeded: Vec<Value> = threads
        .iter()
        .enumerate()
        .map(|(t, messages)| {
            let messages: Vec<Value> = messages
                .iter()
                .enumerate()
                .map(|(m, labels)| {
                    json!({"from": format!("Sender {t} <s{t}@example.com>"), "subject": format!("Thread {t}"),
                           "date": format!("2026-11-{:02}T{:02}:{:02}:00Z", 1 + t / 24, t % 24, m * 10),
                           "text": "x", "labels": labels})
                })
                .collect();
            json!({"messages": messages})
        })
        .collect();
    let kit = start(json!({"accounts": [{"email": "cat@list.example", "threads": seeded}]})).await;
    let engine = SyncEngine::new(kit.env.clone(), kit.tokens.clone(), &kit.base).with_policy(QUICK);
    let client = engine.client(&kit.emails[0]);

    let expected = threads
        .iter()
        .filter(|messages| {
            messages
                .iter()
                .any(|l| primary(l) && l.iter().any(|x| x == "UNREAD"))
        })
        .count() as u64;
    assert_eq!(expected, 4, "the seed itself");

    kit.control.reset_counters().await.unwrap();
    let count = primary_unread(&client).await.unwrap();
    let usage = kit.control.usage(None).await.unwrap();
    assert_eq!(count.threads, expected);
    assert_eq!(count.messages, 5);
    assert!(count.complete);
    assert_eq!(usage.http_requests, 1, "{usage:?}");
    assert_eq!(usage.quota_units, 5, "{usage:?}");

    // labels.get CATEGORY_PERSONAL is cheaper and wrong for the badge: it counts archived, spam and trash mail,
    // and misses inbox mail in no category.
    let personal = client.get_label("CATEGORY_PERSONAL").await.unwrap();
    assert_ne!(personal.threads_unread, expected);
    assert_eq!(personal.threads_unread, 7);

    // Riding in one batch with labels.get INBOX: one request for both counts.
    kit.control.reset_counters().await.unwrap();
    let parts = client
        .batch(&[
            gmux_gmail::batch::BatchCall::get(GmailClient::user_path("labels/INBOX")),
            primary_unread_call(),
        ])
        .await
        .unwrap();
    assert_eq!(kit.control.usage(None).await.unwrap().http_requests, 1);
    assert_eq!(primary_unread_from_part(&parts[1]).unwrap(), count);

    // The category tabs list what the same rule says, and Primary-only over the inbox rows agrees.
    for category in Category::ALL {
        let want = threads
            .iter()
            .filter(|messages| {
                messages.iter().any(|l| match category {
                    Category::Primary => primary(l),
                    c => l.iter().any(|x| x == "INBOX") && l.iter().any(|x| x == c.label_id()),
                })
            })
            .count();
        let (rows, _) = page_through(&client, &View::Category { category }).await;
        assert_eq!(rows.len(), want, "{category:?}");
    }
    let unread_inbox = count_threads(&client, &ListQuery::labels(&["INBOX", "UNREAD"]))
        .await
        .unwrap();
    assert_eq!(
        unread_inbox.threads,
        client.get_label("INBOX").await.unwrap().threads_unread
    );
}

#[tokio::test]
async fn a_sync_counts_primary_only_and_the_categories_in_use_in_the_batch_it_sends_anyway() {
    // Every combination of place, category and read state (as above) in one account; another whose inbox holds
    // only mail in no category, with a Social thread archived.
    let mut threads: Vec<Vec<String>> = Vec::new();
    for place in [Place::Inbox, Place::Archived, Place::Spam, Place::Trash] {
        for category in CATEGORIES {
            for unread in [false, true] {
                threads.push(labels_of(place, category, unread));
            }
        }
    }
    let seeded = |threads: &[Vec<String>]| -> Vec<Value> {
        threads
            .iter()
            .enumerate()
            .map(|(t, labels)| {
                json!({"messages": [{"from": format!("S{t} <s{t}@example.com>"), "subject": format!("Thread {t}"),
                       "date": format!("2026-11-{:02}T{:02}:00:00Z", 1 + t / 24, t % 24), "text": "x",
                       "labels": labels}]})
            })
            .collect()
    };
    let plain = vec![
        labels_of(Place::Inbox, None, true),
        labels_of(Place::Inbox, None, false),
        labels_of(Place::Archived, Some("CATEGORY_SOCIAL"), true),
    ];
    let kit = start(json!({"accounts": [
        {"email": "mix@list.example", "threads": seeded(&threads)},
        {"email": "plain@list.example", "threads": seeded(&plain)},
    ]}))
    .await;
    let engine = SyncEngine::new(kit.env.clone(), kit.tokens.clone(), &kit.base).with_policy(QUICK);
    let mut inboxes = kit.inboxes();
    kit.control.reset_counters().await.unwrap();
    for inbox in &mut inboxes {
        engine.sync_account(inbox).await.unwrap();
    }
    let usage = kit.control.usage(None).await.unwrap();
    assert_eq!(
        usage.http_requests,
        2 * 3,
        "no request beyond a first sync's three: {usage:?}"
    );

    let want_primary = threads
        .iter()
        .filter(|l| primary(l) && l.iter().any(|x| x == "UNREAD"))
        .count() as u64;
    let mix = &inboxes[0].account;
    assert_eq!(mix.primary_unread, Some(want_primary));
    assert_eq!(mix.categories.as_deref(), Some(&Category::ALL[..]));
    let plain_account = &inboxes[1].account;
    assert_eq!(plain_account.primary_unread, Some(1));
    assert_eq!(
        plain_account.categories.as_deref(),
        Some(&[][..]),
        "archived Social mail is no tab"
    );

    // Reading a Primary thread: the count follows in the same request as the INBOX counters.
    let client = engine.client(&kit.emails[0]);
    let unread_primary = inboxes[0]
        .threads
        .iter()
        .find(|r| r.unread && primary(&r.label_ids))
        .expect("an unread Primary row")
        .thread_id
        .clone();
    kit.control.reset_counters().await.unwrap();
    engine
        .apply(
            &mut inboxes[0],
            &unread_primary,
            gmux_core::messages::ThreadAction::MarkRead,
        )
        .await
        .unwrap();
    let usage = kit.control.usage(None).await.unwrap();
    assert_eq!(
        usage.http_requests, 2,
        "the change, then the counts: {usage:?}"
    );
    assert_eq!(inboxes[0].account.primary_unread, Some(want_primary - 1));
    assert_eq!(
        inboxes[0].account.primary_unread.unwrap(),
        primary_unread(&client).await.unwrap().threads
    );
}

#[tokio::test]
async fn the_stored_token_goes_on_right_after_the_stored_rows_without_a_hole() {
    let kit = start(serde_json::to_value(gmux_gmail::testkit::seed(1, 130)).unwrap()).await;
    let engine = SyncEngine::new(kit.env.clone(), kit.tokens.clone(), &kit.base).with_policy(QUICK);
    let client = engine.client(&kit.emails[0]);
    let mut inbox = kit.inboxes().remove(0);
    engine.sync_account(&mut inbox).await.unwrap();
    assert_eq!(inbox.threads.len(), 50);
    assert!(inbox.has_older());
    let token = inbox
        .next_page_token
        .clone()
        .expect("a token after the stored page");

    // An old thread leaves the inbox and comes back while the rows are stored: it stays out of them (it would
    // leave a hole between them and the token), and load more finds it where it belongs.
    let truth_before = truth(&client, &ListQuery::labels(&["INBOX"])).await;
    let old = truth_before[100].clone();
    for (add, remove) in [(vec![], vec!["INBOX"]), (vec!["INBOX"], vec![])] {
        client
            .modify_thread(
                &old,
                &gmux_gmail::api::ModifyRequest {
                    add_label_ids: add.iter().map(|s: &&str| s.to_string()).collect(),
                    remove_label_ids: remove.iter().map(|s: &&str| s.to_string()).collect(),
                },
            )
            .await
            .unwrap();
        engine.sync_account(&mut inbox).await.unwrap();
        assert!(inbox.threads.iter().all(|r| r.thread_id != old));
    }
    assert_eq!(inbox.next_page_token.as_deref(), Some(token.as_str()));

    let mut rows: Vec<String> = inbox.threads.iter().map(|r| r.thread_id.clone()).collect();
    let mut next = Some(token);
    while let Some(t) = next {
        let page = load_page(&client, &ListQuery::labels(&["INBOX"]), Some(&t), 50)
            .await
            .unwrap();
        rows.extend(page.rows.into_iter().map(|r| r.thread_id));
        next = page.next_page_token;
    }
    assert_eq!(rows, truth(&client, &ListQuery::labels(&["INBOX"])).await);
}
