//! The emulator's control API as the fault tests use it: faults in and out, request counters, the tokens it
//! issued, and a refresh at its token endpoint.

use serde_json::Value;

use crate::sync::EmulatorProcess;
use crate::{HarnessError, Result};

/// Injects one fault or a list of them (`POST /_emulator/faults`, see emulator/CONTROL.md).
pub fn inject(emulator: &EmulatorProcess, faults: Value) -> Result<()> {
    emulator.post("/_emulator/faults", faults).map(drop)
}

/// Clears every fault (`DELETE /_emulator/faults`).
pub fn clear_faults(emulator: &EmulatorProcess) -> Result<()> {
    let url = format!("{}/_emulator/faults", emulator.base_url());
    ureq::delete(&url)
        .call()
        .map(drop)
        .map_err(|e| HarnessError::Unexpected(format!("DELETE {url}: {e}")))
}

/// How many times `method` was called for `account`, by the emulator's counters.
pub fn request_count(emulator: &EmulatorProcess, account: &str, method: &str) -> Result<u64> {
    let counters = emulator.get("/_emulator/counters")?;
    Ok(counters["accounts"][account]["requests"][method]
        .as_u64()
        .unwrap_or(0))
}

/// Uses `refresh_token` at the emulator's token endpoint with the emulator's OAuth client, as gmux-host would,
/// and returns the access token it answers: proof that the grant is alive, without touching the host's state.
pub fn refresh_at_emulator(emulator: &EmulatorProcess, refresh_token: &str) -> Result<String> {
    let client = emulator.get("/_emulator/client_secret.json")?;
    let installed = &client["installed"];
    let url = format!("{}/token", emulator.base_url());
    let answer: Value = ureq::post(&url)
        .send_form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
            (
                "client_id",
                installed["client_id"].as_str().unwrap_or_default(),
            ),
            (
                "client_secret",
                installed["client_secret"].as_str().unwrap_or_default(),
            ),
        ])
        .map_err(|e| HarnessError::Unexpected(format!("POST {url}: {e}")))?
        .into_json()
        .map_err(HarnessError::io(format!("reading POST {url}")))?;
    answer["access_token"]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| HarnessError::Unexpected(format!("the token endpoint answered {answer}")))
}

/// The tokens the emulator ever issued (`GET /_emulator/issued_tokens`): `(refresh, access)`.
pub fn issued_tokens(emulator: &EmulatorProcess) -> Result<(Vec<String>, Vec<String>)> {
    let issued = emulator.get("/_emulator/issued_tokens")?;
    let list = |kind: &str| -> Vec<String> {
        issued[kind]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|t| t.as_str().map(str::to_string))
            .collect()
    };
    Ok((list("refresh_tokens"), list("access_tokens")))
}
