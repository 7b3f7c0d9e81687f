// Starting one run's process: build its launch, open its hooks (credentials, Azure scope),
// split the environment between the app and this run, and spawn through the launch strategy.
// No `vscode` import.
import { AppStartError } from './outcome';
import { LaunchError, type ManagedProcess } from './process';
import { quoteForShell } from './python';
import { openHooks, splitRunEnv } from './run-hooks';
import type { RunLifetime } from './run';
import type { Prepared, SupervisorOptions } from './supervisor-options';

export interface Spawned {
  readonly prepared: Prepared;
  /** The environment the process got (the app's, without what the hooks removed). */
  readonly env: NodeJS.ProcessEnv;
  readonly proc: ManagedProcess;
  /** How it was started ("cold", "warm", "cold: why"). */
  readonly via: string;
}

/** Spawns run `life` on its port; 'cancelled' when a stop or restart came meanwhile. */
export async function spawnRun(
  opts: SupervisorOptions,
  life: RunLifetime,
  onOutput: (stream: 'stdout' | 'stderr', text: string) => void,
): Promise<Spawned | 'cancelled' | { spawnError: Error }> {
  let prepared: Prepared;
  let hookEnv: Record<string, string | null> | undefined;
  try {
    prepared = await opts.prepare(life.info.port);
    if (life.cancelled) return 'cancelled'; // the queued stop or restart closes what is open
    hookEnv = await openHooks(opts.hooks ?? [], life);
    if (!hookEnv) return 'cancelled';
  } catch (e) {
    return life.cancelled ? 'cancelled' : { spawnError: e as Error };
  }
  const { spec } = prepared;
  // What the hooks remove never reaches any process of this app, a standby included; what they
  // set is this run's own and is handed to this run only.
  const { env, runEnv } = splitRunEnv(prepared.env, hookEnv);
  try {
    const launched = await opts.strategy.launch({
      spec,
      env,
      runEnv,
      onStdout: (t) => onOutput('stdout', t),
      onStderr: (t) => onOutput('stderr', t),
    });
    const proc = launched.process;
    opts.log.info(`[run ${life.id}] start (${launched.via}) pid ${proc.pid}: ${[spec.command, ...spec.args].map((a) => quoteForShell(a)).join(' ')}  (cwd ${spec.cwd})`);
    return { prepared, env, proc, via: launched.via };
  } catch (e) {
    if (life.cancelled) return 'cancelled';
    return { spawnError: e instanceof LaunchError ? e : new AppStartError(`Could not start the app: ${(e as Error).message}`, '', undefined, e) };
  }
}
