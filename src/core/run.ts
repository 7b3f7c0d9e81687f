// One run of an app: from the moment its start begins (before the port, the hooks and the
// spawn) until its tree is gone. It owns the run's abort signal, so a Stop or a Restart that
// comes while the run is still preparing cancels it at once. No `vscode` import.
import type { Logger } from './log';
import { describeExit } from './outcome';
import type { ManagedProcess } from './process';
import type { ProcessTracker } from './reaper';

/** One start of the app's process: what hooks (credentials, Azure scopes) attach to. */
export interface RunInfo {
  readonly id: string;
  readonly port: number;
  readonly startedAt: number;
}

export class RunLifetime {
  private readonly controller = new AbortController();
  private _process: ManagedProcess | undefined;
  private _stopping = false;
  /** Whether the run's hooks were opened (and so must be closed). */
  hooksOpen = false;
  /** Whether it runs under debugpy (a debugger attaches to it: it is gone before the next run starts). */
  underDebugger = false;

  constructor(readonly info: RunInfo) {}

  get id(): string {
    return this.info.id;
  }

  /** Aborted when the run is cancelled (stop, restart, dispose) or its process is being stopped. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get cancelled(): boolean {
    return this.controller.signal.aborted;
  }

  /** The run's process, once spawned. */
  get process(): ManagedProcess | undefined {
    return this._process;
  }

  /**
   * The run's process, spawned: the tracker (the reaper) knows it until its whole tree is gone
   * (a stop waits for that; a crash may leave children behind).
   */
  adopt(proc: ManagedProcess, tracker: ProcessTracker | undefined): void {
    this._process = proc;
    tracker?.track(proc.pid, proc.marker);
    void proc.exited.then(() => {
      if (!this._stopping && proc.liveTree().length) return;
      tracker?.untrack(proc.pid);
    });
  }

  /** Stops the run's tree (graceful, then escalating) and waits until it is gone. */
  async stopTree(graceMs: number, tracker: ProcessTracker | undefined, log: Logger): Promise<void> {
    this.markStopping();
    const proc = this._process;
    if (!proc) return;
    log.info(`[run ${this.id}] stop pid ${proc.pid}`);
    const info = await proc.stop({ graceMs });
    tracker?.untrack(proc.pid);
    log.info(`[run ${this.id}] stopped (${describeExit(info)})`);
  }

  /** Whether its tree is being (or was) stopped on purpose: an exit is then not a crash. */
  get stopping(): boolean {
    return this._stopping;
  }

  /** Cancels whatever the run still waits for (preparing, hooks, readiness). Idempotent. */
  cancel(): void {
    this.controller.abort();
  }

  /** Marks the run as stopped on purpose, and cancels it. */
  markStopping(): void {
    this._stopping = true;
    this.cancel();
  }
}
