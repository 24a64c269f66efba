//! Paging on the wire: the list query parameters, and the `Elements-*`
//! headers of a page (docs/api.md#paging). The rules are the service's
//! (`service::paging`).

use axum::http::{HeaderMap, HeaderValue};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::service::{ListRequest, Page};

pub const TOTAL_COUNT_HEADER: &str = "elements-total-count";
pub const RETURNED_COUNT_HEADER: &str = "elements-returned-count";
pub const NEXT_PAGE_HEADER: &str = "elements-next-page-token";

/// The query string of a list endpoint, as text; checked by `service::paging::ListQuery::parse`
/// so every bad value gets a message naming it (400). The documented types
/// are what `parse` accepts.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// A CEQL expression: a SQL `WHERE` clause without the keyword, e.g.
    /// `active = true AND email LIKE '%@acme.test'`. At most 4096 bytes,
    /// 64 levels of nesting and 1000 values in an `IN` list; anything it
    /// cannot parse, or a value that does not fit its field, is 400. An
    /// empty or blank value is no filter.
    #[serde(rename = "where")]
    #[param(max_length = 4096, example = "active = true")]
    pub filter: Option<String>,
    /// How many matches to skip (default 0; an empty value is the default).
    /// Ignored beside `nextPage`.
    #[param(value_type = Option<i64>, minimum = 0, example = 0)]
    pub offset: Option<String>,
    /// How many to return (default 200; an empty value is the default).
    #[serde(rename = "pageSize")]
    #[param(value_type = Option<i64>, minimum = 1, maximum = 5000, example = 100)]
    pub page_size: Option<String>,
    /// An `Elements-Next-Page-Token` from an earlier answer to the same
    /// query (same path, caller and `where`); a token that is forged or
    /// belongs to another query is 400. An empty value is no token.
    #[serde(rename = "nextPage")]
    pub next_page: Option<String>,
    /// `true`: inactive ones are listed too (with `active: false`);
    /// otherwise they are left out of the page and the counts.
    #[serde(rename = "includeInactive")]
    #[param(value_type = Option<bool>)]
    pub include_inactive: Option<String>,
}

/// The query parameter of a single account or user read.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct VisibilityParams {
    /// `true`: an inactive one is shown too (with `active: false`);
    /// otherwise it is 404.
    #[serde(rename = "includeInactive")]
    #[param(value_type = Option<bool>)]
    pub include_inactive: Option<String>,
}

impl VisibilityParams {
    pub fn include_inactive(&self) -> Result<bool, crate::error::ApiError> {
        crate::service::include_inactive(self.include_inactive.as_deref())
    }
}

impl From<ListParams> for ListRequest {
    fn from(params: ListParams) -> Self {
        Self {
            filter: params.filter,
            offset: params.offset,
            page_size: params.page_size,
            next_page: params.next_page,
            include_inactive: params.include_inactive,
        }
    }
}

/// The headers of a page: the total, the count on the page, and the next
/// page's token when more follow.
pub fn headers<T>(page: &Page<T>) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert(TOTAL_COUNT_HEADER, HeaderValue::from(page.total));
    headers.insert(RETURNED_COUNT_HEADER, HeaderValue::from(page.returned));
    if let Some(token) = &page.next_token {
        if let Ok(value) = HeaderValue::from_str(token) {
            headers.insert(NEXT_PAGE_HEADER, value);
        }
    }
    headers
}
