//! Validated user input: what a create or update may contain once the JSON
//! shape has been accepted.

use super::password::Password;
use super::role::Role;

/// What is wrong with one field of the input; becomes a 400 naming it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Invalid(pub String);

/// As decided in docs/decisions.md#any-email-without-whitespace-is-accepted:
/// any non-empty string of at most 254 characters
/// without whitespace; the real service accepts addresses with no `@`.
pub const EMAIL_MAX_CHARS: usize = 254;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email {
    text: String,
    lower: String,
}

impl Email {
    pub fn parse(text: &str) -> Result<Self, Invalid> {
        if text.is_empty() {
            return Err(Invalid("email is required".into()));
        }
        if text.chars().count() > EMAIL_MAX_CHARS {
            return Err(Invalid(format!(
                "email must be at most {EMAIL_MAX_CHARS} characters"
            )));
        }
        if text.chars().any(char::is_whitespace) {
            return Err(Invalid("email must not contain whitespace".into()));
        }
        Ok(Self {
            text: text.to_owned(),
            lower: Self::normalize(text),
        })
    }

    /// The key emails are unique and looked up by (case-insensitive).
    pub fn normalize(text: &str) -> String {
        text.to_lowercase()
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    pub fn lower(&self) -> &str {
        &self.lower
    }
}

/// A required text field: present and not blank.
pub fn required_text(field: &str, value: Option<String>) -> Result<String, Invalid> {
    match value {
        Some(text) if !text.trim().is_empty() => Ok(text),
        _ => Err(Invalid(format!("{field} is required"))),
    }
}

/// A text field that may be changed but not emptied.
pub fn non_empty_text(field: &str, value: Option<String>) -> Result<Option<String>, Invalid> {
    match value {
        None => Ok(None),
        Some(text) if text.trim().is_empty() => Err(Invalid(format!("{field} must not be empty"))),
        Some(text) => Ok(Some(text)),
    }
}

pub fn required_password(value: Option<String>) -> Result<Password, Invalid> {
    required_text("password", value).map(Password::new)
}

/// Role keys as sent, checked against the catalogue: `Invalid role: foo`.
pub fn parse_roles<'a>(keys: impl IntoIterator<Item = &'a str>) -> Result<Vec<Role>, Invalid> {
    keys.into_iter()
        .map(|key| Role::from_key(key).ok_or_else(|| Invalid(format!("Invalid role: {key}"))))
        .collect()
}

/// The optional address fields of a user (docs/api.md#users), in wire
/// order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Address {
    pub city: Option<String>,
    pub country: Option<String>,
    pub phone: Option<String>,
    pub postal_code: Option<String>,
    pub state_province: Option<String>,
    pub street1: Option<String>,
    pub street2: Option<String>,
}

/// Changes to the address fields: `None` leaves one as it is,
/// `Some(None)` clears it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AddressChanges {
    pub city: Option<Option<String>>,
    pub country: Option<Option<String>>,
    pub phone: Option<Option<String>>,
    pub postal_code: Option<Option<String>>,
    pub state_province: Option<Option<String>>,
    pub street1: Option<Option<String>>,
    pub street2: Option<Option<String>>,
}

/// A user ready to be stored.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub first_name: String,
    pub last_name: String,
    pub email: Email,
    pub address: Address,
    pub roles: Vec<Role>,
}

impl NewUser {
    /// The org-admin an organization is created with (docs/api.md#bootstrap).
    pub fn org_admin(email: Email) -> Self {
        Self {
            first_name: "Organization".to_owned(),
            last_name: "Administrator".to_owned(),
            email,
            address: Address::default(),
            roles: vec![Role::OrgAdmin, Role::Org],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_follow_the_decided_rule() {
        assert!(Email::parse("no-at-sign").is_ok());
        assert!(Email::parse("a+b.c%d@x.test").is_ok());
        assert_eq!(Email::parse("").unwrap_err().0, "email is required");
        assert!(Email::parse("a b@x").is_err());
        assert!(Email::parse(&"a".repeat(255)).is_err());
        assert!(Email::parse(&"a".repeat(254)).is_ok());
        assert_eq!(
            Email::parse("A@X.Test").map(|e| e.lower().to_owned()),
            Ok("a@x.test".into())
        );
    }

    #[test]
    fn unknown_role_keys_are_named() {
        assert_eq!(
            parse_roles(["admin", "foo"]).unwrap_err().0,
            "Invalid role: foo"
        );
        assert_eq!(parse_roles(["admin"]), Ok(vec![Role::Admin]));
    }
}
