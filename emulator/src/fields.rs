//! The `fields` partial-response parameter: `a,b(c,d),e/f`.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

/// A selection: each key maps to everything below it (`None`) or to a sub-selection.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Selection(BTreeMap<String, Option<Selection>>);

const MAX_DEPTH: usize = 16;

struct Parser<'a> {
    s: &'a [u8],
    pos: usize,
}

impl Selection {
    pub fn parse(input: &str) -> Result<Selection, String> {
        let mut p = Parser {
            s: input.as_bytes(),
            pos: 0,
        };
        let sel = p.list(0)?;
        if p.pos != p.s.len() {
            return Err(format!("Invalid field selection {input}"));
        }
        Ok(sel)
    }

    fn insert(&mut self, path: &[String], sub: Option<Selection>) {
        let Some((first, rest)) = path.split_first() else {
            return;
        };
        if rest.is_empty() {
            match (self.0.get_mut(first), sub) {
                (Some(Some(existing)), Some(new)) => {
                    for (k, v) in new.0 {
                        existing.merge_entry(k, v);
                    }
                }
                (Some(slot), None) => *slot = None,
                (Some(None), Some(_)) => {}
                (None, sub) => {
                    self.0.insert(first.clone(), sub);
                }
            }
            return;
        }
        let entry = self
            .0
            .entry(first.clone())
            .or_insert_with(|| Some(Selection::default()));
        if let Some(child) = entry {
            child.insert(rest, sub);
        }
    }

    fn merge_entry(&mut self, k: String, v: Option<Selection>) {
        self.insert(&[k], v);
    }

    pub fn apply(&self, value: &Value) -> Value {
        match value {
            Value::Object(obj) => {
                if self.0.contains_key("*") {
                    return value.clone();
                }
                let mut out = Map::new();
                for (k, sub) in &self.0 {
                    if let Some(v) = obj.get(k) {
                        out.insert(
                            k.clone(),
                            match sub {
                                None => v.clone(),
                                Some(s) => s.apply(v),
                            },
                        );
                    }
                }
                Value::Object(out)
            }
            Value::Array(items) => Value::Array(items.iter().map(|v| self.apply(v)).collect()),
            other => other.clone(),
        }
    }
}

impl Parser<'_> {
    fn err(&self) -> String {
        format!(
            "Invalid field selection {}",
            String::from_utf8_lossy(self.s)
        )
    }

    fn list(&mut self, depth: usize) -> Result<Selection, String> {
        // No Gmail resource nests deeper than this; refusing deeper input keeps recursion bounded.
        if depth > MAX_DEPTH {
            return Err(self.err());
        }
        let mut sel = Selection::default();
        loop {
            let path = self.path()?;
            let sub = if self.peek() == Some(b'(') {
                self.pos += 1;
                let inner = self.list(depth + 1)?;
                if self.peek() != Some(b')') {
                    return Err(self.err());
                }
                self.pos += 1;
                Some(inner)
            } else {
                None
            };
            sel.insert(&path, sub);
            if self.peek() == Some(b',') {
                self.pos += 1;
                continue;
            }
            return Ok(sel);
        }
    }

    fn path(&mut self) -> Result<Vec<String>, String> {
        let mut path = vec![self.name()?];
        while self.peek() == Some(b'/') {
            self.pos += 1;
            path.push(self.name()?);
            if path.len() > MAX_DEPTH {
                return Err(self.err());
            }
        }
        Ok(path)
    }

    fn name(&mut self) -> Result<String, String> {
        while self.peek() == Some(b' ') {
            self.pos += 1;
        }
        let start = self.pos;
        while let Some(c) = self.peek() {
            if c.is_ascii_alphanumeric() || c == b'_' || c == b'*' || c == b'.' {
                self.pos += 1;
            } else {
                break;
            }
        }
        if start == self.pos {
            return Err(self.err());
        }
        let name = String::from_utf8_lossy(&self.s[start..self.pos]).into_owned();
        while self.peek() == Some(b' ') {
            self.pos += 1;
        }
        Ok(name)
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn selects_nested_fields() {
        let v = json!({"messages":[{"id":"1","threadId":"2","x":3}],"nextPageToken":"t","resultSizeEstimate":1});
        let cases = [
            (
                "messages(id,threadId),nextPageToken",
                json!({"messages":[{"id":"1","threadId":"2"}],"nextPageToken":"t"}),
            ),
            ("messages/id", json!({"messages":[{"id":"1"}]})),
            (
                "messages/id,messages/x",
                json!({"messages":[{"id":"1","x":3}]}),
            ),
            ("*", v.clone()),
            ("nope", json!({})),
        ];
        for (f, want) in cases {
            assert_eq!(Selection::parse(f).unwrap().apply(&v), want, "{f}");
        }
    }

    #[test]
    fn rejects_bad_syntax() {
        let deep = format!("{}b{}", "a(".repeat(10_000), ")".repeat(10_000));
        let deep_path = "a/".repeat(10_000) + "b";
        assert!(Selection::parse(&deep_path).is_err());
        for f in [
            "",
            "a(",
            "a(b",
            "a)",
            ",",
            "a//b",
            "a(b))",
            "a b",
            deep.as_str(),
        ] {
            assert!(Selection::parse(f).is_err(), "{f}");
        }
    }
}
