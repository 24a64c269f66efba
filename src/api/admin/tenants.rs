//! Tenants for parallel tests (docs/controls.md#tenants): organizations made, reset and
//! removed over HTTP, and the whole server reset to its bootstrap state.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::api::extract::{parse_id, parse_json_object};
use crate::api::middleware::ErrorBody;
use crate::api::state::AppState;
use crate::auth::authorization;
use crate::config::DEFAULT_ADMIN_EMAIL;
use crate::domain::password::Password;
use crate::domain::secret::Secret;
use crate::domain::user::Email;
use crate::error::ApiError;
use crate::service::organizations::{self, NewOrganizationInput};
use crate::store::organizations::{OrganizationIds, OrganizationListing, OriginKind};

/// `POST /__admin/organizations`; every field optional, and so is the body.
/// Unknown fields are ignored.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = CreateTenant)]
pub struct CreateTenantBody {
    /// Default `tenant`.
    pub name: Option<String>,
    /// Generated when omitted; non-empty, without whitespace or commas, and
    /// unique on the server (409).
    #[schema(min_length = 1, pattern = r"^[^\s,]+$")]
    pub org_secret: Option<String>,
    /// Generated when omitted; non-empty, without whitespace or commas, and
    /// unique on the server (409).
    #[schema(min_length = 1, pattern = r"^[^\s,]+$")]
    pub user_secret: Option<String>,
    /// Default `admin@localelements.test`; 1 to 254 characters without
    /// whitespace.
    #[schema(min_length = 1, max_length = 254, pattern = r"^\S+$")]
    pub admin_email: Option<String>,
    /// Not empty; generated (and not shown) when omitted.
    #[schema(min_length = 1)]
    pub admin_password: Option<String>,
}

/// A new tenant and the credentials of its org-admin.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = Tenant)]
pub struct TenantJson {
    pub organization_id: i64,
    pub default_account_id: i64,
    pub admin_user_id: i64,
    pub admin_email: String,
    pub org_secret: String,
    pub user_secret: String,
    /// The ready `Authorization` header value of the tenant's org-admin.
    pub authorization: String,
}

/// The ids an organization has after a reset.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = ResetOrganization)]
pub struct ResetJson {
    pub organization_id: i64,
    pub default_account_id: i64,
    pub admin_user_id: i64,
}

impl From<OrganizationIds> for ResetJson {
    fn from(ids: OrganizationIds) -> Self {
        Self {
            organization_id: ids.organization_id,
            default_account_id: ids.default_account_id,
            admin_user_id: ids.admin_user_id.unwrap_or_default(),
        }
    }
}

/// Why an organization exists, which decides what the resets do with it.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
#[schema(as = OrganizationKind)]
pub enum KindJson {
    /// Made at start-up: `POST /__admin/reset` keeps it, and it cannot be
    /// deleted.
    Server,
    /// Made by `POST /__admin/organizations`.
    Tenant,
    /// Loaded from a fixture.
    Fixture,
}

/// One organization as `GET /__admin/organizations` lists it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = OrganizationEntry)]
pub struct OrganizationEntryJson {
    pub organization_id: i64,
    pub name: String,
    pub kind: KindJson,
    pub default_account_id: i64,
    /// An active org-admin of the default account (its first one while
    /// active, else the one with the lowest id), or `null` when it has none.
    pub admin_user_id: Option<i64>,
    /// That org-admin's email, or `null`.
    pub admin_email: Option<String>,
    /// The ready `Authorization` header value of that org-admin, or `null`.
    pub authorization: Option<String>,
}

impl From<OrganizationListing> for OrganizationEntryJson {
    fn from(row: OrganizationListing) -> Self {
        let kind = match row.kind.as_str() {
            "server" => KindJson::Server,
            "tenant" => KindJson::Tenant,
            _ => KindJson::Fixture,
        };
        Self {
            organization_id: row.id,
            name: row.name,
            kind,
            default_account_id: row.default_account_id,
            admin_user_id: row.admin_user_id,
            admin_email: row.admin_email,
            authorization: row
                .admin_secret
                .map(|secret| authorization(&secret, &row.organization_secret)),
        }
    }
}

/// `GET /__admin/organizations`: every organization, with the credentials
/// to act in it (what the console uses).
#[utoipa::path(
    get,
    path = "/__admin/organizations",
    operation_id = "adminListOrganizations",
    tag = "admin",
    summary = "List the organizations",
    description = "Every organization by id, with its default account and the ready `Authorization` value of an active org-admin of its default account (its first org-admin while they are active, else the one with the lowest id; `null` when it has none).",
    responses(
        (status = 200, description = "Every organization", body = Vec<OrganizationEntryJson>),
    ),
)]
pub(super) async fn list(
    State(state): State<AppState>,
) -> Result<Json<Vec<OrganizationEntryJson>>, ApiError> {
    let listing = organizations::list(&state.services).await?;
    Ok(Json(listing.into_iter().map(Into::into).collect()))
}

fn chosen_secret(field: &str, given: Option<&str>) -> Result<Secret, ApiError> {
    Secret::chosen_or_generated(given)
        .map_err(|problem| ApiError::bad_request(format!("{field} {problem}")))
}

/// `POST /__admin/organizations`: a fresh organization with its default
/// account and org-admin, and the credentials to use it.
#[utoipa::path(
    post,
    path = "/__admin/organizations",
    operation_id = "adminCreateOrganization",
    tag = "admin",
    summary = "Create a tenant",
    description = "A fresh organization with its default account and org-admin. The body is optional: empty (or all whitespace) is the same as `{}`, and its Content-Type is not checked.",
    request_body(content = Option<CreateTenantBody>, description = "Optional settings of the tenant", content_type = "application/json"),
    responses(
        (status = 200, description = "The tenant's ids and credentials", body = TenantJson, links(
            ("ResetOrganization" = (operation_id = "adminResetOrganization", parameters(("id" = "$response.body#/organizationId")))),
            ("DeleteOrganization" = (operation_id = "adminDeleteOrganization", parameters(("id" = "$response.body#/organizationId")))),
        )),
        (status = 400, description = "A body that is not a JSON object, or a bad secret, email or password", body = ErrorBody),
        (status = 409, description = "A given secret is already in use", body = ErrorBody),
        (status = 413, description = "The body is larger than 1 MiB", body = ErrorBody),
    ),
)]
pub(super) async fn create(
    State(state): State<AppState>,
    body: Bytes,
) -> Result<Json<TenantJson>, ApiError> {
    let body: CreateTenantBody = if body.iter().all(u8::is_ascii_whitespace) {
        CreateTenantBody::default()
    } else {
        parse_json_object(&body)?
    };
    let org_secret = chosen_secret("orgSecret", body.org_secret.as_deref())?;
    let user_secret = chosen_secret("userSecret", body.user_secret.as_deref())?;
    let email = Email::parse(body.admin_email.as_deref().unwrap_or(DEFAULT_ADMIN_EMAIL))
        .map_err(|invalid| ApiError::bad_request(format!("adminEmail: {invalid}")))?;
    let password = match body.admin_password {
        Some(password) if password.is_empty() => {
            return Err(ApiError::bad_request("adminPassword must not be empty"))
        }
        Some(password) => Password::new(password),
        None => Password::new(Secret::generate().expose()),
    };
    let name = body.name.unwrap_or_else(|| "tenant".to_owned());
    let ids = organizations::create(
        &state.services,
        OriginKind::Tenant,
        NewOrganizationInput {
            name,
            org_secret: org_secret.clone(),
            user_secret: user_secret.clone(),
            admin_email: email.clone(),
            admin_password: password,
        },
    )
    .await?;
    Ok(Json(TenantJson {
        organization_id: ids.organization_id,
        default_account_id: ids.default_account_id,
        admin_user_id: ids.admin_user_id.unwrap_or_default(),
        admin_email: email.as_str().to_owned(),
        authorization: authorization(user_secret.expose(), org_secret.expose()),
        org_secret: org_secret.expose().to_owned(),
        user_secret: user_secret.expose().to_owned(),
    }))
}

/// `POST /__admin/organizations/{id}/reset`: back to its bootstrap state.
#[utoipa::path(
    post,
    path = "/__admin/organizations/{id}/reset",
    operation_id = "adminResetOrganization",
    tag = "admin",
    summary = "Reset one organization",
    description = "Back to how it was made: its default account and its org-admin (same id, email, password and secret), nothing else.",
    params(("id" = i64, Path, description = "The organization id", minimum = 0)),
    responses(
        (status = 200, description = "The organization's ids after the reset", body = ResetJson),
        (status = 400, description = "An id that is not a number", body = ErrorBody),
        (status = 404, description = "No such organization", body = ErrorBody),
        (status = 409, description = "Its org-admin was deleted and its secret or email has been taken since", body = ErrorBody),
    ),
)]
pub(super) async fn reset(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<ResetJson>, ApiError> {
    let id = parse_id("organization id", &id)?;
    Ok(Json(
        organizations::reset(&state.services, id).await?.into(),
    ))
}

/// `DELETE /__admin/organizations/{id}`: the organization and all in it.
/// The server's own organization is reset instead, with `/__admin/reset`.
#[utoipa::path(
    delete,
    path = "/__admin/organizations/{id}",
    operation_id = "adminDeleteOrganization",
    tag = "admin",
    summary = "Delete one organization",
    description = "The organization and everything in it.",
    params(("id" = i64, Path, description = "The organization id", minimum = 0)),
    responses(
        (status = 200, description = "Deleted; the body is empty"),
        (status = 400, description = "An id that is not a number", body = ErrorBody),
        (status = 403, description = "The server's own organization (reset it with `POST /__admin/reset` instead)", body = ErrorBody),
        (status = 404, description = "No such organization", body = ErrorBody),
    ),
)]
pub(super) async fn remove(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id = parse_id("organization id", &id)?;
    organizations::delete(&state.services, id).await?;
    Ok(StatusCode::OK)
}

/// `POST /__admin/reset`: the whole server back to its freshly
/// bootstrapped state, with the same secrets.
#[utoipa::path(
    post,
    path = "/__admin/reset",
    operation_id = "adminResetServer",
    tag = "admin",
    summary = "Reset the whole server",
    description = "Back to its freshly bootstrapped state with the same secrets: every other organization is removed, and the fault rules, the fixed clock and the request journal are cleared. Snapshots are kept.",
    responses(
        (status = 200, description = "The server organization's ids after the reset", body = ResetJson),
    ),
)]
pub(super) async fn reset_server(
    State(state): State<AppState>,
) -> Result<Json<ResetJson>, ApiError> {
    let ids = organizations::reset_server(&state.services).await?;
    // The controls are part of the state a test leaves behind too; only
    // snapshots (saved on purpose) survive.
    state.faults.clear();
    state.services.clock.set(None);
    state.journal.clear();
    Ok(Json(ids.into()))
}
