//! Typed Gmail v1 client and the sync engine.
//!
//! Compiles natively and for `wasm32-unknown-unknown`: all IO (HTTP, timers, clock, tokens) goes through
//! the [`env::Env`] and [`env::TokenSource`] traits the caller implements. The `native` feature adds a
//! reqwest + tokio implementation and the bench scenarios.

pub mod api;
pub mod batch;
pub mod client;
pub mod env;
pub mod error;
pub mod sync;

#[cfg(feature = "native")]
pub mod native;

#[cfg(feature = "bench")]
pub mod bench;
#[cfg(feature = "bench")]
pub mod testkit;

pub use client::{GmailClient, RetryPolicy};
pub use env::{Env, HttpRequest, HttpResponse, TokenError, TokenSource, TransportError};
pub use error::{ApiError, GmailError};
pub use sync::{naive_first_sync, SyncEngine, SyncKind, SyncOutcome, ThreadAction};
