import { describe, expect, it } from 'vitest';
import {
  MESSAGE_DIRECTIONS,
  MEDIA_STATUSES,
  MESSAGE_STATUSES,
  MESSAGE_TYPES,
  REPLY_MATCH_TYPES,
  ROLES,
  SENDER_KINDS,
  SESSION_STATES,
  SETUP_REQUEST_STATUSES,
  TENANT_STATUSES,
  WORKER_STATUSES,
} from '@wa-fleet/shared';
import {
  MatchType,
  MessageDirection,
  MediaStatus,
  MessageStatus,
  MessageType,
  Role,
  SenderKind,
  SessionState,
  SetupRequestStatus,
  TenantStatus,
  WorkerStatus,
} from '../src/index.ts';

// The portal and logger use @wa-fleet/shared's unions instead of importing the database package; a
// value added to the schema but not there would be silently unknown to them.
describe('shared unions match the schema enums', () => {
  it.each([
    ['Role', Role, ROLES],
    ['WorkerStatus', WorkerStatus, WORKER_STATUSES],
    ['SessionState', SessionState, SESSION_STATES],
    ['MessageDirection', MessageDirection, MESSAGE_DIRECTIONS],
    ['MessageStatus', MessageStatus, MESSAGE_STATUSES],
    ['TenantStatus', TenantStatus, TENANT_STATUSES],
    ['MatchType', MatchType, REPLY_MATCH_TYPES],
    ['SetupRequestStatus', SetupRequestStatus, SETUP_REQUEST_STATUSES],
    ['SenderKind', SenderKind, SENDER_KINDS],
    ['MessageType', MessageType, MESSAGE_TYPES],
    ['MediaStatus', MediaStatus, MEDIA_STATUSES],
  ] as const)('%s', (_name, schemaEnum, shared) => {
    expect(Object.values(schemaEnum).sort()).toEqual([...shared].sort());
  });
});
