//! No response ever carries a password hash or a plaintext password. The
//! harness (`common::TestServer::finish`) scans every response of every test
//! in the suite; this file drives each endpoint that takes a password and
//! proves the scanner itself would notice a leak.
#![allow(clippy::unwrap_used)]

use crate::common::{self, TestServer};
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn the_scanner_catches_hashes_and_passwords() {
    let server = TestServer::start().await;
    let password = server.new_password();
    for leaked in [
        format!(r#"{{"password":"{password}"}}"#),
        r#"{"hash":"$argon2id$v=19$m=19456,t=2,p=1$abc$def"}"#.to_owned(),
        format!("plain text {}", common::ADMIN_PASSWORD),
    ] {
        let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            server.check_no_leak(&leaked);
        }));
        assert!(caught.is_err(), "the scanner missed {leaked}");
    }
    server.check_no_leak(r#"{"password":"secured"}"#);
}

#[tokio::test]
async fn no_endpoint_that_takes_a_password_gives_one_back() {
    let server = TestServer::start().await;
    let admin = server.admin_auth();
    let account = server.default_account().await;
    let users = format!("/accounts/{account}/users");
    let password = server.new_password();
    let body = json!({"firstName": "L", "lastName": "K", "email": "leak@example.test", "password": password});
    let created = server.post(&users, &admin, &body).await;
    assert_eq!(created.status, StatusCode::OK);
    let id = created.id();
    // Duplicate (409) and invalid (400) creates echo nothing either.
    assert_eq!(
        server.post(&users, &admin, &body).await.status,
        StatusCode::CONFLICT
    );
    let mut invalid = body.clone();
    invalid["firstName"] = json!(5);
    assert_eq!(
        server.post(&users, &admin, &invalid).await.status,
        StatusCode::BAD_REQUEST
    );
    // With the password header, right and wrong.
    for header in [password.clone(), server.new_password()] {
        let reply = server
            .finish(
                server
                    .client
                    .get(server.url(&format!("{users}/{id}")))
                    .header("authorization", &admin)
                    .header("elements-user-password", header),
            )
            .await;
        assert!(reply.status == StatusCode::OK || reply.status == StatusCode::UNAUTHORIZED);
    }
    let new_password = server.new_password();
    let reply = server
        .patch(
            &format!("{users}/{id}"),
            &admin,
            &json!({"password": new_password}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(server.get(&users, &admin).await.status, StatusCode::OK);
    let fixture_password = server.new_password();
    let fixture = json!({"organizations": [{"name": "F", "accounts": [{"name": "D", "default": true,
        "users": [{"firstName": "A", "lastName": "B", "email": "f@x", "password": fixture_password}]}]}]});
    let reply = server
        .send(Method::POST, "/__admin/seed", None, Some(&fixture))
        .await;
    assert_eq!(reply.status, StatusCode::OK);
}
