//! The bench scenarios for `cargo xtask bench`: what gmux's sync costs against the naive approach (one
//! threads.list plus one threads.get per thread, every poll), judged by the emulator's counters, and the wall
//! time of a first sync with a fixed latency added to every HTTP request.

use crate::native::NativeEnv;
use crate::sync::{naive_first_sync, SyncEngine, DEFAULT_PAGE_SIZE};
use crate::testkit::{seed, Kit, KitError, LatencyEnv, Usage};
use crate::{Env, GmailError};
use gmux_core::inbox::AccountInbox;
use serde::Serialize;
use serde_json::json;
use std::rc::Rc;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct BenchConfig {
    pub accounts: usize,
    /// Inbox threads per account (the first sync reads one page of up to 50).
    pub threads: usize,
    /// Added before every HTTP request in the wall-time runs.
    pub latency_ms: u64,
}

impl Default for BenchConfig {
    fn default() -> Self {
        BenchConfig {
            accounts: 3,
            threads: 50,
            latency_ms: 50,
        }
    }
}

/// HTTP requests and quota units of one scenario, over all accounts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Cost {
    pub http_requests: u64,
    pub quota_units: u64,
}

impl From<&Usage> for Cost {
    fn from(u: &Usage) -> Self {
        Cost {
            http_requests: u.http_requests,
            quota_units: u.quota_units,
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Costs {
    pub first_sync: Cost,
    /// A poll when nothing changed.
    pub idle_poll: Cost,
    /// A poll after one new message arrived in every account.
    pub one_new_message: Cost,
    /// Wall time of a first sync of every account at once, with the configured latency.
    pub first_sync_wall_ms: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BenchReport {
    pub config: BenchConfig,
    pub gmux: Costs,
    pub naive: Costs,
}

impl BenchReport {
    /// A plain-text table for the terminal.
    pub fn table(&self) -> String {
        let c = &self.config;
        let mut out = format!(
            "{} accounts x {} threads; wall time with {} ms added per request\n{:<18} {:>14} {:>14} {:>14} {:>14}\n",
            c.accounts, c.threads, c.latency_ms, "scenario", "gmux requests", "gmux units", "naive requests", "naive units"
        );
        let rows = [
            ("first sync", self.gmux.first_sync, self.naive.first_sync),
            ("idle poll", self.gmux.idle_poll, self.naive.idle_poll),
            (
                "one new message",
                self.gmux.one_new_message,
                self.naive.one_new_message,
            ),
        ];
        for (name, g, n) in rows {
            out.push_str(&format!(
                "{name:<18} {:>14} {:>14} {:>14} {:>14}\n",
                g.http_requests, g.quota_units, n.http_requests, n.quota_units
            ));
        }
        out.push_str(&format!(
            "{:<18} {:>14} {:>14} {:>14} {:>14}\n",
            "first sync wall",
            format!("{} ms", self.gmux.first_sync_wall_ms),
            "",
            format!("{} ms", self.naive.first_sync_wall_ms),
            ""
        ));
        out
    }
}

#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    #[error(transparent)]
    Kit(#[from] KitError),
    #[error("sync failed during the bench: {0}")]
    Sync(#[from] GmailError),
    #[error("could not start a runtime: {0}")]
    Runtime(String),
}

/// Runs every scenario on a fresh emulator and returns the figures. Needs a tokio runtime with timers
/// (see [`run_blocking`]).
pub async fn run(config: BenchConfig) -> Result<BenchReport, BenchError> {
    let kit = Kit::start_on_own_threads(seed(config.accounts, config.threads)).await?;
    let env: Rc<dyn Env> = kit.env.clone();

    // gmux: history-based sync with batches.
    let engine = SyncEngine::new(env.clone(), kit.tokens.clone(), &kit.base);
    let mut inboxes = kit.inboxes();
    let first_sync = measure(&kit, async { all_ok(engine.sync_all(&mut inboxes).await) }).await?;
    let idle_poll = measure(&kit, async { all_ok(engine.sync_all(&mut inboxes).await) }).await?;
    deliver_one_each(&kit, "gmux").await?;
    let one_new_message =
        measure(&kit, async { all_ok(engine.sync_all(&mut inboxes).await) }).await?;
    let mut gmux = Costs {
        first_sync,
        idle_poll,
        one_new_message,
        first_sync_wall_ms: 0,
    };

    // Naive: every poll re-reads the list and every thread. A second emulator, so both start from the same mail.
    let naive_kit = Kit::start_on_own_threads(seed(config.accounts, config.threads)).await?;
    let naive_engine = SyncEngine::new(env.clone(), naive_kit.tokens.clone(), &naive_kit.base);
    let mut naive_inboxes = naive_kit.inboxes();
    let first_sync = measure(&naive_kit, naive_all(&naive_engine, &mut naive_inboxes)).await?;
    let idle_poll = measure(&naive_kit, naive_all(&naive_engine, &mut naive_inboxes)).await?;
    deliver_one_each(&naive_kit, "naive").await?;
    let one_new_message = measure(&naive_kit, naive_all(&naive_engine, &mut naive_inboxes)).await?;
    let mut naive = Costs {
        first_sync,
        idle_poll,
        one_new_message,
        first_sync_wall_ms: 0,
    };

    // Wall time: fresh engines over an Env that waits before each request.
    let slow: Rc<dyn Env> = Rc::new(LatencyEnv {
        inner: NativeEnv::new(),
        latency_ms: config.latency_ms,
    });
    let slow_engine = SyncEngine::new(slow.clone(), kit.tokens.clone(), &kit.base);
    let mut fresh = kit.inboxes();
    let start = env.now_ms();
    all_ok(slow_engine.sync_all(&mut fresh).await)?;
    gmux.first_sync_wall_ms = env.now_ms() - start;

    let naive_slow_engine = SyncEngine::new(slow, naive_kit.tokens.clone(), &naive_kit.base);
    let mut fresh = naive_kit.inboxes();
    let start = env.now_ms();
    naive_all(&naive_slow_engine, &mut fresh).await?;
    naive.first_sync_wall_ms = env.now_ms() - start;

    Ok(BenchReport {
        config,
        gmux,
        naive,
    })
}

/// [`run`] on a runtime of its own: for callers without one (`cargo xtask bench`).
pub fn run_blocking(config: BenchConfig) -> Result<BenchReport, BenchError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| BenchError::Runtime(e.to_string()))?;
    runtime.block_on(run(config))
}

/// Resets the counters, then runs the scenario (futures do nothing until awaited) and reads the counters.
async fn measure(
    kit: &Kit,
    scenario: impl std::future::Future<Output = Result<(), GmailError>>,
) -> Result<Cost, BenchError> {
    kit.control.reset_counters().await?;
    scenario.await?;
    Ok(Cost::from(&kit.control.usage(None).await?))
}

fn all_ok<T>(results: Vec<Result<T, GmailError>>) -> Result<(), GmailError> {
    results.into_iter().try_for_each(|r| r.map(|_| ()))
}

async fn naive_all(engine: &SyncEngine, inboxes: &mut [AccountInbox]) -> Result<(), GmailError> {
    let runs = inboxes.iter_mut().map(|inbox| {
        let client = engine.client(&inbox.account.id);
        async move { naive_first_sync(&client, inbox, DEFAULT_PAGE_SIZE).await }
    });
    all_ok(futures::future::join_all(runs).await)
}

async fn deliver_one_each(kit: &Kit, tag: &str) -> Result<(), KitError> {
    for email in &kit.emails {
        kit.control
            .deliver(json!({
                "account": email,
                "from": "Bench <bench@example.com>",
                "subject": format!("new message for the {tag} run"),
                "text": "hello",
            }))
            .await?;
    }
    Ok(())
}
