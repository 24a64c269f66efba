//! What happens to a request that matched a route, before its handler, in
//! this order (README.md#hard-to-break):
//!
//! 1. On the emulated API, the caller is authenticated: missing or invalid
//!    credentials are answered 401 without reading the body. (The
//!    `--admin-token` check of `/__admin` runs earlier still, in the request
//!    envelope.)
//! 2. The body is read whole, within `--client-timeout` (408 past it) and
//!    up to the route's limit (413 past it): 1 MiB, 64 MiB for
//!    `POST /__admin/seed`.
//! 3. Only then does the request take one of the `--max-in-flight` places
//!    (503 with `Retry-After: 1` at once when none is free), and its handler
//!    gets what is left of `--request-timeout` (503 past it).
//!
//! So a client that trickles its body holds a connection and a little
//! memory, never a place that others need, and nobody can make the server
//! wait for a body before proving who they are. An injected fault's delay
//! (`middleware::inject_faults`) is handling time too: it runs through
//! [`as_handling`], holding a place and counting towards the timeout.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::{FromRequestParts, MatchedPath, Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http_body_util::{BodyExt, LengthLimitError, Limited};
use tokio::sync::Semaphore;

use super::admin::MAX_FIXTURE_BYTES;
use super::extract::{is_json, too_large, MAX_BODY_BYTES};
use super::journal::BodySlot;
use super::state::{AppState, Limits};
use super::BASE_PATH;
use crate::domain::access::Caller;
use crate::error::ApiError;

/// The `--max-in-flight` places and the time each request may use. One per
/// router, put in every request's extensions by `api::router`.
#[derive(Debug, Clone)]
pub struct InFlight {
    places: Arc<Semaphore>,
    request_timeout: Duration,
    client_timeout: Duration,
}

/// Handling time a request has used before its handler (an injected
/// delay), taken off its `--request-timeout`.
#[derive(Debug, Clone, Copy)]
struct Spent(Duration);

impl InFlight {
    pub fn new(limits: &Limits) -> Self {
        Self {
            places: Arc::new(Semaphore::new(
                limits.max_in_flight.min(Semaphore::MAX_PERMITS),
            )),
            request_timeout: limits.request_timeout,
            client_timeout: limits.client_timeout,
        }
    }

    /// Runs `work` in a place, within the time left after `spent`.
    async fn handle<T>(
        &self,
        spent: Duration,
        work: impl Future<Output = T>,
    ) -> Result<T, ApiError> {
        let Ok(_place) = self.places.try_acquire() else {
            return Err(ApiError::Unavailable(
                "The server is overloaded; retry shortly".into(),
            ));
        };
        let left = self.request_timeout.saturating_sub(spent);
        tokio::time::timeout(left, work)
            .await
            // A write already queued for the writer is not called back
            // (see `store::batch`): the message says so, since a retried
            // create would otherwise meet its own earlier self as a 409.
            .map_err(|_| {
                ApiError::Unavailable(
                    "The request took too long and was not waited for; a change it asked for \
                     may still be made, so read it back before retrying"
                        .into(),
                )
            })
    }
}

/// Runs `work` as handling time of `request` (see the module
/// documentation), before its handler.
pub async fn as_handling(
    request: &mut Request,
    work: impl Future<Output = ()>,
) -> Result<(), ApiError> {
    let Some(in_flight) = request.extensions().get::<InFlight>().cloned() else {
        work.await;
        return Ok(());
    };
    let spent = spent(request);
    let started = Instant::now();
    let result = in_flight.handle(spent, work).await;
    request
        .extensions_mut()
        .insert(Spent(spent + started.elapsed()));
    result
}

fn spent(request: &Request) -> Duration {
    request
        .extensions()
        .get::<Spent>()
        .map_or(Duration::ZERO, |spent| spent.0)
}

/// The middleware of every matched route: steps 1 to 3 above.
pub async fn admit(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let Some(in_flight) = request.extensions().get::<InFlight>().cloned() else {
        return next.run(request).await;
    };
    let request = match prepare(&state, &in_flight, request).await {
        Ok(request) => request,
        Err(refusal) => return refusal.into_response(),
    };
    let spent = spent(&request);
    in_flight
        .handle(spent, next.run(request))
        .await
        .unwrap_or_else(IntoResponse::into_response)
}

/// Steps 1 and 2: the caller, then the body.
async fn prepare(
    state: &AppState,
    in_flight: &InFlight,
    request: Request,
) -> Result<Request, ApiError> {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| request.uri().path(), MatchedPath::as_str);
    let is_api = route.starts_with(BASE_PATH);
    let limit = body_limit(&request, route, is_api);
    let (mut parts, body) = request.into_parts();
    if is_api {
        // The handler's own `Caller` finds it in the extensions.
        Caller::from_request_parts(&mut parts, state).await?;
    }
    let body = match limit {
        Some(limit) => {
            let bytes = read_body(body, limit, in_flight.client_timeout).await?;
            // `--journal-bodies`: the journal keeps what the handler reads.
            if let Some(BodySlot(slot)) = parts.extensions.get::<BodySlot>() {
                let _ = slot.set(bytes.clone());
            }
            Body::from(bytes)
        }
        None => body,
    };
    Ok(Request::from_parts(parts, body))
}

/// The most a request's body may hold, when it is to be read before the
/// handler: a non-empty body of a method that carries one. On the emulated
/// API, a body that is not JSON is left to the handler, which refuses it
/// (415) without reading it.
fn body_limit(request: &Request, route: &str, is_api: bool) -> Option<usize> {
    use axum::body::HttpBody;
    if !matches!(
        *request.method(),
        Method::POST | Method::PUT | Method::PATCH
    ) || request.body().is_end_stream()
        || (is_api && !is_json(request.headers()))
    {
        return None;
    }
    Some(if route == "/__admin/seed" {
        MAX_FIXTURE_BYTES
    } else {
        MAX_BODY_BYTES
    })
}

/// The whole body, in memory.
async fn read_body(body: Body, limit: usize, timeout: Duration) -> Result<Bytes, ApiError> {
    let read = tokio::time::timeout(timeout, Limited::new(body, limit).collect()).await;
    match read {
        Ok(Ok(collected)) => Ok(collected.to_bytes()),
        Ok(Err(error)) if error.is::<LengthLimitError>() => Err(too_large(limit)),
        // The client broke off its request: nobody reads this answer.
        Ok(Err(error)) => Err(ApiError::bad_request(format!(
            "The request body could not be read: {error}"
        ))),
        Err(_) => Err(ApiError::Other(
            StatusCode::REQUEST_TIMEOUT,
            format!(
                "The request body did not arrive within {}",
                humantime::format_duration(timeout)
            ),
        )),
    }
}
