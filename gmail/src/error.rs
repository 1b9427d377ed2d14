//! Gmail's error bodies, parsed into a typed error, and the client's own error type.

use crate::env::{HttpResponse, TokenError, TransportError};
use gmux_core::messages::{Cause, IntentError};
use serde::Deserialize;
use thiserror::Error;

/// A Gmail API error response: `{"error":{"code","message","errors":[{"reason",..}],"status"}}`.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("gmail answered {status} {reason}: {message}")]
pub struct ApiError {
    pub status: u16,
    /// `errors[0].reason` (`rateLimitExceeded`, `notFound`, `authError`, ..), else the canonical `status`
    /// (`FAILED_PRECONDITION`), else empty.
    pub reason: String,
    pub message: String,
    /// From `Retry-After` (seconds), in milliseconds.
    pub retry_after_ms: Option<u64>,
}

#[derive(Deserialize)]
struct ErrorEnvelope {
    error: ErrorObject,
}

#[derive(Deserialize)]
struct ErrorObject {
    #[serde(default)]
    message: String,
    #[serde(default)]
    errors: Vec<ErrorItem>,
    #[serde(default)]
    status: Option<String>,
}

#[derive(Deserialize)]
struct ErrorItem {
    #[serde(default)]
    reason: Option<String>,
}

impl ApiError {
    /// Reads an error from a non-2xx response; a body that is not Google's shape still gives an error with
    /// the status and the body's first bytes as the message.
    pub fn from_parts(status: u16, headers: &[(String, String)], body: &[u8]) -> Self {
        let retry_after_ms = crate::env::header(headers, "retry-after").and_then(|value| {
            parse_retry_after_ms(value)
                .or_else(|| retry_after_date_ms(value, crate::env::header(headers, "date")?))
        });
        match serde_json::from_slice::<ErrorEnvelope>(body) {
            Ok(env) => {
                let reason = env
                    .error
                    .errors
                    .into_iter()
                    .find_map(|e| e.reason)
                    .or(env.error.status)
                    .unwrap_or_default();
                ApiError {
                    status,
                    reason,
                    message: env.error.message,
                    retry_after_ms,
                }
            }
            Err(_) => {
                let text = String::from_utf8_lossy(body);
                let message: String = text.trim().chars().take(200).collect();
                ApiError {
                    status,
                    reason: String::new(),
                    message,
                    retry_after_ms,
                }
            }
        }
    }

    pub fn from_response(response: &HttpResponse) -> Self {
        Self::from_parts(response.status, &response.headers, &response.body)
    }

    /// Whether waiting and trying again may succeed: 429, 5xx, 403 rate limits and 400 failedPrecondition.
    pub fn is_retryable(&self) -> bool {
        match self.status {
            429 | 500..=599 => true,
            403 => matches!(
                self.reason.as_str(),
                "rateLimitExceeded" | "userRateLimitExceeded" | "RESOURCE_EXHAUSTED"
            ),
            400 => matches!(
                self.reason.as_str(),
                "failedPrecondition" | "FAILED_PRECONDITION"
            ),
            _ => false,
        }
    }

    pub fn is_unauthorized(&self) -> bool {
        self.status == 401
    }

    /// 403 `insufficientPermissions`: the user must grant the scope again.
    pub fn is_missing_scope(&self) -> bool {
        self.status == 403
            && matches!(
                self.reason.as_str(),
                "insufficientPermissions" | "PERMISSION_DENIED"
            )
    }
}

/// `Retry-After` given as an HTTP date: the wait is measured against the same response's `Date` header, the
/// server's own clock, so a wrong clock on this machine does not stretch or cut it. A date in the past is no wait.
pub fn retry_after_date_ms(retry_after: &str, date: &str) -> Option<u64> {
    let until = parse_http_date_secs(retry_after)?;
    let now = parse_http_date_secs(date)?;
    Some(until.saturating_sub(now).saturating_mul(1000))
}

/// Seconds since the Unix epoch of an IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), the one form RFC 9110
/// lets servers send.
pub fn parse_http_date_secs(value: &str) -> Option<u64> {
    let mut words = value.split_whitespace();
    let _weekday = words.next()?.strip_suffix(',')?;
    let day: u64 = words.next()?.parse().ok()?;
    let month = match words.next()? {
        "Jan" => 1,
        "Feb" => 2,
        "Mar" => 3,
        "Apr" => 4,
        "May" => 5,
        "Jun" => 6,
        "Jul" => 7,
        "Aug" => 8,
        "Sep" => 9,
        "Oct" => 10,
        "Nov" => 11,
        "Dec" => 12,
        _ => return None,
    };
    let year: u64 = words.next()?.parse().ok()?;
    let mut clock = words.next()?.split(':').map(|n| n.parse::<u64>().ok());
    let (hour, minute, second) = (clock.next()??, clock.next()??, clock.next()??);
    if words.next()? != "GMT" || words.next().is_some() || clock.next().is_some() {
        return None;
    }
    if !(1970..=9999).contains(&year)
        || !(1..=31).contains(&day)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let days = gmux_core::calendar::days_from_civil(year as i64, month, day as i64);
    Some(u64::try_from(days).ok()? * 86_400 + hour * 3600 + minute * 60 + second)
}

/// `Retry-After` as delay seconds, what Google sends. The HTTP-date form is [`retry_after_date_ms`].
pub fn parse_retry_after_ms(value: &str) -> Option<u64> {
    let v = value.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(secs.saturating_mul(1000));
    }
    v.parse::<f64>()
        .ok()
        .filter(|s| s.is_finite() && *s >= 0.0)
        .map(|s| (s * 1000.0) as u64)
}

/// Everything that can go wrong talking to Gmail for one account.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum GmailError {
    /// Gmail could not be reached, after retries.
    #[error(transparent)]
    Offline(#[from] TransportError),
    /// The token was refused even after a fresh one, or the host says the refresh token is dead.
    #[error("re-authorisation required: {0}")]
    ReauthRequired(String),
    /// No access token could be had for now.
    #[error("no access token: {0}")]
    TokenUnavailable(String),
    /// Gmail answered with an error that retries did not fix (or that retrying cannot fix).
    #[error(transparent)]
    Api(#[from] ApiError),
    /// Gmail answered 2xx with a body this client cannot read.
    #[error("unexpected response from gmail: {0}")]
    Decode(String),
}

impl From<TokenError> for GmailError {
    fn from(e: TokenError) -> Self {
        match e {
            TokenError::ReauthRequired(m) => GmailError::ReauthRequired(m),
            TokenError::Unavailable(m) => GmailError::TokenUnavailable(m),
        }
    }
}

impl GmailError {
    /// The stable code a page gets beside the sentence when an action fails this way.
    pub fn intent_error(&self) -> IntentError {
        match self {
            GmailError::Offline(_) => IntentError::Offline,
            GmailError::ReauthRequired(_) => IntentError::ReauthRequired,
            GmailError::TokenUnavailable(_) => IntentError::TokenUnavailable,
            GmailError::Api(e) if e.is_missing_scope() => IntentError::ScopeMissing,
            GmailError::Api(e) if e.status == 404 => IntentError::NotFound,
            GmailError::Api(e) if e.is_retryable() => IntentError::GmailBusy,
            GmailError::Api(_) | GmailError::Decode(_) => IntentError::GmailError,
        }
    }

    /// What the failure means to a person, as data the extension words in the browser's language; Gmail's and
    /// gmux-host's own reasons ride inside as they came.
    pub fn cause(&self) -> Cause {
        match self {
            GmailError::Offline(_) => Cause::Offline,
            GmailError::ReauthRequired(_) => Cause::ReauthRequired,
            GmailError::TokenUnavailable(m) => Cause::NoToken {
                reason: m.trim().trim_end_matches('.').to_string(),
            },
            GmailError::Api(a) if a.is_missing_scope() => Cause::ScopeMissing,
            GmailError::Api(a) if a.status == 404 => Cause::NotFound,
            GmailError::Api(a) if a.is_retryable() => Cause::Busy {
                status: a.status,
                reason: a.reason.clone(),
            },
            GmailError::Api(a) if a.status == 400 => Cause::Refused {
                status: a.status,
                message: a.message.trim().trim_end_matches('.').to_string(),
            },
            GmailError::Api(a) => Cause::GmailError {
                status: a.status,
                reason: a.reason.clone(),
            },
            GmailError::Decode(_) => Cause::Unreadable,
        }
    }

    /// Whether this is a history id Gmail no longer knows (404 on history.list): the caller must do a full sync.
    pub fn is_not_found(&self) -> bool {
        matches!(self, GmailError::Api(e) if e.status == 404)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(k: &str, v: &str) -> Vec<(String, String)> {
        vec![(k.to_string(), v.to_string())]
    }

    #[test]
    fn every_failure_has_its_cause_with_gmails_words_inside() {
        let api = |status: u16, reason: &str, message: &str| {
            let body = format!(
                r#"{{"error":{{"code":{status},"message":"{message}","errors":[{{"reason":"{reason}"}}]}}}}"#
            );
            GmailError::Api(ApiError::from_parts(status, &[], body.as_bytes()))
        };
        let check = |e: GmailError, expected: Cause| assert_eq!(e.cause(), expected, "{e:?}");
        check(
            GmailError::Offline(TransportError("refused".into())),
            Cause::Offline,
        );
        check(
            GmailError::ReauthRequired("invalid_grant".into()),
            Cause::ReauthRequired,
        );
        check(
            GmailError::TokenUnavailable(" The keyring is locked. ".into()),
            Cause::NoToken {
                reason: "The keyring is locked".into(),
            },
        );
        check(
            api(403, "insufficientPermissions", "no"),
            Cause::ScopeMissing,
        );
        check(
            api(404, "notFound", "Requested entity was not found."),
            Cause::NotFound,
        );
        check(
            api(429, "rateLimitExceeded", "slow down"),
            Cause::Busy {
                status: 429,
                reason: "rateLimitExceeded".into(),
            },
        );
        check(
            api(400, "invalidArgument", "Invalid label name."),
            Cause::Refused {
                status: 400,
                message: "Invalid label name".into(),
            },
        );
        check(
            api(403, "forbidden", "no"),
            Cause::GmailError {
                status: 403,
                reason: "forbidden".into(),
            },
        );
        check(GmailError::Decode("eof".into()), Cause::Unreadable);
    }

    #[test]
    fn parses_google_error_bodies() {
        let body = include_bytes!("../tests/fixtures/error-429.json");
        let e = ApiError::from_parts(429, &h("Retry-After", "3"), body);
        assert_eq!(e.reason, "rateLimitExceeded");
        assert_eq!(e.message, "Too many concurrent requests for user");
        assert_eq!(e.retry_after_ms, Some(3000));
        let dated = [
            (
                "Retry-After".to_string(),
                "Mon, 23 Nov 2026 17:00:05 GMT".to_string(),
            ),
            (
                "Date".to_string(),
                "Mon, 23 Nov 2026 17:00:00 GMT".to_string(),
            ),
        ];
        assert_eq!(
            ApiError::from_parts(429, &dated, body).retry_after_ms,
            Some(5000)
        );
        assert_eq!(
            ApiError::from_parts(429, &dated[..1], body).retry_after_ms,
            None
        );
        assert!(e.is_retryable());

        let body = include_bytes!("../tests/fixtures/error-401.json");
        let e = ApiError::from_parts(401, &[], body);
        assert_eq!(e.reason, "authError");
        assert!(e.is_unauthorized() && !e.is_retryable());
    }

    #[test]
    fn older_bodies_without_status_and_non_json_bodies_still_parse() {
        let e = ApiError::from_parts(400, &[], br#"{"error":{"code":400,"message":"Precondition check failed.","errors":[{"reason":"failedPrecondition"}]}}"#);
        assert!(e.is_retryable());
        let e = ApiError::from_parts(
            400,
            &[],
            br#"{"error":{"code":400,"message":"x","status":"FAILED_PRECONDITION"}}"#,
        );
        assert!(e.is_retryable());
        let e = ApiError::from_parts(502, &[], b"<html>Bad Gateway</html>");
        assert_eq!(e.message, "<html>Bad Gateway</html>");
        assert!(e.is_retryable());
    }

    #[test]
    fn retry_classification() {
        let cases = [
            (429, "rateLimitExceeded", true),
            (500, "backendError", true),
            (503, "", true),
            (403, "userRateLimitExceeded", true),
            (403, "rateLimitExceeded", true),
            (403, "insufficientPermissions", false),
            (400, "failedPrecondition", true),
            (400, "invalidArgument", false),
            (404, "notFound", false),
            (401, "authError", false),
        ];
        for (status, reason, want) in cases {
            let e = ApiError {
                status,
                reason: reason.into(),
                message: String::new(),
                retry_after_ms: None,
            };
            assert_eq!(e.is_retryable(), want, "{status} {reason}");
        }
    }

    #[test]
    fn retry_after_forms() {
        assert_eq!(parse_retry_after_ms("120"), Some(120_000));
        assert_eq!(
            parse_http_date_secs("Thu, 01 Jan 1970 00:00:00 GMT"),
            Some(0)
        );
        assert_eq!(
            parse_http_date_secs("Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(784_111_777)
        );
        assert_eq!(
            parse_http_date_secs("Mon, 29 Feb 2016 23:59:59 GMT"),
            Some(1_456_790_399)
        );
        for bad in [
            "",
            "Sun, 06 Nov 1994 08:49:37",
            "Sun, 06 Foo 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 25:00:00 GMT",
            "06 Nov 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 08:49 GMT",
        ] {
            assert_eq!(parse_http_date_secs(bad), None, "{bad}");
        }
        assert_eq!(
            retry_after_date_ms(
                "Mon, 23 Nov 2026 17:00:30 GMT",
                "Mon, 23 Nov 2026 17:00:00 GMT"
            ),
            Some(30_000)
        );
        assert_eq!(
            retry_after_date_ms(
                "Mon, 23 Nov 2026 16:59:00 GMT",
                "Mon, 23 Nov 2026 17:00:00 GMT"
            ),
            Some(0)
        );
        assert_eq!(parse_retry_after_ms(" 0.5 "), Some(500));
        assert_eq!(parse_retry_after_ms("Wed, 21 Oct 2015 07:28:00 GMT"), None);
        assert_eq!(parse_retry_after_ms("-1"), None);
    }
}
