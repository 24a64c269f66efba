//! The server's flags and their environment variables (README.md#configuration). The
//! command line around them (subcommands) is in [`crate::cli`].

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, ValueEnum};

use crate::store::Database;

pub const DEFAULT_ADMIN_EMAIL: &str = "admin@localelements.test";
/// Shared with `healthcheck`, which finds the server where it listens.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";

/// Every flag has an environment variable of the same meaning; the flag wins.
/// No `Debug`: the struct holds secrets.
#[derive(Clone, Args)]
pub struct Config {
    /// Address to serve on.
    #[arg(long, env = "LOCALELEMENTS_LISTEN", default_value = DEFAULT_LISTEN)]
    pub listen: SocketAddr,

    /// SQLite file to keep the state in, or `:memory:` for none.
    #[arg(
        long,
        env = "LOCALELEMENTS_DATABASE",
        default_value = "localelements.db"
    )]
    pub database: Database,

    /// Organization secret of the bootstrapped organization (default: random).
    #[arg(long, env = "LOCALELEMENTS_ORG_SECRET", hide_env_values = true)]
    pub org_secret: Option<String>,

    /// User secret of the bootstrapped org-admin (default: random).
    #[arg(long, env = "LOCALELEMENTS_USER_SECRET", hide_env_values = true)]
    pub user_secret: Option<String>,

    /// Email of the bootstrapped org-admin.
    #[arg(long, env = "LOCALELEMENTS_ADMIN_EMAIL", default_value = DEFAULT_ADMIN_EMAIL)]
    pub admin_email: String,

    /// Password of the bootstrapped org-admin (default: random, printed).
    #[arg(long, env = "LOCALELEMENTS_ADMIN_PASSWORD", hide_env_values = true)]
    pub admin_password: Option<String>,

    /// A JSON fixture (see the README) loaded when the database is new.
    #[arg(long, env = "LOCALELEMENTS_SEED")]
    pub seed: Option<PathBuf>,

    /// How many requests the journal (`GET /__admin/requests`) keeps.
    #[arg(long, env = "LOCALELEMENTS_JOURNAL_SIZE", default_value_t = 1000)]
    pub journal_size: usize,

    /// When set, `/__admin` (but its health probe) requires
    /// `Authorization: Bearer <token>`.
    #[arg(long, env = "LOCALELEMENTS_ADMIN_TOKEN", hide_env_values = true)]
    pub admin_token: Option<String>,

    /// Requests handled at once; more are refused with 503 and Retry-After
    /// (load shedding) rather than queued without bound.
    #[arg(long, env = "LOCALELEMENTS_MAX_IN_FLIGHT", default_value_t = 2048)]
    pub max_in_flight: usize,

    /// Seconds a request may take before it is answered 503.
    #[arg(long, env = "LOCALELEMENTS_REQUEST_TIMEOUT", default_value_t = 30)]
    pub request_timeout: u64,

    /// Cheap Argon2id parameters, for test suites that create thousands of users.
    #[arg(long, env = "LOCALELEMENTS_FAST_PASSWORD_HASHING")]
    pub fast_password_hashing: bool,

    /// Log lines as human-readable text or as one JSON object per line.
    #[arg(
        long,
        env = "LOCALELEMENTS_LOG_FORMAT",
        value_enum,
        default_value_t = LogFormat::Text
    )]
    pub log_format: LogFormat,
}

/// How `main` formats log lines on standard error. The server itself does
/// not read it: logging is set up once per process, by the binary.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    #[default]
    Text,
    /// For log collectors: one object per line with `timestamp`, `level`,
    /// `target` and `fields`.
    Json,
}

impl Config {
    /// The configuration a test or an embedding program starts from: a free
    /// loopback port, an in-memory database, fast hashing.
    pub fn for_tests() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            database: Database::Memory,
            org_secret: None,
            user_secret: None,
            admin_email: DEFAULT_ADMIN_EMAIL.to_owned(),
            admin_password: None,
            seed: None,
            journal_size: 1000,
            max_in_flight: 2048,
            request_timeout: 30,
            admin_token: None,
            fast_password_hashing: true,
            log_format: LogFormat::Text,
        }
    }
}
