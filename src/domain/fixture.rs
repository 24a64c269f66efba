//! Fixtures (SPEC §7): the JSON that `--seed` and `POST /__admin/seed` load,
//! and its validation into a plan that can be inserted in one transaction.
//!
//! Every error names the path of the offending value
//! (`organizations[0].accounts[1].users[3].email: duplicate`).

use std::collections::HashSet;

use serde::Deserialize;
use utoipa::ToSchema;

use super::account::{DEFAULT_ACCOUNT_DESCRIPTION, DEFAULT_ACCOUNT_NAME};
use super::clock::{format_date, parse_date};
use super::password::Password;
use super::role::Role;
use super::secret::Secret;
use super::user::{required_text, Address, Email, NewUser};

/// What is wrong with a fixture, and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {problem}")]
pub struct FixtureError {
    pub path: String,
    pub problem: String,
}

impl FixtureError {
    pub fn at(path: impl Into<String>, problem: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            problem: problem.into(),
        }
    }
}

// The wire shape. Unknown fields are refused: a misspelt key in a fixture
// would otherwise load silently without what its author meant.

/// A fixture: organizations to add, all or nothing.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = Fixture)]
pub struct FixtureFile {
    pub organizations: Vec<OrganizationFixture>,
}

/// An organization of a fixture. Without a default account it gets one.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = FixtureOrganization)]
pub struct OrganizationFixture {
    /// Not blank.
    #[schema(min_length = 1, pattern = r"\S")]
    pub name: String,
    /// The Organization secret (generated when omitted): non-empty, without
    /// whitespace or commas, unique on the server.
    #[schema(min_length = 1, pattern = r"^[^\s,]+$")]
    pub secret: Option<String>,
    #[serde(default)]
    pub accounts: Vec<AccountFixture>,
}

/// An account of a fixture.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schema(as = FixtureAccount)]
pub struct AccountFixture {
    /// Not blank.
    #[schema(min_length = 1, pattern = r"\S")]
    pub name: String,
    pub description: Option<String>,
    /// Unique in the organization.
    pub external_id: Option<String>,
    /// Whether this is the organization's default account (at most one).
    #[serde(default)]
    pub default: bool,
    #[serde(default)]
    pub users: Vec<UserFixture>,
}

/// A user of a fixture.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schema(as = FixtureUser)]
pub struct UserFixture {
    /// Not blank.
    #[schema(required = true, nullable = false, min_length = 1, pattern = r"\S")]
    pub first_name: Option<String>,
    /// Not blank.
    #[schema(required = true, nullable = false, min_length = 1, pattern = r"\S")]
    pub last_name: Option<String>,
    /// Unique in the organization, case-insensitively; 1 to 254
    /// characters without whitespace.
    #[schema(
        required = true,
        nullable = false,
        min_length = 1,
        max_length = 254,
        pattern = r"^\S+$"
    )]
    pub email: Option<String>,
    /// Not empty; generated when omitted.
    #[schema(min_length = 1)]
    pub password: Option<String>,
    /// The User secret (generated when omitted): non-empty, without
    /// whitespace or commas, unique on the server.
    #[schema(min_length = 1, pattern = r"^[^\s,]+$")]
    pub secret: Option<String>,
    /// `sys-admin` cannot be granted; `org-admin` and `org` only in the
    /// default account, whose users get `org` anyway.
    #[serde(default)]
    #[schema(value_type = Vec<Role>)]
    pub roles: Vec<String>,
    /// Default `true`.
    pub active: Option<bool>,
    /// `YYYY-MM-DD`; default: today.
    #[schema(format = Date)]
    pub created_date: Option<String>,
    pub city: Option<String>,
    pub country: Option<String>,
    pub phone: Option<String>,
    pub postal_code: Option<String>,
    pub state_province: Option<String>,
    pub street1: Option<String>,
    pub street2: Option<String>,
}

// The validated plan.

#[derive(Debug)]
pub struct PlannedOrganization {
    pub path: String,
    pub name: String,
    pub secret: Secret,
    /// The default account is always first.
    pub accounts: Vec<PlannedAccount>,
}

#[derive(Debug)]
pub struct PlannedAccount {
    pub path: String,
    pub name: String,
    pub description: Option<String>,
    pub external_id: Option<String>,
    pub is_default: bool,
    pub users: Vec<PlannedUser>,
}

#[derive(Debug)]
pub struct PlannedUser {
    pub path: String,
    pub user: NewUser,
    /// `None`: the fixture gave none, and nobody will log in with one.
    pub password: Option<Password>,
    pub secret: Secret,
    pub active: bool,
    /// `None`: today, as the server's clock says when it is loaded.
    pub created_date: Option<String>,
}

/// Parses and validates a fixture document.
pub fn plan(bytes: &[u8]) -> Result<Vec<PlannedOrganization>, FixtureError> {
    let value: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|error| FixtureError::at("$", error.to_string()))?;
    if !value.is_object() {
        return Err(FixtureError::at("$", "expected a JSON object"));
    }
    let file: FixtureFile = serde_path_to_error::deserialize(value).map_err(|error| {
        let path = error.path().to_string();
        FixtureError::at(
            if path == "." { "$".to_owned() } else { path },
            error.inner().to_string(),
        )
    })?;
    let mut secrets = HashSet::new();
    file.organizations
        .into_iter()
        .enumerate()
        .map(|(index, organization)| {
            plan_organization(
                format!("organizations[{index}]"),
                organization,
                &mut secrets,
            )
        })
        .collect()
}

/// Secrets must be unique across the whole fixture (they identify callers).
fn claim_secret(
    given: Option<String>,
    path: &str,
    secrets: &mut HashSet<String>,
) -> Result<Secret, FixtureError> {
    let Some(text) = given else {
        return Ok(Secret::generate());
    };
    let secret = Secret::parse(&text)
        .map_err(|problem| FixtureError::at(format!("{path}.secret"), problem))?;
    if !secrets.insert(text) {
        return Err(FixtureError::at(format!("{path}.secret"), "duplicate"));
    }
    Ok(secret)
}

fn plan_organization(
    path: String,
    organization: OrganizationFixture,
    secrets: &mut HashSet<String>,
) -> Result<PlannedOrganization, FixtureError> {
    let name = required_text("name", Some(organization.name))
        .map_err(|_| FixtureError::at(format!("{path}.name"), "must not be empty"))?;
    let secret = claim_secret(organization.secret, &path, secrets)?;
    let mut emails = HashSet::new();
    let mut external_ids = HashSet::new();
    let mut accounts = Vec::with_capacity(organization.accounts.len() + 1);
    for (index, account) in organization.accounts.into_iter().enumerate() {
        let account_path = format!("{path}.accounts[{index}]");
        if account.default && accounts.iter().any(|a: &PlannedAccount| a.is_default) {
            return Err(FixtureError::at(
                format!("{account_path}.default"),
                "an organization has exactly one default account",
            ));
        }
        if let Some(external_id) = &account.external_id {
            if !external_ids.insert(external_id.clone()) {
                return Err(FixtureError::at(
                    format!("{account_path}.externalId"),
                    "duplicate",
                ));
            }
        }
        accounts.push(plan_account(account_path, account, &mut emails, secrets)?);
    }
    // Every organization has a default account; one is made if none is given.
    match accounts.iter().position(|account| account.is_default) {
        Some(position) => {
            let default = accounts.remove(position);
            accounts.insert(0, default);
        }
        None => accounts.insert(
            0,
            PlannedAccount {
                path: format!("{path}.accounts"),
                name: DEFAULT_ACCOUNT_NAME.to_owned(),
                description: Some(DEFAULT_ACCOUNT_DESCRIPTION.to_owned()),
                external_id: None,
                is_default: true,
                users: Vec::new(),
            },
        ),
    }
    Ok(PlannedOrganization {
        path,
        name,
        secret,
        accounts,
    })
}

fn plan_account(
    path: String,
    account: AccountFixture,
    emails: &mut HashSet<String>,
    secrets: &mut HashSet<String>,
) -> Result<PlannedAccount, FixtureError> {
    let name = required_text("name", Some(account.name))
        .map_err(|_| FixtureError::at(format!("{path}.name"), "must not be empty"))?;
    let users = account
        .users
        .into_iter()
        .enumerate()
        .map(|(index, user)| {
            plan_user(
                format!("{path}.users[{index}]"),
                user,
                account.default,
                emails,
                secrets,
            )
        })
        .collect::<Result<_, _>>()?;
    // A default account without a description gets the standard one.
    let description = match account.description {
        None if account.default => Some(DEFAULT_ACCOUNT_DESCRIPTION.to_owned()),
        given => given,
    };
    Ok(PlannedAccount {
        path,
        name,
        description,
        external_id: account.external_id,
        is_default: account.default,
        users,
    })
}

fn plan_user(
    path: String,
    user: UserFixture,
    in_default_account: bool,
    emails: &mut HashSet<String>,
    secrets: &mut HashSet<String>,
) -> Result<PlannedUser, FixtureError> {
    let at = |field: &str| format!("{path}.{field}");
    let first_name = required_text("firstName", user.first_name)
        .map_err(|e| FixtureError::at(at("firstName"), e.0))?;
    let last_name = required_text("lastName", user.last_name)
        .map_err(|e| FixtureError::at(at("lastName"), e.0))?;
    let email = Email::parse(user.email.as_deref().unwrap_or(""))
        .map_err(|e| FixtureError::at(at("email"), e.0))?;
    if !emails.insert(email.lower().to_owned()) {
        return Err(FixtureError::at(at("email"), "duplicate"));
    }
    let password = match user.password {
        Some(password) if password.is_empty() => {
            return Err(FixtureError::at(at("password"), "must not be empty"))
        }
        Some(password) => Some(Password::new(password)),
        None => None,
    };
    let secret = claim_secret(user.secret, &path, secrets)?;
    let mut roles = Vec::new();
    for (index, key) in user.roles.iter().enumerate() {
        let role_path = format!("{path}.roles[{index}]");
        let role = Role::from_key(key)
            .ok_or_else(|| FixtureError::at(&role_path, format!("Invalid role: {key}")))?;
        match role {
            Role::SysAdmin => {
                return Err(FixtureError::at(role_path, "sys-admin cannot be granted"))
            }
            Role::OrgAdmin | Role::Org if !in_default_account => {
                return Err(FixtureError::at(
                    role_path,
                    format!("{key} is only for users of the default account"),
                ))
            }
            _ => roles.push(role),
        }
    }
    if in_default_account {
        roles.push(Role::Org);
    }
    let created_date = user
        .created_date
        .map(|text| {
            parse_date(&text)
                .map(format_date)
                .ok_or_else(|| FixtureError::at(at("createdDate"), "expected a date YYYY-MM-DD"))
        })
        .transpose()?;
    Ok(PlannedUser {
        path,
        user: NewUser {
            first_name,
            last_name,
            email,
            address: Address {
                city: user.city,
                country: user.country,
                phone: user.phone,
                postal_code: user.postal_code,
                state_province: user.state_province,
                street1: user.street1,
                street2: user.street2,
            },
            roles,
        },
        password,
        secret,
        active: user.active.unwrap_or(true),
        created_date,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error_of(json: &str) -> String {
        plan(json.as_bytes()).expect_err("invalid").to_string()
    }

    #[test]
    fn the_spec_example_plans() {
        let plan = plan(
            br#"{"organizations": [{"name": "Acme", "secret": "org-secret",
            "accounts": [{"name": "Company Default Account", "default": true,
              "users": [{"firstName": "A", "lastName": "B", "email": "a@acme.test",
                         "password": "pw", "secret": "user-secret",
                         "roles": ["org-admin"], "active": true,
                         "createdDate": "2017-01-18"}]},
              {"name": "Customer 1", "externalId": "c-1", "users": []}]}]}"#,
        )
        .expect("valid");
        assert_eq!(plan.len(), 1);
        assert_eq!(plan[0].accounts.len(), 2);
        assert!(plan[0].accounts[0].is_default);
        let user = &plan[0].accounts[0].users[0];
        assert_eq!(user.user.roles, [Role::OrgAdmin, Role::Org]);
        assert_eq!(user.created_date.as_deref(), Some("2017-01-18"));
    }

    #[test]
    fn a_missing_default_account_is_made() {
        let plan = plan(br#"{"organizations": [{"name": "X", "accounts": [{"name": "C"}]}]}"#)
            .expect("valid");
        assert!(plan[0].accounts[0].is_default);
        assert_eq!(plan[0].accounts[0].name, "Company Default Account");
        assert_eq!(plan[0].accounts[1].name, "C");
    }

    #[test]
    fn errors_name_the_offending_path() {
        let user =
            |email: &str| format!(r#"{{"firstName": "A", "lastName": "B", "email": "{email}"}}"#);
        let cases = [
            (
                format!(
                    r#"{{"organizations": [{{"name": "X", "accounts": [{{"name": "D", "default": true, "users": [{}]}}, {{"name": "C", "users": [{}, {}, {}, {}]}}]}}]}}"#,
                    user("a@x"),
                    user("b@x"),
                    user("c@x"),
                    user("d@x"),
                    user("A@X")
                ),
                "organizations[0].accounts[1].users[3].email: duplicate",
            ),
            (r#"{"organizations": [{"name": "X", "accounts": [{"name": "C", "users": [{"firstName": "A", "lastName": "B"}]}]}]}"#.to_owned(),
             "organizations[0].accounts[0].users[0].email: email is required"),
            (r#"{"organizations": [{"name": "X", "accounts": [{"name": "C", "users": [{"firstName": "A", "lastName": "B", "email": "e", "roles": ["org-admin"]}]}]}]}"#.to_owned(),
             "organizations[0].accounts[0].users[0].roles[0]: org-admin is only for users of the default account"),
            (r#"{"organizations": [{"name": "X", "accounts": [{"name": "C", "default": true, "users": [{"firstName": "A", "lastName": "B", "email": "e", "roles": ["boss"]}]}]}]}"#.to_owned(),
             "organizations[0].accounts[0].users[0].roles[0]: Invalid role: boss"),
            (r#"{"organizations": [{"name": "X", "secret": "s"}, {"name": "Y", "secret": "s"}]}"#.to_owned(),
             "organizations[1].secret: duplicate"),
            (r#"{"organizations": [{"name": "X", "accounts": [{"name": "A", "default": true}, {"name": "B", "default": true}]}]}"#.to_owned(),
             "organizations[0].accounts[1].default: an organization has exactly one default account"),
            (r#"{"organizations": [{"name": "X", "accounts": [{"name": "A", "externalId": "e"}, {"name": "B", "externalId": "e"}]}]}"#.to_owned(),
             "organizations[0].accounts[1].externalId: duplicate"),
            (r#"{"organizations": [{"name": "X", "acounts": []}]}"#.to_owned(),
             "organizations[0].acounts: unknown field `acounts`"),
            (r#"{"organizations": [{"name": 5}]}"#.to_owned(),
             "organizations[0].name: invalid type: integer `5`"),
            (r#"{"organizations": [{"name": "X", "accounts": [{"name": "C", "users": [{"firstName": "A", "lastName": "B", "email": "e", "createdDate": "2017-13-01"}]}]}]}"#.to_owned(),
             "organizations[0].accounts[0].users[0].createdDate: expected a date YYYY-MM-DD"),
            ("[]".to_owned(), "$: expected a JSON object"),
            ("{} {}".to_owned(), "$: trailing characters"),
        ];
        for (json, expected) in cases {
            let error = error_of(&json);
            assert!(
                error.starts_with(expected),
                "{error:?} should start with {expected:?}"
            );
        }
    }
}
