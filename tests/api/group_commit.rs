//! Writes that arrive together share a transaction (group commit), yet each
//! gets its own answer: a write that fails undoes only itself, and every
//! write answered 200 is there to read.
#![allow(clippy::unwrap_used)]

use reqwest::StatusCode;
use serde_json::json;

use crate::common::TestServer;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_writes_each_get_their_own_answer() {
    let server = TestServer::start().await;
    let auth = server.admin_auth();
    let account = server.default_account().await;
    let users = format!("/accounts/{account}/users");
    // Twelve emails, each created twice at once: one of each pair wins.
    let creates = (0..24).map(|n| {
        let body = json!({"firstName": "Group", "lastName": format!("Commit{n}"),
            "email": format!("pair{}@group.test", n / 2), "password": "pw",
            "city": "Oslo"});
        let (server, auth, users) = (&server, auth.clone(), users.clone());
        async move { server.post(&users, &auth, &body).await }
    });
    let replies = futures::future::join_all(creates).await;
    let mut created = Vec::new();
    for pair in replies.chunks(2) {
        let statuses: Vec<StatusCode> = pair.iter().map(|reply| reply.status).collect();
        assert!(
            statuses.contains(&StatusCode::OK) && statuses.contains(&StatusCode::CONFLICT),
            "{statuses:?}: {} / {}",
            pair[0].text,
            pair[1].text
        );
        let won = pair
            .iter()
            .find(|reply| reply.status == StatusCode::OK)
            .unwrap();
        let lost = pair
            .iter()
            .find(|reply| reply.status != StatusCode::OK)
            .unwrap();
        assert_eq!(
            lost.message(),
            "A user with that email already exists in this organization"
        );
        created.push(won.json());
    }
    // Each winner is stored as answered, with the roles of a default
    // account's user; no loser left a trace.
    for user in &created {
        let id = user["id"].as_i64().unwrap();
        let read = server.get(&format!("{users}/{id}"), &auth).await;
        assert_eq!(read.status, StatusCode::OK, "{}", read.text);
        assert_eq!(read.json()["lastName"], user["lastName"]);
        assert_eq!(read.json()["roles"], user["roles"]);
    }
    let listed = server
        .get(&format!("{users}?where=city%20%3D%20'Oslo'"), &auth)
        .await;
    assert_eq!(listed.header("elements-total-count"), Some("12"));

    // Patches and deletes of the same users at once, one of them failing
    // (an email another user has): the others are applied all the same.
    let taken = created[1]["email"].as_str().unwrap().to_owned();
    let changes = created.iter().enumerate().map(|(n, user)| {
        let id = user["id"].as_i64().unwrap();
        let path = format!("{users}/{id}");
        let (server, auth) = (&server, auth.clone());
        let body = if n == 0 {
            json!({"email": taken})
        } else {
            json!({"firstName": "Patched"})
        };
        async move {
            if n % 3 == 2 {
                server.delete(&path, &auth).await
            } else {
                server.patch(&path, &auth, &body).await
            }
        }
    });
    let replies = futures::future::join_all(changes).await;
    for (n, reply) in replies.iter().enumerate() {
        let expected = if n == 0 {
            StatusCode::CONFLICT
        } else {
            StatusCode::OK
        };
        assert_eq!(reply.status, expected, "{n}: {}", reply.text);
    }
    for (n, user) in created.iter().enumerate() {
        let id = user["id"].as_i64().unwrap();
        let read = server.get(&format!("{users}/{id}"), &auth).await;
        match n {
            0 => assert_eq!(read.json()["email"], user["email"], "{}", read.text),
            n if n % 3 == 2 => assert_eq!(read.status, StatusCode::NOT_FOUND, "{}", read.text),
            _ => assert_eq!(read.json()["firstName"], "Patched", "{}", read.text),
        }
    }
}
