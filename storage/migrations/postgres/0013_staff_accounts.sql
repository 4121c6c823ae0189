-- Staff accounts (issue 17 item 3): a `staff` role for users, and the staff members an owner
-- invites, each tied to one business and one of its resources (their calendar).
ALTER TABLE users DROP CONSTRAINT users_role_check;
ALTER TABLE users ADD CONSTRAINT users_role_check
    CHECK (role IN ('client', 'owner', 'admin', 'staff'));

-- One row per invitation. The invitation's token is stored only as its SHA-256 hash; once
-- accepted, `user_id` is the staff member's account; once revoked, that account is deleted
-- (its sessions with it) and the row stays for history.
CREATE TABLE staff_members (
    id              TEXT PRIMARY KEY NOT NULL,
    business_id     TEXT NOT NULL,                 -- identifiers as text, like every table
    resource_id     TEXT NOT NULL,                 -- of the server's own (see webhooks)
    email           TEXT NOT NULL,
    name            TEXT NOT NULL,
    locale          TEXT NOT NULL,
    user_id         TEXT REFERENCES users (id) ON DELETE SET NULL,
    invitation_hash TEXT NOT NULL UNIQUE,
    invited_by      TEXT NOT NULL,
    invited_at      BIGINT NOT NULL,
    expires_at      BIGINT NOT NULL CHECK (expires_at > invited_at),
    accepted_at     BIGINT,
    revoked_at      BIGINT,
    CHECK (accepted_at IS NULL OR user_id IS NOT NULL OR revoked_at IS NOT NULL)
);
-- One open invitation or membership per email in a business, and per resource.
CREATE UNIQUE INDEX staff_one_open_per_email
    ON staff_members (business_id, email) WHERE revoked_at IS NULL;
CREATE UNIQUE INDEX staff_one_open_per_resource
    ON staff_members (resource_id) WHERE revoked_at IS NULL;
CREATE UNIQUE INDEX staff_by_user ON staff_members (user_id) WHERE user_id IS NOT NULL;
CREATE INDEX staff_by_business ON staff_members (business_id, invited_at);
