import { loadEngineConfig } from '@wa-fleet/config';
import { engineDefinition } from './registry.ts';
import type { EngineContext, WaEngine } from './types.ts';

export interface CreateEngineOptions extends EngineContext {
  /** A tenant's engine name (the row, or the fleet's WA_ENGINE): checked against the registry. */
  engineName: string;
  /** Where the engine's own settings are read from; the process environment by default. */
  env?: Record<string, string | undefined>;
}

/**
 * The engine a worker runs. Throws UnknownEngineError for a name the registry lacks and ConfigError
 * for bad engine settings: both readable, both before anything connects.
 */
export function createEngine(opts: CreateEngineOptions): WaEngine {
  const { engineName, env, ...ctx } = opts;
  const definition = engineDefinition(engineName);
  const config = loadEngineConfig(definition.name, definition.configSchema, env);
  return definition.create(ctx, config);
}
