//! `GET /__admin/explain?where=…`: what a `where` parses to and the SQL it
//! becomes, or the same 400 the list endpoints would answer.

use axum::extract::Query;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::api::middleware::ErrorBody;
use crate::ceql::{self, SqlValue};
use crate::error::ApiError;
use crate::service::where_error;
use crate::store::{accounts, users};

#[derive(Debug, Deserialize)]
pub struct ExplainQuery {
    #[serde(rename = "where")]
    filter: Option<String>,
    /// `users` (the default) or `accounts`.
    scope: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Explanation {
    #[serde(rename = "where")]
    filter: String,
    #[schema(value_type = String)]
    scope: &'static str,
    /// The parsed expression.
    #[schema(value_type = Object)]
    tree: ceql::Expr,
    /// The boolean SQL expression it compiles to; `?` are bound parameters.
    sql: String,
    /// The bound values, in order: integers and strings.
    #[schema(value_type = Vec<Object>)]
    params: Vec<SqlValue>,
}

#[utoipa::path(
    get,
    path = "/__admin/explain",
    operation_id = "adminExplain",
    tag = "admin",
    summary = "Explain a `where`",
    description = "The parsed expression, the SQL it compiles to and its bound values; or the same 400 that `where=` on a list would answer.",
    params(
        ("where" = String, Query, description = "A CEQL expression"),
        ("scope" = Option<String>, Query, description = "`users` (default) or `accounts`"),
    ),
    responses(
        (status = 200, description = "The explanation", body = Explanation),
        (status = 400, description = "No `where`, a bad `scope`, or a `where` that does not parse or compile", body = ErrorBody),
    ),
)]
pub(crate) async fn explain(
    Query(query): Query<ExplainQuery>,
) -> Result<Json<Explanation>, ApiError> {
    let (scope, scope_name) = match query.scope.as_deref() {
        None | Some("users") => (users::FILTER, "users"),
        Some("accounts") => (accounts::FILTER, "accounts"),
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "Invalid scope '{other}': expected users or accounts"
            )))
        }
    };
    let filter = query
        .filter
        .filter(|text| !text.trim().is_empty())
        .ok_or_else(|| ApiError::bad_request("where is required"))?;
    // The same steps and errors as `where=` on a list.
    let tree = ceql::parse(&filter).map_err(where_error)?;
    let sql = ceql::compile(&tree, scope).map_err(where_error)?;
    Ok(Json(Explanation {
        filter,
        scope: scope_name,
        tree,
        sql: sql.text().to_owned(),
        params: sql.params().to_vec(),
    }))
}
