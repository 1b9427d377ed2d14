//! The extension's catalogues (`extension/static/_locales/<lang>/messages.json`, the format Chrome and Firefox
//! read): the checks that keep them whole, and the pseudo-Arabic test locale `dist` writes into test builds.
//!
//! English is the catalogue of record: every key the code or the pages use is in it, every key in it is used,
//! and every other catalogue has exactly its keys with the same `$1`… substitutions. The test locale `ar` is
//! English made visibly foreign and right to left, generated at each test build so it never goes stale; the
//! store builds leave it out (it is not a translation anyone should be shown).

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use serde_json::{json, Map, Value};

use crate::workspace_root;

/// The test locale's folder name: a right-to-left language the browsers ship, so they pick it by UI language.
pub const PSEUDO_LOCALE: &str = "ar";

pub fn locales_dir() -> PathBuf {
    workspace_root().join("extension/static/_locales")
}

/// A catalogue's messages by key.
pub fn read_catalogue(path: &Path) -> Result<BTreeMap<String, String>> {
    let text = fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let value: Value =
        serde_json::from_str(&text).with_context(|| format!("{} is not JSON", path.display()))?;
    let object = value
        .as_object()
        .with_context(|| format!("{} is not an object", path.display()))?;
    object
        .iter()
        .map(|(key, entry)| {
            let message = entry["message"]
                .as_str()
                .with_context(|| format!("{}: {key} has no message", path.display()))?;
            Ok((key.clone(), message.to_string()))
        })
        .collect()
}

/// The `$1`…`$9` a message takes (`$$` is a dollar sign).
pub fn substitutions(message: &str) -> BTreeSet<char> {
    let mut found = BTreeSet::new();
    let mut chars = message.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '$' {
            match chars.peek() {
                Some('$') => {
                    chars.next();
                }
                Some(d) if d.is_ascii_digit() => {
                    found.insert(*d);
                }
                _ => {}
            }
        }
    }
    found
}

/// English made pseudo-Arabic: each word's letters accented and the word shown right to left (wrapped in
/// RIGHT-TO-LEFT OVERRIDE … POP DIRECTIONAL FORMATTING), substitutions and punctuation kept, arrows turned. A tester sees at a
/// glance which words came from the catalogue (accented, reversed) and which did not (plain English), and the
/// page lays out as an Arabic one does.
pub fn pseudo(message: &str) -> String {
    let mut out = String::new();
    let mut word = String::new();
    let mut chars = message.chars().peekable();
    let flush = |word: &mut String, out: &mut String| {
        if !word.is_empty() {
            out.push('\u{202E}');
            out.push_str(word);
            out.push('\u{202C}');
            word.clear();
        }
    };
    while let Some(c) = chars.next() {
        if c == '$' {
            flush(&mut word, &mut out);
            out.push(c);
            if let Some(next) = chars.next() {
                out.push(next);
            }
        } else if c == '\u{2190}' || c == '\u{2192}' {
            // An arrow that points back or on points the other way in a right-to-left language.
            flush(&mut word, &mut out);
            out.push(if c == '\u{2190}' {
                '\u{2192}'
            } else {
                '\u{2190}'
            });
        } else if c.is_ascii_alphabetic() {
            word.push(accented(c));
        } else {
            flush(&mut word, &mut out);
            out.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

fn accented(c: char) -> char {
    const LOWER: [char; 26] = [
        'á', 'ƀ', 'ç', 'đ', 'é', 'ƒ', 'ĝ', 'ĥ', 'í', 'ĵ', 'ķ', 'ĺ', 'ɱ', 'ñ', 'ó', 'þ', 'ǫ', 'ŕ',
        'š', 'ţ', 'ú', 'ṽ', 'ŵ', 'ẋ', 'ý', 'ž',
    ];
    const UPPER: [char; 26] = [
        'Á', 'Ɓ', 'Ç', 'Đ', 'É', 'Ƒ', 'Ĝ', 'Ĥ', 'Í', 'Ĵ', 'Ķ', 'Ĺ', 'Ṁ', 'Ñ', 'Ó', 'Þ', 'Ǫ', 'Ŕ',
        'Š', 'Ţ', 'Ú', 'Ṽ', 'Ŵ', 'Ẋ', 'Ý', 'Ž',
    ];
    match c {
        'a'..='z' => LOWER[(c as u8 - b'a') as usize],
        'A'..='Z' => UPPER[(c as u8 - b'A') as usize],
        other => other,
    }
}

/// The test locale's catalogue from English's: every message pseudo-translated but `lang` and `dir`.
pub fn pseudo_catalogue(english: &BTreeMap<String, String>) -> Value {
    let mut out = Map::new();
    for (key, message) in english {
        let message = match key.as_str() {
            "lang" => PSEUDO_LOCALE.to_string(),
            "dir" => "rtl".to_string(),
            _ => pseudo(message),
        };
        out.insert(key.clone(), json!({ "message": message }));
    }
    Value::Object(out)
}

/// Writes the test locale into a built extension folder.
pub fn write_pseudo_locale(extension: &Path) -> Result<()> {
    let english = read_catalogue(&extension.join("_locales/en/messages.json"))?;
    let dir = extension.join("_locales").join(PSEUDO_LOCALE);
    fs::create_dir_all(&dir)?;
    fs::write(
        dir.join("messages.json"),
        serde_json::to_string_pretty(&pseudo_catalogue(&english))?,
    )?;
    Ok(())
}

/// The catalogue keys a source file uses: `t("key")`, `t_with("key"` in Rust; `data-i18n="key"` and
/// `data-i18n-attr="attr:key …"` in HTML; `message('key')` in the JS that fills the pages; `__MSG_key__` in the
/// manifest.
pub fn keys_used(source: &str) -> BTreeSet<String> {
    let mut keys = BTreeSet::new();
    let key_at = |rest: &str, end: char| -> Option<String> {
        let key: String = rest.chars().take_while(|c| *c != end).collect();
        (!key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
            .then_some(key)
    };
    for (open, end) in [
        ("t(", '"'),
        ("t_with(", '"'),
        ("data-i18n=", '"'),
        ("message(", '\''),
        ("__MSG_", '_'),
    ] {
        for (at, _) in source.match_indices(open) {
            // `t(` must be the whole name, not the end of `split(` or `set_text(`.
            if open.starts_with('t')
                && source[..at]
                    .chars()
                    .next_back()
                    .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
            {
                continue;
            }
            let rest = &source[at + open.len()..];
            // rustfmt may break a call after its parenthesis.
            let rest = if open.ends_with('(') {
                rest.trim_start()
            } else {
                rest
            };
            let rest = match open {
                "__MSG_" => Some(rest),
                _ => rest.strip_prefix(end),
            };
            if let Some(key) = rest.and_then(|rest| key_at(rest, end)) {
                keys.insert(key);
            }
        }
    }
    for (at, _) in source.match_indices("data-i18n-attr=\"") {
        let rest = &source[at + "data-i18n-attr=\"".len()..];
        let value: String = rest.chars().take_while(|c| *c != '"').collect();
        for pair in value.split_whitespace() {
            if let Some(key) = pair.split_once(':').and_then(|(_, key)| key_at(key, '"')) {
                keys.insert(key);
            }
        }
    }
    keys
}

/// Every file whose catalogue keys count: the extension's Rust, its pages and their JS, the manifest.
fn sources() -> Result<Vec<PathBuf>> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
        for entry in fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
            let path = entry?.path();
            if path.is_dir() {
                walk(&path, out)?;
            } else if path
                .extension()
                .is_some_and(|e| e == "rs" || e == "html" || e == "js")
            {
                out.push(path);
            }
        }
        Ok(())
    }
    let root = workspace_root();
    let mut out = vec![root.join("manifest.json")];
    walk(&root.join("extension/src"), &mut out)?;
    walk(&root.join("extension/static"), &mut out)?;
    Ok(out)
}

/// What is wrong with the catalogues, one sentence per fault; empty when they are whole.
pub fn catalogue_faults() -> Result<Vec<String>> {
    let mut faults = Vec::new();
    let english = read_catalogue(&locales_dir().join("en/messages.json"))?;
    let mut used = BTreeSet::new();
    for file in sources()? {
        used.extend(keys_used(&fs::read_to_string(&file)?));
    }
    for key in used.difference(&english.keys().cloned().collect()) {
        faults.push(format!("the code uses {key}, which en/messages.json lacks"));
    }
    for key in english.keys() {
        if !used.contains(key) {
            faults.push(format!("en/messages.json has {key}, which nothing uses"));
        }
    }
    for entry in fs::read_dir(locales_dir())? {
        let dir = entry?.path();
        let lang = dir
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_string();
        if lang == "en" {
            continue;
        }
        if lang == PSEUDO_LOCALE {
            faults.push(format!(
                "_locales/{lang} is the generated test locale and must not be committed"
            ));
            continue;
        }
        let other = read_catalogue(&dir.join("messages.json"))?;
        for key in english.keys() {
            match other.get(key) {
                None => faults.push(format!("{lang}/messages.json lacks {key}")),
                Some(message) if substitutions(message) != substitutions(&english[key]) => faults
                    .push(format!(
                        "{lang}/messages.json: {key} takes other substitutions than English's"
                    )),
                Some(_) => {}
            }
        }
        for key in other.keys() {
            if !english.contains_key(key) {
                faults.push(format!(
                    "{lang}/messages.json has {key}, which English lacks"
                ));
            }
        }
        // The stores and the browsers cut a longer description.
        if other
            .get("extDescription")
            .is_some_and(|d| d.chars().count() > 132)
        {
            faults.push(format!(
                "{lang}/messages.json: extDescription is over 132 characters"
            ));
        }
    }
    if english
        .get("extDescription")
        .is_some_and(|d| d.chars().count() > 132)
    {
        faults.push("en/messages.json: extDescription is over 132 characters".to_string());
    }
    Ok(faults)
}

/// Fails the build when the catalogues are not whole.
pub fn check_catalogues() -> Result<()> {
    let faults = catalogue_faults()?;
    if !faults.is_empty() {
        bail!("the extension's catalogues:\n  {}", faults.join("\n  "));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalogues_are_whole_and_every_shown_key_is_in_english() {
        assert_eq!(catalogue_faults().unwrap(), Vec::<String>::new());
    }

    #[test]
    fn keys_are_read_from_rust_html_js_and_the_manifest() {
        let check = |source: &str, expected: &[&str]| {
            let want: BTreeSet<String> = expected.iter().map(|s| s.to_string()).collect();
            assert_eq!(keys_used(source), want, "{source}");
        };
        check(
            r#"el(d, "p", "x", Some(&t("noAccountsYet")))"#,
            &["noAccountsYet"],
        );
        check(r#"t_with("syncedWhen", &[&when])"#, &["syncedWhen"]);
        check("t_with(\n    \"x\", &[])", &["x"]);
        check(r#"s.split("a"); set_text("b"); x.t("c")"#, &[]);
        check(r#"<h2 data-i18n="reading">Reading</h2>"#, &["reading"]);
        check(
            r#"<b data-i18n-attr="aria-label:refreshLabel title:labelsTitle">"#,
            &["refreshLabel", "labelsTitle"],
        );
        check("root.lang = message('lang');", &["lang"]);
        check(r#""name": "__MSG_extName__","#, &["extName"]);
    }

    #[test]
    fn substitutions_are_the_numbered_dollars() {
        let check = |message: &str, expected: &[char]| {
            assert_eq!(
                substitutions(message),
                expected.iter().copied().collect::<BTreeSet<_>>(),
                "{message}"
            );
        };
        check("synced $1", &['1']);
        check("$2 of $1", &['1', '2']);
        check("costs $$5", &[]);
        check("no dollars", &[]);
    }

    #[test]
    fn the_pseudo_locale_accents_and_reverses_words_and_keeps_substitutions() {
        let check = |english: &str, expected: &str| assert_eq!(pseudo(english), expected);
        check("Add", "\u{202E}Áđđ\u{202C}");
        check("synced $1", "\u{202E}šýñçéđ\u{202C} $1");
        check("Reconnect $1.", "\u{202E}Ŕéçóññéçţ\u{202C} $1.");
        check("(e)", "(\u{202E}é\u{202C})");
        check("\u{2190} Inbox", "\u{2192} \u{202E}Íñƀóẋ\u{202C}");
        check("", "");
    }

    #[test]
    fn the_pseudo_catalogue_is_right_to_left() {
        let english: BTreeMap<String, String> = [("lang", "en"), ("dir", "ltr"), ("x", "Hi")]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let pseudo = pseudo_catalogue(&english);
        assert_eq!(pseudo["lang"]["message"], "ar");
        assert_eq!(pseudo["dir"]["message"], "rtl");
        assert_eq!(pseudo["x"]["message"], "\u{202E}Ĥí\u{202C}");
    }
}
