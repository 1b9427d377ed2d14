use super::*;
use crate::inbox::AccountInbox;
use crate::listing::AccountLabelIds;
use crate::settings::AccountSettings;

fn row(account: &str, thread: &str, date_ms: u64, labels: &[&str]) -> ThreadRow {
    ThreadRow {
        account_id: account.into(),
        thread_id: thread.into(),
        date_ms,
        label_ids: labels.iter().map(|s| s.to_string()).collect(),
        unread: labels.contains(&"UNREAD"),
        message_count: 1,
        ..Default::default()
    }
}

/// One account of a test store: `(id, [(thread, date)], inbox total, token)`.
type StoredAccount<'a> = (&'a str, &'a [(&'a str, u64)], u64, Option<&'a str>);

fn store(accounts: &[StoredAccount]) -> InboxStore {
    let mut store = InboxStore::default();
    for (id, rows, total, token) in accounts {
        let mut inbox = AccountInbox::new(id, &format!("{id}@x.org"));
        inbox.threads = rows
            .iter()
            .map(|(t, d)| row(id, t, *d, &["INBOX"]))
            .collect();
        inbox.account.counts.threads_total = *total;
        inbox.next_page_token = token.map(str::to_string);
        store.put_account(inbox);
    }
    store
}

fn keys(rows: &[ThreadRow]) -> String {
    rows.iter()
        .map(|r| format!("{}:{}", r.account_id, r.thread_id))
        .collect::<Vec<_>>()
        .join(" ")
}

/// `account@token` of each fetch (`-` for the first page).
fn asks(fetches: &[Fetch]) -> String {
    fetches
        .iter()
        .map(|f| format!("{}@{}", f.account, f.page_token.as_deref().unwrap_or("-")))
        .collect::<Vec<_>>()
        .join(" ")
}

fn page(account: &str, rows: &[(&str, u64)], next: Option<&str>) -> PageReply {
    PageReply::page(
        rows.iter()
            .map(|(t, d)| row(account, t, *d, &["Label_1"]))
            .collect(),
        next.map(str::to_string),
    )
}

fn fetch_of<'a>(fetches: &'a [Fetch], account: &str) -> &'a Fetch {
    fetches
        .iter()
        .find(|f| f.account == account)
        .unwrap_or_else(|| panic!("no fetch for {account} in {}", asks(fetches)))
}

fn label(pairs: &[(&str, &str)]) -> View {
    let ids: AccountLabelIds = pairs
        .iter()
        .map(|(a, i)| (a.to_string(), i.to_string()))
        .collect();
    View::Label {
        name: "Work/Clients".into(),
        ids,
    }
}

#[test]
fn a_label_asks_each_account_that_has_it_and_scrolling_loads_in_true_order() {
    let s = store(&[
        ("a", &[], 0, None),
        ("b", &[], 0, None),
        ("c", &[], 0, None),
    ]);
    let settings = Settings::default();
    let mut v = ViewSession::default();
    let first = v.open(label(&[("a", "Label_1"), ("b", "Label_7")]), &s, false);
    assert_eq!(asks(&first), "a@- b@-");
    assert!(first.iter().all(|f| !f.fresh));
    assert_eq!(v.progress(&s).len(), 2, "c has no such label");
    assert!(v.is_loading(&s));
    // Nothing shows until every account's first page is in: the first rows on screen are final.
    v.answer(
        fetch_of(&first, "a"),
        page("a", &[("a1", 100), ("a2", 60)], Some("a-2")),
    );
    assert_eq!(keys(&v.rows(&s, &settings)), "");
    v.answer(
        fetch_of(&first, "b"),
        page("b", &[("b1", 90), ("b2", 50)], None),
    );
    // a's line is its oldest row (60): b2 waits below it.
    assert_eq!(keys(&v.rows(&s, &settings)), "a:a1 b:b1");
    let more = v.more(&s);
    assert_eq!(asks(&more), "a@a-2");
    assert_eq!(
        asks(&v.more(&s)),
        "",
        "a page already on its way is not asked twice"
    );
    v.answer(&more[0], page("a", &[("a3", 55), ("a4", 10)], None));
    assert_eq!(
        keys(&v.rows(&s, &settings)),
        "a:a1 b:b1 a:a2 a:a3 b:b2 a:a4"
    );
    assert!(!v.has_more(&s));
    assert_eq!(
        v.progress(&s),
        [
            ("a".to_string(), Progress::Done { more: false }),
            ("b".to_string(), Progress::Done { more: false })
        ]
    );
}

#[test]
fn an_answer_to_an_earlier_view_or_search_changes_nothing() {
    let s = store(&[("a", &[], 0, None), ("b", &[], 0, None)]);
    let settings = Settings::default();
    let mut v = ViewSession::default();
    let work = v.open(label(&[("a", "Label_1"), ("b", "Label_2")]), &s, false);
    let older_search = v.open(
        View::Search {
            query: "from:ann".into(),
        },
        &s,
        false,
    );
    let newer_search = v.open(
        View::Search {
            query: "from:anna".into(),
        },
        &s,
        false,
    );
    // The same search typed again is a new generation too: the first one's answers are stale.
    let again = v.open(
        View::Search {
            query: "from:anna".into(),
        },
        &s,
        false,
    );
    assert_ne!(newer_search[0].generation, again[0].generation);
    for (fetch, reply) in [
        (&work[0], page("a", &[("w", 9)], None)),
        (&older_search[0], page("a", &[("old", 9)], None)),
        (&newer_search[1], page("b", &[("stale", 9)], None)),
    ] {
        assert_eq!(v.answer(fetch, reply), []);
    }
    assert_eq!(keys(&v.rows(&s, &settings)), "");
    // Each account of a search shows as it arrives, a spinner beside those still searching.
    v.answer(&again[1], page("b", &[("b1", 7)], None));
    assert_eq!(keys(&v.rows(&s, &settings)), "b:b1");
    assert_eq!(v.progress(&s)[0], ("a".to_string(), Progress::Loading));
    v.answer(&again[0], page("a", &[("a1", 8)], None));
    assert_eq!(keys(&v.rows(&s, &settings)), "a:a1 b:b1");
    assert!(!v.is_loading(&s));
    // An empty box is the inbox again.
    assert_eq!(v.open(View::Search { query: " ".into() }, &s, false), []);
    assert!(v.is_inbox());
}

#[test]
fn the_inbox_shows_stored_rows_in_true_order_and_loads_older_mail_from_the_stored_token() {
    // a: three stored rows of six, with the token of the page after them; b: everything stored; c: more than
    // stored and no token known (it starts from the first page and merges away what it has).
    let s = store(&[
        ("a", &[("a1", 100), ("a2", 80), ("a3", 60)], 6, Some("a-p2")),
        ("b", &[("b1", 90), ("b2", 20)], 2, None),
        ("c", &[("c1", 70)], 3, None),
    ]);
    let settings = Settings::default();
    let mut v = ViewSession::default();
    // Above c's line (70) and a's (60) only: b2 (20) waits, since a and c have older mail not loaded yet.
    assert_eq!(keys(&v.rows(&s, &settings)), "a:a1 b:b1 a:a2");
    assert!(v.has_more(&s));
    let more = v.more(&s);
    assert_eq!(asks(&more), "a@a-p2 c@-");
    assert!(v.is_loading(&s));
    let inbox_page = |account: &str, rows: &[(&str, u64)], next: Option<&str>| {
        PageReply::page(
            rows.iter()
                .map(|(t, d)| row(account, t, *d, &["INBOX"]))
                .collect(),
            next.map(str::to_string),
        )
    };
    v.answer(
        fetch_of(&more, "c"),
        inbox_page("c", &[("c1", 70), ("c2", 40), ("c3", 30)], None),
    );
    v.answer(
        fetch_of(&more, "a"),
        inbox_page("a", &[("a4", 50), ("a5", 45), ("a6", 10)], None),
    );
    assert_eq!(
        keys(&v.rows(&s, &settings)),
        "a:a1 b:b1 a:a2 c:c1 a:a3 a:a4 a:a5 c:c2 c:c3 b:b2 a:a6"
    );
    assert!(!v.has_more(&s));
    // Older pages stay while another view is shown, and the inbox comes back with them.
    v.open(View::AllMail, &s, false);
    v.open(View::Inbox, &s, false);
    assert_eq!(v.rows(&s, &settings).len(), 11);
    // Refresh starts the older pages over.
    assert_eq!(v.refresh(&s), []);
    assert_eq!(keys(&v.rows(&s, &settings)), "a:a1 b:b1 a:a2");
}

#[test]
fn one_account_alone_is_a_list_of_its_own_and_primary_only_filters_the_inbox() {
    let mut s = store(&[
        ("a", &[("a1", 100), ("a2", 80)], 5, Some("t")),
        ("b", &[("b1", 90), ("b2", 20)], 2, None),
    ]);
    s.account_mut("b").unwrap().threads[0]
        .label_ids
        .push("CATEGORY_SOCIAL".into());
    let mut settings = Settings::default();
    let mut v = ViewSession::default();
    assert_eq!(keys(&v.rows(&s, &settings)), "a:a1 b:b1");
    // b alone: a's line no longer matters.
    assert_eq!(v.set_only(Some("b".into()), &s), []);
    assert_eq!(keys(&v.rows(&s, &settings)), "b:b1 b:b2");
    assert_eq!(v.more(&s), []);
    settings.accounts.insert(
        "b".into(),
        AccountSettings {
            primary_only: true,
            ..Default::default()
        },
    );
    assert_eq!(keys(&v.rows(&s, &settings)), "b:b2");
    // A view opened with one account alone asks only that account.
    let fetches = v.open(View::AllMail, &s, false);
    assert_eq!(asks(&fetches), "b@-");
    // Back to all accounts: the view is asked again for every account.
    assert_eq!(asks(&v.set_only(None, &s)), "a@- b@-");
    // The account shown alone is forgotten when it is removed.
    v.set_only(Some("b".into()), &s);
    s.remove_account("b");
    v.follow_accounts(&s);
    assert_eq!(v.only(), None);
}

#[test]
fn an_expired_page_token_starts_that_account_over_from_its_first_page() {
    let s = store(&[("a", &[("a1", 100)], 4, Some("stale"))]);
    let settings = Settings::default();
    let mut v = ViewSession::default();
    let more = v.more(&s);
    assert_eq!(asks(&more), "a@stale");
    let again = v.answer(
        &more[0],
        PageReply::failed(IntentError::PageTokenExpired, "The list changed in Gmail."),
    );
    assert_eq!(asks(&again), "a@-");
    assert_eq!(v.progress(&s)[0].1, Progress::Loading);
    assert_eq!(
        asks(&v.more(&s)),
        "",
        "the first page is on its way already"
    );
    v.answer(
        &again[0],
        PageReply::page(
            vec![
                row("a", "a1", 100, &["INBOX"]),
                row("a", "a2", 50, &["INBOX"]),
            ],
            Some("fresh".into()),
        ),
    );
    // a2 is the line itself: it shows with the next page, which may hold another row of its date.
    assert_eq!(keys(&v.rows(&s, &settings)), "a:a1");
    assert_eq!(asks(&v.more(&s)), "a@fresh");

    // The same in a list: the account's rows go and its first page is asked again.
    let s = store(&[("a", &[], 0, None), ("b", &[], 0, None)]);
    let first = v.open(View::AllMail, &s, false);
    v.answer(&first[0], page("a", &[("a1", 9), ("a2", 5)], Some("t")));
    v.answer(&first[1], page("b", &[("b1", 8)], None));
    let more = v.more(&s);
    let again = v.answer(
        &more[0],
        PageReply::failed(IntentError::PageTokenExpired, "The list changed in Gmail."),
    );
    assert_eq!(asks(&again), "a@-");
    assert_eq!(v.progress(&s)[0].1, Progress::Loading);
    v.answer(
        &again[0],
        page("a", &[("a1", 9), ("a2", 5), ("a3", 1)], None),
    );
    assert_eq!(keys(&v.rows(&s, &settings)), "a:a1 b:b1 a:a2 a:a3");
}

#[test]
fn a_label_gone_everywhere_goes_back_to_the_inbox_and_one_gone_elsewhere_is_named() {
    let s = store(&[("a", &[("a1", 100)], 1, None), ("b", &[], 0, None)]);
    let settings = Settings::default();
    let gone = || {
        PageReply::failed(
            IntentError::LabelGone,
            "This label no longer exists in Gmail.",
        )
    };
    let mut v = ViewSession::default();
    let first = v.open(label(&[("a", "Label_1"), ("b", "Label_2")]), &s, false);
    v.answer(&first[0], gone());
    assert!(!v.is_inbox());
    v.answer(&first[1], page("b", &[("b1", 3)], None));
    assert_eq!(keys(&v.rows(&s, &settings)), "b:b1");
    assert_eq!(
        v.progress(&s)[0].1,
        Progress::Failed {
            sentence: "This label no longer exists in Gmail.".into()
        }
    );

    let first = v.open(label(&[("a", "Label_1"), ("b", "Label_2")]), &s, false);
    v.answer(&first[0], gone());
    v.answer(&first[1], gone());
    assert!(v.is_inbox());
    assert_eq!(
        v.notice(),
        Some(&ViewNotice::LabelGone {
            name: "Work/Clients".into()
        })
    );
    assert_eq!(keys(&v.rows(&s, &settings)), "a:a1");
    // The next view chosen clears it.
    v.open(View::AllMail, &s, false);
    assert_eq!(v.notice(), None);
}

#[test]
fn a_refused_search_says_gmails_reason_and_a_failing_account_is_named_beside_the_others() {
    let s = store(&[
        ("a", &[], 0, None),
        ("b", &[], 0, None),
        ("c", &[], 0, None),
    ]);
    let settings = Settings::default();
    let mut v = ViewSession::default();
    let query = View::Search {
        query: "from:(".into(),
    };
    let first = v.open(query, &s, false);
    v.answer(
        &first[0],
        PageReply::failed(IntentError::BadQuery, "Invalid query."),
    );
    assert_eq!(
        v.notice(),
        Some(&ViewNotice::SearchRefused {
            reason: "Invalid query.".into()
        })
    );

    let first = v.open(
        View::Search {
            query: "lunch".into(),
        },
        &s,
        false,
    );
    assert_eq!(v.notice(), None);
    v.answer(&first[0], page("a", &[("a1", 5)], None));
    v.answer(
        &first[1],
        PageReply::failed(IntentError::Offline, "Gmail cannot be reached."),
    );
    assert_eq!(keys(&v.rows(&s, &settings)), "a:a1");
    let progress = v.progress(&s);
    assert_eq!(
        progress[1].1,
        Progress::Failed {
            sentence: "Gmail cannot be reached.".into()
        }
    );
    assert_eq!(progress[2].1, Progress::Loading);
}

#[test]
fn an_account_removed_mid_search_leaves_it_and_its_late_answer_is_dropped() {
    let mut s = store(&[("a", &[], 0, None), ("b", &[], 0, None)]);
    let settings = Settings::default();
    let mut v = ViewSession::default();
    let first = v.open(View::Search { query: "x".into() }, &s, false);
    s.remove_account("b");
    v.follow_accounts(&s);
    assert_eq!(v.progress(&s).len(), 1);
    v.answer(&first[1], page("b", &[("b1", 9)], None));
    v.answer(&first[0], page("a", &[("a1", 5)], None));
    assert_eq!(keys(&v.rows(&s, &settings)), "a:a1");
    // The background says so too, when the removal reached it first.
    let s = store(&[("a", &[], 0, None), ("b", &[], 0, None)]);
    let first = v.open(View::Search { query: "y".into() }, &s, false);
    v.answer(
        &first[1],
        PageReply::failed(IntentError::AccountUnknown, "gmux knows no such account."),
    );
    v.answer(&first[0], page("a", &[("a1", 5)], None));
    assert_eq!(v.progress(&s).len(), 1);
    assert!(!v.is_loading(&s));
}

#[test]
fn an_action_shows_at_once_in_the_view_and_a_refusal_puts_the_row_back() {
    let s = store(&[("a", &[("a1", 100)], 3, Some("t")), ("b", &[], 0, None)]);
    let settings = Settings::default();
    let mut v = ViewSession::default();
    let social = View::Category {
        category: Category::Social,
    };
    let first = v.open(social, &s, false);
    let social_row = |t: &str, d: u64| row("a", t, d, &["CATEGORY_SOCIAL", "INBOX", "UNREAD"]);
    v.answer(
        &first[0],
        PageReply::page(vec![social_row("s1", 9), social_row("s2", 8)], None),
    );
    v.answer(&first[1], PageReply::page(Vec::new(), None));
    let s1 = v.row(&s, "a", "s1").unwrap();
    // Archiving takes it out of the tab; reading keeps it, read.
    let undo = v.act(&s, &s1, ThreadAction::Archive).unwrap();
    assert_eq!(keys(&v.rows(&s, &settings)), "a:s2");
    v.undo(undo);
    assert_eq!(keys(&v.rows(&s, &settings)), "a:s1 a:s2");
    v.act(&s, &s1, ThreadAction::MarkRead).unwrap();
    assert!(!v.row(&s, "a", "s1").unwrap().unread);
    // An undo for a view no longer shown changes nothing.
    let undo = v
        .act(&s, &v.row(&s, "a", "s2").unwrap(), ThreadAction::Trash)
        .unwrap();
    v.open(View::AllMail, &s, false);
    v.undo(undo);
    assert_eq!(keys(&v.rows(&s, &settings)), "");

    // The inbox: a stored row is the background's to change; an older one is the page's.
    v.open(View::Inbox, &s, false);
    assert_eq!(
        v.act(&s, &v.row(&s, "a", "a1").unwrap(), ThreadAction::Archive),
        None
    );
    let more = v.more(&s);
    v.answer(
        &more[0],
        PageReply::page(vec![row("a", "a0", 50, &["INBOX"])], None),
    );
    assert_eq!(keys(&v.rows(&s, &settings)), "a:a1 a:a0");
    let undo = v
        .act(&s, &v.row(&s, "a", "a0").unwrap(), ThreadAction::Archive)
        .unwrap();
    assert_eq!(keys(&v.rows(&s, &settings)), "a:a1");
    v.undo(undo);
    assert_eq!(keys(&v.rows(&s, &settings)), "a:a1 a:a0");
}

#[test]
fn refresh_asks_past_the_backgrounds_memory_and_views_have_names() {
    let s = store(&[("a", &[], 0, None)]);
    let mut v = ViewSession::default();
    v.open(View::AllMail, &s, false);
    let again = v.refresh(&s);
    assert_eq!(asks(&again), "a@-");
    assert!(again[0].fresh);
    assert_eq!(
        again[0].intent(),
        Intent::ListPage {
            account: "a".into(),
            view: View::AllMail,
            page_token: None,
            fresh: true
        }
    );
    let cases = [
        (View::Inbox, "Inbox", "No conversations in Inbox."),
        (
            View::Category {
                category: Category::Promotions,
            },
            "Promotions",
            "Nothing in Promotions.",
        ),
        (
            label(&[("a", "Label_1")]),
            "Work \u{203a} Clients",
            "No conversations in Work \u{203a} Clients.",
        ),
        (View::AllMail, "All Mail", "No conversations in All Mail."),
        (
            View::Search {
                query: " is:starred ".into(),
            },
            "Results for \u{201c}is:starred\u{201d}",
            "No conversations match \u{201c}is:starred\u{201d}.",
        ),
    ];
    for (view, title, empty) in cases {
        assert_eq!(view_title(&view), title);
        assert_eq!(empty_view_text(&view), empty);
    }
    assert_eq!(tab_of(&View::Inbox), Some(None));
    assert_eq!(tab_of(&View::AllMail), None);
}

#[test]
fn replies_read_the_wire_shapes() {
    let reply: PageReply = serde_json::from_value(serde_json::json!({
        "ok": false, "error": "Gmail cannot run this search: Invalid query.", "code": "bad_query"
    }))
    .unwrap();
    assert_eq!(reply.code, Some(IntentError::BadQuery));
    assert!(reply.rows.is_empty());
    let ok = PageReply::page(vec![row("a", "t", 1, &[])], Some("n".into()));
    let back: PageReply = serde_json::from_value(serde_json::to_value(&ok).unwrap()).unwrap();
    assert_eq!(back, ok);
    let work = LabelInfo {
        id: "Label_1".into(),
        name: "Work".into(),
        kind: crate::listing::LabelKind::User,
        color: None,
        threads_total: None,
        threads_unread: None,
    };
    let failed = LabelsFailure {
        email: "b@x.org".into(),
        sentence: "Gmail cannot be reached.".into(),
    };
    let reply = labels_reply(&[("a", &[work][..])], vec![failed.clone()]);
    let paths: Vec<&str> = reply.entries.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(paths, ["ALL_MAIL", "Work"]);
    let back: LabelsReply = serde_json::from_value(serde_json::to_value(&reply).unwrap()).unwrap();
    assert_eq!(back, reply);
    assert_eq!(back.failures, [failed]);
}

/// Mark all read's question belongs to the list it was asked on: another view, or one account instead of all
/// (or all instead of one), is another list.
#[test]
fn mark_all_reads_question_is_about_one_list() {
    let search = |query: &str| View::Search {
        query: query.to_string(),
    };
    let question = |view: View, only: Option<&str>| MarkAllQuestion {
        question: "Mark 312 conversations in Work as read?".to_string(),
        view,
        only: only.map(str::to_string),
    };
    // (asked on, account alone, shown now, account alone now, still about the list shown)
    let cases = [
        (search("L1"), None, search("L1"), None, true),
        (search("L1"), Some("ann"), search("L1"), Some("ann"), true),
        (search("L1"), Some("ann"), search("L1"), None, false),
        (search("L1"), None, search("L1"), Some("ann"), false),
        (search("L1"), Some("ann"), search("L1"), Some("bob"), false),
        (search("L1"), None, search("L2"), None, false),
        (search("L1"), None, View::Inbox, None, false),
        (View::AllMail, None, View::AllMail, None, true),
    ];
    for (asked, alone, shown, alone_now, expected) in cases {
        assert_eq!(
            question(asked.clone(), alone).is_about(&shown, alone_now),
            expected,
            "{asked:?} {alone:?} / {shown:?} {alone_now:?}"
        );
    }
}
