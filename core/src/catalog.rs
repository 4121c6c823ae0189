//! Categories and tags of services (SVC-3): how they are cleaned when a service is saved, how a
//! filter compares them, which services and businesses a filter keeps, and the categories in
//! use in the public catalogue.
//!
//! A category is one label per service (`coupe`, `massage`), a tag one of several free words
//! (`femme`, `brushing`). Both are plain single-line text, stored in lower case, so filters
//! compare them exactly; a filter's value is cleaned the same way, so `Coupe` finds `coupe`.
//! A business matches a category or tag filter when one of its active services does (the
//! public sees only active services, [`crate::visibility`]).

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::error::{FieldErrors, Result};
use crate::model::{BusinessId, Service};
use crate::validation::clean_name;

/// Longest category, in characters.
pub const MAX_CATEGORY_CHARS: usize = 60;
/// Longest tag, in characters.
pub const MAX_TAG_CHARS: usize = 40;
/// Most tags on one service.
pub const MAX_TAGS: usize = 20;

/// A category as stored: trimmed, plain single-line text of 1 to [`MAX_CATEGORY_CHARS`]
/// characters, lower case. Field errors name `field`.
pub fn clean_category(field: &str, raw: &str) -> Result<String> {
    Ok(clean_name(field, raw, MAX_CATEGORY_CHARS)?.to_lowercase())
}

/// A tag as stored: trimmed, plain single-line text of 1 to [`MAX_TAG_CHARS`] characters, lower
/// case. Field errors name `field`.
pub fn clean_tag(field: &str, raw: &str) -> Result<String> {
    Ok(clean_name(field, raw, MAX_TAG_CHARS)?.to_lowercase())
}

/// A service's tags as stored: each cleaned ([`clean_tag`], errors on `tags[i]`), duplicates
/// dropped (first kept), at most [`MAX_TAGS`] (`tags`, `too_many`); every problem at once.
pub fn clean_tags(raw: &[String]) -> Result<Vec<String>> {
    let mut errors = FieldErrors::new();
    if raw.len() > MAX_TAGS {
        errors.add(
            "tags",
            "too_many",
            format!("a service has at most {MAX_TAGS} tags"),
        );
    }
    let mut tags: Vec<String> = Vec::new();
    for (i, tag) in raw.iter().enumerate() {
        match clean_tag(&format!("tags[{i}]"), tag) {
            Ok(t) if !tags.contains(&t) => tags.push(t),
            Ok(_) => {}
            Err(e) => errors.absorb("", e),
        }
    }
    errors.finish(tags)
}

/// Which services a list keeps: those of a category and/or carrying a tag.
#[derive(Clone, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CatalogFilter {
    /// Only this category (stored form).
    #[serde(default)]
    pub category: Option<String>,
    /// Only services with this tag (stored form).
    #[serde(default)]
    pub tag: Option<String>,
}

impl CatalogFilter {
    /// A filter from the text of a query (`category`, `tag`), cleaned like stored values so
    /// the case does not matter; a value that no service could carry (empty, too long, markup)
    /// is a field error, every problem at once.
    ///
    /// ```
    /// use rdv_core::catalog::CatalogFilter;
    ///
    /// let f = CatalogFilter::parse(Some(" Coupe "), Some("Femme")).unwrap();
    /// assert_eq!((f.category.as_deref(), f.tag.as_deref()), (Some("coupe"), Some("femme")));
    /// assert!(CatalogFilter::parse(Some(""), None).is_err());
    /// ```
    pub fn parse(category: Option<&str>, tag: Option<&str>) -> Result<Self> {
        let mut errors = FieldErrors::new();
        let category = category.and_then(|c| {
            clean_category("category", c)
                .map_err(|e| errors.absorb("", e))
                .ok()
        });
        let tag = tag.and_then(|t| clean_tag("tag", t).map_err(|e| errors.absorb("", e)).ok());
        errors.finish(Self { category, tag })
    }

    /// Whether the filter keeps everything.
    pub fn is_empty(&self) -> bool {
        self.category.is_none() && self.tag.is_none()
    }

    /// Whether `service` passes: its category equals the filter's and its tags hold the
    /// filter's (compared in lower case, as stored).
    pub fn matches(&self, service: &Service) -> bool {
        let category = self.category.as_deref().is_none_or(|want| {
            service
                .category
                .as_deref()
                .is_some_and(|have| have.to_lowercase() == want)
        });
        let tag = self
            .tag
            .as_deref()
            .is_none_or(|want| service.tags.iter().any(|have| have.to_lowercase() == want));
        category && tag
    }

    /// Whether a business passes, given its services: the filter is empty, or one of its
    /// active services passes.
    pub fn matches_business(&self, services: &[Service]) -> bool {
        self.is_empty() || services.iter().any(|s| s.active && self.matches(s))
    }
}

/// A category in use, with how many public services and businesses carry it.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CategoryCount {
    /// The category (stored form, lower case).
    #[cfg_attr(feature = "openapi", schema(example = "coupe"))]
    pub name: String,
    /// Active services of public businesses in it.
    pub services: u32,
    /// Public businesses with at least one of them.
    pub businesses: u32,
}

/// The categories of `services` (the public ones: active, of validated businesses), each with
/// its counts, by name; services without a category are not counted.
pub fn count_categories<'a>(services: impl IntoIterator<Item = &'a Service>) -> Vec<CategoryCount> {
    let mut by_name: BTreeMap<String, (u32, BTreeSet<BusinessId>)> = BTreeMap::new();
    for s in services {
        if let Some(category) = &s.category {
            let entry = by_name.entry(category.to_lowercase()).or_default();
            entry.0 += 1;
            entry.1.insert(s.business_id);
        }
    }
    by_name
        .into_iter()
        .map(|(name, (services, businesses))| CategoryCount {
            name,
            services,
            businesses: u32::try_from(businesses.len()).unwrap_or(u32::MAX),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Currency, Money, ServiceId, SlotRules};
    use proptest::prelude::*;
    use uuid::Uuid;

    fn service(business: u128, category: Option<&str>, tags: &[&str]) -> Service {
        Service {
            id: ServiceId(Uuid::new_v4()),
            business_id: BusinessId(Uuid::from_u128(business)),
            name: "Coupe".into(),
            description: String::new(),
            price: Money::new(2500, Currency::parse("EUR").unwrap()),
            category: category.map(str::to_owned),
            tags: tags.iter().map(|t| (*t).to_owned()).collect(),
            active: true,
            rules: SlotRules::simple(30),
            resource_ids: vec![],
            cancellation_deadline_minutes: 0,
            max_reschedules: 0,
        }
    }

    #[test]
    fn tags_are_cleaned_deduplicated_and_bounded() {
        let tags = clean_tags(&[" Femme ".into(), "femme".into(), "Brushing".into()]).unwrap();
        assert_eq!(tags, ["femme", "brushing"]);
        let err = clean_tags(&vec!["x".to_owned(); MAX_TAGS + 1]).unwrap_err();
        let fields: Vec<_> = err
            .field_errors()
            .iter()
            .map(|e| (e.field.clone(), e.code.clone()))
            .collect();
        assert_eq!(fields, [("tags".to_owned(), "too_many".to_owned())]);
        let err = clean_tags(&["ok".into(), "<b>".into(), " ".into()]).unwrap_err();
        let fields: Vec<_> = err
            .field_errors()
            .iter()
            .map(|e| (e.field.clone(), e.code.clone()))
            .collect();
        assert_eq!(
            fields,
            [
                ("tags[1]".to_owned(), "markup".to_owned()),
                ("tags[2]".to_owned(), "required".to_owned())
            ]
        );
    }

    #[test]
    fn a_filter_keeps_the_services_of_its_category_and_tag() {
        let f = CatalogFilter::parse(Some("COUPE"), Some("Femme")).unwrap();
        assert!(f.matches(&service(1, Some("coupe"), &["femme", "court"])));
        assert!(!f.matches(&service(1, Some("coupe"), &["homme"])));
        assert!(!f.matches(&service(1, Some("couleur"), &["femme"])));
        assert!(!f.matches(&service(1, None, &["femme"])));
        let mut inactive = service(1, Some("coupe"), &["femme"]);
        inactive.active = false;
        assert!(!f.matches_business(&[inactive.clone()]));
        assert!(f.matches_business(&[inactive, service(1, Some("coupe"), &["femme"])]));
        assert!(CatalogFilter::default().matches_business(&[]));
        let err = CatalogFilter::parse(Some(&"c".repeat(61)), Some("a\nb")).unwrap_err();
        let fields: Vec<_> = err
            .field_errors()
            .iter()
            .map(|e| (e.field.clone(), e.code.clone()))
            .collect();
        assert_eq!(
            fields,
            [
                ("category".to_owned(), "too_long".to_owned()),
                ("tag".to_owned(), "markup".to_owned())
            ]
        );
    }

    #[test]
    fn categories_in_use_count_services_and_distinct_businesses() {
        let services = [
            service(1, Some("coupe"), &[]),
            service(1, Some("Coupe"), &[]),
            service(2, Some("coupe"), &[]),
            service(2, Some("massage"), &[]),
            service(3, None, &[]),
        ];
        assert_eq!(
            count_categories(&services),
            [
                CategoryCount {
                    name: "coupe".into(),
                    services: 3,
                    businesses: 2
                },
                CategoryCount {
                    name: "massage".into(),
                    services: 1,
                    businesses: 1
                },
            ]
        );
    }

    proptest! {
        /// Counting never loses a categorised service, never invents a business, and a
        /// category filter keeps exactly the services counted under it.
        #[test]
        fn category_counts_agree_with_the_filter(
            rows in proptest::collection::vec((0u128..4, proptest::option::of(0usize..3)), 0..30)
        ) {
            const NAMES: [&str; 3] = ["coupe", "Massage", "soin"];
            let services: Vec<Service> = rows
                .iter()
                .map(|(b, c)| service(*b, c.map(|i| NAMES[i]), &[]))
                .collect();
            let counts = count_categories(&services);
            let categorised = services.iter().filter(|s| s.category.is_some()).count();
            prop_assert_eq!(counts.iter().map(|c| c.services as usize).sum::<usize>(), categorised);
            for c in &counts {
                let filter = CatalogFilter::parse(Some(&c.name), None).unwrap();
                let kept: Vec<&Service> = services.iter().filter(|s| filter.matches(s)).collect();
                prop_assert_eq!(kept.len(), c.services as usize);
                let businesses: BTreeSet<BusinessId> = kept.iter().map(|s| s.business_id).collect();
                prop_assert_eq!(businesses.len(), c.businesses as usize);
                prop_assert!(c.businesses <= c.services);
            }
        }
    }
}
