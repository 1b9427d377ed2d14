//! Labels and volume: labels.create/patch/update/delete with colors and nested names, 409 on a duplicate,
//! counts of user labels; generated volume (300+ threads) with categories, spam and trash kept out of lists, and
//! paging that stays correct while mail arrives.

use gmux_emulator::{EmulatorConfig, Seed};
use serde_json::{json, Value};

use crate::common::*;

async fn send(env: &Env, at: &str, method: &str, path: &str, body: Value) -> (u16, Value) {
    let r = env
        .http
        .request(method.parse().unwrap(), env.url(path))
        .bearer_auth(at)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let text = r.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

#[tokio::test]
async fn user_labels_are_created_changed_and_deleted_as_google_does() {
    let env = demo().await;
    let at = env.login(ADA).await;
    let (s, l) = send(&env, &at, "POST", "/gmail/v1/users/me/labels", json!({"name": "Projects/Alpha", "color": {"textColor": "#FFFFFF", "backgroundColor": "#16a766"}})).await;
    assert_eq!(s, 200, "{l}");
    let id = l["id"].as_str().unwrap().to_string();
    assert_eq!(id, "Label_4", "after the demo's three");
    assert_eq!(l["type"], "user");
    assert_eq!(
        l["color"],
        json!({"textColor": "#ffffff", "backgroundColor": "#16a766"})
    );
    // Duplicates (any case, system names too) are 409; empty names and bad colors 400.
    for (body, status) in [
        (json!({"name": "projects/alpha"}), 409),
        (json!({"name": "INBOX"}), 409),
        (json!({"name": "Travel"}), 409),
        (json!({"name": ""}), 400),
        (json!({"name": "a//b"}), 400),
        (
            json!({"name": "x", "color": {"textColor": "red", "backgroundColor": "#000000"}}),
            400,
        ),
    ] {
        let (s, e) = send(&env, &at, "POST", "/gmail/v1/users/me/labels", body.clone()).await;
        assert_eq!(s, status, "{body}: {e}");
        error_reason(&e, status);
    }
    // The listed label carries its color; the demo's labels are colored too, nested ones not.
    let (_, list) = env.gmail_get(&at, "/gmail/v1/users/me/labels").await;
    let labels = list["labels"].as_array().unwrap();
    let find = |id: &str| labels.iter().find(|l| l["id"] == id).unwrap().clone();
    assert_eq!(find(&id)["name"], "Projects/Alpha");
    assert!(find("Label_1")["color"]["backgroundColor"].is_string());
    assert!(find("Label_3").get("color").is_none(), "Work/Projects");

    // Patch changes what it names; update needs a name; system labels and unknown ids are refused.
    let path = format!("/gmail/v1/users/me/labels/{id}");
    let (s, p) = send(
        &env,
        &at,
        "PATCH",
        &path,
        json!({"labelListVisibility": "labelHide"}),
    )
    .await;
    assert_eq!(s, 200, "{p}");
    assert_eq!(
        (p["name"].as_str(), p["labelListVisibility"].as_str()),
        (Some("Projects/Alpha"), Some("labelHide"))
    );
    assert!(p["color"].is_object());
    let (s, _) = send(&env, &at, "PUT", &path, json!({"color": null})).await;
    assert_eq!(s, 400);
    let (s, u) = send(&env, &at, "PUT", &path, json!({"name": "Projects/Beta"})).await;
    assert_eq!(s, 200);
    assert!(
        u.get("color").is_none(),
        "update resets what it does not give: {u}"
    );
    assert_eq!(u["labelListVisibility"], "labelShow");
    for (method, p, status) in [
        ("PATCH", "/gmail/v1/users/me/labels/INBOX", 400),
        ("DELETE", "/gmail/v1/users/me/labels/INBOX", 400),
        ("PATCH", "/gmail/v1/users/me/labels/Label_99", 404),
        ("DELETE", "/gmail/v1/users/me/labels/Label_99", 404),
    ] {
        let (s, e) = send(&env, &at, method, p, json!({"name": "x"})).await;
        assert_eq!(s, status, "{method} {p}: {e}");
    }

    // Counts, then delete: the label leaves its messages, and history says so.
    let (_, inbox) = env
        .gmail_get(
            &at,
            "/gmail/v1/users/me/messages?labelIds=INBOX&maxResults=3",
        )
        .await;
    let ids: Vec<&str> = inbox["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    let (s, _) = env
        .gmail_post(
            &at,
            "/gmail/v1/users/me/messages/batchModify",
            json!({"ids": ids, "addLabelIds": [id]}),
        )
        .await;
    assert_eq!(s, 204);
    let (_, counted) = env.gmail_get(&at, &path).await;
    assert_eq!(counted["messagesTotal"], 3, "{counted}");
    let (_, profile) = env.gmail_get(&at, "/gmail/v1/users/me/profile").await;
    let (s, body) = send(&env, &at, "DELETE", &path, json!({})).await;
    assert_eq!((s, body), (204, Value::Null));
    let (s, _) = env.gmail_get(&at, &path).await;
    assert_eq!(s, 404);
    // Listing by the deleted label is refused, as Gmail refuses any label id the mailbox lacks.
    for kind in ["threads", "messages"] {
        let (s, body) = env
            .gmail_get(&at, &format!("/gmail/v1/users/me/{kind}?labelIds={id}"))
            .await;
        assert_eq!(s, 400, "{kind}: {body}");
        assert_eq!(body["error"]["message"], format!("Invalid label: {id}"));
    }
    let (_, h) = env
        .gmail_get(
            &at,
            &format!(
                "/gmail/v1/users/me/history?startHistoryId={}&historyTypes=labelRemoved",
                profile["historyId"].as_str().unwrap()
            ),
        )
        .await;
    assert_eq!(h["history"].as_array().unwrap().len(), 3, "{h}");
    assert_eq!(h["history"][0]["labelsRemoved"][0]["labelIds"], json!([id]));
}

fn big_seed() -> Seed {
    serde_json::from_value(json!({
        "accounts": [{"email": "big@example.com", "name": "Big Box", "labels": ["Receipts", "Projects/Alpha"]}],
        "generate": {"big@example.com": {"threads": 320, "seed": 7}},
    }))
    .unwrap()
}

async fn all_pages(env: &Env, at: &str, path: &str, between: Option<&str>) -> Vec<String> {
    let mut seen = Vec::new();
    let mut token = String::new();
    loop {
        let sep = if path.contains('?') { '&' } else { '?' };
        let (s, page) = env
            .gmail_get(at, &format!("{path}{sep}maxResults=100&pageToken={token}"))
            .await;
        assert_eq!(s, 200, "{page}");
        seen.extend(
            page["threads"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|t| t["id"].as_str().unwrap().to_string()),
        );
        if let Some(account) = between {
            env.control("POST", "deliver", json!({"account": account, "from": "new@example.org", "subject": "arrived mid-paging", "text": "x"})).await;
        }
        match page["nextPageToken"].as_str() {
            Some(t) => token = t.to_string(),
            None => return seen,
        }
    }
}

#[tokio::test]
async fn generated_volume_pages_correctly_while_mail_arrives() {
    let env = start_with(EmulatorConfig {
        seed: Some(big_seed()),
        auto_consent: true,
        ..Default::default()
    })
    .await;
    let at = env.login("big@example.com").await;
    let (_, profile) = env.gmail_get(&at, "/gmail/v1/users/me/profile").await;
    assert!(
        profile["threadsTotal"].as_u64().unwrap() >= 320,
        "{profile}"
    );
    let (_, history) = env
        .gmail_get(
            &at,
            &format!(
                "/gmail/v1/users/me/history?startHistoryId={}",
                profile["historyId"].as_str().unwrap()
            ),
        )
        .await;
    assert!(
        history.get("history").is_none(),
        "seeded volume is the starting state: {history}"
    );

    // Every category, user labels, spam and trash are present; spam and trash stay out of lists.
    for label in [
        "CATEGORY_PERSONAL",
        "CATEGORY_SOCIAL",
        "CATEGORY_PROMOTIONS",
        "CATEGORY_UPDATES",
        "CATEGORY_FORUMS",
        "Label_1",
        "Label_2",
        "SPAM",
        "TRASH",
        "UNREAD",
        "STARRED",
    ] {
        let (_, l) = env
            .gmail_get(&at, &format!("/gmail/v1/users/me/labels/{label}"))
            .await;
        assert!(l["threadsTotal"].as_u64().unwrap() > 0, "{label}: {l}");
    }
    let listed = all_pages(&env, &at, "/gmail/v1/users/me/threads", None).await;
    let with_st = all_pages(
        &env,
        &at,
        "/gmail/v1/users/me/threads?includeSpamTrash=true",
        None,
    )
    .await;
    assert!(listed.len() < with_st.len());
    assert_eq!(
        with_st.len() as u64,
        profile["threadsTotal"].as_u64().unwrap()
    );

    // Paging the inbox while new mail arrives after each page: every thread once, none skipped.
    let (_, inbox) = env.gmail_get(&at, "/gmail/v1/users/me/labels/INBOX").await;
    let paged = all_pages(
        &env,
        &at,
        "/gmail/v1/users/me/threads?labelIds=INBOX",
        Some("big@example.com"),
    )
    .await;
    let unique: std::collections::BTreeSet<&String> = paged.iter().collect();
    assert_eq!(unique.len(), paged.len(), "no thread twice");
    assert_eq!(
        paged.len() as u64,
        inbox["threadsTotal"].as_u64().unwrap(),
        "every thread that was there"
    );
    assert!(paged.len() >= 200);

    // The control endpoint adds more, deterministically.
    let g = env
        .control(
            "POST",
            "generate",
            json!({"account": "big@example.com", "threads": 10, "seed": 3}),
        )
        .await;
    assert_eq!(g["threads"], 10);
    let r = env
        .http
        .post(env.url("/_emulator/generate"))
        .json(&json!({"account": "big@example.com", "threads": 0}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
}

#[tokio::test]
async fn generation_is_deterministic() {
    let mut subjects = Vec::new();
    for _ in 0..2 {
        let env = start_with(EmulatorConfig {
            seed: Some(big_seed()),
            auto_consent: true,
            ..Default::default()
        })
        .await;
        let at = env.login("big@example.com").await;
        let (_, list) = env
            .gmail_get(
                &at,
                "/gmail/v1/users/me/threads?maxResults=20&includeSpamTrash=true",
            )
            .await;
        subjects.push(
            list["threads"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t["snippet"].clone())
                .collect::<Vec<_>>(),
        );
    }
    assert_eq!(subjects[0], subjects[1]);
}

#[tokio::test]
async fn untrash_restores_the_inbox_and_batch_modify_stops_at_1000() {
    let env = demo().await;
    let at = env.login(ADA).await;
    let (_, list) = env
        .gmail_get(
            &at,
            "/gmail/v1/users/me/threads?labelIds=INBOX&maxResults=1",
        )
        .await;
    let id = list["threads"][0]["id"].as_str().unwrap();
    let (s, t) = env
        .gmail_post(
            &at,
            &format!("/gmail/v1/users/me/threads/{id}/trash"),
            json!({}),
        )
        .await;
    assert_eq!(s, 200);
    assert!(t["messages"][0]["labelIds"]
        .as_array()
        .unwrap()
        .contains(&json!("TRASH")));
    let (_, listed) = env
        .gmail_get(&at, "/gmail/v1/users/me/threads?maxResults=500")
        .await;
    assert!(
        !listed["threads"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["id"] == id),
        "trash is not listed"
    );
    let (_, u) = env
        .gmail_post(
            &at,
            &format!("/gmail/v1/users/me/threads/{id}/untrash"),
            json!({}),
        )
        .await;
    let labels = u["messages"][0]["labelIds"].as_array().unwrap();
    assert!(
        labels.contains(&json!("INBOX")) && !labels.contains(&json!("TRASH")),
        "{u}"
    );
    let ids: Vec<String> = (0..1001).map(|i| format!("{i:016x}")).collect();
    let (s, e) = env
        .gmail_post(
            &at,
            "/gmail/v1/users/me/messages/batchModify",
            json!({"ids": ids, "addLabelIds": ["STARRED"]}),
        )
        .await;
    assert_eq!((s, error_reason(&e, 400)), (400, "badRequest".to_string()));
}
