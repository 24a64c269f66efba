//! `where=` (CEQL, docs/api.md#the-where-language) through the list endpoints, with paging.
#![allow(clippy::unwrap_used)]

use crate::common::{Reply, TestServer};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

/// Percent-encodes a query value completely.
fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A world with known users: an organization seeded with dates, flags,
/// roles and addresses chosen so each filter below selects a known set.
struct World {
    server: TestServer,
    auth: String,
    account: i64,
}

impl World {
    async fn new() -> Self {
        let server = TestServer::start().await;
        let user =
            |first: &str, last: &str, email: &str, active: bool, created: &str, extra: Value| {
                let mut user = json!({"firstName": first, "lastName": last, "email": email,
                                  "active": active, "createdDate": created});
                for (key, value) in extra.as_object().unwrap() {
                    user[key] = value.clone();
                }
                user
            };
        let fixture = json!({"organizations": [{"name": "W", "secret": "w-org", "accounts": [
            {"name": "Company Default Account", "default": true, "users": [
                user("Ada", "Lovelace", "ada@acme.test", true, "2014-01-15",
                     json!({"secret": "w-admin", "roles": ["org-admin"], "city": "London"})),
                user("Alan", "Turing", "Alan@Acme.test", true, "2013-06-01", json!({"roles": ["admin"], "city": "Wilmslow"})),
                user("Grace", "Hopper", "grace@navy.test", false, "2015-03-09", json!({})),
                user("Edsger", "Dijkstra", "edsger@tue.test", true, "2016-12-31", json!({"city": "Nuenen"})),
                user("Barbara", "Liskov", "barbara@mit.test", false, "2012-11-07", json!({"roles": ["admin"]})),
                user("O'Brien", "Quote", "obrien@acme.test", true, "2017-01-18", json!({"phone": "100%"})),
            ]},
            {"name": "Customer", "externalId": "c-1", "description": "first customer", "users": []},
            {"name": "Other Customer", "externalId": "c-2", "users": []}]}]});
        let reply = server
            .send(Method::POST, "/__admin/seed", None, Some(&fixture))
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        let account = reply.json()["organizations"][0]["accounts"][0]["id"]
            .as_i64()
            .unwrap();
        Self {
            server,
            auth: "User w-admin, Organization w-org".to_owned(),
            account,
        }
    }

    /// The account's users, the inactive ones included (these tests are
    /// about `where`, and two of the six users are inactive).
    async fn users(&self, query: &str) -> Reply {
        self.server
            .get(
                &format!(
                    "/accounts/{}/users?includeInactive=true&{query}",
                    self.account
                ),
                &self.auth,
            )
            .await
    }

    async fn filter(&self, filter: &str) -> Reply {
        self.users(&format!("where={}", encode(filter))).await
    }

    async fn first_names(&self, filter: &str) -> Vec<String> {
        let reply = self.filter(filter).await;
        assert_eq!(reply.status, StatusCode::OK, "{filter}: {}", reply.text);
        let names: Vec<String> = reply
            .json()
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["firstName"].as_str().unwrap().to_owned())
            .collect();
        let total: usize = reply
            .header("elements-total-count")
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(total, names.len(), "{filter}: the total counts the matches");
        names
    }
}

#[tokio::test]
async fn filters_select_exactly_the_matching_users() {
    let world = World::new().await;
    let cases: &[(&str, &[&str])] = &[
        ("active = true", &["Ada", "Alan", "Edsger", "O'Brien"]),
        ("active = 'false'", &["Grace", "Barbara"]),
        ("ACTIVE != TRUE", &["Grace", "Barbara"]),
        (
            "createdDate >= '2014-01-15'",
            &["Ada", "Grace", "Edsger", "O'Brien"],
        ),
        // A timestamp compares as its UTC date: dates have no time of day.
        ("createdDate < '2014-01-15T12:00:00Z'", &["Alan", "Barbara"]),
        ("createdDate = '2014-01-15T23:59:59+00:00'", &["Ada"]),
        ("email = 'ALAN@acme.TEST'", &["Alan"]),
        ("email LIKE '%@acme.test'", &["Ada", "Alan", "O'Brien"]),
        ("`lastName` LIKE 'l%'", &["Ada", "Barbara"]),
        ("firstName = 'O''Brien'", &["O'Brien"]),
        ("fullName = 'Grace Hopper'", &["Grace"]),
        ("roles = 'admin'", &["Alan", "Barbara"]),
        (
            "roles IN ('org-admin', 'admin') AND active = true",
            &["Ada", "Alan"],
        ),
        ("city IS NULL", &["Grace", "Barbara", "O'Brien"]),
        (
            "city IS NOT NULL AND NOT city = 'London'",
            &["Alan", "Edsger"],
        ),
        ("phone LIKE '100\\%'", &["O'Brien"]),
        (
            "(active = false OR city = 'London') AND createdDate > '2013-01-01'",
            &["Ada", "Grace"],
        ),
        (
            "firstName NOT IN ('Ada', 'Alan', 'Grace')",
            &["Edsger", "Barbara", "O'Brien"],
        ),
        ("firstName\tNOT\nLIKE '%a%'", &["Edsger", "O'Brien"]),
    ];
    for (filter, expected) in cases {
        let names = world.first_names(filter).await;
        let mut expected: Vec<String> = expected.iter().map(|s| s.to_string()).collect();
        // Results come ordered by id, which is fixture order.
        let order = ["Ada", "Alan", "Grace", "Edsger", "Barbara", "O'Brien"];
        expected.sort_by_key(|name| order.iter().position(|o| o == name));
        assert_eq!(names, expected, "{filter}");
    }
    // `id` compares as a number.
    let ada = world.filter("firstName = 'Ada'").await.json()[0]["id"]
        .as_i64()
        .unwrap();
    assert_eq!(world.first_names(&format!("id = {ada}")).await, ["Ada"]);
    assert_eq!(
        world
            .first_names(&format!("id > {ada} AND id <= {}", ada + 1))
            .await,
        ["Alan"]
    );
}

#[tokio::test]
async fn a_filter_that_matches_nothing_is_an_empty_page_not_404() {
    let world = World::new().await;
    let reply = world.filter("firstName = 'Nobody'").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.json(), json!([]));
    assert_eq!(reply.header("elements-total-count"), Some("0"));
    assert_eq!(reply.header("elements-returned-count"), Some("0"));
    // An empty where is no filter at all.
    let reply = world.users("where=").await;
    assert_eq!(reply.header("elements-total-count"), Some("6"));
}

#[tokio::test]
async fn filtered_results_page_by_offset_and_by_token() {
    let world = World::new().await;
    let filter = encode("active = true");
    let mut names = Vec::new();
    let mut query = format!("where={filter}&pageSize=3");
    loop {
        let reply = world.users(&query).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        assert_eq!(reply.header("elements-total-count"), Some("4"));
        names.extend(
            reply
                .json()
                .as_array()
                .unwrap()
                .iter()
                .map(|u| u["firstName"].clone()),
        );
        match reply.header("elements-next-page-token") {
            Some(token) => query = format!("where={filter}&pageSize=3&nextPage={token}"),
            None => break,
        }
    }
    assert_eq!(names, ["Ada", "Alan", "Edsger", "O'Brien"]);
    let second = world
        .users(&format!("where={filter}&pageSize=3&offset=3"))
        .await
        .json();
    assert_eq!(second[0]["firstName"], "O'Brien");

    // A token remembers its query: another filter, or none, refuses it.
    let token = world
        .users(&format!("where={filter}&pageSize=1"))
        .await
        .header("elements-next-page-token")
        .unwrap()
        .to_owned();
    for other in [
        format!("where={}&", encode("active = false")),
        String::new(),
    ] {
        let reply = world.users(&format!("{other}nextPage={token}")).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{other}");
        assert!(reply.message().contains("nextPage"));
    }
}

#[tokio::test]
async fn bad_filters_are_400_saying_what_and_where() {
    let world = World::new().await;
    let long = format!("firstName = '{}'", "a".repeat(4100));
    let deep = format!("{}active = true{}", "(".repeat(100), ")".repeat(100));
    let wide = format!(
        "id IN ({})",
        (0..1001)
            .map(|n| n.to_string())
            .collect::<Vec<_>>()
            .join(",")
    );
    let cases = [
        (
            "passwordHash = 'x'".to_owned(),
            "unknown field 'passwordHash' at 1",
        ),
        ("password = 'x'".to_owned(), "unknown field 'password' at 1"),
        ("secret = 'x'".to_owned(), "known fields: id, firstName"),
        ("active = 'yes'".to_owned(), "active"),
        ("id = 'x'".to_owned(), "id"),
        ("createdDate > 'tomorrow'".to_owned(), "createdDate"),
        ("firstName = 5".to_owned(), "firstName"),
        ("active < true".to_owned(), "not allowed"),
        ("active =".to_owned(), "expected a value at"),
        ("(active = true".to_owned(), "at"),
        (
            "firstName = 'unterminated".to_owned(),
            "unterminated string",
        ),
        (long, "too long"),
        (deep, "nested too deeply"),
        (wide, "too many values"),
    ];
    for (filter, expected) in cases {
        let reply = world.filter(&filter).await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{filter}: {}",
            reply.text
        );
        let message = reply.message();
        assert!(message.contains(expected), "{filter}: {message}");
    }
}

#[tokio::test]
async fn the_seed_pages_garbled_example_is_a_clear_400() {
    let world = World::new().await;
    let reply = world
        .users("where=active%3D%true%60&offset=0&pageSize=100")
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    let message = reply.message();
    assert!(message.contains("expected a value at 8"), "{message}");
}

#[tokio::test]
async fn accounts_are_filtered_over_their_own_fields() {
    let world = World::new().await;
    let names = |reply: &Reply| -> Vec<String> {
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        reply
            .json()
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["name"].as_str().unwrap().to_owned())
            .collect()
    };
    let accounts = |filter: &str| {
        let path = format!("/accounts?where={}", encode(filter));
        let server = &world.server;
        let auth = world.auth.clone();
        async move { server.get(&path, &auth).await }
    };
    assert_eq!(
        names(&accounts("defaultAccount = false").await),
        ["Customer", "Other Customer"]
    );
    assert_eq!(
        names(&accounts("externalId = 'c-2'").await),
        ["Other Customer"]
    );
    assert_eq!(
        names(&accounts("description IS NULL").await),
        ["Other Customer"]
    );
    assert_eq!(
        names(&accounts("name LIKE '%Customer' OR defaultAccount = true").await),
        ["Company Default Account", "Customer", "Other Customer"]
    );
    let reply = accounts("firstName = 'x'").await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(reply.message().contains("unknown field 'firstName'"));
    // Paging keeps the default account first and visits each account once.
    let mut seen = Vec::new();
    let mut path = "/accounts?pageSize=1".to_owned();
    loop {
        let reply = world.server.get(&path, &world.auth).await;
        seen.extend(names(&reply));
        match reply.header("elements-next-page-token") {
            Some(token) => path = format!("/accounts?pageSize=1&nextPage={token}"),
            None => break,
        }
    }
    assert_eq!(
        seen,
        ["Company Default Account", "Customer", "Other Customer"]
    );
}

/// Without `includeInactive`, inactive users are left out of the page and
/// the counts (and a filter for them finds nothing); with it, they are
/// listed with `active: false`. A bad value is 400.
#[tokio::test]
async fn inactive_users_are_listed_only_with_include_inactive() {
    let world = World::new().await;
    let path = format!("/accounts/{}/users", world.account);
    let plain = world.server.get(&path, &world.auth).await;
    assert_eq!(plain.header("elements-total-count"), Some("4"));
    let inactive = world
        .server
        .get(
            &format!("{path}?where={}", encode("active = false")),
            &world.auth,
        )
        .await;
    assert_eq!(inactive.status, StatusCode::OK);
    assert_eq!(inactive.json(), json!([]));
    for flag in ["true", "TRUE"] {
        let all = world
            .server
            .get(&format!("{path}?includeInactive={flag}"), &world.auth)
            .await;
        assert_eq!(all.header("elements-total-count"), Some("6"), "{flag}");
    }
    let explicit = world
        .server
        .get(&format!("{path}?includeInactive=false"), &world.auth)
        .await;
    assert_eq!(explicit.header("elements-total-count"), Some("4"));
    let bad = world
        .server
        .get(&format!("{path}?includeInactive=maybe"), &world.auth)
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.message().contains("includeInactive"));
    // One inactive user, by id: 404 without the flag, shown with it.
    let grace = world.filter("firstName = 'Grace'").await.json()[0]["id"]
        .as_i64()
        .unwrap();
    let one = format!("{path}/{grace}");
    assert_eq!(
        world.server.get(&one, &world.auth).await.status,
        StatusCode::NOT_FOUND
    );
    let shown = world
        .server
        .get(&format!("{one}?includeInactive=true"), &world.auth)
        .await;
    assert_eq!(shown.status, StatusCode::OK);
    assert_eq!(shown.json()["active"], false);
    // PATCH reaches an inactive user either way, so it can be reactivated.
    let reactivated = world
        .server
        .patch(&one, &world.auth, &json!({"active": true}))
        .await;
    assert_eq!(reactivated.status, StatusCode::OK, "{}", reactivated.text);
    assert_eq!(
        world.server.get(&one, &world.auth).await.status,
        StatusCode::OK
    );
}
