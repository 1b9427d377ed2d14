//! Issue 4's "Done when" list: the real host over pipes, gmux-emulator, and the real Secret Service.

use crate::emu::{
    add_account, assert_no_leak, control, deny_consent, follow_consent, refreshes, set_settings,
    setup, setup_with, user, ADA,
};
use crate::harness::{frame, Host, DEADLINE};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

fn token(host: &mut Host, sub: &Value) -> Value {
    host.call_ok("token.get", json!({"account": sub}))
}

fn list(host: &mut Host) -> Vec<Value> {
    host.call_ok("accounts.list", json!({}))["accounts"]
        .as_array()
        .unwrap()
        .clone()
}

#[test]
fn add_account_through_the_loopback_flow_then_tokens_come_from_memory() {
    let s = setup(true);
    let mut host = s.env.start();
    let hello = host.call_ok("hello", json!({}));
    assert_eq!(hello["configured"], true);
    assert_eq!(hello["endpoints"]["gmail"], s.emu.base_url());
    let started = host.call_ok("accounts.add", json!({"login_hint": ADA}));
    let url = url::Url::parse(started["consent_url"].as_str().unwrap()).unwrap();
    let q: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
    assert_eq!(q["code_challenge_method"], "S256");
    assert_eq!(q["access_type"], "offline");
    assert_eq!(q["prompt"], "consent");
    assert!(q["redirect_uri"].starts_with("http://127.0.0.1:"));
    assert!(q["scope"].contains("https://www.googleapis.com/auth/gmail.modify"));
    assert!(!q["scope"].contains("metadata"));
    assert!(q["state"].len() >= 32);
    let (status, page) = follow_consent(url.as_str());
    assert_eq!(status, 200);
    assert!(page.contains("You can close this tab"));
    let event = host.event("accounts.added", DEADLINE);
    let account = &event["data"]["account"];
    assert_eq!(account["email"], ADA);
    assert_eq!(account["status"], "ok");
    assert_eq!(account["id"], gmux_emulator::derive_sub(ADA));
    let listed = list(&mut host);
    assert_eq!(listed.len(), 1);
    assert_eq!(&listed[0], account);

    // The consent's access token serves token.get: no refresh at all.
    let first = token(&mut host, &account["id"]);
    assert!(first["access_token"].as_str().unwrap().starts_with("ya29."));
    assert!(first["expires_at_ms"].as_u64().unwrap() > 0);
    assert_eq!(token(&mut host, &account["id"]), first);
    assert_eq!(refreshes(&s.emu, ADA), 0);

    // A second host process finds the token in the keyring, not at Google.
    let mut other = s.env.start();
    assert_eq!(token(&mut other, &account["id"]), first);
    assert_eq!(refreshes(&s.emu, ADA), 0);

    // Adding the same account again updates it in place.
    let again = add_account(&mut host, ADA);
    assert_eq!(again["id"], account["id"]);
    assert_eq!(again["color"], account["color"]);
    assert_eq!(list(&mut host).len(), 1);
    host.finish();
    other.finish();
    assert_no_leak(&s, &[&host, &other]);
}

#[test]
fn token_get_refreshes_shortly_before_expiry_and_stores_the_new_token() {
    // The consent's token lives 4 s and the host refreshes when less than 2 s are left; the refreshed one is
    // long-lived, so exactly one refresh happens however slow the machine is.
    let s = setup_with(true, &[("GMUX_REFRESH_MARGIN_SECS", "2")]);
    set_settings(&s.emu, json!({"access_token_lifetime_secs": 4}));
    let mut host = s.env.start();
    let account = add_account(&mut host, ADA);
    set_settings(&s.emu, json!({"access_token_lifetime_secs": 3599}));
    let consent_token = s.emu.issued_tokens().0.last().unwrap().clone();
    let deadline = Instant::now() + DEADLINE;
    let refreshed = loop {
        let t = token(&mut host, &account["id"]);
        if t["access_token"] != consent_token.as_str() {
            break t;
        }
        assert!(Instant::now() < deadline, "never refreshed");
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(refreshes(&s.emu, ADA), 1);
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64;
    assert!(refreshed["expires_at_ms"].as_u64().unwrap() > now_ms + 3000 * 1000);
    // The refreshed token is what the keyring holds now: a new process serves it without refreshing.
    let mut other = s.env.start();
    assert_eq!(token(&mut other, &account["id"]), refreshed);
    assert_eq!(refreshes(&s.emu, ADA), 1);
    host.finish();
    other.finish();
    assert_no_leak(&s, &[&host, &other]);
}

/// Adds the five plain accounts with tokens that are already stale for the host (1 s lifetime, 30 s margin),
/// then makes Google issue long-lived tokens, so the next token.get per account must refresh exactly once.
fn five_stale_accounts(s: &crate::emu::Setup, host: &mut Host) -> Vec<Value> {
    set_settings(&s.emu, json!({"access_token_lifetime_secs": 1}));
    let subs: Vec<Value> = (0..5)
        .map(|n| add_account(host, &user(n))["id"].clone())
        .collect();
    set_settings(&s.emu, json!({"access_token_lifetime_secs": 3599}));
    control(&s.emu, "POST", "counters/reset", json!({}));
    subs
}

/// Writes `per_account` token.get requests for every account in one burst, without waiting for replies.
fn burst(host: &mut Host, subs: &[Value], per_account: usize, first_id: u64) -> Vec<Value> {
    let mut bytes = Vec::new();
    let mut ids = Vec::new();
    for i in 0..per_account {
        for (n, sub) in subs.iter().enumerate() {
            let id = json!(first_id + (i * subs.len() + n) as u64);
            bytes.extend(frame(
                json!({"id": id, "method": "token.get", "params": {"account": sub}})
                    .to_string()
                    .as_bytes(),
            ));
            ids.push(id);
        }
    }
    host.write_raw(&bytes);
    ids
}

#[test]
fn fifty_concurrent_token_gets_for_five_accounts_cause_five_refreshes() {
    let s = setup_with(true, &[("GMUX_REFRESH_MARGIN_SECS", "30")]);
    let mut host = s.env.start();
    let subs = five_stale_accounts(&s, &mut host);
    let ids = burst(&mut host, &subs, 10, 1000);
    let mut by_account: std::collections::HashMap<String, Vec<String>> = Default::default();
    for (k, id) in ids.iter().enumerate() {
        let reply = host.reply(id);
        let token = reply["result"]["access_token"]
            .as_str()
            .unwrap_or_else(|| panic!("{reply}"))
            .to_string();
        by_account
            .entry(subs[k % subs.len()].to_string())
            .or_default()
            .push(token);
    }
    for tokens in by_account.values() {
        assert_eq!(tokens.len(), 10);
        assert!(
            tokens.iter().all(|t| t == &tokens[0]),
            "one account got different tokens"
        );
    }
    for n in 0..5 {
        assert_eq!(refreshes(&s.emu, &user(n)), 1, "{}", user(n));
    }
    host.finish();
    assert_no_leak(&s, &[&host]);
}

#[test]
fn two_host_processes_at_once_cause_one_refresh_per_account() {
    let s = setup_with(true, &[("GMUX_REFRESH_MARGIN_SECS", "30")]);
    let mut chrome = s.env.start();
    let subs = five_stale_accounts(&s, &mut chrome);
    let mut firefox = s.env.start();
    let chrome_ids = burst(&mut chrome, &subs, 5, 2000);
    let firefox_ids = burst(&mut firefox, &subs, 5, 3000);
    let mut tokens: std::collections::HashMap<String, std::collections::HashSet<String>> =
        Default::default();
    for (host, ids) in [(&mut chrome, &chrome_ids), (&mut firefox, &firefox_ids)] {
        for (k, id) in ids.iter().enumerate() {
            let reply = host.reply(id);
            let t = reply["result"]["access_token"]
                .as_str()
                .unwrap_or_else(|| panic!("{reply}"))
                .to_string();
            tokens
                .entry(subs[k % subs.len()].to_string())
                .or_default()
                .insert(t);
        }
    }
    for (sub, set) in &tokens {
        assert_eq!(
            set.len(),
            1,
            "{sub}: both processes must hand out the one refreshed token"
        );
    }
    for n in 0..5 {
        assert_eq!(refreshes(&s.emu, &user(n)), 1, "{}", user(n));
    }
    chrome.finish();
    firefox.finish();
    assert_no_leak(&s, &[&chrome, &firefox]);
}

#[test]
fn invalid_grant_marks_the_account_reauth_required_with_googles_words() {
    let s = setup_with(true, &[("GMUX_REFRESH_MARGIN_SECS", "30")]);
    let mut host = s.env.start();
    set_settings(&s.emu, json!({"access_token_lifetime_secs": 1}));
    let account = add_account(&mut host, ADA);
    control(&s.emu, "POST", "revoke", json!({"account": ADA}));
    let err = host.call_err("token.get", json!({"account": account["id"]}));
    assert_eq!(err["code"], "reauth_required");
    assert_eq!(
        err["data"]["description"],
        "Token has been expired or revoked."
    );
    assert!(err["message"]
        .as_str()
        .unwrap()
        .contains("add the account again"));
    let listed = list(&mut host);
    assert_eq!(listed[0]["status"], "reauth_required");
    assert_eq!(
        listed[0]["status_detail"],
        "Token has been expired or revoked."
    );
    // Later calls do not ask Google again.
    let before = control(&s.emu, "GET", "counters", Value::Null)["accounts"][ADA]["requests"]
        ["oauth2.token"]
        .clone();
    assert_eq!(
        host.call_err("token.get", json!({"account": account["id"]}))["code"],
        "reauth_required"
    );
    let after = control(&s.emu, "GET", "counters", Value::Null)["accounts"][ADA]["requests"]
        ["oauth2.token"]
        .clone();
    assert_eq!(before, after);
    // Re-adding heals it.
    set_settings(&s.emu, json!({"access_token_lifetime_secs": 3599}));
    add_account(&mut host, ADA);
    assert_eq!(list(&mut host)[0]["status"], "ok");
    token(&mut host, &account["id"]);
    host.finish();
    assert_no_leak(&s, &[&host]);
}

#[test]
fn transient_token_endpoint_failures_are_retried_and_never_cost_the_refresh_token() {
    let s = setup_with(true, &[("GMUX_REFRESH_MARGIN_SECS", "30")]);
    let mut host = s.env.start();
    set_settings(&s.emu, json!({"access_token_lifetime_secs": 1}));
    let account = add_account(&mut host, ADA);
    // Two 503s, then success: the caller never sees the failures.
    control(
        &s.emu,
        "POST",
        "faults",
        json!({"method": "oauth2.token", "status": 503, "count": 2}),
    );
    token(&mut host, &account["id"]);
    assert_eq!(refreshes(&s.emu, ADA), 1);
    // Down for good: a stable code, the account stays ok.
    control(
        &s.emu,
        "POST",
        "faults",
        json!({"method": "oauth2.token", "status": 500}),
    );
    let err = host.call_err("token.get", json!({"account": account["id"]}));
    assert_eq!(err["code"], "token_endpoint_unreachable");
    assert_eq!(list(&mut host)[0]["status"], "ok");
    // Back up: the same stored refresh token still works.
    control(&s.emu, "DELETE", "faults", Value::Null);
    token(&mut host, &account["id"]);
    assert_eq!(refreshes(&s.emu, ADA), 2);
    host.finish();
    assert_no_leak(&s, &[&host]);
}

#[test]
fn an_unreachable_token_endpoint_is_a_stable_error() {
    let s = setup_with(true, &[("GMUX_REFRESH_MARGIN_SECS", "30")]);
    let mut host = s.env.start();
    set_settings(&s.emu, json!({"access_token_lifetime_secs": 1}));
    let account = add_account(&mut host, ADA);
    host.finish();
    // A port nobody listens on.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let (ok, _, err) = s.env.cli(&[
        "configure",
        "--token-url",
        &format!("http://{closed}/token"),
    ]);
    assert!(ok, "{err}");
    let mut host = s.env.start();
    let err = host.call_err("token.get", json!({"account": account["id"]}));
    assert_eq!(err["code"], "token_endpoint_unreachable");
}

#[test]
fn remove_revokes_at_google_and_forgets_the_account() {
    let s = setup(true);
    let mut host = s.env.start();
    let account = add_account(&mut host, ADA);
    let grace = add_account(&mut host, "grace.hopper@example.org");
    let (_, refresh) = s.emu.issued_tokens();
    let removed = host.call_ok("accounts.remove", json!({"account": account["id"]}));
    assert_eq!(removed, json!({"removed": true, "revoked": true}));
    assert_eq!(list(&mut host).len(), 1);
    assert_eq!(
        host.call_err("token.get", json!({"account": account["id"]}))["code"],
        "account_unknown"
    );
    assert_eq!(
        host.call_err("accounts.remove", json!({"account": account["id"]}))["code"],
        "account_unknown"
    );
    // Google no longer accepts Ada's refresh token.
    let revoked = ureq::post(&format!("{}/token", s.emu.base_url())).send_form(&[
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh[0].as_str()),
        ("client_id", gmux_emulator::DEMO_CLIENT_ID),
        ("client_secret", gmux_emulator::DEMO_CLIENT_SECRET),
    ]);
    assert!(matches!(revoked, Err(ureq::Error::Status(400, _))));
    // A failed revoke is reported, and the account is forgotten anyway.
    control(
        &s.emu,
        "POST",
        "faults",
        json!({"method": "oauth2.revoke", "status": 500}),
    );
    let removed = host.call_ok("accounts.remove", json!({"account": grace["id"]}));
    assert_eq!(removed["removed"], true);
    assert_eq!(removed["revoked"], false);
    assert!(removed["revoke_error"].as_str().unwrap().contains("500"));
    assert!(list(&mut host).is_empty());
    host.finish();
    assert_no_leak(&s, &[&host]);
}

#[test]
fn accounts_update_changes_colour_and_order() {
    let s = setup(true);
    let mut host = s.env.start();
    let account = add_account(&mut host, ADA);
    let updated = host.call_ok(
        "accounts.update",
        json!({"account": account["id"], "color": "#ABCDEF", "order": 7}),
    );
    assert_eq!(updated["account"]["color"], "#abcdef");
    assert_eq!(updated["account"]["order"], 7);
    assert_eq!(list(&mut host)[0]["order"], 7);
    let err = host.call_err(
        "accounts.update",
        json!({"account": account["id"], "color": "red"}),
    );
    assert_eq!(err["code"], "request_malformed");
    assert_eq!(
        host.call_err("accounts.update", json!({"account": "nobody"}))["code"],
        "account_unknown"
    );
}

/// Starts a flow and returns (host, consent URL, flow id).
fn start_flow(host: &mut Host, hint: &str) -> (String, Value) {
    let started = host.call_ok("accounts.add", json!({"login_hint": hint}));
    (
        started["consent_url"].as_str().unwrap().to_string(),
        started["flow_id"].clone(),
    )
}

/// The loopback address a consent URL sends the browser back to.
fn redirect_of(consent_url: &str) -> String {
    url::Url::parse(consent_url)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "redirect_uri")
        .unwrap()
        .1
        .into_owned()
}

/// The loopback listener's status for a GET of `path_and_query`.
fn loopback_status(redirect: &str, path_and_query: &str) -> u16 {
    match ureq::get(&format!("{redirect}{path_and_query}")).call() {
        Ok(r) => r.status(),
        Err(ureq::Error::Status(status, _)) => status,
        Err(e) => panic!("the consent listener did not answer {path_and_query}: {e}"),
    }
}

fn add_failed(host: &mut Host, flow_id: &Value) -> Value {
    let event = host.event("accounts.add_failed", DEADLINE);
    assert_eq!(&event["data"]["flow_id"], flow_id);
    event["data"].clone()
}

#[test]
fn consent_failures_become_add_failed_events_with_stable_codes() {
    // Denied on the consent page.
    let s = setup(false);
    let mut host = s.env.start();
    let (url, flow) = start_flow(&mut host, ADA);
    let (status, page) = deny_consent(&url);
    assert_eq!(status, 400);
    assert!(page.contains("denied"), "{page}");
    assert_eq!(add_failed(&mut host, &flow)["code"], "consent_denied");

    assert!(list(&mut host).is_empty());
    host.finish();

    // Only some scopes granted, or no refresh token: refused, nothing stored.
    let s = setup(true);
    let mut host = s.env.start();
    for (settings, code) in [
        (
            json!({"grant_scopes": ["openid", "email"]}),
            "scopes_not_granted",
        ),
        (
            json!({"grant_scopes": null, "omit_refresh_token": true}),
            "no_refresh_token",
        ),
    ] {
        set_settings(&s.emu, settings);
        let (url, flow) = start_flow(&mut host, ADA);
        let (status, page) = follow_consent(&url);
        assert_eq!(status, 400, "{page}");
        let failed = add_failed(&mut host, &flow);
        assert_eq!(failed["code"], code, "{failed}");
        assert!(!failed["message"].as_str().unwrap().is_empty());
        assert!(list(&mut host).is_empty());
    }
    host.finish();
    assert_no_leak(&s, &[&host]);
}

#[test]
fn a_consent_nobody_finishes_times_out() {
    let s = setup_with(false, &[("GMUX_CONSENT_TIMEOUT_SECS", "1")]);
    let mut host = s.env.start();
    let (_url, flow) = start_flow(&mut host, ADA);
    let failed = add_failed(&mut host, &flow);
    assert_eq!(failed["code"], "consent_timed_out");
}

#[test]
fn without_configuration_accounts_cannot_be_added() {
    let env = crate::harness::HostEnv::new();
    let mut host = env.start();
    assert_eq!(
        host.call_err("accounts.add", json!({}))["code"],
        "oauth_client_not_configured"
    );
    assert_eq!(
        host.call_err("token.get", json!({"account": "1"}))["code"],
        "oauth_client_not_configured"
    );
    assert!(list(&mut host).is_empty());
}

#[test]
fn a_silent_connection_to_the_loopback_port_does_not_hold_up_the_redirect() {
    let s = setup(true);
    let mut host = s.env.start();
    let (url, flow) = start_flow(&mut host, ADA);
    let redirect = url::Url::parse(&url)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "redirect_uri")
        .unwrap()
        .1
        .into_owned();
    let port = url::Url::parse(&redirect).unwrap().port().unwrap();
    // Like a browser's speculative preconnect: opened, never used.
    let _silent = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    let started = Instant::now();
    let (status, page) = follow_consent(&url);
    assert_eq!(status, 200, "{page}");
    let event = host.event("accounts.added", DEADLINE);
    assert_eq!(event["data"]["flow_id"], flow);
    // The listener reads each connection for up to 10 s: waiting behind the silent one would take that long.
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn force_refresh_after_gmail_refused_a_token_refreshes_once_for_everyone() {
    let s = setup(true);
    let mut host = s.env.start();
    let account = add_account(&mut host, ADA);
    let sub = account["id"].clone();
    let first = token(&mut host, &sub);
    let mut other = s.env.start();
    assert_eq!(token(&mut other, &sub), first);
    assert_eq!(refreshes(&s.emu, ADA), 0);

    // Ten callers in one process are told the token was refused at the same moment: one refresh.
    let ids: Vec<Value> = (0..10)
        .map(|_| host.send("token.get", json!({"account": sub, "force_refresh": true})))
        .collect();
    let forced: std::collections::HashSet<String> = ids
        .iter()
        .map(|id| {
            host.reply(id)["result"]["access_token"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(forced.len(), 1);
    let new_token = forced.into_iter().next().unwrap();
    assert_ne!(new_token, first["access_token"].as_str().unwrap());
    assert_eq!(refreshes(&s.emu, ADA), 1);
    // Without force the new token is served from memory.
    assert_eq!(token(&mut host, &sub)["access_token"], new_token.as_str());

    // The other process still holds the refused token; forced, it takes the newer one from the keyring.
    let from_other = other.call_ok("token.get", json!({"account": sub, "force_refresh": true}));
    assert_eq!(from_other["access_token"], new_token.as_str());
    assert_eq!(refreshes(&s.emu, ADA), 1);
    host.finish();
    other.finish();
    assert_no_leak(&s, &[&host, &other]);
}

#[test]
fn a_redirect_without_the_flows_state_is_refused_and_the_flow_keeps_waiting() {
    let s = setup(true);
    let mut host = s.env.start();
    let (url, flow) = start_flow(&mut host, ADA);
    let redirect = redirect_of(&url);
    let scope = "scope=https://www.googleapis.com/auth/gmail.modify";
    for forged in [
        format!("/?state=forged&code=4/0abc&{scope}"),
        format!("/?code=4/0abc&{scope}"),
        "/?error=access_denied".to_string(),
        "/".to_string(),
    ] {
        assert_eq!(loopback_status(&redirect, &forged), 400, "{forged}");
    }
    // None of them ended the flow: the real redirect still adds the account.
    let (status, page) = follow_consent(&url);
    assert_eq!(status, 200, "{page}");
    let event = host.event("accounts.added", DEADLINE);
    assert_eq!(event["data"]["flow_id"], flow);
    assert!(
        !host
            .received
            .iter()
            .any(|f| f["event"] == "accounts.add_failed"),
        "{:?}",
        host.received
    );
    host.finish();
    assert_no_leak(&s, &[&host]);
}

#[test]
fn a_flow_that_only_saw_a_wrong_state_times_out_as_state_mismatch() {
    let s = setup_with(false, &[("GMUX_CONSENT_TIMEOUT_SECS", "3")]);
    let mut host = s.env.start();
    let (url, flow) = start_flow(&mut host, ADA);
    assert_eq!(
        loopback_status(&redirect_of(&url), "/?state=stale&code=4/0abc"),
        400
    );
    let failed = add_failed(&mut host, &flow);
    assert_eq!(failed["code"], "state_mismatch", "{failed}");
    assert!(
        failed["message"].as_str().unwrap().contains("newest tab"),
        "{failed}"
    );
}

#[test]
fn at_most_two_consent_flows_wait_at_once() {
    let s = setup(true);
    let mut host = s.env.start();
    let (first, first_flow) = start_flow(&mut host, ADA);
    let (_second, _) = start_flow(&mut host, &user(0));
    let err = host.call_err("accounts.add", json!({"login_hint": user(1)}));
    assert_eq!(err["code"], "too_many_consent_flows", "{err}");
    assert!(err["message"].as_str().unwrap().contains("tab"), "{err}");
    // A finished flow frees its place.
    let (status, page) = follow_consent(&first);
    assert_eq!(status, 200, "{page}");
    assert_eq!(
        host.event("accounts.added", DEADLINE)["data"]["flow_id"],
        first_flow
    );
    let (third, third_flow) = start_flow(&mut host, &user(1));
    let (status, page) = follow_consent(&third);
    assert_eq!(status, 200, "{page}");
    assert_eq!(
        host.event("accounts.added", DEADLINE)["data"]["flow_id"],
        third_flow
    );
}
