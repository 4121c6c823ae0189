//! Directory: services and client profiles.

use super::*;

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
