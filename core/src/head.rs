//! The store's head: the part of the inbox store a page needs for its first screen, which the background writes
//! beside the whole store ([`crate::messages::HEAD_KEY`] beside [`crate::messages::STORE_KEY`], in the same
//! write and revision). A page reads the head first, draws the rows that fit, and reads the whole store after its
//! first paint; with 20 accounts of 100 stored rows each the head is a twentieth of the bytes, so the first read
//! (and its structured clone on the page's main thread) no longer grows with the store.
//!
//! The head keeps every account whole except its threads: each account keeps its rows down to the inbox's
//! [`HEAD_ROWS`]th row (ties included) and one row older, so the inbox view drawn from the head begins with exactly
//! the rows the whole store's view begins with. The one older row matters: an account with more mail than it
//! stores hides everything from its oldest stored row down (see [`crate::listing::MergedList`]), so cutting an
//! account just below the line would hide rows of the other accounts that belong on the first screen.

use crate::inbox::{InboxStore, SyncHealth};
use crate::settings::Settings;
use crate::status::Status;
use crate::views::ViewSession;

/// Rows of the inbox view the head guarantees: more than the tallest first screen draws (a new tab 2,160 pixels
/// tall at 32 pixels a row, and the popup's dozen).
pub const HEAD_ROWS: usize = 80;

/// The head of `store` for a page opened with `settings` (whose Primary-only choices decide which rows the inbox
/// shows): its inbox view's first `rows` rows are the whole store's first `rows`.
pub fn store_head(store: &InboxStore, settings: &Settings, rows: usize) -> InboxStore {
    let view = ViewSession::default().rows(store, settings);
    // Every row at least as new as the view's last guaranteed row stays; a shorter view keeps everything.
    let Some(line) = view.get(rows.saturating_sub(1)).map(|r| r.date_ms) else {
        return store.clone();
    };
    let mut head = store.clone();
    for inbox in &mut head.accounts {
        // Rows are newest first: keep those at or above the line, and the first one below it.
        let keep = inbox
            .threads
            .iter()
            .position(|t| t.date_ms < line)
            .map_or(inbox.threads.len(), |below| below + 1);
        inbox.threads.truncate(keep);
    }
    head
}

/// What a page's first screen is drawn from, as one short string: the background writes it beside every write
/// ([`crate::messages::SCREEN_KEY`]), and a page saves its first screen under it (the extension's
/// `pages/first_screen.rs`). Equal keys draw the same first screen. The key holds only what that screen shows:
/// the head and the settings, the colour each account is drawn in, the actions waiting for Gmail, and whether the
/// host is connected only while there is no account (the empty list's words). So it stays the same across a poll
/// that changed only when it ran, and across a browser's start, while the background reconnects to gmux-host
/// (the status line, not part of the first screen, says that). The head is taken by value: its sync times are
/// cleared before it is hashed, and the caller has no use for it after.
pub fn screen_key(mut head: InboxStore, settings: &Settings, status: &Status) -> String {
    for inbox in &mut head.accounts {
        // Shown only while an account is failing, when it no longer moves.
        if inbox.account.health == SyncHealth::Ok {
            inbox.account.last_good_sync_ms = None;
        }
    }
    let colors: Vec<String> = head
        .accounts
        .iter()
        .enumerate()
        .map(|(order, inbox)| {
            crate::view::account_color(&status.accounts, &inbox.account.id, order)
        })
        .collect();
    let empty_list = head
        .accounts
        .is_empty()
        .then(|| (status.is_connected(), status.accounts.is_empty()));
    let drawn_from =
        serde_json::to_string(&(&head, settings, &colors, &status.offline, empty_list))
            .unwrap_or_default();
    // FNV-1a: equality is all that is asked of it.
    let hash = drawn_from.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    });
    format!("{hash:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inbox::{AccountInbox, InboxCounts, ThreadRow};
    use crate::settings::AccountSettings;

    /// One account: `(id, rows as (date, primary), threads in Gmail's inbox)`.
    type Shape<'a> = (&'a str, &'a [(u64, bool)], u64);

    fn store(accounts: &[Shape]) -> InboxStore {
        let mut store = InboxStore::default();
        for (id, rows, total) in accounts {
            let mut inbox = AccountInbox::new(id, &format!("{id}@x.test"));
            for (n, (date, primary)) in rows.iter().enumerate() {
                let mut labels = vec!["INBOX".to_string()];
                if !primary {
                    labels.push("CATEGORY_PROMOTIONS".into());
                }
                inbox.threads.push(ThreadRow {
                    account_id: id.to_string(),
                    thread_id: format!("{id}-{n}"),
                    date_ms: *date,
                    label_ids: labels,
                    ..ThreadRow::default()
                });
            }
            inbox.account.counts = InboxCounts {
                threads_total: *total,
                ..InboxCounts::default()
            };
            store.put_account(inbox);
        }
        store
    }

    fn primary_only(ids: &[&str]) -> Settings {
        let mut settings = Settings::default();
        for id in ids {
            settings.accounts.insert(
                id.to_string(),
                AccountSettings {
                    primary_only: true,
                    ..AccountSettings::default()
                },
            );
        }
        settings
    }

    /// The head's view begins with the whole store's first `rows` rows, keeps every account's counts, and keeps
    /// `kept` threads of each account.
    fn check(accounts: &[Shape], settings: &Settings, rows: usize, kept: &[usize]) {
        let whole = store(accounts);
        let head = store_head(&whole, settings, rows);
        let first = |s: &InboxStore| {
            let mut view = ViewSession::default().rows(s, settings);
            view.truncate(rows);
            view
        };
        assert_eq!(
            first(&head),
            first(&whole),
            "first {rows} rows of {accounts:?}"
        );
        let shape: Vec<usize> = head.accounts.iter().map(|a| a.threads.len()).collect();
        assert_eq!(shape, kept, "threads kept of {accounts:?}");
        for (h, w) in head.accounts.iter().zip(&whole.accounts) {
            assert_eq!(h.account, w.account);
            assert_eq!(h.threads[..], w.threads[..h.threads.len()], "a prefix");
        }
    }

    #[test]
    fn the_head_begins_with_the_whole_views_rows() {
        let p = |d: u64| (d, true);
        let promo = |d: u64| (d, false);
        let a: Vec<(u64, bool)> = (0..10).map(|n| p(1000 - n * 10)).collect();
        let b: Vec<(u64, bool)> = (0..10).map(|n| p(995 - n * 10)).collect();
        // Two interleaved accounts, everything stored: three rows are two of a and one of b, each with one below.
        check(
            &[("a", &a, 10), ("b", &b, 10)],
            &Settings::default(),
            3,
            &[3, 2],
        );
        // With more mail in Gmail than stored, the one row below the line keeps the other's rows visible.
        check(
            &[("a", &a, 500), ("b", &b, 500)],
            &Settings::default(),
            4,
            &[3, 3],
        );
        // A view shorter than asked keeps the whole store.
        check(
            &[("a", &a, 10), ("b", &b, 10)],
            &Settings::default(),
            30,
            &[10, 10],
        );
        // One account far newer than the other: the older one keeps just its newest row.
        let old: Vec<(u64, bool)> = (0..10).map(|n| p(100 - n)).collect();
        check(
            &[("a", &a, 10), ("b", &old, 10)],
            &Settings::default(),
            5,
            &[6, 1],
        );
        // Ties at the line all stay, whichever account they are in.
        let tie_a = [p(50), p(40), p(30), p(20)];
        let tie_b = [p(40), p(40), p(30), p(10)];
        check(
            &[("a", &tie_a, 4), ("b", &tie_b, 4)],
            &Settings::default(),
            3,
            &[3, 3],
        );
        // Primary only: a's promotions do not count towards the rows; the row kept below the line may be one.
        let mixed = [promo(990), promo(980), p(970), promo(960), p(950), p(940)];
        check(
            &[("a", &mixed, 50), ("b", &b, 50)],
            &primary_only(&["a"]),
            4,
            &[4, 4],
        );
        // The same store with every row shown: the promotions count.
        check(
            &[("a", &mixed, 50), ("b", &b, 50)],
            &Settings::default(),
            4,
            &[3, 3],
        );
        // An account with nothing stored, and an empty store.
        check(
            &[("a", &a, 10), ("b", &[], 0)],
            &Settings::default(),
            2,
            &[3, 0],
        );
        check(&[], &Settings::default(), 2, &[]);
    }

    #[test]
    fn a_large_store_keeps_a_small_head() {
        // The bench's 20 accounts of 100 stored rows each: about the rows the head guarantees, plus one each.
        let rows: Vec<Vec<(u64, bool)>> = (0..20u64)
            .map(|a| {
                (0..100u64)
                    .map(|t| (1_000_000 - t * 20 - a, true))
                    .collect()
            })
            .collect();
        let ids: Vec<String> = (0..20).map(|a| format!("acct{a:02}")).collect();
        let shapes: Vec<Shape> = ids
            .iter()
            .zip(&rows)
            .map(|(id, r)| (id.as_str(), r.as_slice(), 1000))
            .collect();
        let whole = store(&shapes);
        let head = store_head(&whole, &Settings::default(), HEAD_ROWS);
        let kept: usize = head.accounts.iter().map(|a| a.threads.len()).sum();
        assert!(kept <= HEAD_ROWS + 20, "{kept} rows kept");
        check(&shapes, &Settings::default(), HEAD_ROWS, &[5; 20]);
    }

    #[test]
    fn any_store_keeps_its_first_rows() {
        // Many small stores with ties, categories, stored and unstored older mail and Primary-only accounts:
        // the head's view always begins as the whole store's does.
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        };
        for _ in 0..500 {
            let ids = ["a", "b", "c", "d"];
            let accounts = 1 + next(4) as usize;
            let mut rows: Vec<Vec<(u64, bool)>> = Vec::new();
            let mut totals = Vec::new();
            for _ in 0..accounts {
                let len = next(12);
                let mut dates: Vec<u64> = (0..len).map(|_| 100 + next(30)).collect();
                dates.sort_unstable_by(|x, y| y.cmp(x));
                rows.push(dates.into_iter().map(|d| (d, next(3) > 0)).collect());
                totals.push(len + next(2) * next(50));
            }
            let shapes: Vec<Shape> = (0..accounts)
                .map(|i| (ids[i], rows[i].as_slice(), totals[i]))
                .collect();
            let only: Vec<&str> = ids[..accounts]
                .iter()
                .copied()
                .filter(|_| next(2) == 0)
                .collect();
            let settings = primary_only(&only);
            let wanted = 1 + next(15) as usize;
            let whole = store(&shapes);
            let head = store_head(&whole, &settings, wanted);
            let first = |s: &InboxStore| {
                let mut view = ViewSession::default().rows(s, &settings);
                view.truncate(wanted);
                view
            };
            assert_eq!(
                first(&head),
                first(&whole),
                "{shapes:?}, {only:?}, {wanted}"
            );
        }
    }

    #[test]
    fn the_screen_key_moves_with_what_the_first_screen_shows_and_not_with_when_a_poll_ran() {
        let base = store(&[("a", &[(30, true), (20, true)], 2), ("b", &[(25, true)], 1)]);
        let settings = Settings::default();
        let status = Status::default();
        let key = screen_key(base.clone(), &settings, &status);
        assert_eq!(key.len(), 16);
        assert_eq!(
            key,
            screen_key(base.clone(), &settings, &status),
            "the same inputs, the same key"
        );

        let mut polled = base.clone();
        polled.accounts[0].account.last_good_sync_ms = Some(99);
        let polled_status = Status {
            last_sync_ms: Some(99),
            syncing: true,
            syncing_accounts: vec!["a".into()],
            revision: Some(7),
            ..Status::default()
        };
        assert_eq!(
            key,
            screen_key(polled.clone(), &settings, &polled_status),
            "a poll that changed nothing shown"
        );

        let mut read = base.clone();
        read.accounts[1].threads[0].unread = !read.accounts[1].threads[0].unread;
        let mut failing = polled.clone();
        failing.accounts[0].account.health = SyncHealth::Offline;
        let primary = primary_only(&["b"]);
        let connected = Status {
            host: crate::status::HostState::Connected,
            ..Status::default()
        };
        assert_eq!(
            key,
            screen_key(base.clone(), &settings, &connected),
            "the host connecting again, accounts drawn in the same colours"
        );
        let mut painted = Status::default();
        painted.accounts.push(crate::protocol::Account {
            id: "b".into(),
            email: "b@x.test".into(),
            color: "#123456".into(),
            order: 1,
            status: crate::protocol::AccountStatus::Ok,
            scopes: Vec::new(),
            status_detail: None,
        });
        let none = InboxStore::default();
        for (what, other) in [
            (
                "a row marked read",
                screen_key(read.clone(), &settings, &status),
            ),
            (
                "an account failing, with its last good sync",
                screen_key(failing.clone(), &settings, &status),
            ),
            (
                "Primary only for an account",
                screen_key(base.clone(), &primary, &status),
            ),
            (
                "an account's colour",
                screen_key(base.clone(), &settings, &painted),
            ),
            (
                "no account at all",
                screen_key(none.clone(), &settings, &status),
            ),
        ] {
            assert_ne!(key, other, "{what} changes the first screen's key");
        }
        assert_ne!(
            screen_key(none.clone(), &settings, &status),
            screen_key(none.clone(), &settings, &connected),
            "with no account, the empty list says whether the host answered"
        );
    }
}
