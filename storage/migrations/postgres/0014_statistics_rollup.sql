-- Statistics from a rollup kept by every write (issue 17, BIZ-5: a year of 100,000
-- reservations answered in milliseconds). Reading the reservations themselves cannot meet
-- that (benches/RESULTS.md, "Back office"); these tables hold the sums the statistics need,
-- exact once the changes the triggers on `reservations` record are folded in (the store runs
-- `stats_fold()` before every read of them). The same tables as SQLite's 0015.
--
-- Three tables by UTC quarter-hour (`instant / 900`; every zone's offset and so every local
-- midnight is a whole quarter-hour), narrow so that a read decodes only what it sums:
-- * `stats_starts`, also by currency: the reservations *starting* in it, by status: count
--   and price (`n_*`, `minor_*`); and the exclusive ones that hold their time (every status
--   but the cancellations): count and sum of their starts (`held_start_*`);
-- * `stats_ends`: those exclusive time-holding ones whose last second is in it: count and sum
--   of their ends. The booked minutes of any bucket follow from these two;
-- * `stats_created`: the reservations *created* in it: count and sum of `start - created`
--   (lead time).
-- `stats_sessions`: the group sessions (non-exclusive reservations sharing a resource and an
-- interval) with how many of their seats hold their time, so that a session's booked minutes
-- count once.
-- `stats_days`, by UTC day of the start, service or resource, and currency: count and price
-- by status, for the figures by service and by resource (the days at a period's ends are
-- read from the rows).
--
-- The triggers only append to `stats_deltas` (a reservation's old contribution with sign -1,
-- its new one with +1), so concurrent bookings never wait on one another for the rollup.
-- `stats_fold()` moves the recorded changes into the tables in one statement: summed per key
-- and upserted in key order, table after table, so two folds lock rows in the same order,
-- and a change is folded once (the second fold's DELETE skips what the first took).
CREATE TABLE stats_starts (
    business_id                  UUID NOT NULL,
    quarter                      BIGINT NOT NULL,
    currency                     TEXT NOT NULL,
    n_pending                    BIGINT NOT NULL DEFAULT 0,
    minor_pending                BIGINT NOT NULL DEFAULT 0,
    n_confirmed                  BIGINT NOT NULL DEFAULT 0,
    minor_confirmed              BIGINT NOT NULL DEFAULT 0,
    n_completed                  BIGINT NOT NULL DEFAULT 0,
    minor_completed              BIGINT NOT NULL DEFAULT 0,
    n_no_show                    BIGINT NOT NULL DEFAULT 0,
    minor_no_show                BIGINT NOT NULL DEFAULT 0,
    n_cancelled_by_client        BIGINT NOT NULL DEFAULT 0,
    minor_cancelled_by_client    BIGINT NOT NULL DEFAULT 0,
    n_cancelled_by_business      BIGINT NOT NULL DEFAULT 0,
    minor_cancelled_by_business  BIGINT NOT NULL DEFAULT 0,
    held_start_n                 BIGINT NOT NULL DEFAULT 0,
    held_start_sum               BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (business_id, quarter, currency)
);

CREATE TABLE stats_ends (
    business_id                  UUID NOT NULL,
    quarter                      BIGINT NOT NULL,
    held_end_n                   BIGINT NOT NULL DEFAULT 0,
    held_end_sum                 BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (business_id, quarter)
);

CREATE TABLE stats_created (
    business_id                  UUID NOT NULL,
    quarter                      BIGINT NOT NULL,
    created_n                    BIGINT NOT NULL DEFAULT 0,
    created_lead                 BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (business_id, quarter)
);

CREATE TABLE stats_sessions (
    business_id                  UUID NOT NULL,
    start_at                     BIGINT NOT NULL,
    resource_id                  UUID NOT NULL,
    end_at                       BIGINT NOT NULL,
    seats                        BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (business_id, start_at, resource_id, end_at)
);

CREATE TABLE stats_days (
    business_id                  UUID NOT NULL,
    day                          BIGINT NOT NULL,
    dimension                    TEXT NOT NULL CHECK (dimension IN ('service', 'resource')),
    key_id                       UUID NOT NULL,
    currency                     TEXT NOT NULL,
    n_pending                    BIGINT NOT NULL DEFAULT 0,
    minor_pending                BIGINT NOT NULL DEFAULT 0,
    n_confirmed                  BIGINT NOT NULL DEFAULT 0,
    minor_confirmed              BIGINT NOT NULL DEFAULT 0,
    n_completed                  BIGINT NOT NULL DEFAULT 0,
    minor_completed              BIGINT NOT NULL DEFAULT 0,
    n_no_show                    BIGINT NOT NULL DEFAULT 0,
    minor_no_show                BIGINT NOT NULL DEFAULT 0,
    n_cancelled_by_client        BIGINT NOT NULL DEFAULT 0,
    minor_cancelled_by_client    BIGINT NOT NULL DEFAULT 0,
    n_cancelled_by_business      BIGINT NOT NULL DEFAULT 0,
    minor_cancelled_by_business  BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (business_id, day, dimension, key_id, currency)
);

CREATE TABLE stats_deltas (
    id                           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    business_id                  UUID NOT NULL,
    service_id                   UUID NOT NULL,
    resource_id                  UUID NOT NULL,
    status                       TEXT NOT NULL,
    exclusive                    BOOLEAN NOT NULL,
    price_minor                  BIGINT NOT NULL,
    currency                     TEXT NOT NULL,
    start_at                     BIGINT NOT NULL,
    end_at                       BIGINT NOT NULL,
    created_at                   BIGINT NOT NULL,
    sign                         BIGINT NOT NULL
);

CREATE FUNCTION stats_record() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO stats_deltas (business_id, service_id, resource_id, status, exclusive, price_minor, currency, start_at, end_at, created_at, sign)
    SELECT OLD.business_id, OLD.service_id, OLD.resource_id, OLD.status, OLD.exclusive, OLD.price_minor, OLD.currency, OLD.start_at, OLD.end_at, OLD.created_at, -1 WHERE TG_OP = 'UPDATE'
    UNION ALL
    SELECT NEW.business_id, NEW.service_id, NEW.resource_id, NEW.status, NEW.exclusive, NEW.price_minor, NEW.currency, NEW.start_at, NEW.end_at, NEW.created_at, 1;
    RETURN NULL;
END
$$;

-- Reservations leave the live table only for the archive (the archiving move), which changes
-- no figure: neither that DELETE nor the archive's INSERT is recorded. A path that ever
-- deletes a reservation for good must record its removal.
CREATE TRIGGER reservations_stats_insert AFTER INSERT ON reservations
    FOR EACH ROW EXECUTE FUNCTION stats_record();
CREATE TRIGGER reservations_stats_update AFTER UPDATE OF business_id, service_id, resource_id, status, exclusive, price_minor, currency, start_at, end_at, created_at ON reservations
    FOR EACH ROW WHEN ((OLD.business_id, OLD.service_id, OLD.resource_id, OLD.status, OLD.exclusive, OLD.price_minor, OLD.currency, OLD.start_at, OLD.end_at, OLD.created_at) IS DISTINCT FROM (NEW.business_id, NEW.service_id, NEW.resource_id, NEW.status, NEW.exclusive, NEW.price_minor, NEW.currency, NEW.start_at, NEW.end_at, NEW.created_at))
    EXECUTE FUNCTION stats_record();

-- The recorded changes folded into the tables; how many there were.
CREATE FUNCTION stats_fold() RETURNS BIGINT LANGUAGE sql AS $$
WITH feed AS (
    DELETE FROM stats_deltas RETURNING business_id, service_id, resource_id, status, exclusive, price_minor, currency, start_at, end_at, created_at, sign
), starts AS (
        INSERT INTO stats_starts AS t (business_id, quarter, currency, n_pending, minor_pending, n_confirmed, minor_confirmed, n_completed, minor_completed, n_no_show, minor_no_show, n_cancelled_by_client, minor_cancelled_by_client, n_cancelled_by_business, minor_cancelled_by_business, held_start_n, held_start_sum)
        SELECT business_id, start_at / 900, currency,
            sum(CASE WHEN status = 'pending' THEN sign ELSE 0 END),
            sum(CASE WHEN status = 'pending' THEN sign * price_minor ELSE 0 END),
            sum(CASE WHEN status = 'confirmed' THEN sign ELSE 0 END),
            sum(CASE WHEN status = 'confirmed' THEN sign * price_minor ELSE 0 END),
            sum(CASE WHEN status = 'completed' THEN sign ELSE 0 END),
            sum(CASE WHEN status = 'completed' THEN sign * price_minor ELSE 0 END),
            sum(CASE WHEN status = 'no_show' THEN sign ELSE 0 END),
            sum(CASE WHEN status = 'no_show' THEN sign * price_minor ELSE 0 END),
            sum(CASE WHEN status = 'cancelled_by_client' THEN sign ELSE 0 END),
            sum(CASE WHEN status = 'cancelled_by_client' THEN sign * price_minor ELSE 0 END),
            sum(CASE WHEN status = 'cancelled_by_business' THEN sign ELSE 0 END),
            sum(CASE WHEN status = 'cancelled_by_business' THEN sign * price_minor ELSE 0 END),
            sum(CASE WHEN exclusive AND status IN ('pending', 'confirmed', 'completed', 'no_show') THEN sign ELSE 0 END), sum(CASE WHEN exclusive AND status IN ('pending', 'confirmed', 'completed', 'no_show') THEN sign ELSE 0 END * start_at)
        FROM feed GROUP BY business_id, start_at / 900, currency
        ORDER BY business_id, start_at / 900, currency
        ON CONFLICT (business_id, quarter, currency) DO UPDATE SET
            n_pending = t.n_pending + excluded.n_pending,
            minor_pending = t.minor_pending + excluded.minor_pending,
            n_confirmed = t.n_confirmed + excluded.n_confirmed,
            minor_confirmed = t.minor_confirmed + excluded.minor_confirmed,
            n_completed = t.n_completed + excluded.n_completed,
            minor_completed = t.minor_completed + excluded.minor_completed,
            n_no_show = t.n_no_show + excluded.n_no_show,
            minor_no_show = t.minor_no_show + excluded.minor_no_show,
            n_cancelled_by_client = t.n_cancelled_by_client + excluded.n_cancelled_by_client,
            minor_cancelled_by_client = t.minor_cancelled_by_client + excluded.minor_cancelled_by_client,
            n_cancelled_by_business = t.n_cancelled_by_business + excluded.n_cancelled_by_business,
            minor_cancelled_by_business = t.minor_cancelled_by_business + excluded.minor_cancelled_by_business,
            held_start_n = t.held_start_n + excluded.held_start_n,
            held_start_sum = t.held_start_sum + excluded.held_start_sum
    ), ends AS (
        INSERT INTO stats_ends AS t (business_id, quarter, held_end_n, held_end_sum)
        SELECT business_id, (end_at - 1) / 900, sum(sign), sum(sign * end_at)
        FROM feed WHERE exclusive AND status IN ('pending', 'confirmed', 'completed', 'no_show')
        GROUP BY business_id, (end_at - 1) / 900 ORDER BY business_id, (end_at - 1) / 900
        ON CONFLICT (business_id, quarter) DO UPDATE SET
            held_end_n = t.held_end_n + excluded.held_end_n,
            held_end_sum = t.held_end_sum + excluded.held_end_sum
    ), created AS (
        INSERT INTO stats_created AS t (business_id, quarter, created_n, created_lead)
        SELECT business_id, created_at / 900, sum(sign), sum(sign * (start_at - created_at))
        FROM feed GROUP BY business_id, created_at / 900 ORDER BY business_id, created_at / 900
        ON CONFLICT (business_id, quarter) DO UPDATE SET
            created_n = t.created_n + excluded.created_n,
            created_lead = t.created_lead + excluded.created_lead
    ), sessions AS (
        INSERT INTO stats_sessions AS t (business_id, start_at, resource_id, end_at, seats)
        SELECT business_id, start_at, resource_id, end_at, sum(sign)
        FROM feed WHERE NOT exclusive AND status IN ('pending', 'confirmed', 'completed', 'no_show')
        GROUP BY business_id, start_at, resource_id, end_at
        ORDER BY business_id, start_at, resource_id, end_at
        ON CONFLICT (business_id, start_at, resource_id, end_at) DO UPDATE SET
            seats = t.seats + excluded.seats
    ), parts AS (
        SELECT business_id, start_at / 86400 AS day, 'resource' AS dimension, resource_id AS key_id,
            currency, status, price_minor, sign FROM feed
        UNION ALL
        SELECT business_id, start_at / 86400, 'service', service_id, currency, status, price_minor,
            sign FROM feed
    ), days AS (
        INSERT INTO stats_days AS t (business_id, day, dimension, key_id, currency, n_pending, minor_pending, n_confirmed, minor_confirmed, n_completed, minor_completed, n_no_show, minor_no_show, n_cancelled_by_client, minor_cancelled_by_client, n_cancelled_by_business, minor_cancelled_by_business)
        SELECT business_id, day, dimension, key_id, currency,
            sum(CASE WHEN status = 'pending' THEN sign ELSE 0 END),
            sum(CASE WHEN status = 'pending' THEN sign * price_minor ELSE 0 END),
            sum(CASE WHEN status = 'confirmed' THEN sign ELSE 0 END),
            sum(CASE WHEN status = 'confirmed' THEN sign * price_minor ELSE 0 END),
            sum(CASE WHEN status = 'completed' THEN sign ELSE 0 END),
            sum(CASE WHEN status = 'completed' THEN sign * price_minor ELSE 0 END),
            sum(CASE WHEN status = 'no_show' THEN sign ELSE 0 END),
            sum(CASE WHEN status = 'no_show' THEN sign * price_minor ELSE 0 END),
            sum(CASE WHEN status = 'cancelled_by_client' THEN sign ELSE 0 END),
            sum(CASE WHEN status = 'cancelled_by_client' THEN sign * price_minor ELSE 0 END),
            sum(CASE WHEN status = 'cancelled_by_business' THEN sign ELSE 0 END),
            sum(CASE WHEN status = 'cancelled_by_business' THEN sign * price_minor ELSE 0 END)
        FROM parts GROUP BY business_id, day, dimension, key_id, currency
        ORDER BY business_id, day, dimension, key_id, currency
        ON CONFLICT (business_id, day, dimension, key_id, currency) DO UPDATE SET
            n_pending = t.n_pending + excluded.n_pending,
            minor_pending = t.minor_pending + excluded.minor_pending,
            n_confirmed = t.n_confirmed + excluded.n_confirmed,
            minor_confirmed = t.minor_confirmed + excluded.minor_confirmed,
            n_completed = t.n_completed + excluded.n_completed,
            minor_completed = t.minor_completed + excluded.minor_completed,
            n_no_show = t.n_no_show + excluded.n_no_show,
            minor_no_show = t.minor_no_show + excluded.minor_no_show,
            n_cancelled_by_client = t.n_cancelled_by_client + excluded.n_cancelled_by_client,
            minor_cancelled_by_client = t.minor_cancelled_by_client + excluded.minor_cancelled_by_client,
            n_cancelled_by_business = t.n_cancelled_by_business + excluded.n_cancelled_by_business,
            minor_cancelled_by_business = t.minor_cancelled_by_business + excluded.minor_cancelled_by_business
    )
SELECT count(*) FROM feed;
$$;

-- The sums of the reservations already stored.
INSERT INTO stats_deltas (business_id, service_id, resource_id, status, exclusive, price_minor, currency, start_at, end_at, created_at, sign)
SELECT business_id, service_id, resource_id, status, exclusive, price_minor, currency, start_at, end_at, created_at, 1 FROM reservations
UNION ALL
SELECT business_id, service_id, resource_id, status, exclusive, price_minor, currency, start_at, end_at, created_at, 1 FROM reservations_archive;
SELECT stats_fold();
