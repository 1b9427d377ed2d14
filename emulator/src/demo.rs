//! The built-in demo data: three accounts with realistic, varied inboxes (45 threads each).
//! Deterministic apart from dates, which are relative to now so the inbox always looks current.

use crate::seed::{
    Seed, SeedAccount, SeedAttachment, SeedClient, SeedLabel, SeedMessage, SeedThread,
};
use crate::state::real_now_ms;
use crate::{DEMO_CLIENT_ID, DEMO_CLIENT_SECRET};

pub fn demo_client() -> SeedClient {
    SeedClient {
        client_id: DEMO_CLIENT_ID.into(),
        client_secret: DEMO_CLIENT_SECRET.into(),
        project_id: "gmux-demo".into(),
    }
}

const SENDERS: &[&str] = &[
    "Zoë Müller <zoe.mueller@example.de>",
    "José Álvarez <jose.alvarez@example.es>",
    "李雷 <li.lei@example.cn>",
    "Ørjan Søndergaard <orjan@example.no>",
    "Łukasz Wróbel <lukasz@example.pl>",
    "Priya Raman <priya.raman@example.in>",
    "GitHub <noreply@github.com>",
    "Deutsche Bahn <buchungsbestaetigung@bahn.de>",
    "Kim Nguyễn <kim.nguyen@example.vn>",
    "The Monthly Digest <digest@newsletter.example.com>",
    "Fatima Zahra <fatima@example.ma>",
    "Sam O'Neil <sam.oneil@example.ie>",
    "Bank Notifications <alerts@bank.example>",
    "Αλέξανδρος Παπαδόπουλος <alex.p@example.gr>",
    "Noor & Partners <hello@noor-partners.example>",
];

const SUBJECTS: &[&str] = &[
    "Lunch on Thursday?",
    "Re: Q4 planning — draft numbers",
    "Your train ticket: Berlin Hbf → München Hbf",
    "周末聚会安排",
    "[gmux] Pull request #42: Merge the inbox model",
    "Invoice #2026-1187 from Noor & Partners",
    "Photos from the trip 📷",
    "Reminder: dentist appointment tomorrow at 09:30",
    "A very long subject line that keeps going because someone pasted the whole first paragraph of their email into the subject field by mistake, as people do",
    "Your statement is ready",
    "Ερώτηση για το συμβόλαιο",
    "Weekly digest: 12 stories you might have missed",
    "Quick question about <script> tags & \"quotes\"",
    "Spotkanie w przyszłym tygodniu",
    "Security alert: new sign-in on Linux",
];

const BODIES: &[&str] = &[
    "Hi! Are you free for lunch on Thursday? There's a new place near the station that does great ramen. Let me know & I'll book.",
    "Attached are the draft numbers for Q4. Revenue is up 12% but costs grew faster than we'd like. Can we talk before Friday?",
    "Thanks for booking with us. Your ticket is valid on the selected train only. Have a pleasant journey!",
    "大家好，这个周末我们在公园聚会，请带上野餐垫。",
    "This pull request merges the inbox model into core. 3 files changed, 420 insertions(+), 12 deletions(-).",
    "Please find our invoice attached. Payment is due within 30 days. Thank you for your business!",
    "I finally sorted the photos from the trip. The sunset ones came out really well — have a look when you get a chance.",
    "This is a reminder of your appointment tomorrow at 09:30. Reply CANCEL to cancel.",
    "So, as I was saying in the subject, the first paragraph ended up up there. Anyway: the meeting moved to 3pm.",
    "Your monthly statement is now available in online banking. This is an automated message; please do not reply.",
    "Καλησπέρα, είχα μια ερώτηση σχετικά με την παράγραφο 4 του συμβολαίου.",
    "Here are the most-read stories of the week, picked for you.",
    "If I put <script>alert(1)</script> in a mail, does your client render it? Asking for a friend. 'Single' & \"double\" quotes too.",
    "Cześć! Czy pasuje Ci spotkanie we wtorek o 10:00?",
    "We noticed a new sign-in to your account on a Linux device. If this was you, you don't need to do anything.",
];

const REPLIES: &[&str] = &[
    "Sounds good to me — see you then.",
    "Thanks! I'll take a look this afternoon.",
    "Could you send the latest version? The link in the previous mail is broken.",
    "Agreed. Let's go with option B.",
];

struct Persona {
    email: &'static str,
    name: &'static str,
    labels: &'static [&'static str],
}

const PERSONAS: &[Persona] = &[
    Persona {
        email: "ada.lovelace@example.com",
        name: "Ada Lovelace",
        labels: &["Travel", "Finance", "Work/Projects"],
    },
    Persona {
        email: "grace.hopper@example.org",
        name: "Grace Hopper",
        labels: &["Receipts", "Family"],
    },
    Persona {
        email: "tomas.novak@example.net",
        name: "Tomáš Novák",
        labels: &["Newsletters", "Clients/Acme", "Urgent"],
    },
];

/// A deterministic pseudo-random sequence (xorshift), so the demo looks the same on every start.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

fn rfc3339(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let (y, m, d) = crate::time::civil_from_days(secs.div_euclid(86_400));
    let rem = secs.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

fn html_of(text: &str, sender: &str) -> String {
    let esc = crate::model::html_escape(text);
    format!(
        "<html><head><style>p{{font-family:sans-serif}}</style></head><body><p>{esc}</p>\
         <p style=\"color:#666\">— {}</p><p><a href=\"https://example.com/unsubscribe\">Unsubscribe</a></p></body></html>",
        crate::model::html_escape(sender)
    )
}

pub const THREADS_PER_ACCOUNT: usize = 45;

/// The demo's user labels, colored from Gmail's palette; nested names (`Work/Projects`) stay plain.
fn demo_label(name: &str) -> SeedLabel {
    let colors = [
        ("#ffffff", "#16a766"),
        ("#ffffff", "#4a86e8"),
        ("#000000", "#fad165"),
        ("#ffffff", "#a479e2"),
        ("#ffffff", "#fb4c2f"),
    ];
    if name.contains('/') {
        return SeedLabel::Name(name.to_string());
    }
    let i = name.bytes().map(usize::from).sum::<usize>() % colors.len();
    SeedLabel::Colored {
        name: name.to_string(),
        text_color: colors[i].0.to_string(),
        background_color: colors[i].1.to_string(),
    }
}

/// The demo data; `base` is the emulator's own URL, where the demo mail's remote images point.
pub fn demo_seed(base: &str) -> Seed {
    let now = real_now_ms();
    let mut accounts = Vec::new();
    for (pi, p) in PERSONAS.iter().enumerate() {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ ((pi as u64 + 1) * 0x1234_5678));
        let me = format!("{} <{}>", p.name, p.email);
        let mut threads = Vec::new();
        for t in 0..THREADS_PER_ACCOUNT {
            let k = (t + pi * 3) % SUBJECTS.len();
            let sender = SENDERS[(t * 7 + pi) % SENDERS.len()];
            // Newest thread first in time: thread t starts t*14h ago, plus some jitter.
            let start =
                now - (t as i64 * 14 * 3_600_000) - (rng.below(50) as i64 * 60_000) - 600_000;
            let n_msgs = if rng.chance(30) { 2 + rng.below(3) } else { 1 };
            let unread = t < 8 || rng.chance(25);
            let starred = rng.chance(12);
            let mut labels = vec!["INBOX".to_string()];
            if rng.chance(35) {
                labels.push(p.labels[rng.below(p.labels.len())].to_string());
            }
            labels.push(
                [
                    "CATEGORY_PERSONAL",
                    "CATEGORY_UPDATES",
                    "CATEGORY_PROMOTIONS",
                ][rng.below(3)]
                .to_string(),
            );
            if t % 11 == 10 {
                // A few archived threads: not in the inbox, still searchable.
                labels.retain(|l| l != "INBOX");
            }
            let mut messages = Vec::new();
            for i in 0..n_msgs {
                let from_me = i % 2 == 1;
                let date = start + i as i64 * 47 * 60_000;
                let mut ml = if from_me {
                    vec!["SENT".to_string()]
                } else {
                    labels.clone()
                };
                if from_me && labels.iter().any(|l| l == "INBOX") {
                    ml.push("INBOX".into());
                }
                if !from_me && unread && i + 1 == n_msgs {
                    ml.push("UNREAD".into());
                }
                if starred && i == 0 {
                    ml.push("STARRED".into());
                }
                if t % 5 == 0 && !from_me {
                    ml.push("IMPORTANT".into());
                }
                let subject = if i == 0 {
                    SUBJECTS[k].to_string()
                } else {
                    format!("Re: {}", SUBJECTS[k])
                };
                let body = if i == 0 {
                    BODIES[k].to_string()
                } else {
                    REPLIES[(t + i) % REPLIES.len()].to_string()
                };
                // Mostly multipart/alternative, some HTML only, some plain text only: clients must handle all three.
                let (text, html) = match (t + i) % 4 {
                    0 => (Some(body.clone()), None),
                    1 => (None, Some(html_of(&body, sender))),
                    _ => (Some(body.clone()), Some(html_of(&body, sender))),
                };
                let attachments = if k == 5 && i == 0 {
                    vec![SeedAttachment {
                        filename: "invoice-2026-1187.pdf".into(),
                        mime_type: "application/pdf".into(),
                        content: "%PDF-1.4\n% gmux demo invoice\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n".into(),
                    }]
                } else if k == 6 && i == 0 {
                    vec![SeedAttachment {
                        filename: "notes.txt".into(),
                        mime_type: "text/plain".into(),
                        content: "Beach, day 2.\n".into(),
                    }]
                } else {
                    Vec::new()
                };
                messages.push(SeedMessage {
                    raw: None,
                    from: if from_me {
                        me.clone()
                    } else {
                        sender.to_string()
                    },
                    to: Some(if from_me {
                        sender.to_string()
                    } else {
                        me.clone()
                    }),
                    cc: None,
                    subject,
                    date: Some(rfc3339(date)),
                    text,
                    html,
                    labels: ml,
                    attachments,
                });
            }
            threads.push(SeedThread { messages });
        }
        threads.extend(crate::demo_mail::threads(&me, base, now));
        // One trashed and one spam thread, hidden from lists unless asked for.
        threads.push(SeedThread {
            messages: vec![SeedMessage {
                raw: None,
                from: "Prize Department <winner@totally-legit.example>".into(),
                to: Some(me.clone()),
                cc: None,
                subject: "You have WON!!!".into(),
                date: Some(rfc3339(now - 5 * 86_400_000)),
                text: Some("Claim your prize now.".into()),
                html: None,
                labels: vec!["SPAM".into(), "UNREAD".into()],
                attachments: Vec::new(),
            }],
        });
        threads.push(SeedThread {
            messages: vec![SeedMessage {
                raw: None,
                from: SENDERS[9].into(),
                to: Some(me.clone()),
                cc: None,
                subject: "Old newsletter".into(),
                date: Some(rfc3339(now - 9 * 86_400_000)),
                text: Some("Last month's news.".into()),
                html: None,
                labels: vec!["TRASH".into()],
                attachments: Vec::new(),
            }],
        });
        accounts.push(SeedAccount {
            email: p.email.into(),
            name: Some(p.name.into()),
            sub: None,
            labels: p.labels.iter().map(|s| demo_label(s)).collect(),
            threads,
        });
    }
    Seed {
        clients: vec![demo_client()],
        accounts,
        send_as: Default::default(),
        generate: Default::default(),
    }
}
