//! Tracing to a size-capped file in the state directory. Never stdout: stdout carries only frames.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// The log rotates at this size, keeping one old file: at most twice this on disk.
pub const MAX_LOG_BYTES: u64 = 1024 * 1024;

struct RotatingInner {
    path: PathBuf,
    file: Option<File>,
    written: u64,
}

/// A file writer that moves the log to `<name>.1` when it passes [`MAX_LOG_BYTES`].
#[derive(Clone)]
pub struct RotatingFile(Arc<Mutex<RotatingInner>>);

impl RotatingFile {
    pub fn open(path: &Path) -> std::io::Result<Self> {
        if let Some(dir) = path.parent() {
            crate::private::create_dir(dir)?;
        }
        let file = crate::private::options()
            .create(true)
            .append(true)
            .open(path)?;
        let written = file.metadata().map(|m| m.len()).unwrap_or(0);
        Ok(RotatingFile(Arc::new(Mutex::new(RotatingInner {
            path: path.to_path_buf(),
            file: Some(file),
            written,
        }))))
    }
}

impl RotatingInner {
    fn rotate(&mut self) -> std::io::Result<()> {
        self.file = None;
        let mut old = self.path.clone().into_os_string();
        old.push(".1");
        std::fs::rename(&self.path, &old)?;
        self.file = Some(
            crate::private::options()
                .create(true)
                .append(true)
                .open(&self.path)?,
        );
        self.written = 0;
        Ok(())
    }
}

impl Write for RotatingFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let mut inner = self
            .0
            .lock()
            .map_err(|_| std::io::Error::other("log lock poisoned"))?;
        if inner.written + buf.len() as u64 > MAX_LOG_BYTES && inner.written > 0 {
            // Another process may have rotated already; losing a rotation is harmless.
            let _ = inner.rotate();
        }
        let n = match inner.file.as_mut() {
            Some(f) => f.write(buf)?,
            None => buf.len(),
        };
        inner.written += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        let mut inner = self
            .0
            .lock()
            .map_err(|_| std::io::Error::other("log lock poisoned"))?;
        match inner.file.as_mut() {
            Some(f) => f.flush(),
            None => Ok(()),
        }
    }
}

/// Starts logging into `path`. `GMUX_LOG` (an env-filter) sets the level; info by default. If the file
/// cannot be opened the host runs without a log rather than failing: the log is for diagnosis only.
pub fn init(path: &Path) {
    let Ok(writer) = RotatingFile::open(path) else {
        return;
    };
    let mut filter = tracing_subscriber::EnvFilter::try_from_env("GMUX_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    // Whatever level is asked for, the crates that carry secrets on the wire (D-Bus messages to the keyring,
    // HTTP bodies to the token endpoint) never log below warn: their trace output could hold a token.
    for quiet in [
        "zbus=warn",
        "secret_service=warn",
        "reqwest=warn",
        "hyper=warn",
        "hyper_util=warn",
        "h2=warn",
    ] {
        if let Ok(directive) = quiet.parse() {
            filter = filter.add_directive(directive);
        }
    }
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .try_init();
}

/// What may be logged about a secret: its length and a short hash, enough to tell two apart.
pub fn fingerprint(secret: &str) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(secret.as_bytes());
    format!(
        "len={} sha256:{:02x}{:02x}{:02x}",
        secret.len(),
        digest[0],
        digest[1],
        digest[2]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_log_rotates_and_keeps_one_old_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.log");
        let mut w = RotatingFile::open(&path).unwrap();
        let line = vec![b'a'; 1000];
        for _ in 0..3000 {
            w.write_all(&line).unwrap();
        }
        let size = std::fs::metadata(&path).unwrap().len();
        assert!(size <= MAX_LOG_BYTES);
        assert!(dir.path().join("x.log.1").exists());
    }

    #[test]
    fn fingerprint_does_not_contain_the_secret() {
        let f = fingerprint("1//secret-refresh-token");
        assert!(!f.contains("secret"));
        assert!(f.starts_with("len=23 "));
    }
}
