import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, loadControlPlaneConfig, type FleetCliConfig } from '@wa-fleet/config';
import { probePostgres, probeRedis } from '@wa-fleet/shared/health';

interface Check {
  name: string;
  isOk: boolean;
  detail: string;
  /** Informational: a failure is reported but does not fail the doctor. */
  isOptional?: boolean;
}

async function checkPostgres(url: string | undefined): Promise<Check> {
  if (!url) return { name: 'postgres', isOk: false, detail: 'DATABASE_URL not set' };
  const { state, detail } = await probePostgres(url);
  return { name: 'postgres', isOk: state === 'ok', detail };
}

async function checkRedis(url: string | undefined): Promise<Check> {
  if (!url) return { name: 'redis', isOk: false, detail: 'REDIS_URL not set' };
  const { state, detail } = await probeRedis(url);
  return { name: 'redis', isOk: state === 'ok', detail };
}

/** Looks at the daemon's pid file instead of connecting: connecting would spawn a daemon. */
function checkPm2(home: string): Check {
  const pidFile = path.join(home, 'pm2.pid');
  if (!existsSync(pidFile))
    return {
      name: 'pm2',
      isOk: false,
      detail: `no daemon under ${home} (the control plane starts one)`,
      isOptional: true,
    };
  const pid = Number.parseInt(readFileSync(pidFile, 'utf8'), 10);
  try {
    process.kill(pid, 0);
    return { name: 'pm2', isOk: true, detail: `daemon pid ${pid} under ${home}` };
  } catch {
    return { name: 'pm2', isOk: false, detail: `stale pid file ${pidFile} (daemon ${pid} not running)` };
  }
}

function checkChromium(chromiumPath: string, engine: string): Check {
  const result = spawnSync(chromiumPath, ['--version'], { encoding: 'utf8', timeout: 10_000 });
  const isOk = result.status === 0;
  return {
    name: 'chromium',
    isOk,
    detail: isOk
      ? `${result.stdout.trim()} (${chromiumPath})`
      : `${chromiumPath} does not run${engine === 'simulator' ? ' (only needed by the wwebjs engine)' : ''}`,
    isOptional: engine === 'simulator',
  };
}

async function checkControlPlane(url: string): Promise<Check> {
  try {
    const res = await fetch(`${url}/ready`, { signal: AbortSignal.timeout(3_000) });
    const body = (await res.json()) as { error?: { message: string } };
    return {
      name: 'control plane',
      isOk: res.ok,
      detail: res.ok ? `${url} ready` : `${url}: ${body.error?.message ?? res.status}`,
    };
  } catch {
    return { name: 'control plane', isOk: false, detail: `${url} not reachable`, isOptional: true };
  }
}

function checkConfig(cfg: FleetCliConfig): Check {
  const source = cfg.quickStartFile ? ` (unset variables from ${cfg.quickStartFile})` : '';
  try {
    loadControlPlaneConfig(cfg.effectiveEnv);
    return { name: 'config', isOk: true, detail: `control plane configuration valid${source}` };
  } catch (err) {
    const detail = err instanceof ConfigError ? err.problems.join('; ') : String(err);
    return { name: 'config', isOk: false, detail: detail + source };
  }
}

/** Prints one line per check; true when every required check passed. */
export async function runDoctor(cfg: FleetCliConfig, controlPlaneUrl: string): Promise<boolean> {
  const checks: Check[] = [
    checkConfig(cfg),
    await checkPostgres(cfg.DATABASE_URL),
    await checkRedis(cfg.REDIS_URL),
    checkPm2(cfg.PM2_HOME),
    checkChromium(cfg.CHROMIUM_PATH, cfg.WA_ENGINE),
    { name: 'worker script', isOk: existsSync(cfg.WORKER_SCRIPT), detail: cfg.WORKER_SCRIPT },
    { name: 'log dir', isOk: existsSync(cfg.LOG_DIR), detail: cfg.LOG_DIR, isOptional: true },
    await checkControlPlane(controlPlaneUrl),
  ];
  for (const c of checks) {
    const mark = c.isOk ? 'ok  ' : c.isOptional ? 'warn' : 'FAIL';
    console.log(`${mark}  ${c.name.padEnd(14)} ${c.detail}`);
  }
  return checks.every((c) => c.isOk || c.isOptional);
}
