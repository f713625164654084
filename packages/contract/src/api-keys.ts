import { Type } from 'typebox';
import { API_KEY_SCOPES } from '@wa-fleet/shared';
import { DateTime, errorResponses, IdParams, Items, NullableDateTime } from './common.ts';

// Schemas of the portal's API key management (/portal/tenant/current/api-keys, TENANT_ADMIN and up).
// The keys themselves are used on the public API (public-api.ts).

const tags = ['portal'];

export const ApiKeyScopeSchema = Type.Enum([...API_KEY_SCOPES], {
  description:
    'messages:read (list and read messages), messages:send (queue messages), session:read (session and ' +
    'worker status), webhooks:manage (webhook subscriptions)',
});

/** A key as lists show it: never its secret, which only the creation answer carries, once. */
export const ApiKeySchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  /** Public part of the key (`wak_<keyId>_…`): tells keys apart in lists, logs and the audit log. */
  keyId: Type.String(),
  scopes: Type.Array(ApiKeyScopeSchema),
  createdBy: Type.String({ description: 'email of the user who created the key' }),
  createdAt: DateTime,
  expiresAt: NullableDateTime,
  lastUsedAt: NullableDateTime,
  revokedAt: NullableDateTime,
  status: Type.Enum(['active', 'expired', 'revoked']),
});

export const apiKeyRoutes = {
  'GET /portal/tenant/current/api-keys': {
    tags,
    summary:
      "The caller's tenant's API keys, newest first, revoked and expired ones included (TENANT_ADMIN and up)",
    response: { 200: Items(ApiKeySchema), ...errorResponses },
  },
  'POST /portal/tenant/current/api-keys': {
    tags,
    summary:
      'Create an API key (TENANT_ADMIN and up); the answer carries the secret, which is never shown again',
    body: Type.Object(
      {
        name: Type.String({ minLength: 1, maxLength: 100 }),
        scopes: Type.Array(ApiKeyScopeSchema, {
          minItems: 1,
          maxItems: API_KEY_SCOPES.length,
          uniqueItems: true,
        }),
        expiresAt: Type.Optional(
          Type.String({
            format: 'date-time',
            description: 'absent: the key never expires; must be in the future',
          }),
        ),
      },
      {
        additionalProperties: false,
        examples: [
          {
            name: 'CRM integration',
            scopes: ['messages:send', 'messages:read'],
            expiresAt: '2027-06-30T00:00:00Z',
          },
        ],
      },
    ),
    response: {
      201: Type.Object({
        key: ApiKeySchema,
        secret: Type.String({ description: 'the whole key, `wak_<keyId>_<secret>`: shown this once only' }),
      }),
      ...errorResponses,
    },
  },
  'DELETE /portal/tenant/current/api-keys/:id': {
    tags,
    summary:
      'Revoke an API key at once (TENANT_ADMIN and up); the row stays so its past use stays attributable',
    params: IdParams,
    response: { 204: Type.Null(), ...errorResponses },
  },
} as const;
