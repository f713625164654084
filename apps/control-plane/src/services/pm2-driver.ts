import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { ProcessState } from '@wa-fleet/shared';
import type { ProcessDriver, WorkerProcessInfo, WorkerProcessSpec } from './process-driver.ts';

// The PM2 implementation of the process driver: the ONLY module that loads `pm2` (lint enforces it).
// PM2's programmatic API is callback-based CommonJS with a process-wide default instance. We always build
// our own instance (`pm2.custom`) so PM2_HOME comes from config and tests can run a daemon of their own.
//
// Environment, because PM2 7 is generous with it:
// - the client merges ITS OWN process.env (the control plane's: ADMIN_API_KEY, ...) under the app's env
//   unless `filter_env` is a non-empty array (`true` filters nothing). The array drops every key that
//   contains one of its strings, so [''] drops every inherited key and leaves exactly the spec's env;
// - the daemon is spawned with the environment of whoever connects first. We spawn it ourselves with a
//   minimal one (PM2_HOME, PATH, HOME), so the daemon, the parent of every worker, holds no secret either.

const require = createRequire(import.meta.url);
const PM2_DAEMON = path.join(path.dirname(require.resolve('pm2/package.json')), 'lib', 'Daemon.js');
const DAEMON_START_TIMEOUT_MS = 30_000;
/**
 * How often a call in flight checks that the daemon it waits for still exists. PM2's client queues a
 * call to a dead daemon and reconnects forever, so without this a call (and whoever awaits it: the
 * reconciler, a shutdown) would never end.
 */
const DAEMON_WATCH_MS = 250;

/** The PM2 daemon a call was waiting for is gone (killed or crashed); the call's outcome is unknown. */
export class Pm2DaemonGoneError extends Error {
  constructor(pid: number | undefined, what: string) {
    super(`${what}: the PM2 daemon${pid ? ` (pid ${pid})` : ''} is gone`);
    this.name = 'Pm2DaemonGoneError';
  }
}

type Callback<T> = (err: Error | null, value: T) => void;

interface RawProcess {
  name?: string;
  pid?: number;
  monit?: { memory?: number; cpu?: number };
  pm2_env?: { status?: string; pm_uptime?: number; restart_time?: number };
}

interface RawPm2 {
  connect(cb: Callback<unknown>): void;
  disconnect(cb?: () => void): void;
  start(options: object, cb: Callback<unknown>): void;
  stop(name: string, cb: Callback<unknown>): void;
  delete(name: string, cb: Callback<unknown>): void;
  list(cb: Callback<RawProcess[]>): void;
  sendSignalToProcessName(signal: string, name: string, cb: Callback<unknown>): void;
  killDaemon(cb: Callback<unknown>): void;
}

interface Pm2Module {
  custom: new (opts: { pm2_home: string; daemon_mode?: boolean }) => RawPm2;
}

/** PM2's status words, translated; anything unknown (errored, waiting restart) is a crash. */
export function toProcessState(pm2Status: string | undefined): ProcessState {
  switch (pm2Status) {
    case 'online':
      return 'running';
    case 'launching':
    case 'one-launch-status':
      return 'starting';
    case 'stopping':
      return 'stopping';
    case 'stopped':
      return 'stopped';
    default:
      return 'crashed';
  }
}

function toInfo(raw: RawProcess): WorkerProcessInfo {
  const env = raw.pm2_env ?? {};
  const state = toProcessState(env.status);
  return {
    name: raw.name ?? '',
    pid: raw.pid && raw.pid > 0 ? raw.pid : null,
    state,
    memoryBytes: raw.monit?.memory ?? 0,
    cpuPercent: raw.monit?.cpu ?? 0,
    uptimeMs: state === 'running' && env.pm_uptime ? Math.max(0, Date.now() - env.pm_uptime) : null,
    restarts: env.restart_time ?? 0,
  };
}

function readPid(file: string): number | undefined {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Closes the RPC and event sockets of a PM2 client (its `Client.client_sock` / `sub_sock`, axon sockets:
 * close() also ends their reconnecting). Only for a connection being thrown away.
 */
function closeSockets(raw: RawPm2): void {
  const client = (raw as unknown as { Client?: Record<string, { close?: () => void } | undefined> }).Client;
  for (const key of ['client_sock', 'sub_sock']) {
    try {
      client?.[key]?.close?.();
    } catch {
      /* already closed */
    }
  }
}

/** True for PM2's "no such process" answers, which stop/delete/kill treat as already done. */
function isUnknownProcess(err: unknown): boolean {
  const message = err instanceof Error ? err.message : String(err);
  return /not found|process or namespace/i.test(message);
}

/** The PM2 options of a spec. Exported for the env test; nothing else needs PM2's shape. */
export function toPm2Options(spec: WorkerProcessSpec): object {
  return {
    name: spec.name,
    script: spec.script,
    args: spec.args,
    cwd: spec.cwd,
    interpreter: 'node',
    node_args: spec.interpreterArgs,
    filter_env: [''],
    env: spec.env,
    kill_timeout: spec.killTimeoutMs,
    max_memory_restart: `${spec.maxMemoryMb}M`,
    exp_backoff_restart_delay: spec.restartBackoffMs,
    autorestart: true,
    out_file: spec.logFiles.out,
    error_file: spec.logFiles.err,
    merge_logs: true,
    // A date format alone timestamps every stdout/stderr line. `time: true` must NOT be set: PM2 7
    // then replaces the format with one without milliseconds (lib/Common.js).
    log_date_format: 'YYYY-MM-DDTHH:mm:ss.SSSZ',
    // PM2's wrapper in each worker (ProcessContainerFork) would otherwise load PM2's metrics agent
    // (pm2-io) and turn on source maps, which makes Node read and keep the bundle's 8 MB source map:
    // together ~10 MB per worker and CPU at every start (docs/BENCHMARKS.md). Neither is used here.
    pmx: false,
    automation: false,
    disable_source_map_support: true,
  };
}

export interface Pm2DriverOptions {
  home: string;
  /** PATH and HOME for the daemon (it needs nothing else). */
  daemonEnv: { PATH?: string; HOME?: string };
}

export class Pm2Driver implements ProcessDriver {
  private readonly home: string;
  private readonly daemonEnv: Record<string, string>;
  private raw: RawPm2 | undefined;
  private connecting: Promise<RawPm2> | undefined;
  /** The daemon the current connection talks to (from PM2_HOME/pm2.pid once it answered). */
  private daemonPid: number | undefined;
  /** Calls in flight, each with a way to end it when the connection is dropped. */
  private readonly inFlight = new Set<(err: Error) => void>();

  constructor(opts: Pm2DriverOptions) {
    this.home = opts.home;
    this.daemonEnv = { PM2_HOME: opts.home };
    if (opts.daemonEnv.PATH) this.daemonEnv.PATH = opts.daemonEnv.PATH;
    if (opts.daemonEnv.HOME) this.daemonEnv.HOME = opts.daemonEnv.HOME;
  }

  get pm2Home(): string {
    return this.home;
  }

  /**
   * Starts the daemon when none runs under this home, the way PM2's own client does (lib/Client.js
   * launchDaemon: `node lib/Daemon.js`, detached, answering on IPC once it listens) but with the minimal
   * environment. When two control planes race, the loser's daemon exits and connect() finds the winner.
   */
  private async ensureDaemon(): Promise<void> {
    if (isAlive(readPid(path.join(this.home, 'pm2.pid')))) return;
    const logFd = openSync(path.join(this.home, 'pm2.log'), 'a');
    try {
      const child = spawn(process.execPath, [PM2_DAEMON], {
        detached: true,
        cwd: this.home,
        env: { ...this.daemonEnv, SILENT: 'true' },
        stdio: ['ignore', logFd, logFd, 'ipc'],
      });
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`PM2 daemon did not start under ${this.home}`)),
          DAEMON_START_TIMEOUT_MS,
        );
        const done = () => {
          clearTimeout(timer);
          resolve();
        };
        child.once('error', (err) => {
          clearTimeout(timer);
          reject(err);
        });
        child.once('message', done);
        child.once('exit', done);
      });
      if (child.connected) child.disconnect();
      child.unref();
    } finally {
      closeSync(logFd);
    }
  }

  /** Connects on first use (spawning the daemon under PM2_HOME if none runs), so idle apps cost nothing. */
  private connect(): Promise<RawPm2> {
    this.connecting ??= (async () => {
      mkdirSync(this.home, { recursive: true });
      await this.ensureDaemon();
      const pm2 = require('pm2') as Pm2Module;
      const instance = new pm2.custom({ pm2_home: this.home, daemon_mode: true });
      await new Promise<void>((resolve, reject) => {
        instance.connect((err) => (err ? reject(err) : resolve()));
      });
      this.raw = instance;
      this.daemonPid = readPid(path.join(this.home, 'pm2.pid'));
      return instance;
    })().catch((err: unknown) => {
      this.connecting = undefined;
      throw err;
    });
    return this.connecting;
  }

  /**
   * One PM2 call. It fails with Pm2DaemonGoneError as soon as the daemon's process is gone, and with an
   * error when disconnect() drops the connection meanwhile; the next call connects again (spawning a
   * new daemon when none runs).
   */
  private async call<T>(fn: (pm2: RawPm2, cb: Callback<T>) => void, what = 'PM2 call'): Promise<T> {
    const pm2 = await this.connect();
    const pid = this.daemonPid;
    return new Promise<T>((resolve, reject) => {
      const watch = setInterval(() => {
        if (isAlive(pid)) return;
        end(new Pm2DaemonGoneError(pid, what));
        this.dropConnection(pm2);
      }, DAEMON_WATCH_MS);
      const end = (err: Error | null, value?: T) => {
        if (!this.inFlight.delete(end)) return;
        clearInterval(watch);
        if (err) reject(err);
        else resolve(value as T);
      };
      this.inFlight.add(end);
      fn(pm2, (err, value) => end(err ? (err instanceof Error ? err : new Error(String(err))) : null, value));
    });
  }

  /** Forgets a connection whose daemon died, closing its sockets (PM2 would reconnect forever). */
  private dropConnection(raw: RawPm2): void {
    if (this.raw !== raw) return;
    this.raw = undefined;
    this.connecting = undefined;
    this.daemonPid = undefined;
    closeSockets(raw);
  }

  async list(): Promise<WorkerProcessInfo[]> {
    const raw = await this.call<RawProcess[]>((pm2, cb) => pm2.list(cb), 'listing processes');
    return raw.map(toInfo);
  }

  async find(name: string): Promise<WorkerProcessInfo | undefined> {
    return (await this.list()).find((p) => p.name === name);
  }

  async start(spec: WorkerProcessSpec): Promise<void> {
    await this.call((pm2, cb) => pm2.start(toPm2Options(spec), cb), `starting ${spec.name}`);
  }

  async stop(name: string): Promise<void> {
    await this.ignoreUnknown(this.call((pm2, cb) => pm2.stop(name, cb), `stopping ${name}`));
  }

  /** PM2 sends SIGINT, waits kill_timeout, then SIGKILLs; resolves once the process is gone. */
  async delete(name: string): Promise<void> {
    await this.ignoreUnknown(this.call((pm2, cb) => pm2.delete(name, cb), `deleting ${name}`));
  }

  /**
   * SIGKILL first (a SIGSTOPped process would sit out the whole kill_timeout), then delete, which also
   * cancels the crash restart PM2 schedules for the killed process.
   */
  async kill(name: string): Promise<void> {
    await this.ignoreUnknown(
      this.call((pm2, cb) => pm2.sendSignalToProcessName('SIGKILL', name, cb), `killing ${name}`),
    );
    await this.delete(name);
  }

  private async ignoreUnknown(action: Promise<unknown>): Promise<void> {
    try {
      await action;
    } catch (err) {
      if (!isUnknownProcess(err)) throw err;
    }
  }

  /** Leaves the daemon (and every worker) running: a control plane restart must not touch workers. */
  async disconnect(): Promise<void> {
    const raw = this.raw;
    const pid = this.daemonPid;
    this.raw = undefined;
    this.connecting = undefined;
    this.daemonPid = undefined;
    for (const end of [...this.inFlight]) end(new Error('PM2 connection closed while a call was in flight'));
    if (!raw) return;
    if (!isAlive(pid)) {
      // Nothing to say goodbye to: PM2's own disconnect would leave its sockets reconnecting.
      closeSockets(raw);
      return;
    }
    await new Promise<void>((resolve) => raw.disconnect(() => resolve()));
  }

  /** Kills the daemon and all its apps (tests and maintenance only); never spawns one just to kill it. */
  async killDaemon(): Promise<void> {
    if (!this.raw && !existsSync(path.join(this.home, 'pm2.pid'))) return;
    await this.call((pm2, cb) => pm2.killDaemon(cb)).catch(() => undefined);
    await this.disconnect();
  }
}
