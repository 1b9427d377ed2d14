//! Prints navigation start → handshake text for the popup in each browser: `cargo run -p gmux-e2e --example
//! popup_load_times -- [LOADS]` (default 10). Needs `cargo xtask dist` and a built gmux-host first.

use gmux_e2e::{median, popup_load_times, Browser};

fn main() -> Result<(), gmux_e2e::HarnessError> {
    let loads = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(10);
    for browser in [Browser::Chromium, Browser::Firefox] {
        let times = popup_load_times(browser, loads)?;
        let rounded: Vec<String> = times.iter().map(|t| format!("{t:.0}")).collect();
        println!(
            "{}: median {:.0} ms over {loads} loads (first {:.0} ms, warm median {:.0} ms): [{}]",
            browser.name(),
            median(&times),
            times.first().copied().unwrap_or(f64::NAN),
            median(times.get(1..).unwrap_or_default()),
            rounded.join(", ")
        );
    }
    Ok(())
}
