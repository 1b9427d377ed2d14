//! For the bench: the pages measured against their floor in the same browser and the same run (issue 21). The
//! floor is an extension page with the popup's own HTML and CSS and no script (`floor-blank.html`, test builds
//! only), and the same with an empty wasm module run (`floor-wasm.html`). Loads take turns (blank, empty wasm,
//! popup, new tab, each round starting one page later) so drift on a shared machine touches all alike; each
//! figure is then a ratio to the blank page's first contentful paint of the same round.
//!
//! A third floor answers what painting the rows costs by itself: before the rounds, the popup and the new tab
//! are drawn once and their DOM, the rows that fit the window, saved as static pages with no script (`floor-drawn-*.html`, removed
//! after), whose first contentful paint already holds the rows.

use std::time::{Duration, Instant};

use serde_json::Value;

use crate::browser::{Browser, ExtensionBrowser, HostSetup};
use crate::pages::{connected_status, demo_store, unix_now_ms};
use crate::{HarnessError, Result};

/// One round's figures, in ms from navigation start (NaN where the browser has no such figure).
#[derive(Debug, Clone)]
pub struct FloorRound {
    /// `floor-blank.html`'s first contentful paint.
    pub blank_fcp: f64,
    /// `floor-wasm.html`'s first contentful paint, and when its empty module had run.
    pub wasm_fcp: f64,
    pub wasm_ran: f64,
    /// `floor-compile.html`: when the pages' own module had been fetched and compiled, nothing run, and how
    /// (streaming, or from the bytes where the browser refused to stream).
    pub compiled: f64,
    pub compiled_by: Option<String>,
    /// The drawn popup and new tab saved as static HTML: their first contentful paint, rows included.
    pub drawn_popup_fcp: f64,
    pub drawn_newtab_fcp: f64,
    /// The popup: first contentful paint, first row inserted, the animation frame after it, and its Element
    /// Timing paint (Chromium).
    pub popup: PageFigures,
    pub newtab: PageFigures,
}

#[derive(Debug, Clone, Copy)]
pub struct PageFigures {
    pub fcp: f64,
    /// The pages' wasm running (its start function), and the cached store read and parsed.
    pub wasm_ready: f64,
    pub store_read: f64,
    pub row_inserted: f64,
    pub row_frame: f64,
    pub row_painted: f64,
}

impl PageFigures {
    /// The first row painted: Element Timing where the browser has it, else the frame after insertion.
    pub fn first_row(&self) -> f64 {
        if self.row_painted.is_finite() {
            self.row_painted
        } else {
            self.row_frame
        }
    }
}

/// Reads, once the page is loaded and has its figures, the first contentful paint and gmux's stamps.
/// (WebDriver's Execute Script waits for the promise it returns.)
const READ_FIGURES: &str = r#"
const wantsRow = arguments[0], wantsWasm = arguments[1];
return new Promise((done) => {
const fcp = () => (performance.getEntriesByName('first-contentful-paint')[0] || {}).startTime;
const element = new Promise((resolve) => {
  if (!PerformanceObserver.supportedEntryTypes.includes('element')) { resolve(null); return; }
  const seen = (list) => { const e = list.getEntries().find((e) => e.identifier === 'first-row');
                           if (e) resolve(e.renderTime || e.loadTime); };
  new PerformanceObserver(seen).observe({ type: 'element', buffered: true });
  setTimeout(() => resolve(null), 2000);
});
const started = performance.now();
const poll = () => {
  const d = document.documentElement.dataset;
  const list = document.getElementById('inbox');
  // A page with rows is left only once all its rows are in: the next page would otherwise pay for its leftover
  // work (with 20 accounts, the whole store read and 2,000 rows drawn after the first paint).
  const ready = fcp() !== undefined && (!wantsRow || (d.firstRowFrameMs && list && list.dataset.firstRowMs
      && 'rowsSettled' in list.dataset))
    && (!wantsWasm || d.wasmReadyMs);
  if (!ready && performance.now() - started < 20000) { setTimeout(poll, 20); return; }
  const rowWait = wantsRow ? element : Promise.resolve(null);
  rowWait.then((painted) => done({ fcp: fcp() ?? null, wasm: d.wasmReadyMs ?? null, store: d.storeReadMs ?? null, compiledBy: d.compiledBy ?? null,
    inserted: list ? list.dataset.firstRowMs ?? null : null, frame: d.firstRowFrameMs ?? null, painted }));
};
poll();
});
"#;

fn number(v: &Value) -> f64 {
    match v {
        Value::Number(n) => n.as_f64().unwrap_or(f64::NAN),
        Value::String(s) => s.parse().unwrap_or(f64::NAN),
        _ => f64::NAN,
    }
}

fn load(instance: &ExtensionBrowser, page: &str, wants_row: bool) -> Result<Value> {
    instance
        .session
        .navigate(&instance.browser.extension_url(page))?;
    let figures = instance.session.execute(
        READ_FIGURES,
        &[
            Value::Bool(wants_row),
            // The floor pages that run wasm stamp when it ran: wait for that too.
            Value::Bool(page.starts_with("floor-wasm") || page.starts_with("floor-compile")),
        ],
    )?;
    if !number(&figures["fcp"]).is_finite() {
        return Err(HarnessError::Unexpected(format!(
            "{page} reported no first contentful paint: {figures}"
        )));
    }
    Ok(figures)
}

/// The blank floor page's first contentful paint, loaded once in `instance` (a baseline for a figure measured
/// outside the floor's rounds).
pub fn blank_fcp(instance: &ExtensionBrowser) -> Result<f64> {
    Ok(number(&load(instance, "floor-blank.html", false)?["fcp"]))
}

fn page_figures(v: &Value) -> PageFigures {
    PageFigures {
        fcp: number(&v["fcp"]),
        wasm_ready: number(&v["wasm"]),
        store_read: number(&v["store"]),
        row_inserted: number(&v["inserted"]),
        row_frame: number(&v["frame"]),
        row_painted: number(&v["painted"]),
    }
}

/// The page as drawn, without its scripts and without the rows below the window (the first draw puts in only what
/// fits): what the browser must paint for the first row with no wasm at all.
const DRAWN_PAGE: &str = r#"
const below = [...document.querySelectorAll('#inbox .row')].map((r) => r.getBoundingClientRect().top >= innerHeight);
const copy = document.documentElement.cloneNode(true);
copy.querySelectorAll('#inbox .row').forEach((r, i) => { if (below[i]) r.remove(); });
copy.querySelectorAll('script, link[rel="modulepreload"], iframe').forEach((e) => e.remove());
for (const name of Object.keys(copy.dataset)) delete copy.dataset[name];
return '<!doctype html>\n' + copy.outerHTML;
"#;

/// Draws `page` once from the seeded store and saves it as `floor-drawn-<page>` in the loaded extension's folder.
fn save_drawn(instance: &ExtensionBrowser, page: &str) -> Result<std::path::PathBuf> {
    load(instance, page, true)?;
    // As a person's page lives: long enough to save its first screen (0.4 s after its draw), which every load
    // after shows. Without this wait the floor's loads, each left once its row is in, never saved one, and the
    // rounds measured the page with no first screen.
    instance.wait_for_first_screen_saved(page)?;
    let html = instance.session.execute(DRAWN_PAGE, &[])?;
    let html = html.as_str().ok_or_else(|| {
        HarnessError::Unexpected(format!("{page}'s drawn DOM was not text: {html}"))
    })?;
    let path = crate::paths::extension_dir(instance.browser.dist_folder())?
        .join(format!("floor-drawn-{page}"));
    std::fs::write(&path, html)
        .map_err(|e| HarnessError::Unexpected(format!("writing {}: {e}", path.display())))?;
    Ok(path)
}

/// `rounds` rounds of blank, empty wasm, popup and new tab in one browser, from a cached store of `accounts` x
/// `threads` (warm: the browser and its caches are already up; one round first is not counted).
pub fn floor_rounds(
    browser: Browser,
    accounts: usize,
    threads: usize,
    rounds: usize,
) -> Result<Vec<FloorRound>> {
    let mut instance = ExtensionBrowser::launch(browser, HostSetup::Installed)?;
    instance.open_page("options.html")?;
    let now = unix_now_ms();
    let store = demo_store(accounts, threads, now);
    // As the background writes it, with a revision: each page after the first of its kind shows the first
    // screen the one before it saved (`pages/first_screen.rs`), as in use.
    instance.seed_inbox_as_written(&store, &connected_status(&store, now), now)?;
    let saved = [
        save_drawn(&instance, "popup.html")?,
        save_drawn(&instance, "newtab.html")?,
    ];
    let rounds = run_rounds(&instance, rounds);
    for path in saved {
        let _ = std::fs::remove_file(path);
    }
    rounds
}

fn run_rounds(instance: &ExtensionBrowser, rounds: usize) -> Result<Vec<FloorRound>> {
    let deadline = Instant::now() + Duration::from_secs(600);
    let mut out = Vec::with_capacity(rounds);
    for round in 0..=rounds {
        if Instant::now() > deadline {
            return Err(HarnessError::Unexpected(
                "the floor rounds took over 10 minutes".into(),
            ));
        }
        // Each round starts at the next page, so none always follows the heaviest.
        let pages = [
            ("floor-blank.html", false),
            ("floor-wasm.html", false),
            ("popup.html", true),
            ("newtab.html", true),
            ("floor-drawn-popup.html", false),
            ("floor-drawn-newtab.html", false),
            ("floor-compile.html", false),
        ];
        let mut figures = vec![Value::Null; pages.len()];
        for k in 0..pages.len() {
            let i = (round + k) % pages.len();
            figures[i] = load(instance, pages[i].0, pages[i].1)?;
        }
        let [blank, wasm, popup, newtab, drawn_popup, drawn_newtab, compile] =
            [0, 1, 2, 3, 4, 5, 6].map(|i| figures[i].clone());
        if round == 0 {
            continue;
        }
        out.push(FloorRound {
            blank_fcp: number(&blank["fcp"]),
            wasm_fcp: number(&wasm["fcp"]),
            wasm_ran: number(&wasm["wasm"]),
            compiled: number(&compile["wasm"]),
            compiled_by: compile["compiledBy"].as_str().map(str::to_string),
            drawn_popup_fcp: number(&drawn_popup["fcp"]),
            drawn_newtab_fcp: number(&drawn_newtab["fcp"]),
            popup: page_figures(&popup),
            newtab: page_figures(&newtab),
        });
    }
    Ok(out)
}
