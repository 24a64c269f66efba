//! Fixtures: `POST /__admin/seed` and `--seed FILE` (docs/controls.md#fixtures).
#![allow(clippy::unwrap_used)]

use crate::common::{self, TestServer};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

fn spec_example() -> Value {
    json!({"organizations": [{"name": "Acme", "secret": "org-secret",
        "accounts": [{"name": "Company Default Account", "default": true,
          "users": [{"firstName": "A", "lastName": "B", "email": "a@acme.test",
                     "password": "Pw-acme-admin", "secret": "user-secret",
                     "roles": ["org-admin"], "active": true,
                     "createdDate": "2017-01-18"}]},
          {"name": "Customer 1", "externalId": "c-1", "users": [
              {"firstName": "C", "lastName": "D", "email": "c@acme.test"}]}]}]})
}

#[tokio::test]
async fn the_spec_fixture_loads_and_its_secrets_and_passwords_work_at_once() {
    let server = TestServer::start().await;
    let reply = server
        .send(Method::POST, "/__admin/seed", None, Some(&spec_example()))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let report = reply.json();
    let organization = &report["organizations"][0];
    assert_eq!(organization["secret"], "org-secret");
    let default = &organization["accounts"][0];
    assert_eq!(default["defaultAccount"], true);
    let admin = &default["users"][0];
    assert_eq!(
        admin["authorization"],
        "User user-secret, Organization org-secret"
    );
    let generated = organization["accounts"][1]["users"][0]["secret"]
        .as_str()
        .unwrap();
    assert!(generated.len() >= 43, "omitted secrets are generated");

    let auth = "User user-secret, Organization org-secret";
    let accounts = server.get("/accounts", auth).await.json();
    assert_eq!(accounts.as_array().unwrap().len(), 2);
    assert_eq!(accounts[1]["externalId"], "c-1");
    assert_eq!(accounts[1]["type"], "CompanyAccount");
    let path = format!("/accounts/{}/users/a@acme.test", default["id"]);
    let reply = server
        .finish(
            server
                .client
                .get(server.url(&path))
                .header("authorization", auth)
                .header("elements-user-password", "Pw-acme-admin"),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let user = reply.json();
    assert_eq!(user["secret"], "user-secret");
    assert_eq!(user["createdDate"], "2017-01-18");
    let roles: Vec<&str> = user["roles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["key"].as_str().unwrap())
        .collect();
    assert_eq!(roles, ["org-admin", "org"]);
    // The seeded customer user authenticates with its generated secret.
    let customer_auth = format!("User {generated}, Organization org-secret");
    let customer_user = organization["accounts"][1]["users"][0]["id"]
        .as_i64()
        .unwrap();
    let reply = server
        .get(
            &format!(
                "/accounts/{}/users/{customer_user}",
                organization["accounts"][1]["id"]
            ),
            &customer_auth,
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK);
}

#[tokio::test]
async fn an_invalid_fixture_changes_nothing_and_names_the_path() {
    let server = TestServer::start().await;
    let mut fixture = spec_example();
    fixture["organizations"][0]["accounts"][1]["users"]
        .as_array_mut()
        .unwrap()
        .extend([
            json!({"firstName": "E", "lastName": "F", "email": "e@acme.test"}),
            json!({"firstName": "G", "lastName": "H", "email": "g@acme.test"}),
            json!({"firstName": "I", "lastName": "J", "email": "A@ACME.test"}),
        ]);
    let reply = server
        .send(Method::POST, "/__admin/seed", None, Some(&fixture))
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        reply.message(),
        "organizations[0].accounts[1].users[3].email: duplicate"
    );
    let auth = "User user-secret, Organization org-secret";
    assert_eq!(
        server.get("/accounts", auth).await.status,
        StatusCode::UNAUTHORIZED
    );

    // A secret already in the database: the whole fixture is refused.
    let clash = json!({"organizations": [
        {"name": "Fine", "secret": "fine-org", "accounts": [{"name": "D", "default": true,
            "users": [{"firstName": "A", "lastName": "B", "email": "a@x", "secret": "fine-user", "roles": ["org-admin"]}]}]},
        {"name": "Clash", "secret": common::ORG_SECRET}]});
    let reply = server
        .send(Method::POST, "/__admin/seed", None, Some(&clash))
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.message(), "organizations[1].secret: already in use");
    let fine = "User fine-user, Organization fine-org";
    assert_eq!(
        server.get("/accounts", fine).await.status,
        StatusCode::UNAUTHORIZED
    );

    for (body, expected) in [
        ("not json", "$"),
        ("[]", "$: expected a JSON object"),
        ("{}", "missing field `organizations`"),
    ] {
        let reply = server
            .finish(server.client.post(server.url("/__admin/seed")).body(body))
            .await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{body}");
        assert!(reply.message().contains(expected), "{body}: {}", reply.text);
    }
}

#[tokio::test]
async fn the_seed_flag_loads_a_fixture_into_a_new_database_only() {
    let dir = tempfile::tempdir().unwrap();
    let fixture = dir.path().join("fixture.json");
    // First a broken fixture: the start fails and leaves the database empty…
    std::fs::write(
        &fixture,
        r#"{"organizations": [{"name": "X", "secret": ""}]}"#,
    )
    .unwrap();
    let mut config = common::test_config(&dir);
    config.seed = Some(fixture.clone());
    let error = localelements::Server::start(config.clone())
        .await
        .err()
        .unwrap();
    assert!(
        error.to_string().contains("organizations[0].secret"),
        "{error}"
    );
    // …so a fixed fixture loads on the next start.
    std::fs::write(&fixture, spec_example().to_string()).unwrap();
    let server = TestServer::start_with(dir, config.clone()).await;
    let auth = "User user-secret, Organization org-secret";
    assert_eq!(server.get("/accounts", auth).await.status, StatusCode::OK);
    assert_eq!(
        server.get("/accounts", &server.admin_auth()).await.status,
        StatusCode::OK
    );
    let TestServer { server, dir, .. } = server;
    server.stop().await.unwrap();
    // A later start on the same database does not load it again.
    std::fs::write(&fixture, "this would not even parse").unwrap();
    let again = TestServer::start_with(dir, config).await;
    assert_eq!(again.get("/accounts", auth).await.status, StatusCode::OK);
}
