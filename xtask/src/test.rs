//! `cargo xtask test`: every test (unit, integration, browser) in one run, ending with one summary line.

use std::io::{BufRead, BufReader};
use std::process::Stdio;

use anyhow::{bail, Context, Result};

use crate::dist::{self, DistOptions};
use crate::{cargo, cargo_path, run, setup, workspace_root};

pub fn test(extra: &[String]) -> Result<()> {
    let root = workspace_root();
    setup::ensure_all()?;
    // The store packages first (zipped, and the Firefox one linted as addons.mozilla.org would), then the
    // test build the browser tests load, which may also talk to the emulator on loopback.
    dist::dist(&DistOptions { release: true })?;
    dist::dist(&DistOptions { release: false })?;
    // The browser tests start the host and the emulator as real processes, so their binaries must exist.
    run(cargo()
        .current_dir(&root)
        .args(["build", "--workspace", "--bins"]))?;
    // The workspace lints (no unwrap outside tests, no stdout in the host) only bite when clippy runs.
    run(cargo().current_dir(&root).args([
        "clippy",
        "--workspace",
        "--all-targets",
        "--quiet",
        "--",
        "-D",
        "warnings",
    ]))?;

    let mut summary = Summary::default();
    // One throwaway, unlocked Secret Service per run: the keyring tests and the hosts the browsers start all use
    // it, and the user's own keyring is never touched.
    let everything = run_counted(
        &["test", "--workspace", "--no-fail-fast"],
        extra,
        &mut summary,
    )?;
    // The secret-leak audit comes last, on its own: it searches everything a whole life of gmux wrote to disk.
    let audit = run_counted(
        &["test", "-p", "gmux-e2e", "--test", "audit"],
        extra,
        &mut summary,
    )?;
    println!();
    println!("{}", summary.closing_line());
    if !everything || !audit || summary.failed > 0 {
        bail!("tests failed");
    }
    if summary.passed == 0 {
        bail!("no test ran");
    }
    Ok(())
}

/// The fuzzers' seed in `cargo xtask test` (see [`run_counted`]).
const FUZZ_SEED: &str = "20261123";

/// Runs `cargo <args> [-- extra]` under a throwaway keyring with the built binaries and extensions, echoing its
/// output and adding its results to `summary`. True when cargo succeeded.
fn run_counted(args: &[&str], extra: &[String], summary: &mut Summary) -> Result<bool> {
    let target = workspace_root().join("target/debug");
    let mut cmd = setup::with_keyring(cargo_path(), args);
    cmd.args(extra)
        .env("GMUX_HOST_BIN", target.join("gmux-host"))
        .env("GMUX_EMULATOR_BIN", target.join("gmux-emulator"))
        .env("GMUX_DIST_DIR", dist::dist_dir())
        .stdout(Stdio::piped());
    // The fuzzers explore from one fixed seed here, so a test run's verdict does not depend on the dice: a bug
    // they can reach fails every run until it is fixed. Exploring new inputs is a longer run by hand with a
    // random seed (fuzz/README.md); what it finds joins the corpus, which every run replays.
    if std::env::var_os("GMUX_FUZZ_SEED").is_none() {
        cmd.env("GMUX_FUZZ_SEED", FUZZ_SEED);
    }
    eprintln!("xtask: cargo {}", args.join(" "));
    let mut child = cmd.spawn().context("starting dbus-run-session")?;
    let stdout = child.stdout.take().context("no stdout")?;
    for line in BufReader::new(stdout).lines() {
        let line = line?;
        println!("{line}");
        summary.add_line(&line);
    }
    Ok(child.wait()?.success())
}

/// Adds up the per-binary `test result:` lines of libtest into one total.
#[derive(Default, Debug, PartialEq)]
struct Summary {
    passed: u64,
    failed: u64,
    ignored: u64,
}

impl Summary {
    fn add_line(&mut self, line: &str) {
        let Some(rest) = line.trim().strip_prefix("test result: ") else {
            return;
        };
        for part in rest.split(';') {
            let words: Vec<&str> = part.split_whitespace().collect();
            let (n, what) = match words.as_slice() {
                [_, n, what, ..] if n.parse::<u64>().is_ok() => (*n, *what),
                [n, what, ..] => (*n, *what),
                _ => continue,
            };
            let Ok(n) = n.parse::<u64>() else { continue };
            match what {
                "passed" => self.passed += n,
                "failed" => self.failed += n,
                "ignored" => self.ignored += n,
                _ => {}
            }
        }
    }

    fn closing_line(&self) -> String {
        let mut s = format!("gmux: {} passed, {} failed", self.passed, self.failed);
        if self.ignored > 0 {
            s.push_str(&format!(", {} skipped", self.ignored));
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(lines: &[&str], expected: &str) {
        let mut s = Summary::default();
        for l in lines {
            s.add_line(l);
        }
        assert_eq!(s.closing_line(), expected);
    }

    #[test]
    fn sums_every_test_binary() {
        check(
            &[
                "test result: ok. 5 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.00s",
                "running 3 tests",
                "test result: FAILED. 2 passed; 1 failed; 0 ignored; 0 measured; 0 filtered out; finished in 1.2s",
            ],
            "gmux: 7 passed, 1 failed",
        );
    }

    #[test]
    fn reports_ignored_tests_as_skipped() {
        check(
            &["test result: ok. 1 passed; 0 failed; 2 ignored; 0 measured"],
            "gmux: 1 passed, 0 failed, 2 skipped",
        );
    }

    #[test]
    fn ignores_other_lines() {
        check(
            &["test foo ... ok", "test result is nice"],
            "gmux: 0 passed, 0 failed",
        );
    }
}
