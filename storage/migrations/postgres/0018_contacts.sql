-- A business's client file (issue 18 item 5, ADV-3): contacts imported from a previous system,
-- who have no account here. Their email is unique per business, case aside; the phone is
-- encrypted like a client profile's.
CREATE TABLE contacts (
    id          UUID PRIMARY KEY,
    business_id UUID NOT NULL REFERENCES businesses (id) ON DELETE CASCADE,
    first_name  TEXT NOT NULL,
    last_name   TEXT NOT NULL,
    email       TEXT NOT NULL,
    phone       TEXT,
    created_at  BIGINT NOT NULL
);
CREATE UNIQUE INDEX contacts_one_email_per_business ON contacts (business_id, lower(email));
