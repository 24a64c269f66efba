//! Snapshots of the whole state (docs/controls.md#snapshots): a SQLite file beside the
//! database (`<database>.snapshots/<name>.sqlite`; a private temporary
//! folder for `:memory:`) holding a copy of every table, the migration
//! record and the id counters. Saving and restoring both attach the file
//! and copy inside one write transaction. (`VACUUM INTO` would be simpler,
//! but silently writes nothing for an in-memory database.)

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use serde::Serialize;

use super::{Store, StoreError};

/// Every table of the schema, parents before children.
const TABLES: [&str; 6] = [
    "organizations",
    "accounts",
    "account_roles",
    "users",
    "user_roles",
    "organization_origins",
];

const EXTENSION: &str = "sqlite";

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SnapshotInfo {
    pub name: String,
    pub bytes: u64,
    /// RFC 3339, UTC: when it was saved.
    #[schema(format = DateTime)]
    pub created_at: String,
}

/// Names become file names: letters, digits, `.`, `_` and `-`, at most 64,
/// not starting with a dot.
pub fn check_name(name: &str) -> Result<(), String> {
    let valid = !name.is_empty()
        && name.len() <= 64
        && !name.starts_with('.')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    if valid {
        Ok(())
    } else {
        Err(format!(
            "Invalid snapshot name '{name}': use 1 to 64 letters, digits, '.', '_' or '-', not starting with '.'"
        ))
    }
}

fn path_of(store: &Store, name: &str) -> PathBuf {
    store.snapshot_dir().join(format!("{name}.{EXTENSION}"))
}

fn info(path: &Path, name: &str) -> Result<SnapshotInfo, StoreError> {
    let metadata = std::fs::metadata(path)?;
    let created = metadata.modified().unwrap_or(SystemTime::UNIX_EPOCH);
    let created = time::OffsetDateTime::from(created)
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    Ok(SnapshotInfo {
        name: name.to_owned(),
        bytes: metadata.len(),
        created_at: created,
    })
}

/// Saves the committed state under `name`, replacing a snapshot of that name.
pub async fn save(store: &Store, name: &str) -> Result<SnapshotInfo, StoreError> {
    std::fs::create_dir_all(store.snapshot_dir())?;
    let path = path_of(store, name);
    // Written beside the old one, then renamed, so a failed save never
    // destroys the previous snapshot of that name.
    let partial = path.with_extension("partial");
    let _ = std::fs::remove_file(&partial);
    let (writer, attached) = (store.writer().clone(), partial.clone());
    // On a task of its own (see `Store::write_outside_transaction`): a
    // request cancelled half-way must not leave the writer attached or
    // inside a transaction.
    let copied = store
        .write_outside_transaction(async move {
            let mut conn = writer.acquire().await?;
            attach(&mut conn, &attached).await?;
            let copied = immediate(&mut conn, copy_into_attached).await;
            detach(&mut conn).await?;
            copied
        })
        .await;
    if let Err(error) = copied {
        let _ = std::fs::remove_file(&partial);
        return Err(error);
    }
    std::fs::rename(&partial, &path)?;
    info(&path, name)
}

/// Runs `work` inside `BEGIN IMMEDIATE … COMMIT`, rolling back on an error.
/// Plain statements, as `store::Tx` uses, because of sqlx's cancellation
/// hazard described there.
async fn immediate(
    conn: &mut sqlx::SqliteConnection,
    work: for<'c> fn(
        &'c mut sqlx::SqliteConnection,
    ) -> super::BoxFuture<'c, Result<(), StoreError>>,
) -> Result<(), StoreError> {
    sqlx::query("BEGIN IMMEDIATE").execute(&mut *conn).await?;
    let result = work(conn).await;
    let end = if result.is_ok() { "COMMIT" } else { "ROLLBACK" };
    sqlx::query(end).execute(&mut *conn).await?;
    result
}

async fn attach(conn: &mut sqlx::SqliteConnection, path: &Path) -> Result<(), StoreError> {
    sqlx::query("ATTACH DATABASE ? AS snapshot")
        .bind(path.to_string_lossy().into_owned())
        .execute(conn)
        .await?;
    Ok(())
}

/// Always run after `attach`, whatever happened, so the connection goes
/// back to the pool clean.
async fn detach(conn: &mut sqlx::SqliteConnection) -> Result<(), StoreError> {
    sqlx::query("DETACH DATABASE snapshot")
        .execute(conn)
        .await?;
    Ok(())
}

fn copy_into_attached(
    conn: &mut sqlx::SqliteConnection,
) -> super::BoxFuture<'_, Result<(), StoreError>> {
    Box::pin(async move {
        for table in TABLES.iter().chain(&["_sqlx_migrations"]) {
            sqlx::query(&format!(
                "CREATE TABLE snapshot.{table} AS SELECT * FROM main.{table}"
            ))
            .execute(&mut *conn)
            .await?;
        }
        sqlx::query(
            "CREATE TABLE snapshot.sequences AS SELECT name, seq FROM main.sqlite_sequence",
        )
        .execute(&mut *conn)
        .await?;
        Ok(())
    })
}

/// Replaces the whole state with the snapshot's. `None`: no such snapshot.
pub async fn restore(store: &Store, name: &str) -> Result<Option<SnapshotInfo>, StoreError> {
    let path = path_of(store, name);
    if !path.is_file() {
        return Ok(None);
    }
    let (writer, attached) = (store.writer().clone(), path.clone());
    store
        .write_outside_transaction(async move {
            let mut conn = writer.acquire().await?;
            attach(&mut conn, &attached).await?;
            let copied = copy_from_attached(&mut conn).await;
            detach(&mut conn).await?;
            copied
        })
        .await?;
    info(&path, name).map(Some)
}

async fn copy_from_attached(conn: &mut sqlx::SqliteConnection) -> Result<(), StoreError> {
    let version = "SELECT COALESCE(MAX(version), 0) FROM {}._sqlx_migrations";
    let ours: i64 = sqlx::query_scalar(&version.replace("{}", "main"))
        .fetch_one(&mut *conn)
        .await?;
    let theirs: i64 = sqlx::query_scalar(&version.replace("{}", "snapshot"))
        .fetch_one(&mut *conn)
        .await?;
    if ours != theirs {
        return Err(StoreError::Conflict(format!(
            "The snapshot has schema version {theirs}; this server has {ours}"
        )));
    }
    immediate(conn, replace_from_attached).await
}

/// Every table's rows replaced by the snapshot's, in one transaction.
fn replace_from_attached(
    conn: &mut sqlx::SqliteConnection,
) -> super::BoxFuture<'_, Result<(), StoreError>> {
    Box::pin(async move {
        for table in TABLES.iter().rev() {
            sqlx::query(&format!("DELETE FROM main.{table}"))
                .execute(&mut *conn)
                .await?;
        }
        for table in TABLES {
            sqlx::query(&format!(
                "INSERT INTO main.{table} SELECT * FROM snapshot.{table}"
            ))
            .execute(&mut *conn)
            .await?;
        }
        // Ids are never handed out twice: keep the higher of the two counters.
        sqlx::query(
            "INSERT INTO main.sqlite_sequence (name, seq) SELECT s.name, s.seq \
         FROM snapshot.sequences s \
         WHERE NOT EXISTS (SELECT 1 FROM main.sqlite_sequence m WHERE m.name = s.name)",
        )
        .execute(&mut *conn)
        .await?;
        sqlx::query(
            "UPDATE main.sqlite_sequence SET seq = MAX(seq, COALESCE( \
           (SELECT s.seq FROM snapshot.sequences s WHERE s.name = main.sqlite_sequence.name), 0))",
        )
        .execute(&mut *conn)
        .await?;
        Ok(())
    })
}

/// Every snapshot, by name.
pub fn list(store: &Store) -> Result<Vec<SnapshotInfo>, StoreError> {
    let entries = match std::fs::read_dir(store.snapshot_dir()) {
        Ok(entries) => entries,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(error) => return Err(error.into()),
    };
    let mut snapshots = Vec::new();
    for entry in entries {
        let path = entry?.path();
        let name = path
            .file_stem()
            .and_then(|stem| stem.to_str())
            .filter(|_| path.extension().is_some_and(|ext| ext == EXTENSION));
        if let Some(name) = name.filter(|name| check_name(name).is_ok()) {
            snapshots.push(info(&path, name)?);
        }
    }
    snapshots.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(snapshots)
}

/// False if there was no such snapshot.
pub fn delete(store: &Store, name: &str) -> Result<bool, StoreError> {
    match std::fs::remove_file(path_of(store, name)) {
        Ok(()) => Ok(true),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(error) => Err(error.into()),
    }
}
