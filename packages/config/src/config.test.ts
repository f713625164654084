import { mkdtempSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  QUICK_START_ENV_FILE,
  loadFleetCliConfig,
  loadMigrateCliConfig,
  loadQuickStartConfig,
  writeQuickStartEnv,
  loadControlPlaneConfig,
  loadWebConfig,
  loadWorkerConfig,
  redactConfig,
} from './index.ts';

const KEY = 'k'.repeat(40);
const base = {
  DATABASE_URL: 'postgresql://u:dbpass@127.0.0.1:5432/wa',
  REDIS_URL: 'redis://127.0.0.1:6379',
};

describe('worker config', () => {
  it('fails start-up naming a missing required variable', () => {
    expect(() => loadWorkerConfig({ ...base })).toThrow(/TENANT_ID is required but not set/);
  });

  it('names every problem in one error', () => {
    try {
      loadWorkerConfig({ TENANT_ID: 'not-a-uuid', HEARTBEAT_INTERVAL_MS: 'soon' });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const message = (err as ConfigError).message;
      for (const name of ['TENANT_ID', 'HEARTBEAT_INTERVAL_MS', 'DATABASE_URL', 'REDIS_URL'])
        expect(message).toContain(name);
      expect((err as ConfigError).problems).toHaveLength(4);
    }
  });

  it('applies defaults with units in their names', () => {
    const config = loadWorkerConfig({ ...base, TENANT_ID: '6f1c7c6e-8f7a-4a52-9d1e-0c8a4b1f2e3d' });
    expect(config.HEARTBEAT_INTERVAL_MS).toBe(10_000);
    expect(config.WA_ENGINE).toBe('simulator');
    expect(config.LOG_DIR).toMatch(/logs$/);
  });
});

describe('control plane config', () => {
  it('refuses keys shorter than 32 characters', () => {
    expect(() =>
      loadControlPlaneConfig({ ...base, ADMIN_API_KEY: 'short', PORTAL_INTERNAL_KEY: KEY }),
    ).toThrow(/ADMIN_API_KEY: must be at least 32 characters/);
  });

  it('caps log streams by default, leaves /metrics open unless a long enough METRICS_TOKEN is set', () => {
    const config = loadControlPlaneConfig({ ...base, ADMIN_API_KEY: KEY, PORTAL_INTERNAL_KEY: KEY });
    expect(config).toMatchObject({ LOG_STREAM_MAX_PER_CALLER: 3, LOG_STREAM_MAX_TOTAL: 20 });
    expect(config.AUTO_REPLY_REGEX_MAX_PER_TENANT).toBe(50);
    expect(() =>
      loadControlPlaneConfig({
        ...base,
        ADMIN_API_KEY: KEY,
        PORTAL_INTERNAL_KEY: KEY,
        AUTO_REPLY_REGEX_MAX_PER_TENANT: '0',
      }),
    ).toThrow(/AUTO_REPLY_REGEX_MAX_PER_TENANT/);
    expect(config.METRICS_TOKEN).toBeUndefined();
    expect(() =>
      loadControlPlaneConfig({
        ...base,
        ADMIN_API_KEY: KEY,
        PORTAL_INTERNAL_KEY: KEY,
        METRICS_TOKEN: 'short',
      }),
    ).toThrow(/METRICS_TOKEN: must be at least 16 characters/);
    const withToken = loadControlPlaneConfig({
      ...base,
      ADMIN_API_KEY: KEY,
      PORTAL_INTERNAL_KEY: KEY,
      METRICS_TOKEN: 't'.repeat(16),
    });
    expect(redactConfig(withToken).METRICS_TOKEN).toBe('[redacted]');
  });

  it('refuses a worker grace period that PM2 would cut short', () => {
    expect(() =>
      loadControlPlaneConfig({
        ...base,
        ADMIN_API_KEY: KEY,
        PORTAL_INTERNAL_KEY: KEY,
        WORKER_SHUTDOWN_GRACE_MS: '20000',
        WORKER_KILL_TIMEOUT_MS: '10000',
      }),
    ).toThrow(/WORKER_SHUTDOWN_GRACE_MS must be below WORKER_KILL_TIMEOUT_MS/);
  });

  it('redacts keys and URL passwords before config is logged', () => {
    const config = loadControlPlaneConfig({ ...base, ADMIN_API_KEY: KEY, PORTAL_INTERNAL_KEY: KEY });
    const shown = JSON.stringify(redactConfig(config));
    expect(shown).not.toContain(KEY);
    expect(shown).not.toContain('dbpass');
    expect(shown).toContain('CONTROL_PLANE_PORT');
  });
});

describe('web config', () => {
  it('requires the session secret and the portal key', () => {
    expect(() => loadWebConfig({})).toThrow(
      /PORTAL_INTERNAL_KEY is required[\s\S]*SESSION_SECRET is required/,
    );
  });
});

describe('log rotation settings', () => {
  it('default to 50 MiB and 5 files, take units in their names, and refuse nonsense', () => {
    const config = loadWorkerConfig({ ...base, TENANT_ID: '6f1c7c6e-8f7a-4a52-9d1e-0c8a4b1f2e3d' });
    expect(config.LOG_MAX_SIZE_BYTES).toBe(50 * 1024 * 1024);
    expect(config.LOG_MAX_FILES).toBe(5);
    expect(() =>
      loadWorkerConfig({
        ...base,
        TENANT_ID: '6f1c7c6e-8f7a-4a52-9d1e-0c8a4b1f2e3d',
        LOG_MAX_SIZE_BYTES: '10MB',
      }),
    ).toThrow(/LOG_MAX_SIZE_BYTES/);
  });

  it('reach the workers through the control plane', () => {
    const config = loadControlPlaneConfig({
      ...base,
      ADMIN_API_KEY: KEY,
      PORTAL_INTERNAL_KEY: KEY,
      LOG_MAX_SIZE_BYTES: '1048576',
      LOG_MAX_FILES: '2',
    });
    expect(config.WORKER_PASSTHROUGH_ENV).toMatchObject({
      LOG_MAX_SIZE_BYTES: '1048576',
      LOG_MAX_FILES: '2',
    });
  });
});

describe("the quick start's settings file and pnpm fleet", () => {
  it('fills what the environment leaves unset (empty counts as unset); the environment wins', () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'wa-cfg-'));
    const file = path.join(dataDir, QUICK_START_ENV_FILE);
    writeQuickStartEnv(file, {
      DATABASE_URL: 'postgresql://postgres:pw@127.0.0.1:54329/wa_fleet',
      REDIS_URL: 'redis://127.0.0.1:56379',
      ADMIN_API_KEY: KEY,
      PORTAL_INTERNAL_KEY: KEY,
      PM2_HOME: '/somewhere/pm2',
    });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const config = loadFleetCliConfig({
      WA_DATA_DIR: dataDir,
      DATABASE_URL: '',
      REDIS_URL: 'redis://other:6379',
    });
    expect(config.DATABASE_URL).toBe('postgresql://postgres:pw@127.0.0.1:54329/wa_fleet');
    expect(config.REDIS_URL).toBe('redis://other:6379');
    expect(config.PM2_HOME).toBe('/somewhere/pm2');
    expect(config.quickStartFile).toBe(file);
    // What doctor validates is the completed environment.
    expect(() => loadControlPlaneConfig(config.effectiveEnv)).not.toThrow();
  });

  it('without the file, nothing is invented (positive control)', () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'wa-cfg-'));
    const config = loadFleetCliConfig({ WA_DATA_DIR: dataDir });
    expect(config.DATABASE_URL).toBeUndefined();
    expect(config.quickStartFile).toBeUndefined();
    expect(config.PM2_HOME).toBe(path.join(dataDir, 'pm2'));
    expect(() => loadControlPlaneConfig(config.effectiveEnv)).toThrow(/DATABASE_URL is required/);
  });

  it('quick start and migrate CLI settings are validated like every app', () => {
    expect(loadQuickStartConfig({}).DEMO_PASSWORD).toBe('demo-password');
    expect(() => loadQuickStartConfig({ REDIS_URL: 'http://x' })).toThrow(/REDIS_URL: must be a redis/);
    expect(() => loadMigrateCliConfig({ DATABASE_URL: 'not a url' })).toThrow(
      /DATABASE_URL: is not a valid URL/,
    );
    expect(loadMigrateCliConfig({ MIGRATIONS_DIR: '/m' }).MIGRATIONS_DIR).toBe('/m');
  });
});

describe('what the control plane hands to workers', () => {
  const env = {
    ...base,
    ADMIN_API_KEY: KEY,
    PORTAL_INTERNAL_KEY: KEY,
    SESSION_SECRET: 's'.repeat(40),
    DEMO_PASSWORD: 'demo-password',
    SIM_LINK_DELAY_MS: '100',
    SEND_RATE_PER_MIN: '30',
    WWEBJS_HEADLESS: 'false',
    CHROMIUM_PATH: '/opt/chromium',
    PATH: '/usr/bin',
    INBOUND_BUFFER_MAX: '50',
    DB_RETRY_BASE_MS: '100',
    LOG_MAX_FILES: '2',
    // Prefixes the worker uses, names it does not: never passed.
    SEND_WEBHOOK_SECRET: 'hook-secret',
    SIM_TOKEN: 'sim-token',
  };

  it("passes only the worker's own tuning names and the OS basics", () => {
    const passed = loadControlPlaneConfig(env).WORKER_PASSTHROUGH_ENV;
    expect(passed).toEqual({
      SIM_LINK_DELAY_MS: '100',
      SEND_RATE_PER_MIN: '30',
      WWEBJS_HEADLESS: 'false',
      CHROMIUM_PATH: '/opt/chromium',
      PATH: '/usr/bin',
      INBOUND_BUFFER_MAX: '50',
      DB_RETRY_BASE_MS: '100',
      LOG_MAX_FILES: '2',
    });
  });

  it('self-healing settings: defaults, and 0 turns automatic restarts off', () => {
    const defaults = loadControlPlaneConfig(env);
    expect(defaults.WORKER_AUTO_RESTART_BACKOFF_MS).toBe(30_000);
    expect(defaults.WORKER_AUTO_RESTART_MAX_PER_HOUR).toBe(5);
    expect(
      loadControlPlaneConfig({ ...env, WORKER_AUTO_RESTART_MAX_PER_HOUR: '0' })
        .WORKER_AUTO_RESTART_MAX_PER_HOUR,
    ).toBe(0);
    expect(() => loadControlPlaneConfig({ ...env, WORKER_AUTO_RESTART_MAX_PER_HOUR: '-1' })).toThrow(
      /WORKER_AUTO_RESTART_MAX_PER_HOUR/,
    );
  });
});
