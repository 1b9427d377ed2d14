//! Fixed identities of the product: the names by which browsers and the host find each other.

/// The native messaging host name (lowercase letters, digits, `_` and `.` only).
pub const HOST_NAME: &str = "dev.gmux.host";

/// The Chrome extension id, fixed by the public `key` in `manifest.json`
/// (first 32 hex digits of sha256 of the DER key, mapped 0-f to a-p).
pub const CHROME_EXTENSION_ID: &str = "obfbmoncncibmhjgfmnifnffmljlbjmg";

/// The Firefox add-on id (`browser_specific_settings.gecko.id`).
pub const FIREFOX_EXTENSION_ID: &str = "gmux@gmux.dev";

/// The origin Chrome-family browsers pass to the host and that the host manifest must allow exactly.
pub fn chrome_origin() -> String {
    format!("chrome-extension://{CHROME_EXTENSION_ID}/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_name_is_valid_for_every_browser() {
        assert!(HOST_NAME
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '.'));
    }

    #[test]
    fn chrome_origin_has_trailing_slash() {
        assert_eq!(
            chrome_origin(),
            "chrome-extension://obfbmoncncibmhjgfmnifnffmljlbjmg/"
        );
    }
}
