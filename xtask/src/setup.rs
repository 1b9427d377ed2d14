//! Prerequisites: the project installs what it needs, so a fresh machine needs only `cargo`.
//!
//! Rust-side tools come from crates.io with `cargo install`; browsers and the keyring from Debian's
//! packages when we run as root on Debian. Anywhere else we stop and list exactly what to install.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};

#[cfg(test)]
use crate::workspace_root;
use crate::{cargo, run};

/// Must equal the `wasm-bindgen` pin in the workspace Cargo.toml: the CLI refuses a module built by
/// another version (checked by a test below).
pub const WASM_BINDGEN_VERSION: &str = "0.2.130";

/// What the browser tests, the keyring tests and the demo need from the OS, as Debian packages, each with a file
/// that shows it is there.
const DEBIAN_PACKAGES: &[(&str, &str)] = &[
    ("chromium", "/usr/bin/chromium"),
    ("chromium-driver", "/usr/bin/chromedriver"),
    ("firefox-esr", "/usr/bin/firefox-esr"),
    // The languages test runs each browser in German and in the pseudo-Arabic test locale: a browser shows an
    // extension's messages in its own UI language, which it takes only from the languages it ships.
    ("chromium-l10n", "/usr/lib/chromium/locales/de.pak"),
    (
        "firefox-esr-l10n-de",
        "/usr/lib/firefox-esr/browser/extensions/langpack-de@firefox-esr.mozilla.org.xpi",
    ),
    (
        "firefox-esr-l10n-ar",
        "/usr/lib/firefox-esr/browser/extensions/langpack-ar@firefox-esr.mozilla.org.xpi",
    ),
    ("gnome-keyring", "/usr/bin/gnome-keyring-daemon"),
    ("dbus-x11", "/usr/bin/dbus-launch"),
    ("dbus-daemon", "/usr/bin/dbus-run-session"),
    ("libglib2.0-bin", "/usr/bin/gdbus"),
    ("xvfb", "/usr/bin/Xvfb"),
    // Mail is written in every script: without these, names in CJK and emoji in subjects render as empty boxes
    // in headless screenshots (a desktop has them already).
    (
        "fonts-noto-cjk",
        "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    ),
    (
        "fonts-noto-color-emoji",
        "/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf",
    ),
];

/// What `cargo xtask package` needs to cross-compile gmux-host: musl-gcc and mingw-w64 compile ring's C code
/// for the static Linux and the Windows binary (mingw-w64 also links the latter).
const PACKAGING_PACKAGES: &[(&str, &str)] = &[
    ("musl-tools", "/usr/bin/musl-gcc"),
    (
        "gcc-mingw-w64-x86-64-win32",
        "/usr/bin/x86_64-w64-mingw32-gcc",
    ),
];

/// What the macOS check needs: clang compiles ring's C code for Apple targets, llvm-ar archives it
/// (see `package_checks::macos_check`).
const MACOS_CHECK_PACKAGES: &[(&str, &str)] =
    &[("clang", "/usr/bin/clang"), ("llvm", "/usr/bin/llvm-ar")];

/// Wine runs the Windows gmux-host in the tests (64-bit only: the host is 64-bit).
pub const WINE: &str = "/usr/lib/wine/wine64";
const WINDOWS_CHECK_PACKAGES: &[(&str, &str)] = &[("wine64", WINE)];

/// Rust targets beyond the host's: the extension (wasm), the packages (static Linux, Windows), and the macOS
/// check. rust-toolchain.toml names the first three, so rustup usually has them already.
pub const WASM_TARGET: &str = "wasm32-unknown-unknown";
pub const PACKAGE_TARGETS: [&str; 2] = ["x86_64-unknown-linux-musl", "x86_64-pc-windows-gnu"];
pub const MACOS_TARGETS: [&str; 2] = ["aarch64-apple-darwin", "x86_64-apple-darwin"];

pub fn cargo_bin_dir() -> PathBuf {
    if let Some(home) = std::env::var_os("CARGO_HOME") {
        return PathBuf::from(home).join("bin");
    }
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/root"));
    home.join(".cargo").join("bin")
}

/// Finds a program on PATH or in cargo's bin directory (which a fresh shell may not have on PATH).
pub fn find_program(name: &str) -> Option<PathBuf> {
    let in_cargo = cargo_bin_dir().join(name);
    if in_cargo.is_file() {
        return Some(in_cargo);
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

pub fn ensure_all() -> Result<()> {
    ensure_targets(&[WASM_TARGET])?;
    ensure_targets(&PACKAGE_TARGETS)?;
    ensure_targets(&MACOS_TARGETS)?;
    ensure_wasm_bindgen()?;
    let mut wanted = DEBIAN_PACKAGES.to_vec();
    wanted.extend(missing_test_runtimes());
    ensure_os_packages(&wanted)?;
    // Tools only, without what Debian recommends beside them (wine alone would bring 40 more packages).
    ensure_os_tools(
        &[
            PACKAGING_PACKAGES,
            MACOS_CHECK_PACKAGES,
            WINDOWS_CHECK_PACKAGES,
        ]
        .concat(),
    )?;
    ensure_geckodriver()?;
    ensure_google_python_client()?;
    ensure_axe_core()?;
    ensure_binaryen()?;
    Ok(())
}

/// What `cargo xtask package` needs: the cross targets and their C compilers.
pub fn ensure_package_tools() -> Result<()> {
    ensure_build_tools()?;
    ensure_targets(&PACKAGE_TARGETS)?;
    ensure_os_tools(PACKAGING_PACKAGES)
}

/// What the macOS check needs: the Apple targets, clang and llvm-ar.
pub fn ensure_macos_check_tools() -> Result<()> {
    ensure_targets(&MACOS_TARGETS)?;
    ensure_os_tools(MACOS_CHECK_PACKAGES)
}

/// python3 with venv and npm, as Debian packages, when they are missing. A python3 that is not Debian's (pyenv,
/// say) counts when it can make a venv; the files named are only what shows the package is there.
fn missing_test_runtimes() -> Vec<(&'static str, &'static str)> {
    let mut missing = Vec::new();
    let venv_ok = find_program("python3").is_some_and(|py| {
        Command::new(py)
            .args(["-c", "import venv, ensurepip"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    });
    if !venv_ok {
        missing.push(("python3", "/usr/bin/python3"));
        missing.push(("python3-venv", "/usr/share/doc/python3-venv"));
    }
    if find_program("npm").is_none() {
        missing.push(("npm", "/usr/bin/npm"));
    }
    missing
}

/// Google's own Python client libraries, pinned, in a venv under target/: the emulator's fidelity test runs
/// them unmodified against it (emulator/tests/it/pyclient.rs), from PyPI.
pub const GOOGLE_PYTHON_CLIENT: &[&str] = &[
    "google-api-python-client==2.202.0",
    "google-auth==2.62.2",
    "google-auth-oauthlib==1.5.0",
];

fn ensure_google_python_client() -> Result<()> {
    let venv = crate::workspace_root().join("target/gmux-emulator-pyclient");
    let python = venv.join("bin/python");
    let marker = venv.join("gmux-installed.txt");
    let wanted = GOOGLE_PYTHON_CLIENT.join(" ");
    if python.is_file() && std::fs::read_to_string(&marker).ok().as_deref() == Some(wanted.as_str())
    {
        return Ok(());
    }
    eprintln!(
        "xtask: installing Google's Python client libraries into {}",
        venv.display()
    );
    let python3 = find_program("python3").context(
        "python3 is missing: the emulator's fidelity test runs Google's Python client; install python3 with venv and pip",
    )?;
    run(Command::new(python3).args(["-m", "venv"]).arg(&venv))?;
    run(Command::new(venv.join("bin/pip"))
        .args(["install", "--quiet", "--disable-pip-version-check"])
        .args(GOOGLE_PYTHON_CLIENT))?;
    std::fs::write(&marker, wanted)?;
    Ok(())
}

/// Deque's axe-core, pinned, from npm into target/: the browser tests inject it into every page and state they
/// check for accessibility (tests/src/axe.rs), so the tests themselves never touch the network.
pub const AXE_CORE_VERSION: &str = "4.10.3";

/// Where the browser tests find axe-core's script (tests/src/paths.rs reads the same path).
pub const AXE_CORE_DIR: &str = "target/axe-core";

/// The `version` of an npm package's package.json text.
fn package_version(package_json: &str) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(package_json).ok()?;
    value["version"].as_str().map(str::to_string)
}

/// A pinned npm package in its own folder under target/ (`dir`), unless the installed one is that version and
/// has `file`; `why` says what it is for when npm fails.
fn ensure_npm_package(
    dir: &str,
    package: &str,
    version: &str,
    file: &str,
    why: &str,
) -> Result<()> {
    let dir = crate::workspace_root().join(dir);
    let installed_at = dir.join("node_modules").join(package);
    let installed = std::fs::read_to_string(installed_at.join("package.json"))
        .ok()
        .and_then(|text| package_version(&text));
    if installed.as_deref() == Some(version) && installed_at.join(file).is_file() {
        return Ok(());
    }
    if find_program("npm").is_none() {
        ensure_os_packages(&[("npm", "/usr/bin/npm")])?;
    }
    eprintln!(
        "xtask: installing {package} {version} from npm into {}",
        dir.display()
    );
    std::fs::create_dir_all(&dir)?;
    run(Command::new("npm").current_dir(&dir).args([
        "install",
        "--silent",
        "--no-audit",
        "--no-fund",
        &format!("{package}@{version}"),
    ]))
    .with_context(|| format!("npm is needed for {package}, {why}"))
}

fn ensure_axe_core() -> Result<()> {
    ensure_npm_package(
        AXE_CORE_DIR,
        "axe-core",
        AXE_CORE_VERSION,
        "axe.min.js",
        "the accessibility engine of the browser tests",
    )
}

/// Binaryen's `wasm-opt`, pinned, from npm into target/ (issue 21): the store build's modules go through it.
/// Debian's binaryen (108) predates features current rustc emits; npm's is binaryen compiled to wasm, run by node.
pub const BINARYEN_VERSION: &str = "132.0.0";

/// The `wasm-opt` script of npm's binaryen package (run it with node).
pub fn wasm_opt_script() -> std::path::PathBuf {
    crate::workspace_root().join("target/binaryen/node_modules/binaryen/bin/wasm-opt")
}

pub fn ensure_binaryen() -> Result<()> {
    ensure_npm_package(
        "target/binaryen",
        "binaryen",
        BINARYEN_VERSION,
        "bin/wasm-opt",
        "whose wasm-opt shrinks the store build's wasm",
    )
}

/// What the demo needs: the build tools, the browsers and the keyring; geckodriver only for Firefox.
pub fn ensure_demo_tools(firefox: bool) -> Result<()> {
    ensure_build_tools()?;
    ensure_os_packages(DEBIAN_PACKAGES)?;
    if firefox {
        ensure_geckodriver()?;
    }
    Ok(())
}

/// PATH with cargo's bin directory first, where `cargo install` put geckodriver and wasm-bindgen.
pub fn path_with_cargo_bin() -> Result<std::ffi::OsString> {
    let mut dirs = vec![cargo_bin_dir()];
    if let Some(p) = std::env::var_os("PATH") {
        dirs.extend(std::env::split_paths(&p));
    }
    Ok(std::env::join_paths(dirs)?)
}

/// Only what building the extension needs (the demo and `dist` do not need the test browsers' drivers).
pub fn ensure_build_tools() -> Result<()> {
    ensure_targets(&[WASM_TARGET])?;
    ensure_wasm_bindgen()
}

/// Adds the Rust targets rustup does not have yet for the toolchain in use.
fn ensure_targets(targets: &[&str]) -> Result<()> {
    let out = Command::new("rustup")
        .current_dir(crate::workspace_root())
        .args(["target", "list", "--installed"])
        .output();
    let installed = match out {
        Ok(out) if out.status.success() => String::from_utf8_lossy(&out.stdout).into_owned(),
        _ => bail!(
            "rustup is not on PATH: install these targets for your Rust toolchain by hand: {}",
            targets.join(" ")
        ),
    };
    let missing: Vec<&str> = targets
        .iter()
        .copied()
        .filter(|t| !installed.lines().any(|l| l.trim() == *t))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    eprintln!("xtask: adding Rust targets: {}", missing.join(" "));
    run(Command::new("rustup")
        .current_dir(crate::workspace_root())
        .args(["target", "add"])
        .args(&missing))
}

fn installed_wasm_bindgen_version() -> Option<String> {
    let bin = find_program("wasm-bindgen")?;
    let out = Command::new(bin).arg("--version").output().ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    text.split_whitespace().nth(1).map(str::to_string)
}

fn ensure_wasm_bindgen() -> Result<()> {
    if installed_wasm_bindgen_version().as_deref() == Some(WASM_BINDGEN_VERSION) {
        return Ok(());
    }
    eprintln!("xtask: installing wasm-bindgen-cli {WASM_BINDGEN_VERSION} (a few minutes, once)");
    // Not `--locked`: its lock file names a webpki-roots release that the registry may not serve;
    // the version pin on the CLI itself is what has to match the crate.
    run(cargo().args([
        "install",
        "wasm-bindgen-cli",
        "--version",
        &format!("={WASM_BINDGEN_VERSION}"),
    ]))?;
    match installed_wasm_bindgen_version() {
        Some(v) if v == WASM_BINDGEN_VERSION => Ok(()),
        other => bail!("wasm-bindgen {WASM_BINDGEN_VERSION} was installed but {other:?} is found first on PATH"),
    }
}

fn ensure_geckodriver() -> Result<()> {
    if find_program("geckodriver").is_some() {
        return Ok(());
    }
    eprintln!("xtask: installing geckodriver (about 8 minutes on 2 cores, once)");
    // Its lock file is tried first (a known-good build); if the registry lacks a locked version, resolve anew.
    run(cargo().args(["install", "geckodriver", "--locked"]))
        .or_else(|_| run(cargo().args(["install", "geckodriver"])))
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// Installs the Debian packages of `wanted` whose file is missing, in one apt-get, when we are root on Debian;
/// anywhere else stops with the list to install.
fn ensure_os_packages(wanted: &[(&str, &str)]) -> Result<()> {
    apt_install(wanted, &[])
}

/// Like [`ensure_os_packages`], for command-line tools: without the packages Debian recommends beside them.
fn ensure_os_tools(wanted: &[(&str, &str)]) -> Result<()> {
    apt_install(wanted, &["--no-install-recommends"])
}

fn apt_install(wanted: &[(&str, &str)], flags: &[&str]) -> Result<()> {
    let mut missing: Vec<&str> = Vec::new();
    for (pkg, path) in wanted {
        if !Path::new(path).exists() && !missing.contains(pkg) {
            missing.push(pkg);
        }
    }
    if missing.is_empty() {
        return Ok(());
    }
    let debian = Path::new("/etc/debian_version").exists();
    if !(debian && is_root()) {
        bail!(
            "these system packages are missing: {}\n\
             on Debian or Ubuntu install them with:\n    sudo apt-get install -y {}\n\
             elsewhere install their equivalents from your system's packages",
            missing.join(", "),
            missing.join(" ")
        );
    }
    eprintln!("xtask: installing Debian packages: {}", missing.join(" "));
    // Once per run: the package lists of a fresh machine are empty or stale.
    static UPDATED: std::sync::Once = std::sync::Once::new();
    let mut updated = Ok(());
    UPDATED.call_once(|| updated = run(Command::new("apt-get").args(["update", "-qq"])));
    updated?;
    run(Command::new("apt-get")
        .env("DEBIAN_FRONTEND", "noninteractive")
        .args(["-o", "DPkg::Lock::Timeout=900", "install", "-y", "-qq"])
        .args(flags)
        .args(&missing))
    .context("apt-get install failed")
}

/// Reads the `wasm-bindgen = "=X"` pin from the workspace manifest.
#[cfg(test)]
fn pinned_wasm_bindgen() -> Result<String> {
    let text = std::fs::read_to_string(workspace_root().join("Cargo.toml"))?;
    let line = text
        .lines()
        .find(|l| l.trim_start().starts_with("wasm-bindgen ="))
        .context("no wasm-bindgen line in Cargo.toml")?;
    let v = line
        .split('"')
        .nth(1)
        .context("wasm-bindgen line has no quoted version")?;
    Ok(v.trim_start_matches('=').to_string())
}

/// A command that runs `program` beside a throwaway, unlocked Secret Service on a private session bus
/// (`tests/with-secret-service.sh`), from the workspace root, with cargo's bin directory first on PATH. The tests,
/// the demo and the benchmarks all run this way, so the user's own keyring is never touched.
pub fn with_keyring(program: impl AsRef<std::ffi::OsStr>, args: &[&str]) -> Command {
    let mut cmd = Command::new("dbus-run-session");
    cmd.current_dir(crate::workspace_root())
        .args(["--", "bash", "tests/with-secret-service.sh"])
        .arg(program)
        .args(args);
    if let Ok(path) = path_with_cargo_bin() {
        cmd.env("PATH", path);
    }
    cmd
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn package_versions_are_read_from_package_json() {
        assert_eq!(
            package_version(r#"{"name": "axe-core", "version": "4.10.3"}"#).as_deref(),
            Some("4.10.3")
        );
        assert_eq!(package_version(r#"{"name": "axe-core"}"#), None);
        assert_eq!(package_version("not json"), None);
    }

    #[test]
    fn cli_pin_matches_crate_pin() {
        assert_eq!(pinned_wasm_bindgen().unwrap(), WASM_BINDGEN_VERSION);
        let text = std::fs::read_to_string(workspace_root().join("Cargo.toml")).unwrap();
        assert!(
            text.contains(&format!("wasm-bindgen = \"={WASM_BINDGEN_VERSION}\"")),
            "the crate pin must be exact"
        );
    }
}
