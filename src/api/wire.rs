//! What the JSON looks like on the wire, apart from the row and domain
//! types. A secret reaches a response only through `UserJson::secret`,
//! which is set only where SPEC §4 says; a password hash never can.

use axum::http::header::CONTENT_TYPE;
use axum::http::HeaderValue;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::openapi::schema::{Object, ObjectBuilder, Type};
use utoipa::ToSchema;

use crate::domain::role::{Role, RoleJson};
use crate::store::accounts::AccountRow;
use crate::store::users::UserRow;

// Schemas of fields that only ever hold one value (or a few): the derive
// cannot say so, and these do. `schema_with` drops the field's doc comment,
// so each carries its own description.

fn one_of_strings(values: &[&str], description: &str) -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(values.iter().copied()))
        .description(Some(description))
        .build()
}

fn constant_bool(value: bool, description: &str) -> Object {
    ObjectBuilder::new()
        .schema_type(Type::Boolean)
        .enum_values(Some([value]))
        .description(Some(description))
        .build()
}

fn always_secured() -> Object {
    one_of_strings(
        &["secured"],
        "Always the literal `secured`, as the real service answers.",
    )
}

fn deprecated_false() -> Object {
    constant_bool(false, "Deprecated; always `false`.")
}

fn deprecated_true() -> Object {
    constant_bool(true, "Deprecated; always `true`.")
}

fn email_valid() -> Object {
    constant_bool(true, "Always `true`: addresses are not validated.")
}

/// A user (SPEC §4.7), fields in the order the seed page shows. The
/// address fields are omitted when unset (never `null`); `secret` is
/// present only in the answer to a create and to a GET of one user with the
/// correct `Elements-User-Password`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = User)]
pub struct UserJson {
    /// Unique across the server.
    #[schema(minimum = 1)]
    pub id: i64,
    /// `YYYY-MM-DD`, UTC.
    #[schema(format = Date, example = "2017-01-18")]
    pub created_date: String,
    pub first_name: String,
    pub last_name: String,
    /// `firstName lastName`.
    pub full_name: String,
    pub email: String,
    #[schema(schema_with = always_secured)]
    pub password: &'static str,
    pub active: bool,
    /// Equals `active`.
    pub enabled: bool,
    /// In catalogue order.
    pub roles: Vec<RoleJson>,
    /// The last day the user authenticated a request, or `createdDate` if never.
    #[schema(format = Date, example = "2018-03-07")]
    pub last_login_date: String,
    #[schema(schema_with = deprecated_false)]
    pub account_expired: bool,
    #[schema(schema_with = deprecated_false)]
    pub account_locked: bool,
    #[schema(schema_with = deprecated_false)]
    pub credentials_expired: bool,
    #[schema(schema_with = deprecated_true)]
    pub account_non_expired: bool,
    #[schema(schema_with = deprecated_true)]
    pub account_non_locked: bool,
    #[schema(schema_with = deprecated_true)]
    pub credentials_non_expired: bool,
    #[schema(schema_with = email_valid)]
    pub email_valid: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub city: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub country: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub phone: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub postal_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub state_province: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub street1: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub street2: Option<String>,
    /// The user secret: only in the answer to a create, and to a GET of one
    /// user with the correct `Elements-User-Password`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub secret: Option<String>,
}

/// A JSON response from text that is JSON already (the stored user JSON).
pub struct RawJson(pub String);

impl IntoResponse for RawJson {
    fn into_response(self) -> Response {
        (
            [(CONTENT_TYPE, HeaderValue::from_static("application/json"))],
            self.0,
        )
            .into_response()
    }
}

/// Whether a response may carry the user's secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WithSecret {
    Yes,
    No,
}

impl UserJson {
    pub fn new(row: UserRow, with_secret: WithSecret) -> Self {
        let roles = row.roles().iter().map(|role| role.to_json()).collect();
        Self {
            id: row.id,
            created_date: row.created_date,
            full_name: format!("{} {}", row.first_name, row.last_name),
            first_name: row.first_name,
            last_name: row.last_name,
            email: row.email,
            password: "secured",
            active: row.active,
            enabled: row.active,
            roles,
            last_login_date: row.last_login_date,
            account_expired: false,
            account_locked: false,
            credentials_expired: false,
            account_non_expired: true,
            account_non_locked: true,
            credentials_non_expired: true,
            email_valid: true,
            city: row.city,
            country: row.country,
            phone: row.phone,
            postal_code: row.postal_code,
            state_province: row.state_province,
            street1: row.street1,
            street2: row.street2,
            secret: (with_secret == WithSecret::Yes).then_some(row.secret),
        }
    }
}

/// One user as a response: the stored JSON, or, where SPEC §4 returns the
/// secret, the same object rendered with it.
pub fn user_response(row: UserRow, with_secret: WithSecret) -> Response {
    match with_secret {
        WithSecret::No => RawJson(row.json).into_response(),
        WithSecret::Yes => axum::Json(UserJson::new(row, WithSecret::Yes)).into_response(),
    }
}

/// `{"key": "admin"}` in a `roles` array. A key outside the catalogue is
/// 400 (`Invalid role: foo`).
#[derive(Debug, Deserialize, ToSchema)]
pub struct RoleRef {
    #[schema(value_type = Role)]
    pub key: String,
}

// Every field is optional here so that a missing one gets a 400 naming it
// rather than a serde message; the schema says which ones are required.
/// A new user (`POST /accounts/{id}/users`). Unknown fields are ignored.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = CreateUser, example = json!({
    "firstName": "First", "lastName": "Last", "email": "firstlast@cloud-elements.com",
    "password": "password", "roles": [{"key": "admin"}]
}))]
pub struct CreateUserBody {
    /// Not blank.
    #[schema(required = true, nullable = false, min_length = 1, pattern = r"\S")]
    pub first_name: Option<String>,
    /// Not blank.
    #[schema(required = true, nullable = false, min_length = 1, pattern = r"\S")]
    pub last_name: Option<String>,
    /// Unique in the organization (case-insensitively): a duplicate is 409.
    /// Any text of 1 to 254 characters without whitespace.
    #[schema(
        required = true,
        nullable = false,
        min_length = 1,
        max_length = 254,
        pattern = r"^\S+$"
    )]
    pub email: Option<String>,
    /// Not blank.
    #[schema(required = true, nullable = false, min_length = 1, pattern = r"\S")]
    pub password: Option<String>,
    pub city: Option<String>,
    pub country: Option<String>,
    pub phone: Option<String>,
    pub postal_code: Option<String>,
    pub state_province: Option<String>,
    pub street1: Option<String>,
    pub street2: Option<String>,
    /// The roles to grant, subject to the grant rules (403). The default
    /// account's users get `org` automatically; asking for it elsewhere is 403.
    pub roles: Option<Vec<RoleRef>>,
}

/// Changes to a user (`PATCH`): any subset of the fields. For the address
/// fields `null` clears the value; for the others `null` is the same as
/// absent (unchanged). Unknown fields are ignored.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = PatchUser, example = json!({"firstName": "New", "city": "Denver"}))]
pub struct PatchUserBody {
    /// Not blank.
    #[schema(min_length = 1, pattern = r"\S")]
    pub first_name: Option<String>,
    /// Not blank.
    #[schema(min_length = 1, pattern = r"\S")]
    pub last_name: Option<String>,
    /// Unique in the organization (409); 1 to 254 characters, no whitespace.
    #[schema(min_length = 1, max_length = 254, pattern = r"^\S+$")]
    pub email: Option<String>,
    /// Not blank.
    #[schema(min_length = 1, pattern = r"\S")]
    pub password: Option<String>,
    /// `false` deactivates the user: its secret stops working at once.
    pub active: Option<bool>,
    /// Replaces the user's role set, subject to the grant rules (403);
    /// nobody changes their own roles (403).
    pub roles: Option<Vec<RoleRef>>,
    /// `null` clears it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub city: Option<Option<String>>,
    /// `null` clears it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub country: Option<Option<String>>,
    /// `null` clears it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub phone: Option<Option<String>>,
    /// `null` clears it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub postal_code: Option<Option<String>>,
    /// `null` clears it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub state_province: Option<Option<String>>,
    /// `null` clears it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub street1: Option<Option<String>>,
    /// `null` clears it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub street2: Option<Option<String>>,
}

/// A field that is present, possibly `null`.
fn present<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(deserializer).map(Some)
}

/// A new customer account (`POST /accounts`). Unknown fields are ignored.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = CreateAccount, example = json!({
    "name": "Customer 1", "externalId": "c-1", "description": "A customer"
}))]
pub struct CreateAccountBody {
    /// Not blank.
    #[schema(required = true, nullable = false, min_length = 1, pattern = r"\S")]
    pub name: Option<String>,
    pub description: Option<String>,
    /// Unique in the organization: a duplicate is 409.
    pub external_id: Option<String>,
}

/// Changes to an account (`PATCH /accounts/{id}`): any subset of the
/// fields; `null` clears `description` or `externalId`. Unknown fields are
/// ignored.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = PatchAccount)]
pub struct PatchAccountBody {
    /// Not blank.
    #[schema(min_length = 1, pattern = r"\S")]
    pub name: Option<String>,
    /// `null` clears it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub description: Option<Option<String>>,
    /// Unique in the organization (409); `null` clears it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub external_id: Option<Option<String>>,
    /// `false` deactivates the account and its users (403 for the default
    /// account).
    pub active: Option<bool>,
}

fn account_type() -> Object {
    one_of_strings(
        &["Default", "CompanyAccount"],
        "`Default` for the default account, `CompanyAccount` otherwise.",
    )
}

/// An account (SPEC §4.6). `description` and `externalId` are omitted
/// when unset (never `null`).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = Account)]
pub struct AccountJson {
    #[schema(minimum = 1)]
    pub id: i64,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub external_id: Option<String>,
    /// Exactly one account of an organization is its default account.
    pub default_account: bool,
    #[serde(rename = "type")]
    #[schema(schema_with = account_type)]
    pub kind: &'static str,
    pub active: bool,
    /// `YYYY-MM-DD`, UTC.
    #[schema(format = Date, example = "2017-01-18")]
    pub created_date: String,
}

impl From<AccountRow> for AccountJson {
    fn from(row: AccountRow) -> Self {
        Self {
            id: row.id,
            name: row.name,
            description: row.description,
            external_id: row.external_id,
            default_account: row.is_default,
            kind: if row.is_default {
                "Default"
            } else {
                "CompanyAccount"
            },
            active: row.active,
            created_date: row.created_date,
        }
    }
}
