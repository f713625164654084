import { describe, expect, it } from 'vitest';
import { waitFor } from '@wa-fleet/devstack';
import { createServiceLogger } from '@wa-fleet/logger';
import { startRepeatingTask } from './repeating-task.ts';

const log = await createServiceLogger({ service: 'test', stdout: false });

describe('startRepeatingTask', () => {
  it('never runs two passes at once, even when a pass outlasts the interval', async () => {
    let active = 0;
    let maxActive = 0;
    let release: (() => void) | undefined;
    const task = startRepeatingTask(
      'slow',
      1,
      async () => {
        active++;
        maxActive = Math.max(maxActive, active);
        await new Promise<void>((resolve) => (release = resolve));
        active--;
      },
      log,
      { runNow: true },
    );
    for (let pass = 1; pass <= 3; pass++) {
      await waitFor(`pass ${pass} under way`, () => active === 1 && release);
      const finish = release!;
      release = undefined;
      finish();
      await waitFor(`pass ${pass} counted`, () => task.completedRuns >= pass);
    }
    expect(maxActive).toBe(1);
    await waitFor('next pass under way', () => release);
    const stopping = task.stop();
    release!();
    await stopping;
    expect(active).toBe(0);
  });

  it('counts failed passes and keeps going after them', async () => {
    let calls = 0;
    const task = startRepeatingTask(
      'flaky',
      1,
      async () => {
        calls++;
        if (calls % 2 === 1) throw new Error('flaky dependency');
      },
      log,
    );
    await waitFor('four passes', () => task.completedRuns >= 4);
    await task.stop();
    expect(calls).toBe(task.completedRuns);
  });
});
