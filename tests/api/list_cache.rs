//! Lists of users are kept per organization until a write changes that
//! organization's users, or anyone's (docs/controls.md#tenants): after
//! every kind of write the same list, asked again, shows it.
#![allow(clippy::unwrap_used)]

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::common::TestServer;

/// The users a list shows, by email, with what `field` holds for each,
/// and its `Elements-Total-Count`; nobody for `No users found`.
async fn listed(server: &TestServer, path: &str, auth: &str, field: &str) -> (Vec<String>, i64) {
    let reply = server.get(path, auth).await;
    if reply.status == StatusCode::NOT_FOUND {
        return (Vec::new(), 0);
    }
    assert_eq!(reply.status, StatusCode::OK, "{path}: {}", reply.text);
    let total = reply
        .header("elements-total-count")
        .unwrap()
        .parse()
        .unwrap();
    let users = reply
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|user| format!("{} {}", user["email"].as_str().unwrap(), user[field]))
        .collect();
    (users, total)
}

#[tokio::test]
async fn a_list_asked_again_shows_every_kind_of_write() {
    let server = TestServer::start().await;
    let org = server.server_org();
    let auth = org.auth.as_str();
    let account = org.default_account;
    let page = format!("/accounts/{account}/users?pageSize=50");
    let named = format!("/accounts/{account}/users?where=firstName%20%3D%20%27Kept%27");

    // Each asked before every write, so each answer after it could be the
    // kept one.
    let ask = |path: String, field: &'static str| {
        let server = &server;
        async move { listed(server, &path, auth, field).await }
    };
    let (before, _) = ask(page.clone(), "firstName").await;
    assert_eq!(ask(named.clone(), "id").await.1, 0);
    assert_eq!(ask("/users".to_owned(), "id").await.1, 1);

    // A create.
    let body = json!({"firstName": "Kept", "lastName": "User", "email": "kept@list.test",
                      "password": server.new_password()});
    let reply = server
        .post(&format!("/accounts/{account}/users"), auth, &body)
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let id = reply.id();
    let (users, total) = ask(page.clone(), "firstName").await;
    assert_eq!(total, before.len() as i64 + 1);
    assert!(
        users.contains(&"kept@list.test \"Kept\"".to_owned()),
        "{users:?}"
    );
    assert_eq!(ask(named.clone(), "id").await.1, 1);
    assert_eq!(ask("/users".to_owned(), "id").await.1, 2);

    // A change.
    let reply = server
        .patch(
            &format!("/accounts/{account}/users/{id}"),
            auth,
            &json!({"firstName": "Changed"}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let (users, _) = ask(page.clone(), "firstName").await;
    assert!(
        users.contains(&"kept@list.test \"Changed\"".to_owned()),
        "{users:?}"
    );
    assert_eq!(ask(named.clone(), "id").await.1, 0);

    // A role granted (a write of the role routes, not of the batch).
    let reply = server
        .send(
            Method::PUT,
            &format!("/users/{id}/roles/admin"),
            Some(auth),
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let (users, _) = ask(page.clone(), "roles").await;
    let kept = users
        .iter()
        .find(|user| user.starts_with("kept@list.test "))
        .unwrap();
    assert!(kept.contains("\"admin\""), "{kept}");

    // Another organization's writes leave the list as it is.
    let tenant = server.create_tenant().await;
    server
        .create_user_in(&tenant, tenant.default_account, "other@list.test", &[])
        .await;
    let (users, total) = ask(page.clone(), "firstName").await;
    assert_eq!(total, before.len() as i64 + 1);
    assert!(!users.iter().any(|user| user.contains("other@list.test")));

    // Deactivated: hidden from a default list.
    let reply = server
        .patch(
            &format!("/accounts/{account}/users/{id}"),
            auth,
            &json!({"active": false}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let (users, total) = ask(page.clone(), "firstName").await;
    assert_eq!(total, before.len() as i64);
    assert!(!users.iter().any(|user| user.starts_with("kept@list.test ")));

    // Deleted, then the server reset: the organization's lists are as at
    // the start.
    let reply = server
        .delete(&format!("/accounts/{account}/users/{id}"), auth)
        .await;
    assert!(reply.status.is_success(), "{}", reply.text);
    let all = format!("{page}&includeInactive=true");
    assert_eq!(ask(all.clone(), "id").await.1, before.len() as i64);
    server.create_user(account, "again@list.test", &[]).await;
    assert_eq!(ask(all.clone(), "id").await.1, before.len() as i64 + 1);
    let reply = server
        .send(Method::POST, "/__admin/reset", None, None)
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let (users, _) = ask(page, "firstName").await;
    assert_eq!(users, before);
}
