//! Prints navigation start → first inbox row in the DOM, drawn from a cached store of 3 accounts x 50 threads,
//! for the popup and the new-tab page in each browser: `cargo run -p gmux-e2e --example inbox_first_row --
//! [LOADS]` (default 20). Needs `cargo xtask dist` and a built gmux-host first.

use gmux_e2e::{first_row_times, median, Browser};

fn main() -> Result<(), gmux_e2e::HarnessError> {
    let loads = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(20);
    for browser in [Browser::Chromium, Browser::Firefox] {
        for page in ["popup.html", "newtab.html"] {
            let timings = first_row_times(browser, page, 3, 50, loads)?;
            let of = |f: fn(&gmux_e2e::FirstRowTiming) -> f64| {
                median(&timings.iter().map(f).collect::<Vec<_>>())
            };
            println!(
                "{} {page}: first row median {:.0} ms over {loads} loads (3 accounts x 50 threads; wasm running at \
                 {:.0} ms, store read at {:.0} ms)",
                browser.name(),
                of(|t| t.first_row_ms),
                of(|t| t.wasm_ready_ms),
                of(|t| t.store_read_ms),
            );
        }
    }
    Ok(())
}
