// Runs `prisma generate` offline. Every prisma CLI command first looks for the native schema-engine
// binary and tries to download it; pointing PRISMA_SCHEMA_ENGINE_BINARY at any existing executable
// skips that download. `generate` never runs the engine, so `node` itself serves.
import { spawnSync } from 'node:child_process';

const env = { ...process.env, PRISMA_HIDE_UPDATE_MESSAGE: '1', CHECKPOINT_DISABLE: '1' };
env.PRISMA_SCHEMA_ENGINE_BINARY ??= process.execPath;
const result = spawnSync('pnpm', ['exec', 'prisma', 'generate'], { stdio: 'inherit', env, shell: false });
process.exit(result.status ?? 1);
