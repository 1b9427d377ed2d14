//! Writing mail (issue 16), in both browsers, against the emulator's demo mail through the real background and
//! gmux-host, one browser session per browser: reply, reply all, forward with the original's attachments and a
//! new message with a file of its own each arrive at the emulator with the right headers and threading (the raw
//! bytes read back with gmux-mail); non-ASCII names, subjects and file names round-trip; CR/LF in a subject or an
//! address sends nothing and says why; a page closed mid-sentence leaves a Gmail draft with the text; Undo
//! within the window means the emulator never receives the message; a send during a 503 stays a draft and the
//! user is told; screenshots of the composer in the popup and popped out, light and dark.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use base64::Engine as _;
use gmux_e2e::ok;
use gmux_e2e::{
    configure_host_with_accounts, Browser, EmulatorProcess, ExtensionBrowser, HostSetup, InboxView,
    RowView,
};
use gmux_mail::mime::{self, MessageView, ReadOptions};
use serde_json::{json, Value};

const DEADLINE: Duration = Duration::from_secs(60);
const ENTER: &str = "\u{E007}";
const ESCAPE: &str = "\u{E00C}";

fn wait_until<T>(what: &str, mut done: impl FnMut() -> Option<T>) -> T {
    let until = Instant::now() + DEADLINE;
    loop {
        if let Some(found) = done() {
            return found;
        }
        assert!(Instant::now() < until, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn start(browser: Browser, name: &str) -> (EmulatorProcess, ExtensionBrowser, Vec<String>) {
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
    ok(
        instance.wait_for_storage("three synced accounts", DEADLINE, |s| {
            gmux_e2e::all_synced(s, 3) && s["status"]["syncing"] == false
        }),
    );
    ok(instance.wait_for_inbox("three synced accounts", |v| {
        v.badges.len() == 3 && v.rows.len() > 20 && v.status_state == "connected"
    }));
    (emulator, instance, emails)
}

fn row_with_subject(view: &InboxView, subject: &str) -> RowView {
    view.rows
        .iter()
        .find(|r| r.subject == subject)
        .unwrap_or_else(|| panic!("no row {subject:?}"))
        .clone()
}

/// Opens the conversation of `subject` from the list and waits for its cards.
fn open_conversation(instance: &ExtensionBrowser, subject: &str) -> RowView {
    let view = ok(instance.inbox_view());
    let row = row_with_subject(&view, subject);
    assert!(ok(instance.focus_row_of(&row.account, &row.thread)));
    ok(instance.session.press_keys(&[ENTER], false));
    ok(
        instance.wait_for_reader(&format!("{subject:?} to open"), |v| {
            v.open && v.thread == row.thread && !v.loading && !v.cards.is_empty()
        }),
    );
    row
}

/// The open composer: its id, fields and message.
fn composer(instance: &ExtensionBrowser) -> Option<Value> {
    let found = ok(instance.session.execute(
        "const c = document.getElementById('composer');
         if (!c) return null;
         const v = (id) => { const e = document.getElementById(id); return e ? e.value : null; };
         return {id: c.dataset.composeId, from: v('compose-from'), to: v('compose-to'), cc: v('compose-cc'),
                 bcc: v('compose-bcc'), subject: v('compose-subject'), body: v('compose-body'),
                 message: (document.getElementById('compose-message') || {}).textContent || '',
                 failed: c.hasAttribute('data-failed'), refused: c.getAttribute('data-refused'),
                 quote: (c.querySelector('.composer-quote-text') || {}).textContent || '',
                 files: [...c.querySelectorAll('.composer-file-name')].map((f) => f.textContent)};",
        &[],
    ));
    (!found.is_null()).then_some(found)
}

fn wait_composer(instance: &ExtensionBrowser, what: &str, done: impl Fn(&Value) -> bool) -> Value {
    wait_until(what, || composer(instance).filter(|c| done(c)))
}

/// Sets a field as typing does: its value, then an `input` event.
fn type_into(instance: &ExtensionBrowser, id: &str, text: &str) {
    ok(instance.session.execute(
        "const e = document.getElementById(arguments[0]); e.focus(); e.value = arguments[1];
         e.dispatchEvent(new Event('input', {bubbles: true})); return true;",
        &[json!(id), json!(text)],
    ));
}

fn choose_from(instance: &ExtensionBrowser, email: &str) {
    ok(instance.session.execute(
        "const e = document.getElementById('compose-from'); e.value = arguments[0];
         e.dispatchEvent(new Event('change', {bubbles: true})); return e.value;",
        &[json!(email)],
    ));
}

fn toast(instance: &ExtensionBrowser) -> String {
    ok(instance.session.execute(
        "const t = document.getElementById('compose-toast'); return t ? t.textContent : '';",
        &[],
    ))
    .as_str()
    .unwrap_or_default()
    .to_string()
}

/// What an account sent through the API, raw, oldest first.
fn sent(emulator: &EmulatorProcess, email: &str) -> Vec<(Vec<u8>, String)> {
    let list = ok(emulator.get(&format!("/_emulator/sent?account={email}")));
    list["sent"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|s| {
            let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(s["raw"].as_str().unwrap_or_default().trim_end_matches('='))
                .expect("raw is base64url");
            (raw, s["threadId"].as_str().unwrap_or_default().to_string())
        })
        .collect()
}

/// Waits for `email`'s `count`th message sent; on a timeout, says what the page shows.
fn wait_sent(
    instance: &ExtensionBrowser,
    emulator: &EmulatorProcess,
    email: &str,
    count: usize,
) -> (Vec<u8>, String) {
    let until = Instant::now() + DEADLINE;
    loop {
        let all = sent(emulator, email);
        if all.len() >= count {
            return all[count - 1].clone();
        }
        assert!(
            Instant::now() < until,
            "timed out waiting for {email} to have sent {count}; composer {:?}, toast {:?}",
            composer(instance),
            toast(instance)
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn read_raw(raw: &[u8]) -> MessageView {
    mime::read_raw(
        raw,
        &gmux_mail::charset::BuiltIn,
        &ReadOptions {
            prefer_plain: true,
            allow_remote: false,
            cid_images: Default::default(),
        },
    )
}

fn text_of(m: &MessageView) -> String {
    match &m.body {
        mime::Body::Text { segments } => segments
            .iter()
            .map(|s| s.text.as_str())
            .collect::<String>()
            .replace("\r\n", "\n"),
        other => format!("{other:?}"),
    }
}

fn header<'a>(raw: &'a [u8], name: &str) -> Option<&'a str> {
    let text = std::str::from_utf8(raw).ok()?;
    let head = text.split("\r\n\r\n").next()?;
    head.split("\r\n")
        .find(|l| {
            l.len() > name.len()
                && l[..name.len()].eq_ignore_ascii_case(name)
                && l.as_bytes()[name.len()] == b':'
        })
        .map(|l| l[name.len() + 1..].trim())
}

fn addresses(list: &[gmux_mail::mime::headers::Mailbox]) -> BTreeSet<String> {
    list.iter().map(|m| m.address.to_lowercase()).collect()
}

/// Every access token the emulator issued, for reading each account's drafts.
fn tokens(emulator: &EmulatorProcess) -> Vec<String> {
    let issued = ok(emulator.get("/_emulator/issued_tokens"));
    issued["access_tokens"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|t| t.as_str().map(str::to_string))
        .collect()
}

/// The raw messages of every Gmail draft of every account.
fn drafts(emulator: &EmulatorProcess) -> Vec<Vec<u8>> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for token in tokens(emulator) {
        let get = |path: &str| -> Option<Value> {
            ureq::get(&format!("{}/gmail/v1/users/me/{path}", emulator.base_url()))
                .set("Authorization", &format!("Bearer {token}"))
                .call()
                .ok()?
                .into_json()
                .ok()
        };
        let Some(list) = get("drafts") else { continue };
        for draft in list["drafts"].as_array().into_iter().flatten() {
            let id = draft["id"].as_str().unwrap_or_default().to_string();
            if !seen.insert(id.clone()) {
                continue;
            }
            if let Some(full) = get(&format!("drafts/{id}?format=raw")) {
                let raw = full["message"]["raw"].as_str().unwrap_or_default();
                if let Ok(bytes) = base64::engine::general_purpose::URL_SAFE
                    .decode(raw)
                    .or_else(|_| {
                        base64::engine::general_purpose::URL_SAFE_NO_PAD
                            .decode(raw.trim_end_matches('='))
                    })
                {
                    out.push(bytes);
                }
            }
        }
    }
    out
}

fn wait_draft_with(emulator: &EmulatorProcess, what: &str, text: &str) -> MessageView {
    wait_until(&format!("a Gmail draft with {what}"), || {
        drafts(emulator)
            .into_iter()
            .map(|raw| read_raw(&raw))
            .find(|m| text_of(m).contains(text) || m.subject.contains(text))
    })
}

/// A header of the thread's last message as Gmail has it.
fn last_message(emulator: &EmulatorProcess, thread: &str) -> Value {
    let thread = ok(emulator.gmail_json(&format!("threads/{thread}?format=full")));
    thread["messages"]
        .as_array()
        .and_then(|m| m.last().cloned())
        .unwrap_or_default()
}

fn gmail_header(message: &Value, name: &str) -> String {
    message["payload"]["headers"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|h| {
            h["name"]
                .as_str()
                .is_some_and(|n| n.eq_ignore_ascii_case(name))
        })
        .and_then(|h| h["value"].as_str())
        .unwrap_or_default()
        .to_string()
}

fn set_undo(instance: &ExtensionBrowser, seconds: u32) {
    let reply = ok(instance.send_intent(json!({"type": "set_undo_seconds", "seconds": seconds})));
    assert_eq!(reply["ok"], json!(true), "{reply}");
}

fn send_button(instance: &ExtensionBrowser) {
    ok(instance.click_css("#composer .composer-send"));
}

fn check_compose(browser: Browser) {
    let (emulator, instance, emails) = start(browser, "compose");
    set_undo(&instance, 0);

    // Reply: r on an open conversation answers its last message, from the account it is in, quoted in Gmail's
    // form and threaded (In-Reply-To, References, the thread id).
    let offsite = open_conversation(&instance, "Offsite agenda");
    let account_email = |row: &RowView| -> String {
        let accounts = ok(instance.storage("local"));
        accounts["status"]["accounts"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|a| a["id"] == row.account.as_str())
            .and_then(|a| a["email"].as_str())
            .unwrap_or_default()
            .to_string()
    };
    let me = account_email(&offsite);
    let original = last_message(&emulator, &offsite.thread);
    let before = sent(&emulator, &me).len();
    ok(instance.session.press_keys(&["r"], false));
    let c = wait_composer(&instance, "the reply", |c| {
        c["subject"] == "Re: Offsite agenda"
    });
    assert_eq!(c["from"], json!(me));
    let original_from = gmail_header(&original, "From");
    let original_from_address = original_from
        .rsplit('<')
        .next()
        .unwrap_or_default()
        .trim_end_matches('>')
        .to_lowercase();
    assert!(
        c["to"]
            .as_str()
            .unwrap_or_default()
            .to_lowercase()
            .contains(&original_from_address),
        "{c}"
    );
    assert!(
        c["quote"].as_str().unwrap_or_default().contains("wrote:"),
        "{c}"
    );
    // Closed with text, the conversation opened again offers it back, as it was left.
    type_into(&instance, "compose-body", "Thursday works for me.");
    ok(instance.session.press_keys(&[ESCAPE], false));
    wait_until("the composer to close", || {
        composer(&instance).is_none().then_some(())
    });
    ok(instance.session.press_keys(&["u"], false));
    ok(instance.wait_for_reader("the list again", |v| !v.open));
    open_conversation(&instance, "Offsite agenda");
    wait_until("the unsent reply offered", || {
        let offer = ok(instance.session.execute(
            "const o = document.getElementById('compose-unsent'); return o ? o.textContent : null;",
            &[],
        ));
        offer
            .as_str()
            .is_some_and(|t| t.contains("unsent reply"))
            .then_some(())
    });
    ok(instance.click_css("#compose-unsent button"));
    let c = wait_composer(&instance, "the reply again", |c| {
        c["body"] == "Thursday works for me."
    });
    assert!(
        c["message"]
            .as_str()
            .unwrap_or_default()
            .contains("as you left it"),
        "{c}"
    );
    ok(instance.screenshot("compose-reply-popup"));
    send_button(&instance);
    let (raw, thread) = wait_sent(&instance, &emulator, &me, before + 1);
    let m = read_raw(&raw);
    assert_eq!(thread, offsite.thread, "the reply is in the conversation");
    assert_eq!(m.subject, "Re: Offsite agenda");
    let parent = gmail_header(&original, "Message-ID");
    assert_eq!(m.in_reply_to, parent);
    assert!(m.references.ends_with(&parent), "{}", m.references);
    assert_eq!(
        m.from.as_ref().map(|f| f.address.as_str()),
        Some(me.as_str())
    );
    assert_eq!(
        addresses(&m.to),
        BTreeSet::from([original_from_address.clone()])
    );
    let text = text_of(&m);
    assert!(text.starts_with("Thursday works for me."), "{text}");
    assert!(text.contains(" wrote:\n> "), "{text}");
    assert!(header(&raw, "Message-ID").is_some_and(|id| id.starts_with('<')));
    assert!(header(&raw, "Date").is_some());
    wait_until("the sent toast", || {
        toast(&instance).contains("sent").then_some(())
    });

    // Reply all: everyone of the original but the account itself.
    ok(instance.session.press_keys(&["a"], false));
    let c = wait_composer(&instance, "the reply all", |c| {
        c["subject"] == "Re: Offsite agenda"
    });
    let before = sent(&emulator, &me).len();
    type_into(&instance, "compose-body", "Adding everyone.");
    send_button(&instance);
    let (raw, thread) = wait_sent(&instance, &emulator, &me, before + 1);
    let m = read_raw(&raw);
    assert_eq!(thread, offsite.thread);
    // Everyone on the message answered (the reader's last: the original or the reply just sent) but the account.
    let answered = ok(emulator.gmail_json(&format!("threads/{}?format=full", offsite.thread)))
        ["messages"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|msg| gmail_header(msg, "Message-ID") == m.in_reply_to)
        .cloned()
        .expect("the answered message is in the thread");
    let mut expected = BTreeSet::new();
    for h in ["From", "To", "Cc"] {
        for mb in gmux_mail::address::parse_list_lenient(&gmail_header(&answered, h)) {
            if !mb.address.eq_ignore_ascii_case(&me) {
                expected.insert(mb.address.to_lowercase());
            }
        }
    }
    let got: BTreeSet<String> = addresses(&m.to).union(&addresses(&m.cc)).cloned().collect();
    assert_eq!(got, expected, "{c}");
    wait_until("the sent toast", || {
        toast(&instance).contains("sent").then_some(())
    });
    ok(instance.session.press_keys(&[ESCAPE], false));

    // Forward: the original's attachments go with it, byte for byte, and Gmail's forwarded block.
    let invoice = open_conversation(&instance, "Invoice #2026-1204 and our new logo");
    let sender = account_email(&invoice);
    let before = sent(&emulator, &sender).len();
    let original = last_message(&emulator, &invoice.thread);
    let mut original_files = Vec::new();
    let mut stack = vec![original["payload"].clone()];
    while let Some(part) = stack.pop() {
        if let Some(name) = part["filename"].as_str().filter(|n| !n.is_empty()) {
            if part["headers"]
                .to_string()
                .to_lowercase()
                .contains("attachment")
            {
                original_files.push((name.to_string(), part["body"]["size"].as_u64().unwrap_or(0)));
            }
        }
        stack.extend(part["parts"].as_array().cloned().unwrap_or_default());
    }
    assert!(!original_files.is_empty(), "the invoice has an attachment");
    ok(instance.session.press_keys(&["f"], false));
    let c = wait_composer(&instance, "the forward", |c| {
        c["subject"] == "Fwd: Invoice #2026-1204 and our new logo"
            && c["files"].as_array().is_some_and(|f| !f.is_empty())
    });
    assert_eq!(c["to"], json!(""));
    type_into(&instance, "compose-to", &emails[1]);
    type_into(&instance, "compose-body", "FYI, the invoice.");
    send_button(&instance);
    let (raw, _) = wait_sent(&instance, &emulator, &sender, before + 1);
    let m = read_raw(&raw);
    assert_eq!(m.subject, "Fwd: Invoice #2026-1204 and our new logo");
    assert!(
        text_of(&m).contains("---------- Forwarded message ---------"),
        "{}",
        text_of(&m)
    );
    let forwarded: Vec<(String, u64)> = m
        .attachments
        .iter()
        .map(|a| (a.file_name.clone(), a.size))
        .collect();
    for file in &original_files {
        assert!(forwarded.contains(file), "{file:?} in {forwarded:?}");
    }
    wait_until("the sent toast", || {
        toast(&instance).contains("sent").then_some(())
    });
    ok(instance.session.press_keys(&[ESCAPE], false));

    // A new message from another account's address (the From picker), with non-ASCII everywhere and a file from
    // the picker: it arrives with encoded-words and RFC 2231 names that read back the same.
    ok(instance.session.press_keys(&["c"], false));
    wait_composer(&instance, "a new message", |c| c["subject"] == "");
    choose_from(&instance, &emails[2]);
    let before = sent(&emulator, &emails[2]).len();
    let name = "Zoë Ångström, Jr.";
    let subject = "Grüße aus Köln — 東京 ✓";
    type_into(
        &instance,
        "compose-to",
        &format!("\"{name}\" <{}>", emails[0]),
    );
    type_into(&instance, "compose-subject", subject);
    type_into(&instance, "compose-body", "Hälsningar 😀\nZweite Zeile.");
    let dir = tempfile::tempdir().expect("a temporary folder");
    let file_name = "Übersicht März – naïve 東京.txt";
    let file_path = dir.path().join(file_name);
    let content = "Grüße, ein Anhang.\n".repeat(40);
    std::fs::write(&file_path, &content).expect("the file is written");
    let picker = ok(instance.session.find_css("#compose-file"));
    ok(instance
        .session
        .send_text(&picker, &file_path.to_string_lossy()));
    wait_composer(&instance, "the file chip", |c| {
        c["files"] == json!([file_name])
    });
    let total = ok(instance.session.execute(
        "return document.querySelector('#composer .composer-total').textContent;",
        &[],
    ));
    assert!(
        total.as_str().unwrap_or_default().ends_with("of 25 MB"),
        "{total}"
    );
    send_button(&instance);
    let (raw, _) = wait_sent(&instance, &emulator, &emails[2], before + 1);
    assert!(raw.is_ascii(), "the message is 7-bit");
    let subject_header = header(&raw, "Subject")
        .unwrap_or_default()
        .to_ascii_lowercase();
    assert!(subject_header.starts_with("=?utf-8?"), "{subject_header}");
    let m = read_raw(&raw);
    assert_eq!(m.subject, subject);
    assert_eq!(
        m.to.first().map(|t| (t.name.as_str(), t.address.as_str())),
        Some((name, emails[0].as_str()))
    );
    assert!(
        text_of(&m).starts_with("Hälsningar 😀\nZweite Zeile."),
        "{}",
        text_of(&m)
    );
    assert_eq!(m.attachments.len(), 1);
    assert_eq!(m.attachments[0].file_name, file_name);
    assert_eq!(m.attachments[0].size, content.len() as u64);
    let encoded = base64::engine::general_purpose::STANDARD.encode(content.as_bytes());
    let body: String = String::from_utf8_lossy(&raw).replace("\r\n", "");
    assert!(
        body.contains(&encoded),
        "the file's bytes are sent as they are"
    );
    wait_until("the sent toast", || {
        toast(&instance).contains("sent").then_some(())
    });

    // CR/LF in a header value: nothing is sent, and the reply says why. (A text field in the page cannot hold a
    // line break, so this is what a page could send at worst.)
    let before: usize = emails.iter().map(|e| sent(&emulator, e).len()).sum();
    let start = ok(instance
        .send_intent(json!({"type": "compose_start", "kind": "new", "account": offsite.account})));
    let id = start["state"]["id"]
        .as_str()
        .expect("a composer id")
        .to_string();
    // gmux-mail names the field as data; the background words it from the catalogue.
    for (field, value, words) in [
        ("subject", "Hello\r\nBcc: thief@evil.example", "the subject"),
        (
            "to",
            "ann@example.com\r\nBcc: thief@evil.example",
            "the To field",
        ),
        ("cc", "ann@example.com\nX-Injected: yes", "the Cc field"),
    ] {
        let mut fields = json!({"from": me, "to": emails[1], "subject": "fine", "body": "text"});
        fields[field] = json!(value);
        let updated =
            ok(instance.send_intent(json!({"type": "compose_update", "id": id, "fields": fields})));
        assert_eq!(updated["ok"], json!(true), "{updated}");
        let refused = ok(instance.send_intent(json!({"type": "compose_send", "id": id})));
        assert_eq!(refused["ok"], json!(false), "{field}: {refused}");
        let error = refused["error"].as_str().unwrap_or_default();
        assert_eq!(
            error,
            format!("Not sent: {words} has a line break in it, which a header cannot hold."),
            "{field}"
        );
    }
    ok(instance.send_intent(json!({"type": "compose_discard", "id": id})));
    // In the page, a refused message keeps the composer open with the reason.
    ok(instance.session.press_keys(&["c"], false));
    wait_composer(&instance, "a new message", |c| c["subject"] == "");
    let from = composer(&instance).expect("the composer")["from"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    // Suggestions come from the addresses of the mail read: Priya wrote the offsite thread.
    type_into(&instance, "compose-to", "pri");
    wait_until("a suggestion for pri", || {
        let shown = ok(instance.session.execute(
            "return [...document.querySelectorAll('#compose-suggest:not([hidden]) button')].map((b) => b.textContent);",
            &[],
        ));
        shown
            .to_string()
            .contains("Priya Raman <priya.raman@example.in>")
            .then_some(())
    });
    ok(instance.click_css("#compose-suggest button"));
    wait_composer(&instance, "the suggestion taken", |c| {
        c["to"] == "Priya Raman <priya.raman@example.in>, "
    });
    // A file over Gmail's 25 MB is refused before a byte of it leaves the page.
    let big = dir.path().join("too-big.bin");
    std::fs::write(&big, vec![0u8; 25 * 1024 * 1024 + 1]).expect("the big file is written");
    let picker = ok(instance.session.find_css("#compose-file"));
    ok(instance.session.send_text(&picker, &big.to_string_lossy()));
    let c = wait_composer(&instance, "the big file refused", |c| {
        c["message"]
            .as_str()
            .unwrap_or_default()
            .contains("does not fit")
    });
    assert_eq!(c["files"], json!([]));
    type_into(&instance, "compose-to", "someone@");
    type_into(&instance, "compose-subject", "Nobody");
    send_button(&instance);
    let c = wait_composer(&instance, "the refusal", |c| !c["refused"].is_null());
    assert!(
        c["message"]
            .as_str()
            .unwrap_or_default()
            .contains("Not sent: the To field: “\u{2068}someone@\u{2069}” is not an email address: nothing comes after the @."),
        "{c}"
    );
    let after: usize = emails.iter().map(|e| sent(&emulator, e).len()).sum();
    assert_eq!(after, before, "nothing was sent");

    // Undo within the window: the composer comes back as it was and the emulator never receives it.
    set_undo(&instance, 5);
    type_into(&instance, "compose-to", &emails[1]);
    type_into(&instance, "compose-subject", "Undo me");
    type_into(&instance, "compose-body", "Second thoughts.");
    send_button(&instance);
    wait_until("the undo toast", || {
        let t = toast(&instance);
        (t.contains("Sending") && composer(&instance).is_none()).then_some(())
    });
    ok(instance.screenshot("compose-undo-toast"));
    ok(instance.session.press_keys(&["z"], false));
    let c = wait_composer(&instance, "the composer after Undo", |c| {
        c["subject"] == "Undo me"
    });
    assert_eq!(c["body"], json!("Second thoughts."));
    assert_eq!(c["to"], json!(emails[1]));
    // The window was 5 s: past it, nothing arrived (absence cannot be awaited, only given time).
    std::thread::sleep(Duration::from_secs(7));
    let after: usize = emails.iter().map(|e| sent(&emulator, e).len()).sum();
    assert_eq!(after, before, "an undone message never reaches Gmail");

    // A send during a 503: the message stays a Gmail draft and the composer says so.
    set_undo(&instance, 0);
    ok(emulator.post(
        "/_emulator/faults",
        json!({"method": "gmail.users.drafts.send", "status": 503}),
    ));
    type_into(&instance, "compose-subject", "During an outage");
    send_button(&instance);
    let c = wait_composer(&instance, "the failed send", |c| c["failed"] == json!(true));
    let message = c["message"].as_str().unwrap_or_default();
    assert!(message.starts_with("Not sent."), "{message}");
    assert!(message.contains("saved in Drafts"), "{message}");
    let draft = wait_draft_with(&emulator, "the outage's subject", "During an outage");
    assert!(text_of(&draft).contains("Second thoughts."));
    let after: usize = emails.iter().map(|e| sent(&emulator, e).len()).sum();
    assert_eq!(after, before, "the failed send sent nothing");
    ureq::delete(&format!("{}/_emulator/faults", emulator.base_url()))
        .call()
        .expect("faults cleared");
    // Send again once Gmail is back: sent once.
    send_button(&instance);
    wait_until("the resend", || {
        let all = sent(&emulator, &from);
        all.iter()
            .any(|(raw, _)| read_raw(raw).subject == "During an outage")
            .then_some(())
    });
    let copies = sent(&emulator, &from)
        .iter()
        .filter(|(raw, _)| read_raw(raw).subject == "During an outage")
        .count();
    assert_eq!(copies, 1, "sent exactly once");

    // Two sends in a row: when the first is sent, the second's toast keeps its Undo (the first's "sent" only
    // reaches the page's live region), and that Undo brings the second back unsent.
    check_two_sends(&instance, &emulator, &emails);

    // A page closed mid-sentence: the background holds the text and saves it as a draft.
    ok(instance.session.press_keys(&["c"], false));
    wait_composer(&instance, "a new message", |c| c["subject"] == "");
    type_into(&instance, "compose-to", &emails[1]);
    type_into(
        &instance,
        "compose-body",
        "Half a sentence and then the popup clo",
    );
    ok(instance.open_extension_page("popup.html"));
    let draft = wait_draft_with(
        &emulator,
        "the half sentence",
        "Half a sentence and then the popup clo",
    );
    assert_eq!(
        addresses(&draft.to),
        BTreeSet::from([emails[1].to_lowercase()])
    );

    // The undo window is a setting on the options page.
    ok(instance.open_extension_page("options.html"));
    wait_until("the undo choices", || {
        let n = ok(instance.session.execute(
            "return document.querySelectorAll('#undo-seconds option').length;",
            &[],
        ));
        (n.as_u64().unwrap_or(0) >= 5).then_some(())
    });
    ok(instance.session.execute(
        "const s = document.getElementById('undo-seconds'); s.value = '10';
         s.dispatchEvent(new Event('change', {bubbles: true})); return true;",
        &[],
    ));
    ok(
        instance.wait_for_storage("the undo window saved", DEADLINE, |s| {
            s["settings"]["compose"]["undo_seconds"] == 10
        }),
    );

    // Screenshots: the new tab's composer, popped out, light and dark.
    ok(instance.open_extension_page("newtab.html"));
    ok(instance.wait_for_inbox("the new tab", |v| v.rows.len() > 20));
    ok(instance.session.press_keys(&["c"], false));
    let c = wait_composer(&instance, "a composer in the new tab", |c| {
        c["subject"] == ""
    });
    type_into(&instance, "compose-to", "ann");
    type_into(&instance, "compose-subject", "Lunch on Friday?");
    type_into(
        &instance,
        "compose-body",
        "Hi Ann,\n\nAre you free for lunch on Friday?\n\nSam",
    );
    ok(instance.screenshot("compose-newtab"));
    let id = c["id"].as_str().unwrap_or_default().to_string();
    // Popped out: the same message in a tab of its own (a fresh page, as the Pop out button opens).
    ok(instance.open_extension_page("options.html"));
    ok(instance.open_extension_page(&format!("newtab.html#compose={id}")));
    wait_composer(&instance, "the popped-out composer", |c| {
        c["subject"] == "Lunch on Friday?"
    });
    ok(instance.screenshot("compose-popped-out"));
    if ok(instance.use_dark_scheme().map(|_| true)) {
        ok(instance.open_extension_page("options.html"));
        ok(instance.open_extension_page(&format!("newtab.html#compose={id}")));
        wait_composer(&instance, "the popped-out composer", |c| {
            c["subject"] == "Lunch on Friday?"
        });
        ok(instance.screenshot("compose-popped-out-dark"));
        ok(instance.open_extension_page("popup.html"));
        ok(instance.wait_for_inbox("the popup", |v| v.rows.len() > 20));
        open_conversation(&instance, "Offsite agenda");
        ok(instance.session.press_keys(&["r"], false));
        wait_composer(&instance, "a reply", |c| {
            c["subject"] == "Re: Offsite agenda"
        });
        ok(instance.screenshot("compose-reply-popup-dark"));
    }
}

fn check_two_sends(instance: &ExtensionBrowser, emulator: &EmulatorProcess, emails: &[String]) {
    let write = |subject: &str| -> String {
        ok(instance.session.press_keys(&["c"], false));
        let c = wait_composer(instance, "a new message", |c| c["subject"] == "");
        choose_from(instance, &emails[0]);
        type_into(instance, "compose-to", &emails[1]);
        type_into(instance, "compose-subject", subject);
        type_into(instance, "compose-body", "Two in a row.");
        send_button(instance);
        c["id"].as_str().unwrap_or_default().to_string()
    };
    let toast_for = |id: &str| {
        wait_until("the send's undo toast", || {
            let found = ok(instance.session.execute(
                "const t = document.getElementById('compose-toast');
                 return t && t.querySelector('.compose-undo') ? t.dataset.composeId : null;",
                &[],
            ));
            (found == json!(id) && composer(instance).is_none()).then_some(())
        });
    };
    let shown_toast = || {
        ok(instance.session.execute(
            "const t = document.getElementById('compose-toast');
             return t ? [t.dataset.composeId || null, !!t.querySelector('.compose-undo'), t.textContent]
                      : [null, false, ''];",
            &[],
        ))
    };
    let undo_still_for = |id: &str| {
        let shown = shown_toast();
        assert_eq!(shown[0], json!(id), "the later send's toast stays: {shown}");
        assert_eq!(shown[1], json!(true), "with its Undo: {shown}");
    };
    // Waits for the live region to have said `text`.
    let said = |what: &str, text: &str| {
        wait_until(what, || {
            let said = ok(instance.session.execute("return window.gmuxSaid;", &[]));
            said.as_array()
                .is_some_and(|s| s.iter().any(|t| t == text))
                .then_some(())
        });
    };
    // Everything the live region says from here on.
    ok(instance.session.execute(
        "window.gmuxSaid = [];
         new MutationObserver(() => gmuxSaid.push(document.getElementById('announce').textContent))
           .observe(document.getElementById('announce'), {childList: true, characterData: true, subtree: true});
         return true;",
        &[],
    ));
    let from = emails[0].clone();
    let before = sent(emulator, &from).len();
    set_undo(instance, 3);
    let first = write("First of two");
    toast_for(&first);
    // The second waits a minute: the first is sent long before.
    set_undo(instance, 60);
    let second = write("Second of two");
    toast_for(&second);
    // A composer opened and discarded meanwhile says so in the live region, and leaves the Undo up too.
    ok(instance.session.press_keys(&["c"], false));
    wait_composer(instance, "a third composer", |c| c["subject"] == "");
    ok(instance.click_css("#composer [data-action=compose-discard]"));
    said("the discard's outcome in the page", "Draft discarded");
    undo_still_for(&second);
    let (raw, _) = wait_sent(instance, emulator, &from, before + 1);
    assert_eq!(read_raw(&raw).subject, "First of two");
    said("the first send's outcome in the page", "Message sent");
    undo_still_for(&second);
    ok(instance.click_css("#compose-toast .compose-undo"));
    let c = wait_composer(instance, "the second message after Undo", |c| {
        c["subject"] == "Second of two"
    });
    assert_eq!(c["id"], json!(second));
    assert_eq!(
        sent(emulator, &from).len(),
        before + 1,
        "only the first was sent"
    );
    ok(instance.click_css("#composer [data-action=compose-discard]"));
    wait_until("the composer gone", || {
        composer(instance).is_none().then_some(())
    });
    set_undo(instance, 0);
}

#[test]
fn chromium_compose_reply_forward_send_undo_drafts() {
    check_compose(Browser::Chromium);
}

#[test]
fn firefox_compose_reply_forward_send_undo_drafts() {
    check_compose(Browser::Firefox);
}
