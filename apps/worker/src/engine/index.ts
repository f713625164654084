// The engine boundary: the worker (and tests) use only what is exported here.
export type { WaEngine, EngineEvents, InboundMessage, AckStatus, SendOptions } from './types.ts';
export { jidToNumber, numberToJid } from './types.ts';
export { EngineError, EngineNotReadyError, PermanentSendError, isRetryableEngineError } from './errors.ts';
export { createEngine, type EngineDeps } from './create-engine.ts';
export { SimulatorEngine, simulatorKeys } from './simulator-engine.ts';
export {
  WwebjsEngine,
  createRealWwebjsClient,
  CHROMIUM_ARGS,
  type WwebjsClientLike,
  type WwebjsClientFactory,
  type WwebjsClientSettings,
} from './wwebjs-engine.ts';
export { findProcessesMentioning, killBrowsersUsing } from './browser-processes.ts';
