//! Typed Gmail v1 client and the sync engine.
//!
//! Compiles natively and for `wasm32-unknown-unknown`: all IO goes through traits the caller implements,
//! so the library has no runtime, no `Send` bounds and never reads the system clock.
//!
//! - [`env::Env`]: HTTP (`send`), timers (`sleep`), the clock (`now_ms`) and jitter (`random_u64`). The
//!   background implements it with `fetch` and `setTimeout`; [`native::NativeEnv`] (feature `native`) with
//!   reqwest and tokio.
//! - [`env::TokenSource`]: `token(account, force_fresh)`. The background implements it with gmux-host's
//!   `token.get`; `force_fresh` is set after Gmail refused the cached token (one retry, then
//!   [`GmailError::ReauthRequired`]).
//!
//! The background's loop, in short:
//!
//! ```text
//! let engine = SyncEngine::new(env, tokens, &hello.endpoints.gmail);
//! // Every alarm: all accounts at once; each result is also recorded in its inbox's health.
//! let results = engine.sync_all(&mut inboxes).await;
//! // A user action: show `optimistic_row(&row, action)` at once, then
//! match engine.apply(&mut inbox, &thread_id, ThreadAction::MarkRead).await {
//!     Ok(row) => { /* keep it; inbox.account.counts is fresh */ }
//!     Err(e) => { /* roll back, show e.code() and a sentence */ }
//! }
//! ```
//!
//! Beyond the cached inbox, [`listing`] loads one page of any view (a category, a label, all mail, a search) and
//! counts exactly (Primary-only unread); [`triage`] sends a `gmux_core::triage` plan over a selection across
//! accounts, its undo, mark all read, and snoozes. Both take the account's client from the same engine
//! (`engine.client(account)`), so one account never has more than its cap of requests in flight.
//!
//! Costs per account (judged by gmux-emulator's counters in `tests/it`): first sync 3 requests
//! (batch getProfile + labels.get INBOX, threads.list, batch of up to 50 threads.get), idle poll 1 request and
//! 2 quota units (history.list), a new message 3 requests (history.list, batch, labels.get), history 404 one
//! full sync. The feature `bench` adds [`bench`] (figures against the naive sync) and [`testkit`].

pub mod actions;
pub mod added;
pub mod api;
pub mod batch;
pub mod client;
pub mod compose;
pub mod env;
pub mod error;
mod fetch;
pub mod listing;
pub mod reader;
pub mod replay;
pub mod sync;
pub mod triage;

#[cfg(feature = "native")]
pub mod native;

#[cfg(feature = "bench")]
pub mod bench;
#[cfg(feature = "bench")]
pub mod testkit;

pub use client::{GmailClient, RetryPolicy};
pub use env::{Env, HttpRequest, HttpResponse, TokenError, TokenSource, TransportError};
pub use error::{ApiError, GmailError};
pub use sync::{
    naive_first_sync, optimistic_row, SyncEngine, SyncKind, SyncOutcome, SyncReport, ThreadAction,
};
