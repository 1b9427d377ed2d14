//! How tall a sanitised document will be, guessed from its markup. The reader's frame runs no script and has an
//! opaque origin, so the page cannot measure what is inside it; this guess gives a short message a short frame
//! and a long one a tall frame, and the frame scrolls what the guess missed. The guess errs towards tall: white
//! space under a message costs less than a scroll bar inside one.
//!
//! It reads only what [`super::sanitize`] writes (lower-case tags, quoted attributes, escaped text): lines of
//! text wrapped at the width given, a line for each block and `<br>`, the heights images declare, nothing of
//! folded quotes but their toggle.

/// Pixels per line of body text (the base style's 14px at 1.5).
const LINE_PX: f64 = 21.0;
/// The average advance of a character of body text at 14px.
const CHAR_PX: f64 = 7.4;
/// The base style's padding above and below the body, and a margin of error.
const PADDING_PX: f64 = 40.0;
/// An image that declares no height.
const UNSIZED_IMAGE_PX: f64 = 120.0;

const BLOCKS: &[&str] = &[
    "p",
    "div",
    "tr",
    "li",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "blockquote",
    "pre",
    "table",
    "ul",
    "ol",
    "dl",
    "dt",
    "dd",
    "hr",
    "center",
    "section",
    "article",
    "header",
    "footer",
    "figure",
    "figcaption",
    "address",
    "summary",
];

/// The guessed height in CSS pixels of `document` laid out `width_px` wide.
pub fn estimated_height(document: &str, width_px: u32) -> u32 {
    let width = f64::from(width_px.max(120)) - 32.0;
    let body = document
        .find("<body")
        .map_or(document, |at| &document[at..]);
    let mut total = PADDING_PX;
    // Characters on the line being filled, and how tall its text is.
    let mut chars = 0usize;
    let mut scale = 1.0f64;
    let mut headings = 0usize;
    let mut folded = 0usize;
    let mut pre = 0usize;
    let end_line = |chars: &mut usize, total: &mut f64, scale: f64| {
        if *chars > 0 {
            let per_line = (width / (CHAR_PX * scale)).max(1.0);
            *total += (*chars as f64 / per_line).ceil() * LINE_PX * scale;
            *chars = 0;
        }
    };
    let mut rest = body;
    while let Some(lt) = rest.find('<') {
        let text = &rest[..lt];
        if folded == 0 {
            if pre > 0 {
                for (i, line) in text.split('\n').enumerate() {
                    if i > 0 {
                        end_line(&mut chars, &mut total, scale);
                        if line.is_empty() {
                            total += LINE_PX;
                        }
                    }
                    chars += visible_chars(line);
                }
            } else {
                chars += visible_chars(text);
            }
        }
        let Some(gt) = rest[lt..].find('>') else {
            break;
        };
        let tag = &rest[lt + 1..lt + gt];
        rest = &rest[lt + gt + 1..];
        let closing = tag.starts_with('/');
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        if name == "details" {
            if closing {
                folded = folded.saturating_sub(1);
            } else if !tag.contains(" open") {
                // A folded quote shows its toggle only.
                end_line(&mut chars, &mut total, scale);
                total += LINE_PX;
                folded += 1;
            }
            continue;
        }
        if folded > 0 {
            continue;
        }
        match name.as_str() {
            "br" => {
                if chars == 0 {
                    total += LINE_PX * scale;
                }
                end_line(&mut chars, &mut total, scale);
            }
            "img" => {
                end_line(&mut chars, &mut total, scale);
                total += image_height(tag, width);
            }
            "pre" => {
                end_line(&mut chars, &mut total, scale);
                pre = if closing {
                    pre.saturating_sub(1)
                } else {
                    pre + 1
                };
            }
            h if h.len() == 2 && h.starts_with('h') && h[1..].parse::<u8>().is_ok() => {
                end_line(&mut chars, &mut total, scale);
                headings = if closing {
                    headings.saturating_sub(1)
                } else {
                    headings + 1
                };
                scale = if headings > 0 { 1.6 } else { 1.0 };
                total += 16.0;
            }
            block if BLOCKS.contains(&block) => {
                end_line(&mut chars, &mut total, scale);
                // A paragraph's margins (1em above and below, collapsing between two).
                if name == "p" && !closing {
                    total += 14.0;
                }
            }
            _ => {}
        }
    }
    end_line(&mut chars, &mut total, scale);
    (total * 1.2).ceil().min(f64::from(u32::MAX)) as u32
}

/// Characters a run of escaped text shows (an entity is one; white space runs are one).
fn visible_chars(text: &str) -> usize {
    let mut count = 0;
    let mut in_space = true;
    let mut in_entity = false;
    for c in text.chars() {
        if in_entity {
            in_entity = c != ';';
            continue;
        }
        if c == '&' {
            in_entity = true;
            count += 1;
            in_space = false;
        } else if c.is_whitespace() {
            if !in_space {
                count += 1;
            }
            in_space = true;
        } else {
            count += 1;
            in_space = false;
        }
    }
    count
}

/// An `<img>`'s height: its `height` attribute, scaled down as `max-width: 100%` does when it is wider.
fn image_height(tag: &str, width: f64) -> f64 {
    let attr = |name: &str| -> Option<f64> {
        let at = tag.find(&format!(" {name}=\""))? + name.len() + 3;
        let value: String = tag[at..]
            .chars()
            .take_while(|c| c.is_ascii_digit() || *c == '.')
            .collect();
        value.parse::<f64>().ok().filter(|v| *v > 0.0)
    };
    match (attr("height"), attr("width")) {
        (Some(h), Some(w)) if w > width => h * width / w,
        (Some(h), _) => h,
        _ => UNSIZED_IMAGE_PX,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(body: &str) -> String {
        format!("<!DOCTYPE html><html><head><style>p{{margin:0}}</style></head><body>{body}</body></html>")
    }

    /// (body, width, at least, at most)
    fn check(body: &str, width: u32, low: u32, high: u32) {
        let h = estimated_height(&doc(body), width);
        let shown: String = body.chars().take(80).collect();
        assert!(
            (low..=high).contains(&h),
            "{shown:?} at {width}px: {h}px, expected {low}..={high}"
        );
    }

    #[test]
    fn short_mail_gets_a_short_frame_and_long_mail_a_tall_one() {
        check("<p>Hello,</p><p>see you at 3.</p><p>Ann</p>", 600, 120, 190);
        check("", 600, 40, 50);
        let long = "word ".repeat(2_000);
        check(&format!("<p>{long}</p>"), 600, 2_500, 3_600);
        check(&format!("<p>{long}</p>"), 300, 5_500, 7_600);
        check("line<br>line<br><br>line", 600, 100, 160);
    }

    #[test]
    fn images_count_their_declared_height_scaled_to_fit() {
        check(
            "<img src=\"data:image/png;base64,AA\" width=\"320\" height=\"64\">",
            600,
            100,
            140,
        );
        check(
            "<img src=\"data:image/png;base64,AA\" width=\"1200\" height=\"600\">",
            600,
            300,
            400,
        );
        check("<img src=\"data:image/png;base64,AA\">", 600, 160, 200);
    }

    #[test]
    fn folded_quotes_count_their_toggle_only_and_pre_its_lines() {
        let quote = format!(
            "<details class=\"gmux-quote\"><summary>•••</summary><div>{}</div></details>",
            "quoted line<br>".repeat(200)
        );
        check(&format!("<p>Thanks!</p>{quote}"), 600, 80, 120);
        check("<pre>a\nb\nc\n\nd</pre>", 600, 140, 190);
        check("<h1>Big</h1><p>small</p>", 600, 120, 190);
        check("<p>&amp;&amp;&lt;</p>", 600, 60, 100);
    }
}
