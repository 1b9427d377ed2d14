//! A pre-scan that finds where a tag with too many attributes could start, before html5ever sees it.
//!
//! html5ever's tokenizer checks each new attribute against every earlier one of the same tag, so one tag of
//! 200,000 attributes costs 2·10¹⁰ comparisons. This scan runs the tokenizer's tag states (HTML's "tag name"
//! to "self-closing start tag") over the bytes, starting a tag at every `<` followed by a letter or `/` and a
//! letter, whatever the tokenizer's real state there (inside a comment or a script, say). Threads in the same
//! state merge keeping the larger count, so the scan is linear and never counts fewer attributes than the
//! real tokenizer would: where it finds more than [`MAX_ATTRIBUTES`], the document is cut at the earliest
//! tag start that could be that tag. Cutting is always safe (the parser sees less); at worst a script full of
//! `a < b` comparisons is cut early.

/// The most attributes one tag may have.
pub(crate) const MAX_ATTRIBUTES: u32 = 256;

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    TagName,
    BeforeName,
    Name,
    AfterName,
    BeforeValue,
    DoubleQuoted,
    SingleQuoted,
    Unquoted,
    AfterQuoted,
    SelfClosing,
}

const STATES: usize = 10;

fn index(s: State) -> usize {
    s as usize
}

/// Where to cut `html` so no tag in what is left has more than [`MAX_ATTRIBUTES`] attributes; `None` when no
/// cut is needed.
pub(crate) fn attribute_bomb(html: &[u8]) -> Option<usize> {
    // For each state: the largest attribute count of a thread in it, and the earliest tag start among them.
    let mut threads: [Option<(u32, usize)>; STATES] = [None; STATES];
    let mut next: [Option<(u32, usize)>; STATES];
    for (i, &b) in html.iter().enumerate() {
        next = [None; STATES];
        for s in ALL {
            if let Some((count, start)) = threads[index(s)] {
                if let Some((to, added)) = step(s, b) {
                    let count = count + u32::from(added);
                    if count > MAX_ATTRIBUTES {
                        return Some(start);
                    }
                    merge(&mut next[index(to)], count, start);
                }
            }
        }
        // A tag may start here: `<` then a letter, or `</` then a letter.
        if b.is_ascii_alphabetic() && i >= 1 {
            let lt = if html[i - 1] == b'<' {
                Some(i - 1)
            } else if i >= 2 && html[i - 1] == b'/' && html[i - 2] == b'<' {
                Some(i - 2)
            } else {
                None
            };
            if let Some(start) = lt {
                merge(&mut next[index(State::TagName)], 0, start);
            }
        }
        threads = next;
    }
    None
}

const ALL: [State; STATES] = [
    State::TagName,
    State::BeforeName,
    State::Name,
    State::AfterName,
    State::BeforeValue,
    State::DoubleQuoted,
    State::SingleQuoted,
    State::Unquoted,
    State::AfterQuoted,
    State::SelfClosing,
];

fn merge(slot: &mut Option<(u32, usize)>, count: u32, start: usize) {
    *slot = Some(match *slot {
        Some((c, s)) => (c.max(count), s.min(start)),
        None => (count, start),
    });
}

fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b'\x0c')
}

/// One byte in a tag state: the next state and whether an attribute started, or `None` when the tag ended.
/// "Reconsume" transitions are followed here, so each byte takes one call.
fn step(s: State, b: u8) -> Option<(State, bool)> {
    use State::*;
    match s {
        TagName => match b {
            b'>' => None,
            b'/' => Some((SelfClosing, false)),
            b if is_ws(b) => Some((BeforeName, false)),
            _ => Some((TagName, false)),
        },
        BeforeName => match b {
            b if is_ws(b) => Some((BeforeName, false)),
            // Reconsumed in "after attribute name": `/` goes to self-closing, `>` ends the tag.
            b'/' => Some((SelfClosing, false)),
            b'>' => None,
            _ => Some((Name, true)),
        },
        Name => match b {
            b if is_ws(b) => Some((AfterName, false)),
            b'/' => Some((SelfClosing, false)),
            b'>' => None,
            b'=' => Some((BeforeValue, false)),
            _ => Some((Name, false)),
        },
        AfterName => match b {
            b if is_ws(b) => Some((AfterName, false)),
            b'/' => Some((SelfClosing, false)),
            b'=' => Some((BeforeValue, false)),
            b'>' => None,
            _ => Some((Name, true)),
        },
        BeforeValue => match b {
            b if is_ws(b) => Some((BeforeValue, false)),
            b'"' => Some((DoubleQuoted, false)),
            b'\'' => Some((SingleQuoted, false)),
            b'>' => None,
            _ => Some((Unquoted, false)),
        },
        DoubleQuoted => match b {
            b'"' => Some((AfterQuoted, false)),
            _ => Some((DoubleQuoted, false)),
        },
        SingleQuoted => match b {
            b'\'' => Some((AfterQuoted, false)),
            _ => Some((SingleQuoted, false)),
        },
        Unquoted => match b {
            b if is_ws(b) => Some((BeforeName, false)),
            b'>' => None,
            _ => Some((Unquoted, false)),
        },
        AfterQuoted => match b {
            b if is_ws(b) => Some((BeforeName, false)),
            b'/' => Some((SelfClosing, false)),
            b'>' => None,
            // Reconsumed in "before attribute name": a new attribute starts at once.
            _ => Some((Name, true)),
        },
        SelfClosing => match b {
            b'>' => None,
            // Reconsumed in "before attribute name".
            b if is_ws(b) => Some((BeforeName, false)),
            b'/' => Some((SelfClosing, false)),
            _ => Some((Name, true)),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attrs(n: usize) -> String {
        (0..n).map(|i| format!(" a{i}=\"x>\"")).collect()
    }

    #[test]
    fn a_tag_with_too_many_attributes_is_cut_before_it() {
        let ok = format!("<p>hi</p><div{}>x</div>", attrs(200));
        assert_eq!(attribute_bomb(ok.as_bytes()), None);
        let bomb = format!("<p>hi</p><div{}>x</div>", attrs(300));
        assert_eq!(attribute_bomb(bomb.as_bytes()), Some(9));
        // Hidden behind a comment that the scan cannot tell from a tag: still found.
        let hidden = format!("<!-- <a title=\" --><b{}>", attrs(300).replace('"', "'"));
        assert!(attribute_bomb(hidden.as_bytes()).is_some_and(|cut| cut <= 19));
        // An end tag's attributes count too.
        let end = format!("</b{}>", attrs(300));
        assert_eq!(attribute_bomb(end.as_bytes()), Some(0));
    }

    #[test]
    fn ordinary_text_is_left_alone() {
        let text = "a < b and c > d; <p class=x id=y>".repeat(10_000);
        assert_eq!(attribute_bomb(text.as_bytes()), None);
    }
}
