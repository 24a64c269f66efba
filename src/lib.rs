//! localelements: a local, stateful stand-in for the Cloud Elements
//! account-users API.
//!
//! `main.rs` only parses the command line and sets up logging; everything else
//! is here, so tests and embedding programs run exactly what ships:
//! [`api::router`] builds the application from its state, [`serve`] runs it
//! on a listener until a shutdown future resolves, and [`Server`] does both
//! on a fresh database.

pub mod api;
pub mod auth;
pub mod bootstrap;
pub mod ceql;
pub mod cli;
pub mod config;
pub mod domain;
pub mod error;
pub mod healthcheck;
pub mod service;
pub mod store;

use std::future::Future;
use std::net::SocketAddr;

use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use bootstrap::Credentials;
pub use config::Config;

use crate::api::state::AppState;
use crate::service::Services;
use crate::store::Store;

pub use api::connections::Timeouts;

/// Serves `router` on `listener` until `shutdown` resolves, cutting off
/// clients slower than `timeouts` allow; requests in flight then get
/// `timeouts.shutdown` to finish before this returns
/// (`api::connections`).
pub async fn serve(
    listener: TcpListener,
    router: axum::Router,
    timeouts: Timeouts,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    api::connections::serve(listener, router, timeouts, shutdown).await
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The path, and why: the OS's reason, not a database, damaged, or
    /// written by a newer version (`store::open_error`).
    #[error("cannot open the database {database}: {reason}")]
    Store { database: String, reason: String },
    #[error("cannot bootstrap the database: {0}")]
    Bootstrap(#[from] bootstrap::BootstrapError),
    #[error("cannot listen on {0}: {1}")]
    Listen(SocketAddr, std::io::Error),
}

/// A running server: its address and the bootstrapped credentials. Dropping
/// it stops the server; `stop` also waits for it to finish.
pub struct Server {
    address: SocketAddr,
    credentials: Credentials,
    services: Services,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
}

impl Server {
    /// Binds the listener, opens (or creates and bootstraps) the database
    /// and starts serving in the background. The port comes first: a port
    /// in use is said at once, not after a long fixture load.
    pub async fn start(config: Config) -> Result<Self, StartError> {
        let listener = TcpListener::bind(config.listen)
            .await
            .map_err(|error| StartError::Listen(config.listen, error))?;
        let store = Store::open(&config.database)
            .await
            .map_err(|error| StartError::Store {
                database: config.database.to_string(),
                reason: store::open_error::reason(&config.database, &error),
            })?;
        let store = store.with_query_timeout(config.query_timeout);
        let services = Services::new(store, &config);
        let credentials = bootstrap::ensure(&services, &config).await?;
        let state = AppState::new(services.clone(), &config);
        let address = listener
            .local_addr()
            .map_err(|error| StartError::Listen(config.listen, error))?;
        let (shutdown, signal) = oneshot::channel::<()>();
        let router = api::router(state.clone());
        let timeouts = Timeouts::from(&config);
        let task = tokio::spawn(serve(listener, router, timeouts, async move {
            // A dropped sender means the same as a sent signal.
            let _ = signal.await;
        }));
        Ok(Self {
            address,
            credentials,
            services,
            shutdown: Some(shutdown),
            task: Some(task),
        })
    }

    /// The address actually bound (useful with port 0).
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// `http://host:port`; a server listening on every interface (`0.0.0.0`,
    /// as in a container) is reached on loopback.
    pub fn url(&self) -> String {
        let mut address = self.address;
        if address.ip().is_unspecified() {
            address.set_ip(match address.ip() {
                std::net::IpAddr::V4(_) => std::net::Ipv4Addr::LOCALHOST.into(),
                std::net::IpAddr::V6(_) => std::net::Ipv6Addr::LOCALHOST.into(),
            });
        }
        format!("http://{address}")
    }

    /// `http://host:port/elements/api-v2`: what a client uses as base URL.
    pub fn base_url(&self) -> String {
        format!("{}{}", self.url(), api::BASE_PATH)
    }

    pub fn credentials(&self) -> &Credentials {
        &self.credentials
    }

    /// The ready `Authorization` header value of the bootstrapped org-admin.
    pub fn authorization(&self) -> String {
        self.credentials.authorization()
    }

    /// Stops accepting, lets requests in flight finish (for at most
    /// `--shutdown-timeout`), closes the database.
    pub async fn stop(mut self) -> std::io::Result<()> {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        let result = match self.task.take() {
            Some(task) => task
                .await
                .unwrap_or_else(|join| Err(std::io::Error::other(join))),
            None => Ok(()),
        };
        self.services.store.close().await;
        result
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}

/// Compiles and runs the README's Rust examples as doctests, so the
/// embedding example there cannot go stale.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
