// The warm standby launch strategy: when a run becomes ready, the next interpreter for the
// app starts in the background and pre-imports the heavy modules (python/dap_standby.py).
// On restart, after the old run is closed and stopped, the standby gets "go" with the new
// run's arguments and environment, and becomes the app. Whenever it cannot be trusted, the
// run starts cold instead. No `vscode` import.
import { withRunEnv } from './env';
import * as fs from 'node:fs';
import type { LaunchSpec } from './launch';
import type { Logger } from './log';
import { ManagedProcess, RUN_MARKER_VAR } from './process';
import { raceTimeout } from './timeout';
import type { ProcessTracker } from './reaper';
import { coldLaunch, type LaunchRequest, type LaunchResult, type LaunchStrategy } from './strategy';

const SENTINEL = '\0DAP-STANDBY-';

/** The standby reads what to preload from this variable (and removes it). */
export const STANDBY_SPEC_VAR = 'DATA_APP_STANDBY_SPEC';

export interface WarmOptions {
  /** Absolute path of python/dap_standby.py. */
  readonly standbyScript: string;
  /** The app's file name, on the standby's command line. */
  readonly appName?: string;
  /** The workspace folder: modules inside it are the app's own and are never pre-imported. */
  readonly workspace: string;
  /** The setting: when false, every run is cold and no standby is kept. */
  enabled(): boolean;
  readonly log: Logger;
  readonly tracker?: ProcessTracker;
  /** How long a restart waits for a standby that is still pre-importing. */
  readonly readyWaitMs?: number;
}

export interface StandbyReady {
  readonly pid: number;
  readonly imported: string[];
  readonly skipped: string[];
  readonly failed: Record<string, string>;
  readonly files: number;
}

type Ack = { kind: 'go' } | { kind: 'stale'; file: string } | { kind: 'exit' };

/** One pre-imported interpreter, waiting for "go". */
class Standby {
  readonly ready: Promise<StandbyReady | undefined>;
  private resolveReady!: (r: StandbyReady | undefined) => void;
  private ackWaiter: ((a: Ack) => void) | undefined;
  private phase: 'pre' | 'app' = 'pre';
  private buffer = '';
  private sinkOut: (t: string) => void = () => undefined;
  private sinkErr: (t: string) => void;
  proc: ManagedProcess | undefined;

  constructor(
    readonly key: string,
    private readonly log: Logger,
    /** Made for a Debug App run (debugpy pre-imported). */ readonly debug = false,
  ) {
    this.ready = new Promise((r) => (this.resolveReady = r));
    this.sinkErr = (t) => log.debug(`standby: ${t.trimEnd()}`);
  }

  attach(proc: ManagedProcess): void {
    this.proc = proc;
    void proc.exited.then(() => {
      this.resolveReady(undefined);
      this.ackWaiter?.({ kind: 'exit' });
    });
  }

  onStdout(chunk: string): void {
    if (this.phase === 'app') return this.sinkOut(chunk);
    this.buffer += chunk;
    let nl: number;
    while (this.phase === 'pre' && (nl = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, nl);
      this.buffer = this.buffer.slice(nl + 1);
      if (!line.startsWith(SENTINEL)) {
        this.log.debug(`standby: ${line}`);
        continue;
      }
      const [word, ...rest] = line.slice(SENTINEL.length).split(' ');
      const arg = rest.join(' ');
      if (word === 'READY') {
        try {
          this.resolveReady(JSON.parse(arg) as StandbyReady);
        } catch {
          this.resolveReady(undefined);
        }
      } else if (word === 'GO') {
        this.phase = 'app';
        this.ackWaiter?.({ kind: 'go' });
        if (this.buffer) this.sinkOut(this.buffer);
        this.buffer = '';
      } else if (word === 'STALE') {
        this.ackWaiter?.({ kind: 'stale', file: arg });
      }
    }
  }

  onStderr(chunk: string): void {
    this.sinkErr(chunk);
  }

  /** Hands the run over: output goes to the run, then "go" is sent; resolves with the answer. */
  go(req: LaunchRequest, timeoutMs: number): Promise<Ack> {
    const spec = req.spec;
    const py = spec.python!;
    this.sinkOut = req.onStdout;
    this.sinkErr = req.onStderr;
    const message = {
      mode: py.module ? 'module' : 'script',
      reloaders_off: py.reloadersOff === true,
      ...(py.debug ? { debug: py.debug } : {}),
      ...(py.alias ? { alias: py.alias } : {}),
      target: py.module ?? py.script,
      argv: py.argv,
      cwd: spec.cwd,
      // The standby's own marker stays: the app's children must carry it (see RUN_MARKER_VAR).
      env: { ...withRunEnv(req.env, req.runEnv), ...(this.proc ? { [RUN_MARKER_VAR]: this.proc.marker } : {}) },
    };
    return new Promise<Ack>((resolve) => {
      if (!this.proc || this.proc.hasExited) return resolve({ kind: 'exit' });
      const timer = setTimeout(() => resolve({ kind: 'exit' }), timeoutMs);
      this.ackWaiter = (a) => {
        clearTimeout(timer);
        this.ackWaiter = undefined;
        resolve(a);
      };
      this.proc?.writeStdin(`${JSON.stringify(message)}\n`);
    });
  }
}

export class WarmLaunch implements LaunchStrategy {
  readonly name = 'warm';
  private standby: Standby | undefined;
  private starting: Promise<void> | undefined;
  private disposed = false;
  /** Counts for tests and the status: how runs were started. */
  readonly stats = { warm: 0, cold: 0 };

  constructor(private readonly opts: WarmOptions) {}

  /** The waiting standby's pid (for tests and memory figures). */
  get standbyPid(): number | undefined {
    return this.standby?.proc?.pid;
  }

  /** Resolves once the current standby has pre-imported (or is gone). */
  async standbyReady(): Promise<StandbyReady | undefined> {
    await this.starting;
    return this.standby?.ready;
  }

  async launch(req: LaunchRequest): Promise<LaunchResult> {
    const why = await this.tryWarm(req);
    if (typeof why !== 'string') {
      this.stats.warm++;
      return why;
    }
    this.stats.cold++;
    return coldLaunch(req, why === '' ? 'cold' : `cold: ${why}`);
  }

  /** The warm result, or why the run must start cold ('' when there is simply nothing to use). */
  private async tryWarm(req: LaunchRequest): Promise<LaunchResult | string> {
    await this.starting;
    const sb = this.standby;
    this.standby = undefined;
    if (!this.opts.enabled()) {
      void this.discard(sb);
      return '';
    }
    if (!req.spec.python) {
      void this.discard(sb);
      return 'not a Python launch';
    }
    if (!sb) return 'no standby yet';
    if (sb.key !== keyOf(req.spec, req.env)) {
      void this.discard(sb);
      const debugNow = req.spec.python.debug !== undefined;
      if (sb.debug !== debugNow) return `debugging was turned ${debugNow ? 'on' : 'off'}`;
      return 'the interpreter, environment or launch profile changed';
    }
    const ready = await raceTimeout(sb.ready, this.opts.readyWaitMs ?? 5000);
    if (ready === 'timeout') {
      void this.discard(sb);
      return 'the standby was not ready in time';
    }
    if (!ready || !sb.proc || sb.proc.hasExited) {
      void this.discard(sb);
      return 'the standby died';
    }
    const ack = await sb.go(req, 5000);
    if (ack.kind === 'go') return { process: sb.proc, via: 'warm' };
    void this.discard(sb);
    return ack.kind === 'stale' ? `a pre-imported module changed (${ack.file})` : 'the standby did not take the run';
  }

  onRunReady(spec: LaunchSpec, env: NodeJS.ProcessEnv): void {
    const python = spec.python;
    if (this.disposed || !this.opts.enabled() || !python) return;
    const previous = this.standby;
    this.standby = undefined;
    this.starting = (async () => {
      await this.discard(previous);
      if (this.disposed) return;
      const sb = new Standby(keyOf(spec, env), this.opts.log, python.debug !== undefined);
      try {
        // The command line names the app (ps, the Ports view); what to preload goes in the environment.
        const standbySpec = JSON.stringify({ modules: python.preload, workspace: this.opts.workspace });
        const proc = await ManagedProcess.spawn(spec.command, ['-u', this.opts.standbyScript, '--for', this.opts.appName ?? 'app'], {
          cwd: spec.cwd,
          env: { ...env, [STANDBY_SPEC_VAR]: standbySpec },
          onStdout: (t) => sb.onStdout(t),
          onStderr: (t) => sb.onStderr(t),
          stdin: true,
        });
        sb.attach(proc);
        this.opts.tracker?.track(proc.pid, proc.marker);
        void proc.exited.then(() => this.opts.tracker?.untrack(proc.pid));
        this.standby = sb;
        void sb.ready.then((r) => {
          if (r)
            this.opts.log.info(
              `standby pid ${r.pid} ready: pre-imported ${r.imported.join(', ') || 'nothing'}${Object.keys(r.failed).length ? `; failed ${Object.keys(r.failed).join(', ')}` : ''}`,
            );
        });
      } catch (e) {
        this.opts.log.warn(`Could not start a standby: ${(e as Error).message}`);
      }
    })();
  }

  async onAppStopped(): Promise<void> {
    await this.starting;
    const sb = this.standby;
    this.standby = undefined;
    await this.discard(sb);
  }

  private async discard(sb: Standby | undefined): Promise<void> {
    if (!sb?.proc) return;
    await sb.proc.stop({ graceMs: 500 });
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    await this.onAppStopped();
  }
}

/** What a standby depends on: a different key means it cannot run this launch. */
export function keyOf(spec: LaunchSpec, env: NodeJS.ProcessEnv): string {
  const stable = Object.keys(env)
    .filter((k) => !(k in spec.env)) // per-launch values (PORT, HOST …) are handed over with "go"
    .sort()
    .map((k) => [k, env[k]]);
  let interpreter = spec.command;
  try {
    const st = fs.statSync(spec.command);
    interpreter += `@${st.ino}:${st.mtimeMs}`; // a reinstalled interpreter is another one
  } catch {
    // a name on PATH: the name and PATH (in env) identify it
  }
  return JSON.stringify({ interpreter, cwd: spec.cwd, framework: spec.framework, mode: spec.python?.module ? 'm' : 's', modules: spec.python?.preload ?? [], env: stable });
}
