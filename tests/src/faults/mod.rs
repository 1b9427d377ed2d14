//! Harness for the fault-injection browser tests (tests/tests/it/faults.rs) and the secret-leak audit
//! (tests/tests/audit): the emulator's fault API, a probe that speaks the host protocol to a second gmux-host
//! with the browser's config and keyring, the host's keyring entries read, locked and unlocked over the Secret
//! Service, a loopback forwarder that takes "Google" off the network and back on the same port, the one checker
//! every fault ends with ([`check_invariants`]), and for the audit: every encoded form of every token searched
//! in a folder tree, the host's messages captured, the browser closed as a desktop closes it.
//!
//! One file per concern: `emulator_control` (faults, counters, issued tokens), `host_files` (the host's wrapper,
//! config and message capture), `host_probe` (a second gmux-host over the protocol), `keyring` (the Secret
//! Service), `forwarder` (Google off the network and back), `invariants` (the checker), `token_search` (the
//! audit's search) and `browser_close` (the profile, and closing the browser).

mod browser_close;
mod emulator_control;
mod forwarder;
mod host_files;
mod host_probe;
mod invariants;
mod keyring;
mod token_search;

pub use browser_close::{close_browser, profile_dir};
pub use emulator_control::{
    clear_faults, inject, issued_tokens, refresh_at_emulator, request_count,
};
pub use forwarder::Forwarder;
pub use host_files::{capture_host_messages, host_wrapper, point_token_endpoint_at};
pub use host_probe::{frame, split_frames, HostProbe};
pub use invariants::{check_invariants, Checked};
pub use keyring::{
    keyring_grants, keyring_locked, keyring_service, lock_keyring, unlock_keyring, KeyringGrant,
};
pub use token_search::{search_tree, token_forms, Searched, TokenSearch};
