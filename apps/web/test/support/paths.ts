import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const WEB_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const REPO_ROOT = path.resolve(WEB_DIR, '../..');
export const NEXT_DIR = path.join(WEB_DIR, '.next');
export const NEXT_BIN = path.join(WEB_DIR, 'node_modules/next/dist/bin/next');
export const CONTROL_PLANE_SERVER = path.join(REPO_ROOT, 'apps/control-plane/src/server.ts');
export const SEED_CLI = path.join(REPO_ROOT, 'apps/control-plane/src/cli/seed-demo.ts');
/** The worker's build, as production runs it (the control plane rebuilds it when stale). */
export const WORKER_MAIN = path.join(REPO_ROOT, 'apps/worker/dist/main.mjs');
export const SCREENSHOT_DIR = path.join(REPO_ROOT, 'test-artifacts/screenshots');
export const DOCS_SCREENSHOT_DIR = path.join(REPO_ROOT, 'docs/screenshots');
