//! Passwords: only ever stored as Argon2id PHC strings.
//!
//! Hashing is deliberately slow (OWASP: 19 MiB, t=2, p=1), so it runs on the
//! blocking pool behind a semaphore sized to the cores: a burst of creates
//! queues instead of starving the async workers or exhausting memory.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier as _, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use tokio::sync::Semaphore;
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

/// How many operations may wait for a core before more are refused: a
/// burst of creates queues for a while (with OWASP parameters each takes
/// tens of milliseconds) instead of growing without bound.
const MAX_WAITING_PER_CORE: usize = 64;

/// Hashes and verifies passwords off the async runtime.
#[derive(Clone)]
pub struct PasswordHasher {
    params: Params,
    permits: Arc<Semaphore>,
    cores: usize,
    waiting: Arc<AtomicUsize>,
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
            permits: Arc::new(Semaphore::new(cores)),
            cores,
            waiting: Arc::new(AtomicUsize::new(0)),
        }
    }

    /// How many hashes run at once (one per core).
    pub fn parallelism(&self) -> usize {
        self.cores
    }

    fn argon2(&self) -> Argon2<'static> {
        Argon2::new(Algorithm::Argon2id, Version::V0x13, self.params.clone())
    }

    /// The PHC string (`$argon2id$v=19$...`) for a new password.
    pub async fn hash(&self, password: Password) -> Result<String, HashError> {
        let argon2 = self.argon2();
        self.run_blocking(move || {
            let salt = SaltString::generate(&mut OsRng);
            argon2
                .hash_password(password.expose().as_bytes(), &salt)
                .map(|hash| hash.to_string())
                .map_err(|e| HashError::Argon2(e.to_string()))
        })
        .await
    }

    /// Whether `password` matches the stored PHC string. The parameters come
    /// from the string itself, so hashes made in either mode keep verifying.
    pub async fn verify(&self, password: Password, phc: String) -> Result<bool, HashError> {
        let argon2 = self.argon2();
        self.run_blocking(move || {
            let parsed = PasswordHash::new(&phc).map_err(|e| HashError::Argon2(e.to_string()))?;
            Ok(argon2
                .verify_password(password.expose().as_bytes(), &parsed)
                .is_ok())
        })
        .await
    }

    async fn run_blocking<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> Result<T, HashError> + Send + 'static,
    ) -> Result<T, HashError> {
        if self.waiting.fetch_add(1, Ordering::SeqCst) >= MAX_WAITING_PER_CORE * self.cores {
            self.waiting.fetch_sub(1, Ordering::SeqCst);
            return Err(HashError::Busy);
        }
        let permit = self.permits.acquire().await;
        self.waiting.fetch_sub(1, Ordering::SeqCst);
        let _permit = permit.map_err(|_| HashError::Closed)?;
        let span = tracing::Span::current();
        tokio::task::spawn_blocking(move || span.in_scope(work))
            .in_current_span()
            .await?
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
            .verify(Password::new("pw"), phc.clone())
            .await
            .expect("verify"));
        assert!(!hasher
            .verify(Password::new("nope"), phc)
            .await
            .expect("verify"));
    }

    #[tokio::test]
    async fn a_full_queue_refuses_instead_of_growing() {
        let hasher = PasswordHasher::new(true);
        // Hold every core, then fill the queue exactly.
        let held = hasher
            .permits
            .clone()
            .acquire_many_owned(hasher.cores as u32)
            .await
            .expect("permits");
        let limit = MAX_WAITING_PER_CORE * hasher.cores;
        let mut queued = tokio::task::JoinSet::new();
        for _ in 0..limit {
            let hasher = hasher.clone();
            queued.spawn(async move { hasher.hash(Password::new("x")).await.map(|_| ()) });
        }
        while hasher.waiting.load(Ordering::SeqCst) < limit {
            tokio::task::yield_now().await;
        }
        assert!(matches!(
            hasher.hash(Password::new("y")).await,
            Err(HashError::Busy)
        ));
        drop(held);
        while let Some(done) = queued.join_next().await {
            assert!(
                done.expect("joined").is_ok(),
                "queued work completes once cores free up"
            );
        }
    }

    #[test]
    fn default_parameters_are_owasp() {
        let hasher = PasswordHasher::new(false);
        assert_eq!(hasher.params.m_cost(), 19 * 1024);
        assert_eq!(hasher.params.t_cost(), 2);
        assert_eq!(hasher.params.p_cost(), 1);
    }
}
