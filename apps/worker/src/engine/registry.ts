// The one list of engines. WA_ENGINES (@wa-fleet/shared) is the list of names, the database's WaEngine
// enum mirrors it (packages/db/test), and this record must have exactly one definition per name:
// a name without an engine, or an engine without a name, fails typecheck.
import type { WaEngineName } from '@wa-fleet/shared';
import { WA_ENGINES } from '@wa-fleet/shared';
import { simulatorEngine } from './simulator/index.ts';
import type { EngineDefinition } from './types.ts';
import { wwebjsEngine } from './wwebjs/index.ts';

export const ENGINES = {
  simulator: simulatorEngine,
  wwebjs: wwebjsEngine,
} satisfies Record<WaEngineName, EngineDefinition>;

export class UnknownEngineError extends Error {
  constructor(name: string) {
    super(`unknown WhatsApp engine "${name}": known engines are ${WA_ENGINES.join(', ')}`);
    this.name = 'UnknownEngineError';
  }
}

export function isEngineName(name: string): name is WaEngineName {
  return Object.hasOwn(ENGINES, name);
}

/** The definition of `name`, or an error naming the engines there are (never a silent default). */
export function engineDefinition(name: string): EngineDefinition {
  if (!isEngineName(name)) throw new UnknownEngineError(name);
  return ENGINES[name];
}
