//! Gmail JSON with hostile values: every resource gmux reads (`threads.get`, `messages.get`, `threads.list`,
//! `history.list`, `labels.get`, `getProfile`, error bodies), decoded the way the client does
//! (`gmux_gmail::client::decode_json`), and a thread turned into the inbox row the pages show
//! (`Thread::to_row`, which the sync engine calls for every thread it fetches).
//!
//! A corpus file is one response body; each input is read as every resource type. Properties:
//! - decoding gives a value or `GmailError::Decode`, never a panic, for any bytes: numbers too big for
//!   u64, negative or float ids, nulls, wrong types, 10 MB strings, nesting past serde_json's limit, 10,000
//!   headers;
//! - ids arrive as strings and are read leniently: a `historyId`/`internalDate` string is its trimmed
//!   decimal value (or none), a number is itself;
//! - the row keeps mail's strings as strings: the subject is the oldest message's `Subject` header exactly
//!   (markup included), the thread id is the thread's id exactly, the snippet is the newest message's
//!   snippet through `unescape_snippet` and nothing else;
//! - the row keeps `ThreadRow`'s documented invariants: senders are display names, oldest first, each once,
//!   none empty; `label_ids` is the sorted union of the messages' labels; `unread`/`starred` say whether any
//!   message carries `UNREAD`/`STARRED`; `date_ms` is the newest message's `internalDate`; `message_count`
//!   counts the messages; the row survives the store's JSON round trip; its size is linear in the input's;
//! - history: every thread id a record reports is non-empty, and the inbox changes name only threads the
//!   record touches;
//! - an error body that is not Google's shape gives a message of at most 200 characters.

use gmux_core::inbox::{
    sender_display_name, unescape_snippet, ThreadRow, MAX_SENDER_CHARS, MAX_SNIPPET_CHARS,
    MAX_SUBJECT_CHARS,
};
use gmux_fuzz::{signature, Target, Verdict};
use gmux_gmail::api::{HistoryList, Label, Message, Profile, Thread, ThreadList};
use gmux_gmail::client::decode_json;
use gmux_gmail::{ApiError, GmailError};
use serde::de::DeserializeOwned;
use serde_json::Value;

const DICTIONARY: &[&[u8]] = &[
    b"\"historyId\":",
    b"\"internalDate\":",
    b"\"id\":",
    b"\"threadId\":",
    b"\"labelIds\":[\"INBOX\",\"UNREAD\",\"STARRED\"]",
    b"\"snippet\":\"&lt;script&gt;\"",
    b"\"payload\":{\"headers\":[{\"name\":\"From\",\"value\":\"\\\"A <b>\\\" <a@b>\"}]}",
    b"{\"name\":\"Subject\",\"value\":\"<script>alert(1)</script>\"}",
    b"\"messages\":[]",
    b"\"history\":[{\"id\":\"1\",\"messagesAdded\":[{\"message\":{\"id\":\"m\",\"threadId\":\"t\"}}]}]",
    b"\"error\":{\"code\":429,\"message\":\"m\",\"errors\":[{\"reason\":\"rateLimitExceeded\"}]}",
    b"null",
    b"\"\"",
    b"[]",
    b"{}",
    b"\\u0000",
    b"\\ud800",
    b"18446744073709551616",
    b"-1",
    b"1e999",
];

pub const TARGET: Target = Target {
    name: "gmail_json",
    check,
    dictionary: DICTIONARY,
    structured: Some(gmux_fuzz::json::mutate),
    generate: None,
    max_len: 2 << 20,
};

#[test]
fn gmail_json() {
    huge_values_once();
    super::fuzz(TARGET);
}

/// The sizes the mutation loop keeps away from (each costs seconds unoptimised), checked once each with
/// the same properties: 10 MB of markup in a subject and of entities in a snippet, 10,000 headers,
/// 10,000 messages, and message parts nested 10,000 deep.
fn huge_values_once() {
    // A short local run (`GMUX_FUZZ_SECS=5`) checks a tenth of the size, so it stays quick.
    let ten_mb = if gmux_fuzz::Settings::from_env().budget.as_secs() >= 30 {
        10 * 1024 * 1024
    } else {
        1024 * 1024
    };
    let message = |subject: &str, snippet: &str, headers: &str| {
        format!(
            r#"{{"id":"m1","threadId":"t1","internalDate":"1700000000000","labelIds":["INBOX","UNREAD"],"snippet":"{snippet}","payload":{{"headers":[{{"name":"Subject","value":"{subject}"}},{{"name":"From","value":"\"<b>Eve</b>\" <eve@evil.test>"}}{headers}]}}}}"#
        )
    };
    let many_headers: String = (0..10_000)
        .map(|i| format!(r#",{{"name":"X-H{i}","value":"<i>{i}</i>"}}"#))
        .collect();
    let deep = format!(
        r#"{{"id":"m","payload":{}{{}}{}}}"#,
        r#"{"mimeType":"multipart/mixed","parts":["#.repeat(10_000),
        "]}".repeat(10_000)
    );
    let thread =
        |messages: String| format!(r#"{{"id":"t1","historyId":"9","messages":[{messages}]}}"#);
    let cases = [
        (
            format!("{} MB subject of markup", ten_mb >> 20),
            thread(message(&"<script>".repeat(ten_mb / 8), "", "")),
        ),
        (
            format!("{} MB snippet of entities", ten_mb >> 20),
            thread(message("s", &"&lt;".repeat(ten_mb / 4), "")),
        ),
        (
            "10,000 headers".to_string(),
            thread(message("s", "x", &many_headers)),
        ),
        (
            "10,000 messages".to_string(),
            thread(vec![message("s", "&amp;", ""); 10_000].join(",")),
        ),
        ("parts nested 10,000 deep".to_string(), deep),
    ];
    for (name, input) in cases {
        let started = std::time::Instant::now();
        if let Err(why) = check(input.as_bytes()) {
            panic!("gmail_json, {name}: {why}");
        }
        println!(
            "gmail_json huge input, {name}: {} bytes, {:.1} s",
            input.len(),
            started.elapsed().as_secs_f64()
        );
    }
}

fn check(input: &[u8]) -> Verdict {
    let value: Option<Value> = serde_json::from_slice(input).ok();
    let mut outcome = Vec::new();

    let thread = decoded::<Thread>(input, &mut outcome)?;
    if let Some(thread) = &thread {
        lenient_ids_match(value.as_ref(), "historyId", thread.history_id)?;
        if let Some(messages) = value
            .as_ref()
            .and_then(|v| v.get("messages"))
            .and_then(Value::as_array)
        {
            for (m, raw) in thread.messages.iter().zip(messages) {
                lenient_ids_match(Some(raw), "internalDate", m.internal_date)?;
                lenient_ids_match(Some(raw), "historyId", m.history_id)?;
            }
        }
        let row = row_invariants(thread, input.len())?;
        renders(&row)?;
        outcome.extend([
            thread.messages.len().min(4) as u8,
            row.senders.len().min(3) as u8,
            row.label_ids.len().min(4) as u8,
            u8::from(row.unread)
                | u8::from(row.starred) << 1
                | u8::from(row.subject.is_empty()) << 2,
            u8::from(
                row.snippet.len()
                    < thread
                        .messages
                        .iter()
                        .map(|m| m.snippet.len())
                        .max()
                        .unwrap_or(0),
            ),
        ]);
    }
    let message = decoded::<Message>(input, &mut outcome)?;
    if let Some(message) = message {
        lenient_ids_match(value.as_ref(), "internalDate", message.internal_date)?;
        // A message alone is a one-message thread: the same row rules hold.
        let thread = Thread {
            id: message.thread_id.clone(),
            history_id: message.history_id,
            messages: vec![message],
        };
        let row = row_invariants(&thread, input.len())?;
        renders(&row)?;
    }
    if let Some(list) = decoded::<ThreadList>(input, &mut outcome)? {
        outcome.push(list.threads.len().min(4) as u8);
    }
    if let Some(history) = decoded::<HistoryList>(input, &mut outcome)? {
        lenient_ids_match(value.as_ref(), "historyId", history.history_id)?;
        for record in &history.history {
            let touched: Vec<&str> = record.thread_ids().collect();
            if touched.iter().any(|id| id.is_empty()) {
                return Err(format!(
                    "history record reports an empty thread id: {record:?}"
                ));
            }
            for (id, _) in record.inbox_changes() {
                if id.is_empty() || !touched.contains(&id) {
                    return Err(format!(
                        "inbox change for {id:?}, which the record does not touch: {record:?}"
                    ));
                }
            }
        }
        outcome.push(history.history.len().min(4) as u8);
    }
    if let Some(label) = decoded::<Label>(input, &mut outcome)? {
        let counts = label.counts();
        if (counts.threads_total, counts.threads_unread)
            != (label.threads_total, label.threads_unread)
        {
            return Err(format!("label counts changed on the way: {label:?}"));
        }
    }
    if let Some(profile) = decoded::<Profile>(input, &mut outcome)? {
        lenient_ids_match(value.as_ref(), "historyId", profile.history_id)?;
    }
    for status in [400u16, 404, 429, 503] {
        let error = ApiError::from_parts(status, &[("Retry-After".into(), "2".into())], input);
        let google_shape = serde_json::from_slice::<GoogleError>(input).is_ok();
        if !google_shape && error.message.chars().count() > 200 {
            return Err(format!(
                "an error body that is not Google's gave a message of {} characters",
                error.message.chars().count()
            ));
        }
        if error.status != status || error.retry_after_ms != Some(2000) {
            return Err(format!("error status or Retry-After lost: {error:?}"));
        }
        outcome.push(u8::from(error.is_retryable()));
    }
    outcome.push(u8::from(value.is_some()));
    Ok(signature(outcome))
}

/// Google's error shape, read as loosely as the client reads it: fields it ignores are skipped without
/// being checked (serde_json does not validate escapes in skipped strings, so `"\udc00"` there is fine).
#[derive(serde::Deserialize)]
#[allow(dead_code)] // Only whether it parses matters.
struct GoogleError {
    error: GoogleErrorBody,
}

#[derive(serde::Deserialize)]
#[allow(dead_code)]
struct GoogleErrorBody {
    #[serde(default)]
    message: String,
}

/// Decodes as the client does; records which types accepted the input. Any error but `Decode` is a bug.
fn decoded<T: DeserializeOwned>(input: &[u8], outcome: &mut Vec<u8>) -> Result<Option<T>, String> {
    match decode_json::<T>(input) {
        Ok(v) => {
            outcome.push(1);
            Ok(Some(v))
        }
        Err(GmailError::Decode(_)) => {
            outcome.push(0);
            Ok(None)
        }
        Err(other) => Err(format!(
            "decoding {} gave {other:?}, not a decode error",
            std::any::type_name::<T>()
        )),
    }
}

/// Ids are strings in Gmail's JSON and read leniently: what the client read must be what the raw JSON says.
fn lenient_ids_match(raw: Option<&Value>, key: &str, got: Option<u64>) -> Result<(), String> {
    let Some(raw) = raw.and_then(|v| v.get(key)) else {
        return Ok(());
    };
    let want = match raw {
        Value::String(s) => s.trim().parse::<u64>().ok(),
        Value::Number(n) => n.as_u64(),
        _ => None,
    };
    if got != want {
        return Err(format!("{key} {raw} was read as {got:?}, not {want:?}"));
    }
    Ok(())
}

/// Checks the row of a thread against the documented rules, and returns it.
fn row_invariants(thread: &Thread, input_len: usize) -> Result<ThreadRow, String> {
    let row = thread.to_row("acct-1");
    let fail = |why: String| Err(format!("{why}\nthread: {thread:?}\nrow: {row:?}"));
    if row.account_id != "acct-1" || row.thread_id != thread.id {
        return fail("the row's ids are not the account's and the thread's".into());
    }
    // Oldest first; messages with the same date keep their order (the sort is stable).
    let mut messages: Vec<&Message> = thread.messages.iter().collect();
    messages.sort_by_key(|m| m.internal_date.unwrap_or(0));
    let subject = clipped(
        messages
            .first()
            .and_then(|m| m.header("Subject"))
            .unwrap_or_default(),
        MAX_SUBJECT_CHARS,
    );
    if row.subject != subject {
        return fail(format!(
            "subject {:?} is not the oldest message's {subject:?}",
            row.subject
        ));
    }
    let newest = messages.last();
    let snippet = newest
        .map(|m| clipped(&unescape_snippet(&m.snippet), MAX_SNIPPET_CHARS))
        .unwrap_or_default();
    if row.snippet != snippet {
        return fail(format!(
            "snippet {:?} is not the newest message's, unescaped",
            row.snippet
        ));
    }
    let date = newest.and_then(|m| m.internal_date).unwrap_or(0);
    let max_date = thread
        .messages
        .iter()
        .filter_map(|m| m.internal_date)
        .max()
        .unwrap_or(0);
    if row.date_ms != date || row.date_ms != max_date {
        return fail(format!(
            "date_ms {} is not the newest message's ({max_date})",
            row.date_ms
        ));
    }
    let mut senders: Vec<String> = Vec::new();
    for m in &messages {
        if let Some(from) = m.header("From") {
            let name = clipped(&sender_display_name(from), MAX_SENDER_CHARS);
            if !name.is_empty() && !senders.contains(&name) {
                senders.push(name);
            }
        }
    }
    if row.senders != senders {
        return fail(format!(
            "senders are not the display names oldest first, each once: want {senders:?}"
        ));
    }
    let mut labels: Vec<String> = thread
        .messages
        .iter()
        .flat_map(|m| m.label_ids.clone())
        .collect();
    labels.sort();
    labels.dedup();
    if row.label_ids != labels {
        return fail(format!("label_ids are not the sorted union {labels:?}"));
    }
    let any = |l: &str| {
        thread
            .messages
            .iter()
            .any(|m| m.label_ids.iter().any(|x| x == l))
    };
    if row.unread != any("UNREAD") || row.starred != any("STARRED") {
        return fail("unread/starred do not say whether any message carries the label".into());
    }
    if row.message_count as usize != thread.messages.len().min(u32::MAX as usize) {
        return fail("message_count is not the number of messages".into());
    }
    if row.in_inbox() != labels.iter().any(|l| l == "INBOX") {
        return fail("in_inbox disagrees with the labels".into());
    }
    let stored = serde_json::to_string(&row).map_err(|e| format!("row does not serialise: {e}"))?;
    let back: ThreadRow =
        serde_json::from_str(&stored).map_err(|e| format!("stored row does not read back: {e}"))?;
    if back != row {
        return fail("the row changed through the store's JSON".into());
    }
    // Decoding an entity never grows text and JSON escaping at most sextuples a control character, so
    // anything beyond this would mean the row repeats mail's text.
    if stored.len() > 6 * input_len + 1024 {
        return fail(format!(
            "a row of {} bytes from {input_len} bytes of input",
            stored.len()
        ));
    }
    if thread.newest_history_id()
        != thread
            .messages
            .iter()
            .filter_map(|m| m.history_id)
            .chain(thread.history_id)
            .max()
    {
        return fail("newest_history_id is not the largest history id".into());
    }
    Ok(row)
}

/// The row as the inbox page draws it (`extension/src/pages/inbox.rs`, through `gmux_core::view`): no
/// panic for any row, text without control or bidi-override characters, the subject cut for the
/// accessible name, and the thread's Gmail link percent-encoded.
fn renders(row: &ThreadRow) -> Result<(), String> {
    use gmux_core::{text, view};
    let email = "ada@example.com";
    let senders = text::display_text(&view::senders_line(&row.senders));
    let subject = if text::is_blank_text(&row.subject) {
        "(no subject)".to_string()
    } else {
        text::display_text(&row.subject)
    };
    let snippet = text::display_text(&row.snippet);
    for text in [&senders, &subject, &snippet] {
        if let Some(c) = text.chars().find(|c| {
            c.is_control()
                || ('\u{202A}'..='\u{202E}').contains(c)
                || ('\u{2066}'..='\u{2069}').contains(c)
        }) {
            return Err(format!("shown text keeps {c:?}: {text:?}"));
        }
    }
    let label = view::row_label(row.unread, &senders, &subject, email);
    let longest = "unread, ".len() + senders.len() + 2 + 201 * 4 + 2 + email.len();
    if label.len() > longest {
        return Err(format!("an accessible name of {} bytes", label.len()));
    }
    let _ = view::message_count_label(row.message_count);
    let url = view::gmail_thread_url(email, &row.thread_id);
    let encoded = url
        .rsplit_once("#inbox/")
        .map(|(_, id)| id)
        .unwrap_or_default();
    if let Some(c) = encoded
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || "@._-%".contains(*c)))
    {
        return Err(format!(
            "the Gmail link keeps {c:?} of the thread id raw: {url}"
        ));
    }
    for tz in [-720, 0, 330, 840] {
        for now in [
            1_700_000_000_000u64,
            row.date_ms,
            row.date_ms.saturating_add(86_400_000),
        ] {
            let _ = view::relative_date(row.date_ms, now, tz);
        }
        let full = view::full_date(row.date_ms, tz);
        if full.is_empty() {
            return Err("an empty full date".into());
        }
    }
    Ok(())
}

/// What the store keeps of a text from mail: the first `max` characters, and `…` when more was cut.
fn clipped(s: &str, max: usize) -> String {
    if s.chars().count() > max {
        s.chars().take(max).chain(['…']).collect()
    } else {
        s.to_string()
    }
}
