//! Statements and builders of the booking tables that both backends run as they are: column
//! lists, the upserts of the directory, window writes, and the filtered, keyset-paginated
//! listings. The few spellings that differ come from [`SqlBackend`]'s constants.

use rdv_core::business_status::BusinessStatus;
use rdv_core::catalog::CatalogFilter;
use rdv_core::model::*;
use rdv_core::ports::{
    BusinessFilter, BusinessSort, MAX_PAGE_SIZE, PageRequest, ReservationFilter, ReservationSort,
    parse_business_cursor, parse_reservation_cursor,
};
use rdv_core::search::{MAX_SEARCH_HITS, SearchQuery};
use rdv_core::{Interval, Result, Timestamp};

use super::{SqlBackend, Statement, Value};
use crate::codec::{MAX_BLOCKED_SECS, MAX_WINDOW_SECS, to_json};

/// The columns of a reservation that [`super::rows::reservation`] reads, as both
/// `reservations` and `reservations_archive` hold them (the history as stored: JSON text on
/// SQLite, `jsonb` on PostgreSQL). [`reservation_list`] selects them from the union of the
/// two tables when it includes the archive.
pub const RESERVATION_COLUMNS: &str = "id, business_id, client_id, service_id, resource_id, \
    start_at, end_at, buffer_before_minutes, buffer_after_minutes, status, price_minor, currency, \
    reschedule_count, history, created_at";

/// The columns of a reservation that [`super::rows::reservation`] reads, each prefixed by
/// `alias` (`"r."`, or `""`).
pub fn reservation_columns<B: SqlBackend>(alias: &str) -> String {
    let a = alias;
    format!(
        "{a}id, {a}business_id, {a}client_id, {a}service_id, {a}resource_id, {a}start_at, \
         {a}end_at, {a}buffer_before_minutes, {a}buffer_after_minutes, {a}status, \
         {a}price_minor, {a}currency, {a}reschedule_count, {a}history{} AS history, {a}created_at",
        B::JSON_TEXT
    )
}

/// The columns of a business that [`super::rows::business`] reads.
pub fn business_columns<B: SqlBackend>() -> String {
    let json = B::JSON_TEXT;
    format!(
        "id, owner_id, name, domain, description, city, address{json} AS address, time_zone, \
         status, status_reason, opening_hours{json} AS opening_hours, \
         closures{json} AS closures, special_hours{json} AS special_hours"
    )
}

/// Inserts or replaces a business.
pub fn upsert_business<B: SqlBackend>(b: &Business) -> Result<Statement> {
    let json = B::JSON_PARAM;
    Ok(Statement::new(format!(
        "INSERT INTO businesses (id, owner_id, name, domain, description, city, address, \
         time_zone, validated, opening_hours, closures, special_hours, status, status_reason) \
         VALUES ($1, $2, $3, $4, $5, $6, $7{json}, $8, $9, $10{json}, $11{json}, $12{json}, \
         $13, $14) \
         ON CONFLICT (id) DO UPDATE SET owner_id = excluded.owner_id, name = excluded.name, \
         domain = excluded.domain, description = excluded.description, city = excluded.city, \
         address = excluded.address, time_zone = excluded.time_zone, \
         validated = excluded.validated, opening_hours = excluded.opening_hours, \
         closures = excluded.closures, special_hours = excluded.special_hours, \
         status = excluded.status, status_reason = excluded.status_reason"
    ))
    .bind(Value::Id(b.id.0))
    .bind(Value::Id(b.owner_id.0))
    .text(b.name.clone())
    .text(b.domain.clone())
    .text(b.description.clone())
    .text(b.city.clone())
    .text(to_json(&b.address)?)
    .text(b.time_zone.name())
    // The public flag the lists, search and schedule read, always the status's.
    .bind(Value::Bool(b.status.is_public()))
    .text(to_json(&b.opening_hours)?)
    .text(to_json(&b.closures)?)
    .text(to_json(&b.special_hours)?)
    .text(b.status.as_str())
    .bind(Value::OptText(b.status_reason.clone())))
}

/// Inserts or replaces a resource (a deleted one stays deleted).
pub fn upsert_resource<B: SqlBackend>(r: &Resource) -> Result<Statement> {
    let json = B::JSON_PARAM;
    Ok(Statement::new(format!(
        "INSERT INTO resources (id, business_id, name, kind, active, working_hours) \
         VALUES ($1, $2, $3, $4, $5, $6{json}) ON CONFLICT (id) DO UPDATE SET \
         name = excluded.name, kind = excluded.kind, active = excluded.active, \
         working_hours = excluded.working_hours"
    ))
    .bind(Value::Id(r.id.0))
    .bind(Value::Id(r.business_id.0))
    .text(r.name.clone())
    .text(to_json(&r.kind)?.trim_matches('"'))
    .bind(Value::Bool(r.active))
    .bind(Value::OptText(
        r.working_hours.as_ref().map(to_json).transpose()?,
    )))
}

/// The columns of a resource that [`super::rows::resource`] reads.
pub fn resource_columns<B: SqlBackend>() -> String {
    format!(
        "id, business_id, name, kind, active, working_hours{} AS working_hours",
        B::JSON_TEXT
    )
}

/// Whether one of the deleted resource's reservations still holds it at `$2`
/// ([`rdv_core::resources::holds`]): column `held`, 1 or 0.
pub const RESOURCE_HELD: &str = "SELECT count(*) AS held FROM (SELECT 1 FROM reservations \
     WHERE resource_id = $1 AND active AND end_at > $2 LIMIT 1) AS h";

/// Marks a resource deleted at `$2` unless it is already; the rows it affected.
pub const RESOURCE_DELETE: &str =
    "UPDATE resources SET deleted_at = $2, active = $3 WHERE id = $1 AND deleted_at IS NULL";

/// Takes a deleted resource out of its services.
pub const RESOURCE_UNLIST: &str = "DELETE FROM service_resources WHERE resource_id = $1";

/// Removes a deleted resource's windows that start at or after `$2`.
pub const RESOURCE_WINDOWS_DELETE: &str =
    "DELETE FROM availability_windows WHERE resource_id = $1 AND start_at >= $2";

/// Inserts or replaces a service's own row (its resources are written apart).
pub fn upsert_service<B: SqlBackend>(s: &Service) -> Result<Statement> {
    let r = s.rules;
    let json = B::JSON_PARAM;
    let mut statement = Statement::new(format!(
        "INSERT INTO services (id, business_id, name, description, price_minor, currency, \
         category, tags, active, duration_minutes, step_minutes, buffer_before_minutes, \
         buffer_after_minutes, min_notice_minutes, horizon_days, seats, \
         cancellation_deadline_minutes, max_reschedules) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8{json}, $9, $10, $11, $12, $13, $14, $15, $16, \
         $17, $18) \
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, \
         description = excluded.description, price_minor = excluded.price_minor, \
         currency = excluded.currency, category = excluded.category, tags = excluded.tags, \
         active = excluded.active, duration_minutes = excluded.duration_minutes, \
         step_minutes = excluded.step_minutes, \
         buffer_before_minutes = excluded.buffer_before_minutes, \
         buffer_after_minutes = excluded.buffer_after_minutes, \
         min_notice_minutes = excluded.min_notice_minutes, \
         horizon_days = excluded.horizon_days, seats = excluded.seats, \
         cancellation_deadline_minutes = excluded.cancellation_deadline_minutes, \
         max_reschedules = excluded.max_reschedules"
    ))
    .bind(Value::Id(s.id.0))
    .bind(Value::Id(s.business_id.0))
    .text(s.name.clone())
    .text(s.description.clone())
    .int(s.price.amount_minor)
    .text(s.price.currency.as_str())
    .bind(Value::OptText(s.category.clone()))
    .text(to_json(&s.tags)?)
    .bind(Value::Bool(s.active));
    for minutes in [
        r.duration_minutes,
        r.step_minutes,
        r.buffer_before_minutes,
        r.buffer_after_minutes,
        r.min_notice_minutes,
        r.horizon_days,
        r.seats,
        s.cancellation_deadline_minutes,
        s.max_reschedules,
    ] {
        statement = statement.int(i64::from(minutes));
    }
    Ok(statement)
}

/// The profiles of the clients with a reservation of `business`, archived ones included;
/// [`super::rows::client`] reads them.
pub fn business_clients<B: SqlBackend>(business: BusinessId) -> Statement {
    Statement::new(format!(
        "SELECT id, email, first_name, last_name, phone, address{} AS address FROM clients \
         WHERE id IN (SELECT client_id FROM reservations WHERE business_id = $1 \
         UNION SELECT client_id FROM reservations_archive WHERE business_id = $2)",
        B::JSON_TEXT
    ))
    .bind(Value::Id(business.0))
    .bind(Value::Id(business.0))
}

/// Inserts or replaces a client profile; `phone` is the stored (encrypted) number.
pub fn upsert_client<B: SqlBackend>(c: &ClientProfile, phone: Option<String>) -> Result<Statement> {
    Ok(Statement::new(format!(
        "INSERT INTO clients (id, email, first_name, last_name, phone, address) \
         VALUES ($1, $2, $3, $4, $5, $6{}) ON CONFLICT (id) DO UPDATE SET \
         email = excluded.email, first_name = excluded.first_name, \
         last_name = excluded.last_name, phone = excluded.phone, address = excluded.address",
        B::JSON_PARAM
    ))
    .bind(Value::Id(c.id.0))
    .text(c.email.clone())
    .text(c.first_name.clone())
    .text(c.last_name.clone())
    .bind(Value::OptText(phone))
    .bind(Value::OptText(c.address.as_ref().map(to_json).transpose()?)))
}

/// The id of another window of the same resource that `w` would overlap (column `id`).
pub fn overlapping_window(w: &AvailabilityWindow) -> Statement {
    Statement::new(format!(
        "SELECT id FROM availability_windows WHERE resource_id = $1 AND id <> $2 \
         AND start_at < $4 AND start_at > $3 - {MAX_WINDOW_SECS} AND end_at > $3 LIMIT 1"
    ))
    .bind(Value::Id(w.resource_id.0))
    .bind(Value::Id(w.id.0))
    .int(w.interval.start().secs())
    .int(w.interval.end().secs())
}

/// Inserts a window.
pub fn insert_window(w: &AvailabilityWindow) -> Statement {
    Statement::new(
        "INSERT INTO availability_windows (id, business_id, resource_id, start_at, end_at, \
         series_id) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(Value::Id(w.id.0))
    .bind(Value::Id(w.business_id.0))
    .bind(Value::Id(w.resource_id.0))
    .int(w.interval.start().secs())
    .int(w.interval.end().secs())
    .bind(Value::OptId(w.series_id.map(|s| s.0)))
}

/// Moves a window.
pub fn update_window(w: &AvailabilityWindow) -> Statement {
    Statement::new("UPDATE availability_windows SET start_at = $2, end_at = $3 WHERE id = $1")
        .bind(Value::Id(w.id.0))
        .int(w.interval.start().secs())
        .int(w.interval.end().secs())
}

/// A page of businesses: filters, then the keyset after the cursor, in byte order of names.
pub fn business_list<B: SqlBackend>(
    filter: &BusinessFilter,
    sort: BusinessSort,
    page: &PageRequest,
) -> Result<(Statement, u32)> {
    let limit = page.limit.clamp(1, MAX_PAGE_SIZE);
    let mut sql = Statement::new(format!(
        "SELECT {} FROM businesses WHERE 1 = 1",
        business_columns::<B>()
    ));
    match filter.status {
        // The public flag is the status `validated`, and its indexes serve the public lists.
        Some(BusinessStatus::Validated) => {
            sql.push(" AND validated = ").push_bind(Value::Bool(true));
        }
        Some(status) => {
            sql.push(" AND status = ")
                .push_bind(Value::Text(status.as_str().to_owned()));
        }
        None => {}
    }
    if let Some(o) = filter.owner_id {
        sql.push(" AND owner_id = ").push_bind(Value::Id(o.0));
    }
    if let Some(d) = &filter.domain {
        sql.push(" AND lower(domain) = lower(")
            .push_bind(Value::Text(d.clone()))
            .push(")");
    }
    if let Some(c) = &filter.city {
        sql.push(" AND lower(city) = lower(")
            .push_bind(Value::Text(c.clone()))
            .push(")");
    }
    push_catalog_filter::<B>(&mut sql, &filter.catalog, "businesses.id");
    let (cmp, order) = match sort {
        BusinessSort::NameAsc => (">", "ASC"),
        BusinessSort::NameDesc => ("<", "DESC"),
    };
    let byte_order = B::BYTE_ORDER;
    if let Some(cursor) = &page.cursor {
        let (name, id) = parse_business_cursor(cursor)?;
        sql.push(&format!(" AND (name{byte_order}, id) {cmp} ("))
            .push_bind(Value::Text(name))
            .push(byte_order)
            .push(", ")
            .push_bind(Value::Id(id.0))
            .push(")");
    }
    sql.push(&format!(
        " ORDER BY name{byte_order} {order}, id {order} LIMIT "
    ))
    .push_bind(Value::Int(i64::from(limit) + 1));
    Ok((sql, limit))
}

/// Keeps the businesses (whose id is the column `business`) with an active service of the
/// filter's category and tag ([`rdv_core::catalog`]): categories compare in lower case; a tag
/// is found in the JSON text of `tags` as its JSON string (`"femme"`), tags being stored in
/// lower case, with `LIKE` metacharacters escaped.
fn push_catalog_filter<B: SqlBackend>(
    sql: &mut Statement,
    catalog: &CatalogFilter,
    business: &str,
) {
    if catalog.is_empty() {
        return;
    }
    sql.push(&format!(
        " AND EXISTS (SELECT 1 FROM services s WHERE s.business_id = {business} AND s.active = "
    ))
    .push_bind(Value::Bool(true));
    if let Some(category) = &catalog.category {
        sql.push(" AND lower(s.category) = lower(")
            .push_bind(Value::Text(category.clone()))
            .push(")");
    }
    if let Some(tag) = &catalog.tag {
        let json = serde_json::Value::String(tag.clone()).to_string();
        let escaped = json
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        sql.push(&format!(" AND s.tags{} LIKE ", B::JSON_TEXT))
            .push_bind(Value::Text(format!("%{escaped}%")))
            .push(" ESCAPE '\\'");
    }
    sql.push(")");
}

/// The categories of the public catalogue with their service and business counts, by name in
/// byte order (the order of [`rdv_core::catalog::count_categories`]); read by
/// [`super::rows::category_count`].
pub fn categories_in_use<B: SqlBackend>() -> Statement {
    let mut sql = Statement::new(
        "SELECT lower(s.category) AS name, COUNT(*) AS services, \
         COUNT(DISTINCT s.business_id) AS businesses \
         FROM services s JOIN businesses b ON b.id = s.business_id \
         WHERE s.category IS NOT NULL AND s.active = ",
    );
    sql.push_bind(Value::Bool(true))
        .push(" AND b.validated = ")
        .push_bind(Value::Bool(true))
        .push(&format!(
            " GROUP BY lower(s.category) ORDER BY lower(s.category){} ",
            B::BYTE_ORDER
        ));
    sql
}

/// Ends a search statement: the query's city and domain filters on the columns `city` and
/// `domain` (compared without case), then `ORDER BY rank DESC, {then_by}` and the limit.
pub fn push_search_tail(
    sql: &mut Statement,
    query: &SearchQuery,
    [city, domain]: [&str; 2],
    then_by: &str,
) {
    let filters = [(city, &query.city), (domain, &query.domain)];
    for (column, value) in filters {
        if let Some(value) = value {
            sql.push(&format!(" AND lower({column}) = lower("))
                .push_bind(Value::Text(value.clone()))
                .push(")");
        }
    }
    sql.push(&format!(" ORDER BY rank DESC, {then_by} LIMIT "))
        .push_bind(Value::Int(i64::from(query.limit.clamp(1, MAX_SEARCH_HITS))));
}

/// The sort column and direction of a reservation listing.
pub fn keyset_columns(sort: ReservationSort) -> (&'static str, &'static str) {
    match sort {
        ReservationSort::StartAsc => ("r.start_at", "ASC"),
        ReservationSort::StartDesc => ("r.start_at", "DESC"),
        ReservationSort::CreatedAsc => ("r.created_at", "ASC"),
        ReservationSort::CreatedDesc => ("r.created_at", "DESC"),
    }
}

/// The statement of a page of reservations ([`reservation_list`] after the request's cursor)
/// and the page's size; [`super::rows::reservation_page`] reads its rows.
pub fn reservation_page<B: SqlBackend>(
    filter: &ReservationFilter,
    sort: ReservationSort,
    page: &PageRequest,
) -> Result<(Statement, u32)> {
    let after = page
        .cursor
        .as_deref()
        .map(parse_reservation_cursor)
        .transpose()?;
    let limit = page.limit.clamp(1, MAX_PAGE_SIZE);
    Ok((reservation_list::<B>("", filter, sort, after, limit), limit))
}

/// The reservations with their names that [`super::rows::reservation_view`] reads, as alias
/// `r`, from the live table or, with `include_archived`, from its union with the archive;
/// ends in `WHERE 1 = 1` for the caller's filters. `prefix` goes before the statement.
fn reservation_views<B: SqlBackend>(prefix: &str, include_archived: bool) -> Statement {
    let source = if include_archived {
        let cols = RESERVATION_COLUMNS;
        format!(
            "(SELECT {cols} FROM reservations UNION ALL SELECT {cols} FROM reservations_archive)"
        )
    } else {
        "reservations".to_owned()
    };
    Statement::new(format!(
        "{prefix}SELECT {}, b.name AS business_name, s.name AS service_name, \
         x.name AS resource_name, c.first_name AS client_first_name, \
         c.last_name AS client_last_name, c.email AS client_email, c.phone AS client_phone \
         FROM {source} r JOIN businesses b ON b.id = r.business_id \
         JOIN services s ON s.id = r.service_id JOIN resources x ON x.id = r.resource_id \
         LEFT JOIN clients c ON c.id = r.client_id WHERE 1 = 1",
        reservation_columns::<B>("r.")
    ))
}

/// The reservations of `business`, every status, whose blocked range (buffers included) meets
/// `range`, in no order (callers sort: [`super::rows::sort_calendar`]), with only what the
/// business calendar shows
/// ([`rdv_core::ports::ReservationStore::calendar_reservations`],
/// [`super::rows::calendar_row`]): no history, no price, the service's name and the client's
/// contact (its phone as stored). The live table, or with `include_archived` its union with
/// the archive, each filtered on its own `(business_id, start_at)` index, whose scan is
/// bounded by [`MAX_BLOCKED_SECS`] each side of `range` (no reservation blocks longer), so a
/// reservation that starts before the range and ends in it is found; `prefix` goes before the
/// statement (`EXPLAIN …`).
pub fn calendar_reservations<B: SqlBackend>(
    prefix: &str,
    business: BusinessId,
    range: Interval,
    include_archived: bool,
) -> Statement {
    let (start, end) = (range.start().secs(), range.end().secs());
    let tables: &[&str] = if include_archived {
        &["reservations", "reservations_archive"]
    } else {
        &["reservations"]
    };
    let mut sql = Statement::new(format!(
        "{prefix}SELECT r.id, r.resource_id, r.service_id, r.client_id, r.start_at, r.end_at, \
         r.buffer_before_minutes, r.buffer_after_minutes, r.status, s.name AS service_name, \
         c.first_name AS client_first_name, c.last_name AS client_last_name, \
         c.email AS client_email, c.phone AS client_phone FROM ("
    ));
    for (k, table) in tables.iter().enumerate() {
        if k > 0 {
            sql.push(" UNION ALL ");
        }
        sql.push(&format!(
            "SELECT id, resource_id, service_id, client_id, start_at, end_at, \
             buffer_before_minutes, buffer_after_minutes, status FROM {table} \
             WHERE business_id = "
        ))
        .push_bind(Value::Id(business.0))
        .push(" AND start_at > ")
        .push_bind(Value::Int(start - MAX_BLOCKED_SECS))
        .push(" AND start_at < ")
        .push_bind(Value::Int(end + MAX_BLOCKED_SECS))
        .push(" AND start_at - buffer_before_minutes * 60 < ")
        .push_bind(Value::Int(end))
        .push(" AND end_at + buffer_after_minutes * 60 > ")
        .push_bind(Value::Int(start));
    }
    sql.push(
        ") r JOIN services s ON s.id = r.service_id LEFT JOIN clients c ON c.id = r.client_id",
    );
    sql
}

/// A page of reservations with their names (`limit + 1` rows, to tell whether there is a
/// next page), after the keyset `after`; `prefix` goes before the statement (`EXPLAIN …`).
pub fn reservation_list<B: SqlBackend>(
    prefix: &str,
    filter: &ReservationFilter,
    sort: ReservationSort,
    after: Option<(i64, ReservationId)>,
    limit: u32,
) -> Statement {
    let mut sql = reservation_views::<B>(prefix, filter.include_archived);
    let id_filters = [
        ("r.business_id", filter.business_id.map(|x| x.0)),
        ("r.client_id", filter.client_id.map(|x| x.0)),
        ("r.service_id", filter.service_id.map(|x| x.0)),
        ("r.resource_id", filter.resource_id.map(|x| x.0)),
    ];
    for (column, value) in id_filters {
        if let Some(value) = value {
            sql.push(&format!(" AND {column} = "))
                .push_bind(Value::Id(value));
        }
    }
    match filter.client_ids.as_deref() {
        Some([]) => {
            sql.push(" AND 1 = 0");
        }
        Some(ids) => {
            sql.push(" AND r.client_id IN (");
            sql.push_list(ids.iter().map(|c| Value::Id(c.0)));
            sql.push(")");
        }
        None => {}
    }
    if !filter.statuses.is_empty() {
        sql.push(" AND r.status IN (");
        sql.push_list(
            filter
                .statuses
                .iter()
                .map(|s| Value::Text(s.as_str().into())),
        );
        sql.push(")");
    }
    let bounds = [
        (" AND r.start_at >= ", filter.from),
        (" AND r.start_at < ", filter.to),
    ];
    for (test, bound) in bounds {
        if let Some(t) = bound.map(Timestamp::secs) {
            sql.push(test).push_bind(Value::Int(t));
        }
    }
    let (column, direction) = keyset_columns(sort);
    if let Some((key, id)) = after {
        let op = if direction == "ASC" { ">" } else { "<" };
        sql.push(&format!(" AND ({column}, r.id) {op} ("))
            .push_bind(Value::Int(key))
            .push(", ")
            .push_bind(Value::Id(id.0))
            .push(")");
    }
    sql.push(&format!(
        " ORDER BY {column} {direction}, r.id {direction} LIMIT "
    ))
    .push_bind(Value::Int(i64::from(limit) + 1));
    sql
}
