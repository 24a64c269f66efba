//! Group commit: writes that arrive while another is being written share
//! one transaction on the writer connection, and so one commit.
//!
//! A commit writes every page the transaction changed to the WAL, and with
//! a user's row, its JSON and a dozen indexes that is most of a write's
//! cost; writes that commit together write the pages they share once.
//! Each write still gets its own answer and its own error: each runs
//! inside a SAVEPOINT of its own, rolled back to when it fails, so a
//! failed write leaves nothing behind and takes no other write with it.
//! Nobody is answered before the COMMIT that holds their write is done
//! (durability is unchanged: an answered write is in the WAL), and the
//! store's generations move on before anyone is answered, so a caller
//! who reads after their answer never gets a cached older state. A batch
//! whose writes all only added users moves only the generation for that
//! (see [`super::cache`]).
//!
//! The first write that finds no batch running starts one on a task of its
//! own; it takes every write queued by then, and goes on while more arrive.
//! A batch is never cancelled with a request: a request dropped while its
//! write waits or runs leaves the write to finish (or fail) on its own, as
//! a dropped COMMIT always did, and the writer is never left inside a
//! transaction.

use std::sync::{Arc, Mutex, PoisonError};

use sqlx::{SqliteConnection, SqlitePool};
use tokio::sync::oneshot;

use super::cache::{Change, Generations, Tenant};
use super::{BoxFuture, StoreError, Tx};

/// Writes per transaction at most: bounds how long one batch holds the
/// writer (and how long its first caller waits for the last).
const MAX_BATCH: usize = 64;

/// How a batch starts. Each write's SAVEPOINT keeps the pages it changes
/// until it is released, in memory rather than in a temporary file
/// written at each change (`temp_store`, which cannot change inside a
/// transaction; a batch's writes are small, so memory is bounded by
/// `MAX_BATCH`).
const BEGIN: &str = "PRAGMA temp_store = MEMORY; BEGIN IMMEDIATE; SAVEPOINT job";

/// Ends a write's last statement text when that text runs in a batch
/// (`concat!` it on, then call [`Batched::moved_on`] once it has run):
/// releases the write's savepoint and begins the next write's, in the
/// same hand-off to sqlx's worker thread as the write's own statements,
/// where running it separately would be a second one.
macro_rules! then_next_write {
    () => {
        "; RELEASE job; SAVEPOINT job"
    };
}
pub(crate) use then_next_write;

/// The connection a write in a batch runs on, inside the write's own
/// savepoint; use it as a connection.
pub struct Batched {
    tx: Tx,
    /// The write's last statements ended with `then_next_write!`.
    moved_on: bool,
}

impl Batched {
    /// Records that the write's statements, ending with
    /// `then_next_write!`, all ran: its savepoint is released, so nothing
    /// the write did can be undone without the whole batch.
    pub fn moved_on(&mut self) {
        self.moved_on = true;
    }
}

impl std::ops::Deref for Batched {
    type Target = SqliteConnection;

    fn deref(&self) -> &SqliteConnection {
        &self.tx
    }
}

impl std::ops::DerefMut for Batched {
    fn deref_mut(&mut self) -> &mut SqliteConnection {
        &mut self.tx
    }
}

/// What a write leaves once it has run: whether its statements stay, and
/// how to answer its caller once the batch's COMMIT is known.
struct Ran {
    keep: bool,
    answer: Answer,
}

/// A write waiting for its batch: runs on the batch's connection, inside
/// its own SAVEPOINT.
/// Given the batch's error instead of a connection when the batch could
/// not begin, it answers its caller with that error.
type Job =
    Box<dyn for<'c> FnOnce(Result<&'c mut Batched, StoreError>) -> BoxFuture<'c, Ran> + Send>;

#[derive(Default)]
struct Queue {
    /// Each with what it may change, and whose users.
    jobs: Vec<(Change, Tenant, Job)>,
    /// A batch task is running and will take what is queued.
    running: bool,
}

/// The writes waiting for the writer, and whether a batch is running.
#[derive(Default)]
pub(super) struct Batcher {
    queue: Mutex<Queue>,
}

impl std::fmt::Debug for Batcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Batcher")
    }
}

impl Batcher {
    /// Runs `write` in the next batch and answers what it returned once
    /// its batch has committed (or the batch's error, when the COMMIT
    /// failed). An `Err` from `write` rolls back what it did.
    pub(super) async fn write<T, E, F>(
        self: &Arc<Self>,
        writer: &SqlitePool,
        generations: &Arc<Generations>,
        (change, tenant): (Change, Tenant),
        write: F,
    ) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
        F: for<'c> FnOnce(&'c mut Batched) -> BoxFuture<'c, Result<T, E>> + Send + 'static,
    {
        let (send, receive) = oneshot::channel::<Result<T, E>>();
        let job: Job = Box::new(move |conn| {
            Box::pin(async move {
                let result = match conn {
                    Ok(conn) => write(conn).await,
                    Err(error) => Err(E::from(error)),
                };
                Ran {
                    keep: result.is_ok(),
                    answer: Box::new(move |committed| {
                        let answer = match (result, committed) {
                            (Ok(value), Ok(())) => Ok(value),
                            (Ok(_), Err(message)) => Err(E::from(batch_failed(message))),
                            (Err(error), _) => Err(error),
                        };
                        // The caller may have gone; the write stands.
                        let _ = send.send(answer);
                    }),
                }
            })
        });
        let start = {
            let mut queue = self.queue.lock().unwrap_or_else(PoisonError::into_inner);
            queue.jobs.push((change, tenant, job));
            !std::mem::replace(&mut queue.running, true)
        };
        if start {
            tokio::spawn(Arc::clone(self).run(writer.clone(), Arc::clone(generations)));
        }
        receive.await.map_err(|_| {
            E::from(batch_failed(
                "the write's batch ended without an answer".into(),
            ))
        })?
    }

    /// Takes batches until none is waiting.
    async fn run(self: Arc<Self>, writer: SqlitePool, generations: Arc<Generations>) {
        loop {
            let jobs = {
                let mut queue = self.queue.lock().unwrap_or_else(PoisonError::into_inner);
                if queue.jobs.is_empty() {
                    queue.running = false;
                    return;
                }
                let take = queue.jobs.len().min(MAX_BATCH);
                queue.jobs.drain(..take).collect::<Vec<_>>()
            };
            let change = if jobs
                .iter()
                .all(|(change, ..)| *change == Change::AddedUsers)
            {
                Change::AddedUsers
            } else {
                Change::Any
            };
            let tenants: Vec<Tenant> = jobs.iter().map(|(_, tenant, _)| *tenant).collect();
            let jobs = jobs.into_iter().map(|(.., job)| job).collect();
            // A task of its own, so that a write that panics takes only its
            // batch with it (its guard rolls back; its callers see their
            // answers dropped), never the batches after it.
            let batch = tokio::spawn(run_batch(writer.clone(), jobs)).await;
            // Before anyone is answered: see the module documentation.
            generations.moved(change, &tenants);
            if let Ok((answers, committed)) = batch {
                for answer in answers {
                    answer(committed.clone());
                }
            }
        }
    }
}

/// SQLite's SQLITE_BUSY: `BEGIN IMMEDIATE` waited its busy timeout out.
fn is_busy(error: &StoreError) -> bool {
    match error {
        StoreError::Database(error) => error
            .as_database_error()
            .and_then(|db| db.code())
            .is_some_and(|code| code == "5"),
        _ => false,
    }
}

fn batch_failed(message: String) -> StoreError {
    StoreError::Io(std::io::Error::other(message))
}

/// How a caller is answered once the batch's COMMIT is known.
type Answer = Box<dyn FnOnce(Result<(), String>) + Send>;

/// One transaction: each job between a SAVEPOINT and its RELEASE (or its
/// ROLLBACK TO, when it failed); the statements between two jobs, and the
/// BEGIN and COMMIT, travel together, one hand-off to sqlx's worker each,
/// or with the job's own statements when it ends them with
/// `then_next_write!`.
/// When the transaction cannot begin (the writer stayed busy past the
/// pool's timeout, say, behind a long fixture load), each write is
/// answered with that error: a busy writer is a 503, as it is to a write
/// outside a batch. A job that never ran because the batch failed later
/// is dropped, and its caller told so by the closed channel.
async fn run_batch(writer: SqlitePool, jobs: Vec<Job>) -> (Vec<Answer>, Result<(), String>) {
    let mut answers = Vec::with_capacity(jobs.len());
    let begun = match writer.acquire().await {
        Ok(conn) => Tx::begin(conn, BEGIN, None).await,
        Err(error) => Err(error.into()),
    };
    let mut batched = match begun {
        Ok(tx) => Batched {
            tx,
            moved_on: false,
        },
        Err(error) => {
            let busy =
                matches!(error, StoreError::Database(sqlx::Error::PoolTimedOut)) || is_busy(&error);
            let message = error.to_string();
            for job in jobs {
                let error = if busy {
                    StoreError::Database(sqlx::Error::PoolTimedOut)
                } else {
                    batch_failed(message.clone())
                };
                answers.push(job(Err(error)).await.answer);
            }
            return (answers, Err(message));
        }
    };
    let count = jobs.len();
    for (i, job) in jobs.into_iter().enumerate() {
        batched.moved_on = false;
        let ran = job(Ok(&mut batched)).await;
        answers.push(ran.answer);
        let last = i + 1 == count;
        let next = match (ran.keep, batched.moved_on, last) {
            (true, true, false) => None,
            (true, true, true) => Some("COMMIT"),
            (true, false, false) => Some("RELEASE job; SAVEPOINT job"),
            (true, false, true) => Some("RELEASE job; COMMIT"),
            // Failed after its savepoint was released: what it did can
            // only go with the whole batch.
            (false, true, _) => {
                return fail(
                    batched.tx,
                    answers,
                    "a write failed after its statements ran".into(),
                )
                .await;
            }
            (false, false, false) => Some("ROLLBACK TO job; RELEASE job; SAVEPOINT job"),
            (false, false, true) => Some("ROLLBACK TO job; RELEASE job; COMMIT"),
        };
        if let Some(next) = next {
            if let Err(error) = sqlx::query(next).execute(&mut *batched).await {
                return fail(batched.tx, answers, error.to_string()).await;
            }
        }
    }
    // The COMMIT ran, with the last RELEASE or after it.
    batched.tx.conn = None;
    (answers, Ok(()))
}

/// Ends a batch that failed: nothing of it is committed, and every write
/// in it fails.
async fn fail(tx: Tx, answers: Vec<Answer>, error: String) -> (Vec<Answer>, Result<(), String>) {
    if let Err(rollback) = tx.end("ROLLBACK").await {
        tracing::debug!(%rollback, "rollback of a failed batch");
    }
    (
        answers,
        Err(format!("the write's transaction failed: {error}")),
    )
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use sqlx::sqlite::SqlitePoolOptions;

    use super::*;

    const ANY: (Change, Tenant) = (Change::Any, Tenant::Every);

    /// A batch that cannot get the writer answers each of its writes with
    /// the pool's own error (a 503 to the caller), not a dropped answer.
    #[tokio::test]
    async fn writes_of_a_batch_that_cannot_begin_get_the_busy_error() {
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .acquire_timeout(Duration::from_millis(50))
            .connect("sqlite::memory:")
            .await
            .expect("an in-memory pool");
        let held = writer.acquire().await.expect("the only connection");
        let batcher = Arc::new(Batcher::default());
        let generations = Arc::new(Generations::default());
        let writes = (0..3).map(|_| {
            batcher.write::<(), StoreError, _>(&writer, &generations, ANY, |conn| {
                Box::pin(async move {
                    sqlx::query("SELECT 1").execute(&mut **conn).await?;
                    Ok(())
                })
            })
        });
        for answer in futures::future::join_all(writes).await {
            assert!(
                matches!(answer, Err(StoreError::Database(sqlx::Error::PoolTimedOut))),
                "{answer:?}"
            );
        }
        drop(held);
        let after = batcher
            .write::<(), StoreError, _>(&writer, &generations, ANY, |conn| {
                Box::pin(async move {
                    sqlx::query("SELECT 1").execute(&mut **conn).await?;
                    Ok(())
                })
            })
            .await;
        assert!(after.is_ok(), "{after:?}");
    }

    /// How a write of `insert_and_then` ends.
    #[derive(Clone, Copy)]
    enum End {
        Ok,
        /// Fails after its statements, which ended with `then_next_write!`.
        FailMovedOn,
        /// Fails with its savepoint still open.
        Fail,
    }

    /// Three writes in one batch, the second ending as `second` says; what
    /// each was answered, and the values committed.
    async fn batch_of_three(second: End) -> (Vec<Result<(), StoreError>>, Vec<i64>) {
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .connect("sqlite::memory:")
            .await
            .expect("an in-memory pool");
        sqlx::query("CREATE TABLE t (v INTEGER)")
            .execute(&writer)
            .await
            .expect("a table");
        let batcher = Arc::new(Batcher::default());
        let generations = Arc::new(Generations::default());
        // Queued in one poll, so the batch started by the first takes all.
        let writes = [(1, End::Ok), (2, second), (3, End::Ok)].map(|(v, end)| {
            batcher.write::<(), StoreError, _>(&writer, &generations, ANY, move |conn| {
                Box::pin(async move {
                    let moves_on = matches!(end, End::Ok | End::FailMovedOn);
                    let sql = if moves_on {
                        concat!("INSERT INTO t VALUES (?)", then_next_write!())
                    } else {
                        "INSERT INTO t VALUES (?)"
                    };
                    sqlx::query(sql).bind(v).execute(&mut **conn).await?;
                    if moves_on {
                        conn.moved_on();
                    }
                    match end {
                        End::Ok => Ok(()),
                        End::FailMovedOn | End::Fail => Err(StoreError::Schema("failed".into())),
                    }
                })
            })
        });
        let answers = futures::future::join_all(writes).await;
        let committed = sqlx::query_scalar("SELECT v FROM t ORDER BY v")
            .fetch_all(&writer)
            .await
            .expect("the values");
        (answers, committed)
    }

    /// A write that fails with its savepoint open is undone alone.
    #[tokio::test]
    async fn a_failed_write_is_undone_alone() {
        let (answers, committed) = batch_of_three(End::Fail).await;
        assert_eq!(committed, [1, 3]);
        let failed: Vec<bool> = answers.iter().map(Result::is_err).collect();
        assert_eq!(failed, [false, true, false]);
    }

    /// A write that fails after its savepoint was released can only be
    /// undone with the whole batch: every write in it fails, none stays.
    #[tokio::test]
    async fn a_write_failing_after_it_moved_on_takes_its_batch_with_it() {
        let (answers, committed) = batch_of_three(End::FailMovedOn).await;
        assert_eq!(committed, Vec::<i64>::new());
        assert!(answers.iter().all(Result::is_err), "{answers:?}");
    }
}
