//! The hostile mail corpus: a seed of mail built to break a renderer, and what the pages must show for it.
//!
//! The corpus is generated here rather than kept as a JSON file, because its worst parts are big (a 20,000-character
//! subject, a thousand recipients) or are bytes JSON cannot hold as written (raw Latin-1 in a header): those are
//! seeded as raw RFC 822 in base64url, as Gmail's `messages.insert` takes it (emulator/SEED.md). [`seed`] is the
//! emulator seed; [`corpus`] says, for each thread, what Gmail answers for it and so what a row must show.
//! `EmulatorProcess::start_seeded` runs gmux-emulator on that seed; [`write_seed`] writes it to a file a person can load with
//! `gmux-emulator --seed FILE` to look at the corpus by hand.

use std::path::Path;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde_json::{json, Value};

use crate::{HarnessError, Result};

/// The account whose inbox holds the corpus.
pub const HOSTILE_ACCOUNT: &str = "hostile@example.com";
/// An ordinary account beside it, whose rows are the yardstick for the hostile ones.
pub const PLAIN_ACCOUNT: &str = "plain@example.com";

/// Every script in the corpus sets this global (and the page's title): if the page has it, mail ran as code.
pub const CANARY: &str = "__gmuxPwned";

/// 2026-11-01T12:00:00Z: the corpus's newest thread; each further one is a minute older.
const NEWEST_MS: u64 = 1_793_534_400_000;

/// The length of the long subject, in characters.
pub const LONG_SUBJECT_CHARS: usize = 20_000;
/// Recipients on the crowded message.
pub const RECIPIENTS: usize = 1_000;

/// One thread of the corpus and what Gmail answers for it.
#[derive(Debug, Clone)]
pub struct HostileCase {
    pub name: &'static str,
    pub account: &'static str,
    /// The seed's message (`from`/`subject`/... or `raw`), without date and labels.
    pub message: Value,
    /// `internalDate`: unique per thread, so a row is found by it.
    pub date_ms: u64,
    /// The Subject header as the Gmail API answers it (decoded).
    pub subject: String,
    /// The sender's display name as the row shows it.
    pub sender: String,
    /// The snippet as text, after unescaping what Gmail escaped.
    pub snippet: String,
    /// What the page must show in the subject column, when that is not the subject itself.
    pub shown_subject: Option<&'static str>,
    /// Columns (`subject`, `senders`, `snippet`) the pages do not show right yet, with what is wrong: the test
    /// reports them instead of asserting their text, and asserts everything else about the row.
    pub known_issues: Vec<(&'static str, &'static str)>,
}

/// What a page shows for a text from mail: bidi embeddings, overrides and isolates (U+202A..U+202E,
/// U+2066..U+2069) and control characters are gone, tabs, line breaks, vertical tabs and form feeds are spaces.
/// Written out here rather than calling the pages' own function, so the test states the rule.
pub fn page_text(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        let code = u32::from(c);
        if matches!(c, '\t' | '\n' | '\r' | '\u{b}' | '\u{c}') {
            out.push(' ');
        } else if (0x202A..=0x202E).contains(&code)
            || (0x2066..=0x2069).contains(&code)
            || code < 0x20
            || (0x7F..=0x9F).contains(&code)
        {
            continue;
        } else {
            out.push(c);
        }
    }
    out
}

/// What a page shows for a snippet: as [`page_text`], and nothing at all when only white space and zero-width
/// characters are left (so the new tab shows no dash before an empty snippet).
pub fn page_snippet(s: &str) -> String {
    let text = page_text(s);
    let invisible = |c: char| {
        c.is_whitespace()
            || matches!(c, '\u{200B}'..='\u{200F}' | '\u{2060}'..='\u{2069}' | '\u{FEFF}')
    };
    if text.chars().all(invisible) {
        String::new()
    } else {
        text
    }
}

/// The most of a subject gmux stores: a longer one is cut there and ends in `…`, so one enormous subject
/// cannot fill the browser's storage quota.
pub const STORED_SUBJECT_CHARS: usize = 2_000;
/// The most of one sender's name gmux stores, cut the same way.
pub const STORED_SENDER_CHARS: usize = 200;

impl HostileCase {
    /// The subject as the store keeps it.
    pub fn stored_subject(&self) -> String {
        if self.subject.chars().count() > STORED_SUBJECT_CHARS {
            self.subject
                .chars()
                .take(STORED_SUBJECT_CHARS)
                .chain(['…'])
                .collect()
        } else {
            self.subject.clone()
        }
    }

    /// What the row's subject must read.
    pub fn expected_subject(&self) -> String {
        self.shown_subject
            .map_or_else(|| self.stored_subject(), str::to_string)
    }
}

fn built(
    name: &'static str,
    from: &str,
    subject: &str,
    text: &str,
    sender: &str,
    snippet: &str,
) -> HostileCase {
    HostileCase {
        name,
        account: HOSTILE_ACCOUNT,
        message: json!({"from": from, "subject": subject, "text": text}),
        date_ms: 0,
        subject: subject.to_string(),
        sender: sender.to_string(),
        snippet: snippet.to_string(),
        shown_subject: None,
        known_issues: Vec::new(),
    }
}

fn raw(
    name: &'static str,
    source: &[u8],
    subject: &str,
    sender: &str,
    snippet: &str,
) -> HostileCase {
    HostileCase {
        name,
        account: HOSTILE_ACCOUNT,
        message: json!({"raw": URL_SAFE_NO_PAD.encode(source)}),
        date_ms: 0,
        subject: subject.to_string(),
        sender: sender.to_string(),
        snippet: snippet.to_string(),
        shown_subject: None,
        known_issues: Vec::new(),
    }
}

/// Combining marks stacked on each letter ("Zalgo" text), which can paint far above and below a line.
fn zalgo(base: &str, marks_per_letter: u32) -> String {
    base.chars()
        .flat_map(|c| {
            std::iter::once(c).chain(
                (0..marks_per_letter).filter_map(|i| char::from_u32(0x0300 + (i * 7) % 0x70)),
            )
        })
        .collect()
}

/// The whole corpus, newest first.
pub fn corpus() -> Vec<HostileCase> {
    let long_subject: String = "Quarterly report, all of it in the subject line, "
        .chars()
        .cycle()
        .take(LONG_SUBJECT_CHARS)
        .collect();
    let long_word = "W".repeat(190);
    let recipients: Vec<String> = (0..RECIPIENTS)
        .map(|i| format!("Recipient {i} <r{i}@example.net>"))
        .collect();
    let zalgo_subject = zalgo("Zalgo", 30);
    let markup_script = "<script>window.__gmuxPwned=1;document.title='pwned'</script>";

    let mut cases = vec![
        built(
            "markup in every field",
            "\"<script>window.__gmuxPwned=1</script>\" <evil@example.com>",
            "<img src=x onerror=\"window.__gmuxPwned=1;document.title='pwned'\">",
            "<iframe src=\"javascript:window.__gmuxPwned=1\"></iframe> <b>bold</b> & <svg onload=window.__gmuxPwned=1>",
            "<script>window.__gmuxPwned=1</script>",
            "<iframe src=\"javascript:window.__gmuxPwned=1\"></iframe> <b>bold</b> & <svg onload=window.__gmuxPwned=1>",
        ),
        built(
            "javascript: URLs",
            "javascript:window.__gmuxPwned=1 <js@example.com>",
            "<a href=\"javascript:window.__gmuxPwned=1\">Open your invoice</a>",
            "Click javascript:window.__gmuxPwned=1 or <a href=\"javascript:window.__gmuxPwned=1\">here</a>",
            "javascript:window.__gmuxPwned=1",
            "Click javascript:window.__gmuxPwned=1 or <a href=\"javascript:window.__gmuxPwned=1\">here</a>",
        ),
        {
            // An HTML body: Gmail's snippet is its text, HTML-escaped; an escaped entity in the mail must come
            // out as the entity's text, not be unescaped twice.
            let mut case = built(
                "entities",
                "Entity Tester <entities@example.com>",
                "&lt;b&gt;not bold&lt;/b&gt; &amp; &#39;",
                "",
                "Entity Tester",
                "Hello <world> &amp; &lt;i&gt;",
            );
            case.message = json!({
                "from": "Entity Tester <entities@example.com>",
                "subject": "&lt;b&gt;not bold&lt;/b&gt; &amp; &#39;",
                "html": "<p>Hello &lt;world&gt; &amp;amp; &amp;lt;i&amp;gt; <script>window.__gmuxPwned=1</script></p>",
            });
            case
        },
        built(
            "right-to-left override",
            "\u{202E}Mallory Evil <mallory@example.com>",
            "Invoice \u{202E}fdp.exe",
            "Payment \u{202E}details attached \u{2067}isolate without end",
            "\u{202E}Mallory Evil",
            "Payment \u{202E}details attached \u{2067}isolate without end",
        ),
        built(
            "right-to-left script",
            "\"علي الحسن\" <ali@example.com>",
            "مرحبا بالعالم and some English",
            "نص عربي then English",
            "علي الحسن",
            "نص عربي then English",
        ),
        {
            let mut case = built(
                "zero-width subject",
                "Zero Width <zw@example.com>",
                "\u{200B}\u{200C}\u{200D}\u{2060}\u{FEFF}",
                "The subject above is only zero-width characters",
                "Zero Width",
                "The subject above is only zero-width characters",
            );
            case.shown_subject = Some("(no subject)");
            case
        },
        // A display name of only zero-width characters says nothing: the row names the address instead.
        built(
            "zero-width sender and snippet",
            "\u{200B}\u{200D} <zw2@example.com>",
            "Sender and snippet are zero-width",
            "\u{200B}\u{200B}\u{FEFF}",
            "zw2",
            "\u{200B}\u{200B}\u{FEFF}",
        ),
        {
            let mut case = built(
                "empty subject",
                "Empty Subject <empty@example.com>",
                "",
                "Nothing in the subject",
                "Empty Subject",
                "Nothing in the subject",
            );
            case.shown_subject = Some("(no subject)");
            case
        },
        {
            let mut case = built(
                "blank subject",
                "Blank Subject <blank@example.com>",
                "  \t  ",
                "Only spaces in the subject",
                "Blank Subject",
                "Only spaces in the subject",
            );
            case.shown_subject = Some("(no subject)");
            case
        },
        built(
            "20,000-character subject",
            &format!("{} <long@example.com>", "Longname ".repeat(60).trim()),
            &long_subject,
            &format!("{long_word} and then more words after it"),
            // A sender's name is stored up to STORED_SENDER_CHARS characters, then `…`.
            &format!(
                "{}…",
                "Longname "
                    .repeat(60)
                    .chars()
                    .take(STORED_SENDER_CHARS)
                    .collect::<String>()
            ),
            &format!("{long_word} and then"),
        ),
        {
            let mut case = built(
                "a thousand recipients",
                "Mass Mailer <mass@example.com>",
                "To a thousand people",
                "Everyone is on the To line",
                "Mass Mailer",
                "Everyone is on the To line",
            );
            case.message["to"] = json!(recipients.join(", "));
            case.message["cc"] = json!(recipients[..100].join(", "));
            case
        },
        built(
            "combining marks",
            "Zalgo <zalgo@example.com>",
            &zalgo_subject,
            &zalgo("He comes", 20),
            "Zalgo",
            &zalgo("He comes", 20),
        ),
        built(
            "emoji, joiners and CJK",
            "😃 Emoji 漢字 <emoji@example.com>",
            "👩‍👩‍👧‍👦 family 🏳️‍🌈 flag 漢字テスト",
            "👍🏽 skin tone 𝕏 astral",
            "😃 Emoji 漢字",
            "👍🏽 skin tone 𝕏 astral",
        ),
        built(
            "control characters",
            "Control \u{7} Bell <control@example.com>",
            "bell\u{7} backspace\u{8} escape\u{1b}[31m red\u{1b}[0m",
            "vertical\u{b}tab form\u{c}feed",
            "Control \u{7} Bell",
            // Vertical tab and form feed are whitespace: the snippet's words split there.
            "vertical tab form feed",
        ),
        raw(
            "markup in encoded-words",
            format!(
                "From: =?UTF-8?Q?=3Cimg_src=3Dx_onerror=3Dwindow.=5F=5FgmuxPwned=3D1=3E?= <q@example.org>\r\nTo: {HOSTILE_ACCOUNT}\r\nSubject: =?UTF-8?B?{}?=\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n=3Cscript=3Ewindow.__gmuxPwned=3D1=3C/script=3E\r\n",
                base64::engine::general_purpose::STANDARD.encode(markup_script)
            )
            .as_bytes(),
            markup_script,
            "<img src=x onerror=window.__gmuxPwned=1>",
            "<script>window.__gmuxPwned=1</script>",
        ),
        raw(
            "broken encoded-words",
            b"From: Broken Words <broken@example.org>\r\nSubject: =?UTF-8?B?!!!notbase64?= and =?UTF-8?Q?bad=ZZ?=\r\nContent-Type: text/plain\r\n\r\nBad base64 and a bad escape\r\n",
            "=?UTF-8?B?!!!notbase64?= and =?UTF-8?Q?bad=ZZ?=",
            "Broken Words",
            "Bad base64 and a bad escape",
        ),
        raw(
            "unknown charset",
            b"From: =?x-klingon?Q?Qapla=27?= <k@example.org>\r\nSubject: =?x-klingon?Q?Qapla=27?= =?UTF-8?Q?batlh?=\r\nContent-Type: text/plain; charset=x-klingon\r\n\r\nnuqneH\r\n",
            "=?x-klingon?Q?Qapla=27?= batlh",
            "=?x-klingon?Q?Qapla=27?=",
            "nuqneH",
        ),
        raw(
            "raw Latin-1 bytes in headers",
            b"From: Fran\xe7ois <f@example.org>\r\nSubject: Caf\xe9 cr\xe8me br\xfbl\xe9e\r\nContent-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: 8bit\r\n\r\nd\xe9j\xe0 vu\r\n",
            "Café crème brûlée",
            "François",
            "déjà vu",
        ),
        raw(
            "raw UTF-8 in headers",
            "From: J\u{f6}rg M\u{fc}ller <jm@example.org>\r\nSubject: Gr\u{fc}\u{df}e aus K\u{f6}ln \u{1F603}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nGr\u{fc}\u{df}e\r\n"
                .as_bytes(),
            // Gmail reads 8-bit header bytes as Windows-1252: raw UTF-8 comes out as mojibake.
            "GrÃ¼ÃŸe aus KÃ¶ln ðŸ˜ƒ",
            "JÃ¶rg MÃ¼ller",
            "Grüße",
        ),
        raw(
            "truncated encoded-word",
            b"From: Cut Off <cut@example.org>\r\nSubject: Report =?UTF-8?B?8J+Ygw\r\nContent-Type: text/plain\r\n\r\nThe subject ends mid-word\r\n",
            "Report =?UTF-8?B?8J+Ygw",
            "Cut Off",
            "The subject ends mid-word",
        ),
        raw(
            "invalid UTF-8",
            b"From: =?UTF-8?B?/w==?= <bad@example.org>\r\nSubject: =?UTF-8?B?/w==?= and \xff\xfe raw\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nbad \xff\xfe bytes\r\n",
            // Raw 8-bit header bytes read as Windows-1252; the encoded-word's invalid UTF-8 as U+FFFD.
            "\u{FFFD} and ÿþ raw",
            "\u{FFFD}",
            "bad \u{FFFD}\u{FFFD} bytes",
        ),
    ];
    let plain = [
        (
            "Lunch on Friday?",
            "Ann Lee <ann@example.org>",
            "Ann Lee",
            "The usual place at noon?",
        ),
        (
            "Minutes of Tuesday",
            "Bob Stone <bob@example.org>",
            "Bob Stone",
            "Attached, with the actions.",
        ),
        (
            "Your train tickets",
            "Rail Co <tickets@rail.example>",
            "Rail Co",
            "Have a good trip.",
        ),
    ];
    // The plain rows go at the top, the middle and the bottom of the list.
    for (at, (subject, from, sender, text)) in [0, 9, cases.len() + 1].into_iter().zip(plain) {
        let mut case = built("plain", from, subject, text, sender, text);
        case.account = PLAIN_ACCOUNT;
        cases.insert(at.min(cases.len()), case);
    }
    for (i, case) in cases.iter_mut().enumerate() {
        case.date_ms = NEWEST_MS - 60_000 * i as u64;
    }
    cases
}

/// A hostile message delivered after the first sync, so it arrives through history.list and the incremental
/// path: script in an encoded-word subject and a right-to-left override in the sender. Its `date_ms` is the
/// delivery time, unknown until then.
pub fn late_arrival() -> HostileCase {
    let subject =
        "<img src=x onerror=\"window.__gmuxPwned=1;document.title='pwned'\"> arrived later";
    raw(
        "arrived through history",
        format!(
            "From: =?UTF-8?Q?=E2=80=AELate_Sender?= <late@example.org>\r\nSubject: =?UTF-8?B?{}?=\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p onclick=\"window.__gmuxPwned=1\">Late &amp; <b>hostile</b></p>\r\n",
            base64::engine::general_purpose::STANDARD.encode(subject)
        )
        .as_bytes(),
        subject,
        "\u{202E}Late Sender",
        "Late & hostile",
    )
}

/// RFC 3339 for a time in the corpus's one day.
pub fn rfc3339(ms: u64) -> String {
    let day_start = NEWEST_MS - 12 * 3_600_000;
    let secs = (ms - day_start) / 1000;
    format!(
        "2026-11-01T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

/// The emulator seed of the corpus: both accounts, every thread unread in the inbox.
pub fn seed(cases: &[HostileCase]) -> Value {
    let threads_of = |account: &str| -> Vec<Value> {
        cases
            .iter()
            .filter(|c| c.account == account)
            .map(|c| {
                let mut message = c.message.clone();
                message["date"] = json!(rfc3339(c.date_ms));
                message["labels"] = json!(["INBOX", "UNREAD"]);
                json!({"messages": [message]})
            })
            .collect()
    };
    json!({"accounts": [
        {"email": HOSTILE_ACCOUNT, "name": "Hostile Mail", "threads": threads_of(HOSTILE_ACCOUNT)},
        {"email": PLAIN_ACCOUNT, "name": "Plain Mail", "threads": threads_of(PLAIN_ACCOUNT)},
    ]})
}

/// Writes the seed as JSON, for `gmux-emulator --seed FILE`.
pub fn write_seed(path: &Path) -> Result<()> {
    std::fs::write(path, seed(&corpus()).to_string())
        .map_err(HarnessError::io(format!("writing {}", path.display())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn corpus_dates_are_unique_and_the_seed_has_every_thread() {
        let cases = corpus();
        let mut dates: Vec<u64> = cases.iter().map(|c| c.date_ms).collect();
        dates.dedup();
        assert_eq!(dates.len(), cases.len());
        let seed = seed(&cases);
        let threads: usize = seed["accounts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["threads"].as_array().unwrap().len())
            .sum();
        assert_eq!(threads, cases.len());
        let long = cases
            .iter()
            .find(|c| c.name == "20,000-character subject")
            .unwrap();
        assert_eq!(long.subject.chars().count(), LONG_SUBJECT_CHARS);
        assert_eq!(rfc3339(NEWEST_MS), "2026-11-01T12:00:00Z");
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("hostile.json");
        write_seed(&file).unwrap();
        let written: Value =
            serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
        assert_eq!(written, seed);
        assert_eq!(rfc3339(NEWEST_MS - 61_000), "2026-11-01T11:58:59Z");
    }
}
