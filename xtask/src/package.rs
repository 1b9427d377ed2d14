//! `cargo xtask package`: everything a person installs without Rust, in `dist/packages/`.
//!
//! - `gmux-host_<v>_amd64.deb`: the host in `/usr/bin` and its manifests where every supported browser reads
//!   them system-wide; dpkg removes them with the package. Written here in Rust (ar + tar), no dpkg-deb.
//! - `gmux-host-<v>-x86_64-linux.tar.gz`: the same static (musl) binary for any Linux; `gmux-host install`
//!   writes per-user manifests.
//! - `gmux-host-<v>-x86_64-windows.zip`: the host cross-compiled with mingw-w64; `gmux-host install` writes the
//!   per-user registry keys.
//! - `gmux-<v>-chrome.zip` and `gmux-<v>-firefox.zip`: the store packages from `cargo xtask dist --release`.
//!
//! The host is built with the `host-release` profile (LTO, stripped).

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};
use serde_json::Value;

use crate::dist::{self, DistOptions};
use crate::{cargo, run, setup, workspace_root};

pub const LINUX_TARGET: &str = "x86_64-unknown-linux-musl";
pub const WINDOWS_TARGET: &str = "x86_64-pc-windows-gnu";
/// The cargo profile of the host people install (Cargo.toml: LTO, one codegen unit, stripped).
pub const HOST_PROFILE: &str = "host-release";

/// The cargo profile of the hosts the package checks of `cargo xtask test` install: the same code built for a
/// short build (no LTO, no optimisation), since the checks are about the packages, not the binary's speed or
/// size. `cargo xtask package` builds with [`HOST_PROFILE`].
pub const CHECK_PROFILE: &str = "host-check";
/// Where the .deb puts the host; its manifests name this path.
pub const DEB_BINARY: &str = "/usr/bin/gmux-host";

pub fn version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}

pub fn packages_dir() -> PathBuf {
    dist::dist_dir().join("packages")
}

/// The files `cargo xtask package` writes.
#[derive(Debug, Clone)]
pub struct Packages {
    pub deb: PathBuf,
    pub tarball: PathBuf,
    pub windows_zip: PathBuf,
    pub chrome_zip: PathBuf,
    pub firefox_zip: PathBuf,
    pub linux_binary: PathBuf,
    pub windows_binary: PathBuf,
}

impl Packages {
    pub fn at(dir: &Path, profile: &str) -> Packages {
        let v = version();
        let target = workspace_root().join("target");
        Packages {
            deb: dir.join(format!("gmux-host_{v}_amd64.deb")),
            tarball: dir.join(format!("gmux-host-{v}-x86_64-linux.tar.gz")),
            windows_zip: dir.join(format!("gmux-host-{v}-x86_64-windows.zip")),
            chrome_zip: dir.join(format!("gmux-{v}-chrome.zip")),
            firefox_zip: dir.join(format!("gmux-{v}-firefox.zip")),
            linux_binary: target.join(LINUX_TARGET).join(profile).join("gmux-host"),
            windows_binary: target
                .join(WINDOWS_TARGET)
                .join(profile)
                .join("gmux-host.exe"),
        }
    }
}

pub fn package(args: &[String]) -> Result<()> {
    if let [other, ..] = args {
        bail!("cargo xtask package takes no arguments but --check (got {other:?})");
    }
    let built = build_all(true, HOST_PROFILE)?;
    for line in size_report(&built)? {
        eprintln!("xtask: {line}");
    }
    for (what, id) in [
        ("Chrome Web Store", gmux_core::ids::CHROME_WEB_STORE_ID),
        ("Edge Add-ons", gmux_core::ids::EDGE_ADD_ONS_ID),
    ] {
        if id == gmux_core::ids::NOT_YET_ASSIGNED {
            eprintln!(
                "xtask: note: the {what} id is not assigned yet (gmux_core::ids): these host manifests allow \
                 the development id and the ids assigned so far"
            );
        }
    }
    eprintln!("xtask: packages in {}", packages_dir().display());
    Ok(())
}

/// Builds every package into `dist/packages/` (the store packages, both hosts) and checks the store packages.
/// Without `build_extension` the store zips `dist --release` wrote earlier in this run are used as they are
/// (`cargo xtask test` built them first, then the test build over `dist/chrome` and `dist/firefox`).
pub fn build_all(build_extension: bool, profile: &str) -> Result<Packages> {
    setup::ensure_package_tools()?;
    if build_extension {
        dist::dist(&DistOptions { release: true })?;
    }
    let out = packages_dir();
    if out.exists() {
        fs::remove_dir_all(&out).with_context(|| format!("removing {}", out.display()))?;
    }
    fs::create_dir_all(&out)?;
    let p = Packages::at(&out, profile);
    fs::copy(dist::store_zip("chrome"), &p.chrome_zip)?;
    fs::copy(dist::store_zip("firefox"), &p.firefox_zip)?;
    check_store_packages(&p)?;

    build_host(LINUX_TARGET, profile)?;
    build_host(WINDOWS_TARGET, profile)?;
    let mtime = source_date();
    write_deb(&p.deb, &p.linux_binary, mtime)?;
    write_tarball(&p.tarball, &p.linux_binary, mtime)?;
    write_windows_zip(&p.windows_zip, &p.windows_binary)?;
    Ok(p)
}

fn build_host(target: &str, profile: &str) -> Result<()> {
    eprintln!("xtask: building gmux-host for {target} ({profile})");
    run(cargo().args([
        "build",
        "-p",
        "gmux-host",
        "--bin",
        "gmux-host",
        "--profile",
        profile,
        "--target",
        target,
    ]))
}

/// Seconds since 1970 stamped on every packaged file: `SOURCE_DATE_EPOCH` when set (reproducible builds),
/// otherwise now.
fn source_date() -> u64 {
    std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0)
        })
}

/// The store packages must be what the stores expect: Chrome's without `key` (the store assigns the id),
/// Firefox's with gmux's add-on id, and neither allowed to talk to anything but Gmail.
pub fn check_store_packages(p: &Packages) -> Result<()> {
    let read = |zip: &Path| -> Result<Value> {
        let bytes = dist::read_zip_entry(zip, "manifest.json")?;
        serde_json::from_slice(&bytes).with_context(|| format!("{}: manifest.json", zip.display()))
    };
    let chrome = read(&p.chrome_zip)?;
    if chrome.get("key").is_some() {
        bail!(
            "{} has a key: the Chrome Web Store assigns the id itself",
            p.chrome_zip.display()
        );
    }
    let firefox = read(&p.firefox_zip)?;
    let gecko = &firefox["browser_specific_settings"]["gecko"]["id"];
    if gecko != gmux_core::ids::FIREFOX_EXTENSION_ID {
        bail!(
            "{} declares add-on id {gecko}, not {}",
            p.firefox_zip.display(),
            gmux_core::ids::FIREFOX_EXTENSION_ID
        );
    }
    for (zip, m) in [(&p.chrome_zip, &chrome), (&p.firefox_zip, &firefox)] {
        if m["host_permissions"] != serde_json::json!(["https://gmail.googleapis.com/*"]) {
            bail!(
                "{} may talk to more than Gmail: {}",
                zip.display(),
                m["host_permissions"]
            );
        }
    }
    Ok(())
}

/// One file of a package: where it goes, its bytes, its mode.
struct Entry {
    path: String,
    bytes: Vec<u8>,
    mode: u32,
}

/// What the .deb installs: the binary, a copyright file (Debian policy), and the system manifests written by the
/// host's own `install --system`, so the package says exactly what `gmux-host install` would.
fn deb_files(binary: &Path) -> Result<Vec<Entry>> {
    let stage = tempfile_dir("deb-stage")?;
    let scratch = tempfile_dir("deb-host-home")?;
    // The host writes a log and reads its config on every run: keep both out of the builder's home.
    let out = Command::new(binary)
        .args(["install", "--system", "--destdir"])
        .arg(&stage)
        .args(["--path", DEB_BINARY])
        .env("HOME", &scratch)
        .env("GMUX_CONFIG_DIR", scratch.join("config"))
        .env("GMUX_STATE_DIR", scratch.join("state"))
        .output()
        .with_context(|| format!("running {}", binary.display()))?;
    if !out.status.success() {
        bail!(
            "gmux-host install --system failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let mut files = vec![
        Entry {
            path: DEB_BINARY.trim_start_matches('/').to_string(),
            bytes: fs::read(binary).with_context(|| format!("reading {}", binary.display()))?,
            mode: 0o755,
        },
        Entry {
            path: "usr/share/doc/gmux-host/copyright".to_string(),
            bytes: COPYRIGHT.as_bytes().to_vec(),
            mode: 0o644,
        },
    ];
    for rel in dist::files_below(&stage)? {
        files.push(Entry {
            bytes: fs::read(stage.join(&rel))?,
            path: rel,
            mode: 0o644,
        });
    }
    fs::remove_dir_all(&stage)?;
    fs::remove_dir_all(&scratch)?;
    Ok(files)
}

const COPYRIGHT: &str = "\
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: gmux

Files: *
License: MIT or Apache-2.0
 gmux is dual-licensed under the MIT license and the Apache License, Version 2.0.
 On Debian systems the Apache License is in /usr/share/common-licenses/Apache-2.0.
";

/// A fresh, empty folder under target/ (removed by the caller).
fn tempfile_dir(name: &str) -> Result<PathBuf> {
    let dir = workspace_root()
        .join("target/package")
        .join(format!("{name}-{}", std::process::id()));
    if dir.exists() {
        fs::remove_dir_all(&dir)?;
    }
    fs::create_dir_all(&dir)?;
    Ok(dir)
}

/// The .deb's `control` file.
fn deb_control(installed_kib: u64) -> String {
    format!(
        "Package: gmux-host\n\
         Version: {v}\n\
         Architecture: amd64\n\
         Maintainer: gmux <gmux@gmux.dev>\n\
         Installed-Size: {installed_kib}\n\
         Section: mail\n\
         Priority: optional\n\
         Suggests: gnome-keyring\n\
         Description: gmux native host: Gmail accounts in the OS keyring\n \
         gmux-host is the native-messaging host of the gmux browser extension, which\n \
         shows a combined inbox of several Gmail accounts. It keeps each account's\n \
         OAuth refresh token in the Secret Service keyring and hands the extension\n \
         short-lived access tokens. This package registers it with Chrome, Chromium,\n \
         Edge, Brave, Vivaldi, Firefox and LibreWolf for every user.\n",
        v = version()
    )
}

/// Writes the .deb: an ar archive of `debian-binary`, `control.tar.gz` and `data.tar.gz`, in that order
/// (deb(5)). Every file belongs to root; the files below /etc are not conffiles, since nobody edits them and they
/// must leave with the package on `dpkg --remove`, not only on `--purge`.
pub fn write_deb(deb: &Path, binary: &Path, mtime: u64) -> Result<()> {
    let files = deb_files(binary)?;
    let installed: u64 = files.iter().map(|f| f.bytes.len() as u64).sum();
    let data = tar_gz(&files, mtime, true)?;
    let control = tar_gz(
        &[Entry {
            path: "control".to_string(),
            bytes: deb_control(installed.div_ceil(1024)).into_bytes(),
            mode: 0o644,
        }],
        mtime,
        true,
    )?;
    let members: [(&str, &[u8]); 3] = [
        ("debian-binary", b"2.0\n"),
        ("control.tar.gz", &control),
        ("data.tar.gz", &data),
    ];
    fs::write(deb, ar_archive(&members, mtime))
        .with_context(|| format!("writing {}", deb.display()))?;
    eprintln!("xtask: wrote {}", deb.display());
    Ok(())
}

/// A common (System V / GNU) ar archive, the container of a .deb.
fn ar_archive(members: &[(&str, &[u8])], mtime: u64) -> Vec<u8> {
    let mut out = b"!<arch>\n".to_vec();
    for (name, bytes) in members {
        let header = format!(
            "{name:<16}{mtime:<12}{uid:<6}{gid:<6}{mode:<8o}{size:<10}`\n",
            uid = 0,
            gid = 0,
            mode = 0o100644,
            size = bytes.len()
        );
        out.extend_from_slice(header.as_bytes());
        out.extend_from_slice(bytes);
        if bytes.len() % 2 == 1 {
            out.push(b'\n');
        }
    }
    out
}

/// A gzipped tar of `files`, owned by root. With `dirs`, every parent folder gets its own entry first, as dpkg
/// expects (`./usr/`, `./usr/bin/`, ...), and paths start with `./`.
fn tar_gz(files: &[Entry], mtime: u64, dirs: bool) -> Result<Vec<u8>> {
    let gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let mut tar = tar::Builder::new(gz);
    let prefix = if dirs { "./" } else { "" };
    let mut done: Vec<String> = Vec::new();
    if dirs {
        append(&mut tar, "./", &[], 0o755, mtime, tar::EntryType::Directory)?;
    }
    for f in files {
        if dirs {
            let parts: Vec<&str> = f.path.split('/').collect();
            for depth in 1..parts.len() {
                let dir = format!("{prefix}{}/", parts[..depth].join("/"));
                if !done.contains(&dir) {
                    append(&mut tar, &dir, &[], 0o755, mtime, tar::EntryType::Directory)?;
                    done.push(dir);
                }
            }
        }
        let path = format!("{prefix}{}", f.path);
        append(
            &mut tar,
            &path,
            &f.bytes,
            f.mode,
            mtime,
            tar::EntryType::Regular,
        )?;
    }
    let gz = tar.into_inner()?;
    Ok(gz.finish()?)
}

fn append<W: Write>(
    tar: &mut tar::Builder<W>,
    path: &str,
    bytes: &[u8],
    mode: u32,
    mtime: u64,
    kind: tar::EntryType,
) -> Result<()> {
    let mut header = tar::Header::new_gnu();
    header.set_entry_type(kind);
    header.set_size(bytes.len() as u64);
    header.set_mode(mode);
    header.set_uid(0);
    header.set_gid(0);
    header.set_username("root")?;
    header.set_groupname("root")?;
    header.set_mtime(mtime);
    // The name goes in as given: tar's set_path drops the "./" that dpkg's own packages carry (and would turn
    // the root entry "./" into an empty name). Every name here is short enough for the plain name field.
    let name = &mut header.as_gnu_mut().context("a GNU header")?.name;
    if path.len() >= name.len() {
        bail!("{path} is too long for a tar name");
    }
    name.fill(0);
    name[..path.len()].copy_from_slice(path.as_bytes());
    header.set_cksum();
    tar.append(&header, bytes)
        .with_context(|| format!("adding {path} to a tar"))?;
    Ok(())
}

/// The README in the tarball and the Windows zip: what to run once unpacked.
fn readme(windows: bool) -> String {
    let text = if windows {
        "gmux-host VERSION: the native host of the gmux browser extension.\n\
         \n\
         Put gmux-host.exe where it can stay (for example %LOCALAPPDATA%\\Programs\\gmux),\n\
         then in that folder run `gmux-host install` to register it with your\n\
         browsers, per user (in the registry under HKEY_CURRENT_USER). Then:\n\
         \n\
         \x20 gmux-host configure --client-secrets client_secret_XXXX.json\n\
         \x20 gmux-host doctor\n\
         \n\
         `gmux-host uninstall` removes the registration. The gmux README explains\n\
         the OAuth client.\n"
    } else {
        "gmux-host VERSION: the native host of the gmux browser extension.\n\
         \n\
         Put gmux-host where it can stay (for example ~/.local/bin), then\n\
         run `gmux-host install` to register it with your browsers, per user\n\
         (in each browser's folder in your home). Then:\n\
         \n\
         \x20 gmux-host configure --client-secrets client_secret_XXXX.json\n\
         \x20 gmux-host doctor\n\
         \n\
         `gmux-host uninstall` removes the registration. The gmux README explains\n\
         the OAuth client.\n"
    };
    let text = text.replace("VERSION", version());
    // Notepad has understood bare newlines only since 2018: Windows gets CRLF.
    if windows {
        text.replace('\n', "\r\n")
    } else {
        text
    }
}

/// The Linux tarball: `gmux-host-<v>/gmux-host` and its README.
pub fn write_tarball(tarball: &Path, binary: &Path, mtime: u64) -> Result<()> {
    let top = format!("gmux-host-{}", version());
    let files = [
        Entry {
            path: format!("{top}/gmux-host"),
            bytes: fs::read(binary).with_context(|| format!("reading {}", binary.display()))?,
            mode: 0o755,
        },
        Entry {
            path: format!("{top}/README.txt"),
            bytes: readme(false).into_bytes(),
            mode: 0o644,
        },
    ];
    fs::write(tarball, tar_gz(&files, mtime, false)?)?;
    eprintln!("xtask: wrote {}", tarball.display());
    Ok(())
}

/// The Windows zip: `gmux-host.exe` and its README at the top.
pub fn write_windows_zip(zip: &Path, binary: &Path) -> Result<()> {
    dist::write_zip_entries(
        zip,
        &[
            (
                "gmux-host.exe".to_string(),
                fs::read(binary).with_context(|| format!("reading {}", binary.display()))?,
                0o755,
            ),
            ("README.txt".to_string(), readme(true).into_bytes(), 0o644),
        ],
    )?;
    eprintln!("xtask: wrote {}", zip.display());
    Ok(())
}

/// One line per package and binary with its size.
pub fn size_report(p: &Packages) -> Result<Vec<String>> {
    let size = |path: &Path| -> Result<String> {
        let len = fs::metadata(path)
            .with_context(|| format!("{} is missing", path.display()))?
            .len();
        Ok(format!("{:.1} MB", len as f64 / 1_048_576.0))
    };
    let name = |path: &Path| {
        path.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    };
    let mut lines = vec![
        format!(
            "gmux-host binary, Linux (static, musl): {}",
            size(&p.linux_binary)?
        ),
        format!("gmux-host binary, Windows: {}", size(&p.windows_binary)?),
    ];
    for f in [
        &p.deb,
        &p.tarball,
        &p.windows_zip,
        &p.chrome_zip,
        &p.firefox_zip,
    ] {
        lines.push(format!("{}: {}", name(f), size(f)?));
    }
    Ok(lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ar_members_have_fixed_headers_and_even_lengths() {
        let ar = ar_archive(&[("debian-binary", b"2.0\n"), ("odd", b"abc")], 7);
        assert!(ar.starts_with(b"!<arch>\n"));
        let first = &ar[8..68];
        assert_eq!(&first[..16], b"debian-binary   ");
        assert_eq!(&first[16..28], b"7           ");
        assert_eq!(&first[40..48], b"100644  ");
        assert_eq!(&first[48..58], b"4         ");
        assert_eq!(&first[58..60], b"`\n");
        assert_eq!(&ar[68..72], b"2.0\n");
        // The odd member is padded to an even length with a newline.
        assert_eq!(ar.len(), 8 + 60 + 4 + 60 + 3 + 1);
        assert_eq!(ar.last(), Some(&b'\n'));
    }

    #[test]
    fn control_names_the_package_and_its_size() {
        let c = deb_control(1234);
        assert!(c.starts_with("Package: gmux-host\n"));
        assert!(c.contains(&format!("Version: {}\n", version())));
        assert!(c.contains("Installed-Size: 1234\n"));
        // Every continuation line of the description starts with a space, and the file ends with a newline.
        let description = c.split("Description:").nth(1).unwrap();
        assert!(description.lines().skip(1).all(|l| l.starts_with(' ')));
        assert!(c.ends_with('\n'));
    }

    #[test]
    fn data_tar_lists_every_parent_folder_before_its_files() {
        let gz = tar_gz(
            &[
                Entry {
                    path: "usr/bin/gmux-host".into(),
                    bytes: b"x".to_vec(),
                    mode: 0o755,
                },
                Entry {
                    path: "etc/opt/chrome/native-messaging-hosts/m.json".into(),
                    bytes: b"{}".to_vec(),
                    mode: 0o644,
                },
            ],
            0,
            true,
        )
        .unwrap();
        let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(&gz[..]));
        let names: Vec<(String, u32)> = archive
            .entries()
            .unwrap()
            .map(|e| {
                let e = e.unwrap();
                let name = String::from_utf8(e.path_bytes().into_owned()).unwrap();
                (name, e.header().mode().unwrap())
            })
            .collect();
        let want = [
            ("./", 0o755),
            ("./usr/", 0o755),
            ("./usr/bin/", 0o755),
            ("./usr/bin/gmux-host", 0o755),
            ("./etc/", 0o755),
            ("./etc/opt/", 0o755),
            ("./etc/opt/chrome/", 0o755),
            ("./etc/opt/chrome/native-messaging-hosts/", 0o755),
            ("./etc/opt/chrome/native-messaging-hosts/m.json", 0o644),
        ];
        let want: Vec<(String, u32)> = want.iter().map(|(n, m)| (n.to_string(), *m)).collect();
        assert_eq!(names, want);
    }

    #[test]
    fn readmes_say_to_run_install() {
        assert!(readme(false).contains("run `gmux-host install`"));
        assert!(readme(true).contains("run `gmux-host install`"));
        assert!(readme(true).contains("\r\n"));
        assert!(!readme(false).contains('\r'));
    }
}
