//! Organizations as the controls and the start-up make them: a new one with
//! its default account and first org-admin (the server's own at bootstrap,
//! or a tenant), a reset back to how it was made, a delete, and the reset
//! of the whole server. All of them go through `store::organizations::create`,
//! the one way an organization comes to exist. Also the caller's own
//! organization, as `/organizations/me` and `/organizations/{id}/…` reach
//! it.

use crate::domain::access::Caller;
use crate::domain::password::{HashError, Password};
use crate::domain::secret::Secret;
use crate::domain::user::{Email, NewUser};
use crate::error::ApiError;
use crate::store::organizations::{
    self, DefaultAccount, FirstAdmin, NewOrganization, OrganizationIds, OrganizationListing,
    OrganizationRow, OriginKind,
};
use crate::store::StoreError;

use super::accounts::require_org_admin;
use super::fixtures::{self, Hashes, Progress, SeedReport, Source};
use super::Services;

/// A new organization and its first org-admin, checked.
#[derive(Debug)]
pub struct NewOrganizationInput {
    pub name: String,
    pub org_secret: Secret,
    pub user_secret: Secret,
    pub admin_email: Email,
    pub admin_password: Password,
}

/// A new organization whose admin password is hashed: ready to insert.
#[derive(Debug)]
pub struct PreparedOrganization {
    input: NewOrganizationInput,
    admin: NewUser,
    hash: String,
}

impl PreparedOrganization {
    pub fn input(&self) -> &NewOrganizationInput {
        &self.input
    }
}

/// Hashes the admin's password (outside any transaction: it is slow).
pub async fn prepare(
    services: &Services,
    input: NewOrganizationInput,
) -> Result<PreparedOrganization, HashError> {
    let hash = services.hasher.hash(input.admin_password.clone()).await?;
    let admin = NewUser::org_admin(input.admin_email.clone());
    Ok(PreparedOrganization { input, admin, hash })
}

/// Inserts a prepared organization inside the caller's transaction.
pub async fn insert(
    conn: &mut sqlx::SqliteConnection,
    kind: OriginKind,
    prepared: &PreparedOrganization,
    today: &str,
) -> Result<OrganizationIds, StoreError> {
    organizations::create(
        conn,
        NewOrganization {
            kind,
            name: &prepared.input.name,
            secret: &prepared.input.org_secret,
            default_account: DefaultAccount::STANDARD,
            admin: Some(FirstAdmin {
                user: &prepared.admin,
                password_hash: &prepared.hash,
                secret: &prepared.input.user_secret,
            }),
            today,
        },
    )
    .await
}

/// A new organization in a transaction of its own.
pub async fn create(
    services: &Services,
    kind: OriginKind,
    input: NewOrganizationInput,
) -> Result<OrganizationIds, ApiError> {
    let prepared = prepare(services, input).await?;
    let today = services.clock.today();
    let mut tx = services.store.begin_write().await?;
    let ids = insert(&mut tx, kind, &prepared, &today).await?;
    tx.commit().await?;
    Ok(ids)
}

/// Back to how it was made: its default account and its first org-admin
/// (same id, email, password and secret), nothing else.
pub async fn reset(services: &Services, id: i64) -> Result<OrganizationIds, ApiError> {
    let mut tx = services.store.begin_write().await?;
    let ids = organizations::reset(&mut tx, id)
        .await?
        .ok_or_else(|| no_organization(id))?;
    tx.commit().await?;
    Ok(ids)
}

/// The organization and everything in it; not the server's own.
pub async fn delete(services: &Services, id: i64) -> Result<(), ApiError> {
    let mut tx = services.store.begin_write().await?;
    if organizations::server_organization(&mut tx).await? == Some(id) {
        return Err(ApiError::forbidden(
            "The server's own organization cannot be deleted; POST /__admin/reset resets it",
        ));
    }
    if !organizations::delete(&mut tx, id).await? {
        return Err(no_organization(id));
    }
    tx.commit().await?;
    Ok(())
}

/// Every organization but the server's own removed, and that one reset.
pub async fn reset_server(services: &Services) -> Result<OrganizationIds, ApiError> {
    let mut tx = services.store.begin_write().await?;
    let server = organizations::server_organization(&mut tx)
        .await?
        .ok_or_else(|| ApiError::internal("the server organization is missing"))?;
    organizations::delete_all_but(&mut tx, server).await?;
    let ids = organizations::reset(&mut tx, server)
        .await?
        .ok_or_else(|| ApiError::internal("the server organization has no origin"))?;
    tx.commit().await?;
    Ok(ids)
}

/// Adds a fixture's organizations, all or nothing. Its passwords are
/// hashed first, before the write transaction (which other writers wait
/// for) begins.
pub async fn seed(services: &Services, source: Source) -> Result<SeedReport, ApiError> {
    let hashes = Hashes::before_loading(&source, &services.hasher)
        .await
        .map_err(fixtures::into_api_error)?;
    let today = services.clock.today();
    let mut tx = services.store.begin_write().await?;
    let loaded = fixtures::load(
        &mut tx,
        source,
        hashes,
        &today,
        &mut Progress::silent(),
        true,
    )
    .await
    .map_err(fixtures::into_api_error)?;
    tx.commit().await?;
    loaded
        .report
        .ok_or_else(|| ApiError::internal("a fixture load without its report"))
}

/// Every organization with the credentials of an org-admin, for the
/// controls (which are trusted: they can make and reset organizations).
pub async fn list(services: &Services) -> Result<Vec<OrganizationListing>, ApiError> {
    let mut tx = services.store.read().await?;
    let listing = organizations::list(&mut tx).await?;
    tx.commit().await?;
    Ok(listing)
}

fn no_organization(id: i64) -> ApiError {
    ApiError::not_found(format!("No organization with id {id}"))
}

/// The caller's organization, for org-admins only (anyone else gets 401,
/// as for the account routes).
pub async fn me(services: &Services, caller: &Caller) -> Result<OrganizationRow, ApiError> {
    require_org_admin(caller)?;
    own(services, caller).await
}

/// Renames the caller's organization: its name is the only thing a client
/// may change.
pub async fn rename_me(
    services: &Services,
    caller: &Caller,
    name: Option<String>,
) -> Result<OrganizationRow, ApiError> {
    require_org_admin(caller)?;
    let name = crate::domain::user::required_text("name", name)?;
    let mut tx = services.store.begin_write().await?;
    organizations::rename(&mut tx, caller.organization_id, &name).await?;
    let found = organizations::find(&mut *tx, caller.organization_id).await?;
    tx.commit().await?;
    found.ok_or_else(missing_own)
}

/// The organization an `/organizations/{id}/…` path names, for org-admins
/// only (401 for anyone else): the caller's own, or 403 for another one
/// that exists, 404 for none.
pub async fn check_own(services: &Services, caller: &Caller, id: i64) -> Result<(), ApiError> {
    require_org_admin(caller)?;
    if id == caller.organization_id {
        return Ok(());
    }
    Err(
        match organizations::find(services.store.reader(), id).await? {
            Some(_) => ApiError::forbidden(format!("You may not access organization {id}")),
            None => no_organization(id),
        },
    )
}

/// The id of the caller's organization's default account.
pub async fn default_account(services: &Services, caller: &Caller) -> Result<i64, ApiError> {
    Ok(own(services, caller).await?.default_account_id)
}

/// The caller's own organization (one statement: no transaction needed).
async fn own(services: &Services, caller: &Caller) -> Result<OrganizationRow, ApiError> {
    organizations::find(services.store.reader(), caller.organization_id)
        .await?
        .ok_or_else(missing_own)
}

fn missing_own() -> ApiError {
    ApiError::internal("the caller's organization is missing")
}
