//! Authentication (the `Authorization: User …, Organization …` header) and
//! the authorization rules of SPEC §3.
//!
//! Secrets are looked up by SHA-256 digest and compared in constant time;
//! the header's value is never logged.

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;

use crate::api::journal::CallerSlot;
use crate::domain::role::{Role, RoleSet};
use crate::domain::secret::SecretDigest;
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::{organizations, users};

/// The two secrets of an `Authorization` header.
#[derive(PartialEq, Eq)]
pub struct Credentials<'a> {
    pub user_secret: &'a str,
    pub organization_secret: &'a str,
}

impl std::fmt::Debug for Credentials<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Credentials(<redacted>)")
    }
}

/// Parses `User <s>, Organization <s>[, Element <t>]`: parts in any order,
/// any spaces around them, the kind names case-insensitive, the `Element`
/// token ignored. Anything else (a missing or repeated part, an unknown
/// kind, a value with spaces) is `None`.
pub fn parse_authorization(header: &str) -> Option<Credentials<'_>> {
    let mut user_secret = None;
    let mut organization_secret = None;
    let mut element = None;
    for part in header.split(',') {
        let (kind, value) = part.trim().split_once(char::is_whitespace)?;
        let value = value.trim();
        if value.is_empty() || value.contains(char::is_whitespace) {
            return None;
        }
        let slot = if kind.eq_ignore_ascii_case("user") {
            &mut user_secret
        } else if kind.eq_ignore_ascii_case("organization") {
            &mut organization_secret
        } else if kind.eq_ignore_ascii_case("element") {
            &mut element
        } else {
            return None;
        };
        if slot.replace(value).is_some() {
            return None;
        }
    }
    Some(Credentials {
        user_secret: user_secret?,
        organization_secret: organization_secret?,
    })
}

/// The authenticated user behind a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub user_id: i64,
    pub organization_id: i64,
    pub account_id: i64,
    pub roles: RoleSet,
}

impl Caller {
    pub fn is_org_admin(&self) -> bool {
        self.roles.contains(Role::OrgAdmin)
    }

    /// An admin of the given account (org-admins are handled separately).
    pub fn is_admin_of(&self, account_id: i64) -> bool {
        self.account_id == account_id && self.roles.contains(Role::Admin)
    }

    /// May manage the users of this account (SPEC §3).
    pub fn manages_account(&self, organization_id: i64, account_id: i64) -> bool {
        self.organization_id == organization_id
            && (self.is_org_admin() || self.is_admin_of(account_id))
    }

    /// May give `role` to a user of `account_id` (SPEC §1's grant table).
    /// `in_default_account` says whether that account is the default one.
    pub fn may_grant(&self, role: Role, account_id: i64, in_default_account: bool) -> bool {
        match role {
            Role::SysAdmin => false,
            Role::OrgAdmin => self.is_org_admin() && in_default_account,
            Role::Admin => self.is_org_admin() || self.is_admin_of(account_id),
            // Automatic for the default account's users; meaningless elsewhere.
            Role::Org => {
                in_default_account && (self.is_org_admin() || self.is_admin_of(account_id))
            }
        }
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let header = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .ok_or_else(ApiError::unauthorized)?;
        let credentials = parse_authorization(header).ok_or_else(ApiError::unauthorized)?;
        let caller = authenticate(state, &credentials).await?;
        if let Some(slot) = parts.extensions.get::<CallerSlot>() {
            // Set once per request; a second extraction finds it set already.
            let _ = slot.0.set((caller.organization_id, caller.user_id));
        }
        parts.extensions.insert(caller.clone());
        Ok(caller)
    }
}

async fn authenticate(state: &AppState, credentials: &Credentials<'_>) -> Result<Caller, ApiError> {
    let user_digest = SecretDigest::of(credentials.user_secret);
    let organization_digest = SecretDigest::of(credentials.organization_secret);
    let row = organizations::find_credentials(&state.store, &user_digest)
        .await?
        .ok_or_else(ApiError::unauthorized)?;
    // Both checks always run, so the time taken does not say which failed.
    let user_ok = user_digest.matches(&row.user_digest);
    let organization_ok = organization_digest.matches(&row.organization_digest);
    if !(user_ok & organization_ok & row.user_active & row.account_active) {
        return Err(ApiError::unauthorized());
    }
    let today = state.clock.today();
    if row.last_login_date != today {
        users::touch_login(&state.store, row.user_id, &today).await?;
    }
    Ok(Caller {
        user_id: row.user_id,
        organization_id: row.organization_id,
        account_id: row.account_id,
        roles: RoleSet::from_keys(row.roles.as_deref()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(header: &str) -> Option<(&str, &str)> {
        parse_authorization(header).map(|c| (c.user_secret, c.organization_secret))
    }

    #[test]
    fn accepts_every_documented_form() {
        let expected = Some(("u=+/-", "o"));
        assert_eq!(parsed("User u=+/-, Organization o"), expected);
        assert_eq!(parsed("Organization o, User u=+/-"), expected);
        assert_eq!(parsed("  User   u=+/-  ,   Organization o  "), expected);
        assert_eq!(parsed("User u=+/-,Organization o, Element e"), expected);
        assert_eq!(parsed("Element e, organization o, user u=+/-"), expected);
    }

    #[test]
    fn rejects_malformed_headers() {
        for header in [
            "",
            "User u",
            "Organization o",
            "User u, Organization o, Organization p",
            "User u, Organization o, Token t",
            "User, Organization o",
            "User u v, Organization o",
            "Bearer abc",
            "User u; Organization o",
        ] {
            assert_eq!(parsed(header), None, "{header:?}");
        }
    }
}
