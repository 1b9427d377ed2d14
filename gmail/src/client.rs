//! A typed Gmail v1 client for one account: tokens, the 401 retry, backoff with jitter, and a cap on
//! requests in flight.

use crate::api::{
    BatchModifyRequest, HistoryList, Label, LabelEntry, LabelList, MessageList, ModifyRequest,
    NewLabel, Profile, Thread, ThreadList, METADATA_HEADERS,
};
use crate::batch::{self, BatchCall, BatchPart};
use crate::env::{Env, HttpRequest, HttpResponse, TokenSource, ANSWER_TOO_LARGE, MAX_ANSWER_BYTES};
use crate::error::{ApiError, GmailError};
use async_lock::Semaphore;
use gmux_core::listing::ListQuery;
use gmux_core::triage::MAX_BATCH_MODIFY_IDS;
use serde::de::DeserializeOwned;
use std::cell::Cell;
use std::rc::Rc;

/// How hard to retry. Delays are "full jitter": a random wait below `base * 2^attempt`, capped, and never
/// shorter than the server's `Retry-After`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Tries per call, the first included.
    pub max_attempts: u32,
    pub base_delay_ms: u64,
    pub max_delay_ms: u64,
    /// A `Retry-After` longer than this is not waited for here: the call fails and the next poll retries.
    pub max_retry_after_ms: u64,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        // A browser may stop an idle service worker after 30 s: the waits of one call stay well below
        // that, and a longer outage is left to the next poll.
        RetryPolicy {
            max_attempts: 4,
            base_delay_ms: 500,
            max_delay_ms: 8_000,
            max_retry_after_ms: 20_000,
        }
    }
}

impl RetryPolicy {
    /// The wait before retry number `attempt` (0 = the first retry), given a random number and the server's hint.
    pub fn delay_ms(&self, attempt: u32, random: u64, retry_after_ms: Option<u64>) -> u64 {
        let ceiling = self
            .base_delay_ms
            .saturating_mul(1u64 << attempt.min(20))
            .min(self.max_delay_ms);
        // Half fixed, half random: spreads clients apart without ever retrying at once.
        let jittered = ceiling / 2 + random % (ceiling / 2 + 1);
        jittered.max(retry_after_ms.unwrap_or(0))
    }
}

/// Gmail calls for one account.
pub struct GmailClient {
    env: Rc<dyn Env>,
    tokens: Rc<dyn TokenSource>,
    /// Google's `https://gmail.googleapis.com` or the emulator's base, without a trailing slash.
    base: String,
    account: String,
    policy: RetryPolicy,
    in_flight: Semaphore,
    /// Counts HTTP requests this client sent (retries included), for reports and benches.
    requests_sent: Cell<u64>,
    batch_counter: Cell<u64>,
}

/// Requests per account at once: Gmail answers 429 "Too many concurrent requests for user" above a few.
pub const DEFAULT_MAX_IN_FLIGHT: usize = 4;

impl GmailClient {
    pub fn new(env: Rc<dyn Env>, tokens: Rc<dyn TokenSource>, base: &str, account: &str) -> Self {
        GmailClient {
            env,
            tokens,
            base: base.trim_end_matches('/').to_string(),
            account: account.to_string(),
            policy: RetryPolicy::default(),
            in_flight: Semaphore::new(DEFAULT_MAX_IN_FLIGHT),
            requests_sent: Cell::new(0),
            batch_counter: Cell::new(0),
        }
    }

    pub fn with_policy(mut self, policy: RetryPolicy) -> Self {
        self.policy = policy;
        self
    }

    pub fn with_max_in_flight(mut self, n: usize) -> Self {
        self.in_flight = Semaphore::new(n.max(1));
        self
    }

    pub fn account(&self) -> &str {
        &self.account
    }

    pub fn requests_sent(&self) -> u64 {
        self.requests_sent.get()
    }

    pub fn env(&self) -> &Rc<dyn Env> {
        &self.env
    }

    /// `/gmail/v1/users/me/{rest}`: the path as batch parts carry it.
    pub fn user_path(rest: &str) -> String {
        format!("/gmail/v1/users/me/{rest}")
    }

    /// Sends one request with the account's token: a 401 gets one fresh token and one retry, retryable
    /// errors back off with jitter, network errors are retried too. Returns the 2xx response.
    pub async fn send(
        &self,
        method: &str,
        path: &str,
        content_type: Option<&str>,
        body: Vec<u8>,
    ) -> Result<HttpResponse, GmailError> {
        let _permit = self.in_flight.acquire().await;
        let mut force_fresh = false;
        let mut refreshed = false;
        let mut attempt = 0u32;
        loop {
            let token = self.tokens.token(&self.account, force_fresh).await?;
            force_fresh = false;
            let mut headers = vec![("Authorization".to_string(), format!("Bearer {token}"))];
            if let Some(ct) = content_type {
                headers.push(("Content-Type".to_string(), ct.to_string()));
            }
            let request = HttpRequest {
                method: method.to_string(),
                url: format!("{}{path}", self.base),
                headers,
                body: body.clone(),
            };
            self.requests_sent.set(self.requests_sent.get() + 1);
            let (retry_after, failure) = match self.env.send(request).await {
                Ok(response) if response.header(ANSWER_TOO_LARGE).is_some() => {
                    return Err(GmailError::Decode(format!(
                        "Gmail's answer to {path} was larger than the {} MiB gmux reads",
                        MAX_ANSWER_BYTES / (1024 * 1024)
                    )))
                }
                Ok(response) if response.is_success() => return Ok(response),
                Ok(response) => {
                    let error = ApiError::from_response(&response);
                    if error.is_unauthorized() {
                        if refreshed {
                            return Err(GmailError::ReauthRequired(error.message));
                        }
                        refreshed = true;
                        force_fresh = true;
                        continue;
                    }
                    if !error.is_retryable() {
                        return Err(GmailError::Api(error));
                    }
                    (error.retry_after_ms, GmailError::Api(error))
                }
                Err(network) => (None, GmailError::Offline(network)),
            };
            attempt += 1;
            if attempt >= self.policy.max_attempts
                || retry_after.is_some_and(|ms| ms > self.policy.max_retry_after_ms)
            {
                return Err(failure);
            }
            let delay = self
                .policy
                .delay_ms(attempt - 1, self.env.random_u64(), retry_after);
            self.env.sleep(delay).await;
        }
    }

    async fn get_json<T: DeserializeOwned>(&self, rest: &str) -> Result<T, GmailError> {
        let response = self
            .send("GET", &Self::user_path(rest), None, Vec::new())
            .await?;
        decode_json(&response.body)
    }

    async fn post_json<T: DeserializeOwned>(
        &self,
        rest: &str,
        body: Option<Vec<u8>>,
    ) -> Result<T, GmailError> {
        let (ct, body) = match body {
            Some(b) => (Some("application/json"), b),
            None => (None, Vec::new()),
        };
        let response = self.send("POST", &Self::user_path(rest), ct, body).await?;
        decode_json(&response.body)
    }

    /// users.getProfile (1 unit).
    pub async fn get_profile(&self) -> Result<Profile, GmailError> {
        self.get_json("profile").await
    }

    /// threads.list (10 units) of one label.
    pub async fn list_threads(
        &self,
        label_id: &str,
        max_results: u32,
        page_token: Option<&str>,
    ) -> Result<ThreadList, GmailError> {
        let mut q = format!(
            "threads?labelIds={}&maxResults={max_results}",
            encode_component(label_id)
        );
        if let Some(t) = page_token {
            q.push_str(&format!("&pageToken={}", encode_component(t)));
        }
        self.get_json(&q).await
    }

    /// The relative path of a `threads.list` or `messages.list` call (`kind` is `threads` or `messages`):
    /// `labelIds` repeated, `q`, `includeSpamTrash`, `pageToken`, `maxResults` (1..=500). For a batch part, wrap
    /// it in [`GmailClient::user_path`].
    pub fn list_path(
        kind: &str,
        query: &ListQuery,
        page_token: Option<&str>,
        max_results: u32,
    ) -> String {
        let mut path = format!("{kind}?maxResults={}", max_results.clamp(1, 500));
        for label in &query.label_ids {
            path.push_str(&format!("&labelIds={}", encode_component(label)));
        }
        if let Some(q) = query.q.as_deref().filter(|q| !q.trim().is_empty()) {
            path.push_str(&format!("&q={}", encode_component(q)));
        }
        if query.include_spam_trash {
            path.push_str("&includeSpamTrash=true");
        }
        if let Some(t) = page_token.filter(|t| !t.is_empty()) {
            path.push_str(&format!("&pageToken={}", encode_component(t)));
        }
        path
    }

    /// threads.list (10 units) of any query: labels, a search, spam and trash, one page.
    pub async fn list_threads_matching(
        &self,
        query: &ListQuery,
        page_token: Option<&str>,
        max_results: u32,
    ) -> Result<ThreadList, GmailError> {
        self.get_json(&Self::list_path("threads", query, page_token, max_results))
            .await
    }

    /// messages.list (5 units) of any query, one page: message ids with their thread ids.
    pub async fn list_messages_matching(
        &self,
        query: &ListQuery,
        page_token: Option<&str>,
        max_results: u32,
    ) -> Result<MessageList, GmailError> {
        self.get_json(&Self::list_path("messages", query, page_token, max_results))
            .await
    }

    /// labels.list (1 unit): every system and user label, with colours, without counters.
    pub async fn list_labels(&self) -> Result<Vec<LabelEntry>, GmailError> {
        let list: LabelList = self.get_json("labels").await?;
        Ok(list.labels)
    }

    /// labels.get (1 unit) as a [`LabelEntry`], counters included.
    pub async fn get_label_entry(&self, label_id: &str) -> Result<LabelEntry, GmailError> {
        self.get_json(&format!("labels/{}", encode_component(label_id)))
            .await
    }

    /// labels.create (5 units). A name taken already (any case) is 409 `duplicate`.
    pub async fn create_label(&self, label: &NewLabel) -> Result<LabelEntry, GmailError> {
        let body = serde_json::to_vec(label).map_err(|e| GmailError::Decode(e.to_string()))?;
        self.post_json("labels", Some(body)).await
    }

    /// messages.batchModify (50 units a call): the ids in calls of at most 1,000, one request each. Gmail answers
    /// 204 without a body, and applies a call wholly or not at all; an error stops at the first refused call, so
    /// the ids of earlier calls are changed and the rest are not (the error says how many were).
    pub async fn batch_modify_messages(
        &self,
        ids: &[String],
        change: &ModifyRequest,
    ) -> Result<(), BatchModifyError> {
        for (n, chunk) in ids.chunks(MAX_BATCH_MODIFY_IDS).enumerate() {
            let body = BatchModifyRequest {
                ids: chunk.to_vec(),
                add_label_ids: change.add_label_ids.clone(),
                remove_label_ids: change.remove_label_ids.clone(),
            };
            let body = serde_json::to_vec(&body).map_err(|e| BatchModifyError {
                changed: n * MAX_BATCH_MODIFY_IDS,
                error: GmailError::Decode(e.to_string()),
            })?;
            self.send(
                "POST",
                &Self::user_path("messages/batchModify"),
                Some("application/json"),
                body,
            )
            .await
            .map_err(|error| BatchModifyError {
                changed: n * MAX_BATCH_MODIFY_IDS,
                error,
            })?;
        }
        Ok(())
    }

    /// The threads.get path (10 units) with `format=metadata` and the From/To/Subject/Date headers.
    pub fn thread_metadata_path(thread_id: &str) -> String {
        let headers: String = METADATA_HEADERS
            .iter()
            .map(|h| format!("&metadataHeaders={h}"))
            .collect();
        Self::user_path(&format!(
            "threads/{}?format=metadata{headers}",
            encode_component(thread_id)
        ))
    }

    /// threads.get `format=metadata` for one thread.
    pub async fn get_thread_metadata(&self, thread_id: &str) -> Result<Thread, GmailError> {
        let response = self
            .send(
                "GET",
                &Self::thread_metadata_path(thread_id),
                None,
                Vec::new(),
            )
            .await?;
        decode_json(&response.body)
    }

    /// labels.get (1 unit): the only call with a label's counters.
    pub async fn get_label(&self, label_id: &str) -> Result<Label, GmailError> {
        self.get_json(&format!("labels/{}", encode_component(label_id)))
            .await
    }

    /// history.list (2 units) from `start_history_id`, every change type, one page.
    pub async fn list_history(
        &self,
        start_history_id: u64,
        page_token: Option<&str>,
    ) -> Result<HistoryList, GmailError> {
        let mut q = format!(
            "history?startHistoryId={start_history_id}&maxResults=500\
             &historyTypes=messageAdded&historyTypes=messageDeleted&historyTypes=labelAdded&historyTypes=labelRemoved"
        );
        if let Some(t) = page_token {
            q.push_str(&format!("&pageToken={}", encode_component(t)));
        }
        self.get_json(&q).await
    }

    /// threads.modify (10 units).
    pub async fn modify_thread(
        &self,
        thread_id: &str,
        change: &ModifyRequest,
    ) -> Result<Thread, GmailError> {
        let body = serde_json::to_vec(change).map_err(|e| GmailError::Decode(e.to_string()))?;
        self.post_json(
            &format!("threads/{}/modify", encode_component(thread_id)),
            Some(body),
        )
        .await
    }

    /// messages.modify (5 units).
    pub async fn modify_message(
        &self,
        message_id: &str,
        change: &ModifyRequest,
    ) -> Result<crate::api::Message, GmailError> {
        let body = serde_json::to_vec(change).map_err(|e| GmailError::Decode(e.to_string()))?;
        self.post_json(
            &format!("messages/{}/modify", encode_component(message_id)),
            Some(body),
        )
        .await
    }

    /// threads.trash (10 units).
    pub async fn trash_thread(&self, thread_id: &str) -> Result<Thread, GmailError> {
        self.post_json(
            &format!("threads/{}/trash", encode_component(thread_id)),
            None,
        )
        .await
    }

    /// threads.untrash (10 units).
    pub async fn untrash_thread(&self, thread_id: &str) -> Result<Thread, GmailError> {
        self.post_json(
            &format!("threads/{}/untrash", encode_component(thread_id)),
            None,
        )
        .await
    }

    /// messages.trash (5 units).
    pub async fn trash_message(&self, message_id: &str) -> Result<crate::api::Message, GmailError> {
        self.post_json(
            &format!("messages/{}/trash", encode_component(message_id)),
            None,
        )
        .await
    }

    /// messages.untrash (5 units).
    pub async fn untrash_message(
        &self,
        message_id: &str,
    ) -> Result<crate::api::Message, GmailError> {
        self.post_json(
            &format!("messages/{}/untrash", encode_component(message_id)),
            None,
        )
        .await
    }

    /// Sends calls as batches of at most [`batch::PREFERRED_BATCH_PARTS`], one HTTP request per batch. Parts
    /// that fail with a retryable status are sent again (in a smaller batch) after a backoff; a part that
    /// fails for good is returned as its error response. The answer list is in call order.
    pub async fn batch(&self, calls: &[BatchCall]) -> Result<Vec<BatchPart>, GmailError> {
        let mut answers: Vec<Option<BatchPart>> = vec![None; calls.len()];
        for (chunk_index, chunk) in calls.chunks(batch::PREFERRED_BATCH_PARTS).enumerate() {
            let offset = chunk_index * batch::PREFERRED_BATCH_PARTS;
            let mut pending: Vec<usize> = (0..chunk.len()).collect();
            let mut attempt = 0u32;
            let mut refreshed = false;
            while !pending.is_empty() {
                let subset: Vec<BatchCall> = pending.iter().map(|&i| chunk[i].clone()).collect();
                let parts = match self.send_batch(&subset).await {
                    Ok(parts) => parts,
                    // A multipart answer cut off on the way is a network fault: send the batch again.
                    Err(GmailError::Decode(_)) if attempt + 1 < self.policy.max_attempts => {
                        self.env
                            .sleep(self.policy.delay_ms(attempt, self.env.random_u64(), None))
                            .await;
                        attempt += 1;
                        continue;
                    }
                    Err(e) => return Err(e),
                };
                let mut retry = Vec::new();
                let mut retry_after = None;
                let mut unauthorized = false;
                for (&i, part) in pending.iter().zip(parts) {
                    let part = part.unwrap_or(BatchPart {
                        status: 503,
                        headers: Vec::new(),
                        body: Vec::new(),
                    });
                    let error = (!(200..300).contains(&part.status))
                        .then(|| ApiError::from_parts(part.status, &part.headers, &part.body));
                    match error {
                        Some(e) if e.is_unauthorized() && !refreshed => {
                            unauthorized = true;
                            retry.push(i);
                        }
                        Some(e) if e.is_unauthorized() => {
                            return Err(GmailError::ReauthRequired(e.message))
                        }
                        Some(e) if e.is_retryable() && attempt + 1 < self.policy.max_attempts => {
                            retry_after = retry_after.max(e.retry_after_ms);
                            retry.push(i);
                        }
                        _ => answers[offset + i] = Some(part),
                    }
                }
                if retry.is_empty() {
                    break;
                }
                if unauthorized {
                    // A part's 401 means the token went stale mid-way: one fresh token, no backoff.
                    refreshed = true;
                    self.tokens.token(&self.account, true).await?;
                } else {
                    self.env
                        .sleep(
                            self.policy
                                .delay_ms(attempt, self.env.random_u64(), retry_after),
                        )
                        .await;
                    attempt += 1;
                }
                pending = retry;
            }
        }
        Ok(answers
            .into_iter()
            .map(|a| {
                a.unwrap_or(BatchPart {
                    status: 503,
                    headers: Vec::new(),
                    body: Vec::new(),
                })
            })
            .collect())
    }

    async fn send_batch(&self, calls: &[BatchCall]) -> Result<Vec<Option<BatchPart>>, GmailError> {
        let n = self.batch_counter.get() + 1;
        self.batch_counter.set(n);
        let boundary = format!(
            "gmux_batch_{:016x}",
            crate::env::splitmix64(self.env.now_ms() ^ n.rotate_left(32))
        );
        let (content_type, body) = batch::encode(calls, &boundary);
        let response = self
            .send("POST", "/batch/gmail/v1", Some(&content_type), body)
            .await?;
        let ct = response
            .header("content-type")
            .unwrap_or_default()
            .to_string();
        batch::decode(&ct, &response.body, calls.len())
            .map_err(|e| GmailError::Decode(e.to_string()))
    }
}

/// A `messages.batchModify` that stopped at a refused call.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{error} (after {changed} messages were changed)")]
pub struct BatchModifyError {
    /// Ids changed by the calls before the refused one, in the order given.
    pub changed: usize,
    pub error: GmailError,
}

/// Reads a JSON body.
pub fn decode_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, GmailError> {
    serde_json::from_slice(body).map_err(|e| GmailError::Decode(e.to_string()))
}

/// Percent-encodes a URL query or path component (RFC 3986 unreserved characters pass).
pub fn encode_component(s: &str) -> String {
    gmux_core::text::percent_encode(s, b"-_.~")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::env::{TokenError, TransportError};
    use futures::future::LocalBoxFuture;
    use std::cell::RefCell;

    /// A scripted server: answers in order, records what was asked and how long the client slept.
    #[derive(Default)]
    struct Script {
        answers: RefCell<Vec<Result<HttpResponse, TransportError>>>,
        requests: RefCell<Vec<HttpRequest>>,
        sleeps: RefCell<Vec<u64>>,
        token_calls: RefCell<Vec<bool>>,
    }

    impl Env for Script {
        fn send(
            &self,
            request: HttpRequest,
        ) -> LocalBoxFuture<'_, Result<HttpResponse, TransportError>> {
            self.requests.borrow_mut().push(request);
            let answer = self.answers.borrow_mut().remove(0);
            Box::pin(async move { answer })
        }
        fn sleep(&self, ms: u64) -> LocalBoxFuture<'_, ()> {
            self.sleeps.borrow_mut().push(ms);
            Box::pin(async {})
        }
        fn now_ms(&self) -> u64 {
            1_700_000_000_000
        }
    }

    impl TokenSource for Script {
        fn token<'a>(
            &'a self,
            _account: &'a str,
            force_fresh: bool,
        ) -> LocalBoxFuture<'a, Result<String, TokenError>> {
            self.token_calls.borrow_mut().push(force_fresh);
            let n = self.token_calls.borrow().len();
            Box::pin(async move { Ok(format!("token-{n}")) })
        }
    }

    fn status(code: u16, retry_after: Option<&str>) -> Result<HttpResponse, TransportError> {
        let headers = retry_after
            .map(|v| vec![("Retry-After".to_string(), v.to_string())])
            .unwrap_or_default();
        Ok(HttpResponse {
            status: code,
            headers,
            body: br#"{"error":{"code":0,"message":"m","errors":[{"reason":"r"}]}}"#.to_vec(),
        })
    }

    fn offline() -> Result<HttpResponse, TransportError> {
        Err(TransportError("connection refused".into()))
    }

    fn run(
        answers: Vec<Result<HttpResponse, TransportError>>,
    ) -> (Result<HttpResponse, GmailError>, Rc<Script>) {
        let script = Rc::new(Script {
            answers: RefCell::new(answers),
            ..Default::default()
        });
        let client = GmailClient::new(script.clone(), script.clone(), "http://gmail.test/", "acct");
        let result = futures::executor::block_on(client.send(
            "GET",
            "/gmail/v1/users/me/profile",
            None,
            Vec::new(),
        ));
        assert_eq!(
            client.requests_sent() as usize,
            script.requests.borrow().len()
        );
        (result, script)
    }

    #[test]
    fn a_401_gets_one_fresh_token_and_one_retry_then_reauth() {
        let (result, script) = run(vec![status(401, None), status(200, None)]);
        assert!(result.is_ok());
        assert_eq!(*script.token_calls.borrow(), [false, true]);
        let auth: Vec<_> = script
            .requests
            .borrow()
            .iter()
            .map(|r| r.headers[0].1.clone())
            .collect();
        assert_eq!(auth, ["Bearer token-1", "Bearer token-2"]);
        assert_eq!(
            script.requests.borrow()[0].url,
            "http://gmail.test/gmail/v1/users/me/profile"
        );
        assert!(script.sleeps.borrow().is_empty());

        let (result, script) = run(vec![status(401, None), status(401, None)]);
        assert!(matches!(result, Err(GmailError::ReauthRequired(_))));
        assert_eq!(script.requests.borrow().len(), 2);
    }

    #[test]
    fn an_answer_the_env_stopped_reading_is_an_error_that_says_why_and_is_not_retried() {
        let too_large = Ok(HttpResponse {
            status: 200,
            headers: vec![(ANSWER_TOO_LARGE.to_string(), MAX_ANSWER_BYTES.to_string())],
            body: Vec::new(),
        });
        let (result, script) = run(vec![too_large]);
        let Err(GmailError::Decode(why)) = result else {
            panic!("expected a decode error, got {result:?}")
        };
        assert!(why.contains("larger than the 48 MiB gmux reads"), "{why}");
        assert_eq!(script.requests.borrow().len(), 1);
    }

    #[test]
    fn retry_after_is_honoured_and_a_too_long_one_fails_at_once() {
        let (result, script) = run(vec![status(429, Some("3")), status(200, None)]);
        assert!(result.is_ok());
        assert_eq!(*script.sleeps.borrow(), [3_000]);

        let (result, script) = run(vec![status(429, Some("120"))]);
        assert!(matches!(result, Err(GmailError::Api(ref e)) if e.retry_after_ms == Some(120_000)));
        assert_eq!(script.requests.borrow().len(), 1);
    }

    #[test]
    fn network_errors_and_5xx_are_retried_a_bounded_number_of_times_with_growing_waits() {
        let (result, script) = run(vec![offline(), offline(), offline(), offline()]);
        assert!(matches!(result, Err(GmailError::Offline(_))));
        assert_eq!(
            script.requests.borrow().len(),
            RetryPolicy::default().max_attempts as usize
        );
        let sleeps = script.sleeps.borrow().clone();
        assert_eq!(sleeps.len(), 3);
        let p = RetryPolicy::default();
        for (i, ms) in sleeps.iter().enumerate() {
            let ceiling = (p.base_delay_ms << i).min(p.max_delay_ms);
            assert!(*ms >= ceiling / 2 && *ms <= ceiling, "wait {i}: {ms}");
        }

        let (result, _) = run(vec![
            status(503, None),
            status(500, None),
            status(200, None),
        ]);
        assert!(result.is_ok());
    }

    #[test]
    fn errors_that_retrying_cannot_fix_are_returned_at_once() {
        for code in [400, 403, 404] {
            let (result, script) = run(vec![status(code, None)]);
            assert!(
                matches!(result, Err(GmailError::Api(ref e)) if e.status == code),
                "{code}"
            );
            assert_eq!(script.requests.borrow().len(), 1);
        }
    }

    #[test]
    fn backoff_grows_is_capped_and_honours_retry_after() {
        let p = RetryPolicy {
            max_attempts: 5,
            base_delay_ms: 100,
            max_delay_ms: 1_000,
            max_retry_after_ms: 60_000,
        };
        for random in [0u64, 7, 99, u64::MAX] {
            for attempt in 0..8 {
                let ceiling = (100u64 << attempt).min(1_000);
                let d = p.delay_ms(attempt, random, None);
                assert!(
                    d >= ceiling / 2 && d <= ceiling,
                    "attempt {attempt} random {random}: {d}"
                );
            }
            assert_eq!(p.delay_ms(0, random, Some(3_000)), 3_000);
        }
        // Different random draws give different waits: that is the jitter.
        let waits: std::collections::HashSet<u64> = (0..50)
            .map(|r| p.delay_ms(3, crate::env::splitmix64(r), None))
            .collect();
        assert!(waits.len() > 10);
    }

    #[test]
    fn components_are_percent_encoded() {
        assert_eq!(encode_component("Label_12"), "Label_12");
        assert_eq!(encode_component("a b/c+d=="), "a%20b%2Fc%2Bd%3D%3D");
    }

    #[test]
    fn list_paths_carry_every_parameter_encoded() {
        let q = ListQuery {
            label_ids: vec!["INBOX".into(), "Label_3".into()],
            q: Some("from:ann \"a&b\" -in:spam".into()),
            include_spam_trash: true,
        };
        assert_eq!(
            GmailClient::list_path("threads", &q, Some("0000+1"), 50),
            "threads?maxResults=50&labelIds=INBOX&labelIds=Label_3&q=from%3Aann%20%22a%26b%22%20-in%3Aspam&includeSpamTrash=true&pageToken=0000%2B1"
        );
        let bare = ListQuery {
            q: Some("  ".into()),
            ..Default::default()
        };
        assert_eq!(
            GmailClient::list_path("messages", &bare, Some(""), 9_999),
            "messages?maxResults=500"
        );
    }

    #[test]
    fn metadata_path_names_each_header() {
        assert_eq!(
            GmailClient::thread_metadata_path("abc"),
            "/gmail/v1/users/me/threads/abc?format=metadata&metadataHeaders=From&metadataHeaders=To&metadataHeaders=Subject&metadataHeaders=Date"
        );
    }
}
