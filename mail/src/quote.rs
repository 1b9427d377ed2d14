//! Quoted text, to collapse behind a toggle.
//!
//! Plain text: runs of `>` lines, an attribution line ("On Tue, Ann wrote:", and its common translations)
//! before such a run, and an Outlook "-----Original Message-----" block to the end. [`split_text`] returns the
//! text as segments in order, each visible or quoted, which joined give the text back exactly.
//!
//! HTML: Gmail's `gmail_quote` (a div or blockquote with that class) and Apple Mail's `blockquote type=cite`;
//! [`is_quote`] tells the sanitiser which element to wrap in `<details>`, so quotes fold without script.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TextSegment {
    pub text: String,
    pub quoted: bool,
}

/// Attribution endings: "wrote:" and its translations in the languages Gmail writes them in most.
const ATTRIBUTION_ENDINGS: &[&str] = &[
    "wrote:",
    "writes:",
    "a écrit :",
    "a écrit:",
    "schrieb:",
    "escribió:",
    "ha scritto:",
    "schreef:",
    "skrev:",
    "kirjoitti:",
    "escreveu:",
    "napisał(a):",
    "napisał:",
    "написал(а):",
    "написал:",
    "yazdı:",
    "の書き込み:",
    "님이 작성:",
    "写道：",
    "寫道：",
];

/// Lines that start an Outlook-style quote of the whole message below.
const ORIGINAL_MESSAGE: &[&str] = &[
    "-----original message-----",
    "-----ursprüngliche nachricht-----",
    "-----message d'origine-----",
    "-----mensaje original-----",
    "-----messaggio originale-----",
];

fn is_quote_line(line: &str) -> bool {
    line.trim_start().starts_with('>')
}

fn is_attribution(line: &str) -> bool {
    let t = line.trim_end();
    ATTRIBUTION_ENDINGS.iter().any(|e| t.ends_with(e))
}

/// Splits plain text into visible and quoted segments.
pub fn split_text(text: &str) -> Vec<TextSegment> {
    // Lines with their line breaks, so joining the segments gives the text back.
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let mut quoted = vec![false; lines.len()];
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i].trim_end_matches(['\r', '\n']);
        let lower = line.trim().to_lowercase();
        if ORIGINAL_MESSAGE.contains(&lower.as_str()) {
            quoted[i..].iter_mut().for_each(|q| *q = true);
            break;
        }
        if is_quote_line(line) {
            // A run of quote lines, with blank lines inside it when more quote lines follow.
            let start = i;
            let mut end = i;
            let mut j = i;
            while j < lines.len() {
                let l = lines[j].trim_end_matches(['\r', '\n']);
                if is_quote_line(l) {
                    end = j;
                } else if !l.trim().is_empty() {
                    break;
                }
                j += 1;
            }
            // The attribution just above (one line, or two when the mailer wrapped it), blank lines between.
            let mut first = start;
            let mut k = start;
            while k > 0 && lines[k - 1].trim().is_empty() {
                k -= 1;
            }
            if k > 0 && is_attribution(lines[k - 1].trim_end_matches(['\r', '\n'])) {
                first = k - 1;
                let above = lines.get(k.wrapping_sub(2)).map(|l| l.trim());
                if k >= 2 && above.is_some_and(|l| l.starts_with("On ") && !l.is_empty()) {
                    first = k - 2;
                }
            }
            quoted[first..=end].iter_mut().for_each(|q| *q = true);
            i = end + 1;
            continue;
        }
        i += 1;
    }
    let mut out: Vec<TextSegment> = Vec::new();
    for (line, q) in lines.iter().zip(quoted) {
        match out.last_mut() {
            Some(seg) if seg.quoted == q => seg.text.push_str(line),
            _ => out.push(TextSegment {
                text: (*line).to_string(),
                quoted: q,
            }),
        }
    }
    out
}

/// Undoes RFC 3676 `format=flowed`: a line ending in a space continues on the next one (with `delsp=yes` the
/// space goes). Quote depth is kept: only lines of the same depth join. The signature separator `-- ` is
/// never joined.
pub fn unflow(text: &str, delsp: bool) -> String {
    let mut out = String::with_capacity(text.len());
    let mut joining: Option<usize> = None;
    for raw in text.split('\n') {
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        let depth = line.chars().take_while(|&c| c == '>').count();
        let mut content = &line[depth..];
        // Space-stuffing: one space after the quote marks (or at the start) is not content.
        content = content.strip_prefix(' ').unwrap_or(content);
        let flowed = content.ends_with(' ') && content != "-- ";
        match joining {
            Some(d) if d == depth => {}
            Some(_) => {
                out.push('\n');
                out.push_str(&">".repeat(depth));
                if depth > 0 {
                    out.push(' ');
                }
            }
            None => {
                out.push_str(&">".repeat(depth));
                if depth > 0 {
                    out.push(' ');
                }
            }
        }
        let kept = if flowed && delsp {
            &content[..content.len() - 1]
        } else {
            content
        };
        out.push_str(kept);
        if flowed {
            joining = Some(depth);
        } else {
            out.push('\n');
            joining = None;
        }
    }
    // split('\n') yields one more piece than there are line breaks.
    let extra = if text.ends_with('\n') { "\n\n" } else { "\n" };
    if out.ends_with(extra) {
        out.pop();
    }
    out
}

/// Whether an HTML element starts a quote to fold: `class` holds `gmail_quote` (or Gmail's newer
/// `gmail_quote_container`), or it is a `blockquote type="cite"`.
pub fn is_quote(element: &str, attrs: &[(&str, &str)]) -> bool {
    let attr = |name: &str| attrs.iter().find(|(n, _)| *n == name).map(|(_, v)| *v);
    let classes = attr("class").unwrap_or("");
    if (element == "div" || element == "blockquote")
        && classes
            .split_ascii_whitespace()
            .any(|c| c == "gmail_quote" || c == "gmail_quote_container")
    {
        return true;
    }
    element == "blockquote" && attr("type").is_some_and(|t| t.eq_ignore_ascii_case("cite"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str, want: &[(&str, bool)]) {
        let got = split_text(text);
        let got: Vec<(&str, bool)> = got.iter().map(|s| (s.text.as_str(), s.quoted)).collect();
        assert_eq!(got, want, "{text:?}");
        assert_eq!(
            split_text(text)
                .iter()
                .map(|s| s.text.as_str())
                .collect::<String>(),
            text
        );
    }

    #[test]
    fn plain_text_quotes() {
        check("Hello", &[("Hello", false)]);
        check(
            "Sure.\n\nOn Tue, 1 Jul 2025 at 10:00, Ann <ann@x.test> wrote:\n> Lunch?\n> At noon\n",
            &[
                ("Sure.\n\n", false),
                (
                    "On Tue, 1 Jul 2025 at 10:00, Ann <ann@x.test> wrote:\n> Lunch?\n> At noon\n",
                    true,
                ),
            ],
        );
        // Gmail wraps a long attribution over two lines.
        check(
            "Yes\nOn Tue, 1 Jul 2025 at 10:00, Ann Long-Name <\nann@x.test> wrote:\n\n> Hi\n",
            &[
                ("Yes\n", false),
                (
                    "On Tue, 1 Jul 2025 at 10:00, Ann Long-Name <\nann@x.test> wrote:\n\n> Hi\n",
                    true,
                ),
            ],
        );
        check(
            "> a\n\n> b\nmine\n> c",
            &[("> a\n\n> b\n", true), ("mine\n", false), ("> c", true)],
        );
        check(
            "Le mar. 1 juil. 2025, Ann a écrit :\n> Salut\n",
            &[("Le mar. 1 juil. 2025, Ann a écrit :\n> Salut\n", true)],
        );
        check(
            "Top\r\n-----Original Message-----\r\nFrom: x\r\nold\r\n",
            &[
                ("Top\r\n", false),
                ("-----Original Message-----\r\nFrom: x\r\nold\r\n", true),
            ],
        );
        check(
            "I wrote:\nnothing quoted",
            &[("I wrote:\nnothing quoted", false)],
        );
        check("", &[]);
    }

    #[test]
    fn flowed_text_joins() {
        assert_eq!(unflow("one \ntwo\nthree", false), "one two\nthree");
        assert_eq!(unflow("one \r\ntwo\r\n", false), "one two\n");
        assert_eq!(unflow("del \nsp", true), "delsp");
        assert_eq!(
            unflow("> quoted \n> more\nplain", false),
            "> quoted more\nplain"
        );
        assert_eq!(unflow("-- \nsig", false), "-- \nsig");
        assert_eq!(unflow(" >not a quote", false), ">not a quote");
    }

    #[test]
    fn html_quotes() {
        assert!(is_quote("div", &[("class", "gmail_quote")]));
        assert!(is_quote("blockquote", &[("class", "x gmail_quote")]));
        assert!(is_quote("div", &[("class", "gmail_quote_container")]));
        assert!(is_quote("blockquote", &[("type", "CITE")]));
        assert!(!is_quote("blockquote", &[]));
        assert!(!is_quote("span", &[("class", "gmail_quote")]));
        assert!(!is_quote("div", &[("class", "gmail_quotes")]));
    }
}
