//! Queries over users and their roles.

use sqlx::sqlite::SqliteArguments;
use sqlx::sqlite::SqliteRow;
use sqlx::{Arguments, FromRow, Row, Sqlite, SqliteConnection};

use super::accounts::{account_columns, AccountRow};
use super::batch::{then_next_write, Batched};
use super::{
    bind_filter, bind_value, conflict_on_unique, push_filter, Store, StoreError, TenantGeneration,
};

/// A statement (or several) with values bound.
type Query<'q> = sqlx::query::Query<'q, Sqlite, SqliteArguments<'q>>;
use crate::ceql::{field, CommonRoles, FieldType, RoleRows, Scope, Sql, SqlValue};
use crate::domain::role::{Role, RoleSet};
use crate::domain::secret::SecretDigest;
use crate::domain::user::{AddressChanges, Email, NewUser};

/// What `where=` may filter users by (docs/api.md#the-where-language):
/// each documented field and the SQL over `users u` it compiles to, in the
/// order the unknown-field message lists them. `password`, `secret`,
/// hashes and digests are deliberately absent. Each text field's folded
/// form is the expression an index of migration 0006 covers (the email is
/// stored folded already, and indexed as it is).
pub const FILTER: Scope = Scope::new(
    "Users",
    &[
        field("id", "u.id", FieldType::Integer),
        field("firstName", "u.first_name", FieldType::Text).folded("lower(u.first_name)"),
        field("lastName", "u.last_name", FieldType::Text).folded("lower(u.last_name)"),
        field(
            "fullName",
            "(u.first_name || ' ' || u.last_name)",
            FieldType::Text,
        )
        .folded("lower(u.first_name || ' ' || u.last_name)"),
        field("email", "u.email_lower", FieldType::Email).folded("u.email_lower"),
        field("active", "u.active", FieldType::Boolean),
        field("createdDate", "u.created_date", FieldType::Date),
        field("lastLoginDate", "u.last_login_date", FieldType::Date),
        field("city", "u.city", FieldType::Text).folded("lower(u.city)"),
        field("country", "u.country", FieldType::Text).folded("lower(u.country)"),
        field("phone", "u.phone", FieldType::Text).folded("lower(u.phone)"),
        field("postalCode", "u.postal_code", FieldType::Text).folded("lower(u.postal_code)"),
        field("stateProvince", "u.state_province", FieldType::Text)
            .folded("lower(u.state_province)"),
        field("street1", "u.street1", FieldType::Text).folded("lower(u.street1)"),
        field("street2", "u.street2", FieldType::Text).folded("lower(u.street2)"),
        // The column inside the subqueries that `Compiler::roles` writes.
        field(
            "roles",
            "r.role_key",
            FieldType::Roles(RoleRows {
                holders: "u.id IN (SELECT r.user_id FROM user_roles r WHERE ",
                of_row: "SELECT 1 FROM user_roles r WHERE r.user_id = u.id",
            }),
        ),
    ],
)
.indexed();

/// The columns every user read selects. The password hash is not among
/// them: it is read only by `password_hash`, so it cannot reach a response.
/// (A macro, so that the write scripts below can `concat!` it.)
macro_rules! user_columns {
    () => {
        "u.id, u.organization_id, u.account_id, u.email, u.secret, u.active, u.json, \
         (SELECT group_concat(r.role_key) FROM user_roles r WHERE r.user_id = u.id) AS roles"
    };
}

const USER_COLUMNS: &str = user_columns!();

pub const DUPLICATE_EMAIL: &str = "A user with that email already exists in this organization";
pub const DUPLICATE_SECRET: &str = "That user secret is already in use";

#[derive(Debug, Clone, FromRow)]
pub struct UserRow {
    pub id: i64,
    pub organization_id: i64,
    pub account_id: i64,
    pub email: String,
    pub secret: String,
    pub active: bool,
    /// The user's JSON without `secret`, kept current by triggers
    /// (migration 0003): what reads send as it is.
    pub json: String,
    roles: Option<String>,
}

impl UserRow {
    pub fn roles(&self) -> RoleSet {
        RoleSet::from_keys(self.roles.as_deref())
    }
}

/// Which users a list or lookup may see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserScope {
    Account(i64),
    Organization(i64),
}

impl UserScope {
    fn condition(self) -> (&'static str, i64) {
        match self {
            UserScope::Account(id) => ("u.account_id = ?", id),
            UserScope::Organization(id) => ("u.organization_id = ?", id),
        }
    }
}

/// A user as path segment: all digits is an id, anything else an email.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserKey {
    Id(i64),
    Email(String),
}

impl UserKey {
    /// The condition that selects the user, and the value it binds.
    fn condition(&self) -> (&'static str, SqlValue) {
        match self {
            UserKey::Id(id) => ("u.id = ?", SqlValue::Int(*id)),
            UserKey::Email(email) => ("u.email_lower = ?", SqlValue::Text(Email::normalize(email))),
        }
    }
}

/// `FROM users u WHERE <scope> [AND (<filter>)]`, and the scope's value,
/// bound first, then the filter's.
fn matching(scope: UserScope, filter: Option<&Sql>) -> (String, i64) {
    let (scope_sql, scope_id) = scope.condition();
    let mut sql = format!("FROM users u WHERE {scope_sql}");
    push_filter(&mut sql, filter);
    (sql, scope_id)
}

/// Where a page starts: after a known id (a `nextPage` token), then
/// `offset` rows further.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    pub after_id: Option<i64>,
    pub offset: i64,
    pub limit: i64,
}

/// Everything `insert` needs beyond the validated input.
#[derive(Debug)]
pub struct UserRecord<'a> {
    pub organization_id: i64,
    pub account_id: i64,
    pub user: &'a NewUser,
    pub password_hash: &'a str,
    pub secret: &'a crate::domain::secret::Secret,
    pub active: bool,
    pub created_date: &'a str,
}

pub async fn insert(
    conn: &mut SqliteConnection,
    record: UserRecord<'_>,
) -> Result<i64, StoreError> {
    let digest = record.secret.digest();
    let mut values = SqliteArguments::default();
    record.values(&digest).add_to(&mut values)?;
    let id: i64 = sqlx::query_scalar_with(
        concat!(insert_user!(), "(", user_placeholders!(), ") RETURNING id"),
        values,
    )
    .fetch_one(&mut *conn)
    .await
    .map_err(insert_error)?;
    replace_roles(conn, id, &RoleSet::new(record.user.roles.iter().copied())).await?;
    Ok(id)
}

impl UserRecord<'_> {
    /// Its values for `insert_user!`, with its secret's `digest`.
    pub(super) fn values<'a>(&'a self, digest: &'a SecretDigest) -> UserValues<'a> {
        UserValues {
            organization_id: self.organization_id,
            account_id: self.account_id,
            user: self.user,
            password_hash: self.password_hash,
            secret: self.secret.expose(),
            secret_digest: digest.as_bytes(),
            active: self.active,
            created_date: self.created_date,
        }
    }
}

/// The start of every insert of a new user (`insert`, `create`,
/// `bulk::insert_users`): the columns `UserValues::add_to` gives values
/// for, in its order. A macro, so that `concat!` can build statements on it.
macro_rules! insert_user {
    () => {
        "INSERT INTO users (organization_id, account_id, first_name, last_name, email, \
         email_lower, password_hash, secret, secret_digest, active, created_date, \
         last_login_date, city, country, phone, postal_code, state_province, street1, street2) \
         VALUES "
    };
}
pub(super) use insert_user;

/// One user's placeholders for `insert_user!`, without their parentheses.
macro_rules! user_placeholders {
    () => {
        "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?"
    };
}
pub(super) use user_placeholders;

/// A new user's row as `insert_user!` lists its columns.
pub(super) struct UserValues<'a> {
    pub organization_id: i64,
    pub account_id: i64,
    pub user: &'a NewUser,
    pub password_hash: &'a str,
    pub secret: &'a str,
    pub secret_digest: &'a [u8],
    pub active: bool,
    /// Also the first `lastLoginDate`.
    pub created_date: &'a str,
}

impl<'a> UserValues<'a> {
    /// Adds the row's values to `values`, in `insert_user!`'s order.
    pub(super) fn add_to(&self, values: &mut SqliteArguments<'a>) -> Result<(), StoreError> {
        let (user, address) = (self.user, &self.user.address);
        let added = (|| {
            values.add(self.organization_id)?;
            values.add(self.account_id)?;
            values.add(user.first_name.as_str())?;
            values.add(user.last_name.as_str())?;
            values.add(user.email.as_str())?;
            values.add(user.email.lower())?;
            values.add(self.password_hash)?;
            values.add(self.secret)?;
            values.add(self.secret_digest)?;
            values.add(self.active)?;
            values.add(self.created_date)?;
            values.add(self.created_date)?;
            for text in [
                &address.city,
                &address.country,
                &address.phone,
                &address.postal_code,
                &address.state_province,
                &address.street1,
                &address.street2,
            ] {
                values.add(text.as_deref())?;
            }
            Ok(())
        })();
        added.map_err(|error| StoreError::from(sqlx::Error::Encode(error)))
    }
}

/// A failed insert of a user: two unique keys, the email (per
/// organization) and the secret, each with its own conflict.
fn insert_error(error: sqlx::Error) -> StoreError {
    let is_secret = error
        .as_database_error()
        .is_some_and(|db| db.message().contains("secret_digest"));
    conflict_on_unique(if is_secret {
        DUPLICATE_SECRET
    } else {
        DUPLICATE_EMAIL
    })(error)
}

/// Binds one value per role of the catalogue, `NULL` past the set's own:
/// the scripts below match them with `r.key IN (?, ?, ?, ?)`, so their text
/// stays the same (and prepared once) whatever the roles.
fn bind_roles<'q>(mut query: Query<'q>, roles: &RoleSet) -> Query<'q> {
    let mut keys = roles.iter().map(Role::key);
    for _ in Role::ALL {
        query = query.bind(keys.next());
    }
    query
}

/// A whole create, sent to the writer as one script (one hand-off to
/// sqlx's worker thread, where a statement at a time made it seven), inside
/// the transaction of `Store::write`: the row, its roles (those asked for,
/// and the account's own, which every user created in it starts with), the
/// user as read back, and the end of the write's savepoint. The roles
/// and the read find the new id with `last_insert_rowid()`, which the
/// inserts into `user_roles` (a table without rowids) and the JSON
/// triggers (updates) leave alone.
const CREATE_SCRIPT: &str = concat!(
    insert_user!(),
    "(",
    user_placeholders!(),
    "); ",
    "INSERT INTO user_roles (user_id, role_key) \
     SELECT last_insert_rowid(), r.key FROM roles r WHERE r.key IN (?, ?, ?, ?) \
     UNION SELECT last_insert_rowid(), a.role_key FROM account_roles a WHERE a.account_id = ?; ",
    "SELECT ",
    user_columns!(),
    " FROM users u WHERE u.id = last_insert_rowid()",
    then_next_write!()
);

/// A new user as `create` stores it; owned, since it is written from the
/// task of the write's batch.
#[derive(Debug, Clone)]
pub struct NewUserRow {
    pub organization_id: i64,
    pub account_id: i64,
    pub user: NewUser,
    pub password_hash: String,
    pub secret: String,
    pub secret_digest: Vec<u8>,
    pub active: bool,
    pub created_date: String,
}

/// Creates a user (see `CREATE_SCRIPT`) and reads them back. `None`: the
/// account is gone, deleted since the caller read it (its foreign key
/// refuses the row).
pub async fn create(conn: &mut Batched, row: &NewUserRow) -> Result<Option<UserRow>, StoreError> {
    let mut values = SqliteArguments::default();
    UserValues {
        organization_id: row.organization_id,
        account_id: row.account_id,
        user: &row.user,
        password_hash: &row.password_hash,
        secret: &row.secret,
        secret_digest: &row.secret_digest,
        active: row.active,
        created_date: &row.created_date,
    }
    .add_to(&mut values)?;
    let roles = RoleSet::new(row.user.roles.iter().copied());
    let query = bind_roles(sqlx::query_with(CREATE_SCRIPT, values), &roles).bind(row.account_id);
    match query.fetch_all(&mut **conn).await {
        Ok(rows) => {
            conn.moved_on();
            Ok(Some(user_row(rows.last())?))
        }
        Err(error) if account_refused(&error) => Ok(None),
        Err(error) => Err(insert_error(error)),
    }
}

/// The insert of a user refused for their account: deleted (the foreign
/// key) or now another organization's (migration 0007's trigger).
fn account_refused(error: &sqlx::Error) -> bool {
    error.as_database_error().is_some_and(|db| {
        db.is_foreign_key_violation() || db.message().contains("account_not_in_organization")
    })
}

/// The user a script read back last.
fn user_row(row: Option<&SqliteRow>) -> Result<UserRow, StoreError> {
    let row = row.ok_or_else(|| StoreError::Schema("a write script read no user back".into()))?;
    Ok(UserRow::from_row(row)?)
}

/// The reads a change to a user of an account starts with, in one
/// hand-off: the account, and the user in it.
const LOCATE_SCRIPT: &str = concat!(
    "SELECT 'account' AS kind, ",
    account_columns!(),
    " FROM accounts a WHERE a.id = ?; ",
    "SELECT 'user' AS kind, ",
    user_columns!(),
    " FROM users u WHERE u.account_id = ? AND u.id = ?"
);

/// User `user_id` of account `account_id`: the account and the user in
/// it, each if there (see `LOCATE_SCRIPT`).
pub async fn locate(
    conn: &mut SqliteConnection,
    account_id: i64,
    user_id: i64,
) -> Result<(Option<AccountRow>, Option<UserRow>), StoreError> {
    let rows = sqlx::query(LOCATE_SCRIPT)
        .bind(account_id)
        .bind(account_id)
        .bind(user_id)
        .fetch_all(conn)
        .await?;
    let (mut account, mut user) = (None, None);
    for row in &rows {
        match row.try_get::<&str, _>("kind")? {
            "account" => account = Some(AccountRow::from_row(row)?),
            _ => user = Some(UserRow::from_row(row)?),
        }
    }
    Ok((account, user))
}

/// Changes the columns of a user: `COALESCE` keeps the statement fixed (a
/// NULL value means "unchanged"); the address columns take a flag beside
/// the value, since NULL is also a value they can be set to. Bound by
/// `bind_changes`.
macro_rules! update_user {
    () => {
        "UPDATE users SET \
           first_name = COALESCE(?, first_name), \
           last_name = COALESCE(?, last_name), \
           email = COALESCE(?, email), \
           email_lower = COALESCE(?, email_lower), \
           password_hash = COALESCE(?, password_hash), \
           active = COALESCE(?, active), \
           city = CASE WHEN ? THEN ? ELSE city END, \
           country = CASE WHEN ? THEN ? ELSE country END, \
           phone = CASE WHEN ? THEN ? ELSE phone END, \
           postal_code = CASE WHEN ? THEN ? ELSE postal_code END, \
           state_province = CASE WHEN ? THEN ? ELSE state_province END, \
           street1 = CASE WHEN ? THEN ? ELSE street1 END, \
           street2 = CASE WHEN ? THEN ? ELSE street2 END \
         WHERE id = ?"
    };
}

/// A change to a user: their roles when they change, the columns, the
/// user as read back, and the end of the write's savepoint, in one
/// hand-off.
/// `DELETE … WHERE ?` and `… WHERE ? AND …` run only with a true flag.
const UPDATE_SCRIPT: &str = concat!(
    "DELETE FROM user_roles WHERE ? AND user_id = ?; ",
    "INSERT INTO user_roles (user_id, role_key) \
     SELECT ?, r.key FROM roles r WHERE ? AND r.key IN (?, ?, ?, ?); ",
    update_user!(),
    "; SELECT ",
    user_columns!(),
    " FROM users u WHERE u.account_id = ? AND u.id = ?",
    then_next_write!()
);

/// Changes user `user_id` of account `account_id` (see `UPDATE_SCRIPT`):
/// `roles`, when they change, replace the user's. The user as read back,
/// which the write lock held since they were located guarantees is there.
pub async fn change(
    conn: &mut Batched,
    account_id: i64,
    user_id: i64,
    roles: Option<&RoleSet>,
    changes: UserChanges,
) -> Result<UserRow, StoreError> {
    let empty = RoleSet::default();
    let query = sqlx::query(UPDATE_SCRIPT)
        .bind(roles.is_some())
        .bind(user_id)
        .bind(user_id)
        .bind(roles.is_some());
    let query = bind_roles(query, roles.unwrap_or(&empty));
    let query = bind_changes(query, changes, user_id)
        .bind(account_id)
        .bind(user_id);
    let rows = query
        .fetch_all(&mut **conn)
        .await
        .map_err(conflict_on_unique(DUPLICATE_EMAIL))?;
    conn.moved_on();
    user_row(rows.last())
}

/// Binds the values of `update_user!` for `changes` to user `user_id`.
fn bind_changes(query: Query<'_>, changes: UserChanges, user_id: i64) -> Query<'_> {
    let changed = changes.address;
    let mut query = query
        .bind(changes.first_name)
        .bind(changes.last_name)
        .bind(
            changes
                .email
                .as_ref()
                .map(|email| email.as_str().to_owned()),
        )
        .bind(changes.email.as_ref().map(|email| email.lower().to_owned()))
        .bind(changes.password_hash)
        .bind(changes.active);
    for value in [
        changed.city,
        changed.country,
        changed.phone,
        changed.postal_code,
        changed.state_province,
        changed.street1,
        changed.street2,
    ] {
        query = query.bind(value.is_some()).bind(value.flatten());
    }
    query.bind(user_id)
}

pub async fn replace_roles(
    conn: &mut SqliteConnection,
    user_id: i64,
    roles: &RoleSet,
) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM user_roles WHERE user_id = ?")
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    for role in roles.iter() {
        add_role(conn, user_id, role).await?;
    }
    Ok(())
}

pub async fn add_role(
    conn: &mut SqliteConnection,
    user_id: i64,
    role: Role,
) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO user_roles (user_id, role_key) VALUES (?, ?)")
        .bind(user_id)
        .bind(role.key())
        .execute(conn)
        .await
        .map_err(conflict_on_unique("The user already has that role"))?;
    Ok(())
}

pub async fn find<'e>(
    executor: impl sqlx::Executor<'e, Database = Sqlite>,
    scope: UserScope,
    key: &UserKey,
) -> Result<Option<UserRow>, StoreError> {
    let (scope_sql, scope_id) = scope.condition();
    let (key_sql, value) = key.condition();
    let sql = format!("SELECT {USER_COLUMNS} FROM users u WHERE {scope_sql} AND {key_sql}");
    let select = sqlx::query_as::<_, UserRow>(&sql).bind(scope_id);
    Ok(bind_value(select, &value).fetch_optional(executor).await?)
}

/// One page of a user list, as the JSON array to send.
#[derive(Debug, Clone)]
pub struct UserPage {
    /// How many users are on the page.
    pub returned: i64,
    /// The last id on the page, when more users follow it.
    pub next_after: Option<i64>,
    /// `[user,…]`: the stored JSON of each user, joined in SQLite itself so
    /// that one row crosses into Rust, not one per user.
    pub body: String,
}

impl Default for UserPage {
    /// A page with no users.
    fn default() -> Self {
        Self {
            returned: 0,
            next_after: None,
            body: "[]".to_owned(),
        }
    }
}

/// A user's id and stored JSON: all that a plain read needs.
#[derive(Debug, Clone, FromRow)]
pub struct StoredUser {
    pub id: i64,
    pub active: bool,
    pub json: String,
}

/// A user by id or email in `scope`, as stored JSON; remembered until the
/// next write, since test suites read the same users again and again.
pub async fn find_json_cached(
    store: &Store,
    organization: i64,
    scope: UserScope,
    key: &UserKey,
) -> Result<Option<StoredUser>, StoreError> {
    let generation = store.tenant_generation(organization);
    let (key_sql, value) = key.condition();
    let cache_key = format!("{scope:?}|{value:?}");
    if let Some(user) = store.caches.users.get(&cache_key, generation) {
        return Ok(Some(user));
    }
    let (scope_sql, scope_id) = scope.condition();
    let sql = format!("SELECT u.id, u.active, u.json FROM users u WHERE {scope_sql} AND {key_sql}");
    let select = sqlx::query_as::<_, StoredUser>(&sql).bind(scope_id);
    let user = bind_value(select, &value)
        .fetch_optional(store.reader())
        .await?;
    if let Some(user) = &user {
        store
            .caches
            .users
            .insert(cache_key, generation, user.clone());
    }
    Ok(user)
}

/// One page of users in `scope` matching `filter`, ordered by id; there
/// are `matches` of them (the list's count, taken first: it says how to
/// find the page, see `PageOrder`).
pub async fn list(
    conn: &mut SqliteConnection,
    scope: UserScope,
    filter: Option<&Sql>,
    page: PageRequest,
    matches: i64,
) -> Result<UserPage, StoreError> {
    let (matching, scope_id) = matching(scope, filter);
    let sql = page_sql(
        &matching,
        page.after_id.is_some(),
        PageOrder::choose(scope, filter, matches),
    );
    let mut select = bind_filter(
        sqlx::query_as::<_, (i64, Option<i64>, String)>(&sql).bind(scope_id),
        filter,
    );
    if let Some(after_id) = page.after_id {
        select = select.bind(after_id);
    }
    let (returned, last_id, body) = select
        .bind(page.limit)
        .bind(page.offset)
        .fetch_one(&mut *conn)
        .await?;
    // Only a full page can have more after it: one index probe says.
    let next_after = match last_id {
        Some(last_id) if returned == page.limit => {
            let sql = format!("SELECT EXISTS (SELECT 1 {matching} AND u.id > ?)");
            let more = bind_filter(sqlx::query_as::<_, (bool,)>(&sql).bind(scope_id), filter)
                .bind(last_id)
                .fetch_one(conn)
                .await?
                .0;
            more.then_some(last_id)
        }
        _ => None,
    };
    Ok(UserPage {
        returned,
        next_after,
        body,
    })
}

/// How a page's ids are found. SQLite's planner knows how many users an
/// account has and how many share a value on average (`sqlite_stat1`), not
/// how many match this filter's values, so between walking the account in
/// id order (no sort, but a row read per user passed over) and searching
/// the filter's index then sorting the matches by id it can pick the walk
/// for a value that matches nobody, and read a million rows to find so.
/// The count, asked first, says which is cheaper.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageOrder {
    /// Walk in id order: many match, so a page is found early.
    Walk,
    /// Find the matches through the filter's index, sort their ids.
    SortMatches,
}

impl PageOrder {
    /// Up to this many matches the sort wins. Walking finds a page after
    /// about `200 × users ÷ matches` users, each a row read; sorting reads
    /// `matches` index entries. At a million users the two meet near
    /// 30,000 matches (sorting 25,000 ids: about 3 ms).
    const SORT_AT_MOST: i64 = 50_000;

    /// The way to a page of `matches` users in `scope` matching `filter`.
    pub fn choose(scope: UserScope, filter: Option<&Sql>, matches: i64) -> Self {
        // Only an account's users have filter indexes (they start with
        // the account); an organization's are always walked. A filter no
        // index searches is tested user by user either way, and the walk
        // stops at the page's end.
        match (scope, filter) {
            (UserScope::Account(_), Some(filter))
                if filter.searchable() && matches <= Self::SORT_AT_MOST =>
            {
                PageOrder::SortMatches
            }
            _ => PageOrder::Walk,
        }
    }
}

/// The query of one page: binds the scope's id, the filter's values, the
/// id the page starts after (`after`), the limit and the offset.
fn page_sql(matching: &str, after: bool, order: PageOrder) -> String {
    // The page's ids are chosen first, from an index alone where the
    // filter's index covers it: when a filter matches many users in an
    // order other than by id (a `LIKE` prefix: by folded value), only ids
    // are sorted, and only the page's rows are read for their JSON (an
    // offset skips index entries, not rows: offset 200,000 of a million
    // users, 7.9 -> 5.8 ms).
    // The aggregate takes the rows in the order the outer subquery yields
    // them (by id, the `IN` list's order); an ORDER BY inside group_concat
    // would sort the page a second time through a temporary b-tree, which
    // costs more than the query itself. `tests/users.rs` checks the order.
    let mut sql = format!(
        "SELECT COUNT(*), MAX(id), '[' || COALESCE(group_concat(json, ','), '') || ']' \
         FROM (SELECT p.id, p.json FROM users p WHERE p.id IN (SELECT u.id {matching}"
    );
    if after {
        sql.push_str(" AND u.id > ?");
    }
    // `+u.id` is not the column, so no index's order can give it: the
    // planner must sort, and searches the filter's index for the matches.
    sql.push_str(match order {
        PageOrder::Walk => " ORDER BY u.id LIMIT ? OFFSET ?) ORDER BY p.id)",
        PageOrder::SortMatches => " ORDER BY +u.id LIMIT ? OFFSET ?) ORDER BY p.id)",
    });
    sql
}

/// What SQLite plans (`store::query_plan`) for the first page of an
/// account's users matching `filter`, found as `order` says, and for their
/// count.
pub async fn plans(
    conn: &mut SqliteConnection,
    filter: Option<&Sql>,
    order: PageOrder,
) -> Result<(Vec<String>, Vec<String>), StoreError> {
    let (matching, scope_id) = matching(UserScope::Account(0), filter);
    let page = format!("EXPLAIN QUERY PLAN {}", page_sql(&matching, false, order));
    let page = bind_filter(sqlx::query_as(&page).bind(scope_id), filter)
        .bind(200_i64)
        .bind(0_i64);
    let page = super::query_plan(&mut *conn, page).await?;
    let count = format!("EXPLAIN QUERY PLAN SELECT COUNT(*) {matching}");
    let count = bind_filter(sqlx::query_as(&count).bind(scope_id), filter);
    Ok((page, super::query_plan(conn, count).await?))
}

/// How many users in `scope` match `filter`.
pub async fn count(
    conn: &mut SqliteConnection,
    scope: UserScope,
    filter: Option<&Sql>,
) -> Result<i64, StoreError> {
    let (matching, scope_id) = matching(scope, filter);
    let sql = format!("SELECT COUNT(*) {matching}");
    let query = bind_filter(sqlx::query_as::<_, (i64,)>(&sql).bind(scope_id), filter);
    Ok(query.fetch_one(conn).await?.0)
}

/// A page of users and its total larger than this is not remembered by
/// `remember_page` (a page of 200 users is about 110 KiB).
pub const PAGE_CACHED_BYTES: usize = 256 * 1024;

/// The page and total filed under `key` (all a list was asked: its scope,
/// `where` and page) in the organization's `generation`: a test suite
/// polling a list gets it without a read, whatever other organizations
/// write meanwhile.
pub fn cached_page(
    store: &Store,
    key: &str,
    generation: TenantGeneration,
) -> Option<(i64, UserPage)> {
    store.caches.pages.get(key, generation)
}

/// Files a page and its total under `key`, read in the organization's
/// `generation` (taken before the read began), unless it is large.
pub fn remember_page(
    store: &Store,
    key: String,
    generation: TenantGeneration,
    total: i64,
    page: &UserPage,
) {
    if page.body.len() <= PAGE_CACHED_BYTES {
        store
            .caches
            .pages
            .insert(key, generation, (total, page.clone()));
    }
}

/// Which of the user counts kept per account (migrations 0009 and 0010)
/// to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kept {
    Users,
    Active,
    Inactive,
    /// The holders of a role; the active ones only, with `active_only`.
    Holders {
        role: String,
        active_only: bool,
    },
    /// The users who do not hold a role; the active ones only, with
    /// `active_only`.
    NonHolders {
        role: String,
        active_only: bool,
    },
}

/// How many users `scope` has of the `kept` kind, from the counts triggers
/// keep (migrations 0009 and 0010): what a list answers without counting
/// its users.
pub async fn kept_total(
    conn: &mut SqliteConnection,
    scope: UserScope,
    kept: Kept,
) -> Result<i64, StoreError> {
    Ok(match kept {
        Kept::Users => kept_users(conn, scope, ALL_USERS).await?,
        Kept::Active => kept_users(conn, scope, ACTIVE_USERS).await?,
        Kept::Inactive => kept_users(conn, scope, INACTIVE_USERS).await?,
        Kept::Holders { role, active_only } => {
            kept_holders(conn, scope, &role, active_only).await?
        }
        Kept::NonHolders { role, active_only } => {
            let users = if active_only { ACTIVE_USERS } else { ALL_USERS };
            kept_users(conn, scope, users).await?
                - kept_holders(conn, scope, &role, active_only).await?
        }
    })
}

/// The kinds `kept_users` sums, as its SQL tells them apart.
const ALL_USERS: i64 = 0;
const ACTIVE_USERS: i64 = 1;
const INACTIVE_USERS: i64 = 2;

/// The users of `scope` of a `kind`: `ALL_USERS`, `ACTIVE_USERS` or
/// `INACTIVE_USERS`.
async fn kept_users(
    conn: &mut SqliteConnection,
    scope: UserScope,
    kind: i64,
) -> Result<i64, StoreError> {
    // The sum of the kind asked for (bound first) over the scope's accounts.
    macro_rules! kept_sum {
        () => {
            "SELECT COALESCE(SUM(CASE ? WHEN 0 THEN c.users WHEN 1 THEN c.active \
                                ELSE c.users - c.active END), 0) \
             FROM account_user_counts c "
        };
    }
    let sql = match scope {
        UserScope::Account(_) => concat!(kept_sum!(), "WHERE c.account_id = ?"),
        UserScope::Organization(_) => concat!(
            kept_sum!(),
            "JOIN accounts a ON a.id = c.account_id WHERE a.organization_id = ?"
        ),
    };
    let (_, scope_id) = scope.condition();
    Ok(sqlx::query_scalar(sql)
        .bind(kind)
        .bind(scope_id)
        .fetch_one(conn)
        .await?)
}

/// The users of `scope` who hold `role`; the active ones only, with
/// `active_only`.
async fn kept_holders(
    conn: &mut SqliteConnection,
    scope: UserScope,
    role: &str,
    active_only: bool,
) -> Result<i64, StoreError> {
    macro_rules! holders_sum {
        () => {
            "SELECT COALESCE(SUM(CASE WHEN ? THEN c.active ELSE c.users END), 0) \
             FROM account_role_counts c "
        };
    }
    let sql = match scope {
        UserScope::Account(_) => {
            concat!(holders_sum!(), "WHERE c.role_key = ? AND c.account_id = ?")
        }
        UserScope::Organization(_) => concat!(
            holders_sum!(),
            "JOIN accounts a ON a.id = c.account_id \
             WHERE c.role_key = ? AND a.organization_id = ?"
        ),
    };
    let (_, scope_id) = scope.condition();
    Ok(sqlx::query_scalar(sql)
        .bind(active_only)
        .bind(role)
        .bind(scope_id)
        .fetch_one(conn)
        .await?)
}

/// The roles that more than an eighth of the users of `scope` hold, from
/// the counts triggers keep (migrations 0009 and 0010): a `where` tests
/// these user by user (see `ceql::CommonRoles`).
pub async fn common_roles(
    conn: &mut SqliteConnection,
    scope: UserScope,
) -> Result<CommonRoles, StoreError> {
    let sql = match scope {
        UserScope::Account(_) => {
            "SELECT c.role_key FROM account_role_counts c \
             WHERE c.account_id = ?1 AND c.users * 8 > \
               (SELECT n.users FROM account_user_counts n WHERE n.account_id = ?1)"
        }
        UserScope::Organization(_) => {
            "SELECT c.role_key FROM account_role_counts c \
             JOIN accounts a ON a.id = c.account_id WHERE a.organization_id = ?1 \
             GROUP BY c.role_key \
             HAVING SUM(c.users) * 8 > \
               (SELECT SUM(n.users) FROM account_user_counts n \
                JOIN accounts b ON b.id = n.account_id WHERE b.organization_id = ?1)"
        }
    };
    let (_, scope_id) = scope.condition();
    let keys: Vec<String> = sqlx::query_scalar(sql)
        .bind(scope_id)
        .fetch_all(conn)
        .await?;
    Ok(keys
        .iter()
        .filter_map(|key| Role::from_key(key))
        .fold(CommonRoles::NONE, CommonRoles::with))
}

/// Whether any user in `scope` matches `filter`: stops at the first.
pub async fn any(
    conn: &mut SqliteConnection,
    scope: UserScope,
    filter: Option<&Sql>,
) -> Result<bool, StoreError> {
    let (matching, scope_id) = matching(scope, filter);
    let sql = format!("SELECT EXISTS (SELECT 1 {matching})");
    let query = bind_filter(sqlx::query_as::<_, (bool,)>(&sql).bind(scope_id), filter);
    Ok(query.fetch_one(conn).await?.0)
}

/// `count`, remembered until the next write to the organization's users:
/// counting thousands of rows is most of a list's cost, and test suites
/// list far more than they write. `generation` is the organization's
/// (`scope` is one of its), taken before `conn`'s read began.
pub async fn count_cached(
    store: &Store,
    conn: &mut SqliteConnection,
    generation: TenantGeneration,
    scope: UserScope,
    filter: Option<&Sql>,
) -> Result<i64, StoreError> {
    let key = format!(
        "{scope:?}|{:?}",
        filter.map(|sql| (sql.text(), sql.params()))
    );
    if let Some(total) = store.caches.counts.get(&key, generation) {
        return Ok(total);
    }
    let total = count(conn, scope, filter).await?;
    store.caches.counts.insert(key, generation, total);
    Ok(total)
}

/// The stored Argon2id PHC string, for verifying `Elements-User-Password`.
pub async fn password_hash(
    pool: &sqlx::SqlitePool,
    user_id: i64,
) -> Result<Option<String>, StoreError> {
    Ok(
        sqlx::query_scalar("SELECT password_hash FROM users WHERE id = ?")
            .bind(user_id)
            .fetch_optional(pool)
            .await?,
    )
}

/// A partial update; `None` leaves a column as it is, and so does an
/// absent address field (`Some(None)` clears one).
#[derive(Debug, Default)]
pub struct UserChanges {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<Email>,
    pub password_hash: Option<String>,
    pub active: Option<bool>,
    pub address: AddressChanges,
}

/// Deletes a user (their roles go by the foreign key's cascade).
pub async fn delete(conn: &mut Batched, user_id: i64) -> Result<(), StoreError> {
    sqlx::query(concat!(
        "DELETE FROM users WHERE id = ?",
        then_next_write!()
    ))
    .bind(user_id)
    .execute(&mut **conn)
    .await?;
    conn.moved_on();
    Ok(())
}

/// Records that the user authenticated today: a write at most once a day
/// per user, so the hot path does not write.
pub async fn touch_login(store: &Store, user_id: i64, today: &str) -> Result<(), StoreError> {
    let (writer, today) = (store.writer().clone(), today.to_owned());
    // Cached credentials carry the date they were read with: the write
    // moves the generation on.
    store
        .write_outside_transaction(async move {
            sqlx::query(
                "UPDATE users SET last_login_date = ? WHERE id = ? AND last_login_date <> ?",
            )
            .bind(&today)
            .bind(user_id)
            .bind(&today)
            .execute(&writer)
            .await?;
            Ok(())
        })
        .await
}

/// The organization a user id belongs to, wherever it is: lets the
/// organization-wide endpoints tell "not yours" (403) from "none" (404).
pub async fn organization_of<'e>(
    executor: impl sqlx::Executor<'e, Database = Sqlite>,
    user_id: i64,
) -> Result<Option<i64>, StoreError> {
    Ok(
        sqlx::query_scalar("SELECT organization_id FROM users WHERE id = ?")
            .bind(user_id)
            .fetch_optional(executor)
            .await?,
    )
}

pub async fn remove_role(
    conn: &mut SqliteConnection,
    user_id: i64,
    role: Role,
) -> Result<bool, StoreError> {
    let result = sqlx::query("DELETE FROM user_roles WHERE user_id = ? AND role_key = ?")
        .bind(user_id)
        .bind(role.key())
        .execute(conn)
        .await?;
    Ok(result.rows_affected() > 0)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::domain::secret::Secret;
    use crate::domain::user::Email;
    use crate::store::{Change, Database, Tenant};

    /// A create names an account that exists, but in another organization
    /// (as after a snapshot restore handed its id on): refused like a
    /// missing account, and nothing is written.
    #[tokio::test]
    async fn a_user_is_never_created_in_another_organizations_account() {
        let store = Store::open(&Database::Memory).await.unwrap();
        let mut conn = store.writer().acquire().await.unwrap();
        for (id, secret) in [(101, "org-a"), (102, "org-b")] {
            sqlx::query(
                "INSERT INTO organizations (id, name, secret, secret_digest, created_date) \
                 VALUES (?, 'Org', ?, ?, '2020-01-01')",
            )
            .bind(id)
            .bind(secret)
            .bind(Secret::new(secret.to_owned()).digest().as_bytes().to_vec())
            .execute(&mut *conn)
            .await
            .unwrap();
            sqlx::query(
                "INSERT INTO accounts (id, organization_id, name, is_default, created_date) \
                 VALUES (?, ?, 'Account', 1, '2020-01-01')",
            )
            .bind(id)
            .bind(id)
            .execute(&mut *conn)
            .await
            .unwrap();
        }
        let secret = Secret::generate();
        let row = |account_id| NewUserRow {
            organization_id: 101,
            account_id,
            user: NewUser::org_admin(Email::parse("a@example.test").unwrap()),
            password_hash: "not a real hash".to_owned(),
            secret_digest: secret.digest().as_bytes().to_vec(),
            secret: secret.expose().to_owned(),
            active: true,
            created_date: "2020-01-01".to_owned(),
        };
        drop(conn);
        for (account_id, created) in [(102, false), (999, false), (101, true)] {
            let row = row(account_id);
            let user = store
                .write::<_, StoreError, _>(
                    Change::AddedUsers,
                    Tenant::Organization(101),
                    move |conn| Box::pin(async move { create(conn, &row).await }),
                )
                .await
                .unwrap();
            assert_eq!(user.is_some(), created, "account {account_id}");
            let users: i64 = sqlx::query_scalar("SELECT count(*) FROM users")
                .fetch_one(store.writer())
                .await
                .unwrap();
            assert_eq!(users, i64::from(created), "account {account_id}");
        }
    }
}
