//! Responses in Google's shapes: JSON with `prettyPrint` and `fields`, and the error envelope.

use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

/// A response as plain data, so batch parts and normal requests share one code path.
#[derive(Debug, Clone)]
pub struct ApiResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

pub fn reason_phrase(status: u16) -> &'static str {
    StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("Unknown")
}

impl ApiResponse {
    pub fn json(status: u16, value: &Value, pretty: bool) -> ApiResponse {
        let mut body = if pretty {
            serde_json::to_vec_pretty(value).unwrap_or_default()
        } else {
            serde_json::to_vec(value).unwrap_or_default()
        };
        if pretty {
            body.push(b'\n');
        }
        ApiResponse {
            status,
            headers: vec![(
                "Content-Type".into(),
                "application/json; charset=UTF-8".into(),
            )],
            body,
        }
    }

    pub fn empty(status: u16) -> ApiResponse {
        ApiResponse {
            status,
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    pub fn header(mut self, name: &str, value: impl Into<String>) -> ApiResponse {
        self.headers.push((name.to_string(), value.into()));
        self
    }

    pub fn html(status: u16, html: String) -> ApiResponse {
        ApiResponse {
            status,
            headers: vec![("Content-Type".into(), "text/html; charset=utf-8".into())],
            body: html.into_bytes(),
        }
    }
}

impl IntoResponse for ApiResponse {
    fn into_response(self) -> Response {
        let mut resp = Response::new(axum::body::Body::from(self.body));
        *resp.status_mut() =
            StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        for (k, v) in self.headers {
            if let (Ok(k), Ok(v)) = (HeaderName::try_from(k), HeaderValue::try_from(v)) {
                resp.headers_mut().append(k, v);
            }
        }
        resp
    }
}

/// The canonical `status` string Google pairs with an HTTP code.
pub fn canonical_status(code: u16) -> &'static str {
    match code {
        400 => "INVALID_ARGUMENT",
        401 => "UNAUTHENTICATED",
        403 => "PERMISSION_DENIED",
        404 => "NOT_FOUND",
        409 => "ABORTED",
        413 => "INVALID_ARGUMENT",
        429 => "RESOURCE_EXHAUSTED",
        500 => "INTERNAL",
        501 => "UNIMPLEMENTED",
        503 => "UNAVAILABLE",
        504 => "DEADLINE_EXCEEDED",
        _ => "UNKNOWN",
    }
}

/// One Google API error: `{"error":{"code","message","errors":[{message,domain,reason,...}],"status"}}`.
#[derive(Debug, Clone)]
pub struct GoogleError {
    pub code: u16,
    pub message: String,
    pub reason: &'static str,
    pub domain: &'static str,
    pub status: &'static str,
    pub location: Option<(&'static str, &'static str)>,
    pub extra_headers: Vec<(String, String)>,
}

impl GoogleError {
    pub fn new(code: u16, message: impl Into<String>, reason: &'static str) -> GoogleError {
        GoogleError {
            code,
            message: message.into(),
            reason,
            domain: "global",
            status: canonical_status(code),
            location: None,
            extra_headers: Vec::new(),
        }
    }

    pub fn bad_request(message: impl Into<String>) -> GoogleError {
        GoogleError::new(400, message, "badRequest")
    }

    pub fn invalid_param(message: impl Into<String>, param: &'static str) -> GoogleError {
        let mut e = GoogleError::new(400, message, "invalidParameter");
        e.location = Some(("parameter", param));
        e
    }

    pub fn not_found() -> GoogleError {
        GoogleError::new(404, "Requested entity was not found.", "notFound")
    }

    pub fn missing_credentials() -> GoogleError {
        let mut e = GoogleError::new(
            401,
            "Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.",
            "required",
        );
        e.location = Some(("header", "Authorization"));
        e.extra_headers.push((
            "WWW-Authenticate".into(),
            "Bearer realm=\"https://accounts.google.com/\"".into(),
        ));
        e
    }

    pub fn invalid_credentials() -> GoogleError {
        let mut e = GoogleError::new(
            401,
            "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.",
            "authError",
        );
        e.location = Some(("header", "Authorization"));
        e.extra_headers.push((
            "WWW-Authenticate".into(),
            "Bearer realm=\"https://accounts.google.com/\", error=\"invalid_token\"".into(),
        ));
        e
    }

    pub fn insufficient_scopes() -> GoogleError {
        let mut e = GoogleError::new(
            403,
            "Request had insufficient authentication scopes.",
            "insufficientPermissions",
        );
        e.extra_headers.push((
            "WWW-Authenticate".into(),
            "Bearer realm=\"https://accounts.google.com/\", error=\"insufficient_scope\", scope=\"https://www.googleapis.com/auth/gmail.modify\"".into(),
        ));
        e
    }

    pub fn body(&self) -> Value {
        let mut item =
            json!({"message": self.message, "domain": self.domain, "reason": self.reason});
        if let Some((lt, l)) = self.location {
            item["locationType"] = json!(lt);
            item["location"] = json!(l);
        }
        json!({"error": {"code": self.code, "message": self.message, "errors": [item], "status": self.status}})
    }

    pub fn to_response(&self, pretty: bool) -> ApiResponse {
        let mut r = ApiResponse::json(self.code, &self.body(), pretty);
        r.headers.extend(self.extra_headers.iter().cloned());
        r
    }
}

/// The default body of a fault with this status, so injected errors look like Google's real ones.
pub fn fault_error(status: u16) -> GoogleError {
    match status {
        400 => GoogleError::new(400, "Precondition check failed.", "failedPrecondition"),
        401 => GoogleError::invalid_credentials(),
        403 => {
            let mut e = GoogleError::new(403, "Quota exceeded for quota metric 'Queries' and limit 'Queries per minute per user' of service 'gmail.googleapis.com' for consumer 'project_number:000000000000'.", "rateLimitExceeded");
            e.domain = "usageLimits";
            e
        }
        404 => GoogleError::not_found(),
        429 => GoogleError::new(
            429,
            "Too many concurrent requests for user",
            "rateLimitExceeded",
        ),
        500 => GoogleError::new(500, "Internal error encountered.", "backendError"),
        503 => GoogleError::new(503, "The service is currently unavailable.", "backendError"),
        other => GoogleError::new(other, reason_phrase(other), "backendError"),
    }
}
