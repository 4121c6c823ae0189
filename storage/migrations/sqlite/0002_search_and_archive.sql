-- Full-text search over businesses and services (PERF-8): accent-insensitive, ranked.
CREATE VIRTUAL TABLE search_index USING fts5(
    kind UNINDEXED,          -- 'business' or 'service'
    entity_id UNINDEXED,
    business_id UNINDEXED,
    name,
    description,
    domain,
    city,
    tags,
    tokenize = 'unicode61 remove_diacritics 2'
);

-- Reservations that ended long ago (PERF-5); same columns, no triggers.
CREATE TABLE reservations_archive (
    id                    TEXT PRIMARY KEY NOT NULL,
    business_id           TEXT NOT NULL,
    client_id             TEXT NOT NULL,
    service_id            TEXT NOT NULL,
    resource_id           TEXT NOT NULL,
    start_at              INTEGER NOT NULL,
    end_at                INTEGER NOT NULL,
    blocked_start         INTEGER NOT NULL,
    blocked_end           INTEGER NOT NULL,
    buffer_before_minutes INTEGER NOT NULL,
    buffer_after_minutes  INTEGER NOT NULL,
    status                TEXT NOT NULL,
    exclusive             INTEGER NOT NULL,
    price_minor           INTEGER NOT NULL,
    currency              TEXT NOT NULL,
    reschedule_count      INTEGER NOT NULL,
    version               INTEGER NOT NULL,
    history               TEXT NOT NULL,
    created_at            INTEGER NOT NULL,
    archived_at           INTEGER NOT NULL
) STRICT;
CREATE INDEX reservations_archive_business_start ON reservations_archive (business_id, start_at);
CREATE INDEX reservations_archive_client_start ON reservations_archive (client_id, start_at);
