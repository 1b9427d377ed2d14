//! Which messages a poll found added to INBOX, with what a notification needs, read from answers the sync
//! already has: history's `messagesAdded` say which messages are new, and the batch of `threads.get
//! format=metadata` that follows holds their current labels and the From, Subject and snippet. No request is
//! added for this.
//!
//! [`own_addresses`] reads the account's send-as addresses once (1 unit), so mail from any of them is not
//! announced as new: the background asks only when a poll found mail to consider, never on an idle poll.

use crate::api::{HistoryRecord, Message, Thread};
use crate::client::{decode_json, GmailClient};
use crate::error::GmailError;
use gmux_core::inbox::{
    clip_chars, unescape_snippet, MAX_SENDER_CHARS, MAX_SNIPPET_CHARS, MAX_SUBJECT_CHARS,
};
use gmux_core::notify::{parse_from, NewMessage};
use serde::Deserialize;
use std::collections::{HashMap, HashSet};

/// The new messages history reported, in the order it reported them, each once; a message deleted again in
/// the same window is left out.
#[derive(Debug, Default)]
pub struct AddedRefs {
    /// (message id, thread id, label ids when it was added).
    refs: Vec<(String, String, Vec<String>)>,
    ids: HashSet<String>,
    deleted: HashSet<String>,
}

impl AddedRefs {
    pub fn read(&mut self, record: &HistoryRecord) {
        for added in &record.messages_added {
            let m = &added.message;
            if !m.id.is_empty() && self.ids.insert(m.id.clone()) {
                self.refs
                    .push((m.id.clone(), m.thread_id.clone(), m.label_ids.clone()));
            }
        }
        for deleted in &record.messages_deleted {
            self.deleted.insert(deleted.message.id.clone());
        }
    }

    pub fn is_empty(&self) -> bool {
        self.refs.is_empty()
    }

    /// The added messages that are in INBOX now, described from the fetched threads. A message whose thread
    /// was fetched but no longer holds it was deleted meanwhile. One whose thread was not fetched (a burst too
    /// large for an incremental fetch) is described from history alone: its labels when it was added, no
    /// sender or subject.
    pub fn resolve(&self, threads: &[Thread]) -> Vec<NewMessage> {
        let mut fetched_threads = HashSet::new();
        let mut messages: HashMap<&str, (&Thread, &Message)> = HashMap::new();
        for thread in threads {
            fetched_threads.insert(thread.id.as_str());
            for message in &thread.messages {
                messages.insert(message.id.as_str(), (thread, message));
            }
        }
        let mut out = Vec::new();
        for (id, thread_id, labels) in &self.refs {
            if self.deleted.contains(id) {
                continue;
            }
            let added = match messages.get(id.as_str()) {
                Some((thread, message)) => new_message(thread, message),
                None if fetched_threads.contains(thread_id.as_str()) => continue,
                None => NewMessage {
                    id: id.clone(),
                    thread_id: thread_id.clone(),
                    label_ids: labels.clone(),
                    ..Default::default()
                },
            };
            if added.label_ids.iter().any(|l| l == "INBOX") {
                out.push(added);
            }
        }
        out
    }
}

/// A fetched message as a notification candidate, every text cut to what the store keeps of a row.
pub fn new_message(thread: &Thread, message: &Message) -> NewMessage {
    let (name, address) = parse_from(message.header("From").unwrap_or_default());
    NewMessage {
        id: message.id.clone(),
        thread_id: if message.thread_id.is_empty() {
            thread.id.clone()
        } else {
            message.thread_id.clone()
        },
        label_ids: message.label_ids.clone(),
        sender_name: clip_chars(&name, MAX_SENDER_CHARS),
        sender_address: clip_chars(&address, MAX_SENDER_CHARS),
        subject: clip_chars(
            message.header("Subject").unwrap_or_default(),
            MAX_SUBJECT_CHARS,
        ),
        snippet: clip_chars(&unescape_snippet(&message.snippet), MAX_SNIPPET_CHARS),
        internal_date_ms: message.internal_date.unwrap_or(0),
    }
}

/// `settings.sendAs.list`: the account's address and its send-as aliases.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SendAsList {
    #[serde(default)]
    send_as: Vec<SendAs>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SendAs {
    #[serde(default)]
    send_as_email: String,
}

/// The addresses the account sends as (its own and its aliases), from one `settings.sendAs.list` (1 unit),
/// each once, lower-cased.
pub async fn own_addresses(client: &GmailClient) -> Result<Vec<String>, GmailError> {
    let response = client
        .send(
            "GET",
            &GmailClient::user_path("settings/sendAs"),
            None,
            Vec::new(),
        )
        .await?;
    let list: SendAsList = decode_json(&response.body)?;
    let mut seen = HashSet::new();
    Ok(list
        .send_as
        .into_iter()
        .map(|s| s.send_as_email.trim().to_ascii_lowercase())
        .filter(|e| !e.is_empty() && seen.insert(e.clone()))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::HistoryList;

    fn check(history: &str, threads: &str, expected: &[(&str, &str, &str, &str)]) {
        let history: HistoryList = serde_json::from_str(history).unwrap();
        let threads: Vec<Thread> = serde_json::from_str(threads).unwrap();
        let mut refs = AddedRefs::default();
        for record in &history.history {
            refs.read(record);
        }
        let got: Vec<(String, String, String, String)> = refs
            .resolve(&threads)
            .into_iter()
            .map(|m| (m.id, m.sender_name, m.sender_address, m.subject))
            .collect();
        let want: Vec<(String, String, String, String)> = expected
            .iter()
            .map(|(a, b, c, d)| (a.to_string(), b.to_string(), c.to_string(), d.to_string()))
            .collect();
        assert_eq!(got, want);
    }

    #[test]
    fn added_messages_come_from_history_and_the_fetched_threads() {
        let history = include_str!("../tests/fixtures/history-added.json");
        let threads = include_str!("../tests/fixtures/threads-added.json");
        check(
            history,
            threads,
            &[
                // Described from its thread: labels now, sender, subject.
                ("m1", "Ada Lovelace", "ada@example.org", "Engines"),
                // Listed twice in history: once.
                // m2 was sent by the account (no INBOX); m3 was deleted in the same window; m4's thread was
                // fetched without it (deleted too); m5's thread was not fetched: history's labels, no text.
                ("m5", "", "", ""),
                ("m6", "", "noreply@bahn.de", "Ihre Fahrkarte"),
            ],
        );
        // Nothing added: nothing reported, also when threads were fetched for other changes.
        check(r#"{"history": [{"id": "1"}]}"#, threads, &[]);
    }

    #[test]
    fn text_is_unescaped_and_cut_like_a_row() {
        let long = "s".repeat(5_000);
        let thread: Thread = serde_json::from_value(serde_json::json!({
            "id": "t", "messages": [{"id": "m", "threadId": "", "labelIds": ["INBOX"],
              "snippet": "a &amp; b &lt;c&gt;", "internalDate": "1700000000000",
              "payload": {"headers": [{"name": "from", "value": "\"Lee, Ann\" <ann@x.org>"},
                                      {"name": "Subject", "value": long}]}}]
        }))
        .unwrap();
        let m = new_message(&thread, &thread.messages[0]);
        assert_eq!(m.thread_id, "t");
        assert_eq!(m.snippet, "a & b <c>");
        assert_eq!(
            (m.sender_name.as_str(), m.sender_address.as_str()),
            ("Lee, Ann", "ann@x.org")
        );
        assert_eq!(m.subject.chars().count(), MAX_SUBJECT_CHARS + 1);
        assert_eq!(m.internal_date_ms, 1_700_000_000_000);
    }
}
