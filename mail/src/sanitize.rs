//! Hostile HTML in, an inert document out, for a sandboxed iframe's `srcdoc` (no scripts, no same-origin).
//! This is the first wall; the sandbox and the document's own Content-Security-Policy are the second.
//!
//! The mail is parsed by html5ever (the HTML5 parsing algorithm, so the tree is the one a browser builds) into
//! an arena ([`dom`]), walked once, and written out from an allow-list:
//! - elements: text structure, tables, lists, `img`, `a`, `font`/`center` and the like; script-capable and
//!   form elements, frames, `object`/`embed`, `meta`/`base`/`link`, `template`, raw-text elements
//!   (`noscript`, `xmp`, `textarea`, `title`...), media, and everything in the SVG or MathML namespace are
//!   dropped with their content; unknown elements (`o:p`, custom tags, `form`, `label`) are unwrapped, their
//!   content kept;
//! - attributes: presentational ones (`align`, `bgcolor`, `width`...), `class`, `id`, `title`, `dir`, `lang`,
//!   table and list attributes; never an event handler or anything not listed;
//! - links: `http`, `https` and `mailto` only, with `target="_blank" rel="noopener noreferrer"` and the real
//!   target as the `title`;
//! - images (`src`, `srcset`, `background=`, CSS `url()`): `data:` of a raster image type, `cid:` replaced by
//!   the caller's `data:` URI, and `http`/`https` only when remote content is allowed; otherwise removed and
//!   counted in [`Sanitized::remote_blocked`];
//! - CSS ([`css`]): style attributes and `<style>` elements are filtered rule by rule and kept (newsletters
//!   depend on them), all `<style>` rules gathered into the document's head;
//! - quotes (Gmail's `gmail_quote`, `blockquote type=cite`) are wrapped in `<details>` so they fold without
//!   script.
//!
//! Caps: the first [`MAX_HTML_BYTES`] are read; parsing stops at [`dom::MAX_PARSE_DEPTH`] levels or
//! [`dom::MAX_NODES`] nodes; a tag with more than [`guard::MAX_ATTRIBUTES`] attributes cuts the document
//! before it; output nests at most [`MAX_OUTPUT_DEPTH`] elements (deeper ones are unwrapped); gathered CSS is
//! at most [`MAX_CSS_BYTES`]; `cid:` images put in at most [`MAX_CID_BYTES`] of `data:` URIs. Each cap
//! reached adds a notice.

mod css;
mod dom;
mod guard;
pub mod height;
pub mod inert;

use crate::bytes::clip_bytes;
use crate::image::SAFE_IMAGE_TYPES;
use crate::notice::Notice;
use crate::quote;
use dom::{Data, Id};
use std::collections::{BTreeMap, BTreeSet};

/// The most bytes of HTML read from one message.
pub const MAX_HTML_BYTES: usize = 2 << 20;
/// Elements nest at most this deep in the output; deeper ones are unwrapped.
pub const MAX_OUTPUT_DEPTH: usize = 100;
/// The most bytes of CSS gathered from `<style>` elements.
pub const MAX_CSS_BYTES: usize = 512 * 1024;
/// The most bytes of `data:` URIs put in for `cid:` images (an image used many times counts each time).
pub const MAX_CID_BYTES: usize = 32 << 20;

pub struct SanitizeOptions<'a> {
    /// Remote images and CSS were allowed for this message.
    pub allow_remote: bool,
    /// Content-ID (without angle brackets) to a `data:` URI.
    pub cid_images: &'a BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Sanitized {
    /// A whole document for `srcdoc`.
    pub document: String,
    pub remote_blocked: u32,
    /// Content-IDs shown from the caller's map.
    pub used_cids: Vec<String>,
    /// Content-IDs referred to that the map lacked.
    pub missing_cids: Vec<String>,
    pub has_quote: bool,
    pub notices: Vec<Notice>,
}

/// The Content-Security-Policy of every document: nothing loads but inline styles and `data:` images, and
/// remote images only when allowed.
pub fn content_security_policy(allow_remote: bool) -> String {
    format!(
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:{}; form-action 'none'; base-uri 'none'",
        if allow_remote { " https: http:" } else { "" }
    )
}

/// The reader's own stylesheet, before the mail's: a white sheet in the light scheme whatever the browser's
/// theme (mail is written for white), long words and lines wrapped, folded quotes drawn as a small button.
pub const BASE_CSS: &str = ":root{color-scheme:light}\
html{background:#fff;color:#202124}\
body{margin:0;padding:12px 16px;font:14px/1.5 system-ui,-apple-system,\"Segoe UI\",Roboto,Arial,sans-serif;overflow-wrap:anywhere;word-break:break-word}\
img{max-width:100%}\
pre{white-space:pre-wrap}\
table{max-width:100%}\
details.gmux-quote>summary{list-style:none;display:inline-block;cursor:pointer;margin:4px 0;padding:0 6px;border-radius:6px;background:#e8eaed;color:#5f6368;font-size:11px;line-height:14px;letter-spacing:1px}\
details.gmux-quote>summary::-webkit-details-marker{display:none}";

/// Dropped with everything inside them.
const DROP: &[&str] = &[
    "script",
    "template",
    "noscript",
    "noembed",
    "noframes",
    "iframe",
    "frame",
    "frameset",
    "object",
    "embed",
    "applet",
    "param",
    "title",
    "textarea",
    "select",
    "option",
    "optgroup",
    "datalist",
    "button",
    "input",
    "keygen",
    "xmp",
    "plaintext",
    "meta",
    "link",
    "base",
    "audio",
    "video",
    "source",
    "track",
    "canvas",
    "map",
    "area",
    "portal",
    "fencedframe",
    "slot",
    "dialog",
    "math",
    "svg",
    "image",
    "head",
    "selectedcontent",
    "output",
    "progress",
    "meter",
    "marquee",
    "bgsound",
    "isindex",
    "listing",
];

/// Kept, with their allowed attributes.
const KEEP: &[&str] = &[
    "a",
    "abbr",
    "acronym",
    "address",
    "article",
    "aside",
    "b",
    "bdi",
    "bdo",
    "big",
    "blockquote",
    "br",
    "caption",
    "center",
    "cite",
    "code",
    "col",
    "colgroup",
    "dd",
    "del",
    "details",
    "dfn",
    "div",
    "dl",
    "dt",
    "em",
    "figcaption",
    "figure",
    "font",
    "footer",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hr",
    "i",
    "img",
    "ins",
    "kbd",
    "li",
    "main",
    "mark",
    "nav",
    "ol",
    "p",
    "pre",
    "q",
    "rp",
    "rt",
    "ruby",
    "s",
    "samp",
    "section",
    "small",
    "span",
    "strike",
    "strong",
    "sub",
    "summary",
    "sup",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "time",
    "tr",
    "tt",
    "u",
    "ul",
    "var",
    "wbr",
];

const VOID: &[&str] = &["br", "col", "hr", "img", "wbr"];

/// Attributes whose values are inert text.
const PLAIN_ATTRIBUTES: &[&str] = &[
    "abbr",
    "align",
    "alt",
    "axis",
    "bgcolor",
    "border",
    "cellpadding",
    "cellspacing",
    "char",
    "charoff",
    "clear",
    "color",
    "cols",
    "colspan",
    "datetime",
    "face",
    "headers",
    "height",
    "hspace",
    "id",
    "lang",
    "nowrap",
    "noshade",
    "open",
    "reversed",
    "rowspan",
    "rules",
    "scope",
    "size",
    "span",
    "start",
    "summary",
    "valign",
    "value",
    "vspace",
    "width",
    "frame",
];

/// Makes hostile HTML inert; see the module documentation for what is kept.
pub fn sanitize(html: &str, options: &SanitizeOptions) -> Sanitized {
    let mut notices = Vec::new();
    let mut html = html;
    if html.len() > MAX_HTML_BYTES {
        html = clip_bytes(html, MAX_HTML_BYTES);
        notices.push(Notice::TextCut {
            shown_bytes: MAX_HTML_BYTES as u64,
        });
    }
    if let Some(cut) = guard::attribute_bomb(html.as_bytes()) {
        // The cut is at a `<`, so a character boundary.
        html = clip_bytes(html, cut);
        notices.push(Notice::FormattingSimplified);
    }
    let (tree, limits) = dom::parse(html, false);
    if limits.too_deep.get() || limits.too_many.get() {
        notices.push(Notice::FormattingSimplified);
    }
    let mut writer = Writer {
        nodes: &tree.nodes.borrow(),
        cx: Context::new(options.allow_remote, options.cid_images),
        body: String::with_capacity(html.len()),
        body_attrs: String::new(),
        styles: String::new(),
        has_quote: false,
        flattened: false,
        css_cut: false,
    };
    writer.walk();
    if writer.flattened {
        push(&mut notices, Notice::FormattingSimplified);
    }
    if writer.css_cut || writer.cx.cid_bytes_cut {
        push(&mut notices, Notice::DocumentCut);
    }
    let mut document = String::with_capacity(writer.body.len() + writer.styles.len() + 1024);
    document.push_str(
        "<!DOCTYPE html><html><head><meta http-equiv=\"Content-Security-Policy\" content=\"",
    );
    document.push_str(&content_security_policy(options.allow_remote));
    document.push_str("\"><meta name=\"referrer\" content=\"no-referrer\"><style>");
    document.push_str(BASE_CSS);
    document.push_str("</style>");
    if !writer.styles.is_empty() {
        document.push_str("<style>");
        document.push_str(&writer.styles);
        document.push_str("</style>");
    }
    document.push_str("</head><body");
    document.push_str(&writer.body_attrs);
    document.push('>');
    document.push_str(&writer.body);
    document.push_str("</body></html>");
    Sanitized {
        document,
        remote_blocked: writer.cx.remote_blocked,
        used_cids: writer.cx.used_cids.into_iter().collect(),
        missing_cids: writer.cx.missing_cids.into_iter().collect(),
        has_quote: writer.has_quote,
        notices,
    }
}

fn push(notices: &mut Vec<Notice>, notice: Notice) {
    if !notices.contains(&notice) {
        notices.push(notice);
    }
}

/// What a URL is for.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum UrlUse {
    Link,
    Image,
}

pub(crate) enum UrlVerdict {
    /// Keep this (cleaned, or a `cid:` replaced by its `data:` URI).
    Keep(String),
    /// A remote image while remote content is not allowed.
    Remote,
    Drop,
}

/// URL decisions and their counts, shared by the HTML walk and the CSS filter.
pub(crate) struct Context<'a> {
    allow_remote: bool,
    cid_images: &'a BTreeMap<String, String>,
    pub remote_blocked: u32,
    used_cids: BTreeSet<String>,
    missing_cids: BTreeSet<String>,
    cid_bytes: usize,
    cid_bytes_cut: bool,
}

impl<'a> Context<'a> {
    pub(crate) fn new(allow_remote: bool, cid_images: &'a BTreeMap<String, String>) -> Context<'a> {
        Context {
            allow_remote,
            cid_images,
            remote_blocked: 0,
            used_cids: BTreeSet::new(),
            missing_cids: BTreeSet::new(),
            cid_bytes: 0,
            cid_bytes_cut: false,
        }
    }

    pub(crate) fn check_url(&mut self, raw: &str, kind: UrlUse) -> UrlVerdict {
        // As a browser's URL parser does: surrounding controls and spaces go, tabs and line breaks anywhere go.
        let cleaned: String = raw
            .trim_matches(|c: char| c <= ' ')
            .chars()
            .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
            .collect();
        let Some(scheme) = scheme(&cleaned) else {
            // Relative URLs would resolve against the extension's own pages.
            return UrlVerdict::Drop;
        };
        match (kind, scheme.as_str()) {
            (UrlUse::Link, "http" | "https" | "mailto") => UrlVerdict::Keep(cleaned),
            (UrlUse::Image, "http" | "https") => {
                if self.allow_remote {
                    UrlVerdict::Keep(cleaned)
                } else {
                    UrlVerdict::Remote
                }
            }
            (UrlUse::Image, "data") if is_safe_data_image(&cleaned) => UrlVerdict::Keep(cleaned),
            (UrlUse::Image, "cid") => {
                let id = percent_decode(&cleaned[4..]);
                let id = id.trim();
                let id = id.strip_prefix('<').unwrap_or(id);
                let id = id.strip_suffix('>').unwrap_or(id).to_string();
                match self.cid_images.get(&id) {
                    Some(uri) if is_safe_data_image(uri) => {
                        if self.cid_bytes + uri.len() > MAX_CID_BYTES {
                            self.cid_bytes_cut = true;
                            return UrlVerdict::Drop;
                        }
                        self.cid_bytes += uri.len();
                        self.used_cids.insert(id);
                        UrlVerdict::Keep(uri.clone())
                    }
                    _ => {
                        if !id.is_empty() {
                            self.missing_cids.insert(id);
                        }
                        UrlVerdict::Drop
                    }
                }
            }
            _ => UrlVerdict::Drop,
        }
    }
}

/// The scheme of an absolute URL, lower-cased.
fn scheme(url: &str) -> Option<String> {
    let (scheme, _) = url.split_once(':')?;
    let mut chars = scheme.chars();
    let first = chars.next()?;
    if !first.is_ascii_alphabetic()
        || !chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    {
        return None;
    }
    Some(scheme.to_ascii_lowercase())
}

/// `data:` with a raster image type (`data:image/png;base64,...`).
pub(crate) fn is_safe_data_image(url: &str) -> bool {
    let Some(rest) = url
        .get(5..)
        .filter(|_| url[..5].eq_ignore_ascii_case("data:"))
    else {
        return false;
    };
    let end = rest.find([';', ',']).unwrap_or(rest.len());
    let mime = rest[..end].trim().to_ascii_lowercase();
    SAFE_IMAGE_TYPES.contains(&mime.as_str()) && rest[end..].contains(',')
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            if let (Some(&h), Some(&l)) = (b.get(i + 1), b.get(i + 2)) {
                if let Some(v) = crate::bytes::hex_pair(h, l) {
                    out.push(v);
                    i += 3;
                    continue;
                }
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

enum Step {
    Enter(Id, usize),
    Close(&'static str),
    CloseQuote,
}

struct Writer<'a, 'b> {
    nodes: &'b [dom::Node],
    cx: Context<'a>,
    body: String,
    body_attrs: String,
    styles: String,
    has_quote: bool,
    flattened: bool,
    css_cut: bool,
}

impl Writer<'_, '_> {
    fn children(&self, id: Id) -> Vec<Id> {
        let mut out = Vec::new();
        let mut c = self.nodes[id].first_child;
        while let Some(n) = c {
            out.push(n);
            c = self.nodes[n].next;
        }
        out
    }

    fn text_of(&self, id: Id) -> String {
        let mut out = String::new();
        for c in self.children(id) {
            if let Data::Text(t) = &self.nodes[c].data {
                out.push_str(t);
            }
        }
        out
    }

    fn walk(&mut self) {
        let mut stack: Vec<Step> = vec![Step::Enter(0, 0)];
        let mut in_quote = 0usize;
        while let Some(step) = stack.pop() {
            let (id, depth) = match step {
                Step::Close(name) => {
                    self.body.push_str("</");
                    self.body.push_str(name);
                    self.body.push('>');
                    continue;
                }
                Step::CloseQuote => {
                    self.body.push_str("</details>");
                    in_quote -= 1;
                    continue;
                }
                Step::Enter(id, depth) => (id, depth),
            };
            let (name, attrs) = match &self.nodes[id].data {
                Data::Text(t) => {
                    escape_text(t, &mut self.body);
                    continue;
                }
                Data::Document => {
                    push_children(&mut stack, self.children(id), depth);
                    continue;
                }
                Data::Comment | Data::Other => continue,
                Data::Element { name, attrs, .. } => (name, attrs),
            };
            if name.ns != html5ever::ns!(html) {
                continue;
            }
            let local: &str = &name.local;
            if local == "style" {
                let css = css::filter_stylesheet(&self.text_of(id), &mut self.cx);
                if self.styles.len() + css.len() > MAX_CSS_BYTES {
                    self.css_cut = true;
                } else {
                    self.styles.push_str(&css);
                }
                continue;
            }
            if local == "head" {
                // Only the head's style elements matter.
                for c in self.children(id) {
                    if let Data::Element { name, .. } = &self.nodes[c].data {
                        if &*name.local == "style" {
                            stack.push(Step::Enter(c, depth));
                        }
                    }
                }
                continue;
            }
            if DROP.contains(&local) {
                continue;
            }
            if local == "body" {
                self.body_attrs = self.attributes("body", attrs).unwrap_or_default();
                push_children(&mut stack, self.children(id), depth);
                continue;
            }
            let Some(&keep) = KEEP.iter().find(|k| **k == local) else {
                // html, form, label, font-less unknowns: their content is kept.
                push_children(&mut stack, self.children(id), depth);
                continue;
            };
            if depth >= MAX_OUTPUT_DEPTH {
                self.flattened = true;
                if !VOID.contains(&keep) {
                    push_children(&mut stack, self.children(id), depth);
                }
                continue;
            }
            let Some(written) = self.attributes(keep, attrs) else {
                continue;
            };
            let plain: Vec<(&str, &str)> =
                attrs.iter().map(|a| (&*a.name.local, &*a.value)).collect();
            let folds = in_quote == 0 && quote::is_quote(keep, &plain);
            if folds {
                self.has_quote = true;
                in_quote += 1;
                self.body.push_str(
                    "<details class=\"gmux-quote\"><summary title=\"Show quoted text\">\u{2022}\u{2022}\u{2022}</summary>",
                );
                stack.push(Step::CloseQuote);
            }
            self.body.push('<');
            self.body.push_str(keep);
            self.body.push_str(&written);
            self.body.push('>');
            if VOID.contains(&keep) {
                continue;
            }
            if keep == "pre" {
                // The parser drops one line break right after `<pre>`; write one back so none is lost.
                if let Some(first) = self.nodes[id].first_child {
                    if matches!(&self.nodes[first].data, Data::Text(t) if t.starts_with('\n')) {
                        self.body.push('\n');
                    }
                }
            }
            stack.push(Step::Close(keep));
            push_children(&mut stack, self.children(id), depth + 1);
        }
    }

    /// The allowed attributes of an element, written out (` name="value"`...); `None` when the element
    /// should go (an image with nothing left to show).
    fn attributes(&mut self, element: &str, attrs: &[html5ever::Attribute]) -> Option<String> {
        let mut out = String::new();
        let mut has_image = false;
        for attr in attrs {
            if attr.name.ns != html5ever::ns!() {
                continue;
            }
            let name: &str = &attr.name.local;
            let value: &str = &attr.value;
            match name {
                "href" if element == "a" => {
                    if let UrlVerdict::Keep(url) = self.cx.check_url(value, UrlUse::Link) {
                        write_attr(&mut out, "href", &url);
                        write_attr(&mut out, "target", "_blank");
                        write_attr(&mut out, "rel", "noopener noreferrer");
                        write_attr(&mut out, "title", &url);
                    }
                }
                "title" if element == "a" && attrs.iter().any(|a| &*a.name.local == "href") => {}
                "src" if element == "img" => match self.cx.check_url(value, UrlUse::Image) {
                    UrlVerdict::Keep(url) => {
                        has_image = true;
                        write_attr(&mut out, "src", &url);
                    }
                    UrlVerdict::Remote => self.cx.remote_blocked += 1,
                    UrlVerdict::Drop => {}
                },
                "srcset" if element == "img" => {
                    if let Some(set) = self.srcset(value) {
                        has_image = true;
                        write_attr(&mut out, "srcset", &set);
                    }
                }
                "background" if matches!(element, "body" | "table" | "td" | "th" | "tr") => {
                    match self.cx.check_url(value, UrlUse::Image) {
                        UrlVerdict::Keep(url) => write_attr(&mut out, "background", &url),
                        UrlVerdict::Remote => self.cx.remote_blocked += 1,
                        UrlVerdict::Drop => {}
                    }
                }
                "style" => {
                    let css = css::filter_declarations(value, &mut self.cx);
                    if !css.is_empty() {
                        write_attr(&mut out, "style", &css);
                    }
                }
                "class" => {
                    // The reader's own class names stay the reader's.
                    let classes: Vec<&str> = value
                        .split_ascii_whitespace()
                        .filter(|c| !c.starts_with("gmux"))
                        .collect();
                    if !classes.is_empty() {
                        write_attr(&mut out, "class", &classes.join(" "));
                    }
                }
                "dir" => {
                    let v = value.trim().to_ascii_lowercase();
                    if matches!(v.as_str(), "ltr" | "rtl" | "auto") {
                        write_attr(&mut out, "dir", &v);
                    }
                }
                "type" if matches!(element, "ol" | "ul" | "li") => {
                    let v = value.trim();
                    if matches!(v, "1" | "a" | "A" | "i" | "I")
                        || matches!(
                            v.to_ascii_lowercase().as_str(),
                            "disc" | "circle" | "square"
                        )
                    {
                        write_attr(&mut out, "type", v);
                    }
                }
                "title" | "alt" | "lang" => write_attr(&mut out, name, value),
                "text" | "link" | "vlink" | "alink" if element == "body" => {
                    write_attr(&mut out, name, value)
                }
                _ if element != "body" && PLAIN_ATTRIBUTES.contains(&name) => {
                    write_attr(&mut out, name, value)
                }
                "bgcolor" if element == "body" => write_attr(&mut out, name, value),
                _ => {}
            }
        }
        if element == "img" && !has_image {
            return None;
        }
        Some(out)
    }

    /// A `srcset` with only the candidates an `src` could have; `None` when none is left.
    fn srcset(&mut self, value: &str) -> Option<String> {
        let mut kept: Vec<String> = Vec::new();
        let mut rest = value;
        loop {
            rest = rest.trim_start_matches(|c: char| c.is_ascii_whitespace() || c == ',');
            if rest.is_empty() {
                break;
            }
            // The URL runs to white space; commas at its end are separators.
            let end = rest
                .find(|c: char| c.is_ascii_whitespace())
                .unwrap_or(rest.len());
            let url = rest[..end].trim_end_matches(',');
            let after_url = &rest[end..];
            let (descriptor, next) = if rest[..end].ends_with(',') {
                ("", after_url)
            } else {
                match after_url.find(',') {
                    Some(i) => (&after_url[..i], &after_url[i + 1..]),
                    None => (after_url, ""),
                }
            };
            match self.cx.check_url(url, UrlUse::Image) {
                UrlVerdict::Keep(url) => {
                    let descriptor = descriptor.trim();
                    let safe = descriptor
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '.');
                    if descriptor.is_empty() || !safe {
                        kept.push(url);
                    } else {
                        kept.push(format!("{url} {descriptor}"));
                    }
                }
                UrlVerdict::Remote => self.cx.remote_blocked += 1,
                UrlVerdict::Drop => {}
            }
            rest = next;
        }
        (!kept.is_empty()).then(|| kept.join(", "))
    }
}

fn push_children(stack: &mut Vec<Step>, children: Vec<Id>, depth: usize) {
    for c in children.into_iter().rev() {
        stack.push(Step::Enter(c, depth));
    }
}

fn escape_text(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\u{a0}' => out.push_str("&nbsp;"),
            // NUL never reaches a document.
            '\0' => {}
            c => out.push(c),
        }
    }
}

fn write_attr(out: &mut String, name: &str, value: &str) {
    out.push(' ');
    out.push_str(name);
    out.push_str("=\"");
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\u{a0}' => out.push_str("&nbsp;"),
            '\0' => {}
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests;
