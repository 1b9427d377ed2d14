//! Integration tests: a real emulator on 127.0.0.1:0 driven over HTTP.

// Test helpers live outside #[test] functions; a failed unwrap there is a failed test, as intended.
#![allow(clippy::unwrap_used)]

mod batch;
mod binary;
mod common;
mod conformance;
mod control;
mod gmail;
mod labels;
mod malformed;
mod mime;
mod oauth;
mod pyclient;
mod query;
mod raw_mail;
mod send;
