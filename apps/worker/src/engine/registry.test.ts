import { describe, expect, it } from 'vitest';
import { ENGINE_SETTING_NAMES } from '@wa-fleet/config';
import { WA_ENGINES } from '@wa-fleet/shared';
import { ENGINES, engineDefinition } from './registry.ts';

describe('engine registry', () => {
  it('has one definition per engine name, and refuses other names', () => {
    expect(Object.keys(ENGINES).sort()).toEqual([...WA_ENGINES].sort());
    expect(() => engineDefinition('telegram')).toThrow(/known engines are simulator, wwebjs/);
  });

  // The control plane hands workers only settings it knows by name: an engine setting missing from
  // ENGINE_SETTING_NAMES would silently never reach a worker.
  it.each(WA_ENGINES)('every setting of the %s engine reaches the workers', (name) => {
    const settings = Object.keys(ENGINES[name].configSchema.shape);
    expect(settings.length).toBeGreaterThan(0);
    for (const setting of settings) expect(ENGINE_SETTING_NAMES).toContain(setting);
  });
});
