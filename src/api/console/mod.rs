//! The console (docs/controls.md#console): a page for a person at
//! `/__admin/ui`, and `GET /` sending them there. Its HTML, CSS and
//! JavaScript modules are compiled into the binary; it is one more client
//! of the emulated API and the `/__admin` controls, with no route of its
//! own beyond these files.
//!
//! The files hold no data, so they are served without `--admin-token`
//! (`is_public`): the page asks for the token and sends it as a bearer
//! token on its own `/__admin` calls. They are not in the OpenAPI document:
//! they are a page, not an API.

use axum::extract::Path;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::http::{HeaderName, HeaderValue};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use utoipa_axum::router::OpenApiRouter;

use crate::api::state::AppState;
use crate::error::ApiError;

/// Where the console lives.
pub const UI_PATH: &str = "/__admin/ui";

/// Only the page's own files may load, and nothing may run inline: the
/// second line of defence behind inserting every server value as text.
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     img-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; \
     form-action 'none'; frame-ancestors 'none'";

/// One file of the page.
struct Asset {
    name: &'static str,
    content_type: &'static str,
    body: &'static str,
}

const fn asset(name: &'static str, content_type: &'static str, body: &'static str) -> Asset {
    Asset {
        name,
        content_type,
        body,
    }
}

const JS: &str = "text/javascript; charset=utf-8";

/// The page's files below `UI_PATH/`; the page itself is `index.html`.
const ASSETS: &[Asset] = &[
    asset(
        "index.html",
        "text/html; charset=utf-8",
        include_str!("assets/index.html"),
    ),
    asset(
        "console.css",
        "text/css; charset=utf-8",
        include_str!("assets/console.css"),
    ),
    asset(
        "favicon.svg",
        "image/svg+xml",
        include_str!("assets/favicon.svg"),
    ),
    asset("main.js", JS, include_str!("assets/main.js")),
    asset("api.js", JS, include_str!("assets/api.js")),
    asset("dom.js", JS, include_str!("assets/dom.js")),
    asset("users.js", JS, include_str!("assets/users.js")),
    asset("accounts.js", JS, include_str!("assets/accounts.js")),
    asset(
        "organizations.js",
        JS,
        include_str!("assets/organizations.js"),
    ),
    asset("journal.js", JS, include_str!("assets/journal.js")),
    asset("controls.js", JS, include_str!("assets/controls.js")),
];

/// The console's routes; kept out of the OpenAPI document.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .route("/", get(|| async { Redirect::to(UI_PATH) }))
        .route(UI_PATH, get(|| async { serve("index.html") }))
        .route(
            &format!("{UI_PATH}/{{file}}"),
            get(|Path(file): Path<String>| async move { serve(&file) }),
        )
}

/// Whether `path` is one of the console's files, which `--admin-token`
/// does not guard (they hold no data).
pub fn is_public(path: &str) -> bool {
    path == UI_PATH
        || path
            .strip_prefix(UI_PATH)
            .is_some_and(|rest| rest.starts_with('/'))
}

fn serve(name: &str) -> Response {
    let Some(asset) = ASSETS.iter().find(|asset| asset.name == name) else {
        return ApiError::not_found(format!("No console file named '{name}'")).into_response();
    };
    (
        [
            (CONTENT_TYPE, HeaderValue::from_static(asset.content_type)),
            (
                HeaderName::from_static("content-security-policy"),
                HeaderValue::from_static(CONTENT_SECURITY_POLICY),
            ),
            (
                HeaderName::from_static("x-content-type-options"),
                HeaderValue::from_static("nosniff"),
            ),
            (
                HeaderName::from_static("referrer-policy"),
                HeaderValue::from_static("no-referrer"),
            ),
            // Small, local files: always fresh after an upgrade.
            (CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        ],
        asset.body,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_console_paths_are_public() {
        for path in [UI_PATH, "/__admin/ui/", "/__admin/ui/main.js"] {
            assert!(is_public(path), "{path}");
        }
        for path in ["/__admin/uix", "/__admin/u", "/__admin/requests", "/"] {
            assert!(!is_public(path), "{path}");
        }
    }

    #[test]
    fn the_page_stays_small() {
        let total: usize = ASSETS.iter().map(|asset| asset.body.len()).sum();
        assert!(total < 300 * 1024, "{total} bytes");
    }
}
