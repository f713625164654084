// A durable, ordered, per-tenant spool of inbound events on local disk: what the database could not
// take yet. Segments `<dir>/<tenantId>/<seq>.jsonl`, one JSON record a line, written with fsync (file
// and, for a new segment, its folder) before append() returns. Folder 0700, files 0600: message bodies
// and phone numbers are in here.
import {
  chmodSync,
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  existsSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import path from 'node:path';
import type { MessageMeta, MessageType } from '@wa-fleet/shared';
import type { AckStatus } from './engine/index.ts';

export type SpoolRecord =
  | {
      kind: 'message';
      waMessageId: string;
      from: string;
      to: string;
      body: string;
      /** ISO time of the message on WhatsApp. */
      timestamp: string;
      /** Absent for text (and in records spooled before rich messages existed). */
      type?: MessageType;
      rawType?: string;
      meta?: MessageMeta;
    }
  | { kind: 'ack'; waMessageId: string; status: AckStatus }
  /** The sender edited an inbound message: its new text, and WhatsApp's ISO time of the edit. */
  | { kind: 'edit'; waMessageId: string; body: string; editedAt: string }
  /** The sender deleted an inbound message for everyone (ISO time). */
  | { kind: 'revoke'; waMessageId: string; revokedAt: string };

const SEGMENT = /^(\d{12})\.jsonl$/;

export class InboundSpool {
  readonly dir: string;
  /** Sequence number of the segment appends go to; undefined = start a new one on the next append. */
  private writeSeq: number | undefined;
  /** What rejected.jsonl already holds (read on the first rejection), so an event is kept there once. */
  private rejectedKeys: Set<string> | undefined;

  constructor(rootDir: string, tenantId: string) {
    this.dir = path.join(rootDir, tenantId);
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    chmodSync(this.dir, 0o700); // mkdir's mode is filtered by the umask and skips existing folders
  }

  /** Segment sequence numbers on disk, oldest first. */
  segments(): number[] {
    return readdirSync(this.dir)
      .map((name) => SEGMENT.exec(name)?.[1])
      .filter((n): n is string => n !== undefined)
      .map(Number)
      .sort((a, b) => a - b);
  }

  /** Records waiting on disk (reads every segment: for tests and drills, not the hot path). */
  count(): number {
    return this.segments().reduce((n, seq) => n + this.read(seq).length, 0);
  }

  /** Appends `records` in order; they are on disk (fsync) when this returns. */
  append(records: SpoolRecord[]): void {
    if (records.length === 0) return;
    let isNew = false;
    if (this.writeSeq === undefined) {
      this.writeSeq = (this.segments().at(-1) ?? 0) + 1;
      isNew = true;
    }
    const fd = openSync(this.file(this.writeSeq), 'a', 0o600);
    try {
      writeSync(fd, records.map((r) => `${JSON.stringify(r)}\n`).join(''));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    if (isNew) this.syncDir();
  }

  /**
   * The oldest segment, for replay. If appends were going to it, they move to a new segment from now on,
   * so the replayed file no longer grows and everything appended later stays behind it in order.
   */
  takeOldest(): { seq: number; records: SpoolRecord[] } | undefined {
    const seq = this.segments()[0];
    if (seq === undefined) return undefined;
    if (seq === this.writeSeq) this.writeSeq = undefined;
    return { seq, records: this.read(seq) };
  }

  /**
   * Keeps an event the database refused for what is in it (never for being down) in `rejected.jsonl`
   * beside the segments, with the reason, for a person to look at: not replayed, not lost.
   */
  reject(record: SpoolRecord, reason: string): void {
    // The same event can come twice (live and by the backfill after a connect); one line is enough.
    const file = path.join(this.dir, 'rejected.jsonl');
    this.rejectedKeys ??= new Set(
      (existsSync(file) ? readFileSync(file, 'utf8').split('\n') : []).flatMap((line) => {
        try {
          return line === '' ? [] : [rejectedKey(JSON.parse(line) as SpoolRecord)];
        } catch {
          return [];
        }
      }),
    );
    const key = rejectedKey(record);
    if (this.rejectedKeys.has(key)) return;
    this.rejectedKeys.add(key);
    const fd = openSync(file, 'a', 0o600);
    try {
      writeSync(fd, `${JSON.stringify({ ...record, rejectedAt: new Date().toISOString(), reason })}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }

  /** Deletes a replayed segment (every record in it is in the database). */
  remove(seq: number): void {
    unlinkSync(this.file(seq));
    this.syncDir();
  }

  private read(seq: number): SpoolRecord[] {
    const records: SpoolRecord[] = [];
    for (const line of readFileSync(this.file(seq), 'utf8').split('\n')) {
      if (line === '') continue;
      try {
        records.push(JSON.parse(line) as SpoolRecord);
      } catch {
        // A line torn by a crash in the middle of a write was never fsynced, so never acknowledged.
      }
    }
    return records;
  }

  private file(seq: number): string {
    return path.join(this.dir, `${String(seq).padStart(12, '0')}.jsonl`);
  }

  private syncDir(): void {
    const fd = openSync(this.dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }
}

/** One event, whichever way it came: a message by its id; an edit, deletion or ack by what it says. */
function rejectedKey(record: SpoolRecord): string {
  switch (record.kind) {
    case 'message':
      return `message:${record.waMessageId}`;
    case 'ack':
      return `ack:${record.waMessageId}:${record.status}`;
    case 'edit':
      return `edit:${record.waMessageId}:${record.editedAt}:${record.body}`;
    case 'revoke':
      return `revoke:${record.waMessageId}`;
  }
}
