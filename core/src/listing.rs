//! Lists beyond the cached inbox: which Gmail query shows a view (a category tab, a label, all mail, a search),
//! the merge of paginated lists across accounts in true date order while pages arrive, search across accounts
//! (per-account state, generations, debounce, recent searches), the category tabs, and the label picker's tree.
//!
//! Plain data and decisions; the background fetches pages with gmux-gmail's `listing` module and feeds them here.
//!
//! # What each count costs
//!
//! Gmail's quota units are per user and per minute (15,000); each number below is per account.
//!
//! - **Inbox unread** (`labels.get INBOX`, 1 request, 1 unit): exact, what the sync engine reads already.
//! - **Primary-only unread**: `labels.get CATEGORY_PERSONAL` (1 unit) is cheap but wrong for the badge: it
//!   counts the category's mail everywhere, archived mail included, and misses inbox mail Gmail put in no
//!   category (which Gmail's Primary tab shows). gmux instead lists the ids of the unread messages in the inbox
//!   that are in no other category ([`primary_unread_query`]: `messages.list` with `labelIds=INBOX&labelIds=UNREAD`
//!   and `q=-category:social -category:promotions -category:updates -category:forums`, `maxResults=500`) and
//!   counts their distinct thread ids: exact, and 1 request and 5 units for up to 500 unread messages (one more
//!   request and 5 more units per further 500). `threads.list` would give the same count at 10 units a page;
//!   `resultSizeEstimate` is an estimate, so the ids are counted instead. It can ride in the same HTTP batch as
//!   `labels.get INBOX`, so a sync that reads counts still sends one request for both.
//! - **Category tabs in use**: from the labels of the inbox rows already cached (no request); see
//!   [`categories_in_use`].
//! - **A label's unread** (for "mark all read" and the picker): `labels.get LABEL` (1 request, 1 unit) is exact
//!   for a label, because a label's counters count exactly its own mail.
//! - **One page of a view**: `threads.list` (10 units) then one HTTP batch of `threads.get` metadata (10 units a
//!   thread): 2 requests and 510 units for a page of 50.

use crate::inbox::{sort_newest_first, AccountInbox, InboxStore, ThreadRow};
use crate::reply::ThreadAction;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

pub use crate::category::Category;

/// What Primary means: inbox mail in none of the other four categories. Gmail's Primary tab shows inbox mail
/// it put in no category at all (mail one sends oneself, for one), which `CATEGORY_PERSONAL` alone would miss.
pub const NOT_IN_OTHER_CATEGORIES: &str =
    "-category:social -category:promotions -category:updates -category:forums";

/// The parameters of one `threads.list` or `messages.list` call, without paging.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ListQuery {
    /// Every label must be on a matching message (Gmail's `labelIds`, repeated).
    pub label_ids: Vec<String>,
    /// Gmail's search syntax (`q`); `None` for none.
    pub q: Option<String>,
    /// Lets spam and trash in (a view of SPAM or TRASH needs no flag: naming the label lets it in).
    pub include_spam_trash: bool,
}

impl ListQuery {
    pub fn labels(ids: &[&str]) -> Self {
        ListQuery {
            label_ids: ids.iter().map(|s| s.to_string()).collect(),
            ..Default::default()
        }
    }

    /// The same query narrowed to unread mail: what "mark all read" lists.
    pub fn unread(&self) -> Self {
        let mut q = self.clone();
        if !q.label_ids.iter().any(|l| l == "UNREAD") {
            q.label_ids.push("UNREAD".into());
        }
        q
    }
}

/// The query whose distinct thread ids are an account's exact Primary-only unread count (see the module docs
/// for the cost): unread inbox messages in no category but Primary.
pub fn primary_unread_query() -> ListQuery {
    ListQuery {
        label_ids: vec!["INBOX".into(), "UNREAD".into()],
        q: Some(NOT_IN_OTHER_CATEGORIES.into()),
        include_spam_trash: false,
    }
}

pub use crate::triage::AccountLabelIds;

/// What a list shows. The inbox stays the cached default; every other view is fetched on demand.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum View {
    Inbox,
    /// One inbox tab.
    Category {
        category: Category,
    },
    /// A label, system or user, by its id in each account that has it; `name` is what the page shows.
    Label {
        name: String,
        ids: AccountLabelIds,
    },
    /// Everything but spam and trash.
    AllMail,
    /// Gmail's own search syntax, on every account.
    Search {
        query: String,
    },
}

impl View {
    /// The list call for one account, or `None` when the account has no such label (it then lists nothing).
    pub fn query(&self, account_id: &str) -> Option<ListQuery> {
        Some(match self {
            View::Inbox => ListQuery::labels(&["INBOX"]),
            View::Category {
                category: Category::Primary,
            } => ListQuery {
                label_ids: vec!["INBOX".into()],
                q: Some(NOT_IN_OTHER_CATEGORIES.into()),
                include_spam_trash: false,
            },
            View::Category { category } => ListQuery::labels(&["INBOX", category.label_id()]),
            View::Label { ids, .. } => ListQuery::labels(&[ids.get(account_id)?.as_str()]),
            View::AllMail => ListQuery::default(),
            View::Search { query } => ListQuery {
                q: Some(query.trim().to_string()),
                ..Default::default()
            },
        })
    }

    /// Whether a row with these labels still belongs in the view after an action, so an optimistic change can
    /// take it out at once (judged on the thread's labels, the union of its messages'; what a page lists is
    /// Gmail's answer, not this). A search cannot be judged locally: its rows stay until the search runs again.
    pub fn keeps(&self, row: &ThreadRow) -> bool {
        let has = |l: &str| row.label_ids.iter().any(|x| x == l);
        let out_of_the_bin = !has("SPAM") && !has("TRASH");
        match self {
            View::Inbox => has("INBOX"),
            View::Category {
                category: Category::Primary,
            } => has("INBOX") && !Category::ALL[1..].iter().any(|c| has(c.label_id())),
            View::Category { category } => has("INBOX") && has(category.label_id()),
            View::Label { ids, .. } => ids
                .get(&row.account_id)
                .is_some_and(|id| has(id) && (out_of_the_bin || id == "SPAM" || id == "TRASH")),
            View::AllMail => out_of_the_bin,
            View::Search { .. } => true,
        }
    }
}

/// Where one account's pages stand.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum PageState {
    /// Its first page has not come yet.
    FirstPage,
    /// Gmail has more: `token` fetches the next page. An empty token means "from the first page": rows come
    /// from elsewhere (the stored inbox) without a token to go on from, so the next fetch starts at the top and
    /// what it already has is merged away (see [`page_token`]).
    More { token: String },
    /// The next page is on its way.
    LoadingMore { token: String },
    /// Every page is loaded.
    Done,
    /// The last call failed; `sentence` says why, for the page to name the account. Its rows so far stay.
    Failed { code: String, sentence: String },
}

impl PageState {
    /// Whether Gmail may still have rows of this account that belong above rows already loaded elsewhere.
    fn has_more(&self) -> bool {
        matches!(self, PageState::More { .. } | PageState::LoadingMore { .. })
    }
}

/// The `pageToken` to send for a token from [`MergedList::begin_next_page`]: none for the empty token.
pub fn page_token(token: &str) -> Option<&str> {
    Some(token).filter(|t| !t.is_empty())
}

/// How the first pages are shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FirstPages {
    /// Nothing is shown until every account's first page came (or failed): the first rows on screen are final.
    /// For a label or category view, where all accounts answer within a round trip or two.
    Wait,
    /// Each account's rows are shown when they come, slotted into date order: what a search across accounts
    /// shows, with a spinner beside each account still searching.
    AsTheyCome,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct AccountPages {
    account_id: String,
    state: PageState,
    /// Newest first, each thread once.
    rows: Vec<ThreadRow>,
}

impl AccountPages {
    fn oldest_ms(&self) -> Option<u64> {
        self.rows.iter().map(|r| r.date_ms).min()
    }
}

/// Several accounts' paginated lists of one view, merged in true date order while pages arrive.
///
/// The rule: a row is shown only if it is newer than the oldest loaded row of every account that still has more
/// pages. Rows of such an account that Gmail has not sent yet are no newer than its oldest loaded row (lists are
/// newest first), so everything above that line is complete, and a row appearing later can only go below every
/// row on screen: scrolling never reshuffles what was read. A row of exactly the line's date waits too, since
/// the next page may hold another of the same date that sorts before it. Failed and finished accounts set no
/// line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MergedList {
    first_pages: FirstPages,
    accounts: Vec<AccountPages>,
}

/// A row's identity across accounts: the same thread id in two mailboxes is two threads.
pub type RowKey = (String, String);

fn key(row: &ThreadRow) -> RowKey {
    (row.account_id.clone(), row.thread_id.clone())
}

impl MergedList {
    pub fn new(account_ids: &[&str], first_pages: FirstPages) -> Self {
        let mut accounts: Vec<AccountPages> = Vec::with_capacity(account_ids.len());
        for a in account_ids {
            if !accounts.iter().any(|known| known.account_id == *a) {
                accounts.push(AccountPages {
                    account_id: a.to_string(),
                    state: PageState::FirstPage,
                    rows: Vec::new(),
                });
            }
        }
        MergedList {
            first_pages,
            accounts,
        }
    }

    fn account_mut(&mut self, account_id: &str) -> Option<&mut AccountPages> {
        self.accounts
            .iter_mut()
            .find(|a| a.account_id == account_id)
    }

    pub fn account_ids(&self) -> Vec<&str> {
        self.accounts
            .iter()
            .map(|a| a.account_id.as_str())
            .collect()
    }

    pub fn state(&self, account_id: &str) -> Option<&PageState> {
        self.accounts
            .iter()
            .find(|a| a.account_id == account_id)
            .map(|a| &a.state)
    }

    /// Adds one page of an account. Rows of another account are ignored; a thread already loaded (Gmail may
    /// list it again when mail moved between two pages) is replaced by the newer answer, never listed twice.
    /// Returns false when the account is not part of the list (removed meanwhile).
    pub fn add_page(
        &mut self,
        account_id: &str,
        rows: Vec<ThreadRow>,
        next_page_token: Option<String>,
    ) -> bool {
        let Some(account) = self.account_mut(account_id) else {
            return false;
        };
        for row in rows.into_iter().filter(|r| r.account_id == account_id) {
            match account
                .rows
                .iter_mut()
                .find(|r| r.thread_id == row.thread_id)
            {
                Some(existing) => *existing = row,
                None => account.rows.push(row),
            }
        }
        sort_newest_first(&mut account.rows);
        account.state = match next_page_token.filter(|t| !t.is_empty()) {
            Some(token) => PageState::More { token },
            None => PageState::Done,
        };
        true
    }

    /// Puts rows and a state in place for an account, as they were known elsewhere (the stored inbox and the
    /// older pages loaded after it), which hold each thread once. Rows of another account are left out.
    pub fn seed(&mut self, account_id: &str, mut rows: Vec<ThreadRow>, state: PageState) -> bool {
        let Some(account) = self.account_mut(account_id) else {
            return false;
        };
        rows.retain(|r| r.account_id == account_id);
        sort_newest_first(&mut rows);
        account.rows = rows;
        account.state = state;
        true
    }

    /// An account's loaded rows, newest first.
    pub fn rows_of(&self, account_id: &str) -> &[ThreadRow] {
        self.accounts
            .iter()
            .find(|a| a.account_id == account_id)
            .map_or(&[], |a| a.rows.as_slice())
    }

    /// Marks the account's next page as on its way and returns its token, or `None` when it has none to fetch
    /// (done, failed, or already loading).
    pub fn begin_next_page(&mut self, account_id: &str) -> Option<String> {
        let account = self.account_mut(account_id)?;
        match &account.state {
            PageState::More { token } => {
                let token = token.clone();
                account.state = PageState::LoadingMore {
                    token: token.clone(),
                };
                Some(token)
            }
            _ => None,
        }
    }

    /// Records that the account's last call failed. Its loaded rows stay; it no longer holds back the others.
    pub fn fail(&mut self, account_id: &str, code: &str, sentence: &str) {
        if let Some(account) = self.account_mut(account_id) {
            account.state = PageState::Failed {
                code: code.to_string(),
                sentence: sentence.to_string(),
            };
        }
    }

    /// Starts an account over from its first page (after Gmail refused an expired page token). Its rows go:
    /// kept, they would claim that nothing is missing between them and the new first page.
    pub fn restart(&mut self, account_id: &str) {
        if let Some(account) = self.account_mut(account_id) {
            account.rows.clear();
            account.state = PageState::FirstPage;
        }
    }

    /// Forgets an account (removed while its pages were loading).
    pub fn remove_account(&mut self, account_id: &str) {
        self.accounts.retain(|a| a.account_id != account_id);
    }

    /// The date above which every account's rows are loaded: `None` when nothing holds the list back, and
    /// `u64::MAX` when nothing can be shown yet.
    pub fn cutoff_ms(&self) -> Option<u64> {
        let mut cutoff: Option<u64> = None;
        for a in &self.accounts {
            let line = match (&a.state, self.first_pages) {
                (PageState::FirstPage, FirstPages::Wait) => Some(u64::MAX),
                (PageState::FirstPage, FirstPages::AsTheyCome) => None,
                (s, _) if s.has_more() => Some(a.oldest_ms().unwrap_or(u64::MAX)),
                _ => None,
            };
            cutoff = cutoff.max(line);
        }
        cutoff
    }

    /// The rows to show, newest first, each thread once.
    pub fn visible_rows(&self) -> Vec<&ThreadRow> {
        let cutoff = self.cutoff_ms();
        let mut rows: Vec<&ThreadRow> = self
            .accounts
            .iter()
            .flat_map(|a| a.rows.iter())
            .filter(|r| cutoff.is_none_or(|c| r.date_ms > c))
            .collect();
        // Keys are unique (an account's thread once), so an unstable sort is as deterministic as a stable one,
        // and smaller in the pages' wasm.
        rows.sort_unstable_by(|a, b| {
            (std::cmp::Reverse(a.date_ms), &a.account_id, &a.thread_id).cmp(&(
                std::cmp::Reverse(b.date_ms),
                &b.account_id,
                &b.thread_id,
            ))
        });
        rows
    }

    /// Loaded rows strictly below the line, per account (the line's own row is not counted: it shows as soon
    /// as the account's next page comes).
    fn hidden_count(&self, account: &AccountPages, cutoff: Option<u64>) -> usize {
        cutoff.map_or(0, |c| account.rows.iter().filter(|r| r.date_ms < c).count())
    }

    /// The accounts whose next page "load more" should fetch: those with more pages that have fewer than
    /// `low_water` loaded rows waiting below the line. The account that sets the line has none waiting, so it
    /// is always among them; an account with a screenful waiting is left alone until the list reaches it.
    pub fn accounts_to_load(&self, low_water: usize) -> Vec<&str> {
        let cutoff = self.cutoff_ms();
        self.accounts
            .iter()
            .filter(|a| matches!(a.state, PageState::More { .. }))
            .filter(|a| self.hidden_count(a, cutoff) < low_water.max(1))
            .map(|a| a.account_id.as_str())
            .collect()
    }

    /// Whether every account is done (or failed): nothing more will come.
    pub fn is_complete(&self) -> bool {
        self.accounts
            .iter()
            .all(|a| matches!(a.state, PageState::Done | PageState::Failed { .. }))
    }

    /// Accounts whose last call failed, with the sentence to show beside their name.
    pub fn failures(&self) -> Vec<(&str, &str)> {
        self.accounts
            .iter()
            .filter_map(|a| match &a.state {
                PageState::Failed { sentence, .. } => {
                    Some((a.account_id.as_str(), sentence.as_str()))
                }
                _ => None,
            })
            .collect()
    }

    /// Puts a row's new state in place after an action, or takes it out when the view no longer keeps it.
    /// Returns the row it replaced, for a rollback with [`MergedList::restore_row`].
    pub fn replace_row(&mut self, view: &View, row: ThreadRow) -> Option<ThreadRow> {
        let account = self.account_mut(&row.account_id)?;
        let pos = account
            .rows
            .iter()
            .position(|r| r.thread_id == row.thread_id)?;
        let previous = account.rows.remove(pos);
        if view.keeps(&row) {
            account.rows.push(row);
            sort_newest_first(&mut account.rows);
        }
        Some(previous)
    }

    /// Puts a row back as it was (an undo, or Gmail refusing an optimistic change), in its place by date.
    pub fn restore_row(&mut self, previous: ThreadRow) {
        let Some(account) = self.account_mut(&previous.account_id) else {
            return;
        };
        account.rows.retain(|r| r.thread_id != previous.thread_id);
        account.rows.push(previous);
        sort_newest_first(&mut account.rows);
    }

    pub fn row(&self, k: &RowKey) -> Option<&ThreadRow> {
        self.accounts
            .iter()
            .find(|a| a.account_id == k.0)?
            .rows
            .iter()
            .find(|r| r.thread_id == k.1)
    }

    /// Every loaded row's key, shown or not (for selections that must not name a row twice).
    pub fn keys(&self) -> Vec<RowKey> {
        self.accounts
            .iter()
            .flat_map(|a| a.rows.iter().map(key))
            .collect()
    }
}

/// How far one account's part of a search is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum AccountSearch {
    Searching,
    /// Answered; `more` when it has further pages.
    Done {
        more: bool,
    },
    Failed {
        sentence: String,
    },
}

/// One search across accounts: its generation, its query, and its results as a [`MergedList`] shown as they
/// come. An answer of an older generation (a search the user has since replaced) is dropped, so a slow
/// account's late answer can never overwrite the results of what the user typed since.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Search {
    generation: u64,
    query: String,
    list: MergedList,
}

impl Default for Search {
    fn default() -> Self {
        Search {
            generation: 0,
            query: String::new(),
            list: MergedList::new(&[], FirstPages::AsTheyCome),
        }
    }
}

impl Search {
    /// Starts a new search and returns its generation; every earlier answer is stale from now on.
    pub fn start(&mut self, query: &str, account_ids: &[&str]) -> u64 {
        self.generation += 1;
        self.query = query.trim().to_string();
        self.list = MergedList::new(account_ids, FirstPages::AsTheyCome);
        self.generation
    }

    pub fn generation(&self) -> u64 {
        self.generation
    }

    pub fn query(&self) -> &str {
        &self.query
    }

    /// The search as a view, for [`View::query`] and "load more".
    pub fn view(&self) -> View {
        View::Search {
            query: self.query.clone(),
        }
    }

    pub fn list(&self) -> &MergedList {
        &self.list
    }

    pub fn list_mut(&mut self) -> &mut MergedList {
        &mut self.list
    }

    /// Takes a page of results if it answers the current search; returns false (and changes nothing) for a
    /// stale generation or an account no longer in it.
    pub fn accept_page(
        &mut self,
        generation: u64,
        account_id: &str,
        rows: Vec<ThreadRow>,
        next_page_token: Option<String>,
    ) -> bool {
        generation == self.generation && self.list.add_page(account_id, rows, next_page_token)
    }

    /// Takes a failure if it answers the current search (the account is then named with `sentence`).
    pub fn accept_failure(
        &mut self,
        generation: u64,
        account_id: &str,
        code: &str,
        sentence: &str,
    ) -> bool {
        if generation != self.generation || self.list.state(account_id).is_none() {
            return false;
        }
        self.list.fail(account_id, code, sentence);
        true
    }

    /// Each account's progress, in the order the search was started with, for the spinners and the failures.
    pub fn progress(&self) -> Vec<(&str, AccountSearch)> {
        self.list
            .accounts
            .iter()
            .map(|a| {
                let s = match &a.state {
                    PageState::FirstPage => AccountSearch::Searching,
                    PageState::More { .. } => AccountSearch::Done { more: true },
                    PageState::LoadingMore { .. } => AccountSearch::Searching,
                    PageState::Done => AccountSearch::Done { more: false },
                    PageState::Failed { sentence, .. } => AccountSearch::Failed {
                        sentence: sentence.clone(),
                    },
                };
                (a.account_id.as_str(), s)
            })
            .collect()
    }
}

/// How long typing must pause before a search is sent.
pub const SEARCH_DEBOUNCE_MS: u64 = 300;

/// The debounce of the search box, as a pure state machine: the page reports each keystroke with
/// [`Debounce::input`], sets a timer for [`Debounce::due_at`], and sends what [`Debounce::poll`] returns. At most
/// one search leaves per pause, and never the same query twice in a row.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Debounce {
    last_input_ms: Option<u64>,
    text: String,
    sent: Option<String>,
}

impl Debounce {
    /// The user typed; `text` is the whole box.
    pub fn input(&mut self, text: &str, now_ms: u64) {
        self.text = text.trim().to_string();
        self.last_input_ms = Some(now_ms);
    }

    /// When the pending search is due, if one is pending.
    pub fn due_at(&self) -> Option<u64> {
        self.last_input_ms
            .map(|t| t.saturating_add(SEARCH_DEBOUNCE_MS))
    }

    /// The query to send now, once per pause: `None` while typing goes on, when nothing changed since the last
    /// search, and for an empty box (the page then shows the view it came from).
    pub fn poll(&mut self, now_ms: u64) -> Option<String> {
        let due = self.due_at()?;
        if now_ms < due {
            return None;
        }
        self.last_input_ms = None;
        self.take()
    }

    /// Enter: send at once, without waiting for the pause.
    pub fn flush(&mut self) -> Option<String> {
        self.last_input_ms = None;
        self.take()
    }

    fn take(&mut self) -> Option<String> {
        if self.text.is_empty() {
            self.sent = None;
            return None;
        }
        if self.sent.as_deref() == Some(self.text.as_str()) {
            return None;
        }
        self.sent = Some(self.text.clone());
        Some(self.text.clone())
    }
}

/// How many recent searches are kept.
pub const MAX_RECENT_SEARCHES: usize = 10;
/// The longest query kept as a recent search, in characters.
pub const MAX_RECENT_SEARCH_CHARS: usize = 500;

/// Recent searches, newest first, each once (compared without case), kept in `storage.local`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct RecentSearches {
    #[serde(default)]
    pub items: Vec<String>,
}

impl RecentSearches {
    pub fn add(&mut self, query: &str) {
        let query = query.trim();
        if query.is_empty() || query.chars().count() > MAX_RECENT_SEARCH_CHARS {
            return;
        }
        let lower = query.to_lowercase();
        self.items.retain(|q| q.to_lowercase() != lower);
        self.items.insert(0, query.to_string());
        self.items.truncate(MAX_RECENT_SEARCHES);
    }

    pub fn remove(&mut self, query: &str) {
        let lower = query.trim().to_lowercase();
        self.items.retain(|q| q.to_lowercase() != lower);
    }

    pub fn clear(&mut self) {
        self.items.clear();
    }

    /// Those that start with what is typed (all when nothing is), for the search box's suggestions. ASCII
    /// letters compare without case, others as typed: a page folds no further without Unicode's case tables
    /// (some 20 KB of wasm), and Gmail's operators are ASCII.
    pub fn matching(&self, typed: &str) -> Vec<&str> {
        let typed = typed.trim().to_ascii_lowercase();
        self.items
            .iter()
            .filter(|q| q.to_ascii_lowercase().starts_with(&typed))
            .map(String::as_str)
            .collect()
    }
}

/// The categories of the inbox rows at hand (each account's cached first page): Gmail's API does not say
/// whether an account shows category tabs, and Gmail files mail into categories either way, so a category is
/// "in use" when inbox mail carries it. Mail in no category counts as Primary.
pub fn categories_in_use<'a>(rows: impl IntoIterator<Item = &'a ThreadRow>) -> Vec<Category> {
    let mut used = [false; 5];
    for row in rows.into_iter().filter(|r| r.in_inbox()) {
        let mut any = false;
        for c in row
            .label_ids
            .iter()
            .filter_map(|l| Category::from_label_id(l))
        {
            used[c as usize] = true;
            any = true;
        }
        if !any {
            used[Category::Primary as usize] = true;
        }
    }
    in_gmails_order(used)
}

/// The categories marked, in Gmail's order. (A fixed array rather than a set: the pages' wasm stays smaller.)
fn in_gmails_order(used: [bool; 5]) -> Vec<Category> {
    Category::ALL
        .into_iter()
        .filter(|c| used[*c as usize])
        .collect()
}

/// The categories any account's inbox uses, in Gmail's order: what each account's last sync found (exact,
/// over its whole inbox: see the module docs), or, for an account not counted yet, what its stored rows carry.
pub fn store_categories(store: &InboxStore) -> Vec<Category> {
    let mut used = [false; 5];
    for inbox in &store.accounts {
        let categories = match &inbox.account.categories {
            Some(categories) => categories.clone(),
            None => categories_in_use(&inbox.threads),
        };
        for c in categories {
            used[c as usize] = true;
        }
    }
    in_gmails_order(used)
}

/// The tabs above the combined list: none when no account has mail outside Primary (one tab is no choice),
/// else Primary and each category in use, in Gmail's order.
pub fn category_tabs(in_use: &[Category]) -> Vec<Category> {
    if !in_use.iter().any(|c| *c != Category::Primary) {
        return Vec::new();
    }
    Category::ALL
        .into_iter()
        .filter(|c| *c == Category::Primary || in_use.contains(c))
        .collect()
}

/// Whether a label is Gmail's or the user's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LabelKind {
    System,
    User,
}

/// A user label's colours, each `#rrggbb`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LabelColor {
    pub text: String,
    pub background: String,
}

impl LabelColor {
    /// Both colours, if both are `#rrggbb`: a colour goes into a style attribute, so nothing else is let through.
    pub fn checked(text: &str, background: &str) -> Option<LabelColor> {
        (crate::view::is_hex_color(text) && crate::view::is_hex_color(background)).then(|| {
            LabelColor {
                text: text.to_ascii_lowercase(),
                background: background.to_ascii_lowercase(),
            }
        })
    }
}

/// One label of one account, as `labels.list` (no counts) or `labels.get` (with counts) gives it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LabelInfo {
    pub id: String,
    /// Gmail's name: for system labels their id (`INBOX`), for user labels the path (`Work/Clients`).
    pub name: String,
    pub kind: LabelKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color: Option<LabelColor>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threads_total: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threads_unread: Option<u64>,
}

/// The system labels the picker offers, in Gmail's order, with their names; All Mail (which is no label) comes
/// after them.
pub const PICKER_SYSTEM_LABELS: [(&str, &str); 7] = [
    ("INBOX", "Inbox"),
    ("STARRED", "Starred"),
    ("IMPORTANT", "Important"),
    ("SENT", "Sent"),
    ("DRAFT", "Drafts"),
    ("SPAM", "Spam"),
    ("TRASH", "Trash"),
];

/// What choosing a node shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NodeKind {
    System,
    AllMail,
    User,
    /// A path segment no account has as a label of its own (`A` of `A/B` when only `A/B` exists): a heading.
    Heading,
}

/// One entry of the label picker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LabelNode {
    /// What the entry shows: the last segment of a user label's path, a system label's Gmail name.
    pub name: String,
    /// The whole name (`Work/Clients`), or the system label's id.
    pub path: String,
    pub kind: NodeKind,
    /// The label's id in each account that has it.
    pub ids: AccountLabelIds,
    /// The colour of the first account (in the order given) that gave it one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color: Option<LabelColor>,
    /// Unread threads summed over the accounts that reported a count.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threads_unread: Option<u64>,
    pub children: Vec<LabelNode>,
}

impl LabelNode {
    /// The view choosing this entry opens; `None` for a heading.
    pub fn view(&self) -> Option<View> {
        match self.kind {
            NodeKind::Heading => None,
            NodeKind::AllMail => Some(View::AllMail),
            NodeKind::System | NodeKind::User => Some(View::Label {
                name: self.name_for_view(),
                ids: self.ids.clone(),
            }),
        }
    }

    fn name_for_view(&self) -> String {
        match self.kind {
            NodeKind::User => self.path.clone(),
            _ => self.name.clone(),
        }
    }
}

/// The label picker: Gmail's system labels in Gmail's order (those any account has), All Mail, then the user
/// labels nested by `/`, each level sorted by name without case. Accounts are merged by label name (without
/// case, as Gmail compares names), so `Travel` of two accounts is one entry naming both ids; pass one account for
/// its own tree.
pub fn label_tree(accounts: &[(&str, &[LabelInfo])]) -> Vec<LabelNode> {
    let mut out = Vec::new();
    for (id, name) in PICKER_SYSTEM_LABELS {
        let mut node = LabelNode {
            name: name.into(),
            path: id.into(),
            kind: NodeKind::System,
            ids: BTreeMap::new(),
            color: None,
            threads_unread: None,
            children: Vec::new(),
        };
        for (account, labels) in accounts {
            if let Some(l) = labels.iter().find(|l| l.id == id) {
                node.ids.insert(account.to_string(), l.id.clone());
                add_unread(&mut node.threads_unread, l.threads_unread);
            }
        }
        if !node.ids.is_empty() {
            out.push(node);
        }
    }
    if !accounts.is_empty() {
        out.push(LabelNode {
            name: "All Mail".into(),
            path: "ALL_MAIL".into(),
            kind: NodeKind::AllMail,
            ids: accounts
                .iter()
                .map(|(a, _)| (a.to_string(), String::new()))
                .collect(),
            color: None,
            threads_unread: None,
            children: Vec::new(),
        });
    }
    let mut users: Vec<LabelNode> = Vec::new();
    for (account, labels) in accounts {
        for l in labels.iter().filter(|l| l.kind == LabelKind::User) {
            let segments: Vec<&str> = l
                .name
                .split('/')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .collect();
            if segments.is_empty() {
                continue;
            }
            insert_user_label(&mut users, &segments, 0, account, l);
        }
    }
    sort_nodes(&mut users);
    out.extend(users);
    out
}

fn add_unread(total: &mut Option<u64>, n: Option<u64>) {
    if let Some(n) = n {
        *total = Some(total.unwrap_or(0).saturating_add(n));
    }
}

fn insert_user_label(
    level: &mut Vec<LabelNode>,
    segments: &[&str],
    depth: usize,
    account: &str,
    label: &LabelInfo,
) {
    let name = segments[depth];
    let path = segments[..=depth].join("/");
    let pos = match level
        .iter()
        .position(|n| n.path.to_lowercase() == path.to_lowercase())
    {
        Some(p) => p,
        None => {
            level.push(LabelNode {
                name: name.to_string(),
                path,
                kind: NodeKind::Heading,
                ids: BTreeMap::new(),
                color: None,
                threads_unread: None,
                children: Vec::new(),
            });
            level.len() - 1
        }
    };
    let node = &mut level[pos];
    if depth + 1 == segments.len() {
        node.kind = NodeKind::User;
        node.ids
            .entry(account.to_string())
            .or_insert_with(|| label.id.clone());
        if node.color.is_none() {
            node.color = label.color.clone();
        }
        add_unread(&mut node.threads_unread, label.threads_unread);
    } else {
        insert_user_label(&mut node.children, segments, depth + 1, account, label);
    }
}

fn sort_nodes(nodes: &mut [LabelNode]) {
    nodes.sort_by(|a, b| (a.name.to_lowercase(), &a.name).cmp(&(b.name.to_lowercase(), &b.name)));
    for n in nodes {
        sort_nodes(&mut n.children);
    }
}

/// One line of the label picker, flat, as a page draws it: the background builds them from every account's
/// labels ([`label_tree`], [`picker_entries`]) so the page only draws and filters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PickerEntry {
    /// How deep in the tree (0 for the top), for indentation.
    pub depth: u32,
    /// What the line shows: the last segment of a user label's path, a system label's name.
    pub name: String,
    /// The whole name (`Work/Clients`), or the system label's id (`ALL_MAIL` for All Mail).
    pub path: String,
    pub kind: NodeKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color: Option<LabelColor>,
    /// The label's id in each account that has it.
    #[serde(default)]
    pub ids: AccountLabelIds,
    /// The whole name and the shown one, in lower case (Unicode's rules, applied where the lines are built, so
    /// a page needs no case tables of its own: see [`PickerEntry::matches`]) and as written.
    #[serde(default)]
    pub key: String,
}

impl PickerEntry {
    /// The view choosing the line opens; `None` for a heading.
    pub fn view(&self) -> Option<View> {
        match self.kind {
            NodeKind::Heading => None,
            NodeKind::AllMail => Some(View::AllMail),
            NodeKind::System => Some(View::Label {
                name: self.name.clone(),
                ids: self.ids.clone(),
            }),
            NodeKind::User => Some(View::Label {
                name: self.path.clone(),
                ids: self.ids.clone(),
            }),
        }
    }

    /// The type-ahead: whether every typed word is in the line's whole name, without case (headings never).
    /// The name's case is folded where the line was built; the typed words' ASCII letters here, which is all a
    /// page can fold without Unicode's case tables (some 20 KB of wasm): a capital `Ä` typed finds the names
    /// written with one.
    pub fn matches(&self, typed: &str) -> bool {
        self.kind != NodeKind::Heading
            && typed
                .split_whitespace()
                .all(|w| self.key.contains(w.to_ascii_lowercase().as_str()))
    }
}

/// The lines to show when one account is shown alone (`only`), by index: those it has, and the headings above
/// them. The lines keep every account's ids, so the view chosen can show all accounts again.
pub fn lines_of_account(lines: &[PickerEntry], only: Option<&str>) -> Vec<usize> {
    let Some(only) = only else {
        return (0..lines.len()).collect();
    };
    let has = |l: &PickerEntry| l.kind != NodeKind::Heading && l.ids.contains_key(only);
    (0..lines.len())
        .filter(|&i| {
            let line = &lines[i];
            if line.kind != NodeKind::Heading {
                return has(line);
            }
            lines[i + 1..]
                .iter()
                .take_while(|l| l.depth > line.depth)
                .any(has)
        })
        .collect()
}

/// The tree as the picker's lines, in tree order.
pub fn picker_entries(tree: &[LabelNode]) -> Vec<PickerEntry> {
    let mut out = Vec::new();
    walk(tree, 0, &mut |depth, node| {
        out.push(PickerEntry {
            depth: depth as u32,
            name: node.name.clone(),
            path: node.path.clone(),
            kind: node.kind,
            color: node.color.clone(),
            ids: node.ids.clone(),
            key: {
                let name = format!("{} {}", node.path, node.name);
                format!("{} {name}", name.to_lowercase())
            },
        })
    });
    out
}

/// The picker's type-ahead: entries (headings left out) whose whole name contains every typed word, without
/// case, in tree order, each with its depth for indentation.
pub fn filter_labels<'a>(tree: &'a [LabelNode], typed: &str) -> Vec<(usize, &'a LabelNode)> {
    let words: Vec<String> = typed.split_whitespace().map(str::to_lowercase).collect();
    let mut out = Vec::new();
    walk(tree, 0, &mut |depth, node| {
        let hay = format!("{} {}", node.path, node.name).to_lowercase();
        if node.kind != NodeKind::Heading && words.iter().all(|w| hay.contains(w.as_str())) {
            out.push((depth, node));
        }
    });
    out
}

fn walk<'a>(nodes: &'a [LabelNode], depth: usize, f: &mut impl FnMut(usize, &'a LabelNode)) {
    for n in nodes {
        f(depth, n);
        walk(&n.children, depth + 1, f);
    }
}

/// The row as it will be once Gmail has applied `action`: what a list shows at once.
pub fn action_row(row: &ThreadRow, action: ThreadAction) -> ThreadRow {
    let (add, remove) = action.label_change();
    let labels = crate::triage::LabelChange::new(add, remove).apply(&row.label_ids);
    crate::triage::relabel_row(row, &labels)
}

/// The combined inbox with its older mail: each account's stored rows (the newest ones, which the sync keeps in
/// `storage.local`), then the older pages "load more" fetched (kept in the page's memory), merged in true date
/// order by [`MergedList`]'s rule.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OlderInbox {
    /// Per account that loaded anything older: the rows fetched beyond the stored ones and where its pages stand.
    accounts: Vec<OlderPages>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct OlderPages {
    account_id: String,
    rows: Vec<ThreadRow>,
    state: PageState,
}

impl OlderInbox {
    /// Where an account's pages stand before it loaded anything older: at the stored token, at the first page
    /// when the inbox has more than is stored and no token is known, else done.
    fn initial_state(inbox: &AccountInbox) -> PageState {
        match &inbox.next_page_token {
            Some(token) => PageState::More {
                token: token.clone(),
            },
            None if inbox.has_older() => PageState::More {
                token: String::new(),
            },
            None => PageState::Done,
        }
    }

    fn pages(&self, account_id: &str) -> Option<&OlderPages> {
        self.accounts.iter().find(|a| a.account_id == account_id)
    }

    fn pages_mut(&mut self, account_id: &str) -> Option<&mut OlderPages> {
        self.accounts
            .iter_mut()
            .find(|a| a.account_id == account_id)
    }

    /// The list to show: every account of the store (or only `only`), each with its stored rows and then its
    /// older ones (a stored row wins over an older copy of the same thread: it is the newer answer).
    pub fn merged(&self, store: &InboxStore, only: Option<&str>) -> MergedList {
        let inboxes: Vec<&AccountInbox> = store
            .accounts
            .iter()
            .filter(|a| only.is_none_or(|o| o == a.account.id))
            .collect();
        let ids: Vec<&str> = inboxes.iter().map(|a| a.account.id.as_str()).collect();
        let mut list = MergedList::new(&ids, FirstPages::Wait);
        for inbox in inboxes {
            let stored = &inbox.threads;
            let (older, state) = match self.pages(&inbox.account.id) {
                Some(pages) => (pages.rows.as_slice(), pages.state.clone()),
                None => (&[][..], Self::initial_state(inbox)),
            };
            let mut rows = stored.clone();
            rows.extend(
                older
                    .iter()
                    .filter(|r| !stored.iter().any(|s| s.thread_id == r.thread_id))
                    .cloned(),
            );
            list.seed(&inbox.account.id, rows, state);
        }
        list
    }

    /// Where an account's older pages stand.
    pub fn state_of(&self, inbox: &AccountInbox) -> PageState {
        match self.pages(&inbox.account.id) {
            Some(pages) => pages.state.clone(),
            None => Self::initial_state(inbox),
        }
    }

    /// Marks the account's next older page as on its way and returns its token (empty: from the first page), or
    /// `None` when it has nothing more to fetch or a page is already on its way.
    pub fn begin(&mut self, store: &InboxStore, account_id: &str) -> Option<String> {
        let inbox = store.account(account_id)?;
        if self.pages(account_id).is_none() {
            self.accounts.push(OlderPages {
                account_id: account_id.to_string(),
                rows: Vec::new(),
                state: Self::initial_state(inbox),
            });
        }
        let pages = self.pages_mut(account_id)?;
        match &pages.state {
            PageState::More { token } => {
                let token = token.clone();
                pages.state = PageState::LoadingMore {
                    token: token.clone(),
                };
                Some(token)
            }
            _ => None,
        }
    }

    /// Adds a page of older rows; a thread already loaded is replaced by the newer answer.
    pub fn add_page(&mut self, account_id: &str, rows: Vec<ThreadRow>, next: Option<String>) {
        let Some(pages) = self.pages_mut(account_id) else {
            return;
        };
        for row in rows.into_iter().filter(|r| r.account_id == account_id) {
            match pages.rows.iter_mut().find(|r| r.thread_id == row.thread_id) {
                Some(existing) => *existing = row,
                None => pages.rows.push(row),
            }
        }
        sort_newest_first(&mut pages.rows);
        pages.state = match next.filter(|t| !t.is_empty()) {
            Some(token) => PageState::More { token },
            None => PageState::Done,
        };
    }

    /// The account's last page failed: its rows stay, and it no longer holds the others back.
    pub fn fail(&mut self, account_id: &str, code: &str, sentence: &str) {
        if let Some(pages) = self.pages_mut(account_id) {
            pages.state = PageState::Failed {
                code: code.to_string(),
                sentence: sentence.to_string(),
            };
        }
    }

    /// Gmail refused the page token: the older rows go and the account's first page is on its way again (its
    /// rows that are stored merge away).
    pub fn restart(&mut self, account_id: &str) {
        if let Some(pages) = self.pages_mut(account_id) {
            pages.rows.clear();
            pages.state = PageState::LoadingMore {
                token: String::new(),
            };
        }
    }

    /// Forgets what was loaded for accounts no longer in the store.
    pub fn retain_accounts(&mut self, store: &InboxStore) {
        self.accounts
            .retain(|a| store.account(&a.account_id).is_some());
    }

    /// An action's row in place among the older rows, or out of them when it left the inbox; returns the row
    /// it replaced.
    pub fn replace_row(&mut self, row: ThreadRow) -> Option<ThreadRow> {
        let pages = self.pages_mut(&row.account_id)?;
        let pos = pages
            .rows
            .iter()
            .position(|r| r.thread_id == row.thread_id)?;
        let previous = pages.rows.remove(pos);
        if View::Inbox.keeps(&row) {
            pages.rows.push(row);
            sort_newest_first(&mut pages.rows);
        }
        Some(previous)
    }

    /// Puts a row back among the older rows (Gmail refused the action).
    pub fn restore_row(&mut self, previous: ThreadRow) {
        let Some(pages) = self.pages_mut(&previous.account_id) else {
            return;
        };
        pages.rows.retain(|r| r.thread_id != previous.thread_id);
        pages.rows.push(previous);
        sort_newest_first(&mut pages.rows);
    }

    /// Whether any account is loading an older page.
    pub fn is_loading(&self) -> bool {
        self.accounts
            .iter()
            .any(|a| matches!(a.state, PageState::LoadingMore { .. }))
    }
}

/// Counts distinct threads in a list of `(message id, thread id)` answers, as the Primary-only count needs
/// (several unread messages of one thread are one unread conversation).
pub fn distinct_threads<'a>(thread_ids: impl IntoIterator<Item = &'a str>) -> u64 {
    let set: std::collections::HashSet<&str> = thread_ids.into_iter().collect();
    set.len() as u64
}

/// Per-account Primary-only settings, as the background applies them to the list, the badge, the toolbar
/// total and notifications.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PrimaryOnly {
    /// Account ids with Primary only on.
    #[serde(default)]
    pub accounts: BTreeSet<String>,
}

impl PrimaryOnly {
    /// The accounts the user set to Primary only (`Settings.accounts[id].primary_only`, the one setting).
    pub fn of(settings: &crate::settings::Settings) -> Self {
        PrimaryOnly {
            accounts: settings
                .accounts
                .iter()
                .filter(|(_, a)| a.primary_only)
                .map(|(id, _)| id.clone())
                .collect(),
        }
    }

    pub fn is_on(&self, account_id: &str) -> bool {
        self.accounts.contains(account_id)
    }

    /// The unread count the badge shows for an account: its Primary count when Primary only is on and the count
    /// is known, else the inbox's.
    pub fn unread(&self, account_id: &str, inbox_unread: u64, primary_unread: Option<u64>) -> u64 {
        match (self.is_on(account_id), primary_unread) {
            (true, Some(n)) => n,
            _ => inbox_unread,
        }
    }

    /// Whether an inbox row shows in the combined list.
    pub fn shows(&self, row: &ThreadRow) -> bool {
        !self.is_on(&row.account_id)
            || View::Category {
                category: Category::Primary,
            }
            .keeps(row)
    }
}

#[cfg(test)]
mod tests;
