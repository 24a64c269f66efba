//! Work one request can make the server do is bounded (README.md#hard-to-break,
//! docs/api.md#limits): text fields have a length limit everywhere they are
//! accepted, a `LIKE` pattern a length and a wildcard limit, and a query
//! running past `--query-timeout` is interrupted and answered 503 with its
//! connection back in the pool.
#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};

use localelements::store::Database;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::common::{test_config, Reply, TestServer};

const NAME_MAX: usize = 256;
const TEXT_MAX: usize = 1024;

fn text(chars: usize) -> String {
    "x".repeat(chars)
}

fn assert_400(reply: &Reply, message: &str) {
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text);
    assert_eq!(reply.message(), message);
}

/// A list of `path` filtered by `filter`, as `auth`.
async fn list(server: &TestServer, path: &str, auth: &str, filter: &str) -> Reply {
    let request = server
        .client
        .get(server.url(path))
        .header("Authorization", auth)
        .query(&[("where", filter), ("pageSize", "5")]);
    server.finish(request).await
}

#[tokio::test]
async fn over_long_user_fields_are_400_naming_the_field() {
    let server = TestServer::start().await;
    let (auth, account) = (server.admin_auth(), server.default_account().await);
    let create = |extra: Value| {
        let mut body = json!({"firstName": "F", "lastName": "L", "email": "long@x.test",
                              "password": server.new_password()});
        for (key, value) in extra.as_object().unwrap() {
            body[key] = value.clone();
        }
        body
    };
    let path = format!("/accounts/{account}/users");
    let refused = [
        (
            json!({"firstName": text(NAME_MAX + 1)}),
            "firstName",
            NAME_MAX,
        ),
        (
            json!({"lastName": text(NAME_MAX + 1)}),
            "lastName",
            NAME_MAX,
        ),
        (
            json!({"password": text(TEXT_MAX + 1)}),
            "password",
            TEXT_MAX,
        ),
        (json!({"city": text(TEXT_MAX + 1)}), "city", TEXT_MAX),
        (json!({"street2": text(TEXT_MAX + 1)}), "street2", TEXT_MAX),
        // half a megabyte (a body is at most 1 MiB)
        (json!({"firstName": text(500_000)}), "firstName", NAME_MAX),
    ];
    for (extra, field, max) in refused {
        let reply = server.post(&path, &auth, &create(extra)).await;
        assert_400(&reply, &format!("{field} must be at most {max} characters"));
    }
    assert_eq!(
        server
            .get(&path, &auth)
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        1,
        "nothing was created"
    );

    // The bounds count characters, not bytes, and are inclusive.
    let at_the_bounds = create(json!({
        "firstName": "é".repeat(NAME_MAX), "lastName": text(NAME_MAX),
        "password": text(TEXT_MAX), "city": "ü".repeat(TEXT_MAX), "country": text(TEXT_MAX),
        "phone": text(TEXT_MAX), "postalCode": text(TEXT_MAX), "stateProvince": text(TEXT_MAX),
        "street1": text(TEXT_MAX), "street2": text(TEXT_MAX),
    }));
    let reply = server.post(&path, &auth, &at_the_bounds).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let id = reply.id();

    let user = format!("{path}/{id}");
    let refused = [
        (
            json!({"firstName": text(NAME_MAX + 1)}),
            "firstName",
            NAME_MAX,
        ),
        (
            json!({"lastName": "ß".repeat(NAME_MAX + 1)}),
            "lastName",
            NAME_MAX,
        ),
        (
            json!({"password": text(TEXT_MAX + 1)}),
            "password",
            TEXT_MAX,
        ),
        (
            json!({"city": null, "phone": text(TEXT_MAX + 1)}),
            "phone",
            TEXT_MAX,
        ),
        (
            json!({"postalCode": text(TEXT_MAX + 1)}),
            "postalCode",
            TEXT_MAX,
        ),
        (
            json!({"stateProvince": text(TEXT_MAX + 1)}),
            "stateProvince",
            TEXT_MAX,
        ),
        (json!({"street1": text(TEXT_MAX + 1)}), "street1", TEXT_MAX),
        (json!({"country": text(TEXT_MAX + 1)}), "country", TEXT_MAX),
    ];
    for (patch, field, max) in refused {
        let message = format!("{field} must be at most {max} characters");
        assert_400(&server.patch(&user, &auth, &patch).await, &message);
        let org_wide = server.patch(&format!("/users/{id}"), &auth, &patch).await;
        assert_400(&org_wide, &message);
    }
    let stored = server.get(&user, &auth).await.json();
    assert_eq!(stored["city"], "ü".repeat(TEXT_MAX), "nothing was changed");
    let reply = server
        .patch(
            &user,
            &auth,
            &json!({"city": null, "lastName": "ß".repeat(NAME_MAX)}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
}

#[tokio::test]
async fn over_long_account_fields_are_400_naming_the_field() {
    let server = TestServer::start().await;
    let auth = server.admin_auth();
    let refused = [
        (
            json!({"externalId": "a", "name": text(NAME_MAX + 1)}),
            "name",
            NAME_MAX,
        ),
        (
            json!({"externalId": "a", "name": "A", "description": text(TEXT_MAX + 1)}),
            "description",
            TEXT_MAX,
        ),
        (
            json!({"name": "A", "externalId": text(TEXT_MAX + 1)}),
            "externalId",
            TEXT_MAX,
        ),
    ];
    for (body, field, max) in refused {
        let reply = server.post("/accounts", &auth, &body).await;
        assert_400(&reply, &format!("{field} must be at most {max} characters"));
    }
    let accounts = server.get("/accounts", &auth).await.json();
    assert_eq!(accounts.as_array().unwrap().len(), 1, "nothing was created");

    let body = json!({"name": "é".repeat(NAME_MAX), "description": text(TEXT_MAX),
                      "externalId": text(TEXT_MAX)});
    let reply = server.post("/accounts", &auth, &body).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let account = format!("/accounts/{}", reply.id());
    let refused = [
        (json!({"name": text(NAME_MAX + 1)}), "name", NAME_MAX),
        (
            json!({"description": text(TEXT_MAX + 1)}),
            "description",
            TEXT_MAX,
        ),
        (
            json!({"externalId": text(TEXT_MAX + 1)}),
            "externalId",
            TEXT_MAX,
        ),
    ];
    for (patch, field, max) in refused {
        let reply = server.patch(&account, &auth, &patch).await;
        assert_400(&reply, &format!("{field} must be at most {max} characters"));
    }
    assert_eq!(
        server.get(&account, &auth).await.json()["name"],
        "é".repeat(NAME_MAX)
    );
}

#[tokio::test]
async fn a_fixture_with_an_over_long_field_is_refused_whole() {
    let server = TestServer::start().await;
    let user = |email: &str, extra: Value| {
        let mut user = json!({"firstName": "F", "lastName": "L", "email": email});
        for (key, value) in extra.as_object().unwrap() {
            user[key] = value.clone();
        }
        user
    };
    let fixture = |organization: Value, account: Value, users: Vec<Value>| {
        let mut account_json = json!({"name": "C", "users": users});
        for (key, value) in account.as_object().unwrap() {
            account_json[key] = value.clone();
        }
        let mut organization_json =
            json!({"name": "Long", "secret": "long-org", "accounts": [account_json]});
        for (key, value) in organization.as_object().unwrap() {
            organization_json[key] = value.clone();
        }
        json!({"organizations": [organization_json]})
    };
    let fine = || user("fine@x.test", json!({}));
    let cases = [
        (
            fixture(
                json!({}),
                json!({}),
                vec![user("a@x.test", json!({"firstName": text(NAME_MAX + 1)}))],
            ),
            "organizations[0].accounts[0].users[0].firstName: must be at most 256 characters",
        ),
        (
            fixture(
                json!({}),
                json!({}),
                vec![
                    fine(),
                    user("b@x.test", json!({"city": text(TEXT_MAX + 1)})),
                ],
            ),
            "organizations[0].accounts[0].users[1].city: must be at most 1024 characters",
        ),
        (
            fixture(
                json!({}),
                json!({}),
                vec![user("c@x.test", json!({"password": text(TEXT_MAX + 1)}))],
            ),
            "organizations[0].accounts[0].users[0].password: must be at most 1024 characters",
        ),
        (
            fixture(
                json!({}),
                json!({"description": text(TEXT_MAX + 1)}),
                vec![fine()],
            ),
            "organizations[0].accounts[0].description: must be at most 1024 characters",
        ),
        (
            fixture(json!({}), json!({"externalId": text(TEXT_MAX + 1)}), vec![]),
            "organizations[0].accounts[0].externalId: must be at most 1024 characters",
        ),
        (
            fixture(json!({}), json!({"name": text(NAME_MAX + 1)}), vec![]),
            "organizations[0].accounts[0].name: must be at most 256 characters",
        ),
        (
            fixture(json!({"name": text(NAME_MAX + 1)}), json!({}), vec![]),
            "organizations[0].name: must be at most 256 characters",
        ),
    ];
    for (fixture, message) in cases {
        let reply = server
            .send(Method::POST, "/__admin/seed", None, Some(&fixture))
            .await;
        assert_400(&reply, message);
    }
    // All or nothing: the organization of those fixtures does not exist.
    let auth = "User anything, Organization long-org";
    assert_eq!(
        server.get("/accounts", auth).await.status,
        StatusCode::UNAUTHORIZED
    );
    let at_the_bounds = fixture(
        json!({"name": text(NAME_MAX)}),
        json!({"description": text(TEXT_MAX)}),
        vec![user(
            "d@x.test",
            json!({"firstName": text(NAME_MAX), "street1": text(TEXT_MAX)}),
        )],
    );
    let reply = server
        .send(Method::POST, "/__admin/seed", None, Some(&at_the_bounds))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
}

#[tokio::test]
async fn a_pathological_like_is_400_at_once() {
    let server = TestServer::start().await;
    let (auth, account) = (server.admin_auth(), server.default_account().await);
    let users = format!("/accounts/{account}/users");
    // The attack of the issue: each `_` after a `%` retries the match at
    // every position of every name.
    let attack = format!("firstName LIKE '%a{}b'", "_".repeat(1000));
    let wildcards = "too many wildcards in LIKE pattern at 34; at most 16 '%' and '_' \
                     (write '\\%' or '\\_' for a literal one)";
    let long = format!("email NOT LIKE '{}'", "x".repeat(129));
    let too_long = "LIKE pattern too long at 145: 129 characters, at most 128";
    let cases = [
        (users.as_str(), attack.as_str(), wildcards),
        ("/users", attack.as_str(), wildcards),
        (users.as_str(), long.as_str(), too_long),
        (
            "/accounts",
            "description LIKE '%%%%%%%%%%%%%%%%%'",
            "too many wildcards in LIKE pattern at 35; at most 16 '%' and '_' \
             (write '\\%' or '\\_' for a literal one)",
        ),
    ];
    for (path, filter, message) in cases {
        let started = Instant::now();
        let reply = list(&server, path, &auth, filter).await;
        assert_400(&reply, &format!("Invalid where: {message}"));
        assert!(started.elapsed() < Duration::from_secs(2), "at once");
    }
    // `/__admin/explain` refuses it the same way.
    let request = server
        .client
        .get(server.url("/__admin/explain"))
        .query(&[("where", attack.as_str())]);
    let reply = server.finish(request).await;
    assert_400(&reply, &format!("Invalid where: {wildcards}"));
    // Up to the bounds, and with escaped wildcards, which do not count.
    let fine = format!(
        "firstName LIKE '%{}{}' OR email LIKE '{}'",
        "_".repeat(15),
        "\\_".repeat(40),
        "x".repeat(128)
    );
    let reply = list(&server, &users, &auth, &fine).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
}

/// Users whose every address field is as long as allowed, and a `where`
/// that keeps SQLite busy for seconds over them although each `LIKE` is
/// within its bounds: the case the query timeout is for.
const SLOW_USERS: usize = 400;

fn slow_fixture() -> Value {
    let long = "a".repeat(TEXT_MAX);
    let mut users = vec![json!({"firstName": "Slow", "lastName": "Admin",
        "email": "admin@slow.test", "secret": "slow-admin", "roles": ["org-admin"]})];
    users.extend((0..SLOW_USERS).map(|n| {
        json!({"firstName": "User", "lastName": n.to_string(), "email": format!("u{n}@slow.test"),
               "city": long, "country": long, "phone": long, "postalCode": long,
               "stateProvince": long, "street1": long, "street2": long})
    }));
    json!({"organizations": [{"name": "Slow", "secret": "slow-org",
        "accounts": [{"name": "Company Default Account", "default": true, "users": users}]}]})
}

/// Every predicate fails after comparing about 127 characters at each of
/// about 900 positions of a 1024-character field, for every user.
fn slow_where() -> String {
    let fields = [
        "city",
        "country",
        "phone",
        "postalCode",
        "stateProvince",
        "street1",
        "street2",
    ];
    let pattern = format!("%{}b", "a".repeat(126));
    let mut filter = String::new();
    for field in fields.iter().cycle() {
        let predicate = format!("{field} LIKE '{pattern}'");
        if filter.len() + predicate.len() + 4 > 4096 {
            break;
        }
        if !filter.is_empty() {
            filter.push_str(" OR ");
        }
        filter.push_str(&predicate);
    }
    filter
}

async fn a_query_past_the_timeout_is_503_and_its_connection_is_reused(database: Option<Database>) {
    let dir = tempfile::tempdir().unwrap();
    let mut config = test_config(&dir);
    config.query_timeout = Duration::from_millis(200);
    if let Some(database) = database {
        config.database = database;
    }
    let server = TestServer::start_with(dir, config).await;
    let reply = server
        .send(Method::POST, "/__admin/seed", None, Some(&slow_fixture()))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let seeded = &reply.json()["organizations"][0]["accounts"][0];
    let account = seeded["id"].as_i64().unwrap();
    let some_user = seeded["users"][1]["id"].as_i64().unwrap();
    let auth = "User slow-admin, Organization slow-org";
    let users = format!("/accounts/{account}/users");
    let slow = slow_where();

    let started = Instant::now();
    let reply = list(&server, &users, auth, &slow).await;
    assert_eq!(
        reply.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        reply.text
    );
    assert_eq!(reply.header("retry-after"), Some("1"));
    assert!(reply.message().contains("took too long"), "{}", reply.text);
    let took = started.elapsed();
    assert!(took < Duration::from_secs(3), "stopped after {took:?}");

    // More of them at once than there are connections: each is stopped in
    // turn and gives its connection back.
    let connections = 2 * std::thread::available_parallelism().map_or(2, |n| n.get());
    let replies = futures::future::join_all(
        (0..2 * connections).map(|_| list(&server, "/users", auth, &slow)),
    )
    .await;
    for reply in replies {
        assert_eq!(
            reply.status,
            StatusCode::SERVICE_UNAVAILABLE,
            "{}",
            reply.text
        );
        assert_eq!(reply.header("retry-after"), Some("1"));
    }

    // Every connection then serves filtered lists (which run long enough
    // for a deadline left behind to stop them), writes, and other tenants.
    let filters = ["street1 LIKE 'a%'", "lastName >= '1' AND city IS NOT NULL"];
    let replies = futures::future::join_all(
        (0..2 * connections).map(|n| list(&server, &users, auth, filters[n % 2])),
    )
    .await;
    for reply in replies {
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        let total: usize = reply
            .header("elements-total-count")
            .unwrap()
            .parse()
            .unwrap();
        assert!(total > SLOW_USERS / 2, "{total}");
    }
    let patch = json!({"city": "Paris"});
    let reply = server
        .patch(&format!("{users}/{some_user}"), auth, &patch)
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let reply = list(&server, &users, auth, "city = 'Paris'").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.header("elements-total-count"), Some("1"));
    let own = server.default_account().await;
    let reply = list(
        &server,
        &format!("/accounts/{own}/users"),
        &server.admin_auth(),
        "active = true",
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_query_past_the_timeout_is_503_and_its_connection_is_reused_on_a_file() {
    a_query_past_the_timeout_is_503_and_its_connection_is_reused(None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_query_past_the_timeout_is_503_and_its_connection_is_reused_in_memory() {
    a_query_past_the_timeout_is_503_and_its_connection_is_reused(Some(Database::Memory)).await;
}
