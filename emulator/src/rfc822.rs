//! Raw RFC 822 mail, as Gmail's `messages.insert` takes it (`raw`, base64url): its headers decoded the way the
//! Gmail API returns them (see `decode` for the rules), its MIME tree (`mime`), and the text body for the snippet.

use crate::decode::decode_charset;
use crate::mime::{self, Part};

/// A raw message as the emulator keeps it: the bytes it was given and what Gmail reads out of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawMail {
    pub bytes: Vec<u8>,
    /// Every header, in order, decoded.
    pub headers: Vec<(String, String)>,
    /// The top-level `Content-Type` value (`text/plain` when absent).
    pub content_type: String,
    pub text: Option<String>,
    pub html: Option<String>,
    /// The MIME tree, as `format=full` answers it.
    pub root: Part,
}

impl RawMail {
    /// The first header of this name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Reads a message. Never fails: whatever is not mail-shaped is read as liberally as a mail reader would.
pub fn parse(bytes: &[u8]) -> RawMail {
    let root = mime::parse_message(bytes);
    let headers = root.headers.clone();
    let content_type = find(&headers, "content-type")
        .unwrap_or("text/plain")
        .to_string();
    RawMail {
        bytes: bytes.to_vec(),
        headers,
        content_type,
        text: first_body(&root, "text/plain"),
        html: first_body(&root, "text/html"),
        root,
    }
}

/// The first body of this type that is not an attachment, decoded by its charset (or as UTF-8).
fn first_body(root: &Part, mime_type: &str) -> Option<String> {
    let part = root.walk().into_iter().find(|p| {
        p.children.is_empty()
            && p.mime_type == mime_type
            && !p.is_attachment()
            && !p
                .header("content-disposition")
                .is_some_and(|d| d.trim().to_ascii_lowercase().starts_with("attachment"))
    })?;
    Some(
        part.charset()
            .and_then(|c| decode_charset(&part.content, &c))
            .unwrap_or_else(|| String::from_utf8_lossy(&part.content).into_owned()),
    )
}

fn find<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_unfold_and_8bit_bytes_read_as_windows_1252() {
        let raw = b"From: =?UTF-8?Q?J=C3=B6rg?= <j@example.org>\r\nSubject: one\r\n two\r\nX-Latin: caf\xe9 \x80\x81\r\nX-Utf8: Gr\xc3\xbc\xc3\x9fe\r\n\r\nbody\r\n";
        let mail = parse(raw);
        assert_eq!(mail.header("from"), Some("Jörg <j@example.org>"));
        assert_eq!(mail.header("Subject"), Some("one two"));
        assert_eq!(mail.header("X-Latin"), Some("café €\u{81}"));
        // Raw UTF-8 in a header is mojibake, as Gmail shows it.
        assert_eq!(mail.header("X-Utf8"), Some("GrÃ¼ÃŸe"));
        assert_eq!(mail.text.as_deref(), Some("body\r\n"));
        assert_eq!(mail.content_type, "text/plain");
    }

    #[test]
    fn bodies_are_decoded_by_transfer_encoding_and_charset() {
        let qp = parse(b"Content-Type: text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: quoted-printable\n\ncaf=E9 =\nau lait");
        assert_eq!(qp.text.as_deref(), Some("café au lait"));
        let b64 = parse(b"Content-Type: text/html; charset=\"utf-8\"\nContent-Transfer-Encoding: base64\n\nPGI+aGk8\nL2I+\n");
        assert_eq!(b64.html.as_deref(), Some("<b>hi</b>"));
        assert_eq!(b64.text, None);
        let multi = parse(b"Content-Type: multipart/alternative; boundary=\"b1\"\r\n\r\npreamble\r\n--b1\r\nContent-Type: text/plain\r\n\r\nplain one\r\n--b1\r\nContent-Type: text/html\r\n\r\n<p>html one</p>\r\n--b1--\r\nepilogue");
        assert_eq!(multi.text.as_deref(), Some("plain one"));
        assert_eq!(multi.html.as_deref(), Some("<p>html one</p>"));
        let headers_only = parse(b"Subject: nothing else");
        assert_eq!(headers_only.header("subject"), Some("nothing else"));
        assert_eq!(headers_only.text.as_deref(), Some(""));
    }
}
