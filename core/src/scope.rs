//! Scope: on whose behalf a use case runs, and which reservations that caller may reach.
//!
//! A client reaches only its own reservations and a business only its own; an administrator
//! and the platform itself reach every one. Anything out of scope answers `NOT_FOUND`, exactly
//! like a missing object, so a caller never learns that someone else's reservation exists.

use crate::model::{Actor, BusinessId, ClientId, Reservation};

/// The caller of a reservation use case, with the identity that bounds what it may reach.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Scope {
    /// A client acting on its own reservations.
    Client(ClientId),
    /// A business (its owner or staff) acting on the reservations it holds.
    Business(BusinessId),
    /// A platform administrator: every reservation.
    Admin,
    /// The platform itself (automatic transitions): every reservation.
    System,
}

impl Scope {
    /// The actor whose permissions apply in the lifecycle rules.
    pub fn actor(self) -> Actor {
        match self {
            Scope::Client(_) => Actor::Client,
            Scope::Business(_) => Actor::Business,
            Scope::Admin => Actor::Admin,
            Scope::System => Actor::System,
        }
    }

    /// Whether this caller may reach `reservation`: a client its own, a business its own,
    /// an administrator or the platform any.
    pub fn can_reach(self, reservation: &Reservation) -> bool {
        match self {
            Scope::Client(client) => reservation.client_id == client,
            Scope::Business(business) => reservation.business_id == business,
            Scope::Admin | Scope::System => true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Currency, Money, ReservationId, ReservationStatus, ResourceId, ServiceId};
    use crate::time::{Interval, Timestamp};
    use proptest::prelude::*;
    use uuid::Uuid;

    fn id(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    fn reservation(client: u128, business: u128) -> Reservation {
        let start = Timestamp::from_secs(1_800_000_000);
        Reservation {
            id: ReservationId(id(1000)),
            business_id: BusinessId(id(business)),
            service_id: ServiceId(id(2000)),
            resource_id: ResourceId(id(3000)),
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
    }
}
