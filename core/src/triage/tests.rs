use super::*;
use crate::reply::Cause;

fn v(labels: &[&str]) -> Vec<String> {
    labels.iter().map(|s| s.to_string()).collect()
}

fn ids(pairs: &[(&str, &str)]) -> AccountLabelIds {
    pairs
        .iter()
        .map(|(a, i)| (a.to_string(), i.to_string()))
        .collect()
}

fn thread(account: &str, id: &str, labels: &[&str]) -> ThreadState {
    ThreadState {
        account_id: account.into(),
        thread_id: id.into(),
        label_ids: v(labels),
        messages: Vec::new(),
    }
}

fn with_messages(mut t: ThreadState, messages: &[(&str, &[&str])]) -> ThreadState {
    t.messages = messages
        .iter()
        .map(|(id, l)| MessageLabels {
            id: id.to_string(),
            label_ids: v(l),
        })
        .collect();
    t
}

fn modify(thread_id: &str, add: &[&str], remove: &[&str]) -> GmailCall {
    GmailCall::ModifyThread {
        thread_id: thread_id.into(),
        change: LabelChange::new(add, remove),
    }
}

fn messages(ids: &[&str], add: &[&str], remove: &[&str]) -> GmailCall {
    GmailCall::ModifyMessages {
        ids: v(ids),
        change: LabelChange::new(add, remove),
    }
}

fn move_to_work() -> TriageAction {
    TriageAction::Move {
        to: ids(&[("a", "Label_1"), ("b", "Label_9")]),
        from: None,
    }
}

#[test]
fn each_action_changes_the_labels_as_gmail_will_and_its_undo_restores_them() {
    let snooze = TriageAction::Snooze {
        label: ids(&[("a", "Label_7")]),
    };
    let from_work = TriageAction::Move {
        to: ids(&[("a", "Label_2")]),
        from: Some(ids(&[("a", "Label_1")])),
    };
    // (action, labels before, labels after, the undo's calls)
    type Case = (
        TriageAction,
        &'static [&'static str],
        &'static [&'static str],
        Vec<GmailCall>,
    );
    let cases: Vec<Case> = vec![
        (
            TriageAction::Archive,
            &["INBOX", "UNREAD"],
            &["UNREAD"],
            vec![modify("t", &["INBOX"], &[])],
        ),
        (
            TriageAction::MarkRead,
            &["INBOX", "UNREAD"],
            &["INBOX"],
            vec![modify("t", &["UNREAD"], &[])],
        ),
        (
            TriageAction::MarkUnread,
            &["INBOX"],
            &["INBOX", "UNREAD"],
            vec![modify("t", &[], &["UNREAD"])],
        ),
        (
            TriageAction::Star,
            &["INBOX"],
            &["INBOX", "STARRED"],
            vec![modify("t", &[], &["STARRED"])],
        ),
        (
            TriageAction::Unstar,
            &["STARRED"],
            &[],
            vec![modify("t", &["STARRED"], &[])],
        ),
        (
            TriageAction::Spam,
            &["CATEGORY_SOCIAL", "INBOX"],
            &["CATEGORY_SOCIAL", "SPAM"],
            vec![modify("t", &["INBOX"], &["SPAM"])],
        ),
        (
            TriageAction::NotSpam,
            &["SPAM"],
            &["INBOX"],
            vec![modify("t", &["SPAM"], &["INBOX"])],
        ),
        (
            TriageAction::Trash,
            &["INBOX", "UNREAD"],
            &["TRASH", "UNREAD"],
            vec![GmailCall::UntrashThread {
                thread_id: "t".into(),
            }],
        ),
        (
            move_to_work(),
            &["INBOX"],
            &["Label_1"],
            vec![modify("t", &["INBOX"], &["Label_1"])],
        ),
        (
            from_work,
            &["Label_1"],
            &["Label_2"],
            vec![modify("t", &["Label_1"], &["Label_2"])],
        ),
        (
            snooze,
            &["INBOX", "UNREAD"],
            &["Label_7", "UNREAD"],
            vec![modify("t", &["INBOX"], &["Label_7"])],
        ),
    ];
    for (action, before, after, undo) in cases {
        let p = plan(&action, &[thread("a", "t", before)]);
        assert_eq!(p.predicted.len(), 1, "{action:?}");
        assert_eq!(p.predicted[0].label_ids, v(after), "{action:?}");
        assert_eq!(p.accounts.len(), 1);
        assert_eq!(
            p.undo.restore_plan(),
            vec![AccountCalls {
                account_id: "a".into(),
                calls: undo
            }],
            "{action:?}"
        );
        assert_eq!(p.undo.sentence, action.done_sentence(1));
    }
}

#[test]
fn a_bulk_plan_groups_per_account_skips_what_needs_nothing_and_refuses_what_cannot_apply() {
    let selection = [
        thread("a", "a1", &["INBOX", "UNREAD"]),
        thread("b", "b1", &["INBOX"]),
        thread("a", "a2", &["INBOX"]),
        thread("a", "a1", &["INBOX", "UNREAD"]),
        thread("c", "c1", &["INBOX"]),
        // Already in Work: nothing to move.
        thread("b", "b2", &["Label_9"]),
    ];
    let p = plan(&move_to_work(), &selection);
    assert_eq!(
        p.accounts,
        vec![
            AccountCalls {
                account_id: "a".into(),
                calls: vec![
                    modify("a1", &["Label_1"], &["INBOX"]),
                    modify("a2", &["Label_1"], &["INBOX"])
                ]
            },
            AccountCalls {
                account_id: "b".into(),
                calls: vec![modify("b1", &["Label_9"], &["INBOX"])]
            },
        ]
    );
    assert_eq!(
        p.refused,
        [Refusal {
            account_id: "c".into(),
            thread_id: "c1".into(),
            why: TriageError::NoSuchLabel,
        }]
    );
    assert_eq!(p.undo.threads.len(), 3);
    assert_eq!(p.undo.sentence, "Moved 3 conversations.");

    let same = TriageAction::Move {
        to: ids(&[("a", "Label_1")]),
        from: Some(ids(&[("a", "Label_1")])),
    };
    assert_eq!(same.step("a"), Err(TriageError::AlreadyThere));
    assert_eq!(
        TriageAction::from(ThreadAction::Archive),
        TriageAction::Archive
    );
    assert_eq!(
        TriageAction::MarkRead.done_sentence(2),
        "Marked as read: 2 conversations."
    );
}

#[test]
fn with_each_messages_labels_known_an_undo_restores_every_message_exactly_in_one_call_per_account()
{
    // Thread x has one's own reply (SENT only); archiving takes INBOX off every message, undo puts it back only
    // where it was. Thread y's first message was read, its second unread.
    let selection = [
        with_messages(
            thread("a", "x", &["INBOX", "SENT", "UNREAD"]),
            &[("x1", &["INBOX", "UNREAD"]), ("x2", &["SENT"])],
        ),
        with_messages(
            thread("a", "y", &["INBOX", "UNREAD"]),
            &[("y1", &["INBOX"]), ("y2", &["INBOX", "UNREAD"])],
        ),
        thread("b", "z", &["INBOX"]),
    ];
    let p = plan(&TriageAction::Archive, &selection);
    assert_eq!(
        p.undo.restore_plan(),
        vec![
            AccountCalls {
                account_id: "a".into(),
                calls: vec![messages(&["x1", "y1", "y2"], &["INBOX"], &[])]
            },
            AccountCalls {
                account_id: "b".into(),
                calls: vec![modify("z", &["INBOX"], &[])]
            },
        ]
    );
    let p = plan(&TriageAction::MarkRead, &selection[1..2]);
    assert_eq!(
        p.undo.restore_plan(),
        vec![AccountCalls {
            account_id: "a".into(),
            calls: vec![messages(&["y2"], &["UNREAD"], &[])]
        }]
    );
    // Starring a thread one message of which is starred still stars the others (Gmail's button does).
    let half = with_messages(
        thread("a", "h", &["STARRED"]),
        &[("h1", &["STARRED"]), ("h2", &[])],
    );
    let p = plan(&TriageAction::Star, &[half]);
    assert_eq!(p.accounts[0].calls, [modify("h", &["STARRED"], &[])]);
    assert_eq!(
        p.undo.restore_plan()[0].calls,
        [messages(&["h2"], &[], &["STARRED"])]
    );
    // Without message labels the same thread needs nothing: its row already shows a star.
    assert!(plan(&TriageAction::Star, &[thread("a", "h", &["STARRED"])])
        .accounts
        .is_empty());
}

#[test]
fn an_undo_touches_only_the_labels_the_action_changed() {
    let p = plan(
        &TriageAction::Archive,
        &[thread("a", "t", &["INBOX", "STARRED", "UNREAD"])],
    );
    // Meanwhile someone read it and unstarred it elsewhere: Gmail's answer says so.
    let outcomes = BTreeMap::from([(
        ("a".to_string(), "t".to_string()),
        CallOutcome::Done {
            labels: Some(v(&["CATEGORY_UPDATES"])),
        },
    )]);
    let settled = settle(&p, &outcomes);
    assert_eq!(settled.changed[0].label_ids, v(&["CATEGORY_UPDATES"]));
    assert_eq!(
        settled.undo.restore_plan()[0].calls,
        [modify("t", &["INBOX"], &[])]
    );
    // SENT and DRAFT are never put back or taken off (Gmail refuses both).
    assert_eq!(
        LabelChange::restoring(
            &v(&["SENT", "INBOX"]),
            &v(&["DRAFT"]),
            &["SENT", "DRAFT", "INBOX"]
                .iter()
                .map(|s| s.to_string())
                .collect()
        ),
        LabelChange::new(&["INBOX"], &[])
    );
}

#[test]
fn undoing_a_trash_untrashes_then_puts_back_only_what_untrash_did_not() {
    let selection = [
        thread("a", "t1", &["INBOX", "UNREAD"]),
        with_messages(
            thread("a", "t2", &["INBOX", "SENT"]),
            &[("m1", &["INBOX"]), ("m2", &["SENT"])],
        ),
        thread("a", "t3", &["Label_1"]),
    ];
    let p = plan(&TriageAction::Trash, &selection);
    assert_eq!(
        p.accounts[0].calls,
        [
            GmailCall::TrashThread {
                thread_id: "t1".into()
            },
            GmailCall::TrashThread {
                thread_id: "t2".into()
            },
            GmailCall::TrashThread {
                thread_id: "t3".into()
            },
        ]
    );
    assert_eq!(p.undo.restore_plan()[0].calls.len(), 3);
    let answer = |labels: &[&str], msgs: &[(&str, &[&str])]| UntrashAnswer {
        labels: v(labels),
        messages: msgs
            .iter()
            .map(|(id, l)| MessageLabels {
                id: id.to_string(),
                label_ids: v(l),
            })
            .collect(),
    };
    let k = |t: &str| ("a".to_string(), t.to_string());
    // Untrash that restores the inbox (the emulator's, and Gmail's web app's): nothing more to send.
    let restored = BTreeMap::from([
        (k("t1"), answer(&["INBOX", "UNREAD"], &[])),
        (
            k("t2"),
            answer(&["INBOX", "SENT"], &[("m1", &["INBOX"]), ("m2", &["SENT"])]),
        ),
        (k("t3"), answer(&["Label_1"], &[])),
    ]);
    assert!(p.undo.after_untrash(&restored).is_empty());
    // Untrash that only takes TRASH off: INBOX goes back where it was.
    let bare = BTreeMap::from([
        (k("t1"), answer(&["UNREAD"], &[])),
        (
            k("t2"),
            answer(&["SENT"], &[("m1", &[]), ("m2", &["SENT"])]),
        ),
        (k("t3"), answer(&["Label_1"], &[])),
    ]);
    assert_eq!(
        p.undo.after_untrash(&bare),
        vec![AccountCalls {
            account_id: "a".into(),
            calls: vec![
                modify("t1", &["INBOX"], &[]),
                messages(&["m1"], &["INBOX"], &[])
            ]
        }]
    );
}

#[test]
fn settling_restores_only_the_failed_rows_and_names_each_failing_account() {
    let selection: Vec<ThreadState> = ["a", "b", "c"]
        .iter()
        .flat_map(|acct| (0..40).map(move |i| thread(acct, &format!("{acct}{i}"), &["INBOX"])))
        .collect();
    let p = plan(&TriageAction::Archive, &selection);
    assert_eq!(p.accounts.len(), 3);
    assert!(p.accounts.iter().all(|a| a.calls.len() == 40));
    let mut outcomes = BTreeMap::new();
    for t in &selection {
        let outcome = match (t.account_id.as_str(), t.thread_id.as_str()) {
            // b's batch failed as a whole (a 500 that outlasted the retries).
            ("b", _) => CallOutcome::Failed {
                code: "gmail_busy".into(),
                cause: busy(),
            },
            // One thread of c was deleted meanwhile; another got no answer at all.
            ("c", "c7") => CallOutcome::Failed {
                code: "not_found".into(),
                cause: Cause::NotFound,
            },
            ("c", "c8") => continue,
            _ => CallOutcome::Done { labels: None },
        };
        outcomes.insert((t.account_id.clone(), t.thread_id.clone()), outcome);
    }
    let s = settle(&p, &outcomes);
    assert_eq!(s.restore.len(), 42);
    assert!(s.restore.iter().filter(|k| k.0 == "b").count() == 40);
    assert!(
        s.restore.contains(&("c".into(), "c7".into()))
            && s.restore.contains(&("c".into(), "c8".into()))
    );
    assert_eq!(s.changed.len(), 78);
    assert_eq!(s.undo.threads.len(), 78);
    assert_eq!(s.undo.sentence, "Archived 78 conversations.");
    assert_eq!(
        s.failures
            .iter()
            .map(|f| (f.account_id.as_str(), f.failed, f.code.as_str()))
            .collect::<Vec<_>>(),
        [("b", 40, "gmail_busy"), ("c", 2, "not_found")]
    );
    // The first failure met names the account's cause; a conversation without an answer has none.
    assert_eq!(
        s.failures
            .iter()
            .map(|f| f.cause.clone())
            .collect::<Vec<_>>(),
        [Some(busy()), Some(Cause::NotFound)]
    );
    assert_eq!(
        failure_sentence("b@example.com", &s.failures[0]),
        "b@example.com: 40 conversations not changed."
    );
    // The undo of what did change: one batch of 40 for a, 38 for c, nothing for b.
    let undo = s.undo.restore_plan();
    assert_eq!(
        undo.iter()
            .map(|a| (a.account_id.as_str(), a.calls.len()))
            .collect::<Vec<_>>(),
        [("a", 40), ("c", 38)]
    );
}

#[test]
fn mark_all_read_asks_above_fifty_and_its_undo_marks_exactly_those_messages_unread() {
    for (n, ask) in [(0, false), (50, false), (51, true), (300, true)] {
        assert_eq!(mark_all_read_needs_confirmation(n), ask, "{n}");
    }
    assert_eq!(
        mark_all_read_question(312, "Work"),
        "Mark 312 conversations in Work as read?"
    );
    assert_eq!(
        mark_all_read_question(1, "Inbox"),
        "Mark 1 conversation in Inbox as read?"
    );
    let ids: Vec<String> = (0..1500).map(|i| format!("m{i:04}")).collect();
    let (sentence, undo) =
        mark_all_read_done(&[("a".into(), ids.clone()), ("b".into(), vec![])], 300);
    assert_eq!(sentence, "Marked 300 conversations as read.");
    let plan = undo.restore_plan();
    assert_eq!(plan.len(), 1);
    assert_eq!(
        plan[0].calls,
        [
            GmailCall::ModifyMessages {
                ids: ids[..1000].to_vec(),
                change: LabelChange::new(&["UNREAD"], &[])
            },
            GmailCall::ModifyMessages {
                ids: ids[1000..].to_vec(),
                change: LabelChange::new(&["UNREAD"], &[])
            },
        ]
    );
    assert_eq!(mark_all_read_done(&[], 0).0, "Nothing was unread.");
}

/// Unix ms of a UTC wall-clock time.
fn utc(y: i64, m: i64, d: i64, h: i64, mi: i64) -> u64 {
    from_local_time(y, m, d, h, mi, 0).unwrap()
}

#[test]
fn snooze_times_follow_the_stated_rules_in_the_users_time_zone() {
    use SnoozeChoice::*;
    // 2026-11-18 is a Wednesday.
    let cases: Vec<(SnoozeChoice, u64, i32, Result<u64, SnoozeError>)> = vec![
        // Later today: three hours on, rounded up to the hour.
        (
            LaterToday,
            utc(2026, 11, 18, 9, 0),
            0,
            Ok(utc(2026, 11, 18, 12, 0)),
        ),
        (
            LaterToday,
            utc(2026, 11, 18, 9, 1),
            0,
            Ok(utc(2026, 11, 18, 13, 0)),
        ),
        (
            LaterToday,
            utc(2026, 11, 18, 18, 0),
            0,
            Ok(utc(2026, 11, 18, 21, 0)),
        ),
        (
            LaterToday,
            utc(2026, 11, 18, 18, 30),
            0,
            Err(SnoozeError::TooLateToday),
        ),
        // 17:30 UTC is 18:30 in UTC+1: too late there.
        (
            LaterToday,
            utc(2026, 11, 18, 17, 30),
            60,
            Err(SnoozeError::TooLateToday),
        ),
        // 09:15 in New York (UTC-5) is 14:15 UTC; 12:15 + rounding = 13:00 local = 18:00 UTC.
        (
            LaterToday,
            utc(2026, 11, 18, 14, 15),
            -300,
            Ok(utc(2026, 11, 18, 18, 0)),
        ),
        // Tomorrow morning: 08:00 local the next day; after midnight but before 05:00, this morning.
        (
            TomorrowMorning,
            utc(2026, 11, 18, 22, 0),
            0,
            Ok(utc(2026, 11, 19, 8, 0)),
        ),
        (
            TomorrowMorning,
            utc(2026, 11, 19, 1, 0),
            0,
            Ok(utc(2026, 11, 19, 8, 0)),
        ),
        (
            TomorrowMorning,
            utc(2026, 11, 19, 5, 0),
            0,
            Ok(utc(2026, 11, 20, 8, 0)),
        ),
        // 23:00 UTC on the 18th is 01:00 on the 19th in UTC+2: 08:00 there is 06:00 UTC on the 19th.
        (
            TomorrowMorning,
            utc(2026, 11, 18, 23, 0),
            120,
            Ok(utc(2026, 11, 19, 6, 0)),
        ),
        // 20:00 on the 18th in UTC-8 is 04:00 UTC on the 19th: tomorrow (the 19th) 08:00 local is 16:00 UTC.
        (
            TomorrowMorning,
            utc(2026, 11, 19, 4, 0),
            -480,
            Ok(utc(2026, 11, 19, 16, 0)),
        ),
        // Next week: the coming Monday, 08:00; on a Monday, the Monday after.
        (
            NextWeek,
            utc(2026, 11, 18, 10, 0),
            0,
            Ok(utc(2026, 11, 23, 8, 0)),
        ),
        (
            NextWeek,
            utc(2026, 11, 22, 23, 0),
            0,
            Ok(utc(2026, 11, 23, 8, 0)),
        ),
        (
            NextWeek,
            utc(2026, 11, 23, 7, 0),
            0,
            Ok(utc(2026, 11, 30, 8, 0)),
        ),
        // Sunday 23:30 UTC is Monday 01:30 in UTC+2: a week on.
        (
            NextWeek,
            utc(2026, 11, 22, 23, 30),
            120,
            Ok(utc(2026, 11, 30, 6, 0)),
        ),
        (
            NextWeek,
            utc(2026, 12, 31, 12, 0),
            0,
            Ok(utc(2027, 1, 4, 8, 0)),
        ),
        // A chosen time: a minute ahead at least, a year at most.
        (
            At {
                ms: utc(2026, 11, 18, 10, 1),
            },
            utc(2026, 11, 18, 10, 0),
            0,
            Ok(utc(2026, 11, 18, 10, 1)),
        ),
        (
            At {
                ms: utc(2026, 11, 18, 10, 0) + 30_000,
            },
            utc(2026, 11, 18, 10, 0),
            0,
            Err(SnoozeError::InThePast),
        ),
        (
            At {
                ms: utc(2026, 11, 18, 9, 0),
            },
            utc(2026, 11, 18, 10, 0),
            0,
            Err(SnoozeError::InThePast),
        ),
        (
            At {
                ms: utc(2027, 12, 1, 0, 0),
            },
            utc(2026, 11, 18, 10, 0),
            0,
            Err(SnoozeError::TooFar),
        ),
    ];
    for (choice, now, offset, want) in cases {
        assert_eq!(
            snooze_time(choice, now, offset),
            want,
            "{choice:?} at {:?} offset {offset}",
            local_time(now, 0)
        );
    }
    let menu = snooze_menu(utc(2026, 11, 18, 20, 0), 0);
    assert_eq!(
        menu.iter().map(|(c, _)| *c).collect::<Vec<_>>(),
        [TomorrowMorning, NextWeek]
    );
    assert_eq!(snooze_menu(utc(2026, 11, 18, 9, 0), 0).len(), 3);
    assert_eq!(
        local_time(utc(2026, 11, 18, 23, 30), 90),
        (2026, 11, 19, 1, 0)
    );
    assert_eq!(from_local_time(2026, 13, 1, 0, 0, 0), None);
}

#[test]
fn the_snooze_list_survives_restarts_is_bounded_and_says_what_is_due() {
    let mut list = SnoozeList::new("a");
    list.add(&thread("a", "t1", &["INBOX", "UNREAD"]), 3_000)
        .unwrap();
    list.add(&thread("a", "t2", &["Label_1"]), 1_000).unwrap();
    list.add(&thread("a", "t3", &["INBOX"]), 2_000).unwrap();
    // Snoozing again moves the time, keeps what to restore.
    list.add(&thread("a", "t1", &["Label_7"]), 5_000).unwrap();
    assert_eq!(list.next_due(), Some(1_000));
    assert_eq!(
        list.entries
            .iter()
            .find(|e| e.thread_id == "t1")
            .map(|e| e.restore_label_ids.clone()),
        Some(v(&["INBOX"]))
    );
    // The browser was closed from 0 until 2,500: both passed snoozes are due at once.
    let due: Vec<&str> = list
        .due(2_500)
        .iter()
        .map(|e| e.thread_id.as_str())
        .collect();
    assert_eq!(due, ["t2", "t3"]);
    assert!(list.due(999).is_empty());

    let json = serde_json::to_value(&list).unwrap();
    let back: SnoozeList = serde_json::from_value(json).unwrap();
    assert_eq!(back, list);

    let woken = list.remove("t3").unwrap();
    assert_eq!(
        wake_change(&woken, "Label_7"),
        LabelChange::new(&["INBOX", "UNREAD"], &["Label_7"])
    );
    assert_eq!(
        unsnooze_change(&woken, "Label_7"),
        LabelChange::new(&["INBOX"], &["Label_7"])
    );
    let t2 = list.entries.iter().find(|e| e.thread_id == "t2").unwrap();
    assert_eq!(
        unsnooze_change(t2, "Label_7"),
        LabelChange::new(&[], &["Label_7"])
    );
    assert_eq!(list.remove("nope"), None);

    let mut other = SnoozeList::new("b");
    assert_eq!(
        next_snooze_alarm(&[list.clone(), other.clone()]),
        Some(1_000)
    );
    for i in 0..MAX_SNOOZES_PER_ACCOUNT {
        other
            .add(
                &thread("b", &format!("t{i}"), &["INBOX"]),
                10_000 + i as u64,
            )
            .unwrap();
    }
    assert_eq!(
        other.add(&thread("b", "one-more", &["INBOX"]), 1),
        Err(SnoozeError::Full)
    );
    assert_eq!(other.add(&thread("b", "t5", &["INBOX"]), 1), Ok(()));
    assert_eq!(next_snooze_alarm(&[list, other]), Some(1));
    assert_eq!(next_snooze_alarm(&[]), None);
}

fn tab(id: i64, url: &str, title: &str) -> BrowserTab {
    BrowserTab {
        id,
        window_id: 1,
        url: url.into(),
        title: title.into(),
    }
}

#[test]
fn the_open_gmail_tab_of_the_account_is_found_by_its_url_or_its_title() {
    let tabs = [
        tab(
            1,
            "https://example.com/ada@example.com",
            "ada@example.com - example",
        ),
        tab(
            2,
            "https://mail.google.com/mail/u/0/#inbox",
            "Inbox (3) - bob@example.com - Gmail",
        ),
        tab(
            3,
            "https://mail.google.com/mail/u/1/#inbox",
            "Inbox (12) - ada@example.com - Gmail",
        ),
        tab(
            4,
            "https://mail.google.com/mail/u/?authuser=cy%40example.com#inbox",
            "Gmail",
        ),
        tab(
            5,
            "https://mail.google.com/mail/u/dee@example.com/#starred",
            "",
        ),
        tab(
            6,
            "https://mail.google.com/chat/u/0/",
            "Chat - eve@example.com",
        ),
        tab(
            7,
            "https://MAIL.google.com/mail/u/2/",
            "Inbox - xfi@example.com - Gmail",
        ),
    ];
    let cases = [
        ("ada@example.com", Some(3)),
        ("ADA@example.com", Some(3)),
        ("bob@example.com", Some(2)),
        ("cy@example.com", Some(4)),
        ("dee@example.com", Some(5)),
        // Gmail Chat is not the mail view; a longer address is not this one.
        ("eve@example.com", None),
        ("fi@example.com", None),
        ("xfi@example.com", Some(7)),
        ("", None),
    ];
    for (email, want) in cases {
        assert_eq!(gmail_tab_for(&tabs, email).map(|t| t.id), want, "{email}");
    }
}

#[test]
fn an_open_gmail_tab_is_sent_to_the_thread_by_its_fragment_only() {
    let cases: [(&str, &[&str], Option<&str>); 6] = [
        (
            "https://mail.google.com/mail/u/1/#inbox",
            &["INBOX"],
            Some("https://mail.google.com/mail/u/1/#inbox/18c2f0a1b2c3d4e5"),
        ),
        (
            "https://mail.google.com/mail/u/1/?ogbl#label/Work/FMfcgz",
            &["Label_1"],
            Some("https://mail.google.com/mail/u/1/?ogbl#all/18c2f0a1b2c3d4e5"),
        ),
        (
            "https://mail.google.com/mail/u/0/",
            &["SPAM"],
            Some("https://mail.google.com/mail/u/0/#spam/18c2f0a1b2c3d4e5"),
        ),
        (
            "https://mail.google.com/mail/u/?authuser=a@x.com",
            &["TRASH", "INBOX"],
            Some("https://mail.google.com/mail/u/?authuser=a@x.com#trash/18c2f0a1b2c3d4e5"),
        ),
        ("https://evil.example/mail/u/0/", &["INBOX"], None),
        ("http://mail.google.com/mail/u/0/", &["INBOX"], None),
    ];
    for (url, labels, want) in cases {
        assert_eq!(
            thread_url_in_tab(url, "18c2f0a1b2c3d4e5", &v(labels)).as_deref(),
            want,
            "{url}"
        );
    }
    assert_eq!(
        thread_url_in_tab("https://mail.google.com/mail/u/0/", "a/../b", &[]),
        None
    );
    assert_eq!(percent_decode("a%40b%2x%4"), "a@b%2x%4");
    assert_eq!(percent_decode("%E2%9C%93é"), "✓é");
}

fn key(a: &str, t: &str) -> (String, String) {
    (a.to_string(), t.to_string())
}

#[test]
fn triage_keys_are_gmails_and_star_starts_a_chord() {
    // (key, after a star, expected)
    let cases = [
        ("z", false, Some(TriageKey::Undo)),
        ("!", false, Some(TriageKey::Spam)),
        ("x", false, Some(TriageKey::Select)),
        ("v", false, Some(TriageKey::Move)),
        ("*", false, Some(TriageKey::Chord)),
        ("b", false, Some(TriageKey::Snooze)),
        ("a", true, Some(TriageKey::SelectAll)),
        ("n", true, Some(TriageKey::SelectNone)),
        ("a", false, None),
        ("n", false, None),
        ("z", true, Some(TriageKey::Undo)),
        ("e", false, None),
        ("Z", false, None),
    ];
    for (k, star, want) in cases {
        assert_eq!(triage_key(k, star), want, "{k} after star {star}");
    }
}

#[test]
fn a_selection_toggles_ranges_from_its_anchor_and_keeps_only_rows_shown() {
    let order: Vec<(String, String)> = ["1", "2", "3", "4", "5"]
        .iter()
        .map(|t| key(if *t < "3" { "a" } else { "b" }, t))
        .collect();
    let mut s = Selection::default();
    s.toggle(order[1].clone());
    assert_eq!(s.in_order(&order), vec![order[1].clone()]);
    // Shift-click downwards from the anchor, then upwards from the new one.
    s.range(&order, order[3].clone());
    assert_eq!(s.in_order(&order), order[1..=3].to_vec());
    s.range(&order, order[0].clone());
    assert_eq!(s.in_order(&order), order[0..=3].to_vec());
    // x again unselects.
    s.toggle(order[2].clone());
    assert!(!s.contains("b", "3"));
    assert_eq!(s.len(), 3);
    // A range without an anchor in the list toggles the row alone.
    let mut fresh = Selection::default();
    fresh.range(&order, order[4].clone());
    assert_eq!(fresh.in_order(&order), vec![order[4].clone()]);
    // Rows no longer shown leave the selection, the anchor with them.
    s.retain_shown(&order[1..]);
    assert_eq!(s.in_order(&order), vec![order[1].clone(), order[3].clone()]);
    s.all(&order);
    assert_eq!(s.len(), 5);
    s.clear();
    assert!(s.is_empty());
}

#[test]
fn toggles_on_a_selection_mark_read_or_star_when_any_row_lacks_it() {
    let row = |unread: bool, starred: bool| ThreadRow {
        unread,
        starred,
        ..Default::default()
    };
    let cases = [
        (
            vec![row(false, false), row(true, false)],
            TriageAction::MarkRead,
            TriageAction::Star,
        ),
        (
            vec![row(false, true)],
            TriageAction::MarkUnread,
            TriageAction::Unstar,
        ),
        (
            vec![row(true, true), row(false, true)],
            TriageAction::MarkRead,
            TriageAction::Unstar,
        ),
    ];
    for (rows, read, star) in cases {
        assert_eq!(read_toggle_of(&rows), read);
        assert_eq!(star_toggle_of(&rows), star);
    }
}

#[test]
fn a_triage_reply_names_each_failing_account_and_the_rows_to_put_back() {
    let p = plan(
        &TriageAction::Archive,
        &[
            thread("a", "1", &["INBOX"]),
            thread("b", "2", &["INBOX"]),
            thread("b", "3", &["INBOX"]),
        ],
    );
    let mut outcomes = BTreeMap::new();
    outcomes.insert(key("a", "1"), CallOutcome::Done { labels: None });
    for t in ["2", "3"] {
        outcomes.insert(
            key("b", t),
            CallOutcome::Failed {
                code: "gmail_busy".into(),
                cause: busy(),
            },
        );
    }
    let settled = settle(&p, &outcomes);
    let refused = [Refusal {
        account_id: "c".into(),
        thread_id: "9".into(),
        why: TriageError::NoSuchLabel,
    }];
    let reply = TriageReply::of_settled(&settled, &refused, |a| format!("{a}@x.test"));
    assert!(!reply.ok);
    assert!(reply.undo);
    assert_eq!(reply.sentence, "Archived 1 conversation.");
    assert_eq!(
        reply.failures,
        vec![
            "b@x.test: 2 conversations not changed.".to_string(),
            "c@x.test: 1 conversation not changed. This account has no such label.".to_string(),
        ]
    );
    assert_eq!(
        reply.restore,
        vec![key("b", "2"), key("b", "3"), key("c", "9")]
    );

    // Nothing changed: no toast, no Undo.
    let none = settle(&p, &BTreeMap::new());
    let reply = TriageReply::of_settled(&none, &[], |a| a.to_string());
    assert!(!reply.undo && reply.sentence.is_empty() && reply.restore.len() == 3);
    assert_eq!(undone_sentence(0), "Nothing to undo.");
    assert_eq!(
        undone_sentence(1),
        "Undone: the conversation is back as it was."
    );
    assert_eq!(
        undone_sentence(2),
        "Undone: 2 conversations are back as they were."
    );
}

#[test]
fn the_snoozes_of_every_account_say_when_each_comes_back_and_when_the_alarm_fires() {
    let mut s = Snoozes::default();
    s.list_mut("a")
        .add(&thread("a", "1", &["INBOX"]), 5_000)
        .unwrap();
    s.list_mut("b")
        .add(&thread("b", "2", &["INBOX"]), 3_000)
        .unwrap();
    s.list_mut("a")
        .add(&thread("a", "3", &["INBOX"]), 9_000)
        .unwrap();
    assert_eq!(s.accounts.len(), 2);
    assert_eq!(s.until("a", "3"), Some(9_000));
    assert_eq!(s.until("a", "2"), None);
    assert_eq!(s.next_alarm(), Some(3_000));
    assert_eq!(
        s.due_accounts(5_000),
        vec!["a".to_string(), "b".to_string()]
    );
    assert_eq!(s.due_accounts(4_000), vec!["b".to_string()]);
    s.retain_accounts(&["a".to_string()]);
    assert_eq!(s.next_alarm(), Some(5_000));
    // It survives a restart as JSON.
    let back: Snoozes = serde_json::from_value(serde_json::to_value(&s).unwrap()).unwrap();
    assert_eq!(back, s);
}

fn check_form(ms: u64, now: u64, tz: i32, want: SnoozeForm) {
    assert_eq!(
        snooze_form(ms, now, tz),
        want,
        "{ms} at {now}, UTC{tz:+} min"
    );
}

#[test]
fn a_snoozes_form_follows_the_local_day_across_midnight_and_offsets() {
    use SnoozeForm::*;
    let now = utc(2026, 3, 5, 10, 0);
    // UTC: the last minute of today, midnight, the last minute of tomorrow, the day after.
    check_form(utc(2026, 3, 5, 23, 59), now, 0, Today);
    check_form(utc(2026, 3, 6, 0, 0), now, 0, Tomorrow);
    check_form(utc(2026, 3, 6, 23, 59), now, 0, Tomorrow);
    check_form(utc(2026, 3, 7, 0, 0), now, 0, Later);
    check_form(utc(2026, 3, 12, 8, 0), now, 0, Later);
    // A time already past today is still today; yesterday is another day.
    check_form(utc(2026, 3, 5, 0, 0), now, 0, Today);
    check_form(utc(2026, 3, 4, 23, 59), now, 0, Later);
    // UTC+2: 21:59 UTC is 23:59 today, 22:00 UTC is local midnight, tomorrow.
    check_form(utc(2026, 3, 5, 21, 59), now, 120, Today);
    check_form(utc(2026, 3, 5, 22, 0), now, 120, Tomorrow);
    check_form(utc(2026, 3, 6, 22, 0), now, 120, Later);
    // UTC-5: now is 05:00 local; 04:59 UTC on the 6th is 23:59 local on the 5th, 05:00 UTC is midnight.
    check_form(utc(2026, 3, 6, 4, 59), now, -300, Today);
    check_form(utc(2026, 3, 6, 5, 0), now, -300, Tomorrow);
    check_form(utc(2026, 3, 7, 4, 59), now, -300, Tomorrow);
    check_form(utc(2026, 3, 7, 5, 0), now, -300, Later);
    // Now just before local midnight: a minute later is tomorrow.
    let late = utc(2026, 3, 5, 4, 59); // 23:59 on the 4th in UTC-5
    check_form(utc(2026, 3, 5, 5, 0), late, -300, Tomorrow);
    check_form(utc(2026, 3, 5, 4, 59), late, -300, Today);
}

#[test]
fn a_snoozes_time_reads_as_today_tomorrow_or_a_date() {
    let now = utc(2026, 3, 5, 10, 0); // a Thursday
    let cases = [
        (utc(2026, 3, 5, 18, 0), 0, "18:00"),
        (utc(2026, 3, 6, 8, 0), 0, "tomorrow 08:00"),
        (utc(2026, 3, 9, 8, 0), 0, "Mon 9 Mar, 08:00"),
        // In UTC+2 the same instant is 10:00 the next day.
        (utc(2026, 3, 6, 8, 0), 120, "tomorrow 10:00"),
        (utc(2026, 3, 5, 23, 30), 60, "tomorrow 00:30"),
    ];
    for (ms, tz, want) in cases {
        assert_eq!(snooze_time_text(ms, now, tz), want, "{ms} {tz}");
    }
    assert_eq!(snooze_choice_name(&SnoozeChoice::NextWeek), "Next week");
    // The menu's lines: the time today, else the weekday.
    assert_eq!(snooze_menu_time(utc(2026, 3, 5, 18, 0), now, 0), "18:00");
    assert_eq!(snooze_menu_time(utc(2026, 3, 6, 8, 0), now, 0), "Fri 08:00");
    assert_eq!(snooze_menu_time(utc(2026, 3, 9, 8, 0), now, 0), "Mon 08:00");
}

#[test]
fn a_tab_reads_as_tabs_query_reports_it() {
    // Chromium and Firefox name the window `windowId`; a tab gmux may not see has no url or title.
    let tabs: Vec<BrowserTab> = serde_json::from_value(serde_json::json!([
        {"id": 7, "windowId": 3, "url": "https://mail.google.com/mail/u/0/#inbox", "title": "Inbox - ada@example.com - Gmail", "active": false},
        {"id": 9, "windowId": 3}
    ]))
    .unwrap();
    assert_eq!(tabs[0].window_id, 3);
    assert_eq!(tabs[0].url, "https://mail.google.com/mail/u/0/#inbox");
    assert_eq!(tabs[1].url, "");
    assert_eq!(
        gmail_tab_for(&tabs, "ada@example.com").map(|t| t.id),
        Some(7)
    );
}

fn busy() -> Cause {
    Cause::Busy {
        status: 503,
        reason: "backendError".into(),
    }
}

/// Actions started and answered in a page, in the order they happen: which answers may show their toast.
#[test]
fn only_the_action_started_last_shows_its_toast() {
    // (what, the steps: (true, name) starts an action and (false, name) is its answer coming, the answers shown)
    type Case = (
        &'static str,
        &'static [(bool, &'static str)],
        &'static [&'static str],
    );
    let cases: &[Case] = &[
        ("one action", &[(true, "star"), (false, "star")], &["star"]),
        (
            "two, each answered before the next",
            &[
                (true, "star"),
                (false, "star"),
                (true, "spam"),
                (false, "spam"),
            ],
            &["star", "spam"],
        ),
        (
            "the second started before the first's answer",
            &[
                (true, "unread"),
                (true, "spam"),
                (false, "unread"),
                (false, "spam"),
            ],
            &["spam"],
        ),
        (
            "an undo pressed before the action's answer",
            &[
                (true, "archive"),
                (true, "undo"),
                (false, "archive"),
                (false, "undo"),
            ],
            &["undo"],
        ),
        (
            "three in flight",
            &[
                (true, "a"),
                (true, "b"),
                (true, "c"),
                (false, "a"),
                (false, "b"),
                (false, "c"),
            ],
            &["c"],
        ),
    ];
    for (what, steps, want) in cases {
        let mut order = ActionOrder::default();
        let mut numbers = BTreeMap::new();
        let mut shown = Vec::new();
        for (starts, name) in *steps {
            if *starts {
                numbers.insert(*name, order.start());
            } else if order.is_latest(numbers[name]) {
                shown.push(*name);
            }
        }
        assert_eq!(&shown, want, "{what}");
    }
}

/// Which rows each answer gets back: the action's own, or for an undo the last action done's.
#[test]
fn each_answer_gets_back_its_own_rows() {
    enum Step {
        /// Action n changed these rows.
        Start(u32, &'static [&'static str]),
        /// Action n's answer (an undo's when true): the rows it gets; for an action, all are left changed.
        Answer(u32, bool, &'static [&'static str]),
    }
    use Step::*;
    let cases: &[(&str, &[Step])] = &[
        (
            "an action, then its undo",
            &[
                Start(1, &["a"]),
                Answer(1, false, &["a"]),
                Answer(2, true, &["a"]),
            ],
        ),
        (
            "an action started before the undo's answer keeps its rows",
            &[
                Start(1, &["a"]),
                Answer(1, false, &["a"]),
                Start(3, &["x"]),
                Answer(2, true, &["a"]),
                Answer(3, false, &["x"]),
                Answer(4, true, &["x"]),
            ],
        ),
        (
            "two actions in flight",
            &[
                Start(1, &["a"]),
                Start(2, &["b"]),
                Answer(1, false, &["a"]),
                Answer(2, false, &["b"]),
                Answer(3, true, &["b"]),
                Answer(4, true, &[]),
            ],
        ),
    ];
    for (what, steps) in cases {
        let mut rows = ActionRows::default();
        for (i, step) in steps.iter().enumerate() {
            match step {
                Start(n, changed) => rows.started(*n, changed.to_vec()),
                Answer(n, undoing, expected) => {
                    let got = rows.answered(*n, *undoing);
                    assert_eq!(&got, expected, "{what}, step {i}");
                    if !undoing {
                        rows.done(got);
                    }
                }
            }
        }
    }
}
