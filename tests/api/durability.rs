//! Hard to break: concurrent writers killed with SIGKILL lose nothing that
//! was acknowledged, and mixed concurrent load never meets a lock error.
#![allow(clippy::unwrap_used)]

use std::str::FromStr;
use std::sync::{Arc, Mutex};

use crate::common::process::Running;
use crate::common::TestServer;
use reqwest::StatusCode;
use serde_json::{json, Value};
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, Connection};
use tokio::sync::Notify;

/// How many acknowledged writes to wait for before pulling the plug.
const ACKNOWLEDGED_BEFORE_KILL: usize = 120;
const WRITERS: usize = 8;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_kill_mid_load_loses_no_acknowledged_write_and_leaves_a_sound_file() {
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
    let url = format!("{}/elements/api-v2/accounts/{account}/users", running.url);
    let acknowledged = Arc::new(Mutex::new(Vec::new()));
    let enough = Arc::new(Notify::new());
    let mut writers = Vec::new();
    for writer in 0..WRITERS {
        let (url, auth) = (url.clone(), running.authorization.clone());
        let (acknowledged, enough) = (acknowledged.clone(), enough.clone());
        writers.push(tokio::spawn(async move {
            let client = reqwest::Client::new();
            for n in 0.. {
                let body = json!({"firstName": "W", "lastName": "K", "password": "p",
                                  "email": format!("w{writer}-{n}@example.test")});
                let Ok(response) = client
                    .post(&url)
                    .header("authorization", &auth)
                    .json(&body)
                    .send()
                    .await
                else {
                    return; // the server is gone
                };
                assert_eq!(response.status(), StatusCode::OK);
                let Ok(user) = response.json::<Value>().await else {
                    return; // killed between the status line and the body: not acknowledged
                };
                let mut ids = acknowledged.lock().unwrap();
                ids.push(user["id"].as_i64().unwrap());
                if ids.len() >= ACKNOWLEDGED_BEFORE_KILL {
                    enough.notify_one();
                }
            }
        }));
    }
    enough.notified().await;
    running.child.kill().unwrap(); // SIGKILL, mid-load
    running.child.wait().unwrap();
    for writer in writers {
        writer.await.unwrap();
    }
    drop(running);
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(acknowledged.len() >= ACKNOWLEDGED_BEFORE_KILL);

    let restarted = Running::start(dir.path(), &args, &[]);
    let (status, users) = restarted
        .get(&format!("/accounts/{account}/users?pageSize=5000"))
        .await;
    assert_eq!(status, StatusCode::OK);
    let present: std::collections::HashSet<i64> = users
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["id"].as_i64().unwrap())
        .collect();
    let lost: Vec<i64> = acknowledged
        .iter()
        .copied()
        .filter(|id| !present.contains(id))
        .collect();
    assert!(lost.is_empty(), "acknowledged but lost: {lost:?}");
    drop(restarted);

    let mut conn = SqliteConnectOptions::from_str(&format!(
        "sqlite://{}",
        dir.path().join("localelements.db").display()
    ))
    .unwrap()
    .connect()
    .await
    .unwrap();
    let check: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(check, "ok");
    conn.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sixteen_clients_mixing_writes_and_filtered_reads_never_see_a_lock_or_a_5xx() {
    let server = Arc::new(TestServer::start().await);
    let account = server.default_account().await;
    let mut clients = Vec::new();
    for client in 0..16 {
        let server = server.clone();
        clients.push(tokio::spawn(async move {
            let auth = server.admin_auth();
            let users = format!("/accounts/{account}/users");
            for n in 0..25 {
                let email = format!("c{client}-{n}@example.test");
                let body = json!({"firstName": "C", "lastName": format!("L{n}"), "email": email,
                                  "password": "p"});
                let created = server.post(&users, &auth, &body).await;
                assert_eq!(created.status, StatusCode::OK, "{}", created.text);
                let id = created.id();
                let filtered = server
                    .get(
                        &format!(
                            "{users}?where=active%20%3D%20true%20AND%20lastName%20%3D%20%27L{n}%27"
                        ),
                        &auth,
                    )
                    .await;
                assert_eq!(filtered.status, StatusCode::OK, "{}", filtered.text);
                let patched = server
                    .patch(&format!("{users}/{id}"), &auth, &json!({"city": "X"}))
                    .await;
                assert_eq!(patched.status, StatusCode::OK, "{}", patched.text);
                let read = server.get(&format!("{users}/{email}"), &auth).await;
                assert_eq!(read.status, StatusCode::OK, "{}", read.text);
                if n % 5 == 0 {
                    let deleted = server.delete(&format!("{users}/{id}"), &auth).await;
                    assert_eq!(deleted.status, StatusCode::OK, "{}", deleted.text);
                }
                for reply in [&created, &filtered, &patched, &read] {
                    assert!(!reply.text.contains("locked"), "{}", reply.text);
                }
            }
        }));
    }
    for client in clients {
        client.await.unwrap();
    }
    let total = server
        .get(&format!("/accounts/{account}/users"), &server.admin_auth())
        .await;
    // 16 × 25 created, 16 × 5 deleted, plus the org-admin.
    assert_eq!(total.header("elements-total-count"), Some("321"));
}
