//! The common `where=` filters are answered from indexes, not full scans
//! (SQLite's own query plan, read back with EXPLAIN QUERY PLAN).
#![allow(clippy::unwrap_used)]

use localelements::ceql::{compile_where, SqlValue};
use localelements::store::users::FILTER;
use localelements::store::{Database, Store};

async fn plan(store: &Store, filter: &str) -> String {
    let sql = compile_where(filter, FILTER).unwrap();
    let text = format!(
        "EXPLAIN QUERY PLAN SELECT u.id FROM users u WHERE u.account_id = ? AND ({}) ORDER BY u.id LIMIT 200",
        sql.text()
    );
    let mut query = sqlx::query_as::<_, (i64, i64, i64, String)>(&text).bind(1_i64);
    for value in sql.params() {
        query = match value {
            SqlValue::Int(int) => query.bind(*int),
            SqlValue::Text(text) => query.bind(text.clone()),
        };
    }
    let rows = query.fetch_all(store.reader()).await.unwrap();
    rows.into_iter()
        .map(|row| row.3)
        .collect::<Vec<_>>()
        .join("; ")
}

#[tokio::test]
async fn common_filters_search_an_index() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&Database::File(dir.path().join("plan.db")))
        .await
        .unwrap();
    for (filter, index) in [
        ("active = true", "users_account_active"),
        ("email = 'a@b.test'", "users_account_email"),
        ("createdDate >= '2014-01-15'", "users_account_created"),
        ("lastName = 'Turing'", "users_account_last_name"),
    ] {
        let plan = plan(&store, filter).await;
        let searched = [
            format!("SEARCH u USING INDEX {index} "),
            format!("SEARCH u USING COVERING INDEX {index} "),
        ];
        assert!(
            searched.iter().any(|s| plan.contains(s.as_str())),
            "{filter}: {plan}"
        );
    }
    store.close().await;
}
