//! A user's roles: listing, granting and revoking one, under the grant
//! rules of `domain::access`. Nobody changes their own roles.

use crate::domain::access::Caller;
use crate::domain::role::Role;
use crate::error::ApiError;
use crate::store::accounts::{self, AccountRow};
use crate::store::roles::RoleRow;
use crate::store::users::{self, UserRow};
use crate::store::StoreError;

use super::accounts::{account_in, require_org_admin};
use super::users::{
    locate_in_organization, not_grantable, parse_role_keys, require_manages, require_outranks,
};
use super::Services;

/// The roles of a user, for anyone who may see the user, in catalogue
/// order.
pub async fn list(
    services: &Services,
    caller: &Caller,
    user: &str,
) -> Result<Vec<RoleRow>, ApiError> {
    let mut tx = services.store.read().await?;
    let (row, account) = locate_in_organization(&mut tx, caller, user).await?;
    tx.commit().await?;
    if row.id != caller.user_id {
        require_manages(caller, &account)?;
    }
    row.roles()
        .iter()
        .map(|role| catalogue_row(services, role))
        .collect()
}

fn catalogue_row(services: &Services, role: Role) -> Result<RoleRow, ApiError> {
    services.store.roles().get(role).cloned().ok_or_else(|| {
        ApiError::internal(format!("the role '{}' is not in the catalogue", role.key()))
    })
}

/// Grants a role; 409 if the user holds it already.
pub async fn grant(
    services: &Services,
    caller: &Caller,
    user: &str,
    key: &str,
) -> Result<RoleRow, ApiError> {
    let role = parse_role(key)?;
    let mut tx = services.store.begin_write().await?;
    let (row, _) = changeable(&mut tx, caller, user, role).await?;
    let already = || ApiError::conflict(format!("User {} already has the role '{key}'", row.id));
    if row.roles().contains(role) {
        return Err(already());
    }
    users::add_role(&mut tx, row.id, role)
        .await
        .map_err(|error| match error {
            StoreError::Conflict(_) => already(),
            other => other.into(),
        })?;
    tx.commit().await?;
    catalogue_row(services, role)
}

/// Revokes a role; 404 if the user does not hold it.
pub async fn revoke(
    services: &Services,
    caller: &Caller,
    user: &str,
    key: &str,
) -> Result<(), ApiError> {
    let role = parse_role(key)?;
    let mut tx = services.store.begin_write().await?;
    let (row, _) = changeable(&mut tx, caller, user, role).await?;
    if !users::remove_role(&mut tx, row.id, role).await? {
        return Err(ApiError::not_found(format!(
            "User {} does not have the role '{key}'",
            row.id
        )));
    }
    tx.commit().await?;
    Ok(())
}

fn parse_role(key: &str) -> Result<Role, ApiError> {
    parse_role_keys(&[key.to_owned()])?
        .pop()
        .ok_or_else(|| ApiError::bad_request(format!("Invalid role: {key}")))
}

/// The checks both changes share, in the order a client learns of them:
/// an unknown key (400, before this), no such user (404), then who may
/// (403). Whether the caller may grant the role comes before whether the
/// user holds it, so that one who may not learns nothing about it.
async fn changeable(
    conn: &mut sqlx::SqliteConnection,
    caller: &Caller,
    user: &str,
    role: Role,
) -> Result<(UserRow, AccountRow), ApiError> {
    let (row, account) = locate_in_organization(conn, caller, user).await?;
    if row.id == caller.user_id {
        return Err(ApiError::forbidden("You may not change your own roles"));
    }
    require_manages(caller, &account)?;
    require_outranks(caller, &account, &row)?;
    if !caller.may_change_grant(role, account.facts()) {
        return Err(not_grantable(role, &account));
    }
    Ok((row, account))
}

/// The roles of an account, in catalogue order: every user created in the
/// account afterwards starts with them. For org-admins, as every account
/// route.
pub async fn list_of_account(
    services: &Services,
    caller: &Caller,
    account_id: i64,
) -> Result<Vec<RoleRow>, ApiError> {
    require_org_admin(caller)?;
    let mut tx = services.store.read().await?;
    let account = account_in(&mut tx, caller, account_id).await?;
    let roles = accounts::roles(&mut tx, account.id).await?;
    tx.commit().await?;
    roles
        .iter()
        .map(|role| catalogue_row(services, role))
        .collect()
}

/// Gives an account a role, under the grant rules as for a user of that
/// account; 409 if it has it already. The key is checked before the
/// account (an unknown key is 400 even on another organization's account,
/// as the real service's test suite expects).
pub async fn grant_to_account(
    services: &Services,
    caller: &Caller,
    account_id: i64,
    key: &str,
) -> Result<RoleRow, ApiError> {
    let role = parse_role(key)?;
    require_org_admin(caller)?;
    let mut tx = services.store.begin_write().await?;
    let account = changeable_account(&mut tx, caller, account_id, role).await?;
    if !accounts::add_role(&mut tx, account.id, role).await? {
        return Err(ApiError::conflict(format!(
            "Account {} already has the role '{key}'",
            account.id
        )));
    }
    tx.commit().await?;
    catalogue_row(services, role)
}

/// Takes a role from an account (users created before keep theirs); 404
/// if it does not have it.
pub async fn revoke_from_account(
    services: &Services,
    caller: &Caller,
    account_id: i64,
    key: &str,
) -> Result<(), ApiError> {
    let role = parse_role(key)?;
    require_org_admin(caller)?;
    let mut tx = services.store.begin_write().await?;
    let account = changeable_account(&mut tx, caller, account_id, role).await?;
    if !accounts::remove_role(&mut tx, account.id, role).await? {
        return Err(ApiError::not_found(format!(
            "Account {} does not have the role '{key}'",
            account.id
        )));
    }
    tx.commit().await?;
    Ok(())
}

/// The account whose `role` a change names, read inside the change's
/// transaction: of the caller's organization (404, 403), and a role the
/// caller may give to a user of it (403).
async fn changeable_account(
    conn: &mut sqlx::SqliteConnection,
    caller: &Caller,
    account_id: i64,
    role: Role,
) -> Result<AccountRow, ApiError> {
    let account = account_in(conn, caller, account_id).await?;
    if !caller.may_change_grant(role, account.facts()) {
        return Err(not_grantable(role, &account));
    }
    Ok(account)
}
