//! Prints navigation start → first inbox row on the first load after a cold start (the browser quit and started
//! again on the same profile, the store cached in `storage.local` from before), for the popup and the new-tab page
//! in each browser, beside the warm median of the same browser: `cargo run -p gmux-e2e --example cold_first_row --
//! [STARTS]` (default 5 per page). Needs `cargo xtask dist` and a built gmux-host first.

use gmux_e2e::{
    cold_first_row_times, first_row_miss, median, target_line, Browser, FirstRowTiming, FLOOR_BLANK,
};

const PAGES: [&str; 2] = ["popup.html", "newtab.html"];

/// Issue 8 sets none; proposed: three times the warm target (100 ms), since a cold start also starts the
/// extension's process and compiles the wasm with no code cache.
const TARGET_MS: f64 = 300.0;

/// Issue 21: the cold first row at most 1.3x the blank page's first contentful paint after a cold start.
const TARGET_RATIO: f64 = 1.3;

fn main() -> Result<(), gmux_e2e::HarnessError> {
    let starts = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(5);
    for browser in [Browser::Chromium, Browser::Firefox] {
        let (cold, warm) = cold_first_row_times(browser, &PAGES, 3, 50, starts)?;
        let blank = median(
            &cold
                .iter()
                .filter(|(p, _)| p == FLOOR_BLANK)
                .map(|(_, t)| t.first_row_ms)
                .collect::<Vec<_>>(),
        );
        println!(
            "{} floor: the blank page (the popup's HTML and CSS, no script) as the first load after a cold start: \
             first contentful paint median {blank:.0} ms",
            browser.name()
        );
        for page in PAGES {
            let of_page = |all: &[(String, FirstRowTiming)], f: fn(&FirstRowTiming) -> f64| {
                median(
                    &all.iter()
                        .filter(|(p, _)| p == page)
                        .map(|(_, t)| f(t))
                        .collect::<Vec<_>>(),
                )
            };
            let each: Vec<String> = cold
                .iter()
                .filter(|(p, _)| p == page)
                .map(|(_, t)| format!("{:.0}", t.first_row_ms))
                .collect();
            let first = of_page(&cold, |t| t.first_row_ms);
            let (wasm, store) = (
                of_page(&cold, |t| t.wasm_ready_ms),
                of_page(&cold, |t| t.store_read_ms),
            );
            println!(
                "{} {page}: cold first row median {first:.0} ms over {} cold starts (3 accounts x 50 threads; wasm \
                 running at {wasm:.0} ms, store read at {store:.0} ms): [{}]; warm median {:.0} ms in the same \
                 browser",
                browser.name(),
                each.len(),
                each.join(", "),
                of_page(&warm, |t| t.first_row_ms),
            );
            let ratio = first / blank;
            println!(
                "{}",
                target_line(
                    &format!(
                        "{} {page} cold first row at most {TARGET_RATIO}x the blank page's cold first contentful \
                         paint (issue 21; the row inserted, {ratio:.2}x)",
                        browser.name()
                    ),
                    ratio <= TARGET_RATIO,
                    || format!(
                        "{}. With no compiled code kept from before, the module's compile is paid in full",
                        first_row_miss(first, wasm, store)
                    )
                )
            );
            if browser == Browser::Chromium {
                println!(
                    "{}",
                    target_line(
                        &format!(
                            "chromium {page} cold first row under {TARGET_MS:.0} ms (proposed; issue 8 sets none)"
                        ),
                        first < TARGET_MS,
                        || format!(
                            "{}. A cold start adds the extension process's start and a compile with no code \
                             cache to the warm load",
                            first_row_miss(first, wasm, store)
                        )
                    )
                );
            }
        }
    }
    Ok(())
}
