import type { ProcessState } from '@wa-fleet/shared';

// The seam between the control plane and whatever runs worker processes (PM2 today; another host or
// Kubernetes tomorrow). Nothing outside a driver module knows the driver's words: the lifecycle builds
// a neutral spec, reads neutral states, and learns that a worker is up from its first heartbeat in
// PostgreSQL, never from a driver-specific "ready" signal, so every driver behaves the same.

/** Everything needed to run one worker process, in no driver's vocabulary. */
export interface WorkerProcessSpec {
  /** Unique process name (workerAppName(slug)). */
  name: string;
  /** Node entry point, run as `node <interpreterArgs> <script> <args>`. */
  script: string;
  interpreterArgs: string[];
  args: string[];
  cwd: string;
  /**
   * The COMPLETE environment of the process. A driver must not add its own or the control plane's
   * environment to it: workers (and the browsers they launch) get exactly this, and no secret.
   */
  env: Record<string, string>;
  /** Restart the process above this resident size. */
  maxMemoryMb: number;
  /** After asking the process to stop, kill it this long later. */
  killTimeoutMs: number;
  /** First delay of the restart back-off after a crash (grows with consecutive crashes). */
  restartBackoffMs: number;
  logFiles: { out: string; err: string };
}

/** One process as the driver sees it. */
export interface WorkerProcessInfo {
  name: string;
  pid: number | null;
  state: ProcessState;
  memoryBytes: number;
  cpuPercent: number;
  /** Time since the current process started; null when none runs. */
  uptimeMs: number | null;
  /** Restarts the driver did by itself (crash, memory cap) since the last start. */
  restarts: number;
}

export interface ProcessDriver {
  /** Starts the process; resolves once the driver launched it (readiness is the heartbeat's business). */
  start(spec: WorkerProcessSpec): Promise<void>;
  /** Asks the process to stop (interrupt, then kill after the spec's kill timeout); it stays listed. */
  stop(name: string): Promise<void>;
  /** Stops the process like stop() and forgets it; an unknown name counts as done. */
  delete(name: string): Promise<void>;
  /** Kills the process at once (SIGKILL: a stopped or hung process ignores gentler signals) and forgets it. */
  kill(name: string): Promise<void>;
  list(): Promise<WorkerProcessInfo[]>;
  find(name: string): Promise<WorkerProcessInfo | undefined>;
  /** Lets go of the driver's connection; running workers keep running. */
  disconnect(): Promise<void>;
}
