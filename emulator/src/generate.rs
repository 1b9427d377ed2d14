//! Volume on demand: N deterministic threads for one account (`POST /_emulator/generate`, or `generate` in a
//! seed), spread over categories, the account's user labels, read state, stars, dates (six hours apart, newest
//! first) and places: most in the inbox, some archived, a few in spam and trash, some with replies from the
//! account itself. The same account, count and seed give the same mail on every run, apart from the dates,
//! which are relative to now.

use crate::model::{Mailbox, NewMessage};
use crate::seed::MAX_THREADS;

const CATEGORIES: [&str; 5] = [
    "CATEGORY_PERSONAL",
    "CATEGORY_SOCIAL",
    "CATEGORY_PROMOTIONS",
    "CATEGORY_UPDATES",
    "CATEGORY_FORUMS",
];

const SENDERS: [&str; 8] = [
    "Ines Duarte <ines.duarte@example.pt>",
    "Photo Club <club@photos.example>",
    "ShopRight <deals@shopright.example>",
    "Build Bot <ci@builds.example>",
    "Rust Forum <forum@discourse.example>",
    "Marek Nowak <marek@example.pl>",
    "Bank Alerts <alerts@bank.example>",
    "Hana Sato <hana.sato@example.jp>",
];

const TOPICS: [&str; 10] = [
    "Weekend plans",
    "Your order has shipped",
    "Build #{} passed",
    "New reply in \"Borrowing in closures\"",
    "Invoice {} is ready",
    "Meeting notes",
    "Photo of the week",
    "Password changed",
    "Flash sale: 30% off",
    "Quarterly report draft",
];

/// xorshift64*, seeded: the generator's only source of variety.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

/// What one call added.
pub struct Generated {
    pub threads: usize,
    pub messages: usize,
}

/// Adds `threads` threads to `mb`. Their history records are dated now (they are news to a syncing client).
pub fn generate(mb: &mut Mailbox, threads: usize, seed: u64, now_ms: i64) -> Generated {
    let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
    let me = format!("{} <{}>", mb.name, mb.email);
    let user_labels: Vec<String> = mb.user_labels.iter().map(|l| l.id.clone()).collect();
    let history_before = mb.history.len();
    let mut messages = 0;
    for t in 0..threads.min(MAX_THREADS) {
        let start = now_ms - 3_600_000 - t as i64 * 6 * 3_600_000 - rng.below(300) as i64 * 60_000;
        let category = CATEGORIES[rng.below(CATEGORIES.len())];
        let sender = SENDERS[rng.below(SENDERS.len())];
        let subject = TOPICS[rng.below(TOPICS.len())].replace("{}", &(1000 + t).to_string());
        let mut labels = vec![category.to_string()];
        let place = rng.below(100);
        match place {
            0..=2 => labels = vec!["SPAM".into()],
            3..=5 => labels.push("TRASH".into()),
            6..=24 => {} // archived
            _ => labels.push("INBOX".into()),
        }
        if !user_labels.is_empty() && rng.chance(25) {
            labels.push(user_labels[rng.below(user_labels.len())].clone());
        }
        let unread = rng.chance(30);
        let starred = rng.chance(8);
        let replies = if rng.chance(25) { 1 + rng.below(2) } else { 0 };
        let mut thread_id: Option<String> = None;
        for i in 0..=replies {
            let from_me = i % 2 == 1;
            let mut ml: Vec<String> = if from_me {
                vec!["SENT".into()]
            } else {
                labels.clone()
            };
            if !from_me && unread && i == replies {
                ml.push("UNREAD".into());
            }
            if starred && i == 0 {
                ml.push("STARRED".into());
            }
            let (from, to) = if from_me {
                (me.clone(), sender.to_string())
            } else {
                (sender.to_string(), me.clone())
            };
            let id = mb.insert_message(NewMessage {
                thread_id: thread_id.clone(),
                date_ms: start + i as i64 * 40 * 60_000,
                from,
                to,
                cc: None,
                subject: if i == 0 {
                    subject.clone()
                } else {
                    format!("Re: {subject}")
                },
                text: Some(format!(
                    "Generated message {} of thread {t} (seed {seed}). {}",
                    i + 1,
                    if from_me {
                        "Thanks, noted."
                    } else {
                        "Details inside; reply if anything is unclear."
                    }
                )),
                html: None,
                labels: ml,
                attachments: Vec::new(),
                source: None,
            });
            thread_id.get_or_insert(id);
            messages += 1;
        }
    }
    for r in &mut mb.history[history_before..] {
        r.at_ms = now_ms;
    }
    mb.last_change_ms = mb.last_change_ms.max(now_ms);
    Generated {
        threads: threads.min(MAX_THREADS),
        messages,
    }
}
