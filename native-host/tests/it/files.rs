//! The host's folders are 0700 and its files 0600, whether it creates them or finds them wider.
#![cfg(unix)]

use crate::emu::{add_account, setup, ADA};
use crate::harness::{all_files, HostEnv};
use serde_json::json;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

fn assert_private(env: &HostEnv) {
    for dir in [
        env.config_dir(),
        env.config_dir().join("locks"),
        env.state_dir(),
    ] {
        assert_eq!(mode(&dir), 0o700, "{}", dir.display());
    }
    let files: Vec<_> = all_files(&env.config_dir())
        .into_iter()
        .chain(all_files(&env.state_dir()))
        .collect();
    for f in &files {
        assert_eq!(mode(f), 0o600, "{}", f.display());
    }
    for name in ["config.json", "accounts.json", "locks/accounts.lock"] {
        assert!(
            files.contains(&env.config_dir().join(name)),
            "{name}: {files:?}"
        );
    }
    assert!(files.contains(&env.state_dir().join("gmux-host.log")));
}

#[test]
fn folders_and_files_the_host_creates_are_private() {
    let s = setup(true);
    let mut host = s.env.start();
    let account = add_account(&mut host, ADA);
    host.call_ok("token.get", json!({"account": account["id"]}));
    host.finish();
    assert!(!all_files(&s.env.config_dir().join("locks")).is_empty());
    assert_private(&s.env);
}

#[test]
fn wider_folders_and_files_found_at_start_are_narrowed_and_logged() {
    let s = setup(true);
    let mut host = s.env.start();
    add_account(&mut host, ADA);
    host.finish();
    let env = &s.env;
    for dir in [
        env.config_dir(),
        env.config_dir().join("locks"),
        env.state_dir(),
    ] {
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    for f in all_files(&env.config_dir())
        .into_iter()
        .chain(all_files(&env.state_dir()))
    {
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    let mut host = env.start();
    host.call_ok("hello", json!({}));
    host.finish();
    assert_private(env);
    let log = std::fs::read_to_string(env.state_dir().join("gmux-host.log")).unwrap();
    assert!(
        log.contains("accounts.json") && log.contains("was open to others (mode 644)"),
        "{log}"
    );
    // The terminal side narrows them too.
    std::fs::set_permissions(
        env.config_dir().join("config.json"),
        std::fs::Permissions::from_mode(0o640),
    )
    .unwrap();
    let (ok, _, err) = env.cli(&["accounts", "list"]);
    assert!(ok, "{err}");
    assert_eq!(mode(&env.config_dir().join("config.json")), 0o600);
}
