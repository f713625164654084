// The engine boundary: the worker (and tests) use only what is exported here. Everything specific to
// one engine (its library, its states, its settings) stays in its folder, `simulator/` or `wwebjs/`.
export type {
  WaEngine,
  EngineEvents,
  EngineCapabilities,
  EngineContext,
  EngineDefinition,
  InboundMessage,
  InboundEdit,
  InboundRevoke,
  DownloadedMedia,
  AckStatus,
  SendOptions,
  OutboundMedia,
} from './types.ts';
export {
  EngineError,
  EngineNotReadyError,
  PermanentSendError,
  describeError,
  isRetryableEngineError,
} from './errors.ts';
export { ENGINES, UnknownEngineError, engineDefinition, isEngineName } from './registry.ts';
export { createEngine, type CreateEngineOptions } from './create-engine.ts';
