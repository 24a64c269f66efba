//! A user's roles (docs/api.md#role-endpoints): `GET /users/{id}/roles`, `PUT` and
//! `DELETE /users/{id}/roles/{key}`.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::middleware::ErrorBody;
use super::openapi::Unauthenticated;
use super::state::AppState;
use super::wire::RoleJson;
use crate::domain::access::Caller;
use crate::error::ApiError;
use crate::service::fixtures::plan::RoleKey;
use crate::service::roles;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(grant, revoke))
}

/// `GET /users/{id}/roles`: for anyone who may see the user.
#[utoipa::path(
    get,
    path = "/users/{user}/roles",
    operation_id = "listUserRoles",
    tag = "roles",
    summary = "The roles of a user",
    params(("user" = String, Path, description = "All digits: a user id; anything else: an email, compared case-insensitively")),
    responses(
        (status = 200, description = "The user's roles, in catalogue order", body = Vec<RoleJson>),
        (status = 400, description = "A path segment that is not valid UTF-8", body = ErrorBody),
        Unauthenticated,
        (status = 403, description = "The user belongs to another organization, or the caller may not see them", body = ErrorBody),
        (status = 404, description = "No such user", body = ErrorBody),
    ),
    security(("Authorization" = [])),
)]
async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Path(user): Path<String>,
) -> Result<Json<Vec<RoleJson>>, ApiError> {
    let roles = roles::list(&state.services, &caller, &user).await?;
    Ok(Json(roles.into_iter().map(RoleJson::from).collect()))
}

/// `PUT /users/{id}/roles/{key}`: 200 with the role; 409 if already held.
#[utoipa::path(
    put,
    path = "/users/{user}/roles/{key}",
    operation_id = "grantUserRole",
    tag = "roles",
    summary = "Grant a role to a user",
    description = "Under the grant rules: `org-admin` by an org-admin to a user of the default account; `admin` by an org-admin or an admin of that account; `org` is automatic and `sys-admin` never granted (403). Nobody changes their own roles (403).",
    params(
        ("user" = String, Path, description = "All digits: a user id; anything else: an email, compared case-insensitively"),
        ("key" = RoleKey, Path, description = "A role key; any other text is 400 (`Invalid role: foo`)"),
    ),
    responses(
        (status = 200, description = "The role granted", body = RoleJson),
        (status = 400, description = "An unknown role key", body = ErrorBody),
        Unauthenticated,
        (status = 403, description = "The user belongs to another organization or is the caller, or the caller may not grant that role to them", body = ErrorBody),
        (status = 404, description = "No such user", body = ErrorBody),
        (status = 409, description = "The user already has the role", body = ErrorBody),
    ),
    security(("Authorization" = [])),
)]
async fn grant(
    State(state): State<AppState>,
    caller: Caller,
    Path((user, key)): Path<(String, String)>,
) -> Result<Json<RoleJson>, ApiError> {
    let role = roles::grant(&state.services, &caller, &user, &key).await?;
    Ok(Json(role.into()))
}

/// `DELETE /users/{id}/roles/{key}`: 200 with an empty body; 404 if the
/// user does not hold it.
#[utoipa::path(
    delete,
    path = "/users/{user}/roles/{key}",
    operation_id = "revokeUserRole",
    tag = "roles",
    summary = "Revoke a role from a user",
    description = "Under the same rules as granting it.",
    params(
        ("user" = String, Path, description = "All digits: a user id; anything else: an email, compared case-insensitively"),
        ("key" = RoleKey, Path, description = "A role key; any other text is 400 (`Invalid role: foo`)"),
    ),
    responses(
        (status = 200, description = "Revoked; the body is empty"),
        (status = 400, description = "An unknown role key", body = ErrorBody),
        Unauthenticated,
        (status = 403, description = "The user belongs to another organization or is the caller, or the caller may not revoke that role from them", body = ErrorBody),
        (status = 404, description = "No such user, or the user does not have the role", body = ErrorBody),
    ),
    security(("Authorization" = [])),
)]
async fn revoke(
    State(state): State<AppState>,
    caller: Caller,
    Path((user, key)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    roles::revoke(&state.services, &caller, &user, &key).await?;
    Ok(StatusCode::OK)
}
