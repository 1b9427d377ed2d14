use gmux_e2e::*;
fn main() -> Result<(), gmux_e2e::HarnessError> {
    let mut b = ExtensionBrowser::launch(Browser::Chromium, HostSetup::Installed)?;
    b.open_page("options.html")?;
    let now = unix_now_ms();
    let store = demo_store(3, 50, now);
    b.seed_inbox(&store, &connected_status(&store, now))?;
    let pages = ["popup.html", "newtab.html"];
    let mut t: Vec<Vec<Vec<f64>>> = vec![vec![vec![]; 3]; 2];
    for _ in 0..20 {
        for (i, page) in pages.iter().enumerate() {
            let view = b.open_inbox_page(page, |v| v.first_row_ms.is_some())?;
            let s = b.session.execute("const d = document.documentElement.dataset; const t=performance.timing; return [d.wasmReadyMs || '', String(t.domInteractive-t.navigationStart)];", &[])?;
            t[i][0].push(view.first_row_ms.unwrap_or(f64::NAN));
            t[i][1].push(
                s[0].as_str()
                    .and_then(|x| x.parse().ok())
                    .unwrap_or(f64::NAN),
            );
            t[i][2].push(
                s[1].as_str()
                    .and_then(|x| x.parse().ok())
                    .unwrap_or(f64::NAN),
            );
        }
    }
    for (i, page) in pages.iter().enumerate() {
        println!(
            "{page}: first row {:.0} wasm {:.0} domInteractive {:.0}",
            median(&t[i][0]),
            median(&t[i][1]),
            median(&t[i][2])
        );
    }
    Ok(())
}
