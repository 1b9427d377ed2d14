//! The HTML sanitiser (`gmux_mail::sanitize::sanitize`): mail is hostile HTML, and its output goes into a
//! sandboxed iframe's `srcdoc`.
//!
//! A corpus file is one HTML body (bytes that are not UTF-8 are read lossily, as the reader decodes them
//! before sanitising). Each input is sanitised twice, remote content blocked and allowed. Properties:
//! - never panics, never hangs (html5ever's quadratic corners are capped: depth, node count, attributes);
//! - the oracle: `gmux_mail::sanitize::inert::check_inert`, an independent checker that parses the document
//!   again with scripting on and off and finds no script-capable element, no `on*` attribute, no URL outside
//!   http/https/mailto links and `data:image` (plus http(s) images when allowed), no CSS that loads,
//!   positions fixed/absolute/sticky or runs (`expression`, `behavior`, `-moz-binding`, `@import`);
//! - nothing is counted as a blocked remote image when remote content is allowed;
//! - the document grows at most linearly: 16 bytes per input byte plus the fixed head.

use gmux_fuzz::{signature, Target, Verdict};
use gmux_mail::sanitize::{inert::check_inert, sanitize, SanitizeOptions};
use rand::rngs::StdRng;
use rand::Rng;
use std::collections::BTreeMap;

const DICTIONARY: &[&[u8]] = &[
    b"<script>alert(1)</script>",
    b"<img src=x onerror=alert(1)>",
    b"<a href=\"javascript:alert(1)\">",
    b"<a href=\"https://x.test/\">",
    b"java\tscript:",
    b"&#106;avascript:",
    b"<svg><style>",
    b"<math><mtext><table><mglyph><style>",
    b"<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\">",
    b"<style>",
    b"</style>",
    b"<textarea>",
    b"<xmp>",
    b"<iframe srcdoc=",
    b"<template>",
    b"<form><input>",
    b"<meta http-equiv=refresh content=0;url=javascript:alert(1)>",
    b"<base href=https://x.test/>",
    b"<div class=\"gmail_quote\">",
    b"<blockquote type=cite>",
    b"style=\"position:fixed\"",
    b"style=\"background:url(https://t.test/p.gif)\"",
    b"u\\72l(",
    b"e\\78pression(",
    b"@import url(x.css);",
    b"@media screen{",
    b"@font-face{src:url(https://f.test/f)}",
    b"<img src=\"cid:logo\">",
    b"<img srcset=\"https://t.test/a.png 1x, data:image/png;base64,AA== 2x\">",
    b"background=\"https://t.test/b.png\"",
    b"data:image/svg+xml,<svg onload=alert(1)>",
    b"data:image/png;base64,iVBORw0KGgo=",
    b"<!--><img src=x onerror=alert(1)>-->",
    b"<![CDATA[",
    b"<plaintext>",
    b"<table><tr><td>",
    b"<pre>\n",
    b"\0",
    b"\r\n",
    b"&quot;",
    b"/**/",
];

pub const TARGET: Target = Target {
    name: "mail_sanitize",
    check,
    dictionary: DICTIONARY,
    structured: None,
    generate: Some(generate),
    max_len: 1 << 16,
};

#[test]
fn mail_sanitize() {
    super::fuzz(TARGET);
}

fn check(input: &[u8]) -> Verdict {
    let html = String::from_utf8_lossy(input);
    let cids = BTreeMap::from([(
        "logo".to_string(),
        "data:image/png;base64,iVBORw0KGgo=".to_string(),
    )]);
    let mut outcome = Vec::new();
    for allow_remote in [false, true] {
        let out = sanitize(
            &html,
            &SanitizeOptions {
                allow_remote,
                cid_images: &cids,
            },
        );
        check_inert(&out.document, allow_remote)
            .map_err(|e| format!("remote {allow_remote}: not inert: {e}\n{}", out.document))?;
        if allow_remote && out.remote_blocked != 0 {
            return Err(format!(
                "{} remote images blocked while allowed",
                out.remote_blocked
            ));
        }
        if out.document.len() > 16 * input.len() + 4096 {
            return Err(format!(
                "{} bytes out of {} in",
                out.document.len(),
                input.len()
            ));
        }
        outcome.push((
            out.remote_blocked.min(4),
            out.has_quote,
            out.notices.len(),
            out.used_cids.len(),
            out.missing_cids.len().min(2),
            out.document.len().min(1 << 14) / 256,
        ));
    }
    Ok(signature(outcome))
}

/// A fresh body from the dictionary's pieces and some text, so the pool never narrows.
fn generate(rng: &mut StdRng) -> Vec<u8> {
    let mut out = Vec::new();
    for _ in 0..rng.gen_range(1..24) {
        if rng.gen_bool(0.7) {
            out.extend_from_slice(DICTIONARY[rng.gen_range(0..DICTIONARY.len())]);
        } else {
            out.extend_from_slice(b"text ");
        }
    }
    out
}
