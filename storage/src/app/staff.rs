//! Staff members of a business (issue 17 item 3): the invitation an owner sends to an email,
//! tied to one of the business's resources; the account created when it is accepted (role
//! `staff`); its revocation, which deletes that account and so ends its sessions.
//!
//! The server decides who may invite and what a staff member may reach; this module stores
//! the members atomically where it matters:
//!
//! * an invitation is written with the message carrying its link in one transaction, and
//!   refused when the email already has an account, an open invitation or membership in the
//!   business, or the resource already has one ([`StaffStore::invite_staff`]);
//! * accepting spends the invitation, creates the account and links it in one transaction,
//!   so two concurrent acceptances of one token yield at most one account
//!   ([`StaffStore::accept_staff_invitation`]);
//! * revoking marks the member revoked and deletes its account in one transaction
//!   ([`StaffStore::revoke_staff`]).

use std::future::Future;

use rdv_core::{Result, Timestamp, Uuid};

use super::accounts::{OutboxMessage, User};

/// A staff member, from invitation to revocation.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct StaffMember {
    /// Identifier (also the invitation's).
    pub id: Uuid,
    /// The business they work for.
    pub business_id: Uuid,
    /// The resource whose calendar is theirs.
    pub resource_id: Uuid,
    /// Normalised email the invitation went to (and the account's, once accepted).
    pub email: String,
    /// Display name.
    pub name: String,
    /// Language of the invitation and of the account (`en`, `fr`).
    pub locale: String,
    /// Their account, once accepted (none again once revoked).
    pub user_id: Option<Uuid>,
    /// The owner who invited them.
    pub invited_by: Uuid,
    /// When the invitation was sent.
    pub invited_at: Timestamp,
    /// The invitation is refused from this instant on.
    pub expires_at: Timestamp,
    /// When it was accepted.
    pub accepted_at: Option<Timestamp>,
    /// When the owner revoked it (an invitation or a membership).
    pub revoked_at: Option<Timestamp>,
}

/// Where a staff member stands.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum StaffStatus {
    /// Invited, not accepted yet, not expired.
    Invited,
    /// Invited, not accepted in time.
    Expired,
    /// Accepted: the account works.
    Active,
    /// Revoked by the owner.
    Revoked,
}

impl StaffStatus {
    /// The name in answers.
    pub fn as_str(self) -> &'static str {
        match self {
            StaffStatus::Invited => "invited",
            StaffStatus::Expired => "expired",
            StaffStatus::Active => "active",
            StaffStatus::Revoked => "revoked",
        }
    }
}

impl StaffMember {
    /// The member's status at `now`.
    pub fn status(&self, now: Timestamp) -> StaffStatus {
        if self.revoked_at.is_some() {
            StaffStatus::Revoked
        } else if self.accepted_at.is_some() {
            StaffStatus::Active
        } else if self.expires_at <= now {
            StaffStatus::Expired
        } else {
            StaffStatus::Invited
        }
    }
}

/// What [`StaffStore::invite_staff`] did.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum InviteOutcome {
    /// Stored, with its message.
    Invited,
    /// An account already uses this email.
    EmailTaken,
    /// The email has an open invitation or membership in this business.
    AlreadyInvited,
    /// The resource already has an open invitation or membership.
    ResourceTaken,
}

/// What presenting an invitation token did ([`StaffStore::accept_staff_invitation`]).
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum AcceptOutcome {
    /// Spent: the account is created and linked.
    Accepted(Box<StaffMember>),
    /// No invitation has this token.
    Unknown,
    /// Accepted already.
    Used,
    /// Past its expiry.
    Expired,
    /// Revoked by the owner.
    Revoked,
    /// Another account took the email since the invitation was sent (nothing written).
    EmailTaken,
}

/// Storage of staff members.
pub trait StaffStore: Send + Sync {
    /// Stores an invitation (`member`, not accepted, whose token's SHA-256 is `token_hash`)
    /// with the messages carrying its link, in one transaction; nothing is written unless
    /// the outcome is [`InviteOutcome::Invited`].
    fn invite_staff(
        &self,
        member: &StaffMember,
        token_hash: &str,
        messages: &[OutboxMessage],
    ) -> impl Future<Output = Result<InviteOutcome>> + Send;
    /// The members of a business, invitations and revoked ones included: the open ones
    /// (invited, expired, active) first, then the revoked, each newest first.
    fn list_staff(&self, business: Uuid) -> impl Future<Output = Result<Vec<StaffMember>>> + Send;
    /// One member of a business.
    fn staff_member(
        &self,
        business: Uuid,
        id: Uuid,
    ) -> impl Future<Output = Result<Option<StaffMember>>> + Send;
    /// The member whose invitation token hashes to `token_hash`, in any state.
    fn staff_invitation(
        &self,
        token_hash: &str,
    ) -> impl Future<Output = Result<Option<StaffMember>>> + Send;
    /// The active membership of an account.
    fn staff_by_user(&self, user: Uuid)
    -> impl Future<Output = Result<Option<StaffMember>>> + Send;
    /// Spends the invitation whose token hashes to `token_hash` and creates `user` (role
    /// staff; its email is replaced by the invitation's) linked to it, in one transaction.
    fn accept_staff_invitation(
        &self,
        token_hash: &str,
        user: &User,
        now: Timestamp,
    ) -> impl Future<Output = Result<AcceptOutcome>> + Send;
    /// Revokes a member of `business` and deletes its account (sessions included), in one
    /// transaction; the member as it now stands, `None` when the business has no such member.
    /// Revoking a revoked member changes nothing.
    fn revoke_staff(
        &self,
        business: Uuid,
        id: Uuid,
        now: Timestamp,
    ) -> impl Future<Output = Result<Option<StaffMember>>> + Send;
}
