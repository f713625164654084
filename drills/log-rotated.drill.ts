// A running worker's tenant log renamed (as logrotate does) and later deleted under it. The worker holds
// the file open, so only its own check (one stat per 100 writes, and a timer once a second) notices: after it, lines go
// to a new `logs/<slug>.log`, and the admin API's tail reads across `<slug>.log.1` after the rename.
//
// Not counted as a loss: the lines written between an outside `rm` and the worker's next check go to the
// deleted file (the worker cannot know sooner); the drill sends probes until the new file appears and
// then counts every line written after it.
import { existsSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { waitFor } from '@wa-fleet/devstack';
import type { Drill } from './lib/drill.ts';
import type { Stack } from './lib/stack.ts';

const PER_PHASE = 5;

export const drill: Drill = {
  description: `a tenant log renamed to <slug>.log.1 and later deleted under a running worker; ${PER_PHASE} sends logged after each`,
  env: () => ({ SEND_RATE_PER_MIN: '600' }),
  async run(stack, report, opts) {
    const tenant = await stack.createRunningTenant();
    report.step(`tenant ${tenant.slug} created; worker RUNNING, session CONNECTED`);
    const file = path.join(stack.tmp, 'logs', `${tenant.slug}.log`);
    const deadlineMs = opts.isFast ? 30_000 : 60_000;
    let n = 0;
    const sendAndWait = async (label: string, count: number): Promise<string[]> => {
      const ids: string[] = [];
      for (let i = 0; i < count; i++, n++) {
        const res = await stack.portal(
          'POST',
          '/portal/tenant/current/messages',
          tenant.operator,
          tenant.slug,
          {
            to: `1444${String(n).padStart(7, '0')}`,
            text: `log drill ${label} ${i}`,
            idempotencyKey: `log-drill-${n}`,
          },
        );
        if (res.status !== 202) throw new Error(`send ${n}: HTTP ${res.status} ${await res.text()}`);
        ids.push(((await res.json()) as { id: string }).id);
      }
      await waitFor(
        `${label}: sends SENT`,
        async () => {
          const c = await stack.db.messageLog.count({
            where: { id: { in: ids }, status: { in: ['SENT', 'DELIVERED', 'READ'] } },
          });
          return c === ids.length ? true : undefined;
        },
        { timeoutMs: deadlineMs, intervalMs: 250 },
      );
      return ids;
    };
    const inFile = (f: string, ids: string[]) => ids.filter((id) => sentLineIds(f).has(id)).length;

    // Positive control: before anything is moved, sends are logged and the tail shows them.
    const before = await sendAndWait('before', PER_PHASE);
    report.expect(
      'lines in <slug>.log before the rename',
      await eventually(() => inFile(file, before), PER_PHASE),
      PER_PHASE,
    );
    const inodeBefore = statSync(file).ino;

    renameSync(file, `${file}.1`);
    report.step(`${tenant.slug}.log renamed to ${tenant.slug}.log.1 under the running worker`);
    const renamed = await sendAndWait('after the rename', PER_PHASE);
    const newFile = await waitFor('a new <slug>.log', async () => (existsSync(file) ? true : undefined), {
      timeoutMs: deadlineMs,
    }).catch(() => false);
    report.expect('a new <slug>.log after the rename', newFile && statSync(file).ino !== inodeBefore, true);
    report.note(
      'post-rename lines in .log / .log.1 (before the worker noticed)',
      `${inFile(file, renamed)} / ${inFile(`${file}.1`, renamed)}`,
    );
    report.expect(
      'post-rename lines in .log or .log.1',
      inFile(file, renamed) + inFile(`${file}.1`, renamed),
      PER_PHASE,
    );
    const tail1 = await tailIds(stack, tenant.slug);
    report.expect(
      'tail (200 lines) shows the lines from before the rename (.log.1)',
      before.filter((id) => tail1.has(id)).length,
      PER_PHASE,
    );
    report.expect(
      'tail shows the lines from after the rename',
      renamed.filter((id) => tail1.has(id)).length,
      PER_PHASE,
    );

    rmSync(file);
    rmSync(`${file}.1`);
    report.step(`${tenant.slug}.log and ${tenant.slug}.log.1 deleted under the running worker`);
    let probes = 0;
    await waitFor(
      'a new <slug>.log after the delete',
      async () => {
        if (existsSync(file)) return true;
        probes += 1;
        await sendAndWait(`probe ${probes}`, 1);
        return existsSync(file) ? true : undefined;
      },
      { timeoutMs: deadlineMs, intervalMs: 100 },
    ).catch(() => undefined);
    report.note('probe sends until the worker reopened the log', probes);
    report.expect('a new <slug>.log after the delete', existsSync(file), true);
    const deleted = await sendAndWait('after the delete', PER_PHASE);
    report.expect(
      'post-delete lines in the new <slug>.log',
      await eventually(() => inFile(file, deleted), PER_PHASE),
      PER_PHASE,
    );
    const tail2 = await tailIds(stack, tenant.slug);
    report.expect(
      'tail shows the lines from after the delete',
      deleted.filter((id) => tail2.has(id)).length,
      PER_PHASE,
    );
    report.expect('tail shows none of the deleted lines', before.filter((id) => tail2.has(id)).length, 0);

    const worker = await stack.db.workerProcess.findUnique({ where: { tenantId: tenant.id } });
    report.expect('worker status after the drill', worker?.status ?? 'none', 'RUNNING');
  },
};

/** Row ids of the "message sent" lines in a log file. */
function sentLineIds(file: string): Set<string> {
  if (!existsSync(file)) return new Set();
  const ids = new Set<string>();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.includes('"message sent"')) continue;
    const { messageId } = JSON.parse(line) as { messageId?: string };
    if (messageId) ids.add(messageId);
  }
  return ids;
}

async function tailIds(stack: Stack, slug: string): Promise<Set<string>> {
  const res = await stack.admin('GET', `/admin/tenants/${slug}/logs?lines=200`);
  if (res.status !== 200) throw new Error(`log tail: HTTP ${res.status} ${await res.text()}`);
  const { lines } = (await res.json()) as { lines: { msg?: string; messageId?: string }[] };
  return new Set(lines.filter((l) => l.msg === 'message sent' && l.messageId).map((l) => l.messageId!));
}

/** The row is SENT just after the worker logs the line; poll briefly for a count to reach `want`. */
async function eventually(count: () => number, want: number): Promise<number> {
  return waitFor('the lines on disk', async () => (count() === want ? want : undefined), {
    timeoutMs: 5_000,
    intervalMs: 100,
  }).catch(() => count());
}
