import { z } from 'zod';
import { maskUrl } from '@wa-fleet/shared';

/** Every problem with the environment, named in one message, so an operator fixes them in one pass. */
export class ConfigError extends Error {
  readonly problems: string[];
  constructor(app: string, problems: string[]) {
    super(`invalid ${app} configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

type Env = Record<string, string | undefined>;

/** Parses `env` with `schema`; empty strings count as unset so `FOO=` falls back to the default. */
export function parseEnv<S extends z.ZodType>(app: string, schema: S, env: Env): z.infer<S> {
  const cleaned: Env = {};
  for (const [key, value] of Object.entries(env)) {
    if (value !== undefined && value !== '') cleaned[key] = value;
  }
  const result = schema.safeParse(cleaned);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const name = issue.path.join('.') || '(env)';
    const isMissing = issue.code === 'invalid_type' && cleaned[name] === undefined;
    return isMissing ? `${name} is required but not set` : `${name}: ${issue.message}`;
  });
  throw new ConfigError(app, problems);
}

const SECRET_KEY = /KEY|SECRET|PASSWORD|TOKEN/i;
const URL_KEY = /_URL$/;

/** A copy safe to log: secrets replaced, passwords inside URLs masked. */
export function redactConfig<T extends object>(config: T): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config)) {
    if (SECRET_KEY.test(key)) out[key] = value === undefined ? undefined : '[redacted]';
    else if (URL_KEY.test(key) && typeof value === 'string') out[key] = maskUrl(value);
    else out[key] = value;
  }
  return out;
}

// Reusable field builders. Units live in the names (..._MS), so numbers are plain integers.
export const intMs = (fallback: number) => z.coerce.number().int().min(0).default(fallback);
export const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);
export const port = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);
export const bool = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'])
    .default(fallback ? 'true' : 'false')
    .transform((v) => v === 'true' || v === '1' || v === 'yes');
export const postgresUrl = z
  .string()
  .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL');
export const redisUrl = z.string().regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL');
export const secretKey = z.string().min(32, 'must be at least 32 characters');
