//! `/__admin/faults`: adding, listing and removing fault rules.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;

use crate::api::extract::{parse_id, JsonBody};
use crate::api::faults::{AddError, FaultRule, NewFaultRule};
use crate::api::middleware::ErrorBody;
use crate::api::openapi::JsonBodyErrors;
use crate::api::state::AppState;
use crate::error::ApiError;

/// `POST /__admin/faults`: the stored rule, with its id.
#[utoipa::path(
    post,
    path = "/__admin/faults",
    operation_id = "adminAddFault",
    tag = "admin",
    summary = "Add a fault rule",
    description = "Matching requests to the emulated API wait `delayMs`, then answer `status` in the error shape (message `Injected fault`), or proceed normally when no status is given. Applied before authentication; the first matching rule decides. At most 1000 rules exist at once.",
    request_body(content = NewFaultRule, content_type = "application/json"),
    responses(
        (status = 200, description = "The stored rule", body = FaultRule, links(
            ("DeleteFault" = (operation_id = "adminDeleteFault", parameters(("id" = "$response.body#/id")))),
        )),
        (status = 400, description = "A rule that is not valid; the message names the field", body = ErrorBody),
        (status = 409, description = "There are already 1000 rules, the most there may be: remove one (`DELETE /__admin/faults/{id}`) or all (`DELETE /__admin/faults`) first", body = ErrorBody),
        JsonBodyErrors,
    ),
)]
pub(crate) async fn add(
    State(state): State<AppState>,
    JsonBody(rule): JsonBody<NewFaultRule>,
) -> Result<Json<FaultRule>, ApiError> {
    let rule = state.faults.add(rule).map_err(|error| match error {
        AddError::Invalid(message) => ApiError::BadRequest(message),
        full @ AddError::Full => ApiError::Conflict(full.to_string()),
    })?;
    if state.faults.needs_compiling() {
        // Tens of milliseconds for a thousand rules: not on an async worker.
        // Awaited, so that a script adding rules cannot start builds faster
        // than they finish; the rule is in force either way.
        let faults = state.faults.clone();
        let _ = tokio::task::spawn_blocking(move || faults.compile()).await;
    }
    Ok(Json(rule))
}

/// `GET /__admin/faults`
#[utoipa::path(
    get,
    path = "/__admin/faults",
    operation_id = "adminListFaults",
    tag = "admin",
    summary = "List fault rules",
    description = "Every fault rule in force, oldest first, with how many matches each has left.",
    responses((status = 200, description = "The rules, in the order they are tried", body = Vec<FaultRule>)),
)]
pub(crate) async fn list(State(state): State<AppState>) -> Json<Vec<FaultRule>> {
    Json(state.faults.list())
}

/// `DELETE /__admin/faults/{id}`
#[utoipa::path(
    delete,
    path = "/__admin/faults/{id}",
    operation_id = "adminDeleteFault",
    tag = "admin",
    summary = "Remove a fault rule",
    description = "Removes the rule with this id; 404 when there is none (any more).",
    params(("id" = i64, Path, description = "The rule's id", minimum = 0)),
    responses(
        (status = 200, description = "Removed; no body"),
        (status = 400, description = "An id that is not a number", body = ErrorBody),
        (status = 404, description = "No such rule (or it expired)", body = ErrorBody),
    ),
)]
pub(crate) async fn remove(
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
#[utoipa::path(
    delete,
    path = "/__admin/faults",
    operation_id = "adminClearFaults",
    tag = "admin",
    summary = "Remove every fault rule",
    description = "Removes every fault rule: the emulated API answers normally again.",
    responses((status = 200, description = "Removed; no body")),
)]
pub(crate) async fn clear(State(state): State<AppState>) -> StatusCode {
    state.faults.clear();
    StatusCode::OK
}
