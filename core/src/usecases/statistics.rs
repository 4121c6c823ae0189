//! The statistics use case (BIZ-5, STAT-2, STAT-3): checks the request, cuts the period into
//! buckets in the business's time zone, reads the store's aggregates for the period and the
//! previous one, and computes the figures ([`crate::stats`]).

use std::collections::BTreeMap;

use super::UseCases;
use crate::error::{Entity, Error, Result};
use crate::model::{BusinessId, ResourceId};
use crate::ports::{Clock, IdSource, StatsStore, Store};
use crate::stats::{
    AggregateRequest, Statistics, StatsInputs, StatsQuery, ZoneOffsets, buckets, check_period,
    previous_period, statistics,
};

impl<S: Store + StatsStore, C: Clock, I: IdSource> UseCases<S, C, I> {
    /// The statistics of `business` for `query`: its service and resource must be the
    /// business's own (`NOT_FOUND` otherwise, like missing ones), its period within the bounds
    /// of [`check_period`]. Two aggregate reads (the period and the previous one) and two
    /// name lists; no reservation is loaded.
    pub async fn statistics(&self, business: BusinessId, query: &StatsQuery) -> Result<Statistics> {
        check_period(query.period)?;
        let found = self
            .store
            .get_business(business)
            .await?
            .ok_or(Error::NotFound {
                entity: Entity::Business,
            })?;
        let service = match query.service_id {
            Some(id) => Some(self.owned_service(business, id).await?),
            None => None,
        };
        if let Some(id) = query.resource_id {
            self.owned_resource(business, id).await?;
        }
        // Whose windows are the available time: the resource's, else the service's, else all.
        let window_resources: Option<Vec<ResourceId>> = match (&service, query.resource_id) {
            (None, None) => None,
            (Some(s), None) => Some(s.resource_ids.clone()),
            (None, Some(r)) => Some(vec![r]),
            (Some(s), Some(r)) => {
                Some(s.resource_ids.iter().copied().filter(|x| *x == r).collect())
            }
        };
        let tz = found.time_zone.0;
        let spans = buckets(tz, query.period, query.bucket)?;
        let intervals: Vec<_> = spans.iter().map(|s| s.interval).collect();
        let filters = (query.service_id, query.resource_id);
        let current = AggregateRequest::new(
            business,
            filters,
            window_resources.clone(),
            &intervals,
            ZoneOffsets::new(tz, query.period),
        )?;
        let before = previous_period(query.period);
        let previous = AggregateRequest::new(
            business,
            filters,
            window_resources,
            &[before],
            ZoneOffsets::new(tz, before),
        )?;
        let current = self.store.stats_aggregates(&current).await?;
        let previous = self.store.stats_aggregates(&previous).await?;
        let mut names = BTreeMap::new();
        for s in self.store.list_services(business).await? {
            names.insert(s.id.0, s.name);
        }
        for r in self.store.list_resources(business).await? {
            names.insert(r.id.0, r.name);
        }
        statistics(StatsInputs {
            query,
            zone: found.time_zone,
            buckets: &spans,
            current: &current,
            previous: &previous,
            names: &names,
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::conformance::block_on;
    use crate::error::{Entity, Error, ErrorCode};
    use crate::hours::OpeningHours;
    use crate::memory::MemoryStore;
    use crate::model::{
        Address, BusinessId, Currency, Money, ResourceId, ResourceKind, ServiceId, SlotRules,
        UserId, Zone,
    };
    use crate::ports::{FixedClock, SequentialIds};
    use crate::stats::{Bucket, StatsQuery};
    use crate::time::{Interval, Timestamp};
    use crate::usecases::{NewBusiness, NewService, UseCases};

    type App = UseCases<MemoryStore, FixedClock, SequentialIds>;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn business(app: &App, owner: u128) -> BusinessId {
        block_on(app.create_business(
            UserId::from_uuid(uuid::Uuid::from_u128(owner)),
            NewBusiness {
                name: "Salon".into(),
                domain: "coiffure".into(),
                description: String::new(),
                city: "Paris".into(),
                address: Address::default(),
                time_zone: Zone::parse("Europe/Paris").unwrap(),
                opening_hours: OpeningHours::always_open(),
                closures: vec![],
                special_hours: vec![],
            },
        ))
        .unwrap()
        .id
    }

    fn service(app: &App, business: BusinessId, resource: ResourceId) -> ServiceId {
        block_on(app.create_service(
            business,
            NewService {
                name: "Coupe".into(),
                description: String::new(),
                price: Money::new(2500, Currency::parse("EUR").unwrap()),
                category: None,
                tags: vec![],
                rules: SlotRules::simple(30),
                resource_ids: vec![resource],
                cancellation_deadline_minutes: 60,
                max_reschedules: 1,
            },
        ))
        .unwrap()
        .id
    }

    fn query(from: &str, to: &str) -> StatsQuery {
        StatsQuery {
            period: Interval::new(ts(from), ts(to)).unwrap(),
            bucket: Bucket::Day,
            service_id: None,
            resource_id: None,
        }
    }

    /// Another business's service or resource as a filter is not found, like a missing
    /// business; a period past the bounds is refused before any read.
    #[test]
    fn statistics_are_scoped_to_the_business_and_bounded() {
        let app = App::new(
            MemoryStore::new(),
            FixedClock(ts("2026-03-01T00:00:00Z")),
            SequentialIds::default(),
        );
        let mine = business(&app, 1);
        let theirs = business(&app, 2);
        let their_resource = block_on(app.create_resource(theirs, "Bob", ResourceKind::Staff))
            .unwrap()
            .id;
        let their_service = service(&app, theirs, their_resource);
        // Monday 2 to Monday 9 March, local midnights (CET).
        let q = query("2026-03-01T23:00:00Z", "2026-03-08T23:00:00Z");
        let stats = block_on(app.statistics(mine, &q)).unwrap();
        assert_eq!(stats.buckets.len(), 7);
        assert_eq!(stats.totals.appointments.value, 0);
        assert_eq!(stats.totals.utilisation.value, None);
        let not_found = |q: StatsQuery, business: BusinessId| {
            block_on(app.statistics(business, &q)).unwrap_err()
        };
        assert_eq!(
            not_found(
                StatsQuery {
                    service_id: Some(their_service),
                    ..q
                },
                mine
            ),
            Error::NotFound {
                entity: Entity::Service
            }
        );
        assert_eq!(
            not_found(
                StatsQuery {
                    resource_id: Some(their_resource),
                    ..q
                },
                mine
            ),
            Error::NotFound {
                entity: Entity::Resource
            }
        );
        assert_eq!(
            not_found(q, BusinessId::from_uuid(uuid::Uuid::from_u128(99))),
            Error::NotFound {
                entity: Entity::Business
            }
        );
        let long = query("2026-01-01T00:00:00Z", "2027-01-03T00:00:00Z");
        assert_eq!(not_found(long, mine).code(), ErrorCode::RangeTooLarge);
    }
}
