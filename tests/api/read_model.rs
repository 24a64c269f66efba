//! The stored user JSON (the triggers of migration 0003, over the view that
//! migration 0004 recreated) is the one rendering of a user: after every
//! kind of write it is what every read sends (with the secret added where
//! an answer has one), and it fits exactly the OpenAPI schema type
//! (`api::wire::UserJson`, which refuses unknown fields).
#![allow(clippy::unwrap_used)]

use crate::common::TestServer;
use localelements::api::wire::UserJson;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

/// Every user of the server organization, read both ways and compared.
async fn assert_renderings_agree(server: &TestServer, passwords: &[(i64, String)], when: &str) {
    let auth = server.admin_auth();
    for (id, password) in passwords {
        let stored = server.get(&format!("/users/{id}"), &auth).await;
        if stored.status == StatusCode::NOT_FOUND {
            continue;
        }
        let rendered = server
            .finish(
                server
                    .client
                    .get(server.url(&format!("/users/{id}")))
                    .header("authorization", &auth)
                    .header("elements-user-password", password),
            )
            .await;
        assert_eq!(rendered.status, StatusCode::OK, "{when}: {}", rendered.text);
        let mut rendered = rendered.json();
        assert!(rendered["secret"].is_string());
        rendered.as_object_mut().unwrap().remove("secret");
        assert_eq!(stored.json(), rendered, "{when}: user {id}");
        let typed: UserJson = serde_json::from_value(stored.json())
            .unwrap_or_else(|error| panic!("{when}: user {id} does not fit the schema: {error}"));
        assert_eq!(
            serde_json::to_value(&typed).unwrap(),
            stored.json(),
            "{when}: user {id}"
        );
        // And the list sends the same object.
        let listed = server
            .get(&format!("/users?where=id%20%3D%20{id}"), &auth)
            .await
            .json();
        assert_eq!(listed[0], rendered, "{when}: listed user {id}");
    }
}

#[tokio::test]
async fn stored_json_follows_every_kind_of_write() {
    let server = TestServer::start().await;
    let auth = server.admin_auth();
    let default = server.default_account().await;
    let customer = server.create_account("Customer").await;
    let mut passwords = Vec::new();
    let people = [
        (
            default,
            json!({"firstName": "Zoë \"Q\"", "lastName": "O'Brien\\n", "email": "zoe@example.test",
                         "city": "Zürich", "street2": "Tab\there", "roles": [{"key": "admin"}, {"key": "org-admin"}]}),
        ),
        (
            customer,
            json!({"firstName": "Plain", "lastName": "User", "email": "plain@example.test"}),
        ),
        (
            customer,
            json!({"firstName": "Full", "lastName": "Address", "email": "full@example.test",
                          "city": "c", "country": "k", "phone": "+1 555", "postalCode": "p",
                          "stateProvince": "s", "street1": "1", "street2": "2", "roles": [{"key": "admin"}]}),
        ),
    ];
    for (account, mut body) in people {
        let password = server.new_password();
        body["password"] = json!(password);
        let reply = server
            .post(&format!("/accounts/{account}/users"), &auth, &body)
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        passwords.push((reply.id(), password));
    }
    assert_renderings_agree(&server, &passwords, "created").await;

    let (zoe, plain, full) = (passwords[0].0, passwords[1].0, passwords[2].0);
    server
        .patch(
            &format!("/users/{plain}"),
            &auth,
            &json!({"lastName": "Changed", "city": "New", "active": false}),
        )
        .await;
    server
        .patch(
            &format!("/users/{full}"),
            &auth,
            &json!({"street1": null, "roles": []}),
        )
        .await;
    server
        .send(
            Method::PUT,
            &format!("/users/{plain}/roles/admin"),
            Some(&auth),
            None,
        )
        .await;
    server
        .delete(&format!("/users/{zoe}/roles/admin"), &auth)
        .await;
    assert_renderings_agree(&server, &passwords, "updated").await;

    admin_put_clock(&server, "2031-05-06").await;
    server.get("/accounts", &auth).await; // the org-admin logs in on a new day
    server.delete(&format!("/accounts/{customer}"), &auth).await; // deactivates its users
    assert_renderings_agree(&server, &passwords, "deactivated").await;
    let admin = server
        .get(
            &format!("/users/{}", server.server.credentials().admin_user_id),
            &auth,
        )
        .await
        .json();
    assert_eq!(admin["lastLoginDate"], "2031-05-06");

    server
        .send(Method::PUT, "/__admin/snapshots/s", None, None)
        .await;
    server
        .patch(
            &format!("/users/{zoe}"),
            &auth,
            &json!({"firstName": "After"}),
        )
        .await;
    server
        .send(Method::POST, "/__admin/snapshots/s/restore", None, None)
        .await;
    assert_renderings_agree(&server, &passwords, "restored").await;
    let zoe_now = server.get(&format!("/users/{zoe}"), &auth).await.json();
    assert_eq!(zoe_now["firstName"], "Zoë \"Q\"");
}

async fn admin_put_clock(server: &TestServer, today: &str) {
    let reply = server
        .send(
            Method::PUT,
            "/__admin/clock",
            None,
            Some(&json!({"today": today})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK);
}

#[tokio::test]
async fn fixture_users_get_their_json_too() {
    let server = TestServer::start().await;
    let password = server.new_password();
    let fixture = json!({"organizations": [{"name": "F", "secret": "f-org", "accounts": [
        {"name": "D", "default": true, "users": [{"firstName": "A", "lastName": "B", "email": "a@f.test",
          "password": password, "secret": "f-user", "roles": ["org-admin"], "phone": "1",
          "createdDate": "2017-01-18", "active": true}]}]}]});
    let reply = server
        .send(Method::POST, "/__admin/seed", None, Some(&fixture))
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    let id = reply.json()["organizations"][0]["accounts"][0]["users"][0]["id"]
        .as_i64()
        .unwrap();
    let auth = "User f-user, Organization f-org";
    let stored: Value = server.get(&format!("/users/{id}"), auth).await.json();
    assert_eq!(stored["createdDate"], "2017-01-18");
    assert_eq!(stored["phone"], "1");
    let keys: Vec<&str> = stored["roles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, ["org-admin", "org"]);
}

/// A load renders its users' JSON itself, in place of the insert triggers
/// (`store::bulk::suspend_json_triggers`): after a load, and after one that
/// failed, the triggers are back for every later write.
#[tokio::test]
async fn writes_after_a_load_get_their_json_from_the_triggers_again() {
    let server = TestServer::start().await;
    let fixture = |email: &str| {
        json!({"organizations": [{"name": "F", "accounts": [{"name": "D", "default": true,
            "users": [{"firstName": "A", "lastName": "B", "email": email}]}]}]})
    };
    let reply = server
        .send(
            Method::POST,
            "/__admin/seed",
            None,
            Some(&fixture("a@f.test")),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    // Two users with one email: the whole load is refused.
    let clash = json!({"organizations": [{"name": "G", "accounts": [{"name": "D", "default": true,
        "users": [{"firstName": "A", "lastName": "B", "email": "same@g.test"},
                  {"firstName": "C", "lastName": "D", "email": "same@g.test"}]}]}]});
    let reply = server
        .send(Method::POST, "/__admin/seed", None, Some(&clash))
        .await;
    assert!(reply.status.is_client_error(), "{}", reply.text);
    let auth = server.admin_auth();
    let account = server.default_account().await;
    let (id, _) = server
        .create_user(account, "after@f.test", &["admin"])
        .await;
    let keys = |shown: &Value| -> Vec<String> {
        shown["roles"]
            .as_array()
            .unwrap()
            .iter()
            .map(|role| role["key"].as_str().unwrap().to_owned())
            .collect()
    };
    let shown = server.get(&format!("/users/{id}"), &auth).await.json();
    assert_eq!(shown["id"], id);
    assert_eq!(keys(&shown), ["admin", "org"]);
    server
        .send(
            Method::PUT,
            &format!("/users/{id}/roles/org-admin"),
            Some(&auth),
            None,
        )
        .await;
    let shown = server.get(&format!("/users/{id}"), &auth).await.json();
    assert_eq!(keys(&shown), ["org-admin", "admin", "org"]);
}
