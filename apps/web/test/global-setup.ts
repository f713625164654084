import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { TEST_ADMIN_KEY, TEST_PORTAL_KEY, TEST_SESSION_SECRET } from './support/keys.ts';
import { NEXT_BIN, NEXT_DIR, REPO_ROOT, WEB_DIR } from './support/paths.ts';

const STAMP = path.join(NEXT_DIR, 'e2e-build-stamp.txt');
const INPUTS = [
  'apps/web/src',
  'apps/web/next.config.ts',
  'apps/web/tsconfig.json',
  'apps/web/package.json',
  'packages/shared/src',
  'packages/config/src',
  'packages/contract/src',
];

function listFiles(dir: string, out: string[]): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) listFiles(full, out);
    else if (!entry.name.endsWith('.test.ts')) out.push(full);
  }
}

/** Changes when any source the build reads changes, or when the test keys change. */
function fingerprint(): string {
  const hash = createHash('sha256');
  hash.update(`${TEST_PORTAL_KEY}|${TEST_ADMIN_KEY}|${TEST_SESSION_SECRET}`);
  for (const input of INPUTS) {
    const full = path.join(REPO_ROOT, input);
    const files: string[] = [];
    if (statSync(full).isDirectory()) listFiles(full, files);
    else files.push(full);
    for (const file of files.sort())
      hash
        .update(`${path.relative(REPO_ROOT, file)}:${readFileSync(file).length}:`)
        .update(readFileSync(file));
  }
  return hash.digest('hex');
}

/**
 * Builds the portal once per source change, with the test keys in the build environment: the bundle
 * test then proves that none of them ends up in what browsers download.
 */
export default function setup(): void {
  const wanted = fingerprint();
  if (
    existsSync(STAMP) &&
    readFileSync(STAMP, 'utf8') === wanted &&
    existsSync(path.join(NEXT_DIR, 'BUILD_ID'))
  )
    return;
  console.log('[web e2e] building the portal (next build)…');
  const result = spawnSync(process.execPath, [NEXT_BIN, 'build'], {
    cwd: WEB_DIR,
    stdio: ['ignore', 'inherit', 'inherit'],
    env: {
      NODE_ENV: 'production',
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NEXT_TELEMETRY_DISABLED: '1',
      PORTAL_INTERNAL_KEY: TEST_PORTAL_KEY,
      ADMIN_API_KEY: TEST_ADMIN_KEY,
      SESSION_SECRET: TEST_SESSION_SECRET,
    },
  });
  if (result.status !== 0) throw new Error(`next build failed (exit ${String(result.status)})`);
  writeFileSync(STAMP, wanted);
}
