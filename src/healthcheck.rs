//! `localelements healthcheck`: one HTTP/1.1 GET, for container
//! HEALTHCHECKs in an image that has no curl. A plain request over a
//! [`TcpStream`] is all it needs: the answer's status line decides, so no
//! HTTP client crate is pulled in for it.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::process::ExitCode;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

pub const HEALTH_PATH: &str = "/__admin/health";

/// For the whole exchange, name resolution included. The health route
/// answers without touching the database, so a server slower than this is
/// as good as down; and Docker's own default timeout (30 s) is far longer.
pub const TIMEOUT: Duration = Duration::from_secs(2);

/// The status line is all that is read; a longer one is not HTTP.
const MAX_STATUS_LINE: usize = 1024;

#[derive(Debug, thiserror::Error)]
pub enum HealthError {
    #[error("not a URL this check can use ({0}); expected http://host[:port]/path")]
    BadUrl(&'static str),
    #[error("cannot connect: {0}")]
    Connect(std::io::Error),
    #[error("connection failed: {0}")]
    Io(std::io::Error),
    #[error("no answer within {} ms", .0.as_millis())]
    Timeout(Duration),
    #[error("the answer is not HTTP: {0}")]
    NotHttp(&'static str),
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
    tokio::time::timeout(timeout, exchange(&target))
        .await
        .map_err(|_| HealthError::Timeout(timeout))?
}

async fn exchange(target: &Target) -> Result<Status, HealthError> {
    let mut stream = TcpStream::connect(target.connect_to.as_str())
        .await
        .map_err(HealthError::Connect)?;
    let request = format!(
        "GET {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: localelements-healthcheck/{}\r\n\
         Accept: */*\r\nConnection: close\r\n\r\n",
        target.path,
        target.host,
        env!("CARGO_PKG_VERSION")
    );
    stream
        .write_all(request.as_bytes())
        .await
        .map_err(HealthError::Io)?;
    let mut buffer = Vec::with_capacity(256);
    let mut chunk = [0u8; 256];
    let line_end = loop {
        if let Some(end) = buffer.windows(2).position(|pair| pair == b"\r\n") {
            break end;
        }
        if buffer.len() > MAX_STATUS_LINE {
            return Err(HealthError::NotHttp("status line too long"));
        }
        let read = stream.read(&mut chunk).await.map_err(HealthError::Io)?;
        if read == 0 {
            return Err(HealthError::NotHttp(
                "the connection closed before a status line",
            ));
        }
        buffer.extend_from_slice(&chunk[..read]);
    };
    parse_status_line(&buffer[..line_end])
}

/// `HTTP/1.1 200 OK`
fn parse_status_line(line: &[u8]) -> Result<Status, HealthError> {
    let line = std::str::from_utf8(line).map_err(|_| HealthError::NotHttp("not text"))?;
    let mut parts = line.splitn(3, ' ');
    let version = parts.next().unwrap_or_default();
    if !version.starts_with("HTTP/") {
        return Err(HealthError::NotHttp("no HTTP version"));
    }
    let code = parts.next().unwrap_or_default();
    if code.len() != 3 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(HealthError::NotHttp("no three-digit status"));
    }
    let code = code
        .parse()
        .map_err(|_| HealthError::NotHttp("no three-digit status"))?;
    // Printed in the one line of output: keep it short and on one line.
    let reason = parts
        .next()
        .unwrap_or_default()
        .chars()
        .filter(|c| !c.is_control())
        .take(64)
        .collect();
    Ok(Status { code, reason })
}

/// What a request needs from an `http://` URL.
#[derive(Debug, PartialEq, Eq)]
struct Target {
    /// `host:port` for [`TcpStream::connect`], which also resolves names.
    connect_to: String,
    /// The `Host` header: the authority as written.
    host: String,
    /// Path and query, at least `/`.
    path: String,
}

impl Target {
    fn parse(url: &str) -> Result<Self, HealthError> {
        // Whitespace or control characters would split the request line or
        // inject headers; a real URL has them percent-encoded.
        if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(HealthError::BadUrl("whitespace or control characters"));
        }
        let rest = match url.get(..7) {
            Some(scheme) if scheme.eq_ignore_ascii_case("http://") => &url[7..],
            _ => return Err(HealthError::BadUrl("only http:// is supported")),
        };
        let rest = rest.split('#').next().unwrap_or_default();
        let (authority, path) = match rest.find(['/', '?']) {
            Some(at) => (&rest[..at], &rest[at..]),
            None => (rest, ""),
        };
        let path = match path {
            "" => "/".to_owned(),
            p if p.starts_with('?') => format!("/{p}"),
            p => p.to_owned(),
        };
        if authority.is_empty() {
            return Err(HealthError::BadUrl("no host"));
        }
        if authority.contains('@') {
            return Err(HealthError::BadUrl("user information is not supported"));
        }
        let connect_to = if let Some(bracketed) = authority.strip_prefix('[') {
            // An IPv6 literal: [::1] or [::1]:8080.
            let (_, after) = bracketed
                .split_once(']')
                .ok_or(HealthError::BadUrl("unclosed '['"))?;
            match after {
                "" => format!("{authority}:80"),
                port => {
                    let port = port
                        .strip_prefix(':')
                        .ok_or(HealthError::BadUrl("junk after ']'"))?;
                    valid_port(port)?;
                    authority.to_owned()
                }
            }
        } else {
            match authority.split_once(':') {
                None => format!("{authority}:80"),
                Some((host, port)) => {
                    if host.is_empty() {
                        return Err(HealthError::BadUrl("no host"));
                    }
                    valid_port(port)?;
                    authority.to_owned()
                }
            }
        };
        Ok(Self {
            connect_to,
            host: authority.to_owned(),
            path,
        })
    }
}

fn valid_port(port: &str) -> Result<(), HealthError> {
    match port.parse::<u16>() {
        Ok(_) if port.bytes().all(|b| b.is_ascii_digit()) => Ok(()),
        _ => Err(HealthError::BadUrl(
            "the port is not a number from 0 to 65535",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(connect_to: &str, host: &str, path: &str) -> Target {
        Target {
            connect_to: connect_to.into(),
            host: host.into(),
            path: path.into(),
        }
    }

    #[test]
    fn parses_the_urls_a_healthcheck_uses() {
        let cases = [
            (
                "http://127.0.0.1:8080/__admin/health",
                target("127.0.0.1:8080", "127.0.0.1:8080", "/__admin/health"),
            ),
            ("HTTP://localhost", target("localhost:80", "localhost", "/")),
            (
                "http://[::1]:9000/x?y=1#frag",
                target("[::1]:9000", "[::1]:9000", "/x?y=1"),
            ),
            ("http://[::1]", target("[::1]:80", "[::1]", "/")),
            ("http://h:1?q", target("h:1", "h:1", "/?q")),
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
    fn reads_status_lines() {
        let ok = parse_status_line(b"HTTP/1.1 200 OK").ok();
        assert_eq!(
            ok,
            Some(Status {
                code: 200,
                reason: "OK".into()
            })
        );
        let bare = parse_status_line(b"HTTP/1.0 503").ok();
        assert_eq!(bare.map(|s| s.to_string()), Some("503".to_owned()));
        for line in [
            &b"SSH-2.0-OpenSSH"[..],
            b"HTTP/1.1 2000 OK",
            b"HTTP/1.1 +20 x",
            b"",
        ] {
            assert!(parse_status_line(line).is_err());
        }
    }
}
