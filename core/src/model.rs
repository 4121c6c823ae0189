//! The domain model: businesses, resources, services, clients, availability windows and
//! reservations, with typed identifiers and money in minor units.
//!
//! These are plain data types. The rules that decide whether a value is acceptable live in
//! [`crate::validation`] (formats, bounds), [`crate::hours`] (opening hours, closures),
//! [`crate::slots`] (what is bookable) and [`crate::lifecycle`] (status changes).

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
pub use uuid::Uuid;

use crate::business_status::BusinessStatus;
use crate::error::{Error, Result};
use crate::hours::{Closure, OpeningHours, SpecialHours};
use crate::time::{Interval, Timestamp};

/// Builds a UUID version 7 from a millisecond Unix time and 10 random bytes. The core never
/// reads a clock or a random source itself; callers pass both (see [`crate::ports::IdSource`]).
pub fn uuid_v7(unix_millis: u64, random: [u8; 10]) -> Uuid {
    uuid::Builder::from_unix_timestamp_millis(unix_millis, &random).into_uuid()
}

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            /// Wraps a UUID.
            pub const fn from_uuid(uuid: Uuid) -> Self {
                Self(uuid)
            }

            /// The underlying UUID.
            pub const fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.0)
            }
        }

        impl FromStr for $name {
            type Err = Error;
            fn from_str(s: &str) -> Result<Self> {
                Uuid::parse_str(s).map(Self).map_err(|_| {
                    Error::field("id", "invalid_format", format!("{s:?} is not a UUID"))
                })
            }
        }
    };
}

id_type!(
    /// Identifies a business.
    BusinessId
);
id_type!(
    /// Identifies a resource (staff member, room) of a business.
    ResourceId
);
id_type!(
    /// Identifies a service.
    ServiceId
);
id_type!(
    /// Identifies a client (the client's user account and profile).
    ClientId
);
id_type!(
    /// Identifies a business owner's or administrator's user account.
    UserId
);
id_type!(
    /// Identifies an availability window.
    AvailabilityId
);
id_type!(
    /// Identifies a series of availability windows generated from one recurrence rule.
    SeriesId
);
id_type!(
    /// Identifies a reservation.
    ReservationId
);
id_type!(
    /// Identifies a client's place on a service's waitlist.
    WaitlistId
);
id_type!(
    /// Identifies an entry of a business's client file ([`crate::contacts`]).
    ContactId
);

/// An IANA time zone, serialised as its name (`"Europe/Paris"`).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct Zone(pub Tz);

impl Zone {
    /// Parses an IANA name; fails with [`Error::UnknownTimeZone`].
    pub fn parse(name: &str) -> Result<Self> {
        crate::tz::parse_zone(name).map(Zone)
    }

    /// The IANA name.
    pub fn name(&self) -> &'static str {
        self.0.name()
    }
}

impl fmt::Display for Zone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Serialize for Zone {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl<'de> Deserialize<'de> for Zone {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let name = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Zone::parse(&name).map_err(serde::de::Error::custom)
    }
}

/// An ISO 4217 currency code (three uppercase ASCII letters).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Currency([u8; 3]);

impl Currency {
    /// Parses a code such as `"EUR"`; fails with a validation error on `currency`.
    pub fn parse(code: &str) -> Result<Self> {
        let bytes = code.as_bytes();
        if bytes.len() == 3 && bytes.iter().all(u8::is_ascii_uppercase) {
            Ok(Self([bytes[0], bytes[1], bytes[2]]))
        } else {
            Err(Error::field(
                "currency",
                "invalid_format",
                format!(
                    "currency must be an ISO 4217 code of three uppercase letters, got {code:?}"
                ),
            ))
        }
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        // Only uppercase ASCII is ever stored.
        std::str::from_utf8(&self.0).unwrap_or("XXX")
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Currency {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let code = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Currency::parse(&code).map_err(serde::de::Error::custom)
    }
}

/// An amount of money: integer minor units (cents) and a currency. Never floating point.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Money {
    /// Amount in the currency's minor unit (e.g. cents); `2500` EUR is 25.00 €.
    pub amount_minor: i64,
    /// ISO 4217 currency.
    pub currency: Currency,
}

impl Money {
    /// Builds an amount.
    pub fn new(amount_minor: i64, currency: Currency) -> Self {
        Self {
            amount_minor,
            currency,
        }
    }
}

/// A postal address.
#[derive(Clone, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Address {
    /// Street and number.
    pub street: String,
    /// Postal code.
    pub postal_code: String,
    /// City.
    pub city: String,
    /// ISO 3166-1 alpha-2 country code, e.g. `"FR"`.
    pub country: String,
}

/// A business that publishes services (an *entreprise*).
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Business {
    /// Identifier.
    pub id: BusinessId,
    /// The owner's user account.
    pub owner_id: UserId,
    /// Public name.
    pub name: String,
    /// Line of business, e.g. `"coiffure"` (searchable).
    pub domain: String,
    /// Free description.
    pub description: String,
    /// City (searchable).
    pub city: String,
    /// Postal address.
    pub address: Address,
    /// Time zone in which opening hours and recurrences are read.
    pub time_zone: Zone,
    /// Where the business stands with the administrators (BIZ-1,
    /// [`crate::business_status`]): only a validated business is listed publicly and takes
    /// bookings. Required in JSON (a document without it is refused, never read as pending).
    pub status: BusinessStatus,
    /// Why an administrator rejected or suspended it (told to the owner); `None` otherwise.
    #[serde(default)]
    pub status_reason: Option<String>,
    /// Weekly opening hours (BIZ-3).
    pub opening_hours: OpeningHours,
    /// Public holidays and exceptional closures (BIZ-4).
    pub closures: Vec<Closure>,
    /// Dates whose opening hours differ from their weekday's (BIZ-4).
    #[serde(default)]
    pub special_hours: Vec<SpecialHours>,
}

/// What kind of resource performs a service.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ResourceKind {
    /// A staff member.
    Staff,
    /// A room or piece of equipment.
    Room,
}

/// A staff member or room of a business; availability windows and reservations belong to one.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Resource {
    /// Identifier.
    pub id: ResourceId,
    /// Owning business.
    pub business_id: BusinessId,
    /// Display name.
    pub name: String,
    /// Staff or room.
    pub kind: ResourceKind,
    /// Inactive resources take no new bookings ([`crate::resources`]).
    pub active: bool,
    /// When it works, inside the business's opening hours (BIZ-3, VAL-2: a stylist who works
    /// Tuesday to Saturday); `None` means the business's opening hours. Slots and bookings
    /// need both ([`crate::resources::validate_working_hours`]). Absent in older documents.
    #[serde(default)]
    pub working_hours: Option<OpeningHours>,
}

/// The timing rules of a service that slot computation applies.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SlotRules {
    /// Length of one appointment.
    pub duration_minutes: u32,
    /// Distance between two consecutive slot starts (usually the duration).
    pub step_minutes: u32,
    /// Time the resource is busy before each appointment (preparation).
    pub buffer_before_minutes: u32,
    /// Time the resource is busy after each appointment (cleaning, travel).
    pub buffer_after_minutes: u32,
    /// Bookings must start at least this long after `now`.
    pub min_notice_minutes: u32,
    /// Bookings must start at most this many days after `now`.
    pub horizon_days: u32,
    /// Places per slot: 1 for one-to-one services, more for group services.
    pub seats: u32,
}

impl SlotRules {
    /// One-to-one rules with the step equal to the duration, no buffers, no notice and a
    /// 90-day horizon.
    pub fn simple(duration_minutes: u32) -> Self {
        Self {
            duration_minutes,
            step_minutes: duration_minutes,
            buffer_before_minutes: 0,
            buffer_after_minutes: 0,
            min_notice_minutes: 0,
            horizon_days: 90,
            seats: 1,
        }
    }
}

/// A service offered by a business.
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Service {
    /// Identifier.
    pub id: ServiceId,
    /// Owning business.
    pub business_id: BusinessId,
    /// Name.
    pub name: String,
    /// Description.
    pub description: String,
    /// Price charged per booking.
    pub price: Money,
    /// Category (SVC-3).
    pub category: Option<String>,
    /// Free tags (SVC-3).
    pub tags: Vec<String>,
    /// Only active services can be booked (PERM-3).
    pub active: bool,
    /// Timing rules.
    pub rules: SlotRules,
    /// Resources that perform the service (at least one).
    pub resource_ids: Vec<ResourceId>,
    /// Clients may cancel until this many minutes before the start.
    pub cancellation_deadline_minutes: u32,
    /// How many times the client may move one reservation to another slot (the business is
    /// not limited).
    pub max_reschedules: u32,
}

/// A client's profile (CLI-3).
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ClientProfile {
    /// Identifier (the client's account).
    pub id: ClientId,
    /// Account email, lowercase domain.
    pub email: String,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Phone number in E.164 (`+33612345678`).
    pub phone: Option<String>,
    /// Postal address.
    pub address: Option<Address>,
}

/// A period during which a resource can be booked (a *disponibilité*).
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AvailabilityWindow {
    /// Identifier.
    pub id: AvailabilityId,
    /// Owning business.
    pub business_id: BusinessId,
    /// The resource that is available.
    pub resource_id: ResourceId,
    /// When.
    pub interval: Interval,
    /// The recurring series that generated this window, if any.
    pub series_id: Option<SeriesId>,
}

/// Status of a reservation (CORE-6).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ReservationStatus {
    /// Requested by the client, awaiting the business.
    Pending,
    /// Accepted by the business.
    Confirmed,
    /// Took place.
    Completed,
    /// The client did not come.
    NoShow,
    /// Cancelled by the client.
    CancelledByClient,
    /// Cancelled by the business.
    CancelledByBusiness,
}

impl ReservationStatus {
    /// Every status.
    pub const ALL: [ReservationStatus; 6] = [
        ReservationStatus::Pending,
        ReservationStatus::Confirmed,
        ReservationStatus::Completed,
        ReservationStatus::NoShow,
        ReservationStatus::CancelledByClient,
        ReservationStatus::CancelledByBusiness,
    ];

    /// Whether the reservation still holds its slot (pending or confirmed). Only these count
    /// for capacity and double-booking checks.
    pub const fn is_active(self) -> bool {
        matches!(
            self,
            ReservationStatus::Pending | ReservationStatus::Confirmed
        )
    }

    /// The snake_case name used in JSON and storage.
    pub const fn as_str(self) -> &'static str {
        match self {
            ReservationStatus::Pending => "pending",
            ReservationStatus::Confirmed => "confirmed",
            ReservationStatus::Completed => "completed",
            ReservationStatus::NoShow => "no_show",
            ReservationStatus::CancelledByClient => "cancelled_by_client",
            ReservationStatus::CancelledByBusiness => "cancelled_by_business",
        }
    }

    /// Parses the snake_case name.
    pub fn parse(text: &str) -> Result<Self> {
        Self::ALL
            .into_iter()
            .find(|s| s.as_str() == text)
            .ok_or_else(|| {
                Error::field(
                    "status",
                    "invalid_choice",
                    format!("unknown reservation status {text:?}"),
                )
            })
    }
}

impl fmt::Display for ReservationStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who performs an action on a reservation.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Actor {
    /// The client who holds the reservation.
    Client,
    /// The business (its owner or staff).
    Business,
    /// A platform administrator.
    Admin,
    /// The platform itself (automatic transitions).
    System,
}

impl fmt::Display for Actor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Actor::Client => "client",
            Actor::Business => "business",
            Actor::Admin => "admin",
            Actor::System => "system",
        })
    }
}

/// One recorded change of a reservation: who, when, from what, to what, and why.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TransitionRecord {
    /// Status before (`None` at creation).
    pub from: Option<ReservationStatus>,
    /// Status after.
    pub to: ReservationStatus,
    /// Who acted.
    pub actor: Actor,
    /// When.
    pub at: Timestamp,
    /// Reason given (cancellations), or a note such as the previous time of a reschedule.
    pub reason: Option<String>,
}

/// A booking of a service with a resource by a client.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Reservation {
    /// Identifier.
    pub id: ReservationId,
    /// Business of the service.
    pub business_id: BusinessId,
    /// Who booked.
    pub client_id: ClientId,
    /// What was booked.
    pub service_id: ServiceId,
    /// Who or what performs it.
    pub resource_id: ResourceId,
    /// When the appointment takes place.
    pub interval: Interval,
    /// Buffer before, copied from the service when booked.
    pub buffer_before_minutes: u32,
    /// Buffer after, copied from the service when booked.
    pub buffer_after_minutes: u32,
    /// Current status.
    pub status: ReservationStatus,
    /// Price at booking time.
    pub price: Money,
    /// How many times it was moved.
    pub reschedule_count: u32,
    /// Every status change, oldest first.
    pub history: Vec<TransitionRecord>,
    /// When it was created.
    pub created_at: Timestamp,
}

impl Reservation {
    /// The range the reservation keeps the resource busy, buffers included.
    pub fn blocked_interval(&self) -> Interval {
        self.interval.widened(
            i64::from(self.buffer_before_minutes) * 60,
            i64::from(self.buffer_after_minutes) * 60,
        )
    }

    /// Start as chrono.
    pub fn start_utc(&self) -> DateTime<Utc> {
        self.interval.start().to_utc()
    }
}

/// When one resource can be booked: all the slot engine needs of an availability window.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct OpenPeriod {
    /// The resource.
    pub resource_id: ResourceId,
    /// When it is available.
    pub interval: Interval,
}

impl From<&AvailabilityWindow> for OpenPeriod {
    fn from(w: &AvailabilityWindow) -> Self {
        Self {
            resource_id: w.resource_id,
            interval: w.interval,
        }
    }
}

/// Where and when one active reservation keeps its resource busy: all the slot engine needs
/// of it, without its client, price or history. Stores read these for slot queries
/// ([`crate::ports::ReservationStore::list_busy`]) because they are a fraction of a whole
/// reservation's size.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct BusyPeriod {
    /// The busy resource.
    pub resource_id: ResourceId,
    /// The service booked (a group slot shares its seats only with the same service).
    pub service_id: ServiceId,
    /// The appointment itself, buffers excluded.
    pub interval: Interval,
    /// Buffer before the appointment, in minutes.
    pub buffer_before_minutes: u32,
    /// Buffer after the appointment, in minutes.
    pub buffer_after_minutes: u32,
}

impl BusyPeriod {
    /// The range the resource is busy, buffers included.
    pub fn blocked_interval(&self) -> Interval {
        self.interval.widened(
            i64::from(self.buffer_before_minutes) * 60,
            i64::from(self.buffer_after_minutes) * 60,
        )
    }
}

impl From<&Reservation> for BusyPeriod {
    fn from(r: &Reservation) -> Self {
        Self {
            resource_id: r.resource_id,
            service_id: r.service_id,
            interval: r.interval,
            buffer_before_minutes: r.buffer_before_minutes,
            buffer_after_minutes: r.buffer_after_minutes,
        }
    }
}

/// A civil date in the business's zone (used by closures and filters).
pub type LocalDate = NaiveDate;
