//! SQLite storage: opening the database, migrations, and the queries.
//!
//! Layout: one writer connection (SQLite serialises writers anyway; one
//! connection makes that explicit and keeps "database is locked" away) and a
//! pool of read-only readers, all in WAL mode so reads never wait for the
//! writer. An in-memory database has a single connection that does both,
//! because each SQLite in-memory connection would otherwise be its own
//! database. This module knows nothing about HTTP.
//!
//! Every read transaction ([`Store::read`]) has a deadline, the query
//! timeout: SQLite calls back every hundred steps of its virtual machine,
//! and once the deadline has passed the statement running is interrupted
//! ([`StoreError::TimedOut`]) and the connection goes back to the pool,
//! without a deadline, for the next request.

pub mod accounts;
mod batch;
pub mod bulk;
pub mod cache;
pub mod open_error;
pub mod organizations;
pub mod roles;
pub mod snapshots;
pub mod users;

use std::path::PathBuf;
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use sqlx::pool::PoolConnection;
use sqlx::sqlite::{
    SqliteArguments, SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions,
    SqliteSynchronous,
};
use sqlx::Sqlite;

use crate::ceql::{Sql, SqlValue};
pub use batch::Batched;
use cache::Generations;
pub use cache::{Change, Tenant, TenantGeneration};

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
    Database(sqlx::Error),
    /// A read ran past the query timeout and SQLite interrupted it.
    #[error("the query ran past the query timeout and was interrupted")]
    TimedOut,
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("file error: {0}")]
    Io(#[from] std::io::Error),
    /// The database's contents contradict what this program expects.
    #[error("unexpected database contents: {0}")]
    Schema(String),
}

/// SQLite's code for a statement stopped by a progress handler.
const SQLITE_INTERRUPT: &str = "9";

impl From<sqlx::Error> for StoreError {
    fn from(error: sqlx::Error) -> Self {
        // Only a read's deadline interrupts a statement.
        match error.as_database_error().and_then(|db| db.code()) {
            Some(code) if code == SQLITE_INTERRUPT => StoreError::TimedOut,
            _ => StoreError::Database(error),
        }
    }
}

/// How long a read transaction may run unless the store is told otherwise
/// (`with_query_timeout`); the default of `--query-timeout`.
pub const DEFAULT_QUERY_TIMEOUT: Duration = Duration::from_secs(2);

/// Steps of SQLite's virtual machine between two looks at the deadline.
/// One step can be a `LIKE` over a whole text (bounded by the CEQL and
/// field limits to well under a millisecond), so a deadline is noticed
/// within milliseconds of passing; reading the clock this often costs
/// 1-2% of a long query.
const PROGRESS_STEPS: i32 = 100;

/// A read's deadline, shared with the progress handler that SQLite calls
/// on the connection's worker thread.
#[derive(Debug)]
struct Deadline {
    at: Instant,
    /// Cleared when the transaction ends: the handler may stay on the
    /// connection (until the next read replaces it), but never stops
    /// anything again.
    armed: AtomicBool,
}

impl Deadline {
    /// Whether SQLite may go on (the progress handler's answer).
    fn allows(&self) -> bool {
        !self.armed.load(Ordering::Acquire) || Instant::now() < self.at
    }

    fn disarm(&self) {
        self.armed.store(false, Ordering::Release);
    }
}

/// How long a connection waits for a lock before giving up. Only another
/// process writing the same file can make it wait at all.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, Clone)]
pub struct Store {
    writer: SqlitePool,
    reader: SqlitePool,
    snapshots: Arc<SnapshotDir>,
    /// Move on with committed writes; see `existing_generation` and
    /// `tenant_generation`.
    generations: Arc<Generations>,
    caches: Arc<Caches>,
    /// Writes waiting to share a transaction; see `write`.
    batcher: Arc<batch::Batcher>,
    roles: Arc<roles::Catalogue>,
    /// How long a read transaction may run; see `read`.
    query_timeout: Duration,
}

/// What nearly every request reads; see [`cache`].
#[derive(Debug)]
struct Caches {
    credentials: cache::GenerationCache<[u8; 32], organizations::CredentialRow>,
    accounts: cache::GenerationCache<i64, accounts::AccountRow>,
    /// User counts by scope and filter, per organization.
    counts: cache::GenerationCache<String, i64, TenantGeneration>,
    /// Single users by scope and id or email, per organization.
    users: cache::GenerationCache<String, users::StoredUser, TenantGeneration>,
    /// Pages of user lists and their totals, by what was asked (see
    /// `users::cached_page`), per organization.
    pages: cache::GenerationCache<String, (i64, users::UserPage), TenantGeneration>,
}

/// Entries per cache before it starts over.
const CACHE_CAPACITY: usize = 10_000;

/// Pages of user lists kept at most: with pages of up to
/// `users::PAGE_CACHED_BYTES`, 32 MiB.
const PAGE_CACHE_CAPACITY: usize = 128;

impl Default for Caches {
    fn default() -> Self {
        Self {
            credentials: cache::GenerationCache::new(CACHE_CAPACITY),
            accounts: cache::GenerationCache::new(CACHE_CAPACITY),
            counts: cache::GenerationCache::new(CACHE_CAPACITY),
            users: cache::GenerationCache::new(CACHE_CAPACITY),
            pages: cache::GenerationCache::new(PAGE_CACHE_CAPACITY),
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

/// Gives SQLite's query planner statistics (`sqlite_stat1`) for every
/// table that has rows and none yet, or has grown or shrunk tenfold since
/// they were taken. Without them the planner guesses that an account has
/// ten users, and between two filters' indexes it can pick the one that
/// matches a hundred times more (`city = 'City17' and lastName like 'L1%'`
/// at a million users: about 110 ms instead of under 10). Full
/// statistics, no sampling
/// limit: a sample of the first rows of `(account_id, …)` sees one
/// account and misjudges exactly that. Empty tables are skipped, so a new
/// database pays nothing; a million users cost about 2 s once.
///
/// The per-value samples ANALYZE also takes (`sqlite_stat4`) are dropped:
/// with them SQLite prepares a statement again whenever a value bound to a
/// column with samples changes, to plan for that value, and every value
/// here is bound. That was about a sixth of the CPU of a create (the role
/// catalogue has samples) and of every lookup by account. Without them a
/// statement is planned once, and `/__admin/explain` shows the plan every
/// value gets; where the number of matches decides the plan, the list
/// counts first and chooses (`users::PageOrder`).
async fn refresh_statistics(pool: &SqlitePool) -> Result<(), StoreError> {
    // 0x10002: ANALYZE where it may help, checking every table, not only
    // those this connection has queried; without 0x10 no sampling limit.
    sqlx::query("PRAGMA optimize = 0x10002")
        .execute(pool)
        .await?;
    let stat4: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM sqlite_schema WHERE name = 'sqlite_stat4')",
    )
    .fetch_one(pool)
    .await?;
    if stat4 {
        sqlx::query("DELETE FROM sqlite_stat4; ANALYZE sqlite_schema")
            .execute(pool)
            .await?;
    }
    Ok(())
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
                refresh_statistics(&pool).await?;
                Ok(Store {
                    roles: Arc::new(roles::Catalogue::load(&pool).await?),
                    writer: pool.clone(),
                    reader: pool,
                    snapshots: Arc::new(SnapshotDir::Temporary(tempfile::tempdir()?)),
                    generations: Arc::default(),
                    caches: Arc::default(),
                    batcher: Arc::default(),
                    query_timeout: DEFAULT_QUERY_TIMEOUT,
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
                // Before the readers open: each loads the statistics with
                // the schema.
                refresh_statistics(&writer).await?;
                let readers = std::thread::available_parallelism().map_or(2, |n| n.get()) * 2;
                let reader = SqlitePoolOptions::new()
                    .max_connections(readers as u32)
                    .idle_timeout(None)
                    .max_lifetime(None)
                    // No ping (a round trip to the connection's thread)
                    // each time a read takes a connection: a SQLite file
                    // connection does not go stale, and a request cancelled
                    // during a ping would only close a reader (reopened on
                    // demand).
                    .test_before_acquire(false)
                    .connect_with(options.read_only(true))
                    .await?;
                let mut beside = path.clone().into_os_string();
                beside.push(".snapshots");
                Ok(Store {
                    roles: Arc::new(roles::Catalogue::load(&writer).await?),
                    writer,
                    reader,
                    snapshots: Arc::new(SnapshotDir::Beside(beside.into())),
                    generations: Arc::default(),
                    caches: Arc::default(),
                    batcher: Arc::default(),
                    query_timeout: DEFAULT_QUERY_TIMEOUT,
                })
            }
        }
    }

    /// Sets how long a read transaction may run (see `read`); the store
    /// starts with [`DEFAULT_QUERY_TIMEOUT`].
    pub fn with_query_timeout(mut self, timeout: Duration) -> Self {
        self.query_timeout = timeout;
        self
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
    /// A statement still running once the query timeout has passed since
    /// it began is interrupted: `StoreError::TimedOut`.
    pub async fn read(&self) -> Result<Tx, StoreError> {
        let conn = self.reader.acquire().await?;
        // A timeout too large to add is no deadline at all.
        let deadline = Instant::now().checked_add(self.query_timeout);
        Tx::begin(conn, "BEGIN", deadline).await
    }

    /// A write transaction that holds the write lock from its first
    /// statement. A deferred transaction that reads and then writes can fail
    /// with "database is locked" instead of waiting; IMMEDIATE cannot.
    ///
    /// Its temporary storage (what a statement keeps to undo just itself,
    /// the sorts of an index being built) goes to files: such a write can
    /// be a fixture load of a million users, whose memory must not grow
    /// with it. The group commit's batches keep theirs in memory (see
    /// `batch::BEGIN`).
    pub async fn begin_write(&self) -> Result<WriteTx, StoreError> {
        let begin = "PRAGMA temp_store = DEFAULT; BEGIN IMMEDIATE";
        Ok(WriteTx {
            tx: Tx::begin(self.writer.acquire().await?, begin, None).await?,
            generations: self.generations.clone(),
        })
    }

    /// A write in a shared transaction (group commit; see [`batch`]):
    /// `write` runs on the writer connection inside a SAVEPOINT of its
    /// own, and what it returns is answered once the transaction holding it
    /// has committed. An `Err` rolls back what it did, and only that.
    /// `change` says which cached rows it can make stale: `Change::Any`,
    /// unless it only adds users; `tenant`, whose users it may change
    /// (see [`cache`]).
    pub async fn write<T, E, F>(&self, change: Change, tenant: Tenant, write: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
        F: for<'c> FnOnce(&'c mut Batched) -> BoxFuture<'c, Result<T, E>> + Send + 'static,
    {
        self.batcher
            .write(&self.writer, &self.generations, (change, tenant), write)
            .await
    }

    /// Changes after every committed write that may change or remove rows
    /// that were there before it (see [`cache`]): for caches of existing
    /// rows only, never of an absence. A reader that takes it before
    /// reading, and files what it read under it, can never keep data older
    /// than the newest such commit: the number moves on only after a
    /// commit, and a read that starts after that sees the commit.
    pub fn existing_generation(&self) -> u64 {
        self.generations.existing()
    }

    /// Changes after every committed write that may have changed the users
    /// of `organization` (see [`cache`]), as `existing_generation` does
    /// for existing rows: for caches of what that organization's users
    /// make, absences and counts included.
    pub fn tenant_generation(&self, organization: i64) -> TenantGeneration {
        self.generations.tenant(organization)
    }

    /// Runs a write made outside `begin_write` that changes what caches
    /// hold, as `WriteTx::commit` runs a commit (see `finish_write`).
    pub(crate) async fn write_outside_transaction<T: Send + 'static>(
        &self,
        write: impl std::future::Future<Output = Result<T, StoreError>> + Send + 'static,
    ) -> Result<T, StoreError> {
        finish_write(write, self.generations.clone()).await
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
///
/// A read's deadline is a progress handler on the connection. A
/// transaction that ends disarms it before its COMMIT; one dropped before
/// it ended has the handler removed by the task that rolls it back, once
/// the statement still running (which the deadline keeps bounded) is over.
/// Either way no pooled connection (for `:memory:`, the writer too) keeps
/// a deadline that could stop a later statement.
pub struct Tx {
    /// `Some` until the transaction ends; only `end` and `drop` take it.
    conn: Option<PoolConnection<Sqlite>>,
    /// A read's deadline, set on the connection.
    deadline: Option<Arc<Deadline>>,
}

impl Tx {
    async fn begin(
        conn: PoolConnection<Sqlite>,
        statement: &'static str,
        deadline: Option<Instant>,
    ) -> Result<Self, StoreError> {
        let deadline = deadline.map(|at| {
            Arc::new(Deadline {
                at,
                armed: AtomicBool::new(true),
            })
        });
        // The guard exists before the handler does, so a future dropped
        // while setting it still has the handler removed.
        let mut tx = Tx {
            conn: Some(conn),
            deadline: deadline.clone(),
        };
        if let Some(deadline) = deadline {
            tx.lock_handle()
                .await?
                .set_progress_handler(PROGRESS_STEPS, move || deadline.allows());
        }
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
        // The deadline goes first: it must not stop the COMMIT (nor any
        // later statement on the connection).
        if let Some(deadline) = &self.deadline {
            deadline.disarm();
        }
        sqlx::query(statement).execute(&mut *self).await?;
        self.conn = None;
        Ok(())
    }
}

/// Removes a read's deadline (its progress handler) from a connection,
/// once the statement it runs, if any, is over.
async fn remove_deadline(conn: &mut sqlx::SqliteConnection) -> Result<(), StoreError> {
    conn.lock_handle().await?.remove_progress_handler();
    Ok(())
}

impl Drop for Tx {
    fn drop(&mut self) {
        let Some(mut conn) = self.conn.take() else {
            return;
        };
        let deadline = self.deadline.take();
        match tokio::runtime::Handle::try_current() {
            // The task owns the connection until the deadline is removed
            // and the rollback has run, so no one else can begin on it
            // first. The deadline stays armed until then: a statement
            // abandoned with its request is still stopped by it.
            Ok(runtime) => {
                runtime.spawn(async move {
                    if deadline.is_some() {
                        if let Err(error) = remove_deadline(&mut conn).await {
                            // Never back into the pool with a deadline.
                            tracing::debug!(%error, "removing the deadline of an abandoned read");
                            conn.close_on_drop();
                            return;
                        }
                    }
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
    generations: Arc<Generations>,
}

impl WriteTx {
    pub async fn commit(self) -> Result<(), StoreError> {
        let Self { tx, generations } = self;
        finish_write(tx.commit(), generations).await
    }
}

/// Runs a write to its end on a task of its own, then moves the generation
/// on. A request future can be dropped at any await (a timeout, a client
/// that hangs up); if that happened between a COMMIT and the bump, caches
/// would keep serving what the commit changed.
pub(crate) async fn finish_write<T: Send + 'static>(
    write: impl std::future::Future<Output = Result<T, StoreError>> + Send + 'static,
    generations: Arc<Generations>,
) -> Result<T, StoreError> {
    tokio::spawn(async move {
        let result = write.await;
        // Also after a failed write: a spurious bump only empties caches.
        generations.moved(Change::Any, &[Tenant::Every]);
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

/// What SQLite plans to do for a query (`EXPLAIN QUERY PLAN`), one line
/// per step, a nested step indented two spaces deeper than its parent:
/// which index it searches (`SEARCH u USING INDEX …`), or that it reads
/// every row (`SCAN u`). `query` binds the values of the planned query.
pub(crate) async fn query_plan<'q>(
    conn: &mut sqlx::SqliteConnection,
    query: sqlx::query::QueryAs<'q, Sqlite, (i64, i64, i64, String), SqliteArguments<'q>>,
) -> Result<Vec<String>, StoreError> {
    let rows = query.fetch_all(conn).await?;
    let mut depths: std::collections::HashMap<i64, usize> = std::collections::HashMap::new();
    let mut lines = Vec::with_capacity(rows.len());
    for (id, parent, _, detail) in rows {
        let depth = depths.get(&parent).map_or(0, |depth| depth + 1);
        depths.insert(id, depth);
        lines.push(format!("{}{detail}", "  ".repeat(depth)));
    }
    Ok(lines)
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    /// Counts to `n` in SQL: about `n` steps of work, whatever the data.
    async fn count_to(conn: &mut sqlx::SqliteConnection, n: i64) -> Result<i64, StoreError> {
        let sql = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < ?) \
                   SELECT count(*) FROM c";
        Ok(sqlx::query_as::<_, (i64,)>(sql)
            .bind(n)
            .fetch_one(conn)
            .await?
            .0)
    }

    /// Far more work than the deadlines below allow (tens of seconds).
    const ENDLESS: i64 = 1_000_000_000;
    /// Work that outlasts the deadlines below, yet finishes in a moment: in
    /// a release build too, where SQLite is compiled with optimisations
    /// (300,000 steps took under 50 ms there).
    const SOME: i64 = 3_000_000;

    /// The planner gets its statistics at start-up, but no per-value
    /// samples (see `refresh_statistics`): the role catalogue, which
    /// every database holds, would have some.
    #[tokio::test]
    async fn statistics_are_taken_without_per_value_samples() {
        let store = Store::open(&Database::Memory).await.unwrap();
        let mut conn = store.writer().acquire().await.unwrap();
        let tables: Vec<String> = sqlx::query_scalar("SELECT DISTINCT tbl FROM sqlite_stat1")
            .fetch_all(&mut *conn)
            .await
            .unwrap();
        assert!(tables.iter().any(|table| table == "roles"), "{tables:?}");
        let samples: i64 = sqlx::query_scalar("SELECT count(*) FROM sqlite_stat4")
            .fetch_one(&mut *conn)
            .await
            .unwrap();
        assert_eq!(samples, 0);
    }

    /// `:memory:` has a single connection, reader and writer alike: what one
    /// read leaves on it, every later statement meets.
    async fn single_connection_store(timeout: Duration) -> Store {
        Store::open(&Database::Memory)
            .await
            .unwrap()
            .with_query_timeout(timeout)
    }

    #[tokio::test]
    async fn a_read_past_its_deadline_is_interrupted_and_leaves_no_deadline_behind() {
        let store = single_connection_store(Duration::from_millis(50)).await;
        let started = Instant::now();
        let mut tx = store.read().await.unwrap();
        let result = count_to(&mut tx, ENDLESS).await;
        assert!(matches!(result, Err(StoreError::TimedOut)), "{result:?}");
        assert!(started.elapsed() < Duration::from_secs(5));
        drop(tx);
        // Long past that deadline, the same connection runs work of any
        // length outside a read, and reads get deadlines of their own.
        tokio::time::sleep(Duration::from_millis(100)).await;
        let mut conn = store.writer().acquire().await.unwrap();
        let slow = Instant::now();
        assert_eq!(count_to(&mut conn, SOME).await.unwrap(), SOME);
        assert!(
            slow.elapsed() > Duration::from_millis(50),
            "the work outlasts a deadline"
        );
        drop(conn);
        let mut tx = store.read().await.unwrap();
        assert_eq!(count_to(&mut tx, 10).await.unwrap(), 10);
        tx.commit().await.unwrap();
        tokio::time::sleep(Duration::from_millis(100)).await;
        let mut write = store.begin_write().await.unwrap();
        assert_eq!(count_to(&mut write, SOME).await.unwrap(), SOME);
        write.commit().await.unwrap();
    }

    #[tokio::test]
    async fn a_read_abandoned_mid_query_leaves_no_deadline_behind() {
        let store = single_connection_store(Duration::from_millis(50)).await;
        let read = async {
            let mut tx = store.read().await?;
            count_to(&mut tx, ENDLESS).await
        };
        // Dropped (as a request that times out or hangs up) before its
        // deadline: the transaction's guard cleans up on a task.
        let started = Instant::now();
        let abandoned = tokio::time::timeout(Duration::from_millis(10), read).await;
        assert!(abandoned.is_err(), "{abandoned:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
        // The abandoned statement was still stopped at its deadline: the
        // connection is free long before it could have counted that far.
        let mut conn = store.writer().acquire().await.unwrap();
        assert!(started.elapsed() < Duration::from_secs(5));
        assert_eq!(count_to(&mut conn, SOME).await.unwrap(), SOME);
    }

    #[tokio::test]
    async fn a_read_within_its_deadline_is_not_interrupted() {
        let store = single_connection_store(Duration::from_secs(30)).await;
        let mut tx = store.read().await.unwrap();
        assert_eq!(count_to(&mut tx, SOME).await.unwrap(), SOME);
        tx.commit().await.unwrap();
    }
}
