import type { Drill } from './lib/drill.ts';
import { INBOUND, OUTAGE_ENV, SENDS, outageMs, postgresOutage } from './lib/postgres-outage.ts';

export const drill: Drill = {
  description: `PostgreSQL stopped (60 s; 15 s with --fast) while ${INBOUND} customer messages arrive and ${SENDS} accepted sends wait`,
  env: () => OUTAGE_ENV,
  run: (stack, report, opts) => {
    report.note('outage', `${outageMs(opts) / 1000} s`);
    return postgresOutage(stack, report, { ...opts, killWorkerMidway: false });
  },
};
