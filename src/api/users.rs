//! The five account-user endpoints (docs/api.md#endpoints):
//! `/accounts/{id}/users` and `/accounts/{id}/users/{emailOrId}`.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::{parse_id, JsonBody, UserPassword};
use super::middleware::ErrorBody;
use super::openapi::{JsonBodyErrors, Unauthenticated, UserPage};
use super::paging::{self, ListParams, VisibilityParams};
use super::state::AppState;
use super::wire::{user_response, CreateUserBody, PatchUserBody, RawJson, UserJson};
use crate::domain::access::Caller;
use crate::error::ApiError;
use crate::service::users::{self, Within};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(show, update, replace, remove))
}

fn account(id: &str) -> Result<Within, ApiError> {
    Ok(Within::Account(parse_id("account id", id)?))
}

/// `GET /accounts/{id}/users`
#[utoipa::path(
    get,
    path = "/accounts/{id}/users",
    operation_id = "listAccountUsers",
    tag = "account users",
    summary = "List the users of an account",
    description = "Users ordered by id ascending, one page at a time. For an org-admin, or an admin of that account.",
    params(
        ("id" = i64, Path, description = "The account id", minimum = 0),
        ListParams,
    ),
    responses(
        UserPage,
        (status = 400, description = "An account id that is not a number, a bad `offset`, `pageSize`, `nextPage` or `where`, or an `includeInactive` that is not `true` or `false`", body = ErrorBody),
        Unauthenticated,
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
    let page = users::list(
        &state.services,
        &caller,
        account(&account_id)?,
        params.into(),
    )
    .await?;
    Ok((paging::headers(&page), RawJson(page.items)))
}

/// `GET /accounts/{id}/users/{emailOrId}`
#[utoipa::path(
    get,
    path = "/accounts/{id}/users/{user}",
    operation_id = "getAccountUser",
    tag = "account users",
    summary = "Get one user of an account, by id or email",
    description = "A manager of the account (org-admin, or admin of it) sees any of its users; anyone else only themselves.",
    params(
        ("id" = i64, Path, description = "The account id", minimum = 0),
        ("user" = String, Path, description = "All digits: a user id; anything else: an email, compared case-insensitively"),
        ("Elements-User-Password" = Option<String>, Header, nullable = false, description = "That user's password: when correct the answer includes `secret`; when wrong the answer is 401"),
        VisibilityParams,
    ),
    responses(
        (status = 200, description = "The user; with `secret` only when `Elements-User-Password` was given and correct", body = UserJson),
        (status = 400, description = "An account id that is not a number, or an `includeInactive` that is not `true` or `false`", body = ErrorBody),
        (status = 401, description = "Missing or invalid credentials, or a wrong `Elements-User-Password`", body = ErrorBody),
        (status = 429, description = "Too many wrong `Elements-User-Password` values for this user in the last minute; `Retry-After` says when to try again", body = ErrorBody),
        (status = 403, description = "The account belongs to another organization, or the caller may see only their own record", body = ErrorBody),
        (status = 404, description = "No such account, or no such user in it", body = ErrorBody),
    ),
    security(("Authorization" = [])),
)]
async fn show(
    State(state): State<AppState>,
    caller: Caller,
    Query(visibility): Query<VisibilityParams>,
    Path((account_id, user)): Path<(String, String)>,
    UserPassword(password): UserPassword,
) -> Result<Response, ApiError> {
    let shown = users::show(
        &state.services,
        &caller,
        account(&account_id)?,
        &user,
        password.as_deref(),
        visibility.include_inactive()?,
    )
    .await?;
    Ok(user_response(shown))
}

/// `POST /accounts/{id}/users`
#[utoipa::path(
    post,
    path = "/accounts/{id}/users",
    operation_id = "createAccountUser",
    tag = "account users",
    summary = "Create a user in an account",
    description = "Answers 200 (not 201), as the real service does, with the new user and its secret.",
    params(("id" = i64, Path, description = "The account id", minimum = 0)),
    request_body(content = CreateUserBody, description = "The new user", content_type = "application/json"),
    responses(
        (status = 200, description = "The new user, with its `secret`", body = UserJson, links(
            ("GetUser" = (operation_id = "getAccountUser", parameters(("id" = "$request.path.id"), ("user" = "$response.body#/id")))),
            ("UpdateUser" = (operation_id = "updateAccountUser", parameters(("id" = "$request.path.id"), ("user" = "$response.body#/id")))),
            ("DeleteUser" = (operation_id = "deleteAccountUser", parameters(("id" = "$request.path.id"), ("user" = "$response.body#/id")))),
            ("ReplaceUser" = (operation_id = "replaceAccountUser", parameters(("id" = "$request.path.id"), ("user" = "$response.body#/id")))),
            ("GetUserInOrganization" = (operation_id = "getUser", parameters(("user" = "$response.body#/id")))),
            ("UpdateUserInOrganization" = (operation_id = "updateUser", parameters(("user" = "$response.body#/id")))),
            ("DeleteUserInOrganization" = (operation_id = "deleteUser", parameters(("user" = "$response.body#/id")))),
            ("ListRoles" = (operation_id = "listUserRoles", parameters(("user" = "$response.body#/id")))),
            ("GrantRole" = (operation_id = "grantUserRole", parameters(("user" = "$response.body#/id")))),
            ("RevokeRole" = (operation_id = "revokeUserRole", parameters(("user" = "$response.body#/id")))),
        )),
        (status = 400, description = "A body that is not a JSON object, a missing or blank required field, a bad email, an unknown role key, or an account id that is not a number", body = ErrorBody),
        Unauthenticated,
        (status = 403, description = "The caller may not manage the account's users, or may not grant one of the roles", body = ErrorBody),
        (status = 404, description = "No such account", body = ErrorBody),
        (status = 409, description = "The email is already taken in the organization", body = ErrorBody),
        JsonBodyErrors,
    ),
    security(("Authorization" = [])),
)]
async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Path(account_id): Path<String>,
    JsonBody(body): JsonBody<CreateUserBody>,
) -> Result<Response, ApiError> {
    let account_id = parse_id("account id", &account_id)?;
    let shown = users::create(&state.services, &caller, account_id, body.into()).await?;
    Ok(user_response(shown))
}

/// `PATCH /accounts/{id}/users/{userId}`
#[utoipa::path(
    patch,
    path = "/accounts/{id}/users/{user}",
    operation_id = "updateAccountUser",
    tag = "account users",
    summary = "Update a user of an account",
    description = "Any subset of the fields.",
    params(
        ("id" = i64, Path, description = "The account id", minimum = 0),
        ("user" = i64, Path, description = "The user id", minimum = 0),
    ),
    request_body(content = PatchUserBody, description = "The fields to change", content_type = "application/json"),
    responses(
        (status = 200, description = "The updated user, without its secret", body = UserJson),
        (status = 400, description = "A body that is not a JSON object, a blank field, a bad email, an unknown role key, or an id that is not a number", body = ErrorBody),
        Unauthenticated,
        (status = 403, description = "The caller may not manage the account's users, may not grant or revoke one of the roles, or tried to change their own roles", body = ErrorBody),
        (status = 404, description = "No such account, or no such user in it", body = ErrorBody),
        (status = 409, description = "The email is already taken in the organization", body = ErrorBody),
        JsonBodyErrors,
    ),
    security(("Authorization" = [])),
)]
async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Path((account_id, user)): Path<(String, String)>,
    JsonBody(body): JsonBody<PatchUserBody>,
) -> Result<Response, ApiError> {
    let shown = users::update(
        &state.services,
        &caller,
        account(&account_id)?,
        &user,
        body.into(),
    )
    .await?;
    Ok(user_response(shown))
}

/// `DELETE /accounts/{id}/users/{userId}`: 200 with an empty body.
#[utoipa::path(
    delete,
    path = "/accounts/{id}/users/{user}",
    operation_id = "deleteAccountUser",
    tag = "account users",
    summary = "Delete a user of an account",
    description = "Permanent; the user's secret stops working at once. Deleting the caller itself is allowed, and later calls with its credentials are 401.",
    params(
        ("id" = i64, Path, description = "The account id", minimum = 0),
        ("user" = i64, Path, description = "The user id", minimum = 0),
    ),
    responses(
        (status = 200, description = "Deleted; the body is empty"),
        (status = 400, description = "An id that is not a number", body = ErrorBody),
        Unauthenticated,
        (status = 403, description = "The caller may not manage the account's users", body = ErrorBody),
        (status = 404, description = "No such account, or no such user in it", body = ErrorBody),
    ),
    security(("Authorization" = [])),
)]
async fn remove(
    State(state): State<AppState>,
    caller: Caller,
    Path((account_id, user)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    users::delete(&state.services, &caller, account(&account_id)?, &user).await?;
    Ok(StatusCode::OK)
}

/// `PUT /accounts/{id}/users/{userId}`
#[utoipa::path(
    put,
    path = "/accounts/{id}/users/{user}",
    operation_id = "replaceAccountUser",
    tag = "account users",
    summary = "Replace a user of an account",
    description = "The body is a whole user, checked as for a create (`firstName`, `lastName`, `email` required); the address fields and roles it does not give are cleared (the default account's users keep `org`). Without `password` the old one stays. `active` is not changed.",
    params(
        ("id" = i64, Path, description = "The account id", minimum = 1),
        ("user" = i64, Path, description = "The user id", minimum = 1),
    ),
    request_body(content = CreateUserBody, description = "The whole user (`password` optional)", content_type = "application/json"),
    responses(
        (status = 200, description = "The replaced user, without its secret", body = UserJson),
        (status = 400, description = "An id that is not a number, a body that is not a JSON object, a missing or blank required field, a bad email or an unknown role key", body = ErrorBody),
        Unauthenticated,
        (status = 403, description = "The caller may not manage the account's users, or may not make this change", body = ErrorBody),
        (status = 404, description = "No such account, or no such user in it", body = ErrorBody),
        (status = 409, description = "The new email is already taken in the organization", body = ErrorBody),
        JsonBodyErrors,
    ),
    security(("Authorization" = [])),
)]
async fn replace(
    State(state): State<AppState>,
    caller: Caller,
    Path((account_id, user)): Path<(String, String)>,
    JsonBody(body): JsonBody<CreateUserBody>,
) -> Result<Response, ApiError> {
    let shown = users::replace(
        &state.services,
        &caller,
        account(&account_id)?,
        &user,
        body.into(),
    )
    .await?;
    Ok(user_response(shown))
}
