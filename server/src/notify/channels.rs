//! The three ways a message leaves the server: SMTP email (lettre), SMS through a
//! Twilio-style HTTP API, and signed webhooks. Each send returns `Ok` or a [`SendError`]
//! that says whether trying again may help.

use std::time::Duration;

use hmac::{Hmac, Mac};
use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sha2::{Digest, Sha256};

use super::templates::Rendered;
use crate::config::{Config, ConfigError};

/// Why a send failed.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct SendError {
    /// `true` when the receiver refused for good (bad address, 4xx other than 408/429):
    /// the message goes straight to the dead letters.
    pub permanent: bool,
    /// What happened, for the log and the dead-letter list (never a secret).
    pub message: String,
}

impl SendError {
    /// A failure worth retrying.
    pub fn transient(message: impl Into<String>) -> Self {
        Self {
            permanent: false,
            message: message.into(),
        }
    }

    /// A failure that retrying will not fix.
    pub fn permanent(message: impl Into<String>) -> Self {
        Self {
            permanent: true,
            message: message.into(),
        }
    }
}

/// Email over SMTP.
pub struct EmailSender {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl std::fmt::Debug for EmailSender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmailSender")
            .field("from", &self.from.to_string())
            .finish_non_exhaustive()
    }
}

/// An `.ics` file to attach.
#[derive(Clone, Debug)]
pub struct IcsAttachment {
    /// `REQUEST` or `CANCEL`.
    pub method: &'static str,
    /// The calendar text.
    pub text: String,
}

impl EmailSender {
    /// The sender from the `smtp_*` settings; `None` when `smtp_host` is empty.
    pub fn from_config(config: &Config) -> Result<Option<EmailSender>, ConfigError> {
        if config.smtp_host.is_empty() {
            return Ok(None);
        }
        let host = config.smtp_host.as_str();
        let builder = match config.smtp_tls.as_str() {
            "none" => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host),
            "tls" => AsyncSmtpTransport::<Tokio1Executor>::relay(host)
                .map_err(|e| ConfigError(format!("smtp_host: {e}")))?,
            _ => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host)
                .map_err(|e| ConfigError(format!("smtp_host: {e}")))?,
        };
        let port = u16::try_from(config.smtp_port)
            .map_err(|_| ConfigError("smtp_port must be at most 65535".into()))?;
        let mut builder = builder
            .port(port)
            .timeout(Some(Duration::from_secs(u64::from(
                config.notify_send_timeout_seconds,
            ))));
        if !config.smtp_username.is_empty() {
            builder = builder.credentials(Credentials::new(
                config.smtp_username.clone(),
                config.smtp_password.expose().to_owned(),
            ));
        }
        let from: Mailbox = config
            .smtp_from
            .parse()
            .map_err(|e| ConfigError(format!("smtp_from: {e}")))?;
        Ok(Some(EmailSender {
            transport: builder.build(),
            from,
        }))
    }

    /// Builds the MIME message: text and HTML alternatives, plus the invitation when given.
    /// `Message-ID` is derived from the deduplication key, so a receiver can drop a copy.
    pub fn build(
        &self,
        to: &str,
        dedup_key: &str,
        rendered: &Rendered,
        ics: Option<&IcsAttachment>,
    ) -> Result<Message, SendError> {
        let to: Mailbox = to
            .parse()
            .map_err(|e| SendError::permanent(format!("recipient address: {e}")))?;
        let domain = self.from.email.domain().to_owned();
        let id = hex::encode(&Sha256::digest(dedup_key.as_bytes())[..16]);
        let alternative =
            MultiPart::alternative_plain_html(rendered.text.clone(), rendered.html.clone());
        let builder = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(rendered.subject.clone())
            .message_id(Some(format!("<{id}@{domain}>")));
        let message = match ics {
            None => builder.multipart(alternative),
            Some(ics) => {
                let content_type = ContentType::parse(&format!(
                    "text/calendar; charset=utf-8; method={}",
                    ics.method
                ))
                .map_err(|e| SendError::permanent(format!("calendar type: {e}")))?;
                builder.multipart(MultiPart::mixed().multipart(alternative).singlepart(
                    Attachment::new("invite.ics".to_owned()).body(ics.text.clone(), content_type),
                ))
            }
        };
        message.map_err(|e| SendError::permanent(format!("message: {e}")))
    }

    /// Sends one message; SMTP 5xx answers are permanent, everything else may be retried.
    pub async fn send(&self, message: Message) -> Result<(), SendError> {
        match self.transport.send(message).await {
            Ok(_) => Ok(()),
            Err(e) if e.is_permanent() => Err(SendError::permanent(format!("smtp: {e}"))),
            Err(e) => Err(SendError::transient(format!("smtp: {e}"))),
        }
    }
}

/// Text messages through an HTTP provider with the Twilio Messages API shape:
/// `POST {base}/2010-04-01/Accounts/{sid}/Messages.json`, form fields `To`, `From`, `Body`,
/// HTTP basic auth with the account SID and auth token.
#[derive(Debug)]
pub struct SmsSender {
    url: String,
    account_sid: String,
    auth_token: crate::config::Secret,
    from: String,
}

impl SmsSender {
    /// The sender from the `sms_*` settings; `None` when `sms_base_url` is empty.
    pub fn from_config(config: &Config) -> Result<Option<SmsSender>, ConfigError> {
        if config.sms_base_url.is_empty() {
            return Ok(None);
        }
        if config.sms_account_sid.is_empty() || config.sms_from.is_empty() {
            return Err(ConfigError(
                "sms_base_url is set: sms_account_sid and sms_from are needed too".into(),
            ));
        }
        if !config
            .sms_account_sid
            .chars()
            .all(|c| c.is_ascii_alphanumeric())
        {
            return Err(ConfigError(
                "sms_account_sid must be letters and digits".into(),
            ));
        }
        Ok(Some(SmsSender {
            url: format!(
                "{}/2010-04-01/Accounts/{}/Messages.json",
                config.sms_base_url.trim_end_matches('/'),
                config.sms_account_sid
            ),
            account_sid: config.sms_account_sid.clone(),
            auth_token: config.sms_auth_token.clone(),
            from: config.sms_from.clone(),
        }))
    }

    /// Sends `body` to the E.164 number `to`.
    pub async fn send(
        &self,
        http: &reqwest::Client,
        to: &str,
        body: &str,
    ) -> Result<(), SendError> {
        let response = http
            .post(&self.url)
            .basic_auth(&self.account_sid, Some(self.auth_token.expose()))
            .form(&[("To", to), ("From", self.from.as_str()), ("Body", body)])
            .send()
            .await
            .map_err(|e| SendError::transient(format!("sms provider: {}", e.without_url())))?;
        http_outcome("sms provider", response.status())
    }
}

/// Maps an HTTP answer to the outcome of a send: 2xx delivered; 408, 429 and 5xx retried;
/// any other status refused for good.
pub fn http_outcome(who: &str, status: reqwest::StatusCode) -> Result<(), SendError> {
    if status.is_success() {
        Ok(())
    } else if status.is_server_error()
        || status == reqwest::StatusCode::REQUEST_TIMEOUT
        || status == reqwest::StatusCode::TOO_MANY_REQUESTS
    {
        Err(SendError::transient(format!("{who} answered {status}")))
    } else {
        Err(SendError::permanent(format!("{who} answered {status}")))
    }
}

/// The name of the signature header of webhook deliveries.
pub const SIGNATURE_HEADER: &str = "Rdv-Signature";

/// The webhook signature: `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`.
/// A receiver recomputes it over the raw body, compares in constant time and refuses a
/// timestamp too far from its clock (replays).
pub fn webhook_signature(secret: &str, timestamp: i64, body: &str) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC accepts any key length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    format!(
        "t={timestamp},v1={}",
        hex::encode(mac.finalize().into_bytes())
    )
}

/// POSTs a webhook delivery with its signature, event name and delivery id.
pub async fn send_webhook(
    http: &reqwest::Client,
    url: &str,
    secret: &str,
    event: &str,
    delivery_id: &str,
    body: &str,
    timestamp: i64,
) -> Result<(), SendError> {
    let response = http
        .post(url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header(SIGNATURE_HEADER, webhook_signature(secret, timestamp, body))
        .header("Rdv-Event", event)
        .header("Rdv-Delivery", delivery_id)
        .body(body.to_owned())
        .send()
        .await
        .map_err(|e| SendError::transient(format!("webhook: {}", e.without_url())))?;
    http_outcome("webhook", response.status())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The signature is HMAC-SHA256 over "<t>.<body>", hex-encoded (a known vector computed
    /// independently with Python's hmac module).
    #[test]
    fn the_webhook_signature_matches_the_documented_algorithm() {
        let sig = webhook_signature("whsec_test", 1_700_000_000, "{\"a\":1}");
        assert_eq!(
            sig,
            "t=1700000000,v1=38877139021993b830af32feea6e18a8da83eb2f6e49ee50bd9e4cf4ca4d3789"
        );
    }

    /// Which HTTP answers are retried.
    #[test]
    fn server_errors_and_throttling_are_retried_other_refusals_are_not() {
        use reqwest::StatusCode as S;
        assert!(http_outcome("x", S::CREATED).is_ok());
        for retried in [
            S::INTERNAL_SERVER_ERROR,
            S::BAD_GATEWAY,
            S::TOO_MANY_REQUESTS,
            S::REQUEST_TIMEOUT,
        ] {
            assert!(
                !http_outcome("x", retried).unwrap_err().permanent,
                "{retried}"
            );
        }
        for refused in [S::BAD_REQUEST, S::UNAUTHORIZED, S::NOT_FOUND, S::GONE] {
            assert!(
                http_outcome("x", refused).unwrap_err().permanent,
                "{refused}"
            );
        }
    }
}
