//! Revocation at an OAuth server other than Google's: RFC 7009 requires the client to authenticate, so the
//! host sends its credentials (HTTP Basic) there, while Google's endpoint keeps Google's documented form.

use crate::fake::{id_token, FakeServer};
use crate::identity::{configured_env, consent, token_answer, CLIENT_ID, MODIFY};
use serde_json::json;
use std::sync::{Arc, Mutex};

const SECRET: &str = "GOCSPX-test-secret";

#[test]
fn removing_an_account_revokes_at_a_standard_rfc7009_server_with_client_authentication() {
    use base64::engine::general_purpose::STANDARD;
    use base64::Engine as _;
    let expected_auth = format!("Basic {}", STANDARD.encode(format!("{CLIENT_ID}:{SECRET}")));
    let revoked = Arc::new(Mutex::new(Vec::<String>::new()));
    let server = {
        let revoked = revoked.clone();
        let jwt = id_token(
            json!({"iss": "https://accounts.google.com", "aud": CLIENT_ID, "sub": "7009",
                                  "email": "ada@example.com"}),
        );
        FakeServer::start(move |seen| match seen.path() {
            "/token" => (
                200,
                token_answer(Some(&format!("openid email {MODIFY}")), Some(jwt.clone())),
            ),
            // RFC 7009 2.1: the client authenticates; 2.2.1: an unauthenticated request is invalid_client.
            "/revoke" if seen.header("authorization") != Some(expected_auth.as_str()) => {
                (401, json!({"error": "invalid_client"}).to_string())
            }
            "/revoke" => {
                let form = seen.form();
                revoked.lock().unwrap().push(form["token"].clone());
                (200, String::new())
            }
            _ => (404, "{}".into()),
        })
    };
    let env = configured_env(&server);
    let mut host = env.start();
    let (status, added) = consent(&mut host, MODIFY);
    assert_eq!(status, 200, "{added}");
    let sub = added["data"]["account"]["id"].clone();
    let removed = host.call_ok("accounts.remove", json!({"account": sub}));
    assert_eq!(removed, json!({"removed": true, "revoked": true}));
    assert_eq!(*revoked.lock().unwrap(), ["1//0fake-refresh"]);
    let request = server.requests("/revoke").remove(0);
    assert_eq!(request.form()["token_type_hint"], "refresh_token");
    // The secret travels in the header only, never in the body.
    assert!(!request.body.contains(SECRET), "{}", request.body);
}
