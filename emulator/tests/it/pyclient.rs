//! Google's own Python client libraries (google-api-python-client, google-auth, google-auth-oauthlib), unmodified,
//! against the emulator: OAuth code flow with PKCE, list with paging, get, batch, modify, history, refresh.
//!
//! Needs a venv at `target/gmux-emulator-pyclient`. Setup (run from the workspace root):
//! `python3 -m venv target/gmux-emulator-pyclient && target/gmux-emulator-pyclient/bin/pip install google-api-python-client==2.202.0 google-auth==2.62.2 google-auth-oauthlib==1.5.0`
//! Without it this test fails (it does not skip).

use std::path::PathBuf;
use std::process::Command;

use crate::common::*;

/// The workspace `target/` directory: the test binary lives in `target/<profile>/deps/`.
fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    exe.ancestors().nth(3).unwrap().to_path_buf()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn google_python_client_works_unmodified() {
    let python = target_dir().join("gmux-emulator-pyclient/bin/python");
    assert!(
        python.exists(),
        "missing {}: run `python3 -m venv target/gmux-emulator-pyclient && target/gmux-emulator-pyclient/bin/pip install google-api-python-client==2.202.0 google-auth==2.62.2 google-auth-oauthlib==1.5.0` in the workspace root",
        python.display()
    );
    let env = demo().await;
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/pyclient/google_client.py"
    );
    let base = env.base.clone();
    let out = tokio::task::spawn_blocking(move || {
        Command::new(python).arg(script).arg(base).output().unwrap()
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stdout.trim_end().ends_with("OK"),
        "stdout:\n{stdout}\nstderr:\n{stderr}"
    );
}
