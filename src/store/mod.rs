//! SQLite storage: opening the database, migrations, and the queries.
//!
//! Layout: one writer connection (SQLite serialises writers anyway; one
//! connection makes that explicit and keeps "database is locked" away) and a
//! pool of read-only readers, all in WAL mode so reads never wait for the
//! writer. An in-memory database has a single connection that does both,
//! because each SQLite in-memory connection would otherwise be its own
//! database. This module knows nothing about HTTP.

pub mod accounts;
pub mod cache;
pub mod organizations;
pub mod roles;
pub mod snapshots;
pub mod users;

use std::path::PathBuf;
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use sqlx::pool::PoolConnection;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::Sqlite;

use crate::ceql::{Sql, SqlValue};

/// A boxed future that may borrow what it runs on (a connection).
pub type BoxFuture<'a, T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'a>>;

/// Where the state lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Database {
    File(PathBuf),
    Memory,
}

impl FromStr for Database {
    type Err = std::convert::Infallible;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Ok(if text == ":memory:" {
            Database::Memory
        } else {
            Database::File(PathBuf::from(text))
        })
    }
}

impl std::fmt::Display for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Database::File(path) => write!(f, "{}", path.display()),
            Database::Memory => f.write_str(":memory:"),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A uniqueness rule was broken; the message says which.
    #[error("{0}")]
    Conflict(String),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("file error: {0}")]
    Io(#[from] std::io::Error),
    /// The database's contents contradict what this program expects.
    #[error("unexpected database contents: {0}")]
    Schema(String),
}

/// How long a connection waits for a lock before giving up. Only another
/// process writing the same file can make it wait at all.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, Clone)]
pub struct Store {
    writer: SqlitePool,
    reader: SqlitePool,
    snapshots: Arc<SnapshotDir>,
    /// Counts committed writes; see `generation`.
    generation: Arc<AtomicU64>,
    caches: Arc<Caches>,
    roles: Arc<roles::Catalogue>,
}

/// What nearly every request reads; see [`cache`].
#[derive(Debug)]
struct Caches {
    credentials: cache::GenerationCache<[u8; 32], organizations::CredentialRow>,
    accounts: cache::GenerationCache<i64, accounts::AccountRow>,
    /// User counts by scope and filter.
    counts: cache::GenerationCache<String, i64>,
    /// Single users by scope and id or email.
    users: cache::GenerationCache<String, users::StoredUser>,
}

/// Entries per cache before it starts over.
const CACHE_CAPACITY: usize = 10_000;

impl Default for Caches {
    fn default() -> Self {
        Self {
            credentials: cache::GenerationCache::new(CACHE_CAPACITY),
            accounts: cache::GenerationCache::new(CACHE_CAPACITY),
            counts: cache::GenerationCache::new(CACHE_CAPACITY),
            users: cache::GenerationCache::new(CACHE_CAPACITY),
        }
    }
}

/// Where snapshots live: beside a database file, or, for `:memory:`, in a
/// private temporary folder removed with the store.
#[derive(Debug)]
enum SnapshotDir {
    Beside(PathBuf),
    Temporary(tempfile::TempDir),
}

impl Store {
    pub async fn open(database: &Database) -> Result<Self, StoreError> {
        // One long-lived connection: the writer, and for `:memory:` also the
        // only reader, since each in-memory connection is its own database.
        let single = SqlitePoolOptions::new()
            .min_connections(1)
            .max_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            // No ping when a request takes the connection: a request
            // cancelled during that ping makes sqlx close the connection,
            // and for `:memory:` that would be the whole database. Taking an
            // idle connection without it cannot be interrupted.
            .test_before_acquire(false);
        match database {
            Database::Memory => {
                // SQLite's own `:memory:` name rather than sqlx's in-memory
                // flag: the open flags also apply to ATTACHed files (the
                // snapshots), which must be real files that may be created.
                let options = SqliteConnectOptions::new()
                    .filename(":memory:")
                    .create_if_missing(true)
                    .foreign_keys(true);
                let pool = single.connect_with(options).await?;
                sqlx::migrate!("./migrations").run(&pool).await?;
                Ok(Store {
                    roles: Arc::new(roles::Catalogue::load(&pool).await?),
                    writer: pool.clone(),
                    reader: pool,
                    snapshots: Arc::new(SnapshotDir::Temporary(tempfile::tempdir()?)),
                    generation: Arc::default(),
                    caches: Arc::default(),
                })
            }
            Database::File(path) => {
                let options = SqliteConnectOptions::new()
                    .filename(path)
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    // In WAL mode NORMAL loses nothing when the process dies
                    // (even by SIGKILL): committed pages are in the WAL file
                    // the OS already holds. Only a power cut could drop the
                    // last commits, which a local stand-in can live with.
                    .synchronous(SqliteSynchronous::Normal)
                    .foreign_keys(true)
                    .busy_timeout(BUSY_TIMEOUT);
                let writer = single.connect_with(options.clone()).await?;
                // The schema must exist (and the file be in WAL mode) before
                // read-only connections open it.
                sqlx::migrate!("./migrations").run(&writer).await?;
                let readers = std::thread::available_parallelism().map_or(2, |n| n.get()) * 2;
                let reader = SqlitePoolOptions::new()
                    .max_connections(readers as u32)
                    .idle_timeout(None)
                    .max_lifetime(None)
                    .connect_with(options.read_only(true))
                    .await?;
                let mut beside = path.clone().into_os_string();
                beside.push(".snapshots");
                Ok(Store {
                    roles: Arc::new(roles::Catalogue::load(&writer).await?),
                    writer,
                    reader,
                    snapshots: Arc::new(SnapshotDir::Beside(beside.into())),
                    generation: Arc::default(),
                    caches: Arc::default(),
                })
            }
        }
    }

    /// The folder snapshots are saved in (made on first use).
    pub fn snapshot_dir(&self) -> &std::path::Path {
        match &*self.snapshots {
            SnapshotDir::Beside(path) => path,
            SnapshotDir::Temporary(dir) => dir.path(),
        }
    }

    /// The role catalogue.
    pub fn roles(&self) -> &roles::Catalogue {
        &self.roles
    }

    /// The pool for queries that only read.
    pub fn reader(&self) -> &SqlitePool {
        &self.reader
    }

    /// A read transaction: what it reads is one snapshot of the database.
    pub async fn read(&self) -> Result<Tx, StoreError> {
        Tx::begin(self.reader.acquire().await?, "BEGIN").await
    }

    /// A write transaction that holds the write lock from its first
    /// statement. A deferred transaction that reads and then writes can fail
    /// with "database is locked" instead of waiting; IMMEDIATE cannot.
    pub async fn begin_write(&self) -> Result<WriteTx, StoreError> {
        Ok(WriteTx {
            tx: Tx::begin(self.writer.acquire().await?, "BEGIN IMMEDIATE").await?,
            generation: self.generation.clone(),
        })
    }

    /// Changes after every committed write (see [`cache`]). A reader that
    /// takes it before reading, and files what it read under it, can never
    /// keep data older than the newest commit: the number moves on only
    /// after a commit, and a read that starts after that sees the commit.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    /// Runs a write made outside `begin_write` that changes what caches
    /// hold, as `WriteTx::commit` runs a commit (see `finish_write`).
    pub(crate) async fn write_outside_transaction<T: Send + 'static>(
        &self,
        write: impl std::future::Future<Output = Result<T, StoreError>> + Send + 'static,
    ) -> Result<T, StoreError> {
        finish_write(write, self.generation.clone()).await
    }

    /// A single write statement outside a transaction.
    pub fn writer(&self) -> &SqlitePool {
        &self.writer
    }

    pub async fn close(&self) {
        self.reader.close().await;
        self.writer.close().await;
    }
}

/// A transaction on a pooled connection, begun and ended with plain
/// `BEGIN`/`COMMIT` statements.
///
/// sqlx's own `Transaction` is not used: its `begin` raises a per-connection
/// depth counter before the transaction object exists, so a request
/// cancelled at that moment (a client that hangs up, a timeout) leaves the
/// connection inside a transaction that nothing rolls back, and every later
/// `begin` on it fails. Here the guard exists before `BEGIN` is sent, and a
/// `Tx` dropped before it ended (cancelled, or a panic) has a task roll it
/// back before the connection can be used again.
pub struct Tx {
    /// `Some` until the transaction ends; only `end` and `drop` take it.
    conn: Option<PoolConnection<Sqlite>>,
}

impl Tx {
    async fn begin(
        conn: PoolConnection<Sqlite>,
        statement: &'static str,
    ) -> Result<Self, StoreError> {
        let mut tx = Tx { conn: Some(conn) };
        if let Err(error) = sqlx::query(statement).execute(&mut *tx).await {
            // A connection found inside a transaction (which the guard
            // should make impossible) is repaired rather than left broken
            // for every later request.
            if !error.to_string().contains("within a transaction") {
                return Err(error.into());
            }
            tracing::warn!("a pooled connection was still in a transaction; rolling it back");
            sqlx::query("ROLLBACK").execute(&mut *tx).await?;
            sqlx::query(statement).execute(&mut *tx).await?;
        }
        Ok(tx)
    }

    /// Commits (a read transaction just ends); the connection goes back to
    /// the pool.
    pub async fn commit(self) -> Result<(), StoreError> {
        self.end("COMMIT").await
    }

    async fn end(mut self, statement: &'static str) -> Result<(), StoreError> {
        // The connection stays in the guard until the statement has run, so
        // a future dropped meanwhile still rolls back (harmless when the
        // COMMIT did run: SQLite then has no transaction to roll back).
        sqlx::query(statement).execute(&mut *self).await?;
        self.conn = None;
        Ok(())
    }
}

impl Drop for Tx {
    fn drop(&mut self) {
        let Some(mut conn) = self.conn.take() else {
            return;
        };
        match tokio::runtime::Handle::try_current() {
            // The task owns the connection until the rollback has run, so
            // no one else can begin on it first.
            Ok(runtime) => {
                runtime.spawn(async move {
                    if let Err(error) = sqlx::query("ROLLBACK").execute(&mut *conn).await {
                        tracing::debug!(%error, "rollback of an abandoned transaction");
                    }
                });
            }
            // No runtime (the process is ending): do not reuse it.
            Err(_) => conn.close_on_drop(),
        }
    }
}

impl std::ops::Deref for Tx {
    type Target = sqlx::SqliteConnection;

    fn deref(&self) -> &Self::Target {
        self.conn
            .as_deref()
            .expect("a Tx holds its connection until it ends")
    }
}

impl std::ops::DerefMut for Tx {
    fn deref_mut(&mut self) -> &mut Self::Target {
        self.conn
            .as_deref_mut()
            .expect("a Tx holds its connection until it ends")
    }
}

/// A write transaction (`Store::begin_write`): use it as a connection;
/// `commit` moves the store's generation on, so caches drop what it changed.
/// Dropped without a commit, it rolls back.
pub struct WriteTx {
    tx: Tx,
    generation: Arc<AtomicU64>,
}

impl WriteTx {
    pub async fn commit(self) -> Result<(), StoreError> {
        let Self { tx, generation } = self;
        finish_write(tx.commit(), generation).await
    }
}

/// Runs a write to its end on a task of its own, then moves the generation
/// on. A request future can be dropped at any await (a timeout, a client
/// that hangs up); if that happened between a COMMIT and the bump, caches
/// would keep serving what the commit changed.
pub(crate) async fn finish_write<T: Send + 'static>(
    write: impl std::future::Future<Output = Result<T, StoreError>> + Send + 'static,
    generation: Arc<AtomicU64>,
) -> Result<T, StoreError> {
    tokio::spawn(async move {
        let result = write.await;
        // Also after a failed write: a spurious bump only empties caches.
        generation.fetch_add(1, Ordering::SeqCst);
        result
    })
    .await
    .map_err(|join| StoreError::Io(std::io::Error::other(join)))?
}

impl std::ops::Deref for WriteTx {
    type Target = sqlx::SqliteConnection;

    fn deref(&self) -> &Self::Target {
        &self.tx
    }
}

impl std::ops::DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.tx
    }
}

/// Turns a unique-constraint failure into `StoreError::Conflict`; SQLite
/// reports no constraint name through sqlx, so the caller says what clashed.
pub(crate) fn conflict_on_unique(message: &str) -> impl FnOnce(sqlx::Error) -> StoreError + '_ {
    move |error| match error.as_database_error() {
        Some(db) if db.is_unique_violation() => StoreError::Conflict(message.to_owned()),
        _ => StoreError::Database(error),
    }
}

/// Appends ` AND (<filter>)`; the filter's text holds only fixed SQL
/// pieces and `?` placeholders (see `ceql::Sql`).
pub(crate) fn push_filter(sql: &mut String, filter: Option<&Sql>) {
    if let Some(filter) = filter {
        sql.push_str(" AND (");
        sql.push_str(filter.text());
        sql.push(')');
    }
}

/// Binds a compiled CEQL filter's values, in order, to a query.
pub(crate) fn bind_filter<'q, O>(
    mut query: sqlx::query::QueryAs<'q, Sqlite, O, sqlx::sqlite::SqliteArguments<'q>>,
    filter: Option<&'q Sql>,
) -> sqlx::query::QueryAs<'q, Sqlite, O, sqlx::sqlite::SqliteArguments<'q>> {
    for value in filter.map(Sql::params).unwrap_or_default() {
        query = bind_value(query, value);
    }
    query
}

/// Binds one value of the CEQL compiler's (or the store's own) kind.
pub(crate) fn bind_value<'q, O>(
    query: sqlx::query::QueryAs<'q, Sqlite, O, sqlx::sqlite::SqliteArguments<'q>>,
    value: &'q SqlValue,
) -> sqlx::query::QueryAs<'q, Sqlite, O, sqlx::sqlite::SqliteArguments<'q>> {
    match value {
        SqlValue::Int(int) => query.bind(*int),
        SqlValue::Text(text) => query.bind(text.as_str()),
    }
}
