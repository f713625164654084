// What a drill is: one file `drills/<name>.drill.ts` exporting `drill`. The runner gives it a fresh
// stack of real processes and a reporter; the drill breaks something for real, counts what survived and
// records each count with what it must be. Any count that is off fails the drill (exit code 1).
import type { Stack } from './stack.ts';

export interface DrillOptions {
  /** Shorter outages and waits, for the test command. */
  isFast: boolean;
}

export interface Reporter {
  /** What the drill does, as it does it. */
  step(message: string): void;
  /** A count and what it must be; a mismatch fails the drill (the drill goes on, to count the rest). */
  expect(label: string, actual: number | string | boolean, expected: number | string | boolean): void;
  /** A count and the most it may be; over it fails the drill. */
  atMost(label: string, actual: number, max: number): void;
  /** A figure worth printing that has no single right value (durations, restarts). */
  note(label: string, value: number | string): void;
}

export interface Drill {
  /** What the drill does to the stack, in one line. */
  description: string;
  /** Environment for the stack's control plane and (through it) the workers. */
  env?(opts: DrillOptions): Record<string, string>;
  run(stack: Stack, report: Reporter, opts: DrillOptions): Promise<void>;
}
