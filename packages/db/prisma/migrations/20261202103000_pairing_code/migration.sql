-- Linking by pairing code (an alternative to the QR).
ALTER TABLE "whatsapp_sessions"
  ADD COLUMN "pairing_phone" VARCHAR(20),
  ADD COLUMN "pairing_requested_at" TIMESTAMPTZ(3),
  ADD COLUMN "pairing_code" VARCHAR(16),
  ADD COLUMN "pairing_expires_at" TIMESTAMPTZ(3),
  ADD COLUMN "pairing_error" VARCHAR(500);
