export { freePort } from './ports.ts';
export { startEmbeddedPostgres, ensureDatabase, type RunningPostgres } from './postgres.ts';
export {
  startRedis,
  hasRedisServer,
  isPortOpen,
  RedisNotInstalledError,
  type RunningRedis,
} from './redis.ts';
export { waitFor } from './wait-for.ts';
// The reachability checks are the shared ones (unreachable vs. authentication failed), re-exported for
// the quick start and tests.
export { probePostgres, probeRedis, type ProbeResult, type ProbeState } from '@wa-fleet/shared/health';
