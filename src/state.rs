//! What every handler shares.

use std::sync::Arc;

use crate::api::faults::Faults;
use crate::api::journal::Journal;
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
    /// `--admin-token`: when set, `/__admin` wants it as a bearer token.
    pub admin_token: Option<Secret>,
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
            admin_token: config.admin_token.clone().map(Secret::new),
        }
    }
}
