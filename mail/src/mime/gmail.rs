//! Gmail's `format=full` JSON (`Thread`, `Message`, `MessagePart`, `MessagePartBody` in the discovery
//! document) read into the part tree, leniently: a field of the wrong type is treated as missing rather than
//! failing the message, and parts nested deeper than [`super::MAX_DEPTH`] are skipped without being built
//! (serde_json skips a value without recursion), so a hostile tree never reaches serde_json's recursion limit.

use super::headers::base64_lenient;
use super::{Part, PartBody, MAX_DEPTH, MAX_PARTS};
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserializer;
use std::cell::Cell;
use std::fmt;

/// A message as Gmail sends it, with only what the reader uses.
#[derive(Debug, Default)]
pub(crate) struct GmailMessage {
    pub id: String,
    pub thread_id: String,
    pub label_ids: Vec<String>,
    pub internal_date: Option<i64>,
    pub snippet: String,
    pub payload: Option<Part>,
    /// `format=raw`: the whole message, base64url.
    pub raw: Option<Vec<u8>>,
    /// Parts were left out (too deep or too many).
    pub cut: bool,
}

#[derive(Debug, Default)]
pub(crate) struct GmailThread {
    pub id: String,
    pub messages: Vec<GmailMessage>,
}

/// Counts parts across one message, so a wide tree stops at [`MAX_PARTS`] as a deep one stops at the depth cap.
struct Count<'a> {
    parts: &'a Cell<usize>,
    cut: &'a Cell<bool>,
}

pub(crate) fn thread_from_json(json: &str) -> Result<GmailThread, serde_json::Error> {
    let mut de = serde_json::Deserializer::from_str(json);
    let thread = ThreadSeed.deserialize(&mut de)?;
    de.end()?;
    Ok(thread)
}

pub(crate) fn message_from_json(json: &str) -> Result<GmailMessage, serde_json::Error> {
    let mut de = serde_json::Deserializer::from_str(json);
    let message = MessageSeed.deserialize(&mut de)?;
    de.end()?;
    Ok(message)
}

struct ThreadSeed;

impl<'de> DeserializeSeed<'de> for ThreadSeed {
    type Value = GmailThread;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<GmailThread, D::Error> {
        d.deserialize_map(ThreadSeed)
    }
}

impl<'de> Visitor<'de> for ThreadSeed {
    type Value = GmailThread;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a Gmail thread")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<GmailThread, A::Error> {
        let mut thread = GmailThread::default();
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "id" => thread.id = map.next_value::<Text>()?.0.unwrap_or_default(),
                "messages" => thread.messages = map.next_value_seed(ListSeed(MessageSeed))?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(thread)
    }
}

/// A JSON array of what `S` reads; anything that is not an array reads as empty.
struct ListSeed<S>(S);

impl<'de, S: DeserializeSeed<'de> + Copy> DeserializeSeed<'de> for ListSeed<S> {
    type Value = Vec<S::Value>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de, S: DeserializeSeed<'de> + Copy> Visitor<'de> for ListSeed<S> {
    type Value = Vec<S::Value>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut out = Vec::new();
        while let Some(item) = seq.next_element_seed(self.0)? {
            out.push(item);
        }
        Ok(out)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Vec::new())
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Vec::new())
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(Vec::new())
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Ok(Vec::new())
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Ok(Vec::new())
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok(Vec::new())
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
        Ok(Vec::new())
    }
}

/// A string, or a number written as one; anything else reads as missing.
struct Text(Option<String>);

impl<'de> de::Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Text, D::Error> {
        d.deserialize_any(TextVisitor)
    }
}

struct TextVisitor;

impl<'de> Visitor<'de> for TextVisitor {
    type Value = Text;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Text, E> {
        Ok(Text(Some(v.to_string())))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Text, E> {
        Ok(Text(Some(v)))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Text, E> {
        Ok(Text(Some(v.to_string())))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Text, E> {
        Ok(Text(Some(v.to_string())))
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Text, E> {
        Ok(Text(None))
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Text, E> {
        Ok(Text(None))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Text, E> {
        Ok(Text(None))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Text, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Text(None))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Text, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Text(None))
    }
}

#[derive(Clone, Copy)]
struct MessageSeed;

impl<'de> DeserializeSeed<'de> for MessageSeed {
    type Value = GmailMessage;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<GmailMessage, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for MessageSeed {
    type Value = GmailMessage;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a Gmail message")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<GmailMessage, A::Error> {
        let mut message = GmailMessage::default();
        let parts = Cell::new(0);
        let cut = Cell::new(false);
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "id" => message.id = map.next_value::<Text>()?.0.unwrap_or_default(),
                "threadId" => message.thread_id = map.next_value::<Text>()?.0.unwrap_or_default(),
                "snippet" => message.snippet = map.next_value::<Text>()?.0.unwrap_or_default(),
                "internalDate" => {
                    message.internal_date = map
                        .next_value::<Text>()?
                        .0
                        .and_then(|s| s.trim().parse::<i64>().ok());
                }
                "labelIds" => {
                    message.label_ids = map
                        .next_value_seed(ListSeed(TextSeed))?
                        .into_iter()
                        .flatten()
                        .collect();
                }
                "raw" => {
                    message.raw = map
                        .next_value::<Text>()?
                        .0
                        .and_then(|s| base64_lenient(s.as_bytes()));
                }
                "payload" => {
                    message.payload = map.next_value_seed(PartSeed {
                        id_hint: "",
                        depth: 0,
                        count: &Count {
                            parts: &parts,
                            cut: &cut,
                        },
                    })?;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        message.cut = cut.get();
        Ok(message)
    }
    // A message that is not an object (null, a number) reads as an empty one.
    fn visit_unit<E: de::Error>(self) -> Result<GmailMessage, E> {
        Ok(GmailMessage::default())
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<GmailMessage, E> {
        Ok(GmailMessage::default())
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<GmailMessage, E> {
        Ok(GmailMessage::default())
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<GmailMessage, E> {
        Ok(GmailMessage::default())
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<GmailMessage, E> {
        Ok(GmailMessage::default())
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<GmailMessage, E> {
        Ok(GmailMessage::default())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<GmailMessage, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(GmailMessage::default())
    }
}

#[derive(Clone, Copy)]
struct TextSeed;

impl<'de> DeserializeSeed<'de> for TextSeed {
    type Value = Option<String>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Option<String>, D::Error> {
        Ok(d.deserialize_any(TextVisitor)?.0)
    }
}

#[derive(Clone, Copy)]
struct PartSeed<'a> {
    id_hint: &'a str,
    depth: usize,
    count: &'a Count<'a>,
}

impl<'de> DeserializeSeed<'de> for PartSeed<'_> {
    type Value = Option<Part>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Option<Part>, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for PartSeed<'_> {
    type Value = Option<Part>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a message part")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Option<Part>, A::Error> {
        self.count.parts.set(self.count.parts.get() + 1);
        let mut part = Part {
            part_id: self.id_hint.to_string(),
            ..Part::default()
        };
        let mut children: Vec<Option<Part>> = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "partId" => {
                    if let Some(id) = map.next_value::<Text>()?.0 {
                        part.part_id = id;
                    }
                }
                "mimeType" => {
                    part.mime_type = map
                        .next_value::<Text>()?
                        .0
                        .unwrap_or_default()
                        .trim()
                        .to_ascii_lowercase();
                }
                "filename" => part.filename = map.next_value::<Text>()?.0.unwrap_or_default(),
                "headers" => {
                    part.headers = map
                        .next_value_seed(ListSeed(HeaderSeed))?
                        .into_iter()
                        .flatten()
                        .collect();
                }
                "body" => part.body = map.next_value_seed(BodySeed)?,
                "parts" => {
                    if self.depth + 1 >= MAX_DEPTH || self.count.parts.get() >= MAX_PARTS {
                        map.next_value::<IgnoredAny>()?;
                        self.count.cut.set(true);
                        part.cut = true;
                    } else {
                        children = map.next_value_seed(ListSeed(PartSeed {
                            id_hint: "",
                            depth: self.depth + 1,
                            count: self.count,
                        }))?;
                    }
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        for (i, child) in children.into_iter().enumerate() {
            if let Some(mut child) = child {
                if child.part_id.is_empty() {
                    child.part_id = if part.part_id.is_empty() {
                        i.to_string()
                    } else {
                        format!("{}.{i}", part.part_id)
                    };
                }
                if part.parts.len() < MAX_PARTS {
                    part.parts.push(child);
                }
            }
        }
        Ok(Some(part))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Option<Part>, E> {
        Ok(None)
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Option<Part>, E> {
        Ok(None)
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Option<Part>, E> {
        Ok(None)
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Option<Part>, E> {
        Ok(None)
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Option<Part>, E> {
        Ok(None)
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<Option<Part>, E> {
        Ok(None)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Option<Part>, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(None)
    }
}

#[derive(Clone, Copy)]
struct HeaderSeed;

impl<'de> DeserializeSeed<'de> for HeaderSeed {
    type Value = Option<(String, String)>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for HeaderSeed {
    type Value = Option<(String, String)>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a header")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let (mut name, mut value) = (None, None);
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "name" => name = map.next_value::<Text>()?.0,
                "value" => value = map.next_value::<Text>()?.0,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(name.map(|n| (n, value.unwrap_or_default())))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(None)
    }
}

#[derive(Clone, Copy)]
struct BodySeed;

impl<'de> DeserializeSeed<'de> for BodySeed {
    type Value = PartBody;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<PartBody, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for BodySeed {
    type Value = PartBody;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a part body")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<PartBody, A::Error> {
        let mut body = PartBody::default();
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "size" => {
                    body.size = map
                        .next_value::<Text>()?
                        .0
                        .and_then(|s| s.parse::<u64>().ok())
                        .unwrap_or(0);
                }
                "data" => {
                    body.data = map
                        .next_value::<Text>()?
                        .0
                        .map(|s| base64_lenient(s.as_bytes()).unwrap_or_default());
                }
                "attachmentId" => {
                    body.attachment_id = map.next_value::<Text>()?.0.filter(|s| !s.is_empty());
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        if body.size == 0 {
            body.size = body.data.as_ref().map_or(0, |d| d.len() as u64);
        }
        Ok(body)
    }
    fn visit_unit<E: de::Error>(self) -> Result<PartBody, E> {
        Ok(PartBody::default())
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<PartBody, E> {
        Ok(PartBody::default())
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<PartBody, E> {
        Ok(PartBody::default())
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<PartBody, E> {
        Ok(PartBody::default())
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<PartBody, E> {
        Ok(PartBody::default())
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<PartBody, E> {
        Ok(PartBody::default())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<PartBody, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(PartBody::default())
    }
}
