-- The tenant's engine becomes a closed set. Generated as DROP/ADD COLUMN, rewritten as a type change so
-- existing choices survive; a value that was never an engine already ran the fleet's default engine,
-- so it becomes NULL (which says exactly that). The resulting schema is the one schema.prisma describes.

-- CreateEnum
CREATE TYPE "WaEngine" AS ENUM ('simulator', 'wwebjs');

-- AlterTable
ALTER TABLE "tenants" ALTER COLUMN "engine" TYPE "WaEngine"
  USING (CASE WHEN "engine" IN ('simulator', 'wwebjs') THEN "engine"::"WaEngine" ELSE NULL END);
