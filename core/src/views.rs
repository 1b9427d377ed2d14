//! What a page shows beyond the stored inbox, as the page holds it: the view chosen (the inbox with its older
//! mail, a category tab, a label, all mail, a search), its rows merged across accounts in true date order while
//! pages arrive, each account's progress, and the answers it takes.
//!
//! The page keeps the list ([`ViewSession`]); the background only fetches pages. Each page of each account is one
//! runtime message ([`crate::messages::Intent::ListPage`]) answered with a [`PageReply`] as soon as that
//! account's page is in, so a search across accounts shows every account as it arrives, with nothing to
//! subscribe to and nothing left behind in the background when a popup closes mid-search (the browser drops the
//! reply). A reply is taken only if it answers the view and generation still shown ([`Fetch`]), so a slow
//! account's late answer never lands in a newer view or search.
//!
//! Plain data and decisions, table-tested here; `extension/src/pages/views.rs` runs the fetches and draws.

use serde::{Deserialize, Serialize};

use crate::inbox::{InboxStore, ThreadRow};
use crate::listing::{
    action_row, label_tree, page_token, picker_entries, AccountSearch, Category, FirstPages,
    LabelInfo, MergedList, OlderInbox, PageState, PickerEntry, Search, View,
};
use crate::messages::{Intent, IntentError, ThreadAction};
use crate::settings::Settings;

/// Rows that may wait below the line before "load more" leaves an account alone (a screenful in the popup).
pub const LOW_WATER_ROWS: usize = 12;

/// The answer to [`Intent::ListPage`]: one page of one account's view, or why not.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PageReply {
    pub ok: bool,
    /// Newest first, each thread once.
    #[serde(default)]
    pub rows: Vec<ThreadRow>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_page_token: Option<String>,
    /// A sentence for the user when `ok` is false (Gmail's reason for a refused search among them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<IntentError>,
}

impl PageReply {
    pub fn page(rows: Vec<ThreadRow>, next_page_token: Option<String>) -> Self {
        PageReply {
            ok: true,
            rows,
            next_page_token,
            ..Default::default()
        }
    }

    pub fn failed(code: IntentError, error: impl Into<String>) -> Self {
        PageReply {
            ok: false,
            error: Some(error.into()),
            code: Some(code),
            ..Default::default()
        }
    }
}

/// An account whose labels could not be read, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LabelsFailure {
    pub email: String,
    pub sentence: String,
}

/// The answer to [`Intent::Labels`]: the label picker's lines for every account (or the one asked for), built
/// by the background so a page only draws them.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct LabelsReply {
    #[serde(default)]
    pub entries: Vec<PickerEntry>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub failures: Vec<LabelsFailure>,
    /// Set when the background could not ask at all (gmux-host not connected).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The picker's lines for the labels read from each account (`(account, labels)` in the store's order).
pub fn labels_reply(
    accounts: &[(&str, &[LabelInfo])],
    failures: Vec<LabelsFailure>,
) -> LabelsReply {
    LabelsReply {
        entries: picker_entries(&label_tree(accounts)),
        failures,
        error: None,
    }
}

/// One page the page must ask the background for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fetch {
    /// The list generation it belongs to (the inbox's older pages have none: they stay valid).
    pub generation: u64,
    pub account: String,
    pub view: View,
    pub page_token: Option<String>,
    /// Past the background's memory of recent pages (the Refresh button).
    pub fresh: bool,
}

impl Fetch {
    pub fn intent(&self) -> Intent {
        Intent::ListPage {
            account: self.account.clone(),
            view: self.view.clone(),
            page_token: self.page_token.clone(),
            fresh: self.fresh,
        }
    }
}

/// How far one account of the view is, for its spinner or its name among the failures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Progress {
    Loading,
    /// Answered; `more` when it has further pages.
    Done {
        more: bool,
    },
    Failed {
        sentence: String,
    },
}

/// The list the page shows.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Current {
    /// The stored inbox and its older pages.
    Inbox,
    /// A category, a label or all mail.
    List {
        view: View,
        generation: u64,
        list: MergedList,
    },
    Search {
        generation: u64,
        search: Search,
    },
}

/// A row changed at once by an action, to put back if Gmail refuses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Undo {
    generation: u64,
    previous: ThreadRow,
}

impl Undo {
    /// `(account, thread)` of the row it puts back.
    pub fn key(&self) -> (String, String) {
        (
            self.previous.account_id.clone(),
            self.previous.thread_id.clone(),
        )
    }
}

/// Why the view changed by itself, or what went wrong for all of it, until the next view is chosen. The page
/// says it in the browser's language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ViewNotice {
    /// The label shown no longer exists in any account, so the inbox is shown; `name` is the label's Gmail name.
    LabelGone { name: String },
    /// Gmail refused the search; `reason` is Gmail's own (the page reply's error), said once under the box.
    SearchRefused { reason: String },
}

/// The page's view: which list, its rows and progress, and a notice when the view had to change by itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ViewSession {
    current: Current,
    older: OlderInbox,
    generation: u64,
    /// The account shown alone (an account badge pressed), if any.
    only: Option<String>,
    /// Why the view changed or what went wrong for all of it (a label gone, Gmail's reason for a refused
    /// search), until the next view is chosen.
    notice: Option<ViewNotice>,
}

impl Default for ViewSession {
    fn default() -> Self {
        ViewSession {
            current: Current::Inbox,
            older: OlderInbox::default(),
            generation: 0,
            only: None,
            notice: None,
        }
    }
}

impl ViewSession {
    /// The view shown.
    pub fn view(&self) -> View {
        match &self.current {
            Current::Inbox => View::Inbox,
            Current::List { view, .. } => view.clone(),
            Current::Search { search, .. } => search.view(),
        }
    }

    pub fn is_inbox(&self) -> bool {
        self.current == Current::Inbox
    }

    pub fn only(&self) -> Option<&str> {
        self.only.as_deref()
    }

    pub fn notice(&self) -> Option<&ViewNotice> {
        self.notice.as_ref()
    }

    /// The accounts a view lists: the store's (or the one shown alone), and for a label only those that have it.
    fn accounts_for<'a>(&self, view: &View, store: &'a InboxStore) -> Vec<&'a str> {
        store
            .accounts
            .iter()
            .map(|a| a.account.id.as_str())
            .filter(|id| self.only.as_deref().is_none_or(|o| o == *id))
            .filter(|id| view.query(id).is_some())
            .collect()
    }

    /// Shows `view`; returns the first pages to ask for (none for the inbox, which is stored). `fresh` asks past
    /// the background's memory of recent pages.
    pub fn open(&mut self, view: View, store: &InboxStore, fresh: bool) -> Vec<Fetch> {
        self.notice = None;
        self.generation += 1;
        let generation = self.generation;
        let accounts = self.accounts_for(&view, store);
        let first = |view: &View| -> Vec<Fetch> {
            accounts
                .iter()
                .map(|a| Fetch {
                    generation,
                    account: a.to_string(),
                    view: view.clone(),
                    page_token: None,
                    fresh,
                })
                .collect()
        };
        match view {
            View::Inbox => {
                self.current = Current::Inbox;
                Vec::new()
            }
            View::Search { query } if query.trim().is_empty() => {
                self.current = Current::Inbox;
                Vec::new()
            }
            View::Search { query } => {
                let mut search = Search::default();
                search.start(&query, &accounts);
                let fetches = first(&search.view());
                self.current = Current::Search { generation, search };
                fetches
            }
            view => {
                let fetches = first(&view);
                self.current = Current::List {
                    list: MergedList::new(&accounts, FirstPages::Wait),
                    view,
                    generation,
                };
                fetches
            }
        }
    }

    /// Shows one account alone (or all again) in the same view; returns what the view must fetch again.
    pub fn set_only(&mut self, only: Option<String>, store: &InboxStore) -> Vec<Fetch> {
        if self.only == only {
            return Vec::new();
        }
        self.only = only;
        self.open(self.view(), store, false)
    }

    /// The Refresh button: the view again from Gmail (the inbox is refreshed by the sync itself, and its older
    /// pages start over).
    pub fn refresh(&mut self, store: &InboxStore) -> Vec<Fetch> {
        if self.is_inbox() {
            self.older = OlderInbox::default();
            return Vec::new();
        }
        self.open(self.view(), store, true)
    }

    /// The next pages to fetch as the list nears its end: each account with more pages that has fewer than
    /// [`LOW_WATER_ROWS`] rows waiting below the line.
    pub fn more(&mut self, store: &InboxStore) -> Vec<Fetch> {
        let generation = self.generation;
        let fetch = |account: &str, view: View, token: String| Fetch {
            generation,
            account: account.to_string(),
            view,
            page_token: page_token(&token).map(str::to_string),
            fresh: false,
        };
        match &mut self.current {
            Current::Inbox => {
                let merged = self.older.merged(store, self.only.as_deref());
                let accounts: Vec<String> = merged
                    .accounts_to_load(LOW_WATER_ROWS)
                    .into_iter()
                    .map(str::to_string)
                    .collect();
                accounts
                    .iter()
                    .filter_map(|a| {
                        let token = self.older.begin(store, a)?;
                        Some(fetch(a, View::Inbox, token))
                    })
                    .collect()
            }
            Current::List { view, list, .. } => {
                let view = view.clone();
                begin_pages(list, LOW_WATER_ROWS)
                    .into_iter()
                    .map(|(a, token)| fetch(&a, view.clone(), token))
                    .collect()
            }
            Current::Search { search, .. } => {
                let view = search.view();
                begin_pages(search.list_mut(), LOW_WATER_ROWS)
                    .into_iter()
                    .map(|(a, token)| fetch(&a, view.clone(), token))
                    .collect()
            }
        }
    }

    /// Whether `fetch` answers what is shown now (or the inbox's older pages, which stay valid across views).
    fn current_for(&self, fetch: &Fetch) -> bool {
        match &self.current {
            _ if fetch.view == View::Inbox => true,
            Current::Inbox => false,
            Current::List {
                view, generation, ..
            } => *view == fetch.view && *generation == fetch.generation,
            Current::Search { generation, search } => {
                search.view() == fetch.view && *generation == fetch.generation
            }
        }
    }

    /// Takes the background's answer to `fetch`. Returns what must be fetched next: an account whose page token
    /// expired starts again from its first page. An answer to an earlier view or generation changes nothing.
    pub fn answer(&mut self, fetch: &Fetch, reply: PageReply) -> Vec<Fetch> {
        if !self.current_for(fetch) {
            return Vec::new();
        }
        let account = fetch.account.as_str();
        if fetch.view == View::Inbox {
            match reply.code {
                _ if reply.ok => self
                    .older
                    .add_page(account, reply.rows, reply.next_page_token),
                Some(IntentError::PageTokenExpired) => {
                    self.older.restart(account);
                    return vec![Fetch {
                        page_token: None,
                        ..fetch.clone()
                    }];
                }
                code => self.older.fail(
                    account,
                    code.unwrap_or(IntentError::Internal).as_str(),
                    reply.error.as_deref().unwrap_or_default(),
                ),
            }
            return Vec::new();
        }
        let list = match &mut self.current {
            Current::Inbox => return Vec::new(),
            Current::List { list, .. } => list,
            Current::Search { search, .. } => search.list_mut(),
        };
        if reply.ok {
            list.add_page(account, reply.rows, reply.next_page_token);
            return Vec::new();
        }
        // Without a sentence the page says its own "that did not work".
        let sentence = reply.error.unwrap_or_default();
        match reply.code {
            Some(IntentError::PageTokenExpired) => {
                list.restart(account);
                return vec![Fetch {
                    page_token: None,
                    ..fetch.clone()
                }];
            }
            // Removed meanwhile: it leaves the list without a word.
            Some(IntentError::AccountUnknown) => list.remove_account(account),
            Some(IntentError::BadQuery) => {
                list.fail(account, IntentError::BadQuery.as_str(), &sentence);
                self.notice = Some(ViewNotice::SearchRefused { reason: sentence });
            }
            code => list.fail(
                account,
                code.unwrap_or(IntentError::Internal).as_str(),
                &sentence,
            ),
        }
        self.leave_a_gone_label();
        Vec::new()
    }

    /// A label every account of the view says is gone: back to the inbox, saying why.
    fn leave_a_gone_label(&mut self) {
        let Current::List {
            view: View::Label { name, .. },
            list,
            ..
        } = &self.current
        else {
            return;
        };
        let ids = list.account_ids();
        let gone = !ids.is_empty()
            && ids.iter().all(|a| {
                matches!(list.state(a), Some(PageState::Failed { code, .. })
                    if code == IntentError::LabelGone.as_str())
            });
        if gone {
            let name = name.clone();
            self.current = Current::Inbox;
            self.generation += 1;
            self.notice = Some(ViewNotice::LabelGone { name });
        }
    }

    /// Follows the store's accounts: one removed leaves every list (a search under way included), and the
    /// account shown alone is forgotten.
    pub fn follow_accounts(&mut self, store: &InboxStore) {
        self.older.retain_accounts(store);
        if self
            .only
            .as_deref()
            .is_some_and(|o| store.account(o).is_none())
        {
            self.only = None;
        }
        let list = match &mut self.current {
            Current::Inbox => return,
            Current::List { list, .. } => list,
            Current::Search { search, .. } => search.list_mut(),
        };
        let gone: Vec<String> = list
            .account_ids()
            .into_iter()
            .filter(|a| store.account(a).is_none())
            .map(str::to_string)
            .collect();
        for account in gone {
            list.remove_account(&account);
        }
    }

    fn list(&self) -> Option<&MergedList> {
        match &self.current {
            Current::Inbox => None,
            Current::List { list, .. } => Some(list),
            Current::Search { search, .. } => Some(search.list()),
        }
    }

    /// The rows to show, newest first: for the inbox, the stored and older rows of the accounts shown, without
    /// the other categories of accounts set to Primary only.
    pub fn rows(&self, store: &InboxStore, settings: &Settings) -> Vec<ThreadRow> {
        match self.list() {
            Some(list) => list.visible_rows().into_iter().cloned().collect(),
            None => {
                let primary = View::Category {
                    category: Category::Primary,
                };
                self.older
                    .merged(store, self.only.as_deref())
                    .visible_rows()
                    .into_iter()
                    .filter(|r| !settings.account(&r.account_id).primary_only || primary.keeps(r))
                    .cloned()
                    .collect()
            }
        }
    }

    /// Each account's progress, in the list's order.
    pub fn progress(&self, store: &InboxStore) -> Vec<(String, Progress)> {
        if let Current::Search { search, .. } = &self.current {
            return search
                .progress()
                .into_iter()
                .map(|(a, p)| {
                    let p = match p {
                        AccountSearch::Searching => Progress::Loading,
                        AccountSearch::Done { more } => Progress::Done { more },
                        AccountSearch::Failed { sentence } => Progress::Failed { sentence },
                    };
                    (a.to_string(), p)
                })
                .collect();
        }
        let of = |state: &PageState| match state {
            PageState::FirstPage | PageState::LoadingMore { .. } => Progress::Loading,
            PageState::More { .. } => Progress::Done { more: true },
            PageState::Done => Progress::Done { more: false },
            PageState::Failed { sentence, .. } => Progress::Failed {
                sentence: sentence.clone(),
            },
        };
        match self.list() {
            Some(list) => list
                .account_ids()
                .into_iter()
                .map(|a| (a.to_string(), list.state(a).map_or(Progress::Loading, of)))
                .collect(),
            // The inbox: each account's older pages, without merging its rows (this runs at every draw).
            None => store
                .accounts
                .iter()
                .filter(|a| self.only.as_deref().is_none_or(|o| o == a.account.id))
                .map(|a| (a.account.id.clone(), of(&self.older.state_of(a))))
                .collect(),
        }
    }

    /// Whether a row the list holds is the focus of `(account, thread)`: the row shown, wherever it lives.
    pub fn row(&self, store: &InboxStore, account: &str, thread: &str) -> Option<ThreadRow> {
        match self.list() {
            Some(list) => list
                .row(&(account.to_string(), thread.to_string()))
                .cloned(),
            None => self
                .older
                .merged(store, None)
                .row(&(account.to_string(), thread.to_string()))
                .cloned(),
        }
    }

    /// Shows an action at once in the view (the stored inbox is changed by the background, which owns it).
    /// Returns what puts it back if Gmail refuses.
    pub fn act(
        &mut self,
        store: &InboxStore,
        row: &ThreadRow,
        action: ThreadAction,
    ) -> Option<Undo> {
        self.show_row(store, action_row(row, action))
    }

    /// Shows a row's new state at once in the view (a triage's prediction); the stored inbox's rows are the
    /// background's to change. Returns what puts it back.
    pub fn show_row(&mut self, store: &InboxStore, after: ThreadRow) -> Option<Undo> {
        let row = &after;
        let generation = self.generation;
        let previous = match &mut self.current {
            Current::Inbox => {
                let stored = store
                    .account(&row.account_id)
                    .is_some_and(|a| a.threads.iter().any(|t| t.thread_id == row.thread_id));
                if stored {
                    return None;
                }
                self.older.replace_row(after.clone())?
            }
            Current::List { view, list, .. } => {
                let view = view.clone();
                list.replace_row(&view, after.clone())?
            }
            Current::Search { search, .. } => {
                let view = search.view();
                search.list_mut().replace_row(&view, after.clone())?
            }
        };
        Some(Undo {
            generation,
            previous,
        })
    }

    /// Gmail refused the action: the row goes back, if the view it was changed in is still shown.
    pub fn undo(&mut self, undo: Undo) {
        if undo.generation != self.generation {
            return;
        }
        match &mut self.current {
            Current::Inbox => self.older.restore_row(undo.previous),
            Current::List { list, .. } => list.restore_row(undo.previous),
            Current::Search { search, .. } => search.list_mut().restore_row(undo.previous),
        }
    }

    /// Whether anything is still loading (a spinner in the list's footer).
    pub fn is_loading(&self, store: &InboxStore) -> bool {
        self.progress(store)
            .iter()
            .any(|(_, p)| *p == Progress::Loading)
    }

    /// Whether Gmail has more for the list (scrolling will load it).
    pub fn has_more(&self, store: &InboxStore) -> bool {
        self.progress(store)
            .iter()
            .any(|(_, p)| matches!(p, Progress::Loading | Progress::Done { more: true }))
    }
}

/// Marks the next page of each account that should load as on its way; returns `(account, token)`.
fn begin_pages(list: &mut MergedList, low_water: usize) -> Vec<(String, String)> {
    let accounts: Vec<String> = list
        .accounts_to_load(low_water)
        .into_iter()
        .map(str::to_string)
        .collect();
    accounts
        .into_iter()
        .filter_map(|a| {
            let token = list.begin_next_page(&a)?;
            Some((a, token))
        })
        .collect()
}

/// What a view is called on the page.
pub fn view_title(view: &View) -> String {
    match view {
        View::Inbox => "Inbox".to_string(),
        View::Category { category } => category.name().to_string(),
        View::Label { name, .. } => name.split('/').collect::<Vec<_>>().join(" \u{203a} "),
        View::AllMail => "All Mail".to_string(),
        View::Search { query } => format!("Results for \u{201c}{}\u{201d}", query.trim()),
    }
}

/// What an empty view says.
pub fn empty_view_text(view: &View) -> String {
    match view {
        View::Search { query } => {
            format!("No conversations match \u{201c}{}\u{201d}.", query.trim())
        }
        View::Category { category } => format!("Nothing in {}.", category.name()),
        other => format!("No conversations in {}.", view_title(other)),
    }
}

/// The category tab a view is, if it is one (the inbox is the first tab).
pub fn tab_of(view: &View) -> Option<Option<Category>> {
    match view {
        View::Inbox => Some(None),
        View::Category { category } => Some(Some(*category)),
        _ => None,
    }
}

/// Mark all read's question, and the list it is about: "Mark as read" marks that list, whatever the page shows
/// by then, and the question goes when the page shows another list (or shows one account, or all again). A
/// question that comes after the person moved on is not shown: its words would name one list while the list on
/// screen is another.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarkAllQuestion {
    /// "Mark 312 conversations in Work as read?"
    pub question: String,
    /// The list asked about.
    pub view: View,
    /// The one account it was shown for, if one alone.
    pub only: Option<String>,
}

impl MarkAllQuestion {
    /// Whether the page still shows the list the question is about.
    pub fn is_about(&self, view: &View, only: Option<&str>) -> bool {
        self.view == *view && self.only.as_deref() == only
    }
}

#[cfg(test)]
mod tests;
