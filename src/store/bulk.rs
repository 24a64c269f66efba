//! Many users in few statements, for fixture loads: a statement a few
//! hundred users, where `users::insert` takes a few a user. Each statement
//! is a round trip to the connection's worker thread, and at a million
//! users those round trips, not SQLite, would be the load's time.

use std::collections::HashMap;

use sqlx::sqlite::SqliteArguments;
use sqlx::SqliteConnection;

use super::users::{insert_user, user_placeholders, UserRecord};
use super::StoreError;
use crate::domain::role::RoleSet;
use crate::domain::secret::Secret;

/// Users a statement (19 values each, well under SQLite's 32,766).
pub const USERS_PER_STATEMENT: usize = 200;
/// Role grants a statement (2 values each).
const ROLES_PER_STATEMENT: usize = 500;

/// Inserts `records` with their roles; their ids, in order. A uniqueness
/// clash (an email or a secret) fails the statement it is in, which
/// SQLite then undoes whole: `StoreError::Conflict`, with the users of the
/// earlier statements inserted. `users::insert`, one at a time, tells
/// which user clashed.
pub async fn insert_users(
    conn: &mut SqliteConnection,
    records: &[UserRecord<'_>],
) -> Result<Vec<i64>, StoreError> {
    let mut ids = Vec::with_capacity(records.len());
    for chunk in records.chunks(USERS_PER_STATEMENT) {
        let mut sql = String::from(insert_user!());
        for index in 0..chunk.len() {
            if index > 0 {
                sql.push(',');
            }
            sql.push_str(concat!("(", user_placeholders!(), ")"));
        }
        sql.push_str(" RETURNING id, secret_digest");
        let digests: Vec<_> = chunk.iter().map(|r| r.secret.digest()).collect();
        let mut values = SqliteArguments::default();
        for (record, digest) in chunk.iter().zip(&digests) {
            record.values(digest).add_to(&mut values)?;
        }
        let query = sqlx::query_as_with::<_, (i64, Vec<u8>), _>(&sql, values);
        let rows =
            query
                .fetch_all(&mut *conn)
                .await
                .map_err(|error| match error.as_database_error() {
                    Some(db) if db.is_unique_violation() => {
                        StoreError::Conflict(db.message().to_owned())
                    }
                    _ => StoreError::from(error),
                })?;
        // RETURNING promises no order: the (unique) secret says which row.
        let by_digest: HashMap<Vec<u8>, i64> = rows.into_iter().map(|(id, d)| (d, id)).collect();
        for digest in &digests {
            let id = by_digest
                .get(digest.as_bytes())
                .copied()
                .ok_or_else(|| StoreError::Schema("a user inserted without its id".to_owned()))?;
            ids.push(id);
        }
    }
    let grants: Vec<(i64, &'static str)> = records
        .iter()
        .zip(&ids)
        .flat_map(|(record, &id)| {
            RoleSet::new(record.user.roles.iter().copied())
                .iter()
                .map(move |role| (id, role.key()))
                .collect::<Vec<_>>()
        })
        .collect();
    for chunk in grants.chunks(ROLES_PER_STATEMENT) {
        let mut sql = String::from("INSERT INTO user_roles (user_id, role_key) VALUES ");
        for index in 0..chunk.len() {
            if index > 0 {
                sql.push(',');
            }
            sql.push_str("(?, ?)");
        }
        let mut query = sqlx::query(&sql);
        for (id, key) in chunk {
            query = query.bind(*id).bind(*key);
        }
        query.execute(&mut *conn).await?;
    }
    Ok(ids)
}

/// Schema objects a load drops for its duration, inside its transaction,
/// and makes again after (`resume`): as they were, read from the schema.
/// If the transaction is rolled back (a failed or cancelled load), so is
/// the drop.
#[must_use = "what was suspended must be resumed"]
pub struct Suspended(Vec<String>);

/// The triggers that render a user's JSON as each row of theirs is
/// inserted (migration 0003): a load replaces them with one statement over
/// the rows it loaded (`render_json`), which renders each user once where
/// the triggers rendered a user with a role twice, and each time rewrote
/// the row (a load of a million users: 63 s with them, 35 s without).
pub async fn suspend_json_triggers(conn: &mut SqliteConnection) -> Result<Suspended, StoreError> {
    suspend(
        conn,
        "SELECT name, sql FROM sqlite_schema WHERE type = 'trigger' \
         AND name IN ('users_json_after_insert', 'user_roles_json_after_insert')",
        "TRIGGER",
    )
    .await
}

/// Below this many users a load drops the users' indexes that are not
/// unique (the filters' and the lists') and builds them again after it:
/// building an index sorts once, where keeping it inserts each user at a
/// random place in it (a million users with every address field: 129 s
/// kept, about 50 s built). Above it, a small load into a large database
/// would pay for building indexes over users it did not load.
pub const BUILD_INDEXES_BELOW: i64 = 10_000;

/// Drops the users' indexes that are not unique (see
/// `BUILD_INDEXES_BELOW`); the unique ones still find clashes as they
/// happen.
pub async fn suspend_user_indexes(conn: &mut SqliteConnection) -> Result<Suspended, StoreError> {
    suspend(
        conn,
        "SELECT name, sql FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'users' \
         AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE INDEX%'",
        "INDEX",
    )
    .await
}

/// Drops what `listing` (a query of names and their SQL) lists, of `kind`.
async fn suspend(
    conn: &mut SqliteConnection,
    listing: &str,
    kind: &str,
) -> Result<Suspended, StoreError> {
    let objects: Vec<(String, String)> = sqlx::query_as(listing).fetch_all(&mut *conn).await?;
    let mut made = Vec::with_capacity(objects.len());
    for (name, sql) in objects {
        // A name from the schema itself, quoted as an identifier.
        sqlx::query(&format!("DROP {kind} \"{}\"", name.replace('"', "\"\"")))
            .execute(&mut *conn)
            .await?;
        made.push(sql);
    }
    Ok(Suspended(made))
}

/// Makes again what a `suspend_…` dropped.
pub async fn resume(conn: &mut SqliteConnection, suspended: Suspended) -> Result<(), StoreError> {
    for sql in suspended.0 {
        sqlx::query(&sql).execute(&mut *conn).await?;
    }
    Ok(())
}

/// Users whose JSON one statement renders: a statement inside a
/// transaction keeps what it overwrites until it ends (to undo just itself),
/// in memory on the writer, so one statement over a million users held
/// about 340 MiB.
const RENDERED_PER_STATEMENT: i64 = 10_000;

/// Renders the JSON of every user above id `above` (those a load inserted,
/// roles included), as the triggers would have.
pub async fn render_json(conn: &mut SqliteConnection, above: i64) -> Result<(), StoreError> {
    let last = last_user_id(conn).await?;
    let mut from = above;
    while from < last {
        let to = from.saturating_add(RENDERED_PER_STATEMENT);
        sqlx::query(
            "UPDATE users SET json = (SELECT v.json FROM user_json v WHERE v.id = users.id) \
             WHERE id > ? AND id <= ?",
        )
        .bind(from)
        .bind(to)
        .execute(&mut *conn)
        .await?;
        from = to;
    }
    Ok(())
}

/// `PRAGMA cache_size` (KiB when negative), which takes no bound
/// parameter: `size` is a number.
pub async fn set_cache_size(conn: &mut SqliteConnection, size: i64) -> Result<(), StoreError> {
    sqlx::query(&format!("PRAGMA cache_size = {size}"))
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The highest user id so far (0 for none): ids are never reused
/// (`AUTOINCREMENT`), so those above it are users inserted since.
pub async fn last_user_id(conn: &mut SqliteConnection) -> Result<i64, StoreError> {
    Ok(sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM users")
        .fetch_one(&mut *conn)
        .await?)
}

/// How many users there are, in every organization.
pub async fn user_count(conn: &mut SqliteConnection) -> Result<i64, StoreError> {
    Ok(sqlx::query_scalar("SELECT count(*) FROM users")
        .fetch_one(&mut *conn)
        .await?)
}

/// The id of the user holding `secret`.
pub async fn secret_holder(
    conn: &mut SqliteConnection,
    secret: &Secret,
) -> Result<i64, StoreError> {
    Ok(
        sqlx::query_scalar("SELECT id FROM users WHERE secret_digest = ?")
            .bind(secret.digest().as_bytes())
            .fetch_one(&mut *conn)
            .await?,
    )
}
