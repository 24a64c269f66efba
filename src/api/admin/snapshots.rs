//! `/__admin/snapshots`: save the whole state under a name, return to it,
//! list and delete (see `store::snapshots`).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;

use crate::api::middleware::ErrorBody;
use crate::api::state::AppState;
use crate::error::ApiError;
use crate::store::snapshots::{self, SnapshotInfo};

fn checked(name: &str) -> Result<&str, ApiError> {
    snapshots::check_name(name).map_err(ApiError::BadRequest)?;
    Ok(name)
}

fn no_snapshot(name: &str) -> ApiError {
    ApiError::not_found(format!("No snapshot named '{name}'"))
}

/// `PUT /__admin/snapshots/{name}`
#[utoipa::path(
    put,
    path = "/__admin/snapshots/{name}",
    operation_id = "adminSaveSnapshot",
    tag = "admin",
    summary = "Save the whole state",
    description = "Replaces a snapshot of the same name. At most 100 snapshots exist at once. Two saves of one name at once both succeed; the last to finish is kept.",
    params(("name" = String, Path, description = "1 to 64 letters, digits, `.`, `_` or `-`, not starting with `.`", pattern = "^[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}$")),
    responses(
        (status = 200, description = "The saved snapshot", body = SnapshotInfo, links(
            ("RestoreSnapshot" = (operation_id = "adminRestoreSnapshot", parameters(("name" = "$response.body#/name")))),
            ("DeleteSnapshot" = (operation_id = "adminDeleteSnapshot", parameters(("name" = "$response.body#/name")))),
        )),
        (status = 400, description = "A name that is not allowed", body = ErrorBody),
        (status = 409, description = "A new name when there are already 100 snapshots, the most there may be: delete one first, or replace one by saving under its name", body = ErrorBody),
    ),
)]
pub(crate) async fn save(
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> Result<Json<SnapshotInfo>, ApiError> {
    Ok(Json(
        snapshots::save(&state.services.store, checked(&name)?).await?,
    ))
}

/// `POST /__admin/snapshots/{name}/restore`
#[utoipa::path(
    post,
    path = "/__admin/snapshots/{name}/restore",
    operation_id = "adminRestoreSnapshot",
    tag = "admin",
    summary = "Return to a snapshot",
    description = "Replaces the whole state with the snapshot's. Ids handed out since are never handed out again.",
    params(("name" = String, Path, description = "The snapshot's name")),
    responses(
        (status = 200, description = "The restored snapshot", body = SnapshotInfo),
        (status = 400, description = "A name that is not allowed", body = ErrorBody),
        (status = 404, description = "No snapshot of that name", body = ErrorBody),
        (status = 409, description = "The snapshot was made with another schema version", body = ErrorBody),
    ),
)]
pub(crate) async fn restore(
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> Result<Json<SnapshotInfo>, ApiError> {
    snapshots::restore(&state.services.store, checked(&name)?)
        .await?
        .map(Json)
        .ok_or_else(|| no_snapshot(&name))
}

/// `GET /__admin/snapshots`
#[utoipa::path(
    get,
    path = "/__admin/snapshots",
    operation_id = "adminListSnapshots",
    tag = "admin",
    summary = "List snapshots",
    description = "The names of the saved snapshots, in name order.",
    responses((status = 200, description = "Every snapshot, by name", body = Vec<SnapshotInfo>)),
)]
pub(crate) async fn list(
    State(state): State<AppState>,
) -> Result<Json<Vec<SnapshotInfo>>, ApiError> {
    Ok(Json(snapshots::list(&state.services.store)?))
}

/// `DELETE /__admin/snapshots/{name}`
#[utoipa::path(
    delete,
    path = "/__admin/snapshots/{name}",
    operation_id = "adminDeleteSnapshot",
    tag = "admin",
    summary = "Delete a snapshot",
    description = "Deletes the snapshot of this name; 404 when there is none.",
    params(("name" = String, Path, description = "The snapshot's name")),
    responses(
        (status = 200, description = "Deleted; no body"),
        (status = 400, description = "A name that is not allowed", body = ErrorBody),
        (status = 404, description = "No snapshot of that name", body = ErrorBody),
    ),
)]
pub(crate) async fn remove(
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> Result<StatusCode, ApiError> {
    if snapshots::delete(&state.services.store, checked(&name)?)? {
        Ok(StatusCode::OK)
    } else {
        Err(no_snapshot(&name))
    }
}
