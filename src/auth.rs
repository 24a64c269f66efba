//! Authentication: the `Authorization: User …, Organization …` header
//! parsed, and its secrets resolved to the calling user
//! (docs/api.md#authentication). What that user may then do is
//! `domain::access`.
//!
//! Secrets are looked up by SHA-256 digest and compared in constant time;
//! the header's value is never logged.

use crate::domain::access::Caller;
use crate::domain::role::RoleSet;
use crate::domain::secret::SecretDigest;
use crate::error::ApiError;
use crate::service::Services;
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

/// The `Authorization` value for a user's and their organization's
/// secrets, as `parse_authorization` reads it: what the banner, tenants,
/// fixtures and the organization list hand out ready to use.
pub fn authorization(user_secret: &str, organization_secret: &str) -> String {
    format!("User {user_secret}, Organization {organization_secret}")
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

/// The active user whose secrets these are: 401 for anything else (a
/// wrong or mismatched secret, an inactive user or account).
pub async fn authenticate(
    services: &Services,
    credentials: &Credentials<'_>,
) -> Result<Caller, ApiError> {
    let user_digest = SecretDigest::of(credentials.user_secret);
    let organization_digest = SecretDigest::of(credentials.organization_secret);
    let row = organizations::find_credentials(&services.store, &user_digest)
        .await?
        .ok_or_else(ApiError::unauthorized)?;
    // Both checks always run, so the time taken does not say which failed.
    let user_ok = user_digest.matches(&row.user_digest);
    let organization_ok = organization_digest.matches(&row.organization_digest);
    if !(user_ok & organization_ok & row.user_active & row.account_active) {
        return Err(ApiError::unauthorized());
    }
    let today = services.clock.today();
    if row.last_login_date != today {
        users::touch_login(&services.store, row.user_id, &today).await?;
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
