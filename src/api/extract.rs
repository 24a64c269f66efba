//! Extractors whose rejections are `ApiError`s with messages that name the
//! problem: JSON bodies, numeric path segments, list query parameters.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header::AUTHORIZATION;
use axum::http::header::CONTENT_TYPE;
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use serde::de::DeserializeOwned;

use crate::auth::{authenticate, parse_authorization};
use crate::domain::access::Caller;
use crate::error::ApiError;
pub use crate::service::parse_id;

use super::journal::CallerSlot;
use super::state::AppState;

/// The header whose value, when it is the user's password, adds the
/// user's secret to the answer.
pub const USER_PASSWORD_HEADER: &str = "elements-user-password";

/// The request body limit (docs/api.md#limits).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// A JSON object body deserialized into `T`. Unlike `axum::Json`, its
/// errors say which field is wrong ("firstName: invalid type: integer `5`,
/// expected a string") and use the error shape of docs/api.md#errors.
pub struct JsonBody<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        if !is_json(request.headers()) {
            return Err(ApiError::UnsupportedMediaType(
                "Content-Type must be application/json".to_owned(),
            ));
        }
        let bytes =
            Bytes::from_request(request, state)
                .await
                .map_err(|rejection| match rejection.status() {
                    StatusCode::PAYLOAD_TOO_LARGE => too_large(MAX_BODY_BYTES),
                    status => ApiError::Other(status, rejection.body_text()),
                })?;
        parse_json_object(&bytes).map(JsonBody)
    }
}

/// The 413 of a body over `limit` bytes.
pub fn too_large(limit: usize) -> ApiError {
    ApiError::PayloadTooLarge(format!(
        "Request body is larger than the limit of {limit} bytes"
    ))
}

/// `application/json`, or any `application/*+json`, with any parameters.
pub fn is_json(headers: &HeaderMap) -> bool {
    let Some(content_type) = headers
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
    else {
        return false;
    };
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// Parses a body that must be a JSON object into `T`.
pub fn parse_json_object<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let value: serde_json::Value = serde_json::from_slice(bytes).map_err(|error| {
        ApiError::bad_request(format!("Request body is not valid JSON: {error}"))
    })?;
    if !value.is_object() {
        return Err(ApiError::bad_request("Request body must be a JSON object"));
    }
    serde_path_to_error::deserialize(value).map_err(|error| {
        let path = error.path().to_string();
        ApiError::bad_request(format!("{path}: {}", error.inner()))
    })
}

/// The authenticated caller: 401 without valid credentials. On the
/// emulated API, `api::admission` extracts it before the body is read; the
/// handler then finds it in the extensions.
impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        if let Some(caller) = parts.extensions.get::<Caller>() {
            return Ok(caller.clone());
        }
        let header = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .ok_or_else(ApiError::unauthorized)?;
        let credentials = parse_authorization(header).ok_or_else(ApiError::unauthorized)?;
        let caller = authenticate(&state.services, &credentials).await?;
        if let Some(slot) = parts.extensions.get::<CallerSlot>() {
            // Set once per request; a second extraction finds it set already.
            let _ = slot.0.set((caller.organization_id, caller.user_id));
        }
        parts.extensions.insert(caller.clone());
        Ok(caller)
    }
}

/// The `Elements-User-Password` header, as sent (it need not be UTF-8: a
/// password that is not is simply wrong).
pub struct UserPassword(pub Option<Vec<u8>>);

impl<S: Send + Sync> FromRequestParts<S> for UserPassword {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(
            parts
                .headers
                .get(USER_PASSWORD_HEADER)
                .map(|value| value.as_bytes().to_vec()),
        ))
    }
}
