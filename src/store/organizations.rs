//! Organizations: creating one with its default account and first
//! org-admin, and resolving the credentials of a request.

use sqlx::{FromRow, SqliteConnection};

use super::accounts::{self, NewAccount};
use super::users::{self, UserRecord};
use super::StoreError;
use crate::domain::account::{DEFAULT_ACCOUNT_DESCRIPTION, DEFAULT_ACCOUNT_NAME};
use crate::domain::secret::{Secret, SecretDigest};
use crate::domain::user::NewUser;

/// What a new organization starts with.
#[derive(Debug)]
pub struct NewOrganization<'a> {
    pub name: &'a str,
    pub secret: &'a Secret,
    pub admin: &'a NewUser,
    pub admin_password_hash: &'a str,
    pub admin_secret: &'a Secret,
    pub today: &'a str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrganizationIds {
    pub organization_id: i64,
    pub default_account_id: i64,
    pub admin_user_id: i64,
}

/// Creates the organization, its default account and its org-admin, inside
/// the caller's transaction.
pub async fn create(
    conn: &mut SqliteConnection,
    new: NewOrganization<'_>,
) -> Result<OrganizationIds, StoreError> {
    let organization_id = insert(conn, new.name, new.secret, new.today).await?;
    let default_account_id = accounts::insert(
        conn,
        NewAccount {
            organization_id,
            name: DEFAULT_ACCOUNT_NAME,
            description: Some(DEFAULT_ACCOUNT_DESCRIPTION),
            external_id: None,
            is_default: true,
            created_date: new.today,
        },
    )
    .await?;
    let admin_user_id = users::insert(
        conn,
        UserRecord {
            organization_id,
            account_id: default_account_id,
            user: new.admin,
            password_hash: new.admin_password_hash,
            secret: new.admin_secret,
            active: true,
            created_date: new.today,
        },
    )
    .await?;
    Ok(OrganizationIds {
        organization_id,
        default_account_id,
        admin_user_id,
    })
}

pub const DUPLICATE_SECRET: &str = "That organization secret is already in use";

/// Just the organization row; see `create` for a usable organization.
pub async fn insert(
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
    pub organization_secret: String,
    pub user_email: String,
    pub user_secret: String,
}

pub async fn bootstrap_credentials(
    pool: &sqlx::SqlitePool,
) -> Result<Option<BootstrapCredentials>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT o.id AS organization_id, o.secret AS organization_secret, \
                u.email AS user_email, u.secret AS user_secret \
         FROM organizations o \
         JOIN users u ON u.organization_id = o.id \
         JOIN user_roles r ON r.user_id = u.id AND r.role_key = 'org-admin' \
         WHERE u.active = 1 \
         ORDER BY o.id, u.id LIMIT 1",
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

/// Looks the user up by the digest of its secret. The caller still checks
/// both digests in constant time and the active flags.
pub async fn find_credentials(
    pool: &sqlx::SqlitePool,
    user_digest: &SecretDigest,
) -> Result<Option<CredentialRow>, StoreError> {
    Ok(sqlx::query_as(
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
    .fetch_optional(pool)
    .await?)
}
