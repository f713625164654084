-- Message reads: full-text search on the message text and indexed phone-number search.
-- btree_gin lets one GIN index hold the tenant id next to the searched value, so a tenant's search never
-- walks another tenant's matches; pg_trgm serves "number contains these digits".
CREATE EXTENSION IF NOT EXISTS "btree_gin";
CREATE EXTENSION IF NOT EXISTS "pg_trgm";

-- The searchable words of the text. Config 'simple': lower-cased words, no stemming and no stop words,
-- so every language is searched the same way. Generated, so writers never fill it in.
ALTER TABLE "message_logs"
  ADD COLUMN "body_tsv" tsvector GENERATED ALWAYS AS (to_tsvector('simple', "body")) STORED;

CREATE INDEX "message_logs_tenant_id_body_tsv_idx" ON "message_logs" USING GIN ("tenant_id" uuid_ops, "body_tsv");
CREATE INDEX "message_logs_tenant_id_from_number_idx" ON "message_logs" USING GIN ("tenant_id" uuid_ops, "from_number" gin_trgm_ops);
CREATE INDEX "message_logs_tenant_id_to_number_idx" ON "message_logs" USING GIN ("tenant_id" uuid_ops, "to_number" gin_trgm_ops);
