-- Images (issue 18 item 1, BIZ-2, SVC-4): a business's logo and cover, and the ordered images
-- of its services. The files themselves live in the server's image store under
-- content-addressed keys (SHA-256 of the encoded bytes and an extension); a row names the keys
-- of its three sizes. One logo and one cover per business (the partial unique index); a
-- service's images are ordered by `position`.
CREATE TABLE images (
    id           TEXT PRIMARY KEY NOT NULL,
    business_id  TEXT NOT NULL REFERENCES businesses (id) ON DELETE CASCADE,
    service_id   TEXT REFERENCES services (id) ON DELETE CASCADE,
    kind         TEXT NOT NULL CHECK (kind IN ('logo', 'cover', 'service')),
    position     INTEGER NOT NULL,
    content_type TEXT NOT NULL,
    width        INTEGER NOT NULL,
    height       INTEGER NOT NULL,
    thumb_key    TEXT NOT NULL,
    medium_key   TEXT NOT NULL,
    original_key TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    CHECK ((kind = 'service') = (service_id IS NOT NULL))
) STRICT;
CREATE UNIQUE INDEX images_one_logo_and_cover ON images (business_id, kind)
    WHERE kind IN ('logo', 'cover');
CREATE INDEX images_by_service ON images (service_id, position);
CREATE INDEX images_by_original_key ON images (original_key);
