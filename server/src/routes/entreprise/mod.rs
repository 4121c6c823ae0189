//! `/api/entreprise/`: the signed-in owner's business (BIZ-3, BIZ-4), its resources, services
//! (SVC-*), availability windows (AV-*), reservations (RES-*), statistics (BIZ-5) and its
//! calendar (ADV-1), one file per resource.
//! Everything is scoped to the owner's own business: another business's object answers 404.

mod availabilities;
mod calendar;
mod profile;
mod reservations;
mod resources;
mod services;
mod statistics;

use rdv_core::model::Business;
use rdv_core::ports::{BusinessFilter, BusinessSort, DirectoryStore as _, PageRequest};
use utoipa_axum::router::OpenApiRouter;

use crate::auth::OwnerSession;
use crate::error::{ApiError, ApiResult, HttpCode};
use crate::state::AppState;

pub use self::availabilities::{
    BulkWindows, DeleteWindowQuery, HeldAction, WindowBounds, WindowInput, WindowQuery,
};
pub use self::calendar::CalendarQuery;
pub use self::resources::NewResourceRequest;
pub use self::statistics::StatisticsQuery;

/// The routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(profile::router())
        .merge(resources::router())
        .merge(services::router())
        .merge(availabilities::router())
        .merge(calendar::router())
        .merge(reservations::router())
        .merge(statistics::router())
}

/// The owner's business, or 404 `NO_BUSINESS`.
pub(crate) async fn my_business(state: &AppState, session: &OwnerSession) -> ApiResult<Business> {
    find_business(state, session).await?.ok_or_else(|| {
        ApiError::new(
            HttpCode::NoBusiness,
            "create your business first (POST /api/entreprise/mon-entreprise/)",
        )
    })
}

pub(super) async fn find_business(
    state: &AppState,
    session: &OwnerSession,
) -> ApiResult<Option<Business>> {
    let filter = BusinessFilter {
        owner_id: Some(rdv_core::model::UserId::from_uuid(session.0.user_id)),
        ..BusinessFilter::default()
    };
    let page = state
        .store()
        .list_businesses(&filter, BusinessSort::NameAsc, &PageRequest::first(1))
        .await?;
    Ok(page.items.into_iter().next())
}
