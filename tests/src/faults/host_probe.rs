//! A second gmux-host spoken to over the native-messaging protocol, as a user's other browser would start it.

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::{HarnessError, Result};

/// How long the probe host may take to answer one request (a token refresh included).
const PROBE_DEADLINE: Duration = Duration::from_secs(30);

/// Encodes one native-messaging frame: a native-endian u32 length, then the JSON.
pub fn frame(message: &Value) -> Vec<u8> {
    let payload = message.to_string().into_bytes();
    let mut out = u32::try_from(payload.len())
        .unwrap_or(u32::MAX)
        .to_ne_bytes()
        .to_vec();
    out.extend_from_slice(&payload);
    out
}

/// Splits a byte stream the host wrote into its frames (a cut-off last frame is left out).
pub fn split_frames(bytes: &[u8]) -> Vec<Value> {
    let mut frames = Vec::new();
    let mut rest = bytes;
    while rest.len() >= 4 {
        let len = u32::from_ne_bytes([rest[0], rest[1], rest[2], rest[3]]) as usize;
        if rest.len() < 4 + len {
            break;
        }
        frames.push(serde_json::from_slice(&rest[4..4 + len]).unwrap_or(Value::Null));
        rest = &rest[4 + len..];
    }
    frames
}

/// A second gmux-host (`<wrapper> serve`) with the browser's config dir, state dir and keyring service: what a
/// user's other browser would start. The checker asks it, not the extension, whether each account's refresh
/// token still works, so a host that merely cached an access token cannot hide a lost refresh token.
pub struct HostProbe {
    child: Child,
    stdin: Option<ChildStdin>,
    frames: Receiver<Value>,
    next_id: u64,
}

impl HostProbe {
    pub fn start(wrapper: &Path) -> Result<HostProbe> {
        let mut child = Command::new(wrapper)
            .arg("serve")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(HarnessError::io(format!(
                "starting {} serve",
                wrapper.display()
            )))?;
        let stdin = child.stdin.take();
        let mut stdout = child
            .stdout
            .take()
            .ok_or_else(|| HarnessError::Unexpected("the probe host has no stdout".into()))?;
        let (sender, frames) = mpsc::channel();
        std::thread::spawn(move || loop {
            let mut len = [0u8; 4];
            if stdout.read_exact(&mut len).is_err() {
                return;
            }
            let mut body = vec![0u8; u32::from_ne_bytes(len) as usize];
            if stdout.read_exact(&mut body).is_err() {
                return;
            }
            let value = serde_json::from_slice(&body).unwrap_or(Value::Null);
            if sender.send(value).is_err() {
                return;
            }
        });
        Ok(HostProbe {
            child,
            stdin,
            frames,
            next_id: 0,
        })
    }

    /// Sends one request; `Ok(result)` or `Err(error body)` as the host answered it.
    pub fn request(
        &mut self,
        method: &str,
        params: Value,
    ) -> Result<std::result::Result<Value, Value>> {
        self.next_id += 1;
        let id = self.next_id;
        let stdin = self
            .stdin
            .as_mut()
            .ok_or_else(|| HarnessError::Unexpected("the probe host's stdin is closed".into()))?;
        stdin
            .write_all(&frame(
                &json!({"id": id, "method": method, "params": params}),
            ))
            .and_then(|()| stdin.flush())
            .map_err(HarnessError::io(format!(
                "sending {method} to the probe host"
            )))?;
        let until = Instant::now() + PROBE_DEADLINE;
        loop {
            let left = until.saturating_duration_since(Instant::now());
            let message = self
                .frames
                .recv_timeout(left)
                .map_err(|_| HarnessError::Timeout {
                    what: format!("the probe host to answer {method}"),
                    last: "no reply".into(),
                })?;
            // Events (accounts.added and the like) are not for the probe.
            if message["id"] != json!(id) {
                continue;
            }
            return Ok(match message.get("error") {
                Some(error) => Err(error.clone()),
                None => Ok(message["result"].clone()),
            });
        }
    }
}

impl Drop for HostProbe {
    fn drop(&mut self) {
        // End of input is the host's cue to finish and exit; a host that does not is killed.
        drop(self.stdin.take());
        let until = Instant::now() + Duration::from_secs(5);
        while Instant::now() < until {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_round_trip_and_a_cut_frame_is_left_out() {
        let mut bytes = frame(&json!({"id": 1}));
        bytes.extend(frame(&json!({"id": 2, "result": "x"})));
        let cut = frame(&json!({"id": 3}));
        bytes.extend_from_slice(&cut[..cut.len() - 1]);
        assert_eq!(
            split_frames(&bytes),
            [json!({"id": 1}), json!({"id": 2, "result": "x"})]
        );
    }
}
