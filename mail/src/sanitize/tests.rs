use super::*;
use crate::notice::NoticeKind;

/// The body of a sanitised document, and the document checked by the independent checker.
fn body_of(html: &str, allow_remote: bool, cids: &BTreeMap<String, String>) -> (String, Sanitized) {
    let out = sanitize(
        html,
        &SanitizeOptions {
            allow_remote,
            cid_images: cids,
        },
    );
    if let Err(e) = inert::check_inert(&out.document, allow_remote) {
        panic!(
            "{html:?} gave a document that is not inert: {e}\n{}",
            out.document
        );
    }
    let start = out.document.find("<body").unwrap_or(0);
    let body = &out.document[start..];
    let body = &body[body.find('>').map_or(0, |i| i + 1)..];
    let body = body
        .strip_suffix("</body></html>")
        .unwrap_or(body)
        .to_string();
    (body, out)
}

fn check(html: &str, want: &str) {
    let (body, _) = body_of(html, false, &BTreeMap::new());
    assert_eq!(body, want, "{html:?}");
}

#[test]
fn markup_is_kept_and_scripts_go() {
    check("<p>Hello <b>world</b></p>", "<p>Hello <b>world</b></p>");
    check("<script>alert(1)</script>ok", "ok");
    check("<img src=x onerror=alert(1)>", "");
    check(
        "<div onclick=\"alert(1)\" class=\"x\">a</div>",
        "<div class=\"x\">a</div>",
    );
    check(
        "<p>1 &lt; 2 &amp;&amp; <i>3</i></p>",
        "<p>1 &lt; 2 &amp;&amp; <i>3</i></p>",
    );
    check("<o:p>word</o:p>", "word");
    check(
        "<form action=x><label>Name</label><input name=a><button>Go</button></form>",
        "Name",
    );
    check("<svg><a href=\"https://x.test\">t</a></svg>after", "after");
    check("<math><mtext><style>x</style></mtext></math>after", "after");
    check(
        "<table><tr><td bgcolor=\"#eee\" width=10>c</td></tr></table>",
        "<table><tbody><tr><td bgcolor=\"#eee\" width=\"10\">c</td></tr></tbody></table>",
    );
    check("<pre>\nfirst</pre>", "<pre>first</pre>");
    check("<pre>\n\nsecond</pre>", "<pre>\n\nsecond</pre>");
    check("<!-- comment --><p>x</p>", "<p>x</p>");
    check(
        "<p class=\"gmux-quote real\">x</p>",
        "<p class=\"real\">x</p>",
    );
}

#[test]
fn links_open_outside_and_show_their_target() {
    check(
        "<a href=\"https://example.test/a?b=1&amp;c=2\" title=\"Click\">x</a>",
        "<a href=\"https://example.test/a?b=1&amp;c=2\" target=\"_blank\" rel=\"noopener noreferrer\" title=\"https://example.test/a?b=1&amp;c=2\">x</a>",
    );
    check("<a href=\"javascript:alert(1)\">x</a>", "<a>x</a>");
    check("<a href=\" java\tscript:alert(1)\">x</a>", "<a>x</a>");
    check(
        "<a href=\"data:text/html,<script>alert(1)</script>\">x</a>",
        "<a>x</a>",
    );
    check("<a href=\"vbscript:x\">x</a>", "<a>x</a>");
    check("<a href=\"/relative\">x</a>", "<a>x</a>");
    check("<a href=\"//evil.test/x\">x</a>", "<a>x</a>");
    check(
        "<a href=\"mailto:ann@x.test\">mail</a>",
        "<a href=\"mailto:ann@x.test\" target=\"_blank\" rel=\"noopener noreferrer\" title=\"mailto:ann@x.test\">mail</a>",
    );
}

#[test]
fn remote_images_only_when_allowed_and_counted() {
    let html = "<img src=\"https://t.test/p.gif\"><img srcset=\"https://t.test/a.png 1x, https://t.test/b.png 2x\"><table background=\"http://t.test/bg.png\"><tr><td style=\"background-image:url(https://t.test/c.png)\">x</td></tr></table>";
    let (body, out) = body_of(html, false, &BTreeMap::new());
    assert_eq!(out.remote_blocked, 5);
    assert!(!body.contains("t.test"), "{body}");
    let (body, out) = body_of(html, true, &BTreeMap::new());
    assert_eq!(out.remote_blocked, 0);
    assert!(
        body.contains("<img src=\"https://t.test/p.gif\">"),
        "{body}"
    );
    assert!(
        body.contains("srcset=\"https://t.test/a.png 1x, https://t.test/b.png 2x\""),
        "{body}"
    );
    assert!(
        body.contains("background=\"http://t.test/bg.png\""),
        "{body}"
    );
    assert!(out.document.contains("img-src data: https: http:"));
}

#[test]
fn cid_images_come_from_the_callers_map() {
    let cids = BTreeMap::from([
        (
            "logo@x".to_string(),
            "data:image/png;base64,AAAA".to_string(),
        ),
        (
            "evil@x".to_string(),
            "data:text/html;base64,AAAA".to_string(),
        ),
    ]);
    let (body, out) = body_of(
        "<img src=\"cid:logo@x\" alt=\"Logo\"><img src=\"CID:%3Clogo@x%3E\"><img src=\"cid:missing@x\"><img src=\"cid:evil@x\">",
        false,
        &cids,
    );
    assert_eq!(
        body,
        "<img src=\"data:image/png;base64,AAAA\" alt=\"Logo\"><img src=\"data:image/png;base64,AAAA\">"
    );
    assert_eq!(out.used_cids, vec!["logo@x".to_string()]);
    assert_eq!(
        out.missing_cids,
        vec!["evil@x".to_string(), "missing@x".to_string()]
    );
    check(
        "<img src=\"data:image/gif;base64,R0lG\">",
        "<img src=\"data:image/gif;base64,R0lG\">",
    );
    check("<img src=\"data:image/svg+xml;base64,PHN2Zz4=\">", "");
}

#[test]
fn quotes_fold_behind_details() {
    let (body, out) = body_of(
        "<div>Reply</div><div class=\"gmail_quote\"><div class=\"gmail_attr\">On Tue, Ann wrote:</div><blockquote class=\"gmail_quote\">old <blockquote type=\"cite\">older</blockquote></blockquote></div>",
        false,
        &BTreeMap::new(),
    );
    assert!(out.has_quote);
    assert_eq!(
        body,
        "<div>Reply</div><details class=\"gmux-quote\"><summary title=\"Show quoted text\">\u{2022}\u{2022}\u{2022}</summary><div class=\"gmail_quote\"><div class=\"gmail_attr\">On Tue, Ann wrote:</div><blockquote class=\"gmail_quote\">old <blockquote>older</blockquote></blockquote></div></details>"
    );
    let (body, _) = body_of(
        "<blockquote type=cite>a</blockquote><p>b</p>",
        false,
        &BTreeMap::new(),
    );
    assert!(body.starts_with("<details class=\"gmux-quote\">"), "{body}");
    assert!(body.ends_with("</details><p>b</p>"), "{body}");
}

#[test]
fn styles_are_kept_rule_by_rule_in_the_head() {
    let (_, out) = body_of(
        "<html><head><style>@import url(x.css); .a{color:red;position:fixed} @font-face{src:url(https://f.test/f.woff)}</style></head><body style=\"margin:0;background:#fafafa\" bgcolor=\"#fff\" onload=\"x()\"><style>.b{font-size:12px}</style><p class=a>x</p></body></html>",
        false,
        &BTreeMap::new(),
    );
    assert!(
        out.document
            .contains("<style>.a{color:red;}.b{font-size:12px;}</style>"),
        "{}",
        out.document
    );
    assert!(
        out.document
            .contains("<body style=\"margin:0;background:#fafafa;\" bgcolor=\"#fff\">"),
        "{}",
        out.document
    );
}

#[test]
fn the_document_carries_its_policy_and_sheet() {
    let out = sanitize(
        "x",
        &SanitizeOptions {
            allow_remote: false,
            cid_images: &BTreeMap::new(),
        },
    );
    assert!(out.document.starts_with(
        "<!DOCTYPE html><html><head><meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'none'; base-uri 'none'\">"
    ));
    assert!(out.document.contains("color-scheme:light"));
    assert!(out.document.contains("overflow-wrap:anywhere"));
    assert!(out.notices.is_empty());
}

#[test]
fn hostile_sizes_end_with_a_notice_not_a_hang() {
    let deep = "<div>".repeat(50_000) + "deep text";
    let (body, out) = body_of(&deep, false, &BTreeMap::new());
    assert!(out
        .notices
        .iter()
        .any(|n| n.kind() == NoticeKind::TooComplex));
    assert!(body.len() < 2_000, "{}", body.len());
    let nested_b: String = (0..3_000)
        .map(|i| format!("<b id={i}>"))
        .collect::<String>()
        + "x";
    let (_, out) = body_of(&nested_b, false, &BTreeMap::new());
    assert!(out
        .notices
        .iter()
        .any(|n| n.kind() == NoticeKind::TooComplex));
    let attrs: String = (0..100_000).map(|i| format!(" a{i}")).collect();
    let bomb = format!("<p>before</p><div{attrs}>after</div>");
    let (body, out) = body_of(&bomb, false, &BTreeMap::new());
    assert_eq!(body, "<p>before</p>");
    assert!(out
        .notices
        .iter()
        .any(|n| n.kind() == NoticeKind::TooComplex));
    let huge = "<p>".to_string() + &"a".repeat(MAX_HTML_BYTES + 10);
    let (body, out) = body_of(&huge, false, &BTreeMap::new());
    assert!(body.len() <= MAX_HTML_BYTES + 16);
    assert_eq!(
        out.notices,
        vec![Notice::TextCut {
            shown_bytes: MAX_HTML_BYTES as u64
        }]
    );
    // Formatting elements reconstructed over and over cost bounded work and bounded nodes.
    let reopen: String =
        (0..300).map(|i| format!("<b id={i}>")).collect::<String>() + &"<p>x</p>".repeat(20_000);
    let (_, out) = body_of(&reopen, false, &BTreeMap::new());
    assert!(out.document.len() < 40 << 20);
}
