import { mkdirSync } from 'node:fs';
import path from 'node:path';
import pino, { type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import { assertValidSlug, type LogLevel } from '@wa-fleet/shared';
import { REDACT_PATHS } from './redact.ts';
import { RotatingFile } from './rotating-file.ts';

export type { Logger } from 'pino';

/** A logger whose every line names its tenant: the type makes a tenant-less worker logger impossible. */
export type TenantLogger = Logger & { readonly tenantSlug: string };

export interface BaseLoggerOptions {
  /** Service name written as `service` on every line (worker, control-plane, ...). */
  service: string;
  level?: LogLevel;
  /** Where log files go; required for a file destination. */
  logDir?: string;
  /** Also mirror lines to stdout (pretty when stdout is a TTY, JSON otherwise). Default true. */
  stdout?: boolean;
  /** Rotate the log file before it grows past this many bytes (0 = never). Default 50 MiB. */
  maxSizeBytes?: number;
  /** Rotated files kept (`<file>.1` … `<file>.<n>`). Default 5. */
  maxFiles?: number;
}

export const DEFAULT_MAX_SIZE_BYTES = 50 * 1024 * 1024;
export const DEFAULT_MAX_FILES = 5;

let seq = 0;

/**
 * `time` is the clock when the line is logged (ISO-8601 UTC, milliseconds), never adjusted: lines of a
 * burst share a millisecond. Their order within a process is `seq`, a counter every logger of the process
 * shares, strictly increasing from 1 at start (it restarts with the process; `pid` tells processes apart).
 */
function timestamp(): string {
  return `,"time":"${new Date().toISOString()}","seq":${++seq}`;
}

function baseOptions(opts: BaseLoggerOptions, extraBase: Record<string, unknown>): LoggerOptions {
  return {
    level: opts.level ?? 'info',
    timestamp,
    base: { pid: process.pid, service: opts.service, ...extraBase },
    formatters: { level: (label) => ({ level: label }) },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    messageKey: 'msg',
    errorKey: 'err',
  };
}

function stdoutStream(): DestinationStream {
  if (process.stdout.isTTY) {
    // pino-pretty as a synchronous stream: no worker thread, ordered with the file output.
    return pinoPrettyStream();
  }
  return pino.destination({ dest: 1, sync: false });
}

let prettyFactory: ((opts: object) => DestinationStream) | undefined;
function pinoPrettyStream(): DestinationStream {
  if (!prettyFactory) throw new Error('pino-pretty not loaded');
  return prettyFactory({ colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,service' });
}

/** Loads pino-pretty once; called by the factories before building a TTY stream. */
async function ensurePretty(): Promise<void> {
  if (prettyFactory || !process.stdout.isTTY) return;
  const mod = (await import('pino-pretty')) as unknown as { default: (opts: object) => DestinationStream };
  prettyFactory = mod.default;
}

function fileStream(opts: BaseLoggerOptions & { logDir: string }, fileName: string): DestinationStream {
  mkdirSync(opts.logDir, { recursive: true });
  // Synchronous appends: a line is on disk when the log call returns, so a crash or `kill -9` never
  // loses the lines that explain it. Worker log volume is modest; see docs/BENCHMARKS.md for the cost.
  return new RotatingFile(path.join(opts.logDir, fileName), {
    maxSizeBytes: opts.maxSizeBytes ?? DEFAULT_MAX_SIZE_BYTES,
    maxFiles: opts.maxFiles ?? DEFAULT_MAX_FILES,
  });
}

function build(
  opts: BaseLoggerOptions,
  fileName: string | undefined,
  extraBase: Record<string, unknown>,
): Logger {
  const streams: pino.StreamEntry[] = [];
  const level = opts.level ?? 'info';
  if (fileName) {
    if (!opts.logDir) throw new Error('logDir is required to write a log file');
    streams.push({ level, stream: fileStream({ ...opts, logDir: opts.logDir }, fileName) });
  }
  if (opts.stdout !== false) streams.push({ level, stream: stdoutStream() });
  const options = baseOptions(opts, extraBase);
  if (streams.length === 0) return pino({ ...options, enabled: false });
  return pino(options, pino.multistream(streams, { dedupe: false }));
}

/**
 * The logger of a tenant's worker: every line carries `tenant` and goes to `<logDir>/<slug>.log`
 * (and stdout). The slug is validated first, so no value can make the path escape logDir.
 */
export async function createTenantLogger(
  slug: string,
  opts: BaseLoggerOptions & { logDir: string },
): Promise<TenantLogger> {
  assertValidSlug(slug);
  await ensurePretty();
  const logger = build(opts, `${slug}.log`, { tenant: slug });
  return Object.assign(logger, { tenantSlug: slug });
}

/**
 * A service logger (control plane, CLI). With `fileName` it also appends to `<logDir>/<fileName>`.
 */
export async function createServiceLogger(opts: BaseLoggerOptions & { fileName?: string }): Promise<Logger> {
  await ensurePretty();
  if (opts.fileName !== undefined && !/^[a-z0-9][a-z0-9.-]*\.log$/.test(opts.fileName)) {
    throw new Error(`invalid log file name ${JSON.stringify(opts.fileName)}`);
  }
  return build(opts, opts.fileName, {});
}

/** Flushes buffered lines (the async stdout stream) before the process exits. */
export function flushLogger(logger: Logger): Promise<void> {
  return new Promise((resolve) => {
    try {
      logger.flush((err) => {
        if (err) console.error('log flush failed', err);
        resolve();
      });
    } catch {
      resolve();
    }
  });
}
