//! The command line: with no subcommand the binary serves (flags in
//! [`Config`]); `healthcheck` asks a running server whether it is ready.

use std::net::SocketAddr;

use clap::{Args, Parser, Subcommand};

use crate::config::{Config, DEFAULT_LISTEN};

#[derive(Clone, Parser)]
#[command(
    name = "localelements",
    version,
    about = "A local stand-in for the Cloud Elements account-users API",
    // The server's flags belong to serving only: `--listen x healthcheck`
    // would suggest the check uses them, so clap refuses the mix.
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(flatten)]
    pub config: Config,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Clone, Subcommand)]
pub enum Command {
    /// GET the health route once: exit 0 on a 200, 1 otherwise. For
    /// container HEALTHCHECKs, where no curl exists.
    Healthcheck(HealthcheckArgs),
}

#[derive(Clone, Args)]
pub struct HealthcheckArgs {
    /// URL to GET (http:// only; wins over all else) [default:
    /// /__admin/health where the server listens]
    // No `conflicts_with = "listen"`: clap counts a value from the
    // environment as given, and a container sets LOCALELEMENTS_LISTEN.
    #[arg(long)]
    pub url: Option<String>,

    /// Where the server listens when no running server is found (in a
    /// container, the server's own --listen or LOCALELEMENTS_LISTEN wins);
    /// 0.0.0.0 and [::] are checked on loopback
    #[arg(long, env = "LOCALELEMENTS_LISTEN", default_value = DEFAULT_LISTEN, value_parser = crate::config::parse_listen)]
    pub listen: SocketAddr,

    /// The server's process id, instead of looking for it (PID 1 or its
    /// child); for tests, which have no container.
    #[arg(long, hide = true)]
    pub server_pid: Option<u32>,
}

impl HealthcheckArgs {
    /// `--url`, or the health route on the loopback side of where the
    /// running server listens, or else of `--listen`.
    pub fn url(&self) -> String {
        match &self.url {
            Some(url) => url.clone(),
            None => crate::healthcheck::health_url(
                crate::healthcheck::server_listen(self.server_pid).unwrap_or(self.listen),
            ),
        }
    }
}
