//! Structure-aware JSON mutation: parse the input, pick one node, and put something hostile in its place
//! (a wrong type, null, a number no integer type holds, markup, a huge string, deep nesting, an array
//! repeated ten thousand times), then write it out again. Byte mutations rarely keep JSON valid; these do,
//! so the typed decoders behind the parser see hostile values rather than only syntax errors.

use rand::rngs::StdRng;
use rand::Rng;
use serde_json::Value;

/// The most bytes a repeated array may take.
const MAX_REPEATED_BYTES: usize = 4 << 20;

/// Marks the node to replace; written out as a JSON string and then swapped for raw text, so the
/// replacement can be something `serde_json::Value` cannot hold (`1e999`, 5,000 levels of nesting).
const HOLE: &str = "\u{1}gmux-fuzz-hole\u{1}";

/// Strings from mail that must stay text: markup, entities, quotes, control characters, bidi overrides.
pub const HOSTILE_STRINGS: &[&str] = &[
    r#""<script>alert(1)</script>""#,
    r#""&lt;script&gt;alert(1)&lt;/script&gt;""#,
    r#""<img src=x onerror=alert(1)>""#,
    r#""\"Eve <script>\" <eve@evil.test>""#,
    r#""Tom &amp;amp; Jerry &#0; &#xD800; &#x110000; &#99999999999;""#,
    r#""\u0000\u001f\u007f""#,
    r#""\u202e\u200b\ufeff""#,
    r#""INBOX""#,
    r#""UNREAD""#,
    r#""STARRED""#,
    r#""""#,
    r#"" ""#,
    r#""-1""#,
    r#""NaN""#,
    r#""1e3""#,
    r#"" 42 ""#,
    r#""18446744073709551615""#,
    r#""18446744073709551616""#,
    r#""9223372036854775807""#,
    r#""9223372036854775808""#,
    r#""ффф😀""#,
    r#""\ud800""#,
    r#""\udc00\ud800""#,
];

const HOSTILE_SCALARS: &[&str] = &[
    "null",
    "true",
    "false",
    "0",
    "-1",
    "-0",
    "1.5",
    "1e999",
    "-1e999",
    "1e-999",
    "4294967296",
    "18446744073709551615",
    "18446744073709551616",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775809",
    "[]",
    "{}",
    "[null]",
    "{\"\":null}",
];

/// Mutates one node of a JSON document; `None` when the input is not JSON.
pub fn mutate(rng: &mut StdRng, input: &[u8]) -> Option<Vec<u8>> {
    let mut doc: Value = serde_json::from_slice(input).ok()?;
    let nodes = count_nodes(&doc);
    let target = rng.gen_range(0..nodes);
    let mut seen = 0;
    let node = nth_node(&mut doc, target, &mut seen)?;
    let raw = match rng.gen_range(0..12) {
        // Drop a key, or set it to null.
        0 => {
            if let Value::Object(map) = node {
                if !map.is_empty() {
                    let i = rng.gen_range(0..map.len());
                    let key = map.keys().nth(i).cloned().unwrap_or_default();
                    if rng.gen_bool(0.5) {
                        map.remove(&key);
                    } else {
                        map.insert(key, Value::Null);
                    }
                }
                return serde_json::to_vec(&doc).ok();
            }
            "null".to_string()
        }
        1 | 2 => HOSTILE_SCALARS[rng.gen_range(0..HOSTILE_SCALARS.len())].to_string(),
        3 | 4 => HOSTILE_STRINGS[rng.gen_range(0..HOSTILE_STRINGS.len())].to_string(),
        // The same value with the wrong type: a string of it, or wrapped in an array.
        5 => {
            let text = serde_json::to_string(node).ok()?;
            if rng.gen_bool(0.5) {
                serde_json::to_string(&text).ok()?
            } else {
                format!("[{text}]")
            }
        }
        // A long string: usually tens of kilobytes, rarely a megabyte. (Ten-megabyte values cost seconds
        // each in an unoptimised build, so targets check those once, outside the loop.)
        6 => {
            let len = if rng.gen_ratio(1, 64) {
                1024 * 1024
            } else {
                rng.gen_range(1_000..100_000)
            };
            let unit = ["a", "&amp;", "<b>", "é", "\\u00e9", "\\\""][rng.gen_range(0..6)];
            format!("\"{}\"", unit.repeat(len / unit.len()))
        }
        // Deep nesting: arrays, or message parts inside parts as a MIME tree would be.
        7 => {
            let depth = if rng.gen_bool(0.5) {
                rng.gen_range(100..140)
            } else {
                rng.gen_range(140..20_000)
            };
            if rng.gen_bool(0.5) {
                format!("{}{}", "[".repeat(depth), "]".repeat(depth))
            } else {
                let open = "{\"mimeType\":\"multipart/mixed\",\"parts\":[";
                format!("{}{{}}{}", open.repeat(depth), "]}".repeat(depth))
            }
        }
        // Many entries: an array's first element repeated (10,000 headers, 10,000 messages).
        8 | 9 => match node {
            Value::Array(items) => {
                let first = items.first().cloned().unwrap_or(Value::Null);
                let text = serde_json::to_string(&first).ok()?;
                // Bounded so that a long element repeated stays a few megabytes, not gigabytes.
                let count = [2, 100, 10_000][rng.gen_range(0..3)]
                    .min(MAX_REPEATED_BYTES / (text.len() + 1))
                    .max(1);
                format!("[{}]", vec![text; count].join(","))
            }
            _ => "[]".to_string(),
        },
        // A number, but as text and back: " 7 ", "7.0", "-7".
        10 => match node {
            Value::String(s) => {
                let forms = [
                    format!("\" {s} \""),
                    format!("{s}.0"),
                    format!("-{s}"),
                    s.clone(),
                ];
                forms[rng.gen_range(0..forms.len())].clone()
            }
            Value::Number(n) => format!("\"{n}\""),
            _ => "0".to_string(),
        },
        // A duplicate key: JSON allows it, readers disagree on which one wins.
        _ => {
            if let Value::Object(map) = node {
                if let Some((k, v)) = map.iter().next() {
                    let key = serde_json::to_string(k).ok()?;
                    let value = serde_json::to_string(v).ok()?;
                    let rest = serde_json::to_string(map).ok()?;
                    let body = rest.strip_prefix('{')?;
                    let sep = if body == "}" { "" } else { "," };
                    format!("{{{key}:{value}{sep}{body}")
                } else {
                    "{}".to_string()
                }
            } else {
                "null".to_string()
            }
        }
    };
    *node = Value::String(HOLE.into());
    let text = serde_json::to_string(&doc).ok()?;
    Some(splice_hole_text(&text, &raw))
}

fn splice_hole_text(text: &str, raw: &str) -> Vec<u8> {
    let hole = serde_json::to_string(HOLE).unwrap_or_default();
    text.replacen(&hole, raw, 1).into_bytes()
}

fn count_nodes(v: &Value) -> usize {
    1 + match v {
        Value::Array(items) => items.iter().map(count_nodes).sum(),
        Value::Object(map) => map.values().map(count_nodes).sum(),
        _ => 0,
    }
}

fn nth_node<'a>(v: &'a mut Value, n: usize, seen: &mut usize) -> Option<&'a mut Value> {
    if *seen == n {
        return Some(v);
    }
    *seen += 1;
    match v {
        Value::Array(items) => items.iter_mut().find_map(|c| nth_node(c, n, seen)),
        Value::Object(map) => map.values_mut().find_map(|c| nth_node(c, n, seen)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn mutations_mostly_stay_json_and_change_the_document() {
        let seed = br#"{"id":"t1","historyId":"5","messages":[{"id":"m1","payload":{"headers":[{"name":"From","value":"a@b"}]}}]}"#;
        let mut rng = StdRng::seed_from_u64(1);
        let mut parsed = 0;
        let mut changed = 0;
        for _ in 0..300 {
            let out = mutate(&mut rng, seed).expect("the seed is JSON");
            if out != seed.to_vec() {
                changed += 1;
            }
            if serde_json::from_slice::<Value>(&out).is_ok() {
                parsed += 1;
            }
        }
        assert!(changed > 250, "{changed}");
        // Deep nesting past serde_json's limit, 1e999 and lone surrogates are meant to be refused.
        assert!(parsed > 150, "{parsed}");
        assert_eq!(mutate(&mut rng, b"not json"), None);
    }
}
