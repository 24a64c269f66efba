//! Wrong `Elements-User-Password` values, counted per user: past the limit
//! in a minute, that user's further attempts are refused (429) until the
//! minute is over, without a hash being computed. Guessing a password
//! through the API is then at most the limit per minute, whoever asks.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// How long a count of wrong attempts lasts, from the first of them.
const WINDOW: Duration = Duration::from_secs(60);

/// Users tracked before expired windows are swept out.
const SWEEP_AT: usize = 10_000;

#[derive(Debug)]
pub struct PasswordAttempts {
    limit: u32,
    /// By user id: when the window began, and the wrong attempts in it.
    failures: Mutex<HashMap<i64, (Instant, u32)>>,
}

impl PasswordAttempts {
    pub fn new(limit: u32) -> Self {
        Self {
            limit,
            failures: Mutex::new(HashMap::new()),
        }
    }

    /// Counts an attempt for the user before its password is checked, or
    /// `Err(wait)` when the user's attempts are refused for `wait` more.
    /// Counting first keeps a burst of concurrent guesses to the limit; a
    /// right password gives its count back (`succeeded`).
    pub fn begin(&self, user_id: i64) -> Result<(), Duration> {
        let mut failures = self.failures.lock().unwrap_or_else(PoisonError::into_inner);
        if failures.len() >= SWEEP_AT {
            failures.retain(|_, (since, _)| since.elapsed() < WINDOW);
        }
        let now = Instant::now();
        let entry = failures.entry(user_id).or_insert((now, 0));
        if entry.0.elapsed() >= WINDOW {
            *entry = (now, 0);
        }
        if entry.1 >= self.limit {
            let wait = WINDOW.saturating_sub(entry.0.elapsed());
            return Err(wait.max(Duration::from_secs(1)));
        }
        entry.1 += 1;
        Ok(())
    }

    /// The password was right: its attempt does not count.
    pub fn succeeded(&self, user_id: i64) {
        let mut failures = self.failures.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(entry) = failures.get_mut(&user_id) {
            entry.1 = entry.1.saturating_sub(1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limit_is_per_user_and_right_passwords_do_not_count() {
        let attempts = PasswordAttempts::new(2);
        assert!(attempts.begin(1).is_ok());
        attempts.succeeded(1);
        assert!(attempts.begin(1).is_ok());
        assert!(attempts.begin(1).is_ok());
        let wait = attempts.begin(1).expect_err("refused");
        assert!(wait <= WINDOW && wait > WINDOW - Duration::from_secs(5));
        assert!(attempts.begin(2).is_ok(), "another user is not affected");
    }
}
