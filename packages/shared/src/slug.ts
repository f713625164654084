/**
 * Tenant slugs name log files (logs/<slug>.log) and worker processes (WORKER_APP_PREFIX + slug), so this pattern is a
 * security boundary: lowercase ASCII letters, digits and inner hyphens, 3-40 characters. Nothing that
 * matches it can contain "/", "." or a look-alike character, so no path built from it leaves logs/.
 */
export const SLUG_PATTERN = /^[a-z0-9][a-z0-9-]{1,38}[a-z0-9]$/;

export function isValidSlug(value: unknown): value is string {
  return typeof value === 'string' && SLUG_PATTERN.test(value);
}

export class InvalidSlugError extends Error {
  constructor(value: unknown) {
    const shown = typeof value === 'string' ? JSON.stringify(value.slice(0, 60)) : typeof value;
    super(`invalid tenant slug ${shown}: expected ${SLUG_PATTERN.source}`);
    this.name = 'InvalidSlugError';
  }
}

export function assertValidSlug(value: unknown): asserts value is string {
  if (!isValidSlug(value)) throw new InvalidSlugError(value);
}

export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID_PATTERN.test(value);
}

/** What every tenant worker's process name starts with; the reconciler leaves processes without it alone. */
export const WORKER_APP_PREFIX = 'wa-tenant-';

/** Process name of a tenant's worker (in the process driver and `worker_processes.pm2_name`). */
export function workerAppName(slug: string): string {
  assertValidSlug(slug);
  return `${WORKER_APP_PREFIX}${slug}`;
}

/** The slug in a worker process name, or undefined for a process that is not a tenant worker. */
export function slugOfWorkerAppName(name: string): string | undefined {
  if (!name.startsWith(WORKER_APP_PREFIX)) return undefined;
  const slug = name.slice(WORKER_APP_PREFIX.length);
  return isValidSlug(slug) ? slug : undefined;
}
