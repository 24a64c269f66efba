//! Passwords: only ever stored as Argon2id PHC strings.
//!
//! Hashing is deliberately slow (OWASP: 19 MiB, t=2, p=1), so it runs on the
//! blocking pool, one operation per core at a time, behind a fair queue:
//! each tenant (organization) waits in a line of its own and the lines are
//! served in turn, so one caller's flood of creates or password checks
//! never starves another tenant's requests; a line that is full is refused
//! (503) instead of growing.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, PoisonError};

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier as _, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use tokio::sync::oneshot;
use tracing::Instrument;

/// A plaintext password on its way to the hasher. `Debug` redacts it.
#[derive(Clone)]
pub struct Password(String);

impl Password {
    pub fn new(text: impl Into<String>) -> Self {
        Self(text.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

#[derive(Debug, thiserror::Error)]
pub enum HashError {
    #[error("password hashing failed: {0}")]
    Argon2(String),
    #[error("password hashing task failed: {0}")]
    Join(#[from] tokio::task::JoinError),
    #[error("password hasher is shut down")]
    Closed,
    /// The queue of operations waiting for a core is full.
    #[error("too many password operations are waiting")]
    Busy,
}

/// How many operations one tenant may have waiting for a core before more
/// are refused: a burst of creates queues for a while (with OWASP
/// parameters each takes tens of milliseconds) instead of growing without
/// bound.
const MAX_WAITING_PER_CORE: usize = 64;

/// Whose line an operation waits in: an organization's, or the server's
/// own (bootstrap, fixtures).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Queue {
    Server,
    Organization(i64),
}

/// Hashes and verifies passwords off the async runtime.
#[derive(Clone)]
pub struct PasswordHasher {
    params: Params,
    cores: usize,
    lines: Arc<FairQueue>,
}

impl std::fmt::Debug for PasswordHasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasswordHasher")
            .field("m_cost", &self.params.m_cost())
            .field("t_cost", &self.params.t_cost())
            .finish()
    }
}

impl PasswordHasher {
    /// `fast` trades Argon2id's cost for speed, for test suites that create
    /// thousands of users; it is still Argon2id, never plaintext.
    pub fn new(fast: bool) -> Self {
        let params = if fast {
            Params::new(Params::MIN_M_COST, 1, 1, None)
        } else {
            Params::new(19 * 1024, 2, 1, None)
        }
        .unwrap_or_default();
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Self {
            params,
            cores,
            lines: Arc::new(FairQueue::new(cores, MAX_WAITING_PER_CORE * cores)),
        }
    }

    /// How many hashes run at once (one per core).
    pub fn parallelism(&self) -> usize {
        self.cores
    }

    fn argon2(&self) -> Argon2<'static> {
        Argon2::new(Algorithm::Argon2id, Version::V0x13, self.params.clone())
    }

    /// The PHC string (`$argon2id$v=19$...`) for a new password, hashed in
    /// the server's own line.
    pub async fn hash(&self, password: Password) -> Result<String, HashError> {
        self.hash_in(Queue::Server, password).await
    }

    /// `hash`, waiting in `queue`'s line.
    pub async fn hash_in(&self, queue: Queue, password: Password) -> Result<String, HashError> {
        let argon2 = self.argon2();
        let hash = move || {
            let salt = SaltString::generate(&mut OsRng);
            argon2
                .hash_password(password.expose().as_bytes(), &salt)
                .map(|hash| hash.to_string())
                .map_err(|e| HashError::Argon2(e.to_string()))
        };
        if self.params.m_cost() == Params::MIN_M_COST && self.params.t_cost() == 1 {
            // Fast hashing: microseconds of work, less than the hand-off to
            // a blocking thread and back would cost.
            return hash();
        }
        self.run_blocking(queue, hash).await
    }

    /// Whether `password` matches the stored PHC string. The parameters come
    /// from the string itself, so hashes made in either mode keep verifying.
    pub async fn verify(
        &self,
        queue: Queue,
        password: Password,
        phc: String,
    ) -> Result<bool, HashError> {
        let argon2 = self.argon2();
        self.run_blocking(queue, move || {
            let parsed = PasswordHash::new(&phc).map_err(|e| HashError::Argon2(e.to_string()))?;
            Ok(argon2
                .verify_password(password.expose().as_bytes(), &parsed)
                .is_ok())
        })
        .await
    }

    async fn run_blocking<T: Send + 'static>(
        &self,
        queue: Queue,
        work: impl FnOnce() -> Result<T, HashError> + Send + 'static,
    ) -> Result<T, HashError> {
        let _slot = self.lines.enter(queue).await?;
        let span = tracing::Span::current();
        tokio::task::spawn_blocking(move || span.in_scope(work))
            .in_current_span()
            .await?
    }
}

/// One slot per core, handed out in turn to the lines that wait: a line
/// gets its next slot only after every other waiting line has had one.
struct FairQueue {
    cores: usize,
    /// Most operations one line may have waiting.
    per_line: usize,
    state: Mutex<Lines>,
}

#[derive(Default)]
struct Lines {
    /// Slots in use.
    running: usize,
    /// The lines with someone waiting, in the order they are served.
    turn: VecDeque<Queue>,
    waiting: HashMap<Queue, VecDeque<oneshot::Sender<Slot>>>,
}

/// A core's slot; dropping it hands the slot to the next line in turn.
struct Slot {
    /// `None` once the slot has been handed on some other way.
    queue: Option<Arc<FairQueue>>,
}

impl FairQueue {
    fn new(cores: usize, per_line: usize) -> Self {
        Self {
            cores,
            per_line,
            state: Mutex::new(Lines::default()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Lines> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    async fn enter(self: &Arc<Self>, queue: Queue) -> Result<Slot, HashError> {
        let waiting = {
            let mut lines = self.lock();
            if lines.running < self.cores && lines.turn.is_empty() {
                lines.running += 1;
                return Ok(Slot {
                    queue: Some(Arc::clone(self)),
                });
            }
            let line = lines.waiting.entry(queue).or_default();
            if line.len() >= self.per_line {
                return Err(HashError::Busy);
            }
            let (send, receive) = oneshot::channel();
            let first = line.is_empty();
            line.push_back(send);
            if first {
                lines.turn.push_back(queue);
            }
            receive
        };
        // A slot handed to a waiter that has gone (a cancelled request) is
        // dropped with the channel, which hands it on again.
        waiting.await.map_err(|_| HashError::Closed)
    }

    /// Gives a freed slot to the first waiter of the next line in turn.
    fn release(self: &Arc<Self>) {
        let mut lines = self.lock();
        while let Some(queue) = lines.turn.pop_front() {
            let Some(line) = lines.waiting.get_mut(&queue) else {
                continue;
            };
            let next = line.pop_front();
            if line.is_empty() {
                lines.waiting.remove(&queue);
            } else {
                lines.turn.push_back(queue);
            }
            if let Some(next) = next {
                if let Err(mut slot) = next.send(Slot {
                    queue: Some(Arc::clone(self)),
                }) {
                    // The waiter is gone: the slot stays ours for the next
                    // one (dropped disarmed, or it would release again).
                    slot.queue = None;
                    continue;
                }
                return;
            }
        }
        lines.running -= 1;
    }

    #[cfg(test)]
    fn waiting(&self, queue: Queue) -> usize {
        self.lock().waiting.get(&queue).map_or(0, VecDeque::len)
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        if let Some(queue) = self.queue.take() {
            queue.release();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_are_argon2id_and_verify() {
        let hasher = PasswordHasher::new(true);
        let phc = hasher.hash(Password::new("pw")).await.expect("hash");
        assert!(phc.starts_with("$argon2id$v=19$"));
        assert!(hasher
            .verify(Queue::Server, Password::new("pw"), phc.clone())
            .await
            .expect("verify"));
        assert!(!hasher
            .verify(Queue::Server, Password::new("nope"), phc)
            .await
            .expect("verify"));
    }

    #[tokio::test]
    async fn a_full_line_refuses_instead_of_growing_but_other_lines_wait() {
        let lines = Arc::new(FairQueue::new(1, 3));
        let held = lines.enter(Queue::Server).await.expect("a free core");
        let flood = Queue::Organization(1);
        let mut queued = Vec::new();
        for _ in 0..3 {
            let lines = Arc::clone(&lines);
            queued.push(tokio::spawn(
                async move { lines.enter(flood).await.map(drop) },
            ));
        }
        while lines.waiting(flood) < 3 {
            tokio::task::yield_now().await;
        }
        assert!(matches!(lines.enter(flood).await, Err(HashError::Busy)));
        // Another tenant still gets in line, and is served before the
        // flood's second and third.
        let other = {
            let lines = Arc::clone(&lines);
            tokio::spawn(async move { lines.enter(Queue::Organization(2)).await.map(drop) })
        };
        while lines.waiting(Queue::Organization(2)) < 1 {
            tokio::task::yield_now().await;
        }
        drop(held);
        other.await.expect("joined").expect("served");
        for done in queued {
            done.await
                .expect("joined")
                .expect("served once cores free up");
        }
    }

    #[tokio::test]
    async fn lines_take_turns() {
        let lines = Arc::new(FairQueue::new(1, 100));
        let held = lines.enter(Queue::Server).await.expect("a free core");
        let order = Arc::new(Mutex::new(Vec::new()));
        let mut tasks = Vec::new();
        // Tenant 1 queues five, then tenant 2 one: tenant 2 goes second.
        for (tenant, count) in [(1, 5), (2, 1)] {
            for _ in 0..count {
                let (waiter, order) = (Arc::clone(&lines), Arc::clone(&order));
                let queue = Queue::Organization(tenant);
                tasks.push(tokio::spawn(async move {
                    let slot = waiter.enter(queue).await.expect("served");
                    order
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .push(tenant);
                    drop(slot);
                }));
                while lines.waiting(queue) == 0 {
                    tokio::task::yield_now().await;
                }
            }
        }
        drop(held);
        for task in tasks {
            task.await.expect("joined");
        }
        let order = order.lock().unwrap_or_else(PoisonError::into_inner).clone();
        assert_eq!(order, [1, 2, 1, 1, 1, 1]);
    }

    #[tokio::test]
    async fn a_cancelled_waiter_does_not_lose_the_slot() {
        let lines = Arc::new(FairQueue::new(1, 10));
        let held = lines.enter(Queue::Server).await.expect("a free core");
        let gone = {
            let lines = Arc::clone(&lines);
            tokio::spawn(async move { lines.enter(Queue::Organization(1)).await.map(drop) })
        };
        while lines.waiting(Queue::Organization(1)) == 0 {
            tokio::task::yield_now().await;
        }
        gone.abort();
        let _ = gone.await;
        drop(held);
        let again = tokio::time::timeout(
            std::time::Duration::from_secs(5),
            lines.enter(Queue::Organization(2)),
        )
        .await;
        assert!(matches!(again, Ok(Ok(_))), "the slot came back");
    }

    #[test]
    fn default_parameters_are_owasp() {
        let hasher = PasswordHasher::new(false);
        assert_eq!(hasher.params.m_cost(), 19 * 1024);
        assert_eq!(hasher.params.t_cost(), 2);
        assert_eq!(hasher.params.p_cost(), 1);
    }
}
