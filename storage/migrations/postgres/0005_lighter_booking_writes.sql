-- Every booking inserts into each index of reservations, and client ids are random, so each
-- client index touches pages all over the index on every insert. A client's history sorted by
-- creation date is served by reservations_client_start (client_id = $1) plus a sort of that
-- client's rows, which are few.
DROP INDEX reservations_client_created;

-- Busy reads and overlap checks look back up to two days of blocked starts on a resource,
-- because a blocked range may last that long. With the blocked end in the index, each of
-- those entries is judged from the index alone; only true overlaps reach the table.
DROP INDEX reservations_resource_blocked;
CREATE INDEX reservations_resource_blocked
    ON reservations (resource_id, blocked_start, blocked_end) WHERE active;
