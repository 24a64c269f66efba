//! `GET /__admin/openapi.json` (docs/controls.md#openapi-document): an OpenAPI 3.1 document that
//! lists exactly the routes the server serves. Whether the server's answers
//! conform to it is checked by the schemathesis run in `.ci/run`.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;

use crate::common::TestServer;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

async fn document(server: &TestServer) -> Value {
    let reply = server
        .send(Method::GET, "/__admin/openapi.json", None, None)
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.header("content-type"), Some("application/json"));
    reply.json()
}

/// (path, method, operation) for every operation of the document.
fn operations(document: &Value) -> Vec<(String, String, Value)> {
    let mut found = Vec::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            assert!(METHODS.contains(&method.as_str()), "{path}: {method}");
            found.push((path.clone(), method.clone(), operation.clone()));
        }
    }
    found
}

/// Every handler annotated with `#[utoipa::path]` in the sources: each is
/// routed together with its document entry (`utoipa_axum::routes!`), so
/// the document lists exactly these.
fn annotated_handlers() -> usize {
    fn count(dir: &std::path::Path) -> usize {
        std::fs::read_dir(dir)
            .unwrap()
            .map(|entry| entry.unwrap().path())
            .map(|path| {
                if path.is_dir() {
                    count(&path)
                } else if path.extension().is_some_and(|ext| ext == "rs") {
                    std::fs::read_to_string(&path)
                        .unwrap()
                        .matches("#[utoipa::path(")
                        .count()
                } else {
                    0
                }
            })
            .sum()
    }
    count(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"))
}

#[tokio::test]
async fn the_document_is_openapi_3_1_and_lists_every_route() {
    let server = TestServer::start().await;
    let document = document(&server).await;
    let version = document["openapi"].as_str().unwrap();
    assert!(version.starts_with("3.1."), "openapi {version}");
    assert_eq!(operations(&document).len(), annotated_handlers());
}

/// On each documented path, the documented methods are routed and the
/// others are 405.
#[tokio::test]
async fn the_router_serves_exactly_the_documented_routes() {
    let server = TestServer::start().await;
    let auth = server.admin_auth();
    let document = document(&server).await;
    let routes: BTreeSet<(String, String)> = operations(&document)
        .into_iter()
        .map(|(path, method, _)| (method, path))
        .collect();
    let paths: BTreeSet<&str> = routes.iter().map(|(_, path)| path.as_str()).collect();
    for path in paths {
        // Ids that exist nowhere: a routed request is a handler's 4xx, never
        // the router's "No such resource" 404 or its 405.
        let concrete = path
            .replace("{id}", "999999")
            .replace("{user}", "999999")
            .replace("{key}", "admin");
        let url = format!("{}{concrete}", server.server.url());
        for method in ["get", "put", "post", "delete", "patch"] {
            let listed = routes.contains(&(method.to_owned(), path.to_owned()));
            let mut request = server
                .client
                .request(method.to_uppercase().parse().unwrap(), &url)
                .header("Authorization", &auth);
            if matches!(method, "put" | "post" | "patch") {
                request = request.json(&json!({}));
            }
            let reply = server.finish(request).await;
            let unrouted = reply.status == StatusCode::METHOD_NOT_ALLOWED
                || (reply.status == StatusCode::NOT_FOUND
                    && reply.message().starts_with("No such resource"));
            assert_eq!(
                !unrouted, listed,
                "{method} {path}: {} {}",
                reply.status, reply.text
            );
        }
    }
}

/// Follows a local `$ref` (`#/components/schemas/Name`).
fn resolve<'a>(document: &'a Value, reference: &str) -> Option<&'a Value> {
    document.pointer(reference.strip_prefix('#')?)
}

fn refs<'a>(value: &'a Value, found: &mut Vec<&'a str>) {
    match value {
        Value::Object(object) => {
            if let Some(Value::String(reference)) = object.get("$ref") {
                found.push(reference);
            }
            object.values().for_each(|child| refs(child, found));
        }
        Value::Array(items) => items.iter().for_each(|child| refs(child, found)),
        _ => {}
    }
}

#[tokio::test]
async fn the_document_describes_the_envelope_of_every_answer() {
    let server = TestServer::start().await;
    let document = document(&server).await;

    let mut found = Vec::new();
    refs(&document, &mut found);
    for reference in found {
        assert!(
            resolve(&document, reference).is_some(),
            "unresolved {reference}"
        );
    }

    let scheme = &document["components"]["securitySchemes"]["Authorization"];
    assert_eq!(scheme["type"], "apiKey");
    assert_eq!(scheme["in"], "header");
    assert_eq!(scheme["name"], "Authorization");
    assert!(document.get("security").is_none(), "no global security");

    let operation_ids: BTreeSet<String> = operations(&document)
        .into_iter()
        .map(|(_, _, operation)| operation["operationId"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        operation_ids.len(),
        operations(&document).len(),
        "unique operationIds"
    );

    for (path, method, operation) in operations(&document) {
        let what = format!("{method} {path}");
        for (status, response) in operation["responses"].as_object().unwrap() {
            for (name, link) in response["links"].as_object().into_iter().flatten() {
                let target = link["operationId"].as_str().unwrap_or_default();
                assert!(
                    operation_ids.contains(target),
                    "{what} {status}: link {name} to {target:?}"
                );
            }
        }
        if path.starts_with("/elements/api-v2/") {
            assert_eq!(
                operation["security"],
                json!([{"Authorization": []}]),
                "{what}"
            );
            assert!(operation["responses"].get("401").is_some(), "{what}: 401");
        } else {
            assert!(path.starts_with("/__admin/"), "{what}");
            assert!(operation.get("security").is_none(), "{what}");
        }
        for (status, response) in operation["responses"].as_object().unwrap() {
            let headers = &response["headers"];
            assert_eq!(
                headers["Elements-Request-Id"]["required"], true,
                "{what} {status}"
            );
            if status.starts_with('4') || status.starts_with('5') {
                assert_eq!(
                    response["content"]["application/json"]["schema"]["$ref"],
                    "#/components/schemas/Error",
                    "{what} {status}"
                );
            }
        }
        let is_list = method == "get"
            && (path.ends_with("/users") || path.ends_with("/accounts"))
            && !path.starts_with("/__admin");
        let ok = &operation["responses"]["200"]["headers"];
        for header in ["Elements-Total-Count", "Elements-Returned-Count"] {
            assert_eq!(ok[header]["required"] == true, is_list, "{what} {header}");
        }
        assert_eq!(
            ok.get("Elements-Next-Page-Token").is_some(),
            is_list,
            "{what}"
        );
        let takes_password = operation["parameters"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|parameter| {
                parameter["in"] == "header" && parameter["name"] == "Elements-User-Password"
            });
        let gets_one_user = method == "get" && path.ends_with("/users/{user}");
        assert_eq!(takes_password, gets_one_user, "{what}");
    }

    let error = &document["components"]["schemas"]["Error"];
    assert_eq!(error["required"], json!(["requestId", "message"]));
    let user = &document["components"]["schemas"]["User"];
    let required: Vec<&str> = user["required"]
        .as_array()
        .unwrap()
        .iter()
        .map(|name| name.as_str().unwrap())
        .collect();
    for optional in ["city", "street2", "secret"] {
        assert!(!required.contains(&optional), "{optional} is optional");
        assert_eq!(user["properties"][optional]["type"], "string", "never null");
    }
    assert_eq!(user["properties"]["id"]["format"], "int64");
}
