//! The send of one claimed message on its channel: email (with its calendar invitation),
//! SMS, or signed webhook, under the configured timeout.

use std::time::Duration;

use rdv_core::Uuid;
use rdv_storage::accounts::OutboxMessage;
use rdv_storage::notifications::{Channel, Delivery, NotificationStore as _};

use super::channels::{self, IcsAttachment, SendError};
use super::{Notifier, ics, targets, templates};

impl Notifier {
    /// Sends one claimed message on its channel.
    pub(super) async fn deliver(&self, delivery: &Delivery) -> Result<(), SendError> {
        let m = &delivery.message;
        let timeout = Duration::from_secs(u64::from(self.state.config.notify_send_timeout_seconds));
        let send = async {
            match m.channel {
                Channel::Email => self.deliver_email(m).await,
                Channel::Sms => self.deliver_sms(m).await,
                Channel::Webhook => self.deliver_webhook(m).await,
            }
        };
        tokio::time::timeout(timeout, send)
            .await
            .unwrap_or_else(|_| Err(SendError::transient("send timed out")))
    }

    fn render(&self, m: &OutboxMessage) -> Result<templates::Rendered, SendError> {
        let locale = m.payload["locale"].as_str().unwrap_or("en");
        self.templates
            .render(&m.kind, locale, &m.payload)
            .map_err(SendError::permanent)
    }

    async fn deliver_email(&self, m: &OutboxMessage) -> Result<(), SendError> {
        let Some(email) = &self.email else {
            return Err(SendError::transient("email is not configured (smtp_host)"));
        };
        let rendered = self.render(m)?;
        let ics = match m.payload.get("invite") {
            Some(invite) if !invite.is_null() => {
                let invite: ics::Invite = serde_json::from_value(invite.clone())
                    .map_err(|e| SendError::permanent(format!("invitation: {e}")))?;
                Some(IcsAttachment {
                    method: invite.method.as_str(),
                    text: ics::render(&invite, self.state.now().to_utc()),
                })
            }
            _ => None,
        };
        let message = email.build(&m.recipient, &m.dedup_key, &rendered, ics.as_ref())?;
        email.send(message).await
    }

    async fn deliver_sms(&self, m: &OutboxMessage) -> Result<(), SendError> {
        let Some(sms) = &self.sms else {
            return Err(SendError::transient("SMS is not configured (sms_base_url)"));
        };
        let body = self
            .render(m)?
            .sms
            .ok_or_else(|| SendError::permanent(format!("template {} has no sms block", m.kind)))?;
        sms.send(&self.http, &m.recipient, &body).await
    }

    async fn deliver_webhook(&self, m: &OutboxMessage) -> Result<(), SendError> {
        let id = Uuid::parse_str(&m.recipient)
            .map_err(|_| SendError::permanent("webhook id is not a UUID"))?;
        let Some(hook) = self
            .state
            .store()
            .webhook(id)
            .await
            .map_err(|e| SendError::transient(format!("store: {e}")))?
        else {
            return Err(SendError::permanent("the webhook was deleted"));
        };
        if !self.state.config.webhook_private_targets {
            let url = reqwest::Url::parse(&hook.url)
                .map_err(|e| SendError::permanent(format!("webhook URL: {e}")))?;
            match targets::check_url(&url).await {
                Ok(()) => {}
                Err(e @ targets::TargetError::Lookup(_)) => {
                    return Err(SendError::transient(format!("webhook: {e}")));
                }
                Err(e) => return Err(SendError::permanent(format!("webhook: {e}"))),
            }
        }
        let body = m.payload.to_string();
        channels::send_webhook(
            &self.http,
            &hook.url,
            &hook.secret,
            &m.kind,
            &m.id.to_string(),
            &body,
            self.state.now().secs(),
        )
        .await
    }
}
