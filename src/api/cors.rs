//! `--cors-origin` (docs/controls.md#browsers): lets a web page of the given
//! origins call the emulated API from a browser. On `/elements/api-v2`
//! only, and only when configured: preflights (`OPTIONS` with
//! `Access-Control-Request-Method`) are answered at once, before faults,
//! authentication and the in-flight places, and every other answer gets
//! `Access-Control-Allow-Origin` and the exposed headers. The `/__admin`
//! controls never answer another origin (`middleware::same_origin_gate`).
//!
//! tower-http's `CorsLayer` does the work; this module builds it from the
//! flag and keeps it off the admin plane.

use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::header::ACCESS_CONTROL_REQUEST_METHOD;
use axum::http::{HeaderName, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::Response;
use tower::{Layer, ServiceExt};
use tower_http::cors::{AllowOrigin, CorsLayer};

use super::is_api_path;
use super::state::AppState;

/// What a browser may send besides the CORS-safelisted headers.
const ALLOWED_HEADERS: [&str; 3] = ["authorization", "content-type", "elements-user-password"];

/// What a page's script may read besides the CORS-safelisted headers: the
/// paging headers and the request id.
pub const EXPOSED_HEADERS: [&str; 4] = [
    "elements-total-count",
    "elements-returned-count",
    "elements-next-page-token",
    super::middleware::REQUEST_ID_HEADER,
];

/// The layer for `--cors-origin` values (already checked by
/// `config::parse_cors_origin`): `None` without any, any origin when one
/// of them is `*`. No credentials mode: the API's credentials travel in
/// headers, not cookies.
pub fn layer(origins: &[String]) -> Option<CorsLayer> {
    if origins.is_empty() {
        return None;
    }
    let allow_origin = if origins.iter().any(|origin| origin == "*") {
        AllowOrigin::any()
    } else {
        AllowOrigin::list(
            origins
                .iter()
                .filter_map(|origin| HeaderValue::from_str(origin).ok()),
        )
    };
    let names = |names: &[&'static str]| -> Vec<HeaderName> {
        names
            .iter()
            .map(|name| HeaderName::from_static(name))
            .collect()
    };
    Some(
        CorsLayer::new()
            .allow_origin(allow_origin)
            .allow_methods([
                Method::GET,
                Method::POST,
                Method::PUT,
                Method::PATCH,
                Method::DELETE,
            ])
            .allow_headers(names(&ALLOWED_HEADERS))
            .expose_headers(names(&EXPOSED_HEADERS))
            .max_age(Duration::from_secs(600)),
    )
}

/// The middleware: the CORS layer on the emulated API when configured;
/// anything else, and an `OPTIONS` that is not a preflight, passes as if
/// there were none.
pub async fn api_only(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let Some(cors) = &state.cors else {
        return next.run(request).await;
    };
    let not_a_preflight = request.method() == Method::OPTIONS
        && !request
            .headers()
            .contains_key(ACCESS_CONTROL_REQUEST_METHOD);
    if !is_api_path(request.uri().path()) || not_a_preflight {
        return next.run(request).await;
    }
    match cors.layer(next).oneshot(request).await {
        Ok(response) => response,
        Err(never) => match never {},
    }
}
