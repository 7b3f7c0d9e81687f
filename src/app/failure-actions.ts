// What one app does with its failures in the editor: the error line in the Problems panel
// (cleared on the next good start), links from the overlay to the user's code, and a missing
// module as a setup step (install for this interpreter, then start; Select Interpreter; Create
// Environment).
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Logger } from '../core/log';
import { ModuleMissingError, pipPackageFor } from '../core/python';
import type { AppState } from '../core/state';
import type { StatusMessage } from '../preview/protocol';
import { failureOf } from '../preview/status';
import { failureHint } from '../core/failures';
import type { StartOutcome } from '../core/outcome';
import { Config } from '../config/config';
import { askAboutSlowStart, showStartError, type ErrorContext } from './start-errors';
import { createEnvironment, selectInterpreter, type Setup, type SetupInfo } from './setup';

/** The session, as its failure actions read and drive it. */
export interface FailedSession {
  readonly file: vscode.Uri;
  readonly target: { readonly folder: vscode.WorkspaceFolder };
  readonly pythonPath: string | undefined;
  readonly supervisor: { readonly lastError: Error | undefined };
  /** What the preview shows (links are only followed into its error output). */
  statusMessage(): StatusMessage;
  /** Starts the app again (the framework's module is checked anew). */
  start(): Promise<unknown>;
  stop(): Promise<void>;
  showOutput(): void;
}

export class FailureActions implements vscode.Disposable {
  private marked: vscode.Uri[] = [];
  private _setup: SetupInfo | undefined;
  private setupFor: Error | undefined;
  private installing = false;

  constructor(
    private readonly session: FailedSession,
    private readonly setupOf: Setup,
    private readonly problems: vscode.DiagnosticCollection,
    private readonly log: Logger,
    private readonly changed: () => void,
  ) {}

  /** How the missing module of the current failure installs (once known). */
  get setup(): SetupInfo | undefined {
    return this._setup;
  }

  stateChanged(state: AppState): void {
    if (state === 'ready' || state === 'starting') this.clearProblems();
    if (state !== 'crashed') return;
    const err = this.session.supervisor.lastError;
    if (!err) return;
    const { failure } = failureOf(err, { file: this.session.file.fsPath, workspace: this.session.target.folder.uri.fsPath });
    this.clearProblems();
    if (failure.location) {
      const uri = vscode.Uri.file(failure.location.file);
      const line = Math.max(0, failure.location.line - 1);
      const d = new vscode.Diagnostic(new vscode.Range(line, 0, line, Number.MAX_SAFE_INTEGER), failure.exception ?? err.message, vscode.DiagnosticSeverity.Error);
      d.source = 'Data App Preview';
      this.problems.set(uri, [d]);
      this.marked.push(uri);
    }
    if (failure.kind === 'missing-module' && this.setupFor !== err) void this.planFor(err, failure.module);
  }

  /** How the missing module of `err` installs for the app's interpreter; shown once known. */
  private async planFor(err: Error, module: string | undefined): Promise<SetupInfo | undefined> {
    const python = this.session.pythonPath;
    if (!python || !module) return undefined;
    this.setupFor = err;
    this._setup = undefined;
    const pkg = err instanceof ModuleMissingError ? err.pipPackage : pipPackageFor(module);
    const s = await this.setupOf.plan(python, pkg);
    if (this.setupFor !== err) return undefined;
    this._setup = s;
    this.changed();
    return s;
  }

  /** Opens `file` (as the shown output has it) at `line`, if the output shows that reference. */
  async openLocation(file: string, line: number): Promise<void> {
    const shown = this.session.statusMessage().error;
    const known = shown?.output.includes(`File "${file}", line ${line}`) || (shown?.location?.file === file && shown.location.line === line);
    if (!known) return; // only what the overlay shows
    const abs = path.resolve(path.dirname(this.session.file.fsPath), file);
    if (!fs.existsSync(abs)) {
      void vscode.window.showWarningMessage(`${file} is not a file on disk (it may be generated code).`);
      return;
    }
    const pos = new vscode.Position(Math.max(0, line - 1), 0);
    await vscode.window.showTextDocument(vscode.Uri.file(abs), { selection: new vscode.Range(pos, pos), viewColumn: vscode.ViewColumn.One, preview: false });
  }

  async install(): Promise<void> {
    const err = this.session.supervisor.lastError;
    let s = this._setup;
    if (!s && err) s = await this.planFor(err, failureOf(err, { file: this.session.file.fsPath, workspace: this.session.target.folder.uri.fsPath }).failure.module);
    const python = this.session.pythonPath;
    if (!s?.args || !python || this.installing) {
      if (s?.advice) void vscode.window.showWarningMessage(s.advice, 'Create Environment', 'Select Interpreter').then((p) => this.run(p));
      return;
    }
    this.installing = true;
    try {
      const pkg = s.args[s.args.length - 1]!;
      const code = await this.setupOf.install(python, s.args, path.dirname(this.session.file.fsPath), pkg);
      if (code === 0) {
        this.log.info(`install of ${pkg} finished; starting the app`);
        await this.session.start();
      } else {
        void vscode.window.showErrorMessage(`Installing ${pkg} failed (exit code ${code ?? 'unknown'}). The terminal shows why.`);
      }
    } finally {
      this.installing = false;
    }
  }

  /** What the user is told of a start's outcome (a save-triggered failure only by the overlay and the status bar, not by a toast per save). */
  told(outcome: StartOutcome, userInitiated: boolean): void {
    const ctx: ErrorContext = {
      file: this.session.file.fsPath,
      showOutput: () => this.session.showOutput(),
      stop: () => this.session.stop(),
      install: () => this.install(),
    };
    if (outcome.kind === 'failed' && userInitiated) {
      const { failure } = failureOf(outcome.error, { file: this.session.file.fsPath, workspace: this.session.target.folder.uri.fsPath });
      if (failure.kind === 'missing-module' && !(outcome.error instanceof ModuleMissingError)) void this.askSetup(failure.exception ?? outcome.error.message);
      else if (failure.kind === 'not-a-server') void this.notAServer(failureHint(failure, path.basename(this.session.file.fsPath)));
      else void showStartError(outcome.error, ctx, failure.exception);
    } else if (outcome.kind === 'timeout') void askAboutSlowStart(new Config(this.session.file).get('startTimeoutSeconds'), ctx);
  }

  /** A module the app imports is missing: the setup step, as a notification too. */
  private async askSetup(exception: string): Promise<void> {
    const pick = await vscode.window.showWarningMessage(
      `Setup needed for ${path.basename(this.session.file.fsPath)}: ${exception}. Install it for this interpreter, or select the interpreter that has it.`,
      'Install in Terminal',
      'Select Interpreter',
    );
    if (pick === 'Install in Terminal') await this.install();
    else if (pick) await selectInterpreter();
  }

  private async notAServer(hint: string): Promise<void> {
    const pick = await vscode.window.showWarningMessage(hint, 'Choose Framework…', 'Show Output');
    if (pick === 'Show Output') this.session.showOutput();
    else if (pick) await vscode.commands.executeCommand('dataAppPreview.chooseFramework', this.session.file);
  }

  async copyInstall(): Promise<void> {
    if (this._setup?.install) await vscode.env.clipboard.writeText(this._setup.install);
  }

  private async run(pick: string | undefined): Promise<void> {
    if (pick === 'Create Environment') await createEnvironment();
    else if (pick === 'Select Interpreter') await selectInterpreter();
  }

  private clearProblems(): void {
    for (const uri of this.marked) this.problems.delete(uri);
    this.marked = [];
  }

  dispose(): void {
    this.clearProblems();
  }
}
