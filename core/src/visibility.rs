//! What the public may see (BIZ-1, PERM-2): a business once an administrator validated it, and
//! its active services. Anything else is answered exactly like something that does not exist,
//! so an outsider cannot tell a hidden business or service from a wrong id.
//!
//! The server's public routes, new bookings, the business list's filter and the search's SQL
//! (`storage`, checked by the conformance suite's
//! `search_finds_validated_businesses_and_active_services`) all follow these rules.

use crate::business_status::BusinessStatus;
use crate::error::{Entity, Error, Result};
use crate::model::{Business, Service};
use crate::ports::BusinessFilter;

/// Whether the public may see `business`: an administrator validated it (not pending,
/// rejected or suspended, [`crate::business_status`]).
pub fn business_is_public(business: &Business) -> bool {
    business.status.is_public()
}

/// Whether the public may see and book `service` of `business`: the service is active, belongs
/// to `business`, and the business is public.
pub fn service_is_public(business: &Business, service: &Service) -> bool {
    service.business_id == business.id && service.active && business_is_public(business)
}

/// `business` as the public sees it: itself, or `NOT_FOUND` when hidden.
pub fn check_business_is_public(business: &Business) -> Result<()> {
    if business_is_public(business) {
        Ok(())
    } else {
        Err(Error::NotFound {
            entity: Entity::Business,
        })
    }
}

/// `service` as the public sees it: itself, or `NOT_FOUND` (of the service, never of its
/// business) when the service or its business is hidden.
pub fn check_service_is_public(business: &Business, service: &Service) -> Result<()> {
    if service_is_public(business, service) {
        Ok(())
    } else {
        Err(Error::NotFound {
            entity: Entity::Service,
        })
    }
}

/// The business list's filter that keeps only public businesses, with the caller's other
/// criteria.
pub fn public_business_filter(
    domain: Option<String>,
    city: Option<String>,
    catalog: crate::catalog::CatalogFilter,
) -> BusinessFilter {
    BusinessFilter {
        status: Some(BusinessStatus::Validated),
        domain,
        city,
        owner_id: None,
        catalog,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hours::OpeningHours;
    use crate::model::{Address, BusinessId, Currency, Money, ServiceId, SlotRules, UserId, Zone};
    use proptest::prelude::*;
    use uuid::Uuid;

    fn business(validated: bool) -> Business {
        with_status(if validated {
            BusinessStatus::Validated
        } else {
            BusinessStatus::Pending
        })
    }

    fn with_status(status: BusinessStatus) -> Business {
        Business {
            id: BusinessId::from_uuid(Uuid::from_u128(0xB1)),
            owner_id: UserId::from_uuid(Uuid::from_u128(0x01)),
            name: "Salon".into(),
            domain: "coiffure".into(),
            description: String::new(),
            city: "Lyon".into(),
            address: Address::default(),
            time_zone: Zone::parse("Europe/Paris").unwrap(),
            status,
            status_reason: None,
            opening_hours: OpeningHours::always_open(),
            closures: vec![],
            special_hours: vec![],
        }
    }

    fn service(of: &Business, active: bool) -> Service {
        Service {
            id: ServiceId::from_uuid(Uuid::from_u128(0x50)),
            business_id: of.id,
            name: "Coupe".into(),
            description: String::new(),
            price: Money::new(2500, Currency::parse("EUR").unwrap()),
            category: None,
            tags: vec![],
            active,
            rules: SlotRules::simple(30),
            resource_ids: vec![],
            cancellation_deadline_minutes: 0,
            max_reschedules: 0,
        }
    }

    #[test]
    fn hidden_things_are_not_found_like_missing_ones() {
        let hidden = business(false);
        assert_eq!(
            check_business_is_public(&hidden),
            Err(Error::NotFound {
                entity: Entity::Business
            })
        );
        let shown = business(true);
        assert_eq!(check_business_is_public(&shown), Ok(()));
        let not_found = Err(Error::NotFound {
            entity: Entity::Service,
        });
        assert_eq!(
            check_service_is_public(&hidden, &service(&hidden, true)),
            not_found
        );
        assert_eq!(
            check_service_is_public(&shown, &service(&shown, false)),
            not_found
        );
        assert_eq!(
            check_service_is_public(&shown, &service(&shown, true)),
            Ok(())
        );
    }

    #[test]
    fn a_service_of_another_business_is_not_public_here() {
        let shown = business(true);
        let mut other = business(true);
        other.id = BusinessId::from_uuid(Uuid::from_u128(0xB2));
        let mut s = service(&other, true);
        s.id = ServiceId::from_uuid(Uuid::from_u128(0x51));
        assert!(!service_is_public(&shown, &s));
    }

    #[test]
    fn the_public_filter_keeps_validated_businesses_only() {
        let f = public_business_filter(Some("coiffure".into()), None, Default::default());
        assert_eq!(f.status, Some(BusinessStatus::Validated));
        assert_eq!(f.owner_id, None);
        assert_eq!(f.domain.as_deref(), Some("coiffure"));
    }

    proptest! {
        /// A service is public exactly when it is active and its business is validated (not
        /// pending, rejected or suspended).
        #[test]
        fn a_service_is_public_iff_active_and_business_validated(
            status in prop::sample::select(BusinessStatus::ALL.to_vec()),
            active in any::<bool>(),
        ) {
            let validated = status == BusinessStatus::Validated;
            let b = with_status(status);
            let s = service(&b, active);
            prop_assert_eq!(service_is_public(&b, &s), validated && active);
            prop_assert_eq!(check_service_is_public(&b, &s).is_ok(), validated && active);
        }
    }
}
