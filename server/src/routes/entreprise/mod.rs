//! `/api/entreprise/`: the signed-in owner's business (BIZ-3, BIZ-4), its resources, services
//! (SVC-*), availability windows (AV-*), reservations (RES-*), statistics (BIZ-5) and its
//! calendar (ADV-1), one file per resource.
//! Everything is scoped to the owner's own business: another business's object answers 404.

mod availabilities;
mod busy_times;
mod calendar;
mod charts;
mod exports;
mod exports_pdf;
mod images;
mod imports;
mod profile;
mod reservations;
mod resources;
mod service_images;
mod services;
mod staff;
mod statistics;

use rdv_core::error::Entity;
use rdv_core::model::{Business, BusinessId, ResourceId, UserId};
use rdv_core::ports::{BusinessFilter, BusinessSort, DirectoryStore as _, PageRequest};
use rdv_core::scope::Scope;
use rdv_storage::accounts::Role;
use rdv_storage::staff::StaffStore as _;
use utoipa_axum::router::OpenApiRouter;

use crate::auth::{BusinessSession, OwnerSession};
use crate::error::{ApiError, ApiResult, HttpCode};
use crate::state::AppState;

pub use self::availabilities::{
    BulkWindows, DeleteWindowQuery, HeldAction, WindowBounds, WindowInput, WindowQuery,
};
pub use self::busy_times::{BusyImportQuery, BusyListQuery, BusyRemoveQuery};
pub use self::calendar::CalendarQuery;
pub use self::charts::{Chart, colours as chart_colours};
pub use self::exports::{
    ExportQuery, ReservationExportQuery, StatisticsExportQuery, clients_csv, csv_bytes,
    services_csv, write_reservations_csv,
};
pub use self::exports_pdf::{DaySheetQuery, MonthlyStatementQuery};
pub use self::images::{ImageOut, ImageUpload};
pub use self::imports::ImportQuery;
pub use self::resources::NewResourceRequest;
pub use self::staff::{StaffInvitation, StaffMemberOut};
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
        .merge(staff::router())
        .merge(exports::router())
        .merge(exports_pdf::router())
        .merge(imports::router())
        .merge(busy_times::router())
        .merge(charts::router())
        .merge(images::router())
}

/// The owner's business, or 404 `NO_BUSINESS`.
pub(crate) async fn my_business(state: &AppState, session: &OwnerSession) -> ApiResult<Business> {
    find_business(state, session).await?.ok_or_else(no_business)
}

pub(super) async fn find_business(
    state: &AppState,
    session: &OwnerSession,
) -> ApiResult<Option<Business>> {
    owned_business(state, session.0.user_id).await
}

async fn owned_business(state: &AppState, owner: rdv_core::Uuid) -> ApiResult<Option<Business>> {
    let filter = BusinessFilter {
        owner_id: Some(UserId::from_uuid(owner)),
        ..BusinessFilter::default()
    };
    let page = state
        .store()
        .list_businesses(&filter, BusinessSort::NameAsc, &PageRequest::first(1))
        .await?;
    Ok(page.items.into_iter().next())
}

/// Who acts for the business on a route its owner and its staff share.
#[derive(Debug)]
pub(crate) struct BusinessAccess {
    /// The business.
    pub business: Business,
    /// A staff member's resource; `None` for the owner.
    pub resource: Option<ResourceId>,
}

impl BusinessAccess {
    /// The scope of reservation use cases: the business, or the staff member's resource in it.
    pub fn scope(&self) -> Scope {
        match self.resource {
            Some(resource) => Scope::Staff {
                business: self.business.id,
                resource,
            },
            None => Scope::Business(self.business.id),
        }
    }

    /// The business's id.
    pub fn id(&self) -> BusinessId {
        self.business.id
    }

    /// The resource a request is about: what the owner asks for (any or none), a staff
    /// member's own resource whatever they ask; another resource is `NOT_FOUND` for them,
    /// as for an owner naming another business's resource.
    pub fn narrow(&self, asked: Option<ResourceId>) -> ApiResult<Option<ResourceId>> {
        match (self.resource, asked) {
            (None, asked) => Ok(asked),
            (Some(own), None) => Ok(Some(own)),
            (Some(own), Some(asked)) if asked == own => Ok(Some(own)),
            (Some(_), Some(_)) => Err(rdv_core::Error::NotFound {
                entity: Entity::Resource,
            }
            .into()),
        }
    }
}

/// The business of an owner's or a staff member's session: the owner's business (404
/// `NO_BUSINESS` without one), or the business and resource of the staff member's membership.
pub(crate) async fn business_access(
    state: &AppState,
    session: &BusinessSession,
) -> ApiResult<BusinessAccess> {
    let user = session.0.user_id;
    if session.0.role != Role::Staff {
        let business = owned_business(state, user).await?.ok_or_else(no_business)?;
        return Ok(BusinessAccess {
            business,
            resource: None,
        });
    }
    // A revoked member has no account any more, so its session fails before this point.
    let member =
        state.store().staff_by_user(user).await?.ok_or_else(|| {
            ApiError::new(HttpCode::InvalidToken, "this staff account is revoked")
        })?;
    let business = state
        .store()
        .get_business(BusinessId(member.business_id))
        .await?
        .ok_or_else(no_business)?;
    Ok(BusinessAccess {
        business,
        resource: Some(ResourceId(member.resource_id)),
    })
}

fn no_business() -> ApiError {
    ApiError::new(
        HttpCode::NoBusiness,
        "create your business first (POST /api/entreprise/mon-entreprise/)",
    )
}
