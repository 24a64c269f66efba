//! `--cors-origin` (docs/controls.md#browsers): preflights answered and the
//! CORS headers added on the emulated API only, off by default, the
//! `/__admin` controls unaffected.
#![allow(clippy::unwrap_used)]

use crate::common::{self, process::Running, Reply, TestServer};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

const APP: &str = "http://app.test:3000";

async fn with_origins(origins: &[&str]) -> TestServer {
    let dir = tempfile::tempdir().unwrap();
    let mut config = common::test_config(&dir);
    config.cors_origin = origins.iter().map(|origin| (*origin).to_owned()).collect();
    TestServer::start_with(dir, config).await
}

/// A browser's preflight for `method` from `origin` to `url`, without
/// credentials (browsers never send them on a preflight).
async fn preflight(server: &TestServer, url: &str, origin: &str, method: &str) -> Reply {
    server
        .finish(
            server
                .client
                .request(Method::OPTIONS, url)
                .header("Origin", origin)
                .header("Access-Control-Request-Method", method)
                .header(
                    "Access-Control-Request-Headers",
                    "authorization,content-type,elements-user-password",
                ),
        )
        .await
}

fn listed(reply: &Reply, header: &str) -> Vec<String> {
    reply
        .headers
        .get_all(header)
        .iter()
        .flat_map(|value| value.to_str().unwrap().split(','))
        .map(|item| item.trim().to_ascii_lowercase())
        .collect()
}

#[tokio::test]
async fn preflights_are_answered_without_credentials_and_answers_carry_the_headers() {
    let server = with_origins(&[APP, "http://other.test"]).await;
    let account = server.default_account().await;
    let users = server.url(&format!("/accounts/{account}/users"));
    // A fault on every method of the path: a preflight is answered before
    // faults (and so before authentication and the in-flight places).
    let fault = server
        .send(
            Method::POST,
            "/__admin/faults",
            None,
            Some(&json!({"path": format!("/accounts/{account}/users"), "status": 503, "times": 1})),
        )
        .await;
    assert_eq!(fault.status, StatusCode::OK, "{}", fault.text);

    let reply = preflight(&server, &users, APP, "POST").await;
    assert!(reply.status.is_success(), "{} {}", reply.status, reply.text);
    assert_eq!(reply.header("access-control-allow-origin"), Some(APP));
    let methods = listed(&reply, "access-control-allow-methods");
    for method in ["get", "post", "put", "patch", "delete"] {
        assert!(methods.contains(&method.to_owned()), "{methods:?}");
    }
    let headers = listed(&reply, "access-control-allow-headers");
    for header in ["authorization", "content-type", "elements-user-password"] {
        assert!(headers.contains(&header.to_owned()), "{headers:?}");
    }
    assert!(reply.header("access-control-allow-credentials").is_none());

    // The fault is still there for the real request, which gets the CORS
    // headers on its error too.
    let faulted = server
        .finish(
            server
                .client
                .get(&users)
                .header("Origin", APP)
                .header("Authorization", server.admin_auth()),
        )
        .await;
    assert_eq!(faulted.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(faulted.header("access-control-allow-origin"), Some(APP));

    let listed_users = server
        .finish(
            server
                .client
                .get(&users)
                .header("Origin", "http://other.test")
                .header("Authorization", server.admin_auth()),
        )
        .await;
    assert_eq!(listed_users.status, StatusCode::OK, "{}", listed_users.text);
    assert_eq!(
        listed_users.header("access-control-allow-origin"),
        Some("http://other.test")
    );
    let exposed = listed(&listed_users, "access-control-expose-headers");
    for header in [
        "elements-total-count",
        "elements-returned-count",
        "elements-next-page-token",
        "elements-request-id",
    ] {
        assert!(exposed.contains(&header.to_owned()), "{exposed:?}");
    }
    let unauthenticated = server
        .finish(server.client.get(&users).header("Origin", APP))
        .await;
    assert_eq!(unauthenticated.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        unauthenticated.header("access-control-allow-origin"),
        Some(APP)
    );

    // Another origin is not allowed: no Access-Control-Allow-Origin.
    let stranger = preflight(&server, &users, "http://evil.test", "DELETE").await;
    assert!(stranger.header("access-control-allow-origin").is_none());

    // An OPTIONS that is not a preflight is what it was without CORS: not
    // an operation of the API (401 without credentials, then 405).
    let plain = server
        .finish(
            server
                .client
                .request(Method::OPTIONS, &users)
                .header("Origin", APP),
        )
        .await;
    assert_eq!(plain.status, StatusCode::UNAUTHORIZED);
    assert!(plain.header("access-control-allow-origin").is_none());
    let plain = server
        .finish(
            server
                .client
                .request(Method::OPTIONS, &users)
                .header("Authorization", server.admin_auth()),
        )
        .await;
    assert_eq!(plain.status, StatusCode::METHOD_NOT_ALLOWED);

    // The journal shows the preflight as what it was: an unauthenticated
    // OPTIONS, answered.
    let journal = server
        .send(Method::GET, "/__admin/requests?method=OPTIONS", None, None)
        .await
        .json();
    let statuses: Vec<&Value> = journal
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| &entry["status"])
        .collect();
    for preflight in &journal.as_array().unwrap()[2..] {
        assert_eq!(preflight["userId"], Value::Null, "{preflight}");
    }
    assert_eq!(
        statuses,
        [&json!(405), &json!(401), &json!(200), &json!(200)],
        "{journal}"
    );
}

#[tokio::test]
async fn any_origin_with_a_star() {
    let server = with_origins(&["*"]).await;
    let url = server.url("/accounts");
    let reply = preflight(&server, &url, "http://anything.test:1234", "GET").await;
    assert!(reply.status.is_success(), "{}", reply.status);
    assert_eq!(reply.header("access-control-allow-origin"), Some("*"));
    let answer = server
        .finish(
            server
                .client
                .get(&url)
                .header("Origin", "http://anything.test:1234")
                .header("Authorization", server.admin_auth()),
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.header("access-control-allow-origin"), Some("*"));
}

#[tokio::test]
async fn off_by_default() {
    let server = TestServer::start().await;
    let url = server.url("/accounts");
    // As any OPTIONS: not an operation of the API (without credentials,
    // 401 before 405).
    let reply = preflight(&server, &url, APP, "GET").await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert!(reply.header("access-control-allow-origin").is_none());
    let answer = server
        .finish(
            server
                .client
                .get(&url)
                .header("Origin", APP)
                .header("Authorization", server.admin_auth()),
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK);
    assert!(answer.header("access-control-allow-origin").is_none());
}

/// Even allowed with `*`, a page of another origin gets nothing from the
/// controls: no CORS headers, the same 403 as without `--cors-origin`.
#[tokio::test]
async fn the_admin_plane_never_answers_other_origins() {
    let server = with_origins(&["*", APP]).await;
    for path in ["/__admin/reset", "/__admin/health", "/__admin/requests"] {
        let url = server.url(path);
        let reply = preflight(&server, &url, APP, "POST").await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{path}");
        assert!(
            reply.header("access-control-allow-origin").is_none(),
            "{path}"
        );
        let post = server
            .finish(server.client.post(&url).header("Origin", APP))
            .await;
        assert_eq!(post.status, StatusCode::FORBIDDEN, "{path}");
        assert!(
            post.header("access-control-allow-origin").is_none(),
            "{path}"
        );
    }
    // A path outside both planes gets no CORS headers either.
    let favicon = format!("{}/favicon.ico", server.server.url());
    let reply = preflight(&server, &favicon, APP, "GET").await;
    assert!(reply.header("access-control-allow-origin").is_none());
}

/// The environment variable takes a comma-separated list; a value that is
/// not an origin stops the start.
#[tokio::test]
async fn origins_from_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    let running = Running::start(
        dir.path(),
        &["--database", ":memory:", "--fast-password-hashing"],
        &[(
            "LOCALELEMENTS_CORS_ORIGIN",
            "http://a.test,http://b.test:8000",
        )],
    );
    let client = reqwest::Client::new();
    for (origin, allowed) in [
        ("http://a.test", true),
        ("http://b.test:8000", true),
        ("http://c.test", false),
    ] {
        let reply = client
            .request(
                Method::OPTIONS,
                format!("{}/elements/api-v2/accounts", running.url),
            )
            .header("Origin", origin)
            .header("Access-Control-Request-Method", "GET")
            .send()
            .await
            .unwrap();
        assert!(reply.status().is_success(), "{origin}");
        let allow = reply.headers().get("access-control-allow-origin");
        assert_eq!(allow.is_some(), allowed, "{origin}: {allow:?}");
    }
    drop(running);

    for (args, env) in [
        (vec!["--cors-origin", "localhost:3000"], vec![]),
        (vec!["--cors-origin", "http://app.test/path"], vec![]),
        (
            vec![],
            vec![("LOCALELEMENTS_CORS_ORIGIN", "http://a.test,ftp://b.test")],
        ),
    ] {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_localelements"));
        command
            .args(["--database", ":memory:", "--listen", "127.0.0.1:0"])
            .args(&args)
            .env_remove("LOCALELEMENTS_CORS_ORIGIN")
            .envs(env.iter().copied());
        let output = tokio::task::spawn_blocking(move || command.output().unwrap())
            .await
            .unwrap();
        assert!(!output.status.success(), "{args:?} {env:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("expected `*` or an origin"), "{stderr}");
        if env.is_empty() {
            assert!(stderr.contains("--cors-origin"), "{stderr}");
        }
    }
}

/// A preflight takes none of the `--max-in-flight` places: with the only
/// one held by a slowed request, other requests are shed, preflights are
/// still answered.
#[tokio::test]
async fn preflights_take_no_in_flight_place() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = common::test_config(&dir);
    config.max_in_flight = 1;
    config.cors_origin = vec![APP.to_owned()];
    let server = TestServer::start_with(dir, config).await;
    let auth = server.admin_auth();
    let rule = json!({"method": "GET", "path": "/accounts", "delayMs": 3000, "times": 1});
    let added = server
        .send(Method::POST, "/__admin/faults", None, Some(&rule))
        .await;
    assert_eq!(added.status, StatusCode::OK, "{}", added.text);
    let slow = server.get("/accounts", &auth);
    let check = async {
        // Until the slowed request holds the place, a request may still be
        // served; once one is shed, the place is taken. (Bounded: the
        // slowed request gives the place back after three seconds.)
        let shed = async {
            loop {
                let other = server.get("/users", &auth).await;
                if other.status == StatusCode::SERVICE_UNAVAILABLE {
                    break;
                }
            }
        };
        tokio::time::timeout(std::time::Duration::from_secs(2), shed)
            .await
            .expect("the slowed request took the only place");
        let reply = preflight(&server, &server.url("/users"), APP, "GET").await;
        assert!(reply.status.is_success(), "{} {}", reply.status, reply.text);
        assert_eq!(reply.header("access-control-allow-origin"), Some(APP));
    };
    let (slow, ()) = tokio::join!(slow, check);
    assert_eq!(slow.status, StatusCode::OK);
}
