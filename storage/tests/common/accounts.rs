//! Account storage cases run against every backend: users, single-use tokens, refresh token
//! rotation with reuse detection, access-token denylist, outbox and idempotency records.

use std::sync::Arc;

use rdv_core::{Timestamp, Uuid};
use rdv_storage::accounts::{
    AccountStore, IdempotencyState, OneTimeToken, OutboxMessage, RefreshOutcome, RefreshToken,
    Role, TokenPurpose, User,
};
use tokio::sync::Barrier;

fn t(secs: i64) -> Timestamp {
    Timestamp::from_secs(1_800_000_000 + secs)
}

fn user(email: &str) -> User {
    User {
        id: Uuid::new_v4(),
        email: email.into(),
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
        role: Role::Client,
        locale: "fr".into(),
        email_verified_at: None,
        created_at: t(0),
        password_changed_at: t(0),
    }
}

fn message(kind: &str, to: &str, key: &str) -> OutboxMessage {
    OutboxMessage {
        id: Uuid::new_v4(),
        dedup_key: key.into(),
        kind: kind.into(),
        channel: rdv_storage::notifications::Channel::Email,
        recipient: to.into(),
        payload: serde_json::json!({ "token": "abc" }),
        created_at: t(0),
    }
}

/// A user is stored with its verification token and message in one step; a second user with
/// the same email is refused and writes nothing.
pub async fn users_tokens_and_outbox(store: impl AccountStore) {
    let u = user("ana@example.com");
    let token = OneTimeToken {
        token_hash: "h1".into(),
        user_id: u.id,
        purpose: TokenPurpose::EmailVerification,
        created_at: t(0),
        expires_at: t(3600),
    };
    let m = message("email_verification", &u.email, "verify:1");
    assert!(
        store
            .create_user(&u, Some(&token), std::slice::from_ref(&m))
            .await
            .unwrap()
    );
    assert_eq!(
        store.user_by_email(&u.email).await.unwrap(),
        Some(u.clone())
    );
    assert_eq!(store.user_by_id(u.id).await.unwrap(), Some(u.clone()));
    assert_eq!(store.outbox_for(&u.email).await.unwrap(), vec![m]);

    let twin = user("ana@example.com");
    let m2 = message("email_verification", &twin.email, "verify:2");
    assert!(!store.create_user(&twin, None, &[m2]).await.unwrap());
    assert_eq!(store.outbox_for(&u.email).await.unwrap().len(), 1);

    // Wrong purpose, then right purpose once, then never again.
    assert_eq!(
        store
            .consume_one_time_token("h1", TokenPurpose::PasswordReset, t(10))
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        store
            .consume_one_time_token("h1", TokenPurpose::EmailVerification, t(10))
            .await
            .unwrap(),
        Some(u.id)
    );
    assert_eq!(
        store
            .consume_one_time_token("h1", TokenPurpose::EmailVerification, t(11))
            .await
            .unwrap(),
        None
    );
    store.mark_email_verified(u.id, t(10)).await.unwrap();
    assert_eq!(
        store
            .user_by_id(u.id)
            .await
            .unwrap()
            .unwrap()
            .email_verified_at,
        Some(t(10))
    );

    // A new reset token voids the earlier one; an expired one is refused.
    for (hash, at) in [("r1", 20), ("r2", 30)] {
        let token = OneTimeToken {
            token_hash: hash.into(),
            user_id: u.id,
            purpose: TokenPurpose::PasswordReset,
            created_at: t(at),
            expires_at: t(at + 100),
        };
        let m = message("password_reset", &u.email, hash);
        assert!(
            store
                .issue_one_time_token(&token, &[m], Some((2, t(0))))
                .await
                .unwrap()
        );
    }
    assert_eq!(
        store
            .count_one_time_tokens(u.id, TokenPurpose::PasswordReset, t(0))
            .await
            .unwrap(),
        2
    );
    assert_eq!(
        store
            .consume_one_time_token("r1", TokenPurpose::PasswordReset, t(40))
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        store
            .consume_one_time_token("r2", TokenPurpose::PasswordReset, t(131))
            .await
            .unwrap(),
        None,
        "expired"
    );
    assert_eq!(store.outbox_for(&u.email).await.unwrap().len(), 3);
    // A third within the window is refused and writes nothing.
    let third = OneTimeToken {
        token_hash: "r3".into(),
        user_id: u.id,
        purpose: TokenPurpose::PasswordReset,
        created_at: t(40),
        expires_at: t(140),
    };
    let m = message("password_reset", &u.email, "r3");
    assert!(
        !store
            .issue_one_time_token(&third, &[m], Some((2, t(0))))
            .await
            .unwrap()
    );
    assert_eq!(store.outbox_for(&u.email).await.unwrap().len(), 3);
    // A retried enqueue of the same logical message queues it once.
    let notice = message("business_rejected", &u.email, "reject:1");
    store
        .enqueue_messages(std::slice::from_ref(&notice))
        .await
        .unwrap();
    store.enqueue_messages(&[notice]).await.unwrap();
    assert_eq!(store.outbox_for(&u.email).await.unwrap().len(), 4);
    store.ping().await.unwrap();
}

/// Rotation spends a token once; presenting a spent token revokes the whole family; a
/// password change revokes every other family.
pub async fn refresh_rotation_and_reuse_detection(store: impl AccountStore) {
    let u = user("rot@example.com");
    assert!(store.create_user(&u, None, &[]).await.unwrap());
    let family = Uuid::new_v4();
    let first = RefreshToken {
        token_hash: "a".into(),
        family_id: family,
        user_id: u.id,
        created_at: t(0),
        expires_at: t(1000),
    };
    store.insert_refresh_token(&first).await.unwrap();
    assert_eq!(
        store
            .rotate_refresh_token("a", "b", t(1), t(1001))
            .await
            .unwrap(),
        RefreshOutcome::Rotated {
            user_id: u.id,
            family_id: family
        }
    );
    assert_eq!(
        store
            .rotate_refresh_token("b", "c", t(2), t(1002))
            .await
            .unwrap(),
        RefreshOutcome::Rotated {
            user_id: u.id,
            family_id: family
        }
    );
    // "a" again: reuse; the live "c" dies with its family.
    assert_eq!(
        store
            .rotate_refresh_token("a", "x", t(3), t(1003))
            .await
            .unwrap(),
        RefreshOutcome::Reused
    );
    assert_eq!(
        store
            .rotate_refresh_token("c", "d", t(4), t(1004))
            .await
            .unwrap(),
        RefreshOutcome::Invalid
    );
    assert_eq!(
        store
            .rotate_refresh_token("nope", "e", t(4), t(1004))
            .await
            .unwrap(),
        RefreshOutcome::Invalid
    );
    // Expired.
    let old = RefreshToken {
        token_hash: "old".into(),
        family_id: Uuid::new_v4(),
        expires_at: t(5),
        ..first.clone()
    };
    store.insert_refresh_token(&old).await.unwrap();
    assert_eq!(
        store
            .rotate_refresh_token("old", "f", t(5), t(1005))
            .await
            .unwrap(),
        RefreshOutcome::Invalid
    );

    // Two sessions; a password change from the first ends the second.
    let (s1, s2) = (Uuid::new_v4(), Uuid::new_v4());
    for (hash, fam) in [("s1", s1), ("s2", s2)] {
        let token = RefreshToken {
            token_hash: hash.into(),
            family_id: fam,
            ..first.clone()
        };
        store.insert_refresh_token(&token).await.unwrap();
    }
    store
        .set_password(u.id, "new-hash", t(6), Some(s1))
        .await
        .unwrap();
    let changed = store.user_by_id(u.id).await.unwrap().unwrap();
    assert_eq!(
        (changed.password_hash.as_str(), changed.password_changed_at),
        ("new-hash", t(6))
    );
    assert!(matches!(
        store
            .rotate_refresh_token("s1", "s1b", t(7), t(1007))
            .await
            .unwrap(),
        RefreshOutcome::Rotated { .. }
    ));
    assert_eq!(
        store
            .rotate_refresh_token("s2", "s2b", t(7), t(1007))
            .await
            .unwrap(),
        RefreshOutcome::Invalid
    );
    // Logout revokes the family of the presented token.
    assert_eq!(
        store.revoke_refresh_family("s1b", t(8)).await.unwrap(),
        Some(s1)
    );
    assert_eq!(
        store
            .rotate_refresh_token("s1b", "s1c", t(9), t(1009))
            .await
            .unwrap(),
        RefreshOutcome::Invalid
    );
    assert_eq!(
        store.revoke_refresh_family("unknown", t(8)).await.unwrap(),
        None
    );

    store.revoke_access_token("jti-1", t(100)).await.unwrap();
    store.revoke_access_token("jti-1", t(100)).await.unwrap();
    assert!(store.is_access_token_revoked("jti-1").await.unwrap());
    assert!(!store.is_access_token_revoked("jti-2").await.unwrap());
    let live = Uuid::new_v4().to_string();
    let state = store
        .session_state(u.id, "jti-1", &live)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((state.password_changed_at, state.revoked), (t(6), true));
    let state = store
        .session_state(u.id, "jti-2", &live)
        .await
        .unwrap()
        .unwrap();
    assert!(!state.revoked);
    // A revoked login revokes its access tokens too.
    let state = store
        .session_state(u.id, "jti-2", &s2.to_string())
        .await
        .unwrap()
        .unwrap();
    assert!(state.revoked);
    assert_eq!(
        store
            .session_state(Uuid::new_v4(), "jti-1", &live)
            .await
            .unwrap(),
        None
    );
    let fresh = Uuid::new_v4();
    let token = RefreshToken {
        token_hash: "f1".into(),
        family_id: fresh,
        ..first.clone()
    };
    store.insert_refresh_token(&token).await.unwrap();
    store.revoke_family(u.id, fresh, t(9)).await.unwrap();
    assert_eq!(
        store
            .rotate_refresh_token("f1", "f2", t(10), t(1010))
            .await
            .unwrap(),
        RefreshOutcome::Invalid
    );
}

/// Twenty concurrent refreshes with one token: exactly one rotates.
pub async fn concurrent_refreshes_yield_one_success(store: impl AccountStore + 'static) {
    let store = Arc::new(store);
    let u = user("race@example.com");
    assert!(store.create_user(&u, None, &[]).await.unwrap());
    let token = RefreshToken {
        token_hash: "race".into(),
        family_id: Uuid::new_v4(),
        user_id: u.id,
        created_at: t(0),
        expires_at: t(1000),
    };
    store.insert_refresh_token(&token).await.unwrap();
    let barrier = Arc::new(Barrier::new(20));
    let tasks: Vec<_> = (0..20)
        .map(|i| {
            let (store, barrier) = (store.clone(), barrier.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                store
                    .rotate_refresh_token("race", &format!("next-{i}"), t(1), t(1000))
                    .await
                    .unwrap()
            })
        })
        .collect();
    let mut rotated = 0;
    for task in tasks {
        if matches!(task.await.unwrap(), RefreshOutcome::Rotated { .. }) {
            rotated += 1;
        }
    }
    assert_eq!(rotated, 1);
}

/// An idempotency key runs its request once, replays the stored response, refuses another
/// request under the same key, and can be released after a server-side failure.
pub async fn idempotency_keys_replay_and_refuse(store: impl AccountStore) {
    let who = Uuid::new_v4();
    let begin =
        |key: &'static str, hash: &'static str| store.idempotency_begin(who, key, hash, t(0));
    assert_eq!(
        begin("k1", "req-a").await.unwrap(),
        IdempotencyState::Started
    );
    assert_eq!(
        begin("k1", "req-a").await.unwrap(),
        IdempotencyState::InProgress
    );
    store
        .idempotency_finish(who, "k1", 201, "{\"id\":1}")
        .await
        .unwrap();
    assert_eq!(
        begin("k1", "req-a").await.unwrap(),
        IdempotencyState::Replay {
            status: 201,
            body: "{\"id\":1}".into()
        }
    );
    assert_eq!(
        begin("k1", "req-b").await.unwrap(),
        IdempotencyState::Mismatch
    );
    // Another user's identical key is independent.
    assert_eq!(
        store
            .idempotency_begin(Uuid::new_v4(), "k1", "req-a", t(0))
            .await
            .unwrap(),
        IdempotencyState::Started
    );
    assert_eq!(
        begin("k2", "req-c").await.unwrap(),
        IdempotencyState::Started
    );
    store.idempotency_forget(who, "k2").await.unwrap();
    assert_eq!(
        begin("k2", "req-c").await.unwrap(),
        IdempotencyState::Started
    );
}

#[macro_export]
macro_rules! account_tests {
    ($run:path, $fresh:path) => {
        #[test]
        fn users_tokens_and_outbox_are_written_together() {
            $run(async { common::accounts::users_tokens_and_outbox($fresh().await).await });
        }

        #[test]
        fn refresh_tokens_rotate_and_reuse_revokes_the_family() {
            $run(async {
                common::accounts::refresh_rotation_and_reuse_detection($fresh().await).await
            });
        }

        #[test]
        fn concurrent_refreshes_with_one_token_yield_one_success() {
            $run(async {
                common::accounts::concurrent_refreshes_yield_one_success($fresh().await).await
            });
        }

        #[test]
        fn idempotency_keys_replay_and_refuse() {
            $run(async {
                common::accounts::idempotency_keys_replay_and_refuse($fresh().await).await
            });
        }
    };
}
