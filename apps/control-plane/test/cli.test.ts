import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
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
  it('seeds the demo tenant, users and rules, idempotently, and the logins work', async () => {
    for (let i = 0; i < 2; i++) {
      const { stdout } = await cli('src/cli/seed-demo.ts', [], {
        DATABASE_URL: stack.databaseUrl,
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
    expect(await stack.db.tenant.count({ where: { slug: 'demo' } })).toBe(1);
    expect(await stack.db.user.count()).toBe(4);
    expect(await stack.db.membership.count()).toBe(4);
    expect(await stack.db.autoReplyRule.count()).toBe(2);
    const login = await fetch(`${url}/portal/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-portal-key': stack.env().PORTAL_INTERNAL_KEY! },
      body: JSON.stringify({ email: 'viewer@demo.local', password: 'demo-password-2' }),
    });
    expect(login.status).toBe(200);
  });
});

describe('fleet', () => {
  it('status talks to the control plane with the key from .data/keys.json', async () => {
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
