//! The native [`Env`]: reqwest for HTTP, tokio for timers, the system clock. For tests, benches and tools.

use crate::env::{Env, HttpRequest, HttpResponse, TransportError};
use futures::future::LocalBoxFuture;
use std::time::{SystemTime, UNIX_EPOCH};

/// A request that has not answered by then counts as a network error (and is retried).
const REQUEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

#[derive(Clone)]
pub struct NativeEnv {
    http: reqwest::Client,
}

impl Default for NativeEnv {
    fn default() -> Self {
        Self::new()
    }
}

impl NativeEnv {
    pub fn new() -> Self {
        NativeEnv {
            http: reqwest::Client::builder()
                .timeout(REQUEST_TIMEOUT)
                .build()
                .unwrap_or_default(),
        }
    }

    /// Answers 3xx as they are instead of following them (an OAuth redirect carries the code in `Location`).
    pub fn without_redirects() -> Self {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(REQUEST_TIMEOUT)
            .build()
            .unwrap_or_default();
        NativeEnv { http }
    }
}

impl Env for NativeEnv {
    fn send(
        &self,
        request: HttpRequest,
    ) -> LocalBoxFuture<'_, Result<HttpResponse, TransportError>> {
        Box::pin(async move {
            let method = reqwest::Method::from_bytes(request.method.as_bytes())
                .map_err(|e| TransportError(format!("bad method: {e}")))?;
            let mut builder = self.http.request(method, &request.url);
            for (k, v) in &request.headers {
                builder = builder.header(k, v);
            }
            if !request.body.is_empty() || request.method == "POST" {
                builder = builder.body(request.body);
            }
            let response = builder
                .send()
                .await
                .map_err(|e| TransportError(e.to_string()))?;
            let status = response.status().as_u16();
            let headers = response
                .headers()
                .iter()
                .map(|(k, v)| {
                    (
                        k.as_str().to_string(),
                        String::from_utf8_lossy(v.as_bytes()).into_owned(),
                    )
                })
                .collect();
            let body = response
                .bytes()
                .await
                .map_err(|e| TransportError(e.to_string()))?
                .to_vec();
            Ok(HttpResponse {
                status,
                headers,
                body,
            })
        })
    }

    fn sleep(&self, ms: u64) -> LocalBoxFuture<'_, ()> {
        Box::pin(tokio::time::sleep(std::time::Duration::from_millis(ms)))
    }

    fn now_ms(&self) -> u64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as u64)
            .unwrap_or(0)
    }

    fn random_u64(&self) -> u64 {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0);
        crate::env::splitmix64(nanos)
    }
}
