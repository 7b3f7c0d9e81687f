// What an app supervisor is given: how to build each launch, its settings, the launch strategy,
// run hooks, the reaper and the log. No `vscode` import.
import type { LaunchSpec } from './launch';
import type { Logger } from './log';
import type { ProcessTracker } from './reaper';
import type { RunHook } from './run-hooks';
import type { LaunchStrategy } from './strategy';

export interface Prepared {
  readonly spec: LaunchSpec;
  /** The full environment of the child (inherited + .env + profile), without the hooks' additions. */
  readonly env: NodeJS.ProcessEnv;
}

export interface SupervisorOptions {
  readonly host: string;
  /**
   * Builds the launch for a port. Called for every start, so edits and settings apply. `hot`:
   * for a hot standby started ahead of its restart (checked again on the same port at takeover).
   */
  prepare(port: number, hot?: boolean): Promise<Prepared>;
  /** The port setting: 0 picks a free one (then kept across restarts). */
  preferredPort(): number;
  /** How long a start may take to answer HTTP before the user is asked; 0: no limit (a debug run may sit at a breakpoint). */
  readyTimeoutMs(): number;
  stopGraceMs(): number;
  /**
   * Overlapped restarts: the next run starts (on another port) while the old tree is stopped in
   * the background, after the old run's hooks are closed. Off: the old tree is gone first.
   * Only with a port picked freely (preferredPort 0), and never after a run under the debugger.
   */
  overlap?(): boolean;
  /**
   * Hot standby: whether the next run's whole server may be started ahead of the save (only
   * where the framework runs no app code before a page connects; needs overlap).
   */
  hot?(): boolean;
  readonly strategy: LaunchStrategy;
  readonly hooks?: readonly RunHook[];
  /** Watchdog that kills the tree if the host dies before stopping it. */
  readonly tracker?: ProcessTracker;
  readonly log: Logger;
  /** Output of run `run` (`stopping`: our stop signal was sent to it). */
  onOutput?(stream: 'stdout' | 'stderr', text: string, run: { readonly id: string; readonly stopping: boolean }): void;
  /** Run `runId`'s process has exited and its pipes are drained. */
  onRunEnded?(runId: string): void;
}
