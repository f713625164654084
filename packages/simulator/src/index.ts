// The simulated WhatsApp network: what the phones of simulator tenants hold, in Redis, outside any
// worker. The control plane, the quick start and tests write to it; the worker's simulator engine is
// its client.
export {
  SimulatorNetwork,
  simulatorNetworkKeys,
  simulatedPhoneNumber,
  type NetworkInbound,
  type NetworkInboxEntry,
  type NetworkChange,
  type NetworkAck,
  type NetworkSend,
  type NetworkSendMedia,
} from './network.ts';
export type { InboundContent } from './network.ts';
export {
  sampleMediaFor,
  sampleMp3,
  sampleMp4,
  samplePdf,
  samplePng,
  sampleVcard,
  sampleWav,
  sampleWebp,
  type SampleMedia,
} from './samples.ts';
