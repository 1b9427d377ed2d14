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
    /// Writes one formatted event, token-shaped text replaced by its fingerprint (see [`redact`]). The whole
    /// buffer is taken in one call, so a token is never split between two scrubs.
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let taken = buf.len();
        let text = String::from_utf8_lossy(buf);
        let scrubbed = redact(&text);
        let buf = scrubbed.as_bytes();
        let mut inner = self
            .0
            .lock()
            .map_err(|_| std::io::Error::other("log lock poisoned"))?;
        if inner.written + buf.len() as u64 > MAX_LOG_BYTES && inner.written > 0 {
            // Another process may have rotated already; losing a rotation is harmless.
            let _ = inner.rotate();
        }
        if let Some(f) = inner.file.as_mut() {
            f.write_all(buf)?;
        }
        inner.written += buf.len() as u64;
        Ok(taken)
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

/// The beginnings of Google's secrets: access tokens, refresh tokens, authorization codes, client secrets,
/// and JWTs (id_tokens: base64 of `{"`).
const SECRET_PREFIXES: &[&str] = &["ya29.", "1//", "4/0", "GOCSPX-", "eyJ"];

fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"-_.~+/=".contains(&b)
}

/// Replaces every token-shaped run in `text` (one of [`SECRET_PREFIXES`] followed by token characters) with
/// `[redacted <fingerprint>]`. The log writer passes everything through it, so a token that reaches a log
/// line by accident (an error text quoting what it could not read, a caller's junk, Google's own words)
/// never reaches the file; text Google sends that the extension sees or the index keeps goes through it too.
pub fn redact(text: &str) -> std::borrow::Cow<'_, str> {
    let bytes = text.as_bytes();
    let mut out = String::new();
    let mut copied = 0;
    let mut i = 0;
    while i < bytes.len() {
        let found = SECRET_PREFIXES
            .iter()
            .find(|p| bytes[i..].starts_with(p.as_bytes()));
        if let Some(prefix) = found {
            let mut end = i + prefix.len();
            while end < bytes.len() && is_token_byte(bytes[end]) {
                end += 1;
            }
            // A prefix alone ("1//" in a path, a bare "eyJ") is not a secret; a few characters more are.
            if end - i >= prefix.len() + 4 {
                out.push_str(&text[copied..i]);
                out.push_str(&format!("[redacted {}]", fingerprint(&text[i..end])));
                copied = end;
                i = end;
                continue;
            }
        }
        i += 1;
    }
    if copied == 0 {
        return std::borrow::Cow::Borrowed(text);
    }
    out.push_str(&text[copied..]);
    std::borrow::Cow::Owned(out)
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
    fn token_shaped_text_is_redacted_and_the_rest_kept() {
        fn check(input: &str, expected: &str) {
            let got = redact(input);
            // Fingerprints differ per secret: compare with them replaced by a marker.
            let mut shown = String::new();
            let mut rest = got.as_ref();
            while let Some(start) = rest.find("[redacted ") {
                shown.push_str(&rest[..start]);
                let end = start + rest[start..].find(']').unwrap() + 1;
                shown.push_str("[R]");
                rest = &rest[end..];
            }
            shown.push_str(rest);
            assert_eq!(shown, expected, "{input}");
        }
        check("nothing secret here", "nothing secret here");
        check("token ya29.a0AfB_byC-xyz.1 expired", "token [R] expired");
        check("refresh=1//0gLd9-abc_DEF/xyz&x=1", "refresh=[R]&x=1");
        check("code=4/0AQSTgQabc", "code=[R]");
        check("secret GOCSPX-abcdEFGH", "secret [R]");
        check("id eyJhbGciOi.eyJzdWIiOiIx.c2ln end", "id [R] end");
        check(
            "\"1//0secret\", expected struct",
            "\"[R]\", expected struct",
        );
        check("two: ya29.aaaa ya29.bbbb", "two: [R] [R]");
        // Prefixes without a secret after them are left.
        check(
            "http://x:1//a and ya29. and eyJ",
            "http://x:1//a and ya29. and eyJ",
        );
        check("é ya29.abcd é", "é [R] é");
    }

    #[test]
    fn the_log_file_never_gets_a_token() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.log");
        let mut w = RotatingFile::open(&path).unwrap();
        let line = b"refresh refused: invalid_grant: ya29.a0leakleak 1//0leakleak\n";
        assert_eq!(w.write(line).unwrap(), line.len());
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(!text.contains("leakleak"), "{text}");
        assert!(text.contains("[redacted len="), "{text}");
    }

    #[test]
    fn fingerprint_does_not_contain_the_secret() {
        let f = fingerprint("1//secret-refresh-token");
        assert!(!f.contains("secret"));
        assert!(f.starts_with("len=23 "));
    }
}
