//! The fuzz targets: one `#[test]` each, so they run in parallel. Each replays `fuzz/corpus/<target>/` and
//! then mutates it for `GMUX_FUZZ_SECS` (default 60) seconds. See `fuzz/README.md`.

mod batch;
mod compose;
mod gmail_json;
mod host_frames;
mod mail_mime;
mod mail_sanitize;
mod snippet;
mod sync_engine;

use gmux_fuzz::{run, Settings, Target};

/// Runs one target with the budget and seed from the environment, prints its numbers, and fails with the
/// seed and the input when a property does not hold.
fn fuzz(target: Target) {
    let settings = Settings::from_env();
    match run(target, &settings) {
        Ok(report) => println!("{report}"),
        Err(failure) => panic!("{failure}"),
    }
}
