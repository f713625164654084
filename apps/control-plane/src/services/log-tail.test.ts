import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { matchesFilter, parseLogLine, tailLogFile } from './log-tail.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'wa-log-tail-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let fileCount = 0;
function writeLog(content: string): string {
  const file = path.join(dir, `t${fileCount++}.log`);
  writeFileSync(file, content);
  return file;
}

const T0 = Date.parse('2025-01-01T00:00:00.000Z');
/** `count` worker-like lines one second apart, of varying lengths, with a multi-byte message now and then. */
function makeLines(count: number): Record<string, unknown>[] {
  return Array.from({ length: count }, (_, i) => ({
    time: new Date(T0 + i * 1000).toISOString(),
    level: i % 5 === 0 ? 'warn' : 'info',
    tenant: 'acme',
    msg: i % 3 === 0 ? `grüße ✓ 🎉 ${'x'.repeat(i % 11)}` : `line ${i}`,
    i,
  }));
}
const toJsonLines = (lines: Record<string, unknown>[], eol = '\n') =>
  lines.map((l) => JSON.stringify(l)).join(eol) + eol;

describe('parseLogLine', () => {
  it('parses a JSON object line', () => {
    expect(parseLogLine('{"level":"info","msg":"hi"}')).toEqual({ level: 'info', msg: 'hi' });
  });

  it.each([
    ['plain text', 'worker started'],
    ['a timestamped PM2 stderr line', '2025-01-01T00:00:00.000Z: Error: boom'],
    ['a JSON array', '[1,2,3]'],
    ['a JSON string', '"{not an object}"'],
    ['a line cut in half', '{"level":"info","msg":"hal'],
    ['a brace that is not JSON', '{ oops'],
    ['an empty line', ''],
  ])('returns undefined for %s', (_what, text) => {
    expect(parseLogLine(text)).toBeUndefined();
  });
});

describe('matchesFilter', () => {
  const line = { time: '2025-01-01T00:00:10.000Z', level: 'warn', msg: 'x' };

  it('keeps everything without a filter, even a line without level or time', () => {
    expect(matchesFilter(line, {})).toBe(true);
    expect(matchesFilter({ msg: 'bare' }, {})).toBe(true);
  });

  it('keeps the chosen level and the ones above it', () => {
    expect(matchesFilter(line, { level: 'info' })).toBe(true);
    expect(matchesFilter(line, { level: 'warn' })).toBe(true);
    expect(matchesFilter(line, { level: 'error' })).toBe(false);
    expect(matchesFilter({ ...line, level: 'fatal' }, { level: 'error' })).toBe(true);
  });

  it('drops lines whose level it cannot rank when filtering by level', () => {
    expect(matchesFilter({ ...line, level: 'loud' }, { level: 'trace' })).toBe(false);
    expect(matchesFilter({ ...line, level: 50 }, { level: 'trace' })).toBe(false);
    expect(matchesFilter({ msg: 'no level' }, { level: 'trace' })).toBe(false);
  });

  it('keeps lines at or after `since`, and drops lines without a readable time', () => {
    expect(matchesFilter(line, { since: new Date('2025-01-01T00:00:10.000Z') })).toBe(true);
    expect(matchesFilter(line, { since: new Date('2025-01-01T00:00:10.001Z') })).toBe(false);
    expect(matchesFilter({ ...line, time: 'yesterday' }, { since: new Date(0) })).toBe(false);
    expect(matchesFilter({ msg: 'no time' }, { since: new Date(0) })).toBe(false);
  });

  it('applies level and since together', () => {
    const filter = { level: 'warn' as const, since: new Date('2025-01-01T00:00:05.000Z') };
    expect(matchesFilter(line, filter)).toBe(true);
    expect(matchesFilter({ ...line, level: 'info' }, filter)).toBe(false);
    expect(matchesFilter({ ...line, time: '2025-01-01T00:00:01.000Z' }, filter)).toBe(false);
  });
});

describe('tailLogFile', () => {
  it('returns the last lines, oldest first, intact whatever chunk size cuts through them', async () => {
    const lines = makeLines(40);
    const file = writeLog(toJsonLines(lines));
    // Chunk sizes smaller than a line, around a line, and odd ones that split multi-byte characters.
    for (const chunkBytes of [1, 2, 3, 7, 13, 50, 64, 97, 128, 1000, 64 * 1024]) {
      const result = await tailLogFile(file, 12, {}, { chunkBytes });
      expect(result.lines, `chunkBytes ${chunkBytes}`).toEqual(lines.slice(-12));
      expect(result.isTruncated).toBe(false);
    }
  });

  it('reads the whole file when asked for more lines than it has', async () => {
    const lines = makeLines(9);
    const file = writeLog(toJsonLines(lines));
    const result = await tailLogFile(file, 100, {}, { chunkBytes: 16 });
    expect(result.lines).toEqual(lines);
    expect(result.bytesRead).toBe(result.fileSize);
    expect(result.isTruncated).toBe(false);
  });

  it('keeps the last line when the file does not end with a newline', async () => {
    const lines = makeLines(5);
    const file = writeLog(toJsonLines(lines).trimEnd());
    expect((await tailLogFile(file, 2, {}, { chunkBytes: 10 })).lines).toEqual(lines.slice(-2));
  });

  it('reads CRLF files without carrying the carriage return into the values', async () => {
    const lines = makeLines(10);
    const file = writeLog(toJsonLines(lines, '\r\n'));
    for (const chunkBytes of [1, 5, 64, 4096]) {
      expect((await tailLogFile(file, 4, {}, { chunkBytes })).lines).toEqual(lines.slice(-4));
    }
  });

  it('skips non-JSON and blank lines without counting them towards the limit', async () => {
    const lines = makeLines(6);
    const content = [
      JSON.stringify(lines[0]),
      JSON.stringify(lines[1]),
      'Error: connect ECONNREFUSED 127.0.0.1:5432',
      '    at TCPConnectWrap.afterConnect [as oncomplete] (node:net:1607:16)',
      JSON.stringify(lines[2]),
      '',
      JSON.stringify(lines[3]),
      '[1,2]',
      JSON.stringify(lines[4]),
      '   ',
      JSON.stringify(lines[5]),
      'trailing garbage without newline',
    ].join('\n');
    const file = writeLog(content);
    expect((await tailLogFile(file, 4, {}, { chunkBytes: 9 })).lines).toEqual(lines.slice(2));
    expect((await tailLogFile(file, 50)).lines).toEqual(lines);
  });

  it('returns the last matching lines for a level filter', async () => {
    const lines = makeLines(40);
    const file = writeLog(toJsonLines(lines));
    const result = await tailLogFile(file, 3, { level: 'warn' }, { chunkBytes: 33 });
    expect(result.lines.map((l) => l.i)).toEqual([25, 30, 35]);
  });

  it('stops reading at the first line older than `since` instead of scanning the whole file', async () => {
    const lines = makeLines(200);
    const file = writeLog(toJsonLines(lines));
    const since = new Date(T0 + 190 * 1000);
    const result = await tailLogFile(file, 1000, { since }, { chunkBytes: 64 });
    expect(result.lines.map((l) => l.i)).toEqual([190, 191, 192, 193, 194, 195, 196, 197, 198, 199]);
    // Eleven lines' worth plus one chunk, not the 200 lines a full scan would read.
    expect(result.bytesRead).toBeLessThan(result.fileSize / 4);
    expect(result.isTruncated).toBe(false);
  });

  it('caps the bytes read, returning only whole lines and saying it stopped early', async () => {
    const lines = makeLines(100);
    const file = writeLog(toJsonLines(lines));
    const result = await tailLogFile(file, 1000, {}, { maxBytes: 500, chunkBytes: 64 });
    expect(result.bytesRead).toBeLessThanOrEqual(500);
    expect(result.isTruncated).toBe(true);
    expect(result.lines.length).toBeGreaterThan(0);
    // Whatever the cap cut, what comes back is a run of complete lines ending with the newest.
    expect(result.lines).toEqual(lines.slice(-result.lines.length));
  });

  it('answers an empty file with no lines', async () => {
    const result = await tailLogFile(writeLog(''), 10);
    expect(result).toEqual({ lines: [], bytesRead: 0, fileSize: 0, isTruncated: false });
  });

  describe('across a rotation', () => {
    function rotated(lines: Record<string, unknown>[], split: number): string {
      const file = writeLog(toJsonLines(lines.slice(split)));
      writeFileSync(`${file}.1`, toJsonLines(lines.slice(0, split)));
      return file;
    }

    it('spans <file> and <file>.1 when the live file holds fewer lines than asked for', async () => {
      const lines = makeLines(50);
      const file = rotated(lines, 45);
      const result = await tailLogFile(file, 10, {}, { chunkBytes: 40 });
      expect(result.lines.map((l) => l.i)).toEqual([40, 41, 42, 43, 44, 45, 46, 47, 48, 49]);
    });

    it('reads only the live file when it holds enough (positive control)', async () => {
      const lines = makeLines(50);
      const file = rotated(lines, 20);
      const result = await tailLogFile(file, 10);
      expect(result.lines.map((l) => l.i)).toEqual([40, 41, 42, 43, 44, 45, 46, 47, 48, 49]);
      expect(result.bytesRead).toBe(result.fileSize);
    });

    it('applies the level filter and `since` across both files, and the byte cap to both together', async () => {
      const lines = makeLines(50);
      const file = rotated(lines, 45);
      const warn = await tailLogFile(file, 3, { level: 'warn' });
      expect(warn.lines.map((l) => l.i)).toEqual([35, 40, 45]);
      const since = await tailLogFile(file, 1000, { since: new Date(T0 + 42 * 1000) });
      expect(since.lines.map((l) => l.i)).toEqual([42, 43, 44, 45, 46, 47, 48, 49]);
      const capped = await tailLogFile(file, 1000, {}, { maxBytes: 600, chunkBytes: 64 });
      expect(capped.bytesRead).toBeLessThanOrEqual(600);
      expect(capped.isTruncated).toBe(true);
      expect(capped.lines).toEqual(lines.slice(-capped.lines.length));
    });

    it('answers from the live file alone when there is no <file>.1', async () => {
      const file = writeLog(toJsonLines(makeLines(3)));
      expect((await tailLogFile(file, 10)).lines.map((l) => l.i)).toEqual([0, 1, 2]);
    });
  });
});
