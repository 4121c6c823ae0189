//! A business's client file (ADV-3's client import): the people a business knew before it came
//! here — from a previous booking system, a spreadsheet, a paper file — as contacts of that
//! business. A contact is not an account: a client's profile belongs to the client's own
//! account (CLI-2) and no business may create one in their name. So an imported client is a
//! record the business owns ([`Contact`]), listed and exported with the clients who booked;
//! once that person signs up and books with the same email, the export shows their account
//! and the contact is not repeated ([`merge_client_file`]).
//!
//! The rules of a contact are those of a client profile (names, email, phone in E.164, a
//! national number read with the business's country, [`check_contact`]) and one more: an
//! email appears once per business, among its contacts and the clients who booked, and once
//! per file ([`check_new_email`]).

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::error::{FieldErrors, Result};
use crate::imports::RowProblem;
use crate::model::{Business, BusinessId, ClientProfile, ContactId};
use crate::time::Timestamp;
use crate::validation::{clean_name, national_calling_code, normalize_email, normalize_phone};

/// One entry of a business's client file.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct Contact {
    /// Identifier.
    pub id: ContactId,
    /// The business whose file it is.
    pub business_id: BusinessId,
    /// Given name.
    pub first_name: String,
    /// Family name.
    pub last_name: String,
    /// Normalised email (domain in lowercase), unique in the business's file case aside.
    pub email: String,
    /// E.164 phone, if known.
    pub phone: Option<String>,
    /// When it was imported.
    pub created_at: Timestamp,
}

/// One row of a clients import.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct ContactRow {
    /// Given name.
    pub first_name: String,
    /// Family name.
    pub last_name: String,
    /// Email.
    pub email: String,
    /// Phone, international (`+33 6 12 34 56 78`) or national to the business's country
    /// (`06 12 34 56 78`).
    pub phone: Option<String>,
}

/// The contact a row makes for `business`, with the rules of a client profile: every field
/// problem at once.
pub fn check_contact(
    business: &Business,
    id: ContactId,
    row: ContactRow,
    now: Timestamp,
) -> Result<Contact> {
    let mut errors = FieldErrors::new();
    let email = normalize_email("email", &row.email)
        .map_err(|e| errors.absorb("", e))
        .ok();
    let first = clean_name("first_name", &row.first_name, 100)
        .map_err(|e| errors.absorb("", e))
        .ok();
    let last = clean_name("last_name", &row.last_name, 100)
        .map_err(|e| errors.absorb("", e))
        .ok();
    let country = national_calling_code(&business.address.country);
    let phone = match row.phone.as_deref().filter(|p| !p.trim().is_empty()) {
        Some(p) => normalize_phone("phone", p, country)
            .map_err(|e| errors.absorb("", e))
            .ok(),
        None => None,
    };
    let contact = Contact {
        id,
        business_id: business.id,
        first_name: first.unwrap_or_default(),
        last_name: last.unwrap_or_default(),
        email: email.unwrap_or_default(),
        phone,
        created_at: now,
    };
    errors.finish(contact)
}

/// An email once per business and file, case aside: one already among `known` (the
/// business's contacts and the clients who booked, in lowercase) or on an earlier row (`seen`)
/// is an `already_exists` problem of the row's `email` (importing a file twice adds nobody
/// twice).
pub fn check_new_email(
    row: usize,
    email: &str,
    known: &std::collections::HashSet<String>,
    seen: &mut HashMap<String, usize>,
) -> std::result::Result<(), RowProblem> {
    let key = email.to_lowercase();
    if known.contains(&key) {
        return Err(RowProblem::new(
            row,
            "email",
            "already_exists",
            format!("{email} is already a client of the business"),
        ));
    }
    if let Some(first) = seen.get(&key) {
        return Err(RowProblem::new(
            row,
            "email",
            "already_exists",
            format!("{email} is already on row {first}"),
        ));
    }
    seen.insert(key, row);
    Ok(())
}

/// One line of a business's client file: a client who booked, or a contact who has not.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum ClientFileEntry {
    /// A client with an account who holds or held a reservation.
    Account(ClientProfile),
    /// An imported contact with no account that booked here (by email).
    Contact(Contact),
}

impl ClientFileEntry {
    /// `(last name, first name)`, the file's order.
    pub fn names(&self) -> (&str, &str) {
        match self {
            Self::Account(c) => (&c.last_name, &c.first_name),
            Self::Contact(c) => (&c.last_name, &c.first_name),
        }
    }

    /// The email.
    pub fn email(&self) -> &str {
        match self {
            Self::Account(c) => &c.email,
            Self::Contact(c) => &c.email,
        }
    }
}

/// The business's client file: every client who booked, and every contact whose email (case
/// aside) none of them has, by last name, first name, then email.
pub fn merge_client_file(
    clients: Vec<ClientProfile>,
    contacts: Vec<Contact>,
) -> Vec<ClientFileEntry> {
    let booked: std::collections::HashSet<String> =
        clients.iter().map(|c| c.email.to_lowercase()).collect();
    let mut file: Vec<ClientFileEntry> = clients
        .into_iter()
        .map(ClientFileEntry::Account)
        .chain(
            contacts
                .into_iter()
                .filter(|c| !booked.contains(&c.email.to_lowercase()))
                .map(ClientFileEntry::Contact),
        )
        .collect();
    file.sort_by(|a, b| (a.names(), a.email()).cmp(&(b.names(), b.email())));
    file
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ClientId;
    use proptest::prelude::*;
    use uuid::Uuid;

    fn business() -> Business {
        Business {
            id: BusinessId::from_uuid(Uuid::from_u128(9)),
            owner_id: crate::model::UserId::from_uuid(Uuid::from_u128(8)),
            name: "Salon".into(),
            domain: "coiffure".into(),
            description: String::new(),
            city: "Lyon".into(),
            address: crate::model::Address {
                country: "FR".into(),
                ..crate::model::Address::default()
            },
            time_zone: crate::model::Zone::parse("Europe/Paris").unwrap(),
            status: crate::business_status::BusinessStatus::Validated,
            status_reason: None,
            opening_hours: crate::hours::OpeningHours::always_open(),
            closures: vec![],
            special_hours: vec![],
        }
    }

    fn row(first: &str, last: &str, email: &str, phone: Option<&str>) -> ContactRow {
        ContactRow {
            first_name: first.into(),
            last_name: last.into(),
            email: email.into(),
            phone: phone.map(Into::into),
        }
    }

    #[test]
    fn a_contact_follows_the_rules_of_a_client_profile() {
        let id = ContactId::from_uuid(Uuid::from_u128(1));
        let now = Timestamp::from_secs(0);
        let c = check_contact(
            &business(),
            id,
            row(
                " Jeanne ",
                "Dupont",
                "Jeanne@Example.COM",
                Some("06 12 34 56 78"),
            ),
            now,
        )
        .unwrap();
        assert_eq!(
            (c.first_name.as_str(), c.email.as_str(), c.phone.as_deref()),
            ("Jeanne", "Jeanne@example.com", Some("+33612345678"))
        );
        let e = check_contact(&business(), id, row("", "D", "nope", Some("12")), now).unwrap_err();
        let fields: Vec<&str> = e.field_errors().iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["email", "first_name", "phone"]);
    }

    #[test]
    fn an_email_is_imported_once_per_business_and_file() {
        let known = ["old@example.com".to_owned()].into_iter().collect();
        let mut seen = HashMap::new();
        assert!(check_new_email(2, "new@example.com", &known, &mut seen).is_ok());
        let again = check_new_email(3, "new@example.com", &known, &mut seen).unwrap_err();
        assert_eq!((again.row, again.code.as_str()), (3, "already_exists"));
        assert!(again.message.contains("row 2"));
        let old = check_new_email(4, "old@example.com", &known, &mut seen).unwrap_err();
        assert_eq!(old.field, "email");
    }

    fn profile(n: u128, last: &str, email: &str) -> ClientProfile {
        ClientProfile {
            id: ClientId::from_uuid(Uuid::from_u128(n)),
            email: email.into(),
            first_name: "A".into(),
            last_name: last.into(),
            phone: None,
            address: None,
        }
    }

    fn contact(n: u128, last: &str, email: &str) -> Contact {
        Contact {
            id: ContactId::from_uuid(Uuid::from_u128(n)),
            business_id: BusinessId::from_uuid(Uuid::from_u128(9)),
            first_name: "A".into(),
            last_name: last.into(),
            email: email.into(),
            phone: None,
            created_at: Timestamp::from_secs(0),
        }
    }

    proptest! {
        /// Every client who booked is in the file once; a contact is in it exactly when no
        /// such client has its email; the file is sorted by name.
        #[test]
        fn the_client_file_lists_each_person_once(
            booked in proptest::collection::vec((0u8..6, 0u8..4), 0..8),
            imported in proptest::collection::vec((0u8..6, 0u8..4), 0..8),
        ) {
            let mut used = std::collections::HashSet::new();
            let clients: Vec<ClientProfile> = booked.iter().enumerate()
                .filter(|(_, (e, _))| used.insert(*e))
                .map(|(i, (e, l))| profile(i as u128, &format!("L{l}"), &format!("p{e}@x.fr")))
                .collect();
            let mut used = std::collections::HashSet::new();
            let contacts: Vec<Contact> = imported.iter().enumerate()
                .filter(|(_, (e, _))| used.insert(*e))
                .map(|(i, (e, l))| contact(100 + i as u128, &format!("L{l}"), &format!("p{e}@x.fr")))
                .collect();
            let file = merge_client_file(clients.clone(), contacts.clone());
            let emails: Vec<&str> = file.iter().map(ClientFileEntry::email).collect();
            let unique: std::collections::HashSet<&str> = emails.iter().copied().collect();
            prop_assert_eq!(unique.len(), emails.len());
            for c in &clients {
                prop_assert!(file.contains(&ClientFileEntry::Account(c.clone())));
            }
            for c in &contacts {
                let listed = file.contains(&ClientFileEntry::Contact(c.clone()));
                prop_assert_eq!(listed, !clients.iter().any(|p| p.email.eq_ignore_ascii_case(&c.email)));
            }
            for w in file.windows(2) {
                prop_assert!((w[0].names(), w[0].email()) <= (w[1].names(), w[1].email()));
            }
        }
    }
}
