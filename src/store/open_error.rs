//! Why a database could not be opened, in words a person can act on: the
//! operating system's reason when the file or its folder cannot be used,
//! else what SQLite found (not a database, damaged), or a schema from a
//! newer version of the program. SQLite alone says "unable to open
//! database file" for most of these.

use std::fs::OpenOptions;
use std::io::ErrorKind;
use std::path::Path;

use sqlx::migrate::MigrateError;

use super::{Database, StoreError};

/// SQLite's primary result codes this explains.
const SQLITE_CORRUPT: i64 = 11;
const SQLITE_NOTADB: i64 = 26;

/// The reason `Store::open` failed with `error` on `database`.
pub fn reason(database: &Database, error: &StoreError) -> String {
    if let Database::File(path) = database {
        if let Some(problem) = file_problem(path) {
            return problem;
        }
    }
    if let StoreError::Migrate(MigrateError::VersionMissing(version)) = error {
        return format!(
            "written by a newer version of localelements (its schema has migration {version}, \
             which localelements {} does not know); open it with that version or a later one",
            env!("CARGO_PKG_VERSION")
        );
    }
    match sqlite_code(error).map(|code| code & 0xff) {
        Some(SQLITE_NOTADB) => "not a SQLite database (file is not a database)".to_owned(),
        Some(SQLITE_CORRUPT) => {
            "the database is damaged (database disk image is malformed)".to_owned()
        }
        _ => error.to_string(),
    }
}

/// SQLite's result code behind an error, if any.
fn sqlite_code(error: &StoreError) -> Option<i64> {
    let sqlx_error = match error {
        StoreError::Database(error) => error,
        StoreError::Migrate(MigrateError::Execute(error))
        | StoreError::Migrate(MigrateError::ExecuteMigration(error, _)) => error,
        _ => return None,
    };
    sqlx_error.as_database_error()?.code()?.parse().ok()
}

/// What keeps the file, or its folder (where SQLite also keeps its `-wal`
/// and `-shm` files), from being used, as the OS says it.
fn file_problem(path: &Path) -> Option<String> {
    let folder = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    match std::fs::metadata(folder) {
        Err(error) if error.kind() == ErrorKind::NotFound => {
            return Some(format!("the folder {} does not exist", folder.display()))
        }
        Err(error) => return Some(format!("the folder {}: {error}", folder.display())),
        Ok(metadata) if !metadata.is_dir() => {
            return Some(format!("{} is not a folder", folder.display()))
        }
        Ok(_) => {}
    }
    match std::fs::metadata(path) {
        Ok(metadata) if metadata.is_dir() => return Some("it is a folder, not a file".to_owned()),
        Ok(_) => {
            if let Err(error) = OpenOptions::new().read(true).write(true).open(path) {
                return Some(error.to_string());
            }
        }
        Err(error) if error.kind() == ErrorKind::NotFound => {}
        Err(error) => return Some(error.to_string()),
    }
    if let Err(error) = tempfile::tempfile_in(folder) {
        return Some(format!(
            "cannot create files in the folder {} ({error}); SQLite keeps its -wal and -shm \
             files beside the database",
            folder.display()
        ));
    }
    None
}
