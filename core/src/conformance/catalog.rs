//! Conformance case of the catalogue (SVC-3): the business list filtered by a category or a
//! tag of its active services, and the categories in use among public ones.

use super::Fixture;
use crate::business_status::BusinessStatus;
use crate::catalog::{CatalogFilter, CategoryCount};
use crate::model::*;
use crate::ports::{BusinessFilter, BusinessSort, PageRequest, Store};
use crate::visibility::public_business_filter;

async fn names(store: &impl Store, filter: &BusinessFilter) -> Vec<String> {
    store
        .list_businesses(filter, BusinessSort::NameAsc, &PageRequest::first(50))
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|b| b.name)
        .collect()
}

/// A category or tag filter keeps the businesses with an active service carrying it
/// (compared in lower case; a tag containing `LIKE`'s `%` or `_` matches only itself); the
/// categories in use count the active services of validated businesses and those businesses.
pub async fn the_catalogue_filters_businesses_and_counts_categories(store: impl Store) {
    let f = Fixture::new(&store).await; // "Coiffeur Élégance": Coupe, category hair, tag short
    let other = Business {
        id: BusinessId(Uuid::from_u128(0xb2)),
        owner_id: UserId(Uuid::from_u128(0xb3)),
        name: "Spa Zen".into(),
        ..f.business.clone()
    };
    let hidden = Business {
        id: BusinessId(Uuid::from_u128(0xb4)),
        owner_id: UserId(Uuid::from_u128(0xb5)),
        name: "Pending Spa".into(),
        status: BusinessStatus::Pending,
        ..f.business.clone()
    };
    for b in [&other, &hidden] {
        store.save_business(b).await.unwrap();
    }
    let service =
        |n: u128, business: &Business, category: Option<&str>, tags: &[&str], active| Service {
            id: ServiceId(Uuid::from_u128(0x5e0 + n)),
            business_id: business.id,
            category: category.map(str::to_owned),
            tags: tags.iter().map(|t| (*t).to_owned()).collect(),
            active,
            resource_ids: vec![],
            ..f.service.clone()
        };
    for s in [
        service(1, &other, Some("massage"), &["relax", "100%_bio"], true),
        service(2, &other, Some("hair"), &["long"], false),
        service(3, &hidden, Some("massage"), &["relax"], true),
        service(4, &f.business, Some("massage"), &["100xxbio"], true),
    ] {
        store.save_service(&s).await.unwrap();
    }
    let public = |category: Option<&str>, tag: Option<&str>| {
        public_business_filter(None, None, CatalogFilter::parse(category, tag).unwrap())
    };
    assert_eq!(
        names(&store, &public(None, None)).await,
        ["Coiffeur Élégance", "Spa Zen"]
    );
    assert_eq!(
        names(&store, &public(Some("Massage"), None)).await,
        ["Coiffeur Élégance", "Spa Zen"]
    );
    assert_eq!(
        names(&store, &public(Some("hair"), None)).await,
        ["Coiffeur Élégance"],
        "Spa Zen's hair service is inactive"
    );
    assert_eq!(
        names(&store, &public(None, Some("RELAX"))).await,
        ["Spa Zen"]
    );
    assert_eq!(
        names(&store, &public(None, Some("100%_bio"))).await,
        ["Spa Zen"],
        "% and _ are not wildcards"
    );
    assert_eq!(
        names(&store, &public(Some("hair"), Some("relax"))).await,
        Vec::<String>::new(),
        "both on one service"
    );
    assert_eq!(
        names(&store, &public(Some("massage"), Some("relax"))).await,
        ["Spa Zen"]
    );
    let every = BusinessFilter {
        catalog: CatalogFilter::parse(Some("massage"), None).unwrap(),
        ..BusinessFilter::default()
    };
    assert_eq!(
        names(&store, &every).await,
        ["Coiffeur Élégance", "Pending Spa", "Spa Zen"],
        "without the status filter, hidden businesses too"
    );
    assert_eq!(
        store.categories_in_use().await.unwrap(),
        [
            CategoryCount {
                name: "hair".into(),
                services: 1,
                businesses: 1
            },
            CategoryCount {
                name: "massage".into(),
                services: 2,
                businesses: 2
            },
        ]
    );
}
