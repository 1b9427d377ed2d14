//! The OAuth client configuration and the account index: small JSON files in the config directory.
//! Nothing here is secret beyond the client secret Google itself calls non-confidential for Desktop apps;
//! tokens live only in the OS keyring.

use crate::paths::Paths;
use gmux_core::protocol::{Account, AccountStatus, Endpoints, ErrorBody, ErrorCode};
use serde::{Deserialize, Serialize};
use std::fs::File;
use std::path::Path;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Config {
    pub client_id: String,
    pub client_secret: String,
    pub endpoints: Endpoints,
    /// The `iss` an id_token must carry. Files written before it existed mean Google.
    #[serde(default = "google_issuer")]
    pub issuer: String,
}

/// Google's issuer. Its id_tokens carry this or the same without `https://` (Google documents both).
pub const GOOGLE_ISSUER: &str = "https://accounts.google.com";

fn google_issuer() -> String {
    GOOGLE_ISSUER.to_string()
}

impl Config {
    /// Refuses endpoints gmux must not talk to (see [`check_endpoint`]).
    pub fn check(&self) -> Result<(), String> {
        let e = &self.endpoints;
        for (name, url) in [
            ("authorize", &e.authorize),
            ("token", &e.token),
            ("revoke", &e.revoke),
            ("userinfo", &e.userinfo),
            ("gmail", &e.gmail),
        ] {
            check_endpoint(name, url)?;
        }
        Ok(())
    }
}

/// An endpoint must be `https://`; plain `http://` is accepted only on a loopback address (gmux-emulator on
/// 127.0.0.1), because the client secret, codes, tokens and mail go there and nowhere else may see them.
pub fn check_endpoint(name: &str, url: &str) -> Result<(), String> {
    let parsed = url::Url::parse(url)
        .map_err(|e| format!("the {name} endpoint {url:?} is not a URL ({e})"))?;
    let host = parsed.host();
    let loopback = match &host {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        _ => false,
    };
    match parsed.scheme() {
        "https" if host.is_some() => Ok(()),
        "http" if loopback => Ok(()),
        "http" if matches!(&host, Some(url::Host::Domain(d)) if d.eq_ignore_ascii_case("localhost")) => {
            Err(format!(
                "the {name} endpoint {url} uses the name localhost, which may resolve to another machine; use \
                 127.0.0.1 instead"
            ))
        }
        _ => Err(format!(
            "the {name} endpoint {url} must start with https:// (plain http:// is allowed only on a loopback \
             address such as http://127.0.0.1:PORT, for gmux-emulator): gmux sends secrets and mail there"
        )),
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("reading {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("{path} is not valid: {message}")]
    Invalid { path: String, message: String },
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> ConfigError + '_ {
    move |source| ConfigError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// Reads a JSON file, or `None` when it does not exist.
fn read_json<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<Option<T>, ConfigError> {
    match std::fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| ConfigError::Invalid {
                path: path.display().to_string(),
                message: e.to_string(),
            }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io_err(path)(e)),
    }
}

/// Writes through a temporary file and a rename, so a reader never sees half a file.
fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<(), ConfigError> {
    if let Some(dir) = path.parent() {
        crate::private::create_dir(dir).map_err(io_err(path))?;
    }
    let json = serde_json::to_vec_pretty(value).map_err(|e| ConfigError::Invalid {
        path: path.display().to_string(),
        message: e.to_string(),
    })?;
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    crate::private::create_file(&tmp)
        .and_then(|mut f| std::io::Write::write_all(&mut f, &json))
        .map_err(io_err(path))?;
    std::fs::rename(&tmp, path).map_err(io_err(path))
}

/// The file as it is, endpoints unchecked: only `configure` reads it so, to change what is in it.
pub fn read_config_unchecked(paths: &Paths) -> Result<Option<Config>, ConfigError> {
    read_json(&paths.config_file())
}

/// The configuration, or `None` before `configure`. A file naming an endpoint gmux must not use is invalid.
pub fn load_config(paths: &Paths) -> Result<Option<Config>, ConfigError> {
    let path = paths.config_file();
    let config: Option<Config> = read_json(&path)?;
    if let Some(c) = &config {
        c.check().map_err(|message| ConfigError::Invalid {
            path: path.display().to_string(),
            message,
        })?;
    }
    Ok(config)
}

/// The configuration a method needs, or the error that tells the user to run `configure`.
pub fn configured(paths: &Paths) -> Result<Config, ErrorBody> {
    match load_config(paths) {
        Ok(Some(c)) => Ok(c),
        Ok(None) => Err(crate::errors::not_configured()),
        Err(e) => Err(ErrorBody::new(
            ErrorCode::OauthClientNotConfigured,
            format!("{e}; run gmux-host configure again"),
        )),
    }
}

pub fn save_config(paths: &Paths, config: &Config) -> Result<(), ConfigError> {
    config.check().map_err(|message| ConfigError::Invalid {
        path: paths.config_file().display().to_string(),
        message,
    })?;
    write_json(&paths.config_file(), config)
}

/// Reads Google's downloaded client JSON (`{"installed": {"client_id", "client_secret", ...}}`).
pub fn parse_client_secrets(bytes: &[u8]) -> Result<(String, String), String> {
    #[derive(Deserialize)]
    struct Inner {
        client_id: String,
        client_secret: Option<String>,
    }
    #[derive(Deserialize)]
    struct File {
        installed: Option<Inner>,
        web: Option<Inner>,
    }
    let file: File =
        serde_json::from_slice(bytes).map_err(|e| format!("not a Google client JSON: {e}"))?;
    match (file.installed, file.web) {
        (Some(inner), _) => {
            let secret = inner
                .client_secret
                .ok_or("the client JSON has no client_secret")?;
            Ok((inner.client_id, secret))
        }
        (None, Some(_)) => Err(
            "this is a \"Web application\" client; create a \"Desktop app\" OAuth client in the \
             Google Cloud console and download its JSON"
                .into(),
        ),
        (None, None) => Err(
            "the JSON has no \"installed\" section; download the JSON of a \"Desktop app\" OAuth \
             client from the Google Cloud console"
                .into(),
        ),
    }
}

/// Colours for new accounts, in order; an account keeps its colour when re-added.
const PALETTE: [&str; 8] = [
    "#1a73e8", "#d93025", "#188038", "#f9ab00", "#a142f4", "#e8710a", "#007b83", "#c5221f",
];

/// The account index, with an exclusive lock held for read-modify-write across host processes.
pub struct IndexLock {
    _lock: File,
    path: std::path::PathBuf,
    pub accounts: Vec<Account>,
}

pub fn load_accounts(paths: &Paths) -> Result<Vec<Account>, ConfigError> {
    Ok(read_json(&paths.accounts_file())?.unwrap_or_default())
}

/// Locks the index (blocking): call from a blocking context.
pub fn lock_accounts(paths: &Paths) -> Result<IndexLock, ConfigError> {
    let lock_path = paths.locks_dir().join("accounts.lock");
    crate::private::create_dir(&paths.locks_dir()).map_err(io_err(&lock_path))?;
    let lock = crate::private::open_lock(&lock_path).map_err(io_err(&lock_path))?;
    lock.lock().map_err(io_err(&lock_path))?;
    let accounts = load_accounts(paths)?;
    Ok(IndexLock {
        _lock: lock,
        path: paths.accounts_file(),
        accounts,
    })
}

impl IndexLock {
    pub fn save(&self) -> Result<(), ConfigError> {
        write_json(&self.path, &self.accounts)
    }

    /// Adds or updates an account keyed on `sub`: a re-added account keeps its colour and order.
    pub fn upsert(&mut self, sub: &str, email: &str, scopes: Vec<String>) -> Account {
        if let Some(existing) = self.accounts.iter_mut().find(|a| a.id == sub) {
            existing.email = email.to_string();
            existing.scopes = scopes;
            existing.status = AccountStatus::Ok;
            existing.status_detail = None;
            return existing.clone();
        }
        let order = self.accounts.iter().map(|a| a.order + 1).max().unwrap_or(0);
        let color = PALETTE[self.accounts.len() % PALETTE.len()].to_string();
        let account = Account {
            id: sub.to_string(),
            email: email.to_string(),
            color,
            order,
            status: AccountStatus::Ok,
            scopes,
            status_detail: None,
        };
        self.accounts.push(account.clone());
        account
    }

    pub fn get_mut(&mut self, sub: &str) -> Option<&mut Account> {
        self.accounts.iter_mut().find(|a| a.id == sub)
    }

    pub fn remove(&mut self, sub: &str) -> bool {
        let before = self.accounts.len();
        self.accounts.retain(|a| a.id != sub);
        self.accounts.len() != before
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths() -> (tempfile::TempDir, Paths) {
        let dir = tempfile::tempdir().unwrap();
        let p = Paths {
            config_dir: dir.path().join("c"),
            state_dir: dir.path().join("s"),
        };
        (dir, p)
    }

    #[test]
    fn upsert_updates_in_place_and_keeps_colour() {
        let (_d, p) = paths();
        let mut idx = lock_accounts(&p).unwrap();
        let a = idx.upsert("1", "a@x", vec![]);
        idx.upsert("2", "b@x", vec![]);
        idx.get_mut("1").unwrap().status = AccountStatus::ReauthRequired;
        let again = idx.upsert("1", "a2@x", vec!["s".into()]);
        assert_eq!(idx.accounts.len(), 2);
        assert_eq!(again.color, a.color);
        assert_eq!(again.status, AccountStatus::Ok);
        idx.save().unwrap();
        drop(idx);
        assert_eq!(load_accounts(&p).unwrap().len(), 2);
    }

    #[test]
    fn endpoints_must_be_https_or_loopback_http() {
        fn check(url: &str, expected: Result<(), &str>) {
            match (check_endpoint("token", url), expected) {
                (Ok(()), Ok(())) => {}
                (Err(got), Err(want)) => assert!(got.contains(want), "{url}: {got}"),
                (got, want) => panic!("{url}: got {got:?}, want {want:?}"),
            }
        }
        check("https://oauth2.googleapis.com/token", Ok(()));
        check("https://10.0.0.1:8443/token", Ok(()));
        check("http://127.0.0.1:4321/token", Ok(()));
        check("http://127.8.9.10/token", Ok(()));
        check("http://[::1]:4321/token", Ok(()));
        check(
            "http://oauth2.googleapis.com/token",
            Err("must start with https://"),
        );
        check("http://192.168.1.5/token", Err("must start with https://"));
        check(
            "http://[::ffff:10.0.0.1]/token",
            Err("must start with https://"),
        );
        check("http://localhost:4321/token", Err("use 127.0.0.1 instead"));
        check("ftp://127.0.0.1/token", Err("must start with https://"));
        check("file:///etc/passwd", Err("must start with https://"));
        check("127.0.0.1:4321", Err("is not a URL"));
        check("not a url", Err("is not a URL"));
    }

    #[test]
    fn a_config_file_with_a_plain_http_endpoint_is_refused_on_load_and_save() {
        let (_d, p) = paths();
        let mut config = Config {
            client_id: "id".into(),
            client_secret: "s".into(),
            endpoints: Endpoints::google(),
            issuer: GOOGLE_ISSUER.into(),
        };
        save_config(&p, &config).unwrap();
        assert_eq!(load_config(&p).unwrap(), Some(config.clone()));
        config.endpoints.gmail = "http://gmail.example.com".into();
        let err = save_config(&p, &config).unwrap_err().to_string();
        assert!(
            err.contains("gmail endpoint http://gmail.example.com must start with https://"),
            "{err}"
        );
        std::fs::write(p.config_file(), serde_json::to_vec(&config).unwrap()).unwrap();
        let err = load_config(&p).unwrap_err().to_string();
        assert!(err.contains("must start with https://"), "{err}");
    }

    #[test]
    fn client_secrets_accepts_desktop_and_explains_the_rest() {
        let ok = br#"{"installed":{"client_id":"id","client_secret":"s","redirect_uris":["http://localhost"]}}"#;
        assert_eq!(parse_client_secrets(ok).unwrap(), ("id".into(), "s".into()));
        assert!(parse_client_secrets(br#"{"web":{"client_id":"id"}}"#)
            .unwrap_err()
            .contains("Desktop app"));
        assert!(parse_client_secrets(b"{}").is_err());
        assert!(parse_client_secrets(b"nope").is_err());
    }
}
