//! Integration tests: the real gmux-host binary over pipes, against gmux-emulator and the real Secret Service.
// Test helpers panic on failure by design: a failed setup step is a failed test.
#![allow(clippy::unwrap_used)]

mod accounts;
mod cli;
#[allow(dead_code)] // Helpers shared by the test modules; not every module uses each one.
mod emu;
#[allow(dead_code)]
mod fake;
mod files;
#[allow(dead_code)]
mod harness;
#[allow(dead_code)]
mod identity;
mod install;
mod keyring;
mod leaks;
mod protocol;
mod rfc7009;
