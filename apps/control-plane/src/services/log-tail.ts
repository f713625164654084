import { open } from 'node:fs/promises';
import { LOG_LEVELS, type LogLevel } from '@wa-fleet/shared';

/** Read size per step backwards from the end of the file. */
export const CHUNK_BYTES = 64 * 1024;
/** Hard cap per request: a tail costs the same on a 2 MB file and on a 200 GB one. */
export const MAX_TAIL_BYTES = 8 * 1024 * 1024;

export interface LogFilter {
  /** Minimum level (warn keeps warn, error, fatal). */
  level?: LogLevel;
  /** Keep lines whose `time` is at or after this instant. */
  since?: Date;
}

export interface TailResult {
  /** Parsed lines, oldest first. */
  lines: Record<string, unknown>[];
  bytesRead: number;
  fileSize: number;
  /** True when the byte cap stopped the scan before `limit` matching lines were found. */
  isTruncated: boolean;
}

export interface TailOptions {
  /** Stop after reading this many bytes (default MAX_TAIL_BYTES). */
  maxBytes?: number;
  /** Bytes read per step (default CHUNK_BYTES); tests shrink it to put boundaries inside lines. */
  chunkBytes?: number;
}

const LEVEL_RANK = new Map<string, number>(LOG_LEVELS.map((l, i) => [l, i]));

export function matchesFilter(line: Record<string, unknown>, filter: LogFilter): boolean {
  if (filter.level) {
    const rank = typeof line.level === 'string' ? LEVEL_RANK.get(line.level) : undefined;
    if (rank === undefined || rank < (LEVEL_RANK.get(filter.level) ?? 0)) return false;
  }
  if (filter.since) {
    const time = typeof line.time === 'string' ? Date.parse(line.time) : NaN;
    if (Number.isNaN(time) || time < filter.since.getTime()) return false;
  }
  return true;
}

export function parseLogLine(text: string): Record<string, unknown> | undefined {
  if (!text.startsWith('{')) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The last `limit` lines of a log that pass `filter`, read backwards in chunks from the end of
 * `filePath` and, when that file holds fewer, on into the file rotated before it (`<file>.1`), so a tail
 * right after a rotation still shows the lines before it. Lines are time-ordered, so with `since` the
 * scan stops at the first older line. Non-JSON lines are skipped. Reads at most `maxBytes` in all.
 */
export async function tailLogFile(
  filePath: string,
  limit: number,
  filter: LogFilter = {},
  { maxBytes = MAX_TAIL_BYTES, chunkBytes = CHUNK_BYTES }: TailOptions = {},
): Promise<TailResult> {
  // The live file may be missing for a moment (renamed by logrotate, not yet written again).
  const { reachedStart, stoppedAtSince, ...live } = await tailOneFile(filePath, limit, filter, {
    maxBytes,
    chunkBytes,
  }).catch((err: unknown) => {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    return {
      lines: [],
      bytesRead: 0,
      fileSize: 0,
      isTruncated: false,
      reachedStart: true,
      stoppedAtSince: false,
    };
  });
  const budget = maxBytes - live.bytesRead;
  if (live.lines.length >= limit || !reachedStart || stoppedAtSince || budget <= 0) return live;
  let previous: TailResult;
  try {
    previous = await tailOneFile(`${filePath}.1`, limit - live.lines.length, filter, {
      maxBytes: budget,
      chunkBytes,
    });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return live;
    throw err;
  }
  return {
    lines: [...previous.lines, ...live.lines],
    bytesRead: live.bytesRead + previous.bytesRead,
    fileSize: live.fileSize,
    isTruncated: previous.isTruncated,
  };
}

async function tailOneFile(
  filePath: string,
  limit: number,
  filter: LogFilter,
  { maxBytes, chunkBytes }: Required<TailOptions>,
): Promise<TailResult & { reachedStart: boolean; stoppedAtSince: boolean }> {
  const handle = await open(filePath, 'r');
  try {
    const fileSize = (await handle.stat()).size;
    const found: Record<string, unknown>[] = [];
    let position = fileSize;
    let bytesRead = 0;
    // Bytes of a line cut by a chunk boundary, carried into the next (earlier) chunk.
    let carry: Buffer = Buffer.alloc(0);
    let isDone = false;
    while (position > 0 && !isDone && bytesRead < maxBytes) {
      const size = Math.min(chunkBytes, position, maxBytes - bytesRead);
      position -= size;
      const chunk = Buffer.alloc(size);
      await handle.read(chunk, 0, size, position);
      bytesRead += size;
      let data = Buffer.concat([chunk, carry]);
      let end = data.length;
      for (let i = data.length - 1; i >= 0 && !isDone; i--) {
        if (data[i] !== 0x0a) continue;
        isDone = collect(data.subarray(i + 1, end), found, limit, filter);
        end = i;
      }
      carry = data.subarray(0, end);
      data = Buffer.alloc(0);
      if (position === 0 && !isDone) isDone = collect(carry, found, limit, filter);
    }
    return {
      lines: found.reverse(),
      bytesRead,
      fileSize,
      isTruncated: found.length < limit && position > 0 && bytesRead >= maxBytes,
      reachedStart: position === 0,
      stoppedAtSince: isDone && found.length < limit,
    };
  } finally {
    await handle.close();
  }
}

/** Adds one line if it matches; returns true when the scan can stop. */
function collect(raw: Buffer, found: Record<string, unknown>[], limit: number, filter: LogFilter): boolean {
  if (raw.length === 0) return false;
  const line = parseLogLine(raw.toString('utf8').trim());
  if (!line) return false;
  if (filter.since && typeof line.time === 'string' && Date.parse(line.time) < filter.since.getTime())
    return true;
  if (matchesFilter(line, filter)) found.push(line);
  return found.length >= limit;
}
