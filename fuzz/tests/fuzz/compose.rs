//! The message builder (`gmux_mail::compose::build`, with `address::parse_list` for what a person types and
//! `Draft::reply`/`Draft::forward` for what comes from a received message).
//!
//! A corpus file is a draft's fields separated by the byte 0x1E (record separator), each read as UTF-8
//! lossily (so invalid bytes and UTF-8-encoded surrogates arrive as U+FFFD, as from the page):
//!
//! `mode ␞ from name ␞ from address ␞ to ␞ cc ␞ bcc ␞ subject ␞ body ␞ file name ␞ file type ␞ file bytes ␞
//! original Message-ID ␞ original References ␞ original From ␞ original To ␞ original subject ␞
//! original text ␞ times`
//!
//! `mode` is `new`, `reply`, `reply-all` or `forward`, optionally with ` gb` (the en-GB date form); To, Cc
//! and Bcc are typed lists (a list that does not parse is kept in the signature and read leniently);
//! the file is attached when its name field is present; `times` is `now_ms offset original_ms`. Missing
//! fields are empty. Properties:
//! - `build` returns a message or an error, never panics or hangs;
//! - a refusal is justified: a line break or control character really is in a header field, an address
//!   really fails its check; and a draft whose header fields are clean, whose mailboxes check and whose
//!   sizes and times are in range is never refused;
//! - a message is 7-bit ASCII with CRLF line ends only, no line over 998 characters, and a line over 78
//!   only when it is one unbreakable token; `measure` gives its exact length;
//! - mail-parser (an independent reader) finds exactly the headers gmux writes, in order (so nothing was
//!   smuggled into a header of its own), with the same From, To, Cc, Bcc, Subject, Message-ID, Date,
//!   In-Reply-To and References; the same text; and each attachment with its name, type and bytes.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use gmux_fuzz::{signature, Target, Verdict};
use gmux_mail::address::{parse_list, parse_list_lenient, Mailbox};
use gmux_mail::compose::{
    build, measure, Attachment, ComposeError, DateStyle, Draft, Original, MAX_ATTACHMENT_BYTES,
};
use mail_parser::{MessageParser, MimeHeaders, PartType};
use rand::rngs::StdRng;
use rand::Rng;

const SEP: u8 = 0x1e;
const FIELDS: usize = 18;
const RANDOM: [u8; 16] = *b"gmux-fuzz-random";
/// Monday 7 December 2026, 08:14:05 UTC.
const NOW: i64 = 1_796_631_245_000;

const DICTIONARY: &[&[u8]] = &[
    &[SEP],
    b"\r\n",
    b"\n",
    b"\r",
    b"\r\nBcc: eve@evil.example\r\n",
    b"\nX-Injected: 1",
    b"\0",
    b"\t",
    b"\x7f",
    b"\x1b[31m",
    b"=?utf-8?q?injected?=",
    b"=?utf-8?b?SGk=?=",
    b"=?",
    b"?=",
    b"\"",
    b"\\",
    b"<",
    b">",
    b",",
    b";",
    b":",
    b"(",
    b")",
    b"@",
    b"..",
    b"  ",
    b" ",
    b"reply",
    b"reply-all",
    b"forward",
    b"new",
    b" gb",
    b"Ada Lovelace <ada@example.com>",
    b"\"Lovelace, Ada\" <ada@example.com>",
    b"group: a@example.com, b@example.org;",
    b"undisclosed-recipients:;",
    b"<id.1@example.net>",
    b"<a@b> <c@d>",
    b"Re: ",
    b"Fwd: ",
    b"AW: ",
    b"--=_gmux_",
    b"=_gmux_",
    b"application/pdf",
    b"text/plain; charset=evil",
    b"9223372036854775807",
    b"-9223372036854775808",
    b"253402300799999",
    b"253402300800000",
    b"-62135596800001",
    b"840",
    b"841",
    b"-841",
    "\u{202e}".as_bytes(),
    "\u{2066}".as_bytes(),
    "\u{200b}".as_bytes(),
    "\u{2028}".as_bytes(),
    "\u{85}".as_bytes(),
    "\u{feff}".as_bytes(),
    "\u{fffd}".as_bytes(),
    b"\xed\xa0\x80",
    b"\xed\xbf\xbf",
    "é".as_bytes(),
    "日本語".as_bytes(),
    "😀".as_bytes(),
    "Zoë Ødegård".as_bytes(),
];

pub const TARGET: Target = Target {
    name: "compose",
    check,
    dictionary: DICTIONARY,
    structured: Some(structured),
    generate: Some(generate),
    max_len: 1 << 16,
};

#[test]
fn compose() {
    super::fuzz(TARGET);
}

/// One input read into its fields.
struct Input {
    fields: Vec<String>,
    /// The file's bytes exactly, not read as text.
    file: Vec<u8>,
}

impl Input {
    fn parse(input: &[u8]) -> Input {
        let raw: Vec<&[u8]> = input.split(|b| *b == SEP).collect();
        let mut fields: Vec<String> = raw
            .iter()
            .map(|f| String::from_utf8_lossy(f).into_owned())
            .collect();
        fields.resize(FIELDS.max(fields.len()), String::new());
        Input {
            fields,
            file: raw.get(10).map(|f| f.to_vec()).unwrap_or_default(),
        }
    }

    fn field(&self, i: usize) -> &str {
        &self.fields[i]
    }
}

/// The draft an input describes, and which typed lists did not parse.
fn draft_of(input: &Input) -> (Draft, [bool; 3], i64, i32) {
    let mode = input.field(0);
    let style = if mode.contains("gb") {
        DateStyle::EnGb
    } else {
        DateStyle::EnUs
    };
    let from = Mailbox {
        name: Some(input.field(1).to_string()).filter(|n| !n.is_empty()),
        address: input.field(2).to_string(),
    };
    let mut numbers = input
        .field(17)
        .split_whitespace()
        .map(|n| n.parse::<i64>().ok());
    let now = numbers.next().flatten().unwrap_or(NOW);
    let offset = numbers
        .next()
        .flatten()
        .map(|o| o.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32)
        .unwrap_or(60);
    let original_ms = numbers.next().flatten().or(Some(NOW - 86_400_000));
    let original = Original {
        message_id: input.field(11).to_string(),
        references: input.field(12).to_string(),
        in_reply_to: String::new(),
        thread_id: Some("18c0ffee".into()),
        subject: input.field(15).to_string(),
        from: input.field(13).to_string(),
        reply_to: String::new(),
        to: input.field(14).to_string(),
        cc: String::new(),
        date_ms: original_ms,
        date_offset_minutes: offset.clamp(-840, 840),
        text: input.field(16).to_string(),
    };
    let own = vec![from.address.clone()];
    let mut draft = if mode.starts_with("reply-all") {
        Draft::reply(from, &original, &own, true, style)
    } else if mode.starts_with("reply") {
        Draft::reply(from, &original, &own, false, style)
    } else if mode.starts_with("forward") {
        Draft::forward(from, &original, style)
    } else {
        Draft::new(from)
    };
    let mut failed = [false; 3];
    for (i, list) in [&mut draft.to, &mut draft.cc, &mut draft.bcc]
        .into_iter()
        .enumerate()
    {
        let typed = input.field(3 + i);
        match parse_list(typed) {
            Ok(l) => list.extend(l),
            Err(_) => {
                failed[i] = true;
                list.extend(parse_list_lenient(typed));
            }
        }
    }
    // An explicit subject replaces the one a reply or forward proposed.
    if !input.field(6).is_empty() || mode.starts_with("new") || mode.is_empty() {
        draft.subject = input.field(6).to_string();
    }
    draft.body = input.field(7).to_string();
    if input.fields.len() > 8 && !input.field(8).is_empty() {
        draft.attachments.push(Attachment {
            file_name: input.field(8).to_string(),
            mime_type: input.field(9).to_string(),
            data: input.file.clone(),
        });
    }
    (draft, failed, now, offset)
}

/// A header value as the builder must see it: no CR, LF or control character other than tab.
fn clean(value: &str) -> bool {
    !value.chars().any(|c| c.is_ascii_control() && c != '\t')
}

/// Every header value of the draft, with the builder's name for its field.
fn header_values(d: &Draft) -> Vec<String> {
    let mut v = vec![d.subject.clone(), d.from.address.clone()];
    v.extend(d.from.name.clone());
    for m in d.to.iter().chain(&d.cc).chain(&d.bcc) {
        v.push(m.address.clone());
        v.extend(m.name.clone());
    }
    for a in &d.attachments {
        v.push(a.file_name.clone());
        v.push(a.mime_type.clone());
    }
    if let Some(r) = &d.reply {
        v.push(r.message_id.clone());
    }
    v
}

/// Whether the builder must accept the draft: clean header values, mailboxes that check, file names that
/// are not blank and at most 255 bytes, sizes and times in range.
fn acceptable(d: &Draft, now: i64, offset: i32) -> bool {
    header_values(d).iter().all(|v| clean(v))
        && std::iter::once(&d.from)
            .chain(&d.to)
            .chain(&d.cc)
            .chain(&d.bcc)
            .all(|m| m.check().is_ok())
        && d.attachments
            .iter()
            .all(|a| !a.file_name.trim().is_empty() && a.file_name.len() <= 255)
        && d.attachment_bytes() <= MAX_ATTACHMENT_BYTES
        && (0..=253_402_300_799_999).contains(&now)
        && (-840..=840).contains(&offset)
}

fn check(input: &[u8]) -> Verdict {
    let parsed = Input::parse(input);
    let (draft, failed, now, offset) = draft_of(&parsed);
    let mode = ["reply-all", "reply", "forward"]
        .into_iter()
        .find(|m| parsed.field(0).starts_with(m))
        .unwrap_or("new");
    match build(&draft, now, offset, RANDOM) {
        Err(e) => {
            justify(&draft, &e)?;
            if acceptable(&draft, now, offset) && !matches!(e, ComposeError::MessageTooLarge { .. })
            {
                return Err(format!("a clean draft was refused: {e}"));
            }
            Ok(signature((mode, failed, e.code())))
        }
        Ok(bytes) => {
            let size = measure(&draft, now, offset, RANDOM).map_err(|e| format!("measure: {e}"))?;
            if size.message_bytes != bytes.len() {
                return Err(format!(
                    "measure says {} bytes, build wrote {}",
                    size.message_bytes,
                    bytes.len()
                ));
            }
            let shape = read_back(&draft, &bytes, now)?;
            Ok(signature((mode, failed, shape)))
        }
    }
}

/// A refusal names something that is really wrong.
fn justify(d: &Draft, e: &ComposeError) -> Result<(), String> {
    let values = header_values(d);
    let ok = match e {
        ComposeError::LineBreak { .. } => values.iter().any(|v| v.contains(['\r', '\n'])),
        ComposeError::ControlCharacter { code, .. } => values.iter().any(|v| {
            v.chars()
                .any(|c| u32::from(c) == *code && c.is_ascii_control())
        }),
        ComposeError::Address { .. } => std::iter::once(&d.from)
            .chain(&d.to)
            .chain(&d.cc)
            .chain(&d.bcc)
            .any(|m| m.check().is_err()),
        ComposeError::EmptyFileName { number } => {
            d.attachments[number - 1].file_name.trim().is_empty()
        }
        ComposeError::FileNameTooLong { number, limit } => {
            d.attachments[number - 1].file_name.len() > *limit
        }
        ComposeError::AttachmentsTooLarge { total, .. } => *total > MAX_ATTACHMENT_BYTES,
        ComposeError::MessageTooLarge { .. } => true,
        ComposeError::TimeOutOfRange { ms } => !(0..=253_402_300_799_999).contains(ms),
        ComposeError::OffsetOutOfRange { minutes } => !(-840..=840).contains(minutes),
        ComposeError::NoRecipients => false,
    };
    if ok {
        Ok(())
    } else {
        Err(format!("refused without cause: {e}"))
    }
}

type Pair = (Option<String>, String);

/// Reads the message back with mail-parser and compares it with the draft; returns a shape for the
/// signature.
fn read_back(d: &Draft, bytes: &[u8], now: i64) -> Result<(u8, usize, bool, bool), String> {
    if !bytes.is_ascii() {
        return Err("the message is not 7-bit".into());
    }
    let text = std::str::from_utf8(bytes).map_err(|e| e.to_string())?;
    if !text.ends_with("\r\n") {
        return Err("no final CRLF".into());
    }
    for line in text.split("\r\n") {
        if line.contains(['\r', '\n']) {
            return Err(format!("a bare CR or LF in {line:?}"));
        }
        if line.len() > 998 {
            return Err(format!("a line of {} characters", line.len()));
        }
        if line.len() > 78 && spaces_outside_quotes(line.trim_start()) > 1 {
            return Err(format!("a long line that could have been folded: {line:?}"));
        }
    }
    let m = MessageParser::default()
        .parse(bytes)
        .ok_or("mail-parser cannot read the message")?;

    let got = |a: Option<&mail_parser::Address>| -> Vec<Pair> {
        a.map(|a| {
            a.iter()
                .map(|x| {
                    (
                        x.name().map(str::to_string),
                        x.address().unwrap_or("").to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
    };
    let want = |l: &[Mailbox]| -> Vec<Pair> {
        l.iter()
            .map(|m| (m.shown_name().map(str::to_string), m.address.clone()))
            .collect()
    };
    for (header, got, want) in [
        ("From", got(m.from()), want(std::slice::from_ref(&d.from))),
        ("To", got(m.to()), want(&d.to)),
        ("Cc", got(m.cc()), want(&d.cc)),
        ("Bcc", got(m.bcc()), want(&d.bcc)),
    ] {
        if got != want {
            return Err(format!("{header} reads back as {got:?}, not {want:?}"));
        }
    }
    let subject = (!d.subject.is_empty()).then_some(d.subject.as_str());
    if m.subject() != subject {
        return Err(format!(
            "the subject reads back as {:?}, not {subject:?}",
            m.subject()
        ));
    }
    let id = format!("{}@{}", hex(&RANDOM), d.from.domain());
    if m.message_id() != Some(id.as_str()) {
        return Err(format!("Message-ID {:?}, not {id}", m.message_id()));
    }
    if m.date().map(|t| t.to_timestamp()) != Some(now.div_euclid(1000)) {
        return Err(format!("Date {:?} is not {now} ms", m.date()));
    }

    let mut names = vec!["From"];
    for (h, l) in [("To", &d.to), ("Cc", &d.cc), ("Bcc", &d.bcc)] {
        if !l.is_empty() {
            names.push(h);
        }
    }
    if subject.is_some() {
        names.push("Subject");
    }
    names.extend(["Date", "Message-ID"]);
    let ids = |v: &mail_parser::HeaderValue| -> Vec<String> {
        v.as_text_list()
            .map(|l| l.iter().map(|c| c.to_string()).collect())
            .or_else(|| v.as_text().map(|t| vec![t.to_string()]))
            .unwrap_or_default()
    };
    let threaded = m.header_raw("In-Reply-To").is_some();
    if threaded {
        names.extend(["In-Reply-To", "References"]);
        let ctx = d
            .reply
            .as_ref()
            .ok_or("In-Reply-To on a message that is no reply")?;
        let parent = ids(m.in_reply_to());
        let refs = ids(m.references());
        if parent.len() != 1 || !ctx.message_id.contains(&format!("<{}>", parent[0])) {
            return Err(format!(
                "In-Reply-To {parent:?} is not from {:?}",
                ctx.message_id
            ));
        }
        if refs.last() != parent.first() || refs.len() > 20 {
            return Err(format!("References {refs:?} do not end with {parent:?}"));
        }
        for r in &refs {
            let quoted = format!("<{r}>");
            if !ctx.references.contains(&quoted) && !ctx.message_id.contains(&quoted) {
                return Err(format!("the reference {r} came from nowhere"));
            }
        }
    } else if let Some(ctx) = &d.reply {
        // Without a usable parent id the reply is written unthreaded; a plain `<x@y>` would have been used.
        let simple = ctx.message_id.trim();
        if simple.starts_with('<')
            && simple.ends_with('>')
            && simple.len() < 60
            && simple[1..simple.len() - 1]
                .split_once('@')
                .is_some_and(|(l, r)| {
                    !l.is_empty()
                        && !r.is_empty()
                        && !r.contains('@')
                        && (l.to_string() + r)
                            .bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b == b'.')
                })
        {
            return Err(format!("the parent {simple} was not used"));
        }
    }
    names.extend(["MIME-Version", "Content-Type"]);
    if d.attachments.is_empty() {
        names.push("Content-Transfer-Encoding");
    }
    let got_names: Vec<&str> = m.headers().iter().map(|h| h.name()).collect();
    if got_names != names {
        return Err(format!("headers {got_names:?}, expected {names:?}"));
    }

    let mut want_text = d.full_text();
    if !want_text.ends_with('\n') {
        want_text.push('\n');
    }
    let got_text = m.body_text(0).map(|t| t.replace("\r\n", "\n"));
    if got_text.as_deref() != Some(want_text.as_str()) {
        return Err(format!(
            "the text reads back as {got_text:?}, not {want_text:?}"
        ));
    }

    let attachments: Vec<_> = m.attachments().collect();
    if attachments.len() != d.attachments.len() {
        return Err(format!(
            "{} attachments read back, {} attached",
            attachments.len(),
            d.attachments.len()
        ));
    }
    for (got, want) in attachments.iter().zip(&d.attachments) {
        let name = want.file_name.trim();
        if got.attachment_name() != Some(name) {
            return Err(format!(
                "attachment name {:?}, not {name:?}",
                got.attachment_name()
            ));
        }
        let fallback = got.content_type().and_then(|c| c.attribute("name"));
        if fallback != Some(name) {
            return Err(format!("name= reads {fallback:?}, not {name:?}"));
        }
        let ct = got.content_type().ok_or("an attachment without a type")?;
        let got_type = format!("{}/{}", ct.ctype(), ct.subtype().unwrap_or(""));
        let want_type = expected_type(&want.mime_type);
        if got_type != want_type {
            return Err(format!("attachment type {got_type}, not {want_type}"));
        }
        // mail-parser decodes text/* attachments as text, so the bytes are checked on the part's raw
        // base64, decoded here; binary parts are also checked as mail-parser decoded them.
        let start = got.raw_body_offset() as usize;
        let end = (got.raw_end_offset() as usize).min(bytes.len());
        let raw: Vec<u8> = bytes[start.min(end)..end]
            .iter()
            .filter(|b| !b.is_ascii_whitespace())
            .copied()
            .collect();
        let decoded = STANDARD
            .decode(&raw)
            .map_err(|e| format!("the attachment's base64 does not decode: {e}"))?;
        if decoded != want.data {
            return Err("the attachment's bytes changed".into());
        }
        if matches!(got.body, PartType::Binary(_) | PartType::InlineBinary(_))
            && got.contents() != want.data.as_slice()
        {
            return Err("mail-parser reads other bytes".into());
        }
    }
    let encoding = if text.contains("Content-Transfer-Encoding: quoted-printable") {
        1
    } else if text.contains("Content-Transfer-Encoding: base64\r\n\r\n") && d.attachments.is_empty()
    {
        2
    } else {
        0
    };
    Ok((
        encoding,
        d.to.len().min(3) + d.cc.len().min(3) * 4,
        text.contains("=?utf-8?"),
        threaded,
    ))
}

/// Spaces a line could be folded at: those outside quoted strings (a quoted local part such as
/// `"john doe"@example.com` is one unbreakable token).
fn spaces_outside_quotes(line: &str) -> usize {
    let mut quoted = false;
    let mut count = 0;
    for c in line.chars() {
        match c {
            '"' => quoted = !quoted,
            ' ' if !quoted => count += 1,
            _ => {}
        }
    }
    count
}

/// The type an attachment is sent with, read from the documentation: a `type/subtype` of RFC 2045 token
/// characters, lower-cased, or `application/octet-stream`.
fn expected_type(mime: &str) -> String {
    let token = |s: &str| {
        !s.is_empty()
            && s.len() <= 127
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c))
    };
    let parts: Vec<&str> = mime.trim().split('/').collect();
    if parts.len() == 2 && token(parts[0]) && token(parts[1]) {
        mime.trim().to_ascii_lowercase()
    } else {
        "application/octet-stream".into()
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

const NAMES: &[&str] = &[
    "",
    "Ada Lovelace",
    "Lovelace, Ada",
    "A. Lovelace",
    "Zoë Ødegård",
    "日本 太郎",
    "\"quoted\" name",
    "back\\slash",
    "  padded  ",
    "two  spaces",
    "\u{202e}gnp.exe",
    "=?utf-8?q?not_encoded?=",
    "tab\there",
    "😀",
    "Ελένη",
];

const ADDRESSES: &[&str] = &[
    "ada@example.com",
    "bob.smith+tag@mail.example.org",
    "\"john doe\"@example.com",
    "x@a-b.example.co.uk",
    "UPPER@EXAMPLE.COM",
];

const TEXTS: &[&str] = &[
    "",
    "Hello",
    "Lunch on Friday?",
    "Café ☕ über naïve",
    "日本語の件名",
    " leading",
    "trailing ",
    "a\tb",
    "=?utf-8?q?x?=",
    "Re: Re: Fwd: loop",
    "a = b",
    "\u{202e}\u{2066}bidi\u{2069}",
];

fn pick<'a>(rng: &mut StdRng, from: &[&'a str]) -> &'a str {
    from[rng.gen_range(0..from.len())]
}

/// A mailbox as a person would type it.
fn typed_mailbox(rng: &mut StdRng) -> String {
    let name = pick(rng, NAMES);
    let address = pick(rng, ADDRESSES);
    match rng.gen_range(0..4) {
        0 => address.to_string(),
        1 if !name.contains(['"', '\\']) => format!("\"{name}\" <{address}>"),
        2 => format!("{address} ({})", name.replace(['(', ')'], "")),
        _ => format!(
            "{} <{address}>",
            name.replace(['<', '>', ',', ';', '"', ':', '('], "")
        ),
    }
}

fn typed_list(rng: &mut StdRng) -> String {
    let n = rng.gen_range(0..4);
    (0..n)
        .map(|_| typed_mailbox(rng))
        .collect::<Vec<_>>()
        .join(if rng.gen_bool(0.5) { ", " } else { "; " })
}

fn join(fields: &[Vec<u8>]) -> Vec<u8> {
    fields.join(&SEP)
}

/// A well-formed draft of any mode.
fn generate(rng: &mut StdRng) -> Vec<u8> {
    let modes = [
        "new",
        "reply",
        "reply-all",
        "forward",
        "reply gb",
        "forward gb",
    ];
    let mut f: Vec<Vec<u8>> = vec![Vec::new(); FIELDS];
    f[0] = pick(rng, &modes).into();
    f[1] = pick(rng, NAMES).into();
    f[2] = pick(rng, ADDRESSES).into();
    f[3] = typed_list(rng).into();
    if rng.gen_bool(0.4) {
        f[4] = typed_list(rng).into();
    }
    if rng.gen_bool(0.2) {
        f[5] = typed_list(rng).into();
    }
    f[6] = pick(rng, TEXTS).repeat(rng.gen_range(0..4)).into();
    f[7] = (0..rng.gen_range(0..5))
        .map(|_| pick(rng, TEXTS))
        .collect::<Vec<_>>()
        .join("\n")
        .into();
    let attach = rng.gen_bool(0.4);
    if attach {
        f[8] = format!("{}.pdf", pick(rng, TEXTS).trim()).into();
        f[9] = pick(rng, &["application/pdf", "", "text/plain", "x"]).into();
        f[10] = (0..rng.gen_range(0..200)).map(|_| rng.gen()).collect();
    }
    f[11] = format!("<orig.{}@example.net>", rng.gen::<u16>()).into();
    f[12] = "<root@example.net> <mid@example.net>".into();
    f[13] = typed_mailbox(rng).into();
    f[14] = typed_list(rng).into();
    f[15] = pick(rng, TEXTS).into();
    f[16] = (0..rng.gen_range(0..4))
        .map(|_| pick(rng, TEXTS))
        .collect::<Vec<_>>()
        .join("\r\n")
        .into();
    f[17] = format!(
        "{} {} {}",
        rng.gen_range(0..4_000_000_000_000i64),
        rng.gen_range(-840..=840),
        rng.gen_range(0..4_000_000_000_000i64)
    )
    .into();
    if !attach && rng.gen_bool(0.5) {
        f.truncate(8);
    }
    join(&f)
}

/// Replaces one field with a hostile value: an injection attempt, a control character, a huge string,
/// bidi controls, invalid UTF-8.
fn structured(rng: &mut StdRng, input: &[u8]) -> Option<Vec<u8>> {
    let mut fields: Vec<Vec<u8>> = input.split(|b| *b == SEP).map(<[u8]>::to_vec).collect();
    if fields.len() < 2 {
        return None;
    }
    let i = rng.gen_range(0..fields.len());
    let hostile: Vec<u8> = match rng.gen_range(0..9) {
        0 => b"x\r\nBcc: eve@evil.example".to_vec(),
        1 => b"x\nContent-Type: text/html".to_vec(),
        2 => vec![rng.gen_range(0..0x20u8)],
        3 => "\u{202e}\u{2067}".repeat(rng.gen_range(1..50)).into_bytes(),
        4 => {
            let unit = pick(rng, &["a", "é", "日", "😀", "a b ", "=?", "\"", "<a@b> "]);
            unit.repeat(rng.gen_range(100..20_000)).into_bytes()
        }
        5 => b"\xed\xa0\x80\xff\xfe".to_vec(),
        6 => b"=?utf-8?b?DQpCY2M6IGV2ZUBldmlsLmV4YW1wbGU=?=".to_vec(),
        7 => {
            let mut v = fields[i].clone();
            v.extend_from_slice(b"\r");
            v
        }
        _ => Vec::new(),
    };
    fields[i] = hostile;
    Some(join(&fields))
}
