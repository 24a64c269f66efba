//! Clients that hang up while their request is being handled (a test
//! runner giving up on a test, a load tool ending its run) must never leave
//! a database connection inside a transaction: every later request would
//! then fail. Many rounds of creates, updates and lists whose connections
//! close at random moments, then ordinary requests that must all succeed.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use crate::common::{test_config, TestServer};
use localelements::store::Database;
use rand::Rng;
use reqwest::StatusCode;
use serde_json::json;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

const ROUNDS: usize = 40;
const CLIENTS: usize = 8;

/// Sends one whole request on a fresh connection, then closes it after a
/// random moment, without reading the answer.
async fn send_and_hang_up(server: &TestServer, method: &str, path: &str, body: Option<String>) {
    let mut stream = TcpStream::connect(server.server.address()).await.unwrap();
    let body = body.unwrap_or_default();
    let request = format!(
        "{method} /elements/api-v2{path} HTTP/1.1\r\nHost: localhost\r\n\
         Authorization: {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        server.admin_auth(),
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let wait = rand::thread_rng().gen_range(0..3000);
    tokio::time::sleep(Duration::from_micros(wait)).await;
    drop(stream);
}

async fn hang_ups_then_writes_succeed(server: TestServer) {
    let account = server.default_account().await;
    let (target, _) = server.create_user(account, "target@hangup.test", &[]).await;
    for round in 0..ROUNDS {
        let mut clients = Vec::new();
        for client in 0..CLIENTS {
            let server = &server;
            clients.push(async move {
                match client % 4 {
                    0 | 1 => {
                        let body = json!({"firstName": "H", "lastName": "U",
                            "email": format!("r{round}c{client}@hangup.test"), "password": "pw"});
                        let path = format!("/accounts/{account}/users");
                        send_and_hang_up(server, "POST", &path, Some(body.to_string())).await;
                    }
                    2 => {
                        let body = json!({"firstName": format!("R{round}")}).to_string();
                        let path = format!("/accounts/{account}/users/{target}");
                        send_and_hang_up(server, "PATCH", &path, Some(body)).await;
                    }
                    _ => {
                        let path =
                            format!("/accounts/{account}/users?where=firstName%20like%20'%25'");
                        send_and_hang_up(server, "GET", &path, None).await;
                    }
                }
            });
        }
        futures::future::join_all(clients).await;
    }
    // Whatever the abandoned requests did, the next writes and reads work.
    for attempt in 0..5 {
        let reply = server
            .post(
                &format!("/accounts/{account}/users"),
                &server.admin_auth(),
                &json!({"firstName": "After", "lastName": "All",
                        "email": format!("after{attempt}@hangup.test"),
                        "password": server.new_password()}),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        let reply = server
            .patch(
                &format!("/accounts/{account}/users/{target}"),
                &server.admin_auth(),
                &json!({"lastName": format!("L{attempt}")}),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        assert_eq!(reply.json()["lastName"], format!("L{attempt}"));
        let reply = server
            .get(&format!("/accounts/{account}/users"), &server.admin_auth())
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn hang_ups_never_break_later_requests_on_a_file() {
    hang_ups_then_writes_succeed(TestServer::start().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn hang_ups_never_break_later_requests_in_memory() {
    let dir = tempfile::tempdir().unwrap();
    let config = localelements::Config {
        database: Database::Memory,
        ..test_config(&dir)
    };
    hang_ups_then_writes_succeed(TestServer::start_with(dir, config).await).await;
}
