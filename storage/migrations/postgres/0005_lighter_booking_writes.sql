-- Every booking inserts into each index of reservations, and client ids are random, so each
-- client index touches pages all over the index on every insert. A client's history sorted by
-- creation date is served by reservations_client_start (client_id = $1) plus a sort of that
-- client's rows, which are few.
DROP INDEX reservations_client_created;
