//! The import use case (ADV-3): every row of a file through the same rules as a single
//! create, a per-row report before anything is written, then all rows or none. The import
//! rules themselves are in [`crate::imports`].

use std::collections::HashMap;

use super::UseCases;
use crate::availability::{
    check_recurring_expansion, check_wall_minutes, check_window_length, check_window_period,
    recurring_generation_range,
};
use crate::error::Result;
use crate::hours::Closure;
use crate::imports::{
    ImportReport, ImportRows, MAX_IMPORTED_WINDOWS, ResourceRow, RowProblem, ServiceRow, WindowRow,
    check_new_name, overlaps_in_file, overlaps_with_stored, resolve_resource,
};
use crate::model::{
    AvailabilityId, AvailabilityWindow, Business, BusinessId, Resource, ResourceId, SeriesId,
    Service, ServiceId,
};
use crate::ports::{Clock, IdSource, Store};
use crate::recurrence::{Recurrence, RecurrenceRule};
use crate::time::Interval;
use crate::tz::resolve_local;

/// The windows of one availability row and their series, or the field at fault and why.
type RowIntervals =
    std::result::Result<(Vec<Interval>, Option<SeriesId>), (&'static str, crate::Error)>;

/// What checked rows make, ready to be written.
enum Checked {
    Services(Vec<Service>),
    Resources(Vec<Resource>),
    Windows(Vec<AvailabilityWindow>),
    Closures(Box<Business>, usize),
    Clients(Vec<crate::contacts::Contact>),
}

impl<S: Store, C: Clock, I: IdSource> UseCases<S, C, I> {
    /// Imports `rows` into `business`: checks every row (its own rules, names not imported
    /// twice, windows overlapping neither each other nor the stored ones) and answers every
    /// problem by row with nothing written; else writes them all in one atomic store call,
    /// unless `dry_run`. Store failures are errors; rule failures are the report's problems.
    pub async fn import(
        &self,
        business: BusinessId,
        rows: ImportRows,
        dry_run: bool,
    ) -> Result<ImportReport> {
        let business = self.business(business).await?;
        let kind = rows.kind();
        let count = rows.len();
        let mut problems = Vec::new();
        let checked = match rows {
            ImportRows::Services(rows) => Checked::Services(
                self.checked_services(&business, rows, &mut problems)
                    .await?,
            ),
            ImportRows::Resources(rows) => Checked::Resources(
                self.checked_resources(&business, rows, &mut problems)
                    .await?,
            ),
            ImportRows::Availabilities(rows) => {
                Checked::Windows(self.checked_windows(&business, rows, &mut problems).await?)
            }
            ImportRows::Closures(rows) => {
                let added = rows.len();
                let business = Self::checked_closures(business, rows, &mut problems)?;
                Checked::Closures(Box::new(business), added)
            }
            ImportRows::Clients(rows) => Checked::Clients(
                self.checked_contacts(&business, rows, &mut problems)
                    .await?,
            ),
        };
        problems.sort_by_key(|p| p.row);
        let objects = match &checked {
            Checked::Services(s) => s.len(),
            Checked::Resources(r) => r.len(),
            Checked::Windows(w) => w.len(),
            Checked::Closures(_, added) => *added,
            Checked::Clients(c) => c.len(),
        };
        let mut report = ImportReport {
            kind,
            dry_run,
            rows: count,
            objects,
            created: 0,
            ids: Vec::new(),
            problems,
        };
        if dry_run || !report.problems.is_empty() {
            return Ok(report);
        }
        report.ids = match checked {
            Checked::Services(services) => {
                self.store.save_directory(&[], &services).await?;
                services.iter().map(|s| s.id.to_string()).collect()
            }
            Checked::Resources(resources) => {
                self.store.save_directory(&resources, &[]).await?;
                resources.iter().map(|r| r.id.to_string()).collect()
            }
            Checked::Windows(windows) => {
                self.store.insert_windows(&windows).await?;
                windows.iter().map(|w| w.id.to_string()).collect()
            }
            Checked::Closures(business, _) => {
                self.store.save_business(&business).await?;
                Vec::new()
            }
            Checked::Clients(contacts) => {
                self.store.insert_contacts(&contacts).await?;
                contacts.iter().map(|c| c.id.to_string()).collect()
            }
        };
        report.created = objects;
        Ok(report)
    }

    async fn checked_services(
        &self,
        business: &Business,
        rows: Vec<(usize, ServiceRow)>,
        problems: &mut Vec<RowProblem>,
    ) -> Result<Vec<Service>> {
        let resources = self.store.list_resources(business.id).await?;
        let stored = self.store.list_services(business.id).await?;
        let stored_names: Vec<&str> = stored.iter().map(|s| s.name.as_str()).collect();
        let mut seen = HashMap::new();
        let mut services = Vec::with_capacity(rows.len());
        for (row, item) in rows {
            let mut row_problems = Vec::new();
            if let Err(p) = check_new_name(row, &item.name, &stored_names, &mut seen) {
                row_problems.push(p);
            }
            let mut resource_ids = Vec::with_capacity(item.resources.len());
            for (i, reference) in item.resources.iter().enumerate() {
                match resolve_resource(row, &format!("resources[{i}]"), reference, &resources) {
                    Ok(id) => resource_ids.push(id),
                    Err(p) => row_problems.push(p),
                }
            }
            let input = super::NewService {
                name: item.name,
                description: item.description,
                price: item.price,
                category: item.category,
                tags: item.tags,
                rules: item.rules,
                cancellation_deadline_minutes: item.cancellation_deadline_minutes,
                max_reschedules: item.max_reschedules,
                resource_ids,
            };
            let unresolved = !row_problems.is_empty();
            let id = ServiceId::from_uuid(self.ids.next_uuid());
            match self.checked_service(business.id, id, true, input).await {
                Ok(service) => services.push(service),
                // Resources already reported by name: not again as `resource_ids`.
                Err(e) => row_problems.extend(
                    RowProblem::from_error(row, "", &e)
                        .into_iter()
                        .filter(|p| !(unresolved && p.field.starts_with("resource_ids"))),
                ),
            }
            problems.extend(row_problems);
        }
        Ok(services)
    }

    /// The contacts of a clients import ([`crate::contacts`]): each row through the rules of
    /// a client profile, and its email new to the business and the file.
    async fn checked_contacts(
        &self,
        business: &Business,
        rows: Vec<(usize, crate::contacts::ContactRow)>,
        problems: &mut Vec<RowProblem>,
    ) -> Result<Vec<crate::contacts::Contact>> {
        let mut known: std::collections::HashSet<String> = self
            .store
            .business_contacts(business.id)
            .await?
            .into_iter()
            .map(|c| c.email.to_lowercase())
            .collect();
        let booked = self.store.business_clients(business.id).await?;
        known.extend(booked.into_iter().map(|c| c.email.to_lowercase()));
        let now = self.clock.now();
        let mut seen = HashMap::new();
        let mut contacts = Vec::with_capacity(rows.len());
        for (row, item) in rows {
            let id = crate::model::ContactId::from_uuid(self.ids.next_uuid());
            match crate::contacts::check_contact(business, id, item, now) {
                Ok(contact) => {
                    match crate::contacts::check_new_email(row, &contact.email, &known, &mut seen) {
                        Ok(()) => contacts.push(contact),
                        Err(p) => problems.push(p),
                    }
                }
                Err(e) => problems.extend(RowProblem::from_error(row, "", &e)),
            }
        }
        Ok(contacts)
    }

    async fn checked_resources(
        &self,
        business: &Business,
        rows: Vec<(usize, ResourceRow)>,
        problems: &mut Vec<RowProblem>,
    ) -> Result<Vec<Resource>> {
        let stored = self.store.list_resources(business.id).await?;
        let stored_names: Vec<&str> = stored.iter().map(|r| r.name.as_str()).collect();
        let mut seen = HashMap::new();
        let mut resources = Vec::with_capacity(rows.len());
        for (row, item) in rows {
            if let Err(p) = check_new_name(row, &item.name, &stored_names, &mut seen) {
                problems.push(p);
            }
            let id = ResourceId::from_uuid(self.ids.next_uuid());
            let input = super::ResourceInput {
                name: item.name,
                kind: item.kind,
                working_hours: None,
            };
            match Self::checked_resource(business, id, true, input) {
                Ok(resource) => resources.push(resource),
                Err(e) => problems.extend(RowProblem::from_error(row, "", &e)),
            }
        }
        Ok(resources)
    }

    async fn checked_windows(
        &self,
        business: &Business,
        rows: Vec<(usize, WindowRow)>,
        problems: &mut Vec<RowProblem>,
    ) -> Result<Vec<AvailabilityWindow>> {
        let resources = self.store.list_resources(business.id).await?;
        let now = self.clock.now();
        let mut windows: Vec<(usize, AvailabilityWindow)> = Vec::new();
        for (row, item) in rows {
            let resource = match resolve_resource(row, "resource", &item.resource, &resources) {
                Ok(id) => id,
                Err(p) => {
                    problems.push(p);
                    continue;
                }
            };
            match self.row_intervals(business, &item, now) {
                Ok((intervals, series)) => {
                    for interval in intervals {
                        let window = AvailabilityWindow {
                            id: AvailabilityId::from_uuid(self.ids.next_uuid()),
                            business_id: business.id,
                            resource_id: resource,
                            interval,
                            series_id: series,
                        };
                        windows.push((row, window));
                    }
                }
                Err((field, e)) => problems.extend(RowProblem::from_error(row, field, &e)),
            }
            if windows.len() > MAX_IMPORTED_WINDOWS {
                problems.push(RowProblem::new(
                    row,
                    "rrule",
                    "too_many",
                    format!("the file makes more than {MAX_IMPORTED_WINDOWS} windows"),
                ));
                return Ok(Vec::new());
            }
        }
        problems.extend(overlaps_in_file(&windows));
        if let (Some(first), Some(last)) = (
            windows.iter().map(|(_, w)| w.interval.start()).min(),
            windows.iter().map(|(_, w)| w.interval.end()).max(),
        ) {
            let mut ids: Vec<ResourceId> = windows.iter().map(|(_, w)| w.resource_id).collect();
            ids.sort_unstable();
            ids.dedup();
            let span = Interval::new(first, last)?;
            let stored = self.store.list_windows(&ids, span).await?;
            problems.extend(overlaps_with_stored(&windows, &stored));
        }
        Ok(windows.into_iter().map(|(_, w)| w).collect())
    }

    /// The intervals one availability row makes (one, or one per occurrence of its rule),
    /// with the series they form; a failure names the field at fault.
    fn row_intervals(
        &self,
        business: &Business,
        item: &WindowRow,
        now: crate::time::Timestamp,
    ) -> RowIntervals {
        let zone = business.time_zone.0;
        let start = resolve_local(zone, item.start);
        let horizon = self.limits.max_horizon_days;
        let Some(rrule) = item.rrule.as_deref().filter(|r| !r.trim().is_empty()) else {
            let interval =
                Interval::new(start, resolve_local(zone, item.end)).map_err(|e| ("end", e))?;
            check_window_length(&interval).map_err(|e| ("end", e))?;
            check_window_period(&interval, now, horizon).map_err(|e| ("start", e))?;
            return Ok((vec![interval], None));
        };
        let wall = (item.end - item.start).num_minutes();
        let wall = u32::try_from(wall).unwrap_or(0);
        check_wall_minutes(wall).map_err(|e| ("end", e))?;
        let rule = RecurrenceRule::parse(rrule).map_err(|e| ("rrule", e))?;
        let recurrence = Recurrence::new(item.start, zone, rule)
            .map_err(|e| ("rrule", e))?
            .with_exdates(item.exdates.iter().copied());
        let range =
            recurring_generation_range(start, None, now, horizon).map_err(|e| ("start", e))?;
        let (intervals, truncated) =
            recurrence.expand_intervals(range, crate::availability::MAX_BULK_ITEMS, wall);
        check_recurring_expansion(intervals.len(), truncated).map_err(|e| ("rrule", e))?;
        Ok((intervals, Some(SeriesId::from_uuid(self.ids.next_uuid()))))
    }

    /// The business with the rows' closures added, through the same checks as a profile
    /// update; a closure already there (same period and reason) is `already_exists`.
    fn checked_closures(
        mut business: Business,
        rows: Vec<(usize, Closure)>,
        problems: &mut Vec<RowProblem>,
    ) -> Result<Business> {
        let first_new = business.closures.len();
        let mut rows_of = Vec::with_capacity(rows.len());
        for (row, closure) in rows {
            if business.closures.contains(&closure) {
                problems.push(RowProblem::new(
                    row,
                    "",
                    "already_exists",
                    "the business already has this closure",
                ));
                continue;
            }
            rows_of.push(row);
            business.closures.push(closure);
        }
        let input = super::NewBusiness {
            name: business.name.clone(),
            domain: business.domain.clone(),
            description: business.description.clone(),
            city: business.city.clone(),
            address: business.address.clone(),
            time_zone: business.time_zone,
            opening_hours: business.opening_hours.clone(),
            closures: business.closures.clone(),
            special_hours: business.special_hours.clone(),
        };
        let status = (business.status, business.status_reason.clone());
        match Self::checked_business(business.id, business.owner_id, status, input) {
            Ok(checked) => Ok(checked),
            Err(e) => {
                for p in RowProblem::from_error(0, "", &e) {
                    // `closures[i].reason` belongs to the row that added closure i.
                    let row = closure_index(&p.field)
                        .and_then(|i| i.checked_sub(first_new))
                        .and_then(|i| rows_of.get(i).copied())
                        .unwrap_or(0);
                    let field = p.field.split_once('.').map_or("", |(_, f)| f);
                    problems.push(RowProblem::new(row, field, &p.code, p.message));
                }
                Ok(business)
            }
        }
    }
}

/// `i` of a field path `closures[i]…`.
fn closure_index(field: &str) -> Option<usize> {
    let rest = field.strip_prefix("closures[")?;
    rest[..rest.find(']')?].parse().ok()
}
