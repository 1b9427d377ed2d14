//! `cargo xtask dist`: the wasm build, wasm-bindgen, and one loadable extension folder per browser.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};
use serde_json::{json, Value};

use crate::{cargo, run, setup, workspace_root};

pub const BROWSERS: [&str; 2] = ["chrome", "firefox"];

/// The wasm modules, one per kind of context: `background` (host port, Gmail client, sync engine), `pages`
/// (popup, new tab, options) and `reader` (gmux-mail's MIME walker and HTML sanitiser, which a page loads when a
/// conversation is first opened). Each is also the cargo feature that selects it and the glue's name in `pkg/`.
pub const WASM_MODULES: [&str; 3] = ["pages", "background", "reader"];

/// The origin the emulator serves on in tests and the demo; only test/demo builds may call it.
const LOOPBACK_PERMISSION: &str = "http://127.0.0.1/*";

pub struct DistOptions {
    /// A store build: no loopback host permission, and zipped packages.
    pub release: bool,
}

pub fn dist_dir() -> PathBuf {
    workspace_root().join("dist")
}

pub fn dist(opts: &DistOptions) -> Result<()> {
    setup::ensure_build_tools()?;
    let root = workspace_root();
    let mut modules = Vec::new();
    for module in WASM_MODULES {
        // A target dir per module: a cdylib's file name carries no feature hash, so two feature sets in one
        // target dir would relink each other's module on every build.
        let target_dir = root.join("target/wasm").join(module);
        run(cargo()
            .current_dir(&root)
            .args([
                "build",
                "-p",
                "gmux-extension",
                "--lib",
                "--target",
                "wasm32-unknown-unknown",
            ])
            .args([
                "--profile",
                "wasm-release",
                "--no-default-features",
                "--features",
                module,
            ])
            .arg("--target-dir")
            .arg(&target_dir))?;
        modules.push((
            module,
            target_dir.join("wasm32-unknown-unknown/wasm-release/gmux_extension.wasm"),
        ));
    }
    let manifest: Value = serde_json::from_str(&fs::read_to_string(root.join("manifest.json"))?)
        .context("manifest.json is not valid JSON")?;
    let bindgen = setup::find_program("wasm-bindgen").context("wasm-bindgen is not installed")?;

    for browser in BROWSERS {
        let out = dist_dir().join(browser);
        if out.exists() {
            fs::remove_dir_all(&out).with_context(|| format!("removing {}", out.display()))?;
        }
        fs::create_dir_all(&out)?;
        copy_tree(&root.join("extension/static"), &out)?;
        for (module, wasm) in &modules {
            run(Command::new(&bindgen)
                .arg(wasm)
                .args([
                    "--target",
                    "web",
                    "--no-typescript",
                    "--remove-name-section",
                    "--remove-producers-section",
                ])
                .args(["--out-name", module, "--out-dir"])
                .arg(out.join("pkg")))?;
        }
        let derived = manifest_for(&manifest, browser, opts.release)?;
        fs::write(
            out.join("manifest.json"),
            serde_json::to_string_pretty(&derived)?,
        )?;
    }
    if opts.release {
        for browser in BROWSERS {
            let zip = dist_dir().join(format!("gmux-{browser}.zip"));
            let _ = fs::remove_file(&zip);
            run(Command::new("python3")
                .args(["-m", "zipfile", "-c"])
                .arg(&zip)
                .args(list_top_level(&dist_dir().join(browser))?)
                .current_dir(dist_dir().join(browser)))?;
            eprintln!("xtask: wrote {}", zip.display());
        }
        web_ext_lint(&dist_dir().join("firefox"))?;
    }
    for line in size_report()? {
        eprintln!("xtask: {line}");
    }
    eprintln!(
        "xtask: extensions in {}/{{chrome,firefox}}",
        dist_dir().display()
    );
    Ok(())
}

/// Mozilla's `web-ext`, pinned, from npm into target/: the linter addons.mozilla.org runs on uploads.
const WEB_EXT_VERSION: &str = "10.7.0";

/// Lints the Firefox package as addons.mozilla.org would; any error fails the build.
pub fn web_ext_lint(dir: &Path) -> Result<()> {
    let tools = workspace_root().join("target/web-ext");
    let bin = tools.join("node_modules/.bin/web-ext");
    let installed = Command::new(&bin)
        .arg("--version")
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
    if installed.as_deref() != Some(WEB_EXT_VERSION) {
        eprintln!(
            "xtask: installing web-ext {WEB_EXT_VERSION} from npm into {}",
            tools.display()
        );
        fs::create_dir_all(&tools)?;
        run(Command::new("npm").current_dir(&tools).args([
            "install",
            "--silent",
            "--no-audit",
            "--no-fund",
            &format!("web-ext@{WEB_EXT_VERSION}"),
        ]))
        .context("npm is needed for web-ext (Node.js 20 or newer)")?;
    }
    let out = Command::new(&bin)
        .args(["lint", "--output", "json", "--source-dir"])
        .arg(dir)
        .output()
        .context("running web-ext lint")?;
    let report: Value = serde_json::from_slice(&out.stdout).with_context(|| {
        format!(
            "web-ext lint printed no report: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    })?;
    let count = |kind: &str| {
        report["count"]
            .as_u64()
            .map(|_| report[kind].as_array().map_or(0, Vec::len))
            .unwrap_or(0)
    };
    let (errors, warnings) = (count("errors"), count("warnings"));
    eprintln!("xtask: web-ext lint: {errors} errors, {warnings} warnings");
    for item in report["errors"]
        .as_array()
        .into_iter()
        .flatten()
        .chain(report["warnings"].as_array().into_iter().flatten())
    {
        eprintln!(
            "xtask:   {}: {}",
            item["code"].as_str().unwrap_or("?"),
            item["message"].as_str().unwrap_or("")
        );
    }
    if errors > 0 {
        bail!("web-ext lint found {errors} errors in {}", dir.display());
    }
    Ok(())
}

fn list_top_level(dir: &Path) -> Result<Vec<String>> {
    let mut names = Vec::new();
    for entry in fs::read_dir(dir)? {
        names.push(entry?.file_name().to_string_lossy().into_owned());
    }
    names.sort();
    Ok(names)
}

/// Derives one browser's manifest from the shared one: each browser gets only the keys it understands,
/// so neither prints warnings about the other's.
pub fn manifest_for(shared: &Value, browser: &str, release: bool) -> Result<Value> {
    let mut m = shared.clone();
    let obj = m
        .as_object_mut()
        .context("manifest.json must be an object")?;
    match browser {
        "chrome" => {
            obj.remove("browser_specific_settings");
            if let Some(bg) = obj.get_mut("background").and_then(Value::as_object_mut) {
                bg.remove("scripts");
            }
        }
        "firefox" => {
            obj.remove("key");
            if let Some(bg) = obj.get_mut("background").and_then(Value::as_object_mut) {
                bg.remove("service_worker");
            }
        }
        other => bail!("unknown browser {other}"),
    }
    if !release {
        let perms = obj.entry("host_permissions").or_insert_with(|| json!([]));
        if let Some(list) = perms.as_array_mut() {
            list.push(json!(LOOPBACK_PERMISSION));
        }
    }
    Ok(m)
}

fn copy_tree(from: &Path, to: &Path) -> Result<()> {
    if !from.is_dir() {
        bail!("{} is missing", from.display());
    }
    for entry in fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            fs::create_dir_all(&target)?;
            copy_tree(&entry.path(), &target)?;
        } else {
            fs::copy(entry.path(), &target).with_context(|| {
                format!("copying {} to {}", entry.path().display(), target.display())
            })?;
        }
    }
    Ok(())
}

pub fn gzip_len(bytes: &[u8]) -> Result<usize> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(bytes)?;
    Ok(enc.finish()?.len())
}

/// Sizes of what each context loads: the pages' module and the background's.
pub fn size_report() -> Result<Vec<String>> {
    let pkg = dist_dir().join("chrome/pkg");
    let mut lines = Vec::new();
    for module in WASM_MODULES {
        let wasm = fs::read(pkg.join(format!("{module}_bg.wasm")))
            .context("no built wasm: run cargo xtask dist")?;
        let glue = fs::read(pkg.join(format!("{module}.js")))?;
        let (wasm_gz, glue_gz) = (gzip_len(&wasm)?, gzip_len(&glue)?);
        let who = match module {
            "pages" => "each page (popup, new tab, options)",
            "reader" => "the reader (when a conversation is first opened)",
            _ => "the background",
        };
        lines.push(format!(
            "{who}: wasm {:.1} KB + glue {:.1} KB = {:.1} KB raw; gzip {:.1} KB + {:.1} KB = {:.1} KB",
            kb(wasm.len()),
            kb(glue.len()),
            kb(wasm.len() + glue.len()),
            kb(wasm_gz),
            kb(glue_gz),
            kb(wasm_gz + glue_gz)
        ));
    }
    Ok(lines)
}

fn kb(bytes: usize) -> f64 {
    bytes as f64 / 1024.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shared() -> Value {
        serde_json::from_str(&fs::read_to_string(workspace_root().join("manifest.json")).unwrap())
            .unwrap()
    }

    #[test]
    fn chrome_manifest_has_worker_and_key_but_no_gecko_settings() {
        let m = manifest_for(&shared(), "chrome", false).unwrap();
        assert_eq!(m["background"]["service_worker"], "background.js");
        assert!(m["background"].get("scripts").is_none());
        assert!(m.get("browser_specific_settings").is_none());
        assert!(m["key"].is_string());
        assert!(m["host_permissions"]
            .as_array()
            .unwrap()
            .contains(&json!(LOOPBACK_PERMISSION)));
    }

    #[test]
    fn firefox_manifest_has_event_page_and_gecko_id_but_no_key() {
        let m = manifest_for(&shared(), "firefox", false).unwrap();
        assert_eq!(m["background"]["scripts"], json!(["background.js"]));
        assert!(m["background"].get("service_worker").is_none());
        assert!(m.get("key").is_none());
        assert_eq!(m["browser_specific_settings"]["gecko"]["id"], gmux_id());
    }

    #[test]
    fn release_build_only_talks_to_google() {
        for b in BROWSERS {
            let m = manifest_for(&shared(), b, true).unwrap();
            assert_eq!(
                m["host_permissions"],
                json!(["https://gmail.googleapis.com/*"])
            );
        }
    }

    #[test]
    fn csp_allows_wasm_and_nothing_inline() {
        let csp = shared()["content_security_policy"]["extension_pages"]
            .as_str()
            .unwrap()
            .to_string();
        assert!(csp.contains("'wasm-unsafe-eval'"));
        assert!(!csp.contains("unsafe-inline"));
    }

    #[test]
    fn chrome_key_gives_the_fixed_extension_id() {
        use base64_decode as decode;
        let key = shared()["key"].as_str().unwrap().to_string();
        let der = decode(&key);
        let digest = sha256_hex(&der);
        let id: String = digest[..32]
            .chars()
            .map(|c| (b'a' + c.to_digit(16).unwrap() as u8) as char)
            .collect();
        assert_eq!(id, "obfbmoncncibmhjgfmnifnffmljlbjmg");
    }

    fn gmux_id() -> &'static str {
        "gmux@gmux.dev"
    }

    fn base64_decode(s: &str) -> Vec<u8> {
        let out = Command::new("base64")
            .arg("-d")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut out = out;
        out.stdin.take().unwrap().write_all(s.as_bytes()).unwrap();
        out.wait_with_output().unwrap().stdout
    }

    fn sha256_hex(bytes: &[u8]) -> String {
        let mut child = Command::new("sha256sum")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(bytes).unwrap();
        let out = child.wait_with_output().unwrap().stdout;
        String::from_utf8(out)
            .unwrap()
            .split_whitespace()
            .next()
            .unwrap()
            .to_string()
    }
}
