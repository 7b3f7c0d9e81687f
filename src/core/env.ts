// The app process's environment. No `vscode` import.

/** Variables of the editor's own process that must not leak into an app. */
const DROPPED = ['ELECTRON_RUN_AS_NODE', 'ELECTRON_NO_ATTACH_CONSOLE', 'VSCODE_IPC_HOOK', 'VSCODE_IPC_HOOK_CLI', 'VSCODE_NLS_CONFIG', 'VSCODE_HANDLES_UNCAUGHT_ERRORS'];

export function childEnvironment(base: NodeJS.ProcessEnv, dotenv: Readonly<Record<string, string>>, profile: Readonly<Record<string, string>>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base };
  for (const k of DROPPED) delete env[k];
  Object.assign(env, dotenv, profile);
  env.PYTHONUNBUFFERED = '1'; // output reaches the channel as it is written
  env.DATA_APP_PREVIEW = '1';
  return env;
}

/** A run's own variables: a string sets one, `null` removes it (e.g. a credential that would shadow the broker). */
export type RunEnv = Readonly<Record<string, string | null>>;

/** The child's full environment: `env` with the run's variables applied on top. */
export function withRunEnv(env: NodeJS.ProcessEnv, runEnv: RunEnv): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { ...env };
  for (const [k, v] of Object.entries(runEnv)) {
    if (v === null) delete out[k];
    else out[k] = v;
  }
  return out;
}
