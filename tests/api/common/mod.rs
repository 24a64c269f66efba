//! The harness every black-box test uses: a real server on a free port with
//! its own database file, and a client whose every response is checked for
//! leaked password hashes and plaintext passwords.
#![allow(clippy::unwrap_used, dead_code)]

pub mod process;

use std::sync::Mutex;

use localelements::store::Database;
use localelements::{Config, Server};
use rand::RngCore;
use reqwest::{Method, StatusCode};
use serde_json::Value;

pub const ORG_SECRET: &str = "org-secret-for-tests";
pub const USER_SECRET: &str = "user+secret/for=tests-1";
pub const ADMIN_PASSWORD: &str = "Admin-Password-For-Tests-7";
pub const ADMIN_EMAIL: &str = "admin@localelements.test";

pub struct TestServer {
    pub server: Server,
    pub client: reqwest::Client,
    pub dir: tempfile::TempDir,
    /// Every password this test sent; none may ever come back.
    passwords: Mutex<Vec<String>>,
}

/// A response, read whole.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub text: String,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", self.text))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(|v| v.to_str().unwrap())
    }

    /// The message of an error body, after checking its shape (docs/api.md#errors).
    pub fn message(&self) -> String {
        let body = self.json();
        let object = body.as_object().expect("error body is an object");
        assert_eq!(object.len(), 2, "error body has exactly two fields: {body}");
        let id = object["requestId"].as_str().unwrap();
        assert_eq!(Some(id), self.header("elements-request-id"));
        object["message"].as_str().unwrap().to_owned()
    }

    pub fn id(&self) -> i64 {
        self.json()["id"].as_i64().expect("an id")
    }
}

pub fn test_config(dir: &tempfile::TempDir) -> Config {
    Config {
        database: Database::File(dir.path().join("test.db")),
        org_secret: Some(ORG_SECRET.into()),
        user_secret: Some(USER_SECRET.into()),
        admin_password: Some(ADMIN_PASSWORD.into()),
        ..Config::for_tests()
    }
}

/// A unique password, remembered so that no response may contain it.
impl TestServer {
    pub async fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let config = test_config(&dir);
        Self::start_with(dir, config).await
    }

    pub async fn start_with(dir: tempfile::TempDir, config: Config) -> Self {
        let server = Server::start(config).await.expect("server starts");
        Self {
            server,
            client: reqwest::Client::new(),
            dir,
            passwords: Mutex::new(vec![ADMIN_PASSWORD.to_owned()]),
        }
    }

    /// Stops the server and starts it again on the same database, with
    /// `config`.
    pub async fn restart(self, config: Config) -> Self {
        let TestServer {
            server,
            dir,
            passwords,
            ..
        } = self;
        server.stop().await.unwrap();
        let again = Self::start_with(dir, config).await;
        *again.passwords.lock().unwrap() = passwords.into_inner().unwrap();
        again
    }

    pub fn admin_auth(&self) -> String {
        self.server.authorization()
    }

    pub fn new_password(&self) -> String {
        let mut bytes = [0u8; 8];
        rand::thread_rng().fill_bytes(&mut bytes);
        let password: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        let password = format!("Pw-{password}");
        self.passwords
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .push(password.clone());
        password
    }

    pub fn url(&self, path: &str) -> String {
        if path.starts_with("/__admin") {
            format!("{}{path}", self.server.url())
        } else {
            format!("{}{path}", self.server.base_url())
        }
    }

    /// Sends a request under the API base path (or to `/__admin`).
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        auth: Option<&str>,
        body: Option<&Value>,
    ) -> Reply {
        let mut request = self.client.request(method, self.url(path));
        if let Some(auth) = auth {
            request = request.header("Authorization", auth);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        self.finish(request).await
    }

    pub async fn finish(&self, request: reqwest::RequestBuilder) -> Reply {
        let response = request.send().await.expect("request sent");
        let status = response.status();
        let headers = response.headers().clone();
        let text = response.text().await.unwrap();
        self.check_no_leak(&text);
        let id = headers
            .get("elements-request-id")
            .expect("every response has Elements-Request-Id")
            .to_str()
            .unwrap();
        assert!(
            id.len() == 24
                && id
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)),
            "request id {id:?}"
        );
        if status.is_client_error() || status.is_server_error() {
            assert_eq!(
                headers.get("content-type").map(|v| v.to_str().unwrap()),
                Some("application/json"),
                "errors are JSON: {status} {text}"
            );
        }
        assert_ne!(
            status,
            StatusCode::INTERNAL_SERVER_ERROR,
            "no input may cause a 500: {text}"
        );
        Reply {
            status,
            headers,
            text,
        }
    }

    pub fn check_no_leak(&self, text: &str) {
        assert!(!text.contains("$argon2"), "a password hash leaked: {text}");
        for password in self
            .passwords
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .iter()
        {
            assert!(
                !text.contains(password.as_str()),
                "a password leaked: {text}"
            );
        }
    }

    pub async fn get(&self, path: &str, auth: &str) -> Reply {
        self.send(Method::GET, path, Some(auth), None).await
    }

    pub async fn post(&self, path: &str, auth: &str, body: &Value) -> Reply {
        self.send(Method::POST, path, Some(auth), Some(body)).await
    }

    pub async fn patch(&self, path: &str, auth: &str, body: &Value) -> Reply {
        self.send(Method::PATCH, path, Some(auth), Some(body)).await
    }

    pub async fn delete(&self, path: &str, auth: &str) -> Reply {
        self.send(Method::DELETE, path, Some(auth), None).await
    }

    /// The id of the bootstrapped default account, as `GET /accounts` says.
    pub async fn default_account(&self) -> i64 {
        let reply = self.get("/accounts", &self.admin_auth()).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        let id = reply.json()[0]["id"].as_i64().unwrap();
        assert_eq!(id, self.server.credentials().default_account_id);
        id
    }

    /// The server's own organization, as its org-admin sees it.
    pub fn server_org(&self) -> Org {
        let credentials = self.server.credentials();
        Org {
            organization_id: credentials.organization_id,
            auth: self.admin_auth(),
            org_secret: ORG_SECRET.to_owned(),
            default_account: credentials.default_account_id,
            admin_id: credentials.admin_user_id,
        }
    }

    /// A customer account of the server organization (POST /accounts).
    pub async fn create_account(&self, name: &str) -> i64 {
        self.create_account_in(&self.server_org(), name).await
    }

    /// Creates a user as the server organization's org-admin and returns
    /// (id, Authorization value).
    pub async fn create_user(&self, account: i64, email: &str, roles: &[&str]) -> (i64, String) {
        self.create_user_in(&self.server_org(), account, email, roles)
            .await
    }

    /// Creates a user in `org` as its org-admin: (id, Authorization value).
    pub async fn create_user_in(
        &self,
        org: &Org,
        account: i64,
        email: &str,
        roles: &[&str],
    ) -> (i64, String) {
        let roles: Vec<Value> = roles
            .iter()
            .map(|key| serde_json::json!({"key": key}))
            .collect();
        let body = serde_json::json!({
            "firstName": "Test", "lastName": "User", "email": email,
            "password": self.new_password(), "roles": roles,
        });
        let reply = self
            .post(&format!("/accounts/{account}/users"), &org.auth, &body)
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        let user = reply.json();
        let secret = user["secret"].as_str().unwrap();
        (
            user["id"].as_i64().unwrap(),
            format!("User {secret}, Organization {}", org.org_secret),
        )
    }

    /// A tenant (`POST /__admin/organizations`) with generated secrets.
    pub async fn create_tenant(&self) -> Org {
        let reply = self
            .send(Method::POST, "/__admin/organizations", None, None)
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        let tenant = reply.json();
        Org {
            organization_id: tenant["organizationId"].as_i64().unwrap(),
            auth: tenant["authorization"].as_str().unwrap().to_owned(),
            org_secret: tenant["orgSecret"].as_str().unwrap().to_owned(),
            default_account: tenant["defaultAccountId"].as_i64().unwrap(),
            admin_id: tenant["adminUserId"].as_i64().unwrap(),
        }
    }

    /// A customer account in `org`.
    pub async fn create_account_in(&self, org: &Org, name: &str) -> i64 {
        let reply = self
            .post(
                "/accounts",
                &org.auth,
                &serde_json::json!({"name": name, "externalId": format!("ext-{name}")}),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        reply.id()
    }
}

/// An organization as its org-admin sees it.
#[derive(Debug, Clone)]
pub struct Org {
    pub organization_id: i64,
    pub auth: String,
    pub org_secret: String,
    pub default_account: i64,
    pub admin_id: i64,
}

pub fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap()
}
