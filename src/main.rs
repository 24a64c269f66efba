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
    let cli = Cli::parse();
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
    let server = match Server::start(config).await {
        Ok(server) => server,
        Err(error) => {
            eprintln!("localelements: {error}");
            return ExitCode::FAILURE;
        }
    };
    let credentials = server.credentials();
    println!(
        "localelements is serving {} (database: {database})",
        server.url()
    );
    println!("Base URL: {}", server.base_url());
    println!("Authorization: {}", server.authorization());
    match &credentials.generated_password {
        Some(password) => println!(
            "Org-admin: {} with password {}",
            credentials.admin_email,
            password.expose()
        ),
        None => println!("Org-admin: {}", credentials.admin_email),
    }
    shutdown_signal().await;
    // Requests in flight get `--shutdown-timeout`; connections without one
    // are closed at once (`api::connections`).
    tracing::info!(
        timeout = %humantime::format_duration(shutdown_timeout),
        "shutting down"
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

/// SIGINT (Ctrl-C) or SIGTERM (`docker stop`).
async fn shutdown_signal() {
    let interrupt = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
}
