//! Organizations: creating one with its default account and first
//! org-admin, and resolving the credentials of a request.

use sqlx::{FromRow, SqliteConnection};

use super::accounts::{self, NewAccount};
use super::users::{self, UserRecord};
use super::{Store, StoreError};
use crate::domain::account::{DEFAULT_ACCOUNT_DESCRIPTION, DEFAULT_ACCOUNT_NAME};
use crate::domain::role::{Role, RoleSet};
use crate::domain::secret::{Secret, SecretDigest};
use crate::domain::user::{Email, NewUser};

/// Why an organization exists; decides what the resets do with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OriginKind {
    /// Bootstrapped at start-up: `/__admin/reset` keeps it.
    Server,
    /// Made by `POST /__admin/organizations`.
    Tenant,
    /// Loaded from a fixture.
    Fixture,
}

impl OriginKind {
    fn as_str(self) -> &'static str {
        match self {
            OriginKind::Server => "server",
            OriginKind::Tenant => "tenant",
            OriginKind::Fixture => "fixture",
        }
    }
}

/// What a new organization starts with.
/// The organization's default account, as its creator names it.
#[derive(Debug, Clone, Copy)]
pub struct DefaultAccount<'a> {
    pub name: &'a str,
    pub description: Option<&'a str>,
    pub external_id: Option<&'a str>,
}

impl DefaultAccount<'_> {
    /// The standard one: `Company Default Account`.
    pub const STANDARD: DefaultAccount<'static> = DefaultAccount {
        name: DEFAULT_ACCOUNT_NAME,
        description: Some(DEFAULT_ACCOUNT_DESCRIPTION),
        external_id: None,
    };
}

/// An organization's first org-admin, remembered so that a reset can bring
/// them back as they were made.
#[derive(Debug, Clone, Copy)]
pub struct FirstAdmin<'a> {
    pub user: &'a NewUser,
    pub password_hash: &'a str,
    pub secret: &'a Secret,
}

#[derive(Debug)]
pub struct NewOrganization<'a> {
    pub kind: OriginKind,
    pub name: &'a str,
    pub secret: &'a Secret,
    pub default_account: DefaultAccount<'a>,
    pub admin: Option<FirstAdmin<'a>>,
    pub today: &'a str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrganizationIds {
    pub organization_id: i64,
    pub default_account_id: i64,
    /// The first org-admin, when the organization was made with one.
    pub admin_user_id: Option<i64>,
}

/// The one way an organization comes to exist (the server's own, a tenant,
/// a fixture's): the organization, its default account, its first
/// org-admin if any, and the record of its origin that resets go back to.
pub async fn create(
    conn: &mut SqliteConnection,
    new: NewOrganization<'_>,
) -> Result<OrganizationIds, StoreError> {
    let organization_id = insert(conn, new.name, new.secret, new.today).await?;
    let default_account_id = accounts::insert(
        conn,
        NewAccount {
            organization_id,
            name: new.default_account.name,
            description: new.default_account.description,
            external_id: new.default_account.external_id,
            is_default: true,
            created_date: new.today,
        },
    )
    .await?;
    let admin_user_id = match new.admin {
        Some(admin) => Some(
            users::insert(
                conn,
                UserRecord {
                    organization_id,
                    account_id: default_account_id,
                    user: admin.user,
                    password_hash: admin.password_hash,
                    secret: admin.secret,
                    active: true,
                    created_date: new.today,
                },
            )
            .await?,
        ),
        None => None,
    };
    sqlx::query(
        "INSERT INTO organization_origins (organization_id, kind, default_account_id, \
           admin_user_id, admin_first_name, admin_last_name, admin_email, admin_password_hash, \
           admin_secret, created_date) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(organization_id)
    .bind(new.kind.as_str())
    .bind(default_account_id)
    .bind(admin_user_id)
    .bind(new.admin.map(|admin| &admin.user.first_name))
    .bind(new.admin.map(|admin| &admin.user.last_name))
    .bind(new.admin.map(|admin| admin.user.email.as_str()))
    .bind(new.admin.map(|admin| admin.password_hash))
    .bind(new.admin.map(|admin| admin.secret.expose()))
    .bind(new.today)
    .execute(&mut *conn)
    .await?;
    Ok(OrganizationIds {
        organization_id,
        default_account_id,
        admin_user_id,
    })
}

#[derive(Debug, FromRow)]
struct Origin {
    default_account_id: i64,
    admin_user_id: Option<i64>,
    admin_first_name: Option<String>,
    admin_last_name: Option<String>,
    admin_email: Option<String>,
    admin_password_hash: Option<String>,
    admin_secret: Option<String>,
    created_date: String,
}

/// Returns an organization to the state it was created in: its default
/// account as new, its org-admin (same id, email, password and secret) and
/// nothing else. `None` when there is no such organization.
pub async fn reset(
    conn: &mut SqliteConnection,
    organization_id: i64,
) -> Result<Option<OrganizationIds>, StoreError> {
    let origin: Option<Origin> = sqlx::query_as(
        "SELECT default_account_id, admin_user_id, admin_first_name, admin_last_name, \
                admin_email, admin_password_hash, admin_secret, created_date \
         FROM organization_origins WHERE organization_id = ?",
    )
    .bind(organization_id)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(origin) = origin else {
        return Ok(None);
    };
    sqlx::query("DELETE FROM users WHERE organization_id = ? AND id IS NOT ?")
        .bind(organization_id)
        .bind(origin.admin_user_id)
        .execute(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM accounts WHERE organization_id = ? AND id <> ?")
        .bind(organization_id)
        .bind(origin.default_account_id)
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "UPDATE accounts SET name = ?, description = ?, external_id = NULL, active = 1, \
         created_date = ?, updated_date = ? WHERE id = ?",
    )
    .bind(DEFAULT_ACCOUNT_NAME)
    .bind(DEFAULT_ACCOUNT_DESCRIPTION)
    .bind(&origin.created_date)
    .bind(&origin.created_date)
    .bind(origin.default_account_id)
    .execute(&mut *conn)
    .await?;
    if let (Some(id), Some(first), Some(last), Some(email), Some(hash), Some(secret)) = (
        origin.admin_user_id,
        &origin.admin_first_name,
        &origin.admin_last_name,
        &origin.admin_email,
        &origin.admin_password_hash,
        &origin.admin_secret,
    ) {
        let secret = Secret::new(secret.clone());
        // An upsert: the org-admin may have been changed, or deleted.
        sqlx::query(
            "INSERT INTO users (id, organization_id, account_id, first_name, last_name, email, \
               email_lower, password_hash, secret, secret_digest, active, created_date, \
               last_login_date) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?) \
             ON CONFLICT (id) DO UPDATE SET account_id = excluded.account_id, \
               first_name = excluded.first_name, last_name = excluded.last_name, \
               email = excluded.email, email_lower = excluded.email_lower, \
               password_hash = excluded.password_hash, secret = excluded.secret, \
               secret_digest = excluded.secret_digest, active = 1, \
               created_date = excluded.created_date, last_login_date = excluded.last_login_date, \
               city = NULL, country = NULL, phone = NULL, postal_code = NULL, \
               state_province = NULL, street1 = NULL, street2 = NULL",
        )
        .bind(id)
        .bind(organization_id)
        .bind(origin.default_account_id)
        .bind(first)
        .bind(last)
        .bind(email)
        .bind(Email::normalize(email))
        .bind(hash)
        .bind(secret.expose())
        .bind(secret.digest().as_bytes())
        .bind(&origin.created_date)
        .bind(&origin.created_date)
        .execute(&mut *conn)
        .await
        // Its secret or email may have been taken since it was deleted.
        .map_err(super::conflict_on_unique(
            "The org-admin's secret or email is now used by another user",
        ))?;
        users::replace_roles(conn, id, &RoleSet::new([Role::OrgAdmin, Role::Org])).await?;
    }
    Ok(Some(OrganizationIds {
        organization_id,
        default_account_id: origin.default_account_id,
        admin_user_id: origin.admin_user_id,
    }))
}

/// Removes an organization and everything in it. False if there was none.
pub async fn delete(conn: &mut SqliteConnection, organization_id: i64) -> Result<bool, StoreError> {
    let result = sqlx::query("DELETE FROM organizations WHERE id = ?")
        .bind(organization_id)
        .execute(conn)
        .await?;
    Ok(result.rows_affected() > 0)
}

/// The organization bootstrapped at start-up.
pub async fn server_organization(conn: &mut SqliteConnection) -> Result<Option<i64>, StoreError> {
    Ok(sqlx::query_scalar(
        "SELECT organization_id FROM organization_origins WHERE kind = 'server' \
         ORDER BY organization_id LIMIT 1",
    )
    .fetch_optional(conn)
    .await?)
}

/// Every organization but `keep` is removed (`/__admin/reset`).
pub async fn delete_all_but(conn: &mut SqliteConnection, keep: i64) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM organizations WHERE id <> ?")
        .bind(keep)
        .execute(conn)
        .await?;
    Ok(())
}

pub const DUPLICATE_SECRET: &str = "That organization secret is already in use";

/// Just the organization row; see `create` for a usable organization.
async fn insert(
    conn: &mut SqliteConnection,
    name: &str,
    secret: &Secret,
    today: &str,
) -> Result<i64, StoreError> {
    sqlx::query_scalar(
        "INSERT INTO organizations (name, secret, secret_digest, created_date) \
         VALUES (?, ?, ?, ?) RETURNING id",
    )
    .bind(name)
    .bind(secret.expose())
    .bind(secret.digest().as_bytes())
    .bind(today)
    .fetch_one(conn)
    .await
    .map_err(super::conflict_on_unique(DUPLICATE_SECRET))
}

/// The credentials printed at start-up: the first organization and its
/// first active org-admin.
#[derive(Debug, Clone, FromRow)]
pub struct BootstrapCredentials {
    pub organization_id: i64,
    pub default_account_id: i64,
    pub user_id: i64,
    pub organization_secret: String,
    pub user_email: String,
    pub user_secret: String,
}

pub async fn bootstrap_credentials(
    pool: &sqlx::SqlitePool,
) -> Result<Option<BootstrapCredentials>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT o.id AS organization_id, og.default_account_id, u.id AS user_id, \
                o.secret AS organization_secret, u.email AS user_email, u.secret AS user_secret \
         FROM organizations o \
         JOIN organization_origins og ON og.organization_id = o.id AND og.kind = 'server' \
         JOIN users u ON u.organization_id = o.id \
         JOIN user_roles r ON r.user_id = u.id AND r.role_key = 'org-admin' \
         WHERE u.active = 1 \
         ORDER BY (u.id = og.admin_user_id) DESC, u.id LIMIT 1",
    )
    .fetch_optional(pool)
    .await?)
}

pub async fn any_exists<'e>(
    executor: impl sqlx::Executor<'e, Database = sqlx::Sqlite>,
) -> Result<bool, StoreError> {
    Ok(
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM organizations)")
            .fetch_one(executor)
            .await?,
    )
}

/// The user a request's secrets name, with what authorization needs.
#[derive(Debug, Clone, FromRow)]
pub struct CredentialRow {
    pub user_id: i64,
    pub organization_id: i64,
    pub account_id: i64,
    pub user_active: bool,
    pub account_active: bool,
    pub account_is_default: bool,
    pub last_login_date: String,
    pub user_digest: Vec<u8>,
    pub organization_digest: Vec<u8>,
    pub roles: Option<String>,
}

/// Looks the user up by the digest of its secret (cached until the next
/// write that may change an existing row: a user's create does not). The
/// caller still checks both digests in constant time and the active flags.
/// Only rows found are cached: a secret not found is asked again.
pub async fn find_credentials(
    store: &Store,
    user_digest: &SecretDigest,
) -> Result<Option<CredentialRow>, StoreError> {
    let generation = store.existing_generation();
    let cache = &store.caches.credentials;
    if let Some(row) = cache.get(&user_digest.0, generation) {
        return Ok(Some(row));
    }
    let row: Option<CredentialRow> = sqlx::query_as(
        "SELECT u.id AS user_id, u.organization_id, u.account_id, u.active AS user_active, \
                a.active AS account_active, a.is_default AS account_is_default, \
                u.last_login_date, u.secret_digest AS user_digest, \
                o.secret_digest AS organization_digest, \
                (SELECT group_concat(r.role_key) FROM user_roles r WHERE r.user_id = u.id) AS roles \
         FROM users u \
         JOIN accounts a ON a.id = u.account_id \
         JOIN organizations o ON o.id = u.organization_id \
         WHERE u.secret_digest = ?",
    )
    .bind(user_digest.as_bytes())
    .fetch_optional(store.reader())
    .await?;
    if let Some(row) = &row {
        cache.insert(user_digest.0, generation, row.clone());
    }
    Ok(row)
}

/// An organization as `GET /organizations/me` shows it.
#[derive(Debug, Clone, FromRow)]
pub struct OrganizationRow {
    pub id: i64,
    pub name: String,
    pub created_date: String,
    /// The id of its default account.
    pub default_account_id: i64,
}

pub async fn find<'e>(
    executor: impl sqlx::Executor<'e, Database = sqlx::Sqlite>,
    organization_id: i64,
) -> Result<Option<OrganizationRow>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT o.id, o.name, o.created_date, a.id AS default_account_id \
         FROM organizations o JOIN accounts a ON a.organization_id = o.id AND a.is_default = 1 \
         WHERE o.id = ?",
    )
    .bind(organization_id)
    .fetch_optional(executor)
    .await?)
}

pub async fn rename(
    conn: &mut SqliteConnection,
    organization_id: i64,
    name: &str,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE organizations SET name = ? WHERE id = ?")
        .bind(name)
        .bind(organization_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// An organization as `GET /__admin/organizations` lists it: with the
/// credentials of one active org-admin of its default account (its first
/// org-admin while they are active, else the one with the lowest id), or
/// none when it has no such user (a fixture may make one without).
#[derive(Debug, Clone, FromRow)]
pub struct OrganizationListing {
    pub id: i64,
    pub name: String,
    /// `server`, `tenant` or `fixture`.
    pub kind: String,
    pub default_account_id: i64,
    pub organization_secret: String,
    pub admin_user_id: Option<i64>,
    pub admin_email: Option<String>,
    pub admin_secret: Option<String>,
}

/// Every organization, by id.
pub async fn list(conn: &mut SqliteConnection) -> Result<Vec<OrganizationListing>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT l.id, l.name, l.kind, l.default_account_id, l.organization_secret, \
                u.id AS admin_user_id, u.email AS admin_email, u.secret AS admin_secret \
         FROM (SELECT o.id, o.name, COALESCE(og.kind, 'fixture') AS kind, \
                      a.id AS default_account_id, o.secret AS organization_secret, \
                      COALESCE( \
                        (SELECT c.id FROM users c \
                         JOIN user_roles r ON r.user_id = c.id AND r.role_key = 'org-admin' \
                         WHERE c.id = og.admin_user_id AND c.account_id = a.id AND c.active = 1), \
                        (SELECT MIN(c.id) FROM users c \
                         JOIN user_roles r ON r.user_id = c.id AND r.role_key = 'org-admin' \
                         WHERE c.account_id = a.id AND c.active = 1)) AS admin_id \
               FROM organizations o \
               JOIN accounts a ON a.organization_id = o.id AND a.is_default = 1 \
               LEFT JOIN organization_origins og ON og.organization_id = o.id) l \
         LEFT JOIN users u ON u.id = l.admin_id \
         ORDER BY l.id",
    )
    .fetch_all(conn)
    .await?)
}
