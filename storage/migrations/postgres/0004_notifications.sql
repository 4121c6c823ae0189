-- Notifications (issue 6): reservation events written by triggers in the transaction of the
-- change, per-channel deliveries in the outbox with a lease, preferences and webhooks.

-- One row per change that may notify someone. A trigger writes it in the same transaction as
-- the change itself, whatever code path made it; the delivery worker turns each row into
-- outbox messages (and marks it processed) later. The id makes every change unique:
-- '<reservation>:<version>:<reschedule count>' for changes, 'reminder:…' for reminders.
CREATE TABLE notification_events (
    id             TEXT PRIMARY KEY NOT NULL,
    kind           TEXT NOT NULL,
    reservation_id TEXT NOT NULL,
    offset_minutes BIGINT,                         -- reminders: how long before the start
    occurred_at    BIGINT NOT NULL,
    processed_at   BIGINT
);
CREATE INDEX notification_events_pending ON notification_events (occurred_at) WHERE processed_at IS NULL;

CREATE FUNCTION reservations_notify() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    event_kind TEXT;
BEGIN
    IF TG_OP = 'INSERT' THEN
        event_kind := 'reservation_created';
    ELSIF NEW.status <> OLD.status THEN
        event_kind := 'reservation_' || NEW.status;
    ELSIF NEW.start_at <> OLD.start_at THEN
        event_kind := 'reservation_rescheduled';
    ELSE
        RETURN NULL;
    END IF;
    INSERT INTO notification_events (id, kind, reservation_id, occurred_at)
    VALUES (NEW.id::text || ':' || NEW.version || ':' || NEW.reschedule_count, event_kind,
            NEW.id::text, extract(epoch FROM clock_timestamp())::bigint)
    ON CONFLICT (id) DO NOTHING;
    RETURN NULL;
END;
$$;

CREATE TRIGGER reservations_notify AFTER INSERT OR UPDATE OF status, start_at ON reservations
    FOR EACH ROW EXECUTE FUNCTION reservations_notify();

-- Upcoming active reservations, for the reminder scan.
CREATE INDEX reservations_upcoming ON reservations (start_at) WHERE active;

-- The outbox becomes the delivery queue: one row per message and channel. A worker claims
-- rows with FOR UPDATE SKIP LOCKED and a lease; a crashed worker's lease runs out and another
-- takes the row over.
ALTER TABLE outbox ADD COLUMN channel TEXT NOT NULL DEFAULT 'email'
    CHECK (channel IN ('email', 'sms', 'webhook'));
ALTER TABLE outbox ADD COLUMN lease_owner TEXT;
ALTER TABLE outbox ADD COLUMN lease_until BIGINT;
ALTER TABLE outbox ADD COLUMN sent_at BIGINT;

-- How each user wants to be told. No row: email on, SMS off, default owner events.
CREATE TABLE notification_preferences (
    user_id    TEXT PRIMARY KEY NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    email      BOOLEAN NOT NULL,
    sms        BOOLEAN NOT NULL,
    events     TEXT NOT NULL,                      -- JSON array of event kinds (owners)
    updated_at BIGINT NOT NULL
);

-- Endpoints a business registered; each delivery is signed with the endpoint's secret.
CREATE TABLE webhooks (
    id          TEXT PRIMARY KEY NOT NULL,
    business_id TEXT NOT NULL,
    url         TEXT NOT NULL,
    secret      TEXT NOT NULL,                     -- encrypted (AES-256-GCM, key id prefix)
    events      TEXT NOT NULL,                     -- JSON array of event kinds
    created_at  BIGINT NOT NULL
);
CREATE INDEX webhooks_business_id ON webhooks (business_id);
