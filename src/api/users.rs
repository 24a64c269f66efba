//! The five account-user endpoints of SPEC §4.1–4.5.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use super::access::{managed_account, require_outranks, visible, visible_account};
use super::extract::{parse_id, JsonBody};
use super::filter::compile_filter;
use super::middleware::ErrorBody;
use super::paging::{ListParams, ListQuery};
use super::wire::{
    user_response, CreateUserBody, PatchUserBody, RawJson, RoleRef, UserJson, WithSecret,
};
use crate::auth::Caller;
use crate::ceql::Scope;
use crate::domain::password::Password;
use crate::domain::role::{Role, RoleSet};
use crate::domain::secret::Secret;
use crate::domain::user::{self, Address, Email, NewUser};
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::accounts::AccountRow;
use crate::store::users::{self, UserChanges, UserKey, UserRecord, UserRow, UserScope};

pub const USER_PASSWORD_HEADER: &str = "elements-user-password";

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/accounts/{id}/users", get(list).post(create))
        .route(
            "/accounts/{id}/users/{user}",
            get(show).patch(update).delete(remove),
        )
}

/// `GET /accounts/{id}/users`
#[utoipa::path(
    get,
    path = "/elements/api-v2/accounts/{id}/users",
    operation_id = "listAccountUsers",
    tag = "account users",
    summary = "List the users of an account",
    description = "Users ordered by id ascending, one page at a time (SPEC §4.1). For an org-admin, or an admin of that account.",
    params(
        ("id" = i64, Path, description = "The account id", minimum = 0),
        ListParams,
    ),
    responses(
        (status = 200, description = "One page of users, without secrets", body = Vec<UserJson>, headers(
            ("Elements-Total-Count" = i64, description = "How many users match `where` in all pages"),
            ("Elements-Returned-Count" = i64, description = "How many users are in this answer"),
            ("Elements-Next-Page-Token" = String, description = "Present only when more results follow: pass it as `nextPage` (with the same `where`)"),
        )),
        (status = 400, description = "An account id that is not a number, a bad `offset`, `pageSize`, `nextPage` or `where`", body = ErrorBody),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 403, description = "The account belongs to another organization, or the caller may not manage its users", body = ErrorBody),
        (status = 404, description = "No such account, or the account has no users at all (`No users found`)", body = ErrorBody),
    ),
    security(("Authorization" = [])),
)]
async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Path(account_id): Path<String>,
    Query(params): Query<ListParams>,
) -> Result<(HeaderMap, RawJson), ApiError> {
    let account = managed_account(&state, &caller, &account_id).await?;
    list_users(&state, UserScope::Account(account.id), params).await
}

/// One page of the users in `scope` (SPEC §4.1), shared by the account and
/// the organization-wide lists.
pub(crate) async fn list_users(
    state: &AppState,
    scope: UserScope,
    params: ListParams,
) -> Result<(HeaderMap, RawJson), ApiError> {
    let token_scope = match scope {
        UserScope::Account(id) => format!("users:account:{id}"),
        UserScope::Organization(id) => format!("users:organization:{id}"),
    };
    let query = ListQuery::parse(params, &token_scope, &state.tokens)?;
    let filter = compile_filter(query.filter.as_deref(), Scope::Users)?;
    // One read transaction: the page and its count see the same snapshot.
    let generation = state.store.generation();
    let mut tx = state.store.read().await?;
    let page = users::list(&mut tx, scope, filter.as_ref(), query.page).await?;
    let store = &state.store;
    let total = users::count_cached(store, &mut tx, generation, scope, filter.as_ref()).await?;
    // Documented behaviour of the real service: an account with no users
    // at all is 404, while a filter that matches nothing is an empty page.
    if total == 0
        && (filter.is_none()
            || users::count_cached(store, &mut tx, generation, scope, None).await? == 0)
    {
        return Err(ApiError::not_found("No users found"));
    }
    tx.commit().await?;
    let headers = query.headers(
        total,
        page.returned,
        page.next_after,
        &token_scope,
        &state.tokens,
    );
    Ok((headers, RawJson(page.body)))
}

/// A path segment naming a user: all digits is an id, anything else an email.
pub(crate) fn user_key(text: &str) -> UserKey {
    match text.parse::<i64>() {
        Ok(id) if text.bytes().all(|byte| byte.is_ascii_digit()) => UserKey::Id(id),
        _ => UserKey::Email(text.to_owned()),
    }
}

/// `GET /accounts/{id}/users/{emailOrId}`
#[utoipa::path(
    get,
    path = "/elements/api-v2/accounts/{id}/users/{user}",
    operation_id = "getAccountUser",
    tag = "account users",
    summary = "Get one user of an account, by id or email",
    description = "A manager of the account (org-admin, or admin of it) sees any of its users; anyone else only themselves (SPEC §4.2).",
    params(
        ("id" = i64, Path, description = "The account id", minimum = 0),
        ("user" = String, Path, description = "All digits: a user id; anything else: an email, compared case-insensitively"),
        ("Elements-User-Password" = Option<String>, Header, nullable = false, description = "That user's password: when correct the answer includes `secret`; when wrong the answer is 401"),
    ),
    responses(
        (status = 200, description = "The user; with `secret` only when `Elements-User-Password` was given and correct", body = UserJson),
        (status = 400, description = "An account id that is not a number", body = ErrorBody),
        (status = 401, description = "Missing or invalid credentials, or a wrong `Elements-User-Password`", body = ErrorBody),
        (status = 403, description = "The account belongs to another organization, or the caller may see only their own record", body = ErrorBody),
        (status = 404, description = "No such account, or no such user in it", body = ErrorBody),
    ),
    security(("Authorization" = [])),
)]
async fn show(
    State(state): State<AppState>,
    caller: Caller,
    Path((account_id, user)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let account = visible_account(&state, &caller, &account_id).await?;
    show_user(&state, &caller, &account, &user_key(&user), &headers).await
}

/// One user of `account`, as the caller may see it (see `visible`).
pub(crate) async fn show_user(
    state: &AppState,
    caller: &Caller,
    account: &AccountRow,
    key: &UserKey,
    headers: &HeaderMap,
) -> Result<Response, ApiError> {
    let scope = UserScope::Account(account.id);
    if !headers.contains_key(USER_PASSWORD_HEADER) {
        // The common read: the stored JSON, no secret, no password check.
        let found = users::find_json_cached(&state.store, scope, key).await?;
        let user = visible(caller, account, key, found, |user| user.id)?;
        return Ok(RawJson(user.json).into_response());
    }
    let found = users::find(state.store.reader(), scope, key).await?;
    let row = visible(caller, account, key, found, |row| row.id)?;
    let with_secret = password_header(state, headers, &row).await?;
    Ok(user_response(row, with_secret))
}

/// `Elements-User-Password`: absent, no secret; correct, the secret; wrong,
/// 401 (decided in SPEC §4.2).
pub(crate) async fn password_header(
    state: &AppState,
    headers: &HeaderMap,
    row: &UserRow,
) -> Result<WithSecret, ApiError> {
    let Some(value) = headers.get(USER_PASSWORD_HEADER) else {
        return Ok(WithSecret::No);
    };
    let wrong = || {
        ApiError::Unauthorized(format!(
            "Invalid Elements-User-Password for user {}",
            row.id
        ))
    };
    let password = value.to_str().map_err(|_| wrong())?;
    let hash = users::password_hash(state.store.reader(), row.id)
        .await?
        .ok_or_else(wrong)?;
    let matches = state.hasher.verify(Password::new(password), hash).await?;
    if matches {
        Ok(WithSecret::Yes)
    } else {
        Err(wrong())
    }
}

/// The role set a request asks for, checked against the catalogue (400).
/// `org` is automatic: always held by the default account's users, and
/// never by others (403 when asked for there). The grant rules are checked
/// against what the user holds by `check_grants`.
fn requested_roles(account: &AccountRow, refs: &[RoleRef]) -> Result<RoleSet, ApiError> {
    let roles = user::parse_roles(refs.iter().map(|role| role.key.as_str()))?;
    if !account.is_default && roles.contains(&Role::Org) {
        return Err(ApiError::forbidden(format!(
            "The role 'org' is only for users of the default account, not account {}",
            account.id
        )));
    }
    let mut set = RoleSet::new(roles);
    if account.is_default {
        set.insert(Role::Org);
    }
    Ok(set)
}

/// Every role added or removed must be one the caller may grant.
fn check_grants(
    caller: &Caller,
    account: &AccountRow,
    before: &RoleSet,
    after: &RoleSet,
) -> Result<(), ApiError> {
    let changed = after
        .iter()
        .filter(|role| !before.contains(*role))
        .chain(before.iter().filter(|role| !after.contains(*role)));
    for role in changed {
        if role == Role::Org {
            continue; // automatic, never granted by hand
        }
        if !caller.may_grant(role, account.id, account.is_default) {
            return Err(ApiError::forbidden(format!(
                "You may not grant or revoke the role '{}' for a user of account {}",
                role.key(),
                account.id
            )));
        }
    }
    Ok(())
}

/// `POST /accounts/{id}/users`
#[utoipa::path(
    post,
    path = "/elements/api-v2/accounts/{id}/users",
    operation_id = "createAccountUser",
    tag = "account users",
    summary = "Create a user in an account",
    description = "Answers 200 (not 201), as the real service does, with the new user and its secret (SPEC §4.3).",
    params(("id" = i64, Path, description = "The account id", minimum = 0)),
    request_body(content = CreateUserBody, description = "The new user", content_type = "application/json"),
    responses(
        (status = 200, description = "The new user, with its `secret`", body = UserJson, links(
            ("GetUser" = (operation_id = "getAccountUser", parameters(("id" = "$request.path.id"), ("user" = "$response.body#/id")))),
            ("UpdateUser" = (operation_id = "updateAccountUser", parameters(("id" = "$request.path.id"), ("user" = "$response.body#/id")))),
            ("DeleteUser" = (operation_id = "deleteAccountUser", parameters(("id" = "$request.path.id"), ("user" = "$response.body#/id")))),
            ("GetUserInOrganization" = (operation_id = "getUser", parameters(("user" = "$response.body#/id")))),
            ("UpdateUserInOrganization" = (operation_id = "updateUser", parameters(("user" = "$response.body#/id")))),
            ("DeleteUserInOrganization" = (operation_id = "deleteUser", parameters(("user" = "$response.body#/id")))),
            ("ListRoles" = (operation_id = "listUserRoles", parameters(("user" = "$response.body#/id")))),
            ("GrantRole" = (operation_id = "grantUserRole", parameters(("user" = "$response.body#/id")))),
            ("RevokeRole" = (operation_id = "revokeUserRole", parameters(("user" = "$response.body#/id")))),
        )),
        (status = 400, description = "A body that is not a JSON object, a missing or blank required field, a bad email, an unknown role key, or an account id that is not a number", body = ErrorBody),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 403, description = "The caller may not manage the account's users, or may not grant one of the roles", body = ErrorBody),
        (status = 404, description = "No such account", body = ErrorBody),
        (status = 409, description = "The email is already taken in the organization", body = ErrorBody),
        (status = 413, description = "The body is larger than 1 MiB", body = ErrorBody),
        (status = 415, description = "The body is not `application/json`", body = ErrorBody),
    ),
    security(("Authorization" = [])),
)]
async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Path(account_id): Path<String>,
    JsonBody(body): JsonBody<CreateUserBody>,
) -> Result<Response, ApiError> {
    let account = managed_account(&state, &caller, &account_id).await?;
    let first_name = user::required_text("firstName", body.first_name)?;
    let last_name = user::required_text("lastName", body.last_name)?;
    let email = Email::parse(body.email.as_deref().unwrap_or(""))?;
    let password = user::required_password(body.password)?;
    let roles = requested_roles(&account, body.roles.as_deref().unwrap_or_default())?;
    check_grants(&caller, &account, &RoleSet::default(), &roles)?;
    let new_user = NewUser {
        first_name,
        last_name,
        email,
        address: Address {
            city: body.city,
            country: body.country,
            phone: body.phone,
            postal_code: body.postal_code,
            state_province: body.state_province,
            street1: body.street1,
            street2: body.street2,
        },
        roles: roles.iter().collect(),
    };
    let hash = state.hasher.hash(password).await?;
    let secret = Secret::generate();
    let today = state.clock.today();
    let mut tx = state.store.begin_write().await?;
    let id = users::insert(
        &mut tx,
        UserRecord {
            organization_id: account.organization_id,
            account_id: account.id,
            user: &new_user,
            password_hash: &hash,
            secret: &secret,
            active: true,
            created_date: &today,
        },
    )
    .await?;
    let row = users::find(&mut *tx, UserScope::Account(account.id), &UserKey::Id(id))
        .await?
        .ok_or_else(|| ApiError::internal("created user vanished inside its transaction"))?;
    tx.commit().await?;
    Ok(user_response(row, WithSecret::Yes))
}

/// `PATCH /accounts/{id}/users/{userId}`
#[utoipa::path(
    patch,
    path = "/elements/api-v2/accounts/{id}/users/{user}",
    operation_id = "updateAccountUser",
    tag = "account users",
    summary = "Update a user of an account",
    description = "Any subset of the fields (SPEC §4.4).",
    params(
        ("id" = i64, Path, description = "The account id", minimum = 0),
        ("user" = i64, Path, description = "The user id", minimum = 0),
    ),
    request_body(content = PatchUserBody, description = "The fields to change", content_type = "application/json"),
    responses(
        (status = 200, description = "The updated user, without its secret", body = UserJson),
        (status = 400, description = "A body that is not a JSON object, a blank field, a bad email, an unknown role key, or an id that is not a number", body = ErrorBody),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 403, description = "The caller may not manage the account's users, may not grant or revoke one of the roles, or tried to change their own roles", body = ErrorBody),
        (status = 404, description = "No such account, or no such user in it", body = ErrorBody),
        (status = 409, description = "The email is already taken in the organization", body = ErrorBody),
        (status = 413, description = "The body is larger than 1 MiB", body = ErrorBody),
        (status = 415, description = "The body is not `application/json`", body = ErrorBody),
    ),
    security(("Authorization" = [])),
)]
async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Path((account_id, user_id)): Path<(String, String)>,
    JsonBody(body): JsonBody<PatchUserBody>,
) -> Result<Response, ApiError> {
    let account = managed_account(&state, &caller, &account_id).await?;
    let user_id = parse_id("user id", &user_id)?;
    update_user(&state, &caller, &account, user_id, body).await
}

/// Applies a PATCH to a user of `account`, which the caller manages.
pub(crate) async fn update_user(
    state: &AppState,
    caller: &Caller,
    account: &AccountRow,
    user_id: i64,
    body: PatchUserBody,
) -> Result<Response, ApiError> {
    let email = body.email.as_deref().map(Email::parse).transpose()?;
    let first_name = user::non_empty_text("firstName", body.first_name)?;
    let last_name = user::non_empty_text("lastName", body.last_name)?;
    let password = user::non_empty_text("password", body.password)?;
    let wanted_roles = body
        .roles
        .as_deref()
        .map(|refs| requested_roles(account, refs))
        .transpose()?;
    // Hash before taking the write lock: Argon2 takes tens of milliseconds.
    let password_hash = match password {
        Some(password) => Some(state.hasher.hash(Password::new(password)).await?),
        None => None,
    };
    let mut tx = state.store.begin_write().await?;
    let scope = UserScope::Account(account.id);
    let current = users::find(&mut *tx, scope, &UserKey::Id(user_id))
        .await?
        .ok_or_else(|| no_user(user_id, account.id))?;
    require_outranks(caller, account, &current)?;
    if let Some(wanted) = &wanted_roles {
        let held = current.roles();
        if *wanted != held {
            if current.id == caller.user_id {
                return Err(ApiError::forbidden("You may not change your own roles"));
            }
            check_grants(caller, account, &held, wanted)?;
            users::replace_roles(&mut tx, user_id, wanted).await?;
        }
    }
    let changes = UserChanges {
        first_name,
        last_name,
        email,
        password_hash,
        active: body.active,
        city: body.city,
        country: body.country,
        phone: body.phone,
        postal_code: body.postal_code,
        state_province: body.state_province,
        street1: body.street1,
        street2: body.street2,
    };
    users::update(&mut tx, user_id, changes).await?;
    let row = users::find(&mut *tx, scope, &UserKey::Id(user_id))
        .await?
        .ok_or_else(|| no_user(user_id, account.id))?;
    tx.commit().await?;
    Ok(user_response(row, WithSecret::No))
}

fn no_user(user_id: i64, account_id: i64) -> ApiError {
    ApiError::not_found(format!(
        "No user with id {user_id} found in account {account_id}"
    ))
}

/// `DELETE /accounts/{id}/users/{userId}`: 200 with an empty body.
#[utoipa::path(
    delete,
    path = "/elements/api-v2/accounts/{id}/users/{user}",
    operation_id = "deleteAccountUser",
    tag = "account users",
    summary = "Delete a user of an account",
    description = "Permanent; the user's secret stops working at once (SPEC §4.5). Deleting the caller itself is allowed, and later calls with its credentials are 401.",
    params(
        ("id" = i64, Path, description = "The account id", minimum = 0),
        ("user" = i64, Path, description = "The user id", minimum = 0),
    ),
    responses(
        (status = 200, description = "Deleted; the body is empty"),
        (status = 400, description = "An id that is not a number", body = ErrorBody),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 403, description = "The caller may not manage the account's users", body = ErrorBody),
        (status = 404, description = "No such account, or no such user in it", body = ErrorBody),
    ),
    security(("Authorization" = [])),
)]
async fn remove(
    State(state): State<AppState>,
    caller: Caller,
    Path((account_id, user_id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let account = managed_account(&state, &caller, &account_id).await?;
    let user_id = parse_id("user id", &user_id)?;
    delete_user(&state, &caller, &account, user_id).await
}

/// Deletes a user of `account`, which the caller manages.
pub(crate) async fn delete_user(
    state: &AppState,
    caller: &Caller,
    account: &AccountRow,
    user_id: i64,
) -> Result<StatusCode, ApiError> {
    let mut tx = state.store.begin_write().await?;
    let target = users::find(
        &mut *tx,
        UserScope::Account(account.id),
        &UserKey::Id(user_id),
    )
    .await?
    .ok_or_else(|| no_user(user_id, account.id))?;
    require_outranks(caller, account, &target)?;
    users::delete(&mut tx, user_id).await?;
    tx.commit().await?;
    Ok(StatusCode::OK)
}
