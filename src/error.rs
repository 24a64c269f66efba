//! The one error type every handler returns, and how it becomes a response.
//!
//! A handler only says *what* went wrong (status and message); the request
//! middleware in `api::middleware` turns that into the error body (docs/api.md#errors)
//! `{"requestId", "message"}`, because only it knows the request id. Internal
//! causes are logged here and never sent to the client.

use axum::http::header::RETRY_AFTER;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

/// The message of every authentication failure, as the real service words
/// it (docs/api.md#authentication).
pub const INVALID_CREDENTIALS: &str =
    "Invalid Organization or User secret, or invalid Element token provided.";

/// What a 503 asks the client to wait before retrying.
const RETRY_AFTER_SECONDS: &str = "1";

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    PayloadTooLarge(String),
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// Overloaded or timed out: 503 with `Retry-After`.
    #[error("{0}")]
    Unavailable(String),
    /// Too many attempts: 429 with `Retry-After` (whole seconds).
    #[error("{message}")]
    TooManyRequests { message: String, retry_after: u64 },
    /// Any other status a framework rejection carries, with its text.
    #[error("{1}")]
    Other(StatusCode, String),
    /// A real fault: the cause is logged, the client sees `Internal error`.
    #[error("internal error: {0}")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl ApiError {
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::BadRequest(message.into())
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::Forbidden(message.into())
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::NotFound(message.into())
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        Self::Conflict(message.into())
    }

    pub fn unauthorized() -> Self {
        Self::Unauthorized(INVALID_CREDENTIALS.to_owned())
    }

    pub fn internal(cause: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self::Internal(cause.into())
    }

    pub fn status(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Other(status, _) => *status,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The text a client may see.
    fn public_message(&self) -> String {
        match self {
            Self::Internal(_) => "Internal error".to_owned(),
            other => other.to_string(),
        }
    }
}

/// Carried in the response extensions from a handler to the request
/// middleware, which writes the JSON error body around it.
#[derive(Debug, Clone)]
pub struct ErrorMessage(pub String);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let Self::Internal(cause) = &self {
            // Logged inside the request span, so it carries the request id.
            tracing::error!(error = %cause, "internal error");
        }
        let mut response = self.status().into_response();
        match &self {
            Self::Unavailable(_) => {
                response
                    .headers_mut()
                    .insert(RETRY_AFTER, HeaderValue::from_static(RETRY_AFTER_SECONDS));
            }
            Self::TooManyRequests { retry_after, .. } => {
                response
                    .headers_mut()
                    .insert(RETRY_AFTER, HeaderValue::from(*retry_after));
            }
            _ => {}
        }
        response
            .extensions_mut()
            .insert(ErrorMessage(self.public_message()));
        response
    }
}

impl From<crate::domain::user::Invalid> for ApiError {
    fn from(invalid: crate::domain::user::Invalid) -> Self {
        ApiError::BadRequest(invalid.0)
    }
}

impl From<crate::store::StoreError> for ApiError {
    fn from(error: crate::store::StoreError) -> Self {
        use crate::store::StoreError;
        match error {
            StoreError::Conflict(message) => Self::Conflict(message),
            // Every connection busy for the whole pool timeout (say, behind
            // a large fixture load): overloaded, not broken.
            StoreError::Database(sqlx::Error::PoolTimedOut) => {
                Self::Unavailable("The database is busy; retry shortly".to_owned())
            }
            // A read past `--query-timeout`, interrupted; its connection
            // is back in the pool.
            StoreError::TimedOut => Self::Unavailable(
                "The query took too long and was stopped; simplify the where or retry".to_owned(),
            ),
            StoreError::Database(cause) => Self::internal(cause),
            StoreError::Migrate(cause) => Self::internal(cause),
            StoreError::Io(cause) => Self::internal(cause),
            StoreError::Schema(cause) => Self::internal(cause),
        }
    }
}

impl From<crate::domain::password::HashError> for ApiError {
    fn from(error: crate::domain::password::HashError) -> Self {
        use crate::domain::password::HashError;
        match error {
            HashError::Busy => Self::Unavailable(
                "Too many password operations are waiting; retry shortly".to_owned(),
            ),
            other => Self::internal(other),
        }
    }
}
