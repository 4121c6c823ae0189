//! Full-text search vocabulary (PERF-8): the query and hit types every store returns, and the
//! accent-insensitive tokenisation the in-memory store uses ("coiffeur" finds
//! "Coiffeur Élégance", "elegance" finds it too).
//!
//! Database backends use their own engines (SQLite FTS5 with `remove_diacritics`, PostgreSQL
//! `tsvector` over `unaccent`); the conformance suite holds all of them to the same answers on
//! whole-word queries.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::{Error, Result};
use crate::model::BusinessId;

/// Most hits one search returns.
pub const MAX_SEARCH_HITS: u32 = 50;

/// What kind of entity a hit is.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum HitKind {
    /// A business.
    Business,
    /// A service.
    Service,
}

/// A search over validated businesses and their active services.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SearchQuery {
    /// Words to find (all of them must match, in any indexed field).
    pub text: String,
    /// Only businesses in this city (exact, case-insensitive).
    #[serde(default)]
    pub city: Option<String>,
    /// Only this line of business (exact, case-insensitive).
    #[serde(default)]
    pub domain: Option<String>,
    /// Most hits, 1 to [`MAX_SEARCH_HITS`].
    pub limit: u32,
}

impl SearchQuery {
    /// The query's words, folded; fails when there is no word to search.
    pub fn words(&self) -> Result<Vec<String>> {
        let words = tokenize(&self.text);
        if words.is_empty() {
            return Err(Error::field(
                "q",
                "required",
                "q must contain at least one word",
            ));
        }
        if words.len() > 16 {
            return Err(Error::field(
                "q",
                "too_long",
                "q may contain at most 16 words",
            ));
        }
        Ok(words)
    }
}

/// One search result, best first.
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SearchHit {
    /// Business or service.
    pub kind: HitKind,
    /// The business's or service's id.
    pub id: Uuid,
    /// The business (itself, or the service's).
    pub business_id: BusinessId,
    /// Display name.
    pub name: String,
    /// Relevance; higher is better, comparable within one result list only.
    pub rank: f64,
}

/// Lowercases and removes diacritics from Latin letters (`É` → `e`, `ç` → `c`, `œ` → `oe`).
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars().flat_map(char::to_lowercase) {
        let folded = match c {
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' => "a",
            'ç' | 'ć' | 'ĉ' | 'ċ' | 'č' => "c",
            'ď' | 'đ' => "d",
            'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ĕ' | 'ė' | 'ę' | 'ě' => "e",
            'ĝ' | 'ğ' | 'ġ' | 'ģ' => "g",
            'ĥ' | 'ħ' => "h",
            'ì' | 'í' | 'î' | 'ï' | 'ĩ' | 'ī' | 'ĭ' | 'į' | 'ı' => "i",
            'ĵ' => "j",
            'ķ' => "k",
            'ĺ' | 'ļ' | 'ľ' | 'ŀ' | 'ł' => "l",
            'ñ' | 'ń' | 'ņ' | 'ň' => "n",
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ŏ' | 'ő' => "o",
            'œ' => "oe",
            'æ' => "ae",
            'ŕ' | 'ŗ' | 'ř' => "r",
            'ś' | 'ŝ' | 'ş' | 'š' => "s",
            'ß' => "ss",
            'ţ' | 'ť' | 'ŧ' => "t",
            'ù' | 'ú' | 'û' | 'ü' | 'ũ' | 'ū' | 'ŭ' | 'ů' | 'ű' | 'ų' => "u",
            'ŵ' => "w",
            'ý' | 'ÿ' | 'ŷ' => "y",
            'ź' | 'ż' | 'ž' => "z",
            _ => {
                out.push(c);
                continue;
            }
        };
        out.push_str(folded);
    }
    out
}

/// Splits folded text into words of letters and digits.
pub fn tokenize(text: &str) -> Vec<String> {
    fold(text)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_removes_accents_and_case() {
        assert_eq!(fold("Coiffeur Élégance"), "coiffeur elegance");
        assert_eq!(fold("Œuvre façade Straße"), "oeuvre facade strasse");
        assert_eq!(
            tokenize("L'Atelier — coupe & couleur!"),
            ["l", "atelier", "coupe", "couleur"]
        );
    }

    #[test]
    fn an_empty_query_is_refused() {
        let q = SearchQuery {
            text: " -- ".into(),
            city: None,
            domain: None,
            limit: 10,
        };
        assert_eq!(q.words().unwrap_err().field_errors()[0].field, "q");
    }
}
