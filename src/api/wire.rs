//! What the JSON looks like on the wire, apart from the row and domain
//! types. A secret reaches a response only through `UserJson::secret`,
//! which is set only where docs/api.md#the-user-object says; a password hash never can.

use axum::http::header::CONTENT_TYPE;
use axum::http::HeaderValue;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::openapi::schema::ArrayBuilder;
use utoipa::openapi::schema::{Object, ObjectBuilder, Type};
use utoipa::ToSchema;

use crate::domain::user::{Address, AddressChanges};
use crate::service::accounts::{AccountPatch, NewAccountInput};
use crate::service::fixtures::plan::RoleKey;
use crate::service::users::{NewUserInput, Shown, UserPatch};
use crate::store::accounts::AccountRow;
use crate::store::roles::RoleRow;

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

/// A user (docs/api.md#the-user-object), fields in the order the seed page shows. The
/// address fields are omitted when unset (never `null`); `secret` is
/// present only in the answer to a create and to a GET of one user with the
/// correct `Elements-User-Password`.
#[derive(Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
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
    pub password: String,
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

// `schema_with` drops a field's doc comment: these carry their own.

fn always_true() -> Object {
    constant_bool(true, "Always `true`.")
}

fn no_features() -> utoipa::openapi::schema::Array {
    ArrayBuilder::new()
        .items(ObjectBuilder::new())
        .max_items(Some(0))
        .description(Some("Always empty."))
        .build()
}

/// A role of the fixed catalogue.
#[derive(Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = Role)]
pub struct RoleJson {
    /// 1 `sys-admin`, 2 `org-admin`, 3 `admin`, 4 `org`.
    #[schema(minimum = 1, maximum = 4)]
    pub id: i64,
    #[schema(value_type = RoleKey)]
    pub key: String,
    /// E.g. `Administrator`.
    pub name: String,
    pub description: String,
    #[schema(schema_with = always_true)]
    pub active: bool,
    #[schema(schema_with = no_features)]
    pub features: Vec<serde_json::Value>,
}

impl From<RoleRow> for RoleJson {
    fn from(row: RoleRow) -> Self {
        Self {
            id: row.id,
            key: row.key,
            name: row.name,
            description: row.description,
            active: true,
            features: Vec::new(),
        }
    }
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

/// A user's answer: the stored JSON as it is (see migration 0003), with the
/// secret added as its last member where the answer includes it. This is
/// the only place a user is rendered; `UserJson` describes the result.
pub fn user_response(shown: Shown) -> Response {
    let Some(secret) = shown.secret else {
        return RawJson(shown.json).into_response();
    };
    let mut json = shown.json;
    if json.ends_with('}') {
        json.pop();
        json.push_str(if json.ends_with('{') { "" } else { "," });
        json.push_str("\"secret\":");
        // A JSON string: `to_string` of a `&str` cannot fail.
        json.push_str(&serde_json::to_string(secret.expose()).unwrap_or_default());
        json.push('}');
    }
    RawJson(json).into_response()
}

/// `{"key": "admin"}` in a `roles` array. A key outside the catalogue is
/// 400 (`Invalid role: foo`).
#[derive(Debug, Deserialize, ToSchema)]
pub struct RoleRef {
    #[schema(value_type = RoleKey)]
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
    /// Not blank; at most 256 characters.
    #[schema(
        required = true,
        nullable = false,
        min_length = 1,
        max_length = 256,
        pattern = r"\S"
    )]
    pub first_name: Option<String>,
    /// Not blank; at most 256 characters.
    #[schema(
        required = true,
        nullable = false,
        min_length = 1,
        max_length = 256,
        pattern = r"\S"
    )]
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
    /// Not blank; at most 1024 characters.
    #[schema(
        required = true,
        nullable = false,
        min_length = 1,
        max_length = 1024,
        pattern = r"\S"
    )]
    pub password: Option<String>,
    /// At most 1024 characters.
    #[schema(max_length = 1024)]
    pub city: Option<String>,
    /// At most 1024 characters.
    #[schema(max_length = 1024)]
    pub country: Option<String>,
    /// At most 1024 characters.
    #[schema(max_length = 1024)]
    pub phone: Option<String>,
    /// At most 1024 characters.
    #[schema(max_length = 1024)]
    pub postal_code: Option<String>,
    /// At most 1024 characters.
    #[schema(max_length = 1024)]
    pub state_province: Option<String>,
    /// At most 1024 characters.
    #[schema(max_length = 1024)]
    pub street1: Option<String>,
    /// At most 1024 characters.
    #[schema(max_length = 1024)]
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
    /// Not blank; at most 256 characters.
    #[schema(min_length = 1, max_length = 256, pattern = r"\S")]
    pub first_name: Option<String>,
    /// Not blank; at most 256 characters.
    #[schema(min_length = 1, max_length = 256, pattern = r"\S")]
    pub last_name: Option<String>,
    /// Unique in the organization (409); 1 to 254 characters, no whitespace.
    #[schema(min_length = 1, max_length = 254, pattern = r"^\S+$")]
    pub email: Option<String>,
    /// Not blank; at most 1024 characters.
    #[schema(min_length = 1, max_length = 1024, pattern = r"\S")]
    pub password: Option<String>,
    /// `false` deactivates the user: its secret stops working at once.
    pub active: Option<bool>,
    /// Replaces the user's role set, subject to the grant rules (403);
    /// nobody changes their own roles (403).
    pub roles: Option<Vec<RoleRef>>,
    /// At most 1024 characters; `null` clears it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, max_length = 1024)]
    pub city: Option<Option<String>>,
    /// At most 1024 characters; `null` clears it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, max_length = 1024)]
    pub country: Option<Option<String>>,
    /// At most 1024 characters; `null` clears it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, max_length = 1024)]
    pub phone: Option<Option<String>>,
    /// At most 1024 characters; `null` clears it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, max_length = 1024)]
    pub postal_code: Option<Option<String>>,
    /// At most 1024 characters; `null` clears it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, max_length = 1024)]
    pub state_province: Option<Option<String>>,
    /// At most 1024 characters; `null` clears it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, max_length = 1024)]
    pub street1: Option<Option<String>>,
    /// At most 1024 characters; `null` clears it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, max_length = 1024)]
    pub street2: Option<Option<String>>,
}

/// A field that is present, possibly `null`: `Some(None)`, where an absent
/// one is `None`.
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
    /// Not blank; at most 256 characters; default: the `externalId`.
    #[schema(nullable = false, min_length = 1, max_length = 256, pattern = r"\S")]
    pub name: Option<String>,
    /// At most 1024 characters.
    #[schema(max_length = 1024)]
    pub description: Option<String>,
    /// Required, not blank, at most 1024 characters, and unique in the
    /// organization: a duplicate is 409.
    #[schema(
        required = true,
        nullable = false,
        min_length = 1,
        max_length = 1024,
        pattern = r"\S"
    )]
    pub external_id: Option<String>,
}

/// Changes to an account (`PATCH /accounts/{id}`): any subset of the
/// fields; `null` clears `description` or `externalId`. Unknown fields are
/// ignored.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = PatchAccount)]
pub struct PatchAccountBody {
    /// Not blank; at most 256 characters.
    #[schema(min_length = 1, max_length = 256, pattern = r"\S")]
    pub name: Option<String>,
    /// At most 1024 characters; `null` clears it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, max_length = 1024)]
    pub description: Option<Option<String>>,
    /// Unique in the organization (409); at most 1024 characters; `null`
    /// clears it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, max_length = 1024)]
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

/// An account. `description` and `externalId` are omitted
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
    /// The day of the last change, `YYYY-MM-DD`, UTC.
    #[schema(format = Date, example = "2017-01-18")]
    pub updated_date: String,
    /// The id of the organization the account belongs to.
    #[schema(minimum = 1)]
    pub company_id: i64,
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
            updated_date: row.updated_date,
            company_id: row.organization_id,
        }
    }
}

impl From<CreateUserBody> for NewUserInput {
    fn from(body: CreateUserBody) -> Self {
        Self {
            first_name: body.first_name,
            last_name: body.last_name,
            email: body.email,
            password: body.password,
            address: Address {
                city: body.city,
                country: body.country,
                phone: body.phone,
                postal_code: body.postal_code,
                state_province: body.state_province,
                street1: body.street1,
                street2: body.street2,
            },
            roles: body.roles.map(role_keys),
        }
    }
}

impl From<PatchUserBody> for UserPatch {
    fn from(body: PatchUserBody) -> Self {
        Self {
            first_name: body.first_name,
            last_name: body.last_name,
            email: body.email,
            password: body.password,
            active: body.active,
            roles: body.roles.map(role_keys),
            address: AddressChanges {
                city: body.city,
                country: body.country,
                phone: body.phone,
                postal_code: body.postal_code,
                state_province: body.state_province,
                street1: body.street1,
                street2: body.street2,
            },
        }
    }
}

fn role_keys(refs: Vec<RoleRef>) -> Vec<String> {
    refs.into_iter().map(|role| role.key).collect()
}

impl From<CreateAccountBody> for NewAccountInput {
    fn from(body: CreateAccountBody) -> Self {
        Self {
            name: body.name,
            description: body.description,
            external_id: body.external_id,
        }
    }
}

impl From<PatchAccountBody> for AccountPatch {
    fn from(body: PatchAccountBody) -> Self {
        Self {
            name: body.name,
            description: body.description,
            external_id: body.external_id,
            active: body.active,
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::domain::user::max_chars;
    use utoipa::PartialSchema;

    /// The documented `maxLength` of each body's text fields is the bound
    /// the domain enforces.
    #[test]
    fn body_schemas_say_the_text_bounds() {
        let schemas = [
            serde_json::to_value(CreateUserBody::schema()).unwrap(),
            serde_json::to_value(PatchUserBody::schema()).unwrap(),
            serde_json::to_value(CreateAccountBody::schema()).unwrap(),
            serde_json::to_value(PatchAccountBody::schema()).unwrap(),
        ];
        let mut checked = 0;
        for schema in &schemas {
            for (field, property) in schema["properties"].as_object().unwrap() {
                if matches!(field.as_str(), "email" | "active" | "roles") {
                    continue;
                }
                assert_eq!(
                    property["maxLength"].as_u64(),
                    Some(max_chars(field) as u64),
                    "{field}: {property}"
                );
                checked += 1;
            }
        }
        assert_eq!(checked, 10 + 10 + 3 + 3);
    }
}
