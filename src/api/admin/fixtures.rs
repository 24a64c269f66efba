//! `POST /__admin/seed`: fixtures over HTTP (see `crate::seed`).

use axum::body::Bytes;
use axum::extract::State;
use axum::Json;

use crate::error::ApiError;
use crate::seed::{self, SeedError, SeedReport};
use crate::state::AppState;

/// `POST /__admin/seed`: adds the fixture's organizations, all or nothing.
pub(super) async fn load(
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
    tx.commit().await?;
    Ok(Json(report))
}

fn seed_error(error: SeedError) -> ApiError {
    match error {
        SeedError::Invalid(invalid) => ApiError::bad_request(invalid.to_string()),
        SeedError::Store(store) => store.into(),
        SeedError::Hash(hash) => hash.into(),
    }
}
