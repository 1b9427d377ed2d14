//! Issue 20, languages: the pages speak the browser's UI language. In German the popup, the new tab and the
//! options page show the German catalogue's words (the static HTML's and those the wasm draws), `<html lang>`
//! says so, and dates are German (`06.12.2026, 14:05`); in the pseudo-Arabic test locale (`ar`, written by `xtask
//! dist` into test builds from the English catalogue) the pages lay out right to left, and screenshots of the
//! popup and the new tab in both schemes are kept to be looked at. Both Chromium and Firefox ESR, each with the
//! language installed as Debian ships it (`cargo xtask setup`).
//!
//! gmux-host is installed but not configured: the background then never syncs, so it writes nothing over the
//! store seeded here.

use gmux_core::inbox::{InboxStore, SyncHealth};
use gmux_e2e::ok;
use gmux_e2e::{
    configure_host_with_accounts, connected_status, demo_store, unix_now_ms, Browser,
    EmulatorProcess, ExtensionBrowser, InboxView,
};
use serde_json::{json, Value};

const DAY_MS: u64 = 86_400_000;

/// A store of two accounts whose last row is 400 days old, so it shows a date with a year.
fn seeded_store() -> (InboxStore, Value, String) {
    let now = unix_now_ms();
    let mut store = demo_store(2, 4, now - 60_000);
    let old = &mut store.accounts[1].threads[3];
    old.date_ms = now - 400 * DAY_MS;
    let old_thread = old.thread_id.clone();
    let status = connected_status(&store, now);
    (store, status, old_thread)
}

fn text_of(instance: &ExtensionBrowser, script: &str) -> String {
    let value = ok(instance.session.execute(script, &[]));
    value.as_str().unwrap_or_default().to_string()
}

fn assert_shows(instance: &ExtensionBrowser, page: &str, script: &str, expected: &str) {
    let shown = text_of(instance, script);
    assert_eq!(
        shown.trim(),
        expected,
        "{} {page}: `{script}`",
        instance.browser.name()
    );
}

fn check_german(browser: Browser) {
    let mut instance = ok(ExtensionBrowser::launch_in_language(browser, "de", |_| {
        Ok(())
    }));
    let (store, status, old_thread) = seeded_store();
    let count = store.merged().len();
    ok(instance.open_page("options.html"));
    ok(instance.seed_inbox(&store, &status));

    let page = "popup";
    ok(instance.open_inbox_page("popup.html", |v: &InboxView| v.rows.len() == count));
    assert_shows(
        &instance,
        page,
        "return document.documentElement.lang;",
        "de",
    );
    assert_shows(
        &instance,
        page,
        "return document.documentElement.dir;",
        "ltr",
    );
    assert_shows(
        &instance,
        page,
        "return document.getElementById('mark-all-read').textContent;",
        "Alle als gelesen markieren",
    );
    assert_shows(
        &instance,
        page,
        "return document.getElementById('search').placeholder;",
        "Suchen",
    );
    instance.assert_search_placeholder_fits(page);
    assert_shows(
        &instance,
        page,
        "return document.querySelector('.bar-link').textContent;",
        "Einstellungen",
    );
    assert_shows(
        &instance,
        page,
        "return document.querySelector('#inbox .row [data-action=archive]').getAttribute('aria-label');",
        "Archivieren (e)",
    );
    assert_shows(
        &instance,
        page,
        "return document.getElementById('status').textContent;",
        "mit gmux-host 0.1.0 verbunden",
    );
    // Dates as German writes them: the tooltip `06.12.2026, 14:05`, the row `1. Nov. 2025`-like (a day with a
    // period, the year).
    let dates = ok(instance.session.execute(
        "const row = document.querySelector(`#inbox .row[data-thread='${arguments[0]}'] .date`);
         return [row.textContent, row.title];",
        &[json!(old_thread)],
    ));
    let shown = dates[0].as_str().unwrap_or_default();
    let title = dates[1].as_str().unwrap_or_default();
    let german_full = ok(instance.session.execute(
        r"return /^\d{2}\.\d{2}\.\d{4}, \d{2}:\d{2}$/.test(arguments[0]);",
        &[json!(title)],
    ));
    assert_eq!(
        german_full,
        json!(true),
        "{browser:?}: the full date {title:?}"
    );
    let german_short = ok(instance.session.execute(
        r"return /^\d{1,2}\. \S+ \d{4}$/.test(arguments[0]);",
        &[json!(shown)],
    ));
    assert_eq!(
        german_short,
        json!(true),
        "{browser:?}: the row's date {shown:?}"
    );

    let page = "new tab";
    ok(instance.open_inbox_page("newtab.html", |v: &InboxView| v.rows.len() == count));
    instance.assert_search_placeholder_fits(page);
    assert_shows(&instance, page, "return document.title;", "Neuer Tab");
    assert_shows(
        &instance,
        page,
        "return document.querySelector('.bar-compose').textContent;",
        "Neue Nachricht",
    );

    let page = "options";
    ok(instance.open_page("options.html"));
    assert_shows(
        &instance,
        page,
        "return document.documentElement.lang;",
        "de",
    );
    assert_shows(
        &instance,
        page,
        "return document.querySelector('h1').textContent;",
        "Einstellungen",
    );
    assert_shows(
        &instance,
        page,
        "return document.getElementById('add-account').textContent;",
        "Konto hinzufügen",
    );
    assert_shows(
        &instance,
        page,
        "return document.querySelector('label[data-i18n=checkGmail]').firstChild.textContent;",
        "Gmail abfragen",
    );
    let unread = store.accounts[0].account.counts.threads_unread;
    assert_shows(
        &instance,
        page,
        "return document.querySelector('#account-list .acct-state').textContent;",
        &format!("Verbunden · {unread} ungelesen"),
    );
}

#[test]
fn chromium_pages_speak_german_when_the_browser_does() {
    check_german(Browser::Chromium);
}

#[test]
fn firefox_pages_speak_german_when_the_browser_does() {
    check_german(Browser::Firefox);
}

/// The pseudo-Arabic test locale: the pages are right to left (the document and its layout), and screenshots
/// of the popup and the new tab in both schemes are written to be looked at.
fn check_right_to_left(browser: Browser) {
    let mut instance = ok(ExtensionBrowser::launch_in_language(browser, "ar", |_| {
        Ok(())
    }));
    let (store, status, _) = seeded_store();
    let mail = mail_of(&store);
    let count = store.merged().len();
    ok(instance.open_page("options.html"));
    ok(instance.seed_inbox(&store, &status));
    for scheme in ["", "-dark"] {
        if scheme == "-dark" {
            ok(instance.use_dark_scheme());
        }
        for page in ["popup", "newtab"] {
            ok(
                instance.open_inbox_page(&format!("{page}.html"), |v: &InboxView| {
                    v.rows.len() == count
                }),
            );
            assert_shows(
                &instance,
                page,
                "return document.documentElement.dir;",
                "rtl",
            );
            assert_shows(
                &instance,
                page,
                "return document.documentElement.lang;",
                "ar",
            );
            assert_shows(
                &instance,
                page,
                "return getComputedStyle(document.body).direction;",
                "rtl",
            );
            // The words come from the pseudo catalogue: accented and shown right to left.
            assert_shows(
                &instance,
                page,
                "return document.getElementById('mark-all-read').textContent;",
                "\u{202E}Ṁáŕķ\u{202C} \u{202E}áĺĺ\u{202C} \u{202E}ŕéáđ\u{202C}",
            );
            ok(instance.screenshot(&format!("rtl-{page}{scheme}")));
            assert_all_translated(&instance, page, &mail);
        }
        ok(instance.open_page("options.html"));
        assert_shows(
            &instance,
            "options",
            "return document.documentElement.dir;",
            "rtl",
        );
        wait_for_options(&instance);
        ok(instance.screenshot(&format!("rtl-options{scheme}")));
        assert_all_translated(&instance, "options", &mail);
    }
    check_menus_toast_composer_reader(&mut instance, &store, &mail);
    // The popup's other designed states: an account to reconnect, one offline, every inbox empty.
    let mut reauth = store.clone();
    reauth.accounts[1].account.health = SyncHealth::ReauthRequired;
    let mut offline = store.clone();
    offline.accounts[0].account.health = SyncHealth::Offline;
    let mut empty = store.clone();
    for account in &mut empty.accounts {
        account.threads.clear();
        account.account.counts = Default::default();
    }
    for (state, seeded, kind) in [
        ("reconnect", &reauth, "reauth"),
        ("offline", &offline, "stale"),
        ("empty", &empty, ""),
    ] {
        ok(instance.seed_inbox(seeded, &status));
        ok(instance.open_inbox_page("popup.html", |v: &InboxView| {
            if kind.is_empty() {
                v.empty_state.as_deref() == Some("empty")
            } else {
                v.notices.iter().any(|(k, _)| k == kind)
            }
        }));
        assert_all_translated(&instance, &format!("popup {state}"), &mail);
    }
    // No account yet: the list's empty state and the options page's.
    ok(instance.seed_inbox(
        &InboxStore::default(),
        &json!({"host": "connected", "host_version": "0.1.0"}),
    ));
    ok(instance.open_inbox_page("popup.html", |v: &InboxView| {
        v.empty_state.as_deref() == Some("no_accounts")
    }));
    assert_all_translated(&instance, "popup without accounts", &mail);
    ok(instance.open_page("options.html"));
    wait_for_options(&instance);
    assert_all_translated(&instance, "options without accounts", &mail);
}

const ENTER: &str = "\u{E007}";
const ESCAPE: &str = "\u{E00C}";

/// What opens from the list, in the new tab: the snooze menu (`b`), the label picker (`v`), the reader (Enter: it cannot fetch the conversation here, so it shows its failure) and, last, what an action
/// says (`e`: gmux-host has no Google client here, so the action is refused and a notice says why).
fn check_menus_toast_composer_reader(
    instance: &mut ExtensionBrowser,
    store: &InboxStore,
    mail: &[String],
) {
    let count = store.merged().len();
    ok(instance.open_inbox_page("newtab.html", |v: &InboxView| v.rows.len() == count));
    // The first row shown (an archived row leaves the list, so it is looked up each time).
    let focus = |instance: &ExtensionBrowser| {
        // A notification's window may hold the system focus; a script's focus() there sends the page no focusin.
        ok(instance.focus_window());
        wait_for(
            instance,
            "a row to focus",
            "const row = document.querySelector('#inbox .row[data-thread]');
             if (row) { row.focus(); } return !!row && document.activeElement === row;",
        );
    };

    focus(instance);
    ok(instance.session.press_keys(&["b"], false));
    wait_for(
        instance,
        "the snooze menu",
        "return document.getElementById('bulk').dataset.mode === 'snooze';",
    );
    assert_all_translated(instance, "snooze menu", mail);
    ok(instance.session.press_keys(&[ESCAPE], false));

    focus(instance);
    ok(instance.session.press_keys(&["v"], false));
    wait_for(
        instance,
        "the label picker",
        "return !document.getElementById('label-picker').hidden;",
    );
    assert_all_translated(instance, "label picker", mail);
    ok(instance.session.press_keys(&[ESCAPE], false));

    ok(instance.open_inbox_page("newtab.html", |v: &InboxView| v.rows.len() == count));
    focus(instance);
    ok(instance.session.press_keys(&[ENTER], false));
    wait_for(
        instance,
        "the reader",
        "const r = document.getElementById('reader'); return !!r && !r.hidden && r.getClientRects().length > 0;",
    );
    assert_all_translated(instance, "reader", mail);
    ok(instance.screenshot("rtl-reader"));

    ok(instance.open_inbox_page("newtab.html", |v: &InboxView| v.rows.len() == count));
    focus(instance);
    ok(instance.session.press_keys(&["e"], false));
    wait_for(
        instance,
        "the toast or the refusal after archiving",
        "const t = document.querySelector('#toast .toast-text, .notice[data-notice=failed]');
         return !!t && t.textContent.length > 0;",
    );
    assert_all_translated(instance, "toast", mail);
}

/// Waits until `script` returns true.
fn wait_for(instance: &ExtensionBrowser, what: &str, script: &str) {
    gmux_e2e::wait_until(what, std::time::Duration::from_secs(30), || {
        ok(instance.session.execute(script, &[])) == json!(true)
    });
}

/// The options page has drawn its cards (the Gmail tabs card is the last, after the browser answered).
fn wait_for_options(instance: &ExtensionBrowser) {
    gmux_e2e::wait_until(
        "the options page's cards",
        std::time::Duration::from_secs(30),
        || {
            text_of(
                instance,
                "return document.getElementById('gmail-tabs-button') ? 'drawn' : '';",
            ) == "drawn"
        },
    );
}

/// Every piece of mail the seeded store shows, which no catalogue translates.
fn mail_of(store: &InboxStore) -> Vec<String> {
    let mut mail = vec!["0.1.0".to_string()];
    for inbox in &store.accounts {
        mail.push(inbox.account.email.clone());
        mail.push(gmux_core::view::account_short_name(&inbox.account.email));
        for row in &inbox.threads {
            mail.extend(row.senders.iter().cloned());
            mail.push(row.subject.clone());
            mail.push(gmux_core::text::display_text(&row.snippet));
        }
    }
    // The longest first, so a name inside a subject does not leave the rest of the subject behind.
    mail.sort_by_key(|m| std::cmp::Reverse(m.chars().count()));
    mail
}

/// The test that fails when the pages show a word that is not in the catalogue: in the pseudo locale every word
/// from the catalogue is accented and wrapped in RIGHT-TO-LEFT OVERRIDE … POP DIRECTIONAL FORMATTING, so what is
/// left of a visible text, a select's options, or an `aria-label`, `title`, `placeholder` or `alt` once those
/// words, the mail shown (marked `dir="auto"`, or the seeded store's) and the brand `gmux` are taken out must
/// hold no letter.
fn assert_all_translated(instance: &ExtensionBrowser, state: &str, mail: &[String]) {
    let found = ok(instance.session.execute(UNTRANSLATED, &[json!(mail)]));
    let found: Vec<String> = serde_json::from_value(found).unwrap_or_default();
    assert!(
        found.is_empty(),
        "{} {state} shows words that are not in the English catalogue:\n  {}",
        instance.browser.name(),
        found.join("\n  ")
    );
}

const UNTRANSLATED: &str = r#"
const mail = arguments[0];
const rest = (s) => {
  let out = s.replace(/\u202E[^\u202C]*\u202C/g, ' ');
  for (const m of mail) if (m) out = out.split(m).join(' ');
  return out.replace(/\bgmux\b/g, ' ');
};
const foreign = (s) => /[A-Za-z]/.test(rest(s));
// What the page marks as mail (`dir="auto"`, `dom::mail_el`), which an attribute may quote (a file's name in
// its button's title).
const marked = [...document.querySelectorAll('[dir=auto]')]
  .map((e) => e.textContent.trim())
  .filter((m) => m.length >= 3)
  .sort((a, b) => b.length - a.length);
const foreignAttr = (s) => {
  let out = rest(s);
  for (const m of marked) out = out.split(m).join(' ');
  return /[A-Za-z]/.test(out);
};
const isMail = (e) => !!e.closest('[dir=auto], code, pre');
const shown = (e) => e.tagName === 'OPTION' || (!e.closest('[hidden]') && e.getClientRects().length > 0);
const where = (e) => `<${e.tagName.toLowerCase()} class="${e.className}">`;
const found = [];
const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
for (let node = walker.nextNode(); node; node = walker.nextNode()) {
  const parent = node.parentElement;
  if (!parent || isMail(parent) || !shown(parent) || parent.closest('script, style')) continue;
  if (foreign(node.textContent)) found.push(`text ${JSON.stringify(node.textContent.trim())} in ${where(parent)}`);
}
for (const e of document.querySelectorAll('[aria-label], [title], [placeholder], [alt]')) {
  if (isMail(e) || !shown(e)) continue;
  for (const a of ['aria-label', 'title', 'placeholder', 'alt']) {
    const v = e.getAttribute(a);
    if (v && foreignAttr(v)) found.push(`${a} ${JSON.stringify(v)} on ${where(e)}`);
  }
}
if (foreign(document.title)) found.push(`the title ${JSON.stringify(document.title)}`);
return found;
"#;

/// The pseudo locale with accounts signed in to the emulator's demo mail through the real host: a conversation
/// open in the reader (its cards, an attachment and its notices), then the composer as a reply and as a new
/// message, each walked for words outside the catalogue and kept as a screenshot.
fn check_reader_and_composer_right_to_left(browser: Browser) {
    let emulator = ok(EmulatorProcess::start_demo());
    let emails = ok(emulator.account_emails());
    let host_env = [emulator.private_keyring("languages", browser.name())];
    let mut instance = ok(ExtensionBrowser::launch_prepared_in_language(
        browser,
        "ar",
        &host_env,
        |wrapper| configure_host_with_accounts(wrapper, emulator.base_url(), &emails),
    ));
    ok(instance.session.set_window_size(1280, 900));
    ok(instance.open_inbox_page("newtab.html", |v: &InboxView| {
        v.badges.len() == 3 && v.rows.len() > 20 && v.status_state == "connected"
    }));
    let stored = ok(instance.storage("local"));
    let store: InboxStore = serde_json::from_value(stored["inbox"].clone()).unwrap_or_default();
    assert_eq!(store.accounts.len(), 3, "the synced store");
    let mail = mail_of(&store);
    let view = ok(instance.inbox_view());

    // A conversation with a PDF and an inline image: its header, cards, attachment line and buttons.
    let subject = "Invoice #2026-1204 and our new logo";
    let row = view
        .rows
        .iter()
        .find(|r| r.subject == subject)
        .unwrap_or_else(|| panic!("no row {subject:?}"))
        .clone();
    assert!(ok(instance.focus_row_of(&row.account, &row.thread)));
    ok(instance.session.press_keys(&[ENTER], false));
    ok(instance.wait_for_reader("the invoice to open", |v| {
        v.open && v.thread == row.thread && !v.loading && !v.cards.is_empty()
    }));
    wait_for(
        &instance,
        "the attachment's line",
        "return document.querySelectorAll('#reader-messages .msg-files li').length > 0;",
    );
    ok(instance.screenshot("rtl-reader-message"));
    assert_all_translated(&instance, "reader with a conversation", &mail);

    // The composer as a reply to it (`r`): its fields, the quote, the From line and its buttons.
    ok(instance.session.press_keys(&["r"], false));
    wait_for(
        &instance,
        "the reply's composer",
        "const s = document.getElementById('compose-subject');
         return !!s && s.value.startsWith('Re:') && !!document.getElementById('composer');",
    );
    ok(instance.screenshot("rtl-composer-reply"));
    assert_all_translated(&instance, "composer (reply)", &mail);
    ok(instance.session.press_keys(&[ESCAPE], false));
    wait_for(
        &instance,
        "the reply's composer to close",
        "return !document.getElementById('composer');",
    );

    // A new message (`c`) from the list.
    ok(instance.session.press_keys(&[ESCAPE], false));
    ok(instance.open_inbox_page("newtab.html", |v: &InboxView| v.rows.len() > 20));
    ok(instance.session.press_keys(&["c"], false));
    wait_for(
        &instance,
        "a new message's composer",
        "const s = document.getElementById('compose-subject'); return !!s && s.value === '';",
    );
    ok(instance.screenshot("rtl-composer-new"));
    assert_all_translated(&instance, "composer (new message)", &mail);
    // Send refused: gmux-mail says which field and why as data, the catalogue words it around the typed entry.
    let typed = "someone@";
    ok(instance.session.execute(
        "const e = document.getElementById('compose-to'); e.focus(); e.value = arguments[0];
         e.dispatchEvent(new Event('input', {bubbles: true})); return true;",
        &[json!(typed)],
    ));
    ok(instance.click_css("#composer .composer-send"));
    wait_for(
        &instance,
        "the send refused",
        "const m = document.getElementById('compose-message'); return !!m && !m.hidden && m.textContent.length > 0;",
    );
    ok(instance.screenshot("rtl-composer-refused"));
    let mut with_typed = mail.clone();
    with_typed.push(typed.to_string());
    assert_all_translated(&instance, "composer refusing an address", &with_typed);

    // A conversation Gmail will not give (busy on every try): the reader's refusal with Gmail's cause inside,
    // both from the catalogue.
    ok(instance.session.press_keys(&[ESCAPE], false));
    wait_for(
        &instance,
        "the new message's composer to close",
        "return !document.getElementById('composer');",
    );
    let other = view
        .rows
        .iter()
        .find(|r| r.thread != row.thread)
        .unwrap_or_else(|| panic!("no second row"))
        .clone();
    let email = store
        .account(&other.account)
        .map(|a| a.account.email.clone())
        .unwrap_or_default();
    ok(emulator.post(
        "/_emulator/faults",
        json!({"method": "gmail.users.threads.get", "status": 429, "count": 4, "account": email}),
    ));
    assert!(ok(instance.focus_row_of(&other.account, &other.thread)));
    ok(instance.session.press_keys(&[ENTER], false));
    ok(
        instance.wait_for_reader("the busy conversation's refusal", |v| {
            v.open && v.thread == other.thread && v.failed.is_some()
        }),
    );
    ok(instance.screenshot("rtl-reader-refused"));
    assert_all_translated(&instance, "reader refusing a conversation", &mail);
}

#[test]
fn chromium_reader_and_composer_show_only_catalogue_words_in_the_pseudo_arabic_locale() {
    check_reader_and_composer_right_to_left(Browser::Chromium);
}

#[test]
fn firefox_reader_and_composer_show_only_catalogue_words_in_the_pseudo_arabic_locale() {
    check_reader_and_composer_right_to_left(Browser::Firefox);
}

#[test]
fn chromium_pages_lay_out_right_to_left_in_the_pseudo_arabic_locale() {
    check_right_to_left(Browser::Chromium);
}

#[test]
fn firefox_pages_lay_out_right_to_left_in_the_pseudo_arabic_locale() {
    check_right_to_left(Browser::Firefox);
}
