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

  it('stamps each line with the clock at the event, and orders a burst by a strictly increasing seq', async () => {
    const logDir = mkdtempSync(path.join(os.tmpdir(), 'wa-log-'));
    const log = await createTenantLogger('acme', {
      service: 'worker',
      logDir,
      stdout: false,
      level: 'debug',
    });
    const before = Date.now();
    for (let i = 0; i < 2_000; i++) log.debug({ i }, 'burst');
    log.error({ err: new Error('boom') }, 'failed');
    await flushLogger(log);
    const after = Date.now();

    const lines = readLines(path.join(logDir, 'acme.log'));
    expect(lines).toHaveLength(2_001);
    const times = lines.map((l) => l.time as string);
    for (const t of times) expect(t).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    // Real time: every stamp inside the wall-clock window of the burst, never ahead of the clock, and
    // never going back (the clock does not, within a test).
    for (const t of times) {
      expect(Date.parse(t)).toBeGreaterThanOrEqual(before);
      expect(Date.parse(t)).toBeLessThanOrEqual(after);
    }
    for (let i = 1; i < times.length; i++)
      expect(Date.parse(times[i]!)).toBeGreaterThanOrEqual(Date.parse(times[i - 1]!));
    // 2,000 lines in far less than 2 s: some share a millisecond (the old stamping invented distinct ones).
    if (after - before < 2_000) expect(new Set(times).size).toBeLessThan(times.length);
    const seqs = lines.map((l) => l.seq as number);
    for (let i = 1; i < seqs.length; i++) expect(seqs[i]).toBe(seqs[i - 1]! + 1);
    expect(lines[0]).toMatchObject({ level: 'debug', tenant: 'acme', pid: process.pid, msg: 'burst', i: 0 });
    expect(lines[2_000]).toMatchObject({ level: 'error', msg: 'failed' });
    expect((lines[2_000]!.err as { message: string }).message).toBe('boom');
  });

  it('shares one seq across the loggers of a process', async () => {
    const logDir = mkdtempSync(path.join(os.tmpdir(), 'wa-log-'));
    const a = await createTenantLogger('seq-a', { service: 'worker', logDir, stdout: false });
    const b = await createTenantLogger('seq-b', { service: 'worker', logDir, stdout: false });
    a.info('one');
    b.info('two');
    a.info('three');
    const [one, three] = readLines(path.join(logDir, 'seq-a.log'));
    const [two] = readLines(path.join(logDir, 'seq-b.log'));
    expect((two!.seq as number) - (one!.seq as number)).toBe(1);
    expect((three!.seq as number) - (two!.seq as number)).toBe(1);
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
