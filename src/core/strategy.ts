// Launch strategies: how a LaunchSpec becomes a running process tree. Cold spawns a new
// interpreter each time; WarmLaunch (warm.ts) hands the run to a pre-imported standby.
// No `vscode` import.
import type { LaunchSpec } from './launch';
import { withRunEnv, type RunEnv } from './env';
import { ManagedProcess } from './process';

export interface LaunchRequest {
  readonly spec: LaunchSpec;
  /** The app's environment without anything specific to this run (inherited + .env + profile). */
  readonly env: NodeJS.ProcessEnv;
  /** This run's own variables (e.g. brokered credentials), applied on top of `env` (`null` removes one). */
  readonly runEnv: RunEnv;
  readonly onStdout: (text: string) => void;
  readonly onStderr: (text: string) => void;
}

export interface LaunchResult {
  readonly process: ManagedProcess;
  /** How it was started, for the log: "cold", "warm", or "cold (why not warm)". */
  readonly via: string;
}

export interface LaunchStrategy {
  readonly name: string;
  launch(req: LaunchRequest): Promise<LaunchResult>;
  /** A run became ready: a strategy may prepare the next run now. */
  onRunReady?(spec: LaunchSpec, env: NodeJS.ProcessEnv): void;
  /** The app was stopped (not restarted): drop what was prepared for it. */
  onAppStopped?(): Promise<void>;
  /** Stops whatever the strategy keeps in the background. */
  dispose(): Promise<void>;
}

export function coldLaunch(req: LaunchRequest, via = 'cold'): Promise<LaunchResult> {
  return ManagedProcess.spawn(req.spec.command, req.spec.args, {
    cwd: req.spec.cwd,
    env: withRunEnv(req.env, req.runEnv),
    onStdout: req.onStdout,
    onStderr: req.onStderr,
  }).then((process) => ({ process, via }));
}

export class ColdLaunch implements LaunchStrategy {
  readonly name = 'cold';
  launch(req: LaunchRequest): Promise<LaunchResult> {
    return coldLaunch(req);
  }
  async dispose(): Promise<void> {}
}
