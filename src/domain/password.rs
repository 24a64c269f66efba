//! Passwords: only ever stored as Argon2id PHC strings.
//!
//! Hashing is deliberately slow (OWASP: 19 MiB, t=2, p=1), so it runs on the
//! blocking pool behind a semaphore sized to the cores: a burst of creates
//! queues instead of starving the async workers or exhausting memory.

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
}

/// Hashes and verifies passwords off the async runtime.
#[derive(Clone)]
pub struct PasswordHasher {
    params: Params,
    permits: Arc<Semaphore>,
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
        }
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
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| HashError::Closed)?;
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
        assert!(phc.starts_with("$argon2id$"));
        assert!(!phc.contains("pw$"));
        assert!(hasher
            .verify(Password::new("pw"), phc.clone())
            .await
            .expect("verify"));
        assert!(!hasher
            .verify(Password::new("nope"), phc)
            .await
            .expect("verify"));
    }

    #[test]
    fn default_parameters_are_owasp() {
        let hasher = PasswordHasher::new(false);
        assert_eq!(hasher.params.m_cost(), 19 * 1024);
        assert_eq!(hasher.params.t_cost(), 2);
        assert_eq!(hasher.params.p_cost(), 1);
    }
}
