//! OpenAPI schemas of the core types (feature `openapi`, DOC-1).
//!
//! The server generates its OpenAPI 3.1 document from its handlers with utoipa, so every core
//! type that travels over HTTP implements `utoipa::ToSchema`. Most derive it next to their serde
//! derive (`#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]`), and utoipa reads the
//! same serde attributes (`rename_all`, `default`, `deny_unknown_fields`, `tag`, `flatten`).
//!
//! The types whose JSON form is written by hand get their schema here instead, written to
//! describe exactly what their serde impls write and accept:
//!
//! | type | JSON |
//! | --- | --- |
//! | the id newtypes ([`BusinessId`] …) | string, `format: uuid` |
//! | [`Timestamp`] | string, `format: date-time`, written in UTC (`"2026-03-29T09:00:00Z"`) |
//! | [`Interval`] | `{"start", "end"}` of timestamps, no other key, `end` after `start` |
//! | [`WallTime`] | string `"HH:MM"`, `00:00` to `24:00` |
//! | [`TimeRange`] | `{"start", "end"}` of wall times, no other key, `end` after `start` |
//! | [`Zone`] | string, an IANA name (`"Europe/Paris"`) |
//! | [`Currency`] | string, three uppercase letters (`"EUR"`) |
//! | [`ErrorCode`] | string, one of [`ErrorCode::ALL`] |
//! | [`RecurrenceRule`] | string, RFC 5545 `RRULE` text |
//!
//! plus two field schemas used with `schema_with`: local date-times (`chrono::NaiveDateTime`,
//! which serde writes without an offset, so not `date-time`) and the verdict of a
//! [`crate::slots::Candidate`] (serde's form of a `Result`).

use utoipa::openapi::schema::{
    AdditionalProperties, ArrayBuilder, ObjectBuilder, OneOfBuilder, Schema, SchemaFormat, Type,
};
use utoipa::openapi::{KnownFormat, RefOr};
use utoipa::{PartialSchema, ToSchema};

use crate::error::ErrorCode;
use crate::hours::{TimeRange, WallTime};
use crate::model::{
    AvailabilityId, BusinessId, ClientId, Currency, ReservationId, ResourceId, SeriesId, ServiceId,
    UserId, WaitlistId, Zone,
};
use crate::recurrence::RecurrenceRule;
use crate::time::{Interval, Timestamp};

/// Example identifier shown for every id type (a version 7 UUID, as the platform issues).
const EXAMPLE_UUID: &str = "0196f1a2-3b4c-7d5e-8f60-718293a4b5c6";

/// A string schema.
fn string(description: &str) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some(description))
}

/// An object of exactly two required properties `start` and `end` of the schema `T`.
fn start_end<T: ToSchema>(description: &str, example: serde_json::Value) -> RefOr<Schema> {
    let bound = || RefOr::Ref(utoipa::openapi::Ref::from_schema_name(T::name()));
    ObjectBuilder::new()
        .schema_type(Type::Object)
        .description(Some(description))
        .property("start", bound())
        .property("end", bound())
        .required("start")
        .required("end")
        .additional_properties(Some(AdditionalProperties::FreeForm(false)))
        .examples([example])
        .into()
}

macro_rules! manual_schema {
    ($ty:ty, $name:expr, $schema:expr $(, refers_to $dep:ty)?) => {
        impl PartialSchema for $ty {
            fn schema() -> RefOr<Schema> {
                $schema
            }
        }

        impl ToSchema for $ty {
            fn name() -> std::borrow::Cow<'static, str> {
                std::borrow::Cow::Borrowed($name)
            }

            $(
                fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
                    schemas.push((<$dep>::name().into(), <$dep>::schema()));
                    <$dep>::schemas(schemas);
                }
            )?
        }
    };
}

macro_rules! id_schema {
    ($($ty:ident: $description:literal),* $(,)?) => {
        $(manual_schema!(
            $ty,
            stringify!($ty),
            string($description)
                .format(Some(SchemaFormat::KnownFormat(KnownFormat::Uuid)))
                .examples([EXAMPLE_UUID])
                .into()
        );)*
    };
}

id_schema!(
    BusinessId: "Identifies a business.",
    ResourceId: "Identifies a resource (staff member, room) of a business.",
    ServiceId: "Identifies a service.",
    ClientId: "Identifies a client (the client's user account and profile).",
    UserId: "Identifies a business owner's or administrator's user account.",
    AvailabilityId: "Identifies an availability window.",
    SeriesId: "Identifies a series of availability windows generated from one recurrence rule.",
    ReservationId: "Identifies a reservation.",
    WaitlistId: "Identifies a client's place on a service's waitlist.",
);

manual_schema!(
    Timestamp,
    "Timestamp",
    string(
        "A UTC instant at one-second resolution, as RFC 3339. Always written in UTC with a `Z` \
         and no fraction; any offset is accepted on input and normalised to UTC, and a fraction \
         of a second is dropped."
    )
    .format(Some(SchemaFormat::KnownFormat(KnownFormat::DateTime)))
    .examples(["2026-03-29T09:00:00Z"])
    .into()
);

manual_schema!(
    Interval,
    "Interval",
    start_end::<Timestamp>(
        "A half-open interval [start, end): `end` must be after `start`, and two intervals that \
         only touch do not overlap.",
        serde_json::json!({"start": "2026-03-30T07:00:00Z", "end": "2026-03-30T15:00:00Z"}),
    ),
    refers_to Timestamp
);

manual_schema!(
    WallTime,
    "WallTime",
    string("A wall-clock time of day, `HH:MM` at minute resolution, `00:00` to `24:00`.")
        .pattern(Some("^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$"))
        .examples(["09:30"])
        .into()
);

manual_schema!(
    TimeRange,
    "TimeRange",
    start_end::<WallTime>(
        "A wall-clock range within one day: `end` must be after `start`; `24:00` may end a \
         range.",
        serde_json::json!({"start": "09:00", "end": "12:30"}),
    ),
    refers_to WallTime
);

manual_schema!(
    Zone,
    "Zone",
    string("An IANA time zone name.")
        .examples(["Europe/Paris"])
        .into()
);

manual_schema!(
    Currency,
    "Currency",
    string("An ISO 4217 currency code: three uppercase ASCII letters.")
        .min_length(Some(3))
        .max_length(Some(3))
        .pattern(Some("^[A-Z]{3}$"))
        .examples(["EUR"])
        .into()
);

/// The codes an [`ErrorCode`] is written as (inlined where a `$ref` could not be collected).
fn error_codes() -> ObjectBuilder {
    string("Stable machine code of an error; the contract with every front end.")
        .enum_values(Some(ErrorCode::ALL.iter().map(|c| c.as_str())))
}

manual_schema!(
    ErrorCode,
    "ErrorCode",
    error_codes()
        .examples([ErrorCode::SlotFull.as_str()])
        .into()
);

manual_schema!(
    RecurrenceRule,
    "RecurrenceRule",
    string(
        "An RFC 5545 recurrence rule (RRULE text, without the `RRULE:` prefix). Parts are \
         accepted in any order and written back in a canonical one."
    )
    .examples(["FREQ=WEEKLY;COUNT=10;BYDAY=MO"])
    .into()
);

/// Pattern of a local date-time as chrono writes and reads a `NaiveDateTime`.
const LOCAL_DATE_TIME_PATTERN: &str =
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?$";

/// Schema of a `chrono::NaiveDateTime` field: a wall-clock date and time without an offset
/// (`"2026-04-06T09:00:00"`), read in the business's time zone.
pub(crate) fn local_date_time() -> ObjectBuilder {
    string(
        "A local wall-clock date and time without an offset (`YYYY-MM-DDTHH:MM:SS`), read in \
         the business's time zone.",
    )
    .pattern(Some(LOCAL_DATE_TIME_PATTERN))
}

/// Schema of a `Vec<chrono::NaiveDateTime>` field.
pub(crate) fn local_date_times() -> ArrayBuilder {
    ArrayBuilder::new().items(local_date_time())
}

/// Schema of the `verdict` of a [`crate::slots::Candidate`], a `Result<u32, ErrorCode>` that
/// serde writes externally tagged: `{"Ok": seats_left}` or `{"Err": "SLOT_FULL"}`.
pub(crate) fn candidate_verdict() -> OneOfBuilder {
    let tagged = |key: &str, schema: RefOr<Schema>, description: &str| {
        ObjectBuilder::new()
            .schema_type(Type::Object)
            .description(Some(description))
            .property(key, schema)
            .required(key)
            .additional_properties(Some(AdditionalProperties::FreeForm(false)))
    };
    OneOfBuilder::new()
        .item(tagged(
            "Ok",
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int32)))
                .minimum(Some(0))
                .into(),
            "Bookable: the seats left.",
        ))
        .item(tagged(
            "Err",
            error_codes().into(),
            "Not bookable: the code of the reason.",
        ))
}

#[cfg(test)]
#[allow(
    unused_qualifications,
    reason = "utoipa's derive expands the schema list into qualified paths"
)]
mod tests {
    use std::collections::BTreeSet;

    use serde::Serialize;
    use serde::de::DeserializeOwned;
    use serde_json::Value;
    use utoipa::OpenApi;

    use super::*;
    use crate::booking::{BookingRequest, ValidBooking};
    use crate::error::{Entity, FieldError, ItemFailure};
    use crate::hours::{Closure, ClosureKind, OpeningHours};
    use crate::memory::{MemoryStore, block_on};
    use crate::model::{
        Actor, Address, AvailabilityWindow, Business, ClientProfile, Money, Reservation,
        ReservationStatus, Resource, ResourceKind, Service, SlotRules, TransitionRecord,
    };
    use crate::ports::{
        BusinessFilter, BusinessSort, FixedClock, Page, PageRequest, ReservationFilter,
        ReservationSort, ReservationView, SequentialIds,
    };
    use crate::search::{HitKind, SearchHit, SearchQuery};
    use crate::slots::{Busy, Candidate, ResourceSchedule, Schedule, Slot, SlotList, SlotQuery};
    use crate::usecases::{
        ClientProfileInput, NewBusiness, NewService, RecurringAvailability, UseCases,
    };
    use crate::validation::ServiceLimits;

    /// Every public serde type of the core, as the server's document would gather them.
    #[derive(OpenApi)]
    #[openapi(components(schemas(
        NewBusiness,
        NewService,
        ClientProfileInput,
        RecurringAvailability,
        BookingRequest,
        ValidBooking,
        Business,
        Service,
        Resource,
        ResourceKind,
        ClientProfile,
        Address,
        Money,
        SlotRules,
        AvailabilityWindow,
        Reservation,
        ReservationStatus,
        TransitionRecord,
        Actor,
        ReservationView,
        Page<ReservationView>,
        PageRequest,
        ReservationFilter,
        ReservationSort,
        BusinessFilter,
        BusinessSort,
        OpeningHours,
        Closure,
        ClosureKind,
        Schedule,
        ResourceSchedule,
        Busy,
        SlotQuery,
        Slot,
        SlotList,
        Candidate,
        SearchQuery,
        SearchHit,
        HitKind,
        FieldError,
        ItemFailure,
        Entity,
        ErrorCode,
        ServiceLimits,
        RecurrenceRule,
    )))]
    struct CoreDoc;

    fn document() -> Value {
        serde_json::to_value(CoreDoc::openapi()).expect("the document serialises")
    }

    fn component<'a>(doc: &'a Value, name: &str) -> &'a Value {
        doc.pointer(&format!("/components/schemas/{name}"))
            .unwrap_or_else(|| panic!("no component schema {name}"))
    }

    fn examples<'a>(doc: &'a Value, name: &str) -> &'a [Value] {
        component(doc, name)["examples"]
            .as_array()
            .map_or(&[], Vec::as_slice)
    }

    /// Reads every example of a component into its Rust type.
    fn read<T: DeserializeOwned + ToSchema>(doc: &Value) -> Vec<T> {
        let name = T::name();
        let found = examples(doc, &name);
        assert!(!found.is_empty(), "{name} has no example");
        found
            .iter()
            .map(|e| {
                serde_json::from_value(e.clone()).unwrap_or_else(|err| {
                    panic!("example of {name} does not deserialise: {err}\n{e}")
                })
            })
            .collect()
    }

    /// Reads every example and checks that serde writes it back unchanged: the example is the
    /// exact form the type produces.
    fn round_trip<T: DeserializeOwned + Serialize + ToSchema>(doc: &Value) -> usize {
        let name = T::name();
        let values = read::<T>(doc);
        for (value, example) in values.iter().zip(examples(doc, &name)) {
            assert_eq!(
                &serde_json::to_value(value).unwrap(),
                example,
                "{name} does not write its example back"
            );
        }
        values.len()
    }

    /// The first example of an input type.
    fn example<T: DeserializeOwned + ToSchema>() -> T {
        read::<T>(&document()).remove(0)
    }

    /// Every place in the document that carries `examples` or `example`, as JSON pointers.
    fn example_sites(value: &Value, path: &str, out: &mut BTreeSet<String>) {
        match value {
            Value::Object(map) => {
                for (key, child) in map {
                    let here = format!("{path}/{key}");
                    if key == "examples" || key == "example" {
                        out.insert(here.clone());
                    }
                    example_sites(child, &here, out);
                }
            }
            Value::Array(items) => {
                for (i, child) in items.iter().enumerate() {
                    example_sites(child, &format!("{path}/{i}"), out);
                }
            }
            _ => {}
        }
    }

    #[test]
    fn openapi_every_example_deserialises_into_its_type() {
        let doc = document();
        let mut checked = BTreeSet::new();
        let mut check = |name: std::borrow::Cow<'static, str>, count: usize| {
            assert!(count > 0);
            checked.insert(format!("/components/schemas/{name}/examples"));
        };

        // Input types: the examples must be accepted as they are.
        check(
            <NewBusiness as ToSchema>::name(),
            read::<NewBusiness>(&doc).len(),
        );
        check(
            <NewService as ToSchema>::name(),
            read::<NewService>(&doc).len(),
        );
        check(
            <ClientProfileInput as ToSchema>::name(),
            read::<ClientProfileInput>(&doc).len(),
        );
        check(
            <RecurringAvailability as ToSchema>::name(),
            read::<RecurringAvailability>(&doc).len(),
        );
        check(
            <BookingRequest as ToSchema>::name(),
            read::<BookingRequest>(&doc).len(),
        );

        // Hand-written schemas: the example is exactly what serde writes.
        check(
            <BusinessId as ToSchema>::name(),
            round_trip::<BusinessId>(&doc),
        );
        check(
            <ResourceId as ToSchema>::name(),
            round_trip::<ResourceId>(&doc),
        );
        check(
            <ServiceId as ToSchema>::name(),
            round_trip::<ServiceId>(&doc),
        );
        check(<ClientId as ToSchema>::name(), round_trip::<ClientId>(&doc));
        check(<UserId as ToSchema>::name(), round_trip::<UserId>(&doc));
        check(
            <AvailabilityId as ToSchema>::name(),
            round_trip::<AvailabilityId>(&doc),
        );
        check(<SeriesId as ToSchema>::name(), round_trip::<SeriesId>(&doc));
        check(
            <ReservationId as ToSchema>::name(),
            round_trip::<ReservationId>(&doc),
        );
        check(
            <Timestamp as ToSchema>::name(),
            round_trip::<Timestamp>(&doc),
        );
        check(<Interval as ToSchema>::name(), round_trip::<Interval>(&doc));
        check(<WallTime as ToSchema>::name(), round_trip::<WallTime>(&doc));
        check(
            <TimeRange as ToSchema>::name(),
            round_trip::<TimeRange>(&doc),
        );
        check(<Zone as ToSchema>::name(), round_trip::<Zone>(&doc));
        check(<Currency as ToSchema>::name(), round_trip::<Currency>(&doc));
        check(
            <RecurrenceRule as ToSchema>::name(),
            round_trip::<RecurrenceRule>(&doc),
        );
        // ErrorCode is written, never read: its examples must be codes it writes.
        let codes = examples(&doc, "ErrorCode");
        for code in codes {
            let code = code.as_str().expect("error codes are strings");
            assert!(ErrorCode::parse(code).is_some(), "unknown code {code}");
        }
        check(<ErrorCode as ToSchema>::name(), codes.len());

        // No example anywhere else escapes this test.
        let mut sites = BTreeSet::new();
        example_sites(&doc, "", &mut sites);
        let unchecked: Vec<_> = sites.difference(&checked).collect();
        assert!(
            unchecked.is_empty(),
            "examples not checked by this test: {unchecked:?}"
        );
    }

    /// The input examples are not only readable but valid, and consistent with each other: a
    /// business, a service, a recurring availability, a client profile and a booking built from
    /// them go through the use cases (only the ids the store issues are substituted).
    #[test]
    fn openapi_input_examples_make_a_working_booking() {
        block_on(async {
            let app = UseCases::new(
                MemoryStore::new(),
                FixedClock("2026-04-01T08:00:00Z".parse().unwrap()),
                SequentialIds::default(),
            );
            let owner = UserId::from_uuid(uuid::Uuid::from_u128(1));
            let business = app
                .create_business(owner, example::<NewBusiness>())
                .await
                .expect("the NewBusiness example is valid");
            app.validate_business(business.id).await.unwrap();
            let staff = app
                .create_resource(business.id, "Léa", ResourceKind::Staff)
                .await
                .unwrap();

            let mut new_service = example::<NewService>();
            new_service.resource_ids = vec![staff.id];
            let service = app
                .create_service(business.id, new_service)
                .await
                .expect("the NewService example is valid");

            let mut recurring = example::<RecurringAvailability>();
            recurring.resource_id = staff.id;
            let windows = app
                .create_recurring_availabilities(business.id, &recurring)
                .await
                .expect("the RecurringAvailability example is valid");
            assert!(!windows.is_empty());

            let client = ClientId::from_uuid(uuid::Uuid::from_u128(2));
            let profile = app
                .save_client_profile(client, example::<ClientProfileInput>())
                .await
                .expect("the ClientProfileInput example is valid");
            assert_eq!(profile.phone.as_deref(), Some("+33612345678"));

            let mut request = example::<BookingRequest>();
            request.service_id = service.id;
            request.resource_id = Some(staff.id);
            let reservation = app
                .book(client, &request)
                .await
                .expect("the BookingRequest example books a free slot");
            assert_eq!(reservation.interval.start(), request.start);

            // What serde writes for the entities has the properties their schemas declare.
            let doc = document();
            let written = [
                ("Business", serde_json::to_value(&business).unwrap()),
                ("Service", serde_json::to_value(&service).unwrap()),
                ("Resource", serde_json::to_value(&staff).unwrap()),
                (
                    "AvailabilityWindow",
                    serde_json::to_value(&windows[0]).unwrap(),
                ),
                ("ClientProfile", serde_json::to_value(&profile).unwrap()),
                ("Reservation", serde_json::to_value(&reservation).unwrap()),
            ];
            for (name, value) in written {
                assert_same_keys(&doc, name, &value);
            }
        });
    }

    /// A written object has every required property of its schema and nothing undeclared.
    fn assert_same_keys(doc: &Value, name: &str, value: &Value) {
        let schema = component(doc, name);
        let declared: BTreeSet<&str> = schema["properties"]
            .as_object()
            .unwrap_or_else(|| panic!("{name} has no properties"))
            .keys()
            .map(String::as_str)
            .collect();
        let required: BTreeSet<&str> = schema["required"]
            .as_array()
            .map_or(&[][..], Vec::as_slice)
            .iter()
            .filter_map(Value::as_str)
            .collect();
        let written: BTreeSet<&str> = value
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            written, declared,
            "{name}: written keys differ from the schema's"
        );
        assert!(
            required.is_subset(&written),
            "{name}: a required key is not written"
        );
    }

    #[test]
    fn openapi_hand_written_schemas_describe_the_json() {
        let doc = document();
        assert_eq!(doc["openapi"], "3.1.0");
        let ts = component(&doc, "Timestamp");
        assert_eq!(
            (&ts["type"], &ts["format"]),
            (&"string".into(), &"date-time".into())
        );
        let id = component(&doc, "ReservationId");
        assert_eq!(
            (&id["type"], &id["format"]),
            (&"string".into(), &"uuid".into())
        );
        for name in ["Interval", "TimeRange"] {
            let schema = component(&doc, name);
            assert_eq!(schema["additionalProperties"], false, "{name}");
            assert_eq!(
                schema["required"],
                serde_json::json!(["start", "end"]),
                "{name}"
            );
        }
        let codes: Vec<&str> = component(&doc, "ErrorCode")["enum"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(Value::as_str)
            .collect();
        assert_eq!(codes, ErrorCode::ALL.map(ErrorCode::as_str));

        // `Candidate::verdict` is serde's form of a `Result`.
        let candidate = Candidate {
            resource_id: ResourceId::from_uuid(uuid::Uuid::from_u128(3)),
            start: Timestamp::from_secs(0),
            end: Timestamp::from_secs(60),
            verdict: Err(ErrorCode::SlotFull),
        };
        assert_eq!(
            serde_json::to_value(candidate).unwrap()["verdict"],
            serde_json::json!({"Err": "SLOT_FULL"})
        );
        let verdict = &component(&doc, "Candidate")["properties"]["verdict"]["oneOf"];
        assert_eq!(verdict[0]["required"], serde_json::json!(["Ok"]));
        assert_eq!(verdict[1]["required"], serde_json::json!(["Err"]));

        // Every `$ref` points at a component of the document.
        let text = doc.to_string();
        for reference in text.split("\"$ref\":\"#/components/schemas/").skip(1) {
            let name = &reference[..reference.find('"').unwrap()];
            component(&doc, name);
        }
    }
}
