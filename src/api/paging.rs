//! `offset`, `pageSize` and `nextPage` (SPEC §4.1): parsing, the opaque
//! page tokens, and the `Elements-*` response headers.
//!
//! A token is `after_id` plus an HMAC over it and the query it belongs to
//! (who is listing, what, and with which `where`), so a forged token, or a
//! token replayed against another query, is refused. Tokens are keyed per
//! server process: they are cursors, not bookmarks.

use axum::http::{HeaderMap, HeaderValue};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use rand::rngs::OsRng;
use rand::RngCore;
use serde::Deserialize;
use sha2::Sha256;
use utoipa::IntoParams;

use crate::error::ApiError;
use crate::store::users::PageRequest;

pub const DEFAULT_PAGE_SIZE: i64 = 200;
pub const MAX_PAGE_SIZE: i64 = 5000;

pub const TOTAL_COUNT_HEADER: &str = "elements-total-count";
pub const RETURNED_COUNT_HEADER: &str = "elements-returned-count";
pub const NEXT_PAGE_HEADER: &str = "elements-next-page-token";

/// Bytes of MAC kept in a token: forging one is a 2^-128 guess.
const MAC_BYTES: usize = 16;

/// The query string of a list endpoint, as text; parsed by `ListQuery::parse`
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
}

pub struct PageTokens {
    key: [u8; 32],
}

impl PageTokens {
    pub fn random() -> Self {
        let mut key = [0u8; 32];
        OsRng.fill_bytes(&mut key);
        Self { key }
    }

    fn mac(&self, query: &str, after_id: i64) -> Hmac<Sha256> {
        // `new_from_slice` accepts any key length for HMAC.
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.key)
            .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
        mac.update(&after_id.to_be_bytes());
        mac.update(query.as_bytes());
        mac
    }

    pub fn issue(&self, query: &str, after_id: i64) -> String {
        let tag = self.mac(query, after_id).finalize().into_bytes();
        let mut raw = Vec::with_capacity(8 + MAC_BYTES);
        raw.extend_from_slice(&after_id.to_be_bytes());
        raw.extend_from_slice(&tag[..MAC_BYTES]);
        URL_SAFE_NO_PAD.encode(raw)
    }

    /// The `after_id` a token carries, if it was issued for this query.
    pub fn redeem(&self, query: &str, token: &str) -> Option<i64> {
        let raw = URL_SAFE_NO_PAD.decode(token).ok()?;
        if raw.len() != 8 + MAC_BYTES {
            return None;
        }
        let (id_bytes, tag) = raw.split_at(8);
        let after_id = i64::from_be_bytes(id_bytes.try_into().ok()?);
        // `verify_truncated_left` compares in constant time.
        self.mac(query, after_id).verify_truncated_left(tag).ok()?;
        Some(after_id)
    }
}

/// A validated list request.
#[derive(Debug, Clone)]
pub struct ListQuery {
    pub filter: Option<String>,
    pub page: PageRequest,
}

impl ListQuery {
    /// `scope` names what is listed and for whom (e.g. `users:account:7`),
    /// so a token only ever redeems against the same query.
    pub fn parse(params: ListParams, scope: &str, tokens: &PageTokens) -> Result<Self, ApiError> {
        let offset = match params.offset.as_deref() {
            None | Some("") => 0,
            Some(text) => text
                .parse::<i64>()
                .ok()
                .filter(|offset| *offset >= 0)
                .ok_or_else(|| {
                    ApiError::bad_request(format!(
                        "Invalid offset '{text}': expected an integer of 0 or more"
                    ))
                })?,
        };
        let limit = match params.page_size.as_deref() {
            None | Some("") => DEFAULT_PAGE_SIZE,
            Some(text) => text
                .parse::<i64>()
                .ok()
                .filter(|size| (1..=MAX_PAGE_SIZE).contains(size))
                .ok_or_else(|| {
                    ApiError::bad_request(format!(
                        "Invalid pageSize '{text}': expected an integer from 1 to {MAX_PAGE_SIZE}"
                    ))
                })?,
        };
        let filter = params.filter.filter(|text| !text.trim().is_empty());
        let query = Self::token_query(scope, filter.as_deref());
        let (after_id, offset) = match params.next_page.as_deref() {
            None | Some("") => (None, offset),
            // A token already says where the page starts; an `offset` sent
            // beside it (as the seed page's `offset=0` habit does) is ignored.
            Some(token) => (
                Some(tokens.redeem(&query, token).ok_or_else(|| {
                    ApiError::bad_request(
                        "Invalid nextPage token: it is malformed or belongs to another query",
                    )
                })?),
                0,
            ),
        };
        Ok(Self {
            filter,
            page: PageRequest {
                after_id,
                offset,
                limit,
            },
        })
    }

    fn token_query(scope: &str, filter: Option<&str>) -> String {
        format!("{scope}\n{}", filter.unwrap_or(""))
    }

    /// The page one past the limit was asked for, to learn whether more
    /// follow without a second query.
    pub fn page_with_lookahead(&self) -> PageRequest {
        PageRequest {
            limit: self.page.limit + 1,
            ..self.page
        }
    }

    /// The three `Elements-*` headers; `next_after` is the last id shown
    /// when more follow.
    pub fn headers(
        &self,
        total: i64,
        returned: i64,
        next_after: Option<i64>,
        scope: &str,
        tokens: &PageTokens,
    ) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(TOTAL_COUNT_HEADER, HeaderValue::from(total));
        headers.insert(RETURNED_COUNT_HEADER, HeaderValue::from(returned));
        if let Some(last) = next_after {
            let token = tokens.issue(&Self::token_query(scope, self.filter.as_deref()), last);
            if let Ok(value) = HeaderValue::from_str(&token) {
                headers.insert(NEXT_PAGE_HEADER, value);
            }
        }
        headers
    }

    /// Trims the lookahead row of a page read as rows, and sets the headers.
    pub fn finish<T>(
        &self,
        mut rows: Vec<T>,
        id_of: impl Fn(&T) -> i64,
        total: i64,
        scope: &str,
        tokens: &PageTokens,
    ) -> (HeaderMap, Vec<T>) {
        let more = rows.len() as i64 > self.page.limit;
        rows.truncate(self.page.limit as usize);
        let next_after = rows.last().filter(|_| more).map(&id_of);
        let headers = self.headers(total, rows.len() as i64, next_after, scope, tokens);
        (headers, rows)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_redeems_only_for_its_own_query() {
        let tokens = PageTokens::random();
        let token = tokens.issue("users:account:1\nactive = true", 42);
        assert_eq!(
            tokens.redeem("users:account:1\nactive = true", &token),
            Some(42)
        );
        assert_eq!(
            tokens.redeem("users:account:2\nactive = true", &token),
            None
        );
        assert_eq!(tokens.redeem("users:account:1\n", &token), None);
        assert_eq!(
            PageTokens::random().redeem("users:account:1\nactive = true", &token),
            None
        );
    }

    #[test]
    fn forged_tokens_are_refused() {
        let tokens = PageTokens::random();
        let token = tokens.issue("q", 7);
        let mut raw = URL_SAFE_NO_PAD.decode(&token).expect("base64");
        raw[7] = 8; // claim another id with the old MAC
        assert_eq!(tokens.redeem("q", &URL_SAFE_NO_PAD.encode(&raw)), None);
        for junk in ["", "!!!", "AAAA", &"A".repeat(1000)] {
            assert_eq!(tokens.redeem("q", junk), None);
        }
    }
}
