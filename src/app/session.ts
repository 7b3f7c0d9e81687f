// One previewed app in the editor: its controller (process, restarts), preview panel,
// output channel, status bar item and file watcher. Disposing it stops the server.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { Config } from '../config/config';
import { AppController } from '../core/controller';
import { DebugLineScanner } from '../core/debug';
import { FRAMEWORKS } from '../core/frameworks';
import { prefixed } from '../core/log';
import type { ProcessTracker } from '../core/reaper';
import type { AppState } from '../core/state';
import type { LaunchStrategy } from '../core/strategy';
import { WarmLaunch } from '../core/warm';
import type { AppSupervisor, Prepared, RunHook, StartOutcome } from '../core/supervisor';
import type { StatusMessage, WebviewAction } from '../preview/protocol';
import { statusMessageOf } from '../preview/status';
import { PreviewPanel } from '../preview/panel';
import { Disposable } from '../util/dispose';
import { AppDebugger } from './app-debugger';
import { FailureActions } from './failure-actions';
import type { DebugTypes } from './debug-types';
import type { InterpreterResolver } from './interpreter';
import { HOST, LaunchEnvironment } from './launch-env';
import { AppOutput } from './output';
import { SessionView } from './session-view';
import type { StatusDetails } from './status-item';
import type { Setup } from './setup';
import { actOn } from './session-actions';
import { AppFront } from './front';
import type { SessionTarget } from './targets';

export interface SessionDeps {
  readonly extensionUri: vscode.Uri;
  readonly log: vscode.LogOutputChannel;
  readonly interpreters: InterpreterResolver;
  /** Run hooks shared by all apps (the Azure broker attaches here). */
  readonly hooks: readonly RunHook[];
  readonly tracker?: ProcessTracker;
  readonly debugTypes: DebugTypes;
  /** The Problems panel's entries of every app (each session owns its own). */
  readonly problems: vscode.DiagnosticCollection;
  readonly setup: Setup;
}

export class AppSession extends Disposable {
  readonly controller: AppController;
  readonly output: AppOutput;
  /** Debug App: whether runs start under debugpy, and the debug session attached to them. */
  readonly debugger: AppDebugger;
  private readonly debugLines: DebugLineScanner;
  private readonly view: SessionView;
  private readonly strategy: LaunchStrategy;
  private readonly launchEnv: LaunchEnvironment;
  readonly failures: FailureActions; // Problems, links to the code, a missing module's setup
  private readonly front: AppFront; // the stable port pages load the app from
  private generation = 0;
  private shuttingDown: Promise<void> | undefined;
  private readonly closedEmitter = this._register(new vscode.EventEmitter<void>());
  /** The session ended (its preview closed); its server is stopped. */
  readonly onDidClose = this.closedEmitter.event;

  /** `showPreview` false: no preview panel until one is asked for (Debug App with its openPreview setting off). */
  constructor(
    private readonly deps: SessionDeps,
    readonly target: SessionTarget,
    revivedPanel?: vscode.WebviewPanel,
    showPreview = true,
  ) {
    super();
    const file = target.file.fsPath;
    const rel = vscode.workspace.asRelativePath(target.file, false);
    const log = prefixed(deps.log, path.basename(file));
    this.output = this._register(new AppOutput(`Data App: ${rel}`));
    this.launchEnv = new LaunchEnvironment({ extensionUri: deps.extensionUri, log, interpreters: deps.interpreters, debugTypes: deps.debugTypes }, target);
    this.strategy = new WarmLaunch({
      standbyScript: vscode.Uri.joinPath(deps.extensionUri, 'python', 'dap_standby.py').fsPath,
      workspace: target.folder.uri.fsPath,
      appName: path.basename(file),
      enabled: () => this.config.get('warmStandby'),
      log,
      tracker: deps.tracker,
    });
    this.controller = new AppController({
      appFile: file,
      root: path.dirname(file),
      host: HOST,
      strategy: this.strategy,
      hooks: deps.hooks,
      tracker: deps.tracker,
      log,
      prepare: (port, hot) => this.prepare(port, hot),
      preferredPort: () => 0, // the app server's; the setting is the front proxy's (AppFront)
      overlap: () => this.config.get('overlapRestarts') && !this.debugger.enabled,
      hot: () => this.config.get('warmStandby'), // Streamlit, Panel, Bokeh: the next server ahead
      readyTimeoutMs: () => (this.debugger.enabled ? 0 : this.config.get('startTimeoutSeconds') * 1000), // a debug run may sit at a breakpoint
      stopGraceMs: () => this.config.get('stopGraceMs'),
      watchGlob: () => this.config.get('watchGlob'),
      watchExclude: () => this.config.get('watchExclude'),
      debounceMs: () => this.config.get('restartDebounceMs'),
      onOutput: (stream, text, run) => (stream === 'stdout' ? this.output.append(this.debugLines.push(text)) : this.output.stderr(text, run)),
      onRunEnded: (runId) => this.output.runEnded(runId),
      onRestarted: (outcome) => this.failures.told(outcome, false),
    });
    const sup = this.controller.supervisor;
    this.front = this._register(new AppFront({ host: HOST, log, supervisor: sup, append: (t) => this.output.append(t), changed: () => this.refresh() }));
    this.debugger = this._register(
      new AppDebugger(
        {
          appFile: file,
          folder: target.folder,
          launcherDir: vscode.Uri.joinPath(deps.extensionUri, 'python').fsPath,
          log,
          state: () => sup.state,
          pid: () => sup.pid,
          runId: () => sup.currentRun?.id,
          justMyCode: () => this.config.get('debug.justMyCode'),
          stopAppOnDisconnect: () => this.config.get('debug.stopAppOnDisconnect'),
          restart: (reason) => this.restart(reason),
          stop: () => this.stop(),
          changed: () => this.refresh(),
        },
        deps.debugTypes,
      ),
    );
    this.debugLines = new DebugLineScanner((l) => this.debugger.listening(l));
    this.failures = this._register(new FailureActions(this, deps.setup, deps.problems, log, () => this.refresh()));
    // The front proxy listens at once, so the preview's first page knows its frame's origins.
    const originsKnown = this.front.listen(this.config.get('port')).then(
      (p) => this.launchEnv.frameOriginsFor(p),
      () => undefined,
    ); // a busy port: said at the start
    this.view = this._register(new SessionView(deps.extensionUri, this, rel, revivedPanel, showPreview, originsKnown));

    this._register(this.controller.supervisor.onDidChangeState((e) => this.onState(e.state)));

    const watcher = this._register(vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(path.dirname(file), '**/*')));
    for (const on of [watcher.onDidChange, watcher.onDidCreate, watcher.onDidDelete]) this._register(on((uri) => void this.fileChanged(uri)));
    this.refresh();
  }

  get file(): vscode.Uri {
    return this.target.file;
  }

  /** The preview panel (none when Debug App started the app without one, until it is shown). */
  get preview(): PreviewPanel | undefined {
    return this.view.preview;
  }

  /** True once the preview was closed (the server may still be stopping). */
  get isClosing(): boolean {
    return this.shuttingDown !== undefined;
  }

  /** The interpreter of the current run (undefined before the first start). */
  get pythonPath(): string | undefined {
    return this.launchEnv.pythonPath;
  }

  get supervisor(): AppSupervisor {
    return this.controller.supervisor;
  }

  get frameOrigins(): readonly string[] {
    return this.launchEnv.frameOrigins;
  }

  statusDetails(): StatusDetails {
    return { debugging: this.debugger.enabled, attached: !!this.debugger.session, python: this.launchEnv.pythonPath };
  }

  get state(): AppState {
    return this.controller.supervisor.state;
  }

  private get config(): Config {
    return new Config(this.target.file);
  }

  /** First start (or a start after stop/crash), with a progress notification. */
  async start(): Promise<StartOutcome> {
    this.launchEnv.recheckModule();
    const outcome = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Starting ${FRAMEWORKS[this.target.framework].label} app ${path.basename(this.file.fsPath)}…`, cancellable: true },
      async (_progress, token) => {
        const cancel = token.onCancellationRequested(() => void this.stop());
        try {
          return await this.controller.start();
        } finally {
          cancel.dispose();
        }
      },
    );
    this.failures.told(outcome, true);
    return outcome;
  }

  async restart(reason = 'restart requested'): Promise<StartOutcome> {
    if (this.state === 'stopped') return this.start();
    const outcome = await this.controller.restartNow(reason);
    this.failures.told(outcome, true);
    return outcome;
  }

  async stop(): Promise<void> {
    await this.controller.stop();
  }

  reveal(): void {
    this.view.reveal();
  }

  /**
   * Debug App on (`on`) or off: every run from now on starts under debugpy (or without it), so the
   * app restarts now; a stopped app starts.
   */
  async setDebugging(on: boolean): Promise<StartOutcome | undefined> {
    if (on === this.debugger.enabled && this.state !== 'stopped' && this.state !== 'crashed') return undefined;
    this.debugger.enabled = on;
    this.refresh();
    if (this.state === 'stopped' || this.state === 'crashed') return this.start();
    return this.restart(on ? 'Debug App' : 'debugging off');
  }

  /** A file was saved (`explicit`: on the user's request, restarts at once) or changed on disk. */
  async fileChanged(uri: vscode.Uri, explicit = false): Promise<void> {
    if (uri.scheme !== 'file' || !this.config.get('restartOnSave')) return;
    const asked = explicit ? await this.controller.fileSaved(uri.fsPath) : await this.controller.fileChanged(uri.fsPath);
    if (asked) this.deps.log.debug(`${path.basename(this.file.fsPath)}: ${explicit ? 'saved' : 'change in'} ${uri.fsPath}`);
  }

  showOutput(): void {
    this.output.show();
  }

  async openExternal(): Promise<void> {
    const url = this.launchEnv.frameUrl;
    if (url) await vscode.env.openExternal(vscode.Uri.parse(url));
  }

  /** Stops the server and disposes everything (preview included). Idempotent. */
  close(): Promise<void> {
    this.shuttingDown ??= (async () => {
      try {
        await this.controller.dispose();
        await this.strategy.dispose();
      } finally {
        this.closedEmitter.fire();
        this.dispose();
      }
    })();
    return this.shuttingDown;
  }

  /** Last resort at host exit. */
  killNow(): void {
    this.controller.supervisor.killNow();
  }

  /** A preview toolbar or overlay button. */
  act(action: WebviewAction): Promise<void> {
    return actOn(this, action);
  }

  /** Builds the launch for `port` (LaunchEnvironment), and marks the run in the app's output. */
  private async prepare(port: number, hot = false): Promise<Prepared> {
    const frontPort = await this.front.listen(this.config.get('port'));
    const { prepared, commandLine } = await this.launchEnv.prepare(port, frontPort, this.debugger.enabled);
    this.front.setForwarded(this.launchEnv.forwarded.prefix, this.launchEnv.forwarded.origins);
    if (!hot) this.output.line(`\n──── ${new Date().toLocaleTimeString()} ${commandLine} ────`); // a hot standby's: at its takeover
    return prepared;
  }

  private onState(state: AppState): void {
    if (state === 'ready') this.generation++;
    this.debugger.stateChanged(state);
    this.failures.stateChanged(state);
    this.refresh();
  }

  statusMessage(): StatusMessage {
    return statusMessageOf(this.controller.supervisor, {
      file: this.file.fsPath,
      framework: this.target.framework,
      workspace: this.target.folder.uri.fsPath,
      url: this.launchEnv.frameUrl,
      setup: this.failures?.setup,
      generation: this.generation,
      debugging: this.debugger.enabled,
      port: this.front.port,
      consoleCount: this.front.consoleCount,
    });
  }

  private refresh(): void {
    if (!this.isDisposed) this.view?.refresh();
  }
}
