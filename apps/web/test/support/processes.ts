import { spawn, type ChildProcess } from 'node:child_process';
import { waitFor } from '@wa-fleet/devstack';

export interface RunningProcess {
  child: ChildProcess;
  /** Everything it printed, for the error message when it does not come up. */
  output: () => string;
  stop(): Promise<void>;
}

const MAX_OUTPUT = 20_000;

/** Spawns a child whose output is kept (not printed) and which stop() ends by its own pid. */
export function startProcess(
  command: string,
  args: string[],
  opts: { cwd: string; env: Record<string, string | undefined> },
): RunningProcess {
  // Next's types make NODE_ENV a required key of ProcessEnv; the callers' env objects are complete as given.
  const child: ChildProcess = spawn(command, args, {
    cwd: opts.cwd,
    env: opts.env as NodeJS.ProcessEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-MAX_OUTPUT);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    child,
    output: () => output,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Polls `url` until it answers `status`, failing early (with the child's output) if the child died. */
export async function waitForHttp(
  what: string,
  url: string,
  proc: RunningProcess,
  timeoutMs = 60_000,
): Promise<void> {
  try {
    await waitFor(
      what,
      async () => {
        if (proc.child.exitCode !== null) throw new Error(`${what} exited with ${proc.child.exitCode}`);
        const res = await fetch(url, { redirect: 'manual' }).catch(() => undefined);
        return res !== undefined && res.status < 500;
      },
      { timeoutMs, intervalMs: 200 },
    );
  } catch (err) {
    throw new Error(
      `${err instanceof Error ? err.message : String(err)}\n--- ${what} output ---\n${proc.output()}`,
    );
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
