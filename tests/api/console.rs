//! The console (docs/controls.md#console): its files and headers over HTTP,
//! and a real headless Chromium driving the page through WebDriver.
//!
//! The browser tests start `chromedriver` on a free port and need Chromium
//! (Debian: `chromium` and `chromium-driver`; `CHROMEDRIVER` and `CHROME`
//! name other binaries). Without them each says why and passes, unless
//! `LOCALELEMENTS_REQUIRE_BROWSER=1` (as `.ci/run` sets) makes that a
//! failure. They run one at a time (one browser each), fail on any
//! JavaScript error in the browser's log, and save screenshots at 1280x800
//! and 390x844 under `target/console/`.
#![allow(clippy::unwrap_used)]

use std::future::Future;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::{Client, ClientBuilder, Locator};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::common::{self, TestServer};

const UI: &str = "/__admin/ui";

/// How long any one condition in the page may take.
const PATIENCE: Duration = Duration::from_secs(15);

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// The page and every file it loads, with the headers that keep it to
/// itself; `GET /` leads there; nothing of it is in the OpenAPI document.
#[tokio::test]
async fn the_console_is_served_from_the_binary_with_a_strict_policy() {
    let server = TestServer::start().await;
    let client = no_redirects();
    let root = client
        .get(format!("{}/", server.server.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(root.status(), StatusCode::SEE_OTHER);
    assert_eq!(root.headers()["location"], UI);

    let page = client.get(server.url(UI)).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert_eq!(page.headers()["content-type"], "text/html; charset=utf-8");
    let policy = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    for directive in [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
    ] {
        assert!(policy.contains(directive), "{policy}");
    }
    assert!(!policy.contains("unsafe"), "{policy}");
    assert_eq!(page.headers()["x-content-type-options"], "nosniff");
    let html = page.text().await.unwrap();
    // Nothing inline for the policy to refuse, nothing from elsewhere.
    assert!(!html.contains("style="), "no inline style");
    assert!(!html.contains("<script>"), "no inline script");
    assert!(!html.contains("http://") && !html.contains("https://"));

    // Every file the page and its modules name is served, as its type.
    let mut files = vec![];
    for attribute in ["src=\"", "href=\""] {
        for piece in html.split(attribute).skip(1) {
            let target = piece.split('"').next().unwrap();
            if !target.starts_with('#') {
                assert!(target.starts_with("/__admin/ui/"), "{target}");
                files.push(target.to_owned());
            }
        }
    }
    let mut total = html.len();
    let mut checked = std::collections::HashSet::new();
    while let Some(file) = files.pop() {
        if !checked.insert(file.clone()) {
            continue;
        }
        let reply = client.get(server.url(&file)).send().await.unwrap();
        assert_eq!(reply.status(), StatusCode::OK, "{file}");
        let kind = reply.headers()["content-type"].to_str().unwrap().to_owned();
        let expected = match file.rsplit('.').next().unwrap() {
            "js" => "text/javascript; charset=utf-8",
            "css" => "text/css; charset=utf-8",
            "svg" => "image/svg+xml",
            other => panic!("unexpected file type {other}"),
        };
        assert_eq!(kind, expected, "{file}");
        assert!(reply.headers().contains_key("content-security-policy"));
        let text = reply.text().await.unwrap();
        total += text.len();
        assert!(!text.contains("innerHTML"), "{file} builds nodes, not HTML");
        for piece in text.split("from './").skip(1) {
            files.push(format!("{UI}/{}", piece.split('\'').next().unwrap()));
        }
    }
    assert!(checked.len() >= 8, "{checked:?}");
    assert!(total < 300 * 1024, "{total} bytes");

    let missing = server
        .send(Method::GET, "/__admin/ui/nothing.js", None, None)
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(missing.message().contains("nothing.js"));

    // The controls' document holds its paths below its server, `/__admin`.
    let document = server
        .send(Method::GET, "/__admin/openapi-controls.json", None, None)
        .await
        .json();
    let paths = document["paths"].as_object().unwrap();
    assert!(paths.contains_key("/organizations"));
    assert!(
        paths
            .keys()
            .all(|path| path != "/" && !path.starts_with("/ui")),
        "{:?}",
        paths.keys()
    );
}

/// With `--admin-token` the page's files still load (they hold no data);
/// the controls it calls want the token.
#[tokio::test]
async fn with_an_admin_token_the_files_load_and_the_controls_still_want_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = common::test_config(&dir);
    config.admin_token = Some("let-me-in".into());
    let server = TestServer::start_with(dir, config).await;
    for path in [UI, "/__admin/ui/main.js", "/__admin/ui/console.css"] {
        let reply = server.send(Method::GET, path, None, None).await;
        assert_eq!(reply.status, StatusCode::OK, "{path}");
    }
    let refused = server
        .send(Method::GET, "/__admin/organizations", None, None)
        .await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    let allowed = server
        .send(
            Method::GET,
            "/__admin/organizations",
            Some("Bearer let-me-in"),
            None,
        )
        .await;
    assert_eq!(allowed.status, StatusCode::OK, "{}", allowed.text);
}

// ---------------------------------------------------------------------
// The browser.

/// One browser at a time: each is a Chromium of its own.
static ONE_BROWSER: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// `POST /session/{id}/se/log` for the browser's console: chromedriver's
/// log endpoint, which fantoccini has no method for.
#[derive(Debug)]
struct BrowserLog;

impl WebDriverCompatibleCommand for BrowserLog {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/se/log",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (axum::http::Method, Option<String>) {
        (
            axum::http::Method::POST,
            Some(r#"{"type":"browser"}"#.to_owned()),
        )
    }
}

/// A program named by `variable`, or the first of `names` on `PATH`.
fn program(variable: &str, names: &[&str]) -> Option<PathBuf> {
    if let Some(path) = std::env::var_os(variable) {
        return Some(PathBuf::from(path)).filter(|path| path.is_file());
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| names.iter().map(move |name| dir.join(name)))
        .find(|candidate| candidate.is_file())
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Polls `check` until it gives a value, for at most `PATIENCE`.
async fn eventually<T, F, Fut>(what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = Instant::now() + PATIENCE;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

struct Browser {
    client: Client,
    driver: Child,
    /// chromedriver's port, and the session it runs until `finish`.
    port: u16,
    session: Option<String>,
    /// The test's name, for its screenshots.
    name: &'static str,
    base: String,
}

impl Drop for Browser {
    /// Ends a session `finish` did not end (a failed test): chromedriver
    /// then stops its Chromium, which killing chromedriver alone would leave
    /// running. Then chromedriver.
    fn drop(&mut self) {
        use std::io::{Read, Write};
        let session = self.session.take();
        let stream = session
            .as_ref()
            .and_then(|_| std::net::TcpStream::connect(("127.0.0.1", self.port)).ok());
        if let (Some(session), Some(mut stream)) = (session, stream) {
            let _ = stream.set_read_timeout(Some(PATIENCE));
            let request = format!(
                "DELETE /session/{session} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\n\r\n",
                self.port
            );
            // The answer comes once the browser is gone.
            if stream.write_all(request.as_bytes()).is_ok() {
                let _ = stream.read(&mut [0; 512]);
            }
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

impl Browser {
    /// A headless Chromium on the console of `server`; `None` (after saying
    /// why) when there is none and none is required.
    async fn open(name: &'static str, server: &TestServer) -> Option<Self> {
        let required =
            std::env::var("LOCALELEMENTS_REQUIRE_BROWSER").is_ok_and(|value| value == "1");
        let driver = program("CHROMEDRIVER", &["chromedriver"]);
        let chrome = program(
            "CHROME",
            &["chromium", "chromium-browser", "google-chrome", "chrome"],
        );
        let (Some(driver), Some(chrome)) = (driver, chrome) else {
            let why = "the console's browser tests need chromedriver and Chromium, on PATH or \
                       named by CHROMEDRIVER and CHROME (Debian: apt-get install chromium \
                       chromium-driver)";
            assert!(!required, "LOCALELEMENTS_REQUIRE_BROWSER=1 but {why}");
            eprintln!("skipping {name}: {why}");
            return None;
        };
        let port = free_port();
        let mut child = Command::new(&driver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|error| panic!("{} does not start: {error}", driver.display()));
        eventually("chromedriver to listen", || {
            let exited = child.try_wait().unwrap();
            async move {
                assert!(exited.is_none(), "chromedriver exited: {exited:?}");
                tokio::net::TcpStream::connect(("127.0.0.1", port))
                    .await
                    .ok()
                    .map(drop)
            }
        })
        .await;
        let capabilities = json!({
            "goog:chromeOptions": {
                "binary": chrome,
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu",
                         "--disable-dev-shm-usage", "--window-size=1280,800",
                         "--hide-scrollbars", "--force-device-scale-factor=1"],
            },
            "goog:loggingPrefs": {"browser": "ALL"},
        });
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let client = ClientBuilder::new(connector)
            .capabilities(capabilities.as_object().unwrap().clone())
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .expect("a chromedriver session");
        let session = client.session_id().await.unwrap().expect("a session id");
        let browser = Self {
            client,
            driver: child,
            port,
            session: Some(session),
            name,
            base: server.server.url().to_owned(),
        };
        browser.viewport(1280, 800).await;
        // Through `GET /`, which leads to the page.
        browser
            .client
            .goto(&format!("{}/", browser.base))
            .await
            .unwrap();
        browser.find("[data-testid='org-picker']").await;
        Some(browser)
    }

    /// Makes the page's viewport (not the window) `width` x `height`.
    async fn viewport(&self, width: i64, height: i64) {
        let mut size = (width, height);
        for _ in 0..3 {
            self.client
                .set_window_size(size.0 as u32, size.1 as u32)
                .await
                .unwrap();
            let inner = self
                .client
                .execute("return [window.innerWidth, window.innerHeight];", vec![])
                .await
                .unwrap();
            let (w, h) = (inner[0].as_i64().unwrap(), inner[1].as_i64().unwrap());
            if (w, h) == (width, height) {
                return;
            }
            size = (size.0 + width - w, size.1 + height - h);
        }
    }

    /// Screenshots of the page as it is, at both sizes, under
    /// `target/console/<test>-<step>-<size>.png`.
    async fn screenshots(&self, step: &str) {
        let dir = std::env::var_os("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"))
            .join("console");
        std::fs::create_dir_all(&dir).unwrap();
        for (width, height) in [(390, 844), (1280, 800)] {
            self.viewport(width, height).await;
            let png = self.client.screenshot().await.unwrap();
            let file = dir.join(format!("{}-{step}-{width}x{height}.png", self.name));
            std::fs::write(&file, png).unwrap();
        }
    }

    async fn find(&self, css: &str) -> Element {
        self.client
            .wait()
            .at_most(PATIENCE)
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|error| panic!("no {css}: {error}"))
    }

    /// Clicks `css` once it is there; again if the page redrew it between
    /// finding and clicking (a stale element).
    async fn click(&self, css: &str) {
        eventually(&format!("{css} to take a click"), || async {
            let element = self.client.find(Locator::Css(css)).await.ok()?;
            element.click().await.ok()
        })
        .await;
    }

    /// Replaces what `css` holds with `text`, as a person would: select
    /// all, delete, type (each step an `input` event).
    async fn type_into(&self, css: &str, text: &str) {
        const SELECT_ALL_DELETE: &str = "\u{E009}a\u{E000}\u{E003}";
        let input = self.find(css).await;
        input
            .send_keys(&format!("{SELECT_ALL_DELETE}{text}"))
            .await
            .unwrap();
    }

    /// The text of `css` once `accept` takes it.
    async fn text_when(&self, css: &str, accept: impl Fn(&str) -> bool) -> String {
        eventually(&format!("the text of {css}"), || async {
            let element = self.client.find(Locator::Css(css)).await.ok()?;
            let text = element.text().await.ok()?;
            accept(&text).then_some(text)
        })
        .await
    }

    /// Waits until the value of the control `css` (a picker) is `value`.
    async fn value_is(&self, css: &str, value: &str) {
        eventually(&format!("{css} to hold {value}"), || async {
            let control = self.client.find(Locator::Css(css)).await.ok()?;
            (control.prop("value").await.ok()?? == value).then_some(())
        })
        .await;
    }

    /// Waits until nothing matches `css`.
    async fn gone(&self, css: &str) {
        eventually(&format!("{css} to go"), || async {
            let found = self.client.find_all(Locator::Css(css)).await.ok()?;
            found.is_empty().then_some(())
        })
        .await;
    }

    /// Shows one section (`users`, `requests`, ...) with its tab.
    async fn section(&self, name: &str) {
        self.click(&format!(".tabs a[data-view='{name}']")).await;
        self.find(&format!("#view-{name}:not([hidden])")).await;
    }

    /// Types each `(name, value)` into the open dialog's input of that
    /// name, then submits it (`confirm`).
    async fn fill_and_confirm(&self, fields: &[(&str, &str)]) {
        for (name, value) in fields {
            self.type_into(&format!("dialog[open] input[name='{name}']"), value)
                .await;
        }
        self.confirm().await;
    }

    /// Submits the dialog opened last, and waits for it to close (what it
    /// asked the server is then done).
    async fn confirm(&self) {
        let open = || async {
            self.client
                .find_all(Locator::Css("dialog[open]"))
                .await
                .unwrap()
                .len()
        };
        let before = open().await;
        self.click("body > dialog[open]:last-of-type button[type='submit']")
            .await;
        eventually("the dialog to close", || async {
            (open().await < before).then_some(())
        })
        .await;
    }

    /// The page's rows of a table, as text.
    async fn rows(&self, table: &str) -> Vec<String> {
        let mut texts = vec![];
        for row in self
            .client
            .find_all(Locator::Css(&format!("[data-testid='{table}'] tbody tr")))
            .await
            .unwrap()
        {
            texts.push(row.text().await.unwrap_or_default());
        }
        texts
    }

    /// Fails on any JavaScript error the browser logged (not the network's:
    /// the 4xx answers the tests provoke on purpose are logged too), then
    /// ends the session.
    async fn finish(mut self) {
        let log = self.client.issue_cmd(BrowserLog).await.unwrap();
        let errors: Vec<&Value> = log
            .as_array()
            .unwrap()
            .iter()
            .filter(|entry| entry["level"] == "SEVERE" && entry["source"] != "network")
            .collect();
        assert!(errors.is_empty(), "JavaScript errors: {errors:#?}");
        self.client.clone().close().await.unwrap();
        self.session = None;
    }
}

/// Picks the organization `id` in the header's picker.
async fn pick(browser: &Browser, id: i64) {
    browser
        .find("[data-testid='org-picker']")
        .await
        .select_by_value(&id.to_string())
        .await
        .unwrap();
}

/// The journal table's rows as (method, path without the query).
async fn journal(browser: &Browser) -> Vec<(String, String)> {
    let mut rows = vec![];
    let table = "[data-testid='journal-table'] tbody tr:not(.empty)";
    for row in browser.client.find_all(Locator::Css(table)).await.unwrap() {
        let cell = |css: &'static str| {
            let row = row.clone();
            async move {
                let text = row.find(Locator::Css(css)).await.ok()?.text().await.ok()?;
                Some(text)
            }
        };
        let (Some(method), Some(path)) = (cell("td:nth-child(2)").await, cell("td.path").await)
        else {
            continue;
        };
        let path = path.split('?').next().unwrap_or_default().trim().to_owned();
        rows.push((method.trim().to_owned(), path));
    }
    rows
}

async fn total(browser: &Browser, expected: usize) {
    let expected = expected.to_string();
    browser
        .text_when("[data-testid='total-count']", |text| text == expected)
        .await;
}

/// The whole life of a user through the page, and the journal showing it.
#[tokio::test]
async fn a_person_manages_users_of_an_organization_and_sees_the_calls() {
    let _one = ONE_BROWSER.lock().await;
    let server = TestServer::start().await;
    let tenant = server.create_tenant().await;
    for (index, last) in ["Smith", "Jones", "Smith"].iter().enumerate() {
        let body = json!({"firstName": format!("P{index}"), "lastName": last,
                          "email": format!("p{index}@tenant.test"), "password": server.new_password()});
        let reply = server
            .post(
                &format!("/accounts/{}/users", tenant.default_account),
                &tenant.auth,
                &body,
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    }
    let Some(browser) = Browser::open("users", &server).await else {
        return;
    };

    // The server's own organization first, then the tenant: its org-admin
    // and three users.
    total(&browser, 1).await;
    pick(&browser, tenant.organization_id).await;
    total(&browser, 4).await;
    let rows = browser.rows("users-table").await;
    assert_eq!(rows.len(), 4, "{rows:?}");
    assert!(
        rows.iter().any(|row| row.contains("p1@tenant.test")),
        "{rows:?}"
    );
    browser.screenshots("list").await;

    // A where clause filters, as typed.
    browser
        .type_into("[data-testid='where-input']", "lastName = 'Smith'")
        .await;
    total(&browser, 2).await;
    eventually("two rows", || async {
        (browser.rows("users-table").await.len() == 2).then_some(())
    })
    .await;

    // A bad clause: the server's message, and a marker where it points.
    browser
        .type_into("[data-testid='where-input']", "lastName = ")
        .await;
    let message = browser
        .text_when("[data-testid='where-error']", |text| text.contains(" at "))
        .await;
    let explained = server
        .send(
            Method::GET,
            "/__admin/explain?where=lastName%20%3D%20",
            None,
            None,
        )
        .await;
    assert_eq!(explained.status, StatusCode::BAD_REQUEST);
    let expected = explained.message();
    assert!(message.contains(&expected), "{message} / {expected}");
    let position: usize = expected
        .rsplit(" at ")
        .next()
        .unwrap()
        .split(|c: char| !c.is_ascii_digit())
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let marker = browser
        .find("[data-testid='where-error'] .where-marker")
        .await;
    assert_eq!(
        marker.attr("data-position").await.unwrap(),
        Some(position.to_string())
    );
    let caret = marker.prop("textContent").await.unwrap().unwrap();
    assert_eq!(caret, format!("{}^", " ".repeat(position - 1)));
    // The table keeps the last good filter meanwhile.
    total(&browser, 2).await;
    browser.screenshots("where-error").await;
    browser.type_into("[data-testid='where-input']", "").await;
    browser
        .gone("[data-testid='where-error']:not([hidden])")
        .await;
    total(&browser, 4).await;

    // Create a user through the dialog.
    browser.click("#user-new").await;
    browser
        .fill_and_confirm(&[
            ("firstName", "Console"),
            ("lastName", "Made"),
            ("email", "console@tenant.test"),
            ("password", "Pw-console-made-1"),
        ])
        .await;
    total(&browser, 5).await;
    let created = server.get("/users/console@tenant.test", &tenant.auth).await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.text);
    let id = created.id();
    let row = format!("[data-testid='users-table'] tr[data-user-id='{id}']");
    browser.find(&row).await;

    // Grant a role, deactivate, delete.
    browser.click(&format!("{row} button")).await;
    browser.find("dialog[open] #user-grant").await;
    browser.screenshots("user-dialog").await;
    browser
        .find("dialog[open] #user-grant")
        .await
        .select_by_value("admin")
        .await
        .unwrap();
    browser.click("dialog[open] #user-grant-button").await;
    browser.find("dialog[open] [data-revoke='admin']").await;
    let roles: Vec<String> = server
        .get(&format!("/users/{id}/roles"), &tenant.auth)
        .await
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|role| role["key"].as_str().unwrap().to_owned())
        .collect();
    assert!(roles.contains(&"admin".to_owned()), "{roles:?}");
    browser.click("dialog[open] #user-toggle-active").await;
    browser
        .text_when("dialog[open] #user-toggle-active", |text| {
            text == "Reactivate"
        })
        .await;
    let user = server
        .get(&format!("/users/{id}?includeInactive=true"), &tenant.auth)
        .await
        .json();
    assert_eq!(user["active"], false);
    browser.click("dialog[open] #user-delete").await;
    browser.confirm().await;
    browser.gone("dialog[open]").await;
    browser.gone(&row).await;
    total(&browser, 4).await;
    assert_eq!(
        server
            .get(&format!("/users/{id}?includeInactive=true"), &tenant.auth)
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    // The journal shows those calls, newest first, by itself.
    browser.section("requests").await;
    let calls = [
        ("DELETE", format!("/elements/api-v2/users/{id}")),
        ("PATCH", format!("/elements/api-v2/users/{id}")),
        ("PUT", format!("/elements/api-v2/users/{id}/roles/admin")),
        (
            "POST",
            format!("/elements/api-v2/accounts/{}/users", tenant.default_account),
        ),
    ];
    let shows = |rows: &[(String, String)], method: &str, path: &str| {
        rows.iter().position(|(m, p)| m == method && p == path)
    };
    let rows = eventually("the calls in the journal", || async {
        let rows = journal(&browser).await;
        calls
            .iter()
            .all(|(method, path)| shows(&rows, method, path).is_some())
            .then_some(rows)
    })
    .await;
    let positions: Vec<usize> = calls
        .iter()
        .map(|(method, path)| shows(&rows, method, path).unwrap())
        .collect();
    assert!(
        positions.windows(2).all(|pair| pair[0] < pair[1]),
        "newest first: {rows:?}"
    );
    // It keeps itself up to date: a call made elsewhere shows up.
    server.get("/accounts", &tenant.auth).await;
    eventually("a new call to appear", || async {
        let rows = journal(&browser).await;
        (rows.first()? == &("GET".to_owned(), "/elements/api-v2/accounts".to_owned())).then_some(())
    })
    .await;
    // Filters, and one entry's details.
    browser
        .find("#journal-method")
        .await
        .select_by_value("DELETE")
        .await
        .unwrap();
    eventually("only DELETE rows", || async {
        let rows = journal(&browser).await;
        (!rows.is_empty() && rows.iter().all(|(method, _)| method == "DELETE")).then_some(())
    })
    .await;
    browser
        .click("[data-testid='journal-table'] tbody tr button")
        .await;
    let details = browser
        .text_when("#journal-details", |text| text.contains("requestId"))
        .await;
    assert!(
        details.contains(&format!("/elements/api-v2/users/{id}")),
        "{details}"
    );
    browser.screenshots("journal").await;
    browser.finish().await;
}

/// Faults and snapshots from the Controls section.
#[tokio::test]
async fn a_person_adds_a_fault_and_returns_to_a_snapshot() {
    let _one = ONE_BROWSER.lock().await;
    let server = TestServer::start().await;
    let auth = server.admin_auth();
    let Some(browser) = Browser::open("controls", &server).await else {
        return;
    };
    browser.section("controls").await;
    browser.find("[data-testid='faults-table'] tr.empty").await;

    browser.type_into("#fault-path", "/accounts/*/users").await;
    browser.type_into("#fault-status", "503").await;
    browser.click("#fault-add").await;
    browser
        .find("[data-testid='faults-table'] tr[data-fault-id]")
        .await;
    let account = server.default_account().await;
    let path = format!("/accounts/{account}/users");
    let faulted = server.get(&path, &auth).await;
    assert_eq!(faulted.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(faulted.message(), "Injected fault");
    browser.screenshots("fault").await;
    browser
        .click("[data-testid='faults-table'] tr[data-fault-id] button")
        .await;
    browser
        .gone("[data-testid='faults-table'] tr[data-fault-id]")
        .await;
    assert_eq!(server.get(&path, &auth).await.status, StatusCode::OK);

    browser.type_into("#snapshot-name", "before").await;
    browser.click("#snapshot-save").await;
    let saved = "[data-testid='snapshots-table'] tr[data-snapshot='before']";
    browser.find(saved).await;
    let (later, _) = server.create_user(account, "later@example.test", &[]).await;
    browser.click(&format!("{saved} button")).await;
    browser.confirm().await;
    browser
        .text_when("#flash", |text| text.contains("restored"))
        .await;
    assert_eq!(
        server.get(&format!("/users/{later}"), &auth).await.status,
        StatusCode::NOT_FOUND
    );
    browser.screenshots("snapshot").await;
    browser.finish().await;
}

/// Values from the server are text: markup in a name shows as written and
/// runs nothing.
#[tokio::test]
async fn markup_in_server_values_shows_as_text_and_runs_nothing() {
    let _one = ONE_BROWSER.lock().await;
    let server = TestServer::start().await;
    let evil = "<img src=x onerror=alert(1)>";
    let reply = server
        .send(
            Method::POST,
            "/__admin/organizations",
            None,
            Some(&json!({"name": "<script>alert(2)</script>"})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let account = server.default_account().await;
    let reply = server
        .post(
            "/accounts",
            &server.admin_auth(),
            &json!({"name": evil, "externalId": "x\"><b>bold</b>"}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let body = json!({"firstName": evil, "lastName": "Z", "email": "xss@example.test",
                      "password": server.new_password()});
    let reply = server
        .post(
            &format!("/accounts/{account}/users"),
            &server.admin_auth(),
            &body,
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let id = reply.id();
    let Some(browser) = Browser::open("injection", &server).await else {
        return;
    };
    let row = format!("[data-testid='users-table'] tr[data-user-id='{id}']");
    let text = browser.text_when(&row, |text| text.contains("xss@")).await;
    assert!(text.contains(&format!("{evil} Z")), "{text}");
    assert_eq!(markup_elements(&browser).await, 0);
    let picker = browser.find("[data-testid='org-picker']").await;
    assert!(picker
        .text()
        .await
        .unwrap()
        .contains("<script>alert(2)</script>"));
    browser.section("accounts").await;
    browser
        .text_when("[data-testid='accounts-table']", |text| {
            text.contains(evil) && text.contains("x\"><b>bold</b>")
        })
        .await;
    assert_eq!(markup_elements(&browser).await, 0);
    browser.screenshots("accounts").await;
    browser.section("organizations").await;
    browser
        .text_when("[data-testid='organizations-table']", |text| {
            text.contains("<script>alert(2)</script>")
        })
        .await;
    browser.screenshots("text").await;
    // No alert opened at any point.
    assert!(browser.client.get_alert_text().await.is_err());
    browser.finish().await;
}

/// Elements that only markup from the server could have made.
async fn markup_elements(browser: &Browser) -> i64 {
    browser
        .client
        .execute(
            "return document.querySelectorAll('main img, main script, main b').length",
            vec![],
        )
        .await
        .unwrap()
        .as_i64()
        .unwrap()
}

/// With `--admin-token` the page asks for the token once, then works.
#[tokio::test]
async fn with_an_admin_token_the_page_asks_for_it_once() {
    let _one = ONE_BROWSER.lock().await;
    let dir = tempfile::tempdir().unwrap();
    let mut config = common::test_config(&dir);
    config.admin_token = Some("let-me-in".into());
    let server = TestServer::start_with(dir, config).await;
    let Some(browser) = Browser::open("token", &server).await else {
        return;
    };
    browser
        .type_into("dialog[open] input[name='token']", "let-me-in")
        .await;
    browser.screenshots("token").await;
    browser.confirm().await;
    total(&browser, 1).await;
    browser.section("controls").await;
    browser.find("[data-testid='faults-table'] tr.empty").await;
    assert!(browser
        .client
        .find(Locator::Css("dialog[open]"))
        .await
        .is_err());
    browser.finish().await;
}

/// Organizations, accounts, paging, roles, a secret, the clock and the
/// server reset, from the page.
#[tokio::test]
async fn a_person_manages_organizations_accounts_and_the_clock() {
    let _one = ONE_BROWSER.lock().await;
    let server = TestServer::start().await;
    let Some(browser) = Browser::open("organizations", &server).await else {
        return;
    };
    total(&browser, 1).await;

    // A new organization, made and picked from the page.
    browser.section("organizations").await;
    browser.click("#org-new").await;
    browser
        .fill_and_confirm(&[("name", "Made here"), ("adminPassword", "Pw-made-here-1")])
        .await;
    let listed = server
        .send(Method::GET, "/__admin/organizations", None, None)
        .await
        .json();
    assert_eq!(listed[1]["name"], "Made here");
    let id = listed[1]["organizationId"].as_i64().unwrap();
    let auth = listed[1]["authorization"].as_str().unwrap().to_owned();
    browser.value_is("#org-picker", &id.to_string()).await;

    // An account: create, rename, its users (none, then one made here).
    browser.section("accounts").await;
    browser.click("#account-new").await;
    browser
        .fill_and_confirm(&[("externalId", "ext-1"), ("name", "Customers")])
        .await;
    let accounts = server.get("/accounts", &auth).await.json();
    let account = accounts[1]["id"].as_i64().unwrap();
    let account_row = format!("[data-testid='accounts-table'] tr[data-account-id='{account}']");
    browser
        .text_when(&account_row, |text| text.contains("Customers"))
        .await;
    browser
        .click(&format!("{account_row} .row-actions button:nth-child(2)"))
        .await;
    browser.fill_and_confirm(&[("name", "Key customers")]).await;
    browser
        .text_when(&account_row, |text| text.contains("Key customers"))
        .await;
    browser.screenshots("accounts").await;
    browser
        .click(&format!("{account_row} .row-actions button:nth-child(1)"))
        .await;
    browser.find("#view-users:not([hidden])").await;
    total(&browser, 0).await;
    browser
        .value_is("#users-account", &account.to_string())
        .await;
    browser.click("#user-new").await;
    browser
        .fill_and_confirm(&[
            ("firstName", "Key"),
            ("lastName", "Person"),
            ("email", "key@made.test"),
            ("password", "Pw-key-person-1"),
        ])
        .await;
    total(&browser, 1).await;
    // Made in the account the page was showing.
    let user = server
        .get(&format!("/accounts/{account}/users/key@made.test"), &auth)
        .await
        .json();
    let user_id = user["id"].as_i64().unwrap();

    // Grant and revoke a role; reveal the secret with the password.
    browser
        .click(&format!("tr[data-user-id='{user_id}'] button"))
        .await;
    browser
        .find("dialog[open] #user-grant")
        .await
        .select_by_value("admin")
        .await
        .unwrap();
    browser.click("dialog[open] #user-grant-button").await;
    browser.click("dialog[open] [data-revoke='admin']").await;
    browser.gone("dialog[open] [data-revoke='admin']").await;
    browser
        .type_into("dialog[open] #user-reveal-password", "Pw-wrong-1")
        .await;
    browser
        .click("dialog[open] form:has(#user-reveal-password) button")
        .await;
    browser
        .text_when("dialog[open] .dialog-error", |text| text.contains("401"))
        .await;
    browser
        .type_into("dialog[open] #user-reveal-password", "Pw-key-person-1")
        .await;
    browser
        .click("dialog[open] form:has(#user-reveal-password) button")
        .await;
    let secret = browser
        .text_when("dialog[open] #user-secret", |text| !text.is_empty())
        .await;
    let reply = server
        .finish(
            server
                .client
                .get(server.url(&format!("/users/{user_id}")))
                .header("authorization", &auth)
                .header("elements-user-password", "Pw-key-person-1"),
        )
        .await;
    assert_eq!(reply.json()["secret"].as_str(), Some(secret.as_str()));
    browser.screenshots("secret").await;
    // Edit: the dialog shows what the server answered.
    browser
        .type_into("dialog[open] #user-last", "Persona")
        .await;
    browser.click("dialog[open] #user-save").await;
    browser
        .text_when("dialog[open] #user-dialog-title", |text| {
            text == format!("Key Persona (#{user_id})")
        })
        .await;
    browser.click("dialog[open] .view-head button").await;
    browser.gone("dialog[open]").await;

    // The account goes, with its user.
    browser.section("accounts").await;
    browser
        .click(&format!("{account_row} .row-actions button:nth-child(3)"))
        .await;
    browser.confirm().await;
    browser.gone(&account_row).await;
    assert_eq!(
        server
            .get(&format!("/accounts/{account}"), &auth)
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    // Pages of the organization's users: 20, then the rest, and back.
    for index in 0..24 {
        let body = json!({"firstName": "Many", "lastName": format!("{index:02}"),
                          "email": format!("many{index}@made.test"), "password": "Pw-many-users-1"});
        let reply = server
            .post(
                &format!("/accounts/{}/users", listed[1]["defaultAccountId"]),
                &auth,
                &body,
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    }
    browser.section("users").await;
    total(&browser, 25).await;
    assert_eq!(browser.rows("users-table").await.len(), 20);
    browser.click("#users-next").await;
    eventually("the second page", || async {
        (browser.rows("users-table").await.len() == 5).then_some(())
    })
    .await;
    assert!(
        browser
            .find("#users-next")
            .await
            .prop("disabled")
            .await
            .unwrap()
            == Some("true".into())
    );
    browser.click("#users-prev").await;
    eventually("the first page again", || async {
        (browser.rows("users-table").await.len() == 20).then_some(())
    })
    .await;

    // The clock: fixed, then real again.
    browser.section("controls").await;
    browser
        .client
        .execute(
            "document.getElementById('clock-date').value = '2020-02-29'",
            vec![],
        )
        .await
        .unwrap();
    browser.click("#clock-set").await;
    browser
        .text_when("#clock-today", |text| text == "2020-02-29")
        .await;
    let clock = server
        .send(Method::GET, "/__admin/clock", None, None)
        .await
        .json();
    assert_eq!(clock, json!({"today": "2020-02-29", "fixed": true}));
    browser.click("#clock-clear").await;
    browser
        .text_when("#clock-kind", |text| text.contains("real"))
        .await;

    // Reset the organization, then delete it: the picker falls back.
    browser.section("organizations").await;
    let org_row = format!("[data-testid='organizations-table'] tr[data-organization-id='{id}']");
    browser
        .click(&format!("{org_row} .row-actions button:nth-child(2)"))
        .await;
    browser.confirm().await;
    browser.gone("dialog[open]").await;
    assert_eq!(
        server
            .get("/users", &auth)
            .await
            .header("elements-total-count"),
        Some("1")
    );
    browser
        .click(&format!("{org_row} .row-actions button:nth-child(3)"))
        .await;
    browser.confirm().await;
    browser.gone(&org_row).await;
    let own = server.server_org().organization_id.to_string();
    browser.value_is("#org-picker", &own).await;

    // The whole server, behind a confirmation.
    server.create_tenant().await;
    browser.section("controls").await;
    browser.click("#server-reset").await;
    browser.screenshots("reset").await;
    browser.confirm().await;
    browser
        .text_when("#flash", |text| text.contains("reset"))
        .await;
    let organizations = server
        .send(Method::GET, "/__admin/organizations", None, None)
        .await
        .json();
    assert_eq!(organizations.as_array().unwrap().len(), 1);
    browser.finish().await;
}
