//! The encodings a message written by gmux needs, all producing 7-bit ASCII with CRLF line ends, so what
//! Gmail receives never depends on how a transport treats 8-bit bytes:
//!
//! - [`HeaderLine`]: one header field, folded at spaces so lines stay within 76 characters, with
//!   RFC 2047 encoded-words (UTF-8, `B` or `Q`, whichever is shorter; never splitting a UTF-8 sequence)
//!   for every word that cannot travel as it is;
//! - [`rfc2231_parameter`]: a MIME parameter (an attachment's `filename`) in RFC 2231 form, with
//!   continuations when it is long;
//! - [`base64_lines`] and [`quoted_printable`] for bodies, lines of at most 76 characters.
//!
//! Nothing here checks for line breaks: the builder refuses CR and LF in header values before they get
//! here. The encoders still never emit a bare CR or LF, whatever they are given: a CR or LF in header text
//! travels inside an encoded-word.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;

/// The longest header line gmux writes when it can choose (RFC 2047 asks 76 for lines with encoded-words;
/// RFC 5322 recommends 78). A single unbreakable token may make a line longer, never past
/// [`MAX_LINE_HARD`].
pub const MAX_LINE: usize = 76;

/// RFC 5322's hard limit for a line, without its CRLF.
pub const MAX_LINE_HARD: usize = 998;

/// `=?utf-8?q?` and `?=`: what an encoded-word costs beyond its encoded text.
const ENCODED_WORD_OVERHEAD: usize = 12;

/// RFC 2047's longest encoded-word.
const MAX_ENCODED_WORD: usize = 75;

/// A plain word longer than this is written as encoded-words instead, so that it can be split over lines.
const MAX_PLAIN_WORD: usize = 60;

/// One header field being written: `Name: value`, folded at spaces.
///
/// Every token is placed after one space; when it would pass [`MAX_LINE`], the line is folded there
/// (CRLF before the space), so unfolding gives back exactly one space.
#[derive(Debug, Clone)]
pub struct HeaderLine {
    out: String,
    /// The length of the line being written.
    col: usize,
    /// No token has been written after the name yet.
    first: bool,
}

impl HeaderLine {
    /// Starts the field `name:`. The name is a fixed ASCII token chosen by the code, never user input.
    pub fn new(name: &str) -> HeaderLine {
        let mut out = String::with_capacity(80);
        out.push_str(name);
        out.push(':');
        HeaderLine {
            col: out.len(),
            out,
            first: true,
        }
    }

    /// Whether a token of `len` characters still fits on the current line after a space.
    fn fits(&self, len: usize) -> bool {
        self.col + 1 + len <= MAX_LINE
    }

    /// Ends the current line: the next token starts a continuation line.
    fn fold(&mut self) {
        self.out.push_str("\r\n");
        self.col = 0;
    }

    /// Writes one unbreakable token after a space, folding before it if it does not fit. The first
    /// token stays on the name's line whatever its length: a fold right after the colon gains nothing.
    pub fn token(&mut self, token: &str) {
        if !self.first && !self.fits(token.len()) {
            self.fold();
        }
        self.first = false;
        self.out.push(' ');
        self.out.push_str(token);
        self.col += 1 + token.len();
    }

    /// Writes a token at the start of a continuation line, whatever room is left on this one: between
    /// encoded-words inside a quoted parameter, where readers drop a folding line break but keep a plain
    /// space.
    pub fn token_on_new_line(&mut self, token: &str) {
        if !self.first {
            self.fold();
        }
        self.token(token);
    }

    /// Writes `text` as encoded-words (UTF-8, `Q` or `B`), split between characters into as many words as
    /// the lines need. `Q` leaves only the characters RFC 2047 allows in a display name unencoded, a set
    /// that is safe in unstructured text too, so one encoder serves subjects and names.
    pub fn encoded(&mut self, text: &str) {
        let first = self.encoded_room();
        for word in split_encoded(text, first, MAX_ENCODED_WORD - ENCODED_WORD_OVERHEAD) {
            self.token(&word);
        }
    }

    /// How many encoded characters the first encoded-word may hold: what is left of this line, or a
    /// whole continuation line when too little is left to be worth it.
    fn encoded_room(&self) -> usize {
        let max = MAX_ENCODED_WORD - ENCODED_WORD_OVERHEAD;
        let left = MAX_LINE.saturating_sub(self.col + 1 + ENCODED_WORD_OVERHEAD);
        if self.first || left >= 16 {
            left.clamp(12, max)
        } else {
            max
        }
    }

    /// Writes unstructured text (a subject): words that can travel as they are stay readable; every run
    /// of words that cannot (non-ASCII, control characters, runs of spaces, leading or trailing spaces,
    /// anything that looks like an encoded-word, very long words) becomes encoded-words, together with
    /// the spaces inside the run. A decoder keeps the one space between a plain word and an encoded-word
    /// and drops the folding between encoded-words, so the text reads back exactly.
    pub fn unstructured(&mut self, text: &str) {
        let words: Vec<&str> = text.split(' ').collect();
        let mut encode: Vec<bool> = words.iter().map(|w| !plain_word(w)).collect();
        // An empty word stands for a space next to another one: it joins the run of the word after it
        // (or before it, at the end), so that the space is carried inside encoded text.
        for i in 0..words.len() {
            if words[i].is_empty() {
                if i + 1 < words.len() {
                    encode[i + 1] = true;
                } else if i > 0 {
                    encode[i - 1] = true;
                }
            }
        }
        let mut i = 0;
        while i < words.len() {
            if encode[i] {
                let start = i;
                while i < words.len() && encode[i] {
                    i += 1;
                }
                self.encoded(&words[start..i].join(" "));
            } else {
                self.token(words[i]);
                i += 1;
            }
        }
    }

    /// The finished field, ending in CRLF.
    pub fn finish(mut self) -> String {
        self.out.push_str("\r\n");
        self.out
    }
}

/// `text` as encoded-words of at most `room` encoded characters each (plus the 12 of `=?utf-8?q?` and
/// `?=`), for places a [`HeaderLine`] does not fold by itself (a quoted MIME parameter).
pub fn encoded_words(text: &str, room: usize) -> Vec<String> {
    split_encoded(text, room, room)
}

/// Splits `text` between characters into encoded-words: the first holds at most `first` encoded
/// characters, the others `rest`. `B` or `Q` is chosen once for the whole text.
fn split_encoded(text: &str, first: usize, rest: usize) -> Vec<String> {
    let b_mode = b_is_shorter(text);
    let mut words = Vec::new();
    let mut chunk = String::new();
    let mut chunk_len = 0;
    let mut room = first;
    for c in text.chars() {
        let grown = if b_mode {
            b_len(chunk.len() + c.len_utf8())
        } else {
            chunk_len + q_len(c)
        };
        if grown > room && !chunk.is_empty() {
            words.push(encoded_word(&chunk, b_mode));
            chunk.clear();
            chunk_len = 0;
            room = rest;
        }
        chunk.push(c);
        chunk_len = if b_mode {
            b_len(chunk.len())
        } else {
            chunk_len + q_len(c)
        };
    }
    if !chunk.is_empty() || words.is_empty() {
        words.push(encoded_word(&chunk, b_mode));
    }
    words
}

fn encoded_word(text: &str, b_mode: bool) -> String {
    let mut word = String::with_capacity(MAX_ENCODED_WORD);
    if b_mode {
        word.push_str("=?utf-8?b?");
        word.push_str(&STANDARD.encode(text.as_bytes()));
    } else {
        word.push_str("=?utf-8?q?");
        for c in text.chars() {
            push_q(&mut word, c);
        }
    }
    word.push_str("?=");
    word
}

/// Whether a word of unstructured text can be written as it is: printable ASCII, not empty, short
/// enough to fit a line, and not containing `=?`, which a reader could take for an encoded-word.
fn plain_word(word: &str) -> bool {
    !word.is_empty()
        && word.len() <= MAX_PLAIN_WORD
        && word.bytes().all(|b| (0x21..=0x7e).contains(&b))
        && !word.contains("=?")
}

/// The length of `n` bytes in base64.
fn b_len(n: usize) -> usize {
    n.div_ceil(3) * 4
}

/// The characters `Q` may leave as they are in any header context (RFC 2047 section 5 (3)).
fn q_literal(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'!' | b'*' | b'+' | b'-' | b'/')
}

fn q_len(c: char) -> usize {
    if c == ' ' || (c.is_ascii() && q_literal(c as u8)) {
        1
    } else {
        3 * c.len_utf8()
    }
}

fn push_q(out: &mut String, c: char) {
    if c == ' ' {
        out.push('_');
    } else if c.is_ascii() && q_literal(c as u8) {
        out.push(c);
    } else {
        let mut buf = [0u8; 4];
        for b in c.encode_utf8(&mut buf).bytes() {
            push_hex(out, b);
        }
    }
}

fn push_hex(out: &mut String, b: u8) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    out.push('=');
    out.push(HEX[usize::from(b >> 4)] as char);
    out.push(HEX[usize::from(b & 15)] as char);
}

/// `B` when it is a quarter shorter than `Q` for this text (mostly non-Latin text), `Q` otherwise, so
/// Latin text with a few accents stays readable in the raw message.
fn b_is_shorter(text: &str) -> bool {
    let q: usize = text.chars().map(q_len).sum();
    b_len(text.len()) * 4 < q * 3
}

/// Whether `text` can be a MIME parameter value or display name in a plain quoted string that any reader
/// takes literally: printable ASCII and spaces, no quote or backslash (readers disagree on escapes), no
/// `=?`, and short enough for one line.
pub fn plain_quotable(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= MAX_PLAIN_WORD
        && text
            .bytes()
            .all(|b| (0x20..=0x7e).contains(&b) && b != b'"' && b != b'\\')
        && !text.contains("=?")
}

/// A MIME parameter in RFC 2231 form, as the pieces to write after `; `: `name*=utf-8''%E2%82%AC.pdf`, or
/// `name*0*=utf-8''...`, `name*1*=...` when the encoded value is long. Continuations are cut between
/// characters, never inside a UTF-8 sequence, as some readers decode each piece on its own.
pub fn rfc2231_parameter(name: &str, value: &str) -> Vec<String> {
    const PIECE: usize = 60;
    let mut pieces: Vec<String> = vec!["utf-8''".to_string()];
    for c in value.chars() {
        let mut enc = String::new();
        let mut buf = [0u8; 4];
        for b in c.encode_utf8(&mut buf).bytes() {
            if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
                enc.push(b as char);
            } else {
                enc.push('%');
                enc.push_str(&format!("{b:02X}"));
            }
        }
        let last = pieces.len() - 1;
        if pieces[last].len() + enc.len() > PIECE && !pieces[last].ends_with("''") {
            pieces.push(enc);
        } else {
            pieces[last].push_str(&enc);
        }
    }
    if pieces.len() == 1 {
        return vec![format!("{name}*={}", pieces[0])];
    }
    pieces
        .iter()
        .enumerate()
        .map(|(i, p)| format!("{name}*{i}*={p}"))
        .collect()
}

/// `data` in base64, 76 characters a line, each line ending in CRLF.
pub fn base64_lines<S: Sink + ?Sized>(data: &[u8], out: &mut S) {
    for chunk in data.chunks(57) {
        out.put(STANDARD.encode(chunk).as_bytes());
        out.put(b"\r\n");
    }
}

/// What [`base64_lines`] writes for `len` bytes, without writing it.
pub fn base64_lines_len(len: usize) -> usize {
    let full = len / 57;
    let rest = len % 57;
    full * 78 + if rest > 0 { b_len(rest) + 2 } else { 0 }
}

/// `text` (whose line breaks are already CRLF) in quoted-printable: lines of at most 76 characters with
/// soft breaks, `=` and everything outside printable ASCII encoded, and a space or tab before a line
/// break encoded so that no transport can strip it.
pub fn quoted_printable(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    for (n, line) in text.split("\r\n").enumerate() {
        if n > 0 {
            out.push_str("\r\n");
        }
        let bytes = line.as_bytes();
        let mut col = 0;
        for (i, &b) in bytes.iter().enumerate() {
            let last = i + 1 == bytes.len();
            let literal = match b {
                b'=' => false,
                b' ' | b'\t' => !last,
                0x21..=0x7e => true,
                _ => false,
            };
            let len = if literal { 1 } else { 3 };
            // Keep one column for the soft break's `=`, unless this is the line's last token.
            let limit = if last { MAX_LINE } else { MAX_LINE - 1 };
            if col + len > limit {
                out.push_str("=\r\n");
                col = 0;
            }
            if literal {
                out.push(b as char);
            } else {
                push_hex(&mut out, b);
            }
            col += len;
        }
    }
    out
}

/// Where a message is written: its bytes, or only their count (to know a message's size without holding
/// a second copy of its attachments).
pub trait Sink {
    fn put(&mut self, bytes: &[u8]);
    /// An attachment's bytes as base64 lines: a counter adds up their length without encoding them.
    fn put_base64(&mut self, data: &[u8]) {
        base64_lines(data, self);
    }
}

impl Sink for Vec<u8> {
    fn put(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
    }
}

/// A [`Sink`] that only counts.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counter(pub usize);

impl Sink for Counter {
    fn put(&mut self, bytes: &[u8]) {
        self.0 += bytes.len();
    }
    fn put_base64(&mut self, data: &[u8]) {
        self.0 += base64_lines_len(data.len());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_unstructured(text: &str, expected: &str) {
        let mut h = HeaderLine::new("Subject");
        h.unstructured(text);
        assert_eq!(h.finish(), expected, "for {text:?}");
    }

    #[test]
    fn unstructured_text() {
        check_unstructured("Hello world", "Subject: Hello world\r\n");
        check_unstructured("Re: café", "Subject: Re: =?utf-8?q?caf=C3=A9?=\r\n");
        check_unstructured("two  spaces", "Subject: two =?utf-8?q?_spaces?=\r\n");
        check_unstructured(" lead", "Subject: =?utf-8?q?_lead?=\r\n");
        check_unstructured("trail ", "Subject: =?utf-8?q?trail_?=\r\n");
        check_unstructured(
            "=?utf-8?q?x?=",
            "Subject: =?utf-8?q?=3D=3Futf-8=3Fq=3Fx=3F=3D?=\r\n",
        );
        check_unstructured("tab\there", "Subject: =?utf-8?q?tab=09here?=\r\n");
        check_unstructured(
            "日本語の件名",
            "Subject: =?utf-8?b?5pel5pys6Kqe44Gu5Lu25ZCN?=\r\n",
        );
        check_unstructured("", "Subject: =?utf-8?q??=\r\n");
        check_unstructured(
            "a b c d e f g h i j k l m n o p q r s t u v w x y z a b c d e f g h i j k l m n o p",
            "Subject: a b c d e f g h i j k l m n o p q r s t u v w x y z a b c d e f g h\r\n i j k l m n o p\r\n",
        );
    }

    #[test]
    fn encoded_words_fold_within_76_and_keep_utf8_whole() {
        let text = "é".repeat(100) + &"😀".repeat(40);
        let mut h = HeaderLine::new("Subject");
        h.unstructured(&text);
        let out = h.finish();
        for line in out.split("\r\n") {
            assert!(line.len() <= MAX_LINE, "{line:?}");
        }
        // Each encoded-word decodes on its own to whole characters.
        for word in out.split_whitespace().filter(|w| w.starts_with("=?")) {
            let body = word
                .trim_start_matches("=?utf-8?q?")
                .trim_start_matches("=?utf-8?b?")
                .trim_end_matches("?=");
            let bytes = if word.starts_with("=?utf-8?b?") {
                STANDARD.decode(body).unwrap()
            } else {
                decode_q(body)
            };
            assert!(
                String::from_utf8(bytes).is_ok(),
                "{word} splits a character"
            );
        }
    }

    fn decode_q(s: &str) -> Vec<u8> {
        let b = s.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < b.len() {
            match b[i] {
                b'=' => {
                    out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap());
                    i += 3;
                }
                b'_' => {
                    out.push(b' ');
                    i += 1;
                }
                c => {
                    out.push(c);
                    i += 1;
                }
            }
        }
        out
    }

    #[test]
    fn rfc2231_pieces() {
        assert_eq!(
            rfc2231_parameter("filename", "a b.pdf"),
            ["filename*=utf-8''a%20b.pdf"]
        );
        assert_eq!(
            rfc2231_parameter("filename", "€.pdf"),
            ["filename*=utf-8''%E2%82%AC.pdf"]
        );
        let long = rfc2231_parameter("filename", &"é".repeat(30));
        assert_eq!(long.len(), 4);
        assert!(long[0].starts_with("filename*0*=utf-8''%C3%A9"));
        assert!(long[1].starts_with("filename*1*=%C3%A9"));
        assert!(long.iter().all(|p| p.len() <= 80));
    }

    #[test]
    fn quoted_printable_lines() {
        assert_eq!(quoted_printable("plain"), "plain");
        assert_eq!(quoted_printable("a=b"), "a=3Db");
        assert_eq!(quoted_printable("end \r\nx\t"), "end=20\r\nx=09");
        assert_eq!(quoted_printable("café"), "caf=C3=A9");
        let long = "x".repeat(200);
        let qp = quoted_printable(&long);
        assert!(qp.split("\r\n").all(|l| l.len() <= MAX_LINE));
        assert_eq!(qp.replace("=\r\n", ""), long);
        // An escape is never cut by a soft break.
        let mixed = "é".repeat(60);
        for line in quoted_printable(&mixed).split("\r\n") {
            assert!(line.len() <= MAX_LINE);
            assert!(!line.trim_end_matches('=').ends_with("=C"));
        }
    }

    #[test]
    fn base64_lines_and_their_length() {
        for len in [0, 1, 2, 3, 56, 57, 58, 114, 115, 1000] {
            let data: Vec<u8> = (0..len).map(|i| i as u8).collect();
            let mut out = Vec::new();
            base64_lines(&data, &mut out);
            assert_eq!(out.len(), base64_lines_len(len), "for {len}");
            assert!(out.split(|b| *b == b'\n').all(|l| l.len() <= 77));
            let mut counter = Counter::default();
            counter.put_base64(&data);
            assert_eq!(counter.0, out.len());
        }
    }
}
