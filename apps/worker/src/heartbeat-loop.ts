/**
 * Runs `beat` every `intervalMs`, measured from the end of the previous beat: a slow database delays
 * beats instead of stacking them up, and stop() waits for the one in flight (unlike setInterval).
 */
export class HeartbeatLoop {
  private readonly beat: () => Promise<void>;
  private readonly intervalMs: number;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;
  private isStopped = false;

  constructor(beat: () => Promise<void>, intervalMs: number) {
    this.beat = beat;
    this.intervalMs = intervalMs;
  }

  start(): void {
    this.schedule();
  }

  async stop(): Promise<void> {
    this.isStopped = true;
    clearTimeout(this.timer);
    await this.inFlight;
  }

  private schedule(): void {
    if (this.isStopped) return;
    this.timer = setTimeout(() => {
      this.inFlight = this.beat().finally(() => {
        this.inFlight = undefined;
        this.schedule();
      });
    }, this.intervalMs);
  }
}
