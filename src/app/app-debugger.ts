// Debug App for one app: attaches VS Code to every run that starts under debugpy, follows the
// debug toolbar (Restart restarts the app; Stop stops it, or leaves it running), and ends the
// debug session with the app.
import * as vscode from 'vscode';
import { attachConfiguration, dataAppOf, type DebugListening } from '../core/debug';
import type { Logger } from '../core/log';
import { isAlive } from '../core/process';
import type { AppState } from '../core/state';
import { Disposable } from '../util/dispose';
import type { DebugTypes } from './debug-types';

export interface DebugHost {
  readonly appFile: string;
  readonly folder: vscode.WorkspaceFolder;
  readonly launcherDir: string;
  readonly log: Logger;
  state(): AppState;
  pid(): number | undefined;
  runId(): string | undefined;
  justMyCode(): boolean;
  /** The setting: the debug toolbar's Stop stops the app (true) or leaves it running without the debugger. */
  stopAppOnDisconnect(): boolean;
  restart(reason: string): Promise<unknown>;
  stop(): Promise<void>;
  /** Debug mode changed by the debugger (the user detached): the UI follows. */
  changed(): void;
}

/** How long a toolbar restart waits for VS Code to attach again before it restarts the app anyway. */
const REATTACH_WAIT_MS = 3000;

export class AppDebugger extends Disposable {
  private on = false;
  private active: vscode.DebugSession | undefined;
  private restarting: { session: string; timer: ReturnType<typeof setTimeout> } | undefined;

  constructor(
    private readonly host: DebugHost,
    private readonly types: DebugTypes,
  ) {
    super();
    const mine = (s: vscode.DebugSession) => dataAppOf(s.configuration)?.appFile === host.appFile;
    this._register(
      vscode.debug.onDidStartDebugSession((s) => {
        if (!mine(s)) return;
        this.active = s;
        host.changed(); // the status tooltip says "attached"
      }),
    );
    this._register(
      vscode.debug.onDidTerminateDebugSession((s) => {
        if (mine(s)) this.ended(s);
      }),
    );
    this._register(
      types.onRestartRequested((s) => {
        if (!mine(s) || this.restarting) return;
        // VS Code attaches the same session again in 300 ms, to the same (still running) process;
        // the app restarts once it has, so that nothing reconnects to a port that is gone.
        host.log.info('Debug toolbar: restart');
        this.restarting = { session: s.id, timer: setTimeout(() => this.restartApp(), REATTACH_WAIT_MS) };
      }),
    );
    this._register(
      types.onAttached((s) => {
        if (mine(s) && this.restarting?.session === s.id) this.restartApp();
      }),
    );
  }

  /** Whether the app runs under the debugger (every run starts under debugpy). */
  get enabled(): boolean {
    return this.on;
  }

  set enabled(v: boolean) {
    this.on = v;
    if (!v) void this.detach();
  }

  get session(): vscode.DebugSession | undefined {
    return this.active;
  }

  /** The run's launcher says debugpy listens: attach VS Code to it. */
  listening(l: DebugListening): void {
    if (!this.on || l.pid !== this.host.pid()) return; // a stale line, from a run already gone
    this.endStale();
    void this.attach(l);
  }

  /**
   * The app's state changed. Once a run's tree is gone (stopped, crashed, or replaced by the next
   * run), its debug session is ended too. On Linux the adapter went with the tree already; where a
   * run cannot be a subreaper, debugpy's adapter lives on while a client stays connected.
   */
  stateChanged(state: AppState): void {
    if (state === 'stopped' || state === 'crashed') void this.detach();
  }

  private endStale(): void {
    const s = this.active;
    if (s && dataAppOf(s.configuration)?.runId !== this.host.runId()) {
      this.active = undefined;
      void vscode.debug.stopDebugging(s).then(undefined, () => undefined);
    }
  }

  private async attach(l: DebugListening): Promise<void> {
    const runId = this.host.runId() ?? '-';
    const type = this.types.attachType();
    const config = attachConfiguration({ type, appFile: this.host.appFile, listening: l, justMyCode: this.host.justMyCode(), launcherDir: this.host.launcherDir, runId });
    this.host.log.info(`[run ${runId}] attaching the debugger (${type}) to ${l.host}:${l.port}`);
    // Never save editors first: the app runs what is on disk, and a save would restart it.
    const ok = await vscode.debug.startDebugging(this.host.folder, config, { suppressSaveBeforeStart: true });
    if (!ok) {
      this.host.log.warn(`[run ${runId}] the debugger did not attach`);
      void vscode.window.showWarningMessage(`The debugger could not attach to ${l.host}:${l.port}. The app waits for it before running: restart it, or turn debugging off.`);
    }
  }

  private restartApp(): void {
    if (!this.restarting) return;
    clearTimeout(this.restarting.timer);
    this.restarting = undefined;
    void this.host.restart('restart from the debug toolbar');
  }

  private ended(s: vscode.DebugSession): void {
    if (this.active?.id === s.id) {
      this.active = undefined;
      this.host.changed();
    }
    if (this.restarting?.session === s.id) return;
    const ours = dataAppOf(s.configuration);
    const state = this.host.state();
    const pid = this.host.pid();
    // A restart, a stop or a crash took the process (and debugpy) away: nothing to do. The run
    // still alive means the user detached (the toolbar's Stop or Disconnect).
    if (!this.on || !ours || ours.runId !== this.host.runId() || (state !== 'ready' && state !== 'starting') || !pid || !isAlive(pid)) return;
    if (this.host.stopAppOnDisconnect()) {
      this.host.log.info('The debugger was stopped: stopping the app');
      this.on = false;
      void this.host.stop().then(() => this.host.changed());
    } else {
      this.host.log.info('The debugger was detached: the app goes on without it; the next save restarts it without the debugger');
      this.on = false;
      this.host.changed();
    }
  }

  private async detach(): Promise<void> {
    const s = this.active;
    this.active = undefined;
    if (s) await vscode.debug.stopDebugging(s).then(undefined, () => undefined);
  }

  override dispose(): void {
    if (this.restarting) clearTimeout(this.restarting.timer);
    void this.detach();
    super.dispose();
  }
}
