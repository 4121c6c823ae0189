//! Directory use cases: businesses, their resources and services, and client profiles.

use serde::{Deserialize, Serialize};

use super::UseCases;
use crate::business_status::{BusinessAction, BusinessStatus};
use crate::error::{Entity, Error, FieldErrors, Result};
use crate::hours::{Closure, OpeningHours, SpecialHours, validate_special_hours};
use crate::model::{
    Address, Business, BusinessId, ClientId, ClientProfile, Money, Resource, ResourceId,
    ResourceKind, Service, ServiceId, SlotRules, UserId, Zone,
};
use crate::ports::{Clock, IdSource, Store};
use crate::validation::{
    clean_name, clean_text, national_calling_code, normalize_email, normalize_phone,
};
use crate::visibility::{check_business_is_public, check_service_is_public, service_is_public};

/// Input of [`UseCases::create_business`].
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", schema(examples(json!({
    "name": "Salon Élégance",
    "domain": "coiffure",
    "description": "Coupe, couleur et soins pour femmes et hommes.",
    "city": "Lyon",
    "address": {
        "street": "12 rue de la République",
        "postal_code": "69002",
        "city": "Lyon",
        "country": "FR"
    },
    "time_zone": "Europe/Paris",
    "opening_hours": {
        "monday": [{"start": "09:00", "end": "12:00"}, {"start": "14:00", "end": "19:00"}],
        "tuesday": [{"start": "09:00", "end": "12:00"}, {"start": "14:00", "end": "19:00"}],
        "wednesday": [{"start": "09:00", "end": "12:00"}, {"start": "14:00", "end": "19:00"}],
        "thursday": [{"start": "09:00", "end": "12:00"}, {"start": "14:00", "end": "19:00"}],
        "friday": [{"start": "09:00", "end": "12:00"}, {"start": "14:00", "end": "19:00"}],
        "saturday": [{"start": "09:00", "end": "17:00"}]
    },
    "closures": [
        {"kind": "days", "first_day": "2026-12-25", "last_day": "2026-12-26", "reason": "Noël"},
        {
            "kind": "period",
            "interval": {"start": "2026-05-11T12:00:00Z", "end": "2026-05-11T17:00:00Z"},
            "reason": "Formation de l'équipe"
        }
    ]
}))))]
pub struct NewBusiness {
    /// Public name.
    pub name: String,
    /// Line of business.
    pub domain: String,
    /// Description.
    #[serde(default)]
    pub description: String,
    /// City.
    pub city: String,
    /// Address.
    pub address: Address,
    /// Time zone.
    pub time_zone: Zone,
    /// Opening hours.
    pub opening_hours: OpeningHours,
    /// Closures.
    #[serde(default)]
    pub closures: Vec<Closure>,
    /// Dates with other opening hours than their weekday's (open 10:00–14:00 on 24
    /// December); closures still apply on top.
    #[serde(default)]
    pub special_hours: Vec<SpecialHours>,
}

/// Input of [`UseCases::create_service`].
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", schema(examples(json!({
    "name": "Coupe et brushing",
    "description": "Shampooing, coupe et brushing.",
    "price": {"amount_minor": 4500, "currency": "EUR"},
    "category": "coupe",
    "tags": ["femme", "brushing"],
    "rules": {
        "duration_minutes": 45,
        "step_minutes": 15,
        "buffer_before_minutes": 0,
        "buffer_after_minutes": 10,
        "min_notice_minutes": 120,
        "horizon_days": 60,
        "seats": 1
    },
    "resource_ids": ["0196f1a2-3b4c-7d5e-8f60-718293a4b5c6"],
    "cancellation_deadline_minutes": 1440,
    "max_reschedules": 2
}))))]
pub struct NewService {
    /// Name.
    pub name: String,
    /// Description.
    #[serde(default)]
    pub description: String,
    /// Price.
    pub price: Money,
    /// Category.
    #[serde(default)]
    pub category: Option<String>,
    /// Tags.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Timing rules.
    pub rules: SlotRules,
    /// Resources that perform it.
    pub resource_ids: Vec<ResourceId>,
    /// Client cancellation deadline, minutes before the start.
    #[serde(default)]
    pub cancellation_deadline_minutes: u32,
    /// Reschedules allowed per reservation.
    #[serde(default)]
    pub max_reschedules: u32,
}

/// Input of [`UseCases::save_client_profile`] (CLI-2, CLI-3).
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", schema(examples(json!({
    "email": "camille.martin@example.com",
    "first_name": "Camille",
    "last_name": "Martin",
    "phone": "+33 6 12 34 56 78",
    "address": {
        "street": "3 place Bellecour",
        "postal_code": "69002",
        "city": "Lyon",
        "country": "FR"
    }
}))))]
pub struct ClientProfileInput {
    /// Email.
    pub email: String,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Phone: international form (`+33 6 12 34 56 78`; spaces, dots, dashes, parentheses and a
    /// `00` prefix allowed), or national form (`06 12 34 56 78`) when the address's country
    /// writes numbers with a trunk 0 (France, Belgium, Switzerland, Germany, the UK…); stored
    /// as E.164.
    #[serde(default)]
    pub phone: Option<String>,
    /// Address.
    #[serde(default)]
    pub address: Option<Address>,
}

impl ClientProfileInput {
    /// Checks every field (reporting all problems at once) and returns the profile with a
    /// normalised email and an E.164 phone.
    pub fn validate(self, client: ClientId) -> Result<ClientProfile> {
        let mut errors = FieldErrors::new();
        let email = normalize_email("email", &self.email)
            .map_err(|e| errors.absorb("", e))
            .ok();
        let first = clean_name("first_name", &self.first_name, 100)
            .map_err(|e| errors.absorb("", e))
            .ok();
        let last = clean_name("last_name", &self.last_name, 100)
            .map_err(|e| errors.absorb("", e))
            .ok();
        // A national number (`06 12 34 56 78`) is read with the address's country.
        let national_country_code = self
            .address
            .as_ref()
            .and_then(|a| national_calling_code(&a.country));
        let phone = match self.phone.as_deref().filter(|p| !p.trim().is_empty()) {
            Some(p) => normalize_phone("phone", p, national_country_code)
                .map_err(|e| errors.absorb("", e))
                .ok(),
            None => None,
        };
        let profile = ClientProfile {
            id: client,
            email: email.unwrap_or_default(),
            first_name: first.unwrap_or_default(),
            last_name: last.unwrap_or_default(),
            phone,
            address: self.address,
        };
        errors.finish(profile)
    }
}

impl<S: Store, C: Clock, I: IdSource> UseCases<S, C, I> {
    /// A business by id whatever its status (for administrators and its owner), or
    /// `NOT_FOUND`.
    pub async fn business(&self, id: BusinessId) -> Result<Business> {
        self.store.get_business(id).await?.ok_or(Error::NotFound {
            entity: Entity::Business,
        })
    }

    /// A business as the public sees it ([`check_business_is_public`]): `NOT_FOUND` when it
    /// is missing or hidden alike.
    pub async fn public_business(&self, id: BusinessId) -> Result<Business> {
        let business = self.business(id).await?;
        check_business_is_public(&business)?;
        Ok(business)
    }

    /// A service as the public sees it ([`check_service_is_public`]): `NOT_FOUND` of the
    /// service when it, or its business, is missing or hidden alike.
    pub async fn public_service(&self, id: ServiceId) -> Result<Service> {
        let not_found = || Error::NotFound {
            entity: Entity::Service,
        };
        let service = self.store.get_service(id).await?.ok_or_else(not_found)?;
        let business = self
            .store
            .get_business(service.business_id)
            .await?
            .ok_or_else(not_found)?;
        check_service_is_public(&business, &service)?;
        Ok(service)
    }

    /// The services of a public business the public may see, by name; `NOT_FOUND` when the
    /// business is missing or hidden.
    pub async fn public_services(&self, business: BusinessId) -> Result<Vec<Service>> {
        let business = self.public_business(business).await?;
        let mut services = self.store.list_services(business.id).await?;
        services.retain(|s| service_is_public(&business, s));
        Ok(services)
    }

    /// A service of the business (`NOT_FOUND` for another business's).
    pub async fn owned_service(&self, business: BusinessId, id: ServiceId) -> Result<Service> {
        match self.store.get_service(id).await? {
            Some(s) if s.business_id == business => Ok(s),
            _ => Err(Error::NotFound {
                entity: Entity::Service,
            }),
        }
    }

    /// A resource of the business (`NOT_FOUND` for another business's).
    pub async fn owned_resource(&self, business: BusinessId, id: ResourceId) -> Result<Resource> {
        match self.store.get_resource(id).await? {
            Some(r) if r.business_id == business => Ok(r),
            _ => Err(Error::NotFound {
                entity: Entity::Resource,
            }),
        }
    }

    /// Registers a business (unvalidated until an admin validates it, BIZ-1).
    pub async fn create_business(&self, owner: UserId, input: NewBusiness) -> Result<Business> {
        let business = Self::checked_business(
            BusinessId::from_uuid(self.ids.next_uuid()),
            owner,
            (BusinessStatus::Pending, None),
            input,
        )?;
        self.store.save_business(&business).await?;
        Ok(business)
    }

    /// Replaces a business's profile, opening hours and closures; its owner and status stay
    /// (BIZ-3, BIZ-4): a rejected business stays rejected until its owner resubmits it.
    pub async fn update_business(&self, id: BusinessId, input: NewBusiness) -> Result<Business> {
        let current = self.business(id).await?;
        let status = (current.status, current.status_reason);
        let business = Self::checked_business(current.id, current.owner_id, status, input)?;
        self.store.save_business(&business).await?;
        Ok(business)
    }

    pub(super) fn checked_business(
        id: BusinessId,
        owner: UserId,
        (status, status_reason): (BusinessStatus, Option<String>),
        input: NewBusiness,
    ) -> Result<Business> {
        let mut errors = FieldErrors::new();
        let name = clean_name("name", &input.name, 120)
            .map_err(|e| errors.absorb("", e))
            .ok();
        let domain = clean_name("domain", &input.domain, 60)
            .map_err(|e| errors.absorb("", e))
            .ok();
        let city = clean_name("city", &input.city, 80)
            .map_err(|e| errors.absorb("", e))
            .ok();
        let description = clean_text("description", &input.description, 2000)
            .map_err(|e| errors.absorb("", e))
            .ok();
        if let Err(e) = input.opening_hours.validate() {
            errors.absorb("", e);
        }
        if let Err(e) = validate_special_hours(&input.special_hours) {
            errors.absorb("", e);
        }
        for (i, day) in input.special_hours.iter().enumerate() {
            let reason = day.reason.as_deref().unwrap_or("");
            if let Err(e) = clean_text(&format!("special_hours[{i}].reason"), reason, 200) {
                errors.absorb("", e);
            }
        }
        let a = &input.address;
        for (field, value) in [
            ("address.street", &a.street),
            ("address.postal_code", &a.postal_code),
            ("address.city", &a.city),
            ("address.country", &a.country),
        ] {
            if let Err(e) = clean_text(field, value, 200) {
                errors.absorb("", e);
            }
        }
        for (i, closure) in input.closures.iter().enumerate() {
            let reason = closure.reason.as_deref().unwrap_or("");
            if let Err(e) = clean_text(&format!("closures[{i}].reason"), reason, 200) {
                errors.absorb("", e);
            }
        }
        let business = Business {
            id,
            owner_id: owner,
            name: name.unwrap_or_default(),
            domain: domain.unwrap_or_default(),
            description: description.unwrap_or_default(),
            city: city.unwrap_or_default(),
            address: input.address,
            time_zone: input.time_zone,
            status,
            status_reason,
            opening_hours: input.opening_hours,
            closures: input.closures,
            special_hours: input.special_hours,
        };
        errors.finish(business)
    }

    /// An administrator validates a business, or reinstates a suspended or rejected one
    /// (BIZ-1).
    pub async fn validate_business(&self, id: BusinessId) -> Result<Business> {
        self.change_business_status(id, &BusinessAction::Validate)
            .await
    }

    /// Adds a staff member or room to a business, working the business's opening hours
    /// ([`Self::add_resource`] with working hours).
    pub async fn create_resource(
        &self,
        business: BusinessId,
        name: &str,
        kind: ResourceKind,
    ) -> Result<Resource> {
        let input = super::ResourceInput {
            name: name.to_owned(),
            kind,
            working_hours: None,
        };
        self.add_resource(business, input).await
    }

    /// Creates an active service after checking names, price, duration, rules and client
    /// policy (cancellation deadline, reschedules) against the configured limits and that
    /// every resource belongs to the business.
    pub async fn create_service(&self, business: BusinessId, input: NewService) -> Result<Service> {
        let id = ServiceId::from_uuid(self.ids.next_uuid());
        let service = self.checked_service(business, id, true, input).await?;
        self.store.save_service(&service).await?;
        Ok(service)
    }

    /// Replaces a service's description, price, rules and resources (same checks as
    /// [`Self::create_service`]); its active flag stays. Existing reservations keep their
    /// price snapshot and times.
    pub async fn update_service(
        &self,
        business: BusinessId,
        id: ServiceId,
        input: NewService,
    ) -> Result<Service> {
        let current = self.owned_service(business, id).await?;
        let service = self
            .checked_service(business, id, current.active, input)
            .await?;
        self.store.save_service(&service).await?;
        Ok(service)
    }

    pub(super) async fn checked_service(
        &self,
        business: BusinessId,
        id: ServiceId,
        active: bool,
        input: NewService,
    ) -> Result<Service> {
        self.business(business).await?;
        let mut errors = FieldErrors::new();
        let name = clean_name("name", &input.name, 120)
            .map_err(|e| errors.absorb("", e))
            .ok();
        let description = clean_text("description", &input.description, 2000)
            .map_err(|e| errors.absorb("", e))
            .ok();
        self.limits.check_price(&input.price, &mut errors);
        self.limits.check_rules(&input.rules, &mut errors);
        self.limits.check_client_policy(
            input.cancellation_deadline_minutes,
            input.max_reschedules,
            &mut errors,
        );
        if input.resource_ids.is_empty() {
            errors.add(
                "resource_ids",
                "required",
                "resource_ids must name at least one resource",
            );
        }
        for (i, id) in input.resource_ids.iter().enumerate() {
            if self.owned_resource(business, *id).await.is_err() {
                errors.add(
                    format!("resource_ids[{i}]"),
                    "not_found",
                    "resource does not belong to the business",
                );
            }
        }
        let tags = crate::catalog::clean_tags(&input.tags)
            .map_err(|e| errors.absorb("", e))
            .unwrap_or_default();
        let category = input.category.as_deref().and_then(|c| {
            crate::catalog::clean_category("category", c)
                .map_err(|e| errors.absorb("", e))
                .ok()
        });
        let service = Service {
            id,
            business_id: business,
            name: name.unwrap_or_default(),
            description: description.unwrap_or_default(),
            price: input.price,
            category,
            tags,
            active,
            rules: input.rules,
            resource_ids: input.resource_ids,
            cancellation_deadline_minutes: input.cancellation_deadline_minutes,
            max_reschedules: input.max_reschedules,
        };
        errors.finish(service)
    }

    /// Activates or deactivates a service (PERM-3).
    pub async fn set_service_active(
        &self,
        business: BusinessId,
        id: ServiceId,
        active: bool,
    ) -> Result<Service> {
        let mut service = self.owned_service(business, id).await?;
        service.active = active;
        self.store.save_service(&service).await?;
        Ok(service)
    }

    /// Creates or replaces a client's profile (CLI-2, CLI-3) with normalised email and phone.
    pub async fn save_client_profile(
        &self,
        client: ClientId,
        input: ClientProfileInput,
    ) -> Result<ClientProfile> {
        let profile = input.validate(client)?;
        self.store.save_client(&profile).await?;
        Ok(profile)
    }
}
