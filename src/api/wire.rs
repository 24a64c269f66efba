//! What the JSON looks like on the wire, apart from the row and domain
//! types. A secret reaches a response only through `UserJson::secret`,
//! which is set only where SPEC §4 says; a password hash never can.

use axum::http::header::CONTENT_TYPE;
use axum::http::HeaderValue;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Deserializer, Serialize};

use crate::domain::role::RoleJson;
use crate::store::accounts::AccountRow;
use crate::store::users::UserRow;

/// The user object of SPEC §4.7, fields in the order the seed page shows.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UserJson {
    pub id: i64,
    pub created_date: String,
    pub first_name: String,
    pub last_name: String,
    pub full_name: String,
    pub email: String,
    /// Always the literal `"secured"`, as the real service answers.
    pub password: &'static str,
    pub active: bool,
    pub enabled: bool,
    pub roles: Vec<RoleJson>,
    pub last_login_date: String,
    pub account_expired: bool,
    pub account_locked: bool,
    pub credentials_expired: bool,
    pub account_non_expired: bool,
    pub account_non_locked: bool,
    pub credentials_non_expired: bool,
    pub email_valid: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state_province: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub street1: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub street2: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

/// A JSON response from text that is JSON already (the stored user JSON).
pub struct RawJson(pub String);

impl RawJson {
    /// `[a,b,…]` from ready JSON values.
    pub fn array<'a>(items: impl IntoIterator<Item = &'a str>) -> Self {
        let mut body = String::from("[");
        for (index, item) in items.into_iter().enumerate() {
            if index > 0 {
                body.push(',');
            }
            body.push_str(item);
        }
        body.push(']');
        Self(body)
    }
}

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

/// `{"key": "admin"}` in a `roles` array.
#[derive(Debug, Deserialize)]
pub struct RoleRef {
    pub key: String,
}

/// `POST /accounts/{id}/users`. Every field optional here so that a
/// missing one gets a 400 naming it rather than a serde message.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateUserBody {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    pub password: Option<String>,
    pub city: Option<String>,
    pub country: Option<String>,
    pub phone: Option<String>,
    pub postal_code: Option<String>,
    pub state_province: Option<String>,
    pub street1: Option<String>,
    pub street2: Option<String>,
    pub roles: Option<Vec<RoleRef>>,
}

/// `PATCH /accounts/{id}/users/{userId}`. Address fields distinguish
/// "absent" (unchanged) from `null` (cleared).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PatchUserBody {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    pub password: Option<String>,
    pub active: Option<bool>,
    pub roles: Option<Vec<RoleRef>>,
    #[serde(default, deserialize_with = "present")]
    pub city: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    pub country: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    pub phone: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    pub postal_code: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    pub state_province: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    pub street1: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    pub street2: Option<Option<String>>,
}

/// A field that is present, possibly `null`.
fn present<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(deserializer).map(Some)
}

/// `POST /accounts`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateAccountBody {
    pub name: Option<String>,
    pub description: Option<String>,
    pub external_id: Option<String>,
}

/// `PATCH /accounts/{id}`; `null` clears description or externalId.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PatchAccountBody {
    pub name: Option<String>,
    #[serde(default, deserialize_with = "present")]
    pub description: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    pub external_id: Option<Option<String>>,
    pub active: Option<bool>,
}

/// The account object of SPEC §4.6.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AccountJson {
    pub id: i64,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    pub default_account: bool,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub active: bool,
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
