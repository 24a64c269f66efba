//! The caller's organization (docs/api.md#the-callers-organization):
//! `/organizations/me`, the users of its default account under
//! `/organizations/users`, and its accounts under `/organizations/{id}/accounts`.
//! Each route applies the rules of the account or user route it mirrors.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::{parse_id, JsonBody, UserPassword};
use super::middleware::ErrorBody;
use super::openapi::{AccountPage, JsonBodyErrors, OrgAdminsOnly, Unauthenticated, UserPage};
use super::paging::{self, ListParams, VisibilityParams};
use super::state::AppState;
use super::wire::{
    user_response, AccountJson, CreateAccountBody, CreateUserBody, PatchUserBody, RawJson, UserJson,
};
use crate::domain::access::Caller;
use crate::error::ApiError;
use crate::service::organizations as service;
use crate::service::users::{self, Within};
use crate::service::{accounts, Services};
use crate::store::organizations::OrganizationRow;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(show_me, rename_me))
        .routes(routes!(list_users, create_user))
        .routes(routes!(show_user, update_user, delete_user))
        .routes(routes!(list_accounts, create_account))
        .routes(routes!(show_account))
}

/// The caller's organization.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = Organization)]
pub struct OrganizationJson {
    #[schema(minimum = 1)]
    pub id: i64,
    pub name: String,
    /// Always `true`: an organization is never deactivated.
    pub active: bool,
    /// `YYYY-MM-DD`, UTC.
    #[schema(format = Date, example = "2017-01-18")]
    pub created_date: String,
}

impl From<OrganizationRow> for OrganizationJson {
    fn from(row: OrganizationRow) -> Self {
        Self {
            id: row.id,
            name: row.name,
            active: true,
            created_date: row.created_date,
        }
    }
}

/// `PUT /organizations/me`: only the name can be changed; other fields are
/// ignored.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(as = RenameOrganization)]
pub struct RenameBody {
    /// Not blank.
    #[schema(required = true, nullable = false, min_length = 1, pattern = r"\S")]
    pub name: Option<String>,
}

/// `GET /organizations/me`
#[utoipa::path(
    get,
    path = "/organizations/me",
    operation_id = "getOrganization",
    tag = "organizations",
    summary = "The caller's organization",
    description = "Org-admins only; anyone else gets 401, as on the real service.",
    responses(
        (status = 200, description = "The organization", body = OrganizationJson),
        OrgAdminsOnly,
    ),
    security(("Authorization" = [])),
)]
async fn show_me(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<OrganizationJson>, ApiError> {
    Ok(Json(service::me(&state.services, &caller).await?.into()))
}

/// `PUT /organizations/me`
#[utoipa::path(
    put,
    path = "/organizations/me",
    operation_id = "renameOrganization",
    tag = "organizations",
    summary = "Rename the caller's organization",
    description = "Org-admins only. Only `name` can be changed, as the real service documents; other fields are ignored.",
    request_body(content = RenameBody, description = "The new name", content_type = "application/json"),
    responses(
        (status = 200, description = "The organization", body = OrganizationJson),
        (status = 400, description = "A body that is not a JSON object, or a missing or blank `name`", body = ErrorBody),
        OrgAdminsOnly,
        JsonBodyErrors,
    ),
    security(("Authorization" = [])),
)]
async fn rename_me(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody<RenameBody>,
) -> Result<Json<OrganizationJson>, ApiError> {
    Ok(Json(
        service::rename_me(&state.services, &caller, body.name)
            .await?
            .into(),
    ))
}

/// The users of the caller's organization's default account.
async fn default_account(services: &Services, caller: &Caller) -> Result<Within, ApiError> {
    Ok(Within::Account(
        service::default_account(services, caller).await?,
    ))
}

/// `GET /organizations/users`
#[utoipa::path(
    get,
    path = "/organizations/users",
    operation_id = "listOrganizationUsers",
    tag = "organizations",
    summary = "List the users of the organization's default account",
    description = "As `GET /accounts/{id}/users` for the default account: for an org-admin, or an admin of the default account.",
    params(ListParams),
    responses(
        UserPage,
        (status = 400, description = "A bad `offset`, `pageSize`, `nextPage` or `where`, or an `includeInactive` that is not `true` or `false`", body = ErrorBody),
        Unauthenticated,
        (status = 403, description = "The caller may not manage the default account's users", body = ErrorBody),
        (status = 404, description = "The default account has no users at all (`No users found`)", body = ErrorBody),
    ),
    security(("Authorization" = [])),
)]
async fn list_users(
    State(state): State<AppState>,
    caller: Caller,
    Query(params): Query<ListParams>,
) -> Result<(HeaderMap, RawJson), ApiError> {
    let within = default_account(&state.services, &caller).await?;
    let page = users::list(&state.services, &caller, within, params.into()).await?;
    Ok((paging::headers(&page), RawJson(page.items)))
}

/// `POST /organizations/users`
#[utoipa::path(
    post,
    path = "/organizations/users",
    operation_id = "createOrganizationUser",
    tag = "organizations",
    summary = "Create a user in the organization's default account",
    description = "As `POST /accounts/{id}/users` for the default account: answers 200 with the new user and its secret.",
    request_body(content = CreateUserBody, description = "The new user", content_type = "application/json"),
    responses(
        (status = 200, description = "The new user, with its `secret`", body = UserJson, links(
            ("GetUser" = (operation_id = "getOrganizationUser", parameters(("user" = "$response.body#/id")))),
            ("UpdateUser" = (operation_id = "updateOrganizationUser", parameters(("user" = "$response.body#/id")))),
            ("DeleteUser" = (operation_id = "deleteOrganizationUser", parameters(("user" = "$response.body#/id")))),
        )),
        (status = 400, description = "A body that is not a JSON object, a missing or blank required field, a bad email or an unknown role key", body = ErrorBody),
        Unauthenticated,
        (status = 403, description = "The caller may not manage the default account's users, or may not grant one of the roles", body = ErrorBody),
        (status = 409, description = "The email is already taken in the organization", body = ErrorBody),
        JsonBodyErrors,
    ),
    security(("Authorization" = [])),
)]
async fn create_user(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody<CreateUserBody>,
) -> Result<Response, ApiError> {
    let account = service::default_account(&state.services, &caller).await?;
    let shown = users::create(&state.services, &caller, account, body.into()).await?;
    Ok(user_response(shown))
}

/// `GET /organizations/users/{emailOrId}`
#[utoipa::path(
    get,
    path = "/organizations/users/{user}",
    operation_id = "getOrganizationUser",
    tag = "organizations",
    summary = "Get one user of the default account, by id or email",
    description = "As `GET /accounts/{id}/users/{emailOrId}` for the default account.",
    params(
        ("user" = String, Path, description = "All digits: a user id; anything else: an email, compared case-insensitively"),
        ("Elements-User-Password" = Option<String>, Header, nullable = false, description = "That user's password: when correct the answer includes `secret`; when wrong the answer is 401"),
        VisibilityParams,
    ),
    responses(
        (status = 200, description = "The user; with `secret` only when `Elements-User-Password` was given and correct", body = UserJson),
        (status = 400, description = "An `includeInactive` that is not `true` or `false`", body = ErrorBody),
        (status = 401, description = "Missing or invalid credentials, or a wrong `Elements-User-Password`", body = ErrorBody),
        (status = 403, description = "The caller may see only their own record", body = ErrorBody),
        (status = 404, description = "No such user in the default account", body = ErrorBody),
        (status = 429, description = "Too many wrong `Elements-User-Password` values for this user in the last minute; `Retry-After` says when to try again", body = ErrorBody),
    ),
    security(("Authorization" = [])),
)]
async fn show_user(
    State(state): State<AppState>,
    caller: Caller,
    Query(visibility): Query<VisibilityParams>,
    Path(user): Path<String>,
    UserPassword(password): UserPassword,
) -> Result<Response, ApiError> {
    let within = default_account(&state.services, &caller).await?;
    let shown = users::show(
        &state.services,
        &caller,
        within,
        &user,
        password.as_deref(),
        visibility.include_inactive()?,
    )
    .await?;
    Ok(user_response(shown))
}

/// `PATCH /organizations/users/{userId}`
#[utoipa::path(
    patch,
    path = "/organizations/users/{user}",
    operation_id = "updateOrganizationUser",
    tag = "organizations",
    summary = "Update a user of the default account",
    description = "As `PATCH /accounts/{id}/users/{userId}` for the default account.",
    params(("user" = i64, Path, description = "The user id", minimum = 1)),
    request_body(content = PatchUserBody, description = "The fields to change", content_type = "application/json"),
    responses(
        (status = 200, description = "The updated user, without its secret", body = UserJson),
        (status = 400, description = "A user id that is not a number, or a bad body", body = ErrorBody),
        Unauthenticated,
        (status = 403, description = "The caller may not manage the default account's users, or may not make this change", body = ErrorBody),
        (status = 404, description = "No such user in the default account", body = ErrorBody),
        (status = 409, description = "The new email is already taken in the organization", body = ErrorBody),
        JsonBodyErrors,
    ),
    security(("Authorization" = [])),
)]
async fn update_user(
    State(state): State<AppState>,
    caller: Caller,
    Path(user): Path<String>,
    JsonBody(body): JsonBody<PatchUserBody>,
) -> Result<Response, ApiError> {
    let within = default_account(&state.services, &caller).await?;
    let shown = users::update(&state.services, &caller, within, &user, body.into()).await?;
    Ok(user_response(shown))
}

/// `DELETE /organizations/users/{userId}`
#[utoipa::path(
    delete,
    path = "/organizations/users/{user}",
    operation_id = "deleteOrganizationUser",
    tag = "organizations",
    summary = "Delete a user of the default account",
    description = "As `DELETE /accounts/{id}/users/{userId}` for the default account: permanent; the user's secret stops working at once.",
    params(("user" = i64, Path, description = "The user id", minimum = 1)),
    responses(
        (status = 200, description = "Deleted; the body is empty"),
        (status = 400, description = "A user id that is not a number", body = ErrorBody),
        Unauthenticated,
        (status = 403, description = "The caller may not manage the default account's users, or the user holds a role above theirs", body = ErrorBody),
        (status = 404, description = "No such user in the default account", body = ErrorBody),
    ),
    security(("Authorization" = [])),
)]
async fn delete_user(
    State(state): State<AppState>,
    caller: Caller,
    Path(user): Path<String>,
) -> Result<StatusCode, ApiError> {
    let within = default_account(&state.services, &caller).await?;
    users::delete(&state.services, &caller, within, &user).await?;
    Ok(StatusCode::OK)
}

/// The organization an `/organizations/{id}/…` path names, checked.
async fn own_organization(state: &AppState, caller: &Caller, id: &str) -> Result<(), ApiError> {
    let id = parse_id("organization id", id)?;
    service::check_own(&state.services, caller, id).await
}

/// `GET /organizations/{id}/accounts`
#[utoipa::path(
    get,
    path = "/organizations/{id}/accounts",
    operation_id = "listOrganizationAccounts",
    tag = "organizations",
    summary = "List the organization's accounts",
    description = "As `GET /accounts`, for the caller's own organization (org-admins only).",
    params(("id" = i64, Path, description = "The caller's organization id", minimum = 1), ListParams),
    responses(
        AccountPage,
        (status = 400, description = "An id that is not a number, a bad `offset`, `pageSize`, `nextPage` or `where`, or an `includeInactive` that is not `true` or `false`", body = ErrorBody),
        OrgAdminsOnly,
        (status = 403, description = "Another organization", body = ErrorBody),
        (status = 404, description = "No such organization", body = ErrorBody),
    ),
    security(("Authorization" = [])),
)]
async fn list_accounts(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Query(params): Query<ListParams>,
) -> Result<(HeaderMap, Json<Vec<AccountJson>>), ApiError> {
    own_organization(&state, &caller, &id).await?;
    let page = accounts::list(&state.services, &caller, params.into()).await?;
    let headers = paging::headers(&page);
    Ok((
        headers,
        Json(page.items.into_iter().map(AccountJson::from).collect()),
    ))
}

/// `POST /organizations/{id}/accounts`
#[utoipa::path(
    post,
    path = "/organizations/{id}/accounts",
    operation_id = "createOrganizationAccount",
    tag = "organizations",
    summary = "Create an account in the organization",
    description = "As `POST /accounts`, for the caller's own organization (org-admins only).",
    params(("id" = i64, Path, description = "The caller's organization id", minimum = 1)),
    request_body(content = CreateAccountBody, description = "The new account", content_type = "application/json"),
    responses(
        (status = 200, description = "The new account", body = AccountJson, links(
            ("GetAccount" = (operation_id = "getOrganizationAccount", parameters(("id" = "$request.path.id"), ("account" = "$response.body#/id")))),
            ("ListAccountUsers" = (operation_id = "listAccountUsers", parameters(("id" = "$response.body#/id")))),
            ("ListAccountRoles" = (operation_id = "listAccountRoles", parameters(("id" = "$response.body#/id")))),
        )),
        (status = 400, description = "An id that is not a number, or a bad body", body = ErrorBody),
        OrgAdminsOnly,
        (status = 403, description = "Another organization", body = ErrorBody),
        (status = 404, description = "No such organization", body = ErrorBody),
        (status = 409, description = "The `externalId` is already taken in the organization", body = ErrorBody),
        JsonBodyErrors,
    ),
    security(("Authorization" = [])),
)]
async fn create_account(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<CreateAccountBody>,
) -> Result<Json<AccountJson>, ApiError> {
    own_organization(&state, &caller, &id).await?;
    Ok(Json(
        accounts::create(&state.services, &caller, body.into())
            .await?
            .into(),
    ))
}

/// `GET /organizations/{id}/accounts/{accountId}`
#[utoipa::path(
    get,
    path = "/organizations/{id}/accounts/{account}",
    operation_id = "getOrganizationAccount",
    tag = "organizations",
    summary = "Get one account of the organization",
    description = "As `GET /accounts/{id}`, for the caller's own organization (org-admins only).",
    params(
        ("id" = i64, Path, description = "The caller's organization id", minimum = 1),
        ("account" = i64, Path, description = "The account id", minimum = 1),
        VisibilityParams,
    ),
    responses(
        (status = 200, description = "The account", body = AccountJson),
        (status = 400, description = "An id that is not a number, or an `includeInactive` that is not `true` or `false`", body = ErrorBody),
        OrgAdminsOnly,
        (status = 403, description = "Another organization, or an account of another organization", body = ErrorBody),
        (status = 404, description = "No such organization or account", body = ErrorBody),
    ),
    security(("Authorization" = [])),
)]
async fn show_account(
    State(state): State<AppState>,
    caller: Caller,
    Query(visibility): Query<VisibilityParams>,
    Path((id, account)): Path<(String, String)>,
) -> Result<Json<AccountJson>, ApiError> {
    own_organization(&state, &caller, &id).await?;
    let account = parse_id("account id", &account)?;
    Ok(Json(
        accounts::show(
            &state.services,
            &caller,
            account,
            visibility.include_inactive()?,
        )
        .await?
        .into(),
    ))
}
