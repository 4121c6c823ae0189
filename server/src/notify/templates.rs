//! Message templates (NOTIF-2): one minijinja file per message and locale with the blocks
//! `subject`, `text`, `html` and, for messages that may go by SMS, `sms`.
//!
//! The files under `server/templates/` are built into the binary; a deployer replaces any of
//! them by putting a file with the same relative path (`fr/reservation_confirmed.j2`) in the
//! folder named by `notify_templates_dir`. Every template is compiled at start-up, so a
//! broken override stops the server with its name instead of failing at delivery time.

use minijinja::Environment;
use serde::Serialize;

use crate::config::ConfigError;

/// The locales templates exist in; anything else falls back to the first.
pub const LOCALES: [&str; 2] = ["en", "fr"];

/// Every template name (the message kinds).
pub const NAMES: [&str; 18] = [
    "reservation_created",
    "reservation_confirmed",
    "reservation_reminder",
    "reservation_cancelled_by_client",
    "reservation_cancelled_by_business",
    "reservation_completed",
    "reservation_no_show",
    "reservation_rescheduled",
    "owner_reservation_created",
    "owner_reservation_cancelled_by_client",
    "owner_reservation_rescheduled",
    "email_verification",
    "password_reset",
    "business_rejected",
    "business_validated",
    "business_suspended",
    "waitlist_offer",
    "staff_invitation",
];

macro_rules! builtin {
    ($($locale:literal / $name:literal),* $(,)?) => {
        &[$(
            (concat!($locale, "/", $name, ".j2"),
             include_str!(concat!("../../templates/", $locale, "/", $name, ".j2"))),
        )*]
    };
}

/// The built-in template files, by relative path.
const BUILTIN: &[(&str, &str)] = builtin!(
    "en" / "reservation_created",
    "en" / "reservation_confirmed",
    "en" / "reservation_reminder",
    "en" / "reservation_cancelled_by_client",
    "en" / "reservation_cancelled_by_business",
    "en" / "reservation_completed",
    "en" / "reservation_no_show",
    "en" / "reservation_rescheduled",
    "en" / "owner_reservation_created",
    "en" / "owner_reservation_cancelled_by_client",
    "en" / "owner_reservation_rescheduled",
    "en" / "email_verification",
    "en" / "password_reset",
    "en" / "business_rejected",
    "en" / "business_validated",
    "en" / "business_suspended",
    "en" / "waitlist_offer",
    "en" / "staff_invitation",
    "fr" / "reservation_created",
    "fr" / "reservation_confirmed",
    "fr" / "reservation_reminder",
    "fr" / "reservation_cancelled_by_client",
    "fr" / "reservation_cancelled_by_business",
    "fr" / "reservation_completed",
    "fr" / "reservation_no_show",
    "fr" / "reservation_rescheduled",
    "fr" / "owner_reservation_created",
    "fr" / "owner_reservation_cancelled_by_client",
    "fr" / "owner_reservation_rescheduled",
    "fr" / "email_verification",
    "fr" / "password_reset",
    "fr" / "business_rejected",
    "fr" / "business_validated",
    "fr" / "business_suspended",
    "fr" / "waitlist_offer",
    "fr" / "staff_invitation",
);

/// A message rendered for one recipient.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Rendered {
    /// Email subject (one line).
    pub subject: String,
    /// Plain-text body.
    pub text: String,
    /// HTML body.
    pub html: String,
    /// Text message, when the template has one.
    pub sms: Option<String>,
}

/// The compiled templates.
#[derive(Debug)]
pub struct Templates {
    env: Environment<'static>,
}

/// Whether a template's source defines the block `name` (`{% block name %}`, with any
/// whitespace control).
fn defines_block(source: &str, name: &str) -> bool {
    source.match_indices("{%").any(|(i, _)| {
        let rest = source[i + 2..].trim_start_matches(['-', '+']).trim_start();
        rest.strip_prefix("block")
            .map(|r| r.trim_start())
            .is_some_and(|r| {
                r.strip_prefix(name).is_some_and(|after| {
                    after.starts_with(|c: char| c.is_whitespace() || c == '-' || c == '%')
                })
            })
    })
}

/// The locale used for `requested`: itself when templates exist in it, else English.
pub fn locale_of(requested: &str) -> &'static str {
    let base = requested.split(['-', '_']).next().unwrap_or("");
    LOCALES
        .iter()
        .find(|l| l.eq_ignore_ascii_case(base))
        .copied()
        .unwrap_or(LOCALES[0])
}

impl Templates {
    /// Compiles the built-in templates, each replaced by the file of the same relative path
    /// under `override_dir` when there is one.
    pub fn load(override_dir: &str) -> Result<Templates, ConfigError> {
        let mut env = Environment::new();
        env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
        for (path, builtin) in BUILTIN {
            let source = if override_dir.is_empty() {
                None
            } else {
                let file = std::path::Path::new(override_dir).join(path);
                match std::fs::read_to_string(&file) {
                    Ok(text) => Some(text),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
                    Err(e) => {
                        return Err(ConfigError(format!("template {}: {e}", file.display())));
                    }
                }
            };
            let source = source.unwrap_or_else(|| (*builtin).to_owned());
            env.add_template_owned(*path, source)
                .map_err(|e| ConfigError(format!("template {path}: {e}")))?;
            let template = env.get_template(path).expect("just added");
            for block in ["subject", "text", "html"] {
                if !defines_block(template.source(), block) {
                    return Err(ConfigError(format!(
                        "template {path} has no `{block}` block"
                    )));
                }
            }
        }
        Ok(Templates { env })
    }

    /// Renders the message `name` in `locale` (English when absent) with `context`.
    pub fn render(
        &self,
        name: &str,
        locale: &str,
        context: impl Serialize,
    ) -> Result<Rendered, String> {
        let path = format!("{}/{name}.j2", locale_of(locale));
        let template = self
            .env
            .get_template(&path)
            .map_err(|e| format!("template {path}: {e}"))?;
        let mut captured = template
            .render_captured(context)
            .map_err(|e| format!("template {path}: {e}"))?;
        let mut block = |name: &str| {
            captured
                .with_state_mut(|state| state.render_block(name))
                .map(|s| s.trim().to_owned())
                .map_err(|e| format!("template {path}, block {name}: {e}"))
        };
        let subject = block("subject")?;
        let text = block("text")?;
        let html = block("html")?;
        let sms = if defines_block(template.source(), "sms") {
            Some(block("sms")?)
        } else {
            None
        };
        Ok(Rendered {
            subject: subject.lines().next().unwrap_or("").to_owned(),
            text,
            html,
            sms,
        })
    }

    /// Whether a template of that name exists.
    pub fn has(&self, name: &str) -> bool {
        NAMES.contains(&name)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn reservation_context() -> serde_json::Value {
        json!({
            "recipient_name": "Léa", "business_name": "Coiffure <Élégance> & Co",
            "business_address": "1 rue de la Paix, 75002 Paris", "time_zone": "Europe/Paris",
            "service_name": "Coupe", "resource_name": "Marc", "date": "samedi 24 octobre 2026",
            "start_time": "10:00", "end_time": "10:30", "price": "€35.00", "reason": "",
            "view_url": "https://app.example/reservations/1?a=1&b=2",
            "cancel_url": "https://app.example/reservations/1/cancel",
            "manage_url": "https://app.example/business/reservations/1",
            "client_name": "Léa Martin", "hours_before": 24,
        })
    }

    /// Every built-in template renders in both locales with the documented variables, and
    /// its HTML escapes markup coming from the data.
    #[test]
    fn every_template_renders_in_both_locales_and_escapes_html() {
        let t = Templates::load("").unwrap();
        let mut context = reservation_context();
        let extra = json!({ "link": "https://app.example/x?token=abc", "expires_hours": 48,
            "expires_minutes": 30, "start_local": "2026-10-24 10:00",
            "expires_local": "2026-10-23 18:30", "waitlist_id": "0196f1a2-3b4c-7d5e-8f60-718293a4b5c6",
            "staff_name": "Marc <b>" });
        for (k, v) in extra.as_object().unwrap() {
            context[k] = v.clone();
        }
        for locale in LOCALES {
            for name in NAMES {
                let r = t
                    .render(name, locale, &context)
                    .unwrap_or_else(|e| panic!("{locale}/{name}: {e}"));
                assert!(
                    !r.subject.is_empty() && !r.text.is_empty(),
                    "{locale}/{name}"
                );
                assert!(
                    !r.html.contains("<Élégance>"),
                    "{locale}/{name} escapes HTML"
                );
                if name.starts_with("reservation_") || name.starts_with("owner_") {
                    assert!(
                        r.text.contains("<Élégance>")
                            || r.subject.contains("Coupe")
                            || r.text.contains("Coupe"),
                        "{locale}/{name}"
                    );
                }
            }
        }
        let fr = t
            .render("reservation_confirmed", "fr-FR", &context)
            .unwrap();
        assert!(fr.subject.contains("confirmé"), "{}", fr.subject);
        let en = t.render("reservation_confirmed", "de", &context).unwrap();
        assert!(
            en.subject.to_lowercase().contains("confirmed"),
            "{}",
            en.subject
        );
        assert!(en.sms.is_some());
    }

    /// A missing variable is an error, never a silently empty sentence.
    #[test]
    fn a_missing_variable_is_an_error() {
        let t = Templates::load("").unwrap();
        let err = t.render("password_reset", "en", json!({})).unwrap_err();
        assert!(err.contains("password_reset"), "{err}");
    }

    /// A file in the override folder replaces the built-in one; a broken one is refused at
    /// load time with its path.
    #[test]
    fn overrides_replace_builtins_and_broken_ones_are_refused() {
        let folder = tempfile::Builder::new()
            .prefix("rdv-templates-")
            .tempdir()
            .unwrap();
        let dir = folder.path();
        std::fs::create_dir_all(dir.join("en")).unwrap();
        std::fs::write(
            dir.join("en/password_reset.j2"),
            "{% block subject %}Custom {{ link }}{% endblock %}{% block text %}t{% endblock %}\
             {% block html %}h{% endblock %}",
        )
        .unwrap();
        let t = Templates::load(dir.to_str().unwrap()).unwrap();
        let r = t
            .render(
                "password_reset",
                "en",
                json!({ "link": "L", "expires_minutes": 30 }),
            )
            .unwrap();
        assert_eq!(r.subject, "Custom L");
        std::fs::write(dir.join("fr/x"), "").ok();
        std::fs::create_dir_all(dir.join("fr")).unwrap();
        std::fs::write(
            dir.join("fr/password_reset.j2"),
            "{% block subject %}{{ oops",
        )
        .unwrap();
        let err = Templates::load(dir.to_str().unwrap()).unwrap_err();
        assert!(err.0.contains("fr/password_reset.j2"), "{err}");
    }
}
