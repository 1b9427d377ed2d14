//! Prints navigation start → handshake text for the popup in each browser, against the blank floor page loaded
//! beside each popup in the same browser (issue 21: a baseline of the same minute, since absolute times drift on a
//! shared machine): `cargo run -p gmux-e2e --example popup_load_times -- [LOADS]` (default 10). Needs
//! `cargo xtask dist` (a test build: it has the floor pages) and a built gmux-host first.

use gmux_e2e::{median, popup_load_times, Browser};

fn main() -> Result<(), gmux_e2e::HarnessError> {
    let loads = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(10);
    for browser in [Browser::Chromium, Browser::Firefox] {
        let times = popup_load_times(browser, loads)?;
        let handshakes: Vec<f64> = times.iter().map(|t| t.handshake).collect();
        // The first load starts the host: the warm figures leave it out.
        let warm = times.get(1..).unwrap_or_default();
        let warm_handshakes: Vec<f64> = warm.iter().map(|t| t.handshake).collect();
        let warm_ratios: Vec<f64> = warm.iter().map(|t| t.ratio()).collect();
        let warm_blank: Vec<f64> = warm.iter().map(|t| t.blank).collect();
        let rounded: Vec<String> = handshakes.iter().map(|t| format!("{t:.0}")).collect();
        println!(
            "{}: median {:.0} ms over {loads} loads (first {:.0} ms, warm median {:.0} ms): [{}]",
            browser.name(),
            median(&handshakes),
            handshakes.first().copied().unwrap_or(f64::NAN),
            median(&warm_handshakes),
            rounded.join(", ")
        );
        println!(
            "{}: warm, against the blank page loaded beside each popup (median first contentful paint {:.0} ms): \
             median {:.2}x",
            browser.name(),
            median(&warm_blank),
            median(&warm_ratios),
        );
    }
    Ok(())
}
