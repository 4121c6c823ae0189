//! Business status: rejection and resubmission, suspension and what it does to future
//! reservations.

use super::*;
use crate::business_status::{BusinessAction, BusinessStatus};
use crate::window_changes::HeldReservations;

#[test]
fn a_rejected_business_is_hidden_edited_and_resubmitted() {
    let w = world(1);
    block_on(async {
        let reject = BusinessAction::Reject {
            reason: "Adresse manquante".into(),
        };
        let b = w
            .app
            .change_business_status(w.business.id, &reject)
            .await
            .unwrap();
        assert_eq!(
            (b.status, b.status_reason.as_deref()),
            (BusinessStatus::Rejected, Some("Adresse manquante"))
        );
        assert_eq!(
            w.app
                .public_business(w.business.id)
                .await
                .unwrap_err()
                .code(),
            ErrorCode::NotFound
        );
        // Editing keeps it rejected, with its reason, until the owner resubmits it.
        let input = NewBusiness {
            name: "Coiffeur Élégance".into(),
            domain: "coiffure".into(),
            description: "Rue de Rivoli".into(),
            city: "Paris".into(),
            address: Address::default(),
            time_zone: Zone::parse("Europe/Paris").unwrap(),
            opening_hours: w.business.opening_hours.clone(),
            closures: vec![],
            special_hours: vec![],
        };
        let edited = w.app.update_business(w.business.id, input).await.unwrap();
        assert_eq!(edited.status, BusinessStatus::Rejected);
        assert_eq!(edited.status_reason.as_deref(), Some("Adresse manquante"));
        let resubmitted = w
            .app
            .change_business_status(w.business.id, &BusinessAction::Resubmit)
            .await
            .unwrap();
        assert_eq!(
            (resubmitted.status, resubmitted.status_reason.clone()),
            (BusinessStatus::Pending, None)
        );
        let again = w
            .app
            .change_business_status(w.business.id, &BusinessAction::Resubmit)
            .await
            .unwrap_err();
        assert_eq!(
            again,
            Error::InvalidStatusTransition {
                from: "pending".into(),
                to: "pending".into()
            }
        );
        assert_eq!(
            w.app
                .store
                .get_business(w.business.id)
                .await
                .unwrap()
                .unwrap(),
            resubmitted,
            "a refused change stores nothing"
        );
    });
}

#[test]
fn a_suspension_keeps_or_cancels_future_reservations_as_the_admin_says() {
    let w = world(1);
    block_on(async {
        let first = w
            .app
            .book(client(1), &request(&w, Some(0), "2026-06-08T07:00:00Z"))
            .await
            .unwrap();
        let second = w
            .app
            .book(client(2), &request(&w, Some(1), "2026-06-08T08:00:00Z"))
            .await
            .unwrap();
        let cancelled_by_client = w
            .app
            .book(client(3), &request(&w, Some(0), "2026-06-08T09:00:00Z"))
            .await
            .unwrap();
        w.app
            .transition(
                Scope::Client(client(3)),
                cancelled_by_client.id,
                Action::Cancel { reason: None },
            )
            .await
            .unwrap();
        // Keep: suspended and hidden, reservations untouched; no new booking.
        let (b, cancelled) = w
            .app
            .suspend_business(w.business.id, "Unpaid", &HeldReservations::Keep)
            .await
            .unwrap();
        assert_eq!(
            (b.status, b.status_reason.as_deref(), cancelled.len()),
            (BusinessStatus::Suspended, Some("Unpaid"), 0)
        );
        let status = |id| {
            let app = &w.app;
            async move { app.store.get_reservation(id).await.unwrap().unwrap().status }
        };
        assert_eq!(status(first.id).await, ReservationStatus::Pending);
        let refused = w
            .app
            .book(client(4), &request(&w, Some(1), "2026-06-08T10:00:00Z"))
            .await
            .unwrap_err();
        assert_eq!(refused.code(), ErrorCode::NotFound);
        // Suspending a suspended business is refused before any reservation is touched.
        let cancel = HeldReservations::Cancel {
            reason: "Salon fermé".into(),
        };
        let err = w
            .app
            .suspend_business(w.business.id, "Again", &cancel)
            .await
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidStatusTransition);
        assert_eq!(status(first.id).await, ReservationStatus::Pending);
        // Reinstated, then suspended with cancel: both future reservations are cancelled by
        // the business with the reason; the client's own cancellation stays as it was.
        w.app.validate_business(w.business.id).await.unwrap();
        let (_, mut cancelled) = w
            .app
            .suspend_business(w.business.id, "Fraud", &cancel)
            .await
            .unwrap();
        cancelled.sort();
        let mut expected = vec![first.id, second.id];
        expected.sort();
        assert_eq!(cancelled, expected);
        for id in [first.id, second.id] {
            let r = w.app.store.get_reservation(id).await.unwrap().unwrap();
            assert_eq!(r.status, ReservationStatus::CancelledByBusiness);
            assert_eq!(
                r.history.last().unwrap().reason.as_deref(),
                Some("Salon fermé")
            );
        }
        assert_eq!(
            status(cancelled_by_client.id).await,
            ReservationStatus::CancelledByClient
        );
        // A blank cancellation reason is refused before the business is suspended.
        w.app.validate_business(w.business.id).await.unwrap();
        let blank = HeldReservations::Cancel { reason: " ".into() };
        let err = w
            .app
            .suspend_business(w.business.id, "Fraud", &blank)
            .await
            .unwrap_err();
        assert_eq!(err.field_errors()[0].field, "reason");
        assert_eq!(
            w.app
                .store
                .get_business(w.business.id)
                .await
                .unwrap()
                .unwrap()
                .status,
            BusinessStatus::Validated
        );
    });
}
