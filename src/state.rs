//! What every handler shares.

use std::sync::Arc;

use crate::api::paging::PageTokens;
use crate::domain::clock::Clock;
use crate::domain::password::PasswordHasher;
use crate::store::Store;

/// Cheap to clone: everything inside is shared.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub hasher: PasswordHasher,
    pub clock: Clock,
    pub tokens: Arc<PageTokens>,
}

impl AppState {
    pub fn new(store: Store, hasher: PasswordHasher) -> Self {
        Self {
            store,
            hasher,
            clock: Clock,
            tokens: Arc::new(PageTokens::random()),
        }
    }
}
