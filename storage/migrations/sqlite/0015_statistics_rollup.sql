-- Statistics from a rollup kept by every write (issue 17, BIZ-5: a year of 100,000
-- reservations answered in milliseconds). Reading the reservations themselves cannot meet
-- that on either backend (benches/RESULTS.md, "Back office"); these tables hold the sums the
-- statistics need, exact once the changes the triggers on `reservations` record are folded
-- in (the store does it before every read of them).
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
-- The view `stats_feed` takes one reservation's contribution with a sign (+1 added, -1
-- removed): its INSTEAD OF trigger is the only place the sums are written. The store feeds it
-- the recorded changes (`stats_deltas`, below) when it folds them.

CREATE TABLE stats_starts (
    business_id                  TEXT NOT NULL,
    quarter                      INTEGER NOT NULL,
    currency                     TEXT NOT NULL,
    n_pending                    INTEGER NOT NULL DEFAULT 0,
    minor_pending                INTEGER NOT NULL DEFAULT 0,
    n_confirmed                  INTEGER NOT NULL DEFAULT 0,
    minor_confirmed              INTEGER NOT NULL DEFAULT 0,
    n_completed                  INTEGER NOT NULL DEFAULT 0,
    minor_completed              INTEGER NOT NULL DEFAULT 0,
    n_no_show                    INTEGER NOT NULL DEFAULT 0,
    minor_no_show                INTEGER NOT NULL DEFAULT 0,
    n_cancelled_by_client        INTEGER NOT NULL DEFAULT 0,
    minor_cancelled_by_client    INTEGER NOT NULL DEFAULT 0,
    n_cancelled_by_business      INTEGER NOT NULL DEFAULT 0,
    minor_cancelled_by_business  INTEGER NOT NULL DEFAULT 0,
    held_start_n                 INTEGER NOT NULL DEFAULT 0,
    held_start_sum               INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (business_id, quarter, currency)
) STRICT, WITHOUT ROWID;

CREATE TABLE stats_ends (
    business_id                  TEXT NOT NULL,
    quarter                      INTEGER NOT NULL,
    held_end_n                   INTEGER NOT NULL DEFAULT 0,
    held_end_sum                 INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (business_id, quarter)
) STRICT, WITHOUT ROWID;

CREATE TABLE stats_created (
    business_id                  TEXT NOT NULL,
    quarter                      INTEGER NOT NULL,
    created_n                    INTEGER NOT NULL DEFAULT 0,
    created_lead                 INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (business_id, quarter)
) STRICT, WITHOUT ROWID;

CREATE TABLE stats_sessions (
    business_id                  TEXT NOT NULL,
    start_at                     INTEGER NOT NULL,
    resource_id                  TEXT NOT NULL,
    end_at                       INTEGER NOT NULL,
    seats                        INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (business_id, start_at, resource_id, end_at)
) STRICT, WITHOUT ROWID;

CREATE TABLE stats_days (
    business_id                  TEXT NOT NULL,
    day                          INTEGER NOT NULL,
    dimension                    TEXT NOT NULL CHECK (dimension IN ('service', 'resource')),
    key_id                       TEXT NOT NULL,
    currency                     TEXT NOT NULL,
    n_pending                    INTEGER NOT NULL DEFAULT 0,
    minor_pending                INTEGER NOT NULL DEFAULT 0,
    n_confirmed                  INTEGER NOT NULL DEFAULT 0,
    minor_confirmed              INTEGER NOT NULL DEFAULT 0,
    n_completed                  INTEGER NOT NULL DEFAULT 0,
    minor_completed              INTEGER NOT NULL DEFAULT 0,
    n_no_show                    INTEGER NOT NULL DEFAULT 0,
    minor_no_show                INTEGER NOT NULL DEFAULT 0,
    n_cancelled_by_client        INTEGER NOT NULL DEFAULT 0,
    minor_cancelled_by_client    INTEGER NOT NULL DEFAULT 0,
    n_cancelled_by_business      INTEGER NOT NULL DEFAULT 0,
    minor_cancelled_by_business  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (business_id, day, dimension, key_id, currency)
) STRICT, WITHOUT ROWID;

CREATE VIEW stats_feed AS
SELECT business_id, service_id, resource_id, status, exclusive, price_minor, currency,
       start_at, end_at, created_at, 0 AS sign
FROM reservations WHERE 0;

CREATE TRIGGER stats_feed_apply INSTEAD OF INSERT ON stats_feed
BEGIN
    INSERT INTO stats_starts (business_id, quarter, currency, n_pending, minor_pending, n_confirmed, minor_confirmed, n_completed, minor_completed, n_no_show, minor_no_show, n_cancelled_by_client, minor_cancelled_by_client, n_cancelled_by_business, minor_cancelled_by_business, held_start_n, held_start_sum)
    VALUES (NEW.business_id, NEW.start_at / 900, NEW.currency,
        NEW.sign * (NEW.status = 'pending'),
        NEW.sign * (NEW.status = 'pending') * NEW.price_minor,
        NEW.sign * (NEW.status = 'confirmed'),
        NEW.sign * (NEW.status = 'confirmed') * NEW.price_minor,
        NEW.sign * (NEW.status = 'completed'),
        NEW.sign * (NEW.status = 'completed') * NEW.price_minor,
        NEW.sign * (NEW.status = 'no_show'),
        NEW.sign * (NEW.status = 'no_show') * NEW.price_minor,
        NEW.sign * (NEW.status = 'cancelled_by_client'),
        NEW.sign * (NEW.status = 'cancelled_by_client') * NEW.price_minor,
        NEW.sign * (NEW.status = 'cancelled_by_business'),
        NEW.sign * (NEW.status = 'cancelled_by_business') * NEW.price_minor,
        NEW.sign * (NEW.exclusive = 1 AND NEW.status IN ('pending', 'confirmed', 'completed', 'no_show')), NEW.sign * (NEW.exclusive = 1 AND NEW.status IN ('pending', 'confirmed', 'completed', 'no_show')) * NEW.start_at)
    ON CONFLICT (business_id, quarter, currency) DO UPDATE SET
        n_pending = n_pending + excluded.n_pending,
        minor_pending = minor_pending + excluded.minor_pending,
        n_confirmed = n_confirmed + excluded.n_confirmed,
        minor_confirmed = minor_confirmed + excluded.minor_confirmed,
        n_completed = n_completed + excluded.n_completed,
        minor_completed = minor_completed + excluded.minor_completed,
        n_no_show = n_no_show + excluded.n_no_show,
        minor_no_show = minor_no_show + excluded.minor_no_show,
        n_cancelled_by_client = n_cancelled_by_client + excluded.n_cancelled_by_client,
        minor_cancelled_by_client = minor_cancelled_by_client + excluded.minor_cancelled_by_client,
        n_cancelled_by_business = n_cancelled_by_business + excluded.n_cancelled_by_business,
        minor_cancelled_by_business = minor_cancelled_by_business + excluded.minor_cancelled_by_business,
        held_start_n = held_start_n + excluded.held_start_n,
        held_start_sum = held_start_sum + excluded.held_start_sum;
    INSERT INTO stats_ends (business_id, quarter, held_end_n, held_end_sum)
    SELECT NEW.business_id, (NEW.end_at - 1) / 900, NEW.sign, NEW.sign * NEW.end_at
    WHERE NEW.exclusive = 1 AND NEW.status IN ('pending', 'confirmed', 'completed', 'no_show')
    ON CONFLICT (business_id, quarter) DO UPDATE SET
        held_end_n = held_end_n + excluded.held_end_n,
        held_end_sum = held_end_sum + excluded.held_end_sum;
    INSERT INTO stats_created (business_id, quarter, created_n, created_lead)
    VALUES (NEW.business_id, NEW.created_at / 900, NEW.sign,
        NEW.sign * (NEW.start_at - NEW.created_at))
    ON CONFLICT (business_id, quarter) DO UPDATE SET
        created_n = created_n + excluded.created_n,
        created_lead = created_lead + excluded.created_lead;
    INSERT INTO stats_sessions (business_id, start_at, resource_id, end_at, seats)
    SELECT NEW.business_id, NEW.start_at, NEW.resource_id, NEW.end_at, NEW.sign
    WHERE NEW.exclusive = 0 AND NEW.status IN ('pending', 'confirmed', 'completed', 'no_show')
    ON CONFLICT (business_id, start_at, resource_id, end_at) DO UPDATE SET
        seats = seats + excluded.seats;
    INSERT INTO stats_days (business_id, day, dimension, key_id, currency, n_pending, minor_pending, n_confirmed, minor_confirmed, n_completed, minor_completed, n_no_show, minor_no_show, n_cancelled_by_client, minor_cancelled_by_client, n_cancelled_by_business, minor_cancelled_by_business)
    VALUES (NEW.business_id, NEW.start_at / 86400, 'service', NEW.service_id, NEW.currency,
        NEW.sign * (NEW.status = 'pending'),
        NEW.sign * (NEW.status = 'pending') * NEW.price_minor,
        NEW.sign * (NEW.status = 'confirmed'),
        NEW.sign * (NEW.status = 'confirmed') * NEW.price_minor,
        NEW.sign * (NEW.status = 'completed'),
        NEW.sign * (NEW.status = 'completed') * NEW.price_minor,
        NEW.sign * (NEW.status = 'no_show'),
        NEW.sign * (NEW.status = 'no_show') * NEW.price_minor,
        NEW.sign * (NEW.status = 'cancelled_by_client'),
        NEW.sign * (NEW.status = 'cancelled_by_client') * NEW.price_minor,
        NEW.sign * (NEW.status = 'cancelled_by_business'),
        NEW.sign * (NEW.status = 'cancelled_by_business') * NEW.price_minor)
    ON CONFLICT (business_id, day, dimension, key_id, currency) DO UPDATE SET
        n_pending = n_pending + excluded.n_pending,
        minor_pending = minor_pending + excluded.minor_pending,
        n_confirmed = n_confirmed + excluded.n_confirmed,
        minor_confirmed = minor_confirmed + excluded.minor_confirmed,
        n_completed = n_completed + excluded.n_completed,
        minor_completed = minor_completed + excluded.minor_completed,
        n_no_show = n_no_show + excluded.n_no_show,
        minor_no_show = minor_no_show + excluded.minor_no_show,
        n_cancelled_by_client = n_cancelled_by_client + excluded.n_cancelled_by_client,
        minor_cancelled_by_client = minor_cancelled_by_client + excluded.minor_cancelled_by_client,
        n_cancelled_by_business = n_cancelled_by_business + excluded.n_cancelled_by_business,
        minor_cancelled_by_business = minor_cancelled_by_business + excluded.minor_cancelled_by_business;
    INSERT INTO stats_days (business_id, day, dimension, key_id, currency, n_pending, minor_pending, n_confirmed, minor_confirmed, n_completed, minor_completed, n_no_show, minor_no_show, n_cancelled_by_client, minor_cancelled_by_client, n_cancelled_by_business, minor_cancelled_by_business)
    VALUES (NEW.business_id, NEW.start_at / 86400, 'resource', NEW.resource_id, NEW.currency,
        NEW.sign * (NEW.status = 'pending'),
        NEW.sign * (NEW.status = 'pending') * NEW.price_minor,
        NEW.sign * (NEW.status = 'confirmed'),
        NEW.sign * (NEW.status = 'confirmed') * NEW.price_minor,
        NEW.sign * (NEW.status = 'completed'),
        NEW.sign * (NEW.status = 'completed') * NEW.price_minor,
        NEW.sign * (NEW.status = 'no_show'),
        NEW.sign * (NEW.status = 'no_show') * NEW.price_minor,
        NEW.sign * (NEW.status = 'cancelled_by_client'),
        NEW.sign * (NEW.status = 'cancelled_by_client') * NEW.price_minor,
        NEW.sign * (NEW.status = 'cancelled_by_business'),
        NEW.sign * (NEW.status = 'cancelled_by_business') * NEW.price_minor)
    ON CONFLICT (business_id, day, dimension, key_id, currency) DO UPDATE SET
        n_pending = n_pending + excluded.n_pending,
        minor_pending = minor_pending + excluded.minor_pending,
        n_confirmed = n_confirmed + excluded.n_confirmed,
        minor_confirmed = minor_confirmed + excluded.minor_confirmed,
        n_completed = n_completed + excluded.n_completed,
        minor_completed = minor_completed + excluded.minor_completed,
        n_no_show = n_no_show + excluded.n_no_show,
        minor_no_show = minor_no_show + excluded.minor_no_show,
        n_cancelled_by_client = n_cancelled_by_client + excluded.n_cancelled_by_client,
        minor_cancelled_by_client = minor_cancelled_by_client + excluded.minor_cancelled_by_client,
        n_cancelled_by_business = n_cancelled_by_business + excluded.n_cancelled_by_business,
        minor_cancelled_by_business = minor_cancelled_by_business + excluded.minor_cancelled_by_business;
END;

-- What the triggers record: each change of a live reservation, as its old contribution with
-- sign -1 and its new one with +1, appended (never updated: concurrent bookings never wait on
-- one another for the rollup). The store folds them into the tables above, through
-- `stats_feed`, before it reads the statistics and every minute.
CREATE TABLE stats_deltas (
    id                           INTEGER PRIMARY KEY,
    business_id                  TEXT NOT NULL,
    service_id                   TEXT NOT NULL,
    resource_id                  TEXT NOT NULL,
    status                       TEXT NOT NULL,
    exclusive                    INTEGER NOT NULL,
    price_minor                  INTEGER NOT NULL,
    currency                     TEXT NOT NULL,
    start_at                     INTEGER NOT NULL,
    end_at                       INTEGER NOT NULL,
    created_at                   INTEGER NOT NULL,
    sign                         INTEGER NOT NULL
) STRICT;

-- Reservations leave the live table only for the archive (the archiving move), which changes
-- no figure: neither that DELETE nor the archive's INSERT is recorded. A path that ever
-- deletes a reservation for good must record its removal.
CREATE TRIGGER reservations_stats_insert AFTER INSERT ON reservations
BEGIN
    INSERT INTO stats_deltas (business_id, service_id, resource_id, status, exclusive, price_minor, currency, start_at, end_at, created_at, sign)
    VALUES (NEW.business_id, NEW.service_id, NEW.resource_id, NEW.status, NEW.exclusive, NEW.price_minor, NEW.currency, NEW.start_at, NEW.end_at, NEW.created_at, 1);
END;

CREATE TRIGGER reservations_stats_update AFTER UPDATE OF business_id, service_id, resource_id, status, exclusive, price_minor, currency, start_at, end_at, created_at ON reservations
WHEN OLD.business_id IS NOT NEW.business_id OR OLD.service_id IS NOT NEW.service_id OR OLD.resource_id IS NOT NEW.resource_id OR OLD.status IS NOT NEW.status OR OLD.exclusive IS NOT NEW.exclusive OR OLD.price_minor IS NOT NEW.price_minor OR OLD.currency IS NOT NEW.currency OR OLD.start_at IS NOT NEW.start_at OR OLD.end_at IS NOT NEW.end_at OR OLD.created_at IS NOT NEW.created_at
BEGIN
    INSERT INTO stats_deltas (business_id, service_id, resource_id, status, exclusive, price_minor, currency, start_at, end_at, created_at, sign)
    VALUES (OLD.business_id, OLD.service_id, OLD.resource_id, OLD.status, OLD.exclusive, OLD.price_minor, OLD.currency, OLD.start_at, OLD.end_at, OLD.created_at, -1), (NEW.business_id, NEW.service_id, NEW.resource_id, NEW.status, NEW.exclusive, NEW.price_minor, NEW.currency, NEW.start_at, NEW.end_at, NEW.created_at, 1);
END;

-- The sums of the reservations already stored.
INSERT INTO stats_feed SELECT business_id, service_id, resource_id, status, exclusive, price_minor, currency, start_at, end_at, created_at, 1 FROM reservations;
INSERT INTO stats_feed SELECT business_id, service_id, resource_id, status, exclusive, price_minor, currency, start_at, end_at, created_at, 1 FROM reservations_archive;
