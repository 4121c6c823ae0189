//! The states of a business (BIZ-1, issue 17 item 6) and who moves it between them.
//!
//! ```text
//!   pending ──validate──▶ validated ──suspend──▶ suspended
//!      ▲  │                  │  ▲                   │
//!      │  └──reject──▶ rejected ◀──reject── ─ ─ ─ ─ ┤ (admin)
//!      │                  │     └──────validate─────┘ (admin reinstates)
//!      └────resubmit──────┘ (owner, after editing)
//! ```
//!
//! - **pending**: registered or resubmitted, awaiting an administrator; not public.
//! - **validated**: public and bookable.
//! - **rejected** (with a reason told to the owner): not public; the owner may still edit it
//!   and then resubmit it, which makes it pending again.
//! - **suspended** by an administrator (with a reason told to the owner): not public, no new
//!   booking; only an administrator reinstates it. The administrator says what happens to its
//!   future reservations ([`crate::window_changes::HeldReservations`]): kept (they stand,
//!   the owner still manages them and clients may still cancel them) or cancelled on behalf
//!   of the business with a reason told to each client.
//!
//! A rejection or a suspension never touches reservations by itself; only a suspension's
//! explicit `cancel` does. Each rule is a pure function; the use cases in
//! [`crate::usecases`] apply them.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::validation::clean_text;

/// Where a business stands with the administrators.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum BusinessStatus {
    /// Awaiting an administrator's review.
    #[default]
    Pending,
    /// Public and bookable.
    Validated,
    /// Refused by an administrator; the owner may edit and resubmit it.
    Rejected,
    /// Taken offline by an administrator, who alone reinstates it.
    Suspended,
}

impl BusinessStatus {
    /// Every status, in the documented order.
    pub const ALL: [BusinessStatus; 4] = [
        BusinessStatus::Pending,
        BusinessStatus::Validated,
        BusinessStatus::Rejected,
        BusinessStatus::Suspended,
    ];

    /// The snake_case name used in JSON and storage.
    pub const fn as_str(self) -> &'static str {
        match self {
            BusinessStatus::Pending => "pending",
            BusinessStatus::Validated => "validated",
            BusinessStatus::Rejected => "rejected",
            BusinessStatus::Suspended => "suspended",
        }
    }

    /// The status of a stored name, if it is one.
    pub fn parse(text: &str) -> Option<BusinessStatus> {
        BusinessStatus::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// Whether the public may see and book the business: only when validated.
    pub const fn is_public(self) -> bool {
        matches!(self, BusinessStatus::Validated)
    }
}

impl std::fmt::Display for BusinessStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A change of a business's status.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum BusinessAction {
    /// An administrator validates it (or reinstates a suspended or rejected one).
    Validate,
    /// An administrator refuses it, telling the owner why.
    Reject {
        /// Told to the owner.
        reason: String,
    },
    /// An administrator takes a validated business offline, telling the owner why.
    Suspend {
        /// Told to the owner.
        reason: String,
    },
    /// The owner submits a rejected business for review again.
    Resubmit,
}

/// Longest reason of a rejection or suspension.
pub const MAX_STATUS_REASON_CHARS: usize = 1000;

/// Business status rule: the status `action` leads to from `current`, with the cleaned reason
/// it records (`None` for validation and resubmission, which clear the previous one).
///
/// - `Validate` leads to `validated` from any status (validating twice changes nothing).
/// - `Reject` leads to `rejected` from any status (from `rejected` too: an administrator may
///   reword the reason).
/// - `Suspend` only from `validated` (a business that was never public has nothing to
///   suspend: reject it instead), else `INVALID_STATUS_TRANSITION`.
/// - `Resubmit` only from `rejected`, else `INVALID_STATUS_TRANSITION`.
///
/// A reason is one to [`MAX_STATUS_REASON_CHARS`] characters of plain text (field `reason`:
/// `required` when blank, else [`clean_text`]'s codes).
pub fn next_business_status(
    current: BusinessStatus,
    action: &BusinessAction,
) -> Result<(BusinessStatus, Option<String>)> {
    use BusinessStatus as S;
    let to = match action {
        BusinessAction::Validate => S::Validated,
        BusinessAction::Reject { .. } => S::Rejected,
        BusinessAction::Suspend { .. } => S::Suspended,
        BusinessAction::Resubmit => S::Pending,
    };
    let allowed = match action {
        BusinessAction::Validate | BusinessAction::Reject { .. } => true,
        BusinessAction::Suspend { .. } => current == S::Validated,
        BusinessAction::Resubmit => current == S::Rejected,
    };
    if !allowed {
        return Err(Error::InvalidStatusTransition {
            from: current.to_string(),
            to: to.to_string(),
        });
    }
    let reason = match action {
        BusinessAction::Reject { reason } | BusinessAction::Suspend { reason } => {
            Some(clean_status_reason(reason)?)
        }
        BusinessAction::Validate | BusinessAction::Resubmit => None,
    };
    Ok((to, reason))
}

/// A rejection's or suspension's reason, trimmed: not blank (`required`), at most
/// [`MAX_STATUS_REASON_CHARS`] characters of plain text.
fn clean_status_reason(reason: &str) -> Result<String> {
    let cleaned = clean_text("reason", reason.trim(), MAX_STATUS_REASON_CHARS)?;
    if cleaned.is_empty() {
        return Err(Error::field(
            "reason",
            "required",
            "a reason is required: it is told to the owner",
        ));
    }
    Ok(cleaned)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::error::ErrorCode;

    fn reject() -> BusinessAction {
        BusinessAction::Reject {
            reason: " Missing address ".into(),
        }
    }

    fn suspend() -> BusinessAction {
        BusinessAction::Suspend {
            reason: "Unpaid".into(),
        }
    }

    #[test]
    fn a_business_goes_from_pending_to_validated_to_suspended_and_back() {
        use BusinessStatus as S;
        let step = |from, action: &BusinessAction| next_business_status(from, action).unwrap();
        assert_eq!(
            step(S::Pending, &BusinessAction::Validate),
            (S::Validated, None)
        );
        assert_eq!(
            step(S::Validated, &suspend()),
            (S::Suspended, Some("Unpaid".into()))
        );
        assert_eq!(
            step(S::Suspended, &BusinessAction::Validate),
            (S::Validated, None)
        );
        assert_eq!(
            step(S::Validated, &BusinessAction::Validate),
            (S::Validated, None)
        );
    }

    #[test]
    fn a_rejected_business_is_resubmitted_by_its_owner() {
        use BusinessStatus as S;
        assert_eq!(
            next_business_status(S::Pending, &reject()).unwrap(),
            (S::Rejected, Some("Missing address".into()))
        );
        assert_eq!(
            next_business_status(S::Rejected, &BusinessAction::Resubmit).unwrap(),
            (S::Pending, None)
        );
        for from in [S::Pending, S::Validated, S::Suspended] {
            let err = next_business_status(from, &BusinessAction::Resubmit).unwrap_err();
            assert_eq!(err.code(), ErrorCode::InvalidStatusTransition, "{from}");
        }
    }

    #[test]
    fn only_a_validated_business_is_suspended() {
        use BusinessStatus as S;
        for from in [S::Pending, S::Rejected, S::Suspended] {
            assert_eq!(
                next_business_status(from, &suspend()).unwrap_err(),
                Error::InvalidStatusTransition {
                    from: from.to_string(),
                    to: "suspended".into()
                }
            );
        }
    }

    #[test]
    fn rejections_and_suspensions_need_a_reason() {
        for action in [
            BusinessAction::Reject {
                reason: "  ".into(),
            },
            BusinessAction::Suspend {
                reason: "\n".into(),
            },
        ] {
            let err = next_business_status(BusinessStatus::Validated, &action).unwrap_err();
            assert_eq!(
                (
                    err.field_errors()[0].field.as_str(),
                    err.field_errors()[0].code.as_str()
                ),
                ("reason", "required")
            );
        }
        let long = BusinessAction::Reject {
            reason: "a".repeat(MAX_STATUS_REASON_CHARS + 1),
        };
        let err = next_business_status(BusinessStatus::Pending, &long).unwrap_err();
        assert_eq!(err.field_errors()[0].code, "too_long");
    }

    #[test]
    fn statuses_read_back_from_their_names() {
        for s in BusinessStatus::ALL {
            assert_eq!(BusinessStatus::parse(s.as_str()), Some(s));
            assert_eq!(
                serde_json::to_value(s).unwrap(),
                serde_json::Value::String(s.as_str().into())
            );
        }
        assert_eq!(BusinessStatus::parse("closed"), None);
    }

    fn any_status() -> impl Strategy<Value = BusinessStatus> {
        prop::sample::select(BusinessStatus::ALL.to_vec())
    }

    fn any_action() -> impl Strategy<Value = BusinessAction> {
        prop_oneof![
            Just(BusinessAction::Validate),
            Just(reject()),
            Just(suspend()),
            Just(BusinessAction::Resubmit),
        ]
    }

    proptest! {
        /// Whatever the sequence of actions, a business is public exactly when the last
        /// accepted action was a validation, and only a validated business gets suspended.
        #[test]
        fn a_business_is_public_only_after_a_validation(
            actions in prop::collection::vec(any_action(), 0..20),
            start in any_status(),
        ) {
            let mut status = start;
            let mut last_validated = start == BusinessStatus::Validated;
            for action in &actions {
                if let Ok((to, _)) = next_business_status(status, action) {
                    if matches!(action, BusinessAction::Suspend { .. }) {
                        prop_assert_eq!(status, BusinessStatus::Validated);
                    }
                    last_validated = *action == BusinessAction::Validate;
                    status = to;
                }
            }
            prop_assert_eq!(status.is_public(), last_validated);
        }
    }
}
