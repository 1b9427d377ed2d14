//! Reading conversations inside gmux (issue 14), in both browsers, against the emulator's demo mail through the
//! real background and gmux-host: open with a click, Enter or o; read messages collapsed except the last; quoted
//! text behind a toggle; u, Escape and Back return to the same place in the list; j and k move between
//! conversations; every demo charset shown right; forwarded mail nested; mark read on open, after N seconds or
//! never; mark unread from here; the conversation's actions; HTML mail with its images only after "Show
//! images", a link opening a new tab, a `cid:` image, an attachment downloaded byte for byte; the new tab's
//! side-by-side layout and the `#open=` fragment; Gmail refusing (404, 429, 401) with the list unchanged and a
//! retry; screenshots light and dark.

use std::time::{Duration, Instant};

use gmux_e2e::ok;
use gmux_e2e::reader::ReaderView;
use gmux_e2e::{
    configure_host_with_accounts, Browser, EmulatorProcess, ExtensionBrowser, HostSetup, InboxView,
    RowView,
};
use serde_json::{json, Value};

/// First syncs of three demo accounts, a host start and a wasm start, on a loaded machine.
const DEADLINE: Duration = Duration::from_secs(60);
const ENTER: &str = "\u{E007}";
const ESCAPE: &str = "\u{E00C}";

fn wait_until(what: &str, done: impl Fn() -> bool) {
    gmux_e2e::wait_until(what, DEADLINE, done);
}

/// The emulator's demo accounts, all added, the popup showing their synced inbox.
fn start(browser: Browser, name: &str) -> (EmulatorProcess, ExtensionBrowser) {
    let emulator = ok(EmulatorProcess::start_demo());
    let emails = ok(emulator.account_emails());
    let host_env = [emulator.private_keyring(name, browser.name())];
    let instance = ok(ExtensionBrowser::launch_prepared(
        browser,
        HostSetup::Installed,
        &host_env,
        |wrapper| configure_host_with_accounts(wrapper, emulator.base_url(), &emails),
    ));
    ok(instance.session.set_window_size(1280, 900));
    ok(instance.open_extension_page("popup.html"));
    // Every first sync done, so the list stays as it is unless the test changes it.
    ok(
        instance.wait_for_storage("three synced accounts", DEADLINE, |s| {
            gmux_e2e::all_synced(s, 3) && s["status"]["syncing"] == false
        }),
    );
    ok(instance.wait_for_inbox("three synced accounts", |v| {
        v.badges.len() == 3 && v.rows.len() > 20 && v.status_state == "connected"
    }));
    (emulator, instance)
}

/// The first row (newest first) whose subject is `subject`.
fn row_with_subject(view: &InboxView, subject: &str) -> RowView {
    view.rows
        .iter()
        .find(|r| r.subject == subject)
        .unwrap_or_else(|| panic!("no row {subject:?}"))
        .clone()
}

fn row_selector(row: &RowView) -> String {
    format!(
        "#inbox .row[data-account=\"{}\"][data-thread=\"{}\"]",
        row.account, row.thread
    )
}

fn focus_row(instance: &ExtensionBrowser, row: &RowView) {
    assert!(
        ok(instance.focus_row_of(&row.account, &row.thread)),
        "no row {}",
        row.thread
    );
}

/// Waits for the conversation of `row` to be shown with its cards.
fn opened(instance: &ExtensionBrowser, row: &RowView) -> ReaderView {
    ok(
        instance.wait_for_reader(&format!("{:?} to open", row.subject), |v| {
            v.open && v.thread == row.thread && !v.loading && !v.cards.is_empty()
        }),
    )
}

/// Whether each message of the thread carries UNREAD in Gmail (the emulator), oldest first.
fn gmail_unread(emulator: &EmulatorProcess, row: &RowView) -> Vec<bool> {
    let thread = ok(emulator.gmail_json(&format!("threads/{}?format=minimal", row.thread)));
    thread["messages"]
        .as_array()
        .map(|m| {
            m.iter()
                .map(|m| m["labelIds"].to_string().contains("\"UNREAD\""))
                .collect()
        })
        .unwrap_or_default()
}

/// Whether the store's row for `row` is unread.
fn stored_unread(instance: &ExtensionBrowser, row: &RowView) -> Option<bool> {
    let local = ok(instance.storage("local"));
    local["inbox"]["accounts"]
        .as_array()?
        .iter()
        .find(|a| a["account"]["id"] == row.account.as_str())?["threads"]
        .as_array()?
        .iter()
        .find(|t| t["thread_id"] == row.thread.as_str())
        .map(|t| t["unread"].as_bool().unwrap_or(false))
}

fn set_mark_read(instance: &ExtensionBrowser, mark_read: Value) {
    let reply = ok(instance.send_intent(
        json!({"type": "set_reader", "change": {"kind": "mark_read", "mark_read": mark_read}}),
    ));
    assert_eq!(reply["ok"], true, "{reply}");
}

fn list_scroll(instance: &ExtensionBrowser) -> f64 {
    ok(instance.session.execute(
        "return document.querySelector('.inbox-area').scrollTop;",
        &[],
    ))
    .as_f64()
    .unwrap_or(-1.0)
}

fn check_reading(browser: Browser) {
    let (emulator, mut instance) = start(browser, "reader-read");
    let view = ok(instance.inbox_view());

    // Enter opens a conversation in the popup, in place of the list: the read messages collapsed to a line, the
    // last (unread) one open; the quoted text behind a toggle.
    let offsite = row_with_subject(&view, "Offsite agenda");
    assert!(offsite.unread, "the demo's offsite thread starts unread");
    focus_row(&instance, &offsite);
    let scroll_before = list_scroll(&instance);
    ok(instance.session.press_keys(&[ENTER], false));
    let reader = opened(&instance, &offsite);
    assert_eq!(reader.subject, "Offsite agenda");
    assert_eq!(reader.cards.len(), 3);
    assert_eq!(
        reader.cards.iter().map(|c| c.expanded).collect::<Vec<_>>(),
        [false, false, true]
    );
    assert_eq!(reader.cards[0].from, "Priya Raman");
    let last = &reader.cards[2];
    assert!(last.text.contains("Sure, swapped."), "{}", last.text);
    assert!(
        !last.text.contains("Looks good"),
        "quoted text starts folded: {}",
        last.text
    );
    assert!(
        reader.labels.contains(&"Inbox".to_string()),
        "{:?}",
        reader.labels
    );
    let inbox_hidden = ok(instance.session.execute(
        "return getComputedStyle(document.getElementById('inbox')).display;",
        &[],
    ));
    assert_eq!(inbox_hidden, json!("none"), "the popup's list is replaced");
    // The quote toggle shows the quoted text; a collapsed card expands with a click.
    ok(instance.click_css("#reader-messages article[data-index=\"2\"] .quote-toggle"));
    let reader = ok(instance.wait_for_reader("the quoted text", |v| {
        v.cards[2].text.contains("Looks good")
    }));
    assert!(
        reader.cards[2].text.contains("Priya"),
        "{}",
        reader.cards[2].text
    );
    ok(instance.click_css("#reader-messages article[data-index=\"0\"] .msg-head"));
    ok(instance.wait_for_reader("the first message expanded", |v| {
        v.cards[0].expanded && v.cards[0].text.contains("I put together a rough agenda")
    }));
    // Opening marked it read (the default), in the store and in Gmail.
    wait_until("the thread marked read on open", || {
        stored_unread(&instance, &offsite) == Some(false)
    });
    assert_eq!(
        gmail_unread(&emulator, &offsite),
        [false, false, false],
        "Gmail has it read"
    );
    ok(instance.screenshot("reader-popup-plain"));

    // u goes back to the list: same scroll position, the same row selected.
    ok(instance.session.press_keys(&["u"], false));
    ok(instance.wait_for_reader("the reader closed", |v| !v.open));
    assert_eq!(
        ok(instance.focused_thread()).as_deref(),
        Some(offsite.thread.as_str())
    );
    assert!(
        (list_scroll(&instance) - scroll_before).abs() < 1.0,
        "scroll {} then {}",
        scroll_before,
        list_scroll(&instance)
    );

    // j and k move to the next and previous conversation while reading; Escape goes back.
    let view = ok(instance.inbox_view());
    let index = view
        .rows
        .iter()
        .position(|r| r.thread == offsite.thread)
        .expect("the row");
    let (older, newer) = (view.rows[index + 1].clone(), view.rows[index - 1].clone());
    focus_row(&instance, &offsite);
    ok(instance.session.press_keys(&["o"], false));
    opened(&instance, &offsite);
    ok(instance.session.press_keys(&["j"], false));
    opened(&instance, &older);
    ok(instance.session.press_keys(&["k", "k"], false));
    opened(&instance, &newer);
    ok(instance.session.press_keys(&[ESCAPE], false));
    ok(instance.wait_for_reader("the reader closed", |v| !v.open));
    assert_eq!(
        ok(instance.focused_thread()).as_deref(),
        Some(newer.thread.as_str())
    );

    // The page keeps the conversations it closed drawn, and shows one again only while it is what the row says: a
    // new message in it means it is asked for and read afresh.
    ok(emulator.post(
        "/_emulator/deliver",
        json!({"account": email_of(&instance, &offsite.account), "thread_id": offsite.thread,
               "from": "Priya Raman <priya@example.com>", "subject": "Re: Offsite agenda",
               "text": "One more thing: bring a jacket for the boat."}),
    ));
    gmux_e2e::sync_now(&instance);
    ok(
        instance.wait_for_inbox("the new message in the offsite thread", |v| {
            v.rows
                .iter()
                .any(|r| r.thread == offsite.thread && r.unread)
        }),
    );
    focus_row(&instance, &offsite);
    ok(instance.session.press_keys(&["o"], false));
    let reader = ok(
        instance.wait_for_reader("the offsite thread with its new message", |v| {
            v.open && v.thread == offsite.thread && v.cards.len() == 4
        }),
    );
    assert!(
        reader.cards[3].expanded && reader.cards[3].text.contains("bring a jacket"),
        "{:?}",
        reader.cards[3]
    );
    ok(instance.session.press_keys(&["u"], false));
    ok(instance.wait_for_reader("the reader closed", |v| !v.open));
    let view = ok(instance.inbox_view());

    // Every charset of the demo, decoded by the browser's TextDecoder; a click opens.
    let cases = [
        (
            "Le « menu d’hiver » est arrivé – 12 €",
            "Café Société",
            "crème brûlée… le tout pour 12 € — merci",
        ),
        (
            "打ち合わせの日程について",
            "山田太郎",
            "来週の打ち合わせは水曜日の午後三時からでよろしいでしょうか。",
        ),
        (
            "Отчёт за квартал",
            "Иван Петров",
            "Отправляю отчёт за квартал.",
        ),
    ];
    for (subject, from, body) in cases {
        let row = row_with_subject(&view, subject);
        ok(instance.click_css(&format!("{} .subject", row_selector(&row))));
        let reader = opened(&instance, &row);
        assert_eq!(reader.subject, subject);
        assert_eq!(reader.cards[0].from, from);
        assert!(
            reader.cards[0].text.contains(body),
            "{subject}: {}",
            reader.cards[0].text
        );
        assert!(
            reader.cards[0].notices.is_empty(),
            "{:?}",
            reader.cards[0].notices
        );
        ok(instance.click_css("#reader-head button[data-action=\"back\"]"));
        ok(instance.wait_for_reader("back", |v| !v.open));
    }

    // A forwarded message, nested with its own sender; its HTML body in a frame of its own.
    let forwarded = row_with_subject(&view, "Fwd: Venue confirmation");
    ok(instance.click_css(&format!("{} .subject", row_selector(&forwarded))));
    let reader = opened(&instance, &forwarded);
    let card = &reader.cards[0];
    assert!(
        card.text.contains("FYI, the venue confirmed"),
        "{}",
        card.text
    );
    assert!(card.text.contains("Forwarded message"), "{}", card.text);
    assert!(card.text.contains("Harbour Hall Bookings"), "{}", card.text);
    assert_eq!(card.frames, 1, "the forwarded HTML in a frame");
    let inner = ok(instance.in_frame(0, |s| s.execute("return document.body.innerText;", &[])));
    assert!(
        inner.as_str().unwrap_or_default().contains("booking #7781"),
        "{inner}"
    );
    ok(instance.session.press_keys(&["u"], false));

    // Mark read: after N seconds waits that long; never leaves it unread.
    let unread: Vec<RowView> = ok(instance.inbox_view())
        .rows
        .into_iter()
        .filter(|r| r.unread)
        .take(2)
        .collect();
    assert_eq!(unread.len(), 2, "two unread rows to try the settings on");
    set_mark_read(&instance, json!({"after_seconds": 2}));
    ok(
        instance.wait_for_storage("the setting", Duration::from_secs(10), |s| {
            s["settings"]["reader"]["mark_read"] == json!({"after_seconds": 2})
        }),
    );
    let opened_at = Instant::now();
    ok(instance.click_css(&format!("{} .subject", row_selector(&unread[0]))));
    opened(&instance, &unread[0]);
    wait_until("marked read after two seconds", || {
        stored_unread(&instance, &unread[0]) == Some(false)
    });
    assert!(
        opened_at.elapsed() >= Duration::from_secs(2),
        "marked read after {:?}",
        opened_at.elapsed()
    );
    ok(instance.session.press_keys(&["u"], false));
    set_mark_read(&instance, json!("never"));
    ok(
        instance.wait_for_storage("the setting", Duration::from_secs(10), |s| {
            s["settings"]["reader"]["mark_read"] == json!("never")
        }),
    );
    ok(instance.click_css(&format!("{} .subject", row_selector(&unread[1]))));
    opened(&instance, &unread[1]);
    // Nothing to wait for but time: longer than the two seconds the setting above took.
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(
        stored_unread(&instance, &unread[1]),
        Some(true),
        "never means never"
    );
    // Shift+I marks it read from the reader; the header's button follows.
    ok(instance.session.press_keys(&["I"], true));
    wait_until("marked read with Shift+I", || {
        stored_unread(&instance, &unread[1]) == Some(false)
    });
    ok(instance.session.press_keys(&["u"], false));
    set_mark_read(&instance, json!("on_open"));

    // Mark unread from here: the second message on, in Gmail; back to the list with the row unread.
    ok(instance.click_css(&format!("{} .subject", row_selector(&offsite))));
    opened(&instance, &offsite);
    ok(instance.click_css("#reader-messages article[data-index=\"1\"] .msg-head"));
    ok(instance.wait_for_reader("the second message expanded", |v| v.cards[1].expanded));
    ok(instance.click_css(
        "#reader-messages article[data-index=\"1\"] button[data-reader-action=\"unread-from\"]",
    ));
    ok(instance.wait_for_reader("back to the list", |v| !v.open));
    wait_until("the row unread", || {
        stored_unread(&instance, &offsite) == Some(true)
    });
    assert_eq!(gmail_unread(&emulator, &offsite), [false, true, true, true]);

    // The conversation's actions from its header: star, then archive (back to the list, the row gone).
    ok(instance.click_css(&format!("{} .subject", row_selector(&offsite))));
    opened(&instance, &offsite);
    ok(instance.click_css("#reader-head button[data-action=\"star\"]"));
    wait_until("starred", || {
        ok(instance.inbox_view())
            .rows
            .iter()
            .any(|r| r.thread == offsite.thread && r.starred)
    });
    ok(instance.wait_for_reader("the star in the header", |_| {
        ok(instance.session.execute(
            "return document.getElementById('reader-head').hasAttribute('data-starred');",
            &[],
        )) == json!(true)
    }));
    ok(instance.session.press_keys(&["e"], false));
    ok(instance.wait_for_reader("back after archiving", |v| !v.open));
    ok(instance.wait_for_inbox("the archived row gone", |v| {
        v.rows.iter().all(|r| r.thread != offsite.thread)
    }));
    drop(emulator);
    let _ = &mut instance;
}

/// The box of the first element matching `selector`: `[left, top, right, bottom]`.
fn rect(instance: &ExtensionBrowser, selector: &str) -> [f64; 4] {
    let r = ok(instance.session.execute(
        "const e = document.querySelector(arguments[0]); if (!e) return null;
         const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom];",
        &[json!(selector)],
    ));
    let n = |i: usize| r[i].as_f64().unwrap_or(f64::NAN);
    [n(0), n(1), n(2), n(3)]
}

/// Loads `page` (with its `#open=` fragment) and waits for `row`'s conversation on that page.
fn load_open(instance: &ExtensionBrowser, page: &str, row: &RowView) -> ReaderView {
    let fragment = gmux_core::reader::open_fragment(&row.account, &row.thread);
    ok(instance.session.navigate(
        &instance
            .browser
            .extension_url(&format!("{page}.html{fragment}")),
    ));
    wait_until(&format!("{page}.html to load"), || {
        instance
            .session
            .execute(
                "return document.body ? document.body.classList.contains(arguments[0]) : false;",
                &[json!(page)],
            )
            .is_ok_and(|v| v == json!(true))
    });
    opened(instance, row)
}

fn check_html(browser: Browser) {
    let (emulator, mut instance) = start(browser, "reader-html");
    let rows = |v: &InboxView| v.rows.len() > 20;
    let view = ok(instance.open_inbox_page("newtab.html", rows));

    // On a wide new tab the conversation opens beside the list.
    let newsletter = row_with_subject(&view, "The Monthly Digest: November picks");
    ok(instance.click_css(&format!("{} .subject", row_selector(&newsletter))));
    let reader = opened(&instance, &newsletter);
    let (list, pane) = (rect(&instance, "#inbox"), rect(&instance, "#reader"));
    assert!(
        list[2] <= pane[0] && list[3] > list[1],
        "list {list:?} left of the conversation {pane:?}"
    );
    assert!(
        reader.labels.contains(&"Promotions".to_string()),
        "{:?}",
        reader.labels
    );
    let card = &reader.cards[0];
    assert_eq!(card.frames, 1, "HTML in a frame");
    assert!(card.images_hidden, "remote images wait for the user");
    // The frame runs no script, has an opaque origin, and nothing in it came from the network.
    let sandbox = ok(instance.session.execute(
        "const f = document.querySelector('#reader-messages iframe'); return [f.getAttribute('sandbox'), f.contentDocument === null];",
        &[],
    ));
    assert_eq!(
        sandbox,
        json!(["allow-popups allow-popups-to-escape-sandbox", true])
    );
    let inside = ok(instance.in_frame(0, |s| {
        s.execute(
            "return { text: document.body.innerText, images: [...document.images].map(i => i.src),
                      loaded: performance.getEntriesByType('resource').map(e => e.name),
                      links: [...document.links].map(a => [a.href, a.target, a.rel, a.title]) };",
            &[],
        )
    }));
    assert!(
        inside["text"]
            .as_str()
            .unwrap_or_default()
            .contains("November picks"),
        "{inside}"
    );
    assert_eq!(
        inside["images"],
        json!([]),
        "no remote image before Show images"
    );
    assert_eq!(inside["loaded"], json!([]), "nothing loaded");
    let read_online = json!([
        "https://newsletter.example.com/november",
        "_blank",
        "noopener noreferrer",
        "https://newsletter.example.com/november"
    ]);
    assert!(
        inside["links"]
            .as_array()
            .is_some_and(|l| l.contains(&read_online)),
        "links open in a new tab and show where they go: {inside}"
    );
    ok(instance.screenshot("reader-newtab-html"));

    // Show images: the newsletter's remote banner loads now, from the emulator.
    ok(instance.click_css("#reader-messages button[data-reader-action=\"show-images\"]"));
    ok(instance.wait_for_reader("images shown", |v| {
        !v.cards[0].images_hidden && v.cards[0].frames == 1
    }));
    ok(instance.wait_in_frame(
        0,
        "the banner loaded in the frame",
        "const i = [...document.images].find(i => i.src.endsWith('/_emulator/assets/banner.png'));
         return !!i && i.complete && i.naturalWidth === 320;",
    ));
    ok(instance.screenshot("reader-newtab-html-images"));

    // A link in the mail opens a new tab on its own address when clicked.
    let page_window = ok(instance.session.window_handle());
    let before = ok(instance.session.window_handles());
    let link = ok(instance.in_frame(0, |s| {
        let link = s.find_css("a[href=\"https://newsletter.example.com/november\"]")?;
        s.click(&link).map(|()| link)
    }));
    assert!(!link.is_empty());
    wait_until("the link's tab", || {
        ok(instance.session.window_handles()).len() > before.len()
    });
    wait_until("the link's address in a tab", || {
        ok(instance.tab_urls())
            .iter()
            .any(|u| u.starts_with("https://newsletter.example.com/november"))
    });
    for handle in ok(instance.session.window_handles()) {
        if !before.contains(&handle) {
            ok(instance.session.switch_to_window(&handle));
            ok(instance.session.close_window());
        }
    }
    ok(instance.session.switch_to_window(&page_window));

    // A cid: image shown from its attachment; the PDF listed with its type and size and saved byte for byte.
    let invoice = row_with_subject(&view, "Invoice #2026-1204 and our new logo");
    ok(instance.click_css(&format!("{} .subject", row_selector(&invoice))));
    let reader = opened(&instance, &invoice);
    let card = &reader.cards[0];
    assert_eq!(
        card.files.len(),
        1,
        "the logo shows inline, only the PDF is a file: {:?}",
        card.files
    );
    assert_eq!(card.files[0].0, "invoice-2026-1204.pdf");
    let file_meta = card.files[0].1.clone();
    ok(instance.wait_in_frame(
        0,
        "the inline logo",
        "const i = document.querySelector('img[src^=\"data:image/png\"]');
         return !!i && i.complete && i.naturalWidth === 48;",
    ));
    ok(instance.click_css("#reader-messages .file-button"));
    let saved = ok(instance.wait_for_download("invoice-2026-1204.pdf"));
    let thread = ok(emulator.gmail_json(&format!("threads/{}?format=full", invoice.thread)));
    let message = &thread["messages"][0];
    let mut parts = vec![message["payload"].clone()];
    let mut pdf = Value::Null;
    while let Some(part) = parts.pop() {
        if part["filename"] == "invoice-2026-1204.pdf" {
            pdf = part.clone();
        }
        parts.extend(part["parts"].as_array().cloned().unwrap_or_default());
    }
    let attachment = ok(emulator.gmail_json(&format!(
        "messages/{}/attachments/{}",
        message["id"].as_str().unwrap_or_default(),
        pdf["body"]["attachmentId"].as_str().unwrap_or_default()
    )));
    use base64::Engine as _;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(
            attachment["data"]
                .as_str()
                .unwrap_or_default()
                .trim_end_matches('='),
        )
        .expect("base64url");
    assert!(bytes.starts_with(b"%PDF-"));
    assert_eq!(saved, bytes, "the saved file is the emulator's attachment");
    assert_eq!(
        file_meta,
        format!(
            "PDF · {}",
            gmux_core::reader::size_label(bytes.len() as u64)
        )
    );

    // `#open=<account>:<thread>` opens that conversation when the page loads; Back clears it.
    let offsite = row_with_subject(&view, "Offsite agenda");
    let reader = load_open(&instance, "newtab", &offsite);
    assert_eq!(reader.subject, "Offsite agenda");
    ok(instance.screenshot("reader-newtab-plain"));
    ok(instance.click_css("#reader-head button[data-action=\"back\"]"));
    ok(instance.wait_for_reader("back", |v| !v.open));
    assert!(!ok(instance.session.current_url()).contains("#open="));

    // The popup with HTML mail, and both pages in the dark.
    load_open(&instance, "popup", &newsletter);
    ok(instance.screenshot("reader-popup-html"));
    ok(instance.use_dark_scheme());
    for (page, row, name) in [
        ("popup", &newsletter, "reader-popup-html-dark"),
        ("newtab", &offsite, "reader-newtab-plain-dark"),
        ("popup", &offsite, "reader-popup-plain-dark"),
        ("newtab", &newsletter, "reader-newtab-html-dark"),
    ] {
        load_open(&instance, page, row);
        ok(instance.screenshot(name));
    }
    let _ = &mut instance;
}

/// The email of the account with id `account`, from the stored status.
fn email_of(instance: &ExtensionBrowser, account: &str) -> String {
    ok(instance.storage("local"))["status"]["accounts"]
        .as_array()
        .and_then(|all| all.iter().find(|a| a["id"] == account))
        .and_then(|a| a["email"].as_str())
        .unwrap_or_else(|| panic!("no account {account} in the status"))
        .to_string()
}

fn check_refusals_and_settings(browser: Browser) {
    let (emulator, mut instance) = start(browser, "reader-refusals");
    let before = ok(instance.inbox_view());
    let unread: Vec<RowView> = before
        .rows
        .iter()
        .filter(|r| r.unread)
        .take(3)
        .cloned()
        .collect();
    assert_eq!(unread.len(), 3);
    let row_ids = |v: &InboxView| v.rows.iter().map(|r| r.thread.clone()).collect::<Vec<_>>();

    // Gmail refuses: a thread deleted meanwhile (404), Gmail busy (429 on every try), a sign-in refused twice
    // (401). Each time a sentence and Try again; the list is unchanged and nothing is marked read.
    let cases = [
        (404, 1, "no longer in Gmail"),
        (429, 4, "busy right now"),
        (401, 2, "add the account again"),
    ];
    for ((status, count, words), row) in cases.iter().zip(&unread) {
        let email = email_of(&instance, &row.account);
        ok(emulator.post(
            "/_emulator/faults",
            json!({"method": "gmail.users.threads.get", "status": status, "count": count, "account": email}),
        ));
        ok(instance.click_css(&format!("{} .subject", row_selector(row))));
        let reader = ok(
            instance.wait_for_reader(&format!("the {status} failure"), |v| {
                v.open && v.thread == row.thread && v.failed.is_some()
            }),
        );
        let failed = reader.failed.unwrap_or_default();
        assert!(failed.contains(words), "{status}: {failed}");
        assert_eq!(
            stored_unread(&instance, row),
            Some(true),
            "{status}: not marked read"
        );
        if *status == 404 {
            ok(instance.screenshot("reader-popup-refused"));
        }
        // The fault is spent: Try again shows the conversation (and marks it read, as opening does).
        ok(instance
            .click_css("#reader-messages .reader-failed button[data-reader-action=\"retry\"]"));
        opened(&instance, row);
        wait_until("marked read after the retry", || {
            stored_unread(&instance, row) == Some(false)
        });
        ok(instance.session.press_keys(&["u"], false));
        let after = ok(instance.wait_for_reader("back", |v| !v.open));
        assert!(!after.open);
        assert_eq!(
            row_ids(&ok(instance.inbox_view())),
            row_ids(&before),
            "{status}: the list is unchanged"
        );
    }

    // A failure that comes after the person moved to another conversation is not drawn over that one: the
    // first conversation's answer (Gmail: not found) is slowed until the second is on screen.
    let first = before
        .rows
        .iter()
        .find(|r| !unread.iter().any(|u| u.thread == r.thread))
        .expect("a row not opened yet")
        .clone();
    let second = &unread[0];
    ok(emulator.post(
        "/_emulator/faults",
        json!({"method": "gmail.users.threads.get", "status": 404, "latency_ms": 1500, "count": 1,
               "account": email_of(&instance, &first.account)}),
    ));
    ok(instance.click_css(&format!("{} .subject", row_selector(&first))));
    ok(
        instance.wait_for_reader("the first conversation opening", |v| {
            v.open && v.thread == first.thread
        }),
    );
    ok(instance.session.press_keys(&["u"], false));
    ok(instance.wait_for_reader("back", |v| !v.open));
    ok(instance.click_css(&format!("{} .subject", row_selector(second))));
    opened(&instance, second);
    // Past the first's answer (absence cannot be awaited, only given time).
    std::thread::sleep(std::time::Duration::from_millis(2500));
    let reader = ok(instance.reader_view());
    assert!(
        reader.open && reader.thread == second.thread && reader.failed.is_none(),
        "the second conversation stays on screen: {reader:?}"
    );
    ok(instance.session.press_keys(&["u"], false));
    ok(instance.wait_for_reader("back", |v| !v.open));
    ok(emulator.post("/_emulator/faults", json!([])));

    // The Reading settings on the options page: mark read never, plain text first.
    ok(instance.open_page("options.html"));
    let choose = |selector: &str, value: &str| {
        ok(instance.session.execute(
            "const e = document.querySelector(arguments[0]); e.value = arguments[1];
             e.dispatchEvent(new Event('change', {bubbles: true})); return true;",
            &[json!(selector), json!(value)],
        ));
    };
    let selected = ok(instance.session.execute(
        "const s = document.getElementById('mark-read'); return s.options[s.selectedIndex].text;",
        &[],
    ));
    assert_eq!(selected, json!("when it is opened"));
    choose("#mark-read", "never");
    ok(instance.click_css("#prefer-plain"));
    ok(
        instance.wait_for_storage("the reading settings", DEADLINE, |s| {
            s["settings"]["reader"]["mark_read"] == "never"
                && s["settings"]["reader"]["prefer_plain"] == true
        }),
    );
    ok(instance.screenshot("options-reading"));

    // Plain text first: the newsletter's text part, no frame.
    ok(instance.open_extension_page("popup.html"));
    let view = ok(instance.wait_for_inbox("the list", |v| v.rows.len() > 20));
    let newsletter = row_with_subject(&view, "The Monthly Digest: November picks");
    ok(instance.click_css(&format!("{} .subject", row_selector(&newsletter))));
    let reader = opened(&instance, &newsletter);
    assert_eq!(reader.cards[0].frames, 0, "plain text first");
    assert!(
        reader.cards[0].text.contains("THE MONTHLY DIGEST"),
        "{}",
        reader.cards[0].text
    );
    assert_eq!(
        stored_unread(&instance, &newsletter),
        Some(true),
        "never marked read"
    );
    // Always show images from a sender, then take it back on the options page.
    let reply = ok(instance.send_intent(
        json!({"type": "set_reader", "change": {"kind": "prefer_plain", "prefer_plain": false}}),
    ));
    assert_eq!(reply["ok"], true, "{reply}");
    ok(instance.session.press_keys(&["u"], false));
    ok(instance.click_css(&format!("{} .subject", row_selector(&newsletter))));
    let reader = opened(&instance, &newsletter);
    assert!(reader.cards[0].images_hidden);
    ok(instance.click_css("#reader-messages button[data-reader-action=\"always-images\"]"));
    ok(instance.wait_for_reader("images shown", |v| !v.cards[0].images_hidden));
    ok(
        instance.wait_for_storage("the sender remembered", DEADLINE, |s| {
            s["settings"]["reader"]["images_from"][newsletter.account.as_str()]
                == json!(["digest@newsletter.example.com"])
        }),
    );
    // Opened again, its images show without asking.
    ok(instance.session.press_keys(&["u"], false));
    ok(instance.click_css(&format!("{} .subject", row_selector(&newsletter))));
    let reader = opened(&instance, &newsletter);
    assert!(
        !reader.cards[0].images_hidden,
        "always means without asking"
    );
    ok(instance.open_page("options.html"));
    ok(instance.click_css("#image-senders button[data-action=\"forget-images\"]"));
    ok(
        instance.wait_for_storage("the sender forgotten", DEADLINE, |s| {
            s["settings"]["reader"]["images_from"] == json!({})
        }),
    );
    let _ = &mut instance;
}

/// Raw mail built to be too big, too deep, or unreadable, each with the text that must still show.
fn bad_input_seed() -> Value {
    use base64::Engine as _;
    let b64 = |bytes: &[u8]| {
        base64::engine::general_purpose::STANDARD
            .encode(bytes)
            .as_bytes()
            .chunks(76)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect::<Vec<_>>()
            .join("\r\n")
    };
    let head = |subject: &str, content_type: &str| {
        format!(
            "MIME-Version: 1.0\r\nSubject: {subject}\r\nFrom: Bad Input <bad@input.example>\r\nTo: {BAD_INPUT_ACCOUNT}\r\nContent-Type: {content_type}\r\n"
        )
    };
    // 20 MB of HTML: its start shows, with a notice.
    let mut big = String::from("<p>The start of a very large message.</p><p>");
    while big.len() < 20 << 20 {
        big.push_str("lorem ipsum dolor sit amet ");
    }
    big.push_str("END-OF-THE-BIG-MESSAGE</p>");
    let huge = format!(
        "{}Content-Transfer-Encoding: base64\r\n\r\n{}\r\n",
        head("A 20 MB HTML part", "text/html; charset=utf-8"),
        b64(big.as_bytes())
    );
    // Multiparts nested 100 deep under a readable first part.
    let mut deep =
        String::from("Content-Type: text/plain\r\n\r\nText at the bottom of the well\r\n");
    for level in (0..100).rev() {
        deep = format!(
            "Content-Type: multipart/mixed; boundary=\"b{level}\"\r\n\r\n--b{level}\r\n{deep}\r\n--b{level}--\r\n"
        );
    }
    let nested = format!(
        "{}\r\n--top\r\nContent-Type: text/plain\r\n\r\nText on top of the well\r\n--top\r\n{deep}\r\n--top--\r\n",
        head("Nested 100 deep", "multipart/mixed; boundary=\"top\"")
    );
    // A charset nobody knows: read as UTF-8 with a notice. Its marker lies past the snippet.
    let unknown = format!(
        "{}\r\n{}MARKER-IN-THE-BODY-ONLY\r\n",
        head(
            "An unknown charset",
            "text/plain; charset=\"x-gmux-unknown\""
        ),
        "Plain words in a charset nobody knows. ".repeat(12)
    );
    // A part whose base64 is cut off mid-way and whose multipart never closes.
    let cut = format!(
        "{}\r\n--cut\r\nContent-Type: text/plain\r\n\r\nThe readable part\r\n--cut\r\nContent-Type: application/pdf; name=\"broken.pdf\"\r\nContent-Disposition: attachment; filename=\"broken.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQKJ!!!!",
        head("Cut off", "multipart/mixed; boundary=\"cut\"")
    );
    let threads: Vec<Value> = [huge, nested, unknown, cut]
        .iter()
        .enumerate()
        .map(|(n, raw)| {
            let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw.as_bytes());
            json!({"messages": [{"raw": raw, "date": format!("2026-11-01T12:0{n}:00Z"), "labels": ["INBOX", "UNREAD"]}]})
        })
        .collect();
    json!({"accounts": [{"email": BAD_INPUT_ACCOUNT, "name": "Bad Input", "threads": threads}]})
}

const BAD_INPUT_ACCOUNT: &str = "bad-input@example.com";

fn check_bad_input(browser: Browser) {
    let emulator = ok(EmulatorProcess::start_seeded(&bad_input_seed()));
    let host_env = [emulator.private_keyring("reader-bad-input", browser.name())];
    let mut instance = ok(ExtensionBrowser::launch_prepared(
        browser,
        HostSetup::Installed,
        &host_env,
        |wrapper| {
            configure_host_with_accounts(
                wrapper,
                emulator.base_url(),
                &[BAD_INPUT_ACCOUNT.to_string()],
            )
        },
    ));
    ok(instance.session.set_window_size(1280, 900));
    let view = ok(instance.open_inbox_page("popup.html", |v: &InboxView| v.rows.len() == 4));
    // (subject, text that must show, the notice's words)
    let cases = [
        (
            "A 20 MB HTML part",
            "The start of a very large message.",
            "only its first 2 MB",
        ),
        (
            "Nested 100 deep",
            "Text on top of the well",
            "nested too deeply",
        ),
        (
            "An unknown charset",
            "MARKER-IN-THE-BODY-ONLY",
            "character set gmux does not know",
        ),
        ("Cut off", "The readable part", ""),
    ];
    for (subject, shown, notice) in cases {
        let row = row_with_subject(&view, subject);
        ok(instance.click_css(&format!("{} .subject", row_selector(&row))));
        let reader = opened(&instance, &row);
        let card = &reader.cards[0];
        let text = if card.frames > 0 {
            ok(instance.wait_in_frame(
                0,
                &format!("{subject} drawn"),
                "return !!document.body && document.readyState === 'complete';",
            ));
            ok(instance.in_frame(0, |s| s.execute("return document.body.innerText;", &[])))
                .as_str()
                .unwrap_or_default()
                .to_string()
        } else {
            card.text.clone()
        };
        assert!(
            text.contains(shown),
            "{subject}: {}",
            text.chars().take(300).collect::<String>()
        );
        assert!(
            notice.is_empty() || card.notices.iter().any(|n| n.contains(notice)),
            "{subject}: {:?}",
            card.notices
        );
        if subject.starts_with("A 20 MB") {
            assert!(
                !text.contains("END-OF-THE-BIG-MESSAGE"),
                "only the start shows"
            );
        }
        if subject == "Cut off" {
            assert_eq!(
                card.files.len(),
                1,
                "the broken attachment is still listed: {:?}",
                card.files
            );
        }
        let shown = ok(instance.wait_for_reader("the text shown", |v| v.first_text_ms.is_some()));
        let since_open = |t: Option<f64>| t.unwrap_or(f64::NAN) - shown.open_ms.unwrap_or(f64::NAN);
        eprintln!(
            "{} {subject}: the body came at {:.0} ms, was read at {:.0} ms, shown at {:.0} ms",
            browser.name(),
            since_open(shown.body_ms),
            since_open(shown.read_ms),
            since_open(shown.first_text_ms),
        );
        // The page still answers at once.
        ok(instance.session.press_keys(&["u"], false));
        ok(instance.wait_for_reader("back", |v| !v.open));
    }
    // Bodies stay out of storage.
    let stored = ok(instance.storage("local")).to_string();
    assert!(
        !stored.contains("MARKER-IN-THE-BODY-ONLY"),
        "a body reached storage.local"
    );
    let _ = &mut instance;
}

#[test]
fn chromium_bad_input() {
    check_bad_input(Browser::Chromium);
}

#[test]
fn firefox_bad_input() {
    check_bad_input(Browser::Firefox);
}

#[test]
fn chromium_refusals_and_reading_settings() {
    check_refusals_and_settings(Browser::Chromium);
}

#[test]
fn firefox_refusals_and_reading_settings() {
    check_refusals_and_settings(Browser::Firefox);
}

#[test]
fn chromium_html_mail_images_links_and_files() {
    check_html(Browser::Chromium);
}

#[test]
fn firefox_html_mail_images_links_and_files() {
    check_html(Browser::Firefox);
}

#[test]
fn chromium_reading_and_navigating() {
    check_reading(Browser::Chromium);
}

#[test]
fn firefox_reading_and_navigating() {
    check_reading(Browser::Firefox);
}
