//! `localelements healthcheck`: one HTTP/1.1 GET, for container
//! HEALTHCHECKs in an image that has no curl. The URL is parsed by
//! [`http::Uri`](hyper::Uri) and the exchange is hyper's HTTP/1 client
//! connection over a [`TcpStream`]; the answer's status decides.

use std::error::Error as _;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::process::ExitCode;
use std::time::Duration;

use http_body_util::Empty;
use hyper::body::Bytes;
use hyper::client::conn::http1;
use hyper::ext::ReasonPhrase;
use hyper::header::{ACCEPT, CONNECTION, HOST, USER_AGENT};
use hyper::http::uri::Scheme;
use hyper::{Request, Uri};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

pub const HEALTH_PATH: &str = "/__admin/health";

/// For the whole exchange, name resolution included. The health route
/// answers without touching the database, so a server slower than this is
/// as good as down; and Docker's own default timeout (30 s) is far longer.
pub const TIMEOUT: Duration = Duration::from_secs(2);

/// The most of a reason phrase printed in the one line of output.
const MAX_REASON_CHARS: usize = 64;

#[derive(Debug, thiserror::Error)]
pub enum HealthError {
    #[error("not a URL this check can use ({0}); expected http://host[:port]/path")]
    BadUrl(String),
    #[error("cannot connect: {0}")]
    Connect(std::io::Error),
    #[error("the exchange failed: {}", with_causes(.0))]
    Http(hyper::Error),
    #[error("no answer within {} ms", .0.as_millis())]
    Timeout(Duration),
}

/// hyper's errors name only their kind ("connection error"); the cause
/// ("connection reset by peer", "invalid HTTP version parsed") is their
/// source. All of it goes on the one line.
fn with_causes(error: &hyper::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// The health route of a server listening on `listen`. A server bound to
/// every interface (0.0.0.0 or [::], as in a container) is asked on
/// loopback, which is one of them.
pub fn health_url(listen: SocketAddr) -> String {
    let ip = match listen.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    format!("http://{}{HEALTH_PATH}", SocketAddr::new(ip, listen.port()))
}

/// Checks `url` once, prints one line (standard output when healthy,
/// standard error otherwise) and gives the exit status: success on a 200.
pub async fn run(url: &str) -> ExitCode {
    match check(url, TIMEOUT).await {
        Ok(status) if status.code == 200 => {
            println!("healthy: {url} answered {status}");
            ExitCode::SUCCESS
        }
        Ok(status) => {
            eprintln!("unhealthy: {url} answered {status}");
            ExitCode::FAILURE
        }
        Err(error) => {
            eprintln!("unhealthy: {url}: {error}");
            ExitCode::FAILURE
        }
    }
}

/// The status line of an answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    pub code: u16,
    pub reason: String,
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.reason.is_empty() {
            write!(f, "{}", self.code)
        } else {
            write!(f, "{} {}", self.code, self.reason)
        }
    }
}

/// One GET of `url`, bounded by `timeout`; the status line of the answer.
pub async fn check(url: &str, timeout: Duration) -> Result<Status, HealthError> {
    let target = Target::parse(url)?;
    tokio::time::timeout(timeout, exchange(target))
        .await
        .map_err(|_| HealthError::Timeout(timeout))?
}

async fn exchange(target: Target) -> Result<Status, HealthError> {
    // `TcpStream::connect` resolves names too; a bracketed IPv6 literal
    // followed by its port parses as a socket address.
    let stream = TcpStream::connect(format!("{}:{}", target.host, target.port))
        .await
        .map_err(HealthError::Connect)?;
    let (mut sender, connection) = http1::handshake::<_, Empty<Bytes>>(TokioIo::new(stream))
        .await
        .map_err(HealthError::Http)?;
    let request = Request::get(target.path)
        .header(HOST, target.authority)
        .header(
            USER_AGENT,
            concat!("localelements-healthcheck/", env!("CARGO_PKG_VERSION")),
        )
        .header(ACCEPT, "*/*")
        .header(CONNECTION, "close")
        .body(Empty::new())
        .map_err(|error| HealthError::BadUrl(error.to_string()))?;
    // The connection does the reading and writing while the request waits
    // for its answer's head. An error while a request waits goes to that
    // request; the connection's own result matters only when it fails
    // without one. Only the status is wanted: once it is in, the
    // connection is dropped (closed) without reading the body.
    let connection = async move {
        match connection.await {
            Err(error) => error,
            Ok(()) => std::future::pending().await,
        }
    };
    let response = tokio::select! {
        biased;
        response = sender.send_request(request) => response.map_err(HealthError::Http)?,
        error = connection => return Err(HealthError::Http(error)),
    };
    let status = response.status();
    // hyper keeps a reason phrase only when it differs from the canonical
    // one (an empty one included).
    let reason = match response.extensions().get::<ReasonPhrase>() {
        Some(reason) => String::from_utf8_lossy(reason.as_bytes())
            .chars()
            .filter(|c| !c.is_control())
            .take(MAX_REASON_CHARS)
            .collect(),
        None => status.canonical_reason().unwrap_or_default().to_owned(),
    };
    Ok(Status {
        code: status.as_u16(),
        reason,
    })
}

/// What a request needs from an `http://` URL.
#[derive(Debug, PartialEq, Eq)]
struct Target {
    /// The host as written: a name, an IPv4 address or a bracketed IPv6
    /// address.
    host: String,
    port: u16,
    /// The `Host` header: the authority as written.
    authority: String,
    /// Path and query in origin form, at least `/`.
    path: Uri,
}

impl Target {
    fn parse(url: &str) -> Result<Self, HealthError> {
        let bad = |why: &str| HealthError::BadUrl(why.to_owned());
        // Whitespace and control characters are refused here: a real URL
        // has them percent-encoded.
        let uri: Uri = url
            .parse()
            .map_err(|error: hyper::http::uri::InvalidUri| bad(&error.to_string()))?;
        if uri.scheme() != Some(&Scheme::HTTP) {
            return Err(bad("only http:// is supported"));
        }
        let authority = uri.authority().ok_or_else(|| bad("no host"))?;
        if authority.as_str().contains('@') {
            return Err(bad("user information is not supported"));
        }
        let host = authority.host();
        if host.is_empty() {
            return Err(bad("no host"));
        }
        // `Uri` keeps an authority whose port is not a number (it then has
        // no port): refuse that rather than fall back to 80.
        let port = match authority.port() {
            None if authority.as_str() == host => 80,
            Some(port) if port.as_str().bytes().all(|b| b.is_ascii_digit()) => port.as_u16(),
            _ => return Err(bad("the port is not a number from 0 to 65535")),
        };
        let path = match uri.query() {
            Some(query) => format!("{}?{query}", uri.path()),
            None => uri.path().to_owned(),
        };
        let path = path
            .parse()
            .map_err(|error: hyper::http::uri::InvalidUri| bad(&error.to_string()))?;
        Ok(Self {
            host: host.to_owned(),
            port,
            authority: authority.as_str().to_owned(),
            path,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;

    fn target(host: &str, port: u16, authority: &str, path: &str) -> Target {
        Target {
            host: host.into(),
            port,
            authority: authority.into(),
            path: path.parse().unwrap(),
        }
    }

    #[test]
    fn parses_the_urls_a_healthcheck_uses() {
        let cases = [
            (
                "http://127.0.0.1:8080/__admin/health",
                target("127.0.0.1", 8080, "127.0.0.1:8080", "/__admin/health"),
            ),
            (
                "HTTP://localhost",
                target("localhost", 80, "localhost", "/"),
            ),
            (
                "http://[::1]:9000/x?y=1#frag",
                target("[::1]", 9000, "[::1]:9000", "/x?y=1"),
            ),
            ("http://[::1]", target("[::1]", 80, "[::1]", "/")),
            ("http://h:1?q", target("h", 1, "h:1", "/?q")),
        ];
        for (url, expected) in cases {
            assert_eq!(Target::parse(url).ok(), Some(expected), "{url}");
        }
    }

    #[test]
    fn refuses_what_it_cannot_send_safely() {
        for url in [
            "https://127.0.0.1/",
            "127.0.0.1:8080",
            "http://",
            "http:///path",
            "http://:80/",
            "http://h:port/",
            "http://h:99999/",
            "http://h:+80/",
            "http://h:/",
            "http://u:p@h/",
            "http://[::1/",
            "http://[::1]x/",
            "http://h/a b",
            "http://h/a\r\nX-Injected: 1",
        ] {
            assert!(Target::parse(url).is_err(), "{url}");
        }
    }

    #[test]
    fn unspecified_addresses_are_checked_on_loopback() {
        let url = |listen: &str| health_url(listen.parse().unwrap());
        assert_eq!(url("0.0.0.0:8080"), "http://127.0.0.1:8080/__admin/health");
        assert_eq!(url("[::]:8080"), "http://[::1]:8080/__admin/health");
        assert_eq!(url("10.1.2.3:81"), "http://10.1.2.3:81/__admin/health");
    }

    /// A one-shot server that reads the request head, answers `answer`
    /// and closes; the head it read comes back from the task.
    async fn answering(answer: &'static [u8]) -> (String, tokio::task::JoinHandle<String>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/probe?x=1", listener.local_addr().unwrap());
        let task = tokio::spawn(async move {
            let (mut stream, _) = listener.accept().await.unwrap();
            let mut head = Vec::new();
            let mut chunk = [0u8; 512];
            while !head.ends_with(b"\r\n\r\n") {
                let read = stream.read(&mut chunk).await.unwrap();
                if read == 0 {
                    break;
                }
                head.extend_from_slice(&chunk[..read]);
            }
            stream.write_all(answer).await.unwrap();
            stream.shutdown().await.unwrap();
            String::from_utf8(head).unwrap()
        });
        (url, task)
    }

    #[tokio::test]
    async fn sends_one_plain_get_and_reads_the_status() {
        let (url, server) = answering(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok").await;
        let status = check(&url, TIMEOUT).await.unwrap();
        assert_eq!(
            status,
            Status {
                code: 200,
                reason: "OK".into()
            }
        );
        let head = server.await.unwrap();
        let authority = url.trim_start_matches("http://").split('/').next().unwrap();
        assert!(head.starts_with("GET /probe?x=1 HTTP/1.1\r\n"), "{head}");
        let head = head.to_ascii_lowercase();
        assert!(
            head.contains(&format!("\r\nhost: {authority}\r\n")),
            "{head}"
        );
        assert!(head.contains("\r\nconnection: close\r\n"), "{head}");
    }

    #[tokio::test]
    async fn reports_the_reason_phrase_the_server_sent() {
        let (url, _server) = answering(b"HTTP/1.1 200 Fine\r\nContent-Length: 0\r\n\r\n").await;
        assert_eq!(check(&url, TIMEOUT).await.unwrap().to_string(), "200 Fine");
        let (url, _server) = answering(b"HTTP/1.0 503 \r\n\r\n").await;
        assert_eq!(check(&url, TIMEOUT).await.unwrap().to_string(), "503");
    }

    #[tokio::test]
    async fn an_answer_that_is_not_http_is_an_error() {
        for answer in [
            &b"SSH-2.0-OpenSSH\r\n"[..],
            b"HTTP/1.1 2000 OK\r\n\r\n",
            b"",
        ] {
            let (url, _server) = answering(answer).await;
            let error = check(&url, TIMEOUT).await.unwrap_err();
            assert!(matches!(error, HealthError::Http(_)), "{error}");
        }
    }
}
