import { mkdtempSync, readFileSync, existsSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createServiceLogger, createTenantLogger, flushLogger } from './index.ts';

function readLines(file: string): Record<string, unknown>[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('tenant logger', () => {
  it('keeps two tenants apart in one process', async () => {
    const logDir = mkdtempSync(path.join(os.tmpdir(), 'wa-log-'));
    const acme = await createTenantLogger('acme', { service: 'worker', logDir, stdout: false });
    const beta = await createTenantLogger('beta-shop', { service: 'worker', logDir, stdout: false });
    for (let i = 0; i < 200; i++) {
      acme.info({ i }, 'acme line');
      beta.warn({ i }, 'beta line');
    }
    await Promise.all([flushLogger(acme), flushLogger(beta)]);

    const acmeLines = readLines(path.join(logDir, 'acme.log'));
    const betaLines = readLines(path.join(logDir, 'beta-shop.log'));
    expect(acmeLines).toHaveLength(200);
    expect(betaLines).toHaveLength(200);
    expect(acmeLines.every((l) => l.tenant === 'acme' && l.msg === 'acme line')).toBe(true);
    expect(betaLines.every((l) => l.tenant === 'beta-shop' && l.msg === 'beta line')).toBe(true);
  });

  it('writes one JSON object a line with a distinct, increasing ISO time, a level label and the pid', async () => {
    const logDir = mkdtempSync(path.join(os.tmpdir(), 'wa-log-'));
    const log = await createTenantLogger('acme', {
      service: 'worker',
      logDir,
      stdout: false,
      level: 'debug',
    });
    for (let i = 0; i < 500; i++) log.debug({ i }, 'burst');
    log.error({ err: new Error('boom') }, 'failed');
    await flushLogger(log);

    const lines = readLines(path.join(logDir, 'acme.log'));
    expect(lines).toHaveLength(501);
    const times = lines.map((l) => l.time as string);
    for (const t of times) expect(t).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    for (let i = 1; i < times.length; i++)
      expect(Date.parse(times[i]!)).toBeGreaterThan(Date.parse(times[i - 1]!));
    expect(new Set(times).size).toBe(times.length);
    expect(lines[0]).toMatchObject({ level: 'debug', tenant: 'acme', pid: process.pid, msg: 'burst', i: 0 });
    expect(lines[500]).toMatchObject({ level: 'error', msg: 'failed' });
    expect((lines[500]!.err as { message: string }).message).toBe('boom');
  });

  it.each(['../x', 'a/b', '', 'x'.repeat(100), 'ACME', '-acme', 'acme.', '..', '/etc/passwd', 'аcme'])(
    'refuses the slug %j and creates no file',
    async (slug) => {
      const logDir = mkdtempSync(path.join(os.tmpdir(), 'wa-log-'));
      await expect(createTenantLogger(slug, { service: 'worker', logDir, stdout: false })).rejects.toThrow(
        /invalid tenant slug/,
      );
      expect(readdirSync(logDir)).toEqual([]);
      expect(existsSync(path.join(logDir, '..', 'x.log'))).toBe(false);
    },
  );

  it('never writes redacted fields to the file', async () => {
    const logDir = mkdtempSync(path.join(os.tmpdir(), 'wa-log-'));
    const log = await createTenantLogger('acme', { service: 'worker', logDir, stdout: false });
    log.info(
      {
        password: 'hunter2-secret',
        user: { password: 'pw-inner-secret', email: 'a@b.c' },
        qr: '2@QRPAYLOAD-SECRET',
        session: { WABrowserId: 'SESSION-SECRET' },
        headers: { authorization: 'Bearer KEY-SECRET' },
      },
      'sensitive',
    );
    await flushLogger(log);
    const raw = readFileSync(path.join(logDir, 'acme.log'), 'utf8');
    for (const secret of [
      'hunter2-secret',
      'pw-inner-secret',
      'QRPAYLOAD-SECRET',
      'SESSION-SECRET',
      'KEY-SECRET',
    ]) {
      expect(raw).not.toContain(secret);
    }
    expect(readLines(path.join(logDir, 'acme.log'))[0]).toMatchObject({
      password: '[redacted]',
      user: { password: '[redacted]', email: 'a@b.c' },
      qr: '[redacted]',
    });
  });
});

describe('service logger', () => {
  it('writes the named file and refuses a name that is not a plain .log file', async () => {
    const logDir = mkdtempSync(path.join(os.tmpdir(), 'wa-log-'));
    const log = await createServiceLogger({
      service: 'control-plane',
      logDir,
      fileName: 'control-plane.log',
      stdout: false,
    });
    log.info('hello');
    await flushLogger(log);
    expect(readLines(path.join(logDir, 'control-plane.log'))[0]).toMatchObject({
      service: 'control-plane',
      msg: 'hello',
    });
    await expect(createServiceLogger({ service: 'x', logDir, fileName: '../evil.log' })).rejects.toThrow(
      /invalid log file name/,
    );
  });
});
