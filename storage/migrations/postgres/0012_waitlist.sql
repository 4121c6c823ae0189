-- The waitlist (issue 17 item 7): a client's place on a service's waitlist for a range of
-- slot starts, the seat offered to them while `offered`, the reservation once `booked`.
CREATE TABLE waitlist_entries (
    id                UUID PRIMARY KEY,
    business_id       UUID NOT NULL REFERENCES businesses (id) ON DELETE CASCADE,
    service_id        UUID NOT NULL REFERENCES services (id) ON DELETE CASCADE,
    client_id         UUID NOT NULL,
    resource_id       UUID,
    range_start       BIGINT NOT NULL,
    range_end         BIGINT NOT NULL CHECK (range_end > range_start),
    status            TEXT NOT NULL
        CHECK (status IN ('waiting', 'offered', 'booked', 'expired', 'left')),
    offer_resource_id UUID,
    offer_start       BIGINT,
    offer_expires_at  BIGINT,
    reservation_id    UUID,
    created_at        BIGINT NOT NULL,
    -- An offered place holds its offer; a waiting one holds none (an expired or booked one
    -- keeps what it was offered).
    CHECK (status <> 'offered' OR offer_start IS NOT NULL),
    CHECK (status <> 'waiting' OR offer_start IS NULL)
);
-- A client waits at most once per service (ALREADY_ON_WAITLIST).
CREATE UNIQUE INDEX waitlist_one_open_place
    ON waitlist_entries (client_id, service_id) WHERE status IN ('waiting', 'offered');
-- The worker's scan of open places, in the order clients joined.
CREATE INDEX waitlist_open_by_age
    ON waitlist_entries (created_at, id) WHERE status IN ('waiting', 'offered');
CREATE INDEX waitlist_by_business ON waitlist_entries (business_id, created_at);
CREATE INDEX waitlist_by_client ON waitlist_entries (client_id, created_at);
