//! The request journal (docs/controls.md#request-journal): the most recent requests to the emulated
//! API, newest first, bounded. Only what is listed in [`JournalEntry`] is
//! kept: never a header, never a body, and query values whose names speak of
//! passwords or secrets are blanked.

use std::collections::VecDeque;
use std::sync::{Mutex, OnceLock, PoisonError};

use serde::Serialize;
use utoipa::ToSchema;

/// One answered request.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct JournalEntry {
    pub request_id: String,
    /// RFC 3339, UTC.
    #[schema(format = DateTime)]
    pub time: String,
    pub method: String,
    pub path: String,
    /// The query string, with password- and secret-like values blanked.
    pub query: Option<String>,
    pub status: u16,
    pub duration_ms: f64,
    /// The authenticated caller, when there was one.
    pub organization_id: Option<i64>,
    pub user_id: Option<i64>,
}

/// Filled in by the `Caller` extractor, read by the middleware once the
/// response is ready: which organization and user a request acted as.
#[derive(Debug, Clone, Default)]
pub struct CallerSlot(pub std::sync::Arc<OnceLock<(i64, i64)>>);

/// What `GET /__admin/requests` may filter on.
#[derive(Debug, Default)]
pub struct JournalFilter {
    pub method: Option<String>,
    pub path_prefix: Option<String>,
    pub status: Option<u16>,
    pub limit: Option<usize>,
}

#[derive(Debug)]
pub struct Journal {
    capacity: usize,
    entries: Mutex<VecDeque<JournalEntry>>,
}

impl Journal {
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity,
            entries: Mutex::new(VecDeque::with_capacity(capacity.min(4096))),
        }
    }

    pub fn capacity(&self) -> usize {
        self.capacity
    }

    pub fn record(&self, entry: JournalEntry) {
        if self.capacity == 0 {
            return;
        }
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        if entries.len() == self.capacity {
            entries.pop_back();
        }
        entries.push_front(entry);
    }

    /// Newest first.
    pub fn list(&self, filter: &JournalFilter) -> Vec<JournalEntry> {
        let entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        entries
            .iter()
            .filter(|entry| {
                filter
                    .method
                    .as_deref()
                    .is_none_or(|method| entry.method.eq_ignore_ascii_case(method))
                    && filter.status.is_none_or(|status| entry.status == status)
                    && filter.path_prefix.as_deref().is_none_or(|prefix| {
                        entry.path.starts_with(prefix)
                            || entry
                                .path
                                .strip_prefix(super::BASE_PATH)
                                .is_some_and(|path| path.starts_with(prefix))
                    })
            })
            .take(filter.limit.unwrap_or(usize::MAX))
            .cloned()
            .collect()
    }

    pub fn clear(&self) {
        self.entries
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }
}

/// The query string with the values of password- or secret-like parameters
/// blanked, so a client that puts one in a URL does not have it recorded.
pub fn redact_query(query: &str) -> String {
    query
        .split('&')
        .map(|pair| {
            let name = pair.split('=').next().unwrap_or("");
            // Judge the name as the server reads it: `pass%77ord` is `password`.
            let decoded = form_urlencoded::parse(name.as_bytes())
                .next()
                .map(|(decoded, _)| decoded.to_lowercase())
                .unwrap_or_default();
            if pair.contains('=') && (decoded.contains("password") || decoded.contains("secret")) {
                format!("{name}=<redacted>")
            } else {
                pair.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("&")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(n: u16) -> JournalEntry {
        JournalEntry {
            request_id: n.to_string(),
            time: String::new(),
            method: if n % 2 == 0 { "GET" } else { "POST" }.to_owned(),
            path: format!("/elements/api-v2/accounts/{n}/users"),
            query: None,
            status: 200 + n % 3,
            duration_ms: 0.0,
            organization_id: None,
            user_id: None,
        }
    }

    #[test]
    fn keeps_the_newest_up_to_its_capacity() {
        let journal = Journal::new(3);
        for n in 0..5 {
            journal.record(entry(n));
        }
        let ids: Vec<String> = journal
            .list(&JournalFilter::default())
            .into_iter()
            .map(|e| e.request_id)
            .collect();
        assert_eq!(ids, ["4", "3", "2"]);
        journal.clear();
        assert!(journal.list(&JournalFilter::default()).is_empty());
    }

    #[test]
    fn filters_combine() {
        let journal = Journal::new(100);
        for n in 0..10 {
            journal.record(entry(n));
        }
        let filter = JournalFilter {
            method: Some("get".into()),
            path_prefix: Some("/accounts/4".into()),
            ..JournalFilter::default()
        };
        let found = journal.list(&filter);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].request_id, "4");
        let limited = journal.list(&JournalFilter {
            limit: Some(2),
            ..JournalFilter::default()
        });
        assert_eq!(limited.len(), 2);
    }

    #[test]
    fn password_and_secret_parameters_are_blanked() {
        assert_eq!(
            redact_query("where=active%3Dtrue&password=hunter2&userSecret=abc&pageSize=5"),
            "where=active%3Dtrue&password=<redacted>&userSecret=<redacted>&pageSize=5"
        );
        assert_eq!(
            redact_query("pass%77ord=hunter2&Se%43ret=x"),
            "pass%77ord=<redacted>&Se%43ret=<redacted>"
        );
    }
}
