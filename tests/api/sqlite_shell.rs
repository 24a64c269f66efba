//! The database file stays readable by the `sqlite3` shell of common
//! distributions (SQLite 3.37 and later: Debian 12, Ubuntu 22.04), so a
//! person can inspect their state with it. An older shell refuses the whole
//! file when any object of the schema uses syntax it does not know (0003's
//! `user_json` view did, before migration 0004), so this runs the system's
//! own `sqlite3` on a file the real server wrote.
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::process::Command;

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::common::process::Running;

/// Runs the system's `sqlite3` shell on `file` with one SQL statement and
/// returns its standard output; fails the test on any error. `-init
/// /dev/null` skips a `~/.sqliterc` that could change the output mode.
fn sqlite3(file: &Path, sql: &str) -> String {
    let output = Command::new("sqlite3")
        .arg("-init")
        .arg("/dev/null")
        .arg(file)
        .arg(sql)
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "cannot run `sqlite3` ({e}): this test reads the server's database file with \
                 the system's SQLite shell, which must be on PATH; install it \
                 (Debian/Ubuntu: `apt-get install sqlite3`)"
            )
        });
    let stdout = String::from_utf8(output.stdout).unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success() && stderr.trim().is_empty(),
        "`sqlite3 {} {sql:?}` failed ({}): {stderr}{stdout}",
        file.display(),
        output.status
    );
    stdout
}

/// Each line of `sqlite3` output as JSON.
fn json_lines(stdout: &str) -> Vec<Value> {
    stdout
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line:?}")))
        .collect()
}

#[tokio::test]
async fn the_sqlite3_shell_reads_a_database_the_server_wrote() {
    // Fail at once, with the remedy, when the shell is missing: a skipped
    // check would hide exactly the regression it is here for.
    let version = sqlite3(Path::new(":memory:"), "select sqlite_version()");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("localelements.db");
    let mut server = Running::start(dir.path(), &["--fast-password-hashing"], &[]);
    let client = reqwest::Client::new();
    let api = |path: &str| format!("{}/elements/api-v2{path}", server.url);

    let (status, accounts) = server.get("/accounts").await;
    assert_eq!(status, StatusCode::OK);
    let account = accounts[0]["id"].as_i64().unwrap();
    for body in [
        json!({"firstName": "Ada", "lastName": "Lovelace", "email": "ada@example.test",
               "password": "Password-1", "city": "London", "roles": [{"key": "admin"}]}),
        json!({"firstName": "Zoë", "lastName": "O'Brien", "email": "zoe@example.test",
               "password": "Password-2"}),
    ] {
        let reply = client
            .post(api(&format!("/accounts/{account}/users")))
            .header("authorization", &server.authorization)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(reply.status(), StatusCode::OK);
    }
    let (status, listed) = server.get(&format!("/accounts/{account}/users")).await;
    assert_eq!(status, StatusCode::OK);
    let expected = listed.as_array().unwrap().clone();
    let emails: Vec<&str> = expected
        .iter()
        .map(|user| user["email"].as_str().unwrap())
        .collect();
    assert_eq!(
        emails,
        [
            "admin@localelements.test",
            "ada@example.test",
            "zoe@example.test"
        ]
    );
    assert!(server.signal("TERM").success());

    let stored = json_lines(&sqlite3(&file, "select json from users order by id"));
    assert_eq!(stored, expected, "sqlite3 {}", version.trim());
    // The view the triggers fill `users.json` from works in this SQLite too.
    let viewed = json_lines(&sqlite3(&file, "select json from user_json order by id"));
    assert_eq!(viewed, expected, "sqlite3 {}", version.trim());
    assert_eq!(sqlite3(&file, "PRAGMA integrity_check").trim(), "ok");
}
