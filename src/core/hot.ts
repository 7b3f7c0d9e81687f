// The hot standby: for frameworks whose server runs no app code until a page connects
// (Streamlit reads and runs the script per session), the next run's whole server is started
// before the save, on a port of its own, with its own run hooks (its Azure scope) opened at
// spawn, and checked on a route that runs no app code. On a restart it takes over at once; so
// each version still runs in a process that has run no earlier version. No `vscode` import.
import { randomUUID } from 'node:crypto';
import { hotLaunch, hotProbePath, hotWarmupPath } from './hot-entry';
import type { LaunchSpec } from './launch';
import type { Logger } from './log';
import { pickFreePort } from './ports';
import { probe as getOnce, readyOrExit } from './readiness';
import type { RetiringRuns } from './retiring';
import { RunLifetime } from './run';
import { spawnRun, type Spawned } from './run-spawn';
import { coldLaunch, type LaunchRequest } from './strategy';
import type { Prepared, SupervisorOptions } from './supervisor-options';
import { raceTimeout } from './timeout';

/** What a run was built from: a hot run is used only if a fresh build on its port is the same. */
export function launchKey(spec: LaunchSpec, env: NodeJS.ProcessEnv): string {
  return JSON.stringify([spec.command, spec.args, spec.cwd, spec.urlPath, Object.entries(env).sort(([a], [b]) => (a < b ? -1 : 1))]);
}

export interface HotRun {
  readonly life: RunLifetime;
  readonly spawned: Spawned;
  /** Output the run wrote before it took over, to be shown once it does. */
  readonly held: Array<['stdout' | 'stderr', string]>;
}

/** A hot run being started or kept. */
interface Pending {
  readonly life: RunLifetime;
  readonly held: HotRun['held'];
  spawned?: Spawned;
  key?: string;
  ready: boolean;
  tookOver?: boolean;
}

const HELD_MAX = 200;
type Output = (run: RunLifetime, stream: 'stdout' | 'stderr', text: string) => void;

export class HotStandby {
  private next: Pending | undefined;
  /** Bumped by every prepare and discard: a spawn begun before it is outdated, and stops what it started. */
  private generation = 0;
  private spawning: Promise<void> = Promise.resolve();

  constructor(
    private readonly opts: SupervisorOptions,
    private readonly retiring: RetiringRuns,
    private readonly log: Logger,
  ) {}

  /** Whether a hot run is ready to take over now. */
  get ready(): boolean {
    return !!this.next?.ready;
  }

  /** Starts the next run's server in the background, replacing one that was kept. */
  /**
   * Starts the next run's server after `delayMs` (the page of the run that just took over loads
   * first, without a server start competing for the CPU), replacing one that was kept.
   */
  prepare(output: Output, delayMs = 0): void {
    void this.discard();
    const generation = this.generation;
    this.spawning = new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.cancelWait = undefined;
        if (generation !== this.generation) return resolve();
        resolve(this.spawn(output, generation).catch((e: Error) => this.log.warn(`Hot standby: could not start: ${e.message}`)));
      }, delayMs);
      this.cancelWait = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
  private cancelWait: (() => void) | undefined;

  /** Resolves when no hot standby is being started (a discarded one has stopped what it started). */
  settled(): Promise<void> {
    return this.spawning;
  }

  private async spawn(output: Output, generation: number): Promise<void> {
    const port = await pickFreePort(this.opts.host);
    if (generation !== this.generation) return;
    const life = new RunLifetime({ id: randomUUID().slice(0, 8), port, startedAt: Date.now() });
    const entry: Pending = { life, held: [], ready: false };
    this.next = entry;
    let key = '';
    let cleanup = (): void => undefined;
    const prepare = async (p: number): Promise<Prepared> => {
      const raw = await this.opts.prepare(p, true);
      key = launchKey(raw.spec, raw.env); // what a fresh build at the save must match
      const hot = hotLaunch(raw.spec);
      cleanup = hot.cleanup;
      return { spec: hot.spec, env: { ...raw.env, ...hot.env } };
    };
    const ahead = { name: 'hot', launch: (req: LaunchRequest) => coldLaunch(req, 'hot standby, ahead of the save'), dispose: () => Promise.resolve() };
    const cold = { ...this.opts, strategy: ahead, prepare };
    const spawned = await spawnRun(cold, life, (stream, text) => {
      // Held until it takes over (then shown as that run's), or dropped with it.
      if (this.next === entry) {
        if (entry.held.length < HELD_MAX) entry.held.push([stream, text]);
      } else if (entry.tookOver) output(life, stream, text);
    });
    if (spawned === 'cancelled' || 'spawnError' in spawned) {
      cleanup();
      if (this.next === entry) this.next = undefined;
      if (spawned !== 'cancelled') this.log.warn(`Hot standby: ${spawned.spawnError.message}`);
      life.hooksOpen = true; // whatever of its hooks opened meanwhile is closed
      await this.retiring.retire(life, this.opts.stopGraceMs());
      return;
    }
    life.adopt(spawned.proc, this.opts.tracker);
    void spawned.proc.exited.then(cleanup);
    entry.spawned = spawned;
    entry.key = key;
    const probe = hotProbePath(spawned.prepared.spec);
    if (this.next !== entry || !probe) {
      if (this.next === entry) this.next = undefined;
      await this.retiring.retire(life, this.opts.stopGraceMs());
      return;
    }
    const answer = await raceTimeout(readyOrExit(`http://${this.opts.host}:${port}${probe}`, spawned.proc.exited, life.signal), 60_000);
    if (this.next !== entry) return;
    if (answer === 'timeout' || !('status' in answer) || answer.status === undefined) {
      this.log.warn(`Hot standby [run ${life.id}]: its server did not come up; the next restart starts the usual way`);
      await this.discard();
      return;
    }
    const warmup = hotWarmupPath(spawned.prepared.spec);
    if (warmup) await getOnce(`http://${this.opts.host}:${port}${warmup}`, 20_000); // the framework's first session, without app code
    if (this.next !== entry) return;
    entry.ready = true;
    this.log.info(`Hot standby [run ${life.id}] ready on port ${port} (pid ${spawned.proc.pid}); it has run no app code`);
    void spawned.proc.exited.then(() => {
      if (this.next !== entry) return;
      this.log.warn(`Hot standby [run ${life.id}] exited while waiting; the next restart starts the usual way`);
      void this.discard();
    });
  }

  /**
   * The hot run, if it is ready and a fresh build of the launch on its port is the same as the
   * one it was started with (settings, interpreter, .env unchanged); otherwise it is discarded
   * (when stale) and undefined is returned, with the reason given to `why`.
   */
  async take(why: (reason: string) => void): Promise<HotRun | undefined> {
    const entry = this.next;
    if (!entry?.ready || !entry.spawned) {
      why(entry ? 'the hot standby was not ready yet' : 'no hot standby');
      return undefined;
    }
    let fresh: Prepared;
    try {
      fresh = await this.opts.prepare(entry.life.info.port);
    } catch (e) {
      // The usual start prepares again and reports the same error as a failed start.
      why(`the launch could not be built: ${(e as Error).message}`);
      await this.discard();
      return undefined;
    }
    if (this.next !== entry) return undefined;
    if (launchKey(fresh.spec, fresh.env) !== entry.key) {
      why('the launch changed since the hot standby started (settings, interpreter or .env)');
      await this.discard();
      return undefined;
    }
    this.next = undefined;
    entry.tookOver = true;
    return { life: entry.life, spawned: entry.spawned, held: entry.held };
  }

  /** Host exit: kills the kept run now. */
  killNow(): void {
    this.next?.life.process?.killNow();
  }

  /** Stops the kept run, if any (its tree in the background; stop and dispose wait through RetiringRuns). */
  async discard(): Promise<void> {
    this.generation++;
    this.cancelWait?.();
    this.cancelWait = undefined;
    const entry = this.next;
    this.next = undefined;
    if (entry) await this.retiring.retire(entry.life, this.opts.stopGraceMs());
  }
}
