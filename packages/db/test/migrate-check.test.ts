// Drift check (schema.prisma vs migrations folder) through the library and through the CLI's exit code.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkDrift } from '../src/migrate/index.ts';
import {
  addTenantColumn,
  adminUrl,
  copyPrismaDir,
  leftoverShadowDbs,
  rememberExistingShadowDbs,
  runCli,
} from './helpers.ts';

beforeAll(rememberExistingShadowDbs);

afterAll(async () => {
  expect(await leftoverShadowDbs()).toEqual([]);
});

describe('checkDrift', () => {
  it('passes on the repository', async () => {
    const res = await checkDrift({ databaseUrl: adminUrl() });
    expect(res.drift).toBe(false);
  });

  it('fails on a copy whose schema.prisma gained a column without a migration', async () => {
    const copy = await copyPrismaDir(addTenantColumn);
    try {
      const res = await checkDrift({ databaseUrl: adminUrl(), ...copy });
      expect(res.drift).toBe(true);
      expect(res.summary).toContain('tenants');
    } finally {
      await copy.cleanup();
    }
  });
});

describe('pnpm db (CLI)', () => {
  it('check exits 0 on the repository', async () => {
    const res = await runCli(['check'], { DATABASE_URL: adminUrl() });
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('OK');
  });

  it('check exits 1 with a clear message on drift', async () => {
    const copy = await copyPrismaDir(addTenantColumn);
    try {
      const res = await runCli(['check'], {
        DATABASE_URL: adminUrl(),
        SCHEMA_PATH: copy.schemaPath,
        MIGRATIONS_DIR: copy.migrationsDir,
      });
      expect(res.code).toBe(1);
      expect(res.stderr).toContain('DRIFT');
      expect(res.stderr).toContain('pnpm db create');
    } finally {
      await copy.cleanup();
    }
  });

  it('refuses reset without --force, and needs DATABASE_URL', async () => {
    const reset = await runCli(['reset'], { DATABASE_URL: adminUrl() });
    expect(reset.code).toBe(2);
    expect(reset.stderr).toContain('--force');

    const noUrl = await runCli(['deploy'], { DATABASE_URL: undefined });
    expect(noUrl.code).toBe(2);
    expect(noUrl.stderr).toContain('DATABASE_URL is not set');

    const unknown = await runCli(['frobnicate'], {});
    expect(unknown.code).toBe(2);
  });

  it('never prints the password', async () => {
    const url = new URL(adminUrl());
    url.password = 's3cret-pass';
    url.pathname = '/wa_fleet_no_such_db';
    const res = await runCli(['status'], { DATABASE_URL: url.toString() });
    expect(res.code).toBe(1);
    expect(res.stdout + res.stderr).not.toContain('s3cret-pass');
  });
});
