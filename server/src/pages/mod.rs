//! The pages behind the links sent by email: verify an email address, choose a new password,
//! accept a staff invitation (choosing the account's password), see a reservation and cancel it (client), see a reservation and confirm or decline it
//! (owner); and the business dashboard (`/dashboard/`). Each is a small HTML file with its own script and the shared style sheet, embedded
//! in the binary; the scripts call the JSON API from the browser, and the reservation pages
//! ask the visitor to sign in first (the access token is kept in `sessionStorage`).
//!
//! They are HTML, not API operations: like the widget's files they are mounted as services,
//! outside the OpenAPI document. Each answer carries its content type, a Content-Security-Policy that
//! allows only this origin's scripts, styles and API (no inline script), `nosniff` and
//! `Referrer-Policy: no-referrer` (the verification and reset links carry a token in their
//! query). Deployers with their own front end set `links_base_url` so the emails point there.

use axum::Router;
use axum::extract::OriginalUri;
use axum::http::{HeaderName, HeaderValue, Method, header};
use axum::response::{IntoResponse, Response};
use rdv_core::Uuid;

use crate::error::{ApiError, HttpCode, method_not_allowed, route_not_found};
use crate::state::AppState;

/// Where the pages' scripts and style sheet are served.
pub const ASSETS_PATH: &str = "/pages/";

/// The policy of every page and asset: this origin's scripts, styles and API only.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
    style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; \
    form-action 'none'; frame-ancestors 'none'";

const HTML: &str = "text/html; charset=utf-8";
const JAVASCRIPT: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";

// The pages, routed by the paths of the links.
const VERIFY_HTML: &str = include_str!("../../pages/verify-email.html");
const RESET_HTML: &str = include_str!("../../pages/reset-password.html");
const RESERVATION_HTML: &str = include_str!("../../pages/reservation.html");
const BUSINESS_RESERVATION_HTML: &str = include_str!("../../pages/business-reservation.html");

/// The business dashboard (`/dashboard/`, issue 17): its page, script and style sheet, in
/// `server/dashboard/`. Its charts are SVG documents that the script fetches with the bearer
/// token and inserts with `DOMParser`, so the same policy (`img-src 'self'`, no inline
/// script or style) holds.
const DASHBOARD_HTML: &str = include_str!("../../dashboard/index.html");
const DASHBOARD_ASSETS: [(&str, &str, &str); 2] = [
    (
        "dashboard.js",
        JAVASCRIPT,
        include_str!("../../dashboard/dashboard.js"),
    ),
    (
        "dashboard.css",
        CSS,
        include_str!("../../dashboard/dashboard.css"),
    ),
];
const INVITATION_HTML: &str = include_str!("../../pages/invitation.html");

/// The scripts and the style sheet: file name under [`ASSETS_PATH`], content type, text.
const ASSETS: [(&str, &str, &str); 6] = [
    ("pages.css", CSS, include_str!("../../pages/pages.css")),
    (
        "common.js",
        JAVASCRIPT,
        include_str!("../../pages/common.js"),
    ),
    (
        "verify-email.js",
        JAVASCRIPT,
        include_str!("../../pages/verify-email.js"),
    ),
    (
        "reset-password.js",
        JAVASCRIPT,
        include_str!("../../pages/reset-password.js"),
    ),
    (
        "reservation.js",
        JAVASCRIPT,
        include_str!("../../pages/reservation.js"),
    ),
    (
        "invitation.js",
        JAVASCRIPT,
        include_str!("../../pages/invitation.js"),
    ),
];

/// The link paths and the folder of the files, each mounted like the widget's static files
/// (`nest_service`, never `.route(`: only API operations are routes, documented by
/// construction); [`serve`] reads the whole path and answers GET and HEAD.
const MOUNTS: [&str; 6] = [
    "/verify-email",
    "/invitation",
    "/reset-password",
    "/reservations",
    "/business/reservations",
    "/pages",
];

/// The pages and their files.
pub fn router() -> Router<AppState> {
    let service = axum::handler::HandlerWithoutStateExt::into_service(serve);
    MOUNTS
        .into_iter()
        .fold(Router::new(), |router, mount| {
            router.nest_service(mount, service.clone())
        })
        .nest_service("/dashboard", service)
}

/// What a path names.
enum Target {
    /// A page, served as HTML.
    Page(&'static str),
    /// A script or the style sheet.
    Asset(&'static str, &'static str),
    /// A reservation link whose id is not a UUID.
    BadId,
}

fn target(path: &str) -> Option<Target> {
    if path == "/dashboard" || path == "/dashboard/" {
        return Some(Target::Page(DASHBOARD_HTML));
    }
    let segments: Vec<&str> = path.split('/').skip(1).collect();
    if segments.contains(&"") {
        return None; // a trailing or doubled slash names nothing here
    }
    let reservation = |id: &str, page| {
        Some(if Uuid::parse_str(id).is_ok() {
            Target::Page(page)
        } else {
            Target::BadId
        })
    };
    match segments.as_slice() {
        ["verify-email"] => Some(Target::Page(VERIFY_HTML)),
        ["reset-password"] => Some(Target::Page(RESET_HTML)),
        ["invitation"] => Some(Target::Page(INVITATION_HTML)),
        ["reservations", id] | ["reservations", id, "cancel"] => reservation(id, RESERVATION_HTML),
        ["business", "reservations", id] => reservation(id, BUSINESS_RESERVATION_HTML),
        ["pages", name] => ASSETS
            .iter()
            .find(|(file, _, _)| file == name)
            .map(|(_, content_type, text)| Target::Asset(content_type, text)),
        ["dashboard", name] => DASHBOARD_ASSETS
            .iter()
            .find(|(file, _, _)| file == name)
            .map(|(_, content_type, text)| Target::Asset(content_type, text)),
        _ => None,
    }
}

/// Answers a page or file; another path under a mount is 404 `ROUTE_NOT_FOUND`, another
/// method 405 `METHOD_NOT_ALLOWED`, a reservation id that is not a UUID 400
/// `INVALID_PARAMETER`, as problem documents like the API's.
async fn serve(method: Method, OriginalUri(uri): OriginalUri) -> Response {
    let Some(target) = target(uri.path()) else {
        return route_not_found().await.into_response();
    };
    if method != Method::GET && method != Method::HEAD {
        return method_not_allowed().await.into_response();
    }
    match target {
        Target::Page(text) => page(text),
        Target::Asset(content_type, text) => answer(content_type, text),
        Target::BadId => ApiError::new(
            HttpCode::InvalidParameter,
            "the reservation id of this link is not a UUID",
        )
        .into_response(),
    }
}

fn page(text: &'static str) -> Response {
    answer(HTML, text)
}

fn answer(content_type: &'static str, text: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(CONTENT_SECURITY_POLICY),
            ),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
            (
                header::REFERRER_POLICY,
                HeaderValue::from_static("no-referrer"),
            ),
            (
                HeaderName::from_static("x-frame-options"),
                HeaderValue::from_static("DENY"),
            ),
        ],
        text,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every script and style sheet a page names is one this module serves, and no page has
    /// an inline script or style (the policy would block it).
    #[test]
    fn pages_name_only_served_files_and_inline_nothing() {
        for html in [
            VERIFY_HTML,
            RESET_HTML,
            RESERVATION_HTML,
            BUSINESS_RESERVATION_HTML,
        ] {
            let mut named = 0;
            for attribute in ["src=\"", "href=\""] {
                for (i, _) in html.match_indices(attribute) {
                    let rest = &html[i + attribute.len()..];
                    let target = &rest[..rest.find('"').expect("closed attribute")];
                    let Some(name) = target.strip_prefix(ASSETS_PATH) else {
                        continue;
                    };
                    assert!(
                        ASSETS.iter().any(|(file, _, _)| *file == name),
                        "{target} is not served"
                    );
                    named += 1;
                }
            }
            assert_eq!(named, 2, "one style sheet and one script: {html}");
            assert!(!html.contains("<script>") && !html.contains("<style"));
            assert!(!html.contains(" style=\"") && !html.contains(" onclick="));
        }
        for (name, _, _) in ASSETS {
            assert!(matches!(
                target(&format!("{ASSETS_PATH}{name}")),
                Some(Target::Asset(..))
            ));
        }
        for path in [
            "/verify-email/",
            "/reservations",
            "/reservations/",
            "/pages/x.js",
        ] {
            assert!(target(path).is_none(), "{path}");
        }
        for (name, _, text) in ASSETS {
            if name.ends_with(".js") && name != "common.js" {
                assert!(text.contains("from \"./common.js\""), "{name}");
            }
        }
    }

    /// The dashboard names only its own script and style sheet, inlines nothing, and is
    /// served with and without the trailing slash.
    #[test]
    fn the_dashboard_names_only_its_files_and_inlines_nothing() {
        let mut named = 0;
        for attribute in ["src=\"", "href=\""] {
            for (i, _) in DASHBOARD_HTML.match_indices(attribute) {
                let rest = &DASHBOARD_HTML[i + attribute.len()..];
                let target = &rest[..rest.find('"').expect("closed attribute")];
                let name = target
                    .strip_prefix("/dashboard/")
                    .expect("a dashboard file");
                assert!(DASHBOARD_ASSETS.iter().any(|(file, _, _)| *file == name));
                named += 1;
            }
        }
        assert_eq!(named, 2, "one style sheet and one script");
        assert!(!DASHBOARD_HTML.contains("<script>") && !DASHBOARD_HTML.contains("<style"));
        assert!(!DASHBOARD_HTML.contains(" style=\"") && !DASHBOARD_HTML.contains(" onclick="));
        assert!(DASHBOARD_ASSETS[0].2.contains("from \"/pages/common.js\""));
        for path in ["/dashboard", "/dashboard/"] {
            assert!(matches!(target(path), Some(Target::Page(_))), "{path}");
        }
        for (name, _, _) in DASHBOARD_ASSETS {
            assert!(matches!(
                target(&format!("/dashboard/{name}")),
                Some(Target::Asset(..))
            ));
        }
        assert!(target("/dashboard/x.js").is_none());
        assert!(target("/dashboard//").is_none());
    }
}
