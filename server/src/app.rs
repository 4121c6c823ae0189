//! The router: every API route (documented by construction through `utoipa-axum`), the
//! interactive docs, fallbacks in the API's error format, and the middleware stack —
//! request id, log line and metrics outermost, then CORS, the per-IP rate limit, the body
//! limit and security headers.

use std::net::SocketAddr;

use axum::Router;
use axum::extract::{ConnectInfo, DefaultBodyLimit, Request, State};
use axum::http::{HeaderName, HeaderValue, Method, header};
use axum::middleware::{Next, from_fn, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_swagger_ui::SwaggerUi;

use crate::error::{method_not_allowed, route_not_found};
use crate::observe::{observe, record_route};
use crate::routes;
use crate::state::AppState;

/// Path of the generated OpenAPI document.
pub const OPENAPI_PATH: &str = "/api-docs/openapi.json";
/// Path of the interactive docs.
pub const DOCS_PATH: &str = "/docs";
/// Path of the booking widget (static files, WASM-2).
pub const WIDGET_PATH: &str = "/widget/";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "rdv booking API",
        description = "Appointment booking: businesses publish services, opening hours and \
            availabilities; clients book; businesses confirm or cancel. Errors are RFC 9457 \
            problem details with a stable `code`. Times are RFC 3339 in UTC unless named local."
    ),
    modifiers(&BearerAuth),
    tags(
        (name = "auth", description = "Accounts and sessions"),
        (name = "client", description = "The signed-in client's profile and reservations"),
        (name = "entreprise", description = "The signed-in owner's business"),
        (name = "public", description = "Public reads: businesses, services, slots, snapshots"),
        (name = "admin", description = "Business validation"),
        (name = "ops", description = "Health and metrics"),
    )
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

/// The API routes and their OpenAPI document.
pub fn api() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    let (router, mut doc) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(routes::auth::router())
        .merge(routes::client::router())
        .merge(routes::entreprise::router())
        .merge(routes::public::router())
        .merge(routes::admin::router())
        .merge(routes::notifications::router())
        .merge(routes::ops::router())
        .split_for_parts();
    document_common_errors(&mut doc);
    (router, doc)
}

/// Every error answer is `application/problem+json`; every operation may answer 429 and 500,
/// and every operation that needs a token 401 and 403. Added here once rather than on each
/// handler.
fn document_common_errors(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::schema::Ref;
    use utoipa::openapi::{Content, RefOr, Response};

    let problem = || Content::new(Some(Ref::from_schema_name("Problem")));
    let answer = |description: &str| {
        let mut r = Response::new(description);
        r.content
            .insert("application/problem+json".into(), RefOr::T(problem()));
        RefOr::T(r)
    };
    for item in doc.paths.paths.values_mut() {
        for op in [
            &mut item.get,
            &mut item.post,
            &mut item.put,
            &mut item.delete,
        ]
        .into_iter()
        .flatten()
        {
            let secured = op.security.as_ref().is_some_and(|s| !s.is_empty());
            let responses = &mut op.responses.responses;
            for (status, response) in responses.iter_mut() {
                if let (true, RefOr::T(r)) = (!status.starts_with('2'), response) {
                    if let Some(content) = r.content.shift_remove("application/json") {
                        r.content.insert("application/problem+json".into(), content);
                    } else if r.content.is_empty() {
                        r.content
                            .insert("application/problem+json".into(), RefOr::T(problem()));
                    }
                }
            }
            if secured {
                responses
                    .entry("401".into())
                    .or_insert_with(|| answer("UNAUTHENTICATED or INVALID_TOKEN"));
                responses
                    .entry("403".into())
                    .or_insert_with(|| answer("FORBIDDEN (another role)"));
            }
            responses
                .entry("429".into())
                .or_insert_with(|| answer("RATE_LIMITED (see Retry-After)"));
            responses
                .entry("500".into())
                .or_insert_with(|| answer("INTERNAL_ERROR (only the request id is shown)"));
        }
    }
    let components = doc.components.get_or_insert_with(Default::default);
    components.schemas.insert(
        "Problem".into(),
        <crate::error::Problem as utoipa::PartialSchema>::schema(),
    );
}

/// The OpenAPI document alone (snapshot test, `openapi` CLI command).
pub fn openapi() -> utoipa::openapi::OpenApi {
    api().1
}

/// Per-IP rate limit (VAL-3); auth routes have their own, stricter budget.
async fn limit_by_ip(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let ip = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    if let Some(ip) = ip {
        let auth_route = request.uri().path().starts_with("/api/auth/");
        if let Err(e) = state.limits.check_ip(ip, auth_route) {
            return e.into_response();
        }
    }
    next.run(request).await
}

fn cors(state: &AppState) -> CorsLayer {
    let origins: Vec<HeaderValue> = state
        .config
        .cors_origins
        .iter()
        .filter_map(|o| HeaderValue::from_str(o.trim()).ok())
        .collect();
    CorsLayer::new()
        .allow_origin(AllowOrigin::list(origins))
        .allow_methods([
            Method::GET,
            Method::POST,
            Method::PUT,
            Method::DELETE,
            Method::OPTIONS,
        ])
        .allow_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            HeaderName::from_static("idempotency-key"),
            HeaderName::from_static("x-request-id"),
        ])
        .expose_headers([HeaderName::from_static("x-request-id"), header::RETRY_AFTER])
        .max_age(std::time::Duration::from_secs(600))
}

/// The whole application.
pub fn router(state: AppState) -> Router {
    let (api_routes, doc) = api();
    let body_limit = state.config.body_limit_bytes as usize;
    // The widget is static files, not API: its page and the WASM package beside it.
    let widget = ServeDir::new(&state.config.widget_dir)
        .append_index_html_on_directories(true)
        .not_found_service(axum::handler::HandlerWithoutStateExt::into_service(
            route_not_found,
        ));
    let wasm_pkg = ServeDir::new(&state.config.wasm_pkg_dir).not_found_service(
        axum::handler::HandlerWithoutStateExt::into_service(route_not_found),
    );
    Router::new()
        .merge(api_routes)
        .merge(SwaggerUi::new(DOCS_PATH).url(OPENAPI_PATH, doc))
        .nest_service("/widget/pkg", wasm_pkg)
        .nest_service("/widget", widget)
        .route_layer(from_fn(record_route))
        .fallback(route_not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
        .layer(from_fn_with_state(state.clone(), limit_by_ip))
        // A panic answers a problem document (inside `observe`, so it is logged and counted).
        .layer(CatchPanicLayer::custom(
            |_: Box<dyn std::any::Any + Send>| {
                crate::error::ApiError::internal("a handler panicked").into_response()
            },
        ))
        .layer(cors(&state))
        .layer(from_fn_with_state(state.metrics.clone(), observe))
        .with_state(state)
}
