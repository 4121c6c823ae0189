-- Busy times from other calendars (issue 18 item 5: ICS import; INT-2): periods during which a
-- resource is busy elsewhere, per source (an imported file, a connected calendar). A source is
-- replaced whole; the slot read and the booking check meet them like reservations. Pieces are
-- at most 7 days long (rdv_core::busy_times::MAX_BUSY_PIECE_SECS), so a range read looks back a
-- bounded time on the index.
CREATE TABLE busy_times (
    resource_id UUID NOT NULL REFERENCES resources (id) ON DELETE CASCADE,
    source      TEXT NOT NULL,
    uid         TEXT NOT NULL,
    start_at    BIGINT NOT NULL,
    end_at      BIGINT NOT NULL,
    CHECK (end_at > start_at AND end_at - start_at <= 604800),
    PRIMARY KEY (resource_id, source, uid, start_at)
);
CREATE INDEX busy_times_by_start ON busy_times (resource_id, start_at);
