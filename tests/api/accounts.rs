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
        (json!({}), StatusCode::BAD_REQUEST, "externalId is required"),
        (
            json!({"name": "No external id"}),
            StatusCode::BAD_REQUEST,
            "externalId is required",
        ),
        (
            json!({"externalId": " "}),
            StatusCode::BAD_REQUEST,
            "externalId is required",
        ),
        (
            json!({"externalId": 1}),
            StatusCode::BAD_REQUEST,
            "externalId: invalid type",
        ),
        (
            json!({"externalId": "x-1", "name": ""}),
            StatusCode::BAD_REQUEST,
            "name is required",
        ),
        (
            json!({"externalId": "x-1", "name": 1}),
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
async fn an_account_needs_only_an_external_id_and_shows_its_dates_and_company() {
    let server = TestServer::start().await;
    let auth = server.admin_auth();
    let reply = server
        .post("/accounts", &auth, &json!({"externalId": "only-ext"}))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let account = reply.json();
    assert_eq!(account["name"], "only-ext");
    assert_eq!(account["externalId"], "only-ext");
    assert_eq!(account["updatedDate"], account["createdDate"]);
    assert_eq!(
        account["companyId"],
        server.server.credentials().organization_id
    );
    let listed = server.get("/accounts", &auth).await.json();
    assert!(listed
        .as_array()
        .unwrap()
        .iter()
        .all(|account| account["companyId"].is_i64() && account["updatedDate"].is_string()));
}

/// As the real service documents: "Deleting an account will delete all
/// users contained within that account"; and its test suite creates an
/// account with the same `externalId` right after deleting one.
#[tokio::test]
async fn deleting_an_account_deletes_it_and_its_users_and_frees_their_names() {
    let server = TestServer::start().await;
    let auth = server.admin_auth();
    let body = json!({"externalId": "churros-1", "name": "Churros"});
    for round in 0..2 {
        let reply = server.post("/accounts", &auth, &body).await;
        assert_eq!(
            reply.status,
            StatusCode::OK,
            "round {round}: {}",
            reply.text
        );
        let customer = reply.id();
        let (user, user_auth) = server
            .create_user(customer, "u@example.test", &["admin"])
            .await;
        let users = format!("/accounts/{customer}/users");
        assert_eq!(server.get(&users, &user_auth).await.status, StatusCode::OK);
        let reply = server.delete(&format!("/accounts/{customer}"), &auth).await;
        assert_eq!(reply.status, StatusCode::OK);
        assert_eq!(reply.text, "");
        // Its users' secrets stop working at once.
        assert_eq!(
            server.get(&users, &user_auth).await.status,
            StatusCode::UNAUTHORIZED
        );
        // The account and its users are gone.
        let reply = server.get(&format!("/accounts/{customer}"), &auth).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND);
        let reply = server.get(&format!("/users/{user}"), &auth).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND);
        let reply = server.delete(&format!("/accounts/{customer}"), &auth).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND);
        let listed = server.get("/accounts", &auth).await.json();
        assert_eq!(
            listed.as_array().unwrap().len(),
            1,
            "only the default account"
        );
    }
    // A page token issued before a delete still gives the right next page.
    let first = server.create_account("First").await;
    let second = server.create_account("Second").await;
    let page = server.get("/accounts?pageSize=2", &auth).await;
    let token = page.header("elements-next-page-token").unwrap().to_owned();
    assert_eq!(page.json()[1]["id"], first);
    let reply = server.delete(&format!("/accounts/{first}"), &auth).await;
    assert_eq!(reply.status, StatusCode::OK);
    let next = server
        .get(&format!("/accounts?pageSize=2&nextPage={token}"), &auth)
        .await;
    assert_eq!(next.status, StatusCode::OK, "{}", next.text);
    let ids: Vec<i64> = next
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|account| account["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [second]);
    // The default account cannot be deleted.
    let default = server.default_account().await;
    let reply = server.delete(&format!("/accounts/{default}"), &auth).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
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
        .get(
            &format!("/accounts/{customer}/users/{user}?includeInactive=true"),
            &auth,
        )
        .await
        .json();
    assert_eq!(row["active"], false);
    // Without includeInactive, the inactive account is not there to reads.
    let reply = server.get(&format!("/accounts/{customer}"), &auth).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    let reply = server
        .get(&format!("/accounts/{customer}?includeInactive=true"), &auth)
        .await;
    assert_eq!(reply.json()["active"], false);
    let listed = server.get("/accounts", &auth).await;
    assert_eq!(listed.header("elements-total-count"), Some("1"));
    let listed = server.get("/accounts?includeInactive=true", &auth).await;
    assert_eq!(listed.header("elements-total-count"), Some("2"));
    // PATCH reaches it either way.
    let reply = server
        .patch(
            &format!("/accounts/{customer}"),
            &auth,
            &json!({"active": true}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK);
}

/// The real service's clients expect 404 for `-1`: an integer id that
/// names nothing is 404 wherever it is; one that is not an integer, 400.
#[tokio::test]
async fn non_positive_ids_are_404_and_non_integers_400() {
    let server = TestServer::start().await;
    let auth = server.admin_auth();
    let default = server.default_account().await;
    for path in [
        "/accounts/-1".to_owned(),
        "/accounts/0".to_owned(),
        "/accounts/-1/users".to_owned(),
        format!("/accounts/{default}/users/-1"),
    ] {
        let reply = server.get(&path, &auth).await;
        assert_eq!(
            reply.status,
            StatusCode::NOT_FOUND,
            "{path}: {}",
            reply.text
        );
    }
    for method in [reqwest::Method::PATCH, reqwest::Method::DELETE] {
        let reply = server
            .send(
                method.clone(),
                "/accounts/-1",
                Some(&auth),
                Some(&json!({})),
            )
            .await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{method}");
    }
    let reply = server.get("/accounts/foo", &auth).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(reply.message().contains("Invalid account id 'foo'"));
}

/// `PUT` replaces, `PATCH` merges.
#[tokio::test]
async fn put_replaces_an_account_and_patch_merges() {
    let server = TestServer::start().await;
    let auth = server.admin_auth();
    let created = server
        .post(
            "/accounts",
            &auth,
            &json!({"externalId": "put-1", "name": "Put", "description": "old"}),
        )
        .await
        .json();
    let path = format!("/accounts/{}", created["id"]);
    let merged = server
        .patch(&path, &auth, &json!({"name": "Merged"}))
        .await
        .json();
    assert_eq!(
        merged["description"], "old",
        "PATCH keeps what it does not name"
    );
    let replaced = server
        .send(
            Method::PUT,
            &path,
            Some(&auth),
            Some(&json!({"externalId": "put-2"})),
        )
        .await;
    assert_eq!(replaced.status, StatusCode::OK, "{}", replaced.text);
    let replaced = replaced.json();
    assert_eq!(replaced["name"], "put-2");
    assert_eq!(replaced["externalId"], "put-2");
    assert!(
        replaced.get("description").is_none(),
        "PUT clears what it does not give"
    );
    assert_eq!(replaced["id"], created["id"]);
    for (body, expected) in [
        (json!({}), "externalId is required"),
        (json!({"name": "No id"}), "externalId is required"),
    ] {
        let reply = server
            .send(Method::PUT, &path, Some(&auth), Some(&body))
            .await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{body}");
        assert!(reply.message().contains(expected), "{}", reply.text);
    }
    let reply = server
        .send(
            Method::PUT,
            "/accounts/999999",
            Some(&auth),
            Some(&json!({"externalId": "x"})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
}

/// A path with a trailing slash is the same route (`POST /accounts/`, as
/// the real service's test suite sends it).
#[tokio::test]
async fn a_trailing_slash_is_the_same_route() {
    let server = TestServer::start().await;
    let auth = server.admin_auth();
    let reply = server
        .post("/accounts/", &auth, &json!({"externalId": "slash"}))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let id = reply.id();
    for path in [
        format!("/accounts/{id}/"),
        "/accounts/".to_owned(),
        "/users/".to_owned(),
    ] {
        let reply = server.get(&path, &auth).await;
        assert_eq!(reply.status, StatusCode::OK, "{path}: {}", reply.text);
    }
    let reply = server.delete(&format!("/accounts/{id}/"), &auth).await;
    assert_eq!(reply.status, StatusCode::OK);
}

/// An account's roles: every user created in it afterwards starts with
/// them. Grant rules as for a user of the account; the key is checked
/// first.
#[tokio::test]
async fn account_roles_are_given_to_its_new_users() {
    let server = TestServer::start().await;
    let auth = server.admin_auth();
    let customer = server.create_account("Roles").await;
    let roles = format!("/accounts/{customer}/roles");
    let put = |path: String| {
        let auth = auth.clone();
        let server = &server;
        async move { server.send(Method::PUT, &path, Some(&auth), None).await }
    };
    let granted = put(format!("{roles}/admin")).await;
    assert_eq!(granted.status, StatusCode::OK, "{}", granted.text);
    assert_eq!(granted.json()["key"], "admin");
    assert_eq!(
        put(format!("{roles}/admin")).await.status,
        StatusCode::CONFLICT
    );
    let listed = server.get(&roles, &auth).await.json();
    assert_eq!(listed[0]["key"], "admin");
    assert_eq!(listed.as_array().unwrap().len(), 1);

    let (user, _) = server.create_user(customer, "starts@roles.test", &[]).await;
    let shown = server.get(&format!("/users/{user}"), &auth).await.json();
    assert_eq!(shown["roles"][0]["key"], "admin", "{shown}");

    let tenant = server.create_tenant().await;
    for (path, status) in [
        (format!("{roles}/sys-admin"), StatusCode::FORBIDDEN),
        (format!("{roles}/org-admin"), StatusCode::FORBIDDEN),
        (format!("{roles}/org"), StatusCode::FORBIDDEN),
        (format!("{roles}/boss"), StatusCode::BAD_REQUEST),
        (
            format!("/accounts/{}/roles/boss", tenant.default_account),
            StatusCode::BAD_REQUEST,
        ),
        (
            format!("/accounts/{}/roles/admin", tenant.default_account),
            StatusCode::FORBIDDEN,
        ),
        (
            "/accounts/999999/roles/admin".to_owned(),
            StatusCode::NOT_FOUND,
        ),
    ] {
        let reply = put(path.clone()).await;
        assert_eq!(reply.status, status, "{path}: {}", reply.text);
    }
    let (_, admin) = server
        .create_user(customer, "admin@roles.test", &["admin"])
        .await;
    let reply = server.get(&roles, &admin).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);

    let revoked = server.delete(&format!("{roles}/admin"), &auth).await;
    assert_eq!(revoked.status, StatusCode::OK);
    let again = server.delete(&format!("{roles}/admin"), &auth).await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
    assert_eq!(server.get(&roles, &auth).await.json(), json!([]));
    // A user created before keeps the role.
    let shown = server.get(&format!("/users/{user}"), &auth).await.json();
    assert_eq!(shown["roles"][0]["key"], "admin");
}

/// Fixtures take accounts with only an `externalId`, and account roles,
/// which the account's users hold too.
#[tokio::test]
async fn fixtures_take_external_id_only_accounts_and_account_roles() {
    let server = TestServer::start().await;
    let fixture = json!({"organizations": [{"name": "Fx", "secret": "fx-org", "accounts": [
        {"name": "Company Default Account", "default": true, "users": [
            {"firstName": "O", "lastName": "A", "email": "oa@fx.test", "secret": "fx-admin",
             "roles": ["org-admin"]}]},
        {"externalId": "fx-customer", "roles": ["admin"], "users": [
            {"firstName": "C", "lastName": "U", "email": "cu@fx.test"}]}]}]});
    let reply = server
        .send(Method::POST, "/__admin/seed", None, Some(&fixture))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let auth = "User fx-admin, Organization fx-org";
    let accounts = server.get("/accounts", auth).await.json();
    assert_eq!(accounts[1]["name"], "fx-customer");
    let customer = accounts[1]["id"].as_i64().unwrap();
    let roles = server
        .get(&format!("/accounts/{customer}/roles"), auth)
        .await
        .json();
    assert_eq!(roles[0]["key"], "admin");
    let user = server.get("/users/cu%40fx.test", auth).await.json();
    assert_eq!(user["roles"][0]["key"], "admin", "{user}");
    let bad = json!({"organizations": [{"name": "Bad", "accounts": [{"users": []}]}]});
    let reply = server
        .send(Method::POST, "/__admin/seed", None, Some(&bad))
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(
        reply
            .message()
            .contains("organizations[0].accounts[0].name"),
        "{}",
        reply.text
    );
}
