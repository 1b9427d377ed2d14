//! The hostile corpus: every fixture in `tests/fixtures/hostile/` is sanitised with remote content blocked and
//! allowed, and each document must pass the independent checker (`sanitize::inert`), parsed again both with
//! scripting on and off. Fixture by fixture, what must survive and what must not is stated too.

use gmux_mail::sanitize::{inert::check_inert, sanitize, SanitizeOptions, Sanitized};
use std::collections::BTreeMap;

fn run(name: &str, allow_remote: bool) -> Sanitized {
    let html = String::from_utf8(super::fixture(&format!("hostile/{name}"))).unwrap_or_default();
    let cids = BTreeMap::from([(
        "logo@mail".to_string(),
        "data:image/png;base64,iVBORw0KGgo=".to_string(),
    )]);
    let out = sanitize(
        &html,
        &SanitizeOptions {
            allow_remote,
            cid_images: &cids,
        },
    );
    if let Err(e) = check_inert(&out.document, allow_remote) {
        panic!(
            "{name} (remote {allow_remote}) is not inert: {e}\n{}",
            out.document
        );
    }
    out
}

/// The body of the document, where the mail's content is.
fn body(out: &Sanitized) -> &str {
    let start = out.document.find("<body").unwrap_or(0);
    &out.document[start..]
}

fn check(name: &str, present: &[&str], absent: &[&str]) {
    for allow_remote in [false, true] {
        let out = run(name, allow_remote);
        let lower = body(&out).to_ascii_lowercase();
        for want in present {
            assert!(
                out.document.contains(want),
                "{name}: {want:?} missing from\n{}",
                out.document
            );
        }
        for bad in absent {
            assert!(
                !lower.contains(&bad.to_ascii_lowercase()),
                "{name}: {bad:?} in\n{}",
                body(&out)
            );
        }
    }
}

#[test]
fn every_fixture_is_inert() {
    let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/hostile");
    let mut count = 0;
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{e}")) {
        let name = entry.unwrap_or_else(|e| panic!("{e}")).file_name();
        let name = name.to_string_lossy();
        run(&name, false);
        run(&name, true);
        count += 1;
    }
    assert!(count >= 15, "only {count} fixtures");
}

#[test]
fn scripts_and_handlers() {
    check(
        "script-everywhere.html",
        &["Hello", "cell"],
        &[
            "<script",
            "evil.test",
            "<iframe",
            "<object",
            "<embed",
            "onload",
            "onerror",
        ],
    );
    check(
        "event-handlers.html",
        &["hover", "href=\"https://ok.test/\"", "<details open=\"\">"],
        &["alert", " on"],
    );
    check(
        "template-and-shadow.html",
        &["light"],
        &[
            "Fake dialog",
            "<template",
            "<slot",
            "<dialog",
            "evil.test",
            "alert",
        ],
    );
    check(
        "comments-and-cdata.html",
        &["after pi", "after doctype"],
        &["<img", "<script", "evil.test", "<!--"],
    );
}

#[test]
fn urls() {
    check(
        "javascript-urls.html",
        &[
            "href=\"https://ok.test/?q=&quot;&gt;&lt;script&gt;\" target=\"_blank\" rel=\"noopener noreferrer\"",
            "href=\"mailto:ann@ok.test?subject=hi\"",
        ],
        &["javascript", "vbscript", "livescript", "data:text", "evil.test", "chrome-extension", "relative", "cite="],
    );
    check(
        "data-urls.html",
        &[
            "src=\"data:image/png;base64,iVBORw0KGgo=\"",
            "R0lGODlh",
            "url(&quot;data:image/png;base64,iVBORw0KGgo=&quot;)",
        ],
        &[
            "image/svg",
            "text/html",
            "<iframe",
            "<object",
            "href=\"data",
        ],
    );
    check(
        "attribute-tricks.html",
        &[
            "<p id=\"gmux-quote\">spoofed classes</p>",
            "<div dir=\"rtl\">",
            "<ol type=\"a\" start=\"3\"><li value=\"5\">",
            "<font face=\"Arial\" color=\"red\" size=\"3\">",
            "<center>",
            "href=\"https://ok.test/spaced\"",
        ],
        &[
            "<script",
            "javascript",
            "dup.png",
            "class=\"gmux",
            "dir=\"javascript",
        ],
    );
}

#[test]
fn foreign_content_and_breakouts() {
    // `<image>` is read as `<img>` by every HTML parser, so its remote src is an ordinary remote image.
    check(
        "svg-math.html",
        &[],
        &["alert", "<svg", "<math", "<image", "xlink"],
    );
    check(
        "mxss-breakouts.html",
        &["&lt;script&gt;alert(12)&lt;/script&gt; is text"],
        &[
            "<img",
            "<noscript",
            "<xmp",
            "<textarea",
            "<title",
            "<iframe",
            "<plaintext",
            "<style",
        ],
    );
    check(
        "namespace-confusion.html",
        &[],
        &["<img", "<svg", "<math", "<style", "<textarea", "<form"],
    );
    check(
        "meta-base-link.html",
        &["body"],
        &[
            "refresh",
            "evil.test",
            "x-evil",
            "<base",
            "<link",
            "<meta",
            "<title",
        ],
    );
    check(
        "forms.html",
        &["Your password has expired"],
        &[
            "<form",
            "<input",
            "<button",
            "<select",
            "<textarea",
            "evil.test",
            "formaction",
            "<isindex",
            "<keygen",
        ],
    );
}

#[test]
fn css() {
    check(
        "css-overlays.html",
        &["kept", "font-family:\"Helvetica Neue\", Arial"],
        &[
            "expression",
            "position:fixed",
            "position:absolute",
            "position:sticky",
            "behavior",
            "binding",
            "@import",
            "font-face",
            "<script",
        ],
    );
    let out = run("css-overlays.html", false);
    assert!(
        out.document
            .contains(".ok{color:#333;font-family:\"Helvetica Neue\", Arial;}"),
        "{}",
        out.document
    );
    assert!(!out.document.contains("evil.test"), "{}", out.document);
    let newsletter = run("gmail-newsletter.html", false);
    assert!(newsletter.document.contains("@media only screen and (max-width: 600px){.content{width:100%!important;}h1{font-size:22px!important;}}"), "{}", newsletter.document);
    assert!(
        newsletter
            .document
            .contains("a.button{display:inline-block;"),
        "{}",
        newsletter.document
    );
    assert!(newsletter.has_quote);
    assert_eq!(newsletter.remote_blocked, 1);
}

#[test]
fn remote_images_are_blocked_counted_and_allowed_on_request() {
    let blocked = run("remote-images.html", false);
    assert_eq!(blocked.remote_blocked, 12, "{}", blocked.document);
    assert!(!blocked.document.contains("img.test") && !blocked.document.contains("tracker.test"));
    assert!(
        blocked
            .document
            .contains("srcset=\"data:image/png;base64,iVBORw0KGgo= 1x\""),
        "{}",
        blocked.document
    );
    assert!(
        blocked
            .document
            .contains("<img src=\"data:image/png;base64,iVBORw0KGgo=\">"),
        "the cid image: {}",
        blocked.document
    );
    let allowed = run("remote-images.html", true);
    assert_eq!(allowed.remote_blocked, 0);
    for url in [
        "https://tracker.test/open.gif?id=123",
        "http://tracker.test/plain.gif",
        "https://img.test/b.png 2x",
        "background=\"http://img.test/tdbg.png\"",
        "url(&quot;https://img.test/div.png&quot;)",
    ] {
        assert!(
            allowed.document.contains(url),
            "{url} missing: {}",
            allowed.document
        );
    }
    assert!(
        !allowed.document.contains("scheme-relative")
            && !allowed.document.contains("relative.png")
            && !allowed.document.contains("poster")
    );
}
