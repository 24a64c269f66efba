//! Accounts (docs/api.md#account-endpoints): `/accounts` and `/accounts/{id}`, for
//! organization administrators only; the real service answers 401 to
//! anyone else.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::{parse_id, JsonBody};
use super::middleware::ErrorBody;
use super::openapi::{AccountPage, JsonBodyErrors, OrgAdminsOnly};
use super::paging::{self, ListParams, VisibilityParams};
use super::state::AppState;
use super::wire::{AccountJson, CreateAccountBody, PatchAccountBody};
use crate::domain::access::Caller;
use crate::error::ApiError;
use crate::service::accounts;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(show, update, replace, remove))
}

/// `GET /accounts`: the default account first, then by id.
#[utoipa::path(
    get,
    path = "/accounts",
    operation_id = "listAccounts",
    tag = "accounts",
    summary = "List the organization's accounts",
    description = "Org-admins only; anyone else gets 401, as on the real service. The default account first, then by id; paged as the user lists, and `where` is over the account fields.",
    params(ListParams),
    responses(
        AccountPage,
        (status = 400, description = "A bad `offset`, `pageSize`, `nextPage` or `where`, or an `includeInactive` that is not `true` or `false`", body = ErrorBody),
        OrgAdminsOnly,
    ),
    security(("Authorization" = [])),
)]
async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Query(params): Query<ListParams>,
) -> Result<(HeaderMap, Json<Vec<AccountJson>>), ApiError> {
    let page = accounts::list(&state.services, &caller, params.into()).await?;
    let headers = paging::headers(&page);
    Ok((
        headers,
        Json(page.items.into_iter().map(AccountJson::from).collect()),
    ))
}

/// `GET /accounts/{id}`
#[utoipa::path(
    get,
    path = "/accounts/{id}",
    operation_id = "getAccount",
    tag = "accounts",
    summary = "Get one account",
    description = "Org-admins only; anyone else gets 401. An inactive account only with `includeInactive=true` (404 without).",
    params(("id" = i64, Path, description = "The account id", minimum = 0), VisibilityParams),
    responses(
        (status = 200, description = "The account", body = AccountJson),
        (status = 400, description = "An account id that is not a number, or an `includeInactive` that is not `true` or `false`", body = ErrorBody),
        OrgAdminsOnly,
        (status = 403, description = "The account belongs to another organization", body = ErrorBody),
        (status = 404, description = "No such account", body = ErrorBody),
    ),
    security(("Authorization" = [])),
)]
async fn show(
    State(state): State<AppState>,
    caller: Caller,
    Query(visibility): Query<VisibilityParams>,
    Path(account_id): Path<String>,
) -> Result<Json<AccountJson>, ApiError> {
    let account_id = parse_id("account id", &account_id)?;
    Ok(Json(
        accounts::show(
            &state.services,
            &caller,
            account_id,
            visibility.include_inactive()?,
        )
        .await?
        .into(),
    ))
}

/// `POST /accounts`: a new customer account; a duplicate `externalId` is 409.
#[utoipa::path(
    post,
    path = "/accounts",
    operation_id = "createAccount",
    tag = "accounts",
    summary = "Create a customer account",
    description = "Org-admins only; anyone else gets 401. Answers 200 with the new account.",
    request_body(content = CreateAccountBody, description = "The new account", content_type = "application/json"),
    responses(
        (status = 200, description = "The new account", body = AccountJson, links(
            ("GetAccount" = (operation_id = "getAccount", parameters(("id" = "$response.body#/id")))),
            ("UpdateAccount" = (operation_id = "updateAccount", parameters(("id" = "$response.body#/id")))),
            ("DeleteAccount" = (operation_id = "deleteAccount", parameters(("id" = "$response.body#/id")))),
            ("ListUsers" = (operation_id = "listAccountUsers", parameters(("id" = "$response.body#/id")))),
            ("CreateUser" = (operation_id = "createAccountUser", parameters(("id" = "$response.body#/id")))),
            ("ReplaceAccount" = (operation_id = "replaceAccount", parameters(("id" = "$response.body#/id")))),
            ("ListRoles" = (operation_id = "listAccountRoles", parameters(("id" = "$response.body#/id")))),
            ("GrantRole" = (operation_id = "grantAccountRole", parameters(("id" = "$response.body#/id")))),
            ("RevokeRole" = (operation_id = "revokeAccountRole", parameters(("id" = "$response.body#/id")))),
        )),
        (status = 400, description = "A body that is not a JSON object, or a missing or blank `name`", body = ErrorBody),
        OrgAdminsOnly,
        (status = 409, description = "The `externalId` is already taken in the organization", body = ErrorBody),
        JsonBodyErrors,
    ),
    security(("Authorization" = [])),
)]
async fn create(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody<CreateAccountBody>,
) -> Result<Json<AccountJson>, ApiError> {
    Ok(Json(
        accounts::create(&state.services, &caller, body.into())
            .await?
            .into(),
    ))
}

/// `PATCH /accounts/{id}`: name, description, externalId (409 if taken),
/// active. The default account cannot be deactivated.
#[utoipa::path(
    patch,
    path = "/accounts/{id}",
    operation_id = "updateAccount",
    tag = "accounts",
    summary = "Update an account",
    description = "Org-admins only; anyone else gets 401.",
    params(("id" = i64, Path, description = "The account id", minimum = 0)),
    request_body(content = PatchAccountBody, description = "The fields to change", content_type = "application/json"),
    responses(
        (status = 200, description = "The updated account", body = AccountJson),
        (status = 400, description = "A body that is not a JSON object, a blank `name`, or an account id that is not a number", body = ErrorBody),
        OrgAdminsOnly,
        (status = 403, description = "The account belongs to another organization, or is the default account and `active` is `false`", body = ErrorBody),
        (status = 404, description = "No such account", body = ErrorBody),
        (status = 409, description = "The `externalId` is already taken in the organization", body = ErrorBody),
        JsonBodyErrors,
    ),
    security(("Authorization" = [])),
)]
async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Path(account_id): Path<String>,
    JsonBody(body): JsonBody<PatchAccountBody>,
) -> Result<Json<AccountJson>, ApiError> {
    let account_id = parse_id("account id", &account_id)?;
    let account = accounts::update(&state.services, &caller, account_id, body.into()).await?;
    Ok(Json(account.into()))
}

/// `DELETE /accounts/{id}`: deletes the account and its users (their
/// secrets stop working at once; the `externalId` and the emails are free
/// again). 200 with an empty body; the default account cannot be deleted.
#[utoipa::path(
    delete,
    path = "/accounts/{id}",
    operation_id = "deleteAccount",
    tag = "accounts",
    summary = "Delete an account and its users",
    description = "Org-admins only; anyone else gets 401. The account and all its users are removed: afterwards they are 404, their secrets stop working at once, and the `externalId` and the emails are free again.",
    params(("id" = i64, Path, description = "The account id", minimum = 0)),
    responses(
        (status = 200, description = "Deleted; the body is empty"),
        (status = 400, description = "An account id that is not a number", body = ErrorBody),
        OrgAdminsOnly,
        (status = 403, description = "The account belongs to another organization, or is the default account", body = ErrorBody),
        (status = 404, description = "No such account", body = ErrorBody),
    ),
    security(("Authorization" = [])),
)]
async fn remove(
    State(state): State<AppState>,
    caller: Caller,
    Path(account_id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let account_id = parse_id("account id", &account_id)?;
    accounts::delete(&state.services, &caller, account_id).await?;
    Ok(StatusCode::OK)
}

/// `PUT /accounts/{id}`
#[utoipa::path(
    put,
    path = "/accounts/{id}",
    operation_id = "replaceAccount",
    tag = "accounts",
    summary = "Replace an account",
    description = "Org-admins only. The body is a whole account, checked as for a create (`externalId` required, `name` defaulting to it); a `description` it does not give is cleared. `active` is not changed.",
    params(("id" = i64, Path, description = "The account id", minimum = 1)),
    request_body(content = CreateAccountBody, description = "The whole account", content_type = "application/json"),
    responses(
        (status = 200, description = "The replaced account", body = AccountJson),
        (status = 400, description = "An id that is not a number, or a bad body", body = ErrorBody),
        OrgAdminsOnly,
        (status = 403, description = "An account of another organization", body = ErrorBody),
        (status = 404, description = "No such account", body = ErrorBody),
        (status = 409, description = "The `externalId` is already taken in the organization", body = ErrorBody),
        JsonBodyErrors,
    ),
    security(("Authorization" = [])),
)]
async fn replace(
    State(state): State<AppState>,
    caller: Caller,
    Path(account_id): Path<String>,
    JsonBody(body): JsonBody<CreateAccountBody>,
) -> Result<Json<AccountJson>, ApiError> {
    let account_id = parse_id("account id", &account_id)?;
    let account = accounts::replace(&state.services, &caller, account_id, body.into()).await?;
    Ok(Json(account.into()))
}
