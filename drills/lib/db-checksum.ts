// Every table's row count and a checksum of its contents, read straight from PostgreSQL, so a drill can
// show that a burst of requests wrote nothing at all.
import type { DbClient } from '@wa-fleet/db';

export interface TableState {
  rows: number;
  checksum: string;
}

/**
 * `countOnly` tables are compared by row count alone: reading a session legitimately stamps its
 * lastUsedAt, so the drill's own valid sessions change that table's contents without any hostile write.
 */
export async function tableStates(db: DbClient, countOnly: string[]): Promise<Map<string, TableState>> {
  const tables = await db.$queryRawUnsafe<{ name: string }[]>(
    `SELECT table_name AS name FROM information_schema.tables
     WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name`,
  );
  const states = new Map<string, TableState>();
  for (const { name } of tables) {
    const quoted = `"${name.replaceAll('"', '""')}"`;
    const [row] = await db.$queryRawUnsafe<{ rows: bigint; checksum: string | null }[]>(
      `SELECT count(*) AS rows, md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) AS checksum
       FROM ${quoted} t`,
    );
    states.set(name, {
      rows: Number(row?.rows ?? 0),
      checksum: countOnly.includes(name) ? '(count only)' : (row?.checksum ?? ''),
    });
  }
  return states;
}
