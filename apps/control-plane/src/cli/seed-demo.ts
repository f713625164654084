// Seeds the demo tenant and its users (quick start, demos, the portal's end-to-end tests). Idempotent:
// running it again resets the demo passwords and keeps everything else as it is.
//   DATABASE_URL=... [DEMO_PASSWORD=...] tsx apps/control-plane/src/cli/seed-demo.ts
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

async function main(): Promise<void> {
  const config = loadFleetCliConfig();
  if (!config.DATABASE_URL) {
    console.error('seed-demo: DATABASE_URL is required');
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
