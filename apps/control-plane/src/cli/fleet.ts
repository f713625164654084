// On-call CLI: `pnpm fleet status | start|stop|restart <tenant> | logs <tenant> [-f] [--level warn] | doctor`.
// Lifecycle actions go through the control plane's admin API (so they are audited and status-tracked);
// `logs` reads the file straight from disk, so it works while the control plane is down.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Command, Option } from 'commander';
import { ConfigError, loadFleetCliConfig, type FleetCliConfig } from '@wa-fleet/config';
import { LOG_LEVELS, isValidSlug, type LogLevel } from '@wa-fleet/shared';
import {
  routes,
  type RouteKey,
  type RouteParams,
  type RouteResponse,
  type WorkerAction,
  type WorkerHealthDto,
  WORKER_ACTIONS,
} from '@wa-fleet/contract';
import { followLogFile } from '../services/log-follow.ts';
import { parseLogLine, matchesFilter, tailLogFile } from '../services/log-tail.ts';
import { formatLogLine } from './format-log-line.ts';
import { runDoctor } from './doctor.ts';

// Parsed in main(), not at import: importing this module (a test, another tool) reads no environment.
let config: FleetCliConfig;

function controlPlaneUrl(cfg: FleetCliConfig): string {
  return cfg.CONTROL_PLANE_URL ?? `http://${cfg.CONTROL_PLANE_HOST}:${cfg.CONTROL_PLANE_PORT}`;
}

/** ADMIN_API_KEY from the environment, else the key file the quick start writes. */
function adminKey(cfg: FleetCliConfig): string {
  if (cfg.ADMIN_API_KEY) return cfg.ADMIN_API_KEY;
  if (existsSync(cfg.KEYS_FILE)) {
    const keys = JSON.parse(readFileSync(cfg.KEYS_FILE, 'utf8')) as { adminApiKey?: unknown };
    if (typeof keys.adminApiKey === 'string') return keys.adminApiKey;
  }
  fail(`no admin key: set ADMIN_API_KEY or create ${cfg.KEYS_FILE} (the quick start writes it)`);
}

function fail(message: string): never {
  console.error(`fleet: ${message}`);
  process.exit(1);
}

/** Calls an admin route by its contract key; the answer has that route's response type. */
async function callAdmin<K extends RouteKey>(key: K, params?: RouteParams<K>): Promise<RouteResponse<K>> {
  const { method, url: template } = routes[key];
  const values = (params ?? {}) as Record<string, string>;
  const route = template.replace(/:(\w+)/g, (_, name: string) => encodeURIComponent(values[name] ?? ''));
  const url = `${controlPlaneUrl(config)}${route}`;
  let res: Response;
  try {
    res = await fetch(url, { method, headers: { authorization: `Bearer ${adminKey(config)}` } });
  } catch {
    fail(
      `control plane not reachable at ${controlPlaneUrl(config)} (is it running? try \`pnpm fleet doctor\`)`,
    );
  }
  const body: unknown = await res.json().catch(() => ({}));
  if (!res.ok) {
    const error = (body as { error?: { message?: string } }).error;
    fail(`${method} ${route}: ${res.status} ${error?.message ?? ''}`);
  }
  return body as RouteResponse<K>;
}

const fmtMs = (ms: number | null) =>
  ms === null ? '-' : ms < 60_000 ? `${Math.round(ms / 1000)}s` : `${Math.round(ms / 60_000)}m`;

async function showStatus(): Promise<void> {
  const { items } = await callAdmin('GET /admin/workers');
  const rows = items.map((w) => [
    w.tenantSlug,
    w.status,
    w.pid === null ? '-' : String(w.pid),
    w.memoryBytes === null ? '-' : `${Math.round(w.memoryBytes / 1024 / 1024)}MB`,
    w.cpuPercent === null ? '-' : `${w.cpuPercent}%`,
    fmtMs(w.uptimeMs),
    String(w.restartCount),
    fmtMs(w.heartbeatAgeMs),
    w.lastError ?? '',
  ]);
  const header = ['TENANT', 'STATUS', 'PID', 'MEM', 'CPU', 'UPTIME', 'RESTARTS', 'HEARTBEAT', 'LAST ERROR'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  for (const row of [header, ...rows])
    console.log(
      row
        .map((c, i) => c.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    );
  if (rows.length === 0) console.log('(no tenants)');
}

async function findWorker(tenant: string): Promise<WorkerHealthDto | undefined> {
  const { items } = await callAdmin('GET /admin/workers');
  return items.find((w) => w.tenantSlug === tenant);
}

async function runLifecycle(action: WorkerAction, tenant: string): Promise<void> {
  if (!isValidSlug(tenant)) fail(`"${String(tenant)}" is not a tenant slug`);
  const before = await findWorker(tenant);
  const { status } = await callAdmin(`POST /admin/tenants/:tenant/worker/${action}`, { tenant });
  console.log(`${action} ${tenant}: accepted (${status})`);
  const target = action === 'stop' ? 'STOPPED' : 'RUNNING';
  const isDone = (w: WorkerHealthDto) =>
    w.status === target && (action !== 'restart' || (w.pid !== null && w.pid !== before?.pid));
  const deadline = Date.now() + 30_000;
  let last: string = status;
  while (Date.now() < deadline) {
    const worker = await findWorker(tenant);
    if (!worker) fail(`tenant ${tenant} disappeared`);
    if (worker.status !== last) console.log(`  ${worker.status}`);
    last = worker.status;
    if (isDone(worker)) {
      console.log(`${tenant} is ${target}${worker.pid ? ` (pid ${worker.pid})` : ''}`);
      return;
    }
    if (worker.status === 'ERROR') fail(`${tenant} is ERROR: ${worker.lastError ?? 'no detail'}`);
    await new Promise((r) => setTimeout(r, 500));
  }
  fail(`${tenant} did not reach ${target} within 30 s (last status ${last})`);
}

async function showLogs(
  tenant: string,
  opts: { follow?: boolean; level?: LogLevel; lines: string },
): Promise<void> {
  if (!isValidSlug(tenant)) fail(`"${String(tenant)}" is not a tenant slug`);
  const file = path.join(config.LOG_DIR, `${tenant}.log`);
  const filter = { level: opts.level };
  const count = Number.parseInt(opts.lines, 10);
  if (!Number.isInteger(count) || count < 0) fail('--lines must be a whole number');
  if (existsSync(file) && count > 0) {
    for (const line of (await tailLogFile(file, count, filter)).lines) console.log(formatLogLine(line));
  } else if (!existsSync(file) && !opts.follow) {
    fail(`no log file ${file} yet (has the worker of ${tenant} ever run?)`);
  }
  if (!opts.follow) return;
  const follower = followLogFile(file, (text) => {
    const line = parseLogLine(text);
    if (!line) console.log(text);
    else if (matchesFilter(line, filter)) console.log(formatLogLine(line));
  });
  const stop = () => void follower.stop().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

async function main(argv: string[]): Promise<void> {
  try {
    config = loadFleetCliConfig();
  } catch (err) {
    if (err instanceof ConfigError) fail(err.message);
    throw err;
  }
  const program = new Command('fleet').description('wa-fleet on-call commands');
  program
    .command('status')
    .description('every worker: status, pid, memory, CPU, uptime, restarts, heartbeat age')
    .action(showStatus);
  for (const action of WORKER_ACTIONS) {
    program
      .command(`${action} <tenant>`)
      .description(`${action} a tenant worker through the control plane and wait for the result`)
      .action((tenant: string) => runLifecycle(action, tenant));
  }
  program
    .command('logs <tenant>')
    .description("pretty-print a tenant's log file (read from disk; works without the control plane)")
    .option('-f, --follow', 'keep following (survives rotation)')
    .addOption(new Option('--level <level>', 'minimum level').choices([...LOG_LEVELS]))
    .option('-n, --lines <n>', 'lines to show first', '50')
    .action(showLogs);
  program
    .command('doctor')
    .description('check config, Postgres, Redis, PM2, Chromium and the control plane')
    .action(async () => {
      const isHealthy = await runDoctor(config, controlPlaneUrl(config));
      process.exit(isHealthy ? 0 : 1);
    });
  await program.parseAsync(argv);
}

await main(process.argv);
