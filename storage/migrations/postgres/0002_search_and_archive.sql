-- Full-text search over businesses and services (PERF-8): accent-insensitive, ranked.
CREATE EXTENSION IF NOT EXISTS unaccent SCHEMA public;

-- unaccent() is STABLE (it reads a dictionary); this wrapper pins the dictionary so it can be
-- IMMUTABLE and used in generated columns and indexes.
CREATE FUNCTION rdv_unaccent(text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    AS $$ SELECT public.unaccent('public.unaccent'::regdictionary, $1) $$;

ALTER TABLE businesses ADD COLUMN search tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('simple', rdv_unaccent(name)), 'A') ||
    setweight(to_tsvector('simple', rdv_unaccent(domain || ' ' || city)), 'B') ||
    setweight(to_tsvector('simple', rdv_unaccent(description)), 'C')
) STORED;
CREATE INDEX businesses_search ON businesses USING gin (search);

ALTER TABLE services ADD COLUMN search tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('simple', rdv_unaccent(name)), 'A') ||
    setweight(to_tsvector('simple', rdv_unaccent(coalesce(category, '') || ' ' || (tags #>> '{}'))), 'B') ||
    setweight(to_tsvector('simple', rdv_unaccent(description)), 'C')
) STORED;
CREATE INDEX services_search ON services USING gin (search);

-- Reservations that ended long ago (PERF-5); same columns, no constraints between rows.
CREATE TABLE reservations_archive (
    id                    UUID PRIMARY KEY,
    business_id           UUID NOT NULL,
    client_id             UUID NOT NULL,
    service_id            UUID NOT NULL,
    resource_id           UUID NOT NULL,
    start_at              BIGINT NOT NULL,
    end_at                BIGINT NOT NULL,
    blocked_start         BIGINT NOT NULL,
    blocked_end           BIGINT NOT NULL,
    buffer_before_minutes BIGINT NOT NULL,
    buffer_after_minutes  BIGINT NOT NULL,
    status                TEXT NOT NULL,
    exclusive             BOOLEAN NOT NULL,
    session_key           TEXT NOT NULL,
    price_minor           BIGINT NOT NULL,
    currency              TEXT NOT NULL,
    reschedule_count      BIGINT NOT NULL,
    version               BIGINT NOT NULL,
    history               JSONB NOT NULL,
    created_at            BIGINT NOT NULL,
    archived_at           BIGINT NOT NULL
);
CREATE INDEX reservations_archive_business_start ON reservations_archive (business_id, start_at);
CREATE INDEX reservations_archive_client_start ON reservations_archive (client_id, start_at);
