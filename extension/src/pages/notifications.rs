//! Notifications and the poll on the pages: the popup's bell (pause for an hour or until tomorrow, resume), the
//! options page's per-account switches (notifications, Primary only), its Notifications card (quiet hours, sound,
//! where a click opens) and how often gmux checks Gmail, with what that costs. Every change is an intent; the
//! background saves it and the pages redraw from storage.

use std::cell::{Cell, RefCell};

use gmux_core::messages::Intent;
use gmux_core::notify::{
    self, minute_text, parse_minute, Browser, OpenIn, PauseChoice, QuietHours, DEFAULT_QUIET_HOURS,
};
use gmux_core::settings::{AccountSettings, Settings};
use wasm_bindgen::JsValue;
use web_sys::{Document, Element};

use super::dom::{self, el, icon_button, text_button, Icon};
use super::{send, tz_offset_minutes, update, Page};
use crate::browser;
use crate::i18n::{t, t_with};

/// The periods the options page offers, in seconds; `None` is the default (30 s).
const POLL_CHOICES: [Option<u32>; 6] =
    [None, Some(60), Some(120), Some(300), Some(900), Some(1_800)];

thread_local! {
    /// Whether the popup's notification menu is open.
    static MENU_OPEN: Cell<bool> = const { Cell::new(false) };
    /// What the Notifications card was last drawn from: it is rebuilt only when that changes, so a sync that
    /// redraws the page does not take a half-typed time away.
    static CARD_DRAWN: RefCell<String> = const { RefCell::new(String::new()) };
}

fn now_ms() -> u64 {
    js_sys::Date::now() as u64
}

/// The popup's and the new tab's bell in the top bar, its menu, and a notice while notifications are paused.
pub(super) fn draw_page_control(document: &Document, page: &Page) -> Result<(), JsValue> {
    let Some(slot) = dom::clear(document, "notify-control")? else {
        return Ok(());
    };
    let paused = paused_words(&page.settings.notify, now_ms(), tz_offset_minutes());
    let open = MENU_OPEN.with(Cell::get);
    let (icon, label) = match &paused {
        Some(text) => (Icon::BellPaused, text.clone()),
        None => (Icon::Bell, t("notifyMenuLabel")),
    };
    let bell = icon_button(document, icon, &label, "notify-menu")?;
    bell.set_attribute("tabindex", "0")?;
    bell.set_attribute("aria-haspopup", "menu")?;
    bell.set_attribute("aria-expanded", if open { "true" } else { "false" })?;
    bell.set_attribute(
        "data-paused",
        if paused.is_some() { "true" } else { "false" },
    )?;
    slot.append_child(&bell)?;
    if open {
        let menu = el(document, "div", "menu", None)?;
        menu.set_attribute("role", "menu")?;
        menu.set_attribute("aria-label", &t("notifications"))?;
        let items = if paused.is_some() {
            vec![(t("resumeNotifications"), "notify-resume")]
        } else {
            vec![
                (t("pauseHour"), "notify-pause-hour"),
                (t("pauseTomorrow"), "notify-pause-tomorrow"),
            ]
        };
        for (text, action) in items {
            let item = text_button(document, "menu-item", &text, action)?;
            item.set_attribute("role", "menuitem")?;
            menu.append_child(&item)?;
        }
        slot.append_child(&menu)?;
    }
    if let (Some(text), Some(notices)) = (paused, document.get_element_by_id("notices")) {
        let notice = el(document, "div", "notice", None)?;
        notice.set_attribute("data-notice", "paused")?;
        dom::append(&notice, el(document, "span", "notice-text", Some(&text))?)?;
        dom::append(
            &notice,
            text_button(document, "link", &t("resume"), "notify-resume")?,
        )?;
        notices.append_child(&notice)?;
    }
    Ok(())
}

/// An account's two switches on the options page.
pub(super) fn account_switches(
    document: &Document,
    settings: &Settings,
    account: &str,
    email: &str,
) -> Result<Element, JsValue> {
    let chosen = settings.account(account);
    let box_ = el(document, "div", "acct-switches", None)?;
    let switches = [
        (
            "notifications",
            t("notifyNewMail"),
            chosen.notifications,
            t_with("notifyNewMailFor", &[email]),
        ),
        (
            "primary_only",
            t("primaryOnly"),
            chosen.primary_only,
            t_with("primaryOnlyFor", &[email]),
        ),
    ];
    for (name, text, on, description) in switches {
        let label = el(document, "label", "switch", None)?;
        let input = el(document, "input", "", None)?;
        input.set_attribute("type", "checkbox")?;
        input.set_attribute("data-setting", "account-switch")?;
        input.set_attribute("data-switch", name)?;
        input.set_attribute("data-account", account)?;
        input.set_attribute("aria-label", &description)?;
        if on {
            input.set_attribute("checked", "")?;
        }
        label.append_child(&input)?;
        dom::append(&label, el(document, "span", "", Some(&text))?)?;
        box_.append_child(&label)?;
    }
    Ok(box_)
}

/// The options page's Notifications card and the poll choice.
pub(super) fn draw_options(document: &Document, page: &Page) -> Result<(), JsValue> {
    draw_poll(document, page)?;
    let browser = browser::browser_kind();
    let paused = paused_words(&page.settings.notify, now_ms(), tz_offset_minutes());
    let accounts: Vec<&str> = page.status.accounts.iter().map(|a| a.id.as_str()).collect();
    let on = accounts
        .iter()
        .filter(|id| page.settings.account(id).notifications)
        .count();
    let signature = format!(
        "{}|{browser:?}|{paused:?}|{on}/{}",
        serde_json::to_string(&page.settings.notify).unwrap_or_default(),
        accounts.len()
    );
    if CARD_DRAWN.with(|d| *d.borrow() == signature) {
        return Ok(());
    }
    let Some(card) = dom::clear(document, "notify-settings")? else {
        return Ok(());
    };
    CARD_DRAWN.with(|d| *d.borrow_mut() = signature);
    let notify = &page.settings.notify;

    let summary = match (&paused, on, accounts.len()) {
        (Some(text), _, _) => text.clone(),
        (None, _, 0) => t("notifyStartOnceAdded"),
        (None, 0, _) => t("notifyOffAll"),
        (None, on, all) if on == all => t("notifyOnAll"),
        (None, on, all) => t_with("notifyOnSome", &[&on.to_string(), &all.to_string()]),
    };
    let head = el(document, "div", "notify-summary", None)?;
    dom::append(&head, el(document, "p", "", Some(&summary))?)?;
    if paused.is_some() {
        dom::append(
            &head,
            text_button(document, "quiet", &t("resume"), "notify-resume")?,
        )?;
    } else if on > 0 {
        dom::append(
            &head,
            text_button(document, "quiet", &t("pauseHour"), "notify-pause-hour")?,
        )?;
    }
    card.append_child(&head)?;

    // Quiet hours: a switch and the two times.
    let quiet = notify.quiet_hours;
    let shown = quiet.unwrap_or(DEFAULT_QUIET_HOURS);
    let row = el(document, "div", "quiet-hours", None)?;
    let label = el(document, "label", "switch", None)?;
    let toggle = checkbox(document, "quiet-on", quiet.is_some())?;
    label.append_child(&toggle)?;
    dom::append(
        &label,
        el(document, "span", "", Some(&t("quietHoursFrom")))?,
    )?;
    row.append_child(&label)?;
    dom::append(
        &row,
        time_input(
            document,
            "quiet-start",
            shown.start_minute,
            &t("quietHoursStart"),
            quiet.is_none(),
        )?,
    )?;
    dom::append(&row, el(document, "span", "", Some(&t("quietHoursTo")))?)?;
    dom::append(
        &row,
        time_input(
            document,
            "quiet-end",
            shown.end_minute,
            &t("quietHoursEnd"),
            quiet.is_none(),
        )?,
    )?;
    card.append_child(&row)?;
    dom::append(
        &card,
        el(document, "p", "field-hint", Some(&t("quietHoursHint")))?,
    )?;

    // Sound: Chromium's to choose; Firefox's notifications take no such option.
    let label = el(document, "label", "switch", None)?;
    let sound = checkbox(document, "notify-sound", notify.sound)?;
    if browser == Browser::Firefox {
        sound.set_attribute("disabled", "")?;
    }
    label.append_child(&sound)?;
    dom::append(&label, el(document, "span", "", Some(&t("playSound")))?)?;
    card.append_child(&label)?;
    if browser == Browser::Firefox {
        dom::append(
            &card,
            el(document, "p", "field-hint", Some(&t("firefoxSoundHint")))?,
        )?;
    }

    // Where a click opens the conversation.
    let field = el(
        document,
        "label",
        "field",
        Some(&format!("{} ", t("clickOpensIn"))),
    )?;
    let select = el(document, "select", "", None)?;
    select.set_attribute("data-setting", "open-in")?;
    select.set_id("open-in");
    for (value, text, choice) in [
        ("gmux", "gmux".to_string(), OpenIn::Gmux),
        ("gmail", t("gmail"), OpenIn::Gmail),
    ] {
        let option = el(document, "option", "", Some(&text))?;
        option.set_attribute("value", value)?;
        if notify.open_in == choice {
            option.set_attribute("selected", "")?;
        }
        select.append_child(&option)?;
    }
    field.append_child(&select)?;
    card.append_child(&field)?;
    let buttons = match browser {
        Browser::Chromium => t("chromiumButtonsHint"),
        Browser::Firefox => t("firefoxButtonsHint"),
    };
    dom::append(&card, el(document, "p", "field-hint", Some(&buttons))?)?;
    Ok(())
}

fn checkbox(document: &Document, setting: &str, on: bool) -> Result<Element, JsValue> {
    let input = el(document, "input", "", None)?;
    input.set_attribute("type", "checkbox")?;
    input.set_attribute("data-setting", setting)?;
    input.set_id(setting);
    if on {
        input.set_attribute("checked", "")?;
    }
    Ok(input)
}

fn time_input(
    document: &Document,
    setting: &str,
    minute: u16,
    label: &str,
    disabled: bool,
) -> Result<Element, JsValue> {
    let input = el(document, "input", "time", None)?;
    input.set_attribute("type", "time")?;
    input.set_attribute("data-setting", setting)?;
    input.set_id(setting);
    input.set_attribute("value", &minute_text(minute))?;
    input.set_attribute("aria-label", label)?;
    if disabled {
        input.set_attribute("disabled", "")?;
    }
    Ok(input)
}

/// "Check Gmail every …", and what the chosen pace costs an account in Gmail's quota.
fn draw_poll(document: &Document, page: &Page) -> Result<(), JsValue> {
    let browser = browser::browser_kind();
    let chosen = page.settings.poll_seconds;
    if let Some(select) = dom::clear(document, "poll-every")? {
        let mut choices = POLL_CHOICES.to_vec();
        if !choices.contains(&chosen) {
            choices.push(chosen);
            choices.sort_unstable();
        }
        for choice in choices {
            let text = match choice {
                None => t("every30Seconds"),
                Some(60) => t("everyMinute"),
                Some(3_600) => t("everyHour"),
                Some(s) if s % 60 == 0 => t_with("everyMinutes", &[&(s / 60).to_string()]),
                Some(s) => t_with("everySeconds", &[&s.to_string()]),
            };
            let option = el(document, "option", "", Some(&text))?;
            option.set_attribute("value", &choice.map(|s| s.to_string()).unwrap_or_default())?;
            if choice == chosen {
                option.set_attribute("selected", "")?;
            }
            select.append_child(&option)?;
        }
    }
    if let Some(hint) = document.get_element_by_id("poll-cost") {
        // Core's `notify::poll_cost_text` in the browser's language.
        let period = page.settings.poll_period_ms();
        let plan = notify::poll_plan(browser, period, false);
        let mut text = t_with(
            "pollCost",
            &[&crate::i18n::number(notify::quota_units_per_day(
                plan.alarm_period_ms,
            ))],
        );
        if let Some(ms) = notify::poll_plan(browser, period, true).page_timer_ms {
            text.push(' ');
            text.push_str(&t_with("pollInView", &[&(ms / 1_000).to_string()]));
        }
        hint.set_text_content(Some(&text));
    }
    Ok(())
}

/// Closes the popup's menu; `true` when it was open.
pub(super) fn close_menu() -> bool {
    MENU_OPEN.with(|m| m.replace(false))
}

/// A click on one of this module's buttons; `false` when the action is not one of them.
pub(super) fn on_click(action: &str) -> bool {
    let pause = |choice: Option<PauseChoice>| {
        MENU_OPEN.with(|m| m.set(false));
        send(Intent::PauseNotifications { pause: choice });
    };
    match action {
        "notify-menu" => update(|_| MENU_OPEN.with(|m| m.set(!m.get()))),
        "notify-pause-hour" => pause(Some(PauseChoice::OneHour)),
        "notify-pause-tomorrow" => pause(Some(PauseChoice::UntilTomorrow)),
        "notify-resume" => pause(None),
        _ => return false,
    }
    true
}

/// A changed input of this module (`setting` is its `data-setting`); `false` when it is not one of them.
pub(super) fn on_change(setting: &str, target: &Element, page_settings: Settings) -> bool {
    match setting {
        "account-switch" => {
            let (Some(account), Some(switch)) = (
                target.get_attribute("data-account"),
                target.get_attribute("data-switch"),
            ) else {
                return true;
            };
            let mut settings: AccountSettings = page_settings.account(&account);
            match switch.as_str() {
                "notifications" => settings.notifications = checked(target),
                "primary_only" => settings.primary_only = checked(target),
                _ => return true,
            }
            send(Intent::SetAccountSettings { account, settings });
        }
        "quiet-on" | "quiet-start" | "quiet-end" => {
            let quiet_hours = read_quiet_hours();
            send(Intent::SetQuietHours { quiet_hours });
        }
        "notify-sound" => send(Intent::SetNotificationSound {
            sound: checked(target),
        }),
        "open-in" => {
            let open_in = match value_of(target).as_str() {
                "gmail" => OpenIn::Gmail,
                _ => OpenIn::Gmux,
            };
            send(Intent::SetOpenIn { open_in });
        }
        "poll-every" => {
            let seconds = value_of(target).parse::<u32>().ok();
            send(Intent::SetPoll { seconds });
        }
        _ => return false,
    }
    true
}

/// The quiet hours the card's inputs say: `None` when switched off; a time that does not read keeps the
/// default's.
fn read_quiet_hours() -> Option<QuietHours> {
    let document = dom::document().ok()?;
    let input = |id: &str| document.get_element_by_id(id);
    if !input("quiet-on").is_some_and(|i| checked(&i)) {
        return None;
    }
    let minute = |id: &str, default: u16| {
        input(id)
            .and_then(|i| parse_minute(&value_of(&i)))
            .unwrap_or(default)
    };
    Some(QuietHours {
        start_minute: minute("quiet-start", DEFAULT_QUIET_HOURS.start_minute),
        end_minute: minute("quiet-end", DEFAULT_QUIET_HOURS.end_minute),
    })
}

fn checked(element: &Element) -> bool {
    js_sys::Reflect::get(element, &JsValue::from_str("checked"))
        .ok()
        .and_then(|v| v.as_bool())
        .unwrap_or(false)
}

fn value_of(element: &Element) -> String {
    js_sys::Reflect::get(element, &JsValue::from_str("value"))
        .ok()
        .and_then(|v| v.as_string())
        .unwrap_or_default()
}

/// Core's `notify::paused_text` in the browser's language: `None` when notifications are not paused, else until a
/// time today, tomorrow at a time, or a date and time further out.
fn paused_words(
    settings: &gmux_core::settings::NotifySettings,
    now_ms: u64,
    tz: i32,
) -> Option<String> {
    notify::paused_text(settings, now_ms, tz)?;
    let until = settings.paused_until_ms?;
    let day = |ms: u64| (ms as i64 + i64::from(tz) * 60_000).div_euclid(86_400_000);
    Some(match day(until) - day(now_ms) {
        0 => t_with("pausedUntil", &[&crate::i18n::time_of_day(until)]),
        1 => t_with("pausedUntilTomorrow", &[&crate::i18n::time_of_day(until)]),
        _ => t_with("pausedUntil", &[&crate::i18n::full_date(until, tz)]),
    })
}
