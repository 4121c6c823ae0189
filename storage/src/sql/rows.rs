//! Row mappers of the booking tables, the same for both backends: each reads a row through
//! [`SqlRow`], which knows how its backend stores identifiers, booleans and id lists.

use std::collections::HashMap;

use rdv_core::business_status::BusinessStatus;
use rdv_core::calendar::{CalendarReservation, CalendarRow};
use rdv_core::model::*;
use rdv_core::ports::{ClientContact, Page, ReservationSort, ReservationView, reservation_cursor};
use rdv_core::search::{HitKind, SearchHit};
use rdv_core::{Interval, Result, Timestamp};

use super::SqlRow;
use crate::codec::{from_json, status, u32_col};
use crate::crypto::FieldCipher;

fn interval_of(row: &impl SqlRow, start: &str, end: &str) -> Result<Interval> {
    Interval::new(
        Timestamp::from_secs(row.int(start)?),
        Timestamp::from_secs(row.int(end)?),
    )
}

fn count(row: &impl SqlRow, col: &str) -> Result<u32> {
    u32_col(col, row.int(col)?)
}

/// A reservation (columns of [`super::queries::reservation_columns`]).
pub fn reservation(row: &impl SqlRow) -> Result<Reservation> {
    let history: Vec<TransitionRecord> = from_json("history", &row.text("history")?)?;
    Ok(Reservation {
        id: ReservationId(row.id("id")?),
        business_id: BusinessId(row.id("business_id")?),
        client_id: ClientId(row.id("client_id")?),
        service_id: ServiceId(row.id("service_id")?),
        resource_id: ResourceId(row.id("resource_id")?),
        interval: interval_of(row, "start_at", "end_at")?,
        buffer_before_minutes: count(row, "buffer_before_minutes")?,
        buffer_after_minutes: count(row, "buffer_after_minutes")?,
        status: status(&row.text("status")?)?,
        price: Money::new(
            row.int("price_minor")?,
            Currency::parse(&row.text("currency")?)?,
        ),
        reschedule_count: count(row, "reschedule_count")?,
        history,
        created_at: Timestamp::from_secs(row.int("created_at")?),
    })
}

/// A reservation with the names a listing shows.
pub fn reservation_view(row: &impl SqlRow, cipher: &FieldCipher) -> Result<ReservationView> {
    let phone = row.opt_text("client_phone")?;
    Ok(ReservationView {
        reservation: reservation(row)?,
        business_name: row.text("business_name")?,
        service_name: row.text("service_name")?,
        resource_name: row.text("resource_name")?,
        client: ClientContact {
            first_name: row.opt_text("client_first_name")?.unwrap_or_default(),
            last_name: row.opt_text("client_last_name")?.unwrap_or_default(),
            email: row.opt_text("client_email")?.unwrap_or_default(),
            phone: phone.map(|p| cipher.decrypt("phone", &p)).transpose()?,
        },
    })
}

/// The contact of `client`: the one already read in this call, else the one `read` builds
/// (decrypting its phone), kept in `contacts`. Many reservations share a client, so each
/// client's phone is decrypted once per call.
pub fn contact_once(
    contacts: &mut HashMap<ClientId, ClientContact>,
    client: ClientId,
    read: impl FnOnce() -> Result<ClientContact>,
) -> Result<ClientContact> {
    if let Some(contact) = contacts.get(&client) {
        return Ok(contact.clone());
    }
    let contact = read()?;
    contacts.insert(client, contact.clone());
    Ok(contact)
}

/// A reservation as the calendar reads it (columns of
/// [`super::queries::calendar_reservations`]), its client's contact through
/// [`contact_once`].
pub fn calendar_row(
    row: &impl SqlRow,
    contacts: &mut HashMap<ClientId, ClientContact>,
    cipher: &FieldCipher,
) -> Result<CalendarRow> {
    let client = contact_once(contacts, ClientId(row.id("client_id")?), || {
        let phone = row.opt_text("client_phone")?;
        Ok(ClientContact {
            first_name: row.opt_text("client_first_name")?.unwrap_or_default(),
            last_name: row.opt_text("client_last_name")?.unwrap_or_default(),
            email: row.opt_text("client_email")?.unwrap_or_default(),
            phone: phone.map(|p| cipher.decrypt("phone", &p)).transpose()?,
        })
    })?;
    Ok(CalendarRow {
        resource_id: ResourceId(row.id("resource_id")?),
        reservation: CalendarReservation {
            id: ReservationId(row.id("id")?),
            interval: interval_of(row, "start_at", "end_at")?,
            buffer_before_minutes: count(row, "buffer_before_minutes")?,
            buffer_after_minutes: count(row, "buffer_after_minutes")?,
            status: status(&row.text("status")?)?,
            service_id: ServiceId(row.id("service_id")?),
            service_name: row.text("service_name")?,
            client,
        },
    })
}

/// The calendar's rows of the rows of [`super::queries::calendar_reservations`]
/// ([`calendar_row`]), sorted ([`sort_calendar`]).
pub fn calendar_rows(rows: &[impl SqlRow], cipher: &FieldCipher) -> Result<Vec<CalendarRow>> {
    let mut contacts = HashMap::new();
    let mut found = rows
        .iter()
        .map(|row| calendar_row(row, &mut contacts, cipher))
        .collect::<Result<Vec<_>>>()?;
    sort_calendar(&mut found);
    Ok(found)
}

/// Puts the calendar's rows in the port's order, by start then id: done here rather than by
/// the database, whose sort of the joined rows costs more than the whole read otherwise.
pub fn sort_calendar(rows: &mut [CalendarRow]) {
    rows.sort_unstable_by_key(|row| (row.reservation.interval.start(), row.reservation.id));
}

/// A business read from columns named `{prefix}{column}` (a join's aliases; `""` for the
/// table's own).
pub fn business(row: &impl SqlRow, prefix: &str) -> Result<Business> {
    let col = |name: &str| format!("{prefix}{name}");
    Ok(Business {
        id: BusinessId(row.id(&col("id"))?),
        owner_id: UserId(row.id(&col("owner_id"))?),
        name: row.text(&col("name"))?,
        domain: row.text(&col("domain"))?,
        description: row.text(&col("description"))?,
        city: row.text(&col("city"))?,
        address: from_json("address", &row.text(&col("address"))?)?,
        time_zone: Zone::parse(&row.text(&col("time_zone"))?)?,
        status: {
            let text = row.text(&col("status"))?;
            BusinessStatus::parse(&text).ok_or_else(|| rdv_core::Error::Storage {
                message: format!("unknown business status {text:?} in the database"),
            })?
        },
        status_reason: row.opt_text(&col("status_reason"))?,
        opening_hours: from_json("opening_hours", &row.text(&col("opening_hours"))?)?,
        closures: from_json("closures", &row.text(&col("closures"))?)?,
        special_hours: from_json("special_hours", &row.text(&col("special_hours"))?)?,
    })
}

/// A resource (columns of [`super::queries::resource_columns`]).
pub fn resource(row: &impl SqlRow) -> Result<Resource> {
    Ok(Resource {
        id: ResourceId(row.id("id")?),
        business_id: BusinessId(row.id("business_id")?),
        name: row.text("name")?,
        kind: from_json("kind", &format!("\"{}\"", row.text("kind")?))?,
        active: row.flag("active")?,
        working_hours: row
            .opt_text("working_hours")?
            .map(|text| from_json("working_hours", &text))
            .transpose()?,
    })
}

/// A service, its resources in order in column `resource_list`.
pub fn service(row: &impl SqlRow) -> Result<Service> {
    let resource_ids = row.id_list("resource_list", "resource_id")?;
    let u = |col: &str| count(row, col);
    Ok(Service {
        id: ServiceId(row.id("id")?),
        business_id: BusinessId(row.id("business_id")?),
        name: row.text("name")?,
        description: row.text("description")?,
        price: Money::new(
            row.int("price_minor")?,
            Currency::parse(&row.text("currency")?)?,
        ),
        category: row.opt_text("category")?,
        tags: from_json("tags", &row.text("tags")?)?,
        active: row.flag("active")?,
        rules: SlotRules {
            duration_minutes: u("duration_minutes")?,
            step_minutes: u("step_minutes")?,
            buffer_before_minutes: u("buffer_before_minutes")?,
            buffer_after_minutes: u("buffer_after_minutes")?,
            min_notice_minutes: u("min_notice_minutes")?,
            horizon_days: u("horizon_days")?,
            seats: u("seats")?,
        },
        resource_ids: resource_ids.into_iter().map(ResourceId).collect(),
        cancellation_deadline_minutes: u("cancellation_deadline_minutes")?,
        max_reschedules: u("max_reschedules")?,
    })
}

/// An availability window.
pub fn window(row: &impl SqlRow) -> Result<AvailabilityWindow> {
    Ok(AvailabilityWindow {
        id: AvailabilityId(row.id("id")?),
        business_id: BusinessId(row.id("business_id")?),
        resource_id: ResourceId(row.id("resource_id")?),
        interval: interval_of(row, "start_at", "end_at")?,
        series_id: row.opt_id("series_id")?.map(SeriesId),
    })
}

/// A client profile, its phone number decrypted.
pub fn client(row: &impl SqlRow, cipher: &FieldCipher) -> Result<ClientProfile> {
    let phone = row.opt_text("phone")?;
    let address = row.opt_text("address")?;
    Ok(ClientProfile {
        id: ClientId(row.id("id")?),
        email: row.text("email")?,
        first_name: row.text("first_name")?,
        last_name: row.text("last_name")?,
        phone: phone.map(|p| cipher.decrypt("phone", &p)).transpose()?,
        address: address.map(|a| from_json("address", &a)).transpose()?,
    })
}

/// A search hit (columns `kind`, `entity_id`, `business_id`, `name`, `rank`).
pub fn search_hit(row: &impl SqlRow) -> Result<SearchHit> {
    Ok(SearchHit {
        kind: if row.text("kind")? == "business" {
            HitKind::Business
        } else {
            HitKind::Service
        },
        id: row.id("entity_id")?,
        business_id: BusinessId(row.id("business_id")?),
        name: row.text("name")?,
        rank: row.real("rank")?,
    })
}

/// A page of reservations from the rows of [`super::queries::reservation_page`]: at most
/// `limit`, with a cursor when the statement found one more.
pub fn reservation_page(
    rows: &[impl SqlRow],
    sort: ReservationSort,
    limit: u32,
    cipher: &FieldCipher,
) -> Result<Page<ReservationView>> {
    let mut items = rows
        .iter()
        .map(|row| reservation_view(row, cipher))
        .collect::<Result<Vec<_>>>()?;
    let next_cursor = (items.len() > limit as usize)
        .then(|| reservation_cursor(&items[limit as usize - 1].reservation, sort));
    items.truncate(limit as usize);
    Ok(Page { items, next_cursor })
}

/// A page of businesses from the rows of [`super::queries::business_list`].
/// A row of [`super::queries::categories_in_use`].
pub fn category_count(row: &impl SqlRow) -> Result<rdv_core::catalog::CategoryCount> {
    Ok(rdv_core::catalog::CategoryCount {
        name: row.text("name")?,
        services: u32_col("services", row.int("services")?)?,
        businesses: u32_col("businesses", row.int("businesses")?)?,
    })
}

pub fn business_page(rows: &[impl SqlRow], limit: u32) -> Result<Page<Business>> {
    let items = rows
        .iter()
        .map(|r| business(r, ""))
        .collect::<Result<Vec<_>>>()?;
    Ok(Page::of_businesses(items, limit as usize))
}
