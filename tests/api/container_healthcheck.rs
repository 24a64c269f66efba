#![allow(clippy::unwrap_used)]
//! `healthcheck` as a container runs it: a separate process that finds the
//! server (PID 1 there; here the spawned server, named by the hidden
//! `--server-pid`) and checks the address the server was started with, not
//! the one in its own environment.

use std::net::TcpListener;
use std::process::{Command, Output};

use crate::common::process::Running;

/// A loopback port nothing listens on (bound, then released).
fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

/// The check with the image's environment: `LOCALELEMENTS_LISTEN` at a
/// port where nothing listens, as when `docker run image --listen …`
/// overrides the image's address.
fn healthcheck(args: &[&str], image_listen: &str) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_localelements"));
    command.arg("healthcheck").args(args).env_remove("RUST_LOG");
    for (key, _) in std::env::vars() {
        if key.starts_with("LOCALELEMENTS_") {
            command.env_remove(key);
        }
    }
    command.env("LOCALELEMENTS_LISTEN", image_listen);
    command.output().unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn healthcheck_follows_the_listen_flag_the_server_was_started_with() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let listen = format!("127.0.0.1:{port}");
    let server = Running::start(
        dir.path(),
        &[
            "--listen",
            &listen,
            "--database",
            ":memory:",
            "--fast-password-hashing",
        ],
        // The server's own variable loses to its flag, as the server has it.
        &[("LOCALELEMENTS_LISTEN", "127.0.0.1:1")],
    );
    let image_listen = format!("127.0.0.1:{}", free_port());
    let pid = server.child.id().to_string();

    let output = healthcheck(&["--server-pid", &pid], &image_listen);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert_eq!(
        stdout(&output),
        format!("healthy: http://{listen}/__admin/health answered 200 OK\n")
    );

    // Without the server (a process that is not this program), the check
    // falls back to its own environment, which points nowhere: the bug a
    // container had before.
    let not_a_server = std::process::id().to_string();
    let output = healthcheck(&["--server-pid", &not_a_server], &image_listen);
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    assert!(
        String::from_utf8_lossy(&output.stderr).contains(&image_listen),
        "{output:?}"
    );
}

#[test]
fn healthcheck_reads_the_servers_environment() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    // Bound to every interface, as in a container: checked on loopback.
    let everywhere = format!("0.0.0.0:{port}");
    let server = Running::start(
        dir.path(),
        &["--database", ":memory:", "--fast-password-hashing"],
        &[("LOCALELEMENTS_LISTEN", &everywhere)],
    );
    let pid = server.child.id().to_string();
    let output = healthcheck(
        &["--server-pid", &pid],
        &format!("127.0.0.1:{}", free_port()),
    );
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert_eq!(
        stdout(&output),
        format!("healthy: http://127.0.0.1:{port}/__admin/health answered 200 OK\n")
    );
}
