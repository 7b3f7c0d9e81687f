// The app server supervisor: one app, one process tree at a time, an explicit state machine,
// readiness raced against exit, and run hooks that are closed before every stop.
// No `vscode` import.
import { randomUUID } from 'node:crypto';
import { looksLikePortInUse, onFreePort } from './ports';
import type { ExitInfo } from './process';
import { readyOrExit } from './readiness';
import { closeHooks } from './run-hooks';
import { spawnRun, type Spawned } from './run-spawn';
import { HotStandby, type HotRun } from './hot';
import { hotProbePath } from './hot-entry';
import { RetiringRuns } from './retiring';
import { RunFacts } from './run-facts';
import { RunLifetime, type RunInfo } from './run';
import { AppStartError, CANCELLED, describeExit, type StartOutcome } from './outcome';
import { StateMachine, type AppState, type StateChange } from './state';
import type { SupervisorOptions } from './supervisor-options';
import { OperationQueue } from './op-queue';
import { TextTail } from './tail';
import { raceTimeout } from './timeout';

export type { RunInfo } from './run';
export type { RunHook } from './run-hooks';
export { AppStartError, describeExit, type StartOutcome } from './outcome';
export type { StateChange } from './state';
export type { Prepared, SupervisorOptions } from './supervisor-options';

const MAX_PORT_ATTEMPTS = 3;
/** The next hot standby starts this long after a run is ready: its page loads first, with the CPU to itself. */
const HOT_AFTER_MS = 1000;

export class AppSupervisor extends RunFacts {
  private readonly machine: StateMachine;
  /** The current run, from the moment its start began until its tree is stopped. */
  private current: RunLifetime | undefined;
  /** Bumped by every stop and restart request: a start that began before it is cancelled. */
  private cancelEpoch = 0;
  private readonly ops = new OperationQueue();
  /** Runs replaced by overlapped restarts, whose trees are being stopped in the background (stop waits for them). */
  readonly retiring: RetiringRuns;
  /** The next run's server, started ahead of the save where the framework runs no app code until a page connects. */
  readonly hot: HotStandby;
  private disposed = false;
  /** The current run's stderr, bounded: shown when it crashes. */
  readonly stderrTail = new TextTail(32_000);

  constructor(private readonly opts: SupervisorOptions) {
    super();
    this.machine = new StateMachine(opts.log);
    this.retiring = new RetiringRuns(opts.hooks ?? [], opts.tracker, opts.log);
    this.hot = new HotStandby(opts, this.retiring, opts.log);
  }

  get state(): AppState {
    return this.machine.state;
  }
  get lastError(): Error | undefined {
    return this.machine.lastError;
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
    return this.machine.onDidChange(listener);
  }

  start(): Promise<StartOutcome> {
    const epoch = this.cancelEpoch; // a stop asked for after this call cancels this start
    return this.ops.run(async () => {
      if (this.machine.state === 'ready' || this.machine.state === 'starting' || this.machine.state === 'restarting') {
        return this._url ? { kind: 'ready', url: this._url, status: 0 } : { kind: 'cancelled' };
      }
      this.machine.move('start');
      return this.launch(Date.now(), epoch);
    }, CANCELLED);
  }

  /**
   * Closes the current run, stops its tree, and starts a fresh process on the same port. A
   * restart asked for while another one waits in the queue joins it (one restart for both).
   */
  restart(reason: string): Promise<StartOutcome> {
    this.cancelCurrent();
    if (this.ops.isWaiting('restart')) this.opts.log.debug(`Restart (${reason}) joins the one already queued`);
    return this.ops.run(
      async () => {
        const epoch = this.cancelEpoch;
        const t0 = Date.now();
        this.opts.log.info(`Restarting (${reason})`);
        this.machine.move('restart');
        this._restarts++;
        this._lastRestartAt = t0;
        let notHot: string | undefined;
        const hot = this.overlapping() && this.opts.hot?.() ? await this.hot.take((why) => (notHot = why)) : undefined;
        const overlapped = this.overlapping() ? await this.retire() : (await this.closeAndStop(), undefined);
        if (hot) return this.takeOver(hot, t0);
        return this.launch(t0, epoch, overlapped, notHot);
      },
      CANCELLED,
      'restart',
    );
  }

  stop(): Promise<void> {
    this.cancelCurrent();
    return this.ops.run(async () => {
      if (this.machine.state === 'stopped') return;
      this.machine.move('stop');
      await this.closeAndStop();
      await this.hot.discard();
      await this.hot.settled(); // a hot server still starting stops what it started
      await this.retiring.all();
      await this.opts.strategy.onAppStopped?.().catch((e: Error) => this.opts.log.warn(`Could not drop the prepared run: ${e.message}`));
      this.machine.move('stopped');
    }, undefined);
  }

  /** Stops everything; the supervisor cannot be used afterwards. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    await this.stop();
    this.disposed = true;
    this.ops.close();
    this.machine.clear();
  }

  /** Synchronous last resort for host exit. */
  killNow(): void {
    this.current?.process?.killNow();
    this.retiring.killNow();
    this.hot.killNow();
  }

  /** A start or restart that still waits (preparing, opening hooks, readiness) gives up now. */
  interruptStart(): void {
    if (this.machine.state === 'starting' || this.machine.state === 'restarting') this.cancelCurrent();
  }

  /** A stop or restart was asked: whatever the current start still waits for ends now. */
  private cancelCurrent(): void {
    this.cancelEpoch++;
    this.current?.cancel();
  }

  /** close → stop: hooks first (revoke, drain), then the process tree. */
  private async closeAndStop(): Promise<void> {
    const life = this.current;
    if (!life) return;
    life.markStopping();
    await closeHooks(this.opts.hooks ?? [], life, this.opts.log);
    await life.stopTree(this.opts.stopGraceMs(), this.opts.tracker, this.opts.log);
    if (this.current === life) this.current = undefined; // pid and livePids show the tree until it is gone
  }

  /** Whether this restart overlaps: the setting is on, and the port is not fixed (the old run still holds it). */
  private overlapping(): boolean {
    return !!this.current && !this.current.underDebugger && !!this.opts.overlap?.() && this.opts.preferredPort() === 0;
  }

  /** Overlapped restart: the current run is retired (hooks closed now, tree stopped in the background); resolves with its port, which the next run avoids. */
  private async retire(): Promise<number | undefined> {
    const life = this.current;
    if (!life) return undefined;
    await this.retiring.retire(life, this.opts.stopGraceMs());
    if (this.current === life) this.current = undefined;
    return life.info.port;
  }

  /**
   * `epoch`: the cancel epoch when the operation began; a stop or restart since cancels it.
   * `avoid`: a port the next run must not take (an overlapped run's, still bound).
   */
  private async launch(t0: number, epoch = this.cancelEpoch, avoid?: number, notHot?: string): Promise<StartOutcome> {
    const remembered = avoid === this._port ? undefined : this._port;
    const choice = { preferred: this.opts.preferredPort(), remembered, host: this.opts.host, avoid, log: this.opts.log };
    const outcome = await onFreePort(choice, MAX_PORT_ATTEMPTS, (port) => this.launchOn(port, t0, epoch, notHot));
    return 'portError' in outcome ? this.fail(outcome.portError) : outcome;
  }

  /** A start failed: whatever it opened is closed and stopped, and the app is crashed with `error`. */
  private async fail(error: Error): Promise<StartOutcome> {
    await this.closeAndStop();
    this.machine.move('fail', error);
    return { kind: 'failed', error };
  }

  /** The current run's output: into the failure tail (only while it is the current run) and out. */
  private output(life: RunLifetime, stream: 'stdout' | 'stderr', t: string): void {
    if (this.current === life) this.stderrTail.push(t);
    this.opts.onOutput?.(stream, t, life);
  }

  /** A hot standby takes over: it is ready already, so the app is too; the next one starts. */
  private takeOver(hot: HotRun, t0: number): StartOutcome {
    const { life, spawned } = hot;
    this.current = life;
    this._port = life.info.port;
    this._url = `http://${this.opts.host}:${life.info.port}${spawned.prepared.spec.urlPath}`;
    this.stderrTail.clear();
    for (const [stream, t] of hot.held) this.output(life, stream, t);
    this.opts.log.info(`[run ${life.id}] start (hot) pid ${spawned.proc.pid}: its server was started ahead and has run no app code`);
    return this.readyNow(life, spawned, t0, 'hot', 200);
  }

  /** Run `life` answered: the app is ready; a standby for the next run is prepared. */
  private readyNow(life: RunLifetime, spawned: Spawned, t0: number, via: string, status: number): StartOutcome {
    if (via === 'hot') {
      void spawned.proc.exited.then(() => setTimeout(() => this.opts.onRunEnded?.(life.id), 50));
      this.watchExit(life);
    }
    this._lastVia = via;
    this._lastStartMs = Date.now() - t0;
    this.opts.log.info(`[run ${life.id}] ready in ${this._lastStartMs} ms (${via})`);
    this.machine.move('ready');
    const { spec } = spawned.prepared;
    if (this.overlapping() && this.opts.hot?.() && hotProbePath(spec)) this.hot.prepare((l, stream, t) => this.output(l, stream, t), HOT_AFTER_MS);
    else this.opts.strategy.onRunReady?.(spec, spawned.env);
    return { kind: 'ready', url: this._url!, status };
  }

  private async launchOn(port: number, t0: number, epoch: number, notHot?: string): Promise<StartOutcome | 'port-in-use'> {
    this._port = port;
    this.stderrTail.clear();
    // The run's lifetime starts now: a stop or restart from here on cancels it at once.
    const life = new RunLifetime({ id: randomUUID().slice(0, 8), port, startedAt: Date.now() });
    this.current = life;
    if (epoch !== this.cancelEpoch) life.cancel();
    // The tail holds both streams (a script's prints explain why it exited), from the current run only.
    const spawned = await spawnRun(this.opts, life, (stream, t) => this.output(life, stream, t));
    if (spawned === 'cancelled') return CANCELLED;
    if ('spawnError' in spawned) return this.fail(spawned.spawnError);
    const { prepared, proc } = spawned;
    life.underDebugger = !!prepared.spec.python?.debug;
    const { spec } = prepared;
    const url = `http://${this.opts.host}:${port}${spec.urlPath}`;
    this._url = url;
    const via = notHot ? `${spawned.via} (not hot: ${notHot})` : spawned.via;
    life.adopt(proc, this.opts.tracker);
    void proc.exited.then(() => setTimeout(() => this.opts.onRunEnded?.(life.id), 50));
    this.watchExit(life);
    if (life.cancelled) return CANCELLED; // the queued stop or restart stops it

    const probeUrl = spec.readyPath ? `http://${this.opts.host}:${port}${spec.readyPath}` : url;
    const readyWatch = readyOrExit(probeUrl, proc.exited, life.signal);
    const timeoutMs = this.opts.readyTimeoutMs();
    const first = await raceTimeout(readyWatch, timeoutMs);

    const settle = async (result: { status?: number | undefined } | { exit: ExitInfo }): Promise<StartOutcome | 'port-in-use'> => {
      if (this.current !== life || life.cancelled) return CANCELLED;
      if ('exit' in result) {
        // Wait for the pipes to flush the last lines.
        await new Promise((r) => setTimeout(r, 50));
        if (this.current !== life || life.cancelled) return CANCELLED;
        const tail = this.stderrTail.lastLines(60);
        if (looksLikePortInUse(tail)) {
          await this.closeAndStop();
          return 'port-in-use';
        }
        return this.fail(new AppStartError(`The app exited before it was ready (${describeExit(result.exit)}).`, tail, result.exit));
      }
      if (result.status === undefined) return CANCELLED;
      return this.readyNow(life, spawned, t0, via, result.status);
    };

    if (first !== 'timeout') return settle(first);
    this.opts.log.warn(`[run ${life.id}] not ready after ${timeoutMs} ms; still waiting`);
    // Keep probing in the background; state follows when it answers or exits.
    void readyWatch.then((r) => this.ops.run(() => settle(r), { kind: 'cancelled' }));
    return { kind: 'timeout', url };
  }

  /** A ready server that exits on its own is a crash. */
  private watchExit(life: RunLifetime): void {
    void life.process?.exited.then(async (info) => {
      await new Promise((r) => setTimeout(r, 50));
      if (this.current !== life || life.stopping || this.machine.state !== 'ready') return;
      await this.ops.run(async () => {
        if (this.current !== life || life.stopping || this.machine.state !== 'ready') return;
        const err = new AppStartError(`The app exited (${describeExit(info)}).`, this.stderrTail.lastLines(60), info);
        this.opts.log.warn(`[run ${life.id}] ${err.message}`);
        await this.closeAndStop();
        this.machine.move('exit', err);
      }, undefined);
    });
  }
}
