//! `GET` and `DELETE /__admin/requests`: the request journal.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;

use crate::api::journal::{JournalEntry, JournalFilter};
use crate::error::ApiError;
use crate::state::AppState;

/// Filters, as text so that a bad value gets a message naming it.
#[derive(Debug, Deserialize)]
pub struct RequestsQuery {
    method: Option<String>,
    path: Option<String>,
    status: Option<String>,
    limit: Option<String>,
}

/// `GET /__admin/requests`: newest first.
pub(super) async fn list(
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
pub(super) async fn clear(State(state): State<AppState>) -> StatusCode {
    state.journal.clear();
    StatusCode::OK
}
