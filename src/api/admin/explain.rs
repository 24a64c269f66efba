//! `GET /__admin/explain?where=…`: what a `where` parses to, the SQL it
//! becomes and what SQLite plans to do with it (which index, or a scan),
//! or the same 400 the list endpoints would answer.

use axum::extract::{Query, State};
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::api::middleware::ErrorBody;
use crate::api::state::AppState;
use crate::ceql::{self, SqlValue};
use crate::error::ApiError;
use crate::service::{hiding_inactive, where_error};
use crate::store::users::{PageOrder, UserScope};
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
    /// `users` or `accounts`.
    #[schema(value_type = String)]
    scope: &'static str,
    /// The parsed expression (a debugging aid; its shape may change).
    #[schema(value_type = Object)]
    tree: ceql::Expr,
    /// The boolean SQL expression it compiles to; `?` are bound parameters.
    sql: String,
    /// The bound values, in order: integers and strings.
    #[schema(value_type = Vec<Param>)]
    params: Vec<SqlValue>,
    /// What SQLite plans to do for a list filtered so.
    plan: Plan,
}

/// A value bound to one `?`: an integer or a string.
#[derive(ToSchema)]
#[allow(dead_code)] // the schema of `SqlValue`, which serialises untagged
#[serde(untagged)]
enum Param {
    Integer(i64),
    String(String),
}

/// SQLite's query plans (`EXPLAIN QUERY PLAN`) for the first page of a list
/// filtered by the `where` (of an account's users, hiding inactive users
/// as a list does unless asked not to, or of an organization's accounts)
/// and for its count: one line per step, a nested step indented two spaces
/// deeper. `SEARCH u USING INDEX <name> (…)` searches an index; `SCAN u`
/// reads every row of the scope.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Plan {
    /// The page when up to 50,000 users match: their ids found through
    /// the filter's index and sorted, where an index searches the filter
    /// (else as `pageOfMany`).
    page: Vec<String>,
    /// The page when more match: the account walked in id order. The
    /// same as `page` for accounts.
    page_of_many: Vec<String>,
    count: Vec<String>,
}

#[utoipa::path(
    get,
    path = "/__admin/explain",
    operation_id = "adminExplain",
    tag = "admin",
    summary = "Explain a `where`",
    description = "The parsed expression, the SQL it compiles to, its bound values and SQLite's query plans for a list filtered so and its count (which index each searches, or a scan); or the same 400 that `where=` on a list would answer.",
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
    State(state): State<AppState>,
    Query(query): Query<ExplainQuery>,
) -> Result<Json<Explanation>, ApiError> {
    let (scope, scope_name, plans) = match query.scope.as_deref() {
        None | Some("users") => (users::FILTER, "users", Plans::Users),
        Some("accounts") => (accounts::FILTER, "accounts", Plans::Accounts),
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
    let mut tx = state.services.store.read().await?;
    let (page, page_of_many, count) = match plans {
        Plans::Users => {
            // As a list runs it: inactive users hidden.
            let listed = hiding_inactive(Some(sql.clone()), false, scope)?;
            let few = PageOrder::choose(UserScope::Account(0), listed.as_ref(), 0);
            let (page, count) = users::plans(&mut tx, listed.as_ref(), few).await?;
            let (page_of_many, _) = users::plans(&mut tx, listed.as_ref(), PageOrder::Walk).await?;
            (page, page_of_many, count)
        }
        Plans::Accounts => {
            let (page, count) = accounts::plans(&mut tx, Some(&sql)).await?;
            (page.clone(), page, count)
        }
    };
    tx.commit().await?;
    Ok(Json(Explanation {
        filter,
        scope: scope_name,
        tree,
        sql: sql.text().to_owned(),
        params: sql.params().to_vec(),
        plan: Plan {
            page,
            page_of_many,
            count,
        },
    }))
}

/// Whose list `explain` plans.
enum Plans {
    Users,
    Accounts,
}
