//! gmux-mail's [`Charsets`] over the browser's `TextDecoder`: every encoding of the Encoding Standard
//! (ISO-8859-x, Windows-125x, KOI8, Shift_JIS, EUC-JP, ISO-2022-JP, EUC-KR, GBK, GB18030, Big5...) without
//! carrying a single table in the wasm. A label the browser does not know is `None`, and gmux-mail says so.

use gmux_mail::charset::Charsets;
use web_sys::{TextDecoder, TextDecoderOptions};

pub struct TextDecoders;

impl Charsets for TextDecoders {
    fn decode(&self, label: &str, bytes: &[u8]) -> Option<String> {
        let options = TextDecoderOptions::new();
        // Bytes that are not valid in the charset become U+FFFD, as a browser shows a page.
        options.set_fatal(false);
        let decoder = TextDecoder::new_with_label_and_options(label, &options).ok()?;
        decoder.decode_with_u8_array(bytes).ok()
    }
}
