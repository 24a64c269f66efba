//! The organization-wide user endpoints of SPEC §4.6: `/users` and
//! `/users/{emailOrId}`. They resolve the user's account and then apply the
//! same rules and code as the account paths.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::get;
use axum::Router;

use super::access::require_manages;
use super::extract::JsonBody;
use super::middleware::ErrorBody;
use super::paging::ListParams;
use super::users::{self, list_users, user_key};
use super::wire::{PatchUserBody, RawJson, UserJson};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::accounts::{self, AccountRow};
use crate::store::users::{self as user_store, UserKey, UserRow, UserScope};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/users", get(list))
        .route("/users/{user}", get(show).patch(update).delete(remove))
}

/// The user an organization-wide path names, and its account. A user id of
/// another organization is 403, as for any user the caller may not touch;
/// no such user is 404. Emails are only ever looked up in the caller's own
/// organization.
pub(crate) async fn locate_user(
    state: &AppState,
    caller: &Caller,
    text: &str,
) -> Result<(UserRow, AccountRow), ApiError> {
    let key = user_key(text);
    // Only an org-admin may learn that a user does not exist: to anyone
    // else a missing user looks like one they may not see, so that the
    // answers cannot be used to find out which emails or ids exist.
    let missing = || {
        if caller.is_org_admin() {
            ApiError::not_found(format!("No user '{text}' found"))
        } else {
            ApiError::forbidden(format!("You may not access user '{text}'"))
        }
    };
    if let UserKey::Id(id) = key {
        match user_store::organization_of(state.store.reader(), id).await? {
            None => return Err(missing()),
            Some(organization) if organization != caller.organization_id => {
                return Err(ApiError::forbidden(format!("You may not access user {id}")))
            }
            Some(_) => {}
        }
    }
    let row = user_store::find(
        state.store.reader(),
        UserScope::Organization(caller.organization_id),
        &key,
    )
    .await?
    .ok_or_else(missing)?;
    let account = accounts::find(state.store.reader(), row.account_id)
        .await?
        .ok_or_else(|| ApiError::internal("a user's account is missing"))?;
    Ok((row, account))
}

/// `GET /users`: an org-admin sees the whole organization, an admin their
/// own account; anyone else may not list.
#[utoipa::path(
    get,
    path = "/elements/api-v2/users",
    operation_id = "listUsers",
    tag = "organization users",
    summary = "List the users of the caller's organization",
    description = "An org-admin sees every user of the organization, an admin the users of their own account; ordered by id ascending, paged as `GET /accounts/{id}/users`.",
    params(ListParams),
    responses(
        (status = 200, description = "One page of users, without secrets", body = Vec<UserJson>, headers(
            ("Elements-Total-Count" = i64, description = "How many users match `where` in all pages"),
            ("Elements-Returned-Count" = i64, description = "How many users are in this answer"),
            ("Elements-Next-Page-Token" = String, description = "Present only when more results follow: pass it as `nextPage` (with the same `where`)"),
        )),
        (status = 400, description = "A bad `offset`, `pageSize`, `nextPage` or `where`", body = ErrorBody),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 403, description = "The caller is not an administrator", body = ErrorBody),
    ),
    security(("Authorization" = [])),
)]
async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Query(params): Query<ListParams>,
) -> Result<(HeaderMap, RawJson), ApiError> {
    let scope = if caller.is_org_admin() {
        UserScope::Organization(caller.organization_id)
    } else if caller.is_admin_of(caller.account_id) {
        UserScope::Account(caller.account_id)
    } else {
        return Err(ApiError::forbidden("Only administrators may list users"));
    };
    list_users(&state, scope, params).await
}

/// `GET /users/{emailOrId}` (with `Elements-User-Password` as in SPEC §4.2).
#[utoipa::path(
    get,
    path = "/elements/api-v2/users/{user}",
    operation_id = "getUser",
    tag = "organization users",
    summary = "Get one user of the organization, by id or email",
    description = "A manager of the user's account sees the user; anyone else only themselves.",
    params(
        ("user" = String, Path, description = "All digits: a user id; anything else: an email, compared case-insensitively"),
        ("Elements-User-Password" = Option<String>, Header, nullable = false, description = "That user's password: when correct the answer includes `secret`; when wrong the answer is 401"),
    ),
    responses(
        (status = 200, description = "The user; with `secret` only when `Elements-User-Password` was given and correct", body = UserJson),
        (status = 400, description = "A path segment that is not valid UTF-8", body = ErrorBody),
        (status = 401, description = "Missing or invalid credentials, or a wrong `Elements-User-Password`", body = ErrorBody),
        (status = 403, description = "The user belongs to another organization, or the caller may not see them", body = ErrorBody),
        (status = 404, description = "No such user", body = ErrorBody),
    ),
    security(("Authorization" = [])),
)]
async fn show(
    State(state): State<AppState>,
    caller: Caller,
    Path(user): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let (row, account) = locate_user(&state, &caller, &user).await?;
    users::show_user(&state, &caller, &account, &UserKey::Id(row.id), &headers).await
}

/// `PATCH /users/{id}`
#[utoipa::path(
    patch,
    path = "/elements/api-v2/users/{user}",
    operation_id = "updateUser",
    tag = "organization users",
    summary = "Update a user of the organization",
    description = "As `PATCH /accounts/{id}/users/{userId}`, for the user's own account.",
    params(("user" = String, Path, description = "All digits: a user id; anything else: an email, compared case-insensitively")),
    request_body(content = PatchUserBody, description = "The fields to change", content_type = "application/json"),
    responses(
        (status = 200, description = "The updated user, without its secret", body = UserJson),
        (status = 400, description = "A body that is not a JSON object, a blank field, a bad email or an unknown role key", body = ErrorBody),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 403, description = "The user belongs to another organization, the caller may not manage the user's account or grant or revoke one of the roles, or tried to change their own roles", body = ErrorBody),
        (status = 404, description = "No such user", body = ErrorBody),
        (status = 409, description = "The email is already taken in the organization", body = ErrorBody),
        (status = 413, description = "The body is larger than 1 MiB", body = ErrorBody),
        (status = 415, description = "The body is not `application/json`", body = ErrorBody),
    ),
    security(("Authorization" = [])),
)]
async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Path(user): Path<String>,
    JsonBody(body): JsonBody<PatchUserBody>,
) -> Result<Response, ApiError> {
    let (row, account) = locate_user(&state, &caller, &user).await?;
    require_manages(&caller, &account)?;
    users::update_user(&state, &caller, &account, row.id, body).await
}

/// `DELETE /users/{id}`: 200 with an empty body.
#[utoipa::path(
    delete,
    path = "/elements/api-v2/users/{user}",
    operation_id = "deleteUser",
    tag = "organization users",
    summary = "Delete a user of the organization",
    description = "Permanent; the user's secret stops working at once.",
    params(("user" = String, Path, description = "All digits: a user id; anything else: an email, compared case-insensitively")),
    responses(
        (status = 200, description = "Deleted; the body is empty"),
        (status = 400, description = "A path segment that is not valid UTF-8", body = ErrorBody),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 403, description = "The user belongs to another organization, or the caller may not manage the user's account", body = ErrorBody),
        (status = 404, description = "No such user", body = ErrorBody),
    ),
    security(("Authorization" = [])),
)]
async fn remove(
    State(state): State<AppState>,
    caller: Caller,
    Path(user): Path<String>,
) -> Result<StatusCode, ApiError> {
    let (row, account) = locate_user(&state, &caller, &user).await?;
    require_manages(&caller, &account)?;
    users::delete_user(&state, &caller, &account, row.id).await
}
