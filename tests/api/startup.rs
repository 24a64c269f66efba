//! The binary's start-up as a person or a container meets it: progress and
//! a summary for fixture loads, the `--seed` warning, signals during a slow
//! load (also as PID 1), one clear line for each failure to start, values
//! from the environment reported under the variable's name, and the
//! banner's lines.
#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader, Read};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

/// A bound, not a sleep: how long a line may take to appear.
const LINE_TIMEOUT: Duration = Duration::from_secs(60);
/// How soon after SIGINT or SIGTERM the process must be gone.
const PROMPTLY: Duration = Duration::from_secs(5);

/// The binary, its standard output and error read line by line.
struct Spawned {
    child: Child,
    stdout: Receiver<String>,
    stderr: Receiver<String>,
    seen: Vec<String>,
}

/// `program` runs the binary: `[]` for itself, or a wrapper such as
/// `unshare` in front of it.
fn spawn(dir: &Path, wrapper: &[&str], args: &[&str], env: &[(&str, &str)]) -> Spawned {
    let binary = env!("CARGO_BIN_EXE_localelements");
    let mut command = match wrapper.split_first() {
        Some((program, rest)) => {
            let mut command = Command::new(program);
            command.args(rest).arg(binary);
            command
        }
        None => Command::new(binary),
    };
    command
        .current_dir(dir)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .env_remove("RUST_LOG");
    for (key, _) in std::env::vars() {
        if key.starts_with("LOCALELEMENTS_") {
            command.env_remove(key);
        }
    }
    command.envs(env.iter().copied());
    let mut child = command.spawn().unwrap();
    let stdout = lines(child.stdout.take().unwrap());
    let stderr = lines(child.stderr.take().unwrap());
    Spawned {
        child,
        stdout,
        stderr,
        seen: Vec::new(),
    }
}

fn lines(stream: impl Read + Send + 'static) -> Receiver<String> {
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines().map_while(Result::ok) {
            if sender.send(line).is_err() {
                break;
            }
        }
    });
    receiver
}

impl Spawned {
    /// The first line of standard error that contains `text`.
    fn wait_for_log(&mut self, text: &str) -> String {
        let started = Instant::now();
        loop {
            let line = self
                .stderr
                .recv_timeout(LINE_TIMEOUT.saturating_sub(started.elapsed()))
                .unwrap_or_else(|_| panic!("no {text:?} in {:#?}", self.seen));
            self.seen.push(line.clone());
            if line.contains(text) {
                return line;
            }
        }
    }

    /// Standard output up to the banner's last line.
    fn banner(&mut self) -> Vec<String> {
        let mut banner = Vec::new();
        loop {
            let line = self
                .stdout
                .recv_timeout(LINE_TIMEOUT)
                .unwrap_or_else(|_| panic!("no banner; got {banner:?}"));
            let done = line.starts_with("Org-admin:");
            banner.push(line);
            if done {
                return banner;
            }
        }
    }

    /// Everything written to standard error until the process ends.
    fn rest_of_stderr(&mut self) -> Vec<String> {
        let mut all = std::mem::take(&mut self.seen);
        all.extend(self.stderr.iter());
        all
    }

    fn signal(&self, pid: u32, signal: &str) {
        let status = Command::new("kill")
            .args([&format!("-{signal}"), &pid.to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// Waits at most `limit` for the process to end.
    fn exit_within(&mut self, limit: Duration) -> ExitStatus {
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(started.elapsed() < limit, "still running after {limit:?}");
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for Spawned {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs the binary to its end: exit status, standard output and error.
fn run(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> (ExitStatus, String, String) {
    let mut spawned = spawn(dir, &[], args, env);
    let status = spawned.exit_within(LINE_TIMEOUT);
    let stdout: Vec<String> = spawned.stdout.iter().collect();
    let stderr = spawned.rest_of_stderr();
    (status, stdout.join("\n"), stderr.join("\n"))
}

/// A fixture of `users` users in one account; with `passwords`, each its
/// own (each then costs a hash of its own).
fn fixture(users: usize, passwords: bool) -> Value {
    let users: Vec<Value> = (0..users)
        .map(|n| {
            let mut user =
                json!({"firstName": "F", "lastName": "L", "email": format!("u{n}@fixture.test")});
            if passwords {
                user["password"] = json!(format!("password-{n}"));
            }
            user
        })
        .collect();
    json!({"organizations": [{"name": "Fixture", "secret": "fixture-org",
        "accounts": [{"name": "Customers", "externalId": "c", "users": users}]}]})
}

/// Organizations and users in a database file, read as a client of the
/// file would (the server is not running).
async fn counts(path: &Path) -> (i64, i64) {
    let options = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(path)
        .read_only(true);
    let pool = sqlx::SqlitePool::connect_with(options).await.unwrap();
    let count = |table: &str| format!("SELECT count(*) FROM {table}");
    let organizations: i64 = sqlx::query_scalar(&count("organizations"))
        .fetch_one(&pool)
        .await
        .unwrap();
    let users: i64 = sqlx::query_scalar(&count("users"))
        .fetch_one(&pool)
        .await
        .unwrap();
    pool.close().await;
    (organizations, users)
}

/// Users with passwords of their own at the default (deliberately slow)
/// hashing: a load that takes many seconds.
const SLOW_USERS: usize = 64;

/// Starts a slow seeded start-up (under `wrapper`), waits for its first
/// progress line, sends `signal` to the process `target` picks, and checks
/// that it exits promptly with 0 and leaves the database empty or whole.
async fn interrupt_a_slow_load(wrapper: &[&str], signal: &str, target: fn(&Spawned) -> u32) {
    let dir = tempfile::tempdir().unwrap();
    let seed = dir.path().join("slow.json");
    std::fs::write(&seed, fixture(SLOW_USERS, true).to_string()).unwrap();
    let mut spawned = spawn(
        dir.path(),
        wrapper,
        &[
            "--listen",
            "127.0.0.1:0",
            "--database",
            "slow.db",
            "--seed",
            "slow.json",
        ],
        &[],
    );
    // Readiness: the load has begun once it says what it loads.
    spawned.wait_for_log("loading fixture slow.json");
    spawned.signal(target(&spawned), signal);
    let status = spawned.exit_within(PROMPTLY);
    assert!(status.success(), "SIG{signal} exits 0: {status:?}");
    let (organizations, users) = counts(&dir.path().join("slow.db")).await;
    assert!(
        (organizations, users) == (0, 0) || (organizations, users) == (2, 1 + SLOW_USERS as i64),
        "untouched or fully loaded, not {organizations} organizations and {users} users"
    );
}

#[tokio::test]
async fn ctrl_c_during_a_slow_fixture_load_exits_0_and_keeps_nothing_half_done() {
    interrupt_a_slow_load(&[], "INT", |spawned| spawned.child.id()).await;
}

#[tokio::test]
async fn sigterm_during_a_slow_fixture_load_exits_0_and_keeps_nothing_half_done() {
    interrupt_a_slow_load(&[], "TERM", |spawned| spawned.child.id()).await;
}

/// As PID 1 (a container's first process), the kernel gives SIGTERM no
/// default action: only a handler makes it do anything.
#[tokio::test]
async fn sigterm_as_pid_1_during_a_slow_fixture_load_exits_0() {
    let unshare = ["unshare", "--user", "--map-root-user", "--pid", "--fork"];
    let allowed = Command::new(unshare[0])
        .args(&unshare[1..])
        .arg("true")
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    if !allowed {
        eprintln!("skipped: `unshare --user --pid` is not available or not allowed here");
        return;
    }
    // `unshare --fork` waits for its child, the server, which is PID 1 of
    // the new namespace; the signal goes to the server itself.
    interrupt_a_slow_load(&unshare, "TERM", |spawned| {
        let parent = spawned.child.id();
        let children =
            std::fs::read_to_string(format!("/proc/{parent}/task/{parent}/children")).unwrap();
        children.split_whitespace().next().unwrap().parse().unwrap()
    })
    .await;
}

#[tokio::test]
async fn a_fixture_load_logs_progress_and_a_summary() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("f.json"), fixture(3, false).to_string()).unwrap();
    let args = [
        "--listen",
        "127.0.0.1:0",
        "--database",
        "f.db",
        "--seed",
        "f.json",
        "--fast-password-hashing",
    ];
    let mut spawned = spawn(dir.path(), &[], &args, &[]);
    // Two accounts: the fixture's, and the default one it gets.
    let started = spawned.wait_for_log("loading fixture f.json: ");
    assert!(
        started.ends_with("loading fixture f.json: 1 organizations, 2 accounts, 3 users"),
        "{started}"
    );
    let summary = spawned.wait_for_log("fixture f.json loaded: ");
    assert!(
        summary.contains("loaded: 1 organizations, 2 accounts, 3 users in "),
        "{summary}"
    );
    spawned.banner();
    spawned.signal(spawned.child.id(), "TERM");
    assert!(spawned.exit_within(PROMPTLY).success());
    assert_eq!(counts(&dir.path().join("f.db")).await, (2, 4));

    // A second start with --seed loads nothing and says so.
    let mut again = spawn(dir.path(), &[], &args, &[]);
    let warning = again.wait_for_log("--seed f.json");
    assert!(warning.contains("WARN"), "{warning}");
    assert!(
        warning.contains("not loaded, because the database f.db already holds data"),
        "{warning}"
    );
    again.banner();
    again.signal(again.child.id(), "TERM");
    assert!(again.exit_within(PROMPTLY).success());
    let stderr = again.rest_of_stderr();
    assert!(
        !stderr.iter().any(|line| line.contains("loading fixture")),
        "{stderr:#?}"
    );
    assert_eq!(counts(&dir.path().join("f.db")).await, (2, 4));
}

#[tokio::test]
async fn the_banner_names_the_version_and_the_openapi_and_console_urls() {
    let dir = tempfile::tempdir().unwrap();
    let mut spawned = spawn(
        dir.path(),
        &[],
        &[
            "--listen",
            "127.0.0.1:0",
            "--database",
            ":memory:",
            "--fast-password-hashing",
        ],
        &[],
    );
    let banner = spawned.banner();
    let url = banner[0]
        .strip_prefix("localelements is serving ")
        .and_then(|rest| rest.split(' ').next())
        .unwrap_or_else(|| panic!("{banner:?}"))
        .to_owned();
    let version = format!("Version: localelements {}", env!("CARGO_PKG_VERSION"));
    for expected in [
        version,
        format!("OpenAPI: {url}/__admin/openapi.json"),
        format!("Console: {url}/__admin/ui"),
    ] {
        assert!(banner.contains(&expected), "{expected:?} in {banner:#?}");
    }
    assert!(banner.iter().any(|l| l.starts_with("Authorization: User ")));
    let response = reqwest::get(format!("{url}/__admin/openapi.json"))
        .await
        .unwrap();
    assert_eq!(response.status(), reqwest::StatusCode::OK);
    spawned.signal(spawned.child.id(), "INT");
    assert!(spawned.exit_within(PROMPTLY).success());
}

/// Exit 1 and exactly one line on standard error, containing each of
/// `expected`, and nothing on standard output.
fn assert_fails_to_start(dir: &Path, args: &[&str], expected: &[&str]) {
    let (status, stdout, stderr) = run(dir, args, &[]);
    assert_eq!(status.code(), Some(1), "{args:?}: {stderr}");
    assert!(stdout.is_empty(), "{stdout}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    for text in expected {
        assert!(stderr.contains(text), "{text:?} in {stderr:?}");
    }
}

#[tokio::test]
async fn each_failure_to_start_names_the_database_and_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path();
    let listen = ["--listen", "127.0.0.1:0"];
    let with = |database: &'static str| [&listen[..], &["--database", database]].concat();

    assert_fails_to_start(
        path,
        &with("no-such-folder/x.db"),
        &[
            "cannot open the database no-such-folder/x.db: ",
            "the folder no-such-folder does not exist",
        ],
    );

    std::fs::write(path.join("notes.txt"), "shopping list\n".repeat(100)).unwrap();
    assert_fails_to_start(
        path,
        &with("notes.txt"),
        &["notes.txt: ", "not a SQLite database"],
    );

    std::fs::create_dir(path.join("a-folder")).unwrap();
    assert_fails_to_start(
        path,
        &with("a-folder"),
        &["a-folder: ", "it is a folder, not a file"],
    );

    // A database made by this version, then damaged in the middle.
    let mut made = spawn(path, &[], &with("damaged.db"), &[]);
    made.banner();
    made.signal(made.child.id(), "TERM");
    assert!(made.exit_within(PROMPTLY).success());
    let file = path.join("damaged.db");
    let mut bytes = std::fs::read(&file).unwrap();
    assert!(bytes.len() > 3 * 4096, "{}", bytes.len());
    bytes[2 * 4096..3 * 4096].fill(0xff);
    std::fs::write(&file, &bytes).unwrap();
    assert_fails_to_start(
        path,
        &with("damaged.db"),
        &["damaged.db: ", "the database is damaged", "malformed"],
    );

    // A database a newer version has migrated further.
    let mut made = spawn(path, &[], &with("newer.db"), &[]);
    made.banner();
    made.signal(made.child.id(), "TERM");
    assert!(made.exit_within(PROMPTLY).success());
    let pool = sqlx::SqlitePool::connect_with(
        sqlx::sqlite::SqliteConnectOptions::new().filename(path.join("newer.db")),
    )
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
         VALUES (9999, 'from the future', 1, x'00', 0)",
    )
    .execute(&pool)
    .await
    .unwrap();
    pool.close().await;
    assert_fails_to_start(
        path,
        &with("newer.db"),
        &["newer.db: ", "written by a newer version of localelements"],
    );

    // A port in use, named with its address.
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = taken.local_addr().unwrap().to_string();
    assert_fails_to_start(
        path,
        &["--listen", &address, "--database", ":memory:"],
        &[&format!("cannot listen on {address}: "), "in use"],
    );
}

/// A file the server may not open: the OS's "permission denied". As root
/// (which every permission lets through), the server runs as nobody in a
/// user namespace of its own.
#[tokio::test]
async fn a_database_the_server_may_not_open_is_reported_as_permission_denied() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path();
    std::fs::write(path.join("locked.db"), "").unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(
        path.join("locked.db"),
        std::fs::Permissions::from_mode(0o000),
    )
    .unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
    let as_root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|output| output.stdout.starts_with(b"0\n"));
    let wrapper: &[&str] = if as_root { &["unshare", "--user"] } else { &[] };
    if as_root
        && !Command::new("unshare")
            .args(["--user", "true"])
            .status()
            .is_ok_and(|status| status.success())
    {
        eprintln!("skipped: running as root, and `unshare --user` is not allowed here");
        return;
    }
    let mut spawned = spawn(
        path,
        wrapper,
        &["--listen", "127.0.0.1:0", "--database", "locked.db"],
        &[],
    );
    let status = spawned.exit_within(LINE_TIMEOUT);
    let stderr = spawned.rest_of_stderr().join("\n");
    assert_eq!(status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("cannot open the database locked.db: Permission denied"),
        "{stderr}"
    );
}

#[tokio::test]
async fn a_bad_environment_value_is_reported_under_the_variables_name() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path();
    for (variable, value, flag) in [
        ("LOCALELEMENTS_LISTEN", "nosuchhost.invalid:80", "--listen"),
        (
            "LOCALELEMENTS_FAST_PASSWORD_HASHING",
            "maybe",
            "--fast-password-hashing",
        ),
        ("LOCALELEMENTS_LOG_FORMAT", "xml", "--log-format"),
        (
            "LOCALELEMENTS_SHUTDOWN_TIMEOUT",
            "soon",
            "--shutdown-timeout",
        ),
    ] {
        let (status, _, stderr) = run(path, &[], &[(variable, value)]);
        assert_eq!(status.code(), Some(2), "{stderr}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(
            stderr.starts_with(&format!(
                "error: {variable}={value}: invalid value for {flag}"
            )),
            "{stderr}"
        );
    }
    // The same value given as the flag is the flag's error, even with the
    // variable set to something valid.
    let (status, _, stderr) = run(
        path,
        &["--listen", "nosuchhost.invalid:80"],
        &[("LOCALELEMENTS_LISTEN", "127.0.0.1:0")],
    );
    assert_eq!(status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("'--listen <LISTEN>'"), "{stderr}");
    assert!(!stderr.contains("LOCALELEMENTS_LISTEN"), "{stderr}");
}
