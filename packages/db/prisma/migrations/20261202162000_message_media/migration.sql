-- Rich messages: a type per message, what WhatsApp told about its content, and its file's state.
CREATE TYPE "MessageType" AS ENUM ('TEXT', 'IMAGE', 'VIDEO', 'AUDIO', 'VOICE', 'DOCUMENT', 'STICKER', 'LOCATION', 'CONTACT', 'REACTION', 'UNSUPPORTED');
CREATE TYPE "MediaStatus" AS ENUM ('PENDING', 'RETRYING', 'STORED', 'FAILED');

ALTER TABLE "message_logs"
  ADD COLUMN "type" "MessageType" NOT NULL DEFAULT 'TEXT',
  ADD COLUMN "raw_type" VARCHAR(64),
  ADD COLUMN "meta" JSONB,
  ADD COLUMN "media_status" "MediaStatus",
  ADD COLUMN "media_sha256" VARCHAR(64),
  ADD COLUMN "media_mime" VARCHAR(128),
  ADD COLUMN "media_size" INTEGER,
  ADD COLUMN "media_attempts" INTEGER NOT NULL DEFAULT 0,
  ADD COLUMN "media_error" VARCHAR(500);

-- The worker's fetch sweep (PENDING / RETRYING of its tenant) and "is this file still used" on deletion.
CREATE INDEX "message_logs_tenant_id_media_status_idx" ON "message_logs"("tenant_id", "media_status");
CREATE INDEX "message_logs_tenant_id_media_sha256_idx" ON "message_logs"("tenant_id", "media_sha256");

-- When the tenant last read each chat in the portal (unread counts start there).
CREATE TABLE "conversation_reads" (
  "tenant_id" UUID NOT NULL,
  "contact" VARCHAR(64) NOT NULL,
  "last_read_at" TIMESTAMPTZ(3) NOT NULL,
  CONSTRAINT "conversation_reads_pkey" PRIMARY KEY ("tenant_id", "contact")
);
ALTER TABLE "conversation_reads" ADD CONSTRAINT "conversation_reads_tenant_id_fkey"
  FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- A chat's messages: the other side is from_number (inbound) or to_number (outbound).
CREATE INDEX "message_logs_tenant_contact_idx" ON "message_logs"
  ("tenant_id", (CASE WHEN "direction" = 'IN' THEN "from_number" ELSE "to_number" END), "created_at" DESC);
