export {
  createTenantLogger,
  createServiceLogger,
  flushLogger,
  type Logger,
  type TenantLogger,
} from './create-logger.ts';
export { REDACT_PATHS } from './redact.ts';
