//! `GET /__admin/explain?where=…`: what a `where` parses to and the SQL it
//! becomes, or the same 400 the list endpoints would answer.

use axum::extract::Query;
use axum::Json;
use serde::{Deserialize, Serialize};

use crate::api::users::where_error;
use crate::ceql::{self, Scope, SqlValue};
use crate::error::ApiError;

#[derive(Debug, Deserialize)]
pub struct ExplainQuery {
    #[serde(rename = "where")]
    filter: Option<String>,
    /// `users` (the default) or `accounts`.
    scope: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct Explanation {
    #[serde(rename = "where")]
    filter: String,
    scope: &'static str,
    /// The parsed expression.
    tree: ceql::Expr,
    /// The boolean SQL expression it compiles to; `?` are bound parameters.
    sql: String,
    params: Vec<SqlValue>,
}

pub(super) async fn explain(
    Query(query): Query<ExplainQuery>,
) -> Result<Json<Explanation>, ApiError> {
    let (scope, scope_name) = match query.scope.as_deref() {
        None | Some("users") => (Scope::Users, "users"),
        Some("accounts") => (Scope::Accounts, "accounts"),
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
        sql: sql.text,
        params: sql.params,
    }))
}
