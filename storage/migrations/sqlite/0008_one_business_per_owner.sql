-- One business per owner (issue 16). The server used to check, then insert, so two
-- concurrent creations could give one owner two businesses; the database now refuses the
-- second. SQLite reports a violation as `UNIQUE constraint failed: businesses.owner_id`,
-- which the storage's constraint table (storage/src/error.rs) turns into the core's
-- OWNER_HAS_BUSINESS.
--
-- Existing duplicates: this migration deletes and changes nothing. If an owner already has
-- two businesses, creating the index fails with `UNIQUE constraint failed:
-- businesses.owner_id`, the migration's transaction is rolled back and the server does not
-- start. Deciding which business an owner keeps is the deployer's call (they may hold
-- reservations), not a migration's: list them with
--   SELECT owner_id, id, name FROM businesses WHERE owner_id IN
--     (SELECT owner_id FROM businesses GROUP BY owner_id HAVING count(*) > 1);
-- give each extra business its own owner account (UPDATE businesses SET owner_id = … WHERE
-- id = …), then start the server again.
CREATE UNIQUE INDEX businesses_one_per_owner ON businesses (owner_id);
-- The unique index serves the lookups by owner; the plain one would only cost writes.
DROP INDEX businesses_owner_id;
