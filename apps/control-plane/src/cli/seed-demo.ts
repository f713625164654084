// Seeds the demo tenant and its users (the quick start). Idempotent: running it again resets the demo
// passwords and keeps everything else as it is. The demo logins have a published password, so the CLI
// writes only into the quick start's embedded PostgreSQL (the one running from WA_DATA_DIR/postgres)
// and refuses any other DATABASE_URL: pointing the quick start at a real database never creates or
// re-enables admin@wa-fleet.local.
//   DATABASE_URL=... [DEMO_PASSWORD=...] tsx apps/control-plane/src/cli/seed-demo.ts
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadFleetCliConfig } from '@wa-fleet/config';
import { createDbClient, type DbClient } from '@wa-fleet/db';
import { workerAppName, type Role } from '@wa-fleet/shared';
import { hashPassword } from '../services/passwords.ts';

export interface DemoLogin {
  email: string;
  role: Role;
  tenant: string | null;
}

export const DEMO_TENANT = { slug: 'demo', name: 'Demo Shop' } as const;

const DEMO_USERS: { email: string; name: string; role: Role; hasTenant: boolean }[] = [
  { email: 'admin@wa-fleet.local', name: 'Platform Admin', role: 'SUPER_ADMIN', hasTenant: false },
  { email: 'owner@demo.local', name: 'Demo Owner', role: 'TENANT_ADMIN', hasTenant: true },
  { email: 'operator@demo.local', name: 'Demo Operator', role: 'OPERATOR', hasTenant: true },
  { email: 'viewer@demo.local', name: 'Demo Viewer', role: 'VIEWER', hasTenant: true },
];

const DEMO_RULES = [
  {
    name: 'Opening hours',
    matchType: 'CONTAINS' as const,
    pattern: 'hours',
    reply: 'We are open Monday to Friday, 9:00-17:00.',
    priority: 10,
  },
  {
    name: 'Greeting',
    matchType: 'EXACT' as const,
    pattern: 'hi',
    reply: 'Hi! Thanks for writing to Demo Shop. Ask us about our hours.',
    priority: 20,
  },
];

export async function seedDemo(
  db: DbClient,
  opts: { password: string },
): Promise<{ tenantId: string; logins: DemoLogin[] }> {
  const tenant = await db.tenant.upsert({
    where: { slug: DEMO_TENANT.slug },
    create: {
      slug: DEMO_TENANT.slug,
      name: DEMO_TENANT.name,
      engine: 'simulator',
      worker: { create: { pm2Name: workerAppName(DEMO_TENANT.slug) } },
      session: { create: {} },
    },
    update: {},
  });
  const passwordHash = await hashPassword(opts.password);
  const logins: DemoLogin[] = [];
  for (const u of DEMO_USERS) {
    const user = await db.user.upsert({
      where: { email: u.email },
      create: { email: u.email, name: u.name, passwordHash },
      update: { passwordHash, isActive: true },
    });
    const tenantId = u.hasTenant ? tenant.id : null;
    const existing = await db.membership.findFirst({ where: { userId: user.id, tenantId } });
    if (existing) await db.membership.update({ where: { id: existing.id }, data: { role: u.role } });
    else await db.membership.create({ data: { userId: user.id, tenantId, role: u.role } });
    logins.push({ email: u.email, role: u.role, tenant: u.hasTenant ? DEMO_TENANT.slug : null });
  }
  for (const rule of DEMO_RULES) {
    const existing = await db.autoReplyRule.findFirst({ where: { tenantId: tenant.id, name: rule.name } });
    if (!existing) await db.autoReplyRule.create({ data: { ...rule, tenantId: tenant.id } });
  }
  return { tenantId: tenant.id, logins };
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

/**
 * Why `databaseUrl` is not the quick start's embedded PostgreSQL, or null when it is: a loopback address
 * on the port written in `<dataDir>/postgres/postmaster.pid` by the server running from that folder.
 */
export function notEmbeddedReason(databaseUrl: string, dataDir: string): string | null {
  let url: URL;
  try {
    url = new URL(databaseUrl);
  } catch {
    return 'DATABASE_URL is not a URL';
  }
  if (!LOOPBACK.has(url.hostname)) return `its host ${url.hostname} is not this machine's loopback address`;
  const pidFile = path.join(dataDir, 'postgres', 'postmaster.pid');
  let lines: string[];
  try {
    lines = readFileSync(pidFile, 'utf8').split('\n');
  } catch {
    return `no embedded PostgreSQL runs from ${path.join(dataDir, 'postgres')}`;
  }
  const port = Number(lines[3]);
  const pid = Number(lines[0]);
  if (!isAlive(pid)) return `the embedded PostgreSQL of ${dataDir} is not running`;
  if (String(port) !== (url.port || '5432'))
    return `port ${url.port || '5432'} is not the embedded server's (${port})`;
  return null;
}

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Seeds a database by URL (for tests that need the demo data in a throwaway database). */
export async function seedDemoAt(databaseUrl: string, password: string) {
  const db = createDbClient(databaseUrl, { poolSize: 1, applicationName: 'wa-seed-demo' });
  try {
    return await seedDemo(db, { password });
  } finally {
    await db.$disconnect();
  }
}

async function main(): Promise<void> {
  const config = loadFleetCliConfig();
  if (!config.DATABASE_URL) {
    console.error('seed-demo: DATABASE_URL is required');
    process.exit(1);
  }
  const reason = notEmbeddedReason(config.DATABASE_URL, config.WA_DATA_DIR);
  if (reason) {
    console.error(
      `seed-demo: refusing to write the demo logins (published password) into DATABASE_URL: ${reason}. ` +
        "The demo seed runs only against the quick start's embedded PostgreSQL; create real users with " +
        'the admin API (POST /admin/users).',
    );
    process.exit(1);
  }
  const db = createDbClient(config.DATABASE_URL, { poolSize: 1, applicationName: 'wa-seed-demo' });
  try {
    const { logins } = await seedDemo(db, { password: config.DEMO_PASSWORD });
    console.log(
      `demo tenant "${DEMO_TENANT.slug}" (${DEMO_TENANT.name}) ready; logins (password from DEMO_PASSWORD):`,
    );
    for (const login of logins) {
      console.log(`  ${login.email.padEnd(24)} ${login.role.padEnd(13)} ${login.tenant ?? '(platform)'}`);
    }
  } finally {
    await db.$disconnect();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((err: unknown) => {
    console.error('seed-demo failed:', err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
