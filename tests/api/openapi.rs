//! `GET /__admin/openapi.json` and `GET /__admin/openapi-controls.json`
//! (docs/controls.md#openapi-documents): OpenAPI 3.1 documents of the
//! emulated API and of the controls that, together, list exactly the routes
//! the server serves, each with a server entry its paths are relative to.
//! Whether the server's answers conform to them is checked by the
//! schemathesis run in `.ci/run`, which also lints them with spectral and
//! drives a client generated from the API's.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;

use crate::common::TestServer;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

async fn fetch(server: &TestServer, path: &str) -> Value {
    let reply = server.send(Method::GET, path, None, None).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.header("content-type"), Some("application/json"));
    reply.json()
}

/// The two documents, each with the absolute URL its paths are relative
/// to: its one server entry, resolved against the document's own URL.
async fn documents(server: &TestServer) -> [(String, Value); 2] {
    let mut found = Vec::new();
    for (path, server_url) in [
        ("/__admin/openapi.json", "/elements/api-v2"),
        ("/__admin/openapi-controls.json", "/__admin"),
    ] {
        let document = fetch(server, path).await;
        assert_eq!(
            document["servers"],
            json!([{ "url": server_url }]),
            "{path}"
        );
        found.push((format!("{}{server_url}", server.server.url()), document));
    }
    let [api, controls] = <[_; 2]>::try_from(found).unwrap();
    [api, controls]
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
async fn the_documents_are_openapi_3_1_and_list_every_route() {
    let server = TestServer::start().await;
    let mut listed = 0;
    for (_, document) in documents(&server).await {
        let version = document["openapi"].as_str().unwrap();
        assert!(version.starts_with("3.1."), "openapi {version}");
        listed += operations(&document).len();
    }
    assert_eq!(listed, annotated_handlers());
}

/// A client generated from the API's document, given the base URL the
/// server prints, calls the right URLs: the document's server is that base
/// URL, and no path repeats it.
#[tokio::test]
async fn the_printed_base_url_is_the_api_documents_server() {
    let server = TestServer::start().await;
    let [(api_base, api), (controls_base, controls)] = documents(&server).await;
    assert_eq!(api_base, server.server.base_url());
    assert_eq!(controls_base, format!("{}/__admin", server.server.url()));
    for (document, prefix) in [(&api, "/elements/api-v2"), (&controls, "/__admin")] {
        for (path, _, _) in operations(document) {
            assert!(!path.starts_with(prefix), "{path}");
        }
    }
}

/// On each documented path, the documented methods are routed and the
/// others are 405.
#[tokio::test]
async fn the_router_serves_exactly_the_documented_routes() {
    let server = TestServer::start().await;
    let auth = server.admin_auth();
    let mut routes = BTreeSet::new();
    for (base, document) in documents(&server).await {
        for (path, method, _) in operations(&document) {
            routes.insert((method, format!("{base}{path}")));
        }
    }
    let paths: BTreeSet<&str> = routes.iter().map(|(_, path)| path.as_str()).collect();
    for path in paths {
        // Ids that exist nowhere: a routed request is a handler's 4xx, never
        // the router's "No such resource" 404 or its 405.
        let url = path
            .replace("{id}", "999999")
            .replace("{user}", "999999")
            .replace("{key}", "admin");
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
async fn the_documents_describe_the_envelope_of_every_answer() {
    let server = TestServer::start().await;
    let [(_, api), (_, controls)] = documents(&server).await;

    for document in [&api, &controls] {
        let mut found = Vec::new();
        refs(document, &mut found);
        for reference in found {
            assert!(
                resolve(document, reference).is_some(),
                "unresolved {reference}"
            );
        }
        assert!(document.get("security").is_none(), "no global security");
    }

    // The API's credentials are sent as they are, not as a bearer token.
    let schemes = &api["components"]["securitySchemes"];
    assert_eq!(
        schemes.as_object().unwrap().keys().collect::<Vec<_>>(),
        ["Authorization"]
    );
    let scheme = &schemes["Authorization"];
    assert_eq!(scheme["type"], "apiKey");
    assert_eq!(scheme["in"], "header");
    assert_eq!(scheme["name"], "Authorization");
    let schemes = &controls["components"]["securitySchemes"];
    assert_eq!(
        schemes.as_object().unwrap().keys().collect::<Vec<_>>(),
        ["AdminToken"]
    );
    assert_eq!(schemes["AdminToken"]["type"], "http");
    assert_eq!(schemes["AdminToken"]["scheme"], "bearer");

    let all: Vec<_> = operations(&api)
        .into_iter()
        .map(|operation| (true, operation))
        .chain(
            operations(&controls)
                .into_iter()
                .map(|operation| (false, operation)),
        )
        .collect();
    let operation_ids: BTreeSet<String> = all
        .iter()
        .map(|(_, (_, _, operation))| operation["operationId"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(operation_ids.len(), all.len(), "unique operationIds");

    for (is_api, (path, method, operation)) in all {
        let document = if is_api { &api } else { &controls };
        let what = format!("{method} {path}");
        for (status, response) in operation["responses"].as_object().unwrap() {
            for (name, link) in response["links"].as_object().into_iter().flatten() {
                let target = link["operationId"].as_str().unwrap_or_default();
                assert!(
                    operations(document)
                        .iter()
                        .any(|(_, _, operation)| operation["operationId"] == target),
                    "{what} {status}: link {name} to {target:?} in another document"
                );
            }
        }
        if is_api {
            assert_eq!(
                operation["security"],
                json!([{"Authorization": []}]),
                "{what}"
            );
            assert!(operation["responses"].get("401").is_some(), "{what}");
        } else if path == "/health" {
            assert!(operation.get("security").is_none(), "{what}");
        } else {
            // Open, or the admin token when the server has one.
            assert_eq!(
                operation["security"],
                json!([{}, {"AdminToken": []}]),
                "{what}"
            );
            assert!(operation["responses"].get("401").is_some(), "{what}");
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
        let is_list =
            is_api && method == "get" && (path.ends_with("/users") || path.ends_with("/accounts"));
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
        let gets_one_user = is_api && method == "get" && path.ends_with("/users/{user}");
        assert_eq!(takes_password, gets_one_user, "{what}");
    }

    for document in [&api, &controls] {
        let error = &document["components"]["schemas"]["Error"];
        assert_eq!(error["required"], json!(["requestId", "message"]));
    }
    let user = &api["components"]["schemas"]["User"];
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

    // The journal entry's bodies are there only with `--journal-bodies`:
    // documented, never required.
    let entry = &controls["components"]["schemas"]["JournalEntry"];
    for body in ["requestBody", "responseBody"] {
        assert!(entry["properties"][body].is_object(), "{entry}");
        assert!(
            !entry["required"].as_array().unwrap().contains(&json!(body)),
            "{entry}"
        );
    }
}
