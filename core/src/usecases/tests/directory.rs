//! Directory: services and client profiles.

use super::*;
use crate::error::Entity;
use crate::model::ServiceId;

#[test]
fn service_creation_reports_every_invalid_field() {
    let w = world(1);
    block_on(async {
        let mut rules = SlotRules::simple(3);
        rules.horizon_days = 0;
        let err = w
            .app
            .create_service(
                w.business.id,
                NewService {
                    name: " ".into(),
                    description: "<b>x</b>".into(),
                    price: Money::new(-5, Currency::parse("EUR").unwrap()),
                    category: None,
                    tags: vec![],
                    rules,
                    resource_ids: vec![],
                    cancellation_deadline_minutes: 0,
                    max_reschedules: 0,
                },
            )
            .await
            .unwrap_err();
        let fields: Vec<&str> = err
            .field_errors()
            .iter()
            .map(|f| f.field.as_str())
            .collect();
        assert_eq!(
            fields,
            [
                "name",
                "description",
                "price.amount_minor",
                "rules.duration_minutes",
                "rules.horizon_days",
                "resource_ids"
            ]
        );
    });
}

#[test]
fn client_profiles_are_normalised_and_every_bad_field_reported() {
    let w = world(1);
    block_on(async {
        let p = w
            .app
            .save_client_profile(
                client(1),
                ClientProfileInput {
                    email: " Jeanne@Example.COM ".into(),
                    first_name: " Jeanne ".into(),
                    last_name: "Dupont".into(),
                    phone: Some("+33 6 12 34 56 78".into()),
                    address: None,
                },
            )
            .await
            .unwrap();
        assert_eq!(
            (p.email.as_str(), p.first_name.as_str(), p.phone.as_deref()),
            ("Jeanne@example.com", "Jeanne", Some("+33612345678"))
        );
        let err = w
            .app
            .save_client_profile(
                client(1),
                ClientProfileInput {
                    email: "nope".into(),
                    first_name: "".into(),
                    last_name: "Dupont".into(),
                    phone: Some("12".into()),
                    address: None,
                },
            )
            .await
            .unwrap_err();
        let fields: Vec<&str> = err
            .field_errors()
            .iter()
            .map(|f| f.field.as_str())
            .collect();
        assert_eq!(fields, ["email", "first_name", "phone"]);
        assert_eq!(
            w.app.store.get_client(client(1)).await.unwrap(),
            Some(p),
            "a rejected update loses nothing"
        );
    });
}

#[test]
fn a_service_s_client_policy_is_bounded_on_create_and_update() {
    let w = world(1);
    block_on(async {
        let input = |deadline: u32, reschedules: u32| NewService {
            name: "Coupe longue".into(),
            description: String::new(),
            price: Money::new(2500, Currency::parse("EUR").unwrap()),
            category: None,
            tags: vec![],
            rules: SlotRules::simple(30),
            resource_ids: vec![w.staff[0].id],
            cancellation_deadline_minutes: deadline,
            max_reschedules: reschedules,
        };
        let refused = |err: Error| {
            err.field_errors()
                .iter()
                .map(|f| format!("{}:{}", f.field, f.code))
                .collect::<Vec<_>>()
        };
        let at_bound = w
            .app
            .create_service(w.business.id, input(30 * 24 * 60, 20))
            .await
            .unwrap();
        assert_eq!(at_bound.cancellation_deadline_minutes, 43_200);
        assert_eq!(at_bound.max_reschedules, 20);
        let err = w
            .app
            .create_service(w.business.id, input(43_201, 21))
            .await
            .unwrap_err();
        assert_eq!(
            refused(err),
            [
                "cancellation_deadline_minutes:out_of_range",
                "max_reschedules:out_of_range"
            ]
        );
        let err = w
            .app
            .update_service(w.business.id, at_bound.id, input(43_200, 21))
            .await
            .unwrap_err();
        assert_eq!(refused(err), ["max_reschedules:out_of_range"]);
        let err = w
            .app
            .update_service(w.business.id, at_bound.id, input(43_201, 20))
            .await
            .unwrap_err();
        assert_eq!(refused(err), ["cancellation_deadline_minutes:out_of_range"]);
        let kept = w
            .app
            .update_service(w.business.id, at_bound.id, input(60, 2))
            .await
            .unwrap();
        assert_eq!(
            (kept.cancellation_deadline_minutes, kept.max_reschedules),
            (60, 2)
        );
    });
}

#[test]
fn the_public_gets_the_same_not_found_for_hidden_and_missing_services() {
    let w = world(1);
    block_on(async {
        let range = iv("2026-06-08T00:00:00Z", "2026-06-09T00:00:00Z");
        let service_missing = Error::NotFound {
            entity: Entity::Service,
        };
        // Visible: every public read answers.
        assert_eq!(
            w.app.public_business(w.business.id).await.unwrap().id,
            w.business.id
        );
        assert_eq!(
            w.app.public_service(w.service.id).await.unwrap().id,
            w.service.id
        );
        assert_eq!(w.app.public_services(w.business.id).await.unwrap().len(), 1);
        assert!(w.app.public_schedule(w.service.id, range).await.is_ok());
        let slots = w
            .app
            .slots_for_service(w.service.id, range.start(), range.end(), 10)
            .await
            .unwrap();
        assert!(!slots.slots.is_empty());

        // An inactive service: NOT_FOUND everywhere, like an unknown id.
        w.app
            .set_service_active(w.business.id, w.service.id, false)
            .await
            .unwrap();
        let unknown = ServiceId::from_uuid(uuid::Uuid::from_u128(0xDEAD));
        for id in [w.service.id, unknown] {
            assert_eq!(w.app.public_service(id).await.unwrap_err(), service_missing);
            assert_eq!(
                w.app.public_schedule(id, range).await.unwrap_err(),
                service_missing
            );
            assert_eq!(
                w.app
                    .slots_for_service(id, range.start(), range.end(), 10)
                    .await
                    .unwrap_err(),
                service_missing
            );
        }
        assert!(
            w.app
                .public_services(w.business.id)
                .await
                .unwrap()
                .is_empty()
        );

        // An unvalidated business hides itself and its active services alike.
        w.app
            .set_service_active(w.business.id, w.service.id, true)
            .await
            .unwrap();
        let mut hidden = w.business.clone();
        hidden.status = crate::business_status::BusinessStatus::Rejected;
        w.app.store.save_business(&hidden).await.unwrap();
        let business_missing = Error::NotFound {
            entity: Entity::Business,
        };
        assert_eq!(
            w.app.public_business(w.business.id).await.unwrap_err(),
            business_missing
        );
        assert_eq!(
            w.app.public_services(w.business.id).await.unwrap_err(),
            business_missing
        );
        assert_eq!(
            w.app.public_service(w.service.id).await.unwrap_err(),
            service_missing
        );
        assert_eq!(
            w.app
                .slots_for_service(w.service.id, range.start(), range.end(), 10)
                .await
                .unwrap_err(),
            service_missing
        );
    });
}
