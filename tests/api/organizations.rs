//! The caller's organization (docs/api.md#the-callers-organization):
//! `/organizations/me`, `/organizations/users…` and
//! `/organizations/{id}/accounts…`, as the real service's clients call them.
#![allow(clippy::unwrap_used)]

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::common::TestServer;

#[tokio::test]
async fn the_organization_is_shown_and_renamed_by_org_admins_only() {
    let server = TestServer::start().await;
    let auth = server.admin_auth();
    let me = server.get("/organizations/me", &auth).await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.text);
    let me = me.json();
    assert_eq!(me["id"], server.server.credentials().organization_id);
    assert_eq!(me["active"], true);
    assert!(me["createdDate"].is_string());
    let renamed = server
        .send(
            Method::PUT,
            "/organizations/me",
            Some(&auth),
            Some(&json!({"name": "Renamed", "id": 999})),
        )
        .await;
    assert_eq!(renamed.status, StatusCode::OK, "{}", renamed.text);
    assert_eq!(renamed.json()["name"], "Renamed");
    assert_eq!(renamed.json()["id"], me["id"]);
    assert_eq!(
        server.get("/organizations/me", &auth).await.json()["name"],
        "Renamed"
    );
    for (body, expected) in [
        (json!({}), "name is required"),
        (json!({"name": " "}), "name is required"),
    ] {
        let reply = server
            .send(Method::PUT, "/organizations/me", Some(&auth), Some(&body))
            .await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{body}");
        assert!(reply.message().contains(expected), "{}", reply.text);
    }
    let account = server.default_account().await;
    let (_, plain) = server.create_user(account, "plain@org.test", &[]).await;
    let (_, admin) = server
        .create_user(account, "admin@org.test", &["admin"])
        .await;
    for caller in [&plain, &admin] {
        let reply = server.get("/organizations/me", caller).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
        let reply = server
            .send(
                Method::PUT,
                "/organizations/me",
                Some(caller),
                Some(&json!({"name": "X"})),
            )
            .await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    }
}

#[tokio::test]
async fn organization_users_are_the_default_accounts() {
    let server = TestServer::start().await;
    let auth = server.admin_auth();
    let customer = server.create_account("Customer").await;
    server
        .create_user(customer, "elsewhere@org.test", &[])
        .await;
    let created = server
        .post(
            "/organizations/users",
            &auth,
            &json!({"firstName": "Org", "lastName": "User", "email": "org@org.test",
                    "password": server.new_password()}),
        )
        .await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.text);
    let user = created.json();
    assert!(user["secret"].is_string());
    let keys: Vec<&str> = user["roles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|role| role["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, ["org"], "a user of the default account holds org");
    let id = user["id"].as_i64().unwrap();

    let listed = server.get("/organizations/users", &auth).await;
    assert_eq!(listed.status, StatusCode::OK);
    let listed_json = listed.json();
    let emails: Vec<&str> = listed_json
        .as_array()
        .unwrap()
        .iter()
        .map(|user| user["email"].as_str().unwrap())
        .collect();
    assert!(emails.contains(&"org@org.test"));
    assert_eq!(
        listed.header("elements-total-count"),
        Some("2"),
        "admin and the new user"
    );

    for path in [
        format!("/organizations/users/{id}"),
        "/organizations/users/ORG%40org.test".to_owned(),
    ] {
        let reply = server.get(&path, &auth).await;
        assert_eq!(reply.status, StatusCode::OK, "{path}");
        assert_eq!(reply.json()["id"], id);
    }
    let patched = server
        .patch(
            &format!("/organizations/users/{id}"),
            &auth,
            &json!({"lastName": "Changed"}),
        )
        .await;
    assert_eq!(patched.json()["lastName"], "Changed");
    let duplicate = server
        .post(
            "/organizations/users",
            &auth,
            &json!({"firstName": "A", "lastName": "B", "email": "ORG@org.test", "password": "pw"}),
        )
        .await;
    assert_eq!(duplicate.status, StatusCode::CONFLICT);
    let empty = server.post("/organizations/users", &auth, &json!({})).await;
    assert_eq!(empty.status, StatusCode::BAD_REQUEST);
    let deleted = server
        .delete(&format!("/organizations/users/{id}"), &auth)
        .await;
    assert_eq!(deleted.status, StatusCode::OK);
    let gone = server
        .get(&format!("/organizations/users/{id}"), &auth)
        .await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
    let elsewhere = server
        .get("/organizations/users/elsewhere%40org.test", &auth)
        .await;
    assert_eq!(
        elsewhere.status,
        StatusCode::NOT_FOUND,
        "not in the default account"
    );
}

#[tokio::test]
async fn organization_accounts_are_for_the_callers_own_organization() {
    let server = TestServer::start().await;
    let auth = server.admin_auth();
    let org = server.server.credentials().organization_id;
    let created = server
        .post(
            &format!("/organizations/{org}/accounts"),
            &auth,
            &json!({"externalId": "via-org"}),
        )
        .await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.text);
    let account = created.json();
    assert_eq!(account["name"], "via-org");
    let id = account["id"].as_i64().unwrap();
    let listed = server
        .get(&format!("/organizations/{org}/accounts"), &auth)
        .await;
    assert_eq!(listed.status, StatusCode::OK);
    assert_eq!(listed.header("elements-total-count"), Some("2"));
    let shown = server
        .get(&format!("/organizations/{org}/accounts/{id}"), &auth)
        .await;
    assert_eq!(shown.json(), account);

    let tenant = server.create_tenant().await;
    let foreign = tenant.organization_id;
    for (path, status) in [
        (
            format!("/organizations/{foreign}/accounts"),
            StatusCode::FORBIDDEN,
        ),
        (
            format!("/organizations/{foreign}/accounts/{id}"),
            StatusCode::FORBIDDEN,
        ),
        (
            "/organizations/999999/accounts".to_owned(),
            StatusCode::NOT_FOUND,
        ),
        (
            "/organizations/-1/accounts".to_owned(),
            StatusCode::NOT_FOUND,
        ),
        (
            "/organizations/foo/accounts".to_owned(),
            StatusCode::BAD_REQUEST,
        ),
        (
            format!("/organizations/{org}/accounts/{}", tenant.default_account),
            StatusCode::FORBIDDEN,
        ),
    ] {
        let reply = server.get(&path, &auth).await;
        assert_eq!(reply.status, status, "{path}: {}", reply.text);
    }
    let account_id = server.default_account().await;
    let (_, admin) = server
        .create_user(account_id, "admin@orgacc.test", &["admin"])
        .await;
    let reply = server
        .get(&format!("/organizations/{org}/accounts"), &admin)
        .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
}
