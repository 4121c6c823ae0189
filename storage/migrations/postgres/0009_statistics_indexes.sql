-- Statistics (issue 17, BIZ-5) count the reservations a business created in a period, archived
-- ones included (PERF-5). The live table has (business_id, created_at) since the first
-- migration; the archive gets the same index, so the count reads only the period's rows of
-- both tables instead of the whole archive.
CREATE INDEX reservations_archive_business_created ON reservations_archive (business_id, created_at);
