//! The accounts endpoints (docs/api.md#account-endpoints): org-admins only, the default account
//! first and undeletable, deletion as deactivation.
#![allow(clippy::unwrap_used)]

use crate::common::TestServer;
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn only_org_admins_may_touch_accounts_and_others_get_401() {
    let server = TestServer::start().await;
    let customer = server.create_account("Customer").await;
    let (_, admin) = server
        .create_user(customer, "a@example.test", &["admin"])
        .await;
    let (_, plain) = server.create_user(customer, "p@example.test", &[]).await;
    let body = json!({"name": "X"});
    for auth in [&admin, &plain] {
        for (method, path) in [
            (Method::GET, "/accounts".to_owned()),
            (Method::POST, "/accounts".to_owned()),
            (Method::GET, format!("/accounts/{customer}")),
            (Method::PATCH, format!("/accounts/{customer}")),
            (Method::DELETE, format!("/accounts/{customer}")),
        ] {
            let with_body = matches!(method, Method::POST | Method::PATCH).then_some(&body);
            let reply = server
                .send(method.clone(), &path, Some(auth), with_body)
                .await;
            assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{method} {path}");
        }
    }
}

#[tokio::test]
async fn accounts_are_created_read_and_updated() {
    let server = TestServer::start().await;
    let auth = server.admin_auth();
    let reply = server
        .post(
            "/accounts",
            &auth,
            &json!({"name": "Acme", "externalId": "acme-1", "description": "d"}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let account = reply.json();
    assert_eq!(account["name"], "Acme");
    assert_eq!(account["externalId"], "acme-1");
    assert_eq!(account["defaultAccount"], false);
    assert_eq!(account["type"], "CompanyAccount");
    assert_eq!(account["active"], true);
    assert_eq!(account["createdDate"].as_str().unwrap().len(), 10);
    let id = account["id"].as_i64().unwrap();
    assert_eq!(
        server.get(&format!("/accounts/{id}"), &auth).await.json(),
        account
    );

    for (body, status, expected) in [
        (json!({}), StatusCode::BAD_REQUEST, "name is required"),
        (
            json!({"name": ""}),
            StatusCode::BAD_REQUEST,
            "name is required",
        ),
        (
            json!({"name": 1}),
            StatusCode::BAD_REQUEST,
            "name: invalid type",
        ),
        (
            json!({"name": "B", "externalId": "acme-1"}),
            StatusCode::CONFLICT,
            "externalId",
        ),
    ] {
        let reply = server.post("/accounts", &auth, &body).await;
        assert_eq!(reply.status, status, "{body}");
        assert!(reply.message().contains(expected), "{body}: {}", reply.text);
    }

    let path = format!("/accounts/{id}");
    let updated = server
        .patch(
            &path,
            &auth,
            &json!({"name": "Acme Corp", "description": null}),
        )
        .await
        .json();
    assert_eq!(updated["name"], "Acme Corp");
    assert!(updated.get("description").is_none());
    assert_eq!(updated["externalId"], "acme-1");
    server
        .post(
            "/accounts",
            &auth,
            &json!({"name": "Other", "externalId": "other"}),
        )
        .await;
    let reply = server
        .patch(&path, &auth, &json!({"externalId": "other"}))
        .await;
    assert_eq!(reply.status, StatusCode::CONFLICT);
    let reply = server.patch(&path, &auth, &json!({"name": ""})).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);

    assert_eq!(
        server.get("/accounts/999999", &auth).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        server.get("/accounts/x", &auth).await.status,
        StatusCode::BAD_REQUEST
    );
    // The default account comes first in the list.
    let list = server.get("/accounts", &auth).await;
    assert_eq!(list.header("elements-total-count"), Some("3"));
    assert_eq!(list.json()[0]["defaultAccount"], true);
}

#[tokio::test]
async fn the_default_account_cannot_be_deleted_or_deactivated() {
    let server = TestServer::start().await;
    let default = server.default_account().await;
    let auth = server.admin_auth();
    let reply = server.delete(&format!("/accounts/{default}"), &auth).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    let reply = server
        .patch(
            &format!("/accounts/{default}"),
            &auth,
            &json!({"active": false}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(server.get("/accounts", &auth).await.status, StatusCode::OK);
}

#[tokio::test]
async fn deleting_an_account_deactivates_it_and_stops_its_users_at_once() {
    let server = TestServer::start().await;
    let auth = server.admin_auth();
    let customer = server.create_account("Customer").await;
    let (user, user_auth) = server
        .create_user(customer, "u@example.test", &["admin"])
        .await;
    let users = format!("/accounts/{customer}/users");
    assert_eq!(server.get(&users, &user_auth).await.status, StatusCode::OK);
    let reply = server.delete(&format!("/accounts/{customer}"), &auth).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.text, "");
    assert_eq!(
        server.get(&users, &user_auth).await.status,
        StatusCode::UNAUTHORIZED
    );
    // The account and its users stay readable, inactive.
    let account = server
        .get(&format!("/accounts/{customer}"), &auth)
        .await
        .json();
    assert_eq!(account["active"], false);
    let row = server.get(&format!("{users}/{user}"), &auth).await.json();
    assert_eq!(row["active"], false);
    let inactive = server
        .get("/accounts?where=active%20%3D%20false", &auth)
        .await
        .json();
    assert_eq!(inactive.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn deactivating_an_account_by_patch_deactivates_its_users_too() {
    let server = TestServer::start().await;
    let auth = server.admin_auth();
    let customer = server.create_account("Customer").await;
    let (user, user_auth) = server.create_user(customer, "u@example.test", &[]).await;
    let reply = server
        .patch(
            &format!("/accounts/{customer}"),
            &auth,
            &json!({"active": false}),
        )
        .await;
    assert_eq!(reply.json()["active"], false);
    assert_eq!(
        server.get("/accounts", &user_auth).await.status,
        StatusCode::UNAUTHORIZED
    );
    let row = server
        .get(&format!("/accounts/{customer}/users/{user}"), &auth)
        .await
        .json();
    assert_eq!(row["active"], false);
}
