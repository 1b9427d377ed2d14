//! Shared set-up: an emulator with seeded accounts, authorised tokens, and an engine with quick backoff.

use gmux_gmail::testkit::{seed, Kit};
use gmux_gmail::{RetryPolicy, SyncEngine};
use std::time::Duration;

/// Short waits so retry tests stay quick; the shape of the backoff is the library's.
pub const QUICK: RetryPolicy = RetryPolicy {
    max_attempts: 4,
    base_delay_ms: 20,
    max_delay_ms: 200,
    max_retry_after_ms: 5_000,
};

pub async fn kit(accounts: usize, threads: usize) -> Kit {
    tokio::time::timeout(Duration::from_secs(30), Kit::start(seed(accounts, threads)))
        .await
        .expect("emulator start timed out")
        .expect("emulator start")
}

pub fn engine(kit: &Kit) -> SyncEngine {
    SyncEngine::new(kit.env.clone(), kit.tokens.clone(), &kit.base).with_policy(QUICK)
}
