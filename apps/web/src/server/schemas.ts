import 'server-only';
import { z } from 'zod';
import { LOG_LEVELS, MESSAGE_DIRECTIONS, MESSAGE_STATUSES, ROLES, SLUG_PATTERN } from '@wa-fleet/shared';

// What the portal accepts from the browser. The control plane validates again; these schemas keep
// junk out of its logs and make the portal's own 400s name the field at fault.

const slug = z.string().regex(SLUG_PATTERN, 'must be 3-40 lowercase letters, digits or inner hyphens');
const isoDate = z.iso.datetime({ offset: true });
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

export const loginBody = z.strictObject({
  email: z.email().max(320),
  password: z.string().min(1, 'is required').max(500),
});

export const switchTenantBody = z.strictObject({ slug });

export const messageFilterQuery = z.object({
  direction: z.enum(MESSAGE_DIRECTIONS).optional(),
  status: z.enum(MESSAGE_STATUSES).optional(),
  q: z.string().trim().max(200).optional(),
  from: isoDate.optional(),
  to: isoDate.optional(),
});

export const messagesQuery = messageFilterQuery.extend({
  limit: int(1, 200).optional(),
  cursor: z.string().max(512).optional(),
});

export const sendBody = z.strictObject({
  // People type numbers with spaces, dashes and brackets; the control plane wants digits only.
  to: z
    .string()
    .transform((v) => v.replace(/[\s()-]/g, ''))
    .pipe(z.string().regex(/^\+?[0-9]{5,20}$/, 'must be a phone number: digits with the country code first')),
  text: z.string().min(1, 'is required').max(4096),
  idempotencyKey: z.string().min(1).max(128).optional(),
});

const MATCH_TYPES = ['EXACT', 'CONTAINS', 'REGEX', 'DEFAULT'] as const;
export const autoReplyBody = z.strictObject({
  name: z.string().trim().min(1, 'is required').max(200),
  matchType: z.enum(MATCH_TYPES),
  pattern: z.string().max(500).default(''),
  reply: z.string().min(1, 'is required').max(4096),
  priority: int(0, 10_000).default(100),
  isEnabled: z.boolean().default(true),
});
export const autoReplyPatch = autoReplyBody.partial();

export const setupRequestBody = z.strictObject({ notes: z.string().trim().min(1, 'is required').max(4000) });

export const statsQuery = z.object({ days: int(1, 90).optional() });

export const createTenantBody = z.strictObject({
  slug,
  name: z.string().trim().min(1, 'is required').max(200),
});
export const patchTenantBody = z.strictObject({
  name: z.string().trim().min(1).max(200).optional(),
  status: z.enum(['ACTIVE', 'DISABLED']).optional(),
});

export const WORKER_ACTIONS = ['start', 'stop', 'restart'] as const;

export const logsQuery = z.object({
  lines: int(1, 2000).optional(),
  level: z.enum(LOG_LEVELS).optional(),
  since: isoDate.optional(),
});

export const logStreamQuery = z.object({
  lines: int(0, 1000).optional(),
  level: z.enum(LOG_LEVELS).optional(),
});

const membership = z.strictObject({ tenant: slug.nullable().optional(), role: z.enum(ROLES) });
const password = z.string().min(8, 'must be at least 8 characters').max(200);
export const createUserBody = z.strictObject({
  email: z.email().max(320),
  name: z.string().trim().min(1, 'is required').max(200),
  password,
  memberships: z.array(membership).max(100).default([]),
});
export const patchUserBody = z.strictObject({
  name: z.string().trim().min(1).max(200).optional(),
  password: password.optional(),
  isActive: z.boolean().optional(),
  memberships: z.array(membership).max(100).optional(),
});

const SETUP_STATUSES = ['OPEN', 'IN_PROGRESS', 'DONE', 'REJECTED'] as const;
const tenantRef = z
  .string()
  .max(40)
  .regex(/^[a-zA-Z0-9-]+$/, 'must be a tenant slug or id');

export const auditQuery = z.object({
  limit: int(1, 500).optional(),
  cursor: z.string().max(200).optional(),
  tenant: tenantRef.optional(),
  action: z
    .string()
    .regex(/^[a-z_.]{1,100}$/, 'must be an action name such as worker.stop')
    .optional(),
});

export const adminSetupRequestsQuery = z.object({
  status: z.enum(SETUP_STATUSES).optional(),
  tenant: tenantRef.optional(),
});

export const setupRequestPatch = z.strictObject({
  status: z.enum(SETUP_STATUSES).optional(),
  adminNote: z.string().max(2000).nullable().optional(),
});
