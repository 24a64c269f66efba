//! Password checks (`Elements-User-Password`) are limited per user: past
//! the limit of wrong passwords in a minute, that user's attempts are 429
//! with `Retry-After` until the minute is over, without any hashing; and a
//! flood of them never starves another tenant's requests.
#![allow(clippy::unwrap_used)]

use reqwest::StatusCode;
use serde_json::json;

use crate::common::{test_config, TestServer};

async fn check_password(server: &TestServer, user: i64, password: &str) -> crate::common::Reply {
    server
        .finish(
            server
                .client
                .get(server.url(&format!("/users/{user}")))
                .header("authorization", server.admin_auth())
                .header("elements-user-password", password),
        )
        .await
}

#[tokio::test]
async fn wrong_passwords_past_the_limit_are_429_until_the_minute_is_over() {
    let dir = tempfile::tempdir().unwrap();
    let config = localelements::Config {
        password_attempts: 3,
        ..test_config(&dir)
    };
    let server = TestServer::start_with(dir, config).await;
    let account = server.default_account().await;
    let password = server.new_password();
    let body =
        json!({"firstName": "P", "lastName": "W", "email": "pw@limit.test", "password": password});
    let user = server
        .post(
            &format!("/accounts/{account}/users"),
            &server.admin_auth(),
            &body,
        )
        .await
        .id();
    let (other, _) = server.create_user(account, "other@limit.test", &[]).await;
    for _ in 0..3 {
        let reply = check_password(&server, user, "wrong").await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{}", reply.text);
    }
    for attempt in ["wrong", password.as_str()] {
        let reply = check_password(&server, user, attempt).await;
        assert_eq!(
            reply.status,
            StatusCode::TOO_MANY_REQUESTS,
            "{}",
            reply.text
        );
        let wait: u64 = reply.header("retry-after").unwrap().parse().unwrap();
        assert!((1..=60).contains(&wait), "Retry-After {wait}");
        assert!(reply.json().get("secret").is_none());
    }
    // Another user's checks are not affected.
    let reply = check_password(&server, other, "wrong").await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{}", reply.text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_flood_of_wrong_passwords_does_not_starve_another_tenant() {
    let server = TestServer::start().await;
    let account = server.default_account().await;
    let (victim, _) = server.create_user(account, "victim@flood.test", &[]).await;
    let tenant = server.create_tenant().await;
    let flood = futures::future::join_all((0..200).map(|n| {
        let server = &server;
        async move { check_password(server, victim, &format!("guess-{n}")).await }
    }));
    let creates = futures::future::join_all((0..10).map(|n| {
        let (server, tenant) = (&server, &tenant);
        async move {
            let body = json!({"firstName": "T", "lastName": "B",
                "email": format!("b{n}@other.test"), "password": "pw"});
            server
                .post(
                    &format!("/accounts/{}/users", tenant.default_account),
                    &tenant.auth,
                    &body,
                )
                .await
        }
    }));
    let (guesses, created) = tokio::join!(flood, creates);
    for reply in created {
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    }
    let refused = guesses
        .iter()
        .filter(|reply| reply.status == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert!(
        guesses.iter().all(
            |reply| [StatusCode::UNAUTHORIZED, StatusCode::TOO_MANY_REQUESTS]
                .contains(&reply.status)
        ),
        "only 401 and 429"
    );
    assert!(
        refused >= 190,
        "{refused} of 200 guesses refused without hashing"
    );
}
