//! A subset of Gmail's search syntax for `q`: words, `from:`, `to:`, `subject:`, `is:`, `in:`, `label:`,
//! `after:`/`before:`, `has:attachment`, `-term`, `OR` and quoted phrases.

use crate::model::{Mailbox, Message};
use crate::time;

#[derive(Debug, Clone, PartialEq)]
enum Term {
    Word(String),
    From(String),
    To(String),
    Subject(String),
    Label(String),
    Unread,
    Read,
    Starred,
    Important,
    HasAttachment,
    After(i64),
    Before(i64),
    Anywhere,
    Nothing,
    Not(Box<Term>),
    Or(Vec<Term>),
}

#[derive(Debug, Clone, Default)]
pub struct Query {
    terms: Vec<Term>,
    /// `in:trash`, `in:spam` or `in:anywhere` lift the default exclusion of spam and trash.
    pub includes_spam_trash: bool,
}

fn tokenize(q: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    for c in q.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                cur.push(c);
            }
            c if c.is_whitespace() && !quoted => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            }
            '(' | ')' | '{' | '}' if !quoted => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            }
            c => cur.push(c),
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

fn unquote(s: &str) -> String {
    s.trim_matches('"').to_lowercase()
}

fn label_matches(mb: &Mailbox, name: &str) -> Option<String> {
    let norm = |s: &str| s.to_lowercase().replace(['/', ' ', '_'], "-");
    let want = norm(name);
    if let Some(sys) = crate::model::SYSTEM_LABELS.iter().find(|s| norm(s) == want) {
        return Some(sys.to_string());
    }
    mb.user_labels
        .iter()
        .find(|l| norm(&l.name) == want || l.id.to_lowercase() == want)
        .map(|l| l.id.clone())
}

fn parse_term(mb: &Mailbox, tok: &str, query: &mut Query) -> Term {
    // Leading `-`s negate; counted rather than recursed so `------x` cannot exhaust the stack.
    let rest = tok.trim_start_matches('-');
    if rest.len() != tok.len() && !rest.is_empty() {
        let inner = parse_term(mb, rest, query);
        return if (tok.len() - rest.len()) % 2 == 1 {
            Term::Not(Box::new(inner))
        } else {
            inner
        };
    }
    let Some((op, value)) = tok.split_once(':') else {
        return Term::Word(unquote(tok));
    };
    let value_lc = unquote(value);
    match op.to_lowercase().as_str() {
        "from" => Term::From(value_lc),
        "to" => Term::To(value_lc),
        "subject" => Term::Subject(value_lc),
        "is" => match value_lc.as_str() {
            "unread" => Term::Unread,
            "read" => Term::Read,
            "starred" => Term::Starred,
            "important" => Term::Important,
            _ => Term::Nothing,
        },
        "has" if value_lc == "attachment" => Term::HasAttachment,
        "in" | "label" => match value_lc.as_str() {
            "anywhere" => {
                query.includes_spam_trash = true;
                Term::Anywhere
            }
            v => {
                if v == "trash" || v == "spam" {
                    query.includes_spam_trash = true;
                }
                match label_matches(mb, v) {
                    Some(id) => Term::Label(id),
                    None => Term::Nothing,
                }
            }
        },
        "after" | "newer" => time::parse_search_date(&value_lc)
            .map(Term::After)
            .unwrap_or(Term::Nothing),
        "before" | "older" => time::parse_search_date(&value_lc)
            .map(Term::Before)
            .unwrap_or(Term::Nothing),
        _ => Term::Word(unquote(tok)),
    }
}

impl Query {
    pub fn parse(mb: &Mailbox, q: &str) -> Query {
        let mut query = Query::default();
        let tokens = tokenize(q);
        let mut terms: Vec<Term> = Vec::new();
        let mut pending_or = false;
        for tok in tokens {
            if tok == "OR" || tok == "|" {
                pending_or = !terms.is_empty();
                continue;
            }
            let term = parse_term(mb, &tok, &mut query);
            if pending_or {
                pending_or = false;
                if let Some(prev) = terms.pop() {
                    let merged = match prev {
                        Term::Or(mut v) => {
                            v.push(term);
                            Term::Or(v)
                        }
                        other => Term::Or(vec![other, term]),
                    };
                    terms.push(merged);
                    continue;
                }
            }
            terms.push(term);
        }
        query.terms = terms;
        query
    }

    pub fn matches(&self, m: &Message) -> bool {
        self.terms.iter().all(|t| term_matches(t, m))
    }
}

fn term_matches(t: &Term, m: &Message) -> bool {
    let has = |hay: &str, needle: &str| hay.to_lowercase().contains(needle);
    match t {
        Term::Word(w) => {
            has(&m.subject, w)
                || has(&m.from, w)
                || has(&m.to, w)
                || m.cc.as_deref().is_some_and(|c| has(c, w))
                || has(&m.plain_text(), w)
                || m.attachments.iter().any(|a| has(&a.filename, w))
        }
        Term::From(v) => has(&m.from, v),
        Term::To(v) => has(&m.to, v) || m.cc.as_deref().is_some_and(|c| has(c, v)),
        Term::Subject(v) => has(&m.subject, v),
        Term::Label(l) => m.labels.contains(l),
        Term::Unread => m.labels.contains("UNREAD"),
        Term::Read => !m.labels.contains("UNREAD"),
        Term::Starred => m.labels.contains("STARRED"),
        Term::Important => m.labels.contains("IMPORTANT"),
        Term::HasAttachment => !m.attachments.is_empty(),
        Term::After(s) => m.internal_date_ms >= s.saturating_mul(1000),
        Term::Before(s) => m.internal_date_ms < s.saturating_mul(1000),
        Term::Anywhere => true,
        Term::Nothing => false,
        Term::Not(inner) => !term_matches(inner, m),
        Term::Or(v) => v.iter().any(|t| term_matches(t, m)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deep_negation_does_not_recurse() {
        let mb = crate::model::Mailbox::from_seed(
            &crate::seed::SeedAccount {
                email: "a@b.c".into(),
                name: None,
                sub: None,
                labels: vec![],
                threads: vec![],
            },
            0,
            1,
        );
        let q = Query::parse(&mb, &format!("{}x", "-".repeat(100_001)));
        assert_eq!(q.terms, vec![Term::Not(Box::new(Term::Word("x".into())))]);
    }

    #[test]
    fn tokenizes_quotes_and_groups() {
        assert_eq!(
            tokenize("subject:\"a b\" (x OR y) -z"),
            ["subject:\"a b\"", "x", "OR", "y", "-z"]
        );
    }
}
