//! `GET` and `DELETE /__admin/requests`: the request journal.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;

use crate::api::journal::{JournalEntry, JournalFilter};
use crate::api::middleware::ErrorBody;
use crate::api::state::AppState;
use crate::error::ApiError;

/// Filters, as text so that a bad value gets a message naming it.
#[derive(Debug, Deserialize)]
pub struct RequestsQuery {
    method: Option<String>,
    path: Option<String>,
    status: Option<String>,
    limit: Option<String>,
}

/// `GET /__admin/requests`: newest first.
#[utoipa::path(
    get,
    path = "/__admin/requests",
    operation_id = "adminListRequests",
    tag = "admin",
    summary = "The request journal",
    description = "The most recent requests to the emulated API (not `/__admin`), newest first, bounded by `--journal-size` entries and `--journal-bytes` bytes (the oldest go first; an entry larger than the whole budget is kept with its query, then its path, cut to fit and ending in `[truncated]`). Never a header or a body; password- and secret-like query values blanked.",
    params(
        ("method" = Option<String>, Query, description = "Only this method (any case)"),
        ("path" = Option<String>, Query, description = "Only paths starting with this, with or without `/elements/api-v2`"),
        ("status" = Option<u16>, Query, description = "Only this status", minimum = 100, maximum = 599),
        ("limit" = Option<u32>, Query, description = "At most this many", minimum = 1),
    ),
    responses(
        (status = 200, description = "Journal entries, newest first", body = Vec<JournalEntry>),
        (status = 400, description = "A `status` or `limit` that is not a number in range", body = ErrorBody),
    ),
)]
pub(crate) async fn list(
    State(state): State<AppState>,
    Query(query): Query<RequestsQuery>,
) -> Result<Json<Vec<JournalEntry>>, ApiError> {
    let status = query
        .status
        .map(|text| {
            text.parse::<u16>()
                .ok()
                .filter(|status| (100..=599).contains(status))
                .ok_or_else(|| {
                    ApiError::bad_request(format!("Invalid status '{text}': expected 100 to 599"))
                })
        })
        .transpose()?;
    let limit = query
        .limit
        .map(|text| {
            text.parse::<usize>()
                .ok()
                .filter(|limit| *limit >= 1)
                .ok_or_else(|| {
                    ApiError::bad_request(format!(
                        "Invalid limit '{text}': expected a positive integer"
                    ))
                })
        })
        .transpose()?;
    let filter = JournalFilter {
        method: query.method,
        path_prefix: query.path,
        status,
        limit,
    };
    Ok(Json(state.journal.list(&filter)))
}

/// `DELETE /__admin/requests`: empties the journal.
#[utoipa::path(
    delete,
    path = "/__admin/requests",
    operation_id = "adminClearRequests",
    tag = "admin",
    summary = "Empty the request journal",
    responses((status = 200, description = "Emptied; no body")),
)]
pub(crate) async fn clear(State(state): State<AppState>) -> StatusCode {
    state.journal.clear();
    StatusCode::OK
}
