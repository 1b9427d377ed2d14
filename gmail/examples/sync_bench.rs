//! Prints the bench figures, each beside its target: `cargo run -p gmux-gmail --features bench --example
//! sync_bench [ACCOUNTS THREADS LATENCY_MS]`.

use gmux_gmail::bench::{run_blocking, BenchConfig, BenchReport};

/// Issue 5: per account, a first sync in at most 3 requests, an idle poll in 1 request and at most 2 quota units,
/// one new message in at most 3 requests.
const FIRST_SYNC_REQUESTS: f64 = 3.0;
const IDLE_POLL_REQUESTS: f64 = 1.0;
const IDLE_POLL_UNITS: f64 = 2.0;
const NEW_MESSAGE_REQUESTS: f64 = 3.0;

/// One line judging a figure; `cargo xtask bench` lists the lines with `: MISSED.` at the top of BENCHMARKS.md.
fn target_line(target: &str, met: bool, why_missed: &str) -> String {
    if met {
        format!("  target {target}: met")
    } else {
        format!("  target {target}: MISSED. {why_missed}")
    }
}

fn verdicts(report: &BenchReport) -> Vec<String> {
    let per_account = |n: u64| n as f64 / report.config.accounts.max(1) as f64;
    let g = &report.gmux;
    vec![
        target_line(
            &format!("first sync at most {FIRST_SYNC_REQUESTS:.0} requests per account"),
            per_account(g.first_sync.http_requests) <= FIRST_SYNC_REQUESTS,
            "Why: the first sync sent more than a profile, one list and one batch per account. To close it: look \
             for a repeated call in the emulator's per-method counters",
        ),
        target_line(
            &format!(
                "idle poll {IDLE_POLL_REQUESTS:.0} request and at most {IDLE_POLL_UNITS:.0} quota units per account"
            ),
            per_account(g.idle_poll.http_requests) <= IDLE_POLL_REQUESTS
                && per_account(g.idle_poll.quota_units) <= IDLE_POLL_UNITS,
            "Why: an idle poll sent more than one history.list per account. To close it: look for the extra call \
             in the emulator's per-method counters",
        ),
        target_line(
            &format!("one new message at most {NEW_MESSAGE_REQUESTS:.0} requests per account"),
            per_account(g.one_new_message.http_requests) <= NEW_MESSAGE_REQUESTS,
            "Why: a new message cost more requests per account than the target allows. To close it: the \
             emulator's per-method counters name the extra call",
        ),
    ]
}

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
        Ok(report) => {
            print!("{}", report.table());
            for line in verdicts(&report) {
                println!("{line}");
            }
        }
        Err(e) => {
            eprintln!("bench failed: {e}");
            std::process::exit(1);
        }
    }
}
