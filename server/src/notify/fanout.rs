//! The fan-out: one reservation event becomes the messages of everyone who wants it — the
//! client (email, and SMS when chosen), the owner (email, for the events they chose) and each
//! webhook subscribed to it — with the template context stored beside each message.

use std::collections::HashMap;
use std::sync::Arc;

use rdv_core::Timestamp;
use rdv_core::Uuid;
use rdv_core::model::{
    Actor, Business, BusinessId, ClientProfile, Reservation, ReservationId, ReservationStatus,
    ResourceId, ServiceId,
};
use rdv_core::money;
use rdv_core::ports::{DirectoryStore as _, ReservationStore as _};
use rdv_storage::accounts::{AccountStore as _, OutboxMessage, User};
use rdv_storage::notifications::{
    Channel, NotificationEvent, NotificationStore as _, Preferences, Webhook,
};
use serde_json::{Value, json};

use super::{EventKind, Notifier, default_preferences, ics, templates};

impl Notifier {
    /// The business side of a tick's events, read once per business.
    async fn business_side(
        &self,
        id: BusinessId,
        shared: &mut SharedReads,
    ) -> rdv_core::Result<Option<Arc<BusinessSide>>> {
        if let Some(side) = shared.businesses.get(&id) {
            return Ok(side.clone());
        }
        let store = self.state.store();
        let side = match store.get_business(id).await? {
            None => None,
            Some(business) => {
                let owner = store.user_by_id(business.owner_id.0).await?;
                let owner_preferences = match &owner {
                    Some(owner) => store
                        .preferences(owner.id)
                        .await?
                        .unwrap_or_else(default_preferences),
                    None => default_preferences(),
                };
                let webhooks = store.list_webhooks(business.id.0).await?;
                Some(Arc::new(BusinessSide {
                    business,
                    owner,
                    owner_preferences,
                    webhooks,
                }))
            }
        };
        shared.businesses.insert(id, side.clone());
        Ok(side)
    }

    /// The names of a service and a resource, read once per pair and tick.
    async fn names(
        &self,
        service: ServiceId,
        resource: ResourceId,
        shared: &mut SharedReads,
    ) -> rdv_core::Result<Arc<Names>> {
        if let Some(names) = shared.names.get(&(service, resource)) {
            return Ok(names.clone());
        }
        let store = self.state.store();
        let service_name = store.get_service(service).await?.map(|s| s.name);
        let resource_name = store.get_resource(resource).await?.map(|r| r.name);
        let names = Arc::new(Names {
            service: service_name.unwrap_or_default(),
            resource: resource_name.unwrap_or_default(),
        });
        shared.names.insert((service, resource), names.clone());
        Ok(names)
    }

    /// The messages announcing one event, per recipient and channel.
    pub(super) async fn messages_for(
        &self,
        event: &NotificationEvent,
        shared: &mut SharedReads,
    ) -> rdv_core::Result<Vec<OutboxMessage>> {
        let Some(kind) = EventKind::parse(&event.kind) else {
            // The triggers write only known kinds; anything else has no template to send.
            tracing::warn!(event = %event.id, kind = %event.kind, "unknown event kind: nothing sent");
            return Ok(Vec::new());
        };
        let store = self.state.store();
        let Some(reservation) = store
            .get_reservation(ReservationId::from_uuid(event.reservation_id))
            .await?
        else {
            return Ok(Vec::new()); // archived or gone: nobody to tell
        };
        if kind == EventKind::Reminder && !reservation.status.is_active() {
            return Ok(Vec::new()); // cancelled before the reminder was due
        }
        let Some(side) = self.business_side(reservation.business_id, shared).await? else {
            return Ok(Vec::new());
        };
        let business = &side.business;
        let names = self
            .names(reservation.service_id, reservation.resource_id, shared)
            .await?;
        let client = store.get_client(reservation.client_id).await?;
        let client_user = store.user_by_id(reservation.client_id.0).await?;
        let now = self.state.now();
        let mut out = Vec::new();
        let message =
            |channel: Channel, kind: &str, audience: &str, recipient: String, payload: Value| {
                OutboxMessage {
                    id: Uuid::new_v4(),
                    dedup_key: format!("{}:{}:{audience}", event.id, channel.as_str()),
                    kind: kind.to_owned(),
                    channel,
                    recipient,
                    payload,
                    created_at: now,
                }
            };

        if let Some(user) = &client_user {
            let prefs = store
                .preferences(user.id)
                .await?
                .unwrap_or_else(default_preferences);
            let context = self.context(
                event,
                kind,
                &reservation,
                business,
                &names,
                client.as_ref(),
                user,
                false,
            );
            if prefs.email {
                out.push(message(
                    Channel::Email,
                    kind.as_str(),
                    "client",
                    user.email.clone(),
                    context.clone(),
                ));
            }
            let phone = client.as_ref().and_then(|c| c.phone.clone());
            if let (true, Some(phone)) = (prefs.sms && kind.sent_by_sms(), phone) {
                out.push(message(
                    Channel::Sms,
                    kind.as_str(),
                    "client",
                    phone,
                    context,
                ));
            }
        }
        // An owner is not told of a move they made themselves.
        let moved_by_the_business = kind == EventKind::Rescheduled
            && reservation
                .history
                .last()
                .is_some_and(|h| h.actor == Actor::Business);
        if let (Some(owner), false) = (&side.owner, moved_by_the_business) {
            let prefs = &side.owner_preferences;
            let owner_kind = format!("owner_{}", kind.as_str());
            let chosen = prefs.events.iter().any(|e| e == kind.as_str());
            if prefs.email && chosen && self.templates.has(&owner_kind) {
                let context = self.context(
                    event,
                    kind,
                    &reservation,
                    business,
                    &names,
                    client.as_ref(),
                    owner,
                    true,
                );
                out.push(message(
                    Channel::Email,
                    &owner_kind,
                    "owner",
                    owner.email.clone(),
                    context,
                ));
            }
        }
        for hook in &side.webhooks {
            if hook.events.iter().any(|e| e == kind.as_str()) {
                let body = json!({
                    "id": event.id,
                    "type": kind.as_str(),
                    "created_at": Timestamp::to_utc(event.occurred_at),
                    "data": {
                        "reservation_id": reservation.id,
                        "business_id": business.id,
                        "service_id": reservation.service_id,
                        "resource_id": reservation.resource_id,
                        "status": reservation.status,
                        "start": reservation.interval.start(),
                        "end": reservation.interval.end(),
                        "offset_minutes": event.offset_minutes,
                    },
                });
                out.push(message(
                    Channel::Webhook,
                    kind.as_str(),
                    &hook.id.to_string(),
                    hook.id.to_string(),
                    body,
                ));
            }
        }
        Ok(out)
    }

    /// The template context of a reservation message for `user` (the client, or the owner
    /// when `for_owner`): names, local date and time in the business's zone, links, and the
    /// calendar invitation when the message carries one.
    #[allow(
        clippy::too_many_arguments,
        reason = "the template context gathers every part of one message"
    )]
    fn context(
        &self,
        event: &NotificationEvent,
        kind: EventKind,
        r: &Reservation,
        business: &Business,
        names: &Names,
        client: Option<&ClientProfile>,
        user: &User,
        for_owner: bool,
    ) -> Value {
        let locale = templates::locale_of(&user.locale);
        let tz = business.time_zone.0;
        let start = r.interval.start().to_utc().with_timezone(&tz);
        let end = r.interval.end().to_utc().with_timezone(&tz);
        let (chrono_locale, money_locale) = if locale == "fr" {
            (chrono::Locale::fr_FR, money::Locale::Fr)
        } else {
            (chrono::Locale::en_GB, money::Locale::En)
        };
        let date = start
            .format_localized("%A %-d %B %Y", chrono_locale)
            .to_string();
        let client_name = client
            .map(|c| format!("{} {}", c.first_name, c.last_name))
            .unwrap_or_default();
        let recipient_name = if for_owner {
            business.name.clone()
        } else {
            client.map(|c| c.first_name.clone()).unwrap_or_default()
        };
        let a = &business.address;
        let address = [
            a.street.as_str(),
            &format!("{} {}", a.postal_code, a.city),
            a.country.as_str(),
        ]
        .iter()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(", ");
        let reason = r
            .history
            .last()
            .filter(|h| {
                matches!(
                    h.to,
                    ReservationStatus::CancelledByClient | ReservationStatus::CancelledByBusiness
                )
            })
            .and_then(|h| h.reason.clone())
            .unwrap_or_default();
        let base = self.state.config.links_base();
        let price = money::format_money(&r.price, money_locale);
        let method = match kind {
            EventKind::Confirmed | EventKind::Rescheduled => {
                (r.status == ReservationStatus::Confirmed).then_some(ics::Method::Request)
            }
            EventKind::CancelledByClient | EventKind::CancelledByBusiness => {
                Some(ics::Method::Cancel)
            }
            EventKind::Created | EventKind::Completed | EventKind::NoShow | EventKind::Reminder => {
                None
            }
        };
        let invite = method.filter(|_| !for_owner).map(|method| ics::Invite {
            method,
            uid: r.id.to_string(),
            sequence: u32::try_from(r.history.len()).unwrap_or(0) + r.reschedule_count,
            start: r.interval.start().to_utc(),
            end: r.interval.end().to_utc(),
            summary: format!("{} — {}", names.service, business.name),
            description: if names.resource.is_empty() {
                names.service.clone()
            } else {
                format!("{} ({})", names.service, names.resource)
            },
            location: address.clone(),
            organizer: (business.name.clone(), self.email_from_address()),
            attendee: (client_name.clone(), user.email.clone()),
        });
        json!({
            "locale": locale,
            "reservation_id": r.id,
            "recipient_name": recipient_name,
            "business_name": business.name,
            "business_address": address,
            "time_zone": tz.name(),
            "service_name": names.service,
            "resource_name": names.resource,
            "date": date,
            "start_time": start.format("%H:%M").to_string(),
            "end_time": end.format("%H:%M").to_string(),
            "price": price,
            "reason": reason,
            "client_name": client_name,
            "hours_before": event.offset_minutes.map_or(0, |m| m / 60),
            "view_url": format!("{base}/reservations/{}", r.id),
            "cancel_url": format!("{base}/reservations/{}/cancel", r.id),
            "manage_url": format!("{base}/business/reservations/{}", r.id),
            "invite": invite,
        })
    }

    fn email_from_address(&self) -> String {
        self.state
            .config
            .smtp_from
            .parse::<lettre::message::Mailbox>()
            .map_or_else(|_| "no-reply@localhost".into(), |m| m.email.to_string())
    }
}

struct Names {
    service: String,
    resource: String,
}

/// A business as its events need it: the owner, the owner's preferences, the webhooks.
struct BusinessSide {
    business: Business,
    owner: Option<User>,
    owner_preferences: Preferences,
    webhooks: Vec<Webhook>,
}

/// What the events of one tick share, read once per tick (a burst of bookings at one
/// business reads its owner, preferences and webhooks once, not once per booking).
#[derive(Default)]
pub(super) struct SharedReads {
    businesses: HashMap<BusinessId, Option<Arc<BusinessSide>>>,
    names: HashMap<(ServiceId, ResourceId), Arc<Names>>,
}
