//! `/api/entreprise/exports/…` as PDF (issue 18 item 3, ADV-2): the **day sheet** of each
//! resource (who comes when, for what, with their phone: what a salon prints in the morning)
//! and the **monthly statement** (appointments by outcome, completed and booked revenue per
//! currency, by service, by resource and by day). Their figures are the calendar's and the
//! statistics' use cases', so a sheet never disagrees with the dashboard; the layout is
//! [`crate::pdf`]'s. Labels and amounts are written in English or French (`lang`).

use axum::extract::State;
use axum::response::Response;
use chrono::{Datelike, NaiveDate};
use rdv_core::Timestamp;
use rdv_core::calendar::{CalendarRequest, CalendarReservation, ResourceCalendar};
use rdv_core::model::{Money, ReservationStatus, ResourceId, Zone};
use rdv_core::money::{Locale, format_money};
use rdv_core::stats::{Bucket, GroupFigures, MoneyFigure, Statistics};
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::business_access;
use crate::auth::BusinessSession;
use crate::error::{ApiError, ApiResult};
use crate::pdf::{Sheet, fit};
use crate::routes::ApiQuery;
use crate::state::AppState;

/// The routes of this file.
pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(export_day_sheet))
        .routes(routes!(export_monthly_statement))
}

/// The languages of the PDFs (the documented values of `lang`).
#[derive(utoipa::ToSchema)]
#[schema(rename_all = "lowercase")]
#[allow(
    dead_code,
    reason = "a schema only: `lang` is read as text and checked by `words`"
)]
pub enum PdfLanguage {
    /// English (the default).
    En,
    /// French.
    Fr,
}

/// The labels of one language.
struct Words {
    locale: Locale,
    chrono: chrono::Locale,
    day_sheet: &'static str,
    statement: &'static str,
    working: &'static str,
    not_working: &'static str,
    time: &'static str,
    client: &'static str,
    phone: &'static str,
    service: &'static str,
    status: &'static str,
    none: &'static str,
    appointments: &'static str,
    completed: &'static str,
    no_show: &'static str,
    cancelled: &'static str,
    completed_revenue: &'static str,
    booked_revenue: &'static str,
    by_service: &'static str,
    by_resource: &'static str,
    by_day: &'static str,
    date: &'static str,
    revenue: &'static str,
    statuses: [&'static str; 6],
}

const ENGLISH: Words = Words {
    locale: Locale::En,
    chrono: chrono::Locale::en_GB,
    day_sheet: "Day sheet",
    statement: "Monthly statement",
    working: "Working hours",
    not_working: "not working",
    time: "Time",
    client: "Client",
    phone: "Phone",
    service: "Service",
    status: "Status",
    none: "No appointments.",
    appointments: "Appointments",
    completed: "Completed",
    no_show: "No-shows",
    cancelled: "Cancelled",
    completed_revenue: "Completed revenue",
    booked_revenue: "Booked revenue (not yet completed)",
    by_service: "By service",
    by_resource: "By resource",
    by_day: "By day",
    date: "Date",
    revenue: "Revenue",
    statuses: [
        "pending",
        "confirmed",
        "completed",
        "no-show",
        "cancelled by the client",
        "cancelled by the business",
    ],
};

const FRENCH: Words = Words {
    locale: Locale::Fr,
    chrono: chrono::Locale::fr_FR,
    day_sheet: "Feuille du jour",
    statement: "Relevé mensuel",
    working: "Horaires",
    not_working: "ne travaille pas",
    time: "Heure",
    client: "Client",
    phone: "Téléphone",
    service: "Prestation",
    status: "Statut",
    none: "Aucun rendez-vous.",
    appointments: "Rendez-vous",
    completed: "Honorés",
    no_show: "Absences",
    cancelled: "Annulés",
    completed_revenue: "Chiffre d’affaires réalisé",
    booked_revenue: "Chiffre d’affaires réservé (à venir)",
    by_service: "Par prestation",
    by_resource: "Par ressource",
    by_day: "Par jour",
    date: "Date",
    revenue: "Chiffre d’affaires",
    statuses: [
        "en attente",
        "confirmé",
        "honoré",
        "absent",
        "annulé par le client",
        "annulé par l’établissement",
    ],
};

/// The words of `lang` (`en` by default, or `fr`); 422 `VALIDATION_FAILED` on `lang`
/// (`invalid_choice`) otherwise.
fn words(lang: Option<&str>) -> ApiResult<&'static Words> {
    match lang {
        None | Some("en") => Ok(&ENGLISH),
        Some("fr") => Ok(&FRENCH),
        Some(other) => Err(rdv_core::Error::field(
            "lang",
            "invalid_choice",
            format!("{other:?} is not one of en, fr"),
        )
        .into()),
    }
}

fn status_word(words: &Words, status: ReservationStatus) -> &'static str {
    let index = ReservationStatus::ALL
        .iter()
        .position(|s| *s == status)
        .unwrap_or(0);
    words.statuses[index]
}

fn pdf_file(name: &str, bytes: Vec<u8>) -> Response {
    super::exports::attachment("application/pdf", name, bytes.into())
}

/// `HH:MM` of `t` in `zone`.
fn clock(t: Timestamp, zone: Zone) -> String {
    t.to_utc()
        .with_timezone(&zone.0)
        .format("%H:%M")
        .to_string()
}

/// `HH:MM` of the end `t` of a span that began at `start`, `24:00` when it is the next local
/// midnight.
fn until(t: Timestamp, start: Timestamp, zone: Zone) -> String {
    let local = |x: Timestamp| x.to_utc().with_timezone(&zone.0);
    let (end, began) = (local(t), local(start));
    if end.date_naive() > began.date_naive() && end.format("%H:%M").to_string() == "00:00" {
        "24:00".to_owned()
    } else {
        clock(t, zone)
    }
}

/// The day sheet's query.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct DaySheetQuery {
    /// The local date, YYYY-MM-DD, in the business's time zone.
    #[param(value_type = String, format = Date)]
    pub date: String,
    /// Only this resource's page (a staff member's sheet is always their own resource's).
    #[param(value_type = Option<uuid::Uuid>)]
    pub resource_id: Option<ResourceId>,
    /// Language of the labels and amounts: `en` (default) or `fr`.
    #[param(value_type = Option<PdfLanguage>)]
    pub lang: Option<String>,
}

/// The day sheet: one page (or more) per resource with its working hours and the day's
/// reservations in order, each with its local time, client, phone, service and status
/// (cancelled ones included, so the desk knows who will not come).
#[utoipa::path(get, path = "/api/entreprise/exports/feuille-du-jour/", tag = "entreprise",
    security(("bearer" = [])),
    params(DaySheetQuery),
    responses(
        (status = 200, description = "A PDF (A4), one section per resource, fonts embedded", content_type = "application/pdf"),
        (status = 404, description = "NO_BUSINESS, NOT_FOUND (`resource_id` not one of the business's resources, or not the staff member's own)", body = crate::error::Problem),
        (status = 422, description = "VALIDATION_FAILED: `date` not YYYY-MM-DD (invalid_format) or out of range, `lang` not en or fr (invalid_choice)", body = crate::error::Problem),
    ))]
pub async fn export_day_sheet(
    State(state): State<AppState>,
    session: BusinessSession,
    ApiQuery(query): ApiQuery<DaySheetQuery>,
) -> ApiResult<Response> {
    let access = business_access(&state, &session).await?;
    let words = words(query.lang.as_deref())?;
    let only = access.narrow(query.resource_id)?;
    let request = CalendarRequest::parse("day", &query.date, true)?;
    let calendar = state
        .reads()
        .resource_calendar(access.id(), only, &request)
        .await?;
    let business = &access.business;
    let zone = business.time_zone;
    let day = request
        .date
        .format_localized("%A %-d %B %Y", words.chrono)
        .to_string();
    let mut sheet = Sheet::new(&format!("{} · {} · {day}", business.name, words.day_sheet));
    for (k, resource) in calendar.resources.iter().enumerate() {
        if k > 0 {
            sheet.new_page();
        }
        resource_section(&mut sheet, words, &business.name, &day, zone, resource);
    }
    if calendar.resources.is_empty() {
        sheet.title(&business.name, 16.0);
        sheet.line(words.none);
    }
    let pdf = sheet.finish(words.day_sheet).map_err(ApiError::internal)?;
    Ok(pdf_file(&format!("day-sheet-{}.pdf", request.date), pdf))
}

fn resource_section(
    sheet: &mut Sheet,
    words: &Words,
    business: &str,
    day: &str,
    zone: Zone,
    resource: &ResourceCalendar,
) {
    sheet.title(business, 16.0);
    sheet.title(
        &format!("{} · {} · {day}", words.day_sheet, resource.name),
        12.0,
    );
    let reservations: Vec<&CalendarReservation> =
        resource.days.iter().flat_map(|d| &d.reservations).collect();
    let hours: Vec<String> = resource
        .days
        .iter()
        .flat_map(|d| &d.working_hours)
        .map(|h| {
            format!(
                "{}–{}",
                clock(h.start(), zone),
                until(h.end(), h.start(), zone)
            )
        })
        .collect();
    let hours = if hours.is_empty() {
        words.not_working.to_owned()
    } else {
        hours.join(", ")
    };
    sheet.line(&format!("{}: {hours}", words.working));
    sheet.gap(6.0);
    if reservations.is_empty() {
        sheet.line(words.none);
        return;
    }
    let x = [0.0, 0.13, 0.39, 0.55, 0.70].map(Sheet::column);
    sheet.header(&[
        (x[0], words.time.to_owned()),
        (x[1], words.client.to_owned()),
        (x[2], words.phone.to_owned()),
        (x[3], words.service.to_owned()),
        (x[4], words.status.to_owned()),
    ]);
    for r in reservations {
        let client = format!("{} {}", r.client.first_name, r.client.last_name);
        sheet.row(&[
            (
                x[0],
                format!(
                    "{}–{}",
                    clock(r.interval.start(), zone),
                    until(r.interval.end(), r.interval.start(), zone)
                ),
            ),
            (x[1], fit(client.trim(), 24)),
            (x[2], r.client.phone.clone().unwrap_or_default()),
            (x[3], fit(&r.service_name, 14)),
            (x[4], fit(status_word(words, r.status), 28)),
        ]);
    }
    sheet.end_table();
}

/// The monthly statement's query.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct MonthlyStatementQuery {
    /// The month, YYYY-MM, in the business's time zone (2001-01 to 2098-12: its local bounds
    /// stay inside the statistics' 2000–2100 in every zone).
    #[param(pattern = "^20(0[1-9]|[1-8][0-9]|9[0-8])-(0[1-9]|1[0-2])$")]
    pub month: String,
    /// Language of the labels and amounts: `en` (default) or `fr`.
    #[param(value_type = Option<PdfLanguage>)]
    pub lang: Option<String>,
}

/// The first day of `month` (`YYYY-MM`) and of the month after; 422 on `month` otherwise.
fn month_bounds(month: &str) -> ApiResult<(NaiveDate, NaiveDate)> {
    let invalid = |code: &str, why: &str| -> ApiError {
        rdv_core::Error::field("month", code, format!("{month:?}: {why}")).into()
    };
    let first = NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d")
        .ok()
        .filter(|_| month.len() == 7)
        .ok_or_else(|| invalid("invalid_format", "expected YYYY-MM"))?;
    if !(2001..=2098).contains(&first.year()) {
        return Err(invalid(
            "out_of_range",
            "the month must be 2001-01 to 2098-12",
        ));
    }
    let next = first
        .checked_add_months(chrono::Months::new(1))
        .ok_or_else(|| invalid("out_of_range", "no following month"))?;
    Ok((first, next))
}

/// The monthly statement: the month's appointments by outcome, completed and booked revenue
/// per currency, then by service, by resource and by day (the statistics of the month, in
/// the business's time zone; staff get their resource's).
#[utoipa::path(get, path = "/api/entreprise/exports/releve-mensuel/", tag = "entreprise",
    security(("bearer" = [])),
    params(MonthlyStatementQuery),
    responses(
        (status = 200, description = "A PDF (A4), fonts embedded", content_type = "application/pdf"),
        (status = 404, description = "NO_BUSINESS", body = crate::error::Problem),
        (status = 422, description = "VALIDATION_FAILED: `month` not YYYY-MM (invalid_format) or outside 2001-01 to 2098-12 (out_of_range), `lang` not en or fr (invalid_choice)", body = crate::error::Problem),
    ))]
pub async fn export_monthly_statement(
    State(state): State<AppState>,
    session: BusinessSession,
    ApiQuery(query): ApiQuery<MonthlyStatementQuery>,
) -> ApiResult<Response> {
    let access = business_access(&state, &session).await?;
    let words = words(query.lang.as_deref())?;
    let (first, next) = month_bounds(&query.month)?;
    let zone = access.business.time_zone;
    let midnight = |d: NaiveDate| {
        d.and_hms_opt(0, 0, 0)
            .map(|t| rdv_core::tz::resolve_local(zone.0, t))
    };
    let (Some(from), Some(to)) = (midnight(first), midnight(next)) else {
        return Err(ApiError::internal("a month without a first day"));
    };
    let stats = super::StatisticsQuery {
        from,
        to,
        bucket: Some(Bucket::Day),
        service_id: None,
        resource_id: None,
    }
    .run(&state, &access)
    .await?;
    let month = first.format_localized("%B %Y", words.chrono).to_string();
    let business = &access.business;
    let mut sheet = Sheet::new(&format!(
        "{} · {} · {month}",
        business.name, words.statement
    ));
    if let Some((bytes, png, size)) = logo(&state, business.id).await? {
        sheet.logo(bytes, png, size);
    }
    sheet.title(&business.name, 16.0);
    let address = &business.address;
    let place = [
        address.street.as_str(),
        address.postal_code.as_str(),
        address.city.as_str(),
    ]
    .iter()
    .filter(|s| !s.is_empty())
    .copied()
    .collect::<Vec<_>>()
    .join(", ");
    if !place.is_empty() {
        sheet.line(&place);
    }
    sheet.title(&format!("{} · {month}", words.statement), 12.0);
    statement_totals(&mut sheet, words, &stats);
    for (title, groups) in [
        (words.by_service, &stats.by_service),
        (words.by_resource, &stats.by_resource),
    ] {
        sheet.gap(10.0);
        sheet.title(title, 12.0);
        group_table(&mut sheet, words, groups);
    }
    sheet.gap(10.0);
    sheet.title(words.by_day, 12.0);
    let x = [0.0, 0.3, 0.5, 0.7].map(Sheet::column);
    sheet.header(&[
        (x[0], words.date.to_owned()),
        (x[1], words.appointments.to_owned()),
        (x[2], words.completed.to_owned()),
        (x[3], words.revenue.to_owned()),
    ]);
    for b in stats.buckets.iter().filter(|b| b.appointments > 0) {
        sheet.row(&[
            (
                x[0],
                b.label
                    .format_localized("%a %-d %b", words.chrono)
                    .to_string(),
            ),
            (x[1], b.appointments.to_string()),
            (x[2], b.completed.to_string()),
            (x[3], amounts(words, &b.completed_revenue)),
        ]);
    }
    sheet.end_table();
    let pdf = sheet.finish(words.statement).map_err(ApiError::internal)?;
    Ok(pdf_file(&format!("statement-{}.pdf", query.month), pdf))
}

/// Amounts in `words`' convention, joined; `0` when there are none.
fn amounts(words: &Words, list: &[Money]) -> String {
    if list.is_empty() {
        return "0".to_owned();
    }
    list.iter()
        .map(|m| format_money(m, words.locale))
        .collect::<Vec<_>>()
        .join(" + ")
}

fn figure_amounts(words: &Words, list: &[MoneyFigure]) -> String {
    let money: Vec<Money> = list
        .iter()
        .filter(|m| m.value_minor != 0)
        .map(|m| Money::new(m.value_minor, m.currency))
        .collect();
    amounts(words, &money)
}

/// The business's logo for a PDF: its medium size's bytes, whether it is PNG (else JPEG),
/// and its proportions in pixels; `None` without a logo. A logo whose file cannot be read
/// leaves the statement without it (logged), rather than without a statement.
async fn logo(
    state: &AppState,
    business: rdv_core::model::BusinessId,
) -> ApiResult<Option<(Vec<u8>, bool, (u32, u32))>> {
    use crate::images::ImageStore as _;
    use rdv_storage::images::{ImageKind, ImageStore as _};
    let images = state.store().business_images(business.0).await?;
    let Some(logo) = images.into_iter().find(|i| i.kind == ImageKind::Logo) else {
        return Ok(None);
    };
    let size = (
        u32::try_from(logo.width).unwrap_or(0),
        u32::try_from(logo.height).unwrap_or(0),
    );
    match state.images.get(&logo.medium_key).await {
        Ok(Some(bytes)) => Ok(Some((bytes, logo.content_type == "image/png", size))),
        Ok(None) => Ok(None),
        Err(e) => {
            tracing::warn!(error = %e, key = %logo.medium_key, "the logo of a PDF cannot be read");
            Ok(None)
        }
    }
}

fn statement_totals(sheet: &mut Sheet, words: &Words, stats: &Statistics) {
    let t = &stats.totals;
    let x = [0.0, 0.55].map(Sheet::column);
    let cancelled = t.cancelled_by_client.value + t.cancelled_by_business.value;
    for (label, value) in [
        (words.appointments, t.appointments.value.to_string()),
        (words.completed, t.completed.value.to_string()),
        (words.no_show, t.no_show.value.to_string()),
        (words.cancelled, cancelled.to_string()),
        (
            words.completed_revenue,
            figure_amounts(words, &t.completed_revenue),
        ),
        (
            words.booked_revenue,
            figure_amounts(words, &t.booked_revenue),
        ),
    ] {
        sheet.row(&[(x[0], label.to_owned()), (x[1], value)]);
    }
}

fn group_table(sheet: &mut Sheet, words: &Words, groups: &[GroupFigures]) {
    let x = [0.0, 0.4, 0.56, 0.72].map(Sheet::column);
    sheet.header(&[
        (x[0], String::new()),
        (x[1], words.appointments.to_owned()),
        (x[2], words.completed.to_owned()),
        (x[3], words.revenue.to_owned()),
    ]);
    for g in groups {
        sheet.row(&[
            (x[0], fit(&g.name, 34)),
            (x[1], g.appointments.value.to_string()),
            (x[2], g.completed.value.to_string()),
            (x[3], figure_amounts(words, &g.completed_revenue)),
        ]);
    }
    sheet.end_table();
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests stop at the line that failed")]

    use super::*;

    /// A month is `YYYY-MM` between 2001-01 and 2098-12; its bounds are its first day and the
    /// next month's.
    #[test]
    fn months_parse_with_typed_errors() {
        let day = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert_eq!(
            month_bounds("2026-12").unwrap(),
            (day("2026-12-01"), day("2027-01-01"))
        );
        for (bad, code) in [
            ("2026-13", "invalid_format"),
            ("2026-1", "invalid_format"),
            ("march", "invalid_format"),
            ("1999-12", "out_of_range"),
        ] {
            let e = month_bounds(bad).unwrap_err();
            assert!(format!("{e:?}").contains(code), "{bad}: {e:?}");
        }
    }
}
