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

  it('refuses unknown flags and stray arguments with exit 2, and still runs correct command lines', async () => {
    const env = { DATABASE_URL: adminUrl() };
    for (const args of [
      ['deploy', '--frobnicate'],
      ['status', '--verbos'],
      ['deploy', '-x'],
      ['check', 'extra'],
      ['deploy', '--force'],
    ]) {
      const res = await runCli(args, env);
      expect(res.code, args.join(' ')).toBe(2);
      expect(res.stdout, args.join(' ')).not.toMatch(/Deploying|Applied|OK:/);
    }
    const unknown = await runCli(['deploy', '--frobnicate'], env);
    expect(unknown.stderr).toMatch(/Unknown option '--frobnicate'/);
    expect(unknown.stderr).toContain('Usage: pnpm db');
    expect((await runCli(['check', 'extra'], env)).stderr).toContain(
      'Unexpected argument(s) for check: extra',
    );

    // Positive controls: the same commands, spelt right.
    const status = await runCli(['status', '--verbose'], env);
    expect(status.code).toBe(0);
    expect(status.stdout).toContain('Applied (');
    const help = await runCli(['--help'], {});
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: pnpm db');
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
