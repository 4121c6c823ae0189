-- Initial schema for the PostgreSQL backend.
-- Instants are BIGINT seconds since the Unix epoch (UTC), the unit the core computes with, so
-- exclusion constraints compare int8range values: [start, end) exactly like the core.
CREATE EXTENSION IF NOT EXISTS btree_gist SCHEMA public;

CREATE TABLE businesses (
    id            UUID PRIMARY KEY,
    owner_id      UUID NOT NULL,
    name          TEXT NOT NULL,
    domain        TEXT NOT NULL,
    description   TEXT NOT NULL,
    city          TEXT NOT NULL,
    address       JSONB NOT NULL,
    time_zone     TEXT NOT NULL,
    validated     BOOLEAN NOT NULL,
    opening_hours JSONB NOT NULL,
    closures      JSONB NOT NULL
);
CREATE INDEX businesses_owner_id ON businesses (owner_id);
CREATE INDEX businesses_domain ON businesses (domain);
CREATE INDEX businesses_city ON businesses (city);

CREATE TABLE resources (
    id          UUID PRIMARY KEY,
    business_id UUID NOT NULL REFERENCES businesses (id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL,
    active      BOOLEAN NOT NULL
);
CREATE INDEX resources_business_id ON resources (business_id);

CREATE TABLE services (
    id                            UUID PRIMARY KEY,
    business_id                   UUID NOT NULL REFERENCES businesses (id) ON DELETE CASCADE,
    name                          TEXT NOT NULL,
    description                   TEXT NOT NULL,
    price_minor                   BIGINT NOT NULL,
    currency                      TEXT NOT NULL,
    category                      TEXT,
    tags                          JSONB NOT NULL,
    active                        BOOLEAN NOT NULL,
    duration_minutes              BIGINT NOT NULL CHECK (duration_minutes > 0),
    step_minutes                  BIGINT NOT NULL CHECK (step_minutes > 0),
    buffer_before_minutes         BIGINT NOT NULL CHECK (buffer_before_minutes >= 0),
    buffer_after_minutes          BIGINT NOT NULL CHECK (buffer_after_minutes >= 0),
    min_notice_minutes            BIGINT NOT NULL CHECK (min_notice_minutes >= 0),
    horizon_days                  BIGINT NOT NULL CHECK (horizon_days >= 0),
    seats                         BIGINT NOT NULL CHECK (seats >= 1),
    cancellation_deadline_minutes BIGINT NOT NULL,
    max_reschedules               BIGINT NOT NULL
);
CREATE INDEX services_business_id ON services (business_id);
CREATE INDEX services_category ON services (category);

CREATE TABLE service_resources (
    service_id  UUID NOT NULL REFERENCES services (id) ON DELETE CASCADE,
    resource_id UUID NOT NULL REFERENCES resources (id) ON DELETE CASCADE,
    position    BIGINT NOT NULL,
    PRIMARY KEY (service_id, resource_id)
);
CREATE INDEX service_resources_resource_id ON service_resources (resource_id);

CREATE TABLE clients (
    id         UUID PRIMARY KEY,
    email      TEXT NOT NULL,
    first_name TEXT NOT NULL,
    last_name  TEXT NOT NULL,
    phone      TEXT,           -- encrypted at rest (v1:<key id>:<base64>)
    address    JSONB
);
CREATE INDEX clients_email ON clients (email);

CREATE TABLE availability_windows (
    id          UUID PRIMARY KEY,
    business_id UUID NOT NULL REFERENCES businesses (id) ON DELETE CASCADE,
    resource_id UUID NOT NULL REFERENCES resources (id) ON DELETE CASCADE,
    start_at    BIGINT NOT NULL,
    end_at      BIGINT NOT NULL,
    series_id   UUID,
    CHECK (start_at < end_at),
    CHECK (end_at - start_at <= 2678400),  -- 31 days, the core's longest window
    CONSTRAINT availability_windows_no_overlap
        EXCLUDE USING gist (resource_id WITH =, int8range(start_at, end_at) WITH &&)
);
CREATE INDEX availability_windows_business_start ON availability_windows (business_id, start_at);
CREATE INDEX availability_windows_series_id ON availability_windows (series_id);

CREATE TABLE reservations (
    id                    UUID PRIMARY KEY,
    business_id           UUID NOT NULL REFERENCES businesses (id),
    client_id             UUID NOT NULL,
    service_id            UUID NOT NULL REFERENCES services (id),
    resource_id           UUID NOT NULL REFERENCES resources (id),
    start_at              BIGINT NOT NULL,
    end_at                BIGINT NOT NULL,
    blocked_start         BIGINT NOT NULL,
    blocked_end           BIGINT NOT NULL,
    buffer_before_minutes BIGINT NOT NULL,
    buffer_after_minutes  BIGINT NOT NULL,
    status                TEXT NOT NULL CHECK (status IN ('pending', 'confirmed', 'completed', 'no_show', 'cancelled_by_client', 'cancelled_by_business')),
    active                BOOLEAN GENERATED ALWAYS AS (status IN ('pending', 'confirmed')) STORED,
    exclusive             BOOLEAN NOT NULL,
    -- Reservations that may share a group slot have the same key (service, start, end);
    -- an exclusive reservation's key is its own id, so it shares with nobody.
    session_key           TEXT NOT NULL,
    price_minor           BIGINT NOT NULL,
    currency              TEXT NOT NULL,
    reschedule_count      BIGINT NOT NULL,
    version               BIGINT NOT NULL,
    history               JSONB NOT NULL,
    created_at            BIGINT NOT NULL,
    CHECK (start_at < end_at AND blocked_start <= start_at AND end_at <= blocked_end),
    -- Bounded length lets range queries use the (resource_id, blocked_start) index both ways.
    CHECK (blocked_end - blocked_start <= 172800),
    -- The booking invariants inside the database (RES-3). Cancelled and finished
    -- reservations do not block (partial constraints); buffers are part of the compared range.
    CONSTRAINT reservations_no_overlap
        EXCLUDE USING gist (resource_id WITH =, int8range(blocked_start, blocked_end) WITH &&, session_key WITH <>)
        WHERE (active),
    CONSTRAINT reservations_client_no_overlap
        EXCLUDE USING gist (client_id WITH =, int8range(start_at, end_at) WITH &&)
        WHERE (active)
);
CREATE INDEX reservations_resource_blocked ON reservations (resource_id, blocked_start) WHERE active;
CREATE INDEX reservations_client_start ON reservations (client_id, start_at);
CREATE INDEX reservations_business_start ON reservations (business_id, start_at);
CREATE INDEX reservations_business_created ON reservations (business_id, created_at);
CREATE INDEX reservations_client_created ON reservations (client_id, created_at);
CREATE INDEX reservations_service_id ON reservations (service_id);
CREATE INDEX reservations_resource_start ON reservations (resource_id, start_at);
CREATE INDEX reservations_end_at ON reservations (end_at);
