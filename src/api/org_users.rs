//! The organization-wide user endpoints of SPEC §4.6: `/users` and
//! `/users/{emailOrId}`. They resolve the user's account and then apply the
//! same rules and code as the account paths.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::get;
use axum::Router;

use super::extract::JsonBody;
use super::paging::ListParams;
use super::users::{self, list_users, require_manages, user_key};
use super::wire::{PatchUserBody, RawJson};
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
    let missing = || ApiError::not_found(format!("No user '{text}' found"));
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
async fn remove(
    State(state): State<AppState>,
    caller: Caller,
    Path(user): Path<String>,
) -> Result<StatusCode, ApiError> {
    let (row, account) = locate_user(&state, &caller, &user).await?;
    require_manages(&caller, &account)?;
    users::delete_user(&state, &account, row.id).await
}
