//! What the sync tests drive besides the browser: a real gmux-emulator process, gmux-host configured for it with
//! accounts added through the real OAuth flow, and reads of the extension's storage and badge.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::browser::{Browser, ExtensionBrowser, HostSetup};
use crate::{paths, HarnessError, Result};

/// The gmux-emulator binary (`GMUX_EMULATOR_BIN`, else `target/debug/gmux-emulator`).
pub fn emulator_binary() -> Result<PathBuf> {
    let path = std::env::var_os("GMUX_EMULATOR_BIN")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| paths::workspace_root().join("target/debug/gmux-emulator"));
    if path.is_file() {
        Ok(path)
    } else {
        Err(HarnessError::Missing {
            what: "the gmux-emulator binary",
            path,
        })
    }
}

/// A running `gmux-emulator --auto-consent` (on the demo data or a seed) on a free loopback port; stopped on drop.
pub struct EmulatorProcess {
    child: Child,
    base: String,
    /// What it was started with after `--addr`, to start it again on the same port.
    args: Vec<std::ffi::OsString>,
    /// The seed file's folder, kept while the emulator runs.
    _seed_dir: Option<tempfile::TempDir>,
}

impl EmulatorProcess {
    /// Stops the emulator now: Gmail (and Google's token endpoint) become unreachable, as when offline.
    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts gmux-emulator on `addr` with `args`, and reads the base URL it prints first. A refused seed ends the
/// process without one.
fn spawn_emulator(addr: &str, args: &[std::ffi::OsString]) -> Result<(Child, String)> {
    let binary = emulator_binary()?;
    let mut child = Command::new(&binary)
        .args(["--addr", addr])
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(HarnessError::io(format!("starting {}", binary.display())))?;
    let stdout = child
        .stdout
        .take()
        .ok_or_else(|| HarnessError::Unexpected("the emulator has no stdout".into()))?;
    let mut line = String::new();
    let read = BufReader::new(stdout).read_line(&mut line);
    let base = line.trim().trim_end_matches('/').to_string();
    if read.is_err() || !base.starts_with("http://127.0.0.1:") {
        let _ = child.kill();
        let _ = child.wait();
        return Err(HarnessError::Unexpected(format!(
            "gmux-emulator printed {line:?} instead of its base URL"
        )));
    }
    Ok((child, base))
}

impl EmulatorProcess {
    /// The emulator with its three demo accounts, approving every consent.
    pub fn start_demo() -> Result<EmulatorProcess> {
        Self::start_with(vec!["--demo".into(), "--auto-consent".into()], None)
    }

    /// The emulator loaded with `seed` (emulator/SEED.md), approving every consent.
    pub fn start_seeded(seed: &Value) -> Result<EmulatorProcess> {
        let dir = tempfile::Builder::new()
            .prefix("gmux-e2e-seed-")
            .tempdir()
            .map_err(HarnessError::io("creating a seed folder"))?;
        let file = dir.path().join("seed.json");
        std::fs::write(&file, seed.to_string())
            .map_err(HarnessError::io(format!("writing {}", file.display())))?;
        Self::start_with(
            vec!["--auto-consent".into(), "--seed".into(), file.into()],
            Some(dir),
        )
    }

    fn start_with(
        args: Vec<std::ffi::OsString>,
        seed_dir: Option<tempfile::TempDir>,
    ) -> Result<EmulatorProcess> {
        let (child, base) = spawn_emulator("127.0.0.1:0", &args)?;
        Ok(EmulatorProcess {
            child,
            base,
            args,
            _seed_dir: seed_dir,
        })
    }

    pub fn base_url(&self) -> &str {
        &self.base
    }

    pub fn get(&self, path: &str) -> Result<Value> {
        let url = format!("{}{path}", self.base);
        ureq::get(&url)
            .call()
            .map_err(|e| HarnessError::Unexpected(format!("GET {url}: {e}")))?
            .into_json()
            .map_err(HarnessError::io(format!("reading GET {url}")))
    }

    pub fn post(&self, path: &str, body: Value) -> Result<Value> {
        let url = format!("{}{path}", self.base);
        ureq::post(&url)
            .send_json(body)
            .map_err(|e| HarnessError::Unexpected(format!("POST {url}: {e}")))?
            .into_json()
            .map_err(HarnessError::io(format!("reading POST {url}")))
    }

    /// The demo accounts' emails, in the emulator's order.
    pub fn account_emails(&self) -> Result<Vec<String>> {
        Ok(self.get("/_emulator/accounts")?["accounts"]
            .as_array()
            .map(|all| {
                all.iter()
                    .filter_map(|a| a["email"].as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default())
    }

    /// INBOX `threadsUnread` per account email.
    pub fn threads_unread(&self) -> Result<Vec<(String, u64)>> {
        Ok(self.get("/_emulator/accounts")?["accounts"]
            .as_array()
            .map(|all| {
                all.iter()
                    .map(|a| {
                        (
                            a["email"].as_str().unwrap_or_default().to_string(),
                            a["threadsUnread"].as_u64().unwrap_or(0),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default())
    }

    pub fn total_threads_unread(&self) -> Result<u64> {
        Ok(self.threads_unread()?.iter().map(|(_, n)| n).sum())
    }

    /// Every access and refresh token the emulator ever issued.
    pub fn issued_tokens(&self) -> Result<Vec<String>> {
        let issued = self.get("/_emulator/issued_tokens")?;
        Ok(["access_tokens", "refresh_tokens"]
            .iter()
            .flat_map(|kind| issued[*kind].as_array().cloned().unwrap_or_default())
            .filter_map(|t| t.as_str().map(str::to_string))
            .collect())
    }

    /// Stops the emulator (if it runs) and starts a new one with the same data on the same port, so the
    /// host's configured endpoints reach it again. Its state lives in memory only: the new one is a different
    /// Google (new message ids, none of the old tokens), as after a wipe.
    pub fn restart_on_same_port(&mut self) -> Result<()> {
        self.stop();
        let port = self.base.rsplit(':').next().unwrap_or("0").to_string();
        let until = Instant::now() + Duration::from_secs(10);
        loop {
            match spawn_emulator(&format!("127.0.0.1:{port}"), &self.args) {
                Ok((child, base)) if base == self.base => {
                    self.child = child;
                    return Ok(());
                }
                Ok((mut child, _)) => {
                    let _ = child.kill();
                    let _ = child.wait();
                }
                // The port may still be held for a moment by the old process's sockets.
                Err(_) => {}
            }
            if Instant::now() >= until {
                return Err(HarnessError::Unexpected(format!(
                    "gmux-emulator could not listen on {} again",
                    self.base
                )));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl EmulatorProcess {
    /// A keyring service name of the test's own (`GMUX_KEYRING_SERVICE`), unique to this emulator, browser and
    /// test process, so tests running at once never read each other's tokens.
    pub fn private_keyring(&self, test: &str, browser: &str) -> (String, String) {
        let port = self.base.rsplit(':').next().unwrap_or("0");
        (
            "GMUX_KEYRING_SERVICE".to_string(),
            format!("gmux-{test}-{browser}-{}-{port}", std::process::id()),
        )
    }
}

impl Drop for EmulatorProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The usual preparation of a test's gmux-host: configured for the emulator at `base`, then each of `emails`
/// added through the real consent flow.
pub fn configure_host_with_accounts(
    wrapper: &Path,
    base: &str,
    emails: &[impl AsRef<str>],
) -> Result<()> {
    configure_host_for_emulator(wrapper, base)?;
    for email in emails {
        add_account_through_consent(wrapper, email.as_ref())?;
    }
    Ok(())
}

/// Runs the test's gmux-host (`wrapper`) from the terminal: `configure --emulator BASE`.
pub fn configure_host_for_emulator(wrapper: &Path, base: &str) -> Result<()> {
    let output = Command::new(wrapper)
        .args(["configure", "--emulator", base])
        .output()
        .map_err(HarnessError::io("running gmux-host configure"))?;
    if !output.status.success() {
        return Err(HarnessError::HostInstall(format!(
            "gmux-host configure: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        )));
    }
    Ok(())
}

/// Runs the test's gmux-host (`wrapper`) from the terminal: `configure --client-secrets FILE` with a Desktop-app
/// client JSON shaped like Google's, written next to the wrapper. The host then says hello as configured (with
/// Google's endpoints, which nothing calls while no account is added).
pub fn configure_host_with_test_client(wrapper: &Path) -> Result<()> {
    let file = wrapper.with_file_name("client_secret_test.json");
    let client = json!({"installed": {
        "client_id": "gmux-e2e.apps.googleusercontent.com",
        "client_secret": "gmux-e2e-secret",
        "redirect_uris": ["http://localhost"],
    }});
    std::fs::write(&file, client.to_string())
        .map_err(HarnessError::io(format!("writing {}", file.display())))?;
    let output = Command::new(wrapper)
        .arg("configure")
        .arg("--client-secrets")
        .arg(&file)
        .output()
        .map_err(HarnessError::io("running gmux-host configure"))?;
    if !output.status.success() {
        return Err(HarnessError::HostInstall(format!(
            "gmux-host configure: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        )));
    }
    Ok(())
}

/// Adds an account through the real OAuth flow: `gmux-host accounts add --login-hint EMAIL` prints the consent
/// URL; GETting it makes the auto-consenting emulator redirect to the host's loopback listener, which finishes
/// the flow and stores the refresh token in the keyring.
pub fn add_account_through_consent(wrapper: &Path, email: &str) -> Result<()> {
    let mut child = Command::new(wrapper)
        .args(["accounts", "add", "--login-hint", email])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(HarnessError::io("running gmux-host accounts add"))?;
    let stdout = child
        .stdout
        .take()
        .ok_or_else(|| HarnessError::Unexpected("accounts add has no stdout".into()))?;
    let mut lines = BufReader::new(stdout).lines();
    let url = lines
        .by_ref()
        .map_while(std::result::Result::ok)
        .find(|l| l.trim_start().starts_with("http"))
        .map(|l| l.trim().to_string());
    let Some(url) = url else {
        let _ = child.kill();
        let mut stderr = String::new();
        if let Some(mut e) = child.stderr.take() {
            let _ = e.read_to_string(&mut stderr);
        }
        let _ = child.wait();
        return Err(HarnessError::HostInstall(format!(
            "accounts add printed no consent URL: {}",
            stderr.trim()
        )));
    };
    let consent = ureq::get(&url).call();
    let rest: Vec<String> = lines.map_while(std::result::Result::ok).collect();
    let status = child
        .wait()
        .map_err(HarnessError::io("waiting for gmux-host accounts add"))?;
    if let Err(e) = consent {
        return Err(HarnessError::Unexpected(format!(
            "consent for {email}: {e}"
        )));
    }
    if !status.success() {
        let mut stderr = String::new();
        if let Some(mut e) = child.stderr.take() {
            let _ = e.read_to_string(&mut stderr);
        }
        return Err(HarnessError::HostInstall(format!(
            "accounts add {email}: {status}: {} {}",
            rest.join(" "),
            stderr.trim()
        )));
    }
    Ok(())
}

/// Reads from and talks to the background through an open extension page.
impl ExtensionBrowser {
    /// [`ExtensionBrowser::launch`] with gmux-host configured with an OAuth client (and no accounts), as a user
    /// who has run `gmux-host configure` sees it.
    pub fn launch_configured(browser: Browser, setup: HostSetup) -> Result<ExtensionBrowser> {
        ExtensionBrowser::launch_prepared(browser, setup, &[], configure_host_with_test_client)
    }

    /// Opens an extension page to run scripts in (storage, messages, the badge are reachable from any of them).
    pub fn open_extension_page(&self, page: &str) -> Result<()> {
        self.session.navigate(&self.browser.extension_url(page))
    }

    /// Everything in `storage.<area>` (`local` or `session`), as one JSON value.
    pub fn storage(&self, area: &str) -> Result<Value> {
        self.session.execute(
            "const api = globalThis.browser ?? globalThis.chrome;
             return api.storage[arguments[0]].get(null);",
            &[json!(area)],
        )
    }

    /// Sends an intent (`{"type": ...}`) to the background and returns its answer.
    pub fn send_intent(&self, intent: Value) -> Result<Value> {
        self.session.execute(
            "const api = globalThis.browser ?? globalThis.chrome;
             return api.runtime.sendMessage(arguments[0]);",
            &[intent],
        )
    }

    /// Sends an intent and returns at once, without its answer: to watch storage while the background works.
    pub fn post_intent(&self, intent: Value) -> Result<()> {
        self.session
            .execute(
                "const api = globalThis.browser ?? globalThis.chrome;
                 api.runtime.sendMessage(arguments[0]).catch(() => {});
                 return true;",
                &[intent],
            )
            .map(drop)
    }

    /// The period of the background's alarm `name` in minutes, `None` without such an alarm.
    pub fn alarm_period(&self, name: &str) -> Result<Option<f64>> {
        let alarm = self.session.execute(
            "const api = globalThis.browser ?? globalThis.chrome;
             return api.alarms.get(arguments[0]).then((a) => a ? a.periodInMinutes : null);",
            &[json!(name)],
        )?;
        Ok(alarm.as_f64())
    }

    pub fn badge_text(&self) -> Result<String> {
        let text = self.session.execute(
            "const api = globalThis.browser ?? globalThis.chrome; return api.action.getBadgeText({});",
            &[],
        )?;
        Ok(text.as_str().unwrap_or_default().to_string())
    }

    /// Polls `storage.local` until `done` accepts it, and returns it.
    pub fn wait_for_storage(
        &self,
        what: &str,
        deadline: Duration,
        done: impl Fn(&Value) -> bool,
    ) -> Result<Value> {
        let until = Instant::now() + deadline;
        let mut last = Value::Null;
        while Instant::now() < until {
            if let Ok(value) = self.storage("local") {
                if done(&value) {
                    return Ok(value);
                }
                last = value;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let mut last = last.to_string();
        last.truncate(2000);
        Err(HarnessError::Timeout {
            what: what.to_string(),
            last,
        })
    }
}
