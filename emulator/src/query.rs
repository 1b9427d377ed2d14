//! Gmail's search syntax for `q` (messages.list, threads.list): the query is parsed once into a tree, then
//! evaluated per message; threads.list answers the threads that hold a matching message, because the API, unlike
//! the Gmail UI, does no thread-wide search (Google's "Search and filter messages" guide).
//!
//! What is implemented, following support.google.com "Search operators you can use with Gmail" and the API guide:
//!
//! - **Words** match whole words, case-insensitively, in the subject, the body (its text part, else its HTML as
//!   text), From, To, Cc, Bcc and attachment names. A word is a run of letters and digits; everything else
//!   separates words, so `github.com` is the two-word phrase `github com` and finds `notifications@github.com`,
//!   while `meet` does not find `meeting`. Each CJK, kana and hangul character is a word of its own, so `周末`
//!   finds `这个周末我们`. `"quoted phrases"` match those words in that order, next to each other. `+word` is the
//!   same as `word`. Accents are not folded (`cafe` does not find `café`).
//! - **Fields**: `from:`, `to:` (To, Cc and Bcc: any recipient), `cc:`, `bcc:` (only raw mail carries a Bcc
//!   header), `subject:`, `filename:` (attachment names: `filename:pdf` finds `report.pdf`), `list:` (List-Id and
//!   List-Post), `deliveredto:` (the Delivered-To header, else the account itself for mail it did not send),
//!   `rfc822msgid:` (the Message-ID, with or without `<>`). `from:me`, `to:me`, `cc:me`, `bcc:me` mean the
//!   account's own address. A value may be a word, a `"phrase"` or a group: `subject:(dinner movie)` needs both
//!   words in the subject, `from:{amy david}` either sender.
//! - **Labels**: `label:`, `in:` and `is:` all take a label: a system one by its Gmail name (`inbox`, `sent`,
//!   `drafts`, `trash`, `spam`, `starred`, `important`, `unread`, `chats`) or a user label by name or id. Names
//!   compare case-insensitively with spaces, `/`, `-` and `_` alike, so `Work/Clients` is `label:work-clients`
//!   (what Gmail's UI writes), `label:work/clients` or `label:"work clients"`. `is:read` is `-is:unread`;
//!   `in:anywhere` matches everything, spam and trash included. An unknown label matches nothing, as Gmail
//!   answers no mail for it. `category:primary|social|promotions|updates|forums` (`personal` too) are the
//!   `CATEGORY_*` labels. `has:attachment`, `has:userlabels`, `has:nouserlabels`. Other `has:` values (Drive
//!   links, coloured stars) match nothing: the emulator's mail has none of them.
//! - **Spam and trash**: without `includeSpamTrash` a search leaves out mail in spam and trash unless the query
//!   asks for that place itself (not under a `-`): `in:trash`/`label:trash` lets trash in, `in:spam` spam,
//!   `in:anywhere` both. So `-in:inbox` is archived mail, not the trash.
//! - **Dates** compare the message's internal date. `after:`/`newer:` (on or after) and `before:`/`older:`
//!   (strictly before) take `YYYY/MM/DD`, `YYYY-MM-DD`, `MM/DD/YYYY` or epoch seconds. A date means midnight
//!   Pacific time, as the API guide warns ("interpreted as midnight on that date in the PST timezone"); the
//!   emulator reads that as America/Los_Angeles, daylight saving included (today's US rule for every year).
//!   `older_than:`/`newer_than:` take `<n>d`, `<n>m` (months), `<n>y` (calendar arithmetic in UTC) and `<n>h`
//!   (undocumented, reported to work), counted back from the emulator's clock (`/_emulator/clock`).
//! - **Sizes**: `larger:`/`size:` (strictly larger) and `smaller:` in bytes, or with `K`/`M` (1024-based) as
//!   in `larger:10M`, against `sizeEstimate`.
//! - **Logic**: implicit AND between terms; `AND` is accepted and changes nothing; `OR` (upper case only; `or`
//!   is a word) binds tighter than AND, so `a b OR c` is `a (b OR c)`; `{a b}` is `a OR b`; `-term` negates a
//!   term, a phrase or a group; `( )` group. `a AROUND n b` needs the two words within n words of each other
//!   (in either order; inside quotes, in that order).
//!
//! Judgement calls where Gmail's answer is not documented (Gmail is lenient; so is this): a query never fails.
//! An unclosed `(`, `{` or `"` closes at the end; a stray `)` or `}` is ignored; a dangling `OR` or `-` is
//! ignored; a term that is only punctuation is dropped. A known operator with a value it cannot read (a
//! malformed date, `older_than:soon`, `larger:big`) is searched as plain words, as Gmail does with text that
//! merely looks like an operator; so is an unknown operator (`10:30` is the phrase `10 30`). `from: amy` (a space
//! after the colon) is `from:amy`. Groups nest at most 64 deep; deeper brackets are ignored.

use std::cell::OnceCell;

use crate::model::{Mailbox, Message, SYSTEM_LABELS};
use crate::time;

/// Brackets nest no deeper than this, so a hostile `((((...` cannot exhaust the stack.
const MAX_DEPTH: usize = 64;

/// A part of a message a word can be found in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Subject,
    Body,
    From,
    To,
    Cc,
    Bcc,
    Filename,
    List,
    DeliveredTo,
}

const FIELD_COUNT: usize = 9;

/// What plain words search.
const PLAIN_FIELDS: &[Field] = &[
    Field::Subject,
    Field::From,
    Field::To,
    Field::Cc,
    Field::Bcc,
    Field::Filename,
    Field::Body,
];

const RECIPIENT_FIELDS: &[Field] = &[Field::To, Field::Cc, Field::Bcc];

#[derive(Debug, Clone, PartialEq)]
enum Node {
    /// Matches every message (an empty group).
    All,
    Nothing,
    /// `in:anywhere`: every message, and spam and trash are let in.
    Anywhere,
    And(Vec<Node>),
    Or(Vec<Node>),
    Not(Box<Node>),
    /// Normalized words (see `normalize`) found next to each other in one of the fields.
    Text(&'static [Field], String),
    Around {
        left: String,
        right: String,
        distance: usize,
        ordered: bool,
    },
    Label(String),
    HasAttachment,
    HasUserLabels,
    /// Internal date in milliseconds at or after.
    After(i64),
    /// Internal date in milliseconds strictly before.
    Before(i64),
    Larger(u64),
    Smaller(u64),
    MessageId(String),
}

/// The operators Gmail knows (the ones the emulator reads; see the module comment).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    From,
    To,
    Cc,
    Bcc,
    Subject,
    Filename,
    List,
    DeliveredTo,
    Rfc822MsgId,
    Label,
    In,
    Is,
    Has,
    Category,
    After,
    Before,
    OlderThan,
    NewerThan,
    Larger,
    Smaller,
}

impl Op {
    fn parse(name: &str) -> Option<Op> {
        Some(match name.to_ascii_lowercase().as_str() {
            "from" => Op::From,
            "to" => Op::To,
            "cc" => Op::Cc,
            "bcc" => Op::Bcc,
            "subject" => Op::Subject,
            "filename" => Op::Filename,
            "list" => Op::List,
            "deliveredto" => Op::DeliveredTo,
            "rfc822msgid" => Op::Rfc822MsgId,
            "label" => Op::Label,
            "in" => Op::In,
            "is" => Op::Is,
            "has" => Op::Has,
            "category" => Op::Category,
            "after" | "newer" => Op::After,
            "before" | "older" => Op::Before,
            "older_than" => Op::OlderThan,
            "newer_than" => Op::NewerThan,
            "larger" | "size" => Op::Larger,
            "smaller" => Op::Smaller,
            _ => return None,
        })
    }
}

/// A parsed `q`, ready to test messages of the mailbox it was parsed against.
#[derive(Debug, Clone)]
pub struct Query {
    root: Node,
    /// The query asks for trash (or spam) itself, so the default exclusion does not apply to it.
    reaches_trash: bool,
    reaches_spam: bool,
    /// The account's address, for `deliveredto:` on mail it received.
    me: String,
}

impl Query {
    /// Parses `q` for a mailbox (labels resolve against it) at `now_ms` on the emulator clock (for
    /// `older_than:`/`newer_than:`). Never fails: see the module comment for what odd input means.
    pub fn parse(mb: &Mailbox, q: &str, now_ms: i64) -> Query {
        let mut parser = Parser {
            chars: q.chars().collect(),
            pos: 0,
            depth: 0,
            mb,
            now_ms,
        };
        let root = and(parser.sequence(false, None));
        let (mut reaches_trash, mut reaches_spam) = (false, false);
        reaches(&root, true, &mut reaches_trash, &mut reaches_spam);
        Query {
            root,
            reaches_trash,
            reaches_spam,
            me: mb.email.clone(),
        }
    }

    /// Whether a message matches. Without `include_spam_trash`, mail in spam or trash matches only when the
    /// query asks for that place.
    pub fn matches(&self, m: &Message, include_spam_trash: bool) -> bool {
        if !include_spam_trash
            && ((!self.reaches_trash && m.labels.contains("TRASH"))
                || (!self.reaches_spam && m.labels.contains("SPAM")))
        {
            return false;
        }
        let view = View {
            m,
            me: &self.me,
            fields: Default::default(),
            size: OnceCell::new(),
        };
        view.eval(&self.root)
    }
}

/// Finds positive mentions of trash and spam (an even number of negations above them).
fn reaches(node: &Node, positive: bool, trash: &mut bool, spam: &mut bool) {
    match node {
        Node::Anywhere if positive => {
            *trash = true;
            *spam = true;
        }
        Node::Label(id) if positive => {
            *trash |= id == "TRASH";
            *spam |= id == "SPAM";
        }
        Node::Not(inner) => reaches(inner, !positive, trash, spam),
        Node::And(v) | Node::Or(v) => {
            for n in v {
                reaches(n, positive, trash, spam);
            }
        }
        _ => {}
    }
}

/// How much a node costs to evaluate: label and date tests are free, sizes build the message, words read it.
fn cost(node: &Node) -> u8 {
    match node {
        Node::Text(..) | Node::Around { .. } => 2,
        Node::Larger(_) | Node::Smaller(_) => 1,
        Node::Not(inner) => cost(inner),
        Node::And(v) | Node::Or(v) => v.iter().map(cost).max().unwrap_or(0),
        _ => 0,
    }
}

/// AND and OR short-circuit, so the cheap terms go first (the order of terms changes nothing else).
fn and(mut nodes: Vec<Node>) -> Node {
    nodes.sort_by_key(cost);
    match nodes.len() {
        0 => Node::All,
        1 => nodes.remove(0),
        _ => Node::And(nodes),
    }
}

fn or(mut nodes: Vec<Node>) -> Node {
    nodes.sort_by_key(cost);
    match nodes.len() {
        0 => Node::All,
        1 => nodes.remove(0),
        _ => Node::Or(nodes),
    }
}

/// What one step of a sequence yields before `OR` and `AROUND` are folded in.
enum Item {
    Node(Node),
    Or,
    Around(usize),
}

struct Parser<'a> {
    chars: Vec<char>,
    pos: usize,
    depth: usize,
    mb: &'a Mailbox,
    now_ms: i64,
}

/// Characters that end a bare word.
fn ends_word(c: char) -> bool {
    c.is_whitespace() || matches!(c, '(' | ')' | '{' | '}' | '"')
}

impl Parser<'_> {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn skip_space(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.pos += 1;
        }
    }

    /// Terms up to the end, or (in a group) up to the closing bracket, as a list to AND.
    fn sequence(&mut self, in_group: bool, ctx: Option<Op>) -> Vec<Node> {
        let mut items = Vec::new();
        loop {
            self.skip_space();
            let Some(c) = self.peek() else { break };
            if c == ')' || c == '}' {
                self.pos += 1;
                // Any closer ends the group it is in; one outside every group is ignored.
                if in_group {
                    break;
                }
                continue;
            }
            if let Some(item) = self.unit(ctx) {
                items.push(item);
            }
        }
        fold(items)
    }

    /// One term with its leading `-`s and `+`s. Always consumes at least one character, unless at a closer.
    fn unit(&mut self, ctx: Option<Op>) -> Option<Item> {
        let mut negations = 0usize;
        while let Some(c @ ('-' | '+')) = self.peek() {
            negations += usize::from(c == '-');
            self.pos += 1;
        }
        let node = match self.peek()? {
            c if c.is_whitespace() || c == ')' || c == '}' => return None,
            '(' | '{' => self.group(ctx)?,
            '"' => {
                let phrase = self.phrase();
                self.leaf(ctx, &phrase, true)?
            }
            _ => {
                let word = self.word();
                if negations == 0 {
                    match word.as_str() {
                        "OR" => return Some(Item::Or),
                        "AND" => return None,
                        "AROUND" => {
                            if let Some(n) = self.around_distance() {
                                return Some(Item::Around(n));
                            }
                        }
                        _ => {}
                    }
                }
                self.word_node(ctx, &word)?
            }
        };
        Some(Item::Node(if negations % 2 == 1 {
            Node::Not(Box::new(node))
        } else {
            node
        }))
    }

    fn word(&mut self) -> String {
        let start = self.pos;
        while self.peek().is_some_and(|c| !ends_word(c)) {
            self.pos += 1;
        }
        self.chars[start..self.pos].iter().collect()
    }

    /// A `"phrase"` (the opening quote is next); an unclosed one runs to the end.
    fn phrase(&mut self) -> String {
        self.pos += 1;
        let start = self.pos;
        while self.peek().is_some_and(|c| c != '"') {
            self.pos += 1;
        }
        let text = self.chars[start..self.pos].iter().collect();
        if self.peek().is_some() {
            self.pos += 1;
        }
        text
    }

    /// The number after `AROUND`, if one follows; otherwise nothing is consumed.
    fn around_distance(&mut self) -> Option<usize> {
        let saved = self.pos;
        self.skip_space();
        let word = self.word();
        match word.parse::<usize>() {
            Ok(n) if !word.is_empty() => Some(n),
            _ => {
                self.pos = saved;
                None
            }
        }
    }

    /// A `( )` or `{ }` group (the bracket is next); inside, bare words take the operator `ctx`.
    fn group(&mut self, ctx: Option<Op>) -> Option<Node> {
        let brace = self.peek() == Some('{');
        self.pos += 1;
        if self.depth >= MAX_DEPTH {
            // Too deep: the bracket is ignored and what follows belongs to the enclosing group.
            return None;
        }
        self.depth += 1;
        let nodes = self.sequence(true, ctx);
        self.depth -= 1;
        if nodes.is_empty() {
            return None;
        }
        Some(if brace { or(nodes) } else { and(nodes) })
    }

    fn word_node(&mut self, ctx: Option<Op>, word: &str) -> Option<Node> {
        let Some((name, value)) = word.split_once(':') else {
            return self.leaf(ctx, word, false);
        };
        let Some(op) = Op::parse(name) else {
            return self.leaf(ctx, word, false);
        };
        if !value.is_empty() {
            return self.op_leaf(op, name, value, false);
        }
        // `op:` with the value after it: a phrase, a group, or (after a space) a word.
        let saved = self.pos;
        self.skip_space();
        match self.peek() {
            Some('"') => {
                let phrase = self.phrase();
                self.op_leaf(op, name, &phrase, true)
            }
            Some('(' | '{') => self.group(Some(op)),
            Some(c) if !ends_word(c) && c != '-' => {
                let value = self.word();
                if matches!(value.as_str(), "OR" | "AND" | "AROUND") {
                    self.pos = saved;
                    return text(name);
                }
                self.op_leaf(op, name, &value, false)
            }
            _ => {
                self.pos = saved;
                text(name)
            }
        }
    }

    /// A bare word or phrase: plain text, or the value of the operator of the group it is in.
    fn leaf(&self, ctx: Option<Op>, value: &str, quoted: bool) -> Option<Node> {
        match ctx {
            Some(op) => self.op_leaf(op, "", value, quoted),
            None if quoted => quoted_around(value).or_else(|| text(value)),
            None => text(value),
        }
    }

    /// An operator with its value. `name` is the operator as typed, for the fallback to plain words. `None`
    /// when the value is only punctuation, which asks for nothing (as a plain word of punctuation would).
    fn op_leaf(&self, op: Op, name: &str, value: &str, quoted: bool) -> Option<Node> {
        let as_words = || text(&format!("{name} {value}"));
        let lower = value.to_lowercase();
        let me = !quoted && lower == "me";
        let address = |fields: &'static [Field]| {
            let who = if me { self.mb.email.as_str() } else { value };
            field_text(fields, who)
        };
        let label = |id: &str| Some(Node::Label(id.to_string()));
        match op {
            Op::From => address(&[Field::From]),
            Op::To => address(RECIPIENT_FIELDS),
            Op::Cc => address(&[Field::Cc]),
            Op::Bcc => address(&[Field::Bcc]),
            Op::DeliveredTo => address(&[Field::DeliveredTo]),
            Op::Subject => field_text(&[Field::Subject], value),
            Op::Filename => field_text(&[Field::Filename], value),
            Op::List => field_text(&[Field::List], value),
            Op::Rfc822MsgId => {
                let id = value.trim().trim_matches(['<', '>']);
                (!id.is_empty()).then(|| Node::MessageId(id.to_string()))
            }
            Op::Label | Op::In | Op::Is => match lower.as_str() {
                "anywhere" if op == Op::In => Some(Node::Anywhere),
                "read" if op == Op::Is => Some(Node::Not(Box::new(Node::Label("UNREAD".into())))),
                _ => Some(self.label(&lower).map_or(Node::Nothing, Node::Label)),
            },
            Op::Has => Some(match lower.as_str() {
                "attachment" => Node::HasAttachment,
                "userlabels" => Node::HasUserLabels,
                "nouserlabels" => Node::Not(Box::new(Node::HasUserLabels)),
                _ => Node::Nothing,
            }),
            Op::Category => match lower.as_str() {
                "primary" | "personal" => label("CATEGORY_PERSONAL"),
                "social" => label("CATEGORY_SOCIAL"),
                "promotions" => label("CATEGORY_PROMOTIONS"),
                "updates" => label("CATEGORY_UPDATES"),
                "forums" => label("CATEGORY_FORUMS"),
                _ => Some(Node::Nothing),
            },
            Op::After => search_date_ms(&lower).map(Node::After).or_else(as_words),
            Op::Before => search_date_ms(&lower).map(Node::Before).or_else(as_words),
            Op::NewerThan => relative_cutoff_ms(self.now_ms, &lower)
                .map(Node::After)
                .or_else(as_words),
            Op::OlderThan => relative_cutoff_ms(self.now_ms, &lower)
                .map(Node::Before)
                .or_else(as_words),
            Op::Larger => size_bytes(&lower).map(Node::Larger).or_else(as_words),
            Op::Smaller => size_bytes(&lower).map(Node::Smaller).or_else(as_words),
        }
    }

    /// The label id a search name means: a system label by its Gmail name or id, else a user label.
    fn label(&self, name: &str) -> Option<String> {
        let want = label_key(name);
        let system = match want.as_str() {
            "inbox" => Some("INBOX"),
            "sent" => Some("SENT"),
            "draft" | "drafts" => Some("DRAFT"),
            "trash" => Some("TRASH"),
            "spam" => Some("SPAM"),
            "starred" => Some("STARRED"),
            "important" => Some("IMPORTANT"),
            "unread" => Some("UNREAD"),
            "chat" | "chats" => Some("CHAT"),
            _ => SYSTEM_LABELS.iter().copied().find(|s| label_key(s) == want),
        };
        if let Some(id) = system {
            return Some(id.to_string());
        }
        self.mb
            .user_labels
            .iter()
            .find(|l| label_key(&l.name) == want || label_key(&l.id) == want)
            .map(|l| l.id.clone())
    }
}

/// Folds `OR` (tighter than the implicit AND) and `AROUND` into the terms of a sequence.
fn fold(items: Vec<Item>) -> Vec<Node> {
    let mut out: Vec<Node> = Vec::new();
    let mut pending_or = false;
    let mut pending_around: Option<usize> = None;
    for item in items {
        let node = match item {
            Item::Or => {
                pending_or = !out.is_empty();
                continue;
            }
            Item::Around(n) => {
                if pending_around.is_some() || !matches!(out.last(), Some(Node::Text(..))) {
                    // Nothing to stand between: the words themselves.
                    out.extend(text(&format!("around {n}")));
                } else {
                    pending_around = Some(n);
                }
                continue;
            }
            Item::Node(node) => node,
        };
        if let Some(distance) = pending_around.take() {
            if let (Some(Node::Text(PLAIN_FIELDS, left)), Node::Text(PLAIN_FIELDS, right)) =
                (out.last(), &node)
            {
                let around = Node::Around {
                    left: left.clone(),
                    right: right.clone(),
                    distance,
                    ordered: false,
                };
                out.pop();
                out.push(around);
                continue;
            }
            out.extend(text(&format!("around {distance}")));
        }
        if pending_or {
            pending_or = false;
            if let Some(prev) = out.pop() {
                out.push(match prev {
                    Node::Or(mut v) => {
                        v.push(node);
                        Node::Or(v)
                    }
                    other => Node::Or(vec![other, node]),
                });
                continue;
            }
        }
        out.push(node);
    }
    if let Some(n) = pending_around {
        out.extend(text(&format!("around {n}")));
    }
    out
}

/// Plain words; `None` when they are only punctuation.
fn text(value: &str) -> Option<Node> {
    let words = normalize(value);
    (words.len() > 1).then_some(Node::Text(PLAIN_FIELDS, words))
}

/// Words in some fields; `None` when they are only punctuation.
fn field_text(fields: &'static [Field], value: &str) -> Option<Node> {
    let words = normalize(value);
    (words.len() > 1).then_some(Node::Text(fields, words))
}

/// `"a AROUND n b"`: the ordered form of AROUND.
fn quoted_around(phrase: &str) -> Option<Node> {
    let words: Vec<&str> = phrase.split_whitespace().collect();
    let i = words.iter().position(|w| *w == "AROUND")?;
    let distance = words.get(i + 1)?.parse::<usize>().ok()?;
    let left = normalize(&words[..i].join(" "));
    let right = normalize(&words[i + 2..].join(" "));
    (left.len() > 1 && right.len() > 1).then_some(Node::Around {
        left,
        right,
        distance,
        ordered: true,
    })
}

/// Characters indexed one by one, as scripts written without spaces between words need.
fn is_ideographic(c: char) -> bool {
    matches!(c,
        '\u{3040}'..='\u{30FF}'     // hiragana, katakana
        | '\u{3400}'..='\u{4DBF}'   // CJK extension A
        | '\u{4E00}'..='\u{9FFF}'   // CJK unified ideographs
        | '\u{AC00}'..='\u{D7AF}'   // hangul syllables
        | '\u{F900}'..='\u{FAFF}'   // CJK compatibility ideographs
        | '\u{20000}'..='\u{2FA1F}' // CJK extensions B to F, compatibility supplement
    )
}

/// Lower-cased words, each between single spaces (`" github com "`), so that a phrase is found as whole words
/// by a substring search of its own normalized form. An empty text is `" "`.
fn normalize(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push(' ');
    let mut in_word = false;
    for c in s.chars() {
        // Mail is mostly ASCII: its bytes take the short way.
        if c.is_ascii() {
            if c.is_ascii_alphanumeric() {
                out.push(c.to_ascii_lowercase());
                in_word = true;
            } else if in_word {
                out.push(' ');
                in_word = false;
            }
        } else if is_ideographic(c) {
            if in_word {
                out.push(' ');
            }
            out.push(c);
            out.push(' ');
            in_word = false;
        } else if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
            in_word = true;
        } else if in_word {
            out.push(' ');
            in_word = false;
        }
    }
    if in_word {
        out.push(' ');
    }
    out
}

/// A label name as search compares it: lower case, runs of spaces, `/`, `-` and `_` as one `-`.
fn label_key(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        if c.is_whitespace() || matches!(c, '/' | '-' | '_') {
            if !out.ends_with('-') {
                out.push('-');
            }
        } else {
            out.extend(c.to_lowercase());
        }
    }
    out
}

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// The first Sunday on or after a day (days since 1970-01-01, a Thursday).
fn sunday_on_or_after(days: i64) -> i64 {
    days + (3 - days).rem_euclid(7)
}

/// Midnight of a calendar date in America/Los_Angeles, as epoch seconds. Daylight time runs from the second
/// Sunday of March to the first Sunday of November (switching at 2 a.m., so both those midnights are before it).
fn pacific_midnight(year: i64, month: u32, day: u32) -> i64 {
    let days = time::days_from_civil(year, month, day);
    let dst_from = sunday_on_or_after(time::days_from_civil(year, 3, 8));
    let dst_to = sunday_on_or_after(time::days_from_civil(year, 11, 1));
    let offset_hours = if days > dst_from && days <= dst_to {
        7
    } else {
        8
    };
    days * 86_400 + offset_hours * 3600
}

/// `after:`/`before:` values: `YYYY/MM/DD`, `YYYY-MM-DD`, `MM/DD/YYYY` (Pacific midnight) or epoch seconds.
fn search_date_ms(s: &str) -> Option<i64> {
    if !s.is_empty() && s.chars().all(|c| c.is_ascii_digit()) {
        let secs: i64 = s.parse().ok().filter(|n| *n <= time::MAX_EPOCH_SECS)?;
        return Some(secs * 1000);
    }
    let parts: Vec<&str> = s.split(['/', '-']).collect();
    let [a, b, c] = parts.as_slice() else {
        return None;
    };
    if [a, b, c]
        .iter()
        .any(|p| p.is_empty() || p.len() > 4 || !p.chars().all(|c| c.is_ascii_digit()))
    {
        return None;
    }
    let (y, m, d) = if a.len() == 4 {
        (a, b, c)
    } else if c.len() == 4 {
        (c, a, b)
    } else {
        return None;
    };
    let year: i64 = y.parse().ok().filter(|y| (1..=9999).contains(y))?;
    let month: u32 = m.parse().ok().filter(|m| (1..=12).contains(m))?;
    let day: u32 = d
        .parse()
        .ok()
        .filter(|d| (1..=days_in_month(year, month)).contains(d))?;
    Some(pacific_midnight(year, month, day) * 1000)
}

/// The instant `older_than:`/`newer_than:` compare against: `now` minus `<n>h`, `<n>d`, `<n>m` or `<n>y`.
fn relative_cutoff_ms(now_ms: i64, s: &str) -> Option<i64> {
    let unit = s.chars().last()?;
    let digits = &s[..s.len() - unit.len_utf8()];
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    // Beyond any range that matters the count saturates; a cutoff before year 1 is the beginning of time.
    let n: i64 = digits.parse().unwrap_or(i64::MAX);
    let months = match unit {
        'h' => return Some(now_ms.saturating_sub(n.saturating_mul(3_600_000))),
        'd' => return Some(now_ms.saturating_sub(n.saturating_mul(86_400_000))),
        'm' => n,
        'y' => n.saturating_mul(12),
        _ => return None,
    };
    let days = now_ms.div_euclid(86_400_000);
    let time_of_day = now_ms.rem_euclid(86_400_000);
    let (year, month, day) = time::civil_from_days(days);
    let total = (year * 12 + i64::from(month) - 1).saturating_sub(months);
    if total < 12 {
        return Some(i64::MIN);
    }
    let (year, month) = (total / 12, (total % 12) as u32 + 1);
    let day = day.min(days_in_month(year, month));
    Some(time::days_from_civil(year, month, day) * 86_400_000 + time_of_day)
}

/// `larger:`/`smaller:` values: bytes, or with a `K` or `M` suffix (1024-based; a trailing `b` is allowed).
fn size_bytes(s: &str) -> Option<u64> {
    let s = s.strip_suffix('b').unwrap_or(s);
    let (digits, scale) = match s.chars().last()? {
        'k' => (&s[..s.len() - 1], 1024),
        'm' => (&s[..s.len() - 1], 1024 * 1024),
        _ => (s, 1),
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let n: u64 = digits.parse().unwrap_or(u64::MAX);
    Some(n.saturating_mul(scale))
}

/// One message under evaluation: its fields are normalized once, when a term first needs them.
struct View<'a> {
    m: &'a Message,
    me: &'a str,
    fields: [OnceCell<String>; FIELD_COUNT],
    size: OnceCell<u64>,
}

impl View<'_> {
    fn raw_header(&self, name: &str) -> Option<&str> {
        self.m.source.as_ref().and_then(|s| s.header(name))
    }

    fn field(&self, f: Field) -> &str {
        self.fields[f as usize].get_or_init(|| match f {
            Field::Subject => normalize(&self.m.subject),
            Field::Body => normalize(&self.m.plain_text()),
            Field::From => normalize(&self.m.from),
            Field::To => normalize(&self.m.to),
            Field::Cc => normalize(self.m.cc.as_deref().unwrap_or_default()),
            Field::Bcc => normalize(self.raw_header("Bcc").unwrap_or_default()),
            // One name per line, so that a phrase cannot run from one name into the next.
            Field::Filename => self
                .m
                .attachments
                .iter()
                .map(|a| normalize(&a.filename))
                .collect::<Vec<_>>()
                .join("\n"),
            Field::List => ["List-Id", "List-Post"]
                .iter()
                .filter_map(|h| self.raw_header(h))
                .map(normalize)
                .collect::<Vec<_>>()
                .join("\n"),
            Field::DeliveredTo => match self.raw_header("Delivered-To") {
                Some(v) => normalize(v),
                None if self.m.labels.contains("SENT") || self.m.labels.contains("DRAFT") => {
                    String::new()
                }
                None => normalize(self.me),
            },
        })
    }

    fn message_id(&self) -> &str {
        self.raw_header("Message-ID")
            .unwrap_or(&self.m.message_id_header)
            .trim()
            .trim_matches(['<', '>'])
    }

    fn eval(&self, node: &Node) -> bool {
        match node {
            Node::All | Node::Anywhere => true,
            Node::Nothing => false,
            Node::And(v) => v.iter().all(|n| self.eval(n)),
            Node::Or(v) => v.iter().any(|n| self.eval(n)),
            Node::Not(n) => !self.eval(n),
            Node::Text(fields, words) => fields
                .iter()
                .any(|f| self.field(*f).contains(words.as_str())),
            Node::Around {
                left,
                right,
                distance,
                ordered,
            } => PLAIN_FIELDS
                .iter()
                .any(|f| around(self.field(*f), left, right, *distance, *ordered)),
            Node::Label(id) => self.m.labels.contains(id),
            Node::HasAttachment => !self.m.attachments.is_empty(),
            Node::HasUserLabels => self
                .m
                .labels
                .iter()
                .any(|l| !SYSTEM_LABELS.contains(&l.as_str())),
            Node::After(ms) => self.m.internal_date_ms >= *ms,
            Node::Before(ms) => self.m.internal_date_ms < *ms,
            Node::Larger(n) => self.size() > *n,
            Node::Smaller(n) => self.size() < *n,
            Node::MessageId(id) => self.message_id().eq_ignore_ascii_case(id),
        }
    }

    fn size(&self) -> u64 {
        *self
            .size
            .get_or_init(|| u64::try_from(self.m.size_estimate()).unwrap_or(u64::MAX))
    }
}

/// Whether the phrases `left` and `right` (normalized) stand at most `distance` words apart in `field`.
fn around(field: &str, left: &str, right: &str, distance: usize, ordered: bool) -> bool {
    let words: Vec<&str> = field.split_whitespace().collect();
    let left: Vec<&str> = left.split_whitespace().collect();
    let right: Vec<&str> = right.split_whitespace().collect();
    let starts = |phrase: &[&str]| -> Vec<usize> {
        if phrase.is_empty() || phrase.len() > words.len() {
            return Vec::new();
        }
        (0..=words.len() - phrase.len())
            .filter(|&i| words[i..i + phrase.len()] == *phrase)
            .collect()
    };
    let (ls, rs) = (starts(&left), starts(&right));
    ls.iter().any(|&l| {
        rs.iter().any(|&r| {
            if r >= l + left.len() {
                r - (l + left.len()) <= distance
            } else if !ordered && l >= r + right.len() {
                l - (r + right.len()) <= distance
            } else {
                false
            }
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seed::SeedAccount;

    fn mailbox() -> Mailbox {
        Mailbox::from_seed(
            &SeedAccount {
                email: "me@example.com".into(),
                name: None,
                sub: None,
                labels: vec!["Work/Clients".into(), "My  Family".into()],
                threads: vec![],
            },
            0,
            1,
        )
    }

    fn words(s: &str) -> Node {
        Node::Text(PLAIN_FIELDS, normalize(s))
    }

    fn not(n: Node) -> Node {
        Node::Not(Box::new(n))
    }

    fn label(id: &str) -> Node {
        Node::Label(id.into())
    }

    /// The tree `q` parses into, at an emulator clock of 2026-06-15T12:00:00Z.
    fn check(q: &str, expected: Node) {
        let now = time::parse_rfc3339("2026-06-15T12:00:00Z").unwrap_or_default() * 1000;
        assert_eq!(Query::parse(&mailbox(), q, now).root, expected, "{q}");
    }

    #[test]
    fn normalizes_to_whole_lower_case_words() {
        for (input, expected) in [
            ("Hello, World!", " hello world "),
            ("notifications@GitHub.com", " notifications github com "),
            ("e-mail 10:30", " e mail 10 30 "),
            ("这个周末abc", " 这 个 周 末 abc "),
            ("Ünïcode ÉTÉ", " ünïcode été "),
            ("...", " "),
            ("", " "),
        ] {
            assert_eq!(normalize(input), expected, "{input}");
        }
    }

    #[test]
    fn parses_logic_with_gmail_precedence() {
        check("", Node::All);
        check("a b", Node::And(vec![words("a"), words("b")]));
        check("a AND b", Node::And(vec![words("a"), words("b")]));
        check(
            "a b OR c",
            Node::And(vec![words("a"), Node::Or(vec![words("b"), words("c")])]),
        );
        check(
            "a OR b OR c",
            Node::Or(vec![words("a"), words("b"), words("c")]),
        );
        check(
            "a or b",
            Node::And(vec![words("a"), words("or"), words("b")]),
        );
        check(
            "{a b} c",
            Node::And(vec![Node::Or(vec![words("a"), words("b")]), words("c")]),
        );
        check("-(a b)", not(Node::And(vec![words("a"), words("b")])));
        check("--a", words("a"));
        check("+a", words("a"));
        check("-\"a b\"", not(words("a b")));
        check("-a OR b", Node::Or(vec![not(words("a")), words("b")]));
    }

    #[test]
    fn is_lenient_with_broken_queries() {
        check("(a b", Node::And(vec![words("a"), words("b")]));
        check("a) b", Node::And(vec![words("a"), words("b")]));
        check("\"a b", words("a b"));
        check("OR a OR", words("a"));
        check("a - & ()", words("a"));
        check("from:", words("from"));
        check("from: amy", Node::Text(&[Field::From], normalize("amy")));
        check("from: OR b", Node::Or(vec![words("from"), words("b")]));
        check("foo:bar", words("foo bar"));
        check("before:2024/13/01", words("before 2024 13 01"));
        check("after:2023/02/29", words("after 2023 02 29"));
        check("older_than:soon", words("older_than soon"));
        check("larger:big", words("larger big"));
        check("AROUND", words("around"));
        check("AROUND 5 x", Node::And(vec![words("around 5"), words("x")]));
    }

    #[test]
    fn operators_take_words_phrases_and_groups() {
        let subject = |s: &str| Node::Text(&[Field::Subject], normalize(s));
        check("subject:\"a b\"", subject("a b"));
        check("SUBJECT:re:hi", subject("re hi"));
        check("subject:(a b)", Node::And(vec![subject("a"), subject("b")]));
        check("subject:{a b}", Node::Or(vec![subject("a"), subject("b")]));
        check(
            "subject:(a OR b)",
            Node::Or(vec![subject("a"), subject("b")]),
        );
        check(
            "-subject:(a from:x)",
            not(Node::And(vec![
                subject("a"),
                Node::Text(&[Field::From], normalize("x")),
            ])),
        );
        check(
            "to:me",
            Node::Text(RECIPIENT_FIELDS, normalize("me@example.com")),
        );
        check("to:\"me\"", Node::Text(RECIPIENT_FIELDS, normalize("me")));
        check("rfc822msgid:<Ab@x>", Node::MessageId("Ab@x".into()));
        check(
            "a AROUND 3 b",
            Node::Around {
                left: normalize("a"),
                right: normalize("b"),
                distance: 3,
                ordered: false,
            },
        );
        check(
            "\"a AROUND 3 b c\"",
            Node::Around {
                left: normalize("a"),
                right: normalize("b c"),
                distance: 3,
                ordered: true,
            },
        );
    }

    #[test]
    fn resolves_labels_like_gmail() {
        for (q, expected) in [
            ("in:inbox", label("INBOX")),
            ("label:Inbox", label("INBOX")),
            ("in:drafts", label("DRAFT")),
            ("is:unread", label("UNREAD")),
            ("is:read", not(label("UNREAD"))),
            ("label:starred", label("STARRED")),
            ("in:chats", label("CHAT")),
            ("label:work-clients", label("Label_1")),
            ("label:Work/Clients", label("Label_1")),
            ("label:\"work clients\"", label("Label_1")),
            ("label:my-family", label("Label_2")),
            ("label:label_2", label("Label_2")),
            ("label:category_social", label("CATEGORY_SOCIAL")),
            ("category:primary", label("CATEGORY_PERSONAL")),
            ("category:Forums", label("CATEGORY_FORUMS")),
            ("category:purchases", Node::Nothing),
            ("label:nosuch", Node::Nothing),
            ("is:snoozed", Node::Nothing),
            ("in:anywhere", Node::Anywhere),
            ("label:anywhere", Node::Nothing),
            ("has:attachment", Node::HasAttachment),
            ("has:nouserlabels", not(Node::HasUserLabels)),
            ("has:drive", Node::Nothing),
        ] {
            check(q, expected);
        }
    }

    #[test]
    fn spam_and_trash_are_reached_only_when_asked_for() {
        let mb = mailbox();
        for (q, trash, spam) in [
            ("", false, false),
            ("in:trash", true, false),
            ("label:spam", false, true),
            ("in:anywhere", true, true),
            ("-in:trash", false, false),
            ("-(-in:trash)", true, false),
            ("in:inbox OR in:trash", true, false),
            ("is:read", false, false),
        ] {
            let query = Query::parse(&mb, q, 0);
            assert_eq!(
                (query.reaches_trash, query.reaches_spam),
                (trash, spam),
                "{q}"
            );
        }
    }

    #[test]
    fn dates_are_pacific_midnight_or_epoch_seconds() {
        let at = |s: &str| time::parse_rfc3339(s).map(|s| s * 1000);
        for (value, expected) in [
            ("2024/01/15", at("2024-01-15T08:00:00Z")),
            ("2024-01-15", at("2024-01-15T08:00:00Z")),
            ("01/15/2024", at("2024-01-15T08:00:00Z")),
            ("2024/07/01", at("2024-07-01T07:00:00Z")),
            // Daylight time starts on 2024-03-10 at 2 a.m. and ends on 2024-11-03 at 2 a.m.
            ("2024/03/10", at("2024-03-10T08:00:00Z")),
            ("2024/03/11", at("2024-03-11T07:00:00Z")),
            ("2024/11/03", at("2024-11-03T07:00:00Z")),
            ("2024/11/04", at("2024-11-04T08:00:00Z")),
            ("2024/02/29", at("2024-02-29T08:00:00Z")),
            ("1388552400", Some(1_388_552_400_000)),
            ("2023/02/29", None),
            ("2024/1/1/1", None),
            ("24/01/15", None),
            ("99999999999999", None),
            ("-5", None),
            ("", None),
        ] {
            assert_eq!(search_date_ms(value), expected, "{value}");
        }
    }

    #[test]
    fn relative_ages_count_back_from_the_clock() {
        let at = |s: &str| time::parse_rfc3339(s).map(|s| s * 1000).unwrap_or_default();
        let now = at("2026-03-31T12:00:00Z");
        for (value, expected) in [
            ("2d", Some(at("2026-03-29T12:00:00Z"))),
            ("3h", Some(at("2026-03-31T09:00:00Z"))),
            ("1m", Some(at("2026-02-28T12:00:00Z"))),
            ("13m", Some(at("2025-02-28T12:00:00Z"))),
            ("2y", Some(at("2024-03-31T12:00:00Z"))),
            ("99999999999999999999y", Some(i64::MIN)),
            ("99999999999999999999d", Some(now - i64::MAX)),
            ("d", None),
            ("2w", None),
            ("-2d", None),
        ] {
            assert_eq!(relative_cutoff_ms(now, value), expected, "{value}");
        }
    }

    #[test]
    fn sizes_take_k_and_m() {
        for (value, expected) in [
            ("100", Some(100)),
            ("10k", Some(10 * 1024)),
            ("10kb", Some(10 * 1024)),
            ("2m", Some(2 * 1024 * 1024)),
            ("k", None),
            ("1.5m", None),
            ("99999999999999999999999m", Some(u64::MAX)),
        ] {
            assert_eq!(size_bytes(value), expected, "{value}");
        }
    }

    #[test]
    fn around_counts_the_words_between() {
        let field = normalize("dinner and a movie on friday");
        for (left, right, distance, ordered, expected) in [
            ("dinner", "friday", 4, false, true),
            ("dinner", "friday", 3, false, false),
            ("friday", "dinner", 4, false, true),
            ("friday", "dinner", 4, true, false),
            ("a movie", "friday", 1, true, true),
            ("dinner", "nothing", 9, false, false),
        ] {
            assert_eq!(
                around(
                    &field,
                    &normalize(left),
                    &normalize(right),
                    distance,
                    ordered
                ),
                expected,
                "{left} AROUND {distance} {right}"
            );
        }
    }

    #[test]
    fn deep_nesting_and_long_negation_chains_are_bounded() {
        let mb = mailbox();
        let q = format!("{}x", "-".repeat(100_001));
        assert_eq!(Query::parse(&mb, &q, 0).root, not(words("x")));
        let q = format!("{}x{}", "(-".repeat(10_000), ")".repeat(10_000));
        let query = Query::parse(&mb, &q, 0);
        let mut depth = 0;
        let mut node = &query.root;
        while let Node::Not(inner) = node {
            depth += 1;
            node = inner;
        }
        assert!((1..=MAX_DEPTH + 1).contains(&depth), "{depth}");
        let q = "{(".repeat(50_000);
        assert_eq!(Query::parse(&mb, &q, 0).root, Node::All);
    }
}
