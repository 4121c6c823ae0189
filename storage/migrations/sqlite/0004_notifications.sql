-- Notifications (issue 6): reservation events written by triggers in the transaction of the
-- change, per-channel deliveries in the outbox with a lease, preferences and webhooks.

-- One row per change that may notify someone. Triggers write it in the same transaction as
-- the change itself, whatever code path made it; the delivery worker turns each row into
-- outbox messages (and marks it processed) later. The id makes every change unique:
-- '<reservation>:<version>:<reschedule count>' for changes, 'reminder:…' for reminders.
CREATE TABLE notification_events (
    id             TEXT PRIMARY KEY NOT NULL,
    kind           TEXT NOT NULL,
    reservation_id TEXT NOT NULL,
    offset_minutes INTEGER,                        -- reminders: how long before the start
    occurred_at    INTEGER NOT NULL,
    processed_at   INTEGER
) STRICT;
CREATE INDEX notification_events_pending ON notification_events (occurred_at) WHERE processed_at IS NULL;

CREATE TRIGGER reservations_notify_insert AFTER INSERT ON reservations
BEGIN
    INSERT OR IGNORE INTO notification_events (id, kind, reservation_id, occurred_at)
    VALUES (NEW.id || ':' || NEW.version || ':' || NEW.reschedule_count, 'reservation_created',
            NEW.id, CAST(strftime('%s', 'now') AS INTEGER));
END;

CREATE TRIGGER reservations_notify_update AFTER UPDATE OF status, start_at ON reservations
WHEN OLD.status <> NEW.status OR OLD.start_at <> NEW.start_at
BEGIN
    INSERT OR IGNORE INTO notification_events (id, kind, reservation_id, occurred_at)
    VALUES (NEW.id || ':' || NEW.version || ':' || NEW.reschedule_count,
            CASE WHEN OLD.status <> NEW.status THEN 'reservation_' || NEW.status
                 ELSE 'reservation_rescheduled' END,
            NEW.id, CAST(strftime('%s', 'now') AS INTEGER));
END;

-- Upcoming active reservations, for the reminder scan.
CREATE INDEX reservations_upcoming ON reservations (start_at) WHERE active;

-- The outbox becomes the delivery queue: one row per message and channel. A worker claims a
-- row by setting a lease; a crashed worker's lease runs out and another takes the row over.
ALTER TABLE outbox ADD COLUMN channel TEXT NOT NULL DEFAULT 'email'
    CHECK (channel IN ('email', 'sms', 'webhook'));
ALTER TABLE outbox ADD COLUMN lease_owner TEXT;
ALTER TABLE outbox ADD COLUMN lease_until INTEGER;
ALTER TABLE outbox ADD COLUMN sent_at INTEGER;

-- How each user wants to be told. No row: email on, SMS off, default owner events.
CREATE TABLE notification_preferences (
    user_id    TEXT PRIMARY KEY NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    email      INTEGER NOT NULL CHECK (email IN (0, 1)),
    sms        INTEGER NOT NULL CHECK (sms IN (0, 1)),
    events     TEXT NOT NULL,                      -- JSON array of event kinds (owners)
    updated_at INTEGER NOT NULL
) STRICT;

-- Endpoints a business registered; each delivery is signed with the endpoint's secret.
CREATE TABLE webhooks (
    id          TEXT PRIMARY KEY NOT NULL,
    business_id TEXT NOT NULL REFERENCES businesses (id) ON DELETE CASCADE,
    url         TEXT NOT NULL,
    secret      TEXT NOT NULL,                     -- encrypted (AES-256-GCM, key id prefix)
    events      TEXT NOT NULL,                     -- JSON array of event kinds
    created_at  INTEGER NOT NULL
) STRICT;
CREATE INDEX webhooks_business_id ON webhooks (business_id);
