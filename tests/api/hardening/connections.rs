//! Slow clients (README.md#hard-to-break): a header that never ends, a
//! kept-alive connection left idle, a body trickled a byte at a time, a
//! client still connected when the server is told to stop. Over real
//! sockets, with timeouts of a fraction of a second configured per test.
#![allow(clippy::unwrap_used)]

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::TcpStream;

use crate::common::process::Running;
use crate::common::{test_config, TestServer};

/// The `--client-timeout` of the tests that wait for it to pass.
const CLIENT_TIMEOUT: Duration = Duration::from_millis(300);

/// How long a test waits for what should come at once or after a short
/// timeout: generous, for a loaded machine; only reached when it fails.
const PATIENCE: Duration = Duration::from_secs(10);

async fn start(configure: impl FnOnce(&mut localelements::Config)) -> TestServer {
    let dir = tempfile::tempdir().unwrap();
    let mut config = test_config(&dir);
    configure(&mut config);
    TestServer::start_with(dir, config).await
}

/// One HTTP/1.1 connection, written and read by hand.
struct Raw {
    reader: BufReader<OwnedReadHalf>,
    writer: OwnedWriteHalf,
    opened: Instant,
}

/// A response as read off the wire.
#[derive(Debug)]
struct RawResponse {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl RawResponse {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// The message of an error in the usual shape.
    fn message(&self) -> String {
        assert_eq!(self.header("content-type"), Some("application/json"));
        let body: Value = serde_json::from_str(&self.body).unwrap();
        let object = body.as_object().unwrap();
        assert_eq!(object.len(), 2, "{body}");
        assert_eq!(
            object["requestId"].as_str(),
            self.header("elements-request-id"),
            "{body}"
        );
        object["message"].as_str().unwrap().to_owned()
    }
}

impl Raw {
    async fn connect(address: SocketAddr) -> Self {
        // Before connecting: the server cannot have seen the connection
        // earlier, so a time measured from here is never too short.
        let opened = Instant::now();
        let stream = TcpStream::connect(address).await.unwrap();
        let (reader, writer) = stream.into_split();
        Self {
            reader: BufReader::new(reader),
            writer,
            opened,
        }
    }

    async fn send(&mut self, bytes: &str) {
        self.writer.write_all(bytes.as_bytes()).await.unwrap();
    }

    /// The next response (or `100 Continue`), read whole.
    async fn response(&mut self) -> RawResponse {
        tokio::time::timeout(PATIENCE, self.read_response())
            .await
            .expect("a response in time")
    }

    async fn read_response(&mut self) -> RawResponse {
        let mut line = String::new();
        self.reader.read_line(&mut line).await.unwrap();
        let status = line
            .split(' ')
            .nth(1)
            .and_then(|status| status.parse().ok())
            .unwrap_or_else(|| panic!("not a status line: {line:?}"));
        let mut headers = Vec::new();
        loop {
            let mut line = String::new();
            self.reader.read_line(&mut line).await.unwrap();
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            let (name, value) = line.split_once(':').unwrap();
            headers.push((name.trim().to_owned(), value.trim().to_owned()));
        }
        let mut response = RawResponse {
            status,
            headers,
            body: String::new(),
        };
        if let Some(length) = response.header("content-length") {
            let mut body = vec![0; length.parse().unwrap()];
            self.reader.read_exact(&mut body).await.unwrap();
            response.body = String::from_utf8(body).unwrap();
        }
        response
    }

    /// Waits for the server to close the connection (end of stream or
    /// reset, with nothing sent before), and says when it did.
    async fn closed(mut self) -> Instant {
        let mut rest = Vec::new();
        let read = tokio::time::timeout(PATIENCE, self.reader.read_to_end(&mut rest)).await;
        let closed = Instant::now();
        match read {
            Err(_) => panic!("still open after {PATIENCE:?}"),
            Ok(Ok(_)) => assert!(
                rest.is_empty(),
                "sent before closing: {:?}",
                String::from_utf8_lossy(&rest)
            ),
            Ok(Err(error)) => assert_eq!(error.kind(), std::io::ErrorKind::ConnectionReset),
        }
        closed
    }
}

/// A connection that sends the first lines of a request header and then
/// nothing.
async fn half_header(address: SocketAddr) -> Raw {
    let mut raw = Raw::connect(address).await;
    raw.send("GET /elements/api-v2/accounts HTTP/1.1\r\nHost: localhost\r\nAccept: */*\r\n")
        .await;
    raw
}

fn request_head(method: &str, path: &str, authorization: Option<&str>, length: usize) -> String {
    let authorization = authorization
        .map(|value| format!("Authorization: {value}\r\n"))
        .unwrap_or_default();
    format!(
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\n{authorization}\
         Content-Type: application/json\r\nContent-Length: {length}\r\n\
         Expect: 100-continue\r\n\r\n"
    )
}

#[tokio::test]
async fn half_headers_are_cut_off_after_the_client_timeout_while_others_are_served() {
    let server = start(|config| config.client_timeout = CLIENT_TIMEOUT).await;
    let address = server.server.address();
    let auth = server.admin_auth();
    let mut slow = Vec::new();
    for _ in 0..100 {
        slow.push(half_header(address).await);
    }
    // One that keeps sending header lines: sending does not put the
    // deadline off.
    let mut dripping = Raw::connect(address).await;
    dripping
        .send("GET /elements/api-v2/accounts HTTP/1.1\r\n")
        .await;
    let drip = async {
        for line in 0.. {
            tokio::time::sleep(Duration::from_millis(50)).await;
            let header = format!("X-Line-{line}: x\r\n");
            if dripping.writer.write_all(header.as_bytes()).await.is_err() {
                break;
            }
        }
    };
    let served = async {
        for _ in 0..20 {
            let reply = server.get("/accounts", &auth).await;
            assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        }
    };
    let closed = async {
        let opened: Vec<_> = slow.iter().map(|raw| raw.opened).collect();
        let closed = futures::future::join_all(slow.into_iter().map(Raw::closed)).await;
        opened.into_iter().zip(closed).collect::<Vec<_>>()
    };
    let ((), closed) = tokio::join!(served, closed);
    for (opened, closed) in closed {
        let open = closed - opened;
        assert!(open >= CLIENT_TIMEOUT, "closed after {open:?}");
        assert!(open < PATIENCE / 2, "closed after {open:?}");
    }
    let dripping_opened = dripping.opened;
    tokio::select! {
        () = drip => {}
        () = tokio::time::sleep(PATIENCE) => panic!("the dripping header was never cut off"),
    }
    let open = dripping_opened.elapsed();
    assert!(open >= CLIENT_TIMEOUT && open < PATIENCE / 2, "{open:?}");
    // Still serving, on a fresh connection.
    let reply = server.get("/accounts", &auth).await;
    assert_eq!(reply.status, StatusCode::OK);
}

#[tokio::test]
async fn an_idle_kept_alive_connection_is_closed_after_the_idle_timeout() {
    const IDLE_TIMEOUT: Duration = Duration::from_secs(2);
    let server = start(|config| {
        config.client_timeout = CLIENT_TIMEOUT;
        config.idle_timeout = IDLE_TIMEOUT;
    })
    .await;
    let address = server.server.address();
    let health = "GET /__admin/health HTTP/1.1\r\nHost: localhost\r\n\r\n";

    // Idle for longer than the client timeout but not the idle timeout:
    // the connection is kept and serves the next request; then, idle, it
    // is closed once the idle timeout has passed.
    let idle = async {
        let mut raw = Raw::connect(address).await;
        raw.send(health).await;
        assert_eq!(raw.response().await.status, 200);
        tokio::time::sleep(CLIENT_TIMEOUT * 2).await;
        // Before the request, so before the answer the idle time runs from.
        let asked = Instant::now();
        raw.send(health).await;
        assert_eq!(raw.response().await.status, 200);
        let idle = raw.closed().await - asked;
        assert!(idle >= IDLE_TIMEOUT, "closed after {idle:?}");
        assert!(idle < IDLE_TIMEOUT + PATIENCE / 2, "closed after {idle:?}");
    };

    // The next header, once begun, has the client timeout, not the idle one.
    let next_header = async {
        let mut raw = Raw::connect(address).await;
        raw.send(health).await;
        assert_eq!(raw.response().await.status, 200);
        let begun = Instant::now();
        raw.send("GET /__admin/health HTTP/1.1\r\nHost: loc").await;
        let open = raw.closed().await - begun;
        assert!(open >= CLIENT_TIMEOUT, "{open:?}");
        assert!(open < IDLE_TIMEOUT - Duration::from_millis(500), "{open:?}");
    };
    tokio::join!(idle, next_header);
}

#[tokio::test]
async fn sigterm_stops_the_server_within_the_shutdown_timeout_whatever_its_clients_do() {
    const SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(2);
    let dir = tempfile::tempdir().unwrap();
    let mut running = Running::start(
        dir.path(),
        &[
            "--database",
            ":memory:",
            "--fast-password-hashing",
            "--client-timeout",
            "60s",
            "--shutdown-timeout",
            "2s",
        ],
        &[],
    );
    let address: SocketAddr = running
        .url
        .strip_prefix("http://")
        .unwrap()
        .parse()
        .unwrap();
    let client = reqwest::Client::new();
    let url = running.url.clone();
    let authorization = running.authorization.clone();

    // A client that sent half a header and went quiet.
    let half = half_header(address).await;
    // One trickling the body of a fixture: its request is in flight and
    // would wait a minute for the rest.
    let mut trickling = Raw::connect(address).await;
    trickling
        .send(&request_head("POST", "/__admin/seed", None, 1000))
        .await;
    assert_eq!(trickling.response().await.status, 100);
    trickling.send("{").await;
    // A request in flight that finishes within the shutdown timeout: held
    // for a second by an injected fault, which is gone once it fired.
    let fault = json!({"path": "/accounts", "delayMs": 1000, "times": 1});
    let added = client
        .post(format!("{url}/__admin/faults"))
        .json(&fault)
        .send()
        .await
        .unwrap();
    assert_eq!(added.status(), StatusCode::OK);
    let in_flight = tokio::spawn(
        client
            .get(format!("{url}/elements/api-v2/accounts"))
            .header("authorization", &authorization)
            .send(),
    );
    let fired = Instant::now();
    loop {
        let rules: Value = client
            .get(format!("{url}/__admin/faults"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if rules.as_array().unwrap().is_empty() {
            break;
        }
        assert!(fired.elapsed() < PATIENCE, "the fault never fired");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }

    let (status, took) = tokio::task::spawn_blocking(move || {
        let stopped = running.signal_within("TERM", SHUTDOWN_TIMEOUT + PATIENCE);
        drop(running);
        stopped
    })
    .await
    .unwrap();
    assert!(status.success(), "{status:?}");
    assert!(
        took < SHUTDOWN_TIMEOUT + Duration::from_secs(5),
        "stopped after {took:?}"
    );
    // The request in flight was answered; the silent client was let go.
    let answered = in_flight.await.unwrap().unwrap();
    assert_eq!(answered.status(), StatusCode::OK);
    half.closed().await;
    trickling.closed().await;
}

#[tokio::test]
async fn trickled_bodies_do_not_starve_other_tenants_and_wait_for_no_unauthenticated_body() {
    const SLOW_CLIENT_TIMEOUT: Duration = Duration::from_secs(3);
    let server = start(|config| {
        config.max_in_flight = 4;
        config.client_timeout = SLOW_CLIENT_TIMEOUT;
    })
    .await;
    let address = server.server.address();
    let tenant = server.create_tenant().await;
    let account = server.default_account().await;
    let auth = server.admin_auth();

    // Twenty clients trickle their bodies, five times as many as there are
    // places: half of them authenticated users creating users, half loading
    // fixtures (open without --admin-token). Each is being read (it got its
    // `100 Continue`) before the other tenant starts.
    let users = format!("/elements/api-v2/accounts/{account}/users");
    let trickle = SLOW_CLIENT_TIMEOUT - Duration::from_millis(500);
    let attackers = futures::future::join_all((0..20).map(|index| {
        let (path, authorization) = if index % 2 == 0 {
            (users.clone(), Some(auth.clone()))
        } else {
            ("/__admin/seed".to_owned(), None)
        };
        async move {
            let mut raw = Raw::connect(address).await;
            // Before the header: the body's time cannot have started earlier.
            let sent = Instant::now();
            raw.send(&request_head("POST", &path, authorization.as_deref(), 1000))
                .await;
            let first = raw.response().await;
            assert_eq!(
                first.status, 100,
                "POST {path}: the body is not being read: {first:?}"
            );
            let reading = Instant::now();
            raw.send("{").await;
            (path, raw, sent, reading)
        }
    }))
    .await;
    let started = Instant::now();
    let tricklers = futures::future::join_all(attackers.into_iter().map(
        |(path, mut raw, sent, reading)| async move {
            // Stops a little before the deadline, so that the answer is not
            // lost to a reset caused by bytes the server will not read.
            while reading.elapsed() < trickle {
                tokio::time::sleep(Duration::from_millis(100)).await;
                raw.writer.write_all(b" ").await.unwrap();
            }
            let answer = raw.response().await;
            (path, answer, sent.elapsed())
        },
    ));
    let tricklers = tokio::spawn(tricklers);

    // Meanwhile the other tenant is served as usual.
    for round in 0..5 {
        let listed = server
            .get(
                &format!("/accounts/{}/users", tenant.default_account),
                &tenant.auth,
            )
            .await;
        assert_eq!(listed.status, StatusCode::OK, "{}", listed.text);
        let created = server
            .post(
                &format!("/accounts/{}/users", tenant.default_account),
                &tenant.auth,
                &json!({"firstName": "Other", "lastName": "Tenant",
                        "email": format!("other{round}@tenant.test"),
                        "password": server.new_password()}),
            )
            .await;
        assert_eq!(created.status, StatusCode::OK, "{}", created.text);
    }
    assert!(
        started.elapsed() < trickle,
        "the other tenant was served only after the tricklers: {:?}",
        started.elapsed()
    );

    // A caller without credentials gets its 401 before its body is read:
    // no `100 Continue`, and no waiting for the body it announced.
    let mut anonymous = Raw::connect(address).await;
    anonymous
        .send(&request_head("POST", &users, None, 1000))
        .await;
    let asked = Instant::now();
    let refused = anonymous.response().await;
    assert_eq!(refused.status, 401, "{refused:?}");
    assert!(refused.message().contains("Invalid"), "{refused:?}");
    assert!(
        asked.elapsed() < SLOW_CLIENT_TIMEOUT,
        "{:?}",
        asked.elapsed()
    );
    let mut wrong = Raw::connect(address).await;
    wrong
        .send(&request_head(
            "POST",
            &users,
            Some("User nope, Organization nope"),
            1000,
        ))
        .await;
    assert_eq!(wrong.response().await.status, 401);

    // The tricklers themselves: 408 once the client timeout has passed.
    for (path, answer, after) in tricklers.await.unwrap() {
        assert_eq!(answer.status, 408, "POST {path}: {answer:?}");
        assert!(answer.message().contains("did not arrive"), "{answer:?}");
        assert!(after >= SLOW_CLIENT_TIMEOUT, "{after:?}");
    }
}

#[tokio::test]
async fn with_an_admin_token_a_wrong_token_is_refused_before_the_body_is_read() {
    let server = start(|config| config.admin_token = Some("let-me-in".into())).await;
    let address = server.server.address();
    let mut wrong = Raw::connect(address).await;
    wrong
        .send(&request_head(
            "POST",
            "/__admin/seed",
            Some("Bearer nope"),
            1000,
        ))
        .await;
    let refused = wrong.response().await;
    assert_eq!(refused.status, 401, "{refused:?}");
    assert!(refused.message().contains("Bearer"));
    let mut right = Raw::connect(address).await;
    right
        .send(&request_head(
            "POST",
            "/__admin/seed",
            Some("Bearer let-me-in"),
            20,
        ))
        .await;
    assert_eq!(right.response().await.status, 100);
    right.send(r#"{"organizations":[]}"#).await;
    let loaded = right.response().await;
    assert_eq!(loaded.status, 200, "{loaded:?}");
}
