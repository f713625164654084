export { freePort } from './ports.ts';
export { startEmbeddedPostgres, ensureDatabase, canReachPostgres, type RunningPostgres } from './postgres.ts';
export {
  startRedis,
  canReachRedis,
  hasRedisServer,
  isPortOpen,
  RedisNotInstalledError,
  type RunningRedis,
} from './redis.ts';
export { waitFor } from './wait-for.ts';
