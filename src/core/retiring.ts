// Runs that an overlapped restart replaced: each one's hooks are closed at once (its Azure scope
// first, as for any stop), then its tree is stopped in the background with the same
// graceful-then-escalating sequence, while the next run starts. A stop or dispose waits for all
// of them. No `vscode` import.
import type { Logger } from './log';
import type { ProcessTracker } from './reaper';
import { closeHooks, type RunHook } from './run-hooks';
import type { RunLifetime } from './run';

export class RetiringRuns {
  private readonly runs = new Map<RunLifetime, Promise<void>>();

  constructor(
    private readonly hooks: readonly RunHook[],
    private readonly tracker: ProcessTracker | undefined,
    private readonly log: Logger,
  ) {}

  /** Closes `life`'s hooks (awaited), then stops its tree in the background. */
  async retire(life: RunLifetime, graceMs: number): Promise<void> {
    life.markStopping();
    await closeHooks(this.hooks, life, this.log);
    const done = life
      .stopTree(graceMs, this.tracker, this.log)
      .catch((e: Error) => this.log.warn(`[run ${life.id}] could not stop: ${e.message}`))
      .finally(() => this.runs.delete(life));
    this.runs.set(life, done);
  }

  /** Pids of the trees still being stopped. */
  pids(): number[] {
    return [...this.runs.keys()].flatMap((l) => l.process?.liveTree() ?? []);
  }

  /** Resolves when every retiring tree is gone. */
  async all(): Promise<void> {
    while (this.runs.size) await Promise.all(this.runs.values());
  }

  /** Host exit: kills every retiring tree now. */
  killNow(): void {
    for (const life of this.runs.keys()) life.process?.killNow();
  }
}
