//! Races between writes never answer 500: each write reads what it depends
//! on inside its own write transaction, so a row that vanished is a 404 and
//! a clash a 409. Many rounds of each race that once answered 500.
#![allow(clippy::unwrap_used)]

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::common::TestServer;

const ROUNDS: usize = 40;

/// Every status a raced request may fairly answer, never a 5xx.
fn assert_no_server_error(status: StatusCode, what: &str, text: &str) {
    assert!(!status.is_server_error(), "{what}: {status} {text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn deleting_a_user_races_granting_it_a_role() {
    let server = TestServer::start().await;
    let auth = server.admin_auth();
    let account = server.create_account("Racing").await;
    for round in 0..ROUNDS {
        let (id, _) = server
            .create_user(account, &format!("grant{round}@race.test"), &[])
            .await;
        let (user_path, role_path) = (format!("/users/{id}"), format!("/users/{id}/roles/admin"));
        let delete = server.delete(&user_path, &auth);
        let grant = server.send(Method::PUT, &role_path, Some(&auth), None);
        let (deleted, granted) = tokio::join!(delete, grant);
        assert_eq!(deleted.status, StatusCode::OK, "{}", deleted.text);
        assert!(
            [StatusCode::OK, StatusCode::NOT_FOUND].contains(&granted.status),
            "round {round}: {} {}",
            granted.status,
            granted.text
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn creating_users_races_deleting_and_resetting_their_tenant() {
    let server = TestServer::start().await;
    for round in 0..ROUNDS {
        let org = server.create_tenant().await;
        let create = |n: usize| {
            let body = json!({"firstName": "R", "lastName": "U",
                "email": format!("u{n}@tenant.test"), "password": "pw"});
            let path = format!("/accounts/{}/users", org.default_account);
            let auth = org.auth.clone();
            let server = &server;
            async move { server.post(&path, &auth, &body).await }
        };
        let end = if round % 2 == 0 {
            format!("/__admin/organizations/{}", org.organization_id)
        } else {
            format!("/__admin/organizations/{}/reset", org.organization_id)
        };
        let method = if round % 2 == 0 {
            Method::DELETE
        } else {
            Method::POST
        };
        let (a, b, ended, c) = tokio::join!(
            create(1),
            create(2),
            server.send(method, &end, None, None),
            create(3)
        );
        assert_eq!(ended.status, StatusCode::OK, "{}", ended.text);
        for reply in [a, b, c] {
            assert_no_server_error(reply.status, "create beside its tenant's end", &reply.text);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn updating_a_user_races_deleting_it() {
    let server = TestServer::start().await;
    let auth = server.admin_auth();
    let account = server.create_account("Racing").await;
    for round in 0..ROUNDS {
        let (id, _) = server
            .create_user(account, &format!("patch{round}@race.test"), &[])
            .await;
        let path = format!("/accounts/{account}/users/{id}");
        let changes =
            json!({"firstName": "Late", "password": "new-password", "roles": [{"key": "admin"}]});
        let patch = server.patch(&path, &auth, &changes);
        let delete = server.delete(&path, &auth);
        let (patched, deleted) = tokio::join!(patch, delete);
        assert_eq!(deleted.status, StatusCode::OK, "{}", deleted.text);
        assert!(
            [StatusCode::OK, StatusCode::NOT_FOUND].contains(&patched.status),
            "round {round}: {} {}",
            patched.status,
            patched.text
        );
    }
}
