//! The message builder end to end: a table of drafts built at a fixed time with fixed randomness and
//! compared byte for byte with `tests/golden/<case>.eml`, each also read back by an independent parser
//! (`mail-parser`) to check that every header, the text and the attachments come back as given and that no
//! header appears that gmux did not write. Then every header field is fed line breaks and must be refused.
//!
//! `GMUX_BLESS=1 cargo test -p gmux-mail --test compose` rewrites the golden files; read the diff before
//! committing it.

// Helpers that build the table panic on a broken fixture, like the tests that call them.
#![allow(clippy::unwrap_used)]

use gmux_mail::address::{parse_list, AddressError, Mailbox, Problem};
use gmux_mail::compose::{
    build, check_sendable, measure, typed_list, Attachment, ComposeError, DateStyle, Draft, Field,
    Header, Original, Part, MAX_ATTACHMENT_BYTES, MAX_MESSAGE_BYTES,
};
use mail_parser::{MessageParser, MimeHeaders};
use std::path::PathBuf;

/// Monday 7 December 2026, 08:14:05 UTC; the sender is at UTC+1.
const NOW: i64 = 1_796_631_245_000;
const OFFSET: i32 = 60;
const RANDOM: [u8; 16] = [
    0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff,
];

fn mb(name: Option<&str>, address: &str) -> Mailbox {
    Mailbox {
        name: name.map(str::to_string),
        address: address.to_string(),
    }
}

fn ada() -> Mailbox {
    mb(Some("Ada Lovelace"), "ada@example.com")
}

fn own() -> Vec<String> {
    vec![
        "ada@example.com".to_string(),
        "countess@example.org".to_string(),
    ]
}

/// The message being answered in the reply cases: sent by Charles to Ada and Mary, Cc Ada's alias.
fn original() -> Original {
    Original {
        message_id: "<CAB=charles.1@mail.example.net>".into(),
        references: "<root.0@example.net>\r\n <CAB=mid.5@mail.example.net>".into(),
        in_reply_to: "<CAB=mid.5@mail.example.net>".into(),
        thread_id: Some("18c0ffee00000001".into()),
        subject: "Re: The Analytical Engine".into(),
        from: "\"Babbage, Charles\" <charles@example.net>".into(),
        reply_to: String::new(),
        to: "Ada Lovelace <ada@example.com>, Mary Somerville <mary@example.org>".into(),
        cc: "countess@example.org, Michael Faraday <faraday@example.ac.uk>".into(),
        // Sunday 6 December 2026, 21:30 UTC; 22:30 at the sender's UTC+1.
        date_ms: Some(1_796_592_600_000),
        date_offset_minutes: 60,
        text: "Dear Ada,\r\n\r\nThe notes are splendid.\r\n> Earlier: what of Note G?\r\n\r\nCharles\r\n"
            .into(),
    }
}

fn cases() -> Vec<(&'static str, Draft)> {
    let mut cases = Vec::new();

    let mut plain = Draft::new(ada());
    plain.to = parse_list("Charles Babbage <charles@example.net>").unwrap();
    plain.subject = "Lunch on Friday".into();
    plain.body = "Charles,\n\nLunch on Friday at noon?\n\nAda\n".into();
    cases.push(("plain-new", plain));

    let mut intl = Draft::new(mb(Some("Zoë Ødegård"), "zoe@example.no"));
    intl.to =
        parse_list("\"日本 太郎\" <taro@example.jp>, \"Lovelace, Ada\" <ada@example.com>").unwrap();
    intl.cc = vec![mb(Some("Ελένη Παπαδοπούλου"), "eleni@example.gr")];
    intl.subject = "Café ☕ — über naïve 日本語の件名 \u{202e}txt.exe".into();
    intl.body = "Grüße aus Tromsø! 🌌\nЗдравствуйте.\n".into();
    intl.attachments = vec![
        Attachment {
            file_name: "résumé.pdf".into(),
            mime_type: "application/pdf".into(),
            data: b"%PDF-1.4 not really\n".to_vec(),
        },
        Attachment {
            file_name: "報告書 2026年12月 最終版 (改訂) とても長いファイル名のテスト.txt".into(),
            mime_type: "text/plain".into(),
            data: "報告\n".as_bytes().to_vec(),
        },
    ];
    cases.push(("non-ascii", intl));

    let mut reply = Draft::reply(ada(), &original(), &own(), false, DateStyle::EnUs);
    reply.body = "Thank you, Charles. Note G is on its way.\n".into();
    cases.push(("reply", reply));

    let mut reply_all = Draft::reply(ada(), &original(), &own(), true, DateStyle::EnGb);
    reply_all.body = "All: the engine meeting moves to Tuesday.\n".into();
    cases.push(("reply-all", reply_all));

    let mut forward = Draft::forward(ada(), &original(), DateStyle::EnUs);
    forward.to = parse_list("mary@example.org").unwrap();
    forward.body = "Mary, see below.".into();
    forward.attachments = vec![Attachment {
        file_name: "note-g.txt".into(),
        mime_type: "text/plain".into(),
        data: (0..300u32)
            .map(|i| b"0123456789 "[i as usize % 11])
            .collect(),
    }];
    cases.push(("forward-with-attachment", forward));

    let mut bcc = Draft::new(ada());
    bcc.to = parse_list("mary@example.org").unwrap();
    bcc.bcc = parse_list("Charles Babbage <charles@example.net>; faraday@example.ac.uk").unwrap();
    bcc.subject = "Surprise party".into();
    bcc.body = "Do not tell Charles.\n".into();
    cases.push(("bcc", bcc));

    let mut long = Draft::new(ada());
    long.to = (0..12)
        .map(|i| {
            mb(
                Some(&format!("Recipient Number {i}")),
                &format!("r{i}@example.com"),
            )
        })
        .collect();
    long.subject = "A very long subject line that goes on and on about the Analytical Engine, \
        Note G, Bernoulli numbers, and the many letters between Ada and Charles in 1843 — \
        with a dash and an ümlaut near its end, so that the encoded words fold too"
        .into();
    long.body = format!(
        "{}\nspaces at the end   \nan = sign, a tab\there, and a very long line: {}\n",
        "x".repeat(100),
        "word ".repeat(40)
    );
    cases.push(("long-fields", long));

    let mut empty = Draft::new(mb(None, "ada@example.com"));
    empty.to = parse_list("bob@example.com").unwrap();
    cases.push(("empty-subject-and-body", empty));

    cases
}

fn golden_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(format!("{name}.eml"))
}

#[test]
fn golden_messages() {
    let bless = std::env::var("GMUX_BLESS").is_ok_and(|v| v == "1");
    let mut failures = Vec::new();
    for (name, draft) in cases() {
        let bytes = build(&draft, NOW, OFFSET, RANDOM).unwrap_or_else(|e| panic!("{name}: {e}"));
        read_back(name, &draft, &bytes);
        let size = measure(&draft, NOW, OFFSET, RANDOM).unwrap();
        assert_eq!(size.message_bytes, bytes.len(), "{name}: measure");
        assert_eq!(size.attachment_bytes, draft.attachment_bytes(), "{name}");
        let path = golden_path(name);
        if bless {
            std::fs::write(&path, &bytes).unwrap();
            continue;
        }
        let expected = std::fs::read(&path)
            .unwrap_or_else(|e| panic!("{}: {e} (GMUX_BLESS=1 writes it)", path.display()));
        if expected != bytes {
            failures.push(format!(
                "{name}: differs from {}; built:\n{}",
                path.display(),
                String::from_utf8_lossy(&bytes)
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Reads the message back with mail-parser and checks it says what the draft says.
fn read_back(name: &str, draft: &Draft, bytes: &[u8]) {
    // The form: 7-bit, CRLF only, no line over 998 characters, and none over 78 unless it is one
    // unbreakable token.
    assert!(bytes.is_ascii(), "{name}: not 7-bit");
    let text = std::str::from_utf8(bytes).unwrap();
    assert!(text.ends_with("\r\n"), "{name}: no final CRLF");
    for line in text.split("\r\n") {
        assert!(
            !line.contains(['\r', '\n']),
            "{name}: bare CR or LF in {line:?}"
        );
        assert!(line.len() <= 998, "{name}: line of {}", line.len());
        assert!(
            line.len() <= 78 || !line.trim().contains(' '),
            "{name}: long line that could fold: {line:?}"
        );
    }

    let m = MessageParser::default()
        .parse(bytes)
        .unwrap_or_else(|| panic!("{name}: mail-parser cannot read it"));
    let names = |list: Option<&mail_parser::Address>| -> Vec<(Option<String>, String)> {
        list.map(|a| {
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
    let want = |list: &[Mailbox]| -> Vec<(Option<String>, String)> {
        list.iter()
            .map(|m| (m.shown_name().map(str::to_string), m.address.clone()))
            .collect()
    };
    assert_eq!(
        names(m.from()),
        want(std::slice::from_ref(&draft.from)),
        "{name}: From"
    );
    assert_eq!(names(m.to()), want(&draft.to), "{name}: To");
    assert_eq!(names(m.cc()), want(&draft.cc), "{name}: Cc");
    assert_eq!(names(m.bcc()), want(&draft.bcc), "{name}: Bcc");
    let subject = (!draft.subject.is_empty()).then_some(draft.subject.as_str());
    assert_eq!(m.subject(), subject, "{name}: Subject");
    let domain = draft.from.domain();
    assert_eq!(
        m.message_id(),
        Some(format!("00112233445566778899aabbccddeeff@{domain}").as_str()),
        "{name}: Message-ID"
    );
    assert_eq!(
        m.date().map(|d| d.to_timestamp()),
        Some(NOW / 1000),
        "{name}: Date"
    );

    let mut expected_headers = vec!["From"];
    for (h, list) in [("To", &draft.to), ("Cc", &draft.cc), ("Bcc", &draft.bcc)] {
        if !list.is_empty() {
            expected_headers.push(h);
        }
    }
    if subject.is_some() {
        expected_headers.push("Subject");
    }
    expected_headers.extend(["Date", "Message-ID"]);
    if let Some(ctx) = &draft.reply {
        expected_headers.extend(["In-Reply-To", "References"]);
        let parent = ctx.message_id.trim().trim_matches(['<', '>']).to_string();
        let irt = m.in_reply_to().as_text_list().map(|l| l.to_vec());
        let irt = irt.or_else(|| {
            m.in_reply_to()
                .as_text()
                .map(|t| vec![t.to_string().into()])
        });
        assert_eq!(
            irt.unwrap_or_default()
                .iter()
                .map(|c| c.to_string())
                .collect::<Vec<_>>(),
            vec![parent.clone()],
            "{name}: In-Reply-To"
        );
        let refs: Vec<String> = m
            .references()
            .as_text_list()
            .map(|l| l.iter().map(|c| c.to_string()).collect())
            .or_else(|| m.references().as_text().map(|t| vec![t.to_string()]))
            .unwrap_or_default();
        assert_eq!(
            refs.last(),
            Some(&parent),
            "{name}: References end with the parent"
        );
    }
    expected_headers.extend(["MIME-Version", "Content-Type"]);
    if draft.attachments.is_empty() {
        expected_headers.push("Content-Transfer-Encoding");
    }
    let got_headers: Vec<&str> = m.headers().iter().map(|h| h.name()).collect();
    assert_eq!(got_headers, expected_headers, "{name}: header names");

    let mut want_text = draft.full_text();
    if !want_text.ends_with('\n') {
        want_text.push('\n');
    }
    let got_text = m.body_text(0).map(|t| t.replace("\r\n", "\n"));
    assert_eq!(
        got_text.as_deref(),
        Some(want_text.as_str()),
        "{name}: text"
    );

    let attachments: Vec<_> = m.attachments().collect();
    assert_eq!(
        attachments.len(),
        draft.attachments.len(),
        "{name}: attachments"
    );
    for (got, want) in attachments.iter().zip(&draft.attachments) {
        assert_eq!(
            got.attachment_name(),
            Some(want.file_name.as_str()),
            "{name}"
        );
        // The RFC 2047 `name=` fallback reads back the same as `filename`.
        assert_eq!(
            got.content_type().and_then(|c| c.attribute("name")),
            Some(want.file_name.as_str()),
            "{name}: name="
        );
        let ct = got.content_type().unwrap();
        assert_eq!(
            format!("{}/{}", ct.ctype(), ct.subtype().unwrap_or("")),
            want.mime_type,
            "{name}"
        );
        assert_eq!(
            got.contents(),
            want.data.as_slice(),
            "{name}: attachment bytes"
        );
    }
}

#[test]
fn gmail_reply_headers_and_recipients() {
    let reply = Draft::reply(ada(), &original(), &own(), false, DateStyle::EnUs);
    assert_eq!(
        reply.to,
        vec![mb(Some("Babbage, Charles"), "charles@example.net")]
    );
    assert!(reply.cc.is_empty());
    assert_eq!(reply.subject, "Re: The Analytical Engine");
    assert_eq!(reply.thread_id(), Some("18c0ffee00000001"));
    let all = Draft::reply(ada(), &original(), &own(), true, DateStyle::EnUs);
    assert_eq!(
        all.to,
        vec![
            mb(Some("Babbage, Charles"), "charles@example.net"),
            mb(Some("Mary Somerville"), "mary@example.org"),
        ]
    );
    assert_eq!(
        all.cc,
        vec![mb(Some("Michael Faraday"), "faraday@example.ac.uk")]
    );
    let text = all.full_text();
    assert!(
        text.starts_with("On Sun, Dec 6, 2026 at 10:30\u{202f}PM Babbage, Charles <charles@example.net> wrote:\n> Dear Ada,\n>\n"),
        "{text}"
    );
    // A hostile original's header text never reaches the reply, nor makes it fail: only its ids do.
    let mut hostile = original();
    hostile.message_id = "junk <p@example.net>\r\nBcc: eve@evil.example".into();
    hostile.references = "<a@example.net>\r\nX-Evil: 1 <b@example.net>".into();
    let r = Draft::reply(ada(), &hostile, &own(), false, DateStyle::EnUs);
    let ctx = r.reply.as_ref().unwrap();
    assert_eq!(ctx.message_id, "<p@example.net>");
    assert_eq!(ctx.references, "<a@example.net> <b@example.net>");
    assert!(build(&r, NOW, OFFSET, RANDOM).is_ok());
    let bytes = build(&all, NOW, OFFSET, RANDOM).unwrap();
    let text = String::from_utf8(bytes).unwrap();
    assert!(text.contains(
        "In-Reply-To: <CAB=charles.1@mail.example.net>\r\n\
         References: <root.0@example.net> <CAB=mid.5@mail.example.net>\r\n\
         <CAB=charles.1@mail.example.net>\r\n"
    ) || text.contains(
        "References: <root.0@example.net> <CAB=mid.5@mail.example.net>\r\n <CAB=charles.1@mail.example.net>\r\n"
    ), "{text}");
}

/// Every header field with a line break (CRLF, LF, CR) is refused with an error naming the field; a
/// message is never built with it.
#[test]
fn line_breaks_in_header_values_are_refused() {
    type Edit = fn(&mut Draft, &str);
    let fields: &[(Field, Edit)] = &[
        (Field::Subject, |d, v| {
            d.subject = format!("Hi{v}Bcc: eve@evil.example")
        }),
        (Field::Sender { part: Part::Name }, |d, v| {
            d.from.name = Some(format!("Ada{v}X-Evil: 1"))
        }),
        (
            Field::Sender {
                part: Part::Address,
            },
            |d, v| d.from.address = format!("ada@example.com{v}Bcc: eve@evil.example"),
        ),
        (
            Field::Recipient {
                header: Header::To,
                number: 1,
                part: Part::Name,
            },
            |d, v| d.to[0].name = Some(format!("Bob{v}Bcc: eve@evil.example")),
        ),
        (
            Field::Recipient {
                header: Header::To,
                number: 1,
                part: Part::Address,
            },
            |d, v| d.to[0].address = format!("bob@example.com{v}"),
        ),
        (
            Field::Recipient {
                header: Header::Cc,
                number: 1,
                part: Part::Name,
            },
            |d, v| d.cc = vec![mb(Some(&format!("C{v}")), "c@example.com")],
        ),
        (
            Field::Recipient {
                header: Header::Cc,
                number: 1,
                part: Part::Address,
            },
            |d, v| d.cc = vec![mb(None, &format!("{v}c@example.com"))],
        ),
        (
            Field::Recipient {
                header: Header::Bcc,
                number: 1,
                part: Part::Name,
            },
            |d, v| d.bcc = vec![mb(Some(&format!("Eve{v}")), "b@example.com")],
        ),
        (
            Field::Recipient {
                header: Header::Bcc,
                number: 1,
                part: Part::Address,
            },
            |d, v| d.bcc = vec![mb(None, &format!("b@exa{v}mple.com"))],
        ),
        (Field::AttachmentName { number: 1 }, |d, v| {
            d.attachments = vec![Attachment {
                file_name: format!("a.pdf\"{v}Content-Type: text/html"),
                mime_type: "application/pdf".into(),
                data: vec![1],
            }]
        }),
        (Field::AttachmentType { number: 1 }, |d, v| {
            d.attachments = vec![Attachment {
                file_name: "a.pdf".into(),
                mime_type: format!("text/plain{v}X-Evil: 1"),
                data: vec![1],
            }]
        }),
        (Field::OriginalMessageId, |d, v| {
            d.reply = Some(gmux_mail::compose::ReplyContext {
                message_id: format!("<a@b>{v}X-Evil: 1"),
                references: String::new(),
                thread_id: None,
            })
        }),
    ];
    for (field, edit) in fields {
        for brk in ["\r\n", "\n", "\r", "\r\n "] {
            let mut d = Draft::new(ada());
            d.to = vec![mb(Some("Bob"), "bob@example.com")];
            edit(&mut d, brk);
            let got = build(&d, NOW, OFFSET, RANDOM);
            assert_eq!(
                got,
                Err(ComposeError::LineBreak { field: *field }),
                "{field} with {brk:?}"
            );
            assert_eq!(
                measure(&d, NOW, OFFSET, RANDOM).err().map(|e| e.code()),
                Some("line_break")
            );
        }
    }
    // A typed list takes a line break as a separator between people, never as part of a value: pasted
    // header text can only ever add recipients the user sees in the field (`Bcc:` reads as a group name).
    assert_eq!(
        parse_list("bob@example.com\r\nBcc: eve@evil.example").unwrap(),
        vec![mb(None, "bob@example.com"), mb(None, "eve@evil.example")]
    );
}

#[test]
fn other_refusals_say_what_is_wrong() {
    let base = || {
        let mut d = Draft::new(ada());
        d.to = vec![mb(None, "bob@example.com")];
        d
    };
    // The exact data the extension words, and the English kept for logs.
    let check = |d: &Draft, now: i64, offset: i32, expected: ComposeError, message: &str| {
        let e = build(d, now, offset, RANDOM).unwrap_err();
        assert_eq!(e, expected);
        assert_eq!(e.to_string(), message);
    };
    let mut d = base();
    d.subject = "nul\0here".into();
    check(
        &d,
        NOW,
        OFFSET,
        ComposeError::ControlCharacter {
            field: Field::Subject,
            code: 0,
        },
        "the subject has the control character U+0000 in it",
    );
    let mut d = base();
    d.to.push(mb(None, "not an address"));
    check(
        &d,
        NOW,
        OFFSET,
        ComposeError::Address {
            field: Field::Recipient {
                header: Header::To,
                number: 2,
                part: Part::Whole,
            },
            error: AddressError {
                entry: "not an address".into(),
                problem: Problem::Space,
            },
        },
        "recipient 2 in To: \"not an address\" is not an email address: it has a space in it",
    );
    let mut d = base();
    d.attachments = vec![Attachment {
        file_name: " ".into(),
        mime_type: String::new(),
        data: vec![],
    }];
    check(
        &d,
        NOW,
        OFFSET,
        ComposeError::EmptyFileName { number: 1 },
        "attachment 1 has no file name",
    );
    check(
        &base(),
        -1,
        OFFSET,
        ComposeError::TimeOutOfRange { ms: -1 },
        "the time -1 ms is not between the years 1970 and 9999",
    );
    check(
        &base(),
        NOW,
        15 * 60,
        ComposeError::OffsetOutOfRange { minutes: 900 },
        "the UTC offset of 900 minutes is not between -14:00 and +14:00",
    );
    // i32::MIN has no absolute value in i32: found by the fuzzer.
    check(
        &base(),
        NOW,
        i32::MIN,
        ComposeError::OffsetOutOfRange { minutes: i32::MIN },
        "the UTC offset of -2147483648 minutes is not between -14:00 and +14:00",
    );
    assert_eq!(
        check_sendable(&Draft::new(ada())),
        Err(ComposeError::NoRecipients)
    );
    assert!(check_sendable(&base()).is_ok());
}

/// A typed field is refused as a whole (a line break or a control character before the list is read), an
/// entry that is not an address with the entry and the problem; the data survives JSON both ways, and an
/// over-long file name carries the limit.
#[test]
fn typed_fields_and_file_names_are_refused_as_data() {
    let typed = |header| Field::Typed { header };
    let cases: &[(Header, &str, ComposeError)] = &[
        (
            Header::Cc,
            "a@example.com\nBcc: eve@evil.example",
            ComposeError::LineBreak {
                field: typed(Header::Cc),
            },
        ),
        (
            Header::Bcc,
            "a@example.com\u{7}",
            ComposeError::ControlCharacter {
                field: typed(Header::Bcc),
                code: 7,
            },
        ),
        (
            Header::To,
            "ok@example.com, bob@",
            ComposeError::Address {
                field: typed(Header::To),
                error: AddressError {
                    entry: "bob@".into(),
                    problem: Problem::NoDomain,
                },
            },
        ),
    ];
    for (header, text, expected) in cases {
        let got = typed_list(*header, text).unwrap_err();
        assert_eq!(&got, expected, "{text:?}");
        let json = serde_json::to_string(&got).unwrap();
        assert_eq!(
            serde_json::from_str::<ComposeError>(&json).unwrap(),
            got,
            "{json}"
        );
    }
    let mut d = Draft::new(ada());
    d.to = vec![mb(None, "bob@example.com")];
    d.attachments = vec![Attachment {
        file_name: "x".repeat(256),
        mime_type: "text/plain".into(),
        data: vec![1],
    }];
    assert_eq!(
        build(&d, NOW, OFFSET, RANDOM),
        Err(ComposeError::FileNameTooLong {
            number: 1,
            limit: 255
        })
    );
}

#[test]
fn size_limits_are_checked_before_building() {
    let mut d = Draft::new(ada());
    d.to = vec![mb(None, "bob@example.com")];
    d.attachments = vec![
        Attachment {
            file_name: "a.bin".into(),
            mime_type: "application/octet-stream".into(),
            data: vec![0; MAX_ATTACHMENT_BYTES / 2],
        },
        Attachment {
            file_name: "b.bin".into(),
            mime_type: "application/octet-stream".into(),
            data: vec![0; MAX_ATTACHMENT_BYTES / 2 + 1],
        },
    ];
    assert_eq!(
        build(&d, NOW, OFFSET, RANDOM),
        Err(ComposeError::AttachmentsTooLarge {
            total: MAX_ATTACHMENT_BYTES + 1,
            limit: MAX_ATTACHMENT_BYTES
        })
    );
    assert_eq!(
        build(&d, NOW, OFFSET, RANDOM).unwrap_err().to_string(),
        "the attachments add up to 26214401 bytes, more than the 26214400 bytes (25 MB) Gmail sends"
    );
    // Exactly at the attachment limit the message still fits Gmail's 35 MiB, with room for text.
    d.attachments[1].data.pop();
    let size = measure(&d, NOW, OFFSET, RANDOM).unwrap();
    assert_eq!(size.attachment_bytes, MAX_ATTACHMENT_BYTES);
    assert!(size.message_bytes < MAX_MESSAGE_BYTES, "{size:?}");
    assert_eq!(
        size.transport(),
        gmux_mail::compose::Transport::ResumableUpload
    );
    // A body that pushes the encoded message past 35 MiB is refused with both sizes.
    d.body = "é".repeat(600_000);
    let e = build(&d, NOW, OFFSET, RANDOM).unwrap_err();
    let ComposeError::MessageTooLarge { size, limit } = e else {
        panic!("{e}")
    };
    assert!(size > limit && limit == MAX_MESSAGE_BYTES);
    assert_eq!(
        measure(&d, NOW, OFFSET, RANDOM).unwrap().message_bytes,
        size
    );
}
