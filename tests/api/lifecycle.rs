//! The binary as users run it: start-up output, configuration by flag and
//! environment, restarts on the same file, signals, and durability under
//! SIGKILL.
#![allow(clippy::unwrap_used)]

use std::process::Command;

use crate::common::process::Running;
use reqwest::StatusCode;
use serde_json::{json, Value};

#[tokio::test]
async fn a_fresh_start_creates_the_database_and_prints_a_ready_header() {
    let dir = tempfile::tempdir().unwrap();
    let mut first = Running::start(dir.path(), &["--fast-password-hashing"], &[]);
    assert!(
        dir.path().join("localelements.db").exists(),
        "the default database file"
    );
    let auth_line = first
        .lines
        .iter()
        .find(|l| l.starts_with("Authorization: User "))
        .unwrap()
        .clone();
    assert!(auth_line.contains(", Organization "));
    assert!(first
        .lines
        .iter()
        .any(|l| l.starts_with("Org-admin: admin@localelements.test with password ")));
    let (status, accounts) = first.get("/accounts").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(accounts[0]["name"], "Company Default Account");
    assert_eq!(
        accounts[0]["description"],
        "Auto created default account for the entire company"
    );
    assert_eq!(accounts[0]["type"], "Default");
    let account = accounts[0]["id"].as_i64().unwrap();
    let (_, users) = first.get(&format!("/accounts/{account}/users")).await;
    let roles: Vec<&str> = users[0]["roles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["key"].as_str().unwrap())
        .collect();
    assert_eq!(roles, ["org-admin", "org"]);
    assert!(first.signal("TERM").success(), "SIGTERM exits 0");

    // The second start re-creates nothing and prints the same header.
    let mut second = Running::start(dir.path(), &["--fast-password-hashing"], &[]);
    assert!(second.lines.contains(&auth_line));
    assert!(second
        .lines
        .iter()
        .any(|l| l == "Org-admin: admin@localelements.test"));
    let (_, again) = second.get("/accounts").await;
    assert_eq!(again, accounts);
    let (_, users_again) = second.get(&format!("/accounts/{account}/users")).await;
    assert_eq!(users_again, users);
    assert!(second.signal("INT").success(), "SIGINT exits 0");
}

#[tokio::test]
async fn every_setting_comes_from_the_environment_and_flags_win() {
    let dir = tempfile::tempdir().unwrap();
    let env = [
        ("LOCALELEMENTS_DATABASE", "from-env.db"),
        ("LOCALELEMENTS_ORG_SECRET", "env-org"),
        ("LOCALELEMENTS_USER_SECRET", "env-user"),
        ("LOCALELEMENTS_ADMIN_EMAIL", "env@example.test"),
        ("LOCALELEMENTS_ADMIN_PASSWORD", "env-password"),
        ("LOCALELEMENTS_FAST_PASSWORD_HASHING", "true"),
        ("LOCALELEMENTS_LISTEN", "127.0.0.1:0"),
    ];
    let running = Running::start(dir.path(), &["--user-secret", "flag-user"], &env);
    assert_eq!(
        running.authorization,
        "User flag-user, Organization env-org"
    );
    assert!(dir.path().join("from-env.db").exists());
    assert!(
        running
            .lines
            .iter()
            .any(|l| l == "Org-admin: env@example.test"),
        "{:?}",
        running.lines
    );
    let (_, accounts) = running.get("/accounts").await;
    let account = accounts[0]["id"].as_i64().unwrap();
    let response = reqwest::Client::new()
        .get(format!(
            "{}/elements/api-v2/accounts/{account}/users/ENV@example.test",
            running.url
        ))
        .header("authorization", &running.authorization)
        .header("elements-user-password", "env-password")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let user: Value = response.json().await.unwrap();
    assert_eq!(user["secret"], "flag-user");
}

#[tokio::test]
async fn an_in_memory_database_writes_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let running = Running::start(
        dir.path(),
        &["--database", ":memory:", "--fast-password-hashing"],
        &[],
    );
    let (status, _) = running.get("/accounts").await;
    assert_eq!(status, StatusCode::OK);
    let files: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert!(files.is_empty(), "{files:?}");
}

#[tokio::test]
async fn nothing_answered_200_is_lost_when_the_process_is_killed() {
    let dir = tempfile::tempdir().unwrap();
    let args = [
        "--fast-password-hashing",
        "--org-secret",
        "o",
        "--user-secret",
        "u",
    ];
    let mut running = Running::start(dir.path(), &args, &[]);
    let (_, accounts) = running.get("/accounts").await;
    let account = accounts[0]["id"].as_i64().unwrap();
    let client = reqwest::Client::new();
    let mut created = Vec::new();
    for n in 0..25 {
        let response = client
            .post(format!("{}/elements/api-v2/accounts/{account}/users", running.url))
            .header("authorization", &running.authorization)
            .json(&json!({"firstName": "K", "lastName": "L", "email": format!("k{n}@example.test"), "password": "p"}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let user: Value = response.json().await.unwrap();
        created.push(user["id"].as_i64().unwrap());
    }
    // SIGKILL straight after the last 200: no chance to flush anything.
    running.child.kill().unwrap();
    running.child.wait().unwrap();
    drop(running);

    let restarted = Running::start(dir.path(), &args, &[]);
    let (status, users) = restarted.get(&format!("/accounts/{account}/users")).await;
    assert_eq!(status, StatusCode::OK);
    let ids: Vec<i64> = users
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["id"].as_i64().unwrap())
        .collect();
    for id in created {
        assert!(
            ids.contains(&id),
            "user {id} was answered 200 and then lost"
        );
    }
}

#[test]
fn an_unusable_listen_address_fails_with_a_message_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_localelements"))
        .current_dir(dir.path())
        .args(["--listen", "not-an-address"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--listen"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}
