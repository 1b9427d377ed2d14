//! The reader's hostile HTML corpus: mail built to run script, load something, navigate, submit, or draw over
//! gmux, seeded as raw RFC 822 (one thread per trick) with every remote URL pointing at a loopback
//! [`crate::reader::Tracker`]. Every script sets [`CANARY`]; everything that is an image lives under
//! [`IMAGE_PREFIX`], and nothing else may ever be asked for, before "Show images" or after.
//!
//! [`documents`] are the HTML bodies with the tracker's base written in; [`seed`] is the emulator seed.

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use serde_json::{json, Value};

/// The account whose inbox holds the corpus.
pub const READER_HOSTILE_ACCOUNT: &str = "reader-hostile@example.com";
/// Every script in the corpus sets this global (and writes it into the title): if a page or frame has it, mail
/// ran as code.
pub const CANARY: &str = "__gmuxReaderPwned";
/// Paths of things that are images: these, and only these, may load once the user clicked "Show images". An
/// `<img>` a mutation-XSS string leaves standing is an image like any other (its handler is what must not
/// survive), and so is a list marker.
pub const IMAGE_PREFIX: &str = "/img/";
/// The link a test clicks: it must open in a tab of its own, without a referrer and without an opener.
pub const LINK_PATH: &str = "/link/clicked";

/// 2026-11-01T12:00:00Z: the corpus's newest thread; each further one is a minute older.
const NEWEST_MS: u64 = 1_793_534_400_000;

/// `(subject, HTML body)` of every case, with `T` the tracker's base (`http://127.0.0.1:PORT`).
pub fn documents(t: &str) -> Vec<(&'static str, String)> {
    let canary = format!("window.{CANARY}=1;top.{CANARY}=1;document.title='PWNED'");
    let steal = format!("new Image().src='{t}/x/script-ran'");
    let run = format!("{canary};{steal}");
    vec![
        (
            "Script in every place it can hide",
            format!(
                r#"<html><head><title>x</title><script>{run}</script><script src="{t}/x/script.js"></script>
<meta http-equiv="refresh" content="0;url={t}/x/refresh">
<base href="{t}/x/base/"><link rel="stylesheet" href="{t}/x/link.css"><link rel="prefetch" href="{t}/x/prefetch">
<link rel="preload" as="image" href="{t}/x/preload.png"><link rel="icon" href="{t}/x/icon.png"></head>
<body onload="{run}" onpageshow="{run}">
<p id="visible-text">Script corpus: this text must show.</p>
<img src="{t}/img/onerror-host.png" onerror="{run}" onload="{run}">
<svg onload="{run}"><script>{run}</script></svg>
<iframe src="{t}/x/iframe" srcdoc="<script>{run}</script>"></iframe>
<object data="{t}/x/object"></object><embed src="{t}/x/embed"><applet code="{t}/x/applet"></applet>
<noscript><img src="{t}/x/noscript.png"></noscript>
<details open ontoggle="{run}"><summary>toggle</summary>details</details>
<video src="{t}/x/video.mp4" onerror="{run}" poster="{t}/x/poster.png"></video><audio src="{t}/x/audio.mp3"></audio>
<div style="width:expression({run})">expression</div>
<a href="relative-link">a relative link that a base would send away</a>
<a href="javascript:{run}">javascript link</a> <a href=" JaVaScRiPt:{run}">spaced</a>
<a href="jav&#x09;ascript:{run}">tab</a> <a href="vbscript:msgbox(1)">vbscript</a>
<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">data link</a>
<form action="{t}/x/form" method="post"><input name="q" value="1"><button formaction="{t}/x/formaction">Send</button></form>
<isindex action="{t}/x/isindex"><keygen><textarea><script>{run}</script></textarea>
<template><script>{run}</script></template><xmp><script>{run}</script></xmp>
</body></html>"#
            ),
        ),
        (
            "Mutation XSS strings",
            format!(
                r#"<p>mXSS corpus.</p>
<svg></p><style><a id="</style><img src='{t}/img/mxss1' onerror='{run}'>"></svg>
<math><mtext><table><mglyph><style><img src='{t}/img/mxss2' onerror='{run}'></style></mglyph></table></mtext></math>
<noscript><p title="</noscript><img src='{t}/img/mxss3' onerror='{run}'>"></noscript>
<select><template><style><!--</style><a rel="--></style></template></select><img src='{t}/img/mxss4' onerror='{run}'>">
<form><math><mtext></form><form><mglyph><style></math><img src='{t}/img/mxss5' onerror='{run}'></style>
<math><mi><table><mi><style><img src='{t}/img/mxss6' onerror='{run}'></style></mi></table></mi></math>
<!--><img src='{t}/img/mxss7' onerror='{run}'>-->
<a title="&lt;/a&gt;&lt;img src='{t}/img/mxss8' onerror='{run}'&gt;">entity</a>
<![CDATA[><img src='{t}/img/mxss9' onerror='{run}'>]]>
<style><style/><img src='{t}/img/mxss10' onerror='{run}'>
"#
            ),
        ),
        (
            "SVG and MathML tricks",
            format!(
                r#"<p>SVG corpus.</p>
<svg><a xlink:href="javascript:{run}"><text x="0" y="20">svg link</text></a>
<animate attributeName="href" values="javascript:{run}"/><set attributeName="onclick" to="{run}"/>
<image href="{t}/x/svg-image.png"/><use href="{t}/x/use.svg#a"/>
<foreignObject><iframe src="{t}/x/foreign"></iframe><img src="{t}/x/foreign.png"></foreignObject>
<style>@import url({t}/x/svg-import.css);</style></svg>
<math href="javascript:{run}"><mi xlink:href="javascript:{run}">x</mi><maction actiontype="statusline">m</maction></math>
<img src="data:image/svg+xml;base64,{}">
"#,
                STANDARD.encode(format!(
                    "<svg xmlns='http://www.w3.org/2000/svg' onload=\"{run}\"><image href='{t}/x/svg-data.png'/></svg>"
                ))
            ),
        ),
        (
            "CSS that loads, overlays and escapes",
            format!(
                r#"<html><head><style>
@import url({t}/x/import.css);
@import "{t}/x/import2.css";
@font-face {{ font-family: evil; src: url({t}/x/font.woff2) format("woff2"); }}
body {{ font-family: evil; behavior: url({t}/x/behavior.htc); -moz-binding: url({t}/x/binding.xml); }}
.bg {{ background-image: url({t}/img/css-background.png); }}
.cursor {{ cursor: url({t}/x/cursor.cur), auto; }}
.list {{ list-style-image: url({t}/img/list.png); }}
.overlay {{ position: fixed; top: 0; left: 0; width: 100vw; height: 100vh; z-index: 2147483647; background: rgba(255,0,0,.5); }}
</style></head><body>
<p>CSS corpus: the overlay below must stay inside this message.</p>
<div class="overlay">FIXED OVERLAY</div>
<div style="position:fixed;top:-500px;left:-500px;width:5000px;height:5000px;background:blue;z-index:99999">GIANT</div>
<div style="position:absolute;top:-1000px;left:0;width:100%;height:3000px;background:green">ABSOLUTE</div>
<div style="margin-top:-9999px">negative margin</div>
<div class="bg" style="height:20px">css background</div>
<div style="background:url('{t}/img/inline-background.png')">inline background</div>
<div style="background-image: url(&quot;{t}/img/quoted-background.png&quot;)">quoted</div>
<ul class="list"><li class="cursor">list</li></ul>
<div style="content:url({t}/x/content.png)">content</div>
</body></html>"#
            ),
        ),
        (
            "Remote images, fonts and srcset",
            format!(
                r#"<html><body background="{t}/img/body-background.png">
<p>Image corpus.</p>
<img src="{t}/img/plain.png" width="10" height="10" alt="plain">
<img src="{t}/img/src.png" srcset="{t}/img/srcset-1x.png 1x, {t}/img/srcset-2x.png 2x">
<picture><source srcset="{t}/img/source.png"><img src="{t}/img/picture.png"></picture>
<table background="{t}/img/table-background.png"><tr><td background="{t}/img/cell-background.png">cell</td></tr></table>
<input type="image" src="{t}/x/input-image.png">
<img lowsrc="{t}/x/lowsrc.png" dynsrc="{t}/x/dynsrc.png" longdesc="{t}/x/longdesc">
<img src="//127.0.0.1:{}/x/protocol-relative.png">
<link rel="stylesheet" href="{t}/x/stylesheet.css">
<span style="font-family: remote; src: url({t}/x/font.ttf)">font</span>
</body></html>"#,
                t.rsplit(':').next().unwrap_or_default()
            ),
        ),
        (
            "A link and a form",
            format!(
                r#"<p>Links corpus.</p>
<p><a id="tracked-link" href="{t}{LINK_PATH}">Follow this link</a></p>
<p><a href="{t}/x/ping" ping="{t}/x/ping-beacon">a link with ping</a></p>
<form action="{t}/x/submit" method="get"><p>Search: <input name="q" value="secret" autofocus onfocus="{run}"></p><input type="submit" value="Submit"></form>
<a href="{t}/x/download" download="evil.exe">download attribute</a>
"#
            ),
        ),
    ]
}

/// A raw HTML message with `subject`, base64 so any byte survives.
fn raw_html(subject: &str, html: &str, n: usize) -> String {
    let source = format!(
        "MIME-Version: 1.0\r\nMessage-ID: <reader-hostile-{n}@example.com>\r\nSubject: {subject}\r\nFrom: Hostile Sender <sender@hostile.example>\r\nTo: {READER_HOSTILE_ACCOUNT}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n",
        STANDARD
            .encode(html.as_bytes())
            .as_bytes()
            .chunks(76)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect::<Vec<_>>()
            .join("\r\n")
    );
    URL_SAFE_NO_PAD.encode(source)
}

/// The emulator seed: one account, one thread per document, newest first in the order of [`documents`].
pub fn seed(tracker_base: &str) -> Value {
    let threads: Vec<Value> = documents(tracker_base)
        .iter()
        .enumerate()
        .map(|(n, (subject, html))| {
            let date = rfc3339(NEWEST_MS - 60_000 * n as u64);
            json!({"messages": [{"raw": raw_html(subject, html, n), "date": date, "labels": ["INBOX", "UNREAD"]}]})
        })
        .collect();
    json!({"accounts": [{"email": READER_HOSTILE_ACCOUNT, "name": "Reader Hostile", "threads": threads}]})
}

fn rfc3339(ms: u64) -> String {
    crate::hostile::rfc3339(ms)
}

/// The tracker base the corpus files carry (a port nothing listens on).
pub const FILE_TRACKER: &str = "http://127.0.0.1:9";

/// A file name for a document: its subject in lower case, words joined by `-`.
pub fn file_name(subject: &str) -> String {
    let words: Vec<String> = subject
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_lowercase)
        .collect();
    format!("reader-{}", words.join("-"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The corpus is also the sanitiser's: its fuzzer's corpus and gmux-mail's hostile fixtures hold each
    /// document as a file (`GMUX_WRITE_CORPUS=1` writes them after a change here).
    #[test]
    fn the_sanitisers_corpora_hold_every_document() {
        let root = crate::paths::workspace_root();
        let write = std::env::var_os("GMUX_WRITE_CORPUS").is_some();
        for (subject, html) in documents(FILE_TRACKER) {
            for dir in ["fuzz/corpus/mail_sanitize", "mail/tests/fixtures/hostile"] {
                let path = root.join(dir).join(format!("{}.html", file_name(subject)));
                if write {
                    std::fs::write(&path, &html).unwrap();
                }
                let kept = std::fs::read_to_string(&path).unwrap_or_else(|e| {
                    panic!("{}: {e} (GMUX_WRITE_CORPUS=1 writes it)", path.display())
                });
                assert_eq!(
                    kept,
                    html,
                    "{} is stale (GMUX_WRITE_CORPUS=1 writes it)",
                    path.display()
                );
            }
            let eml = root
                .join("fuzz/corpus/mail_mime")
                .join(format!("{}.eml", file_name(subject)));
            let raw = URL_SAFE_NO_PAD.decode(raw_html(subject, &html, 0)).unwrap();
            if write {
                std::fs::write(&eml, &raw).unwrap();
            }
            assert_eq!(std::fs::read(&eml).ok(), Some(raw), "{}", eml.display());
        }
    }

    #[test]
    fn every_remote_url_points_at_the_tracker_and_the_seed_holds_every_document() {
        let t = "http://127.0.0.1:4321";
        let docs = documents(t);
        assert!(docs.len() >= 6);
        for (subject, html) in &docs {
            assert!(html.contains(t), "{subject}");
            assert!(
                !html.contains("https://"),
                "{subject}: only the tracker is remote"
            );
        }
        let seed = seed(t);
        assert_eq!(
            seed["accounts"][0]["threads"].as_array().map(Vec::len),
            Some(docs.len())
        );
    }
}
