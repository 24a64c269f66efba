//! `/__admin`: the stand-in's own controls (SPEC §7), not part of the
//! emulated API.

pub(crate) mod clock;
pub(crate) mod explain;
pub(crate) mod faults;
pub(crate) mod fixtures;
pub(crate) mod requests;
pub(crate) mod snapshots;
pub(crate) mod tenants;

use axum::extract::{DefaultBodyLimit, State};
use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
use axum::routing::{delete, get, post, put};
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::api::openapi;
use crate::state::AppState;

/// The body limit of `POST /__admin/seed`.
pub const MAX_FIXTURE_BYTES: usize = 64 * 1024 * 1024;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/__admin/health", get(health))
        .route("/__admin/openapi.json", get(openapi::serve))
        // Fixtures of thousands of users are larger than the API's 1 MiB.
        .route(
            "/__admin/seed",
            post(fixtures::load).layer(DefaultBodyLimit::max(MAX_FIXTURE_BYTES)),
        )
        .route("/__admin/reset", post(tenants::reset_server))
        .route("/__admin/organizations", post(tenants::create))
        .route("/__admin/organizations/{id}", delete(tenants::remove))
        .route("/__admin/organizations/{id}/reset", post(tenants::reset))
        .route(
            "/__admin/requests",
            get(requests::list).delete(requests::clear),
        )
        .route(
            "/__admin/faults",
            get(faults::list).post(faults::add).delete(faults::clear),
        )
        .route("/__admin/faults/{id}", delete(faults::remove))
        .route(
            "/__admin/clock",
            get(clock::show).put(clock::fix).delete(clock::release),
        )
        .route("/__admin/explain", get(explain::explain))
        .route("/__admin/metrics", get(metrics))
        .route("/__admin/snapshots", get(snapshots::list))
        .route(
            "/__admin/snapshots/{name}",
            put(snapshots::save).delete(snapshots::remove),
        )
        .route(
            "/__admin/snapshots/{name}/restore",
            post(snapshots::restore),
        )
}

/// `GET /__admin/health`: the readiness probe.
#[utoipa::path(get, path = "/__admin/health", operation_id = "adminHealth", tag = "admin",
    summary = "Readiness probe", responses((status = 200, description = "The server is ready", body = openapi::Health)))]
async fn health() -> Json<Value> {
    Json(json!({"status": "ok"}))
}

/// `GET /__admin/metrics`: Prometheus text (OpenMetrics 1.0).
#[utoipa::path(
    get,
    path = "/__admin/metrics",
    operation_id = "adminMetrics",
    tag = "admin",
    summary = "Prometheus metrics",
    description = "Requests by method, route and status (`localelements_http_requests_total`) and a latency histogram by route (`localelements_http_request_duration_seconds`).",
    responses((status = 200, description = "OpenMetrics 1.0 text", body = String, content_type = "application/openmetrics-text; version=1.0.0; charset=utf-8")),
)]
pub(crate) async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    (
        [(
            CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        state.metrics.render(),
    )
}
