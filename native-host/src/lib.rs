//! gmux-host: the native-messaging host that keeps Gmail refresh tokens in the OS keyring and hands the
//! extension short-lived access tokens. `PROTOCOL.md` documents what goes over the pipe.

// Stdout carries only frames: a stray print would be read as a frame length and kill the browser's port.
#![deny(clippy::print_stdout)]

pub mod app;
pub mod config;
pub mod errors;
pub mod flow;
pub mod framing;
pub mod install;
pub mod logging;
pub mod oauth;
pub mod outbox;
pub mod paths;
pub mod private;
pub mod secrets;
pub mod serve;
pub mod tokens;
