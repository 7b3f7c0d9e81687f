// One previewed app in the editor: its controller (process, restarts), preview panel,
// output channel, status bar item and file watcher. Disposing it stops the server.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { Config } from '../config/config';
import { AppController } from '../core/controller';
import { debugLaunch, DebugLineScanner } from '../core/debug';
import { describeLines, readEnvFile } from '../core/dotenv';
import { childEnvironment } from '../core/env';
import { FRAMEWORKS, type FrameworkId } from '../core/frameworks';
import { buildLaunch, type LaunchSpec } from '../core/launch';
import { CommandSyntaxError } from '../core/placeholders';
import { pickFreePort, PortInUseError } from '../core/ports';
import { LaunchError } from '../core/process';
import { hasModule, ModuleMissingError, NoInterpreterError } from '../core/python';
import type { ProcessTracker } from '../core/reaper';
import { isRunningState, type AppState } from '../core/state';
import type { LaunchStrategy } from '../core/strategy';
import { WarmLaunch } from '../core/warm';
import { AppStartError, type Prepared, type RunHook, type StartOutcome } from '../core/supervisor';
import type { StatusMessage } from '../preview/protocol';
import { PreviewPanel } from '../preview/panel';
import { Disposable } from '../util/dispose';
import { AppDebugger } from './app-debugger';
import type { DebugTypes } from './debug-types';
import type { InterpreterResolver } from './interpreter';
import { AppOutput } from './output';

export const HOST = '127.0.0.1';

export interface SessionDeps {
  readonly extensionUri: vscode.Uri;
  readonly log: vscode.LogOutputChannel;
  readonly interpreters: InterpreterResolver;
  /** Run hooks shared by all apps (the Azure broker attaches here). */
  readonly hooks: readonly RunHook[];
  readonly tracker?: ProcessTracker;
  readonly debugTypes: DebugTypes;
}

export interface SessionTarget {
  readonly file: vscode.Uri;
  readonly folder: vscode.WorkspaceFolder;
  readonly framework: FrameworkId;
  readonly observableRoot?: string | undefined;
}

const STATE_ICON: Record<AppState, string> = {
  stopped: '$(circle-slash)',
  starting: '$(sync~spin)',
  ready: '$(vm-running)',
  restarting: '$(sync~spin)',
  crashed: '$(error)',
  stopping: '$(sync~spin)',
};

export class AppSession extends Disposable {
  readonly controller: AppController;
  readonly output: AppOutput;
  private panel: PreviewPanel | undefined;
  /** Debug App: whether runs start under debugpy, and the debug session attached to them. */
  readonly debugger: AppDebugger;
  private readonly debugLines: DebugLineScanner;
  private readonly statusItem: vscode.StatusBarItem;
  private readonly strategy: LaunchStrategy;
  private generation = 0;
  private frameUrl: string | undefined;
  private frameOrigins: string[] = [];
  private python: string | undefined;
  private moduleChecked = false;
  private shuttingDown: Promise<void> | undefined;
  private readonly closedEmitter = this._register(new vscode.EventEmitter<void>());
  /** The session ended (its preview closed); its server is stopped. */
  readonly onDidClose = this.closedEmitter.event;

  /** `showPreview` false: no preview panel until one is asked for (Debug App with its openPreview setting off). */
  constructor(private readonly deps: SessionDeps, readonly target: SessionTarget, revivedPanel?: vscode.WebviewPanel, showPreview = true) {
    super();
    const file = target.file.fsPath;
    const rel = vscode.workspace.asRelativePath(target.file, false);
    this.output = this._register(new AppOutput(`Data App: ${rel}`));
    this.strategy = new WarmLaunch({
      standbyScript: vscode.Uri.joinPath(deps.extensionUri, 'python', 'dap_standby.py').fsPath,
      workspace: target.folder.uri.fsPath,
      enabled: () => this.config.get('warmStandby'),
      log: prefixed(deps.log, path.basename(file)),
      tracker: deps.tracker,
    });
    this.controller = new AppController({
      appFile: file,
      root: path.dirname(file),
      host: HOST,
      strategy: this.strategy,
      hooks: deps.hooks,
      tracker: deps.tracker,
      log: prefixed(deps.log, path.basename(file)),
      prepare: (port) => this.prepare(port),
      preferredPort: () => this.config.get('port'),
      readyTimeoutMs: () => (this.debugger.enabled ? 0 : this.config.get('startTimeoutSeconds') * 1000), // a debug run may sit at a breakpoint
      stopGraceMs: () => this.config.get('stopGraceMs'),
      watchGlob: () => this.config.get('watchGlob'),
      watchExclude: () => this.config.get('watchExclude'),
      debounceMs: () => this.config.get('restartDebounceMs'),
      onOutput: (stream, text) => this.output.append(stream === 'stdout' ? this.debugLines.push(text) : text),
      onRestarted: (outcome) => this.onOutcome(outcome, false),
    });
    const sup = this.controller.supervisor;
    this.debugger = this._register(new AppDebugger({
      appFile: file,
      folder: target.folder,
      launcherDir: vscode.Uri.joinPath(deps.extensionUri, 'python').fsPath,
      log: prefixed(deps.log, path.basename(file)),
      state: () => sup.state,
      pid: () => sup.pid,
      runId: () => sup.currentRun?.id,
      justMyCode: () => this.config.get('debug.justMyCode'),
      stopAppOnDisconnect: () => this.config.get('debug.stopAppOnDisconnect'),
      restart: (reason) => this.restart(reason),
      stop: () => this.stop(),
      changed: () => this.refresh(),
    }, deps.debugTypes));
    this.debugLines = new DebugLineScanner((l) => this.debugger.listening(l));
    if (revivedPanel) this.attachPanel(PreviewPanel.adopt(revivedPanel, deps.extensionUri, this.statusMessage()));
    else if (showPreview) this.attachPanel(PreviewPanel.create(deps.extensionUri, path.basename(file), this.statusMessage()));

    this.statusItem = this._register(vscode.window.createStatusBarItem(`dataAppPreview.app:${file}`, vscode.StatusBarAlignment.Left, 50));
    this.statusItem.name = `Data App: ${rel}`;
    this.statusItem.command = { title: 'Show Preview', command: 'dataAppPreview.showPreview', arguments: [target.file] };

    this._register(this.controller.supervisor.onDidChangeState((e) => this.onState(e.state)));

    const watcher = this._register(vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(path.dirname(file), '**/*')));
    const onFile = (uri: vscode.Uri) => void this.fileChanged(uri);
    this._register(watcher.onDidChange(onFile));
    this._register(watcher.onDidCreate(onFile));
    this._register(watcher.onDidDelete(onFile));
    this.refresh();
  }

  get file(): vscode.Uri {
    return this.target.file;
  }

  /** The preview panel (none when Debug App started the app without one, until it is shown). */
  get preview(): PreviewPanel | undefined {
    return this.panel;
  }

  private attachPanel(panel: PreviewPanel): void {
    this.panel = this._register(panel);
    this._register(panel.onAction((a) => void this.onAction(a)));
    this._register(panel.onDidClose(() => void this.close()));
  }

  /** True once the preview was closed (the server may still be stopping). */
  get isClosing(): boolean {
    return this.shuttingDown !== undefined;
  }

  /** The interpreter of the current run (undefined before the first start). */
  get pythonPath(): string | undefined {
    return this.python;
  }

  get state(): AppState {
    return this.controller.supervisor.state;
  }

  private get config(): Config {
    return new Config(this.target.file);
  }

  private get label(): string {
    return FRAMEWORKS[this.target.framework].label;
  }

  /** First start (or a start after stop/crash), with a progress notification. */
  async start(): Promise<StartOutcome> {
    this.moduleChecked = false;
    const name = path.basename(this.file.fsPath);
    const outcome = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Starting ${this.label} app ${name}…`, cancellable: true },
      async (_progress, token) => {
        const cancel = token.onCancellationRequested(() => void this.stop());
        try {
          return await this.controller.start();
        } finally {
          cancel.dispose();
        }
      },
    );
    this.onOutcome(outcome, true);
    return outcome;
  }

  async restart(reason = 'restart requested'): Promise<StartOutcome> {
    if (this.state === 'stopped') return this.start();
    const outcome = await this.controller.restartNow(reason);
    this.onOutcome(outcome, true);
    return outcome;
  }

  async stop(): Promise<void> {
    await this.controller.stop();
  }

  reveal(): void {
    if (this.isDisposed) return;
    if (!this.panel) this.attachPanel(PreviewPanel.create(this.deps.extensionUri, path.basename(this.file.fsPath), this.statusMessage()));
    this.panel!.reveal();
    this.refresh();
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
    if (this.frameUrl) await vscode.env.openExternal(vscode.Uri.parse(this.frameUrl));
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

  private async onAction(action: string): Promise<void> {
    switch (action) {
      case 'restart':
        await this.restart('restart from the preview');
        break;
      case 'stop':
        await this.stop();
        break;
      case 'start':
        await this.start();
        break;
      case 'openExternal':
        await this.openExternal();
        break;
      case 'showOutput':
        this.showOutput();
        break;
      case 'reload':
        this.panel?.reloadFrame();
        break;
      case 'debug':
        await this.setDebugging(!this.debugger.enabled);
        break;
    }
  }

  /** Builds the launch for `port`: interpreter, module check, .env, external URL. */
  private async prepare(port: number): Promise<Prepared> {
    const file = this.file.fsPath;
    const cfg = this.config;
    const framework = this.target.framework;
    const info = FRAMEWORKS[framework];
    const text = await fs.promises.readFile(file, 'utf8').catch(() => '');
    const needsPython = framework !== 'observable';
    if (needsPython) {
      const choice = await this.deps.interpreters.resolve(this.file);
      if (choice.path !== this.python) {
        this.deps.log.info(`${path.basename(file)}: Python ${choice.path} (from ${choice.source})`);
        this.python = choice.path;
        this.moduleChecked = false;
      }
    }
    const env = childEnvironment(process.env, await this.readDotenv(), {});
    if (!this.moduleChecked && info.pythonModule && this.python) {
      if (!(await hasModule(this.python, info.pythonModule, env, path.dirname(file)))) {
        throw new ModuleMissingError(info.pythonModule, info.pipPackage ?? info.pythonModule, this.python, info.label);
      }
      this.moduleChecked = true;
    }

    const external = await vscode.env.asExternalUri(vscode.Uri.parse(`http://${HOST}:${port}/`));
    const externalOrigin = `${external.scheme}://${external.authority}`;
    const spec = buildLaunch({
      framework,
      filePath: file,
      text,
      python: this.python ?? 'python3',
      host: HOST,
      port,
      workspaceFolder: this.target.folder.uri.fsPath,
      extraOrigins: externalOrigin !== `http://${HOST}:${port}` ? [externalOrigin] : [],
      forwardedPath: external.path, // code-server: /proxy/<port>/
      observableRoot: this.target.observableRoot,
      customCommand: cfg.get('customCommand'),
      urlPath: cfg.get('customUrlPath'),
      launcherPath: vscode.Uri.joinPath(this.deps.extensionUri, 'python', 'dap_launch.py').fsPath,
    });
    // The app's path goes back onto the forwarded URL (asExternalUri drops it).
    const base = external.toString().replace(/\/?$/, '/');
    this.frameUrl = base + spec.urlPath.replace(/^\//, '');
    this.frameOrigins = [`http://${HOST}:${port}`, `http://localhost:${port}`, externalOrigin];
    const run = this.debugger.enabled ? await this.underDebugger(spec, env) : spec;
    this.output.line(`\n──── ${new Date().toLocaleTimeString()} ${[run.command, ...run.args].join(' ')} ────`);
    return { spec: run, env: { ...env, ...run.env } };
  }

  /** The run under debugpy, on a fresh loopback port; debugpy must be importable (or bundled with the Python Debugger). */
  private async underDebugger(spec: LaunchSpec, env: NodeJS.ProcessEnv): Promise<LaunchSpec> {
    const python = this.python ?? 'python3';
    let debugpyPath: string | undefined;
    if (!(await hasModule(python, 'debugpy', env, path.dirname(this.file.fsPath)))) {
      debugpyPath = await this.deps.debugTypes.bundledDebugpy();
      if (!debugpyPath) throw new ModuleMissingError('debugpy', 'debugpy', python, 'debugpy (needed by Debug App)');
    }
    const port = await pickFreePort(HOST);
    return debugLaunch(spec, { launcherPath: vscode.Uri.joinPath(this.deps.extensionUri, 'python', 'dap_launch.py').fsPath, address: { host: HOST, port }, debugpyPath });
  }

  private async readDotenv(): Promise<Record<string, string>> {
    const setting = this.config.get('envFile').trim();
    if (!setting) return {};
    const envPath = setting.replace(/\$\{workspaceFolder\}/g, this.target.folder.uri.fsPath);
    const abs = path.isAbsolute(envPath) ? envPath : path.join(this.target.folder.uri.fsPath, envPath);
    const result = await readEnvFile(abs, process.env);
    if (result?.badLines.length) this.deps.log.warn(`${abs}: could not read ${describeLines(result.badLines)} (python-dotenv skips them too)`);
    return result?.values ?? {};
  }

  private onState(state: AppState): void {
    if (state === 'ready') this.generation++;
    this.debugger.stateChanged(state);
    this.refresh();
  }

  private onOutcome(outcome: StartOutcome, userInitiated: boolean): void {
    // A save-triggered failure is shown by the overlay and the status bar, not by a toast per save.
    if (outcome.kind === 'failed' && userInitiated) {
      void this.showError(outcome.error);
    } else if (outcome.kind === 'timeout') {
      void this.askAboutTimeout();
    }
  }

  private async askAboutTimeout(): Promise<void> {
    const secs = this.config.get('startTimeoutSeconds');
    const pick = await vscode.window.showWarningMessage(
      `${path.basename(this.file.fsPath)} has not answered HTTP after ${secs} s. It may still be loading.`,
      'Keep Waiting',
      'Show Output',
      'Stop',
    );
    if (pick === 'Show Output') this.showOutput();
    else if (pick === 'Stop') await this.stop();
  }

  private async showError(error: Error): Promise<void> {
    const actions: string[] = [];
    if (error instanceof ModuleMissingError) actions.push('Install in Terminal', 'Copy Command');
    if (error instanceof NoInterpreterError) actions.push('Select Interpreter', 'Open Settings');
    if (error instanceof PortInUseError || error instanceof CommandSyntaxError) actions.push('Open Settings');
    if (error instanceof AppStartError || error instanceof LaunchError) actions.push('Show Output');
    const pick = await vscode.window.showErrorMessage(error.message, ...actions);
    switch (pick) {
      case 'Install in Terminal': {
        // The interpreter itself is the terminal's process: no shell reads the path or the package name.
        const missing = error as ModuleMissingError;
        const t = vscode.window.createTerminal({ name: `Install ${missing.pipPackage}`, cwd: path.dirname(this.file.fsPath), shellPath: missing.python, shellArgs: [...missing.installArgs] });
        t.show();
        break;
      }
      case 'Copy Command':
        await vscode.env.clipboard.writeText((error as ModuleMissingError).installCommand);
        break;
      case 'Select Interpreter':
        if (vscode.extensions.getExtension('ms-python.python')) await vscode.commands.executeCommand('python.setInterpreter');
        else await vscode.commands.executeCommand('workbench.action.openSettings', 'dataAppPreview.pythonPath');
        break;
      case 'Open Settings':
        await vscode.commands.executeCommand('workbench.action.openSettings', 'dataAppPreview');
        break;
      case 'Show Output':
        this.showOutput();
        break;
    }
  }

  statusMessage(): StatusMessage {
    const sup = this.controller.supervisor;
    const err = sup.lastError;
    const state = sup.state;
    let detail: string | undefined;
    if (state === 'ready' && sup.lastStartMs !== undefined) {
      detail = sup.restarts ? `restarted in ${sup.lastStartMs} ms · ${sup.restarts} restart${sup.restarts > 1 ? 's' : ''}` : `ready in ${sup.lastStartMs} ms`;
    }
    return {
      type: 'status',
      state,
      appName: path.basename(this.file.fsPath),
      filePath: this.file.fsPath,
      framework: FRAMEWORKS[this.target.framework].label,
      url: this.frameUrl,
      port: sup.port,
      restarts: sup.restarts,
      generation: this.generation,
      detail,
      debugging: this.debugger.enabled,
      error: err && (state === 'crashed' || state === 'stopped') ? { message: err.message, output: err instanceof AppStartError ? err.stderrTail : '' } : undefined,
    };
  }

  private refresh(): void {
    if (this.isDisposed) return;
    const status = this.statusMessage();
    this.panel?.update(status, this.frameOrigins);
    const sup = this.controller.supervisor;
    const item = this.statusItem;
    const serving = isRunningState(status.state);
    item.text = `${this.debugger.enabled && serving ? '$(debug-alt) ' : ''}${STATE_ICON[status.state]} ${status.appName}${sup.port && serving ? ` :${sup.port}` : ''}`;
    const md = new vscode.MarkdownString(undefined, true);
    md.appendMarkdown(`**${status.appName}** · ${status.framework}\n\n`);
    md.appendMarkdown(`State: ${status.state}${sup.port && serving ? ` · port ${sup.port}` : ''}\n\n`);
    md.appendMarkdown(`Restarts: ${sup.restarts}`);
    if (sup.lastRestartAt) md.appendMarkdown(` · last at ${new Date(sup.lastRestartAt).toLocaleTimeString()}`);
    if (sup.lastStartMs !== undefined) md.appendMarkdown(` · ready in ${sup.lastStartMs} ms`);
    if (sup.lastVia) md.appendMarkdown(`\n\nLast start: ${sup.lastVia}`);
    if (this.debugger.enabled) md.appendMarkdown(`\n\nDebugging: ${this.debugger.session ? 'attached' : 'waiting for the debugger'}`);
    if (this.python) md.appendMarkdown(`\n\nPython: \`${this.python}\``);
    item.tooltip = md;
    item.backgroundColor = status.state === 'crashed' ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
    item.show();
  }
}

function prefixed(log: vscode.LogOutputChannel, name: string): import('../core/log').Logger {
  return {
    trace: (m) => log.trace(`${name}: ${m}`),
    debug: (m) => log.debug(`${name}: ${m}`),
    info: (m) => log.info(`${name}: ${m}`),
    warn: (m) => log.warn(`${name}: ${m}`),
    error: (m) => log.error(typeof m === 'string' ? `${name}: ${m}` : m),
  };
}
