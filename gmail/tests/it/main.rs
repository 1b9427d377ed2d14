//! gmux-gmail against the real gmux-emulator: its counters judge what each case costs.

mod actions;
mod bench;
mod compose;
mod errors;
mod listing;
mod notify;
mod reader;
mod replay;
mod support;
mod sync;
mod triage;
