//! Prints the bench figures: `cargo run -p gmux-gmail --features bench --example sync_bench [ACCOUNTS THREADS LATENCY_MS]`.

use gmux_gmail::bench::{run_blocking, BenchConfig};

fn main() {
    let args: Vec<u64> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let defaults = BenchConfig::default();
    let config = BenchConfig {
        accounts: args.first().map_or(defaults.accounts, |&n| n as usize),
        threads: args.get(1).map_or(defaults.threads, |&n| n as usize),
        latency_ms: args.get(2).copied().unwrap_or(defaults.latency_ms),
    };
    match run_blocking(config) {
        Ok(report) => print!("{}", report.table()),
        Err(e) => {
            eprintln!("bench failed: {e}");
            std::process::exit(1);
        }
    }
}
