use gmux_e2e::*;
fn main() -> Result<(), gmux_e2e::HarnessError> {
    let mut b = ExtensionBrowser::launch(Browser::Chromium, HostSetup::Installed)?;
    b.open_page("options.html")?;
    let now = unix_now_ms();
    let store = demo_store(3, 50, now);
    b.seed_inbox(&store, &connected_status(&store, now))?;
    let keys = ["jsStartMs","jsStoreMs","jsInitMs","wasmReadyMs","storeReadMs","parsedMs","drawnMs"];
    for page in ["popup.html", "v2.html", "v3.html", "popup.html", "v2.html", "v3.html"] {
        let mut rows: Vec<Vec<f64>> = vec![vec![]; keys.len()+3];
        for _ in 0..15 {
            b.session.navigate(&Browser::Chromium.extension_url(page))?;
            std::thread::sleep(std::time::Duration::from_millis(700));
            let v = b.session.execute(&format!("const d=document.documentElement.dataset; const t=performance.timing; return [{} , document.getElementById('inbox').dataset.firstRowMs||'', String(t.domInteractive-t.navigationStart), String(window.innerHeight)];", keys.iter().map(|k| format!("d.{k}||''")).collect::<Vec<_>>().join(",")), &[])?;
            for i in 0..keys.len()+3 { rows[i].push(v[i].as_str().and_then(|s| s.parse().ok()).unwrap_or(f64::NAN)); }
        }
        let mut line = String::new();
        for (i,k) in keys.iter().chain(["firstRow","domInteractive","h"].iter()).enumerate() { line += &format!("{k} {:.1}  ", median(&rows[i])); }
        println!("{page}: {line}");
    }
    Ok(())
}
