//! The five account-user endpoints over real HTTP (docs/api.md#endpoints).
#![allow(clippy::unwrap_used)]

use crate::common::{self, TestServer, ORG_SECRET};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

fn users_path(account: i64) -> String {
    format!("/accounts/{account}/users")
}

#[tokio::test]
async fn the_seed_page_create_example_works_as_written() {
    let server = TestServer::start().await;
    let account = server.default_account().await;
    let body = json!({
      "firstName": "First",
      "lastName": "Last",
      "email": "firstlast@cloud-elements.com",
      "password": "password",
      "roles":[ { "key": "admin" } ]
    });
    let reply = server
        .post(&users_path(account), &server.admin_auth(), &body)
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    let user = reply.json();
    assert!(user.is_object(), "a single user is a bare object");
    assert_eq!(user["password"], "secured");
    assert_eq!(user["fullName"], "First Last");
    assert_eq!(user["email"], "firstlast@cloud-elements.com");
    assert_eq!(user["active"], true);
    assert_eq!(user["enabled"], true);
    assert_eq!(user["accountNonLocked"], true);
    assert_eq!(user["accountExpired"], false);
    assert_eq!(user["emailValid"], true);
    let secret = user["secret"].as_str().unwrap();
    assert!(secret.len() >= 43, "a 32-byte secret: {secret}");
    let keys: Vec<&str> = user["roles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["key"].as_str().unwrap())
        .collect();
    assert_eq!(
        keys,
        ["admin", "org"],
        "admin as asked, org for the default account"
    );
    let admin_role = &user["roles"][0];
    assert_eq!(admin_role["name"], "Administrator");
    assert_eq!(admin_role["active"], true);
    assert_eq!(admin_role["features"], json!([]));
    let date = user["createdDate"].as_str().unwrap();
    assert_eq!(date.len(), 10);
    assert_eq!(user["lastLoginDate"], user["createdDate"]);

    // The retrieve example, with its Elements-User-Password header.
    let reply = server
        .finish(
            server
                .client
                .get(server.url(&format!(
                    "{}/firstlast@cloud-elements.com",
                    users_path(account)
                )))
                .header("authorization", server.admin_auth())
                .header("Content-Type", "application/json")
                .header("Elements-User-Password", "password"),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.json()["secret"], secret);

    // The new user's secret authenticates.
    let own = format!("User {secret}, Organization {ORG_SECRET}");
    let reply = server
        .get(&format!("{}/{}", users_path(account), user["id"]), &own)
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
}

#[tokio::test]
async fn users_are_found_by_id_and_by_email_in_any_case_and_encoding() {
    let server = TestServer::start().await;
    let account = server.default_account().await;
    let (id, _) = server
        .create_user(account, "First.Last+tag@Example.test", &[])
        .await;
    let auth = server.admin_auth();
    for key in [
        id.to_string(),
        "First.Last+tag@Example.test".to_owned(),
        "first.last+tag@example.test".to_owned(),
        "FIRST.LAST+TAG%40EXAMPLE.TEST".to_owned(),
        "first.last%2Btag%40example.test".to_owned(),
    ] {
        let reply = server
            .get(&format!("{}/{key}", users_path(account)), &auth)
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{key}: {}", reply.text);
        let user = reply.json();
        assert_eq!(user["id"], id, "{key}");
        assert_eq!(user["email"], "First.Last+tag@Example.test");
        assert!(
            user.get("secret").is_none(),
            "no secret without the password header"
        );
    }
    let reply = server
        .get(
            &format!("{}/nobody@example.test", users_path(account)),
            &auth,
        )
        .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert!(reply.message().contains("nobody@example.test"));
    let reply = server
        .get(&format!("{}/999999", users_path(account)), &auth)
        .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_wrong_user_password_is_401_and_never_returns_the_secret() {
    let server = TestServer::start().await;
    let account = server.default_account().await;
    let (id, _) = server.create_user(account, "pw@example.test", &[]).await;
    for wrong in ["nope", "", "Pw-0000"] {
        let reply = server
            .finish(
                server
                    .client
                    .get(server.url(&format!("{}/{id}", users_path(account))))
                    .header("authorization", server.admin_auth())
                    .header("Elements-User-Password", wrong),
            )
            .await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{wrong:?}");
        assert!(!reply.text.contains("secret\""));
        assert!(reply.message().contains("Elements-User-Password"));
    }
}

#[tokio::test]
async fn creating_users_validates_every_field_and_names_it() {
    let server = TestServer::start().await;
    let account = server.default_account().await;
    let path = users_path(account);
    let valid = json!({"firstName": "A", "lastName": "B", "email": "v@example.test", "password": "Pw-valid-1"});
    let with = |key: &str, value: Value| {
        let mut body = valid.clone();
        body[key] = value;
        body
    };
    let without = |key: &str| {
        let mut body = valid.clone();
        body.as_object_mut().unwrap().remove(key);
        body
    };
    let cases: Vec<(&str, Value, &str)> = vec![
        (
            "missing firstName",
            without("firstName"),
            "firstName is required",
        ),
        (
            "missing lastName",
            without("lastName"),
            "lastName is required",
        ),
        ("missing email", without("email"), "email is required"),
        (
            "missing password",
            without("password"),
            "password is required",
        ),
        (
            "empty firstName",
            with("firstName", json!("")),
            "firstName is required",
        ),
        (
            "blank lastName",
            with("lastName", json!("   ")),
            "lastName is required",
        ),
        (
            "null email",
            with("email", Value::Null),
            "email is required",
        ),
        (
            "empty password",
            with("password", json!("")),
            "password is required",
        ),
        (
            "number firstName",
            with("firstName", json!(5)),
            "firstName: invalid type: integer `5`",
        ),
        (
            "bool email",
            with("email", json!(true)),
            "email: invalid type: boolean",
        ),
        (
            "object password",
            with("password", json!({})),
            "password: invalid type: map",
        ),
        (
            "string roles",
            with("roles", json!("admin")),
            "roles: invalid type: string",
        ),
        (
            "role without key",
            with("roles", json!([{}])),
            "missing field `key`",
        ),
        (
            "whitespace email",
            with("email", json!("a b@example.test")),
            "email must not contain whitespace",
        ),
        (
            "long email",
            with("email", json!("a".repeat(255))),
            "email must be at most 254 characters",
        ),
        (
            "unknown role",
            with("roles", json!([{"key": "foo"}])),
            "Invalid role: foo",
        ),
        (
            "array body",
            json!([valid.clone()]),
            "Request body must be a JSON object",
        ),
        (
            "string body",
            json!("hello"),
            "Request body must be a JSON object",
        ),
        (
            "null body",
            Value::Null,
            "Request body must be a JSON object",
        ),
    ];
    for (name, body, expected) in cases {
        let reply = server.post(&path, &server.admin_auth(), &body).await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{name}: {}",
            reply.text
        );
        let message = reply.message();
        assert!(
            message.contains(expected),
            "{name}: {message:?} should contain {expected:?}"
        );
    }
    // Nothing above was created.
    let reply = server.get(&path, &server.admin_auth()).await;
    assert_eq!(reply.header("elements-total-count"), Some("1"));
}

#[tokio::test]
async fn bodies_that_are_not_json_objects_are_rejected_in_the_error_shape() {
    let server = TestServer::start().await;
    let account = server.default_account().await;
    let url = server.url(&users_path(account));
    let auth = server.admin_auth();
    /// (name, Content-Type, body, status, part of the message)
    type Case = (
        &'static str,
        Option<&'static str>,
        Vec<u8>,
        StatusCode,
        &'static str,
    );
    let cases: Vec<Case> = vec![
        (
            "not JSON",
            Some("application/json"),
            b"{firstName:".to_vec(),
            StatusCode::BAD_REQUEST,
            "not valid JSON",
        ),
        (
            "empty body",
            Some("application/json"),
            Vec::new(),
            StatusCode::BAD_REQUEST,
            "not valid JSON",
        ),
        (
            "trailing junk",
            Some("application/json"),
            b"{} x".to_vec(),
            StatusCode::BAD_REQUEST,
            "not valid JSON",
        ),
        (
            "invalid UTF-8",
            Some("application/json"),
            b"{\"firstName\": \"\xff\"}".to_vec(),
            StatusCode::BAD_REQUEST,
            "not valid JSON",
        ),
        (
            "no content type",
            None,
            b"{}".to_vec(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Content-Type must be application/json",
        ),
        (
            "text content type",
            Some("text/plain"),
            b"{}".to_vec(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Content-Type must be application/json",
        ),
        (
            "form content type",
            Some("application/x-www-form-urlencoded"),
            b"a=b".to_vec(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "application/json",
        ),
        (
            "over 1 MiB",
            Some("application/json"),
            format!("{{\"firstName\": \"{}\"}}", "a".repeat(1024 * 1024)).into_bytes(),
            StatusCode::PAYLOAD_TOO_LARGE,
            "larger than the limit",
        ),
    ];
    for (name, content_type, body, status, expected) in cases {
        let mut request = server
            .client
            .post(&url)
            .header("authorization", &auth)
            .body(body);
        if let Some(content_type) = content_type {
            request = request.header("content-type", content_type);
        }
        let reply = server.finish(request).await;
        assert_eq!(reply.status, status, "{name}: {}", reply.text);
        assert!(reply.message().contains(expected), "{name}: {}", reply.text);
    }
    // A JSON content type with a charset parameter is JSON.
    let reply = server
        .finish(
            server
                .client
                .post(&url)
                .header("authorization", &auth)
                .header("content-type", "application/json; charset=utf-8")
                .body(r#"{"firstName":"A","lastName":"B","email":"cs@example.test","password":"Pw-charset-1"}"#),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
}

#[tokio::test]
async fn duplicate_emails_are_409_case_insensitively_on_create_and_update() {
    let server = TestServer::start().await;
    let account = server.default_account().await;
    let customer = server.create_account("Customer").await;
    server.create_user(account, "dup@example.test", &[]).await;
    let (other, _) = server.create_user(account, "other@example.test", &[]).await;
    let auth = server.admin_auth();
    for (target, email) in [
        (account, "DUP@Example.TEST"),
        (customer, "dup@example.test"),
    ] {
        let body = json!({"firstName": "A", "lastName": "B", "email": email, "password": server.new_password()});
        let reply = server.post(&users_path(target), &auth, &body).await;
        assert_eq!(reply.status, StatusCode::CONFLICT, "{email} in {target}");
        assert!(reply.message().contains("already exists"));
    }
    let reply = server
        .patch(
            &format!("{}/{other}", users_path(account)),
            &auth,
            &json!({"email": "Dup@example.test"}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CONFLICT);
    // Changing only the case of one's own email is not a conflict.
    let reply = server
        .patch(
            &format!("{}/{other}", users_path(account)),
            &auth,
            &json!({"email": "OTHER@example.test"}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.json()["email"], "OTHER@example.test");
}

#[tokio::test]
async fn lists_are_arrays_with_count_headers_and_no_secrets() {
    let server = TestServer::start().await;
    let account = server.default_account().await;
    for n in 0..3 {
        server
            .create_user(account, &format!("list{n}@example.test"), &[])
            .await;
    }
    let reply = server.get(&users_path(account), &server.admin_auth()).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.header("elements-total-count"), Some("4"));
    assert_eq!(reply.header("elements-returned-count"), Some("4"));
    assert_eq!(reply.header("elements-next-page-token"), None);
    let users = reply.json();
    let users = users.as_array().unwrap();
    assert_eq!(users.len(), 4);
    let ids: Vec<i64> = users.iter().map(|u| u["id"].as_i64().unwrap()).collect();
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(ids, sorted, "ordered by id");
    assert!(users
        .iter()
        .all(|u| u.get("secret").is_none() && u["password"] == "secured"));
}

async fn collect_pages(server: &TestServer, first: &str) -> (Vec<i64>, Vec<String>) {
    let mut ids = Vec::new();
    let mut tokens = Vec::new();
    let mut path = first.to_owned();
    loop {
        let reply = server.get(&path, &server.admin_auth()).await;
        assert_eq!(reply.status, StatusCode::OK, "{path}: {}", reply.text);
        let page = reply.json();
        let returned: usize = reply
            .header("elements-returned-count")
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(returned, page.as_array().unwrap().len());
        ids.extend(
            page.as_array()
                .unwrap()
                .iter()
                .map(|u| u["id"].as_i64().unwrap()),
        );
        match reply.header("elements-next-page-token") {
            Some(token) => {
                tokens.push(token.to_owned());
                path = format!("{first}&nextPage={token}");
            }
            None => return (ids, tokens),
        }
    }
}

#[tokio::test]
async fn next_page_tokens_and_offsets_walk_the_same_list() {
    let server = TestServer::start().await;
    let account = server.default_account().await;
    for n in 0..6 {
        server
            .create_user(account, &format!("page{n}@example.test"), &[])
            .await;
    }
    let base = format!("{}?pageSize=2", users_path(account));
    let (by_token, tokens) = collect_pages(&server, &base).await;
    assert_eq!(by_token.len(), 7);
    assert_eq!(tokens.len(), 3);
    assert!(tokens.iter().all(|t| t
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')));

    let mut by_offset = Vec::new();
    for offset in (0..8).step_by(2) {
        let reply = server
            .get(&format!("{base}&offset={offset}"), &server.admin_auth())
            .await;
        assert_eq!(reply.header("elements-total-count"), Some("7"));
        by_offset.extend(
            reply
                .json()
                .as_array()
                .unwrap()
                .iter()
                .map(|u| u["id"].as_i64().unwrap()),
        );
    }
    assert_eq!(by_token, by_offset);

    // A token can be used again: the retried request gets the same page.
    let again = format!("{base}&nextPage={}", tokens[0]);
    let first = server.get(&again, &server.admin_auth()).await.json();
    let second = server.get(&again, &server.admin_auth()).await.json();
    assert_eq!(first, second);
    assert_eq!(first[0]["id"].as_i64(), Some(by_token[2]));
    // An offset sent beside a token (as clients that always send offset=0 do) is ignored.
    let with_offset = server
        .get(&format!("{again}&offset=0"), &server.admin_auth())
        .await
        .json();
    assert_eq!(with_offset, first);
}

#[tokio::test]
async fn bad_paging_parameters_are_400_naming_them() {
    let server = TestServer::start().await;
    let account = server.default_account().await;
    let customer = server.create_account("Customer").await;
    server.create_user(customer, "c1@example.test", &[]).await;
    server.create_user(customer, "c2@example.test", &[]).await;
    server.create_user(account, "d1@example.test", &[]).await;
    let token_of =
        |reply: common::Reply| reply.header("elements-next-page-token").unwrap().to_owned();
    let customer_token = token_of(
        server
            .get(
                &format!("{}?pageSize=1", users_path(customer)),
                &server.admin_auth(),
            )
            .await,
    );
    let cases = [
        ("pageSize=0", "pageSize"),
        ("pageSize=5001", "pageSize"),
        ("pageSize=-1", "pageSize"),
        ("pageSize=abc", "pageSize"),
        ("pageSize=1.5", "pageSize"),
        ("pageSize=99999999999999999999", "pageSize"),
        ("offset=-1", "offset"),
        ("offset=x", "offset"),
        ("offset=2.0", "offset"),
        ("nextPage=forged", "nextPage"),
        ("nextPage=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "nextPage"),
        ("nextPage=%00%01", "nextPage"),
    ];
    for (query, field) in cases {
        let reply = server
            .get(
                &format!("{}?{query}", users_path(account)),
                &server.admin_auth(),
            )
            .await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{query}: {}",
            reply.text
        );
        assert!(reply.message().contains(field), "{query}: {}", reply.text);
    }
    // A token belongs to its own query: another account's token is refused.
    let reply = server
        .get(
            &format!("{}?nextPage={customer_token}", users_path(account)),
            &server.admin_auth(),
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(reply.message().contains("nextPage"));
    // And on its own query it works.
    let reply = server
        .get(
            &format!("{}?nextPage={customer_token}", users_path(customer)),
            &server.admin_auth(),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    // The bounds themselves are fine.
    for query in ["pageSize=1", "pageSize=5000", "offset=0", "offset=100000"] {
        let reply = server
            .get(
                &format!("{}?{query}", users_path(account)),
                &server.admin_auth(),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{query}");
    }
}

#[tokio::test]
async fn accounts_and_users_that_do_not_match_the_path_are_404() {
    let server = TestServer::start().await;
    let account = server.default_account().await;
    let customer = server.create_account("Customer").await;
    let (elsewhere, _) = server
        .create_user(customer, "elsewhere@example.test", &[])
        .await;
    let auth = server.admin_auth();
    let reply = server.get("/accounts/999999/users", &auth).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert!(reply.message().contains("999999"));
    let reply = server.get("/accounts/abc/users", &auth).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(reply.message().contains("account id"));
    // A user that exists, but in another account, is 404 on this account's paths.
    let path = format!("{}/{elsewhere}", users_path(account));
    assert_eq!(server.get(&path, &auth).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        server
            .patch(&path, &auth, &json!({"firstName": "X"}))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        server.delete(&path, &auth).await.status,
        StatusCode::NOT_FOUND
    );
    let by_email = format!("{}/elsewhere@example.test", users_path(account));
    assert_eq!(
        server.get(&by_email, &auth).await.status,
        StatusCode::NOT_FOUND
    );
    // Still there, untouched, in its own account.
    let reply = server
        .get(&format!("{}/{elsewhere}", users_path(customer)), &auth)
        .await;
    assert_eq!(reply.json()["firstName"], "Test");
}

#[tokio::test]
async fn an_account_without_users_is_404_no_users_found() {
    let server = TestServer::start().await;
    let customer = server.create_account("Empty").await;
    let reply = server
        .get(&users_path(customer), &server.admin_auth())
        .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(reply.message(), "No users found");
}

#[tokio::test]
async fn updates_change_what_they_name_and_nothing_else() {
    let server = TestServer::start().await;
    let account = server.default_account().await;
    let (id, auth) = server.create_user(account, "upd@example.test", &[]).await;
    let path = format!("{}/{id}", users_path(account));
    let admin = server.admin_auth();
    let before = server.get(&path, &admin).await.json();
    let reply = server
        .patch(
            &path,
            &admin,
            &json!({"firstName": "New", "city": "Denver", "unknownField": 1}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let after = reply.json();
    assert!(after.is_object());
    assert!(after.get("secret").is_none());
    assert_eq!(after["firstName"], "New");
    assert_eq!(after["fullName"], "New User");
    assert_eq!(after["city"], "Denver");
    assert_eq!(after["lastName"], before["lastName"]);
    assert_eq!(after["email"], before["email"]);
    // null clears an address field; absent leaves it.
    let cleared = server
        .patch(&path, &admin, &json!({"city": null}))
        .await
        .json();
    assert!(cleared.get("city").is_none());
    assert_eq!(cleared["firstName"], "New");

    // A new password works at once; the old one no longer does.
    let password = server.new_password();
    let reply = server
        .patch(&path, &admin, &json!({"password": password}))
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    let with_password = |password: String| {
        server
            .client
            .get(server.url(&path))
            .header("authorization", &admin)
            .header("Elements-User-Password", password)
    };
    let reply = server.finish(with_password(password)).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.json()["secret"].is_string());

    // Bad updates.
    for (body, status, expected) in [
        (
            json!({"firstName": ""}),
            StatusCode::BAD_REQUEST,
            "firstName must not be empty",
        ),
        (
            json!({"email": "a b"}),
            StatusCode::BAD_REQUEST,
            "whitespace",
        ),
        (
            json!({"active": "yes"}),
            StatusCode::BAD_REQUEST,
            "active: invalid type",
        ),
        (
            json!({"roles": [{"key": "nope"}]}),
            StatusCode::BAD_REQUEST,
            "Invalid role: nope",
        ),
        (
            json!({"roles": [{"key": "sys-admin"}]}),
            StatusCode::FORBIDDEN,
            "sys-admin",
        ),
    ] {
        let reply = server.patch(&path, &admin, &body).await;
        assert_eq!(reply.status, status, "{body}: {}", reply.text);
        assert!(reply.message().contains(expected), "{body}: {}", reply.text);
    }
    let reply = server
        .patch(&format!("{}/abc", users_path(account)), &admin, &json!({}))
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);

    // Deactivation stops the secret at once; reactivation restores it.
    assert_eq!(server.get(&path, &auth).await.status, StatusCode::OK);
    let reply = server
        .patch(&path, &admin, &json!({"active": false}))
        .await
        .json();
    assert_eq!(reply["active"], false);
    assert_eq!(reply["enabled"], false);
    assert_eq!(
        server.get(&path, &auth).await.status,
        StatusCode::UNAUTHORIZED
    );
    server.patch(&path, &admin, &json!({"active": true})).await;
    assert_eq!(server.get(&path, &auth).await.status, StatusCode::OK);
}

#[tokio::test]
async fn deleting_a_user_is_permanent_and_stops_its_secret() {
    let server = TestServer::start().await;
    let account = server.default_account().await;
    let (id, auth) = server.create_user(account, "del@example.test", &[]).await;
    let path = format!("{}/{id}", users_path(account));
    assert_eq!(server.get(&path, &auth).await.status, StatusCode::OK);
    let reply = server.delete(&path, &server.admin_auth()).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.text, "", "200 with an empty body");
    let reply = server.get(&path, &auth).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        reply.message(),
        "Invalid Organization or User secret, or invalid Element token provided."
    );
    assert_eq!(
        server.get(&path, &server.admin_auth()).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        server.delete(&path, &server.admin_auth()).await.status,
        StatusCode::NOT_FOUND
    );
    // The email is free again, and the new user gets a new id.
    let (new_id, _) = server.create_user(account, "del@example.test", &[]).await;
    assert!(new_id > id);
}

/// Who may do what (docs/api.md#who-may-do-what): caller × action × target account → status.
#[tokio::test]
async fn the_role_rules_decide_who_may_do_what() {
    let server = TestServer::start().await;
    let default = server.default_account().await;
    let customer = server.create_account("Customer").await;
    let other = server.create_account("Other").await;
    let org_admin = server.admin_auth();
    let (_, default_admin) = server
        .create_user(default, "dadmin@example.test", &["admin"])
        .await;
    let (_, customer_admin) = server
        .create_user(customer, "cadmin@example.test", &["admin"])
        .await;
    let (plain_id, plain) = server
        .create_user(customer, "plain@example.test", &[])
        .await;
    let (other_user, _) = server.create_user(other, "o@example.test", &[]).await;
    let (customer_user, _) = server.create_user(customer, "cu@example.test", &[]).await;

    let callers = [
        ("org-admin", &org_admin),
        ("admin of default", &default_admin),
        ("admin of customer", &customer_admin),
        ("plain user", &plain),
    ];
    // (caller, method, path, expected status)
    let cases: Vec<(&str, Method, String, StatusCode)> = vec![
        (
            "org-admin",
            Method::GET,
            users_path(customer),
            StatusCode::OK,
        ),
        ("org-admin", Method::GET, users_path(other), StatusCode::OK),
        (
            "org-admin",
            Method::GET,
            format!("{}/{other_user}", users_path(other)),
            StatusCode::OK,
        ),
        (
            "admin of customer",
            Method::GET,
            users_path(customer),
            StatusCode::OK,
        ),
        (
            "admin of customer",
            Method::GET,
            format!("{}/{customer_user}", users_path(customer)),
            StatusCode::OK,
        ),
        (
            "admin of customer",
            Method::GET,
            users_path(other),
            StatusCode::FORBIDDEN,
        ),
        (
            "admin of customer",
            Method::GET,
            users_path(default),
            StatusCode::FORBIDDEN,
        ),
        (
            "admin of customer",
            Method::GET,
            format!("{}/{other_user}", users_path(other)),
            StatusCode::FORBIDDEN,
        ),
        (
            "admin of default",
            Method::GET,
            users_path(default),
            StatusCode::OK,
        ),
        (
            "admin of default",
            Method::GET,
            users_path(customer),
            StatusCode::FORBIDDEN,
        ),
        (
            "plain user",
            Method::GET,
            format!("{}/{plain_id}", users_path(customer)),
            StatusCode::OK,
        ),
        (
            "plain user",
            Method::GET,
            format!("{}/plain@example.test", users_path(customer)),
            StatusCode::OK,
        ),
        (
            "plain user",
            Method::GET,
            format!("{}/{customer_user}", users_path(customer)),
            StatusCode::FORBIDDEN,
        ),
        (
            "plain user",
            Method::GET,
            format!("{}/999999", users_path(customer)),
            StatusCode::FORBIDDEN,
        ),
        (
            "plain user",
            Method::GET,
            users_path(customer),
            StatusCode::FORBIDDEN,
        ),
        (
            "plain user",
            Method::PATCH,
            format!("{}/{plain_id}", users_path(customer)),
            StatusCode::FORBIDDEN,
        ),
        (
            "plain user",
            Method::DELETE,
            format!("{}/{customer_user}", users_path(customer)),
            StatusCode::FORBIDDEN,
        ),
        (
            "admin of customer",
            Method::DELETE,
            format!("{}/{other_user}", users_path(other)),
            StatusCode::FORBIDDEN,
        ),
        (
            "admin of default",
            Method::PATCH,
            format!("{}/{customer_user}", users_path(customer)),
            StatusCode::FORBIDDEN,
        ),
        // Accounts are for org-admins only; the real service says 401.
        (
            "admin of customer",
            Method::GET,
            "/accounts".to_owned(),
            StatusCode::UNAUTHORIZED,
        ),
        (
            "plain user",
            Method::GET,
            format!("/accounts/{customer}"),
            StatusCode::UNAUTHORIZED,
        ),
        (
            "org-admin",
            Method::GET,
            format!("/accounts/{customer}"),
            StatusCode::OK,
        ),
    ];
    for (who, method, path, expected) in cases {
        let auth = callers.iter().find(|(name, _)| *name == who).unwrap().1;
        let body = (method == Method::PATCH).then(|| json!({"firstName": "Changed"}));
        let reply = server
            .send(method.clone(), &path, Some(auth), body.as_ref())
            .await;
        assert_eq!(
            reply.status, expected,
            "{who} {method} {path}: {}",
            reply.text
        );
    }

    // Creating users, with roles: caller × target account × role → status.
    let create_cases: Vec<(&str, i64, &[&str], StatusCode)> = vec![
        ("org-admin", customer, &["admin"], StatusCode::OK),
        ("org-admin", default, &["org-admin"], StatusCode::OK),
        ("org-admin", customer, &["org-admin"], StatusCode::FORBIDDEN),
        ("org-admin", customer, &["org"], StatusCode::FORBIDDEN),
        ("org-admin", default, &["org"], StatusCode::OK),
        ("org-admin", customer, &["sys-admin"], StatusCode::FORBIDDEN),
        ("org-admin", customer, &["bogus"], StatusCode::BAD_REQUEST),
        ("admin of customer", customer, &[], StatusCode::OK),
        ("admin of customer", customer, &["admin"], StatusCode::OK),
        (
            "admin of customer",
            customer,
            &["org-admin"],
            StatusCode::FORBIDDEN,
        ),
        ("admin of customer", other, &[], StatusCode::FORBIDDEN),
        ("admin of default", default, &["admin"], StatusCode::OK),
        (
            "admin of default",
            default,
            &["org-admin"],
            StatusCode::FORBIDDEN,
        ),
        ("admin of default", customer, &[], StatusCode::FORBIDDEN),
        ("plain user", customer, &[], StatusCode::FORBIDDEN),
    ];
    for (n, (who, account, roles, expected)) in create_cases.into_iter().enumerate() {
        let auth = callers.iter().find(|(name, _)| *name == who).unwrap().1;
        let roles: Vec<Value> = roles.iter().map(|key| json!({"key": key})).collect();
        let body = json!({"firstName": "R", "lastName": "R", "email": format!("role{n}@example.test"),
                          "password": server.new_password(), "roles": roles});
        let reply = server.post(&users_path(account), auth, &body).await;
        assert_eq!(
            reply.status, expected,
            "{who} creates in {account} with {roles:?}: {}",
            reply.text
        );
    }
}

#[tokio::test]
async fn role_changes_follow_the_grant_rules() {
    let server = TestServer::start().await;
    let default = server.default_account().await;
    let customer = server.create_account("Customer").await;
    let (customer_admin_id, customer_admin) = server
        .create_user(customer, "ca@example.test", &["admin"])
        .await;
    let (target, _) = server.create_user(customer, "t@example.test", &[]).await;
    let (promoted, _) = server.create_user(default, "p@example.test", &[]).await;
    let path = |account: i64, id: i64| format!("{}/{id}", users_path(account));
    let keys = |reply: &common::Reply| -> Vec<String> {
        reply.json()["roles"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["key"].as_str().unwrap().to_owned())
            .collect()
    };

    // An admin may make another user of their account an admin, and undo it.
    let reply = server
        .patch(
            &path(customer, target),
            &customer_admin,
            &json!({"roles": [{"key": "admin"}]}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(keys(&reply), ["admin"]);
    let reply = server
        .patch(
            &path(customer, target),
            &customer_admin,
            &json!({"roles": []}),
        )
        .await;
    assert_eq!(keys(&reply), Vec::<String>::new());
    // Nobody changes their own roles.
    let reply = server
        .patch(
            &path(customer, customer_admin_id),
            &customer_admin,
            &json!({"roles": []}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    // Sending one's own roles unchanged is not a change.
    let reply = server
        .patch(
            &path(customer, customer_admin_id),
            &customer_admin,
            &json!({"firstName": "Me", "roles": [{"key": "admin"}]}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    // The org-admin may promote a default-account user to org-admin; `org` stays.
    let reply = server
        .patch(
            &path(default, promoted),
            &server.admin_auth(),
            &json!({"roles": [{"key": "org-admin"}]}),
        )
        .await;
    assert_eq!(keys(&reply), ["org-admin", "org"]);
    // The org-admin may not change their own roles either.
    let admin_id = server
        .get(
            &format!("{}/admin@localelements.test", users_path(default)),
            &server.admin_auth(),
        )
        .await
        .id();
    let reply = server
        .patch(
            &path(default, admin_id),
            &server.admin_auth(),
            &json!({"roles": []}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
}

/// `PUT` replaces a user (checked as a create; what it does not give is
/// cleared, but the password stays when none is given); `PATCH` merges.
#[tokio::test]
async fn put_replaces_a_user_and_patch_merges() {
    let server = TestServer::start().await;
    let auth = server.admin_auth();
    let account = server.create_account("Replace").await;
    let password = server.new_password();
    let created = server
        .post(
            &format!("/accounts/{account}/users"),
            &auth,
            &json!({"firstName": "Old", "lastName": "Name", "email": "put@example.test",
                    "password": password, "city": "Oslo", "phone": "1",
                    "roles": [{"key": "admin"}]}),
        )
        .await
        .json();
    let id = created["id"].as_i64().unwrap();
    let path = format!("/accounts/{account}/users/{id}");
    let merged = server
        .patch(&path, &auth, &json!({"firstName": "Merged"}))
        .await
        .json();
    assert_eq!(merged["city"], "Oslo");
    let replaced = server
        .send(
            Method::PUT,
            &path,
            Some(&auth),
            Some(
                &json!({"firstName": "New", "lastName": "Whole", "email": "put2@example.test",
                         "phone": "2"}),
            ),
        )
        .await;
    assert_eq!(replaced.status, StatusCode::OK, "{}", replaced.text);
    let replaced = replaced.json();
    assert_eq!(replaced["firstName"], "New");
    assert_eq!(replaced["email"], "put2@example.test");
    assert_eq!(replaced["phone"], "2");
    assert!(
        replaced.get("city").is_none(),
        "PUT clears what it does not give"
    );
    assert_eq!(replaced["roles"], json!([]), "and the roles");
    // The password was not given: the old one still opens the secret.
    let reply = server
        .finish(
            server
                .client
                .get(server.url(&path))
                .header("authorization", &auth)
                .header("elements-user-password", &password),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert!(reply.json()["secret"].is_string());
    for body in [
        json!({"lastName": "L", "email": "x@example.test"}),
        json!({"firstName": "F", "lastName": "L"}),
        json!({"firstName": "F", "lastName": "L", "email": "x@example.test", "roles": [{"key": "boss"}]}),
    ] {
        let reply = server
            .send(Method::PUT, &path, Some(&auth), Some(&body))
            .await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{body}: {}",
            reply.text
        );
    }
}
