// Restart scheduling: debounce, coalesce, latest wins. No `vscode` import.
//
// - Requests within `debounceMs` of each other collapse into one (a burst of changes on disk,
//   auto-saves, a checkout or a formatter gives one restart).
// - An explicit save (`requestNow`) restarts at once unless a restart runs or another explicit
//   save came less than `debounceMs` before it: then it joins the burst (debounced).
// - A request that arrives while a restart runs marks exactly one more restart, which starts
//   as soon as the running one finishes; further requests meanwhile only replace its reason.
//   When its debounce runs out first, the running restart is interrupted (it is out of date).

export interface SchedulerOptions {
  readonly debounceMs: () => number;
  readonly run: (reason: string) => Promise<void>;
  /**
   * A burst ended while a restart runs: that restart is already out of date, so it may stop
   * waiting (an app that never gets ready must not hold the next restart back).
   */
  readonly interrupt?: () => void;
  readonly onError?: (e: unknown) => void;
}

export class RestartScheduler {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private running: Promise<void> | undefined;
  private pendingReason: string | undefined;
  private disposed = false;
  private runs = 0;
  private lastSave = -Infinity;

  constructor(private readonly opts: SchedulerOptions) {}

  /** Asks for a restart; `reason` is logged (e.g. "saved app.py"). */
  request(reason: string): void {
    if (this.disposed) return;
    this.pendingReason = reason;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        if (this.running) this.opts.interrupt?.();
        this.kick();
      },
      Math.max(0, this.opts.debounceMs()),
    );
  }

  /**
   * An explicit save: restarts now, unless a restart runs or the previous explicit save came
   * less than `debounceMs` before: then it joins the burst (debounced, latest wins). A waiting
   * debounced request (such as the same save seen first on disk) is started now instead.
   */
  requestNow(reason: string): void {
    if (this.disposed) return;
    const now = performance.now();
    const inBurst = now - this.lastSave < this.opts.debounceMs();
    this.lastSave = now;
    if (this.running || inBurst) {
      this.request(reason);
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.pendingReason = reason;
    this.kick();
  }

  /** Whether a request waits for its debounce to run out. */
  get waiting(): boolean {
    return this.timer !== undefined;
  }

  /** Drops a request not yet started (e.g. the app was stopped). */
  cancelPending(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.pendingReason = undefined;
  }

  /** How many restarts have been started. */
  get count(): number {
    return this.runs;
  }

  /** Resolves when nothing runs or waits (for tests and shutdown). */
  async idle(): Promise<void> {
    while (this.running || this.timer) {
      if (this.running) await this.running;
      else await new Promise((r) => setTimeout(r, 10));
    }
  }

  private kick(): void {
    if (this.running || this.disposed || this.pendingReason === undefined) return;
    const reason = this.pendingReason;
    this.pendingReason = undefined;
    this.runs++;
    this.running = this.opts
      .run(reason)
      .catch((e) => this.opts.onError?.(e))
      .finally(() => {
        this.running = undefined;
        if (!this.timer) this.kick();
      });
  }

  dispose(): void {
    this.disposed = true;
    this.cancelPending();
  }
}
