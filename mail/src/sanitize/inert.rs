//! An independent check that a sanitised document is inert: the oracle of the tests and the fuzzer.
//!
//! It shares nothing with the sanitiser's decisions. It parses the output again, both as a browser with
//! scripts parses it and as the sandboxed frame (scripts off) does, and walks every node of both trees with
//! its own rules, written as prohibitions rather than an allow-list:
//! - the head starts with the Content-Security-Policy `meta` the remote setting calls for, and no other
//!   `meta`, no `base`, no `link` appear anywhere;
//! - no element that can run script, load a document or take input (`script`, frames, `object`, `embed`,
//!   forms and their controls, `template`, `noscript`, media), nothing in the SVG or MathML namespace;
//! - no attribute named `on*`, no `srcdoc`, `formaction`, `action`, `http-equiv` (outside the CSP meta),
//!   `xlink:href`, `ping`;
//! - every URL-bearing attribute holds an allowed scheme: `href` only on `a`, with `http`, `https` or
//!   `mailto` and `target=_blank` plus `rel=noopener`; `src`, `srcset` and `background` only `data:image/`
//!   (not SVG), or `http(s)` when remote content is allowed;
//! - CSS (style attributes and `<style>`), read with comments removed and escapes decoded, has no
//!   `expression`, `behavior`, `-moz-binding`, `javascript:`, `@import`, `@font-face`, no fixed, absolute or
//!   sticky position, and every `url(` holds a `data:image/` URL or, when allowed, an http(s) one.

use super::dom::{self, Data};

const FORBIDDEN_ELEMENTS: &[&str] = &[
    "script",
    "iframe",
    "frame",
    "frameset",
    "object",
    "embed",
    "applet",
    "form",
    "input",
    "button",
    "select",
    "textarea",
    "option",
    "base",
    "link",
    "noscript",
    "template",
    "audio",
    "video",
    "source",
    "track",
    "canvas",
    "xmp",
    "plaintext",
    "noembed",
    "noframes",
    "portal",
    "param",
    "area",
    "map",
    "dialog",
    "slot",
    "title",
    "isindex",
    "keygen",
    "fencedframe",
];

/// Checks a document; `Err` says what is wrong and where.
pub fn check_inert(document: &str, allow_remote: bool) -> Result<(), String> {
    for scripting in [true, false] {
        check_tree(document, allow_remote, scripting).map_err(|e| {
            format!(
                "{e} (parsed with scripting {})",
                if scripting { "on" } else { "off" }
            )
        })?;
    }
    Ok(())
}

fn check_tree(document: &str, allow_remote: bool, scripting: bool) -> Result<(), String> {
    let (tree, _) = dom::parse(document, scripting);
    let nodes = tree.nodes.borrow();
    let csp = super::content_security_policy(allow_remote);
    let mut first_head_element_seen = false;
    let mut stack = vec![0usize];
    while let Some(id) = stack.pop() {
        let node = &nodes[id];
        let mut c = node.first_child;
        while let Some(n) = c {
            stack.push(n);
            c = nodes[n].next;
        }
        let Data::Element { name, attrs, .. } = &node.data else {
            continue;
        };
        let local: &str = &name.local;
        if name.ns != html5ever::ns!(html) {
            return Err(format!("a <{local}> outside the HTML namespace"));
        }
        if FORBIDDEN_ELEMENTS.contains(&local) {
            return Err(format!("a <{local}> element"));
        }
        let parent_is_head = node.parent.is_some_and(
            |p| matches!(&nodes[p].data, Data::Element { name, .. } if &*name.local == "head"),
        );
        if parent_is_head && !first_head_element_seen && node.prev.is_none() {
            first_head_element_seen = true;
            let is_csp = local == "meta"
                && attr(attrs, "http-equiv")
                    .is_some_and(|v| v.eq_ignore_ascii_case("content-security-policy"))
                && attr(attrs, "content") == Some(csp.as_str());
            if !is_csp {
                return Err(format!("the head starts with <{local}>, not the CSP meta"));
            }
        }
        if local == "meta" {
            let ok_csp =
                parent_is_head && attr(attrs, "content") == Some(csp.as_str()) && attrs.len() == 2;
            let ok_referrer = parent_is_head
                && attr(attrs, "name") == Some("referrer")
                && attr(attrs, "content") == Some("no-referrer")
                && attrs.len() == 2;
            if !ok_csp && !ok_referrer {
                return Err("a meta element other than the CSP and referrer ones".into());
            }
            continue;
        }
        if local == "style" {
            let mut text = String::new();
            let mut c = node.first_child;
            while let Some(n) = c {
                if let Data::Text(t) = &nodes[n].data {
                    text.push_str(t);
                }
                c = nodes[n].next;
            }
            check_css(&text, allow_remote).map_err(|e| format!("<style>: {e}"))?;
        }
        for a in attrs {
            let attr_name = a.name.local.to_ascii_lowercase();
            let value: &str = &a.value;
            if attr_name.starts_with("on") {
                return Err(format!("an event handler {attr_name} on <{local}>"));
            }
            match attr_name.as_str() {
                "srcdoc" | "formaction" | "action" | "http-equiv" | "xlink:href" | "ping"
                | "poster" | "data" | "codebase" | "dynsrc" | "lowsrc" | "manifest" | "cite"
                | "longdesc" | "usemap" | "is" => {
                    return Err(format!("attribute {attr_name} on <{local}>"));
                }
                "href" => {
                    if local != "a" {
                        return Err(format!("href on <{local}>"));
                    }
                    if !link_ok(value) {
                        return Err(format!("link to {value:?}"));
                    }
                    if attr(attrs, "target") != Some("_blank")
                        || !attr(attrs, "rel")
                            .is_some_and(|r| r.split_whitespace().any(|w| w == "noopener"))
                    {
                        return Err("a link without target=_blank rel=noopener".into());
                    }
                }
                "src" | "background" if !image_ok(value, allow_remote) => {
                    return Err(format!("{attr_name}={value:?} on <{local}>"));
                }
                "srcset" => {
                    for candidate in value.split(", ") {
                        let url = candidate.split_whitespace().next().unwrap_or("");
                        if !image_ok(url, allow_remote) {
                            return Err(format!("srcset candidate {url:?}"));
                        }
                    }
                }
                "style" => check_css(value, allow_remote)
                    .map_err(|e| format!("style on <{local}>: {e}"))?,
                _ => {}
            }
        }
    }
    if !first_head_element_seen {
        return Err("no Content-Security-Policy meta first in the head".into());
    }
    Ok(())
}

fn attr<'a>(attrs: &'a [html5ever::Attribute], name: &str) -> Option<&'a str> {
    attrs
        .iter()
        .find(|a| &*a.name.local == name)
        .map(|a| &*a.value)
}

/// The scheme as a browser reads it: leading controls and spaces skipped, tabs and line breaks ignored.
fn scheme_of(url: &str) -> String {
    url.trim_start_matches(|c: char| c <= ' ')
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .take_while(|c| *c != ':')
        .collect::<String>()
        .to_ascii_lowercase()
}

fn link_ok(url: &str) -> bool {
    url.contains(':') && matches!(scheme_of(url).as_str(), "http" | "https" | "mailto")
}

fn image_ok(url: &str, allow_remote: bool) -> bool {
    let lower = url.trim().to_ascii_lowercase();
    if lower.starts_with("data:image/") {
        return !lower.starts_with("data:image/svg");
    }
    allow_remote && url.contains(':') && matches!(scheme_of(url).as_str(), "http" | "https")
}

/// CSS made plain: comments out, escapes decoded, lower case.
fn plain_css(css: &str) -> String {
    let mut no_comments = String::with_capacity(css.len());
    let mut rest = css;
    while let Some(i) = rest.find("/*") {
        no_comments.push_str(&rest[..i]);
        rest = match rest[i + 2..].find("*/") {
            Some(j) => &rest[i + 2 + j + 2..],
            None => "",
        };
    }
    no_comments.push_str(rest);
    let mut out = String::with_capacity(no_comments.len());
    let mut chars = no_comments.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let mut hex = String::new();
        while hex.len() < 6 && chars.peek().is_some_and(|c| c.is_ascii_hexdigit()) {
            hex.extend(chars.next());
        }
        if hex.is_empty() {
            // An escaped newline is a continuation; anything else stands for itself.
            match chars.next() {
                Some('\n') | None => {}
                Some(c) => out.push(c),
            }
        } else {
            if chars.peek().is_some_and(|c| c.is_whitespace()) {
                chars.next();
            }
            let value = u32::from_str_radix(&hex, 16).unwrap_or(0xfffd);
            out.push(char::from_u32(value).unwrap_or('\u{fffd}'));
        }
    }
    out.to_lowercase()
}

fn check_css(css: &str, allow_remote: bool) -> Result<(), String> {
    if css.to_ascii_lowercase().contains("</style") {
        return Err(format!("css closes its style element: {css:?}"));
    }
    let plain = plain_css(css);
    let squeezed: String = plain.chars().filter(|c| !c.is_whitespace()).collect();
    for at_rule in ["@import", "@font-face", "@namespace"] {
        if squeezed.contains(at_rule) {
            return Err(format!("css holds {at_rule}: {css:?}"));
        }
    }
    for function in [
        "expression",
        "image",
        "image-set",
        "-webkit-image-set",
        "src",
        "element",
        "paint",
    ] {
        if has_function(&squeezed, function) {
            return Err(format!("css calls {function}(): {css:?}"));
        }
    }
    // Declarations: the text between `{`, `}` and `;`, property before the first colon.
    for piece in squeezed.split(['{', '}', ';']) {
        let Some((property, value)) = piece.split_once(':') else {
            continue;
        };
        if matches!(property, "behavior" | "-moz-binding") {
            return Err(format!("css sets {property}: {css:?}"));
        }
        let value = value.trim_end_matches("!important");
        if property == "position" && matches!(value, "fixed" | "absolute" | "sticky") {
            return Err(format!("css sets position:{value}: {css:?}"));
        }
    }
    let mut rest = squeezed.as_str();
    while let Some(i) = rest.find("url(") {
        let arg = rest[i + 4..].trim_start_matches(['"', '\'']);
        if !image_ok(arg, allow_remote) {
            let shown: String = arg.chars().take(60).collect();
            return Err(format!("css url({shown}...)"));
        }
        rest = &rest[i + 4..];
    }
    Ok(())
}

/// `name(` not preceded by a character that would make it part of a longer name.
fn has_function(css: &str, name: &str) -> bool {
    let pattern = format!("{name}(");
    css.match_indices(&pattern).any(|(i, _)| {
        css[..i]
            .chars()
            .next_back()
            .is_none_or(|c| !(c.is_alphanumeric() || c == '-' || c == '_'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(body: &str, allow_remote: bool) -> String {
        format!(
            "<!DOCTYPE html><html><head><meta http-equiv=\"Content-Security-Policy\" content=\"{}\"></head><body>{body}</body></html>",
            super::super::content_security_policy(allow_remote)
        )
    }

    /// The checker itself must catch what it is for, or it proves nothing.
    #[test]
    fn the_checker_catches_what_it_is_for() {
        let bad = [
            "<script>alert(1)</script>",
            "<img src=x onerror=alert(1)>",
            "<a href=\"javascript:alert(1)\" target=_blank rel=noopener>x</a>",
            "<a href=\"java\tscript:alert(1)\" target=_blank rel=noopener>x</a>",
            "<a href=\"https://x.test\">no target</a>",
            "<img src=\"https://t.test/p.gif\">",
            "<img src=\"data:image/svg+xml,<svg>\">",
            "<div style=\"background:url(https://t.test/x)\">",
            "<div style=\"background:u\\72l(https://t.test/x)\">",
            "<div style=\"position: fixed\">",
            "<div style=\"width:e\\78pression(1)\">",
            "<style>@import 'x.css';</style>",
            "<svg><style>x</style></svg>",
            "<math><mi>x</mi></math>",
            "<form><input></form>",
            "<meta http-equiv=refresh content=\"0;url=https://x.test\">",
            "<base href=\"https://x.test/\">",
            "<iframe srcdoc=\"x\"></iframe>",
            "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\"></noscript>",
            "<table background=\"https://t.test/b.png\"><tr><td>x</td></tr></table>",
        ];
        for body in bad {
            assert!(check_inert(&doc(body, false), false).is_err(), "{body}");
        }
        assert!(check_inert(&doc("<img src=\"https://t.test/p.gif\">", true), true).is_ok());
        assert!(check_inert(&doc("<p>fine <a href=\"https://x.test\" target=\"_blank\" rel=\"noopener noreferrer\">x</a></p>", false), false).is_ok());
        // No CSP first in the head.
        assert!(check_inert("<p>x</p>", false).is_err());
    }
}
