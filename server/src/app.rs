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
            problem details with a stable `code`. Times are RFC 3339 in UTC unless named local. \
            A path no operation has answers 404 `ROUTE_NOT_FOUND`, and a method a path does not \
            offer 405 `METHOD_NOT_ALLOWED` with an `Allow` header, both as problem details."
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
        .merge(routes::feeds::router())
        .merge(routes::images::router())
        .merge(routes::public::router())
        .merge(routes::admin::router())
        .merge(routes::notifications::router())
        .merge(routes::ops::router())
        .merge(routes::waitlist::router())
        .split_for_parts();
    document_common_errors(&mut doc);
    (router, doc)
}

/// Every error answer is `application/problem+json`; every operation may answer 429 and 500,
/// and 414 / 431 (a URI or header block too large, refused before routing), every operation
/// that needs a token 401 and 403, every one with a path or query parameter
/// 400 `INVALID_PARAMETER`, and every one with a JSON body 400 `MALFORMED_JSON`, 413, 422
/// `INVALID_BODY` and (when the body is required) 415. Added here once rather than on each
/// handler.
fn document_common_errors(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::path::ParameterIn;
    use utoipa::openapi::schema::Ref;
    use utoipa::openapi::{Content, RefOr, Required, Response};

    let problem = || Content::new(Some(Ref::from_schema_name("Problem")));
    let answer = |description: &str| {
        let mut r = Response::new(description);
        r.content
            .insert("application/problem+json".into(), RefOr::T(problem()));
        RefOr::T(r)
    };
    // Names `code` (its first word is the code) in the answer `status`: a new answer, or one
    // more code in the description of the answer the handler documents.
    let name_code = |responses: &mut std::collections::BTreeMap<String, RefOr<Response>>,
                     status: &str,
                     code: &str| {
        let word = code.split(' ').next().unwrap_or(code);
        match responses.get_mut(status) {
            Some(RefOr::T(r)) if !r.description.contains(word) => {
                r.description = format!("{}; {code}", r.description);
            }
            Some(_) => {}
            None => {
                responses.insert(status.into(), answer(code));
            }
        }
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
            // The extractors' own refusals: a path id or query that does not parse, and a
            // JSON body that is not JSON, not of the right shape, too large or not JSON at all.
            let parses_parameters = op.parameters.iter().flatten().any(|p| {
                matches!(p, RefOr::T(p) if matches!(p.parameter_in, ParameterIn::Path | ParameterIn::Query))
            });
            if parses_parameters {
                name_code(
                    responses,
                    "400",
                    "INVALID_PARAMETER (an id that is not a UUID, an unknown or malformed query parameter)",
                );
            }
            if let Some(RefOr::T(body)) = &op.request_body
                && body.content.contains_key("application/json")
            {
                name_code(responses, "400", "MALFORMED_JSON (the body is not JSON)");
                name_code(responses, "413", "PAYLOAD_TOO_LARGE");
                name_code(
                    responses,
                    "422",
                    "INVALID_BODY (unknown field, wrong type, missing field)",
                );
                if body.required == Some(Required::True) {
                    name_code(
                        responses,
                        "415",
                        "UNSUPPORTED_MEDIA_TYPE (the body is not application/json)",
                    );
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
            // Refused before routing: a request line or header block past hyper's limits.
            responses
                .entry("414".into())
                .or_insert_with(|| answer("URI_TOO_LONG"));
            responses
                .entry("431".into())
                .or_insert_with(|| answer("HEADERS_TOO_LARGE"));
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
        // The pages behind the links sent by email: HTML, so outside the OpenAPI document.
        .merge(crate::pages::router())
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

/// The server's listener: TCP connections whose HTTP layer's own error answers are problem
/// documents too.
///
/// hyper refuses some requests before any service sees them and answers them itself with an
/// empty body: a URI over 65,534 bytes (414, a constant of hyper that no option raises) and a
/// request head over its read buffer (431). Each connection is wrapped in a [`ProblemIo`] that
/// replaces those automatic answers, as hyper writes them, by the API's problem document with
/// the same status. They are recognised by their status line and by the `x-request-id` header
/// that every answer of the router carries and theirs lack; hyper closes the connection after
/// them.
pub struct ProblemListener(pub tokio::net::TcpListener);

impl axum::serve::Listener for ProblemListener {
    type Io = ProblemIo<tokio::net::TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        let (io, addr) = axum::serve::Listener::accept(&mut self.0).await;
        (ProblemIo::new(io), addr)
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        self.0.local_addr()
    }
}

/// A connection whose automatic answers of hyper are rewritten (see [`ProblemListener`]).
pub struct ProblemIo<T> {
    inner: T,
    /// Bytes of a rewritten answer not yet written to `inner`.
    pending: Vec<u8>,
    written: usize,
}

/// The automatic answers of hyper's HTTP/1 server, by status line, with the code answered.
const AUTOMATIC_ANSWERS: [(&[u8], crate::error::HttpCode); 2] = [
    (b"414 URI Too Long\r\n", crate::error::HttpCode::UriTooLong),
    (
        b"431 Request Header Fields Too Large\r\n",
        crate::error::HttpCode::HeadersTooLarge,
    ),
];

impl<T> ProblemIo<T> {
    fn new(inner: T) -> Self {
        Self {
            inner,
            pending: Vec::new(),
            written: 0,
        }
    }
}

/// If `head` is a whole automatic answer of hyper (and nothing else), the problem document
/// that replaces it, as bytes to send.
fn replacement(head: &[u8]) -> Option<Vec<u8>> {
    use crate::error::{ApiError, HttpCode};

    let status_line = head
        .strip_prefix(b"HTTP/1.1 ")
        .or_else(|| head.strip_prefix(b"HTTP/1.0 "))?;
    let (_, code) = AUTOMATIC_ANSWERS
        .iter()
        .find(|(line, _)| status_line.starts_with(line))?;
    let end = head.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
    let lower = head.to_ascii_lowercase();
    if end != head.len() || lower.windows(13).any(|w| w == b"x-request-id:") {
        return None;
    }
    let detail = match code {
        HttpCode::UriTooLong => "the URI is longer than 65534 bytes",
        _ => "the request line and headers are larger than the server reads",
    };
    let request_id = uuid::Uuid::new_v4().to_string();
    tracing::info!(request_id = %request_id, code = code.as_str(), "request refused by the HTTP layer");
    let status = code.status();
    let (problem, _) = ApiError::new(*code, detail).into_problem(request_id.clone());
    let body = serde_json::to_vec(&problem).unwrap_or_default();
    let mut answer = format!(
        "HTTP/1.1 {} {}\r\ncontent-type: application/problem+json\r\ncontent-length: {}\r\n\
         x-request-id: {request_id}\r\nx-content-type-options: nosniff\r\n\
         cache-control: no-store\r\nconnection: close\r\n\r\n",
        status.as_u16(),
        status.canonical_reason().unwrap_or("Error"),
        body.len(),
    )
    .into_bytes();
    answer.extend_from_slice(&body);
    Some(answer)
}

impl<T: tokio::io::AsyncWrite + Unpin> ProblemIo<T> {
    /// Writes what is left of a rewritten answer.
    fn poll_pending(
        &mut self,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        use std::task::Poll;
        while self.written < self.pending.len() {
            let rest = &self.pending[self.written..];
            match std::pin::Pin::new(&mut self.inner).poll_write(cx, rest) {
                Poll::Ready(Ok(0)) => {
                    return Poll::Ready(Err(std::io::ErrorKind::WriteZero.into()));
                }
                Poll::Ready(Ok(n)) => self.written += n,
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => return Poll::Pending,
            }
        }
        self.pending.clear();
        self.written = 0;
        Poll::Ready(Ok(()))
    }
}

impl<T: tokio::io::AsyncRead + Unpin> tokio::io::AsyncRead for ProblemIo<T> {
    fn poll_read(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.get_mut().inner).poll_read(cx, buf)
    }
}

impl<T: tokio::io::AsyncWrite + Unpin> tokio::io::AsyncWrite for ProblemIo<T> {
    fn poll_write(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        let this = self.get_mut();
        std::task::ready!(this.poll_pending(cx))?;
        if let Some(answer) = replacement(buf) {
            // hyper's answer counts as written; ours goes out now or on the next flush.
            this.pending = answer;
            let _ = this.poll_pending(cx)?;
            return std::task::Poll::Ready(Ok(buf.len()));
        }
        std::pin::Pin::new(&mut this.inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> std::task::Poll<std::io::Result<usize>> {
        let this = self.get_mut();
        std::task::ready!(this.poll_pending(cx))?;
        let first = bufs.iter().find(|b| !b.is_empty());
        if let Some(answer) = first.and_then(|b| replacement(b)) {
            this.pending = answer;
            let _ = this.poll_pending(cx)?;
            return std::task::Poll::Ready(Ok(first.map_or(0, |b| b.len())));
        }
        std::pin::Pin::new(&mut this.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        let this = self.get_mut();
        std::task::ready!(this.poll_pending(cx))?;
        std::pin::Pin::new(&mut this.inner).poll_flush(cx)
    }

    fn poll_shutdown(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        let this = self.get_mut();
        std::task::ready!(this.poll_pending(cx))?;
        std::pin::Pin::new(&mut this.inner).poll_shutdown(cx)
    }
}

/// No change to an accepted connection: wrapping [`ProblemListener`] in axum's `TapIo` with
/// this gives it axum's `ConnectInfo<SocketAddr>`, which axum implements for `TapIo`.
pub fn untouched(_: &mut ProblemIo<tokio::net::TcpStream>) {}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests stop at the line that failed")]

    use super::replacement;

    fn split(answer: &[u8]) -> (String, serde_json::Value) {
        let text = String::from_utf8(answer.to_vec()).unwrap();
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        (head.to_owned(), serde_json::from_str(body).unwrap())
    }

    #[test]
    fn hyper_automatic_answers_become_problems() {
        let head = b"HTTP/1.1 414 URI Too Long\r\ncontent-length: 0\r\ndate: Wed, 02 Dec 2026 02:00:00 GMT\r\n\r\n";
        let (head, body) = split(&replacement(head).unwrap());
        assert!(head.starts_with("HTTP/1.1 414 URI Too Long\r\n"), "{head}");
        assert!(
            head.contains("content-type: application/problem+json"),
            "{head}"
        );
        assert!(head.contains("connection: close"), "{head}");
        assert_eq!(
            (body["status"].as_u64(), body["code"].as_str()),
            (Some(414), Some("URI_TOO_LONG"))
        );
        assert!(head.contains(&format!(
            "x-request-id: {}",
            body["request_id"].as_str().unwrap()
        )));

        let head = b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-length: 0\r\n\r\n";
        let (head, body) = split(&replacement(head).unwrap());
        assert!(head.starts_with("HTTP/1.1 431 "), "{head}");
        assert_eq!(body["code"], "HEADERS_TOO_LARGE");
    }

    #[test]
    fn the_routers_answers_are_left_alone() {
        // The router's answers carry a request id; a head followed by a body is not hyper's.
        let ours = b"HTTP/1.1 414 URI Too Long\r\nx-request-id: abc\r\ncontent-length: 0\r\n\r\n";
        assert!(replacement(ours).is_none());
        let with_body = b"HTTP/1.1 414 URI Too Long\r\ncontent-length: 2\r\n\r\n{}";
        assert!(replacement(with_body).is_none());
        let other = b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n";
        assert!(replacement(other).is_none());
        assert!(replacement(b"{\"items\": []}").is_none());
    }
}
