//! `/__admin/clock`: fixing the date used for `createdDate` and
//! `lastLoginDate`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::api::extract::JsonBody;
use crate::api::middleware::ErrorBody;
use crate::api::openapi::JsonBodyErrors;
use crate::api::state::AppState;
use crate::domain::clock::parse_date;
use crate::error::ApiError;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetClock {
    /// `YYYY-MM-DD`
    #[schema(format = Date)]
    today: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ClockJson {
    /// The date the server uses now.
    #[schema(format = Date)]
    today: String,
    /// Whether it was fixed through `PUT /__admin/clock`.
    fixed: bool,
}

fn current(state: &AppState) -> ClockJson {
    ClockJson {
        today: state.services.clock.today(),
        fixed: state.services.clock.fixed().is_some(),
    }
}

/// `GET /__admin/clock`
#[utoipa::path(
    get,
    path = "/__admin/clock",
    operation_id = "adminGetClock",
    tag = "admin",
    summary = "The date the server uses",
    description = "The fixed date set by `PUT /clock`, or the real date (UTC) when none is fixed.",
    responses((status = 200, description = "Today, and whether it is fixed", body = ClockJson)),
)]
pub(crate) async fn show(State(state): State<AppState>) -> Json<ClockJson> {
    Json(current(&state))
}

/// `PUT /__admin/clock` `{"today": "2020-02-29"}`
#[utoipa::path(
    put,
    path = "/__admin/clock",
    operation_id = "adminSetClock",
    tag = "admin",
    summary = "Fix the date",
    description = "The date used for `createdDate` and `lastLoginDate` from now on.",
    request_body(content = SetClock, content_type = "application/json"),
    responses(
        (status = 200, description = "The fixed date", body = ClockJson),
        (status = 400, description = "Not a date `YYYY-MM-DD`, or not a JSON object with only `today`", body = ErrorBody),
        JsonBodyErrors,
    ),
)]
pub(crate) async fn fix(
    State(state): State<AppState>,
    JsonBody(body): JsonBody<SetClock>,
) -> Result<Json<ClockJson>, ApiError> {
    // Year 0 would print as a date no client can read back.
    let date = parse_date(&body.today)
        .filter(|date| date.year() >= 1)
        .ok_or_else(|| {
            ApiError::bad_request(format!(
                "today: '{}' is not a date YYYY-MM-DD from 0001-01-01 to 9999-12-31",
                body.today
            ))
        })?;
    state.services.clock.set(Some(date));
    Ok(Json(current(&state)))
}

/// `DELETE /__admin/clock`: back to the real date.
#[utoipa::path(
    delete,
    path = "/__admin/clock",
    operation_id = "adminReleaseClock",
    tag = "admin",
    summary = "Return to the real date",
    description = "Forgets the date fixed by `PUT /clock`: `createdDate` and `lastLoginDate` follow the real date (UTC) again.",
    responses((status = 200, description = "Released; no body")),
)]
pub(crate) async fn release(State(state): State<AppState>) -> StatusCode {
    state.services.clock.set(None);
    StatusCode::OK
}
