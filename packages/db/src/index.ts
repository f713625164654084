export {
  createDbClient,
  isDatabaseUnavailable,
  isUniqueViolation,
  type DbClient,
  type DbClientOptions,
} from './client.ts';
export { PrismaClient, Prisma } from './generated/prisma/client.ts';
export type * from './generated/prisma/client.ts';
export {
  Role,
  TenantStatus,
  WorkerStatus,
  SessionState,
  MessageDirection,
  MessageStatus,
  MessageType,
  MediaStatus,
  MatchType,
  SetupRequestStatus,
  SenderKind,
  WaEngine,
} from './generated/prisma/enums.ts';
