//! [`StaffStore`] for every [`SqlBackend`]: one SQL text for SQLite and PostgreSQL.

use rdv_core::{Result, Timestamp, Uuid};

use super::accounts::{OutboxMessage, User};
use super::staff::{AcceptOutcome, InviteOutcome, StaffMember, StaffStore};
use super::{insert_message, insert_user, parse_uuid, read_one};
use crate::sql::{SqlBackend, SqlRow, Statement};

/// Reads a `staff_members` row.
fn member_from_row(row: &impl SqlRow) -> Result<StaffMember> {
    let user_id = row.opt_text("user_id")?;
    Ok(StaffMember {
        id: parse_uuid(&row.text("id")?)?,
        business_id: parse_uuid(&row.text("business_id")?)?,
        resource_id: parse_uuid(&row.text("resource_id")?)?,
        email: row.text("email")?,
        name: row.text("name")?,
        locale: row.text("locale")?,
        user_id: user_id.as_deref().map(parse_uuid).transpose()?,
        invited_by: parse_uuid(&row.text("invited_by")?)?,
        invited_at: Timestamp::from_secs(row.int("invited_at")?),
        expires_at: Timestamp::from_secs(row.int("expires_at")?),
        accepted_at: row.opt_int("accepted_at")?.map(Timestamp::from_secs),
        revoked_at: row.opt_int("revoked_at")?.map(Timestamp::from_secs),
    })
}

/// The columns every read returns.
const COLUMNS: &str = "id, business_id, resource_id, email, name, locale, user_id, invited_by, \
    invited_at, expires_at, accepted_at, revoked_at";

/// The member whose invitation token hashes to `token_hash`.
fn by_hash(token_hash: &str) -> Statement {
    Statement::new(format!(
        "SELECT {COLUMNS} FROM staff_members WHERE invitation_hash = $1"
    ))
    .text(token_hash)
}

/// Whether a query in the transaction returns a row.
async fn exists<B: SqlBackend>(tx: &mut B::Tx, statement: Statement) -> Result<bool> {
    Ok(!B::fetch(tx, &statement).await?.is_empty())
}

impl<B: SqlBackend> StaffStore for B {
    async fn invite_staff(
        &self,
        member: &StaffMember,
        token_hash: &str,
        messages: &[OutboxMessage],
    ) -> Result<InviteOutcome> {
        let mut tx = self.begin().await?;
        // Invitations of one business take turns, so the checks below stay true until the
        // insert (PostgreSQL; SQLite's write transactions take turns already).
        B::serialise_on(&mut tx, member.business_id).await?;
        let outcome = if exists::<B>(
            &mut tx,
            Statement::new("SELECT 1 AS x FROM users WHERE email = $1").text(member.email.clone()),
        )
        .await?
        {
            InviteOutcome::EmailTaken
        } else if exists::<B>(
            &mut tx,
            Statement::new(
                "SELECT 1 AS x FROM staff_members WHERE business_id = $1 AND email = $2 \
                 AND revoked_at IS NULL",
            )
            .text(member.business_id.to_string())
            .text(member.email.clone()),
        )
        .await?
        {
            InviteOutcome::AlreadyInvited
        } else if exists::<B>(
            &mut tx,
            Statement::new(
                "SELECT 1 AS x FROM staff_members WHERE resource_id = $1 AND revoked_at IS NULL",
            )
            .text(member.resource_id.to_string()),
        )
        .await?
        {
            InviteOutcome::ResourceTaken
        } else {
            InviteOutcome::Invited
        };
        if outcome != InviteOutcome::Invited {
            B::rollback(tx).await?;
            return Ok(outcome);
        }
        let insert = Statement::new(
            "INSERT INTO staff_members (id, business_id, resource_id, email, name, locale, \
             user_id, invitation_hash, invited_by, invited_at, expires_at, accepted_at, \
             revoked_at) VALUES ($1, $2, $3, $4, $5, $6, NULL, $7, $8, $9, $10, NULL, NULL)",
        )
        .text(member.id.to_string())
        .text(member.business_id.to_string())
        .text(member.resource_id.to_string())
        .text(member.email.clone())
        .text(member.name.clone())
        .text(member.locale.clone())
        .text(token_hash)
        .text(member.invited_by.to_string())
        .int(member.invited_at.secs())
        .int(member.expires_at.secs());
        B::execute(&mut tx, &insert).await?;
        for m in messages {
            B::execute(&mut tx, &insert_message(m)).await?;
        }
        B::commit(tx).await?;
        Ok(InviteOutcome::Invited)
    }

    async fn list_staff(&self, business: Uuid) -> Result<Vec<StaffMember>> {
        let query = Statement::new(format!(
            "SELECT {COLUMNS} FROM staff_members WHERE business_id = $1 \
             ORDER BY CASE WHEN revoked_at IS NULL THEN 0 ELSE 1 END, invited_at DESC, id"
        ))
        .text(business.to_string());
        self.read(&query)
            .await?
            .iter()
            .map(member_from_row)
            .collect()
    }

    async fn staff_member(&self, business: Uuid, id: Uuid) -> Result<Option<StaffMember>> {
        let query = Statement::new(format!(
            "SELECT {COLUMNS} FROM staff_members WHERE business_id = $1 AND id = $2"
        ))
        .text(business.to_string())
        .text(id.to_string());
        read_one(self, query)
            .await?
            .as_ref()
            .map(member_from_row)
            .transpose()
    }

    async fn staff_invitation(&self, token_hash: &str) -> Result<Option<StaffMember>> {
        read_one(self, by_hash(token_hash))
            .await?
            .as_ref()
            .map(member_from_row)
            .transpose()
    }

    async fn staff_by_user(&self, user: Uuid) -> Result<Option<StaffMember>> {
        let query = Statement::new(format!(
            "SELECT {COLUMNS} FROM staff_members WHERE user_id = $1 AND revoked_at IS NULL"
        ))
        .text(user.to_string());
        read_one(self, query)
            .await?
            .as_ref()
            .map(member_from_row)
            .transpose()
    }

    async fn accept_staff_invitation(
        &self,
        token_hash: &str,
        user: &User,
        now: Timestamp,
    ) -> Result<AcceptOutcome> {
        let mut tx = self.begin().await?;
        // The account first (the member row's foreign key names it), then the conditional
        // update that spends the invitation once, whoever else presents it; either failing
        // rolls both back and the invitation's state says why.
        let mut account = user.clone();
        if let Some(row) = B::fetch(&mut tx, &by_hash(token_hash)).await?.first() {
            account.email = member_from_row(row)?.email;
        }
        if B::execute(&mut tx, &insert_user(&account)).await? == 1 {
            let spend = Statement::new(format!(
                "UPDATE staff_members SET accepted_at = $1, user_id = $2 \
                 WHERE invitation_hash = $3 AND accepted_at IS NULL AND revoked_at IS NULL \
                 AND expires_at > $1 RETURNING {COLUMNS}"
            ))
            .int(now.secs())
            .text(account.id.to_string())
            .text(token_hash);
            if let Some(row) = B::fetch(&mut tx, &spend).await?.first() {
                let member = member_from_row(row)?;
                B::commit(tx).await?;
                return Ok(AcceptOutcome::Accepted(Box::new(member)));
            }
        }
        B::rollback(tx).await?;
        let found = read_one(self, by_hash(token_hash)).await?;
        Ok(match found.as_ref().map(member_from_row).transpose()? {
            None => AcceptOutcome::Unknown,
            Some(m) if m.revoked_at.is_some() => AcceptOutcome::Revoked,
            Some(m) if m.accepted_at.is_some() => AcceptOutcome::Used,
            Some(m) if m.expires_at <= now => AcceptOutcome::Expired,
            Some(_) => AcceptOutcome::EmailTaken,
        })
    }

    async fn revoke_staff(
        &self,
        business: Uuid,
        id: Uuid,
        now: Timestamp,
    ) -> Result<Option<StaffMember>> {
        let mut tx = self.begin().await?;
        let query = Statement::new(format!(
            "SELECT {COLUMNS} FROM staff_members WHERE business_id = $1 AND id = $2"
        ))
        .text(business.to_string())
        .text(id.to_string());
        let Some(mut member) = B::fetch(&mut tx, &query)
            .await?
            .first()
            .map(member_from_row)
            .transpose()?
        else {
            B::rollback(tx).await?;
            return Ok(None);
        };
        if member.revoked_at.is_some() {
            B::rollback(tx).await?;
            return Ok(Some(member));
        }
        let revoke = Statement::new("UPDATE staff_members SET revoked_at = $1 WHERE id = $2")
            .int(now.secs())
            .text(id.to_string());
        B::execute(&mut tx, &revoke).await?;
        if let Some(user) = member.user_id {
            // Cascades to the account's refresh tokens, single-use tokens and preferences;
            // `user_id` becomes NULL here.
            let delete = Statement::new("DELETE FROM users WHERE id = $1 AND role = 'staff'")
                .text(user.to_string());
            B::execute(&mut tx, &delete).await?;
        }
        B::commit(tx).await?;
        member.revoked_at = Some(now);
        member.user_id = None;
        Ok(Some(member))
    }
}
