// Run hooks: what attaches to every run of an app (the Azure credentials): opened before the
// run's process starts, closed before it is stopped, and closed again if a later one fails to
// open. No `vscode` import.
import type { RunEnv } from './env';
import type { Logger } from './log';
import type { RunInfo, RunLifetime } from './run';

export interface RunHook {
  /** Extra environment for the run's process (e.g. brokered credentials). */
  openRun?(run: RunInfo): Promise<RunEnv>;
  /** Before the run's process is stopped: revoke its credentials, drain or abort its work. */
  closeRun?(run: RunInfo): Promise<void>;
}

/**
 * Opens every hook for the run; their overlays merged. Stops early (undefined) when the run is
 * cancelled meanwhile. The run is marked as having open hooks first, so that whatever opened is
 * closed again by closeHooks however this ends.
 */
export async function openHooks(hooks: readonly RunHook[], life: RunLifetime): Promise<Record<string, string | null> | undefined> {
  const env: Record<string, string | null> = {};
  life.hooksOpen = true;
  for (const hook of hooks) {
    Object.assign(env, (await hook.openRun?.(life.info)) ?? {});
    if (life.cancelled) return undefined;
  }
  return env;
}

/** Closes the run's hooks once (revoke, drain); a hook that fails to close is logged, the others still close. */
export async function closeHooks(hooks: readonly RunHook[], life: RunLifetime, log: Logger): Promise<void> {
  if (!life.hooksOpen) return;
  life.hooksOpen = false;
  log.info(`[run ${life.id}] close`);
  for (const hook of hooks) {
    try {
      await hook.closeRun?.(life.info);
    } catch (e) {
      log.warn(`[run ${life.id}] a hook failed to close: ${(e as Error).message}`);
    }
  }
}

/**
 * Splits the hooks' overlay: removals apply to the app's base environment (so a standby made
 * for the next run never sees them), the values set stay the run's own.
 */
export function splitRunEnv(base: NodeJS.ProcessEnv, hookEnv: RunEnv): { env: NodeJS.ProcessEnv; runEnv: Record<string, string> } {
  const env: NodeJS.ProcessEnv = { ...base };
  const runEnv: Record<string, string> = {};
  for (const [k, v] of Object.entries(hookEnv)) {
    if (v === null) delete env[k];
    else runEnv[k] = v;
  }
  return { env, runEnv };
}
