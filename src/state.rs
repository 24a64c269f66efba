//! What every handler shares.

use std::sync::Arc;
use std::time::Duration;

use crate::api::faults::Faults;
use crate::api::journal::Journal;
use crate::api::metrics::Metrics;
use crate::api::paging::PageTokens;
use crate::config::Config;
use crate::domain::clock::Clock;
use crate::domain::password::PasswordHasher;
use crate::domain::secret::Secret;
use crate::store::Store;

/// Cheap to clone: everything inside is shared.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub hasher: PasswordHasher,
    pub clock: Clock,
    pub tokens: Arc<PageTokens>,
    pub journal: Arc<Journal>,
    pub faults: Arc<Faults>,
    pub metrics: Arc<Metrics>,
    /// `--admin-token`: when set, `/__admin` wants it as a bearer token.
    pub admin_token: Option<Secret>,
    pub limits: Limits,
}

/// Overload protection (`--max-in-flight`, `--request-timeout`).
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_in_flight: usize,
    pub request_timeout: Duration,
}

impl AppState {
    pub fn new(store: Store, config: &Config) -> Self {
        Self {
            store,
            hasher: PasswordHasher::new(config.fast_password_hashing),
            clock: Clock::default(),
            tokens: Arc::new(PageTokens::random()),
            journal: Arc::new(Journal::new(config.journal_size)),
            faults: Arc::new(Faults::default()),
            metrics: Arc::new(Metrics::default()),
            admin_token: config.admin_token.clone().map(Secret::new),
            limits: Limits {
                max_in_flight: config.max_in_flight.max(1),
                request_timeout: Duration::from_secs(config.request_timeout.max(1)),
            },
        }
    }
}
