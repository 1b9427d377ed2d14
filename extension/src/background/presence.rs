//! Which gmux pages are open, and the faster poll while one is in view. Every page holds a `runtime.connect`
//! port named [`PAGE_PORT`] and, once the background greets it (`{"hello": true}`), says over it whether it is
//! visible (`{"visible": bool}`), and again whenever that changes; while at least one is, the background polls
//! every `PollPlan::page_timer_ms` (10 s) with a timer, since a Chrome alarm cannot be shorter than 30 s. A page
//! in a background tab does not count: nobody is looking at it.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

use gmux_core::notify::{poll_plan, Browser};
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::spawn_local;

use super::store::Store;
use super::sync::Syncer;
use crate::browser::{self, PagePort};
use crate::timers::sleep;

/// The name of the port every page opens.
pub const PAGE_PORT: &str = "gmux-page";

/// The shortest wait between two looks at the clock, so a sync that just ended cannot make the timer spin.
const MIN_WAIT_MS: u64 = 250;

pub struct Presence {
    store: Rc<Store>,
    syncer: Rc<Syncer>,
    browser: Browser,
    /// Open pages by a number of their own, and whether each is visible.
    pages: RefCell<HashMap<u64, (PagePort, bool)>>,
    next_page: Cell<u64>,
    /// Which timer loop may run: a new one starts with a new number and the old one stops at its next turn.
    generation: Cell<u64>,
    /// When the timer last asked for a poll, unix ms: a poll that could not run (gmux-host away) still waits a
    /// period before the next try.
    last_attempt: Cell<u64>,
}

impl Presence {
    pub fn new(store: Rc<Store>, syncer: Rc<Syncer>) -> Rc<Presence> {
        Rc::new(Presence {
            store,
            syncer,
            browser: browser::browser_kind(),
            pages: RefCell::new(HashMap::new()),
            next_page: Cell::new(1),
            generation: Cell::new(0),
            last_attempt: Cell::new(0),
        })
    }

    /// A port a page opened (`runtime.onConnect`); `own` says it is one of gmux's own pages. Ports of anyone
    /// else, or of any other name, are closed.
    pub fn accept(self: &Rc<Self>, port: JsValue, own: bool) {
        let number = self.next_page.get();
        self.next_page.set(number + 1);
        let on_message = {
            let presence = Rc::downgrade(self);
            move |message: serde_json::Value| {
                if let (Some(presence), Some(visible)) =
                    (presence.upgrade(), message["visible"].as_bool())
                {
                    presence.set_visible(number, visible);
                }
            }
        };
        let on_disconnect = {
            let presence = Rc::downgrade(self);
            move || {
                if let Some(presence) = presence.upgrade() {
                    presence.pages.borrow_mut().remove(&number);
                    presence.changed();
                }
            }
        };
        let (port, name) = PagePort::accept(port, on_message, on_disconnect);
        if !own || name != PAGE_PORT {
            return;
        }
        // The page says whether it is in view once it hears the background listens: what it posted before the
        // wasm took the port over was not heard.
        if let Err(e) = port.post(&serde_json::json!({ "hello": true })) {
            web_sys::console::warn_1(&JsValue::from_str(&format!(
                "gmux: a page's port refused a message: {e}"
            )));
            return;
        }
        self.pages.borrow_mut().insert(number, (port, false));
    }

    fn set_visible(self: &Rc<Self>, page: u64, visible: bool) {
        if let Some((_, shown)) = self.pages.borrow_mut().get_mut(&page) {
            *shown = visible;
        }
        self.changed();
    }

    /// Whether a gmux page is open and in view.
    pub fn page_in_view(&self) -> bool {
        self.pages.borrow().values().any(|(_, visible)| *visible)
    }

    /// Starts the timer when the first page comes into view; the loop ends by itself once none is.
    fn changed(self: &Rc<Self>) {
        let running = self.generation.get() % 2 == 1;
        match (self.page_in_view(), running) {
            (true, false) => {
                let generation = self.generation.get() + 1;
                self.generation.set(generation);
                let presence = self.clone();
                spawn_local(async move { presence.run(generation).await });
            }
            (false, true) => self.generation.set(self.generation.get() + 1),
            _ => {}
        }
    }

    /// Polls whenever the last sync is a page period old (at once when a page comes into view after a quiet
    /// while), until no page is in view. Alarm polls and syncs a page asked for count as polls too.
    async fn run(self: Rc<Self>, generation: u64) {
        loop {
            if self.generation.get() != generation {
                return;
            }
            let settings = self.store.settings();
            let Some(period) =
                poll_plan(self.browser, settings.poll_period_ms(), true).page_timer_ms
            else {
                // The alarm is already as fast; it stays the only poll. The loop ends as if no page were open.
                self.generation.set(generation + 1);
                return;
            };
            let now = js_sys::Date::now() as u64;
            let last = self
                .store
                .status(|s| s.last_sync_ms)
                .unwrap_or(0)
                .max(self.last_attempt.get());
            let due = last.saturating_add(period);
            if now >= due {
                self.last_attempt.set(now);
                if !self.syncer.is_syncing() {
                    self.syncer.sync_all().await;
                }
                sleep(MIN_WAIT_MS as i32).await;
                continue;
            }
            sleep((due - now).max(MIN_WAIT_MS).min(period) as i32).await;
        }
    }
}
