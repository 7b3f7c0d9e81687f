// Launch strategies: how a LaunchSpec becomes a running process tree. Cold spawns a new
// interpreter each time; the warm standby (a pre-imported interpreter waiting for "go") will
// implement the same interface. No `vscode` import.
import type { LaunchSpec } from './launch';
import { ManagedProcess, type SpawnOptions } from './process';

export interface LaunchStrategy {
  readonly name: string;
  launch(spec: LaunchSpec, opts: SpawnOptions): Promise<ManagedProcess>;
  /** Called when a run became ready: a strategy may prepare the next run here. */
  onRunReady?(spec: LaunchSpec, opts: SpawnOptions): void;
  /** Stops whatever the strategy keeps in the background. */
  dispose(): Promise<void>;
}

export class ColdLaunch implements LaunchStrategy {
  readonly name = 'cold';
  launch(spec: LaunchSpec, opts: SpawnOptions): Promise<ManagedProcess> {
    return ManagedProcess.spawn(spec.command, spec.args, opts);
  }
  async dispose(): Promise<void> {}
}
