//! Host manifests for every supported browser: where each browser looks for them on Linux, macOS and Windows,
//! and what they must say. The location logic is pure so every OS's table is unit-tested on any OS.

use gmux_core::ids::{chrome_origin, FIREFOX_EXTENSION_ID, HOST_NAME};
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

/// The manifest's content: exact caller ids, never a wildcard, and never both keys (Firefox rejects that).
pub fn manifest(browser: Browser, binary: &Path) -> Value {
    let mut m = json!({
        "name": HOST_NAME,
        "description": "gmux native host: Gmail accounts in the OS keyring",
        "path": binary.display().to_string(),
        "type": "stdio",
    });
    if browser.is_firefox_family() {
        m["allowed_extensions"] = json!([FIREFOX_EXTENSION_ID]);
    } else {
        m["allowed_origins"] = json!([chrome_origin()]);
    }
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
) -> Result<(), InstallError> {
    if !binary.is_absolute() {
        return Err(InstallError::RelativePath(binary.display().to_string()));
    }
    let path = location.manifest_path();
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(io(dir))?;
    }
    let text = serde_json::to_string_pretty(&manifest(browser, binary)).unwrap_or_default();
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

/// Reads an installed manifest's `path`, for `doctor`.
pub fn installed_binary(location: &Location) -> Option<PathBuf> {
    let text = std::fs::read_to_string(location.manifest_path()).ok()?;
    let v: Value = serde_json::from_str(&text).ok()?;
    v.get("path")?.as_str().map(PathBuf::from)
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
            let m = manifest(b, Path::new("/usr/bin/gmux-host"));
            let origins = m.get("allowed_origins").is_some();
            let exts = m.get("allowed_extensions").is_some();
            assert!(origins ^ exts);
            assert_eq!(exts, b.is_firefox_family());
            let text = m.to_string();
            assert!(!text.contains('*'));
        }
    }

    #[test]
    fn relative_binary_paths_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let loc = Location::File(dir.path().join("m.json"));
        assert!(matches!(
            write_manifest(Browser::Chrome, &loc, Path::new("gmux-host")),
            Err(InstallError::RelativePath(_))
        ));
    }
}
