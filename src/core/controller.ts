// One previewed app without the editor: supervisor + restart scheduler + change filter.
// The extension wraps it; integration tests drive it with real processes. No `vscode` import.
import * as path from 'node:path';
import { ChangeFilter, ContentFingerprints } from './changes';
import { CANCELLED } from './outcome';
import { RestartScheduler } from './scheduler';
import { AppSupervisor, type StartOutcome, type SupervisorOptions } from './supervisor';

export interface ControllerOptions extends SupervisorOptions {
  /** The file being previewed. */
  readonly appFile: string;
  /** Folder whose changes restart the app (the app file's folder). */
  readonly root: string;
  watchGlob(): string;
  watchExclude(): readonly string[];
  debounceMs(): number;
  /** Called with the result of every restart the scheduler ran. */
  onRestarted?(outcome: StartOutcome, reason: string): void;
}

export class AppController {
  readonly supervisor: AppSupervisor;
  private readonly scheduler: RestartScheduler;
  private readonly fingerprints = new ContentFingerprints();
  /** Callers of restartNow waiting for the restart that covers their request. */
  private waiters: Array<(outcome: StartOutcome) => void> = [];
  private disposed = false;
  private filter: ChangeFilter;
  private filterKey = '';

  constructor(private readonly opts: ControllerOptions) {
    this.supervisor = new AppSupervisor(opts);
    this.scheduler = new RestartScheduler({
      debounceMs: () => opts.debounceMs(),
      run: async (reason) => {
        // Explicit restarts asked for before this one began get its outcome; the rest is reported.
        const waiting = this.waiters.splice(0);
        if (this.supervisor.state === 'stopped' || this.supervisor.state === 'stopping') {
          for (const w of waiting) w(CANCELLED);
          return;
        }
        const outcome = await this.supervisor.restart(reason);
        for (const w of waiting) w(outcome);
        if (!waiting.length) opts.onRestarted?.(outcome, reason);
      },
      interrupt: () => this.supervisor.interruptStart(),
      onError: (e) => opts.log.error(e as Error),
    });
    this.filter = this.currentFilter();
  }

  get appFile(): string {
    return this.opts.appFile;
  }

  /** Restarts the scheduler has started so far. */
  get scheduledRestarts(): number {
    return this.scheduler.count;
  }

  async start(): Promise<StartOutcome> {
    await this.fingerprints.remember(this.opts.appFile);
    return this.supervisor.start();
  }

  /**
   * An explicit restart (toolbar, command): at once, like an explicit save, unless a restart
   * runs or another explicit request came within the debounce: then it joins that burst (60
   * Restart commands in 2 s give 2 restarts, not 61). Resolves with the outcome of the restart
   * that covers this request.
   */
  restartNow(reason: string): Promise<StartOutcome> {
    if (this.disposed) return Promise.resolve(CANCELLED);
    return new Promise((resolve) => {
      this.waiters.push(resolve);
      this.scheduler.requestNow(reason);
    });
  }

  /** Callers waiting for a restart that will not come (stopped, disposed) get "cancelled". */
  private releaseWaiters(): void {
    for (const w of this.waiters.splice(0)) w(CANCELLED);
  }

  /** Asks for a debounced restart. */
  requestRestart(reason: string): void {
    this.scheduler.request(reason);
  }

  /**
   * A file changed on disk. Restarts (debounced) when it lies under the app's folder, matches
   * the watch glob, is not in an ignored folder, and its content really changed. Returns
   * whether a restart was asked for.
   */
  async fileChanged(file: string): Promise<boolean> {
    if (!this.watches(file)) return false;
    if (!(await this.fingerprints.changed(file))) return false;
    this.scheduler.request(`changed ${path.relative(this.opts.root, file)}`);
    return true;
  }

  /**
   * The editor saved `file` on an explicit request (Ctrl+S, File: Save): like fileChanged, but
   * it restarts at once unless it joins a burst. A debounced request for the same change, seen
   * first on disk, starts now. Returns whether a restart was asked for.
   */
  async fileSaved(file: string): Promise<boolean> {
    if (!this.watches(file)) return false;
    if (!(await this.fingerprints.changed(file)) && !this.scheduler.waiting) return false;
    this.scheduler.requestNow(`saved ${path.relative(this.opts.root, file)}`);
    return true;
  }

  async stop(): Promise<void> {
    this.scheduler.cancelPending();
    this.releaseWaiters();
    await this.supervisor.stop();
  }

  /** Resolves when no restart runs or waits. */
  idle(): Promise<void> {
    return this.scheduler.idle();
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    this.scheduler.dispose();
    this.releaseWaiters();
    await this.scheduler.idle().catch(() => undefined);
    await this.supervisor.dispose();
  }

  /** Whether a change to `file` may restart the app: it runs, and the file is one it watches. */
  private watches(file: string): boolean {
    const state = this.supervisor.state;
    return state !== 'stopped' && state !== 'stopping' && this.currentFilter().matches(file);
  }

  private currentFilter(): ChangeFilter {
    const glob = this.opts.watchGlob();
    const exclude = this.opts.watchExclude();
    const key = JSON.stringify([glob, exclude]);
    if (key !== this.filterKey) {
      this.filter = new ChangeFilter(this.opts.root, glob, exclude);
      this.filterKey = key;
    }
    return this.filter;
  }
}
