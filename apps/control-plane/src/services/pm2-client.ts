import { createRequire } from 'node:module';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';

// PM2's programmatic API is callback-based CommonJS with a process-wide default instance. We always
// build our own instance (`pm2.custom`) so PM2_HOME comes from config, not from whatever env the process
// was started with, and tests can run a daemon under a temporary home.

const require = createRequire(import.meta.url);

type Callback<T> = (err: Error | null, value: T) => void;

interface RawProcess {
  name?: string;
  pid?: number;
  pm_id?: number;
  monit?: { memory?: number; cpu?: number };
  pm2_env?: {
    status?: string;
    pm_uptime?: number;
    restart_time?: number;
    env?: Record<string, string | undefined>;
    TENANT_ID?: string;
  };
}

interface RawPm2 {
  connect(cb: Callback<unknown>): void;
  connect(noDaemon: boolean, cb: Callback<unknown>): void;
  disconnect(cb?: () => void): void;
  start(options: object, cb: Callback<unknown>): void;
  stop(name: string, cb: Callback<unknown>): void;
  delete(name: string, cb: Callback<unknown>): void;
  list(cb: Callback<RawProcess[]>): void;
  killDaemon(cb: Callback<unknown>): void;
}

interface Pm2Module {
  custom: new (opts: { pm2_home: string; daemon_mode?: boolean }) => RawPm2;
}

export interface Pm2Process {
  name: string;
  pid: number | null;
  /** PM2's own view: online, stopping, stopped, launching, errored, one-launch-status. */
  status: string;
  memoryBytes: number;
  cpuPercent: number;
  uptimeMs: number | null;
  restarts: number;
  tenantId: string | null;
}

export interface WorkerAppOptions {
  name: string;
  script: string;
  cwd: string;
  nodeArgs: string[];
  env: Record<string, string>;
  outFile: string;
  errorFile: string;
  listenTimeoutMs: number;
  killTimeoutMs: number;
  maxMemoryMb: number;
  restartBackoffMs: number;
}

function toProcess(raw: RawProcess): Pm2Process {
  const env = raw.pm2_env ?? {};
  const isOnline = env.status === 'online';
  return {
    name: raw.name ?? '',
    pid: raw.pid && raw.pid > 0 ? raw.pid : null,
    status: env.status ?? 'unknown',
    memoryBytes: raw.monit?.memory ?? 0,
    cpuPercent: raw.monit?.cpu ?? 0,
    uptimeMs: isOnline && env.pm_uptime ? Math.max(0, Date.now() - env.pm_uptime) : null,
    restarts: env.restart_time ?? 0,
    tenantId: env.env?.TENANT_ID ?? env.TENANT_ID ?? null,
  };
}

/** True for PM2's "no such process" answers, which stop/delete treat as already done. */
function isUnknownProcess(err: unknown): boolean {
  const message = err instanceof Error ? err.message : String(err);
  return /not found|process or namespace/i.test(message);
}

export class Pm2Client {
  private readonly home: string;
  private raw: RawPm2 | undefined;
  private connecting: Promise<RawPm2> | undefined;

  constructor(home: string) {
    this.home = home;
  }

  get pm2Home(): string {
    return this.home;
  }

  /** Connects on first use (spawning the daemon under PM2_HOME if none runs), so idle apps cost nothing. */
  private connect(): Promise<RawPm2> {
    this.connecting ??= new Promise<RawPm2>((resolve, reject) => {
      mkdirSync(this.home, { recursive: true });
      const pm2 = require('pm2') as Pm2Module;
      const instance = new pm2.custom({ pm2_home: this.home, daemon_mode: true });
      instance.connect((err) => {
        if (err) {
          this.connecting = undefined;
          reject(err);
          return;
        }
        this.raw = instance;
        resolve(instance);
      });
    });
    return this.connecting;
  }

  private async call<T>(fn: (pm2: RawPm2, cb: Callback<T>) => void): Promise<T> {
    const pm2 = await this.connect();
    return new Promise<T>((resolve, reject) => {
      fn(pm2, (err, value) =>
        err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve(value),
      );
    });
  }

  async list(): Promise<Pm2Process[]> {
    const raw = await this.call<RawProcess[]>((pm2, cb) => pm2.list(cb));
    return raw.map(toProcess);
  }

  async find(name: string): Promise<Pm2Process | undefined> {
    return (await this.list()).find((p) => p.name === name);
  }

  /** Starts the app; resolves once PM2 saw process.send('ready') (wait_ready) or rejects on timeout. */
  async startWorker(opts: WorkerAppOptions): Promise<void> {
    await this.call((pm2, cb) =>
      pm2.start(
        {
          name: opts.name,
          script: opts.script,
          cwd: opts.cwd,
          interpreter: 'node',
          node_args: opts.nodeArgs,
          // Only what we pass: the control plane's own secrets (ADMIN_API_KEY, ...) stay out of workers.
          filter_env: true,
          env: opts.env,
          wait_ready: true,
          listen_timeout: opts.listenTimeoutMs,
          kill_timeout: opts.killTimeoutMs,
          max_memory_restart: `${opts.maxMemoryMb}M`,
          exp_backoff_restart_delay: opts.restartBackoffMs,
          autorestart: true,
          out_file: opts.outFile,
          error_file: opts.errorFile,
          merge_logs: true,
          // A date format alone timestamps every stdout/stderr line. `time: true` must NOT be set: PM2 7
          // then replaces the format with one without milliseconds (lib/Common.js).
          log_date_format: 'YYYY-MM-DDTHH:mm:ss.SSSZ',
        },
        cb,
      ),
    );
  }

  /** Stops and removes the app from PM2's list; an app PM2 does not know counts as stopped. */
  async deleteApp(name: string): Promise<void> {
    try {
      await this.call((pm2, cb) => pm2.delete(name, cb));
    } catch (err) {
      if (!isUnknownProcess(err)) throw err;
    }
  }

  /** Leaves the daemon (and every worker) running: a control plane restart must not touch workers. */
  async disconnect(): Promise<void> {
    const raw = this.raw;
    this.raw = undefined;
    this.connecting = undefined;
    if (raw) await new Promise<void>((resolve) => raw.disconnect(() => resolve()));
  }

  /** Kills the daemon and all its apps (tests and maintenance only); never spawns one just to kill it. */
  async killDaemon(): Promise<void> {
    if (!this.raw && !existsSync(path.join(this.home, 'pm2.pid'))) return;
    await this.call((pm2, cb) => pm2.killDaemon(cb)).catch(() => undefined);
    await this.disconnect();
  }
}
