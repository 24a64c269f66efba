//! A user's roles (SPEC §4.6): `GET /users/{id}/roles`,
//! `PUT` and `DELETE /users/{id}/roles/{key}`, under the grant rules of
//! SPEC §1. Nobody changes their own roles.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, put};
use axum::{Json, Router};

use super::access::{require_manages, require_outranks};
use super::middleware::ErrorBody;
use super::org_users::locate_user;
use crate::auth::Caller;
use crate::domain::role::{Role, RoleJson};
use crate::domain::user::parse_roles;
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::accounts::AccountRow;
use crate::store::users::{self, UserRow};
use crate::store::StoreError;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/users/{user}/roles", get(list))
        .route("/users/{user}/roles/{key}", put(grant).delete(revoke))
}

/// `GET /users/{id}/roles`: for anyone who may see the user.
#[utoipa::path(
    get,
    path = "/elements/api-v2/users/{user}/roles",
    operation_id = "listUserRoles",
    tag = "roles",
    summary = "The roles of a user",
    params(("user" = String, Path, description = "All digits: a user id; anything else: an email, compared case-insensitively")),
    responses(
        (status = 200, description = "The user's roles, in catalogue order", body = Vec<RoleJson>),
        (status = 400, description = "A path segment that is not valid UTF-8", body = ErrorBody),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
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
    let (row, account) = locate_user(&state, &caller, &user).await?;
    if row.id != caller.user_id {
        require_manages(&caller, &account)?;
    }
    Ok(Json(row.roles().iter().map(Role::to_json).collect()))
}

/// The checks both changes share, in the order a client learns of them:
/// an unknown key (400), no such user (404), then who may (403).
async fn changeable(
    state: &AppState,
    caller: &Caller,
    user: &str,
    key: &str,
) -> Result<(Role, UserRow, AccountRow), ApiError> {
    let role = parse_roles([key])?
        .pop()
        .ok_or_else(|| ApiError::bad_request(format!("Invalid role: {key}")))?;
    let (row, account) = locate_user(state, caller, user).await?;
    if row.id == caller.user_id {
        return Err(ApiError::forbidden("You may not change your own roles"));
    }
    require_manages(caller, &account)?;
    require_outranks(caller, &account, &row)?;
    Ok((role, row, account))
}

fn not_grantable(role: Role, account: &AccountRow) -> ApiError {
    ApiError::forbidden(format!(
        "You may not grant or revoke the role '{}' for a user of account {}",
        role.key(),
        account.id
    ))
}

/// `PUT /users/{id}/roles/{key}`: 200 with the role; 409 if already held.
#[utoipa::path(
    put,
    path = "/elements/api-v2/users/{user}/roles/{key}",
    operation_id = "grantUserRole",
    tag = "roles",
    summary = "Grant a role to a user",
    description = "Under the grant rules of SPEC §1: `org-admin` by an org-admin to a user of the default account; `admin` by an org-admin or an admin of that account; `org` is automatic and `sys-admin` never granted (403). Nobody changes their own roles (403).",
    params(
        ("user" = String, Path, description = "All digits: a user id; anything else: an email, compared case-insensitively"),
        ("key" = Role, Path, description = "A role key; any other text is 400 (`Invalid role: foo`)"),
    ),
    responses(
        (status = 200, description = "The role granted", body = RoleJson),
        (status = 400, description = "An unknown role key", body = ErrorBody),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
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
    let (role, row, account) = changeable(&state, &caller, &user, &key).await?;
    // Whether the caller may grant it comes first, so that one who may not
    // does not learn whether the user holds it. `org` is automatic: never
    // granted by hand.
    if role == Role::Org || !caller.may_grant(role, account.id, account.is_default) {
        return Err(not_grantable(role, &account));
    }
    let already = || ApiError::conflict(format!("User {} already has the role '{key}'", row.id));
    if row.roles().contains(role) {
        return Err(already());
    }
    let mut tx = state.store.begin_write().await?;
    users::add_role(&mut tx, row.id, role)
        .await
        .map_err(|error| match error {
            StoreError::Conflict(_) => already(),
            other => other.into(),
        })?;
    tx.commit().await?;
    Ok(Json(role.to_json()))
}

/// `DELETE /users/{id}/roles/{key}`: 200 with an empty body; 404 if the
/// user does not hold it.
#[utoipa::path(
    delete,
    path = "/elements/api-v2/users/{user}/roles/{key}",
    operation_id = "revokeUserRole",
    tag = "roles",
    summary = "Revoke a role from a user",
    description = "Under the same rules as granting it.",
    params(
        ("user" = String, Path, description = "All digits: a user id; anything else: an email, compared case-insensitively"),
        ("key" = Role, Path, description = "A role key; any other text is 400 (`Invalid role: foo`)"),
    ),
    responses(
        (status = 200, description = "Revoked; the body is empty"),
        (status = 400, description = "An unknown role key", body = ErrorBody),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
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
    let (role, row, account) = changeable(&state, &caller, &user, &key).await?;
    if role == Role::Org || !caller.may_grant(role, account.id, account.is_default) {
        return Err(not_grantable(role, &account));
    }
    let mut tx = state.store.begin_write().await?;
    if !users::remove_role(&mut tx, row.id, role).await? {
        return Err(ApiError::not_found(format!(
            "User {} does not have the role '{key}'",
            row.id
        )));
    }
    tx.commit().await?;
    Ok(StatusCode::OK)
}
