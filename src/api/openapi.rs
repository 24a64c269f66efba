//! The OpenAPI 3.1 documents (docs/controls.md#openapi-documents), one per
//! plane, each ready for client generators as it is:
//! `GET /__admin/openapi.json` describes the emulated API, with the server
//! `/elements/api-v2` and paths below it, so a client generated from it
//! works with the printed base URL; `GET /__admin/openapi-controls.json`
//! describes the `/__admin` controls, with the server `/__admin`. (One
//! document cannot hold both with relative paths: `/organizations` is a
//! path of each plane; and generated clients take one base URL, whatever
//! per-path `servers` say.) Each route is declared once, with its
//! `#[utoipa::path]` annotation, in its module's `OpenApiRouter`
//! (`utoipa_axum::routes!`); both documents are cut from what those
//! routers collect, on top of [`ApiDoc`]. `.ci/run` checks the server's
//! real answers against them with schemathesis, lints them with spectral,
//! and drives a client generated from the API's.
//!
//! utoipa 5 always writes `"openapi": "3.1.0"` (its derive has no version
//! option; 3.1 is the only one it knows). What every operation shares is
//! added by [`Envelope`] rather than repeated in each annotation: the
//! `Elements-Request-Id` header on every response, the 500 of a real
//! internal fault, and the security schemes.

use axum::Json;
use serde_json::Value;
use utoipa::openapi::header::Header;
use utoipa::openapi::path::{Operation, PathItem};
use utoipa::openapi::response::{Response, ResponseBuilder};
use utoipa::openapi::schema::{Object, ObjectBuilder, Schema, SchemaType, Type};
use utoipa::openapi::security::{
    ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme,
};
use utoipa::openapi::{Content, RefOr};
use utoipa::{IntoResponses, Modify, OpenApi, ToSchema};

use super::middleware::ErrorBody;
use super::wire::{AccountJson, UserJson};

/// The name of the security scheme of the emulated API.
pub const SECURITY_SCHEME: &str = "Authorization";

/// The name of the security scheme of the controls (`--admin-token`).
pub const ADMIN_TOKEN_SCHEME: &str = "AdminToken";

/// Response headers whose presence the document promises (`required`);
/// `Elements-Next-Page-Token` is only there when more results follow.
const REQUIRED_HEADERS: [&str; 3] = [
    "Elements-Request-Id",
    "Elements-Total-Count",
    "Elements-Returned-Count",
];

#[derive(OpenApi)]
#[openapi(
    components(schemas(ErrorBody)),
    tags(
        (name = "account users", description = "The five account-user endpoints"),
        (name = "organization users", description = "Users across the caller's organization"),
        (name = "roles", description = "A user's roles"),
        (name = "accounts", description = "Accounts, for org-admins only"),
        (name = "organizations", description = "The caller's organization: itself, its default account's users, its accounts"),
        (name = "admin", description = "The stand-in's own controls; not part of the real API, open without credentials unless the server has `--admin-token`"),
    )
)]
pub struct ApiDoc;

// Responses many operations share, each described once.

/// The 401 of the emulated API's operations.
#[derive(IntoResponses)]
pub enum Unauthenticated {
    /// Missing or invalid credentials
    #[response(status = 401)]
    Unauthorized(ErrorBody<'static>),
}

/// The 401 of the operations for org-admins only.
#[derive(IntoResponses)]
pub enum OrgAdminsOnly {
    /// Missing or invalid credentials, or the caller is not an org-admin
    #[response(status = 401)]
    Unauthorized(ErrorBody<'static>),
}

/// What an operation that takes a JSON body may answer about the body.
#[derive(IntoResponses)]
pub enum JsonBodyErrors {
    /// The body is larger than 1 MiB
    #[response(status = 413)]
    TooLarge(ErrorBody<'static>),
    /// The body is not `application/json`
    #[response(status = 415)]
    NotJson(ErrorBody<'static>),
}

/// One page of users.
#[derive(IntoResponses)]
pub enum UserPage {
    /// One page of users, without secrets
    #[response(status = 200, headers(
        ("Elements-Total-Count" = i64, description = "How many users match `where` in all pages"),
        ("Elements-Returned-Count" = i64, description = "How many users are in this answer"),
        ("Elements-Next-Page-Token" = String, description = "Present only when more results follow: pass it as `nextPage` (with the same `where`)"),
    ))]
    Page(Vec<UserJson>),
}

/// One page of accounts.
#[derive(IntoResponses)]
pub enum AccountPage {
    /// One page of accounts
    #[response(status = 200, headers(
        ("Elements-Total-Count" = i64, description = "How many accounts match `where` in all pages"),
        ("Elements-Returned-Count" = i64, description = "How many accounts are in this answer"),
        ("Elements-Next-Page-Token" = String, description = "Present only when more results follow: pass it as `nextPage` (with the same `where`)"),
    ))]
    Page(Vec<AccountJson>),
}

/// What every operation shares; see the module documentation.
struct Envelope;

impl Modify for Envelope {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        openapi
            .components
            .get_or_insert_with(Default::default)
            .add_security_scheme(
                SECURITY_SCHEME,
                SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                    "Authorization",
                    "`User <userSecret>, Organization <orgSecret>`: the two parts in either \
                     order, comma-separated; a third `Element <token>` part is accepted and \
                     ignored; sent as it is, with no `Bearer` or other prefix. Missing, \
                     malformed or wrong credentials, or an inactive user: 401.",
                ))),
            );
        openapi
            .components
            .get_or_insert_with(Default::default)
            .add_security_scheme(
                ADMIN_TOKEN_SCHEME,
                SecurityScheme::Http(
                    HttpBuilder::new()
                        .scheme(HttpAuthScheme::Bearer)
                        .description(Some(
                            "Only when the server was started with `--admin-token`: \
                             `Authorization: Bearer <token>`. Without that flag the \
                             controls are open.",
                        ))
                        .build(),
                ),
            );
        for (path, item) in openapi.paths.paths.iter_mut() {
            let admin = path.starts_with("/__admin");
            // With `--admin-token`, every control but the health probe
            // wants the token.
            let guarded = admin && path != "/__admin/health";
            for operation in operations(item) {
                if guarded {
                    // Open, or the token: which one depends on the flag.
                    operation.security = Some(vec![
                        SecurityRequirement::default(),
                        SecurityRequirement::new(ADMIN_TOKEN_SCHEME, Vec::<String>::new()),
                    ]);
                }
                if let Some(body) = &mut operation.request_body {
                    for content in body.content.values_mut() {
                        strip_null_body(content);
                    }
                }
                let responses = &mut operation.responses.responses;
                responses
                    .entry("500".to_owned())
                    .or_insert_with(|| RefOr::T(internal_error()));
                responses.entry("503".to_owned()).or_insert_with(|| {
                    RefOr::T(error_response(
                        "Overloaded (more than `--max-in-flight` requests at once) or past \
                         `--request-timeout`; carries `Retry-After`",
                    ))
                });
                if admin {
                    add_cross_origin_refusal(responses);
                }
                if guarded {
                    responses.entry("401".to_owned()).or_insert_with(|| {
                        RefOr::T(error_response(
                            "Only when `--admin-token` is set: no or a wrong \
                             `Authorization: Bearer <token>`",
                        ))
                    });
                }
                for response in responses.values_mut() {
                    if let RefOr::T(response) = response {
                        response
                            .headers
                            .insert("Elements-Request-Id".to_owned(), request_id_header());
                    }
                }
            }
        }
    }
}

/// Every control refuses a web page of another origin (see
/// `middleware::same_origin_gate`); where an operation has a 403 of its own,
/// its description says both.
fn add_cross_origin_refusal(responses: &mut std::collections::BTreeMap<String, RefOr<Response>>) {
    const CROSS_ORIGIN: &str = "A request from a web page of another origin (an `Origin` \
                                header other than the server's own), refused before anything else";
    match responses.get_mut("403") {
        Some(RefOr::T(forbidden)) => {
            forbidden.description = format!("{}; or: {CROSS_ORIGIN}", forbidden.description);
        }
        Some(RefOr::Ref(_)) => {}
        None => {
            responses.insert("403".to_owned(), RefOr::T(error_response(CROSS_ORIGIN)));
        }
    }
}

fn operations(item: &mut PathItem) -> impl Iterator<Item = &mut Operation> {
    [
        &mut item.get,
        &mut item.put,
        &mut item.post,
        &mut item.delete,
        &mut item.options,
        &mut item.head,
        &mut item.patch,
        &mut item.trace,
    ]
    .into_iter()
    .filter_map(Option::as_mut)
}

/// utoipa describes an optional body (`content = Option<T>`) as
/// `oneOf: [null, T]` beside `required: false`; no route takes a JSON
/// `null` body (it is a 400), so only `required: false` is kept.
fn strip_null_body(content: &mut Content) {
    let Some(RefOr::T(Schema::OneOf(one_of))) = &content.schema else {
        return;
    };
    let is_null = |schema: &RefOr<Schema>| {
        matches!(schema, RefOr::T(Schema::Object(object))
            if object.schema_type == SchemaType::Type(Type::Null))
    };
    let rest: Vec<_> = one_of.items.iter().filter(|item| !is_null(item)).collect();
    if let [only] = rest[..] {
        content.schema = Some(only.clone());
    }
}

fn request_id_header() -> Header {
    let mut header = Header::new(
        ObjectBuilder::new()
            .schema_type(Type::String)
            .pattern(Some("^[0-9a-f]{24}$")),
    );
    header.description = Some(
        "24 lowercase hex characters identifying the request; an error body's `requestId`"
            .to_owned(),
    );
    header
}

fn internal_error() -> Response {
    error_response("A real internal fault, logged with its cause; the message is `Internal error`")
}

/// A response with the `Error` body.
fn error_response(description: &str) -> Response {
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/json",
            Content::new(Some(RefOr::Ref(utoipa::openapi::Ref::from_schema_name(
                ErrorBody::name(),
            )))),
        )
        .build()
}

/// The body of `GET /__admin/health` (which builds it with `json!`).
#[derive(ToSchema)]
pub struct Health {
    /// Always `ok`.
    #[schema(schema_with = ok)]
    pub status: String,
}

fn ok() -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some("Always `ok`."))
        .enum_values(Some(["ok"]))
        .build()
}

/// Every route of both planes, as utoipa derives them, with the headers
/// that are always present marked `required` (utoipa's `Header` has no such
/// field) and the links' field names as OpenAPI spells them; the two
/// documents are cut from it by [`Plane::cut`].
fn whole() -> Value {
    let mut openapi = super::routes().into_openapi();
    Envelope.modify(&mut openapi);
    let mut document = serde_json::to_value(openapi)
        .unwrap_or_else(|error| unreachable!("an OpenAPI document serializes: {error}"));
    let operations = document
        .get_mut("paths")
        .and_then(Value::as_object_mut)
        .into_iter()
        .flat_map(|paths| paths.values_mut())
        .filter_map(Value::as_object_mut)
        .flat_map(|item| item.values_mut());
    for operation in operations {
        let responses = operation
            .get_mut("responses")
            .and_then(Value::as_object_mut)
            .into_iter()
            .flat_map(|responses| responses.values_mut());
        for response in responses {
            if let Some(headers) = response.get_mut("headers").and_then(Value::as_object_mut) {
                for name in REQUIRED_HEADERS {
                    if let Some(Value::Object(header)) = headers.get_mut(name) {
                        header.insert("required".to_owned(), Value::Bool(true));
                    }
                }
            }
            let links = response
                .get_mut("links")
                .and_then(Value::as_object_mut)
                .into_iter()
                .flat_map(|links| links.values_mut())
                .filter_map(Value::as_object_mut);
            for link in links {
                camel_case_link_fields(link);
            }
        }
    }
    document
}

/// One of the two documents.
struct Plane {
    /// The server URL, relative to the document's own: the paths of the
    /// plane start with it, and are written without it.
    prefix: &'static str,
    title: &'static str,
    description: &'static str,
}

const API: Plane = Plane {
    prefix: super::BASE_PATH,
    title: "localelements: the emulated API",
    description: "A local, stateful stand-in for the Cloud Elements account-users API. The \
server URL is `/elements/api-v2` on the host that serves this document: \
`http://127.0.0.1:8080/elements/api-v2` by default, the `Base URL` the server prints at start. \
Every call needs the `Authorization` header the server prints, sent as it is.

Every response carries `Elements-Request-Id`. Every 4xx and 5xx answer has the body \
`{\"requestId\": \"<24 hex>\", \"message\": \"...\"}` (schema `Error`), including the ones \
no operation can list: 404 for an unknown path and 405 for a method a path does not serve. \
Request bodies are limited to 1 MiB. The stand-in's own controls are described at \
`/__admin/openapi-controls.json`.",
};

const CONTROLS: Plane = Plane {
    prefix: "/__admin",
    title: "localelements: the /__admin controls",
    description: "The stand-in's own controls, not part of the real API: tenants, fixtures, \
snapshots, the request journal, faults, the clock. The server URL is `/__admin` on the host \
that serves this document (`http://127.0.0.1:8080/__admin` by default). Open without \
credentials unless the server was started with `--admin-token`; a request from a web page of \
another origin is refused (403).

Every response carries `Elements-Request-Id`. Every 4xx and 5xx answer has the body \
`{\"requestId\": \"<24 hex>\", \"message\": \"...\"}` (schema `Error`), including 404 for an \
unknown path and 405 for a method a path does not serve. Request bodies are limited to 1 MiB \
(64 MiB for `POST /seed`). The emulated API is described at `/__admin/openapi.json`.",
};

impl Plane {
    /// The plane's document from the whole: its paths without the prefix,
    /// its server, and only the tags, schemas and security schemes it uses.
    fn cut(&self, whole: &Value) -> Value {
        let paths: serde_json::Map<String, Value> = whole["paths"]
            .as_object()
            .into_iter()
            .flatten()
            .filter_map(|(path, item)| {
                let rest = path.strip_prefix(self.prefix)?;
                rest.starts_with('/')
                    .then(|| (rest.to_owned(), item.clone()))
            })
            .collect();
        let operations = || {
            paths
                .values()
                .filter_map(Value::as_object)
                .flat_map(|item| item.values())
        };
        let used_tags: std::collections::BTreeSet<&str> = operations()
            .flat_map(|operation| operation["tags"].as_array().into_iter().flatten())
            .filter_map(Value::as_str)
            .collect();
        let tags: Vec<Value> = whole["tags"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|tag| {
                tag["name"]
                    .as_str()
                    .is_some_and(|name| used_tags.contains(name))
            })
            .cloned()
            .collect();
        let used_schemes: std::collections::BTreeSet<&String> = operations()
            .flat_map(|operation| operation["security"].as_array().into_iter().flatten())
            .filter_map(Value::as_object)
            .flat_map(|requirement| requirement.keys())
            .collect();
        let components = &whole["components"];
        let schemes: serde_json::Map<String, Value> = components["securitySchemes"]
            .as_object()
            .into_iter()
            .flatten()
            .filter(|(name, _)| used_schemes.contains(name))
            .map(|(name, scheme)| (name.clone(), scheme.clone()))
            .collect();
        let paths = Value::Object(paths);
        let schemas = reachable_schemas(&paths, &components["schemas"]);
        let mut info = whole["info"].clone();
        info["title"] = Value::from(self.title);
        info["description"] = Value::from(self.description);
        serde_json::json!({
            "openapi": whole["openapi"],
            "info": info,
            "servers": [{"url": self.prefix}],
            "paths": paths,
            "components": {"schemas": schemas, "securitySchemes": schemes},
            "tags": tags,
        })
    }
}

/// The schemas `root` refers to, and those they refer to in turn.
fn reachable_schemas(root: &Value, schemas: &Value) -> serde_json::Map<String, Value> {
    const PREFIX: &str = "#/components/schemas/";
    fn refs(value: &Value, found: &mut Vec<String>) {
        match value {
            Value::Object(object) => {
                if let Some(Value::String(reference)) = object.get("$ref") {
                    if let Some(name) = reference.strip_prefix(PREFIX) {
                        found.push(name.to_owned());
                    }
                }
                object.values().for_each(|child| refs(child, found));
            }
            Value::Array(items) => items.iter().for_each(|child| refs(child, found)),
            _ => {}
        }
    }
    let mut kept = serde_json::Map::new();
    let mut pending = Vec::new();
    refs(root, &mut pending);
    while let Some(name) = pending.pop() {
        if kept.contains_key(&name) {
            continue;
        }
        if let Some(schema) = schemas.get(&name) {
            refs(schema, &mut pending);
            kept.insert(name, schema.clone());
        }
    }
    kept
}

/// The emulated API's document, as `GET /__admin/openapi.json` serves it.
pub fn document() -> Value {
    API.cut(&whole())
}

/// The controls' document, as `GET /__admin/openapi-controls.json` serves
/// it.
pub fn controls_document() -> Value {
    CONTROLS.cut(&whole())
}

/// utoipa 5 writes a Link object's fields in snake case (`operation_id`);
/// OpenAPI names them `operationId`, `operationRef`, `requestBody` (fixed
/// only in utoipa 6).
fn camel_case_link_fields(link: &mut serde_json::Map<String, Value>) {
    for (snake, camel) in [
        ("operation_id", "operationId"),
        ("operation_ref", "operationRef"),
        ("request_body", "requestBody"),
    ] {
        if let Some(value) = link.remove(snake) {
            link.insert(camel.to_owned(), value);
        }
    }
}

/// `GET /__admin/openapi.json`
#[utoipa::path(
    get,
    path = "/__admin/openapi.json",
    operation_id = "adminOpenApi",
    tag = "admin",
    summary = "The emulated API's OpenAPI 3.1 document",
    description = "The OpenAPI 3.1 document of `/elements/api-v2`, its paths relative to the server entry `/elements/api-v2`: a client generated from it works with the base URL the server prints.",
    responses((status = 200, description = "The OpenAPI document of `/elements/api-v2`", body = Object)),
)]
pub async fn serve() -> Json<Value> {
    // The same every time: built once.
    static DOCUMENT: std::sync::OnceLock<Value> = std::sync::OnceLock::new();
    Json(DOCUMENT.get_or_init(document).clone())
}

/// `GET /__admin/openapi-controls.json`
#[utoipa::path(
    get,
    path = "/__admin/openapi-controls.json",
    operation_id = "adminOpenApiControls",
    tag = "admin",
    summary = "This OpenAPI 3.1 document, of the controls",
    description = "The OpenAPI 3.1 document of `/__admin`, its paths relative to the server entry `/__admin`.",
    responses((status = 200, description = "The OpenAPI document of `/__admin`", body = Object)),
)]
pub async fn serve_controls() -> Json<Value> {
    static DOCUMENT: std::sync::OnceLock<Value> = std::sync::OnceLock::new();
    Json(DOCUMENT.get_or_init(controls_document).clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documents_are_openapi_3_1() {
        for document in [document(), controls_document()] {
            let version = document["openapi"].as_str().unwrap_or_default();
            assert!(version.starts_with("3.1."), "{version}");
        }
    }

    #[test]
    fn every_response_carries_a_required_request_id() {
        for document in [document(), controls_document()] {
            every_response_carries_a_required_request_id_in(&document);
        }
    }

    fn every_response_carries_a_required_request_id_in(document: &Value) {
        for (path, item) in document["paths"].as_object().into_iter().flatten() {
            for (method, operation) in item.as_object().into_iter().flatten() {
                for (status, response) in operation["responses"].as_object().into_iter().flatten() {
                    assert_eq!(
                        response["headers"]["Elements-Request-Id"]["required"], true,
                        "{method} {path} {status}"
                    );
                }
            }
        }
    }
}
