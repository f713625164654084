// The import rules of eslint.config.js (ARCHITECTURE.md, "Who may import what"), run through ESLint's
// Node API with the repository's own config on small snippets placed at chosen paths: each rule fires
// where it must (negative) and stays quiet where the import is allowed (positive control).
import path from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '..');
const RULE = 'wa-fleet/import-boundaries';

// The repository config, with type information off (the snippets are not files of any tsconfig) and only
// the boundary rule running.
const eslint = new ESLint({
  cwd: root,
  overrideConfig: { languageOptions: { parserOptions: { projectService: false, project: null } } },
  ruleFilter: ({ ruleId }) => ruleId === RULE,
});

async function problems(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(root, file) });
  const fatal = result!.messages.filter((m) => m.fatal);
  if (fatal.length) throw new Error(fatal.map((m) => m.message).join('; '));
  return result!.messages.filter((m) => m.ruleId === RULE).map((m) => m.message);
}

describe('import rules (eslint.config.js)', () => {
  it('pm2 only in the process-driver module', async () => {
    const code = "import pm2 from 'pm2';\nconst r = require('pm2');\nexport { pm2, r };\n";
    const bad = await problems('apps/control-plane/src/services/worker-lifecycle.ts', code);
    expect(bad).toHaveLength(2);
    expect(bad[0]).toMatch(
      /'pm2' may only be imported in apps\/control-plane\/src\/services\/pm2-driver\.ts/,
    );
    expect(await problems('apps/worker/src/main.ts', "export const m = await import('pm2');\n")).toHaveLength(
      1,
    );
    expect(await problems('apps/control-plane/src/services/pm2-driver.ts', code)).toEqual([]);
    // The seam itself stays free of PM2: only its PM2 implementation may load it.
    expect(await problems('apps/control-plane/src/services/process-driver.ts', code)).toHaveLength(2);
  });

  it("whatsapp-web.js and puppeteer only inside an engine's folder, apps/worker/src/engine/<name>/", async () => {
    for (const mod of ['whatsapp-web.js', 'puppeteer', 'puppeteer-core/lib/x.js']) {
      const code = `export const m = await import('${mod}');\n`;
      const bad = await problems('apps/worker/src/tenant-worker.ts', code);
      expect(bad, mod).toEqual([
        expect.stringMatching(/may only be imported in apps\/worker\/src\/engine\/\*\/\*\*/),
      ]);
      expect(await problems('apps/control-plane/src/app.ts', code), mod).toHaveLength(1);
      expect(await problems('apps/worker/src/engine/wwebjs/wwebjs-engine.ts', code), mod).toEqual([]);
    }
  });

  it('apps never import each other, by relative path or by package name', async () => {
    expect(
      await problems(
        'apps/control-plane/src/app.ts',
        "import { x } from '../../worker/src/main.ts';\nexport { x };\n",
      ),
    ).toEqual([
      expect.stringMatching(/apps never import each other \(@wa-fleet\/control-plane -> @wa-fleet\/worker\)/),
    ]);
    expect(await problems('apps/worker/src/main.ts', "export * from '@wa-fleet/control-plane';\n")).toEqual([
      expect.stringMatching(/apps never import each other/),
    ]);
    // Positive control: inside one app, relative imports are fine.
    expect(
      await problems(
        'apps/control-plane/src/app.ts',
        "import { x } from './services/audit.ts';\nexport { x };\n",
      ),
    ).toEqual([]);
  });

  it("the portal never imports the control plane's code", async () => {
    for (const source of ['../../../control-plane/src/services/audit.ts', '@wa-fleet/control-plane']) {
      expect(
        await problems('apps/web/src/server/proxy.ts', `import { x } from '${source}';\nexport { x };\n`),
        source,
      ).toEqual([expect.stringMatching(/the portal never imports the control plane's code/)]);
    }
    // Positive control: the portal's own alias and the shared package.
    expect(
      await problems(
        'apps/web/src/server/proxy.ts',
        "import { a } from '@/server/session.ts';\nimport { isUuid } from '@wa-fleet/shared';\nexport { a, isUuid };\n",
      ),
    ).toEqual([]);
  });

  it('packages never import apps', async () => {
    expect(
      await problems(
        'packages/shared/src/slug.ts',
        "import { x } from '../../../apps/worker/src/main.ts';\nexport { x };\n",
      ),
    ).toEqual([
      expect.stringMatching(/packages never import apps \(@wa-fleet\/shared -> @wa-fleet\/worker\)/),
    ]);
    expect(await problems('packages/db/src/client.ts', "export * from '@wa-fleet/web';\n")).toEqual([
      expect.stringMatching(/packages never import apps/),
    ]);
    expect(await problems('packages/db/src/client.ts', "export * from '@wa-fleet/shared';\n")).toEqual([]);
  });

  it('imports another package only through its package.json exports', async () => {
    expect(
      await problems(
        'apps/worker/src/main.ts',
        "import { x } from '@wa-fleet/shared/src/slug.ts';\nexport { x };\n",
      ),
    ).toEqual([
      expect.stringMatching(/'@wa-fleet\/shared\/src\/slug\.ts' is not in the exports of @wa-fleet\/shared/),
    ]);
    expect(
      await problems(
        'apps/worker/src/main.ts',
        "import { x } from '../../../packages/shared/src/slug.ts';\nexport { x };\n",
      ),
    ).toEqual([
      expect.stringMatching(/import @wa-fleet\/shared through its package.json exports, not by path/),
    ]);
    // Positive control: declared subpath exports.
    expect(
      await problems(
        'apps/worker/src/main.ts',
        "import { a } from '@wa-fleet/db/migrate';\nimport { b } from '@wa-fleet/shared/health';\nexport { a, b };\n",
      ),
    ).toEqual([]);
  });

  it('the repository as it is passes every import rule', async () => {
    const results = await eslint.lintFiles([
      'apps/control-plane/src',
      'apps/control-plane/test',
      'apps/worker/src',
      'apps/worker/test',
      'apps/web/src',
      'packages/shared/src',
      'packages/config/src',
      'packages/logger/src',
      'packages/db/src',
      'packages/devstack/src',
      'scripts',
    ]);
    const hits = results.flatMap((r) =>
      r.messages
        .filter((m) => m.ruleId === RULE)
        .map((m) => `${path.relative(root, r.filePath)}: ${m.message}`),
    );
    expect(hits).toEqual([]);
    expect(results.length).toBeGreaterThan(100);
  });
});
