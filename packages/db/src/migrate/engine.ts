// Loads the Prisma schema engine compiled to WebAssembly (@prisma/schema-engine-wasm) and runs one
// engine session against a database, always freeing the engine and closing every pool afterwards.
// Node 20 cannot `import` the package's entry (it imports a `.wasm` file), so we instantiate the
// module ourselves and wire it to the generated JS glue.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils';
import * as glue from '@prisma/schema-engine-wasm/schema_engine_bg';
import type { SchemaEngine, SchemaFilter } from '@prisma/schema-engine-wasm/schema_engine_bg';
import { MigrationAdapterFactory } from './adapter.ts';

export type { SchemaEngine };
export const FILTERS: SchemaFilter = { externalTables: [], externalEnums: [] };

// lib "ES2023" without DOM has no WebAssembly typings: declare the two calls we use.
interface WasmInstance {
  exports: Record<string, unknown>;
}
const Wasm = (
  globalThis as unknown as {
    WebAssembly: {
      compile(bytes: Uint8Array): Promise<object>;
      instantiate(module: object, imports: Record<string, object>): Promise<WasmInstance>;
    };
  }
).WebAssembly;

let loaded: Promise<typeof glue> | undefined;

/**
 * The wasm build reports a Rust panic's message through this global before it aborts; without it the
 * panic surfaces as "Cannot read properties of undefined (reading 'set_message')" and the real cause
 * is lost.
 */
let lastPanicMessage: string | undefined;
(globalThis as { PRISMA_WASM_PANIC_REGISTRY?: unknown }).PRISMA_WASM_PANIC_REGISTRY ??= {
  set_message(message: string) {
    lastPanicMessage = message;
  },
};

/** The message of the last engine panic in this process, if any. */
export function takeEnginePanic(): string | undefined {
  const message = lastPanicMessage;
  lastPanicMessage = undefined;
  return message;
}

function loadWasm(): Promise<typeof glue> {
  loaded ??= (async () => {
    const require = createRequire(import.meta.url);
    const gluePath = require.resolve('@prisma/schema-engine-wasm/schema_engine_bg');
    const bytes = await readFile(join(dirname(gluePath), 'schema_engine_bg.wasm'));
    const module = await Wasm.compile(bytes);
    const instance = await Wasm.instantiate(module, { './schema_engine_bg.js': glue });
    glue.__wbg_set_wasm(instance.exports);
    (instance.exports as { __wbindgen_start: () => void }).__wbindgen_start();
    return glue;
  })();
  return loaded;
}

/** Turns whatever the engine throws into an Error with a readable message. */
export function engineError(e: unknown): Error {
  const panic = takeEnginePanic();
  if (panic) return new Error(`schema engine panicked: ${panic}`);
  if (e instanceof Error) return e;
  if (e && typeof e === 'object') {
    const o = e as { message?: unknown; error?: unknown; meta?: unknown };
    const msg =
      typeof o.message === 'string' ? o.message : typeof o.error === 'string' ? o.error : JSON.stringify(e);
    return Object.assign(new Error(msg), { cause: e });
  }
  return new Error(String(e));
}

export interface EngineSession {
  schemaPath: string;
  schemaText: string;
  databaseUrl: string;
  /** Our own messages (shadow database created / dropped). */
  log?: ((msg: string) => void) | undefined;
  /** The engine's raw log lines (JSON). */
  engineLog?: ((msg: string) => void) | undefined;
}

/** Creates an engine bound to `databaseUrl` (shadow databases are created on the same server). */
export async function withEngine<T>(s: EngineSession, fn: (engine: SchemaEngine) => Promise<T>): Promise<T> {
  const wasm = await loadWasm();
  const factory = new MigrationAdapterFactory(s.databaseUrl, s.log);
  const engineLog = s.engineLog ?? (() => {});
  let engine: SchemaEngine | undefined;
  try {
    engine = await wasm.SchemaEngine.new(
      { datamodels: [[s.schemaPath, s.schemaText]] },
      (line: string) => engineLog(`engine: ${line}`),
      bindMigrationAwareSqlAdapterFactory(factory),
    );
    return await fn(engine);
  } catch (e) {
    throw engineError(e);
  } finally {
    try {
      engine?.free();
    } finally {
      await factory.close();
    }
  }
}
