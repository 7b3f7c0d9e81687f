// All previewed apps: one session per app file. Resolves what to preview, with a clear message
// for every kind of bad input, and stops every server when the extension goes away.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { Config } from '../config/config';
import { isRunningState } from '../core/state';
import { stateLabel } from '../preview/protocol';
import { isPersistedPreview } from '../preview/protocol';
import { Disposable } from '../util/dispose';
import { AppSession, type SessionDeps } from './session';
import { NOT_AN_APP, TargetResolver, UserFacingError, type SessionTarget } from './targets';

export { UserFacingError } from './targets';

export class AppManager extends Disposable {
  private readonly targets: TargetResolver;
  private readonly sessions = new Map<string, AppSession>();
  /** Preview App calls under way, by file. */
  private readonly opening = new Map<string, Promise<AppSession | undefined>>();

  constructor(
    private readonly deps: SessionDeps,
    memento: vscode.Memento,
  ) {
    super();
    this.targets = new TargetResolver(deps.log, memento);
    // An explicit save (Ctrl+S) restarts at once; auto-save after a delay or on focus change,
    // like other changes on disk, is debounced.
    const explicit = new Set<string>();
    this._register(
      vscode.workspace.onWillSaveTextDocument((e) => {
        if (e.reason === vscode.TextDocumentSaveReason.Manual) explicit.add(e.document.uri.toString());
        else explicit.delete(e.document.uri.toString());
      }),
    );
    this._register(
      vscode.workspace.onDidSaveTextDocument((doc) => {
        const saved = explicit.delete(doc.uri.toString());
        this.forEach((s) => void s.fileChanged(doc.uri, saved));
      }),
    );
  }

  /** Sessions whose preview is open (a closing one is on its way out). */
  get all(): readonly AppSession[] {
    return [...this.sessions.values()].filter((s) => !s.isClosing);
  }

  private live(uri: vscode.Uri | undefined): AppSession | undefined {
    const s = uri && this.sessions.get(key(uri));
    return s && !s.isClosing ? s : undefined;
  }

  /** The `Preview App` command. Two calls at once for one file give one session (the second waits for the first). */
  preview(uri?: vscode.Uri): Promise<AppSession | undefined> {
    const file = uri ?? vscode.window.activeTextEditor?.document.uri;
    const k = file && key(file);
    const pending = k ? this.opening.get(k) : undefined;
    if (pending) return pending;
    const opening = this.previewOnce(uri);
    if (k) {
      this.opening.set(k, opening);
      void opening.finally(() => this.opening.delete(k)).catch(() => undefined);
    }
    return opening;
  }

  private async previewOnce(uri?: vscode.Uri): Promise<AppSession | undefined> {
    const existingTarget = uri ?? vscode.window.activeTextEditor?.document.uri;
    const closing = existingTarget && this.sessions.get(key(existingTarget));
    if (closing?.isClosing) await closing.close(); // its server must be gone before a new one starts
    const existing = this.live(existingTarget);
    if (existing) {
      existing.reveal();
      if (existing.state === 'stopped' || existing.state === 'crashed') await existing.start();
      return existing;
    }
    const target = await this.resolveTarget(uri);
    if (!target) return undefined;
    const raced = this.live(target.file); // made meanwhile (e.g. by Debug App)
    if (raced) {
      raced.reveal();
      return raced;
    }
    const session = this.open(target);
    await session.start();
    return session;
  }

  /**
   * The `Debug App` command: previews the app (or takes the running preview) with every run under
   * debugpy and VS Code attached. With "debug.openPreview" off, no preview panel opens.
   */
  async debug(uri?: vscode.Uri): Promise<AppSession | undefined> {
    const file = uri ?? vscode.window.activeTextEditor?.document.uri;
    const closing = file && this.sessions.get(key(file));
    if (closing?.isClosing) await closing.close();
    const existing = this.live(file);
    if (existing) {
      if (new Config(existing.file).get('debug.openPreview')) existing.reveal();
      await existing.setDebugging(true);
      return existing;
    }
    const target = await this.resolveTarget(uri);
    if (!target) return undefined;
    const session = this.open(target, undefined, new Config(target.file).get('debug.openPreview'));
    session.debugger.enabled = true;
    await session.start();
    return session;
  }

  /** Brings back a preview after a window reload (the webview serializer). */
  async revive(panel: vscode.WebviewPanel, state: unknown): Promise<void> {
    if (!isPersistedPreview(state) || !fs.existsSync(state.filePath)) {
      panel.dispose();
      return;
    }
    const uri = vscode.Uri.file(state.filePath);
    // Persisted state lives in the webview: a restored preview only ever runs a file of this workspace.
    if (!vscode.workspace.getWorkspaceFolder(uri)) {
      this.deps.log.warn(`Not restoring a preview of ${state.filePath}: it is outside the workspace`);
      panel.dispose();
      return;
    }
    if (this.live(uri)) {
      panel.dispose();
      return;
    }
    let target: SessionTarget | undefined;
    try {
      target = await this.resolveTarget(uri, { interactive: false });
    } catch (e) {
      this.deps.log.warn(`Could not restore the preview of ${state.filePath}: ${(e as Error).message}`);
    }
    if (!target) {
      panel.dispose();
      return;
    }
    const session = this.open(target, panel);
    await session.start();
  }

  /** The app a command applies to: an explicit file, the focused preview, the active editor, the only app, or a pick. */
  async pick(uri?: vscode.Uri): Promise<AppSession | undefined> {
    if (uri) return this.live(uri);
    const focused = this.all.find((s) => s.preview?.panel.active);
    if (focused) return focused;
    const editor = vscode.window.activeTextEditor?.document.uri;
    const byEditor = this.live(editor);
    if (byEditor) return byEditor;
    if (this.all.length === 1) return this.all[0];
    if (this.all.length === 0) {
      void vscode.window.showInformationMessage('No app is being previewed. Open an app file and run "Data App: Preview App".');
      return undefined;
    }
    const chosen = await vscode.window.showQuickPick(
      this.all.map((s) => ({
        label: path.basename(s.file.fsPath),
        description: `${stateLabel(s.state, s.statusMessage().error?.kind)} · ${vscode.workspace.asRelativePath(s.file)}`,
        session: s,
      })),
      { placeHolder: 'Which app?' },
    );
    return chosen?.session; // cancelled: nothing
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.all.map((s) => s.stop()));
  }

  /** Stops every server and closes every preview. */
  async shutdown(): Promise<void> {
    await Promise.all([...this.sessions.values()].map((s) => s.close()));
  }

  /** Synchronous last resort when the extension host exits. */
  killAllNow(): void {
    for (const s of this.sessions.values()) s.killNow();
  }

  /** Lets the user pick the framework for a file (and remembers it for the workspace). */
  async chooseFramework(uri?: vscode.Uri): Promise<void> {
    const file = uri ?? vscode.window.activeTextEditor?.document.uri;
    if (!file) throw new UserFacingError('Open an app file in the editor first, then run "Data App: Choose Framework for This File".');
    const picked = await this.targets.askFramework(file, 'Framework for this file (remembered for this workspace)');
    if (!picked) return;
    const session = this.live(file);
    if (session) {
      await session.close();
      if (picked !== NOT_AN_APP) await this.preview(file);
    }
  }

  private open(target: SessionTarget, panel?: vscode.WebviewPanel, showPreview = true): AppSession {
    const session = new AppSession(this.deps, target, panel, showPreview);
    const k = key(target.file);
    this.sessions.set(k, session);
    const stateSub = session.controller.supervisor.onDidChangeState(() => this.updateContext());
    session.onDidClose(() => {
      stateSub.dispose();
      if (this.sessions.get(k) === session) this.sessions.delete(k);
      this.updateContext();
    });
    this.updateContext();
    return session;
  }

  private updateContext(): void {
    const running = this.all.some((s) => isRunningState(s.state));
    void vscode.commands.executeCommand('setContext', 'dataAppPreview.anyRunning', running);
    void vscode.commands.executeCommand('setContext', 'dataAppPreview.anyApp', this.all.length > 0);
  }

  private forEach(fn: (s: AppSession) => void): void {
    for (const s of this.all) fn(s);
  }

  /** Checks the file and works out its framework; throws UserFacingError for bad input. */
  resolveTarget(uri?: vscode.Uri, opts: { interactive?: boolean } = {}): Promise<SessionTarget | undefined> {
    return this.targets.resolve(uri, opts);
  }

  override dispose(): void {
    this.killAllNow();
    for (const s of this.sessions.values()) s.dispose();
    this.sessions.clear();
    super.dispose();
  }
}

function key(uri: vscode.Uri): string {
  return uri.toString();
}
