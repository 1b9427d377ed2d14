//! gmux-mail's integration tests: fixtures from `tests/fixtures/` read as the reader page reads them.

mod hostile;
mod messages;

use gmux_mail::charset::Charsets;
use std::path::PathBuf;

/// `encoding_rs`: the decoders the browser's `TextDecoder` has, as the extension's caller will supply them.
pub struct EncodingRs;

impl Charsets for EncodingRs {
    fn decode(&self, label: &str, bytes: &[u8]) -> Option<String> {
        let encoding = encoding_rs::Encoding::for_label(label.as_bytes())?;
        Some(encoding.decode_without_bom_handling(bytes).0.into_owned())
    }
}

pub fn fixture(path: &str) -> Vec<u8> {
    let full = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(path);
    std::fs::read(&full).unwrap_or_else(|e| panic!("reading {}: {e}", full.display()))
}
