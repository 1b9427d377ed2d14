//! 401, revoked grants, 429/403/400/5xx with backoff, persistent failures, the in-flight cap.

use crate::support::{engine, kit, QUICK};
use gmux_core::inbox::SyncHealth;
use gmux_core::messages::IntentError;
use gmux_gmail::{naive_first_sync, GmailError, SyncKind};
use serde_json::json;
use std::time::Instant;

#[tokio::test]
async fn an_expired_token_costs_one_token_request_and_one_retry() {
    let kit = kit(1, 10).await;
    let engine = engine(&kit);
    let mut inbox = kit.inboxes().remove(0);
    engine.sync_account(&mut inbox).await.unwrap();
    // An hour later the cached access token is dead; the refresh token is not.
    kit.control.advance_clock(3_700).await.unwrap();
    kit.control.reset_counters().await.unwrap();

    let outcome = engine.sync_account(&mut inbox).await.unwrap();

    let usage = kit.control.usage(None).await.unwrap();
    assert_eq!(outcome.kind, SyncKind::NoChange);
    assert_eq!(usage.token_refreshes, 1, "{usage:?}");
    assert_eq!(usage.calls_of("oauth2.token"), 1, "{usage:?}");
    assert_eq!(usage.calls_of("gmail.users.history.list"), 2, "{usage:?}");
    assert_eq!(inbox.account.health, SyncHealth::Ok);
}

#[tokio::test]
async fn a_revoked_account_needs_reauthorisation_while_the_others_keep_syncing() {
    let kit = kit(2, 10).await;
    let engine = engine(&kit);
    let mut inboxes = kit.inboxes();
    engine.sync_all(&mut inboxes).await;
    kit.control.revoke(&kit.emails[0]).await.unwrap();
    kit.control
        .deliver(json!({"account": kit.emails[1], "from": "a@example.com", "subject": "still here", "text": "hi"}))
        .await
        .unwrap();
    kit.control.reset_counters().await.unwrap();

    let outcomes = engine.sync_all(&mut inboxes).await;

    assert!(
        matches!(outcomes[0], Err(GmailError::ReauthRequired(_))),
        "{:?}",
        outcomes[0]
    );
    assert_eq!(inboxes[0].account.health, SyncHealth::ReauthRequired);
    assert_eq!(inboxes[0].threads.len(), 10, "the last good inbox is kept");
    assert_eq!(
        inboxes[0].account.health_cause,
        Some(gmux_core::messages::Cause::ReauthRequired)
    );
    assert_eq!(outcomes[1].as_ref().unwrap().kind, SyncKind::Incremental);
    assert_eq!(inboxes[1].threads[0].subject, "still here");
    assert_eq!(inboxes[1].account.health, SyncHealth::Ok);
    // One refused call, one refused refresh, no more.
    let usage = kit
        .control
        .usage(Some(&[kit.emails[0].as_str()]))
        .await
        .unwrap();
    assert_eq!(usage.calls_of("gmail.users.history.list"), 1, "{usage:?}");
    assert_eq!(usage.calls_of("oauth2.token"), 1, "{usage:?}");
}

#[tokio::test]
async fn rate_limits_wait_for_retry_after_and_recover() {
    let kit = kit(1, 10).await;
    let engine = engine(&kit);
    let mut inbox = kit.inboxes().remove(0);
    engine.sync_account(&mut inbox).await.unwrap();
    kit.control
        .faults(json!({"method": "gmail.users.history.list", "status": 429, "count": 2, "retry_after": 1}))
        .await
        .unwrap();
    kit.control.reset_counters().await.unwrap();

    let started = Instant::now();
    let outcome = engine.sync_account(&mut inbox).await.unwrap();

    assert!(
        started.elapsed().as_millis() >= 2_000,
        "Retry-After 1 s twice, waited {:?}",
        started.elapsed()
    );
    assert_eq!(outcome.kind, SyncKind::NoChange);
    assert_eq!(
        kit.control
            .usage(None)
            .await
            .unwrap()
            .calls_of("gmail.users.history.list"),
        3
    );
    assert_eq!(inbox.account.health, SyncHealth::Ok);
}

#[tokio::test]
async fn retryable_statuses_back_off_and_recover() {
    let quota = json!({"error": {"code": 403, "message": "Quota exceeded for quota metric 'Queries'",
        "errors": [{"message": "Quota exceeded", "domain": "usageLimits", "reason": "rateLimitExceeded"}], "status": "PERMISSION_DENIED"}});
    let precondition = json!({"error": {"code": 400, "message": "Precondition check failed.",
        "errors": [{"message": "Precondition check failed.", "domain": "global", "reason": "failedPrecondition"}], "status": "FAILED_PRECONDITION"}});
    // (fault, calls of the faulted method a full sync then makes: the faulted ones plus the usual)
    let cases = [
        (
            json!({"method": "gmail.users.threads.list", "status": 500, "count": 1}),
            2,
        ),
        (
            json!({"method": "gmail.users.threads.list", "status": 503, "count": 2}),
            3,
        ),
        (json!({"method": "batch", "status": 503, "count": 2}), 4),
        (
            json!({"method": "gmail.users.labels.get", "status": 429, "count": 1}),
            2,
        ),
        (
            json!({"method": "gmail.users.labels.get", "status": 403, "count": 1, "body": quota}),
            2,
        ),
        (
            json!({"method": "gmail.users.threads.list", "status": 400, "count": 1, "body": precondition}),
            2,
        ),
    ];
    let kit = kit(1, 10).await;
    let engine = engine(&kit);
    for (fault, calls) in cases {
        let method = fault["method"].as_str().unwrap().to_string();
        let mut inbox = kit.inboxes().remove(0);
        kit.control.faults(fault.clone()).await.unwrap();
        kit.control.reset_counters().await.unwrap();

        let outcome = engine.sync_account(&mut inbox).await;

        assert_eq!(outcome.map(|o| o.kind), Ok(SyncKind::Full), "{fault}");
        assert_eq!(inbox.threads.len(), 10, "{fault}");
        let usage = kit.control.usage(None).await.unwrap();
        assert_eq!(usage.calls_of(&method), calls, "{fault}: {usage:?}");
    }
}

#[tokio::test]
async fn failed_parts_of_a_batch_are_retried_alone() {
    let kit = kit(1, 50).await;
    let engine = engine(&kit);
    let mut inbox = kit.inboxes().remove(0);
    kit.control
        .faults(json!({"method": "gmail.users.threads.get", "status": 500, "count": 3}))
        .await
        .unwrap();

    engine.sync_account(&mut inbox).await.unwrap();

    let usage = kit.control.usage(None).await.unwrap();
    // The head (profile and the counts: INBOX, Primary, four category probes), the threads, the retried three.
    assert_eq!(usage.batch_sizes, [7, 50, 3]);
    assert_eq!(inbox.threads.len(), 50);
}

#[tokio::test]
async fn a_failing_account_gives_up_after_bounded_attempts_without_stalling_the_others() {
    let kit = kit(2, 5).await;
    let engine = engine(&kit);
    let mut inboxes = kit.inboxes();
    engine.sync_all(&mut inboxes).await;
    kit.control
        .faults(
            json!({"method": "gmail.users.history.list", "status": 500, "account": kit.emails[0]}),
        )
        .await
        .unwrap();
    kit.control.reset_counters().await.unwrap();

    let outcomes = engine.sync_all(&mut inboxes).await;

    assert!(
        matches!(&outcomes[0], Err(GmailError::Api(e)) if e.status == 500),
        "{:?}",
        outcomes[0]
    );
    assert_eq!(inboxes[0].account.health, SyncHealth::Failing);
    assert_eq!(inboxes[0].threads.len(), 5);
    assert_eq!(outcomes[1].as_ref().unwrap().kind, SyncKind::NoChange);
    let failing = kit
        .control
        .usage(Some(&[kit.emails[0].as_str()]))
        .await
        .unwrap();
    assert_eq!(
        failing.calls_of("gmail.users.history.list"),
        u64::from(QUICK.max_attempts)
    );
}

#[tokio::test]
async fn the_in_flight_cap_keeps_under_gmails_concurrency_limit() {
    let kit = kit(1, 40).await;
    kit.control
        .settings(json!({"concurrency_cap": 4}))
        .await
        .unwrap();
    let engine = engine(&kit);
    let client = engine.client(&kit.emails[0]);
    let mut inbox = kit.inboxes().remove(0);

    // The naive sync fires 40 gets at once; the client lets 4 through at a time, so none gets a 429.
    naive_first_sync(&client, &mut inbox, 50).await.unwrap();

    let usage = kit.control.usage(None).await.unwrap();
    assert_eq!(usage.calls_of("gmail.users.threads.get"), 40, "{usage:?}");
    assert_eq!(inbox.threads.len(), 40);
}

#[tokio::test]
async fn a_batch_answer_cut_off_in_the_middle_is_sent_again() {
    let kit = kit(1, 20).await;
    let engine = engine(&kit);
    let mut inbox = kit.inboxes().remove(0);
    kit.control
        .faults(json!({"method": "batch", "malformed": true, "count": 1}))
        .await
        .unwrap();

    let outcome = engine.sync_account(&mut inbox).await.unwrap();

    assert_eq!(outcome.kind, SyncKind::Full);
    assert_eq!(inbox.threads.len(), 20);
    assert_eq!(kit.control.usage(None).await.unwrap().calls_of("batch"), 3);
}

#[tokio::test]
async fn offline_keeps_the_last_good_inbox_and_says_since_when() {
    let kit = kit(1, 5).await;
    let mut inbox = kit.inboxes().remove(0);
    engine(&kit).sync_account(&mut inbox).await.unwrap();
    let last_good = inbox.account.last_good_sync_ms;
    // A port nobody listens on: every request is refused, as when the network is down.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let offline = gmux_gmail::SyncEngine::new(
        kit.env.clone(),
        kit.tokens.clone(),
        &format!("http://{closed}"),
    )
    .with_policy(QUICK);

    let outcome = offline.sync_account(&mut inbox).await;

    assert!(
        matches!(outcome, Err(GmailError::Offline(_))),
        "{outcome:?}"
    );
    assert_eq!(inbox.account.health, SyncHealth::Offline);
    assert_eq!(inbox.account.last_good_sync_ms, last_good);
    assert_eq!(inbox.threads.len(), 5);
    assert_eq!(outcome.unwrap_err().intent_error(), IntentError::Offline);
}

#[tokio::test]
async fn an_expired_token_inside_a_batch_costs_one_token_request_and_one_resend() {
    let kit = kit(1, 10).await;
    let engine = engine(&kit);
    let mut inbox = kit.inboxes().remove(0);
    // The first call of a full sync is a batch: Gmail answers 200 with a 401 in every part.
    kit.control.advance_clock(3_700).await.unwrap();
    kit.control.reset_counters().await.unwrap();

    let outcome = engine.sync_account(&mut inbox).await.unwrap();

    let usage = kit.control.usage(None).await.unwrap();
    assert_eq!(outcome.kind, SyncKind::Full);
    assert_eq!(usage.token_refreshes, 1, "{usage:?}");
    assert_eq!(usage.calls_of("oauth2.token"), 1, "{usage:?}");
    assert_eq!(usage.batch_sizes, [7, 7, 10], "{usage:?}");
    assert_eq!(inbox.threads.len(), 10);
}
