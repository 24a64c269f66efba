//! Accounts: the account a path names, and the account operations, which
//! only organization administrators may use (anyone else gets 401, as the
//! real service answers).

use crate::domain::access::Caller;
use crate::domain::user;
use crate::error::ApiError;
use crate::store::accounts::{self, AccountChanges, AccountRow, NewAccount};
use crate::store::Store;

use super::paging::{ListQuery, ListRequest, Page};
use super::Services;

/// The account a path names: 404 if there is none, 403 if it belongs to
/// another organization. Read through the cache: most requests start here.
pub(super) async fn visible_account(
    store: &Store,
    caller: &Caller,
    id: i64,
) -> Result<AccountRow, ApiError> {
    let account = accounts::find_cached(store, id).await?;
    check_visible(caller, id, account)
}

/// As `visible_account`, read inside a transaction (a write's).
pub(super) async fn account_in(
    conn: &mut sqlx::SqliteConnection,
    caller: &Caller,
    id: i64,
) -> Result<AccountRow, ApiError> {
    let account = accounts::find(conn, id).await?;
    check_visible(caller, id, account)
}

pub(super) fn check_visible(
    caller: &Caller,
    id: i64,
    account: Option<AccountRow>,
) -> Result<AccountRow, ApiError> {
    let account =
        account.ok_or_else(|| ApiError::not_found(format!("No account found with id {id}")))?;
    if account.organization_id != caller.organization_id {
        return Err(forbidden_account(id));
    }
    Ok(account)
}

pub(super) fn no_account(id: i64) -> ApiError {
    ApiError::not_found(format!("No account found with id {id}"))
}

pub(super) fn forbidden_account(id: i64) -> ApiError {
    ApiError::forbidden(format!("You may not manage the users of account {id}"))
}

/// 401 for anyone but an org-admin: the account routes, and those about
/// the caller's organization, are theirs alone.
pub(super) fn require_org_admin(caller: &Caller) -> Result<(), ApiError> {
    if caller.manages_accounts() {
        Ok(())
    } else {
        Err(ApiError::unauthorized())
    }
}

/// A new account as a client sent it.
#[derive(Debug, Default)]
pub struct NewAccountInput {
    pub name: Option<String>,
    pub description: Option<String>,
    pub external_id: Option<String>,
}

/// Changes to an account; `Some(None)` clears a field.
#[derive(Debug, Default)]
pub struct AccountPatch {
    pub name: Option<String>,
    pub description: Option<Option<String>>,
    pub external_id: Option<Option<String>>,
    pub active: Option<bool>,
}

/// The organization's accounts: the default account first, then by id.
pub async fn list(
    services: &Services,
    caller: &Caller,
    request: ListRequest,
) -> Result<Page<Vec<AccountRow>>, ApiError> {
    require_org_admin(caller)?;
    let token_scope = format!("accounts:organization:{}", caller.organization_id);
    let query = ListQuery::parse(request, &token_scope, &services.tokens)?;
    let filter = super::visible_filter(
        query.filter.as_deref(),
        query.include_inactive,
        accounts::FILTER,
    )?;
    let mut tx = services.store.read().await?;
    let rows = accounts::list(
        &mut tx,
        caller.organization_id,
        filter.as_ref(),
        query.page_with_lookahead(),
    )
    .await?;
    let total = accounts::count(&mut tx, caller.organization_id, filter.as_ref()).await?;
    tx.commit().await?;
    Ok(query.page_of_rows(rows, |row| row.id, total, &services.tokens))
}

/// One account of the caller's organization; an inactive one only with
/// `includeInactive`.
pub async fn show(
    services: &Services,
    caller: &Caller,
    id: i64,
    include_inactive: bool,
) -> Result<AccountRow, ApiError> {
    require_org_admin(caller)?;
    let account = visible_account(&services.store, caller, id).await?;
    if !account.active && !include_inactive {
        return Err(no_account(id));
    }
    Ok(account)
}

/// A new customer account. `externalId` is required (as the real service
/// documents: "The required fields are: externalId"); `name` defaults to
/// it. A duplicate `externalId` is 409.
pub async fn create(
    services: &Services,
    caller: &Caller,
    input: NewAccountInput,
) -> Result<AccountRow, ApiError> {
    require_org_admin(caller)?;
    let external_id = user::required_text("externalId", input.external_id)?;
    let name = match input.name {
        Some(name) => user::required_text("name", Some(name))?,
        None => external_id.clone(),
    };
    user::bounded_text("description", input.description.as_deref())?;
    let today = services.clock.today();
    let mut tx = services.store.begin_write().await?;
    let id = accounts::insert(
        &mut tx,
        NewAccount {
            organization_id: caller.organization_id,
            name: &name,
            description: input.description.as_deref(),
            external_id: Some(&external_id),
            is_default: false,
            created_date: &today,
        },
    )
    .await?;
    let account = accounts::find(&mut *tx, id)
        .await?
        .ok_or_else(|| ApiError::internal("created account vanished inside its transaction"))?;
    tx.commit().await?;
    Ok(account)
}

/// Changes an account. `active: false` deactivates it and its users, as a
/// delete does; the default account cannot be deactivated.
pub async fn update(
    services: &Services,
    caller: &Caller,
    id: i64,
    patch: AccountPatch,
) -> Result<AccountRow, ApiError> {
    require_org_admin(caller)?;
    visible_account(&services.store, caller, id).await?;
    let name = user::non_empty_text("name", patch.name)?;
    user::bounded_text(
        "description",
        patch.description.as_ref().and_then(Option::as_deref),
    )?;
    user::bounded_text(
        "externalId",
        patch.external_id.as_ref().and_then(Option::as_deref),
    )?;
    let mut tx = services.store.begin_write().await?;
    let account = account_in(&mut tx, caller, id).await?;
    if account.is_default && patch.active == Some(false) {
        return Err(ApiError::forbidden(
            "The default account cannot be deactivated",
        ));
    }
    let deactivating = patch.active == Some(false);
    let changes = AccountChanges {
        name,
        description: patch.description,
        external_id: patch.external_id,
        active: patch.active,
        updated_date: services.clock.today(),
    };
    accounts::update(&mut tx, account.id, changes).await?;
    if deactivating {
        // As DELETE does: the account's users stop at once, and say so.
        accounts::deactivate(&mut tx, account.id).await?;
    }
    let account = accounts::find(&mut *tx, account.id)
        .await?
        .ok_or_else(|| ApiError::internal("an updated account vanished inside its transaction"))?;
    tx.commit().await?;
    Ok(account)
}

/// Replaces an account (`PUT`): the body is a whole account, checked as
/// for a create (`externalId` required, `name` defaulting to it), and a
/// `description` it does not give is cleared. `active` is not part of an
/// account as created: it stays as it is.
pub async fn replace(
    services: &Services,
    caller: &Caller,
    id: i64,
    input: NewAccountInput,
) -> Result<AccountRow, ApiError> {
    require_org_admin(caller)?;
    visible_account(&services.store, caller, id).await?;
    let external_id = user::required_text("externalId", input.external_id)?;
    let name = match input.name {
        Some(name) => user::required_text("name", Some(name))?,
        None => external_id.clone(),
    };
    user::bounded_text("description", input.description.as_deref())?;
    let patch = AccountPatch {
        name: Some(name),
        description: Some(input.description),
        external_id: Some(Some(external_id)),
        active: None,
    };
    update(services, caller, id, patch).await
}

/// Deletes an account and all its users (as the real service documents:
/// "Deleting an account will delete all users contained within that
/// account"): afterwards they are 404, their secrets stop working at once,
/// and the `externalId` and the emails are free again. Not the default
/// account.
pub async fn delete(services: &Services, caller: &Caller, id: i64) -> Result<(), ApiError> {
    require_org_admin(caller)?;
    let mut tx = services.store.begin_write().await?;
    let account = account_in(&mut tx, caller, id).await?;
    if account.is_default {
        return Err(ApiError::forbidden("The default account cannot be deleted"));
    }
    accounts::delete(&mut tx, account.id).await?;
    tx.commit().await?;
    Ok(())
}
