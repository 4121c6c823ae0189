//! Conformance case of the client file: contacts read back as written (phones too), an email
//! once per business case aside, businesses apart.

use super::Fixture;
use crate::contacts::Contact;
use crate::model::*;
use crate::ports::Store;
use crate::time::Timestamp;

/// `insert_contacts` writes every contact; one whose business already has its email (in any
/// case) is skipped; another business's file is apart.
pub async fn contacts_keep_one_email_per_business(store: impl Store) {
    let f = Fixture::new(&store).await;
    let contact = |n: u128, business: BusinessId, email: &str, phone: Option<&str>| Contact {
        id: ContactId(Uuid::from_u128(0x2_0000 + n)),
        business_id: business,
        first_name: "Léa".into(),
        last_name: "Martin".into(),
        email: email.into(),
        phone: phone.map(Into::into),
        created_at: Timestamp::from_secs(1_800_000_000),
    };
    let lea = contact(1, f.business.id, "lea@example.com", Some("+33612345678"));
    let marc = contact(2, f.business.id, "Marc@example.com", None);
    store
        .insert_contacts(&[lea.clone(), marc.clone()])
        .await
        .expect("insert");
    let sorted = |mut list: Vec<Contact>| {
        list.sort_by_key(|c| c.id);
        list
    };
    assert_eq!(
        sorted(store.business_contacts(f.business.id).await.unwrap()),
        [lea.clone(), marc.clone()]
    );
    // The same email in another case is skipped; a new one in the same call is written.
    let twin = contact(3, f.business.id, "LEA@example.com", None);
    let zoe = contact(4, f.business.id, "zoe@example.com", None);
    store
        .insert_contacts(&[twin, zoe.clone()])
        .await
        .expect("insert");
    assert_eq!(
        sorted(store.business_contacts(f.business.id).await.unwrap()),
        [lea.clone(), marc, zoe]
    );
    // Another business has its own file.
    let other = Business {
        id: BusinessId(Uuid::from_u128(0x2_1000)),
        owner_id: UserId(Uuid::from_u128(0x2_1001)),
        ..f.business.clone()
    };
    store.save_business(&other).await.expect("save business");
    let theirs = contact(5, other.id, "lea@example.com", None);
    store
        .insert_contacts(std::slice::from_ref(&theirs))
        .await
        .expect("insert");
    assert_eq!(store.business_contacts(other.id).await.unwrap(), [theirs]);
}
