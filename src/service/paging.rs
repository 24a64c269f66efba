//! Paging of every list: `offset`, `pageSize` and `nextPage` checked
//! into a page request, and the opaque page tokens
//! (docs/api.md#paging).
//!
//! A token is `after_id` plus an HMAC over it and the query it belongs to
//! (who is listing, what, and with which `where`), so a forged token, or a
//! token replayed against another query, is refused. Tokens are keyed per
//! server process: they are cursors, not bookmarks.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use rand::rngs::OsRng;
use rand::RngCore;
use sha2::Sha256;

use crate::error::ApiError;
use crate::store::users::PageRequest;

pub const DEFAULT_PAGE_SIZE: i64 = 200;
pub const MAX_PAGE_SIZE: i64 = 5000;

/// Bytes of the HMAC kept in a token: enough that guessing is hopeless.
const MAC_BYTES: usize = 16;

/// A list request as a client sent it, not yet checked.
#[derive(Debug, Clone, Default)]
pub struct ListRequest {
    pub filter: Option<String>,
    /// `includeInactive`: whether inactive rows are listed too.
    pub include_inactive: Option<String>,
    pub offset: Option<String>,
    pub page_size: Option<String>,
    pub next_page: Option<String>,
}

/// One page of a list: what to send, and what the paging headers say.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: T,
    /// How many items match in all pages.
    pub total: i64,
    /// How many are on this page.
    pub returned: i64,
    /// The token for the next page, when more follow.
    pub next_token: Option<String>,
}

/// The secret that signs page tokens.
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
/// A checked list request, bound to the scope it lists (see `PageTokens`).
#[derive(Debug, Clone)]
pub struct ListQuery {
    pub filter: Option<String>,
    /// Whether inactive rows are listed too (`includeInactive=true`).
    pub include_inactive: bool,
    pub page: PageRequest,
    /// What the tokens of this list are bound to: the scope and the filter.
    token_query: String,
}

impl ListQuery {
    /// Checks `request` for a list of `scope` (what is listed, and whose):
    /// a token only redeems for the same scope and filter.
    pub fn parse(request: ListRequest, scope: &str, tokens: &PageTokens) -> Result<Self, ApiError> {
        let offset = match request.offset.as_deref() {
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
        let limit = match request.page_size.as_deref() {
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
        let include_inactive = super::include_inactive(request.include_inactive.as_deref())?;
        let filter = request.filter.filter(|text| !text.trim().is_empty());
        let token_query = format!(
            "{scope}\n{include_inactive}\n{}",
            filter.as_deref().unwrap_or("")
        );
        let (after_id, offset) = match request.next_page.as_deref() {
            None | Some("") => (None, offset),
            // A token already says where the page starts; an `offset` sent
            // beside it (as the seed page's `offset=0` habit does) is ignored.
            Some(token) => (
                Some(tokens.redeem(&token_query, token).ok_or_else(|| {
                    ApiError::bad_request(
                        "Invalid nextPage token: it is malformed or belongs to another query",
                    )
                })?),
                0,
            ),
        };
        Ok(Self {
            filter,
            include_inactive,
            page: PageRequest {
                after_id,
                offset,
                limit,
            },
            token_query,
        })
    }

    /// The page one row longer than asked: the extra row says whether more
    /// follow.
    pub fn page_with_lookahead(&self) -> PageRequest {
        PageRequest {
            limit: self.page.limit + 1,
            ..self.page
        }
    }

    /// A page of `items`, whose last id (when more follow) the next token
    /// starts after.
    pub fn page<T>(
        &self,
        items: T,
        total: i64,
        returned: i64,
        next_after: Option<i64>,
        tokens: &PageTokens,
    ) -> Page<T> {
        Page {
            items,
            total,
            returned,
            next_token: next_after.map(|last| tokens.issue(&self.token_query, last)),
        }
    }

    /// A page from rows read with `page_with_lookahead`.
    pub fn page_of_rows<T>(
        &self,
        mut rows: Vec<T>,
        id_of: impl Fn(&T) -> i64,
        total: i64,
        tokens: &PageTokens,
    ) -> Page<Vec<T>> {
        let more = rows.len() as i64 > self.page.limit;
        rows.truncate(self.page.limit as usize);
        let next_after = rows.last().filter(|_| more).map(&id_of);
        let returned = rows.len() as i64;
        self.page(rows, total, returned, next_after, tokens)
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
