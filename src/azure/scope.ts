// A run's scope on the shared blob client: everything done on behalf of one app run (tokens
// brokered to it, user delegation keys) is tracked here, so closing the scope can revoke
// the run's credentials, then drain its work (bounded) or abort it. No `vscode` import.

import { raceTimeout } from '../core/timeout';

export class ScopeClosedError extends Error {
  override readonly name = 'ScopeClosedError';
  constructor(runId: string) {
    super(`run ${runId} is closed`);
  }
}

export interface ScopeCloseResult {
  /** Operations that finished on their own during the drain. */
  readonly drained: number;
  /** Operations still running at the end of the drain, aborted. */
  readonly aborted: number;
  readonly ms: number;
}

export class RunScope {
  private readonly controller = new AbortController();
  private readonly inflight = new Set<Promise<unknown>>();
  private readonly onClose: Array<() => void> = [];
  private closing: Promise<ScopeCloseResult> | undefined;

  constructor(readonly runId: string) {}

  get closed(): boolean {
    return this.closing !== undefined;
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get pending(): number {
    return this.inflight.size;
  }

  /** Runs one operation of this run; it gets the scope's abort signal. Refused once closing. */
  track<T>(op: (signal: AbortSignal) => Promise<T>): Promise<T> {
    if (this.closing) return Promise.reject(new ScopeClosedError(this.runId));
    const p = op(this.controller.signal);
    this.inflight.add(p);
    const done = () => this.inflight.delete(p);
    p.then(done, done);
    return p;
  }

  /** Called first when the scope closes (revoking the run's secret). */
  whenClosed(fn: () => void): void {
    if (this.closing) fn();
    else this.onClose.push(fn);
  }

  /** Revoke, then wait up to `drainMs` for operations in flight, then abort the rest. */
  close(drainMs: number): Promise<ScopeCloseResult> {
    this.closing ??= this.doClose(drainMs);
    return this.closing;
  }

  private async doClose(drainMs: number): Promise<ScopeCloseResult> {
    const t0 = Date.now();
    for (const fn of this.onClose.splice(0)) {
      try {
        fn();
      } catch {
        // revocation callbacks only drop map entries; nothing to report
      }
    }
    const started = [...this.inflight];
    if (started.length) await raceTimeout(Promise.allSettled(started), drainMs);
    const left = [...this.inflight];
    if (left.length) {
      this.controller.abort(new ScopeClosedError(this.runId));
      await raceTimeout(Promise.allSettled(left), 1000); // an operation that ignores its signal is not waited for forever
    } else {
      this.controller.abort(new ScopeClosedError(this.runId));
    }
    return { drained: started.length - left.length, aborted: left.length, ms: Date.now() - t0 };
  }
}
