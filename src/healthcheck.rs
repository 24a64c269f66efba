//! `localelements healthcheck`: one HTTP/1.1 GET, for container
//! HEALTHCHECKs in an image that has no curl. The URL is parsed by
//! [`http::Uri`](hyper::Uri) and the exchange is hyper's HTTP/1 client
//! connection over a [`TcpStream`]; the answer's status decides.
//!
//! Without a URL, the check asks the running server where it listens
//! ([`server_listen`]): a HEALTHCHECK is a separate process that sees the
//! container's environment but not the arguments the server was started
//! with (`docker run image --listen 0.0.0.0:9000`).

use std::collections::HashMap;
use std::error::Error as _;
use std::ffi::OsString;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::process::ExitCode;
use std::time::Duration;

use clap::parser::ValueSource;
use clap::CommandFactory;
use http_body_util::Empty;
use hyper::body::Bytes;
use hyper::client::conn::http1;
use hyper::ext::ReasonPhrase;
use hyper::header::{ACCEPT, CONNECTION, HOST, USER_AGENT};
use hyper::http::uri::Scheme;
use hyper::{Request, Uri};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

use crate::cli::Cli;

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

/// The address the running server listens on, read from its own command
/// line and environment and resolved by the server's own parser, so that
/// `--listen x`, `--listen=x` and `LOCALELEMENTS_LISTEN` mean what they
/// mean to the server. The server is the process `pid`, or else the one
/// [`find_server`] finds. `None` when there is none (not Linux, not in a
/// container, another program, or `/proc` not readable), and the caller
/// falls back to its own `--listen`.
pub fn server_listen(pid: Option<u32>) -> Option<SocketAddr> {
    let pid = match pid {
        Some(pid) => runs_this_program(pid).then_some(pid)?,
        None => find_server()?,
    };
    let args = nul_separated(&format!("/proc/{pid}/cmdline"))?;
    // Reading another process's environment takes the same rights as
    // reading its executable's link (same user), which `runs_this_program`
    // just used; should it still fail, a HEALTHCHECK's own environment is
    // the container's, which is the server's too.
    let environment = nul_separated(&format!("/proc/{pid}/environ")).map(|entries| {
        entries
            .into_iter()
            .filter_map(|entry| {
                let entry = entry.into_string().ok()?;
                let (name, value) = entry.split_once('=')?;
                Some((name.to_owned(), value.to_owned()))
            })
            .collect()
    });
    listen_of(args, environment)
}

/// The small inits a container runtime can put at PID 1: `docker run
/// --init` (and compose's `init: true`) runs tini as `docker-init`;
/// podman's is catatonit.
const CONTAINER_INITS: &[&str] = &[
    "docker-init",
    "tini",
    "tini-static",
    "dumb-init",
    "catatonit",
];

/// The server in a container: PID 1 when it runs this program, as the
/// image's ENTRYPOINT makes it; or, when PID 1 is a container's init, the
/// one child of it that does. A machine's own init (systemd) does not
/// count: an orphaned server adopted by it is no container's server.
fn find_server() -> Option<u32> {
    if runs_this_program(1) {
        return Some(1);
    }
    let init = std::fs::read_to_string("/proc/1/comm").ok()?;
    if !CONTAINER_INITS.contains(&init.trim_end()) {
        return None;
    }
    let mut children = std::fs::read_dir("/proc")
        .ok()?
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|&pid| pid != std::process::id() && parent(pid) == Some(1))
        .filter(|&pid| runs_this_program(pid));
    let only = children.next()?;
    children.next().is_none().then_some(only)
}

/// Whether process `pid` runs the same executable as this one.
fn runs_this_program(pid: u32) -> bool {
    let this = std::fs::read_link("/proc/self/exe");
    let that = std::fs::read_link(format!("/proc/{pid}/exe"));
    matches!((this, that), (Ok(this), Ok(that)) if this == that)
}

/// The parent of process `pid`: the field after the state in
/// `/proc/<pid>/stat`, whose command name (in parentheses) may itself hold
/// spaces and parentheses.
fn parent(pid: u32) -> Option<u32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let (_, rest) = stat.rsplit_once(')')?;
    rest.split_whitespace().nth(1)?.parse().ok()
}

/// A `/proc` file of NUL-terminated strings (`cmdline`, `environ`).
fn nul_separated(path: &str) -> Option<Vec<OsString>> {
    let bytes = std::fs::read(path).ok()?;
    Some(
        bytes
            .split(|&byte| byte == 0)
            .filter(|part| !part.is_empty())
            .map(|part| os_string(part.to_vec()))
            .collect(),
    )
}

#[cfg(unix)]
fn os_string(bytes: Vec<u8>) -> OsString {
    std::os::unix::ffi::OsStringExt::from_vec(bytes)
}

#[cfg(not(unix))]
fn os_string(bytes: Vec<u8>) -> OsString {
    String::from_utf8_lossy(&bytes).into_owned().into()
}

/// The address a server started with `args` (the program name first) in
/// `environment` listens on: the flag, else its variable, else the
/// default, as the server decides. The command line is parsed by the
/// server's own parser with every variable unplugged, so that this
/// process's environment plays no part; `environment` (or, when it could
/// not be read, this process's own) is then consulted for the address
/// alone. `None` when `args` are not a server's (a subcommand, `--help`,
/// an error).
fn listen_of(
    args: Vec<OsString>,
    environment: Option<HashMap<String, String>>,
) -> Option<SocketAddr> {
    // The field `Config::listen`.
    const LISTEN: &str = "listen";
    let command = Cli::command();
    let variable = command
        .get_arguments()
        .find(|arg| arg.get_id() == LISTEN)?
        .get_env()?
        .to_str()?
        .to_owned();
    let matches = command
        .mut_args(|arg| arg.env(None))
        .try_get_matches_from(args)
        .ok()?;
    if matches.subcommand().is_some() {
        return None;
    }
    if matches.value_source(LISTEN) != Some(ValueSource::CommandLine) {
        let value = match environment {
            Some(mut environment) => environment.remove(&variable),
            None => std::env::var(&variable).ok(),
        };
        if let Some(value) = value {
            return crate::config::parse_listen(&value).ok();
        }
    }
    matches.get_one::<SocketAddr>(LISTEN).copied()
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

    #[test]
    fn the_servers_own_parser_decides_where_it_listens() {
        let args = |list: &[&str]| list.iter().map(OsString::from).collect::<Vec<_>>();
        let env = |pairs: &[(&str, &str)]| {
            Some(
                pairs
                    .iter()
                    .map(|(name, value)| (name.to_string(), value.to_string()))
                    .collect(),
            )
        };
        let at = |text: &str| Some(text.parse::<SocketAddr>().unwrap());
        let image = [("LOCALELEMENTS_LISTEN", "0.0.0.0:8080")];
        let cases = [
            // The flag wins over the variable, in both spellings.
            (
                args(&["/le", "--listen", "0.0.0.0:9000"]),
                env(&image),
                at("0.0.0.0:9000"),
            ),
            (
                args(&["/le", "--listen=[::]:9001", "--database", ":memory:"]),
                env(&image),
                at("[::]:9001"),
            ),
            // Else the variable, else the default.
            (
                args(&["/le", "--database", ":memory:"]),
                env(&image),
                at("0.0.0.0:8080"),
            ),
            (args(&["/le"]), env(&[]), at(crate::config::DEFAULT_LISTEN)),
            // Other variables are not read: a bad one changes nothing.
            (
                args(&["/le"]),
                env(&[
                    ("LOCALELEMENTS_LOG_FORMAT", "bogus"),
                    ("LOCALELEMENTS_LISTEN", "127.0.0.1:1"),
                ]),
                at("127.0.0.1:1"),
            ),
            // Not a server.
            (args(&["/le", "healthcheck"]), env(&image), None),
            (args(&["/le", "--help"]), env(&image), None),
            (args(&["/le", "--bogus"]), env(&image), None),
            (args(&["/le", "--listen", "nowhere"]), env(&image), None),
        ];
        for (args, environment, expected) in cases {
            assert_eq!(listen_of(args.clone(), environment), expected, "{args:?}");
        }
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn reads_a_processs_parent_and_program() {
        let this = std::process::id();
        assert_eq!(parent(this), Some(std::os::unix::process::parent_id()));
        assert!(runs_this_program(this));
        assert!(!runs_this_program(std::os::unix::process::parent_id()));
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
