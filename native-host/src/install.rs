//! Host manifests for every supported browser: where each browser looks for them on Linux, macOS and Windows
//! (per user, and on Linux for every user), what they must say, and which sandboxed browsers cannot start
//! gmux-host at all. The location logic is pure so every OS's table is unit-tested on any OS.

use gmux_core::ids::{self, chrome_origin_of, IdKind, HOST_NAME};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Browser {
    Chrome,
    Chromium,
    Edge,
    Brave,
    Vivaldi,
    Firefox,
    Librewolf,
}

pub const ALL_BROWSERS: [Browser; 7] = [
    Browser::Chrome,
    Browser::Chromium,
    Browser::Edge,
    Browser::Brave,
    Browser::Vivaldi,
    Browser::Firefox,
    Browser::Librewolf,
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Os {
    Linux,
    MacOs,
    Windows,
}

impl Os {
    pub fn current() -> Os {
        if cfg!(target_os = "macos") {
            Os::MacOs
        } else if cfg!(target_os = "windows") {
            Os::Windows
        } else {
            Os::Linux
        }
    }
}

impl Browser {
    pub fn is_firefox_family(self) -> bool {
        matches!(self, Browser::Firefox | Browser::Librewolf)
    }

    pub fn name(self) -> &'static str {
        match self {
            Browser::Chrome => "chrome",
            Browser::Chromium => "chromium",
            Browser::Edge => "edge",
            Browser::Brave => "brave",
            Browser::Vivaldi => "vivaldi",
            Browser::Firefox => "firefox",
            Browser::Librewolf => "librewolf",
        }
    }

    /// The browser's own folder (below home, or below the Windows registry `Software` key): if it exists the
    /// browser is installed for this user.
    fn vendor_parts(self, os: Os) -> &'static [&'static str] {
        match (os, self) {
            (Os::Linux, Browser::Chrome) => &[".config", "google-chrome"],
            (Os::Linux, Browser::Chromium) => &[".config", "chromium"],
            (Os::Linux, Browser::Edge) => &[".config", "microsoft-edge"],
            (Os::Linux, Browser::Brave) => &[".config", "BraveSoftware", "Brave-Browser"],
            (Os::Linux, Browser::Vivaldi) => &[".config", "vivaldi"],
            (Os::Linux, Browser::Firefox) => &[".mozilla"],
            (Os::Linux, Browser::Librewolf) => &[".librewolf"],
            (Os::MacOs, Browser::Chrome) => &["Library", "Application Support", "Google", "Chrome"],
            (Os::MacOs, Browser::Chromium) => &["Library", "Application Support", "Chromium"],
            (Os::MacOs, Browser::Edge) => &["Library", "Application Support", "Microsoft Edge"],
            (Os::MacOs, Browser::Brave) => &[
                "Library",
                "Application Support",
                "BraveSoftware",
                "Brave-Browser",
            ],
            (Os::MacOs, Browser::Vivaldi) => &["Library", "Application Support", "Vivaldi"],
            (Os::MacOs, Browser::Firefox) => &["Library", "Application Support", "Mozilla"],
            (Os::MacOs, Browser::Librewolf) => &["Library", "Application Support", "LibreWolf"],
            (Os::Windows, Browser::Chrome) => &["Google", "Chrome"],
            (Os::Windows, Browser::Chromium) => &["Chromium"],
            (Os::Windows, Browser::Edge) => &["Microsoft", "Edge"],
            (Os::Windows, Browser::Brave) => &["BraveSoftware", "Brave-Browser"],
            (Os::Windows, Browser::Vivaldi) => &["Vivaldi"],
            (Os::Windows, Browser::Firefox) => &["Mozilla"],
            (Os::Windows, Browser::Librewolf) => &["LibreWolf"],
        }
    }
}

/// Where a browser finds the host manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// The manifest file itself (Linux, macOS, `--manifest-dir`).
    File(PathBuf),
    /// Windows: the manifest is a file of ours, and a per-user registry key's default value points at it.
    Registry { key: String, manifest: PathBuf },
}

impl Location {
    pub fn manifest_path(&self) -> &Path {
        match self {
            Location::File(p) => p,
            Location::Registry { manifest, .. } => manifest,
        }
    }
}

pub fn manifest_file_name() -> String {
    format!("{HOST_NAME}.json")
}

/// Where each browser reads host manifests for every user on Linux (what the .deb installs, and
/// `gmux-host install --system`). Brave reads Chrome's folder (brave-core `app/brave_main_delegate.cc` points
/// `DIR_NATIVE_MESSAGING` at it), so one file serves both.
///
/// Sources: Chrome and Chromium, Chromium's `chrome/common/chrome_paths.cc` (Google-branded builds
/// `/etc/opt/chrome`, every other build `/etc/chromium`; Debian's chromium binary names the latter); Edge,
/// Microsoft's native-messaging guide; Firefox, MDN "Native manifests" (`/usr/lib/mozilla`, the folder Debian's
/// firefox-esr names; some other distributions build Firefox with `/usr/lib64/mozilla`); LibreWolf, its FAQ
/// ("How do I get native messaging to work?"). Vivaldi documents no system folder; `/etc/opt/vivaldi` is
/// where its Linux package lives and where other hosts install, and per-user `gmux-host install` is the sure way.
pub fn linux_system_dir(browser: Browser) -> &'static str {
    match browser {
        Browser::Chrome | Browser::Brave => "/etc/opt/chrome/native-messaging-hosts",
        Browser::Chromium => "/etc/chromium/native-messaging-hosts",
        Browser::Edge => "/etc/opt/edge/native-messaging-hosts",
        Browser::Vivaldi => "/etc/opt/vivaldi/native-messaging-hosts",
        Browser::Firefox => "/usr/lib/mozilla/native-messaging-hosts",
        Browser::Librewolf => "/usr/lib/librewolf/native-messaging-hosts",
    }
}

/// The system-wide manifest for `browser` on Linux, below `root` (`/`, or a package's staging folder).
pub fn system_location(browser: Browser, root: &Path) -> Location {
    let relative = linux_system_dir(browser).trim_start_matches('/');
    Location::File(root.join(relative).join(manifest_file_name()))
}

/// A path as a browser can start it. Windows' `canonicalize` returns verbatim paths (`\\?\C:\...`), which
/// Chrome hands to `cmd.exe` as the working folder, and `cmd.exe` refuses those; the plain form names the same
/// file.
pub fn plain_path(path: &Path) -> PathBuf {
    let text = path.to_string_lossy();
    match text.strip_prefix(r"\\?\") {
        Some(rest) if rest.as_bytes().get(1) == Some(&b':') => PathBuf::from(rest),
        _ => path.to_path_buf(),
    }
}

/// The per-user location for `browser` on `os`. `home` is the home folder; on Windows `app_data` is the
/// folder our manifest files live in (`%LOCALAPPDATA%\gmux`).
pub fn location(browser: Browser, os: Os, home: &Path, app_data: &Path) -> Location {
    let parts = browser.vendor_parts(os);
    match os {
        Os::Windows => Location::Registry {
            key: format!(
                "Software\\{}\\NativeMessagingHosts\\{HOST_NAME}",
                parts.join("\\")
            ),
            manifest: app_data.join(browser.name()).join(manifest_file_name()),
        },
        Os::Linux | Os::MacOs => {
            let mut dir = home.to_path_buf();
            dir.extend(parts);
            let leaf = match (os, browser.is_firefox_family()) {
                (Os::Linux, true) => "native-messaging-hosts",
                _ => "NativeMessagingHosts",
            };
            Location::File(dir.join(leaf).join(manifest_file_name()))
        }
    }
}

/// Whether the browser's own folder exists (Linux, macOS); on Windows every browser counts, since writing an
/// unused registry key is harmless.
pub fn browser_present(browser: Browser, os: Os, home: &Path) -> bool {
    match os {
        Os::Windows => true,
        _ => {
            let mut dir = home.to_path_buf();
            dir.extend(browser.vendor_parts(os));
            dir.is_dir()
        }
    }
}

/// The extension ids a manifest allows: gmux's own (the development build and every published store id, from
/// `gmux_core::ids`) and any a person adds with `gmux-host install --extension-id` for a build they publish.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllowedIds {
    pub chrome: Vec<String>,
    pub firefox: Vec<String>,
}

impl AllowedIds {
    /// gmux's own ids and nothing else.
    pub fn gmux() -> Self {
        AllowedIds {
            chrome: ids::trusted_chrome_ids()
                .into_iter()
                .map(String::from)
                .collect(),
            firefox: ids::trusted_firefox_ids()
                .into_iter()
                .map(String::from)
                .collect(),
        }
    }

    /// gmux's own ids plus `extra`, each sorted into its browser family by its shape. Anything that is not an
    /// extension id (a wildcard, an origin, a typo) is refused, so a manifest never trusts more than was meant.
    pub fn with_extra(extra: &[String]) -> Result<Self, InstallError> {
        let mut ids = Self::gmux();
        for id in extra {
            let list = match ids::id_kind(id) {
                Some(IdKind::Chrome) => &mut ids.chrome,
                Some(IdKind::Firefox) => &mut ids.firefox,
                None => return Err(InstallError::BadExtensionId(id.clone())),
            };
            if !list.contains(id) {
                list.push(id.clone());
            }
        }
        Ok(ids)
    }

    /// The ids a manifest for `browser` lists (as `allowed_origins` entries for the Chrome family).
    pub fn entries_for(&self, browser: Browser) -> Vec<String> {
        if browser.is_firefox_family() {
            self.firefox.clone()
        } else {
            self.chrome.iter().map(|id| chrome_origin_of(id)).collect()
        }
    }
}

/// The manifest's content: exact caller ids, never a wildcard, and never both keys (Firefox rejects that).
pub fn manifest(browser: Browser, binary: &Path, ids: &AllowedIds) -> Value {
    let mut m = json!({
        "name": HOST_NAME,
        "description": "gmux native host: Gmail accounts in the OS keyring",
        "path": binary.display().to_string(),
        "type": "stdio",
    });
    let key = if browser.is_firefox_family() {
        "allowed_extensions"
    } else {
        "allowed_origins"
    };
    m[key] = json!(ids.entries_for(browser));
    m
}

#[derive(Debug, thiserror::Error)]
pub enum InstallError {
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("the host binary path must be absolute: {0}")]
    RelativePath(String),
    #[error("writing the Windows registry: {0}")]
    Registry(String),
    #[error("{0:?} is not an extension id: pass a Chrome id (32 letters a to p) or a Firefox add-on id (name@domain or {{uuid}})")]
    BadExtensionId(String),
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> InstallError + '_ {
    move |source| InstallError::Io {
        path: path.display().to_string(),
        source,
    }
}

pub fn write_manifest(
    browser: Browser,
    location: &Location,
    binary: &Path,
    ids: &AllowedIds,
) -> Result<(), InstallError> {
    if !binary.is_absolute() {
        return Err(InstallError::RelativePath(binary.display().to_string()));
    }
    let path = location.manifest_path();
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(io(dir))?;
    }
    let text = serde_json::to_string_pretty(&manifest(browser, binary, ids)).unwrap_or_default();
    std::fs::write(path, text + "\n").map_err(io(path))?;
    if let Location::Registry { key, manifest } = location {
        registry::set(key, manifest)?;
    }
    Ok(())
}

/// Removes the manifest; `Ok(false)` when there was none.
pub fn remove_manifest(location: &Location) -> Result<bool, InstallError> {
    if let Location::Registry { key, .. } = location {
        registry::delete(key)?;
    }
    let path = location.manifest_path();
    match std::fs::remove_file(path) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(io(path)(e)),
    }
}

/// What an installed manifest says, for `doctor`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstalledManifest {
    /// The binary it starts.
    pub binary: PathBuf,
    /// Its `allowed_origins` or `allowed_extensions`.
    pub allowed: Vec<String>,
}

impl InstalledManifest {
    /// The ids gmux needs that this manifest does not allow (it predates a store release, say).
    pub fn missing(&self, browser: Browser, wanted: &AllowedIds) -> Vec<String> {
        wanted
            .entries_for(browser)
            .into_iter()
            .filter(|e| !self.allowed.contains(e))
            .collect()
    }
}

/// Reads an installed manifest; `None` when there is none or it is not a manifest.
pub fn installed_manifest(location: &Location) -> Option<InstalledManifest> {
    let text = std::fs::read_to_string(location.manifest_path()).ok()?;
    let v: Value = serde_json::from_str(&text).ok()?;
    let binary = PathBuf::from(v.get("path")?.as_str()?);
    let allowed = ["allowed_origins", "allowed_extensions"]
        .iter()
        .filter_map(|k| v.get(*k).and_then(Value::as_array))
        .flatten()
        .filter_map(|e| e.as_str().map(String::from))
        .collect();
    Some(InstalledManifest { binary, allowed })
}

/// How a browser was installed when it is sandboxed away from programs on the host.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sandbox {
    Snap,
    Flatpak,
}

/// A sandboxed browser found on this machine, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SandboxedBrowser {
    pub browser: Browser,
    pub sandbox: Sandbox,
    pub found_at: PathBuf,
}

/// Snap names and Flatpak application ids of the browsers gmux supports (Edge and LibreWolf have no Snap).
fn sandbox_names(browser: Browser) -> (Option<&'static str>, &'static str) {
    match browser {
        Browser::Chrome => (None, "com.google.Chrome"),
        Browser::Chromium => (Some("chromium"), "org.chromium.Chromium"),
        Browser::Edge => (None, "com.microsoft.Edge"),
        Browser::Brave => (Some("brave"), "com.brave.Browser"),
        Browser::Vivaldi => (Some("vivaldi"), "com.vivaldi.Vivaldi"),
        Browser::Firefox => (Some("firefox"), "org.mozilla.firefox"),
        Browser::Librewolf => (None, "io.gitlab.librewolf-community"),
    }
}

/// Snap and Flatpak browsers on a Linux machine: a Snap's command in `/snap/bin` or its folder in the home,
/// a Flatpak installed for the system (`/var/lib/flatpak/app`) or the user (`~/.local/share/flatpak/app`).
/// `exists` is the file system (a closure, so the table is tested without one).
pub fn sandboxed_browsers(home: &Path, exists: impl Fn(&Path) -> bool) -> Vec<SandboxedBrowser> {
    let mut found = Vec::new();
    for browser in ALL_BROWSERS {
        let (snap, flatpak) = sandbox_names(browser);
        let snap_places = snap
            .map(|name| {
                vec![
                    Path::new("/snap/bin").join(name),
                    home.join("snap").join(name),
                ]
            })
            .unwrap_or_default();
        if let Some(at) = snap_places.into_iter().find(|p| exists(p)) {
            found.push(SandboxedBrowser {
                browser,
                sandbox: Sandbox::Snap,
                found_at: at,
            });
        }
        let flatpak_places = [
            Path::new("/var/lib/flatpak/app").join(flatpak),
            home.join(".local/share/flatpak/app").join(flatpak),
        ];
        if let Some(at) = flatpak_places.into_iter().find(|p| exists(p)) {
            found.push(SandboxedBrowser {
                browser,
                sandbox: Sandbox::Flatpak,
                found_at: at,
            });
        }
    }
    found
}

/// What to do about a sandboxed browser, in one sentence a person can act on.
///
/// Ubuntu's Firefox Snap starts native hosts through the desktop's WebExtensions portal, which reads the usual
/// manifest folders and asks once for permission (Firefox's "Native messaging for a strictly-confined
/// Firefox"). Flatpak Firefox does it through `xdg-native-messaging-proxy` from Firefox 157 on
/// (xdg-desktop-portal issue 655). Chromium-family Snaps and Flatpaks have no such route for a host of ours.
pub fn sandbox_advice(s: &SandboxedBrowser) -> String {
    let name = s.browser.name();
    match (s.sandbox, s.browser.is_firefox_family(), s.browser) {
        (Sandbox::Snap, true, _) => format!(
            "{name} is a Snap: it starts gmux-host through the desktop's WebExtensions portal, so keep a manifest \
             installed (the package's, or gmux-host install --browser {name}) and allow gmux when Firefox asks; \
             if it never asks, install Firefox from Mozilla's .deb repository instead"
        ),
        (Sandbox::Flatpak, true, Browser::Firefox) => format!(
            "{name} is a Flatpak: Firefox 157 or newer starts gmux-host through xdg-native-messaging-proxy; install \
             it from your distribution and run systemctl --user enable --now xdg-native-messaging-proxy.service, or \
             use Firefox from a .deb"
        ),
        (Sandbox::Snap, _, _) => format!(
            "{name} is a Snap, which cannot start programs outside its sandbox: install {name} from a .deb \
             (the vendor's, or your distribution's) to use gmux with it"
        ),
        (Sandbox::Flatpak, _, _) => format!(
            "{name} is a Flatpak, which cannot start programs outside its sandbox: install {name} from a .deb \
             (the vendor's, or your distribution's) to use gmux with it"
        ),
    }
}

#[cfg(target_os = "windows")]
mod registry {
    use super::InstallError;
    use std::path::Path;
    use winreg::enums::HKEY_CURRENT_USER;
    use winreg::RegKey;

    pub fn set(key: &str, manifest: &Path) -> Result<(), InstallError> {
        let (k, _) = RegKey::predef(HKEY_CURRENT_USER)
            .create_subkey(key)
            .map_err(|e| InstallError::Registry(e.to_string()))?;
        k.set_value("", &manifest.display().to_string())
            .map_err(|e| InstallError::Registry(e.to_string()))
    }

    pub fn delete(key: &str) -> Result<(), InstallError> {
        match RegKey::predef(HKEY_CURRENT_USER).delete_subkey_all(key) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(InstallError::Registry(e.to_string())),
        }
    }
}

#[cfg(not(target_os = "windows"))]
mod registry {
    use super::InstallError;
    use std::path::Path;

    pub fn set(_key: &str, _manifest: &Path) -> Result<(), InstallError> {
        Err(InstallError::Registry(
            "the registry exists only on Windows".into(),
        ))
    }

    pub fn delete(_key: &str) -> Result<(), InstallError> {
        Err(InstallError::Registry(
            "the registry exists only on Windows".into(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_per_os_and_browser() {
        let home = Path::new("/h");
        let app = Path::new("C:\\Users\\u\\AppData\\Local\\gmux");
        let cases: &[(Browser, Os, &str)] = &[
            (Browser::Chrome, Os::Linux, "/h/.config/google-chrome/NativeMessagingHosts/dev.gmux.host.json"),
            (Browser::Chromium, Os::Linux, "/h/.config/chromium/NativeMessagingHosts/dev.gmux.host.json"),
            (Browser::Edge, Os::Linux, "/h/.config/microsoft-edge/NativeMessagingHosts/dev.gmux.host.json"),
            (Browser::Brave, Os::Linux, "/h/.config/BraveSoftware/Brave-Browser/NativeMessagingHosts/dev.gmux.host.json"),
            (Browser::Vivaldi, Os::Linux, "/h/.config/vivaldi/NativeMessagingHosts/dev.gmux.host.json"),
            (Browser::Firefox, Os::Linux, "/h/.mozilla/native-messaging-hosts/dev.gmux.host.json"),
            (Browser::Librewolf, Os::Linux, "/h/.librewolf/native-messaging-hosts/dev.gmux.host.json"),
            (Browser::Chrome, Os::MacOs, "/h/Library/Application Support/Google/Chrome/NativeMessagingHosts/dev.gmux.host.json"),
            (Browser::Firefox, Os::MacOs, "/h/Library/Application Support/Mozilla/NativeMessagingHosts/dev.gmux.host.json"),
            (Browser::Librewolf, Os::MacOs, "/h/Library/Application Support/LibreWolf/NativeMessagingHosts/dev.gmux.host.json"),
        ];
        for (b, os, want) in cases {
            assert_eq!(
                location(*b, *os, home, app),
                Location::File(PathBuf::from(want)),
                "{b:?} {os:?}"
            );
        }
        match location(Browser::Edge, Os::Windows, home, app) {
            Location::Registry { key, manifest } => {
                assert_eq!(
                    key,
                    "Software\\Microsoft\\Edge\\NativeMessagingHosts\\dev.gmux.host"
                );
                assert!(manifest.ends_with("dev.gmux.host.json"));
                assert!(manifest.starts_with(app));
            }
            other => panic!("{other:?}"),
        }
        match location(Browser::Firefox, Os::Windows, home, app) {
            Location::Registry { key, .. } => assert_eq!(
                key,
                "Software\\Mozilla\\NativeMessagingHosts\\dev.gmux.host"
            ),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn manifests_have_exactly_one_caller_key() {
        for b in ALL_BROWSERS {
            let m = manifest(b, Path::new("/usr/bin/gmux-host"), &AllowedIds::gmux());
            let origins = m.get("allowed_origins").is_some();
            let exts = m.get("allowed_extensions").is_some();
            assert!(origins ^ exts);
            assert_eq!(exts, b.is_firefox_family());
            let text = m.to_string();
            assert!(!text.contains('*'));
        }
    }

    #[test]
    fn every_manifest_allows_the_dev_id_and_every_store_id() {
        let ids = AllowedIds::gmux();
        for b in ALL_BROWSERS {
            let m = manifest(b, Path::new("/usr/bin/gmux-host"), &ids);
            let want: Vec<String> = if b.is_firefox_family() {
                ids::trusted_firefox_ids()
                    .into_iter()
                    .map(String::from)
                    .collect()
            } else {
                ids::trusted_chrome_ids()
                    .into_iter()
                    .map(chrome_origin_of)
                    .collect()
            };
            let key = if b.is_firefox_family() {
                "allowed_extensions"
            } else {
                "allowed_origins"
            };
            assert_eq!(m[key], json!(want), "{b:?}");
            if !b.is_firefox_family() {
                assert!(want.contains(&ids::chrome_origin()));
                for store in [ids::CHROME_WEB_STORE_ID, ids::EDGE_ADD_ONS_ID] {
                    assert_eq!(
                        want.contains(&chrome_origin_of(store)),
                        store != ids::NOT_YET_ASSIGNED,
                        "{store}"
                    );
                }
            }
        }
    }

    fn check_extra(extra: &[&str], chrome: &[&str], firefox: &[&str]) {
        let extra: Vec<String> = extra.iter().map(|s| s.to_string()).collect();
        let ids = AllowedIds::with_extra(&extra).unwrap();
        let mut want_chrome: Vec<String> = ids::trusted_chrome_ids()
            .into_iter()
            .map(String::from)
            .collect();
        want_chrome.extend(chrome.iter().map(|s| s.to_string()));
        let mut want_firefox: Vec<String> = ids::trusted_firefox_ids()
            .into_iter()
            .map(String::from)
            .collect();
        want_firefox.extend(firefox.iter().map(|s| s.to_string()));
        assert_eq!(ids.chrome, want_chrome, "{extra:?}");
        assert_eq!(ids.firefox, want_firefox, "{extra:?}");
    }

    #[test]
    fn extra_extension_ids_join_their_family_once() {
        check_extra(&[], &[], &[]);
        check_extra(
            &["abcdefghijklmnopabcdefghijklmnop"],
            &["abcdefghijklmnopabcdefghijklmnop"],
            &[],
        );
        check_extra(&["mine@example.org"], &[], &["mine@example.org"]);
        check_extra(
            &[
                "abcdefghijklmnopabcdefghijklmnop",
                "mine@example.org",
                "abcdefghijklmnopabcdefghijklmnop",
                ids::CHROME_DEV_EXTENSION_ID,
                ids::FIREFOX_EXTENSION_ID,
            ],
            &["abcdefghijklmnopabcdefghijklmnop"],
            &["mine@example.org"],
        );
    }

    #[test]
    fn anything_but_an_extension_id_is_refused() {
        for bad in [
            "*",
            "chrome-extension://abcdefghijklmnopabcdefghijklmnop/",
            "",
            ids::NOT_YET_ASSIGNED,
        ] {
            assert!(
                matches!(
                    AllowedIds::with_extra(&[bad.to_string()]),
                    Err(InstallError::BadExtensionId(_))
                ),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn system_locations_on_linux() {
        let cases: &[(Browser, &str)] = &[
            (
                Browser::Chrome,
                "/etc/opt/chrome/native-messaging-hosts/dev.gmux.host.json",
            ),
            (
                Browser::Brave,
                "/etc/opt/chrome/native-messaging-hosts/dev.gmux.host.json",
            ),
            (
                Browser::Chromium,
                "/etc/chromium/native-messaging-hosts/dev.gmux.host.json",
            ),
            (
                Browser::Edge,
                "/etc/opt/edge/native-messaging-hosts/dev.gmux.host.json",
            ),
            (
                Browser::Vivaldi,
                "/etc/opt/vivaldi/native-messaging-hosts/dev.gmux.host.json",
            ),
            (
                Browser::Firefox,
                "/usr/lib/mozilla/native-messaging-hosts/dev.gmux.host.json",
            ),
            (
                Browser::Librewolf,
                "/usr/lib/librewolf/native-messaging-hosts/dev.gmux.host.json",
            ),
        ];
        for (b, want) in cases {
            assert_eq!(
                system_location(*b, Path::new("/")),
                Location::File(PathBuf::from(want))
            );
            assert_eq!(
                system_location(*b, Path::new("/tmp/stage")),
                Location::File(Path::new("/tmp/stage").join(want.trim_start_matches('/')))
            );
        }
    }

    #[test]
    fn verbatim_windows_paths_become_plain() {
        let check = |from: &str, to: &str| {
            assert_eq!(plain_path(Path::new(from)), PathBuf::from(to), "{from}")
        };
        check(r"\\?\C:\Users\u\gmux-host.exe", r"C:\Users\u\gmux-host.exe");
        check(r"C:\Users\u\gmux-host.exe", r"C:\Users\u\gmux-host.exe");
        // A verbatim UNC path has no plain drive form: kept as it is.
        check(
            r"\\?\UNC\server\share\gmux-host.exe",
            r"\\?\UNC\server\share\gmux-host.exe",
        );
        check("/usr/bin/gmux-host", "/usr/bin/gmux-host");
    }

    #[test]
    fn installed_manifests_report_the_ids_they_lack() {
        let dir = tempfile::tempdir().unwrap();
        let loc = Location::File(dir.path().join("m.json"));
        assert_eq!(installed_manifest(&loc), None);
        let ids = AllowedIds::gmux();
        write_manifest(
            Browser::Chromium,
            &loc,
            Path::new("/usr/bin/gmux-host"),
            &ids,
        )
        .unwrap();
        let found = installed_manifest(&loc).unwrap();
        assert_eq!(found.binary, PathBuf::from("/usr/bin/gmux-host"));
        assert!(found.missing(Browser::Chromium, &ids).is_empty());
        let more =
            AllowedIds::with_extra(&["abcdefghijklmnopabcdefghijklmnop".to_string()]).unwrap();
        assert_eq!(
            found.missing(Browser::Chromium, &more),
            vec!["chrome-extension://abcdefghijklmnopabcdefghijklmnop/".to_string()]
        );
        std::fs::write(loc.manifest_path(), "not json").unwrap();
        assert_eq!(installed_manifest(&loc), None);
    }

    fn check_sandboxed(present: &[&str], want: &[(Browser, Sandbox)]) {
        let home = Path::new("/home/u");
        let found = sandboxed_browsers(home, |p| present.iter().any(|q| Path::new(q) == p));
        let got: Vec<(Browser, Sandbox)> = found.iter().map(|s| (s.browser, s.sandbox)).collect();
        assert_eq!(got, want, "{present:?}");
        for s in &found {
            let advice = sandbox_advice(s);
            assert!(advice.starts_with(s.browser.name()), "{advice}");
        }
    }

    #[test]
    fn snap_and_flatpak_browsers_are_found() {
        check_sandboxed(&[], &[]);
        check_sandboxed(&["/snap/bin/firefox"], &[(Browser::Firefox, Sandbox::Snap)]);
        check_sandboxed(
            &["/home/u/snap/chromium"],
            &[(Browser::Chromium, Sandbox::Snap)],
        );
        check_sandboxed(
            &[
                "/var/lib/flatpak/app/org.mozilla.firefox",
                "/snap/bin/firefox",
            ],
            &[
                (Browser::Firefox, Sandbox::Snap),
                (Browser::Firefox, Sandbox::Flatpak),
            ],
        );
        check_sandboxed(
            &[
                "/home/u/.local/share/flatpak/app/com.google.Chrome",
                "/var/lib/flatpak/app/io.gitlab.librewolf-community",
            ],
            &[
                (Browser::Chrome, Sandbox::Flatpak),
                (Browser::Librewolf, Sandbox::Flatpak),
            ],
        );
        // A browser's home folder alone is not a sandbox.
        check_sandboxed(&["/home/u/.mozilla"], &[]);
    }

    #[test]
    fn sandbox_advice_says_what_works_for_each() {
        let advice = |browser, sandbox| {
            sandbox_advice(&SandboxedBrowser {
                browser,
                sandbox,
                found_at: PathBuf::from("/x"),
            })
        };
        assert!(advice(Browser::Firefox, Sandbox::Snap).contains("portal"));
        assert!(advice(Browser::Firefox, Sandbox::Flatpak).contains("xdg-native-messaging-proxy"));
        assert!(advice(Browser::Chromium, Sandbox::Snap).contains("cannot start"));
        assert!(advice(Browser::Chrome, Sandbox::Flatpak).contains("cannot start"));
    }

    #[test]
    fn relative_binary_paths_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let loc = Location::File(dir.path().join("m.json"));
        assert!(matches!(
            write_manifest(
                Browser::Chrome,
                &loc,
                Path::new("gmux-host"),
                &AllowedIds::gmux()
            ),
            Err(InstallError::RelativePath(_))
        ));
    }
}
