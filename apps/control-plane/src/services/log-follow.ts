import { open, stat, type FileHandle } from 'node:fs/promises';
import { startLoop, type Loop } from '@wa-fleet/shared';

const POLL_MS = 250;
const MAX_READ_BYTES = 1024 * 1024;

export interface LogFollower {
  stop(): Promise<void>;
}

/**
 * Follows a file like `tail -F`: starts at its current end, emits each complete new line, and survives
 * rotation (the path now names another inode: the old file is drained, then the new one is read from
 * its start) and truncation (size below our position: read again from 0). Polls with stat, which,
 * unlike fs.watch, behaves the same on every filesystem.
 */
export function followLogFile(filePath: string, onLine: (line: string) => void): LogFollower {
  let handle: FileHandle | undefined;
  let inode = -1;
  let position = 0;
  let partial = '';
  let loop: Loop | undefined;
  let isStopped = false;

  const drain = async (): Promise<void> => {
    if (!handle) return;
    for (;;) {
      const buffer = Buffer.alloc(MAX_READ_BYTES);
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
      if (bytesRead === 0) return;
      position += bytesRead;
      const text = partial + buffer.subarray(0, bytesRead).toString('utf8');
      const parts = text.split('\n');
      partial = parts.pop() ?? '';
      for (const part of parts) if (part.length > 0) onLine(part);
    }
  };

  const reopen = async (fromStart: boolean): Promise<void> => {
    await handle?.close().catch(() => undefined);
    handle = undefined;
    try {
      handle = await open(filePath, 'r');
      const info = await handle.stat();
      inode = info.ino;
      position = fromStart ? 0 : info.size;
      partial = '';
    } catch {
      inode = -1; // not there yet (mid-rotation): try again next tick
    }
  };

  const tick = async (): Promise<void> => {
    let current: { ino: number; size: number } | undefined;
    try {
      current = await stat(filePath);
    } catch {
      current = undefined;
    }
    if (handle && (!current || current.ino !== inode)) {
      await drain(); // lines written to the old file just before the rename
      if (current) await reopen(true);
    } else if (!handle && current) {
      await reopen(true);
    } else if (current && current.size < position) {
      position = 0;
      partial = '';
    }
    await drain();
  };

  const opened = reopen(false).then(() => {
    if (!isStopped) loop = startLoop(tick, { intervalMs: POLL_MS, runNow: false });
  });

  return {
    async stop() {
      isStopped = true;
      await opened;
      await loop?.stop();
      await handle?.close().catch(() => undefined);
    },
  };
}
