//! Integration tests: the real gmux-host binary over pipes.
// Test helpers panic on failure by design: a failed setup step is a failed test.
#![allow(clippy::unwrap_used)]

#[allow(dead_code)] // Helpers shared by the test modules; not every module uses each one.
mod harness;
mod install;
mod protocol;
