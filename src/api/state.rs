//! What every handler shares: the services, and the HTTP plane's own parts
//! (journal, faults, metrics, limits).

use std::sync::Arc;
use std::time::Duration;

use tower_http::cors::CorsLayer;

use super::faults::Faults;
use super::journal::Journal;
use super::metrics::Metrics;
use crate::config::Config;
use crate::domain::secret::Secret;
use crate::service::Services;

/// Cheap to clone: everything inside is shared.
#[derive(Clone)]
pub struct AppState {
    pub services: Services,
    pub journal: Arc<Journal>,
    pub faults: Arc<Faults>,
    pub metrics: Arc<Metrics>,
    /// `--admin-token`: when set, `/__admin` wants it as a bearer token.
    pub admin_token: Option<Secret>,
    pub limits: Limits,
    /// `--cors-origin`: `None` when not given.
    pub cors: Option<CorsLayer>,
}

/// Overload protection (`--max-in-flight`, `--request-timeout`), and the
/// time a request body has to arrive (`--client-timeout`).
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_in_flight: usize,
    pub request_timeout: Duration,
    pub client_timeout: Duration,
}

impl AppState {
    pub fn new(services: Services, config: &Config) -> Self {
        Self {
            services,
            journal: Arc::new(Journal::new(
                config.journal_size,
                config.journal_bytes,
                config.journal_bodies,
            )),
            faults: Arc::new(Faults::default()),
            metrics: Arc::new(Metrics::default()),
            admin_token: config.admin_token.clone().map(Secret::new),
            limits: Limits {
                max_in_flight: config.max_in_flight.max(1),
                request_timeout: Duration::from_secs(config.request_timeout.max(1)),
                client_timeout: config.client_timeout,
            },
            cors: super::cors::layer(&config.cors_origin),
        }
    }
}
