import { appendFileSync, mkdtempSync, renameSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { waitFor } from '@wa-fleet/devstack';
import { followLogFile } from './log-follow.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'wa-log-follow-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function following(name: string) {
  const file = path.join(dir, name);
  writeFileSync(file, 'old line before following\n');
  const seen: string[] = [];
  const follower = followLogFile(file, (line) => seen.push(line));
  // The follower starts at the end: a line written now is the first it reports.
  await waitFor('the follower to be attached', async () => {
    appendFileSync(file, 'probe\n');
    await new Promise((r) => setTimeout(r, 50));
    return seen.includes('probe');
  });
  // A probe appended on a slow attempt may still be on its way: lines arrive in order, so once a last
  // marker is seen every probe before it has been reported and can be forgotten.
  appendFileSync(file, 'attached\n');
  await waitFor('the follower to catch up', () => seen.includes('attached'));
  seen.length = 0;
  return { file, seen, follower };
}

describe('followLogFile', () => {
  it('goes on from the start of a truncated file (copytruncate), and never repeats old lines', async () => {
    const { file, seen, follower } = await following('truncate.log');
    try {
      appendFileSync(file, 'a long line before the truncation, longer than what follows it\n');
      await waitFor('the line before', () =>
        seen.includes('a long line before the truncation, longer than what follows it'),
      );
      truncateSync(file, 0);
      appendFileSync(file, 'after 1\n');
      await waitFor('the line after the truncation', () => seen.includes('after 1'));
      appendFileSync(file, 'after 2\n');
      await waitFor('the next line', () => seen.includes('after 2'));
      expect(seen).toEqual([
        'a long line before the truncation, longer than what follows it',
        'after 1',
        'after 2',
      ]);
    } finally {
      await follower.stop();
    }
  });

  it('drains the renamed file, then reads the new one from its start', async () => {
    const { file, seen, follower } = await following('rename.log');
    try {
      appendFileSync(file, 'last line of the old file\n');
      renameSync(file, `${file}.1`);
      writeFileSync(file, 'first line of the new file\n');
      await waitFor('the new file', () => seen.includes('first line of the new file'));
      expect(seen).toEqual(['last line of the old file', 'first line of the new file']);
    } finally {
      await follower.stop();
    }
  });

  it('waits for a deleted file to come back', async () => {
    const { file, seen, follower } = await following('delete.log');
    try {
      rmSync(file);
      await new Promise((r) => setTimeout(r, 600));
      writeFileSync(file, 'written after the delete\n');
      await waitFor('the recreated file', () => seen.includes('written after the delete'));
      expect(seen).toEqual(['written after the delete']);
    } finally {
      await follower.stop();
    }
  });
});
