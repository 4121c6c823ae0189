//! Notification storage cases run against every backend: events written by the database in
//! the transaction of a reservation change, exclusive claims with leases, reminders recorded
//! once, preferences and webhooks.

use rdv_core::conformance::Fixture;
use rdv_core::model::{Actor, ReservationStatus, TransitionRecord};
use rdv_core::ports::Store;
use rdv_core::{Interval, Timestamp, Uuid};
use rdv_storage::accounts::{
    AccountStore, IdempotencyState, OneTimeToken, OutboxMessage, Purged, RefreshToken, Retention,
    Role, TokenPurpose, User,
};
use rdv_storage::notifications::{
    Channel, DeliveryStatus, FanOut, NotificationStore, Preferences, Webhook, WebhookInsert,
};
use std::sync::Arc;
use tokio::sync::Barrier;

fn ts(s: &str) -> Timestamp {
    s.parse().expect("timestamp")
}

fn message(i: usize, now: Timestamp) -> OutboxMessage {
    OutboxMessage {
        id: Uuid::new_v4(),
        dedup_key: format!("case:{i}"),
        kind: "password_reset".into(),
        channel: Channel::Email,
        recipient: format!("u{i}@example.com"),
        payload: serde_json::json!({"link": "secret-link", "locale": "en"}),
        created_at: now,
    }
}

/// Inserting a reservation, then confirming it, records one event each (kinds from the
/// status), in the same write; a fan-out marks its events processed and queues their messages
/// once even when repeated.
pub async fn reservation_changes_record_events(
    store: impl Store + NotificationStore + AccountStore,
) {
    let f = Fixture::new(&store).await;
    let slot = Interval::new(ts("2026-06-01T09:00:00Z"), ts("2026-06-01T09:30:00Z")).unwrap();
    let mut r = f.reservation(f.client.id, f.resource.id, slot);
    store.insert_reservation(&r, 1).await.unwrap();
    let events = store.pending_events(10).await.unwrap();
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0].kind, "reservation_created");
    assert_eq!(events[0].reservation_id, r.id.0);

    r.history.push(TransitionRecord {
        from: Some(r.status),
        to: ReservationStatus::Confirmed,
        actor: Actor::Business,
        at: ts("2026-05-02T00:00:00Z"),
        reason: None,
    });
    r.status = ReservationStatus::Confirmed;
    store.update_reservation(&r, Some(1)).await.unwrap();
    let events = store.pending_events(10).await.unwrap();
    let kinds: Vec<&str> = events.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(kinds, ["reservation_created", "reservation_confirmed"]);

    let now = ts("2026-05-02T00:00:01Z");
    let m = message(1, now);
    let fan_out = |m: OutboxMessage| FanOut {
        event_id: events[0].id.clone(),
        messages: vec![m],
    };
    store.fan_out(&[fan_out(m.clone())], now).await.unwrap();
    store
        .fan_out(
            &[fan_out(OutboxMessage {
                id: Uuid::new_v4(),
                ..m
            })],
            now,
        )
        .await
        .unwrap();
    assert_eq!(store.pending_events(10).await.unwrap().len(), 1);
    assert_eq!(
        store.outbox_for("u1@example.com").await.unwrap().len(),
        1,
        "deduplicated"
    );

    // Several events in one fan-out: every message queued once (a key repeated within the
    // batch too), every event processed, an event without messages as well.
    let second = f.reservation(
        f.client.id,
        f.resource.id,
        Interval::new(ts("2026-06-02T09:00:00Z"), ts("2026-06-02T09:30:00Z")).unwrap(),
    );
    store.insert_reservation(&second, 1).await.unwrap();
    let pending = store.pending_events(10).await.unwrap();
    assert_eq!(pending.len(), 2, "{pending:?}");
    let (a, b) = (message(2, now), message(3, now));
    let batch = [
        FanOut {
            event_id: pending[0].id.clone(),
            messages: vec![a.clone(), b.clone()],
        },
        FanOut {
            event_id: pending[1].id.clone(),
            messages: vec![OutboxMessage {
                id: Uuid::new_v4(),
                ..b
            }],
        },
    ];
    store.fan_out(&batch, now).await.unwrap();
    store.fan_out(&[], now).await.unwrap();
    assert!(store.pending_events(10).await.unwrap().is_empty());
    assert_eq!(store.outbox_for("u2@example.com").await.unwrap().len(), 1);
    assert_eq!(
        store.outbox_for("u3@example.com").await.unwrap().len(),
        1,
        "a key repeated within one fan-out is queued once"
    );
}

/// Two workers claiming at once get disjoint messages; a lease keeps others away until it
/// runs out; the first worker cannot settle a message taken over; a sent message loses its
/// secrets; a failed one waits for its retry time or becomes dead; release gives leases back.
pub async fn claims_are_exclusive_and_leases_expire(store: impl NotificationStore + AccountStore) {
    let now = ts("2026-06-01T10:00:00Z");
    let messages: Vec<_> = (0..10).map(|i| message(i, now)).collect();
    store.enqueue_messages(&messages).await.unwrap();
    let email = [Channel::Email];
    let lease = now.add_secs(60);
    let (a, b) = tokio::join!(
        store.claim_deliveries("a", &email, now, lease, 10),
        store.claim_deliveries("b", &email, now, lease, 10)
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.len() + b.len(), 10, "every message claimed once");
    let mut ids: Vec<Uuid> = a.iter().chain(&b).map(|d| d.message.id).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 10, "no message claimed twice");
    assert!(a.iter().chain(&b).all(|d| d.attempts == 1));
    assert!(
        store
            .claim_deliveries("c", &email, now.add_secs(59), lease, 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .claim_deliveries("c", &[Channel::Sms], now.add_secs(61), lease, 10)
            .await
            .unwrap()
            .is_empty(),
        "other channels wait"
    );

    let taken = store
        .claim_deliveries("c", &email, now.add_secs(61), now.add_secs(120), 10)
        .await
        .unwrap();
    assert_eq!(taken.len(), 10, "expired leases are taken over");
    assert!(taken.iter().all(|d| d.attempts == 2));
    let first = &taken[0].message;
    assert!(
        !store.mark_sent(first.id, "a", now).await.unwrap(),
        "the lease was lost"
    );
    assert!(store.mark_sent(first.id, "c", now).await.unwrap());
    let sent = store.delivery(first.id).await.unwrap().unwrap();
    assert_eq!(sent.status, DeliveryStatus::Sent);
    assert!(
        sent.message.payload.get("link").is_none(),
        "secrets dropped once sent"
    );

    let second = taken[1].message.id;
    store
        .mark_failed(second, "c", "451 later", Some(now.add_secs(300)))
        .await
        .unwrap();
    let third = taken[2].message.id;
    store
        .mark_failed(third, "c", "550 no such user", None)
        .await
        .unwrap();
    assert_eq!(store.release_leases("c").await.unwrap(), 7);
    let d = store.delivery(second).await.unwrap().unwrap();
    assert_eq!(
        (d.status, d.attempts, d.next_attempt_at),
        (DeliveryStatus::Pending, 2, now.add_secs(300))
    );
    let dead = store
        .list_deliveries(DeliveryStatus::Dead, None, 10)
        .await
        .unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].last_error.as_deref(), Some("550 no such user"));
    let again = store
        .claim_deliveries("d", &email, now.add_secs(62), now.add_secs(200), 20)
        .await
        .unwrap();
    assert_eq!(
        again.len(),
        7,
        "released ones come back, the retried one waits"
    );
    assert!(
        again.iter().all(|d| d.attempts == 2),
        "a release does not count an attempt"
    );
    assert!(store.requeue(third, now).await.unwrap());
    assert!(
        !store.requeue(third, now).await.unwrap(),
        "only dead letters"
    );

    // Pages of a status list, newest first, without overlap.
    let first_page = store
        .list_deliveries(DeliveryStatus::Pending, None, 3)
        .await
        .unwrap();
    let last = first_page.last().unwrap();
    let next = store
        .list_deliveries(
            DeliveryStatus::Pending,
            Some((last.message.created_at, last.message.id)),
            20,
        )
        .await
        .unwrap();
    assert_eq!(first_page.len() + next.len(), 9);
}

/// A reminder is recorded once per reservation and offset, only once due, only for a
/// reservation still active and booked before the reminder time.
pub async fn reminders_are_recorded_once(store: impl Store + NotificationStore) {
    let f = Fixture::new(&store).await;
    let start = ts("2026-06-10T09:00:00Z");
    let slot = Interval::new(start, start.add_secs(1800)).unwrap();
    let mut r = f.reservation(f.client.id, f.resource.id, slot);
    store.insert_reservation(&r, 1).await.unwrap();
    assert_eq!(
        store
            .schedule_reminders(start.add_secs(-86_401), 1440)
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        store
            .schedule_reminders(start.add_secs(-86_400), 1440)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        store
            .schedule_reminders(start.add_secs(-80_000), 1440)
            .await
            .unwrap(),
        0,
        "once"
    );
    assert_eq!(
        store
            .schedule_reminders(start.add_secs(-3_600), 60)
            .await
            .unwrap(),
        1,
        "per offset"
    );
    let reminders: Vec<_> = store
        .pending_events(10)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.kind == "reservation_reminder")
        .collect();
    assert_eq!(reminders.len(), 2);
    assert_eq!(reminders[0].offset_minutes, Some(1440));

    r.history.push(TransitionRecord {
        from: Some(r.status),
        to: ReservationStatus::CancelledByClient,
        actor: Actor::Client,
        at: start.add_secs(-7200),
        reason: None,
    });
    r.status = ReservationStatus::CancelledByClient;
    store.update_reservation(&r, None).await.unwrap();
    assert_eq!(
        store
            .schedule_reminders(start.add_secs(-1_000), 30)
            .await
            .unwrap(),
        0,
        "cancelled"
    );
    assert_eq!(
        store
            .schedule_reminders(start.add_secs(1), 30)
            .await
            .unwrap(),
        0,
        "started"
    );

    // Booked after the reminder time: no "in 24 hours" message for a same-day booking.
    let late = ts("2026-06-11T09:00:00Z");
    let mut r2 = f.reservation(
        f.client.id,
        f.resource.id,
        Interval::new(late, late.add_secs(1800)).unwrap(),
    );
    r2.created_at = late.add_secs(-3600);
    store.insert_reservation(&r2, 1).await.unwrap();
    assert_eq!(
        store
            .schedule_reminders(late.add_secs(-1800), 1440)
            .await
            .unwrap(),
        0
    );
}

/// Preferences and webhooks round-trip (the secret decrypted on the way back); a webhook is
/// deleted only by its business.
pub async fn preferences_and_webhooks_round_trip(
    store: impl Store + NotificationStore + AccountStore,
) {
    let f = Fixture::new(&store).await;
    let user = User {
        id: Uuid::new_v4(),
        email: "owner@example.com".into(),
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
        role: Role::Owner,
        locale: "fr".into(),
        email_verified_at: None,
        created_at: ts("2026-06-01T00:00:00Z"),
        password_changed_at: ts("2026-06-01T00:00:00Z"),
    };
    assert!(store.create_user(&user, None, &[]).await.unwrap());
    assert_eq!(store.preferences(user.id).await.unwrap(), None);
    let prefs = Preferences {
        email: false,
        sms: true,
        events: vec!["reservation_created".into()],
    };
    store
        .set_preferences(user.id, &prefs, ts("2026-06-01T00:00:00Z"))
        .await
        .unwrap();
    let prefs2 = Preferences {
        email: true,
        ..prefs
    };
    store
        .set_preferences(user.id, &prefs2, ts("2026-06-02T00:00:00Z"))
        .await
        .unwrap();
    assert_eq!(store.preferences(user.id).await.unwrap(), Some(prefs2));

    let business = f.business.id.0;
    let hook = Webhook {
        id: Uuid::new_v4(),
        business_id: business,
        url: "https://hooks.example/a".into(),
        secret: "whsec_plain".into(),
        events: vec!["reservation_created".into()],
        created_at: ts("2026-06-01T00:00:00Z"),
    };
    assert_eq!(
        store.insert_webhook(&hook, 10).await.unwrap(),
        WebhookInsert::Inserted
    );
    assert_eq!(store.webhook(hook.id).await.unwrap(), Some(hook.clone()));
    assert_eq!(
        store.list_webhooks(business).await.unwrap(),
        vec![hook.clone()]
    );
    assert!(!store.delete_webhook(Uuid::new_v4(), hook.id).await.unwrap());
    assert!(store.delete_webhook(business, hook.id).await.unwrap());
    assert!(store.list_webhooks(business).await.unwrap().is_empty());
}

/// Twenty registrations of a webhook for one business at once, with a limit of ten: exactly
/// ten are stored and the ten others are refused with `LimitReached`.
pub async fn the_webhook_limit_holds_under_concurrency(
    store: impl Store + NotificationStore + Clone + 'static,
) {
    let f = Fixture::new(&store).await;
    let business = f.business.id.0;
    let barrier = Arc::new(Barrier::new(20));
    let tasks: Vec<_> = (0..20)
        .map(|i| {
            let store = store.clone();
            let barrier = barrier.clone();
            let hook = Webhook {
                id: Uuid::new_v4(),
                business_id: business,
                url: format!("https://hooks.example/{i}"),
                secret: "whsec_plain".into(),
                events: vec!["reservation_created".into()],
                created_at: ts("2026-06-01T00:00:00Z"),
            };
            tokio::spawn(async move {
                barrier.wait().await;
                store.insert_webhook(&hook, 10).await
            })
        })
        .collect();
    let mut outcomes = Vec::new();
    for t in tasks {
        outcomes.push(t.await.expect("task").expect("insert"));
    }
    let inserted = outcomes
        .iter()
        .filter(|o| **o == WebhookInsert::Inserted)
        .count();
    assert_eq!(inserted, 10, "{outcomes:?}");
    assert_eq!(store.list_webhooks(business).await.unwrap().len(), 10);
}

#[macro_export]
macro_rules! notification_tests {
    ($run:path, $fresh:path) => {
        #[test]
        fn reservation_changes_record_events_in_their_transaction() {
            $run(async {
                common::notifications::reservation_changes_record_events($fresh().await).await
            });
        }

        #[test]
        fn claims_are_exclusive_and_leases_expire() {
            $run(async {
                common::notifications::claims_are_exclusive_and_leases_expire($fresh().await).await
            });
        }

        #[test]
        fn twenty_concurrent_webhooks_of_one_business_store_exactly_ten() {
            $run(async {
                common::notifications::the_webhook_limit_holds_under_concurrency($fresh().await)
                    .await
            });
        }

        #[test]
        fn preferences_and_webhooks_round_trip() {
            $run(async {
                common::notifications::preferences_and_webhooks_round_trip($fresh().await).await
            });
        }

        #[test]
        fn reminders_are_recorded_once_per_reservation_and_offset() {
            $run(async {
                common::notifications::reminders_are_recorded_once($fresh().await).await
            });
        }

        #[test]
        fn purge_removes_only_what_served_its_purpose() {
            $run(async {
                common::notifications::purge_removes_only_what_served_its_purpose($fresh().await)
                    .await
            });
        }
    };
}

/// Housekeeping deletes what has served its purpose and nothing else: expired denylist entries
/// and single-use tokens, refresh tokens and settled messages and processed events older than
/// the retention, old idempotency records; live tokens, recent rows and everything still
/// pending stay. A second run finds nothing.
pub async fn purge_removes_only_what_served_its_purpose(
    store: impl Store + NotificationStore + AccountStore,
) {
    const DAY: i64 = 86_400;
    let f = Fixture::new(&store).await;
    let now = ts("2026-08-01T00:00:00Z");
    let long_ago = now.add_secs(-40 * DAY);
    let recently = now.add_secs(-DAY);
    let user = User {
        id: Uuid::new_v4(),
        email: "purge@example.com".into(),
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
        role: Role::Client,
        locale: "en".into(),
        email_verified_at: None,
        created_at: long_ago,
        password_changed_at: long_ago,
    };
    assert!(store.create_user(&user, None, &[]).await.unwrap());

    // Access token denylist: one expired over a minute ago, one still running.
    store
        .revoke_access_token("jti-old", now.add_secs(-61))
        .await
        .unwrap();
    // Expired, but within a minute: a verifier's leeway could still accept the token.
    store
        .revoke_access_token("jti-late", now.add_secs(-5))
        .await
        .unwrap();
    store
        .revoke_access_token("jti-live", now.add_secs(600))
        .await
        .unwrap();
    // Single-use tokens: an expired reset token, a live verification token.
    let token = |hash: &str, purpose, expires_at| OneTimeToken {
        token_hash: hash.into(),
        user_id: user.id,
        purpose,
        created_at: long_ago,
        expires_at,
    };
    let expired = token("ott-old", TokenPurpose::PasswordReset, now.add_secs(-1));
    let live = token(
        "ott-live",
        TokenPurpose::EmailVerification,
        now.add_secs(3600),
    );
    for t in [&expired, &live] {
        assert!(store.issue_one_time_token(t, &[], None).await.unwrap());
    }
    // Refresh tokens: one expired beyond the retention, one expired recently, one live.
    for (hash, expires_at) in [
        ("rt-old", now.add_secs(-31 * DAY)),
        ("rt-recent", now.add_secs(-DAY)),
        ("rt-live", now.add_secs(DAY)),
    ] {
        store
            .insert_refresh_token(&RefreshToken {
                token_hash: hash.into(),
                family_id: Uuid::new_v4(),
                user_id: user.id,
                created_at: long_ago,
                expires_at,
            })
            .await
            .unwrap();
    }
    // Idempotency records: two days old, one hour old.
    for (key, at) in [
        ("idem-old", now.add_secs(-2 * DAY)),
        ("idem-new", now.add_secs(-3600)),
    ] {
        let state = store
            .idempotency_begin(user.id, key, "hash", at)
            .await
            .unwrap();
        assert_eq!(state, IdempotencyState::Started);
        store
            .idempotency_finish(user.id, key, 201, "{}")
            .await
            .unwrap();
    }
    // Messages: sent long ago, sent recently, pending long ago.
    let queued = |i: usize, at| OutboxMessage {
        created_at: at,
        ..message(100 + i, at)
    };
    let messages = [
        queued(0, long_ago),
        queued(1, recently),
        queued(2, long_ago),
    ];
    store.enqueue_messages(&messages).await.unwrap();
    let claimed = store
        .claim_deliveries("w", &[Channel::Email], now, now.add_secs(60), 10)
        .await
        .unwrap();
    assert_eq!(claimed.len(), 3);
    for m in &messages[..2] {
        assert!(store.mark_sent(m.id, "w", now).await.unwrap());
    }
    store.release_leases("w").await.unwrap();
    // Events: processed long ago, processed recently, still pending.
    for day in 1..=3 {
        let slot = Interval::new(
            ts(&format!("2026-09-0{day}T09:00:00Z")),
            ts(&format!("2026-09-0{day}T09:30:00Z")),
        )
        .unwrap();
        let r = f.reservation(f.client.id, f.resource.id, slot);
        store.insert_reservation(&r, 1).await.unwrap();
        let pending = store.pending_events(10).await.unwrap();
        let processed_at = match day {
            1 => long_ago,
            2 => recently,
            _ => continue,
        };
        let event_id = pending.last().unwrap().id.clone();
        let fan_out = FanOut {
            event_id,
            messages: vec![],
        };
        store.fan_out(&[fan_out], processed_at).await.unwrap();
    }

    let retention = Retention {
        settled_secs: 30 * DAY,
        idempotency_secs: DAY,
    };
    let purged = store.purge_expired(now, retention).await.unwrap();
    assert_eq!(
        purged,
        Purged {
            revoked_access_tokens: 1,
            one_time_tokens: 1,
            refresh_tokens: 1,
            idempotency_keys: 1,
            messages: 1,
            events: 1,
        }
    );
    assert_eq!(
        store.purge_expired(now, retention).await.unwrap(),
        Purged::default()
    );

    assert!(!store.is_access_token_revoked("jti-old").await.unwrap());
    assert!(store.is_access_token_revoked("jti-late").await.unwrap());
    assert!(store.is_access_token_revoked("jti-live").await.unwrap());
    let spent = store
        .consume_one_time_token("ott-live", TokenPurpose::EmailVerification, now)
        .await
        .unwrap();
    assert_eq!(spent, Some(user.id));
    assert!(
        store
            .revoke_refresh_family("rt-live", now)
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        store
            .revoke_refresh_family("rt-recent", now)
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        store
            .revoke_refresh_family("rt-old", now)
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(
        store
            .idempotency_begin(user.id, "idem-new", "hash", now)
            .await
            .unwrap(),
        IdempotencyState::Replay {
            status: 201,
            body: "{}".into()
        }
    );
    assert_eq!(
        store
            .idempotency_begin(user.id, "idem-old", "hash", now)
            .await
            .unwrap(),
        IdempotencyState::Started,
        "forgotten"
    );
    for (m, kept) in messages.iter().zip([false, true, true]) {
        let left = store.outbox_for(&m.recipient).await.unwrap().len();
        assert_eq!(left, usize::from(kept), "{}", m.recipient);
    }
    assert_eq!(store.pending_events(10).await.unwrap().len(), 1);
}
