-- CreateTable
CREATE TABLE "worker_status_changes" (
    "id" BIGSERIAL NOT NULL,
    "tenant_id" UUID NOT NULL,
    "from_status" "WorkerStatus",
    "to_status" "WorkerStatus" NOT NULL,
    "reason" TEXT,
    "actor" VARCHAR(64),
    "changed_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "worker_status_changes_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "worker_status_changes_tenant_id_changed_at_idx" ON "worker_status_changes"("tenant_id", "changed_at" DESC);

-- AddForeignKey
ALTER TABLE "worker_status_changes" ADD CONSTRAINT "worker_status_changes_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Not expressible in schema.prisma (so invisible to `pnpm db check`): one trigger on worker_processes
-- records every status change, whoever writes it (worker or control plane), and clears last_error when
-- a worker is RUNNING again, so a recovered worker never shows the error it recovered from.
CREATE FUNCTION worker_status_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.status IS DISTINCT FROM OLD.status THEN
    IF NEW.status = 'RUNNING' THEN
      NEW.last_error := NULL;
    END IF;
    INSERT INTO worker_status_changes (tenant_id, from_status, to_status, reason, actor, changed_at)
    VALUES (
      NEW.tenant_id, OLD.status, NEW.status,
      CASE
        WHEN NEW.status IN ('ERROR', 'STARTING') AND NEW.last_error IS NOT NULL THEN NEW.last_error
        WHEN NEW.status = 'STARTING' THEN 'start requested'
        WHEN NEW.status = 'RUNNING' AND OLD.status = 'ERROR' THEN 'heartbeat resumed'
        WHEN NEW.status = 'RUNNING' THEN 'first heartbeat'
        WHEN NEW.status = 'STOPPING' THEN 'stop requested'
        WHEN NEW.status = 'STOPPED' THEN 'stopped'
        ELSE NULL
      END,
      left(current_setting('application_name', true), 64),
      clock_timestamp()
    );
    DELETE FROM worker_status_changes
    WHERE tenant_id = NEW.tenant_id AND changed_at < clock_timestamp() - interval '30 days';
  END IF;
  RETURN NEW;
END;
$$;

CREATE TRIGGER worker_processes_status_change
  BEFORE UPDATE OF status ON worker_processes
  FOR EACH ROW EXECUTE FUNCTION worker_status_change();
