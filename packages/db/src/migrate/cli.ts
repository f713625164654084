// `pnpm db <command>`: offline Prisma migrations (see ./index.ts).
//   deploy            apply pending migrations
//   create <name>     generate prisma/migrations/<timestamp>_<name>/migration.sql from schema.prisma
//   status            list applied / pending migrations
//   check             exit 1 when schema.prisma and the migrations folder differ
//   reset --force     drop everything in the database, then deploy
import { parseArgs } from 'node:util';
import { ConfigError, loadMigrateCliConfig, type MigrateCliConfig } from '@wa-fleet/config';
import { maskUrl } from '@wa-fleet/shared';
import { checkDrift, createMigration, deployMigrations, migrationStatus, resetDatabase } from './index.ts';

const USAGE = `Usage: pnpm db <command>
  deploy            apply pending migrations to DATABASE_URL
  create <name>     generate a new migration from prisma/schema.prisma (does not apply it)
  status            show applied and pending migrations
  check             fail (exit 1) if prisma/schema.prisma differs from the migrations
  reset --force     DROP EVERYTHING in DATABASE_URL, then apply all migrations
Options: --verbose (engine logs), --force (reset only), -h/--help.
Env: DATABASE_URL (required), MIGRATIONS_DIR, SCHEMA_PATH (optional).`;

/** How many positional arguments each command takes after its name. */
const ARITY: Record<string, number> = { deploy: 0, create: 1, status: 0, check: 0, reset: 0, help: 0 };

const print = (msg: string): void => void process.stdout.write(msg + '\n');
const fail = (msg: string, code = 1): never => {
  process.stderr.write(msg + '\n');
  process.exit(code);
};

let env: MigrateCliConfig;

function databaseUrl(): string {
  const url = env.DATABASE_URL;
  if (!url)
    return fail('DATABASE_URL is not set (e.g. postgresql://user:password@127.0.0.1:5432/wa_fleet)', 2);
  return url;
}

/** Strict: an unknown or misspelt flag is refused (exit 2), never silently ignored. */
function parseCommandLine(argv: string[]) {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: true,
      options: {
        verbose: { type: 'boolean', default: false },
        force: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
    return { values, positionals };
  } catch (err) {
    return fail(`${err instanceof Error ? err.message : String(err)}\n${USAGE}`, 2);
  }
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandLine(argv);
  if (values.help) {
    print(USAGE);
    return 0;
  }
  const [cmd, ...rest] = positionals;
  const arity = cmd === undefined ? undefined : ARITY[cmd];
  if (arity !== undefined && rest.length > arity)
    return fail(`Unexpected argument(s) for ${cmd}: ${rest.slice(arity).join(' ')}\n${USAGE}`, 2);
  if (values.force && cmd !== 'reset') return fail('--force only applies to `pnpm db reset`', 2);
  try {
    env = loadMigrateCliConfig();
  } catch (err) {
    if (err instanceof ConfigError) return fail(err.message, 2);
    throw err;
  }
  const opts = {
    log: print,
    verbose: values.verbose,
    migrationsDir: env.MIGRATIONS_DIR,
    schemaPath: env.SCHEMA_PATH,
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
      if (!values.force) {
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
