//! `cargo xtask demo` without a display: the real demo binary adds the emulator's demo accounts through the real
//! OAuth flow and writes screenshots of the popup and the new-tab page showing their threads, and of a
//! conversation open beside the list.

use std::process::Command;

use gmux_e2e::paths;

#[test]
fn headless_demo_writes_screenshots_of_every_demo_account() {
    let out_dir = paths::workspace_root().join("target/demo");
    let shots = [
        "chromium-popup.png",
        "chromium-newtab.png",
        "chromium-newtab-reading.png",
        "chromium-newtab-replying.png",
        "chromium-search.png",
    ]
    .map(|f| out_dir.join(f));
    for shot in &shots {
        let _ = std::fs::remove_file(shot);
    }
    let output = Command::new(env!("CARGO_BIN_EXE_gmux-demo"))
        .arg("--headless")
        .output()
        .expect("the demo starts");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "demo failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    for email in [
        "ada.lovelace@example.com",
        "grace.hopper@example.org",
        "tomas.novak@example.net",
    ] {
        assert!(
            stdout.contains(&format!("adding {email}")),
            "{email} was not added:\n{stdout}"
        );
    }
    for page in ["popup.html", "newtab.html"] {
        let line = stdout
            .lines()
            .find(|l| l.starts_with(&format!("gmux demo: {page}: ")))
            .unwrap_or_else(|| panic!("no line for {page}:\n{stdout}"));
        // "gmux demo: popup.html: 123 threads from 3 accounts -> PATH"
        let words: Vec<&str> = line.split_whitespace().collect();
        let threads: usize = words[3].parse().unwrap();
        let accounts: usize = words[6].parse().unwrap();
        assert!(
            threads >= 3 * 40,
            "{page} shows only {threads} threads: {line}"
        );
        assert_eq!(accounts, 3, "{line}");
    }
    assert!(
        stdout.contains("gmux demo: reading \"The Monthly Digest: November picks\""),
        "no conversation open:\n{stdout}"
    );
    // A search across the accounts: the demo mail's attachments are in every account.
    let search = stdout
        .lines()
        .find(|l| l.starts_with("gmux demo: search has:attachment: "))
        .unwrap_or_else(|| panic!("no search line:\n{stdout}"));
    let words: Vec<&str> = search.split_whitespace().collect();
    assert!(words[4].parse::<usize>().unwrap() >= 3, "{search}");
    assert_eq!(words[7].parse::<usize>().unwrap(), 3, "{search}");
    for shot in &shots {
        let bytes = std::fs::read(shot).unwrap_or_else(|e| panic!("{}: {e}", shot.display()));
        assert!(
            bytes.starts_with(b"\x89PNG\r\n\x1a\n"),
            "{} is not a PNG",
            shot.display()
        );
        assert!(
            bytes.len() > 20_000,
            "{} is too small to show an inbox ({} bytes)",
            shot.display(),
            bytes.len()
        );
    }
}
