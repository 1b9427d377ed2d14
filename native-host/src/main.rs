//! `gmux-host`: started by a browser it serves native messaging on stdio; started by a person it is a CLI.

mod cli;

use gmux_host::app::App;
use gmux_host::outbox::Outbox;
use gmux_host::paths::Paths;
use gmux_host::serve::serve;
use std::sync::Arc;

/// Browsers start the host with the caller's identity: Chrome passes `chrome-extension://<id>/`, Firefox the
/// manifest path and the add-on id. `serve` is for tests and manual runs. The argument chooses the mode and is
/// logged; it authenticates nothing, and neither would the parent process (PROTOCOL.md, "Who may call").
fn is_native_messaging(args: &[String]) -> bool {
    match args.get(1) {
        Some(a) => a.starts_with("chrome-extension://") || a.ends_with(".json") || a == "serve",
        None => false,
    }
}

fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().collect();
    if is_native_messaging(&args) {
        run_native_messaging(&args);
        return std::process::ExitCode::SUCCESS;
    }
    cli::run()
}

fn run_native_messaging(args: &[String]) {
    let paths = Paths::from_env();
    gmux_host::logging::init(&paths.log_file());
    gmux_host::private::secure(&paths);
    tracing::info!(
        caller = args.get(1).map(String::as_str).unwrap_or(""),
        pid = std::process::id(),
        "started"
    );
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            tracing::error!("no async runtime: {e}");
            return;
        }
    };
    runtime.block_on(async {
        let (outbox, rx) = Outbox::channel();
        let app = Arc::new(App::new(paths, outbox));
        serve(tokio::io::stdin(), tokio::io::stdout(), app, rx).await;
    });
    tracing::info!("exiting");
    // Background work (a consent flow nobody can hear about any more) must not keep the process alive.
    runtime.shutdown_timeout(std::time::Duration::from_millis(100));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mode_is_chosen_from_the_first_argument() {
        let a = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(is_native_messaging(&a(&["h", "chrome-extension://abc/"])));
        assert!(is_native_messaging(&a(&[
            "h",
            "/home/u/.mozilla/native-messaging-hosts/dev.gmux.host.json",
            "gmux@gmux.dev"
        ])));
        assert!(is_native_messaging(&a(&["h", "serve"])));
        assert!(!is_native_messaging(&a(&["h", "install"])));
        assert!(!is_native_messaging(&a(&["h"])));
    }
}
