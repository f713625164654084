import { describe, expect, it } from 'vitest';
import { PROCESS_STATES, workerAppName } from '@wa-fleet/shared';
import { toPm2Options, toProcessState } from './pm2-driver.ts';
import { restartDelayMs } from './worker-healer.ts';

describe('PM2 driver translation', () => {
  it.each([
    ['online', 'running'],
    ['launching', 'starting'],
    ['one-launch-status', 'starting'],
    ['stopping', 'stopping'],
    ['stopped', 'stopped'],
    ['errored', 'crashed'],
    ['waiting restart', 'crashed'],
    [undefined, 'crashed'],
  ])('PM2 %j is %j', (pm2Status, state) => {
    expect(toProcessState(pm2Status)).toBe(state);
    expect(PROCESS_STATES).toContain(state);
  });

  it("gives PM2 the spec's env and a filter that drops every inherited variable", () => {
    const options = toPm2Options({
      name: workerAppName('acme'),
      script: '/repo/apps/worker/src/main.ts',
      interpreterArgs: ['--import', 'tsx'],
      args: [],
      cwd: '/repo',
      env: { TENANT_ID: 't' },
      maxMemoryMb: 700,
      killTimeoutMs: 10_000,
      restartBackoffMs: 1_000,
      logFiles: { out: '/logs/out.log', err: '/logs/err.log' },
    }) as Record<string, unknown>;
    // `true` would filter nothing in PM2 7; [''] matches every name.
    expect(options.filter_env).toEqual(['']);
    expect(options.env).toEqual({ TENANT_ID: 't' });
    expect(options).not.toHaveProperty('wait_ready');
    expect(options).toMatchObject({
      kill_timeout: 10_000,
      max_memory_restart: '700M',
      exp_backoff_restart_delay: 1_000,
      // No PM2 metrics agent and no source maps in the workers (memory: docs/BENCHMARKS.md).
      pmx: false,
      disable_source_map_support: true,
    });
  });
});

describe('self-healing back-off', () => {
  it('restarts at once the first time in an hour, then doubles the wait', () => {
    expect([0, 1, 2, 3, 4].map((n) => restartDelayMs(n, 30_000))).toEqual([
      0, 30_000, 60_000, 120_000, 240_000,
    ]);
  });
});
