//! The host's files in the browser's scratch folder: the wrapper script that runs it, the config beside it, and
//! a copy of every message it writes to the browser (for the audit).

use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use crate::browser::ExtensionBrowser;
use crate::{HarnessError, Result};

/// The wrapper script that runs this browser's gmux-host with its private folders and keyring service (the
/// harness writes it into the scratch folder): running it is running the same host by hand.
pub fn host_wrapper(instance: &ExtensionBrowser) -> PathBuf {
    instance.scratch_dir().join("gmux-host-wrapper.sh")
}

/// Points the host's token endpoint (only) at `base` + `/token`, by editing the config `gmux-host configure`
/// wrote next to the wrapper: with a [`Forwarder`] there, a test can make the token endpoint refuse connections
/// while Gmail stays up.
pub fn point_token_endpoint_at(wrapper: &Path, base: &str) -> Result<()> {
    let file = wrapper.with_file_name("host-config").join("config.json");
    let text = std::fs::read_to_string(&file)
        .map_err(HarnessError::io(format!("reading {}", file.display())))?;
    let mut config: Value = serde_json::from_str(&text)
        .map_err(|e| HarnessError::Unexpected(format!("{}: {e}", file.display())))?;
    if !config["endpoints"]["token"].is_string() {
        return Err(HarnessError::Unexpected(format!(
            "{} has no token endpoint: {config}",
            file.display()
        )));
    }
    config["endpoints"]["token"] = json!(format!("{}/token", base.trim_end_matches('/')));
    std::fs::write(&file, config.to_string())
        .map_err(HarnessError::io(format!("writing {}", file.display())))
}

/// Rewrites the host wrapper so every byte gmux-host writes to the browser is also kept in
/// `<capture_dir>/host-out-<pid>.bin` (test only: the product never keeps its messages). Call it after the
/// terminal commands (configure, accounts add) ran, so the capture holds protocol frames only.
pub fn capture_host_messages(wrapper: &Path, capture_dir: &Path) -> Result<()> {
    std::fs::create_dir_all(capture_dir).map_err(HarnessError::io(format!(
        "creating {}",
        capture_dir.display()
    )))?;
    let script = std::fs::read_to_string(wrapper)
        .map_err(HarnessError::io(format!("reading {}", wrapper.display())))?;
    let Some(at) = script.rfind("exec ") else {
        return Err(HarnessError::Unexpected(format!(
            "no exec line in {}",
            wrapper.display()
        )));
    };
    let (head, exec) = script.split_at(at);
    let run = exec.trim_start_matches("exec ").trim_end();
    let target = format!(
        "'{}'/host-out-$$.bin",
        capture_dir.to_string_lossy().replace('\'', r"'\''")
    );
    let rewritten = format!("{head}{run} | tee {target}\n");
    std::fs::write(wrapper, rewritten)
        .map_err(HarnessError::io(format!("writing {}", wrapper.display())))
}

#[cfg(test)]
mod tests {
    use std::process::Command;

    use super::*;

    #[test]
    fn the_capture_wrapper_still_runs_the_host_and_keeps_what_it_wrote() {
        let dir = tempfile::tempdir().unwrap();
        let wrapper = dir.path().join("w.sh");
        std::fs::write(
            &wrapper,
            "#!/bin/sh\nexport A='1'\nexec '/bin/echo' \"$@\"\n",
        )
        .unwrap();
        let capture = dir.path().join("it's captured");
        capture_host_messages(&wrapper, &capture).unwrap();
        let out = Command::new("sh")
            .arg(&wrapper)
            .arg("hello")
            .output()
            .unwrap();
        assert_eq!(out.stdout, b"hello\n");
        let kept: Vec<Vec<u8>> = std::fs::read_dir(&capture)
            .unwrap()
            .map(|e| std::fs::read(e.unwrap().path()).unwrap())
            .collect();
        assert_eq!(kept, [b"hello\n".to_vec()]);
    }
}
