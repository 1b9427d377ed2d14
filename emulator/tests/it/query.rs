//! Gmail's search syntax in `q`, operator by operator: each case is a query, and the messages (named by their
//! subjects) that messages.list must answer for it from the mail in `tests/fixtures/query-mail.json` plus two raw
//! messages below, with the emulator clock set to `NOW`.

use std::collections::{BTreeMap, BTreeSet};

use base64::engine::general_purpose::URL_SAFE;
use base64::Engine as _;
use gmux_emulator::{EmulatorConfig, Seed};
use serde_json::{json, Value};

use crate::common::*;

const OWNER: &str = "owner@example.com";
/// The emulator clock during the tests: 2026-06-15T12:00:00Z.
const NOW_SECS: i64 = 1_781_524_800;

const LUNCH: &str = "Lunch on Friday";
/// The owner's reply, in the same thread as LUNCH.
const RE_LUNCH: &str = "Re: Lunch on Friday";
const REPORT: &str = "Quarterly report";
const RECEIPT: &str = "Your receipt";
const PICNIC: &str = "Family picnic";
const DIGEST: &str = "Weekly digest";
const NOTE: &str = "Late night note";
const PLANS: &str = "Summer plans";
const EVENING: &str = "Summer evening";
const PHOTOS: &str = "Photos from the trip";
const WEEKEND: &str = "周末聚会安排";
/// In spam.
const PILLS: &str = "Cheap pills";
/// In the trash.
const INVOICE: &str = "Old invoice";
const DRAFT: &str = "Draft idea";
/// Raw: a mailing-list post with a long body.
const RELEASE: &str = "Release notes";
/// Raw: sent by the owner, with a Bcc and a known Message-ID.
const PARTY: &str = "Surprise party";

/// What a search without `in:` covers: everything but spam and trash.
const ALL: &[&str] = &[
    LUNCH, RE_LUNCH, REPORT, RECEIPT, PICNIC, DIGEST, NOTE, PLANS, EVENING, PHOTOS, WEEKEND, DRAFT,
    RELEASE, PARTY,
];
const INBOX: &[&str] = &[
    LUNCH, REPORT, PICNIC, DIGEST, NOTE, PLANS, PHOTOS, WEEKEND, RELEASE,
];
/// Mail addressed to the owner: the fixture's `to` defaults to the account.
const TO_OWNER: &[&str] = &[
    LUNCH, REPORT, RECEIPT, PICNIC, DIGEST, NOTE, PLANS, EVENING, PHOTOS, WEEKEND,
];

fn raw_messages() -> Vec<Value> {
    let mut release = b"From: Dev List <dev@lists.example>\r\nTo: dev@lists.example\r\nList-Id: Developers <dev.lists.example>\r\nList-Post: <mailto:dev@lists.example>\r\nDelivered-To: owner@example.com\r\nSubject: Release notes\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nVersion 2 is out.\r\n".to_vec();
    release.extend(b"changelog entry\r\n".repeat(400));
    let party = b"From: Olive Owner <owner@example.com>\r\nTo: amy@example.com\r\nBcc: secret@hidden.example\r\nMessage-ID: <party-42@example.com>\r\nSubject: Surprise party\r\nContent-Type: text/plain\r\n\r\nDon't tell Bob.\r\n";
    vec![
        json!({"messages": [{"raw": URL_SAFE.encode(&release), "date": "2026-06-11T09:00:00Z", "labels": ["INBOX"]}]}),
        json!({"messages": [{"raw": URL_SAFE.encode(party), "date": "2026-06-09T09:00:00Z", "labels": ["SENT"]}]}),
    ]
}

struct Fixture {
    env: Env,
    token: String,
    /// Message id to subject.
    subjects: BTreeMap<String, String>,
}

impl Fixture {
    async fn start() -> Fixture {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/query-mail.json"
        ))
        .unwrap();
        let mut seed: Value = serde_json::from_str(&text).unwrap();
        let threads = seed["accounts"][0]["threads"].as_array_mut().unwrap();
        threads.extend(raw_messages());
        let seed: Seed = serde_json::from_value(seed).unwrap();
        let env = start_with(EmulatorConfig {
            seed: Some(seed),
            auto_consent: true,
            ..Default::default()
        })
        .await;
        let token = env.login(OWNER).await;
        let mut fixture = Fixture {
            env,
            token,
            subjects: BTreeMap::new(),
        };
        fixture.set_clock(NOW_SECS).await;
        let all = fixture
            .get("/gmail/v1/users/me/messages?includeSpamTrash=true&maxResults=500")
            .await;
        for m in all["messages"].as_array().unwrap() {
            let id = m["id"].as_str().unwrap();
            let full = fixture
                .get(&format!(
                    "/gmail/v1/users/me/messages/{id}?format=metadata&metadataHeaders=Subject"
                ))
                .await;
            let subject = full["payload"]["headers"][0]["value"].as_str().unwrap();
            fixture.subjects.insert(id.into(), subject.into());
        }
        assert_eq!(
            fixture.subjects.len(),
            ALL.len() + 2,
            "every message has a subject"
        );
        fixture
    }

    /// Moves the emulator clock to `secs` (within the few milliseconds the request takes).
    async fn set_clock(&self, secs: i64) {
        let now = self.env.control("GET", "clock", json!({})).await["now_ms"]
            .as_i64()
            .unwrap();
        let seconds = (secs * 1000 - now) as f64 / 1000.0;
        self.env
            .control("POST", "clock/advance", json!({ "seconds": seconds }))
            .await;
    }

    async fn get(&self, path: &str) -> Value {
        let (status, body) = self.env.gmail_get(&self.token, path).await;
        assert_eq!(status, 200, "{path}: {body}");
        body
    }

    /// The subjects of what a list answers (`messages` or `threads`, named by their first message).
    async fn list(&self, resource: &str, params: &str) -> BTreeSet<String> {
        let body = self
            .get(&format!(
                "/gmail/v1/users/me/{resource}?maxResults=500&{params}"
            ))
            .await;
        body[resource]
            .as_array()
            .map(|items| {
                items
                    .iter()
                    .map(|m| self.subjects[m["id"].as_str().unwrap()].clone())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Runs every case and fails once, naming each query whose answer differs.
    async fn check(&self, resource: &str, cases: &[(&str, &[&str])]) {
        let mut wrong = Vec::new();
        for (params, expected) in cases {
            let got = self.list(resource, params).await;
            let expected: BTreeSet<String> = expected.iter().map(|s| s.to_string()).collect();
            if got != expected {
                wrong.push(format!(
                    "{params}\n    expected {expected:?}\n    got      {got:?}"
                ));
            }
        }
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    }

    /// Cases of `q` alone, on messages.list.
    async fn check_q(&self, cases: &[(&str, &[&str])]) {
        let encoded: Vec<(String, &[&str])> = cases
            .iter()
            .map(|(q, expected)| {
                let q: String = url::form_urlencoded::byte_serialize(q.as_bytes()).collect();
                (format!("q={q}"), *expected)
            })
            .collect();
        let cases: Vec<(&str, &[&str])> = encoded.iter().map(|(q, e)| (q.as_str(), *e)).collect();
        self.check("messages", &cases).await;
    }
}

#[tokio::test]
async fn words_and_phrases_match_whole_words_anywhere_in_a_message() {
    let f = Fixture::start().await;
    f.check_q(&[
        ("ramen", &[LUNCH]),
        ("RAMEN", &[LUNCH]),
        ("+ramen", &[LUNCH]),
        ("ram", &[]),
        ("meeting", &[RE_LUNCH]),
        ("meet", &[]),
        ("e-mail", &[REPORT]),
        ("email", &[]),
        ("10:30", &[RE_LUNCH]),
        ("dinner", &[LUNCH, DIGEST, EVENING, DRAFT]),
        ("dinner movie", &[LUNCH]),
        ("\"dinner and a movie\"", &[LUNCH]),
        ("\"movie and dinner\"", &[]),
        // An HTML body is searched as its text.
        ("shopping", &[RECEIPT]),
        ("42.00", &[RECEIPT]),
        // Senders, recipients and attachment names are searched too.
        ("amy", &[LUNCH, RE_LUNCH, NOTE, PHOTOS, PARTY]),
        ("q2-report.pdf", &[REPORT]),
        ("周末", &[WEEKEND]),
        ("公园", &[WEEKEND]),
        ("聚会安排", &[WEEKEND]),
        ("nosuchwordanywhere", &[]),
    ])
    .await;
}

#[tokio::test]
async fn address_operators_search_their_own_headers() {
    let f = Fixture::start().await;
    f.check_q(&[
        ("from:amy", &[LUNCH, NOTE]),
        ("from:amy@example.com", &[LUNCH, NOTE]),
        ("from:\"Amy Lee\"", &[LUNCH, NOTE]),
        ("FROM:LEE", &[LUNCH, NOTE]),
        ("from: amy", &[LUNCH, NOTE]),
        ("from:example.com", &[LUNCH, NOTE, RE_LUNCH, DRAFT, PARTY]),
        ("from:me", &[RE_LUNCH, DRAFT, PARTY]),
        ("from:corp.example", &[REPORT]),
        ("from:lilei", &[WEEKEND]),
        ("from:李雷", &[WEEKEND]),
        ("from:(amy OR bob)", &[LUNCH, NOTE, PLANS, EVENING, PHOTOS]),
        ("from:{amy mom}", &[LUNCH, NOTE, PICNIC]),
        // to: is any recipient: To, Cc or Bcc.
        ("to:amy", &[RE_LUNCH, PHOTOS, PARTY]),
        ("to:me", TO_OWNER),
        ("to:secret", &[PARTY]),
        ("cc:eve", &[REPORT]),
        ("cc:amy", &[PHOTOS]),
        ("bcc:secret@hidden.example", &[PARTY]),
        ("bcc:me", &[]),
        ("deliveredto:me", &[TO_OWNER, &[RELEASE]].concat()),
        ("list:dev@lists.example", &[RELEASE]),
        ("list:lists.example", &[RELEASE]),
        ("rfc822msgid:<party-42@example.com>", &[PARTY]),
        ("rfc822msgid:party-42@example.com", &[PARTY]),
        ("rfc822msgid:nosuch@example.com", &[]),
        ("subject:lunch", &[LUNCH, RE_LUNCH]),
        ("subject:(lunch re)", &[RE_LUNCH]),
        ("subject:\"on friday\"", &[LUNCH, RE_LUNCH]),
        ("subject:friday -subject:re", &[LUNCH]),
        ("subject:dinner", &[]),
        ("subject:周末", &[WEEKEND]),
    ])
    .await;
}

#[tokio::test]
async fn labels_places_and_categories() {
    let f = Fixture::start().await;
    let inbox_read: Vec<&str> = INBOX
        .iter()
        .copied()
        .filter(|s| ![LUNCH, WEEKEND].contains(s))
        .collect();
    f.check_q(&[
        ("label:work-clients", &[REPORT]),
        ("label:Work/Clients", &[REPORT]),
        ("label:\"work clients\"", &[REPORT]),
        ("label:my-family", &[PICNIC]),
        ("label:receipts-2026", &[RECEIPT]),
        ("label:travel", &[PLANS, EVENING, PHOTOS]),
        ("label:nosuch", &[]),
        ("in:inbox", INBOX),
        ("label:inbox", INBOX),
        ("in:sent", &[RE_LUNCH, PARTY]),
        ("in:drafts", &[DRAFT]),
        ("is:unread", &[LUNCH, WEEKEND]),
        ("is:read in:inbox", &inbox_read),
        ("is:starred", &[REPORT]),
        ("in:starred", &[REPORT]),
        ("is:important", &[LUNCH]),
        ("category:primary", &[LUNCH]),
        ("category:social", &[PICNIC]),
        ("category:promotions", &[RECEIPT]),
        ("category:updates", &[REPORT]),
        ("category:forums", &[DIGEST]),
        ("category:purchases", &[]),
        (
            "has:userlabels",
            &[REPORT, RECEIPT, PICNIC, PLANS, EVENING, PHOTOS],
        ),
        (
            "has:nouserlabels in:inbox",
            &[LUNCH, DIGEST, NOTE, WEEKEND, RELEASE],
        ),
        ("has:drive", &[]),
        ("is:snoozed", &[]),
    ])
    .await;
}

#[tokio::test]
async fn spam_and_trash_stay_out_unless_the_query_or_the_request_asks_for_them() {
    let f = Fixture::start().await;
    f.check_q(&[
        ("", ALL),
        ("-in:inbox", &[RE_LUNCH, RECEIPT, EVENING, DRAFT, PARTY]),
        ("-in:trash", ALL),
        ("in:trash", &[INVOICE]),
        ("label:trash", &[INVOICE]),
        ("in:spam", &[PILLS]),
        ("from:corp.example in:trash", &[INVOICE]),
        // Asking for the trash does not let spam in.
        ("in:trash OR from:spam.example", &[INVOICE]),
        (
            "in:anywhere dinner",
            &[LUNCH, DIGEST, EVENING, DRAFT, PILLS, INVOICE],
        ),
        ("has:attachment", &[REPORT, RECEIPT, PHOTOS]),
        (
            "has:attachment in:anywhere",
            &[REPORT, RECEIPT, PHOTOS, INVOICE],
        ),
    ])
    .await;
    f.check(
        "messages",
        &[
            (
                "includeSpamTrash=true&q=dinner",
                &[LUNCH, DIGEST, EVENING, DRAFT, PILLS, INVOICE],
            ),
            ("labelIds=TRASH&q=invoice", &[INVOICE]),
            ("labelIds=INBOX&q=dinner", &[LUNCH, DIGEST]),
        ],
    )
    .await;
}

#[tokio::test]
async fn dates_are_midnight_pacific_time_or_epoch_seconds() {
    let f = Fixture::start().await;
    f.check_q(&[
        // DIGEST is 00:30 and NOTE 23:30 the day before, Pacific standard time.
        ("after:2024/01/15 before:2024/01/16", &[DIGEST]),
        ("after:2024-01-15 before:2024-01-16", &[DIGEST]),
        ("after:01/15/2024 before:01/16/2024", &[DIGEST]),
        ("newer:2024/01/15 older:2024/01/16", &[DIGEST]),
        ("before:2024/01/15", &[NOTE]),
        // PLANS is 00:30 and EVENING 23:30 the day before, Pacific daylight time.
        ("after:2024/07/01 before:2024/07/02", &[PLANS]),
        ("after:2024/06/30 before:2024/07/01", &[EVENING]),
        ("before:2025/01/01", &[NOTE, DIGEST, PLANS, EVENING]),
        ("after:2026/06/14", &[LUNCH, RE_LUNCH, WEEKEND]),
        // Epoch seconds are exact: 2024-01-15 07:30, 08:00 and 09:00 UTC.
        ("after:1705303800 before:1705305600", &[NOTE]),
        ("after:1705305600 before:1705309200", &[DIGEST]),
        // What is not a date is searched as words.
        ("before:2024/13/45", &[]),
        ("after:yesterday", &[]),
    ])
    .await;
}

#[tokio::test]
async fn relative_ages_count_back_from_the_emulator_clock() {
    let f = Fixture::start().await;
    let old = [PICNIC, DIGEST, NOTE, PLANS, EVENING];
    f.check_q(&[
        ("newer_than:3h", &[LUNCH, RE_LUNCH]),
        ("newer_than:1d", &[LUNCH, RE_LUNCH]),
        ("newer_than:2d", &[LUNCH, RE_LUNCH, WEEKEND]),
        ("older_than:1y", &old),
        ("older_than:1m", &[&old[..], &[RECEIPT]].concat()),
        (
            "newer_than:1m -newer_than:3d",
            &[REPORT, PHOTOS, RELEASE, PARTY, DRAFT],
        ),
        ("older_than:soon", &[]),
    ])
    .await;
    f.set_clock(NOW_SECS + 2 * 86_400).await;
    f.check_q(&[
        ("newer_than:1d", &[]),
        ("newer_than:3d", &[LUNCH, RE_LUNCH]),
    ])
    .await;
}

#[tokio::test]
async fn sizes_and_attachment_names() {
    let f = Fixture::start().await;
    let inbox_small: Vec<&str> = INBOX.iter().copied().filter(|s| *s != RELEASE).collect();
    f.check_q(&[
        ("larger:5k", &[RELEASE]),
        ("size:5000", &[RELEASE]),
        ("smaller:5K in:inbox", &inbox_small),
        ("larger:1M", &[]),
        ("larger:big", &[]),
        ("filename:pdf", &[REPORT]),
        ("filename:pdf in:anywhere", &[REPORT, INVOICE]),
        ("filename:receipt.txt", &[RECEIPT]),
        ("filename:receipt", &[RECEIPT]),
        ("filename:(pdf OR jpg)", &[REPORT, PHOTOS]),
        ("filename:txt -filename:pdf", &[RECEIPT]),
    ])
    .await;
}

#[tokio::test]
async fn or_braces_negation_and_groups_combine_terms() {
    let f = Fixture::start().await;
    f.check_q(&[
        ("dinner OR ramen", &[LUNCH, DIGEST, EVENING, DRAFT]),
        ("{ramen lisbon}", &[LUNCH, PLANS]),
        // OR binds tighter than the implicit AND.
        ("amy ramen OR lisbon", &[LUNCH]),
        ("ramen AND station", &[LUNCH]),
        // Lower-case `or` is a word like any other.
        ("ramen or station", &[]),
        ("dinner -movie", &[DIGEST, EVENING, DRAFT]),
        ("from:bob -(lisbon OR dinner)", &[PHOTOS]),
        ("from:bob -{lisbon dinner}", &[PHOTOS]),
        ("(from:amy OR from:mom) is:unread", &[LUNCH]),
        (
            "in:inbox is:unread OR is:starred",
            &[LUNCH, WEEKEND, REPORT],
        ),
        (
            "in:inbox -from:amy",
            &[REPORT, PICNIC, DIGEST, PLANS, PHOTOS, WEEKEND, RELEASE],
        ),
        ("dinner AROUND 3 movie", &[LUNCH]),
        ("movie AROUND 3 dinner", &[LUNCH]),
        ("dinner AROUND 1 movie", &[]),
        ("\"dinner AROUND 5 movie\"", &[LUNCH]),
        ("\"movie AROUND 5 dinner\"", &[]),
        // Broken queries are read leniently, never refused.
        ("((ramen", &[LUNCH]),
        ("ramen)", &[LUNCH]),
        ("\"dinner and", &[LUNCH]),
        ("lunch OR", &[LUNCH, RE_LUNCH]),
        ("OR", ALL),
        ("-", ALL),
    ])
    .await;
}

#[tokio::test]
async fn threads_list_answers_threads_holding_a_matching_message() {
    let f = Fixture::start().await;
    let cases = |q: &'static str, expected: &'static [&'static str]| {
        let q: String = url::form_urlencoded::byte_serialize(q.as_bytes()).collect();
        (format!("q={q}"), expected)
    };
    let cases = [
        cases("ramen", &[LUNCH]),
        // The reply matches, and its thread is LUNCH's.
        cases("from:me", &[LUNCH, DRAFT, PARTY]),
        cases("in:sent", &[LUNCH, PARTY]),
        // No thread-wide search in the API: one message must match the whole query.
        cases("in:sent ramen", &[]),
        cases("in:trash", &[INVOICE]),
    ];
    let cases: Vec<(&str, &[&str])> = cases.iter().map(|(q, e)| (q.as_str(), *e)).collect();
    f.check("threads", &cases).await;
}
