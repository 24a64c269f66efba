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

/// How many snapshots may exist at once; saving another name past it is
/// refused (replacing one is not).
pub const MAX_SNAPSHOTS: usize = 100;

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

/// The names of the snapshots in the folder (none if there is no folder).
/// Partly written ones (`.<name>.<random>.partial`) are not snapshots.
fn names(dir: &Path) -> Result<Vec<String>, StoreError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(error) => return Err(error.into()),
    };
    let mut names = Vec::new();
    for entry in entries {
        let path = entry?.path();
        let name = path
            .file_stem()
            .and_then(|stem| stem.to_str())
            .filter(|_| path.extension().is_some_and(|ext| ext == EXTENSION));
        if let Some(name) = name.filter(|name| check_name(name).is_ok()) {
            names.push(name.to_owned());
        }
    }
    Ok(names)
}

/// Refuses a new name when [`MAX_SNAPSHOTS`] exist already.
fn check_room(dir: &Path, name: &str) -> Result<(), StoreError> {
    let names = names(dir)?;
    if names.len() >= MAX_SNAPSHOTS && !names.iter().any(|existing| existing == name) {
        return Err(StoreError::Conflict(format!(
            "There are already {MAX_SNAPSHOTS} snapshots, the most there may be: delete one \
             (DELETE /__admin/snapshots/{{name}}) or save under an existing name to replace it"
        )));
    }
    Ok(())
}

/// Saves the committed state under `name`, replacing a snapshot of that
/// name.
///
/// Each save copies into a file of its own (`.<name>.<random>.partial`,
/// which no listing shows) and renames it into place once complete: a
/// failed save leaves the previous snapshot of that name as it was, and of
/// two saves of one name at once the last to finish wins, both succeeding.
/// Every step runs on a task of its own (see
/// `Store::write_outside_transaction`): a request cancelled half-way must
/// not leave the writer attached or inside a transaction, nor a save
/// half-done.
pub async fn save(store: &Store, name: &str) -> Result<SnapshotInfo, StoreError> {
    let dir = store.snapshot_dir().to_owned();
    // Refused early, before any copying; checked again before the rename.
    check_room(&dir, name)?;
    let (writer, name) = (store.writer().clone(), name.to_owned());
    store
        .write_outside_transaction(async move {
            std::fs::create_dir_all(&dir)?;
            // Removed when dropped, unless renamed into place.
            let partial = tempfile::Builder::new()
                .prefix(&format!(".{name}."))
                .suffix(".partial")
                .tempfile_in(&dir)?
                // Closed at once: SQLite opens the file itself, and a
                // second handle closed while SQLite holds the file would
                // drop SQLite's locks on it.
                .into_temp_path();
            let mut conn = writer.acquire().await?;
            attach(&mut conn, &partial.to_string_lossy()).await?;
            let copied = immediate(&mut conn, copy_into_attached).await;
            detach(&mut conn).await?;
            copied?;
            // Still holding the one writer connection, so that two saves of
            // new names cannot both pass the check and then both rename.
            check_room(&dir, &name)?;
            // Described before the rename: once in place, a concurrent
            // delete may remove it at any moment.
            let saved = info(&partial, &name)?;
            partial
                .persist(dir.join(format!("{name}.{EXTENSION}")))
                .map_err(|error| error.error)?;
            drop(conn);
            Ok(saved)
        })
        .await
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

/// Attaches `file` (a path, or a `file:` URI) as `snapshot`.
async fn attach(conn: &mut sqlx::SqliteConnection, file: &str) -> Result<(), StoreError> {
    sqlx::query("ATTACH DATABASE ? AS snapshot")
        .bind(file)
        .execute(conn)
        .await?;
    Ok(())
}

/// A `file:` URI (sqlx allows them) that opens `path` read-only: unlike a
/// plain path, it never creates the file, so a snapshot deleted meanwhile
/// is an error (`SQLITE_CANTOPEN`) rather than a new, empty database left
/// under its name.
fn read_only_uri(path: &Path) -> String {
    let mut uri = String::from("file:");
    for byte in path.to_string_lossy().bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'/' | b'.' | b'_' | b'-' | b'~') {
            uri.push(char::from(byte));
        } else {
            uri.push_str(&format!("%{byte:02X}"));
        }
    }
    uri.push_str("?mode=ro");
    uri
}

/// SQLite's result code for a file it cannot open.
const SQLITE_CANTOPEN: &str = "14";

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
///
/// The file is opened once, read-only: a save renaming a new file under
/// the name, or a delete removing it, after that leaves this restore
/// reading the file it opened; before, the restore reads the new file, or
/// finds none.
pub async fn restore(store: &Store, name: &str) -> Result<Option<SnapshotInfo>, StoreError> {
    let path = path_of(store, name);
    // Described before it is opened, so that a delete meanwhile cannot
    // fail the answer; if a save replaces it in between, the answer may
    // describe the older file.
    let found = match info(&path, name) {
        Ok(found) => found,
        Err(StoreError::Io(error)) if error.kind() == std::io::ErrorKind::NotFound => {
            return Ok(None)
        }
        Err(error) => return Err(error),
    };
    let (writer, uri) = (store.writer().clone(), read_only_uri(&path));
    let restored = store
        .write_outside_transaction(async move {
            let mut conn = writer.acquire().await?;
            match attach(&mut conn, &uri).await {
                Err(StoreError::Database(error))
                    if error
                        .as_database_error()
                        .and_then(|db| db.code())
                        .is_some_and(|code| code == SQLITE_CANTOPEN) =>
                {
                    return Ok(false)
                }
                attached => attached?,
            }
            let copied = copy_from_attached(&mut conn).await;
            detach(&mut conn).await?;
            copied.map(|()| true)
        })
        .await?;
    Ok(restored.then_some(found))
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
    let mut snapshots = Vec::new();
    for name in names(store.snapshot_dir())? {
        match info(&path_of(store, &name), &name) {
            Ok(snapshot) => snapshots.push(snapshot),
            // Deleted since the folder was read.
            Err(StoreError::Io(error)) if error.kind() == std::io::ErrorKind::NotFound => {}
            Err(error) => return Err(error),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Database;

    #[test]
    fn read_only_uris_escape_what_a_uri_would_read() {
        assert_eq!(
            read_only_uri(Path::new("/tmp/a b/x?y#z%.sqlite")),
            "file:/tmp/a%20b/x%3Fy%23z%25.sqlite?mode=ro"
        );
        assert_eq!(
            read_only_uri(Path::new("local.db.snapshots/s-1_2.sqlite")),
            "file:local.db.snapshots/s-1_2.sqlite?mode=ro"
        );
    }

    /// What a restore meets when a delete wins the race: an error it turns
    /// into a 404, and no file made under the name.
    #[tokio::test]
    async fn attaching_a_missing_file_read_only_fails_and_creates_nothing() {
        let store = Store::open(&Database::Memory).await.expect("opens");
        let dir = tempfile::tempdir().expect("a folder");
        let missing = dir.path().join("odd name?.sqlite");
        let mut conn = store.writer().acquire().await.expect("the writer");
        let error = attach(&mut conn, &read_only_uri(&missing))
            .await
            .expect_err("missing");
        let StoreError::Database(error) = error else {
            panic!("{error}");
        };
        let code = error.as_database_error().and_then(|db| db.code());
        assert_eq!(code.as_deref(), Some(SQLITE_CANTOPEN));
        assert!(!missing.exists());

        // The same file, once there, attaches read-only.
        std::fs::write(&missing, b"").expect("written");
        attach(&mut conn, &read_only_uri(&missing))
            .await
            .expect("attaches");
        detach(&mut conn).await.expect("detaches");
    }
}
