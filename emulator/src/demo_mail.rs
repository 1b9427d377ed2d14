//! The demo's realistic mail to read, written as raw RFC 822 so it takes the same path as any raw mail: an HTML
//! newsletter with remote images (served by the emulator itself, on its base URL), a plain-text thread of three
//! with Gmail-style quoting, an invoice with a PDF attachment and an inline `cid:` image, a forwarded message
//! (`message/rfc822`), and mail in Windows-1252, ISO-2022-JP and KOI8-R (real encoded bytes).

use base64::engine::general_purpose::{STANDARD, URL_SAFE};
use base64::Engine as _;

use crate::assets;
use crate::seed::{SeedMessage, SeedThread};
use crate::time;

/// One raw message being written: headers, then a body, as bytes.
struct Raw(Vec<u8>);

impl Raw {
    fn new(headers: &[(&str, String)]) -> Raw {
        let mut out = Vec::new();
        for (k, v) in headers {
            out.extend_from_slice(format!("{k}: {v}\r\n").as_bytes());
        }
        Raw(out)
    }
    fn line(mut self, s: &str) -> Raw {
        self.0.extend_from_slice(s.as_bytes());
        self.0.extend_from_slice(b"\r\n");
        self
    }
    fn bytes(mut self, b: &[u8]) -> Raw {
        self.0.extend_from_slice(b);
        self
    }
}

/// An RFC 2047 encoded-word (B) of bytes already in `charset`.
fn word(charset: &str, bytes: &[u8]) -> String {
    format!("=?{charset}?B?{}?=", STANDARD.encode(bytes))
}

/// A header phrase: as is when ASCII, else a UTF-8 encoded-word.
fn phrase(text: &str) -> String {
    if text.is_ascii() {
        text.to_string()
    } else {
        word("UTF-8", text.as_bytes())
    }
}

/// Base64 in 76-column lines, as mailers write attachments.
fn base64_lines(data: &[u8]) -> String {
    let encoded = STANDARD.encode(data);
    encoded
        .as_bytes()
        .chunks(76)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        // Bare line feeds: the message body becomes CRLF as a whole, once.
        .join("\n")
}

/// Quoted-printable (RFC 2045 6.7): `=`, 8-bit bytes and controls escaped, lines kept under 76 with soft breaks.
fn quoted_printable(data: &[u8]) -> String {
    let mut out = String::new();
    let mut col = 0;
    for (i, &b) in data.iter().enumerate() {
        if b == b'\r' && data.get(i + 1) == Some(&b'\n') {
            continue;
        }
        if b == b'\n' {
            out.push_str("\r\n");
            col = 0;
            continue;
        }
        let piece = if (b == b' ' || b == b'\t' || (33..=126).contains(&b)) && b != b'=' {
            char::from(b).to_string()
        } else {
            format!("={b:02X}")
        };
        if col + piece.len() > 75 {
            out.push_str("=\r\n");
            col = 0;
        }
        col += piece.len();
        out.push_str(&piece);
    }
    out
}

/// The attribution line Gmail writes above a quote: `On Tue, Nov 17, 2026 at 9:12 AM Name <addr> wrote:`.
fn attribution(ms: i64, who: &str) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let secs = ms.div_euclid(1000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = time::civil_from_days(days);
    let (h, min) = (rem / 3600, rem % 3600 / 60);
    let (h12, ampm) = match h {
        0 => (12, "AM"),
        1..=11 => (h, "AM"),
        12 => (12, "PM"),
        _ => (h - 12, "PM"),
    };
    format!(
        "On {}, {} {d}, {y} at {h12}:{min:02} {ampm} {who} wrote:",
        DAYS[days.rem_euclid(7) as usize],
        MONTHS[(m - 1) as usize],
    )
}

/// Each line of `text` quoted once more (`> `, or `>` before an existing quote, as Gmail writes it).
fn quote(text: &str) -> String {
    text.lines()
        .map(|l| {
            if l.starts_with('>') {
                format!(">{l}")
            } else if l.is_empty() {
                ">".to_string()
            } else {
                format!("> {l}")
            }
        })
        .collect::<Vec<_>>()
        // Bare line feeds: each message's body becomes CRLF as a whole, once.
        .join("\n")
}

fn seed_message(raw: Raw, ms: i64, labels: &[&str]) -> SeedMessage {
    SeedMessage {
        raw: Some(URL_SAFE.encode(raw.0)),
        from: String::new(),
        to: None,
        cc: None,
        subject: String::new(),
        date: Some(rfc3339(ms)),
        text: None,
        html: None,
        labels: labels.iter().map(|l| l.to_string()).collect(),
        attachments: Vec::new(),
    }
}

fn rfc3339(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let (y, m, d) = time::civil_from_days(secs.div_euclid(86_400));
    let rem = secs.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

fn date(ms: i64) -> String {
    time::rfc2822(ms.div_euclid(1000))
}

const HOUR: i64 = 3_600_000;

/// The realistic threads of one demo account (`me` is `Name <addr>`), dated relative to `now`, with images on
/// `base` (the emulator's own URL).
pub fn threads(me: &str, base: &str, now: i64) -> Vec<SeedThread> {
    // A mailer writes a non-ASCII display name as an encoded-word; raw UTF-8 in a header comes out of Gmail's
    // API as mojibake (see SEED.md), which is not what these realistic threads are for.
    let me = &match me.rsplit_once(" <") {
        Some((name, addr)) => format!("{} <{addr}", phrase(name)),
        None => me.to_string(),
    };
    vec![
        newsletter(me, base, now - 20 * HOUR),
        offsite_thread(me, now - 50 * HOUR),
        invoice_with_pdf_and_logo(me, now - 74 * HOUR),
        forwarded(me, now - 98 * HOUR),
        windows_1252(me, now - 122 * HOUR),
        iso_2022_jp(me, now - 146 * HOUR),
        koi8_r(me, now - 170 * HOUR),
    ]
}

fn newsletter(me: &str, base: &str, ms: i64) -> SeedThread {
    let text = "THE MONTHLY DIGEST - November picks\n\nThree long reads, one recipe and a map of the best bakeries.\n\nRead online: https://newsletter.example.com/november\nUnsubscribe: https://newsletter.example.com/unsubscribe\n";
    let html = format!(
        "<!doctype html>\n<html><head><meta charset=\"utf-8\"><style>body{{font-family:Georgia,serif;background:#f4f4f4}} .card{{background:#fff;margin:12px;padding:16px}}</style></head>\n<body>\n<table width=\"100%\" cellpadding=\"0\" cellspacing=\"0\"><tr><td align=\"center\">\n<img src=\"{base}/_emulator/assets/banner.png\" width=\"320\" height=\"64\" alt=\"The Monthly Digest\">\n</td></tr></table>\n<div class=\"card\"><h1>November picks</h1>\n<p>Three long reads, one recipe and a map of the best bakeries in town &mdash; picked for you.</p>\n<p><a href=\"https://newsletter.example.com/november\">Read online</a></p></div>\n<p style=\"font-size:11px;color:#888\">You get this because you subscribed. <a href=\"https://newsletter.example.com/unsubscribe\">Unsubscribe</a></p>\n<img src=\"{base}/_emulator/assets/pixel.png\" width=\"1\" height=\"1\" alt=\"\">\n</body></html>\n"
    );
    let raw = Raw::new(&[
        ("MIME-Version", "1.0".into()),
        ("Date", date(ms)),
        (
            "Message-ID",
            "<digest-2026-11@newsletter.example.com>".into(),
        ),
        ("Subject", "The Monthly Digest: November picks".into()),
        (
            "From",
            "The Monthly Digest <digest@newsletter.example.com>".into(),
        ),
        ("To", me.to_string()),
        (
            "List-Unsubscribe",
            "<https://newsletter.example.com/unsubscribe>".into(),
        ),
        (
            "Content-Type",
            "multipart/alternative; boundary=\"000000000000digest01\"".into(),
        ),
    ])
    .line("")
    .line("--000000000000digest01")
    .line("Content-Type: text/plain; charset=\"UTF-8\"")
    .line("Content-Transfer-Encoding: quoted-printable")
    .line("")
    .line(&quoted_printable(text.as_bytes()))
    .line("--000000000000digest01")
    .line("Content-Type: text/html; charset=\"UTF-8\"")
    .line("Content-Transfer-Encoding: quoted-printable")
    .line("")
    .line(&quoted_printable(html.as_bytes()))
    .line("--000000000000digest01--");
    SeedThread {
        messages: vec![seed_message(
            raw,
            ms,
            &["INBOX", "UNREAD", "CATEGORY_PROMOTIONS"],
        )],
    }
}

fn offsite_thread(me: &str, start: i64) -> SeedThread {
    let priya = "Priya Raman <priya.raman@example.in>";
    let (t1, t2, t3) = (start, start + 2 * HOUR, start + 5 * HOUR);
    let b1 = "Hi,\n\nI put together a rough agenda for the offsite:\n\n1. Roadmap review (morning)\n2. Lunch at the harbour\n3. Team retro (afternoon)\n\nDoes that work for you?\n\nPriya";
    let b2 = "Looks good. Can we swap 1 and 3? People are fresher for the retro in the morning.";
    let b3 = "Sure, swapped. I'll send the calendar invites today.";
    let body2 = format!("{b2}\n\n{}\n{}", attribution(t1, priya), quote(b1));
    let quoted2 = format!("{b2}\n\n{}\n{}", attribution(t1, priya), quote(b1));
    let body3 = format!("{b3}\n\n{}\n{}", attribution(t2, me), quote(&quoted2));
    fn plain(k: &'static str, v: String) -> (&'static str, String) {
        (k, v)
    }
    let m1 = Raw::new(&[
        plain("MIME-Version", "1.0".into()),
        plain("Date", date(t1)),
        plain("Message-ID", "<offsite-1@example.in>".into()),
        plain("Subject", "Offsite agenda".into()),
        plain("From", priya.into()),
        plain("To", me.into()),
        plain("Content-Type", "text/plain; charset=\"UTF-8\"".into()),
    ])
    .line("")
    .line(&b1.replace('\n', "\r\n"));
    let m2 = Raw::new(&[
        plain("MIME-Version", "1.0".into()),
        plain("Date", date(t2)),
        plain("Message-ID", "<offsite-2@mail.gmux.test>".into()),
        plain("In-Reply-To", "<offsite-1@example.in>".into()),
        plain("References", "<offsite-1@example.in>".into()),
        plain("Subject", "Re: Offsite agenda".into()),
        plain("From", me.into()),
        plain("To", priya.into()),
        plain("Content-Type", "text/plain; charset=\"UTF-8\"".into()),
    ])
    .line("")
    .line(&body2.replace('\n', "\r\n"));
    let m3 = Raw::new(&[
        plain("MIME-Version", "1.0".into()),
        plain("Date", date(t3)),
        plain("Message-ID", "<offsite-3@example.in>".into()),
        plain("In-Reply-To", "<offsite-2@mail.gmux.test>".into()),
        plain(
            "References",
            "<offsite-1@example.in> <offsite-2@mail.gmux.test>".into(),
        ),
        plain("Subject", "Re: Offsite agenda".into()),
        plain("From", priya.into()),
        plain("To", me.into()),
        plain("Content-Type", "text/plain; charset=\"UTF-8\"".into()),
    ])
    .line("")
    .line(&body3.replace('\n', "\r\n"));
    SeedThread {
        messages: vec![
            seed_message(m1, t1, &["INBOX", "CATEGORY_PERSONAL"]),
            seed_message(m2, t2, &["SENT"]),
            seed_message(m3, t3, &["INBOX", "UNREAD", "CATEGORY_PERSONAL"]),
        ],
    }
}

fn invoice_with_pdf_and_logo(me: &str, ms: i64) -> SeedThread {
    let pdf = assets::pdf(&[
        "Noor & Partners - Invoice #2026-1204",
        "Design work, November: EUR 1,200.00",
        "Due within 30 days.",
    ]);
    let logo = assets::logo_png();
    let raw = Raw::new(&[
        ("MIME-Version", "1.0".into()),
        ("Date", date(ms)),
        ("Message-ID", "<invoice-1204@noor-partners.example>".into()),
        ("Subject", "Invoice #2026-1204 and our new logo".into()),
        ("From", "Noor & Partners <hello@noor-partners.example>".into()),
        ("To", me.to_string()),
        (
            "Content-Type",
            "multipart/mixed; boundary=\"mixed-1204\"".into(),
        ),
    ])
    .line("")
    .line("This is a multi-part message in MIME format.")
    .line("--mixed-1204")
    .line("Content-Type: multipart/related; boundary=\"related-1204\"")
    .line("")
    .line("--related-1204")
    .line("Content-Type: multipart/alternative; boundary=\"alt-1204\"")
    .line("")
    .line("--alt-1204")
    .line("Content-Type: text/plain; charset=\"UTF-8\"")
    .line("")
    .line("Hello,")
    .line("")
    .line("please find invoice #2026-1204 attached. Our new logo is below.")
    .line("")
    .line("Noor & Partners")
    .line("--alt-1204")
    .line("Content-Type: text/html; charset=\"UTF-8\"")
    .line("")
    .line("<p>Hello,</p><p>please find invoice <b>#2026-1204</b> attached. Our new logo:</p>")
    .line("<p><img src=\"cid:logo-1204@noor-partners.example\" width=\"48\" height=\"48\" alt=\"Noor &amp; Partners logo\"></p>")
    .line("<p>Noor &amp; Partners</p>")
    .line("--alt-1204--")
    .line("--related-1204")
    .line("Content-Type: image/png; name=\"logo.png\"")
    .line("Content-Disposition: inline; filename=\"logo.png\"")
    .line("Content-Transfer-Encoding: base64")
    .line("Content-ID: <logo-1204@noor-partners.example>")
    .line("X-Attachment-Id: logo-1204")
    .line("")
    .line(&base64_lines(&logo))
    .line("--related-1204--")
    .line("--mixed-1204")
    .line("Content-Type: application/pdf; name=\"invoice-2026-1204.pdf\"")
    .line("Content-Disposition: attachment; filename=\"invoice-2026-1204.pdf\"")
    .line("Content-Transfer-Encoding: base64")
    .line("")
    .line(&base64_lines(&pdf))
    .line("--mixed-1204--");
    SeedThread {
        messages: vec![seed_message(
            raw,
            ms,
            &["INBOX", "UNREAD", "IMPORTANT", "CATEGORY_UPDATES"],
        )],
    }
}

fn forwarded(me: &str, ms: i64) -> SeedThread {
    let inner_ms = ms - 30 * HOUR;
    let raw = Raw::new(&[
        ("MIME-Version", "1.0".into()),
        ("Date", date(ms)),
        ("Message-ID", "<fwd-venue@example.ie>".into()),
        ("Subject", "Fwd: Venue confirmation".into()),
        ("From", "Sam O'Neil <sam.oneil@example.ie>".into()),
        ("To", me.to_string()),
        ("Content-Type", "multipart/mixed; boundary=\"fwd-b1\"".into()),
    ])
    .line("")
    .line("--fwd-b1")
    .line("Content-Type: text/plain; charset=\"UTF-8\"")
    .line("")
    .line("FYI, the venue confirmed. Their mail is attached.")
    .line("")
    .line("Sam")
    .line("--fwd-b1")
    .line("Content-Type: message/rfc822")
    .line("Content-Disposition: inline")
    .line("")
    .line("MIME-Version: 1.0")
    .line(&format!("Date: {}", date(inner_ms)))
    .line("Message-ID: <booking-7781@venue.example>")
    .line("From: Harbour Hall Bookings <bookings@venue.example>")
    .line("To: Sam O'Neil <sam.oneil@example.ie>")
    .line(&format!(
        "Subject: {}",
        phrase("Venue confirmation – booking #7781")
    ))
    .line("Content-Type: multipart/alternative; boundary=\"venue-b2\"")
    .line("")
    .line("--venue-b2")
    .line("Content-Type: text/plain; charset=\"UTF-8\"")
    .line("Content-Transfer-Encoding: quoted-printable")
    .line("")
    .line(&quoted_printable(
        "Dear Sam,\n\nyour booking #7781 for 40 guests is confirmed. The hall opens at 08:30.\n\nHarbour Hall – Bookings".as_bytes(),
    ))
    .line("--venue-b2")
    .line("Content-Type: text/html; charset=\"UTF-8\"")
    .line("")
    .line("<p>Dear Sam,</p><p>your booking <b>#7781</b> for 40 guests is confirmed. The hall opens at 08:30.</p><p>Harbour Hall &ndash; Bookings</p>")
    .line("--venue-b2--")
    .line("")
    .line("--fwd-b1--");
    SeedThread {
        messages: vec![seed_message(raw, ms, &["INBOX", "CATEGORY_PERSONAL"])],
    }
}

fn encode(encoding: &'static encoding_rs::Encoding, text: &str) -> Vec<u8> {
    encoding.encode(text).0.into_owned()
}

fn windows_1252(me: &str, ms: i64) -> SeedThread {
    let enc = encoding_rs::WINDOWS_1252;
    let body = "Chère cliente, cher client,\n\nnotre « menu d’hiver » arrive : soupe à l’oignon, crème brûlée… le tout pour 12 € — merci de votre fidélité !\n\nCafé Société";
    let raw = Raw::new(&[
        ("MIME-Version", "1.0".into()),
        ("Date", date(ms)),
        ("Message-ID", "<menu-hiver@cafe.example.fr>".into()),
        (
            "Subject",
            word(
                "windows-1252",
                &encode(enc, "Le « menu d’hiver » est arrivé – 12 €"),
            ),
        ),
        (
            "From",
            format!(
                "{} <bonjour@cafe.example.fr>",
                word("windows-1252", &encode(enc, "Café Société"))
            ),
        ),
        ("To", me.to_string()),
        (
            "Content-Type",
            "text/plain; charset=\"windows-1252\"".into(),
        ),
        ("Content-Transfer-Encoding", "quoted-printable".into()),
    ])
    .line("")
    .line(&quoted_printable(&encode(enc, body)));
    SeedThread {
        messages: vec![seed_message(raw, ms, &["INBOX", "CATEGORY_PROMOTIONS"])],
    }
}

fn iso_2022_jp(me: &str, ms: i64) -> SeedThread {
    let enc = encoding_rs::ISO_2022_JP;
    let body = "いつもお世話になっております。\n来週の打ち合わせは水曜日の午後三時からでよろしいでしょうか。\n\n山田太郎";
    let raw = Raw::new(&[
        ("MIME-Version", "1.0".into()),
        ("Date", date(ms)),
        ("Message-ID", "<uchiawase-42@example.jp>".into()),
        (
            "Subject",
            word("ISO-2022-JP", &encode(enc, "打ち合わせの日程について")),
        ),
        (
            "From",
            format!(
                "{} <taro.yamada@example.jp>",
                word("ISO-2022-JP", &encode(enc, "山田太郎"))
            ),
        ),
        ("To", me.to_string()),
        ("Content-Type", "text/plain; charset=\"ISO-2022-JP\"".into()),
        ("Content-Transfer-Encoding", "7bit".into()),
    ])
    .line("")
    .bytes(&encode(enc, body).replace_crlf())
    .line("");
    SeedThread {
        messages: vec![seed_message(
            raw,
            ms,
            &["INBOX", "UNREAD", "CATEGORY_PERSONAL"],
        )],
    }
}

fn koi8_r(me: &str, ms: i64) -> SeedThread {
    let enc = encoding_rs::KOI8_R;
    let body =
        "Добрый день!\n\nОтправляю отчёт за квартал. Если будут вопросы, звоните.\n\nИван Петров";
    let raw = Raw::new(&[
        ("MIME-Version", "1.0".into()),
        ("Date", date(ms)),
        ("Message-ID", "<otchet-q4@example.ru>".into()),
        ("Subject", word("KOI8-R", &encode(enc, "Отчёт за квартал"))),
        (
            "From",
            format!(
                "{} <ivan.petrov@example.ru>",
                word("KOI8-R", &encode(enc, "Иван Петров"))
            ),
        ),
        ("To", me.to_string()),
        ("Content-Type", "text/plain; charset=\"KOI8-R\"".into()),
        ("Content-Transfer-Encoding", "8bit".into()),
    ])
    .line("")
    .bytes(&encode(enc, body).replace_crlf())
    .line("");
    SeedThread {
        messages: vec![seed_message(raw, ms, &["INBOX", "CATEGORY_UPDATES"])],
    }
}

/// Bare LFs as CRLF, for bodies encoded from Rust strings (the encodings above keep `\n` as the byte 0x0A).
trait Crlf {
    fn replace_crlf(&self) -> Vec<u8>;
}

impl Crlf for Vec<u8> {
    fn replace_crlf(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.len() + 16);
        for b in self {
            if *b == b'\n' {
                out.push(b'\r');
            }
            out.push(*b);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_printable_round_trips_through_the_reader() {
        for text in [
            "plain ascii with = sign".as_bytes().to_vec(),
            "a very long line ".repeat(20).into_bytes(),
            encoding_rs::WINDOWS_1252
                .encode("crème — 12 €")
                .0
                .into_owned(),
        ] {
            let encoded = quoted_printable(&text);
            assert!(encoded.lines().all(|l| l.len() <= 76), "{encoded}");
            assert_eq!(
                crate::decode::decode_quoted_printable(encoded.as_bytes()),
                text
            );
        }
    }

    #[test]
    fn attribution_is_gmail_style() {
        // 2026-11-17 09:12 UTC is a Tuesday.
        let ms = (crate::time::days_from_civil(2026, 11, 17) * 86_400 + 9 * 3600 + 12 * 60) * 1000;
        assert_eq!(
            attribution(ms, "A <a@b.c>"),
            "On Tue, Nov 17, 2026 at 9:12 AM A <a@b.c> wrote:"
        );
        assert_eq!(quote("x\n\n> y"), "> x\n>\n>> y");
    }
}
