//! The leak audit's search: every encoded form of every token, in some bytes or a whole folder tree.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{HarnessError, Result};

/// Every form a token could be written in: as is, percent-encoded (a form body or a URL), base64 (standard,
/// unpadded, URL-safe) and UTF-16LE (how Chromium's Local Storage keeps strings).
pub fn token_forms(token: &str) -> Vec<Vec<u8>> {
    use base64::Engine as _;
    let engines = [
        base64::engine::general_purpose::STANDARD,
        base64::engine::general_purpose::STANDARD_NO_PAD,
        base64::engine::general_purpose::URL_SAFE_NO_PAD,
    ];
    let percent: String = token
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect();
    let mut forms = vec![token.as_bytes().to_vec(), percent.into_bytes()];
    forms.extend(engines.iter().map(|e| e.encode(token).into_bytes()));
    forms.push(token.encode_utf16().flat_map(u16::to_le_bytes).collect());
    forms.sort();
    forms.dedup();
    forms
}

/// Finds any of a set of tokens, in any of [`token_forms`], in one pass over some bytes.
pub struct TokenSearch {
    matcher: aho_corasick::AhoCorasick,
    patterns: Vec<Vec<u8>>,
    /// The token each pattern is a form of.
    owners: Vec<usize>,
    tokens: Vec<String>,
}

impl TokenSearch {
    pub fn new(tokens: &[String]) -> Result<TokenSearch> {
        let mut patterns = Vec::new();
        let mut owners = Vec::new();
        for (i, token) in tokens.iter().enumerate() {
            for form in token_forms(token) {
                patterns.push(form);
                owners.push(i);
            }
        }
        let matcher = aho_corasick::AhoCorasick::new(&patterns)
            .map_err(|e| HarnessError::Unexpected(format!("token search: {e}")))?;
        Ok(TokenSearch {
            matcher,
            patterns,
            owners,
            tokens: tokens.to_vec(),
        })
    }

    /// The tokens found in `bytes`, each once.
    pub fn find(&self, bytes: &[u8]) -> Vec<String> {
        let mut found: BTreeSet<usize> = BTreeSet::new();
        for m in self.matcher.find_overlapping_iter(bytes) {
            found.insert(self.owners[m.pattern().as_usize()]);
        }
        found.into_iter().map(|i| self.tokens[i].clone()).collect()
    }
}

/// What a search of a folder covered and found.
#[derive(Debug, Default)]
pub struct Searched {
    pub files: usize,
    pub bytes: u64,
    /// Every file searched, with its size.
    pub sizes: Vec<(PathBuf, u64)>,
    /// `(file, token)` for every hit.
    pub hits: Vec<(PathBuf, String)>,
}

impl Searched {
    /// `(files, bytes)` of the searched files under `folder`.
    pub fn under(&self, folder: &Path) -> (usize, u64) {
        self.sizes
            .iter()
            .filter(|(path, _)| path.starts_with(folder))
            .fold((0, 0), |(files, bytes), (_, size)| {
                (files + 1, bytes + size)
            })
    }
}

/// Searches every regular file under `root` (symbolic links are not followed), except those under `skip`.
/// GNU grep reads the files (a debug build of the matcher manages about 1 MB/s, grep hundreds); the files it
/// names are read again here to say which tokens they hold.
pub fn search_tree(root: &Path, skip: &[&Path], search: &TokenSearch) -> Result<Searched> {
    let mut searched = Searched::default();
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if skip.iter().any(|s| path.starts_with(s)) {
                continue;
            }
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            if kind.is_dir() {
                pending.push(path);
            } else if kind.is_file() {
                let size = entry.metadata().map(|m| m.len()).unwrap_or(0);
                searched.files += 1;
                searched.bytes += size;
                searched.sizes.push((path, size));
            }
        }
    }
    if searched.files == 0 {
        return Ok(searched);
    }
    // One pattern a line; the forms are printable ASCII or UTF-16LE of it, so none holds a newline.
    let patterns = tempfile::NamedTempFile::new().map_err(HarnessError::io("a pattern file"))?;
    let mut joined = Vec::new();
    for pattern in &search.patterns {
        joined.extend_from_slice(pattern);
        joined.push(b'\n');
    }
    std::fs::write(patterns.path(), &joined)
        .map_err(HarnessError::io("writing the pattern file"))?;
    let output = Command::new("grep")
        .args(["-r", "-a", "-l", "-F", "-s", "-f"])
        .arg(patterns.path())
        .arg(root)
        .output()
        .map_err(|_| HarnessError::ToolMissing { what: "grep" })?;
    match output.status.code() {
        Some(0 | 1) => {}
        _ => {
            return Err(HarnessError::Unexpected(format!(
                "grep over {} failed: {}",
                root.display(),
                output.status
            )))
        }
    }
    for line in String::from_utf8_lossy(&output.stdout).lines() {
        let path = PathBuf::from(line);
        if skip.iter().any(|s| path.starts_with(s)) {
            continue;
        }
        let bytes = std::fs::read(&path).map_err(HarnessError::io(format!("reading {line}")))?;
        for token in search.find(&bytes) {
            searched.hits.push((path.clone(), token));
        }
    }
    Ok(searched)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_is_found_in_every_form_it_can_be_written_in() {
        use base64::Engine as _;
        let tokens = vec!["1//0abc-DEF_ghi".to_string(), "ya29.a0xyz".to_string()];
        let search = TokenSearch::new(&tokens).unwrap();
        let cases: Vec<(Vec<u8>, Vec<&str>)> = vec![
            (
                b"prefix 1//0abc-DEF_ghi suffix".to_vec(),
                vec!["1//0abc-DEF_ghi"],
            ),
            (
                b"refresh_token=1%2F%2F0abc-DEF_ghi&x".to_vec(),
                vec!["1//0abc-DEF_ghi"],
            ),
            (
                base64::engine::general_purpose::URL_SAFE_NO_PAD
                    .encode("ya29.a0xyz")
                    .into_bytes(),
                vec!["ya29.a0xyz"],
            ),
            (
                "ya29.a0xyz"
                    .encode_utf16()
                    .flat_map(u16::to_le_bytes)
                    .collect(),
                vec!["ya29.a0xyz"],
            ),
            (b"1//0abc-DEF_gh ya29.a0xy".to_vec(), vec![]),
        ];
        for (bytes, want) in cases {
            assert_eq!(
                search.find(&bytes),
                want,
                "{}",
                String::from_utf8_lossy(&bytes)
            );
        }
    }

    #[test]
    fn the_tree_search_names_the_file_and_the_token_and_counts_what_it_read() {
        let dir = tempfile::tempdir().unwrap();
        let tokens = vec!["1//0abc-DEF_ghi".to_string(), "ya29.a0xyz".to_string()];
        let search = TokenSearch::new(&tokens).unwrap();
        std::fs::create_dir_all(dir.path().join("deep/er")).unwrap();
        let leaky = dir.path().join("deep/er/leveldb.log");
        let utf16: Vec<u8> = "ya29.a0xyz"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        std::fs::write(
            &leaky,
            [b"\x00\x01junk".as_slice(), &utf16, b"more"].concat(),
        )
        .unwrap();
        std::fs::write(dir.path().join("clean"), b"1//0abc-DEF_gh only a prefix").unwrap();
        let skipped = dir.path().join("skipped");
        std::fs::create_dir_all(&skipped).unwrap();
        std::fs::write(skipped.join("f"), b"1//0abc-DEF_ghi").unwrap();
        let found = search_tree(dir.path(), &[&skipped], &search).unwrap();
        assert_eq!(found.files, 2);
        assert_eq!(found.hits, [(leaky, "ya29.a0xyz".to_string())]);
        assert_eq!(found.under(&dir.path().join("deep")).0, 1);
    }
}
