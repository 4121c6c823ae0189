-- Resources (issue 17 item 3). Working hours inside the business's opening hours, as JSON
-- like the business's own hours; NULL means the business's opening hours.
ALTER TABLE resources ADD COLUMN working_hours TEXT; -- JSON

-- A deleted resource keeps its row, so past reservations, their history and the statistics
-- still name it; every read of the directory leaves it out.
ALTER TABLE resources ADD COLUMN deleted_at INTEGER;

-- A reservation moved to another resource at the same time tells its client like a
-- reschedule (its resource is part of what the client was told).
DROP TRIGGER reservations_notify_update;
CREATE TRIGGER reservations_notify_update AFTER UPDATE OF status, start_at, resource_id ON reservations
WHEN OLD.status <> NEW.status OR OLD.start_at <> NEW.start_at OR OLD.resource_id <> NEW.resource_id
BEGIN
    INSERT OR IGNORE INTO notification_events (id, kind, reservation_id, occurred_at)
    VALUES (NEW.id || ':' || NEW.version || ':' || NEW.reschedule_count,
            CASE WHEN OLD.status <> NEW.status THEN 'reservation_' || NEW.status
                 ELSE 'reservation_rescheduled' END,
            NEW.id, CAST(strftime('%s', 'now') AS INTEGER));
END;
