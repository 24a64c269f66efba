//! Every field `where=` filters users by is answered from an index, for the
//! page and for its count, not by reading every user of the account:
//! SQLite's own query plans, as `/__admin/explain` shows them.
#![allow(clippy::unwrap_used)]

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::common::{self, TestServer};

/// `plan` of `/__admin/explain` for `filter` in `scope`.
async fn explained(server: &TestServer, scope: &str, filter: &str) -> Value {
    let filter: String = form_urlencoded::byte_serialize(filter.as_bytes()).collect();
    let reply = server
        .send(
            Method::GET,
            &format!("/__admin/explain?scope={scope}&where={filter}"),
            None,
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    reply.json()["plan"].take()
}

/// The plans of a list filtered by `filter`: (page, count), one line per
/// step.
async fn plans(server: &TestServer, scope: &str, filter: &str) -> (String, String) {
    let plan = &explained(server, scope, filter).await;
    let lines = |which: &str| -> String {
        plan[which]
            .as_array()
            .unwrap()
            .iter()
            .map(|line| line.as_str().unwrap().trim().to_owned())
            .collect::<Vec<_>>()
            .join("; ")
    };
    (lines("page"), lines("count"))
}

/// Whether a plan searches `index` (covering or not) and reads no table
/// from end to end.
fn searches(plan: &str, index: &str) -> bool {
    let uses = [
        format!("SEARCH u USING INDEX {index} "),
        format!("SEARCH u USING COVERING INDEX {index} "),
    ];
    uses.iter().any(|s| plan.contains(s.as_str())) && !plan.contains("SCAN u")
}

#[tokio::test]
async fn every_user_field_is_filtered_through_an_index_for_the_page_and_the_count() {
    let server = TestServer::start().await;
    for (filter, index) in [
        // Inactive users hidden, as a list hides them: with the id range.
        ("id > 100", "users_account_active"),
        ("firstName = 'Ada'", "users_account_first_name_folded"),
        ("firstName like 'Ad%'", "users_account_first_name_folded"),
        ("lastName = 'Turing'", "users_account_last_name_folded"),
        ("lastName LIKE 'tur%'", "users_account_last_name_folded"),
        (
            "fullName = 'Ada Lovelace'",
            "users_account_full_name_folded",
        ),
        ("fullName LIKE 'Ada L%'", "users_account_full_name_folded"),
        ("email = 'a@b.test'", "users_account_email"),
        ("email LIKE 'ada%'", "users_account_email"),
        ("email >= 'm'", "users_account_email"),
        ("active = true", "users_account_active"),
        ("createdDate >= '2014-01-15'", "users_account_created"),
        ("createdDate = '2014-01-15'", "users_account_created"),
        ("lastLoginDate < '2020-01-01'", "users_account_last_login"),
        ("city = 'Oslo'", "users_account_city_folded"),
        ("city LIKE 'os%'", "users_account_city_folded"),
        ("country = 'Norway'", "users_account_country_folded"),
        ("country LIKE 'No%'", "users_account_country_folded"),
        ("phone = '+47 555 0100'", "users_account_phone_folded"),
        ("phone LIKE '+47%'", "users_account_phone_folded"),
        ("postalCode = '0150'", "users_account_postal_code_folded"),
        ("postalCode LIKE '01%'", "users_account_postal_code_folded"),
        (
            "stateProvince = 'Oslo'",
            "users_account_state_province_folded",
        ),
        (
            "stateProvince LIKE 'Os%'",
            "users_account_state_province_folded",
        ),
        (
            "street1 = 'Karl Johans gate 1'",
            "users_account_street1_folded",
        ),
        ("street1 LIKE 'Karl%'", "users_account_street1_folded"),
        ("street2 = 'Floor 2'", "users_account_street2_folded"),
        ("street2 LIKE 'Fl%'", "users_account_street2_folded"),
    ] {
        let (page, count) = plans(&server, "users", filter).await;
        assert!(searches(&page, index), "{filter}: page plan {page}");
        assert!(searches(&count, index), "{filter}: count plan {count}");
    }
}

#[tokio::test]
async fn two_predicates_search_an_index_and_roles_search_theirs() {
    let server = TestServer::start().await;
    let (page, count) = plans(&server, "users", "city = 'Oslo' and lastName like 'L99%'").await;
    for plan in [&page, &count] {
        assert!(
            searches(plan, "users_account_city_folded")
                || searches(plan, "users_account_last_name_folded"),
            "{plan}"
        );
    }
    // A user's roles are found by the key of `user_roles` (aliased `r`).
    let (page, _) = plans(&server, "users", "roles = 'admin'").await;
    assert!(page.contains("SEARCH r USING"), "{page}");
}

#[tokio::test]
async fn an_equality_searches_by_the_folded_value_and_a_prefix_is_counted_from_the_index() {
    let server = TestServer::start().await;
    // The folded value is a key of the search, not only the account (the
    // exact comparison beside it must not make SQLite fold it away).
    for (filter, index) in [
        ("city = 'Oslo'", "users_account_city_folded"),
        ("street2 = 'Floor 2'", "users_account_street2_folded"),
        (
            "fullName = 'Ada Lovelace'",
            "users_account_full_name_folded",
        ),
    ] {
        let (page, count) = plans(&server, "users", filter).await;
        let key = format!("{index} (account_id=? AND <expr>=?)");
        assert!(page.contains(&key), "{filter}: page plan {page}");
        assert!(count.contains(&key), "{filter}: count plan {count}");
    }
    // A LIKE with a literal prefix is matched against the folded value the
    // index holds (SQLite then reads no user row to count), and a page reads
    // only its own rows, by id, whatever order the index yields them in.
    for (filter, index) in [
        ("firstName LIKE 'Ad%'", "users_account_first_name_folded"),
        ("fullName LIKE 'Ada L%'", "users_account_full_name_folded"),
        ("email LIKE 'ada%'", "users_account_email"),
        (
            "stateProvince LIKE 'Os%'",
            "users_account_state_province_folded",
        ),
        ("street2 LIKE 'Fl%'", "users_account_street2_folded"),
    ] {
        let (page, count) = plans(&server, "users", filter).await;
        assert!(searches(&count, index), "{filter}: count plan {count}");
        assert!(
            page.contains("SEARCH p USING INTEGER PRIMARY KEY"),
            "{filter}: page plan {page}"
        );
    }
}

#[tokio::test]
async fn statistics_taken_at_start_up_lead_two_predicates_to_the_narrower_index() {
    let dir = tempfile::tempdir().unwrap();
    let config = common::test_config(&dir);
    let server = TestServer::start_with(dir, config.clone()).await;
    let account = server.default_account().await;
    let org = server.server_org();
    // Every last name starts with `L`, one city is Oslo.
    for i in 0..40 {
        let city = if i == 7 {
            "Oslo".to_owned()
        } else {
            format!("City{i}")
        };
        let body = json!({
            "firstName": "Test", "lastName": format!("L{i}"), "city": city,
            "email": format!("u{i}@stats.test"), "password": server.new_password(),
        });
        let reply = server
            .post(&format!("/accounts/{account}/users"), &org.auth, &body)
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    }
    // Without statistics SQLite guesses that every key matches a few users
    // and searches the last names (all of them match); with them it knows
    // each city is rare.
    let again = server.restart(config).await;
    let (page, _) = plans(&again, "users", "city = 'Oslo' and lastName like 'L%'").await;
    assert!(
        page.contains("SEARCH u USING INDEX users_account_city_folded (account_id=? AND <expr>=?)"),
        "{page}"
    );
}

#[tokio::test]
async fn a_filter_no_index_serves_shows_a_scan() {
    let server = TestServer::start().await;
    // A pattern that starts with a wildcard has no prefix to search by.
    let (page, count) = plans(&server, "users", "lastName LIKE '%ing'").await;
    assert!(!searches(&page, "users_account_last_name_folded"), "{page}");
    assert!(count.contains("users_account"), "{count}");
    let reply = server
        .send(
            Method::GET,
            "/__admin/explain?scope=accounts&where=name%20%3D%20%27x%27",
            None,
            None,
        )
        .await;
    let plan: &Value = &reply.json()["plan"];
    assert!(
        plan["page"]
            .as_array()
            .is_some_and(|lines| !lines.is_empty()),
        "{plan}"
    );
}

/// A page of few matches is found through the filter's index and sorted by
/// id; a page of many walks the account in id order (the list counts
/// first and chooses); a filter no index searches is always walked.
#[tokio::test]
async fn the_page_of_few_matches_sorts_them_and_of_many_walks_the_account() {
    let server = TestServer::start().await;
    let explain = |filter: &'static str| {
        let server = &server;
        async move {
            let plan = explained(server, "users", filter).await;
            (plan["page"].to_string(), plan["pageOfMany"].to_string())
        }
    };
    let (few, many) = explain("street2 = 'Floor 2'").await;
    assert!(few.contains("users_account_street2_folded"), "{few}");
    assert!(few.contains("USE TEMP B-TREE FOR ORDER BY"), "{few}");
    assert!(many.contains("users_account_active"), "{many}");
    assert!(!many.contains("TEMP B-TREE"), "{many}");
    let (few, many) = explain("lastName LIKE '%ing'").await;
    assert_eq!(few, many);
    assert!(!few.contains("TEMP B-TREE"), "{few}");
}
