-- Initial schema for the embedded SQLite backend.
-- Instants are INTEGER seconds since the Unix epoch (UTC); identifiers are UUID text.

CREATE TABLE businesses (
    id            TEXT PRIMARY KEY NOT NULL,
    owner_id      TEXT NOT NULL,
    name          TEXT NOT NULL,
    domain        TEXT NOT NULL,
    description   TEXT NOT NULL,
    city          TEXT NOT NULL,
    address       TEXT NOT NULL,          -- JSON
    time_zone     TEXT NOT NULL,
    validated     INTEGER NOT NULL CHECK (validated IN (0, 1)),
    opening_hours TEXT NOT NULL,          -- JSON
    closures      TEXT NOT NULL           -- JSON
) STRICT;
CREATE INDEX businesses_owner_id ON businesses (owner_id);
CREATE INDEX businesses_domain ON businesses (domain);
CREATE INDEX businesses_city ON businesses (city);

CREATE TABLE resources (
    id          TEXT PRIMARY KEY NOT NULL,
    business_id TEXT NOT NULL REFERENCES businesses (id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL,
    active      INTEGER NOT NULL CHECK (active IN (0, 1))
) STRICT;
CREATE INDEX resources_business_id ON resources (business_id);

CREATE TABLE services (
    id                            TEXT PRIMARY KEY NOT NULL,
    business_id                   TEXT NOT NULL REFERENCES businesses (id) ON DELETE CASCADE,
    name                          TEXT NOT NULL,
    description                   TEXT NOT NULL,
    price_minor                   INTEGER NOT NULL,
    currency                      TEXT NOT NULL,
    category                      TEXT,
    tags                          TEXT NOT NULL,  -- JSON array
    active                        INTEGER NOT NULL CHECK (active IN (0, 1)),
    duration_minutes              INTEGER NOT NULL CHECK (duration_minutes > 0),
    step_minutes                  INTEGER NOT NULL CHECK (step_minutes > 0),
    buffer_before_minutes         INTEGER NOT NULL CHECK (buffer_before_minutes >= 0),
    buffer_after_minutes          INTEGER NOT NULL CHECK (buffer_after_minutes >= 0),
    min_notice_minutes            INTEGER NOT NULL CHECK (min_notice_minutes >= 0),
    horizon_days                  INTEGER NOT NULL CHECK (horizon_days >= 0),
    seats                         INTEGER NOT NULL CHECK (seats >= 1),
    cancellation_deadline_minutes INTEGER NOT NULL,
    max_reschedules               INTEGER NOT NULL
) STRICT;
CREATE INDEX services_business_id ON services (business_id);
CREATE INDEX services_category ON services (category);

CREATE TABLE service_resources (
    service_id  TEXT NOT NULL REFERENCES services (id) ON DELETE CASCADE,
    resource_id TEXT NOT NULL REFERENCES resources (id) ON DELETE CASCADE,
    position    INTEGER NOT NULL,
    PRIMARY KEY (service_id, resource_id)
) STRICT;
CREATE INDEX service_resources_resource_id ON service_resources (resource_id);

CREATE TABLE clients (
    id         TEXT PRIMARY KEY NOT NULL,
    email      TEXT NOT NULL,
    first_name TEXT NOT NULL,
    last_name  TEXT NOT NULL,
    phone      TEXT,                      -- encrypted at rest (v1:<key id>:<base64>)
    address    TEXT                       -- JSON
) STRICT;
CREATE INDEX clients_email ON clients (email);

CREATE TABLE availability_windows (
    id          TEXT PRIMARY KEY NOT NULL,
    business_id TEXT NOT NULL REFERENCES businesses (id) ON DELETE CASCADE,
    resource_id TEXT NOT NULL REFERENCES resources (id) ON DELETE CASCADE,
    start_at    INTEGER NOT NULL,
    end_at      INTEGER NOT NULL,
    series_id   TEXT,
    CHECK (start_at < end_at),
    CHECK (end_at - start_at <= 2678400)  -- 31 days, the core's longest window
) STRICT;
CREATE INDEX availability_windows_resource_start ON availability_windows (resource_id, start_at);
CREATE INDEX availability_windows_business_start ON availability_windows (business_id, start_at);
CREATE INDEX availability_windows_series_id ON availability_windows (series_id);

-- Second line of defence behind the application's check (AV-4).
CREATE TRIGGER availability_windows_no_overlap_insert
BEFORE INSERT ON availability_windows
WHEN EXISTS (
    SELECT 1 FROM availability_windows w
    WHERE w.resource_id = NEW.resource_id AND w.start_at < NEW.end_at
      AND w.start_at > NEW.start_at - 2678400 AND NEW.start_at < w.end_at
)
BEGIN
    SELECT RAISE(ABORT, 'availability_windows_no_overlap');
END;

CREATE TRIGGER availability_windows_no_overlap_update
BEFORE UPDATE OF start_at, end_at, resource_id ON availability_windows
WHEN EXISTS (
    SELECT 1 FROM availability_windows w
    WHERE w.id <> NEW.id AND w.resource_id = NEW.resource_id
      AND w.start_at < NEW.end_at AND w.start_at > NEW.start_at - 2678400 AND NEW.start_at < w.end_at
)
BEGIN
    SELECT RAISE(ABORT, 'availability_windows_no_overlap');
END;

CREATE TABLE reservations (
    id                    TEXT PRIMARY KEY NOT NULL,
    business_id           TEXT NOT NULL REFERENCES businesses (id),
    client_id             TEXT NOT NULL,
    service_id            TEXT NOT NULL REFERENCES services (id),
    resource_id           TEXT NOT NULL REFERENCES resources (id),
    start_at              INTEGER NOT NULL,
    end_at                INTEGER NOT NULL,
    blocked_start         INTEGER NOT NULL,   -- start_at - buffer before
    blocked_end           INTEGER NOT NULL,   -- end_at + buffer after
    buffer_before_minutes INTEGER NOT NULL,
    buffer_after_minutes  INTEGER NOT NULL,
    status                TEXT NOT NULL CHECK (status IN ('pending', 'confirmed', 'completed', 'no_show', 'cancelled_by_client', 'cancelled_by_business')),
    active                INTEGER GENERATED ALWAYS AS (status IN ('pending', 'confirmed')) STORED,
    exclusive             INTEGER NOT NULL CHECK (exclusive IN (0, 1)),  -- one seat: nothing may overlap
    price_minor           INTEGER NOT NULL,
    currency              TEXT NOT NULL,
    reschedule_count      INTEGER NOT NULL,
    version               INTEGER NOT NULL,   -- number of history records
    history               TEXT NOT NULL,      -- JSON
    created_at            INTEGER NOT NULL,
    CHECK (start_at < end_at AND blocked_start <= start_at AND end_at <= blocked_end),
    -- Bounded length lets range queries use the (resource_id, blocked_start) index both ways.
    CHECK (blocked_end - blocked_start <= 172800)
) STRICT;
CREATE INDEX reservations_resource_blocked ON reservations (resource_id, blocked_start) WHERE active;
CREATE INDEX reservations_client_start ON reservations (client_id, start_at);
CREATE INDEX reservations_business_start ON reservations (business_id, start_at);
CREATE INDEX reservations_business_created ON reservations (business_id, created_at);
CREATE INDEX reservations_client_created ON reservations (client_id, created_at);
CREATE INDEX reservations_service_id ON reservations (service_id);
CREATE INDEX reservations_resource_start ON reservations (resource_id, start_at);
CREATE INDEX reservations_end_at ON reservations (end_at);

-- Second line of defence behind the writer's atomic check (RES-3); the lower bounds use the
-- length checks so each trigger reads only nearby rows of the index. An exclusive active
-- reservation never overlaps another exclusive active one of the same resource (buffers
-- included), and a client never holds two overlapping active reservations.
CREATE TRIGGER reservations_no_overlap_insert
BEFORE INSERT ON reservations
WHEN NEW.status IN ('pending', 'confirmed') AND NEW.exclusive = 1 AND EXISTS (
    SELECT 1 FROM reservations r
    WHERE r.resource_id = NEW.resource_id AND r.active AND r.exclusive = 1
      AND r.blocked_start < NEW.blocked_end AND r.blocked_start > NEW.blocked_start - 172800
      AND NEW.blocked_start < r.blocked_end
)
BEGIN
    SELECT RAISE(ABORT, 'reservations_no_overlap');
END;

CREATE TRIGGER reservations_client_no_overlap_insert
BEFORE INSERT ON reservations
WHEN NEW.status IN ('pending', 'confirmed') AND EXISTS (
    SELECT 1 FROM reservations r
    WHERE r.client_id = NEW.client_id AND r.active
      AND r.start_at < NEW.end_at AND r.start_at > NEW.start_at - 172800 AND NEW.start_at < r.end_at
)
BEGIN
    SELECT RAISE(ABORT, 'reservations_client_no_overlap');
END;

CREATE TRIGGER reservations_no_overlap_update
BEFORE UPDATE ON reservations
WHEN NEW.status IN ('pending', 'confirmed') AND NEW.exclusive = 1 AND EXISTS (
    SELECT 1 FROM reservations r
    WHERE r.id <> NEW.id AND r.resource_id = NEW.resource_id AND r.active AND r.exclusive = 1
      AND r.blocked_start < NEW.blocked_end AND r.blocked_start > NEW.blocked_start - 172800
      AND NEW.blocked_start < r.blocked_end
)
BEGIN
    SELECT RAISE(ABORT, 'reservations_no_overlap');
END;

CREATE TRIGGER reservations_client_no_overlap_update
BEFORE UPDATE ON reservations
WHEN NEW.status IN ('pending', 'confirmed') AND EXISTS (
    SELECT 1 FROM reservations r
    WHERE r.id <> NEW.id AND r.client_id = NEW.client_id AND r.active
      AND r.start_at < NEW.end_at AND r.start_at > NEW.start_at - 172800 AND NEW.start_at < r.end_at
)
BEGIN
    SELECT RAISE(ABORT, 'reservations_client_no_overlap');
END;
