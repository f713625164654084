// ESLint rule `wa-fleet/import-boundaries`: who may import what (ARCHITECTURE.md, "Who may import
// what"). It reads every import form (import/export ... from, import(), require()) and checks:
// - restricted modules (PM2, whatsapp-web.js, puppeteer) only inside the files allowed to load them;
// - apps never import each other (by relative path or package name), the portal never the control plane;
// - packages never import apps;
// - a package is imported only through its package.json `exports` (no @wa-fleet/x/src/..., no relative
//   path into another workspace).
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..');
const toPosix = (p) => p.split(path.sep).join('/');

/** Minimal glob: `**` any depth, `*` within a segment, `{a,b}` alternatives. */
export function globToRegExp(glob) {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*' && glob[i + 1] === '*') {
      out += '.*';
      i++;
      if (glob[i + 1] === '/') i++;
    } else if (c === '*') out += '[^/]*';
    else if (c === '{') out += '(?:';
    else if (c === '}') out += ')';
    else if (c === ',') out += '|';
    else out += c.replace(/[.+^$()|[\]\\?]/g, '\\$&');
  }
  return new RegExp(`^${out}$`);
}

function readWorkspaces() {
  const list = [];
  for (const kind of ['apps', 'packages']) {
    const base = path.join(ROOT, kind);
    if (!existsSync(base)) continue;
    for (const entry of readdirSync(base, { withFileTypes: true })) {
      const manifest = path.join(base, entry.name, 'package.json');
      if (!entry.isDirectory() || !existsSync(manifest)) continue;
      const pkg = JSON.parse(readFileSync(manifest, 'utf8'));
      const exportsField = pkg.exports ?? {};
      const keys = typeof exportsField === 'string' ? ['.'] : Object.keys(exportsField);
      list.push({
        name: pkg.name,
        dir: `${kind}/${entry.name}`,
        isApp: kind === 'apps',
        exports: new Set(keys),
      });
    }
  }
  return list;
}

export function createImportBoundariesRule({ restrictedModules }) {
  const workspaces = readWorkspaces();
  const byName = new Map(workspaces.map((w) => [w.name, w]));
  const owner = (rel) => workspaces.find((w) => rel === w.dir || rel.startsWith(`${w.dir}/`));
  const restrictions = restrictedModules.map((r) => ({ ...r, allowed: globToRegExp(r.allowedIn) }));

  return {
    meta: {
      type: 'problem',
      docs: { description: 'who may import what in the wa-fleet monorepo' },
      schema: [],
    },
    create(context) {
      const fileRel = toPosix(path.relative(ROOT, context.filename));
      const from = owner(fileRel);

      function crossing(target, node) {
        if (!from || target === from) return;
        if (from.isApp && target.isApp) {
          const message =
            from.name === '@wa-fleet/web' && target.name === '@wa-fleet/control-plane'
              ? "the portal never imports the control plane's code (it calls its HTTP API)"
              : `apps never import each other (${from.name} -> ${target.name}); they meet in PostgreSQL, Redis and HTTP`;
          context.report({ node, message });
          return true;
        }
        if (!from.isApp && target.isApp) {
          context.report({ node, message: `packages never import apps (${from.name} -> ${target.name})` });
          return true;
        }
        return false;
      }

      function check(source, node) {
        if (typeof source !== 'string') return;
        for (const r of restrictions) {
          const hit = r.modules.some((m) => source === m || source.startsWith(`${m}/`));
          if (hit && !r.allowed.test(fileRel))
            context.report({ node, message: `'${source}' may only be imported in ${r.allowedIn}: ${r.why}` });
        }
        if (source.startsWith('.')) {
          const targetRel = toPosix(
            path.relative(ROOT, path.resolve(path.dirname(context.filename), source)),
          );
          const target = owner(targetRel);
          if (!target || target === from) return;
          // Repository-level tooling (bench/, scripts/, test/) may measure an app's internals by path.
          if (!from && target.isApp) return;
          if (crossing(target, node)) return;
          context.report({
            node,
            message: `import ${target.name} through its package.json exports, not by path ('${source}')`,
          });
          return;
        }
        const match = /^(@wa-fleet\/[^/]+)(?:\/(.+))?$/.exec(source);
        if (!match) return;
        const target = byName.get(match[1]);
        if (!target) return;
        if (crossing(target, node)) return;
        const sub = match[2] ? `./${match[2]}` : '.';
        if (!target.exports.has(sub))
          context.report({
            node,
            message: `'${source}' is not in the exports of ${target.name} (exports: ${[...target.exports].join(', ')})`,
          });
      }

      const literal = (n) => (n && n.type === 'Literal' ? n.value : undefined);
      return {
        ImportDeclaration: (node) => check(node.source.value, node),
        ExportNamedDeclaration: (node) => node.source && check(node.source.value, node),
        ExportAllDeclaration: (node) => check(node.source.value, node),
        ImportExpression: (node) => check(literal(node.source), node),
        TSImportEqualsDeclaration: (node) =>
          node.moduleReference.type === 'TSExternalModuleReference' &&
          check(literal(node.moduleReference.expression), node),
        CallExpression: (node) => {
          if (node.callee.type === 'Identifier' && node.callee.name === 'require')
            check(literal(node.arguments[0]), node);
        },
      };
    },
  };
}
