// One app's status bar item: its state and port, and a tooltip with restarts, how the last run
// started, the debugger and the interpreter. Clicking it shows the preview.
import * as vscode from 'vscode';
import type { AppState } from '../core/state';
import { isRunningState } from '../core/state';
import type { AppSupervisor } from '../core/supervisor';
import { stateLabel, type StatusMessage } from '../preview/protocol';

const STATE_ICON: Record<AppState, string> = {
  stopped: '$(circle-slash)',
  starting: '$(sync~spin)',
  ready: '$(vm-running)',
  restarting: '$(sync~spin)',
  crashed: '$(error)',
  stopping: '$(sync~spin)',
};

export interface StatusDetails {
  readonly debugging: boolean;
  /** Whether a debugger is attached (when debugging). */
  readonly attached: boolean;
  readonly python: string | undefined;
}

export class AppStatusItem implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;

  constructor(file: vscode.Uri, label: string) {
    this.item = vscode.window.createStatusBarItem(`dataAppPreview.app:${file.fsPath}`, vscode.StatusBarAlignment.Left, 50);
    this.item.name = `Data App: ${label}`;
    this.item.command = { title: 'Show Preview', command: 'dataAppPreview.showPreview', arguments: [file] };
  }

  update(status: StatusMessage, sup: AppSupervisor, d: StatusDetails): void {
    const item = this.item;
    const serving = isRunningState(status.state);
    item.text = `${d.debugging && serving ? '$(debug-alt) ' : ''}${STATE_ICON[status.state]} ${status.appName}${status.port && serving ? ` :${status.port}` : ''}`;
    const md = new vscode.MarkdownString(undefined, true);
    md.appendMarkdown(`**${status.appName}** · ${status.framework}\n\n`);
    const behind = sup.port && sup.port !== status.port ? ` (app server :${sup.port} behind it)` : '';
    md.appendMarkdown(`${stateLabel(status.state, status.error?.kind)}${status.port && serving ? ` · port ${status.port}${behind}` : ''}\n\n`);
    md.appendMarkdown(`Restarts: ${sup.restarts}`);
    if (sup.lastRestartAt) md.appendMarkdown(` · last at ${new Date(sup.lastRestartAt).toLocaleTimeString()}`);
    if (sup.lastStartMs !== undefined) md.appendMarkdown(` · ready in ${sup.lastStartMs} ms`);
    if (sup.lastVia) md.appendMarkdown(`\n\nLast start: ${sup.lastVia}`);
    if (d.debugging) md.appendMarkdown(`\n\nDebugging: ${d.attached ? 'attached' : 'waiting for the debugger'}`);
    if (d.python) md.appendMarkdown(`\n\nPython: \`${d.python}\``);
    item.tooltip = md;
    const setup = status.error?.kind === 'missing-module' || status.error?.kind === 'not-a-server';
    item.backgroundColor = status.state !== 'crashed' ? undefined : new vscode.ThemeColor(setup ? 'statusBarItem.warningBackground' : 'statusBarItem.errorBackground');
    if (setup) item.text = item.text.replace(STATE_ICON.crashed, '$(tools)');
    // A stopped app has nothing to show in the status bar; its preview still says so.
    if (status.state === 'stopped') item.hide();
    else item.show();
  }

  dispose(): void {
    this.item.dispose();
  }
}
