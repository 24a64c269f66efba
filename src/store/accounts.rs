//! Queries over accounts.

use sqlx::{FromRow, Sqlite};

use super::users::PageRequest;
use super::{bind_filter, push_filter, Store, StoreError};
use crate::ceql::{field, FieldType, Scope, Sql};
use crate::domain::access::AccountRef;
use crate::domain::role::{Role, RoleSet};

/// What `where=` may filter accounts by: each documented field and the
/// SQL over `accounts a` it compiles to.
pub const FILTER: Scope = Scope::new(
    "Accounts",
    &[
        field("id", "a.id", FieldType::Integer),
        field("name", "a.name", FieldType::Text),
        field("externalId", "a.external_id", FieldType::Text),
        field("description", "a.description", FieldType::Text),
        field("active", "a.active", FieldType::Boolean),
        field("createdDate", "a.created_date", FieldType::Date),
        field("defaultAccount", "a.is_default", FieldType::Boolean),
    ],
);

/// The columns every account read selects; a macro, so that the write
/// scripts of `store::users` can `concat!` it into theirs.
macro_rules! account_columns {
    () => {
        "a.id, a.organization_id, a.name, a.description, a.external_id, a.is_default, a.active, \
         a.created_date, a.updated_date"
    };
}
pub(crate) use account_columns;

const ACCOUNT_COLUMNS: &str = account_columns!();

#[derive(Debug, Clone, FromRow)]
pub struct AccountRow {
    pub id: i64,
    pub organization_id: i64,
    pub name: String,
    pub description: Option<String>,
    pub external_id: Option<String>,
    pub is_default: bool,
    pub active: bool,
    pub created_date: String,
    /// The day of the last change (migration 0005).
    pub updated_date: String,
}

impl AccountRow {
    /// What the access rules need to know of the account.
    pub fn facts(&self) -> AccountRef {
        AccountRef {
            id: self.id,
            organization_id: self.organization_id,
            is_default: self.is_default,
        }
    }
}

/// An account by id, as most requests need it (cached until the next write
/// that may change an existing row).
pub async fn find_cached(store: &Store, account_id: i64) -> Result<Option<AccountRow>, StoreError> {
    // Only accounts found are cached, so the generation of existing rows
    // is enough (see `cache`).
    let generation = store.existing_generation();
    if let Some(row) = store.caches.accounts.get(&account_id, generation) {
        return Ok(Some(row));
    }
    let row = find(store.reader(), account_id).await?;
    if let Some(row) = &row {
        store
            .caches
            .accounts
            .insert(account_id, generation, row.clone());
    }
    Ok(row)
}

pub async fn find<'e>(
    executor: impl sqlx::Executor<'e, Database = Sqlite>,
    account_id: i64,
) -> Result<Option<AccountRow>, StoreError> {
    let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM accounts a WHERE a.id = ?");
    Ok(sqlx::query_as(&sql)
        .bind(account_id)
        .fetch_optional(executor)
        .await?)
}

/// The default account sorts first, as on the real service, then by id. Keyset paging
/// therefore runs on the pair (is_default DESC, id): "after" the account a
/// token names is every account that sorts after that pair.
pub async fn list(
    conn: &mut sqlx::SqliteConnection,
    organization_id: i64,
    filter: Option<&Sql>,
    page: PageRequest,
) -> Result<Vec<AccountRow>, StoreError> {
    let mut sql = format!("SELECT {ACCOUNT_COLUMNS} FROM accounts a WHERE a.organization_id = ?");
    push_filter(&mut sql, filter);
    if page.after_id.is_some() {
        // The default account comes first, then the others by id: after
        // the default one come all the others, after any other those with a
        // higher id. Written without reading the row `after_id` names, which
        // may have been deleted since the token was issued.
        sql.push_str(
            " AND a.is_default = 0 \
              AND (a.id > ? OR EXISTS (SELECT 1 FROM accounts d WHERE d.id = ? AND d.is_default = 1))",
        );
    }
    sql.push_str(" ORDER BY a.is_default DESC, a.id LIMIT ? OFFSET ?");
    let mut select = bind_filter(
        sqlx::query_as::<_, AccountRow>(&sql).bind(organization_id),
        filter,
    );
    if let Some(after_id) = page.after_id {
        select = select.bind(after_id).bind(after_id);
    }
    Ok(select
        .bind(page.limit)
        .bind(page.offset)
        .fetch_all(conn)
        .await?)
}

/// What SQLite plans (`store::query_plan`) for the first page of an
/// organization's accounts matching `filter`, and for their count.
pub async fn plans(
    conn: &mut sqlx::SqliteConnection,
    filter: Option<&Sql>,
) -> Result<(Vec<String>, Vec<String>), StoreError> {
    let mut matching = String::from("FROM accounts a WHERE a.organization_id = ?");
    push_filter(&mut matching, filter);
    let page = format!(
        "EXPLAIN QUERY PLAN SELECT {ACCOUNT_COLUMNS} {matching} \
         ORDER BY a.is_default DESC, a.id LIMIT ? OFFSET ?"
    );
    let page = bind_filter(sqlx::query_as(&page).bind(0_i64), filter)
        .bind(200_i64)
        .bind(0_i64);
    let page = super::query_plan(&mut *conn, page).await?;
    let count = format!("EXPLAIN QUERY PLAN SELECT COUNT(*) {matching}");
    let count = bind_filter(sqlx::query_as(&count).bind(0_i64), filter);
    Ok((page, super::query_plan(conn, count).await?))
}

pub async fn count(
    conn: &mut sqlx::SqliteConnection,
    organization_id: i64,
    filter: Option<&Sql>,
) -> Result<i64, StoreError> {
    let mut sql = String::from("SELECT COUNT(*) FROM accounts a WHERE a.organization_id = ?");
    push_filter(&mut sql, filter);
    let query = bind_filter(
        sqlx::query_as::<_, (i64,)>(&sql).bind(organization_id),
        filter,
    );
    Ok(query.fetch_one(conn).await?.0)
}

#[derive(Debug)]
pub struct NewAccount<'a> {
    pub organization_id: i64,
    pub name: &'a str,
    pub description: Option<&'a str>,
    pub external_id: Option<&'a str>,
    pub is_default: bool,
    pub created_date: &'a str,
}

pub const DUPLICATE_EXTERNAL_ID: &str = "An account with that externalId already exists";

pub async fn insert(
    conn: &mut sqlx::SqliteConnection,
    new: NewAccount<'_>,
) -> Result<i64, StoreError> {
    sqlx::query_scalar(
        "INSERT INTO accounts (organization_id, name, description, external_id, is_default, active, \
           created_date, updated_date) VALUES (?, ?, ?, ?, ?, 1, ?, ?) RETURNING id",
    )
    .bind(new.organization_id)
    .bind(new.name)
    .bind(new.description)
    .bind(new.external_id)
    .bind(new.is_default)
    .bind(new.created_date)
    .bind(new.created_date)
    .fetch_one(conn)
    .await
    .map_err(super::conflict_on_unique(DUPLICATE_EXTERNAL_ID))
}

/// A partial update of an account; `None` leaves a column as it is, and
/// `Some(None)` clears a nullable one.
#[derive(Debug, Default)]
pub struct AccountChanges {
    pub name: Option<String>,
    pub description: Option<Option<String>>,
    pub external_id: Option<Option<String>>,
    pub active: Option<bool>,
    /// The day of the change.
    pub updated_date: String,
}

pub async fn update(
    conn: &mut sqlx::SqliteConnection,
    account_id: i64,
    changes: AccountChanges,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE accounts SET name = COALESCE(?, name), \
           description = CASE WHEN ? THEN ? ELSE description END, \
           external_id = CASE WHEN ? THEN ? ELSE external_id END, \
           active = COALESCE(?, active), \
           updated_date = ? \
         WHERE id = ?",
    )
    .bind(changes.name)
    .bind(changes.description.is_some())
    .bind(changes.description.flatten())
    .bind(changes.external_id.is_some())
    .bind(changes.external_id.flatten())
    .bind(changes.active)
    .bind(changes.updated_date)
    .bind(account_id)
    .execute(conn)
    .await
    .map_err(super::conflict_on_unique(DUPLICATE_EXTERNAL_ID))?;
    Ok(())
}

/// Deactivates the account and all its users (`PATCH active: false`):
/// their secrets stop working at once; the rows stay, and can be
/// reactivated.
pub async fn deactivate(
    conn: &mut sqlx::SqliteConnection,
    account_id: i64,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE accounts SET active = 0 WHERE id = ?")
        .bind(account_id)
        .execute(&mut *conn)
        .await?;
    sqlx::query("UPDATE users SET active = 0 WHERE account_id = ?")
        .bind(account_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Deletes the account and, with it, its users and their roles (the
/// foreign keys cascade): their secrets stop working at once, and the
/// `externalId` and the emails are free again. False if there was none.
pub async fn delete(
    conn: &mut sqlx::SqliteConnection,
    account_id: i64,
) -> Result<bool, StoreError> {
    let deleted = sqlx::query("DELETE FROM accounts WHERE id = ?")
        .bind(account_id)
        .execute(conn)
        .await?;
    Ok(deleted.rows_affected() > 0)
}

/// The roles of an account (migration 0005).
pub async fn roles(
    conn: &mut sqlx::SqliteConnection,
    account_id: i64,
) -> Result<RoleSet, StoreError> {
    let keys: Option<String> =
        sqlx::query_scalar("SELECT group_concat(role_key) FROM account_roles WHERE account_id = ?")
            .bind(account_id)
            .fetch_one(conn)
            .await?;
    Ok(RoleSet::from_keys(keys.as_deref()))
}

/// Gives the account a role; false if it had it already.
pub async fn add_role(
    conn: &mut sqlx::SqliteConnection,
    account_id: i64,
    role: Role,
) -> Result<bool, StoreError> {
    let added =
        sqlx::query("INSERT OR IGNORE INTO account_roles (account_id, role_key) VALUES (?, ?)")
            .bind(account_id)
            .bind(role.key())
            .execute(conn)
            .await?;
    Ok(added.rows_affected() > 0)
}

/// Takes a role from the account; false if it did not have it.
pub async fn remove_role(
    conn: &mut sqlx::SqliteConnection,
    account_id: i64,
    role: Role,
) -> Result<bool, StoreError> {
    let removed = sqlx::query("DELETE FROM account_roles WHERE account_id = ? AND role_key = ?")
        .bind(account_id)
        .bind(role.key())
        .execute(conn)
        .await?;
    Ok(removed.rows_affected() > 0)
}
