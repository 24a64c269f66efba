//! Who may touch which account and user (SPEC §1 and §3), as the handlers
//! ask it: the account a path names, whether the caller manages it, whether
//! a user is above the caller, and what a caller may see of one user.

use crate::api::extract::parse_id;
use crate::auth::Caller;
use crate::domain::role::Role;
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::accounts::{self, AccountRow};
use crate::store::users::{UserKey, UserRow};

/// The account a path names: 404 if there is none, 403 if it belongs to
/// another organization (SPEC §3).
pub(crate) async fn visible_account(
    state: &AppState,
    caller: &Caller,
    id_text: &str,
) -> Result<AccountRow, ApiError> {
    let id = parse_id("account id", id_text)?;
    let account = accounts::find_cached(&state.store, id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("No account found with id {id}")))?;
    if account.organization_id != caller.organization_id {
        return Err(forbidden_account(id));
    }
    Ok(account)
}

fn forbidden_account(id: i64) -> ApiError {
    ApiError::forbidden(format!("You may not manage the users of account {id}"))
}

/// The account, if the caller may manage its users (org-admin, or admin of it).
pub(crate) async fn managed_account(
    state: &AppState,
    caller: &Caller,
    id_text: &str,
) -> Result<AccountRow, ApiError> {
    let account = visible_account(state, caller, id_text).await?;
    require_manages(caller, &account)?;
    Ok(account)
}

/// An admin manages the users of their account, but not one who holds a
/// role the admin could not grant (an org-admin of the default account):
/// changing that user's password or deleting them would hand the admin
/// powers SPEC §1 keeps from them.
pub(crate) fn require_outranks(
    caller: &Caller,
    account: &AccountRow,
    target: &UserRow,
) -> Result<(), ApiError> {
    if caller.is_org_admin() || target.id == caller.user_id {
        return Ok(());
    }
    let above = target.roles().iter().find(|role| {
        *role != Role::Org && !caller.may_grant(*role, account.id, account.is_default)
    });
    match above {
        Some(role) => Err(ApiError::forbidden(format!(
            "You may not change a user who holds the role '{}'",
            role.key()
        ))),
        None => Ok(()),
    }
}

pub(crate) fn require_manages(caller: &Caller, account: &AccountRow) -> Result<(), ApiError> {
    if caller.manages_account(account.organization_id, account.id) {
        Ok(())
    } else {
        Err(forbidden_account(account.id))
    }
}

/// SPEC §3 for reading one user: a manager of the account sees anyone in
/// it; anyone else only themselves, and learns nothing about whether any
/// other record exists.
pub(crate) fn visible<T>(
    caller: &Caller,
    account: &AccountRow,
    key: &UserKey,
    found: Option<T>,
    id_of: impl Fn(&T) -> i64,
) -> Result<T, ApiError> {
    let manages = caller.manages_account(account.organization_id, account.id);
    match found {
        Some(user) if manages || id_of(&user) == caller.user_id => Ok(user),
        _ if !manages => Err(forbidden_account(account.id)),
        _ => {
            let shown = match key {
                UserKey::Id(id) => id.to_string(),
                UserKey::Email(email) => email.clone(),
            };
            Err(ApiError::not_found(format!(
                "No user '{shown}' found in account {}",
                account.id
            )))
        }
    }
}
