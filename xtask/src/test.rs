//! `cargo xtask test`: every test (unit, integration, browser) in one run, ending with one summary line.

use std::io::{BufRead, BufReader};
use std::process::Stdio;

use anyhow::{bail, Context, Result};

use crate::dist::{self, DistOptions};
use crate::package_checks::{self, Outcome};
use crate::{cargo, cargo_path, run, setup, workspace_root};

pub fn test(extra: &[String]) -> Result<()> {
    let root = workspace_root();
    setup::ensure_all()?;
    // Formatting first: the cheapest check, and one a contributor fixes with one command.
    run(cargo().current_dir(&root).args(["fmt", "--all", "--check"]))
        .context("cargo fmt --check found code that is not formatted: run cargo fmt")?;
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
    // The packages, built as they ship and used as a person would: after everything else, since they build
    // the host three more times (static Linux, Windows, and a check for macOS). A run narrowed by extra
    // arguments (a filter) is about something else and skips them.
    if extra.is_empty() {
        println!();
        println!("running the package checks");
        for (name, result) in package_checks::run_all() {
            println!("{}", summary.record(&name, &result));
        }
    }
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

    /// Counts one check run by xtask itself and returns its line, in libtest's words.
    fn record(&mut self, name: &str, result: &Result<Outcome>) -> String {
        match result {
            Ok(Outcome::Passed) => {
                self.passed += 1;
                format!("test {name} ... ok")
            }
            Ok(Outcome::Skipped(why)) => {
                self.ignored += 1;
                format!("test {name} ... skipped: {why}")
            }
            Err(e) => {
                self.failed += 1;
                format!("test {name} ... FAILED: {e:#}")
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
    fn xtask_checks_are_counted_with_the_rest() {
        let mut s = Summary::default();
        s.add_line("test result: ok. 5 passed; 0 failed; 0 ignored; 0 measured");
        assert_eq!(
            s.record("package::a", &Ok(Outcome::Passed)),
            "test package::a ... ok"
        );
        assert_eq!(
            s.record("package::b", &Ok(Outcome::Skipped("no wine".into()))),
            "test package::b ... skipped: no wine"
        );
        assert_eq!(
            s.record("package::c", &Err(anyhow::anyhow!("broken"))),
            "test package::c ... FAILED: broken"
        );
        assert_eq!(s.closing_line(), "gmux: 6 passed, 1 failed, 1 skipped");
    }

    #[test]
    fn ignores_other_lines() {
        check(
            &["test foo ... ok", "test result is nice"],
            "gmux: 0 passed, 0 failed",
        );
    }
}
