//! Logs never carry a secret by accident: every path that logs text from outside the host (the caller's
//! arguments and frames, the loopback listener, Google's error words, a keyring entry gmux cannot read) is
//! flooded with token-shaped strings, and neither the host's files nor what it tells the extension about
//! Google and the keyring may hold one.
#![cfg(target_os = "linux")]

use crate::fake::{id_token, FakeServer};
use crate::harness::{all_files, frame, Host, DEADLINE};
use crate::identity::{configured_env, consent, token_answer, CLIENT_ID, MODIFY};
use serde_json::{json, Value};

/// Every planted secret carries this marker, except the JWT (base64 hides it; it is checked whole).
const MARK: &str = "LEAK";

fn loopback_status(url: &str) -> u16 {
    match ureq::get(url).call() {
        Ok(r) => r.status(),
        Err(ureq::Error::Status(s, _)) => s,
        Err(e) => panic!("{e}"),
    }
}

#[test]
fn token_shaped_strings_on_every_logging_path_never_reach_a_file() {
    let jwt = id_token(
        json!({"iss": "https://accounts.google.com", "aud": CLIENT_ID, "sub": "leak-sub-1",
                              "email": "ada@example.com"}),
    );
    let junk_jwt = id_token(json!({"secret": "planted"}));
    let description = format!(
        "Token ya29.a0{MARK}-desc-access and 1//0{MARK}-desc-refresh and {junk_jwt} has been revoked."
    );
    let server = {
        let jwt = jwt.clone();
        let description = description.clone();
        FakeServer::start(move |seen| {
            match (seen.path(), seen.form().get("grant_type").map(String::as_str)) {
            ("/token", Some("authorization_code")) => {
                (200, token_answer(Some(&format!("openid email {MODIFY}")), Some(jwt.clone())))
            }
            ("/token", _) => (
                400,
                json!({"error": "invalid_grant", "error_description": description}).to_string(),
            ),
            ("/revoke", _) => (
                400,
                json!({"error": "invalid_token",
                       "error_description": format!("1//0{MARK}-revoke-echo ya29.a0{MARK}-revoke-echo")})
                .to_string(),
            ),
            _ => (401, json!({"error": format!("ya29.a0{MARK}-userinfo")}).to_string()),
        }
        })
    };
    let mut env = configured_env(&server);
    // Every token the consent gives is stale at once: the next token.get refreshes and meets Google's words.
    env.extra_env
        .push(("GMUX_REFRESH_MARGIN_SECS".into(), "100000".into()));
    let service = env
        .extra_env
        .iter()
        .find(|(k, _)| k == "GMUX_KEYRING_SERVICE")
        .unwrap()
        .1
        .clone();
    let mut host = Host::spawn(
        env.command()
            .arg(format!("chrome-extension://ya29.a0{MARK}-caller/")),
    );

    // A real account, added through the loopback flow.
    let (status, added) = consent(&mut host, MODIFY);
    assert_eq!(status, 200, "{added}");
    assert_eq!(added["event"], "accounts.added", "{added}");
    let sub = added["data"]["account"]["id"].clone();

    // Google refuses the refresh with token-shaped words: logged, stored as the status detail, replied.
    let refused = host.call_err("token.get", json!({"account": sub}));
    assert_eq!(refused["code"], "reauth_required", "{refused}");
    assert!(!refused.to_string().contains(MARK), "{refused}");
    assert!(!refused.to_string().contains(&junk_jwt), "{refused}");

    // A second account whose keyring entry is the bare refresh token, not gmux's JSON.
    let accounts_file = env.config_dir().join("accounts.json");
    let mut accounts: Vec<Value> =
        serde_json::from_slice(&std::fs::read(&accounts_file).unwrap()).unwrap();
    let mut second = accounts[0].clone();
    second["id"] = json!("leak-sub-2");
    second["email"] = json!("grace@example.org");
    second["status"] = json!("ok");
    second.as_object_mut().unwrap().remove("status_detail");
    accounts.push(second);
    std::fs::write(&accounts_file, serde_json::to_vec(&accounts).unwrap()).unwrap();
    let store: std::sync::Arc<keyring_core::CredentialStore> =
        zbus_secret_service_keyring_store::Store::new().unwrap();
    store
        .build(&service, "leak-sub-2", None)
        .unwrap()
        .set_password(&format!("\"1//0{MARK}-keyring-raw\""))
        .unwrap();
    let unreadable = host.call_err("token.get", json!({"account": "leak-sub-2"}));
    assert_eq!(unreadable["code"], "internal", "{unreadable}");
    assert!(!unreadable.to_string().contains(MARK), "{unreadable}");

    // The caller's own junk, in every part of a request and in frames that are no requests at all.
    let junk = [
        format!("ya29.a0{MARK}-junk"),
        format!("1//0{MARK}-junk"),
        format!("4/0A{MARK}-junk"),
        format!("GOCSPX-{MARK}-junk"),
        junk_jwt.clone(),
    ];
    for j in &junk {
        host.call(j, json!({"account": j}));
        host.call("token.get", json!({"account": j, "force_refresh": true}));
        host.call("accounts.remove", json!({"account": j}));
        host.call("accounts.update", json!({"account": j, "color": j}));
        host.call("hello", json!({"protocol": j}));
        host.write_raw(&frame(json!({"id": j, "method": 5}).to_string().as_bytes()));
        host.write_raw(&frame(format!("{{not json {j}").as_bytes()));
    }

    // The loopback listener: junk in the path and the query, then a redirect with the right state whose
    // error is junk too.
    let started = host.call_ok("accounts.add", json!({"login_hint": junk[1]}));
    let url = url::Url::parse(started["consent_url"].as_str().unwrap()).unwrap();
    let q: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
    let redirect = &q["redirect_uri"];
    assert_eq!(
        loopback_status(&format!("{redirect}/?state={}&code={}", junk[1], junk[2])),
        400
    );
    assert_eq!(
        loopback_status(&format!("{redirect}/{}?x={}", junk[0], junk[4])),
        404
    );
    let mut back = url::Url::parse(redirect).unwrap();
    back.query_pairs_mut()
        .append_pair("state", &q["state"])
        .append_pair("error", &junk[0]);
    assert_eq!(loopback_status(back.as_str()), 400);
    let failed = host.event("accounts.add_failed", DEADLINE);
    assert!(!failed.to_string().contains(MARK), "{failed}");

    // Revoking meets Google's junk too.
    let removed = host.call_ok("accounts.remove", json!({"account": sub}));
    assert_eq!(removed["revoked"], false, "{removed}");
    assert!(!removed.to_string().contains(MARK), "{removed}");
    host.finish();

    let files: Vec<_> = all_files(&env.config_dir())
        .into_iter()
        .chain(all_files(&env.state_dir()))
        .collect();
    let log = std::fs::read_to_string(env.state_dir().join("gmux-host.log")).unwrap();
    // The paths were taken: their lines are there, with the secrets replaced.
    for line in [
        "caller=",
        "refresh refused",
        "keyring entry could not be read",
        "revoke failed",
        "consent flow failed",
    ] {
        assert!(log.contains(line), "no {line:?} in the log:\n{log}");
    }
    assert!(log.matches("[redacted len=").count() >= 10, "{log}");
    for f in files {
        let text = String::from_utf8_lossy(&std::fs::read(&f).unwrap()).into_owned();
        assert!(
            !text.contains(MARK),
            "a planted secret reached {}:\n{text}",
            f.display()
        );
        for t in [&jwt, &junk_jwt] {
            assert!(!text.contains(t.as_str()), "a JWT reached {}", f.display());
        }
        for t in ["ya29.a0fake-access", "1//0fake-refresh"] {
            assert!(!text.contains(t), "{t} reached {}", f.display());
        }
    }
}
