//! Observability (ERR-4, OPS): a request id per request (kept from a sane incoming
//! `x-request-id`, else a new UUID) available to every error body, one structured log line per
//! request with request id, user id, route, status and latency, and Prometheus metrics
//! (requests by route and status, a latency histogram, bookings created and cancelled).

use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, header::HeaderName};
use axum::middleware::Next;
use axum::response::Response;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

/// What the request's code may learn about the request under way.
#[derive(Debug, Default)]
pub struct RequestContext {
    /// The request id.
    pub id: String,
    user: Mutex<Option<String>>,
    route: Mutex<Option<String>>,
}

tokio::task_local! {
    static CONTEXT: Arc<RequestContext>;
}

/// The id of the request being served (`-` outside a request).
pub fn current_request_id() -> String {
    CONTEXT
        .try_with(|c| c.id.clone())
        .unwrap_or_else(|_| "-".into())
}

/// Records who is making the request, for the log line.
pub fn set_user(id: &str) {
    let _ = CONTEXT.try_with(|c| {
        *c.user.lock().expect("context lock") = Some(id.to_owned());
    });
}

/// The header carrying the request id.
pub static REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Request metrics.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    requests: Family<RouteLabels, Counter>,
    latency: Family<RouteOnly, Histogram>,
    /// Reservations created.
    pub bookings_created: Counter,
    /// Reservations cancelled (by clients or businesses).
    pub bookings_cancelled: Counter,
    /// Notification delivery attempts by channel and outcome (`sent`, `retry`, `dead`).
    pub notifications: Family<NotificationLabels, Counter>,
}

/// Labels of the notification counter.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct NotificationLabels {
    /// `email`, `sms` or `webhook`.
    pub channel: String,
    /// `sent`, `retry` or `dead`.
    pub outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    method: String,
    route: String,
    status: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteOnly {
    method: String,
    route: String,
}

fn latency_histogram() -> Histogram {
    // 0.1 ms to ~3.3 s.
    Histogram::new(exponential_buckets(0.0001, 2.0, 16))
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::default();
        let requests = Family::<RouteLabels, Counter>::default();
        let latency = Family::<RouteOnly, Histogram>::new_with_constructor(
            latency_histogram as fn() -> Histogram,
        );
        let bookings_created = Counter::default();
        let bookings_cancelled = Counter::default();
        registry.register(
            "rdv_http_requests",
            "HTTP requests by method, route and status",
            requests.clone(),
        );
        registry.register(
            "rdv_http_request_duration_seconds",
            "HTTP request latency by method and route",
            latency.clone(),
        );
        registry.register(
            "rdv_bookings_created",
            "Reservations created",
            bookings_created.clone(),
        );
        registry.register(
            "rdv_bookings_cancelled",
            "Reservations cancelled",
            bookings_cancelled.clone(),
        );
        let notifications = Family::<NotificationLabels, Counter>::default();
        registry.register(
            "rdv_notifications",
            "Notification delivery attempts by channel and outcome (sent, retry, dead)",
            notifications.clone(),
        );
        Self {
            registry,
            requests,
            latency,
            bookings_created,
            bookings_cancelled,
            notifications,
        }
    }
}

impl Metrics {
    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        let mut out = String::new();
        prometheus_client::encoding::text::encode(&mut out, &self.registry)
            .expect("writing to a String cannot fail");
        out
    }
}

fn sane_request_id(value: &HeaderValue) -> Option<String> {
    let s = value.to_str().ok()?;
    (!s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.'))
    .then(|| s.to_owned())
}

/// Outer middleware: request id, log line, metrics.
pub async fn observe(
    State(metrics): State<Arc<Metrics>>,
    request: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let id = request
        .headers()
        .get(&REQUEST_ID)
        .and_then(sane_request_id)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    // Only the standard methods get their own label (bounded metric cardinality).
    let method = match request.method().as_str() {
        m @ ("GET" | "POST" | "PUT" | "DELETE" | "PATCH" | "HEAD" | "OPTIONS") => m.to_owned(),
        _ => "OTHER".to_owned(),
    };
    let context = Arc::new(RequestContext {
        id: id.clone(),
        ..RequestContext::default()
    });
    let mut response = CONTEXT.scope(context.clone(), next.run(request)).await;
    let elapsed = started.elapsed();
    let status = response.status().as_u16();
    let route = context
        .route
        .lock()
        .expect("context lock")
        .clone()
        .unwrap_or_else(|| "<unmatched>".into());
    let user = context.user.lock().expect("context lock").clone();
    if let Ok(v) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(REQUEST_ID.clone(), v);
    }
    metrics
        .requests
        .get_or_create(&RouteLabels {
            method: method.clone(),
            route: route.clone(),
            status: status.to_string(),
        })
        .inc();
    metrics
        .latency
        .get_or_create(&RouteOnly {
            method: method.clone(),
            route: route.clone(),
        })
        .observe(elapsed.as_secs_f64());
    tracing::info!(
        request_id = %id,
        user_id = user.as_deref().unwrap_or("-"),
        method = %method,
        route = %route,
        status,
        latency_ms = elapsed.as_secs_f64() * 1000.0,
        "request"
    );
    response
}

/// Inner middleware (routed requests only): records the matched route template, so logs
/// and metrics never carry ids from the path.
pub async fn record_route(request: Request, next: Next) -> Response {
    if let Some(path) = request.extensions().get::<MatchedPath>() {
        let route = path.as_str().to_owned();
        let _ = CONTEXT.try_with(|c| *c.route.lock().expect("context lock") = Some(route));
    }
    next.run(request).await
}
