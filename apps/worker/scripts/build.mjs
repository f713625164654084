#!/usr/bin/env node
// Builds the tenant worker into one JavaScript file, apps/worker/dist/main.mjs, which the control plane
// runs for every tenant (plain `node`, no TypeScript loader: see ARCHITECTURE.md, "How workers are
// launched"). Plain JavaScript on purpose: it runs before anything else is built, and the control plane
// runs it too (as a child process) when it finds the build stale.
//
//   node apps/worker/scripts/build.mjs             # build now
//   node apps/worker/scripts/build.mjs --if-stale  # build only when missing or older than its inputs
//   node apps/worker/scripts/build.mjs --check     # exit 0 when fresh, 3 (and say why) when not
//
// Fresh means: dist/build-info.json lists every input file esbuild read (sources, node_modules, the
// generated Prisma client) with its size, modification time and content hash, and none of them changed
// (a file with a new modification time is hashed again: only its content counts) or vanished, and the
// build's own settings are the same. Writes are atomic (temporary file, then rename), so two
// builds at once, or a worker starting while one runs, never see half a file.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const APP_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ENTRY = path.join(APP_DIR, 'src/main.ts');
export const DIST_DIR = path.join(APP_DIR, 'dist');
export const BUNDLE = path.join(DIST_DIR, 'main.mjs');
const INFO = path.join(DIST_DIR, 'build-info.json');
/** Bumped whenever the options below change in a way the inputs do not show. */
const BUILD_FORMAT = 2;

/**
 * Left out of the bundle, loaded from node_modules when (if ever) used: whatsapp-web.js pulls in
 * puppeteer, which only a wwebjs worker needs (it is imported lazily, so a simulator worker never loads
 * it); pg-native is pg's optional native driver, not installed.
 */
const EXTERNAL = ['whatsapp-web.js', 'pg-native'];

/**
 * Prisma's query compiler comes in a "fast" and a "small" WebAssembly build with the same JavaScript
 * glue. A worker sends a handful of short statements, so it gets the small one (half the code to compile
 * and keep). Its bytes go next to the bundle as a file, read when Prisma compiles it, instead of a 4.5 MB
 * base64 string that would stay in the worker's heap (and in the bundle's source text) for good.
 */
const PRISMA_COMPILER = /query_compiler_fast_bg\.postgresql\.(mjs|wasm-base64\.mjs)$/;

function inputsStamp(inputs) {
  const stamp = {};
  for (const file of inputs) {
    const st = statSync(file);
    stamp[file] = [st.size, Math.round(st.mtimeMs), hashFile(file)];
  }
  return stamp;
}

/** undefined when the bundle is up to date, else why not (readable). */
export function staleReason() {
  if (!existsSync(BUNDLE)) return `${path.relative(process.cwd(), BUNDLE) || BUNDLE} is missing`;
  let info;
  try {
    info = JSON.parse(readFileSync(INFO, 'utf8'));
  } catch {
    return 'dist/build-info.json is missing or unreadable';
  }
  if (info.format !== BUILD_FORMAT) return 'the build settings changed';
  if (!info.bundle || hashFile(BUNDLE) !== info.bundle) return 'dist/main.mjs was changed after the build';
  for (const [file, [size, mtime, hash]] of Object.entries(info.inputs ?? {})) {
    let st;
    try {
      st = statSync(file);
    } catch {
      return `${path.relative(APP_DIR, file)} is gone`;
    }
    // A new modification time alone (a checkout, a regenerated Prisma client with the same content)
    // is not a change: the content decides.
    const isSame = st.size === size && (Math.round(st.mtimeMs) === mtime || hashFile(file) === hash);
    if (!isSame) return `${path.relative(APP_DIR, file)} changed`;
  }
  return undefined;
}

function hashFile(file) {
  return createHash('sha256').update(readFileSync(file)).digest('hex').slice(0, 16);
}

function writeAtomic(file, data) {
  const tmp = `${file}.tmp-${process.pid}-${Date.now()}`;
  writeFileSync(tmp, data);
  renameSync(tmp, file);
}

export async function build() {
  const { build: esbuild, version } = await import('esbuild');
  const require = createRequire(path.join(APP_DIR, 'package.json'));
  mkdirSync(DIST_DIR, { recursive: true });
  const extraInputs = new Set([fileURLToPath(import.meta.url)]);
  let wasmFile;

  const prismaCompiler = {
    name: 'prisma-small-compiler',
    setup(b) {
      // The generated client names the glue module the WebAssembly imports from: the small build's.
      b.onLoad({ filter: /generated[\\/]prisma[\\/]internal[\\/]class\.ts$/ }, (args) => {
        const source = readFileSync(args.path, 'utf8');
        const patched = source.replaceAll('"./query_compiler_fast_bg.js"', '"./query_compiler_small_bg.js"');
        if (patched === source)
          throw new Error(`${args.path}: no query_compiler_fast_bg import name to switch`);
        return { contents: patched, loader: 'ts' };
      });
      b.onLoad({ filter: PRISMA_COMPILER }, (args) => {
        const small = args.path.replace('query_compiler_fast_bg', 'query_compiler_small_bg');
        extraInputs.add(small);
        if (!small.endsWith('.wasm-base64.mjs'))
          return { contents: readFileSync(small, 'utf8'), loader: 'js' };
        // The module exports the base64 text; Prisma passes it to Buffer.from(x, 'base64'), which for an
        // object takes valueOf(): the raw bytes, read from disk only then and garbage afterwards.
        const { wasm } = decodeWasmModule(small);
        const name = `query-compiler-${createHash('sha256').update(wasm).digest('hex').slice(0, 12)}.wasm`;
        wasmFile = path.join(DIST_DIR, name);
        if (!existsSync(wasmFile) || hashFile(wasmFile) !== hashBytes(wasm)) writeAtomic(wasmFile, wasm);
        return {
          contents: [
            "import { readFileSync } from 'node:fs';",
            `export const wasm = { valueOf: () => readFileSync(new URL(${JSON.stringify(`./${name}`)}, import.meta.url)) };`,
          ].join('\n'),
          loader: 'js',
        };
      });
    },
  };

  const result = await esbuild({
    entryPoints: [ENTRY],
    outfile: BUNDLE,
    write: false,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: EXTERNAL,
    plugins: [prismaCompiler],
    metafile: true,
    // CommonJS dependencies (ioredis, pg) require() Node's own modules: give the ESM bundle a require.
    banner: {
      js: "import { createRequire as __waCreateRequire } from 'node:module'; const require = __waCreateRequire(import.meta.url);",
    },
    // V8 keeps a module's whole source text in the heap for as long as the process lives: minified, the
    // bundle is 2.6 MB instead of 4.6 MB. Function names are kept for stack traces; dist/main.mjs.map
    // maps them back to the sources (read only when node runs with --enable-source-maps).
    minify: true,
    keepNames: true,
    sourcemap: 'linked',
    legalComments: 'none',
    logLevel: 'warning',
    absWorkingDir: APP_DIR,
  });
  if (!wasmFile)
    throw new Error("the Prisma query compiler was not bundled (Prisma's generated client changed?)");
  const inputs = new Set(extraInputs);
  for (const input of Object.keys(result.metafile.inputs)) {
    // Virtual or namespaced inputs (none expected) have no file to watch.
    const file = path.resolve(APP_DIR, input);
    if (existsSync(file)) inputs.add(file);
  }
  inputs.add(require.resolve('esbuild/package.json'));
  // The map first: a bundle is never without the map it names.
  for (const out of [...result.outputFiles].sort(
    (a, b) => Number(b.path.endsWith('.map')) - Number(a.path.endsWith('.map')),
  ))
    writeAtomic(out.path, out.contents);
  writeAtomic(
    INFO,
    `${JSON.stringify({ format: BUILD_FORMAT, esbuild: version, bundle: hashFile(BUNDLE), wasm: path.basename(wasmFile), inputs: inputsStamp([...inputs].sort()) }, null, 1)}\n`,
  );
  return { bundle: BUNDLE, inputs: inputs.size };
}

function hashBytes(bytes) {
  return createHash('sha256').update(bytes).digest('hex').slice(0, 16);
}

/** The WebAssembly bytes of one of Prisma's `*.wasm-base64.mjs` modules (`export const wasm = "..."`). */
function decodeWasmModule(file) {
  const text = readFileSync(file, 'utf8');
  const match = /wasm\s*=\s*["']([A-Za-z0-9+/=]+)["']/.exec(text);
  if (!match) throw new Error(`no base64 WebAssembly found in ${file}`);
  return { wasm: Buffer.from(match[1], 'base64') };
}

const isMain = process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const args = process.argv.slice(2);
  const reason = staleReason();
  if (args.includes('--check')) {
    if (reason) console.error(`worker build is stale: ${reason}`);
    process.exit(reason ? 3 : 0);
  }
  if (args.includes('--if-stale') && !reason) process.exit(0);
  const t0 = Date.now();
  try {
    const { inputs } = await build();
    console.error(
      `worker build: ${path.relative(process.cwd(), BUNDLE)} (${inputs} inputs, ${Date.now() - t0} ms${reason ? `; was stale: ${reason}` : ''})`,
    );
  } catch (err) {
    console.error(`worker build failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
}
