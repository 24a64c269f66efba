//! The admin plane's limits (README.md#hard-to-break, docs/controls.md):
//! the journal bounded by bytes, at most 1000 fault rules, at most 100
//! snapshots and saves that race without a 500, fixtures parsed without a
//! generic JSON tree, and no answer to a web page of another origin.
#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};

use futures::stream::{self, StreamExt};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::common::process::Running;
use crate::common::{test_config, Reply, TestServer};

/// A field of `/proc/<pid>/status`, in bytes (`VmRSS`, `VmHWM`).
fn memory_of(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status
        .lines()
        .find_map(|line| line.strip_prefix(&format!("{field}:")))
        .unwrap_or_else(|| panic!("no {field} in {status}"));
    let kib: u64 = line.trim().trim_end_matches("kB").trim().parse().unwrap();
    kib * 1024
}

const MIB: u64 = 1024 * 1024;

/// `GET target` on a connection of its own: the status.
fn raw_get(address: &str, target: &str) -> u16 {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(address).unwrap();
    let request = format!("GET {target} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let status = response.split(' ').nth(1).unwrap_or_default();
    status.parse().unwrap_or_else(|_| panic!("{response}"))
}

async fn admin(server: &TestServer, method: Method, path: &str) -> Reply {
    server.send(method, path, None, None).await
}

// The journal.

/// 1200 requests with 50 KB query strings (60 MB of them) against a
/// journal of 100,000 entries but 512 KiB: the journal keeps the newest
/// that fit, and the server's memory stays far below what it was sent.
#[tokio::test]
async fn the_journal_stays_within_its_bytes_whatever_the_queries() {
    const BUDGET: usize = 512 * 1024;
    let dir = tempfile::tempdir().unwrap();
    let server = Running::start(
        dir.path(),
        &[
            "--database",
            ":memory:",
            "--fast-password-hashing",
            "--journal-size",
            "100000",
            "--journal-bytes",
            &BUDGET.to_string(),
        ],
        &[],
    );
    // Plain sockets: a debug build of the client would spend seconds
    // parsing 60 MB of URLs.
    let address = server.url.strip_prefix("http://").unwrap().to_owned();
    let filler = "x".repeat(50_000);
    let senders: Vec<_> = (0..8)
        .map(|sender| {
            let (address, filler) = (address.clone(), filler.clone());
            std::thread::spawn(move || {
                for n in (sender..1200).step_by(8) {
                    let target = format!("/elements/api-v2/accounts?n={n}&filler={filler}");
                    assert_eq!(raw_get(&address, &target), 401);
                }
            })
        })
        .collect();
    for sender in senders {
        sender.join().unwrap();
    }
    let last = format!("/elements/api-v2/accounts?n=last&filler={filler}");
    assert_eq!(raw_get(&address, &last), 401);
    let peak = memory_of(server.child.id(), "VmHWM");
    assert!(
        peak < 50 * MIB,
        "peak RSS {} MiB after 60 MB of queries",
        peak / MIB
    );

    let journal: Value = reqwest::Client::new()
        .get(format!("{}/__admin/requests", server.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let entries = journal.as_array().unwrap();
    let text: usize = entries
        .iter()
        .map(|entry| {
            entry["path"].as_str().unwrap().len()
                + entry["query"].as_str().map_or(0, str::len)
                + entry["requestId"].as_str().unwrap().len()
                + entry["time"].as_str().unwrap().len()
        })
        .sum();
    assert!(text <= BUDGET, "{text} bytes in {} entries", entries.len());
    assert!(
        (5..=10).contains(&entries.len()),
        "as many as fit: {}",
        entries.len()
    );
    let newest = entries[0]["query"].as_str().unwrap();
    assert!(newest.starts_with("n=last&filler=xxx"), "newest first");
    assert!(
        entries
            .iter()
            .all(|entry| entry["query"].as_str().unwrap().ends_with(&filler)),
        "entries that fit are kept whole"
    );
}

#[tokio::test]
async fn an_entry_larger_than_the_journal_is_kept_cut_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let config = localelements::Config {
        journal_bytes: 4096,
        ..test_config(&dir)
    };
    let server = TestServer::start_with(dir, config).await;
    let query = format!("where={}", "y".repeat(20_000));
    server
        .send(Method::GET, &format!("/accounts?{query}"), None, None)
        .await;
    let journal = admin(&server, Method::GET, "/__admin/requests")
        .await
        .json();
    let entries = journal.as_array().unwrap();
    assert_eq!(entries.len(), 1, "{journal}");
    let kept = entries[0]["query"].as_str().unwrap();
    assert!(kept.len() < 4096, "{} bytes kept", kept.len());
    assert!(kept.ends_with("[truncated]"), "{kept}");
    assert!(kept.starts_with("where=yyy"), "{kept}");
    assert_eq!(entries[0]["path"], "/elements/api-v2/accounts");
    assert_eq!(entries[0]["status"], 401);
}

// Fault rules.

#[tokio::test]
async fn the_1001st_fault_rule_is_refused_and_matching_stays_fast() {
    let server = TestServer::start().await;
    let rule = |n: usize| json!({"method": "GET", "path": format!("/accounts/{n}/nothing/*"), "status": 503});
    let statuses: Vec<StatusCode> = stream::iter(0..1000)
        .map(|n| {
            let server = &server;
            let body = rule(n);
            async move {
                server
                    .send(Method::POST, "/__admin/faults", None, Some(&body))
                    .await
                    .status
            }
        })
        .buffer_unordered(8)
        .collect()
        .await;
    assert!(statuses.iter().all(|status| *status == StatusCode::OK));

    let refused = server
        .send(Method::POST, "/__admin/faults", None, Some(&rule(1000)))
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.text);
    let message = refused.message();
    assert!(message.contains("1000"), "{message}");
    assert!(message.contains("DELETE /__admin/faults"), "{message}");
    let rules = admin(&server, Method::GET, "/__admin/faults").await.json();
    assert_eq!(rules.as_array().unwrap().len(), 1000);

    // Matching a request against a thousand rules costs it little.
    let auth = server.admin_auth();
    let started = Instant::now();
    for _ in 0..200 {
        assert_eq!(server.get("/accounts", &auth).await.status, StatusCode::OK);
    }
    let elapsed = started.elapsed();
    assert!(elapsed < Duration::from_secs(10), "{elapsed:?}");
    // And the rules still apply, in order.
    let faulted = server.get("/accounts/7/nothing/x", &auth).await;
    assert_eq!(faulted.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(faulted.message(), "Injected fault");

    // Room again once rules go.
    assert_eq!(
        admin(&server, Method::DELETE, "/__admin/faults")
            .await
            .status,
        StatusCode::OK
    );
    let added = server
        .send(Method::POST, "/__admin/faults", None, Some(&rule(1000)))
        .await;
    assert_eq!(added.status, StatusCode::OK, "{}", added.text);
}

// Snapshots.

#[tokio::test]
async fn the_101st_snapshot_is_refused_but_replacing_one_is_not() {
    let server = TestServer::start().await;
    let statuses: Vec<StatusCode> = stream::iter(0..100)
        .map(|n| {
            let server = &server;
            async move {
                admin(server, Method::PUT, &format!("/__admin/snapshots/s{n}"))
                    .await
                    .status
            }
        })
        .buffer_unordered(4)
        .collect()
        .await;
    assert!(statuses.iter().all(|status| *status == StatusCode::OK));

    let refused = admin(&server, Method::PUT, "/__admin/snapshots/one-more").await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.text);
    let message = refused.message();
    assert!(message.contains("100"), "{message}");
    assert!(message.contains("DELETE /__admin/snapshots"), "{message}");
    let replaced = admin(&server, Method::PUT, "/__admin/snapshots/s42").await;
    assert_eq!(replaced.status, StatusCode::OK, "{}", replaced.text);
    let list = admin(&server, Method::GET, "/__admin/snapshots")
        .await
        .json();
    assert_eq!(list.as_array().unwrap().len(), 100);

    admin(&server, Method::DELETE, "/__admin/snapshots/s0").await;
    let saved = admin(&server, Method::PUT, "/__admin/snapshots/one-more").await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.text);
}

/// Saves of one name race each other, restores and deletes of it: every
/// answer is a 200 (or the 404 of a snapshot deleted just before), no
/// partial file is left behind, and what remains restores.
#[tokio::test]
async fn concurrent_saves_restores_and_deletes_of_one_name_never_fail() {
    let server = TestServer::start().await;
    let auth = server.admin_auth();
    let account = server.default_account().await;
    for round in 0..12 {
        let saves: Vec<Reply> = futures::future::join_all(
            (0..4).map(|_| admin(&server, Method::PUT, "/__admin/snapshots/same")),
        )
        .await;
        for save in &saves {
            assert_eq!(save.status, StatusCode::OK, "round {round}: {}", save.text);
            assert_eq!(save.json()["name"], "same");
            assert!(save.json()["bytes"].as_u64().unwrap() > 0);
        }

        let (save, restore, delete, list) = tokio::join!(
            admin(&server, Method::PUT, "/__admin/snapshots/same"),
            admin(&server, Method::POST, "/__admin/snapshots/same/restore"),
            admin(&server, Method::DELETE, "/__admin/snapshots/same"),
            admin(&server, Method::GET, "/__admin/snapshots"),
        );
        assert_eq!(save.status, StatusCode::OK, "{}", save.text);
        for reply in [&restore, &delete] {
            assert!(
                matches!(reply.status, StatusCode::OK | StatusCode::NOT_FOUND),
                "round {round}: {} {}",
                reply.status,
                reply.text
            );
        }
        assert_eq!(list.status, StatusCode::OK, "{}", list.text);
        // The server keeps working in between.
        let users = server
            .get(&format!("/accounts/{account}/users"), &auth)
            .await;
        assert_eq!(users.status, StatusCode::OK, "{}", users.text);
    }

    let saved = admin(&server, Method::PUT, "/__admin/snapshots/same").await;
    assert_eq!(saved.status, StatusCode::OK);
    let restored = admin(&server, Method::POST, "/__admin/snapshots/same/restore").await;
    assert_eq!(restored.status, StatusCode::OK, "{}", restored.text);
    let folder = server.dir.path().join("test.db.snapshots");
    let files: Vec<String> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(files, ["same.sqlite"], "nothing else is left in {folder:?}");
    let list = admin(&server, Method::GET, "/__admin/snapshots")
        .await
        .json();
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
}

#[tokio::test]
async fn restoring_or_deleting_a_missing_snapshot_creates_nothing() {
    let server = TestServer::start().await;
    let restored = admin(&server, Method::POST, "/__admin/snapshots/ghost/restore").await;
    assert_eq!(restored.status, StatusCode::NOT_FOUND, "{}", restored.text);
    let deleted = admin(&server, Method::DELETE, "/__admin/snapshots/ghost").await;
    assert_eq!(deleted.status, StatusCode::NOT_FOUND, "{}", deleted.text);
    let list = admin(&server, Method::GET, "/__admin/snapshots")
        .await
        .json();
    assert_eq!(list, json!([]));
}

// Fixtures.

/// A fixture of 4.5 MB whose very last user repeats the first one's email:
/// the server reads, parses and checks all of it (everything a load does
/// before it writes; what it writes is the checked plan, whatever the
/// parser) and refuses it. Its memory meanwhile stays a small multiple of
/// the document: parsing into a generic JSON tree first took 16 times
/// its size for this shape, short values and many nulls.
#[tokio::test]
async fn a_fixture_takes_a_small_multiple_of_its_size_in_memory() {
    let nulls = [
        "city",
        "country",
        "phone",
        "postalCode",
        "stateProvince",
        "street1",
        "street2",
        "secret",
        "password",
        "createdDate",
    ];
    let users: Vec<Value> = (0..20_000)
        .map(|n| {
            let mut user = json!({"firstName": "F", "lastName": "L", "email": format!("u{n}@x"), "active": true});
            for field in nulls {
                user[field] = Value::Null;
            }
            user
        })
        .chain([json!({"firstName": "F", "lastName": "L", "email": "U0@X"})])
        .collect();
    let fixture = serde_json::to_vec(
        &json!({"organizations": [{"name": "Acme", "accounts": [{"name": "A", "users": users}]}]}),
    )
    .unwrap();
    let size = fixture.len() as u64;
    assert!(size > 4 * MIB, "{size}");

    let dir = tempfile::tempdir().unwrap();
    let server = Running::start(dir.path(), &["--fast-password-hashing"], &[]);
    let pid = server.child.id();
    let before = memory_of(pid, "VmRSS");
    let reply = reqwest::Client::new()
        .post(format!("{}/__admin/seed", server.url))
        .body(fixture)
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), StatusCode::BAD_REQUEST);
    let body: Value = reply.json().await.unwrap();
    assert_eq!(
        body["message"],
        "organizations[0].accounts[0].users[20000].email: duplicate"
    );
    let used = memory_of(pid, "VmHWM").saturating_sub(before);
    assert!(
        used < 10 * size,
        "{} MiB for a fixture of {} MiB",
        used / MIB,
        size / MIB
    );
}

/// Read straight into its types, a fixture's errors are still those of
/// a document parsed whole first: bad JSON anywhere at `$` with its
/// position, ahead of any problem with a value; a value's problem at its
/// path, without a position.
#[tokio::test]
async fn fixture_errors_name_the_same_paths_as_ever() {
    let server = TestServer::start().await;
    let cases: [(&[u8], &str); 9] = [
        (b"[]", "$: expected a JSON object"),
        (b"\"organizations\"", "$: expected a JSON object"),
        (b"", "$: EOF while parsing a value at line 1 column 0"),
        (b"{} {}", "$: trailing characters at line 1 column 4"),
        (
            br#"{"organizations": [{"name": 5}], "x": tru}"#,
            "$: expected ident at line 1 column 42",
        ),
        (
            br#"{"organizations": [{"name": 5}]}"#,
            "organizations[0].name: invalid type: integer `5`, expected a string",
        ),
        (
            br#"{"organisations": []}"#,
            "organisations: unknown field `organisations`, expected `organizations`",
        ),
        (b"{}", "$: missing field `organizations`"),
        (
            b"{\"organizations\": [{\"name\": \"\xff\"}]}",
            "$: invalid unicode code point at line 1 column 30",
        ),
    ];
    for (body, expected) in cases {
        let request = server
            .client
            .post(server.url("/__admin/seed"))
            .body(body.to_vec());
        let reply = server.finish(request).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text);
        assert_eq!(reply.message(), expected);
    }
}

// Other origins.

async fn reset(server: &TestServer, origin: Option<&str>) -> Reply {
    let mut request = server.client.post(server.url("/__admin/reset"));
    if let Some(origin) = origin {
        request = request.header("Origin", origin);
    }
    server.finish(request).await
}

/// What a web page the developer visits could send: refused before it
/// does anything, whatever it is; the server's own pages, and clients
/// that send no `Origin`, are served.
#[tokio::test]
async fn a_cross_origin_reset_is_refused_and_changes_nothing() {
    let server = TestServer::start().await;
    let port = server.server.url().rsplit(':').next().unwrap().to_owned();
    let tenant = server.create_tenant().await;
    let tenant_lives =
        || async { server.get("/accounts", &tenant.auth).await.status == StatusCode::OK };

    for origin in [
        "http://evil.example",
        &format!("http://evil.example:{port}"),
        "null",
        &format!("https://127.0.0.1:{port}"),
        "http://127.0.0.1:1",
    ] {
        let refused = reset(&server, Some(origin)).await;
        assert_eq!(
            refused.status,
            StatusCode::FORBIDDEN,
            "{origin}: {}",
            refused.text
        );
        assert!(refused.message().contains("origin"), "{}", refused.text);
        assert!(tenant_lives().await, "{origin} changed nothing");
    }
    // Not even the body is read: a fixture that is not JSON is not a 400.
    let seed = server
        .client
        .post(server.url("/__admin/seed"))
        .header("Origin", "http://evil.example")
        .body("not json");
    assert_eq!(server.finish(seed).await.status, StatusCode::FORBIDDEN);
    let health = server
        .client
        .get(server.url("/__admin/health"))
        .header("Origin", "http://evil.example");
    assert_eq!(server.finish(health).await.status, StatusCode::FORBIDDEN);

    // The server's own origin, by any loopback name.
    for own in [
        format!("http://127.0.0.1:{port}"),
        format!("http://localhost:{port}"),
        format!("http://[::1]:{port}"),
    ] {
        let tenant = server.create_tenant().await;
        let done = reset(&server, Some(&own)).await;
        assert_eq!(done.status, StatusCode::OK, "{own}: {}", done.text);
        let gone = server.get("/accounts", &tenant.auth).await;
        assert_eq!(gone.status, StatusCode::UNAUTHORIZED, "{own}");
    }
    // No Origin at all: curl, test suites.
    let tenant = server.create_tenant().await;
    assert_eq!(reset(&server, None).await.status, StatusCode::OK);
    let gone = server.get("/accounts", &tenant.auth).await;
    assert_eq!(gone.status, StatusCode::UNAUTHORIZED);
}

/// DNS rebinding: a page whose name now points at this server is
/// "same-origin" with itself. A browser's request (it has `Origin` or
/// `Sec-Fetch-Site`) to a name that is not local is refused, with or
/// without `Origin`; other clients may use any name.
#[tokio::test]
async fn a_page_whose_name_points_here_cannot_use_the_controls() {
    let server = TestServer::start().await;
    let port = server.server.url().rsplit(':').next().unwrap().to_owned();
    let evil = format!("evil.example:{port}");
    let tenant = server.create_tenant().await;
    for browser in [
        vec![("Origin", format!("http://{evil}"))],
        vec![("Sec-Fetch-Site", "same-origin".to_owned())],
    ] {
        for (method, path) in [
            (reqwest::Method::POST, "/__admin/reset"),
            (reqwest::Method::GET, "/__admin/organizations"),
        ] {
            let mut request = server
                .client
                .request(method.clone(), server.url(path))
                .header("Host", &evil);
            for (name, value) in &browser {
                request = request.header(*name, value);
            }
            let refused = server.finish(request).await;
            assert_eq!(refused.status, StatusCode::FORBIDDEN, "{path} {browser:?}");
            assert!(
                refused.message().contains("local address"),
                "{}",
                refused.text
            );
            assert!(!refused.text.contains(&tenant.auth), "{}", refused.text);
        }
    }
    let tenant_lives = server.get("/accounts", &tenant.auth).await;
    assert_eq!(tenant_lives.status, StatusCode::OK);
    // A browser at a local name, and a client that is no browser at any.
    for (host, fetch_site) in [
        (format!("localhost:{port}"), Some("same-origin")),
        (format!("127.0.0.1:{port}"), Some("same-origin")),
        (format!("[::1]:{port}"), Some("none")),
        (format!("localelements:{port}"), None),
    ] {
        let mut request = server
            .client
            .get(server.url("/__admin/organizations"))
            .header("Host", &host);
        if let Some(site) = fetch_site {
            request = request.header("Sec-Fetch-Site", site);
        }
        let listed = server.finish(request).await;
        assert_eq!(listed.status, StatusCode::OK, "{host}: {}", listed.text);
    }
}

#[tokio::test]
async fn the_origin_check_comes_before_the_admin_token() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = test_config(&dir);
    config.admin_token = Some("let-me-in".into());
    let server = TestServer::start_with(dir, config).await;
    let request = server
        .client
        .post(server.url("/__admin/reset"))
        .header("Origin", "http://evil.example")
        .header("Authorization", "Bearer let-me-in");
    assert_eq!(server.finish(request).await.status, StatusCode::FORBIDDEN);
    let request = server
        .client
        .post(server.url("/__admin/reset"))
        .header("Origin", "http://evil.example");
    assert_eq!(server.finish(request).await.status, StatusCode::FORBIDDEN);
    let request = server
        .client
        .post(server.url("/__admin/reset"))
        .header("Origin", server.server.url())
        .header("Authorization", "Bearer let-me-in");
    assert_eq!(server.finish(request).await.status, StatusCode::OK);
}

#[tokio::test]
async fn the_api_answers_any_origin() {
    let server = TestServer::start().await;
    let request = server
        .client
        .get(server.url("/accounts"))
        .header("Authorization", server.admin_auth())
        .header("Origin", "http://evil.example");
    let reply = server.finish(request).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
}

// The document.

#[tokio::test]
async fn the_document_lists_the_refusals_of_the_admin_plane() {
    let server = TestServer::start().await;
    let controls = admin(&server, Method::GET, "/__admin/openapi-controls.json")
        .await
        .json();
    let api = admin(&server, Method::GET, "/__admin/openapi.json")
        .await
        .json();
    let mut admin_operations = 0;
    for (document, is_admin) in [(&controls, true), (&api, false)] {
        for (path, item) in document["paths"].as_object().unwrap() {
            for (method, operation) in item.as_object().unwrap() {
                let forbidden = &operation["responses"]["403"];
                let description = forbidden["description"].as_str().unwrap_or_default();
                if is_admin {
                    admin_operations += 1;
                    assert!(
                        description.contains("another origin"),
                        "{method} {path}: {forbidden}"
                    );
                } else {
                    assert!(!description.contains("another origin"), "{method} {path}");
                }
            }
        }
    }
    assert!(admin_operations > 20, "{admin_operations}");
    for (path, method) in [("/faults", "post"), ("/snapshots/{name}", "put")] {
        let conflict = &controls["paths"][path][method]["responses"]["409"];
        assert!(conflict.is_object(), "{method} {path}");
    }
}
