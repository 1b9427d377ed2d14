//! What the view tests and the views bench drive: a seed with categories, nested coloured labels and 300+
//! threads per account, the emulator's own answers read through its Gmail API (the truth a page is checked
//! against), and the page's search box, tabs, label picker and scrolling.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::browser::ExtensionBrowser;
use crate::pages::InboxView;
use crate::sync::EmulatorProcess;
use crate::{HarnessError, Result};

/// The user labels of every account of [`views_seed`], as the seed gives them (ids `Label_1`... in order).
pub const SEED_LABELS: [&str; 5] = [
    "Travel",
    "Work",
    "Work/Clients",
    "Receipts",
    "Receipts/2024",
];

/// `accounts` accounts (`<name>@views.test`) with nested, coloured labels, `threads` generated threads each over
/// the five categories, the labels, read and starred states, spam and trash, and replies (SENT); plus two
/// threads of their own with attachments and a phrase the generator never writes.
pub fn views_seed(emails: &[String], threads: usize) -> Value {
    let accounts: Vec<Value> = emails
        .iter()
        .enumerate()
        .map(|(i, email)| {
            json!({
                "email": email,
                "name": format!("Account {i}"),
                "labels": [
                    "Travel",
                    {"name": "Work", "text_color": "#ffffff", "background_color": "#4a86e8"},
                    {"name": "Work/Clients", "text_color": "#ffffff", "background_color": "#fb4c2f"},
                    "Receipts",
                    {"name": "Receipts/2024", "text_color": "#000000", "background_color": "#fad165"},
                ],
                "threads": [
                    {"messages": [{
                        "from": "Accounts Payable <ap@supplier.example>",
                        "subject": "Quarterly invoice attached",
                        "date": "2025-01-15T10:00:00Z",
                        "text": "Please find the quarterly statement of account attached.",
                        "labels": ["INBOX", "UNREAD", "IMPORTANT", "CATEGORY_UPDATES", "Receipts/2024"],
                        "attachments": [{"filename": "invoice-Q4.pdf", "mime_type": "application/pdf", "content": "%PDF-1.4 stand-in"}]
                    }]},
                    {"messages": [{
                        "from": "Marek Nowak <marek@example.pl>",
                        "subject": "Photos from the harbour",
                        "date": "2025-02-02T18:30:00Z",
                        "text": format!("The blue lighthouse photos from our trip, account {i}."),
                        "labels": ["INBOX", "CATEGORY_PERSONAL", "Travel", "STARRED"],
                        "attachments": [{"filename": "lighthouse.jpg", "mime_type": "image/jpeg", "content": "jpeg stand-in"}]
                    }]}
                ]
            })
        })
        .collect();
    let generate: serde_json::Map<String, Value> = emails
        .iter()
        .enumerate()
        .map(|(i, e)| (e.clone(), json!({"threads": threads, "seed": i + 11})))
        .collect();
    json!({"accounts": accounts, "generate": generate})
}

/// The emulator's own answers, read through its Gmail API with the access tokens it issued to gmux-host (each
/// tried on `getProfile` to learn whose it is).
pub struct GmailTruth {
    base: String,
    /// Per email: the token and the account's id in gmux (Google's `sub`).
    accounts: BTreeMap<String, (String, String)>,
    dates: RefCell<HashMap<(String, String), u64>>,
}

/// One thread of one account, as the combined list names it: `(account id, thread id)`.
pub type RowKey = (String, String);

impl GmailTruth {
    /// Reads the tokens the emulator issued; every one of `emails` must have one (added to gmux-host already).
    pub fn new(emulator: &EmulatorProcess, emails: &[String]) -> Result<GmailTruth> {
        let base = emulator.base_url().to_string();
        let subs: BTreeMap<String, String> = emulator.get("/_emulator/accounts")?["accounts"]
            .as_array()
            .map(|all| {
                all.iter()
                    .map(|a| {
                        (
                            a["email"].as_str().unwrap_or_default().to_string(),
                            a["sub"].as_str().unwrap_or_default().to_string(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        let issued = emulator.get("/_emulator/issued_tokens")?;
        let mut accounts = BTreeMap::new();
        for token in issued["access_tokens"]
            .as_array()
            .into_iter()
            .flatten()
            .rev()
        {
            let Some(token) = token.as_str() else {
                continue;
            };
            let Ok(profile) = get_json(&base, token, "/gmail/v1/users/me/profile") else {
                continue;
            };
            let Some(email) = profile["emailAddress"].as_str() else {
                continue;
            };
            if emails.iter().any(|e| e == email) && !accounts.contains_key(email) {
                let sub = subs.get(email).cloned().unwrap_or_default();
                accounts.insert(email.to_string(), (token.to_string(), sub));
            }
        }
        if let Some(missing) = emails.iter().find(|e| !accounts.contains_key(*e)) {
            return Err(HarnessError::Unexpected(format!(
                "the emulator issued no working token for {missing}"
            )));
        }
        Ok(GmailTruth {
            base,
            accounts,
            dates: RefCell::new(HashMap::new()),
        })
    }

    /// The account's id in gmux.
    pub fn id_of(&self, email: &str) -> String {
        self.accounts
            .get(email)
            .map(|(_, sub)| sub.clone())
            .unwrap_or_default()
    }

    pub fn get(&self, email: &str, path: &str) -> Result<Value> {
        let (token, _) = self
            .accounts
            .get(email)
            .ok_or_else(|| HarnessError::Unexpected(format!("no token for {email}")))?;
        get_json(&self.base, token, path)
    }

    /// Deletes a label of the account (`labels.delete`).
    pub fn delete_label(&self, email: &str, label_id: &str) -> Result<()> {
        let (token, _) = self
            .accounts
            .get(email)
            .ok_or_else(|| HarnessError::Unexpected(format!("no token for {email}")))?;
        let url = format!("{}/gmail/v1/users/me/labels/{label_id}", self.base);
        ureq::delete(&url)
            .set("Authorization", &format!("Bearer {token}"))
            .call()
            .map_err(|e| HarnessError::Unexpected(format!("DELETE {url}: {e}")))?;
        Ok(())
    }

    /// Every thread id `threads.list` answers for these parameters (`labelIds=...&q=...`), in Gmail's order.
    pub fn thread_ids(&self, email: &str, params: &str) -> Result<Vec<String>> {
        self.list(email, "threads", params).map(|all| {
            all.into_iter()
                .filter_map(|t| t["id"].as_str().map(str::to_string))
                .collect()
        })
    }

    /// Every `{id, threadId}` `messages.list` answers for these parameters.
    pub fn message_refs(&self, email: &str, params: &str) -> Result<Vec<(String, String)>> {
        self.list(email, "messages", params).map(|all| {
            all.into_iter()
                .map(|m| {
                    (
                        m["id"].as_str().unwrap_or_default().to_string(),
                        m["threadId"].as_str().unwrap_or_default().to_string(),
                    )
                })
                .collect()
        })
    }

    fn list(&self, email: &str, kind: &str, params: &str) -> Result<Vec<Value>> {
        let mut out = Vec::new();
        let mut token = String::new();
        loop {
            let mut path = format!("/gmail/v1/users/me/{kind}?maxResults=500");
            if !params.is_empty() {
                path.push('&');
                path.push_str(params);
            }
            if !token.is_empty() {
                path.push_str(&format!("&pageToken={token}"));
            }
            let page = self.get(email, &path)?;
            out.extend(page[kind].as_array().cloned().unwrap_or_default());
            match page["nextPageToken"].as_str() {
                Some(next) if !next.is_empty() => token = next.to_string(),
                _ => return Ok(out),
            }
        }
    }

    /// A message's labels (`messages.get format=minimal`).
    pub fn message_labels(&self, email: &str, id: &str) -> Result<Vec<String>> {
        let m = self.get(
            email,
            &format!("/gmail/v1/users/me/messages/{id}?format=minimal"),
        )?;
        Ok(m["labelIds"]
            .as_array()
            .map(|l| {
                l.iter()
                    .filter_map(|x| x.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default())
    }

    /// The union of a thread's messages' labels, as a row carries them.
    pub fn thread_labels(&self, email: &str, thread: &str) -> Result<Vec<String>> {
        let t = self.get(
            email,
            &format!("/gmail/v1/users/me/threads/{thread}?format=minimal"),
        )?;
        let mut labels: Vec<String> = t["messages"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|m| m["labelIds"].as_array().cloned().unwrap_or_default())
            .filter_map(|l| l.as_str().map(str::to_string))
            .collect();
        labels.sort();
        labels.dedup();
        Ok(labels)
    }

    /// A thread's date as a row shows it: its newest message's `internalDate`.
    pub fn thread_date(&self, email: &str, thread: &str) -> Result<u64> {
        let key = (email.to_string(), thread.to_string());
        if let Some(date) = self.dates.borrow().get(&key) {
            return Ok(*date);
        }
        let t = self.get(
            email,
            &format!("/gmail/v1/users/me/threads/{thread}?format=minimal"),
        )?;
        let date = t["messages"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|m| m["internalDate"].as_str()?.parse::<u64>().ok())
            .max()
            .unwrap_or(0);
        self.dates.borrow_mut().insert(key, date);
        Ok(date)
    }

    /// The combined list of a view the way gmux must show it: every account's threads for `params_of(email)`
    /// (`None`: the account lists nothing), merged newest first, ties by account id then thread id.
    pub fn merged(
        &self,
        emails: &[String],
        params_of: impl Fn(&str) -> Option<String>,
    ) -> Result<Vec<RowKey>> {
        let mut rows: Vec<(u64, String, String)> = Vec::new();
        for email in emails {
            let Some(params) = params_of(email) else {
                continue;
            };
            let id = self.id_of(email);
            for thread in self.thread_ids(email, &params)? {
                let date = self.thread_date(email, &thread)?;
                rows.push((date, id.clone(), thread));
            }
        }
        rows.sort_by(|a, b| {
            (std::cmp::Reverse(a.0), &a.1, &a.2).cmp(&(std::cmp::Reverse(b.0), &b.1, &b.2))
        });
        Ok(rows.into_iter().map(|(_, a, t)| (a, t)).collect())
    }
}

fn get_json(base: &str, token: &str, path: &str) -> Result<Value> {
    let url = format!("{base}{path}");
    ureq::get(&url)
        .set("Authorization", &format!("Bearer {token}"))
        .call()
        .map_err(|e| HarnessError::Unexpected(format!("GET {url}: {e}")))?
        .into_json()
        .map_err(HarnessError::io(format!("reading GET {url}")))
}

/// `q=` with the query percent-encoded.
pub fn q_param(query: &str) -> String {
    let mut out = String::from("q=");
    for b in query.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// The rows a page shows, as keys.
pub fn row_keys(view: &InboxView) -> Vec<RowKey> {
    view.rows
        .iter()
        .map(|r| (r.account.clone(), r.thread.clone()))
        .collect()
}

/// What the view controls show: the list's foot state (`loading`, `more`, `end`), the tabs (their `data-tab`,
/// the selected one), the view's title, and each account badge's progress.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ViewsView {
    pub foot: String,
    pub tabs: Vec<String>,
    pub selected_tab: Option<String>,
    pub primary_count: Option<String>,
    pub title: Option<String>,
    /// `account id -> data-progress` (`loading`, `failed`), for the badges that show one.
    pub progress: BTreeMap<String, String>,
}

const READ_VIEWS: &str = r#"
const foot = document.getElementById('list-foot');
const tabs = [...document.querySelectorAll('#tabs button.tab')];
const selected = tabs.find(t => t.getAttribute('aria-selected') === 'true');
const primary = document.querySelector('#tabs button.tab[data-tab=primary] .tab-count');
const title = document.querySelector('#tabs .view-title');
const progress = {};
document.querySelectorAll('#accounts .acct-badge[data-progress]').forEach(b => progress[b.dataset.account] = b.dataset.progress);
return { foot: foot ? (foot.dataset.state || '') : '', tabs: tabs.map(t => t.dataset.tab),
  selected: selected ? selected.dataset.tab : null, primary: primary ? primary.textContent : null,
  title: title ? title.textContent : null, progress };
"#;

impl ExtensionBrowser {
    /// What the view controls show now.
    pub fn views_view(&self) -> Result<ViewsView> {
        let v = self.session.execute(READ_VIEWS, &[])?;
        let s = |v: &Value| v.as_str().map(str::to_string);
        Ok(ViewsView {
            foot: s(&v["foot"]).unwrap_or_default(),
            tabs: v["tabs"]
                .as_array()
                .map(|t| t.iter().filter_map(s).collect())
                .unwrap_or_default(),
            selected_tab: s(&v["selected"]),
            primary_count: s(&v["primary"]),
            title: s(&v["title"]),
            progress: v["progress"]
                .as_object()
                .map(|o| {
                    o.iter()
                        .filter_map(|(k, v)| Some((k.clone(), s(v)?)))
                        .collect()
                })
                .unwrap_or_default(),
        })
    }

    /// Waits until the view controls show what `done` accepts.
    pub fn wait_for_views(
        &self,
        what: &str,
        deadline: Duration,
        done: impl Fn(&ViewsView, &InboxView) -> bool,
    ) -> Result<(ViewsView, InboxView)> {
        let until = Instant::now() + deadline;
        let mut last = String::new();
        while Instant::now() < until {
            if let (Ok(views), Ok(inbox)) = (self.views_view(), self.inbox_view()) {
                if done(&views, &inbox) {
                    return Ok((views, inbox));
                }
                last = format!(
                    "{views:?} rows={} notices={:?}",
                    inbox.rows.len(),
                    inbox.notices
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Err(HarnessError::Timeout {
            what: what.to_string(),
            last,
        })
    }

    /// Scrolls the list to its end again and again until every page is loaded (the foot says `end`), and
    /// returns what the page shows then, with how many scrolls it took.
    pub fn scroll_to_the_end(&self, deadline: Duration) -> Result<(InboxView, usize)> {
        let until = Instant::now() + deadline;
        let mut scrolls = 0;
        loop {
            let views = self.views_view()?;
            if views.foot == "end" {
                return Ok((self.inbox_view()?, scrolls));
            }
            if views.foot == "more" {
                self.session.execute(
                    "const area = document.querySelector('.inbox-area');
                     area.scrollTop = area.scrollHeight;
                     document.scrollingElement.scrollTop = document.scrollingElement.scrollHeight;
                     return true;",
                    &[],
                )?;
                scrolls += 1;
            }
            if Instant::now() >= until {
                return Err(HarnessError::Timeout {
                    what: "the list's end".into(),
                    last: format!("{views:?}"),
                });
            }
            std::thread::sleep(Duration::from_millis(40));
        }
    }

    /// Types into the search box as a person does (focused with `/`, one key after another), then Enter when
    /// asked.
    pub fn type_search(&self, text: &str, enter: bool) -> Result<()> {
        self.session.execute(
            "const s = document.getElementById('search'); s.value = ''; s.blur(); document.body.focus(); return true;",
            &[],
        )?;
        self.session.press_keys(&["/"], false)?;
        let keys: Vec<String> = text.chars().map(|c| c.to_string()).collect();
        let mut keys: Vec<&str> = keys.iter().map(String::as_str).collect();
        if enter {
            keys.push("\u{E007}");
        }
        self.session.press_keys(&keys, false)
    }

    /// Puts a query into the search box and presses Enter (faster than typing it).
    pub fn search_for(&self, query: &str) -> Result<()> {
        self.session.execute(
            "const s = document.getElementById('search'); s.focus(); s.value = arguments[0];
             s.dispatchEvent(new Event('input', {bubbles: true}));
             s.dispatchEvent(new KeyboardEvent('keydown', {key: 'Enter', bubbles: true}));
             return true;",
            &[json!(query)],
        )?;
        Ok(())
    }
}

impl ExtensionBrowser {
    /// Saves a PNG of what the window shows (not the whole page, which Firefox scrolls to capture, and a
    /// scroll loads more) to `target/screenshots/<browser>-<name>.png`.
    pub fn viewport_screenshot(&self, name: &str) -> Result<std::path::PathBuf> {
        let path =
            crate::paths::screenshot_dir()?.join(format!("{}-{name}.png", self.browser.name()));
        self.session.screenshot(&path)?;
        Ok(path)
    }
}

/// The label picker's entries as drawn: `(data-path, data-kind, depth, has a colour)`.
pub fn picker_entries(instance: &ExtensionBrowser) -> Result<Vec<(String, String, u32, bool)>> {
    let v = instance.session.execute(
        "return [...document.querySelectorAll('#picker-list .picker-entry')].map(e => [e.dataset.path, e.dataset.kind,
           parseInt(getComputedStyle(e).getPropertyValue('--depth') || '0'), e.querySelector('.swatch[data-colour]') !== null]);",
        &[],
    )?;
    Ok(v.as_array()
        .into_iter()
        .flatten()
        .map(|e| {
            (
                e[0].as_str().unwrap_or_default().to_string(),
                e[1].as_str().unwrap_or_default().to_string(),
                e[2].as_u64().unwrap_or(0) as u32,
                e[3].as_bool().unwrap_or(false),
            )
        })
        .collect())
}
