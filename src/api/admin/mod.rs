//! `/__admin`: the stand-in's own controls (docs/controls.md), not part of the
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
use axum::Json;
use serde_json::{json, Value};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::api::openapi;
use crate::api::state::AppState;

/// The body limit of `POST /__admin/seed`.
pub const MAX_FIXTURE_BYTES: usize = 64 * 1024 * 1024;

pub fn router() -> OpenApiRouter<AppState> {
    // Fixtures of thousands of users are larger than the API's 1 MiB.
    let (schemas, paths, seed) = routes!(fixtures::load);
    let seed = seed.layer(DefaultBodyLimit::max(MAX_FIXTURE_BYTES));
    OpenApiRouter::new()
        .routes(routes!(health))
        .routes(routes!(openapi::serve))
        .routes(routes!(openapi::serve_controls))
        .routes((schemas, paths, seed))
        .routes(routes!(tenants::reset_server))
        .routes(routes!(tenants::list, tenants::create))
        .routes(routes!(tenants::remove))
        .routes(routes!(tenants::reset))
        .routes(routes!(requests::list, requests::clear))
        .routes(routes!(requests::count))
        .routes(routes!(faults::list, faults::add, faults::clear))
        .routes(routes!(faults::remove))
        .routes(routes!(clock::show, clock::fix, clock::release))
        .routes(routes!(explain::explain))
        .routes(routes!(metrics))
        .routes(routes!(snapshots::list))
        .routes(routes!(snapshots::save, snapshots::remove))
        .routes(routes!(snapshots::restore))
}

/// `GET /__admin/health`: the readiness probe.
#[utoipa::path(get, path = "/__admin/health", operation_id = "adminHealth", tag = "admin",
    summary = "Readiness probe", description = "200 once the server is ready to answer; open even with `--admin-token`.", responses((status = 200, description = "The server is ready", body = openapi::Health)))]
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
