//! Authentication (docs/api.md#authentication) and the error envelope
//! (docs/api.md#errors) over real HTTP.
#![allow(clippy::unwrap_used)]

use crate::common::{self, TestServer, ORG_SECRET, USER_SECRET};
use reqwest::{Method, StatusCode};
use serde_json::json;

const INVALID: &str = "Invalid Organization or User secret, or invalid Element token provided.";

#[tokio::test]
async fn the_authorization_header_is_accepted_in_every_documented_form() {
    let server = TestServer::start().await;
    let forms = [
        format!("User {USER_SECRET}, Organization {ORG_SECRET}"),
        format!("Organization {ORG_SECRET}, User {USER_SECRET}"),
        format!("   User    {USER_SECRET}   ,Organization {ORG_SECRET}   "),
        format!("User {USER_SECRET}, Organization {ORG_SECRET}, Element some-token="),
        format!("Element x, Organization {ORG_SECRET}, User {USER_SECRET}"),
    ];
    for auth in forms {
        let reply = server.get("/accounts", &auth).await;
        assert_eq!(reply.status, StatusCode::OK, "{auth:?}: {}", reply.text);
    }
}

#[tokio::test]
async fn bad_credentials_are_401_with_the_documented_message() {
    let server = TestServer::start().await;
    let account = server.default_account().await;
    let path = format!("/accounts/{account}/users");
    let cases = [
        Some(format!("User {USER_SECRET}, Organization wrong")),
        Some(format!("User wrong, Organization {ORG_SECRET}")),
        Some(format!("User {ORG_SECRET}, Organization {USER_SECRET}")),
        Some(format!("User {USER_SECRET}")),
        Some(format!("Organization {ORG_SECRET}")),
        Some(format!("User {USER_SECRET}; Organization {ORG_SECRET}")),
        Some(format!("Bearer {USER_SECRET}")),
        Some(format!(
            "User {USER_SECRET}, Organization {ORG_SECRET}, Bogus x"
        )),
        Some(String::new()),
        None,
    ];
    for auth in cases {
        let reply = server.send(Method::GET, &path, auth.as_deref(), None).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{auth:?}");
        assert_eq!(reply.message(), INVALID);
    }
    // A header that is not even text.
    let reply = server
        .finish(server.client.get(server.url(&path)).header(
            "authorization",
            reqwest::header::HeaderValue::from_bytes(b"User \xff").unwrap(),
        ))
        .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_user_secret_only_works_with_its_own_organization() {
    // A second organization in the same database, made through the library
    // before the server starts.
    let dir = tempfile::tempdir().unwrap();
    let config = common::test_config(&dir);
    {
        let first = localelements::Server::start(config.clone()).await.unwrap();
        first.stop().await.unwrap();
    }
    let other_org = {
        use localelements::domain::{password::Password, secret::Secret, user::Email};
        use localelements::service::organizations::{self, NewOrganizationInput};
        use localelements::service::Services;
        use localelements::store::organizations::OriginKind;
        use localelements::store::Store;
        let store = Store::open(&config.database).await.unwrap();
        let services = Services::new(store.clone(), &localelements::Config::for_tests());
        let ids = organizations::create(
            &services,
            OriginKind::Tenant,
            NewOrganizationInput {
                name: "other".into(),
                org_secret: Secret::new("other-org-secret"),
                user_secret: Secret::new("other-user-secret"),
                admin_email: Email::parse("admin@localelements.test").unwrap(),
                admin_password: Password::new("x"),
            },
        )
        .await
        .unwrap();
        store.close().await;
        OtherOrg {
            default_account_id: ids.default_account_id,
            admin_user_id: ids.admin_user_id.unwrap(),
        }
    };
    let server = TestServer::start_with(dir, config).await;
    let own = "User other-user-secret, Organization other-org-secret";
    assert_eq!(server.get("/accounts", own).await.status, StatusCode::OK);
    let crossed = [
        format!("User other-user-secret, Organization {ORG_SECRET}"),
        format!("User {USER_SECRET}, Organization other-org-secret"),
    ];
    for auth in &crossed {
        let reply = server.get("/accounts", auth).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{auth}");
    }
    // The other organization's account is 403 to this one, not visible.
    let reply = server
        .get(
            &format!("/accounts/{}/users", other_org.default_account_id),
            &server.admin_auth(),
        )
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    let reply = server
        .get(
            &format!(
                "/accounts/{}/users/{}",
                other_org.default_account_id, other_org.admin_user_id
            ),
            &server.admin_auth(),
        )
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    // The same email exists in both organizations.
    let reply = server
        .get(
            &format!(
                "/accounts/{}/users/admin@localelements.test",
                other_org.default_account_id
            ),
            own,
        )
        .await;
    assert_eq!(reply.json()["id"], other_org.admin_user_id);
}

#[tokio::test]
async fn every_response_carries_a_request_id_and_errors_share_one_shape() {
    let server = TestServer::start().await;
    let auth = server.admin_auth();
    let account = server.default_account().await;
    let cases: Vec<(Method, String, StatusCode, &str)> = vec![
        (Method::GET, "/__admin/health".into(), StatusCode::OK, ""),
        (
            Method::GET,
            "/no/such/route".into(),
            StatusCode::NOT_FOUND,
            "No such resource",
        ),
        (
            Method::GET,
            "/__admin/nothing".into(),
            StatusCode::NOT_FOUND,
            "No such resource",
        ),
        (
            Method::PUT,
            format!("/accounts/{account}/users"),
            StatusCode::METHOD_NOT_ALLOWED,
            "Method PUT is not allowed",
        ),
        (
            Method::POST,
            format!("/accounts/{account}/users/1"),
            StatusCode::METHOD_NOT_ALLOWED,
            "not allowed",
        ),
        (
            Method::DELETE,
            "/__admin/health".into(),
            StatusCode::METHOD_NOT_ALLOWED,
            "not allowed",
        ),
    ];
    let mut ids = std::collections::HashSet::new();
    for (method, path, status, expected) in cases {
        let reply = server.send(method.clone(), &path, Some(&auth), None).await;
        assert_eq!(reply.status, status, "{method} {path}");
        ids.insert(reply.header("elements-request-id").unwrap().to_owned());
        if status.is_success() {
            assert_eq!(reply.json(), json!({"status": "ok"}));
        } else {
            assert!(
                reply.message().contains(expected),
                "{method} {path}: {}",
                reply.text
            );
        }
        if status == StatusCode::METHOD_NOT_ALLOWED {
            assert!(
                reply.header("allow").is_some(),
                "405 keeps its Allow header"
            );
        }
    }
    assert_eq!(ids.len(), 6, "request ids are unique");
}

#[tokio::test]
async fn last_login_date_is_today_after_a_request() {
    let server = TestServer::start().await;
    let account = server.default_account().await;
    let (id, auth) = server.create_user(account, "login@example.test", &[]).await;
    let reply = server
        .get(&format!("/accounts/{account}/users/{id}"), &auth)
        .await;
    let user = reply.json();
    assert_eq!(user["lastLoginDate"], user["createdDate"]);
    let today = time::OffsetDateTime::now_utc().date();
    assert_eq!(
        user["lastLoginDate"].as_str().unwrap(),
        localelements::domain::clock::format_date(today)
    );
}

/// The ids of an organization the test makes beside the server's own.
struct OtherOrg {
    default_account_id: i64,
    admin_user_id: i64,
}
