//! The connections: HTTP/1.1 with keep-alive, served by hyper, and the
//! limits that keep slow, idle or lingering clients from holding them
//! (README.md#hard-to-break).
//!
//! - A request's header must be complete within `client` of the connection
//!   opening or, on a kept-alive connection, of the header's first byte; a
//!   client slower than that is cut off (the connection closed, no answer).
//! - A kept-alive connection with no request started is closed after
//!   `idle`.
//! - Once a header is in, the connection has no deadline of its own: the
//!   request's body has `client` to arrive (408, see `api::admission`) and
//!   its handling `--request-timeout`.
//! - On shutdown, the listener closes at once, connections between two
//!   requests (idle, or still sending a header) are closed at once,
//!   connections with a request in flight are closed as soon as it is
//!   answered, and whatever is left after `shutdown` is closed as it is.
//!
//! Each connection is watched by its own task: the socket reports the first
//! byte of each header, the service reports when a request starts and when
//! its answer has been written, and the task, waking on a schedule that
//! cannot miss a deadline (see [`Activity`]), closes the connection at the
//! deadline that follows from those.

use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::pin::{pin, Pin};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::Router;
use hyper::body::{Frame, Incoming, SizeHint};
use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinSet;
use tokio::time::Instant;
use tower::ServiceExt;
use tower_http::normalize_path::NormalizePath;

use crate::config::Config;

/// How long clients may take (`--client-timeout`, `--idle-timeout`) and
/// how long a stop may take (`--shutdown-timeout`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// For a request's header (and, in `api::admission`, its body).
    pub client: Duration,
    /// For a kept-alive connection between two requests.
    pub idle: Duration,
    /// For the requests in flight when the server is asked to stop.
    pub shutdown: Duration,
}

impl From<&Config> for Timeouts {
    fn from(config: &Config) -> Self {
        Self {
            client: config.client_timeout,
            idle: config.idle_timeout,
            shutdown: config.shutdown_timeout,
        }
    }
}

/// How long the accept loop waits after an error other than a client
/// giving up (typically: no file descriptor left) before trying again.
const ACCEPT_RETRY: Duration = Duration::from_millis(250);

/// Serves `router` on `listener` until `shutdown` resolves, then stops
/// within `timeouts.shutdown` (see the module documentation).
pub async fn serve(
    listener: TcpListener,
    router: Router,
    timeouts: Timeouts,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let (stop, stopping) = watch::channel(false);
    let mut connections = JoinSet::new();
    let mut shutdown = pin!(shutdown);
    let mut accept_failing = false;
    loop {
        tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    accept_failing = false;
                    connections.spawn(connection(stream, router.clone(), timeouts, stopping.clone()));
                }
                Err(error) if is_client_gone(&error) => {}
                Err(error) => {
                    // Logged once per run of failures, not once per retry.
                    if !std::mem::replace(&mut accept_failing, true) {
                        tracing::error!(%error, "cannot accept connections; retrying");
                    }
                    tokio::select! {
                        () = &mut shutdown => break,
                        () = tokio::time::sleep(ACCEPT_RETRY) => {}
                    }
                }
            },
            // Finished connections are reaped as they go.
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    drop(listener);
    // Every connection task subscribed before this: they were all spawned
    // by the loop above.
    let _ = stop.send(true);
    let drained = tokio::time::timeout(timeouts.shutdown, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        tracing::warn!(
            connections = connections.len(),
            "requests still in flight at the shutdown timeout; closing their connections"
        );
        connections.shutdown().await;
    }
    Ok(())
}

/// Accept errors about one client that left before it was accepted.
fn is_client_gone(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionRefused
    )
}

/// Serves one connection until the client closes it, a deadline passes or
/// the server stops.
async fn connection(
    stream: TcpStream,
    router: Router,
    timeouts: Timeouts,
    mut stopping: watch::Receiver<bool>,
) {
    let activity = Arc::new(Activity::new());
    let io = TokioIo::new(Watched {
        stream,
        activity: activity.clone(),
    });
    let service = hyper::service::service_fn({
        let activity = activity.clone();
        move |request: hyper::Request<Incoming>| {
            let handling = Handling::begin(&activity);
            let router = router.clone();
            async move {
                // `POST /accounts/` is `POST /accounts`, as on the real
                // service: the path loses a trailing slash before routing.
                let response = NormalizePath::trim_trailing_slash(router)
                    .oneshot(request.map(Body::new))
                    .await
                    .unwrap_or_else(|never| match never {});
                Ok::<_, Infallible>(response.map(|body| Answer {
                    body,
                    _handling: handling,
                }))
            }
        }
    });
    // The header deadline is kept here rather than by hyper's
    // `header_read_timeout`, which would also close a kept-alive connection
    // `client` after its last answer, however long `idle` is.
    let mut conn = pin!(http1::Builder::new()
        .header_read_timeout(None)
        .serve_connection(io, service));
    let mut stop_requested = false;
    loop {
        let wake = match activity.next_check(&timeouts, Instant::now()) {
            Check::Expired => {
                tracing::debug!("closing a connection: no request header in time");
                return;
            }
            Check::At(at) => at,
        };
        tokio::select! {
            result = conn.as_mut() => {
                if let Err(error) = result {
                    tracing::debug!(%error, "connection ended with an error");
                }
                return;
            }
            () = tokio::time::sleep_until(wake) => {}
            _ = stopping.wait_for(|stop| *stop), if !stop_requested => {
                stop_requested = true;
                if !activity.is_handling() {
                    return;
                }
                // Answers the request in flight, then closes.
                conn.as_mut().graceful_shutdown();
            }
        }
    }
}

/// What one connection is doing, as far as its deadlines go. Nothing
/// wakes the watcher when a request starts or ends: the schedule of
/// [`Activity::next_check`] finds every deadline in time without that, so
/// a busy connection costs a wake-up per `min(client, idle)`, not one per
/// request.
struct Activity {
    state: Mutex<State>,
}

struct State {
    /// Requests started and not yet answered (one at most with HTTP/1.1).
    handling: usize,
    /// No request yet: the header deadline runs from the opening.
    fresh: bool,
    /// When the connection opened or its last answer was written.
    since: Instant,
    /// The first byte received since then, while no request was handled.
    first_byte: Option<Instant>,
}

enum Check {
    Expired,
    /// Nothing can expire before then.
    At(Instant),
}

impl Activity {
    fn new() -> Self {
        Self {
            state: Mutex::new(State {
                handling: 0,
                fresh: true,
                since: Instant::now(),
                first_byte: None,
            }),
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn received(&self) {
        let mut state = self.state();
        if state.handling == 0 && state.first_byte.is_none() {
            state.first_byte = Some(Instant::now());
        }
    }

    fn is_handling(&self) -> bool {
        self.state().handling > 0
    }

    fn next_check(&self, timeouts: &Timeouts, now: Instant) -> Check {
        let state = self.state();
        if state.handling > 0 {
            // No deadline while a request is handled. Once it is answered,
            // the next deadline is at least `min(client, idle)` away: a
            // look by then is in time for it.
            return Check::At(after(now, timeouts.client.min(timeouts.idle)));
        }
        let deadline = match (state.fresh, state.first_byte) {
            (true, _) => after(state.since, timeouts.client),
            (false, Some(first_byte)) => after(first_byte, timeouts.client),
            (false, None) => after(state.since, timeouts.idle),
        };
        if now >= deadline {
            return Check::Expired;
        }
        if !state.fresh && state.first_byte.is_none() {
            // A header starting from now on would be due `client` later:
            // look again by then.
            return Check::At(deadline.min(after(now, timeouts.client)));
        }
        Check::At(deadline)
    }
}

/// `by` after `at`; a timeout too large to add (`--idle-timeout 1000years`)
/// is as good as never.
fn after(at: Instant, by: Duration) -> Instant {
    const NEVER: Duration = Duration::from_secs(100 * 365 * 24 * 60 * 60);
    at.checked_add(by.min(NEVER)).unwrap_or(at)
}

/// A request being handled, from its header until its answer has been
/// written (or abandoned).
struct Handling(Arc<Activity>);

impl Handling {
    fn begin(activity: &Arc<Activity>) -> Self {
        let mut state = activity.state();
        state.handling += 1;
        state.fresh = false;
        state.first_byte = None;
        drop(state);
        Self(activity.clone())
    }
}

impl Drop for Handling {
    fn drop(&mut self) {
        let mut state = self.0.state();
        state.handling = state.handling.saturating_sub(1);
        if state.handling == 0 {
            state.since = Instant::now();
            state.first_byte = None;
        }
    }
}

/// A response body that ends the request's [`Handling`] when hyper is done
/// with it.
struct Answer {
    body: Body,
    _handling: Handling,
}

impl hyper::body::Body for Answer {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        Pin::new(&mut self.get_mut().body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

/// The socket, reporting received bytes to the connection's [`Activity`].
struct Watched {
    stream: TcpStream,
    activity: Arc<Activity>,
}

impl AsyncRead for Watched {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let result = Pin::new(&mut this.stream).poll_read(cx, buf);
        if buf.filled().len() > before {
            this.activity.received();
        }
        result
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().stream).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TIMEOUTS: Timeouts = Timeouts {
        client: Duration::from_secs(10),
        idle: Duration::from_secs(60),
        shutdown: Duration::from_secs(10),
    };

    fn at(check: Check) -> Instant {
        match check {
            Check::At(at) => at,
            Check::Expired => panic!("expired"),
        }
    }

    #[test]
    fn a_new_connection_has_the_client_timeout_for_its_first_header() {
        let activity = Arc::new(Activity::new());
        let opened = activity.state().since;
        assert_eq!(
            at(activity.next_check(&TIMEOUTS, opened)),
            opened + TIMEOUTS.client
        );
        // Bytes do not extend it.
        activity.received();
        assert_eq!(
            at(activity.next_check(&TIMEOUTS, opened)),
            opened + TIMEOUTS.client
        );
        assert!(matches!(
            activity.next_check(&TIMEOUTS, opened + TIMEOUTS.client),
            Check::Expired
        ));
    }

    #[test]
    fn a_kept_alive_connection_waits_idle_then_times_its_next_header() {
        let activity = Arc::new(Activity::new());
        let handling = Handling::begin(&activity);
        let late = Instant::now() + TIMEOUTS.idle * 2;
        assert_eq!(
            at(activity.next_check(&TIMEOUTS, late)),
            late + TIMEOUTS.client
        );
        drop(handling);
        let answered = activity.state().since;
        // Idle: looked at again every `client`, closed at `idle`.
        assert_eq!(
            at(activity.next_check(&TIMEOUTS, answered)),
            answered + TIMEOUTS.client
        );
        let later = answered + TIMEOUTS.idle - Duration::from_secs(1);
        assert_eq!(
            at(activity.next_check(&TIMEOUTS, later)),
            answered + TIMEOUTS.idle
        );
        assert!(matches!(
            activity.next_check(&TIMEOUTS, answered + TIMEOUTS.idle),
            Check::Expired
        ));
        // A header begun has `client` from its first byte.
        activity.received();
        let first_byte = activity.state().first_byte.expect("a first byte");
        assert_eq!(
            at(activity.next_check(&TIMEOUTS, first_byte)),
            first_byte + TIMEOUTS.client
        );
    }

    #[test]
    fn timeouts_too_large_to_add_never_expire() {
        let huge = Timeouts {
            client: Duration::MAX,
            idle: Duration::MAX,
            shutdown: Duration::MAX,
        };
        let activity = Arc::new(Activity::new());
        let now = Instant::now();
        assert!(at(activity.next_check(&huge, now)) > now);
        drop(Handling::begin(&activity));
        assert!(at(activity.next_check(&huge, now)) > now);
    }
}
