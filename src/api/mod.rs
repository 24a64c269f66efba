//! HTTP: the routes, their extractors and JSON shapes. Handlers call
//! `store` and `ceql`; neither of those knows about HTTP.

pub mod accounts;
pub mod admin;
pub mod extract;
pub mod middleware;
pub mod openapi;
pub mod org_users;
pub mod paging;
pub mod roles;
pub mod users;
pub mod wire;

use axum::extract::DefaultBodyLimit;
use axum::Router;
use tower_http::catch_panic::CatchPanicLayer;

use crate::state::AppState;

/// The emulated API's base path.
pub const BASE_PATH: &str = "/elements/api-v2";

/// The whole application: the emulated API under `BASE_PATH`, the
/// `/__admin` controls, and the request envelope around both.
pub fn router(state: AppState) -> Router {
    let api = Router::new()
        .merge(users::router())
        .merge(org_users::router())
        .merge(roles::router())
        .merge(accounts::router());
    Router::new()
        .nest(BASE_PATH, api)
        .merge(admin::router())
        .layer(DefaultBodyLimit::max(extract::MAX_BODY_BYTES))
        // Inside the envelope, so a panic becomes a 500 in the error shape.
        .layer(CatchPanicLayer::new())
        .layer(axum::middleware::from_fn(middleware::request_envelope))
        .with_state(state)
}
