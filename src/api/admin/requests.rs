//! `GET` and `DELETE /__admin/requests`: the request journal.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

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
    description = "The most recent requests to the emulated API (`/elements/api-v2`; nothing else), newest first, bounded by `--journal-size` entries and `--journal-bytes` bytes (the oldest go first; an entry larger than the whole budget is kept with its bodies, then its query, then its path, cut to fit and ending in `[truncated]`). Never a header; credential-like query values blanked. The JSON bodies only with `--journal-bodies`, every credential-like field `\"[redacted]\"`.",
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
    Ok(Json(state.journal.list(&query.filter()?)))
}

/// How many requests match: `{"count": N}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct RequestCount {
    #[schema(minimum = 0)]
    pub count: usize,
}

/// `GET /__admin/requests/count`: how many journal entries match, so that
/// a test can check "this was called twice" without reading them.
#[utoipa::path(
    get,
    path = "/__admin/requests/count",
    operation_id = "adminCountRequests",
    tag = "admin",
    summary = "Count the journal's requests",
    description = "How many entries `GET /__admin/requests` would answer with the same filters, within the journal's bounds.",
    params(
        ("method" = Option<String>, Query, description = "Only this method (any case)"),
        ("path" = Option<String>, Query, description = "Only paths starting with this, with or without `/elements/api-v2`"),
        ("status" = Option<u16>, Query, description = "Only this status", minimum = 100, maximum = 599),
        ("limit" = Option<u32>, Query, description = "At most this many", minimum = 1),
    ),
    responses(
        (status = 200, description = "The number of matching entries", body = RequestCount),
        (status = 400, description = "A `status` or `limit` that is not a number in range", body = ErrorBody),
    ),
)]
pub(crate) async fn count(
    State(state): State<AppState>,
    Query(query): Query<RequestsQuery>,
) -> Result<Json<RequestCount>, ApiError> {
    Ok(Json(RequestCount {
        count: state.journal.count(&query.filter()?),
    }))
}

impl RequestsQuery {
    /// The filters, checked (400 for a bad `status` or `limit`).
    fn filter(self) -> Result<JournalFilter, ApiError> {
        let query = self;
        let status = query
            .status
            .map(|text| {
                text.parse::<u16>()
                    .ok()
                    .filter(|status| (100..=599).contains(status))
                    .ok_or_else(|| {
                        ApiError::bad_request(format!(
                            "Invalid status '{text}': expected 100 to 599"
                        ))
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
        Ok(JournalFilter {
            method: query.method,
            path_prefix: query.path,
            status,
            limit,
        })
    }
}

/// `DELETE /__admin/requests`: empties the journal.
#[utoipa::path(
    delete,
    path = "/__admin/requests",
    operation_id = "adminClearRequests",
    tag = "admin",
    summary = "Empty the request journal",
    description = "Forgets every recorded request.",
    responses((status = 200, description = "Emptied; no body")),
)]
pub(crate) async fn clear(State(state): State<AppState>) -> StatusCode {
    state.journal.clear();
    StatusCode::OK
}
