//! `/__admin`: the stand-in's own controls (SPEC §7), not part of the
//! emulated API.

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::error::ApiError;
use crate::seed::{self, SeedError, SeedReport};
use crate::state::AppState;

/// The body limit of `POST /__admin/seed`.
pub const MAX_FIXTURE_BYTES: usize = 64 * 1024 * 1024;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/__admin/health", get(health))
        // Fixtures of thousands of users are larger than the API's 1 MiB.
        .route(
            "/__admin/seed",
            post(load_fixture).layer(DefaultBodyLimit::max(MAX_FIXTURE_BYTES)),
        )
}

/// `GET /__admin/health`: the readiness probe.
async fn health() -> Json<Value> {
    Json(json!({"status": "ok"}))
}

/// `POST /__admin/seed`: adds the fixture's organizations, all or nothing.
async fn load_fixture(
    State(state): State<AppState>,
    body: Bytes,
) -> Result<Json<SeedReport>, ApiError> {
    let prepared = seed::prepare(&body, &state.hasher)
        .await
        .map_err(seed_error)?;
    let today = state.clock.today();
    let mut tx = state.store.begin_write().await?;
    let report = seed::insert(&mut tx, &prepared, &today)
        .await
        .map_err(seed_error)?;
    tx.commit().await.map_err(ApiError::internal)?;
    Ok(Json(report))
}

fn seed_error(error: SeedError) -> ApiError {
    match error {
        SeedError::Invalid(invalid) => ApiError::bad_request(invalid.to_string()),
        SeedError::Store(store) => store.into(),
        SeedError::Hash(hash) => ApiError::internal(hash),
    }
}
