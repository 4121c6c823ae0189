//! The pages behind the links sent by email: verify an email address, choose a new password,
//! see a reservation and cancel it (client), see a reservation and confirm or decline it
//! (owner). Each is a small HTML file with its own script and the shared style sheet, embedded
//! in the binary; the scripts call the JSON API from the browser, and the reservation pages
//! ask the visitor to sign in first (the access token is kept in `sessionStorage`).
//!
//! They are HTML, not API operations: they are routed on a plain axum router, outside the
//! OpenAPI document. Each answer carries its content type, a Content-Security-Policy that
//! allows only this origin's scripts, styles and API (no inline script), `nosniff` and
//! `Referrer-Policy: no-referrer` (the verification and reset links carry a token in their
//! query). Deployers with their own front end set `links_base_url` so the emails point there.

use axum::Router;
use axum::http::{HeaderName, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use rdv_core::Uuid;

use crate::routes::ApiPath;
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

/// The scripts and the style sheet: file name under [`ASSETS_PATH`], content type, text.
const ASSETS: [(&str, &str, &str); 5] = [
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
];

/// The routes of the pages and their files (GET and HEAD).
pub fn router() -> Router<AppState> {
    let mut router = Router::new()
        .route("/verify-email", get(|| async { page(VERIFY_HTML) }))
        .route("/reset-password", get(|| async { page(RESET_HTML) }))
        .route("/reservations/{id}", get(client_reservation))
        .route("/reservations/{id}/cancel", get(client_reservation))
        .route("/business/reservations/{id}", get(business_reservation));
    for (name, content_type, text) in ASSETS {
        router = router.route(
            &format!("{ASSETS_PATH}{name}"),
            get(move || async move { answer(content_type, text) }),
        );
    }
    router
}

/// A client's reservation (the "view" and "cancel" links); an id that is not a UUID answers
/// 400 `INVALID_PARAMETER` like the API.
async fn client_reservation(ApiPath(_id): ApiPath<Uuid>) -> Response {
    page(RESERVATION_HTML)
}

/// A reservation as its business sees it (the owner's link).
async fn business_reservation(ApiPath(_id): ApiPath<Uuid>) -> Response {
    page(BUSINESS_RESERVATION_HTML)
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
        for (name, _, text) in ASSETS {
            if name.ends_with(".js") && name != "common.js" {
                assert!(text.contains("from \"./common.js\""), "{name}");
            }
        }
    }
}
