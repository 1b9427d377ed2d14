//! Reading conversations in the pages: what the reader shows ([`ReaderView`]), the sandboxed frames' insides,
//! downloads, and a loopback [`Tracker`] that counts every request mail makes.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::{ExtensionBrowser, HarnessError, Result};

const DEADLINE: Duration = Duration::from_secs(20);

/// One message card as drawn.
#[derive(Debug, Clone, PartialEq)]
pub struct CardView {
    pub message: String,
    pub expanded: bool,
    pub unread: bool,
    /// The sender's name as the header shows it.
    pub from: String,
    /// Everything visible in the card, as `innerText` gives it (quoted text only when shown).
    pub text: String,
    /// Sandboxed frames in the card (HTML bodies, its own and forwarded ones).
    pub frames: usize,
    /// The card offers "Show images".
    pub images_hidden: bool,
    /// The attachments' names, and their "type · size" lines.
    pub files: Vec<(String, String)>,
    pub notices: Vec<String>,
}

/// What the reader shows.
#[derive(Debug, Clone, PartialEq)]
pub struct ReaderView {
    pub open: bool,
    pub account: String,
    pub thread: String,
    pub subject: String,
    pub labels: Vec<String>,
    pub cards: Vec<CardView>,
    /// The failure's sentence, when the conversation could not be shown.
    pub failed: Option<String>,
    pub loading: bool,
    /// `performance.now()` at the click or key that opened it, and when its first text was shown.
    pub open_ms: Option<f64>,
    pub first_text_ms: Option<f64>,
    /// When the background's answer arrived, and when gmux-mail had read it.
    pub body_ms: Option<f64>,
    pub read_ms: Option<f64>,
    /// When the page handed the conversation to the reader module.
    pub module_ms: Option<f64>,
}

const READ_READER: &str = r#"
const reader = document.getElementById('reader');
const t = (root, sel) => { const e = root && root.querySelector(sel); return e ? e.textContent : ''; };
if (!reader) return { open: false };
const cards = [...reader.querySelectorAll('#reader-messages > article.msg')].map(c => ({
  message: c.dataset.message || '', expanded: c.dataset.expanded === 'true', unread: c.hasAttribute('data-unread'),
  from: t(c, '.msg-name'), text: c.innerText, frames: c.querySelectorAll('iframe').length,
  images: !!c.querySelector(':scope > .msg-images'),
  files: [...c.querySelectorAll(':scope > .msg-files .file-button')].map(f => [t(f, '.file-name'), t(f, '.file-meta')]),
  notices: [...c.querySelectorAll(':scope > .msg-notice')].map(n => n.textContent) }));
const failed = reader.querySelector('.reader-failed-text');
return { open: !reader.hidden, account: reader.dataset.account || '', thread: reader.dataset.thread || '',
  subject: t(reader, '#reader-subject'), labels: [...reader.querySelectorAll('.label-chip')].map(l => l.textContent),
  cards, failed: failed ? failed.textContent : null, loading: !!reader.querySelector('.reader-loading'),
  open_ms: reader.dataset.openMs || null, first_ms: reader.dataset.firstTextMs || null,
  body_ms: reader.dataset.bodyMs || null, read_ms: reader.dataset.readMs || null,
  module_ms: reader.dataset.moduleMs || null };
"#;

fn parse_reader(v: &Value) -> ReaderView {
    let s = |v: &Value| v.as_str().unwrap_or_default().to_string();
    let cards = v["cards"]
        .as_array()
        .map(|cards| {
            cards
                .iter()
                .map(|c| CardView {
                    message: s(&c["message"]),
                    expanded: c["expanded"].as_bool().unwrap_or(false),
                    unread: c["unread"].as_bool().unwrap_or(false),
                    from: s(&c["from"]),
                    text: s(&c["text"]),
                    frames: c["frames"].as_u64().unwrap_or(0) as usize,
                    images_hidden: c["images"].as_bool().unwrap_or(false),
                    files: c["files"]
                        .as_array()
                        .map(|f| f.iter().map(|p| (s(&p[0]), s(&p[1]))).collect())
                        .unwrap_or_default(),
                    notices: c["notices"]
                        .as_array()
                        .map(|n| n.iter().map(s).collect())
                        .unwrap_or_default(),
                })
                .collect()
        })
        .unwrap_or_default();
    ReaderView {
        open: v["open"].as_bool().unwrap_or(false),
        account: s(&v["account"]),
        thread: s(&v["thread"]),
        subject: s(&v["subject"]),
        labels: v["labels"]
            .as_array()
            .map(|l| l.iter().map(s).collect())
            .unwrap_or_default(),
        cards,
        failed: v["failed"].as_str().map(str::to_string),
        loading: v["loading"].as_bool().unwrap_or(false),
        open_ms: v["open_ms"].as_str().and_then(|m| m.parse().ok()),
        first_text_ms: v["first_ms"].as_str().and_then(|m| m.parse().ok()),
        body_ms: v["body_ms"].as_str().and_then(|m| m.parse().ok()),
        read_ms: v["read_ms"].as_str().and_then(|m| m.parse().ok()),
        module_ms: v["module_ms"].as_str().and_then(|m| m.parse().ok()),
    }
}

impl ExtensionBrowser {
    /// What the reader shows now.
    pub fn reader_view(&self) -> Result<ReaderView> {
        Ok(parse_reader(&self.session.execute(READ_READER, &[])?))
    }

    /// Waits until the reader shows what `done` accepts.
    pub fn wait_for_reader(
        &self,
        what: &str,
        done: impl Fn(&ReaderView) -> bool,
    ) -> Result<ReaderView> {
        let deadline = Instant::now() + DEADLINE;
        let mut last = None;
        while Instant::now() < deadline {
            if let Ok(view) = self.reader_view() {
                if done(&view) {
                    return Ok(view);
                }
                last = Some(view);
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        let mut last = format!("{last:?}");
        last.truncate(3000);
        Err(HarnessError::Timeout {
            what: what.to_string(),
            last,
        })
    }

    /// Runs `f` inside the `n`th mail frame of the reader (document order), then returns to the page (also when
    /// the frame was replaced meanwhile: then `f` fails).
    pub fn in_frame<T>(&self, n: usize, f: impl FnOnce(&crate::Session) -> Result<T>) -> Result<T> {
        let frames = self.session.find_all_css("#reader-messages iframe")?;
        let frame = frames.get(n).ok_or_else(|| {
            HarnessError::Unexpected(format!("no frame {n}: {} in the reader", frames.len()))
        })?;
        let result = self
            .session
            .switch_to_frame(frame)
            .and_then(|()| f(&self.session));
        self.session.switch_to_top_frame()?;
        result
    }

    /// Waits until the script, run inside the `n`th mail frame, returns `true`. A frame drawn again meanwhile
    /// (its images arrived) is looked for again.
    pub fn wait_in_frame(&self, n: usize, what: &str, script: &str) -> Result<()> {
        let deadline = Instant::now() + DEADLINE;
        let mut last = String::new();
        while Instant::now() < deadline {
            match self.in_frame(n, |s| s.execute(script, &[])) {
                Ok(Value::Bool(true)) => return Ok(()),
                Ok(other) => last = other.to_string(),
                Err(e) => last = e.to_string(),
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Err(HarnessError::Timeout {
            what: what.to_string(),
            last,
        })
    }

    /// Where the browser saves downloads.
    pub fn downloads_dir(&self) -> PathBuf {
        self.scratch_dir().join("downloads")
    }

    /// Waits for a finished download named `name` and returns its bytes.
    pub fn wait_for_download(&self, name: &str) -> Result<Vec<u8>> {
        let path = self.downloads_dir().join(name);
        let deadline = Instant::now() + DEADLINE;
        while Instant::now() < deadline {
            // Chromium writes `.crdownload` and Firefox `.part` beside it until the download is done.
            let partial = std::fs::read_dir(self.downloads_dir())
                .map(|entries| {
                    entries.flatten().any(|e| {
                        let n = e.file_name().to_string_lossy().into_owned();
                        n.ends_with(".crdownload") || n.ends_with(".part")
                    })
                })
                .unwrap_or(false);
            if !partial {
                if let Ok(bytes) = std::fs::read(&path) {
                    return Ok(bytes);
                }
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let found: Vec<String> = std::fs::read_dir(self.downloads_dir())
            .map(|entries| {
                entries
                    .flatten()
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        Err(HarnessError::Timeout {
            what: format!("the download {name}"),
            last: format!("{found:?}"),
        })
    }
}

/// One request the tracker saw.
#[derive(Debug, Clone, PartialEq)]
pub struct TrackedRequest {
    pub path: String,
    /// Header lines, names lower-cased.
    pub headers: Vec<(String, String)>,
}

/// A loopback HTTP server that answers everything and remembers every request: what hostile mail points its
/// images, fonts, stylesheets and links at. Mail that loaded anything before the user asked shows here.
pub struct Tracker {
    pub port: u16,
    requests: Arc<Mutex<Vec<TrackedRequest>>>,
}

/// A 1x1 PNG, so an image that loads has a size.
const PIXEL_PNG: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4,
    0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0xf8, 0xcf, 0xc0, 0xf0,
    0x1f, 0x00, 0x05, 0x00, 0x01, 0xff, 0x89, 0x99, 0x3d, 0x1d, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45,
    0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
];

impl Tracker {
    pub fn start() -> Result<Tracker> {
        let listener =
            TcpListener::bind("127.0.0.1:0").map_err(HarnessError::io("binding the tracker"))?;
        let port = listener
            .local_addr()
            .map_err(HarnessError::io("the tracker's address"))?
            .port();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let seen = requests.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let seen = seen.clone();
                std::thread::spawn(move || serve(stream, &seen));
            }
        });
        Ok(Tracker { port, requests })
    }

    /// `http://127.0.0.1:PORT`
    pub fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn requests(&self) -> Vec<TrackedRequest> {
        self.requests.lock().map(|r| r.clone()).unwrap_or_default()
    }

    /// Waits until a request for a path starting with `prefix` came, and returns it.
    pub fn wait_for(&self, prefix: &str) -> Result<TrackedRequest> {
        let deadline = Instant::now() + DEADLINE;
        while Instant::now() < deadline {
            if let Some(found) = self
                .requests()
                .into_iter()
                .find(|r| r.path.starts_with(prefix))
            {
                return Ok(found);
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        Err(HarnessError::Timeout {
            what: format!("a request for {prefix}"),
            last: format!("{:?}", self.requests()),
        })
    }
}

fn serve(stream: TcpStream, seen: &Mutex<Vec<TrackedRequest>>) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let mut reader = BufReader::new(&stream);
    let mut first = String::new();
    if reader.read_line(&mut first).is_err() {
        return;
    }
    let path = first
        .split_whitespace()
        .nth(1)
        .unwrap_or_default()
        .to_string();
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        match reader.read_line(&mut line) {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            headers.push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
        }
    }
    if let Ok(mut all) = seen.lock() {
        all.push(TrackedRequest {
            path: path.clone(),
            headers,
        });
    }
    let (content_type, body): (&str, Vec<u8>) = if path.starts_with("/link") {
        (
            "text/html",
            b"<!doctype html><title>tracked link</title><p>followed".to_vec(),
        )
    } else if path.ends_with(".css") {
        ("text/css", b"body{background:red}".to_vec())
    } else {
        ("image/png", PIXEL_PNG.to_vec())
    };
    let mut out = &stream;
    let _ = write!(
        out,
        "HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let _ = out.write_all(&body);
    let _ = out.flush();
}

impl crate::EmulatorProcess {
    /// A Gmail API `GET` (`path` after `/gmail/v1/users/me/`) as one of the accounts sees it: the bytes Google
    /// would send, asked with each access token the emulator issued until one account has what `path` names.
    pub fn gmail_get(&self, path: &str) -> Result<Vec<u8>> {
        let url = format!("{}/gmail/v1/users/me/{path}", self.base_url());
        let issued = self.get("/_emulator/issued_tokens")?;
        let tokens: Vec<String> = issued["access_tokens"]
            .as_array()
            .map(|t| {
                t.iter()
                    .filter_map(|t| t.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        for token in tokens.iter().rev() {
            if let Ok(response) = ureq::get(&url)
                .set("Authorization", &format!("Bearer {token}"))
                .call()
            {
                let mut bytes = Vec::new();
                std::io::Read::read_to_end(&mut response.into_reader(), &mut bytes)
                    .map_err(HarnessError::io(format!("reading GET {url}")))?;
                return Ok(bytes);
            }
        }
        Err(HarnessError::Unexpected(format!(
            "no account's token reads {url} ({} tokens)",
            tokens.len()
        )))
    }

    /// [`gmail_get`](Self::gmail_get) read as JSON.
    pub fn gmail_json(&self, path: &str) -> Result<Value> {
        let bytes = self.gmail_get(path)?;
        serde_json::from_slice(&bytes)
            .map_err(|e| HarnessError::Unexpected(format!("{path} is not JSON: {e}")))
    }
}
