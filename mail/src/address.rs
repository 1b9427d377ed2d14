//! Mailboxes: reading what a person types in To, Cc and Bcc (and what Gmail gives as an original's From, To,
//! Cc and Reply-To), checking each address, writing a mailbox into a header, and choosing the recipients of a
//! reply or a reply to all.
//!
//! What is read, liberally, as people type: entries separated by commas, semicolons or line breaks;
//! `Name <a@b>`, `"Lovelace, Ada" <a@b>` (quotes may hold commas, semicolons and `\"`), bare `a@b`,
//! `a@b (Name)`, `Name a@b` (the last word is the address), and groups (`Team: a@b, c@d;`, flattened into
//! their members; `undisclosed-recipients:;` is no one). Empty entries are skipped.
//!
//! What is accepted as an address: ASCII `local@domain` where the local part is a dot-atom or a quoted string
//! of atom characters, dots and spaces (at most 64 characters) and the domain is at least two labels of letters, digits and hyphens (254
//! characters in all). Addresses with non-ASCII characters (RFC 6531) and IP-literal domains are refused
//! with a sentence that says so: the message gmux writes is 7-bit ASCII throughout.

use crate::encode::{plain_quotable, HeaderLine};
use serde::{Deserialize, Serialize};
use std::collections::hash_map::{Entry, HashMap};
use std::fmt;
use thiserror::Error;

/// One person: an address and, optionally, the name shown for it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mailbox {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub address: String,
}

/// What is wrong with one typed entry, as data (the extension words it); the `Display` text is English for
/// tests and logs only.
#[derive(Debug, Clone, PartialEq, Eq, Error, Serialize, Deserialize)]
#[error("{entry:?} is not an email address: {problem}")]
pub struct AddressError {
    /// The entry as typed (cut to 100 characters).
    pub entry: String,
    pub problem: Problem,
}

/// Why an entry is not an address; the extension words each in the browser's language (the `Display` text is
/// English for tests and logs only).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Problem {
    NoAt,
    EmptyLocalPart,
    LocalPartTooLong,
    BadLocalPart,
    NoDomain,
    DomainWithoutDot,
    BadDomain,
    TooLong,
    NonAscii,
    Space,
    LineBreak,
    ControlCharacter,
    UnclosedQuote,
    UnclosedAngle,
    TextAfterAddress,
    NameWithoutAddress,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Problem::NoAt => "it has no @",
            Problem::EmptyLocalPart => "nothing comes before the @",
            Problem::LocalPartTooLong => "the part before the @ is longer than 64 characters",
            Problem::BadLocalPart => {
                "the part before the @ has a character addresses cannot have, or a misplaced dot"
            }
            Problem::NoDomain => "nothing comes after the @",
            Problem::DomainWithoutDot => "the domain after the @ has no dot",
            Problem::BadDomain => {
                "the domain after the @ may only have letters, digits, hyphens and dots between names"
            }
            Problem::TooLong => "it is longer than 254 characters",
            Problem::NonAscii => "addresses with non-ASCII characters are not supported",
            Problem::Space => "it has a space in it",
            Problem::LineBreak => "it has a line break in it",
            Problem::ControlCharacter => "it has a control character in it",
            Problem::UnclosedQuote => "a quote is not closed",
            Problem::UnclosedAngle => "a < is not closed by >",
            Problem::TextAfterAddress => "there is text after the >",
            Problem::NameWithoutAddress => "it is a name without an address",
        })
    }
}

fn error(entry: &str, problem: Problem) -> AddressError {
    AddressError {
        entry: entry.trim().chars().take(100).collect(),
        problem,
    }
}

impl Mailbox {
    /// A mailbox from a name and an address as they are, the address checked. A name that is empty or
    /// only spaces is no name.
    pub fn new(name: Option<&str>, address: &str) -> Result<Mailbox, AddressError> {
        let address = address.trim();
        check_address(address).map_err(|p| error(address, p))?;
        let name = name.map(str::trim).filter(|n| !n.is_empty());
        if let Some(n) = name {
            check_name(n).map_err(|p| error(n, p))?;
        }
        Ok(Mailbox {
            name: name.map(str::to_string),
            address: address.to_string(),
        })
    }

    /// One entry as typed: `Name <a@b>`, `a@b`, `a@b (Name)`.
    pub fn parse(text: &str) -> Result<Mailbox, AddressError> {
        let list = parse_list(text)?;
        match <[Mailbox; 1]>::try_from(list) {
            Ok([one]) => Ok(one),
            Err(list) if list.is_empty() => Err(error(text, Problem::NoAt)),
            Err(_) => Err(error(text, Problem::TextAfterAddress)),
        }
    }

    /// The name as it will be written: trimmed, `None` when empty.
    pub fn shown_name(&self) -> Option<&str> {
        self.name
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty())
    }

    /// Checks a mailbox built by hand (its fields are public): the address as [`Mailbox::new`] does, and a
    /// name without line breaks or control characters other than tab.
    pub fn check(&self) -> Result<(), AddressError> {
        check_address(&self.address).map_err(|p| error(&self.address, p))?;
        if let Some(n) = &self.name {
            check_name(n).map_err(|p| error(n, p))?;
        }
        Ok(())
    }

    /// Whether this is `address`, compared as Gmail compares: without regard to ASCII case.
    pub fn is(&self, address: &str) -> bool {
        self.address.eq_ignore_ascii_case(address.trim())
    }

    /// The domain of the address (after the last `@`), lower-cased.
    pub fn domain(&self) -> String {
        self.address
            .rsplit_once('@')
            .map(|(_, d)| d)
            .unwrap_or("")
            .to_ascii_lowercase()
    }

    /// The mailbox as Gmail shows it in a quote's attribution line and a forwarded block:
    /// `Ada Lovelace <ada@example.com>`, or `<ada@example.com>` without a name. The name is not quoted
    /// (this is body text, not a header); line breaks and control characters in it become spaces.
    pub fn display(&self) -> String {
        match self.shown_name() {
            Some(name) => {
                let name: String = name
                    .chars()
                    .map(|c| if c.is_control() { ' ' } else { c })
                    .collect();
                format!("{name} <{}>", self.address)
            }
            None => format!("<{}>", self.address),
        }
    }

    /// Writes the mailbox into an address header, followed by `,` when another one follows. The name is
    /// written as plain words when it is made of atoms, in a quoted string when it is printable ASCII
    /// without quotes or backslashes, and as RFC 2047 encoded-words otherwise.
    pub fn write(&self, h: &mut HeaderLine, comma: bool) {
        let tail = if comma { "," } else { "" };
        let Some(name) = self.shown_name() else {
            // A quoted local part is written in angle brackets: readers take a bare `"john doe"@x` for
            // a name followed by an address.
            if self.address.starts_with('"') {
                h.token(&format!("<{}>{tail}", self.address));
            } else {
                h.token(&format!("{}{tail}", self.address));
            }
            return;
        };
        if name.split(' ').all(atom_word) {
            for word in name.split(' ') {
                h.token(word);
            }
        } else if plain_quotable(name) {
            h.token(&format!("\"{name}\""));
        } else {
            h.encoded(name);
        }
        h.token(&format!("<{}>{tail}", self.address));
    }
}

/// A word of a display name that needs no quotes: RFC 5322 atext only, not too long to fit a line, and
/// not looking like an encoded-word.
fn atom_word(word: &str) -> bool {
    !word.is_empty() && word.len() <= 60 && word.bytes().all(atext) && !word.contains("=?")
}

fn atext(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-/=?^_`{|}~".contains(&b)
}

/// Writes a list of mailboxes, separated by commas, into an address header.
pub fn write_list(h: &mut HeaderLine, list: &[Mailbox]) {
    for (i, m) in list.iter().enumerate() {
        m.write(h, i + 1 < list.len());
    }
}

fn check_name(name: &str) -> Result<(), Problem> {
    if name.contains(['\r', '\n']) {
        return Err(Problem::LineBreak);
    }
    if name.chars().any(|c| c.is_ascii_control() && c != '\t') {
        return Err(Problem::ControlCharacter);
    }
    Ok(())
}

/// Checks one address (no name, no angle brackets).
pub fn check_address(address: &str) -> Result<(), Problem> {
    if address.contains(['\r', '\n']) {
        return Err(Problem::LineBreak);
    }
    if !address.is_ascii() {
        return Err(Problem::NonAscii);
    }
    if address.bytes().any(|b| b.is_ascii_control()) {
        return Err(Problem::ControlCharacter);
    }
    let Some((local, domain)) = address.rsplit_once('@') else {
        return Err(if address.contains(' ') {
            Problem::Space
        } else {
            Problem::NoAt
        });
    };
    if local.is_empty() {
        return Err(Problem::EmptyLocalPart);
    }
    if domain.is_empty() {
        return Err(Problem::NoDomain);
    }
    if address.len() > 254 {
        return Err(Problem::TooLong);
    }
    if local.len() > 64 {
        return Err(Problem::LocalPartTooLong);
    }
    if let Some(inner) = local.strip_prefix('"') {
        // A quoted local part may hold spaces and dots where a dot-atom cannot, and nothing else that
        // a dot-atom could not: quotes, backslashes, angle brackets, commas or `@` inside it are read
        // differently by every reader, and real addresses do not use them.
        let Some(inner) = inner.strip_suffix('"') else {
            return Err(Problem::BadLocalPart);
        };
        if inner.is_empty() || !inner.bytes().all(|b| atext(b) || b == b' ' || b == b'.') {
            return Err(Problem::BadLocalPart);
        }
    } else {
        if local.contains(' ') {
            return Err(Problem::Space);
        }
        // `=?` starts an encoded-word: readers decode it even inside an address, so the address would
        // show (and parse) as something else. Real addresses do not have it.
        if local.contains("=?") {
            return Err(Problem::BadLocalPart);
        }
        if !local
            .split('.')
            .all(|p| !p.is_empty() && p.bytes().all(atext))
        {
            return Err(Problem::BadLocalPart);
        }
    }
    if domain.contains(' ') {
        return Err(Problem::Space);
    }
    let labels: Vec<&str> = domain.split('.').collect();
    let label_ok = |l: &&str| {
        !l.is_empty()
            && l.len() <= 63
            && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !l.starts_with('-')
            && !l.ends_with('-')
    };
    if domain.len() > 253 || !labels.iter().all(label_ok) {
        return Err(Problem::BadDomain);
    }
    if labels.len() < 2 {
        return Err(Problem::DomainWithoutDot);
    }
    Ok(())
}

/// Reads what a person typed in To, Cc or Bcc. The first entry that is not an address is the error.
pub fn parse_list(input: &str) -> Result<Vec<Mailbox>, AddressError> {
    let mut out = Vec::new();
    for entry in split_entries(input) {
        let entry = entry.map_err(|(text, p)| error(&text, p))?;
        if let Some(m) = parse_entry(&entry).map_err(|p| error(&entry, p))? {
            out.push(m);
        }
    }
    Ok(out)
}

/// Reads an address header of a message gmux received (hostile input): control characters (line breaks
/// included) count as spaces, entries that are not addresses are left out, and the rest are kept.
pub fn parse_list_lenient(input: &str) -> Vec<Mailbox> {
    let input: String = input
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    split_entries(&input)
        .into_iter()
        .filter_map(Result::ok)
        .filter_map(|e| parse_entry(&e).ok().flatten())
        .collect()
}

/// Splits a list into entries at commas, semicolons and line breaks outside quotes, angle brackets and
/// comments, dropping group names (`Team:`). An unclosed quote is an error for its entry.
fn split_entries(input: &str) -> Vec<Result<String, (String, Problem)>> {
    let mut entries = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut escaped = false;
    let mut angle = false;
    let mut comment = 0usize;
    for c in input.chars() {
        if quoted {
            cur.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                quoted = false;
            }
            continue;
        }
        match c {
            '"' if comment == 0 => {
                quoted = true;
                cur.push(c);
            }
            '(' if !angle => {
                comment += 1;
                cur.push(c);
            }
            ')' if comment > 0 => {
                comment -= 1;
                cur.push(c);
            }
            '<' if comment == 0 => {
                angle = true;
                cur.push(c);
            }
            '>' if comment == 0 => {
                angle = false;
                cur.push(c);
            }
            ',' | ';' | '\n' | '\r' if !angle && comment == 0 => {
                entries.push(Ok(std::mem::take(&mut cur)));
            }
            ':' if !angle && comment == 0 && !cur.contains('@') => {
                // A group's name: its members follow.
                cur.clear();
            }
            _ => cur.push(c),
        }
    }
    if quoted {
        entries.push(Err((cur, Problem::UnclosedQuote)));
    } else {
        entries.push(Ok(cur));
    }
    entries
}

/// Reads one entry; `Ok(None)` for an empty one.
fn parse_entry(entry: &str) -> Result<Option<Mailbox>, Problem> {
    let entry = entry.trim();
    if entry.is_empty() {
        return Ok(None);
    }
    let (outside, comments) = strip_comments(entry);
    let outside = outside.trim();
    if let Some(open) = find_outside_quotes(outside, '<') {
        let rest = &outside[open + 1..];
        let Some(close) = rest.find('>') else {
            return Err(Problem::UnclosedAngle);
        };
        if !rest[close + 1..].trim().is_empty() {
            return Err(Problem::TextAfterAddress);
        }
        let address = rest[..close].trim();
        check_address(address)?;
        let name = unquote(outside[..open].trim())?;
        let name = name.or(comments);
        return Ok(Some(Mailbox {
            name,
            address: address.to_string(),
        }));
    }
    // No angle brackets: a bare address, or `Name a@b`, or `"Name" a@b`.
    let (name_part, address) = match last_space_outside_quotes(outside) {
        Some(i) if outside[i..].contains('@') => (outside[..i].trim(), outside[i..].trim()),
        _ => ("", outside),
    };
    if !address.contains('@') {
        return Err(
            if address.is_empty() || !name_part.is_empty() || address.contains(' ') {
                Problem::NameWithoutAddress
            } else {
                Problem::NoAt
            },
        );
    }
    check_address(address)?;
    let name = unquote(name_part)?.or(comments);
    Ok(Some(Mailbox {
        name,
        address: address.to_string(),
    }))
}

/// The entry without its comments (outside quotes), and the first comment's text, which old mailers use
/// for the name (`a@b (Ada)`).
fn strip_comments(entry: &str) -> (String, Option<String>) {
    let mut outside = String::new();
    let mut first: Option<String> = None;
    let mut current = String::new();
    let mut depth = 0usize;
    let mut quoted = false;
    let mut escaped = false;
    let mut angle = false;
    for c in entry.chars() {
        if depth > 0 {
            match c {
                '(' => depth += 1,
                ')' => depth -= 1,
                _ => {}
            }
            if depth == 0 {
                if first.is_none() {
                    let text = current.trim().to_string();
                    first = (!text.is_empty()).then_some(text);
                }
                current.clear();
            } else {
                current.push(c);
            }
            continue;
        }
        if quoted {
            outside.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                quoted = false;
            }
            continue;
        }
        match c {
            '"' => {
                quoted = true;
                outside.push(c);
            }
            '<' => {
                angle = true;
                outside.push(c);
            }
            '>' => {
                angle = false;
                outside.push(c);
            }
            '(' if !angle => depth = 1,
            _ => outside.push(c),
        }
    }
    if first.as_deref().is_some_and(|c| check_name(c).is_err()) {
        first = None;
    }
    (outside, first)
}

/// The byte position of the last whitespace outside quoted strings.
fn last_space_outside_quotes(text: &str) -> Option<usize> {
    let mut quoted = false;
    let mut escaped = false;
    let mut last = None;
    for (i, c) in text.char_indices() {
        if quoted {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                quoted = false;
            }
        } else if c == '"' {
            quoted = true;
        } else if c.is_whitespace() {
            last = Some(i);
        }
    }
    last
}

/// The byte position of `needle` outside quoted strings.
fn find_outside_quotes(text: &str, needle: char) -> Option<usize> {
    let mut quoted = false;
    let mut escaped = false;
    for (i, c) in text.char_indices() {
        if quoted {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                quoted = false;
            }
        } else if c == '"' {
            quoted = true;
        } else if c == needle {
            return Some(i);
        }
    }
    None
}

/// A display name as typed: quoted parts unquoted (with `\x` read as `x`), trimmed; `None` when empty.
fn unquote(name: &str) -> Result<Option<String>, Problem> {
    let mut out = String::new();
    let mut quoted = false;
    let mut escaped = false;
    for c in name.chars() {
        if escaped {
            out.push(c);
            escaped = false;
        } else if quoted && c == '\\' {
            escaped = true;
        } else if c == '"' {
            quoted = !quoted;
        } else {
            out.push(c);
        }
    }
    if quoted {
        return Err(Problem::UnclosedQuote);
    }
    check_name(&out)?;
    let out = out.trim();
    Ok((!out.is_empty()).then(|| out.to_string()))
}

/// The recipients of a reply.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplyRecipients {
    pub to: Vec<Mailbox>,
    pub cc: Vec<Mailbox>,
}

/// The address headers of the message being answered, as Gmail gives them (decoded header values).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OriginalAddresses {
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub reply_to: String,
    #[serde(default)]
    pub to: String,
    #[serde(default)]
    pub cc: String,
}

/// Who a reply goes to, as Gmail chooses:
///
/// - reply: the original's Reply-To, or its From; when the original is the user's own (From is one of
///   `own`: the account and its send-as aliases), its To instead, as Gmail continues a conversation the
///   user started;
/// - reply to all: To is that plus the original's To, Cc is the original's Cc.
///
/// Addresses are compared without ASCII case; each appears once (the first time, taking a name from a
/// later mention when the first had none); the user's own addresses are removed, unless nobody else
/// is left (a note to self). When To ends up empty, Cc moves into To. Entries of the original that are
/// not addresses are skipped: this is hostile input, not the user's typing.
pub fn reply_recipients(
    original: &OriginalAddresses,
    own: &[String],
    all: bool,
) -> ReplyRecipients {
    let from = parse_list_lenient(&original.from);
    let reply_to = parse_list_lenient(&original.reply_to);
    let to = parse_list_lenient(&original.to);
    let cc = parse_list_lenient(&original.cc);
    let is_own = |m: &Mailbox| own.iter().any(|o| m.is(o));
    let from_self = from.first().is_some_and(is_own);
    let primary: Vec<Mailbox> = if from_self {
        to.clone()
    } else if !reply_to.is_empty() {
        reply_to
    } else {
        from.clone()
    };
    let (mut new_to, mut new_cc) = if all {
        let mut t = primary.clone();
        if !from_self {
            t.extend(to.iter().cloned());
        }
        (t, cc)
    } else {
        (primary.clone(), Vec::new())
    };
    // Each address once, where it first appears; a later mention lends its name to a bare first one.
    // Indexed by lower-cased address: a hostile original may list thousands.
    let mut merged: Vec<(Mailbox, bool)> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    let tagged = new_to.drain(..).map(|m| (m, false));
    for (m, in_cc) in tagged.chain(new_cc.drain(..).map(|m| (m, true))) {
        match index.entry(m.address.to_ascii_lowercase()) {
            Entry::Occupied(at) => {
                let earlier = &mut merged[*at.get()].0;
                if earlier.shown_name().is_none() && m.shown_name().is_some() {
                    earlier.name = m.name;
                }
            }
            Entry::Vacant(slot) => {
                slot.insert(merged.len());
                merged.push((m, in_cc));
            }
        }
    }
    let (merged_cc, merged_to): (Vec<_>, Vec<_>) = merged.into_iter().partition(|(_, cc)| *cc);
    let new_to: Vec<Mailbox> = merged_to.into_iter().map(|(m, _)| m).collect();
    let new_cc: Vec<Mailbox> = merged_cc.into_iter().map(|(m, _)| m).collect();
    let others_to: Vec<Mailbox> = new_to.iter().filter(|m| !is_own(m)).cloned().collect();
    let others_cc: Vec<Mailbox> = new_cc.iter().filter(|m| !is_own(m)).cloned().collect();
    if others_to.is_empty() && others_cc.is_empty() {
        // Only the user is left: a note to self goes back to the user.
        let mut to = new_to;
        to.extend(new_cc);
        to.truncate(1);
        if to.is_empty() {
            to = from.into_iter().take(1).collect();
        }
        return ReplyRecipients { to, cc: Vec::new() };
    }
    if others_to.is_empty() {
        return ReplyRecipients {
            to: others_cc,
            cc: Vec::new(),
        };
    }
    ReplyRecipients {
        to: others_to,
        cc: others_cc,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mb(name: Option<&str>, address: &str) -> Mailbox {
        Mailbox {
            name: name.map(str::to_string),
            address: address.to_string(),
        }
    }

    fn check(input: &str, expected: Result<Vec<Mailbox>, (&str, Problem)>) {
        let got = parse_list(input).map_err(|e| (e.entry, e.problem));
        let expected = expected.map_err(|(e, p)| (e.to_string(), p));
        assert_eq!(got, expected, "for {input:?}");
    }

    #[test]
    fn typed_lists() {
        let ada = || mb(Some("Ada Lovelace"), "ada@example.com");
        check("ada@example.com", Ok(vec![mb(None, "ada@example.com")]));
        check("Ada Lovelace <ada@example.com>", Ok(vec![ada()]));
        check("  Ada Lovelace   <ada@example.com> ,", Ok(vec![ada()]));
        check("\"Ada Lovelace\" <ada@example.com>", Ok(vec![ada()]));
        check("Ada Lovelace ada@example.com", Ok(vec![ada()]));
        check("ada@example.com (Ada Lovelace)", Ok(vec![ada()]));
        check(
            "\"Lovelace, Ada; Countess\" <ada@example.com>; b@example.org,,",
            Ok(vec![
                mb(Some("Lovelace, Ada; Countess"), "ada@example.com"),
                mb(None, "b@example.org"),
            ]),
        );
        check(
            r#""Ada \"the\" Countess" <ada@example.com>"#,
            Ok(vec![mb(Some("Ada \"the\" Countess"), "ada@example.com")]),
        );
        check(
            "a@example.com\nb@example.com\r\nc@example.com",
            Ok(vec![
                mb(None, "a@example.com"),
                mb(None, "b@example.com"),
                mb(None, "c@example.com"),
            ]),
        );
        check(
            "Team: a@example.com, Bob <b@example.com>; c@example.com",
            Ok(vec![
                mb(None, "a@example.com"),
                mb(Some("Bob"), "b@example.com"),
                mb(None, "c@example.com"),
            ]),
        );
        check("undisclosed-recipients:;", Ok(vec![]));
        check("", Ok(vec![]));
        check(
            "Zoë <zoe@example.com>",
            Ok(vec![mb(Some("Zoë"), "zoe@example.com")]),
        );
        check(
            "\"john doe\"@example.com",
            Ok(vec![mb(None, "\"john doe\"@example.com")]),
        );
        check("a@example.com, bob", Err(("bob", Problem::NoAt)));
        check("Bob Smith", Err(("Bob Smith", Problem::NameWithoutAddress)));
        check("ada@", Err(("ada@", Problem::NoDomain)));
        check(
            "@example.com",
            Err(("@example.com", Problem::EmptyLocalPart)),
        );
        check(
            "ada@localhost",
            Err(("ada@localhost", Problem::DomainWithoutDot)),
        );
        check(
            "ada@exa_mple.com",
            Err(("ada@exa_mple.com", Problem::BadDomain)),
        );
        check(
            "ada..x@example.com",
            Err(("ada..x@example.com", Problem::BadLocalPart)),
        );
        check(
            "josé@example.com",
            Err(("josé@example.com", Problem::NonAscii)),
        );
        check(
            "=?utf-8?q?x?=eve@example.com",
            Err(("=?utf-8?q?x?=eve@example.com", Problem::BadLocalPart)),
        );
        check(
            "Ada <ada@example.com",
            Err(("Ada <ada@example.com", Problem::UnclosedAngle)),
        );
        check(
            "Ada <ada@example.com> x",
            Err(("Ada <ada@example.com> x", Problem::TextAfterAddress)),
        );
        check(
            "\"Ada <ada@example.com>",
            Err(("\"Ada <ada@example.com>", Problem::UnclosedQuote)),
        );
        check(
            "\"Ada\rX\" <ada@example.com>",
            Err(("\"Ada\rX\" <ada@example.com>", Problem::LineBreak)),
        );
        check(
            "Ada <ada@ex ample.com>",
            Err(("Ada <ada@ex ample.com>", Problem::Space)),
        );
    }

    #[test]
    fn error_names_the_entry() {
        let e = parse_list("ok@example.com, not an address").unwrap_err();
        assert_eq!(
            e.to_string(),
            "\"not an address\" is not an email address: it is a name without an address"
        );
    }

    fn written(m: &Mailbox) -> String {
        let mut h = HeaderLine::new("To");
        m.write(&mut h, false);
        h.finish()
    }

    #[test]
    fn mailboxes_in_headers() {
        let cases = [
            (mb(None, "a@example.com"), "To: a@example.com\r\n"),
            (
                mb(Some("Ada Lovelace"), "a@example.com"),
                "To: Ada Lovelace <a@example.com>\r\n",
            ),
            (
                mb(Some("Lovelace, Ada"), "a@example.com"),
                "To: \"Lovelace, Ada\" <a@example.com>\r\n",
            ),
            (
                mb(Some("A. Lovelace"), "a@example.com"),
                "To: \"A. Lovelace\" <a@example.com>\r\n",
            ),
            (
                mb(Some("Ada \"the\" Countess"), "a@example.com"),
                "To: =?utf-8?q?Ada_=22the=22_Countess?= <a@example.com>\r\n",
            ),
            (
                mb(Some("Zoë"), "z@example.com"),
                "To: =?utf-8?q?Zo=C3=AB?= <z@example.com>\r\n",
            ),
            (mb(Some("  "), "a@example.com"), "To: a@example.com\r\n"),
        ];
        for (m, expected) in cases {
            assert_eq!(written(&m), expected);
        }
    }

    fn recipients(
        from: &str,
        reply_to: &str,
        to: &str,
        cc: &str,
        all: bool,
    ) -> (Vec<String>, Vec<String>) {
        let own = vec![
            "me@example.com".to_string(),
            "Me.Alias@Example.org".to_string(),
        ];
        let original = OriginalAddresses {
            from: from.into(),
            reply_to: reply_to.into(),
            to: to.into(),
            cc: cc.into(),
        };
        let r = reply_recipients(&original, &own, all);
        let show = |l: Vec<Mailbox>| l.iter().map(|m| m.display()).collect();
        (show(r.to), show(r.cc))
    }

    #[test]
    fn reply_and_reply_all() {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        // A reply goes to the sender, or to Reply-To when there is one.
        assert_eq!(
            recipients(
                "Ada <ada@example.com>",
                "",
                "me@example.com, Bob <bob@example.com>",
                "",
                false
            ),
            (s(&["Ada <ada@example.com>"]), s(&[]))
        );
        assert_eq!(
            recipients(
                "Ada <ada@example.com>",
                "list@example.com",
                "me@example.com",
                "",
                false
            ),
            (s(&["<list@example.com>"]), s(&[]))
        );
        // Reply to all: sender and To in To, Cc in Cc, the user's own addresses (any case) removed,
        // each address once.
        assert_eq!(
            recipients(
                "Ada <ada@example.com>",
                "",
                "ME@example.com, Bob <bob@example.com>, ADA@example.com",
                "me.alias@example.org, Carol <carol@example.com>, bob@EXAMPLE.com",
                true
            ),
            (
                s(&["Ada <ada@example.com>", "Bob <bob@example.com>"]),
                s(&["Carol <carol@example.com>"])
            )
        );
        // A later mention lends its name to an earlier bare one.
        assert_eq!(
            recipients("ada@example.com", "", "Ada L <ada@example.com>", "", true),
            (s(&["Ada L <ada@example.com>"]), s(&[]))
        );
        // Replying to one's own message continues to its recipients.
        assert_eq!(
            recipients(
                "Me <me@example.com>",
                "",
                "Bob <bob@example.com>",
                "carol@example.com",
                true
            ),
            (s(&["Bob <bob@example.com>"]), s(&["<carol@example.com>"]))
        );
        assert_eq!(
            recipients(
                "Me <me@example.com>",
                "",
                "Bob <bob@example.com>",
                "carol@example.com",
                false
            ),
            (s(&["Bob <bob@example.com>"]), s(&[]))
        );
        // A note to self is answered to self.
        assert_eq!(
            recipients("me@example.com", "", "me@example.com", "", true),
            (s(&["<me@example.com>"]), s(&[]))
        );
        // Only Cc left after removing the user: it becomes To.
        assert_eq!(
            recipients(
                "me@example.com",
                "",
                "me.alias@example.org",
                "Dan <dan@example.com>",
                true
            ),
            (s(&["Dan <dan@example.com>"]), s(&[]))
        );
        // Entries of the original that are not addresses are skipped.
        assert_eq!(
            recipients(
                "Ada <ada@example.com>",
                "",
                "garbage, <>, bob@example.com",
                "",
                true
            ),
            (s(&["Ada <ada@example.com>", "<bob@example.com>"]), s(&[]))
        );
        // Control characters in its names are spaces, not a reason to lose the sender.
        assert_eq!(
            recipients("\"Ada\r\n\x1b[31m\" <ada@example.com>", "", "", "", false),
            (s(&["Ada   [31m <ada@example.com>"]), s(&[]))
        );
    }
}
