//! The inbox model: threads and accounts, merged across accounts newest first, unread sums.
//!
//! The background keeps an [`InboxStore`] in `storage.local`; the pages read it. Everything here is
//! plain data: no tokens, no IO. Every string that comes from mail (senders, subject, snippet) is
//! text, already unescaped, and must be rendered as text.

use serde::{Deserialize, Serialize};
use std::cmp::Reverse;

use crate::protocol::{Account as HostAccount, AccountStatus};

/// How many threads of one account the store keeps: the inbox's first page is all the pages show,
/// and `storage.local` is small (Chrome: 10 MB without `unlimitedStorage`).
pub const MAX_THREADS_PER_ACCOUNT: usize = 100;

/// The store's shape version: bump it when the shape changes incompatibly, so an old store is
/// discarded instead of misread.
pub const STORE_VERSION: u32 = 1;

/// The state of an account's sync as the pages show it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SyncHealth {
    /// The last sync succeeded.
    #[default]
    Ok,
    /// Google refused the account's token: the user must add the account again. The last good inbox is kept.
    ReauthRequired,
    /// Gmail could not be reached: the cached inbox is shown as stale since `last_good_sync_ms`.
    Offline,
    /// Gmail answered with errors that retries did not fix; the cached inbox is kept.
    Failing,
}

/// The INBOX label's counters, as `labels.get INBOX` reports them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct InboxCounts {
    pub threads_total: u64,
    /// What Gmail's own inbox shows as the unread count (conversations).
    pub threads_unread: u64,
    pub messages_total: u64,
    pub messages_unread: u64,
}

/// One account's summary for the pages and the badge.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Account {
    /// Google's stable `sub`, the same id the host uses.
    pub id: String,
    pub email: String,
    pub counts: InboxCounts,
    pub health: SyncHealth,
    /// Unix ms of the last sync that succeeded; `None` before the first.
    #[serde(default)]
    pub last_good_sync_ms: Option<u64>,
    /// What is wrong when `health` is not `Ok`, as data the pages word. (An older store's English
    /// `health_detail` is ignored: the next sync says it again.)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health_cause: Option<crate::reply::Cause>,
    /// Unread conversations in the Primary tab, exact (`gmux_core::listing::primary_unread_query`, read in the
    /// same batch as the INBOX counters); `None` until a sync has read it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary_unread: Option<u64>,
    /// The inbox categories the account's inbox mail is in (Primary for mail in no other category), read at each
    /// sync that reads the counters; `None` until then.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub categories: Option<Vec<crate::category::Category>>,
}

impl Account {
    /// Unread inbox conversations, what Gmail's own inbox shows.
    pub fn unread(&self) -> u64 {
        self.counts.threads_unread
    }

    /// The unread count gmux shows for the account: its Primary tab's when the user chose Primary only for it
    /// (and a sync has counted it), else the inbox's.
    pub fn shown_unread(&self, primary_only: bool) -> u64 {
        match (primary_only, self.primary_unread) {
            (true, Some(n)) => n,
            _ => self.unread(),
        }
    }
}

/// One inbox conversation as the pages list it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ThreadRow {
    pub account_id: String,
    pub thread_id: String,
    /// Display names of the thread's senders, oldest first, each once.
    pub senders: Vec<String>,
    pub subject: String,
    /// The newest message's snippet, unescaped to plain text.
    pub snippet: String,
    /// Unix ms of the newest message (`internalDate`).
    pub date_ms: u64,
    /// Whether any message of the thread carries `UNREAD`.
    pub unread: bool,
    /// Whether any message of the thread carries `STARRED`.
    pub starred: bool,
    pub message_count: u32,
    /// The union of the messages' label ids, sorted.
    pub label_ids: Vec<String>,
}

impl ThreadRow {
    pub fn in_inbox(&self) -> bool {
        self.label_ids.iter().any(|l| l == "INBOX")
    }

    /// Whether Gmail's Primary tab lists the thread: in the inbox and in no other category (what
    /// `listing::primary_unread_query` counts).
    pub fn in_primary(&self) -> bool {
        self.in_inbox()
            && !self
                .label_ids
                .iter()
                .any(|l| NOT_PRIMARY.contains(&l.as_str()))
    }
}

/// The inbox categories other than Primary.
const NOT_PRIMARY: [&str; 4] = [
    "CATEGORY_SOCIAL",
    "CATEGORY_PROMOTIONS",
    "CATEGORY_UPDATES",
    "CATEGORY_FORUMS",
];

/// Sorts rows newest first; ties are broken by account and thread id so the order is stable.
pub fn sort_newest_first(rows: &mut [ThreadRow]) {
    rows.sort_by(|a, b| {
        (Reverse(a.date_ms), &a.account_id, &a.thread_id).cmp(&(
            Reverse(b.date_ms),
            &b.account_id,
            &b.thread_id,
        ))
    });
}

/// Merges the inboxes of several accounts into one list, newest first.
pub fn merge_newest_first<'a>(
    inboxes: impl IntoIterator<Item = &'a [ThreadRow]>,
) -> Vec<ThreadRow> {
    let mut rows: Vec<ThreadRow> = inboxes
        .into_iter()
        .flat_map(|r| r.iter().cloned())
        .collect();
    sort_newest_first(&mut rows);
    rows
}

/// The sum of the accounts' unread conversation counts.
pub fn total_unread<'a>(accounts: impl IntoIterator<Item = &'a Account>) -> u64 {
    accounts.into_iter().map(Account::unread).sum()
}

/// One account's part of the store.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct AccountInbox {
    pub account: Account,
    /// Inbox threads, newest first, at most [`MAX_THREADS_PER_ACCOUNT`].
    pub threads: Vec<ThreadRow>,
    /// Gmail's `historyId` the next incremental sync starts from; `None` until the first full sync. A
    /// string because it is a 64-bit number and JavaScript's numbers are not.
    #[serde(default)]
    pub history_id: Option<String>,
    /// The page token of the inbox page after the stored rows, from the last full sync: where "load more"
    /// continues. `None` when unknown (load more then starts from the first page and skips what it has).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_page_token: Option<String>,
}

impl AccountInbox {
    /// A fresh account that has never synced.
    pub fn new(id: &str, email: &str) -> Self {
        AccountInbox {
            account: Account {
                id: id.to_string(),
                email: email.to_string(),
                ..Default::default()
            },
            threads: Vec::new(),
            history_id: None,
            next_page_token: None,
        }
    }

    /// Whether Gmail's inbox holds threads older than the stored rows (which are always the newest ones).
    pub fn has_older(&self) -> bool {
        self.next_page_token.is_some()
            || self.account.counts.threads_total > self.threads.len() as u64
    }

    /// The date of the oldest stored row: every inbox thread newer than it is stored.
    pub fn floor_ms(&self) -> Option<u64> {
        self.threads.iter().map(|t| t.date_ms).min()
    }

    /// Whether a thread that is not stored may be added without leaving a hole: the stored rows are all the
    /// inbox threads newer than the oldest of them, so an older thread (unarchived, or starred from a label
    /// view) may join only when nothing older is missing.
    pub fn window_admits(&self, row: &ThreadRow) -> bool {
        !self.has_older() || self.floor_ms().is_none_or(|floor| row.date_ms >= floor)
    }

    /// Puts a listed thread's new state in place (or drops it when it left the inbox) and moves the INBOX
    /// thread counters by the difference, so the badge changes at once. Returns the row it replaced, which
    /// [`AccountInbox::restore_thread`] puts back if Gmail refuses. A thread that is not listed is left alone
    /// and `None` returned, since its effect on the counters is unknown.
    pub fn replace_thread(&mut self, row: ThreadRow) -> Option<ThreadRow> {
        let pos = self
            .threads
            .iter()
            .position(|t| t.thread_id == row.thread_id)?;
        let previous = self.threads.remove(pos);
        self.move_counts(&previous, &row);
        if row.in_inbox() {
            self.threads.push(row);
            sort_newest_first(&mut self.threads);
        }
        Some(previous)
    }

    /// Undoes [`AccountInbox::replace_thread`]: `current` is the row it was given, `previous` the row it
    /// returned. Works whether or not `current` left the list.
    pub fn restore_thread(&mut self, current: &ThreadRow, previous: ThreadRow) {
        self.threads.retain(|t| t.thread_id != previous.thread_id);
        self.move_counts(current, &previous);
        if previous.in_inbox() {
            self.threads.push(previous);
            sort_newest_first(&mut self.threads);
        }
    }

    fn move_counts(&mut self, from: &ThreadRow, to: &ThreadRow) {
        let counts = &mut self.account.counts;
        counts.threads_total = shift(counts.threads_total, from.in_inbox(), to.in_inbox());
        counts.threads_unread = shift(
            counts.threads_unread,
            from.in_inbox() && from.unread,
            to.in_inbox() && to.unread,
        );
        // The Primary-only count follows too, once a sync has counted it, so a badge that shows it changes at
        // once rather than at the next poll.
        if let Some(primary) = self.account.primary_unread.as_mut() {
            *primary = shift(
                *primary,
                from.in_primary() && from.unread,
                to.in_primary() && to.unread,
            );
        }
    }
}

/// A counter moved by one when a thread enters (`false` → `true`) or leaves (`true` → `false`) it.
fn shift(count: u64, was: bool, now: bool) -> u64 {
    match (was, now) {
        (false, true) => count.saturating_add(1),
        (true, false) => count.saturating_sub(1),
        _ => count,
    }
}

/// What the background persists in `storage.local`. Never holds a token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboxStore {
    pub version: u32,
    pub accounts: Vec<AccountInbox>,
}

impl Default for InboxStore {
    fn default() -> Self {
        InboxStore {
            version: STORE_VERSION,
            accounts: Vec::new(),
        }
    }
}

impl InboxStore {
    /// Reads a stored value; a store of another version or shape yields an empty store rather than an error,
    /// because the next sync rebuilds it.
    pub fn from_json(value: serde_json::Value) -> Self {
        match serde_json::from_value::<InboxStore>(value) {
            Ok(store) if store.version == STORE_VERSION => store,
            _ => InboxStore::default(),
        }
    }

    pub fn account(&self, id: &str) -> Option<&AccountInbox> {
        self.accounts.iter().find(|a| a.account.id == id)
    }

    pub fn account_mut(&mut self, id: &str) -> Option<&mut AccountInbox> {
        self.accounts.iter_mut().find(|a| a.account.id == id)
    }

    /// Replaces (or adds) one account's inbox, keeping the store's bounds.
    pub fn put_account(&mut self, mut inbox: AccountInbox) {
        bound_threads(&mut inbox.threads);
        match self.account_mut(&inbox.account.id) {
            Some(slot) => *slot = inbox,
            None => self.accounts.push(inbox),
        }
    }

    /// Forgets an account (when it is removed from the host).
    pub fn remove_account(&mut self, id: &str) {
        self.accounts.retain(|a| a.account.id != id);
    }

    /// Replaces one thread row in place (after an action), or drops it when it left the inbox.
    /// Returns whether a row was found.
    pub fn update_thread(&mut self, row: ThreadRow) -> bool {
        let Some(inbox) = self.account_mut(&row.account_id) else {
            return false;
        };
        let Some(pos) = inbox
            .threads
            .iter()
            .position(|t| t.thread_id == row.thread_id)
        else {
            return false;
        };
        if row.in_inbox() {
            inbox.threads[pos] = row;
            sort_newest_first(&mut inbox.threads);
        } else {
            inbox.threads.remove(pos);
        }
        true
    }

    /// All accounts' inbox threads, newest first.
    pub fn merged(&self) -> Vec<ThreadRow> {
        merge_newest_first(self.accounts.iter().map(|a| a.threads.as_slice()))
    }

    pub fn total_unread(&self) -> u64 {
        total_unread(self.accounts.iter().map(|a| &a.account))
    }

    /// The toolbar's total: each account's [`Account::shown_unread`] under the user's settings.
    pub fn shown_unread(&self, settings: &crate::settings::Settings) -> u64 {
        self.accounts
            .iter()
            .map(|a| {
                a.account
                    .shown_unread(settings.account(&a.account.id).primary_only)
            })
            .sum()
    }

    /// Whether any account needs the user to add it again (the badge shows a distinct state).
    pub fn any_reauth_required(&self) -> bool {
        self.accounts
            .iter()
            .any(|a| a.account.health == SyncHealth::ReauthRequired)
    }

    /// Puts gmux-host's account list into the store: new accounts get an empty inbox, removed ones are dropped,
    /// emails follow the host, the order is the host's, and an account the host marks `reauth_required` shows so
    /// at once (keeping its last good inbox); one added again is `Ok` until its next sync says otherwise.
    pub fn reconcile(&mut self, accounts: &[HostAccount]) {
        let mut ordered: Vec<&HostAccount> = accounts.iter().collect();
        ordered.sort_by_key(|a| a.order);
        let mut next = Vec::with_capacity(ordered.len());
        for account in ordered {
            let mut inbox = self
                .account(&account.id)
                .cloned()
                .unwrap_or_else(|| AccountInbox::new(&account.id, &account.email));
            inbox.account.email = account.email.clone();
            if account.status == AccountStatus::ReauthRequired {
                inbox.account.health = SyncHealth::ReauthRequired;
                inbox.account.health_cause = Some(crate::reply::Cause::ReauthRequired);
            } else if inbox.account.health == SyncHealth::ReauthRequired {
                inbox.account.health = SyncHealth::Ok;
                inbox.account.health_cause = None;
            }
            next.push(inbox);
        }
        self.accounts = Vec::new();
        for inbox in next {
            self.put_account(inbox);
        }
    }
}

/// Sorts newest first and keeps at most [`MAX_THREADS_PER_ACCOUNT`] rows.
pub fn bound_threads(rows: &mut Vec<ThreadRow>) {
    sort_newest_first(rows);
    rows.truncate(MAX_THREADS_PER_ACCOUNT);
}

/// The most of a subject the store keeps, in characters: more than any screen shows, and a 10 MB subject
/// cannot push `storage.local` past its quota (which would stop every account's updates).
pub const MAX_SUBJECT_CHARS: usize = 2_000;
/// The most of a snippet the store keeps (Gmail's own are some 200 characters).
pub const MAX_SNIPPET_CHARS: usize = 1_000;
/// The most of one sender's display name the store keeps.
pub const MAX_SENDER_CHARS: usize = 200;

/// `s` cut to `max` characters, with `…` in place of what was cut.
pub fn clip_chars(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        None => s.to_string(),
        Some((end, _)) => {
            let mut clipped = s[..end].to_string();
            clipped.push('…');
            clipped
        }
    }
}

pub use crate::text::sender_display_name;

/// Turns Gmail's HTML-escaped `snippet` into text: named entities Gmail emits (`&amp; &lt; &gt; &quot;
/// &apos; &nbsp;`) and numeric ones (`&#39;`, `&#x27;`). Unknown or malformed entities are kept as written.
pub fn unescape_snippet(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        // Entities are short; a `;` further than this is not the end of one.
        let semi = rest
            .char_indices()
            .take(12)
            .find(|&(_, c)| c == ';')
            .map(|(i, _)| i);
        match semi.and_then(|end| decode_entity(&rest[1..end]).map(|c| (c, end))) {
            Some((c, end)) => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn decode_entity(name: &str) -> Option<char> {
    if let Some(num) = name.strip_prefix('#') {
        let code = match num.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => num.parse::<u32>().ok()?,
        };
        return char::from_u32(code).filter(|c| *c != '\0');
    }
    Some(match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => '\u{a0}',
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(account: &str, thread: &str, date_ms: u64, unread: bool) -> ThreadRow {
        ThreadRow {
            account_id: account.into(),
            thread_id: thread.into(),
            date_ms,
            unread,
            label_ids: vec!["INBOX".into()],
            message_count: 1,
            ..Default::default()
        }
    }

    fn account(id: &str, unread: u64) -> Account {
        Account {
            id: id.into(),
            email: format!("{id}@example.com"),
            counts: InboxCounts {
                threads_unread: unread,
                ..Default::default()
            },
            ..Default::default()
        }
    }

    #[test]
    fn unescapes_snippets() {
        let cases = [
            ("plain", "plain"),
            ("Tom &amp; Jerry", "Tom & Jerry"),
            ("&lt;b&gt;bold&lt;/b&gt;", "<b>bold</b>"),
            ("it&#39;s", "it's"),
            ("it&#x27;s &#X27;", "it's '"),
            ("&quot;q&quot; &apos;a&apos;", "\"q\" 'a'"),
            ("a&nbsp;b", "a\u{a0}b"),
            ("AT&T", "AT&T"),
            ("&bogus; &#xZZ; &#0;", "&bogus; &#xZZ; &#0;"),
            ("trailing &", "trailing &"),
            ("&amp;amp;", "&amp;"),
            ("é &#233; 😀 &#128512;", "é é 😀 😀"),
            (
                "& long text without a semicolon for a while;",
                "& long text without a semicolon for a while;",
            ),
        ];
        for (input, want) in cases {
            assert_eq!(unescape_snippet(input), want, "input {input:?}");
        }
    }

    #[test]
    fn sender_names_come_from_headers() {
        let cases = [
            ("\"Ann Lee\" <ann@x.org>", "Ann Lee"),
            ("Ann Lee <ann@x.org>", "Ann Lee"),
            ("ann@x.org", "ann"),
            ("<ann@x.org>", "ann"),
            ("  \"Lee, Ann\"   <ann@x.org> ", "Lee, Ann"),
            ("\"Say \\\"hi\\\"\" <a@b>", "Say \"hi\""),
            ("Team", "Team"),
        ];
        for (input, want) in cases {
            assert_eq!(sender_display_name(input), want, "input {input:?}");
        }
    }

    #[test]
    fn merges_accounts_newest_first_with_a_stable_tie_break() {
        let a = vec![row("a", "1", 100, false), row("a", "2", 300, true)];
        let b = vec![row("b", "9", 200, true), row("b", "8", 300, false)];
        let merged = merge_newest_first([a.as_slice(), b.as_slice()]);
        let order: Vec<_> = merged
            .iter()
            .map(|r| (r.account_id.as_str(), r.thread_id.as_str()))
            .collect();
        assert_eq!(order, [("a", "2"), ("b", "8"), ("b", "9"), ("a", "1")]);
    }

    #[test]
    fn unread_sums_use_inbox_thread_counts() {
        let accounts = [account("a", 3), account("b", 0), account("c", 12)];
        assert_eq!(total_unread(&accounts), 15);
        assert_eq!(total_unread(&[]), 0);
    }

    #[test]
    fn store_is_bounded_and_round_trips() {
        let mut store = InboxStore::default();
        let threads: Vec<_> = (0..MAX_THREADS_PER_ACCOUNT as u64 + 20)
            .map(|i| row("a", &format!("{i:016x}"), i, false))
            .collect();
        store.put_account(AccountInbox {
            account: account("a", 1),
            threads,
            history_id: None,
            next_page_token: None,
        });
        store.put_account(AccountInbox {
            account: account("b", 2),
            threads: vec![row("b", "x", 1_000, true)],
            history_id: Some("42".into()),
            next_page_token: Some("p2".into()),
        });
        let a = store.account("a").unwrap();
        assert_eq!(a.threads.len(), MAX_THREADS_PER_ACCOUNT);
        // The newest rows are the ones kept.
        assert_eq!(a.threads[0].date_ms, MAX_THREADS_PER_ACCOUNT as u64 + 19);
        assert_eq!(store.total_unread(), 3);
        assert_eq!(store.merged()[0].account_id, "b");

        let json = serde_json::to_value(&store).unwrap();
        assert_eq!(InboxStore::from_json(json), store);
        // Replacing an account does not add a second one.
        store.put_account(AccountInbox::new("b", "b@example.com"));
        assert_eq!(store.accounts.len(), 2);
        assert_eq!(store.total_unread(), 1);
    }

    #[test]
    fn store_of_another_version_or_shape_is_dropped() {
        let mut old = serde_json::to_value(InboxStore::default()).unwrap();
        old["version"] = serde_json::json!(STORE_VERSION + 1);
        assert_eq!(InboxStore::from_json(old), InboxStore::default());
        assert_eq!(
            InboxStore::from_json(serde_json::json!({"x": 1})),
            InboxStore::default()
        );
    }

    #[test]
    fn update_thread_replaces_or_drops_rows_that_left_the_inbox() {
        let mut store = InboxStore::default();
        store.put_account(AccountInbox {
            account: account("a", 1),
            threads: vec![row("a", "1", 10, true), row("a", "2", 20, false)],
            history_id: None,
            next_page_token: None,
        });
        let mut read = row("a", "1", 10, false);
        read.starred = true;
        assert!(store.update_thread(read.clone()));
        assert_eq!(store.account("a").unwrap().threads[1], read);

        let mut archived = row("a", "2", 20, false);
        archived.label_ids.clear();
        assert!(store.update_thread(archived));
        assert_eq!(store.account("a").unwrap().threads.len(), 1);
        assert!(!store.update_thread(row("zz", "1", 1, false)));
    }

    #[test]
    fn replacing_a_thread_moves_the_counts_and_restoring_moves_them_back() {
        let mut inbox = AccountInbox::new("a", "a@x");
        inbox.threads = vec![row("a", "2", 20, false), row("a", "1", 10, true)];
        inbox.account.counts = InboxCounts {
            threads_total: 2,
            threads_unread: 1,
            ..Default::default()
        };
        let original = inbox.clone();

        let mut read = row("a", "1", 10, false);
        read.starred = true;
        let mut archived = row("a", "1", 10, true);
        archived.label_ids.clear();
        let cases = [
            (read, 2, 0, 2),
            (row("a", "2", 20, true), 2, 2, 2),
            (archived, 1, 0, 1),
        ];
        for (new_row, total, unread, listed) in cases {
            let previous = inbox.replace_thread(new_row.clone()).unwrap();
            assert_eq!(
                (
                    inbox.account.counts.threads_total,
                    inbox.account.counts.threads_unread,
                    inbox.threads.len()
                ),
                (total, unread, listed),
                "{new_row:?}"
            );
            inbox.restore_thread(&new_row, previous);
            assert_eq!(inbox, original, "{new_row:?}");
        }
        assert_eq!(inbox.replace_thread(row("a", "unlisted", 1, true)), None);
        assert_eq!(inbox, original);
    }

    #[test]
    fn the_primary_only_count_moves_with_a_primary_row_and_only_then() {
        let social = |unread: bool| {
            let mut r = row("a", "s", 30, unread);
            r.label_ids.push("CATEGORY_SOCIAL".into());
            r
        };
        let personal = |unread: bool| {
            let mut r = row("a", "p", 20, unread);
            r.label_ids.push("CATEGORY_PERSONAL".into());
            r
        };
        let archived = |mut r: ThreadRow| {
            r.label_ids.retain(|l| l != "INBOX");
            r
        };
        // (the new state of a row, the Primary-only count after it; it starts at 2: "p" and "1")
        let cases = [
            (personal(false), Some(1)),
            (archived(personal(true)), Some(1)),
            (row("a", "1", 10, false), Some(1)),
            (social(false), Some(2)),
            (archived(social(true)), Some(2)),
        ];
        for (new_row, primary) in cases {
            let mut inbox = AccountInbox::new("a", "a@x");
            inbox.threads = vec![social(true), personal(true), row("a", "1", 10, true)];
            inbox.account.counts.threads_unread = 3;
            inbox.account.counts.threads_total = 3;
            inbox.account.primary_unread = Some(2);
            let original = inbox.clone();
            let previous = inbox.replace_thread(new_row.clone()).unwrap();
            assert_eq!(inbox.account.primary_unread, primary, "{new_row:?}");
            inbox.restore_thread(&new_row, previous);
            assert_eq!(inbox, original, "{new_row:?}");
        }
        // Not counted yet: it stays unknown.
        let mut inbox = AccountInbox::new("a", "a@x");
        inbox.threads = vec![personal(true)];
        inbox.replace_thread(personal(false));
        assert_eq!(inbox.account.primary_unread, None);
    }

    #[test]
    fn reauth_state_is_visible_to_the_badge() {
        let mut store = InboxStore::default();
        store.put_account(AccountInbox::new("a", "a@example.com"));
        assert!(!store.any_reauth_required());
        store.account_mut("a").unwrap().account.health = SyncHealth::ReauthRequired;
        assert!(store.any_reauth_required());
    }

    #[test]
    fn clip_chars_counts_characters_and_marks_the_cut() {
        assert_eq!(clip_chars("abc", 3), "abc");
        assert_eq!(clip_chars("abcd", 3), "abc…");
        assert_eq!(clip_chars("漢字テスト", 2), "漢字…");
        assert_eq!(clip_chars("", 0), "");
        assert_eq!(clip_chars("x", 0), "…");
    }

    #[test]
    fn counters_saturate() {
        assert_eq!(shift(u64::MAX, false, true), u64::MAX);
        assert_eq!(shift(0, true, false), 0);
    }

    fn host_account(id: &str, email: &str, order: u32, status: AccountStatus) -> HostAccount {
        HostAccount {
            id: id.into(),
            email: email.into(),
            color: "#1a73e8".into(),
            order,
            status,
            scopes: vec![],
            status_detail: None,
        }
    }

    fn inbox_with(id: &str, unread: u64, threads: usize) -> AccountInbox {
        let mut inbox = AccountInbox::new(id, &format!("{id}@old.example"));
        inbox.account.counts.threads_unread = unread;
        inbox.threads = (0..threads)
            .map(|n| ThreadRow {
                account_id: id.into(),
                thread_id: format!("{n:016x}"),
                label_ids: vec!["INBOX".into()],
                ..Default::default()
            })
            .collect();
        inbox.history_id = Some("42".into());
        inbox
    }

    #[test]
    fn reconcile_follows_the_hosts_accounts_and_keeps_known_inboxes() {
        let mut store = InboxStore::default();
        store.put_account(inbox_with("a", 3, 2));
        store.put_account(inbox_with("gone", 7, 1));
        store.reconcile(&[
            host_account("new", "new@x.org", 1, AccountStatus::Ok),
            host_account("a", "a@x.org", 0, AccountStatus::Ok),
        ]);
        let ids: Vec<&str> = store
            .accounts
            .iter()
            .map(|a| a.account.id.as_str())
            .collect();
        assert_eq!(ids, ["a", "new"]);
        let a = store.account("a").unwrap();
        assert_eq!((a.account.email.as_str(), a.threads.len()), ("a@x.org", 2));
        assert_eq!(a.history_id.as_deref(), Some("42"));
        let new = store.account("new").unwrap();
        assert!(new.threads.is_empty() && new.history_id.is_none());
        assert_eq!(store.total_unread(), 3);
    }

    #[test]
    fn reconcile_marks_and_clears_reauth_from_the_host() {
        // (host status, health before, health after)
        let cases = [
            (
                AccountStatus::ReauthRequired,
                SyncHealth::Ok,
                SyncHealth::ReauthRequired,
            ),
            (
                AccountStatus::ReauthRequired,
                SyncHealth::Offline,
                SyncHealth::ReauthRequired,
            ),
            (
                AccountStatus::Ok,
                SyncHealth::ReauthRequired,
                SyncHealth::Ok,
            ),
            (AccountStatus::Ok, SyncHealth::Offline, SyncHealth::Offline),
        ];
        for (status, before, after) in cases {
            let mut store = InboxStore::default();
            let mut inbox = inbox_with("a", 3, 2);
            inbox.account.health = before;
            store.put_account(inbox);
            store.reconcile(&[host_account("a", "a@x.org", 0, status)]);
            let a = store.account("a").unwrap();
            assert_eq!(a.account.health, after, "{status:?} {before:?}");
            assert_eq!(a.threads.len(), 2, "the last good inbox stays");
        }
    }

    #[test]
    fn the_shown_unread_count_follows_primary_only_once_it_is_known() {
        let mut a = account("a", 7);
        // (primary only, primary count known, shown)
        let cases = [
            (false, None, 7),
            (true, None, 7),
            (false, Some(2), 7),
            (true, Some(2), 2),
        ];
        for (primary_only, primary, shown) in cases {
            a.primary_unread = primary;
            assert_eq!(
                a.shown_unread(primary_only),
                shown,
                "{primary_only} {primary:?}"
            );
        }
        let mut store = InboxStore::default();
        let mut inbox = inbox_with("a", 7, 1);
        inbox.account.primary_unread = Some(2);
        store.put_account(inbox);
        store.put_account(inbox_with("b", 5, 1));
        let mut settings = crate::settings::Settings::default();
        assert_eq!(store.shown_unread(&settings), 12);
        settings.accounts.insert(
            "a".into(),
            crate::settings::AccountSettings {
                primary_only: true,
                ..Default::default()
            },
        );
        assert_eq!(store.shown_unread(&settings), 7);
        // Primary only on an account whose Primary count is unknown yet counts its inbox.
        settings.accounts.insert("b".into(), settings.account("a"));
        assert_eq!(store.shown_unread(&settings), 7);
    }

    #[test]
    fn the_stored_rows_stay_the_newest_ones_without_holes() {
        let mut inbox = AccountInbox::new("a", "a@x.org");
        inbox.threads = vec![row("a", "3", 30, false), row("a", "2", 20, false)];
        inbox.account.counts.threads_total = 2;
        // (token, inbox total, the new row's date, admitted)
        let cases = [
            (None, 2, 5, true),
            (None, 3, 5, false),
            (None, 3, 20, true),
            (None, 3, 25, true),
            (Some("t"), 2, 5, false),
            (Some("t"), 2, 40, true),
        ];
        for (token, total, date, admitted) in cases {
            inbox.next_page_token = token.map(str::to_string);
            inbox.account.counts.threads_total = total;
            assert_eq!(
                inbox.window_admits(&row("a", "x", date, false)),
                admitted,
                "{token:?} {total} {date}"
            );
        }
        assert_eq!(inbox.floor_ms(), Some(20));
        assert!(AccountInbox::new("b", "b@x.org").window_admits(&row("b", "x", 1, false)));
    }
}
