-- Resources (issue 17 item 3). Working hours inside the business's opening hours, as JSON
-- like the business's own hours; NULL means the business's opening hours.
ALTER TABLE resources ADD COLUMN working_hours JSONB;

-- A deleted resource keeps its row, so past reservations, their history and the statistics
-- still name it; every read of the directory leaves it out.
ALTER TABLE resources ADD COLUMN deleted_at BIGINT;

-- A reservation moved to another resource at the same time tells its client like a
-- reschedule (its resource is part of what the client was told).
CREATE OR REPLACE FUNCTION reservations_notify() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    event_kind TEXT;
BEGIN
    IF TG_OP = 'INSERT' THEN
        event_kind := 'reservation_created';
    ELSIF NEW.status <> OLD.status THEN
        event_kind := 'reservation_' || NEW.status;
    ELSIF NEW.start_at <> OLD.start_at OR NEW.resource_id <> OLD.resource_id THEN
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

DROP TRIGGER reservations_notify ON reservations;
CREATE TRIGGER reservations_notify AFTER INSERT OR UPDATE OF status, start_at, resource_id ON reservations
    FOR EACH ROW EXECUTE FUNCTION reservations_notify();
