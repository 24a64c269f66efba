//! The request envelope: a request id for every request, a tracing span
//! keyed on the matched route, the error body `{"requestId", "message"}`
//! for every error (including the ones axum itself produces: unknown route,
//! wrong method, rejected bodies, panics), the admin plane's same-origin
//! check and `--admin-token` gate, injected faults, and the request journal.
//!
//! The id and the span come from tower-http, layered outside
//! [`request_envelope`] in this order (see `api::router`):
//! [`without_callers_request_id`], `SetRequestIdLayer` with
//! [`HexRequestId`], `PropagateRequestIdLayer` (the id onto every
//! response's `Elements-Request-Id`), `TraceLayer` with [`trace_layer`]'s
//! [`request_span`].

use std::time::Instant;

use axum::body::Body;
use axum::extract::{MatchedPath, Request, State};
use axum::http::header::{ALLOW, AUTHORIZATION, CONTENT_TYPE, HOST, ORIGIN, RETRY_AFTER, VARY};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http_body_util::BodyExt;
use rand::RngCore;
use serde::Serialize;
use serde_json::value::RawValue;
use tower_http::classify::{ServerErrorsAsFailures, SharedClassifier};
use tower_http::request_id::{MakeRequestId, RequestId};
use tower_http::trace::TraceLayer;
use tracing::Span;
use utoipa::ToSchema;

use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::admission;
use super::is_api_path;
use super::journal::{no_body, redact_query, redacted_body, BodySlot, CallerSlot, JournalEntry};
use crate::api::state::AppState;
use crate::domain::secret::SecretDigest;
use crate::error::{ApiError, ErrorMessage};

pub const REQUEST_ID_HEADER: &str = "elements-request-id";

/// The largest framework error body read back to become a message.
const MAX_ERROR_TEXT: usize = 16 * 1024;

/// Request ids for `SetRequestIdLayer`: 24 lowercase hex characters, from
/// 12 random bytes.
#[derive(Debug, Clone, Copy, Default)]
pub struct HexRequestId;

impl HexRequestId {
    fn generate() -> String {
        let mut bytes = [0u8; 12];
        rand::thread_rng().fill_bytes(&mut bytes);
        bytes.iter().map(|byte| format!("{byte:02x}")).collect()
    }
}

impl MakeRequestId for HexRequestId {
    fn make_request_id<B>(&mut self, _request: &axum::http::Request<B>) -> Option<RequestId> {
        HeaderValue::from_str(&Self::generate())
            .ok()
            .map(RequestId::new)
    }
}

/// Every request gets an id of its own: an `Elements-Request-Id` the caller
/// sent is dropped before `SetRequestIdLayer`, which would otherwise keep it
/// (and its text need not be 24 lowercase hex characters).
pub fn without_callers_request_id(mut request: Request) -> Request {
    request.headers_mut().remove(REQUEST_ID_HEADER);
    request
}

/// The id `SetRequestIdLayer` gave the request.
fn request_id(request: &Request) -> Option<&str> {
    request
        .extensions()
        .get::<RequestId>()
        .and_then(|id| id.header_value().to_str().ok())
}

/// The route a request matched, for the span and the metrics.
fn route(request: &Request) -> &str {
    request
        .extensions()
        .get::<MatchedPath>()
        .map_or("<unmatched>", MatchedPath::as_str)
}

/// The span every log line about a request is in. Headers are deliberately
/// not recorded: Authorization and Elements-User-Password carry secrets.
pub fn request_span(request: &Request) -> Span {
    let id = request_id(request).unwrap_or_default();
    tracing::info_span!(
        "request",
        request_id = %id,
        method = %request.method(),
        route = %route(request),
    )
}

/// A `TraceLayer` for [`request_span`] and nothing else: the one line a
/// request logs ("answered", with its status and duration) is written by
/// [`request_envelope`], in the span, which also feeds the metrics and the
/// journal from the same measurement; tower-http's own per-request events
/// are left out.
pub type RequestTrace =
    TraceLayer<SharedClassifier<ServerErrorsAsFailures>, fn(&Request) -> Span, (), (), (), (), ()>;

pub fn trace_layer() -> RequestTrace {
    TraceLayer::new_for_http()
        .make_span_with(request_span as fn(&Request) -> Span)
        .on_request(())
        .on_response(())
        .on_body_chunk(())
        .on_eos(())
        .on_failure(())
}

/// The error body of every 4xx and 5xx answer, including the ones no
/// operation lists: 404 for an unknown path, 405 for a method a path does
/// not serve.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = Error)]
pub struct ErrorBody<'a> {
    /// The request's id, as in its `Elements-Request-Id` header.
    #[schema(value_type = String, pattern = "^[0-9a-f]{24}$", example = "5f0c2b9e8d7a6c5b4a392817")]
    pub request_id: &'a str,
    /// What went wrong; `Internal error` for a 500.
    #[schema(value_type = String)]
    pub message: &'a str,
}

/// Runs inside the id and span layers: the same-origin check and the
/// `--admin-token` gate of `/__admin`, the error shape, the "answered" log
/// line, the metrics and the journal.
pub async fn request_envelope(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    // SetRequestIdLayer always gives one, and PropagateRequestIdLayer puts
    // it on the response. Without one (the layers missing), a fresh id
    // still goes into both the body and the header.
    let (id, propagated) = match request_id(&request) {
        Some(id) => (id.to_owned(), true),
        None => (HexRequestId::generate(), false),
    };
    let route = route(&request).to_owned();
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let query = request.uri().query().map(redact_query);
    // The journal is about the emulated API; control traffic and any other
    // path (a browser's `/favicon.ico`) stay out.
    let journaled = is_api_path(&path);
    let caller = CallerSlot::default();
    request.extensions_mut().insert(caller.clone());
    let request_body = (journaled && state.journal.keeps_bodies()).then(|| {
        let slot = BodySlot::default();
        request.extensions_mut().insert(slot.clone());
        slot
    });
    let started = Instant::now();
    let time = OffsetDateTime::now_utc();
    let response = match same_origin_gate(&request).and_then(|()| admin_gate(&state, &request)) {
        Err(refusal) => refusal.into_response(),
        Ok(()) => next.run(request).await,
    };
    let mut response = error_shape(response, &id, &method, &path).await;
    if !propagated {
        if let Ok(value) = HeaderValue::from_str(&id) {
            response.headers_mut().insert(REQUEST_ID_HEADER, value);
        }
    }
    let elapsed = started.elapsed();
    let status = response.status().as_u16();
    tracing::info!(status, elapsed_us = elapsed.as_micros() as u64, "answered");
    state
        .metrics
        .observe(method.as_str(), &route, status, elapsed.as_secs_f64());
    if journaled {
        let (organization_id, user_id) = caller.0.get().copied().unzip();
        let (request_body, response_body) = match request_body {
            None => (None, None),
            Some(BodySlot(slot)) => {
                let request_body = slot
                    .get()
                    .map_or_else(no_body, |bytes| redacted_body(bytes));
                let (kept, response_body) = response_json(response, &id).await;
                response = kept;
                (Some(request_body), Some(response_body))
            }
        };
        state.journal.record(JournalEntry {
            request_id: id,
            time: time.format(&Rfc3339).unwrap_or_default(),
            method: method.to_string(),
            path,
            query,
            status,
            duration_ms: elapsed.as_secs_f64() * 1000.0,
            organization_id,
            user_id,
            request_body,
            response_body,
        });
    }
    response
}

/// For `--journal-bodies`: the answer's JSON body, redacted, and the answer
/// itself, unchanged. Every answer of the emulated API is built in memory,
/// so reading it whole costs a copy, not a wait.
async fn response_json(response: Response, id: &str) -> (Response, Box<RawValue>) {
    let is_json = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("application/json"));
    if !is_json {
        return (response, no_body());
    }
    let (parts, body) = response.into_parts();
    match body.collect().await {
        Ok(collected) => {
            let bytes = collected.to_bytes();
            let redacted = redacted_body(&bytes);
            (Response::from_parts(parts, Body::from(bytes)), redacted)
        }
        // Not for a body built in memory; the client is told, not left
        // with half an answer.
        Err(error) => {
            tracing::error!(%error, "an answer's body could not be read for the journal");
            let body = ErrorBody {
                request_id: id,
                message: "Internal error",
            };
            let mut failed = (StatusCode::INTERNAL_SERVER_ERROR, axum::Json(body)).into_response();
            if let Ok(value) = HeaderValue::from_str(id) {
                failed.headers_mut().insert(REQUEST_ID_HEADER, value);
            }
            (failed, no_body())
        }
    }
}

/// Injected faults (the `/__admin/faults` rules), before any handler and
/// before authentication. The delay is handling time
/// (`admission::as_handling`): a slowed request holds one of the
/// `--max-in-flight` places like a slow one would, and `--request-timeout`
/// applies.
pub async fn inject_faults(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let Some(fault) = state.faults.fire(request.method(), request.uri().path()) else {
        return next.run(request).await;
    };
    if let Err(refusal) =
        admission::as_handling(&mut request, tokio::time::sleep(fault.delay)).await
    {
        return refusal.into_response();
    }
    match fault.status {
        Some(status) => ApiError::Other(status, "Injected fault".into()).into_response(),
        None => next.run(request).await,
    }
}

/// The admin plane never answers a web page of another origin: a request
/// to `/__admin` whose `Origin` is not the server's own is refused before
/// anything else looks at it (its body, the admin token). Browsers send
/// `Origin` on every cross-origin request and on same-origin ones other
/// than `GET`, so a page the developer happens to visit cannot reset or
/// seed their local server; clients that send no `Origin` (curl, test
/// suites) are not affected.
///
/// Comparing `Origin` with `Host` is not enough on its own: a page whose
/// name is re-pointed at 127.0.0.1 (DNS rebinding) is "same-origin" with
/// itself, and its `GET`s carry no `Origin` at all. So a request from a
/// browser (it has `Origin`, or the `Sec-Fetch-Site` every current browser
/// sends) must also have been sent to a local address: `localhost` (or a
/// name below it) or an IP address, never a name a web page could own.
/// Clients that are not browsers may use any name (a compose service's).
fn same_origin_gate(request: &Request) -> Result<(), ApiError> {
    if !request.uri().path().starts_with("/__admin") {
        return Ok(());
    }
    let headers = request.headers();
    let origin = headers.get(ORIGIN);
    if origin.is_none() && !headers.contains_key(SEC_FETCH_SITE) {
        return Ok(());
    }
    // The server's own origin is where the request was sent: the Host
    // header (the URI's authority in HTTP/2).
    let host = headers
        .get(HOST)
        .and_then(|host| host.to_str().ok())
        .or_else(|| {
            request
                .uri()
                .authority()
                .map(|authority| authority.as_str())
        });
    if !host.is_some_and(is_local_address) {
        return Err(ApiError::forbidden(
            "The /__admin controls answer web pages only at a local address \
             (localhost or an IP address), so that no web page's own name can reach them: \
             open the console by one of those",
        ));
    }
    let Some(origin) = origin else {
        return Ok(());
    };
    let own = origin
        .to_str()
        .ok()
        .zip(host)
        .is_some_and(|(origin, host)| is_own_origin(origin, host));
    if own {
        Ok(())
    } else {
        Err(ApiError::forbidden(
            "The /__admin controls do not answer web pages of other origins: \
             this request's Origin is not this server's own",
        ))
    }
}

/// Fetch metadata: browsers say where a request comes from.
const SEC_FETCH_SITE: &str = "sec-fetch-site";

/// Whether `host` (`name[:port]`) is `localhost`, a name below it, or an
/// IP address: names no one else can point at this server.
fn is_local_address(host: &str) -> bool {
    let Some((name, _)) = split_host_port(host) else {
        return false;
    };
    let lower = name.to_ascii_lowercase();
    lower == "localhost"
        || lower.ends_with(".localhost")
        || name.parse::<std::net::Ipv4Addr>().is_ok()
        || name
            .strip_prefix('[')
            .and_then(|inner| inner.strip_suffix(']'))
            .is_some_and(|inner| inner.parse::<std::net::Ipv6Addr>().is_ok())
}

/// Whether `origin` (`scheme://host[:port]`) is `http://<host>`, the same
/// host and port, the host in any case; the loopback names `localhost`,
/// `127.0.0.1` and `[::1]` count as one.
fn is_own_origin(origin: &str, host: &str) -> bool {
    const SCHEME: &str = "http://";
    let authority = origin
        .get(..SCHEME.len())
        .filter(|scheme| scheme.eq_ignore_ascii_case(SCHEME))
        .and_then(|_| origin.get(SCHEME.len()..));
    let (Some(origin), Some(own)) = (authority.and_then(split_host_port), split_host_port(host))
    else {
        return false;
    };
    let loopback = |name: &str| {
        name.eq_ignore_ascii_case("localhost") || name == "127.0.0.1" || name == "[::1]"
    };
    origin.1 == own.1
        && (origin.0.eq_ignore_ascii_case(own.0) || (loopback(origin.0) && loopback(own.0)))
}

/// `host[:port]` (an IPv6 host in brackets) as host and port, the port 80
/// when absent; `None` for anything else (a path, user info, a bad port).
fn split_host_port(authority: &str) -> Option<(&str, u16)> {
    let (host, port) = match authority.rfind(':') {
        Some(colon) if !authority[colon..].contains(']') => {
            (&authority[..colon], Some(&authority[colon + 1..]))
        }
        _ => (authority, None),
    };
    let port = match port {
        None => 80,
        Some(digits) if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) => {
            digits.parse().ok()?
        }
        Some(_) => return None,
    };
    let valid = match host
        .strip_prefix('[')
        .and_then(|rest| rest.strip_suffix(']'))
    {
        Some(ipv6) => ipv6
            .bytes()
            .all(|b| b.is_ascii_hexdigit() || matches!(b, b':' | b'.')),
        None => host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_')),
    };
    (valid && !host.is_empty()).then_some((host, port))
}

/// `--admin-token`: every `/__admin` route but the health probe and the
/// console's files wants `Authorization: Bearer <token>`, compared in
/// constant time.
fn admin_gate(state: &AppState, request: &Request) -> Result<(), ApiError> {
    let Some(token) = &state.admin_token else {
        return Ok(());
    };
    let path = request.uri().path();
    // The console's files hold no data; the page sends the token itself.
    if !path.starts_with("/__admin") || path == "/__admin/health" || super::console::is_public(path)
    {
        return Ok(());
    }
    let given = request
        .headers()
        .get(AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .map(str::trim);
    match given {
        Some(given) if SecretDigest::of(given).matches(token.digest().as_bytes()) => Ok(()),
        _ => Err(ApiError::Unauthorized(
            "This control needs Authorization: Bearer <admin token>".to_owned(),
        )),
    }
}

/// Rewrites any error response into `{"requestId", "message"}`.
async fn error_shape(
    response: Response,
    id: &str,
    method: &axum::http::Method,
    path: &str,
) -> Response {
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    // `Allow` (405), `Retry-After` (503) and the CORS headers
    // (`--cors-origin`) must survive the rewrite.
    let kept: Vec<_> = response
        .headers()
        .iter()
        .filter(|(name, _)| {
            [ALLOW, RETRY_AFTER, VARY].contains(name)
                || name.as_str().starts_with("access-control-")
        })
        .map(|(name, value)| (name.clone(), value.clone()))
        .collect();
    let message = match response.extensions().get::<ErrorMessage>() {
        Some(ErrorMessage(message)) => message.clone(),
        None => framework_message(response, method, path).await,
    };
    let body = ErrorBody {
        request_id: id,
        message: &message,
    };
    let mut shaped = (status, axum::Json(body)).into_response();
    shaped.headers_mut().extend(kept);
    shaped
}

/// A message for an error a handler did not produce: axum's own 404/405,
/// a panic caught by `CatchPanicLayer`, or any other plain-text rejection.
async fn framework_message(response: Response, method: &axum::http::Method, path: &str) -> String {
    let status = response.status();
    match status {
        StatusCode::NOT_FOUND => return format!("No such resource: {method} {path}"),
        StatusCode::METHOD_NOT_ALLOWED => {
            return format!("Method {method} is not allowed on {path}")
        }
        StatusCode::INTERNAL_SERVER_ERROR => return "Internal error".to_owned(),
        _ => {}
    }
    let is_text = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("text/plain"));
    let text = if is_text {
        axum::body::to_bytes(response.into_body(), MAX_ERROR_TEXT)
            .await
            .map(|bytes| String::from_utf8_lossy(&bytes).trim().to_owned())
            .unwrap_or_default()
    } else {
        String::new()
    };
    if text.is_empty() {
        status.canonical_reason().unwrap_or("Error").to_owned()
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::sync::{Arc, Mutex, PoisonError};

    use serde_json::Value;

    use crate::{Config, Server};

    fn is_request_id(id: &str) -> bool {
        id.len() == 24 && id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    }

    /// Log output collected in memory.
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl Write for Captured {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .extend_from_slice(bytes);
            Ok(bytes.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl Captured {
        fn lines(&self) -> Vec<Value> {
            let bytes = self.0.lock().unwrap_or_else(PoisonError::into_inner);
            String::from_utf8_lossy(&bytes)
                .lines()
                .map(|line| serde_json::from_str(line).unwrap())
                .collect()
        }
    }

    #[test]
    fn own_origins_are_the_host_and_its_loopback_spellings() {
        use super::is_own_origin;
        for (origin, host) in [
            ("http://127.0.0.1:8080", "127.0.0.1:8080"),
            ("http://localhost:8080", "127.0.0.1:8080"),
            ("http://[::1]:8080", "localhost:8080"),
            ("http://127.0.0.1:8080", "[::1]:8080"),
            ("HTTP://LocalHost:8080", "localhost:8080"),
            ("http://devbox.lan:9000", "DevBox.lan:9000"),
            ("http://localhost", "localhost:80"),
            ("http://[::1]", "[::1]"),
        ] {
            assert!(is_own_origin(origin, host), "{origin} for {host}");
        }
        for (origin, host) in [
            ("http://evil.example", "127.0.0.1:8080"),
            ("http://evil.example:8080", "127.0.0.1:8080"),
            ("http://localhost:8081", "localhost:8080"),
            ("http://localhost", "localhost:8080"),
            ("https://localhost:8080", "localhost:8080"),
            ("http://devbox.lan:8080", "localhost:8080"),
            ("http://localhost:8080", "devbox.lan:8080"),
            ("null", "localhost:8080"),
            ("", "localhost:8080"),
            ("http://localhost:8080/", "localhost:8080"),
            ("http://user@localhost:8080", "localhost:8080"),
            ("http://localhost:", "localhost:80"),
            ("http://localhost:99999", "localhost:99999"),
            ("http://[::1", "[::1"),
            ("http://é:8080", "é:8080"),
        ] {
            assert!(!is_own_origin(origin, host), "{origin} for {host}");
        }
    }

    #[tokio::test]
    async fn every_request_gets_a_fresh_id_whatever_the_caller_sends() {
        let server = Server::start(Config::for_tests()).await.unwrap();
        let client = reqwest::Client::new();
        let mut seen = std::collections::HashSet::new();
        for (path, sent) in [
            ("/__admin/health", "not-an-id"),
            ("/__admin/nothing-here", "0123456789abcdef01234567"),
            ("/elements/api-v2/accounts", "x\u{7f}"),
        ] {
            let mut request = client.get(format!("{}{path}", server.url()));
            if let Ok(value) = reqwest::header::HeaderValue::from_bytes(sent.as_bytes()) {
                request = request.header("Elements-Request-Id", value);
            }
            let reply = request.send().await.unwrap();
            let ids: Vec<_> = reply
                .headers()
                .get_all("elements-request-id")
                .iter()
                .map(|value| value.to_str().unwrap().to_owned())
                .collect();
            assert_eq!(ids.len(), 1, "{path}: {ids:?}");
            let id = ids[0].clone();
            assert!(is_request_id(&id), "{path}: {id:?}");
            assert_ne!(id, sent, "{path}");
            let status = reply.status();
            let body: Value = reply.json().await.unwrap();
            if status.is_client_error() {
                assert_eq!(body["requestId"], id.as_str(), "{path}: {body}");
            }
            assert!(seen.insert(id), "{path}: ids repeat");
        }
        server.stop().await.unwrap();
    }

    /// What `--log-format json` shows of a request: the "answered" line in
    /// the `request` span with its id, method and matched route.
    #[tokio::test]
    async fn the_log_line_of_a_request_is_in_its_span() {
        let captured = Captured::default();
        let writer = captured.clone();
        // As `main` does, for the whole test process: a subscriber only for
        // this thread would see events whose interest other threads' tests
        // cached first. The other tests' lines are told apart by their id.
        let subscriber = tracing_subscriber::fmt()
            .json()
            .with_env_filter("localelements::api::middleware=info")
            .with_writer(move || writer.clone())
            .finish();
        tracing::subscriber::set_global_default(subscriber).unwrap();
        let server = Server::start(Config::for_tests()).await.unwrap();
        let reply = reqwest::Client::new()
            .delete(format!(
                "{}/elements/api-v2/accounts/1/users/2",
                server.url()
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(reply.status(), 401);
        let id = reply.headers()["elements-request-id"].to_str().unwrap();
        let answered: Vec<_> = captured
            .lines()
            .into_iter()
            .filter(|line| line["span"]["request_id"] == id)
            .collect();
        assert_eq!(answered.len(), 1, "{answered:?}");
        let line = &answered[0];
        assert_eq!(line["fields"]["message"], "answered", "{line}");
        assert_eq!(line["fields"]["status"], 401, "{line}");
        assert_eq!(line["span"]["name"], "request", "{line}");
        assert_eq!(line["span"]["request_id"], id, "{line}");
        assert_eq!(line["span"]["method"], "DELETE", "{line}");
        assert_eq!(
            line["span"]["route"], "/elements/api-v2/accounts/{id}/users/{user}",
            "{line}"
        );
        server.stop().await.unwrap();
    }
}
