-- Calendar feeds (issue 18 item 4, INT-2): subscribable iCalendar feeds of a business, a
-- resource, a client, or the busy times of a business or resource, each behind a secret token
-- stored only as its SHA-256 hash. Rotating replaces the hash (the old token stops answering);
-- revoking stamps `revoked_at` and clears nothing else, so the row stays for history.
CREATE TABLE calendar_feeds (
    id          TEXT PRIMARY KEY NOT NULL,
    user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind        TEXT NOT NULL CHECK (kind IN ('business', 'resource', 'free_busy', 'client')),
    business_id TEXT,              -- identifiers as text, like every table of the server's own
    resource_id TEXT,
    token_hash  TEXT NOT NULL UNIQUE,
    created_at  BIGINT NOT NULL,
    rotated_at  BIGINT,
    revoked_at  BIGINT,
    CHECK ((kind = 'client') = (business_id IS NULL)),
    CHECK (kind <> 'resource' OR resource_id IS NOT NULL)
);
CREATE INDEX calendar_feeds_by_user ON calendar_feeds (user_id, created_at);
