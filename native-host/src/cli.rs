//! The terminal side of gmux-host: install, configure, accounts, doctor. Output goes to stdout here because
//! no browser is listening.
#![allow(clippy::print_stdout)]

use anyhow::{bail, Context};
use clap::{Parser, Subcommand};
use gmux_core::protocol::AccountStatus;
use gmux_core::protocol::Endpoints;
use gmux_host::app::{remove_account, App};
use gmux_host::config::{self, Config};
use gmux_host::flow;
use gmux_host::install::{self, Browser, Os, ALL_BROWSERS};
use gmux_host::outbox::Outbox;
use gmux_host::paths::Paths;
use gmux_host::secrets::Secrets;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "gmux-host",
    version,
    about = "gmux native host: Gmail accounts in the OS keyring"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum BrowserArg {
    Chrome,
    Chromium,
    Edge,
    Brave,
    Vivaldi,
    Firefox,
    Librewolf,
    All,
}

#[derive(Subcommand)]
enum Command {
    /// Write the host manifest so a browser can start gmux-host.
    Install {
        #[arg(long, value_enum, default_value = "all")]
        browser: BrowserArg,
        /// Write into this folder instead of the browser's own (tests, custom profiles).
        #[arg(long, conflicts_with = "system")]
        manifest_dir: Option<PathBuf>,
        /// The binary the manifest points at (default: this one).
        #[arg(long)]
        path: Option<PathBuf>,
        /// Also allow this extension id (repeatable): a Chrome id or a Firefox add-on id of a gmux build you
        /// publish yourself. gmux's own development and store ids are always allowed.
        #[arg(long = "extension-id", value_name = "ID")]
        extension_ids: Vec<String>,
        /// Write the manifests every user's browsers read (Linux, as root), for every supported browser.
        #[arg(long)]
        system: bool,
        /// With --system: write below this folder instead of / (building a package).
        #[arg(long, requires = "system", value_name = "DIR")]
        destdir: Option<PathBuf>,
    },
    /// Remove the host manifest.
    Uninstall {
        #[arg(long, value_enum, default_value = "all")]
        browser: BrowserArg,
        #[arg(long, conflicts_with = "system")]
        manifest_dir: Option<PathBuf>,
        /// Remove the manifests every user's browsers read (Linux, as root).
        #[arg(long)]
        system: bool,
    },
    /// Set the OAuth client (the JSON Google's console downloads for a Desktop app) and endpoint overrides.
    Configure {
        #[arg(long)]
        client_secrets: Option<PathBuf>,
        /// Use gmux-emulator at this base URL for every endpoint; without --client-secrets its demo client.
        #[arg(long)]
        emulator: Option<String>,
        #[arg(long)]
        authorize_url: Option<String>,
        #[arg(long)]
        token_url: Option<String>,
        #[arg(long)]
        revoke_url: Option<String>,
        #[arg(long)]
        userinfo_url: Option<String>,
        #[arg(long)]
        gmail_url: Option<String>,
        /// The `iss` id_tokens must carry (default Google's, which gmux-emulator uses too).
        #[arg(long)]
        issuer: Option<String>,
    },
    /// List, add or remove accounts.
    Accounts {
        #[command(subcommand)]
        command: AccountsCommand,
    },
    /// Check the keyring, the OAuth client, the manifests and the accounts, and say what to fix.
    Doctor,
}

#[derive(Subcommand)]
enum AccountsCommand {
    List,
    Add {
        #[arg(long)]
        login_hint: Option<String>,
    },
    Remove {
        /// The account's id (`sub`) or email.
        account: String,
    },
}

pub fn run() -> ExitCode {
    let cli = Cli::parse();
    let paths = Paths::from_env();
    gmux_host::logging::init(&paths.log_file());
    gmux_host::private::secure(&paths);
    match run_command(cli.command, &paths) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("gmux-host: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn browsers(
    arg: BrowserArg,
    manifest_dir: Option<&Path>,
    system: bool,
    home: &Path,
) -> anyhow::Result<Vec<Browser>> {
    let one = match arg {
        BrowserArg::Chrome => Browser::Chrome,
        BrowserArg::Chromium => Browser::Chromium,
        BrowserArg::Edge => Browser::Edge,
        BrowserArg::Brave => Browser::Brave,
        BrowserArg::Vivaldi => Browser::Vivaldi,
        BrowserArg::Firefox => Browser::Firefox,
        BrowserArg::Librewolf => Browser::Librewolf,
        BrowserArg::All => {
            if manifest_dir.is_some() {
                bail!("--manifest-dir needs one --browser: Chrome-family and Firefox-family manifests differ");
            }
            // Every user's browsers are not visible from here: a system install serves them all.
            if system {
                return Ok(ALL_BROWSERS.to_vec());
            }
            return Ok(ALL_BROWSERS
                .into_iter()
                .filter(|b| install::browser_present(*b, Os::current(), home))
                .collect());
        }
    };
    Ok(vec![one])
}

/// Where a command writes or removes `browser`'s manifest: `--manifest-dir`, the system folder below `root`
/// (`--system`), or the browser's per-user place.
fn location(
    browser: Browser,
    manifest_dir: Option<&Path>,
    system_root: Option<&Path>,
    home: &Path,
) -> install::Location {
    match (manifest_dir, system_root) {
        (Some(dir), _) => install::Location::File(dir.join(install::manifest_file_name())),
        (None, Some(root)) => install::system_location(browser, root),
        (None, None) => {
            let app_data = dirs::data_local_dir()
                .unwrap_or_else(|| home.to_path_buf())
                .join("gmux");
            install::location(browser, Os::current(), home, &app_data)
        }
    }
}

/// The root system manifests go below, or `None` without `--system`. They exist on Linux only: macOS and
/// Windows packages of gmux-host install per user.
fn system_root(system: bool, destdir: Option<PathBuf>) -> anyhow::Result<Option<PathBuf>> {
    if !system {
        return Ok(None);
    }
    if Os::current() != Os::Linux {
        bail!("--system is for Linux; on this system run gmux-host install for each user");
    }
    Ok(Some(destdir.unwrap_or_else(|| PathBuf::from("/"))))
}

fn home() -> anyhow::Result<PathBuf> {
    dirs::home_dir().context("no home folder: set HOME")
}

fn run_command(command: Command, paths: &Paths) -> anyhow::Result<ExitCode> {
    match command {
        Command::Install {
            browser,
            manifest_dir,
            path,
            extension_ids,
            system,
            destdir,
        } => {
            let home = home()?;
            let system_root = system_root(system, destdir)?;
            let binary = match path {
                Some(p) => std::path::absolute(p)?,
                None => std::env::current_exe()?.canonicalize()?,
            };
            let binary = install::plain_path(&binary);
            let ids = install::AllowedIds::with_extra(&extension_ids)?;
            let list = browsers(browser, manifest_dir.as_deref(), system, &home)?;
            if list.is_empty() {
                println!("no supported browser found for this user; pass --browser NAME to install anyway");
            }
            let mut written = Vec::new();
            for b in list {
                let loc = location(b, manifest_dir.as_deref(), system_root.as_deref(), &home);
                // Brave reads Chrome's system folder: one file serves both, written once.
                if written.contains(&loc) {
                    continue;
                }
                install::write_manifest(b, &loc, &binary, &ids).map_err(|e| match &e {
                    install::InstallError::Io { source, .. }
                        if system && source.kind() == std::io::ErrorKind::PermissionDenied =>
                    {
                        anyhow::anyhow!(
                            "{e}; system-wide manifests need root: sudo gmux-host install --system"
                        )
                    }
                    _ => e.into(),
                })?;
                println!("{}: wrote {}", b.name(), loc.manifest_path().display());
                written.push(loc);
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Uninstall {
            browser,
            manifest_dir,
            system,
        } => {
            let home = home()?;
            let system_root = system_root(system, None)?;
            for b in browsers(browser, manifest_dir.as_deref(), system, &home)? {
                let loc = location(b, manifest_dir.as_deref(), system_root.as_deref(), &home);
                if install::remove_manifest(&loc)? {
                    println!("{}: removed {}", b.name(), loc.manifest_path().display());
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Configure {
            client_secrets,
            emulator,
            authorize_url,
            token_url,
            revoke_url,
            userinfo_url,
            gmail_url,
            issuer,
        } => {
            if let Some(base) = &emulator {
                config::check_endpoint("emulator", base).map_err(anyhow::Error::msg)?;
            }
            // Read without the endpoint check: configure is how a refused endpoint gets fixed.
            let previous = config::read_config_unchecked(paths)?;
            let (client_id, client_secret) = match (&client_secrets, &emulator, &previous) {
                (Some(file), _, _) => {
                    let bytes = std::fs::read(file)
                        .with_context(|| format!("reading {}", file.display()))?;
                    config::parse_client_secrets(&bytes).map_err(anyhow::Error::msg)?
                }
                (None, Some(base), _) => fetch_emulator_client(base)?,
                (None, None, Some(prev)) => (prev.client_id.clone(), prev.client_secret.clone()),
                (None, None, None) => {
                    bail!("pass --client-secrets FILE (the JSON of a Desktop-app OAuth client)")
                }
            };
            let mut endpoints = match (&emulator, &previous) {
                (Some(base), _) => Endpoints::emulator(base),
                (None, Some(prev)) => prev.endpoints.clone(),
                (None, None) => Endpoints::google(),
            };
            let overrides = [
                (authorize_url, &mut endpoints.authorize),
                (token_url, &mut endpoints.token),
                (revoke_url, &mut endpoints.revoke),
                (userinfo_url, &mut endpoints.userinfo),
                (gmail_url, &mut endpoints.gmail),
            ];
            for (value, slot) in overrides {
                if let Some(v) = value {
                    *slot = v.trim_end_matches('/').to_string();
                }
            }
            let issuer = issuer
                .or_else(|| previous.as_ref().map(|p| p.issuer.clone()))
                .unwrap_or_else(|| config::GOOGLE_ISSUER.to_string());
            let config = Config {
                client_id,
                client_secret,
                endpoints,
                issuer,
            };
            config.check().map_err(anyhow::Error::msg)?;
            config::save_config(paths, &config)?;
            println!(
                "configured OAuth client {} in {}",
                config.client_id,
                paths.config_file().display()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Accounts { command } => accounts(command, paths),
        Command::Doctor => doctor(paths),
    }
}

/// The emulator serves its demo Desktop-app client JSON, so `configure --emulator URL` needs nothing else.
fn fetch_emulator_client(base: &str) -> anyhow::Result<(String, String)> {
    let url = format!(
        "{}/_emulator/client_secret.json",
        base.trim_end_matches('/')
    );
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let bytes = runtime.block_on(async {
        let response = reqwest::get(&url).await?.error_for_status()?;
        response.bytes().await
    });
    let bytes = bytes.with_context(|| format!("fetching {url}"))?;
    config::parse_client_secrets(&bytes).map_err(anyhow::Error::msg)
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?)
}

/// The host's core without a browser: events have nowhere to go, so the terminal waits for the outcome.
fn terminal_app(paths: &Paths) -> App {
    let (outbox, _rx) = Outbox::channel();
    App::new(paths.clone(), outbox)
}

fn accounts(command: AccountsCommand, paths: &Paths) -> anyhow::Result<ExitCode> {
    match command {
        AccountsCommand::List => {
            for a in config::load_accounts(paths)? {
                let status = match a.status {
                    AccountStatus::Ok => "ok".to_string(),
                    AccountStatus::ReauthRequired => {
                        format!("reauth_required: {}", a.status_detail.unwrap_or_default())
                    }
                };
                println!("{}\t{}\t{}\t{}", a.id, a.email, a.color, status);
            }
            Ok(ExitCode::SUCCESS)
        }
        AccountsCommand::Add { login_hint } => runtime()?.block_on(async {
            let app = terminal_app(paths);
            let config = config::configured(paths).map_err(|e| anyhow::anyhow!("{}", e.message))?;
            let started = flow::start(app.flow_deps(), config, login_hint).await.map_err(|e| anyhow::anyhow!("{}", e.message))?;
            println!("Open this address in a browser and allow gmux to read your mail:\n\n{}\n", started.consent_url);
            match started.finish.await {
                Ok(account) => {
                    println!("added {} ({})", account.email, account.id);
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => bail!("{}: {}", e.code.as_str(), e.message),
            }
        }),
        AccountsCommand::Remove { account } => runtime()?.block_on(async {
            let app = terminal_app(paths);
            let result = remove_account(&app, &account).await.map_err(|e| anyhow::anyhow!("{}: {}", e.code.as_str(), e.message))?;
            if result.revoked {
                println!("removed {account}; access revoked at Google");
            } else {
                println!(
                    "removed {account} locally; revoking at Google failed ({}): remove gmux at https://myaccount.google.com/permissions",
                    result.revoke_error.as_deref().unwrap_or("unknown error")
                );
            }
            Ok(ExitCode::SUCCESS)
        }),
    }
}

/// Prints one check: `ok` or `FIX` with what to do. Returns whether it passed.
fn check(ok: bool, what: &str, detail: &str) -> bool {
    println!(
        "{} {what}{}",
        if ok { "ok " } else { "FIX" },
        if detail.is_empty() {
            String::new()
        } else {
            format!(": {detail}")
        }
    );
    ok
}

/// Prints something doctor cannot fix and that may not matter to this person (a browser they may not use).
fn note(what: &str, detail: &str) {
    println!("note {what}: {detail}");
}

fn doctor(paths: &Paths) -> anyhow::Result<ExitCode> {
    let mut all_ok = true;
    let secrets = Secrets::platform();
    all_ok &= match secrets.probe_blocking() {
        Ok(()) => check(true, "OS keyring reachable and unlocked", ""),
        Err(e) => check(false, "OS keyring", &e.to_string()),
    };
    all_ok &= match config::load_config(paths) {
        Ok(Some(c)) => check(
            true,
            "OAuth client configured",
            &format!("{} (token endpoint {})", c.client_id, c.endpoints.token),
        ),
        Ok(None) => check(
            false,
            "OAuth client",
            "not configured; run gmux-host configure --client-secrets FILE",
        ),
        Err(e) => check(
            false,
            "OAuth client",
            &format!("{e}; run gmux-host configure --client-secrets FILE"),
        ),
    };
    let home = home()?;
    let me = install::plain_path(&std::env::current_exe()?.canonicalize()?);
    let wanted = install::AllowedIds::gmux();
    let os = Os::current();
    let mut any_manifest = false;
    for b in ALL_BROWSERS {
        // A browser reads its per-user manifest first and the system-wide one (Linux packages) only without it.
        let user = location(b, None, None, &home);
        let system = install::system_location(b, Path::new("/"));
        let found = match install::installed_manifest(&user) {
            Some(m) => Some((m, &user, false)),
            None if os == Os::Linux => {
                install::installed_manifest(&system).map(|m| (m, &system, true))
            }
            None => None,
        };
        let what = format!("{} host manifest", b.name());
        let Some((m, loc, every_user)) = found else {
            if install::browser_present(b, os, &home) {
                all_ok &= check(
                    false,
                    &what,
                    &format!("missing; run gmux-host install --browser {}", b.name()),
                );
            }
            continue;
        };
        let fix = if every_user {
            "reinstall the gmux-host package, or run sudo gmux-host install --system".to_string()
        } else {
            format!("run gmux-host install --browser {}", b.name())
        };
        let shown = format!(
            "{}{}",
            loc.manifest_path().display(),
            if every_user { " (every user)" } else { "" }
        );
        let missing = m.missing(b, &wanted);
        if m.binary != me {
            all_ok &= check(
                false,
                &what,
                &format!(
                    "{shown} points at {}, not this binary; {fix}",
                    m.binary.display()
                ),
            );
        } else if !missing.is_empty() {
            all_ok &= check(
                false,
                &what,
                &format!("{shown} does not allow {}; {fix}", missing.join(", ")),
            );
        } else {
            any_manifest = true;
            check(true, &what, &shown);
        }
    }
    if !any_manifest {
        all_ok &= check(
            false,
            "host manifests",
            "none installed; run gmux-host install",
        );
    }
    if os == Os::Linux {
        for s in install::sandboxed_browsers(&home, Path::exists) {
            note(
                &format!("{} at {}", s.browser.name(), s.found_at.display()),
                &install::sandbox_advice(&s),
            );
        }
    }
    let accounts = config::load_accounts(paths)?;
    if accounts.is_empty() {
        check(
            true,
            "accounts",
            "none yet; add one from the gmux options page or with gmux-host accounts add",
        );
    }
    for a in accounts {
        all_ok &= match a.status {
            AccountStatus::Ok => {
                let present = secrets
                    .get_blocking(&a.id)
                    .map(|g| g.is_some())
                    .unwrap_or(false);
                check(
                    present,
                    &format!("account {}", a.email),
                    if present {
                        ""
                    } else {
                        "no token in the keyring; add the account again"
                    },
                )
            }
            AccountStatus::ReauthRequired => check(
                false,
                &format!("account {}", a.email),
                &format!(
                    "re-authorisation required ({}); add the account again",
                    a.status_detail.unwrap_or_default()
                ),
            ),
        };
    }
    Ok(if all_ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
