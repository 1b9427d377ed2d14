//! gmux-emulator: a local Gmail API and Google OAuth. Prints its base URL as the first line on stdout.

use std::io::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context as _;
use clap::Parser;
use gmux_emulator::{Emulator, EmulatorConfig, Seed, Settings};

#[derive(Parser)]
#[command(
    name = "gmux-emulator",
    about = "a faithful local Gmail API v1 and Google OAuth, for tests and the demo"
)]
struct Args {
    /// Address to bind; port 0 picks a free one.
    #[arg(long, default_value = "127.0.0.1:0")]
    addr: SocketAddr,
    /// Load the built-in demo accounts and mail.
    #[arg(long)]
    demo: bool,
    /// Load accounts and mail from a JSON seed file (format: emulator/SEED.md).
    #[arg(long)]
    seed: Option<PathBuf>,
    /// Approve authorization requests at once, for the account named by login_hint (else the first).
    #[arg(long)]
    auto_consent: bool,
    /// Lifetime of access tokens in seconds.
    #[arg(long)]
    access_token_lifetime: Option<u64>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let args = Args::parse();
    let seed = match &args.seed {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read seed file {}", path.display()))?;
            Some(
                serde_json::from_str::<Seed>(&text)
                    .with_context(|| format!("invalid seed file {}", path.display()))?,
            )
        }
        None => None,
    };
    let mut settings = Settings::default();
    if let Some(secs) = args.access_token_lifetime {
        settings.access_token_lifetime_secs = secs;
    }
    let emulator = Emulator::start(EmulatorConfig {
        addr: Some(args.addr),
        demo: args.demo,
        seed,
        auto_consent: args.auto_consent,
        settings,
    })
    .await?;
    let mut stdout = std::io::stdout();
    writeln!(stdout, "{}", emulator.base_url())?;
    stdout.flush()?;
    tracing::info!("gmux-emulator listening on {}", emulator.base_url());
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
    emulator.shutdown().await;
    Ok(())
}
