//! Harness for the fault-injection browser tests (tests/tests/it/faults.rs) and the secret-leak audit
//! (tests/tests/audit): the emulator's fault API, a probe that speaks the host protocol to a second gmux-host
//! with the browser's config and keyring, the host's keyring entries read, locked and unlocked over the Secret
//! Service, a loopback forwarder that takes "Google" off the network and back on the same port, the one checker
//! every fault ends with ([`check_invariants`]), and for the audit: every encoded form of every token searched
//! in a folder tree, the host's messages captured, the browser closed as a desktop closes it.

use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::browser::{Browser, ExtensionBrowser};
use crate::sync::EmulatorProcess;
use crate::{HarnessError, Result};

/// How long the store may take to settle after a sync on a loaded machine.
const SETTLE_DEADLINE: Duration = Duration::from_secs(30);

/// How long the probe host may take to answer one request (a token refresh included).
const PROBE_DEADLINE: Duration = Duration::from_secs(30);

/// The wrapper script that runs this browser's gmux-host with its private folders and keyring service (the
/// harness writes it into the scratch folder): running it is running the same host by hand.
pub fn host_wrapper(instance: &ExtensionBrowser) -> PathBuf {
    instance.scratch_dir().join("gmux-host-wrapper.sh")
}

/// Where the browser keeps its profile: Chromium's user-data-dir, or the folder under which geckodriver creates
/// Firefox's profile.
pub fn profile_dir(instance: &ExtensionBrowser) -> PathBuf {
    match instance.browser {
        Browser::Chromium => instance.scratch_dir().join("profile"),
        Browser::Firefox => instance.scratch_dir().join("firefox-profiles"),
    }
}

/// Points the host's token endpoint (only) at `base` + `/token`, by editing the config `gmux-host configure`
/// wrote next to the wrapper: with a [`Forwarder`] there, a test can make the token endpoint refuse connections
/// while Gmail stays up.
pub fn point_token_endpoint_at(wrapper: &Path, base: &str) -> Result<()> {
    let file = wrapper.with_file_name("host-config").join("config.json");
    let text = std::fs::read_to_string(&file)
        .map_err(HarnessError::io(format!("reading {}", file.display())))?;
    let mut config: Value = serde_json::from_str(&text)
        .map_err(|e| HarnessError::Unexpected(format!("{}: {e}", file.display())))?;
    if !config["endpoints"]["token"].is_string() {
        return Err(HarnessError::Unexpected(format!(
            "{} has no token endpoint: {config}",
            file.display()
        )));
    }
    config["endpoints"]["token"] = json!(format!("{}/token", base.trim_end_matches('/')));
    std::fs::write(&file, config.to_string())
        .map_err(HarnessError::io(format!("writing {}", file.display())))
}

/// Injects one fault or a list of them (`POST /_emulator/faults`, see emulator/CONTROL.md).
pub fn inject(emulator: &EmulatorProcess, faults: Value) -> Result<()> {
    emulator.post("/_emulator/faults", faults).map(drop)
}

/// Clears every fault (`DELETE /_emulator/faults`).
pub fn clear_faults(emulator: &EmulatorProcess) -> Result<()> {
    let url = format!("{}/_emulator/faults", emulator.base_url());
    ureq::delete(&url)
        .call()
        .map(drop)
        .map_err(|e| HarnessError::Unexpected(format!("DELETE {url}: {e}")))
}

/// How many times `method` was called for `account`, by the emulator's counters.
pub fn request_count(emulator: &EmulatorProcess, account: &str, method: &str) -> Result<u64> {
    let counters = emulator.get("/_emulator/counters")?;
    Ok(counters["accounts"][account]["requests"][method]
        .as_u64()
        .unwrap_or(0))
}

/// Encodes one native-messaging frame: a native-endian u32 length, then the JSON.
pub fn frame(message: &Value) -> Vec<u8> {
    let payload = message.to_string().into_bytes();
    let mut out = u32::try_from(payload.len())
        .unwrap_or(u32::MAX)
        .to_ne_bytes()
        .to_vec();
    out.extend_from_slice(&payload);
    out
}

/// Splits a byte stream the host wrote into its frames (a cut-off last frame is left out).
pub fn split_frames(bytes: &[u8]) -> Vec<Value> {
    let mut frames = Vec::new();
    let mut rest = bytes;
    while rest.len() >= 4 {
        let len = u32::from_ne_bytes([rest[0], rest[1], rest[2], rest[3]]) as usize;
        if rest.len() < 4 + len {
            break;
        }
        frames.push(serde_json::from_slice(&rest[4..4 + len]).unwrap_or(Value::Null));
        rest = &rest[4 + len..];
    }
    frames
}

/// A second gmux-host (`<wrapper> serve`) with the browser's config dir, state dir and keyring service: what a
/// user's other browser would start. The checker asks it, not the extension, whether each account's refresh
/// token still works, so a host that merely cached an access token cannot hide a lost refresh token.
pub struct HostProbe {
    child: Child,
    stdin: Option<ChildStdin>,
    frames: Receiver<Value>,
    next_id: u64,
}

impl HostProbe {
    pub fn start(wrapper: &Path) -> Result<HostProbe> {
        let mut child = Command::new(wrapper)
            .arg("serve")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(HarnessError::io(format!(
                "starting {} serve",
                wrapper.display()
            )))?;
        let stdin = child.stdin.take();
        let mut stdout = child
            .stdout
            .take()
            .ok_or_else(|| HarnessError::Unexpected("the probe host has no stdout".into()))?;
        let (sender, frames) = mpsc::channel();
        std::thread::spawn(move || loop {
            let mut len = [0u8; 4];
            if stdout.read_exact(&mut len).is_err() {
                return;
            }
            let mut body = vec![0u8; u32::from_ne_bytes(len) as usize];
            if stdout.read_exact(&mut body).is_err() {
                return;
            }
            let value = serde_json::from_slice(&body).unwrap_or(Value::Null);
            if sender.send(value).is_err() {
                return;
            }
        });
        Ok(HostProbe {
            child,
            stdin,
            frames,
            next_id: 0,
        })
    }

    /// Sends one request; `Ok(result)` or `Err(error body)` as the host answered it.
    pub fn request(
        &mut self,
        method: &str,
        params: Value,
    ) -> Result<std::result::Result<Value, Value>> {
        self.next_id += 1;
        let id = self.next_id;
        let stdin = self
            .stdin
            .as_mut()
            .ok_or_else(|| HarnessError::Unexpected("the probe host's stdin is closed".into()))?;
        stdin
            .write_all(&frame(
                &json!({"id": id, "method": method, "params": params}),
            ))
            .and_then(|()| stdin.flush())
            .map_err(HarnessError::io(format!(
                "sending {method} to the probe host"
            )))?;
        let until = Instant::now() + PROBE_DEADLINE;
        loop {
            let left = until.saturating_duration_since(Instant::now());
            let message = self
                .frames
                .recv_timeout(left)
                .map_err(|_| HarnessError::Timeout {
                    what: format!("the probe host to answer {method}"),
                    last: "no reply".into(),
                })?;
            // Events (accounts.added and the like) are not for the probe.
            if message["id"] != json!(id) {
                continue;
            }
            return Ok(match message.get("error") {
                Some(error) => Err(error.clone()),
                None => Ok(message["result"].clone()),
            });
        }
    }
}

impl Drop for HostProbe {
    fn drop(&mut self) {
        // End of input is the host's cue to finish and exit; a host that does not is killed.
        drop(self.stdin.take());
        let until = Instant::now() + Duration::from_secs(5);
        while Instant::now() < until {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct ForwarderState {
    stop: Option<Arc<AtomicBool>>,
    acceptor: Option<JoinHandle<()>>,
    connections: Arc<Mutex<Vec<TcpStream>>>,
}

/// A loopback TCP forwarder in front of the emulator, so a test can take "Google" off the network (connections
/// refused, open ones cut) and bring it back on the same port with the emulator's state intact: its mail,
/// history and issued tokens live in memory only, so stopping the emulator process itself would make a
/// different Google on restart. The host is configured with [`Forwarder::base_url`].
pub struct Forwarder {
    port: u16,
    target: SocketAddr,
    state: Mutex<ForwarderState>,
}

impl Forwarder {
    /// Listens on a free loopback port and forwards to the emulator at `emulator_base` (`http://127.0.0.1:P`).
    pub fn start(emulator_base: &str) -> Result<Forwarder> {
        let target: SocketAddr = emulator_base
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .parse()
            .map_err(|e| {
                HarnessError::Unexpected(format!("emulator address {emulator_base}: {e}"))
            })?;
        let listener =
            TcpListener::bind("127.0.0.1:0").map_err(HarnessError::io("binding the forwarder"))?;
        let port = listener
            .local_addr()
            .map_err(HarnessError::io("reading the forwarder's port"))?
            .port();
        let forwarder = Forwarder {
            port,
            target,
            state: Mutex::new(ForwarderState {
                stop: None,
                acceptor: None,
                connections: Arc::new(Mutex::new(Vec::new())),
            }),
        };
        forwarder.serve(listener);
        Ok(forwarder)
    }

    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, ForwarderState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn serve(&self, listener: TcpListener) {
        let stop = Arc::new(AtomicBool::new(false));
        let mut state = self.lock();
        let connections = state.connections.clone();
        let target = self.target;
        let stopped = stop.clone();
        let acceptor = std::thread::spawn(move || {
            for incoming in listener.incoming() {
                if stopped.load(Ordering::SeqCst) {
                    return;
                }
                let Ok(client) = incoming else { continue };
                let Ok(upstream) = TcpStream::connect(target) else {
                    continue;
                };
                let pairs = (client.try_clone(), upstream.try_clone());
                let (Ok(client_copy), Ok(upstream_copy)) = pairs else {
                    continue;
                };
                if let Ok(mut open) = connections.lock() {
                    open.extend(client.try_clone());
                    open.extend(upstream.try_clone());
                }
                pump(client, upstream_copy);
                pump(upstream, client_copy);
            }
        });
        state.stop = Some(stop);
        state.acceptor = Some(acceptor);
    }

    /// Takes the address off the network: new connections are refused and open ones are cut.
    pub fn down(&self) {
        let mut state = self.lock();
        if let Some(stop) = state.stop.take() {
            stop.store(true, Ordering::SeqCst);
            // Wakes the acceptor so it sees the flag and drops the listener.
            let _ = TcpStream::connect(("127.0.0.1", self.port));
        }
        if let Some(acceptor) = state.acceptor.take() {
            let _ = acceptor.join();
        }
        let connections = state.connections.clone();
        drop(state);
        let open: Vec<TcpStream> = match connections.lock() {
            Ok(mut open) => open.drain(..).collect(),
            Err(_) => Vec::new(),
        };
        for stream in open {
            let _ = stream.shutdown(Shutdown::Both);
        }
    }

    /// Listens on the same port again.
    pub fn up(&self) -> Result<()> {
        let until = Instant::now() + Duration::from_secs(10);
        let listener = loop {
            match TcpListener::bind(("127.0.0.1", self.port)) {
                Ok(listener) => break listener,
                // The old listener's port can take a moment to be free again.
                Err(_) if Instant::now() < until => std::thread::sleep(Duration::from_millis(50)),
                Err(e) => {
                    return Err(HarnessError::io(format!(
                        "binding port {} again",
                        self.port
                    ))(e))
                }
            }
        };
        self.serve(listener);
        Ok(())
    }
}

impl Drop for Forwarder {
    fn drop(&mut self) {
        self.down();
    }
}

/// Copies one direction of a connection until it ends, then closes the other side's writing half.
fn pump(mut from: TcpStream, mut to: TcpStream) {
    std::thread::spawn(move || {
        let _ = std::io::copy(&mut from, &mut to);
        let _ = to.shutdown(Shutdown::Write);
    });
}

/// What [`check_invariants`] found, for the test's log.
#[derive(Debug, Clone)]
pub struct Checked {
    /// `(email, inbox rows, unread)` of every account with a working refresh token.
    pub accounts: Vec<(String, usize, u64)>,
    pub badge: String,
}

/// The inbox thread ids of one account at the emulator, read with `access_token` (every page).
fn emulator_inbox_ids(emulator: &EmulatorProcess, access_token: &str) -> Result<Vec<String>> {
    let mut ids = Vec::new();
    let mut page: Option<String> = None;
    loop {
        let mut url = format!(
            "{}/gmail/v1/users/me/threads?labelIds=INBOX&maxResults=500",
            emulator.base_url()
        );
        if let Some(token) = &page {
            url.push_str(&format!("&pageToken={token}"));
        }
        let answer: Value = ureq::get(&url)
            .set("Authorization", &format!("Bearer {access_token}"))
            .call()
            .map_err(|e| HarnessError::Unexpected(format!("GET {url}: {e}")))?
            .into_json()
            .map_err(HarnessError::io(format!("reading GET {url}")))?;
        ids.extend(
            answer["threads"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|t| t["id"].as_str().map(str::to_string)),
        );
        match answer["nextPageToken"].as_str() {
            Some(next) => page = Some(next.to_string()),
            None => return Ok(ids),
        }
    }
}

/// The `GMUX_KEYRING_SERVICE` the host wrapper exports (`gmux` when it sets none).
pub fn keyring_service(wrapper: &Path) -> Result<String> {
    let script = std::fs::read_to_string(wrapper)
        .map_err(HarnessError::io(format!("reading {}", wrapper.display())))?;
    Ok(script
        .lines()
        .find_map(|l| l.strip_prefix("export GMUX_KEYRING_SERVICE="))
        .map(|v| v.trim_matches('\'').replace(r"'\''", "'"))
        .unwrap_or_else(|| "gmux".to_string()))
}

/// One account's entry in the Secret Service, as gmux-host wrote it.
#[derive(Debug, Clone)]
pub struct KeyringGrant {
    /// The attribute naming the account (its `sub`).
    pub account: String,
    pub refresh_token: String,
    pub access_token: Option<String>,
}

/// The session bus and a plain (unencrypted) Secret Service session on it, as libsecret opens one: secrets
/// travel as bytes, which is fine on the test's own throwaway bus.
fn plain_secret_session() -> Result<(zbus::blocking::Connection, zbus::zvariant::OwnedObjectPath)> {
    use zbus::zvariant::{OwnedObjectPath, OwnedValue, Value as DbusValue};
    let bus = zbus::blocking::Connection::session().map_err(dbus_error("the session bus"))?;
    let opened = bus
        .call_method(
            Some(SECRETS),
            SECRETS_PATH,
            Some("org.freedesktop.Secret.Service"),
            "OpenSession",
            &("plain", DbusValue::from("")),
        )
        .map_err(dbus_error("opening a Secret Service session"))?;
    let (_, session): (OwnedValue, OwnedObjectPath) = opened
        .body()
        .deserialize()
        .map_err(dbus_error("reading the session"))?;
    Ok((bus, session))
}

/// Every gmux-host keyring entry of `service` in the session's Secret Service (the test's throwaway keyring),
/// read over D-Bus the way libsecret does: a plain session, a search by attributes, each item's secret.
pub fn keyring_grants(service: &str) -> Result<Vec<KeyringGrant>> {
    use std::collections::HashMap;
    use zbus::zvariant::{OwnedObjectPath, OwnedValue};
    let (bus, session) = plain_secret_session()?;
    let attributes: HashMap<&str, &str> = HashMap::from([("service", service)]);
    let found = bus
        .call_method(
            Some(SECRETS),
            SECRETS_PATH,
            Some("org.freedesktop.Secret.Service"),
            "SearchItems",
            &(attributes,),
        )
        .map_err(dbus_error("reading the keyring"))?;
    let (unlocked, locked): (Vec<OwnedObjectPath>, Vec<OwnedObjectPath>) = found
        .body()
        .deserialize()
        .map_err(dbus_error("reading the search"))?;
    if !locked.is_empty() {
        return Err(HarnessError::Unexpected(format!(
            "{} keyring item(s) of {service} are locked",
            locked.len()
        )));
    }
    let mut grants = Vec::new();
    for item in unlocked {
        let reply = bus
            .call_method(
                Some(SECRETS),
                item.as_str(),
                Some("org.freedesktop.DBus.Properties"),
                "Get",
                &("org.freedesktop.Secret.Item", "Attributes"),
            )
            .map_err(dbus_error("reading the keyring"))?;
        let value: OwnedValue = reply
            .body()
            .deserialize()
            .map_err(dbus_error("reading an item's attributes"))?;
        let attributes = HashMap::<String, String>::try_from(value)
            .map_err(|e| HarnessError::Unexpected(format!("attributes: {e}")))?;
        let reply = bus
            .call_method(
                Some(SECRETS),
                item.as_str(),
                Some("org.freedesktop.Secret.Item"),
                "GetSecret",
                &(&session,),
            )
            .map_err(dbus_error("reading the keyring"))?;
        let (_, _, secret, _): (OwnedObjectPath, Vec<u8>, Vec<u8>, String) = reply
            .body()
            .deserialize()
            .map_err(dbus_error("reading an item's secret"))?;
        if let Some(grant) = grant_from(&attributes, &secret) {
            grants.push(grant);
        }
    }
    Ok(grants)
}

/// One keyring item as gmux-host writes it: the account's `sub` as the user attribute, a JSON grant as the secret.
fn grant_from(
    attributes: &std::collections::HashMap<String, String>,
    secret: &[u8],
) -> Option<KeyringGrant> {
    let account = ["username", "user", "account"]
        .iter()
        .find_map(|name| attributes.get(*name))?
        .clone();
    let secret: Value = serde_json::from_slice(secret).ok()?;
    Some(KeyringGrant {
        account,
        refresh_token: secret["refresh_token"].as_str()?.to_string(),
        access_token: secret["access_token"].as_str().map(str::to_string),
    })
}

/// Uses `refresh_token` at the emulator's token endpoint with the emulator's OAuth client, as gmux-host would,
/// and returns the access token it answers: proof that the grant is alive, without touching the host's state.
pub fn refresh_at_emulator(emulator: &EmulatorProcess, refresh_token: &str) -> Result<String> {
    let client = emulator.get("/_emulator/client_secret.json")?;
    let installed = &client["installed"];
    let url = format!("{}/token", emulator.base_url());
    let answer: Value = ureq::post(&url)
        .send_form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
            (
                "client_id",
                installed["client_id"].as_str().unwrap_or_default(),
            ),
            (
                "client_secret",
                installed["client_secret"].as_str().unwrap_or_default(),
            ),
        ])
        .map_err(|e| HarnessError::Unexpected(format!("POST {url}: {e}")))?
        .into_json()
        .map_err(HarnessError::io(format!("reading POST {url}")))?;
    answer["access_token"]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| HarnessError::Unexpected(format!("the token endpoint answered {answer}")))
}

/// What one account should look like in the store: its emulator inbox and unread count.
struct Expected {
    id: String,
    email: String,
    thread_ids: Vec<String>,
    unread: u64,
}

/// The store's rows and health for one account, compared with what the emulator holds. `None` when they agree.
fn store_disagrees(local: &Value, expected: &Expected) -> Option<String> {
    let accounts = local["inbox"]["accounts"].as_array()?;
    let Some(inbox) = accounts
        .iter()
        .find(|a| a["account"]["id"] == expected.id.as_str())
    else {
        return Some(format!("{} is not in the store", expected.email));
    };
    if inbox["account"]["health"] != "ok" {
        return Some(format!(
            "{} is {}",
            expected.email, inbox["account"]["health"]
        ));
    }
    let rows: Vec<String> = inbox["threads"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|t| t["thread_id"].as_str().map(str::to_string))
        .collect();
    let distinct: BTreeSet<&String> = rows.iter().collect();
    if distinct.len() != rows.len() {
        return Some(format!("{} has duplicated rows: {rows:?}", expected.email));
    }
    let want: BTreeSet<&String> = expected.thread_ids.iter().collect();
    if distinct != want {
        let lost: Vec<&&String> = want.difference(&distinct).collect();
        let extra: Vec<&&String> = distinct.difference(&want).collect();
        return Some(format!(
            "{} rows differ: missing {lost:?}, not in Gmail {extra:?}",
            expected.email
        ));
    }
    let unread = inbox["account"]["counts"]["threads_unread"].as_u64();
    if unread != Some(expected.unread) {
        return Some(format!(
            "{} shows {unread:?} unread, Gmail says {}",
            expected.email, expected.unread
        ));
    }
    None
}

/// The invariants after every fault, once it is cleared and a sync has run:
/// - every account the host lists (asked through a second gmux-host with the same config) is `ok` and its
///   refresh token, read from the keyring, still refreshes at the emulator (the refresh is made here, so the
///   host's own token state is untouched); except the accounts in `reauth`, which must be marked
///   `reauth_required` by the host and in the store (a real refusal, by design);
/// - the store holds exactly the host's accounts, and each working account's rows are the emulator's inbox
///   threads (same ids, none twice) with the emulator's `threadsUnread`;
/// - the badge shows the total unread (or `!` while an account needs reconnecting).
pub fn check_invariants(
    instance: &ExtensionBrowser,
    emulator: &EmulatorProcess,
    reauth: &[&str],
) -> Result<Checked> {
    let mut probe = HostProbe::start(&host_wrapper(instance))?;
    let listed = probe
        .request("accounts.list", json!({}))?
        .map_err(|e| HarnessError::Unexpected(format!("accounts.list: {e}")))?;
    let accounts = listed["accounts"].as_array().cloned().unwrap_or_default();
    if accounts.is_empty() {
        return Err(HarnessError::Unexpected(
            "the host lists no accounts".into(),
        ));
    }
    let unread_by_email = emulator.threads_unread()?;
    let grants = keyring_grants(&keyring_service(&host_wrapper(instance))?)?;
    let mut expected = Vec::new();
    let mut reauth_ids = Vec::new();
    for account in &accounts {
        let id = account["id"].as_str().unwrap_or_default().to_string();
        let email = account["email"].as_str().unwrap_or_default().to_string();
        if reauth.contains(&email.as_str()) {
            if account["status"] != "reauth_required" {
                return Err(HarnessError::Unexpected(format!(
                    "{email} should need reconnecting at the host: {account}"
                )));
            }
            reauth_ids.push(id);
            continue;
        }
        if account["status"] != "ok" {
            return Err(HarnessError::Unexpected(format!(
                "the host lost {email}'s refresh token: {account}"
            )));
        }
        let Some(refresh) = grants
            .iter()
            .find(|g| g.account == id)
            .map(|g| g.refresh_token.clone())
        else {
            return Err(HarnessError::Unexpected(format!(
                "{email}'s refresh token is gone from the keyring"
            )));
        };
        let access = refresh_at_emulator(emulator, &refresh).map_err(|e| {
            HarnessError::Unexpected(format!("{email}'s refresh token no longer works: {e}"))
        })?;
        let thread_ids = emulator_inbox_ids(emulator, &access)?;
        let unread = unread_by_email
            .iter()
            .find(|(e, _)| *e == email)
            .map(|(_, n)| *n)
            .unwrap_or(0);
        expected.push(Expected {
            id,
            email,
            thread_ids,
            unread,
        });
    }
    drop(probe);

    let host_ids: BTreeSet<String> = accounts
        .iter()
        .filter_map(|a| a["id"].as_str().map(str::to_string))
        .collect();
    let settled = instance.wait_for_storage(
        "the store to match the emulator",
        SETTLE_DEADLINE,
        |local| {
            let store_ids: BTreeSet<String> = local["inbox"]["accounts"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|a| a["account"]["id"].as_str().map(str::to_string))
                .collect();
            store_ids == host_ids
                && local["status"]["syncing"] == false
                && expected.iter().all(|e| store_disagrees(local, e).is_none())
                && reauth_ids.iter().all(|id| {
                    local["inbox"]["accounts"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .any(|a| {
                            a["account"]["id"] == id.as_str()
                                && a["account"]["health"] == "reauth_required"
                        })
                })
        },
    );
    if let Err(timeout) = settled {
        let now = instance.storage("local").unwrap_or(Value::Null);
        let why: Vec<String> = expected
            .iter()
            .filter_map(|e| store_disagrees(&now, e))
            .collect();
        return Err(HarnessError::Unexpected(format!(
            "{timeout}; disagreements: {why:?}"
        )));
    }
    let total: u64 = expected.iter().map(|e| e.unread).sum();
    let badge = if reauth_ids.is_empty() {
        total.to_string()
    } else {
        "!".to_string()
    };
    instance.wait_for_badge(if total == 0 && reauth_ids.is_empty() {
        ""
    } else {
        &badge
    })?;
    Ok(Checked {
        accounts: expected
            .iter()
            .map(|e| (e.email.clone(), e.thread_ids.len(), e.unread))
            .collect(),
        badge,
    })
}

/// The tokens the emulator ever issued (`GET /_emulator/issued_tokens`): `(refresh, access)`.
pub fn issued_tokens(emulator: &EmulatorProcess) -> Result<(Vec<String>, Vec<String>)> {
    let issued = emulator.get("/_emulator/issued_tokens")?;
    let list = |kind: &str| -> Vec<String> {
        issued[kind]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|t| t.as_str().map(str::to_string))
            .collect()
    };
    Ok((list("refresh_tokens"), list("access_tokens")))
}

/// Every form a token could be written in: as is, percent-encoded (a form body or a URL), base64 (standard,
/// unpadded, URL-safe) and UTF-16LE (how Chromium's Local Storage keeps strings).
pub fn token_forms(token: &str) -> Vec<Vec<u8>> {
    use base64::Engine as _;
    let engines = [
        base64::engine::general_purpose::STANDARD,
        base64::engine::general_purpose::STANDARD_NO_PAD,
        base64::engine::general_purpose::URL_SAFE_NO_PAD,
    ];
    let percent: String = token
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect();
    let mut forms = vec![token.as_bytes().to_vec(), percent.into_bytes()];
    forms.extend(engines.iter().map(|e| e.encode(token).into_bytes()));
    forms.push(token.encode_utf16().flat_map(u16::to_le_bytes).collect());
    forms.sort();
    forms.dedup();
    forms
}

/// Finds any of a set of tokens, in any of [`token_forms`], in one pass over some bytes.
pub struct TokenSearch {
    matcher: aho_corasick::AhoCorasick,
    patterns: Vec<Vec<u8>>,
    /// The token each pattern is a form of.
    owners: Vec<usize>,
    tokens: Vec<String>,
}

impl TokenSearch {
    pub fn new(tokens: &[String]) -> Result<TokenSearch> {
        let mut patterns = Vec::new();
        let mut owners = Vec::new();
        for (i, token) in tokens.iter().enumerate() {
            for form in token_forms(token) {
                patterns.push(form);
                owners.push(i);
            }
        }
        let matcher = aho_corasick::AhoCorasick::new(&patterns)
            .map_err(|e| HarnessError::Unexpected(format!("token search: {e}")))?;
        Ok(TokenSearch {
            matcher,
            patterns,
            owners,
            tokens: tokens.to_vec(),
        })
    }

    /// The tokens found in `bytes`, each once.
    pub fn find(&self, bytes: &[u8]) -> Vec<String> {
        let mut found: BTreeSet<usize> = BTreeSet::new();
        for m in self.matcher.find_overlapping_iter(bytes) {
            found.insert(self.owners[m.pattern().as_usize()]);
        }
        found.into_iter().map(|i| self.tokens[i].clone()).collect()
    }
}

/// What a search of a folder covered and found.
#[derive(Debug, Default)]
pub struct Searched {
    pub files: usize,
    pub bytes: u64,
    /// Every file searched, with its size.
    pub sizes: Vec<(PathBuf, u64)>,
    /// `(file, token)` for every hit.
    pub hits: Vec<(PathBuf, String)>,
}

impl Searched {
    /// `(files, bytes)` of the searched files under `folder`.
    pub fn under(&self, folder: &Path) -> (usize, u64) {
        self.sizes
            .iter()
            .filter(|(path, _)| path.starts_with(folder))
            .fold((0, 0), |(files, bytes), (_, size)| {
                (files + 1, bytes + size)
            })
    }
}

/// Searches every regular file under `root` (symbolic links are not followed), except those under `skip`.
/// GNU grep reads the files (a debug build of the matcher manages about 1 MB/s, grep hundreds); the files it
/// names are read again here to say which tokens they hold.
pub fn search_tree(root: &Path, skip: &[&Path], search: &TokenSearch) -> Result<Searched> {
    let mut searched = Searched::default();
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if skip.iter().any(|s| path.starts_with(s)) {
                continue;
            }
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            if kind.is_dir() {
                pending.push(path);
            } else if kind.is_file() {
                let size = entry.metadata().map(|m| m.len()).unwrap_or(0);
                searched.files += 1;
                searched.bytes += size;
                searched.sizes.push((path, size));
            }
        }
    }
    if searched.files == 0 {
        return Ok(searched);
    }
    // One pattern a line; the forms are printable ASCII or UTF-16LE of it, so none holds a newline.
    let patterns = tempfile::NamedTempFile::new().map_err(HarnessError::io("a pattern file"))?;
    let mut joined = Vec::new();
    for pattern in &search.patterns {
        joined.extend_from_slice(pattern);
        joined.push(b'\n');
    }
    std::fs::write(patterns.path(), &joined)
        .map_err(HarnessError::io("writing the pattern file"))?;
    let output = Command::new("grep")
        .args(["-r", "-a", "-l", "-F", "-s", "-f"])
        .arg(patterns.path())
        .arg(root)
        .output()
        .map_err(|_| HarnessError::ToolMissing { what: "grep" })?;
    match output.status.code() {
        Some(0 | 1) => {}
        _ => {
            return Err(HarnessError::Unexpected(format!(
                "grep over {} failed: {}",
                root.display(),
                output.status
            )))
        }
    }
    for line in String::from_utf8_lossy(&output.stdout).lines() {
        let path = PathBuf::from(line);
        if skip.iter().any(|s| path.starts_with(s)) {
            continue;
        }
        let bytes = std::fs::read(&path).map_err(HarnessError::io(format!("reading {line}")))?;
        for token in search.find(&bytes) {
            searched.hits.push((path.clone(), token));
        }
    }
    Ok(searched)
}

/// Rewrites the host wrapper so every byte gmux-host writes to the browser is also kept in
/// `<capture_dir>/host-out-<pid>.bin` (test only: the product never keeps its messages). Call it after the
/// terminal commands (configure, accounts add) ran, so the capture holds protocol frames only.
pub fn capture_host_messages(wrapper: &Path, capture_dir: &Path) -> Result<()> {
    std::fs::create_dir_all(capture_dir).map_err(HarnessError::io(format!(
        "creating {}",
        capture_dir.display()
    )))?;
    let script = std::fs::read_to_string(wrapper)
        .map_err(HarnessError::io(format!("reading {}", wrapper.display())))?;
    let Some(at) = script.rfind("exec ") else {
        return Err(HarnessError::Unexpected(format!(
            "no exec line in {}",
            wrapper.display()
        )));
    };
    let (head, exec) = script.split_at(at);
    let run = exec.trim_start_matches("exec ").trim_end();
    let target = format!(
        "'{}'/host-out-$$.bin",
        capture_dir.to_string_lossy().replace('\'', r"'\''")
    );
    let rewritten = format!("{head}{run} | tee {target}\n");
    std::fs::write(wrapper, rewritten)
        .map_err(HarnessError::io(format!("writing {}", wrapper.display())))
}

/// The browser's own processes (not its driver, not gmux-host), found by the scratch folder on their command
/// line (Linux: reads /proc). Each is `(pid, is the main process)`.
fn browser_processes(instance: &ExtensionBrowser) -> Vec<(u32, bool)> {
    let scratch = instance.scratch_dir().to_string_lossy().into_owned();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter_map(|pid| {
            let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).ok()?;
            // Chromium rewrites its helpers' command lines into one space-separated string: read it as text.
            let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
            let program = cmdline
                .split_whitespace()
                .next()?
                .rsplit('/')
                .next()?
                .to_string();
            let is_browser = (program.starts_with("chrom") && program != "chromedriver")
                || program.starts_with("firefox");
            if !is_browser || !cmdline.contains(&scratch) {
                return None;
            }
            let child = cmdline.contains("--type=") || cmdline.contains("-contentproc");
            Some((pid, !child))
        })
        .collect()
}

/// Closes the browser as a desktop session does at log-out (SIGTERM to its main process, which then writes
/// out its profile and ends its helpers), and waits until every browser process is gone. The profile stays on
/// disk to be searched; the WebDriver session is dead afterwards.
pub fn close_browser(instance: &ExtensionBrowser) -> Result<()> {
    let main: Vec<u32> = browser_processes(instance)
        .into_iter()
        .filter(|(_, main)| *main)
        .map(|(pid, _)| pid)
        .collect();
    if main.is_empty() {
        return Err(HarnessError::Unexpected(
            "no browser process to close".into(),
        ));
    }
    for pid in &main {
        Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status()
            .map_err(HarnessError::io(format!("stopping browser {pid}")))?;
    }
    let until = Instant::now() + Duration::from_secs(30);
    loop {
        let left = browser_processes(instance);
        if left.is_empty() {
            return Ok(());
        }
        if Instant::now() >= until {
            return Err(HarnessError::Timeout {
                what: "the browser to exit".into(),
                last: format!("{left:?}"),
            });
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The password tests/with-secret-service.sh gives the throwaway login keyring.
const TEST_KEYRING_PASSWORD: &str = "gmux-test-password";

const SECRETS: &str = "org.freedesktop.secrets";
const SECRETS_PATH: &str = "/org/freedesktop/secrets";
const LOGIN_COLLECTION: &str = "/org/freedesktop/secrets/collection/login";

fn dbus_error(what: &str) -> impl FnOnce(zbus::Error) -> HarnessError + '_ {
    move |e| HarnessError::Unexpected(format!("{what}: {e}"))
}

/// Locks the login collection of the session's Secret Service, as a screen lock or `secret-tool lock` does.
/// Only for tests run under tests/with-secret-service.sh: it is that script's throwaway keyring.
pub fn lock_keyring() -> Result<()> {
    let bus = zbus::blocking::Connection::session().map_err(dbus_error("the session bus"))?;
    let collection = zbus::zvariant::ObjectPath::try_from(LOGIN_COLLECTION)
        .map_err(|e| HarnessError::Unexpected(e.to_string()))?;
    bus.call_method(
        Some(SECRETS),
        SECRETS_PATH,
        Some("org.freedesktop.Secret.Service"),
        "Lock",
        &(vec![collection],),
    )
    .map_err(dbus_error("locking the keyring"))?;
    if !keyring_locked()? {
        return Err(HarnessError::Unexpected("the keyring did not lock".into()));
    }
    Ok(())
}

/// Whether the login collection is locked.
pub fn keyring_locked() -> Result<bool> {
    let bus = zbus::blocking::Connection::session().map_err(dbus_error("the session bus"))?;
    let reply = bus
        .call_method(
            Some(SECRETS),
            LOGIN_COLLECTION,
            Some("org.freedesktop.DBus.Properties"),
            "Get",
            &("org.freedesktop.Secret.Collection", "Locked"),
        )
        .map_err(dbus_error("reading the keyring's state"))?;
    let value: zbus::zvariant::OwnedValue = reply
        .body()
        .deserialize()
        .map_err(dbus_error("reading the keyring's state"))?;
    bool::try_from(value).map_err(|e| HarnessError::Unexpected(format!("Locked: {e}")))
}

/// Unlocks the login collection with its password, as logging in does. gnome-keyring would otherwise show a
/// password prompt, which has no display here; its own unlock-with-password call takes the password through a
/// plain Secret Service session instead.
pub fn unlock_keyring() -> Result<()> {
    use zbus::zvariant::ObjectPath;
    let (bus, session) = plain_secret_session()?;
    let collection = ObjectPath::try_from(LOGIN_COLLECTION)
        .map_err(|e| HarnessError::Unexpected(e.to_string()))?;
    let secret = (
        session,
        Vec::<u8>::new(),
        TEST_KEYRING_PASSWORD.as_bytes().to_vec(),
        "text/plain",
    );
    bus.call_method(
        Some(SECRETS),
        SECRETS_PATH,
        Some("org.gnome.keyring.InternalUnsupportedGuiltRiddenInterface"),
        "UnlockWithMasterPassword",
        &(collection, secret),
    )
    .map_err(dbus_error("unlocking the keyring"))?;
    if keyring_locked()? {
        return Err(HarnessError::Unexpected(
            "the keyring is still locked".into(),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_round_trip_and_a_cut_frame_is_left_out() {
        let mut bytes = frame(&json!({"id": 1}));
        bytes.extend(frame(&json!({"id": 2, "result": "x"})));
        let cut = frame(&json!({"id": 3}));
        bytes.extend_from_slice(&cut[..cut.len() - 1]);
        assert_eq!(
            split_frames(&bytes),
            [json!({"id": 1}), json!({"id": 2, "result": "x"})]
        );
    }

    #[test]
    fn a_keyring_item_is_read_as_the_hosts_grant() {
        let attributes = std::collections::HashMap::from([
            ("service".to_string(), "s".to_string()),
            ("username".to_string(), "123".to_string()),
        ]);
        let grant = grant_from(
            &attributes,
            br#"{"refresh_token":"1//0a","access_token":"ya29.a"}"#,
        )
        .unwrap();
        assert_eq!(
            (
                grant.account.as_str(),
                grant.refresh_token.as_str(),
                grant.access_token.as_deref()
            ),
            ("123", "1//0a", Some("ya29.a"))
        );
        assert!(grant_from(&attributes, b"not json").is_none());
        assert!(grant_from(
            &std::collections::HashMap::new(),
            br#"{"refresh_token":"x"}"#
        )
        .is_none());
    }

    #[test]
    fn a_token_is_found_in_every_form_it_can_be_written_in() {
        use base64::Engine as _;
        let tokens = vec!["1//0abc-DEF_ghi".to_string(), "ya29.a0xyz".to_string()];
        let search = TokenSearch::new(&tokens).unwrap();
        let cases: Vec<(Vec<u8>, Vec<&str>)> = vec![
            (
                b"prefix 1//0abc-DEF_ghi suffix".to_vec(),
                vec!["1//0abc-DEF_ghi"],
            ),
            (
                b"refresh_token=1%2F%2F0abc-DEF_ghi&x".to_vec(),
                vec!["1//0abc-DEF_ghi"],
            ),
            (
                base64::engine::general_purpose::URL_SAFE_NO_PAD
                    .encode("ya29.a0xyz")
                    .into_bytes(),
                vec!["ya29.a0xyz"],
            ),
            (
                "ya29.a0xyz"
                    .encode_utf16()
                    .flat_map(u16::to_le_bytes)
                    .collect(),
                vec!["ya29.a0xyz"],
            ),
            (b"1//0abc-DEF_gh ya29.a0xy".to_vec(), vec![]),
        ];
        for (bytes, want) in cases {
            assert_eq!(
                search.find(&bytes),
                want,
                "{}",
                String::from_utf8_lossy(&bytes)
            );
        }
    }

    #[test]
    fn the_tree_search_names_the_file_and_the_token_and_counts_what_it_read() {
        let dir = tempfile::tempdir().unwrap();
        let tokens = vec!["1//0abc-DEF_ghi".to_string(), "ya29.a0xyz".to_string()];
        let search = TokenSearch::new(&tokens).unwrap();
        std::fs::create_dir_all(dir.path().join("deep/er")).unwrap();
        let leaky = dir.path().join("deep/er/leveldb.log");
        let utf16: Vec<u8> = "ya29.a0xyz"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        std::fs::write(
            &leaky,
            [b"\x00\x01junk".as_slice(), &utf16, b"more"].concat(),
        )
        .unwrap();
        std::fs::write(dir.path().join("clean"), b"1//0abc-DEF_gh only a prefix").unwrap();
        let skipped = dir.path().join("skipped");
        std::fs::create_dir_all(&skipped).unwrap();
        std::fs::write(skipped.join("f"), b"1//0abc-DEF_ghi").unwrap();
        let found = search_tree(dir.path(), &[&skipped], &search).unwrap();
        assert_eq!(found.files, 2);
        assert_eq!(found.hits, [(leaky, "ya29.a0xyz".to_string())]);
        assert_eq!(found.under(&dir.path().join("deep")).0, 1);
    }

    #[test]
    fn the_capture_wrapper_still_runs_the_host_and_keeps_what_it_wrote() {
        let dir = tempfile::tempdir().unwrap();
        let wrapper = dir.path().join("w.sh");
        std::fs::write(
            &wrapper,
            "#!/bin/sh\nexport A='1'\nexec '/bin/echo' \"$@\"\n",
        )
        .unwrap();
        let capture = dir.path().join("it's captured");
        capture_host_messages(&wrapper, &capture).unwrap();
        let out = Command::new("sh")
            .arg(&wrapper)
            .arg("hello")
            .output()
            .unwrap();
        assert_eq!(out.stdout, b"hello\n");
        let kept: Vec<Vec<u8>> = std::fs::read_dir(&capture)
            .unwrap()
            .map(|e| std::fs::read(e.unwrap().path()).unwrap())
            .collect();
        assert_eq!(kept, [b"hello\n".to_vec()]);
    }

    #[test]
    fn the_store_check_names_lost_duplicated_and_miscounted_rows() {
        let expected = Expected {
            id: "1".into(),
            email: "a@x".into(),
            thread_ids: vec!["t1".into(), "t2".into()],
            unread: 1,
        };
        let store = |rows: &[&str], unread: u64, health: &str| {
            let threads: Vec<Value> = rows.iter().map(|r| json!({"thread_id": r})).collect();
            json!({"inbox": {"accounts": [{"account": {"id": "1", "health": health,
                "counts": {"threads_unread": unread}}, "threads": threads}]}})
        };
        assert_eq!(
            store_disagrees(&store(&["t2", "t1"], 1, "ok"), &expected),
            None
        );
        for (local, says) in [
            (store(&["t1"], 1, "ok"), "missing"),
            (store(&["t1", "t2", "t2"], 1, "ok"), "duplicated"),
            (store(&["t1", "t2"], 2, "ok"), "unread"),
            (store(&["t1", "t2"], 1, "failing"), "failing"),
        ] {
            let why = store_disagrees(&local, &expected).unwrap();
            assert!(why.contains(says), "{why}");
        }
    }

    #[test]
    fn the_forwarder_refuses_while_down_and_forwards_on_the_same_port_after() {
        let upstream = TcpListener::bind("127.0.0.1:0").unwrap();
        let address = upstream.local_addr().unwrap();
        std::thread::spawn(move || {
            for stream in upstream.incoming() {
                let mut stream = stream.unwrap();
                let _ = stream.write_all(b"hi");
            }
        });
        let forwarder = Forwarder::start(&format!("http://{address}")).unwrap();
        let port = forwarder
            .base_url()
            .rsplit(':')
            .next()
            .unwrap()
            .parse::<u16>()
            .unwrap();
        let read = || {
            let mut s = TcpStream::connect(("127.0.0.1", port))?;
            let mut buf = [0u8; 2];
            s.read_exact(&mut buf)?;
            Ok::<_, std::io::Error>(buf)
        };
        assert_eq!(&read().unwrap(), b"hi");
        forwarder.down();
        assert!(read().is_err());
        forwarder.up().unwrap();
        assert_eq!(&read().unwrap(), b"hi");
    }
}
