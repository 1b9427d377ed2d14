//! The fuzz targets: one `#[test]` each, so they run in parallel. Each replays `fuzz/corpus/<target>/` and
//! then mutates it for `GMUX_FUZZ_SECS` (default 60) seconds. See `fuzz/README.md`.

mod batch;
mod gmail_json;
mod host_frames;
mod snippet;
mod sync_engine;

use gmux_fuzz::{run, Check, Settings, Target};

/// Runs one target with the budget and seed from the environment, prints its numbers, and fails with the
/// seed and the input when a property does not hold.
fn fuzz(target: Target) {
    let settings = Settings::from_env();
    match run(target, &settings) {
        Ok(report) => println!("{report}"),
        Err(failure) => panic!("{failure}"),
    }
}

/// Findings the fuzzer made that are not fixed yet (reported on issue 8) live in `fuzz/findings/<target>/`:
/// the fuzz loop checks every property but the ones they break, so it stays green, and this test keeps
/// each of them failing the strict check (an `Err` or a panic). When a fix lands it fails on purpose: move
/// the file into `corpus/<target>/` and remove the exception it names.
#[test]
fn known_findings_still_reproduce() {
    let targets: [(Target, Check); 2] = [
        (sync_engine::TARGET, sync_engine::strict),
        (host_frames::TARGET, host_frames::strict),
    ];
    for (target, strict) in targets {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("findings")
            .join(target.name);
        let mut seen = 0;
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let input = std::fs::read(&path).unwrap();
            assert!(
                (target.check)(&input).is_ok(),
                "{} fails more than its known finding",
                path.display()
            );
            let outcome = std::panic::catch_unwind(|| strict(&input));
            assert!(
                !matches!(outcome, Ok(Ok(_))),
                "{} no longer fails: the finding is fixed, so move it into corpus/{} and remove its exception",
                path.display(),
                target.name
            );
            seen += 1;
        }
        assert!(seen > 0, "no findings in {}", dir.display());
    }
}
