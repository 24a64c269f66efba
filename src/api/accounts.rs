//! `GET /accounts` and `GET /accounts/{id}` (SPEC §4.6): organization
//! administrators only; the real service answers 401 to anyone else.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::get;
use axum::{Json, Router};

use super::access::visible_account;
use super::extract::JsonBody;
use super::filter::compile_filter;
use super::middleware::ErrorBody;
use super::paging::{ListParams, ListQuery};
use super::wire::{AccountJson, CreateAccountBody, PatchAccountBody};
use crate::auth::Caller;
use crate::ceql::Scope;
use crate::domain::user;
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::accounts::{self, AccountChanges, NewAccount};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/accounts", get(list).post(create))
        .route("/accounts/{id}", get(show).patch(update).delete(remove))
}

fn require_org_admin(caller: &Caller) -> Result<(), ApiError> {
    if caller.is_org_admin() {
        Ok(())
    } else {
        Err(ApiError::unauthorized())
    }
}

/// `GET /accounts`: the default account first, then by id.
#[utoipa::path(
    get,
    path = "/elements/api-v2/accounts",
    operation_id = "listAccounts",
    tag = "accounts",
    summary = "List the organization's accounts",
    description = "Org-admins only; anyone else gets 401, as on the real service. The default account first, then by id; paged as the user lists, and `where` is over the account fields.",
    params(ListParams),
    responses(
        (status = 200, description = "One page of accounts", body = Vec<AccountJson>, headers(
            ("Elements-Total-Count" = i64, description = "How many accounts match `where` in all pages"),
            ("Elements-Returned-Count" = i64, description = "How many accounts are in this answer"),
            ("Elements-Next-Page-Token" = String, description = "Present only when more results follow: pass it as `nextPage` (with the same `where`)"),
        )),
        (status = 400, description = "A bad `offset`, `pageSize`, `nextPage` or `where`", body = ErrorBody),
        (status = 401, description = "Missing or invalid credentials, or the caller is not an org-admin", body = ErrorBody),
    ),
    security(("Authorization" = [])),
)]
async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Query(params): Query<ListParams>,
) -> Result<(HeaderMap, Json<Vec<AccountJson>>), ApiError> {
    require_org_admin(&caller)?;
    let token_scope = format!("accounts:organization:{}", caller.organization_id);
    let query = ListQuery::parse(params, &token_scope, &state.tokens)?;
    let filter = compile_filter(query.filter.as_deref(), Scope::Accounts)?;
    let mut tx = state.store.read().await?;
    let rows = accounts::list(
        &mut tx,
        caller.organization_id,
        filter.as_ref(),
        query.page_with_lookahead(),
    )
    .await?;
    let total = accounts::count(&mut tx, caller.organization_id, filter.as_ref()).await?;
    tx.commit().await?;
    let (headers, rows) = query.finish(rows, |row| row.id, total, &token_scope, &state.tokens);
    Ok((
        headers,
        Json(rows.into_iter().map(AccountJson::from).collect()),
    ))
}

/// `GET /accounts/{id}`
#[utoipa::path(
    get,
    path = "/elements/api-v2/accounts/{id}",
    operation_id = "getAccount",
    tag = "accounts",
    summary = "Get one account",
    description = "Org-admins only; anyone else gets 401. A deleted (deactivated) account stays readable.",
    params(("id" = i64, Path, description = "The account id", minimum = 0)),
    responses(
        (status = 200, description = "The account", body = AccountJson),
        (status = 400, description = "An account id that is not a number", body = ErrorBody),
        (status = 401, description = "Missing or invalid credentials, or the caller is not an org-admin", body = ErrorBody),
        (status = 403, description = "The account belongs to another organization", body = ErrorBody),
        (status = 404, description = "No such account", body = ErrorBody),
    ),
    security(("Authorization" = [])),
)]
async fn show(
    State(state): State<AppState>,
    caller: Caller,
    Path(account_id): Path<String>,
) -> Result<Json<AccountJson>, ApiError> {
    require_org_admin(&caller)?;
    let account = visible_account(&state, &caller, &account_id).await?;
    Ok(Json(account.into()))
}

/// `POST /accounts`: a new customer account; a duplicate `externalId` is 409.
#[utoipa::path(
    post,
    path = "/elements/api-v2/accounts",
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
        )),
        (status = 400, description = "A body that is not a JSON object, or a missing or blank `name`", body = ErrorBody),
        (status = 401, description = "Missing or invalid credentials, or the caller is not an org-admin", body = ErrorBody),
        (status = 409, description = "The `externalId` is already taken in the organization", body = ErrorBody),
        (status = 413, description = "The body is larger than 1 MiB", body = ErrorBody),
        (status = 415, description = "The body is not `application/json`", body = ErrorBody),
    ),
    security(("Authorization" = [])),
)]
async fn create(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody<CreateAccountBody>,
) -> Result<Json<AccountJson>, ApiError> {
    require_org_admin(&caller)?;
    let name = user::required_text("name", body.name)?;
    let today = state.clock.today();
    let mut tx = state.store.begin_write().await?;
    let id = accounts::insert(
        &mut tx,
        NewAccount {
            organization_id: caller.organization_id,
            name: &name,
            description: body.description.as_deref(),
            external_id: body.external_id.as_deref(),
            is_default: false,
            created_date: &today,
        },
    )
    .await?;
    let account = accounts::find(&mut *tx, id)
        .await?
        .ok_or_else(|| ApiError::internal("created account vanished inside its transaction"))?;
    tx.commit().await?;
    Ok(Json(account.into()))
}

/// `PATCH /accounts/{id}`: name, description, externalId (409 if taken),
/// active. The default account cannot be deactivated.
#[utoipa::path(
    patch,
    path = "/elements/api-v2/accounts/{id}",
    operation_id = "updateAccount",
    tag = "accounts",
    summary = "Update an account",
    description = "Org-admins only; anyone else gets 401.",
    params(("id" = i64, Path, description = "The account id", minimum = 0)),
    request_body(content = PatchAccountBody, description = "The fields to change", content_type = "application/json"),
    responses(
        (status = 200, description = "The updated account", body = AccountJson),
        (status = 400, description = "A body that is not a JSON object, a blank `name`, or an account id that is not a number", body = ErrorBody),
        (status = 401, description = "Missing or invalid credentials, or the caller is not an org-admin", body = ErrorBody),
        (status = 403, description = "The account belongs to another organization, or is the default account and `active` is `false`", body = ErrorBody),
        (status = 404, description = "No such account", body = ErrorBody),
        (status = 409, description = "The `externalId` is already taken in the organization", body = ErrorBody),
        (status = 413, description = "The body is larger than 1 MiB", body = ErrorBody),
        (status = 415, description = "The body is not `application/json`", body = ErrorBody),
    ),
    security(("Authorization" = [])),
)]
async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Path(account_id): Path<String>,
    JsonBody(body): JsonBody<PatchAccountBody>,
) -> Result<Json<AccountJson>, ApiError> {
    require_org_admin(&caller)?;
    let account = visible_account(&state, &caller, &account_id).await?;
    let name = user::non_empty_text("name", body.name)?;
    if account.is_default && body.active == Some(false) {
        return Err(ApiError::forbidden(
            "The default account cannot be deactivated",
        ));
    }
    let mut tx = state.store.begin_write().await?;
    let changes = AccountChanges {
        name,
        description: body.description,
        external_id: body.external_id,
        active: body.active,
    };
    let deactivating = changes.active == Some(false);
    accounts::update(&mut tx, account.id, changes).await?;
    if deactivating {
        // As DELETE does: the account's users stop at once, and say so.
        accounts::deactivate(&mut tx, account.id).await?;
    }
    let account = accounts::find(&mut *tx, account.id)
        .await?
        .ok_or_else(|| ApiError::internal("an updated account vanished inside its transaction"))?;
    tx.commit().await?;
    Ok(Json(account.into()))
}

/// `DELETE /accounts/{id}`: deactivates the account and its users (their
/// secrets stop working at once); the account stays readable. 200 with an
/// empty body; the default account cannot be deleted.
#[utoipa::path(
    delete,
    path = "/elements/api-v2/accounts/{id}",
    operation_id = "deleteAccount",
    tag = "accounts",
    summary = "Delete (deactivate) an account",
    description = "Org-admins only; anyone else gets 401. Deactivates the account and its users, whose secrets stop working at once; the account stays readable.",
    params(("id" = i64, Path, description = "The account id", minimum = 0)),
    responses(
        (status = 200, description = "Deactivated; the body is empty"),
        (status = 400, description = "An account id that is not a number", body = ErrorBody),
        (status = 401, description = "Missing or invalid credentials, or the caller is not an org-admin", body = ErrorBody),
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
    require_org_admin(&caller)?;
    let account = visible_account(&state, &caller, &account_id).await?;
    if account.is_default {
        return Err(ApiError::forbidden("The default account cannot be deleted"));
    }
    let mut tx = state.store.begin_write().await?;
    accounts::deactivate(&mut tx, account.id).await?;
    tx.commit().await?;
    Ok(StatusCode::OK)
}
