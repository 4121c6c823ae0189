//! The waitlist's SQL ([`rdv_core::ports::WaitlistStore`]), written once over
//! [`SqlBackend`]; each backend's impl only forwards to these functions. A client's second
//! open place on a service is refused by the unique index `waitlist_one_open_place`
//! (`ALREADY_ON_WAITLIST`); a place changes only from the status its writer read
//! (`WHERE status = …`), so concurrent workers and claims never overwrite each other.

use rdv_core::model::{BusinessId, ClientId, ReservationId, ResourceId, ServiceId, WaitlistId};
use rdv_core::ports::MAX_PAGE_SIZE;
use rdv_core::waitlist::{Offer, WaitlistEntry, WaitlistStatus};
use rdv_core::{Error, Interval, Result, Timestamp};

use super::{SqlBackend, SqlRow, Statement, Value};

const COLUMNS: &str = "id, business_id, service_id, client_id, resource_id, range_start, \
     range_end, status, offer_resource_id, offer_start, offer_expires_at, reservation_id, \
     created_at";

/// Adds a place.
pub async fn insert<B: SqlBackend>(store: &B, e: &WaitlistEntry) -> Result<()> {
    let statement = Statement::new(format!(
        "INSERT INTO waitlist_entries ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, \
         $10, $11, $12, $13)"
    ));
    let statement = bind_all(statement, e);
    let mut tx = store.begin().await?;
    B::execute(&mut tx, &statement).await?;
    B::commit(tx).await?;
    Ok(())
}

fn bind_all(statement: Statement, e: &WaitlistEntry) -> Statement {
    statement
        .bind(Value::Id(e.id.0))
        .bind(Value::Id(e.business_id.0))
        .bind(Value::Id(e.service_id.0))
        .bind(Value::Id(e.client_id.0))
        .bind(Value::OptId(e.resource_id.map(|r| r.0)))
        .int(e.range.start().secs())
        .int(e.range.end().secs())
        .text(e.status.as_str())
        .bind(Value::OptId(e.offer.map(|o| o.resource_id.0)))
        .bind(Value::OptInt(e.offer.map(|o| o.start.secs())))
        .bind(Value::OptInt(e.offer.map(|o| o.expires_at.secs())))
        .bind(Value::OptId(e.reservation_id.map(|r| r.0)))
        .int(e.created_at.secs())
}

/// One place.
pub async fn get<B: SqlBackend>(store: &B, id: WaitlistId) -> Result<Option<WaitlistEntry>> {
    let statement = Statement::new(format!(
        "SELECT {COLUMNS} FROM waitlist_entries WHERE id = $1"
    ))
    .bind(Value::Id(id.0));
    let rows = store.read(&statement).await?;
    rows.first().map(entry).transpose()
}

/// Open places, oldest first.
pub async fn open<B: SqlBackend>(store: &B, limit: u32) -> Result<Vec<WaitlistEntry>> {
    let statement = Statement::new(format!(
        "SELECT {COLUMNS} FROM waitlist_entries WHERE status IN ('waiting', 'offered') \
         ORDER BY created_at, id LIMIT $1"
    ))
    .int(i64::from(limit));
    let rows = store.read(&statement).await?;
    rows.iter().map(entry).collect()
}

/// A client's places, or a business's open ones, oldest first.
pub async fn list<B: SqlBackend>(
    store: &B,
    client: Option<ClientId>,
    business: Option<BusinessId>,
) -> Result<Vec<WaitlistEntry>> {
    let mut statement = Statement::new(format!(
        "SELECT {COLUMNS} FROM waitlist_entries WHERE 1 = 1"
    ));
    if let Some(c) = client {
        statement
            .push(" AND client_id = ")
            .push_bind(Value::Id(c.0));
    }
    if let Some(b) = business {
        statement
            .push(" AND business_id = ")
            .push_bind(Value::Id(b.0))
            .push(" AND status IN ('waiting', 'offered')");
    }
    statement
        .push(" ORDER BY created_at, id LIMIT ")
        .push_bind(Value::Int(i64::from(MAX_PAGE_SIZE)));
    let rows = store.read(&statement).await?;
    rows.iter().map(entry).collect()
}

/// Replaces a place still in status `expected`; whether it was.
pub async fn update<B: SqlBackend>(
    store: &B,
    e: &WaitlistEntry,
    expected: WaitlistStatus,
) -> Result<bool> {
    let statement = Statement::new(
        "UPDATE waitlist_entries SET status = $2, offer_resource_id = $3, offer_start = $4, \
         offer_expires_at = $5, reservation_id = $6 WHERE id = $1 AND status = $7",
    )
    .bind(Value::Id(e.id.0))
    .text(e.status.as_str())
    .bind(Value::OptId(e.offer.map(|o| o.resource_id.0)))
    .bind(Value::OptInt(e.offer.map(|o| o.start.secs())))
    .bind(Value::OptInt(e.offer.map(|o| o.expires_at.secs())))
    .bind(Value::OptId(e.reservation_id.map(|r| r.0)))
    .text(expected.as_str());
    let mut tx = store.begin().await?;
    let changed = B::execute(&mut tx, &statement).await?;
    B::commit(tx).await?;
    Ok(changed == 1)
}

/// A `waitlist_entries` row.
fn entry(row: &impl SqlRow) -> Result<WaitlistEntry> {
    let status_text = row.text("status")?;
    let status = WaitlistStatus::parse(&status_text).ok_or_else(|| Error::Storage {
        message: format!("unknown waitlist status {status_text:?} in the database"),
    })?;
    let offer = match (
        row.opt_id("offer_resource_id")?,
        row.opt_int("offer_start")?,
        row.opt_int("offer_expires_at")?,
    ) {
        (Some(resource), Some(start), Some(expires)) => Some(Offer {
            resource_id: ResourceId(resource),
            start: Timestamp::from_secs(start),
            expires_at: Timestamp::from_secs(expires),
        }),
        _ => None,
    };
    Ok(WaitlistEntry {
        id: WaitlistId(row.id("id")?),
        business_id: BusinessId(row.id("business_id")?),
        service_id: ServiceId(row.id("service_id")?),
        client_id: ClientId(row.id("client_id")?),
        resource_id: row.opt_id("resource_id")?.map(ResourceId),
        range: Interval::new(
            Timestamp::from_secs(row.int("range_start")?),
            Timestamp::from_secs(row.int("range_end")?),
        )?,
        status,
        offer,
        reservation_id: row.opt_id("reservation_id")?.map(ReservationId),
        created_at: Timestamp::from_secs(row.int("created_at")?),
    })
}
