// One run of an app: from the moment its start begins (before the port, the hooks and the
// spawn) until its tree is gone. It owns the run's abort signal, so a Stop or a Restart that
// comes while the run is still preparing cancels it at once. No `vscode` import.
import type { ManagedProcess } from './process';

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

  set process(proc: ManagedProcess | undefined) {
    this._process = proc;
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
