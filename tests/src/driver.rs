//! chromedriver and geckodriver as child processes on free loopback ports, killed on drop.

use std::fs::File;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::webdriver::WebDriverClient;
use crate::{HarnessError, Result};

/// Another process can take the free port between our probe and the driver's bind; a couple of fresh tries make
/// that race harmless.
const START_ATTEMPTS: usize = 3;
const READY_DEADLINE: Duration = Duration::from_secs(30);

pub struct DriverProcess {
    child: Child,
    pub client: WebDriverClient,
    log: PathBuf,
}

impl DriverProcess {
    /// Starts `program` with `args(port)` and the extra environment `env`, output to `log`, and waits until its
    /// `/status` says ready.
    pub fn start(
        program: &Path,
        args: impl Fn(u16) -> Vec<String>,
        env: &[(&str, &Path)],
        log: &Path,
    ) -> Result<DriverProcess> {
        let name = program
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let mut last_error = String::new();
        for _ in 0..START_ATTEMPTS {
            let port = free_port()?;
            let output = File::create(log)
                .map_err(HarnessError::io(format!("creating {}", log.display())))?;
            let errors = output
                .try_clone()
                .map_err(HarnessError::io("duplicating the driver log handle"))?;
            let child = Command::new(program)
                .args(args(port))
                .envs(env.iter().copied())
                .stdin(Stdio::null())
                .stdout(output)
                .stderr(errors)
                .spawn()
                .map_err(HarnessError::io(format!("starting {}", program.display())))?;
            let mut driver = DriverProcess {
                child,
                client: WebDriverClient::new(&format!("http://127.0.0.1:{port}")),
                log: log.to_path_buf(),
            };
            match driver.wait_ready() {
                Ok(()) => return Ok(driver),
                Err(e) => last_error = e,
            }
        }
        Err(HarnessError::DriverStart {
            driver: name,
            detail: last_error,
        })
    }

    fn wait_ready(&mut self) -> std::result::Result<(), String> {
        let deadline = Instant::now() + READY_DEADLINE;
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!("exited with {status}; log: {}", self.log_tail()));
            }
            if self.client.is_ready() {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Err(format!(
            "no ready /status within {READY_DEADLINE:?}; log: {}",
            self.log_tail()
        ))
    }

    /// The end of the driver's output, for error messages.
    pub fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(15)..].join("\n")
    }
}

impl Drop for DriverProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0")
        .map_err(HarnessError::io("finding a free loopback port"))?;
    let port = listener
        .local_addr()
        .map_err(HarnessError::io("reading the free port"))?
        .port();
    Ok(port)
}
