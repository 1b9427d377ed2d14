//! One real browser with the gmux extension loaded: a fresh profile, the host manifest installed (or removed),
//! the driver, the session. Browsers start one at a time in a process (see [`BROWSER_LOCK`]).

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use gmux_core::ids::{CHROME_EXTENSION_ID, FIREFOX_EXTENSION_ID};
use serde_json::{json, Value};
use tempfile::TempDir;

use crate::driver::DriverProcess;
use crate::webdriver::Session;
use crate::{host, paths, HarnessError, Result};

/// Two cores are shared by everything; two browsers at once make both slow enough to flake. Every launch in this
/// process holds this lock for the browser's lifetime.
static BROWSER_LOCK: Mutex<()> = Mutex::new(());

/// The moz-extension UUID pinned by pref, so the tests know the popup's URL before installing.
const FIREFOX_UUID: &str = "5f1c4e2a-9b7d-4c3e-8a61-0d2b7e9f4c18";

const CHROMIUM_BINARY: &str = "/usr/lib/chromium/chromium";
const FIREFOX_BINARY: &str = "/usr/bin/firefox-esr";

/// How long a page may take to show a settled status on a loaded machine.
const STATUS_DEADLINE: Duration = Duration::from_secs(30);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Browser {
    Chromium,
    Firefox,
}

impl Browser {
    pub fn name(self) -> &'static str {
        match self {
            Browser::Chromium => "chromium",
            Browser::Firefox => "firefox",
        }
    }

    /// The folder under `dist/`.
    pub(crate) fn dist_folder(self) -> &'static str {
        match self {
            Browser::Chromium => "chrome",
            Browser::Firefox => "firefox",
        }
    }

    /// `gmux-host install --browser <this>`.
    fn host_install_arg(self) -> &'static str {
        match self {
            Browser::Chromium => "chromium",
            Browser::Firefox => "firefox",
        }
    }

    /// Where the host manifest goes inside a test's scratch folder. With `--user-data-dir`, Chromium reads
    /// `<user-data-dir>/NativeMessagingHosts` only; Firefox reads `~/.mozilla/native-messaging-hosts` and runs
    /// with HOME set to `<scratch>/home`.
    fn manifest_dir(self, scratch: &Path) -> PathBuf {
        match self {
            Browser::Chromium => scratch.join("profile/NativeMessagingHosts"),
            Browser::Firefox => scratch.join("home/.mozilla/native-messaging-hosts"),
        }
    }

    /// The URL of one of the extension's pages, like `popup.html`.
    pub fn extension_url(self, page: &str) -> String {
        match self {
            Browser::Chromium => format!("chrome-extension://{CHROME_EXTENSION_ID}/{page}"),
            Browser::Firefox => format!("moz-extension://{FIREFOX_UUID}/{page}"),
        }
    }
}

/// Whether the profile gets a host manifest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostSetup {
    /// `gmux-host install` wrote the manifest into the profile.
    Installed,
    /// It was installed and then its manifest deleted, as a user removing gmux-host would.
    ManifestRemoved,
}

/// What a page's status element showed once settled.
#[derive(Debug, Clone, PartialEq)]
pub struct PopupStatus {
    /// `connected`, `missing` or `error`.
    pub state: String,
    /// The status line itself, e.g. "connected to gmux-host 0.1.0".
    pub headline: String,
    /// Every visible text on the page.
    pub page_text: String,
    /// `performance.now()` when the status was painted: milliseconds since navigation start.
    pub painted_ms: f64,
}

/// Which build of the extension a browser loads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Variant {
    Test,
    Release,
}

/// Copies the test build at `built` to `to` with the release build's manifest, and returns `to`.
fn release_variant(built: &Path, to: &Path) -> Result<PathBuf> {
    copy_dir(built, to)?;
    let path = to.join("manifest.json");
    let text = std::fs::read_to_string(&path)
        .map_err(HarnessError::io(format!("reading {}", path.display())))?;
    let mut manifest: Value = serde_json::from_str(&text)
        .map_err(|e| HarnessError::Unexpected(format!("{}: {e}", path.display())))?;
    if let Some(origins) = manifest["host_permissions"].as_array_mut() {
        origins.retain(|o| o != "http://127.0.0.1/*");
    }
    if let Some(csp) = manifest["content_security_policy"]["extension_pages"].as_str() {
        let release = csp.replace(" http://127.0.0.1:*", "");
        manifest["content_security_policy"]["extension_pages"] = json!(release);
    }
    std::fs::write(&path, manifest.to_string())
        .map_err(HarnessError::io(format!("writing {}", path.display())))?;
    Ok(to.to_path_buf())
}

fn copy_dir(from: &Path, to: &Path) -> Result<()> {
    std::fs::create_dir_all(to).map_err(HarnessError::io(format!("creating {}", to.display())))?;
    let entries =
        std::fs::read_dir(from).map_err(HarnessError::io(format!("reading {}", from.display())))?;
    for entry in entries {
        let entry = entry.map_err(HarnessError::io(format!("reading {}", from.display())))?;
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), &target)
                .map_err(HarnessError::io(format!("copying to {}", target.display())))?;
        }
    }
    Ok(())
}

/// A running browser with the extension; everything is torn down on drop (session, driver, profile).
pub struct ExtensionBrowser {
    pub browser: Browser,
    // Field order is drop order: the session quits the browser before the driver dies and the profile goes.
    pub session: Session,
    driver: DriverProcess,
    /// Profile, host manifest, host wrapper and the host's private folders.
    scratch: TempDir,
    host_manifest: Option<PathBuf>,
    _one_browser_at_a_time: MutexGuard<'static, ()>,
}

impl ExtensionBrowser {
    pub fn launch(browser: Browser, setup: HostSetup) -> Result<ExtensionBrowser> {
        Self::launch_prepared(browser, setup, &[], |_| Ok(()))
    }

    /// [`launch`](Self::launch), with more variables for the host's wrapper, and `prepare` run with the host
    /// wrapper's path after the host is installed and before the browser starts (to configure gmux-host and add
    /// accounts, as a user would in a terminal).
    pub fn launch_prepared(
        browser: Browser,
        setup: HostSetup,
        host_env: &[(String, String)],
        prepare: impl FnOnce(&Path) -> Result<()>,
    ) -> Result<ExtensionBrowser> {
        Self::launch_variant(browser, setup, host_env, prepare, Variant::Test, None)
    }

    /// [`launch_prepared`](Self::launch_prepared) with the browser's UI language `language` (`de`, or `ar` for
    /// the pseudo-Arabic test locale), which the extension's catalogues and dates follow. Both browsers take it
    /// only from the languages installed (`cargo xtask setup`: chromium-l10n, firefox-esr-l10n-*).
    pub fn launch_in_language(
        browser: Browser,
        language: &str,
        prepare: impl FnOnce(&Path) -> Result<()>,
    ) -> Result<ExtensionBrowser> {
        Self::launch_variant(
            browser,
            HostSetup::Installed,
            &[],
            prepare,
            Variant::Test,
            Some(language),
        )
    }

    /// [`launch_in_language`](Self::launch_in_language) with more variables for the host's wrapper, as
    /// [`launch_prepared`](Self::launch_prepared) takes them (a private keyring, to sign accounts in).
    pub fn launch_prepared_in_language(
        browser: Browser,
        language: &str,
        host_env: &[(String, String)],
        prepare: impl FnOnce(&Path) -> Result<()>,
    ) -> Result<ExtensionBrowser> {
        Self::launch_variant(
            browser,
            HostSetup::Installed,
            host_env,
            prepare,
            Variant::Test,
            Some(language),
        )
    }

    /// [`launch_prepared`](Self::launch_prepared) with the release build's manifest: the test build's
    /// extension with the loopback origin taken out of `host_permissions` and `connect-src` again, which is all
    /// that tells the two builds apart (`xtask dist --release` builds the same wasm).
    pub fn launch_release_build(
        browser: Browser,
        host_env: &[(String, String)],
        prepare: impl FnOnce(&Path) -> Result<()>,
    ) -> Result<ExtensionBrowser> {
        Self::launch_variant(
            browser,
            HostSetup::Installed,
            host_env,
            prepare,
            Variant::Release,
            None,
        )
    }

    fn launch_variant(
        browser: Browser,
        setup: HostSetup,
        host_env: &[(String, String)],
        prepare: impl FnOnce(&Path) -> Result<()>,
        variant: Variant,
        language: Option<&str>,
    ) -> Result<ExtensionBrowser> {
        // A test that panicked while holding the lock left nothing shared broken: its browser is gone.
        let guard = BROWSER_LOCK
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let built = paths::extension_dir(browser.dist_folder())?;
        let scratch = tempfile::Builder::new()
            .prefix(&format!("gmux-e2e-{}-", browser.name()))
            .tempdir()
            .map_err(HarnessError::io("creating a scratch folder"))?;
        let root = scratch.path();
        let extension = match variant {
            Variant::Test => built,
            Variant::Release => release_variant(&built, &root.join("release-extension"))?,
        };

        let manifest_dir = browser.manifest_dir(root);
        let mut host_manifest = Some(host::install_with_env(
            browser.host_install_arg(),
            &manifest_dir,
            root,
            host_env,
        )?);
        prepare(&host::wrapper_path(root))?;
        if setup == HostSetup::ManifestRemoved {
            if let Some(manifest) = host_manifest.take() {
                std::fs::remove_file(&manifest)
                    .map_err(HarnessError::io(format!("removing {}", manifest.display())))?;
            }
        }

        let (driver, session) = match browser {
            Browser::Chromium => start_chromium(root, &extension, language)?,
            Browser::Firefox => start_firefox(root, &extension, FirefoxProfile::Fresh, language)?,
        };
        Ok(ExtensionBrowser {
            browser,
            session,
            driver,
            scratch,
            host_manifest,
            _one_browser_at_a_time: guard,
        })
    }

    /// The installed host manifest, if the setup kept one.
    pub fn host_manifest(&self) -> Option<&Path> {
        self.host_manifest.as_deref()
    }

    /// The installed gmux-host's wrapper: run it as a user would run gmux-host in a terminal (to configure it
    /// later in a test, say).
    pub fn host_wrapper(&self) -> PathBuf {
        host::wrapper_path(self.scratch.path())
    }

    /// Installs gmux-host into the running browser's profile (after a [`HostSetup::ManifestRemoved`] launch), as
    /// a user following the popup's advice would.
    pub fn install_host(&mut self) -> Result<()> {
        let root = self.scratch.path();
        self.host_manifest = Some(host::install(
            self.browser.host_install_arg(),
            &self.browser.manifest_dir(root),
            root,
        )?);
        Ok(())
    }

    /// Waits until the toolbar badge shows `expected`, read from the open extension page. The background sets
    /// the badge just after it answers the page, so a single read could come too early.
    pub fn wait_for_badge(&self, expected: &str) -> Result<()> {
        // Both browsers return a promise from action.getBadgeText in Manifest V3; WebDriver awaits it.
        const READ_BADGE: &str = "const api = globalThis.browser ?? globalThis.chrome;
            return api.action.getBadgeText({});";
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut last = Value::Null;
        while Instant::now() < deadline {
            last = self.session.execute(READ_BADGE, &[])?;
            if last.as_str() == Some(expected) {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        Err(HarnessError::Timeout {
            what: format!("the badge to read {expected:?}"),
            last: last.to_string(),
        })
    }

    /// The `GMUX_CONFIG_DIR` of this browser's gmux-host (its wrapper sets it): tests that need a configured host
    /// (an OAuth client, emulator endpoints) write its config here before the first page opens.
    pub fn host_config_dir(&self) -> PathBuf {
        self.scratch.path().join("host-config")
    }

    pub fn scratch_dir(&self) -> &Path {
        self.scratch.path()
    }

    /// Navigates to an extension page (`popup.html`, `newtab.html`, `options.html`) and waits until its status
    /// has settled (connected, missing or error).
    pub fn open_page(&mut self, page: &str) -> Result<PopupStatus> {
        self.open_url(&self.browser.extension_url(page))
    }

    /// Navigates to any URL that should end on an extension page (like `chrome://newtab/`) and waits for its
    /// status as [`open_page`](Self::open_page) does.
    pub fn open_url(&mut self, url: &str) -> Result<PopupStatus> {
        self.session.navigate(url)?;
        self.wait_for_status(url)
    }

    pub fn open_popup(&mut self) -> Result<PopupStatus> {
        self.open_page("popup.html")
    }

    fn wait_for_status(&self, page: &str) -> Result<PopupStatus> {
        const READ_STATUS: &str = "const s = document.getElementById('status');
            if (!s) { return null; }
            return { state: s.dataset.state || '', headline: s.textContent, painted: s.dataset.paintedMs || null,
                     text: document.body ? document.body.innerText : '' };";
        let deadline = Instant::now() + STATUS_DEADLINE;
        let mut last = Value::Null;
        while Instant::now() < deadline {
            // A navigation still under way can refuse scripts for a moment; that is not a failure yet.
            if let Ok(value) = self.session.execute(READ_STATUS, &[]) {
                // Painted, and past "connecting": a page opened while the background is still reaching gmux-host
                // (right after the browser started) paints "connecting…" first, then the handshake's outcome.
                let settled = !matches!(value["state"].as_str(), None | Some("" | "connecting"));
                if let Some(painted_ms) = value["painted"]
                    .as_str()
                    .and_then(|p| p.parse::<f64>().ok())
                    .filter(|_| settled)
                {
                    return Ok(PopupStatus {
                        state: value["state"].as_str().unwrap_or_default().to_string(),
                        headline: value["headline"].as_str().unwrap_or_default().to_string(),
                        page_text: value["text"].as_str().unwrap_or_default().to_string(),
                        painted_ms,
                    });
                }
                last = value;
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        Err(HarnessError::Timeout {
            what: format!("{} {page} to show the host status", self.browser.name()),
            last: format!("{last}; driver log: {}", self.driver.log_tail()),
        })
    }

    /// Chromium only: pages render as if the system asked for a dark colour scheme, from the next load on.
    pub fn emulate_dark_scheme(&self) -> Result<()> {
        if self.browser != Browser::Chromium {
            return Err(HarnessError::Unexpected(
                "colour-scheme emulation is implemented for Chromium only".into(),
            ));
        }
        let features = json!({"features": [{"name": "prefers-color-scheme", "value": "dark"}]});
        self.session
            .chrome_devtools("Emulation.setEmulatedMedia", features)
            .map(drop)
    }

    /// The pids of the gmux-host processes this browser started, found by the private config folder their
    /// wrapper gives them (Linux: reads /proc).
    pub fn host_processes(&self) -> Vec<u32> {
        let marker = format!("GMUX_CONFIG_DIR={}", self.host_config_dir().display());
        let Ok(entries) = std::fs::read_dir("/proc") else {
            return Vec::new();
        };
        entries
            .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<u32>().ok())
            .filter(|pid| {
                std::fs::read(format!("/proc/{pid}/environ"))
                    .map(|environ| {
                        environ
                            .split(|b| *b == 0)
                            .any(|var| var == marker.as_bytes())
                    })
                    .unwrap_or(false)
            })
            .collect()
    }

    /// Waits until the set of this browser's host processes satisfies `done`, and returns it.
    pub fn wait_for_host_processes(
        &self,
        what: &str,
        done: impl Fn(&[u32]) -> bool,
    ) -> Result<Vec<u32>> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let pids = self.host_processes();
            if done(&pids) {
                return Ok(pids);
            }
            if Instant::now() >= deadline {
                return Err(HarnessError::Timeout {
                    what: what.to_string(),
                    last: format!("host pids {pids:?}"),
                });
            }
            std::thread::sleep(Duration::from_millis(25));
        }
    }

    /// Kills this browser's gmux-host processes, as a crash would, and waits until they are gone.
    pub fn kill_host(&self) -> Result<()> {
        for pid in self.host_processes() {
            std::process::Command::new("kill")
                .args(["-KILL", &pid.to_string()])
                .status()
                .map_err(HarnessError::io(format!("killing gmux-host {pid}")))?;
        }
        self.wait_for_host_processes("gmux-host to exit", |pids| pids.is_empty())
            .map(drop)
    }

    /// Chromium only: whether the extension's background service worker is running.
    pub fn background_worker_running(&self) -> Result<bool> {
        let targets = self
            .session
            .chrome_devtools("Target.getTargets", json!({}))?;
        let background = format!("chrome-extension://{CHROME_EXTENSION_ID}/background.js");
        Ok(targets["targetInfos"]
            .as_array()
            .map(|all| {
                all.iter()
                    .any(|t| t["type"] == "service_worker" && t["url"] == background.as_str())
            })
            .unwrap_or(false))
    }

    /// Stops the extension's background as the browser does to an idle one, and waits until it is gone: Chrome's
    /// service worker, or Firefox's event page (through Firefox's own `terminateBackground`, run as browser
    /// chrome). The native port dies with it; the next event or message starts it again.
    pub fn stop_background_worker(&self) -> Result<()> {
        if self.browser == Browser::Firefox {
            return self.stop_firefox_background();
        }
        self.session
            .chrome_devtools("ServiceWorker.enable", json!({}))?;
        self.session
            .chrome_devtools("ServiceWorker.stopAllWorkers", json!({}))?;
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if !self.background_worker_running()? {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        Err(HarnessError::Timeout {
            what: "the background worker to stop".into(),
            last: "still running".into(),
        })
    }

    fn stop_firefox_background(&self) -> Result<()> {
        let state = self.session.firefox_chrome_script(&format!(
            "const {{ ExtensionParent }} = ChromeUtils.importESModule('resource://gre/modules/ExtensionParent.sys.mjs');
             const extension = ExtensionParent.GlobalManager.getExtension('{FIREFOX_EXTENSION_ID}');
             return extension.terminateBackground({{ disableResetIdleForTest: true }})
               .then(() => extension.backgroundState);"
        ))?;
        if state != "stopped" {
            return Err(HarnessError::Unexpected(format!(
                "Firefox's background is {state} after terminateBackground"
            )));
        }
        Ok(())
    }

    /// The computed background colour of the page's body, like `rgb(21, 21, 28)`.
    pub fn body_background(&self) -> Result<String> {
        let value = self.session.execute(
            "return getComputedStyle(document.body).backgroundColor;",
            &[],
        )?;
        value
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| HarnessError::Unexpected(format!("background: {value}")))
    }

    /// Saves a PNG of what the page shows to `target/screenshots/<browser>-<name>.png` and returns its path: the
    /// `body`'s box when the page fits in the window (the popup, at its own size), else the window as it is
    /// scrolled now. An element screenshot of a body taller than the window would first scroll the body into view
    /// (WebDriver aligns its end), and Firefox would then draw the page's bottom, not what a person sees.
    pub fn screenshot(&self, name: &str) -> Result<PathBuf> {
        let path = paths::screenshot_dir()?.join(format!("{}-{name}.png", self.browser.name()));
        let taller = self.session.execute(
            "return document.documentElement.scrollHeight > window.innerHeight + 1;",
            &[],
        )?;
        if taller == json!(true) {
            self.session.screenshot(&path)?;
        } else {
            let body = self.session.find_css("body")?;
            self.session.element_screenshot(&body, &path)?;
        }
        Ok(path)
    }
}

fn start_chromium(
    root: &Path,
    extension: &Path,
    language: Option<&str>,
) -> Result<(DriverProcess, Session)> {
    let chromedriver =
        paths::find_program("chromedriver", &[PathBuf::from("/usr/bin/chromedriver")]).ok_or(
            HarnessError::ToolMissing {
                what: "chromedriver",
            },
        )?;
    if !Path::new(CHROMIUM_BINARY).is_file() {
        return Err(HarnessError::ToolMissing { what: "chromium" });
    }
    let driver = DriverProcess::start(
        &chromedriver,
        |port| vec![format!("--port={port}")],
        // Chromium on Linux takes its UI language from the environment, which chromedriver passes on.
        &language
            .map(|l| vec![("LANGUAGE", Path::new(l)), ("LANG", Path::new(l))])
            .unwrap_or_default(),
        &root.join("chromedriver.log"),
    )?;
    let extension = extension.to_string_lossy();
    let headless = (!headed()).then(|| "--headless=new".to_string());
    let args = [
        "--no-sandbox".into(),
        "--disable-gpu".into(),
        "--disable-dev-shm-usage".into(),
        // The network here is loopback only; these keep Chromium from retrying the internet.
        "--disable-quic".into(),
        "--no-first-run".into(),
        "--disable-background-networking".into(),
        "--disable-component-update".into(),
        "--disable-sync".into(),
        // A test's "Gmail tab" is never looked up outside this machine: its address is all that matters.
        "--host-resolver-rules=MAP mail.google.com ~NOTFOUND".into(),
        format!("--user-data-dir={}", root.join("profile").display()),
        format!("--load-extension={extension}"),
        format!("--disable-extensions-except={extension}"),
        "--window-size=800,600".into(),
    ];
    // For the bench's investigations: GMUX_E2E_CHROMIUM_TRACE=<file> writes Chromium's own trace of the first
    // seconds (its timeline, frames and V8's wasm compiles) to that file, to be read in chrome://tracing or Perfetto.
    let trace = std::env::var_os("GMUX_E2E_CHROMIUM_TRACE").map(|file| {
        vec![
            "--trace-startup=devtools.timeline,disabled-by-default-devtools.timeline,\
             disabled-by-default-devtools.timeline.frame,blink.user_timing,v8.wasm,loading,cc,viz"
                .to_string(),
            format!("--trace-startup-file={}", PathBuf::from(file).display()),
            "--trace-startup-duration=20".to_string(),
            "--trace-startup-format=json".to_string(),
        ]
    });
    let lang = language.map(|l| format!("--lang={l}"));
    let args: Vec<String> = headless
        .into_iter()
        .chain(args)
        .chain(lang)
        .chain(trace.into_iter().flatten())
        .collect();
    let mut capabilities = json!({
        "browserName": "chrome",
        "goog:chromeOptions": {
            "binary": CHROMIUM_BINARY,
            "args": args,
            // Downloads (the reader's attachments) land in the scratch folder without asking.
            "prefs": {
                "download.default_directory": root.join("downloads").to_string_lossy(),
                "download.prompt_for_download": false,
                "download.directory_upgrade": true,
            },
            // chromedriver would otherwise pass switches that keep unpacked extensions from loading.
            "excludeSwitches": ["disable-extensions"],
        },
    });
    if let Some(language) = language {
        capabilities["goog:chromeOptions"]["prefs"]["intl.accept_languages"] = json!(language);
    }
    let session = driver.client.new_session(capabilities)?;
    Ok((driver, session))
}

/// Where Firefox keeps its profile.
#[derive(Clone, Copy, PartialEq, Eq)]
enum FirefoxProfile {
    /// A fresh copy geckodriver makes under `<root>/firefox-profiles`, gone with the browser.
    Fresh,
    /// The folder `<root>/firefox-profile`, used in place, so a restart finds the extension's storage.
    Kept,
}

fn start_firefox(
    root: &Path,
    extension: &Path,
    profile: FirefoxProfile,
    language: Option<&str>,
) -> Result<(DriverProcess, Session)> {
    let geckodriver =
        paths::find_program("geckodriver", &[paths::cargo_bin_dir().join("geckodriver")]).ok_or(
            HarnessError::ToolMissing {
                what: "geckodriver",
            },
        )?;
    if !Path::new(FIREFOX_BINARY).exists() {
        return Err(HarnessError::ToolMissing {
            what: "firefox-esr",
        });
    }
    let profile_dir = root.join(match profile {
        FirefoxProfile::Fresh => "firefox-profiles",
        FirefoxProfile::Kept => "firefox-profile",
    });
    let home = root.join("home");
    for dir in [&profile_dir, &home] {
        std::fs::create_dir_all(dir)
            .map_err(HarnessError::io(format!("creating {}", dir.display())))?;
    }
    let profile_path = profile_dir.to_string_lossy().into_owned();
    let driver = DriverProcess::start(
        &geckodriver,
        // --allow-system-access: without it geckodriver refuses to navigate to moz-extension:// pages.
        |port| {
            let mut args = vec![
                "--port".to_string(),
                port.to_string(),
                "--allow-system-access".to_string(),
            ];
            if profile == FirefoxProfile::Fresh {
                args.extend(["--profile-root".to_string(), profile_path.clone()]);
            }
            args
        },
        // Firefox finds host manifests only under $HOME/.mozilla; it inherits HOME from geckodriver.
        &[("HOME", &home)],
        &root.join("geckodriver.log"),
    )?;
    let uuids = json!({ FIREFOX_EXTENSION_ID: FIREFOX_UUID }).to_string();
    let mut args = if headed() {
        vec![]
    } else {
        vec!["-headless".to_string()]
    };
    let mut prefs = json!({
        "extensions.webextensions.uuids": uuids,
        // Downloads (the reader's attachments) land in the scratch folder without asking.
        "browser.download.folderList": 2,
        "browser.download.dir": root.join("downloads").to_string_lossy(),
        "browser.download.useDownloadDir": true,
        "browser.download.always_ask_before_handling_new_types": false,
        "browser.download.alwaysOpenPanel": false,
        "browser.helperApps.neverAsk.saveToDisk": "application/octet-stream",
        // Headless Firefox has no system notification service to talk to: its notifications close the moment
        // they open. Firefox's own alert windows work headless; they stay until closed (not the default 20 s), so
        // a test reads every notification shown from `notifications.getAll()`.
        "alerts.useSystemBackend": false,
        "alerts.totalOpenTime": 3_600_000,
        // The settings page's "Allow" for Gmail's tabs (an optional host permission) is granted without the
        // prompt a person answers, which WebDriver cannot reach.
        "extensions.webextOptionalPermissionPrompts": false,
        // A test's "Gmail tab" resolves to loopback, where nothing answers: its address is all that matters.
        "network.dns.localDomains": "mail.google.com",
    });
    if let Some(language) = language {
        // The language packs Debian installs into Firefox's own folder; Firefox switches its UI to one asked for.
        prefs["intl.locale.requested"] = json!(language);
        prefs["intl.accept_languages"] = json!(language);
    }
    if profile == FirefoxProfile::Kept {
        args.extend(["-profile".to_string(), profile_path]);
        // A temporary add-on is removed when Firefox quits; these keep its storage.local for the next start.
        prefs["extensions.webextensions.keepStorageOnUninstall"] = json!(true);
        prefs["extensions.webextensions.keepUuidOnUninstall"] = json!(true);
    }
    let session = driver.client.new_session(json!({
        "browserName": "firefox",
        "moz:firefoxOptions": {
            "binary": FIREFOX_BINARY,
            "args": args,
            "env": if headed() { json!({}) } else { json!({ "MOZ_HEADLESS": "1" }) },
            "prefs": prefs,
        },
    }))?;
    // The same viewport as Chromium's, so screenshots of the two compare.
    session.set_window_size(800, 600)?;
    let installed = session.install_firefox_addon(extension, true)?;
    if installed != FIREFOX_EXTENSION_ID {
        return Err(HarnessError::Unexpected(format!(
            "Firefox installed {installed}, expected {FIREFOX_EXTENSION_ID}"
        )));
    }
    Ok((driver, session))
}

/// One load of [`popup_load_times`]: the popup's handshake text, and the blank floor page loaded beside it.
#[derive(Debug, Clone, Copy)]
pub struct HandshakeLoad {
    /// Navigation start to the painted handshake text, in ms.
    pub handshake: f64,
    /// The blank extension page's first contentful paint (`floor-blank.html`: the popup's HTML and CSS, no script),
    /// loaded just before or just after this popup, in ms.
    pub blank: f64,
}

impl HandshakeLoad {
    /// The handshake as a ratio to the blank page of the same pair: what drift on a shared machine cancels out of.
    pub fn ratio(&self) -> f64 {
        self.handshake / self.blank
    }
}

/// Loads the popup `loads` times in one browser with the host installed and returns, per load, the time from
/// navigation start to the painted handshake text, with the blank floor page's first contentful paint loaded
/// beside it (before the popup in one load, after it in the next), so the figure can be read against a baseline
/// of the same minute (issue 21). The first load includes starting the host.
/// The host is configured (an OAuth client, no accounts), as after `gmux-host configure`, so the popup shows the
/// handshake.
pub fn popup_load_times(browser: Browser, loads: usize) -> Result<Vec<HandshakeLoad>> {
    let mut instance = ExtensionBrowser::launch_configured(browser, HostSetup::Installed)?;
    let mut times = Vec::with_capacity(loads);
    for load in 0..loads {
        // The blank page before the popup in odd loads, after it in even ones.
        let before = (load % 2 == 1)
            .then(|| crate::floor::blank_fcp(&instance))
            .transpose()?;
        let status = instance.open_popup()?;
        if status.state != "connected" {
            return Err(HarnessError::Unexpected(format!(
                "popup did not connect: {status:?}"
            )));
        }
        let blank = match before {
            Some(blank) => blank,
            None => crate::floor::blank_fcp(&instance)?,
        };
        times.push(HandshakeLoad {
            handshake: status.painted_ms,
            blank,
        });
    }
    Ok(times)
}

/// Whether browsers open real windows: `GMUX_E2E_HEADED=1`, which the demo sets when there is a display.
/// Tests always run headless.
pub fn headed() -> bool {
    std::env::var_os("GMUX_E2E_HEADED").is_some_and(|v| v == "1")
}

/// Cold starts for the bench: the same profile, a fresh browser process.
impl ExtensionBrowser {
    /// [`launch`](Self::launch) (host installed, not configured) with a profile that outlives the browser, so
    /// [`restart`](Self::restart) finds what the extension stored. Chromium keeps its `--user-data-dir` anyway;
    /// Firefox gets a fixed `-profile` folder and the prefs that keep a temporary add-on's storage when Firefox
    /// removes it at shutdown.
    pub fn launch_restartable(browser: Browser) -> Result<ExtensionBrowser> {
        Self::launch_restartable_prepared(browser, &[], |_| Ok(()))
    }

    /// [`launch_restartable`](Self::launch_restartable) with the host's variables and `prepare`, as
    /// [`launch_prepared`](Self::launch_prepared) has them (a configured host with accounts).
    pub fn launch_restartable_prepared(
        browser: Browser,
        host_env: &[(String, String)],
        prepare: impl FnOnce(&Path) -> Result<()>,
    ) -> Result<ExtensionBrowser> {
        let guard = BROWSER_LOCK
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let extension = paths::extension_dir(browser.dist_folder())?;
        let scratch = tempfile::Builder::new()
            .prefix(&format!("gmux-e2e-{}-", browser.name()))
            .tempdir()
            .map_err(HarnessError::io("creating a scratch folder"))?;
        let root = scratch.path();
        let host_manifest = Some(host::install_with_env(
            browser.host_install_arg(),
            &browser.manifest_dir(root),
            root,
            host_env,
        )?);
        prepare(&host::wrapper_path(root))?;
        let (driver, session) = start_keeping_profile(browser, root, &extension)?;
        Ok(ExtensionBrowser {
            browser,
            session,
            driver,
            scratch,
            host_manifest,
            _one_browser_at_a_time: guard,
        })
    }

    /// Quits the browser cleanly (so it writes its storage to disk) and starts it again on the same profile:
    /// the next page load is a cold start's first load. Needs a browser from
    /// [`launch_restartable`](Self::launch_restartable).
    pub fn restart(self) -> Result<ExtensionBrowser> {
        self.restart_after(Duration::ZERO)
    }

    /// [`restart`](Self::restart), with the browser closed for `closed_for` in between (what happens while a
    /// person's browser is not running).
    pub fn restart_after(self, closed_for: Duration) -> Result<ExtensionBrowser> {
        let ExtensionBrowser {
            browser,
            session,
            driver,
            scratch,
            host_manifest,
            _one_browser_at_a_time,
        } = self;
        let root = scratch.path();
        let (profile, lock) = match browser {
            Browser::Chromium => (root.join("profile"), "SingletonLock"),
            Browser::Firefox => (root.join("firefox-profile"), "lock"),
        };
        if !profile.is_dir() {
            return Err(HarnessError::Unexpected(format!(
                "{} has no profile to restart with: launch it with launch_restartable",
                browser.name()
            )));
        }
        drop(session);
        drop(driver);
        // The old browser must be gone before the new one opens the profile, or Chromium hands the new window to
        // the old process. Both name their process in the profile's lock link (`host-PID`, `IP:+PID`); Firefox
        // may leave the link behind, so the process is what is waited for.
        let lock = profile.join(lock);
        let owner = std::fs::read_link(&lock).ok().and_then(|target| {
            let target = target.to_string_lossy().into_owned();
            let digits: String = target
                .chars()
                .rev()
                .take_while(char::is_ascii_digit)
                .collect();
            digits.chars().rev().collect::<String>().parse::<u32>().ok()
        });
        let deadline = Instant::now() + Duration::from_secs(30);
        while let Some(pid) = owner.filter(|pid| Path::new(&format!("/proc/{pid}")).exists()) {
            if Instant::now() >= deadline {
                return Err(HarnessError::Timeout {
                    what: format!("{} to exit and release its profile", browser.name()),
                    last: format!("process {pid} still runs"),
                });
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        std::thread::sleep(closed_for);
        let extension = paths::extension_dir(browser.dist_folder())?;
        let (driver, session) = start_keeping_profile(browser, root, &extension)?;
        Ok(ExtensionBrowser {
            browser,
            session,
            driver,
            scratch,
            host_manifest,
            _one_browser_at_a_time,
        })
    }
}

fn start_keeping_profile(
    browser: Browser,
    root: &Path,
    extension: &Path,
) -> Result<(DriverProcess, Session)> {
    match browser {
        Browser::Chromium => start_chromium(root, extension, None),
        Browser::Firefox => start_firefox(root, extension, FirefoxProfile::Kept, None),
    }
}
