import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { InboundSpool, type SpoolRecord } from './inbound-spool.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function spoolDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'wa-spool-'));
  dirs.push(dir);
  return dir;
}

const message = (id: string): SpoolRecord => ({
  kind: 'message',
  waMessageId: id,
  from: '4915550001',
  to: '4915100000000',
  body: 'bad \u0000 byte',
  timestamp: '2026-12-02T12:00:00.000Z',
});

function rejectedIds(spool: InboundSpool): string[] {
  return readFileSync(path.join(spool.dir, 'rejected.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => (JSON.parse(l) as { waMessageId: string }).waMessageId);
}

describe('rejected events', () => {
  it('keeps an event refused twice (live, then by the backfill) once; another event gets its own line', () => {
    const root = spoolDir();
    const spool = new InboundSpool(root, 'tenant-a');
    spool.reject(message('poison-1'), 'invalid byte sequence');
    spool.reject(message('poison-1'), 'invalid byte sequence');
    // Positive control: a different message is kept too.
    spool.reject(message('poison-2'), 'invalid byte sequence');
    expect(rejectedIds(spool)).toEqual(['poison-1', 'poison-2']);
    // A later run of the worker (a new spool object) reads what the file holds before adding to it.
    const next = new InboundSpool(root, 'tenant-a');
    next.reject(message('poison-2'), 'invalid byte sequence');
    next.reject(message('poison-3'), 'invalid byte sequence');
    expect(rejectedIds(next)).toEqual(['poison-1', 'poison-2', 'poison-3']);
  });
});
