//! Fault injection (docs/controls.md#faults), one of the `/__admin` controls: rules that
//! make matching requests to the emulated API slow, failing, or both,
//! before any handler runs.

use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use axum::http::{Method, StatusCode};
use globset::{Candidate, Glob, GlobBuilder, GlobMatcher, GlobSet, GlobSetBuilder};
use rand::Rng;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::BASE_PATH;

/// A rule as stored and listed.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FaultRule {
    pub id: u64,
    pub method: Option<String>,
    pub path: String,
    pub status: Option<u16>,
    pub delay_ms: u64,
    pub probability: f64,
    /// How many more times it fires before it expires; `None`: forever.
    pub times: Option<u64>,
    /// `path`, compiled once when the rule is added.
    #[serde(skip)]
    glob: PathGlob,
}

/// `POST /__admin/faults`. A rule needs a `status`, a `delayMs`, or both.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewFaultRule {
    /// Any HTTP method; all methods when absent.
    pub method: Option<String>,
    /// A glob below `/elements/api-v2` (which may be written too): `*`
    /// within a segment, `**` across segments (also none); `?`, `[...]` and
    /// `{a,b}` as in shell globs.
    #[schema(pattern = "^/")]
    pub path: String,
    /// The status to answer (in the error shape, message `Injected fault`).
    #[schema(minimum = 400, maximum = 599)]
    pub status: Option<u16>,
    #[schema(minimum = 0, maximum = 60000)]
    pub delay_ms: Option<u64>,
    #[schema(minimum = 0.0, maximum = 1.0)]
    pub probability: Option<f64>,
    /// How many requests it fires on before it expires; forever when absent.
    #[schema(minimum = 1)]
    pub times: Option<u64>,
}

/// The longest delay a rule may ask for.
pub const MAX_DELAY_MS: u64 = 60_000;

impl NewFaultRule {
    /// Checks the rule; the error names the field.
    pub fn validate(self, id: u64) -> Result<FaultRule, String> {
        let method = match self.method {
            None => None,
            Some(method) => Some(
                Method::from_bytes(method.to_ascii_uppercase().as_bytes())
                    .map_err(|_| format!("method: '{method}' is not an HTTP method"))?
                    .to_string(),
            ),
        };
        if !self.path.starts_with('/') {
            return Err("path: must start with '/'".into());
        }
        if let Some(status) = self.status {
            if !(400..=599).contains(&status) {
                return Err(format!("status: {status} is not an error status (400-599)"));
            }
        }
        let delay_ms = self.delay_ms.unwrap_or(0);
        if delay_ms > MAX_DELAY_MS {
            return Err(format!("delayMs: at most {MAX_DELAY_MS}"));
        }
        if self.status.is_none() && delay_ms == 0 {
            return Err("a rule needs a status, a delayMs, or both".into());
        }
        let probability = self.probability.unwrap_or(1.0);
        if !(0.0..=1.0).contains(&probability) {
            return Err("probability: must be from 0 to 1".into());
        }
        if self.times == Some(0) {
            return Err("times: must be at least 1".into());
        }
        // Rules match paths below the API base; accept them written either way.
        let path = self
            .path
            .strip_prefix(BASE_PATH)
            .filter(|rest| rest.starts_with('/'))
            .unwrap_or(&self.path)
            .to_owned();
        let glob = PathGlob::new(&path)
            .map_err(|error| format!("path: '{path}' is not a valid glob: {}", error.kind()))?;
        Ok(FaultRule {
            id,
            method,
            path,
            status: self.status,
            delay_ms,
            probability,
            times: self.times,
            glob,
        })
    }
}

/// What to do to one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fault {
    pub delay: Duration,
    pub status: Option<StatusCode>,
}

/// How many rules may exist at once: matching costs every request a look
/// at them, so their number is bounded (409 past it).
pub const MAX_RULES: usize = 1000;

/// Why a rule was not added.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AddError {
    /// The rule is not valid; the message names the field.
    #[error("{0}")]
    Invalid(String),
    /// [`MAX_RULES`] rules exist already.
    #[error(
        "There are already {MAX_RULES} fault rules, the most there may be; remove one \
         (DELETE /__admin/faults/{{id}}) or all of them (DELETE /__admin/faults) first"
    )]
    Full,
}

/// Rules added since the last [`Faults::compile`] are tried one by one;
/// past this many (or an eighth of the compiled ones, so that adding a
/// thousand rules builds the set a few dozen times, not once every few
/// rules), the handler that added one compiles them all into one set again.
const UNCOMPILED: usize = 16;

/// The rules, in the order they are tried.
///
/// Trying each rule's glob in turn costs up to a few tenths of a
/// millisecond a request with a thousand plain rules, and milliseconds with
/// hostile ones (`/**/a*b*c/**`), under the lock every request takes; one
/// `GlobSet` of them all answers in about a microsecond.
/// Building that set takes tens of milliseconds for a thousand rules, so
/// it is rebuilt off the async workers and only once [`UNCOMPILED`] rules
/// have been added since: the newest rules are tried one by one meanwhile.
#[derive(Debug, Default)]
pub struct Faults {
    rules: Mutex<Rules>,
    /// Held while a set is built, so that builds do not pile up.
    compiling: Mutex<()>,
}

#[derive(Debug, Default)]
struct Rules {
    /// The id of the last rule added.
    last_id: u64,
    /// In the order they are tried, which is ascending id.
    list: Vec<FaultRule>,
    compiled: Option<Compiled>,
}

/// The globs of the rules that existed when it was built: the rule with id
/// `ids[i]` is pattern `i`. A rule removed since is simply not found.
#[derive(Debug)]
struct Compiled {
    set: GlobSet,
    /// Ascending.
    ids: Vec<u64>,
}

impl Compiled {
    /// The id of the newest rule the set covers; later ones are tried one
    /// by one.
    fn last_id(compiled: Option<&Compiled>) -> u64 {
        compiled.and_then(|c| c.ids.last().copied()).unwrap_or(0)
    }
}

impl Rules {
    /// Where in `list` the first rule for this method and path is.
    fn first_match(&self, method: &Method, path: &Candidate<'_>) -> Option<usize> {
        let method_matches =
            |rule: &FaultRule| rule.method.as_deref().is_none_or(|m| m == method.as_str());
        if let Some(compiled) = &self.compiled {
            let mut hits = Vec::new();
            compiled.set.matches_candidate_into(path, &mut hits);
            // `hits` is ascending, so the first rule that still exists and
            // takes this method is the one tried first.
            let found = hits.into_iter().find_map(|hit| {
                let id = *compiled.ids.get(hit)?;
                let index = self.list.binary_search_by_key(&id, |rule| rule.id).ok()?;
                method_matches(&self.list[index]).then_some(index)
            });
            if found.is_some() {
                return found;
            }
        }
        let newer = self.uncompiled();
        self.list[newer..]
            .iter()
            .position(|rule| method_matches(rule) && rule.glob.matches(path))
            .map(|position| newer + position)
    }

    /// Where in `list` the rules the compiled set does not cover start.
    fn uncompiled(&self) -> usize {
        let last = Compiled::last_id(self.compiled.as_ref());
        self.list.partition_point(|rule| rule.id <= last)
    }

    /// Whether enough rules are tried one by one that the set is worth
    /// building again.
    fn needs_compiling(&self) -> bool {
        let compiled = self.uncompiled();
        self.list.len() - compiled > UNCOMPILED.max(compiled / 8)
    }
}

impl Faults {
    pub fn add(&self, rule: NewFaultRule) -> Result<FaultRule, AddError> {
        let mut rules = self.lock();
        let rule = rule
            .validate(rules.last_id + 1)
            .map_err(AddError::Invalid)?;
        if rules.list.len() >= MAX_RULES {
            return Err(AddError::Full);
        }
        rules.last_id = rule.id;
        rules.list.push(rule.clone());
        Ok(rule)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Rules> {
        self.rules.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Whether enough rules were added since the set was built that it is
    /// worth building again (see [`Faults::compile`]).
    pub fn needs_compiling(&self) -> bool {
        self.lock().needs_compiling()
    }

    /// Builds the set of every rule's glob, for fast matching. Slow (tens
    /// of milliseconds for a thousand rules): call it off the async workers.
    /// The rules lock is not held meanwhile; rules added in the meantime
    /// stay tried one by one, and those removed are skipped.
    pub fn compile(&self) {
        let Ok(_building) = self.compiling.try_lock() else {
            // Another build is under way; it will cover what it can.
            return;
        };
        loop {
            let (ids, globs): (Vec<u64>, Vec<Glob>) = {
                let rules = self.lock();
                if !rules.needs_compiling() {
                    return;
                }
                rules
                    .list
                    .iter()
                    .map(|rule| (rule.id, rule.glob.0.glob().clone()))
                    .unzip()
            };
            let mut builder = GlobSetBuilder::new();
            for glob in globs {
                builder.add(glob);
            }
            let Ok(set) = builder.build() else {
                // Every glob compiled on its own when its rule was added;
                // should the set still fail, the rules are tried one by one.
                return;
            };
            let newest = ids.last().copied().unwrap_or(0);
            let mut rules = self.lock();
            if newest <= Compiled::last_id(rules.compiled.as_ref()) {
                return;
            }
            rules.compiled = Some(Compiled { set, ids });
        }
    }

    pub fn list(&self) -> Vec<FaultRule> {
        self.lock().list.clone()
    }

    pub fn remove(&self, id: u64) -> bool {
        let mut rules = self.lock();
        let before = rules.list.len();
        rules.list.retain(|rule| rule.id != id);
        rules.list.len() != before
    }

    pub fn clear(&self) {
        let mut rules = self.lock();
        rules.list.clear();
        rules.compiled = None;
    }

    /// The fault for a request to the emulated API, if a rule fires. The
    /// first matching rule decides: its `probability` says whether it fires
    /// this time, and every match counts towards its `times` (how many
    /// matches before it expires, whether it fired or not), after which it is
    /// gone.
    pub fn fire(&self, method: &Method, path: &str) -> Option<Fault> {
        let path = PathGlob::candidate(path.strip_prefix(BASE_PATH)?);
        let path = Candidate::new(&path);
        let mut rules = self.lock();
        let index = rules.first_match(method, &path)?;
        let rule = &mut rules.list[index];
        let fires = rule.probability >= 1.0 || rand::thread_rng().gen_bool(rule.probability);
        let fault = Fault {
            delay: Duration::from_millis(rule.delay_ms),
            status: rule
                .status
                .and_then(|status| StatusCode::from_u16(status).ok()),
        };
        if let Some(times) = &mut rule.times {
            *times -= 1;
            if *times == 0 {
                rules.list.remove(index);
            }
        }
        fires.then_some(fault)
    }
}

/// A rule's path glob: `*` matches within one segment, a `**` segment
/// matches any number of segments, none included. globset compiles it to a
/// regular expression, which matches in time linear in the path: no
/// pattern can make a request spin.
#[derive(Debug, Clone)]
struct PathGlob(GlobMatcher);

impl PathGlob {
    fn new(pattern: &str) -> Result<Self, globset::Error> {
        let glob = GlobBuilder::new(&Self::candidate(pattern))
            .literal_separator(true)
            .build()?;
        Ok(Self(glob.compile_matcher()))
    }

    /// A pattern or a path as it is matched: its segments between exactly
    /// one leading and one trailing `/`. So slashes at either end do not
    /// matter, and a trailing `/**` also matches no segment at all
    /// (`/accounts/**` matches `/accounts`), as `**` does elsewhere: globset
    /// reads `**` followed by `/` as "zero or more segments".
    fn candidate(text: &str) -> String {
        format!("/{}/", text.trim_matches('/'))
    }

    fn matches(&self, path: &Candidate<'_>) -> bool {
        self.0.is_match_candidate(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn glob_matches(pattern: &str, path: &str) -> bool {
        let glob = PathGlob::new(pattern).expect("a valid glob");
        glob.matches(&Candidate::new(&PathGlob::candidate(path)))
    }

    #[test]
    fn globs_match_segments() {
        assert!(glob_matches("/accounts/*/users", "/accounts/12/users"));
        assert!(!glob_matches("/accounts/*/users", "/accounts/12/users/3"));
        assert!(!glob_matches("/accounts/*/users", "/accounts/users"));
        assert!(glob_matches("/accounts/**", "/accounts/12/users/3"));
        assert!(glob_matches("/**/users", "/accounts/1/users"));
        assert!(glob_matches("/users/*@acme.test", "/users/a@acme.test"));
        assert!(!glob_matches("/users/*@acme.test", "/users/a@other.test"));
        assert!(glob_matches("/**", "/anything/at/all"));
        assert!(glob_matches("/a/**/b/**", "/a/x/y/b"));
        assert!(!glob_matches("/a/**/b", "/a/x/y/c"));
        assert!(glob_matches("/users/*", "/users/ünïcødé"));
    }

    #[test]
    fn hostile_patterns_stay_fast() {
        // Exponential with naive backtracking; immediate here.
        let pattern = format!("/users/{}b", "*a".repeat(30));
        let path = format!("/users/{}", "a".repeat(200));
        assert!(!glob_matches(&pattern, &path));
        let deep = format!("/{}x", "**/".repeat(50));
        assert!(!glob_matches(&deep, &"/a".repeat(200)));
    }

    #[test]
    fn double_stars_may_stand_for_no_segment_and_end_slashes_do_not_matter() {
        assert!(glob_matches("/accounts/**", "/accounts"));
        assert!(glob_matches("/a/**/b", "/a/b"));
        assert!(glob_matches("/**/users", "/users"));
        assert!(glob_matches("/accounts/*/users", "/accounts/12/users/"));
        assert!(glob_matches("accounts/*/users/", "/accounts/12/users"));
        assert!(!glob_matches("/accounts/*/users", "/accounts//users/x"));
        assert!(glob_matches("/users/a?c", "/users/abc"));
        assert!(glob_matches("/{users,roles}", "/roles"));
    }

    #[test]
    fn an_invalid_glob_is_refused_naming_the_path() {
        for pattern in ["/users/[", "/users/{a,b", "/users/[z-a]"] {
            let error = rule(pattern, Some(500), None)
                .validate(1)
                .expect_err("invalid");
            assert!(error.starts_with("path: "), "{error}");
            assert!(error.contains(pattern), "{error}");
        }
        let faults = Faults::default();
        assert!(faults.add(rule("/users/[", Some(500), None)).is_err());
        assert!(faults.list().is_empty(), "nothing is stored");
    }

    fn rule(path: &str, status: Option<u16>, times: Option<u64>) -> NewFaultRule {
        NewFaultRule {
            method: Some("get".into()),
            path: path.into(),
            status,
            delay_ms: None,
            probability: None,
            times,
        }
    }

    #[test]
    fn a_rule_expires_after_exactly_times_firings() {
        let faults = Faults::default();
        faults
            .add(rule("/accounts/*/users", Some(503), Some(2)))
            .expect("valid");
        let path = "/elements/api-v2/accounts/1/users";
        assert!(
            faults.fire(&Method::POST, path).is_none(),
            "method must match"
        );
        assert!(
            faults.fire(&Method::GET, "/__admin/health").is_none(),
            "only the API"
        );
        assert_eq!(
            faults.fire(&Method::GET, path).and_then(|f| f.status),
            Some(StatusCode::SERVICE_UNAVAILABLE)
        );
        assert!(faults.fire(&Method::GET, path).is_some());
        assert!(faults.fire(&Method::GET, path).is_none());
        assert!(faults.list().is_empty());
    }

    #[test]
    fn every_match_counts_towards_times_whether_it_fires_or_not() {
        let faults = Faults::default();
        let never = NewFaultRule {
            probability: Some(0.0),
            ..rule("/users", Some(500), Some(2))
        };
        faults.add(never).expect("valid");
        assert!(faults
            .fire(&Method::GET, "/elements/api-v2/users")
            .is_none());
        assert_eq!(faults.list()[0].times, Some(1));
        assert!(faults
            .fire(&Method::GET, "/elements/api-v2/users")
            .is_none());
        assert!(faults.list().is_empty());
    }

    #[test]
    fn bad_rules_name_the_field() {
        let bad = |rule: NewFaultRule, field: &str| {
            let error = rule.validate(1).expect_err("invalid");
            assert!(error.contains(field), "{error}");
        };
        bad(rule("no-slash", Some(500), None), "path");
        bad(rule("/x", Some(200), None), "status");
        bad(rule("/x", Some(500), Some(0)), "times");
        bad(rule("/x", None, None), "status, a delayMs");
        bad(
            NewFaultRule {
                probability: Some(1.5),
                ..rule("/x", Some(500), None)
            },
            "probability",
        );
        bad(
            NewFaultRule {
                delay_ms: Some(MAX_DELAY_MS + 1),
                ..rule("/x", None, None)
            },
            "delayMs",
        );
        bad(
            NewFaultRule {
                method: Some("G ET".into()),
                ..rule("/x", Some(500), None)
            },
            "method",
        );
    }

    #[test]
    fn at_most_max_rules_exist_at_once() {
        let faults = Faults::default();
        for n in 0..MAX_RULES {
            faults
                .add(rule(&format!("/accounts/{n}/users"), Some(500), None))
                .expect("room");
        }
        let full = faults.add(rule("/users", Some(500), None));
        assert_eq!(full.expect_err("full"), AddError::Full);
        assert!(AddError::Full
            .to_string()
            .contains("DELETE /__admin/faults"));
        // A bad rule is still told what is wrong with it.
        assert!(matches!(
            faults.add(rule("/x", Some(200), None)),
            Err(AddError::Invalid(_))
        ));
        assert!(faults.remove(1));
        faults
            .add(rule("/users", Some(500), None))
            .expect("room again");
        faults.clear();
        faults
            .add(rule("/users", Some(500), None))
            .expect("room again");
    }

    /// Compiled or not, the first rule added that matches decides.
    #[test]
    fn compiled_rules_match_as_rules_tried_in_turn() {
        let faults = Faults::default();
        let statuses = [500, 501, 502, 503];
        let patterns = ["/users/*", "/**", "/users/1", "/accounts/*/users"];
        let add = |n: usize| {
            let new = NewFaultRule {
                method: n.is_multiple_of(3).then(|| "POST".to_owned()),
                ..rule(patterns[n % 4], Some(statuses[n % 4]), Some(2))
            };
            faults.add(new).expect("valid");
        };
        // What the first rule left that matches would answer.
        let expected = |method: &Method, path: &str| {
            let path = PathGlob::candidate(path.strip_prefix(BASE_PATH)?);
            faults
                .list()
                .into_iter()
                .find(|rule| {
                    rule.method.as_deref().is_none_or(|m| m == method.as_str())
                        && rule.glob.matches(&Candidate::new(&path))
                })
                .and_then(|rule| rule.status)
        };
        for n in 0..40 {
            add(n);
        }
        assert!(faults.needs_compiling());
        faults.compile();
        assert!(!faults.needs_compiling());
        for n in 40..50 {
            add(n);
        }
        assert!(faults.remove(1) && faults.remove(2) && faults.remove(45));
        let requests = [
            (Method::GET, "/elements/api-v2/users/1"),
            (Method::POST, "/elements/api-v2/users/1"),
            (Method::GET, "/elements/api-v2/accounts/3/users"),
            (Method::POST, "/elements/api-v2/accounts/3/users"),
            (Method::POST, "/elements/api-v2/accounts"),
            (Method::DELETE, "/elements/api-v2/roles"),
        ];
        // Every match uses up one of a rule's two times, so the rules expire
        // one after the other, from the compiled set and after it.
        for round in 0..200 {
            let (method, path) = &requests[round % requests.len()];
            let want = expected(method, path);
            let got = faults
                .fire(method, path)
                .and_then(|fault| fault.status)
                .map(|status| status.as_u16());
            assert_eq!(got, want, "round {round}: {method} {path}");
        }
        assert!(faults.list().is_empty(), "{} left", faults.list().len());
    }

    #[test]
    fn rules_written_with_the_base_path_match_the_same() {
        let faults = Faults::default();
        faults
            .add(rule("/elements/api-v2/users", Some(500), None))
            .expect("valid");
        assert!(faults
            .fire(&Method::GET, "/elements/api-v2/users")
            .is_some());
    }
}
