//! The `localelements` binary: command line, logging, signals. All else
//! lives in the library.

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;
use localelements::cli::{Cli, Command};
use localelements::config::LogFormat;
use localelements::{healthcheck, Server};
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> ExitCode {
    // First, before anything that can take time (resolving a --listen host
    // name, a fixture load): a process that is PID 1, as in a container,
    // has no default action for SIGINT and SIGTERM, so a signal that comes
    // before its handler is ignored.
    let mut signals = Signals::install();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => usage_error(error),
    };
    if let Some(Command::Healthcheck(args)) = &cli.command {
        return healthcheck::run(&args.url()).await;
    }
    let config = cli.config;
    init_logging(config.log_format);
    if config.fast_password_hashing {
        tracing::warn!(
            "--fast-password-hashing: passwords are hashed with cheap Argon2id parameters; \
             use this only for test data"
        );
    }
    let database = config.database.to_string();
    let shutdown_timeout = config.shutdown_timeout;
    let started = tokio::select! {
        started = Server::start(config) => started,
        signal = signals.recv() => {
            // The bootstrap and the fixture go in in one transaction, which
            // is not committed: the database stays as it was. Exiting at
            // once rather than waiting for the fixture reader's thread.
            tracing::info!("{signal} while starting: stopped; nothing of the start-up was kept");
            std::process::exit(0);
        }
    };
    let server = match started {
        Ok(server) => server,
        Err(error) => {
            eprintln!("localelements: {error}");
            return ExitCode::FAILURE;
        }
    };
    let credentials = server.credentials();
    let url = server.url();
    // `localelements is serving <url>` and `Authorization: ` are read by
    // scripts: new lines go around them, never into them.
    println!("localelements is serving {url} (database: {database})");
    println!("Version: localelements {}", env!("CARGO_PKG_VERSION"));
    println!("Base URL: {}", server.base_url());
    println!("OpenAPI: {url}/__admin/openapi.json");
    println!("Console: {url}/__admin/ui");
    println!("Authorization: {}", server.authorization());
    match &credentials.generated_password {
        Some(password) => println!(
            "Org-admin: {} with password {}",
            credentials.admin_email,
            password.expose()
        ),
        None => println!("Org-admin: {}", credentials.admin_email),
    }
    let signal = signals.recv().await;
    // Requests in flight get `--shutdown-timeout`; connections without one
    // are closed at once (`api::connections`).
    tracing::info!(
        timeout = %humantime::format_duration(shutdown_timeout),
        "{signal}: shutting down"
    );
    match server.stop().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("localelements: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Standard error, at `RUST_LOG`'s level (default `info`).
fn init_logging(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        // Colour codes only for a person at a terminal, not in a file or
        // `docker logs`.
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder.init(),
        // The request span (request id, method, route) comes along under
        // `span` and `spans`, as the text format prefixes it to each line.
        LogFormat::Json => builder.json().init(),
    }
}

/// SIGINT (Ctrl-C) and SIGTERM (`docker stop`), caught from the moment
/// they are installed: one that comes before anything waits for it is
/// kept for `recv`.
struct Signals {
    #[cfg(unix)]
    interrupt: Option<tokio::signal::unix::Signal>,
    #[cfg(unix)]
    terminate: Option<tokio::signal::unix::Signal>,
}

impl Signals {
    #[cfg(unix)]
    fn install() -> Self {
        use tokio::signal::unix::{signal, SignalKind};
        Self {
            interrupt: signal(SignalKind::interrupt()).ok(),
            terminate: signal(SignalKind::terminate()).ok(),
        }
    }

    #[cfg(not(unix))]
    fn install() -> Self {
        Self {}
    }

    /// Waits for either; its name.
    #[cfg(unix)]
    async fn recv(&mut self) -> &'static str {
        async fn next(signal: Option<&mut tokio::signal::unix::Signal>) {
            match signal {
                Some(signal) => {
                    signal.recv().await;
                }
                None => std::future::pending().await,
            }
        }
        tokio::select! {
            () = next(self.interrupt.as_mut()) => "SIGINT",
            () = next(self.terminate.as_mut()) => "SIGTERM",
        }
    }

    #[cfg(not(unix))]
    async fn recv(&mut self) -> &'static str {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
        "Ctrl-C"
    }
}

/// A command line clap refuses. A bad value that came from an environment
/// variable is reported under the variable's name, where the person has
/// to fix it, rather than under the flag's; anything else as clap says it.
fn usage_error(error: clap::Error) -> ! {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    if matches!(
        error.kind(),
        ErrorKind::InvalidValue | ErrorKind::ValueValidation
    ) {
        if let (Some(ContextValue::String(arg)), Some(ContextValue::String(value))) = (
            error.get(ContextKind::InvalidArg),
            error.get(ContextKind::InvalidValue),
        ) {
            if let Some((variable, flag)) = from_environment(arg, value) {
                let rendered = error.to_string();
                let first = rendered.lines().next().unwrap_or_default();
                let reason = first
                    .split_once(&format!("'{arg}': "))
                    .map_or(first, |(_, reason)| reason);
                eprintln!("error: {variable}={value}: invalid value for --{flag}: {reason}");
                std::process::exit(2);
            }
        }
    }
    error.exit()
}

/// For a flag clap names as `arg` (`--listen <LISTEN>`), the environment
/// variable and the flag's name, when the refused `value` came from the
/// variable (the flag itself is not on the command line).
fn from_environment(arg: &str, value: &str) -> Option<(String, String)> {
    let long = arg
        .strip_prefix("--")?
        .split([' ', '[', '='])
        .next()?
        .to_owned();
    let on_command_line = std::env::args_os().skip(1).any(|given| {
        let given = given.to_string_lossy();
        given == format!("--{long}") || given.starts_with(&format!("--{long}="))
    });
    if on_command_line {
        return None;
    }
    let command = <Cli as clap::CommandFactory>::command();
    let variable = command
        .get_arguments()
        .find(|candidate| candidate.get_long() == Some(long.as_str()))?
        .get_env()?
        .to_string_lossy()
        .into_owned();
    (std::env::var_os(&variable)? == value).then_some((variable, long))
}
