//! The `where` of a list request, compiled for its scope, and the 400 a
//! bad one gets (the same from every list and from `/__admin/explain`).

use crate::ceql::{self, Scope};
use crate::error::ApiError;

pub(crate) fn compile_filter(
    filter: Option<&str>,
    scope: Scope,
) -> Result<Option<ceql::Sql>, ApiError> {
    filter
        .map(|text| ceql::compile_where(text, scope))
        .transpose()
        .map_err(where_error)
}

/// The 400 for a `where` that does not parse or compile.
pub(crate) fn where_error(error: ceql::CeqlError) -> ApiError {
    ApiError::bad_request(format!("Invalid where: {error}"))
}
