//! Public reads, no account needed: validated businesses (list with filters and sort, search,
//! detail, services), the free slots of a service computed by the core (CORE-5), and the
//! schedule snapshot browsers and apps compute slots from themselves (WASM-1).
//!
//! Businesses carry their `logo` and `cover`, services their ordered `images` (the URLs of
//! each image's sizes, `docs/images.md`).
//!
//! Nothing here shows an owner id, an email or a phone number (DATA-2). Business details,
//! service lists and slot answers are cached in process and dropped on every write to the
//! business (PERF-3); slot answers also last one clock second at most, and are sent gzip-
//! compressed to clients that accept it ([`crate::state::PublicCache`]).

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use rdv_core::catalog::{CatalogFilter, CategoryCount};
use rdv_core::error::Entity;
use rdv_core::model::{Business, BusinessId, Service, ServiceId};
use rdv_core::ports::{BusinessSort, DirectoryStore as _};
use rdv_core::search::{SearchHit, SearchQuery};
use rdv_core::slots::Schedule;
use rdv_core::{Error, Interval, Timestamp};
use rdv_storage::images::{ImageKind, ImageStore as _, StoredImage};
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::entreprise::ImageOut;
use super::{ApiPath, ApiQuery, Json, PageOut, page_loaded, page_request};
use crate::error::{ApiError, ApiResult};
use crate::state::{AppState, SlotBody, SlotKey};

/// The routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_businesses))
        .routes(routes!(list_categories))
        .routes(routes!(search))
        .routes(routes!(get_business))
        .routes(routes!(business_services))
        .routes(routes!(get_service))
        .routes(routes!(service_slots))
        .routes(routes!(service_snapshot))
}

/// A business as the public sees it.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PublicBusiness {
    /// Identifier.
    pub id: BusinessId,
    /// Name.
    pub name: String,
    /// Line of business.
    pub domain: String,
    /// Description.
    pub description: String,
    /// City.
    pub city: String,
    /// Address.
    pub address: rdv_core::model::Address,
    /// IANA time zone: every local time of the business is in it.
    pub time_zone: rdv_core::model::Zone,
    /// Weekly opening hours.
    pub opening_hours: rdv_core::hours::OpeningHours,
    /// Closures and holidays.
    pub closures: Vec<rdv_core::hours::Closure>,
    /// Dates with other opening hours than their weekday's.
    pub special_hours: Vec<rdv_core::hours::SpecialHours>,
    /// The logo's sizes (`thumb`, `medium`, `original` URLs), if the business has one.
    pub logo: Option<ImageOut>,
    /// The cover picture's sizes, if the business has one.
    pub cover: Option<ImageOut>,
}

impl PublicBusiness {
    /// This business with its logo and cover among `images` (rows of any businesses).
    fn with_images(mut self, state: &AppState, images: &[StoredImage]) -> Self {
        let find = |kind: ImageKind| {
            images
                .iter()
                .find(|i| i.business_id == self.id.0 && i.kind == kind)
                .map(|i| ImageOut::new(state, i))
        };
        self.logo = find(ImageKind::Logo);
        self.cover = find(ImageKind::Cover);
        self
    }
}

/// An active service as the public sees it: the service and its images, in order.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PublicService {
    /// The service.
    #[serde(flatten)]
    pub service: Service,
    /// Its images, first shown first (each with `thumb`, `medium`, `original` URLs).
    pub images: Vec<ImageOut>,
}

impl PublicService {
    /// `service` with its images among `images` (rows of its business, in order).
    fn new(state: &AppState, service: Service, images: &[StoredImage]) -> Self {
        let images = images
            .iter()
            .filter(|i| i.service_id == Some(service.id.0))
            .map(|i| ImageOut::new(state, i))
            .collect();
        Self { service, images }
    }
}

impl From<Business> for PublicBusiness {
    fn from(b: Business) -> Self {
        Self {
            id: b.id,
            name: b.name,
            domain: b.domain,
            description: b.description,
            city: b.city,
            address: b.address,
            time_zone: b.time_zone,
            opening_hours: b.opening_hours,
            closures: b.closures,
            special_hours: b.special_hours,
            logo: None,
            cover: None,
        }
    }
}

/// Filters of the public business list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct BusinessQuery {
    /// Line of business (exact, case-insensitive).
    pub domain: Option<String>,
    /// City (exact, case-insensitive).
    pub city: Option<String>,
    /// Only businesses with an active service of this category (case-insensitive).
    #[param(max_length = 60, example = "coupe")]
    pub category: Option<String>,
    /// Only businesses with an active service carrying this tag (case-insensitive).
    #[param(max_length = 40, example = "femme")]
    pub tag: Option<String>,
    /// `name_asc` (default) or `name_desc`.
    #[param(value_type = Option<BusinessSort>, inline)]
    pub sort: Option<BusinessSort>,
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    #[param(schema_with = crate::routes::business_cursor_schema)]
    pub cursor: Option<String>,
}

/// Validated businesses, filtered and sorted, a page at a time.
#[utoipa::path(get, path = "/api/entreprises/", tag = "public",
    params(BusinessQuery),
    responses(
        (status = 200, description = "A page of businesses", body = PageOut<PublicBusiness>),
        (status = 422, description = "VALIDATION_FAILED (limit, cursor; category, tag: required when given, too_long, markup)", body = crate::error::Problem),
    ))]
pub async fn list_businesses(
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<BusinessQuery>,
) -> ApiResult<Json<PageOut<PublicBusiness>>> {
    let page = page_request(query.limit, query.cursor)?;
    let catalog = CatalogFilter::parse(query.category.as_deref(), query.tag.as_deref())?;
    let filter = rdv_core::visibility::public_business_filter(query.domain, query.city, catalog);
    let result = state
        .store()
        .list_businesses(&filter, query.sort.unwrap_or_default(), &page)
        .await?;
    let ids: Vec<rdv_core::Uuid> = result.items.iter().map(|b| b.id.0).collect();
    let images = state.store().logos_and_covers(&ids).await?;
    Ok(axum::Json(PageOut {
        items: result
            .items
            .into_iter()
            .map(|b| PublicBusiness::from(b).with_images(&state, &images))
            .collect(),
        next_cursor: result.next_cursor,
        limit: page.limit,
    }))
}

/// The categories of the public catalogue: those of the active services of validated
/// businesses, each with how many services and businesses carry it, by name. Filter the
/// business list and a business's services with them (`?category=`).
#[utoipa::path(get, path = "/api/categories/", tag = "public",
    responses(
        (status = 200, description = "Categories in use, by name", body = Vec<CategoryCount>),
    ))]
pub async fn list_categories(State(state): State<AppState>) -> ApiResult<Json<Vec<CategoryCount>>> {
    Ok(axum::Json(state.store().categories_in_use().await?))
}

/// Filters and page of a business's public services.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ServiceQuery {
    /// Only this category (case-insensitive).
    #[param(max_length = 60, example = "coupe")]
    pub category: Option<String>,
    /// Only services carrying this tag (case-insensitive).
    #[param(max_length = 40, example = "femme")]
    pub tag: Option<String>,
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    #[param(schema_with = crate::routes::loaded_cursor_schema)]
    pub cursor: Option<String>,
}

/// Full-text search parameters.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SearchParams {
    /// Words to find, accents and case ignored ("coiffeur lyon").
    pub q: String,
    /// Only this city.
    pub city: Option<String>,
    /// Only this line of business.
    pub domain: Option<String>,
    /// Most hits, 1 to 50 (default 20).
    #[param(minimum = 1, maximum = 50)]
    pub limit: Option<u32>,
}

/// Ranked full-text search over validated businesses and their active services (PERF-8).
#[utoipa::path(get, path = "/api/recherche/", tag = "public",
    params(SearchParams),
    responses(
        (status = 200, description = "The best `limit` hits, best first (ranked results have no further page)", body = PageOut<SearchHit>),
        (status = 422, description = "VALIDATION_FAILED (q empty or too long, limit out of range)", body = crate::error::Problem),
    ))]
pub async fn search(
    State(state): State<AppState>,
    ApiQuery(params): ApiQuery<SearchParams>,
) -> ApiResult<Json<PageOut<SearchHit>>> {
    let limit = params.limit.unwrap_or(20);
    if limit == 0 || limit > rdv_core::search::MAX_SEARCH_HITS {
        return Err(ApiError::field(
            "limit",
            "out_of_range",
            "limit must be between 1 and 50",
        ));
    }
    let hits = state
        .store()
        .search(&SearchQuery {
            text: params.q,
            city: params.city,
            domain: params.domain,
            limit,
        })
        .await?;
    Ok(axum::Json(PageOut {
        items: hits,
        next_cursor: None,
        limit,
    }))
}

fn cached_json(body: Bytes) -> Response {
    let mut response = body.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

fn to_bytes<T: Serialize>(value: &T) -> ApiResult<Bytes> {
    serde_json::to_vec(value)
        .map(Bytes::from)
        .map_err(|e| ApiError::internal(e.to_string()))
}

/// A validated business.
#[utoipa::path(get, path = "/api/entreprises/{id}/", tag = "public",
    params(("id" = uuid::Uuid, Path, description = "Business id")),
    responses(
        (status = 200, description = "The business", body = PublicBusiness),
        (status = 404, description = "NOT_FOUND (also when not validated)", body = crate::error::Problem),
    ))]
pub async fn get_business(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<BusinessId>,
) -> ApiResult<Response> {
    if let Some(body) = state.cache.get(id, "business") {
        return Ok(cached_json(body));
    }
    let generation = state.cache.generation(id);
    let business = PublicBusiness::from(state.reads().public_business(id).await?);
    let images = state.store().business_images(id.0).await?;
    let business = business.with_images(&state, &images);
    let body = to_bytes(&business)?;
    state
        .cache
        .put(id, "business".into(), body.clone(), generation);
    Ok(cached_json(body))
}

/// The active services of a validated business, by name, optionally of one category or tag.
#[utoipa::path(get, path = "/api/entreprises/{id}/services/", tag = "public",
    params(("id" = uuid::Uuid, Path, description = "Business id"), ServiceQuery),
    responses(
        (status = 200, description = "Services, each with its images", body = PageOut<PublicService>),
        (status = 404, description = "NOT_FOUND", body = crate::error::Problem),
        (status = 422, description = "VALIDATION_FAILED (limit, cursor; category, tag: required when given, too_long, markup)", body = crate::error::Problem),
    ))]
pub async fn business_services(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<BusinessId>,
    ApiQuery(params): ApiQuery<ServiceQuery>,
) -> ApiResult<Response> {
    let page = page_request(params.limit, params.cursor)?;
    let catalog = CatalogFilter::parse(params.category.as_deref(), params.tag.as_deref())?;
    // The filter's values are plain text without newlines ([`CatalogFilter::parse`]): JSON
    // text keeps them apart in the key.
    let key = format!(
        "services:{}:{}:{}",
        page.limit,
        page.cursor.as_deref().unwrap_or(""),
        serde_json::to_string(&catalog).map_err(|e| ApiError::internal(e.to_string()))?
    );
    if let Some(body) = state.cache.get(id, &key) {
        return Ok(cached_json(body));
    }
    let generation = state.cache.generation(id);
    let mut services = state.reads().public_services(id).await?;
    services.retain(|s| catalog.matches(s));
    let loaded = page_loaded(services, |s| (s.name.clone(), s.id.0), &page)?;
    let images = state.store().business_images(id.0).await?;
    let body = to_bytes(&PageOut {
        items: loaded
            .items
            .into_iter()
            .map(|s| PublicService::new(&state, s, &images))
            .collect(),
        next_cursor: loaded.next_cursor,
        limit: loaded.limit,
    })?;
    state.cache.put(id, key, body.clone(), generation);
    Ok(cached_json(body))
}

/// A stored service, or `NOT_FOUND`.
async fn stored_service(state: &AppState, id: ServiceId) -> ApiResult<Service> {
    Ok(state
        .store()
        .get_service(id)
        .await?
        .ok_or(Error::NotFound {
            entity: Entity::Service,
        })?)
}

/// An active service of a validated business.
#[utoipa::path(get, path = "/api/services/{id}/", tag = "public",
    params(("id" = uuid::Uuid, Path, description = "Service id")),
    responses(
        (status = 200, description = "The service, with its images", body = PublicService),
        (status = 404, description = "NOT_FOUND", body = crate::error::Problem),
    ))]
pub async fn get_service(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<ServiceId>,
) -> ApiResult<Json<PublicService>> {
    let service = state.reads().public_service(id).await?;
    let images = state.store().service_images(id.0).await?;
    Ok(axum::Json(PublicService::new(&state, service, &images)))
}

/// Date range of slot and snapshot queries.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct RangeQuery {
    /// First possible start (RFC 3339).
    #[param(value_type = String, format = DateTime, example = "2026-12-01T00:00:00Z")]
    pub from: Timestamp,
    /// Starts before this instant (RFC 3339); at most 366 days after `from`.
    #[param(value_type = String, format = DateTime, example = "2026-12-31T00:00:00Z")]
    pub to: Timestamp,
    /// Most slots returned, 1 to 5000 (default 5000).
    #[param(minimum = 1, maximum = 5000)]
    pub limit: Option<u32>,
}

/// Most slots one request returns.
const MAX_SLOTS: u32 = 5000;

/// The `limit` of a slot or snapshot query: 1 to [`MAX_SLOTS`], default [`MAX_SLOTS`].
fn slot_limit(query: &RangeQuery) -> ApiResult<u32> {
    let limit = query.limit.unwrap_or(MAX_SLOTS);
    if limit == 0 || limit > MAX_SLOTS {
        return Err(ApiError::field(
            "limit",
            "out_of_range",
            format!("limit must be between 1 and {MAX_SLOTS}"),
        ));
    }
    Ok(limit)
}

/// Free slots of a service over a date range, in UTC, computed by the core.
#[utoipa::path(get, path = "/api/services/{id}/creneaux/", tag = "public",
    params(("id" = uuid::Uuid, Path, description = "Service id"), RangeQuery),
    responses(
        (status = 200, description = "Slots sorted by start", body = rdv_core::slots::SlotList),
        (status = 404, description = "NOT_FOUND (also for an inactive service or an unvalidated business)", body = crate::error::Problem),
        (status = 422, description = "INVALID_INTERVAL, RANGE_TOO_LARGE, VALIDATION_FAILED (limit)", body = crate::error::Problem),
    ))]
pub async fn service_slots(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<ServiceId>,
    ApiQuery(query): ApiQuery<RangeQuery>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let limit = slot_limit(&query)?;
    let business = match state.cache.service_owner(id) {
        Some(b) => b,
        None => {
            let service = stored_service(&state, id).await?;
            state.cache.remember_service_owner(id, service.business_id);
            service.business_id
        }
    };
    let key = SlotKey {
        service: id,
        from: query.from,
        to: query.to,
        limit,
    };
    let second = state.now().secs();
    let entry = state
        .cache
        .slot_entry(key, second, state.cache.generation(business));
    let body = entry
        .body
        .get_or_try_init(|| async {
            let slots = state
                .reads()
                .slots_for_service(id, query.from, query.to, limit as usize)
                .await?;
            let json = to_bytes(&slots)?;
            let gzip = gzip(&json)?;
            Ok::<_, ApiError>(SlotBody { json, gzip })
        })
        .await?;
    let mut response = if accepts_gzip(&headers) {
        let mut r = body.gzip.clone().into_response();
        r.headers_mut()
            .insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        r
    } else {
        body.json.clone().into_response()
    };
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    h.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    Ok(response)
}

/// Compresses a cached answer once, for every client that accepts gzip.
fn gzip(bytes: &[u8]) -> ApiResult<Bytes> {
    use std::io::Write as _;
    let mut encoder = flate2::write::GzEncoder::new(
        Vec::with_capacity(bytes.len() / 8),
        flate2::Compression::default(),
    );
    encoder
        .write_all(bytes)
        .and_then(|()| encoder.finish())
        .map(Bytes::from)
        .map_err(|e| ApiError::internal(format!("gzip: {e}")))
}

/// Whether `Accept-Encoding` accepts gzip (RFC 9110 §12.5.3): an explicit `gzip` item decides
/// by its quality; otherwise `*` does; a quality of 0 refuses.
fn accepts_gzip(headers: &HeaderMap) -> bool {
    let mut gzip = None;
    let mut any = None;
    for item in headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
    {
        let mut parts = item.split(';').map(str::trim);
        let coding = parts.next().unwrap_or("");
        let quality = parts
            .find_map(|p| p.strip_prefix("q=").or_else(|| p.strip_prefix("Q=")))
            .map_or(Some(1.0), |q| q.trim().parse::<f32>().ok())
            .unwrap_or(0.0);
        if coding.eq_ignore_ascii_case("gzip") {
            gzip = Some(quality);
        } else if coding == "*" {
            any = Some(quality);
        }
    }
    gzip.or(any).is_some_and(|q| q > 0.0)
}

/// The schedule snapshot of a service for a date range: time zone, opening hours, closures,
/// windows, rules and anonymous busy intervals. Browsers and apps compute the same slots from it
/// with the WASM and mobile packages.
#[utoipa::path(get, path = "/api/services/{id}/snapshot/", tag = "public",
    params(("id" = uuid::Uuid, Path, description = "Service id"), RangeQuery),
    responses(
        (status = 200, description = "Schedule snapshot, format version 1", body = Schedule),
        (status = 404, description = "NOT_FOUND (also for an inactive service or an unvalidated business)", body = crate::error::Problem),
        (status = 422, description = "INVALID_INTERVAL, RANGE_TOO_LARGE, VALIDATION_FAILED (limit)", body = crate::error::Problem),
    ))]
pub async fn service_snapshot(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<ServiceId>,
    ApiQuery(query): ApiQuery<RangeQuery>,
) -> ApiResult<Json<Schedule>> {
    // The snapshot holds no slot list; its `limit` is checked like the slots' all the same, so
    // one query string means the same on both routes.
    slot_limit(&query)?;
    let range = Interval::new(query.from, query.to)?;
    Ok(axum::Json(state.reads().public_schedule(id, range).await?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accepts(value: &str) -> bool {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::ACCEPT_ENCODING,
            HeaderValue::from_str(value).unwrap(),
        );
        accepts_gzip(&headers)
    }

    #[test]
    fn gzip_is_sent_only_when_the_client_accepts_it() {
        assert!(accepts("gzip"));
        assert!(accepts("br;q=1.0, gzip;q=0.5"));
        assert!(accepts("GZIP"));
        assert!(accepts("*"));
        assert!(!accepts("identity"));
        assert!(!accepts("gzip;q=0"));
        assert!(!accepts("gzip;q=0, *"), "an explicit gzip item wins over *");
        assert!(!accepts("*;q=0"));
        assert!(!accepts("gzip;q=bad"));
        assert!(!accepts_gzip(&HeaderMap::new()));
    }
}
