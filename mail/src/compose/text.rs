//! The text Gmail writes around a reply or a forward: subjects (`Re: `, `Fwd: `), the attribution line and
//! `> ` quoting of a reply, and the `---------- Forwarded message ---------` block. All of it is body text
//! or a subject the user can still edit; nothing here reaches a header without the builder's checks.

use super::date::{gmail_date, DateStyle};
use crate::address::parse_list_lenient;

/// Reply prefixes Gmail's threading looks past, compared without case: `Re:` and its translations that
/// mail clients write (German `Aw:`, Nordic `Sv:` and `Vs:`, Dutch `Antw:`, Polish `Odp:`, Italian `R:`
/// and `Rif:`, Portuguese `Res:`). A subject that already starts with one gets no second prefix.
const REPLY_PREFIXES: &[&str] = &[
    "re:", "aw:", "sv:", "vs:", "antw:", "odp:", "r:", "rif:", "res:",
];

/// Forward prefixes: `Fwd:` (Gmail's own), `Fw:` (Outlook's).
const FORWARD_PREFIXES: &[&str] = &["fwd:", "fw:"];

/// The subject of a reply: `Re: ` and the original's subject, unless that already starts with a reply
/// prefix. Control characters of a hostile original become spaces, so the user is never blocked by a
/// subject they did not type.
pub fn reply_subject(original: &str) -> String {
    prefixed(original, REPLY_PREFIXES, "Re:")
}

/// The subject of a forward: `Fwd: ` and the original's subject, unless it already starts with `Fwd:` or
/// `Fw:` (gmux does not stack forward prefixes).
pub fn forward_subject(original: &str) -> String {
    prefixed(original, FORWARD_PREFIXES, "Fwd:")
}

fn prefixed(original: &str, known: &[&str], prefix: &str) -> String {
    let clean = header_text(original);
    let subject = clean.trim();
    let lower = subject.to_lowercase();
    if known.iter().any(|p| lower.starts_with(p)) {
        return subject.to_string();
    }
    if subject.is_empty() {
        return prefix.to_string();
    }
    format!("{prefix} {subject}")
}

/// Text from a received header made fit for a header the user sends: every control character (line
/// breaks included) becomes a space.
pub fn header_text(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// Line breaks of any kind (CRLF, CR, LF) as LF.
pub fn lf_lines(text: &str) -> String {
    text.replace("\r\n", "\n").replace('\r', "\n")
}

/// A list of mailboxes from a received header as Gmail's quote lines show them:
/// `Ada Lovelace <ada@example.com>, <bob@example.com>`. A header gmux cannot read is shown as it is,
/// control characters made spaces.
fn shown_list(header: &str) -> String {
    let list = parse_list_lenient(header);
    if list.is_empty() {
        return header_text(header).trim().to_string();
    }
    list.iter()
        .map(|m| m.display())
        .collect::<Vec<_>>()
        .join(", ")
}

/// What a quote or a forwarded block says about the original.
pub struct QuoteSource<'a> {
    pub from: &'a str,
    pub to: &'a str,
    pub cc: &'a str,
    pub subject: &'a str,
    pub date_ms: Option<i64>,
    pub date_offset_minutes: i32,
    pub text: &'a str,
    pub style: DateStyle,
}

/// Gmail's attribution line and the original's text quoted: `On Mon, Dec 7, 2026 at 9:14 AM Ada Lovelace
/// <ada@example.com> wrote:`, then each line prefixed with `> `; an empty line becomes `>` and a line
/// that is already quoted gets one more `>` without a space (`>> text`), so nested quotes stay aligned.
/// Without a date (a hostile or missing one) the line is `Ada Lovelace <ada@example.com> wrote:`. Gmail
/// also hard-wraps the attribution line at 76 characters in plain text; gmux does not, as its body is
/// quoted-printable and keeps lines whole.
pub fn quote_reply(q: &QuoteSource<'_>) -> String {
    let from = shown_list(q.from);
    let date = q
        .date_ms
        .and_then(|ms| gmail_date(ms, q.date_offset_minutes, q.style));
    let mut out = match (date, q.style) {
        (Some(d), DateStyle::EnUs) => format!("On {d} {from} wrote:\n"),
        (Some(d), DateStyle::EnGb) => format!("On {d}, {from} wrote:\n"),
        (None, _) => format!("{from} wrote:\n"),
    };
    let text = lf_lines(q.text);
    for line in text.trim_end_matches('\n').split('\n') {
        if line.is_empty() {
            out.push('>');
        } else if line.starts_with('>') {
            out.push('>');
            out.push_str(line);
        } else {
            out.push_str("> ");
            out.push_str(line);
        }
        out.push('\n');
    }
    out
}

/// Gmail's forwarded block (ten dashes, `Forwarded message`, nine dashes), the original's From, Date,
/// Subject, To and (when it had one) Cc lines, a blank line, then the original's text as it was.
pub fn forward_block(q: &QuoteSource<'_>) -> String {
    let mut out = String::from("---------- Forwarded message ---------\n");
    out.push_str(&format!("From: {}\n", shown_list(q.from)));
    if let Some(d) = q
        .date_ms
        .and_then(|ms| gmail_date(ms, q.date_offset_minutes, q.style))
    {
        out.push_str(&format!("Date: {d}\n"));
    }
    out.push_str(&format!("Subject: {}\n", header_text(q.subject).trim()));
    out.push_str(&format!("To: {}\n", shown_list(q.to)));
    if !q.cc.trim().is_empty() {
        out.push_str(&format!("Cc: {}\n", shown_list(q.cc)));
    }
    out.push('\n');
    let text = lf_lines(q.text);
    out.push_str(text.trim_end_matches('\n'));
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects() {
        let cases = [
            ("Lunch", "Re: Lunch", "Fwd: Lunch"),
            ("Re: Lunch", "Re: Lunch", "Fwd: Re: Lunch"),
            ("RE: Lunch", "RE: Lunch", "Fwd: RE: Lunch"),
            ("AW: Mittag", "AW: Mittag", "Fwd: AW: Mittag"),
            ("Fwd: Lunch", "Re: Fwd: Lunch", "Fwd: Lunch"),
            ("FW: Lunch", "Re: FW: Lunch", "FW: Lunch"),
            ("Reunion", "Re: Reunion", "Fwd: Reunion"),
            ("  spaced  ", "Re: spaced", "Fwd: spaced"),
            ("", "Re:", "Fwd:"),
            (
                "a\r\nBcc: x@example.com",
                "Re: a  Bcc: x@example.com",
                "Fwd: a  Bcc: x@example.com",
            ),
        ];
        for (original, reply, forward) in cases {
            assert_eq!(reply_subject(original), reply, "reply to {original:?}");
            assert_eq!(
                forward_subject(original),
                forward,
                "forward of {original:?}"
            );
        }
    }

    /// 2026-12-07T08:14:05Z.
    const T: i64 = 1_796_631_245_000;

    fn source<'a>(text: &'a str, style: DateStyle) -> QuoteSource<'a> {
        QuoteSource {
            from: "Ada Lovelace <ada@example.com>",
            to: "bob@example.com, \"Lovelace, Ada\" <ada@example.com>",
            cc: "",
            subject: "Notes",
            date_ms: Some(T),
            date_offset_minutes: 60,
            text,
            style,
        }
    }

    #[test]
    fn reply_quotes() {
        assert_eq!(
            quote_reply(&source(
                "Hello\r\n\r\n> earlier\r\nBye\r\n",
                DateStyle::EnUs
            )),
            "On Mon, Dec 7, 2026 at 9:14\u{202f}AM Ada Lovelace <ada@example.com> wrote:\n\
             > Hello\n>\n>> earlier\n> Bye\n"
        );
        assert_eq!(
            quote_reply(&source("Hello", DateStyle::EnGb)),
            "On Mon, 7 Dec 2026 at 09:14, Ada Lovelace <ada@example.com> wrote:\n> Hello\n"
        );
        let mut undated = source("x", DateStyle::EnUs);
        undated.date_ms = Some(i64::MAX);
        undated.from = "bob@example.com";
        assert_eq!(quote_reply(&undated), "<bob@example.com> wrote:\n> x\n");
    }

    #[test]
    fn forwarded_block() {
        let mut s = source("Body\n", DateStyle::EnUs);
        s.cc = "carol@example.com";
        assert_eq!(
            forward_block(&s),
            "---------- Forwarded message ---------\n\
             From: Ada Lovelace <ada@example.com>\n\
             Date: Mon, Dec 7, 2026 at 9:14\u{202f}AM\n\
             Subject: Notes\n\
             To: <bob@example.com>, Lovelace, Ada <ada@example.com>\n\
             Cc: <carol@example.com>\n\
             \n\
             Body\n"
        );
    }
}
