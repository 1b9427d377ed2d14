//! Lists beyond the cached inbox, for one account: one page of any view (the inbox, a category, a label, all
//! mail, a search), the rows of a page of thread ids in one batch, the labels with their colours, and exact
//! counts (Primary-only unread). The merge across accounts and every decision live in `gmux_core::listing`.
//!
//! Costs per account: a page is 2 requests (`threads.list`, 10 units, then one batch of `threads.get` metadata,
//! 10 units a thread: 510 units for 50); labels 1 request and 1 unit; the Primary-only unread count 1 request and
//! 5 units per 500 unread messages.
//!
//! ```text
//! let client = engine.client(&account_id);
//! match load_view_page(&client, &view, list.begin_next_page(&account_id).as_deref(), LIST_PAGE_SIZE).await {
//!     Ok(page) => list.add_page(&account_id, page.rows, page.next_page_token),
//!     Err(ListError::PageTokenExpired(_)) => list.restart(&account_id), // and load its first page again
//!     Err(e) => list.fail(&account_id, e.code(), &words(&e)), // the caller's words for the failure
//! };
//! ```

use crate::api::MessageRef;
use crate::batch::{BatchCall, BatchPart};
use crate::client::GmailClient;
use crate::error::{ApiError, GmailError};
use gmux_core::inbox::ThreadRow;
use gmux_core::listing::{
    distinct_threads, primary_unread_query, Category, LabelInfo, ListQuery, View,
};
use std::collections::HashSet;
use thiserror::Error;

/// Threads per page of a view: what one batch of metadata holds.
pub const LIST_PAGE_SIZE: u32 = 50;

/// Ids per page when only ids are wanted (counts, mark all read): Gmail's most.
pub const ID_PAGE_SIZE: u32 = 500;

/// Pages of ids read at most for one count or one "mark all read": 10,000 messages.
pub const MAX_ID_PAGES: usize = 20;

/// One page of a view.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ListPage {
    /// In Gmail's order (newest first), each thread once.
    pub rows: Vec<ThreadRow>,
    pub next_page_token: Option<String>,
    /// Gmail's estimate of the whole list's length.
    pub result_size_estimate: Option<u64>,
}

/// Why a page could not be loaded.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ListError {
    /// Gmail refused the search (400): its reason, to show under the search box.
    #[error("gmail refused the search: {0}")]
    BadQuery(String),
    /// Gmail refused the page token (400), expired or unknown: start the account over from its first page.
    #[error("gmail no longer accepts the page token: {0}")]
    PageTokenExpired(String),
    /// The view's label is gone (deleted while shown).
    #[error("the label no longer exists: {0}")]
    LabelGone(String),
    #[error(transparent)]
    Gmail(GmailError),
}

impl ListError {
    /// A stable code for the page.
    pub fn code(&self) -> &'static str {
        match self {
            ListError::BadQuery(_) => "bad_query",
            ListError::PageTokenExpired(_) => "page_token_expired",
            ListError::LabelGone(_) => "label_gone",
            ListError::Gmail(e) => e.intent_error().as_str(),
        }
    }

    /// The code a page keys on.
    pub fn intent_error(&self) -> gmux_core::messages::IntentError {
        use gmux_core::messages::IntentError;
        match self {
            ListError::BadQuery(_) => IntentError::BadQuery,
            ListError::PageTokenExpired(_) => IntentError::PageTokenExpired,
            ListError::LabelGone(_) => IntentError::LabelGone,
            ListError::Gmail(e) => e.intent_error(),
        }
    }

    /// What went wrong in Gmail's terms, for the caller to word: `None` for the failures a page answers by
    /// itself (a refused search carries Gmail's reason, an expired token starts over, a label gone is a notice).
    pub fn cause(&self) -> Option<gmux_core::messages::Cause> {
        match self {
            ListError::Gmail(e) => Some(e.cause()),
            _ => None,
        }
    }

    /// Reads a failed list call: a 400 is Gmail refusing the page token (when one was sent and Gmail names
    /// it), the label (a 400 or 404 naming a label), or else the query.
    pub fn classify(error: GmailError, query: &ListQuery, page_token: Option<&str>) -> ListError {
        let GmailError::Api(api) = &error else {
            return ListError::Gmail(error);
        };
        let message = api.message.to_lowercase();
        match api.status {
            400 if page_token.is_some_and(|t| !t.is_empty())
                && (message.contains("pagetoken") || message.contains("page token")) =>
            {
                ListError::PageTokenExpired(api.message.clone())
            }
            400 | 404 if !query.label_ids.is_empty() && message.contains("label") => {
                ListError::LabelGone(api.message.clone())
            }
            400 if !api.is_retryable() => ListError::BadQuery(api.message.clone()),
            _ => ListError::Gmail(error),
        }
    }
}

/// One page of a query: `threads.list`, then the rows of its threads in one batch of `threads.get` metadata
/// (the sync engine's fetch and `Thread::to_row`). A thread Gmail deleted between the two calls is left out.
pub async fn load_page(
    client: &GmailClient,
    query: &ListQuery,
    page_token: Option<&str>,
    page_size: u32,
) -> Result<ListPage, ListError> {
    let list = client
        .list_threads_matching(query, page_token, page_size.clamp(1, 500))
        .await
        .map_err(|e| ListError::classify(e, query, page_token))?;
    let mut seen = HashSet::new();
    // A server that answers more than asked (Google does not) must not turn a page into many batches.
    let ids: Vec<String> = list
        .threads
        .iter()
        .take(page_size as usize)
        .filter(|t| seen.insert(t.id.clone()))
        .map(|t| t.id.clone())
        .collect();
    let rows = fetch_rows(client, &ids).await.map_err(ListError::Gmail)?;
    Ok(ListPage {
        rows,
        next_page_token: list.next_page_token.filter(|t| !t.is_empty()),
        result_size_estimate: list.result_size_estimate,
    })
}

/// One page of a view for one account. An account without the view's label lists nothing (and is done).
/// Gmail's list is the authority on what the view holds: a thread is listed when one of its messages matches,
/// so its row may also carry labels (TRASH on one message) that `View::keeps` would judge by.
pub async fn load_view_page(
    client: &GmailClient,
    view: &View,
    page_token: Option<&str>,
    page_size: u32,
) -> Result<ListPage, ListError> {
    let Some(query) = view.query(client.account()) else {
        return Ok(ListPage::default());
    };
    load_page(client, &query, page_token, page_size).await
}

/// The rows of these threads, in the order given, in batches of metadata (10 units a thread): what a page, the
/// Snoozed view or a search needs. Threads Gmail no longer has are left out.
pub async fn fetch_rows(
    client: &GmailClient,
    ids: &[String],
) -> Result<Vec<ThreadRow>, GmailError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(crate::fetch::fetch_threads(client, ids).await?.rows)
}

/// Every label of the account with its colour (`labels.list`, 1 request, 1 unit; no counters).
pub async fn list_labels(client: &GmailClient) -> Result<Vec<LabelInfo>, GmailError> {
    Ok(client
        .list_labels()
        .await?
        .iter()
        .map(|l| l.info())
        .collect())
}

/// A count of threads got by listing ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ThreadCount {
    /// Distinct threads among the messages listed.
    pub threads: u64,
    pub messages: u64,
    /// False when more than [`MAX_ID_PAGES`] pages matched: the counts are then a lower bound.
    pub complete: bool,
}

/// Every message id matching `query`, with its thread id (`messages.list`, 5 units per page of 500), up to
/// `max_pages` pages; the flag says whether that was all.
pub async fn list_message_ids(
    client: &GmailClient,
    query: &ListQuery,
    max_pages: usize,
) -> Result<(Vec<MessageRef>, bool), GmailError> {
    let mut out: Vec<MessageRef> = Vec::new();
    let mut seen = HashSet::new();
    let mut token: Option<String> = None;
    for _ in 0..max_pages.max(1) {
        let page = client
            .list_messages_matching(query, token.as_deref(), ID_PAGE_SIZE)
            .await?;
        out.extend(
            page.messages
                .into_iter()
                .filter(|m| !m.id.is_empty() && seen.insert(m.id.clone())),
        );
        token = page.next_page_token.filter(|t| !t.is_empty());
        if token.is_none() {
            return Ok((out, true));
        }
    }
    Ok((out, false))
}

/// Counts the threads matching `query` exactly by listing their messages' ids.
pub async fn count_threads(
    client: &GmailClient,
    query: &ListQuery,
) -> Result<ThreadCount, GmailError> {
    let (messages, complete) = list_message_ids(client, query, MAX_ID_PAGES).await?;
    Ok(ThreadCount {
        threads: distinct_threads(messages.iter().map(|m| m.thread_id.as_str())),
        messages: messages.len() as u64,
        complete,
    })
}

/// The account's exact Primary-only unread count (see `gmux_core::listing` for why and what it costs): 1
/// request and 5 units for up to 500 unread messages.
pub async fn primary_unread(client: &GmailClient) -> Result<ThreadCount, GmailError> {
    count_threads(client, &primary_unread_query()).await
}

/// The first page of the Primary-only unread count as a batch part, so it can ride in the same HTTP request as
/// `labels.get INBOX`; read its answer with [`primary_unread_from_part`].
pub fn primary_unread_call() -> BatchCall {
    BatchCall::get(GmailClient::user_path(&GmailClient::list_path(
        "messages",
        &primary_unread_query(),
        None,
        ID_PAGE_SIZE,
    )))
}

/// Reads [`primary_unread_call`]'s answer. `complete` is false when a further page exists: then call
/// [`primary_unread`] for the exact count.
pub fn primary_unread_from_part(part: &BatchPart) -> Result<ThreadCount, GmailError> {
    if !(200..300).contains(&part.status) {
        return Err(GmailError::Api(ApiError::from_parts(
            part.status,
            &part.headers,
            &part.body,
        )));
    }
    let page: crate::api::MessageList = crate::client::decode_json(&part.body)?;
    Ok(ThreadCount {
        threads: distinct_threads(page.messages.iter().map(|m| m.thread_id.as_str())),
        messages: page.messages.len() as u64,
        complete: page.next_page_token.is_none_or(|t| t.is_empty()),
    })
}

/// One probe per category but Primary: `messages.list` of the inbox mail in it, one id at most (5 units). An
/// answer with any message means the category is in use; Primary's tab comes with any other.
fn category_probe(category: Category) -> BatchCall {
    BatchCall::get(GmailClient::user_path(&GmailClient::list_path(
        "messages",
        &ListQuery::labels(&["INBOX", category.label_id()]),
        None,
        1,
    )))
}

/// The calls that read an account's counts in one HTTP batch: `labels.get INBOX` (1 unit), the Primary-only
/// unread count (5 units) and, with `categories`, which categories its inbox uses (4 x 5 units): 26 units and
/// one request, in place of the single `labels.get INBOX` request the sync sent before.
pub fn count_calls(categories: bool) -> Vec<BatchCall> {
    let mut calls = vec![
        BatchCall::get(GmailClient::user_path("labels/INBOX")),
        primary_unread_call(),
    ];
    if categories {
        calls.extend(Category::ALL[1..].iter().map(|c| category_probe(*c)));
    }
    calls
}

/// What [`count_calls`] read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Counts {
    pub inbox: crate::api::Label,
    /// `None` when Gmail refused the count (a grant without search, a busy moment): the last one stands.
    pub primary: Option<ThreadCount>,
    /// `None` when not asked or not answered.
    pub categories: Option<Vec<Category>>,
}

/// Reads the answers to [`count_calls`] (in their order). The INBOX counters must have come; the others are
/// extras a refusal of which leaves the last known value.
pub fn read_counts(parts: Vec<BatchPart>) -> Result<Counts, GmailError> {
    let mut parts = parts.into_iter();
    let inbox_part = parts
        .next()
        .ok_or_else(|| GmailError::Decode("batch answer missing a part".into()))?;
    if !(200..300).contains(&inbox_part.status) {
        return Err(GmailError::Api(ApiError::from_parts(
            inbox_part.status,
            &inbox_part.headers,
            &inbox_part.body,
        )));
    }
    let inbox: crate::api::Label = crate::client::decode_json(&inbox_part.body)?;
    let primary = parts.next().and_then(|p| primary_unread_from_part(&p).ok());
    let probes: Vec<BatchPart> = parts.collect();
    let categories = (probes.len() == Category::ALL.len() - 1)
        .then(|| {
            let mut used = Vec::new();
            for (category, part) in Category::ALL[1..].iter().zip(&probes) {
                if !(200..300).contains(&part.status) {
                    return None;
                }
                let page: crate::api::MessageList = crate::client::decode_json(&part.body).ok()?;
                if !page.messages.is_empty() {
                    used.push(*category);
                }
            }
            // Primary's tab shows beside any other; alone it is no choice (see `category_tabs`).
            if !used.is_empty() {
                used.insert(0, Category::Primary);
            }
            Some(used)
        })
        .flatten();
    Ok(Counts {
        inbox,
        primary,
        categories,
    })
}

/// Reads an account's counts in one request ([`count_calls`]); a Primary count of more than one page (500
/// unread messages) is completed with [`primary_unread`].
pub async fn read_account_counts(
    client: &GmailClient,
    categories: bool,
) -> Result<Counts, GmailError> {
    let mut counts = read_counts(client.batch(&count_calls(categories)).await?)?;
    if counts.primary.is_some_and(|p| !p.complete) {
        counts.primary = primary_unread(client).await.ok();
    }
    Ok(counts)
}

/// Puts counts into the account's summary.
pub fn apply_counts(account: &mut gmux_core::inbox::Account, counts: &Counts) {
    account.counts = counts.inbox.counts();
    if let Some(primary) = counts.primary {
        account.primary_unread = Some(primary.threads);
    }
    if let Some(categories) = &counts.categories {
        account.categories = Some(categories.clone());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(status: u16, message: &str, reason: &str) -> GmailError {
        GmailError::Api(ApiError {
            status,
            reason: reason.into(),
            message: message.into(),
            retry_after_ms: None,
        })
    }

    #[test]
    fn failed_lists_are_read_as_what_the_page_must_do() {
        let search = ListQuery {
            q: Some("from:(".into()),
            ..Default::default()
        };
        let label = ListQuery::labels(&["Label_9"]);
        let cases: Vec<(GmailError, &ListQuery, Option<&str>, &str)> = vec![
            (
                api(400, "Invalid pageToken", "invalidParameter"),
                &search,
                Some("x"),
                "page_token_expired",
            ),
            // Without a token sent, a 400 about one is still the query's fault.
            (
                api(400, "Invalid pageToken", "invalidParameter"),
                &search,
                None,
                "bad_query",
            ),
            (
                api(400, "Invalid query", "invalidArgument"),
                &search,
                None,
                "bad_query",
            ),
            (
                api(400, "Invalid label: Label_9", "invalidArgument"),
                &label,
                None,
                "label_gone",
            ),
            (
                api(404, "Label not found", "notFound"),
                &label,
                None,
                "label_gone",
            ),
            (
                api(404, "Requested entity was not found.", "notFound"),
                &search,
                None,
                "not_found",
            ),
            (
                api(400, "Precondition check failed.", "failedPrecondition"),
                &search,
                None,
                "gmail_busy",
            ),
            (
                api(403, "x", "insufficientPermissions"),
                &search,
                None,
                "scope_missing",
            ),
            (
                GmailError::Offline(crate::env::TransportError("down".into())),
                &search,
                None,
                "offline",
            ),
        ];
        for (error, query, token, code) in cases {
            let e = ListError::classify(error.clone(), query, token);
            assert_eq!(e.code(), code, "{error:?}");
            assert_eq!(e.intent_error().as_str(), code, "{error:?}");
            assert_eq!(
                e.cause(),
                matches!(e, ListError::Gmail(_)).then(|| error.cause()),
                "{error:?}"
            );
        }
        assert_eq!(ListError::BadQuery("Invalid query".into()).cause(), None);
    }

    #[test]
    fn a_batched_primary_count_reads_distinct_threads() {
        let part = BatchPart {
            status: 200,
            headers: Vec::new(),
            body: br#"{"messages":[{"id":"m1","threadId":"t1"},{"id":"m2","threadId":"t1"},{"id":"m3","threadId":"t2"}],"resultSizeEstimate":3}"#.to_vec(),
        };
        assert_eq!(
            primary_unread_from_part(&part).unwrap(),
            ThreadCount {
                threads: 2,
                messages: 3,
                complete: true
            }
        );
        let more = BatchPart {
            body: br#"{"messages":[{"id":"m1","threadId":"t1"}],"nextPageToken":"n"}"#.to_vec(),
            ..part.clone()
        };
        assert!(!primary_unread_from_part(&more).unwrap().complete);
        let empty = BatchPart {
            body: br#"{"resultSizeEstimate":0}"#.to_vec(),
            ..part
        };
        assert_eq!(primary_unread_from_part(&empty).unwrap().threads, 0);
        let refused = BatchPart {
            status: 403,
            headers: Vec::new(),
            body:
                br#"{"error":{"code":403,"message":"m","errors":[{"reason":"rateLimitExceeded"}]}}"#
                    .to_vec(),
        };
        assert!(primary_unread_from_part(&refused).is_err());
        assert!(primary_unread_call().path.starts_with(
            "/gmail/v1/users/me/messages?maxResults=500&labelIds=INBOX&labelIds=UNREAD&q=-category%3Asocial"
        ));
    }
}
