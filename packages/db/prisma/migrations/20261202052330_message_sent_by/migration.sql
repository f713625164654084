-- CreateEnum
CREATE TYPE "SenderKind" AS ENUM ('USER', 'API_KEY', 'AUTO_REPLY');

-- AlterTable
ALTER TABLE "message_logs" ADD COLUMN     "sent_by_id" VARCHAR(64),
ADD COLUMN     "sent_by_kind" "SenderKind",
ADD COLUMN     "sent_by_label" VARCHAR(320);
