// Driver-adapter factory handed to the WebAssembly schema engine. It wraps @prisma/adapter-pg 7.10.1
// and works around its three gaps for migrations (see shared/notes/offline-toolchain.md, "Prisma 7"):
//  1. Postgres `"char"` columns (OID 18, e.g. pg_constraint.contype) are not mapped: results are
//     remapped to text (OID 25) before the adapter sees them.
//  2. `executeScript` splits on `;` (breaks `$$` bodies, not atomic): the whole script is sent in one
//     simple-protocol query instead (Postgres runs it in one implicit transaction).
//  3. `connectToShadowDb()` connects to the MAIN database (data-loss trap): we create our own uniquely
//     named shadow database, connect to it by its own URL and drop it WITH (FORCE) on dispose / close().
// Every pool has max 1 connection so the engine's session advisory lock (pg_advisory_lock) serialises
// concurrent deploys. close() disposes every adapter created, else the process hangs ~10 s.
import { PrismaPg } from '@prisma/adapter-pg';
import type { SqlDriverAdapter, SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import pg from 'pg';
import { createDatabase, dropDatabase, uniqueDbName, withDatabase } from './pg-admin.ts';

const PG_CHAR_OID = 18;
const PG_TEXT_OID = 25;

type QueryFn = (...args: unknown[]) => unknown;

function remapCharFields(result: unknown): unknown {
  if (Array.isArray(result)) {
    for (const r of result) remapCharFields(r);
  } else if (result && typeof result === 'object' && 'fields' in result && Array.isArray(result.fields)) {
    const fields = result.fields as Array<{ dataTypeID?: number; name?: string }>;
    for (const f of fields) {
      if (f.dataTypeID === PG_CHAR_OID) f.dataTypeID = PG_TEXT_OID;
    }
    dropNotNullConstraintRows(result as { rows?: unknown[]; rowCount?: number | null }, fields);
  }
  return result;
}

/**
 * PostgreSQL 18 lists NOT NULL constraints in pg_constraint (contype 'n'). This engine build predates
 * that and panics on the unknown type while introspecting; NOT NULL is read from pg_attribute anyway,
 * so those rows are dropped from the constraint query's result.
 */
function dropNotNullConstraintRows(
  result: { rows?: unknown[]; rowCount?: number | null },
  fields: Array<{ name?: string }>,
): void {
  const index = fields.findIndex((f) => f.name === 'constraint_type');
  if (index < 0 || !Array.isArray(result.rows)) return;
  const valueOf = (row: unknown): unknown =>
    Array.isArray(row) ? row[index] : (row as Record<string, unknown>)['constraint_type'];
  const kept = result.rows.filter((row) => valueOf(row) !== 'n');
  if (kept.length === result.rows.length) return;
  result.rows = kept;
  result.rowCount = kept.length;
}

/** pg.Client whose query results report `"char"` columns as text (workaround 1). */
class CharAsTextClient extends pg.Client {}
const baseQuery = (pg.Client.prototype as unknown as { query: QueryFn }).query;
(CharAsTextClient.prototype as unknown as { query: QueryFn }).query = function (
  this: pg.Client,
  ...args: unknown[]
) {
  const last = args[args.length - 1];
  if (typeof last === 'function') {
    const cb = last as (err: unknown, res: unknown) => void;
    args[args.length - 1] = (err: unknown, res: unknown) => cb(err, err ? res : remapCharFields(res));
    return baseQuery.apply(this, args);
  }
  const out = baseQuery.apply(this, args);
  if (out && typeof (out as Promise<unknown>).then === 'function') {
    return (out as Promise<unknown>).then(remapCharFields);
  }
  return out;
};

function once(fn: () => Promise<void>): () => Promise<void> {
  let p: Promise<void> | undefined;
  return () => (p ??= fn());
}

export class MigrationAdapterFactory implements SqlMigrationAwareDriverAdapterFactory {
  readonly provider = 'postgres' as const;
  readonly adapterName = '@prisma/adapter-pg';
  private readonly disposers = new Set<() => Promise<void>>();
  private readonly shadowDbs = new Set<string>();

  constructor(
    private readonly url: string,
    private readonly log: (msg: string) => void = () => {},
  ) {}

  connect(): Promise<SqlDriverAdapter> {
    return this.open(this.url);
  }

  async connectToShadowDb(): Promise<SqlDriverAdapter> {
    const name = uniqueDbName('wa_fleet_shadow');
    await createDatabase(this.url, name);
    this.shadowDbs.add(name);
    this.log(`created shadow database ${name}`);
    try {
      return await this.open(withDatabase(this.url, name), () => this.dropShadow(name));
    } catch (e) {
      await this.dropShadow(name);
      throw e;
    }
  }

  /** Disposes every adapter (closing its pool) and drops every shadow database still around. */
  async close(): Promise<void> {
    const errors: unknown[] = [];
    for (const dispose of [...this.disposers]) await dispose().catch((e: unknown) => errors.push(e));
    for (const name of [...this.shadowDbs]) await this.dropShadow(name).catch((e: unknown) => errors.push(e));
    if (errors.length > 0) throw errors[0];
  }

  private async dropShadow(name: string): Promise<void> {
    if (!this.shadowDbs.has(name)) return;
    await dropDatabase(this.url, name);
    this.shadowDbs.delete(name);
    this.log(`dropped shadow database ${name}`);
  }

  private async open(url: string, afterDispose?: () => Promise<void>): Promise<SqlDriverAdapter> {
    const pool = new pg.Pool({ connectionString: url, max: 1, Client: CharAsTextClient });
    pool.on('error', () => {}); // idle-client errors (e.g. a forced drop) must not crash the process
    const adapter = await new PrismaPg(pool, { disposeExternalPool: true }).connect();

    // Workaround 2: one round trip for the whole script.
    adapter.executeScript = async (script: string): Promise<void> => {
      try {
        await pool.query(script);
      } catch (error) {
        (adapter as unknown as { onError(e: unknown): never }).onError(error);
      }
    };

    const baseDispose = adapter.dispose.bind(adapter);
    const dispose = once(async () => {
      this.disposers.delete(dispose);
      await baseDispose();
      if (afterDispose) await afterDispose();
    });
    adapter.dispose = dispose;
    this.disposers.add(dispose);
    return adapter;
  }
}
