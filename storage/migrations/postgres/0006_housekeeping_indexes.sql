-- Housekeeping (AccountStore::purge_expired) deletes rows that outlived their use in small
-- batches; these indexes find them without scanning the tables. Pending rows stay out of the
-- partial indexes, so the booking path (events written unprocessed) pays nothing for them.
CREATE INDEX notification_events_processed ON notification_events (processed_at)
    WHERE processed_at IS NOT NULL;
CREATE INDEX outbox_settled ON outbox (created_at) WHERE status <> 'pending';
CREATE INDEX refresh_tokens_expires_at ON refresh_tokens (expires_at);
CREATE INDEX one_time_tokens_expires_at ON one_time_tokens (expires_at);
