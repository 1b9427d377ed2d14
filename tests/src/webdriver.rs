//! A small synchronous W3C WebDriver client: just the commands the gmux tests use, for chromedriver and
//! geckodriver alike.

use std::path::Path;
use std::time::Duration;

use base64::Engine;
use serde_json::{json, Value};

use crate::{HarnessError, Result};

/// The key under which W3C WebDriver returns an element reference.
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

#[derive(Clone)]
pub struct WebDriverClient {
    base: String,
    agent: ureq::Agent,
}

impl WebDriverClient {
    /// `base` like `http://127.0.0.1:4444`.
    pub fn new(base: &str) -> Self {
        // Starting a browser on a busy two-core machine can take a while; a command never legitimately
        // takes minutes.
        let agent = ureq::AgentBuilder::new()
            .timeout(Duration::from_secs(120))
            .build();
        WebDriverClient {
            base: base.trim_end_matches('/').to_string(),
            agent,
        }
    }

    /// Sends one command and returns its `value`.
    pub fn call(&self, method: &str, path: &str, body: Option<&Value>) -> Result<Value> {
        let command = format!("{method} {path}");
        let request = self.agent.request(method, &format!("{}{path}", self.base));
        let outcome = match body {
            Some(body) => request.send_json(body),
            None => request.call(),
        };
        match outcome {
            Ok(response) => {
                let body: Value = response.into_json().map_err(|e| HarnessError::Transport {
                    command: command.clone(),
                    detail: e.to_string(),
                })?;
                Ok(body.get("value").cloned().unwrap_or(Value::Null))
            }
            Err(ureq::Error::Status(code, response)) => {
                let body: Value = response.into_json().unwrap_or(Value::Null);
                let value = body.get("value").cloned().unwrap_or(Value::Null);
                Err(HarnessError::WebDriver {
                    command,
                    error: value["error"]
                        .as_str()
                        .map(str::to_string)
                        .unwrap_or_else(|| format!("http {code}")),
                    message: value["message"].as_str().unwrap_or_default().to_string(),
                })
            }
            Err(e) => Err(HarnessError::Transport {
                command,
                detail: e.to_string(),
            }),
        }
    }

    /// Whether the driver says it can create a session.
    pub fn is_ready(&self) -> bool {
        self.call("GET", "/status", None)
            .map(|v| v["ready"].as_bool().unwrap_or(false))
            .unwrap_or(false)
    }

    pub fn new_session(&self, always_match: Value) -> Result<Session> {
        let value = self.call(
            "POST",
            "/session",
            Some(&json!({"capabilities": {"alwaysMatch": always_match}})),
        )?;
        let id = value["sessionId"].as_str().ok_or_else(|| {
            HarnessError::Unexpected(format!("new session without sessionId: {value}"))
        })?;
        Ok(Session {
            client: self.clone(),
            id: id.to_string(),
        })
    }
}

/// A browser session; deleted (the browser quits) on drop.
pub struct Session {
    client: WebDriverClient,
    id: String,
}

impl Session {
    fn call(&self, method: &str, command: &str, body: Option<&Value>) -> Result<Value> {
        self.client
            .call(method, &format!("/session/{}{command}", self.id), body)
    }

    pub fn navigate(&self, url: &str) -> Result<()> {
        self.call("POST", "/url", Some(&json!({"url": url})))
            .map(drop)
    }

    /// The handles of the session's open windows and tabs.
    pub fn window_handles(&self) -> Result<Vec<String>> {
        let value = self.call("GET", "/window/handles", None)?;
        Ok(value
            .as_array()
            .map(|all| {
                all.iter()
                    .filter_map(|h| h.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default())
    }

    /// The handle of the window or tab that commands go to.
    pub fn window_handle(&self) -> Result<String> {
        let value = self.call("GET", "/window", None)?;
        Ok(value.as_str().unwrap_or_default().to_string())
    }

    /// Sends the next commands to another window or tab.
    pub fn switch_to_window(&self, handle: &str) -> Result<()> {
        self.call("POST", "/window", Some(&json!({ "handle": handle })))
            .map(drop)
    }

    pub fn current_url(&self) -> Result<String> {
        let value = self.call("GET", "/url", None)?;
        value
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| HarnessError::Unexpected(format!("url: {value}")))
    }

    /// Runs `script` as a function body in the page and returns what it returns.
    pub fn execute(&self, script: &str, args: &[Value]) -> Result<Value> {
        self.call(
            "POST",
            "/execute/sync",
            Some(&json!({"script": script, "args": args})),
        )
    }

    /// The element reference of the first match of a CSS selector.
    pub fn find_css(&self, selector: &str) -> Result<String> {
        let value = self.call(
            "POST",
            "/element",
            Some(&json!({"using": "css selector", "value": selector})),
        )?;
        value[ELEMENT_KEY]
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| HarnessError::Unexpected(format!("element reference: {value}")))
    }

    pub fn element_text(&self, element: &str) -> Result<String> {
        let value = self.call("GET", &format!("/element/{element}/text"), None)?;
        value
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| HarnessError::Unexpected(format!("text: {value}")))
    }

    /// A PNG of the whole viewport, as it is scrolled now.
    pub fn screenshot(&self, path: &Path) -> Result<()> {
        let value = self.call("GET", "/screenshot", None)?;
        write_png(&value, path)
    }

    /// A PNG of one element's box.
    pub fn element_screenshot(&self, element: &str, path: &Path) -> Result<()> {
        let value = self.call("GET", &format!("/element/{element}/screenshot"), None)?;
        write_png(&value, path)
    }

    pub fn set_window_size(&self, width: u32, height: u32) -> Result<()> {
        self.call(
            "POST",
            "/window/rect",
            Some(&json!({"width": width, "height": height})),
        )
        .map(drop)
    }

    /// chromedriver only: one Chrome DevTools Protocol command.
    pub fn chrome_devtools(&self, command: &str, params: Value) -> Result<Value> {
        self.call(
            "POST",
            "/goog/cdp/execute",
            Some(&json!({"cmd": command, "params": params})),
        )
    }

    /// geckodriver only: installs an unpacked add-on from an absolute folder, as `about:debugging` would.
    pub fn install_firefox_addon(&self, dir: &Path, temporary: bool) -> Result<String> {
        let body = json!({"path": dir.to_string_lossy(), "temporary": temporary});
        let value = self.call("POST", "/moz/addon/install", Some(&body))?;
        value
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| HarnessError::Unexpected(format!("add-on id: {value}")))
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        // The driver process is killed right after, which also ends the browser if this fails.
        let _ = self
            .client
            .call("DELETE", &format!("/session/{}", self.id), None);
    }
}

fn write_png(value: &Value, path: &Path) -> Result<()> {
    let encoded = value
        .as_str()
        .ok_or_else(|| HarnessError::Unexpected(format!("screenshot: {value}")))?;
    let png = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .map_err(|e| HarnessError::Unexpected(format!("screenshot is not base64: {e}")))?;
    if !png.starts_with(b"\x89PNG") {
        return Err(HarnessError::Unexpected(
            "screenshot is not a PNG".to_string(),
        ));
    }
    std::fs::write(path, png).map_err(HarnessError::io(format!("writing {}", path.display())))
}

// Pages: input the inbox tests need.
impl Session {
    /// Presses keys on whatever has focus, one `keyDown`/`keyUp` pair per key. A key is a character, or a
    /// WebDriver key code like `"\u{E015}"` (ArrowDown); `shift` holds Shift around each key.
    pub fn press_keys(&self, keys: &[&str], shift: bool) -> Result<()> {
        const SHIFT: &str = "\u{E008}";
        let mut actions = Vec::new();
        for key in keys {
            if shift {
                actions.push(json!({"type": "keyDown", "value": SHIFT}));
            }
            actions.push(json!({"type": "keyDown", "value": key}));
            actions.push(json!({"type": "keyUp", "value": key}));
            if shift {
                actions.push(json!({"type": "keyUp", "value": SHIFT}));
            }
        }
        let body = json!({"actions": [{"type": "key", "id": "keyboard", "actions": actions}]});
        self.call("POST", "/actions", Some(&body))?;
        self.call("DELETE", "/actions", None).map(drop)
    }

    /// Types `text` into an element (WebDriver "Element Send Keys"); for an `<input type="file">`, `text` is the
    /// path of the file to choose.
    pub fn send_text(&self, element: &str, text: &str) -> Result<()> {
        self.call(
            "POST",
            &format!("/element/{element}/value"),
            Some(&json!({ "text": text })),
        )
        .map(drop)
    }

    /// Clicks an element as a person would (scrolled into view, at its centre).
    pub fn click(&self, element: &str) -> Result<()> {
        self.call(
            "POST",
            &format!("/element/{element}/click"),
            Some(&json!({})),
        )
        .map(drop)
    }

    /// geckodriver only: runs `script` with chrome privileges (needs `--allow-system-access`), then returns to
    /// the page.
    pub fn firefox_chrome_script(&self, script: &str) -> Result<Value> {
        self.call("POST", "/moz/context", Some(&json!({"context": "chrome"})))?;
        let result = self.execute(script, &[]);
        self.call("POST", "/moz/context", Some(&json!({"context": "content"})))?;
        result
    }
}

// The reader: frames and windows the reader tests need.
impl Session {
    /// Sends the next commands into a frame (an `<iframe>` element reference) of the current document, whatever
    /// its origin: a sandboxed frame's document can be read only from inside it.
    pub fn switch_to_frame(&self, element: &str) -> Result<()> {
        let body = json!({ "id": { ELEMENT_KEY: element } });
        self.call("POST", "/frame", Some(&body)).map(drop)
    }

    /// Back from a frame to the document around it.
    pub fn switch_to_parent_frame(&self) -> Result<()> {
        self.call("POST", "/frame/parent", Some(&json!({})))
            .map(drop)
    }

    /// Back to the window's top-level document, wherever the commands were going (even into a frame that is
    /// gone since).
    pub fn switch_to_top_frame(&self) -> Result<()> {
        self.call("POST", "/frame", Some(&json!({ "id": null })))
            .map(drop)
    }

    /// Every element reference matching a CSS selector.
    pub fn find_all_css(&self, selector: &str) -> Result<Vec<String>> {
        let value = self.call(
            "POST",
            "/elements",
            Some(&json!({"using": "css selector", "value": selector})),
        )?;
        Ok(value
            .as_array()
            .map(|all| {
                all.iter()
                    .filter_map(|e| e[ELEMENT_KEY].as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default())
    }

    /// Closes the current window or tab (then switch to another).
    pub fn close_window(&self) -> Result<()> {
        self.call("DELETE", "/window", None).map(drop)
    }
}
