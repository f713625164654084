// /metrics behind the optional METRICS_TOKEN, and what a deleted tenant leaves on disk (nothing).
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { adminHeaders, buildTestApp, createTenant, createTestStack, type TestStack } from './helpers.ts';

const METRICS_TOKEN = 'metrics-token-0123456789abcdef';
let stack: TestStack;
let open: FastifyInstance;
let guarded: FastifyInstance;
let sessionDir: string;

beforeAll(async () => {
  stack = await createTestStack();
  sessionDir = path.join(stack.tmpDir, 'sessions');
  open = await buildTestApp(stack, {}, { WWEBJS_SESSION_DIR: sessionDir });
  guarded = await buildTestApp(stack, {}, { METRICS_TOKEN, WWEBJS_SESSION_DIR: sessionDir });
  await createTenant(stack.db, 'secret-slug');
});

afterAll(async () => {
  await open?.close();
  await guarded?.close();
  await stack?.cleanup();
});

describe('/metrics', () => {
  it('without METRICS_TOKEN: open, as before', async () => {
    const res = await open.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('tenant="secret-slug"');
  });

  it('with METRICS_TOKEN: 401 without the bearer token or with a wrong one, tenant slugs nowhere', async () => {
    for (const headers of [{}, { authorization: 'Bearer wrong-token-0123456789' }, adminHeaders]) {
      const res = await guarded.inject({ method: 'GET', url: '/metrics', headers });
      expect(res.statusCode).toBe(401);
      expect(res.json().error.message).toContain('Authorization: Bearer <METRICS_TOKEN>');
      expect(res.body).not.toContain('secret-slug');
    }
    const ok = await guarded.inject({
      method: 'GET',
      url: '/metrics',
      headers: { authorization: `Bearer ${METRICS_TOKEN}` },
    });
    expect(ok.statusCode).toBe(200);
    expect(ok.body).toContain('wa_send_queue_depth{tenant="secret-slug"} 0');
  });
});

describe('tenant deletion', () => {
  it("removes the tenant's log files, PM2 logs and WhatsApp session data, and nobody else's", async () => {
    const gone = (await createTenant(stack.db, 'leaving')).id;
    const stays = (await createTenant(stack.db, 'leaving-not')).id;
    const pm2Dir = path.join(stack.logDir, 'pm2');
    mkdirSync(pm2Dir, { recursive: true });
    const files = (slug: string, id: string) => [
      path.join(stack.logDir, `${slug}.log`),
      path.join(stack.logDir, `${slug}.log.1`),
      path.join(stack.logDir, `${slug}.log.2.gz`),
      path.join(pm2Dir, `wa-tenant-${slug}-out.log`),
      path.join(pm2Dir, `wa-tenant-${slug}-error.log`),
      path.join(sessionDir, `session-${id}`, 'Default', 'Cookies'),
    ];
    for (const file of [...files('leaving', gone), ...files('leaving-not', stays)]) {
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, 'data\n');
    }

    const res = await open.inject({ method: 'DELETE', url: '/admin/tenants/leaving', headers: adminHeaders });
    expect(res.statusCode).toBe(204);
    for (const file of files('leaving', gone)) expect(existsSync(file), file).toBe(false);
    expect(existsSync(path.join(sessionDir, `session-${gone}`))).toBe(false);
    for (const file of files('leaving-not', stays)) expect(existsSync(file), file).toBe(true);

    const audit = await stack.db.auditLog.findFirstOrThrow({
      where: { action: 'tenant.delete', tenantSlug: 'leaving' },
    });
    expect((audit.details as { removedFiles: string[] }).removedFiles.sort()).toEqual(
      [
        'leaving.log',
        'leaving.log.1',
        'leaving.log.2.gz',
        'pm2/wa-tenant-leaving-error.log',
        'pm2/wa-tenant-leaving-out.log',
        `session-${gone}`,
      ].sort(),
    );
  });
});
