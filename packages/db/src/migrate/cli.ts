// `pnpm db <command>`: offline Prisma migrations (see ./index.ts).
//   deploy            apply pending migrations
//   create <name>     generate prisma/migrations/<timestamp>_<name>/migration.sql from schema.prisma
//   status            list applied / pending migrations
//   check             exit 1 when schema.prisma and the migrations folder differ
//   reset --force     drop everything in the database, then deploy
import { checkDrift, createMigration, deployMigrations, migrationStatus, resetDatabase } from './index.ts';
import { maskUrl } from '@wa-fleet/shared';

const USAGE = `Usage: pnpm db <command>
  deploy            apply pending migrations to DATABASE_URL
  create <name>     generate a new migration from prisma/schema.prisma (does not apply it)
  status            show applied and pending migrations
  check             fail (exit 1) if prisma/schema.prisma differs from the migrations
  reset --force     DROP EVERYTHING in DATABASE_URL, then apply all migrations
Options: --verbose (engine logs). Env: DATABASE_URL (required), MIGRATIONS_DIR, SCHEMA_PATH (optional).`;

const print = (msg: string): void => void process.stdout.write(msg + '\n');
const fail = (msg: string, code = 1): never => {
  process.stderr.write(msg + '\n');
  process.exit(code);
};

function databaseUrl(): string {
  const url = process.env.DATABASE_URL;
  if (!url)
    return fail('DATABASE_URL is not set (e.g. postgresql://user:password@127.0.0.1:5432/wa_fleet)', 2);
  try {
    new URL(url);
  } catch {
    fail('DATABASE_URL is not a valid URL', 2);
  }
  return url;
}

async function main(argv: string[]): Promise<number> {
  const flags = new Set(argv.filter((a) => a.startsWith('--')));
  const args = argv.filter((a) => !a.startsWith('--'));
  const [cmd, ...rest] = args;
  const opts = {
    log: print,
    verbose: flags.has('--verbose'),
    migrationsDir: process.env.MIGRATIONS_DIR || undefined,
    schemaPath: process.env.SCHEMA_PATH || undefined,
  };

  switch (cmd) {
    case 'deploy': {
      const url = databaseUrl();
      print(`Deploying migrations to ${maskUrl(url)}`);
      const { applied } = await deployMigrations(url, opts);
      print(applied.length ? `Applied ${applied.length} migration(s).` : 'No pending migrations.');
      return 0;
    }
    case 'create': {
      const name = rest[0];
      if (!name) return fail('Usage: pnpm db create <name>', 2);
      const url = databaseUrl();
      const res = await createMigration(url, name, opts);
      if (!res.name) print('schema.prisma and the migrations already agree: no migration created.');
      else print(`Review ${res.path}, then run \`pnpm db deploy\`.`);
      return 0;
    }
    case 'status': {
      const url = databaseUrl();
      const st = await migrationStatus(url, opts);
      print(`Database ${maskUrl(url)}`);
      print(`Applied (${st.applied.length}): ${st.applied.join(', ') || '-'}`);
      print(`Pending (${st.pending.length}): ${st.pending.join(', ') || '-'}`);
      if (st.failed.length) print(`FAILED: ${st.failed.join(', ')}`);
      if (st.edited.length) print(`EDITED after being applied: ${st.edited.join(', ')}`);
      if (st.missingFromFolder.length)
        print(`Applied but missing from the folder: ${st.missingFromFolder.join(', ')}`);
      const bad = st.failed.length + st.edited.length + st.missingFromFolder.length;
      return bad ? 1 : 0;
    }
    case 'check': {
      const url = databaseUrl();
      const { drift, summary } = await checkDrift({ ...opts, log: undefined, databaseUrl: url });
      if (drift) {
        process.stderr.write(
          'DRIFT: prisma/schema.prisma differs from the migrations folder. ' +
            'Run `pnpm db create <name>` to generate a migration.\n' +
            (summary ? summary + '\n' : ''),
        );
        return 1;
      }
      print('OK: prisma/schema.prisma matches the migrations.');
      return 0;
    }
    case 'reset': {
      if (!flags.has('--force')) {
        return fail(
          '`pnpm db reset` drops EVERY table and row in DATABASE_URL. Re-run with --force to confirm.',
          2,
        );
      }
      const url = databaseUrl();
      print(`Resetting ${maskUrl(url)}`);
      const { applied } = await resetDatabase(url, opts);
      print(`Reset done; applied ${applied.length} migration(s).`);
      return 0;
    }
    case undefined:
    case 'help':
      print(USAGE);
      return cmd ? 0 : 2;
    default:
      return fail(`Unknown command "${cmd}".\n${USAGE}`, 2);
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    const msg = e instanceof Error ? e.message : String(e);
    // never echo credentials that may appear inside driver errors
    fail(`Error: ${msg.replace(/(postgres(?:ql)?:\/\/[^:\s/]+:)[^@\s]+@/g, '$1***@')}`);
  },
);
