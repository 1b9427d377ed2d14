//! Where the extension may send what it holds, and whom it listens to: the Gmail base it sends Bearer tokens to,
//! and which message senders are gmux's own pages. The background asks these before it acts.

/// The one Gmail base a release build talks to, whatever gmux-host's `hello` says.
pub const GOOGLE_GMAIL_BASE: &str = "https://gmail.googleapis.com";

/// Whether the background may send access tokens to the Gmail base gmux-host named. A release build talks only to
/// Google; a test or demo build (the manifest grants the loopback origin) also to the emulator on a loopback
/// address. `Err` is the sentence the user sees.
pub fn gmail_base(base: &str, test_build: bool) -> Result<(), String> {
    let base = base.trim_end_matches('/');
    if base == GOOGLE_GMAIL_BASE {
        return Ok(());
    }
    if test_build && is_loopback_http(base) {
        return Ok(());
    }
    Err(format!(
        "gmux-host named {base} as Gmail's address; this build of gmux sends your sign-in only to \
         {GOOGLE_GMAIL_BASE}: check gmux-host's configuration (gmux-host doctor)"
    ))
}

/// `http://127.0.0.1[:port]` or `http://[::1][:port]`, and nothing after the authority.
fn is_loopback_http(base: &str) -> bool {
    let Some(rest) = base.strip_prefix("http://") else {
        return false;
    };
    let host = if let Some(v6) = rest.strip_prefix("[::1]") {
        return v6.is_empty() || is_port(v6);
    } else {
        rest
    };
    match host.split_once(':') {
        Some((name, port)) => name == "127.0.0.1" && is_port(&format!(":{port}")),
        None => host == "127.0.0.1",
    }
}

fn is_port(s: &str) -> bool {
    s.strip_prefix(':')
        .is_some_and(|p| !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()))
}

/// Whether a runtime message comes from one of gmux's own pages: this extension's id and a page under its own
/// base URL (`chrome-extension://<id>/` or `moz-extension://<uuid>/`). A content script (gmux has none) would
/// carry a web page's URL; another extension never reaches `onMessage`, but the check costs nothing.
pub fn is_own_page(
    sender_id: Option<&str>,
    sender_url: Option<&str>,
    own_id: &str,
    own_base_url: &str,
) -> bool {
    sender_id == Some(own_id)
        && !own_base_url.is_empty()
        && sender_url.is_some_and(|url| url.starts_with(own_base_url))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_release_build_sends_tokens_only_to_google() {
        // (base, test build, allowed)
        let cases = [
            ("https://gmail.googleapis.com", false, true),
            ("https://gmail.googleapis.com/", false, true),
            ("https://gmail.googleapis.com", true, true),
            ("http://127.0.0.1:8080", false, false),
            ("http://127.0.0.1:8080", true, true),
            ("http://127.0.0.1", true, true),
            ("http://[::1]:9", true, true),
            ("http://127.0.0.1.evil.example:80", true, false),
            ("http://127.0.0.1:80@evil.example", true, false),
            ("http://127.0.0.1:80/x", true, false),
            ("https://gmail.googleapis.com.evil.example", false, false),
            ("https://evil.example", true, false),
            ("http://gmail.googleapis.com", false, false),
            ("", true, false),
        ];
        for (base, test_build, allowed) in cases {
            let verdict = gmail_base(base, test_build);
            assert_eq!(
                verdict.is_ok(),
                allowed,
                "{base} (test build: {test_build})"
            );
            if let Err(sentence) = verdict {
                assert!(sentence.contains(GOOGLE_GMAIL_BASE), "{sentence}");
            }
        }
    }

    #[test]
    fn only_gmuxs_own_pages_are_listened_to() {
        let own = "obfbmoncncibmhjgfmnifnffmljlbjmg";
        let base = "chrome-extension://obfbmoncncibmhjgfmnifnffmljlbjmg/";
        let cases = [
            (
                Some(own),
                Some("chrome-extension://obfbmoncncibmhjgfmnifnffmljlbjmg/popup.html"),
                true,
            ),
            (Some(own), Some("https://mail.google.com/mail/u/0/"), false),
            (Some("otherextensionidaaaaaaaaaaaaaaaa"), Some(base), false),
            (None, Some(base), false),
            (Some(own), None, false),
            (
                Some(own),
                Some("chrome-extension://obfbmoncncibmhjgfmnifnffmljlbjmgX/popup.html"),
                false,
            ),
        ];
        for (id, url, own_page) in cases {
            assert_eq!(is_own_page(id, url, own, base), own_page, "{id:?} {url:?}");
        }
        assert!(!is_own_page(Some(own), Some(base), own, ""));
    }
}
