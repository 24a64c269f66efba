//! The user counts kept per account (migrations 0009 and 0010) are what a
//! list with no `where`, or with only `active = …` or `roles = …` or
//! `roles != …`, answers as `Elements-Total-Count`: after every kind of
//! write they agree with the users counted (the same list with a `where`
//! term that every user matches).
#![allow(clippy::unwrap_used)]

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::common::TestServer;

/// `Elements-Total-Count` of `path`, 0 for `No users found`.
async fn total(server: &TestServer, path: &str, auth: &str) -> i64 {
    let reply = server.get(path, auth).await;
    if reply.status == StatusCode::NOT_FOUND {
        return 0;
    }
    assert_eq!(reply.status, StatusCode::OK, "{path}: {}", reply.text);
    reply
        .header("elements-total-count")
        .unwrap()
        .parse()
        .unwrap()
}

/// Kept and counted agree for the organization's list and each account's,
/// with and without inactive users.
async fn assert_counts_agree(server: &TestServer, auth: &str, accounts: &[i64], when: &str) {
    let mut lists = vec!["/users".to_owned()];
    lists.extend(accounts.iter().map(|id| format!("/accounts/{id}/users")));
    for list in &lists {
        for inactive in [false, true] {
            let path = format!("{list}?includeInactive={inactive}");
            let kept = total(server, &path, auth).await;
            let counted = total(server, &format!("{path}&where=id%20%3E%200"), auth).await;
            assert_eq!(kept, counted, "{when}: {path}");
            // `where=active = …`, `roles = …` or `roles != …` alone is
            // answered from the kept counts too.
            for only in [
                "active%20%3D%20true",
                "active%20%3D%20false",
                "roles%20%3D%20%27admin%27",
                "roles%20%3D%20%27org%27",
                "roles%20!%3D%20%27admin%27",
                "roles%20!%3D%20%27org%27",
            ] {
                let only = format!("{path}&where={only}");
                let kept = total(server, &only, auth).await;
                let counted = total(server, &format!("{only}%20and%20id%20%3E%200"), auth).await;
                assert_eq!(kept, counted, "{when}: {only}");
            }
        }
    }
}

#[tokio::test]
async fn kept_counts_follow_every_kind_of_write() {
    let server = TestServer::start().await;
    let auth = server.admin_auth();
    let default = server.default_account().await;
    let customer = server.create_account("Customer").await;
    let accounts = [default, customer];
    let mut users = Vec::new();
    let created: [(i64, &[&str]); 4] = [
        (default, &[]),
        (customer, &["admin"]),
        (customer, &["admin"]),
        (customer, &[]),
    ];
    for (i, (account, roles)) in created.into_iter().enumerate() {
        let (id, _) = server
            .create_user(account, &format!("u{i}@counts.test"), roles)
            .await;
        users.push(id);
    }
    assert_counts_agree(&server, &auth, &accounts, "created").await;
    assert_eq!(
        total(&server, &format!("/accounts/{customer}/users"), &auth).await,
        3
    );

    // A role granted and one taken away; the holder of a role deleted
    // below (their roles go by the foreign key's cascade).
    let reply = server
        .send(
            Method::PUT,
            &format!("/users/{}/roles/admin", users[3]),
            Some(&auth),
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let reply = server
        .delete(&format!("/users/{}/roles/admin", users[1]), &auth)
        .await;
    assert!(reply.status.is_success(), "{}", reply.text);
    assert_counts_agree(&server, &auth, &accounts, "granted and revoked").await;
    for (user, active) in [(users[1], false), (users[2], false), (users[2], true)] {
        let reply = server
            .patch(&format!("/users/{user}"), &auth, &json!({"active": active}))
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    }
    server.delete(&format!("/users/{}", users[3]), &auth).await;
    assert_counts_agree(&server, &auth, &accounts, "deactivated and deleted").await;
    assert_eq!(
        total(&server, &format!("/accounts/{customer}/users"), &auth).await,
        1
    );

    let reply = server
        .send(Method::PUT, "/__admin/snapshots/counts", None, None)
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    server.create_user(customer, "later@counts.test", &[]).await;
    server.delete(&format!("/users/{}", users[2]), &auth).await;
    let reply = server
        .send(
            Method::POST,
            "/__admin/snapshots/counts/restore",
            None,
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_counts_agree(&server, &auth, &accounts, "restored").await;

    // An account's delete deactivates its users.
    server.delete(&format!("/accounts/{customer}"), &auth).await;
    assert_counts_agree(&server, &auth, &accounts, "account deleted").await;

    let fixture = json!({"organizations": [{"name": "Fx", "secret": "counts-org", "accounts": [
        {"name": "Company Default Account", "default": true, "users": [
            {"firstName": "O", "lastName": "A", "email": "oa@counts.test", "secret": "counts-admin",
             "roles": ["org-admin"]},
            {"firstName": "I", "lastName": "N", "email": "in@counts.test", "active": false}]}]}]});
    let reply = server
        .send(Method::POST, "/__admin/seed", None, Some(&fixture))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let seeded = "User counts-admin, Organization counts-org";
    assert_counts_agree(&server, seeded, &[], "seeded").await;
    assert_eq!(
        total(&server, "/users?includeInactive=true", seeded).await,
        2
    );

    let reply = server
        .send(Method::POST, "/__admin/reset", None, None)
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_counts_agree(&server, &auth, &[default], "reset").await;
}
