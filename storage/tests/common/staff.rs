//! Staff storage cases run against every backend: an invitation with its message, the
//! refusals (email with an account, open invitation, staffed resource), acceptance once under
//! concurrent presenters, expiry, and revocation deleting the account.

use std::sync::Arc;

use rdv_core::conformance::Fixture;
use rdv_core::ports::Store;
use rdv_core::{Timestamp, Uuid};
use rdv_storage::accounts::{AccountStore, OutboxMessage, Role, User};
use rdv_storage::staff::{AcceptOutcome, InviteOutcome, StaffMember, StaffStatus, StaffStore};
use tokio::sync::Barrier;

fn t(secs: i64) -> Timestamp {
    Timestamp::from_secs(1_800_000_000 + secs)
}

fn member(f: &Fixture, email: &str, resource: Uuid) -> StaffMember {
    StaffMember {
        id: Uuid::new_v4(),
        business_id: f.business.id.0,
        resource_id: resource,
        email: email.into(),
        name: "Léa Martin".into(),
        locale: "fr".into(),
        user_id: None,
        invited_by: f.business.owner_id.0,
        invited_at: t(0),
        expires_at: t(3600),
        accepted_at: None,
        revoked_at: None,
    }
}

fn account(role: Role) -> User {
    User {
        id: Uuid::new_v4(),
        email: String::new(),
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
        role,
        locale: "fr".into(),
        email_verified_at: Some(t(10)),
        created_at: t(10),
        password_changed_at: t(10),
    }
}

fn message(to: &str) -> OutboxMessage {
    OutboxMessage {
        id: Uuid::new_v4(),
        dedup_key: format!("staff_invitation:{to}"),
        kind: "staff_invitation".into(),
        channel: rdv_storage::notifications::Channel::Email,
        recipient: to.into(),
        payload: serde_json::json!({ "token": "abc" }),
        created_at: t(0),
    }
}

/// An invitation is stored with its message; the email of an existing account, a second open
/// invitation of one email and a second one for a staffed resource are refused and write
/// nothing; accepting creates a staff account once, a second presentation is `Used`.
pub async fn invitations_are_refused_accepted_once_and_listed<S>(store: S)
where
    S: Store + StaffStore + AccountStore,
{
    let f = Fixture::new(&store).await;
    let lea = member(&f, "lea@example.com", f.resource.id.0);
    let sent = message("lea@example.com");
    assert_eq!(
        store
            .invite_staff(&lea, "hash-lea", std::slice::from_ref(&sent))
            .await
            .unwrap(),
        InviteOutcome::Invited
    );
    assert_eq!(
        store.outbox_for("lea@example.com").await.unwrap(),
        vec![sent]
    );

    let mut client = account(Role::Client);
    client.email = "taken@example.com".into();
    assert!(store.create_user(&client, None, &[]).await.unwrap());
    let other = f.other_resource.id.0;
    let refusals = [
        (
            member(&f, "taken@example.com", other),
            InviteOutcome::EmailTaken,
        ),
        (
            member(&f, "lea@example.com", other),
            InviteOutcome::AlreadyInvited,
        ),
        (
            member(&f, "max@example.com", f.resource.id.0),
            InviteOutcome::ResourceTaken,
        ),
    ];
    for (m, outcome) in refusals {
        let (hash, messages) = (format!("h-{}", m.id), [message(&m.email)]);
        let refused = store.invite_staff(&m, &hash, &messages).await.unwrap();
        assert_eq!(refused, outcome);
        assert_eq!(
            store.staff_member(f.business.id.0, m.id).await.unwrap(),
            None
        );
    }
    assert_eq!(store.outbox_for("max@example.com").await.unwrap(), vec![]);

    let user = account(Role::Staff);
    let AcceptOutcome::Accepted(accepted) = store
        .accept_staff_invitation("hash-lea", &user, t(20))
        .await
        .unwrap()
    else {
        panic!("the invitation is live");
    };
    let accepted = *accepted;
    assert_eq!(accepted.user_id, Some(user.id));
    assert_eq!(accepted.accepted_at, Some(t(20)));
    assert_eq!(accepted.status(t(5000)), StaffStatus::Active);
    let stored = store.user_by_id(user.id).await.unwrap().unwrap();
    assert_eq!(
        (stored.email.as_str(), stored.role),
        ("lea@example.com", Role::Staff)
    );
    assert_eq!(
        store.staff_by_user(user.id).await.unwrap(),
        Some(accepted.clone())
    );
    assert_eq!(
        store
            .accept_staff_invitation("hash-lea", &account(Role::Staff), t(21))
            .await
            .unwrap(),
        AcceptOutcome::Used
    );
    assert_eq!(
        store
            .accept_staff_invitation("no-such-hash", &account(Role::Staff), t(21))
            .await
            .unwrap(),
        AcceptOutcome::Unknown
    );
    assert_eq!(
        store.list_staff(f.business.id.0).await.unwrap(),
        vec![accepted]
    );
}

/// An invitation presented after its expiry is `Expired` and creates no account; a revoked
/// one is `Revoked`; revoking an active member deletes its account and frees the email and
/// the resource for a new invitation.
pub async fn expiry_and_revocation<S>(store: S)
where
    S: Store + StaffStore + AccountStore,
{
    let f = Fixture::new(&store).await;
    let late = member(&f, "late@example.com", f.other_resource.id.0);
    assert_eq!(
        store.invite_staff(&late, "hash-late", &[]).await.unwrap(),
        InviteOutcome::Invited
    );
    let user = account(Role::Staff);
    assert_eq!(
        store
            .accept_staff_invitation("hash-late", &user, t(3600))
            .await
            .unwrap(),
        AcceptOutcome::Expired
    );
    assert_eq!(store.user_by_id(user.id).await.unwrap(), None);
    let revoked = store
        .revoke_staff(f.business.id.0, late.id, t(4000))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(revoked.status(t(4000)), StaffStatus::Revoked);
    assert_eq!(
        store
            .accept_staff_invitation("hash-late", &user, t(100))
            .await
            .unwrap(),
        AcceptOutcome::Revoked
    );

    let lea = member(&f, "lea@example.com", f.resource.id.0);
    store.invite_staff(&lea, "hash-lea", &[]).await.unwrap();
    let user = account(Role::Staff);
    let accepted = store.accept_staff_invitation("hash-lea", &user, t(30));
    assert!(matches!(
        accepted.await.unwrap(),
        AcceptOutcome::Accepted(_)
    ));
    assert_eq!(
        store
            .revoke_staff(Uuid::new_v4(), lea.id, t(40))
            .await
            .unwrap(),
        None,
        "another business's member is not found"
    );
    let revoked = store
        .revoke_staff(f.business.id.0, lea.id, t(40))
        .await
        .unwrap()
        .unwrap();
    assert_eq!((revoked.revoked_at, revoked.user_id), (Some(t(40)), None));
    assert_eq!(store.user_by_id(user.id).await.unwrap(), None);
    assert_eq!(store.staff_by_user(user.id).await.unwrap(), None);
    let again = store
        .revoke_staff(f.business.id.0, lea.id, t(50))
        .await
        .unwrap();
    assert_eq!(
        again.unwrap().revoked_at,
        Some(t(40)),
        "revoking twice changes nothing"
    );
    let back = member(&f, "lea@example.com", f.resource.id.0);
    assert_eq!(
        store.invite_staff(&back, "hash-back", &[]).await.unwrap(),
        InviteOutcome::Invited
    );
}

/// Twenty concurrent acceptances of one invitation create exactly one account.
pub async fn concurrent_acceptances_create_one_account<S>(store: S)
where
    S: Store + StaffStore + AccountStore + 'static,
{
    let f = Fixture::new(&store).await;
    let m = member(&f, "race@example.com", f.resource.id.0);
    store.invite_staff(&m, "hash-race", &[]).await.unwrap();
    let store = Arc::new(store);
    let barrier = Arc::new(Barrier::new(20));
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let (store, barrier) = (store.clone(), barrier.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                store
                    .accept_staff_invitation("hash-race", &account(Role::Staff), t(1))
                    .await
                    .unwrap()
            })
        })
        .collect();
    let mut outcomes = Vec::new();
    for task in tasks {
        outcomes.push(task.await.unwrap());
    }
    let accepted = outcomes
        .iter()
        .filter(|o| matches!(o, AcceptOutcome::Accepted(_)))
        .count();
    assert_eq!(accepted, 1);
    assert!(
        outcomes
            .iter()
            .all(|o| matches!(o, AcceptOutcome::Accepted(_) | AcceptOutcome::Used)),
        "{outcomes:?}"
    );
}

/// The staff cases, one test each; see [`crate::backend_suites`].
#[macro_export]
macro_rules! staff_tests {
    ($run:path, $fresh:path) => {
        #[test]
        fn staff_invitations_are_refused_accepted_once_and_listed() {
            $run(async {
                common::staff::invitations_are_refused_accepted_once_and_listed($fresh().await)
                    .await
            });
        }

        #[test]
        fn staff_invitations_expire_and_revocation_deletes_the_account() {
            $run(async { common::staff::expiry_and_revocation($fresh().await).await });
        }

        #[test]
        fn concurrent_acceptances_of_one_invitation_create_one_account() {
            $run(async {
                common::staff::concurrent_acceptances_create_one_account($fresh().await).await
            });
        }
    };
}
