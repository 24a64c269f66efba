//! Every field `where=` filters users by is answered from an index, for the
//! page and for its count, not by reading every user of the account:
//! SQLite's own query plans, as `/__admin/explain` shows them.
#![allow(clippy::unwrap_used)]

use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::common::TestServer;

/// The plans of a list filtered by `filter`: (page, count), one line per
/// step.
async fn plans(server: &TestServer, scope: &str, filter: &str) -> (String, String) {
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
    let plan = &reply.json()["plan"];
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
        ("id > 100", "users_account"),
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
