// PM2 definition of the long-lived apps for production: `pnpm exec pm2 start ecosystem.config.js`.
// Tenant workers are NOT listed here: the control plane starts one per tenant through PM2's API
// (as wa-tenant-<slug>, under its own PM2_HOME). Configure with the variables in README.md
// (DATABASE_URL, REDIS_URL, ADMIN_API_KEY, PORTAL_INTERNAL_KEY, SESSION_SECRET, ...), exported in the
// shell that runs pm2 or set in the `env` blocks below.
// ESM (the repo is "type": "module"): PM2 require()s this file and reads the named `apps` export.

const common = {
  cwd: import.meta.dirname,
  interpreter: 'node',
  autorestart: true,
  exp_backoff_restart_delay: 1000,
  kill_timeout: 15000,
  // Every line PM2 captures gets a millisecond timestamp; nothing a process prints is left without a time.
  // (Not `time: true`: PM2 7 then replaces this format with one in whole seconds.)
  log_date_format: 'YYYY-MM-DDTHH:mm:ss.SSSZ',
  merge_logs: true,
};

export const apps = [
  {
    ...common,
    name: 'wa-control-plane',
    script: 'apps/control-plane/src/server.ts',
    node_args: '--import tsx',
    out_file: 'logs/pm2/wa-control-plane-out.log',
    error_file: 'logs/pm2/wa-control-plane-error.log',
    max_memory_restart: '512M',
    env: { NODE_ENV: 'production' },
  },
  {
    ...common,
    name: 'wa-web',
    // Build first: `pnpm --filter @wa-fleet/web run build`.
    cwd: `${import.meta.dirname}/apps/web`,
    script: 'node_modules/next/dist/bin/next',
    args: 'start -H 127.0.0.1 -p 3000',
    out_file: '../../logs/pm2/wa-web-out.log',
    error_file: '../../logs/pm2/wa-web-error.log',
    max_memory_restart: '768M',
    // The portal needs only CONTROL_PLANE_URL, PORTAL_INTERNAL_KEY, SESSION_SECRET and COOKIE_SECURE. PM2
    // drops every variable whose name contains one of these (a non-empty list; `true` filters nothing).
    filter_env: ['ADMIN_API_KEY', 'DATABASE_URL', 'REDIS_URL', 'DEMO_PASSWORD', 'METRICS_TOKEN'],
    env: { NODE_ENV: 'production', NEXT_TELEMETRY_DISABLED: '1' },
  },
];
