//! Gmail v1 resources, as much of them as gmux reads. Unknown fields are ignored; 64-bit ids arrive as
//! JSON strings and are read leniently (a number works too).

use gmux_core::inbox::{
    clip_chars, sender_display_name, unescape_snippet, ThreadRow, MAX_SENDER_CHARS,
    MAX_SNIPPET_CHARS, MAX_SUBJECT_CHARS,
};
use gmux_core::listing::{LabelColor, LabelInfo, LabelKind};
use gmux_core::triage::MessageLabels;
use serde::{Deserialize, Deserializer, Serialize};

/// The headers threads.get asks for with `format=metadata`.
pub const METADATA_HEADERS: [&str; 4] = ["From", "To", "Subject", "Date"];

fn lenient_u64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum StrOrNum {
        Str(String),
        Num(u64),
    }
    Ok(match Option::<StrOrNum>::deserialize(d)? {
        Some(StrOrNum::Str(s)) => s.trim().parse().ok(),
        Some(StrOrNum::Num(n)) => Some(n),
        None => None,
    })
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ThreadList {
    #[serde(default)]
    pub threads: Vec<ThreadRef>,
    pub next_page_token: Option<String>,
    pub result_size_estimate: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ThreadRef {
    pub id: String,
    #[serde(default)]
    pub snippet: String,
    #[serde(default, deserialize_with = "lenient_u64")]
    pub history_id: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Thread {
    pub id: String,
    #[serde(default, deserialize_with = "lenient_u64")]
    pub history_id: Option<u64>,
    #[serde(default)]
    pub messages: Vec<Message>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Message {
    pub id: String,
    #[serde(default)]
    pub thread_id: String,
    #[serde(default)]
    pub label_ids: Vec<String>,
    /// HTML-escaped, as Gmail sends it.
    #[serde(default)]
    pub snippet: String,
    #[serde(default, deserialize_with = "lenient_u64")]
    pub history_id: Option<u64>,
    /// Unix ms.
    #[serde(default, deserialize_with = "lenient_u64")]
    pub internal_date: Option<u64>,
    #[serde(default)]
    pub payload: Option<MessagePart>,
}

impl Message {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.payload
            .as_ref()?
            .headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(name))
            .map(|h| h.value.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MessagePart {
    #[serde(default)]
    pub mime_type: Option<String>,
    #[serde(default)]
    pub headers: Vec<Header>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
pub struct Header {
    pub name: String,
    pub value: String,
}

/// labels.get: the only call that returns a label's counters.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Label {
    pub id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default, rename = "type")]
    pub label_type: Option<String>,
    #[serde(default)]
    pub messages_total: u64,
    #[serde(default)]
    pub messages_unread: u64,
    #[serde(default)]
    pub threads_total: u64,
    #[serde(default)]
    pub threads_unread: u64,
}

impl Label {
    pub fn counts(&self) -> gmux_core::inbox::InboxCounts {
        gmux_core::inbox::InboxCounts {
            threads_total: self.threads_total,
            threads_unread: self.threads_unread,
            messages_total: self.messages_total,
            messages_unread: self.messages_unread,
        }
    }
}

/// labels.list: every label, system and user, without counters.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
pub struct LabelList {
    #[serde(default)]
    pub labels: Vec<LabelEntry>,
}

/// A label as labels.list, labels.create and labels.get answer it: the counters only where given (labels.get).
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LabelEntry {
    pub id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default, rename = "type")]
    pub label_type: Option<String>,
    #[serde(default)]
    pub color: Option<ApiLabelColor>,
    #[serde(default)]
    pub message_list_visibility: Option<String>,
    #[serde(default)]
    pub label_list_visibility: Option<String>,
    #[serde(default)]
    pub threads_total: Option<u64>,
    #[serde(default)]
    pub threads_unread: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiLabelColor {
    #[serde(default)]
    pub text_color: String,
    #[serde(default)]
    pub background_color: String,
}

impl LabelEntry {
    /// The label as the picker takes it: a colour only when both halves are `#rrggbb`; a label without a type
    /// is a user label unless its id is one of Gmail's own (user label ids are `Label_N`).
    pub fn info(&self) -> LabelInfo {
        let system = match self.label_type.as_deref() {
            Some(t) => t.eq_ignore_ascii_case("system"),
            None => !self.id.starts_with("Label_"),
        };
        LabelInfo {
            id: self.id.clone(),
            name: self.name.clone(),
            kind: if system {
                LabelKind::System
            } else {
                LabelKind::User
            },
            color: self
                .color
                .as_ref()
                .and_then(|c| LabelColor::checked(&c.text_color, &c.background_color)),
            threads_total: self.threads_total,
            threads_unread: self.threads_unread,
        }
    }
}

/// The body of labels.create.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NewLabel {
    pub name: String,
    /// `labelShow`, `labelShowIfUnread` or `labelHide`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label_list_visibility: Option<String>,
    /// `show` or `hide`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message_list_visibility: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub color: Option<ApiLabelColor>,
}

/// messages.list: message ids and their thread ids, one page.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MessageList {
    #[serde(default)]
    pub messages: Vec<MessageRef>,
    pub next_page_token: Option<String>,
    pub result_size_estimate: Option<u64>,
}

/// The body of messages.batchModify (at most 1,000 ids; Gmail answers 204 with no body).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BatchModifyRequest {
    pub ids: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub add_label_ids: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub remove_label_ids: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HistoryList {
    #[serde(default)]
    pub history: Vec<HistoryRecord>,
    pub next_page_token: Option<String>,
    /// The mailbox's current history id.
    #[serde(default, deserialize_with = "lenient_u64")]
    pub history_id: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HistoryRecord {
    #[serde(default, deserialize_with = "lenient_u64")]
    pub id: Option<u64>,
    #[serde(default)]
    pub messages: Vec<MessageRef>,
    #[serde(default)]
    pub messages_added: Vec<HistoryMessage>,
    #[serde(default)]
    pub messages_deleted: Vec<HistoryMessage>,
    #[serde(default)]
    pub labels_added: Vec<HistoryLabels>,
    #[serde(default)]
    pub labels_removed: Vec<HistoryLabels>,
}

impl HistoryRecord {
    /// The ids of the threads this record touches.
    pub fn thread_ids(&self) -> impl Iterator<Item = &str> {
        self.messages
            .iter()
            .chain(self.messages_added.iter().map(|m| &m.message))
            .chain(self.messages_deleted.iter().map(|m| &m.message))
            .chain(self.labels_added.iter().map(|m| &m.message))
            .chain(self.labels_removed.iter().map(|m| &m.message))
            .map(|m| m.thread_id.as_str())
            .filter(|id| !id.is_empty())
    }
}

impl HistoryRecord {
    /// Each thread this record touches, with whether the change can matter to the inbox: the message is or
    /// was in INBOX, or its labels are not given (then it might be). A message added to a thread outside the
    /// inbox (mail the user sent, say) does not matter, unless the thread is already listed.
    pub fn inbox_changes(&self) -> Vec<(&str, bool)> {
        let may_be_inbox =
            |m: &MessageRef| m.label_ids.is_empty() || m.label_ids.iter().any(|l| l == "INBOX");
        let mut out: Vec<(&str, bool)> = Vec::new();
        for m in self.messages_added.iter().chain(&self.messages_deleted) {
            out.push((&m.message.thread_id, may_be_inbox(&m.message)));
        }
        for c in self.labels_added.iter().chain(&self.labels_removed) {
            let inbox_label_changed = c.label_ids.iter().any(|l| l == "INBOX");
            out.push((
                &c.message.thread_id,
                inbox_label_changed || may_be_inbox(&c.message),
            ));
        }
        if out.is_empty() {
            // A record without typed changes: only the touched messages are known.
            out.extend(self.messages.iter().map(|m| (m.thread_id.as_str(), true)));
        }
        out.retain(|(id, _)| !id.is_empty());
        out
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MessageRef {
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub thread_id: String,
    #[serde(default)]
    pub label_ids: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
pub struct HistoryMessage {
    pub message: MessageRef,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HistoryLabels {
    pub message: MessageRef,
    #[serde(default)]
    pub label_ids: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Profile {
    #[serde(default)]
    pub email_address: String,
    #[serde(default)]
    pub messages_total: u64,
    #[serde(default)]
    pub threads_total: u64,
    #[serde(default, deserialize_with = "lenient_u64")]
    pub history_id: Option<u64>,
}

/// A `messages.attachments.get` answer: the part's data in base64url (Gmail may or may not pad it).
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AttachmentBody {
    #[serde(default)]
    pub size: u64,
    #[serde(default)]
    pub data: String,
}

/// The body of messages/threads modify.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ModifyRequest {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub add_label_ids: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub remove_label_ids: Vec<String>,
}

impl Thread {
    /// The inbox row of a thread fetched with `format=metadata`: subject of its first message, snippet and
    /// date of its newest, senders oldest first, unread or starred when any message is.
    pub fn to_row(&self, account_id: &str) -> ThreadRow {
        let mut messages: Vec<&Message> = self.messages.iter().collect();
        messages.sort_by_key(|m| m.internal_date.unwrap_or(0));
        let mut senders: Vec<String> = Vec::new();
        for m in &messages {
            if let Some(from) = m.header("From") {
                let name = clip_chars(&sender_display_name(from), MAX_SENDER_CHARS);
                if !name.is_empty() && !senders.contains(&name) {
                    senders.push(name);
                }
            }
        }
        let mut label_ids: Vec<String> = messages
            .iter()
            .flat_map(|m| m.label_ids.iter().cloned())
            .collect();
        label_ids.sort();
        label_ids.dedup();
        let has = |label: &str| label_ids.iter().any(|l| l == label);
        let newest = messages.last();
        ThreadRow {
            account_id: account_id.to_string(),
            thread_id: self.id.clone(),
            senders,
            subject: clip_chars(
                messages
                    .first()
                    .and_then(|m| m.header("Subject"))
                    .unwrap_or_default(),
                MAX_SUBJECT_CHARS,
            ),
            snippet: newest
                .map(|m| clip_chars(&unescape_snippet(&m.snippet), MAX_SNIPPET_CHARS))
                .unwrap_or_default(),
            date_ms: newest.and_then(|m| m.internal_date).unwrap_or(0),
            unread: has("UNREAD"),
            starred: has("STARRED"),
            message_count: u32::try_from(messages.len()).unwrap_or(u32::MAX),
            label_ids,
        }
    }

    /// The union of its messages' labels, sorted: what a row's `label_ids` holds.
    pub fn label_ids(&self) -> Vec<String> {
        let mut labels: Vec<String> = self
            .messages
            .iter()
            .flat_map(|m| m.label_ids.iter().cloned())
            .collect();
        labels.sort();
        labels.dedup();
        labels
    }

    /// Each message's labels, for an undo that restores every message exactly.
    pub fn message_labels(&self) -> Vec<MessageLabels> {
        self.messages
            .iter()
            .map(|m| MessageLabels {
                id: m.id.clone(),
                label_ids: m.label_ids.clone(),
            })
            .collect()
    }

    /// The newest history id of the thread or its messages.
    pub fn newest_history_id(&self) -> Option<u64> {
        self.messages
            .iter()
            .filter_map(|m| m.history_id)
            .chain(self.history_id)
            .max()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thread_metadata_becomes_a_row() {
        let thread: Thread =
            serde_json::from_str(include_str!("../tests/fixtures/thread-metadata.json")).unwrap();
        let row = thread.to_row("acct");
        assert_eq!(row.thread_id, "18c1f2a3b4c5d6e7");
        assert_eq!(row.senders, ["Ann Lee", "bob"]);
        assert_eq!(row.subject, "Lunch <Friday> & more");
        assert_eq!(row.snippet, "Sounds good, it's a <date> & time");
        assert_eq!(row.date_ms, 1_700_000_600_000);
        assert!(row.unread && row.starred);
        assert_eq!(row.message_count, 2);
        assert_eq!(
            row.label_ids,
            ["CATEGORY_PERSONAL", "INBOX", "STARRED", "UNREAD"]
        );
        assert_eq!(thread.newest_history_id(), Some(9120));
    }

    #[test]
    fn history_collects_thread_ids_of_every_change_type() {
        let list: HistoryList =
            serde_json::from_str(include_str!("../tests/fixtures/history.json")).unwrap();
        assert_eq!(list.history_id, Some(1300));
        let mut ids: Vec<&str> = list.history.iter().flat_map(|r| r.thread_ids()).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(
            ids,
            [
                "aaa0000000000001",
                "bbb0000000000002",
                "ccc0000000000003",
                "ddd0000000000004"
            ]
        );

        let empty: HistoryList = serde_json::from_str(r#"{"historyId":"1710"}"#).unwrap();
        assert!(empty.history.is_empty());
        assert_eq!(empty.history_id, Some(1710));
    }

    #[test]
    fn history_says_which_changes_can_matter_to_the_inbox() {
        let list: HistoryList =
            serde_json::from_str(include_str!("../tests/fixtures/history-relevance.json")).unwrap();
        let changes: Vec<(&str, bool)> = list
            .history
            .iter()
            .flat_map(|r| r.inbox_changes())
            .collect();
        assert_eq!(
            changes,
            [
                ("sent000000000001", false),
                ("new0000000000002", true),
                ("arch000000000003", true),
                ("arch000000000004", false),
                ("unkn000000000005", true),
                ("bare000000000006", true),
            ]
        );
    }

    #[test]
    fn labels_list_reads_types_colours_and_counts_only_where_given() {
        let list: LabelList =
            serde_json::from_str(include_str!("../tests/fixtures/labels-list.json")).unwrap();
        let infos: Vec<LabelInfo> = list.labels.iter().map(LabelEntry::info).collect();
        let find = |id: &str| infos.iter().find(|l| l.id == id).unwrap();
        assert_eq!(find("INBOX").kind, LabelKind::System);
        assert_eq!(find("INBOX").threads_unread, None);
        assert_eq!(find("UNREAD").threads_unread, Some(2));
        assert_eq!(find("UNREAD").threads_total, Some(3));
        let clients = find("Label_1");
        assert_eq!(clients.kind, LabelKind::User);
        assert_eq!(clients.name, "Work/Clients");
        assert_eq!(
            clients.color,
            LabelColor::checked("#ffffff", "#fb4c2f"),
            "colours are kept lower-case"
        );
        // A colour that is not #rrggbb is dropped (it would go into a style attribute); a label without a type
        // is a user label when its id says so.
        assert_eq!(find("Label_2").color, None);
        assert_eq!(find("Label_3").kind, LabelKind::User);
        assert_eq!(
            list.labels[0].label_list_visibility.as_deref(),
            Some("labelHide")
        );
    }

    #[test]
    fn thread_answers_give_each_messages_labels() {
        let thread: Thread =
            serde_json::from_str(include_str!("../tests/fixtures/thread-metadata.json")).unwrap();
        let per_message = thread.message_labels();
        assert_eq!(per_message.len(), 2);
        assert_eq!(thread.label_ids(), thread.to_row("a").label_ids);
        assert!(per_message.iter().all(|m| !m.id.is_empty()));
    }

    #[test]
    fn lists_and_labels_parse_with_absent_fields() {
        let l: ThreadList = serde_json::from_str(r#"{"resultSizeEstimate":0}"#).unwrap();
        assert!(l.threads.is_empty() && l.next_page_token.is_none());
        let label: Label = serde_json::from_str(
            r#"{"id":"INBOX","name":"INBOX","type":"system","messagesTotal":12,"messagesUnread":3,"threadsTotal":10,"threadsUnread":2}"#,
        )
        .unwrap();
        assert_eq!(label.counts().threads_unread, 2);
        assert_eq!(label.label_type.as_deref(), Some("system"));
        let p: Profile = serde_json::from_str(r#"{"emailAddress":"a@b","historyId":77}"#).unwrap();
        assert_eq!(p.history_id, Some(77));
    }
}
