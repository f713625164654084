export { ConfigError, parseEnv, redactConfig, intMs, positiveInt, bool } from './parse.ts';
export { loadWorkerConfig, loadEngineConfig, workerSchema, type WorkerConfig } from './worker.ts';
export {
  loadControlPlaneConfig,
  ENGINE_SETTING_NAMES,
  WORKER_BUNDLE,
  DEFAULT_WORKER_NODE_ARGS,
  controlPlaneSchema,
  type ControlPlaneConfig,
  loadFleetCliConfig,
  fleetCliSchema,
  type FleetCliConfig,
} from './control-plane.ts';
export { loadWebConfig, webSchema, type WebConfig } from './web.ts';
export { repoRoot, dataDir } from './common.ts';
export {
  loadQuickStartConfig,
  quickStartSchema,
  type QuickStartConfig,
  loadMigrateCliConfig,
  migrateCliSchema,
  type MigrateCliConfig,
  quickStartEnvPath,
  readQuickStartEnv,
  writeQuickStartEnv,
  resolveDataDir,
  QUICK_START_ENV_FILE,
} from './quick-start.ts';
