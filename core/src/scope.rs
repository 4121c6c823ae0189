//! Scope: on whose behalf a use case runs, and which reservations that caller may reach.
//!
//! A client reaches only its own reservations and a business only its own; a staff member of
//! a business only those of the resource they work on (their calendar); an administrator and
//! the platform itself reach every one. Anything out of scope answers `NOT_FOUND`, exactly
//! like a missing object, so a caller never learns that someone else's reservation exists.

use crate::model::{Actor, BusinessId, ClientId, Reservation, ResourceId};

/// The caller of a reservation use case, with the identity that bounds what it may reach.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Scope {
    /// A client acting on its own reservations.
    Client(ClientId),
    /// A business (its owner) acting on the reservations it holds.
    Business(BusinessId),
    /// A staff member of a business acting on the reservations of their own resource; the
    /// lifecycle rules treat them as the business.
    Staff {
        /// The business they work for.
        business: BusinessId,
        /// The resource whose calendar is theirs.
        resource: ResourceId,
    },
    /// A platform administrator: every reservation.
    Admin,
    /// The platform itself (automatic transitions): every reservation.
    System,
}

impl Scope {
    /// The business this caller acts for, if it acts for one (an owner or a staff member).
    pub fn business(self) -> Option<BusinessId> {
        match self {
            Scope::Business(business) | Scope::Staff { business, .. } => Some(business),
            Scope::Client(_) | Scope::Admin | Scope::System => None,
        }
    }

    /// The one resource this caller is bound to (a staff member's), if any.
    pub fn resource(self) -> Option<ResourceId> {
        match self {
            Scope::Staff { resource, .. } => Some(resource),
            _ => None,
        }
    }

    /// The actor whose permissions apply in the lifecycle rules.
    pub fn actor(self) -> Actor {
        match self {
            Scope::Client(_) => Actor::Client,
            Scope::Business(_) | Scope::Staff { .. } => Actor::Business,
            Scope::Admin => Actor::Admin,
            Scope::System => Actor::System,
        }
    }

    /// Whether this caller may reach `reservation`: a client its own, a business its own, a
    /// staff member those of its business on its resource, an administrator or the platform
    /// any.
    pub fn can_reach(self, reservation: &Reservation) -> bool {
        match self {
            Scope::Client(client) => reservation.client_id == client,
            Scope::Business(business) => reservation.business_id == business,
            Scope::Staff { business, resource } => {
                reservation.business_id == business && reservation.resource_id == resource
            }
            Scope::Admin | Scope::System => true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Currency, Money, ReservationId, ReservationStatus, ServiceId};
    use crate::time::{Interval, Timestamp};
    use proptest::prelude::*;
    use uuid::Uuid;

    fn id(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    fn staff(business: u128, resource: u128) -> Scope {
        Scope::Staff {
            business: BusinessId(id(business)),
            resource: ResourceId(id(resource)),
        }
    }

    fn reservation(client: u128, business: u128) -> Reservation {
        on_resource(client, business, 3000)
    }

    fn on_resource(client: u128, business: u128, resource: u128) -> Reservation {
        let start = Timestamp::from_secs(1_800_000_000);
        Reservation {
            id: ReservationId(id(1000)),
            business_id: BusinessId(id(business)),
            service_id: ServiceId(id(2000)),
            resource_id: ResourceId(id(resource)),
            client_id: ClientId(id(client)),
            interval: Interval::new(start, start.add_secs(3600)).unwrap(),
            buffer_before_minutes: 0,
            buffer_after_minutes: 0,
            status: ReservationStatus::Confirmed,
            price: Money::new(2500, Currency::parse("EUR").unwrap()),
            reschedule_count: 0,
            history: Vec::new(),
            created_at: start,
        }
    }

    #[test]
    fn each_scope_acts_as_its_actor() {
        assert_eq!(Scope::Client(ClientId(id(1))).actor(), Actor::Client);
        assert_eq!(Scope::Business(BusinessId(id(1))).actor(), Actor::Business);
        assert_eq!(staff(1, 2).actor(), Actor::Business);
        assert_eq!(Scope::Admin.actor(), Actor::Admin);
        assert_eq!(Scope::System.actor(), Actor::System);
    }

    #[test]
    fn a_client_and_a_business_reach_only_their_own() {
        let r = reservation(1, 2);
        assert!(Scope::Client(ClientId(id(1))).can_reach(&r));
        assert!(!Scope::Client(ClientId(id(2))).can_reach(&r));
        assert!(Scope::Business(BusinessId(id(2))).can_reach(&r));
        assert!(!Scope::Business(BusinessId(id(1))).can_reach(&r));
        assert!(Scope::Admin.can_reach(&r));
        assert!(Scope::System.can_reach(&r));
    }

    #[test]
    fn a_staff_member_reaches_only_its_resource_in_its_business() {
        let r = on_resource(1, 2, 30);
        assert!(staff(2, 30).can_reach(&r));
        assert!(
            !staff(2, 31).can_reach(&r),
            "another resource of the business"
        );
        assert!(!staff(3, 30).can_reach(&r), "another business");
        assert_eq!(staff(2, 30).business(), Some(BusinessId(id(2))));
        assert_eq!(staff(2, 30).resource(), Some(ResourceId(id(30))));
        assert_eq!(Scope::Business(BusinessId(id(2))).resource(), None);
        assert_eq!(Scope::Client(ClientId(id(1))).business(), None);
    }

    proptest! {
        #[test]
        fn a_scope_reaches_a_reservation_exactly_when_the_ids_match(
            client in 0u128..4, business in 0u128..4, asker in 0u128..4,
        ) {
            let r = reservation(client, business);
            prop_assert_eq!(Scope::Client(ClientId(id(asker))).can_reach(&r), asker == client);
            prop_assert_eq!(
                Scope::Business(BusinessId(id(asker))).can_reach(&r),
                asker == business
            );
        }

        #[test]
        fn a_staff_member_reaches_a_reservation_exactly_when_business_and_resource_match(
            business in 0u128..3, resource in 0u128..3, asker in 0u128..3, on in 0u128..3,
        ) {
            let r = on_resource(1, business, resource);
            prop_assert_eq!(
                staff(asker, on).can_reach(&r),
                asker == business && on == resource
            );
            // A staff member never reaches more than its business does.
            prop_assert!(!staff(asker, on).can_reach(&r) || Scope::Business(BusinessId(id(asker))).can_reach(&r));
        }
    }
}
