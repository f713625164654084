import { closeSync, fstatSync, openSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';

export interface RotationOptions {
  /** Rotate before a write would take the file past this size; 0 = never rotate by size. */
  maxSizeBytes: number;
  /** Rotated files kept beside the live one (`<file>.1` newest … `<file>.<n>` oldest). */
  maxFiles: number;
  /** Check that the path still names our file (logrotate, `rm`) at least every this many writes… */
  checkEveryWrites?: number;
  /** …or when this long has passed since the last check, whichever comes first. */
  checkIntervalMs?: number;
}

/**
 * A synchronous append-only log file that rotates itself by size and notices when someone else renamed
 * or deleted it: a line is on disk when write() returns, the file never grows past the limit, and after
 * an outside `mv` or `rm` the next check opens a new file at the path, so `tail -F` and the
 * admin API keep seeing lines. The check is one stat(2) per N writes or per interval, not per line,
 * plus one per interval from a timer, so a quiet worker also recreates its file within about a second
 * (on-call's `tail -F` picks it up before the next line is written).
 * Only one process writes a given file (one worker per tenant), so renames cannot race another writer.
 */
export class RotatingFile {
  private fd: number;
  private inode: number;
  private size: number;
  private writesSinceCheck = 0;
  private lastCheckAt = Date.now();
  private readonly checkEveryWrites: number;
  private readonly checkIntervalMs: number;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly path: string,
    private readonly opts: RotationOptions,
  ) {
    this.checkEveryWrites = opts.checkEveryWrites ?? 100;
    this.checkIntervalMs = opts.checkIntervalMs ?? 1_000;
    this.fd = -1;
    this.inode = -1;
    this.size = 0;
    this.open();
    // Never keeps the process alive; a failed check (a directory removed) waits for the next write.
    this.timer = setInterval(() => {
      if (this.fd < 0 || Date.now() - this.lastCheckAt < this.checkIntervalMs) return;
      try {
        this.check();
      } catch {
        /* the next write retries the open and reports its own error */
      }
    }, this.checkIntervalMs);
    this.timer.unref();
  }

  private check(): void {
    this.writesSinceCheck = 0;
    this.lastCheckAt = Date.now();
    if (this.isMovedAway()) this.reopen();
  }

  private open(): void {
    this.fd = openSync(this.path, 'a', 0o640);
    const info = fstatSync(this.fd);
    this.inode = info.ino;
    this.size = info.size;
  }

  private reopen(): void {
    closeSync(this.fd);
    this.open();
  }

  /** True when the path no longer names the file we hold open. */
  private isMovedAway(): boolean {
    try {
      return statSync(this.path).ino !== this.inode;
    } catch {
      return true;
    }
  }

  private rotate(): void {
    closeSync(this.fd);
    const keep = Math.max(0, this.opts.maxFiles);
    if (keep === 0) {
      rmSync(this.path, { force: true });
    } else {
      rmSync(`${this.path}.${keep}`, { force: true });
      for (let n = keep - 1; n >= 1; n--) {
        try {
          renameSync(`${this.path}.${n}`, `${this.path}.${n + 1}`);
        } catch {
          /* a gap in the series (never rotated that far yet) */
        }
      }
      renameSync(this.path, `${this.path}.1`);
    }
    this.open();
  }

  write(line: string): boolean {
    if (
      ++this.writesSinceCheck >= this.checkEveryWrites ||
      Date.now() - this.lastCheckAt >= this.checkIntervalMs
    ) {
      this.check();
    }
    const bytes = Buffer.byteLength(line);
    if (this.opts.maxSizeBytes > 0 && this.size > 0 && this.size + bytes > this.opts.maxSizeBytes) {
      this.rotate();
    }
    writeSync(this.fd, line);
    this.size += bytes;
    return true;
  }

  /** Nothing is buffered: each write is already in the file. */
  flush(cb?: (err?: Error) => void): void {
    cb?.();
  }

  flushSync(): void {}

  end(): void {
    clearInterval(this.timer);
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}
