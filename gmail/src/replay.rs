//! Replaying the offline queue (`gmux_core::offline`): the queue plans, this sends. One Gmail batch request
//! carries up to [`MAX_REPLAY_CALLS`] queued changes of one account (`threads.modify`, `threads.trash`,
//! `threads.untrash`, 10 quota units each), every answer is settled in the queue, and batches follow each
//! other until the account's queue is empty or Gmail stops answering.

use crate::api::ModifyRequest;
use crate::batch::{BatchCall, BatchPart};
use crate::client::{encode_component, GmailClient};
use crate::error::{ApiError, GmailError};
use crate::sync::SyncEngine;
use gmux_core::offline::{
    Answer, Failure, GmailCall, OfflineQueue, PendingChange, ReplayStep, Settled, MAX_REPLAY_CALLS,
};

/// What one replay of an account did.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReplayReport {
    /// Changes Gmail confirmed; they left the queue.
    pub confirmed: usize,
    /// Changes Gmail refused for good: tell the user, show the thread as Gmail has it.
    pub dropped: Vec<(PendingChange, Failure)>,
    /// Changes kept for later: the replay stopped, and the account's next one is not before this unix ms.
    pub retry_at_ms: Option<u64>,
    /// Changes kept until the account is reconnected.
    pub awaiting_reconnect: bool,
    /// HTTP requests sent (one per batch, retries included).
    pub requests: u64,
}

/// How Gmail's failure reads for the queue.
pub fn failure_of(error: &GmailError) -> Failure {
    match error {
        GmailError::Offline(_) => Failure::Offline,
        GmailError::ReauthRequired(_) => Failure::ReauthRequired,
        GmailError::TokenUnavailable(_) => Failure::HostUnavailable,
        GmailError::Api(a) => http_failure(a),
        // An answer cut off or garbled on the way: the network's fault, worth another try.
        GmailError::Decode(_) => Failure::Offline,
    }
}

fn http_failure(a: &ApiError) -> Failure {
    Failure::Http {
        status: a.status,
        reason: a.reason.clone(),
        retry_after_ms: a.retry_after_ms,
    }
}

/// The batch calls of one step, in order.
fn batch_calls(step: &ReplayStep) -> Vec<BatchCall> {
    let thread = encode_component(&step.thread_id);
    step.calls
        .iter()
        .map(|call| {
            let post = |what: &str, body: Option<Vec<u8>>| BatchCall {
                method: "POST".into(),
                path: GmailClient::user_path(&format!("threads/{thread}/{what}")),
                body,
            };
            match call {
                GmailCall::Modify { add, remove } => {
                    let body = ModifyRequest {
                        add_label_ids: add.clone(),
                        remove_label_ids: remove.clone(),
                    };
                    post("modify", serde_json::to_vec(&body).ok())
                }
                GmailCall::Trash => post("trash", None),
                GmailCall::Untrash => post("untrash", None),
            }
        })
        .collect()
}

/// A step's answer from its parts: confirmed when every call succeeded, else its first failure.
fn answer_of(parts: &[BatchPart]) -> Answer {
    match parts.iter().find(|p| !(200..300).contains(&p.status)) {
        None => Answer::Confirmed,
        Some(p) => Answer::Failed(http_failure(&ApiError::from_parts(
            p.status, &p.headers, &p.body,
        ))),
    }
}

/// Sends planned steps (one account's, from [`OfflineQueue::take_batch`]) in one Gmail batch request and
/// returns each step's answer, in order, for [`OfflineQueue::settle`]. A request that got no answer fails every
/// step the same way.
pub async fn send_steps(client: &GmailClient, steps: &[ReplayStep]) -> Vec<Answer> {
    let per_step: Vec<Vec<BatchCall>> = steps.iter().map(batch_calls).collect();
    let calls: Vec<BatchCall> = per_step.iter().flatten().cloned().collect();
    match client.batch(&calls).await {
        Ok(parts) => {
            let mut parts = parts.into_iter();
            per_step
                .iter()
                .map(|c| answer_of(&parts.by_ref().take(c.len()).collect::<Vec<_>>()))
                .collect()
        }
        Err(e) => {
            let failure = failure_of(&e);
            steps
                .iter()
                .map(|_| Answer::Failed(failure.clone()))
                .collect()
        }
    }
}

impl SyncEngine {
    /// Sends the account's queued changes, batch after batch, settling each answer in `queue`. Stops when
    /// the account's queue is empty, waits (backoff, reconnection), or a batch confirmed nothing. The caller
    /// persists `queue` afterwards (and may persist it between calls: nothing confirmed is ever sent again).
    pub async fn replay(&self, queue: &mut OfflineQueue, account_id: &str) -> ReplayReport {
        let client = self.client(account_id);
        let before = client.requests_sent();
        let mut report = ReplayReport::default();
        loop {
            let now = client.env().now_ms();
            let steps = queue.take_batch(account_id, now, MAX_REPLAY_CALLS);
            if steps.is_empty() {
                break;
            }
            let answers = send_steps(&client, &steps).await;
            let now = client.env().now_ms();
            let mut progressed = false;
            for (step, answer) in steps.iter().zip(answers) {
                match queue.settle(step.seq, answer, now) {
                    Settled::Done => {
                        report.confirmed += 1;
                        progressed = true;
                    }
                    Settled::Dropped { change, failure } => {
                        report.dropped.push((change, failure));
                        progressed = true;
                    }
                    Settled::RetryAt(at) => report.retry_at_ms = Some(at),
                    Settled::AwaitingReconnect => report.awaiting_reconnect = true,
                    Settled::Unknown => {}
                }
            }
            if !progressed {
                break;
            }
        }
        report.requests = client.requests_sent() - before;
        report
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_become_batch_calls() {
        let step = ReplayStep {
            seq: 1,
            account_id: "a".into(),
            thread_id: "t/1".into(),
            calls: vec![
                GmailCall::Trash,
                GmailCall::Modify {
                    add: vec!["STARRED".into()],
                    remove: vec![],
                },
            ],
        };
        let calls = batch_calls(&step);
        assert_eq!(calls.len(), 2);
        assert_eq!(calls[0].path, "/gmail/v1/users/me/threads/t%2F1/trash");
        assert_eq!(calls[0].body, None);
        assert_eq!(calls[1].path, "/gmail/v1/users/me/threads/t%2F1/modify");
        assert_eq!(
            calls[1].body.as_deref(),
            Some(&br#"{"addLabelIds":["STARRED"]}"#[..])
        );
    }

    #[test]
    fn answers_and_errors_map_to_the_queues_words() {
        let part = |status: u16, body: &str| BatchPart {
            status,
            headers: vec![],
            body: body.as_bytes().to_vec(),
        };
        assert_eq!(
            answer_of(&[part(200, "{}"), part(204, "")]),
            Answer::Confirmed
        );
        assert_eq!(
            answer_of(&[
                part(200, "{}"),
                part(
                    404,
                    r#"{"error":{"code":404,"message":"Requested entity was not found.","errors":[{"reason":"notFound"}]}}"#
                )
            ]),
            Answer::Failed(Failure::Http {
                status: 404,
                reason: "notFound".into(),
                retry_after_ms: None
            })
        );
        let cases = [
            (
                GmailError::Offline(crate::env::TransportError("down".into())),
                Failure::Offline,
            ),
            (
                GmailError::ReauthRequired("x".into()),
                Failure::ReauthRequired,
            ),
            (
                GmailError::TokenUnavailable("x".into()),
                Failure::HostUnavailable,
            ),
            (GmailError::Decode("x".into()), Failure::Offline),
        ];
        for (error, failure) in cases {
            assert_eq!(failure_of(&error), failure);
        }
    }
}
