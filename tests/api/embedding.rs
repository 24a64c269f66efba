//! The embedding API as the README shows it (the README's example itself
//! also runs as a doctest), and that dropping the handle stops the server.
#![allow(clippy::unwrap_used)]

use localelements::{Config, Server};

#[tokio::test]
async fn a_server_starts_in_process_and_stops_when_dropped() {
    let server = Server::start(Config::for_tests()).await.unwrap();
    let account = server.credentials().default_account_id;
    let client = reqwest::Client::new();
    let users: serde_json::Value = client
        .get(format!("{}/accounts/{account}/users", server.base_url()))
        .header("Authorization", server.authorization())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(users[0]["email"], "admin@localelements.test");
    assert!(server.base_url().ends_with("/elements/api-v2"));
    assert_ne!(server.address().port(), 0);

    let address = server.address();
    drop(server);
    // The listener closes once the serving task has seen the shutdown.
    let mut refused = false;
    for _ in 0..200 {
        if tokio::net::TcpStream::connect(address).await.is_err() {
            refused = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    assert!(
        refused,
        "the server kept listening after its handle was dropped"
    );
}

#[tokio::test]
async fn two_embedded_servers_are_separate_worlds() {
    let first = Server::start(Config::for_tests()).await.unwrap();
    let second = Server::start(Config::for_tests()).await.unwrap();
    assert_ne!(first.address(), second.address());
    assert_ne!(first.authorization(), second.authorization());
    let response = reqwest::Client::new()
        .get(format!("{}/accounts", second.base_url()))
        .header("Authorization", first.authorization())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
}
