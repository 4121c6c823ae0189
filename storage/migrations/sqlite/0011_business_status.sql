-- Business states (issue 17 item 6): pending, validated, rejected, suspended, with the reason
-- an administrator gave the owner. `validated` stays as the public flag the lists, search and
-- schedule read (and their indexes use); the store writes it as `status = 'validated'`.
ALTER TABLE businesses ADD COLUMN status TEXT NOT NULL DEFAULT 'pending'
    CHECK (status IN ('pending', 'validated', 'rejected', 'suspended'));
ALTER TABLE businesses ADD COLUMN status_reason TEXT;
UPDATE businesses SET status = 'validated' WHERE validated = 1;
CREATE INDEX businesses_status ON businesses (status, name);
