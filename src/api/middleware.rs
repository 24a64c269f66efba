//! The request envelope: a request id for every request, a tracing span
//! keyed on the matched route, and the SPEC §6 error body for every error,
//! including the ones axum itself produces (unknown route, wrong method,
//! rejected bodies) and panics.

use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::http::header::{ALLOW, CONTENT_TYPE, RETRY_AFTER};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use rand::RngCore;
use serde::Serialize;
use tracing::Instrument;
use utoipa::ToSchema;

use crate::error::ErrorMessage;

pub const REQUEST_ID_HEADER: &str = "elements-request-id";

/// The largest framework error body read back to become a message.
const MAX_ERROR_TEXT: usize = 16 * 1024;

/// 24 lowercase hex characters, from 12 random bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestId(pub String);

impl RequestId {
    pub fn generate() -> Self {
        let mut bytes = [0u8; 12];
        rand::thread_rng().fill_bytes(&mut bytes);
        Self(bytes.iter().map(|byte| format!("{byte:02x}")).collect())
    }
}

/// The SPEC §6 error body of every 4xx and 5xx answer, including the ones
/// no operation lists: 404 for an unknown path, 405 for a method a path
/// does not serve.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = Error)]
pub struct ErrorBody<'a> {
    /// The request's id, as in its `Elements-Request-Id` header.
    #[schema(value_type = String, pattern = "^[0-9a-f]{24}$", example = "5f0c2b9e8d7a6c5b4a392817")]
    pub request_id: &'a str,
    /// What went wrong; `Internal error` for a 500.
    #[schema(value_type = String)]
    pub message: &'a str,
}

pub async fn request_envelope(mut request: Request, next: Next) -> Response {
    let id = RequestId::generate();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "<unmatched>".to_owned(), |path| path.as_str().to_owned());
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    // Headers are deliberately not recorded: Authorization and
    // Elements-User-Password carry secrets.
    let span = tracing::info_span!("request", request_id = %id.0, %method, route = %route);
    request.extensions_mut().insert(id.clone());
    async move {
        let started = Instant::now();
        let response = next.run(request).await;
        let mut response = error_shape(response, &id, &method, &path).await;
        if let Ok(value) = HeaderValue::from_str(&id.0) {
            response.headers_mut().insert(REQUEST_ID_HEADER, value);
        }
        tracing::info!(
            status = response.status().as_u16(),
            elapsed_us = started.elapsed().as_micros() as u64,
            "answered"
        );
        response
    }
    .instrument(span)
    .await
}

/// Rewrites any error response into `{"requestId", "message"}`.
async fn error_shape(
    response: Response,
    id: &RequestId,
    method: &axum::http::Method,
    path: &str,
) -> Response {
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    // `Allow` (405) and `Retry-After` (503) must survive the rewrite.
    let kept: Vec<_> = [ALLOW, RETRY_AFTER]
        .into_iter()
        .filter_map(|name| Some((name.clone(), response.headers().get(&name)?.clone())))
        .collect();
    let message = match response.extensions().get::<ErrorMessage>() {
        Some(ErrorMessage(message)) => message.clone(),
        None => framework_message(response, method, path).await,
    };
    let body = ErrorBody {
        request_id: &id.0,
        message: &message,
    };
    let mut shaped = (status, axum::Json(body)).into_response();
    shaped.headers_mut().extend(kept);
    shaped
}

/// A message for an error a handler did not produce: axum's own 404/405,
/// a panic caught by `CatchPanicLayer`, or any other plain-text rejection.
async fn framework_message(response: Response, method: &axum::http::Method, path: &str) -> String {
    let status = response.status();
    match status {
        StatusCode::NOT_FOUND => return format!("No such resource: {method} {path}"),
        StatusCode::METHOD_NOT_ALLOWED => {
            return format!("Method {method} is not allowed on {path}")
        }
        StatusCode::INTERNAL_SERVER_ERROR => return "Internal error".to_owned(),
        _ => {}
    }
    let is_text = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("text/plain"));
    let text = if is_text {
        axum::body::to_bytes(response.into_body(), MAX_ERROR_TEXT)
            .await
            .map(|bytes| String::from_utf8_lossy(&bytes).trim().to_owned())
            .unwrap_or_default()
    } else {
        String::new()
    };
    if text.is_empty() {
        status.canonical_reason().unwrap_or("Error").to_owned()
    } else {
        text
    }
}
