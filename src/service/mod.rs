//! The operations of the emulated API, one module per area. Each function
//! owns its transaction, its access check (through `domain::access`) and its
//! domain rules; it takes plain input and returns rows or domain types, and
//! knows nothing of HTTP. `api/` extracts a request, calls one function
//! here and renders what comes back.
//!
//! A write reads everything it depends on inside its own write transaction,
//! so two racing requests see each other's effects as 404 or 409, never as
//! a half-checked write.

pub mod accounts;
pub mod attempts;
pub mod fixtures;
pub mod organizations;
pub mod paging;
pub mod roles;
pub mod users;

use std::sync::Arc;

use crate::ceql::{self, Scope};
use crate::config::Config;
use crate::domain::clock::Clock;
use crate::domain::password::PasswordHasher;
use crate::error::ApiError;
use crate::store::Store;

pub use paging::{ListRequest, Page, PageTokens};

/// What the operations work with. Cheap to clone: everything is shared.
#[derive(Clone)]
pub struct Services {
    pub store: Store,
    pub hasher: PasswordHasher,
    pub clock: Clock,
    pub tokens: Arc<PageTokens>,
    pub password_attempts: Arc<attempts::PasswordAttempts>,
}

impl Services {
    pub fn new(store: Store, config: &Config) -> Self {
        Self {
            store,
            hasher: PasswordHasher::new(config.fast_password_hashing),
            clock: Clock::default(),
            tokens: Arc::new(PageTokens::random()),
            password_attempts: Arc::new(attempts::PasswordAttempts::new(config.password_attempts)),
        }
    }
}

/// An id from a path (`what` is e.g. `account id`): an integer, or 400
/// naming `what`. A negative or zero id names nothing: 404, as the real
/// service's clients expect of `-1`.
pub fn parse_id(what: &str, text: &str) -> Result<i64, ApiError> {
    match text.parse::<i64>() {
        Ok(id) if id > 0 => Ok(id),
        Ok(id) => {
            let thing = what.strip_suffix(" id").unwrap_or(what);
            Err(ApiError::not_found(format!(
                "No {thing} found with id {id}"
            )))
        }
        Err(_) => Err(ApiError::bad_request(format!(
            "Invalid {what} '{text}': expected a number"
        ))),
    }
}

/// The `where` of a list request, compiled for its scope.
pub fn compile_filter(filter: Option<&str>, scope: Scope) -> Result<Option<ceql::Sql>, ApiError> {
    filter
        .map(|text| ceql::compile_where(text, scope))
        .transpose()
        .map_err(where_error)
}

/// The 400 for a `where` that does not parse or compile: the same from
/// every list and from `/__admin/explain`.
pub fn where_error(error: ceql::CeqlError) -> ApiError {
    ApiError::bad_request(format!("Invalid where: {error}"))
}

/// `includeInactive`: absent or `false`, inactive accounts and users are
/// invisible to reads; `true`, they are shown.
pub fn include_inactive(text: Option<&str>) -> Result<bool, ApiError> {
    match text {
        None | Some("") => Ok(false),
        Some(text) if text.eq_ignore_ascii_case("true") => Ok(true),
        Some(text) if text.eq_ignore_ascii_case("false") => Ok(false),
        Some(text) => Err(ApiError::bad_request(format!(
            "Invalid includeInactive '{text}': expected true or false"
        ))),
    }
}

/// A list's filter: the client's `where`, and unless inactive rows are
/// included, `active = true` beside it.
pub fn visible_filter(
    filter: Option<&str>,
    include_inactive: bool,
    scope: Scope,
) -> Result<Option<ceql::Sql>, ApiError> {
    hiding_inactive(compile_filter(filter, scope)?, include_inactive, scope)
}

/// A compiled `where` (`filter`), with `active = true` beside it unless
/// inactive rows are included.
pub fn hiding_inactive(
    filter: Option<ceql::Sql>,
    include_inactive: bool,
    scope: Scope,
) -> Result<Option<ceql::Sql>, ApiError> {
    if include_inactive {
        return Ok(filter);
    }
    let active = ceql::compile_where("active = true", scope).map_err(where_error)?;
    Ok(Some(match filter {
        Some(filter) => active.and(filter),
        None => active,
    }))
}
