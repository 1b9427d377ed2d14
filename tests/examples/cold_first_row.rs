//! Prints navigation start → first inbox row on the first load after a cold start (the browser quit and started
//! again on the same profile, the store cached in `storage.local` from before), for the popup and the new-tab page
//! in each browser: `cargo run -p gmux-e2e --example cold_first_row -- [STARTS]` (default 5 per page). Needs
//! `cargo xtask dist` and a built gmux-host first.

use gmux_e2e::{cold_first_row_times, median, Browser, FirstRowTiming};

const PAGES: [&str; 2] = ["popup.html", "newtab.html"];

fn main() -> Result<(), gmux_e2e::HarnessError> {
    let starts = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(5);
    for browser in [Browser::Chromium, Browser::Firefox] {
        let times = cold_first_row_times(browser, &PAGES, 3, 50, starts)?;
        for page in PAGES {
            let of_page: Vec<&FirstRowTiming> = times
                .iter()
                .filter(|(p, _)| p == page)
                .map(|(_, t)| t)
                .collect();
            let of = |f: fn(&FirstRowTiming) -> f64| {
                median(&of_page.iter().map(|t| f(t)).collect::<Vec<_>>())
            };
            let all: Vec<String> = of_page
                .iter()
                .map(|t| format!("{:.0}", t.first_row_ms))
                .collect();
            println!(
                "{} {page}: cold first row median {:.0} ms over {} cold starts (3 accounts x 50 threads; wasm \
                 running at {:.0} ms, store read at {:.0} ms): [{}]",
                browser.name(),
                of(|t| t.first_row_ms),
                of_page.len(),
                of(|t| t.wasm_ready_ms),
                of(|t| t.store_read_ms),
                all.join(", ")
            );
        }
    }
    Ok(())
}
