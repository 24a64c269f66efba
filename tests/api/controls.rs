//! The stand-in's controls (docs/controls.md): journal, faults, clock, explain,
//! snapshots and the admin token.
#![allow(clippy::unwrap_used)]

use crate::common::{self, TestServer, ORG_SECRET, USER_SECRET};
use localelements::store::Database;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

async fn admin(
    server: &TestServer,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> common::Reply {
    server.send(method, path, None, body.as_ref()).await
}

#[tokio::test]
async fn the_journal_records_api_requests_newest_first_with_who_made_them() {
    let server = TestServer::start().await;
    let account = server.default_account().await;
    let auth = server.admin_auth();
    server
        .get(&format!("/accounts/{account}/users?pageSize=5"), &auth)
        .await;
    server.get("/accounts/999999/users", &auth).await;
    server.send(Method::GET, "/accounts", None, None).await;
    admin(&server, Method::GET, "/__admin/health", None).await;
    let journal = admin(&server, Method::GET, "/__admin/requests", None)
        .await
        .json();
    let entries = journal.as_array().unwrap();
    assert_eq!(
        entries.len(),
        4,
        "admin traffic is not journaled: {journal}"
    );
    assert_eq!(entries[0]["path"], "/elements/api-v2/accounts");
    assert_eq!(entries[0]["status"], 401);
    assert_eq!(entries[0]["organizationId"], Value::Null);
    assert_eq!(entries[1]["status"], 404);
    assert_eq!(entries[2]["query"], "pageSize=5");
    assert_eq!(entries[2]["method"], "GET");
    let credentials = server.server.credentials();
    assert_eq!(entries[2]["organizationId"], credentials.organization_id);
    assert_eq!(entries[2]["userId"], credentials.admin_user_id);
    assert_eq!(entries[2]["requestId"].as_str().unwrap().len(), 24);
    assert!(entries[2]["durationMs"].as_f64().unwrap() >= 0.0);
    assert!(entries[2]["time"].as_str().unwrap().ends_with('Z'));

    let filtered = |query: &'static str| {
        let server = &server;
        async move {
            let reply = admin(
                server,
                Method::GET,
                &format!("/__admin/requests?{query}"),
                None,
            )
            .await;
            assert_eq!(reply.status, StatusCode::OK, "{query}");
            reply.json().as_array().unwrap().len()
        }
    };
    assert_eq!(filtered("status=404").await, 1);
    assert_eq!(filtered("method=get&path=/accounts/").await, 2);
    assert_eq!(filtered("path=/elements/api-v2/accounts").await, 4);
    assert_eq!(filtered("limit=2").await, 2);
    for bad in ["status=abc", "status=99", "limit=0", "limit=-1"] {
        let reply = admin(
            &server,
            Method::GET,
            &format!("/__admin/requests?{bad}"),
            None,
        )
        .await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{bad}");
    }
    assert_eq!(
        admin(&server, Method::DELETE, "/__admin/requests", None)
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(filtered("").await, 0);
}

#[tokio::test]
async fn the_journal_is_bounded_by_its_size() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = common::test_config(&dir);
    config.journal_size = 3;
    let server = TestServer::start_with(dir, config).await;
    for n in 0..5 {
        server
            .get(&format!("/accounts?offset={n}"), &server.admin_auth())
            .await;
    }
    let journal = admin(&server, Method::GET, "/__admin/requests", None)
        .await
        .json();
    let queries: Vec<&str> = journal
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["query"].as_str().unwrap())
        .collect();
    assert_eq!(queries, ["offset=4", "offset=3", "offset=2"]);
}

#[tokio::test]
async fn the_journal_never_records_a_password_secret_or_authorization() {
    let server = TestServer::start().await;
    let account = server.default_account().await;
    let auth = server.admin_auth();
    let password = server.new_password();
    let body =
        json!({"firstName": "J", "lastName": "K", "email": "j@example.test", "password": password});
    let created = server
        .post(&format!("/accounts/{account}/users"), &auth, &body)
        .await
        .json();
    let secret = created["secret"].as_str().unwrap().to_owned();
    let id = created["id"].as_i64().unwrap();
    server
        .finish(
            server
                .client
                .get(server.url(&format!(
                    "/accounts/{account}/users/{id}?password={password}&userSecret={secret}"
                )))
                .header("authorization", &auth)
                .header("elements-user-password", &password),
        )
        .await;
    let journal = admin(&server, Method::GET, "/__admin/requests", None)
        .await
        .text;
    assert!(journal.contains(&format!("/users/{id}")), "{journal}");
    for forbidden in [
        password.as_str(),
        secret.as_str(),
        USER_SECRET,
        ORG_SECRET,
        "Organization",
    ] {
        assert!(
            !journal.contains(forbidden),
            "{forbidden} was recorded: {journal}"
        );
    }
}

#[tokio::test]
async fn fault_rules_fail_or_slow_matching_requests_and_expire_exactly() {
    let server = TestServer::start().await;
    let account = server.default_account().await;
    let auth = server.admin_auth();
    let users = format!("/accounts/{account}/users");
    let rule = admin(
        &server,
        Method::POST,
        "/__admin/faults",
        Some(json!({"method": "GET", "path": "/accounts/*/users", "status": 503, "times": 2})),
    )
    .await;
    assert_eq!(rule.status, StatusCode::OK, "{}", rule.text);
    assert_eq!(rule.json()["times"], 2);
    for _ in 0..2 {
        let reply = server.get(&users, &auth).await;
        assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(reply.message(), "Injected fault");
    }
    assert_eq!(
        server.get(&users, &auth).await.status,
        StatusCode::OK,
        "expired after 2"
    );
    assert_eq!(
        admin(&server, Method::GET, "/__admin/faults", None)
            .await
            .json(),
        json!([])
    );

    // Faults act before authentication, and only on matching requests.
    admin(
        &server,
        Method::POST,
        "/__admin/faults",
        Some(json!({"path": "/accounts", "status": 502})),
    )
    .await;
    let reply = server.send(Method::GET, "/accounts", None, None).await;
    assert_eq!(reply.status, StatusCode::BAD_GATEWAY);
    assert_eq!(reply.message(), "Injected fault");
    assert_eq!(server.get(&users, &auth).await.status, StatusCode::OK);
    assert_eq!(
        admin(&server, Method::GET, "/__admin/health", None)
            .await
            .status,
        StatusCode::OK
    );

    // A delay-only rule lets the request through, late.
    let delayed = admin(
        &server,
        Method::POST,
        "/__admin/faults",
        Some(json!({"path": "/accounts/**", "delayMs": 150})),
    )
    .await;
    let delayed_id = delayed.json()["id"].as_u64().unwrap();
    assert_eq!(server.get(&users, &auth).await.status, StatusCode::OK);
    let journal = admin(&server, Method::GET, "/__admin/requests?limit=1", None)
        .await
        .json();
    assert!(
        journal[0]["durationMs"].as_f64().unwrap() >= 150.0,
        "{journal}"
    );
    let rules = admin(&server, Method::GET, "/__admin/faults", None)
        .await
        .json();
    assert_eq!(rules.as_array().unwrap().len(), 2);
    let path = format!("/__admin/faults/{delayed_id}");
    assert_eq!(
        admin(&server, Method::DELETE, &path, None).await.status,
        StatusCode::OK
    );
    assert_eq!(
        admin(&server, Method::DELETE, &path, None).await.status,
        StatusCode::NOT_FOUND
    );
    // A rule that never fires.
    admin(
        &server,
        Method::POST,
        "/__admin/faults",
        Some(json!({"path": "/users", "status": 500, "probability": 0})),
    )
    .await;
    for _ in 0..20 {
        assert_eq!(server.get("/users", &auth).await.status, StatusCode::OK);
    }
    assert_eq!(
        admin(&server, Method::DELETE, "/__admin/faults", None)
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        server
            .send(Method::GET, "/accounts", Some(&auth), None)
            .await
            .status,
        StatusCode::OK
    );

    for (body, field) in [
        (json!({"status": 500}), "path"),
        (json!({"path": "x", "status": 500}), "path"),
        (json!({"path": "/x", "status": 302}), "status"),
        (json!({"path": "/x"}), "status"),
        (
            json!({"path": "/x", "status": 500, "probability": 2}),
            "probability",
        ),
        (json!({"path": "/x", "status": 500, "times": 0}), "times"),
        (
            json!({"path": "/x", "status": 500, "delay": 5}),
            "unknown field",
        ),
    ] {
        let reply = admin(&server, Method::POST, "/__admin/faults", Some(body.clone())).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{body}");
        assert!(reply.message().contains(field), "{body}: {}", reply.text);
    }
}

#[tokio::test]
async fn a_fixed_clock_dates_new_users_and_logins() {
    let server = TestServer::start().await;
    let account = server.default_account().await;
    let reply = admin(
        &server,
        Method::PUT,
        "/__admin/clock",
        Some(json!({"today": "2020-02-29"})),
    )
    .await;
    assert_eq!(reply.json(), json!({"today": "2020-02-29", "fixed": true}));
    let (id, auth) = server.create_user(account, "clock@example.test", &[]).await;
    let user = server
        .get(&format!("/accounts/{account}/users/{id}"), &auth)
        .await
        .json();
    assert_eq!(user["createdDate"], "2020-02-29");
    assert_eq!(user["lastLoginDate"], "2020-02-29");
    admin(
        &server,
        Method::PUT,
        "/__admin/clock",
        Some(json!({"today": "2021-01-01"})),
    )
    .await;
    let user = server
        .get(&format!("/accounts/{account}/users/{id}"), &auth)
        .await
        .json();
    assert_eq!(user["createdDate"], "2020-02-29");
    assert_eq!(user["lastLoginDate"], "2021-01-01", "a request is a login");
    assert_eq!(
        admin(&server, Method::DELETE, "/__admin/clock", None)
            .await
            .status,
        StatusCode::OK
    );
    let clock = admin(&server, Method::GET, "/__admin/clock", None)
        .await
        .json();
    assert_eq!(clock["fixed"], false);
    assert_ne!(clock["today"], "2021-01-01");
    for bad in [
        json!({"today": "2021-02-29"}),
        json!({"today": "tomorrow"}),
        json!({}),
        json!({"today": 5}),
    ] {
        let reply = admin(&server, Method::PUT, "/__admin/clock", Some(bad.clone())).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{bad}");
    }
}

/// Years 1 to 9999 only: anything else would date users with text that is
/// not a `YYYY-MM-DD` date (`-001-01-01`).
#[tokio::test]
async fn the_clock_takes_years_1_to_9999_only() {
    let server = TestServer::start().await;
    for bad in [
        "-0001-01-01",
        "0000-12-31",
        "+2020-01-01",
        "10000-01-01",
        "20200-1-01",
    ] {
        let body = json!({ "today": bad });
        let reply = admin(&server, Method::PUT, "/__admin/clock", Some(body)).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{bad}");
        assert!(reply.message().contains(bad), "{}", reply.text);
    }
    for good in ["0001-01-01", "9999-12-31"] {
        let body = json!({ "today": good });
        let reply = admin(&server, Method::PUT, "/__admin/clock", Some(body)).await;
        assert_eq!(reply.status, StatusCode::OK, "{good}: {}", reply.text);
        let account = server.default_account().await;
        let (id, _) = server
            .create_user(account, &format!("y{good}@clock.test"), &[])
            .await;
        let user = server
            .get(
                &format!("/accounts/{account}/users/{id}"),
                &server.admin_auth(),
            )
            .await
            .json();
        assert_eq!(user["createdDate"], good);
    }
}

#[tokio::test]
async fn explain_shows_the_tree_sql_and_values_or_the_same_400() {
    let server = TestServer::start().await;
    let reply = admin(
        &server,
        Method::GET,
        "/__admin/explain?where=active%20%3D%20true%20AND%20email%20LIKE%20%27%25%40acme.test%27",
        None,
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let explained = reply.json();
    assert_eq!(explained["scope"], "users");
    assert_eq!(explained["params"], json!([1, "%@acme.test"]));
    let sql = explained["sql"].as_str().unwrap();
    assert!(
        sql.contains("u.active") && sql.contains("u.email_lower LIKE ?"),
        "{sql}"
    );
    assert!(explained["tree"].is_object());
    let accounts = admin(
        &server,
        Method::GET,
        "/__admin/explain?scope=accounts&where=defaultAccount%3Dtrue",
        None,
    )
    .await;
    assert!(accounts.json()["sql"]
        .as_str()
        .unwrap()
        .contains("a.is_default"));

    let account = server.default_account().await;
    let list = server
        .get(
            &format!("/accounts/{account}/users?where=passwordHash%3D1"),
            &server.admin_auth(),
        )
        .await;
    let explain = admin(
        &server,
        Method::GET,
        "/__admin/explain?where=passwordHash%3D1",
        None,
    )
    .await;
    assert_eq!(explain.status, StatusCode::BAD_REQUEST);
    assert_eq!(explain.message(), list.message());
    for bad in ["", "?where=", "?where=x%3D1&scope=nope"] {
        let reply = admin(
            &server,
            Method::GET,
            &format!("/__admin/explain{bad}"),
            None,
        )
        .await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{bad}");
    }
}

async fn user_emails(server: &TestServer) -> Vec<String> {
    let users = server.get("/users", &server.admin_auth()).await.json();
    users
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["email"].as_str().unwrap().to_owned())
        .collect()
}

async fn snapshots_round_trip(server: &TestServer) {
    let account = server.default_account().await;
    let (kept, _) = server.create_user(account, "kept@example.test", &[]).await;
    let saved = admin(server, Method::PUT, "/__admin/snapshots/before-test", None).await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.text);
    assert_eq!(saved.json()["name"], "before-test");
    assert!(saved.json()["bytes"].as_u64().unwrap() > 0);
    let (added, added_auth) = server.create_user(account, "added@example.test", &[]).await;
    server
        .delete(&format!("/users/{kept}"), &server.admin_auth())
        .await;
    let tenant = server.create_tenant().await;
    let restored = admin(
        server,
        Method::POST,
        "/__admin/snapshots/before-test/restore",
        None,
    )
    .await;
    assert_eq!(restored.status, StatusCode::OK, "{}", restored.text);
    assert_eq!(
        user_emails(server).await,
        ["admin@localelements.test", "kept@example.test"]
    );
    assert_eq!(
        server.get("/accounts", &tenant.auth).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        server
            .get(&format!("/users/{added}"), &added_auth)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    // Ids are never handed out twice, even after going back in time.
    let (next, _) = server.create_user(account, "next@example.test", &[]).await;
    assert!(next > added);
    let list = admin(server, Method::GET, "/__admin/snapshots", None)
        .await
        .json();
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["name"], "before-test");
    for (method, path, status) in [
        (
            Method::PUT,
            "/__admin/snapshots/bad%20name",
            StatusCode::BAD_REQUEST,
        ),
        (
            Method::PUT,
            "/__admin/snapshots/.hidden",
            StatusCode::BAD_REQUEST,
        ),
        (
            Method::POST,
            "/__admin/snapshots/missing/restore",
            StatusCode::NOT_FOUND,
        ),
        (
            Method::DELETE,
            "/__admin/snapshots/missing",
            StatusCode::NOT_FOUND,
        ),
        (
            Method::DELETE,
            "/__admin/snapshots/before-test",
            StatusCode::OK,
        ),
        (
            Method::DELETE,
            "/__admin/snapshots/before-test",
            StatusCode::NOT_FOUND,
        ),
    ] {
        assert_eq!(
            admin(server, method.clone(), path, None).await.status,
            status,
            "{method} {path}"
        );
    }
}

#[tokio::test]
async fn snapshots_save_and_restore_a_file_database() {
    snapshots_round_trip(&TestServer::start().await).await;
}

#[tokio::test]
async fn snapshots_save_and_restore_an_in_memory_database() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = common::test_config(&dir);
    config.database = Database::Memory;
    snapshots_round_trip(&TestServer::start_with(dir, config).await).await;
}

#[tokio::test]
async fn snapshots_of_a_file_database_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let config = common::test_config(&dir);
    let server = TestServer::start_with(dir, config.clone()).await;
    let account = server.default_account().await;
    server.create_user(account, "saved@example.test", &[]).await;
    admin(&server, Method::PUT, "/__admin/snapshots/keep", None).await;
    admin(&server, Method::POST, "/__admin/reset", None).await;
    let again = server.restart(config).await;
    let list = admin(&again, Method::GET, "/__admin/snapshots", None)
        .await
        .json();
    assert_eq!(list[0]["name"], "keep");
    admin(
        &again,
        Method::POST,
        "/__admin/snapshots/keep/restore",
        None,
    )
    .await;
    assert_eq!(
        user_emails(&again).await,
        ["admin@localelements.test", "saved@example.test"]
    );
}

#[tokio::test]
async fn an_admin_token_guards_every_control_but_health() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = common::test_config(&dir);
    config.admin_token = Some("let-me-in".into());
    let server = TestServer::start_with(dir, config).await;
    assert_eq!(
        admin(&server, Method::GET, "/__admin/health", None)
            .await
            .status,
        StatusCode::OK
    );
    for (method, path) in [
        (Method::GET, "/__admin/requests"),
        (Method::POST, "/__admin/reset"),
        (Method::GET, "/__admin/faults"),
        (Method::POST, "/__admin/organizations"),
    ] {
        let reply = admin(&server, method.clone(), path, None).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{method} {path}");
        assert!(reply.message().contains("Bearer"));
        let wrong = server
            .send(method.clone(), path, Some("Bearer nope"), None)
            .await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED, "{method} {path}");
    }
    let reply = server
        .send(
            Method::GET,
            "/__admin/requests",
            Some("Bearer let-me-in"),
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    // The emulated API does not care about the admin token.
    assert_eq!(
        server.get("/accounts", &server.admin_auth()).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn requests_beyond_the_in_flight_limit_are_shed_with_retry_after() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = common::test_config(&dir);
    config.max_in_flight = 1;
    let server = TestServer::start_with(dir, config).await;
    let auth = server.admin_auth();
    // Whichever of two slowed requests takes the only place holds it for
    // two seconds; the other is refused at once rather than queued.
    let rule = json!({"path": "/accounts", "delayMs": 2000});
    admin(&server, Method::POST, "/__admin/faults", Some(rule)).await;
    let (first, second) = tokio::join!(
        server.get("/accounts", &auth),
        server.get("/accounts", &auth)
    );
    let (served, shed) = if first.status == StatusCode::OK {
        (first, second)
    } else {
        (second, first)
    };
    assert_eq!(served.status, StatusCode::OK);
    assert_eq!(shed.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(shed.header("retry-after"), Some("1"));
    assert!(shed.message().contains("overloaded"));
    admin(&server, Method::DELETE, "/__admin/faults", None).await;
    assert_eq!(server.get("/users", &auth).await.status, StatusCode::OK);
}

#[tokio::test]
async fn a_request_past_the_timeout_is_answered_503() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = common::test_config(&dir);
    config.request_timeout = 1;
    let server = TestServer::start_with(dir, config).await;
    admin(
        &server,
        Method::POST,
        "/__admin/faults",
        Some(json!({"path": "/accounts", "delayMs": 1500})),
    )
    .await;
    let reply = server.get("/accounts", &server.admin_auth()).await;
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(reply.header("retry-after"), Some("1"));
    assert!(reply.message().contains("too long"));
}

#[tokio::test]
async fn metrics_count_requests_by_route_and_status_in_prometheus_text() {
    let server = TestServer::start().await;
    let account = server.default_account().await;
    for _ in 0..3 {
        server
            .get(&format!("/accounts/{account}/users"), &server.admin_auth())
            .await;
    }
    server
        .get("/accounts/999999/users", &server.admin_auth())
        .await;
    let reply = admin(&server, Method::GET, "/__admin/metrics", None).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply
        .header("content-type")
        .unwrap()
        .starts_with("application/openmetrics-text"));
    let route = r#"route="/elements/api-v2/accounts/{id}/users""#;
    assert!(
        reply.text.contains(&format!(
            r#"localelements_http_requests_total{{method="GET",{route},status="200"}} 3"#
        )),
        "{}",
        reply.text
    );
    assert!(
        reply.text.contains(&format!(
            r#"localelements_http_requests_total{{method="GET",{route},status="404"}} 1"#
        )),
        "{}",
        reply.text
    );
    assert!(
        reply.text.contains(&format!(
            r#"localelements_http_request_duration_seconds_count{{method="GET",{route}}} 4"#
        )),
        "{}",
        reply.text
    );
    assert!(reply.text.trim_end().ends_with("# EOF"));
}

/// `GET /__admin/requests/count` answers how many entries match, with the
/// journal's filters, so a test can check "called twice" as WireMock users
/// do.
#[tokio::test]
async fn the_journal_counts_matching_requests() {
    let server = TestServer::start().await;
    let account = server.default_account().await;
    server.create_user(account, "one@count.test", &[]).await;
    server.create_user(account, "two@count.test", &[]).await;
    let users = format!("/accounts/{account}/users");
    server.get(&users, &server.admin_auth()).await;
    for (query, expected) in [
        (format!("method=POST&path={users}"), 2),
        (format!("method=post&path=/elements/api-v2{users}"), 2),
        ("method=GET&status=200".to_owned(), 2),
        ("status=404".to_owned(), 0),
        (format!("path={users}&limit=1"), 1),
    ] {
        let reply = admin(
            &server,
            Method::GET,
            &format!("/__admin/requests/count?{query}"),
            None,
        )
        .await;
        assert_eq!(reply.status, StatusCode::OK, "{query}: {}", reply.text);
        assert_eq!(reply.json(), json!({ "count": expected }), "{query}");
    }
    let bad = admin(
        &server,
        Method::GET,
        "/__admin/requests/count?status=9",
        None,
    )
    .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
}

/// Only the emulated API is journaled: a browser's `/favicon.ico`, the
/// root, a look-alike prefix and the controls are not.
#[tokio::test]
async fn the_journal_records_only_the_emulated_api() {
    let server = TestServer::start().await;
    for path in [
        "/favicon.ico",
        "/",
        "/elements/api-v2x/accounts",
        "/elements",
        "/__admin/health",
    ] {
        let url = format!("{}{path}", server.server.url());
        server.finish(server.client.get(url)).await;
    }
    let journal = admin(&server, Method::GET, "/__admin/requests", None).await;
    assert_eq!(journal.json(), json!([]));
    server.get("/accounts", &server.admin_auth()).await;
    let base = format!("{}/elements/api-v2", server.server.url());
    server.finish(server.client.get(base)).await;
    let journal = admin(&server, Method::GET, "/__admin/requests", None).await;
    let entries = journal.json();
    let paths: Vec<&str> = entries
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| {
            // Without `--journal-bodies`, no body fields at all.
            assert!(entry.get("requestBody").is_none(), "{entry}");
            assert!(entry.get("responseBody").is_none(), "{entry}");
            entry["path"].as_str().unwrap()
        })
        .collect();
    assert_eq!(paths, ["/elements/api-v2", "/elements/api-v2/accounts"]);
}

/// With `--journal-bodies`, entries hold the JSON bodies both ways, with
/// every credential-like field redacted at any depth; no password, secret
/// or `Authorization` value appears anywhere in the journal.
#[tokio::test]
async fn journal_bodies_are_recorded_with_credentials_redacted() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = common::test_config(&dir);
    config.journal_bodies = true;
    let server = TestServer::start_with(dir, config).await;
    let account = server.default_account().await;
    let auth = server.admin_auth();
    let tenant = server.create_tenant().await;
    let password = server.new_password();
    let users = format!("/accounts/{account}/users");
    let body = json!({"firstName": "J", "lastName": "K", "email": "j@bodies.test",
        "password": password, "city": "Ghent"});
    let created = server.post(&users, &auth, &body).await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.text);
    let secret = created.json()["secret"].as_str().unwrap().to_owned();
    let id = created.id();
    let new_password = server.new_password();
    let patched = server
        .patch(
            &format!("{users}/{id}"),
            &auth,
            &json!({"password": new_password, "city": "Bruges"}),
        )
        .await;
    assert_eq!(patched.status, StatusCode::OK, "{}", patched.text);
    let one = server
        .finish(
            server
                .client
                .get(server.url(&format!("{users}/{id}")))
                .header("authorization", &auth)
                .header("elements-user-password", &new_password),
        )
        .await;
    assert_eq!(one.status, StatusCode::OK, "{}", one.text);
    let refusal = server
        .post(&users, &auth, &json!({"email": "no-name@bodies.test"}))
        .await;
    assert_eq!(refusal.status, StatusCode::BAD_REQUEST);
    let other = server.get("/accounts", &tenant.auth).await;
    assert_eq!(other.status, StatusCode::OK);
    server.send(Method::GET, "/accounts", None, None).await;

    let reply = admin(&server, Method::GET, "/__admin/requests", None).await;
    assert_eq!(reply.status, StatusCode::OK);
    for forbidden in [
        password.as_str(),
        new_password.as_str(),
        secret.as_str(),
        USER_SECRET,
        ORG_SECRET,
        tenant.org_secret.as_str(),
        tenant.auth.as_str(),
        auth.as_str(),
    ] {
        assert!(
            !reply.text.contains(forbidden),
            "{forbidden} was recorded: {}",
            reply.text
        );
    }
    let entries = reply.json();
    let entries = entries.as_array().unwrap();
    let [unauthenticated, tenant_accounts, refused, got, patched, created, ..] = &entries[..]
    else {
        panic!("{entries:?}")
    };
    assert_eq!(created["method"], "POST");
    assert_eq!(created["requestBody"]["email"], "j@bodies.test");
    assert_eq!(created["requestBody"]["password"], "[redacted]");
    assert_eq!(created["requestBody"]["city"], "Ghent");
    assert_eq!(created["responseBody"]["id"], id);
    assert_eq!(created["responseBody"]["secret"], "[redacted]");
    assert_eq!(created["responseBody"]["email"], "j@bodies.test");
    assert_eq!(
        patched["requestBody"],
        json!({"password": "[redacted]", "city": "Bruges"})
    );
    assert_eq!(patched["responseBody"]["city"], "Bruges");
    assert_eq!(got["method"], "GET");
    assert_eq!(got["requestBody"], Value::Null);
    assert_eq!(got["responseBody"]["id"], id);
    assert_eq!(refused["status"], 400);
    assert_eq!(refused["responseBody"]["message"], refusal.message());
    assert_eq!(tenant_accounts["organizationId"], tenant.organization_id);
    assert!(
        tenant_accounts["responseBody"].is_array(),
        "{tenant_accounts}"
    );
    assert_eq!(unauthenticated["status"], 401);
    assert_eq!(unauthenticated["requestBody"], Value::Null);
    assert!(unauthenticated["responseBody"]["message"].is_string());
}
