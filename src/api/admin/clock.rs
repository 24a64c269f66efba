//! `/__admin/clock`: fixing the date used for `createdDate` and
//! `lastLoginDate`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};

use crate::api::extract::JsonBody;
use crate::domain::clock::parse_date;
use crate::error::ApiError;
use crate::state::AppState;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SetClock {
    today: String,
}

#[derive(Debug, Serialize)]
pub struct ClockJson {
    /// The date the server uses now.
    today: String,
    /// Whether it was fixed through `PUT /__admin/clock`.
    fixed: bool,
}

fn current(state: &AppState) -> ClockJson {
    ClockJson {
        today: state.clock.today(),
        fixed: state.clock.fixed().is_some(),
    }
}

/// `GET /__admin/clock`
pub(super) async fn show(State(state): State<AppState>) -> Json<ClockJson> {
    Json(current(&state))
}

/// `PUT /__admin/clock` `{"today": "2020-02-29"}`
pub(super) async fn fix(
    State(state): State<AppState>,
    JsonBody(body): JsonBody<SetClock>,
) -> Result<Json<ClockJson>, ApiError> {
    let date = parse_date(&body.today).ok_or_else(|| {
        ApiError::bad_request(format!("today: '{}' is not a date YYYY-MM-DD", body.today))
    })?;
    state.clock.set(Some(date));
    Ok(Json(current(&state)))
}

/// `DELETE /__admin/clock`: back to the real date.
pub(super) async fn release(State(state): State<AppState>) -> StatusCode {
    state.clock.set(None);
    StatusCode::OK
}
