-- Staff accounts (issue 17 item 3): a `staff` role for users, and the staff members an owner
-- invites, each tied to one business and one of its resources (their calendar).
--
-- SQLite cannot ALTER a CHECK constraint, and rebuilding `users` would need foreign keys off,
-- which cannot change inside the migration's transaction (a DROP TABLE with them on would
-- cascade to every session). Widening a CHECK changes nothing stored, so this uses SQLite's
-- documented procedure for such changes: edit the table's definition in `sqlite_schema`
-- (writable_schema); the CREATE TABLE below bumps the schema version, so every connection
-- reads the new definition again.
PRAGMA writable_schema = ON;
UPDATE sqlite_schema
SET sql = replace(sql, 'CHECK (role IN (''client'', ''owner'', ''admin''))',
                       'CHECK (role IN (''client'', ''owner'', ''admin'', ''staff''))')
WHERE type = 'table' AND name = 'users';
PRAGMA writable_schema = OFF;

-- One row per invitation. The invitation's token is stored only as its SHA-256 hash; once
-- accepted, `user_id` is the staff member's account; once revoked, that account is deleted
-- (its sessions with it) and the row stays for history.
CREATE TABLE staff_members (
    id              TEXT PRIMARY KEY NOT NULL,
    business_id     TEXT NOT NULL REFERENCES businesses (id) ON DELETE CASCADE,
    resource_id     TEXT NOT NULL REFERENCES resources (id),
    email           TEXT NOT NULL,
    name            TEXT NOT NULL,
    locale          TEXT NOT NULL,
    user_id         TEXT REFERENCES users (id) ON DELETE SET NULL,
    invitation_hash TEXT NOT NULL UNIQUE,
    invited_by      TEXT NOT NULL,
    invited_at      INTEGER NOT NULL,
    expires_at      INTEGER NOT NULL CHECK (expires_at > invited_at),
    accepted_at     INTEGER,
    revoked_at      INTEGER,
    CHECK (accepted_at IS NULL OR user_id IS NOT NULL OR revoked_at IS NOT NULL)
) STRICT;
-- One open invitation or membership per email in a business, and per resource.
CREATE UNIQUE INDEX staff_one_open_per_email
    ON staff_members (business_id, email) WHERE revoked_at IS NULL;
CREATE UNIQUE INDEX staff_one_open_per_resource
    ON staff_members (resource_id) WHERE revoked_at IS NULL;
CREATE UNIQUE INDEX staff_by_user ON staff_members (user_id) WHERE user_id IS NOT NULL;
CREATE INDEX staff_by_business ON staff_members (business_id, invited_at);

