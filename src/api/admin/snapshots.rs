//! `/__admin/snapshots`: save the whole state under a name, return to it,
//! list and delete (see `store::snapshots`).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;

use crate::error::ApiError;
use crate::state::AppState;
use crate::store::snapshots::{self, SnapshotInfo};

fn checked(name: &str) -> Result<&str, ApiError> {
    snapshots::check_name(name).map_err(ApiError::BadRequest)?;
    Ok(name)
}

fn no_snapshot(name: &str) -> ApiError {
    ApiError::not_found(format!("No snapshot named '{name}'"))
}

/// `PUT /__admin/snapshots/{name}`
pub(super) async fn save(
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> Result<Json<SnapshotInfo>, ApiError> {
    Ok(Json(snapshots::save(&state.store, checked(&name)?).await?))
}

/// `POST /__admin/snapshots/{name}/restore`
pub(super) async fn restore(
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> Result<Json<SnapshotInfo>, ApiError> {
    snapshots::restore(&state.store, checked(&name)?)
        .await?
        .map(Json)
        .ok_or_else(|| no_snapshot(&name))
}

/// `GET /__admin/snapshots`
pub(super) async fn list(
    State(state): State<AppState>,
) -> Result<Json<Vec<SnapshotInfo>>, ApiError> {
    Ok(Json(snapshots::list(&state.store)?))
}

/// `DELETE /__admin/snapshots/{name}`
pub(super) async fn remove(
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> Result<StatusCode, ApiError> {
    if snapshots::delete(&state.store, checked(&name)?)? {
        Ok(StatusCode::OK)
    } else {
        Err(no_snapshot(&name))
    }
}
