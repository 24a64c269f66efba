#![allow(clippy::unwrap_used)]
//! `healthcheck` as a container runs it: a separate process that finds the
//! server and checks the address the server was started with, not the one
//! in its own environment. The server is PID 1 of a PID namespace where
//! the test may make one (`unshare`, as root), as in a container; and
//! everywhere, a spawned server named by the hidden `--server-pid`.

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

/// The processes whose parent is `pid`.
fn children_of(pid: u32) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|child| {
            std::fs::read_to_string(format!("/proc/{child}/stat"))
                .ok()
                .and_then(|stat| {
                    let (_, rest) = stat.rsplit_once(')')?;
                    rest.split_whitespace().nth(1)?.parse::<u32>().ok()
                })
                == Some(pid)
        })
        .collect()
}

/// Kills the namespace's creator, which (`--kill-child`) takes the server
/// with it.
struct Namespace(std::process::Child);

impl Drop for Namespace {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// As in a container, without `--server-pid`: the server is PID 1 of its
/// own PID namespace, and the check runs inside that namespace (as `docker
/// exec` runs a HEALTHCHECK). Needs the right to make a PID namespace
/// (root); skipped, saying so, without it.
#[test]
fn healthcheck_finds_the_server_at_pid_1() {
    let probe = Command::new("unshare")
        .args(["--pid", "--fork", "--mount-proc", "true"])
        .output();
    if !matches!(&probe, Ok(output) if output.status.success()) {
        eprintln!("skipped: cannot make a PID namespace here (unshare --pid --fork --mount-proc true: {probe:?})");
        return;
    }
    let listen = format!("127.0.0.1:{}", free_port());
    let mut unshare = Command::new("unshare");
    unshare
        .args(["--pid", "--fork", "--mount-proc", "--kill-child"])
        .arg(env!("CARGO_BIN_EXE_localelements"))
        .args(["--listen", &listen, "--database", ":memory:"])
        .arg("--fast-password-hashing")
        .env("LOCALELEMENTS_LISTEN", "127.0.0.1:1")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null());
    let mut namespace = Namespace(unshare.spawn().unwrap());
    // Ready once the banner is out (its last line names the org-admin);
    // the pipe stays open to the end, so that later lines do not fail.
    let mut lines =
        std::io::BufRead::lines(std::io::BufReader::new(namespace.0.stdout.take().unwrap()));
    let mut banner = Vec::new();
    for line in lines.by_ref().map_while(Result::ok) {
        let last = line.starts_with("Org-admin:");
        banner.push(line);
        if last {
            break;
        }
    }
    assert!(
        banner.iter().any(|line| line.contains(&listen)),
        "{banner:?}"
    );
    let server = children_of(namespace.0.id());
    assert_eq!(server.len(), 1, "{server:?}");

    let image_listen = format!("127.0.0.1:{}", free_port());
    let output = Command::new("nsenter")
        .args(["--target", &server[0].to_string(), "--pid", "--mount"])
        .arg(env!("CARGO_BIN_EXE_localelements"))
        .arg("healthcheck")
        .env("LOCALELEMENTS_LISTEN", &image_listen)
        .env_remove("RUST_LOG")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert_eq!(
        stdout(&output),
        format!("healthy: http://{listen}/__admin/health answered 200 OK\n")
    );
    drop(lines);
}
