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

use super::cache::{Change, Generations};
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
type Job = Box<
    dyn for<'c> FnOnce(Result<&'c mut SqliteConnection, StoreError>) -> BoxFuture<'c, Ran> + Send,
>;

#[derive(Default)]
struct Queue {
    /// Each with what it may change.
    jobs: Vec<(Change, Job)>,
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
        change: Change,
        write: F,
    ) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
        F: for<'c> FnOnce(&'c mut SqliteConnection) -> BoxFuture<'c, Result<T, E>> + Send + 'static,
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
            queue.jobs.push((change, job));
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
            let change = if jobs.iter().all(|(change, _)| *change == Change::AddedUsers) {
                Change::AddedUsers
            } else {
                Change::Any
            };
            let jobs = jobs.into_iter().map(|(_, job)| job).collect();
            // A task of its own, so that a write that panics takes only its
            // batch with it (its guard rolls back; its callers see their
            // answers dropped), never the batches after it.
            let batch = tokio::spawn(run_batch(writer.clone(), jobs)).await;
            // Before anyone is answered: see the module documentation.
            generations.moved(change);
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
/// BEGIN and COMMIT, travel together, one hand-off to sqlx's worker each.
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
    let mut tx = match begun {
        Ok(tx) => tx,
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
        let ran = job(Ok(&mut tx)).await;
        answers.push(ran.answer);
        let next = match (ran.keep, i + 1 == count) {
            (true, false) => "RELEASE job; SAVEPOINT job",
            (false, false) => "ROLLBACK TO job; RELEASE job; SAVEPOINT job",
            (true, true) => "RELEASE job; COMMIT",
            (false, true) => "ROLLBACK TO job; RELEASE job; COMMIT",
        };
        if let Err(error) = sqlx::query(next).execute(&mut *tx).await {
            // Nothing of the batch is committed: every write in it fails.
            if let Err(rollback) = tx.end("ROLLBACK").await {
                tracing::debug!(%rollback, "rollback of a failed batch");
            }
            return (
                answers,
                Err(format!("the write's transaction failed: {error}")),
            );
        }
    }
    // The COMMIT ran with the last RELEASE.
    tx.conn = None;
    (answers, Ok(()))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use sqlx::sqlite::SqlitePoolOptions;

    use super::*;

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
            batcher.write::<(), StoreError, _>(&writer, &generations, Change::Any, |conn| {
                Box::pin(async move {
                    sqlx::query("SELECT 1").execute(conn).await?;
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
            .write::<(), StoreError, _>(&writer, &generations, Change::Any, |conn| {
                Box::pin(async move {
                    sqlx::query("SELECT 1").execute(conn).await?;
                    Ok(())
                })
            })
            .await;
        assert!(after.is_ok(), "{after:?}");
    }
}
