//! The request journal (docs/controls.md#request-journal): the most recent requests to the emulated
//! API, newest first, bounded by count and by bytes. Only what is listed in
//! [`JournalEntry`] is kept: never a header; query values whose names speak
//! of credentials are blanked; and the JSON bodies only with
//! `--journal-bodies`, their credential-like fields redacted.

use std::collections::VecDeque;
use std::sync::{Mutex, OnceLock, PoisonError};

use axum::body::Bytes;
use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::Value;
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
    /// The query string, with credential-like values blanked; `null`
    /// when there was none.
    #[schema(required = true)]
    pub query: Option<String>,
    #[schema(minimum = 100, maximum = 599)]
    pub status: u16,
    pub duration_ms: f64,
    /// The authenticated caller, when there was one.
    #[schema(required = true)]
    pub organization_id: Option<i64>,
    #[schema(required = true)]
    pub user_id: Option<i64>,
    /// Only with `--journal-bodies`: the request's JSON body as the handler
    /// read it, every credential-like field `"[redacted]"`; `null` when it
    /// had none (or none that parses as JSON, or it was refused before
    /// being read), `"[truncated]"` when it did not fit `--journal-bytes`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Value, required = false)]
    pub request_body: Option<Box<RawValue>>,
    /// Only with `--journal-bodies`: the answer's JSON body, redacted and
    /// cut in the same way; `null` when it had none.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Value, required = false)]
    pub response_body: Option<Box<RawValue>>,
}

/// Filled in by `admission` when it reads a request's body, read by the
/// middleware for `--journal-bodies`: only there when the journal keeps
/// bodies.
#[derive(Debug, Clone, Default)]
pub struct BodySlot(pub std::sync::Arc<OnceLock<Bytes>>);

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

impl JournalFilter {
    fn matches(&self, entry: &JournalEntry) -> bool {
        self.method
            .as_deref()
            .is_none_or(|method| entry.method.eq_ignore_ascii_case(method))
            && self.status.is_none_or(|status| entry.status == status)
            && self.path_prefix.as_deref().is_none_or(|prefix| {
                entry.path.starts_with(prefix)
                    || entry
                        .path
                        .strip_prefix(super::BASE_PATH)
                        .is_some_and(|path| path.starts_with(prefix))
            })
    }
}

/// What a truncated field ends with.
pub const TRUNCATED: &str = "[truncated]";

/// The most recent requests, bounded twice: by count (`--journal-size`) and
/// by the bytes they hold (`--journal-bytes`), whichever binds first; the
/// oldest go first.
#[derive(Debug)]
pub struct Journal {
    capacity: usize,
    max_bytes: usize,
    /// `--journal-bodies`.
    bodies: bool,
    inner: Mutex<Entries>,
}

#[derive(Debug)]
struct Entries {
    /// Newest first.
    list: VecDeque<JournalEntry>,
    /// The sum of their [`JournalEntry::bytes`].
    bytes: usize,
}

impl JournalEntry {
    /// The memory the entry holds: the struct itself (its slot in the
    /// journal) and the text of each of its strings.
    pub fn bytes(&self) -> usize {
        std::mem::size_of::<Self>()
            + self.request_id.capacity()
            + self.time.capacity()
            + self.method.capacity()
            + self.path.capacity()
            + self.query.as_ref().map_or(0, String::capacity)
            + [&self.request_body, &self.response_body]
                .into_iter()
                .flatten()
                .map(|body| body.get().len())
                .sum::<usize>()
    }

    /// Makes the entry fit in `budget` bytes by replacing its bodies
    /// (response, then request) with `"[truncated]"`, then cutting its
    /// query, then its path, each then ending in [`TRUNCATED`]; `false`
    /// when it cannot fit even so (a budget of a few hundred bytes), and it
    /// is not kept.
    fn fit(&mut self, budget: usize) -> bool {
        let cut_body = |body: &mut Option<Box<RawValue>>| {
            if body.is_some() {
                *body = Some(json_text(&Value::from(TRUNCATED)));
            }
        };
        if self.bytes() > budget {
            cut_body(&mut self.response_body);
        }
        if self.bytes() > budget {
            cut_body(&mut self.request_body);
        }
        if self.bytes() <= budget {
            return true;
        }
        let excess = self.bytes() - budget;
        if let Some(query) = &mut self.query {
            cut(query, excess);
        }
        if self.bytes() > budget {
            let excess = self.bytes() - budget;
            cut(&mut self.path, excess);
        }
        self.bytes() <= budget
    }
}

/// Shortens `text` so that it holds at least `excess` bytes less, cut at a
/// character boundary and ending in [`TRUNCATED`]; at the least, it becomes
/// the marker alone.
fn cut(text: &mut String, excess: usize) {
    let room = text.capacity().saturating_sub(excess);
    let mut end = room.saturating_sub(TRUNCATED.len()).min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let mut shorter = String::with_capacity(end + TRUNCATED.len());
    shorter.push_str(&text[..end]);
    shorter.push_str(TRUNCATED);
    *text = shorter;
}

impl Journal {
    /// Keeps at most `capacity` entries and `max_bytes` bytes of them (see
    /// [`JournalEntry::bytes`]); either 0 keeps nothing. With `bodies`, the
    /// entries hold the JSON bodies too.
    pub fn new(capacity: usize, max_bytes: usize, bodies: bool) -> Self {
        Self {
            capacity,
            max_bytes,
            bodies,
            inner: Mutex::new(Entries {
                list: VecDeque::with_capacity(capacity.min(4096)),
                bytes: 0,
            }),
        }
    }

    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Whether entries hold the JSON bodies (`--journal-bodies`).
    pub fn keeps_bodies(&self) -> bool {
        self.bodies
    }

    /// The bytes the entries hold now, at most `max_bytes`.
    pub fn bytes(&self) -> usize {
        self.inner
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .bytes
    }

    /// Keeps `entry` as the newest, dropping the oldest entries until both
    /// bounds hold. An entry larger than the whole byte budget is kept cut
    /// to fit (see [`JournalEntry::fit`]).
    pub fn record(&self, mut entry: JournalEntry) {
        if self.capacity == 0 || !entry.fit(self.max_bytes) {
            return;
        }
        let size = entry.bytes();
        let mut entries = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        while entries.list.len() >= self.capacity || entries.bytes + size > self.max_bytes {
            let Some(oldest) = entries.list.pop_back() else {
                break;
            };
            entries.bytes -= oldest.bytes();
        }
        entries.bytes += size;
        entries.list.push_front(entry);
    }

    /// Newest first.
    pub fn list(&self, filter: &JournalFilter) -> Vec<JournalEntry> {
        let entries = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        entries
            .list
            .iter()
            .filter(|entry| filter.matches(entry))
            .take(filter.limit.unwrap_or(usize::MAX))
            .cloned()
            .collect()
    }

    /// How many entries `list` would answer, without copying them.
    pub fn count(&self, filter: &JournalFilter) -> usize {
        let entries = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        entries
            .list
            .iter()
            .filter(|entry| filter.matches(entry))
            .take(filter.limit.unwrap_or(usize::MAX))
            .count()
    }

    pub fn clear(&self) {
        let mut entries = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        entries.list.clear();
        entries.bytes = 0;
    }
}

/// Whether a field or parameter of this name may carry a credential: its
/// name contains one of these, in any case (`orgSecret`, `adminPassword`,
/// the ready `authorization` value of a tenant, a `token`).
pub fn is_credential_name(name: &str) -> bool {
    const CREDENTIALS: [&str; 6] = [
        "password",
        "passwd",
        "secret",
        "authorization",
        "token",
        "apikey",
    ];
    let name = name.to_lowercase();
    CREDENTIALS.iter().any(|word| name.contains(word))
}

/// What a redacted body field holds.
pub const REDACTED: &str = "[redacted]";

/// A JSON body as the journal keeps it: every field whose name
/// [`is_credential_name`], at any depth, replaced by [`REDACTED`]; `null`
/// for an empty body or one that is not JSON (which cannot be redacted
/// field by field, so none of it is kept).
pub fn redacted_body(bytes: &[u8]) -> Box<RawValue> {
    let mut value = serde_json::from_slice(bytes).unwrap_or(Value::Null);
    redact(&mut value);
    json_text(&value)
}

fn redact(value: &mut Value) {
    match value {
        Value::Object(fields) => {
            for (name, field) in fields.iter_mut() {
                if is_credential_name(name) {
                    *field = Value::from(REDACTED);
                } else {
                    redact(field);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact),
        _ => {}
    }
}

/// A value as JSON text, ready to be written as it is.
fn json_text(value: &Value) -> Box<RawValue> {
    serde_json::value::to_raw_value(value)
        .unwrap_or_else(|error| unreachable!("a JSON value serializes: {error}"))
}

/// No body, as [`JournalEntry::request_body`] or `response_body` holds it
/// with `--journal-bodies`.
pub fn no_body() -> Box<RawValue> {
    json_text(&Value::Null)
}

/// The query string with the values of credential-like parameters (see
/// [`is_credential_name`]) blanked, so a client that puts one in a URL does
/// not have it recorded.
pub fn redact_query(query: &str) -> String {
    query
        .split('&')
        .map(|pair| {
            let name = pair.split('=').next().unwrap_or("");
            // Judge the name as the server reads it: `pass%77ord` is `password`.
            let decoded = form_urlencoded::parse(name.as_bytes())
                .next()
                .map(|(decoded, _)| decoded.into_owned())
                .unwrap_or_default();
            if pair.contains('=') && is_credential_name(&decoded) {
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
            method: if n.is_multiple_of(2) { "GET" } else { "POST" }.to_owned(),
            path: format!("/elements/api-v2/accounts/{n}/users"),
            query: None,
            status: 200 + n % 3,
            duration_ms: 0.0,
            organization_id: None,
            user_id: None,
            request_body: None,
            response_body: None,
        }
    }

    #[test]
    fn keeps_the_newest_up_to_its_capacity() {
        let journal = Journal::new(3, usize::MAX, false);
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
        let journal = Journal::new(100, usize::MAX, false);
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

    fn with_query(n: u16, query: &str) -> JournalEntry {
        JournalEntry {
            query: Some(query.to_owned()),
            ..entry(n)
        }
    }

    fn ids(journal: &Journal) -> Vec<String> {
        journal
            .list(&JournalFilter::default())
            .into_iter()
            .map(|e| e.request_id)
            .collect()
    }

    #[test]
    fn keeps_the_newest_within_its_bytes() {
        let size = with_query(0, &"q".repeat(1000)).bytes();
        let journal = Journal::new(1000, 3 * size + size / 2, false);
        for n in 0..10 {
            journal.record(with_query(n, &"q".repeat(1000)));
            assert!(journal.bytes() <= 3 * size + size / 2);
        }
        assert_eq!(ids(&journal), ["9", "8", "7"]);
        // A larger entry pushes out as many of the oldest as it needs.
        journal.record(with_query(10, &"q".repeat(2500)));
        assert_eq!(ids(&journal), ["10", "9"]);
        journal.clear();
        assert_eq!(journal.bytes(), 0);
        journal.record(entry(11));
        assert_eq!(journal.bytes(), entry(11).bytes());
    }

    #[test]
    fn an_entry_larger_than_the_budget_is_kept_cut_and_says_so() {
        let budget = entry(0).bytes() + 100;
        let journal = Journal::new(10, budget, false);
        journal.record(entry(1));
        journal.record(with_query(2, &"é".repeat(10_000)));
        let kept = journal.list(&JournalFilter::default());
        assert_eq!(ids(&journal), ["2"], "the older entry made room");
        let query = kept[0].query.as_deref().expect("a query");
        assert!(query.ends_with(TRUNCATED), "{query}");
        assert!(query.len() <= 100, "{}", query.len());
        assert!(query.trim_end_matches(TRUNCATED).chars().all(|c| c == 'é'));
        assert!(journal.bytes() <= budget);

        // Then the path, when cutting the query is not enough.
        let long_path = JournalEntry {
            path: format!("/elements/api-v2/users/{}", "p".repeat(5000)),
            ..with_query(3, "where=x")
        };
        journal.record(long_path);
        let kept = &journal.list(&JournalFilter::default())[0];
        assert_eq!(kept.query.as_deref(), Some(TRUNCATED));
        assert!(
            kept.path.starts_with("/elements/api-v2/users/ppp"),
            "{}",
            kept.path
        );
        assert!(kept.path.ends_with(TRUNCATED), "{}", kept.path);
        assert!(journal.bytes() <= budget);
    }

    #[test]
    fn a_budget_too_small_for_any_entry_keeps_nothing() {
        let journal = Journal::new(10, 16, false);
        journal.record(entry(1));
        assert!(ids(&journal).is_empty());
        assert_eq!(journal.bytes(), 0);
        let none = Journal::new(10, 0, false);
        none.record(entry(1));
        assert!(ids(&none).is_empty());
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

    #[test]
    fn credential_fields_are_redacted_at_any_depth() {
        let body = br#"{"email": "a@b.test", "password": "hunter2", "orgSecret": "o",
            "users": [{"userSecret": "u", "AdminPassword": {"nested": 1}, "roles": ["org-admin"]}],
            "authorization": "User u, Organization o", "nextToken": "t", "credentialsExpired": false}"#;
        let redacted: Value = serde_json::from_str(redacted_body(body).get()).unwrap();
        assert_eq!(
            redacted,
            serde_json::json!({"email": "a@b.test", "password": REDACTED, "orgSecret": REDACTED,
                "users": [{"userSecret": REDACTED, "AdminPassword": REDACTED, "roles": ["org-admin"]}],
                "authorization": REDACTED, "nextToken": REDACTED, "credentialsExpired": false})
        );
        for unreadable in [&b""[..], b"{\"password\": \"hunter2\"", b"\xff"] {
            assert_eq!(redacted_body(unreadable).get(), "null");
        }
    }

    #[test]
    fn bodies_count_and_are_cut_before_the_query() {
        let with_bodies = |n: u16, size: usize| JournalEntry {
            request_body: Some(json_text(&Value::from("r".repeat(size)))),
            response_body: Some(json_text(&Value::from("s".repeat(size)))),
            ..with_query(n, "q=1")
        };
        let small = with_bodies(0, 10);
        assert_eq!(small.bytes(), with_query(0, "q=1").bytes() + 2 * 12);
        let budget = with_bodies(0, 1000).bytes() - 500;
        let journal = Journal::new(10, budget, true);
        assert!(journal.keeps_bodies());
        journal.record(with_bodies(1, 1000));
        let kept = &journal.list(&JournalFilter::default())[0];
        let truncated = format!("\"{TRUNCATED}\"");
        assert_eq!(kept.response_body.as_ref().unwrap().get(), truncated);
        assert_eq!(kept.request_body.as_ref().unwrap().get().len(), 1002);
        assert_eq!(kept.query.as_deref(), Some("q=1"));
        assert!(journal.bytes() <= budget);
    }
}
