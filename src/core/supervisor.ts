// The app server supervisor: one app, one process tree at a time, an explicit state machine,
// readiness raced against exit, and run hooks that are closed before every stop.
// No `vscode` import.
import { randomUUID } from 'node:crypto';
import { RunLifetime, type RunInfo } from './run';
import type { RunEnv } from './env';
import type { LaunchSpec } from './launch';
import type { Logger } from './log';
import { isPortFree, looksLikePortInUse, pickFreePort, PortInUseError } from './ports';
import { LaunchError, type ExitInfo, type ManagedProcess } from './process';
import { quoteForShell } from './python';
import { waitForHttp } from './readiness';
import { transition, type AppEvent, type AppState } from './state';
import type { ProcessTracker } from './reaper';
import type { LaunchStrategy } from './strategy';
import { TextTail } from './tail';

export type { RunInfo } from './run';

export interface RunHook {
  /** Extra environment for the run's process (e.g. brokered credentials). */
  openRun?(run: RunInfo): Promise<RunEnv>;
  /** Before the run's process is stopped: revoke its credentials, drain or abort its work. */
  closeRun?(run: RunInfo): Promise<void>;
}

export interface Prepared {
  readonly spec: LaunchSpec;
  /** The full environment of the child (inherited + .env + profile), without the hooks' additions. */
  readonly env: NodeJS.ProcessEnv;
}

export interface SupervisorOptions {
  readonly host: string;
  /** Builds the launch for a port. Called for every start, so edits and settings apply. */
  prepare(port: number): Promise<Prepared>;
  /** The port setting: 0 picks a free one (then kept across restarts). */
  preferredPort(): number;
  /** How long a start may take to answer HTTP before the user is asked; 0: no limit (a debug run may sit at a breakpoint). */
  readyTimeoutMs(): number;
  stopGraceMs(): number;
  readonly strategy: LaunchStrategy;
  readonly hooks?: readonly RunHook[];
  /** Watchdog that kills the tree if the host dies before stopping it. */
  readonly tracker?: ProcessTracker;
  readonly log: Logger;
  onOutput?(stream: 'stdout' | 'stderr', text: string): void;
}

export class AppStartError extends Error {
  override readonly name = 'AppStartError';
  constructor(
    message: string,
    readonly stderrTail: string,
    readonly exit?: ExitInfo,
    readonly cause?: unknown,
  ) {
    super(message);
  }
}

export type StartOutcome =
  | { readonly kind: 'ready'; readonly url: string; readonly status: number }
  | { readonly kind: 'failed'; readonly error: Error }
  /** Not ready within the timeout; the probe goes on and the state changes when it answers. */
  | { readonly kind: 'timeout'; readonly url: string }
  | { readonly kind: 'cancelled' };

export interface StateChange {
  readonly state: AppState;
  readonly previous: AppState;
  readonly url?: string | undefined;
  readonly error?: Error | undefined;
}

const MAX_PORT_ATTEMPTS = 3;

export class AppSupervisor {
  private _state: AppState = 'stopped';
  private _port: number | undefined;
  private _url: string | undefined;
  private _restarts = 0;
  private _lastRestartAt: number | undefined;
  private _lastStartMs: number | undefined;
  private _lastError: Error | undefined;
  private _lastVia: string | undefined;
  /** The current run, from the moment its start began until its tree is stopped. */
  private current: RunLifetime | undefined;
  /** Bumped by every stop and restart request: a start that began before it is cancelled. */
  private cancelEpoch = 0;
  private queue: Promise<unknown> = Promise.resolve();
  /** A restart in the queue that has not begun yet. */
  private queuedRestart: Promise<StartOutcome> | undefined;
  private readonly listeners = new Set<(e: StateChange) => void>();
  private disposed = false;
  /** The current run's stderr, bounded: shown when it crashes. */
  readonly stderrTail = new TextTail(32_000);

  constructor(private readonly opts: SupervisorOptions) {}

  get state(): AppState {
    return this._state;
  }
  get port(): number | undefined {
    return this._port;
  }
  get url(): string | undefined {
    return this._url;
  }
  get restarts(): number {
    return this._restarts;
  }
  get lastRestartAt(): number | undefined {
    return this._lastRestartAt;
  }
  /** Milliseconds from the last (re)start request to the server answering HTTP. */
  get lastStartMs(): number | undefined {
    return this._lastStartMs;
  }
  /** How the current run was started ("cold", "warm", "cold: why"). */
  get lastVia(): string | undefined {
    return this._lastVia;
  }
  get lastError(): Error | undefined {
    return this._lastError;
  }
  get pid(): number | undefined {
    return this.current?.process?.pid;
  }
  /** The current run, once its hooks are open. */
  get currentRun(): RunInfo | undefined {
    return this.current?.hooksOpen ? this.current.info : undefined;
  }
  /** Pids of the running tree (for status and tests). */
  livePids(): number[] {
    return this.current?.process?.liveTree() ?? [];
  }

  onDidChangeState(listener: (e: StateChange) => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  start(): Promise<StartOutcome> {
    const epoch = this.cancelEpoch; // a stop asked for after this call cancels this start
    return this.enqueue(async () => {
      if (this._state === 'ready' || this._state === 'starting' || this._state === 'restarting') {
        return this._url ? { kind: 'ready', url: this._url, status: 0 } : { kind: 'cancelled' };
      }
      this.move('start');
      return this.launch(Date.now(), epoch);
    }, { kind: 'cancelled' } as StartOutcome);
  }

  /**
   * Closes the current run, stops its tree, and starts a fresh process on the same port. A
   * restart asked for while another one waits in the queue joins it (one restart for both).
   */
  restart(reason: string): Promise<StartOutcome> {
    this.cancelCurrent();
    if (this.queuedRestart) {
      this.opts.log.debug(`Restart (${reason}) joins the one already queued`);
      return this.queuedRestart;
    }
    const queued = this.enqueue(async () => {
      if (this.queuedRestart === queued) this.queuedRestart = undefined; // begun: later requests queue a new one
      const epoch = this.cancelEpoch;
      const t0 = Date.now();
      this.opts.log.info(`Restarting (${reason})`);
      this.move('restart');
      await this.closeAndStop();
      this._restarts++;
      this._lastRestartAt = t0;
      return this.launch(t0, epoch);
    }, { kind: 'cancelled' } as StartOutcome);
    this.queuedRestart = queued;
    void queued.finally(() => {
      if (this.queuedRestart === queued) this.queuedRestart = undefined;
    }).catch(() => undefined);
    return queued;
  }

  stop(): Promise<void> {
    this.cancelCurrent();
    return this.enqueue(async () => {
      if (this._state === 'stopped') return;
      this.move('stop');
      await this.closeAndStop();
      await this.opts.strategy.onAppStopped?.().catch((e: Error) => this.opts.log.warn(`Could not drop the prepared run: ${e.message}`));
      this.move('stopped');
    }, undefined);
  }

  /** Stops everything; the supervisor cannot be used afterwards. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    await this.stop();
    this.disposed = true;
    this.listeners.clear();
  }

  /** Synchronous last resort for host exit. */
  killNow(): void {
    this.current?.process?.killNow();
  }

  /** A start or restart that still waits (preparing, opening hooks, readiness) gives up now. */
  interruptStart(): void {
    if (this._state === 'starting' || this._state === 'restarting') this.cancelCurrent();
  }

  /** A stop or restart was asked: whatever the current start still waits for ends now. */
  private cancelCurrent(): void {
    this.cancelEpoch++;
    this.current?.cancel();
  }

  /**
   * Runs `op` after every operation before it. Once disposed, nothing runs and `whenDisposed`
   * is the answer: a late restart, or a readiness probe that answers after the end, is no error.
   */
  private enqueue<T>(op: () => Promise<T>, whenDisposed: T): Promise<T> {
    if (this.disposed) return Promise.resolve(whenDisposed);
    const next = this.queue.then(op, op);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private move(event: AppEvent, extra: { error?: Error } = {}): void {
    const previous = this._state;
    this._state = transition(previous, event);
    if (extra.error) this._lastError = extra.error;
    if (this._state === 'ready') this._lastError = undefined;
    const change: StateChange = { state: this._state, previous, url: this._url, error: extra.error };
    this.opts.log.debug(`state ${previous} → ${this._state} (${event})`);
    for (const l of [...this.listeners]) {
      try {
        l(change);
      } catch (e) {
        this.opts.log.error(e as Error);
      }
    }
  }

  /** close → stop: hooks first (revoke, drain), then the process tree. */
  private async closeAndStop(): Promise<void> {
    const life = this.current;
    if (!life) return;
    life.markStopping();
    await this.closeHooks(life);
    const proc = life.process;
    if (proc) {
      this.opts.log.info(`[run ${life.id}] stop pid ${proc.pid}`);
      const info = await proc.stop({ graceMs: this.opts.stopGraceMs() });
      this.opts.tracker?.untrack(proc.pid);
      this.opts.log.info(`[run ${life.id}] stopped (${describeExit(info)})`);
    }
    if (this.current === life) this.current = undefined; // pid and livePids show the tree until it is gone
  }

  /** Closes the run's hooks once (revoke, drain); a hook that fails to close is logged. */
  private async closeHooks(life: RunLifetime): Promise<void> {
    if (!life.hooksOpen) return;
    life.hooksOpen = false;
    this.opts.log.info(`[run ${life.id}] close`);
    for (const hook of this.opts.hooks ?? []) {
      try {
        await hook.closeRun?.(life.info);
      } catch (e) {
        this.opts.log.warn(`[run ${life.id}] a hook failed to close: ${(e as Error).message}`);
      }
    }
  }

  private async choosePort(avoid?: number): Promise<number> {
    const preferred = this.opts.preferredPort();
    const fixed = preferred > 0;
    const candidate = fixed ? preferred : this._port;
    if (candidate && candidate !== avoid) {
      if (await isPortFree(candidate, this.opts.host)) return candidate;
      if (fixed) throw new PortInUseError(candidate);
      this.opts.log.info(`Port ${candidate} is taken now; picking another`);
    } else if (fixed) {
      throw new PortInUseError(preferred);
    }
    return pickFreePort(this.opts.host);
  }

  /** `epoch`: the cancel epoch when the operation began; a stop or restart since cancels it. */
  private async launch(t0: number, epoch = this.cancelEpoch): Promise<StartOutcome> {
    let avoid: number | undefined;
    for (let attempt = 1; attempt <= MAX_PORT_ATTEMPTS; attempt++) {
      let port: number;
      try {
        port = await this.choosePort(avoid);
      } catch (e) {
        this.move('fail', { error: e as Error });
        return { kind: 'failed', error: e as Error };
      }
      const outcome = await this.launchOn(port, t0, epoch);
      if (outcome === 'port-in-use') {
        avoid = port;
        if (this.opts.preferredPort() > 0) {
          const err = new PortInUseError(port);
          this.move('fail', { error: err });
          return { kind: 'failed', error: err };
        }
        this.opts.log.warn(`Port ${port} was taken before the server could bind it; trying another`);
        continue;
      }
      return outcome;
    }
    const err = new AppStartError(`Could not find a free port after ${MAX_PORT_ATTEMPTS} attempts.`, this.stderrTail.lastLines(30));
    this.move('fail', { error: err });
    return { kind: 'failed', error: err };
  }

  private async launchOn(port: number, t0: number, epoch: number): Promise<StartOutcome | 'port-in-use'> {
    this._port = port;
    this.stderrTail.clear();
    // The run's lifetime starts now: a stop or restart from here on cancels it at once.
    const life = new RunLifetime({ id: randomUUID().slice(0, 8), port, startedAt: Date.now() });
    this.current = life;
    if (epoch !== this.cancelEpoch) life.cancel();
    const cancelled: StartOutcome = { kind: 'cancelled' };
    let prepared: Prepared;
    const hookEnv: Record<string, string | null> = {};
    try {
      prepared = await this.opts.prepare(port);
      if (life.cancelled) return cancelled; // the queued stop or restart closes what is open
      life.hooksOpen = true; // from here on, a hook that opened is closed again on any failure
      for (const hook of this.opts.hooks ?? []) {
        Object.assign(hookEnv, (await hook.openRun?.(life.info)) ?? {});
        if (life.cancelled) return cancelled;
      }
    } catch (e) {
      if (life.cancelled) return cancelled;
      await this.closeAndStop();
      this.move('fail', { error: e as Error });
      return { kind: 'failed', error: e as Error };
    }
    const { spec } = prepared;
    const url = `http://${this.opts.host}:${port}${spec.urlPath}`;
    this._url = url;
    // What the hooks remove never reaches any process of this app, a standby included; what they
    // set is this run's own and is handed to this run only.
    const { env, runEnv } = splitRunEnv(prepared.env, hookEnv);
    let proc: ManagedProcess;
    try {
      const launched = await this.opts.strategy.launch({
        spec,
        env,
        runEnv,
        onStdout: (t) => this.opts.onOutput?.('stdout', t),
        onStderr: (t) => {
          this.stderrTail.push(t);
          this.opts.onOutput?.('stderr', t);
        },
      });
      proc = launched.process;
      this._lastVia = launched.via;
      this.opts.log.info(`[run ${life.id}] start (${launched.via}) pid ${proc.pid}: ${[spec.command, ...spec.args].map((a) => quoteForShell(a)).join(' ')}  (cwd ${spec.cwd})`);
    } catch (e) {
      if (life.cancelled) return cancelled;
      await this.closeAndStop();
      const err = e instanceof LaunchError ? e : new AppStartError(`Could not start the app: ${(e as Error).message}`, '', undefined, e);
      this.move('fail', { error: err });
      return { kind: 'failed', error: err };
    }
    life.process = proc;
    this.opts.tracker?.track(proc.pid, proc.marker);
    void proc.exited.then(async () => {
      // Untrack once the whole tree is gone (a stop waits for that; a crash may leave children).
      if (!life.stopping && proc.liveTree().length) return;
      this.opts.tracker?.untrack(proc.pid);
    });
    this.watchExit(life);
    if (life.cancelled) return cancelled; // the queued stop or restart stops it

    const exited = proc.exited.then((info) => ({ exit: info }));
    const probeUrl = spec.readyPath ? `http://${this.opts.host}:${port}${spec.readyPath}` : url;
    const probing = new AbortController();
    const stopProbing = () => probing.abort();
    life.signal.addEventListener('abort', stopProbing, { once: true });
    const readyWatch = Promise.race([
      waitForHttp(probeUrl, { signal: probing.signal }).then((status) => ({ status })),
      exited,
    ]).finally(() => {
      probing.abort();
      life.signal.removeEventListener('abort', stopProbing);
    });

    const timeoutMs = this.opts.readyTimeoutMs();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<'timeout'>((r) => {
      if (timeoutMs > 0) timer = setTimeout(() => r('timeout'), timeoutMs);
    });
    const first = await Promise.race([readyWatch, timeout]);
    clearTimeout(timer);

    const settle = async (result: { status?: number | undefined } | { exit: ExitInfo }): Promise<StartOutcome | 'port-in-use'> => {
      if (this.current !== life || life.cancelled) return cancelled;
      if ('exit' in result) {
        // Wait for the pipes to flush the last lines.
        await new Promise((r) => setTimeout(r, 50));
        if (this.current !== life || life.cancelled) return cancelled;
        const tail = this.stderrTail.lastLines(40);
        if (looksLikePortInUse(tail)) {
          await this.closeAndStop();
          return 'port-in-use';
        }
        const err = new AppStartError(`The app exited before it was ready (${describeExit(result.exit)}).`, tail, result.exit);
        await this.closeAndStop();
        this.move('fail', { error: err });
        return { kind: 'failed', error: err };
      }
      if (result.status === undefined) return cancelled;
      this._lastStartMs = Date.now() - t0;
      this.opts.log.info(`[run ${life.id}] ready in ${this._lastStartMs} ms: ${probeUrl} answered ${result.status}`);
      this.move('ready');
      this.opts.strategy.onRunReady?.(spec, env);
      return { kind: 'ready', url, status: result.status };
    };

    if (first !== 'timeout') return settle(first);
    this.opts.log.warn(`[run ${life.id}] not ready after ${timeoutMs} ms; still waiting`);
    // Keep probing in the background; state follows when it answers or exits.
    void readyWatch.then((r) => this.enqueue(() => settle(r), { kind: 'cancelled' }));
    return { kind: 'timeout', url };
  }

  /** A ready server that exits on its own is a crash. */
  private watchExit(life: RunLifetime): void {
    void life.process?.exited.then(async (info) => {
      await new Promise((r) => setTimeout(r, 50));
      if (this.current !== life || life.stopping || this._state !== 'ready') return;
      await this.enqueue(async () => {
        if (this.current !== life || life.stopping || this._state !== 'ready') return;
        const err = new AppStartError(`The app exited (${describeExit(info)}).`, this.stderrTail.lastLines(40), info);
        this.opts.log.warn(`[run ${life.id}] ${err.message}`);
        await this.closeAndStop();
        this.move('exit', { error: err });
      }, undefined);
    });
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

export function describeExit(info: ExitInfo): string {
  if (info.signal) return `killed by ${info.signal}`;
  return `exit code ${info.code}`;
}
