//! `gmux-host install` / `uninstall` with `--manifest-dir`, as the browser tests use them.

use crate::harness::{HostEnv, BIN};
use serde_json::Value;

fn read(path: &std::path::Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// What every Chrome-family manifest allows: the development id and each store id already assigned.
fn gmux_origins() -> Vec<String> {
    gmux_core::ids::trusted_chrome_ids()
        .into_iter()
        .map(gmux_core::ids::chrome_origin_of)
        .collect()
}

#[test]
fn install_writes_the_right_manifest_per_browser_family_and_uninstall_removes_it() {
    let env = HostEnv::new();
    let cases = [
        ("chromium", "allowed_origins", Value::from(gmux_origins())),
        ("chrome", "allowed_origins", Value::from(gmux_origins())),
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

#[test]
fn extension_ids_of_ones_own_build_are_added_to_their_family() {
    let env = HostEnv::new();
    let mine_chrome = "abcdefghijklmnopabcdefghijklmnop";
    let mine_firefox = "gmux@example.org";
    for (browser, key, want) in [
        ("edge", "allowed_origins", {
            let mut v = gmux_origins();
            v.push(format!("chrome-extension://{mine_chrome}/"));
            Value::from(v)
        }),
        (
            "firefox",
            "allowed_extensions",
            Value::from(vec!["gmux@gmux.dev", mine_firefox]),
        ),
    ] {
        let dir = env.dir.path().join(browser);
        let (ok, out, err) = env.cli(&[
            "install",
            "--browser",
            browser,
            "--manifest-dir",
            dir.to_str().unwrap(),
            "--extension-id",
            mine_chrome,
            "--extension-id",
            mine_firefox,
        ]);
        assert!(ok, "{browser}: {out} {err}");
        assert_eq!(
            read(&dir.join("dev.gmux.host.json"))[key],
            want,
            "{browser}"
        );
    }
}

#[test]
fn a_wildcard_or_an_origin_is_not_an_extension_id() {
    let env = HostEnv::new();
    for bad in ["*", "chrome-extension://abcdefghijklmnopabcdefghijklmnop/"] {
        let dir = env.dir.path().join("m");
        let (ok, _, err) = env.cli(&[
            "install",
            "--browser",
            "chrome",
            "--manifest-dir",
            dir.to_str().unwrap(),
            "--extension-id",
            bad,
        ]);
        assert!(!ok, "{bad} was accepted");
        assert!(err.contains("is not an extension id"), "{err}");
        assert!(!dir.join("dev.gmux.host.json").exists());
    }
}

#[test]
fn system_install_stages_every_browsers_system_manifest_once() {
    let env = HostEnv::new();
    let stage = env.dir.path().join("stage");
    let (ok, out, err) = env.cli(&[
        "install",
        "--system",
        "--destdir",
        stage.to_str().unwrap(),
        "--path",
        "/usr/bin/gmux-host",
    ]);
    assert!(ok, "{out} {err}");
    let want = [
        ("etc/opt/chrome/native-messaging-hosts", "allowed_origins"),
        ("etc/chromium/native-messaging-hosts", "allowed_origins"),
        ("etc/opt/edge/native-messaging-hosts", "allowed_origins"),
        ("etc/opt/vivaldi/native-messaging-hosts", "allowed_origins"),
        (
            "usr/lib/mozilla/native-messaging-hosts",
            "allowed_extensions",
        ),
        (
            "usr/lib/librewolf/native-messaging-hosts",
            "allowed_extensions",
        ),
    ];
    for (dir, key) in want {
        let m = read(&stage.join(dir).join("dev.gmux.host.json"));
        assert_eq!(m["path"], "/usr/bin/gmux-host", "{dir}");
        assert!(m[key].is_array(), "{dir}");
    }
    // Brave shares Chrome's folder: six files for seven browsers, each written once.
    assert_eq!(
        out.lines().filter(|l| l.contains(": wrote ")).count(),
        6,
        "{out}"
    );
}

#[test]
fn doctor_accepts_system_manifests_and_names_sandboxed_browsers() {
    let env = HostEnv::new();
    let home = env.dir.path().join("home");
    std::fs::create_dir_all(home.join(".config/chromium")).unwrap();
    std::fs::create_dir_all(home.join("snap/chromium")).unwrap();
    let out = env
        .command()
        .env("HOME", &home)
        .arg("doctor")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    // On a machine with the gmux-host package installed, the system manifest serves Chromium instead.
    let system = "/etc/chromium/native-messaging-hosts/dev.gmux.host.json";
    if !std::path::Path::new(system).exists() {
        assert!(
            text.contains(
                "FIX chromium host manifest: missing; run gmux-host install --browser chromium"
            ),
            "{text}"
        );
    }
    assert!(text.contains("note chromium at "), "{text}");
    assert!(
        text.contains("is a Snap, which cannot start programs"),
        "{text}"
    );
    assert!(!out.status.success());
}
