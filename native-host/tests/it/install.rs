//! `gmux-host install` / `uninstall` with `--manifest-dir`, as the browser tests use them.

use crate::harness::{HostEnv, BIN};
use serde_json::Value;

fn read(path: &std::path::Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn install_writes_the_right_manifest_per_browser_family_and_uninstall_removes_it() {
    let env = HostEnv::new();
    let cases = [
        (
            "chromium",
            "allowed_origins",
            Value::from(vec![gmux_core::ids::chrome_origin()]),
        ),
        (
            "chrome",
            "allowed_origins",
            Value::from(vec![gmux_core::ids::chrome_origin()]),
        ),
        (
            "firefox",
            "allowed_extensions",
            Value::from(vec!["gmux@gmux.dev"]),
        ),
        (
            "librewolf",
            "allowed_extensions",
            Value::from(vec!["gmux@gmux.dev"]),
        ),
    ];
    for (browser, key, want) in cases {
        let dir = env.dir.path().join(browser);
        let (ok, out, err) = env.cli(&[
            "install",
            "--browser",
            browser,
            "--manifest-dir",
            dir.to_str().unwrap(),
        ]);
        assert!(ok, "{browser}: {out} {err}");
        let m = read(&dir.join("dev.gmux.host.json"));
        assert_eq!(m["name"], "dev.gmux.host");
        assert_eq!(m["type"], "stdio");
        assert_eq!(m[key], want, "{browser}");
        let other = if key == "allowed_origins" {
            "allowed_extensions"
        } else {
            "allowed_origins"
        };
        assert!(m.get(other).is_none(), "{browser} has both keys");
        let path = std::path::PathBuf::from(m["path"].as_str().unwrap());
        assert!(path.is_absolute());
        assert_eq!(path, std::fs::canonicalize(BIN).unwrap());
        let (ok, _, err) = env.cli(&[
            "uninstall",
            "--browser",
            browser,
            "--manifest-dir",
            dir.to_str().unwrap(),
        ]);
        assert!(ok, "{err}");
        assert!(!dir.join("dev.gmux.host.json").exists());
    }
}

#[test]
fn install_takes_an_explicit_binary_path() {
    let env = HostEnv::new();
    let dir = env.dir.path().join("m");
    let (ok, _, err) = env.cli(&[
        "install",
        "--browser",
        "chromium",
        "--manifest-dir",
        dir.to_str().unwrap(),
        "--path",
        "/opt/gmux/gmux-host",
    ]);
    assert!(ok, "{err}");
    assert_eq!(
        read(&dir.join("dev.gmux.host.json"))["path"],
        "/opt/gmux/gmux-host"
    );
}

#[test]
fn install_all_writes_only_for_browsers_present_in_home() {
    let env = HostEnv::new();
    let home = env.dir.path().join("home");
    std::fs::create_dir_all(home.join(".config/chromium")).unwrap();
    std::fs::create_dir_all(home.join(".mozilla")).unwrap();
    let out = env
        .command()
        .env("HOME", &home)
        .arg("install")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(home
        .join(".config/chromium/NativeMessagingHosts/dev.gmux.host.json")
        .exists());
    assert!(home
        .join(".mozilla/native-messaging-hosts/dev.gmux.host.json")
        .exists());
    assert!(!home.join(".config/google-chrome").exists());
    let out = env
        .command()
        .env("HOME", &home)
        .arg("uninstall")
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(!home
        .join(".mozilla/native-messaging-hosts/dev.gmux.host.json")
        .exists());
}

#[test]
fn manifest_dir_with_all_browsers_is_refused() {
    let env = HostEnv::new();
    let (ok, _, err) = env.cli(&[
        "install",
        "--manifest-dir",
        env.dir.path().to_str().unwrap(),
    ]);
    assert!(!ok);
    assert!(err.contains("--browser"), "{err}");
}
