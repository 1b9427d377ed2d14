//! Conformance against Google's discovery document: every method the emulator serves exists there with the same
//! HTTP method, path and parameter names, and its responses validate against the schema the document names.

use serde_json::{json, Value};

use crate::common::*;

fn discovery() -> Value {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/gmail.v1.json"
    ))
    .unwrap();
    serde_json::from_str(&text).unwrap()
}

fn find_method<'a>(doc: &'a Value, id: &str) -> Option<&'a Value> {
    fn walk<'a>(r: &'a Value, id: &str) -> Option<&'a Value> {
        if let Some(ms) = r.get("methods").and_then(Value::as_object) {
            if let Some(m) = ms.values().find(|m| m["id"] == id) {
                return Some(m);
            }
        }
        r.get("resources")
            .and_then(Value::as_object)?
            .values()
            .find_map(|sub| walk(sub, id))
    }
    walk(doc, id)
}

/// Checks `value` against a discovery schema strictly: no property the schema lacks, the right JSON types,
/// 64-bit integers as strings.
fn validate(doc: &Value, schema: &Value, value: &Value, at: &str, errors: &mut Vec<String>) {
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        return validate(doc, &doc["schemas"][r], value, at, errors);
    }
    let ty = schema["type"].as_str().unwrap_or("any");
    match (ty, value) {
        ("object", Value::Object(obj)) => {
            let props = schema.get("properties").and_then(Value::as_object);
            for (k, v) in obj {
                match props.and_then(|p| p.get(k)) {
                    Some(s) => validate(doc, s, v, &format!("{at}.{k}"), errors),
                    None => match schema.get("additionalProperties") {
                        Some(s) => validate(doc, s, v, &format!("{at}.{k}"), errors),
                        None => errors.push(format!("{at}.{k}: not in the schema")),
                    },
                }
            }
        }
        ("array", Value::Array(items)) => {
            for (i, v) in items.iter().enumerate() {
                validate(doc, &schema["items"], v, &format!("{at}[{i}]"), errors);
            }
        }
        ("string", Value::String(s)) => {
            let fmt = schema["format"].as_str().unwrap_or("");
            if (fmt == "int64" || fmt == "uint64") && s.parse::<u64>().is_err() {
                errors.push(format!("{at}: {fmt} string {s:?} is not a number"));
            }
            if fmt == "byte"
                && !s
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_=".contains(c))
            {
                errors.push(format!("{at}: not base64url"));
            }
            if let Some(allowed) = schema.get("enum").and_then(Value::as_array) {
                if !allowed.iter().any(|a| a == s) {
                    errors.push(format!("{at}: {s:?} not in the enum"));
                }
            }
        }
        ("integer", Value::Number(n)) if n.is_i64() || n.is_u64() => {}
        ("boolean", Value::Bool(_)) | ("any", _) => {}
        (ty, v) => errors.push(format!("{at}: expected {ty}, got {v}")),
    }
}

/// A small message to send or keep as a draft.
fn outgoing_raw(subject: &str) -> String {
    base64::Engine::encode(
        &base64::engine::general_purpose::URL_SAFE,
        format!("To: someone@example.org\r\nSubject: {subject}\r\n\r\nbody\r\n"),
    )
}

/// Every method the emulator serves, with a call using every parameter the discovery document lists for it.
fn calls(msg: &str, thread: &str) -> Vec<(&'static str, String, Option<Value>)> {
    vec![
        ("gmail.users.getProfile", String::new(), None),
        ("gmail.users.labels.list", String::new(), None),
        ("gmail.users.labels.get", String::new(), None),
        ("gmail.users.messages.list", "includeSpamTrash=false&labelIds=INBOX&maxResults=5&q=is:unread&pageToken=".into(), None),
        ("gmail.users.messages.get", "format=full".into(), None),
        ("gmail.users.messages.get", "format=metadata&metadataHeaders=From".into(), None),
        ("gmail.users.messages.get", "format=raw".into(), None),
        ("gmail.users.messages.get", "format=minimal".into(), None),
        ("gmail.users.messages.modify", String::new(), Some(json!({"addLabelIds": ["STARRED"], "removeLabelIds": ["UNREAD"]}))),
        ("gmail.users.messages.batchModify", String::new(), Some(json!({"ids": [msg], "addLabelIds": ["IMPORTANT"], "removeLabelIds": []}))),
        ("gmail.users.messages.attachments.get", String::new(), None),
        ("gmail.users.messages.trash", String::new(), None),
        ("gmail.users.messages.untrash", String::new(), None),
        ("gmail.users.threads.list", "includeSpamTrash=true&labelIds=INBOX&maxResults=5&q=-is:starred&pageToken=".into(), None),
        ("gmail.users.threads.get", "format=full".into(), None),
        ("gmail.users.threads.get", "format=metadata&metadataHeaders=Subject".into(), None),
        ("gmail.users.threads.get", "format=minimal".into(), None),
        ("gmail.users.threads.modify", String::new(), Some(json!({"addLabelIds": ["STARRED"]}))),
        ("gmail.users.threads.trash", String::new(), None),
        ("gmail.users.threads.untrash", String::new(), None),
        ("gmail.users.history.list", "historyTypes=labelAdded&historyTypes=messageAdded&labelId=INBOX&maxResults=50&pageToken=&startHistoryId=START".into(), None),
        ("gmail.users.settings.sendAs.list", String::new(), None),
        ("gmail.users.labels.create", String::new(), Some(json!({"name": "Projects/Conformance", "messageListVisibility": "show", "labelListVisibility": "labelShow", "color": {"textColor": "#ffffff", "backgroundColor": "#16a766"}}))),
        ("gmail.users.labels.patch", String::new(), Some(json!({"color": {"textColor": "#000000", "backgroundColor": "#fad165"}}))),
        ("gmail.users.labels.update", String::new(), Some(json!({"id": "X", "name": "Renamed", "messageListVisibility": "hide", "labelListVisibility": "labelShowIfUnread"}))),
        ("gmail.users.labels.delete", String::new(), None),
        ("gmail.users.messages.send", String::new(), Some(json!({"raw": outgoing_raw("sent"), "threadId": thread}))),
        ("gmail.users.drafts.create", String::new(), Some(json!({"message": {"raw": outgoing_raw("draft")}}))),
        ("gmail.users.drafts.list", "includeSpamTrash=false&maxResults=5&q=draft&pageToken=".into(), None),
        ("gmail.users.drafts.get", "format=full".into(), None),
        ("gmail.users.drafts.update", String::new(), Some(json!({"id": "DRAFT", "message": {"raw": outgoing_raw("draft two")}}))),
        ("gmail.users.drafts.send", String::new(), Some(json!({"id": "SENDABLE"}))),
        ("gmail.users.drafts.delete", String::new(), None),
    ]
    .into_iter()
    .map(|(id, q, b)| (id, q.replace("MSG", msg).replace("THREAD", thread), b))
    .collect()
}

#[tokio::test]
async fn served_methods_match_the_discovery_document() {
    let doc = discovery();
    let env = demo().await;
    let at = env.login(ADA).await;
    // Client libraries post batches to rootUrl + batchPath (`/batch`); Google's docs name `/batch/gmail/v1`.
    for batch_path in [doc["batchPath"].as_str().unwrap(), "batch/gmail/v1"] {
        let body = "--b\r\nContent-Type: application/http\r\n\r\nGET /gmail/v1/users/me/profile\r\n\r\n--b--\r\n";
        let r = env
            .http
            .post(env.url(&format!("/{batch_path}")))
            .bearer_auth(&at)
            .header("Content-Type", "multipart/mixed; boundary=b")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{batch_path}");
        assert!(
            r.text().await.unwrap().contains("HTTP/1.1 200 OK"),
            "{batch_path}"
        );
    }
    let (_, profile) = env.gmail_get(&at, "/gmail/v1/users/me/profile").await;
    let start = profile["historyId"].as_str().unwrap().to_string();
    let (_, list) = env
        .gmail_get(
            &at,
            "/gmail/v1/users/me/messages?labelIds=INBOX&maxResults=1",
        )
        .await;
    let msg = list["messages"][0]["id"].as_str().unwrap().to_string();
    let thread = list["messages"][0]["threadId"]
        .as_str()
        .unwrap()
        .to_string();
    env.control(
        "POST",
        "deliver",
        json!({"account": ADA, "from": "a@example.com", "subject": "s", "text": "t"}),
    )
    .await;
    let (attachment_msg, attachment_id) = first_attachment(&env, &at).await;
    let (s, label) = env
        .gmail_post(&at, "/gmail/v1/users/me/labels", json!({"name": "Scratch"}))
        .await;
    assert_eq!(s, 200, "{label}");
    let user_label = label["id"].as_str().unwrap().to_string();
    // Two drafts: one that get, update and delete use, one that drafts.send sends.
    let mut drafts = Vec::new();
    for subject in ["draft", "sendable"] {
        let (s, d) = env
            .gmail_post(
                &at,
                "/gmail/v1/users/me/drafts",
                json!({"message": {"raw": outgoing_raw(subject)}}),
            )
            .await;
        assert_eq!(s, 200, "{d}");
        drafts.push(d["id"].as_str().unwrap().to_string());
    }

    let globals: Vec<String> = doc["parameters"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    let mut errors = Vec::new();
    let mut served = std::collections::BTreeSet::new();
    let mut exercised = std::collections::BTreeMap::new();
    let mut wanted = std::collections::BTreeSet::new();
    for (id, query, body) in calls(&msg, &thread) {
        let body = body.map(|b| {
            serde_json::from_str::<Value>(
                &b.to_string()
                    .replace("SENDABLE", &drafts[1])
                    .replace("DRAFT", &drafts[0]),
            )
            .unwrap()
        });
        let method = find_method(&doc, id)
            .unwrap_or_else(|| panic!("{id} is not in the discovery document"));
        served.insert(id);
        let params = method["parameters"].as_object().unwrap();
        let query = query.replace("START", &start);
        for (k, _) in url::form_urlencoded::parse(query.as_bytes()) {
            assert!(
                params.contains_key(k.as_ref()) || globals.contains(&k.to_string()),
                "{id}: parameter {k} unknown to Google"
            );
        }
        let used = exercised
            .entry(id)
            .or_insert_with(std::collections::BTreeSet::new);
        used.extend(url::form_urlencoded::parse(query.as_bytes()).map(|(k, _)| k.into_owned()));
        for (name, p) in params {
            if p["location"] == "query" {
                wanted.insert((id, name.clone()));
            }
        }
        let path = method["path"].as_str().unwrap();
        let label_id = "INBOX";
        let resource = if [
            "gmail.users.labels.patch",
            "gmail.users.labels.update",
            "gmail.users.labels.delete",
        ]
        .contains(&id)
        {
            &user_label
        } else if id.contains(".drafts.") {
            &drafts[0]
        } else if id.contains(".attachments.") {
            &attachment_id
        } else if id.contains(".threads.") {
            &thread
        } else if id.contains(".labels.") {
            label_id
        } else {
            &msg
        };
        let path = format!(
            "/{}",
            path.replace("{userId}", "me")
                .replace("{messageId}", &attachment_msg)
                .replace("{id}", resource)
        );
        let url = env.url(&format!(
            "{path}?{query}&prettyPrint=false&alt=json&quotaUser=x"
        ));
        let req = match method["httpMethod"].as_str().unwrap() {
            "GET" => env.http.get(&url),
            "POST" => env.http.post(&url).json(&body.clone().unwrap_or(json!({}))),
            "PUT" => env.http.put(&url).json(&body.clone().unwrap_or(json!({}))),
            "PATCH" => env
                .http
                .patch(&url)
                .json(&body.clone().unwrap_or(json!({}))),
            "DELETE" => env.http.delete(&url),
            other => panic!("{id}: {other} not expected"),
        };
        if let (Some(b), Some(r)) = (&body, method["request"]["$ref"].as_str()) {
            validate(
                &doc,
                &doc["schemas"][r],
                b,
                &format!("{id} request"),
                &mut errors,
            );
        }
        let r = req.bearer_auth(&at).send().await.unwrap();
        let status = r.status().as_u16();
        let text = r.text().await.unwrap();
        match method["response"]["$ref"].as_str() {
            Some(schema) => {
                assert_eq!(status, 200, "{id} {url}: {text}");
                let v: Value = serde_json::from_str(&text).unwrap();
                validate(&doc, &doc["schemas"][schema], &v, id, &mut errors);
            }
            None => assert!(status == 204 && text.is_empty(), "{id}: {status} {text}"),
        }
    }
    assert!(errors.is_empty(), "{errors:#?}");
    assert_eq!(served.len(), 28);
    for (id, name) in wanted {
        assert!(
            exercised[id].contains(&name),
            "{id}: no call exercises the parameter {name}"
        );
    }
}

/// A message with an attachment in the demo data, and that attachment's id.
async fn first_attachment(env: &Env, at: &str) -> (String, String) {
    let (_, list) = env
        .gmail_get(at, "/gmail/v1/users/me/messages?q=has:attachment")
        .await;
    let id = list["messages"][0]["id"].as_str().unwrap().to_string();
    let (_, m) = env
        .gmail_get(at, &format!("/gmail/v1/users/me/messages/{id}"))
        .await;
    let text = m.to_string();
    let start = text.find("\"attachmentId\":\"").unwrap() + "\"attachmentId\":\"".len();
    let len = text[start..].find('"').unwrap();
    (id, text[start..start + len].to_string())
}

#[tokio::test]
async fn error_bodies_validate_against_the_shape_google_documents() {
    let env = demo().await;
    let at = env.login(ADA).await;
    for path in [
        "/gmail/v1/users/me/messages/xyz",
        "/gmail/v1/users/me/messages/00000000000000aa",
        "/gmail/v1/users/me/nope",
    ] {
        let (s, body) = env.gmail_get(&at, path).await;
        assert!(s >= 400);
        let e = &body["error"];
        assert_eq!(
            e.as_object().unwrap().keys().collect::<Vec<_>>(),
            ["code", "errors", "message", "status"]
        );
        for k in ["message", "domain", "reason"] {
            assert!(e["errors"][0][k].is_string(), "{path}: {k}");
        }
    }
}

#[test]
fn the_validator_catches_wrong_shapes() {
    let doc = discovery();
    let message = &doc["schemas"]["Message"];
    for (bad, why) in [
        (
            json!({"id": "1", "historyId": 5}),
            "historyId must be a string",
        ),
        (
            json!({"id": "1", "historyId": "x"}),
            "historyId must be numeric",
        ),
        (json!({"id": "1", "unknown": true}), "unknown property"),
        (json!({"labelIds": "INBOX"}), "labelIds is a list"),
        (
            json!({"payload": {"headers": [{"name": 1}]}}),
            "nested type",
        ),
    ] {
        let mut errors = Vec::new();
        validate(&doc, message, &bad, "Message", &mut errors);
        assert!(!errors.is_empty(), "{why}");
    }
    let mut errors = Vec::new();
    validate(
        &doc,
        message,
        &json!({"id": "1", "historyId": "5", "sizeEstimate": 3}),
        "Message",
        &mut errors,
    );
    assert!(errors.is_empty(), "{errors:?}");
}

/// Walks every method of the discovery document: the ones the emulator does not serve answer a Google-shaped
/// 404 (never a 500, never a wrong-method success), so a client never mistakes a missing feature for data.
#[tokio::test]
async fn unserved_discovery_methods_answer_404() {
    let doc = discovery();
    let env = demo().await;
    let at = env.login(ADA).await;
    let served: Vec<&str> = calls("0", "0").iter().map(|c| c.0).collect();
    let mut all = Vec::new();
    fn walk(r: &Value, out: &mut Vec<Value>) {
        if let Some(ms) = r.get("methods").and_then(Value::as_object) {
            out.extend(ms.values().cloned());
        }
        if let Some(rs) = r.get("resources").and_then(Value::as_object) {
            for sub in rs.values() {
                walk(sub, out);
            }
        }
    }
    walk(&doc, &mut all);
    assert!(all.len() > 60, "{}", all.len());
    let mut unserved = 0;
    for m in &all {
        let id = m["id"].as_str().unwrap();
        if served.contains(&id) {
            continue;
        }
        unserved += 1;
        let path = m["path"].as_str().unwrap();
        let path = path.replace("{userId}", "me").replace("{+", "{");
        let path: String = path
            .split('/')
            .map(|seg| {
                if seg.starts_with('{') {
                    "00000000000000aa"
                } else {
                    seg
                }
            })
            .collect::<Vec<_>>()
            .join("/");
        let method: reqwest::Method = m["httpMethod"].as_str().unwrap().parse().unwrap();
        let r = env
            .http
            .request(method, env.url(&format!("/{path}")))
            .bearer_auth(&at)
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        let body: Value = r.json().await.unwrap_or(Value::Null);
        assert_eq!(status, 404, "{id} /{path}");
        assert_eq!(body["error"]["code"], 404, "{id}");
    }
    assert!(unserved > 40);
}
