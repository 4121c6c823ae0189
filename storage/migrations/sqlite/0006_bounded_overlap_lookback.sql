-- Overlap checks find the reservations of a resource whose blocked range meets a range R by
-- searching blocked starts in (R.start - L, R.end), where L is the longest blocked range that
-- can exist. L was the schema's limit (two days), so on a busy calendar every check, slot read
-- and trigger walked two days of index entries per resource. Each resource now remembers the
-- longest blocked range ever stored on it; lookbacks use that instead. It only grows (a
-- cancelled or archived reservation leaves it as it is), so it is never too short.
ALTER TABLE resources ADD COLUMN longest_blocked_secs INTEGER NOT NULL DEFAULT 0
    CHECK (longest_blocked_secs >= 0);

UPDATE resources SET longest_blocked_secs = coalesce(
    (SELECT max(blocked_end - blocked_start) FROM reservations r WHERE r.resource_id = resources.id),
    0);

CREATE TRIGGER reservations_longest_blocked_insert
AFTER INSERT ON reservations
BEGIN
    UPDATE resources SET longest_blocked_secs = NEW.blocked_end - NEW.blocked_start
    WHERE id = NEW.resource_id AND longest_blocked_secs < NEW.blocked_end - NEW.blocked_start;
END;

CREATE TRIGGER reservations_longest_blocked_update
AFTER UPDATE OF blocked_start, blocked_end, resource_id ON reservations
BEGIN
    UPDATE resources SET longest_blocked_secs = NEW.blocked_end - NEW.blocked_start
    WHERE id = NEW.resource_id AND longest_blocked_secs < NEW.blocked_end - NEW.blocked_start;
END;

-- The second line of defence looks back by the same bound. A new reservation's own length
-- does not matter here: it is compared with stored ones, which are never longer than the
-- bound.
DROP TRIGGER reservations_no_overlap_insert;
CREATE TRIGGER reservations_no_overlap_insert
BEFORE INSERT ON reservations
WHEN NEW.status IN ('pending', 'confirmed') AND NEW.exclusive = 1 AND EXISTS (
    SELECT 1 FROM reservations r
    WHERE r.resource_id = NEW.resource_id AND r.active AND r.exclusive = 1
      AND r.blocked_start < NEW.blocked_end
      AND r.blocked_start > NEW.blocked_start - coalesce(
          (SELECT longest_blocked_secs FROM resources WHERE id = NEW.resource_id), 172800)
      AND NEW.blocked_start < r.blocked_end
)
BEGIN
    SELECT RAISE(ABORT, 'reservations_no_overlap');
END;

DROP TRIGGER reservations_no_overlap_update;
CREATE TRIGGER reservations_no_overlap_update
BEFORE UPDATE ON reservations
WHEN NEW.status IN ('pending', 'confirmed') AND NEW.exclusive = 1 AND EXISTS (
    SELECT 1 FROM reservations r
    WHERE r.id <> NEW.id AND r.resource_id = NEW.resource_id AND r.active AND r.exclusive = 1
      AND r.blocked_start < NEW.blocked_end
      AND r.blocked_start > NEW.blocked_start - coalesce(
          (SELECT longest_blocked_secs FROM resources WHERE id = NEW.resource_id), 172800)
      AND NEW.blocked_start < r.blocked_end
)
BEGIN
    SELECT RAISE(ABORT, 'reservations_no_overlap');
END;
