//! What the inbox page tests drive: a store seeded into `storage.local` as the background would write it, reads
//! of what the popup / new tab / options pages show, keyboard and clicks, dark scheme in both browsers, and the
//! first-row paint time for the bench.

use std::time::{Duration, Instant};

use gmux_core::inbox::{AccountInbox, InboxCounts, InboxStore, ThreadRow};
use gmux_core::view;
use serde_json::{json, Value};

use crate::browser::{Browser, ExtensionBrowser, HostSetup};
use crate::{HarnessError, Result};

/// How long a page may take to draw what the test waits for on a loaded machine.
const PAGE_DEADLINE: Duration = Duration::from_secs(30);

const FIRST_NAMES: [&str; 10] = [
    "Ada", "Grace", "Linus", "Margaret", "Ken", "Barbara", "Dennis", "Frances", "Alan", "Radia",
];
const SUBJECTS: [&str; 8] = [
    "Quarterly report draft",
    "Lunch on Friday?",
    "Your invoice is ready",
    "Re: design review notes",
    "Flight itinerary changed",
    "Weekly digest",
    "Can you take a look at this PR",
    "Photos from the weekend",
];

/// A store shaped like the background's: `accounts` demo accounts (`user<i>@gmux.test`) with `threads` inbox
/// threads each, one minute apart across accounts, newest at `now_ms`; every third thread unread, every fifth
/// starred, every fourth with several messages. Unread counts match the rows.
pub fn demo_store(accounts: usize, threads: usize, now_ms: u64) -> InboxStore {
    let mut store = InboxStore::default();
    for a in 0..accounts {
        let id = format!("10000000000000000000{a}");
        let mut inbox = AccountInbox::new(&id, &format!("user{a}@gmux.test"));
        for t in 0..threads {
            let n = t * accounts + a;
            let senders: Vec<String> = (0..1 + n % 3)
                .map(|k| FIRST_NAMES[(n + k) % FIRST_NAMES.len()].to_string())
                .collect();
            inbox.threads.push(ThreadRow {
                account_id: id.clone(),
                thread_id: format!("{:016x}", 0x18c0_0000_0000_0000_u64 + n as u64),
                senders,
                subject: SUBJECTS[n % SUBJECTS.len()].to_string(),
                snippet: format!(
                    "Thread {n}: a short preview of the newest message, as Gmail sends it."
                ),
                date_ms: now_ms.saturating_sub(n as u64 * 60_000),
                unread: n.is_multiple_of(3),
                starred: n.is_multiple_of(5),
                message_count: if n.is_multiple_of(4) { 3 } else { 1 },
                label_ids: vec!["INBOX".into()],
            });
        }
        let unread = inbox.threads.iter().filter(|t| t.unread).count() as u64;
        inbox.account.counts = InboxCounts {
            threads_total: threads as u64,
            threads_unread: unread,
            messages_total: threads as u64,
            messages_unread: unread,
        };
        inbox.account.last_good_sync_ms = Some(now_ms);
        store.put_account(inbox);
    }
    store
}

/// A connected `gmux_core::status::Status` listing the store's accounts with the palette's colours.
pub fn connected_status(store: &InboxStore, now_ms: u64) -> Value {
    let accounts: Vec<Value> = store
        .accounts
        .iter()
        .enumerate()
        .map(|(order, a)| {
            json!({"id": a.account.id, "email": a.account.email, "color": view::default_account_color(order),
                   "order": order, "status": "ok", "scopes": []})
        })
        .collect();
    json!({"host": "connected", "host_version": "0.1.0", "accounts": accounts, "last_sync_ms": now_ms, "syncing": false})
}

/// The current time as Unix ms.
pub fn unix_now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// One inbox row as drawn.
#[derive(Debug, Clone, PartialEq)]
pub struct RowView {
    pub account: String,
    pub thread: String,
    pub senders: String,
    pub subject: String,
    pub snippet: String,
    pub date: String,
    pub count: String,
    pub unread: bool,
    pub starred: bool,
    /// The row's change waits for Gmail (`data-pending`, issue 22).
    pub pending: bool,
}

/// One account badge as drawn.
#[derive(Debug, Clone, PartialEq)]
pub struct BadgeView {
    pub account: String,
    pub name: String,
    pub count: String,
    pub pressed: bool,
    pub health: String,
    pub has_reconnect: bool,
}

/// What an inbox page shows.
#[derive(Debug, Clone, PartialEq)]
pub struct InboxView {
    pub rows: Vec<RowView>,
    pub badges: Vec<BadgeView>,
    /// `(data-notice, text)` of each notice.
    pub notices: Vec<(String, String)>,
    /// `data-state` of the empty-list panel when shown (`no_accounts`, `empty`).
    pub empty_state: Option<String>,
    /// `#status`'s `data-state`.
    pub status_state: String,
    /// Every visible text on the page.
    pub text: String,
    /// `performance.now()` when the first row was put in the DOM.
    pub first_row_ms: Option<f64>,
    /// Whether the page shows the first screen early.js put in before its wasm drew (`data-first-screen`).
    pub first_screen: bool,
}

const READ_INBOX: &str = r#"
const text = (root, sel) => { const e = root.querySelector(sel); return e ? e.textContent : ''; };
const rows = [...document.querySelectorAll('#inbox .row')].map(r => ({
  account: r.dataset.account, thread: r.dataset.thread, senders: text(r, '.senders'), subject: text(r, '.subject'),
  snippet: text(r, '.snippet'), date: text(r, '.date'), count: text(r, '.count'),
  unread: r.classList.contains('unread'), starred: r.classList.contains('starred'),
  pending: r.hasAttribute('data-pending') }));
const badges = [...document.querySelectorAll('#accounts .acct-badge')].map(b => ({
  account: b.dataset.account, name: text(b, '.acct-name'), count: text(b, '.acct-count'),
  pressed: b.querySelector('.acct-filter').getAttribute('aria-pressed') === 'true',
  health: b.dataset.health || '', reconnect: !!b.querySelector('.reconnect') }));
const notices = [...document.querySelectorAll('#notices .notice')].map(n => [n.dataset.notice, n.textContent]);
const empty = document.getElementById('empty');
const status = document.getElementById('status');
const list = document.getElementById('inbox');
return { rows, badges, notices, empty: empty && !empty.hidden ? (empty.dataset.state || '') : null,
  status: status ? status.dataset.state || '' : '', text: document.body.innerText,
  first: list && list.dataset.firstRowMs ? list.dataset.firstRowMs : null,
  firstScreen: document.documentElement.hasAttribute('data-first-screen') };
"#;

fn parse_inbox(value: &Value) -> InboxView {
    let s = |v: &Value| v.as_str().unwrap_or_default().to_string();
    let rows = value["rows"]
        .as_array()
        .map(|rows| {
            rows.iter()
                .map(|r| RowView {
                    account: s(&r["account"]),
                    thread: s(&r["thread"]),
                    senders: s(&r["senders"]),
                    subject: s(&r["subject"]),
                    snippet: s(&r["snippet"]),
                    date: s(&r["date"]),
                    count: s(&r["count"]),
                    unread: r["unread"].as_bool().unwrap_or(false),
                    starred: r["starred"].as_bool().unwrap_or(false),
                    pending: r["pending"].as_bool().unwrap_or(false),
                })
                .collect()
        })
        .unwrap_or_default();
    let badges = value["badges"]
        .as_array()
        .map(|badges| {
            badges
                .iter()
                .map(|b| BadgeView {
                    account: s(&b["account"]),
                    name: s(&b["name"]),
                    count: s(&b["count"]),
                    pressed: b["pressed"].as_bool().unwrap_or(false),
                    health: s(&b["health"]),
                    has_reconnect: b["reconnect"].as_bool().unwrap_or(false),
                })
                .collect()
        })
        .unwrap_or_default();
    let notices = value["notices"]
        .as_array()
        .map(|n| n.iter().map(|pair| (s(&pair[0]), s(&pair[1]))).collect())
        .unwrap_or_default();
    InboxView {
        rows,
        badges,
        notices,
        empty_state: value["empty"].as_str().map(str::to_string),
        status_state: s(&value["status"]),
        text: s(&value["text"]),
        first_row_ms: value["first"].as_str().and_then(|v| v.parse().ok()),
        first_screen: value["firstScreen"] == Value::Bool(true),
    }
}

impl ExtensionBrowser {
    /// Gives the keyboard focus to the list's row of `thread`; `false` when the list has no such row.
    ///
    /// As a person's click or Tab would, it happens in a window that has the focus. Headless Firefox gives its own
    /// notification windows the focus when they open; a `focus()` in a window without it moves
    /// `document.activeElement` but sends no focus event, and the pages learn which row has the focus from those
    /// events (a redraw would then give the focus back to the row focused before). So the window gets the focus
    /// back first.
    pub fn focus_row(&self, thread: &str) -> Result<bool> {
        self.focus_window()?;
        let focused = self.session.execute(
            "const row = document.querySelector(`#inbox .row[data-thread=\"${arguments[0]}\"]`);
             if (row) { row.focus(); } return !!row;",
            &[json!(thread)],
        )?;
        Ok(focused == json!(true))
    }

    /// [`focus_row`](Self::focus_row) for the row of `thread` in `account`, scrolled to the middle of the list first,
    /// as a person reaching a row far down would see it.
    pub fn focus_row_of(&self, account: &str, thread: &str) -> Result<bool> {
        self.focus_window()?;
        let focused = self.session.execute(
            "const r = document.querySelector(`#inbox .row[data-account=\"${arguments[0]}\"][data-thread=\"${arguments[1]}\"]`);
             if (r) { r.scrollIntoView({block: 'center'}); r.focus(); } return !!r;",
            &[json!(account), json!(thread)],
        )?;
        Ok(focused == json!(true))
    }

    /// Clicks the selection box of `thread`'s row, with Shift held when `shift` (a range from the last box
    /// clicked). The click is dispatched on the box itself: a row far down need not be scrolled into view first.
    pub fn click_select_box(&self, thread: &str, shift: bool) -> Result<()> {
        self.session.execute(
            "const b = document.querySelector(`#inbox .row[data-thread=\"${arguments[0]}\"] .select`);
             b.dispatchEvent(new MouseEvent('click', {bubbles: true, cancelable: true, shiftKey: arguments[1]}));",
            &[json!(thread), json!(shift)],
        )?;
        Ok(())
    }

    /// Gives the system focus back to the test's window if something else (a notification's window) took it.
    pub fn focus_window(&self) -> Result<()> {
        if self.session.execute("return document.hasFocus();", &[])? != json!(true) {
            // WebDriver's Switch To Window raises the window it switches to and gives it the focus.
            let handle = self.session.window_handle()?;
            self.session.switch_to_window(&handle)?;
        }
        Ok(())
    }

    /// Writes `items` into the extension's `storage.local`, as the background does: an inbox goes with its
    /// head (`gmux_core::head`), cut for the settings written with it. The current page must be one of the
    /// extension's.
    pub fn seed_storage(&self, items: &Value) -> Result<()> {
        let mut items = items.clone();
        if let Some(inbox) = items
            .get("inbox")
            .filter(|_| items.get("inbox_head").is_none())
        {
            // An inbox a test made unreadable on purpose is its own head, so the page meets it first.
            let head = match serde_json::from_value::<InboxStore>(inbox.clone()) {
                Ok(store) => {
                    let settings = items
                        .get("settings")
                        .and_then(|s| serde_json::from_value(s.clone()).ok())
                        .unwrap_or_default();
                    json!(gmux_core::head::store_head(
                        &store,
                        &settings,
                        gmux_core::head::HEAD_ROWS
                    ))
                }
                Err(_) => inbox.clone(),
            };
            items["inbox_head"] = head;
        }
        self.session
            .execute(
                "const api = globalThis.browser ?? globalThis.chrome;
                 return api.storage.local.set(arguments[0]).then(() => true);",
                std::slice::from_ref(&items),
            )
            .map(drop)
    }

    /// Replaces the seeded store and status.
    pub fn seed_inbox(&self, store: &InboxStore, status: &Value) -> Result<()> {
        let store =
            serde_json::to_value(store).map_err(|e| HarnessError::Unexpected(e.to_string()))?;
        self.seed_storage(&json!({"inbox": store, "status": status}))
    }

    /// For the benches: the store and status as the background writes them, with a revision and the first
    /// screen's key (`gmux_core::head::screen_key`), so a page saves its first screen (`pages/first_screen.rs`)
    /// and the next one shows it, as in use.
    pub fn seed_inbox_as_written(
        &self,
        store: &InboxStore,
        status: &Value,
        revision: u64,
    ) -> Result<()> {
        let parsed: gmux_core::status::Status = serde_json::from_value(status.clone())
            .map_err(|e| HarnessError::Unexpected(e.to_string()))?;
        let settings = gmux_core::messages::Settings::default();
        let head = gmux_core::head::store_head(store, &settings, gmux_core::head::HEAD_ROWS);
        let key = gmux_core::head::screen_key(head, &settings, &parsed);
        let store =
            serde_json::to_value(store).map_err(|e| HarnessError::Unexpected(e.to_string()))?;
        self.seed_storage(
            &json!({"inbox": store, "status": status, "revision": revision, "screen_key": key}),
        )?;
        // Firefox's background, a page, mirrors the key into localStorage after each write
        // (`background/store.rs`); Chrome's, a worker, cannot.
        if self.browser == crate::Browser::Firefox {
            self.session.execute(
                "localStorage.setItem('gmux.screenKey', arguments[0]);",
                &[json!(key)],
            )?;
        }
        Ok(())
    }

    /// Waits until the current page (`popup.html` or `newtab.html`) has saved its first screen under the stored
    /// key (a page saves it once it has read the whole store).
    pub fn wait_for_first_screen_saved(&self, page: &str) -> Result<()> {
        const SAVED: &str = "const api = globalThis.browser ?? globalThis.chrome;
            const kind = arguments[0].replace('.html', '');
            const saved = JSON.parse(localStorage.getItem(`gmux.firstScreen.${kind}`) ?? 'null');
            return api.storage.local.get('screen_key').then((s) => !!saved && saved.key === s.screen_key);";
        let deadline = Instant::now() + PAGE_DEADLINE;
        while Instant::now() < deadline {
            if self.session.execute(SAVED, &[json!(page)])? == json!(true) {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        Err(HarnessError::Timeout {
            what: format!("{page} to save its first screen"),
            last: String::new(),
        })
    }

    /// What the current inbox page shows now.
    pub fn inbox_view(&self) -> Result<InboxView> {
        Ok(parse_inbox(&self.session.execute(READ_INBOX, &[])?))
    }

    /// Waits until the current page shows what `done` accepts, and returns it.
    pub fn wait_for_inbox(
        &self,
        what: &str,
        done: impl Fn(&InboxView) -> bool,
    ) -> Result<InboxView> {
        let deadline = Instant::now() + PAGE_DEADLINE;
        let mut last = None;
        while Instant::now() < deadline {
            // A navigation still under way can refuse scripts for a moment; that is not a failure yet.
            // The wasm's own draw: a first screen shown before it (the same rows, from the last page) is not
            // the page yet, and tests act on the page (`stale_page::first_screen_*` test the first screen).
            if let Some(view) = self.inbox_view().ok().filter(|v| !v.first_screen) {
                if done(&view) {
                    return Ok(view);
                }
                last = Some(view);
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        Err(HarnessError::Timeout {
            what: what.to_string(),
            last: format!("{last:?}"),
        })
    }

    /// Navigates to an extension page and waits until `done` accepts what it shows.
    pub fn open_inbox_page(
        &mut self,
        page: &str,
        done: impl Fn(&InboxView) -> bool,
    ) -> Result<InboxView> {
        self.session.navigate(&self.browser.extension_url(page))?;
        self.wait_for_inbox(&format!("{page} to draw"), done)
    }

    /// Clicks the first element matching `selector`. The pages draw their list anew on every storage change, so
    /// an element found may be replaced before the click reaches it: then it is found again.
    pub fn click_css(&self, selector: &str) -> Result<()> {
        let mut attempt = 0;
        loop {
            let element = self.session.find_css(selector)?;
            match self.session.click(&element) {
                Err(HarnessError::WebDriver { error, .. })
                    if error == "stale element reference" && attempt < 5 =>
                {
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    /// The search box's placeholder, its width in the box's font, and the room the box has for it (its width less
    /// its padding): a placeholder wider than its room shows cut off.
    pub fn search_placeholder_room(&self) -> Result<(String, f64, f64)> {
        let found = self.session.execute(
            "const input = document.getElementById('search');
             const style = getComputedStyle(input);
             const context = document.createElement('canvas').getContext('2d');
             context.font = `${style.fontStyle} ${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
             const px = (name) => parseFloat(style[name]) || 0;
             const room = input.getBoundingClientRect().width - px('borderLeftWidth') - px('borderRightWidth')
               - px('paddingLeft') - px('paddingRight');
             return [input.placeholder, context.measureText(input.placeholder).width, room];",
            &[],
        )?;
        Ok((
            found[0].as_str().unwrap_or_default().to_string(),
            found[1].as_f64().unwrap_or(f64::MAX),
            found[2].as_f64().unwrap_or(0.0),
        ))
    }

    /// Panics unless the search box's placeholder shows whole on the page open.
    pub fn assert_search_placeholder_fits(&self, page: &str) {
        let (placeholder, width, room) = self
            .search_placeholder_room()
            .expect("the search box measured");
        assert!(
            !placeholder.is_empty() && width <= room,
            "{page}: the search box's placeholder {placeholder:?} needs {width:.1} px and has {room:.1}"
        );
    }

    /// The thread id of the focused inbox row, if a row has focus.
    pub fn focused_thread(&self) -> Result<Option<String>> {
        let value = self.session.execute(
            "const a = document.activeElement; return a && a.classList.contains('row') ? a.dataset.thread : null;",
            &[],
        )?;
        Ok(value.as_str().map(str::to_string))
    }

    /// Pages render as if the system asked for a dark colour scheme, from the next load on: Chromium through
    /// DevTools media emulation, Firefox through its content colour-scheme pref.
    pub fn use_dark_scheme(&self) -> Result<()> {
        match self.browser {
            Browser::Chromium => self.emulate_dark_scheme(),
            Browser::Firefox => self
                .session
                .firefox_chrome_script(
                    "Services.prefs.setIntPref('layout.css.prefers-color-scheme.content-override', 0); return true;",
                )
                .map(drop),
        }
    }

    /// Undoes [`ExtensionBrowser::use_dark_scheme`]: pages render in the light scheme from the next load on.
    pub fn use_light_scheme(&self) -> Result<()> {
        match self.browser {
            Browser::Chromium => self
                .session
                .chrome_devtools(
                    "Emulation.setEmulatedMedia",
                    json!({"features": [{"name": "prefers-color-scheme", "value": "light"}]}),
                )
                .map(drop),
            Browser::Firefox => self
                .session
                .firefox_chrome_script(
                    "Services.prefs.setIntPref('layout.css.prefers-color-scheme.content-override', 1); return true;",
                )
                .map(drop),
        }
    }

    /// The web addresses of the browser's tabs (a tab still loading counts with the address it is loading), read
    /// through the browser's own automation, not the extension: gmux has no `tabs` permission.
    pub fn tab_urls(&self) -> Result<Vec<String>> {
        let value = match self.browser {
            Browser::Chromium => {
                let targets = self
                    .session
                    .chrome_devtools("Target.getTargets", json!({}))?;
                json!(targets["targetInfos"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter(|t| t["type"] == "page")
                    .map(|t| t["url"].clone())
                    .collect::<Vec<_>>())
            }
            Browser::Firefox => self.session.firefox_chrome_script(
                "const urls = [];
                 for (const win of Services.wm.getEnumerator('navigator:browser')) {
                   for (const tab of win.gBrowser.tabs) {
                     const b = tab.linkedBrowser;
                     urls.push((b.userTypedValue || b.currentURI.spec || '').toString());
                   }
                 }
                 return urls;",
            )?,
        };
        Ok(value
            .as_array()
            .map(|urls| {
                urls.iter()
                    .filter_map(|u| u.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default())
    }
}

/// Where one page load's time went, in milliseconds since navigation start.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FirstRowTiming {
    /// The page's wasm started running.
    pub wasm_ready_ms: f64,
    /// The cached store was read from `storage.local`.
    pub store_read_ms: f64,
    /// The first inbox row was in the DOM.
    pub first_row_ms: f64,
}

/// For the bench: loads `page` (`popup.html` or `newtab.html`) `loads` times in one browser, with a store of
/// `accounts` x `threads` seeded in `storage.local`, and returns per load where the time to the first inbox row
/// went.
pub fn first_row_times(
    browser: Browser,
    page: &str,
    accounts: usize,
    threads: usize,
    loads: usize,
) -> Result<Vec<FirstRowTiming>> {
    let mut instance = ExtensionBrowser::launch(browser, HostSetup::Installed)?;
    instance.open_page("options.html")?;
    let now = unix_now_ms();
    let store = demo_store(accounts, threads, now);
    instance.seed_inbox_as_written(&store, &connected_status(&store, now), now)?;
    let mut times = Vec::with_capacity(loads);
    for _ in 0..loads {
        let view = instance.open_inbox_page(page, |v| v.first_row_ms.is_some())?;
        times.push(instance.first_row_timing(&view)?);
        instance.wait_for_first_screen_saved(page)?;
    }
    Ok(times)
}

/// Page loads' timings, each with its page.
pub type PageTimings = Vec<(String, FirstRowTiming)>;

/// For the bench: where the time to the first inbox row went on the first load after a cold start. Seeds a store
/// of `accounts` x `threads`, then `starts` times per page quits the browser, starts it again on the same profile
/// and loads the page once; returns `(page, timing)` per cold start, pages taking turns, and then as many warm
/// loads per page in the last browser, for comparison.
pub fn cold_first_row_times(
    browser: Browser,
    pages: &[&str],
    accounts: usize,
    threads: usize,
    starts: usize,
) -> Result<(PageTimings, PageTimings)> {
    let mut instance = ExtensionBrowser::launch_restartable(browser)?;
    instance.open_page("options.html")?;
    let now = unix_now_ms();
    let store = demo_store(accounts, threads, now);
    instance.seed_inbox_as_written(&store, &connected_status(&store, now), now)?;
    // Each page as a person has seen it before: its first screen saved.
    for page in pages {
        instance.open_inbox_page(page, |v| v.first_row_ms.is_some())?;
        instance.wait_for_first_screen_saved(page)?;
    }
    let mut cold = Vec::with_capacity(starts * (pages.len() + 1));
    for _ in 0..starts {
        for page in pages {
            instance = instance.restart()?;
            let view = instance.open_inbox_page(page, |v| v.first_row_ms.is_some())?;
            cold.push((page.to_string(), instance.first_row_timing(&view)?));
            instance.wait_for_first_screen_saved(page)?;
        }
        // The floor (issue 21): the blank page (the popup's HTML and CSS, no script) as the first load after a
        // cold start; its first contentful paint stands as its "first row".
        instance = instance.restart()?;
        cold.push((FLOOR_BLANK.to_string(), instance.cold_blank_paint()?));
    }
    let mut warm = Vec::with_capacity(starts * pages.len());
    for _ in 0..starts {
        for page in pages {
            let view = instance.open_inbox_page(page, |v| v.first_row_ms.is_some())?;
            warm.push((page.to_string(), instance.first_row_timing(&view)?));
        }
    }
    Ok((cold, warm))
}

/// The test build's blank floor page (xtask's dist writes it): the popup's HTML and CSS with no script.
pub const FLOOR_BLANK: &str = "floor-blank.html";

/// Waits for the page's first contentful paint and returns it (ms from navigation start).
const FIRST_CONTENTFUL_PAINT: &str = r#"
return new Promise((done) => {
  const started = performance.now();
  const poll = () => {
    const fcp = performance.getEntriesByName('first-contentful-paint')[0];
    if (fcp) done(fcp.startTime);
    else if (performance.now() - started > 20000) done(null);
    else setTimeout(poll, 20);
  };
  poll();
});
"#;

impl ExtensionBrowser {
    /// Loads the blank floor page and reads its first contentful paint, as a [`FirstRowTiming`] with no wasm.
    fn cold_blank_paint(&self) -> Result<FirstRowTiming> {
        self.session
            .navigate(&self.browser.extension_url(FLOOR_BLANK))?;
        let fcp = self.session.execute(FIRST_CONTENTFUL_PAINT, &[])?;
        let fcp = fcp.as_f64().ok_or_else(|| {
            HarnessError::Unexpected(format!("{FLOOR_BLANK} reported no first contentful paint"))
        })?;
        Ok(FirstRowTiming {
            first_row_ms: fcp,
            wasm_ready_ms: f64::NAN,
            store_read_ms: f64::NAN,
        })
    }

    /// The timing stamps of the inbox page just drawn (`view` from [`open_inbox_page`](Self::open_inbox_page)).
    pub fn first_row_timing(&self, view: &InboxView) -> Result<FirstRowTiming> {
        let stamps = self.session.execute(
            "const d = document.documentElement.dataset; return [d.wasmReadyMs || '', d.storeReadMs || ''];",
            &[],
        )?;
        let stamp = |i: usize| {
            stamps[i]
                .as_str()
                .and_then(|s| s.parse().ok())
                .unwrap_or(f64::NAN)
        };
        Ok(FirstRowTiming {
            wasm_ready_ms: stamp(0),
            store_read_ms: stamp(1),
            first_row_ms: view.first_row_ms.unwrap_or(f64::NAN),
        })
    }
}

/// For the bench programs: one line judging a figure against its target. `cargo xtask bench` lists every line
/// with `: MISSED.` at the top of BENCHMARKS.md, so a miss says why and what would close it.
pub fn target_line(target: &str, met: bool, why_missed: impl FnOnce() -> String) -> String {
    if met {
        format!("  target {target}: met")
    } else {
        format!("  target {target}: MISSED. {}", why_missed())
    }
}

/// Why a first row came later than its target, from where the median load's time went.
pub fn first_row_miss(first_row_ms: f64, wasm_ready_ms: f64, store_read_ms: f64) -> String {
    if first_row_ms < wasm_ready_ms {
        return format!(
            "Why: the first row is the first screen the page before saved (`pages/first_screen.rs`), in at \
             {first_row_ms:.0} ms, before the pages' wasm runs at {wasm_ready_ms:.0} ms: what is left is the \
             browser starting the page, reading the first screen's key and painting the rows"
        );
    }
    format!(
        "Why: {wasm_ready_ms:.0} of the {first_row_ms:.0} ms pass before the pages' wasm runs (fetching, compiling \
         and instantiating the module), {:.0} ms reading the store, {:.0} ms drawing. To close it: less wasm to \
         compile before the first row (a smaller pages module, no serde_json on the first row's path)",
        store_read_ms - wasm_ready_ms,
        first_row_ms - store_read_ms
    )
}
