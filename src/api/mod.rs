//! HTTP: the routes, their extractors and JSON shapes. A handler extracts
//! the request, calls one `service` function and renders its answer;
//! nothing below `api` knows about HTTP.

pub mod accounts;
pub mod admin;
pub mod connections;
pub mod extract;
pub mod faults;
pub mod journal;
pub mod metrics;
pub mod middleware;
pub mod openapi;
pub mod org_users;
pub mod paging;
pub mod roles;
pub mod state;
pub mod users;
pub mod wire;

use axum::error_handling::HandleErrorLayer;
use axum::extract::DefaultBodyLimit;
use axum::http::HeaderName;
use axum::response::{IntoResponse, Response};
use axum::{BoxError, Router};
use tower::limit::GlobalConcurrencyLimitLayer;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{PropagateRequestIdLayer, SetRequestIdLayer};

use crate::api::state::AppState;
use crate::error::ApiError;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

/// The emulated API's base path.
pub const BASE_PATH: &str = "/elements/api-v2";

/// Every route with its OpenAPI entry: the emulated API under
/// `BASE_PATH`, and the `/__admin` controls.
pub fn routes() -> OpenApiRouter<AppState> {
    let api = OpenApiRouter::new()
        .merge(users::router())
        .merge(org_users::router())
        .merge(roles::router())
        .merge(accounts::router());
    OpenApiRouter::with_openapi(openapi::ApiDoc::openapi())
        .nest(BASE_PATH, api)
        .merge(admin::router())
}

/// The whole application: the emulated API under `BASE_PATH`, the
/// `/__admin` controls, and the request envelope around both.
pub fn router(state: AppState) -> Router {
    let (routes, _) = routes().split_for_parts();
    routes
        .layer(DefaultBodyLimit::max(extract::MAX_BODY_BYTES))
        // Inside the envelope, so a panic becomes a 500 in the error shape.
        .layer(CatchPanicLayer::new())
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::inject_faults,
        ))
        // Overload: one limit for the whole server (a plain concurrency
        // limit would be per route), shedding what does not fit at once,
        // and a deadline per request; both answer 503 with Retry-After.
        .layer(
            ServiceBuilder::new()
                .layer(HandleErrorLayer::new(overloaded))
                .load_shed()
                .layer(GlobalConcurrencyLimitLayer::new(state.limits.max_in_flight))
                .timeout(state.limits.request_timeout),
        )
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

/// The answer when the overload layers refuse a request.
async fn overloaded(error: BoxError) -> Response {
    if error.is::<tower::timeout::error::Elapsed>() {
        ApiError::Unavailable("The request took too long; retry shortly".into()).into_response()
    } else if error.is::<tower::load_shed::error::Overloaded>() {
        ApiError::Unavailable("The server is overloaded; retry shortly".into()).into_response()
    } else {
        ApiError::internal(error).into_response()
    }
}
