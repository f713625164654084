import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createDbClient } from '@wa-fleet/db';
import { deployMigrations } from '@wa-fleet/db/migrate';
import { ensureDatabase, startEmbeddedPostgres } from '@wa-fleet/devstack';
import { seedDemoAt } from '../src/cli/seed-demo.ts';
import { verifyPassword } from '../src/services/passwords.ts';
import { ADMIN_KEY, buildTestApp, createTestStack, type TestStack } from './helpers.ts';

const run = promisify(execFile);
const appDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
let stack: TestStack;
let app: FastifyInstance;
let url: string;

function cli(script: string, args: string[], env: Record<string, string> = {}) {
  return run(process.execPath, ['--import', 'tsx', script, ...args], {
    cwd: appDir,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: stack.tmpDir,
      LOG_DIR: stack.logDir,
      KEYS_FILE: path.join(stack.tmpDir, 'keys.json'),
      // No quick-start settings of the developer's checkout leak into the test.
      WA_DATA_DIR: stack.tmpDir,
      ...env,
    },
    timeout: 30_000,
  });
}

beforeAll(async () => {
  stack = await createTestStack();
  app = await buildTestApp(stack);
  url = await app.listen({ host: '127.0.0.1', port: 0 });
});

afterAll(async () => {
  await app?.close();
  await stack?.cleanup();
});

describe('seed-demo', () => {
  it("refuses a database that is not the quick start's embedded one, and writes nothing", async () => {
    const failed = await cli('src/cli/seed-demo.ts', [], {
      DATABASE_URL: stack.databaseUrl,
      WA_DATA_DIR: path.join(stack.tmpDir, 'no-quick-start-here'),
    }).then(
      () => null,
      (err: { code?: number; stderr?: string }) => err,
    );
    expect(failed?.code).toBe(1);
    expect(failed?.stderr).toContain('refusing to write the demo logins');
    expect(failed?.stderr).toContain('no embedded PostgreSQL runs from');
    expect(await stack.db.user.count()).toBe(0);
    expect(await stack.db.tenant.count()).toBe(0);
  });

  it('seeds the embedded database of the quick start, idempotently, with working passwords', async () => {
    const dataDir = path.join(stack.tmpDir, 'quick-start-data');
    const pg = await startEmbeddedPostgres({ dataDir: path.join(dataDir, 'postgres') });
    await ensureDatabase(pg.adminUrl, 'wa_fleet');
    const databaseUrl = pg.urlFor('wa_fleet');
    const db = createDbClient(databaseUrl, { poolSize: 1 });
    try {
      await deployMigrations(databaseUrl);
      for (let i = 0; i < 2; i++) {
        const { stdout } = await cli('src/cli/seed-demo.ts', [], {
          DATABASE_URL: databaseUrl,
          WA_DATA_DIR: dataDir,
          DEMO_PASSWORD: 'demo-password-2',
        });
        for (const email of [
          'admin@wa-fleet.local',
          'owner@demo.local',
          'operator@demo.local',
          'viewer@demo.local',
        ]) {
          expect(stdout).toContain(email);
        }
      }
      expect(await db.tenant.count({ where: { slug: 'demo' } })).toBe(1);
      expect(await db.user.count()).toBe(4);
      expect(await db.membership.count()).toBe(4);
      expect(await db.autoReplyRule.count()).toBe(2);
      const viewer = await db.user.findUniqueOrThrow({ where: { email: 'viewer@demo.local' } });
      expect(await verifyPassword(viewer.passwordHash, 'demo-password-2')).toBe(true);
      // The same server under another database name is still refused: only the port's server counts,
      // but a different host is not this machine's embedded server.
      const elsewhere = databaseUrl.replace('127.0.0.1', 'db.example.com');
      await expect(
        cli('src/cli/seed-demo.ts', [], { DATABASE_URL: elsewhere, WA_DATA_DIR: dataDir }),
      ).rejects.toMatchObject({ stderr: expect.stringContaining('not this machine') });
    } finally {
      await db.$disconnect();
      await pg.stop();
    }
  }, 120_000);
});

describe('fleet', () => {
  it('status talks to the control plane with the key from .data/keys.json', async () => {
    await seedDemoAt(stack.databaseUrl, 'demo-password-2');
    writeFileSync(path.join(stack.tmpDir, 'keys.json'), JSON.stringify({ adminApiKey: ADMIN_KEY }));
    const { stdout } = await cli('src/cli/fleet.ts', ['status'], { CONTROL_PLANE_URL: url });
    expect(stdout).toMatch(/^TENANT\s+STATUS/);
    expect(stdout).toMatch(/demo\s+STOPPED/);
  });

  it('logs pretty-prints from disk without a control plane, filtered by level', async () => {
    mkdirSync(stack.logDir, { recursive: true });
    const lines = [
      {
        time: '2026-01-01T10:00:00.000Z',
        level: 'info',
        tenant: 'demo',
        pid: 1,
        msg: 'linked',
        phone: '49**12',
      },
      { time: '2026-01-01T10:00:01.000Z', level: 'warn', tenant: 'demo', pid: 1, msg: 'slow send' },
    ];
    writeFileSync(path.join(stack.logDir, 'demo.log'), lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
    const all = await cli('src/cli/fleet.ts', ['logs', 'demo'], { CONTROL_PLANE_URL: 'http://127.0.0.1:9' });
    expect(all.stdout.trim().split('\n')).toEqual([
      '2026-01-01T10:00:00.000Z INFO  [demo] linked {"phone":"49**12"}',
      '2026-01-01T10:00:01.000Z WARN  [demo] slow send',
    ]);
    const warn = await cli('src/cli/fleet.ts', ['logs', 'demo', '--level', 'warn']);
    expect(warn.stdout.trim()).toBe('2026-01-01T10:00:01.000Z WARN  [demo] slow send');
    await expect(cli('src/cli/fleet.ts', ['logs', '../etc'])).rejects.toMatchObject({
      stderr: expect.stringContaining('not a tenant slug'),
    });
  });
});
