//! gmux-mail: mail as data. No IO, no clock, no browser: the caller hands in what it fetched from Gmail (or what
//! the user typed) and gets plain values back, so the most hostile input gmux handles is tested and fuzzed
//! natively.
//!
//! Reading: `mime` walks a Gmail `format=full` payload into a message's parts and chooses its body, `charset`
//! decodes bytes through a [`charset::Charsets`] the caller implements (`TextDecoder` in the browser,
//! `encoding_rs` natively), `quote` finds quoted text, `sanitize` turns hostile HTML into inert markup.
//! Writing: `address` parses and formats mailboxes, `encode` does RFC 2047 and RFC 2231, `compose` builds an
//! RFC 5322 message (replies, forwards, attachments).

pub mod address;
mod bytes;
pub mod charset;
pub mod compose;
pub mod encode;
mod image;
pub mod mime;
mod notice;
pub mod quote;
pub mod sanitize;
