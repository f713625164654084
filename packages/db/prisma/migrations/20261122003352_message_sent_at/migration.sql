-- AlterTable
ALTER TABLE "message_logs" ADD COLUMN     "sent_at" TIMESTAMPTZ(3);
