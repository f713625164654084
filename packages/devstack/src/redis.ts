import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import net from 'node:net';
import { freePort } from './ports.ts';

export interface RunningRedis {
  url: string;
  port: number;
  stop(): Promise<void>;
}

export class RedisNotInstalledError extends Error {
  constructor() {
    super(
      'redis-server is not on PATH. Install it (Debian/Ubuntu: `sudo apt-get install redis-server`), ' +
        'or point REDIS_URL at a running Redis.',
    );
    this.name = 'RedisNotInstalledError';
  }
}

export function hasRedisServer(): boolean {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
}

/**
 * Runs `redis-server` as a child process on 127.0.0.1 (no persistence unless `dir` is given with
 * `persist: true`; `password` sets requirepass and goes into the returned URL). Stopped by its pid
 * through the returned stop().
 */
export async function startRedis(
  opts: { port?: number; dir?: string; persist?: boolean; password?: string } = {},
): Promise<RunningRedis> {
  if (!hasRedisServer()) throw new RedisNotInstalledError();
  const port = opts.port ?? (await freePort());
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--daemonize',
    'no',
    '--protected-mode',
    'yes',
  ];
  if (opts.dir) {
    mkdirSync(opts.dir, { recursive: true });
    args.push('--dir', opts.dir);
  }
  if (opts.password) args.push('--requirepass', opts.password);
  if (opts.persist && opts.dir) args.push('--appendonly', 'yes', '--save', '');
  else args.push('--save', '', '--appendonly', 'no');
  const child: ChildProcess = spawn('redis-server', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  await waitForPort(
    port,
    10_000,
    () => child.exitCode !== null,
    () => stderr,
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const auth = opts.password ? `:${encodeURIComponent(opts.password)}@` : '';
  return {
    url: `redis://${auth}127.0.0.1:${port}`,
    port,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await exited;
    },
  };
}

async function waitForPort(port: number, timeoutMs: number, hasExited: () => boolean, why: () => string) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (hasExited()) throw new Error(`redis-server exited: ${why()}`);
    if (await isPortOpen(port)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`redis-server did not listen on ${port} within ${timeoutMs} ms`);
}

export function isPortOpen(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
