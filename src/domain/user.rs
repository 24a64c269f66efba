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

/// Most characters of a name: `firstName`, `lastName`, and the `name` of
/// an account (or of a fixture's organization).
pub const NAME_MAX_CHARS: usize = 256;
/// Most characters of every other text field of a user or an account: the
/// address fields, an account's `description` and `externalId`, and a
/// password. (`email` has its own bound, [`EMAIL_MAX_CHARS`].)
pub const TEXT_MAX_CHARS: usize = 1024;

/// The fields, by their wire names, bounded by [`NAME_MAX_CHARS`].
const NAME_FIELDS: [&str; 3] = ["firstName", "lastName", "name"];

/// How many characters the text field of that wire name may hold
/// (docs/api.md#limits): a name [`NAME_MAX_CHARS`], any other
/// [`TEXT_MAX_CHARS`]. Bounded text keeps what a `where` costs bounded
/// too: SQLite's `LIKE` works in proportion to the text's length.
pub fn max_chars(field: &str) -> usize {
    if NAME_FIELDS.contains(&field) {
        NAME_MAX_CHARS
    } else {
        TEXT_MAX_CHARS
    }
}

/// A text longer than its field allows, said without the field's name (a
/// fixture error puts the value's path in front instead).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("must be at most {max} characters")]
pub struct TooLong {
    pub max: usize,
}

impl TooLong {
    /// The 400 naming the field: `firstName must be at most 256 characters`.
    pub fn naming(self, field: &str) -> Invalid {
        Invalid(format!("{field} {self}"))
    }
}

/// Checks a text against the bound of its field ([`max_chars`]), counting
/// characters, not bytes.
pub fn check_length(field: &str, text: &str) -> Result<(), TooLong> {
    let max = max_chars(field);
    // Fewer bytes than the bound cannot be more characters; otherwise the
    // count stops one past the bound, whatever the text's size.
    if text.len() <= max || text.chars().nth(max).is_none() {
        Ok(())
    } else {
        Err(TooLong { max })
    }
}

/// An optional text field (set, changed or cleared) within its bound.
pub fn bounded_text(field: &str, value: Option<&str>) -> Result<(), Invalid> {
    match value {
        Some(text) => check_length(field, text).map_err(|too_long| too_long.naming(field)),
        None => Ok(()),
    }
}

/// A required text field: present, not blank, and within its bound.
pub fn required_text(field: &str, value: Option<String>) -> Result<String, Invalid> {
    match value {
        Some(text) if !text.trim().is_empty() => {
            bounded_text(field, Some(&text))?;
            Ok(text)
        }
        _ => Err(Invalid(format!("{field} is required"))),
    }
}

/// A text field that may be changed but not emptied, within its bound.
pub fn non_empty_text(field: &str, value: Option<String>) -> Result<Option<String>, Invalid> {
    match value {
        None => Ok(None),
        Some(text) if text.trim().is_empty() => Err(Invalid(format!("{field} must not be empty"))),
        Some(text) => {
            bounded_text(field, Some(&text))?;
            Ok(Some(text))
        }
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

impl Address {
    /// Each field with its wire name, in wire order.
    pub fn fields(&self) -> [(&'static str, Option<&str>); 7] {
        [
            ("city", self.city.as_deref()),
            ("country", self.country.as_deref()),
            ("phone", self.phone.as_deref()),
            ("postalCode", self.postal_code.as_deref()),
            ("stateProvince", self.state_province.as_deref()),
            ("street1", self.street1.as_deref()),
            ("street2", self.street2.as_deref()),
        ]
    }

    /// Every field within its bound ([`TEXT_MAX_CHARS`]); the 400 names
    /// the first that is not.
    pub fn check(&self) -> Result<(), Invalid> {
        check_fields(self.fields())
    }
}

fn check_fields<'a>(
    fields: impl IntoIterator<Item = (&'static str, Option<&'a str>)>,
) -> Result<(), Invalid> {
    fields
        .into_iter()
        .try_for_each(|(field, text)| bounded_text(field, text))
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

impl AddressChanges {
    /// Every new value within its bound, as [`Address::check`].
    pub fn check(&self) -> Result<(), Invalid> {
        fn new(change: &Option<Option<String>>) -> Option<&str> {
            change.as_ref().and_then(Option::as_deref)
        }
        check_fields([
            ("city", new(&self.city)),
            ("country", new(&self.country)),
            ("phone", new(&self.phone)),
            ("postalCode", new(&self.postal_code)),
            ("stateProvince", new(&self.state_province)),
            ("street1", new(&self.street1)),
            ("street2", new(&self.street2)),
        ])
    }
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
    fn text_fields_are_bounded_in_characters() {
        assert_eq!(max_chars("firstName"), NAME_MAX_CHARS);
        assert_eq!(max_chars("name"), NAME_MAX_CHARS);
        assert_eq!(max_chars("city"), TEXT_MAX_CHARS);
        assert_eq!(max_chars("password"), TEXT_MAX_CHARS);
        assert_eq!(check_length("lastName", &"é".repeat(256)), Ok(()));
        assert_eq!(
            check_length("lastName", &"é".repeat(257)),
            Err(TooLong { max: 256 })
        );
        assert_eq!(check_length("street1", &"x".repeat(1024)), Ok(()));
        assert_eq!(
            required_text("firstName", Some("x".repeat(257)))
                .unwrap_err()
                .0,
            "firstName must be at most 256 characters"
        );
        assert_eq!(
            required_text("firstName", Some(" ".repeat(300)))
                .unwrap_err()
                .0,
            "firstName is required"
        );
        assert_eq!(
            non_empty_text("password", Some("p".repeat(1025)))
                .unwrap_err()
                .0,
            "password must be at most 1024 characters"
        );
        assert_eq!(non_empty_text("password", None), Ok(None));
        assert!(required_password(Some("p".repeat(1024))).is_ok());
        assert!(required_password(Some("p".repeat(1025))).is_err());
    }

    #[test]
    fn address_fields_are_bounded_and_named() {
        let long = "x".repeat(TEXT_MAX_CHARS + 1);
        let address = Address {
            city: Some("Paris".into()),
            postal_code: Some(long.clone()),
            street2: Some(long.clone()),
            ..Address::default()
        };
        assert_eq!(
            address.check().unwrap_err().0,
            "postalCode must be at most 1024 characters"
        );
        assert_eq!(Address::default().check(), Ok(()));
        let changes = AddressChanges {
            city: Some(None),
            state_province: Some(Some(long)),
            ..AddressChanges::default()
        };
        assert_eq!(
            changes.check().unwrap_err().0,
            "stateProvince must be at most 1024 characters"
        );
        let clear_all = AddressChanges {
            city: Some(None),
            street1: Some(Some("x".repeat(TEXT_MAX_CHARS))),
            ..AddressChanges::default()
        };
        assert_eq!(clear_all.check(), Ok(()));
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
