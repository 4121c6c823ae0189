//! `/api/entreprise/exports/`: the business's data as CSV files (issue 18 item 3, ADV-2):
//! its reservations (with the list's filters), its clients, its services and its statistics
//! (one row per bucket).
//!
//! The files follow RFC 4180 (written by the `csv` crate: quotes, commas and line breaks
//! inside cells are quoted), in UTF-8, with an optional byte order mark (`bom=true`) for
//! spreadsheets that need it to read UTF-8. A cell that a spreadsheet would run as a formula
//! (starting with `=`, `+`, `-`, `@`, a tab or a carriage return) is prefixed with `'`
//! ([`neutralised`]), so an exported name like `=HYPERLINK(…)` stays text.
//!
//! Reservations are streamed: read a page at a time through the list's keyset pagination and
//! written out as they come, so 100,000 rows leave without being held in memory.

use std::borrow::Cow;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use futures_util::stream;
use rdv_core::Timestamp;
use rdv_core::contacts::{ClientFileEntry, merge_client_file};
use rdv_core::model::{Business, ReservationStatus, ResourceId, ServiceId, Zone};
use rdv_core::ports::{
    ContactStore as _, DirectoryStore as _, MAX_PAGE_SIZE, PageRequest, ReservationFilter,
    ReservationSort, ReservationView,
};
use rdv_core::stats::Bucket;
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{business_access, my_business};
use crate::auth::{BusinessSession, OwnerSession};
use crate::error::{ApiError, ApiResult};
use crate::routes::ApiQuery;
use crate::state::AppState;

/// The routes of this file.
pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(export_reservations))
        .routes(routes!(export_clients))
        .routes(routes!(export_services))
        .routes(routes!(export_statistics))
}

const CSV: &str = "text/csv; charset=utf-8";
/// UTF-8's byte order mark.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// A cell as a spreadsheet will show it: unchanged, or prefixed with `'` when it starts with a
/// character that makes it a formula (`=`, `+`, `-`, `@`, tab, carriage return; OWASP's list
/// for CSV injection).
pub fn neutralised(cell: &str) -> Cow<'_, str> {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => Cow::Owned(format!("'{cell}")),
        _ => Cow::Borrowed(cell),
    }
}

/// One CSV record of `cells`, neutralised, as bytes.
fn record<'a>(cells: impl IntoIterator<Item = Cow<'a, str>>) -> ApiResult<Vec<u8>> {
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    let cells: Vec<Cow<'a, str>> = cells.into_iter().collect();
    writer
        .write_record(cells.iter().map(|c| neutralised(c).into_owned()))
        .map_err(|e| ApiError::internal(format!("csv: {e}")))?;
    writer
        .into_inner()
        .map_err(|e| ApiError::internal(format!("csv: {e}")))
}

/// The answer carrying a CSV file named `name`.
fn csv_file(name: &str, body: Body) -> Response {
    attachment(CSV, name, body)
}

/// A download: `body` of `content_type`, saved as `name`, never cached.
pub(super) fn attachment(content_type: &'static str, name: &str, body: Body) -> Response {
    let disposition = format!("attachment; filename=\"{name}\"");
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_str(&disposition)
                    .unwrap_or_else(|_| HeaderValue::from_static("attachment")),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        body,
    )
        .into_response()
}

/// `YYYY-MM-DD HH:MM` of `t` in `zone`.
fn local(t: Timestamp, zone: Zone) -> String {
    t.to_utc()
        .with_timezone(&zone.0)
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

/// Query of the reservations' export: the list's filters, and the byte order mark.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ReservationExportQuery {
    /// Comma-separated statuses: pending, confirmed, completed, no_show,
    /// cancelled_by_client, cancelled_by_business.
    #[param(value_type = Option<Vec<ReservationStatus>>, style = Form, explode = false)]
    pub status: Option<String>,
    /// Starting at or after (RFC 3339).
    #[param(value_type = Option<String>, format = DateTime)]
    pub from: Option<Timestamp>,
    /// Starting before (RFC 3339).
    #[param(value_type = Option<String>, format = DateTime)]
    pub to: Option<Timestamp>,
    /// Of this service.
    #[param(value_type = Option<uuid::Uuid>)]
    pub service_id: Option<ServiceId>,
    /// With this resource.
    #[param(value_type = Option<uuid::Uuid>)]
    pub resource_id: Option<ResourceId>,
    /// Also the reservations moved to the archive (default false).
    pub include_archived: Option<bool>,
    /// Start the file with UTF-8's byte order mark, for spreadsheets (default false).
    pub bom: Option<bool>,
}

const RESERVATION_HEADER: [&str; 15] = [
    "id",
    "status",
    "start_utc",
    "end_utc",
    "start_local",
    "end_local",
    "service",
    "resource",
    "client_first_name",
    "client_last_name",
    "client_email",
    "client_phone",
    "price_minor",
    "currency",
    "created_at_utc",
];

fn reservation_record(v: &ReservationView, zone: Zone) -> ApiResult<Vec<u8>> {
    let r = &v.reservation;
    let (start, end) = (r.interval.start(), r.interval.end());
    record([
        Cow::Owned(r.id.to_string()),
        Cow::Borrowed(r.status.as_str()),
        Cow::Owned(start.to_string()),
        Cow::Owned(end.to_string()),
        Cow::Owned(local(start, zone)),
        Cow::Owned(local(end, zone)),
        Cow::Borrowed(v.service_name.as_str()),
        Cow::Borrowed(v.resource_name.as_str()),
        Cow::Borrowed(v.client.first_name.as_str()),
        Cow::Borrowed(v.client.last_name.as_str()),
        Cow::Borrowed(v.client.email.as_str()),
        Cow::Borrowed(v.client.phone.as_deref().unwrap_or("")),
        Cow::Owned(r.price.amount_minor.to_string()),
        Cow::Borrowed(r.price.currency.as_str()),
        Cow::Owned(r.created_at.to_string()),
    ])
}

/// A failure after the answer's head is sent cannot change its status: the server logs it
/// and ends the body early, so the client sees a cut transfer, never a complete-looking file.
fn io(e: ApiError) -> std::io::Error {
    tracing::error!(error = ?e, "reservation export stopped");
    std::io::Error::other("the export stopped; see the server's log")
}

/// Where the stream of reservation pages stands.
enum Pages {
    /// The header (and the byte order mark) is still to send.
    Start,
    /// The next page starts after this cursor (`None`: the first page).
    Next(Option<String>),
    /// Everything was sent.
    Done,
}

/// The business's reservations as a CSV file, one row per reservation with the client's name,
/// email and phone, times in UTC and in the business's zone, sorted by start; the list's
/// filters apply. Streamed page by page.
#[utoipa::path(get, path = "/api/entreprise/exports/reservations/", tag = "entreprise",
    security(("bearer" = [])),
    params(ReservationExportQuery),
    responses(
        (status = 200, description = "RFC 4180 CSV, UTF-8: id, status, start_utc, end_utc, start_local, end_local, service, resource, client_first_name, client_last_name, client_email, client_phone, price_minor, currency, created_at_utc", content_type = "text/csv"),
        (status = 404, description = "NO_BUSINESS", body = crate::error::Problem),
        (status = 422, description = "VALIDATION_FAILED (status: invalid_value)", body = crate::error::Problem),
    ))]
pub async fn export_reservations(
    State(state): State<AppState>,
    session: OwnerSession,
    ApiQuery(query): ApiQuery<ReservationExportQuery>,
) -> ApiResult<Response> {
    let business = my_business(&state, &session).await?;
    let statuses = crate::routes::client::parse_statuses(query.status.as_deref())?;
    let filter = ReservationFilter {
        business_id: Some(business.id),
        service_id: query.service_id,
        resource_id: query.resource_id,
        statuses,
        from: query.from,
        to: query.to,
        include_archived: query.include_archived.unwrap_or(false),
        client_id: None,
        client_ids: None,
    };
    let zone = business.time_zone;
    let bom = query.bom.unwrap_or(false);
    let name = format!(
        "reservations-{}.csv",
        local(state.now(), zone).get(..10).unwrap_or("export")
    );
    let pages = stream::unfold(Pages::Start, move |at| {
        let (state, filter) = (state.clone(), filter.clone());
        async move {
            let cursor = match at {
                Pages::Done => return None,
                Pages::Start => {
                    let mut head = if bom { BOM.to_vec() } else { Vec::new() };
                    match record(RESERVATION_HEADER.map(Cow::Borrowed)) {
                        Ok(bytes) => head.extend(bytes),
                        Err(e) => return Some((Err(io(e)), Pages::Done)),
                    }
                    return Some((Ok(Bytes::from(head)), Pages::Next(None)));
                }
                Pages::Next(cursor) => cursor,
            };
            let page = PageRequest {
                limit: MAX_PAGE_SIZE,
                cursor,
            };
            let result = state
                .reads()
                .list_reservations(&filter, ReservationSort::StartAsc, &page)
                .await;
            let page = match result {
                Ok(page) => page,
                Err(e) => return Some((Err(io(ApiError::from(e))), Pages::Done)),
            };
            let mut out = Vec::with_capacity(page.items.len() * 160);
            for v in &page.items {
                match reservation_record(v, zone) {
                    Ok(bytes) => out.extend(bytes),
                    Err(e) => return Some((Err(io(e)), Pages::Done)),
                }
            }
            let next = match page.next_cursor {
                Some(cursor) => Pages::Next(Some(cursor)),
                None => Pages::Done,
            };
            Some((Ok(Bytes::from(out)), next))
        }
    });
    Ok(csv_file(&name, Body::from_stream(pages)))
}

/// Writes the reservations of `business` that `filter` keeps to `out`, as the file of
/// [`export_reservations`] (the CLI's `export`), a page at a time; `progress` hears how many
/// rows are written after each page. The number of rows.
pub async fn write_reservations_csv(
    state: &AppState,
    business: &Business,
    filter: &ReservationFilter,
    bom: bool,
    out: &mut impl std::io::Write,
    mut progress: impl FnMut(u64),
) -> ApiResult<u64> {
    let failed = |e: std::io::Error| ApiError::internal(format!("writing the export: {e}"));
    if bom {
        out.write_all(BOM).map_err(failed)?;
    }
    out.write_all(&record(RESERVATION_HEADER.map(Cow::Borrowed))?)
        .map_err(failed)?;
    let (mut cursor, mut rows) = (None, 0u64);
    loop {
        let page = state
            .reads()
            .list_reservations(
                filter,
                ReservationSort::StartAsc,
                &PageRequest {
                    limit: MAX_PAGE_SIZE,
                    cursor,
                },
            )
            .await?;
        for v in &page.items {
            out.write_all(&reservation_record(v, business.time_zone)?)
                .map_err(failed)?;
        }
        rows += page.items.len() as u64;
        progress(rows);
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    out.flush().map_err(failed)?;
    Ok(rows)
}

/// Query of the clients' and services' exports.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ExportQuery {
    /// Start the file with UTF-8's byte order mark, for spreadsheets (default false).
    pub bom: Option<bool>,
}

/// The rows of the clients file (header first): the clients who booked with `business`, and
/// the imported contacts none of them is ([`merge_client_file`]), by last then first name;
/// `origin` says which (`account` or `imported`).
pub async fn clients_csv(state: &AppState, business: &Business) -> ApiResult<Vec<Vec<u8>>> {
    let clients = state.store().business_clients(business.id).await?;
    let contacts = state.store().business_contacts(business.id).await?;
    let file = merge_client_file(clients, contacts);
    let mut rows = vec![record(
        ["id", "first_name", "last_name", "email", "phone", "origin"].map(Cow::Borrowed),
    )?];
    for entry in &file {
        let (id, first, last, email, phone, origin) = match entry {
            ClientFileEntry::Account(c) => (
                c.id.to_string(),
                &c.first_name,
                &c.last_name,
                &c.email,
                &c.phone,
                "account",
            ),
            ClientFileEntry::Contact(c) => (
                c.id.to_string(),
                &c.first_name,
                &c.last_name,
                &c.email,
                &c.phone,
                "imported",
            ),
        };
        rows.push(record([
            Cow::Owned(id),
            Cow::Borrowed(first.as_str()),
            Cow::Borrowed(last.as_str()),
            Cow::Borrowed(email.as_str()),
            Cow::Borrowed(phone.as_deref().unwrap_or("")),
            Cow::Borrowed(origin),
        ])?);
    }
    Ok(rows)
}

/// The rows of the services file (header first), by name.
pub async fn services_csv(state: &AppState, business: &Business) -> ApiResult<Vec<Vec<u8>>> {
    let mut services = state.store().list_services(business.id).await?;
    services.sort_by(|a, b| (&a.name, a.id).cmp(&(&b.name, b.id)));
    let header = [
        "id",
        "name",
        "category",
        "tags",
        "active",
        "duration_minutes",
        "price_minor",
        "currency",
    ];
    let mut rows = vec![record(header.map(Cow::Borrowed))?];
    for s in &services {
        rows.push(record([
            Cow::Owned(s.id.to_string()),
            Cow::Borrowed(s.name.as_str()),
            Cow::Borrowed(s.category.as_deref().unwrap_or("")),
            Cow::Owned(s.tags.join("|")),
            Cow::Borrowed(if s.active { "true" } else { "false" }),
            Cow::Owned(s.rules.duration_minutes.to_string()),
            Cow::Owned(s.price.amount_minor.to_string()),
            Cow::Borrowed(s.price.currency.as_str()),
        ])?);
    }
    Ok(rows)
}

/// The bytes of a whole CSV file of `rows`, after a byte order mark when `bom`.
pub fn csv_bytes(bom: bool, rows: Vec<Vec<u8>>) -> Vec<u8> {
    let mut out = if bom { BOM.to_vec() } else { Vec::new() };
    for row in rows {
        out.extend(row);
    }
    out
}

fn whole_file(bom: bool, rows: Vec<Vec<u8>>) -> Body {
    Body::from(csv_bytes(bom, rows))
}

/// The clients who booked with the business, as a CSV file: id, first and last name, email,
/// phone, by last then first name.
#[utoipa::path(get, path = "/api/entreprise/exports/clients/", tag = "entreprise",
    security(("bearer" = [])),
    params(ExportQuery),
    responses(
        (status = 200, description = "RFC 4180 CSV, UTF-8: id, first_name, last_name, email, phone", content_type = "text/csv"),
        (status = 404, description = "NO_BUSINESS", body = crate::error::Problem),
    ))]
pub async fn export_clients(
    State(state): State<AppState>,
    session: OwnerSession,
    ApiQuery(query): ApiQuery<ExportQuery>,
) -> ApiResult<Response> {
    let business = my_business(&state, &session).await?;
    let rows = clients_csv(&state, &business).await?;
    Ok(csv_file(
        "clients.csv",
        whole_file(query.bom.unwrap_or(false), rows),
    ))
}

/// The business's services, as a CSV file: id, name, category, tags (separated by `|`),
/// active, duration, price, by name.
#[utoipa::path(get, path = "/api/entreprise/exports/services/", tag = "entreprise",
    security(("bearer" = [])),
    params(ExportQuery),
    responses(
        (status = 200, description = "RFC 4180 CSV, UTF-8: id, name, category, tags, active, duration_minutes, price_minor, currency", content_type = "text/csv"),
        (status = 404, description = "NO_BUSINESS", body = crate::error::Problem),
    ))]
pub async fn export_services(
    State(state): State<AppState>,
    session: OwnerSession,
    ApiQuery(query): ApiQuery<ExportQuery>,
) -> ApiResult<Response> {
    let business = my_business(&state, &session).await?;
    let rows = services_csv(&state, &business).await?;
    Ok(csv_file(
        "services.csv",
        whole_file(query.bom.unwrap_or(false), rows),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_cells_are_neutralised_and_others_kept() {
        for (cell, shown) in [
            ("=1+1", "'=1+1"),
            ("+33612345678", "'+33612345678"),
            ("-2", "'-2"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tx", "'\tx"),
            ("Dupont", "Dupont"),
            ("", ""),
            ("a=b", "a=b"),
        ] {
            assert_eq!(neutralised(cell), shown, "{cell:?}");
        }
    }

    #[test]
    fn records_quote_what_rfc_4180_quotes() {
        let bytes = record(["a,b", "say \"hi\"", "two\nlines", "=x"].map(Cow::Borrowed)).unwrap();
        assert_eq!(
            String::from_utf8(bytes).unwrap(),
            "\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",'=x\r\n"
        );
    }
}

/// Query of the statistics' export: the statistics' query, and the byte order mark.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct StatisticsExportQuery {
    /// Start of the period, included (RFC 3339); 2000-01-01T00:00:00Z or later.
    #[param(value_type = String, format = DateTime)]
    pub from: Timestamp,
    /// End of the period, excluded (RFC 3339): after `from`, at most 366 days later, and
    /// 2100-01-01T00:00:00Z or earlier.
    #[param(value_type = String, format = DateTime)]
    pub to: Timestamp,
    /// Size of the rows' buckets in the business's time zone: day (default), week (from
    /// Monday) or month.
    #[param(value_type = Option<Bucket>)]
    pub bucket: Option<Bucket>,
    /// Only this service's reservations.
    #[param(value_type = Option<uuid::Uuid>)]
    pub service_id: Option<ServiceId>,
    /// Only this resource's reservations and windows (a staff member's are always their own).
    #[param(value_type = Option<uuid::Uuid>)]
    pub resource_id: Option<ResourceId>,
    /// Start the file with UTF-8's byte order mark, for spreadsheets (default false).
    pub bom: Option<bool>,
}

/// The business's statistics as a CSV file, one row per bucket in the business's time zone
/// (the series of `/api/entreprise/statistiques/`, from the same use case): the local date the
/// bucket begins on, its UTC bounds, the counts by status, booked and available minutes,
/// utilisation, and for each currency of the period the completed and booked revenue in minor
/// units (`completed_revenue_EUR`, `booked_revenue_EUR`).
#[utoipa::path(get, path = "/api/entreprise/exports/statistiques/", tag = "entreprise",
    security(("bearer" = [])),
    params(StatisticsExportQuery),
    responses(
        (status = 200, description = "RFC 4180 CSV, UTF-8: label, start_utc, end_utc, created, appointments, pending, confirmed, completed, no_show, cancelled_by_client, cancelled_by_business, booked_minutes, available_minutes, utilisation, then completed_revenue_<CUR> and booked_revenue_<CUR> per currency", content_type = "text/csv"),
        (status = 404, description = "NO_BUSINESS, NOT_FOUND (a service or resource of another business, or not the staff member's)", body = crate::error::Problem),
        (status = 422, description = "INVALID_INTERVAL, RANGE_TOO_LARGE, VALIDATION_FAILED (as the statistics)", body = crate::error::Problem),
    ))]
pub async fn export_statistics(
    State(state): State<AppState>,
    session: BusinessSession,
    ApiQuery(query): ApiQuery<StatisticsExportQuery>,
) -> ApiResult<Response> {
    let access = business_access(&state, &session).await?;
    let stats = super::StatisticsQuery {
        from: query.from,
        to: query.to,
        bucket: query.bucket,
        service_id: query.service_id,
        resource_id: query.resource_id,
    }
    .run(&state, &access)
    .await?;
    let mut currencies: Vec<String> = stats
        .buckets
        .iter()
        .flat_map(|b| b.completed_revenue.iter().chain(&b.booked_revenue))
        .map(|m| m.currency.as_str().to_owned())
        .collect();
    currencies.sort_unstable();
    currencies.dedup();
    let mut header: Vec<Cow<'_, str>> = [
        "label",
        "start_utc",
        "end_utc",
        "created",
        "appointments",
        "pending",
        "confirmed",
        "completed",
        "no_show",
        "cancelled_by_client",
        "cancelled_by_business",
        "booked_minutes",
        "available_minutes",
        "utilisation",
    ]
    .map(Cow::Borrowed)
    .to_vec();
    for c in &currencies {
        header.push(Cow::Owned(format!("completed_revenue_{c}")));
        header.push(Cow::Owned(format!("booked_revenue_{c}")));
    }
    let mut rows = vec![record(header)?];
    let amount = |revenue: &[rdv_core::model::Money], currency: &str| -> String {
        revenue
            .iter()
            .find(|m| m.currency.as_str() == currency)
            .map_or(0, |m| m.amount_minor)
            .to_string()
    };
    for b in &stats.buckets {
        let mut cells: Vec<Cow<'_, str>> = vec![
            Cow::Owned(b.label.to_string()),
            Cow::Owned(b.interval.start().to_string()),
            Cow::Owned(b.interval.end().to_string()),
        ];
        for n in [
            b.created,
            b.appointments,
            b.pending,
            b.confirmed,
            b.completed,
            b.no_show,
            b.cancelled_by_client,
            b.cancelled_by_business,
            b.booked_minutes,
            b.available_minutes,
        ] {
            cells.push(Cow::Owned(n.to_string()));
        }
        cells.push(Cow::Owned(
            b.utilisation.map(|u| format!("{u:.4}")).unwrap_or_default(),
        ));
        for c in &currencies {
            cells.push(Cow::Owned(amount(&b.completed_revenue, c)));
            cells.push(Cow::Owned(amount(&b.booked_revenue, c)));
        }
        rows.push(record(cells)?);
    }
    Ok(csv_file(
        "statistics.csv",
        whole_file(query.bom.unwrap_or(false), rows),
    ))
}
