//! Fault injection (docs/controls.md#faults), one of the `/__admin` controls: rules that
//! make matching requests to the emulated API slow, failing, or both,
//! before any handler runs.

use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use axum::http::{Method, StatusCode};
use globset::{Candidate, GlobBuilder, GlobMatcher};
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

#[derive(Debug, Default)]
pub struct Faults {
    rules: Mutex<(u64, Vec<FaultRule>)>,
}

impl Faults {
    pub fn add(&self, rule: NewFaultRule) -> Result<FaultRule, String> {
        let mut guard = self.rules.lock().unwrap_or_else(PoisonError::into_inner);
        let (next_id, rules) = &mut *guard;
        let rule = rule.validate(*next_id + 1)?;
        *next_id += 1;
        rules.push(rule.clone());
        Ok(rule)
    }

    pub fn list(&self) -> Vec<FaultRule> {
        self.rules
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .1
            .clone()
    }

    pub fn remove(&self, id: u64) -> bool {
        let mut guard = self.rules.lock().unwrap_or_else(PoisonError::into_inner);
        let before = guard.1.len();
        guard.1.retain(|rule| rule.id != id);
        guard.1.len() != before
    }

    pub fn clear(&self) {
        self.rules
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .1
            .clear();
    }

    /// The fault for a request to the emulated API, if a rule fires. The
    /// first matching rule decides: its `probability` says whether it fires
    /// this time, and every match counts towards its `times` (how many
    /// matches before it expires, whether it fired or not), after which it is
    /// gone.
    pub fn fire(&self, method: &Method, path: &str) -> Option<Fault> {
        let path = PathGlob::candidate(path.strip_prefix(BASE_PATH)?);
        let path = Candidate::new(&path);
        let mut guard = self.rules.lock().unwrap_or_else(PoisonError::into_inner);
        let rules = &mut guard.1;
        let index = rules.iter().position(|rule| {
            rule.method.as_deref().is_none_or(|m| m == method.as_str()) && rule.glob.matches(&path)
        })?;
        let rule = &mut rules[index];
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
                rules.remove(index);
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
