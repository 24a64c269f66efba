//! The request envelope: a request id for every request, a tracing span
//! keyed on the matched route, the error body (docs/api.md#errors) for every error
//! (including the ones axum itself produces: unknown route, wrong method,
//! rejected bodies, panics), the `--admin-token` gate, injected faults, and
//! the request journal.

use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::header::{ALLOW, AUTHORIZATION, CONTENT_TYPE, RETRY_AFTER};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use rand::RngCore;
use serde::Serialize;
use tracing::Instrument;
use utoipa::ToSchema;

use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::journal::{redact_query, CallerSlot, JournalEntry};
use crate::api::state::AppState;
use crate::domain::secret::SecretDigest;
use crate::error::{ApiError, ErrorMessage};

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

/// The error body of every 4xx and 5xx answer, including the ones
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

pub async fn request_envelope(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let id = RequestId::generate();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "<unmatched>".to_owned(), |path| path.as_str().to_owned());
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let query = request.uri().query().map(redact_query);
    let is_admin = path.starts_with("/__admin");
    // Headers are deliberately not recorded: Authorization and
    // Elements-User-Password carry secrets.
    let span = tracing::info_span!("request", request_id = %id.0, %method, route = %route);
    let caller = CallerSlot::default();
    request.extensions_mut().insert(id.clone());
    request.extensions_mut().insert(caller.clone());
    async move {
        let started = Instant::now();
        let time = OffsetDateTime::now_utc();
        let response = match admin_gate(&state, &request) {
            Err(refusal) => refusal.into_response(),
            Ok(()) => next.run(request).await,
        };
        let mut response = error_shape(response, &id, &method, &path).await;
        if let Ok(value) = HeaderValue::from_str(&id.0) {
            response.headers_mut().insert(REQUEST_ID_HEADER, value);
        }
        let elapsed = started.elapsed();
        let status = response.status().as_u16();
        tracing::info!(status, elapsed_us = elapsed.as_micros() as u64, "answered");
        state
            .metrics
            .observe(method.as_str(), &route, status, elapsed.as_secs_f64());
        // The journal is about the emulated API; control traffic stays out.
        if !is_admin {
            let (organization_id, user_id) = caller.0.get().copied().unzip();
            state.journal.record(JournalEntry {
                request_id: id.0.clone(),
                time: time.format(&Rfc3339).unwrap_or_default(),
                method: method.to_string(),
                path,
                query,
                status,
                duration_ms: elapsed.as_secs_f64() * 1000.0,
                organization_id,
                user_id,
            });
        }
        response
    }
    .instrument(span)
    .await
}

/// Injected faults (docs/controls.md#faults), before any handler and before
/// authentication. Placed inside the overload layers, so a slowed request
/// holds its place like a slow one would, and `--request-timeout` applies.
pub async fn inject_faults(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let Some(fault) = state.faults.fire(request.method(), request.uri().path()) else {
        return next.run(request).await;
    };
    tokio::time::sleep(fault.delay).await;
    match fault.status {
        Some(status) => ApiError::Other(status, "Injected fault".into()).into_response(),
        None => next.run(request).await,
    }
}

/// `--admin-token`: every `/__admin` route but the health probe wants
/// `Authorization: Bearer <token>`, compared in constant time.
fn admin_gate(state: &AppState, request: &Request) -> Result<(), ApiError> {
    let Some(token) = &state.admin_token else {
        return Ok(());
    };
    let path = request.uri().path();
    if !path.starts_with("/__admin") || path == "/__admin/health" {
        return Ok(());
    }
    let given = request
        .headers()
        .get(AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .map(str::trim);
    match given {
        Some(given) if SecretDigest::of(given).matches(token.digest().as_bytes()) => Ok(()),
        _ => Err(ApiError::Unauthorized(
            "This control needs Authorization: Bearer <admin token>".to_owned(),
        )),
    }
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
