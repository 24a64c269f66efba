//! `POST /__admin/seed`: fixtures over HTTP (see `service::fixtures`).

use axum::body::Bytes;
use axum::extract::State;
use axum::Json;

use crate::api::middleware::ErrorBody;
use crate::api::state::AppState;
use crate::error::ApiError;
use crate::service::fixtures::plan::FixtureFile;
use crate::service::fixtures::{self, SeedReport};
use crate::service::organizations;

/// `POST /__admin/seed`: adds the fixture's organizations, all or nothing.
#[utoipa::path(
    post,
    path = "/__admin/seed",
    operation_id = "adminSeed",
    tag = "admin",
    summary = "Load a fixture",
    description = "Adds the fixture's organizations in one transaction: any error changes nothing. Unknown keys are refused. Bodies up to 64 MiB; the Content-Type is not checked.",
    request_body(content = FixtureFile, description = "The fixture", content_type = "application/json"),
    responses(
        (status = 200, description = "Every created id and secret", body = SeedReport),
        (status = 400, description = "An invalid fixture; the message names the offending path, e.g. `organizations[0].accounts[1].users[3].email: duplicate`", body = ErrorBody),
        (status = 413, description = "The body is larger than 64 MiB", body = ErrorBody),
    ),
)]
pub(super) async fn load(
    State(state): State<AppState>,
    body: Bytes,
) -> Result<Json<SeedReport>, ApiError> {
    let source = fixtures::Source::Bytes(body);
    Ok(Json(organizations::seed(&state.services, source).await?))
}
