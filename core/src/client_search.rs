//! Finding reservations by who booked (issue 17): the business types part of a client's name
//! or email, or a phone number, and sees that client's reservations.
//!
//! One rule for every backend: the store hands over the business's clients
//! ([`crate::ports::DirectoryStore::business_clients`], phones decrypted) and
//! [`ClientSearch::matches`] picks them here, so accents, case and phone notations are
//! handled the same on SQLite, PostgreSQL and in memory, and the encrypted phone numbers never
//! need to be compared inside the database.

use crate::error::{Error, Result};
use crate::model::{ClientId, ClientProfile};
use crate::search::{fold, tokenize};
use crate::validation::normalize_phone;

/// Longest search text, in characters.
pub const MAX_CLIENT_SEARCH_CHARS: usize = 100;
/// Most clients one search may match; a broader search is refused (`client_search`, code
/// `too_broad`) rather than silently cut.
pub const MAX_MATCHED_CLIENTS: usize = 1000;

/// A parsed search by who booked.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum ClientSearch {
    /// Every word appears in the client's folded first name, last name or email.
    Words(Vec<String>),
    /// The client's phone is this E.164 number.
    Phone(String),
}

impl ClientSearch {
    /// Reads the text typed in the field `field`: a phone number when it holds only digits,
    /// spaces, dots, dashes, parentheses and a leading `+` with at least 6 digits (a national
    /// number is read with `national_code`, the business country's calling code), otherwise
    /// words compared without accents or case. Empty text or text longer than
    /// [`MAX_CLIENT_SEARCH_CHARS`] is a field error (`required`, `too_long`).
    pub fn parse(field: &str, text: &str, national_code: Option<&str>) -> Result<Self> {
        let text = text.trim();
        if text.chars().count() > MAX_CLIENT_SEARCH_CHARS {
            return Err(Error::field(
                field,
                "too_long",
                format!("{field} holds at most {MAX_CLIENT_SEARCH_CHARS} characters"),
            ));
        }
        let phone_like = text
            .chars()
            .enumerate()
            .all(|(i, c)| c.is_ascii_digit() || " .-()".contains(c) || (c == '+' && i == 0))
            && text.chars().filter(char::is_ascii_digit).count() >= 6;
        if phone_like && let Ok(phone) = normalize_phone(field, text, national_code) {
            return Ok(Self::Phone(phone));
        }
        let words = tokenize(text);
        if words.is_empty() {
            return Err(Error::field(
                field,
                "required",
                format!("{field} needs a name, an email or a phone number"),
            ));
        }
        Ok(Self::Words(words))
    }

    /// Whether `client` is one the search looks for.
    pub fn matches(&self, client: &ClientProfile) -> bool {
        match self {
            Self::Phone(phone) => client.phone.as_deref() == Some(phone.as_str()),
            Self::Words(words) => {
                let haystack = fold(&format!(
                    "{} {} {}",
                    client.first_name, client.last_name, client.email
                ));
                words.iter().all(|w| haystack.contains(w.as_str()))
            }
        }
    }
}

/// The ids of the `clients` the search matches, sorted; more than [`MAX_MATCHED_CLIENTS`] is
/// a field error on `field` (code `too_broad`).
pub fn matching_clients(
    field: &str,
    search: &ClientSearch,
    clients: &[ClientProfile],
) -> Result<Vec<ClientId>> {
    let mut ids: Vec<ClientId> = clients
        .iter()
        .filter(|c| search.matches(c))
        .map(|c| c.id)
        .collect();
    ids.sort_unstable();
    ids.dedup();
    if ids.len() > MAX_MATCHED_CLIENTS {
        return Err(Error::field(
            field,
            "too_broad",
            format!(
                "{field} matches more than {MAX_MATCHED_CLIENTS} clients: type more of the name"
            ),
        ));
    }
    Ok(ids)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn client(n: u128, first: &str, last: &str, email: &str, phone: Option<&str>) -> ClientProfile {
        ClientProfile {
            id: ClientId::from_uuid(uuid::Uuid::from_u128(n)),
            email: email.into(),
            first_name: first.into(),
            last_name: last.into(),
            phone: phone.map(Into::into),
            address: None,
        }
    }

    fn clients() -> Vec<ClientProfile> {
        vec![
            client(
                1,
                "Hélène",
                "Dupré",
                "helene@example.com",
                Some("+33612345678"),
            ),
            client(2, "Jean", "Dupont", "jd@example.org", None),
            client(
                3,
                "Zoé",
                "Martin",
                "zoe.martin@example.com",
                Some("+41791234567"),
            ),
        ]
    }

    fn find(text: &str) -> Vec<u128> {
        let search = ClientSearch::parse("q", text, Some("33")).unwrap();
        matching_clients("q", &search, &clients())
            .unwrap()
            .into_iter()
            .map(|id| id.0.as_u128())
            .collect()
    }

    #[test]
    fn names_and_emails_match_without_accents_or_case() {
        assert_eq!(find("helene"), [1]);
        assert_eq!(find("DUPRÉ"), [1]);
        assert_eq!(find("dup"), [1, 2], "part of a name");
        assert_eq!(find("jean dupont"), [2], "every word");
        assert_eq!(find("dupont hélène"), Vec::<u128>::new());
        assert_eq!(find("example.org"), [2], "email");
    }

    #[test]
    fn phones_match_in_any_notation() {
        assert_eq!(
            ClientSearch::parse("q", "06 12 34 56 78", Some("33")).unwrap(),
            ClientSearch::Phone("+33612345678".into())
        );
        assert_eq!(find("06.12.34.56.78"), [1]);
        assert_eq!(find("+33 6 12 34 56 78"), [1]);
        assert_eq!(find("0041 79 123 45 67"), [3]);
        assert_eq!(find("+33 6 00 00 00 00"), Vec::<u128>::new());
    }

    #[test]
    fn empty_long_or_broad_searches_are_refused_by_field() {
        let code = |r: Result<ClientSearch>| r.unwrap_err().field_errors()[0].code.clone();
        assert_eq!(code(ClientSearch::parse("q", "  ", None)), "required");
        assert_eq!(code(ClientSearch::parse("q", "@@", None)), "required");
        assert_eq!(
            code(ClientSearch::parse("q", &"a".repeat(101), None)),
            "too_long"
        );
        let many: Vec<ClientProfile> = (0..=MAX_MATCHED_CLIENTS as u128)
            .map(|n| client(n, "Anne", "Durand", "a@example.com", None))
            .collect();
        let search = ClientSearch::parse("q", "anne", None).unwrap();
        let err = matching_clients("q", &search, &many).unwrap_err();
        assert_eq!(err.field_errors()[0].field, "q");
        assert_eq!(err.field_errors()[0].code, "too_broad");
    }

    proptest! {
        /// Invariant: a client is always found by their own last name, however it is typed.
        #[test]
        fn a_client_is_found_by_their_last_name(name in "[A-Za-zÀ-ÖØ-öø-ÿ]{2,12}", upper in any::<bool>()) {
            let c = client(9, "X", &name, "x@example.com", None);
            let typed = if upper { name.to_uppercase() } else { name.to_lowercase() };
            let search = ClientSearch::parse("q", &typed, None).unwrap();
            prop_assert!(search.matches(&c), "{typed} finds {name}");
        }
    }
}
