use gmux_e2e::*;
fn main() -> Result<(), gmux_e2e::HarnessError> {
    let mut b = ExtensionBrowser::launch(Browser::Chromium, HostSetup::Installed)?;
    b.open_page("options.html")?;
    let now = unix_now_ms();
    let store = demo_store(3, 50, now);
    b.seed_inbox(&store, &connected_status(&store, now))?;
    let pages = ["popA.html", "popup.html"];
    let keys = ["wasmReadyMs", "storeReadMs", "prof"];
    let mut rows: Vec<Vec<Vec<f64>>> = vec![vec![vec![]; keys.len() + 1]; pages.len()];
    for _ in 0..20 {
        for (pi, page) in pages.iter().enumerate() {
            b.session.navigate(&Browser::Chromium.extension_url(page))?;
            std::thread::sleep(std::time::Duration::from_millis(600));
            let v = b.session.execute(&format!("const d=document.documentElement.dataset; return [{} , document.getElementById('inbox').dataset.firstRowMs||''];", keys.iter().map(|k| format!("d.{k}||''")).collect::<Vec<_>>().join(",")), &[])?;
            if pi == 1 {
                eprintln!("{}", v[2]);
            }
            for i in 0..keys.len() + 1 {
                rows[pi][i].push(
                    v[i].as_str()
                        .and_then(|s| s.parse().ok())
                        .unwrap_or(f64::NAN),
                );
            }
        }
    }
    for (pi, page) in pages.iter().enumerate() {
        let mut line = String::new();
        for (i, k) in keys.iter().chain(["firstRow"].iter()).enumerate() {
            line += &format!("{k} {:.1}  ", median(&rows[pi][i]));
        }
        println!("{page}: {line}");
    }
    Ok(())
}
