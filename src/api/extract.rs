//! Extractors whose rejections are `ApiError`s with messages that name the
//! problem: JSON bodies, numeric path segments, list query parameters.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::header::CONTENT_TYPE;
use axum::http::StatusCode;
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// The request body limit of SPEC §6.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// A JSON object body deserialized into `T`. Unlike `axum::Json`, its
/// errors say which field is wrong ("firstName: invalid type: integer `5`,
/// expected a string") and use the SPEC §6 shape.
pub struct JsonBody<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        if !is_json(&request) {
            return Err(ApiError::UnsupportedMediaType(
                "Content-Type must be application/json".to_owned(),
            ));
        }
        let bytes =
            Bytes::from_request(request, state)
                .await
                .map_err(|rejection| match rejection.status() {
                    StatusCode::PAYLOAD_TOO_LARGE => ApiError::PayloadTooLarge(format!(
                        "Request body is larger than the limit of {MAX_BODY_BYTES} bytes"
                    )),
                    status => ApiError::Other(status, rejection.body_text()),
                })?;
        parse_json_object(&bytes).map(JsonBody)
    }
}

fn is_json(request: &Request) -> bool {
    let Some(content_type) = request
        .headers()
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

/// A numeric id from a path segment; anything else is 400 naming it.
pub fn parse_id(what: &str, text: &str) -> Result<i64, ApiError> {
    text.parse::<i64>()
        .ok()
        .filter(|id| *id >= 0)
        .ok_or_else(|| ApiError::bad_request(format!("Invalid {what} '{text}': expected a number")))
}
