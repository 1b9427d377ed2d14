//! Desktop notifications for new mail: after every account's poll, `gmux_core::notify::decide` says what to
//! show; this shows it, keeps the log of notified messages in the store (before anything is shown, so a
//! background stopped half-way never shows a message twice), and answers clicks: a click opens the conversation
//! (gmux's reader or Gmail, as the settings say), Chromium's Mark as read and Archive buttons go through the
//! inbox's own action path ([`Syncer::act`]) and a refusal is told in a notification of its own.

use std::cell::RefCell;
use std::collections::{HashMap, VecDeque};
use std::rc::Rc;

use gmux_core::icon;
use gmux_core::messages::{Intent, IntentError, IntentReply, ThreadAction};
use gmux_core::notify::{
    self, AccountPoll, Browser, Notification, NotificationButton, NotificationOptions,
    NotificationTarget, NotificationWords, OpenTarget, ShownNotification,
};
use gmux_core::settings::Settings;
use gmux_core::view;
use gmux_gmail::added;
use wasm_bindgen::JsValue;

use super::alarms;
use super::store::Store;
use super::sync::Syncer;
use crate::browser;
use crate::i18n::{t, t_with};

/// Message ids an open page reported as shown, kept for the polls to come. A page shows a few dozen messages at
/// a time; this holds several pages' worth.
const MAX_SEEN: usize = 500;

pub struct Notifier {
    store: Rc<Store>,
    syncer: Rc<Syncer>,
    browser: Browser,
    /// Each account's own addresses (send-as), read once per background start, when a poll first has mail to
    /// consider: an idle poll stays one request.
    own: RefCell<HashMap<String, Vec<String>>>,
    seen: RefCell<VecDeque<String>>,
    /// The icon's data URL per account colour.
    icons: RefCell<HashMap<String, String>>,
    /// Test builds: what was shown, for a test to read.
    shown: RefCell<Vec<ShownNotification>>,
}

impl Notifier {
    pub fn new(store: Rc<Store>, syncer: Rc<Syncer>) -> Notifier {
        Notifier {
            store,
            syncer,
            browser: browser::browser_kind(),
            own: RefCell::new(HashMap::new()),
            seen: RefCell::new(VecDeque::new()),
            icons: RefCell::new(HashMap::new()),
            shown: RefCell::new(Vec::new()),
        }
    }

    /// After one account's poll: decides, records, then shows.
    pub async fn after_poll(&self, mut poll: AccountPoll) {
        if poll.added.is_empty() {
            return;
        }
        self.store.loaded().await;
        let settings = self.store.settings();
        // The send-as list matters only for mail that could be notified: one request per account per
        // background start, and none while the account's notifications are off or the poll cannot notify.
        let may_notify = poll.kind.is_some_and(|k| k.may_notify())
            && settings.account(&poll.account_id).notifications;
        if may_notify {
            poll.aliases = self.own_addresses(&poll.account_id).await;
        }
        let seen: Vec<String> = self.seen.borrow().iter().cloned().collect();
        let before = self.store.notified(|log| log.clone());
        let now = js_sys::Date::now() as u64;
        let decided = self.store.notified(|log| {
            notify::decide(
                &[poll],
                &settings,
                &seen,
                log,
                now,
                browser::utc_offset_minutes(),
            )
        });
        if self.store.notified(|log| *log != before) {
            if let Err(e) = self.store.persist_notified().await {
                // Shown without a record, a message could be shown again after a restart; not shown, it is
                // lost. Showing is the lesser harm.
                log(&format!(
                    "gmux: the notified messages could not be saved: {e}"
                ));
            }
        }
        for notification in decided {
            self.show(&notification).await;
        }
    }

    /// The account's own addresses, read once; an account whose list cannot be read has only its address
    /// (which `decide` always counts as its own).
    async fn own_addresses(&self, account: &str) -> Vec<String> {
        if let Some(known) = self.own.borrow().get(account) {
            return known.clone();
        }
        let Some(engine) = self.syncer.engine() else {
            return Vec::new();
        };
        match added::own_addresses(&engine.client(account)).await {
            Ok(addresses) => {
                self.own
                    .borrow_mut()
                    .insert(account.to_string(), addresses.clone());
                addresses
            }
            Err(e) => {
                log(&format!(
                    "gmux: the send-as addresses could not be read: {e}"
                ));
                Vec::new()
            }
        }
    }

    async fn show(&self, notification: &Notification) {
        let icon = self.icon_for(&notification.account_id);
        let options = localized(notification).options(self.browser, &icon);
        let options = NotificationOptions {
            buttons: options
                .buttons
                .iter()
                .zip(notify::BUTTONS)
                .map(|(_, (action, _))| NotificationButton {
                    title: button_words(action),
                })
                .collect(),
            ..options
        };
        if let Err(e) = browser::show_notification(&notification.id, &options).await {
            log(&format!("gmux: a notification could not be shown: {e}"));
            return;
        }
        if browser::is_test_build() {
            self.shown.borrow_mut().push(ShownNotification {
                id: notification.id.clone(),
                options,
            });
        }
    }

    /// The account's icon: gmux's mark in the account's colour, drawn once per colour.
    fn icon_for(&self, account: &str) -> String {
        let color = self.store.status(|status| {
            let order = status
                .accounts
                .iter()
                .position(|a| a.id == account)
                .unwrap_or(0);
            view::account_color(&status.accounts, account, order)
        });
        if let Some(url) = self.icons.borrow().get(&color) {
            return url.clone();
        }
        let size = icon::NOTIFICATION_SIZE;
        let pixels = icon::render_account(size, &color);
        let url = gmux_core::png::encode_rgba(size, size, &pixels)
            .map(|png| gmux_core::png::data_url(&png))
            .unwrap_or_else(|| "icons/128.png".to_string());
        self.icons.borrow_mut().insert(color, url.clone());
        url
    }

    /// A page showed these messages: they are not notified when a poll reports them.
    pub fn seen(&self, messages: Vec<String>) {
        let mut seen = self.seen.borrow_mut();
        seen.extend(messages);
        while seen.len() > MAX_SEEN {
            seen.pop_front();
        }
    }

    /// A click on notification `id` (`button`: one of Chromium's buttons). The notification goes away either
    /// way; a click opens, a button acts.
    pub async fn clicked(&self, id: &str, button: Option<u32>) {
        if let Err(e) = browser::clear_notification(id).await {
            log(&format!("gmux: a notification could not be closed: {e}"));
        }
        let Some(target) = NotificationTarget::parse(id) else {
            return;
        };
        match (
            button.map(|index| notify::button_action(self.browser, index)),
            &target,
        ) {
            (
                Some(Some(action)),
                NotificationTarget::Message {
                    account_id,
                    thread_id,
                    ..
                },
            ) => self.act(account_id, thread_id, action).await,
            (Some(_), _) => {}
            (None, _) => self.open(&target).await,
        }
    }

    async fn act(&self, account: &str, thread: &str, action: ThreadAction) {
        let reply = self.syncer.act(account, thread, action).await;
        if reply.ok {
            return;
        }
        let email = self.email_of(account);
        let sentence = reply.error.unwrap_or_default();
        let failed = notify::action_failed(account, &email, action, &sentence);
        self.show(&failed).await;
    }

    async fn open(&self, target: &NotificationTarget) {
        let account = match target {
            NotificationTarget::Message { account_id, .. }
            | NotificationTarget::Summary { account_id } => account_id,
        };
        let open_in = self.store.settings().notify.open_in;
        let url = match notify::open_target(target, open_in, &self.email_of(account)) {
            OpenTarget::Page(path) => browser::extension_url(&path),
            OpenTarget::Web(url) => Ok(url),
        };
        let opened = match url {
            Ok(url) => browser::open_tab_in_front(&url).await,
            Err(e) => Err(e),
        };
        if let Err(e) = opened {
            log(&format!("gmux: the conversation could not be opened: {e}"));
        }
    }

    fn email_of(&self, account: &str) -> String {
        self.store
            .inbox(|inbox| inbox.account(account).map(|a| a.account.email.clone()))
            .unwrap_or_default()
    }

    /// The intents about notifications and the poll: their settings, a pause, messages a page showed, and the
    /// test builds' hooks. `None` for every other intent. None of them needs gmux-host.
    pub async fn answer(&self, intent: &Intent) -> Option<NotifyAnswer> {
        let reply = match intent.clone() {
            Intent::SetPoll { seconds } => {
                let saved = self.change(|s| s.poll_seconds = seconds).await;
                if let Ok(settings) = &saved {
                    alarms::set_poll_alarm(alarms::period_minutes(self.browser, settings)).await;
                }
                replied(saved)
            }
            Intent::SetAccountSettings { account, settings } => replied(
                self.change(|s| {
                    s.accounts.insert(account, settings);
                })
                .await,
            ),
            Intent::SetQuietHours { quiet_hours } => {
                replied(self.change(|s| s.notify.quiet_hours = quiet_hours).await)
            }
            Intent::SetNotificationSound { sound } => {
                replied(self.change(|s| s.notify.sound = sound).await)
            }
            Intent::SetOpenIn { open_in } => {
                replied(self.change(|s| s.notify.open_in = open_in).await)
            }
            Intent::PauseNotifications { pause } => {
                let now = js_sys::Date::now() as u64;
                let until =
                    pause.map(|p| notify::pause_until_ms(p, now, browser::utc_offset_minutes()));
                replied(self.change(|s| s.notify.paused_until_ms = until).await)
            }
            Intent::MessagesSeen { messages, .. } => {
                self.seen(messages);
                IntentReply::ok()
            }
            Intent::TestNotificationClick { id, button } => {
                if !browser::is_test_build() {
                    return Some(NotifyAnswer::Reply(not_a_test_build()));
                }
                self.clicked(&id, button).await;
                IntentReply::ok()
            }
            Intent::TestNotificationsShown => {
                if !browser::is_test_build() {
                    return Some(NotifyAnswer::Reply(not_a_test_build()));
                }
                return Some(NotifyAnswer::Shown(self.shown()));
            }
            _ => return None,
        };
        Some(NotifyAnswer::Reply(reply))
    }

    async fn change(&self, change: impl FnOnce(&mut Settings)) -> Result<Settings, String> {
        self.store
            .change_settings(change)
            .await
            .map_err(|e| e.to_string())
    }

    /// Test builds: every notification shown since the background started.
    pub fn shown(&self) -> Vec<ShownNotification> {
        self.shown.borrow().clone()
    }
}

/// What [`Notifier::answer`] answers.
pub enum NotifyAnswer {
    Reply(IntentReply),
    Shown(Vec<ShownNotification>),
}

fn replied(saved: Result<Settings, String>) -> IntentReply {
    match saved {
        Ok(_) => IntentReply::ok(),
        Err(e) => IntentReply::failed(
            IntentError::StorageFailed,
            crate::i18n::t_with("settingNotSaved", &[&e.to_string()]),
        ),
    }
}

fn not_a_test_build() -> IntentReply {
    IntentReply::failed(IntentError::Internal, "this is for gmux's test builds only")
}

fn log(text: &str) {
    web_sys::console::log_1(&JsValue::from_str(text));
}

/// The notification with gmux's own words in the browser's language (the mail's stay as they are).
fn localized(notification: &Notification) -> Notification {
    let mut shown = notification.clone();
    match notification.words {
        NotificationWords::Mail {
            no_sender,
            no_subject,
        } => {
            if no_sender {
                shown.title = t("unknownSender");
            }
            if no_subject {
                // The body is the subject, then the snippet on its own line.
                shown.body = match notification.body.split_once('\n') {
                    Some((_, snippet)) => format!("{}\n{snippet}", t("noSubject")),
                    None => t("noSubject"),
                };
            }
        }
        NotificationWords::Summary { count, named } => {
            shown.title = t_with("notifySummaryTitle", &[&count.to_string()]);
            if !named {
                shown.body = t("notifySummaryNoSenders");
            }
        }
        NotificationWords::Failed(action) => {
            shown.title = match action {
                ThreadAction::MarkRead => t("notifyFailedMarkRead"),
                ThreadAction::Archive => t("notifyFailedArchive"),
                ThreadAction::MarkUnread => t("notifyFailedMarkUnread"),
                ThreadAction::Trash => t("notifyFailedTrash"),
                ThreadAction::Star => t("notifyFailedStar"),
                ThreadAction::Unstar => t("notifyFailedUnstar"),
            };
        }
    }
    shown
}

/// A notification button's words.
fn button_words(action: ThreadAction) -> String {
    match action {
        ThreadAction::Archive => t("notifyButtonArchive"),
        _ => t("notifyButtonMarkRead"),
    }
}
