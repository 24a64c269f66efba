//! `/__admin/faults`: adding, listing and removing fault rules.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;

use crate::api::extract::{parse_id, JsonBody};
use crate::api::faults::{FaultRule, NewFaultRule};
use crate::error::ApiError;
use crate::state::AppState;

/// `POST /__admin/faults`: the stored rule, with its id.
pub(super) async fn add(
    State(state): State<AppState>,
    JsonBody(rule): JsonBody<NewFaultRule>,
) -> Result<Json<FaultRule>, ApiError> {
    state
        .faults
        .add(rule)
        .map(Json)
        .map_err(ApiError::BadRequest)
}

/// `GET /__admin/faults`
pub(super) async fn list(State(state): State<AppState>) -> Json<Vec<FaultRule>> {
    Json(state.faults.list())
}

/// `DELETE /__admin/faults/{id}`
pub(super) async fn remove(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id = parse_id("fault id", &id)?;
    if state.faults.remove(id as u64) {
        Ok(StatusCode::OK)
    } else {
        Err(ApiError::not_found(format!("No fault rule with id {id}")))
    }
}

/// `DELETE /__admin/faults`: every rule.
pub(super) async fn clear(State(state): State<AppState>) -> StatusCode {
    state.faults.clear();
    StatusCode::OK
}
