import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { waitFor } from '@wa-fleet/devstack';
import { TEST_PASSWORD } from './keys.ts';
import { REPO_ROOT, SEED_CLI } from './paths.ts';
import type { E2eStack } from './stack.ts';

export const DEMO = {
  tenant: 'demo',
  admin: 'admin@wa-fleet.local',
  owner: 'owner@demo.local',
  operator: 'operator@demo.local',
  viewer: 'viewer@demo.local',
} as const;

/**
 * Seeds the demo tenant and its users with the control plane's own seed code (what the quick start
 * runs). The seed CLI writes only into the quick start's embedded database, so this calls its exported
 * seedDemoAt on the test's throwaway database instead.
 */
export function seedDemo(stack: E2eStack): void {
  if (!existsSync(SEED_CLI)) throw new Error(`seed CLI missing: ${SEED_CLI}`);
  const script =
    `const m = await import(${JSON.stringify(pathToFileURL(SEED_CLI).href)});` +
    'await m.seedDemoAt(process.env.DATABASE_URL, process.env.DEMO_PASSWORD);';
  const result = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: REPO_ROOT,
    env: { ...stack.controlPlaneEnv, NODE_ENV: 'test', DEMO_PASSWORD: TEST_PASSWORD },
    encoding: 'utf8',
  });
  if (result.status !== 0)
    throw new Error(`seed failed (${String(result.status)}):\n${result.stdout}\n${result.stderr}`);
}

/** A second tenant with its own admin, made through the admin API as a platform admin would. */
export async function createSecondTenant(stack: E2eStack, slug: string, ownerEmail: string): Promise<void> {
  const tenant = await stack.admin('POST', '/admin/tenants', { slug, name: `Tenant ${slug}` });
  if (tenant.status !== 201)
    throw new Error(`create tenant ${slug}: ${tenant.status} ${JSON.stringify(tenant.body)}`);
  const user = await stack.admin('POST', '/admin/users', {
    email: ownerEmail,
    name: `Owner of ${slug}`,
    password: TEST_PASSWORD,
    memberships: [{ tenant: slug, role: 'TENANT_ADMIN' }],
  });
  if (user.status !== 201)
    throw new Error(`create user ${ownerEmail}: ${user.status} ${JSON.stringify(user.body)}`);
}

export async function startWorker(stack: E2eStack, slug: string): Promise<void> {
  const res = await stack.admin('POST', `/admin/tenants/${slug}/worker/start`);
  if (res.status !== 202) throw new Error(`start ${slug}: ${res.status} ${JSON.stringify(res.body)}`);
}

/** Waits until the tenant's worker is RUNNING and its session shows a QR code (not linked yet). */
export async function waitForWorkerQr(stack: E2eStack, tenantId: string): Promise<void> {
  await waitFor(
    'worker RUNNING with a QR',
    async () => {
      const t = await stack.db.tenant.findUniqueOrThrow({
        where: { id: tenantId },
        include: { worker: true, session: true },
      });
      return t.worker?.status === 'RUNNING' && t.session?.state === 'QR';
    },
    { timeoutMs: 30_000, intervalMs: 200 },
  );
}

export async function simulate(
  stack: E2eStack,
  slug: string,
  command: { type: string; from?: string; text?: string; code?: string } & Record<string, unknown>,
): Promise<void> {
  const res = await stack.admin('POST', `/admin/tenants/${slug}/simulate`, command);
  const delivered = (res.body as { delivered?: number } | null)?.delivered;
  if (res.status !== 202 || !delivered)
    throw new Error(`simulate ${command.type} on ${slug}: ${res.status} ${JSON.stringify(res.body)}`);
}

export function readWorkerRow(stack: E2eStack, tenantId: string) {
  return stack.db.workerProcess.findUniqueOrThrow({ where: { tenantId } });
}

/** Polls the database for a RUNNING worker and returns its pid; with `notPid`, one of another process. */
export function waitForRunningPid(stack: E2eStack, tenantId: string, notPid?: number): Promise<number> {
  return waitFor(
    notPid === undefined ? 'worker RUNNING with a pid' : `worker RUNNING with a pid other than ${notPid}`,
    async () => {
      const row = await readWorkerRow(stack, tenantId);
      return row.status === 'RUNNING' && row.pid !== null && row.pid !== notPid ? row.pid : undefined;
    },
    { timeoutMs: 40_000, intervalMs: 200 },
  );
}

/** The demo tenant seeded with its users and its worker RUNNING; returns the tenant's id. */
export async function seedDemoWithRunningWorker(stack: E2eStack): Promise<string> {
  seedDemo(stack);
  const tenantId = (await stack.db.tenant.findUniqueOrThrow({ where: { slug: DEMO.tenant } })).id;
  await startWorker(stack, DEMO.tenant);
  await waitForRunningPid(stack, tenantId);
  return tenantId;
}
