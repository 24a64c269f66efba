#![allow(clippy::unwrap_used)]
//! The binary's command line beyond serving: `healthcheck` against a live
//! server, a closed port and a silent one, and `--log-format`.

use std::io::{BufRead, BufReader};
use std::net::TcpListener as StdListener;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use localelements::{Config, Server};
use serde_json::Value;

/// Runs the binary with `args` and a clean `LOCALELEMENTS_*` environment
/// plus `env`, off the async runtime (the server under test shares it).
async fn run(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_localelements"));
    command.args(args).env_remove("RUST_LOG");
    for (key, _) in std::env::vars() {
        if key.starts_with("LOCALELEMENTS_") {
            command.env_remove(key);
        }
    }
    command.envs(env.iter().copied());
    tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// One line, no panic, no backtrace.
fn assert_one_clean_line(output: &Output) {
    let all = format!("{}{}", text(&output.stdout), text(&output.stderr));
    assert_eq!(all.lines().count(), 1, "{all:?}");
    assert!(!all.contains("panicked"), "{all:?}");
}

/// A loopback port nothing listens on (bound, then released).
fn closed_port() -> u16 {
    let listener = StdListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

#[tokio::test]
async fn healthcheck_exits_0_when_the_server_answers_200() {
    let server = Server::start(Config::for_tests()).await.unwrap();
    let url = format!("{}/__admin/health", server.url());
    let output = run(&["healthcheck", "--url", &url], &[]).await;
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert_one_clean_line(&output);
    assert_eq!(
        text(&output.stdout),
        format!("healthy: {url} answered 200 OK\n")
    );
    server.stop().await.unwrap();
}

#[tokio::test]
async fn healthcheck_finds_the_server_where_listen_points() {
    let server = Server::start(Config::for_tests()).await.unwrap();
    let address = server.address().to_string();
    let output = run(&["healthcheck"], &[("LOCALELEMENTS_LISTEN", &address)]).await;
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert!(text(&output.stdout).contains(&address), "{output:?}");

    let output = run(&["healthcheck", "--listen", &address], &[]).await;
    assert_eq!(output.status.code(), Some(0), "{output:?}");

    // As in a container: the server binds every interface, the check goes
    // to loopback.
    let everywhere = format!("0.0.0.0:{}", server.address().port());
    let output = run(&["healthcheck"], &[("LOCALELEMENTS_LISTEN", &everywhere)]).await;
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert!(text(&output.stdout).contains(&format!("http://{address}/")));

    // --url wins over the environment.
    let elsewhere = format!("127.0.0.1:{}", closed_port());
    let url = format!("{}/__admin/health", server.url());
    let output = run(
        &["healthcheck", "--url", &url],
        &[("LOCALELEMENTS_LISTEN", &elsewhere)],
    )
    .await;
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    server.stop().await.unwrap();
}

#[tokio::test]
async fn healthcheck_exits_1_on_a_closed_port() {
    let url = format!("http://127.0.0.1:{}/__admin/health", closed_port());
    let output = run(&["healthcheck", "--url", &url], &[]).await;
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    assert_one_clean_line(&output);
    assert!(output.stdout.is_empty(), "{output:?}");
    assert!(
        text(&output.stderr).starts_with("unhealthy: "),
        "{output:?}"
    );
}

#[tokio::test]
async fn healthcheck_exits_1_on_any_other_status() {
    let server = Server::start(Config::for_tests()).await.unwrap();
    let url = format!("{}/__admin/nothing-here", server.url());
    let output = run(&["healthcheck", "--url", &url], &[]).await;
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    assert_one_clean_line(&output);
    assert!(text(&output.stderr).contains("answered 404"), "{output:?}");
    server.stop().await.unwrap();
}

#[tokio::test]
async fn healthcheck_gives_up_on_a_server_that_never_answers() {
    // Accepts (the kernel does, into the backlog) but never reads or writes.
    let silent = StdListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/__admin/health", silent.local_addr().unwrap());
    let started = Instant::now();
    let output = run(&["healthcheck", "--url", &url], &[]).await;
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    assert_one_clean_line(&output);
    assert!(
        text(&output.stderr).contains("no answer within"),
        "{output:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(10));
    drop(silent);
}

#[tokio::test]
async fn healthcheck_exits_1_on_a_url_it_cannot_use() {
    for url in ["https://127.0.0.1:1/", "127.0.0.1:8080", "http://h/a b"] {
        let output = run(&["healthcheck", "--url", url], &[]).await;
        assert_eq!(output.status.code(), Some(1), "{url}: {output:?}");
        assert_one_clean_line(&output);
    }
}

#[tokio::test]
async fn server_flags_do_not_mix_with_the_subcommand() {
    let output = run(&["--listen", "127.0.0.1:1", "healthcheck"], &[]).await;
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    assert!(!text(&output.stderr).contains("panicked"));

    let output = run(&["--help"], &[]).await;
    assert_eq!(output.status.code(), Some(0));
    let help = text(&output.stdout);
    for expected in ["healthcheck", "--listen", "--log-format", "--seed"] {
        assert!(help.contains(expected), "{expected} in {help}");
    }
}

/// The first line the server logs (the `--fast-password-hashing` warning,
/// written before it binds), then the server is killed.
fn first_log_line(args: &[&str], env: &[(&str, &str)]) -> String {
    let mut command = Command::new(env!("CARGO_BIN_EXE_localelements"));
    command
        .args(["--listen", "127.0.0.1:0", "--database", ":memory:"])
        .args(["--fast-password-hashing"])
        .args(args)
        .env_remove("RUST_LOG");
    for (key, _) in std::env::vars() {
        if key.starts_with("LOCALELEMENTS_") {
            command.env_remove(key);
        }
    }
    command
        .envs(env.iter().copied())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let mut child = command.spawn().unwrap();
    let mut line = String::new();
    BufReader::new(child.stderr.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    line
}

#[test]
fn log_format_json_writes_one_object_per_line() {
    for (args, env) in [
        (&["--log-format", "json"][..], &[][..]),
        (&[][..], &[("LOCALELEMENTS_LOG_FORMAT", "json")][..]),
    ] {
        let line = first_log_line(args, env);
        let object: Value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line}"));
        assert_eq!(object["level"], "WARN", "{line}");
        assert!(object["timestamp"].is_string(), "{line}");
        assert!(
            object["fields"]["message"]
                .as_str()
                .unwrap()
                .contains("--fast-password-hashing"),
            "{line}"
        );
    }
}

#[test]
fn log_format_text_is_the_default() {
    let line = first_log_line(&[], &[]);
    assert!(serde_json::from_str::<Value>(&line).is_err(), "{line}");
    assert!(line.contains(" WARN localelements: "), "{line}");
    // Standard error is a pipe here: no colour codes.
    assert!(!line.contains('\x1b'), "{line}");
    let line = first_log_line(
        &["--log-format", "text"],
        &[("LOCALELEMENTS_LOG_FORMAT", "json")],
    );
    assert!(line.contains("WARN") && !line.starts_with('{'), "{line}");
}

#[tokio::test]
async fn an_unknown_log_format_is_a_usage_error() {
    let output = run(&["--log-format", "xml"], &[]).await;
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    assert!(text(&output.stderr).contains("--log-format"), "{output:?}");
}

/// `LOCALELEMENTS_FAST_PASSWORD_HASHING` takes `true/false/1/0/yes/no/on/off`
/// (any case), as environment booleans usually do; anything else is a
/// usage error.
#[tokio::test]
async fn environment_booleans_are_tolerant() {
    for value in ["1", "yes", "on", "TRUE"] {
        let mut command = Command::new(env!("CARGO_BIN_EXE_localelements"));
        command
            .args(["--listen", "127.0.0.1:0", "--database", ":memory:"])
            .env_remove("RUST_LOG");
        for (key, _) in std::env::vars() {
            if key.starts_with("LOCALELEMENTS_") {
                command.env_remove(key);
            }
        }
        command
            .env("LOCALELEMENTS_FAST_PASSWORD_HASHING", value)
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let mut child = command.spawn().unwrap();
        let mut line = String::new();
        BufReader::new(child.stderr.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        child.kill().unwrap();
        child.wait().unwrap();
        assert!(line.contains("--fast-password-hashing"), "{value}: {line}");
    }
    for value in ["0", "off", "no", "false"] {
        let dir = tempfile::tempdir().unwrap();
        let mut running = crate::common::process::Running::start(
            dir.path(),
            &["--database", ":memory:"],
            &[("LOCALELEMENTS_FAST_PASSWORD_HASHING", value)],
        );
        running.signal("TERM");
    }
    let output = run(
        &["--listen", "127.0.0.1:0"],
        &[("LOCALELEMENTS_FAST_PASSWORD_HASHING", "maybe")],
    )
    .await;
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    assert!(
        text(&output.stderr).contains("fast-password-hashing"),
        "{output:?}"
    );
}

/// `--listen` takes a host name as well as an address (`localhost:8080`),
/// preferring its IPv4 address; a name that does not resolve is a usage
/// error naming the flag.
#[tokio::test]
async fn listen_takes_host_names() {
    let dir = tempfile::tempdir().unwrap();
    let mut running = crate::common::process::Running::start(
        dir.path(),
        &["--listen", "localhost:0", "--database", ":memory:"],
        &[],
    );
    assert!(
        running.url.starts_with("http://127.0.0.1:"),
        "{}",
        running.url
    );
    running.signal("TERM");
    let output = run(&["--listen", "nosuchhost.invalid:80"], &[]).await;
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    assert!(text(&output.stderr).contains("--listen"), "{output:?}");
}
