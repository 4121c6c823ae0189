//! `/api/entreprise/calendrier/`: the business's calendar of a day, a week (Monday to
//! Sunday) or a month in its time zone (ADV-1), which the dashboard draws: per day the opening
//! hours, special hours and closures, and per resource its working hours, availability
//! windows, reservations (who booked, what, status) and free gaps. The rules are
//! `rdv_core::calendar`'s.

use axum::extract::State;
use rdv_core::calendar::{Calendar, CalendarRequest, CalendarView};
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::business_access;
use crate::auth::BusinessSession;
use crate::error::ApiResult;
use crate::routes::{ApiQuery, Json};
use crate::state::AppState;

/// The routes of this file.
pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(calendar))
}

/// Query of the calendar. `view` and `date` are read as text and checked by the core, so a
/// bad value is a 422 naming the field.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct CalendarQuery {
    /// Which period around `date`: day, week (the ISO week, Monday to Sunday) or month.
    #[param(value_type = CalendarView)]
    pub view: String,
    /// Any local date of the period, `YYYY-MM-DD` in the business's time zone, 2000-01-01 to
    /// 2099-12-31.
    #[param(value_type = String, format = Date)]
    pub date: String,
    /// Also show reservations moved to the archive (default false).
    pub include_archived: Option<bool>,
    /// Only this resource (a staff member always sees only their own).
    #[param(value_type = Option<uuid::Uuid>)]
    pub resource_id: Option<rdv_core::model::ResourceId>,
}

/// The signed-in owner's (or staff member's: their resource only) calendar of one day, week or month: the days with their UTC bounds
/// in the business's time zone (23 or 25 hours on a DST change), each day's opening hours,
/// special hours and closures, and for every resource its working hours, windows,
/// reservations of every status with the client's name, email and phone and the service, and
/// its free gaps (windows inside working hours, minus pending and confirmed reservations with
/// their buffers).
#[utoipa::path(get, path = "/api/entreprise/calendrier/", tag = "entreprise",
    security(("bearer" = [])),
    params(CalendarQuery),
    responses(
        (status = 200, description = "The calendar of the period", body = Calendar),
        (status = 404, description = "NO_BUSINESS (the owner has no business yet), NOT_FOUND (`resource_id` not one of the business's resources, or not the staff member's own)", body = crate::error::Problem),
        (status = 422, description = "VALIDATION_FAILED: `view` not day, week or month (invalid_choice), `date` not YYYY-MM-DD (invalid_format) or outside 2000-01-01 to 2099-12-31 (out_of_range)", body = crate::error::Problem),
    ))]
pub async fn calendar(
    State(state): State<AppState>,
    session: BusinessSession,
    ApiQuery(query): ApiQuery<CalendarQuery>,
) -> ApiResult<Json<Calendar>> {
    let access = business_access(&state, &session).await?;
    let only = access.narrow(query.resource_id)?;
    let request = CalendarRequest::parse(
        &query.view,
        &query.date,
        query.include_archived.unwrap_or(false),
    )?;
    Ok(axum::Json(
        state
            .reads()
            .resource_calendar(access.id(), only, &request)
            .await?,
    ))
}
