//! Google OAuth: authorize, consent page, token (code + refresh), revoke, userinfo, id_token, and every
//! error in the research table.

use gmux_emulator::EmulatorConfig;
use serde_json::json;

use crate::common::*;

#[tokio::test]
async fn code_flow_with_consent_page_allow_and_deny() {
    let env = start_with(EmulatorConfig {
        demo: true,
        ..Default::default()
    })
    .await;
    let (verifier, challenge) = pkce();
    let page = env
        .http
        .get(env.authorize_url(&challenge, &format!("{MODIFY} openid email"), &[]))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    for email in [ADA, GRACE] {
        assert!(html.contains(&format!("<button type=\"submit\" name=\"account\" value=\"{email}\" data-account=\"{email}\">")), "{html}");
    }
    assert!(html.contains("id=\"deny\""));
    let request = html
        .split("name=\"request\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();

    let allow = env
        .http
        .post(env.url("/o/oauth2/v2/auth/consent"))
        .form(&[("request", request.as_str()), ("account", GRACE)])
        .send()
        .await
        .unwrap();
    assert_eq!(allow.status(), 302);
    let q = query_of(allow.headers()["location"].to_str().unwrap());
    assert!(allow.headers()["location"]
        .to_str()
        .unwrap()
        .starts_with(REDIRECT));
    assert_eq!(q["state"], "st4te");
    assert!(q["code"].starts_with("4/0"));
    assert!(q["scope"].split(' ').any(|s| s == MODIFY), "{}", q["scope"]);
    let (status, tok) = env.exchange(&q["code"], &verifier).await;
    assert_eq!(status, 200, "{tok}");
    assert!(tok["access_token"].as_str().unwrap().starts_with("ya29."));
    assert!(tok["refresh_token"].as_str().unwrap().starts_with("1//"));
    assert_eq!(tok["expires_in"], 3599);
    assert_eq!(tok["token_type"], "Bearer");
    let claims = jwt_claims(tok["id_token"].as_str().unwrap());
    assert_eq!(claims["email"], GRACE);
    assert_eq!(claims["aud"], CLIENT_ID);
    assert_eq!(claims["azp"], CLIENT_ID);
    assert_eq!(claims["iss"], "https://accounts.google.com");
    assert_eq!(claims["email_verified"], true);
    let sub = claims["sub"].as_str().unwrap();
    assert_eq!(sub.len(), 21);
    assert!(claims["exp"].as_i64().unwrap() > claims["iat"].as_i64().unwrap());

    // A consent request answers once; Deny redirects with access_denied.
    let page = env
        .http
        .get(env.authorize_url(&challenge, MODIFY, &[]))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let request = page
        .split("name=\"request\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let deny = env
        .http
        .post(env.url("/o/oauth2/v2/auth/consent"))
        .form(&[("request", request.as_str()), ("deny", "1")])
        .send()
        .await
        .unwrap();
    let q = query_of(deny.headers()["location"].to_str().unwrap());
    assert_eq!(q["error"], "access_denied");
    assert_eq!(q["state"], "st4te");
    let again = env
        .http
        .post(env.url("/o/oauth2/v2/auth/consent"))
        .form(&[("request", request.as_str()), ("account", ADA)])
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 400);
}

#[tokio::test]
async fn auto_consent_picks_login_hint_else_first_and_userinfo_matches() {
    let env = demo().await;
    for (hint, want) in [(Some(GRACE), GRACE), (None, ADA)] {
        let (verifier, challenge) = pkce();
        let extra: Vec<(&str, &str)> = hint.map(|h| vec![("login_hint", h)]).unwrap_or_default();
        let q = env
            .auto_code(
                &challenge,
                "openid email https://www.googleapis.com/auth/gmail.modify",
                &extra,
            )
            .await;
        let (_, tok) = env.exchange(&q["code"], &verifier).await;
        let r = env
            .http
            .get(env.url("/v1/userinfo"))
            .bearer_auth(tok["access_token"].as_str().unwrap())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let info: serde_json::Value = r.json().await.unwrap();
        assert_eq!(info["email"], want);
        assert_eq!(
            info["sub"],
            jwt_claims(tok["id_token"].as_str().unwrap())["sub"]
        );
    }
    let r = env
        .http
        .get(env.url("/v1/userinfo"))
        .bearer_auth("ya29.nonsense")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert!(r.headers().contains_key("www-authenticate"));
}

#[tokio::test]
async fn refresh_returns_no_refresh_token_and_counts() {
    let env = demo().await;
    let tok = env
        .login_scopes(ADA, &format!("{MODIFY} openid email"))
        .await;
    let rt = tok["refresh_token"].as_str().unwrap();
    let (status, fresh) = env.refresh(rt).await;
    assert_eq!(status, 200, "{fresh}");
    assert!(fresh.get("refresh_token").is_none(), "{fresh}");
    assert_ne!(fresh["access_token"], tok["access_token"]);
    assert!(fresh["id_token"].is_string());
    let c = env.counters().await;
    assert_eq!(c["accounts"][ADA]["token_refreshes"], 1);
    assert_eq!(c["accounts"][ADA]["code_exchanges"], 1);
    let issued = env.control("GET", "issued_tokens", json!({})).await;
    assert_eq!(issued["access_tokens"].as_array().unwrap().len(), 2);
    assert_eq!(issued["refresh_tokens"][0], rt);
}

/// Every token-endpoint error of the research table, with Google's status and body.
#[tokio::test]
async fn token_errors_match_google() {
    let env = demo().await;
    let (verifier, challenge) = pkce();
    let code = env.auto_code(&challenge, MODIFY, &[]).await["code"].clone();
    let base = |code: &str, verifier: &str| {
        vec![
            ("code".to_string(), code.to_string()),
            ("client_id".into(), CLIENT_ID.into()),
            ("client_secret".into(), CLIENT_SECRET.into()),
            ("redirect_uri".into(), REDIRECT.into()),
            ("grant_type".into(), "authorization_code".into()),
            ("code_verifier".into(), verifier.to_string()),
        ]
    };
    let with = |mut f: Vec<(String, String)>, k: &str, v: Option<&str>| {
        f.retain(|(x, _)| x != k);
        if let Some(v) = v {
            f.push((k.to_string(), v.to_string()));
        }
        f
    };
    type Case<'a> = (&'a str, Vec<(String, String)>, u16, &'a str, &'a str);
    let cases: Vec<Case> = vec![
        (
            "unknown client",
            with(
                base(&code, &verifier),
                "client_id",
                Some("nope.apps.googleusercontent.com"),
            ),
            401,
            "invalid_client",
            "The OAuth client was not found.",
        ),
        (
            "wrong secret",
            with(base(&code, &verifier), "client_secret", Some("wrong")),
            401,
            "invalid_client",
            "Unauthorized",
        ),
        (
            "missing secret",
            with(base(&code, &verifier), "client_secret", None),
            400,
            "invalid_request",
            "client_secret is missing.",
        ),
        (
            "unknown code",
            with(base(&code, &verifier), "code", Some("4/0nonsense")),
            400,
            "invalid_grant",
            "Bad Request",
        ),
        (
            "bad grant type",
            with(base(&code, &verifier), "grant_type", Some("password")),
            400,
            "unsupported_grant_type",
            "Invalid grant_type: password",
        ),
    ];
    for (name, form, status, error, desc) in cases {
        let form: Vec<(&str, &str)> = form.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        let (s, body) = env.token_form(&form).await;
        assert_eq!(
            (
                s,
                body["error"].as_str().unwrap(),
                body["error_description"].as_str().unwrap()
            ),
            (status, error, desc),
            "{name}"
        );
    }
    // PKCE: a missing verifier burns the code, as does a wrong one.
    let (s, body) = env
        .token_form(
            &with(base(&code, &verifier), "code_verifier", None)
                .iter()
                .map(|(a, b)| (a.as_str(), b.as_str()))
                .collect::<Vec<_>>(),
        )
        .await;
    assert_eq!(
        (
            s,
            body["error"].as_str().unwrap(),
            body["error_description"].as_str().unwrap()
        ),
        (400, "invalid_grant", "Missing code verifier.")
    );
    let (verifier2, challenge2) = pkce();
    let code2 = env.auto_code(&challenge2, MODIFY, &[]).await["code"].clone();
    let (s, body) = env
        .exchange(&code2, "wrong-verifier-wrong-verifier-wrong-verifier-x")
        .await;
    assert_eq!(
        (s, body["error_description"].as_str().unwrap()),
        (400, "Invalid code verifier.")
    );
    let (s, body) = env.exchange(&code2, &verifier2).await;
    assert_eq!(
        (s, body["error_description"].as_str().unwrap()),
        (400, "Bad Request"),
        "codes are single use"
    );

    // Reuse after success, and a redirect_uri that differs.
    let (verifier3, challenge3) = pkce();
    let code3 = env.auto_code(&challenge3, MODIFY, &[]).await["code"].clone();
    let (s, _) = env.exchange(&code3, &verifier3).await;
    assert_eq!(s, 200);
    let (s, body) = env.exchange(&code3, &verifier3).await;
    assert_eq!(
        (
            s,
            body["error"].as_str().unwrap(),
            body["error_description"].as_str().unwrap()
        ),
        (400, "invalid_grant", "Bad Request")
    );
    let (verifier4, challenge4) = pkce();
    let code4 = env.auto_code(&challenge4, MODIFY, &[]).await["code"].clone();
    let (s, body) = env
        .token_form(
            &with(
                base(&code4, &verifier4),
                "redirect_uri",
                Some("http://127.0.0.1:1/"),
            )
            .iter()
            .map(|(a, b)| (a.as_str(), b.as_str()))
            .collect::<Vec<_>>(),
        )
        .await;
    assert_eq!(
        (s, body["error"].as_str().unwrap()),
        (400, "redirect_uri_mismatch")
    );

    // An expired code (10 minutes on the emulator clock).
    let (verifier5, challenge5) = pkce();
    let code5 = env.auto_code(&challenge5, MODIFY, &[]).await["code"].clone();
    env.control("POST", "clock/advance", json!({"seconds": 601}))
        .await;
    let (s, body) = env.exchange(&code5, &verifier5).await;
    assert_eq!((s, body["error"].as_str().unwrap()), (400, "invalid_grant"));

    // Refresh: unknown token, revoked token, missing parameter.
    let (s, body) = env.refresh("1//0unknown").await;
    assert_eq!(
        (
            s,
            body["error"].as_str().unwrap(),
            body["error_description"].as_str().unwrap()
        ),
        (400, "invalid_grant", "Token has been expired or revoked.")
    );
    let (s, body) = env
        .token_form(&[
            ("client_id", CLIENT_ID),
            ("client_secret", CLIENT_SECRET),
            ("grant_type", "refresh_token"),
        ])
        .await;
    assert_eq!(
        (s, body["error"].as_str().unwrap()),
        (400, "invalid_request")
    );
    let (s, body) = env
        .token_form(&[("client_id", CLIENT_ID), ("client_secret", CLIENT_SECRET)])
        .await;
    assert_eq!(
        (s, body["error"].as_str().unwrap()),
        (400, "invalid_request")
    );
}

#[tokio::test]
async fn revoke_kills_the_grant_and_control_revoke_kills_everything() {
    let env = demo().await;
    let tok = env.login_scopes(ADA, MODIFY).await;
    let at = tok["access_token"].as_str().unwrap();
    let rt = tok["refresh_token"].as_str().unwrap();
    let (s, _) = env.gmail_get(at, "/gmail/v1/users/me/profile").await;
    assert_eq!(s, 200);
    // Revoking the access token revokes its refresh token too.
    let r = env
        .http
        .post(env.url("/revoke"))
        .form(&[("token", at)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let (s, body) = env.gmail_get(at, "/gmail/v1/users/me/profile").await;
    assert_eq!(s, 401);
    assert_eq!(error_reason(&body, 401), "authError");
    let (s, body) = env.refresh(rt).await;
    assert_eq!((s, body["error"].as_str().unwrap()), (400, "invalid_grant"));
    let r = env
        .http
        .post(env.url("/revoke"))
        .form(&[("token", rt)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(
        body,
        json!({"error": "invalid_token", "error_description": "Token expired or revoked"})
    );

    let tok = env.login_scopes(ADA, MODIFY).await;
    let other = env.login_scopes(GRACE, MODIFY).await;
    env.control("POST", "revoke", json!({"account": ADA})).await;
    let (s, _) = env
        .gmail_get(
            tok["access_token"].as_str().unwrap(),
            "/gmail/v1/users/me/profile",
        )
        .await;
    assert_eq!(s, 401);
    let (s, _) = env.refresh(tok["refresh_token"].as_str().unwrap()).await;
    assert_eq!(s, 400);
    let (s, _) = env
        .gmail_get(
            other["access_token"].as_str().unwrap(),
            "/gmail/v1/users/me/profile",
        )
        .await;
    assert_eq!(s, 200, "another account is untouched");
}

#[tokio::test]
async fn access_tokens_expire_on_the_emulator_clock() {
    let env = demo().await;
    env.settings(json!({"access_token_lifetime_secs": 60}))
        .await;
    let tok = env.login_scopes(ADA, MODIFY).await;
    assert_eq!(tok["expires_in"], 60);
    let at = tok["access_token"].as_str().unwrap();
    env.control("POST", "clock/advance", json!({"seconds": 61}))
        .await;
    let r = env
        .http
        .get(env.url("/gmail/v1/users/me/profile"))
        .bearer_auth(at)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert!(r.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .contains("invalid_token"));
    let (s, fresh) = env.refresh(tok["refresh_token"].as_str().unwrap()).await;
    assert_eq!(s, 200);
    let (s, _) = env
        .gmail_get(
            fresh["access_token"].as_str().unwrap(),
            "/gmail/v1/users/me/profile",
        )
        .await;
    assert_eq!(s, 200);
}

#[tokio::test]
async fn testing_status_kills_refresh_tokens_after_seven_days() {
    let env = demo().await;
    env.settings(json!({"testing_status": true})).await;
    let tok = env.login_scopes(ADA, MODIFY).await;
    let rt = tok["refresh_token"].as_str().unwrap();
    assert_eq!(tok["refresh_token_expires_in"], 604_799);
    env.control("POST", "clock/advance", json!({"seconds": 6 * 86400}))
        .await;
    assert_eq!(env.refresh(rt).await.0, 200);
    env.control("POST", "clock/advance", json!({"seconds": 86400}))
        .await;
    let (s, body) = env.refresh(rt).await;
    assert_eq!(
        (s, body["error_description"].as_str().unwrap()),
        (400, "Token has been expired or revoked.")
    );
}

#[tokio::test]
async fn more_than_the_limit_of_refresh_tokens_kills_the_oldest() {
    let env = demo().await;
    env.settings(json!({"max_refresh_tokens_per_client_account": 3}))
        .await;
    let mut rts = Vec::new();
    for _ in 0..4 {
        rts.push(
            env.login_scopes(ADA, MODIFY).await["refresh_token"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    assert_eq!(env.refresh(&rts[0]).await.0, 400);
    for rt in &rts[1..] {
        assert_eq!(env.refresh(rt).await.0, 200);
    }
}

#[tokio::test]
async fn partial_grants_and_omitted_refresh_token() {
    let env = demo().await;
    let (verifier, challenge) = pkce();
    let q = env
        .auto_code(
            &challenge,
            &format!("{MODIFY} openid email"),
            &[("emulator_grant", "openid email")],
        )
        .await;
    assert!(!q["scope"].contains("gmail"), "{}", q["scope"]);
    let (_, tok) = env.exchange(&q["code"], &verifier).await;
    let (s, body) = env
        .gmail_get(
            tok["access_token"].as_str().unwrap(),
            "/gmail/v1/users/me/profile",
        )
        .await;
    assert_eq!(s, 403);
    assert_eq!(error_reason(&body, 403), "insufficientPermissions");

    env.settings(json!({"omit_refresh_token": true, "grant_scopes": [READONLY, "openid"]}))
        .await;
    let tok = env
        .login_scopes(ADA, &format!("{READONLY} {MODIFY} openid"))
        .await;
    assert!(tok.get("refresh_token").is_none());
    assert_eq!(tok["scope"], format!("{READONLY} openid"));
}

#[tokio::test]
async fn authorize_rejects_bad_requests() {
    let env = demo().await;
    let (_, challenge) = pkce();
    let good = env.authorize_url(&challenge, MODIFY, &[]);
    let replace = |k: &str, v: &str| {
        let mut u = url::Url::parse(&good).unwrap();
        let pairs: Vec<(String, String)> = u
            .query_pairs()
            .into_owned()
            .filter(|(a, _)| a != k)
            .collect();
        u.query_pairs_mut().clear();
        for (a, b) in pairs {
            u.query_pairs_mut().append_pair(&a, &b);
        }
        if !v.is_empty() {
            u.query_pairs_mut().append_pair(k, v);
        }
        u.to_string()
    };
    for (url, status, needle) in [
        (
            replace("client_id", "x.apps.googleusercontent.com"),
            401,
            "invalid_client",
        ),
        (
            replace("redirect_uri", "https://evil.example/"),
            400,
            "redirect_uri_mismatch",
        ),
        (replace("code_challenge", ""), 400, "code_challenge"),
        (replace("code_challenge_method", "plain"), 400, "S256"),
        (replace("state", ""), 400, "state"),
        (
            replace("scope", "https://www.googleapis.com/auth/drive"),
            400,
            "invalid_scope",
        ),
    ] {
        let r = env.http.get(&url).send().await.unwrap();
        assert_eq!(r.status().as_u16(), status, "{url}");
        assert!(r.text().await.unwrap().contains(needle), "{url}");
    }
}

#[tokio::test]
async fn token_faults_and_client_secret_json() {
    let env = demo().await;
    let tok = env.login_scopes(ADA, MODIFY).await;
    let rt = tok["refresh_token"].as_str().unwrap();
    env.fault(json!({"method": "oauth2.token", "status": 503, "count": 1, "retry_after": 2}))
        .await;
    let r = env
        .http
        .post(env.url("/token"))
        .form(&[
            ("client_id", CLIENT_ID),
            ("client_secret", CLIENT_SECRET),
            ("grant_type", "refresh_token"),
            ("refresh_token", rt),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 503);
    assert_eq!(r.headers()["retry-after"], "2");
    assert_eq!(env.refresh(rt).await.0, 200, "the fault hit once");
    env.fault(json!({"method": "oauth2.token", "status": 400, "account": GRACE}))
        .await;
    assert_eq!(
        env.refresh(rt).await.0,
        200,
        "faults for another account do not apply"
    );

    let cs = env.control("GET", "client_secret.json", json!({})).await;
    let installed = &cs["installed"];
    assert_eq!(installed["client_id"], CLIENT_ID);
    assert_eq!(installed["client_secret"], CLIENT_SECRET);
    assert_eq!(installed["auth_uri"], env.url("/o/oauth2/v2/auth"));
    assert_eq!(installed["token_uri"], env.url("/token"));
    assert_eq!(installed["redirect_uris"], json!(["http://localhost"]));
    for k in ["project_id", "auth_provider_x509_cert_url"] {
        assert!(installed[k].is_string(), "{k}");
    }
}

#[tokio::test]
async fn client_secret_basic_and_refresh_tokens_are_bound_to_their_client() {
    let mut seed = example_seed();
    seed.clients.push(gmux_emulator::SeedClient {
        client_id: "other.apps.googleusercontent.com".into(),
        client_secret: "other-secret".into(),
        project_id: "other".into(),
    });
    let env = start_with(EmulatorConfig {
        seed: Some(seed),
        auto_consent: true,
        ..Default::default()
    })
    .await;
    let tok = env.login_scopes("alice@example.com", MODIFY).await;
    let rt = tok["refresh_token"].as_str().unwrap();
    // HTTP Basic client authentication, as requests-oauthlib sends it.
    let r = env
        .http
        .post(env.url("/token"))
        .basic_auth(CLIENT_ID, Some(CLIENT_SECRET))
        .form(&[("grant_type", "refresh_token"), ("refresh_token", rt)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = env
        .http
        .post(env.url("/token"))
        .basic_auth(CLIENT_ID, Some("wrong"))
        .form(&[("grant_type", "refresh_token"), ("refresh_token", rt)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let (s, body) = env
        .token_form(&[
            ("client_id", "other.apps.googleusercontent.com"),
            ("client_secret", "other-secret"),
            ("grant_type", "refresh_token"),
            ("refresh_token", rt),
        ])
        .await;
    assert_eq!(
        (s, body["error"].as_str().unwrap()),
        (401, "unauthorized_client")
    );
}
