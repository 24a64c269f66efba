//! HTTP: the routes, their extractors and JSON shapes. A handler extracts
//! the request, calls one `service` function and renders its answer;
//! nothing below `api` knows about HTTP.

pub mod accounts;
pub mod admin;
pub mod admission;
pub mod connections;
pub mod console;
pub mod cors;
pub mod extract;
pub mod faults;
pub mod journal;
pub mod metrics;
pub mod middleware;
pub mod openapi;
pub mod org_users;
pub mod organizations;
pub mod paging;
pub mod roles;
pub mod state;
pub mod users;
pub mod wire;

use axum::extract::DefaultBodyLimit;
use axum::http::HeaderName;
use axum::{Extension, Router};
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{PropagateRequestIdLayer, SetRequestIdLayer};

use crate::api::state::AppState;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

/// The emulated API's base path.
pub const BASE_PATH: &str = "/elements/api-v2";

/// Whether `path` is the emulated API's (what CORS and the journal are
/// about), not a control's or the console's.
pub fn is_api_path(path: &str) -> bool {
    path.strip_prefix(BASE_PATH)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// Every route with its OpenAPI entry: the emulated API under
/// `BASE_PATH`, and the `/__admin` controls.
pub fn routes() -> OpenApiRouter<AppState> {
    let api = OpenApiRouter::new()
        .merge(users::router())
        .merge(org_users::router())
        .merge(roles::router())
        .merge(accounts::router())
        .merge(organizations::router());
    OpenApiRouter::with_openapi(openapi::ApiDoc::openapi())
        .nest(BASE_PATH, api)
        .merge(admin::router())
        .merge(console::router())
}

/// The whole application: the emulated API under `BASE_PATH`, the
/// `/__admin` controls, and the request envelope around both.
///
/// From the outside in: the request id, span and envelope (which also
/// checks `--admin-token`), CORS on the emulated API when configured,
/// injected faults, panics caught, then, on
/// matched routes only, `admission::admit`: the caller authenticated, the
/// body read, and only then one of the `--max-in-flight` places and the
/// `--request-timeout` around the handler. An unknown route (404) or method
/// (405) needs neither credentials nor a place.
pub fn router(state: AppState) -> Router {
    let (routes, _) = routes().split_for_parts();
    let in_flight = admission::InFlight::new(&state.limits);
    routes
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            admission::admit,
        ))
        .layer(DefaultBodyLimit::max(extract::MAX_BODY_BYTES))
        // Inside the envelope, so a panic becomes a 500 in the error shape.
        .layer(CatchPanicLayer::new())
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::inject_faults,
        ))
        // `--cors-origin`: a preflight is answered here, before faults,
        // credentials and places; inside the envelope, so it has an id and
        // is logged, counted and journaled like any request.
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            cors::api_only,
        ))
        // One set of places for the whole server (per route would be a
        // limit per route), shared by the faults' delays and the handlers.
        .layer(Extension(in_flight))
        // Outermost: a fresh id for every request (also on its response),
        // the span its log lines are in, then the envelope.
        .layer(
            ServiceBuilder::new()
                .map_request(middleware::without_callers_request_id)
                .layer(SetRequestIdLayer::new(
                    HeaderName::from_static(middleware::REQUEST_ID_HEADER),
                    middleware::HexRequestId,
                ))
                .layer(PropagateRequestIdLayer::new(HeaderName::from_static(
                    middleware::REQUEST_ID_HEADER,
                )))
                .layer(middleware::trace_layer())
                .layer(axum::middleware::from_fn_with_state(
                    state.clone(),
                    middleware::request_envelope,
                )),
        )
        .with_state(state)
}
