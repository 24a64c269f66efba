//! `/__admin`: the stand-in's own controls (SPEC §7), not part of the
//! emulated API.

use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/__admin/health", get(health))
}

/// `GET /__admin/health`: the readiness probe.
async fn health() -> Json<Value> {
    Json(json!({"status": "ok"}))
}
