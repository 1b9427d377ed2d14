//! The packages' tests, run by `cargo xtask test` after the workspace's: every package of `cargo xtask package`
//! is built as it ships and then used as a person would use it.
//!
//! - the store packages: Chrome's without `key`, Firefox's with gmux's add-on id (`package::check_store_packages`);
//! - the .deb installed with `dpkg -i` (as root), every system manifest checked, `gmux-host doctor` run, then
//!   `dpkg --purge` and nothing of it left;
//! - the Linux tarball unpacked and its `gmux-host install` writing per-user manifests;
//! - the Windows binary run under Wine: `--version`, `install` writing the per-user registry keys, `doctor`
//!   (Wine's Credential Manager as the keyring), `uninstall`;
//! - a `cargo check` of the host for both macOS targets, Keychain store included (no macOS SDK here: see
//!   [`macos_check`]).
//!
//! A check that this machine cannot run (not root, no dpkg, no Wine) is reported as skipped with the reason.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, ensure, Context, Result};
use gmux_core::ids;
use serde_json::{json, Value};

use crate::package::{self, Packages, DEB_BINARY};
use crate::{cargo, run, setup, workspace_root};

/// How one check ended when it did not fail.
#[derive(Debug, PartialEq)]
pub enum Outcome {
    Passed,
    Skipped(String),
}

/// Every system-wide manifest the .deb must install, with the browsers that read it and its family. This
/// table is the test's own statement of the paths (install.rs cites the browsers' sources), so a change to
/// either shows up here.
const DEB_MANIFESTS: [(&str, &[&str], bool); 6] = [
    (
        "/etc/opt/chrome/native-messaging-hosts/dev.gmux.host.json",
        &["chrome", "brave"],
        false,
    ),
    (
        "/etc/chromium/native-messaging-hosts/dev.gmux.host.json",
        &["chromium"],
        false,
    ),
    (
        "/etc/opt/edge/native-messaging-hosts/dev.gmux.host.json",
        &["edge"],
        false,
    ),
    (
        "/etc/opt/vivaldi/native-messaging-hosts/dev.gmux.host.json",
        &["vivaldi"],
        false,
    ),
    (
        "/usr/lib/mozilla/native-messaging-hosts/dev.gmux.host.json",
        &["firefox"],
        true,
    ),
    (
        "/usr/lib/librewolf/native-messaging-hosts/dev.gmux.host.json",
        &["librewolf"],
        true,
    ),
];

/// The per-user registry keys `gmux-host install` writes on Windows, one per browser, below `HKCU\Software`.
const WINDOWS_KEYS: [(&str, &str); 7] = [
    ("chrome", r"Google\Chrome"),
    ("chromium", "Chromium"),
    ("edge", r"Microsoft\Edge"),
    ("brave", r"BraveSoftware\Brave-Browser"),
    ("vivaldi", "Vivaldi"),
    ("firefox", "Mozilla"),
    ("librewolf", "LibreWolf"),
];

/// Builds the packages (from the store zips this run's `dist --release` wrote) and runs every check; each
/// result is named for the summary.
pub fn run_all() -> Vec<(String, Result<Outcome>)> {
    let mut results = Vec::new();
    // The sizes people download are `cargo xtask package`'s; these hosts are built quickly for the checks.
    let built = package::build_all(false, package::CHECK_PROFILE);
    let p = match built {
        Ok(p) => {
            results.push((
                "package::builds_and_store_packages_have_the_right_ids".into(),
                Ok(Outcome::Passed),
            ));
            p
        }
        Err(e) => {
            results.push((
                "package::builds_and_store_packages_have_the_right_ids".into(),
                Err(e),
            ));
            return results;
        }
    };
    results.push((
        "package::deb_installs_and_purges".into(),
        deb_round_trip(&p),
    ));
    results.push((
        "package::linux_tarball_installs_per_user".into(),
        tarball_check(&p),
    ));
    results.push((
        "package::windows_host_runs_under_wine".into(),
        windows_check(&p),
    ));
    for target in setup::MACOS_TARGETS {
        results.push((
            format!("package::host_checks_for_{target}"),
            macos_check(target),
        ));
    }
    results
}

/// The manifest a package installs must allow exactly gmux's ids and start `binary`.
fn check_manifest(path: &Path, firefox: bool, binary: &str) -> Result<()> {
    let text =
        fs::read_to_string(path).with_context(|| format!("{} is missing", path.display()))?;
    let m: Value =
        serde_json::from_str(&text).with_context(|| format!("{} is not JSON", path.display()))?;
    let (key, other, want) = if firefox {
        (
            "allowed_extensions",
            "allowed_origins",
            json!(ids::trusted_firefox_ids()),
        )
    } else {
        let origins: Vec<String> = ids::trusted_chrome_ids()
            .into_iter()
            .map(ids::chrome_origin_of)
            .collect();
        ("allowed_origins", "allowed_extensions", json!(origins))
    };
    ensure!(
        m["name"] == ids::HOST_NAME,
        "{}: name {}",
        path.display(),
        m["name"]
    );
    ensure!(
        m["type"] == "stdio",
        "{}: type {}",
        path.display(),
        m["type"]
    );
    ensure!(
        m["path"] == binary,
        "{}: path {}, want {binary}",
        path.display(),
        m["path"]
    );
    ensure!(
        m[key] == want,
        "{}: {key} {}, want {want}",
        path.display(),
        m[key]
    );
    ensure!(
        m.get(other).is_none(),
        "{}: has {other} too",
        path.display()
    );
    Ok(())
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

fn succeeds(cmd: &mut Command) -> bool {
    cmd.stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Runs a command and returns its stdout; a failure is an error with its stderr.
fn output(cmd: &mut Command) -> Result<String> {
    let out = cmd
        .output()
        .with_context(|| format!("could not start {:?}", cmd.get_program()))?;
    if !out.status.success() {
        bail!(
            "{:?} failed ({}): {}{}",
            cmd,
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// A fresh folder under target/package/ for one check.
fn scratch(name: &str) -> Result<PathBuf> {
    let dir = workspace_root().join("target/package/checks").join(name);
    if dir.exists() {
        fs::remove_dir_all(&dir)?;
    }
    fs::create_dir_all(&dir)?;
    Ok(dir)
}

/// `dpkg -i`, every manifest, `--version`, `doctor`, then `dpkg --purge` and nothing left behind.
fn deb_round_trip(p: &Packages) -> Result<Outcome> {
    if !Path::new("/usr/bin/dpkg").exists() || !is_root() {
        return Ok(Outcome::Skipped(
            "installing a .deb needs dpkg and root".into(),
        ));
    }
    if succeeds(Command::new("dpkg").args(["-s", "gmux-host"])) {
        return Ok(Outcome::Skipped(
            "the gmux-host package is installed on this machine, and the round trip would remove it".into(),
        ));
    }
    // Everything the package may create, with whether it was there before: after the purge, what was not
    // there before must be gone.
    let mut paths: Vec<PathBuf> = DEB_MANIFESTS
        .iter()
        .map(|(p, _, _)| PathBuf::from(p))
        .collect();
    paths.push(PathBuf::from(DEB_BINARY));
    paths.push(PathBuf::from("/usr/share/doc/gmux-host/copyright"));
    let mut with_parents: Vec<PathBuf> = Vec::new();
    for path in &paths {
        for a in path.ancestors() {
            if a != Path::new("/") && !with_parents.iter().any(|p| p == a) {
                with_parents.push(a.to_path_buf());
            }
        }
    }
    let before: Vec<(PathBuf, bool)> = with_parents
        .into_iter()
        .map(|p| {
            let e = p.exists();
            (p, e)
        })
        .collect();

    run(Command::new("dpkg").arg("-i").arg(&p.deb))?;
    let installed = deb_installed_checks();
    let purged = run(Command::new("dpkg").args(["--purge", "gmux-host"]));
    installed?;
    purged?;

    let left: Vec<String> = before
        .iter()
        .filter(|(path, existed)| !existed && path.exists())
        .map(|(path, _)| path.display().to_string())
        .collect();
    ensure!(left.is_empty(), "dpkg --purge left {}", left.join(", "));
    ensure!(
        !succeeds(Command::new("dpkg").args(["-s", "gmux-host"])),
        "dpkg still lists gmux-host after --purge"
    );
    Ok(Outcome::Passed)
}

/// What must hold while the .deb is installed.
fn deb_installed_checks() -> Result<()> {
    let listed = output(Command::new("dpkg").args(["-L", "gmux-host"]))?;
    for (path, _, firefox) in DEB_MANIFESTS {
        ensure!(
            listed.lines().any(|l| l == path),
            "dpkg -L does not list {path}"
        );
        check_manifest(Path::new(path), firefox, DEB_BINARY)?;
        check_mode(Path::new(path), 0o644)?;
    }
    check_mode(Path::new(DEB_BINARY), 0o755)?;
    let version = output(Command::new(DEB_BINARY).arg("--version"))?;
    ensure!(
        version.trim() == format!("gmux-host {}", package::version()),
        "gmux-host --version said {version:?}"
    );
    // doctor from a fresh home: every browser is served by the system manifest. Its exit status says whether
    // the whole setup is ready (here no keyring and no OAuth client, so not); it must run and report each one.
    let home = scratch("deb-doctor")?;
    let out = Command::new(DEB_BINARY)
        .arg("doctor")
        .env("HOME", &home)
        .env("GMUX_CONFIG_DIR", home.join("config"))
        .env("GMUX_STATE_DIR", home.join("state"))
        .output()
        .context("running gmux-host doctor")?;
    let text = String::from_utf8_lossy(&out.stdout);
    ensure!(
        out.status.code().is_some(),
        "gmux-host doctor was killed: {}",
        out.status
    );
    for (path, browsers, _) in DEB_MANIFESTS {
        for b in browsers {
            let line = format!("ok  {b} host manifest: {path} (every user)");
            ensure!(
                text.lines().any(|l| l == line),
                "doctor did not say {line:?}:\n{text}"
            );
        }
    }
    ensure!(
        text.contains("keyring"),
        "doctor did not check the keyring:\n{text}"
    );
    fs::remove_dir_all(&home)?;
    Ok(())
}

#[cfg(unix)]
fn check_mode(path: &Path, want: u32) -> Result<()> {
    use std::os::unix::fs::MetadataExt;
    let meta = fs::metadata(path).with_context(|| format!("{} is missing", path.display()))?;
    ensure!(
        meta.mode() & 0o7777 == want,
        "{} has mode {:o}, want {want:o}",
        path.display(),
        meta.mode() & 0o7777
    );
    ensure!(
        meta.uid() == 0 && meta.gid() == 0,
        "{} is not owned by root",
        path.display()
    );
    Ok(())
}

#[cfg(not(unix))]
fn check_mode(_path: &Path, _want: u32) -> Result<()> {
    Ok(())
}

/// Unpacks the tarball, then its `gmux-host install` writes per-user manifests for the browsers in a home and
/// `uninstall` removes them.
fn tarball_check(p: &Packages) -> Result<Outcome> {
    if !cfg!(all(target_os = "linux", target_arch = "x86_64")) {
        return Ok(Outcome::Skipped(
            "the Linux binary runs on x86_64 Linux only".into(),
        ));
    }
    let dir = scratch("tarball")?;
    let file = fs::File::open(&p.tarball)?;
    tar::Archive::new(flate2::read::GzDecoder::new(file)).unpack(&dir)?;
    let top = dir.join(format!("gmux-host-{}", package::version()));
    let readme = fs::read_to_string(top.join("README.txt"))?;
    ensure!(
        readme.contains("run `gmux-host install`"),
        "the tarball's README does not say to run gmux-host install"
    );
    let bin = top.join("gmux-host");
    check_executable(&bin)?;
    let home = dir.join("home");
    fs::create_dir_all(home.join(".config/chromium"))?;
    fs::create_dir_all(home.join(".mozilla"))?;
    let host = |args: &[&str]| {
        let mut c = Command::new(&bin);
        c.args(args)
            .env("HOME", &home)
            .env("GMUX_CONFIG_DIR", home.join("config"))
            .env("GMUX_STATE_DIR", home.join("state"));
        c
    };
    output(&mut host(&["install"]))?;
    let binary = bin.canonicalize()?.display().to_string();
    let chromium = home.join(".config/chromium/NativeMessagingHosts/dev.gmux.host.json");
    let firefox = home.join(".mozilla/native-messaging-hosts/dev.gmux.host.json");
    check_manifest(&chromium, false, &binary)?;
    check_manifest(&firefox, true, &binary)?;
    ensure!(
        !home.join(".config/google-chrome").exists(),
        "install wrote for a browser this home does not have"
    );
    output(&mut host(&["uninstall"]))?;
    ensure!(
        !chromium.exists() && !firefox.exists(),
        "uninstall left a manifest"
    );
    fs::remove_dir_all(&dir)?;
    Ok(Outcome::Passed)
}

#[cfg(unix)]
fn check_executable(path: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let mode = fs::metadata(path)?.permissions().mode();
    ensure!(
        mode & 0o111 == 0o111,
        "{} is not executable (mode {mode:o})",
        path.display()
    );
    Ok(())
}

#[cfg(not(unix))]
fn check_executable(_path: &Path) -> Result<()> {
    Ok(())
}

/// True when `bytes` are a 64-bit x86 Windows executable (a PE32+ image for AMD64).
fn is_windows_x64_exe(bytes: &[u8]) -> bool {
    let Some(pe) = bytes
        .get(0x3c..0x40)
        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
    else {
        return false;
    };
    bytes.starts_with(b"MZ")
        && bytes.get(pe..pe + 4) == Some(b"PE\0\0")
        && bytes.get(pe + 4..pe + 6) == Some(&[0x64, 0x86])
        && bytes.get(pe + 24..pe + 26) == Some(&[0x0b, 0x02])
}

/// The Windows zip's gmux-host.exe under Wine: `--version`, `install` writing every per-user registry key and
/// manifest (with a plain, not verbatim, path to the binary), then `uninstall` removing them.
fn windows_check(p: &Packages) -> Result<Outcome> {
    let exe_bytes = crate::dist::read_zip_entry(&p.windows_zip, "gmux-host.exe")?;
    ensure!(
        is_windows_x64_exe(&exe_bytes),
        "gmux-host.exe in the zip is not a 64-bit Windows executable"
    );
    let readme = String::from_utf8(crate::dist::read_zip_entry(&p.windows_zip, "README.txt")?)?;
    ensure!(
        readme.contains("run `gmux-host install`"),
        "the Windows README does not say to run gmux-host install"
    );
    let wine = Path::new(setup::WINE);
    if !wine.exists() {
        return Ok(Outcome::Skipped(format!(
            "the Windows binary was built and checked to be a PE32+ x86-64 executable; running it needs {}",
            setup::WINE
        )));
    }
    let dir = scratch("windows")?;
    let exe = dir.join("gmux-host.exe");
    fs::write(&exe, &exe_bytes)?;
    write_process_prng_shim(&dir)?;
    let prefix = dir.join("prefix");
    let wine_cmd = |args: &[&str]| {
        let mut c = Command::new(wine);
        c.args(args)
            .current_dir(&dir)
            .env("WINEPREFIX", &prefix)
            // No Mono or Gecko install prompts, no debug chatter, no display needed for console programs.
            .env("WINEDLLOVERRIDES", "mscoree,mshtml=")
            .env("WINEDEBUG", "-all")
            .env_remove("DISPLAY");
        c
    };
    let result = windows_checks_in(&wine_cmd, &exe, &prefix);
    // The prefix's wineserver lingers a few seconds after the last program; stop it before removing the prefix.
    let _ = Command::new(wine.with_file_name("wineserver"))
        .arg("-k")
        .env("WINEPREFIX", &prefix)
        .status();
    result?;
    fs::remove_dir_all(&dir)?;
    Ok(Outcome::Passed)
}

/// Rust's standard library on Windows draws random numbers with `ProcessPrng` from bcryptprimitives.dll, which
/// every Windows 10 and 11 has but Debian 12's Wine (8.0) lacks: without it the exe does not start. Beside the
/// exe under test (never in the package) goes a stand-in, built with mingw-w64, that answers from Wine's
/// `RtlGenRandom`.
fn write_process_prng_shim(dir: &Path) -> Result<()> {
    let source = dir.join("bcryptprimitives.c");
    fs::write(
        &source,
        "#include <windows.h>\n#include <ntsecapi.h>\n\
         BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len) {\n\
         \twhile (len > 0) {\n\
         \t\tULONG chunk = len > 0x10000000 ? 0x10000000 : (ULONG)len;\n\
         \t\tif (!RtlGenRandom(data, chunk)) return FALSE;\n\
         \t\tdata += chunk;\n\t\tlen -= chunk;\n\t}\n\treturn TRUE;\n}\n",
    )?;
    run(Command::new("x86_64-w64-mingw32-gcc")
        .args(["-shared", "-O2", "-s", "-o"])
        .arg(dir.join("bcryptprimitives.dll"))
        .arg(&source)
        .arg("-ladvapi32"))
}

fn windows_checks_in(wine: &dyn Fn(&[&str]) -> Command, exe: &Path, prefix: &Path) -> Result<()> {
    let exe_arg = exe.to_str().context("a non-UTF-8 path")?;
    let version = output(&mut wine(&[exe_arg, "--version"]))?;
    ensure!(
        version.trim() == format!("gmux-host {}", package::version()),
        "gmux-host.exe --version said {version:?}"
    );
    output(&mut wine(&[exe_arg, "install"]))?;
    for (browser, vendor) in WINDOWS_KEYS {
        let key = format!(
            r"HKCU\Software\{vendor}\NativeMessagingHosts\{}",
            ids::HOST_NAME
        );
        let query = output(&mut wine(&["reg", "query", &key, "/ve"]))?;
        let value = query
            .lines()
            .find_map(|l| l.split_once("REG_SZ").map(|(_, v)| v.trim().to_string()))
            .with_context(|| format!("{key} has no default value: {query}"))?;
        let suffix = format!(r"\gmux\{browser}\{}.json", ids::HOST_NAME);
        ensure!(
            value.ends_with(&suffix),
            "{key} points at {value}, not at ...{suffix}"
        );
        // C:\ of the prefix is its drive_c folder.
        let unix = value
            .strip_prefix(r"C:\")
            .map(|rest| prefix.join("drive_c").join(rest.replace('\\', "/")))
            .with_context(|| format!("{key} points outside C: ({value})"))?;
        let m: Value = serde_json::from_str(
            &fs::read_to_string(&unix).with_context(|| format!("reading {}", unix.display()))?,
        )?;
        let path = m["path"].as_str().unwrap_or_default();
        ensure!(
            path.ends_with(r"\gmux-host.exe")
                && !path.starts_with(r"\\?\")
                && path.as_bytes().get(1) == Some(&b':'),
            "{browser}: the manifest's path {path:?} is not a plain Windows path to gmux-host.exe"
        );
        check_manifest(&unix, matches!(browser, "firefox" | "librewolf"), path)?;
    }
    // doctor: Wine's Credential Manager stands in for Windows' (the keyring probe writes, reads and deletes an
    // entry), and every browser's registry key is found. No OAuth client is configured, so it exits 1.
    let doctor = wine(&[exe_arg, "doctor"]).output()?;
    let text = String::from_utf8_lossy(&doctor.stdout).replace("\r\n", "\n");
    ensure!(
        doctor.status.code() == Some(1),
        "doctor under Wine ended {}:\n{text}",
        doctor.status
    );
    ensure!(
        text.contains("ok  OS keyring reachable and unlocked"),
        "doctor under Wine:\n{text}"
    );
    for (browser, _) in WINDOWS_KEYS {
        let line = format!(r"ok  {browser} host manifest: C:\users\");
        ensure!(
            text.contains(&line),
            "doctor under Wine did not say {line:?}:\n{text}"
        );
    }
    output(&mut wine(&[exe_arg, "uninstall"]))?;
    for (_, vendor) in WINDOWS_KEYS {
        let key = format!(
            r"HKCU\Software\{vendor}\NativeMessagingHosts\{}",
            ids::HOST_NAME
        );
        ensure!(
            !succeeds(&mut wine(&["reg", "query", &key])),
            "uninstall left {key}"
        );
    }
    Ok(())
}

/// `cargo check` of gmux-host for a macOS target, which type-checks the host with its macOS code (the
/// Keychain store, the macOS manifest paths). No Apple SDK can be had here, so this is what it does not do:
/// link or run. ring, the one C dependency (TLS), compiles its C and assembly with clang for the Apple target
/// against clang's own headers in ring's no-sysroot mode (`RING_CORE_NOSTDLIBINC`, which ring itself uses for
/// targets without one), plus stubs of the only SDK headers that reaches: `TargetConditionals.h` (ring's
/// `base.h`) and, for x86_64, `stdlib.h`'s `malloc` and `free` (clang's `mm_malloc.h`, through the intrinsics
/// ring's ADX code includes). llvm-ar archives the Mach-O objects.
pub fn macos_check(target: &str) -> Result<Outcome> {
    setup::ensure_macos_check_tools()?;
    let stub = workspace_root().join("target/package/apple-sdk-stub");
    fs::create_dir_all(&stub)?;
    fs::write(
        stub.join("TargetConditionals.h"),
        "/* What ring reads from the macOS SDK's header of this name (written by cargo xtask). */\n\
         #define TARGET_OS_MAC 1\n#define TARGET_OS_OSX 1\n#define TARGET_OS_IPHONE 0\n",
    )?;
    fs::write(
        stub.join("stdlib.h"),
        "/* What clang's mm_malloc.h needs from the macOS SDK's header of this name (written by cargo xtask). */\n\
         #include <stddef.h>\nvoid *malloc(size_t size);\nvoid free(void *ptr);\n",
    )?;
    let var = target.replace('-', "_");
    run(cargo()
        .args(["check", "--quiet", "-p", "gmux-host", "--target", target])
        .env(format!("CC_{var}"), "clang")
        .env(format!("AR_{var}"), "llvm-ar")
        .env(
            format!("CFLAGS_{var}"),
            format!(
                "-nostdlibinc -DRING_CORE_NOSTDLIBINC=1 -isystem {}",
                stub.display()
            ),
        ))?;
    Ok(Outcome::Passed)
}

/// `cargo xtask package --check`: the package checks of `cargo xtask test` alone, for working on the packages.
pub fn check_only() -> Result<()> {
    crate::dist::dist(&crate::dist::DistOptions { release: true })?;
    let mut failed = 0;
    for (name, result) in run_all() {
        match result {
            Ok(Outcome::Passed) => println!("test {name} ... ok"),
            Ok(Outcome::Skipped(why)) => {
                println!("test {name} ... skipped: {why}")
            }
            Err(e) => {
                failed += 1;
                println!("test {name} ... FAILED: {e:#}");
            }
        }
    }
    if failed > 0 {
        bail!("{failed} package checks failed");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_64_bit_windows_executables_only() {
        let mut exe = vec![0u8; 0x200];
        exe[..2].copy_from_slice(b"MZ");
        exe[0x3c..0x40].copy_from_slice(&0x80u32.to_le_bytes());
        exe[0x80..0x84].copy_from_slice(b"PE\0\0");
        exe[0x84..0x86].copy_from_slice(&[0x64, 0x86]);
        exe[0x98..0x9a].copy_from_slice(&[0x0b, 0x02]);
        assert!(is_windows_x64_exe(&exe));
        let mut i386 = exe.clone();
        i386[0x84..0x86].copy_from_slice(&[0x4c, 0x01]);
        assert!(!is_windows_x64_exe(&i386));
        let mut pe32 = exe.clone();
        pe32[0x98..0x9a].copy_from_slice(&[0x0b, 0x01]);
        assert!(!is_windows_x64_exe(&pe32));
        assert!(!is_windows_x64_exe(b"\x7fELF"));
        assert!(!is_windows_x64_exe(b""));
    }

    #[test]
    fn manifests_are_checked_for_name_path_and_exact_ids() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.json");
        let origins: Vec<String> = ids::trusted_chrome_ids()
            .into_iter()
            .map(ids::chrome_origin_of)
            .collect();
        let good = json!({"name": ids::HOST_NAME, "description": "d", "path": "/usr/bin/gmux-host",
                          "type": "stdio", "allowed_origins": origins});
        fs::write(&path, good.to_string()).unwrap();
        check_manifest(&path, false, "/usr/bin/gmux-host").unwrap();
        assert!(check_manifest(&path, false, "/opt/gmux-host").is_err());
        assert!(check_manifest(&path, true, "/usr/bin/gmux-host").is_err());
        let mut wildcard = good.clone();
        wildcard["allowed_origins"] = json!(["chrome-extension://*/"]);
        fs::write(&path, wildcard.to_string()).unwrap();
        assert!(check_manifest(&path, false, "/usr/bin/gmux-host").is_err());
    }

    #[test]
    fn every_browser_has_one_system_manifest_and_one_windows_key() {
        let mut browsers: Vec<&str> = DEB_MANIFESTS
            .iter()
            .flat_map(|(_, b, _)| b.iter().copied())
            .collect();
        browsers.sort();
        let mut keys: Vec<&str> = WINDOWS_KEYS.iter().map(|(b, _)| *b).collect();
        keys.sort();
        assert_eq!(browsers, keys);
        assert_eq!(browsers.len(), 7);
    }
}
