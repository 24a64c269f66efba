//! Tenants for parallel tests (docs/controls.md#tenants): organizations made, reset and
//! removed over `/__admin`, and isolated from each other.
#![allow(clippy::unwrap_used)]

use std::collections::HashSet;

use crate::common::{Org, TestServer};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

#[tokio::test]
async fn a_tenant_comes_with_ids_and_a_ready_authorization() {
    let server = TestServer::start().await;
    let body = json!({"name": "Acme", "orgSecret": "acme-org", "userSecret": "acme-user",
                      "adminEmail": "boss@acme.test", "adminPassword": "Pw-acme-boss"});
    let reply = server
        .send(Method::POST, "/__admin/organizations", None, Some(&body))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let tenant = reply.json();
    assert_eq!(
        tenant["authorization"],
        "User acme-user, Organization acme-org"
    );
    assert_eq!(tenant["orgSecret"], "acme-org");
    assert_eq!(tenant["userSecret"], "acme-user");
    assert_eq!(tenant["adminEmail"], "boss@acme.test");
    let auth = tenant["authorization"].as_str().unwrap();
    let accounts = server.get("/accounts", auth).await.json();
    assert_eq!(accounts.as_array().unwrap().len(), 1);
    assert_eq!(accounts[0]["id"], tenant["defaultAccountId"]);
    let admin = server
        .get(
            &format!(
                "/accounts/{}/users/{}",
                tenant["defaultAccountId"], tenant["adminUserId"]
            ),
            auth,
        )
        .await
        .json();
    assert_eq!(admin["email"], "boss@acme.test");

    // Everything generated when nothing is given; an empty body is fine too.
    let generated = server.create_tenant().await;
    assert_eq!(
        server.get("/accounts", &generated.auth).await.status,
        StatusCode::OK
    );

    for (body, status, expected) in [
        (
            json!({"orgSecret": "acme-org"}),
            StatusCode::CONFLICT,
            "already in use",
        ),
        (
            json!({"userSecret": "acme-user"}),
            StatusCode::CONFLICT,
            "already in use",
        ),
        (
            json!({"orgSecret": "has space"}),
            StatusCode::BAD_REQUEST,
            "orgSecret",
        ),
        (
            json!({"userSecret": "a,b"}),
            StatusCode::BAD_REQUEST,
            "userSecret",
        ),
        (
            json!({"adminEmail": ""}),
            StatusCode::BAD_REQUEST,
            "adminEmail",
        ),
        (
            json!({"adminPassword": ""}),
            StatusCode::BAD_REQUEST,
            "adminPassword",
        ),
        (json!({"name": 5}), StatusCode::BAD_REQUEST, "name"),
        (json!([1]), StatusCode::BAD_REQUEST, "JSON object"),
    ] {
        let reply = server
            .send(Method::POST, "/__admin/organizations", None, Some(&body))
            .await;
        assert_eq!(reply.status, status, "{body}");
        assert!(reply.message().contains(expected), "{body}: {}", reply.text);
    }
}

#[tokio::test]
async fn resetting_a_tenant_returns_it_to_how_it_was_made() {
    let server = TestServer::start().await;
    let tenant = server.create_tenant().await;
    let customer = server.create_account_in(&tenant, "Customer").await;
    let (user, user_auth) = server
        .create_user_in(&tenant, customer, "x@example.test", &[])
        .await;
    server
        .patch(
            &format!("/users/{}", tenant.admin_id),
            &tenant.auth,
            &json!({"firstName": "Changed", "city": "Oslo"}),
        )
        .await;
    let organization = server.get("/accounts", &tenant.auth).await;
    assert_eq!(organization.header("elements-total-count"), Some("2"));
    let id = tenant.organization_id;
    let reply = server
        .send(
            Method::POST,
            &format!("/__admin/organizations/{id}/reset"),
            None,
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.json()["defaultAccountId"], tenant.default_account);
    assert_eq!(reply.json()["adminUserId"], tenant.admin_id);
    // The same credentials work; the rest is gone.
    let accounts = server.get("/accounts", &tenant.auth).await.json();
    assert_eq!(accounts.as_array().unwrap().len(), 1);
    let users = server.get("/users", &tenant.auth).await.json();
    assert_eq!(users.as_array().unwrap().len(), 1);
    assert_eq!(users[0]["firstName"], "Organization");
    assert!(users[0].get("city").is_none());
    assert_eq!(
        server
            .get(&format!("/users/{user}"), &user_auth)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    // Even a deleted org-admin comes back, with its id and secret.
    let (helper, helper_auth) = server
        .create_user_in(
            &tenant,
            tenant.default_account,
            "h@example.test",
            &["org-admin"],
        )
        .await;
    assert_eq!(
        server
            .delete(&format!("/users/{}", tenant.admin_id), &helper_auth)
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        server.get("/accounts", &tenant.auth).await.status,
        StatusCode::UNAUTHORIZED
    );
    server
        .send(
            Method::POST,
            &format!("/__admin/organizations/{id}/reset"),
            None,
            None,
        )
        .await;
    assert_eq!(
        server.get("/accounts", &tenant.auth).await.status,
        StatusCode::OK
    );
    assert_eq!(
        server
            .get(&format!("/users/{helper}"), &tenant.auth)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let reply = server
        .send(
            Method::POST,
            "/__admin/organizations/999999/reset",
            None,
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn deleting_a_tenant_removes_it_and_the_server_reset_removes_them_all() {
    let server = TestServer::start().await;
    let first = server.create_tenant().await;
    let second = server.create_tenant().await;
    let path = format!("/__admin/organizations/{}", first.organization_id);
    let reply = server.send(Method::DELETE, &path, None, None).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(
        server.get("/accounts", &first.auth).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        server.send(Method::DELETE, &path, None, None).await.status,
        StatusCode::NOT_FOUND
    );
    // The server's own organization is reset, never deleted.
    let own = format!(
        "/__admin/organizations/{}",
        server.server.credentials().organization_id
    );
    assert_eq!(
        server.send(Method::DELETE, &own, None, None).await.status,
        StatusCode::FORBIDDEN
    );

    let default = server.default_account().await;
    let (user, _) = server.create_user(default, "gone@example.test", &[]).await;
    let fault = json!({"path": "/nothing", "status": 503});
    server
        .send(Method::POST, "/__admin/faults", None, Some(&fault))
        .await;
    let clock = json!({"today": "2020-01-01"});
    server
        .send(Method::PUT, "/__admin/clock", None, Some(&clock))
        .await;
    let reply = server
        .send(Method::POST, "/__admin/reset", None, None)
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.json()["defaultAccountId"], default);
    // The controls are reset too.
    let faults = server
        .send(Method::GET, "/__admin/faults", None, None)
        .await;
    assert_eq!(faults.json(), json!([]));
    let clock = server.send(Method::GET, "/__admin/clock", None, None).await;
    assert_eq!(clock.json()["fixed"], false);
    let journal = server
        .send(Method::GET, "/__admin/requests", None, None)
        .await;
    assert_eq!(journal.json(), json!([]));
    assert_eq!(
        server.get("/accounts", &second.auth).await.status,
        StatusCode::UNAUTHORIZED
    );
    let admin = server.admin_auth();
    assert_eq!(
        server.get(&format!("/users/{user}"), &admin).await.status,
        StatusCode::NOT_FOUND
    );
    let users = server.get("/users", &admin).await;
    assert_eq!(users.header("elements-total-count"), Some("1"));
}

/// What one tenant does in the isolation test: the same emails as every
/// other tenant, created, listed, filtered, paged and deleted.
async fn exercise(server: &TestServer, org: Org, emails: Vec<String>) -> (Org, HashSet<i64>) {
    let mut ids = HashSet::new();
    for email in &emails {
        let (id, _) = server
            .create_user_in(&org, org.default_account, email, &[])
            .await;
        ids.insert(id);
    }
    ids.insert(org.admin_id);
    let seen = |users: &Value| -> HashSet<i64> {
        users
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["id"].as_i64().unwrap())
            .collect()
    };
    let path = format!("/accounts/{}/users", org.default_account);
    // Everything listed is ours, and all of ours is listed.
    let list = server.get(&path, &org.auth).await;
    assert_eq!(
        list.header("elements-total-count"),
        Some(ids.len().to_string().as_str())
    );
    assert_eq!(seen(&list.json()), ids);
    // Paging by token stays inside the tenant.
    let mut paged = HashSet::new();
    let mut next = format!("{path}?pageSize=2");
    loop {
        let reply = server.get(&next, &org.auth).await;
        paged.extend(seen(&reply.json()));
        match reply.header("elements-next-page-token") {
            Some(token) => next = format!("{path}?pageSize=2&nextPage={token}"),
            None => break,
        }
    }
    assert_eq!(paged, ids);
    // A filter counts only this tenant's matches.
    let filtered = server
        .get(
            &format!("{path}?where=email%20LIKE%20%27shared-%25%27"),
            &org.auth,
        )
        .await;
    assert_eq!(
        filtered.header("elements-total-count"),
        Some(emails.len().to_string().as_str())
    );
    let everyone = server.get("/users", &org.auth).await;
    assert_eq!(seen(&everyone.json()), ids);
    // Delete half; the counts follow.
    let doomed: Vec<i64> = ids
        .iter()
        .copied()
        .filter(|id| *id != org.admin_id)
        .take(emails.len() / 2)
        .collect();
    for id in &doomed {
        assert_eq!(
            server
                .delete(&format!("{path}/{id}"), &org.auth)
                .await
                .status,
            StatusCode::OK
        );
        ids.remove(id);
    }
    let after = server.get(&path, &org.auth).await;
    assert_eq!(
        after.header("elements-total-count"),
        Some(ids.len().to_string().as_str())
    );
    (org, ids)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn tenants_used_concurrently_never_see_each_other() {
    let server = TestServer::start().await;
    let emails: Vec<String> = (0..6).map(|n| format!("shared-{n}@example.test")).collect();
    let mut tenants = Vec::new();
    for _ in 0..8 {
        tenants.push(server.create_tenant().await);
    }
    let runs = tenants
        .into_iter()
        .map(|org| exercise(&server, org, emails.clone()));
    let results = futures::future::join_all(runs).await;
    // Ids never overlap, and each tenant is 404/403 to every other.
    let mut all = HashSet::new();
    for (_, ids) in &results {
        assert!(all.is_disjoint(ids));
        all.extend(ids.iter().copied());
    }
    for (org, _) in &results {
        for (other, other_ids) in &results {
            if other.organization_id == org.organization_id {
                continue;
            }
            let id = *other_ids.iter().next().unwrap();
            let reply = server
                .get(
                    &format!("/accounts/{}/users/{id}", org.default_account),
                    &org.auth,
                )
                .await;
            assert_eq!(reply.status, StatusCode::NOT_FOUND);
            let reply = server.get(&format!("/users/{id}"), &org.auth).await;
            assert_eq!(reply.status, StatusCode::FORBIDDEN);
            let reply = server
                .get(
                    &format!("/accounts/{}/users", other.default_account),
                    &org.auth,
                )
                .await;
            assert_eq!(reply.status, StatusCode::FORBIDDEN);
        }
    }
}

#[tokio::test]
async fn a_reset_whose_org_admin_secret_was_taken_meanwhile_is_409_not_500() {
    let server = TestServer::start().await;
    let body = json!({"userSecret": "reused-secret"});
    let first = server
        .send(Method::POST, "/__admin/organizations", None, Some(&body))
        .await
        .json();
    let auth = first["authorization"].as_str().unwrap();
    let admin = first["adminUserId"].as_i64().unwrap();
    assert_eq!(
        server.delete(&format!("/users/{admin}"), auth).await.status,
        StatusCode::OK
    );
    let second = server
        .send(Method::POST, "/__admin/organizations", None, Some(&body))
        .await;
    assert_eq!(second.status, StatusCode::OK, "the secret is free again");
    let path = format!("/__admin/organizations/{}/reset", first["organizationId"]);
    let reply = server.send(Method::POST, &path, None, None).await;
    assert_eq!(reply.status, StatusCode::CONFLICT);
}

/// `GET /__admin/organizations`: every organization, each with a ready
/// `Authorization` of an active org-admin of its default account (or nulls
/// when it has none), and nothing else.
#[tokio::test]
async fn the_organization_list_names_every_organization_and_how_to_act_in_it() {
    let server = TestServer::start().await;
    let own = server.server_org();
    let organizations = list_organizations(&server).await;
    assert_eq!(organizations.len(), 1, "{organizations:?}");
    assert_eq!(
        organizations[0],
        json!({"organizationId": own.organization_id, "name": organizations[0]["name"],
               "kind": "server", "defaultAccountId": own.default_account,
               "adminUserId": own.admin_id, "adminEmail": crate::common::ADMIN_EMAIL,
               "authorization": own.auth})
    );

    let tenant = server.create_tenant().await;
    let seed = json!({"organizations": [{"name": "Seeded", "accounts": [
        {"name": "Company Default Account", "default": true, "users": []}]}]});
    let reply = server
        .send(Method::POST, "/__admin/seed", None, Some(&seed))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let organizations = list_organizations(&server).await;
    let ids: Vec<i64> = organizations
        .iter()
        .map(|organization| organization["organizationId"].as_i64().unwrap())
        .collect();
    assert_eq!(ids.len(), 3);
    assert!(
        ids.windows(2).all(|pair| pair[0] < pair[1]),
        "by id: {ids:?}"
    );
    let listed = &organizations[1];
    assert_eq!(listed["kind"], "tenant");
    assert_eq!(listed["organizationId"], tenant.organization_id);
    assert_eq!(listed["authorization"], tenant.auth.as_str());
    assert_eq!(listed["defaultAccountId"], tenant.default_account);
    // The listed value works on the emulated API.
    let auth = listed["authorization"].as_str().unwrap();
    assert_eq!(server.get("/accounts", auth).await.status, StatusCode::OK);
    let seeded = &organizations[2];
    assert_eq!(seeded["kind"], "fixture");
    assert_eq!(seeded["name"], "Seeded");
    for field in ["adminUserId", "adminEmail", "authorization"] {
        assert_eq!(seeded[field], Value::Null, "{seeded}");
    }

    // A deactivated first org-admin gives way to another active one.
    let (second, second_auth) = server
        .create_user_in(
            &tenant,
            tenant.default_account,
            "second@tenant.test",
            &["org-admin"],
        )
        .await;
    let reply = server
        .patch(
            &format!("/users/{}", tenant.admin_id),
            &second_auth,
            &json!({"active": false}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let organizations = list_organizations(&server).await;
    assert_eq!(organizations[1]["adminUserId"], second);
    assert_eq!(organizations[1]["adminEmail"], "second@tenant.test");
    assert_eq!(organizations[1]["authorization"], second_auth.as_str());

    let reply = server
        .send(
            Method::DELETE,
            &format!("/__admin/organizations/{}", tenant.organization_id),
            None,
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(list_organizations(&server).await.len(), 2);
}

async fn list_organizations(server: &TestServer) -> Vec<Value> {
    let reply = server
        .send(Method::GET, "/__admin/organizations", None, None)
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    reply.json().as_array().unwrap().clone()
}
