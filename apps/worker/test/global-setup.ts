// Before any worker test: the build the tests run (dist/main.mjs) is rebuilt when one of its sources
// changed since, so a test never exercises code older than the checkout.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export default function setup(): void {
  const script = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../scripts/build.mjs');
  execFileSync(process.execPath, [script, '--if-stale'], { stdio: 'inherit' });
}
