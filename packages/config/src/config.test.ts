import { describe, expect, it } from 'vitest';
import {
  ConfigError,
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
