use super::*;

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

/// `a:t1 b:t2 ...` of rows, for compact expectations.
fn keys(rows: &[&ThreadRow]) -> String {
    rows.iter()
        .map(|r| format!("{}:{}", r.account_id, r.thread_id))
        .collect::<Vec<_>>()
        .join(" ")
}

fn ids(pairs: &[(&str, &str)]) -> AccountLabelIds {
    pairs
        .iter()
        .map(|(a, i)| (a.to_string(), i.to_string()))
        .collect()
}

#[test]
fn each_view_lists_with_the_query_gmail_needs() {
    let work = View::Label {
        name: "Work".into(),
        ids: ids(&[("a", "Label_3"), ("b", "Label_12")]),
    };
    let q = |labels: &[&str], q: Option<&str>| {
        Some(ListQuery {
            label_ids: labels.iter().map(|s| s.to_string()).collect(),
            q: q.map(str::to_string),
            include_spam_trash: false,
        })
    };
    let cases = [
        (View::Inbox, "a", q(&["INBOX"], None)),
        (
            View::Category {
                category: Category::Primary,
            },
            "a",
            q(&["INBOX"], Some(NOT_IN_OTHER_CATEGORIES)),
        ),
        (
            View::Category {
                category: Category::Promotions,
            },
            "a",
            q(&["INBOX", "CATEGORY_PROMOTIONS"], None),
        ),
        (work.clone(), "a", q(&["Label_3"], None)),
        (work.clone(), "b", q(&["Label_12"], None)),
        (work, "c", None),
        (View::AllMail, "a", q(&[], None)),
        (
            View::Search {
                query: "  from:ann has:attachment ".into(),
            },
            "a",
            q(&[], Some("from:ann has:attachment")),
        ),
    ];
    for (view, account, want) in cases {
        assert_eq!(view.query(account), want, "{view:?} for {account}");
    }
    assert_eq!(
        primary_unread_query(),
        ListQuery {
            label_ids: vec!["INBOX".into(), "UNREAD".into()],
            q: Some(NOT_IN_OTHER_CATEGORIES.into()),
            include_spam_trash: false
        }
    );
    assert_eq!(
        ListQuery::labels(&["Label_3"]).unread().unread().label_ids,
        ["Label_3", "UNREAD"]
    );
}

#[test]
fn views_say_which_rows_an_action_leaves_in_them() {
    let spam = View::Label {
        name: "Spam".into(),
        ids: ids(&[("a", "SPAM")]),
    };
    let work = View::Label {
        name: "Work".into(),
        ids: ids(&[("a", "Label_3")]),
    };
    let primary = View::Category {
        category: Category::Primary,
    };
    let social = View::Category {
        category: Category::Social,
    };
    let cases: [(&View, &[&str], bool); 14] = [
        (&View::Inbox, &["INBOX"], true),
        (&View::Inbox, &["UNREAD"], false),
        (&primary, &["INBOX"], true),
        (&primary, &["INBOX", "CATEGORY_PERSONAL"], true),
        (&primary, &["INBOX", "CATEGORY_SOCIAL"], false),
        (&primary, &["CATEGORY_PERSONAL"], false),
        (&social, &["INBOX", "CATEGORY_SOCIAL"], true),
        (&work, &["Label_3"], true),
        (&work, &["Label_3", "TRASH"], false),
        (&work, &["INBOX"], false),
        (&spam, &["SPAM"], true),
        (&View::AllMail, &["Label_3"], true),
        (&View::AllMail, &["TRASH"], false),
        (&View::Search { query: "x".into() }, &["TRASH"], true),
    ];
    for (view, labels, want) in cases {
        assert_eq!(
            view.keeps(&row("a", "t", 1, labels)),
            want,
            "{view:?} {labels:?}"
        );
    }
}

/// One step of a paging scenario, and what the list shows after it.
enum Step {
    Page(&'static str, Vec<(&'static str, u64)>, bool),
    Begin(&'static str),
    Fail(&'static str),
    Restart(&'static str),
    Remove(&'static str),
}

fn run(first: FirstPages, steps: Vec<(Step, &str, &str)>) {
    let mut list = MergedList::new(&["a", "b", "c"], first);
    for (i, (step, visible, to_load)) in steps.into_iter().enumerate() {
        match step {
            Step::Page(account, rows, more) => {
                let rows = rows
                    .into_iter()
                    .map(|(t, d)| row(account, t, d, &["INBOX"]))
                    .collect();
                let token = more.then(|| format!("{account}-{i}"));
                assert!(list.add_page(account, rows, token));
            }
            Step::Begin(account) => {
                assert!(list.begin_next_page(account).is_some(), "step {i}");
                assert_eq!(list.begin_next_page(account), None, "step {i}: twice");
            }
            Step::Fail(account) => list.fail(account, "offline", "Gmail cannot be reached."),
            Step::Restart(account) => list.restart(account),
            Step::Remove(account) => list.remove_account(account),
        }
        assert_eq!(
            keys(&list.visible_rows()),
            visible,
            "visible after step {i}"
        );
        assert_eq!(
            list.accounts_to_load(1).join(" "),
            to_load,
            "to load after step {i}"
        );
    }
}

#[test]
fn rows_show_only_above_the_oldest_row_of_every_account_with_more_pages() {
    use Step::*;
    run(
        FirstPages::Wait,
        vec![
            // Nothing shows, and nothing more loads, while an account's first page is missing.
            (
                Page("a", vec![("a1", 100), ("a2", 90), ("a3", 80)], true),
                "",
                "",
            ),
            (Page("b", vec![("b1", 95), ("b2", 50)], true), "", ""),
            // The line is a's oldest row (80): a3 itself waits, b2 is below it.
            (
                Page("c", vec![("c1", 85)], false),
                "a:a1 b:b1 a:a2 c:c1",
                "a",
            ),
            // a's next page is on its way: a still holds the line, b has a row waiting.
            (Begin("a"), "a:a1 b:b1 a:a2 c:c1", ""),
            // a2 again (Gmail listed it twice): once. The line moves to b's 50.
            (
                Page("a", vec![("a2", 90), ("a4", 70), ("a5", 40)], true),
                "a:a1 b:b1 a:a2 c:c1 a:a3 a:a4",
                "b",
            ),
            (
                Page("b", vec![("b3", 45)], false),
                "a:a1 b:b1 a:a2 c:c1 a:a3 a:a4 b:b2 b:b3",
                "a",
            ),
            (
                Page("a", vec![("a6", 10)], false),
                "a:a1 b:b1 a:a2 c:c1 a:a3 a:a4 b:b2 b:b3 a:a5 a:a6",
                "",
            ),
        ],
    );
}

#[test]
fn a_failed_or_removed_account_stops_holding_the_others_back() {
    use Step::*;
    run(
        FirstPages::Wait,
        vec![
            (Page("a", vec![("a1", 100), ("a2", 10)], false), "", ""),
            (Page("b", vec![("b1", 90)], true), "", ""),
            // c never answers: its failure is named and the others show.
            (Fail("c"), "a:a1", "b"),
            (Begin("b"), "a:a1", ""),
            (Fail("b"), "a:a1 b:b1 a:a2", ""),
            (Remove("b"), "a:a1 a:a2", ""),
        ],
    );
}

#[test]
fn search_results_show_as_they_come_and_an_expired_token_starts_over() {
    use Step::*;
    run(
        FirstPages::AsTheyCome,
        vec![
            (
                Page("b", vec![("b1", 90), ("b2", 20)], false),
                "b:b1 b:b2",
                "",
            ),
            (
                Page("a", vec![("a1", 100), ("a2", 50)], true),
                "a:a1 b:b1",
                "a",
            ),
            // An empty page that still claims more: nothing can be placed until it sends rows.
            (Page("c", vec![], true), "", "c"),
            (Page("c", vec![("c1", 60)], false), "a:a1 b:b1 c:c1", "a"),
            (Restart("a"), "b:b1 c:c1 b:b2", ""),
            (
                Page("a", vec![("a1", 100), ("a2", 50), ("a3", 5)], false),
                "a:a1 b:b1 c:c1 a:a2 b:b2 a:a3",
                "",
            ),
        ],
    );
}

/// A deterministic pseudo-random number (splitmix64).
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[test]
fn loading_more_until_the_end_shows_every_thread_once_and_always_a_prefix_of_the_true_order() {
    for seed in 0..40u64 {
        let accounts = ["a", "b", "c"];
        // Each account's whole list, newest first, as Gmail would page it.
        let mut all: BTreeMap<&str, Vec<ThreadRow>> = BTreeMap::new();
        for (n, a) in accounts.iter().enumerate() {
            let count = (mix(seed * 7 + n as u64) % 40) as usize;
            let mut rows: Vec<ThreadRow> = (0..count)
                .map(|i| {
                    let date = mix(seed ^ (n as u64 * 1000 + i as u64)) % 500;
                    row(a, &format!("{a}{i}"), date, &["INBOX"])
                })
                .collect();
            sort_newest_first(&mut rows);
            all.insert(a, rows);
        }
        let mut truth: Vec<ThreadRow> = all.values().flatten().cloned().collect();
        sort_newest_first(&mut truth);
        let truth: Vec<RowKey> = truth.iter().map(key).collect();

        let page = 1 + (seed % 7) as usize;
        let mut list = MergedList::new(&accounts, FirstPages::Wait);
        let mut offsets: BTreeMap<&str, usize> = BTreeMap::new();
        let mut deliver = |list: &mut MergedList, a: &'static str| {
            let start = *offsets.get(a).unwrap_or(&0);
            let rows = &all[a];
            let end = (start + page).min(rows.len());
            // Gmail may repeat the row before the page (a thread that moved): dedupe must hold.
            let from = start.saturating_sub((seed % 2) as usize);
            offsets.insert(a, end);
            let more = end < rows.len();
            list.add_page(
                a,
                rows[from..end].to_vec(),
                more.then(|| format!("{a}{end}")),
            );
        };
        for a in accounts {
            deliver(&mut list, a);
        }
        let mut rounds = 0;
        loop {
            let shown: Vec<RowKey> = list.visible_rows().into_iter().map(key).collect();
            assert_eq!(shown[..], truth[..shown.len()], "seed {seed}: not a prefix");
            let next: Vec<String> = list
                .accounts_to_load(3)
                .into_iter()
                .map(str::to_string)
                .collect();
            if next.is_empty() {
                break;
            }
            for a in next {
                let a = accounts.into_iter().find(|x| **x == a).unwrap_or("a");
                list.begin_next_page(a);
                deliver(&mut list, a);
            }
            rounds += 1;
            assert!(rounds < 200, "seed {seed}: load more never ends");
        }
        assert!(list.is_complete(), "seed {seed}");
        let shown: Vec<RowKey> = list.visible_rows().into_iter().map(key).collect();
        assert_eq!(shown, truth, "seed {seed}: every thread once, in order");
    }
}

#[test]
fn rows_of_other_accounts_or_unknown_accounts_are_not_taken() {
    let mut list = MergedList::new(&["a", "a", "b"], FirstPages::AsTheyCome);
    assert_eq!(list.account_ids(), ["a", "b"]);
    assert!(!list.add_page("z", vec![row("z", "t", 1, &[])], None));
    assert!(list.add_page(
        "a",
        vec![row("b", "t", 1, &[]), row("a", "t", 2, &[])],
        None
    ));
    assert_eq!(keys(&list.visible_rows()), "a:t");
}

#[test]
fn an_action_takes_a_row_out_of_the_view_and_a_rollback_puts_it_back_in_place() {
    let mut list = MergedList::new(&["a"], FirstPages::Wait);
    list.add_page(
        "a",
        vec![
            row("a", "t1", 30, &["INBOX", "UNREAD"]),
            row("a", "t2", 20, &["INBOX"]),
            row("a", "t3", 10, &["INBOX"]),
        ],
        None,
    );
    let archived = row("a", "t2", 20, &[]);
    let previous = list.replace_row(&View::Inbox, archived).unwrap();
    assert_eq!(keys(&list.visible_rows()), "a:t1 a:t3");
    list.restore_row(previous);
    assert_eq!(keys(&list.visible_rows()), "a:t1 a:t2 a:t3");
    let read = row("a", "t1", 30, &["INBOX"]);
    list.replace_row(&View::Inbox, read);
    assert!(!list.row(&("a".into(), "t1".into())).unwrap().unread);
    assert_eq!(list.replace_row(&View::Inbox, row("a", "zz", 1, &[])), None);
    assert_eq!(list.keys().len(), 3);
}

#[test]
fn a_late_answer_of_an_older_search_is_dropped() {
    let mut search = Search::default();
    let first = search.start("from:ann", &["a", "b"]);
    let second = search.start(" from:anna ", &["a", "b"]);
    assert_eq!(search.query(), "from:anna");
    assert_eq!(
        search.view(),
        View::Search {
            query: "from:anna".into()
        }
    );
    assert!(!search.accept_page(first, "a", vec![row("a", "old", 9, &[])], None));
    assert!(!search.accept_failure(first, "b", "offline", "old failure"));
    assert!(search.list().visible_rows().is_empty());
    assert_eq!(
        search.progress(),
        [
            ("a", AccountSearch::Searching),
            ("b", AccountSearch::Searching)
        ]
    );

    assert!(search.accept_page(
        second,
        "a",
        vec![row("a", "new", 9, &[]), row("a", "older", 5, &[])],
        Some("t".into())
    ));
    assert!(search.accept_failure(second, "b", "offline", "Gmail cannot be reached."));
    assert!(!search.accept_failure(second, "zz", "offline", "not in this search"));
    assert_eq!(keys(&search.list().visible_rows()), "a:new");
    assert_eq!(
        search.progress(),
        [
            ("a", AccountSearch::Done { more: true }),
            (
                "b",
                AccountSearch::Failed {
                    sentence: "Gmail cannot be reached.".into()
                }
            )
        ]
    );
    assert_eq!(
        search.list().failures(),
        [("b", "Gmail cannot be reached.")]
    );
    assert_eq!(search.list_mut().begin_next_page("a").as_deref(), Some("t"));
    assert_eq!(search.progress()[0].1, AccountSearch::Searching);
}

#[derive(Debug)]
enum Key {
    Type(&'static str, u64),
    Poll(u64),
    Enter,
}

#[test]
fn typing_sends_at_most_one_search_per_pause() {
    use Key::*;
    // (event, what is sent)
    let cases: Vec<(Key, Option<&str>)> = vec![
        (Type("f", 0), None),
        (Poll(100), None),
        (Type("fr", 120), None),
        (Type("fro", 250), None),
        (Poll(549), None),
        (Poll(550), Some("fro")),
        // The same pause polled again sends nothing more.
        (Poll(900), None),
        // Typing and going back to the same text: no second identical search.
        (Type("from", 1000), None),
        (Type("fro ", 1100), None),
        (Poll(1400), None),
        (Type("from:ann", 2000), None),
        (Enter, Some("from:ann")),
        (Poll(2400), None),
        // Clearing the box sends nothing; typing the old query again after that searches again.
        (Type("", 3000), None),
        (Poll(3300), None),
        (Type("from:ann", 4000), None),
        (Poll(4300), Some("from:ann")),
    ];
    let mut d = Debounce::default();
    for (i, (key, want)) in cases.into_iter().enumerate() {
        let got = match key {
            Type(text, at) => {
                d.input(text, at);
                assert_eq!(d.due_at(), Some(at + SEARCH_DEBOUNCE_MS));
                None
            }
            Poll(at) => d.poll(at),
            Enter => d.flush(),
        };
        assert_eq!(got.as_deref(), want, "event {i}");
    }
    assert_eq!(d.due_at(), None);
}

#[test]
fn recent_searches_are_bounded_deduped_newest_first_and_clearable() {
    let mut r = RecentSearches::default();
    for q in ["from:ann", " is:unread ", "", "FROM:ANN", "x"] {
        r.add(q);
    }
    assert_eq!(r.items, ["x", "FROM:ANN", "is:unread"]);
    assert_eq!(r.matching("f"), ["FROM:ANN"]);
    assert_eq!(r.matching("From"), ["FROM:ANN"]);
    assert_eq!(r.matching(""), ["x", "FROM:ANN", "is:unread"]);
    r.add(&"y".repeat(MAX_RECENT_SEARCH_CHARS + 1));
    assert_eq!(r.items.len(), 3);
    for i in 0..20 {
        r.add(&format!("q{i}"));
    }
    assert_eq!(r.items.len(), MAX_RECENT_SEARCHES);
    assert_eq!(r.items[0], "q19");
    r.remove("Q19");
    assert_eq!(r.items[0], "q18");
    let json = serde_json::to_value(&r).unwrap();
    assert_eq!(serde_json::from_value::<RecentSearches>(json).unwrap(), r);
    r.clear();
    assert!(r.items.is_empty());
    assert_eq!(
        serde_json::from_value::<RecentSearches>(serde_json::json!({})).unwrap(),
        r
    );
}

#[test]
fn category_tabs_are_those_any_account_uses() {
    let check = |rows: &[&[&str]], want: &[Category]| {
        let rows: Vec<ThreadRow> = rows.iter().map(|l| row("a", "t", 1, l)).collect();
        assert_eq!(category_tabs(&categories_in_use(&rows)), want, "{rows:?}");
    };
    use Category::*;
    check(&[], &[]);
    check(&[&["INBOX"], &["INBOX", "CATEGORY_PERSONAL"]], &[]);
    // Archived mail does not make a tab.
    check(&[&["INBOX"], &["CATEGORY_SOCIAL"]], &[]);
    check(
        &[&["INBOX", "CATEGORY_FORUMS"], &["INBOX", "CATEGORY_SOCIAL"]],
        &[Primary, Social, Forums],
    );
    check(
        &[
            &["INBOX", "CATEGORY_UPDATES"],
            &["INBOX", "CATEGORY_PROMOTIONS"],
            &["INBOX"],
        ],
        &[Primary, Promotions, Updates],
    );
    for c in Category::ALL {
        assert_eq!(Category::from_label_id(c.label_id()), Some(c));
    }
    assert_eq!(Category::from_label_id("INBOX"), None);
    assert_eq!(Category::Primary.search_word(), "primary");
    assert_eq!(Category::Forums.name(), "Forums");
}

#[test]
fn primary_only_changes_the_badge_count_and_the_rows_of_that_account_only() {
    let mut p = PrimaryOnly::default();
    p.accounts.insert("a".into());
    assert_eq!(p.unread("a", 10, Some(3)), 3);
    assert_eq!(p.unread("a", 10, None), 10);
    assert_eq!(p.unread("b", 10, Some(3)), 10);
    assert!(p.shows(&row("a", "t", 1, &["INBOX"])));
    assert!(!p.shows(&row("a", "t", 1, &["INBOX", "CATEGORY_SOCIAL"])));
    assert!(p.shows(&row("b", "t", 1, &["INBOX", "CATEGORY_SOCIAL"])));
    assert_eq!(distinct_threads(["t1", "t2", "t1"]), 2);
}

fn label(id: &str, name: &str, color: Option<(&str, &str)>, unread: Option<u64>) -> LabelInfo {
    LabelInfo {
        id: id.into(),
        name: name.into(),
        kind: if id.starts_with("Label_") {
            LabelKind::User
        } else {
            LabelKind::System
        },
        color: color.and_then(|(t, b)| LabelColor::checked(t, b)),
        threads_total: None,
        threads_unread: unread,
    }
}

/// The tree as indented lines: `name (path) kind ids colour unread`.
fn render(nodes: &[LabelNode]) -> String {
    let mut out = String::new();
    walk(nodes, 0, &mut |depth, n| {
        let ids: Vec<String> = n.ids.iter().map(|(a, i)| format!("{a}={i}")).collect();
        out.push_str(&format!(
            "{}{} {:?} [{}]{}{}\n",
            "  ".repeat(depth),
            n.name,
            n.kind,
            ids.join(","),
            n.color
                .as_ref()
                .map(|c| format!(" {}/{}", c.text, c.background))
                .unwrap_or_default(),
            n.threads_unread
                .map(|u| format!(" {u}"))
                .unwrap_or_default(),
        ));
    });
    out
}

#[test]
fn the_picker_lists_system_labels_in_gmails_order_then_user_labels_as_a_merged_tree() {
    let a = [
        label("CATEGORY_SOCIAL", "CATEGORY_SOCIAL", None, None),
        label("TRASH", "TRASH", None, None),
        label("INBOX", "INBOX", None, Some(4)),
        label("UNREAD", "UNREAD", None, None),
        label("SENT", "SENT", None, None),
        label("STARRED", "STARRED", None, None),
        label(
            "Label_1",
            "Work/Clients",
            Some(("#FFFFFF", "#fb4c2f")),
            Some(2),
        ),
        label("Label_2", "travel", None, None),
        label("Label_3", "Work", Some(("#000000", "#16a765")), None),
        label("Label_4", "Work/Clients/Acme", None, None),
        label("Label_5", "/", None, None),
    ];
    let b = [
        label("INBOX", "INBOX", None, Some(1)),
        label("SPAM", "SPAM", None, None),
        label("DRAFT", "DRAFT", None, None),
        label("IMPORTANT", "IMPORTANT", None, None),
        label("Label_7", "Travel", Some(("red", "#ffffff")), Some(5)),
        label(
            "Label_8",
            "work/clients",
            Some(("#111111", "#222222")),
            Some(1),
        ),
        label("Label_9", "Archive/2024", None, None),
    ];
    let tree = label_tree(&[("a", &a), ("b", &b)]);
    assert_eq!(
        render(&tree),
        "\
Inbox System [a=INBOX,b=INBOX] 5
Starred System [a=STARRED]
Important System [b=IMPORTANT]
Sent System [a=SENT]
Drafts System [b=DRAFT]
Spam System [b=SPAM]
Trash System [a=TRASH]
All Mail AllMail [a=,b=]
Archive Heading []
  2024 User [b=Label_9]
travel User [a=Label_2,b=Label_7] 5
Work User [a=Label_3] #000000/#16a765
  Clients User [a=Label_1,b=Label_8] #ffffff/#fb4c2f 3
    Acme User [a=Label_4]
"
    );
    assert_eq!(
        tree[0].view(),
        Some(View::Label {
            name: "Inbox".into(),
            ids: ids(&[("a", "INBOX"), ("b", "INBOX")])
        })
    );
    assert_eq!(tree[7].view(), Some(View::AllMail));
    assert_eq!(tree[8].view(), None);
    let clients = &tree[10].children[0];
    assert_eq!(
        clients.view(),
        Some(View::Label {
            name: "Work/Clients".into(),
            ids: ids(&[("a", "Label_1"), ("b", "Label_8")])
        })
    );

    // One account's own tree.
    let only_b = label_tree(&[("b", &b)]);
    assert_eq!(
        render(&only_b).lines().next(),
        Some("Inbox System [b=INBOX] 1")
    );
    assert!(label_tree(&[]).is_empty());

    // Type-ahead: every word, any case, headings skipped, depth kept.
    let names = |typed: &str| -> Vec<(usize, String)> {
        filter_labels(&tree, typed)
            .into_iter()
            .map(|(d, n)| (d, n.path.clone()))
            .collect()
    };
    assert_eq!(
        names("cli"),
        [(1, "Work/Clients".into()), (2, "Work/Clients/Acme".into())]
    );
    assert_eq!(names("work acme"), [(2, "Work/Clients/Acme".into())]);
    assert_eq!(names("archive"), [(1, "Archive/2024".into())]);
    assert_eq!(names("SPA"), [(0, "SPAM".into())]);
    assert_eq!(filter_labels(&tree, "").len(), 13);
}

#[test]
fn the_pickers_lines_are_the_tree_flat_and_filter_like_the_tree() {
    let a = [
        label("STARRED", "STARRED", None, None),
        label("Label_1", "Work", Some(("#ffffff", "#4a86e8")), None),
        label("Label_2", "Work/Clients", None, None),
        label("Label_3", "Ärzte/Termine", None, None),
    ];
    let tree = label_tree(&[("a", &a[..])]);
    let lines = picker_entries(&tree);
    let shown: Vec<(u32, &str, NodeKind)> = lines
        .iter()
        .map(|l| (l.depth, l.path.as_str(), l.kind))
        .collect();
    assert_eq!(
        shown,
        [
            (0, "STARRED", NodeKind::System),
            (0, "ALL_MAIL", NodeKind::AllMail),
            (0, "Work", NodeKind::User),
            (1, "Work/Clients", NodeKind::User),
            (0, "Ärzte", NodeKind::Heading),
            (1, "Ärzte/Termine", NodeKind::User),
        ]
    );
    assert_eq!(lines[1].view(), Some(View::AllMail), "All Mail is no label");
    assert_eq!(
        lines[3].view(),
        Some(View::Label {
            name: "Work/Clients".into(),
            ids: ids(&[("a", "Label_2")])
        })
    );
    assert_eq!(
        lines[0].view(),
        Some(View::Label {
            name: "Starred".into(),
            ids: ids(&[("a", "STARRED")])
        })
    );
    assert_eq!(lines[4].view(), None);
    assert!(lines[2].color.is_some());
    // The type-ahead finds what filter_labels finds (a capital non-ASCII letter typed finds it as written).
    for typed in [
        "work cli",
        "WORK",
        "ärzte",
        "Ärzte termine",
        "star",
        "",
        "zz",
    ] {
        let from_lines: Vec<&str> = lines
            .iter()
            .filter(|l| l.matches(typed))
            .map(|l| l.path.as_str())
            .collect();
        let from_tree: Vec<&str> = filter_labels(&tree, typed)
            .into_iter()
            .map(|(_, n)| n.path.as_str())
            .collect();
        assert_eq!(from_lines, from_tree, "{typed:?}");
    }
}

#[test]
fn one_account_alone_sees_its_own_lines_and_the_headings_above_them() {
    let a = [
        label("INBOX", "INBOX", None, None),
        label("Label_1", "Work/Clients", None, None),
        label("Label_2", "Home", None, None),
    ];
    let b = [
        label("INBOX", "INBOX", None, None),
        label("Label_7", "Work/Clients", None, None),
        label("Label_8", "Trips/2024", None, None),
    ];
    let lines = picker_entries(&label_tree(&[("a", &a[..]), ("b", &b[..])]));
    let paths = |only: Option<&str>| -> Vec<&str> {
        lines_of_account(&lines, only)
            .into_iter()
            .map(|i| lines[i].path.as_str())
            .collect()
    };
    assert_eq!(
        paths(None),
        [
            "INBOX",
            "ALL_MAIL",
            "Home",
            "Trips",
            "Trips/2024",
            "Work",
            "Work/Clients"
        ]
    );
    assert_eq!(
        paths(Some("a")),
        ["INBOX", "ALL_MAIL", "Home", "Work", "Work/Clients"]
    );
    assert_eq!(
        paths(Some("b")),
        [
            "INBOX",
            "ALL_MAIL",
            "Trips",
            "Trips/2024",
            "Work",
            "Work/Clients"
        ]
    );
    // Chosen with one account alone, a line still names every account's label: all accounts can come back.
    let clients = &lines[lines.len() - 1];
    assert_eq!(
        clients.view(),
        Some(View::Label {
            name: "Work/Clients".into(),
            ids: ids(&[("a", "Label_1"), ("b", "Label_7")])
        })
    );
}
