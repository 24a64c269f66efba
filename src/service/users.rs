//! Users: listing, reading (with the secret for the right password),
//! creating, updating and deleting, whether a path names them through
//! their account (`/accounts/{id}/users…`) or through the caller's
//! organization (`/users…`). Both kinds of path share every rule here.

use crate::ceql::ast::{Cmp, Literal, Op, Predicate, Value};
use crate::ceql::{self, Expr};
use crate::domain::access::{self, Caller, ListedUsers};
use crate::domain::password::{Password, Queue};
use crate::domain::role::{Role, RoleSet};
use crate::domain::secret::Secret;
use crate::domain::user::{self, Address, AddressChanges, Email, NewUser};
use crate::error::ApiError;
use crate::store::accounts::{self, AccountRow};
use crate::store::users::{
    self, Kept, NewUserRow, UserChanges, UserKey, UserPage, UserRow, UserScope,
};
use crate::store::{Change, Tenant};

use super::accounts::{check_visible, no_account, visible_account};
use super::paging::{ListQuery, ListRequest, Page};
use super::Services;

/// Which users a path reaches: those of one account, or those of the
/// caller's organization.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Within {
    Account(i64),
    Organization,
}

/// A user as an answer shows it: the stored JSON (which never holds the
/// secret), and the secret where the answer includes it.
#[derive(Debug, Clone)]
pub struct Shown {
    pub json: String,
    pub secret: Option<Secret>,
}

impl Shown {
    fn without_secret(row: UserRow) -> Self {
        Self {
            json: row.json,
            secret: None,
        }
    }

    fn with_secret(row: UserRow) -> Self {
        Self {
            json: row.json,
            secret: Some(Secret::new(row.secret)),
        }
    }
}

/// A path segment naming a user: all digits is an id, anything else an
/// email.
pub fn user_key(text: &str) -> UserKey {
    match text.parse::<i64>() {
        Ok(id) if text.bytes().all(|byte| byte.is_ascii_digit()) => UserKey::Id(id),
        _ => UserKey::Email(text.to_owned()),
    }
}

/// A new user as a client sent it.
#[derive(Debug, Default)]
pub struct NewUserInput {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    pub password: Option<String>,
    pub address: Address,
    pub roles: Option<Vec<String>>,
}

/// Changes to a user as a client sent them; `None` leaves a field alone.
#[derive(Debug, Default)]
pub struct UserPatch {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    pub password: Option<String>,
    pub active: Option<bool>,
    pub roles: Option<Vec<String>>,
    pub address: AddressChanges,
}

/// Whether the user counts kept per account answer a list's count, and
/// which (`Some(None)`: nobody can match): for a list with no `where`, or
/// one whose `where` is only `active = true`, `active = false`,
/// `roles = '<key>'` or `roles != '<key>'`. `None`: the users must be
/// counted.
fn kept_count(filter: Option<&Expr>, include_inactive: bool) -> Option<Option<Kept>> {
    let Some(filter) = filter else {
        return Some(Some(if include_inactive {
            Kept::Users
        } else {
            Kept::Active
        }));
    };
    let Expr::Predicate(Predicate {
        field,
        op: Op::Compare {
            cmp,
            value: Literal { value, .. },
        },
        ..
    }) = filter
    else {
        return None;
    };
    let field = field.name.to_ascii_lowercase();
    Some(match (*cmp, field.as_str(), value) {
        (Cmp::Eq, "active", Value::Bool(true)) => Some(Kept::Active),
        (Cmp::Eq, "active", Value::Bool(false)) if include_inactive => Some(Kept::Inactive),
        // Inactive users hidden, and only they asked for.
        (Cmp::Eq, "active", Value::Bool(false)) => None,
        (Cmp::Eq, "roles", Value::String(role)) => Some(Kept::Holders {
            role: role.clone(),
            active_only: !include_inactive,
        }),
        (Cmp::Ne, "roles", Value::String(role)) => Some(Kept::NonHolders {
            role: role.clone(),
            active_only: !include_inactive,
        }),
        _ => return None,
    })
}

/// One page of users. An account with no users at all is 404 `No users
/// found`, as the real service documents; a filter that matches nothing in
/// an account that has users is an empty page.
pub async fn list(
    services: &Services,
    caller: &Caller,
    within: Within,
    request: ListRequest,
) -> Result<Page<String>, ApiError> {
    let scope = match within {
        Within::Account(id) => {
            let account = visible_account(&services.store, caller, id).await?;
            require_manages(caller, &account)?;
            UserScope::Account(account.id)
        }
        Within::Organization => match caller.listed_users() {
            Some(ListedUsers::Organization(id)) => UserScope::Organization(id),
            Some(ListedUsers::Account(id)) => UserScope::Account(id),
            None => return Err(ApiError::forbidden("Only administrators may list users")),
        },
    };
    let token_scope = match scope {
        UserScope::Account(id) => format!("users:account:{id}"),
        UserScope::Organization(id) => format!("users:organization:{id}"),
    };
    let query = ListQuery::parse(request, &token_scope, &services.tokens)?;
    let store = &services.store;
    // Every list is of the caller's organization's users, and is kept until
    // a write changes them (or anyone's): all that was asked is the key.
    let asked = format!(
        "{scope:?}|{}|{:?}|{:?}",
        query.include_inactive, query.page, query.filter
    );
    let tenant = store.tenant_generation(caller.organization_id);
    if let Some((total, page)) = users::cached_page(store, &asked, tenant) {
        return Ok(query.page(
            page.body,
            total,
            page.returned,
            page.next_after,
            &services.tokens,
        ));
    }
    // Parsed once: compiled, and read by `kept_count`.
    let tree = query
        .filter
        .as_deref()
        .map(ceql::parse)
        .transpose()
        .map_err(super::where_error)?;
    // One read transaction: the page and its count see the same snapshot.
    let mut tx = store.read().await?;
    let mut fields = users::FILTER;
    if tree.as_ref().is_some_and(|tree| tree.names_field("roles")) {
        fields = fields.with_common_roles(users::common_roles(&mut tx, scope).await?);
    }
    let compiled = tree
        .as_ref()
        .map(|tree| ceql::compile(tree, fields))
        .transpose()
        .map_err(super::where_error)?;
    let filter = super::hiding_inactive(compiled, query.include_inactive, fields)?;
    // The count first: it says how to find the page (`users::PageOrder`).
    let total = match kept_count(tree.as_ref(), query.include_inactive) {
        Some(Some(kept)) => users::kept_total(&mut tx, scope, kept).await?,
        Some(None) => 0,
        None => users::count_cached(store, &mut tx, tenant, scope, filter.as_ref()).await?,
    };
    if total == 0 {
        // Every visible user, to tell "no users at all" from "none match".
        let visible = super::hiding_inactive(None, query.include_inactive, users::FILTER)?;
        if tree.is_none() || !users::any(&mut tx, scope, visible.as_ref()).await? {
            return Err(ApiError::not_found("No users found"));
        }
    }
    // Nothing to look for when nothing matches (a filter no index
    // searches would be tested against every user to find so).
    let page = if total == 0 {
        UserPage::default()
    } else {
        users::list(&mut tx, scope, filter.as_ref(), query.page, total).await?
    };
    tx.commit().await?;
    users::remember_page(store, asked, tenant, total, &page);
    Ok(query.page(
        page.body,
        total,
        page.returned,
        page.next_after,
        &services.tokens,
    ))
}

/// One user, as the caller may see them. With `password` (the
/// `Elements-User-Password` header) the answer includes the secret when it
/// is right, and is 401 when it is wrong.
pub async fn show(
    services: &Services,
    caller: &Caller,
    within: Within,
    user: &str,
    password: Option<&[u8]>,
    include_inactive: bool,
) -> Result<Shown, ApiError> {
    let store = &services.store;
    let (account, key) = match within {
        Within::Account(id) => (visible_account(store, caller, id).await?, user_key(user)),
        Within::Organization => {
            let mut tx = store.read().await?;
            let (row, account) = locate_in_organization(&mut tx, caller, user).await?;
            tx.commit().await?;
            (account, UserKey::Id(row.id))
        }
    };
    let scope = UserScope::Account(account.id);
    let Some(password) = password else {
        // The common read: the stored JSON, no secret, no password check.
        let found = users::find_json_cached(store, account.organization_id, scope, &key).await?;
        // Without `includeInactive`, an inactive user is not there.
        let found = found.filter(|user| include_inactive || user.active);
        let user = visible(caller, &account, &key, found, |user| user.id)?;
        return Ok(Shown {
            json: user.json,
            secret: None,
        });
    };
    let found = users::find(store.reader(), scope, &key).await?;
    let found = found.filter(|row| include_inactive || row.active);
    let row = visible(caller, &account, &key, found, |row| row.id)?;
    let wrong = || {
        ApiError::Unauthorized(format!(
            "Invalid Elements-User-Password for user {}",
            row.id
        ))
    };
    let attempts = &services.password_attempts;
    attempts
        .begin(row.id)
        .map_err(|wait| ApiError::TooManyRequests {
            message: format!(
                "Too many wrong passwords for user {}; retry in {} s",
                row.id,
                wait.as_secs().max(1)
            ),
            retry_after: wait.as_secs().max(1),
        })?;
    let matches = match std::str::from_utf8(password) {
        Ok(password) => {
            let hash = users::password_hash(store.reader(), row.id)
                .await?
                .ok_or_else(wrong)?;
            let queue = Queue::Organization(caller.organization_id);
            services
                .hasher
                .verify(queue, Password::new(password), hash)
                .await?
        }
        Err(_) => false,
    };
    if matches {
        attempts.succeeded(row.id);
        Ok(Shown::with_secret(row))
    } else {
        Err(wrong())
    }
}

/// Creates a user in an account the caller manages; the answer includes
/// the new user's secret.
pub async fn create(
    services: &Services,
    caller: &Caller,
    account_id: i64,
    input: NewUserInput,
) -> Result<Shown, ApiError> {
    // Checked before hashing, so that a caller who may not create users
    // cannot make the server hash for them (and what the write relies on;
    // see below).
    let account = visible_account(&services.store, caller, account_id).await?;
    require_manages(caller, &account)?;
    let first_name = user::required_text("firstName", input.first_name)?;
    let last_name = user::required_text("lastName", input.last_name)?;
    input.address.check()?;
    let email = Email::parse(input.email.as_deref().unwrap_or(""))?;
    let password = user::required_password(input.password)?;
    let requested = parse_role_keys(input.roles.as_deref().unwrap_or_default())?;
    let roles = requested_roles(&account, &requested)?;
    check_grants(caller, &account, &RoleSet::default(), &roles)?;
    let new_user = NewUser {
        first_name,
        last_name,
        email,
        address: input.address,
        roles: roles.iter().collect(),
    };
    let queue = Queue::Organization(caller.organization_id);
    let hash = services.hasher.hash_in(queue, password).await?;
    let secret = Secret::generate();
    // One hand-off to the writer (`users::create`), in a transaction it may
    // share with other writes (`Store::write`): the account's own roles
    // join those asked for there, whoever creates the user (as `org` in the
    // default account). The account the checks above read is checked
    // again by the insert itself: deleted meanwhile, its foreign key
    // refuses the row; its id now another organization's (a snapshot
    // restored in between), a trigger does (migration 0007). Either is
    // answered as when the account was not found.
    let row = NewUserRow {
        organization_id: account.organization_id,
        account_id: account.id,
        user: new_user,
        password_hash: hash,
        secret_digest: secret.digest().as_bytes().to_vec(),
        secret: secret.expose().to_owned(),
        active: true,
        created_date: services.clock.today(),
    };
    let created = services
        .store
        .write(
            Change::AddedUsers,
            Tenant::Organization(row.organization_id),
            move |conn| Box::pin(async move { users::create(conn, &row).await }),
        )
        .await?
        .ok_or_else(|| no_account(account_id))?;
    Ok(Shown::with_secret(created))
}

/// Applies changes to a user the caller manages.
pub async fn update(
    services: &Services,
    caller: &Caller,
    within: Within,
    user: &str,
    patch: UserPatch,
) -> Result<Shown, ApiError> {
    // Who and where first, then what: a caller who may not touch the user
    // learns nothing from the body's mistakes.
    let account = locate_outside(services, caller, within, user).await?;
    apply(services, caller, within, user, &account, patch).await
}

/// Applies changes to a user whose account (`account`) `locate_outside`
/// found: checks the changes, hashes a new password, then writes,
/// checking who and where again inside the write.
async fn apply(
    services: &Services,
    caller: &Caller,
    within: Within,
    user: &str,
    account: &AccountRow,
    patch: UserPatch,
) -> Result<Shown, ApiError> {
    let email = patch.email.as_deref().map(Email::parse).transpose()?;
    let first_name = user::non_empty_text("firstName", patch.first_name)?;
    let last_name = user::non_empty_text("lastName", patch.last_name)?;
    patch.address.check()?;
    let password = user::non_empty_text("password", patch.password)?;
    let wanted_roles = match patch.roles.as_deref() {
        Some(keys) => Some(requested_roles(account, &parse_role_keys(keys)?)?),
        None => None,
    };
    // Hash before taking the write lock: Argon2 takes tens of milliseconds.
    let password_hash = match password {
        Some(password) => {
            let queue = Queue::Organization(caller.organization_id);
            Some(
                services
                    .hasher
                    .hash_in(queue, Password::new(password))
                    .await?,
            )
        }
        None => None,
    };
    let (caller, user) = (caller.clone(), user.to_owned());
    let changes = UserChanges {
        first_name,
        last_name,
        email,
        password_hash,
        active: patch.active,
        address: patch.address,
    };
    let row = services
        .store
        .write(
            Change::Any,
            Tenant::Organization(caller.organization_id),
            move |conn| {
                Box::pin(async move {
                    let (current, account) = locate_for_write(conn, &caller, within, &user).await?;
                    require_outranks(&caller, &account, &current)?;
                    let mut new_roles = None;
                    if let Some(wanted) = &wanted_roles {
                        let held = current.roles();
                        if *wanted != held {
                            if current.id == caller.user_id {
                                return Err(ApiError::forbidden(
                                    "You may not change your own roles",
                                ));
                            }
                            check_grants(&caller, &account, &held, wanted)?;
                            new_roles = Some(wanted);
                        }
                    }
                    Ok(users::change(conn, account.id, current.id, new_roles, changes).await?)
                })
            },
        )
        .await?;
    Ok(Shown::without_secret(row))
}

/// Replaces a user (`PUT`): the body is a whole user, checked as for a
/// create (`firstName`, `lastName` and `email` required), and what it does
/// not give is cleared: the address fields, and the roles (down to the
/// automatic ones). A password, when given, replaces the old one; when not,
/// the old one stays, since the real service's clients send none with a
/// `PUT`. `active` is not part of a user as created: it stays as it is.
pub async fn replace(
    services: &Services,
    caller: &Caller,
    within: Within,
    user_text: &str,
    input: NewUserInput,
) -> Result<Shown, ApiError> {
    let account = locate_outside(services, caller, within, user_text).await?;
    let first_name = user::required_text("firstName", input.first_name)?;
    let last_name = user::required_text("lastName", input.last_name)?;
    let email = Email::parse(input.email.as_deref().unwrap_or(""))?;
    let address = input.address;
    let patch = UserPatch {
        first_name: Some(first_name),
        last_name: Some(last_name),
        email: Some(email.as_str().to_owned()),
        password: input.password,
        active: None,
        roles: Some(input.roles.unwrap_or_default()),
        address: AddressChanges {
            city: Some(address.city),
            country: Some(address.country),
            phone: Some(address.phone),
            postal_code: Some(address.postal_code),
            state_province: Some(address.state_province),
            street1: Some(address.street1),
            street2: Some(address.street2),
        },
    };
    apply(services, caller, within, user_text, &account, patch).await
}

/// The checks of a change that can be made before its write: the account
/// the path names is one the caller manages (and the user id a number), or
/// the organization-wide user exists and is in such an account. The write
/// checks all of it again inside its transaction.
async fn locate_outside(
    services: &Services,
    caller: &Caller,
    within: Within,
    user: &str,
) -> Result<AccountRow, ApiError> {
    match within {
        Within::Account(account_id) => {
            let account = visible_account(&services.store, caller, account_id).await?;
            require_manages(caller, &account)?;
            super::parse_id("user id", user)?;
            Ok(account)
        }
        Within::Organization => {
            let mut tx = services.store.read().await?;
            let (_, account) = locate_in_organization(&mut tx, caller, user).await?;
            tx.commit().await?;
            require_manages(caller, &account)?;
            Ok(account)
        }
    }
}

/// Deletes a user the caller manages, for good: their secret stops working
/// at once.
pub async fn delete(
    services: &Services,
    caller: &Caller,
    within: Within,
    user: &str,
) -> Result<(), ApiError> {
    // No work before the write (no hashing), so every check is made once,
    // inside it.
    let (caller, user) = (caller.clone(), user.to_owned());
    services
        .store
        .write(
            Change::Any,
            Tenant::Organization(caller.organization_id),
            move |conn| {
                Box::pin(async move {
                    let (target, account) = locate_for_write(conn, &caller, within, &user).await?;
                    require_outranks(&caller, &account, &target)?;
                    Ok::<_, ApiError>(users::delete(conn, target.id).await?)
                })
            },
        )
        .await
}

/// The user a path names, and their account, for a change by the caller:
/// the account must be one the caller manages. For a user of an account,
/// both reads are one hand-off to the writer (`users::locate`); the
/// account's errors come before the user id's.
async fn locate_for_write(
    conn: &mut sqlx::SqliteConnection,
    caller: &Caller,
    within: Within,
    user: &str,
) -> Result<(UserRow, AccountRow), ApiError> {
    let Within::Account(account_id) = within else {
        let (row, account) = locate_in_organization(conn, caller, user).await?;
        require_manages(caller, &account)?;
        return Ok((row, account));
    };
    let user_id = super::parse_id("user id", user);
    // No user has id 0: an id that does not parse finds nobody, and its
    // error comes after the account's.
    let read_id = user_id.as_ref().map_or(0, |id| *id);
    let (account, row) = users::locate(conn, account_id, read_id).await?;
    let account = check_visible(caller, account_id, account)?;
    require_manages(caller, &account)?;
    let user_id = user_id?;
    let row = row.ok_or_else(|| no_user(user_id, account.id))?;
    Ok((row, account))
}

/// The user an organization-wide path names, and their account. A user id
/// of another organization is 403, as for any user the caller may not
/// touch; no such user is 404 to an org-admin. Emails are only ever looked
/// up in the caller's own organization.
pub(super) async fn locate_in_organization(
    conn: &mut sqlx::SqliteConnection,
    caller: &Caller,
    text: &str,
) -> Result<(UserRow, AccountRow), ApiError> {
    let key = user_key(text);
    // One answer for every user the caller may not see, whether it exists
    // or not, and wherever it is: see `Caller::may_learn_absence`.
    let hidden = || ApiError::forbidden(HIDDEN_USER);
    let missing = || {
        if caller.may_learn_absence() {
            ApiError::not_found(format!("No user '{text}' found"))
        } else {
            hidden()
        }
    };
    if let UserKey::Id(id) = key {
        match users::organization_of(&mut *conn, id).await? {
            None => return Err(missing()),
            Some(organization) if organization != caller.organization_id => {
                return Err(if caller.may_learn_absence() {
                    ApiError::forbidden(format!("You may not access user {id}"))
                } else {
                    hidden()
                })
            }
            Some(_) => {}
        }
    }
    let row = users::find(
        &mut *conn,
        UserScope::Organization(caller.organization_id),
        &key,
    )
    .await?
    .ok_or_else(missing)?;
    let account = accounts::find(&mut *conn, row.account_id)
        .await?
        .ok_or_else(|| ApiError::internal("a user's account is missing"))?;
    if !caller.may_see(account.facts(), row.id) {
        return Err(hidden());
    }
    Ok((row, account))
}

/// What a caller who may not see a user learns about them: nothing.
const HIDDEN_USER: &str = "You may not access this user";

fn no_user(user_id: i64, account_id: i64) -> ApiError {
    ApiError::not_found(format!(
        "No user with id {user_id} found in account {account_id}"
    ))
}

/// 403 unless the caller manages the account's users.
pub(super) fn require_manages(caller: &Caller, account: &AccountRow) -> Result<(), ApiError> {
    if caller.manages(account.facts()) {
        Ok(())
    } else {
        Err(super::accounts::forbidden_account(account.id))
    }
}

/// 403 when the target holds a role the caller could not grant (see
/// `Caller::outranked_by`).
pub(super) fn require_outranks(
    caller: &Caller,
    account: &AccountRow,
    target: &UserRow,
) -> Result<(), ApiError> {
    match caller.outranked_by(account.facts(), target.id, &target.roles()) {
        Some(role) => Err(ApiError::forbidden(format!(
            "You may not change a user who holds the role '{}'",
            role.key()
        ))),
        None => Ok(()),
    }
}

/// Reading one user: a manager of the account sees anyone in it; anyone
/// else only themselves, and learns nothing about whether any other record
/// exists.
fn visible<T>(
    caller: &Caller,
    account: &AccountRow,
    key: &UserKey,
    found: Option<T>,
    id_of: impl Fn(&T) -> i64,
) -> Result<T, ApiError> {
    let manages = caller.manages(account.facts());
    match found {
        Some(user) if caller.may_see(account.facts(), id_of(&user)) => Ok(user),
        _ if !manages => Err(super::accounts::forbidden_account(account.id)),
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

/// Role keys checked against the catalogue (400 for an unknown one).
pub(super) fn parse_role_keys(keys: &[String]) -> Result<Vec<Role>, ApiError> {
    Ok(user::parse_roles(keys.iter().map(String::as_str))?)
}

/// The role set a request asks for a user of `account`: `org` is automatic,
/// always held by the default account's users and 403 when asked for
/// elsewhere. Whether the caller may grant the rest is `check_grants`.
fn requested_roles(account: &AccountRow, requested: &[Role]) -> Result<RoleSet, ApiError> {
    if requested.contains(&Role::Org) && access::holdable(Role::Org, account.is_default).is_err() {
        return Err(ApiError::forbidden(format!(
            "The role 'org' is only for users of the default account, not account {}",
            account.id
        )));
    }
    Ok(access::with_automatic_roles(
        requested.iter().copied(),
        account.is_default,
    ))
}

/// Every role added or removed must be one the caller may grant.
fn check_grants(
    caller: &Caller,
    account: &AccountRow,
    before: &RoleSet,
    after: &RoleSet,
) -> Result<(), ApiError> {
    match caller.first_ungrantable_change(account.facts(), before, after) {
        Some(role) => Err(not_grantable(role, account)),
        None => Ok(()),
    }
}

pub(super) fn not_grantable(role: Role, account: &AccountRow) -> ApiError {
    ApiError::forbidden(format!(
        "You may not grant or revoke the role '{}' for a user of account {}",
        role.key(),
        account.id
    ))
}
