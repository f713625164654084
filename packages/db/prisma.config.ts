import { defineConfig } from 'prisma/config';

// Prisma 7 keeps the connection URL out of schema.prisma. The stock CLI reads it from here;
// this project's own `pnpm db` command (src/migrate) takes DATABASE_URL directly.
export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? 'postgresql://localhost:5432/wa_fleet' },
});
