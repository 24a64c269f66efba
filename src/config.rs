//! The server's flags and their environment variables (README.md#configuration). The
//! command line around them (subcommands) is in [`crate::cli`].

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::builder::BoolishValueParser;
use clap::{ArgAction, Args, ValueEnum};

use crate::store::Database;

pub const DEFAULT_ADMIN_EMAIL: &str = "admin@localelements.test";
/// Shared with `healthcheck`, which finds the server where it listens.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";

/// Every flag has an environment variable of the same meaning; the flag wins.
/// No `Debug`: the struct holds secrets.
#[derive(Clone, Args)]
pub struct Config {
    /// Address to serve on.
    #[arg(long, env = "LOCALELEMENTS_LISTEN", default_value = DEFAULT_LISTEN, value_parser = parse_listen)]
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

    /// How long a client has to send a request's headers (from connecting,
    /// or from the previous answer) and, once they are in, its body; a
    /// client slower than that is cut off (408 for a late body). A number
    /// is seconds; `500ms`, `2s` and the like also work.
    #[arg(long, env = "LOCALELEMENTS_CLIENT_TIMEOUT", default_value = "10s", value_parser = parse_duration)]
    pub client_timeout: Duration,

    /// How long an idle keep-alive connection stays open.
    #[arg(long, env = "LOCALELEMENTS_IDLE_TIMEOUT", default_value = "60s", value_parser = parse_duration)]
    pub idle_timeout: Duration,

    /// How long requests in flight get to finish after SIGTERM or SIGINT;
    /// the server then stops whatever its clients do.
    #[arg(long, env = "LOCALELEMENTS_SHUTDOWN_TIMEOUT", default_value = "10s", value_parser = parse_duration)]
    pub shutdown_timeout: Duration,

    /// How long one database query (a filtered list or its count) may run
    /// before it is interrupted and answered 503.
    #[arg(long, env = "LOCALELEMENTS_QUERY_TIMEOUT", default_value = "2s", value_parser = parse_duration)]
    pub query_timeout: Duration,

    /// How many bytes of requests the journal keeps at most (beside
    /// `--journal-size` entries): the oldest entries go first.
    #[arg(long, env = "LOCALELEMENTS_JOURNAL_BYTES", default_value_t = 16 * 1024 * 1024)]
    pub journal_bytes: usize,

    /// The journal also keeps each request's and response's JSON body, with
    /// every credential-like field (password, secret, authorization, token)
    /// replaced by `"[redacted]"`; the bodies count against
    /// `--journal-bytes`. On the command line a bare flag is `true`; a
    /// value, or the environment variable, may be `true/false/1/0/yes/no/on/off`.
    #[arg(
        long,
        env = "LOCALELEMENTS_JOURNAL_BODIES",
        value_parser = BoolishValueParser::new(),
        action = ArgAction::Set,
        num_args = 0..=1,
        require_equals = true,
        default_value_t = false,
        default_missing_value = "true"
    )]
    pub journal_bodies: bool,

    /// A web origin (`http://localhost:3000`) whose pages may call the
    /// emulated API: preflights are answered and the CORS headers added.
    /// Repeatable; `*` for any origin; the environment variable takes a
    /// comma-separated list. The `/__admin` controls never answer other
    /// origins.
    #[arg(
        long,
        env = "LOCALELEMENTS_CORS_ORIGIN",
        value_delimiter = ',',
        value_parser = parse_cors_origin
    )]
    pub cors_origin: Vec<String>,

    /// Wrong `Elements-User-Password` values a minute for one user before
    /// that user's further attempts are answered 429 until the minute is
    /// over.
    #[arg(long, env = "LOCALELEMENTS_PASSWORD_ATTEMPTS", default_value_t = 10)]
    pub password_attempts: u32,

    /// Cheap Argon2id parameters, for test suites that create thousands of users.
    /// On the command line a bare flag is `true`; a value, or the
    /// environment variable, may be `true/false/1/0/yes/no/on/off`.
    #[arg(
        long,
        env = "LOCALELEMENTS_FAST_PASSWORD_HASHING",
        value_parser = BoolishValueParser::new(),
        action = ArgAction::Set,
        num_args = 0..=1,
        require_equals = true,
        default_value_t = false,
        default_missing_value = "true"
    )]
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
            client_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            shutdown_timeout: Duration::from_secs(10),
            query_timeout: Duration::from_secs(2),
            journal_bytes: 16 * 1024 * 1024,
            journal_bodies: false,
            cors_origin: Vec::new(),
            password_attempts: 10,
        }
    }
}

/// A duration flag: a plain number is seconds; otherwise a duration such
/// as `500ms`, `2s` or `1m`.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    if !text.is_empty() && text.bytes().all(|byte| byte.is_ascii_digit()) {
        return text
            .parse()
            .map(Duration::from_secs)
            .map_err(|error| format!("{error}"));
    }
    humantime::parse_duration(text).map_err(|error| error.to_string())
}

/// An address to listen on: `host:port`, where the host may be a name
/// (`localhost:8080`) as well as an IP address. A name is resolved once,
/// at start, preferring an IPv4 address.
pub fn parse_listen(text: &str) -> Result<SocketAddr, String> {
    if let Ok(address) = text.parse() {
        return Ok(address);
    }
    let addresses: Vec<SocketAddr> = std::net::ToSocketAddrs::to_socket_addrs(text)
        .map_err(|error| format!("not a host:port that resolves ({error})"))?
        .collect();
    addresses
        .iter()
        .find(|address| address.is_ipv4())
        .or(addresses.first())
        .copied()
        .ok_or_else(|| "the host resolves to no address".to_owned())
}

/// A `--cors-origin`: `*`, or an origin as browsers send it in `Origin`:
/// `http://` or `https://`, a host, an optional port, nothing else.
pub fn parse_cors_origin(text: &str) -> Result<String, String> {
    const EXPECTED: &str =
        "expected `*` or an origin such as http://localhost:3000 (scheme, host, optional port; no path)";
    if text == "*" {
        return Ok(text.to_owned());
    }
    let uri: axum::http::Uri = text.parse().map_err(|_| EXPECTED.to_owned())?;
    let is_origin = matches!(uri.scheme_str(), Some("http" | "https"))
        // `http::Uri` gives `http://host` the path `/`; an origin has none.
        && !text.ends_with('/')
        && uri.path_and_query().is_none_or(|path| path.as_str() == "/")
        && uri
            .authority()
            .is_some_and(|authority| !authority.host().is_empty() && !authority.as_str().contains('@'));
    if is_origin {
        Ok(text.to_owned())
    } else {
        Err(EXPECTED.to_owned())
    }
}
