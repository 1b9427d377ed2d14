//! Google OAuth 2.0 for installed apps: authorize (consent page), token, revoke, userinfo, id_token.

use std::collections::HashMap;
use std::sync::Arc;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use rand::distributions::Alphanumeric;
use rand::Rng;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::model::html_escape;
use crate::respond::{fault_error, ApiResponse};
use crate::state::{AccessToken, AuthCode, PendingConsent, RefreshToken, Shared, State};

pub const SCOPE_MODIFY: &str = "https://www.googleapis.com/auth/gmail.modify";
pub const SCOPE_READONLY: &str = "https://www.googleapis.com/auth/gmail.readonly";
pub const SCOPE_METADATA: &str = "https://www.googleapis.com/auth/gmail.metadata";
pub const SCOPE_FULL: &str = "https://mail.google.com/";
pub const SCOPE_COMPOSE: &str = "https://www.googleapis.com/auth/gmail.compose";
pub const SCOPE_SEND: &str = "https://www.googleapis.com/auth/gmail.send";
pub const SCOPE_LABELS: &str = "https://www.googleapis.com/auth/gmail.labels";
pub const SCOPE_SETTINGS_BASIC: &str = "https://www.googleapis.com/auth/gmail.settings.basic";
pub const SCOPE_EMAIL: &str = "https://www.googleapis.com/auth/userinfo.email";
pub const SCOPE_PROFILE: &str = "https://www.googleapis.com/auth/userinfo.profile";

/// The dummy signature of every id_token: the emulator signs nothing, clients must not rely on verifying it.
pub const ID_TOKEN_SIGNATURE: &str = "Z211eC1lbXVsYXRvci11bnNpZ25lZA";

/// Normalises a requested scope to the form Google reports back; None when unknown.
pub fn normalize_scope(s: &str) -> Option<&'static str> {
    Some(match s {
        "openid" => "openid",
        "email" | SCOPE_EMAIL => SCOPE_EMAIL,
        "profile" | SCOPE_PROFILE => SCOPE_PROFILE,
        SCOPE_MODIFY => SCOPE_MODIFY,
        SCOPE_READONLY => SCOPE_READONLY,
        SCOPE_METADATA => SCOPE_METADATA,
        SCOPE_FULL => SCOPE_FULL,
        SCOPE_COMPOSE => SCOPE_COMPOSE,
        SCOPE_SEND => SCOPE_SEND,
        SCOPE_LABELS => SCOPE_LABELS,
        SCOPE_SETTINGS_BASIC => SCOPE_SETTINGS_BASIC,
        _ => return None,
    })
}

/// Settings are u64 seconds from JSON: huge values mean "forever", not an overflow.
fn secs_to_ms(secs: u64) -> i64 {
    i64::try_from(secs).unwrap_or(i64::MAX).saturating_mul(1000)
}

pub fn random_token(prefix: &str, len: usize) -> String {
    let tail: String = rand::thread_rng()
        .sample_iter(&Alphanumeric)
        .take(len)
        .map(char::from)
        .collect();
    format!("{prefix}{tail}")
}

pub fn parse_form(body: &[u8]) -> HashMap<String, String> {
    url::form_urlencoded::parse(body).into_owned().collect()
}

fn token_error(status: u16, error: &str, description: &str) -> ApiResponse {
    ApiResponse::json(
        status,
        &json!({"error": error, "error_description": description}),
        true,
    )
}

/// Google shows an error page (not a redirect) when the client or redirect_uri is wrong.
fn error_page(status: u16, error: &str, detail: &str) -> ApiResponse {
    ApiResponse::html(
        status,
        format!(
            "<!doctype html><html><head><meta charset=\"utf-8\"><title>Error {status}: {error}</title></head>\
             <body><h1>Access blocked: authorization error</h1><p id=\"error\">Error {status}: {error}</p>\
             <p id=\"detail\">{}</p></body></html>",
            html_escape(detail)
        ),
    )
}

fn is_loopback_redirect(uri: &str) -> bool {
    let Ok(u) = url::Url::parse(uri) else {
        return false;
    };
    u.scheme() == "http"
        && matches!(
            u.host_str(),
            Some("127.0.0.1") | Some("localhost") | Some("[::1]")
        )
        && u.fragment().is_none()
}

fn redirect(uri: &str, params: &[(&str, &str)]) -> ApiResponse {
    let mut u = match url::Url::parse(uri) {
        Ok(u) => u,
        Err(_) => return error_page(400, "invalid_request", "redirect_uri is not a URL"),
    };
    {
        let mut q = u.query_pairs_mut();
        for (k, v) in params {
            q.append_pair(k, v);
        }
    }
    ApiResponse::empty(302).header("Location", u.to_string())
}

/// `GET /o/oauth2/v2/auth`.
pub fn authorize(shared: &Arc<Shared>, query: &str) -> ApiResponse {
    let q = parse_form(query.as_bytes());
    let get = |k: &str| q.get(k).map(String::as_str).unwrap_or("");
    let mut st = shared.lock();
    let client_id = get("client_id");
    if client_id.is_empty() {
        return error_page(
            400,
            "invalid_request",
            "Missing required parameter: client_id",
        );
    }
    if st.client(client_id).is_none() {
        return error_page(401, "invalid_client", "The OAuth client was not found.");
    }
    let redirect_uri = get("redirect_uri");
    if redirect_uri.is_empty() {
        return error_page(
            400,
            "invalid_request",
            "Missing required parameter: redirect_uri",
        );
    }
    if !is_loopback_redirect(redirect_uri) {
        return error_page(
            400,
            "redirect_uri_mismatch",
            &format!("You can't sign in to this app because it doesn't comply with Google's OAuth 2.0 policy. redirect_uri={redirect_uri}"),
        );
    }
    if get("response_type") != "code" {
        return redirect(
            redirect_uri,
            &[
                ("error", "unsupported_response_type"),
                ("state", get("state")),
            ],
        );
    }
    let scope = get("scope");
    if scope.trim().is_empty() {
        return error_page(400, "invalid_request", "Missing required parameter: scope");
    }
    let mut scopes = Vec::new();
    for s in scope.split_whitespace() {
        match normalize_scope(s) {
            Some(n) => {
                if !scopes.iter().any(|x| x == n) {
                    scopes.push(n.to_string())
                }
            }
            None => {
                return error_page(
                    400,
                    "invalid_scope",
                    &format!("Some requested scopes were invalid. {{invalid=[{s}]}}"),
                )
            }
        }
    }
    let challenge = get("code_challenge");
    if challenge.is_empty() {
        return error_page(
            400,
            "invalid_request",
            "Missing required parameter: code_challenge",
        );
    }
    if get("code_challenge_method") != "S256" {
        return error_page(
            400,
            "invalid_request",
            "Invalid code_challenge_method: the emulator requires S256",
        );
    }
    if get("state").is_empty() {
        return error_page(
            400,
            "invalid_request",
            "Missing required parameter: state (the emulator requires one)",
        );
    }
    let grant_override = q.get("emulator_grant").map(|g| {
        g.split_whitespace()
            .filter_map(normalize_scope)
            .map(String::from)
            .collect::<Vec<_>>()
    });
    let pending = PendingConsent {
        client_id: client_id.to_string(),
        redirect_uri: redirect_uri.to_string(),
        state: get("state").to_string(),
        scopes,
        code_challenge: challenge.to_string(),
        grant_override,
    };
    if st.settings.auto_consent {
        let hint = get("login_hint");
        let account = st
            .mailboxes
            .iter()
            .find(|m| !hint.is_empty() && m.email.eq_ignore_ascii_case(hint))
            .or(st.mailboxes.first())
            .map(|m| m.email.clone());
        return match account {
            Some(email) => approve(&mut st, &pending, &email),
            None => redirect(
                redirect_uri,
                &[("error", "access_denied"), ("state", &pending.state)],
            ),
        };
    }
    let request_id = random_token("", 24);
    let client_name = html_escape(client_id);
    let mut buttons = String::new();
    for m in &st.mailboxes {
        let e = html_escape(&m.email);
        let n = html_escape(&m.name);
        buttons.push_str(&format!(
            "<li><button type=\"submit\" name=\"account\" value=\"{e}\" data-account=\"{e}\">{n} &lt;{e}&gt;</button></li>"
        ));
    }
    let scope_list: String = pending
        .scopes
        .iter()
        .map(|s| format!("<li>{}</li>", html_escape(s)))
        .collect();
    st.pending.insert(request_id.clone(), pending);
    ApiResponse::html(
        200,
        format!(
            "<!doctype html><html><head><meta charset=\"utf-8\"><title>Sign in - Google Accounts (gmux-emulator)</title></head><body>\
             <h1>Choose an account</h1><p>to continue to <b>{client_name}</b></p>\
             <form method=\"post\" action=\"/o/oauth2/v2/auth/consent\"><input type=\"hidden\" name=\"request\" value=\"{request_id}\">\
             <ul id=\"accounts\">{buttons}</ul><p>This will allow the app to:</p><ul id=\"scopes\">{scope_list}</ul>\
             <button type=\"submit\" name=\"deny\" value=\"1\" id=\"deny\">Deny</button></form></body></html>"
        ),
    )
}

/// `POST /o/oauth2/v2/auth/consent`: the Allow or Deny buttons of the consent page.
pub fn consent(shared: &Arc<Shared>, body: &[u8]) -> ApiResponse {
    let form = parse_form(body);
    let mut st = shared.lock();
    let Some(pending) = form.get("request").and_then(|r| st.pending.remove(r)) else {
        return error_page(
            400,
            "invalid_request",
            "This consent request has expired or was already answered.",
        );
    };
    if form.contains_key("deny") {
        return redirect(
            &pending.redirect_uri,
            &[("error", "access_denied"), ("state", &pending.state)],
        );
    }
    let email = form.get("account").cloned().unwrap_or_default();
    if st.mailbox(&email).is_none() {
        return error_page(400, "invalid_request", "Unknown account.");
    }
    approve(&mut st, &pending, &email)
}

fn approve(st: &mut State, pending: &PendingConsent, email: &str) -> ApiResponse {
    let limit = pending.grant_override.clone().or_else(|| {
        st.settings.grant_scopes.as_ref().map(|g| {
            g.iter()
                .filter_map(|s| normalize_scope(s))
                .map(String::from)
                .collect()
        })
    });
    let granted: Vec<String> = pending
        .scopes
        .iter()
        .filter(|s| limit.as_ref().is_none_or(|l| l.contains(s)))
        .cloned()
        .collect();
    let code = random_token("4/0", 60);
    let email = st
        .mailbox(email)
        .map(|m| m.email.clone())
        .unwrap_or_else(|| email.to_string());
    st.codes.insert(
        code.clone(),
        AuthCode {
            client_id: pending.client_id.clone(),
            redirect_uri: pending.redirect_uri.clone(),
            code_challenge: pending.code_challenge.clone(),
            email,
            scopes: granted.clone(),
            expires_ms: st
                .now_ms()
                .saturating_add(secs_to_ms(st.settings.code_lifetime_secs)),
        },
    );
    let scope = granted.join(" ");
    redirect(
        &pending.redirect_uri,
        &[
            ("state", &pending.state),
            ("code", &code),
            ("scope", &scope),
        ],
    )
}

fn id_token(st: &State, client_id: &str, email: &str) -> String {
    let sub = st.mailbox(email).map(|m| m.sub.clone()).unwrap_or_default();
    let iat = st.now_ms() / 1000;
    let header = json!({"alg": "RS256", "kid": "gmux-emulator", "typ": "JWT"});
    let claims = json!({
        "iss": "https://accounts.google.com",
        "azp": client_id,
        "aud": client_id,
        "sub": sub,
        "email": email,
        "email_verified": true,
        "at_hash": random_token("", 22),
        "iat": iat,
        "exp": iat + 3600,
    });
    format!(
        "{}.{}.{ID_TOKEN_SIGNATURE}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    )
}

fn mint_access(
    st: &mut State,
    client_id: &str,
    email: &str,
    scopes: &[String],
    refresh: Option<String>,
) -> Value {
    let token = random_token("ya29.a0", 120);
    let lifetime = st.settings.access_token_lifetime_secs;
    st.access_tokens.insert(
        token.clone(),
        AccessToken {
            email: email.to_string(),
            scopes: scopes.to_vec(),
            expires_ms: st.now_ms().saturating_add(secs_to_ms(lifetime)),
            revoked: false,
            refresh_token: refresh,
        },
    );
    st.issued_access.push(token.clone());
    let mut v = json!({
        "access_token": token,
        "expires_in": lifetime,
        "scope": scopes.join(" "),
        "token_type": "Bearer",
    });
    if scopes.iter().any(|s| s == "openid" || s == SCOPE_EMAIL) {
        v["id_token"] = json!(id_token(st, client_id, email));
    }
    v
}

/// `POST /token`.
pub async fn token(shared: &Arc<Shared>, authorization: Option<&str>, body: &[u8]) -> ApiResponse {
    let form = token_form(authorization, body);
    let account = token_account(shared, &form);
    if let Some(r) = token_fault(shared, account.as_deref()).await {
        return r;
    }
    let mut st = shared.lock();
    match answer_token_request(&mut st, &form) {
        Ok(v) => ApiResponse::json(200, &v, true).header(
            "Cache-Control",
            "no-cache, no-store, max-age=0, must-revalidate",
        ),
        Err(r) => r,
    }
}

/// The form fields, with client_secret_basic (RFC 6749 2.3.1) credentials merged in: Google accepts them beside
/// the form fields, and requests-oauthlib uses them by default.
fn token_form(authorization: Option<&str>, body: &[u8]) -> HashMap<String, String> {
    let mut form = parse_form(body);
    if let Some((id, secret)) = authorization.and_then(basic_credentials) {
        form.entry("client_id".into()).or_insert(id);
        form.entry("client_secret".into()).or_insert(secret);
    }
    form
}

fn field<'a>(form: &'a HashMap<String, String>, k: &str) -> &'a str {
    form.get(k).map(String::as_str).unwrap_or("")
}

/// Which account a token call is about, for counters and account-scoped faults; counts the call.
fn token_account(shared: &Arc<Shared>, form: &HashMap<String, String>) -> Option<String> {
    let mut st = shared.lock();
    let account = match field(form, "grant_type") {
        "authorization_code" => st.codes.get(field(form, "code")).map(|c| c.email.clone()),
        "refresh_token" => st
            .refresh_tokens
            .get(field(form, "refresh_token"))
            .map(|r| r.email.clone()),
        _ => None,
    };
    if let Some(a) = &account {
        *st.counters
            .account(a)
            .requests
            .entry("oauth2.token".into())
            .or_default() += 1;
    }
    account
}

/// An injected `oauth2.token` fault: waits its latency, and answers its status in the token endpoint's shape.
async fn token_fault(shared: &Arc<Shared>, account: Option<&str>) -> Option<ApiResponse> {
    let fault = shared.lock().take_fault("oauth2.token", account)?;
    if let Some(ms) = fault.latency_ms {
        tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
    }
    let status = fault.status?;
    let body = fault.body.unwrap_or_else(|| match status {
        400 => json!({"error": "invalid_grant", "error_description": "Bad Request"}),
        401 => json!({"error": "invalid_client", "error_description": "Unauthorized"}),
        _ => {
            json!({"error": "internal_failure", "error_description": fault_error(status).message})
        }
    });
    let mut r = ApiResponse::json(status, &body, true);
    if let Some(s) = fault.retry_after {
        r = r.header("Retry-After", s.to_string());
    }
    Some(r)
}

/// Checks the grant type and the client, then runs the grant.
fn answer_token_request(
    st: &mut State,
    form: &HashMap<String, String>,
) -> Result<Value, ApiResponse> {
    let grant_type = field(form, "grant_type");
    if grant_type.is_empty() {
        return Err(token_error(
            400,
            "invalid_request",
            "Required parameter is missing: grant_type",
        ));
    }
    if grant_type != "authorization_code" && grant_type != "refresh_token" {
        return Err(token_error(
            400,
            "unsupported_grant_type",
            &format!("Invalid grant_type: {grant_type}"),
        ));
    }
    let client_id = authenticate_client(st, form)?;
    if grant_type == "authorization_code" {
        exchange_code(st, form, &client_id)
    } else {
        refresh_access(st, form, &client_id)
    }
}

/// The client named by `client_id`, if `client_secret` is its secret; the client id on success.
fn authenticate_client(st: &State, form: &HashMap<String, String>) -> Result<String, ApiResponse> {
    let client_id = field(form, "client_id");
    if client_id.is_empty() {
        return Err(token_error(
            400,
            "invalid_request",
            "Could not determine client ID from request.",
        ));
    }
    let Some(client) = st.client(client_id) else {
        return Err(token_error(
            401,
            "invalid_client",
            "The OAuth client was not found.",
        ));
    };
    if !form.contains_key("client_secret") {
        return Err(token_error(
            400,
            "invalid_request",
            "client_secret is missing.",
        ));
    }
    if field(form, "client_secret") != client.client_secret {
        return Err(token_error(401, "invalid_client", "Unauthorized"));
    }
    Ok(client_id.to_string())
}

/// `grant_type=authorization_code`: checks the code, its redirect and its PKCE verifier, then mints tokens.
fn exchange_code(
    st: &mut State,
    form: &HashMap<String, String>,
    client_id: &str,
) -> Result<Value, ApiResponse> {
    let grant = redeem_code(st, form, client_id)?;
    let refresh = if st.settings.omit_refresh_token {
        None
    } else {
        Some(mint_refresh(st, client_id, &grant))
    };
    let mut v = mint_access(st, client_id, &grant.email, &grant.scopes, refresh.clone());
    if let Some(rt) = refresh {
        v["refresh_token"] = json!(rt);
        // Google announces time-limited refresh tokens (the "Testing" 7-day rule) with this field.
        if st.settings.testing_status {
            v["refresh_token_expires_in"] = json!(7 * 24 * 3600 - 1);
        }
    }
    st.counters.account(&grant.email).code_exchanges += 1;
    Ok(v)
}

/// Takes the code out of circulation and checks it belongs to this exchange.
fn redeem_code(
    st: &mut State,
    form: &HashMap<String, String>,
    client_id: &str,
) -> Result<AuthCode, ApiResponse> {
    let now = st.now_ms();
    let code = field(form, "code");
    if code.is_empty() {
        return Err(token_error(
            400,
            "invalid_request",
            "Missing required parameter: code",
        ));
    }
    // Codes are single use: any attempt that names a known code by its own client burns it.
    let bad_request = || token_error(400, "invalid_grant", "Bad Request");
    let Some(grant) = st.codes.get(code).cloned() else {
        return Err(bad_request());
    };
    if grant.client_id != client_id {
        return Err(bad_request());
    }
    st.codes.remove(code);
    if grant.expires_ms < now {
        return Err(bad_request());
    }
    if field(form, "redirect_uri") != grant.redirect_uri {
        return Err(token_error(400, "redirect_uri_mismatch", "Bad Request"));
    }
    let verifier = field(form, "code_verifier");
    if verifier.is_empty() {
        return Err(token_error(400, "invalid_grant", "Missing code verifier."));
    }
    if URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())) != grant.code_challenge {
        return Err(token_error(400, "invalid_grant", "Invalid code verifier."));
    }
    Ok(grant)
}

fn mint_refresh(st: &mut State, client_id: &str, grant: &AuthCode) -> String {
    let rt = random_token("1//0", 100);
    let now = st.now_ms();
    st.refresh_tokens.insert(
        rt.clone(),
        RefreshToken {
            client_id: client_id.to_string(),
            email: grant.email.clone(),
            scopes: grant.scopes.clone(),
            issued_ms: now,
            revoked: false,
        },
    );
    st.issued_refresh.push(rt.clone());
    enforce_refresh_limit(st, client_id, &grant.email);
    rt
}

/// `grant_type=refresh_token`: a live refresh token of this client gets a new access token (and no new refresh
/// token).
fn refresh_access(
    st: &mut State,
    form: &HashMap<String, String>,
    client_id: &str,
) -> Result<Value, ApiResponse> {
    let rt = field(form, "refresh_token");
    if rt.is_empty() {
        return Err(token_error(
            400,
            "invalid_request",
            "Missing required parameter: refresh_token",
        ));
    }
    let seven_days = 7 * 24 * 3600 * 1000;
    let now = st.now_ms();
    let testing = st.settings.testing_status;
    let dead = || token_error(400, "invalid_grant", "Token has been expired or revoked.");
    let Some(record) = st.refresh_tokens.get(rt).cloned() else {
        return Err(dead());
    };
    if record.revoked || (testing && now.saturating_sub(record.issued_ms) >= seven_days) {
        return Err(dead());
    }
    if record.client_id != client_id {
        return Err(token_error(401, "unauthorized_client", "Unauthorized"));
    }
    let v = mint_access(
        st,
        client_id,
        &record.email,
        &record.scopes,
        Some(rt.to_string()),
    );
    st.counters.account(&record.email).token_refreshes += 1;
    Ok(v)
}

fn basic_credentials(header: &str) -> Option<(String, String)> {
    let (scheme, encoded) = header.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (id, secret) = text.split_once(':')?;
    let unescape = |s: &str| {
        url::form_urlencoded::parse(format!("x={s}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
    };
    Some((unescape(id)?, unescape(secret)?))
}

/// Google keeps at most 100 live refresh tokens per client and account; the oldest die silently.
fn enforce_refresh_limit(st: &mut State, client_id: &str, email: &str) {
    let limit = st.settings.max_refresh_tokens_per_client_account;
    let mut live: Vec<(i64, usize, String)> = Vec::new();
    for (order, t) in st.issued_refresh.iter().enumerate() {
        if let Some(r) = st.refresh_tokens.get(t) {
            if !r.revoked && r.client_id == client_id && r.email == email {
                live.push((r.issued_ms, order, t.clone()));
            }
        }
    }
    if live.len() > limit {
        live.sort();
        let excess = live.len() - limit;
        for (_, _, t) in live.into_iter().take(excess) {
            revoke_refresh(st, &t);
        }
    }
}

fn revoke_refresh(st: &mut State, rt: &str) {
    if let Some(r) = st.refresh_tokens.get_mut(rt) {
        r.revoked = true;
    }
    for a in st.access_tokens.values_mut() {
        if a.refresh_token.as_deref() == Some(rt) {
            a.revoked = true;
        }
    }
}

/// Revokes every token of an account (the control API's "user removed access").
pub fn revoke_account(st: &mut State, email: &str) -> usize {
    let mut n = 0;
    for r in st
        .refresh_tokens
        .values_mut()
        .filter(|r| r.email.eq_ignore_ascii_case(email) && !r.revoked)
    {
        r.revoked = true;
        n += 1;
    }
    for a in st
        .access_tokens
        .values_mut()
        .filter(|a| a.email.eq_ignore_ascii_case(email) && !a.revoked)
    {
        a.revoked = true;
        n += 1;
    }
    n
}

/// `POST /revoke` (`token` in the form body or the query).
pub async fn revoke(shared: &Arc<Shared>, query: &str, body: &[u8]) -> ApiResponse {
    let mut form = parse_form(query.as_bytes());
    form.extend(parse_form(body));
    let token = form.get("token").cloned().unwrap_or_default();
    let fault = {
        let mut st = shared.lock();
        let account = st
            .access_tokens
            .get(&token)
            .map(|a| a.email.clone())
            .or_else(|| st.refresh_tokens.get(&token).map(|r| r.email.clone()));
        st.take_fault("oauth2.revoke", account.as_deref())
    };
    if let Some(f) = fault {
        if let Some(ms) = f.latency_ms {
            tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
        }
        if let Some(status) = f.status {
            let body = f.body.unwrap_or_else(
                || json!({"error": "internal_failure", "error_description": "Backend Error"}),
            );
            return ApiResponse::json(status, &body, true);
        }
    }
    let mut st = shared.lock();
    let invalid = || token_error(400, "invalid_token", "Token expired or revoked");
    if token.is_empty() {
        return token_error(400, "invalid_request", "Missing required parameter: token");
    }
    let now = st.now_ms();
    let refresh = if let Some(a) = st.access_tokens.get(&token) {
        if a.revoked || a.expires_ms < now {
            return invalid();
        }
        let refresh = a.refresh_token.clone();
        if let Some(a) = st.access_tokens.get_mut(&token) {
            a.revoked = true;
        }
        refresh
    } else if let Some(r) = st.refresh_tokens.get(&token) {
        if r.revoked {
            return invalid();
        }
        Some(token.clone())
    } else {
        return invalid();
    };
    // Revoking either token of a grant revokes the grant: the refresh token and every access token from it.
    if let Some(rt) = refresh {
        revoke_refresh(&mut st, &rt);
    }
    ApiResponse::json(200, &json!({}), true)
}

/// `GET /v1/userinfo` (OpenID Connect).
pub async fn userinfo(shared: &Arc<Shared>, auth: Option<&str>, query: &str) -> ApiResponse {
    let q = parse_form(query.as_bytes());
    let token = auth
        .and_then(|h| {
            h.strip_prefix("Bearer ")
                .or_else(|| h.strip_prefix("bearer "))
        })
        .map(|s| s.trim().to_string())
        .or_else(|| q.get("access_token").cloned());
    let unauthorized = || {
        ApiResponse::json(
            401,
            &json!({"error": "invalid_request", "error_description": "Invalid Credentials"}),
            true,
        )
        .header(
            "WWW-Authenticate",
            "Bearer realm=\"https://accounts.google.com/\", error=\"invalid_token\"",
        )
    };
    let Some(token) = token else {
        return unauthorized();
    };
    let fault = {
        let mut st = shared.lock();
        let account = st.access_tokens.get(&token).map(|a| a.email.clone());
        st.take_fault("oauth2.userinfo", account.as_deref())
    };
    if let Some(f) = fault {
        if let Some(ms) = f.latency_ms {
            tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
        }
        if let Some(status) = f.status {
            return fault_error(status).to_response(true);
        }
    }
    let st = shared.lock();
    let Some(a) = st.access_tokens.get(&token) else {
        return unauthorized();
    };
    if a.revoked || a.expires_ms < st.now_ms() {
        return unauthorized();
    }
    if !a
        .scopes
        .iter()
        .any(|s| s == "openid" || s == SCOPE_EMAIL || s == SCOPE_PROFILE)
    {
        return unauthorized();
    }
    let Some(mb) = st.mailbox(&a.email) else {
        return unauthorized();
    };
    let mut v = json!({"sub": mb.sub});
    if a.scopes.iter().any(|s| s == SCOPE_EMAIL) {
        v["email"] = json!(mb.email);
        v["email_verified"] = json!(true);
    }
    if a.scopes.iter().any(|s| s == SCOPE_PROFILE) {
        v["name"] = json!(mb.name);
    }
    ApiResponse::json(200, &v, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_redirects_only() {
        for (uri, ok) in [
            ("http://127.0.0.1:1234", true),
            ("http://127.0.0.1:1234/cb", true),
            ("http://localhost:8080/", true),
            ("https://127.0.0.1:1234", false),
            ("http://example.com/", false),
            ("urn:ietf:wg:oauth:2.0:oob", false),
            ("not a url", false),
        ] {
            assert_eq!(is_loopback_redirect(uri), ok, "{uri}");
        }
    }

    #[test]
    fn scopes_normalise_like_google() {
        assert_eq!(normalize_scope("email"), Some(SCOPE_EMAIL));
        assert_eq!(normalize_scope("openid"), Some("openid"));
        assert_eq!(
            normalize_scope("https://www.googleapis.com/auth/drive"),
            None
        );
    }
}
