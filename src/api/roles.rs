//! A user's roles (docs/api.md#role-endpoints): `GET /users/{id}/roles`, `PUT` and
//! `DELETE /users/{id}/roles/{key}`.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::parse_id;
use super::middleware::ErrorBody;
use super::openapi::{OrgAdminsOnly, Unauthenticated};
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
        .routes(routes!(list_of_account))
        .routes(routes!(grant_to_account, revoke_from_account))
}

/// `GET /users/{id}/roles`: for anyone who may see the user.
#[utoipa::path(
    get,
    path = "/users/{user}/roles",
    operation_id = "listUserRoles",
    tag = "roles",
    summary = "The roles of a user",
    description = "The roles the user holds, directly, in the caller's organization.",
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

/// `GET /accounts/{id}/roles`
#[utoipa::path(
    get,
    path = "/accounts/{id}/roles",
    operation_id = "listAccountRoles",
    tag = "roles",
    summary = "The roles of an account",
    description = "Every user created in the account afterwards starts with these roles, beside any the create asks for. Org-admins only (401 for anyone else).",
    params(("id" = i64, Path, description = "The account id", minimum = 1)),
    responses(
        (status = 200, description = "The account's roles, in catalogue order", body = Vec<RoleJson>),
        (status = 400, description = "An account id that is not a number", body = ErrorBody),
        OrgAdminsOnly,
        (status = 403, description = "An account of another organization", body = ErrorBody),
        (status = 404, description = "No such account", body = ErrorBody),
    ),
    security(("Authorization" = [])),
)]
async fn list_of_account(
    State(state): State<AppState>,
    caller: Caller,
    Path(account): Path<String>,
) -> Result<Json<Vec<RoleJson>>, ApiError> {
    let account = parse_id("account id", &account)?;
    let roles = roles::list_of_account(&state.services, &caller, account).await?;
    Ok(Json(roles.into_iter().map(RoleJson::from).collect()))
}

/// `PUT /accounts/{id}/roles/{key}`
#[utoipa::path(
    put,
    path = "/accounts/{id}/roles/{key}",
    operation_id = "grantAccountRole",
    tag = "roles",
    summary = "Give an account a role",
    description = "Users created in the account afterwards start with it. Org-admins only; under the grant rules as for a user of the account (`org-admin` only on the default account, `org` and `sys-admin` never: 403). The key is checked first: an unknown one is 400 even on another organization's account.",
    params(
        ("id" = i64, Path, description = "The account id", minimum = 1),
        ("key" = RoleKey, Path, description = "A role key; any other text is 400 (`Invalid role: foo`)"),
    ),
    responses(
        (status = 200, description = "The role given", body = RoleJson),
        (status = 400, description = "An unknown role key, or an account id that is not a number", body = ErrorBody),
        OrgAdminsOnly,
        (status = 403, description = "An account of another organization, or a role that cannot be given here", body = ErrorBody),
        (status = 404, description = "No such account", body = ErrorBody),
        (status = 409, description = "The account has the role already", body = ErrorBody),
    ),
    security(("Authorization" = [])),
)]
async fn grant_to_account(
    State(state): State<AppState>,
    caller: Caller,
    Path((account, key)): Path<(String, String)>,
) -> Result<Json<RoleJson>, ApiError> {
    let account = parse_id("account id", &account)?;
    let role = roles::grant_to_account(&state.services, &caller, account, &key).await?;
    Ok(Json(role.into()))
}

/// `DELETE /accounts/{id}/roles/{key}`
#[utoipa::path(
    delete,
    path = "/accounts/{id}/roles/{key}",
    operation_id = "revokeAccountRole",
    tag = "roles",
    summary = "Take a role from an account",
    description = "Users created before keep theirs. Under the same rules as giving it.",
    params(
        ("id" = i64, Path, description = "The account id", minimum = 1),
        ("key" = RoleKey, Path, description = "A role key; any other text is 400 (`Invalid role: foo`)"),
    ),
    responses(
        (status = 200, description = "Taken; the body is empty"),
        (status = 400, description = "An unknown role key, or an account id that is not a number", body = ErrorBody),
        OrgAdminsOnly,
        (status = 403, description = "An account of another organization, or a role that cannot be given here", body = ErrorBody),
        (status = 404, description = "No such account, or the account does not have the role", body = ErrorBody),
    ),
    security(("Authorization" = [])),
)]
async fn revoke_from_account(
    State(state): State<AppState>,
    caller: Caller,
    Path((account, key)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let account = parse_id("account id", &account)?;
    roles::revoke_from_account(&state.services, &caller, account, &key).await?;
    Ok(StatusCode::OK)
}
