//! The organization-wide user endpoints and the roles endpoints (docs/api.md#organization-wide-users,
//! docs/api.md#role-endpoints).
#![allow(clippy::unwrap_used)]

use crate::common::{self, TestServer};
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn users_are_listed_across_the_organizations_accounts() {
    let server = TestServer::start().await;
    let default = server.default_account().await;
    let customer = server.create_account("Customer").await;
    server.create_user(default, "d@example.test", &[]).await;
    let (_, customer_admin) = server
        .create_user(customer, "ca@example.test", &["admin"])
        .await;
    let (_, plain) = server.create_user(customer, "c@example.test", &[]).await;
    let auth = server.admin_auth();
    let all = server.get("/users", &auth).await;
    assert_eq!(all.status, StatusCode::OK);
    assert_eq!(all.header("elements-total-count"), Some("4"));
    let page = server.get("/users?pageSize=3", &auth).await;
    let token = page.header("elements-next-page-token").unwrap().to_owned();
    let rest = server
        .get(&format!("/users?pageSize=3&nextPage={token}"), &auth)
        .await;
    assert_eq!(rest.json().as_array().unwrap().len(), 1);
    let filtered = server
        .get("/users?where=email%20LIKE%20%27c%25%27", &auth)
        .await;
    assert_eq!(filtered.header("elements-total-count"), Some("2"));
    // An account admin sees their own account; a plain user may not list.
    let theirs = server.get("/users", &customer_admin).await;
    assert_eq!(theirs.header("elements-total-count"), Some("2"));
    assert_eq!(
        server.get("/users", &plain).await.status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn one_user_is_read_changed_and_deleted_by_id_or_email() {
    let server = TestServer::start().await;
    let customer = server.create_account("Customer").await;
    let password = server.new_password();
    let body = json!({"firstName": "O", "lastName": "U", "email": "Org.User@example.test", "password": password});
    let created = server
        .post(
            &format!("/accounts/{customer}/users"),
            &server.admin_auth(),
            &body,
        )
        .await;
    let id = created.id();
    let secret = created.json()["secret"].clone();
    let auth = server.admin_auth();
    for key in [
        id.to_string(),
        "org.user@EXAMPLE.test".to_owned(),
        "Org.User%40example.test".to_owned(),
    ] {
        let reply = server.get(&format!("/users/{key}"), &auth).await;
        assert_eq!(reply.status, StatusCode::OK, "{key}");
        assert_eq!(reply.json()["id"], id);
        assert!(reply.json().get("secret").is_none());
    }
    let reply = server
        .finish(
            server
                .client
                .get(server.url(&format!("/users/{id}")))
                .header("authorization", &auth)
                .header("elements-user-password", &password),
        )
        .await;
    assert_eq!(reply.json()["secret"], secret);
    let reply = server
        .patch(
            &format!("/users/{id}"),
            &auth,
            &json!({"lastName": "Changed"}),
        )
        .await;
    assert_eq!(reply.json()["fullName"], "O Changed");
    assert_eq!(
        server.delete(&format!("/users/{id}"), &auth).await.status,
        StatusCode::OK
    );
    assert_eq!(
        server.get(&format!("/users/{id}"), &auth).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        server.get("/users/nobody@example.test", &auth).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn users_of_other_organizations_are_403_and_missing_users_404() {
    let server = TestServer::start().await;
    let tenant = server.create_tenant().await;
    let (theirs, _) = server
        .create_user_in(&tenant, tenant.default_account, "same@example.test", &[])
        .await;
    server
        .create_user(server.default_account().await, "same@example.test", &[])
        .await;
    let auth = server.admin_auth();
    for (method, path) in [
        (Method::GET, format!("/users/{theirs}")),
        (Method::PATCH, format!("/users/{theirs}")),
        (Method::DELETE, format!("/users/{theirs}")),
        (Method::GET, format!("/users/{theirs}/roles")),
        (Method::PUT, format!("/users/{theirs}/roles/admin")),
        (Method::DELETE, format!("/users/{theirs}/roles/admin")),
    ] {
        let body = (method == Method::PATCH).then(|| json!({"firstName": "X"}));
        let reply = server
            .send(method.clone(), &path, Some(&auth), body.as_ref())
            .await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{method} {path}");
        let missing = path.replace(&theirs.to_string(), "999999");
        let reply = server
            .send(method.clone(), &missing, Some(&auth), body.as_ref())
            .await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{method} {missing}");
    }
    // By email, only one's own organization is searched.
    let mine = server.get("/users/same@example.test", &auth).await.json();
    assert_ne!(mine["id"], theirs);
    // And the tenant's user is untouched.
    let reply = server.get(&format!("/users/{theirs}"), &tenant.auth).await;
    assert_eq!(reply.json()["firstName"], "Test");
}

#[tokio::test]
async fn roles_are_listed_granted_and_revoked() {
    let server = TestServer::start().await;
    let default = server.default_account().await;
    let (id, _) = server.create_user(default, "r@example.test", &[]).await;
    let auth = server.admin_auth();
    let roles = |reply: common::Reply| -> Vec<String> {
        reply
            .json()
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["key"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        roles(server.get(&format!("/users/{id}/roles"), &auth).await),
        ["org"]
    );
    let reply = server
        .send(
            Method::PUT,
            &format!("/users/{id}/roles/admin"),
            Some(&auth),
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    let role = reply.json();
    assert_eq!(
        role,
        json!({"id": 3, "key": "admin", "name": "Administrator",
        "description": role["description"], "active": true, "features": []})
    );
    let again = server
        .send(
            Method::PUT,
            &format!("/users/{id}/roles/admin"),
            Some(&auth),
            None,
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert_eq!(
        roles(server.get(&format!("/users/{id}/roles"), &auth).await),
        ["admin", "org"]
    );
    let reply = server
        .delete(&format!("/users/{id}/roles/admin"), &auth)
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.text, "");
    let reply = server
        .delete(&format!("/users/{id}/roles/admin"), &auth)
        .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    let reply = server
        .send(
            Method::PUT,
            &format!("/users/{id}/roles/foo"),
            Some(&auth),
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.message(), "Invalid role: foo");
    let reply = server
        .send(Method::PUT, "/users/999999/roles/admin", Some(&auth), None)
        .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
}

/// The grant table (docs/api.md#grant-rules) through `PUT` and `DELETE /users/{id}/roles/{key}`:
/// caller × target × role → status.
#[tokio::test]
async fn the_role_matrix_holds() {
    let server = TestServer::start().await;
    let default = server.default_account().await;
    let customer = server.create_account("Customer").await;
    let other = server.create_account("Other").await;
    let org_admin = server.admin_auth();
    let org_admin_id = server.server.credentials().admin_user_id;
    let (default_admin_id, default_admin) = server
        .create_user(default, "da@example.test", &["admin"])
        .await;
    let (customer_admin_id, customer_admin) = server
        .create_user(customer, "ca@example.test", &["admin"])
        .await;
    let (_, plain) = server.create_user(customer, "p@example.test", &[]).await;
    let callers = [
        ("org-admin", org_admin.as_str(), org_admin_id),
        ("default admin", default_admin.as_str(), default_admin_id),
        ("customer admin", customer_admin.as_str(), customer_admin_id),
        ("plain", plain.as_str(), 0),
    ];
    use StatusCode as S;
    // (caller, target account, role, PUT status); a fresh target user each row.
    let cases: &[(&str, &str, &str, StatusCode)] = &[
        ("org-admin", "default", "org-admin", S::OK),
        ("org-admin", "default", "admin", S::OK),
        ("org-admin", "default", "org", S::FORBIDDEN), // automatic, never granted by hand
        ("org-admin", "default", "sys-admin", S::FORBIDDEN),
        ("org-admin", "customer", "org-admin", S::FORBIDDEN),
        ("org-admin", "customer", "admin", S::OK),
        ("org-admin", "customer", "org", S::FORBIDDEN),
        ("org-admin", "customer", "nope", S::BAD_REQUEST),
        ("default admin", "default", "admin", S::OK),
        ("default admin", "default", "org-admin", S::FORBIDDEN),
        ("default admin", "customer", "admin", S::FORBIDDEN),
        ("customer admin", "customer", "admin", S::OK),
        ("customer admin", "customer", "org-admin", S::FORBIDDEN),
        ("customer admin", "customer", "sys-admin", S::FORBIDDEN),
        ("customer admin", "other", "admin", S::FORBIDDEN),
        ("customer admin", "default", "admin", S::FORBIDDEN),
        ("plain", "customer", "admin", S::FORBIDDEN),
    ];
    for (n, (who, target, key, expected)) in cases.iter().enumerate() {
        let account = match *target {
            "default" => default,
            "customer" => customer,
            _ => other,
        };
        let (target_id, _) = server
            .create_user(account, &format!("t{n}@example.test"), &[])
            .await;
        let auth = callers.iter().find(|c| c.0 == *who).unwrap().1;
        let path = format!("/users/{target_id}/roles/{key}");
        let reply = server.send(Method::PUT, &path, Some(auth), None).await;
        assert_eq!(
            reply.status, *expected,
            "{who} grants {key} in {target}: {}",
            reply.text
        );
        if *expected == S::OK {
            // Who may grant may revoke.
            let reply = server.delete(&path, auth).await;
            assert_eq!(reply.status, S::OK, "{who} revokes {key} in {target}");
        }
    }
    // Nobody changes their own roles, whatever the role.
    for (who, auth, id) in callers.iter().filter(|c| c.2 != 0) {
        for method in [Method::PUT, Method::DELETE] {
            let path = format!("/users/{id}/roles/admin");
            let reply = server.send(method.clone(), &path, Some(auth), None).await;
            assert_eq!(reply.status, S::FORBIDDEN, "{who} {method} own role");
        }
    }
    // `org` is automatic and cannot be revoked by hand.
    let (member, _) = server.create_user(default, "m@example.test", &[]).await;
    let reply = server
        .delete(&format!("/users/{member}/roles/org"), &org_admin)
        .await;
    assert_eq!(reply.status, S::FORBIDDEN);
}

#[tokio::test]
async fn an_admin_may_not_change_or_remove_a_user_above_them() {
    let server = TestServer::start().await;
    let default = server.default_account().await;
    let org_admin = server.server.credentials().admin_user_id;
    let (_, admin) = server
        .create_user(default, "da@example.test", &["admin"])
        .await;
    let (plain, _) = server.create_user(default, "p@example.test", &[]).await;
    let path = |id: i64| format!("/accounts/{default}/users/{id}");
    // An org-admin's password would hand the admin the org-admin's secret.
    for (method, body) in [
        (Method::PATCH, Some(json!({"password": "taken-over"}))),
        (Method::PATCH, Some(json!({"active": false}))),
        (Method::DELETE, None),
    ] {
        let reply = server
            .send(
                method.clone(),
                &path(org_admin),
                Some(&admin),
                body.as_ref(),
            )
            .await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{method}");
        assert!(reply.message().contains("org-admin"));
        let reply = server
            .send(
                method.clone(),
                &format!("/users/{org_admin}"),
                Some(&admin),
                body.as_ref(),
            )
            .await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{method} /users");
    }
    let reply = server
        .send(
            Method::PUT,
            &format!("/users/{org_admin}/roles/admin"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    // Users at or below them are theirs to manage.
    let reply = server
        .patch(&path(plain), &admin, &json!({"firstName": "Fine"}))
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(
        server.delete(&path(plain), &admin).await.status,
        StatusCode::OK
    );
    // The org-admin is untouched and still authenticates.
    assert_eq!(
        server.get("/accounts", &server.admin_auth()).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn only_an_org_admin_learns_that_a_user_does_not_exist() {
    let server = TestServer::start().await;
    let customer = server.create_account("Customer").await;
    let (_, plain) = server.create_user(customer, "p@example.test", &[]).await;
    server
        .create_user(customer, "exists@example.test", &[])
        .await;
    for key in ["exists@example.test", "missing@example.test", "999999"] {
        let reply = server.get(&format!("/users/{key}"), &plain).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{key}");
    }
    let reply = server
        .get("/users/missing@example.test", &server.admin_auth())
        .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
}
