//! The only code in gmux that names the WebExtension APIs. Everything above this module deals in Rust types.
//!
//! Differences it hides: Firefox exposes `browser` with promises, Chrome `chrome` (promises in Manifest V3 for
//! most calls, but a port's disconnect reason only in `chrome.runtime.lastError` during the callback, where
//! Firefox puts it in `port.error`).

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Function, Object, Promise, Reflect};
use serde::{de::DeserializeOwned, Serialize};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum BrowserError {
    #[error(
        "this page is not running inside the gmux extension (no `browser` or `chrome` object)"
    )]
    NoExtensionApi,
    #[error("{0}")]
    Api(String),
    #[error("a message could not be converted: {0}")]
    Conversion(String),
}

impl From<JsValue> for BrowserError {
    fn from(value: JsValue) -> Self {
        BrowserError::Api(message_of(&value))
    }
}

#[wasm_bindgen]
extern "C" {
    /// `globalThis.browser` (Firefox) or `globalThis.chrome` (Chrome).
    #[derive(Clone)]
    type Api;
    #[wasm_bindgen(method, getter)]
    fn runtime(this: &Api) -> Runtime;
    #[wasm_bindgen(method, getter)]
    fn storage(this: &Api) -> Storage;
    #[wasm_bindgen(method, getter)]
    fn action(this: &Api) -> Action;
    #[wasm_bindgen(method, getter)]
    fn alarms(this: &Api) -> Alarms;
    #[wasm_bindgen(method, getter)]
    fn tabs(this: &Api) -> Tabs;

    type Runtime;
    #[wasm_bindgen(method, catch, js_name = connectNative)]
    fn connect_native(this: &Runtime, application: &str) -> Result<RawPort, JsValue>;
    #[wasm_bindgen(method, getter, js_name = lastError)]
    fn last_error(this: &Runtime) -> JsValue;
    #[wasm_bindgen(method, catch, js_name = sendMessage)]
    fn send_message(this: &Runtime, message: &JsValue) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, js_name = getURL)]
    fn get_url(this: &Runtime, path: &str) -> String;
    #[wasm_bindgen(method, js_name = getManifest)]
    fn get_manifest(this: &Runtime) -> JsValue;

    type RawPort;
    #[wasm_bindgen(method, catch, js_name = postMessage)]
    fn post_message(this: &RawPort, message: &JsValue) -> Result<(), JsValue>;
    #[wasm_bindgen(method, catch)]
    fn disconnect(this: &RawPort) -> Result<(), JsValue>;
    #[wasm_bindgen(method, getter, js_name = onMessage)]
    fn on_message(this: &RawPort) -> ApiEvent;
    #[wasm_bindgen(method, getter, js_name = onDisconnect)]
    fn on_disconnect(this: &RawPort) -> ApiEvent;

    type ApiEvent;
    #[wasm_bindgen(method, js_name = addListener)]
    fn add_listener(this: &ApiEvent, listener: &Function);

    type Storage;
    #[wasm_bindgen(method, getter)]
    fn local(this: &Storage) -> StorageArea;

    type StorageArea;
    #[wasm_bindgen(method, catch, js_name = get)]
    fn get_items(this: &StorageArea, keys: &JsValue) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, catch, js_name = set)]
    fn set_items(this: &StorageArea, items: &JsValue) -> Result<JsValue, JsValue>;

    type Action;
    #[wasm_bindgen(method, catch, js_name = setBadgeText)]
    fn set_badge_text(this: &Action, details: &JsValue) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, catch, js_name = setBadgeBackgroundColor)]
    fn set_badge_background_color(this: &Action, details: &JsValue) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, catch, js_name = setTitle)]
    fn set_title(this: &Action, details: &JsValue) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, catch, js_name = setIcon)]
    fn set_icon(this: &Action, details: &JsValue) -> Result<JsValue, JsValue>;

    type Alarms;
    #[wasm_bindgen(method, catch, js_name = create)]
    fn create_alarm(this: &Alarms, name: &str, info: &JsValue) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, catch, js_name = get)]
    fn get_alarm(this: &Alarms, name: &str) -> Result<JsValue, JsValue>;

    type Tabs;
    #[wasm_bindgen(method, catch, js_name = create)]
    fn create_tab(this: &Tabs, properties: &JsValue) -> Result<JsValue, JsValue>;
}

thread_local! {
    static API: RefCell<Option<Api>> = const { RefCell::new(None) };
}

/// Resolves the API object once per context. Pages have `window`, service workers do not: `globalThis` works
/// in both.
fn api() -> Result<Api, BrowserError> {
    API.with(|cell| {
        if let Some(api) = cell.borrow().as_ref() {
            return Ok(api.clone());
        }
        let global = js_sys::global();
        let found = ["browser", "chrome"]
            .into_iter()
            .filter_map(|name| Reflect::get(&global, &JsValue::from_str(name)).ok())
            .find(|candidate| {
                candidate.is_object()
                    && Reflect::get(candidate, &JsValue::from_str("runtime"))
                        .map(|r| r.is_object())
                        .unwrap_or(false)
            })
            .ok_or(BrowserError::NoExtensionApi)?;
        let api: Api = found.unchecked_into();
        *cell.borrow_mut() = Some(api.clone());
        Ok(api)
    })
}

/// Waits for a call's outcome whether the browser returned a promise (Firefox, Chrome MV3) or nothing.
async fn settle(returned: JsValue) -> Result<JsValue, BrowserError> {
    Ok(JsFuture::from(Promise::resolve(&returned)).await?)
}

/// The text of an `Error`, a `{message}` object or a plain value.
fn message_of(value: &JsValue) -> String {
    if let Some(text) = value.as_string() {
        return text;
    }
    if let Ok(message) = Reflect::get(value, &JsValue::from_str("message")) {
        if let Some(text) = message.as_string() {
            return text;
        }
    }
    format!("{value:?}")
}

/// Rust value → plain JS object, as the extension APIs expect. Going through JSON text keeps serde-wasm-bindgen
/// (tens of KB of wasm) out of every page; the messages are small.
pub fn to_js<T: Serialize>(value: &T) -> Result<JsValue, BrowserError> {
    let text = serde_json::to_string(value).map_err(|e| BrowserError::Conversion(e.to_string()))?;
    js_sys::JSON::parse(&text).map_err(|e| BrowserError::Conversion(message_of(&e)))
}

/// JS value → Rust value; `undefined` reads as JSON `null`.
pub fn from_js<T: DeserializeOwned>(value: JsValue) -> Result<T, BrowserError> {
    let text = if value.is_undefined() {
        "null".to_string()
    } else {
        js_sys::JSON::stringify(&value)
            .map_err(|e| BrowserError::Conversion(message_of(&e)))?
            .as_string()
            .unwrap_or_else(|| "null".to_string())
    };
    serde_json::from_str(&text).map_err(|e| BrowserError::Conversion(e.to_string()))
}

/// An open `connectNative` port. Dropping it closes the port and frees its listeners.
pub struct NativePort {
    raw: RawPort,
    _on_message: Closure<dyn FnMut(JsValue)>,
    _on_disconnect: Closure<dyn FnMut(JsValue)>,
}

impl NativePort {
    /// Starts the native host `application`. `on_message` gets every message as JSON; `on_disconnect` gets the
    /// browser's reason once the port closes (the host missing, exiting, or sending something unreadable).
    pub fn connect(
        application: &str,
        mut on_message: impl FnMut(serde_json::Value) + 'static,
        on_disconnect: impl FnOnce(String) + 'static,
    ) -> Result<NativePort, BrowserError> {
        let api = api()?;
        let runtime = api.runtime();
        let raw = runtime.connect_native(application)?;
        let on_message =
            Closure::<dyn FnMut(JsValue)>::new(move |message: JsValue| match from_js(message) {
                Ok(value) => on_message(value),
                Err(e) => web_sys::console::warn_1(
                    &format!("gmux: unreadable message from the host: {e}").into(),
                ),
            });
        let mut on_disconnect = Some(on_disconnect);
        let on_disconnect = Closure::<dyn FnMut(JsValue)>::new(move |port: JsValue| {
            // Firefox: `port.error`; Chrome: `runtime.lastError`, readable only inside this callback.
            let firefox = Reflect::get(&port, &JsValue::from_str("error"))
                .ok()
                .filter(|e| e.is_object());
            let reason = firefox
                .or_else(|| Some(runtime.last_error()).filter(|e| e.is_object()))
                .map(|e| message_of(&e))
                .unwrap_or_default();
            if let Some(callback) = on_disconnect.take() {
                callback(reason);
            }
        });
        raw.on_message()
            .add_listener(on_message.as_ref().unchecked_ref());
        raw.on_disconnect()
            .add_listener(on_disconnect.as_ref().unchecked_ref());
        Ok(NativePort {
            raw,
            _on_message: on_message,
            _on_disconnect: on_disconnect,
        })
    }

    pub fn post(&self, message: &serde_json::Value) -> Result<(), BrowserError> {
        Ok(self.raw.post_message(&to_js(message)?)?)
    }
}

impl Drop for NativePort {
    fn drop(&mut self) {
        // A port the other side already closed may refuse; it is closed either way.
        let _ = self.raw.disconnect();
    }
}

/// Sends a runtime message to the extension's other contexts (the pages → the background) and returns the answer.
pub async fn send_message<T: Serialize, R: DeserializeOwned>(
    message: &T,
) -> Result<R, BrowserError> {
    let returned = api()?.runtime().send_message(&to_js(message)?)?;
    from_js(settle(returned).await?)
}

pub async fn storage_get(keys: &[&str]) -> Result<serde_json::Value, BrowserError> {
    let keys = to_js(&keys)?;
    let returned = api()?.storage().local().get_items(&keys)?;
    from_js(settle(returned).await?)
}

/// The raw object `storage.local.get` resolves to, for a page that parses each key into its own type.
pub async fn storage_get_js(keys: &[&str]) -> Result<JsValue, BrowserError> {
    let keys = to_js(&keys)?;
    let returned = api()?.storage().local().get_items(&keys)?;
    settle(returned).await
}

pub async fn storage_set(items: &serde_json::Value) -> Result<(), BrowserError> {
    let returned = api()?.storage().local().set_items(&to_js(items)?)?;
    settle(returned).await.map(drop)
}

/// Sets the toolbar badge; an empty `text` removes it.
pub async fn set_badge(text: &str, color: &str) -> Result<(), BrowserError> {
    let action = api()?.action();
    settle(action.set_badge_background_color(&to_js(&serde_json::json!({"color": color}))?)?)
        .await?;
    settle(action.set_badge_text(&to_js(&serde_json::json!({"text": text}))?)?)
        .await
        .map(drop)
}

/// Sets the toolbar button's icon from RGBA images, one per size (`action.setIcon({imageData})`).
pub async fn set_icon(images: &[(u32, Vec<u8>)]) -> Result<(), BrowserError> {
    let by_size = Object::new();
    for (size, rgba) in images {
        let data = web_sys::ImageData::new_with_u8_clamped_array_and_sh(
            wasm_bindgen::Clamped(rgba),
            *size,
            *size,
        )?;
        Reflect::set(&by_size, &JsValue::from(*size), &data)?;
    }
    let details = Object::new();
    Reflect::set(&details, &JsValue::from_str("imageData"), &by_size)?;
    settle(api()?.action().set_icon(&details)?).await.map(drop)
}

/// Creates (or replaces) a repeating alarm; `alarms.onAlarm` is registered in background.js.
pub async fn create_alarm(name: &str, period_minutes: f64) -> Result<(), BrowserError> {
    let info = to_js(&serde_json::json!({"periodInMinutes": period_minutes}))?;
    settle(api()?.alarms().create_alarm(name, &info)?)
        .await
        .map(drop)
}

/// Sets the toolbar button's tooltip.
pub async fn set_badge_title(title: &str) -> Result<(), BrowserError> {
    let action = api()?.action();
    settle(action.set_title(&to_js(&serde_json::json!({"title": title}))?)?)
        .await
        .map(drop)
}

/// The period of the named alarm, or `None` when there is no such alarm.
pub async fn alarm_period_minutes(name: &str) -> Result<Option<f64>, BrowserError> {
    let alarm = settle(api()?.alarms().get_alarm(name)?).await?;
    if !alarm.is_object() {
        return Ok(None);
    }
    Ok(Reflect::get(&alarm, &JsValue::from_str("periodInMinutes"))?.as_f64())
}

/// Opens `url` (a web address, like Google's consent page) in a new tab.
pub async fn open_tab(url: &str) -> Result<(), BrowserError> {
    settle(
        api()?
            .tabs()
            .create_tab(&to_js(&serde_json::json!({"url": url}))?)?,
    )
    .await
    .map(drop)
}

/// Opens one of the extension's own pages (`path` like `options.html`) in a new tab.
pub async fn open_extension_page(path: &str) -> Result<(), BrowserError> {
    let api = api()?;
    let url = api.runtime().get_url(path);
    settle(
        api.tabs()
            .create_tab(&to_js(&serde_json::json!({"url": url}))?)?,
    )
    .await
    .map(drop)
}

/// An empty JS object, for answers that carry nothing.
pub fn empty_object() -> JsValue {
    Object::new().into()
}

// Pages: what the popup, new-tab and options pages need beyond the background's functions above.

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(method, getter, js_name = onChanged)]
    fn on_changed(this: &Storage) -> ApiEvent;
    #[wasm_bindgen(method, js_name = removeListener)]
    fn remove_listener(this: &ApiEvent, listener: &Function);
}

/// A `storage.onChanged` subscription; dropping it removes the listener.
pub struct StorageListener {
    event: ApiEvent,
    callback: Closure<dyn FnMut(JsValue, JsValue)>,
}

impl Drop for StorageListener {
    fn drop(&mut self) {
        self.event
            .remove_listener(self.callback.as_ref().unchecked_ref());
    }
}

/// One `storage.onChanged` event of the `local` area: each changed key with its new value (undefined when
/// removed), left as a JS value for the caller to parse into its own type.
pub type StorageChange = Vec<(String, JsValue)>;

fn change_entries(changes: &JsValue) -> StorageChange {
    js_sys::Object::entries(changes.unchecked_ref())
        .iter()
        .filter_map(|entry| {
            let entry: js_sys::Array = entry.dyn_into().ok()?;
            let key = entry.get(0).as_string()?;
            let value = Reflect::get(&entry.get(1), &JsValue::from_str("newValue"))
                .unwrap_or(JsValue::UNDEFINED);
            Some((key, value))
        })
        .collect()
}

/// Calls `on_change` with every change to `storage.local`.
pub fn on_local_storage_changed(
    mut on_change: impl FnMut(StorageChange) + 'static,
) -> Result<StorageListener, BrowserError> {
    let event = api()?.storage().on_changed();
    let callback =
        Closure::<dyn FnMut(JsValue, JsValue)>::new(move |changes: JsValue, area: JsValue| {
            if area.as_string().as_deref() == Some("local") {
                on_change(change_entries(&changes));
            }
        });
    event.add_listener(callback.as_ref().unchecked_ref());
    Ok(StorageListener { event, callback })
}

/// The changes to `storage.local` since a page started, kept until the page can take them: early.js registers
/// the listener before the page's first read (`globalThis.gmuxStorageChanges`, `{pending, deliver}`); without
/// early.js one is registered here, which must then happen before the page reads.
pub enum StorageFeed {
    Early(JsValue),
    Own(Rc<RefCell<OwnFeed>>, StorageListener),
}

#[derive(Default)]
pub struct OwnFeed {
    pending: Vec<StorageChange>,
    deliver: Option<Box<dyn FnMut(StorageChange)>>,
}

/// Keeps a followed [`StorageFeed`] delivering; dropping it stops delivery.
pub enum FeedGuard {
    Early(JsValue, Closure<dyn FnMut(JsValue)>),
    Own(Rc<RefCell<OwnFeed>>, StorageListener),
}

impl Drop for FeedGuard {
    fn drop(&mut self) {
        if let FeedGuard::Early(changes, _) = self {
            let _ = Reflect::set(changes, &JsValue::from_str("deliver"), &JsValue::NULL);
        }
    }
}

/// Starts keeping every change to `storage.local` from now on (or from early.js's start).
pub fn storage_feed() -> Result<StorageFeed, BrowserError> {
    let early = Reflect::get(&js_sys::global(), &JsValue::from_str("gmuxStorageChanges"))
        .ok()
        .filter(|c| Reflect::get(c, &JsValue::from_str("pending")).is_ok_and(|p| p.is_array()));
    if let Some(changes) = early {
        return Ok(StorageFeed::Early(changes));
    }
    let feed = Rc::new(RefCell::new(OwnFeed::default()));
    let kept = feed.clone();
    let listener = on_local_storage_changed(move |change| {
        let mut feed = kept.borrow_mut();
        match feed.deliver.as_mut() {
            Some(deliver) => deliver(change),
            None => feed.pending.push(change),
        }
    })?;
    Ok(StorageFeed::Own(feed, listener))
}

impl StorageFeed {
    /// Hands every change from now on to `on_change` and returns those that arrived before, oldest first. Both
    /// happen in one turn of the event loop, so no change falls between them.
    pub fn follow(
        self,
        on_change: impl FnMut(StorageChange) + 'static,
    ) -> (Vec<StorageChange>, FeedGuard) {
        match self {
            StorageFeed::Early(changes) => {
                let pending = Reflect::get(&changes, &JsValue::from_str("pending"))
                    .ok()
                    .and_then(|p| p.dyn_into::<js_sys::Array>().ok())
                    .map(|p| p.iter().map(|c| change_entries(&c)).collect())
                    .unwrap_or_default();
                let mut on_change = on_change;
                let deliver = Closure::<dyn FnMut(JsValue)>::new(move |change: JsValue| {
                    on_change(change_entries(&change))
                });
                let _ = Reflect::set(
                    &changes,
                    &JsValue::from_str("pending"),
                    &js_sys::Array::new(),
                );
                let _ = Reflect::set(&changes, &JsValue::from_str("deliver"), deliver.as_ref());
                (pending, FeedGuard::Early(changes, deliver))
            }
            StorageFeed::Own(feed, listener) => {
                let pending = {
                    let mut state = feed.borrow_mut();
                    state.deliver = Some(Box::new(on_change));
                    std::mem::take(&mut state.pending)
                };
                (pending, FeedGuard::Own(feed, listener))
            }
        }
    }
}

/// Whether this is a test or demo build, which may also talk to the emulator on loopback (`xtask dist` adds the
/// loopback origin to `host_permissions` only there). Test-only behaviour keys on it, so a release build has none.
pub fn is_test_build() -> bool {
    let Ok(api) = api() else { return false };
    let manifest = api.runtime().get_manifest();
    Reflect::get(&manifest, &JsValue::from_str("host_permissions"))
        .ok()
        .and_then(|p| p.dyn_into::<js_sys::Array>().ok())
        .is_some_and(|p| {
            p.iter()
                .any(|origin| origin.as_string().as_deref() == Some("http://127.0.0.1/*"))
        })
}

// Who is asking: the background checks that a message comes from one of gmux's own pages.

/// The parts of a `runtime.MessageSender` the background checks.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct MessageSender {
    pub id: Option<String>,
    pub url: Option<String>,
}

impl MessageSender {
    pub fn of(sender: &JsValue) -> MessageSender {
        let field = |name: &str| {
            Reflect::get(sender, &JsValue::from_str(name))
                .ok()
                .and_then(|v| v.as_string())
        };
        MessageSender {
            id: field("id"),
            url: field("url"),
        }
    }

    /// Who opened a `runtime.connect` port (its `sender`).
    pub fn of_port(port: &JsValue) -> MessageSender {
        let sender = Reflect::get(port, &JsValue::from_str("sender")).unwrap_or(JsValue::UNDEFINED);
        MessageSender::of(&sender)
    }
}

/// This extension's id (`runtime.id`).
pub fn extension_id() -> Result<String, BrowserError> {
    let runtime = api()?.runtime();
    Reflect::get(&runtime, &JsValue::from_str("id"))?
        .as_string()
        .ok_or_else(|| BrowserError::Api("runtime.id is missing".into()))
}

/// The base URL of this extension's own pages (`runtime.getURL("")`).
pub fn extension_base_url() -> Result<String, BrowserError> {
    Ok(api()?.runtime().get_url(""))
}

// Views beyond the stored inbox: replies a page reads field by field (each reply type deserialized through serde
// would add its own code to the pages' wasm, which is held to a size budget).

/// Sends a runtime message and returns the answer as it came, for the caller to read.
pub async fn send_message_js<T: Serialize>(message: &T) -> Result<JsValue, BrowserError> {
    let returned = api()?.runtime().send_message(&to_js(message)?)?;
    settle(returned).await
}

/// `value[key]`, `undefined` when absent.
pub fn field(value: &JsValue, key: &str) -> JsValue {
    Reflect::get(value, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

/// `value[key]` as a string, if it is one.
pub fn string_field(value: &JsValue, key: &str) -> Option<String> {
    field(value, key).as_string()
}

/// `value[key]` as an array's items (none when it is not an array).
pub fn array_field(value: &JsValue, key: &str) -> Vec<JsValue> {
    field(value, key)
        .dyn_into::<js_sys::Array>()
        .map(|a| a.iter().collect())
        .unwrap_or_default()
}

/// An object's string-valued entries, in the order the object holds them.
pub fn string_entries(value: &JsValue) -> Vec<(String, String)> {
    if !value.is_object() {
        return Vec::new();
    }
    Object::entries(value.unchecked_ref())
        .iter()
        .filter_map(|entry| {
            let entry: js_sys::Array = entry.dyn_into().ok()?;
            Some((entry.get(0).as_string()?, entry.get(1).as_string()?))
        })
        .collect()
}

// The reader: a conversation's body (megabytes of JSON) crosses between the background and a page as one JS
// string, not inside a JSON text that each side would write out and read back again.

/// `value` as a JS object, with `text` set on it as the string property `key`.
pub fn to_js_with_text<T: Serialize>(
    value: &T,
    key: &str,
    text: Option<&str>,
) -> Result<JsValue, BrowserError> {
    let object = to_js(value)?;
    if let Some(text) = text {
        Reflect::set(&object, &JsValue::from_str(key), &JsValue::from_str(text))?;
    }
    Ok(object)
}

/// Sends a runtime message and returns the answer with its string property `key` taken out whole.
pub async fn send_message_taking<T: Serialize, R: DeserializeOwned>(
    message: &T,
    key: &str,
) -> Result<(R, Option<String>), BrowserError> {
    let returned = api()?.runtime().send_message(&to_js(message)?)?;
    let answer = settle(returned).await?;
    let key = JsValue::from_str(key);
    let text = Reflect::get(&answer, &key).ok().and_then(|t| t.as_string());
    if answer.is_object() {
        Reflect::delete_property(answer.unchecked_ref::<Object>(), &key)?;
    }
    Ok((from_js(answer)?, text))
}

// Notifications and the pages' presence: desktop notifications (`notifications.*`), which browser this is, a tab
// opened and its window raised, and the `runtime.connect` port a page holds while it is open.

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(method, getter)]
    fn notifications(this: &Api) -> Notifications;
    #[wasm_bindgen(method, getter)]
    fn windows(this: &Api) -> Windows;
    #[wasm_bindgen(method, catch, js_name = connect)]
    fn connect_runtime(this: &Runtime, info: &JsValue) -> Result<RawPort, JsValue>;

    type Notifications;
    #[wasm_bindgen(method, catch, js_name = create)]
    fn create_notification(
        this: &Notifications,
        id: &str,
        options: &JsValue,
    ) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, catch, js_name = clear)]
    fn clear_notification(this: &Notifications, id: &str) -> Result<JsValue, JsValue>;

    type Windows;
    #[wasm_bindgen(method, catch, js_name = update)]
    fn update_window(this: &Windows, id: &JsValue, info: &JsValue) -> Result<JsValue, JsValue>;
}

/// Which browser runs gmux: Firefox has `runtime.getBrowserInfo`, Chromium does not.
pub fn browser_kind() -> gmux_core::notify::Browser {
    let firefox = api().ok().is_some_and(|api| {
        Reflect::get(&api.runtime(), &JsValue::from_str("getBrowserInfo"))
            .is_ok_and(|f| f.is_function())
    });
    if firefox {
        gmux_core::notify::Browser::Firefox
    } else {
        gmux_core::notify::Browser::Chromium
    }
}

/// Shows (or replaces) the desktop notification `id`.
pub async fn show_notification<T: Serialize>(id: &str, options: &T) -> Result<(), BrowserError> {
    let returned = api()?
        .notifications()
        .create_notification(id, &to_js(options)?)?;
    settle(returned).await.map(drop)
}

/// Closes the desktop notification `id`, if it is still shown.
pub async fn clear_notification(id: &str) -> Result<(), BrowserError> {
    settle(api()?.notifications().clear_notification(id)?)
        .await
        .map(drop)
}

/// The full URL of one of the extension's own pages (`path` like `newtab.html#open=…`).
pub fn extension_url(path: &str) -> Result<String, BrowserError> {
    Ok(api()?.runtime().get_url(path))
}

/// Opens `url` in a new, active tab and raises its window: a click on a notification comes while the browser
/// may be behind other windows.
pub async fn open_tab_in_front(url: &str) -> Result<(), BrowserError> {
    let api = api()?;
    let tab = settle(
        api.tabs()
            .create_tab(&to_js(&serde_json::json!({"url": url, "active": true}))?)?,
    )
    .await?;
    let window = Reflect::get(&tab, &JsValue::from_str("windowId")).unwrap_or(JsValue::UNDEFINED);
    if window.as_f64().is_some() {
        // A window that cannot be raised still has the tab: not worth failing the click for.
        if let Ok(returned) = api
            .windows()
            .update_window(&window, &to_js(&serde_json::json!({"focused": true}))?)
        {
            let _ = settle(returned).await;
        }
    }
    Ok(())
}

/// The local time zone's offset from UTC in minutes, east positive.
pub fn utc_offset_minutes() -> i32 {
    -(js_sys::Date::new_0().get_timezone_offset() as i32)
}

/// One end of a `runtime.connect` port between a page and the background. Dropping it closes the port.
pub struct PagePort {
    raw: RawPort,
    _on_message: Closure<dyn FnMut(JsValue)>,
    _on_disconnect: Closure<dyn FnMut(JsValue)>,
}

impl PagePort {
    /// A page opens the port named `name` to the background (and wakes it).
    pub fn connect(
        name: &str,
        on_message: impl FnMut(serde_json::Value) + 'static,
        on_disconnect: impl FnOnce() + 'static,
    ) -> Result<PagePort, BrowserError> {
        let raw = api()?
            .runtime()
            .connect_runtime(&to_js(&serde_json::json!({ "name": name }))?)?;
        Ok(Self::listen(raw, on_message, on_disconnect))
    }

    /// The background's end of a port a page opened (`runtime.onConnect`'s argument) and its name.
    pub fn accept(
        port: JsValue,
        on_message: impl FnMut(serde_json::Value) + 'static,
        on_disconnect: impl FnOnce() + 'static,
    ) -> (PagePort, String) {
        let name = Reflect::get(&port, &JsValue::from_str("name"))
            .ok()
            .and_then(|n| n.as_string())
            .unwrap_or_default();
        (
            Self::listen(port.unchecked_into(), on_message, on_disconnect),
            name,
        )
    }

    fn listen(
        raw: RawPort,
        mut on_message: impl FnMut(serde_json::Value) + 'static,
        on_disconnect: impl FnOnce() + 'static,
    ) -> PagePort {
        let on_message =
            Closure::<dyn FnMut(JsValue)>::new(move |message: JsValue| match from_js(message) {
                Ok(value) => on_message(value),
                Err(e) => web_sys::console::warn_1(
                    &format!("gmux: unreadable message on a page port: {e}").into(),
                ),
            });
        let mut on_disconnect = Some(on_disconnect);
        let on_disconnect = Closure::<dyn FnMut(JsValue)>::new(move |_port: JsValue| {
            if let Some(callback) = on_disconnect.take() {
                callback();
            }
        });
        raw.on_message()
            .add_listener(on_message.as_ref().unchecked_ref());
        raw.on_disconnect()
            .add_listener(on_disconnect.as_ref().unchecked_ref());
        PagePort {
            raw,
            _on_message: on_message,
            _on_disconnect: on_disconnect,
        }
    }

    pub fn post(&self, message: &serde_json::Value) -> Result<(), BrowserError> {
        Ok(self.raw.post_message(&to_js(message)?)?)
    }
}

impl Drop for PagePort {
    fn drop(&mut self) {
        let _ = self.raw.disconnect();
    }
}

// Triage (issue 18): the one snooze alarm, at a time rather than a period.

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(method, catch, js_name = clear)]
    fn clear_alarm(this: &Alarms, name: &str) -> Result<JsValue, JsValue>;
}

/// Creates (or moves) a one-time alarm firing at `when_ms` (Unix ms); browsers fire one whose time passed while
/// they were closed at their next start.
pub async fn create_alarm_at(name: &str, when_ms: f64) -> Result<(), BrowserError> {
    let info = to_js(&serde_json::json!({ "when": when_ms }))?;
    settle(api()?.alarms().create_alarm(name, &info)?)
        .await
        .map(drop)
}

/// Removes the named alarm, if there is one.
pub async fn clear_alarm(name: &str) -> Result<(), BrowserError> {
    settle(api()?.alarms().clear_alarm(name)?).await.map(drop)
}

// The Gmail tab a person already has (issue 18): Gmail's tabs are seen only with the optional host permission for
// mail.google.com, which the person grants from the settings page; without it "Open in Gmail" opens a new tab.

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(method, getter)]
    fn permissions(this: &Api) -> Permissions;

    type Permissions;
    #[wasm_bindgen(method, catch, js_name = contains)]
    fn contains_permissions(this: &Permissions, which: &JsValue) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, catch, js_name = request)]
    fn request_permissions(this: &Permissions, which: &JsValue) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, catch, js_name = remove)]
    fn remove_permissions(this: &Permissions, which: &JsValue) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(method, catch, js_name = query)]
    fn query_tabs(this: &Tabs, query: &JsValue) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, catch, js_name = update)]
    fn update_tab(this: &Tabs, id: f64, properties: &JsValue) -> Result<JsValue, JsValue>;
}

fn origins(pattern: &str) -> Result<JsValue, BrowserError> {
    to_js(&serde_json::json!({ "origins": [pattern] }))
}

/// Whether the extension holds the host permission `pattern` (granted at install or later).
pub async fn has_origin(pattern: &str) -> Result<bool, BrowserError> {
    let answer = settle(
        api()?
            .permissions()
            .contains_permissions(&origins(pattern)?)?,
    )
    .await?;
    Ok(answer.as_bool().unwrap_or(false))
}

/// Asks the person for the host permission `pattern`. The browser asks only from within the handler of their
/// click (Firefox checks it synchronously), so the request starts here, at once; the answer comes with the
/// returned future.
pub fn request_origin(
    pattern: &str,
) -> Result<impl std::future::Future<Output = Result<bool, BrowserError>>, BrowserError> {
    let asked = api()?
        .permissions()
        .request_permissions(&origins(pattern)?)?;
    Ok(async move { Ok(settle(asked).await?.as_bool().unwrap_or(false)) })
}

/// Gives the host permission `pattern` back.
pub async fn remove_origin(pattern: &str) -> Result<bool, BrowserError> {
    let answer = settle(
        api()?
            .permissions()
            .remove_permissions(&origins(pattern)?)?,
    )
    .await?;
    Ok(answer.as_bool().unwrap_or(false))
}

/// The open tabs whose address matches `pattern` (their addresses and titles are seen only with its host
/// permission).
pub async fn tabs_matching(
    pattern: &str,
) -> Result<Vec<gmux_core::triage::BrowserTab>, BrowserError> {
    let query = to_js(&serde_json::json!({ "url": pattern }))?;
    from_js(settle(api()?.tabs().query_tabs(&query)?).await?)
}

/// Shows `url` in the tab `id` and brings the tab and its window to the front.
pub async fn show_in_tab(id: i64, window_id: i64, url: &str) -> Result<(), BrowserError> {
    let api = api()?;
    let properties = to_js(&serde_json::json!({ "url": url, "active": true }))?;
    settle(api.tabs().update_tab(id as f64, &properties)?).await?;
    let focused = to_js(&serde_json::json!({ "focused": true }))?;
    if let Ok(raised) = api
        .windows()
        .update_window(&JsValue::from_f64(window_id as f64), &focused)
    {
        // A window that cannot be raised still shows the thread in its tab.
        let _ = settle(raised).await;
    }
    Ok(())
}

// ---- Languages (issue 20): the words of the browser's UI language, from `_locales/<lang>/messages.json` ----

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(method, getter)]
    fn i18n(this: &Api) -> I18n;

    type I18n;
    #[wasm_bindgen(method, catch, js_name = getMessage)]
    fn get_message_with(
        this: &I18n,
        key: &str,
        substitutions: &JsValue,
    ) -> Result<JsValue, JsValue>;
}

/// The message `key` of the catalogue the browser chose, `$1`… filled from `substitutions`; `None` when the
/// catalogues have no such key (or this is not an extension context).
pub fn message(key: &str, substitutions: &[&str]) -> Option<String> {
    let subs = js_sys::Array::new();
    for s in substitutions {
        subs.push(&JsValue::from_str(s));
    }
    let text = api()
        .ok()?
        .i18n()
        .get_message_with(key, &subs)
        .ok()?
        .as_string()?;
    (!text.is_empty()).then_some(text)
}

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(method, js_name = getUILanguage)]
    fn get_ui_language(this: &I18n) -> JsValue;
}

/// The browser's UI language (`de`, `en-US`), which dates and times follow.
pub fn ui_language() -> Option<String> {
    api().ok()?.i18n().get_ui_language().as_string()
}
