-- Edits and deletions ("deleted for everyone") of inbound messages. The row keeps the current text
-- (body_tsv, a generated column, follows it) and when it was last edited or deleted; every earlier text
-- is a message_edits row.
ALTER TABLE "message_logs"
  ADD COLUMN "edited_at" TIMESTAMPTZ(3),
  ADD COLUMN "deleted_at" TIMESTAMPTZ(3);

-- One row per edit: the text the message had before it. (message_id, edited_at) is unique, so the same
-- edit delivered twice is one entry.
CREATE TABLE "message_edits" (
  "id" UUID NOT NULL,
  "tenant_id" UUID NOT NULL,
  "message_id" UUID NOT NULL,
  "previous_body" TEXT NOT NULL,
  "edited_at" TIMESTAMPTZ(3) NOT NULL,
  "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT "message_edits_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "message_edits_message_id_edited_at_key" ON "message_edits"("message_id", "edited_at");
CREATE INDEX "message_edits_tenant_id_message_id_idx" ON "message_edits"("tenant_id", "message_id");
ALTER TABLE "message_edits" ADD CONSTRAINT "message_edits_tenant_id_fkey"
  FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "message_edits" ADD CONSTRAINT "message_edits_message_id_fkey"
  FOREIGN KEY ("message_id") REFERENCES "message_logs"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- An edit or deletion that arrived before its message (or for an id not stored): kept until the
-- message is stored, then applied and removed.
CREATE TABLE "pending_message_changes" (
  "tenant_id" UUID NOT NULL,
  "wa_message_id" VARCHAR(128) NOT NULL,
  "kind" VARCHAR(16) NOT NULL,
  "changed_at" TIMESTAMPTZ(3) NOT NULL,
  "body" TEXT,
  "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT "pending_message_changes_pkey" PRIMARY KEY ("tenant_id", "wa_message_id", "kind", "changed_at")
);
ALTER TABLE "pending_message_changes" ADD CONSTRAINT "pending_message_changes_tenant_id_fkey"
  FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;
