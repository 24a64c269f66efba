//! The organization-wide user endpoints (docs/api.md#organization-wide-users):
//! `/users` and `/users/{emailOrId}`. The same rules as the account paths,
//! for the user's own account.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::{JsonBody, UserPassword};
use super::middleware::ErrorBody;
use super::openapi::{JsonBodyErrors, Unauthenticated, UserPage};
use super::paging::{self, ListParams, VisibilityParams};
use super::state::AppState;
use super::wire::{user_response, PatchUserBody, RawJson, UserJson};
use crate::domain::access::Caller;
use crate::error::ApiError;
use crate::service::users::{self, Within};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(show, update, remove))
}

/// `GET /users`: an org-admin sees the whole organization, an admin their
/// own account; anyone else may not list.
#[utoipa::path(
    get,
    path = "/users",
    operation_id = "listUsers",
    tag = "organization users",
    summary = "List the users of the caller's organization",
    description = "An org-admin sees every user of the organization, an admin the users of their own account; ordered by id ascending, paged as `GET /accounts/{id}/users`.",
    params(ListParams),
    responses(
        UserPage,
        (status = 400, description = "A bad `offset`, `pageSize`, `nextPage` or `where`, or an `includeInactive` that is not `true` or `false`", body = ErrorBody),
        Unauthenticated,
        (status = 403, description = "The caller is not an administrator", body = ErrorBody),
    ),
    security(("Authorization" = [])),
)]
async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Query(params): Query<ListParams>,
) -> Result<(HeaderMap, RawJson), ApiError> {
    let page = users::list(
        &state.services,
        &caller,
        Within::Organization,
        params.into(),
    )
    .await?;
    Ok((paging::headers(&page), RawJson(page.items)))
}

/// `GET /users/{emailOrId}` (with `Elements-User-Password` as for an account's user).
#[utoipa::path(
    get,
    path = "/users/{user}",
    operation_id = "getUser",
    tag = "organization users",
    summary = "Get one user of the organization, by id or email",
    description = "A manager of the user's account sees the user; anyone else only themselves.",
    params(
        ("user" = String, Path, description = "All digits: a user id; anything else: an email, compared case-insensitively"),
        ("Elements-User-Password" = Option<String>, Header, nullable = false, description = "That user's password: when correct the answer includes `secret`; when wrong the answer is 401"),
        VisibilityParams,
    ),
    responses(
        (status = 200, description = "The user; with `secret` only when `Elements-User-Password` was given and correct", body = UserJson),
        (status = 400, description = "A path segment that is not valid UTF-8, or an `includeInactive` that is not `true` or `false`", body = ErrorBody),
        (status = 401, description = "Missing or invalid credentials, or a wrong `Elements-User-Password`", body = ErrorBody),
        (status = 429, description = "Too many wrong `Elements-User-Password` values for this user in the last minute; `Retry-After` says when to try again", body = ErrorBody),
        (status = 403, description = "The user belongs to another organization, or the caller may not see them", body = ErrorBody),
        (status = 404, description = "No such user", body = ErrorBody),
    ),
    security(("Authorization" = [])),
)]
async fn show(
    State(state): State<AppState>,
    caller: Caller,
    Query(visibility): Query<VisibilityParams>,
    Path(user): Path<String>,
    UserPassword(password): UserPassword,
) -> Result<Response, ApiError> {
    let shown = users::show(
        &state.services,
        &caller,
        Within::Organization,
        &user,
        password.as_deref(),
        visibility.include_inactive()?,
    )
    .await?;
    Ok(user_response(shown))
}

/// `PATCH /users/{id}`
#[utoipa::path(
    patch,
    path = "/users/{user}",
    operation_id = "updateUser",
    tag = "organization users",
    summary = "Update a user of the organization",
    description = "As `PATCH /accounts/{id}/users/{userId}`, for the user's own account.",
    params(("user" = String, Path, description = "All digits: a user id; anything else: an email, compared case-insensitively")),
    request_body(content = PatchUserBody, description = "The fields to change", content_type = "application/json"),
    responses(
        (status = 200, description = "The updated user, without its secret", body = UserJson),
        (status = 400, description = "A body that is not a JSON object, a blank field, a bad email or an unknown role key", body = ErrorBody),
        Unauthenticated,
        (status = 403, description = "The user belongs to another organization, the caller may not manage the user's account or grant or revoke one of the roles, or tried to change their own roles", body = ErrorBody),
        (status = 404, description = "No such user", body = ErrorBody),
        (status = 409, description = "The email is already taken in the organization", body = ErrorBody),
        JsonBodyErrors,
    ),
    security(("Authorization" = [])),
)]
async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Path(user): Path<String>,
    JsonBody(body): JsonBody<PatchUserBody>,
) -> Result<Response, ApiError> {
    let shown = users::update(
        &state.services,
        &caller,
        Within::Organization,
        &user,
        body.into(),
    )
    .await?;
    Ok(user_response(shown))
}

/// `DELETE /users/{id}`: 200 with an empty body.
#[utoipa::path(
    delete,
    path = "/users/{user}",
    operation_id = "deleteUser",
    tag = "organization users",
    summary = "Delete a user of the organization",
    description = "Permanent; the user's secret stops working at once.",
    params(("user" = String, Path, description = "All digits: a user id; anything else: an email, compared case-insensitively")),
    responses(
        (status = 200, description = "Deleted; the body is empty"),
        (status = 400, description = "A path segment that is not valid UTF-8", body = ErrorBody),
        Unauthenticated,
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
    users::delete(&state.services, &caller, Within::Organization, &user).await?;
    Ok(StatusCode::OK)
}
